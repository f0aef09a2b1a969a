#!/usr/bin/env python3
"""
API.md 1-3 and 8 (healthz) through nginx: X-Request-Id, JSON everywhere,
the error envelope, authentication before routing, 404/405/413/415/400
answers, body-less POSTs, and /healthz; and the web console beside the API.
"""
import http.client
import json
import os
import random
import string
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dqtest import (Stack, Target, Response, check_answer, test, run, check, eq,  # noqa: E402
                    wait_for)
import consolecheck  # noqa: E402
from apicommon import (api, total, use, check_conventions, check_error, check_job,  # noqa: E402
                       JSON_TYPE, ms)

S = None
T = None
# Every route dq serves, and some it does not: auth comes before routing.
ROUTES = [
    ("POST", "/v1/jobs"), ("GET", "/v1/jobs"), ("POST", "/v1/jobs/batch"),
    ("GET", "/v1/jobs/job_AAAAAAAAAAAAAAAA"),
    ("POST", "/v1/jobs/job_AAAAAAAAAAAAAAAA/approve"),
    ("POST", "/v1/jobs/job_AAAAAAAAAAAAAAAA/cancel"),
    ("POST", "/v1/jobs/job_AAAAAAAAAAAAAAAA/retry"),
    ("GET", "/v1/jobs/job_AAAAAAAAAAAAAAAA/attempts"),
    ("GET", "/v1/queues"), ("GET", "/v1/queues/default"), ("PUT", "/v1/queues/default"),
    ("POST", "/v1/queues/default/pause"), ("POST", "/v1/queues/default/resume"),
    ("POST", "/v1/queues/default/purge"),
    # unknown routes and wrong methods
    ("GET", "/v1/nope"), ("GET", "/v1/"), ("POST", "/v1/jobs/job_AAAAAAAAAAAAAAAA/explode"),
    ("DELETE", "/v1/jobs"), ("PATCH", "/v1/jobs/job_AAAAAAAAAAAAAAAA"),
    ("GET", "/v1/jobs/job_AAAAAAAAAAAAAAAA/cancel"), ("DELETE", "/v1/queues/default"),
]


def setup():
    global S, T
    T = Target()
    S = Stack(conf={"max_body": "64k"})
    use(S)


def job_body(**extra):
    b = {"url": T.url("/hook")}
    b.update(extra)
    return b


def fake_key():
    return "dq_" + "".join(random.choice(string.ascii_letters + string.digits)
                           for _ in range(32))


# --- X-Request-Id --------------------------------------------------------------

@test
def request_id_valid_values_are_echoed():
    printable = "".join(chr(c) for c in range(0x21, 0x7f))   # includes " and \
    values = ["abc-123", "x", "A" * 128, printable[:128], printable[-60:],
              "req_" + "Z" * 20, "550e8400-e29b-41d4-a716-446655440000"]
    for v in values:
        for method, path, body in (("GET", "/v1/jobs", None),
                                   ("GET", "/v1/jobs/job_AAAAAAAAAAAAAAAA", None),
                                   ("POST", "/v1/jobs", job_body())):
            r = api(method, path, body, sent_id=v)
            check(r.status in (200, 201, 404), repr(r))
            if r.status >= 400:
                eq(r.error["request_id"], v, "request_id in the body")
    # also on 401, 405 and /healthz
    check_error(api("GET", "/v1/jobs", sent_id="id-401", auth=False), 401, "unauthorized",
                sent_id="id-401")
    check_error(api("DELETE", "/v1/jobs", sent_id="id-405"), 405, "method_not_allowed",
                sent_id="id-405")
    api("GET", "/healthz", sent_id="id-health", auth=False)


@test
def request_id_invalid_values_are_replaced():
    bad = ["A" * 129, "a b", "has space at end x y", "ctl\x01char", "tab\tinside",
           "del\x7fchar", "caf\xe9", "", "x" * 500]
    seen = set()
    for v in bad:
        r = S.req("GET", "/v1/jobs/job_AAAAAAAAAAAAAAAA", headers={"X-Request-Id": v})
        check_conventions(r)            # generated: req_ + 20 base62
        rid = r.header("X-Request-Id")
        check(rid != v, "invalid id %r echoed" % v)
        eq(r.error["request_id"], rid, "body request_id")
        seen.add(rid)
    # none sent: generated, fresh each time
    for _ in range(5):
        r = api("GET", "/v1/jobs")
        seen.add(r.header("X-Request-Id"))
    eq(len(seen), len(bad) + 5, "generated request ids are unique")


# --- JSON and the error envelope ----------------------------------------------

@test
def every_answer_is_json_with_charset():
    key = S.key
    cases = [
        ("GET", "/v1/jobs", None, {}, 200),
        ("POST", "/v1/jobs", job_body(), {}, 201),
        ("GET", "/v1/queues", None, {}, 200),
        ("GET", "/v1/nope", None, {}, 404),
        ("DELETE", "/v1/jobs", None, {}, 405),
        ("POST", "/v1/jobs", "x", {"Content-Type": "text/plain"}, 415),
        ("POST", "/v1/jobs", "", {"Content-Type": "application/json"}, 400),
        ("GET", "/v1/jobs?bogus=1", None, {}, 400),
        ("GET", "/healthz", None, {}, 200),
    ]
    for method, path, body, hdrs, want in cases:
        r = S.req(method, path, body, key=key, headers=hdrs)
        eq(r.status, want, "%s %s -> %r" % (method, path, r))
        eq(r.header("Content-Type"), JSON_TYPE, "%s %s" % (method, path))
        check_conventions(r)


@test
def error_envelope_shape():
    r = check_error(api("POST", "/v1/jobs", {"url": T.url("/x"), "max_attempts": 0}),
                    400, "validation_error", "max_attempts")
    d = r.error["details"]
    check(all(isinstance(x.get("message"), str) and x["message"] for x in d), repr(d))
    r = check_error(api("GET", "/v1/nope"), 404, "not_found")
    check("details" not in r.error or r.error["details"], "details, when present, non-empty")
    r = check_error(api("POST", "/v1/jobs", {"url": T.url("/x")}, sent_id="env-1",
                        headers={"X-Request-Id": "env-1"}, key=fake_key()),
                    401, "unauthorized", sent_id="env-1")
    eq(r.error["request_id"], "env-1", "request_id")


# --- authentication -------------------------------------------------------------

BAD_AUTH = [
    None,                                   # no header at all
    "",                                     # empty
    "Bearer",                               # no key
    "Bearer ",                              # empty key
    "Basic dGVzdDp0ZXN0",                   # another scheme
    "Token %s",                             # the right key, wrong scheme
    "%s",                                   # the right key, no scheme
    "Bearer %sx",                           # the right key with a suffix
    "Bearer dq_unknown",                    # malformed key
    "Bearer " + "k" * 300,                  # oversized key
    "Bearer FAKE",                          # a well-formed unknown key
]


def bad_auth_headers(key):
    out = []
    for v in BAD_AUTH:
        if v is None:
            out.append({})
            continue
        if v == "Bearer FAKE":
            v = "Bearer " + fake_key()
        out.append({"Authorization": v.replace("%s", key)})
    return out


@test
def missing_malformed_unknown_key_is_401_on_every_route():
    before = total()
    for method, path in ROUTES:
        body = job_body() if method in ("POST", "PUT") and path == "/v1/jobs" else None
        for hdrs in bad_auth_headers(S.key):
            r = S.req(method, path, body, headers=hdrs, auth=False)
            check_error(r, 401, "unauthorized")
            eq(r.header("WWW-Authenticate"), "Bearer", "WWW-Authenticate on %s %s" %
               (method, path))
    eq(total(), before, "no job created without a valid key")


@test
def auth_precedes_body_checks_and_routing():
    fk = fake_key()
    # a body that would be 415, 400 missing_body, 400 invalid_request, 405, 404
    check_error(S.req("POST", "/v1/jobs", "x", key=fk, headers={"Content-Type": "text/plain"}),
                401, "unauthorized")
    check_error(S.req("POST", "/v1/jobs", "", key=fk,
                      headers={"Content-Type": "application/json"}), 401, "unauthorized")
    check_error(S.req("POST", "/v1/jobs", "{nope", key=fk,
                      headers={"Content-Type": "application/json"}), 401, "unauthorized")
    check_error(S.req("GET", "/v1/jobs?bogus=1", key=fk), 401, "unauthorized")
    check_error(S.req("DELETE", "/v1/jobs", key=fk), 401, "unauthorized")
    check_error(S.req("GET", "/v1/does/not/exist", key=fk), 401, "unauthorized")
    # the same requests with the right key get past auth
    check_error(api("DELETE", "/v1/jobs"), 405, "method_not_allowed")
    check_error(api("GET", "/v1/does/not/exist"), 404, "not_found")


@test
def disabled_account_is_401():
    key, _ = S.add_account("gone")
    r = api("POST", "/v1/jobs", job_body(delay="1h"), key=key)
    eq(r.status, 201, repr(r))
    jid = r.json["id"]
    eq(api("GET", "/v1/jobs/" + jid, key=key).status, 200, "before disable")
    S.ctl("account", "disable", "gone")
    for method, path in ROUTES + [("GET", "/v1/jobs/" + jid)]:
        r = api(method, path, job_body() if path == "/v1/jobs" and method == "POST" else None,
                key=key)
        check_error(r, 401, "unauthorized")
        eq(r.header("WWW-Authenticate"), "Bearer", "WWW-Authenticate")
    # the other accounts are unaffected
    eq(api("GET", "/v1/jobs").status, 200, "account test still works")
    eq(api("GET", "/v1/jobs", key=S.key2).status, 200, "account other still works")


@test
def rotate_key_replaces_the_old_key():
    old = S.key
    r = api("POST", "/v1/jobs", job_body(delay="1h"))
    eq(r.status, 201, repr(r))
    jid = r.json["id"]
    out = S.ctl("account", "rotate-key", "test")
    new = dict(l.split(": ", 1) for l in out.splitlines() if ": " in l)["api_key"]
    check(new != old, "rotate-key printed a new key")
    check(new.startswith("dq_") and len(new) == 35 and new[3:].isalnum(),
          "key format dq_ + 32 base62: %r" % new)
    r = api("GET", "/v1/jobs/" + jid, key=old)
    check_error(r, 401, "unauthorized")
    eq(r.header("WWW-Authenticate"), "Bearer", "WWW-Authenticate")
    r = api("GET", "/v1/jobs/" + jid, key=new)
    eq(r.status, 200, "new key reads the account's job: %r" % r)
    S.key = new
    eq(api("POST", "/v1/jobs", job_body(delay="1h")).status, 201, "new key creates")


# --- routing --------------------------------------------------------------------

@test
def unknown_routes_are_404():
    for method, path in [("GET", "/v1/nope"), ("GET", "/v1/"), ("POST", "/v1/nope"),
                         ("GET", "/v1/jobs/job_AAAAAAAAAAAAAAAA/explode"),
                         ("POST", "/v1/jobs/job_AAAAAAAAAAAAAAAA/explode"),
                         ("GET", "/v1/jobs/job_AAAAAAAAAAAAAAAA/attempts/1"),
                         ("GET", "/v1/jobsx"), ("GET", "/v1/v1/jobs"),
                         ("GET", "/v1/jobs/a/b/c/d/e")]:
        check_error(api(method, path), 404, "not_found")


def allow_set(r):
    v = r.header("Allow")
    check(v is not None, "405 without Allow: %r" % r)
    return {m.strip() for m in v.split(",")}


@test
def wrong_method_is_405_with_allow():
    jid = "job_AAAAAAAAAAAAAAAA"
    cases = [
        ("DELETE", "/v1/jobs", {"GET", "POST"}),
        ("PUT", "/v1/jobs", {"GET", "POST"}),
        ("PATCH", "/v1/jobs/" + jid, {"GET", "DELETE"}),
        ("POST", "/v1/jobs/" + jid, {"GET", "DELETE"}),
        ("GET", "/v1/jobs/%s/approve" % jid, {"POST"}),
        ("GET", "/v1/jobs/%s/cancel" % jid, {"POST"}),
        ("PUT", "/v1/jobs/%s/retry" % jid, {"POST"}),
        ("POST", "/v1/jobs/%s/attempts" % jid, {"GET"}),
        ("DELETE", "/v1/queues/default", {"GET", "PUT"}),
        ("POST", "/v1/queues", {"GET"}),
        ("POST", "/v1/topics", {"GET"}),
        ("POST", "/v1/topics/orders", {"GET", "PUT", "DELETE"}),
        ("DELETE", "/v1/stats", {"GET"}),
    ]
    for method, path, allowed in cases:
        r = check_error(api(method, path), 405, "method_not_allowed")
        eq(allow_set(r), allowed, "Allow for %s %s" % (method, path))
    r = S.req("POST", "/healthz", auth=False)
    check_error(r, 405, "method_not_allowed")
    eq(allow_set(r), {"GET"}, "Allow for POST /healthz")


# --- bodies ------------------------------------------------------------------------

@test
def body_over_max_body_is_413():
    before = total()
    big = json.dumps({"url": T.url("/x"), "payload": {"x": "a" * (70 * 1024)}})
    r = api("POST", "/v1/jobs", big, headers={"Content-Type": "application/json"})
    check_error(r, 413, "payload_too_large")
    r = api("POST", "/v1/jobs", big, sent_id="big-1",
            headers={"Content-Type": "application/json"})
    check_error(r, 413, "payload_too_large", sent_id="big-1")
    r = api("POST", "/v1/jobs/batch", json.dumps({"jobs": [{"url": T.url("/x"),
                                                             "payload": {"x": "b" * 66000}}]}),
            headers={"Content-Type": "application/json"})
    check_error(r, 413, "payload_too_large")
    # just under the limit is not refused for its size
    ok = json.dumps({"url": T.url("/x"), "delay": "1h", "payload": {"x": "c" * 60000}})
    eq(api("POST", "/v1/jobs", ok, headers={"Content-Type": "application/json"}).status, 201,
       "a 60 KiB body is accepted")
    eq(total(), before + 1, "only the small body created a job")


def post_chunked(path, data):
    """POST a body with Transfer-Encoding: chunked (no Content-Length)."""
    conn = http.client.HTTPConnection("127.0.0.1", S.port, timeout=30)
    conn.putrequest("POST", path)
    conn.putheader("Authorization", "Bearer " + S.key)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for i in range(0, len(data), 4096):
        part = data[i:i + 4096]
        conn.send(b"%x\r\n" % len(part) + part + b"\r\n")
    conn.send(b"0\r\n\r\n")
    r = conn.getresponse()
    out = Response(r.status, r.getheaders(), r.read().decode("utf-8", "replace"))
    conn.close()
    check_answer(S.port, "POST", path, out.status, out.headers, out.body)
    return check_conventions(out)


@test
def chunked_bodies_follow_the_same_rules():
    before = total()
    r = post_chunked("/v1/jobs", json.dumps(job_body(delay="1h")).encode())
    eq(r.status, 201, "a chunked create: %r" % r)
    r = post_chunked("/v1/jobs", json.dumps(job_body(payload={"x": "e" * 70000})).encode())
    check_error(r, 413, "payload_too_large")
    r = post_chunked("/v1/jobs", b"")
    check_error(r, 400, "missing_body")
    eq(total(), before + 1, "one job")


@test
def body_far_over_nginx_limit_is_json_413():
    before = total()
    huge = json.dumps({"url": T.url("/x"), "payload": {"x": "d" * (3 * 1024 * 1024)}})
    r = S.req("POST", "/v1/jobs", huge, headers={"Content-Type": "application/json"})
    check_error(r, 413, "payload_too_large")
    r = S.req("POST", "/v1/jobs", huge, headers={"Content-Type": "application/json",
                                                  "X-Request-Id": "huge-1"})
    check_error(r, 413, "payload_too_large", sent_id="huge-1")
    for bad in ("bad id", "L" * 129, "ctl\x01"):
        r = S.req("POST", "/v1/jobs", huge, headers={"Content-Type": "application/json",
                                                      "X-Request-Id": bad})
        check_error(r, 413, "payload_too_large")
    r = S.req("POST", "/v1/jobs", huge, headers={"Content-Type": "application/json",
                                                  "X-Request-Id": "M" * 128})
    check_error(r, 413, "payload_too_large", sent_id="M" * 128)
    eq(total(), before, "no job from a huge body")


@test
def body_with_wrong_content_type_is_415():
    before = total()
    body = json.dumps(job_body())
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                  "text/json", "application/json-patch+json", None):
        hdrs = {"Content-Type": ctype} if ctype else {}
        check_error(api("POST", "/v1/jobs", body, headers=hdrs), 415, "invalid_content_type")
        check_error(api("POST", "/v1/jobs/batch", json.dumps({"jobs": [job_body()]}),
                        headers=hdrs), 415, "invalid_content_type")
        check_error(api("PUT", "/v1/queues/default", '{"paused": false}', headers=hdrs),
                    415, "invalid_content_type")
        check_error(api("POST", "/v1/jobs/job_AAAAAAAAAAAAAAAA/approve",
                        '{"approved_by": "x"}', headers=hdrs), 415, "invalid_content_type")
    eq(total(), before, "no job from a 415")
    for ctype in ("application/json", "application/json; charset=utf-8",
                  "application/json;charset=UTF-8"):
        eq(api("POST", "/v1/jobs", json.dumps(job_body(delay="1h")),
               headers={"Content-Type": ctype}).status, 201, ctype)


@test
def empty_post_is_missing_body():
    before = total()
    for hdrs in ({"Content-Type": "application/json"}, {}):
        check_error(api("POST", "/v1/jobs", "", headers=hdrs), 400, "missing_body")
        check_error(api("POST", "/v1/jobs/batch", "", headers=hdrs), 400, "missing_body")
        check_error(api("PUT", "/v1/queues/default", "", headers=hdrs), 400, "missing_body")
    eq(total(), before, "nothing created")


@test
def non_json_or_non_object_is_invalid_request():
    before = total()
    cases = ["not json", "{", '{"url": ', "[1, 2]", '[{"url": "http://x/"}]', '"a string"',
             "42", "null", "true", '{"url": "http://127.0.0.1/a\\u0000b"}',
             '{"url": "http://127.0.0.1/", "payload": {"k": "nul\\u0000"}}',
             '{"url": "http://127.0.0.1/", "url": "http://127.0.0.1/"}']
    for body in cases:
        for path in ("/v1/jobs", "/v1/jobs/batch"):
            r = check_error(api("POST", path, body, headers={"Content-Type": "application/json"}),
                            400, "invalid_request")
    # invalid UTF-8, a byte order mark, nesting beyond the parser's depth
    for body in (b'{"url": "http://127.0.0.1/\xff"}', b'\xef\xbb\xbf{"url": "http://x/"}',
                 b"[" * 60000, b'{"url": "http://x/", "payload": ' + b'{"a":' * 3000):
        check_error(api("POST", "/v1/jobs", body, headers={"Content-Type": "application/json"}),
                    400, "invalid_request")
    for body in ("not json", '{"url": "http://127.0.0.1/a\\u0000b"}', '{\n  "url": oops\n}'):
        r = check_error(api("POST", "/v1/jobs", body, headers={"Content-Type": "application/json"}),
                        400, "invalid_request")
        msg = r.error["message"]
        check("line" in msg and "column" in msg, "message gives line and column: %r" % msg)
    r = api("POST", "/v1/jobs", '{\n  "url": oops\n}', headers={"Content-Type": "application/json"})
    check("line 2" in r.error["message"], "line number of the error: %r" % r.error["message"])
    eq(total(), before, "nothing created")


@test
def bodyless_posts_need_no_content_type():
    r = api("POST", "/v1/jobs", job_body(requires_approval=True, delay="1h"))
    eq(r.status, 201, repr(r))
    jid = r.json["id"]
    r = api("POST", "/v1/jobs/%s/approve" % jid)       # no body, no Content-Type
    eq(r.status, 200, "approve: %r" % r)
    check_job(r.json, "pending")
    r = api("POST", "/v1/jobs/%s/cancel" % jid)
    eq(r.status, 200, "cancel: %r" % r)
    check_job(r.json, "cancelled")
    r = api("POST", "/v1/jobs/%s/retry" % jid)
    eq(r.status, 200, "retry: %r" % r)
    check_job(r.json, "pending")
    r = api("POST", "/v1/queues/bodyless/pause")
    eq((r.status, r.json.get("paused")), (200, True), "pause: %r" % r)
    r = api("POST", "/v1/queues/bodyless/resume")
    eq((r.status, r.json.get("paused")), (200, False), "resume: %r" % r)
    # a Content-Type without a body is fine too
    jid = api("POST", "/v1/jobs", job_body(delay="1h")).json["id"]
    r = api("POST", "/v1/jobs/%s/cancel" % jid, headers={"Content-Type": "text/plain"})
    eq(r.status, 200, "cancel with a stray Content-Type: %r" % r)


# --- /healthz -----------------------------------------------------------------------

@test
def console_is_served_beside_the_api():
    # nginx set up as quickstart.sh sets it up: the shipped snippet, filled in.
    consolecheck.check("http://127.0.0.1:%d" % S.port, S.key)


@test
def healthz_shape_without_auth():
    def healthy():
        r = S.req("GET", "/healthz", auth=False)
        return r.status == 200 and r
    r = wait_for(healthy, 10, 0.1, "healthz 200")
    check_conventions(r)
    eq(set(r.json), {"status", "store", "dispatcher"}, "healthz keys")
    eq(r.json["status"], "ok", "status")
    eq(r.json["store"], "ok", "store")
    eq(set(r.json["dispatcher"]), {"alive", "last_tick_at"}, "dispatcher keys")
    eq(r.json["dispatcher"]["alive"], True, "dispatcher alive")
    ms(r.json["dispatcher"]["last_tick_at"])
    # an Authorization header, good or bad, changes nothing
    for hdrs in ({"Authorization": "Bearer " + fake_key()}, {"Authorization": "garbage"},
                 {"Authorization": "Bearer " + S.key}):
        r = S.req("GET", "/healthz", headers=hdrs, auth=False)
        eq(r.status, 200, "healthz with %r" % hdrs)
        check("WWW-Authenticate" not in dict(r.headers), "no auth challenge on /healthz")


@test
def healthz_503_when_dispatcher_is_gone():
    S.stop("dq-dispatcher")

    def down():
        r = S.req("GET", "/healthz", auth=False)
        return r.status == 503 and r
    r = wait_for(down, 15, 0.25, "healthz 503 after the dispatcher stopped")
    check_conventions(r, envelope=False)
    eq(set(r.json), {"status", "store", "dispatcher"}, "healthz keys")
    check(r.json["status"] != "ok", "status says something is wrong: %r" % r.json)
    eq(r.json["store"], "ok", "store is fine")
    eq(r.json["dispatcher"]["alive"], False, "dispatcher not alive")
    check(r.header("Retry-After") is not None, "503 carries Retry-After")



@test
def fcgi_down_is_json_503_unavailable():
    S.stop("dq-fcgi")
    for method, path, kw in (("GET", "/v1/jobs", {}), ("POST", "/v1/jobs", {}),
                             ("GET", "/healthz", {"auth": False})):
        body = job_body() if method == "POST" else None
        r = S.req(method, path, body, **kw)
        check_error(r, 503, "unavailable")
        check(r.header("Retry-After") is not None, "503 carries Retry-After")
        r = S.req(method, path, body, headers={"X-Request-Id": "down-1"}, **kw)
        check_error(r, 503, "unavailable", sent_id="down-1")

if __name__ == "__main__":
    sys.exit(run(setup))
