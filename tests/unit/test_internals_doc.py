"""
doc/INTERNALS.md names only what exists: every repository file it cites is
in the tree, every function `name()` is defined in a source file (or is a
library's), and every constant is #defined (Berkeley DB's own in <db.h>);
the README links it and it is installed with the docs.  And the sources
point nowhere else: no comment names a file outside the tree or one that is
gone.
"""
import os
import re

from srccheck import SRC, check, finish, read

DOC = os.path.join("doc", "INTERNALS.md")
SOURCE_DIRS = ("common", "fcgi", "dispatcher", "dqctl", "repd", "tests", "conf")
SOURCE_EXT = (".c", ".h", ".py", ".sh", ".in", ".mk")
DB_H = "/usr/include/db.h"
# Where the library functions the page names (Berkeley DB's methods, libc's)
# are declared.
SYSTEM_HEADERS = (DB_H, "/usr/include/unistd.h", "/usr/include/signal.h")

def tree_files():
    out = []
    for top in SOURCE_DIRS + ("",):
        base = os.path.join(SRC, top)
        for root, dirs, files in os.walk(base):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in
                       ("node_modules", "corpus", "regress")] if top else []
            for f in files:
                out.append(os.path.relpath(os.path.join(root, f), SRC))
    return sorted(set(out))


FILES = tree_files()
SOURCES = [f for f in FILES if f.endswith(SOURCE_EXT) and not f.endswith(".o")]
TEXT = {f: read(f) for f in SOURCES + ["quickstart.sh"] if os.path.exists(os.path.join(SRC, f))}


def exists(path):
    return os.path.exists(os.path.join(SRC, path)) or os.path.exists(os.path.join(SRC, path + ".in"))


def system_declares(name):
    decl = re.compile(r"\(\*%s\)|\b%s\s*\(" % (name, name))
    for h in SYSTEM_HEADERS:
        if not os.path.exists(h):
            return True                 # nothing to check against
        with open(h, errors="replace") as f:
            if decl.search(f.read()):
                return True
    return False


def defined_function(name):
    c_def = re.compile(r"^%s\(" % re.escape(name), re.M)
    sh_def = re.compile(r"^%s\(\)\s*\{" % re.escape(name), re.M)
    return any(c_def.search(t) or sh_def.search(t) for t in TEXT.values()) or \
        system_declares(name)


def defined_constant(name):
    if any(os.path.basename(f) == name for f in FILES):
        return True                     # a file, such as DB_CONFIG
    if name.startswith("DB_"):
        if not os.path.exists(DB_H):
            return True                 # nothing to check against
        with open(DB_H, errors="replace") as f:
            return re.search(r"\b%s\b" % name, f.read()) is not None
    d = re.compile(r"^#define\s+%s\b|\b%s\s*(=|,|\})" % (name, name), re.M)
    return any(d.search(t) for f, t in TEXT.items() if f.endswith((".c", ".h")))


doc = read(DOC)
spans = re.findall(r"`([^`\n]+)`", doc)
missing_files, missing_fns, missing_consts = [], [], []
for s in spans:
    for word in re.findall(r"[A-Za-z0-9_./-]+", s):
        if "/" in word and re.search(r"\.(c|h|py|sh|md|in|mk)$", word) and \
                not word.startswith(("/", "PREFIX")):
            if not exists(word):
                missing_files.append(word)
    for fn in re.findall(r"\b([a-z_][a-z0-9_]*)\(\)", s):
        if not defined_function(fn):
            missing_fns.append(fn)
    for c in re.findall(r"\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b", s):
        if not defined_constant(c):
            missing_consts.append(c)
check(not missing_files, "every file doc/INTERNALS.md cites exists",
      " ".join(sorted(set(missing_files))))
check(not missing_fns, "every function doc/INTERNALS.md names is defined",
      " ".join(sorted(set(missing_fns))))
check(not missing_consts, "every constant doc/INTERNALS.md names is defined",
      " ".join(sorted(set(missing_consts))))

check("(doc/INTERNALS.md)" in read("README.md") and
      re.search(r"^dist_doc_DATA = .*\bdoc/INTERNALS\.md\b", read("Makefile.am"), re.M) and
      "doc/INTERNALS.md" in read(os.path.join("debian", "docs")).split(),
      "the README links doc/INTERNALS.md; make install and the package install it")

# Comments of the sources: nothing outside the tree, no file that is gone.
outside, gone = [], []
path_word = re.compile(r"(?<![\w./$-])((?:\.\./)+[\w./-]+|(?:common|fcgi|dispatcher|dqctl|repd|"
                       r"tests|conf|doc|man|www|clients)/[\w./-]+\.(?:c|h|md|py|sh|mk|in))\b")
bare_c = re.compile(r"(?<![\w./-])([\w-]+\.c)\b")
BASENAMES = {os.path.basename(p) for p in FILES}
BUILT = "openapi_json.c"                # made by the build
comment = re.compile(r"/\*.*?\*/|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"", re.S)
for f in SOURCES:
    if not f.endswith((".c", ".h")):
        continue
    # the comments alone, on their own lines
    text = ["\n"] * (TEXT[f].count("\n") + 1)
    for m in comment.finditer(TEXT[f]):
        if m.group(0)[0] == "/":
            first = TEXT[f].count("\n", 0, m.start())
            for i, part in enumerate(m.group(0).split("\n")):
                text[first + i] = part + "\n"
    text = "".join(text)
    for n, line in enumerate(text.splitlines(), 1):
        for m in path_word.finditer(line):
            w = m.group(1)
            if w.startswith("../"):
                outside.append("%s:%d: %s" % (f, n, w))
            elif not exists(w) and not w.endswith(BUILT):
                gone.append("%s:%d: %s" % (f, n, w))
        for m in bare_c.finditer(line):
            if m.group(1) not in BASENAMES and not m.group(1).endswith(BUILT):
                gone.append("%s:%d: %s" % (f, n, m.group(1)))
check(not outside, "no source comment points outside the tree", "\n".join(outside))
check(not gone, "every repository file a source comment names exists", "\n".join(gone))

finish()
