"""
A network partition: the master of a three-member group is cut off from
the other two (each member in a network namespace of its own, on a bridge;
the cut takes the master's port down) while clients keep writing to it and
to whichever member is master on the other side.  The two elect a new
master and take writes; the one cut off cannot have a write acknowledged
(no 201 from it once the records in flight are in) and answers 504
not_acknowledged or 503; after the network heals it becomes a replica of
the new master, what it did alone is undone, and every member holds one
and the same history, with every job that was answered 201.
"""
import json
import os
import threading
import time

import hatest
from dqtest import at_exit, check, eq, run, test, wait_for

G = None
GRACE_S = 1.5       # records sent before the cut may still be acknowledged


def setup():
    G_ = hatest.Group(3, netns=True, frontend=False)
    globals()["G"] = G_


class Writer(threading.Thread):
    """Creates on one member, straight to its dq-fcgi, recording answers."""

    def __init__(self, member, tag):
        super().__init__(daemon=True)
        self.m, self.tag = member, tag
        self.stop = threading.Event()
        self.answers = []       # (time, status, job id or None)

    def run(self):
        i = 0
        while not self.stop.is_set():
            i += 1
            body = {"url": "http://192.0.2.1/x", "delay": "1h"}
            try:
                status, _, job = self.m.fcgi("POST", "/v1/jobs", body,
                                             headers={"Idempotency-Key":
                                                      "%s-%d" % (self.tag, i)})
            except OSError:
                status, job = 0, None
            jid = job.get("id") if isinstance(job, dict) and status in (200, 201) else None
            self.answers.append((time.time(), status, jid))
            if status != 201:
                time.sleep(0.05)


def job_ids(m):
    """Every job id the member holds, paging with the cursor."""
    ids, path = set(), "/v1/jobs?limit=100"
    while True:
        status, _, body = m.fcgi("GET", path)
        eq(status, 200, "list on %s: %r" % (m.name, body))
        ids |= {j["id"] for j in body["data"]}
        if not body["next_cursor"]:
            return ids
        path = "/v1/jobs?cursor=" + body["next_cursor"]


@test
def the_cut_off_master_acknowledges_nothing_and_one_history_remains():
    old = G.master()
    others = [m for m in G.members if m is not old]
    w_old = Writer(old, "old")
    w_old.start()
    wait_for(lambda: sum(1 for a in w_old.answers if a[1] == 201) >= 20, 20,
             what="writes before the cut")
    t_cut = time.time()
    G.net.cut(old.i)
    new = G.master(among=others, timeout=30)
    t_new = time.time()
    w_new = Writer(new, "new")
    w_new.start()
    wait_for(lambda: sum(1 for a in w_new.answers if a[1] == 201) >= 20, 30,
             what="writes on the new master")
    time.sleep(2)           # the cut-off master keeps trying meanwhile
    late = [a for a in w_old.answers if a[0] > t_cut + GRACE_S and a[1] == 201]
    seen = sorted({a[1] for a in w_old.answers if a[0] > t_cut + GRACE_S})
    print("# partition: new master %.1f s after the cut; the cut-off master "
          "answered %s after it" % (t_new - t_cut, seen))
    eq(late, [], "201s from the cut-off master after the cut")
    check(seen and set(seen) <= {503, 504}, "it answered 503 or 504: %r" % seen)
    # heal: the old master finds the new one, steps down, and follows
    G.net.heal(old.i)
    wait_for(lambda: old.role() == "replica", 60, 0.2, "the old master to step down")
    w_old.stop.set()
    w_new.stop.set()
    w_old.join(30)
    w_new.join(30)
    acked = {a[2] for w in (w_old, w_new) for a in w.answers if a[1] == 201}
    want = job_ids(new)
    missing = acked - want
    eq(sorted(missing), [], "acknowledged jobs missing after the heal")
    for m in G.members:
        wait_for(lambda: job_ids(m) == want, 30, 0.5,
                 "%s to hold the same history" % m.name)
    out = old.ctl("group").stdout
    check("duplicate masters 0" not in out, "the old master counted two masters "
          "meeting:\n" + out)


if __name__ == "__main__":
    if os.geteuid() != 0:
        raise SystemExit(run(skip="network namespaces need root"))
    raise SystemExit(run(setup))
