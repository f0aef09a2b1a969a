# Integration tests: Python scripts that start nginx (or Apache: test_apache,
# or DQ_FRONTEND=apache for any of them), dq-fcgi, dq-dispatcher and a target
# server on loopback and speak HTTP to them.
INTEGRATION_TESTS = \
	tests/integration/test_admin.py \
	tests/integration/test_apache.py \
	tests/integration/test_api_conventions.py \
	tests/integration/test_bad_input.py \
	tests/integration/test_chaos.py \
	tests/integration/test_conf_samples.py \
	tests/integration/test_crash.py \
	tests/integration/test_delivery.py \
	tests/integration/test_dispatcher.py \
	tests/integration/test_disk_full.py \
	tests/integration/test_fastcgi.py \
	tests/integration/test_housekeeping.py \
	tests/integration/test_jobs_actions.py \
	tests/integration/test_jobs_create.py \
	tests/integration/test_jobs_list.py \
	tests/integration/test_queues.py \
	tests/integration/test_ratelimit.py \
	tests/integration/test_schedules.py \
	tests/integration/test_security.py \
	tests/integration/test_stuck.py
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/dqtest.py \
	tests/integration/apicommon.py tests/integration/loadgen.py

# A helper for test_stuck.py: a process that dies holding store locks.
check_PROGRAMS += tests/integration/lockholder
tests_integration_lockholder_LDADD = $(DQ_COMMON_LIBS)
