"""
Security end to end: header injection through job headers is impossible
(CR, LF and NUL are refused in names and values, on every route that takes
headers; what is accepted is delivered verbatim as one header); another
account's ids are answered 404 on every route, in a randomised order, and
nothing of theirs changes; API keys, signing secrets and Authorization
values never reach a log, even at log_level debug with log_requests; and the data directory
holds no API key or signing secret, only their hashes and HMAC states.
SSRF refusals are in test_dispatcher.py and the address classifier in
tests/unit/test_addr.c; redirects (never followed) in test_delivery.py.
"""
import json
import os
import random
import subprocess

from dqtest import Stack, Target, check, eq, run, test, wait_for
from apicommon import check_error

S = T = None
SEED = int(os.environ.get("DQ_SECURITY_SEED") or random.randrange(1 << 30))
RNG = random.Random(SEED)
# The delivered Authorization header of a job: a secret of the job's owner,
# stored with the job (it must be sent) but never logged.
JOB_AUTH = "Bearer target-secret-%016x" % random.getrandbits(64)


def setup():
    global S, T
    T = Target()
    S = Stack(conf={"log_level": "debug", "log_requests": "yes"})
    print("# seed %d (DQ_SECURITY_SEED to repeat)" % SEED)


# --- header injection -------------------------------------------------------------

BAD_HEADERS = [
    {"X-A": "a\r\nX-Injected: 1"}, {"X-A": "a\nX-Injected: 1"}, {"X-A": "a\rX-Injected: 1"},
    {"X-A": "\r\n"}, {"X-A": "a\r\n\r\nGET / HTTP/1.1"}, {"X-A\r\nX-Injected": "1"},
    {"X-A\n": "1"}, {"\rX-A": "1"}, {"X-A: b\r\nX-C": "d"}, {"X-A\x00": "1"},
    {"X-A": "a\x00b"}, {"X-A": "\x00"}, {"X-A": "ok", "X-B": "bad\nvalue"},
]


def bodies_with(headers):
    """Every create-like body that takes headers."""
    job = {"url": T.url("/inject"), "headers": headers, "delay": "1h"}
    sched = {"cron": "0 0 1 1 *", "url": T.url("/inject"), "headers": headers}
    return [("POST", "/v1/jobs", job), ("POST", "/v1/schedules", sched)]


@test
def cr_lf_nul_in_job_headers_are_refused_everywhere():
    sch = S.req("POST", "/v1/schedules", {"cron": "0 0 1 1 *", "url": T.url("/inject")}).json
    before = S.req("GET", "/v1/jobs?limit=1").json["total"]
    for h in BAD_HEADERS:
        nul = any("\x00" in k + v for k, v in h.items())
        for method, path, body in bodies_with(h) + [
                ("PUT", "/v1/schedules/" + sch["id"],
                 {"cron": "0 0 1 1 *", "url": T.url("/inject"), "headers": h})]:
            r = S.req(method, path, body)
            # a NUL never gets past the JSON parser (API.md 3); CR and LF are
            # refused by the headers rule
            check_error(r, 400, "invalid_request" if nul else "validation_error")
        r = S.req("POST", "/v1/jobs/batch", {"jobs": [
            {"url": T.url("/inject"), "headers": h, "delay": "1h"},
            {"url": T.url("/inject"), "delay": "1h"}]})
        if nul:
            check_error(r, 400, "invalid_request")
        else:
            eq(r.status, 200, "batch: %r" % r)
            eq([d["status"] for d in r.json["data"]], [400, 201], "batch item statuses")
            eq(r.json["data"][0]["error"]["code"], "validation_error")
    eq(S.req("GET", "/v1/schedules/" + sch["id"]).json["headers"], None, "PUT refused")
    eq(S.req("GET", "/v1/jobs?limit=1").json["total"], before + len(
        [h for h in BAD_HEADERS if not any("\x00" in k + v for k, v in h.items())]),
        "only the good batch items were created")
    eq(T.hits("/inject"), [])


@test
def accepted_header_values_are_delivered_verbatim_as_one_header():
    long_value = "L" * (8 * 1024 - 200)
    headers = {
        "X-Unicode": "caf\u00e9 \u2603 \u2028 \u0085 \U0001F600 \u202e",
        "X-Long": long_value,
        "X-Tab": "a\tb",
        "X-Colons": "a: b: c",
        "Authorization": JOB_AUTH,
    }
    j = S.create({"url": T.url("/verbatim"), "headers": headers})
    S.wait_status(j["id"], "completed")
    h = T.hits("/verbatim")
    eq(len(h), 1, "one delivery")
    raw = h[0]["raw_headers"]
    for name, want in headers.items():
        got = [v for k, v in raw if k.lower() == name.lower()]
        eq(len(got), 1, "%s arrives as exactly one header" % name)
        # http.server decodes header bytes as Latin-1
        eq(got[0].encode("latin-1").decode("utf-8"), want, "%s arrives verbatim" % name)
    names = [k.lower() for k, _ in raw]
    check("x-injected" not in names, "no injected header")
    eq(len(names), len(set(names)), "no header repeated: %r" % names)


# --- other accounts ------------------------------------------------------------------

def a_objects():
    """Jobs in each status and schedules of account "test" (A)."""
    T.on("/sec-fail", 500)
    jobs = {
        "pending": S.create({"url": T.url("/sec"), "delay": "1h"}),
        "awaiting": S.create({"url": T.url("/sec"), "requires_approval": True}),
        "completed": S.create({"url": T.url("/sec-ok")}),
        "failed": S.create({"url": T.url("/sec-fail"), "max_attempts": 1}),
        "cancelled": S.create({"url": T.url("/sec"), "delay": "1h"}),
    }
    S.req("POST", "/v1/jobs/%s/cancel" % jobs["cancelled"]["id"])
    S.wait_status(jobs["completed"]["id"], "completed")
    S.wait_status(jobs["failed"]["id"], "failed")
    scheds = [S.req("POST", "/v1/schedules", {"cron": "0 0 1 1 *", "url": T.url("/sec"),
                                              "paused": p}).json for p in (False, True)]
    return [j["id"] for j in jobs.values()], [s["id"] for s in scheds]


def snapshot(jobs, scheds):
    out = {}
    for i in jobs:
        j = S.job(i)
        j.pop("next_retry_in_seconds")
        out[i] = (j, S.req("GET", "/v1/jobs/%s/attempts" % i).json)
    for i in scheds:
        r = S.req("GET", "/v1/schedules/" + i)
        eq(r.status, 200)
        out[i] = r.json
    return out


def foreign_requests(jobs, scheds):
    sched_body = {"cron": "* * * * *", "url": T.url("/stolen")}
    reqs = []
    for i in jobs:
        reqs += [("GET", "/v1/jobs/" + i, None), ("POST", "/v1/jobs/%s/approve" % i, None),
                 ("POST", "/v1/jobs/%s/approve" % i, {"approved_by": "mallory"}),
                 ("POST", "/v1/jobs/%s/cancel" % i, None),
                 ("POST", "/v1/jobs/%s/retry" % i, None),
                 ("GET", "/v1/jobs/%s/attempts" % i, None)]
    for i in scheds:
        reqs += [("GET", "/v1/schedules/" + i, None), ("PUT", "/v1/schedules/" + i, sched_body),
                 ("DELETE", "/v1/schedules/" + i, None),
                 ("POST", "/v1/schedules/%s/pause" % i, None),
                 ("POST", "/v1/schedules/%s/resume" % i, None)]
    return reqs


@test
def another_accounts_ids_are_404_on_every_route():
    jobs, scheds = a_objects()
    before = snapshot(jobs, scheds)
    reqs = foreign_requests(jobs, scheds)
    n = 0
    for _ in range(3):
        RNG.shuffle(reqs)
        for method, path, body in reqs:
            r = S.req(method, path, body, key=S.key2)
            check_error(r, 404, "not_found")
            n += 1
    for i in scheds:
        r = S.req("GET", "/v1/jobs?schedule_id=" + i, key=S.key2)
        eq((r.status, r.json["total"], r.json["data"]), (200, 0, []),
           "B lists no job of A's schedule")
    eq(S.req("GET", "/v1/jobs?limit=100", key=S.key2).json["total"], 0, "B sees no job")
    eq(S.req("GET", "/v1/schedules", key=S.key2).json["data"], [], "B sees no schedule")
    print("# %d requests with another account's ids" % n)
    eq(snapshot(jobs, scheds), before, "nothing of A's changed")
    eq(T.hits("/stolen"), [])


# --- secrets in logs and on disk --------------------------------------------------------

def ctl(*args):
    r = subprocess.run([S.bin("dqctl"), "-c", S.conf_path] + list(args), capture_output=True,
                       text=True, env=S.env, timeout=60)
    eq(r.returncode, 0, "dqctl %s: %s" % (" ".join(args), r.stderr))
    # dqctl's own diagnostics go to stderr: a log like any other
    with open(os.path.join(S.dir, "dqctl.log"), "a") as f:
        f.write(r.stderr)
    return dict(l.split(": ", 1) for l in r.stdout.splitlines() if ": " in l)


def files_under(*dirs):
    for d in dirs:
        for root, _, names in os.walk(d):
            for n in names:
                p = os.path.join(root, n)
                if os.path.isfile(p) and not os.path.islink(p):
                    yield p


def grep(paths, needles):
    """{needle: [files containing it]} for the needles found."""
    found = {}
    for p in paths:
        with open(p, "rb") as f:
            data = f.read()
        for what, needle in needles.items():
            if needle.encode() in data:
                found.setdefault(what, []).append(os.path.relpath(p, S.dir))
    return found


@test
def secrets_never_reach_a_log_and_keys_are_stored_hashed():
    keys, secrets = {"test": S.key, "other": S.key2}, {"test": S.secret, "other": S.secret2}
    acct = ctl("account", "add", "sec-audit")
    keys["sec-audit"], secrets["sec-audit"] = acct["api_key"], acct["signing_secret"]
    signer = ctl("account", "add", "sec-signer", "--sign-with-api-key")
    keys["sec-signer"] = signer["api_key"]
    old = keys["sec-audit"]
    keys["sec-audit-rotated"] = ctl("account", "rotate-key", "sec-audit")["api_key"]
    check(keys["sec-audit-rotated"] != old, "rotate-key gave a new key")
    keys["sec-audit-old"] = old
    # deliveries, signed with each kind of secret, carrying an Authorization header
    for who in ("sec-audit-rotated", "sec-signer"):
        j = S.create({"url": T.url("/audit"), "headers": {"Authorization": JOB_AUTH},
                      "callback_url": T.url("/audit-cb")}, key=keys[who])
        S.wait_status(j["id"], "completed", key=keys[who])
    wait_for(lambda: len(T.hits("/audit-cb")) >= 2, what="callbacks")
    # 401s: the old key, keys one character off, garbage, a secret used as a key
    tries = [keys["sec-audit-old"], S.key[:-1] + ("A" if S.key[-1] != "A" else "B"),
             "dq_" + "x" * 32, secrets["test"], JOB_AUTH.split()[1]]
    for k in tries:
        for path in ("/v1/jobs", "/v1/jobs/job_AAAAAAAAAAAAAAAA", "/v1/queues"):
            check_error(S.req("GET", path, key=k), 401, "unauthorized")
        r = S.req("GET", "/v1/jobs", headers={"Authorization": "Basic " + k}, auth=False)
        check_error(r, 401, "unauthorized")
    for name in ("dq-dispatcher", "nginx", "dq-fcgi"):
        S.stop(name)

    needles = {}
    for who, k in keys.items():
        needles["API key of " + who] = k
        needles["API key body of " + who] = k[3:]
    for who, sec in secrets.items():
        needles["signing secret of " + who] = sec
        needles["signing secret body of " + who] = sec[6:]
    in_logs = dict(needles)
    in_logs["a delivered Authorization value"] = JOB_AUTH.split()[1]
    logs = [p for p in files_under(S.dir) if p.endswith(".log")]
    check(len(logs) >= 4, "log files: %r" % logs)
    debug_lines = sum(open(p, errors="replace").read().count("debug") for p in logs)
    check(debug_lines > 0, "the stack logged at debug level")
    eq(grep(logs, in_logs), {}, "secrets in log files")
    data_files = list(files_under(S.data))
    check(len(data_files) > 10, "data files: %d" % len(data_files))
    eq(grep(data_files, needles), {}, "API keys or signing secrets in the data directory")
    # the scan can see what is there: the delivered header is job data
    check(grep(data_files, {"job header": JOB_AUTH}), "the scan finds stored job data")
    print("# %d secrets looked for in %d log files and %d data files" % (
        len(in_logs), len(logs), len(data_files)))
    S.restart()


if __name__ == "__main__":
    raise SystemExit(run(setup))
