# Tests: unit programs (one per module) and integration scripts against the
# real stack, all speaking TAP so that every check is counted.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .py
PY_LOG_DRIVER = $(LOG_DRIVER)
PY_LOG_COMPILER = $(PYTHON3)
AM_TESTS_ENVIRONMENT = \
	DQ_BUILDDIR='$(abs_top_builddir)'; export DQ_BUILDDIR; \
	DQ_SRCDIR='$(abs_top_srcdir)'; export DQ_SRCDIR; \
	PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE;

noinst_LIBRARIES += tests/unit/libtap.a
tests_unit_libtap_a_SOURCES = tests/unit/tap.c tests/unit/tap.h
UNIT_LIBS = tests/unit/libtap.a $(DQ_COMMON_LIBS)

include tests/unit/local.mk
include tests/integration/local.mk
include tests/soak/local.mk
