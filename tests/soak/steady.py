"""
The steady soak (make soak): what an operator runs before trusting dq with
production traffic.  The real stack (nginx, SOAK_WORKERS dq-fcgi workers,
sync SOAK_SYNC, retention SOAK_RETENTION) takes SOAK_RATE creates a second,
open loop, for SOAK_MINUTES, and this prints, for every window of
SOAK_WINDOW minutes: create latency p50/p99/max, first-attempt lateness
p50/p99/max (arrival at the target - run_at), the finished jobs kept (most
seen) against what retention allows, the data dir's size, the log bytes
written, and each dq process's private memory (RssAnon) and open
descriptors.  At the end: jobs lost, stuck and delivered twice, and the
other checks below; any of those fails the run.  The figures are
benchmarks and fail nothing (SOAK_STRICT=1 also fails on the issue's
latency goals).

The load: delays 0-30 s over 20 queues; targets answering 80 % 200, 10 %
500 then 200, 5 % slowly (1-2 s), 5 % 404 (max_attempts 2); besides, 5 %
of jobs require approval (approved or cancelled 5-20 s later), 5 % have a
callback_url, 5 % are sent twice with one Idempotency-Key; three
every-minute schedules; a status-filtered list every 10 s, whose jobs must
all have that status.  The targets are locations of the same nginx (the
slow one proxies to a small asyncio server), which logs every delivery with
its time, job id and attempt.

SOAK_BUILD=DIR runs another build's programs (a "before" figure), with
this tree's harness and configuration samples.
"""
import collections
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
if os.environ.get("SOAK_BUILD"):
    os.environ["DQ_BUILDDIR"] = os.environ["SOAK_BUILD"]
import dqtest  # noqa: E402
from dqtest import check, eq, run, test  # noqa: E402

RATE = float(os.environ.get("SOAK_RATE", "300"))
MINUTES = float(os.environ.get("SOAK_MINUTES", "20"))
WINDOW = float(os.environ.get("SOAK_WINDOW", "5")) * 60
RETENTION = os.environ.get("SOAK_RETENTION", "1m")
SYNC = os.environ.get("SOAK_SYNC", "write")
WORKERS = int(os.environ.get("SOAK_WORKERS", "4"))
STRICT = os.environ.get("SOAK_STRICT", "0") not in ("", "0")
QUEUES = 20
SCHEDULES = 3
SAMPLE_S = 10
DRAIN_S = 180


def duration_s(text):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    for u in ("ms", "s", "m", "h", "d"):
        if text.endswith(u) and text[:-len(u)].isdigit():
            return int(text[:-len(u)]) * units[u]
    raise SystemExit("SOAK_RETENTION: want e.g. 1m, got %r" % text)


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p / 100.0))]


# --- the slow target ----------------------------------------------------------------

SLOW_SERVER = r"""
import asyncio, random, sys
async def serve(r, w):
    try:
        while True:
            head = await r.readuntil(b"\r\n\r\n")
            n = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    n = int(line.split(b":")[1])
            if n:
                await r.readexactly(n)
            await asyncio.sleep(random.uniform(1.0, 2.0))
            w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 11\r\n\r\n{\"ok\":true}")
            await w.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    w.close()
async def main():
    s = await asyncio.start_server(serve, "127.0.0.1", int(sys.argv[1]), backlog=1024)
    async with s:
        await s.serve_forever()
asyncio.run(main())
"""


class SoakStack(dqtest.Stack):
    """The stack, with the targets as locations of its nginx."""

    def __init__(self, **kw):
        self.slow_port = dqtest.free_port()
        super().__init__(**kw)

    def nginx_conf(self):
        listen = "listen 127.0.0.1:%d;\n" % self.port
        targets = """
        location /t/ {
            access_log %s sink buffer=64k flush=1s;
            default_type application/json;
            location = /t/flaky {
                if ($http_x_dispatchq_attempt = "1") { return 500 '{"again":true}'; }
                return 200 '{"ok":true}';
            }
            location = /t/gone {
                return 404 '{"gone":true}';
            }
            location = /t/slow {
                proxy_pass http://127.0.0.1:%d;
            }
            return 200 '{"ok":true}';
        }
""" % (self.log("sink"), self.slow_port)
        fmt = ("http {\n    log_format sink '$msec $request_time $status $request_uri "
               "$http_x_dispatchq_job_id $http_x_dispatchq_attempt $http_webhook_id';\n")
        conf = super().nginx_conf().replace(listen, listen + targets, 1)
        return conf.replace("http {\n", fmt, 1)

    def start_frontend(self):
        if "slow" not in self.procs:
            self.procs["slow"] = dqtest.Proc(
                "slow", [sys.executable, "-c", SLOW_SERVER, str(self.slow_port)],
                self.log("slow")).start()
        super().start_frontend()

    def destroy(self):
        if "slow" in self.procs:
            self.procs["slow"].stop()
        super().destroy()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)


# --- the load: a separate process (python3 steady.py --load ...) ------------------------

def iso_ms(text):
    return int(round(dqtest.ts(text) * 1000))


class Load:
    """Open-loop creates at RATE/s from a pool of keep-alive connections;
    each answer is one line of out: sched send ms kind status id run_at_ms
    flags (flags: a approval, c callback, i idempotent repeat checked, I
    repeat answered another job)."""

    def __init__(self, port, key, rate, seconds, out, seed=1):
        self.port, self.key, self.rate, self.seconds = port, key, rate, seconds
        self.out = open(out, "w", buffering=1)
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.todo = collections.deque()
        self.cv = threading.Condition()
        self.actions = []           # (due, job id, verb)
        self.done = False
        self.creating = True

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def call(self, c, method, path, body=None, headers=None):
        hdrs = {"Authorization": "Bearer " + self.key}
        hdrs.update(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=hdrs)
        r = c.getresponse()
        text = r.read()
        try:
            return r.status, json.loads(text) if text else None
        except ValueError:
            return r.status, None

    def job(self, rng):
        r = rng.random()
        kind = "ok" if r < 0.80 else "flaky" if r < 0.90 else "slow" if r < 0.95 else "gone"
        body = {"url": "http://127.0.0.1:%d/t/%s" % (self.port, kind),
                "queue": "q%02d" % rng.randrange(QUEUES),
                "payload": {"n": rng.randrange(1 << 40), "pad": "x" * 120}}
        delay = rng.randrange(31)
        if delay:
            body["delay"] = "%ds" % delay
        if kind == "gone":
            body["max_attempts"] = 2
        flags = ""
        if rng.random() < 0.05:
            body["requires_approval"] = True
            flags += "a"
        if rng.random() < 0.05:
            body["callback_url"] = "http://127.0.0.1:%d/t/cb" % self.port
            flags += "c"
        idem = rng.random() < 0.05
        return kind, body, flags, idem

    def one(self, c, i, sched):
        with self.lock:
            kind, body, flags, idem = self.job(self.rng)
        hdrs = {"Idempotency-Key": "soak-%d" % i} if idem else None
        send = time.time()
        try:
            status, doc = self.call(c, "POST", "/v1/jobs", body, hdrs)
        except (OSError, http.client.HTTPException):
            status, doc = 0, None
        got = time.time()
        jid = (doc or {}).get("id", "-") if status in (200, 201) else "-"
        run_at = iso_ms(doc["run_at"]) if jid != "-" and doc.get("run_at") else 0
        if idem and jid != "-":
            s2, d2 = self.call(c, "POST", "/v1/jobs", body, hdrs)
            flags += "i" if s2 == 200 and (d2 or {}).get("id") == jid else "I"
        if "a" in flags and jid != "-":
            verb = "approve" if self.rng.random() < 0.5 else "cancel"
            with self.lock:
                self.actions.append((got + self.rng.uniform(5, 20), jid, verb))
        self.out.write("%d %d %.2f %s %d %s %d %s\n" % (
            sched * 1000, send * 1000, (got - send) * 1000, kind, status, jid, run_at,
            flags or "-"))

    def worker(self):
        c = self.conn()
        while True:
            with self.cv:
                while not self.todo and not self.done:
                    self.cv.wait()
                if not self.todo:
                    return
                i, sched = self.todo.popleft()
            try:
                self.one(c, i, sched)
            except (OSError, http.client.HTTPException):
                c.close()
                c = self.conn()

    def approver(self):
        """Approve or cancel each job that waits for it, 5-20 s after its create."""
        c = self.conn()
        while True:
            now = time.time()
            with self.lock:
                due = [a for a in self.actions if a[0] <= now]
                self.actions = [a for a in self.actions if a[0] > now]
                left = len(self.actions)
            for _, jid, verb in due:
                try:
                    status, _ = self.call(c, "POST", "/v1/jobs/%s/%s" % (jid, verb))
                except (OSError, http.client.HTTPException):
                    c.close()
                    c = self.conn()
                    status = 0
                self.out.write("A %s %s %d\n" % (jid, verb, status))
            if not self.creating and not left and not due:
                return
            time.sleep(0.2)

    def run(self):
        threads = [threading.Thread(target=self.worker, daemon=True) for _ in range(32)]
        threads.append(threading.Thread(target=self.approver, daemon=True))
        for t in threads:
            t.start()
        t0 = time.time() + 0.5
        n = int(self.seconds * self.rate)
        for i in range(n):
            sched = t0 + i / self.rate
            wait = sched - time.time()
            if wait > 0:
                time.sleep(wait)
            with self.cv:
                self.todo.append((i, sched))
                self.cv.notify()
        with self.cv:
            self.done = True
            self.cv.notify_all()
        for t in threads[:-1]:
            t.join()
        self.creating = False
        threads[-1].join()
        self.out.write("END\n")
        self.out.close()


# --- what the soak watches -----------------------------------------------------------------

def proc_stats(pid):
    """(RssAnon kB, open fds) of a process, or None once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            anon = [int(l.split()[1]) for l in f if l.startswith("RssAnon:")]
        return anon[0], len(os.listdir("/proc/%d/fd" % pid))
    except (OSError, IndexError):
        return None


def queue_counts(s):
    """Jobs by status over the account's queues (all on one page), or None
    if the API did not answer."""
    r = s.req("GET", "/v1/queues?limit=100")
    if r.status != 200:
        return None
    check(r.json["total"] <= len(r.json["data"]), "the queues fit on one page")
    counts = collections.Counter()
    for q in r.json["data"]:
        counts.update(q["counts"])
    return counts


def dq_processes(s):
    """{role: pid}: dq-fcgi's master, its workers and janitor, the dispatcher
    and its children."""
    out = {"fcgi master": s.procs["dq-fcgi"].pid}
    for i, pid in enumerate(sorted(s.fcgi_workers())):
        out["fcgi worker %d" % (i + 1)] = pid
    janitor = s.fcgi_janitor()
    if janitor is not None:
        out["fcgi janitor"] = janitor
    disp = s.procs["dq-dispatcher"].pid
    out["dispatcher"] = disp
    for pid in sorted(dqtest.children(disp)):
        out[dqtest.proc_name(pid).replace("dq-", "") or "?"] = pid
    return out


def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_blocks * 512
            except OSError:
                pass
    return total


def file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


class Watch(threading.Thread):
    """Every SAMPLE_S: the counts by status, the data dir's size, the log
    sizes and each dq process's memory and descriptors; and a status-filtered
    list whose jobs must all have that status."""

    def __init__(self, s):
        super().__init__(daemon=True)
        self.s = s
        self.samples = []           # (t, kept, counts, data bytes, log bytes, {role: stats})
        self.lists = 0
        self.wrong = []             # (status asked, job id, status found)
        self.stop_ev = threading.Event()
        self.rng = random.Random(2)

    def sample(self):
        counts = queue_counts(self.s) or collections.Counter()
        kept = counts["completed"] + counts["failed"] + counts["cancelled"]
        procs = {role: proc_stats(pid) for role, pid in dq_processes(self.s).items()}
        logs = file_size(self.s.log("dq-fcgi")) + file_size(self.s.log("dq-dispatcher"))
        self.samples.append((time.time(), kept, dict(counts), dir_bytes(self.s.data), logs,
                             procs))

    def check_list(self):
        status = self.rng.choice(["pending", "pending", "awaiting_approval", "completed"])
        q = "q%02d" % self.rng.randrange(QUEUES)
        r = self.s.req("GET", "/v1/jobs?status=%s&queue=%s&limit=100" % (status, q))
        if r.status != 200:
            return
        self.lists += 1
        for j in r.json["data"]:
            if j["status"] != status:
                self.wrong.append((status, j["id"], j["status"]))

    def run(self):
        while not self.stop_ev.wait(SAMPLE_S):
            try:
                self.sample()
                self.check_list()
            except (OSError, http.client.HTTPException, KeyError, ValueError):
                pass


# --- reading what happened ---------------------------------------------------------------

class Record:
    def __init__(self):
        self.creates = []           # (send s, latency ms, status)
        self.jobs = {}              # id -> (kind, run_at ms, flags)
        self.approvals = {}         # id -> (verb, status)
        self.idem_ok = self.idem_bad = 0
        self.ended = False
        self.pos = 0

    def read(self, path):
        with open(path) as f:
            f.seek(self.pos)
            while True:
                line = f.readline()
                if not line.endswith("\n"):
                    break
                self.pos = f.tell()
                self.parse(line.split())

    def parse(self, w):
        if w[0] == "END":
            self.ended = True
        elif w[0] == "A":
            self.approvals[w[1]] = (w[2], int(w[3]))
        else:
            send, lat, kind, status, jid, run_at, flags = (
                int(w[1]) / 1000.0, float(w[2]), w[3], int(w[4]), w[5], int(w[6]), w[7])
            self.creates.append((send, lat, status))
            if jid != "-":
                self.jobs[jid] = (kind, run_at, flags)
            self.idem_ok += "i" in flags
            self.idem_bad += "I" in flags


def read_sink(path):
    """[(start s, status, uri, job id, attempt, webhook id)] from the targets' log."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                w = line.split()
                if len(w) != 7:
                    continue
                start = float(w[0]) - float(w[1])
                out.append((start, int(w[2]), w[3], w[4], w[5], w[6]))
    except OSError:
        pass
    return out


def lateness(rec, sink):
    """[(start s, ms late)] of every first attempt of a job due by its own
    delay (approval jobs wait for a person, schedules are not ours)."""
    out = []
    for start, _, uri, jid, attempt, _ in sink:
        if attempt != "1" or uri.startswith("/t/cb") or uri.startswith("/t/sched"):
            continue
        j = rec.jobs.get(jid)
        if j and "a" not in j[2] and j[1]:
            out.append((start, start * 1000 - j[1]))
    return out


def fmt_ms(v):
    return "%.1f" % v if v == v else "-"


def report_window(k, t0, t1, rec, sink_late, watch, retention_s, noise):
    lat = [l for s, l, st in rec.creates if t0 <= s < t1 and st in (200, 201)]
    base = [l for s, l in noise if t0 <= s < t1]
    errors = sum(1 for s, _, st in rec.creates if t0 <= s < t1 and st not in (200, 201))
    late = [l for s, l in sink_late if t0 <= s < t1]
    smp = [x for x in watch.samples if t0 <= x[0] < t1]
    kept = max([x[1] for x in smp] or [0])
    per_min = len(lat) / max(1e-9, (t1 - t0) / 60.0)
    allowed = per_min * (retention_s / 60.0 + 1)
    data = max([x[3] for x in smp] or [0]) / 1e6
    logs = (smp[-1][4] - smp[0][4]) if len(smp) > 1 else 0
    log_day = logs / max(1.0, smp[-1][0] - smp[0][0]) * 86400 / 1e6 if len(smp) > 1 else 0
    print("# window %d (%3.0f-%3.0f min): %d creates (%d not 2xx), create ms p50 %s p99 %s "
          "max %s; lateness ms p50 %s p99 %s max %s (%d first attempts)" % (
              k, (t0 - watch.t_start) / 60, (t1 - watch.t_start) / 60, len(lat), errors,
              fmt_ms(pct(lat, 50)), fmt_ms(pct(lat, 99)), fmt_ms(max(lat or [float("nan")])),
              fmt_ms(pct(late, 50)), fmt_ms(pct(late, 99)),
              fmt_ms(max(late or [float("nan")])), len(late)))
    worst, seen = [], set()
    for st, l in sorted(((st, l) for st, l in sink_late if t0 <= st < t1),
                        key=lambda x: -x[1]):
        if int(st) not in seen and len(worst) < 3:
            seen.add(int(st))
            worst.append("%d:%02d %.0f" % (divmod(int(st - watch.t_start), 60) + (l,)))
    if worst:
        print("#   latest first attempts (min:s after the start, ms): %s" % ", ".join(worst))
    procs = smp[-1][5] if smp else {}
    print("#   finished kept at most %d (retention allows about %d); data dir %.0f MB; "
          "logs %.1f MB (%.0f MB/day)" % (kept, allowed, data, logs / 1e6, log_day))
    print("#   the machine: a sleeping process woke late by p50 %s p99 %s max %s ms; "
          "load average %s" % (fmt_ms(pct(base, 50)), fmt_ms(pct(base, 99)),
                               fmt_ms(max(base or [float("nan")])),
                               " ".join(open("/proc/loadavg").read().split()[:3])))
    print("#   RssAnon kB / fds: %s" % ", ".join(
        "%s %s" % (role, "%d/%d" % st if st else "-") for role, st in sorted(procs.items())))
    sys.stdout.flush()
    return {"create_p99": pct(lat, 99), "late_p99": pct(late, 99),
            "late_max": max(late or [0]), "kept": kept, "allowed": allowed,
            "base_p99": pct(base, 99)}


def jitter(out, seconds):
    """The machine's own noise: a process that sleeps until a deadline every
    10 ms writes how late it woke (ms), as the benchmarks' baseline does."""
    end = time.time() + seconds
    with open(out, "w", buffering=1 << 16) as f:
        t = time.time()
        while t < end:
            t += 0.01
            wait = t - time.time()
            if wait > 0:
                time.sleep(wait)
            f.write("%.3f %.3f\n" % (t, (time.time() - t) * 1000))


def read_jitter(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                w = line.split()
                if len(w) == 2:
                    out.append((float(w[0]), float(w[1])))
    except OSError:
        pass
    return out


def run_load(s, seconds, out):
    return subprocess.Popen([sys.executable, os.path.abspath(__file__), "--load", str(s.port),
                             s.key, str(RATE), str(seconds), out],
                            preexec_fn=dqtest._die_with_parent)


def make_schedules(s):
    for i in range(SCHEDULES):
        r = s.req("POST", "/v1/schedules", {"cron": "* * * * *", "queue": "cron",
                                             "url": s.url("/t/sched?s=%d" % i)})
        eq(r.status, 201, "schedule: %r" % r)


def outcome(rec, sink):
    """What the targets saw, against what each acknowledged job should give."""
    ok = collections.Counter()      # job id -> 2xx deliveries
    tries = collections.Counter()   # job id -> deliveries
    cbs = collections.Counter()     # job id -> 2xx callbacks
    seen = collections.Counter()    # (job id, attempt) -> arrivals
    fired = collections.Counter()
    for _, status, uri, jid, attempt, wh in sink:
        if uri.startswith("/t/sched"):
            fired[uri] += 1
            continue
        if uri.startswith("/t/cb"):
            cbs[jid] += 200 <= status < 300
            continue
        tries[jid] += 1
        ok[jid] += 200 <= status < 300
        seen[(jid, attempt)] += 1
    lost, twice, cb_bad = [], [], []
    for jid, (kind, _, flags) in rec.jobs.items():
        cancelled = rec.approvals.get(jid, ("", 0)) == ("cancel", 200)
        if cancelled:
            if tries[jid]:
                twice.append(jid)
            continue
        want_ok = 0 if kind == "gone" else 1
        if (kind == "gone" and tries[jid] < 2) or ok[jid] < want_ok:
            lost.append(jid)
        if ok[jid] > 1:
            twice.append(jid)
        if "c" in flags and cbs[jid] != 1:
            cb_bad.append((jid, cbs[jid]))
    repeats = [k for k, n in seen.items() if n > 1]
    return lost, twice, repeats, cb_bad, fired


@test
def steady():
    retention_s = duration_s(RETENTION)
    seconds = MINUTES * 60
    print("# %g creates/s for %g min, retention %s, sync %s, %d workers, windows of %g min%s"
          % (RATE, MINUTES, RETENTION, SYNC, WORKERS, WINDOW / 60,
             "; build " + os.environ["SOAK_BUILD"] if os.environ.get("SOAK_BUILD") else ""))
    print("# load average at the start: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    s = SoakStack(workers=WORKERS, conf={
        "workers": str(WORKERS), "sync": SYNC, "retention": RETENTION,
        "retry_base": "10s", "retry_cap": "1h", "rate_limit_per_second": "0"})
    make_schedules(s)
    out = os.path.join(s.dir, "creates.txt")
    rec = Record()
    watch = Watch(s)
    watch.t_start = time.time()
    watch.start()
    load = run_load(s, seconds, out)
    noise_out = os.path.join(s.dir, "jitter.txt")
    noise = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--jitter", noise_out,
                              str(seconds + 5)], preexec_fn=dqtest._die_with_parent)
    dqtest.at_exit(noise.kill)
    windows, k, t0 = [], 0, watch.t_start
    while True:
        time.sleep(1)
        ended = load.poll() is not None
        if time.time() >= t0 + WINDOW:
            time.sleep(2)   # the targets' log is written every second
            rec.read(out)
            k += 1
            windows.append(report_window(k, t0, t0 + WINDOW, rec, lateness(rec, read_sink(
                s.log("sink"))), watch, retention_s, read_jitter(noise_out)))
            t0 += WINDOW
        if ended:
            break
    eq(load.wait(), 0, "the load generator")
    t_end = time.time()
    time.sleep(2)
    rec.read(out)
    check(rec.ended, "the load generator ended early")
    if t_end - t0 > 30:
        k += 1
        windows.append(report_window(k, t0, t_end, rec, lateness(rec, read_sink(
            s.log("sink"))), watch, retention_s, read_jitter(noise_out)))
    print("# load average at the end: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))

    # Everything settles: delays (30 s), retries (10 s), approvals (20 s).
    left = collections.Counter()

    def settled():
        c = queue_counts(s)
        if c is None:
            return False
        left.update(c)
        return c["pending"] + c["active"] + c["awaiting_approval"] == 0
    try:
        dqtest.wait_for(settled, DRAIN_S, 1, "every job to finish")
        stuck = 0
    except AssertionError:
        stuck = left["pending"] + left["active"] + left["awaiting_approval"]
    watch.stop_ev.set()
    watch.join()
    time.sleep(2)
    sink = read_sink(s.log("sink"))
    lost, twice, repeats, cb_bad, fired = outcome(rec, sink)
    answered = collections.Counter(st for _, _, st in rec.creates)
    print("# %d creates answered: %s; Idempotency-Key repeats: %d same job, %d another" % (
        len(rec.creates), ", ".join("%s %d" % kv for kv in sorted(answered.items())),
        rec.idem_ok, rec.idem_bad))
    print("# lost %d, stuck %d, delivered twice %d (attempts repeated %d), callbacks not "
          "exactly once %d; schedule firings %s; status-filtered lists %d, wrong jobs %d" % (
              len(lost), stuck, len(twice), len(repeats), len(cb_bad),
              "/".join(str(fired[u]) for u in sorted(fired)), watch.lists, len(watch.wrong)))
    warnings = [l for l in s.logs().splitlines() if ": warn: " in l or ": error: " in l]
    print("# warnings and errors in the logs: %d%s" % (len(warnings), "".join(
        "\n#   " + l[:200] for l in warnings[:10])))
    eq(lost[:5], [], "jobs lost")
    eq(stuck, 0, "jobs stuck")
    eq(twice[:5], [], "jobs delivered twice")
    eq(cb_bad[:5], [], "callbacks not made exactly once")
    eq(watch.wrong[:5], [], "jobs of another status in a status-filtered list")
    eq(rec.idem_bad, 0, "Idempotency-Key repeats answered with another job")
    eq(answered.get(0, 0) + sum(n for st, n in answered.items() if st >= 500), 0,
       "creates without an answer or with a 5xx")
    minutes = int(MINUTES)
    for u in ("/t/sched?s=%d" % i for i in range(SCHEDULES)):
        check(fired[u] >= minutes - 1, "%s fired %d times in %g min" % (u, fired[u], MINUTES))
    for name in ("dq-dispatcher", "nginx", "dq-fcgi"):
        s.stop(name)
    r = subprocess.run([s.bin("dqctl"), "-c", s.conf_path, "verify"], capture_output=True,
                       text=True, timeout=600, env=s.env)
    eq(r.returncode, 0, "dqctl verify: %s %s" % (r.stdout[-500:], r.stderr[-500:]))
    print("# dqctl verify: clean")
    if STRICT:
        for w in windows:
            check(w["late_p99"] <= 25 and w["late_max"] <= 250 and w["create_p99"] <= 20,
                  "a window missed the latency goals: %r" % w)
            check(w["kept"] < w["allowed"], "retention fell behind: %r" % w)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--jitter":
        jitter(sys.argv[2], float(sys.argv[3]))
        raise SystemExit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "--load":
        port, key, rate, secs, out = sys.argv[2:7]
        signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
        Load(int(port), key, float(rate), float(secs), out).run()
        raise SystemExit(0)
    raise SystemExit(run())
