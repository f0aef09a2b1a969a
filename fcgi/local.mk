# dq-fcgi: the FastCGI server for the HTTP API.
sbin_PROGRAMS += fcgi/dq-fcgi
fcgi_dq_fcgi_SOURCES = \
	fcgi/auth.c fcgi/auth.h \
	fcgi/cursor.c fcgi/cursor.h \
	fcgi/handlers.h fcgi/http.h \
	fcgi/h_bulk.c fcgi/h_health.c fcgi/h_jobact.c fcgi/h_jobs.c \
	fcgi/h_queues.c fcgi/h_schedules.c fcgi/h_stats.c fcgi/h_topics.c \
	fcgi/topics.h \
	fcgi/listing.c fcgi/listing.h \
	fcgi/main.c \
	fcgi/master.c fcgi/master.h \
	fcgi/query.c fcgi/query.h \
	fcgi/ratelimit.c fcgi/ratelimit.h \
	fcgi/resp.c \
	fcgi/router.c fcgi/router.h \
	fcgi/worker.c fcgi/worker.h
fcgi_dq_fcgi_LDADD = $(DQ_COMMON_LIBS) $(FCGI_LIBS)

# The OpenAPI description: openapi.yaml is the source; the build makes
# openapi.json (installed in $(pkgdatadir), used by the tests) and compiles
# it into dq-fcgi, which serves it at GET /v1/openapi.json.  Needs PyYAML.
fcgi_dq_fcgi_SOURCES += fcgi/h_openapi.c
nodist_fcgi_dq_fcgi_SOURCES = fcgi/openapi_json.c
pkgdata_DATA = openapi.json
EXTRA_DIST += openapi.yaml fcgi/openapi_embed.py
CLEANFILES += openapi.json fcgi/openapi_json.c
OPENAPI_EMBED = $(PYTHON3) $(top_srcdir)/fcgi/openapi_embed.py

openapi.json: $(top_srcdir)/openapi.yaml $(top_srcdir)/fcgi/openapi_embed.py
	$(AM_V_GEN)$(OPENAPI_EMBED) json $(top_srcdir)/openapi.yaml $@ $(PACKAGE_VERSION)
fcgi/openapi_json.c: openapi.json $(top_srcdir)/fcgi/openapi_embed.py
	$(AM_V_GEN)$(MKDIR_P) fcgi && $(OPENAPI_EMBED) c openapi.json $@
