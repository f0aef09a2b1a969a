"""
Reading dq's documentation for the tests that hold it to the program: the
routes and error tables of doc/API.md, and the sections and code blocks of
README.md.
"""
import os
import re

from dqtest import SRC


def read(*parts):
    with open(os.path.join(SRC, *parts), encoding="utf-8") as f:
        return f.read()


def sections(text, level):
    """[(heading, text up to the next heading of this level or higher)]."""
    marks = "#" * level
    out, heading, lines = [], None, []
    fence = False
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            fence = not fence
        m = None if fence else re.match(r"(#{1,%d}) (.*)" % level, line)
        if m:
            if heading is not None:
                out.append((heading, "".join(lines)))
            heading, lines = (m.group(2).strip(), []) if m.group(1) == marks else (None, [])
            continue
        lines.append(line)
    if heading is not None:
        out.append((heading, "".join(lines)))
    return out


def section(text, level, heading):
    for h, body in sections(text, level):
        if h == heading:
            return body
    raise AssertionError("no section %r" % heading)


def table(text, first_column):
    """The rows of the first table whose header starts with first_column,
    as lists of cells (markup kept)."""
    rows, inside = [], False
    for line in text.splitlines():
        if not line.startswith("|"):
            if inside:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not inside:
            inside = cells[0] == first_column
            continue
        if set(cells[0]) <= set("-: "):
            continue
        rows.append(cells)
    if not rows:
        raise AssertionError("no table starting with column %r" % first_column)
    return rows


def code(cell):
    """`x` -> x."""
    m = re.fullmatch(r"`([^`]*)`", cell)
    if not m:
        raise AssertionError("expected `code` in a table cell, got %r" % cell)
    return m.group(1)


def pattern(path):
    """A documented path as the router writes it: {id} -> *."""
    return re.sub(r"\{[^}/]+\}", "*", path)


def api_routes():
    """[(method, pattern, [success statuses])] from doc/API.md's Routes table."""
    rows = table(section(read("doc", "API.md"), 2, "Routes"), "method")
    return [(code(r[0]), pattern(code(r[1])), [int(s) for s in r[2].split(",")])
            for r in rows]


def api_errors():
    """{code: status} from doc/API.md's Errors table."""
    rows = table(section(read("doc", "API.md"), 2, "Errors"), "code")
    out = {}
    for r in rows:
        name = code(r[0])
        if name in out:
            raise AssertionError("error code %s is in the table twice" % name)
        out[name] = int(r[1])
    return out


def route_of(method, path, routes):
    """The documented route a concrete request path is served by: the one
    with the fewest `*` among those that match (as /v1/jobs/batch beats
    /v1/jobs/*), or None."""
    segs = path.split("/")
    best = None
    for m, pat, statuses in routes:
        p = pat.split("/")
        if m != method or len(p) != len(segs):
            continue
        if all(a == "*" and b or a == b for a, b in zip(p, segs)):
            if best is None or pat.count("*") < best[1].count("*"):
                best = (m, pat, statuses)
    return best


RUNNABLE = "<!-- runnable"


def readme_blocks(lang):
    """[(section heading, runnable, block text)] for every ```lang block of
    README.md.  A level-2 section is runnable when it holds the marker
    comment; its subsections are part of it."""
    out = []
    for heading, body in sections(read("README.md"), 2):
        runnable = RUNNABLE in body
        for m in re.finditer(r"^```%s\n(.*?)^```$" % re.escape(lang), body, re.M | re.S):
            out.append((heading, runnable, m.group(1)))
    return out
