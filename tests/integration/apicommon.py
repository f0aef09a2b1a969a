"""
Checks shared by the jobs API tests: the conventions every response must
follow (API.md 1 and 3), the job object's shape (4.2), and small helpers
for time stamps and parallel requests.  A script's setup() names its stack
with use(); api() and total() then talk to it.
"""
import calendar
import re
import threading
import time

from dqtest import check, eq

JSON_TYPE = "application/json; charset=utf-8"
REQ_ID_RE = re.compile(r"^req_[A-Za-z0-9]{20}$")
JOB_ID_RE = re.compile(r"^job_[A-Za-z0-9]{16}$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

# API.md 4.2: every field, always present.
JOB_FIELDS = (
    "id status url method queue attempts max_attempts created_at required_approval "
    "deduplicated payload headers dedupe_key delay_until started_at finished_at "
    "next_retry_at last_error response_code response_body duration_ms approved_at "
    "approved_by callback_url schedule_id idempotency_key retries_remaining "
    "next_retry_in_seconds actions run_at timeout callback_status updated_at topic").split()

ACTIONS = {
    "pending": ["cancel"],
    "awaiting_approval": ["approve", "cancel"],
    "active": [],
    "completed": [],
    "failed": ["retry"],
    "cancelled": ["retry"],
}


def ms(ts):
    """RFC 3339 UTC with milliseconds -> ms since the epoch."""
    check(isinstance(ts, str) and TIME_RE.match(ts), "not an RFC 3339 ms time: %r" % (ts,))
    t = time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")
    return calendar.timegm(t) * 1000 + int(ts[20:23])


def fmt(ms_):
    """ms since the epoch -> RFC 3339 UTC with milliseconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms_ // 1000)) + ".%03dZ" % (ms_ % 1000)


def now_ms():
    return int(time.time() * 1000)


_stack = None


def use(stack):
    """The stack api() and total() talk to."""
    global _stack
    _stack = stack


def api(method, path, body=None, sent_id=None, **kw):
    """A request to the stack in use, its answer held to the conventions;
    sent_id: an X-Request-Id to send (and to see echoed)."""
    if sent_id is not None:
        kw.setdefault("headers", {})["X-Request-Id"] = sent_id
    return check_conventions(_stack.req(method, path, body, **kw), sent_id)


def total(key=None, query=""):
    """The account's job count (of a filtered list: query, "&status=...")."""
    r = api("GET", "/v1/jobs?limit=1" + query, key=key)
    eq(r.status, 200, "list: %r" % r)
    return r.json["total"]


def check_conventions(r, sent_id=None, envelope=True):
    """API.md 1 and 3: JSON content type, X-Request-Id, the error envelope
    (for every error but /healthz's 503, which describes what is wrong)."""
    eq(r.header("Content-Type"), JSON_TYPE, "Content-Type of %r" % r)
    rid = r.header("X-Request-Id")
    check(rid is not None, "no X-Request-Id on %r" % r)
    if sent_id is not None:
        eq(rid, sent_id, "X-Request-Id echo")
    else:
        check(REQ_ID_RE.match(rid), "generated X-Request-Id %r is not req_ + 20 base62" % rid)
    check(r.json is not None, "body is not JSON: %r" % r)
    if r.status >= 400 and envelope:
        check(isinstance(r.json, dict) and list(r.json) == ["error"],
              "error body must be exactly {\"error\": ...}: %r" % r)
        err = r.json["error"]
        keys = set(err)
        check({"code", "message", "request_id"} <= keys <= {"code", "message", "details",
                                                              "request_id"},
              "error object keys %r" % sorted(keys))
        check(isinstance(err["code"], str) and err["code"], "error code %r" % err)
        check(isinstance(err["message"], str) and err["message"], "error message %r" % err)
        eq(err["request_id"], rid, "error.request_id vs X-Request-Id")
        if "details" in err:
            check(isinstance(err["details"], list) and err["details"] and
                  all(isinstance(d, dict) for d in err["details"]),
                  "details must be a non-empty list of objects: %r" % err)
    return r


def check_error(r, status, code, field=None, sent_id=None):
    """An error answer with this status and code (and details[].field)."""
    eq(r.status, status, "status of %r" % r)
    check_conventions(r, sent_id)
    eq(r.error.get("code"), code, "error code of %r" % r)
    if field is not None:
        fields = [d.get("field") for d in r.error.get("details") or []]
        check(field in fields, "details[].field %r does not name %r (%r)" % (fields, field, r))
    return r


def check_job(j, status=None):
    """The job object of API.md 4.2, consistent with itself."""
    check(isinstance(j, dict), "job is not an object: %r" % (j,))
    missing = [f for f in JOB_FIELDS if f not in j]
    check(not missing, "job lacks %r: %r" % (missing, j))
    check(JOB_ID_RE.match(j["id"]), "job id %r" % j["id"])
    if status is not None:
        eq(j["status"], status, "status of %s" % j["id"])
    eq(j["actions"], ACTIONS[j["status"]], "actions for %s" % j["status"])
    eq(j["retries_remaining"], j["max_attempts"] - j["attempts"], "retries_remaining")
    for f in ("created_at", "updated_at", "run_at"):
        ms(j[f])
    for f in ("delay_until", "started_at", "finished_at", "next_retry_at", "approved_at"):
        if j[f] is not None:
            ms(j[f])
    return j


def parallel(n, fn):
    """Run fn(i) in n threads released together; results in order."""
    barrier = threading.Barrier(n)
    out = [None] * n

    def run(i):
        try:
            barrier.wait(10)
            out[i] = fn(i)
        except Exception as e:  # noqa: BLE001 - reported to the caller
            out[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for v in out:
        if isinstance(v, Exception):
            raise v
    return out
