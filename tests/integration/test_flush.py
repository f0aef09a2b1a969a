"""
sync full, a disk whose flushes fail: a commit has happened when its flush
runs, so a failed flush must not be answered as if nothing was stored (a
client retrying without an Idempotency-Key would make the job twice).  dq
tries the flush again; if the disk still refuses, it answers what it did,
with DQ-Durability: not-flushed, logs it and counts it in
dq_store_flush_failures_total.  The fsync failure is real as far as dq can
tell: failsync.so, preloaded into dq-fcgi, makes fdatasync/fsync fail.
"""
import os

from dqtest import BUILD, Stack, check, eq, run, test

FLAG = SHIM = None


def setup():
    global SHIM
    SHIM = os.path.join(BUILD, "tests", "integration", "failsync.so")


def metric(s, name):
    for line in s.req("GET", "/metrics", auth=False).body.splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    return None


@test
def a_failed_flush_is_not_answered_as_a_failed_create():
    check(os.path.exists(SHIM), "built: " + SHIM)
    s = Stack(conf={"sync": "full"}, workers=1, dispatcher=False, env={
        "LD_PRELOAD": SHIM, "DQ_FAILSYNC": "/nonexistent",
        # the shim is loaded ahead of a sanitizer build's runtime
        "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"})
    flag = os.path.join(s.dir, "fail-fsync")
    s.env["DQ_FAILSYNC"] = flag
    s.stop("nginx")
    s.stop("dq-fcgi")
    s.start_fcgi()
    s.start_nginx()
    body = {"url": "http://127.0.0.1:9/x", "delay": "1h"}
    r = s.req("POST", "/v1/jobs", body)
    eq((r.status, r.header("DQ-Durability")), (201, None), "a healthy disk")
    eq(metric(s, "dq_store_flush_failures_total"), 0)
    open(flag, "w").close()
    r = s.req("POST", "/v1/jobs", body)
    eq(r.status, 201, "the job was committed, so it is created: %r" % r)
    eq(r.header("DQ-Durability"), "not-flushed")
    job = r.json["id"]
    r = s.req("POST", "/v1/jobs/batch", {"jobs": [body, body]})
    eq((r.status, r.header("DQ-Durability")), (200, "not-flushed"))
    eq(metric(s, "dq_store_flush_failures_total"), 2)
    check("could not be flushed" in s.logs(), "logged")
    eq(s.req("GET", "/v1/jobs").header("DQ-Durability"), None, "a read flushes nothing")
    os.unlink(flag)
    r = s.req("POST", "/v1/jobs", body)
    eq((r.status, r.header("DQ-Durability")), (201, None), "the disk is back")
    eq(s.job(job)["status"], "pending", "the job answered not-flushed exists")
    eq(s.req("GET", "/v1/jobs").json["total"], 5, "each create made exactly one job")
    s.destroy()


if __name__ == "__main__":
    raise SystemExit(run(setup))
