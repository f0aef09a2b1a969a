#!/usr/bin/env python3
"""
API.md 4.1 and 4.2 through nginx: every validation rule of POST /v1/jobs
with its error code and field, the full job object, Idempotency-Key and
dedupe_key (per account, race-free under parallel creates).  No dispatcher
runs, so statuses stay as created.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dqtest import Stack, test, run, check, eq  # noqa: E402
from apicommon import (api, total, use, check_conventions, check_error, check_job, ms, fmt, now_ms,  # noqa: E402
                       parallel, JOB_FIELDS)

S = None
URL = "http://127.0.0.1:9/hook"


def setup():
    global S
    S = Stack(workers=4, dispatcher=False)
    use(S)


def create(body, key=None, headers=None):
    return api("POST", "/v1/jobs", body, key=key, headers=headers)


# --- validation -------------------------------------------------------------------

H51 = {"X-H%d" % i: "v" for i in range(51)}
H50 = {"X-H%d" % i: "v" for i in range(50)}
BIG_HEADERS = {"X-A": "a" * 5000, "X-B": "b" * 4000}

# (body changes, code, field)
INVALID = [
    ({"url": None}, "missing_field", "url"),
    ({"url": 5}, "validation_error", "url"),
    ({"url": ""}, "validation_error", "url"),
    ({"url": "/relative/path"}, "validation_error", "url"),
    ({"url": "example.com/x"}, "validation_error", "url"),
    ({"url": "ftp://example.com/x"}, "validation_error", "url"),
    ({"url": "javascript:alert(1)"}, "validation_error", "url"),
    ({"url": "http://"}, "validation_error", "url"),
    ({"url": "http:///path"}, "validation_error", "url"),
    ({"url": "http://exa mple.com/"}, "validation_error", "url"),
    ({"url": "http://example.com:99999/"}, "validation_error", "url"),
    ({"url": "http://example.com/" + "a" * 2030}, "validation_error", "url"),
    ({"method": "FETCH"}, "validation_error", "method"),
    ({"method": "HEAD"}, "validation_error", "method"),
    ({"method": 1}, "validation_error", "method"),
    ({"payload": [1, 2]}, "validation_error", "payload"),
    ({"payload": "text"}, "validation_error", "payload"),
    ({"payload": 3}, "validation_error", "payload"),
    ({"headers": ["X-A: b"]}, "validation_error", None),
    ({"headers": "X-A: b"}, "validation_error", None),
    ({"headers": {"X-A": 1}}, "validation_error", None),
    ({"headers": {"X-A": None}}, "validation_error", None),
    ({"headers": {"Bad Name": "v"}}, "validation_error", None),
    ({"headers": {"Bad:Name": "v"}}, "validation_error", None),
    ({"headers": {"": "v"}}, "validation_error", None),
    ({"headers": {"X-A": "a\r\nInjected: 1"}}, "validation_error", None),
    ({"headers": {"X-A": "a\nb"}}, "validation_error", None),
    ({"headers": {"X-A": "a\rb"}}, "validation_error", None),
    ({"headers": {"Host": "evil"}}, "validation_error", None),
    ({"headers": {"host": "evil"}}, "validation_error", None),
    ({"headers": {"Content-Length": "5"}}, "validation_error", None),
    ({"headers": {"Transfer-Encoding": "chunked"}}, "validation_error", None),
    ({"headers": {"CONNECTION": "close"}}, "validation_error", None),
    ({"headers": {"X-DispatchQ-Signature": "x"}}, "validation_error", None),
    ({"headers": {"x-dispatchq-job-id": "x"}}, "validation_error", None),
    ({"headers": {"webhook-id": "x"}}, "validation_error", None),
    ({"headers": {"Webhook-Signature": "x"}}, "validation_error", None),
    ({"headers": H51}, "validation_error", "headers"),
    ({"headers": BIG_HEADERS}, "validation_error", "headers"),
    ({"delay": "10"}, "invalid_delay", "delay"),
    ({"delay": "10x"}, "invalid_delay", "delay"),
    ({"delay": "1.5h"}, "invalid_delay", "delay"),
    ({"delay": "-5s"}, "invalid_delay", "delay"),
    ({"delay": " 5s"}, "invalid_delay", "delay"),
    ({"delay": "5s "}, "invalid_delay", "delay"),
    ({"delay": "5S"}, "invalid_delay", "delay"),
    ({"delay": "5ms"}, "invalid_delay", "delay"),
    ({"delay": "1h30m"}, "invalid_delay", "delay"),
    ({"delay": ""}, "invalid_delay", "delay"),
    ({"delay": "s"}, "invalid_delay", "delay"),
    ({"delay": "366d"}, "invalid_delay", "delay"),
    ({"delay": "8761h"}, "invalid_delay", "delay"),
    ({"delay": "525601m"}, "invalid_delay", "delay"),
    ({"delay": "31536001s"}, "invalid_delay", "delay"),
    ({"delay": "99999999999999999999999d"}, "invalid_delay", "delay"),
    ({"delay": 30}, "validation_error", "delay"),
    ({"delay": True}, "validation_error", "delay"),
    ({"delay": ["5s"]}, "validation_error", "delay"),
    ({"run_at": "tomorrow"}, "validation_error", "run_at"),
    ({"run_at": "2030-13-01T00:00:00.000Z"}, "validation_error", "run_at"),
    ({"run_at": "2030-02-30T00:00:00Z"}, "validation_error", "run_at"),
    ({"run_at": "2030-01-01 00:00:00Z"}, "validation_error", "run_at"),
    ({"run_at": 1893456000}, "validation_error", "run_at"),
    ({"delay": "5m", "run_at": "__SOON__"}, "validation_error", None),
    ({"dedupe_key": ""}, "validation_error", "dedupe_key"),
    ({"dedupe_key": "k" * 256}, "validation_error", "dedupe_key"),
    ({"dedupe_key": 7}, "validation_error", "dedupe_key"),
    ({"max_attempts": 0}, "validation_error", "max_attempts"),
    ({"max_attempts": 101}, "validation_error", "max_attempts"),
    ({"max_attempts": -1}, "validation_error", "max_attempts"),
    ({"max_attempts": "3"}, "validation_error", "max_attempts"),
    ({"max_attempts": 2.5}, "validation_error", "max_attempts"),
    ({"max_attempts": True}, "validation_error", "max_attempts"),
    ({"requires_approval": "yes"}, "validation_error", "requires_approval"),
    ({"requires_approval": 1}, "validation_error", "requires_approval"),
    ({"callback_url": "ftp://example.com/cb"}, "validation_error", "callback_url"),
    ({"callback_url": "not a url"}, "validation_error", "callback_url"),
    ({"callback_url": ""}, "validation_error", "callback_url"),
    ({"callback_url": 3}, "validation_error", "callback_url"),
    ({"callback_url": "https://example.com/" + "c" * 2030}, "validation_error",
     "callback_url"),
    ({"queue": ""}, "validation_error", "queue"),
    ({"queue": "has space"}, "validation_error", "queue"),
    ({"queue": "dots.not.allowed"}, "validation_error", "queue"),
    ({"queue": "sl/ash"}, "validation_error", "queue"),
    ({"queue": "q" * 65}, "validation_error", "queue"),
    ({"queue": "caf\u00e9"}, "validation_error", "queue"),
    ({"queue": 5}, "validation_error", "queue"),
    ({"timeout": "0s"}, "validation_error", "timeout"),
    ({"timeout": "16m"}, "validation_error", "timeout"),
    ({"timeout": "901s"}, "validation_error", "timeout"),
    ({"timeout": "1h"}, "validation_error", "timeout"),
    ({"timeout": "30"}, "validation_error", "timeout"),
    ({"timeout": "fast"}, "validation_error", "timeout"),
    ({"timeout": 30}, "validation_error", "timeout"),
    ({"urll": "http://typo/"}, "validation_error", "urll"),
    ({"requiresApproval": True}, "validation_error", "requiresApproval"),
    ({"id": "job_AAAAAAAAAAAAAAAA"}, "validation_error", "id"),
    ({"status": "completed"}, "validation_error", "status"),
]


@test
def every_invalid_field_is_refused_with_its_code():
    before = total()
    soon = fmt(now_ms() + 3600 * 1000)
    for change, code, field in INVALID:
        body = {"url": URL}
        body.update(change)
        if body.get("run_at") == "__SOON__":
            body["run_at"] = soon
        body = {k: v for k, v in body.items() if not (k == "url" and v is None)}
        r = check_error(create(body), 400, code, field)
        if field is None:
            name = next(iter(change))
            fields = [d.get("field") or "" for d in r.error["details"]]
            check(any(f.startswith(name) for f in fields) or
                  (name == "delay" and "run_at" in fields),
                  "details name %r: %r" % (name, fields))
    # missing url: also an empty object, and url given as null
    check_error(create({}), 400, "missing_field", "url")
    check_error(create({"method": "GET"}), 400, "missing_field", "url")
    check_error(create({"url": None}), 400, "missing_field", "url")
    eq(total(), before, "refused creates change nothing")


@test
def boundary_values_are_accepted():
    cases = [
        {"url": "https://example.com/" + "a" * (2048 - len("https://example.com/"))},
        {"url": "http://example.com:8080/p?q=1#f"},
        {"method": "GET"}, {"method": "PUT"}, {"method": "PATCH"}, {"method": "DELETE"},
        {"payload": None}, {"payload": {}}, {"payload": {"a": [1, {"b": None}], "u": "\u00e9"}},
        {"headers": None}, {"headers": {}}, {"headers": H50},
        {"headers": {"X-Tok!#$%&'*+-.^_`|~": "v\t with tab"}},
        {"delay": "0s"}, {"delay": "365d"}, {"delay": "8760h"}, {"delay": "525600m"},
        {"delay": "31536000s"}, {"delay": None},
        {"dedupe_key": "k"}, {"dedupe_key": "d" * 255},
        {"max_attempts": 1}, {"max_attempts": 100},
        {"requires_approval": False}, {"requires_approval": True},
        {"callback_url": "https://example.com/cb"},
        {"queue": "q" * 64}, {"queue": "A-z_0-9"},
        {"timeout": "1s"}, {"timeout": "15m"}, {"timeout": "900s"},
    ]
    for change in cases:
        body = {"url": URL}
        body.update(change)
        r = create(body)
        eq(r.status, 201, "create %r: %r" % (change, r))
        check_job(r.json)


# --- the job object ---------------------------------------------------------------

@test
def minimal_job_has_every_field_and_defaults():
    t0 = now_ms()
    r = create({"url": URL})
    t1 = now_ms()
    eq(r.status, 201, repr(r))
    j = check_job(r.json, "pending")
    eq(len(j), len(JOB_FIELDS), "no fields besides API.md 4.2: %r" % sorted(set(j) -
                                                                          set(JOB_FIELDS)))
    want = {"url": URL, "method": "POST", "queue": "default", "attempts": 0, "max_attempts": 3,
            "required_approval": False, "deduplicated": False, "payload": None,
            "headers": None, "dedupe_key": None, "delay_until": None, "started_at": None,
            "finished_at": None, "next_retry_at": None, "last_error": None,
            "response_code": None, "response_body": None, "duration_ms": None,
            "approved_at": None, "approved_by": None, "callback_url": None,
            "schedule_id": None, "idempotency_key": None, "retries_remaining": 3,
            "next_retry_in_seconds": 0, "actions": ["cancel"], "timeout": "30s",
            "callback_status": None}
    for k, v in want.items():
        eq(j[k], v, k)
    check(t0 - 5 <= ms(j["created_at"]) <= t1 + 5, "created_at is now")
    eq(j["updated_at"], j["created_at"], "updated_at")
    eq(j["run_at"], j["created_at"], "run_at of a job due now")
    got = S.job(j["id"])
    eq(got, j, "GET returns the same object")


@test
def full_job_echoes_every_field():
    body = {"url": URL + "?x=1", "method": "PUT", "payload": {"order": 7, "tags": ["a", "b"]},
            "headers": {"X-Trace": "t-1", "Authorization": "Bearer target-token"},
            "delay": "2h", "dedupe_key": "full-1", "max_attempts": 7,
            "requires_approval": True, "callback_url": "https://example.com/cb",
            "queue": "emails", "timeout": "90s"}
    r = create(body, headers={"Idempotency-Key": "full-idem"})
    eq(r.status, 201, repr(r))
    j = check_job(r.json, "awaiting_approval")
    for k in ("url", "method", "payload", "headers", "dedupe_key", "max_attempts",
              "callback_url", "queue"):
        eq(j[k], body[k], k)
    eq(j["required_approval"], True, "required_approval mirrors requires_approval")
    eq(j["actions"], ["approve", "cancel"], "actions")
    eq(j["retries_remaining"], 7, "retries_remaining")
    eq(j["idempotency_key"], "full-idem", "idempotency_key")
    eq(j["timeout"], "90s", "timeout")
    eq(ms(j["delay_until"]), ms(j["created_at"]) + 2 * 3600 * 1000, "delay_until")
    eq(j["run_at"], j["delay_until"], "run_at of a delayed job")
    eq(j["approved_at"], None, "approved_at")
    eq(S.job(j["id"]), j, "GET returns the same object")


@test
def delay_and_run_at_set_delay_until():
    for delay, mult in (("45s", 1000), ("3m", 60000), ("5h", 3600000), ("2d", 86400000),
                        ("365d", 86400000)):
        j = check_job(create({"url": URL, "delay": delay}).json, "pending")
        eq(ms(j["delay_until"]) - ms(j["created_at"]), int(delay[:-1]) * mult,
           "delay %s" % delay)
        eq(j["run_at"], j["delay_until"], "run_at for delay %s" % delay)
    at = now_ms() + 7200 * 1000 + 123
    for text in (fmt(at), fmt(at).replace("Z", "+00:00")):
        j = check_job(create({"url": URL, "run_at": text}).json, "pending")
        eq(j["delay_until"], fmt(at), "run_at %s keeps ms precision" % text)
        eq(j["run_at"], fmt(at), "run_at")
    # an offset is converted to UTC
    base = now_ms() + 3 * 3600 * 1000
    base -= base % 1000
    local = fmt(base + 2 * 3600 * 1000)[:19] + ".000+02:00"
    j = check_job(create({"url": URL, "run_at": local}).json)
    eq(j["delay_until"], fmt(base), "run_at with +02:00")
    # a delayed job awaiting approval keeps its delay
    j = check_job(create({"url": URL, "delay": "10m", "requires_approval": True}).json,
                  "awaiting_approval")
    eq(ms(j["delay_until"]) - ms(j["created_at"]), 600000, "delay with approval")


@test
def timeout_is_shown_in_delay_syntax():
    for given, shown in (("1s", "1s"), ("45s", "45s"), ("60s", "1m"), ("90s", "90s"),
                         ("5m", "5m"), ("15m", "15m"), ("900s", "15m")):
        eq(create({"url": URL, "timeout": given}).json["timeout"], shown, "timeout " + given)


# --- Idempotency-Key ---------------------------------------------------------------

def raw_create(text, key=None, idem=None):
    hdrs = {"Content-Type": "application/json"}
    if idem is not None:
        hdrs["Idempotency-Key"] = idem
    return create(text, key=key, headers=hdrs)


@test
def idempotency_key_same_body_is_deduplicated():
    body = '{"url": "%s", "payload": {"a": 1, "b": [1, 2]}, "delay": "1h", "queue": "idem"}' % URL
    r1 = raw_create(body, idem="idem-1")
    eq(r1.status, 201, repr(r1))
    eq(r1.json["deduplicated"], False, "first is new")
    same = [body,
            '{"queue":"idem","delay":"1h","payload":{"b":[1,2],"a":1},"url":"%s"}' % URL,
            '\n{  "delay" : "1h" ,\n "url":"%s",\t"queue": "idem",\n"payload": {"b": [1,2],'
            ' "a": 1}}\n' % URL,
            '{"url": "%s", "payload": {"\\u0061": 1, "b": [1, 2]}, "delay": "1\\u0068", '
            '"queue": "idem"}' % URL]
    for text in same:
        r = raw_create(text, idem="idem-1")
        eq(r.status, 200, "replay %r: %r" % (text, r))
        check_job(r.json)
        eq(r.json["deduplicated"], True, "deduplicated")
        eq(r.json["id"], r1.json["id"], "same job")
        eq(r.json["idempotency_key"], "idem-1", "idempotency_key")
    eq(total(query="&queue=idem"), 1, "one job")
    eq(S.job(r1.json["id"])["deduplicated"], False, "GET shows deduplicated false")


@test
def idempotency_key_different_body_is_422():
    body = {"url": URL, "delay": "1h", "queue": "idem2"}
    eq(create(body, headers={"Idempotency-Key": "idem-2"}).status, 201, "first")
    for other in ({"url": URL, "delay": "2h", "queue": "idem2"},
                  {"url": URL, "delay": "1h", "queue": "idem2", "max_attempts": 3},
                  {"url": URL + "x", "delay": "1h", "queue": "idem2"}):
        check_error(create(other, headers={"Idempotency-Key": "idem-2"}), 422,
                    "idempotency_key_reused")
    eq(total(query="&queue=idem2"), 1, "no second job")


@test
def idempotency_key_counts_any_status_and_precedes_dedupe():
    body = {"url": URL, "delay": "1h", "dedupe_key": "idem-dd", "queue": "idem3"}
    j = create(body, headers={"Idempotency-Key": "idem-3"}).json
    eq(api("POST", "/v1/jobs/%s/cancel" % j["id"]).status, 200, "cancel")
    # dedupe_key alone would now create a new job; the Idempotency-Key wins
    r = create(body, headers={"Idempotency-Key": "idem-3"})
    eq(r.status, 200, repr(r))
    eq((r.json["id"], r.json["status"], r.json["deduplicated"]), (j["id"], "cancelled", True),
       "the cancelled job")
    r = create(body)
    eq((r.status, r.json["deduplicated"]), (201, False), "without the key: a new job")
    check(r.json["id"] != j["id"], "new id")


@test
def idempotency_key_length_limit():
    before = total()
    for k in ("k" * 256, "k" * 1000):
        check_error(create({"url": URL, "delay": "1h"}, headers={"Idempotency-Key": k}), 400,
                    "validation_error")
    eq(total(), before, "nothing created")
    k255 = "i" * 255
    r = create({"url": URL, "delay": "1h"}, headers={"Idempotency-Key": k255})
    eq(r.status, 201, repr(r))
    eq(r.json["idempotency_key"], k255, "stored")
    eq(create({"url": URL, "delay": "1h"}, headers={"Idempotency-Key": k255}).status, 200,
       "replay")


@test
def idempotency_key_is_per_account():
    body = {"url": URL, "delay": "1h", "queue": "idem4"}
    a = create(body, headers={"Idempotency-Key": "idem-4"})
    b = create(body, key=S.key2, headers={"Idempotency-Key": "idem-4"})
    eq((a.status, b.status), (201, 201), "each account gets its own job")
    check(a.json["id"] != b.json["id"], "different jobs")
    c = create({"url": URL, "delay": "9h"}, key=S.key2, headers={"Idempotency-Key": "idem-5"})
    d = create({"url": URL, "delay": "8h"}, headers={"Idempotency-Key": "idem-5"})
    eq((c.status, d.status), (201, 201), "another account's key with another body is no reuse")
    eq(create(body, key=S.key2, headers={"Idempotency-Key": "idem-4"}).json["id"],
       b.json["id"], "replay in account 2")


# --- dedupe_key -----------------------------------------------------------------------

@test
def dedupe_key_while_pending_then_new_after_cancel():
    a = create({"url": URL, "delay": "1h", "dedupe_key": "dd-1", "queue": "dd"})
    eq(a.status, 201, repr(a))
    for other in ({"url": URL, "delay": "1h", "dedupe_key": "dd-1", "queue": "dd"},
                  {"url": URL + "/other", "dedupe_key": "dd-1", "queue": "dd", "method": "GET"}):
        r = create(other)
        eq(r.status, 200, repr(r))
        check_job(r.json, "pending")
        eq((r.json["id"], r.json["deduplicated"]), (a.json["id"], True), "same job")
        eq(r.json["url"], URL, "the existing job, not the new body")
    eq(api("POST", "/v1/jobs/%s/cancel" % a.json["id"]).status, 200, "cancel")
    b = create({"url": URL, "delay": "1h", "dedupe_key": "dd-1", "queue": "dd"})
    eq((b.status, b.json["deduplicated"]), (201, False), "new job after cancel")
    check(b.json["id"] != a.json["id"], "a new id")
    r = create({"url": URL, "dedupe_key": "dd-1", "queue": "dd"})
    eq((r.status, r.json["id"]), (200, b.json["id"]), "dedupes to the new one now")
    eq(total(query="&queue=dd"), 2, "two jobs in all")


@test
def dedupe_key_finds_a_retried_job_again():
    body = {"url": URL, "delay": "1h", "dedupe_key": "dd-3", "queue": "dd3"}
    a = create(body).json
    eq(api("POST", "/v1/jobs/%s/cancel" % a["id"]).status, 200, "cancel A")
    b = create(body).json
    check(b["id"] != a["id"], "B is new")
    eq(api("POST", "/v1/jobs/%s/cancel" % b["id"]).status, 200, "cancel B")
    eq(api("POST", "/v1/jobs/%s/retry" % a["id"]).json["status"], "pending", "retry A")
    # A is pending again, created within 24 h, with the key: it is the match
    r = create(body)
    eq((r.status, r.json["id"], r.json["deduplicated"]), (200, a["id"], True),
       "dedupes to the retried job")
    # while B comes back too, the key keeps naming A (a live job)
    eq(api("POST", "/v1/jobs/%s/retry" % b["id"]).status, 200, "retry B")
    eq(create(body).json["id"], a["id"], "still A")
    eq(total(query="&queue=dd3"), 2, "no third job")


@test
def dedupe_key_awaiting_approval_blocks_and_is_per_account():
    a = create({"url": URL, "dedupe_key": "dd-2", "requires_approval": True})
    r = create({"url": URL, "dedupe_key": "dd-2"})
    eq((r.status, r.json["id"], r.json["status"]), (200, a.json["id"], "awaiting_approval"),
       "awaiting_approval blocks")
    b = create({"url": URL, "dedupe_key": "dd-2", "delay": "1h"}, key=S.key2)
    eq((b.status, b.json["deduplicated"]), (201, False), "other account: its own job")
    c = create({"url": URL, "dedupe_key": "dd-2"}, key=S.key2)
    eq((c.status, c.json["id"]), (200, b.json["id"]), "dedupes within account 2")


# --- concurrency -------------------------------------------------------------------------

@test
def parallel_identical_idempotent_creates_make_one_job():
    body = {"url": URL, "delay": "1h", "queue": "par-idem", "payload": {"n": 1}}
    rs = parallel(20, lambda i: S.req("POST", "/v1/jobs", body,
                                      headers={"Idempotency-Key": "par-1"}))
    statuses = sorted(r.status for r in rs)
    eq(statuses, [200] * 19 + [201], "one 201, 19 200: %r" % [r for r in rs if
                                                             r.status not in (200, 201)])
    eq(len({r.json["id"] for r in rs}), 1, "one job id")
    eq(sum(1 for r in rs if r.json["deduplicated"]), 19, "19 deduplicated")
    eq(total(query="&queue=par-idem"), 1, "list total for the queue")


@test
def parallel_identical_dedupe_creates_make_one_job():
    rs = parallel(20, lambda i: S.req("POST", "/v1/jobs",
                                      {"url": URL, "dedupe_key": "par-dd", "queue": "par-dd",
                                       "payload": {"i": i}}))
    eq(sorted(r.status for r in rs), [200] * 19 + [201], "one 201: %r" % rs[:3])
    eq(len({r.json["id"] for r in rs}), 1, "one job id")
    eq(total(query="&queue=par-dd"), 1, "list total for the queue")


@test
def parallel_idempotent_creates_with_two_bodies():
    bodies = [{"url": URL, "delay": "1h", "queue": "par-two", "payload": {"v": v}}
              for v in ("a", "b")]
    rs = parallel(20, lambda i: S.req("POST", "/v1/jobs", bodies[i % 2],
                                      headers={"Idempotency-Key": "par-two"}))
    winners = [r for r in rs if r.status == 201]
    eq(len(winners), 1, "one job created: %r" % sorted(r.status for r in rs))
    v = winners[0].json["payload"]["v"]
    for i, r in enumerate(rs):
        if bodies[i % 2]["payload"]["v"] == v:
            check(r.status in (200, 201), "same body as the winner: %r" % r)
            eq(r.json["id"], winners[0].json["id"], "the winner's job")
        else:
            check_error(r, 422, "idempotency_key_reused")
    eq(total(query="&queue=par-two"), 1, "one job")


@test
def parallel_batches_with_one_dedupe_key_make_one_job():
    def one(i):
        return S.req("POST", "/v1/jobs/batch", {"jobs": [
            {"url": URL, "delay": "1h", "queue": "par-batch", "payload": {"i": i}},
            {"url": URL, "delay": "1h", "queue": "par-batch", "dedupe_key": "par-batch"}]})
    rs = parallel(10, one)
    eq([r.status for r in rs], [200] * 10, "batches answered")
    items = [r.json["data"][1] for r in rs]
    eq(sorted(x["status"] for x in items), [200] * 9 + [201], "one created, nine deduplicated")
    eq(len({x["job"]["id"] for x in items}), 1, "one job for the key")
    eq(total(query="&queue=par-batch"), 11, "ten plain jobs and one deduplicated")


@test
def parallel_distinct_creates_all_succeed():
    rs = parallel(20, lambda i: S.req("POST", "/v1/jobs", {"url": URL, "queue": "par-many"},
                                      headers={"Idempotency-Key": "many-%d" % i}))
    eq([r.status for r in rs], [201] * 20, "all created")
    eq(len({r.json["id"] for r in rs}), 20, "20 ids")
    eq(total(query="&queue=par-many"), 20, "list total")


if __name__ == "__main__":
    sys.exit(run(setup))
