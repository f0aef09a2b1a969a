# Benchmarks: not part of `make check`.  `make bench` builds the helper
# programs and runs tests/bench/run (BENCH_ARGS="--quick create" for a subset).
BENCH_TOOLS = tests/bench/fcgi-hello tests/bench/beanstalk-put tests/bench/bench-load
EXTRA_PROGRAMS += $(BENCH_TOOLS)
CLEANFILES += $(BENCH_TOOLS)
tests_bench_fcgi_hello_SOURCES = tests/bench/fcgi-hello.c
tests_bench_fcgi_hello_LDADD = $(FCGI_LIBS)
tests_bench_beanstalk_put_SOURCES = tests/bench/beanstalk-put.c
tests_bench_bench_load_SOURCES = tests/bench/bench-load.c
tests_bench_bench_load_LDADD = $(DQ_COMMON_LIBS)
EXTRA_DIST += tests/bench/run tests/bench/wrk.lua tests/bench/RESULTS.md

bench: all $(BENCH_TOOLS)
	DQ_BUILDDIR='$(abs_top_builddir)' DQ_SRCDIR='$(abs_top_srcdir)' \
	    $(PYTHON3) $(srcdir)/tests/bench/run $(BENCH_ARGS)
.PHONY: bench
