# Integration tests: Python scripts that start nginx, dq-fcgi, dq-dispatcher
# and a target server on loopback and speak HTTP to them.
INTEGRATION_TESTS =
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS)
