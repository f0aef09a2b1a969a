# The long runs, not part of make check.
#
# make soak: the steady soak an operator runs before trusting dq with
# production traffic (tests/soak/steady.py): SOAK_RATE creates a second
# (300) for SOAK_MINUTES (20) with retention SOAK_RETENTION (1m), figures
# for every SOAK_WINDOW minutes (5), then lost/stuck/duplicate checks.
# SOAK_BUILD=DIR runs another build's programs with this tree's harness.
#
# make stress: the mixed load with crashes (tests/soak/soak.py: SOAK_SECONDS
# of it, 600 by default; SOAK_CHAOS=1 adds a kill -9 every SOAK_CHAOS_EVERY
# seconds), then the long variant of the crash test
# (tests/integration/test_chaos.py with a kill -9 storm of
# SOAK_CHAOS_SECONDS, 300 by default), then concurrent batch creates checked
# by dqctl verify (tests/soak/concurrent_creates.py, ROUNDS of 50,000 jobs,
# 20 by default), then the store's concurrency test of make check for
# longer (STRESS_ROUNDS, 60 by default).  Each prints its figures as TAP.
EXTRA_DIST += tests/soak/steady.py tests/soak/soak.py tests/soak/concurrent_creates.py \
	tests/RELIABILITY.md
SOAK_ENV = DQ_BUILDDIR='$(abs_top_builddir)' DQ_SRCDIR='$(abs_top_srcdir)' \
	PYTHONDONTWRITEBYTECODE=1

soak: all
	$(SOAK_ENV) $(PYTHON3) $(abs_top_srcdir)/tests/soak/steady.py

stress: all tests/unit/test_store_concurrency
	$(SOAK_ENV) $(PYTHON3) $(abs_top_srcdir)/tests/soak/soak.py
	$(SOAK_ENV) DQ_CHAOS_SECONDS=$${SOAK_CHAOS_SECONDS:-300} \
	    $(PYTHON3) $(abs_top_srcdir)/tests/integration/test_chaos.py
	$(SOAK_ENV) $(PYTHON3) $(abs_top_srcdir)/tests/soak/concurrent_creates.py
	STRESS_ROUNDS=$${STRESS_ROUNDS:-60} tests/unit/test_store_concurrency
.PHONY: soak stress
