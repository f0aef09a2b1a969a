# dq-fcgi: the FastCGI server for the HTTP API.
sbin_PROGRAMS += fcgi/dq-fcgi
fcgi_dq_fcgi_SOURCES = \
	fcgi/auth.c fcgi/auth.h \
	fcgi/handlers.h fcgi/http.h \
	fcgi/h_health.c fcgi/h_jobact.c fcgi/h_jobs.c fcgi/h_queues.c \
	fcgi/h_schedules.c \
	fcgi/listing.c fcgi/listing.h \
	fcgi/main.c \
	fcgi/master.c fcgi/master.h \
	fcgi/query.c fcgi/query.h \
	fcgi/ratelimit.c fcgi/ratelimit.h \
	fcgi/resp.c \
	fcgi/router.c fcgi/router.h \
	fcgi/worker.c fcgi/worker.h
fcgi_dq_fcgi_LDADD = $(DQ_COMMON_LIBS) $(FCGI_LIBS)
