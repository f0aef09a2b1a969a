"""
A receiver checks dq's deliveries with the Standard Webhooks library, as
the README shows (npm's standardwebhooks, as clients/node pins it): every
attempt of a delivery and of its callback, for an account with a signing
secret and one created with --sign-with-api-key (whose secret for the
library is whsec_ + base64 of the API key); a changed body is refused.
Skipped without node or clients/node/node_modules (npm ci there).
"""
import json
import os
import shutil
import subprocess

from dqtest import SRC, Stack, Target, check, eq, run, test

S = T = None
RECEIVER = os.path.join(SRC, "clients", "node")
# Reads [{"secret" or "api_key", "headers", "body"}, ...] on stdin and
# prints "ok <webhook-id>" or "bad <reason>" for each.
VERIFY = r"""
import { Webhook } from 'standardwebhooks';
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  for (const m of JSON.parse(input)) {
    // an API key is not base64: its secret is whsec_ + base64 of its bytes
    const secret = m.secret ?? 'whsec_' + Buffer.from(m.api_key).toString('base64');
    try {
      new Webhook(secret).verify(m.body, m.headers);
      console.log('ok ' + m.headers['webhook-id']);
    } catch (e) {
      console.log('bad ' + e.message);
    }
  }
});
"""


def missing():
    if shutil.which("node") is None:
        return "no node"
    if not os.path.isdir(os.path.join(RECEIVER, "node_modules", "standardwebhooks")):
        return "no clients/node/node_modules (run npm ci there)"
    return None


def setup():
    global S, T
    T = Target()
    S = Stack(conf={"retry_base": "100ms", "retry_cap": "200ms"})


def verify(messages):
    r = subprocess.run(["node", "--input-type=module", "-e", VERIFY],
                       input=json.dumps(messages), capture_output=True, text=True,
                       timeout=60, cwd=RECEIVER)
    eq(r.returncode, 0, r.stderr)
    return r.stdout.split("\n")[:-1]


def message(hit, **secret):
    return dict(secret, headers={k: v for k, v in hit["headers"].items()
                                 if k.startswith("webhook-")},
                body=hit["body"].decode())


@test
def the_library_verifies_every_attempt_and_callback():
    legacy_key, _ = S.add_account("legacy", "--sign-with-api-key")
    jobs = []
    for name, key, secret in (("a", S.key, {"secret": S.secret}),
                              ("b", legacy_key, {"api_key": legacy_key})):
        T.on("/lib-" + name, 500, 200)           # two attempts of each
        T.on("/lib-%s-cb" % name, 500, 200)
        j = S.create({"url": T.url("/lib-" + name), "max_attempts": 3,
                      "payload": {"caf\u00e9": [1, "\u2713"]},
                      "callback_url": T.url("/lib-%s-cb" % name)}, key=key)
        jobs.append((name, j["id"], secret))
    msgs, want = [], []
    for name, jid, secret in jobs:
        for path, wid in (("/lib-" + name, jid), ("/lib-%s-cb" % name, jid + "_cb")):
            hits = T.wait_hits(path, 2, timeout=20)
            for h in hits:
                msgs.append(message(h, **secret))
                want.append("ok " + wid)
    eq(verify(msgs), want, "the Standard Webhooks library accepts each attempt")
    bad = dict(msgs[0], body=msgs[0]["body"].replace("1", "2"))
    check(verify([bad])[0].startswith("bad"), "a changed body is refused")
    wrong = dict(msgs[0], secret=S.secret2)
    check(verify([wrong])[0].startswith("bad"), "another account's secret is refused")


if __name__ == "__main__":
    raise SystemExit(run(setup, skip=missing()))
