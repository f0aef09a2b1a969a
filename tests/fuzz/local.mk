# make fuzz: build the libFuzzer harnesses with clang (tests/fuzz/build.sh,
# whatever compiler configure chose) into build-fuzz/, then run each on its
# committed inputs and fuzz it for FUZZ_SECONDS; FUZZ_HARNESSES picks some
# (default all).  Neither make nor make check builds or runs them.
FUZZ_SECONDS = 60
FUZZ_HARNESSES =
fuzz:
	$(SHELL) '$(top_srcdir)/tests/fuzz/build.sh' '$(abs_top_builddir)/build-fuzz'
	FUZZ_OUT='$(abs_top_builddir)/build-fuzz' $(SHELL) \
	    '$(top_srcdir)/tests/fuzz/run.sh' $(FUZZ_SECONDS) $(FUZZ_HARNESSES)
.PHONY: fuzz
EXTRA_DIST += tests/fuzz tests/ci
