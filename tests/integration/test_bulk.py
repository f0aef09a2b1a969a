#!/usr/bin/env python3
"""
API.md 9: POST /v1/jobs/bulk (retry, cancel, approve and delete the jobs of
a filter, 1,000 a call, continued with a cursor) and DELETE /v1/jobs/{id},
against the real stack: counts, cursors over more than one call, the
filters' bounds, skipped jobs, bad requests that change nothing, and what
a delete takes with it (attempts, dedupe key, idempotency record, indexes
and counters: dqctl verify finds the store consistent after each test).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dqtest import Stack, Target, test, run, check, eq, wait_for  # noqa: E402
from apicommon import check_conventions, check_error, fmt, ms  # noqa: E402

S = T = None


def setup():
    global S, T
    T = Target()
    T.on("/fail", (500, {}, '{"no":1}', 0))
    S = Stack()


def api(method, path, body=None, **kw):
    return check_conventions(S.req(method, path, body, **kw))


def bulk(body, key=None, status=200):
    r = api("POST", "/v1/jobs/bulk", body, key=key)
    eq(r.status, status, repr(r))
    return r.json


def bulk_all(body, key=None):
    """Follow next_cursor to the end: (calls, matched, changed, skipped)."""
    calls = matched = changed = skipped = 0
    cursor = None
    while True:
        b = dict(body, cursor=cursor) if cursor else body
        out = bulk(b, key=key)
        calls += 1
        check(out["matched"] <= 1000, "a call matched more than 1000: %r" % out)
        eq(out["matched"], out["changed"] + out["skipped"], "matched = changed + skipped")
        matched += out["matched"]
        changed += out["changed"]
        skipped += out["skipped"]
        cursor = out["next_cursor"]
        if cursor is None:
            return calls, matched, changed, skipped


def counts(queue, key=None):
    r = api("GET", "/v1/queues/" + queue, key=key)
    return r.json["counts"]


def batch(n, key=None, **fields):
    """n jobs made through the batch route; their ids, oldest first."""
    ids = []
    while n > 0:
        k = min(n, 100)
        r = api("POST", "/v1/jobs/batch", {"jobs": [dict(fields) for _ in range(k)]},
                key=key)
        eq(r.status, 200, repr(r))
        ids += [item["job"]["id"] for item in r.json["data"]]
        n -= k
    return ids


def verify():
    """Indexes and counters agree with the jobs (dq runs: --online, and the
    caller lets no job move meanwhile, or the walk would see it twice)."""
    out = S.ctl("verify", "--online")
    check("consistent" in out, "dqctl verify: %s" % out)


@test
def bad_requests_are_refused_and_change_nothing():
    batch(3, url=T.url("/x"), queue="bad-q", requires_approval=True)
    for body, code, field in (
            ({"action": "cancel", "filter": {}}, "validation_error", "filter"),
            ({"action": "cancel", "filter": {"status": None}}, "validation_error", "filter"),
            ({"action": "cancel"}, "missing_field", "filter"),
            ({"filter": {"queue": "bad-q"}}, "missing_field", "action"),
            ({"action": "explode", "filter": {"queue": "bad-q"}}, "validation_error", "action"),
            ({"action": "cancel", "filter": {"queue": "bad q"}}, "validation_error",
             "filter.queue"),
            ({"action": "cancel", "filter": {"status": "done"}}, "validation_error",
             "filter.status"),
            ({"action": "cancel", "filter": {"colour": "red"}}, "validation_error",
             "filter.colour"),
            ({"action": "cancel", "filter": {"created_after": "yesterday"}},
             "validation_error", "filter.created_after"),
            ({"action": "cancel", "filter": {"ids": []}}, "validation_error", "filter.ids"),
            ({"action": "cancel", "filter": {"ids": ["job_x"]}}, "validation_error",
             "filter.ids[0]"),
            ({"action": "cancel", "filter": {"ids": ["job_%016d" % i for i in range(1001)]}},
             "validation_error", "filter.ids"),
            ({"action": "cancel", "filter": {"queue": "bad-q"}, "approved_by": "al"},
             "validation_error", "approved_by"),
            ({"action": "approve", "filter": {"queue": "bad-q"}, "approved_by": ""},
             "validation_error", "approved_by"),
            ({"action": "cancel", "filter": {"queue": "bad-q"}, "limit": 5},
             "validation_error", "limit"),
            ({"action": "cancel", "filter": {"queue": "bad-q"}, "cursor": "eyJ.x"},
             "validation_error", "cursor")):
        check_error(S.req("POST", "/v1/jobs/bulk", body), 400, code, field)
    check_error(S.req("POST", "/v1/jobs/bulk", "[1]", headers={"Content-Type":
                                                              "application/json"}),
                400, "invalid_request")
    check_error(S.req("POST", "/v1/jobs/bulk", "", headers={"Content-Type":
                                                           "application/json"}),
                400, "missing_body")
    eq(counts("bad-q")["awaiting_approval"], 3, "nothing changed")


@test
def approve_cancel_delete_thousands_through_cursors():
    # 2,300 jobs waiting for approval in a paused queue: three calls each.
    api("POST", "/v1/queues/big/pause")
    ids = batch(2300, url=T.url("/big"), queue="big", requires_approval=True)
    calls, matched, changed, skipped = bulk_all(
        {"action": "approve", "filter": {"queue": "big", "status": "awaiting_approval"},
         "approved_by": "reviewer"})
    eq((calls, matched, changed, skipped), (3, 2300, 2300, 0), "approve")
    c = counts("big")
    eq((c["pending"], c["awaiting_approval"]), (2300, 0), "all approved")
    j = S.job(ids[1234])
    eq((j["status"], j["approved_by"]), ("pending", "reviewer"), "approved_by")
    # no status filter: every job of the queue matches, once
    calls, matched, changed, skipped = bulk_all({"action": "cancel",
                                                 "filter": {"queue": "big"}})
    eq((calls, matched, changed, skipped), (3, 2300, 2300, 0), "cancel")
    eq(counts("big")["cancelled"], 2300)
    eq(T.hits("/big"), [], "a paused queue delivered nothing")
    calls, matched, changed, skipped = bulk_all(
        {"action": "delete", "filter": {"queue": "big", "status": "cancelled"}})
    eq((matched, changed), (2300, 2300), "delete")
    eq(sum(counts("big").values()), 0, "the queue's counts are back to 0")
    r = api("GET", "/v1/jobs?queue=big")
    eq((r.json["total"], r.json["data"]), (0, []), "nothing listed")
    check_error(S.req("GET", "/v1/jobs/" + ids[0]), 404, "not_found")
    verify()


@test
def a_cursor_goes_with_its_action_filter_and_account():
    api("POST", "/v1/queues/cur/pause")
    batch(1200, url=T.url("/cur"), queue="cur", requires_approval=True)
    body = {"action": "approve", "filter": {"queue": "cur"}}
    first = bulk(body)
    eq((first["matched"], first["changed"]), (1000, 1000))
    cur = first["next_cursor"]
    check(cur, "a cursor for the rest")
    check_error(S.req("POST", "/v1/jobs/bulk", {"action": "cancel", "filter":
                {"queue": "cur"}, "cursor": cur}), 400, "validation_error", "cursor")
    check_error(S.req("POST", "/v1/jobs/bulk", {"action": "approve", "filter":
                {"queue": "other"}, "cursor": cur}), 400, "validation_error", "cursor")
    check_error(S.req("POST", "/v1/jobs/bulk", dict(body, cursor=cur), key=S.key2),
                400, "validation_error", "cursor")
    tampered = cur[:-2] + ("A" if cur[-2] != "A" else "B") + cur[-1]
    check_error(S.req("POST", "/v1/jobs/bulk", dict(body, cursor=tampered)),
                400, "validation_error", "cursor")
    # a job created meanwhile is newer than where the run started: left alone
    late = S.create({"url": T.url("/cur"), "queue": "cur", "requires_approval": True})
    rest = bulk({"action": "approve", "cursor": cur})    # the cursor's own filter
    eq((rest["matched"], rest["changed"], rest["next_cursor"]), (200, 200, None))
    eq(S.job(late["id"])["status"], "awaiting_approval", "the late job")
    eq(counts("cur")["pending"], 1200)


@test
def skipped_jobs_are_those_whose_status_does_not_allow_it():
    done = [S.create({"url": T.url("/ok"), "queue": "mix"})["id"] for _ in range(3)]
    for j in done:
        S.wait_status(j, "completed")
    api("POST", "/v1/queues/mix/pause")     # what is retried below stays pending
    batch(4, url=T.url("/ok"), queue="mix", delay="1h")
    batch(2, url=T.url("/ok"), queue="mix", requires_approval=True)
    out = bulk({"action": "cancel", "filter": {"queue": "mix"}})
    eq((out["matched"], out["changed"], out["skipped"], out["next_cursor"]),
       (9, 6, 3, None), "cancel: pending and awaiting change, completed are skipped")
    out = bulk({"action": "approve", "filter": {"queue": "mix"}})
    eq((out["matched"], out["changed"], out["skipped"]), (9, 0, 9), "nothing to approve")
    out = bulk({"action": "retry", "filter": {"queue": "mix", "status": "cancelled"}})
    eq((out["matched"], out["changed"]), (6, 6), "retry the cancelled")
    out = bulk({"action": "delete", "filter": {"queue": "mix"}})
    eq((out["matched"], out["changed"], out["skipped"]), (9, 3, 6),
       "delete takes the completed, not the pending")
    verify()


@test
def created_after_and_before_are_exclusive_bounds():
    api("POST", "/v1/queues/span/pause")
    groups = []
    for _ in range(3):
        groups.append([S.create({"url": T.url("/s"), "queue": "span"}) for _ in range(4)])
        time.sleep(0.05)
    lo = ms(groups[1][0]["created_at"])
    hi = ms(groups[1][-1]["created_at"])
    out = bulk({"action": "cancel", "filter": {
        "queue": "span", "created_after": fmt(lo - 1), "created_before": fmt(hi + 1)}})
    eq(out["changed"], 4, "the middle group, bounds just outside it")
    for j in groups[1]:
        eq(S.job(j["id"])["status"], "cancelled")
    for j in groups[0] + groups[2]:
        eq(S.job(j["id"])["status"], "pending", "outside the bounds")
    out = bulk({"action": "cancel", "filter": {
        "queue": "span", "created_after": groups[2][-1]["created_at"]}})
    eq(out["matched"], 0, "after the newest: exclusive")
    out = bulk({"action": "cancel", "filter": {"created_before": groups[0][0]["created_at"],
                                                "queue": "span"}})
    eq(out["matched"], 0, "before the oldest: exclusive")


@test
def ids_are_matched_with_the_rest_of_the_filter():
    mine = batch(5, url=T.url("/i"), queue="ids-q", delay="1h")
    theirs = batch(1, key=S.key2, url=T.url("/i"), queue="ids-q", delay="1h")
    unknown = "job_" + "Z" * 16
    out = bulk({"action": "cancel", "filter": {"ids": mine[:3] + theirs + [unknown]}})
    eq((out["matched"], out["changed"], out["next_cursor"]), (3, 3, None),
       "only this account's, known jobs")
    out = bulk({"action": "cancel", "filter": {"ids": mine, "status": "pending"}})
    eq((out["matched"], out["changed"]), (2, 2), "ids and status together")
    eq(S.job(theirs[0], key=S.key2)["status"], "pending", "another account's untouched")
    check_error(S.req("POST", "/v1/jobs/bulk", {"action": "cancel", "filter": {"ids": mine},
                                                "cursor": "x"}),
                400, "validation_error", "cursor")


@test
def retry_after_an_outage_delivers_them_again():
    T.on("/outage", (500, {}, "{}", 0))
    ids = batch(20, url=T.url("/outage"), queue="outage", max_attempts=1)
    for j in ids:
        S.wait_status(j, "failed")
    T.on("/outage", (200, {}, "{}", 0))
    out = bulk({"action": "retry", "filter": {"queue": "outage", "status": "failed"}})
    eq((out["matched"], out["changed"]), (20, 20))
    for j in ids:
        S.wait_status(j, "completed", timeout=10)
    eq(len({h["headers"]["x-dispatchq-job-id"] for h in T.hits("/outage")}), 20)


@test
def bulk_by_schedule():
    sch = api("POST", "/v1/schedules", {"cron": "0 0 1 1 *", "url": T.url("/sch"),
                                        "paused": True}).json
    out = bulk({"action": "cancel", "filter": {"schedule_id": sch["id"]}})
    eq((out["matched"], out["next_cursor"]), (0, None), "a schedule without jobs")
    check_error(S.req("POST", "/v1/jobs/bulk", {"action": "cancel", "filter":
                {"schedule_id": "sch_nope"}}), 400, "validation_error", "filter.schedule_id")


@test
def delete_takes_a_finished_job_with_everything_it_left():
    j = S.create({"url": T.url("/fail"), "max_attempts": 2, "dedupe_key": "del-me"},
                 headers={"Idempotency-Key": "del-key"})
    S.wait_status(j["id"], "failed")
    eq(len(api("GET", "/v1/jobs/%s/attempts" % j["id"]).json["data"]), 2)
    check_error(S.req("DELETE", "/v1/jobs/" + j["id"], key=S.key2), 404, "not_found")
    r = api("DELETE", "/v1/jobs/" + j["id"])
    eq((r.status, r.json), (200, {"id": j["id"], "deleted": True}))
    check_error(S.req("GET", "/v1/jobs/" + j["id"]), 404, "not_found")
    check_error(S.req("GET", "/v1/jobs/%s/attempts" % j["id"]), 404, "not_found")
    check_error(S.req("DELETE", "/v1/jobs/" + j["id"]), 404, "not_found")
    # its keys find nothing now: the same create makes a new job
    again = S.create({"url": T.url("/fail"), "max_attempts": 2, "dedupe_key": "del-me"},
                     headers={"Idempotency-Key": "del-key"})
    check(again["id"] != j["id"] and not again["deduplicated"], "a new job: %r" % again)
    S.wait_status(again["id"], "failed")
    verify()


@test
def only_finished_jobs_can_be_deleted():
    pending = S.create({"url": T.url("/x"), "delay": "1h"})
    waiting = S.create({"url": T.url("/x"), "requires_approval": True})
    for j in (pending, waiting):
        check_error(S.req("DELETE", "/v1/jobs/" + j["id"]), 409, "not_deletable")
        eq(S.job(j["id"])["status"], j["status"], "unchanged")
    check_error(S.req("DELETE", "/v1/jobs/job_" + "0" * 16), 404, "not_found")
    check_error(S.req("DELETE", "/v1/jobs/nonsense"), 404, "not_found")
    api("POST", "/v1/jobs/%s/cancel" % pending["id"])
    eq(api("DELETE", "/v1/jobs/" + pending["id"]).status, 200, "cancelled: deletable")


@test
def bulk_delete_frees_dedupe_keys_too():
    ids = [S.create({"url": T.url("/x"), "queue": "dk", "delay": "1h",
                     "dedupe_key": "dk-%d" % i})["id"] for i in range(5)]
    bulk({"action": "cancel", "filter": {"queue": "dk"}})
    out = bulk({"action": "delete", "filter": {"queue": "dk"}})
    eq(out["changed"], 5)
    fresh = S.create({"url": T.url("/x"), "queue": "dk", "delay": "1h", "dedupe_key": "dk-0"})
    check(fresh["id"] not in ids, "dk-0 names no deleted job")
    verify()


if __name__ == "__main__":
    raise SystemExit(run(setup))
