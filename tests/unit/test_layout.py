"""
The store is the only place that knows Berkeley DB: no program file outside
common/store/ includes <db.h> or names a Berkeley DB type or constant
(comments and strings aside), and store.h does not bring in jansson or
request validation for the programs that include it.  Test programs may
reach into the store; they are not checked.
"""
import os
import re

from srccheck import SRC, check, finish

PROGRAM_DIRS = ("common", "fcgi", "dispatcher", "dqctl", "repd")
STORE = os.path.join("common", "store")
DB_WORD = re.compile(r"<db\.h>|\bDB_[A-Z][A-Z_]*\b|\b(DB|DB_ENV|DB_TXN|DBT|DBC)\b")
COMMENT_OR_STRING = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"', re.S)
INCLUDE = re.compile(r'^#include\s+[<"]([^>"]+)[>"]', re.M)

def sources():
    for top in PROGRAM_DIRS:
        for root, _, files in os.walk(os.path.join(SRC, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(root, f), SRC)


def code_of(path):
    with open(os.path.join(SRC, path), errors="replace") as f:
        text = f.read()
    # <db.h> is inside quotes only in the include line, which stays.
    return COMMENT_OR_STRING.sub(lambda m: "" if m.group(0)[0] in "/" else '""', text)


def db_outside_store():
    bad = []
    for path in sources():
        if path.startswith(STORE + os.sep):
            continue
        for n, line in enumerate(code_of(path).splitlines(), 1):
            m = DB_WORD.search(line)
            if m:
                bad.append("%s:%d: %s" % (path, n, m.group(0)))
    return bad


def header_closure(name):
    """Every project header that including `name` brings in, and system ones."""
    dirs = [os.path.join(SRC, "common", d) for d in os.listdir(os.path.join(SRC, "common"))
            if os.path.isdir(os.path.join(SRC, "common", d))]
    seen, todo = set(), [name]
    while todo:
        h = todo.pop()
        if h in seen:
            continue
        seen.add(h)
        for d in dirs:
            p = os.path.join(d, h)
            if os.path.exists(p):
                with open(p) as f:
                    todo.extend(INCLUDE.findall(f.read()))
                break
    return seen


bad = db_outside_store()
check(not bad, "Berkeley DB is named only in %s" % STORE, "\n".join(bad[:20]))
closure = header_closure("store.h")
check("jansson.h" not in closure and "jobreq.h" not in closure,
      "store.h brings in neither jansson nor request validation",
      "store.h includes: %s" % " ".join(sorted(closure)))
check(os.path.exists(os.path.join(SRC, STORE, "store_int.h")),
      "the store's internal header lives in the store's folder")

finish()
