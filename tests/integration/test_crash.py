"""
Crash safety: kill -9 of the dispatcher with deliveries in flight, kill -9
of FastCGI workers while creates stream in, and a restart of the whole
stack.  Nothing acknowledged is lost, nothing stays active, and no job is
delivered more often than its attempts say.
"""
import collections
import os
import signal
import threading
import time

from dqtest import Stack, Target, check, eq, run, test, wait_for

T = None


def setup():
    global T
    T = Target()


def by_job(path):
    count = collections.Counter()
    for h in T.hits(path):
        count[h["headers"]["x-dispatchq-job-id"]] += 1
    return count


@test
def dispatcher_kill9_with_200_in_flight_loses_nothing():
    s = Stack(conf={"max_parallel": "256", "max_parallel_per_account": "256"})
    T.on("/inflight", (200, {}, "{}", 1.0))
    ids = []
    for _ in range(2):
        r = s.req("POST", "/v1/jobs/batch",
                  {"jobs": [{"url": T.url("/inflight")} for _ in range(100)]})
        ids += [x["job"]["id"] for x in r.json["data"]]
    wait_for(lambda: T.active >= 150, timeout=10, what="150 deliveries in flight")
    s.procs["dq-dispatcher"].kill9()
    in_flight = T.active
    s.start_dispatcher()
    for i in ids:
        s.wait_status(i, "completed", timeout=30)
    deliveries = by_job("/inflight")
    eq(set(deliveries), set(ids), "every job was delivered")
    dups = sum(deliveries.values()) - len(ids)
    print("# kill -9 with %d deliveries in flight: %d duplicate deliveries" % (
        in_flight, dups))
    for i in ids:
        j = s.job(i)
        att = s.req("GET", "/v1/jobs/%s/attempts" % i).json["data"]
        check(deliveries[i] <= len(att), "%s delivered %d times, %d in its history" % (
            i, deliveries[i], len(att)))
        eq(len([a for a in att if not a["interrupted"]]), j["attempts"],
           "one history entry per counted attempt, the interrupted ones besides")
    q = s.req("GET", "/v1/queues/default").json["counts"]
    eq((q["active"], q["pending"], q["completed"]), (0, 0, 200))
    s.destroy()


@test
def an_interrupted_last_attempt_is_delivered_again():
    # max_attempts 1 and the dispatcher killed during that one attempt: the
    # attempt never got an answer, so it does not count (API.md 5,
    # at-least-once); the history keeps it, marked interrupted.
    s = Stack()
    T.on("/last", (200, {}, "{}", 1.5))
    r = s.req("POST", "/v1/jobs/batch", {"jobs": [
        {"url": T.url("/last"), "max_attempts": 1} for _ in range(20)]})
    ids = [x["job"]["id"] for x in r.json["data"]]
    wait_for(lambda: len(T.hits("/last")) >= 20, timeout=15, what="20 deliveries in flight")
    s.procs["dq-dispatcher"].kill9()
    s.start_dispatcher()
    for i in ids:
        j = s.wait_status(i, ("completed", "failed"), timeout=30)
        eq((j["status"], j["attempts"], j["max_attempts"]), ("completed", 1, 1),
           "%s after its only attempt was interrupted" % i)
        att = s.req("GET", "/v1/jobs/%s/attempts" % i).json["data"]
        eq([(a["attempt"], a["interrupted"]) for a in att], [(1, True), (1, False)],
           "the history of " + i)
        check("interrupted" in att[0]["error"], att[0]["error"])
        eq(att[1]["response_code"], 200)
    eq(collections.Counter(by_job("/last").values()), collections.Counter({2: 20}),
       "each job delivered twice: the interrupted attempt and once more")
    s.destroy()


@test
def worker_kill9_during_creates_loses_no_acknowledged_job():
    s = Stack(workers=3, dispatcher=False)
    acked, errors = [], collections.Counter()
    stop = threading.Event()

    def client():
        while not stop.is_set():
            try:
                r = s.req("POST", "/v1/jobs", {"url": T.url("/never"), "delay": "1h"})
            except Exception:
                errors["connection"] += 1
                continue
            if r.status == 201:
                acked.append(r.json["id"])
            else:
                errors[r.status] += 1

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    kills = 0
    for _ in range(6):
        time.sleep(0.3)
        for pid in s.fcgi_workers()[:1]:
            os.kill(pid, signal.SIGKILL)
            kills += 1
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    print("# %d workers killed, %d creates acknowledged, other answers: %s" % (
        kills, len(acked), dict(errors)))
    check(kills >= 5 and len(acked) > 50, "the test exercised something")
    for i in acked:
        eq(s.req("GET", "/v1/jobs/" + i).status, 200, "acknowledged job %s exists" % i)
    total = s.req("GET", "/v1/jobs?limit=1").json["total"]
    check(total >= len(acked), "list total %d >= %d acknowledged" % (total, len(acked)))
    check(len(s.fcgi_workers()) == 3, "the master replaced the killed workers")
    s.destroy()


@test
def jobs_survive_a_restart_of_the_whole_stack():
    s = Stack()
    T.on("/after-restart", 200)
    done = s.create({"url": T.url("/before-restart")})
    s.wait_status(done["id"], "completed")
    later = s.create({"url": T.url("/after-restart"), "delay": "2s"})
    s.restart()
    eq(s.job(done["id"])["status"], "completed")
    s.wait_status(later["id"], "completed", timeout=10)
    eq(len(T.hits("/after-restart")), 1)
    s.destroy()


if __name__ == "__main__":
    raise SystemExit(run(setup))
