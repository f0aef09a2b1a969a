"""
Operating dq: dqctl stats, jobs, verify, backup (hot) and restore, recover;
/metrics; SIGHUP reloading dq-fcgi without dropping a request.
"""
import os
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


def ctl(stack, *args, expect=0):
    r = subprocess.run([stack.bin("dqctl"), "-c", stack.conf_path] + list(args),
                       capture_output=True, text=True, env=stack.env, timeout=120)
    eq(r.returncode, expect, "dqctl %s: %s %s" % (" ".join(args), r.stdout, r.stderr))
    return r.stdout


@test
def stats_and_jobs_commands():
    T.on("/bad", 500)
    ok = S.create({"url": T.url("/good"), "queue": "ops"})
    bad = S.create({"url": T.url("/bad"), "queue": "ops", "max_attempts": 1})
    S.create({"url": T.url("/later"), "queue": "ops", "delay": "1h"})
    S.wait_status(ok["id"], "completed")
    S.wait_status(bad["id"], "failed")
    out = ctl(S, "stats")
    line = [l for l in out.splitlines() if l.split()[:2] == ["test", "ops"]]
    eq(len(line), 1, "a row for account test, queue ops:\n" + out)
    # pending, awaiting_approval, active, completed, failed, cancelled
    eq(line[0].split()[2:8], ["1", "0", "0", "1", "1", "0"])
    check("dispatcher: last heartbeat" in out, out)
    out = ctl(S, "jobs", "list", "--account", "test", "--queue", "ops", "--status", "failed")
    check(bad["id"] in out and ok["id"] not in out, out)
    out = ctl(S, "jobs", "show", bad["id"])
    check('"status": "failed"' in out and "HTTP 500" in out, out)
    ctl(S, "jobs", "show", "job_doesNotExist1234", expect=1)
    ctl(S, "jobs", "list", "--status", "nope", expect=2)


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
def metrics_token_for_other_clients():
    # nginx takes the client address from X-Forwarded-For here, so dq sees a
    # client that is not on loopback.
    s = Stack(conf={"metrics_token": "s3cret-token"}, dispatcher=False,
              nginx_extra="set_real_ip_from 127.0.0.1; real_ip_header X-Forwarded-For;")
    remote = {"X-Forwarded-For": "203.0.113.9"}
    r = s.req("GET", "/metrics", auth=False, headers=remote)
    eq((r.status, r.error.get("code"), r.header("WWW-Authenticate")),
       (401, "unauthorized", "Bearer"))
    r = s.req("GET", "/metrics", auth=False,
              headers=dict(remote, Authorization="Bearer wrong-token!"))
    eq(r.status, 401)
    r = s.req("GET", "/metrics", auth=False,
              headers=dict(remote, Authorization="Bearer s3cret-token"))
    eq(r.status, 200)
    check("dq_http_requests_total" in r.body, r.body[:200])
    eq(s.req("GET", "/metrics", auth=False).status, 200, "loopback needs no token")
    s.destroy()


@test
def verify_backup_restore_recover():
    for i in range(20):
        S.create({"url": T.url("/v%d" % i), "delay": "1h" if i % 2 else "0s"})
    keep = S.create({"url": T.url("/kept"), "delay": "2h", "payload": {"n": 42}})
    backup = os.path.join(S.dir, "backup")
    out = ctl(S, "backup", backup)           # hot: the stack is running
    check("backed up" in out, out)
    ctl(S, "verify", "--online")
    for name in ("dq-dispatcher", "nginx", "dq-fcgi"):
        S.stop(name)
    out = ctl(S, "verify")
    check("consistent" in out, out)
    out = ctl(S, "recover")
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
    out = ctl(r, "verify", "--online")
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
    check("recovered" in ctl(s, "recover"), "stopped, it runs")
    out = ctl(s, "verify")
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
