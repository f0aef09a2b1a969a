"""
The README's examples, run as printed against the real stack.

Every ```sh block of a README section marked runnable (the comment
`<!-- runnable ... -->` under its `## ` heading; its subsections are part of
it) runs in bash, in order, with DQ_URL, DQ_API_KEY and H set as the README
says, in a directory with the checkout's clients/ and a ./dqctl/dqctl that
speaks to the stack.  Only these are substituted: a local target server for
https://example.com/, a free port for the receivers' 8001, and for an id written with an ellipsis (`job_Xb3…`,
`sch_…`, `eyJj…`) the last such id an earlier example answered.  `curl` is
a shim around the real one that records each request's method, path and
status: every answer must be a 2xx that doc/API.md's Routes table lists
for that route.  A block that talks to the API outside a runnable section
fails the test, so a new section's examples cannot be left out unnoticed.
A block fenced ```shell is an instruction for a server (editing /etc, say)
and is not run; it must not talk to the API.  A block that needs php, node
or promtool is not run where that program is missing (the quick start's
test set-up installs all three).

Then the README's Python receiver code ("Verifying signatures") checks real
deliveries and callbacks of those examples, of an account signing with its
API key, and refuses tampered ones.
"""
import base64
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile

import docs
from dqtest import SRC, Stack, Target, at_exit, check, eq, run, test, wait_for

S = T = None
TMP = tempfile.mkdtemp(prefix="dq-readme-")
at_exit(lambda: shutil.rmtree(TMP, ignore_errors=True))
STATE = os.path.join(TMP, "state")
CALLS = os.path.join(STATE, "calls.jsonl")

# The `curl` the examples run: the real one, whose request and answer are
# recorded, and whose answer's ids are remembered for the later examples.
CURL_SHIM = r'''#!%(python)s
import json, os, subprocess, sys
state = os.environ["DQT_STATE"]
p = subprocess.run([os.environ["DQT_REAL_CURL"]] + sys.argv[1:] +
                   ["-w", "%%{stderr}\nDQT %%{method} %%{response_code} %%{url_effective}\n"],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
err = p.stderr.decode(errors="replace").splitlines()
info = [l for l in err if l.startswith("DQT ")]
sys.stderr.write("".join(l + "\n" for l in err if l and not l.startswith("DQT ")))
sys.stdout.buffer.write(p.stdout)
sys.stdout.write("\n")
method, status, url = info[-1].split(" ", 3)[1:] if info else ("?", "0", "?")
try:
    body = json.loads(p.stdout)
except ValueError:
    body = None
with open(os.path.join(state, "calls.jsonl"), "a") as f:
    f.write(json.dumps({"method": method, "status": int(status), "url": url,
                        "args": sys.argv[1:], "body": body}) + "\n")
if isinstance(body, dict):
    found = {}
    if str(body.get("id", "")).startswith("job_"):
        found["job"] = body["id"]
    if str(body.get("id", "")).startswith("sch_"):
        found["sch"] = body["id"]
    if body.get("next_cursor"):
        found["cursor"] = body["next_cursor"]
    for k, v in found.items():
        with open(os.path.join(state, k), "w") as f:
            f.write(v)
sys.exit(p.returncode)
'''

# `dq-last KIND`: the id an earlier example answered.  A cursor comes from
# any list that had a next page; when none did, from a one-job page.
LAST_SHIM = r'''#!%(python)s
import json, os, subprocess, sys
state, kind = os.environ["DQT_STATE"], sys.argv[1]
path = os.path.join(state, kind)
if not os.path.exists(path) and kind == "cursor":
    out = subprocess.run([os.environ["DQT_REAL_CURL"], "-s", os.environ["DQ_URL"] +
                          "/v1/jobs?limit=1", "-H", "Authorization: Bearer " +
                          os.environ["DQ_API_KEY"]], stdout=subprocess.PIPE).stdout
    cursor = json.loads(out).get("next_cursor")
    if cursor:
        with open(path, "w") as f:
            f.write(cursor)
if not os.path.exists(path):
    sys.stderr.write("dq-last: no earlier example answered a %%s\n" %% kind)
    sys.exit(1)
with open(path) as f:
    sys.stdout.write(f.read())
'''

PLACEHOLDERS = [
    (re.compile(r"\bjob_[A-Za-z0-9]*…"), "$(dq-last job)"),
    (re.compile(r"\bsch_[A-Za-z0-9]*…"), "$(dq-last sch)"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]*…"), "$(dq-last cursor)"),
]


def free_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


# The README's receivers listen on 8001; here on a port nobody else has.
RECEIVER_PORT = free_port()


def shim(name, text):
    path = os.path.join(TMP, "bin", name)
    with open(path, "w") as f:
        f.write(text % {"python": sys.executable})
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)


def setup():
    global S, T
    T = Target()
    S = Stack()
    os.makedirs(os.path.join(TMP, "bin"))
    os.makedirs(STATE)
    shim("curl", CURL_SHIM)
    shim("dq-last", LAST_SHIM)
    # the examples' working directory: clients/ of the checkout, and the
    # quick start's `./dqctl/dqctl -c run/dq.conf` as this stack's dqctl
    os.makedirs(os.path.join(TMP, "cwd", "dqctl"))
    for d in ("clients", "conf", "tests"):
        os.symlink(os.path.join(SRC, d), os.path.join(TMP, "cwd", d))
    path = os.path.join(TMP, "cwd", "dqctl", "dqctl")
    with open(path, "w") as f:
        f.write('#!/bin/sh\n[ "$1" = -c ] && shift 2\nexec %s "$@"\n'
                % " ".join([S.bin("dqctl"), "-c", S.conf_path]))
    os.chmod(path, 0o755)


def readme_h():
    m = re.search(r"`H='([^']*)'`", docs.read("README.md"))
    check(m, "README.md says what H is")
    return m.group(1)


def as_run(block):
    """The block with only the substitutions the module docstring lists."""
    text = block.replace("https://example.com/", T.url("/"))
    text = re.sub(r"\b8001\b", str(RECEIVER_PORT), text)
    for rx, repl in PLACEHOLDERS:
        text = rx.sub(repl, text)
    left = [l for l in text.splitlines() if "…" in l]
    eq(left, [], "placeholders this test does not know (add them to PLACEHOLDERS)")
    return text


def calls():
    with open(CALLS) as f:
        return [json.loads(l) for l in f]


def run_block(text):
    """Run a block in bash, in a directory that has the checkout's clients/
    and a ./dqctl/dqctl speaking to the stack; whatever it left running in
    the background is ended with it."""
    env = dict(os.environ, PATH=os.path.join(TMP, "bin") + ":" + os.environ["PATH"],
               DQT_STATE=STATE, DQT_REAL_CURL=shutil.which("curl"),
               DQ_URL="http://127.0.0.1:%d" % S.port, DQ_API_KEY=S.key, H=readme_h())
    lacking = [c for c in ("php", "node", "promtool")
               if re.search(r"(^|[|;&(]\s*)%s\b" % c, text, re.M) and not shutil.which(c)]
    if lacking:
        print("# not run here, no %s:\n# %s" % (" ".join(lacking), text.replace("\n", "\n# ")))
        return []
    before = len(calls()) if os.path.exists(CALLS) else 0
    # files, not pipes: a server the block started keeps its output open
    with open(os.path.join(TMP, "out"), "w+") as out:
        p = subprocess.Popen(["bash", "-e", "-c", text], env=env, cwd=os.path.join(TMP, "cwd"),
                             stdout=out, stderr=out, start_new_session=True)
        try:
            p.wait(timeout=120)
        finally:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
        out.seek(0)
        err = out.read()
    eq(p.returncode, 0, "the block ran: %s\n%s" % (err, text))
    made = calls()[before:]
    if re.search(r"^\s*curl ", text, re.M):
        check(made, "the block made requests:\n" + text)
    return made


@test
def every_api_example_is_in_a_runnable_section():
    blocks = docs.readme_blocks("sh")
    check(any(runnable for _, runnable, _ in blocks), "README.md marks a section runnable")
    for heading, _, text in docs.readme_blocks("shell"):
        check("$DQ_URL" not in text, "the example under %r talks to the API but is "
              "fenced as `shell`, which is not run:\n%s" % (heading, text))
    for heading, runnable, text in blocks:
        if "$DQ_URL" in text:
            check(runnable, "the example under %r talks to the API but its section is "
                  "not marked runnable:\n%s" % (heading, text))


@test
def readme_shell_examples_work_as_printed():
    routes = docs.api_routes()
    seen, wrong = set(), []
    for heading, runnable, text in docs.readme_blocks("sh"):
        if not runnable:
            continue
        for c in run_block(as_run(text)):
            path = re.sub(r"^https?://[^/]+", "", c["url"]).split("?")[0]
            route = docs.route_of(c["method"], path, routes)
            if route is None:
                wrong.append("%s %s is not in doc/API.md's routes" % (c["method"], path))
                continue
            seen.add(route[:2])
            if c["status"] not in route[2]:
                wrong.append("%s %s answered %d, doc/API.md says %r: %s" % (
                    c["method"], path, c["status"], route[2], json.dumps(c["body"])[:300]))
    missing = sorted("%s %s" % r[:2] for r in routes if r[:2] not in seen)
    print("# the README's examples call %d of %d routes; not: %s" % (
        len(seen), len(routes), ", ".join(missing)))
    eq(wrong, [], "examples that did not work as printed")
    check(len(seen) >= len(routes) // 2, "the examples cover the API")


def receiver():
    """The README's Python receiver code, as printed."""
    blocks = [text for _, _, text in docs.readme_blocks("python")]
    check(blocks, "README.md has Python code")
    ns = {}
    for text in blocks:
        exec(compile(text, "README.md", "exec"), ns)
    check("verify_dispatchq" in ns and "verify_webhook" in ns, "the README defines both")
    return ns["verify_dispatchq"], ns["verify_webhook"]


def verify(req, dq_secret, wh_secret):
    """Both checks of the README on a request the target received, and on
    the same request with its body changed."""
    verify_dispatchq, verify_webhook = receiver()
    h, body = req["headers"], req["body"]
    ok = (verify_dispatchq(dq_secret, body, h["x-dispatchq-signature"]),
          verify_webhook(wh_secret, h["webhook-id"], h["webhook-timestamp"], body,
                         h["webhook-signature"]))
    bad = body + b" " if body else b"{}"
    tampered = (verify_dispatchq(dq_secret, bad, h["x-dispatchq-signature"]),
                verify_webhook(wh_secret, h["webhook-id"], h["webhook-timestamp"], bad,
                               h["webhook-signature"]))
    return ok, tampered


@test
def readme_receiver_code_verifies_real_deliveries():
    # the examples' job was retried (due now), and the batch's jobs were due at once
    delivered = T.wait_hits("/hooks/invoice", 1)[0]
    eq(json.loads(delivered["body"]), {"invoice": 42}, "the example's payload arrived")
    empty = T.wait_hits("/a", 1)[0]
    eq(empty["body"], b"", "a job without payload")
    for req in (delivered, empty):
        eq(verify(req, S.secret, S.secret), ((True, True), (False, False)), req["path"])
    other = verify(delivered, S.secret2, S.secret2)
    eq(other[0], (False, False), "another account's secret does not verify")


@test
def readme_receiver_code_verifies_callbacks():
    done = T.wait_hits("/hooks/done", 1)[0]
    eq(json.loads(done["body"])["status"], "completed", "the callback is the finished job")
    eq(verify(done, S.secret, S.secret), ((True, True), (False, False)))


@test
def readme_receiver_code_for_accounts_signing_with_their_key():
    key, _ = S.add_account("keysigned", "--sign-with-api-key")
    S.create({"url": T.url("/keysigned"), "payload": {"n": 1}}, key=key)
    req = T.wait_hits("/keysigned", 1)[0]
    wh = "whsec_" + base64.b64encode(key.encode()).decode()   # as the README says
    eq(verify(req, key, wh), ((True, True), (False, False)))


if __name__ == "__main__":
    raise SystemExit(run(setup))
