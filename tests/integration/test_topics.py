#!/usr/bin/env python3
"""
API.md 9, topics: PUT/GET/DELETE /v1/topics/{name} and GET /v1/topics,
and a create naming a topic, which fans out to one ordinary job per
endpoint (the same payload, method, delay, queue; the endpoint's url and
headers; topic set on each), with Idempotency-Key and dedupe_key covering
the fan-out as a whole; batch items naming topics; the account's limits.
Every job is delivered to its endpoint by the real dispatcher.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dqtest import Stack, Target, test, run, check, eq  # noqa: E402
from apicommon import check_conventions, check_error, check_job  # noqa: E402

S = T = None


def setup():
    global S, T
    T = Target()
    S = Stack(conf={"max_topics_per_account": "30"})


def api(method, path, body=None, **kw):
    return check_conventions(S.req(method, path, body, **kw))


def put_topic(name, endpoints, key=None):
    r = api("PUT", "/v1/topics/" + name, {"endpoints": endpoints}, key=key)
    eq(r.status, 200, repr(r))
    return r.json


def eps(*paths, headers=None):
    return [{"url": T.url(p), "headers": headers} for p in paths]


@test
def put_get_list_and_delete():
    t = put_topic("orders", eps("/o1", "/o2", headers={"X-Shop": "north"}))
    eq(t["name"], "orders")
    eq(t["endpoints"], eps("/o1", "/o2", headers={"X-Shop": "north"}))
    eq(api("GET", "/v1/topics/orders").json, t)
    t2 = put_topic("orders", [{"url": T.url("/o3")}])
    eq((t2["created_at"], t2["endpoints"]), (t["created_at"], eps("/o3")),
       "a replace keeps created_at and takes the whole new list")
    check(t2["updated_at"] >= t["updated_at"], "updated_at moves on")
    check_error(S.req("GET", "/v1/topics/orders", key=S.key2), 404, "not_found")
    eq(api("DELETE", "/v1/topics/orders").json, {"name": "orders", "deleted": True})
    check_error(S.req("GET", "/v1/topics/orders"), 404, "not_found")
    check_error(S.req("DELETE", "/v1/topics/orders"), 404, "not_found")


@test
def bad_topics_are_refused():
    for body, code, field in (
            ({}, "missing_field", "endpoints"),
            ({"endpoints": []}, "validation_error", "endpoints"),
            ({"endpoints": [{"url": T.url("/x")}] * 101}, "validation_error", "endpoints"),
            ({"endpoints": [{"url": "ftp://x"}]}, "validation_error", "endpoints[0].url"),
            ({"endpoints": [{"headers": {}}]}, "missing_field", "endpoints[0].url"),
            ({"endpoints": [{"url": T.url("/x"), "colour": 1}]}, "validation_error",
             "endpoints[0].colour"),
            ({"endpoints": [{"url": T.url("/x"), "headers": {"Host": "a"}}]},
             "validation_error", "endpoints[0].headers.Host"),
            ({"endpoints": ["x"]}, "validation_error", "endpoints[0]"),
            ({"endpoints": eps("/x"), "name": "y"}, "validation_error", "name")):
        check_error(S.req("PUT", "/v1/topics/bad", body), 400, code, field)
    check_error(S.req("PUT", "/v1/topics/bad.name", {"endpoints": eps("/x")}), 400,
                "validation_error", "name")
    check_error(S.req("GET", "/v1/topics/bad"), 404, "not_found")


@test
def the_list_pages_by_name():
    names = ["list-%02d" % i for i in range(25)]
    for n in names:
        put_topic(n, eps("/l"))
    seen, cursor = [], None
    while True:
        r = api("GET", "/v1/topics?limit=10" + ("&cursor=" + cursor if cursor else ""))
        seen += [t["name"] for t in r.json["data"] if t["name"].startswith("list-")]
        cursor = r.json["next_cursor"]
        if not cursor:
            break
    eq(seen, names, "every topic once, by name")
    eq(api("GET", "/v1/topics", key=S.key2).json["data"], [], "another account's")
    for n in names:
        api("DELETE", "/v1/topics/" + n)


@test
def a_create_fans_out_to_every_endpoint():
    put_topic("fan", [{"url": T.url("/f1")},
                      {"url": T.url("/f2"), "headers": {"X-Endpoint": "two", "x-tenant": "b"}}])
    r = api("POST", "/v1/jobs", {"topic": "fan", "payload": {"order": 7}, "method": "PUT",
                                 "queue": "fanq", "headers": {"X-Tenant": "a"},
                                 "max_attempts": 4})
    eq(r.status, 201, repr(r))
    eq(r.json["topic"], "fan")
    jobs = [check_job(j, "pending") for j in r.json["jobs"]]
    eq([j["url"] for j in jobs], [T.url("/f1"), T.url("/f2")], "in endpoint order")
    for j in jobs:
        eq((j["topic"], j["method"], j["queue"], j["max_attempts"], j["payload"]),
           ("fan", "PUT", "fanq", 4, {"order": 7}))
    eq(jobs[0]["headers"], {"X-Tenant": "a"})
    eq(jobs[1]["headers"], {"X-Endpoint": "two", "x-tenant": "b"},
       "an endpoint's header replaces the create's of the same name")
    eq(len({j["id"] for j in jobs}), 2, "one job each")
    for j in jobs:
        S.wait_status(j["id"], "completed")
    h1, h2 = T.hits("/f1")[0], T.hits("/f2")[0]
    eq((h1["method"], h1["body"], h1["headers"]["x-tenant"]), ("PUT", b'{"order":7}', "a"))
    eq((h2["headers"]["x-tenant"], h2["headers"]["x-endpoint"]), ("b", "two"))
    eq(S.job(jobs[1]["id"])["topic"], "fan", "the stored job says its topic")


@test
def unknown_topics_and_url_with_topic_are_refused():
    before = api("GET", "/v1/jobs?queue=nowhere").json["total"]
    check_error(S.req("POST", "/v1/jobs", {"topic": "nope", "queue": "nowhere"}), 404,
                "not_found")
    check_error(S.req("POST", "/v1/jobs", {"topic": "fan", "url": T.url("/x"),
                                           "queue": "nowhere"}),
                400, "validation_error", "topic")
    check_error(S.req("POST", "/v1/jobs", {"queue": "nowhere"}), 400, "missing_field", "url")
    check_error(S.req("POST", "/v1/jobs", {"topic": "no.pe"}), 400, "validation_error",
                "topic")
    check_error(S.req("POST", "/v1/jobs", {"topic": "fan"}, key=S.key2), 404, "not_found")
    eq(api("GET", "/v1/jobs?queue=nowhere").json["total"], before, "nothing made")


@test
def keys_cover_the_fan_out_as_a_whole():
    put_topic("keyed", eps("/k1", "/k2", "/k3"))
    body = {"topic": "keyed", "delay": "1h", "payload": {"n": 1}}
    first = api("POST", "/v1/jobs", body, headers={"Idempotency-Key": "fan-1"})
    eq(first.status, 201)
    again = api("POST", "/v1/jobs", body, headers={"Idempotency-Key": "fan-1"})
    eq(again.status, 200, "the same create again")
    eq([j["id"] for j in again.json["jobs"]], [j["id"] for j in first.json["jobs"]])
    check(all(j["deduplicated"] for j in again.json["jobs"]), "deduplicated")
    check_error(S.req("POST", "/v1/jobs", dict(body, payload={"n": 2}),
                      headers={"Idempotency-Key": "fan-1"}), 422, "idempotency_key_reused")
    d1 = api("POST", "/v1/jobs", dict(body, dedupe_key="fan-d"))
    d2 = api("POST", "/v1/jobs", dict(body, dedupe_key="fan-d"))
    eq((d1.status, d2.status), (201, 200))
    ids = [j["id"] for j in d1.json["jobs"]]
    eq([j["id"] for j in d2.json["jobs"]], ids, "the dedupe_key finds every job")
    for i in ids[:2]:
        api("POST", "/v1/jobs/%s/cancel" % i)
    eq(api("POST", "/v1/jobs", dict(body, dedupe_key="fan-d")).status, 200,
       "one of them still pending: still a duplicate")
    api("POST", "/v1/jobs/%s/cancel" % ids[2])
    d3 = api("POST", "/v1/jobs", dict(body, dedupe_key="fan-d"))
    eq(d3.status, 201, "all cancelled: a new fan-out")
    # deleting one job of a fan-out leaves the others found by its key
    ids3 = [j["id"] for j in d3.json["jobs"]]
    api("POST", "/v1/jobs/%s/cancel" % ids3[0])
    eq(api("DELETE", "/v1/jobs/" + ids3[0]).status, 200)
    d4 = api("POST", "/v1/jobs", dict(body, dedupe_key="fan-d"))
    eq((d4.status, [j["id"] for j in d4.json["jobs"]]), (200, ids3[1:]))


@test
def batch_items_may_name_topics():
    put_topic("bt", eps("/b1", "/b2"))
    r = api("POST", "/v1/jobs/batch", {"jobs": [
        {"url": T.url("/b0")}, {"topic": "bt"}, {"topic": "missing"},
        {"topic": "bt", "url": T.url("/b0")}]})
    eq(r.status, 200, repr(r))
    d = r.json["data"]
    eq((d[0]["status"], d[1]["status"], d[2]["status"], d[3]["status"]), (201, 201, 404, 400))
    eq(d[1]["topic"], "bt")
    eq([j["url"] for j in d[1]["jobs"]], [T.url("/b1"), T.url("/b2")])
    eq(d[2]["error"]["code"], "not_found")
    for j in d[1]["jobs"]:
        S.wait_status(j["id"], "completed")
    # a batch makes at most 1000 jobs: 11 fan-outs of 100 are one too many
    put_topic("wide", [{"url": T.url("/w%d" % i)} for i in range(100)])
    api("POST", "/v1/queues/wideq/pause")
    r = api("POST", "/v1/jobs/batch", {"jobs": [{"topic": "wide", "queue": "wideq"}] * 11})
    st = [x["status"] for x in r.json["data"]]
    eq(st, [201] * 10 + [400], "the eleventh is refused")
    eq(r.json["data"][10]["error"]["code"], "validation_error")
    eq(api("GET", "/v1/queues/wideq").json["counts"]["pending"], 1000)
    api("POST", "/v1/queues/wideq/purge")


@test
def merged_headers_keep_the_limits():
    many = {"X-E-%d" % i: "v" for i in range(30)}
    put_topic("hdrs", [{"url": T.url("/h"), "headers": many}])
    check_error(S.req("POST", "/v1/jobs", {"topic": "hdrs", "headers":
                                           {"X-J-%d" % i: "v" for i in range(30)}}),
                400, "validation_error")


@test
def the_accounts_limit_on_topics():
    have = api("GET", "/v1/topics").json["total"]
    for i in range(30 - have):
        put_topic("quota-%d" % i, eps("/q"))
    r = check_error(S.req("PUT", "/v1/topics/one-too-many", {"endpoints": eps("/q")}),
                    422, "quota_exceeded")
    eq(r.error["details"], [{"quota": "topics", "limit": 30}])
    put_topic("quota-0", eps("/q2"))    # replacing one is fine
    api("DELETE", "/v1/topics/quota-1")
    put_topic("one-too-many", eps("/q"))
    out = S.ctl("verify", "--online")
    check("consistent" in out, out)


if __name__ == "__main__":
    raise SystemExit(run(setup))
