"""
Load and faults for the crash test (test_chaos.py) and the soak
(tests/soak/soak.py): client threads streaming a mix of API calls at a
Stack, a chaos thread that kill -9s random dq-fcgi workers and the
dispatcher (restarting it), and the checks that follow: every acknowledged
job exists, none is left active, no job was delivered more often than its
attempts say, every Idempotency-Key names one job, dqctl verify is clean.
"""
import collections
import http.client
import json
import os
import random
import signal
import subprocess
import threading
import time

from dqtest import check, check_answer, eq, wait_for

# Target paths: a quick 200, a slow 200 (so that kills land on deliveries in
# flight), and flaky ones (one per job) that answer 500 once, then 200.
FAST, SLOW, FLAKY = "/load-fast", "/load-slow", "/load-flaky"

SCHEDULES_MAX = 40      # every one fires each minute, all at the same second


def prepare_target(target):
    target.on(FAST, (200, {}, '{"ok":true}', 0))
    target.on(SLOW, (200, {}, '{"ok":true}', 0.3))


class Client:
    """One keep-alive connection to nginx; reconnects after any error."""

    def __init__(self, stack):
        self.s = stack
        self.conn = None

    def req(self, method, path, body=None, headers=None, timeout=15):
        hdrs = {"Authorization": "Bearer " + self.s.key}
        hdrs.update(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.s.port,
                                                           timeout=timeout)
                self.conn.request(method, path, body=data, headers=hdrs)
                r = self.conn.getresponse()
                text = r.read()
                check_answer(self.s.port, method, path, r.status, r.getheaders(), text,
                             fail=False)
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                try:
                    doc = json.loads(text) if text else None
                except ValueError:
                    doc = None
                return r.status, doc
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError) as e:
                # a kept-alive connection nginx closed: once more, fresh
                self.close()
                if attempt:
                    raise e
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Load:
    """Client threads streaming creates (with and without Idempotency-Key),
    reads, lists and schedule changes.  mix: {"create", "read", "list",
    "queues", "schedule"} -> weight."""

    def __init__(self, stack, target, threads=4, mix=None, pause=0.0, seed=None):
        self.s = stack
        self.t = target
        self.nthreads = threads
        self.mix = mix or {"create": 6, "read": 2, "list": 1, "queues": 1}
        self.pause = pause
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.stop_ev = threading.Event()
        self.acked = {}             # job id -> target path
        self.recent = collections.deque(maxlen=200)
        self.keys = {}              # Idempotency-Key -> (body, job id)
        self.answers = collections.Counter()    # (op, status, code)
        self.failures = []          # unexpected answers (5xx other than 503, ...)
        self.requests = 0
        self.conn_errors = 0
        self.threads = []
        self.schedules = []

    # -- what one thread does
    def _op(self):
        ops, weights = zip(*self.mix.items())
        return self.rng.choices(ops, weights)[0]

    def _body(self):
        r = self.rng.random()
        if r < 0.6:
            path = FAST
        elif r < 0.8:
            path = SLOW
        else:
            path = "%s/%d" % (FLAKY, self.rng.randrange(1 << 62))
            self.t.on(path, 500, 200)
        body = {"url": self.t.url(path), "max_attempts": 10, "timeout": "5s",
                "payload": {"n": self.rng.randrange(1 << 30)}}
        if self.rng.random() < 0.1:
            body["queue"] = "q%d" % self.rng.randrange(3)
        return path, body

    def _note(self, op, status, doc):
        code = ((doc or {}).get("error") or {}).get("code") if isinstance(doc, dict) else None
        with self.lock:
            self.requests += 1
            self.answers[(op, status, code)] += 1
            if status >= 500 and status != 503 or status == 503 and code != "unavailable":
                self.failures.append((op, status, doc))

    def _create(self, c):
        path, body = self._body()
        key = None
        if self.rng.random() < 0.5:
            key = "k-%d-%d" % (threading.get_ident(), self.rng.randrange(1 << 60))
        # A create that got no answer is sent again with the same key, which
        # must then give the one job; without a key it is abandoned.
        for _ in range(20 if key else 1):
            try:
                status, doc = c.req("POST", "/v1/jobs", body,
                                    {"Idempotency-Key": key} if key else None)
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.conn_errors += 1
                c.close()
                time.sleep(0.05)
                continue
            self._note("create", status, doc)
            if status in (200, 201):
                with self.lock:
                    self.acked[doc["id"]] = path
                    self.recent.append(doc["id"])
                    if key:
                        self.keys[key] = (body, doc["id"])
                return
            if status != 503:
                return
            time.sleep(0.05)

    def _read(self, c):
        with self.lock:
            if not self.recent:
                return
            jid = self.rng.choice(self.recent)
        status, doc = c.req("GET", "/v1/jobs/" + jid)
        self._note("read", status, doc)
        if status not in (200, 503):
            with self.lock:
                self.failures.append(("read %s" % jid, status, doc))

    def _list(self, c):
        q = self.rng.choice(["", "?status=completed", "?status=pending&limit=5",
                             "?queue=q1", "?limit=100"])
        status, doc = c.req("GET", "/v1/jobs" + q)
        self._note("list", status, doc)

    def _queues(self, c):
        status, doc = c.req("GET", "/v1/queues")
        self._note("queues", status, doc)

    def _schedule(self, c):
        with self.lock:
            have = list(self.schedules)
        # a steady set: between 5 and SCHEDULES_MAX, all firing each minute
        if len(have) < 5 or (len(have) < SCHEDULES_MAX and self.rng.random() < 0.2):
            status, doc = c.req("POST", "/v1/schedules", {
                "cron": "* * * * *", "url": self.t.url(FAST), "max_attempts": 10,
                "timeout": "5s", "queue": "cron"})
            self._note("schedule", status, doc)
            if status == 201:
                with self.lock:
                    self.schedules.append(doc["id"])
            return
        sid = self.rng.choice(have)
        verb = self.rng.choice(["get", "pause", "resume", "put"])
        if verb == "get":
            status, doc = c.req("GET", "/v1/schedules/" + sid)
        elif verb == "put":
            status, doc = c.req("PUT", "/v1/schedules/" + sid, {
                "cron": "* * * * *", "url": self.t.url(FAST), "max_attempts": 10,
                "timeout": "5s", "queue": "cron"})
        else:
            status, doc = c.req("POST", "/v1/schedules/%s/%s" % (sid, verb))
        self._note("schedule", status, doc)

    def _run(self):
        c = Client(self.s)
        fns = {"create": self._create, "read": self._read, "list": self._list,
               "queues": self._queues, "schedule": self._schedule}
        while not self.stop_ev.is_set():
            try:
                fns[self._op()](c)
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.conn_errors += 1
                c.close()
                time.sleep(0.05)
            if self.pause:
                time.sleep(self.pause)
        c.close()

    def start(self):
        for _ in range(self.nthreads):
            t = threading.Thread(target=self._run, daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(60)

    def summary(self):
        by_code = collections.Counter()
        for (op, status, code), n in self.answers.items():
            by_code["%d%s" % (status, " " + code if code else "")] += n
        return dict(by_code)


class Background:
    """A loop of _run() on a daemon thread until stop(); an exception it
    stored in self.error is raised by stop()."""

    def __init__(self):
        self.stop_ev = threading.Event()
        self.thread = None
        self.error = None

    def start(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stop_ev.set()
        self.thread.join(30)
        if self.error:
            raise self.error


class Supervisor(Background):
    """What a process manager (systemd's Restart=always) does for the
    dispatcher: start it again whenever it is found dead.  dq-fcgi's master
    does the same for its workers by itself."""

    def __init__(self, stack, every=0.2):
        super().__init__()
        self.s = stack
        self.every = every
        self.lock = threading.Lock()
        self.restarts = 0           # after it exited or was killed by dq itself

    def restart(self, kill=False):
        """Start the dispatcher again (after kill -9 if kill); under the lock,
        so that the watch loop and the chaos never start two."""
        with self.lock:
            p = self.s.procs["dq-dispatcher"]
            if kill:
                p.kill9()
            elif p.alive():
                return False
            self.s.start_dispatcher()
            return True

    def _run(self):
        while not self.stop_ev.wait(self.every):
            if self.restart():
                self.restarts += 1


class Chaos(Background):
    """kill -9 of a random dq-fcgi worker, or of the dispatcher (started again
    at once), every `every` seconds (jittered) until stopped."""

    def __init__(self, stack, supervisor, every=(0.3, 0.9), dispatcher_share=0.35,
                 seed=None):
        super().__init__()
        self.s = stack
        self.sup = supervisor
        self.every = every
        self.share = dispatcher_share
        self.rng = random.Random(seed)
        self.workers_killed = 0
        self.dispatchers_killed = 0

    def kill_worker(self):
        pids = self.s.fcgi_workers()
        if not pids:
            return
        try:
            os.kill(self.rng.choice(pids), signal.SIGKILL)
            self.workers_killed += 1
        except OSError:
            pass

    def kill_dispatcher(self):
        self.sup.restart(kill=True)
        self.dispatchers_killed += 1

    def _run(self):
        try:
            while not self.stop_ev.wait(self.rng.uniform(*self.every)):
                if self.rng.random() < self.share:
                    self.kill_dispatcher()
                else:
                    self.kill_worker()
        except Exception as e:  # noqa: BLE001 - reported by stop()
            self.error = e

    @property
    def faults(self):
        return self.workers_killed + self.dispatchers_killed


# --- after the storm -------------------------------------------------------------

def all_jobs(s, params=""):
    """Every job of the stack's account, by id, paged with the cursor."""
    jobs, cursor = {}, None
    while True:
        q = "?limit=100" + params + ("&cursor=" + cursor if cursor else "")
        r = s.req("GET", "/v1/jobs" + q)
        eq(r.status, 200, "list %s: %r" % (q, r))
        for j in r.json["data"]:
            jobs[j["id"]] = j
        cursor = r.json["next_cursor"]
        if not cursor:
            return jobs


def queue_counts(s):
    r = s.req("GET", "/v1/queues")
    eq(r.status, 200, "queues: %r" % r)
    total = collections.Counter()
    for q in r.json["data"]:
        total.update(q["counts"])
    return total


def drain(s, timeout=60):
    """Wait until nothing is pending or active; the counts at the end."""
    last = [None]

    def idle():
        last[0] = queue_counts(s)
        return last[0]["pending"] == 0 and last[0]["active"] == 0

    try:
        wait_for(idle, timeout, 0.25, "every job to finish")
    except AssertionError:
        raise AssertionError("not drained after %ds: %r" % (timeout, dict(last[0])))
    return last[0]


def deliveries(target):
    """Target hits per X-DispatchQ-Job-Id."""
    count = collections.Counter()
    for h in target.requests:
        jid = h["headers"].get("x-dispatchq-job-id")
        if jid:
            count[jid] += 1
    return count


def check_jobs(s, target, load):
    """Every acknowledged job exists and is finished; none was delivered more
    often than its history has attempts; returns (jobs, duplicate deliveries) where a
    duplicate is a delivery whose outcome was never recorded (the
    dispatcher died while it was in flight) and was therefore made again."""
    jobs = all_jobs(s)
    missing = [i for i in load.acked if i not in jobs]
    eq(missing, [], "acknowledged jobs that do not exist")
    hits = deliveries(target)
    dups = 0
    for jid, path in load.acked.items():
        j = jobs[jid]
        if hits[jid] > 1 or j["attempts"] > 1:
            # an attempt cut short by a crash is in the history but does
            # not count against max_attempts (interrupted)
            r = s.req("GET", "/v1/jobs/%s/attempts" % jid)
            eq(r.status, 200)
            att = r.json["data"]
            check(hits[jid] <= len(att), "%s delivered %d times, %d in its history" % (
                jid, hits[jid], len(att)))
            # an interrupted attempt that did not count has the number of
            # the one made instead; the fifth interruption in a row counts
            # (a storm can land five times on one slow delivery)
            eq(len({a["attempt"] for a in att}), j["attempts"],
               "%s: one attempt number per counted attempt" % jid)
            answered = sum(1 for a in att if a["response_code"] is not None)
            dups += max(0, hits[jid] - answered)
        eq(j["status"], "completed", "%s to %s" % (jid, path))
    for key, (body, jid) in load.keys.items():
        r = s.req("POST", "/v1/jobs", body, headers={"Idempotency-Key": key})
        doc = r.json or {}
        eq((r.status, doc.get("id"), doc.get("deduplicated")), (200, jid, True),
           "Idempotency-Key %s names one job" % key)
    return jobs, dups


def dqctl_verify(s):
    """Stop the stack and run dqctl verify; its output."""
    for name in ("dq-dispatcher", "nginx", "dq-fcgi"):
        s.stop(name)
    r = subprocess.run([s.bin("dqctl"), "-c", s.conf_path, "verify"], capture_output=True,
                       text=True, timeout=300, env=s.env)
    eq(r.returncode, 0, "dqctl verify: %s %s" % (r.stdout, r.stderr))
    return r.stdout


def rss_kb(pid):
    """VmRSS of a process in KiB, or None once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None
