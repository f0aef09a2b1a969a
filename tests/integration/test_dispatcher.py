"""
The dispatcher as a daemon: it wakes within milliseconds for new work,
refuses private targets (the SSRF guard) unless allowed, reports its
liveness through /healthz, stops gracefully on SIGTERM, runs alone per data
directory, and removes finished jobs after `retention`.
"""
import collections
import signal
import statistics
import subprocess
import time

from dqtest import Proc, Stack, Target, check, eq, run, test, wait_for

T = None


def setup():
    global T
    T = Target()


@test
def new_work_starts_within_milliseconds():
    s = Stack()
    lags = []
    for i in range(20):
        t0 = time.time()
        s.create({"url": T.url("/fast%d" % i)})
        h = T.wait_hits("/fast%d" % i, 1)[0]
        lags.append(h["time"] - t0)
    med = statistics.median(lags)
    print("# create -> delivery: median %.1f ms, max %.1f ms" % (med * 1000, max(lags) * 1000))
    check(med < 0.05, "median create-to-delivery %.1f ms" % (med * 1000))
    s.destroy()


@test
def private_targets_are_refused_at_connect_time():
    s = Stack(conf={"allow_private_targets": "no"})
    port = T.port
    targets = {
        "http://localhost:%d/x" % port: "127.0.0.1",
        "http://127.0.0.2:%d/x" % port: "127.0.0.2",
        "http://[::1]:%d/x" % port: "::1",
        "http://[::ffff:127.0.0.1]:%d/x" % port: "127.0.0.1",
        "http://0.0.0.0:%d/x" % port: "0.0.0.0",
    }
    jobs = {url: s.create({"url": url, "max_attempts": 3}) for url in targets}
    for url, addr in targets.items():
        j = s.wait_status(jobs[url]["id"], "failed", timeout=10)
        eq(j["attempts"], 1, "refused at once, no retries (%s)" % url)
        check(j["last_error"] and "refused" in j["last_error"], j["last_error"])
        check(addr in j["last_error"] or url.startswith("http://localhost"),
              "%s: last_error names the address: %s" % (url, j["last_error"]))
    eq(T.hits("/x"), [], "no request reached the target")
    s.destroy()


@test
def healthz_reports_a_stopped_dispatcher():
    s = Stack()
    r = wait_for(lambda: (lambda r: r.status == 200 and r)(s.req("GET", "/healthz", auth=False)),
                 timeout=5, what="healthy")
    check(r.json["dispatcher"]["alive"] and r.json["dispatcher"]["last_tick_at"], r.json)
    s.stop("dq-dispatcher")
    r = wait_for(lambda: (lambda r: r.status == 503 and r)(s.req("GET", "/healthz", auth=False)),
                 timeout=10, what="503 once the dispatcher stopped")
    eq((r.json["status"], r.json["store"], r.json["dispatcher"]["alive"]),
       ("degraded", "ok", False))
    s.destroy()


@test
def sigterm_lets_deliveries_in_flight_finish():
    s = Stack()
    T.on("/finishing", (200, {}, "{}", 1.0))
    ids = [s.create({"url": T.url("/finishing")})["id"] for _ in range(5)]
    wait_for(lambda: len(T.hits("/finishing")) == 5, what="5 in flight")
    p = s.procs["dq-dispatcher"]
    p.signal(signal.SIGTERM)
    later = s.create({"url": T.url("/after-term")})
    p.p.wait(10)
    eq(p.p.returncode, 0)
    for i in ids:
        eq(s.job(i)["status"], "completed", "finished before exit")
    eq(s.job(later["id"])["status"], "pending", "nothing new claimed while stopping")
    s.start_dispatcher()
    s.wait_status(later["id"], "completed")
    s.destroy()


@test
def one_dispatcher_per_data_dir():
    s = Stack()
    time.sleep(0.3)
    second = subprocess.run([s.bin("dq-dispatcher"), "-c", s.conf_path],
                            capture_output=True, text=True, timeout=10)
    eq(second.returncode, 1)
    check("another dq-dispatcher is running" in second.stderr, second.stderr)
    quiet = subprocess.run([s.bin("dq-dispatcher"), "-q", "-c", s.conf_path],
                           capture_output=True, text=True, timeout=10)
    eq((quiet.returncode, quiet.stdout, quiet.stderr), (0, "", ""), "-q for cron")
    s.destroy()


@test
def two_dispatchers_on_one_store_deliver_each_job_once():
    s = Stack(dispatcher=False)
    T.on("/shared", (200, {}, "{}", 0.02))
    s.req("PUT", "/v1/queues/limited", {"concurrency": 3})
    ids = []
    for queue in ("default", "limited"):
        for _ in range(2):
            r = s.req("POST", "/v1/jobs/batch",
                      {"jobs": [{"url": T.url("/shared"), "queue": queue} for _ in range(100)]})
            ids += [x["job"]["id"] for x in r.json["data"]]
    first = s.start_dispatcher("-m")
    second = Proc("dq-dispatcher-2", [s.bin("dq-dispatcher"), "-m", "-c", s.conf_path],
                  s.log("dq-dispatcher-2"), s.env).start()
    try:
        for i in ids:
            s.wait_status(i, "completed", timeout=30)
    finally:
        second.stop()
    counts = collections.Counter(h["headers"]["x-dispatchq-job-id"] for h in T.hits("/shared"))
    eq(len(counts), len(ids), "every job delivered")
    eq(max(counts.values()), 1, "no job delivered twice")
    check("dispatching" in open(s.log("dq-dispatcher-2")).read(), "the second one ran")
    limited = [h for h in T.hits("/shared") if h["headers"]["x-dispatchq-job-id"] in ids[200:]]
    # "done" is taken after the answer is written, so allow the 10 ms by
    # which the next request may overtake it (as test_queues.py does)
    overlap = max(sum(1 for o in limited if o["time"] <= h["time"] < o["done"] - 0.01)
                  for h in limited)
    check(overlap <= 3, "concurrency 3 held across both dispatchers (saw %d)" % overlap)
    s.destroy()


@test
def connections_are_reused_for_the_same_host():
    s = Stack()
    for i in range(10):
        j = s.create({"url": T.url("/reuse")})
        s.wait_status(j["id"], "completed")
    peers = {h["peer"] for h in T.hits("/reuse")}
    check(len(peers) <= 2, "10 sequential deliveries used %d connections" % len(peers))
    s.destroy()


@test
def a_transfer_carries_nothing_of_the_one_before():
    """One transfer at a time, so each reuses the last one's easy handle:
    its method, body, headers and timeout are its own."""
    s = Stack(conf={"max_parallel": "1"})
    T.on("/slow-a", (200, {}, "{}", 2.5))
    T.on("/slow-b", (200, {}, "{}", 1.5))
    a = s.create({"url": T.url("/first"), "method": "PUT", "payload": {"a": 1},
                  "headers": {"X-Only-First": "yes", "Authorization": "Bearer first"}})
    s.wait_status(a["id"], "completed")
    b = s.create({"url": T.url("/second"), "method": "DELETE"})
    s.wait_status(b["id"], "completed")
    first, second = T.hits("/first")[0], T.hits("/second")[0]
    eq((first["method"], first["headers"].get("x-only-first")), ("PUT", "yes"))
    eq((second["method"], second["body"]), ("DELETE", b""))
    for name in ("x-only-first", "authorization", "content-type", "content-length"):
        check(name not in second["headers"], "%s carried over: %r" % (name, second["headers"]))
    eq(second["headers"]["x-dispatchq-job-id"], b["id"])
    short = s.create({"url": T.url("/slow-a"), "timeout": "1s", "max_attempts": 1})
    s.wait_status(short["id"], "failed", timeout=15)
    longer = s.create({"url": T.url("/slow-b"), "timeout": "5s"})
    s.wait_status(longer["id"], "completed", timeout=15)
    s.destroy()


@test
def retention_removes_finished_jobs():
    s = Stack(conf={"retention": "2s"})
    old = s.create({"url": T.url("/retained")})
    s.wait_status(old["id"], "completed")
    waiting = s.create({"url": T.url("/retained"), "delay": "1h"})
    wait_for(lambda: s.req("GET", "/v1/jobs/" + old["id"]).status == 404, timeout=10,
             what="the finished job to be removed")
    eq(s.req("GET", "/v1/jobs/%s/attempts" % old["id"]).status, 404)
    eq(s.job(waiting["id"])["status"], "pending", "unfinished jobs stay")
    lst = s.req("GET", "/v1/jobs?status=completed").json
    eq(lst["total"], 0, "counters follow")
    s.destroy()


if __name__ == "__main__":
    raise SystemExit(run(setup))
