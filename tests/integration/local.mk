# Integration tests: Python scripts that start nginx (or Apache: test_apache,
# or DQ_FRONTEND=apache for any of them), dq-fcgi, dq-dispatcher and a target
# server on loopback and speak HTTP to them.
INTEGRATION_TESTS = \
	tests/integration/test_admin.py \
	tests/integration/test_apache.py \
	tests/integration/test_api_conventions.py \
	tests/integration/test_api_doc.py \
	tests/integration/test_bad_input.py \
	tests/integration/test_bulk.py \
	tests/integration/test_chaos.py \
	tests/integration/test_conf_samples.py \
	tests/integration/test_crash.py \
	tests/integration/test_cursor.py \
	tests/integration/test_delivery.py \
	tests/integration/test_dispatcher.py \
	tests/integration/test_disk_full.py \
	tests/integration/test_fairness.py \
	tests/integration/test_fastcgi.py \
	tests/integration/test_ha.py \
	tests/integration/test_ha_logs.py \
	tests/integration/test_ha_partition.py \
	tests/integration/test_ha_readme.py \
	tests/integration/test_ha_shards.py \
	tests/integration/test_flush.py \
	tests/integration/test_hostile_peers.py \
	tests/integration/test_housekeeping.py \
	tests/integration/test_jobs_actions.py \
	tests/integration/test_jobs_create.py \
	tests/integration/test_jobs_list.py \
	tests/integration/test_limits.py \
	tests/integration/test_metrics.py \
	tests/integration/test_monitoring.py \
	tests/integration/test_openapi.py \
	tests/integration/test_ordered.py \
	tests/integration/test_queues.py \
	tests/integration/test_ratelimit.py \
	tests/integration/test_readme.py \
	tests/integration/test_receiver.py \
	tests/integration/test_schedules.py \
	tests/integration/test_security.py \
	tests/integration/test_stats.py \
	tests/integration/test_stuck.py \
	tests/integration/test_topics.py
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/dqtest.py \
	tests/integration/apicommon.py tests/integration/loadgen.py \
	tests/integration/docs.py tests/integration/consolecheck.py \
	tests/integration/hatest.py \
	tests/integration/apispec.py tests/monitoring/dq-alerts.test.yml

# A helper for test_stuck.py: a process that dies holding store locks.
check_PROGRAMS += tests/integration/lockholder
tests_integration_lockholder_LDADD = $(DQ_COMMON_LIBS)

# A preload library for test_hostile_peers.py: one curl_easy_setopt() fails.
# Built plain (no sanitizers, no -pie): it is a shared object.
check_DATA = tests/integration/failsetopt.so tests/integration/failsync.so
tests/integration/failsetopt.so: tests/integration/failsetopt.c
	@$(MKDIR_P) $(@D)
	$(AM_V_CC)$(CC) -shared -fPIC -O2 -Wall $(CURL_CFLAGS) -o $@ $< -ldl
CLEANFILES += tests/integration/failsetopt.so
EXTRA_DIST += tests/integration/failsetopt.c

# A preload library for test_flush.py: fsync fails while a file exists.
tests/integration/failsync.so: tests/integration/failsync.c
	@$(MKDIR_P) $(@D)
	$(AM_V_CC)$(CC) -shared -fPIC -O2 -Wall -o $@ $< -ldl
CLEANFILES += tests/integration/failsync.so
EXTRA_DIST += tests/integration/failsync.c
