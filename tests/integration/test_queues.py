"""
Queues (API.md 7): the queue routes, and the dispatcher honouring paused,
concurrency and rate_per_second, fairly between queues.
"""
import threading
import time

from dqtest import Stack, Target, check, eq, run, test, wait_for

S = T = None


def setup():
    global S, T
    T = Target()
    S = Stack()


def queue(name, key=None):
    r = S.req("GET", "/v1/queues/" + name, key=key)
    eq(r.status, 200, "GET queue %s: %r" % (name, r))
    return r.json


@test
def any_valid_name_is_a_queue_with_defaults():
    q = queue("never-used_1")
    eq(q, {"name": "never-used_1", "paused": False, "ordered": False, "concurrency": None,
           "rate_per_second": None,
           "counts": {"pending": 0, "active": 0, "awaiting_approval": 0,
                      "completed": 0, "failed": 0, "cancelled": 0}})
    r = S.req("GET", "/v1/queues/bad.name")
    eq((r.status, r.error.get("code")), (400, "validation_error"))
    r = S.req("GET", "/v1/queues/" + "q" * 65)
    eq(r.status, 400)


@test
def put_validates_and_stores_settings():
    r = S.req("PUT", "/v1/queues/settings", {"concurrency": 3, "rate_per_second": 2.5})
    eq(r.status, 200, repr(r))
    eq((r.json["concurrency"], r.json["rate_per_second"], r.json["paused"]), (3, 2.5, False))
    r = S.req("PUT", "/v1/queues/settings", {"concurrency": None})
    eq((r.json["concurrency"], r.json["rate_per_second"]), (None, 2.5))
    for bad in ({"concurrency": 0}, {"concurrency": 10001}, {"concurrency": 1.5},
                {"rate_per_second": 0.001}, {"rate_per_second": 100001},
                {"rate_per_second": "5"}, {"paused": "yes"}, {"colour": "red"}):
        r = S.req("PUT", "/v1/queues/settings", bad)
        eq((r.status, r.error.get("code")), (400, "validation_error"), "PUT %r" % bad)
    eq(queue("settings")["rate_per_second"], 2.5, "refused PUTs changed nothing")
    r = S.req("PUT", "/v1/queues/settings", "", headers={"Content-Type": "application/json"})
    eq((r.status, r.error.get("code")), (400, "missing_body"))


@test
def list_shows_queues_with_jobs_or_settings_per_account():
    S.create({"url": T.url("/x"), "queue": "listed", "requires_approval": True})
    S.req("PUT", "/v1/queues/configured", {"paused": True})
    names = [q["name"] for q in S.req("GET", "/v1/queues").json["data"]]
    check("listed" in names and "configured" in names, names)
    check("never-used_1" not in names, "a queue only read is not listed")
    other = [q["name"] for q in S.req("GET", "/v1/queues", key=S.key2).json["data"]]
    check("listed" not in other, "another account does not see them")
    eq(queue("listed")["counts"]["awaiting_approval"], 1)
    eq(queue("listed", key=S.key2)["counts"]["awaiting_approval"], 0)


@test
def paused_queue_accepts_but_delivers_nothing_until_resumed():
    eq(S.req("POST", "/v1/queues/paused-q/pause").json["paused"], True)
    j = S.create({"url": T.url("/paused"), "queue": "paused-q"})
    time.sleep(1.0)
    eq(T.hits("/paused"), [], "nothing delivered while paused")
    eq(queue("paused-q")["counts"]["pending"], 1)
    eq(S.req("POST", "/v1/queues/paused-q/resume").json["paused"], False)
    S.wait_status(j["id"], "completed", timeout=5)


@test
def purge_cancels_pending_and_awaiting():
    for i in range(5):
        S.create({"url": T.url("/purged"), "queue": "purge-q", "delay": "1h"})
    for i in range(2):
        S.create({"url": T.url("/purged"), "queue": "purge-q", "requires_approval": True})
    r = S.req("POST", "/v1/queues/purge-q/purge")
    eq((r.status, r.json), (200, {"cancelled": 7}))
    c = queue("purge-q")["counts"]
    eq((c["pending"], c["awaiting_approval"], c["cancelled"]), (0, 0, 7))
    eq(S.req("POST", "/v1/queues/purge-q/purge").json, {"cancelled": 0})


@test
def concurrency_one_never_overlaps():
    T.on("/serial", (200, {}, "{}", 0.15))
    S.req("PUT", "/v1/queues/serial-q", {"concurrency": 1})
    ids = [S.create({"url": T.url("/serial"), "queue": "serial-q"})["id"] for _ in range(6)]
    for i in ids:
        S.wait_status(i, "completed", timeout=20)
    eq(T.max_active.get("/serial"), 1, "at most one request at a time")
    hits = T.hits("/serial")
    for a, b in zip(hits, hits[1:]):
        check(b["time"] >= a["done"] - 0.01, "request started before the previous ended")


@test
def rate_per_second_holds():
    S.req("PUT", "/v1/queues/rated", {"rate_per_second": 5})
    body = {"jobs": [{"url": T.url("/rated"), "queue": "rated"} for _ in range(16)]}
    eq(S.req("POST", "/v1/jobs/batch", body).status, 200)
    hits = T.wait_hits("/rated", 16, timeout=15)
    span = hits[-1]["time"] - hits[0]["time"]
    rate = (len(hits) - 1) / span
    check(4.0 <= rate <= 6.0, "measured %.2f/s for rate_per_second 5" % rate)


@test
def a_busy_queue_does_not_starve_another():
    # Four delivery slots; one queue with a long backlog of slow jobs.  A job
    # in another queue (or another account) must get the next free slot,
    # not wait for the backlog (about 2.5 s) to drain.
    small = Stack(conf={"max_parallel": "4"})
    T.on("/hog", (200, {}, "{}", 0.1))
    small.req("POST", "/v1/jobs/batch",
              {"jobs": [{"url": T.url("/hog"), "queue": "hog"} for _ in range(100)]})
    T.wait_hits("/hog", 4)
    for name, key, path in (("same account", None, "/fair-q"),
                            ("other account", small.key2, "/fair-acct")):
        t0 = time.time()
        j = small.create({"url": T.url(path), "queue": "other"}, key=key)
        h = T.wait_hits(path, 1, timeout=10)[0]
        check(h["time"] - t0 < 0.6, "%s: waited %.2fs behind the backlog" % (
            name, h["time"] - t0))
        small.wait_status(j["id"], "completed", key=key)
    left = small.req("GET", "/v1/queues/hog").json["counts"]["pending"]
    check(left > 40, "the hog queue still had its backlog (%d pending)" % left)


if __name__ == "__main__":
    raise SystemExit(run(setup))
