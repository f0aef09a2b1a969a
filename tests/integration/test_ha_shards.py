"""
Account-sharded groups behind one front end: two dq groups, each with its
own front end (here each a single node, as sharding does not care how a
group is made), behind an nginx running the shipped
conf/ha/nginx-dq-shards.conf.  Every request of an account (DQ-Account:
its name) reaches its own group, and that group only: its jobs are there
and not on the other, whatever the request.
"""
import os
import re
import subprocess

import apispec
import dqtest
import hatest
from dqtest import NGINX, SRC, Stack, check, eq, run, test, wait_for

A = B = None
PORT = None
NAMES = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka"]


def front_conf(groups, port):
    with open(os.path.join(SRC, "conf", "ha", "nginx-dq-shards.conf")) as f:
        text = f.read()
    servers = "".join("    server 127.0.0.1:%d max_fails=0;\n" % g.port for g in groups)
    text = re.sub(r"(?m)^    server 10\.0\.\d+\.10:80 max_fails=0;.*\n", "", text)
    text = text.replace("hash $dq_shard_key consistent;\n",
                        "hash $dq_shard_key consistent;\n" + servers, 1)
    return text.replace("listen 80;", "listen 127.0.0.1:%d;" % port)


def setup():
    global A, B, PORT
    A, B = Stack(), Stack()
    PORT = dqtest.free_port()
    apispec.dq_ports.add(PORT)
    d = os.path.join(A.dir, "front")
    os.makedirs(d)
    shards = dqtest.write(os.path.join(d, "shards.conf"), front_conf([A, B], PORT))
    conf = dqtest.write(os.path.join(d, "nginx.conf"),
                        hatest.nginx_http_conf(d, shards, "proxy_temp_path"))
    p = dqtest.Proc("front", [NGINX, "-p", d, "-c", conf], os.path.join(d, "front-out.log"))
    p.start()
    dqtest.at_exit(p.stop)
    def up():
        try:
            return front("GET", "/healthz", "x").status == 200
        except OSError:
            return False
    wait_for(up, 10, 0.1, "the front end")


def front(method, path, account, key=None, body=None):
    hdrs = {"DQ-Account": account}
    if key:
        hdrs["Authorization"] = "Bearer " + key
    return dqtest.http_request(PORT, method, path, body, hdrs)


def group_of(account):
    """The group the front end sends this account to (DQ-Group names it)."""
    upstream = front("GET", "/healthz", account).header("DQ-Group")
    return A if upstream == "127.0.0.1:%d" % A.port else B if \
        upstream == "127.0.0.1:%d" % B.port else None


@test
def each_account_lives_on_its_own_group():
    placed = {}
    for name in NAMES:
        g = group_of(name)
        check(g is not None, "%s is sent to a group" % name)
        eq(group_of(name), g, "%s is sent to the same group again" % name)
        key, _ = g.add_account(name)        # created where the front end sends it
        placed[name] = (g, key)
    check(len({id(g) for g, _ in placed.values()}) == 2, "both groups have accounts")
    for name, (g, key) in placed.items():
        other = B if g is A else A
        ids = []
        for i in range(3):
            r = front("POST", "/v1/jobs", name, key, {"url": "https://example.com/%s" % name,
                                                       "delay": "1h"})
            eq(r.status, 201, "%s creates through the front end: %r" % (name, r))
            ids.append(r.json["id"])
        r = front("GET", "/v1/jobs", name, key)
        eq(r.status, 200)
        eq({j["id"] for j in r.json["data"]}, set(ids), "%s lists its own jobs" % name)
        for jid in ids:
            eq(g.req("GET", "/v1/jobs/" + jid, key=key).status, 200, "on its group")
        # the other group knows neither the account nor its jobs
        eq(other.req("GET", "/v1/jobs/" + ids[0], key=key).status, 401,
           "%s's key on the other group" % name)
        out = other.ctl("jobs", "list", "--limit", "100")
        check(not any(jid in out for jid in ids), "%s's jobs are not on the other" % name)


if __name__ == "__main__":
    raise SystemExit(run(setup))
