# libdqcommon: everything the programs share (no FastCGI, no curl),
# grouped by concern; each group's headers are on the include path.
noinst_LIBRARIES += common/libdqcommon.a
common_libdqcommon_a_SOURCES = \
	common/base/buf.c common/base/buf.h \
	common/base/child.c common/base/child.h \
	common/base/conf.c common/base/conf.h \
	common/base/crypto.c common/base/crypto.h \
	common/base/dqerr.h \
	common/base/dqtime.c common/base/dqtime.h \
	common/base/ids.c common/base/ids.h \
	common/base/keyfile.c common/base/keyfile.h \
	common/base/log.c common/base/log.h \
	common/base/num.c common/base/num.h \
	common/base/sig.c common/base/sig.h \
	common/base/utf8.c common/base/utf8.h \
	common/base/verr.c common/base/verr.h \
	common/model/cron.c common/model/cron.h \
	common/model/job.c common/model/job.h \
	common/model/jobact.c \
	common/model/jobreq.c common/model/jobreq.h \
	common/model/jsonw.c common/model/jsonw.h \
	common/model/rec.c common/model/rec.h \
	common/model/schedreq.c common/model/schedreq.h \
	common/model/schedule.c common/model/schedule.h \
	common/model/tz.c common/model/tz.h \
	common/delivery/addr.c common/delivery/addr.h \
	common/delivery/deliver.c common/delivery/deliver.h \
	common/delivery/sign.c common/delivery/sign.h \
	common/ipc/mapfile.c common/ipc/mapfile.h \
	common/ipc/metrics.c common/ipc/metrics.h \
	common/ipc/repl.c common/ipc/repl.h \
	common/ipc/shm.c common/ipc/shm.h \
	common/ipc/wakeup.c common/ipc/wakeup.h \
	common/store/janitor.c \
	common/store/store.c common/store/store.h \
	common/store/store_account.c \
	common/store/store_admin.c \
	common/store/store_attempt.c \
	common/store/store_bulk.c \
	common/store/store_create.c \
	common/store/store_disp.c \
	common/store/store_int.h \
	common/store/store_job.c \
	common/store/store_jobdel.c \
	common/store/store_jobidx.c \
	common/store/store_keep.c \
	common/store/store_keys.c \
	common/store/store_meta.c \
	common/store/store_queue.c \
	common/store/store_repl.c \
	common/store/store_rows.c \
	common/store/store_schedule.c \
	common/store/store_stats.c \
	common/store/store_topic.c \
	common/store/store_upgrade.c \
	common/store/store_walk.c \
	common/store/store_writer.c

DQ_COMMON_INCLUDES = -I$(top_srcdir)/common/base -I$(top_srcdir)/common/model -I$(top_srcdir)/common/delivery -I$(top_srcdir)/common/ipc -I$(top_srcdir)/common/store

# What a program linking libdqcommon needs.
DQ_COMMON_LIBS = common/libdqcommon.a $(JANSSON_LIBS) $(CRYPTO_LIBS) \
	$(DB_LIBS) $(BASE_LIBS)
