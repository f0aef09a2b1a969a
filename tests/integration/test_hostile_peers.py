#!/usr/bin/env python3
"""
Numbers and options that come from dq's peers, not its clients.  A target
answers 429 with a Retry-After of any shape: numbers no integer holds
(once multiplied into an overflow, which UBSan aborts on), negative,
fractional, garbage, dates past and far ahead; each is honoured as far as
it makes sense, up to retry_cap, and never wraps into "at once".  A web
server hands dq-fcgi a CONTENT_LENGTH that is not a number: 400, nothing
created.  And a libcurl that refuses one of the options that keep a
delivery safe (protocols, redirects, proxy, the SSRF guard, timeouts; made
to refuse it by tests/integration/failsetopt.so) refuses the transfer: the
target is never called.  Before, the refusal went unnoticed, and a target
on loopback was called with allow_private_targets off.
"""
import json
import os
import time

from dqtest import (BUILD, Stack, Target, check, eq, fcgi_params, fcgi_request, run, test,
                    wait_for)
from apicommon import ms

S = T = None
SHIM = os.path.join(BUILD, "tests", "integration", "failsetopt.so")
RETRY_CAP_MS = 2000     # the harness's retry_cap; retry_base is 200ms


def setup():
    global S, T
    T = Target()
    S = Stack(conf={"max_body": "4k"})


def wait_retry(job_id):
    """The job once its first attempt failed and a retry is planned."""
    return wait_for(lambda: (lambda j: j if j["attempts"] == 1 and j["status"] == "pending"
                             and j["next_retry_at"] else None)(S.job(job_id)),
                    what="a planned retry of " + job_id)


@test
def retry_after_of_any_shape_is_bounded():
    cases = [
        # (Retry-After, the least and most wait after the attempt, in ms)
        # (the result is written a moment after the attempt ends: some slack)
        ("99999999999999999999", RETRY_CAP_MS - 50, RETRY_CAP_MS + 500),
        ("9223372036854775807", RETRY_CAP_MS - 50, RETRY_CAP_MS + 500),
        ("18446744073709551616000", RETRY_CAP_MS - 50, RETRY_CAP_MS + 500),
        ("Fri, 31 Dec 9999 23:59:59 GMT", RETRY_CAP_MS - 50, RETRY_CAP_MS + 500),
        ("1", 950, 1500),
        ("-5", 350, 900),           # not delta-seconds: the backoff, 2 x 200ms
        ("-9223372036854775808", 350, 900),
        ("1.5", 350, 900),
        ("1e9", 350, 900),
        ("soon", 350, 900),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 350, 900),
    ]
    jobs = []
    for i, (value, lo, hi) in enumerate(cases):
        path = "/ra%d" % i
        T.on(path, (429, {"Retry-After": value}, '{"slow":"down"}', 0), 200)
        jobs.append(S.create({"url": T.url(path), "max_attempts": 2})["id"])
    for jid, (value, lo, hi) in zip(jobs, cases):
        j = wait_retry(jid)
        wait = ms(j["next_retry_at"]) - ms(j["finished_at"])
        check(lo <= wait <= hi, "Retry-After %r: retry %d ms after the attempt, want %d-%d"
              % (value, wait, lo, hi))
    for jid in jobs:
        S.wait_status(jid, "completed")


@test
def content_length_that_is_not_a_number_is_refused():
    body = json.dumps({"url": T.url("/cl"), "delay": "1h"}).encode()
    before = S.req("GET", "/v1/jobs?limit=1").json["total"]
    n = str(len(body))
    for cl in (" " + n, n + " ", "+" + n, "-1", "-" + n, n + "abc", "0x%x" % len(body),
               n + ".0", "1e2", "\u0661\u0662"):
        status, _, out = fcgi_request(S.sock, fcgi_params(S.key, CONTENT_LENGTH=cl), body)
        eq((status, json.loads(out)["error"]["code"]), (400, "invalid_request"),
           "CONTENT_LENGTH %r" % cl)
    for cl in ("99999999999999999999", "9223372036854775808", "4097"):
        status, _, out = fcgi_request(S.sock, fcgi_params(S.key, CONTENT_LENGTH=cl), body)
        eq((status, json.loads(out)["error"]["code"]), (413, "payload_too_large"),
           "CONTENT_LENGTH %r" % cl)
    eq(S.req("GET", "/v1/jobs?limit=1").json["total"], before, "nothing created")
    status, _, out = fcgi_request(S.sock, fcgi_params(S.key, CONTENT_LENGTH=n), body)
    eq(status, 201, "a good length: " + out.decode()[:200])


def restart_dispatcher(stack, fail=None):
    stack.stop("dq-dispatcher")
    if fail:
        stack.env.update(LD_PRELOAD=SHIM, DQ_FAIL_SETOPT=fail,
                         ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") +
                         ":verify_asan_link_order=0")
    else:
        for k in ("LD_PRELOAD", "DQ_FAIL_SETOPT"):
            stack.env.pop(k, None)
        stack.env["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "")
    stack.start_dispatcher()
    stack.wait_healthy()


def refused(stack, path):
    j = stack.create({"url": T.url(path), "max_attempts": 1})
    j = stack.wait_status(j["id"], "failed")
    check("could not prepare" in (j["last_error"] or ""), j["last_error"])
    time.sleep(0.3)
    eq(T.hits(path), [], "the target was not called")


@test
def a_safeguard_libcurl_refuses_refuses_the_transfer():
    check(os.path.exists(SHIM), "no %s (make check builds it)" % SHIM)
    for opt in ("CURLOPT_PROTOCOLS_STR", "CURLOPT_FOLLOWLOCATION", "CURLOPT_PROXY",
                "CURLOPT_OPENSOCKETFUNCTION", "CURLOPT_TIMEOUT_MS",
                "CURLOPT_CONNECTTIMEOUT_MS", "CURLOPT_POSTFIELDS"):
        restart_dispatcher(S, opt)
        refused(S, "/guard-" + opt)
    restart_dispatcher(S)
    j = S.create({"url": T.url("/guard-ok")})
    S.wait_status(j["id"], "completed")
    eq(len(T.hits("/guard-ok")), 1, "delivered once libcurl takes every option")


@test
def no_ssrf_guard_no_delivery():
    # The guard that keeps jobs off loopback is a libcurl callback: without
    # it, this target on 127.0.0.1 would be called.
    s = Stack(conf={"allow_private_targets": "no"})
    restart_dispatcher(s, "CURLOPT_OPENSOCKETFUNCTION")
    refused(s, "/ssrf")
    restart_dispatcher(s)
    j = s.create({"url": T.url("/ssrf"), "max_attempts": 1})
    j = s.wait_status(j["id"], "failed")
    check("refused to connect to 127.0.0.1" in j["last_error"], j["last_error"])
    eq(T.hits("/ssrf"), [], "never called")
    s.destroy()


if __name__ == "__main__":
    raise SystemExit(run(setup))
