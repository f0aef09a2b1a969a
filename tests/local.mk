# Tests: unit programs (one per module) and integration scripts against the
# real stack, all speaking TAP so that every check is counted.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .py
PY_LOG_DRIVER = $(LOG_DRIVER)
PY_LOG_COMPILER = $(PYTHON3)
AM_TESTS_ENVIRONMENT = \
	DQ_BUILDDIR='$(abs_top_builddir)'; export DQ_BUILDDIR; \
	DQ_SRCDIR='$(abs_top_srcdir)'; export DQ_SRCDIR; \
	PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE; \
	ASAN_OPTIONS="$(SAN_ASAN_OPTIONS)$${ASAN_OPTIONS:+:$$ASAN_OPTIONS}"; export ASAN_OPTIONS; \
	UBSAN_OPTIONS="$(SAN_UBSAN_OPTIONS)$${UBSAN_OPTIONS:+:$$UBSAN_OPTIONS}"; export UBSAN_OPTIONS;

# In a --enable-sanitizers build any report ends the program with an error,
# so that the test that triggered it fails (the caller's own options, if
# any, come after these and win).  The unit tests are checked for leaks;
# the integration harness (dqtest.py) turns that off for the daemons it
# stops with signals and sends every report to files it checks.
SAN_ASAN_OPTIONS = abort_on_error=1:halt_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1
SAN_UBSAN_OPTIONS = halt_on_error=1:print_stacktrace=1

noinst_LIBRARIES += tests/unit/libtap.a
tests_unit_libtap_a_SOURCES = tests/unit/tap.c tests/unit/tap.h \
	tests/unit/storetest.c tests/unit/storetest.h
UNIT_LIBS = tests/unit/libtap.a $(DQ_COMMON_LIBS)

include tests/unit/local.mk
include tests/integration/local.mk
include tests/browser/local.mk
include tests/openapi/local.mk
include tests/package/local.mk
include tests/bench/local.mk
include tests/fuzz/local.mk
include tests/soak/local.mk
