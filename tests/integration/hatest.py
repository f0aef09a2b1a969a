"""
The replication harness: a group of dq members on this machine, each a
whole node (its own data directory and dq.conf, dq-repd, dq-fcgi,
dq-dispatcher) on a loopback address of its own (127.0.0.2, .3, ...), or,
with netns=True, in a network namespace of its own on a bridge the test can
cut a member off, behind one nginx running the shipped group front end
(conf/ha/nginx-dq-group.conf), and the target server of dqtest.

A member's processes are looked after as the shipped units would be:
dq-repd is started again whenever it ends, dq-fcgi and dq-dispatcher when
they fail, a second later; kill() ends all of a member's processes with
SIGKILL (as if its machine died) and stops looking after them.  Every
process and namespace is removed at exit, even when a test fails.
"""
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import apispec
import dqtest
from dqtest import BUILD, SRC, at_exit, check, wait_for

NGINX = dqtest.NGINX
RESTART_S = 1.0          # RestartSec of the shipped units


def free_port_on(host):
    """A TCP port free on host (a loopback address of a member)."""
    s = socket.socket()
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def nginx_http_conf(d, include, temp="fastcgi_temp_path"):
    """A whole nginx configuration for an nginx of its own in the foreground,
    its pid, log and temporary files in d, serving what the http-context file
    include says (a shipped sample, filled in)."""
    return """
%s
worker_processes 1;
daemon off;
pid %s/nginx.pid;
error_log %s/nginx.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %s/nginx-body;
    %s %s/nginx-upstream;
    include %s;
}
""" % ("user root;" if os.geteuid() == 0 else "", d, d, d, temp, d, include)


def _sh(*argv, check_rc=True):
    r = subprocess.run(list(argv), capture_output=True, text=True, timeout=30)
    if check_rc and r.returncode != 0:
        raise AssertionError("%s: %s" % (" ".join(argv), r.stderr.strip()))
    return r


class Net:
    """Member namespaces on one bridge (its own namespace), addresses in
    127.0.100.0/24: loopback-range, routed over the veths (route_localnet).
    cut(i) takes member i's port on the bridge down; heal(i) up again."""

    def __init__(self, n):
        check(os.geteuid() == 0, "network namespaces need root")
        self.tag = secrets.token_hex(2)
        self.bridge = "dqhab" + self.tag
        self.names = ["dqha%d%s" % (i + 1, self.tag) for i in range(n)]
        at_exit(self.down)
        _sh("ip", "netns", "add", self.bridge)
        _sh("ip", "-n", self.bridge, "link", "set", "lo", "up")
        _sh("ip", "-n", self.bridge, "link", "add", "br0", "type", "bridge")
        _sh("ip", "-n", self.bridge, "link", "set", "br0", "up")
        for i, ns in enumerate(self.names):
            v, b = "v%s%d" % (self.tag, i + 1), "b%s%d" % (self.tag, i + 1)
            _sh("ip", "netns", "add", ns)
            _sh("ip", "-n", ns, "link", "set", "lo", "up")
            _sh("ip", "-n", ns, "route", "del", "local", "127.0.0.0/8", "dev", "lo",
                "table", "local")
            _sh("ip", "netns", "exec", ns, "sysctl", "-qw",
                "net.ipv4.conf.all.route_localnet=1")
            _sh("ip", "link", "add", v, "netns", ns, "type", "veth", "peer", "name", b,
                "netns", self.bridge)
            _sh("ip", "netns", "exec", ns, "sysctl", "-qw",
                "net.ipv4.conf.%s.route_localnet=1" % v)
            _sh("ip", "-n", ns, "addr", "add", self.addr(i) + "/24", "dev", v)
            _sh("ip", "-n", ns, "link", "set", v, "up")
            _sh("ip", "-n", self.bridge, "link", "set", b, "master", "br0")
            _sh("ip", "-n", self.bridge, "link", "set", b, "up")

    @staticmethod
    def addr(i):
        return "127.0.100.%d" % (i + 2)

    def wrap(self, i, argv):
        return ["ip", "netns", "exec", self.names[i]] + argv

    def cut(self, i):
        _sh("ip", "-n", self.bridge, "link", "set", "b%s%d" % (self.tag, i + 1), "down")

    def heal(self, i):
        _sh("ip", "-n", self.bridge, "link", "set", "b%s%d" % (self.tag, i + 1), "up")

    def down(self):
        for ns in self.names + [self.bridge]:
            _sh("ip", "netns", "del", ns, check_rc=False)


class Member:
    def __init__(self, group, i):
        self.g = group
        self.i = i
        self.name = "m%d" % (i + 1)
        self.dir = os.path.join(group.dir, self.name)
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "fcgi.sock")
        self.conf = os.path.join(self.dir, "dq.conf")
        if group.net:
            self.host = Net.addr(i)
            self.port = 7400 + i
        else:
            self.host = "127.0.0.%d" % (i + 2)
            self.port = free_port_on(self.host)
        self.addr = "%s:%d" % (self.host, self.port)
        self.url = "http://%s.dq.test" % self.name
        self.procs = {}             # name -> Popen
        self.wanted = set()
        os.makedirs(self.dir, exist_ok=True)

    # -- configuration and processes
    def write_conf(self, peers, extra=None):
        lines = {
            "data_dir": self.data, "listen": "unix:" + self.sock, "socket_mode": "0666",
            "workers": "2", "sync": "full", "allow_private_targets": "yes",
            "rate_limit_per_second": "0", "retry_base": "200ms", "retry_cap": "2s",
            "replication_listen": self.addr, "replication_url": self.url,
        }
        lines.update(self.g.conf_extra)
        lines.update(extra or {})
        with open(self.conf, "w") as f:
            for k, v in lines.items():
                f.write("%s %s\n" % (k, v))
            for p in peers:
                f.write("replication_peer %s\n" % p)

    def bin(self, name):
        return os.path.join(BUILD, {"dq-fcgi": "fcgi", "dq-dispatcher": "dispatcher",
                                    "dqctl": "dqctl", "dq-repd": "repd"}[name], name)

    def log(self, name):
        return os.path.join(self.dir, name + ".log")

    def _spawn(self, name):
        argv = [self.bin(name), "-c", self.conf]
        if self.g.net:
            argv = self.g.net.wrap(self.i, argv)
        out = open(self.log(name), "ab")
        self.procs[name] = subprocess.Popen(
            argv, stdout=out, stderr=out, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=dqtest._die_with_parent,
            env=self.g.env)
        out.close()

    def start(self, *names):
        for name in names or ("dq-repd", "dq-fcgi", "dq-dispatcher"):
            with self.g.lock:
                self.wanted.add(name)
                p = self.procs.get(name)
                if p is None or p.poll() is not None:
                    self._spawn(name)
        if "dq-fcgi" in (names or ("dq-fcgi",)):
            # the socket file of an earlier life may still be there
            wait_for(self.listening, 20, 0.05, what=self.name + "'s dq-fcgi")

    def listening(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(self.sock)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def supervise(self):
        """One look, as systemd would: start again what ended (its caller
        holds the group's lock)."""
        for name in list(self.wanted):
            p = self.procs.get(name)
            if p is None or p.poll() is None:
                continue
            if getattr(p, "ended_at", None) is None:
                p.ended_at = time.time()
            if name != "dq-repd" and p.returncode == 0:
                self.wanted.discard(name)     # a clean stop stays down
                continue
            if time.time() - p.ended_at >= RESTART_S:
                self.g.restarts.append((self.name, name, p.returncode))
                self._spawn(name)

    def stop(self, *names, sig=signal.SIGTERM):
        for name in names or ("dq-dispatcher", "dq-fcgi", "dq-repd"):
            with self.g.lock:
                self.wanted.discard(name)
                p = self.procs.get(name)
            if p is None or p.poll() is not None:
                continue
            try:
                os.killpg(p.pid, sig)
            except OSError:
                pass
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)

    def kill(self):
        """The machine dies: SIGKILL to every process of the member."""
        with self.g.lock:
            self.wanted.clear()
            procs = list(self.procs.values())
        for p in procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    pass
        for p in procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.reap()

    def reap(self):
        """Processes of this member still alive whose session ended (a worker
        whose master died); killed."""
        me = self.conf.encode()
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    if me in f.read().split(b"\0"):
                        os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass

    def wipe(self):
        """Its disk is lost."""
        shutil.rmtree(self.data, ignore_errors=True)

    def alive(self, name):
        p = self.procs.get(name)
        return p is not None and p.poll() is None

    # -- speaking to it
    def ctl(self, *args, ok=True):
        """dqctl on this member (in its namespace: a write there goes to
        the others from dqctl itself)."""
        argv = [self.bin("dqctl"), "-c", self.conf] + list(args)
        if self.g.net:
            argv = self.g.net.wrap(self.i, argv)
        r = subprocess.run(argv, capture_output=True, text=True, env=self.g.env,
                           timeout=60)
        dqtest.san_scan(r.stderr, "dqctl " + " ".join(args))
        if ok and r.returncode != 0:
            raise AssertionError("%s: dqctl %s: %s %s" % (self.name, " ".join(args),
                                                          r.stdout, r.stderr))
        return r

    def fcgi(self, method, path, body=b"", key=None, headers=None, timeout=20):
        """(status, headers, parsed body) straight from the member's dq-fcgi."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        extra = {"REQUEST_METHOD": method, "REQUEST_URI": path,
                 "SCRIPT_NAME": path.split("?")[0],
                 "QUERY_STRING": path.partition("?")[2], "CONTENT_LENGTH": str(len(body))}
        for k, v in (headers or {}).items():
            extra["HTTP_" + k.upper().replace("-", "_")] = v
        params = dqtest.fcgi_params(key or self.g.key or "none", **extra)
        status, hdrs, payload = dqtest.fcgi_request(self.sock, params, body, timeout=timeout)
        try:
            data = json.loads(payload) if payload else None
        except ValueError:
            data = None
        return status, hdrs, data

    def metrics(self):
        """Its /metrics, as a loopback client reads them."""
        params = dqtest.fcgi_params("none", REQUEST_METHOD="GET", REQUEST_URI="/metrics",
                                    SCRIPT_NAME="/metrics", CONTENT_LENGTH="0")
        return dqtest.fcgi_request(self.sock, params)[2].decode()

    def health(self, timeout=20):
        try:
            status, _, body = self.fcgi("GET", "/healthz", timeout=timeout)
        except OSError:
            return None
        return body if isinstance(body, dict) else None

    def role(self):
        """The role dqctl group shows here (dq-repd's view), or None."""
        r = self.ctl("group", ok=False)
        if r.returncode != 0:
            return None
        m = re.search(r"^%s\s+(\S+)\s+this(, syncing| member)" % re.escape(self.addr),
                      r.stdout, re.M)
        if not m:
            return None
        return "syncing" if m.group(2) == ", syncing" else m.group(1)

    def logs(self):
        text = ""
        for n in ("dq-repd", "dq-fcgi", "dq-dispatcher"):
            try:
                with open(self.log(n), errors="replace") as f:
                    text += "--- %s %s\n%s" % (self.name, n, f.read()[-3000:])
            except OSError:
                pass
        return text


class Group:
    """n members (the first founds the group), the front end and a target.

    conf: extra dq.conf lines for every member.  self.key: an account "test"."""

    def __init__(self, n=3, netns=False, conf=None, frontend=True, start=True,
                 clock=False):
        self.dir = tempfile.mkdtemp(prefix="dq-ha-")
        os.chmod(self.dir, 0o755)
        self.clock = os.path.join(self.dir, "clock")
        self.lock = threading.RLock()
        self.restarts = []
        self.env = dict(os.environ)
        self.env.pop("RATE_LIMIT_PER_SECOND", None)
        self.env.pop("WEBHOOK_TIMEOUT_MS", None)
        self.conf_extra = dict(conf or {})
        if clock:       # every member's dispatcher reads the same schedule clock
            self.conf_extra["test_clock_file"] = self.clock
            self.set_clock(time.time())
        self.key = None
        self.net = Net(n) if netns else None
        self.members = [Member(self, i) for i in range(n)]
        self.port = None
        self.nginx = None
        self._stop = threading.Event()
        at_exit(self.destroy)
        for m in self.members:
            m.write_conf([o.addr for o in self.members if o is not m])
        self._thread = threading.Thread(target=self._supervise, daemon=True)
        self._thread.start()
        if start:
            self.start(frontend)

    def _supervise(self):
        while not self._stop.wait(0.1):
            with self.lock:
                for m in self.members:
                    m.supervise()

    def start(self, frontend=True):
        first = self.members[0]
        first.ctl("init")
        first.start("dq-repd")
        self.wait_role(first, "master")
        for m in self.members[1:]:
            m.start("dq-repd")
        for m in self.members[1:]:
            self.wait_role(m, "replica", 30)
        # once they are in: with replication_ack_policy one, the founder
        # alone has nobody to acknowledge it
        self.key = self.add_account("test")
        for m in self.members:
            m.start("dq-fcgi", "dq-dispatcher")
        if frontend:
            self.start_frontend()
            wait_for(lambda: self.req("GET", "/healthz", auth=False).status == 200, 20,
                     0.1, "the group's /healthz")

    def add_account(self, name, member=None):
        out = (member or self.master_by_ctl()).ctl("account", "add", name).stdout
        return dict(l.split(": ", 1) for l in out.splitlines() if ": " in l)["api_key"]

    def add_member(self, extra=None):
        """One more member, not yet started, configured with the others as
        peers (and added to their peers, as an operator would)."""
        m = Member(self, len(self.members))
        self.members.append(m)
        m.write_conf([o.addr for o in self.members if o is not m], extra)
        return m

    def wait_role(self, m, role, timeout=20):
        wait_for(lambda: m.role() == role, timeout, 0.1,
                 "%s to be %s (it is %s)" % (m.name, role, m.role()))

    def master_by_ctl(self):
        for m in self.members:
            if m.alive("dq-repd") and m.role() == "master":
                return m
        raise AssertionError("no master")

    def master(self, among=None, timeout=20):
        """The member whose dq-fcgi says it is the master (and runs dq-repd)."""
        def find():
            for m in among or self.members:
                # short: a replica's reads wait about 5 s while it falls
                # in with a new master (Berkeley DB's lockout), which would
                # hold up the look at the next member
                h = m.alive("dq-fcgi") and m.health(timeout=1)
                r = (h or {}).get("replication") or {}
                if r.get("role") == "master" and r.get("dq_repd"):
                    return m
            return None
        return wait_for(find, timeout, 0.05, "a master")

    def set_clock(self, when):
        """Make the schedule clock of every member read `when` (epoch s)."""
        with open(self.clock + ".tmp", "w") as f:
            f.write("%d\n" % int((when - time.time()) * 1000))
        os.rename(self.clock + ".tmp", self.clock)

    # -- the front end
    def frontend_conf(self):
        """The shipped group front end, with this group's members."""
        with open(os.path.join(SRC, "conf", "ha", "nginx-dq-group.conf")) as f:
            text = f.read()
        servers = "".join("    server unix:%s max_fails=0;\n" % m.sock for m in self.members)
        text = re.sub(r"(?m)^    server 10\.0\.0\.\d+:9000 max_fails=0;\n", "", text)
        text = text.replace("upstream dq_group {\n", "upstream dq_group {\n" + servers, 1)
        text = text.replace("listen 80;", "listen 127.0.0.1:%d;" % self.port)
        text = text.replace("fastcgi_next_upstream_tries 3;",
                            "fastcgi_next_upstream_tries %d;" % len(self.members))
        return text

    def start_frontend(self):
        if self.port is None:
            self.port = dqtest.free_port()
            apispec.dq_ports.add(self.port)
        link = os.path.join(self.dir, "fastcgi_params")
        if not os.path.lexists(link):
            os.symlink("/etc/nginx/fastcgi_params", link)
        group = dqtest.write(os.path.join(self.dir, "group.conf"), self.frontend_conf())
        conf = dqtest.write(os.path.join(self.dir, "nginx.conf"),
                            nginx_http_conf(self.dir, group))
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGHUP)      # members were added
            time.sleep(0.5)
            return
        self.nginx = subprocess.Popen([NGINX, "-p", self.dir, "-c", conf],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      preexec_fn=dqtest._die_with_parent)
        wait_for(lambda: dqtest.port_open(self.port), 10, what="nginx")

    def req(self, method, path, body=None, key=None, headers=None, auth=True, timeout=30):
        hdrs = dict(headers or {})
        if auth:
            hdrs.setdefault("Authorization", "Bearer " + (key or self.key))
        return dqtest.http_request(self.port, method, path, body, hdrs, timeout=timeout)

    # -- the end
    def logs(self):
        return "\n".join(m.logs() for m in self.members)

    def destroy(self):
        self._stop.set()
        self._thread.join(2)
        for m in self.members:
            m.kill()
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.terminate()
            try:
                self.nginx.wait(10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
        for m in self.members:
            for n in ("dq-repd", "dq-fcgi", "dq-dispatcher"):
                try:
                    with open(m.log(n), errors="replace") as f:
                        dqtest.san_scan(f.read(), m.log(n))
                except OSError:
                    pass
        if self.net is not None:
            self.net.down()
        if os.environ.get("DQ_KEEP_TMP"):
            import sys
            sys.stderr.write("kept %s\n" % self.dir)
            return
        shutil.rmtree(self.dir, ignore_errors=True)


class Load:
    """Creates through a group's front end from a few threads, each create
    with an Idempotency-Key of its own and sent again with it after a 503,
    a 504 or no answer, every answer recorded.  body(key): a create's body."""

    def __init__(self, group, body, threads=3, pause=0.05, prefix="load"):
        self.g, self.body, self.pause, self.prefix = group, body, pause, prefix
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.created = {}       # idempotency key -> job id (201 or 200)
        self.answers = []       # (time, status, the member that answered last)
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(threads)]

    def run(self, n):
        i = 0
        while not self.stop.is_set():
            key = "%s-%d-%d-%s" % (self.prefix, n, i, secrets.token_hex(3))
            i += 1
            while not self.stop.is_set():
                member = None
                try:
                    r = self.g.req("POST", "/v1/jobs", self.body(key),
                                   headers={"Idempotency-Key": key}, timeout=30)
                    status = r.status
                    # the members nginx tried, the one that answered last
                    member = (r.header("DQ-Member") or "").split(",")[-1].strip()
                except OSError:
                    status = 0
                with self.lock:
                    self.answers.append((time.time(), status, member))
                    if status in (200, 201):
                        self.created[key] = r.json["id"]
                if status in (200, 201):
                    break
                time.sleep(self.pause)      # 503 or 504: the same key again

    def first_201_after(self, t0, not_from):
        """When a 201 first came after t0 from another member than not_from
        (a Member), or None."""
        ts = [t for t, s, m in list(self.answers)
              if s == 201 and m and m != "unix:" + not_from.sock and t > t0]
        return min(ts) if ts else None

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *a):
        self.stop.set()
        for t in self.threads:
            t.join(60)
