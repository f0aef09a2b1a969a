"""
Crash test under load (the quick variant; `make stress` runs the long one):
while client threads stream creates (half with an Idempotency-Key, retried
with the same key when no answer came) and the dispatcher delivers them to
a target (fast, slow and flaky paths), random dq-fcgi workers and the
dispatcher are killed with SIGKILL again and again; the dispatcher is
started again each time, nothing else is done by hand.  Afterwards every
job that got a 201 exists and completed, nothing is left active, no job
was delivered more often than its attempts say, each Idempotency-Key names
one job, the service answers as before, and dqctl verify is clean.
"""
import os
import random
import signal
import time

from dqtest import Stack, Target, check, eq, run, test, wait_for
import loadgen

T = None
STORM_S = float(os.environ.get("DQ_CHAOS_SECONDS", "15"))


def setup():
    global T
    T = Target()
    loadgen.prepare_target(T)


@test
def kill9_storm_under_load_loses_nothing():
    seed = int(os.environ.get("DQ_CHAOS_SEED") or random.randrange(1 << 30))
    print("# seed %d (DQ_CHAOS_SEED to repeat)" % seed)
    s = Stack(workers=3, conf={"max_parallel": "64"})
    load = loadgen.Load(s, T, threads=4, pause=0.004, seed=seed).start()
    sup = loadgen.Supervisor(s).start()
    chaos = loadgen.Chaos(s, sup, seed=seed + 1).start()
    time.sleep(STORM_S)
    chaos.stop()
    t0 = time.time()
    load.stop()
    print("# %.0fs: %d workers and %d dispatchers killed; %d requests, %d connection "
          "errors; answers %s; clients stopped in %.1fs" % (
              STORM_S, chaos.workers_killed, chaos.dispatchers_killed, load.requests,
              load.conn_errors, load.summary(), time.time() - t0))
    eq(load.failures, [], "answers other than 2xx/4xx/503 unavailable")
    check(chaos.workers_killed >= 1 and chaos.dispatchers_killed >= 1 and
          chaos.faults >= STORM_S / 2, "the storm killed enough")
    check(len(load.acked) >= 100, "only %d creates were acknowledged" % len(load.acked))

    # recovered on its own: the last dispatcher started by the storm is all
    # there is; the master has replaced every worker
    t0 = time.time()
    counts = loadgen.drain(s, timeout=60)
    drained = time.time() - t0
    wait_for(lambda: len(s.fcgi_workers()) == 3, timeout=15, what="3 workers again")
    print("# 3 workers again after %.1fs" % (time.time() - t0))
    eq(counts["active"], 0, "active jobs once drained")
    jobs, dups = loadgen.check_jobs(s, T, load)
    print("# %d jobs acknowledged, %d delivered, %d duplicate deliveries; drained in "
          "%.1fs, checked in %.1fs" % (
              len(load.acked), sum(1 for j in jobs.values() if j["status"] == "completed"),
              dups, drained, time.time() - t0 - drained))
    r = s.req("GET", "/healthz", auth=False)
    eq(r.status, 200, "healthz after the storm: %r" % r)
    after = s.create({"url": T.url(loadgen.FAST)})
    s.wait_status(after["id"], "completed")
    sup.stop()
    t0 = time.time()
    loadgen.dqctl_verify(s)
    print("# the dispatcher was started again %d times after dq itself stopped it "
          "(recovery); dqctl verify clean in %.1fs" % (sup.restarts, time.time() - t0))


@test
def recovery_kills_a_process_stuck_in_the_old_environment():
    """The mechanism behind the storm's recovery, made deterministic: a
    dispatcher frozen inside the environment (SIGSTOP: as stuck as one
    waiting on a mutex of a dead process), an open that once hung (the note
    it leaves behind), and a killed worker.  The worker's replacement runs
    full recovery, which kills the frozen dispatcher; started again, it
    delivers the job."""
    s = Stack(workers=2)
    j = s.create({"url": T.url("/recovered"), "delay": "2s"})
    disp = s.procs["dq-dispatcher"]
    time.sleep(2.2)             # workers older than the master's fast-death backoff
    disp.signal(signal.SIGSTOP)
    open(os.path.join(s.data, "wedged"), "w").close()
    os.kill(s.fcgi_workers()[0], signal.SIGKILL)
    disp.p.wait(15)
    eq(disp.p.returncode, -signal.SIGKILL, "the frozen dispatcher was killed")
    check("killing process %d" % disp.pid in s.logs(), "recovery said whom it killed")
    wait_for(lambda: not os.path.exists(os.path.join(s.data, "wedged")), timeout=10,
             what="the note to be cleared by a successful recovery")
    wait_for(lambda: len(s.fcgi_workers()) == 2, timeout=15, what="2 workers")
    s.start_dispatcher()
    s.wait_status(j["id"], "completed", timeout=15)
    eq(len(T.hits("/recovered")), 1, "delivered once")
    loadgen.dqctl_verify(s)


if __name__ == "__main__":
    raise SystemExit(run(setup))
