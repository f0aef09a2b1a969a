"""
Schedules (API.md 6): the routes and their validation, and firing by the
dispatcher.  Firing is tested in seconds, not minutes: the stack's
test_clock_file moves the dispatcher's schedule clock forward on demand.
"""
import datetime
import time

from dqtest import Stack, Target, check, eq, run, test, ts, wait_for

S = T = None
SET_CLOCK = None


def setup():
    global S, T, SET_CLOCK
    T = Target()
    S = Stack(conf={"test_clock_file": "/dev/null"})
    SET_CLOCK = S.schedule_clock()


def set_clock_to(when):
    """Make the schedule clock read `when` (epoch seconds) from now on."""
    SET_CLOCK(when)


def sched(body, expect=201, key=None):
    r = S.req("POST", "/v1/schedules", body, key=key)
    eq(r.status, expect, "create schedule %r: %r" % (body, r))
    return r.json


def utc(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


@test
def create_returns_the_whole_schedule():
    s = sched({"cron": "*/5 * * * *", "url": T.url("/s"), "name": "every five",
               "payload": {"k": 1}, "headers": {"X-A": "b"}, "max_attempts": 4,
               "queue": "cron", "timeout": "10s"})
    keys = {"id", "name", "cron", "timezone", "paused", "next_run_at", "last_run_at",
            "last_job_id", "created_at", "updated_at", "url", "method", "payload",
            "headers", "max_attempts", "requires_approval", "callback_url", "queue",
            "timeout"}
    eq(set(s), keys)
    check(s["id"].startswith("sch_") and len(s["id"]) == 20, s["id"])
    eq((s["timezone"], s["paused"], s["last_run_at"], s["last_job_id"]),
       ("UTC", False, None, None))
    eq((s["method"], s["payload"], s["headers"], s["max_attempts"], s["queue"],
        s["timeout"], s["requires_approval"]),
       ("POST", {"k": 1}, {"X-A": "b"}, 4, "cron", "10s", False))
    nxt = utc(s["next_run_at"])
    now = datetime.datetime.now(datetime.timezone.utc)
    check(nxt > now and nxt - now <= datetime.timedelta(minutes=5), s["next_run_at"])
    eq((nxt.minute % 5, nxt.second, nxt.microsecond), (0, 0, 0))
    eq(S.req("GET", "/v1/schedules/" + s["id"]).json, s)


@test
def time_zones_are_honoured():
    s = sched({"cron": "0 9 * * *", "timezone": "Europe/Berlin", "url": T.url("/tz")})
    nxt = utc(s["next_run_at"])
    # 09:00 in Berlin is 07:00 or 08:00 UTC depending on DST
    check(nxt.hour in (7, 8) and nxt.minute == 0, s["next_run_at"])
    s = sched({"cron": "30 2 * * *", "timezone": "America/New_York", "url": T.url("/tz")})
    check(utc(s["next_run_at"]).hour in (6, 7), s["next_run_at"])


@test
def bad_schedules_are_refused_with_the_right_code():
    cases = [
        ({"url": T.url("/x")}, "missing_field", "cron"),
        ({"cron": "61 * * * *", "url": T.url("/x")}, "invalid_cron", "cron"),
        ({"cron": "* * * *", "url": T.url("/x")}, "invalid_cron", "cron"),
        ({"cron": "0 0 30 2 *", "url": T.url("/x")}, "invalid_cron", "cron"),
        ({"cron": 5, "url": T.url("/x")}, "validation_error", "cron"),
        ({"cron": "@daily", "timezone": "Mars/Olympus", "url": T.url("/x")},
         "validation_error", "timezone"),
        ({"cron": "@daily"}, "missing_field", "url"),
        ({"cron": "@daily", "url": "ftp://x"}, "validation_error", "url"),
        ({"cron": "@daily", "url": T.url("/x"), "delay": "5s"}, "validation_error", "delay"),
        ({"cron": "@daily", "url": T.url("/x"), "dedupe_key": "k"},
         "validation_error", "dedupe_key"),
        ({"cron": "@daily", "url": T.url("/x"), "run_at": "2030-01-01T00:00:00Z"},
         "validation_error", "run_at"),
        ({"cron": "@daily", "url": T.url("/x"), "max_attempts": 0},
         "validation_error", "max_attempts"),
        ({"cron": "@daily", "url": T.url("/x"), "paused": "no"}, "validation_error", "paused"),
    ]
    before = S.req("GET", "/v1/schedules?limit=1").json["total"]
    for body, code, field in cases:
        r = S.req("POST", "/v1/schedules", body)
        eq((r.status, r.error.get("code")), (400, code), "POST %r" % body)
        check(any(d.get("field") == field for d in r.error.get("details", [])),
              "details name %s: %r" % (field, r.error))
    r = S.req("POST", "/v1/schedules", {"cron": "99 * * * *", "url": T.url("/x")})
    check("minute" in r.error["message"], "the message names the field: " + r.error["message"])
    eq(S.req("GET", "/v1/schedules?limit=1").json["total"], before, "nothing was created")


@test
def list_pages_replace_delete_pause_resume():
    made = []
    for i in range(5):      # a millisecond apart: same-millisecond order is by id
        made.append(sched({"cron": "@hourly", "url": T.url("/l%d" % i)})["id"])
        time.sleep(0.002)
    r = S.req("GET", "/v1/schedules?limit=2").json
    check(r["total"] >= 5 and len(r["data"]) == 2 and r["next_cursor"], r)
    seen = [x["id"] for x in r["data"]]
    while r["next_cursor"]:
        r = S.req("GET", "/v1/schedules?limit=2&cursor=" + r["next_cursor"]).json
        seen += [x["id"] for x in r["data"]]
    eq(len(seen), len(set(seen)), "no schedule twice")
    eq(seen[:5], made[::-1], "newest first")
    eq(S.req("GET", "/v1/schedules?status=x").status, 400)
    sid = made[0]
    old = S.req("GET", "/v1/schedules/" + sid).json
    r = S.req("PUT", "/v1/schedules/" + sid, {"cron": "15 3 * * *", "url": T.url("/new"),
                                             "name": "renamed"})
    eq(r.status, 200, repr(r))
    eq((r.json["cron"], r.json["url"], r.json["name"], r.json["created_at"]),
       ("15 3 * * *", T.url("/new"), "renamed", old["created_at"]))
    eq((utc(r.json["next_run_at"]).hour, utc(r.json["next_run_at"]).minute), (3, 15))
    eq(S.req("PUT", "/v1/schedules/" + sid, {"cron": "bad", "url": T.url("/x")}).status, 400)
    eq(S.req("GET", "/v1/schedules/" + sid).json["cron"], "15 3 * * *", "refused PUT changed nothing")
    p = S.req("POST", "/v1/schedules/%s/pause" % sid).json
    eq((p["paused"], p["next_run_at"]), (True, None))
    q = S.req("POST", "/v1/schedules/%s/resume" % sid).json
    check(q["paused"] is False and q["next_run_at"], q)
    r = S.req("DELETE", "/v1/schedules/" + sid)
    eq((r.status, r.json), (200, {"id": sid, "deleted": True}))
    eq(S.req("GET", "/v1/schedules/" + sid).status, 404)
    eq(S.req("DELETE", "/v1/schedules/" + sid).status, 404)


@test
def other_accounts_see_nothing():
    sid = sched({"cron": "@daily", "url": T.url("/mine")})["id"]
    for method, path in (("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/pause"),
                         ("POST", "/resume")):
        body = {"cron": "@daily", "url": T.url("/x")} if method == "PUT" else None
        r = S.req(method, "/v1/schedules/%s%s" % (sid, path), body, key=S.key2)
        eq((r.status, r.error.get("code")), (404, "not_found"), "%s %s" % (method, path))
    ids = [x["id"] for x in S.req("GET", "/v1/schedules?limit=100", key=S.key2).json["data"]]
    check(sid not in ids, "not listed for the other account")
    eq(S.req("GET", "/v1/schedules/sch_notARealOne12345").status, 404)


def jobs_of(sid):
    return S.req("GET", "/v1/jobs?schedule_id=%s&limit=100" % sid).json


@test
def fires_one_job_per_tick_catches_up_once_and_not_while_paused():
    s = sched({"cron": "* * * * *", "url": T.url("/tick"), "payload": {"from": "cron"}})
    sid, first = s["id"], ts(s["next_run_at"])
    set_clock_to(first - 30)    # well before the first firing, however late it is
    time.sleep(1.2)
    eq(jobs_of(sid)["total"], 0, "nothing before its time")
    set_clock_to(first + 0.5)
    wait_for(lambda: jobs_of(sid)["total"] == 1, timeout=5, what="the first firing")
    job = jobs_of(sid)["data"][0]
    eq((job["schedule_id"], job["payload"], job["url"]), (sid, {"from": "cron"}, T.url("/tick")))
    S.wait_status(job["id"], "completed")
    now = S.req("GET", "/v1/schedules/" + sid).json
    eq((now["last_run_at"], now["last_job_id"]), (s["next_run_at"], job["id"]))
    eq(ts(now["next_run_at"]), first + 60)
    set_clock_to(first + 60.5)
    wait_for(lambda: jobs_of(sid)["total"] == 2, timeout=5, what="the second firing")
    time.sleep(1.5)
    eq(jobs_of(sid)["total"], 2, "one job per tick")
    # catch-up: five firings missed while the dispatcher was down make one job
    S.stop("dq-dispatcher")
    set_clock_to(first + 60 * 6 + 0.5)
    S.start_dispatcher()
    wait_for(lambda: jobs_of(sid)["total"] == 3, timeout=5, what="the catch-up firing")
    time.sleep(1.5)
    eq(jobs_of(sid)["total"], 3, "missed firings are caught up once")
    eq(ts(S.req("GET", "/v1/schedules/" + sid).json["next_run_at"]), first + 60 * 7)
    # paused: nothing, however much time passes
    S.req("POST", "/v1/schedules/%s/pause" % sid)
    set_clock_to(first + 60 * 10 + 0.5)
    time.sleep(2.0)
    eq(jobs_of(sid)["total"], 3, "a paused schedule fires nothing")
    eq(len(T.hits("/tick")), 3, "each firing delivered once")


if __name__ == "__main__":
    raise SystemExit(run(setup))
