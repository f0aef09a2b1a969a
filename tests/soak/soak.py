"""
The mixed soak (make stress): a bounded mixed load against the real stack for
SOAK_SECONDS (default 600): creates (half with an Idempotency-Key), reads,
lists, queue reads and schedule changes from client threads; deliveries to
a target with fast, slow and flaky (500, then 200: a retry) paths; up to
40 `* * * * *` schedules firing every minute (a steady load, so that memory
can be judged flat).  With SOAK_CHAOS=1 a random
dq-fcgi worker or the dispatcher is also killed with SIGKILL every
SOAK_CHAOS_EVERY seconds (default 10; the dispatcher is started again as a
process manager would).

At the end it reports requests served, answers by status and error code,
the resident memory of every process at the start (after a warm-up) and at
the end, and checks that no job was lost: every acknowledged job and every
schedule firing exists and was delivered, nothing is left active, no job
was delivered more often than its attempts say, and dqctl verify is clean.
Memory must be flat: a process's private memory (RssAnon) may not grow by
more than SOAK_RSS_SLACK_KB (default 8192) and 25 % between the two.
"""
import collections
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "integration"))
from dqtest import Stack, Target, check, eq, run, test  # noqa: E402
import loadgen  # noqa: E402

SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
CHAOS = os.environ.get("SOAK_CHAOS", "0") not in ("", "0", "no")
CHAOS_EVERY = float(os.environ.get("SOAK_CHAOS_EVERY", "10"))
WARMUP = min(30.0, SECONDS / 10)
SLACK_KB = int(os.environ.get("SOAK_RSS_SLACK_KB", "8192"))
T = None


def setup():
    global T
    T = Target()
    loadgen.prepare_target(T)


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def processes(s):
    """{role: pid} for every process of the stack."""
    out = {"dq-fcgi master": s.procs["dq-fcgi"].pid,
           "dq-dispatcher": s.procs["dq-dispatcher"].pid,
           "nginx master": s.procs["nginx"].pid}
    for i, pid in enumerate(sorted(s.fcgi_workers())):
        out["dq-fcgi worker %d" % (i + 1)] = pid
    for i, pid in enumerate(sorted(children(s.procs["nginx"].pid))):
        out["nginx worker %d" % (i + 1)] = pid
    return out


def memory(pid):
    """(VmRSS, RssAnon) in KiB."""
    vals = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "RssAnon"):
                    vals[k] = int(v.split()[0])
    except OSError:
        return None
    return vals.get("VmRSS"), vals.get("RssAnon")


def sample(s):
    return {role: (pid, memory(pid)) for role, pid in processes(s).items()}


@test
def soak():
    print("# %ds of mixed load%s" % (SECONDS, ", kill -9 every %gs" % CHAOS_EVERY
                                     if CHAOS else ""))
    s = Stack(workers=4)
    load = loadgen.Load(s, T, threads=4, pause=0.02, mix={
        "create": 5, "read": 3, "list": 1, "queues": 1, "schedule": 0.05}).start()
    sup = loadgen.Supervisor(s).start()
    chaos = None
    t_start = time.time()
    time.sleep(WARMUP)
    start = sample(s)
    if CHAOS:
        chaos = loadgen.Chaos(s, sup, every=(CHAOS_EVERY * 0.5, CHAOS_EVERY * 1.5)).start()
    next_report = time.time() + 60
    while time.time() - t_start < SECONDS:
        time.sleep(1)
        if time.time() >= next_report:
            next_report += 60
            mem = sample(s)
            print("# %4.0fs: %d requests, %d jobs acknowledged; RssAnon kB: %s" % (
                time.time() - t_start, load.requests, len(load.acked), ", ".join(
                    "%s %s" % (role.replace("dq-", ""), m[1][1] if m[1] else "-")
                    for role, m in sorted(mem.items()) if role.startswith("dq-"))))
            sys.stdout.flush()
    if chaos:
        chaos.stop()
    load.stop()
    elapsed = time.time() - t_start
    end = sample(s)
    print("# %d requests in %.0fs (%.0f/s), %d connection errors" % (
        load.requests, elapsed, load.requests / elapsed, load.conn_errors))
    print("# answers: %s" % ", ".join("%s: %d" % kv for kv in sorted(load.summary().items())))
    if chaos:
        print("# faults: %d workers and %d dispatchers killed" % (
            chaos.workers_killed, chaos.dispatchers_killed))
    eq(load.failures[:5], [], "answers other than 2xx/4xx/503 unavailable")

    grown = []
    print("# memory in kB, VmRSS (RssAnon): start -> end")
    for role in sorted(set(start) | set(end)):
        a = start.get(role, (None, None))
        b = end.get(role, (None, None))
        same = a[0] == b[0]
        fmt = lambda m: "%s (%s)" % m if m else "-"   # noqa: E731
        print("#   %-18s %s -> %s%s" % (role, fmt(a[1]), fmt(b[1]),
                                       "" if same else " (another process)"))
        if same and a[1] and b[1] and b[1][1] > a[1][1] + max(SLACK_KB, a[1][1] // 4):
            grown.append(role)

    t0 = time.time()
    loadgen.drain(s, timeout=300)
    jobs, dups = loadgen.check_jobs(s, T, load)
    fired = [j for j in jobs.values() if j["schedule_id"]]
    late = [j["id"] for j in fired if j["status"] != "completed"]
    eq(late, [], "schedule firings not delivered")
    delivered = loadgen.deliveries(T)
    lost = [i for i in load.acked if i not in jobs or delivered[i] == 0]
    print("# %d jobs acknowledged, %d schedule firings, %d deliveries (%d retries after "
          "a 500), %d duplicate deliveries, %d jobs lost; checked in %.0fs" % (
              len(load.acked), len(fired), sum(delivered.values()),
              sum(1 for p in load.acked.values() if p.startswith(loadgen.FLAKY)), dups,
              len(lost), time.time() - t0))
    eq(lost, [], "jobs lost")
    check(len(fired) >= (SECONDS // 60 - 1) * (1 if SECONDS >= 120 else 0),
          "schedules fired (%d)" % len(fired))
    sup.stop()
    loadgen.dqctl_verify(s)
    print("# dqctl verify: clean")
    eq(grown, [], "processes whose private memory grew")


if __name__ == "__main__":
    raise SystemExit(run(setup))
