"""
The shipped samples say what the programs do: conf/dq.conf shows every key
of conf.c's table with its real default (and nothing test-only), the
programs accept it as shipped and with every line switched on, dq.conf(5)
documents every key with its real default, every line of conf/DB_CONFIG is
one Berkeley DB accepts, the manual pages have no mandoc warnings, and each
program's page documents every option and command its usage text lists.
"""
import os
import re
import shutil
import subprocess
import tempfile

from dqtest import BUILD, SRC, at_exit, check, eq, run, test

TEST_ONLY = {"test_clock_file"}
TMP = tempfile.mkdtemp(prefix="dq-conf-")
at_exit(lambda: shutil.rmtree(TMP, ignore_errors=True))


def src(*parts):
    return os.path.join(SRC, *parts)


def bin(name):
    return os.path.join(BUILD, {"dq-fcgi": "fcgi", "dq-dispatcher": "dispatcher",
                                "dqctl": "dqctl"}[name], name)


def table():
    """{key: default} from conf.c, the one table every program reads."""
    with open(src("common", "base", "conf.c")) as f:
        text = f.read()
    return dict(re.findall(r'\{ "(\w+)", CT_\w+, F\(\w+\),[^"]*"([^"]*)" \}', text))


def sample_lines():
    """The `#key value` lines of conf/dq.conf, as {key: value}."""
    keys = table()
    out = {}
    with open(src("conf", "dq.conf")) as f:
        for line in f:
            m = re.match(r"#(\w+) (\S+)$", line.rstrip("\n"))
            if m and m.group(1) in keys:
                out[m.group(1)] = m.group(2)
    return out


def accepts(path):
    for prog in ("dq-fcgi", "dq-dispatcher"):
        r = subprocess.run([bin(prog), "-n", "-c", path], capture_output=True, text=True)
        eq((r.returncode, r.stdout.strip()), (0, "configuration OK"),
           "%s -n %s: %s" % (prog, path, r.stderr))


@test
def sample_shows_every_key_with_its_default():
    keys, shown = table(), sample_lines()
    check(len(keys) >= 20, "found the table in conf.c (%d keys)" % len(keys))
    eq(sorted(shown), sorted(set(keys) - TEST_ONLY), "keys shown in conf/dq.conf")
    for k, v in shown.items():
        if k == "wakeup_socket":     # "none" in the table means DATA_DIR/wakeup.sock
            eq(v, table()["data_dir"] + "/wakeup.sock", k)
        else:
            eq(v, keys[k], "default of " + k)


@test
def sample_has_no_test_only_key():
    with open(src("conf", "dq.conf")) as f:
        text = f.read()
    for k in TEST_ONLY:
        check(k not in text, "%s is in the sample" % k)


@test
def sample_is_accepted_as_shipped_and_switched_on():
    accepts(src("conf", "dq.conf"))
    on = os.path.join(TMP, "on.conf")
    with open(on, "w") as f:
        for k, v in sample_lines().items():
            f.write("%s %s\n" % (k, v))
    accepts(on)


@test
def manual_documents_every_key():
    with open(src("man", "dq.conf.5.in")) as f:
        documented = set(re.findall(r"\bCm (\w+)", f.read()))
    missing = set(table()) - TEST_ONLY - documented
    eq(sorted(missing), [], "keys missing from dq.conf(5)")
    check(not (TEST_ONLY & documented), "test-only keys are not documented")


@test
def every_db_config_line_is_accepted():
    data = os.path.join(TMP, "data")
    logs = os.path.join(TMP, "logs")
    os.makedirs(data)
    os.makedirs(logs)
    lines = []
    with open(src("conf", "DB_CONFIG")) as f:
        for line in f:
            m = re.match(r"#\s*((?:set|log)_\w+ [^#]*)", line)
            if m:
                lines.append(m.group(1).strip().replace("/srv/dq-logs", logs))
    check(len(lines) >= 10, "example lines found: %r" % lines)
    with open(os.path.join(data, "DB_CONFIG"), "w") as f:
        f.write("\n".join(lines) + "\n")
    conf = os.path.join(TMP, "db.conf")
    with open(conf, "w") as f:
        f.write("data_dir %s\nsync write\n" % data)
    for args in (["init"], ["account", "add", "x"]):
        r = subprocess.run([bin("dqctl"), "-c", conf] + args, capture_output=True, text=True)
        eq(r.returncode, 0, "dqctl %s with every DB_CONFIG line: %s" % (args, r.stderr))
        check("unrecognized" not in r.stderr, r.stderr)
    check(os.listdir(logs), "set_lg_dir took effect")


@test
def manual_pages_have_no_warnings():
    mandoc = shutil.which("mandoc")
    pages = [os.path.join(BUILD, "man", p) for p in
             ("dq-fcgi.8", "dq-dispatcher.8", "dqctl.8", "dq.conf.5")]
    for p in pages:
        check(os.path.exists(p), "built: " + p)
    if not mandoc:
        print("# mandoc not installed: pages not linted")
        return
    r = subprocess.run([mandoc, "-T", "lint", "-W", "warning"] + pages,
                       capture_output=True, text=True)
    eq((r.returncode, r.stdout + r.stderr), (0, ""), "mandoc -T lint")


def rendered(page):
    """A built manual page as plain text, or None without mandoc."""
    mandoc = shutil.which("mandoc")
    if not mandoc:
        print("# mandoc not installed: %s not rendered" % page)
        return None
    r = subprocess.run([mandoc, "-T", "ascii", os.path.join(BUILD, "man", page)],
                       capture_output=True, text=True)
    eq(r.returncode, 0, "mandoc " + page)
    return re.sub(r".\x08", "", r.stdout)      # no overstriking


@test
def manual_shows_each_key_with_its_default():
    text = rendered("dq.conf.5")
    if text is None:
        return
    for key, default in table().items():
        if key in TEST_ONLY:
            continue
        if key == "wakeup_socket":     # "none" in the table means DATA_DIR/wakeup.sock
            default = "data_dir/wakeup.sock"
        m = re.search(r"^ {5}(?:.*, )?%s \w+ \(([^()]*)\)" % key, text, re.M)
        check(m, "dq.conf(5) has an entry '%s <type> (<default>)'" % key)
        eq(m.group(1), default, "default of %s in dq.conf(5)" % key)


def usage(prog):
    r = subprocess.run([bin(prog), "-h"], capture_output=True, text=True)
    eq(r.returncode, 0, prog + " -h")
    return r.stdout


@test
def manuals_document_every_option_of_the_usage():
    for prog in ("dq-fcgi", "dq-dispatcher", "dqctl"):
        with open(os.path.join(BUILD, "man", prog + ".8")) as f:
            page = f.read()
        opts = re.findall(r"^  -(\w)\b", usage(prog), re.M)
        check(len(opts) >= 3, "options in the usage of %s: %r" % (prog, opts))
        for o in opts:
            check(re.search(r"^\.It Fl %s\b" % o, page, re.M),
                  "%s(8) documents -%s" % (prog, o))


@test
def dqctl_manual_documents_every_command():
    text = usage("dqctl").split("commands:\n", 1)
    check(len(text) == 2, "dqctl -h lists its commands")
    commands = re.findall(r"^  ([a-z][^\n]*?)(?: {2,}.*)?$", text[1], re.M)
    check(len(commands) >= 10, "commands found: %r" % commands)
    page = rendered("dqctl.8")
    with open(os.path.join(BUILD, "man", "dqctl.8")) as f:
        source = f.read()
    for synopsis in commands:
        words = re.match(r"[a-z][a-z-]*(?: [a-z][a-z-]*)?", synopsis).group(0)
        check(re.search(r"^\.It Cm %s\b" % words, source, re.M),
              "dqctl(8) has an entry for %s" % words)
        if page is not None:    # each entry on its own tag line, as it renders
            check(re.search(r"^ {5}%s\b" % words, page, re.M),
                  "dqctl(8) renders an entry starting %r" % words)
        for opt in re.findall(r"--([a-z-]+)", synopsis):
            check(re.search(r"Fl \\-%s\b" % opt, source),
                  "dqctl(8) documents %s --%s" % (words, opt))


if __name__ == "__main__":
    raise SystemExit(run())
