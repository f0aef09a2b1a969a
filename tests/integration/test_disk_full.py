"""
A full disk: with data_dir on a small tmpfs that is then filled, creates
answer 503 unavailable (never 500, never a hang), reads keep working, no
dq process dies, and once space is freed creates succeed again without
anyone doing anything; dqctl verify finds the store consistent.

Needs root (mount -t tmpfs); skipped otherwise.
"""
import collections
import os
import subprocess
import tempfile
import time

from dqtest import Stack, Target, at_exit, check, eq, http_request, run, test, wait_for
from loadgen import dqctl_verify

T = MNT = None
# Big enough for Berkeley DB's regions at their maximum size (they are
# reserved up front) with a 4 MiB cache, the first log file and some jobs.
TMPFS_SIZE = "512m"


def mount_tmpfs():
    """A fresh tmpfs, or the reason there cannot be one."""
    global MNT
    if os.geteuid() != 0:
        return "needs root to mount a tmpfs"
    d = tempfile.mkdtemp(prefix="dq-full-")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + TMPFS_SIZE + ",mode=0755",
                        "tmpfs", d], capture_output=True, text=True)
    if r.returncode != 0:
        os.rmdir(d)
        return "cannot mount a tmpfs: " + r.stderr.strip()
    MNT = d
    at_exit(unmount)
    return None


def unmount():
    if subprocess.run(["umount", MNT], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", MNT], capture_output=True)
    os.rmdir(MNT)


def setup():
    global T
    T = Target()


def fill(path, leave=0):
    """Write a file until the tmpfs is full (or only `leave` bytes are free)."""
    st = os.statvfs(MNT)
    free = st.f_bavail * st.f_frsize
    with open(path, "wb") as f:
        chunk = b"\xff" * (1 << 20)
        want = free - leave if leave else None
        done = 0
        try:
            while want is None or done < want:
                n = len(chunk) if want is None else min(len(chunk), want - done)
                f.write(chunk[:n])
                f.flush()
                done += n
        except OSError:
            pass
    return os.statvfs(MNT).f_bavail * os.statvfs(MNT).f_frsize


def free_bytes():
    st = os.statvfs(MNT)
    return st.f_bavail * st.f_frsize


def new_stack(name):
    s = Stack(conf={"data_dir": os.path.join(MNT, name), "cache_size": "4m"})
    return s


class Filler:
    """A file filling the tmpfs (all but `leave` bytes) while in a with block."""

    def __init__(self, name, leave=0):
        self.path = os.path.join(MNT, name)
        self.leave = leave

    def __enter__(self):
        return fill(self.path, self.leave)

    def __exit__(self, *exc):
        if os.path.exists(self.path):
            os.unlink(self.path)


def pids(s):
    return (s.procs["dq-fcgi"].pid, sorted(s.fcgi_workers()), s.procs["dq-dispatcher"].pid)


def alive(s):
    return all(s.procs[n].alive() for n in ("dq-fcgi", "dq-dispatcher", "nginx"))


def post(s, path, body, headers=None, timeout=10):
    """A request that must be answered well within nginx's own timeout."""
    hdrs = {"Authorization": "Bearer " + s.key}
    hdrs.update(headers or {})
    t0 = time.time()
    r = http_request(s.port, "POST", path, body, hdrs, timeout=timeout)
    return r, time.time() - t0


def check_503(r, what):
    eq(r.status, 503, "%s while the disk is full: %r" % (what, r))
    eq(r.error.get("code"), "unavailable", what)
    check(r.header("Retry-After"), "%s: 503 without Retry-After" % what)
    check(r.error.get("request_id") == r.header("X-Request-Id"), "error envelope")


@test
def full_disk_creates_are_503_reads_work_and_it_recovers():
    s = new_stack("a")
    T.on("/full-done", 200)
    done = [s.create({"url": T.url("/full-done")})["id"] for _ in range(5)]
    waiting = [s.create({"url": T.url("/full-later"), "delay": "1h"})["id"] for _ in range(15)]
    keyed = s.create({"url": T.url("/full-later"), "delay": "1h"},
                     headers={"Idempotency-Key": "before-full"})
    for i in done:
        s.wait_status(i, "completed")
    # comes due while the disk is full: the dispatcher cannot claim it
    due = s.create({"url": T.url("/full-due"), "delay": "2s"})["id"]
    due_at = time.time() + 2
    before = pids(s)
    total = s.req("GET", "/v1/jobs?limit=1").json["total"]
    with Filler("filler") as left:
        check(left < 1 << 20, "the tmpfs is full (%d bytes left)" % left)
        refused_while_full(s, keyed, total, done + waiting + [due], before)
        time.sleep(max(0, due_at + 1 - time.time()))
    r = wait_for(lambda: (lambda r: r.status == 201 and r)(
        s.req("POST", "/v1/jobs", {"url": T.url("/full-after")})), timeout=10,
        what="a create to succeed once space is free")
    s.wait_status(r.json["id"], "completed", timeout=15)
    j = s.wait_status(due, "completed", timeout=15)
    check(len(T.hits("/full-due")) <= j["attempts"], "delivered at most once per attempt")
    wait_for(lambda: s.req("GET", "/healthz", auth=False).status == 200, timeout=10,
             what="/healthz 200 again")
    eq(pids(s), before, "still the same processes")
    dqctl_verify(s)


def refused_while_full(s, keyed, total, ids, before):
    codes = collections.Counter()
    slowest, slipped = 0, []
    for i in range(40):
        body = {"url": T.url("/full-x"), "payload": {"n": i, "pad": "p" * 3000}}
        hdrs = {"Idempotency-Key": "full-%d" % i} if i % 2 else None
        r, took = post(s, "/v1/jobs", body, hdrs)
        codes[r.status] += 1
        slowest = max(slowest, took)
        if r.status == 201 and len(slipped) < 2:
            slipped.append(r.json["id"])    # into the log page's last free bytes
        else:
            check_503(r, "create")
    r, _ = post(s, "/v1/jobs/batch", {"jobs": [{"url": T.url("/full-b")}] * 3})
    check_503(r, "batch create")
    r, _ = post(s, "/v1/schedules", {"cron": "* * * * *", "url": T.url("/full-s")})
    check_503(r, "schedule create")
    # replaying a create that already exists needs no space
    r, _ = post(s, "/v1/jobs", {"url": T.url("/full-later"), "delay": "1h"},
                {"Idempotency-Key": "before-full"})
    check(r.status in (200, 503), "idempotent replay while full: %r" % r)
    if r.status == 200:
        eq(r.json["id"], keyed["id"])
    print("# disk full: creates answered %s, slowest %.2fs" % (dict(codes), slowest))
    check(slowest < 5, "a create took %.1fs to be refused" % slowest)

    for i in ids + slipped:
        eq(s.req("GET", "/v1/jobs/" + i).status, 200, "read %s while full" % i)
    eq(s.req("GET", "/v1/jobs/%s/attempts" % ids[0]).status, 200)
    lst = s.req("GET", "/v1/jobs?limit=100")
    eq(lst.status, 200, "list while full")
    eq(lst.json["total"], total + len(slipped), "no job was created by a refused create")
    eq(s.req("GET", "/v1/queues").status, 200, "queues while full")
    time.sleep(1)
    check(alive(s), "every process is alive")
    eq(pids(s), before, "no dq process died or was replaced")


@test
def creates_until_full_then_freed():
    s = new_stack("b")
    pad = "q" * (400 * 1024)
    with Filler("filler-b", leave=8 << 20):
        acked = fill_with_creates(s, pad)
    r = wait_for(lambda: (lambda r: r.status == 201 and r)(
        s.req("POST", "/v1/jobs", {"url": T.url("/until"), "delay": "1h",
                                   "payload": {"pad": pad}})), timeout=10,
        what="creates to succeed again")
    eq(s.req("GET", "/v1/jobs?limit=1").json["total"], len(acked) + 1)
    dqctl_verify(s)


def fill_with_creates(s, pad):
    acked, codes = [], collections.Counter()
    for i in range(200):
        r, took = post(s, "/v1/jobs", {"url": T.url("/until"), "delay": "1h",
                                       "payload": {"i": i, "pad": pad}})
        codes[r.status] += 1
        check(r.status in (201, 503), "create %d: %r" % (i, r))
        if r.status == 201:
            acked.append(r.json["id"])
        else:
            check_503(r, "create")
            if codes[503] >= 10:
                break
    print("# creates until full: %s, %d bytes free" % (dict(codes), free_bytes()))
    check(codes[503] >= 10 and acked, "the disk filled up after some creates: %s" % codes)
    for i in acked:
        eq(s.req("GET", "/v1/jobs/" + i).status, 200, "acknowledged job %s" % i)
    check(alive(s), "every process is alive")
    return acked


if __name__ == "__main__":
    raise SystemExit(run(setup, skip=mount_tmpfs()))
