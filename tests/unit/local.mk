# Unit tests: one program per module of common/.
UNIT_TESTS = tests/unit/test_cron tests/unit/test_num
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
tests_unit_test_cron_LDADD = $(UNIT_LIBS)
tests_unit_test_num_LDADD = $(UNIT_LIBS)
