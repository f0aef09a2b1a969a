#!/usr/bin/env python3
"""
API.md 4.3 and 4.5-4.7 through nginx: approve, cancel and retry with their
status rules and 409 codes, actions matching the status, a race of parallel
cancels, the attempts history, batch create, and another account's job
answered as a missing one on every route.  The dispatcher runs against a
local target so that jobs really become active, completed and failed.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dqtest import Stack, Target, test, run, check, eq, wait_for  # noqa: E402
from apicommon import (api, use, check_conventions, check_error, check_job, ms, fmt, now_ms,  # noqa: E402
                       parallel)

S = None
T = None
ATTEMPT_KEYS = {"attempt", "interrupted", "started_at", "finished_at", "duration_ms", "response_code",
                "response_body", "error"}
CONFLICT = {"approve": "not_approvable", "cancel": "not_cancellable", "retry": "not_retryable"}
# Jobs in each status, made once by setup() and shared by the tests.
J = {}


def create(body, key=None, status=201):
    r = api("POST", "/v1/jobs", body, key=key)
    eq(r.status, status, repr(r))
    return check_job(r.json)


def act(jid, action, body=None, key=None, **kw):
    return api("POST", "/v1/jobs/%s/%s" % (jid, action), body, key=key, **kw)


def stable(j):
    """The parts of a job that an answer must not change."""
    return {k: v for k, v in j.items() if k != "next_retry_in_seconds"}


def setup():
    global S, T
    T = Target()
    T.on("/fail", (500, {}, '{"reason":"boom"}', 0))
    T.on("/slow", (200, {}, '{"ok":true}', 8))
    S = Stack()
    use(S)
    J["completed"] = create({"url": T.url("/ok")})["id"]
    J["failed"] = create({"url": T.url("/fail"), "max_attempts": 1,
                          "dedupe_key": "failing"})["id"]
    J["active"] = create({"url": T.url("/slow"), "queue": "slow"})["id"]
    J["pending"] = create({"url": T.url("/ok"), "delay": "1h"})["id"]
    J["awaiting_approval"] = create({"url": T.url("/ok"), "requires_approval": True})["id"]
    J["cancelled"] = create({"url": T.url("/ok"), "delay": "1h"})["id"]
    eq(act(J["cancelled"], "cancel").status, 200, "cancel")
    for status in ("completed", "failed", "active"):
        S.wait_status(J[status], status, timeout=10)


# --- wrong status --------------------------------------------------------------------------

@test
def wrong_status_is_409_and_changes_nothing():
    allowed = {"approve": {"awaiting_approval"}, "cancel": {"pending", "awaiting_approval"},
               "retry": {"failed", "cancelled"}}
    S.wait_status(J["active"], "active")
    checked = 0
    for status, jid in sorted(J.items()):
        before = S.job(jid)
        eq(before["status"], status, "setup job %s" % status)
        for action in ("approve", "cancel", "retry"):
            if status in allowed[action]:
                continue
            r = act(jid, action)
            check_error(r, 409, CONFLICT[action])
            after = S.job(jid)
            eq(stable(after), stable(before), "%s of a %s job changed it" % (action, status))
            checked += 1
    eq(checked, 13, "13 refused transitions")
    eq(S.job(J["active"])["status"], "active", "still active: the test saw it active")


# --- approve -------------------------------------------------------------------------

@test
def approve_awaiting_job():
    j = create({"url": T.url("/approved"), "requires_approval": True, "delay": "1h"})
    eq((j["status"], j["approved_at"], j["approved_by"]), ("awaiting_approval", None, None),
       "before")
    t0 = now_ms()
    r = act(j["id"], "approve")
    t1 = now_ms()
    eq(r.status, 200, repr(r))
    a = check_job(r.json, "pending")
    eq(a["actions"], ["cancel"], "actions")
    eq(a["approved_by"], "test", "approved_by defaults to the account name")
    check(t0 - 5 <= ms(a["approved_at"]) <= t1 + 5, "approved_at is now")
    eq(a["run_at"], j["delay_until"], "runs at its delay_until (in the future)")
    eq(a["delay_until"], j["delay_until"], "delay_until kept")
    eq(a["required_approval"], True, "required_approval still mirrors the request")
    eq(stable(S.job(j["id"])), stable(a), "GET shows the approved job")


@test
def approve_with_approved_by_body():
    j = create({"url": T.url("/approved"), "requires_approval": True, "delay": "1h"})
    r = act(j["id"], "approve", {"approved_by": "alice@example.com"})
    eq(r.status, 200, repr(r))
    eq(r.json["approved_by"], "alice@example.com", "approved_by from the body")
    j = create({"url": T.url("/approved"), "requires_approval": True, "delay": "1h"})
    r = act(j["id"], "approve", {})
    eq((r.status, r.json["approved_by"]), (200, "test"), "empty object: the default")
    # a bad body changes nothing
    j = create({"url": T.url("/approved"), "requires_approval": True, "delay": "1h"})
    for bad in ({"approved_by": 5}, {"approved_by": ""}, {"approvedby": "x"},
                {"approved_by": "x" * 256}):
        check_error(act(j["id"], "approve", bad), 400, "validation_error")
    check_error(act(j["id"], "approve", "[1]", headers={"Content-Type": "application/json"}),
                400, "invalid_request")
    check_error(act(j["id"], "approve", "nope", headers={"Content-Type": "application/json"}),
                400, "invalid_request")
    eq(stable(S.job(j["id"])), stable(j), "job unchanged by refused approvals")


@test
def approve_runs_at_max_of_now_and_delay_until():
    past = now_ms() - 3600 * 1000
    j = create({"url": T.url("/approved-now"), "requires_approval": True,
                "run_at": fmt(past)})
    eq(j["delay_until"], fmt(past), "delay_until in the past")
    time.sleep(0.05)
    r = act(j["id"], "approve")
    eq(r.status, 200, repr(r))
    a = check_job(r.json)
    eq(a["run_at"], a["approved_at"], "due now, not in the past")
    check(ms(a["run_at"]) > ms(j["created_at"]), "run_at is the approval time")
    # and it really runs now
    T.wait_hits("/approved-now", 1, timeout=10)
    S.wait_status(j["id"], "completed")
    # approved without any delay: due at approval time
    j = create({"url": T.url("/approved-now2"), "requires_approval": True})
    time.sleep(0.05)
    a = act(j["id"], "approve").json
    eq(a["run_at"], a["approved_at"], "run_at = approved_at")
    S.wait_status(j["id"], "completed")


# --- cancel -----------------------------------------------------------------------------

@test
def cancel_pending_and_awaiting():
    for body in ({"url": T.url("/c"), "delay": "1h"},
                 {"url": T.url("/c"), "requires_approval": True},
                 {"url": T.url("/c"), "requires_approval": True, "delay": "2h"}):
        j = create(body)
        t0 = now_ms()
        r = act(j["id"], "cancel")
        t1 = now_ms()
        eq(r.status, 200, repr(r))
        c = check_job(r.json, "cancelled")
        eq(c["actions"], ["retry"], "actions")
        check(t0 - 5 <= ms(c["finished_at"]) <= t1 + 5, "finished_at is now")
        eq(stable(S.job(j["id"])), stable(c), "GET shows it")
    time.sleep(0.3)
    eq(T.hits("/c"), [], "a cancelled job is never delivered")


@test
def cancel_while_waiting_for_retry():
    T.on("/flaky", (500, {}, '{"no":1}', 0))
    j = create({"url": T.url("/flaky"), "max_attempts": 5})
    T.wait_hits("/flaky", 1)
    w = wait_for(lambda: (lambda x: x["status"] == "pending" and x["attempts"] >= 1 and x)(
        S.job(j["id"])), 10, 0.02, "waiting for a retry")
    eq(w["run_at"], w["next_retry_at"], "run_at while waiting for a retry")
    check(0 <= w["next_retry_in_seconds"] <= 2, "next_retry_in_seconds %r" % w)
    eq(w["actions"], ["cancel"], "cancellable while waiting")
    r = act(j["id"], "cancel")
    if r.status == 409:         # it was active again just then: wait for the next wait
        w = wait_for(lambda: (lambda x: x["status"] == "pending" and x)(S.job(j["id"])), 10,
                     0.01, "waiting for a retry")
        r = act(j["id"], "cancel")
    eq(r.status, 200, "cancel during a retry wait: %r" % r)
    c = check_job(r.json, "cancelled")
    check(c["attempts"] >= w["attempts"], "attempts kept")
    n = len(T.hits("/flaky"))
    time.sleep(2.5)             # retry_cap is 2 s
    eq(len(T.hits("/flaky")), n, "no delivery after cancel")
    eq(S.job(j["id"])["status"], "cancelled", "still cancelled")


@test
def parallel_cancels_one_wins():
    j = create({"url": T.url("/race"), "delay": "1h"})
    rs = parallel(20, lambda i: S.req("POST", "/v1/jobs/%s/cancel" % j["id"]))
    statuses = sorted(r.status for r in rs)
    eq(statuses, [200] + [409] * 19, "one 200, 19 409")
    for r in rs:
        check_conventions(r)
        if r.status == 409:
            eq(r.error["code"], "not_cancellable", "code")
    won = [r for r in rs if r.status == 200][0].json
    eq(stable(S.job(j["id"])), stable(won), "the job as the winner left it")


@test
def parallel_approves_and_cancels():
    # Whichever comes first, exactly one cancel applies (to the awaiting or, after
    # an approval, to the pending job), at most one approve, and it ends cancelled.
    j = create({"url": T.url("/race"), "delay": "1h", "requires_approval": True})
    rs = parallel(20, lambda i: S.req("POST", "/v1/jobs/%s/%s" %
                                      (j["id"], ("approve", "cancel")[i % 2])))
    ok = {"approve": 0, "cancel": 0}
    for i, r in enumerate(rs):
        action = ("approve", "cancel")[i % 2]
        if r.status == 200:
            ok[action] += 1
        else:
            check_error(r, 409, CONFLICT[action])
    eq(ok["cancel"], 1, "exactly one cancel applied")
    check(ok["approve"] <= 1, "at most one approve applied: %r" % ok)
    final = S.job(j["id"])
    eq(final["status"], "cancelled", "ends cancelled")
    eq(final["approved_at"] is not None, ok["approve"] == 1, "approved_at iff approved")


# --- retry ---------------------------------------------------------------------------------

@test
def retry_failed_job():
    f = S.job(J["failed"])
    eq((f["attempts"], f["response_code"], f["actions"]), (1, 500, ["retry"]), "failed job")
    check(f["last_error"], "last_error set")
    T.on("/fail", (500, {}, '{"reason":"boom"}', 1.5))   # slow down the next attempt
    t0 = now_ms()
    r = act(J["failed"], "retry")
    eq(r.status, 200, repr(r))
    p = check_job(r.json, "pending")
    eq((p["attempts"], p["retries_remaining"], p["actions"]), (0, 1, ["cancel"]), "reset")
    check(ms(p["run_at"]) >= t0 - 5 and ms(p["run_at"]) <= now_ms() + 5, "due now")
    eq((p["response_code"], p["last_error"], p["response_body"]),
       (f["response_code"], f["last_error"], f["response_body"]),
       "result fields kept until the next attempt")
    eq(p["id"], J["failed"], "the same job")
    S.wait_status(J["failed"], "active")
    S.wait_status(J["failed"], "failed", timeout=10)
    T.on("/fail", (500, {}, '{"reason":"boom"}', 0))


@test
def retry_cancelled_job():
    t0 = now_ms()
    r = act(J["cancelled"], "retry")
    eq(r.status, 200, repr(r))
    p = check_job(r.json, "pending")
    eq(p["attempts"], 0, "attempts 0")
    check(t0 - 5 <= ms(p["run_at"]) <= now_ms() + 5, "due now, not at the old delay")
    # it runs now
    S.wait_status(J["cancelled"], "completed")
    J["cancelled"] = create({"url": T.url("/ok"), "delay": "1h"})["id"]
    eq(act(J["cancelled"], "cancel").status, 200, "a new cancelled job")


@test
def dedupe_key_of_a_failed_job_does_not_block():
    eq(S.job(J["failed"])["dedupe_key"], "failing", "failed job has the key")
    r = api("POST", "/v1/jobs", {"url": T.url("/ok"), "dedupe_key": "failing",
                                 "delay": "1h"})
    eq((r.status, r.json["deduplicated"]), (201, False), "a failed job does not dedupe")
    check(r.json["id"] != J["failed"], "new job")
    r2 = api("POST", "/v1/jobs", {"url": T.url("/ok"), "dedupe_key": "failing"})
    eq((r2.status, r2.json["id"]), (200, r.json["id"]), "the new pending job does")


@test
def actions_always_match_status():
    r = api("GET", "/v1/jobs?limit=100")
    eq(r.status, 200, repr(r))
    seen = set()
    for j in r.json["data"]:
        check_job(j)            # asserts actions for the status
        seen.add(j["status"])
    for status in ("pending", "awaiting_approval", "completed", "failed", "cancelled"):
        check(status in seen, "a %s job was listed" % status)


# --- attempts ---------------------------------------------------------------------------------

@test
def attempts_of_a_new_job_is_empty():
    j = create({"url": T.url("/ok"), "delay": "1h"})
    r = api("GET", "/v1/jobs/%s/attempts" % j["id"])
    eq((r.status, r.json), (200, {"data": [], "total": 0, "omitted": 0}),
       "no attempts yet")


@test
def attempts_history_shape_and_order():
    r = api("GET", "/v1/jobs/%s/attempts" % J["completed"])
    eq(r.status, 200, repr(r))
    eq(list(r.json), ["data", "total", "omitted"], "keys")
    eq((r.json["total"], r.json["omitted"]), (1, 0), "one made, none omitted")
    eq(len(r.json["data"]), 1, "one attempt")
    a = r.json["data"][0]
    eq(set(a), ATTEMPT_KEYS, "attempt keys")
    eq((a["attempt"], a["response_code"], a["response_body"], a["error"]),
       (1, 200, {"ok": True}, None), "a successful attempt")
    check(ms(a["started_at"]) <= ms(a["finished_at"]), "times")
    check(isinstance(a["duration_ms"], int) and a["duration_ms"] >= 0, "duration_ms")
    # the failed job was retried once: two attempts, both kept, in order
    S.wait_status(J["failed"], "failed")
    r = api("GET", "/v1/jobs/%s/attempts" % J["failed"])
    data = r.json["data"]
    # two attempts, both kept, in order; "attempt" counts like X-DispatchQ-Attempt
    # (from 1 again after a retry) or through the job's whole life
    check([x["attempt"] for x in data] in ([1, 1], [1, 2]),
          "every attempt ever made, in order: %r" % data)
    for x in data:
        eq(set(x), ATTEMPT_KEYS, "attempt keys")
        eq((x["response_code"], x["response_body"]), (500, {"reason": "boom"}), "failure")
        check(x["error"], "error text on a failed attempt")
    check(ms(data[0]["finished_at"]) <= ms(data[1]["started_at"]), "in time order")
    j = S.job(J["failed"])
    eq((j["started_at"], j["finished_at"], j["duration_ms"]),
       (data[1]["started_at"], data[1]["finished_at"], data[1]["duration_ms"]),
       "the job describes the latest attempt")


# --- batch -------------------------------------------------------------------------------------

def batch(jobs, key=None):
    return api("POST", "/v1/jobs/batch", {"jobs": jobs}, key=key)


def count(queue):
    r = api("GET", "/v1/jobs?limit=1&queue=" + queue)
    return r.json["total"]


@test
def batch_results_in_order_with_dedupe_and_errors():
    existing = create({"url": T.url("/b"), "delay": "1h", "dedupe_key": "b-existing",
                       "queue": "batch"})
    jobs = [
        {"url": T.url("/b"), "delay": "1h", "queue": "batch", "payload": {"i": 0}},
        {"url": T.url("/b"), "delay": "1h", "queue": "batch", "dedupe_key": "b-1"},
        {"url": "ftp://nope", "queue": "batch"},
        {"url": T.url("/b"), "delay": "1h", "queue": "batch", "dedupe_key": "b-1"},
        {"url": T.url("/b"), "queue": "batch", "dedupe_key": "b-existing"},
        {"queue": "batch"},
        "not an object",
        {"url": T.url("/b"), "delay": "99y", "queue": "batch"},
        {"url": T.url("/b"), "requires_approval": True, "queue": "batch"},
        {"url": T.url("/b"), "delay": "1h", "queue": "batch", "bogus": 1},
    ]
    r = batch(jobs)
    eq(r.status, 200, repr(r))
    eq(list(r.json), ["data"], "keys")
    d = r.json["data"]
    eq([x["status"] for x in d], [201, 201, 400, 200, 200, 400, 400, 400, 201, 400],
       "per-item statuses in order")
    for x in d:
        if x["status"] in (200, 201):
            eq(set(x), {"status", "job"}, "a created item")
            check_job(x["job"])
            eq(x["job"]["deduplicated"], x["status"] == 200, "deduplicated flag")
        else:
            eq(set(x), {"status", "error"}, "a refused item")
            check({"code", "message"} <= set(x["error"]), "error object %r" % x["error"])
    eq(d[0]["job"]["payload"], {"i": 0}, "item 0")
    eq(d[3]["job"]["id"], d[1]["job"]["id"], "dedupe inside the batch")
    eq(d[4]["job"]["id"], existing["id"], "dedupe against an earlier job")
    eq(d[8]["job"]["status"], "awaiting_approval", "item 8")
    eq(d[2]["error"]["code"], "validation_error", "bad url")
    eq([x.get("field") for x in d[2]["error"]["details"]], ["url"], "field")
    eq(d[5]["error"]["code"], "missing_field", "missing url")
    eq(d[6]["error"]["code"], "invalid_request", "not an object")
    eq(d[7]["error"]["code"], "invalid_delay", "bad delay")
    eq(d[9]["error"]["code"], "validation_error", "unknown field")
    eq(count("batch"), 1 + 3, "three new jobs stored, plus the earlier one")
    for x in d:
        if x["status"] == 201:
            eq(S.job(x["job"]["id"])["id"], x["job"]["id"], "stored")


@test
def batch_sizes():
    before = count("bsize")
    for n in (0, 101):
        r = batch([{"url": T.url("/b"), "delay": "1h", "queue": "bsize"}] * n)
        check_error(r, 400, "validation_error", "jobs")
    check_error(api("POST", "/v1/jobs/batch", {}), 400, "missing_field", "jobs")
    r = api("POST", "/v1/jobs/batch", {"jobs": None})
    check_error(r, 400, r.error.get("code"), "jobs")
    check(r.error["code"] in ("missing_field", "validation_error"), "jobs: null %r" % r)
    for body in ({"jobs": "x"}, {"jobs": {"url": T.url("/b")}},
                 {"jobs": [{"url": T.url("/b")}], "extra": 1}):
        check_error(api("POST", "/v1/jobs/batch", body), 400, "validation_error")
    eq(count("bsize"), before, "refused batches create nothing")
    r = batch([{"url": T.url("/b"), "delay": "1h", "queue": "bsize"}])
    eq((r.status, [x["status"] for x in r.json["data"]]), (200, [201]), "one item")
    r = batch([{"url": T.url("/b"), "delay": "1h", "queue": "bsize", "payload": {"i": i}}
               for i in range(100)])
    eq(r.status, 200, repr(r))
    eq([x["status"] for x in r.json["data"]], [201] * 100, "100 items")
    eq([x["job"]["payload"]["i"] for x in r.json["data"]], list(range(100)), "in order")
    eq(len({x["job"]["id"] for x in r.json["data"]}), 100, "100 ids")
    eq(count("bsize"), before + 101, "all stored")


@test
def batch_all_invalid_creates_nothing():
    r = batch([{"url": "nope", "queue": "ball"}, {"max_attempts": 0, "queue": "ball"}])
    eq(r.status, 200, repr(r))
    eq([x["status"] for x in r.json["data"]], [400, 400], "both refused")
    eq(count("ball"), 0, "nothing stored")


# --- other account ---------------------------------------------------------------------------

@test
def other_accounts_job_is_404_everywhere():
    for status, jid in sorted(J.items()):
        before = S.job(jid)
        for method, path in (("GET", "/v1/jobs/%s"), ("GET", "/v1/jobs/%s/attempts"),
                             ("POST", "/v1/jobs/%s/approve"), ("POST", "/v1/jobs/%s/cancel"),
                             ("POST", "/v1/jobs/%s/retry")):
            r = api(method, path % jid, key=S.key2)
            check_error(r, 404, "not_found")
            missing = api(method, path % "job_ZZZZZZZZZZZZZZZZ", key=S.key2)
            check_error(missing, 404, "not_found")
            eq(r.error["message"], missing.error["message"], "answered exactly as a missing one")
        r = api("POST", "/v1/jobs/%s/approve" % jid, {"approved_by": "x"}, key=S.key2)
        check_error(r, 404, "not_found")
        eq(stable(S.job(jid)), stable(before), "%s job untouched" % status)
    for bad in ("nope", "job_short", "job_" + "A" * 17, "JOB_AAAAAAAAAAAAAAAA",
                "job_AAAAAAAA%2FAAAAAAA"):
        check_error(api("GET", "/v1/jobs/" + bad), 404, "not_found")
        check_error(api("POST", "/v1/jobs/%s/cancel" % bad), 404, "not_found")


if __name__ == "__main__":
    sys.exit(run(setup))
