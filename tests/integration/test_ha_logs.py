"""
Old log files in a group: the master keeps those a member that is away
still needs, up to replication_log_keep, so that the member catches up
from the log when it comes back instead of being sent the whole data
again (dq_repl_full_copies_total).

A group of four (hatest.py; acknowledgements from any one member, so that
two may be away) with small log files (DB_CONFIG).  m4 stops, the master
m1 writes some files, m3 stops, m1 writes a few more and checkpoints: its
replication_log_keep holds what m3 needs but not all that m4 does.  m1
then keeps m3's files and removes the oldest of m4's (and says so); m3
comes back and catches up from the log, m4 is sent a full copy, and both
end with every job.
"""
import os
import re
import time

import hatest
from dqtest import check, eq, run, test, wait_for

G = None
FILE = 262144           # log files of 256 KB (DB_CONFIG)
KEEP_FILES = 6          # m1's replication_log_keep, in files
DB_CONFIG = "set_lg_bsize 65536\nset_lg_max %d\n" % FILE
PAYLOAD = {"text": "x" * 1500}


def setup():
    global G
    G = hatest.Group(4, start=False, conf={"replication_ack_policy": "one"})
    m1 = G.members[0]
    m1.write_conf([m.addr for m in G.members[1:]],
                  {"replication_log_keep": str(KEEP_FILES * FILE)})
    for m in G.members:
        os.makedirs(m.data, exist_ok=True)
        with open(os.path.join(m.data, "DB_CONFIG"), "w") as f:
            f.write(DB_CONFIG)
    G.start(frontend=False)
    for m in G.members:
        wait_for(lambda: (m.health() or {}).get("status") == "ok", 30, 0.1,
                 m.name + " healthy")


def log_files(m):
    return sorted(int(f[4:]) for f in os.listdir(m.data) if re.fullmatch(r"log\.\d{10}", f))


def full_copies(m):
    found = re.search(r"^dq_repl_full_copies_total (\d+)$", m.metrics(), re.M)
    check(found, "%s: no dq_repl_full_copies_total in /metrics" % m.name)
    return int(found.group(1))


def create_batch(m, n=100):
    jobs = [{"url": "http://127.0.0.1:9/never", "delay": "1h", "payload": PAYLOAD}
            for _ in range(n)]
    status, _, body = m.fcgi("POST", "/v1/jobs/batch", {"jobs": jobs})
    eq(status, 200, "a batch on the master")
    ids = [item["job"]["id"] for item in body["data"] if item.get("status") == 201]
    eq(len(ids), n, "jobs created")
    return ids


def write_files(m, n):
    """Create jobs on m until its log has moved on n files."""
    start, t0, ids = log_files(m)[-1], time.time(), []
    while log_files(m)[-1] < start + n and time.time() - t0 < 60:
        ids += create_batch(m)
    check(log_files(m)[-1] >= start + n, "%s wrote %d log files in a minute: %s"
          % (m.name, n, log_files(m)))
    return ids


def away(m):
    """m stops (its last position reported first: ten times a second)."""
    time.sleep(0.5)
    m.kill()
    return log_files(m)[-1]     # it needs this file and the ones after


@test
def the_master_keeps_the_log_a_member_away_needs_within_replication_log_keep():
    m1, _, m3, m4 = G.members
    copies = {m.name: full_copies(m) for m in (m3, m4)}
    eq(copies, {"m3": 1, "m4": 1}, "full copies when they joined")
    need4 = away(m4)
    write_files(m1, KEEP_FILES + 3)
    need3 = away(m3)
    ids = write_files(m1, 2)
    # m1's checkpoint (every 30 s) frees the old files; it keeps m3's, and
    # of m4's only what replication_log_keep holds
    wait_for(lambda: log_files(m1)[0] > need4, 100, 0.5,
             "m1 to remove log file %d, which only m4 needs (it has %s)"
             % (need4, log_files(m1)))
    have = log_files(m1)
    check(set(range(need3, have[-1] + 1)) <= set(have),
          "m1 removed a log file m3 needs (from %d on): %s" % (need3, have))
    with open(m1.log("dq-dispatcher"), errors="replace") as f:
        check("past replication_log_keep that a member away may still need" in f.read(),
              "m1 did not say it removed log files a member may need")
    # m3 catches up from the log, m4 is sent a full copy
    for m in (m3, m4):
        m.start()
    for m in (m3, m4):
        G.wait_role(m, "replica", 60)
        wait_for(lambda: m.fcgi("GET", "/v1/jobs/" + ids[-1])[0] == 200, 60, 0.5,
                 m.name + " to have the last job")
    eq({m.name: full_copies(m) for m in (m3, m4)}, {"m3": 1, "m4": 2},
       "full copies after they came back")
    total = m1.fcgi("GET", "/v1/jobs?limit=1")[2]["total"]
    for m in (m3, m4):
        wait_for(lambda: m.fcgi("GET", "/v1/jobs?limit=1")[2]["total"] == total, 30,
                 0.5, "%s to count every job (%d)" % (m.name, total))


if __name__ == "__main__":
    raise SystemExit(run(setup))
