"""
Operating dq: dqctl stats, jobs (list, show, bulk, delete), topics, verify,
backup (hot) and restore, recover;
/metrics (who may read it: test_metrics.py); SIGHUP reloading dq-fcgi
without dropping a request.
"""
import os
import re
import shutil
import signal
import subprocess
import threading
import time

from dqtest import Stack, Target, check, eq, run, test, wait_for

S = T = None


def setup():
    global S, T
    T = Target()
    S = Stack()


@test
def stats_and_jobs_commands():
    T.on("/bad", 500)
    ok = S.create({"url": T.url("/good"), "queue": "ops"})
    bad = S.create({"url": T.url("/bad"), "queue": "ops", "max_attempts": 1})
    S.create({"url": T.url("/later"), "queue": "ops", "delay": "1h"})
    S.wait_status(ok["id"], "completed")
    S.wait_status(bad["id"], "failed")
    out = S.ctl("stats")
    line = [l for l in out.splitlines() if l.split()[:2] == ["test", "ops"]]
    eq(len(line), 1, "a row for account test, queue ops:\n" + out)
    # pending, awaiting_approval, active, completed, failed, cancelled
    eq(line[0].split()[2:8], ["1", "0", "0", "1", "1", "0"])
    check("dispatcher: last heartbeat" in out, out)
    out = S.ctl("jobs", "list", "--account", "test", "--queue", "ops", "--status", "failed")
    check(bad["id"] in out and ok["id"] not in out, out)
    out = S.ctl("jobs", "show", bad["id"])
    check('"status": "failed"' in out and "HTTP 500" in out, out)
    S.ctl("jobs", "show", "job_doesNotExist1234", expect=1)
    S.ctl("jobs", "list", "--status", "nope", expect=2)


@test
def jobs_show_prints_each_attempt_once_with_its_answer():
    T.on("/shown", (503, {}, '{"why": "maintenance"}', 0), (200, {}, "all good", 0))
    j = S.create({"url": T.url("/shown"), "max_attempts": 2})
    S.wait_status(j["id"], "completed")
    attempts = S.ctl("jobs", "show", j["id"]).split("attempts:\n", 1)[1]
    eq(attempts.count("HTTP 503"), 1, "the failed attempt's status, once:\n" + attempts)
    check('{"why": "maintenance"}' in attempts and "all good" in attempts,
          "each answer's body:\n" + attempts)
    eq([l.split()[:2] for l in attempts.splitlines() if l.startswith("  attempt")],
       [["attempt", "1"], ["attempt", "2"]], attempts)


@test
def jobs_list_is_newest_first_across_accounts():
    ids = []
    for k in (S.key, S.key2, S.key):
        time.sleep(0.01)        # each its own creation millisecond
        ids.append(S.create({"url": T.url("/order"), "delay": "1h"}, key=k)["id"])
    out = S.ctl("jobs", "list", "--limit", "3")
    listed = [l.split()[0] for l in out.splitlines()[1:4]]
    eq(listed, ids[::-1], "the three newest, newest first, whatever the account:\n" + out)
    check("the newest 3 of" in out, "says how many it left out:\n" + out)
    out = S.ctl("jobs", "list", "--account", "other")
    check(ids[1] in out and ids[0] not in out, out)
    r = subprocess.run([S.bin("dqctl"), "-c", S.conf_path, "jobs", "list", "--account",
                        "nobody"], capture_output=True, text=True)
    eq((r.returncode, r.stderr.strip()), (1, "dqctl: there is no account named nobody"))


@test
def jobs_bulk_and_delete_for_the_operator():
    T.on("/op-down", 500)
    ids = [S.create({"url": T.url("/op-down"), "queue": "op-q", "max_attempts": 1})["id"]
           for _ in range(4)]
    other = S.create({"url": T.url("/op-down"), "queue": "op-q", "max_attempts": 1},
                     key=S.key2)["id"]
    for j in ids:
        S.wait_status(j, "failed")
    S.wait_status(other, "failed", key=S.key2)
    S.ctl("jobs", "bulk", "retry", "--account", "test", expect=2)     # no filter
    S.ctl("jobs", "bulk", "explode", "--queue", "op-q", expect=2)
    S.ctl("jobs", "bulk", "retry", "--status", "finished", expect=2)
    T.on("/op-down", 200)
    out = S.ctl("jobs", "bulk", "retry", "--account", "test", "--queue", "op-q",
              "--status", "failed")
    eq(out.strip(), "retry: matched 4, changed 4, skipped 0")
    for j in ids:
        S.wait_status(j, "completed")    # the dispatcher was told at once
    eq(S.job(other, key=S.key2)["status"], "failed", "another account's job")
    out = S.ctl("jobs", "bulk", "delete", "--queue", "op-q", "--ids",
              ",".join(ids[:2] + [other]))
    eq(out.strip(), "delete: matched 3, changed 3, skipped 0", "ids of two accounts")
    pending = S.create({"url": T.url("/x"), "delay": "1h"})["id"]
    r = subprocess.run([S.bin("dqctl"), "-c", S.conf_path, "jobs", "delete", ids[2],
                        pending, "job_doesNotExist1234"], capture_output=True, text=True)
    eq(r.returncode, 1, r.stderr)
    eq(r.stdout.strip(), "deleted " + ids[2])
    check("not finished" in r.stderr and "no job job_doesNotExist1234" in r.stderr, r.stderr)
    eq(S.req("GET", "/v1/jobs/" + ids[2]).status, 404)


@test
def topics_for_the_operator():
    out = S.ctl("topics", "set", "test", "ops-topic", T.url("/t1"), T.url("/t2"))
    eq(out.strip(), "set ops-topic of test: 2 endpoints")
    t = S.req("GET", "/v1/topics/ops-topic").json
    eq([e["url"] for e in t["endpoints"]], [T.url("/t1"), T.url("/t2")])
    out = S.ctl("topics", "list", "--account", "test")
    check(re.search(r"^test\s+ops-topic\s+2\s", out, re.M), out)
    check(T.url("/t2") in S.ctl("topics", "show", "test", "ops-topic"))
    S.ctl("topics", "set", "test", "ops-topic", "ftp://nope", expect=1)
    S.ctl("topics", "set", "nobody", "ops-topic", T.url("/t1"), expect=1)
    S.ctl("topics", "show", "test", "missing", expect=1)
    eq(S.ctl("topics", "delete", "test", "ops-topic").strip(), "deleted ops-topic of test")
    eq(S.req("GET", "/v1/topics/ops-topic").status, 404)
    S.ctl("topics", "delete", "test", "ops-topic", expect=1)


@test
def dqctl_says_what_went_wrong_in_words():
    def fails(*args):
        r = subprocess.run([S.bin("dqctl"), "-c", S.conf_path] + list(args),
                           capture_output=True, text=True)
        return r.returncode, r.stderr.strip()

    eq(fails("account", "add", "test"), (1, "dqctl: an account named test already exists"))
    eq(fails("account", "rotate-key", "nobody"), (1, "dqctl: there is no account named nobody"))
    eq(fails("jobs", "show", "job_doesNotExist1234"),
       (1, "dqctl: there is no job job_doesNotExist1234"))
    code, text = fails("no-such-command")
    eq(code, 2, text)
    commands = text.split("commands:\n", 1)[1].splitlines()
    check(len(commands) >= 11, text)
    for line in commands:      # a command's words and its help never run together
        check(re.match(r"  (\S+( \S+)*( {2,}\S.*)?| {20,}\S.*)$", line), repr(line))


@test
def dqctl_n_checks_the_configuration_like_the_daemons():
    r = subprocess.run([S.bin("dqctl"), "-n", "-c", S.conf_path], capture_output=True, text=True)
    eq((r.returncode, r.stdout.strip()), (0, "configuration OK"), r.stderr)
    bad = os.path.join(S.dir, "bad.conf")
    with open(bad, "w") as f:
        f.write("workers lots\n")
    r = subprocess.run([S.bin("dqctl"), "-n", "-c", bad], capture_output=True, text=True)
    eq(r.returncode, 1, r.stdout)
    check(r.stderr.startswith("dqctl: %s:1:" % bad), r.stderr)
    r = subprocess.run([S.bin("dqctl"), "-n", "-c", S.conf_path, "init"],
                       capture_output=True, text=True)
    eq(r.returncode, 2, "-n with a command is a usage error: " + r.stderr)


@test
def metrics_from_loopback_or_with_the_token():
    j = S.create({"url": T.url("/metered")})
    S.wait_status(j["id"], "completed")
    r = S.req("GET", "/metrics", auth=False)
    eq(r.status, 200)
    check(r.header("Content-Type").startswith("text/plain"), r.header("Content-Type"))
    body = r.body
    for needle in ('dq_http_requests_total{route="POST /v1/jobs",status="201"}',
                   "dq_http_request_duration_seconds_bucket",
                   'dq_deliveries_total{outcome="success"}',
                   "dq_delivery_duration_seconds_count",
                   "dq_delivery_lateness_seconds_bucket",
                   'dq_jobs{account="test",queue="default",status="completed"}'):
        check(needle in body, "metrics show " + needle)
    served = [l for l in body.splitlines()
              if l.startswith('dq_http_requests_total{route="POST /v1/jobs",status="201"}')]
    check(int(served[0].split()[-1]) >= 1, served)


@test
def verify_backup_restore_recover():
    for i in range(20):
        S.create({"url": T.url("/v%d" % i), "delay": "1h" if i % 2 else "0s"})
    keep = S.create({"url": T.url("/kept"), "delay": "2h", "payload": {"n": 42}})
    backup = os.path.join(S.dir, "backup")
    out = S.ctl("backup", backup)           # hot: the stack is running
    check("backed up" in out, out)
    S.ctl("verify", "--online")
    for name in ("dq-dispatcher", "nginx", "dq-fcgi"):
        S.stop(name)
    out = S.ctl("verify")
    check("consistent" in out, out)
    out = S.ctl("recover")
    check("recovered" in out, out)
    # restore: a new stack on a copy of the backup reads the jobs back
    r = Stack(dispatcher=False)
    for name in ("nginx", "dq-fcgi"):
        r.stop(name)
    shutil.rmtree(r.data)
    shutil.copytree(backup, r.data)
    r.start_fcgi()
    r.start_nginx()
    got = r.req("GET", "/v1/jobs/" + keep["id"], key=S.key)
    eq((got.status, got.json and got.json["payload"]), (200, {"n": 42}),
       "the restored store answers with the original account's key")
    out = r.ctl("verify", "--online")
    check("consistent" in out, out)
    r.destroy()
    S.start_fcgi()
    S.start_nginx()
    S.start_dispatcher()
    eq(S.job(keep["id"])["status"], "pending")


@test
def recover_refuses_while_dq_runs():
    # Recovery rebuilds the environment under whoever uses it: a live store
    # would be corrupted and every process killed.  dqctl refuses instead.
    s = Stack(workers=2)
    j = s.create({"url": T.url("/rec"), "delay": "1h"})
    pids = [p.pid for p in s.procs.values()] + s.fcgi_workers()

    def refused(*flags):
        r = subprocess.run([s.bin("dqctl"), "-c", s.conf_path, "recover"] + list(flags),
                           capture_output=True, text=True, env=s.env, timeout=120)
        eq(r.returncode, 1, "recover %s while dq runs: %s" % (flags, r.stdout))
        check("stop dq" in r.stderr and "--force" in r.stderr, r.stderr)
    refused()
    refused("--catastrophic")
    eq([p for p in pids if not os.path.exists("/proc/%d" % p)], [], "nothing was killed")
    eq(s.job(j["id"])["status"], "pending", "the store is as it was")
    eq(s.create({"url": T.url("/rec"), "delay": "1h"})["status"], "pending")
    for name in ("nginx", "dq-fcgi"):
        s.stop(name)
    refused()                           # the dispatcher alone is enough
    s.stop("dq-dispatcher")
    check("recovered" in s.ctl("recover"), "stopped, it runs")
    out = s.ctl("verify")
    check("consistent" in out, out)
    s.destroy()


@test
def sighup_reloads_without_dropping_a_request():
    s = Stack(workers=2, dispatcher=False)
    results, stop = [], threading.Event()

    def client():
        while not stop.is_set():
            try:
                r = s.req("POST", "/v1/jobs", {"url": T.url("/hup"), "delay": "1h"})
                results.append(r.status)
            except Exception as e:
                results.append(repr(e))

    before = sorted(s.fcgi_workers())
    with open(s.conf_path) as f:
        conf = f.read()
    with open(s.conf_path, "w") as f:
        f.write(conf.replace("workers 2", "workers 3") + "max_body 2k\n")
    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        s.procs["dq-fcgi"].signal(signal.SIGHUP)
        wait_for(lambda: len(s.fcgi_workers()) == 3 and
                 not set(s.fcgi_workers()) & set(before),
                 timeout=10, what="three new workers")
        time.sleep(0.5)
    finally:                # the clients stop even when the wait fails
        stop.set()
        for t in threads:
            t.join()
    bad = [x for x in results if x != 201]
    print("# %d requests during the reload, %d not 201" % (len(results), len(bad)))
    eq(bad, [], "every request during the reload succeeded")
    check(len(results) > 50, "requests flowed during the reload")
    r = s.req("POST", "/v1/jobs", {"url": T.url("/hup"), "payload": {"x": "y" * 3000}})
    eq((r.status, r.error.get("code")), (413, "payload_too_large"), "new max_body applies")
    s.destroy()


@test
def fcgi_with_listen_none_says_why_it_cannot_start():
    with open(S.conf_path) as f:
        conf = [l for l in f if not l.startswith("listen ")]
    path = os.path.join(S.dir, "nolisten.conf")
    with open(path, "w") as f:
        f.write("".join(conf) + "listen none\n")
    r = subprocess.run([S.bin("dq-fcgi"), "-c", path], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=30)
    eq(r.returncode, 1, "exit status: " + r.stderr)
    check("listen is none" in r.stderr, r.stderr)


if __name__ == "__main__":
    raise SystemExit(run(setup))
