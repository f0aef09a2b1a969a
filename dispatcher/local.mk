# dq-dispatcher: delivers due jobs with libcurl's multi interface.
sbin_PROGRAMS += dispatcher/dq-dispatcher
dispatcher_dq_dispatcher_SOURCES = \
	dispatcher/accounts.c \
	dispatcher/child.c \
	dispatcher/disp.h \
	dispatcher/housekeep.c \
	dispatcher/housekeeper.c \
	dispatcher/main.c \
	dispatcher/qset.c \
	dispatcher/qset.h \
	dispatcher/queues.c \
	dispatcher/results.c \
	dispatcher/schedules.c \
	dispatcher/tick.c \
	dispatcher/transfer.c \
	dispatcher/xfer.h
dispatcher_dq_dispatcher_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS)
dispatcher_dq_dispatcher_LDADD = $(DQ_COMMON_LIBS) $(CURL_LIBS)
