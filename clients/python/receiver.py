#!/usr/bin/env python3
"""
A receiver of dq's deliveries (and callbacks), standard library only:
verifies both signatures dq sends, refuses stale timestamps, and handles
each message once however often it arrives.

    DQ_SIGNING_SECRET=whsec_... python3 receiver.py [PORT]

DQ_SIGNING_SECRET  the account's signing secret as `dqctl account add`
                   printed it (whsec_...), or, for an account made with
                   --sign-with-api-key, its API key (dq_...)
DQ_SEEN_DIR        where the ids of handled messages are kept (./dq-seen)
DQ_EVENTS_FILE     handle() below appends each message here as a JSON line
                   (default: standard output); replace handle() with your work

Answers: 200 handled (or already handled: a duplicate), 400 not dq's
headers, 401 a signature that does not match or a timestamp more than
5 minutes away, 500 handle() failed (dq will try again).
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_S = 5 * 60
SECRET = os.environ.get("DQ_SIGNING_SECRET", "")
SEEN_DIR = os.environ.get("DQ_SEEN_DIR", "dq-seen")
EVENTS_FILE = os.environ.get("DQ_EVENTS_FILE")


def webhook_secret(secret):
    """The Standard Webhooks secret: the signing secret itself, or for an
    account that signs with its API key, whsec_ + base64 of the key."""
    if secret.startswith("whsec_"):
        return secret
    return "whsec_" + base64.b64encode(secret.encode()).decode()


def verify(headers, body):
    """None when the message is dq's and fresh, else why not (and the status)."""
    need = ("x-dispatchq-signature", "webhook-id", "webhook-timestamp", "webhook-signature")
    missing = [h for h in need if not headers.get(h)]
    if missing:
        return 400, "missing headers: " + ", ".join(missing)
    # X-DispatchQ-Signature: HMAC-SHA256 of the body, keyed with the secret as printed.
    want = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, headers["x-dispatchq-signature"]):
        return 401, "X-DispatchQ-Signature does not match"
    # Standard Webhooks: HMAC-SHA256 of "id.timestamp.body".
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    if not ts.isdigit() or abs(time.time() - int(ts)) > TOLERANCE_S:
        return 401, "webhook-timestamp is not within 5 minutes of now"
    key = base64.b64decode(webhook_secret(SECRET)[len("whsec_"):])
    mac = hmac.new(key, ("%s.%s." % (msg_id, ts)).encode() + body,
                   hashlib.sha256).digest()
    want = "v1," + base64.b64encode(mac).decode()
    if not any(hmac.compare_digest(want, s) for s in headers["webhook-signature"].split()):
        return 401, "webhook-signature does not match"
    return None


def claim(msg_id):
    """True the first time this webhook-id is seen (kept as a file, so it
    holds across restarts and processes); False for a duplicate."""
    os.makedirs(SEEN_DIR, exist_ok=True)
    path = os.path.join(SEEN_DIR, hashlib.sha256(msg_id.encode()).hexdigest())
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        return path
    except FileExistsError:
        return False


def handle(event):
    """Your work goes here: event has id, job_id, attempt, method, path, body."""
    line = json.dumps(event) + "\n"
    if EVENTS_FILE:
        with open(EVENTS_FILE, "a") as f:
            f.write(line)
    else:
        sys.stdout.write(line)
        sys.stdout.flush()


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, doc):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def any_method(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        bad = verify(headers, body)
        if bad:
            return self.answer(bad[0], {"error": bad[1]})
        seen = claim(headers["webhook-id"])
        if not seen:
            return self.answer(200, {"ok": True, "duplicate": True})
        try:
            handle({"id": headers["webhook-id"], "job_id": headers.get("x-dispatchq-job-id"),
                    "attempt": headers.get("x-dispatchq-attempt"), "method": self.command,
                    "path": self.path, "body": json.loads(body) if body else None})
        except Exception as e:          # not handled: let dq deliver it again
            os.unlink(seen)
            return self.answer(500, {"error": str(e)})
        self.answer(200, {"ok": True})

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET = any_method


def main():
    if not SECRET:
        sys.exit("set DQ_SIGNING_SECRET to the account's signing secret (or its API key)")
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    server = ThreadingHTTPServer(("127.0.0.1", port), Receiver)
    sys.stderr.write("receiving on http://127.0.0.1:%d/\n" % port)
    server.serve_forever()


if __name__ == "__main__":
    main()
