#!/usr/bin/env python3
"""
API.md 9, ordered queues: "ordered": true delivers one job at a time in
run_at order (ties: creation order), and a job waiting for its retry holds
the queue until it completes, fails or is cancelled.  Against the real
stack: 200 jobs with random delays arrive in order, a failing job holds
the next one, pause, resume and purge keep working, and a dispatcher
killed with SIGKILL in the middle breaks no order.
"""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dqtest import Stack, Target, test, run, check, eq, wait_for  # noqa: E402
from apicommon import check_conventions, check_error, fmt, ms  # noqa: E402

S = T = None


def setup():
    global S, T
    T = Target()
    S = Stack()


def api(method, path, body=None, **kw):
    return check_conventions(S.req(method, path, body, **kw))


def ordered(queue):
    r = api("PUT", "/v1/queues/" + queue, {"ordered": True})
    eq((r.status, r.json["ordered"]), (200, True), repr(r))


def arrivals(path):
    """The job ids that reached path, in the order they arrived."""
    return [h["headers"]["x-dispatchq-job-id"] for h in T.hits(path)]


def no_overlap(path, orphans=()):
    """No request started before the one before it had its answer; but a
    request whose dispatcher was killed (the first of a job in orphans) goes
    on at the target, and dq cannot know when it ends."""
    hits = T.hits(path)
    for j in orphans:
        first = [h for h in hits if h["headers"]["x-dispatchq-job-id"] == j][0]
        hits = [h for h in hits if h is not first]
    for a, b in zip(hits, hits[1:]):
        check(b["time"] >= a["done"] - 0.005,
              "%s started before %s had its answer" % (
                  b["headers"]["x-dispatchq-job-id"], a["headers"]["x-dispatchq-job-id"]))


@test
def the_setting_is_shown_checked_and_changed():
    eq(api("GET", "/v1/queues/plain").json["ordered"], False, "a queue is not ordered")
    check_error(S.req("PUT", "/v1/queues/plain", {"ordered": "yes"}), 400,
                "validation_error", "ordered")
    ordered("plain")
    r = api("PUT", "/v1/queues/plain", {"concurrency": 4})
    eq((r.json["ordered"], r.json["concurrency"]), (True, 4), "other settings keep it")
    eq(api("PUT", "/v1/queues/plain", {"ordered": False}).json["ordered"], False)
    names = {q["name"]: q["ordered"] for q in api("GET", "/v1/queues").json["data"]}
    eq(names.get("plain"), False, "listed with it")


@test
def two_hundred_jobs_with_random_delays_arrive_in_run_at_order():
    ordered("ord200")
    rnd = random.Random(16)
    start = int(time.time() * 1000) + 1500
    # run_at within 3 s; some share a millisecond, to show ties go by creation
    times = [start + rnd.randrange(0, 3000) for _ in range(190)]
    times += [times[7]] * 5 + [times[100]] * 5
    rnd.shuffle(times)
    made = []
    for i in range(0, 200, 100):
        body = {"jobs": [{"url": T.url("/ord200"), "queue": "ord200", "run_at": fmt(t),
                          "payload": {"n": i + k}} for k, t in enumerate(times[i:i + 100])]}
        r = api("POST", "/v1/jobs/batch", body)
        made += [(ms(d["job"]["run_at"]), i + k, d["job"]["id"])
                 for k, d in enumerate(r.json["data"])]
    check(int(time.time() * 1000) < start, "made before the first was due")
    T.wait_hits("/ord200", 200, timeout=60)
    want = [jid for _, _, jid in sorted(made)]
    eq(arrivals("/ord200"), want, "arrival order is (run_at, creation order)")
    eq(T.max_active.get("/ord200"), 1, "one at a time")
    no_overlap("/ord200")


@test
def a_failing_job_holds_the_queue_until_it_completes():
    ordered("hold")
    T.on("/hold-a", 503, 503, 200)          # two failures, then success
    a = S.create({"url": T.url("/hold-a"), "queue": "hold", "max_attempts": 5})
    b = S.create({"url": T.url("/hold-b"), "queue": "hold"})
    S.wait_status(b["id"], "completed", timeout=20)
    a_hits = T.hits("/hold-a")
    eq(len(a_hits), 3, "a was tried three times")
    b_hit = T.hits("/hold-b")[0]
    check(b_hit["time"] >= a_hits[-1]["done"] - 0.005, "b went only after a completed")
    eq(S.job(a["id"])["status"], "completed")


@test
def a_job_that_fails_for_good_then_lets_the_next_go():
    ordered("failq")
    T.on("/fail-a", 500)
    a = S.create({"url": T.url("/fail-a"), "queue": "failq", "max_attempts": 3})
    b = S.create({"url": T.url("/fail-b"), "queue": "failq"})
    S.wait_status(b["id"], "completed", timeout=20)
    eq(S.job(a["id"])["status"], "failed")
    check(T.hits("/fail-b")[0]["time"] >= T.hits("/fail-a")[-1]["done"] - 0.005,
          "b after a's last attempt")


@test
def cancelling_the_retrying_job_lets_the_next_go_at_once():
    ordered("cancelq")
    # Retry-After asks for longer than retry_cap (2 s): a waits 2 s for its retry
    T.on("/cancel-a", (503, {"Retry-After": "30"}, "{}", 0))
    a = S.create({"url": T.url("/cancel-a"), "queue": "cancelq", "max_attempts": 5})
    b = S.create({"url": T.url("/cancel-b"), "queue": "cancelq"})
    T.wait_hits("/cancel-a", 1)
    wait_for(lambda: S.job(a["id"])["status"] == "pending", what="a waits for its retry")
    time.sleep(0.3)
    eq(T.hits("/cancel-b"), [], "b is held behind a")
    t0 = time.time()
    eq(api("POST", "/v1/jobs/%s/cancel" % a["id"]).json["status"], "cancelled")
    T.wait_hits("/cancel-b", 1, timeout=5)
    check(T.hits("/cancel-b")[0]["time"] - t0 < 1.5,
          "b went soon after the cancel, not at a's retry time")
    eq(len(T.hits("/cancel-a")), 1, "a was not tried again")


@test
def a_later_job_due_now_is_not_held_by_one_due_later():
    ordered("notyet")
    later = S.create({"url": T.url("/notyet"), "queue": "notyet", "delay": "1h"})
    now = S.create({"url": T.url("/notyet"), "queue": "notyet"})
    S.wait_status(now["id"], "completed", timeout=10)
    eq(S.job(later["id"])["status"], "pending")


@test
def pause_resume_and_purge_keep_working():
    ordered("pq")
    api("POST", "/v1/queues/pq/pause")
    first = [S.create({"url": T.url("/pq"), "queue": "pq"})["id"] for _ in range(5)]
    eq(api("POST", "/v1/queues/pq/purge").json, {"cancelled": 5})
    ids = [S.create({"url": T.url("/pq"), "queue": "pq"})["id"] for _ in range(10)]
    time.sleep(0.5)
    eq(T.hits("/pq"), [], "nothing while paused")
    api("POST", "/v1/queues/pq/resume")
    T.wait_hits("/pq", 10, timeout=20)
    eq(arrivals("/pq"), ids, "in creation order after resume")
    for j in first:
        eq(S.job(j)["status"], "cancelled")


@test
def a_dispatcher_killed_in_the_middle_breaks_no_order():
    ordered("crashq")
    T.on("/crashq", (200, {}, "{}", 0.15))
    ids = [d["job"]["id"] for d in api("POST", "/v1/jobs/batch", {"jobs": [
        {"url": T.url("/crashq"), "queue": "crashq"} for _ in range(30)]}).json["data"]]
    T.wait_hits("/crashq", 8, timeout=20)
    # kill it while a request is in flight
    wait_for(lambda: T.active > 0, what="a delivery in flight")
    S.procs["dq-dispatcher"].kill9()
    S.start_dispatcher()
    for j in ids:
        S.wait_status(j, "completed", timeout=60)
    got = arrivals("/crashq")
    firsts = list(dict.fromkeys(got))
    eq(firsts, ids, "each job first arrived in creation order")
    repeats = [j for j in set(got) if got.count(j) > 1]
    check(len(repeats) <= 1, "only the interrupted job was sent again: %r" % repeats)
    for j in repeats:   # sent again before the next job
        i = got.index(j)
        eq(got[i + 1], j, "the interrupted job was sent again first")
    no_overlap("/crashq", orphans=repeats)
    out = S.ctl("verify", "--online")
    check("consistent" in out, out)


if __name__ == "__main__":
    raise SystemExit(run(setup))
