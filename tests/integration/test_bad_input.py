"""
Hostile input through nginx: random bytes as bodies on every body route,
JSON nested 10,000 deep, invalid UTF-8, NUL bytes (escaped and raw), huge
header counts, oversize query strings, and ids with '/', '..', '%00',
'%2F', unicode or thousands of characters on every route that takes one.
Every answer is a 4xx, in dq's JSON error envelope whenever dq answered
(nginx may refuse some requests itself, in its own format); nothing is
created; afterwards /healthz is 200 and the same worker processes serve
(none crashed).  test_api_conventions.py covers the ordinary 400/404/413
cases; this file throws many more and nastier inputs.
"""
import json
import os
import random
import socket

from dqtest import Response, Stack, Target, check, eq, run, test
from apicommon import check_conventions, total, use

S = T = None
PIDS = None
TRIED = {"n": 0}
SEED = int(os.environ.get("DQ_BAD_INPUT_SEED") or random.randrange(1 << 30))
RNG = random.Random(SEED)
JOB = "job_AAAAAAAAAAAAAAAA"
SCH = "sch_AAAAAAAAAAAAAAAA"
BODY_ROUTES = [("POST", "/v1/jobs"), ("POST", "/v1/jobs/batch"), ("POST", "/v1/schedules"),
               ("PUT", "/v1/schedules/" + SCH), ("PUT", "/v1/queues/default"),
               ("POST", "/v1/jobs/%s/approve" % JOB)]


def setup():
    global S, T, PIDS
    T = Target()
    S = Stack(workers=2)
    use(S)
    PIDS = sorted(S.fcgi_workers())
    print("# seed %d (DQ_BAD_INPUT_SEED to repeat)" % SEED)


def raw(data, timeout=15):
    """Send bytes as they are (http.client refuses most of these); parse the
    answer of a Connection: close exchange.  None if nginx just closed."""
    s = socket.create_connection(("127.0.0.1", S.port), timeout)
    try:
        s.sendall(data)
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    buf = b"".join(chunks)
    if not buf:
        return None
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = [tuple(l.split(": ", 1)) for l in lines[1:] if ": " in l]
    return Response(status, headers, body.decode("utf-8", "replace"))


def request_bytes(method, target, headers=(), body=b"", auth=True):
    out = [b"%s %s HTTP/1.1" % (method.encode(), target), b"Host: 127.0.0.1",
           b"Connection: close"]
    if auth:
        out.append(b"Authorization: Bearer " + S.key.encode())
    out += list(headers)
    if body or method in ("POST", "PUT"):
        out.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(out) + b"\r\n\r\n" + body


def refused(r, what, codes=None):
    """A 4xx; dq's envelope when dq answered (its answers are JSON)."""
    TRIED["n"] += 1
    check(r is not None, "%s: no answer at all" % what)
    check(400 <= r.status < 500, "%s: %r" % (what, r))
    ctype = r.header("Content-Type") or ""
    if ctype.startswith("application/json"):
        check_conventions(r)
        if codes:
            check(r.error.get("code") in codes, "%s: code %r, want one of %s" % (
                what, r.error.get("code"), codes))
    return r


def post_raw_body(method, path, body, ctype=b"application/json"):
    hdrs = [b"Content-Type: " + ctype] if ctype else []
    return raw(request_bytes(method, path.encode(), hdrs, body))


def random_garbage(n):
    """Bytes that are not a JSON object (checked, so that nothing is created)."""
    while True:
        kind = RNG.random()
        if kind < 0.4:
            b = bytes(RNG.randrange(256) for _ in range(n))
        elif kind < 0.7:    # printable, JSON-ish punctuation
            b = "".join(RNG.choice('{}[]":,0123456789.-+eEtrufalsn \\/u\n\t')
                        for _ in range(n)).encode()
        else:               # a JSON object cut off or spliced with garbage
            good = json.dumps({"url": T.url("/never"), "payload": {"k": "v" * n}}).encode()
            cut = RNG.randrange(1, len(good))
            b = good[:cut] + bytes(RNG.randrange(256) for _ in range(RNG.randrange(4)))
        try:
            if isinstance(json.loads(b), dict):
                continue
        except (ValueError, UnicodeDecodeError):
            pass
        return b


@test
def random_bytes_bodies_on_every_body_route():
    before = total()
    for i in range(240):
        method, path = BODY_ROUTES[i % len(BODY_ROUTES)]
        body = random_garbage(RNG.choice([1, 2, 7, 64, 500, 4000]))
        r = post_raw_body(method, path, body)
        refused(r, "%s %s with %r" % (method, path, body[:40]),
                {"invalid_request", "missing_body", "not_found"})
    eq(total(), before, "nothing created")


@test
def deep_nesting_is_refused():
    deep = 10000
    bodies = [b"[" * deep + b"]" * deep, b"{\"a\":" * deep + b"1" + b"}" * deep,
              b'{"url": "http://127.0.0.1/", "payload": ' + b'{"a":' * deep + b"1" +
              b"}" * deep + b"}",
              b'{"url": "http://127.0.0.1/", "headers": ' + b"[" * deep + b"]" * deep + b"}",
              b'{"jobs": [' + b"[" * deep + b"]" * deep + b"]}",
              b"[" * deep, b"{\"a\":" * deep]
    for method, path in BODY_ROUTES:
        for b in bodies:
            refused(post_raw_body(method, path, b), "%d-deep JSON to %s" % (deep, path),
                    {"invalid_request", "not_found"})


@test
def invalid_utf8_is_refused():
    bad = [b"\xff", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
           b"\xc3", b"\xe2\x82", b"\x80", b"\xfe\xfe", b"caf\xe9"]
    before = total()
    for b in bad:
        for field in (b'{"url": "http://127.0.0.1/%s"}', b'{"url": "http://x/", "queue": "%s"}',
                      b'{"url": "http://x/", "payload": {"%s": 1}}',
                      b'{"url": "http://x/", "headers": {"X-A": "%s"}}'):
            body = field.replace(b"%s", b)
            for method, path in BODY_ROUTES[:3]:
                refused(post_raw_body(method, path, body), "invalid UTF-8 %r" % body,
                        {"invalid_request"})
    eq(total(), before, "nothing created")


@test
def invalid_utf8_idempotency_key_is_refused():
    """The key is echoed in the job as JSON text, so it must be UTF-8."""
    before = total()
    body = b'{"url": "http://127.0.0.1/", "delay": "1h"}'
    for key in (b"inv-4\xaf2", b"\xff", b"caf\xe9", b"\xed\xa0\x80"):
        hdrs = [b"Content-Type: application/json", b"Idempotency-Key: " + key]
        r = refused(raw(request_bytes("POST", b"/v1/jobs", hdrs, body)),
                    "Idempotency-Key %r" % key, {"validation_error"})
        eq(r.status, 400, "Idempotency-Key %r" % key)
    hdrs = [b"Content-Type: application/json", "Idempotency-Key: caf\u00e9-\u2713".encode()]
    r = raw(request_bytes("POST", b"/v1/jobs", hdrs, body))
    eq(r.status, 201, "a UTF-8 key is fine: %r" % r)
    eq(json.loads(r.body)["idempotency_key"], "caf\u00e9-\u2713", "echoed as sent")
    eq(total(), before + 1, "only the valid key created a job")


@test
def nul_bytes_escaped_and_raw_are_refused():
    before = total()
    bodies = [b'{"url": "http://127.0.0.1/\\u0000"}',
              b'{"url": "http://127.0.0.1/", "dedupe_key": "a\\u0000b"}',
              b'{"url": "http://127.0.0.1/", "headers": {"X-A\\u0000": "b"}}',
              b'{"url": "http://127.0.0.1/", "payload": {"\\u0000": 1}}',
              b'{"url": "http://127.0.0.1/\x00"}',
              b'{"url": "http://127.0.0.1/"}\x00',
              b'\x00{"url": "http://127.0.0.1/"}',
              b'{"url": "http://127.0.0.1/", "queue": "a\x00b"}',
              b"\x00" * 100]
    for b in bodies:
        for method, path in BODY_ROUTES:
            refused(post_raw_body(method, path, b), "NUL in %r to %s" % (b[:50], path),
                    {"invalid_request", "not_found"})
    for value in (b"a\x00b", b"\x00"):
        r = raw(request_bytes("GET", b"/v1/jobs", [b"X-Request-Id: " + value]))
        refused(r, "NUL in a header")
    eq(total(), before, "nothing created")


@test
def huge_header_counts():
    for n, auth in ((500, False), (500, True), (5000, True)):
        hdrs = [b"X-Custom-%d: value-%d" % (i, i) for i in range(n)]
        r = raw(request_bytes("GET", b"/v1/jobs?limit=1", hdrs, auth=auth))
        TRIED["n"] += 1
        check(r is not None, "%d headers: no answer" % n)
        if auth and r.status == 200:
            check_conventions(r)    # dq read them all and answered normally
            continue
        refused(r, "%d custom headers (auth %s)" % (n, auth), {"unauthorized"})
    # the same header name many times, and one enormous header
    r = raw(request_bytes("GET", b"/v1/jobs", [b"Authorization: Bearer x"] * 300, auth=False))
    refused(r, "300 Authorization headers", {"unauthorized"})
    r = raw(request_bytes("GET", b"/v1/jobs", [b"X-Big: " + b"b" * 100000]))
    refused(r, "a 100 kB header")


@test
def oversize_query_strings():
    for n in (4097, 6000):
        q = ("status=pending&limit=5&x=" + "a" * n)[:n]
        r = S.req("GET", "/v1/jobs?" + q)
        refused(r, "%d-byte query" % n, {"invalid_query"})
        eq(r.status, 400, "dq answers a query over 4 KiB")
        eq(r.error["code"], "invalid_query")
    r = S.req("GET", "/v1/jobs?" + "&".join("limit=1" for _ in range(600)))
    refused(r, "600 parameters", {"invalid_query"})
    for n in (20000, 70000):    # beyond nginx's request line limit
        r = raw(request_bytes("GET", b"/v1/jobs?limit=1&x=" + b"q" * n))
        refused(r, "%d-byte query" % n, {"invalid_query"})
    for q in ("limit=%00", "status=%00pending", "cursor=%00", "limit=1%", "limit=%zz",
              "queue=%C3%A9", "queue=%ff%fe", "limit=1&limit=2", "status=pending%2F..",
              "schedule_id=sch_%2F..%2F..%2F", "offset=-1", "limit=99999999999999999999"):
        refused(S.req("GET", "/v1/jobs?" + q), "query %s" % q, {"invalid_query"})


def bad_ids():
    return ["job_AAAAAAAAAAAAAAA/", "..", "job_..%2F..%2Fx", "%2e%2e", "%00",
            "job_AAAAAAAAAAAAAAA%00", "job_%2FAAAAAAAAAAAAA", "%2F", "a%2Fb",
            "job_" + "A" * 5000, "j" * 1100, "%C3%A9%C3%A9", "job_%",
            "job_AAAAAAAAAAAAAA%2", "%252F", "job_AAAAAAAAAAAAAAA%20",
            "sch_AAAAAAAAAAAAAAA\\", "job_AAAAAAAAAAAAAAA;x", "*", "job_*"]


def id_routes(i):
    return [("GET", "/v1/jobs/" + i), ("POST", "/v1/jobs/%s/approve" % i),
            ("POST", "/v1/jobs/%s/cancel" % i), ("POST", "/v1/jobs/%s/retry" % i),
            ("GET", "/v1/jobs/%s/attempts" % i), ("GET", "/v1/schedules/" + i),
            ("DELETE", "/v1/schedules/" + i), ("POST", "/v1/schedules/%s/pause" % i),
            ("POST", "/v1/schedules/%s/resume" % i), ("GET", "/v1/queues/" + i),
            ("POST", "/v1/queues/%s/purge" % i), ("POST", "/v1/queues/%s/pause" % i)]


@test
def hostile_ids_on_every_route():
    victim = S.create({"url": T.url("/never"), "delay": "1h"})
    for i in bad_ids() + [victim["id"] + "/..", victim["id"] + "%00",
                          victim["id"] + "%2F", "%2F" + victim["id"]]:
        for method, path in id_routes(i):
            r = raw(request_bytes(method, path.encode()))
            refused(r, "%s %s" % (method, path[:80]),
                    {"not_found", "validation_error", "method_not_allowed"})
    eq(S.job(victim["id"])["status"], "pending", "the real job was not touched")


@test
def raw_bytes_in_paths():
    paths = [b"/v1/jobs/job_\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
             b"/v1/jobs/\xff\xfe", b"/v1/queues/\xe2\x82\xac", b"/v1/schedules/\xf0\x9f\x92\xa9",
             b"/v1/jobs/job_AAAAAAAAAAAAAAA\x00", b"/v1/jobs/a\tb", b"/v1/jobs/../../etc/passwd",
             b"/v1/../../../etc/passwd", b"/v1/jobs/%2e%2e/%2e%2e/healthz", b"//v1//jobs//",
             b"/v1/jobs/" + b"%" * 300, b"/v1/\x7f", b"/v1/jobs/\x1b[2J"]
    for p in paths:
        for method in ("GET", "POST", "DELETE"):
            r = raw(request_bytes(method, p))
            refused(r, "%s %r" % (method, p[:60]))


@test
def still_healthy_and_nothing_crashed():
    print("# %d hostile requests" % TRIED["n"])
    r = S.req("GET", "/healthz", auth=False)
    eq(r.status, 200, "healthz: %r" % r)
    eq(sorted(S.fcgi_workers()), PIDS, "the same dq-fcgi workers serve (none died)")
    check(S.procs["dq-dispatcher"].alive() and S.procs["dq-fcgi"].alive(), "daemons alive")
    logs = S.logs()
    check("internal error" not in logs, "an internal error was logged")
    check("killed by signal" not in logs and "exited with" not in logs, "a worker died")
    eq(S.req("POST", "/v1/jobs", {"url": T.url("/after"), "delay": "1h"}).status, 201)


if __name__ == "__main__":
    raise SystemExit(run(setup))
