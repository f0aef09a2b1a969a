"""
The README's walk-through of a group of three on one machine ("High
availability", "A group of three on one machine"), run as printed: every
```sh block of that section, in order, in bash, from the top of the built
tree.  Only these are changed: /tmp/dq-ha becomes a temporary directory,
and the ports 7401 and 8090 free ones.  What it prints is checked: the
group founded with 127.0.0.2 as master, a job created through the front
end before and after the master is killed, both listed, and the old master
back as a replica.  Whatever it leaves running is ended, even on failure.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile

import docs
import dqtest
import hatest
from dqtest import BUILD, SRC, at_exit, check, eq, run, test

DIR = tempfile.mkdtemp(prefix="dq-ha-walk-")
CWD = tempfile.mkdtemp(prefix="dq-ha-tree-")


def cleanup():
    me = DIR.encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if me in f.read():
                    os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
    shutil.rmtree(DIR, ignore_errors=True)
    shutil.rmtree(CWD, ignore_errors=True)


at_exit(cleanup)


def blocks():
    text = docs.section(docs.section(docs.read("README.md"), 2, "High availability"),
                        3, "A group of three on one machine")
    return re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S)


def as_run(text, repl, front):
    return text.replace("/tmp/dq-ha", DIR).replace("7401", str(repl)) \
        .replace("8090", str(front))


def json_objects(text):
    """The JSON objects in text (curl prints them without a newline)."""
    dec, out, i = json.JSONDecoder(), [], 0
    while (i := text.find("{", i)) != -1:
        try:
            obj, end = dec.raw_decode(text, i)
        except ValueError:
            i += 1
            continue
        out.append(obj)
        i = end
    return out


@test
def the_walk_through_works_as_printed():
    bs = blocks()
    check(len(bs) >= 6, "the walk-through's blocks: %d" % len(bs))
    # the tree as the README's reader has it: the programs and conf/
    for d in ("dqctl", "repd", "fcgi", "dispatcher"):
        os.symlink(os.path.join(BUILD, d), os.path.join(CWD, d))
    os.symlink(os.path.join(SRC, "conf"), os.path.join(CWD, "conf"))
    repl = max(hatest.free_port_on("127.0.0.%d" % i) for i in (2, 3, 4))
    front = dqtest.free_port()
    outs = []
    for k, text in enumerate(bs):
        # files, not pipes: what a block starts in the background keeps them
        with open(os.path.join(CWD, "out%d" % k), "w+") as out, \
                open(os.path.join(CWD, "err%d" % k), "w+") as err:
            p = subprocess.run(["bash", "-e", "-c", as_run(text, repl, front)], cwd=CWD,
                               stdout=out, stderr=err, timeout=120)
            out.seek(0)
            err.seek(0)
            o, e = out.read(), err.read()
        eq(p.returncode, 0, "the block ran:\n%s\n%s%s" % (text, o, e))
        outs.append(o)
    out = "\n".join(outs)
    check(re.search(r"^master: 127\.0\.0\.2:%d" % repl, outs[1], re.M),
          "the group founded, 127.0.0.2 master:\n" + outs[1])
    check("127.0.0.3:%d         replica" % repl in outs[1] or
          re.search(r"^127\.0\.0\.3:%d\s+replica" % repl, outs[1], re.M),
          "the others replicas:\n" + outs[1])
    objs = json_objects(out)
    jobs = [o for o in objs if str(o.get("id", "")).startswith("job_")]
    eq(len(jobs), 2, "two jobs created through the front end:\n" + out)
    new = re.findall(r"^master: (127\.0\.0\.[34]):%d" % repl, out, re.M)
    check(new, "a new master after the kill:\n" + out)
    lists = [o for o in objs if "data" in o]
    check(lists, "the list:\n" + out)
    eq({j["id"] for j in lists[-1]["data"]} >= {j["id"] for j in jobs}, True,
       "both jobs listed")
    check(re.search(r"^127\.0\.0\.2:%d\s+replica\s+this member" % repl, out, re.M),
          "the old master back as a replica:\n" + out)
    check(not os.path.exists(DIR), "the last block removed everything")


if __name__ == "__main__":
    if os.geteuid() != 0:
        raise SystemExit(run(skip="the walk-through runs as root"))
    raise SystemExit(run())
