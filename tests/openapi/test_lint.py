#!/usr/bin/env python3
"""
openapi.yaml, and the openapi.json the build made from it, pass Redocly's
OpenAPI linter (@redocly/openapi-core, pinned in package-lock.json here;
lint.mjs: its recommended-strict rules, every problem an error).

SKIPs without node or tests/openapi/node_modules (npm ci here;
./quickstart.sh test does both).
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from dqtest import BUILD, SRC, check, eq, run, test  # noqa: E402


def lint(path):
    r = subprocess.run(["node", os.path.join(HERE, "lint.mjs"), path], capture_output=True,
                       text=True, timeout=120, cwd=HERE)
    return r.returncode, r.stdout + r.stderr


@test
def openapi_yaml_is_clean():
    rc, out = lint(os.path.join(SRC, "openapi.yaml"))
    eq(rc, 0, "lint:\n" + out)
    check("0 errors, 0 warnings" in out, out)


@test
def the_built_json_is_clean():
    rc, out = lint(os.path.join(BUILD, "openapi.json"))
    eq(rc, 0, "lint:\n" + out)


@test
def the_linter_finds_problems():
    # A document with a duplicate operationId and a dangling $ref.
    bad = os.path.join(BUILD, "tests", "openapi", "broken.yaml")
    os.makedirs(os.path.dirname(bad), exist_ok=True)
    with open(os.path.join(SRC, "openapi.yaml")) as f:
        text = f.read()
    text = text.replace("operationId: getJob\n", "operationId: createJob\n")
    text = text.replace("'#/components/schemas/Purged'", "'#/components/schemas/Nothing'")
    with open(bad, "w") as f:
        f.write(text)
    try:
        rc, out = lint(bad)
    finally:
        os.unlink(bad)
    eq(rc, 1, "lint of a broken document:\n" + out)
    for rule in ("operation-operationId-unique", "no-unresolved-refs"):
        check(rule in out, "%s not reported:\n%s" % (rule, out))


def skip_reason():
    if not shutil.which("node"):
        return "no node (apt-get install nodejs)"
    if not os.path.isdir(os.path.join(HERE, "node_modules", "@redocly", "openapi-core")):
        return "the linter is not installed (npm ci in tests/openapi)"
    return None


if __name__ == "__main__":
    sys.exit(run(skip=skip_reason()))
