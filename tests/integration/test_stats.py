#!/usr/bin/env python3
"""
API.md 9, activity: GET /v1/stats answers an account's (or one queue's)
created, delivered, failed attempts, failed jobs and lateness per step for
the last hour, day or week, and its jobs by status now.  Counted by the
real dispatcher delivering to a local target; an account's queue series
are bounded per minute (max_stats_queues_per_account).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dqtest import Stack, Target, test, run, check, eq, wait_for  # noqa: E402
from apicommon import check_conventions, check_error, ms  # noqa: E402

S = T = None


def setup():
    global S, T
    T = Target()
    T.on("/bad", 500)
    S = Stack()


def stats(query="", key=None, stack=None):
    r = check_conventions((stack or S).req("GET", "/v1/stats" + query, key=key))
    eq(r.status, 200, repr(r))
    return r.json


def total(series, field):
    return sum(p[field] for p in series)


@test
def the_windows_and_their_steps():
    now = time.time() * 1000
    for q, window, step, n in (("", "1h", 60, 60), ("?window=1h", "1h", 60, 60),
                               ("?window=24h", "24h", 300, 288),
                               ("?window=7d", "7d", 3600, 168)):
        s = stats(q)
        eq((s["window"], s["step_seconds"], len(s["series"])), (window, step, n), q)
        ts = [ms(p["t"]) for p in s["series"]]
        eq([b - a for a, b in zip(ts, ts[1:])], [step * 1000] * (n - 1), "steps " + q)
        check(ts[-1] % (step * 1000) == 0, "aligned")
        check(ts[-1] <= now + 2000 and now < ts[-1] + step * 1000 + 2000,
              "the last step holds now")


@test
def bad_queries_are_refused():
    for q, field in (("?window=2h", "window"), ("?queue=a.b", "queue"),
                     ("?limit=5", "limit"), ("?window=1h&window=7d", "window")):
        check_error(S.req("GET", "/v1/stats" + q), 400, "invalid_query", field)


@test
def deliveries_failures_and_lateness_are_counted():
    ok = [S.create({"url": T.url("/good"), "queue": "st-ok"})["id"] for _ in range(5)]
    bad = [S.create({"url": T.url("/bad"), "queue": "st-bad", "max_attempts": 2})["id"]
           for _ in range(3)]
    for j in ok:
        S.wait_status(j, "completed")
    for j in bad:
        S.wait_status(j, "failed", timeout=20)
    s = stats()
    series = s["series"]
    eq((total(series, "created"), total(series, "delivered"),
        total(series, "failed_attempts"), total(series, "failed_jobs")), (8, 5, 6, 3),
       "the account")
    late = [p["lateness_p99_ms"] for p in series if p["delivered"] or p["failed_attempts"]]
    check(late and all(isinstance(x, int) and x >= 0 for x in late), late)
    quiet = [p for p in series if not p["delivered"] and not p["failed_attempts"]]
    check(all(p["lateness_p99_ms"] is None for p in quiet), "no attempt, no lateness")
    b = stats("?queue=st-bad")["series"]
    eq((total(b, "created"), total(b, "delivered"), total(b, "failed_attempts"),
        total(b, "failed_jobs")), (3, 0, 6, 3), "one queue")
    eq(s["now"]["completed"], 5)
    eq(s["now"]["failed"], 3)
    eq(stats("?queue=st-ok")["now"], {"pending": 0, "awaiting_approval": 0, "active": 0,
                                      "completed": 5, "failed": 0, "cancelled": 0})
    eq(total(stats("?window=24h")["series"], "created"), 8, "the day sums the minutes")
    eq(total(stats("?window=7d")["series"], "failed_jobs"), 3, "and the week")
    other = stats(key=S.key2)
    eq((total(other["series"], "created"), other["now"]["completed"]), (0, 0),
       "another account sees none of it")


@test
def an_account_keeps_a_bounded_number_of_queue_series_a_minute():
    small = Stack(conf={"max_stats_queues_per_account": "2"}, dispatcher=False)
    # one batch is one transaction and one minute: qa and qb get the two
    # series of that minute (in name order), qc and qd count in the account's
    r = small.req("POST", "/v1/jobs/batch", {"jobs": [
        {"url": T.url("/x"), "queue": q, "delay": "1h"} for q in ("qd", "qc", "qb", "qa")]})
    eq(r.status, 200, repr(r))
    eq(total(stats(stack=small)["series"], "created"), 4, "the account counts all four")
    per = {q: total(stats("?queue=" + q, stack=small)["series"], "created")
           for q in ("qa", "qb", "qc", "qd")}
    eq(sum(per.values()), 2, "two queue series in that minute: %r" % per)
    eq(per["qa"] + per["qb"], 2, "the first two by name: %r" % per)


if __name__ == "__main__":
    raise SystemExit(run(setup))
