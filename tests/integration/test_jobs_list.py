#!/usr/bin/env python3
"""
API.md 4.4 through nginx: GET /v1/jobs newest first, limit and offset,
the status / queue / schedule_id filters and their totals, next_cursor
paging over 250 jobs while new ones arrive, invalid_query answers, and
account isolation.  No dispatcher runs, so statuses stay as set here.
"""
import base64
import os
import sys
import time
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dqtest import Stack, test, run, check, eq  # noqa: E402
from apicommon import api, use, check_conventions, check_error, check_job, ms  # noqa: E402

S = None
URL = "http://127.0.0.1:9/hook"
# What setup() made in account "test", by (queue, status): newest last.
MADE = []
OTHER = []
SCHED = "sch_AAAAAAAAAAAAAAAA"


def create(body, key=None):
    r = api("POST", "/v1/jobs", body, key=key)
    eq(r.status, 201, repr(r))
    return r.json


def lst(key=None, **params):
    r = api("GET", "/v1/jobs" + ("?" + urlencode(params) if params else ""), key=key)
    eq(r.status, 200, "list %r: %r" % (params, r))
    j = r.json
    eq(set(j), {"data", "total", "limit", "offset", "next_cursor"}, "list keys")
    for job in j["data"]:
        check_job(job)
    return j


def setup():
    global S
    S = Stack(dispatcher=False)
    use(S)
    # 12 jobs over two queues and three statuses, each in its own millisecond
    plan = [("qa", "pending"), ("qa", "awaiting_approval"), ("qb", "pending"),
            ("qa", "cancelled"), ("qb", "awaiting_approval"), ("qa", "pending"),
            ("qb", "cancelled"), ("qb", "pending"), ("qa", "awaiting_approval"),
            ("qa", "pending"), ("qb", "pending"), ("qa", "cancelled")]
    for queue, status in plan:
        j = create({"url": URL, "queue": queue, "delay": "1h",
                    "requires_approval": status == "awaiting_approval"})
        if status == "cancelled":
            eq(api("POST", "/v1/jobs/%s/cancel" % j["id"]).status, 200, "cancel")
        MADE.append((j["id"], queue, status))
        time.sleep(0.003)
    for i in range(3):
        OTHER.append(create({"url": URL, "queue": "qa", "delay": "1h"}, key=S.key2)["id"])


def made(queue=None, status=None):
    """Ids of setup's jobs matching, newest first."""
    return [i for i, q, s in reversed(MADE) if (queue is None or q == queue) and
            (status is None or s == status)]


@test
def newest_first_with_totals():
    j = lst()
    eq([x["id"] for x in j["data"]], made(), "all jobs, newest first")
    eq((j["total"], j["limit"], j["offset"], j["next_cursor"]), (12, 20, 0, None), "envelope")
    times = [ms(x["created_at"]) for x in j["data"]]
    eq(times, sorted(times, reverse=True), "created_at descending")


@test
def filters_and_combinations():
    for queue in (None, "qa", "qb", "nosuch"):
        for status in (None, "pending", "awaiting_approval", "cancelled", "active",
                       "completed", "failed"):
            params = {}
            if queue:
                params["queue"] = queue
            if status:
                params["status"] = status
            j = lst(**params)
            want = made(queue, status)
            eq([x["id"] for x in j["data"]], want, "ids for %r" % params)
            eq(j["total"], len(want), "total for %r" % params)
            for x in j["data"]:
                if queue:
                    eq(x["queue"], queue, "queue filter")
                if status:
                    eq(x["status"], status, "status filter")
    j = lst(schedule_id=SCHED)
    eq((j["data"], j["total"]), ([], 0), "no job of that schedule")
    j = lst(schedule_id=SCHED, status="pending", queue="qa")
    eq((j["data"], j["total"]), ([], 0), "schedule + status + queue")


@test
def totals_follow_status_changes():
    jid = made("qb", "pending")[0]
    before = (lst(status="pending")["total"], lst(status="cancelled")["total"],
              lst(queue="qb", status="cancelled")["total"], lst()["total"])
    eq(api("POST", "/v1/jobs/%s/cancel" % jid).status, 200, "cancel")
    after = (lst(status="pending")["total"], lst(status="cancelled")["total"],
             lst(queue="qb", status="cancelled")["total"], lst()["total"])
    eq(after, (before[0] - 1, before[1] + 1, before[2] + 1, before[3]), "counters moved")
    eq(api("POST", "/v1/jobs/%s/retry" % jid).status, 200, "retry")
    eq((lst(status="pending")["total"], lst(status="cancelled")["total"]), before[:2],
       "and back")


@test
def limit_and_offset():
    ids = made()
    for limit in (1, 5, 12, 100):
        j = lst(limit=limit)
        eq([x["id"] for x in j["data"]], ids[:limit], "limit %d" % limit)
        eq((j["limit"], j["total"]), (limit, 12), "limit echoed")
    for offset in (0, 1, 5, 11, 12, 50):
        j = lst(limit=4, offset=offset)
        eq([x["id"] for x in j["data"]], ids[offset:offset + 4], "offset %d" % offset)
        eq((j["offset"], j["total"]), (offset, 12), "offset echoed, total unchanged")
    j = lst(queue="qa", offset=2, limit=3)
    eq([x["id"] for x in j["data"]], made("qa")[2:5], "offset with a filter")
    eq(j["total"], len(made("qa")), "total with offset")


@test
def default_limit_is_20():
    for i in range(10):
        create({"url": URL, "queue": "lim", "delay": "1h"})
    j = lst()
    eq((len(j["data"]), j["limit"]), (20, 20), "default limit")
    check(j["next_cursor"] is not None, "more to come: a cursor")
    j2 = lst(cursor=j["next_cursor"])
    eq(len(j2["data"]), 2, "the other two")
    eq(j2["next_cursor"], None, "last page")


def walk(limit, insert=None, **filters):
    """Follow next_cursor to the end; the ids seen, and each page's total."""
    seen, totals = [], []
    j = lst(limit=limit, **filters)
    pages = 0
    while True:
        pages += 1
        check(pages < 100, "paging does not end")
        seen += [x["id"] for x in j["data"]]
        totals.append(j["total"])
        check(len(j["data"]) <= limit, "page size")
        if j["next_cursor"] is None:
            break
        eq(len(j["data"]), limit, "a page before the last is full")
        if insert:
            insert()
        j = lst(limit=limit, cursor=j["next_cursor"], **filters)
    return seen, totals


@test
def cursor_paging_over_250_with_inserts():
    page_ids = []
    for n in (100, 100, 50):
        r = api("POST", "/v1/jobs/batch", {"jobs": [{"url": URL, "queue": "page", "delay": "1h",
                                                      "payload": {"n": len(page_ids) + i}}
                                                     for i in range(n)]})
        eq(r.status, 200, repr(r))
        for item in r.json["data"]:
            eq(item["status"], 201, "batch item")
            page_ids.append(item["job"]["id"])
        time.sleep(0.003)
    eq(len(set(page_ids)), 250, "250 jobs")
    inserted = []

    def insert():
        inserted.append(create({"url": URL, "queue": "page", "delay": "1h"})["id"])
        inserted.append(create({"url": URL, "queue": "other-page", "delay": "1h"})["id"])

    for limit in (37, 50, 100):
        start = len(inserted) // 2
        seen, totals = walk(limit, insert, queue="page")
        eq(len(seen), len(set(seen)), "no job twice (limit %d)" % limit)
        eq(sorted(seen), sorted(page_ids + inserted[:start * 2:2]),
           "every job present at the start, exactly once, none inserted later (limit %d)" % limit)
        for t, k in zip(totals, range(len(totals))):
            eq(t, 250 + start + k, "total counts the inserted jobs (page %d)" % k)
        got = [ms(S.job(i)["created_at"]) for i in seen[::25]]
        eq(got, sorted(got, reverse=True), "newest first across pages")


@test
def cursor_paging_without_filters_and_with_status():
    everything = lst(limit=1)["total"]
    seen, _ = walk(100)
    eq((len(seen), len(set(seen))), (everything, everything), "unfiltered walk")
    check(not set(seen) & set(OTHER), "no job of the other account")
    pend = lst(status="awaiting_approval")["total"]
    seen, _ = walk(2, status="awaiting_approval")
    eq(len(set(seen)), pend, "filtered walk")
    for jid in seen:
        eq(S.job(jid)["status"], "awaiting_approval", "filter kept by the cursor")


@test
def cursor_remembers_filters():
    j = lst(limit=2, queue="qa")
    cur = j["next_cursor"]
    check(cur, "a cursor")
    # the same filters again: allowed
    j2 = lst(limit=2, queue="qa", cursor=cur)
    eq([x["id"] for x in j2["data"]], made("qa")[2:4], "next page, same filters")
    # other filters: refused
    for params in ({"queue": "qb"}, {"queue": "qa", "status": "pending"},
                   {"status": "pending"}, {"schedule_id": SCHED},
                   {"queue": "qa", "schedule_id": SCHED}):
        params["cursor"] = cur
        check_error(api("GET", "/v1/jobs?" + urlencode(params)), 400, "invalid_query",
                    "cursor")
    # a cursor made without filters refuses filters later
    cur = lst(limit=2)["next_cursor"]
    check_error(api("GET", "/v1/jobs?" + urlencode({"cursor": cur, "queue": "qa"})), 400,
                "invalid_query", "cursor")


@test
def garbage_cursor_is_a_validation_error():
    good = lst(limit=1)["next_cursor"]
    body = good.split(".")[0]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    forged = [
        "abc", "!!!!", "x" * 2000, good[:-3], good + "!!", good.replace("e", "*"),
        base64.urlsafe_b64encode(b"not json").decode().rstrip("="),
        base64.urlsafe_b64encode(b"[1,2,3]").decode().rstrip("="),
        base64.urlsafe_b64encode(b'{"f":{},"c":"x","i":"y"}').decode().rstrip("="),
        base64.urlsafe_b64encode(raw[:-5]).decode().rstrip("="),
    ]
    for cur in forged + [""]:
        check_error(api("GET", "/v1/jobs?" + urlencode({"cursor": cur})), 400,
                    "validation_error", "cursor")
    for qs in ("cursor=%00abc", "cursor=abc%ZZ"):     # not even a query string
        check_error(api("GET", "/v1/jobs?" + qs), 400, "invalid_query")


@test
def bad_parameters_are_invalid_query():
    cases = [
        ("bogus=1", "bogus"), ("Status=pending", "Status"), ("page=2", "page"),
        ("status=unknown", "status"), ("status=PENDING", "status"), ("status=", "status"),
        ("limit=0", "limit"), ("limit=101", "limit"), ("limit=-1", "limit"),
        ("limit=abc", "limit"), ("limit=1.5", "limit"), ("limit=", "limit"),
        ("limit=10x", "limit"), ("limit=%2010", "limit"),
        ("offset=-1", "offset"), ("offset=abc", "offset"), ("offset=1e3", "offset"),
        ("queue=has%20space", "queue"), ("queue=" + "q" * 65, "queue"), ("queue=", "queue"),
        ("schedule_id=nope", "schedule_id"),
        ("limit=5&limit=6", "limit"),
    ]
    for qs, field in cases:
        check_error(api("GET", "/v1/jobs?" + qs), 400, "invalid_query", field)
    for qs in ("limit=1&offset=0", "limit=100", "status=pending&queue=qa&limit=1&offset=3"):
        eq(api("GET", "/v1/jobs?" + qs).status, 200, qs)


@test
def parameters_that_are_not_utf8_still_get_the_envelope():
    # The error echoes the decoded name: bytes that are not UTF-8 become '?'.
    r = check_error(api("GET", "/v1/jobs?%FF%FE=1"), 400, "invalid_query", "??")
    check(r.error["message"].startswith("?? "), r)
    check_error(api("GET", "/v1/jobs?caf%C3%A9=1"), 400, "invalid_query", "caf\u00e9")


@test
def other_account_never_listed_or_counted():
    mine = lst(limit=100)["total"]
    j = lst(key=S.key2, limit=100)
    eq(sorted(x["id"] for x in j["data"]), sorted(OTHER), "account 2 sees its own jobs")
    eq(j["total"], 3, "and counts them")
    j = lst(key=S.key2, queue="qa", status="pending")
    eq(j["total"], 3, "filtered total in account 2")
    # more jobs in account 2 do not move account 1's counts, and vice versa
    for i in range(4):
        create({"url": URL, "queue": "qa", "delay": "1h"}, key=S.key2)
    eq(lst(limit=100)["total"], mine, "account 1 total unchanged")
    eq(lst(queue="qa", status="pending")["total"], len(made("qa", "pending")),
       "account 1 filtered total unchanged")
    seen, _ = walk(100)
    check(not set(seen) & set(OTHER), "account 2's jobs never listed for account 1")
    # account 1's cursor is refused in account 2 (test_cursor.py tries more)
    cur = lst(limit=1)["next_cursor"]
    check_error(api("GET", "/v1/jobs?cursor=" + cur, key=S.key2), 400, "validation_error",
                "cursor")


if __name__ == "__main__":
    sys.exit(run(setup))
