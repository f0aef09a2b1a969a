# Manual pages, in mdoc.  Made from .in files at make time so that they name
# the configuration file where this build installs it.
man_MANS = man/dq-fcgi.8 man/dq-dispatcher.8 man/dq-repd.8 man/dqctl.8 man/dq.conf.5
EXTRA_DIST += $(man_MANS:=.in)
CLEANFILES += $(man_MANS)

$(man_MANS): Makefile
	$(AM_V_GEN)$(MKDIR_P) man && rm -f $@ && \
	sed -e 's|@sysconfdir[@]|$(sysconfdir)|g' $(srcdir)/$@.in >$@
man/dq-fcgi.8: $(srcdir)/man/dq-fcgi.8.in
man/dq-dispatcher.8: $(srcdir)/man/dq-dispatcher.8.in
man/dq-repd.8: $(srcdir)/man/dq-repd.8.in
man/dqctl.8: $(srcdir)/man/dqctl.8.in
man/dq.conf.5: $(srcdir)/man/dq.conf.5.in
