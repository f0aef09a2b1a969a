#!/usr/bin/env python3
"""
/metrics names every account and queue, so who may read it is decided
twice: the shipped nginx and Apache snippets serve it to this machine only
(a client on 127.0.0.2 is refused by the web server, though dq itself
trusts all of 127/8), and dq-fcgi wants metrics_token from any client that
is not on loopback, compared whole (shorter, longer, a prefix, another
case, another scheme: all refused).  metrics_per_account no leaves only
totals by status: no account or queue name in the output.
(test_admin.py checks what the metrics say.)
"""
import http.client

from dqtest import Stack, check, eq, run, test

TOKEN = "s3cret-token-0123456789"


def get_from(stack, source, headers=None):
    """GET /metrics from a given loopback source address."""
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30,
                                      source_address=(source, 0))
    conn.request("GET", "/metrics", headers=headers or {})
    r = conn.getresponse()
    body = r.read().decode("utf-8", "replace")
    conn.close()
    return r.status, body


def setup():
    pass


@test
def shipped_snippets_serve_metrics_to_this_machine_only():
    for frontend in ("nginx", "apache"):
        s = Stack(dispatcher=False, frontend=frontend, conf={"metrics_token": TOKEN})
        status, body = get_from(s, "127.0.0.1")
        eq(status, 200, "%s, from 127.0.0.1" % frontend)
        check("dq_http_requests_total" in body, body[:200])
        # dq-fcgi alone would answer 127.0.0.2 (loopback); the snippet refuses
        # it, even with the token: the web server decides first
        for hdrs in ({}, {"Authorization": "Bearer " + TOKEN}):
            status, body = get_from(s, "127.0.0.2", hdrs)
            eq(status, 403, "%s, from 127.0.0.2 %r" % (frontend, hdrs))
            check("dq_" not in body, "no metrics in the refusal")
        s.destroy()


def open_snippet(stack):
    """The nginx snippet as an admin edits it for a scraper elsewhere: the
    allow/deny lines gone, the client address taken from X-Forwarded-For."""
    made = stack.snippet

    def snippet(name, wwwdir):
        path = made(name, wwwdir)
        with open(path) as f:
            lines = f.read().splitlines()
        with open(path, "w") as f:
            f.write("\n".join(l for l in lines if l.strip() not in
                               ("allow 127.0.0.1;", "allow ::1;", "deny all;")) + "\n")
        return path
    stack.snippet = snippet
    stack.stop("nginx")
    stack.start_nginx()


@test
def metrics_token_is_compared_whole():
    s = Stack(conf={"metrics_token": TOKEN}, dispatcher=False,
              nginx_extra="set_real_ip_from 127.0.0.1; real_ip_header X-Forwarded-For;")
    remote = {"X-Forwarded-For": "203.0.113.9"}
    r = s.req("GET", "/metrics", auth=False, headers=remote)
    eq(r.status, 403, "the shipped snippet refuses a remote client")
    open_snippet(s)
    r = s.req("GET", "/metrics", auth=False, headers=remote)
    eq((r.status, r.error.get("code"), r.header("WWW-Authenticate")),
       (401, "unauthorized", "Bearer"))
    for wrong in ("", "s", TOKEN[:-1], TOKEN + "x", " " + TOKEN, TOKEN + "\t!",
                  TOKEN.upper(), TOKEN[1:] + TOKEN[0], "x" * len(TOKEN), TOKEN * 2):
        r = s.req("GET", "/metrics", auth=False,
                  headers=dict(remote, Authorization="Bearer " + wrong))
        eq(r.status, 401, "token %r" % wrong)
    for auth in ("Basic " + TOKEN, TOKEN, "Bearer" + TOKEN):
        r = s.req("GET", "/metrics", auth=False, headers=dict(remote, Authorization=auth))
        eq(r.status, 401, "Authorization %r" % auth)
    for scheme in ("Bearer ", "bearer ", "BEARER "):
        r = s.req("GET", "/metrics", auth=False,
                  headers=dict(remote, Authorization=scheme + TOKEN))
        eq(r.status, 200, "Authorization %r" % (scheme + "..."))
        check("dq_http_requests_total" in r.body, r.body[:200])
    eq(s.req("GET", "/metrics", auth=False).status, 200, "loopback needs no token")
    s.destroy()


@test
def per_account_metrics_can_be_turned_off():
    for per_account in ("yes", "no"):
        s = Stack(conf={"metrics_per_account": per_account}, dispatcher=False)
        s.add_account("tenant-secret-name")
        for q in ("q-hidden-name", "other-queue"):
            eq(s.req("POST", "/v1/jobs", {"url": "http://127.0.0.1:9/x", "queue": q,
                                         "delay": "1h"}).status, 201)
        s.req("POST", "/v1/jobs", {"url": "http://127.0.0.1:9/x", "requires_approval": True})
        status, body = get_from(s, "127.0.0.1")
        eq(status, 200)
        jobs = [l for l in body.splitlines() if l.startswith("dq_jobs{")]
        if per_account == "yes":
            check('dq_jobs{account="test",queue="q-hidden-name",status="pending"} 1' in jobs,
                  "\n".join(jobs))
        else:
            check("q-hidden-name" not in body and "other-queue" not in body,
                  "no queue names")
            check('account="' not in body and "tenant-secret-name" not in body,
                  "no account names")
            eq(sorted(jobs), sorted([
                'dq_jobs{status="pending"} 2', 'dq_jobs{status="awaiting_approval"} 1',
                'dq_jobs{status="active"} 0', 'dq_jobs{status="completed"} 0',
                'dq_jobs{status="failed"} 0', 'dq_jobs{status="cancelled"} 0']), "totals")
        s.destroy()


if __name__ == "__main__":
    raise SystemExit(run(setup))
