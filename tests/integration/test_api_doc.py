"""
doc/API.md, the API reference, against the program: its Routes table holds
every route of fcgi/router.c and no other, its Errors table every error
code the API can answer with the status it comes with, and the README and
the installed docs point to it; and it agrees with openapi.yaml on every
route, success status and error code.  (test_readme.py checks the success
statuses of the routes against a running stack.)
"""
import glob
import json
import os
import re

import docs
from dqtest import SRC, check, eq, run, test


def source(*globs):
    text = ""
    for g in globs:
        for path in sorted(glob.glob(os.path.join(SRC, g), recursive=True)):
            with open(path, encoding="utf-8") as f:
                text += f.read()
    return text


def code_routes():
    """{(method, pattern)} of the router's table."""
    found = re.findall(r'\{ "([A-Z]+)", "(/[^"]*)", h_\w+, [^}]*\}',
                       source("fcgi/router.c"))
    check(len(found) >= 20, "found the route table in fcgi/router.c (%d)" % len(found))
    return set(found)


def code_errors():
    """{code: {statuses}} of every error the API answers, from the code:
    resp_error() calls, the enum-to-HTTP table, the validation codes (always
    400), batch items (400, or the status their code has elsewhere, as
    not_found for an unknown topic) and the job actions' conflicts."""
    fcgi = source("fcgi/*.c")
    out = {}

    def add(name, status):
        out.setdefault(name, set()).add(int(status))

    for status, name in re.findall(r'resp_error\(\s*&?\w+,\s*&?\w+,\s*(\d{3}),\s*"(\w+)"', fcgi):
        add(name, status)
    for status, name in re.findall(r'\{\s*DQ_ERR_\w+,\s*(\d{3}),\s*"(\w+)"', fcgi):
        add(name, status)
    for name in re.findall(r'resp_error_object\(\s*\w+,\s*"(\w+)"', fcgi):
        if name not in out:     # a batch item's error: its code's status, else 400
            add(name, 400)
    names = re.search(r"names\[\] = \{([^}]*)\}", source("common/**/verr.c"))
    check(names, "found verr_code_name()'s table in common/base/verr.c")
    for name in re.findall(r'"(\w+)"', names.group(1)):
        add(name, 400)
    m = re.search(r"resp_error\(r, q, (\d{3}), a->conflict", fcgi)
    check(m, "found the job actions' conflict answer in fcgi/h_jobact.c")
    for name in re.findall(r'struct act a = \{ "\w+", "(\w+)"', fcgi):
        add(name, m.group(1))
    check(len(out) >= 18, "found the error codes in the code (%d)" % len(out))
    return out


@test
def every_route_is_documented_and_no_other():
    documented = [(m, p) for m, p, _ in docs.api_routes()]
    eq(len(documented), len(set(documented)), "routes listed twice in doc/API.md")
    code = code_routes()
    eq(sorted(code - set(documented)), [], "routes of fcgi/router.c missing from doc/API.md")
    eq(sorted(set(documented) - code), [], "routes in doc/API.md that fcgi/router.c lacks")


@test
def every_route_has_a_success_status():
    for m, p, statuses in docs.api_routes():
        check(statuses and all(100 <= s < 600 for s in statuses), "%s %s: %r" % (m, p, statuses))
        check(any(200 <= s < 300 for s in statuses), "%s %s has no 2xx" % (m, p))


@test
def every_error_code_is_documented_with_its_status():
    documented = docs.api_errors()
    code = code_errors()
    eq(sorted(set(code) - set(documented)), [], "error codes missing from doc/API.md")
    eq(sorted(set(documented) - set(code)), [], "error codes in doc/API.md the code never answers")
    for name, statuses in sorted(code.items()):
        eq(statuses, {documented[name]}, "HTTP status of " + name)


def openapi():
    """The build's openapi.json (made from openapi.yaml)."""
    build = os.environ.get("DQ_BUILDDIR") or SRC
    with open(os.path.join(build, "openapi.json"), encoding="utf-8") as f:
        return json.load(f)


def openapi_routes(doc):
    """{(method, pattern): {success statuses}}: every 2xx of an operation,
    and /healthz's 503, which doc/API.md counts as an answer of its own."""
    out = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                continue
            statuses = {int(s) for s in op["responses"] if s.isdigit() and
                        (s.startswith("2") or (path == "/healthz" and s == "503"))}
            out[(method.upper(), docs.pattern(path))] = statuses
    return out


@test
def the_reference_and_openapi_agree():
    doc = openapi()
    documented = {(m, p): set(st) for m, p, st in docs.api_routes()}
    described = openapi_routes(doc)
    eq(sorted(set(documented) - set(described)), [], "routes of doc/API.md missing from openapi.yaml")
    eq(sorted(set(described) - set(documented)), [], "routes of openapi.yaml missing from doc/API.md")
    for route in sorted(documented):
        eq(described[route], documented[route], "success statuses of %s %s" % route)
    codes = set(doc["components"]["schemas"]["ErrorCode"]["enum"])
    eq(sorted(codes ^ set(docs.api_errors())), [],
       "error codes in only one of doc/API.md and openapi.yaml")


@test
def the_readme_links_the_reference_and_it_is_installed():
    readme = docs.read("README.md")
    check("(doc/API.md)" in readme, "README.md links doc/API.md")
    makefile = docs.read("Makefile.am")
    check(re.search(r"^dist_doc_DATA = .*\bdoc/API\.md\b", makefile, re.M),
          "make install puts doc/API.md in $(docdir)")
    check("doc/API.md" in docs.read("debian", "docs").split(), "debian/docs lists doc/API.md")


if __name__ == "__main__":
    raise SystemExit(run())
