# Integration tests: Python scripts that start nginx, dq-fcgi, dq-dispatcher
# and a target server on loopback and speak HTTP to them.
INTEGRATION_TESTS = \
	tests/integration/test_admin.py \
	tests/integration/test_api_conventions.py \
	tests/integration/test_bad_input.py \
	tests/integration/test_chaos.py \
	tests/integration/test_crash.py \
	tests/integration/test_delivery.py \
	tests/integration/test_dispatcher.py \
	tests/integration/test_disk_full.py \
	tests/integration/test_jobs_actions.py \
	tests/integration/test_jobs_create.py \
	tests/integration/test_jobs_list.py \
	tests/integration/test_queues.py \
	tests/integration/test_ratelimit.py \
	tests/integration/test_schedules.py \
	tests/integration/test_security.py
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/dqtest.py \
	tests/integration/apicommon.py tests/integration/loadgen.py
