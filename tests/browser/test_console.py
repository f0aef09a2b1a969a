"""
The web console in a real browser: this wrapper starts the real stack
(nginx serving www/ at /ui/ and the API, dq-fcgi, dq-dispatcher) and a target
on 127.0.0.1 with dqtest, then runs console.mjs, which drives headless
Chromium through playwright-core and prints the TAP. Every process is stopped
by pid: the stack and target by dqtest, Node here, and Chromium by the pids
console.mjs records, even when Node dies without closing it.
test_console_apache.py runs the same with Apache in front.

The log starts with the versions of Node, Chromium and playwright-core.
Node runs without guessing module types (--no-experimental-detect-module,
where Node has it): www/js/*.js are modules because www/package.json says
so, as Node 18 (Debian 12's) needs, and a newer Node must not hide it.

SKIPs (TAP 1..0) when Chromium, Node or tests/browser/node_modules is
missing; `./quickstart.sh test` installs all three.
"""
import json
import os
import shutil
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from dqtest import BUILD, Stack, Target, _die_with_parent, at_exit  # noqa: E402

CHROMIUM = os.environ.get("DQ_CHROMIUM", "/usr/bin/chromium")
PLAYWRIGHT = os.path.join(HERE, "node_modules", "playwright-core")
XSS = "<img src=x onerror=window.__xss=1>"
TIMEOUT = 300


def skip_reason():
    if not os.access(CHROMIUM, os.X_OK):
        return "no Chromium at %s (apt-get install chromium)" % CHROMIUM
    if not shutil.which("node"):
        return "no node (apt-get install nodejs)"
    if not os.path.isdir(PLAYWRIGHT):
        return "playwright-core not installed (npm ci in tests/browser)"
    return None


def kill_pid(pid, name):
    """SIGKILL pid if it is still a process whose command line has name."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            if name.encode() not in f.read():
                return
        os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass


def kill_recorded_chromium(out):
    try:
        with open(os.path.join(out, "chromium.pid")) as f:
            pids = [int(p) for p in f.read().split()]
    except (OSError, ValueError):
        return
    for pid in pids:
        kill_pid(pid, "chromium")


def node_argv():
    """node, told not to guess whether a file is a module where it can be
    (20.19 and 22.7 on guess from the syntax by default, 20.10 on have the
    flag; Node 18 never guesses and has no flag)."""
    flag = "--no-experimental-detect-module"
    probe = subprocess.run(["node", flag, "-e", ""], capture_output=True)
    return ["node", flag] if probe.returncode == 0 else ["node"]


def output(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=60).stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired) as e:
        return "unknown (%s)" % e


def print_versions(node, frontend):
    with open(os.path.join(PLAYWRIGHT, "package.json")) as f:
        playwright = json.load(f)["version"]
    print("# node %s (%s), %s, playwright-core %s, console served by %s" % (
        output(node + ["--version"]), " ".join(node), output([CHROMIUM, "--version"]),
        playwright, frontend))


def run_node(argv, env, out):
    node = subprocess.Popen(argv + [os.path.join(HERE, "console.mjs")], env=env,
                            stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)

    def stop():
        if node.poll() is None:
            node.send_signal(signal.SIGTERM)    # lets playwright close the browser
            try:
                node.wait(10)
            except subprocess.TimeoutExpired:
                node.kill()
                node.wait(5)
        kill_recorded_chromium(out)

    at_exit(stop)
    try:
        rc = node.wait(TIMEOUT)
        if rc < 0:
            print("Bail out! the browser scenario died of signal %d" % -rc)
        return 1 if rc else 0
    except subprocess.TimeoutExpired:
        print("Bail out! the browser scenario took over %d s" % TIMEOUT)
        return 1
    finally:
        sys.stdout.flush()
        stop()


def main(frontend="nginx"):
    """Screenshots go to tests/browser/out/FRONTEND/."""
    reason = skip_reason()
    if reason:
        print("1..0 # SKIP %s" % reason)
        return 0
    node = node_argv()
    print_versions(node, frontend)
    out = os.path.join(BUILD, "tests", "browser", "out", frontend)
    os.makedirs(out, exist_ok=True)
    for old in os.listdir(out):
        if old.endswith(".png") or old == "chromium.pid":
            os.unlink(os.path.join(out, old))
    target = Target()
    target.on("/fail-once", 500, 200)
    target.on("/fail", 500)
    target.on("/xss", (200, {"Content-Type": "text/html"}, XSS, 0))
    # The schedule editor's firings are checked against the server's across
    # changes of the clocks: the scenario moves the schedule clock (DQ_CLOCK).
    stack = Stack(frontend=frontend, conf={"test_clock_file": "/dev/null"})
    stack.schedule_clock()
    env = dict(os.environ, DQ_URL="http://127.0.0.1:%d" % stack.port, DQ_API_KEY=stack.key,
               DQ_TARGET=target.url(""), DQ_CLOCK=os.path.join(stack.dir, "clock"), DQ_OUT=out,
               DQ_CHROMIUM=CHROMIUM)
    sys.stdout.flush()
    return run_node(node, env, out)


if __name__ == "__main__":
    sys.exit(main())
