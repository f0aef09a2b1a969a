"""
dq-fcgi spoken to directly over FastCGI, as any web server or process
manager would: a body streamed without CONTENT_LENGTH (Apache can send
chunked bodies that way) is read to the end of the stream, and still
limited by max_body.
"""
import json

from dqtest import Stack, check, eq, fcgi_params, fcgi_request, run, test

S = None


def setup():
    global S
    S = Stack(conf={"max_body": "4k"}, dispatcher=False)


def params(**extra):
    return fcgi_params(S.key, **extra)


@test
def a_body_without_content_length_is_read_to_the_end():
    body = json.dumps({"url": "http://127.0.0.1:9/x", "delay": "1h",
                       "payload": {"pad": "x" * 2000}}).encode()
    status, headers, out = fcgi_request(S.sock, params(), body)
    eq(status, 201, out[:300])
    job = json.loads(out)
    eq(len(job["payload"]["pad"]), 2000, "the whole body arrived")
    check(headers.get("X-Request-Id", "").startswith("req_"), headers)


@test
def with_content_length_as_usual():
    body = json.dumps({"url": "http://127.0.0.1:9/x", "delay": "1h"}).encode()
    status, _, out = fcgi_request(S.sock, params(CONTENT_LENGTH=str(len(body))), body)
    eq(status, 201, out[:300])


@test
def an_unannounced_body_over_max_body_is_413():
    body = json.dumps({"url": "http://127.0.0.1:9/x", "payload": {"pad": "x" * 6000}}).encode()
    status, _, out = fcgi_request(S.sock, params(), body)
    eq((status, json.loads(out)["error"]["code"]), (413, "payload_too_large"))
    status, _, out = fcgi_request(S.sock, params(CONTENT_LENGTH=str(len(body))), body)
    eq(status, 413, "announced: refused before reading")


@test
def no_body_at_all():
    status, _, out = fcgi_request(S.sock, params(), b"")
    eq((status, json.loads(out)["error"]["code"]), (400, "missing_body"))


if __name__ == "__main__":
    raise SystemExit(run(setup))
