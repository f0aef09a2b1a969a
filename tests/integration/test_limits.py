"""
Every request's cost is bounded, whatever an account stores (issue: one
account cannot hurt another): offset is capped (deeper pages go by
cursor), an account's queues, jobs and schedules have limits (422
quota_exceeded), GET /v1/queues pages like the other lists, an attempt
history keeps its first and latest entries, and requests without a valid
key are rate-limited per client address.
"""
import collections
import threading
import time

from dqtest import Stack, Target, check, eq, fcgi_request, run, test

T = None


def setup():
    global T
    T = Target()


def quota_error(r, quota, limit):
    eq(r.status, 422, "over the %s quota: %r" % (quota, r))
    eq(r.error["code"], "quota_exceeded")
    eq(r.error["details"], [{"quota": quota, "limit": limit}])
    check("max_%s_per_account" % quota in r.error["message"], r.error["message"])


@test
def offset_is_capped_and_points_to_the_cursor():
    s = Stack(dispatcher=False)
    for path in ("/v1/jobs", "/v1/schedules", "/v1/queues"):
        eq(s.req("GET", path + "?offset=10000").status, 200, path + " offset 10000")
        r = s.req("GET", path + "?offset=10001")
        eq(r.status, 400, path + " offset 10001: %r" % r)
        eq(r.error["code"], "invalid_query")
        eq(r.error["details"][0]["field"], "offset")
        check("cursor" in r.error["message"], r.error["message"])
        eq(s.req("GET", path + "?offset=1000000000").status, 400, path)
    s.destroy()


@test
def queues_page_like_the_other_lists():
    s = Stack(dispatcher=False)
    names = ["q%02d" % i for i in range(45)]
    r = s.req("POST", "/v1/jobs/batch", {"jobs": [
        {"url": T.url("/x"), "queue": n, "delay": "1h"} for n in names]})
    eq(r.status, 200)
    s.req("PUT", "/v1/queues/other", {"paused": True}, key=s.key2)
    seen, cursor, pages = [], None, 0
    while True:
        r = s.req("GET", "/v1/queues" + ("?cursor=" + cursor if cursor else ""))
        eq(r.status, 200, "page %d: %r" % (pages, r))
        eq((r.json["total"], r.json["limit"], r.json["offset"]), (45, 20, 0))
        seen += [q["name"] for q in r.json["data"]]
        pages += 1
        cursor = r.json["next_cursor"]
        if cursor is None:
            break
    eq(seen, names, "every queue once, by name, in 3 pages")
    eq(pages, 3)
    eq(r.json["data"][-1]["counts"]["pending"], 1, "counts are still there")
    r = s.req("GET", "/v1/queues?limit=10&offset=40")
    eq([q["name"] for q in r.json["data"]], names[40:])
    eq(r.json["next_cursor"], None)
    r = s.req("GET", "/v1/queues?limit=100")
    eq(len(r.json["data"]), 45)
    eq(s.req("GET", "/v1/queues", key=s.key2).json["total"], 1, "per account")
    for bad in ("limit=0", "limit=101", "offset=-1", "name=q01"):
        r = s.req("GET", "/v1/queues?" + bad)
        eq((r.status, r.error.get("code")), (400, "invalid_query"), bad)
    # a cursor that is not this list's own, signed for this account
    jobs = s.req("GET", "/v1/jobs?limit=1").json["next_cursor"]
    other = s.req("GET", "/v1/queues?limit=1", key=s.key2).json["next_cursor"]
    for bad in ("xyz", jobs, cursor_of_page_one(s)[:-2] + "AA"):
        r = s.req("GET", "/v1/queues?cursor=" + bad)
        eq((r.status, r.error.get("code"), r.error["details"][0]["field"]),
           (400, "validation_error", "cursor"), "cursor " + bad[:20])
    eq(other, None, "the other account's one queue fits one page")
    s.destroy()


@test
def an_account_has_at_most_max_queues_per_account():
    s = Stack(conf={"max_queues_per_account": "3"}, dispatcher=False)
    for n in ("a", "b", "c"):
        s.create({"url": T.url("/x"), "queue": n, "delay": "1h"})
    s.create({"url": T.url("/x"), "queue": "a", "delay": "1h"})  # an existing one
    quota_error(s.req("POST", "/v1/jobs", {"url": T.url("/x"), "queue": "d"}),
                "queues", 3)
    quota_error(s.req("PUT", "/v1/queues/e", {"paused": True}), "queues", 3)
    quota_error(s.req("POST", "/v1/queues/e/pause"), "queues", 3)
    eq(s.req("PUT", "/v1/queues/a", {"paused": True}).status, 200, "an existing queue")
    r = s.req("POST", "/v1/jobs/batch", {"jobs": [
        {"url": T.url("/x"), "queue": "b"}, {"url": T.url("/x"), "queue": "f"},
        {"url": 5}]})
    eq(r.status, 200)
    eq([i["status"] for i in r.json["data"]], [201, 422, 400])
    eq(r.json["data"][1]["error"]["code"], "quota_exceeded")
    eq(s.req("GET", "/v1/queues").json["total"], 3, "nothing was made for the refused")
    eq(s.req("GET", "/v1/jobs").json["total"], 5)
    eq(s.req("POST", "/v1/jobs", {"url": T.url("/x"), "queue": "d"},
             key=s.key2).status, 201, "another account has its own limit")
    out = s.ctl("verify", "--online")
    check("every database is consistent" in out, out)
    s.destroy()


@test
def job_and_schedule_quotas():
    s = Stack(conf={"max_jobs_per_account": "4", "max_schedules_per_account": "2"},
              dispatcher=False)
    for _ in range(4):
        s.create({"url": T.url("/x"), "delay": "1h"})
    quota_error(s.req("POST", "/v1/jobs", {"url": T.url("/x")}), "jobs", 4)
    quota_error(s.req("POST", "/v1/jobs", {"url": T.url("/x")},
                      headers={"Idempotency-Key": "k1"}), "jobs", 4)
    first = s.req("GET", "/v1/jobs?limit=1").json["data"][0]
    eq(s.req("POST", "/v1/jobs/%s/cancel" % first["id"]).status, 200)
    r = s.req("POST", "/v1/jobs/batch", {"jobs": [{"url": T.url("/x")}]})
    eq(r.json["data"][0]["status"], 422, "a cancelled job is still stored: %r" % r)
    eq(s.req("GET", "/v1/jobs").json["total"], 4)
    sched = {"cron": "0 3 * * *", "url": T.url("/x")}
    eq(s.req("POST", "/v1/schedules", sched).status, 201)
    eq(s.req("POST", "/v1/schedules", sched).status, 201)
    quota_error(s.req("POST", "/v1/schedules", sched), "schedules", 2)
    sid = s.req("GET", "/v1/schedules").json["data"][0]["id"]
    eq(s.req("DELETE", "/v1/schedules/" + sid).status, 200)
    eq(s.req("POST", "/v1/schedules", sched).status, 201, "room again after a delete")
    eq(s.req("POST", "/v1/jobs", {"url": T.url("/x")}, key=s.key2).status, 201,
       "another account has its own quota")
    s.destroy()


@test
def the_attempt_history_keeps_its_first_and_latest_entries():
    s = Stack(conf={"retry_base": "1ms", "retry_cap": "1ms"})
    T.on("/always500", (500, {"Content-Type": "text/plain"}, "x" * 20000, 0))
    j = s.create({"url": T.url("/always500"), "max_attempts": 100})
    s.wait_status(j["id"], "failed", timeout=120)
    eq(s.req("POST", "/v1/jobs/%s/retry" % j["id"]).status, 200)
    s.wait_status(j["id"], "failed", timeout=120)
    r = s.req("GET", "/v1/jobs/%s/attempts" % j["id"])
    eq(r.status, 200)
    att = r.json["data"]
    eq((len(att), r.json["total"], r.json["omitted"]), (100, 200, 100),
       "200 attempts made, the first 10 and the latest 90 kept")
    eq([a["attempt"] for a in att], list(range(1, 11)) + list(range(11, 101)))
    check(ts_order(att), "in the order they were made")
    with_body = [a for a in att if a["response_body"] is not None]
    omitted = [a for a in att if a.get("response_body_omitted")]
    eq(len(with_body) + len(omitted), 100)
    eq(len(with_body), 52, "the newest bodies up to 1 MiB in all")
    eq(att[-1]["response_body"], "x" * 20000)
    check(all(a["response_body"] is None for a in att[:48]), "older bodies omitted")
    check(len(r.body) < 1500000, "the answer is bounded: %d bytes" % len(r.body))
    s.destroy()


def cursor_of_page_one(s):
    return s.req("GET", "/v1/queues").json["next_cursor"]


def fcgi_get(s, addr, key="dq_" + "x" * 32):
    params = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/v1/jobs", "QUERY_STRING": "",
              "REMOTE_ADDR": addr, "HTTP_AUTHORIZATION": "Bearer " + key}
    return fcgi_request(s.sock, params)


@test
def requests_without_a_valid_key_are_limited_per_address():
    s = Stack(conf={"rate_limit_unauthenticated": "5"}, dispatcher=False)
    statuses = [s.req("GET", "/v1/jobs", key="dq_" + "x" * 32).status for _ in range(30)]
    print("# 30 bad keys at once from one address: %d x 401, %d x 429" % (
        statuses.count(401), statuses.count(429)))
    eq(statuses[:5], [401] * 5, "the first ones are told the key is bad")
    check(statuses.count(429) >= 15, "then 429: %r" % statuses)
    r = s.req("GET", "/v1/jobs", auth=False)
    eq((r.status, r.error["code"], r.header("Retry-After")), (429, "rate_limited", "1"),
       "no key at all counts too")
    eq(r.error["details"], [{"limit": 5}])
    check("without a valid API key" in r.error["message"], r.error["message"])
    # another address is not affected
    eq(fcgi_get(s, "192.0.2.7")[0], 401)
    time.sleep(1.3)
    eq(s.req("GET", "/v1/jobs", key="dq_" + "y" * 32).status, 401, "refilled")
    eq(s.req("GET", "/v1/jobs").status, 200, "a valid key works")
    s.destroy()


@test
def a_full_rate_table_refuses_unknown_clients_and_says_so():
    # Thousands of addresses at once fill the shared table (4096 buckets);
    # a new address then finds no bucket: refused (429), logged, counted.
    s = Stack(conf={"rate_limit_unauthenticated": "5"}, workers=4, dispatcher=False)
    answers = collections.Counter()
    lock = threading.Lock()

    def client(part):
        for a in part:
            status = fcgi_get(s, a)[0]
            with lock:
                answers[status] += 1

    # rounds of new addresses until one is refused (a slow build needs more)
    start, t0 = 0, time.time()
    while answers[429] == 0 and start < 60000 and time.time() - t0 < 90:
        addrs = ["10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
                 for i in range(start, start + 6000)]
        start += 6000
        threads = [threading.Thread(target=client, args=(addrs[i::8],)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    print("# %d addresses with bad keys: %r" % (start, dict(answers)))
    check(answers[429] > 0, "some found the table full: %r" % dict(answers))
    m = s.req("GET", "/metrics", auth=False).body
    full = [l for l in m.splitlines() if l.startswith("dq_ratelimit_table_full_total ")]
    check(full and int(full[0].split()[1]) == answers[429], "counted: %r" % full)
    check("rate limit table full" in s.logs(), "logged")
    s.destroy()


def ts_order(att):
    times = [a["started_at"] for a in att]
    return times == sorted(times)


if __name__ == "__main__":
    raise SystemExit(run(setup))
