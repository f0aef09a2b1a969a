"""
The API through Apache 2.4 and mod_proxy_fcgi, started from the shipped
conf/apache-dq.conf.in: what a front end can get wrong (the Authorization
header, the request URI and query, methods, bodies and their limits,
headers both ways) checked on a representative set of calls, and one
delivery; and the web console it serves at /ui/.  The full suites run
through Apache too with DQ_FRONTEND=apache.
"""
import http.client
import json
import os

import consolecheck
from dqtest import APACHE, Response, Stack, Target, check, check_answer, eq, run, test

S = T = None


def setup():
    global S, T
    T = Target()
    S = Stack(frontend="apache")


def error_envelope(r, status, code):
    eq(r.status, status, "status of %r" % r)
    eq(r.header("Content-Type"), "application/json; charset=utf-8", "content type")
    eq(r.error.get("code"), code, "error code")
    check(r.error.get("message"), "a message")
    eq(r.error.get("request_id"), r.header("X-Request-Id"), "request_id is the header")


@test
def healthz_and_only_the_exact_path():
    r = S.req("GET", "/healthz", auth=False)
    check(r.status in (200, 503), r)
    eq(r.json["store"], "ok")
    eq(S.req("GET", "/healthzz", auth=False).status, 404)


@test
def create_get_and_list_with_query():
    a = S.create({"url": T.url("/a"), "queue": "ap", "delay": "1h"})
    b = S.create({"url": T.url("/b"), "queue": "ap", "delay": "1h"})
    eq(S.job(a["id"])["url"], T.url("/a"))
    r = S.req("GET", "/v1/jobs?queue=ap&limit=1")
    eq(r.status, 200)
    eq(([j["id"] for j in r.json["data"]], r.json["total"]), ([b["id"]], 2))
    r = S.req("GET", "/v1/jobs?cursor=" + r.json["next_cursor"])
    eq([j["id"] for j in r.json["data"]], [a["id"]])


@test
def idempotency_key_header_reaches_dq():
    body = {"url": T.url("/idem"), "delay": "1h"}
    first = S.create(body, headers={"Idempotency-Key": "ap-1"})
    r = S.req("POST", "/v1/jobs", body, headers={"Idempotency-Key": "ap-1"})
    eq((r.status, r.json["id"], r.json["deduplicated"]), (200, first["id"], True))


@test
def put_and_delete_pass_through():
    r = S.req("PUT", "/v1/queues/ap", {"concurrency": 3})
    eq((r.status, r.json["concurrency"]), (200, 3))
    s = S.req("POST", "/v1/schedules", {"cron": "@daily", "url": T.url("/s")})
    eq(s.status, 201)
    eq(S.req("DELETE", "/v1/schedules/" + s.json["id"]).status, 200)
    eq(S.req("GET", "/v1/schedules/" + s.json["id"]).status, 404)


@test
def missing_or_wrong_key_is_401_with_www_authenticate():
    for r in (S.req("GET", "/v1/jobs", auth=False),
              S.req("GET", "/v1/jobs", key="dq_not_a_key"),
              S.req("DELETE", "/v1/nowhere", auth=False)):
        error_envelope(r, 401, "unauthorized")
        eq(r.header("WWW-Authenticate"), "Bearer")


@test
def unknown_route_is_404():
    error_envelope(S.req("GET", "/v1/nowhere"), 404, "not_found")
    error_envelope(S.req("GET", "/v1/jobs/job_doesnotexist00"), 404, "not_found")


@test
def wrong_method_is_405_with_allow():
    r = S.req("DELETE", "/v1/jobs")
    error_envelope(r, 405, "method_not_allowed")
    eq(sorted(x.strip() for x in r.header("Allow").split(",")), ["GET", "POST"])


@test
def oversized_body_is_json_413():
    big = '{"url": "%s", "payload": {"x": "%s"}}' % (T.url("/big"), "y" * (1 << 20))
    r = S.req("POST", "/v1/jobs", big, headers={"Content-Type": "application/json"})
    error_envelope(r, 413, "payload_too_large")


def post_chunked(data):
    conn = http.client.HTTPConnection("127.0.0.1", S.port, timeout=30)
    conn.putrequest("POST", "/v1/jobs")
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
    check_answer(S.port, "POST", "/v1/jobs", out.status, out.headers, out.body)
    return out


@test
def chunked_bodies_arrive_whole():
    # Apache streams a large chunked body without CONTENT_LENGTH unless the
    # snippet asks it to spool (proxy-sendcl); dq would see no body at all.
    r = post_chunked(json.dumps({"url": T.url("/chunk"), "delay": "1h",
                                 "payload": {"x": "c" * 200000}}).encode())
    eq(r.status, 201, "a 200k chunked create: %r" % r)
    eq(len(S.job(r.json["id"])["payload"]["x"]), 200000)
    error_envelope(post_chunked(b"x" * (1100 * 1024)), 413, "payload_too_large")


@test
def wrong_content_type_is_415():
    r = S.req("POST", "/v1/jobs", '{"url": "%s"}' % T.url("/t"),
              headers={"Content-Type": "text/plain"})
    error_envelope(r, 415, "invalid_content_type")


@test
def request_id_is_echoed():
    r = S.req("GET", "/v1/jobs", headers={"X-Request-Id": "apache-check-1"})
    eq((r.status, r.header("X-Request-Id")), (200, "apache-check-1"))
    r = S.req("GET", "/v1/nowhere", headers={"X-Request-Id": "apache-check-2"})
    eq((r.error.get("request_id"), r.header("X-Request-Id")),
       ("apache-check-2", "apache-check-2"))


@test
def a_job_created_through_apache_is_delivered():
    j = S.create({"url": T.url("/deliver"), "payload": {"via": "apache"}})
    S.wait_status(j["id"], "completed")
    h = T.wait_hits("/deliver", 1)[0]
    eq((h["body"], h["headers"]["x-dispatchq-job-id"]), (b'{"via":"apache"}', j["id"]))


@test
def console_is_served_with_its_headers():
    consolecheck.check("http://127.0.0.1:%d" % S.port, S.key)


if __name__ == "__main__":
    skip = None
    if not os.access(APACHE, os.X_OK):
        skip = "no %s (apt-get install apache2-bin)" % APACHE
    raise SystemExit(run(setup, skip))
