# libdqcommon: everything the programs share (no FastCGI, no curl).
noinst_LIBRARIES += common/libdqcommon.a
common_libdqcommon_a_SOURCES = \
	common/addr.c common/addr.h \
	common/conf.c common/conf.h \
	common/cron.c common/cron.h \
	common/crypto.c common/crypto.h \
	common/deliver.c common/deliver.h \
	common/dqerr.h \
	common/dqtime.c common/dqtime.h \
	common/ids.c common/ids.h \
	common/job.c common/job.h \
	common/jobact.c \
	common/jobreq.c common/jobreq.h \
	common/jsonw.c common/jsonw.h \
	common/log.c common/log.h \
	common/mapfile.c common/mapfile.h \
	common/metrics.c common/metrics.h \
	common/num.c common/num.h \
	common/rec.c common/rec.h \
	common/schedule.c common/schedule.h \
	common/shm.c common/shm.h \
	common/sign.c common/sign.h \
	common/store.c common/store.h common/store_int.h \
	common/store_account.c \
	common/store_admin.c \
	common/store_attempt.c \
	common/store_disp.c \
	common/store_job.c \
	common/store_jobidx.c \
	common/store_keys.c \
	common/store_meta.c \
	common/store_queue.c \
	common/store_schedule.c \
	common/tz.c common/tz.h \
	common/sig.c common/sig.h \
	common/utf8.c common/utf8.h \
	common/verr.c common/verr.h \
	common/wakeup.c common/wakeup.h

# What a program linking libdqcommon needs.
DQ_COMMON_LIBS = common/libdqcommon.a $(JANSSON_LIBS) $(CRYPTO_LIBS) \
	$(DB_LIBS) $(BASE_LIBS)
