"""
High availability: a group of three members on this machine (hatest.py),
each a whole dq node on its own loopback address, behind the shipped group
front end.  What a user sees: writes only on the master (a replica refuses
them at once, naming the master), reads everywhere, the group in dqctl,
/healthz and /metrics; and across a kill -9 of the master (its disk lost
too): every job answered 201 is on the new master, the front end's window
of 503s is short, the new master's dispatcher delivers what the dead one
held, the old master rejoins as a replica, a new empty member joins by
copying, and a member can be removed.  The tests run in order on one group.
"""
import json
import os
import re
import signal
import time

import hatest
from dqtest import Target, check, eq, run, test, wait_for

G = None
T = None


def setup():
    global G, T
    T = Target()
    G = hatest.Group(3, clock=True)
    master = G.master()
    for m in G.members:     # the master's dispatcher ticks, and they know it
        wait_for(lambda: (m.health() or {}).get("status") == "ok", 20, 0.1,
                 m.name + " healthy")
        # the master's URL comes with its first status message
        wait_for(lambda: m.health()["replication"]["master"] == master.url, 20, 0.1,
                 m.name + " to know the master's URL")


def job_body(path="/hook", **kw):
    body = {"url": T.url(path)}
    body.update(kw)
    return body


@test
def a_replica_refuses_writes_at_once_and_names_the_master():
    master = G.master()
    replica = next(m for m in G.members if m is not master)
    # before authentication: even a key the replica cannot know
    for key in (G.key, "dq_" + "x" * 32):
        status, hdrs, body = replica.fcgi("POST", "/v1/jobs", job_body(), key=key)
        eq(status, 503, "a write on a replica")
        eq(body["error"]["code"], "unavailable")
        eq(hdrs.get("DQ-Master"), master.url, "DQ-Master")
        check(master.url in body["error"]["message"], body["error"]["message"])
        eq(hdrs.get("Retry-After"), "1")
    for method, path in (("PUT", "/v1/queues/q"), ("DELETE", "/v1/schedules/sch_x"),
                         ("POST", "/v1/jobs/job_x/cancel")):
        eq(replica.fcgi(method, path, {})[0], 503, method + " " + path)
    # the same request on the master makes a job, which the replica then reads
    status, _, job = master.fcgi("POST", "/v1/jobs", job_body(delay="1h"))
    eq(status, 201, "create on the master")
    wait_for(lambda: replica.fcgi("GET", "/v1/jobs/" + job["id"])[0] == 200, 5,
             what="the replica to have the job")
    eq(replica.fcgi("GET", "/v1/jobs")[0], 200, "a list on a replica")


@test
def the_front_end_sends_writes_to_the_master():
    ids = set()
    for i in range(20):
        r = G.req("POST", "/v1/jobs", job_body(delay="1h"),
                  headers={"Idempotency-Key": "fe-%d" % i})
        eq(r.status, 201, "create through the front end")
        ids.add(r.json["id"])
    eq(len(ids), 20)
    # reads go to any member, each from its copy (which may lag: wait until
    # all have the jobs); a list through the front end pages with any
    # member's cursor (the group shares its key)
    total = G.master().fcgi("GET", "/v1/jobs?limit=1")[2]["total"]
    for m in G.members:
        wait_for(lambda: m.fcgi("GET", "/v1/jobs?limit=1")[2]["total"] == total, 10,
                 0.05, m.name + " to have every job")
    r = G.req("GET", "/v1/jobs?limit=5")
    eq(r.status, 200)
    seen = {j["id"] for j in r.json["data"]}
    cursor = r.json["next_cursor"]
    for _ in range(3):
        r = G.req("GET", "/v1/jobs?cursor=" + cursor)
        eq(r.status, 200, "a page on whichever member: %r" % r)
        seen |= {j["id"] for j in r.json["data"]}
        cursor = r.json["next_cursor"]
    eq(len(seen), 20, "four pages of five")


@test
def health_metrics_and_dqctl_show_the_group():
    master = G.master()
    for m in G.members:
        h = m.health()
        rep = h["replication"]
        eq(rep["role"], "master" if m is master else "replica", m.name)
        eq(rep["master"], master.url)
        eq(rep["dq_repd"], True)
        eq(h["status"], "ok", "%s: %r" % (m.name, h))
        check(rep["lag_seconds"] is not None and rep["lag_seconds"] < 5, repr(rep))
        status, _, _ = m.fcgi("GET", "/metrics")
        eq(status, 200)
    _, _, text = master.fcgi("GET", "/metrics")
    text = text if isinstance(text, str) else ""
    out = master.ctl("group").stdout
    check(re.search(r"^master: %s \(%s\)" % (re.escape(master.addr), re.escape(master.url)),
                    out, re.M), out)
    # a second founder is refused; an account is made on the master only
    for m in G.members:
        r = m.ctl("init", ok=False)
        eq(r.returncode, 1, "dqctl init on a member")
        check("already a member" in r.stderr, r.stderr)
        if m is not master:
            r = m.ctl("account", "add", "nope", ok=False)
            eq(r.returncode, 1, "dqctl account add on a replica")
            check("not the master" in r.stderr and master.url in r.stderr, r.stderr)
    for m in G.members:
        row = re.search(r"^%s\s+(\S+)\s+(.+?)\s{2,}(\d+/\d+)\s+(\S+) s, (\d+) B" %
                        re.escape(m.addr), out, re.M)
        check(row, "%s in:\n%s" % (m.name, out))
        eq(row.group(1), "master" if m is master else "replica", m.name)


@test
def metrics_have_role_lag_and_elections():
    import os
    import shutil
    import subprocess
    from dqtest import SRC
    master = G.master()
    with open(os.path.join(SRC, "conf", "prometheus", "dq-alerts.yml")) as f:
        alerts = f.read()
    for m in G.members:
        text = m.metrics()
        # what the replication alerts read is there, and promtool likes it
        for name in set(re.findall(r"\bdq_repl_[a-z_]+", alerts)):
            check("# TYPE %s " % name in text, "%s: %s (an alert reads it)" % (m.name, name))
        if shutil.which("promtool"):
            r = subprocess.run(["promtool", "check", "metrics"], input=text,
                               capture_output=True, text=True)
            eq((r.returncode, (r.stdout + r.stderr).strip()), (0, ""),
               m.name + ": promtool check metrics")
        want = "master" if m is master else "replica"
        check('dq_repl_role{role="%s"} 1' % want in text, m.name + ": role")
        for name in ("dq_repl_lag_seconds ", "dq_repl_elections_total ",
                     "dq_repl_generation ", "dq_repl_up 1",
                     'dq_repl_members{state="connected"} 2'):
            check(name in text, "%s: %s in:\n%s" % (m.name, name, text[-1500:]))


def load(threads=3):
    return hatest.Load(G, lambda key: job_body(delay="1h"), threads)


def joins(m):
    """m comes (back) as a replica: dq-repd first, then the others."""
    m.start("dq-repd")
    G.wait_role(m, "replica", 60)
    m.start("dq-fcgi", "dq-dispatcher")


def follows(m, what):
    """A job created on the master now reaches m; the master."""
    master = G.master()
    status, _, job = master.fcgi("POST", "/v1/jobs", job_body(delay="1h"))
    eq(status, 201, "create on the master")
    wait_for(lambda: m.fcgi("GET", "/v1/jobs/" + job["id"])[0] == 200, 20, what=what)
    return master


@test
def kill_the_master_under_creates_and_lose_its_disk():
    old = G.master()
    with load() as creates:
        wait_for(lambda: len(creates.created) >= 30, 20, what="creates before the kill")
        t_kill = time.time()
        old.kill()
        old.wipe()
        new = G.master(among=[m for m in G.members if m is not old], timeout=30)

        def from_new():
            return [t for t, s, m in list(creates.answers) if s == 201 and m == "unix:" + new.sock]
        wait_for(from_new, 30, what="a 201 from the new master")
        n_at = len(creates.created)
        wait_for(lambda: len(creates.created) >= n_at + 20, 30, what="creates go on")
    first = min(from_new())
    errors = [s for t, s, m in creates.answers if t_kill < t < first and s not in (200, 201)]
    print("# failover: first 201 from the new master %.2f s after the kill; %d "
          "other answers meanwhile (%s); %d jobs created" % (
              first - t_kill, len(errors), sorted(set(errors)), len(creates.created)))
    check(set(errors) <= {503}, "only 503s meanwhile: %r" % sorted(set(errors)))
    check(first - t_kill < 20, "failover within 20 s")
    # every job answered 201 (or 200 for its key) is on the new master
    missing = [jid for jid in creates.created.values()
               if new.fcgi("GET", "/v1/jobs/" + jid)[0] != 200]
    eq(missing, [], "acknowledged jobs missing on the new master")
    eq(len(set(creates.created.values())), len(creates.created), "one job per key")


@test
def a_new_empty_member_joins_by_copying():
    # the killed member's disk is gone: it comes back empty and copies
    old = next(m for m in G.members if not m.alive("dq-repd"))
    joins(old)
    master = follows(old, "the new member to have a new job")
    _, _, page = old.fcgi("GET", "/v1/jobs?limit=1")
    _, _, want = master.fcgi("GET", "/v1/jobs?limit=1")
    eq(page["total"], want["total"], "the copy has every job")


@test
def the_new_master_delivers_what_the_dead_one_held():
    T.on("/slow", (200, {}, '{"ok":true}', 3))
    master = G.master()
    ids = []
    for i in range(6):
        status, _, job = master.fcgi("POST", "/v1/jobs", job_body("/slow"))
        eq(status, 201)
        ids.append(job["id"])
    T.wait_hits("/slow", 6, timeout=20)         # all in flight on the master
    t_kill = time.time()
    master.kill()                               # its disk stays: it rejoins below
    new = G.master(among=[m for m in G.members if m is not master], timeout=30)
    for jid in ids:
        wait_for(lambda: new.fcgi("GET", "/v1/jobs/" + jid)[2]["status"] == "completed",
                 45, 0.2, "%s to complete on the new master" % jid)
    again = len(T.hits("/slow")) - 6
    took = max(r["time"] for r in T.hits("/slow")) - t_kill
    print("# takeover: %d jobs held by the dead master delivered again by the new "
          "one, the last %.1f s after the kill (%d duplicate deliveries)" % (
              len(ids), took, again))
    check(again >= 6, "each job was delivered again (at-least-once)")
    for jid in ids:
        eq(new.fcgi("GET", "/v1/jobs/" + jid)[2]["status"], "completed")


@test
def the_old_master_rejoins_as_a_replica():
    old = next(m for m in G.members if not m.alive("dq-repd"))
    joins(old)
    follows(old, "the old master to follow")
    eq(old.fcgi("POST", "/v1/jobs", job_body())[0], 503, "it takes no writes")


@test
def a_planned_switch_over_loses_nothing():
    old = G.master()
    with load(2) as creates:
        wait_for(lambda: len(creates.created) >= 10, 20, what="creates before")
        t0 = time.time()
        old.stop("dq-repd")                 # systemctl restart dq-repd, first half
        new = G.master(among=[m for m in G.members if m is not old], timeout=30)
        took = time.time() - t0
        old.start("dq-repd")
        G.wait_role(old, "replica", 60)
        n_at = len(creates.created)
        wait_for(lambda: len(creates.created) >= n_at + 10, 30, what="creates go on")
    bad = sorted({s for t, s, m in creates.answers if s not in (200, 201, 503)})
    print("# switch-over: a new master %.2f s after dq-repd was stopped" % took)
    eq(bad, [], "answers other than 201, 200 and 503 (a 504 would be a write "
       "the old master took while leaving)")
    missing = [jid for jid in creates.created.values()
               if new.fcgi("GET", "/v1/jobs/" + jid)[0] != 200]
    eq(missing, [], "jobs missing after the switch-over")


@test
def a_dq_repd_killed_alone_crashes_no_other_process():
    # Berkeley DB's failchk cannot clean up after a dead dq-repd (store.c):
    # the janitors leave it to the full recovery that its successor's open
    # makes, which stops and restarts the member's other processes
    master = G.master()
    replica = next(m for m in G.members if m is not master)
    for m in (replica, master):
        os.kill(m.procs["dq-repd"].pid, signal.SIGKILL)
        time.sleep(2)           # every janitor's failchk comes round meanwhile
        G.wait_role(m, "replica", 60)
    for m in G.members:
        try:
            wait_for(lambda: (m.health() or {}).get("status") == "ok", 60, 0.2)
        except AssertionError:
            raise AssertionError("%s not healthy: %s\n%s" % (m.name, m.health(), m.logs()))
        logs = m.logs()
        crashed = [l for l in logs.splitlines()
                   if re.search(r"ended \(signal (?!9\))|killed by signal (?!9;)", l)]
        eq(crashed, [], "%s: processes that crashed (recovery's SIGKILL aside)" % m.name)
    follows(master, "the old master to follow")


@test
def a_schedule_fires_once_per_tick_across_a_failover():
    from dqtest import ts
    master = G.master()
    status, _, s = master.fcgi("POST", "/v1/schedules",
                               {"cron": "* * * * *", "url": T.url("/tick")})
    eq(status, 201)
    sid, first = s["id"], ts(s["next_run_at"])

    def fired(m):
        status, _, body = m.fcgi("GET", "/v1/jobs?schedule_id=%s&limit=100" % sid)
        return body["total"] if status == 200 else -1
    G.set_clock(first + 0.5)
    wait_for(lambda: fired(master) == 1, 10, 0.1, "the first tick")
    # the next tick comes due, and the master dies as it fires (or just before)
    G.set_clock(first + 60.5)
    time.sleep(0.3)
    master.kill()
    new = G.master(among=[m for m in G.members if m is not master], timeout=30)
    wait_for(lambda: fired(new) == 2, 15, 0.1, "the second tick, once, on the new master")
    G.set_clock(first + 120.5)
    wait_for(lambda: fired(new) == 3, 15, 0.1, "the third tick")
    time.sleep(1.5)
    eq(fired(new), 3, "one job per tick")
    # the old master rejoins; anything it fired alone is undone
    master.start()
    G.wait_role(master, "replica", 60)
    wait_for(lambda: fired(master) == 3, 20, 0.2, "the old master to agree")
    _, _, body = new.fcgi("GET", "/v1/schedules/" + sid)
    eq(ts(body["next_run_at"]), first + 180, "the schedule moved on once per tick")


@test
def nothing_stays_active():
    master = G.master()

    last = [None]

    def none_active():
        _, _, body = master.fcgi("GET", "/v1/jobs?status=active")
        last[0] = body
        return body["total"] == 0
    try:
        wait_for(none_active, 60, 0.5, "no job active")
    except AssertionError:
        raise AssertionError("still active: %s" % json.dumps(
            [(j["id"], j["url"], j["started_at"], j["attempts"]) for j in last[0]["data"]]))


@test
def a_fourth_member_joins_with_an_empty_disk():
    m4 = G.add_member()                 # a new address; it knows the others
    joins(m4)
    master = follows(m4, "the fourth member to follow")
    out = master.ctl("group").stdout
    check(re.search(r"^%s\s+replica\s+connected" % re.escape(m4.addr), out, re.M), out)


@test
def a_member_can_be_removed():
    master = G.master()
    gone = G.members[-1]                # the fourth: the group is three again
    check(gone is not master, "the new member did not become master")
    gone.stop()
    r = master.ctl("group", "remove", gone.addr)
    check("removed" in r.stdout, r.stdout)
    wait_for(lambda: gone.addr not in master.ctl("group", ok=False).stdout, 10,
             what="the member to leave the list")
    # the three left go on, and all of them have forgotten it
    status, _, _ = master.fcgi("POST", "/v1/jobs", job_body(delay="1h"))
    eq(status, 201, "a write in the group of three")
    for m in G.members[:3]:
        wait_for(lambda: gone.addr not in m.ctl("group").stdout, 10,
                 what="%s to forget the removed member" % m.name)


if __name__ == "__main__":
    raise SystemExit(run(setup))
