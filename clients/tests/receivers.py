"""
The receiver examples (clients/*/receiver.*) against real deliveries: one
scenario that test_receiver_php.py, _python.py and _node.py each run on
their language's receiver.  The stack delivers jobs and callbacks of an
account with a signing secret and of one made with --sign-with-api-key to a
receiver started with that account's secret (or key); a real delivery
captured by the target server is replayed to check the deduplication on
webhook-id (whatever its format) and altered to check each refusal.
"""
import http.client
import json
import os
import subprocess
import tempfile
import time

from clientharness import _die_with_parent, at_exit, check, eq, test
import dqtest

HOOK = "/hooks/dq"


class Receiver:
    """One receiver process on a free loopback port, for one secret."""

    def __init__(self, argv_for_port, secret, name):
        self.dir = tempfile.mkdtemp(prefix="dq-recv-")
        at_exit(lambda: subprocess.run(["rm", "-rf", self.dir]))
        self.port = dqtest.free_port()
        self.events_file = os.path.join(self.dir, "events.jsonl")
        env = dict(os.environ, DQ_SIGNING_SECRET=secret,
                   DQ_SEEN_DIR=os.path.join(self.dir, "seen"), DQ_EVENTS_FILE=self.events_file)
        self.log = os.path.join(self.dir, name + ".log")
        with open(self.log, "ab") as out:
            self.p = subprocess.Popen(argv_for_port(self.port), env=env, stdout=out, stderr=out,
                                      stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        at_exit(self.stop)
        dqtest.wait_for(self.listening, 20, 0.05, "the receiver on port %d" % self.port)

    def listening(self):
        check(self.p.poll() is None, "the receiver exited: " + self.output())
        try:
            dqtest.socket.create_connection(("127.0.0.1", self.port), 0.2).close()
            return True
        except OSError:
            return False

    def output(self):
        with open(self.log, errors="replace") as f:
            return f.read()[-2000:]

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(5)

    def url(self, path=HOOK):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def events(self):
        try:
            with open(self.events_file) as f:
                return [json.loads(line) for line in f]
        except FileNotFoundError:
            return []

    def send(self, method, path, headers, body):
        """A request as a target would get it: (status, decoded answer)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        try:
            return r.status, json.loads(data)
        except ValueError:
            return r.status, data


def run(argv_for_port, skip=None):
    """Register the scenario's tests and run them (TAP)."""
    if skip:
        return dqtest.run(skip=skip)
    st = {}

    def setup():
        S = st["S"] = dqtest.Stack(conf={"retry_base": "100ms", "retry_cap": "200ms"})
        st["T"] = dqtest.Target()
        st["keyed_key"], _ = S.add_account("keyed", "--sign-with-api-key")
        st["R"] = Receiver(argv_for_port, S.secret, "receiver")
        st["RK"] = Receiver(argv_for_port, st["keyed_key"], "receiver-keyed")

    def deliver(recv, key, body, method="POST", path=HOOK):
        """A job to the receiver; returns the finished job."""
        S = st["S"]
        job = S.create(dict(body, url=recv.url(path), method=method, max_attempts=1), key=key)
        return S.wait_status(job["id"], ("completed", "failed"), 30, key=key)

    def event_of(recv, job_id):
        evs = [e for e in recv.events() if e["job_id"] == job_id]
        eq(len(evs), 1, "events of %s in %r" % (job_id, recv.events()))
        return evs[0]

    def captured(body=None):
        """A real delivery of account "test", as the target server got it:
        (headers, body bytes)."""
        S, T = st["S"], st["T"]
        path = "/capture/%d" % time.monotonic_ns()
        job = S.create({"url": T.url(path), "payload": body or {"n": 1}})
        req = T.wait_hits(path, 1)[0]
        S.wait_status(job["id"], "completed")
        headers = {k: v for k, v in req["headers"].items() if k not in ("host", "content-length")}
        return headers, req["body"]

    @test
    def deliveries_are_verified_and_handled():
        R = st["R"]
        for method, payload in (("POST", {"invoice": 42, "text": "caf\u00e9"}),
                                ("PUT", {"n": 2}), ("GET", None)):
            job = deliver(R, None, {"payload": payload}, method)
            eq((job["status"], job["response_code"]), ("completed", 200),
               "%s delivery: %s" % (method, job["last_error"]))
            ev = event_of(R, job["id"])
            eq(ev["body"], payload if method != "GET" else None, "the payload handled")
            eq(ev["method"], method, "method")
            check(ev["id"], "a webhook-id")

    @test
    def callbacks_are_verified_and_handled():
        R, S, T = st["R"], st["S"], st["T"]
        job = S.create({"url": T.url("/ok"), "callback_url": R.url("/hooks/done")})
        done = dqtest.wait_for(lambda: S.job(job["id"])["callback_status"] == "delivered" and
                               S.job(job["id"]), 30, 0.05, "the callback")
        ev = event_of(R, job["id"])
        eq(ev["path"], "/hooks/done", "path")
        eq((ev["body"]["id"], ev["body"]["status"]), (job["id"], "completed"), "the job object")
        eq(done["status"], "completed", "job")

    @test
    def an_account_signing_with_its_api_key():
        RK, S = st["RK"], st["S"]
        job = deliver(RK, st["keyed_key"], {"payload": {"keyed": True}})
        eq((job["status"], job["response_code"]), ("completed", 200), "delivery: %s" % job)
        eq(event_of(RK, job["id"])["body"], {"keyed": True}, "handled")
        job = S.create({"url": st["T"].url("/ok"), "callback_url": RK.url("/hooks/done")},
                       key=st["keyed_key"])
        dqtest.wait_for(lambda: S.job(job["id"], st["keyed_key"])["callback_status"] ==
                        "delivered", 30, 0.05, "the keyed account's callback")
        eq(event_of(RK, job["id"])["body"]["status"], "completed", "callback handled")

    @test
    def another_accounts_deliveries_are_refused():
        R, S = st["R"], st["S"]
        for key in (S.key2, st["keyed_key"]):
            job = deliver(R, key, {"payload": {"n": 1}})
            eq((job["status"], job["response_code"]), ("failed", 401), "refused: %s" % job)
            eq([e for e in R.events() if e["job_id"] == job["id"]], [], "not handled")

    @test
    def a_repeated_message_is_handled_once():
        R = st["R"]
        headers, body = captured({"order": 7})
        before = len(R.events())
        eq(R.send("POST", HOOK, headers, body), (200, {"ok": True}), "first")
        eq(len(R.events()), before + 1, "handled")
        for _ in range(2):
            status, doc = R.send("POST", HOOK, headers, body)
            eq((status, doc.get("duplicate")), (200, True), "again")
        eq(len(R.events()), before + 1, "handled once")
        eq(R.events()[-1]["id"], headers["webhook-id"], "deduplicated on webhook-id")

    @test
    def altered_messages_are_refused():
        R = st["R"]
        headers, body = captured({"amount": 10})
        before = len(R.events())
        altered = [
            ("body", headers, body.replace(b"10", b"99")),
            ("X-DispatchQ-Signature", dict(headers, **{
                "x-dispatchq-signature": "sha256=" + "0" * 64}), body),
            ("webhook-signature", dict(headers, **{
                "webhook-signature": "v1," + "A" * 43 + "="}), body),
            ("webhook-id", dict(headers, **{"webhook-id": headers["webhook-id"] + "x"}), body),
        ]
        for what, h, b in altered:
            status, doc = R.send("POST", HOOK, h, b)
            eq(status, 401, "altered %s: %r" % (what, doc))
        for missing in ("x-dispatchq-signature", "webhook-id", "webhook-timestamp",
                        "webhook-signature"):
            h = {k: v for k, v in headers.items() if k != missing}
            status, doc = R.send("POST", HOOK, h, body)
            eq(status, 400, "without %s: %r" % (missing, doc))
        eq(len(R.events()), before, "nothing handled")

    @test
    def stale_and_future_timestamps_are_refused():
        R, S = st["R"], st["S"]
        headers, body = captured({"late": True})
        for offset in (-600, 600):
            ts = str(int(time.time()) + offset)
            h = dict(headers, **{
                "webhook-timestamp": ts,
                # correctly signed, so that only the time is wrong
                "webhook-signature": dqtest.webhook_signature(S.secret, headers["webhook-id"],
                                                              ts, body)})
            status, doc = R.send("POST", HOOK, h, body)
            eq(status, 401, "timestamp %+d s: %r" % (offset, doc))
        ts = str(int(time.time()) - 30)
        h = dict(headers, **{"webhook-timestamp": ts, "webhook-signature":
                             dqtest.webhook_signature(S.secret, headers["webhook-id"], ts, body)})
        eq(R.send("POST", HOOK, h, body)[0], 200, "30 s old is fine")

    return dqtest.run(setup)
