"""
One account cannot take the dispatcher from another (issue: tenant
fairness): an account has at most max_parallel_per_account transfers in
flight, so another account's jobs start on time while the first one's hang
on a target that never answers; accounts take turns; a transfer that has
received max_response_body stops reading; a disabled account's work is
held, and goes on when it is enabled.
"""
import socket
import threading
import time

from dqtest import Stack, Target, at_exit, check, eq, run, test, ts, wait_for

T = None


def setup():
    global T
    T = Target()


class RawServer:
    """A TCP server on 127.0.0.1 that runs handle(conn) for each connection
    in a thread of its own, and closes every connection when stopped."""

    def __init__(self, handle):
        self.handle = handle
        self.conns = []
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.port = self.sock.getsockname()[1]
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()
        at_exit(self.stop)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def _accept(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conns.append(c)
            threading.Thread(target=self._run, args=(c,), daemon=True).start()

    def _run(self, c):
        try:
            self.handle(c)
        except OSError:
            pass

    def open_connections(self):
        with self.lock:
            return len(self.conns)

    def stop(self):
        self.stopped = True
        self.sock.close()
        with self.lock:
            for c in self.conns:
                try:
                    c.close()
                except OSError:
                    pass


def never_answer(c):
    """Read the request and say nothing, ever (until the test ends)."""
    c.settimeout(None)
    while c.recv(65536):
        pass


def stop_stack(s):
    # SIGTERM would wait for the hanging transfers; nothing to keep here.
    s.procs["dq-dispatcher"].kill9()
    s.destroy()


@test
def one_account_hanging_on_a_target_does_not_delay_another():
    silent = RawServer(never_answer)
    s = Stack(conf={"max_parallel": "256"})         # 64 per account, the default
    ids = []
    for _ in range(3):                              # 300 jobs of A that never end
        r = s.req("POST", "/v1/jobs/batch", {"jobs": [
            {"url": silent.url("/hang"), "timeout": "5m"} for _ in range(100)]})
        eq(r.status, 200, "batch of A")
        ids += [x["job"]["id"] for x in r.json["data"]]
    wait_for(lambda: silent.open_connections() >= 64, timeout=15,
             what="A's transfers in flight")
    time.sleep(1.0)                                 # A has had every chance to take more
    eq(silent.open_connections(), 64, "A holds max_parallel_per_account transfers, no more")
    late = []
    for i in range(20):
        j = s.create({"url": T.url("/b%d" % i)}, key=s.key2)
        h = T.wait_hits("/b%d" % i, 1, timeout=20)[0]
        late.append(h["time"] - ts(j["created_at"]))
        time.sleep(0.05)
    late.sort()
    print("# account B's delivery lateness while A holds 64 hanging transfers "
          "(20 jobs): median %.0f ms, max %.0f ms" % (late[10] * 1000, late[-1] * 1000))
    check(late[-1] < 1.0, "B's jobs started within a second: %r" % late)
    eq(silent.open_connections(), 64, "still 64 of A in flight")
    q = s.req("GET", "/v1/queues/default").json["counts"]
    eq((q["active"], q["pending"]), (64, 236), "A's queue: 64 active, the rest waiting")
    stop_stack(s)
    silent.stop()


@test
def accounts_take_turns_and_a_freed_slot_goes_to_the_next_account():
    # Three accounts with a backlog each on a dispatcher with few slots:
    # every account keeps getting its share while the others have work.
    # The jobs are all stored before the dispatcher starts, so that no
    # account has a head start.
    s = Stack(conf={"max_parallel": "6", "max_parallel_per_account": "4"},
              dispatcher=False)
    keys = [s.key, s.key2, s.add_account("third")[0]]
    T.on("/turn", (200, {}, "{}", 0.2))
    for k in keys:
        r = s.req("POST", "/v1/jobs/batch", {"jobs": [
            {"url": T.url("/turn"), "headers": {"X-Who": k[-6:]}} for _ in range(20)]},
            key=k)
        eq(r.status, 200)
    s.start_dispatcher()
    T.wait_hits("/turn", 60, timeout=60)
    order = [h["headers"]["x-who"] for h in T.hits("/turn")]
    first = order[:30]                  # while every account still has a backlog
    shares = sorted(first.count(k[-6:]) for k in keys)
    print("# deliveries per account among the first 30 of 60: %r" % shares)
    check(shares[0] >= 7, "each account got a fair share early on: %r" % shares)
    eq(T.max_active["/turn"] <= 6, True, "never more than max_parallel at once")
    s.destroy()


def endless_body(c):
    """A 200 whose chunked body never ends (a kilobyte every 10 ms)."""
    c.settimeout(30)
    c.recv(65536)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"400\r\n" + b"x" * 1024 + b"\r\n"
    while True:
        c.sendall(chunk)
        time.sleep(0.01)


@test
def a_transfer_stops_reading_at_max_response_body():
    srv = RawServer(endless_body)
    s = Stack(conf={"max_response_body": "16k"})
    t0 = time.time()
    j = s.create({"url": srv.url("/endless"), "timeout": "30s", "max_attempts": 1})
    done = s.wait_status(j["id"], ("completed", "failed"), timeout=20)
    took = time.time() - t0
    eq((done["status"], done["response_code"]), ("completed", 200),
       "judged on the status: %r" % done.get("last_error"))
    eq(len(done["response_body"]), 16 * 1024, "the body kept is max_response_body")
    check(took < 10, "it did not wait for its timeout: %.1f s" % took)
    s.destroy()
    srv.stop()


@test
def a_disabled_account_is_held_and_resumes_when_enabled():
    s = Stack(conf={"test_clock_file": "/dev/null"})
    set_clock = s.schedule_clock()
    sch = s.req("POST", "/v1/schedules", {"cron": "* * * * *",
                                         "url": T.url("/held-cron")}).json
    first = ts(sch["next_run_at"])
    j = s.create({"url": T.url("/held-job"), "delay": "2s"})
    other = s.create({"url": T.url("/held-other"), "delay": "2s"}, key=s.key2)
    s.ctl("account", "disable", "test")
    eq(s.req("GET", "/v1/jobs").status, 401, "a disabled account's key answers 401")
    set_clock(first + 60 * 3 + 0.5)                 # three firings missed
    T.wait_hits("/held-other", 1, timeout=10)       # the other account goes on
    time.sleep(3)
    eq(T.hits("/held-job"), [], "a disabled account's due job is not delivered")
    eq(T.hits("/held-cron"), [], "nor does its schedule fire")
    s.ctl("account", "enable", "test")
    eq(s.req("GET", "/v1/jobs/" + j["id"]).status, 200, "enabled: the same key works")
    T.wait_hits("/held-job", 1, timeout=15)
    s.wait_status(j["id"], "completed")
    T.wait_hits("/held-cron", 1, timeout=15)
    time.sleep(2)
    eq(len(T.hits("/held-cron")), 1, "the schedule fired once for the window it missed")
    after = s.req("GET", "/v1/schedules/" + sch["id"]).json
    check(ts(after["next_run_at"]) > first + 60 * 3, "and goes on from now: %r" % after)
    s.destroy()


if __name__ == "__main__":
    raise SystemExit(run(setup))
