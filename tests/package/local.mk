# Package tests: minutes long and root-only (they install packages and make
# users), so not part of make check; .ci/run runs them.  Shipped in the
# tarball with debian/, so that a release can be packaged and checked.
EXTRA_DIST += tests/package/lib.sh tests/package/test_deb.sh \
	tests/package/test_install.sh tests/package/test_shared_hosting.sh \
	debian/changelog debian/control debian/copyright debian/docs \
	debian/rules debian/source/format
