"""
Concurrent creates, then a structural check: ROUNDS (default 20) times,
start the real stack (sync full, 4 workers, no dispatcher), create 50,000
due jobs through POST /v1/jobs/batch, 8 batches of 100 at a time, stop it
and run `dqctl verify`.  It found the jobs.db corruption of
tests/RELIABILITY.md (1 bad store in about 100 rounds before the store
allowed one writer at a time); it runs minutes, so it is part of `make
soak`, not of `make check` (tests/unit/test_store_concurrency is its quick
store-level relative there).

    python3 tests/soak/concurrent_creates.py     (DQ_BUILDDIR, DQ_SRCDIR as for make stress)
"""
import importlib.machinery
import importlib.util
import os
import subprocess
import sys

SRC = os.environ.get("DQ_SRCDIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "..")
BUILD = os.environ.get("DQ_BUILDDIR") or SRC
ROUNDS = int(os.environ.get("ROUNDS", "20"))
JOBS = 50000


def bench_module():
    """tests/bench/run's stack and preload, without running a benchmark."""
    argv, sys.argv = sys.argv, ["run"]
    try:
        loader = importlib.machinery.SourceFileLoader(
            "benchrun", os.path.join(SRC, "tests", "bench", "run"))
        spec = importlib.util.spec_from_loader("benchrun", loader)
        mod = importlib.util.module_from_spec(spec)
        loader.exec_module(mod)
        return mod
    finally:
        sys.argv = argv


def main():
    b = bench_module()
    bad = 0
    for n in range(1, ROUNDS + 1):
        s = b.BenchStack("full", dispatcher=False)
        try:
            s.create_many([b.due_job(s.url("/sink"), i) for i in range(JOBS)])
            s.stop("dq-fcgi")
            r = subprocess.run([os.path.join(BUILD, "dqctl", "dqctl"), "-c", s.conf_path,
                                "verify"], capture_output=True, text=True)
        finally:
            s.destroy()
        if r.returncode == 0:
            print("ok %d - %d concurrent creates, dqctl verify clean" % (n, JOBS))
        else:
            bad += 1
            print("not ok %d - dqctl verify: %s" % (n, (r.stdout + r.stderr).strip()
                                                    .replace("\n", " | ")[:300]))
        sys.stdout.flush()
    print("1..%d" % ROUNDS)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
