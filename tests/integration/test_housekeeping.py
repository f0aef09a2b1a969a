"""
Housekeeping and logs, as an operator sees them: retention removes
finished jobs as fast as they finish (but not one whose callback is still
being made); the housekeeper is a child of the dispatcher, replaced when it
dies; a status-filtered list holds only jobs of that status while the
dispatcher changes them; by default the logs have no line per request but
a summary of what was done, log_requests adds the lines, and -l files are
opened again on SIGUSR1.
"""
import os
import signal
import threading
import time

from dqtest import Proc, Stack, Target, check, children, eq, gone, run, test, wait_for
import loadgen

T = None


def setup():
    global T
    T = Target()


def housekeeper(s):
    kids = children(s.procs["dq-dispatcher"].pid, "dq-housekeeper")
    return kids[0] if len(kids) == 1 else None


def batch(s, jobs):
    ids = []
    for i in range(0, len(jobs), 100):
        r = s.req("POST", "/v1/jobs/batch", {"jobs": jobs[i:i + 100]})
        eq(r.status, 200, "batch: %r" % r)
        ids += [x["job"]["id"] for x in r.json["data"]]
    return ids


def counts(s):
    r = s.req("GET", "/v1/queues/default")
    eq(r.status, 200)
    return r.json["counts"]


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (
        int(t * 1000) % 1000)


@test
def retention_removes_finished_jobs_as_they_finish():
    # 3,000 jobs finish within a few seconds; with retention 1s each must
    # be gone within seconds of finishing, not at a few hundred a pass.
    T.on("/done", 200)
    T.on("/cb-flaky", 500, 500, 200)
    # callbacks retried 3 s, then 4 s later: the job is still waiting for
    # its callback when looked at below, however slow the machine
    s = Stack(conf={"retention": "1s", "retry_base": "3s", "retry_cap": "4s"})
    cb = s.create({"url": T.url("/done"), "callback_url": T.url("/cb-flaky")})
    ids = batch(s, [{"url": T.url("/done")} for _ in range(3000)])
    wait_for(lambda: len(T.hits("/done")) >= 3001, 60, 0.2, "every delivery")
    # the callback fails twice and is retried: its job stays meanwhile
    wait_for(lambda: len(T.hits("/cb-flaky")) >= 1, 15, 0.1, "the first callback")
    time.sleep(1.5)
    j = s.job(cb["id"])
    eq(j["callback_status"], "pending", "a job whose callback is still being made")
    wait_for(lambda: counts(s)["completed"] == 0, 30, 0.2,
             "retention to remove every completed job")
    eq(len(T.hits("/cb-flaky")), 3, "the callback was made until it succeeded")
    for jid in (ids[0], ids[-1], cb["id"]):
        eq(s.req("GET", "/v1/jobs/" + jid).status, 404, "removed: " + jid)
    s.destroy()


@test
def the_housekeeper_is_a_child_replaced_when_it_dies():
    # Killed inside the store, it may take everyone through recovery, as
    # any dq process would: the supervisor (systemd) restarts the dispatcher.
    T.on("/hk", 200)
    s = Stack()
    sup = loadgen.Supervisor(s).start()
    first = wait_for(lambda: housekeeper(s), 10, 0.05, "the dispatcher's housekeeper")
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: housekeeper(s) not in (None, first), 15, 0.05, "another housekeeper")
    j = s.create({"url": T.url("/hk")}, expect=None)
    while j is None or "id" not in j:       # 503 while the store recovers
        time.sleep(0.2)
        j = s.create({"url": T.url("/hk")}, expect=None)
    wait_for(lambda: s.req("GET", "/v1/jobs/" + j["id"]).json.get("status") == "completed",
             30, 0.1, "the job delivered")
    sup.stop()
    sup.restart()           # if the dispatcher exited for a recovery just now
    # one that could not open the store yet (a recovery) is started again
    second = wait_for(lambda: housekeeper(s), 10, 0.05, "a housekeeper")
    s.stop("dq-dispatcher")
    # the kernel's SIGKILL at the parent's death lands once the child runs
    wait_for(lambda: gone(second), 10, 0.05, "the housekeeper to leave with the dispatcher")
    check(sup.restarts > 0 or "housekeeper %d ended (signal 9); starting another" %
          first in open(s.log("dq-dispatcher")).read(), "the dispatcher said so")
    s.destroy()


@test
def a_status_filtered_list_holds_only_jobs_of_that_status():
    # The dispatcher moves 4,000 jobs pending -> active -> completed while
    # three clients list by status: each job listed has the status asked.
    T.on("/moving", (200, {}, '{"ok":true}', 0.02))
    s = Stack(workers=4, conf={"max_parallel": "64"})
    t0 = time.time() + 3
    batch(s, [{"url": T.url("/moving"), "run_at": iso(t0 + i * 8.0 / 4000)}
              for i in range(4000)])
    wrong, calls, caught = [], [0], [0]

    def lister():
        while time.time() < t0 + 9:
            for status in ("pending", "active"):
                r = s.req("GET", "/v1/jobs?status=%s&limit=100" % status)
                eq(r.status, 200)
                calls[0] += 1
                if status == "active" and r.json["data"]:
                    caught[0] += 1
                wrong.extend((status, j["id"], j["status"]) for j in r.json["data"]
                             if j["status"] != status)
    threads = [threading.Thread(target=lister) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("# %d lists while the jobs ran, %d of them found jobs active" %
          (calls[0], caught[0]))
    # however busy the machine, the lists must have met jobs on the move
    check(caught[0] >= 10, "lists that found jobs active: %d of %d" % (caught[0], calls[0]))
    eq(wrong[:5], [], "jobs of another status")
    s.destroy()


def log_lines(path):
    with open(path, errors="replace") as f:
        return f.read().splitlines()


@test
def logs_have_a_summary_and_no_line_per_request_unless_asked():
    T.on("/logged", 200)
    s = Stack()
    ids = [s.create({"url": T.url("/logged")})["id"] for _ in range(5)]
    for jid in ids:
        s.wait_status(jid, "completed")
    eq(s.req("GET", "/v1/jobs/job_0000000000000000").status, 404)
    s.stop("dq-dispatcher")
    s.stop("dq-fcgi")
    fcgi = log_lines(s.log("dq-fcgi"))
    eq([l for l in fcgi if "/v1/jobs" in l], [], "per-request lines by default")
    summary = [l for l in log_lines(s.log("dq-dispatcher")) if ": info: last " in l]
    check(summary, "the dispatcher's summary line at its stop")
    check(" 5 jobs created, 5 deliveries (0 failed" in summary[-1], summary[-1])
    check("requests (0 answered 5xx)" in summary[-1], summary[-1])
    s.destroy()

    s = Stack(conf={"log_requests": "yes"})
    eq(s.req("GET", "/v1/jobs/job_0000000000000000").status, 404)
    s.stop("dq-fcgi")
    lines = [l for l in log_lines(s.log("dq-fcgi")) if "GET /v1/jobs/" in l]
    eq(len(lines), 1, "one line for the request")
    check(" 404 not_found " in lines[0] and ": info: [req_" in lines[0], lines[0])
    s.destroy()


@test
def log_files_are_opened_again_on_sigusr1():
    # logrotate's way: move the file, send SIGUSR1, and the new lines go to
    # a new file at the old path, from the dispatcher, its children and
    # dq-fcgi's workers alike.
    T.on("/rot", 200)
    s = Stack(conf={"log_requests": "yes"}, dispatcher=False)
    s.stop("dq-fcgi")
    flog, dlog = os.path.join(s.dir, "fcgi-l.log"), os.path.join(s.dir, "disp-l.log")
    s.procs["dq-fcgi"] = Proc("dq-fcgi", [s.bin("dq-fcgi"), "-c", s.conf_path, "-l", flog],
                              s.log("dq-fcgi"), s.env).start()
    s.procs["dq-dispatcher"] = Proc("dq-dispatcher", [s.bin("dq-dispatcher"), "-c",
                                                      s.conf_path, "-l", dlog],
                                    s.log("dq-dispatcher"), s.env).start()
    s.wait_healthy()
    wait_for(lambda: len(s.fcgi_workers()) == 2, 10, 0.05, "two workers")
    eq(s.req("GET", "/v1/jobs?limit=1").status, 200)
    wait_for(lambda: os.path.getsize(flog) > 0, 5, 0.05, "dq-fcgi's -l file")
    check(any("GET /v1/jobs" in l for l in log_lines(flog)), "the request's line")
    check(log_lines(dlog)[0][:4].isdigit(), "lines start with their time: %r" %
          log_lines(dlog)[0])
    os.rename(flog, flog + ".1")
    os.rename(dlog, dlog + ".1")
    s.procs["dq-fcgi"].signal(signal.SIGUSR1)
    s.procs["dq-dispatcher"].signal(signal.SIGUSR1)
    time.sleep(0.5)
    j = s.create({"url": T.url("/rot")})
    s.wait_status(j["id"], "completed")
    hk = wait_for(lambda: housekeeper(s), 10, 0.05, "the housekeeper")
    os.kill(hk, signal.SIGKILL)
    wait_for(lambda: os.path.exists(dlog) and "housekeeper %d ended" % hk in
             open(dlog).read(), 10, 0.1, "the dispatcher's line in the new file")
    s.stop("dq-dispatcher")
    s.stop("dq-fcgi")
    new, old = log_lines(flog), log_lines(flog + ".1")
    check(any("POST /v1/jobs 201" in l for l in new), "the create's line: %r" % new[-3:])
    eq([l for l in old if "POST /v1/jobs" in l], [], "nothing new in the moved file")
    check(any("stopped" in l for l in log_lines(dlog)), "the dispatcher's stop")
    eq([l for l in log_lines(dlog + ".1") if "stopped" in l], [], "moved file untouched")
    s.destroy()


if __name__ == "__main__":
    raise SystemExit(run(setup))
