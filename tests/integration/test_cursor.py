#!/usr/bin/env python3
"""
List cursors as a hostile client would use them, through nginx and dq-fcgi.
A cursor is HMAC-signed with the installation's key (DATA_DIR/cursor.key)
and bound to the account and the list it came from, and every field in it
is checked again as the query string's are.  Tried here: the forged cursor
whose 700-byte queue overflowed a key buffer on the worker's stack (the
worker died; now 400 and the same workers serve), cursors in the old
unsigned format, tampered bytes, another account's cursor, a cursor signed
with another key, a jobs cursor on /v1/schedules and back, and correctly
signed cursors with hostile contents (long or malformed queues, schedule
ids, statuses, ids, times and page sizes): each is 400 validation_error on
"cursor", nothing crashes.  And the cursor remembers the page size
(API.md 4.4): following next_cursor of a limit=50 page gives pages of 50; a
limit sent with a cursor sets it from there on.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dqtest import Stack, check, eq, http_request, run, test  # noqa: E402
from apicommon import check_conventions, check_error  # noqa: E402

S = None
URL = "http://127.0.0.1:9/hook"
PIDS = None


def setup():
    global S, PIDS
    S = Stack(workers=2, dispatcher=False)
    PIDS = sorted(S.fcgi_workers())
    jobs = [{"url": URL, "queue": "qa" if i % 2 else "qb", "delay": "1h"} for i in range(100)]
    for i in (0, 50):
        r = S.req("POST", "/v1/jobs/batch", {"jobs": jobs[i:i + 50]})
        eq(r.status, 200, repr(r))
    for i in range(5):
        r = S.req("POST", "/v1/schedules", {"cron": "0 0 1 1 *", "url": URL})
        eq(r.status, 201, repr(r))
    S.req("POST", "/v1/jobs", {"url": URL, "delay": "1h"}, key=S.key2)


def api(path, key=None):
    return check_conventions(S.req("GET", path, key=key))


def lst(path="/v1/jobs", key=None, **params):
    r = api(path + ("?" + urlencode(params) if params else ""), key=key)
    eq(r.status, 200, "list %r: %r" % (params, r))
    return r.json


def b64(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def cursor_key():
    with open(os.path.join(S.data, "cursor.key"), "rb") as f:
        return f.read()


def split(cur):
    """A cursor's signed JSON and its signature."""
    body, _, sig = cur.partition(".")
    return json.loads(unb64(body)), unb64(sig)


def sign(obj, key=None):
    """A cursor as dq makes one: base64url(JSON) "." base64url(HMAC)."""
    text = json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()
    mac = hmac.new(key or cursor_key(), b"dq cursor 1\0" + text, hashlib.sha256).digest()
    return b64(text) + "." + b64(mac)


def refused(path, cur, why, **params):
    params["cursor"] = cur
    r = api(path + "?" + urlencode(params))
    eq(r.status, 400, "%s: %r" % (why, r))
    check_error(r, 400, "validation_error", "cursor")
    return r


def workers_unharmed():
    eq(http_request(S.port, "GET", "/healthz").status in (200, 503), True, "dq answers")
    eq(sorted(S.fcgi_workers()), PIDS, "the same workers serve (none died)")


@test
def forged_cursor_with_a_700_byte_queue_is_refused():
    # The cursor format before cursors were signed: base64url of
    # {"f": filters, "c": created, "i": id}.  Its 700-byte queue went into a
    # 512-byte key buffer on the worker's stack: the worker died (SIGSEGV,
    # nginx answered 502) with a return address taken from the request.
    forged = b64(json.dumps({"f": {"queue": "A" * 700}, "c": 0,
                             "i": "job_AAAAAAAAAAAAAAAA"}).encode())
    for _ in range(3):
        refused("/v1/jobs", forged, "forged unsigned cursor")
    workers_unharmed()
    eq(len(lst(limit=5)["data"]), 5, "lists still work")


@test
def signed_cursors_with_hostile_contents_are_refused():
    good, _ = split(lst(limit=2, queue="qa")["next_cursor"])
    bad = []
    for f in ({"queue": "A" * 700}, {"queue": "A" * 65}, {"queue": ""}, {"queue": "a b"},
              {"queue": "../x"}, {"queue": 7}, {"queue": None}, {"queue": ["qa"]},
              {"status": "nope"}, {"status": "PENDING"}, {"status": 1},
              {"schedule_id": "sch_"}, {"schedule_id": "x"}, {"schedule_id": "sch_" + "A" * 600},
              {"schedule_id": "job_AAAAAAAAAAAAAAAA"}, {"bogus": "1"}, {"queue": "qa\u0000b"}):
        bad.append(dict(good, f=f))
    bad.append(dict(good, f="queue"))
    for k, v in (("i", "job_short"), ("i", "job_" + "A" * 700), ("i", "sch_AAAAAAAAAAAAAAAA"),
                 ("i", 5), ("i", None), ("c", -1), ("c", "0"), ("c", 1.5), ("c", 2 ** 63),
                 ("c", -2 ** 63), ("l", 0), ("l", 101), ("l", -1), ("l", 2 ** 40), ("l", "20"),
                 ("a", good["a"] + 1), ("a", -1), ("a", "1"), ("k", "schedules"), ("k", "x"),
                 ("v", 2), ("extra", 1)):
        bad.append(dict(good, **{k: v}))
    for missing in good:
        bad.append({k: v for k, v in good.items() if k != missing})
    for obj in bad:
        refused("/v1/jobs", sign(obj), "signed, hostile: %r" % (obj,))
    # not even the right shape under a good signature
    for text in (b"[]", b"1", b"null", b"not json", b"{", b"\xff\xfe"):
        mac = hmac.new(cursor_key(), b"dq cursor 1\0" + text, hashlib.sha256).digest()
        refused("/v1/jobs", b64(text) + "." + b64(mac), "signed non-object %r" % text)
    workers_unharmed()


@test
def tampered_foreign_and_stale_cursors_are_refused():
    cur = lst(limit=2)["next_cursor"]
    body, sig = cur.split(".")
    obj, _ = split(cur)
    # any changed byte
    for i in range(0, len(cur), 7):
        if cur[i] == ".":
            continue
        c = "B" if cur[i] != "B" else "C"
        refused("/v1/jobs", cur[:i] + c + cur[i + 1:], "byte %d changed" % i)
    refused("/v1/jobs", body + "." + sig[:-2], "short signature")
    refused("/v1/jobs", body, "no signature")
    refused("/v1/jobs", body + "." + sig + "." + sig, "two signatures")
    refused("/v1/jobs", b64(json.dumps(dict(obj, l=100)).encode()) + "." + sig, "edited body")
    # another account's cursor: refused, and nothing of either is shown
    r = check_conventions(S.req("GET", "/v1/jobs?cursor=" + cur, key=S.key2))
    check_error(r, 400, "validation_error", "cursor")
    # stale: signed with another installation's key, or in the old format
    refused("/v1/jobs", sign(obj, key=os.urandom(32)), "another key")
    refused("/v1/jobs", b64(json.dumps({"f": {}, "c": obj["c"], "i": obj["i"]}).encode()),
            "old unsigned format")
    # garbage of every length, with and without a dot
    for g in ("", ".", "..", "a.b", "x" * 5000, "." * 300, "%", "é", cur + "\u0000"):
        r = check_conventions(S.req("GET", "/v1/jobs?" + urlencode({"cursor": g})))
        # a NUL, or a query string over 4 KiB, is refused before it is a cursor
        bad_query = "\u0000" in g or len(g) > 4096
        check_error(r, 400, "invalid_query" if bad_query else "validation_error")
    workers_unharmed()


@test
def schedule_cursors_are_signed_too():
    r = lst("/v1/schedules", limit=2)
    cur = r["next_cursor"]
    check(cur and "." in cur, "a signed cursor: %r" % cur)
    obj, _ = split(cur)
    eq(obj["k"], "schedules", "made for the schedules list")
    page = lst("/v1/schedules", cursor=cur)
    eq(len(page["data"]), 2, "next page of schedules")
    check(not {s["id"] for s in page["data"]} & {s["id"] for s in r["data"]}, "no repeats")
    # a schedules cursor on the jobs list and back, tampered, hostile
    refused("/v1/jobs", cur, "a schedules cursor on /v1/jobs")
    refused("/v1/schedules", lst(limit=2)["next_cursor"], "a jobs cursor on /v1/schedules")
    refused("/v1/schedules", cur[:-3] + ("AAA" if cur[-3:] != "AAA" else "BBB"), "tampered")
    for k, v in (("i", "sch_" + "A" * 700), ("i", "job_AAAAAAAAAAAAAAAA"), ("f", {"queue": "qa"}),
                 ("c", -5), ("l", 1000)):
        refused("/v1/schedules", sign(dict(obj, **{k: v})), "hostile schedules cursor %s" % k)
    r = check_conventions(S.req("GET", "/v1/schedules?cursor=" + cur, key=S.key2))
    check_error(r, 400, "validation_error", "cursor")
    workers_unharmed()


@test
def cursor_remembers_the_page_size():
    first = lst(limit=7)
    eq(len(first["data"]), 7, "first page")
    seen = [j["id"] for j in first["data"]]
    page = lst(cursor=first["next_cursor"])
    eq((len(page["data"]), page["limit"]), (7, 7), "the cursor keeps limit=7")
    seen += [j["id"] for j in page["data"]]
    # a limit sent with a cursor sets the page size from there on
    page = lst(cursor=page["next_cursor"], limit=3)
    eq((len(page["data"]), page["limit"]), (3, 3), "limit=3 with the cursor")
    seen += [j["id"] for j in page["data"]]
    page = lst(cursor=page["next_cursor"])
    eq((len(page["data"]), page["limit"]), (3, 3), "and 3 from there on")
    seen += [j["id"] for j in page["data"]]
    eq(len(seen), len(set(seen)), "no job twice")
    every = [j["id"] for j in lst(limit=20)["data"]]
    eq(seen, every, "the same order as one page of 20")
    # as the issue found it: limit=50, then follow next_cursor
    first = lst(limit=50)
    page = lst(cursor=first["next_cursor"])
    eq((len(page["data"]), page["limit"]), (50, 50), "the second page of 50")
    check(not {j["id"] for j in page["data"]} & {j["id"] for j in first["data"]}, "no repeats")
    # schedules too
    s = lst("/v1/schedules", limit=2)
    eq(len(lst("/v1/schedules", cursor=s["next_cursor"])["data"]), 2, "schedules keep it")
    for bad in ("0", "101", "x"):
        r = api("/v1/jobs?" + urlencode({"cursor": first["next_cursor"], "limit": bad}))
        check_error(r, 400, "invalid_query", "limit")


@test
def every_list_that_goes_on_has_a_working_cursor():
    # cursors of every length modulo 3 (the signed JSON grows with the queue
    # name): each is made, and each leads to the next page
    for n in range(1, 8):
        q = "c" * n
        r = S.req("POST", "/v1/jobs/batch", {"jobs": [{"url": URL, "queue": q, "delay": "1h"}] * 3})
        eq(r.status, 200, repr(r))
        first = lst(queue=q, limit=1)
        check(first["next_cursor"], "a cursor for queue %r" % q)
        second = lst(queue=q, cursor=first["next_cursor"])
        eq((len(second["data"]), second["limit"]), (1, 1), "page 2 of queue %r" % q)
        third = lst(cursor=second["next_cursor"])
        eq(len(third["data"]), 1, "page 3 of queue %r" % q)
        eq(third["next_cursor"], None, "the end of queue %r" % q)
        eq(len({j["id"] for j in first["data"] + second["data"] + third["data"]}), 3,
           "three different jobs")


@test
def cursor_key_is_a_private_file():
    st = os.stat(os.path.join(S.data, "cursor.key"))
    eq(st.st_mode & 0o777, 0o600, "cursor.key mode")
    eq(st.st_size, 32, "32 random bytes")


if __name__ == "__main__":
    sys.exit(run(setup))
