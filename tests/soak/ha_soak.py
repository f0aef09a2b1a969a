"""
The replication soak (make stress): a group of three (tests/integration/
hatest.py) behind its front end, under creates of jobs that are delivered
at once, for HA_SOAK_SECONDS (default 300), while every HA_SOAK_EVERY
seconds (default 20) one member is killed with SIGKILL, the master two
times in three, and started again a few seconds later with its data.

At the end: every job answered 201 exists on the master and on every
member (one history), every one was delivered and is completed, none is
active, and the failover times (kill to the front end's first 201 from
another member) are printed, with the deliveries made more than once.
"""
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "integration"))
import hatest  # noqa: E402
from dqtest import Target, check, eq, run, test, wait_for  # noqa: E402

SECONDS = float(os.environ.get("HA_SOAK_SECONDS", "300"))
EVERY = float(os.environ.get("HA_SOAK_EVERY", "20"))
G = T = None


def setup():
    global G, T
    T = Target()
    G = hatest.Group(3)


@test
def a_group_under_load_and_kills_loses_nothing():
    end, failovers, kills = time.time() + SECONDS, [], 0
    rnd = random.Random(1)
    with hatest.Load(G, lambda key: {"url": T.url("/hook"), "payload": {"k": key}},
                     pause=0.1, prefix="soak") as c:
        while time.time() < end:
            time.sleep(EVERY)
            master = G.master()
            victim = master if rnd.random() < 2 / 3 else rnd.choice(
                [m for m in G.members if m is not master])
            t_kill = time.time()
            victim.kill()
            kills += 1
            if victim is master:
                wait_for(lambda: c.first_201_after(t_kill, victim), 60, 0.05,
                         "a new master")
                failovers.append(c.first_201_after(t_kill, victim) - t_kill)
            time.sleep(3)
            victim.start()
            G.wait_role(victim, "replica", 120)
    master = G.master()
    ids = set(c.created.values())

    def state():
        _, _, body = master.fcgi("GET", "/v1/queues/default")
        return body["counts"]
    wait_for(lambda: state()["completed"] >= len(ids) and state()["active"] == 0,
             300, 1, "every job delivered")
    missing = [j for j in ids if master.fcgi("GET", "/v1/jobs/" + j)[0] != 200]
    eq(missing, [], "acknowledged jobs missing")
    for m in G.members:
        wait_for(lambda: m.fcgi("GET", "/v1/queues/default")[2]["counts"] == state(), 60, 0.5,
                 m.name + " to agree")
    seen = {}
    for r in T.hits("/hook"):
        jid = r["headers"].get("x-dispatchq-job-id")
        seen[jid] = seen.get(jid, 0) + 1
    check(ids <= set(seen), "every job delivered at least once")
    fo = sorted(failovers)
    print("# %d kills in %.0f s, %d of the master: failover median %.2f s, max %.2f s; "
          "%d jobs created, %d delivered more than once" % (
              kills, SECONDS, len(fo), fo[len(fo) // 2] if fo else 0, max(fo or [0]),
              len(ids), sum(1 for n in seen.values() if n > 1)))


if __name__ == "__main__":
    raise SystemExit(run(setup))
