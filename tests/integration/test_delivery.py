"""
Delivery (API.md 5): the exact request a target receives, both signatures
checked the way a receiver would, retries with backoff, failure, a target
that says not to retry (API.md 9), timeouts,
redirects, response capture, callbacks, and the lifecycle actions meeting
the dispatcher.
"""
import json
import time

from dqtest import (Stack, Target, check, eq, run, test, ts, wait_for,
                    dispatchq_signature, webhook_signature)

S = T = None


def setup():
    global S, T
    T = Target()
    S = Stack(conf={"retry_base": "200ms", "retry_cap": "1s",
                    "max_response_body": "1k"})


def hit_one(path):
    return T.wait_hits(path, 1)[0]


@test
def post_carries_exact_headers_and_signatures():
    j = S.create({"url": T.url("/sig"), "payload": {"b": 2, "a": [1, "x"]},
                  "headers": {"X-Tenant": "t1", "Authorization": "Bearer downstream"}})
    S.wait_status(j["id"], "completed")
    h = hit_one("/sig")
    eq(h["method"], "POST")
    eq(h["body"], b'{"b":2,"a":[1,"x"]}', "compact JSON payload")
    hd = h["headers"]
    eq(hd["content-type"], "application/json")
    check(hd["user-agent"].startswith("dq/"), hd["user-agent"])
    eq(hd["x-tenant"], "t1")
    eq(hd["authorization"], "Bearer downstream")
    eq(hd["x-dispatchq-job-id"], j["id"])
    eq(hd["x-dispatchq-attempt"], "1")
    eq(hd["x-dispatchq-signature"], dispatchq_signature(S.secret, h["body"]))
    eq(hd["webhook-id"], j["id"], "webhook-id: the job id (Standard Webhooks)")
    ts = int(hd["webhook-timestamp"])
    check(abs(ts - time.time()) < 30, "webhook-timestamp is now")
    eq(hd["webhook-signature"],
       webhook_signature(S.secret, hd["webhook-id"], ts, h["body"]))


@test
def get_and_delete_have_no_body_put_has_one():
    g = S.create({"url": T.url("/get?x=1"), "method": "GET", "payload": {"ignored": 1}})
    d = S.create({"url": T.url("/del"), "method": "DELETE"})
    p = S.create({"url": T.url("/put"), "method": "PUT", "payload": {"k": "v"}})
    n = S.create({"url": T.url("/nullpost"), "payload": None})
    for j in (g, d, p, n):
        S.wait_status(j["id"], "completed")
    h = hit_one("/get")
    eq((h["method"], h["body"], h["path"]), ("GET", b"", "/get?x=1"))
    check("content-type" not in h["headers"], "no Content-Type without a body")
    eq(h["headers"]["x-dispatchq-signature"], dispatchq_signature(S.secret, b""))
    h = hit_one("/del")
    eq((h["method"], h["body"]), ("DELETE", b""))
    h = hit_one("/put")
    eq((h["method"], h["body"]), ("PUT", b'{"k":"v"}'))
    h = hit_one("/nullpost")
    eq((h["method"], h["body"]), ("POST", b""))
    eq(h["headers"].get("content-type"), None,
       "a POST without a body carries no Content-Type (not libcurl's form type)")
    for m in ("PUT", "PATCH"):
        e = S.create({"url": T.url("/empty" + m), "method": m})
        S.wait_status(e["id"], "completed")
        h = hit_one("/empty" + m)
        eq((h["method"], h["body"], h["headers"].get("content-type")), (m, b"", None),
           "a body-less " + m)
    # A job that sets its own Content-Type keeps it, body or not.
    e = S.create({"url": T.url("/owntype"), "headers": {"Content-Type": "text/plain"}})
    S.wait_status(e["id"], "completed")
    eq(hit_one("/owntype")["headers"].get("content-type"), "text/plain")


@test
def api_key_signing_account():
    key, _ = S.add_account("legacy", "--sign-with-api-key")
    j = S.create({"url": T.url("/legacy"), "payload": {"x": 1}}, key=key)
    S.wait_status(j["id"], "completed", key=key)
    h = hit_one("/legacy")
    eq(h["headers"]["x-dispatchq-signature"], dispatchq_signature(key, h["body"]))
    eq(h["headers"]["webhook-signature"],
       webhook_signature(key, h["headers"]["webhook-id"], h["headers"]["webhook-timestamp"],
                         h["body"], raw_key=True))


@test
def flaky_target_completes_after_retries_with_history():
    T.on("/flaky", 500, 503, 200)
    j = S.create({"url": T.url("/flaky"), "max_attempts": 5})
    done = S.wait_status(j["id"], "completed", timeout=20)
    eq(done["attempts"], 3)
    eq(done["response_code"], 200)
    eq(done["last_error"], None)
    hits = T.hits("/flaky")
    eq([h["headers"]["x-dispatchq-attempt"] for h in hits], ["1", "2", "3"])
    eq([h["headers"]["webhook-id"] for h in hits], [j["id"]] * 3,
       "webhook-id is the same on every attempt, so a receiver can deduplicate")
    for h in hits:
        eq(h["headers"]["webhook-signature"],
           webhook_signature(S.secret, j["id"], h["headers"]["webhook-timestamp"],
                             h["body"]))
    # backoff: 2^1 x 200ms, then 2^2 x 200ms capped at 1s
    gap1 = hits[1]["time"] - hits[0]["time"]
    gap2 = hits[2]["time"] - hits[1]["time"]
    check(0.35 <= gap1 <= 1.5, "first backoff %.2fs ~0.4s" % gap1)
    check(0.75 <= gap2 <= 2.0, "second backoff %.2fs ~0.8s" % gap2)
    att = S.req("GET", "/v1/jobs/%s/attempts" % j["id"]).json["data"]
    eq([a["attempt"] for a in att], [1, 2, 3])
    eq([a["response_code"] for a in att], [500, 503, 200])
    eq(att[0]["error"], "HTTP 500")
    eq(att[2]["error"], None)
    eq(att[0]["response_body"], {"status": 500})
    for a in att:
        check(a["duration_ms"] >= 0 and a["started_at"] and a["finished_at"], a)


@test
def always_failing_fails_and_calls_back():
    T.on("/down", 500)
    j = S.create({"url": T.url("/down"), "max_attempts": 2,
                  "callback_url": T.url("/cb-fail"), "payload": {"n": 1}})
    failed = S.wait_status(j["id"], "failed", timeout=20)
    eq(failed["attempts"], 2)
    eq(failed["retries_remaining"], 0)
    eq(failed["actions"], ["retry"])
    eq(failed["last_error"], "HTTP 500")
    check(failed["finished_at"] is not None, "finished_at set")
    cb = hit_one("/cb-fail")
    body = json.loads(cb["body"])
    eq((body["id"], body["status"], body["attempts"]), (j["id"], "failed", 2))
    hd = cb["headers"]
    eq(hd["x-dispatchq-job-id"], j["id"])
    eq(hd["webhook-id"], j["id"] + "_cb")
    eq(hd["x-dispatchq-signature"], dispatchq_signature(S.secret, cb["body"]))
    eq(hd["webhook-signature"],
       webhook_signature(S.secret, hd["webhook-id"], hd["webhook-timestamp"], cb["body"]))
    wait_for(lambda: S.job(j["id"])["callback_status"] == "delivered", what="callback delivered")
    eq(S.job(j["id"])["status"], "failed")


@test
def a_target_can_say_do_not_retry():
    # API.md 9: a non-2xx answer with DQ-No-Retry: true (or QStash's
    # Upstash-NonRetryable-Error: true) fails the job at once.
    for name in ("DQ-No-Retry", "upstash-nonretryable-error"):
        path = "/noretry-" + name.lower()
        T.on(path, (422, {name: "TRUE"}, '{"bad":"input"}', 0))
        j = S.create({"url": T.url(path), "max_attempts": 5,
                      "callback_url": T.url(path + "-cb")})
        f = S.wait_status(j["id"], "failed")
        eq((f["attempts"], f["response_code"], len(T.hits(path))), (1, 422, 1),
           "one attempt, then failed: " + name)
        check("not retried" in f["last_error"] and name.lower() in f["last_error"].lower() and
              "422" in f["last_error"], f["last_error"])
        cb = T.wait_hits(path + "-cb", 1)[0]
        eq(json.loads(cb["body"])["status"], "failed", "its callback as for any failure")
    # not on a success, and only when it says true
    T.on("/noretry-ok", (200, {"DQ-No-Retry": "true"}, "{}", 0))
    S.wait_status(S.create({"url": T.url("/noretry-ok")})["id"], "completed")
    T.on("/noretry-false", (500, {"DQ-No-Retry": "false"}, "{}", 0))
    j = S.create({"url": T.url("/noretry-false"), "max_attempts": 2})
    eq(S.wait_status(j["id"], "failed")["attempts"], 2, "false: retried as usual")


@test
def completed_job_calls_back_and_failing_callback_keeps_status():
    T.on("/cb-down", 500)
    j = S.create({"url": T.url("/ok1"), "callback_url": T.url("/cb-down")})
    S.wait_status(j["id"], "completed")
    eq(S.job(j["id"])["callback_status"] in ("pending", "failed"), True)
    cbs = T.wait_hits("/cb-down", 5, timeout=30)
    eq([h["headers"]["webhook-id"] for h in cbs], [j["id"] + "_cb"] * 5,
       "every callback attempt has the same webhook-id")
    eq([h["headers"]["x-dispatchq-attempt"] for h in cbs], ["1", "2", "3", "4", "5"])
    wait_for(lambda: S.job(j["id"])["callback_status"] == "failed", timeout=10,
             what="callback failed")
    time.sleep(1.5)
    eq(len(T.hits("/cb-down")), 5, "exactly 5 callback attempts")
    eq([h["headers"]["x-dispatchq-attempt"] for h in T.hits("/cb-down")],
       ["1", "2", "3", "4", "5"])
    eq(S.job(j["id"])["status"], "completed")


@test
def timeout_is_a_failure():
    T.on("/slow", (200, {}, "{}", 3))
    j = S.create({"url": T.url("/slow"), "timeout": "1s", "max_attempts": 1})
    t0 = time.time()
    failed = S.wait_status(j["id"], "failed", timeout=10)
    check(time.time() - t0 < 3, "gave up after the 1s timeout")
    check("timed out" in failed["last_error"].lower(), failed["last_error"])
    eq(failed["response_code"], None)


@test
def redirect_is_a_failure_and_not_followed():
    T.on("/moved", (302, {"Location": T.url("/elsewhere")}, "", 0))
    j = S.create({"url": T.url("/moved"), "max_attempts": 1})
    failed = S.wait_status(j["id"], "failed")
    eq(failed["response_code"], 302)
    eq(failed["last_error"], "HTTP 302")
    time.sleep(0.3)
    eq(T.hits("/elsewhere"), [], "redirect not followed")


@test
def retry_after_is_honoured():
    T.on("/busy", (429, {"Retry-After": "2"}, "{}", 0), 200)
    j = S.create({"url": T.url("/busy"), "max_attempts": 3})
    S.wait_status(j["id"], "completed", timeout=15)
    hits = T.hits("/busy")
    gap = hits[1]["time"] - hits[0]["time"]
    # retry_cap is 1s in this stack: Retry-After is honoured up to the cap
    check(0.9 <= gap <= 2.5, "waited %.2fs: Retry-After 2 capped at retry_cap 1s" % gap)


@test
def response_body_capture():
    T.on("/text", (200, {"Content-Type": "text/plain"}, "plain words", 0))
    T.on("/big", (200, {"Content-Type": "application/json"}, '{"x":"' + "y" * 3000 + '"}', 0))
    T.on("/badutf8", (200, {"Content-Type": "text/plain"}, b"ok\xff\xfe\x00end", 0))
    a = S.create({"url": T.url("/text")})
    b = S.create({"url": T.url("/big")})
    c = S.create({"url": T.url("/badutf8")})
    eq(S.wait_status(a["id"], "completed")["response_body"], "plain words")
    big = S.wait_status(b["id"], "completed")["response_body"]
    check(isinstance(big, str) and len(big.encode()) == 1024,
          "truncated to max_response_body as a string, got %r" % (big[:40],))
    bad = S.wait_status(c["id"], "completed")["response_body"]
    eq(bad, "ok\ufffd\ufffd\ufffdend")


@test
def approval_gates_delivery():
    j = S.create({"url": T.url("/approved"), "requires_approval": True})
    time.sleep(0.5)
    eq(T.hits("/approved"), [], "not delivered before approval")
    eq(S.job(j["id"])["status"], "awaiting_approval")
    r = S.req("POST", "/v1/jobs/%s/approve" % j["id"])
    eq(r.status, 200)
    S.wait_status(j["id"], "completed")
    eq(len(T.hits("/approved")), 1)


@test
def cancelled_jobs_are_never_delivered_and_retry_redelivers():
    j = S.create({"url": T.url("/cancelled"), "delay": "1s"})
    eq(S.req("POST", "/v1/jobs/%s/cancel" % j["id"]).status, 200)
    time.sleep(1.8)
    eq(T.hits("/cancelled"), [], "cancelled job not delivered")
    eq(S.req("POST", "/v1/jobs/%s/retry" % j["id"]).status, 200)
    S.wait_status(j["id"], "completed")
    eq(len(T.hits("/cancelled")), 1)
    T.on("/retry-me", 500, 200)
    k = S.create({"url": T.url("/retry-me"), "max_attempts": 1})
    S.wait_status(k["id"], "failed")
    r = S.req("POST", "/v1/jobs/%s/retry" % k["id"])
    eq((r.status, r.json["status"], r.json["attempts"]), (200, "pending", 0))
    done = S.wait_status(k["id"], "completed")
    eq(done["attempts"], 1)
    att = S.req("GET", "/v1/jobs/%s/attempts" % k["id"]).json["data"]
    eq([a["response_code"] for a in att], [500, 200], "history keeps every attempt")


@test
def delayed_job_runs_on_time():
    j = S.create({"url": T.url("/later"), "delay": "2s"})
    time.sleep(1.2)
    eq(T.hits("/later"), [], "not before its delay")
    h = T.wait_hits("/later", 1, timeout=5)[0]
    job = S.wait_status(j["id"], "completed")
    lateness = h["time"] - ts(job["delay_until"])
    check(-0.05 <= lateness < 0.5, "started %.3fs after delay_until" % lateness)


if __name__ == "__main__":
    raise SystemExit(run(setup))
