#!/usr/bin/env python3
"""
openapi.yaml and the server agree: dq serves the built document at
GET /v1/openapi.json without a key; every route of fcgi/router.c is an
operation of the document and every operation a route; every error code the
C code can answer is in its ErrorCode enum, and nothing else is.  And the
checks that dqtest.py runs on every answer (apispec.py) do catch drift: real
answers and deliveries checked against deliberately wrong copies of the
document are reported.
"""
import copy
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apispec  # noqa: E402
from dqtest import BUILD, SRC, Stack, Target, check, eq, run, test, wait_for  # noqa: E402

S = T = None
DOC = os.path.join(BUILD, "openapi.json")
METHODS = ("get", "put", "post", "delete", "patch")


def setup():
    global S, T
    S = Stack()
    T = Target()


def doc():
    with open(DOC) as f:
        return json.load(f)


@test
def the_document_is_served_without_a_key():
    r = S.req("GET", "/v1/openapi.json", auth=False)
    eq(r.status, 200, "GET /v1/openapi.json")
    eq(r.header("Content-Type"), "application/json; charset=utf-8", "Content-Type")
    eq(r.json, doc(), "the served document is the built openapi.json")
    version = subprocess.run([S.bin("dq-fcgi"), "-V"], capture_output=True, text=True).stdout
    check(r.json["info"]["version"] in version, "info.version %r is dq-fcgi's (%r)" % (
        r.json["info"]["version"], version))
    eq(r.json["openapi"], "3.1.0", "OpenAPI version")
    eq(S.req("GET", "/v1/openapi.json", key="dq_not_a_key").status, 200, "a bad key is ignored")


@test
def only_its_get_is_public():
    eq(S.req("POST", "/v1/openapi.json", auth=False).status, 401, "POST without a key")
    r = S.req("POST", "/v1/openapi.json")
    eq((r.status, r.header("Allow")), (405, "GET"), "POST with a key")
    eq(S.req("GET", "/v1/openapi.jsonx", auth=False).status, 401, "a neighbour needs a key")


def router_routes():
    with open(os.path.join(SRC, "fcgi", "router.c")) as f:
        text = f.read()
    table = text[text.index("routes[] = {"):text.index("};", text.index("routes[] = {"))]
    return {(m.lower(), p) for m, p in re.findall(r'\{ "([A-Z]+)", "([^"]+)", h_\w+', table)}


@test
def every_route_is_an_operation_and_every_operation_a_route():
    routes = router_routes()
    check(len(routes) >= 24, "the route table: %r" % sorted(routes))
    ops = {(m, re.sub(r"\{[^}]+\}", "*", path)) for path, item in doc()["paths"].items()
           for m in item if m in METHODS}
    eq(sorted(routes - ops), [], "routes openapi.yaml does not describe")
    eq(sorted(ops - routes), [], "operations dq does not have")


def c_error_codes():
    """Every error code string the C code can put in an answer."""
    codes = set()
    for path in glob.glob(os.path.join(SRC, "fcgi", "*.c")):
        with open(path) as f:
            text = f.read()
        codes |= set(re.findall(r'resp_error(?:_object)?\([^;"]*"([a-z_]+)"', text))
        codes |= set(re.findall(r'\{ DQ_ERR_\w+, \d+, "([a-z_]+)"', text))
        codes |= set(re.findall(r'struct act a = \{ "\w+", "([a-z_]+)"', text))
    with open(os.path.join(SRC, "common", "base", "verr.c")) as f:
        text = f.read()
    names = text[text.index("missing_field") - 1:]
    codes |= set(re.findall(r'"([a-z_]+)"', names[:names.index("}")]))
    return codes


@test
def every_error_code_is_in_the_enum():
    codes = c_error_codes()
    check({"rate_limited", "not_cancellable", "invalid_cron", "conflict"} <= codes,
          "the code scan found %r" % sorted(codes))
    enum = set(doc()["components"]["schemas"]["ErrorCode"]["enum"])
    eq(sorted(codes - enum), [], "codes dq answers that openapi.yaml does not list")
    eq(sorted(enum - codes), [], "codes openapi.yaml lists that dq never answers")


def problems_with(spec, answers):
    out = []
    for method, path, r in answers:
        out += spec.check_response(method, path, r.status,
                                   {k.lower(): v for k, v in r.headers}, r.body)
    return out


@test
def the_answer_checks_catch_drift():
    job = S.create({"url": T.url("/x"), "delay": "1h"})
    answers = [("POST", "/v1/jobs", S.req("POST", "/v1/jobs", {"url": T.url("/y")})),
               ("GET", "/v1/jobs/" + job["id"], S.req("GET", "/v1/jobs/" + job["id"])),
               ("GET", "/v1/queues", S.req("GET", "/v1/queues")),
               ("POST", "/v1/jobs/%s/approve" % job["id"],
                S.req("POST", "/v1/jobs/%s/approve" % job["id"])),
               ("DELETE", "/v1/queues", S.req("DELETE", "/v1/queues"))]
    eq(problems_with(apispec.Spec(doc()), answers), [], "the real document")

    def broken(how):
        d = copy.deepcopy(doc())
        how(d)
        return problems_with(apispec.Spec(d), answers)

    sch = lambda d: d["components"]["schemas"]  # noqa: E731
    cases = {
        "a field the Job schema lacks": lambda d: sch(d)["Job"]["properties"].pop("updated_at"),
        "a wrong type": lambda d: sch(d)["Job"]["properties"].update(attempts={"type": "string"}),
        "a status not listed": lambda d: d["paths"]["/v1/jobs"]["post"]["responses"].pop("201"),
        "a header pattern": lambda d: d["components"]["headers"]["X-Request-Id"]["schema"]
        .update(pattern="^nope$"),
        "a missing route": lambda d: d["paths"].pop("/v1/queues"),
        "an error code": lambda d: sch(d)["NotApprovable"]["properties"]["error"]["properties"]
        ["code"].update(const="not_retryable"),
        "the Allow header": lambda d: d["paths"]["/v1/queues"].update(post={"responses": {}}),
    }
    for what, how in cases.items():
        check(broken(how), "%s was not noticed" % what)


@test
def the_delivery_checks_catch_drift():
    T.on("/cb", 200)
    job = S.create({"url": T.url("/hook"), "payload": {"a": 1}, "callback_url": T.url("/cb")})
    hook = T.wait_hits("/hook", 1)[0]
    cb = T.wait_hits("/cb", 1)[0]
    wait_for(lambda: S.job(job["id"])["callback_status"] == "delivered", what="the callback")
    spec = apispec.Spec(doc())
    for req in (hook, cb):
        eq(spec.check_delivery(req["headers"], req["body"]), [], "the real document")
    d = copy.deepcopy(doc())
    d["webhooks"]["jobDelivery"]["post"]["parameters"][5]["schema"]["pattern"] = "^v2,"
    check(apispec.Spec(d).check_delivery(hook["headers"], hook["body"]),
          "a changed webhook-signature was not noticed")
    d = copy.deepcopy(doc())
    d["components"]["schemas"]["Job"]["required"].append("colour")
    check(apispec.Spec(d).check_delivery(cb["headers"], cb["body"]),
          "a callback without a required field was not noticed")


if __name__ == "__main__":
    sys.exit(run(setup))
