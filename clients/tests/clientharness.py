"""
What the client tests share: the integration harness (tests/integration/
dqtest.py: the real stack, the target server, TAP), a way to run a program
that prints TAP and fold its points into this script's, and scripted error
answers (for the target server) for what the real stack does not do on
demand.
"""
import email.utils
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(CLIENTS, "..", "tests", "integration"))

from dqtest import _die_with_parent, at_exit, check, eq, test  # noqa: E402,F401


def php_skip_reason():
    if not shutil.which("php"):
        return "no php (apt-get install php-cli php-curl)"
    r = subprocess.run(["php", "-r", "exit(extension_loaded('curl') ? 0 : 1);"])
    if r.returncode != 0:
        return "php has no curl extension (apt-get install php-curl)"
    return None


def tap_points(path, pattern):
    """The test names a TAP program declares, from its source: each match
    of pattern (one group: the name), in order."""
    with open(path) as f:
        return re.findall(pattern, f.read(), re.M)


def tap_program(name, argv, env, timeout=300):
    """make(i, point): a test function for the i-th TAP point argv prints,
    which must be called point.  argv runs once, when the first of them
    runs, with env as it is then."""
    state = {}

    def results():
        if "points" not in state:
            p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, timeout=timeout, preexec_fn=_die_with_parent)
            points, diag = [], []
            for line in p.stdout.splitlines():
                m = re.match(r"^(ok|not ok) \d+ - (.*)$", line)
                if m:
                    diag = []
                    points.append((m.group(1) == "ok", m.group(2), diag))
                elif line.startswith("#"):
                    diag.append(line[1:].strip())
            state["points"] = points
            state["rc"] = p.returncode
            state["stderr"] = p.stderr
        return state

    def first():
        st = results()
        check(st["points"], "%s printed no TAP (exit %d): %s" % (name, st["rc"], st["stderr"][-2000:]))
        return st

    def make(i, want):
        def point():
            st = first()
            check(i < len(st["points"]), "%s stopped after %d points (exit %d): %s" % (
                name, len(st["points"]), st["rc"], st["stderr"][-2000:]))
            ok, what, diag = st["points"][i]
            eq(what, want, "%s's point %d" % (name, i + 1))
            check(ok, "%s: %s\n%s" % (name, what, "\n".join(diag)))
        point.__name__ = want
        return point

    return make


def error_answer(status, code, retry_after=None):
    """A dq error answer for dqtest.Target.on(), made when it is sent;
    retry_after: seconds, or a function giving the header's value."""
    def answer():
        h = {"X-Request-Id": "req_stub"}
        if retry_after is not None:
            h["Retry-After"] = retry_after() if callable(retry_after) else str(retry_after)
        return status, h, json.dumps({"error": {"code": code, "message": code,
                                                "request_id": "req_stub"}}), 0
    return answer


def http_date_in(seconds):
    """A Retry-After value: the HTTP date seconds from when it is sent."""
    return lambda: email.utils.formatdate(time.time() + seconds, usegmt=True)
