# conf/: the samples and the systemd integration, installed by make install.
#
# dq.conf and the web server snippets go to $(sysconfdir)/dq, but never over
# a file that is already there (an admin's edits survive a reinstall).
# Units, web server snippets (the console's directory), the shared-hosting
# wrapper, crontab and logrotate sample carry the install paths, so they are
# made from .in files here, at make time (configure would leave ${prefix} in
# them).
dqconfdir = $(sysconfdir)/dq
DQ_WEB_SNIPPETS = conf/nginx-dq.conf conf/apache-dq.conf
DQ_CONF_SAMPLES = conf/dq.conf $(DQ_WEB_SNIPPETS)
noinst_DATA = $(DQ_WEB_SNIPPETS)

dqexamplesdir = $(docdir)/examples
dist_dqexamples_DATA = conf/DB_CONFIG
shexamplesdir = $(docdir)/examples/shared-hosting
dist_shexamples_DATA = conf/shared-hosting/htaccess conf/shared-hosting/ui.htaccess
shexamples_DATA = conf/shared-hosting/crontab conf/shared-hosting/logrotate.conf
shexamples_SCRIPTS = conf/shared-hosting/dq.fcgi

DQ_GENERATED = conf/dq-fcgi.service conf/dq-dispatcher.service \
	conf/shared-hosting/dq.fcgi conf/shared-hosting/crontab \
	conf/shared-hosting/logrotate.conf $(DQ_WEB_SNIPPETS)
if SYSTEMD_UNITS
systemdsystemunit_DATA = conf/dq-fcgi.service conf/dq-dispatcher.service
endif
if TMPFILES
tmpfiles_DATA = conf/tmpfiles.d/dq.conf
endif
if SYSUSERS
sysusers_DATA = conf/sysusers.d/dq.conf
endif

# Not installed: what quickstart.sh and the tests run nginx and Apache with.
EXTRA_DIST += conf/nginx-standalone.conf.in conf/apache-standalone.conf.in
EXTRA_DIST += conf/dq.conf $(DQ_GENERATED:=.in) \
	conf/tmpfiles.d/dq.conf conf/sysusers.d/dq.conf
CLEANFILES += $(DQ_GENERATED)

dq_subst = sed -e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g' \
	-e 's|@wwwdir[@]|$(pkgdatadir)/www|g'

$(DQ_GENERATED): Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && rm -f $@ $@.tmp && \
	$(dq_subst) $(srcdir)/$@.in >$@.tmp && \
	if test -x $(srcdir)/$@.in; then chmod +x $@.tmp; fi && mv $@.tmp $@
conf/dq-fcgi.service: $(srcdir)/conf/dq-fcgi.service.in
conf/dq-dispatcher.service: $(srcdir)/conf/dq-dispatcher.service.in
conf/shared-hosting/dq.fcgi: $(srcdir)/conf/shared-hosting/dq.fcgi.in
conf/shared-hosting/crontab: $(srcdir)/conf/shared-hosting/crontab.in
conf/shared-hosting/logrotate.conf: $(srcdir)/conf/shared-hosting/logrotate.conf.in
conf/nginx-dq.conf: $(srcdir)/conf/nginx-dq.conf.in
conf/apache-dq.conf: $(srcdir)/conf/apache-dq.conf.in

install-data-local: install-dq-conf
uninstall-local: uninstall-dq-conf
.PHONY: install-dq-conf uninstall-dq-conf

# The snippets are made here (the build dir), dq.conf comes from the source.
install-dq-conf: $(DQ_WEB_SNIPPETS)
	$(MKDIR_P) '$(DESTDIR)$(dqconfdir)'
	@for f in $(DQ_CONF_SAMPLES); do \
	  t='$(DESTDIR)$(dqconfdir)'/`basename $$f`; \
	  if test -f "$$f"; then s=$$f; else s=$(srcdir)/$$f; fi; \
	  if test -f "$$t"; then echo "  keeping $$t"; \
	  else echo " $(INSTALL_DATA) $$s '$$t'"; \
	    $(INSTALL_DATA) "$$s" "$$t" || exit 1; fi; \
	done

uninstall-dq-conf:
	@for f in $(DQ_CONF_SAMPLES); do \
	  t='$(DESTDIR)$(dqconfdir)'/`basename $$f`; \
	  echo " rm -f '$$t'"; rm -f "$$t"; \
	done
	-rmdir '$(DESTDIR)$(dqconfdir)' 2>/dev/null
