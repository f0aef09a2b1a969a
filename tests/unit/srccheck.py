"""
What the unit tests that read the source tree share: where the tree is, a
list of named checks, and their TAP report.
"""
import os
import sys

SRC = os.environ.get("DQ_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))

results = []


def check(ok, name, detail=""):
    results.append((bool(ok), name, detail))


def read(path):
    with open(os.path.join(SRC, path), encoding="utf-8", errors="replace") as f:
        return f.read()


def finish():
    """Print the checks as TAP and exit: 0 when every one passed."""
    print("1..%d" % len(results))
    for i, (ok, name, detail) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok and detail:
            for line in detail.splitlines():
                print("# " + line)
    sys.exit(0 if all(ok for ok, _, _ in results) else 1)
