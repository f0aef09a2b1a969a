"""
A dq process killed in the middle of a transaction leaves its locks behind.
The rest of dq must not hang on them: waits end (503 unavailable) instead of
blocking, a process stuck in the store exits, and a fresh open of the
environment cleans up after the dead one, so creates work again by
themselves within seconds.
"""
import os
import signal
import subprocess
import threading
import time

from dqtest import BUILD, Stack, check, children, eq, gone, http_request, run, test, wait_for

S = None


def setup():
    global S
    S = Stack(workers=2)


def create(timeout=30, stack=None):
    try:
        r = http_request((stack or S).port, "POST", "/v1/jobs", {"url": "http://127.0.0.1:9/x",
                                                      "delay": "1h"},
                         {"Authorization": "Bearer " + (stack or S).key}, timeout=timeout)
        return r.status
    except Exception as e:          # a hang shows up as a timeout here
        return repr(e)


def kill_a_lock_holder(stack):
    holder = subprocess.Popen([os.path.join(BUILD, "tests/integration/lockholder"),
                               stack.conf_path], stdout=subprocess.PIPE, text=True)
    try:
        eq(holder.stdout.readline().strip(), "holding")
        holder.send_signal(signal.SIGKILL)
        holder.wait(5)
    finally:
        if holder.poll() is None:
            holder.kill()


def recovers(stack, within):
    """Creates from 3 clients until one succeeds; every one must be answered."""
    t0 = time.time()
    answers = []

    def client():
        while time.time() - t0 < within and (not answers or answers[-1] != 201):
            answers.append(create(timeout=within + 3, stack=stack))

    threads = [threading.Thread(target=client) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(within + 30)
    took = time.time() - t0
    print("# answers while the dead process's locks were cleaned up: %s; %.1f s" % (
        sorted(set(map(str, answers))), took))
    check(all(a in (201, 503, 502) for a in answers),
          "every request was answered (201, 503 or 502), none hung: %r" % answers[-5:])
    eq(answers[-1], 201, "creates work again by themselves")
    check(took < within, "recovered in %.1f s" % took)
    wait_for(lambda: create(stack=stack) == 201 and len(stack.fcgi_workers()) == 2,
             timeout=15, what="a healthy pool of workers")


@test
def a_process_killed_holding_locks_does_not_hang_dq():
    eq(create(), 201, "works before")
    kill_a_lock_holder(S)
    recovers(S, 10)             # the dispatcher's failchk: about a second
    eq(S.req("GET", "/healthz", auth=False).status, 200)


def janitor(stack):
    """The dispatcher's janitor (a child process called dq-janitor), or None."""
    kids = children(stack.procs["dq-dispatcher"].pid, "dq-janitor")
    return kids[0] if len(kids) == 1 else None


@test
def the_janitor_is_replaced_when_killed_and_leaves_with_the_dispatcher():
    # The janitor ends expired lock waits and cleans up after dead
    # processes: every writer, the dispatcher too, may be waiting.
    s = Stack(workers=2)
    first = janitor(s)
    check(first is not None, "the dispatcher has a janitor")
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: janitor(s) not in (None, first), timeout=5, what="a new janitor")
    kill_a_lock_holder(s)
    recovers(s, 10)
    second = janitor(s)
    s.procs["dq-dispatcher"].kill9()
    wait_for(lambda: gone(second), timeout=5, what="the janitor gone with the dispatcher")
    s.start_dispatcher()
    wait_for(lambda: janitor(s) is not None, timeout=5, what="a janitor for the new dispatcher")
    third = janitor(s)
    s.stop("dq-dispatcher")
    check(gone(third), "a stopped dispatcher has waited for its janitor")
    s.destroy()


@test
def without_a_dispatcher_dq_fcgi_cleans_up_within_seconds():
    # dq-fcgi's master keeps a janitor of its own: a writer that died
    # holding the writer lock is cleared as fast as with a dispatcher (it
    # took about 25 s, a worker's watchdog and a recovery, without one).
    s = Stack(workers=2, dispatcher=False)
    eq(create(stack=s), 201, "works before")
    check(s.fcgi_janitor() is not None, "dq-fcgi has a janitor")
    kill_a_lock_holder(s)
    recovers(s, 5)
    first = s.fcgi_janitor()
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: s.fcgi_janitor() not in (None, first), timeout=5,
             what="the master starts another janitor")
    kill_a_lock_holder(s)
    recovers(s, 5)
    second = s.fcgi_janitor()
    s.stop("dq-fcgi")
    check(gone(second), "the janitor left with the master")
    s.destroy()


if __name__ == "__main__":
    raise SystemExit(run(setup))
