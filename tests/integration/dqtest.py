"""
The integration harness: starts the real stack (nginx, or Apache with
mod_proxy_fcgi, in front of dq-fcgi's pre-fork master, dq-dispatcher, a
Berkeley DB environment in a temporary directory) and a target HTTP server
on 127.0.0.1, and reports TAP.  The front end is Stack(frontend=...), else
$DQ_FRONTEND, else nginx: DQ_FRONTEND=apache runs any suite through Apache.

Every process is started by pid and stopped by pid, and dies with the
harness (PR_SET_PDEATHSIG) even if the harness itself is killed.
"""
import atexit
import collections
import ctypes
import grp
import hashlib
import hmac
import base64
import http.client
import http.server
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import apispec

BUILD = os.environ.get("DQ_BUILDDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.environ.get("DQ_SRCDIR") or BUILD
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
APACHE = os.environ.get("DQ_APACHE") or "/usr/sbin/apache2"
PR_SET_PDEATHSIG = 1
# The socket the shipped web server snippets name (dq.conf's default).
SNIPPET_SOCKET = "unix:/run/dq/fcgi.sock"


def _die_with_parent():
    try:
        ctypes.CDLL("libc.so.6").prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


def ts(text):
    """An API timestamp (RFC 3339, UTC, ms) as seconds since the epoch."""
    import datetime
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def fill(path, **values):
    """The text of path with each @name@ replaced by values[name]."""
    with open(path) as f:
        text = f.read()
    for name, value in values.items():
        text = text.replace("@%s@" % name, value)
    return text


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(cond, timeout=10.0, step=0.02, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out waiting for %s" % what)


def gone(pid):
    """Whether a process has ended (a zombie counts)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] in "ZX"
    except OSError:
        return True


def children(pid, name=None):
    """Pids of a process's children, only those called name if given."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kids = [int(x) for x in f.read().split()]
    except (OSError, TypeError):
        return []
    return [k for k in kids if name is None or proc_name(k) == name]


def proc_name(pid):
    """A process's name (comm), or "" once it is gone."""
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


# --- sanitizer reports -----------------------------------------------------------
# In a --enable-sanitizers build, every process this script starts (daemons,
# dqctl, whatever the environment it is given is derived from) writes its
# AddressSanitizer or UndefinedBehaviorSanitizer report to a file under
# SAN_DIR; gcc's UBSan ignores log_path and writes to stderr, which for the
# daemons is their log, so Stack.destroy() searches the logs too.  run()
# fails the script when any report turned up, even if every test passed: a
# report must not go unnoticed.  Leaks are not checked here: the daemons are
# stopped by signals and keep their configuration to the end; the unit tests
# and the router fuzzer check for leaks instead.

SAN_DIR = tempfile.mkdtemp(prefix="dq-san-")
# run() reads and removes it; this covers the scripts that only import
# this module (the benchmarks, the soak) and those that end early.
atexit.register(shutil.rmtree, SAN_DIR, True)
SAN_RE = re.compile(r"ERROR: \w*Sanitizer|runtime error:|SUMMARY: \w*Sanitizer")
_san_found = []

os.environ["ASAN_OPTIONS"] = ":".join(filter(None, (
    os.environ.get("ASAN_OPTIONS"), "detect_leaks=0")))
for _var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
    os.environ[_var] = ":".join(filter(None, (
        os.environ.get(_var), "log_path=" + os.path.join(SAN_DIR, "report"))))


def san_scan(text, where):
    """Remember the sanitizer report lines in text, if any."""
    lines = [l for l in text.splitlines() if SAN_RE.search(l)]
    if lines:
        _san_found.append("%s:\n%s" % (where, "\n".join(lines[:20])))


def _san_reports():
    for name in sorted(os.listdir(SAN_DIR)):
        with open(os.path.join(SAN_DIR, name), errors="replace") as f:
            _san_found.append("%s:\n%s" % (name, "".join(f.readlines()[:60])))
    shutil.rmtree(SAN_DIR, ignore_errors=True)
    return _san_found


# --- TAP ---------------------------------------------------------------------

_tests = []
_cleanups = []


def test(fn):
    """Register a test function; each one is one TAP point."""
    _tests.append(fn)
    return fn


def check(cond, msg="check failed"):
    if not cond:
        raise AssertionError(msg)


def eq(got, want, msg=""):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (msg or "values differ", got, want))


def at_exit(fn):
    _cleanups.append(fn)


def _cleanup():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception:
            pass


atexit.register(_cleanup)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, lambda s, f: sys.exit(1))


def run(setup=None, skip=None):
    """Run every registered test and print TAP.  setup() runs first."""
    if skip:
        print("1..0 # SKIP %s" % skip)
        return 0
    n = fails = 0
    try:
        if setup:
            setup()
    except Exception:
        print("Bail out! setup failed")
        for line in traceback.format_exc().splitlines():
            print("# " + line)
        _cleanup()
        for line in "\n".join(_san_reports()).splitlines():
            print("# " + line)
        return 1
    for fn in _tests:
        n += 1
        name = fn.__name__
        t0 = time.time()
        try:
            fn()
            print("ok %d - %s (%.1fs)" % (n, name, time.time() - t0))
        except Exception:
            fails += 1
            print("not ok %d - %s" % (n, name))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
        sys.stdout.flush()
    _cleanup()
    reports = _san_reports()
    if reports:
        n += 1
        fails += 1
        print("not ok %d - sanitizer reports from the processes under test" % n)
        for line in "\n\n".join(reports).splitlines():
            print("# " + line)
    problems = apispec.problems()
    if problems:
        n += 1
        fails += 1
        print("not ok %d - answers and deliveries that do not match openapi.yaml" % n)
        for line in problems[:40]:
            print("# " + line)
    counts = apispec.counts()
    if counts["answers"] or counts["deliveries"]:
        print("# openapi.yaml: %d answers and %d deliveries checked" % (
            counts["answers"], counts["deliveries"]))
    print("1..%d" % n)
    return 1 if fails else 0


# --- HTTP client ---------------------------------------------------------------

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    @property
    def error(self):
        return (self.json or {}).get("error") or {}

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


def http_request(port, method, path, body=None, headers=None, host="127.0.0.1",
                 timeout=30):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    hdrs = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        hdrs.setdefault("Content-Type", "application/json")
    if isinstance(body, str):
        body = body.encode()
    conn.request(method, path, body=body, headers=hdrs)
    r = conn.getresponse()
    data = r.read().decode("utf-8", "replace")
    resp = Response(r.status, r.getheaders(), data)
    conn.close()
    check_answer(port, method, path, resp.status, resp.headers, data)
    return resp


def check_answer(port, method, path, status, headers, body, fail=True):
    """An answer from a stack under test must match openapi.yaml (apispec).
    headers: (name, value) pairs.  With fail=False (load threads) a problem
    is only recorded; run() reports it at the end either way."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    problems = apispec.check_response(port, method, path, status,
                                      {k.lower(): v for k, v in headers}, body)
    if problems and fail:
        raise AssertionError("the answer does not match openapi.yaml:\n  " +
                             "\n  ".join(problems))


# --- FastCGI, spoken directly to dq-fcgi's socket -------------------------------

def _fcgi_record(rtype, content, req_id=1):
    import struct
    pad = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBB", 1, rtype, req_id, len(content), pad, 0) + content + b"\0" * pad


def _fcgi_pair(name, value):
    import struct
    out = b""
    for x in (name, value):
        out += struct.pack(">B", len(x)) if len(x) < 128 else struct.pack(">I", len(x) | 1 << 31)
    return out + name + value


def fcgi_params(key, **extra):
    """The FastCGI parameters of an authenticated POST /v1/jobs, as nginx
    passes them; extra ones added or replaced."""
    p = {"REQUEST_METHOD": "POST", "REQUEST_URI": "/v1/jobs", "SCRIPT_NAME": "/v1/jobs",
         "QUERY_STRING": "", "CONTENT_TYPE": "application/json",
         "HTTP_AUTHORIZATION": "Bearer " + key, "REMOTE_ADDR": "127.0.0.1",
         "SERVER_PROTOCOL": "HTTP/1.1"}
    p.update(extra)
    return p


def fcgi_request(sock_path, params, body=b"", timeout=10):
    """One FastCGI request (responder role); returns (status, headers, body).
    params: dict of FastCGI parameters, exactly as given (no defaults)."""
    import struct
    begin = struct.pack(">HB5x", 1, 0)        # FCGI_RESPONDER, no keep-alive
    pairs = b"".join(_fcgi_pair(k.encode(), v.encode()) for k, v in params.items())
    msg = _fcgi_record(1, begin) + _fcgi_record(4, pairs) + _fcgi_record(4, b"")
    for i in range(0, len(body), 32768):
        msg += _fcgi_record(5, body[i:i + 32768])
    msg += _fcgi_record(5, b"")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    s.sendall(msg)
    data, out = b"", b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    while len(data) >= 8:
        _, rtype, _, clen, plen, _ = struct.unpack(">BBHHBB", data[:8])
        if rtype == 6:                          # FCGI_STDOUT
            out += data[8:8 + clen]
        data = data[8 + clen + plen:]
    head, _, payload = out.partition(b"\r\n\r\n")
    headers = dict(l.split(": ", 1) for l in head.decode().split("\r\n") if ": " in l)
    return int(headers.get("Status", "200").split()[0]), headers, payload


# --- the target server ----------------------------------------------------------

class Target:
    """An HTTP server on 127.0.0.1 that records every request.

    Behaviour per path: a list of (status, headers, body, delay_s) answers,
    or functions that return one when asked, used in order (the last one
    repeats); default 200 {"ok": true}.
    """

    def __init__(self):
        self.requests = []
        self.counts = collections.Counter()     # requests per path, for behaviour
        self.behaviour = {}
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.active = 0
        self.max_active = {}
        target = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                path = self.path
                with target.lock:
                    target.active += 1
                    base = path.split("?")[0]
                    target.max_active[base] = max(target.max_active.get(base, 0),
                                                  target.active)
                    answers = target.behaviour.get(base) or [(200, {}, '{"ok":true}', 0)]
                    count = target.counts[base]
                    target.counts[base] += 1
                    ans = answers[min(count, len(answers) - 1)]
                    rec = {"method": self.command, "path": path,
                           "peer": self.client_address,
                           "headers": {k.lower(): v for k, v in self.headers.items()},
                           "raw_headers": list(self.headers.items()),
                           "body": body, "time": time.time()}
                    target.requests.append(rec)
                if "x-dispatchq-job-id" in rec["headers"]:
                    apispec.check_delivery(rec["headers"], body)
                status, hdrs, text, delay = ans() if callable(ans) else ans
                try:
                    if delay:
                        time.sleep(delay)
                    data = text.encode() if isinstance(text, str) else text
                    self.send_response(status)
                    ctype = "application/json"
                    for k, v in hdrs.items():
                        if k.lower() == "content-type":
                            ctype = v
                    self.send_header("Content-Type", ctype)
                    for k, v in hdrs.items():
                        if k.lower() != "content-type":
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass    # the client gave up first (a timeout test)
                finally:
                    with target.cond:
                        target.active -= 1
                        rec["done"] = time.time()
                        target.cond.notify_all()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 1024

            def handle_error(self, request, client_address):
                # a dispatcher killed mid-request resets its connections
                if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        at_exit(self.stop)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def on(self, path, *answers):
        """answers: (status, headers, body, delay) tuples, functions that
        return one, or just status ints."""
        norm = []
        for a in answers:
            if isinstance(a, int):
                a = (a, {}, '{"status":%d}' % a, 0)
            norm.append(a)
        with self.lock:
            self.behaviour[path] = norm

    def hits(self, path):
        with self.lock:
            return [r for r in self.requests if r["path"].split("?")[0] == path]

    def wait_hits(self, path, n, timeout=15):
        return wait_for(lambda: len(self.hits(path)) >= n and self.hits(path),
                        timeout, what="%d requests to %s" % (n, path))

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# --- the stack -------------------------------------------------------------------

class Proc:
    def __init__(self, name, argv, log, env=None):
        self.name = name
        self.argv = argv
        self.log = log
        self.env = env
        self.p = None

    def start(self):
        out = open(self.log, "ab")
        self.p = subprocess.Popen(self.argv, stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                  preexec_fn=_die_with_parent, env=self.env)
        out.close()
        return self

    @property
    def pid(self):
        return self.p.pid if self.p else None

    def alive(self):
        return self.p is not None and self.p.poll() is None

    def signal(self, sig):
        if self.alive():
            os.kill(self.p.pid, sig)

    def stop(self, timeout=20):
        if not self.alive():
            return
        self.signal(signal.SIGTERM)
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.p.wait(5)

    def kill9(self):
        if self.alive():
            self.signal(signal.SIGKILL)
            self.p.wait(5)


class Stack:
    """nginx + dq-fcgi + dq-dispatcher on a fresh data dir.

    conf: extra dq.conf lines (dict).  Accounts: self.key (account "test"),
    self.key2 (account "other"); self.secret is the signing secret of "test".
    """

    def __init__(self, conf=None, workers=2, dispatcher=True, env=None, frontend=None,
                 nginx_extra=""):
        self.nginx_extra = nginx_extra
        self.frontend = frontend or os.environ.get("DQ_FRONTEND") or "nginx"
        self.dir = tempfile.mkdtemp(prefix="dq-it-")
        os.chmod(self.dir, 0o755)
        at_exit(self.destroy)
        self.port = free_port()
        apispec.dq_ports.add(self.port)
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "fcgi.sock")
        self.conf_path = os.path.join(self.dir, "dq.conf")
        self.env = dict(os.environ)
        self.env.pop("RATE_LIMIT_PER_SECOND", None)
        self.env.pop("WEBHOOK_TIMEOUT_MS", None)
        self.env.update(env or {})
        lines = {
            "data_dir": self.data,
            "listen": "unix:" + self.sock,
            "socket_mode": "0666",
            "workers": str(workers),
            "sync": "write",
            "allow_private_targets": "yes",
            "rate_limit_per_second": "0",
            "rate_limit_unauthenticated": "0",
            "retry_base": "200ms",
            "retry_cap": "2s",
            "log_level": "info",
        }
        lines.update(conf or {})
        with open(self.conf_path, "w") as f:
            for k, v in lines.items():
                f.write("%s %s\n" % (k, v))
        self.procs = {}
        self.ctl("init")
        self.key, self.secret = self.add_account("test")
        self.key2, self.secret2 = self.add_account("other")
        self.start_fcgi()
        self.start_frontend()
        if dispatcher:
            self.start_dispatcher()
            if self.frontend != "none":
                self.wait_healthy()

    # -- processes
    def bin(self, name):
        return os.path.join(BUILD, {"dq-fcgi": "fcgi", "dq-dispatcher": "dispatcher",
                                    "dqctl": "dqctl"}[name], name)

    def ctl(self, *args):
        r = subprocess.run([self.bin("dqctl"), "-c", self.conf_path] + list(args),
                           capture_output=True, text=True, env=self.env, timeout=60)
        san_scan(r.stderr, "dqctl " + " ".join(args))
        if r.returncode != 0:
            raise AssertionError("dqctl %s: %s %s" % (" ".join(args), r.stdout, r.stderr))
        return r.stdout

    def add_account(self, name, *flags):
        out = self.ctl("account", "add", name, *flags)
        vals = dict(l.split(": ", 1) for l in out.splitlines() if ": " in l)
        return vals["api_key"], vals.get("signing_secret")

    def log(self, name):
        return os.path.join(self.dir, name + ".log")

    def logs(self):
        text = ""
        for n in ("dq-fcgi", "dq-dispatcher", "nginx", "apache"):
            try:
                with open(self.log(n), errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return text

    def start_fcgi(self):
        p = Proc("dq-fcgi", [self.bin("dq-fcgi"), "-c", self.conf_path],
                 self.log("dq-fcgi"), self.env).start()
        self.procs["dq-fcgi"] = p
        wait_for(lambda: os.path.exists(self.sock) or not p.alive(), what="dq-fcgi socket")
        check(p.alive(), "dq-fcgi exited: " + self.logs()[-2000:])
        return p

    def start_dispatcher(self, *flags):
        p = Proc("dq-dispatcher", [self.bin("dq-dispatcher"), "-c", self.conf_path] + list(flags),
                 self.log("dq-dispatcher"), self.env).start()
        self.procs["dq-dispatcher"] = p
        return p

    def snippet(self, name, wwwdir):
        """conf/NAME.in as make fills it in, with this stack's socket and
        wwwdir for the console; written into the stack's dir."""
        text = fill(os.path.join(SRC, "conf", name + ".in"), wwwdir=wwwdir)
        return write(os.path.join(self.dir, name),
                     text.replace(SNIPPET_SOCKET, "unix:" + self.sock))

    def nginx_conf(self):
        """As quickstart.sh's: the tree's console, served where it is."""
        return fill(os.path.join(SRC, "conf", "nginx-standalone.conf.in"),
                    user="user root;" if os.geteuid() == 0 else "", dir=self.dir,
                    port=str(self.port), connections="4096", extra=self.nginx_extra,
                    snippet=self.snippet("nginx-dq.conf", os.path.join(SRC, "www")))

    def start_nginx(self):
        link = os.path.join(self.dir, "fastcgi_params")
        if not os.path.lexists(link):
            os.symlink("/etc/nginx/fastcgi_params", link)
        path = write(os.path.join(self.dir, "nginx.conf"), self.nginx_conf())
        p = Proc("nginx", [NGINX, "-p", self.dir, "-c", path, "-e", self.log("nginx")],
                 self.log("nginx-out")).start()
        self.procs["nginx"] = p
        wait_for(lambda: self._port_open() or not p.alive(), what="nginx")
        check(p.alive(), "nginx exited: " + self.logs()[-2000:])

    def apache_conf(self):
        """A server of our own that Includes the shipped snippet.  Apache
        refuses to serve as root: its children become nobody, who can reach
        the socket (socket_mode 0666 here) and a copy of the console in the
        stack's dir, but maybe not the tree (a checkout in /root)."""
        www = os.path.join(self.dir, "www")
        if not os.path.isdir(www):
            shutil.copytree(os.path.join(SRC, "www"), www)
        os.makedirs(os.path.join(self.dir, "htdocs"), exist_ok=True)
        if os.geteuid() == 0:
            user, group = "nobody", "nogroup"
        else:
            user, group = pwd.getpwuid(os.geteuid())[0], grp.getgrgid(os.getegid())[0]
        return fill(os.path.join(SRC, "conf", "apache-standalone.conf.in"),
                    dir=self.dir, port=str(self.port), user=user, group=group,
                    snippet=self.snippet("apache-dq.conf", www))

    def start_apache(self):
        check(os.access(APACHE, os.X_OK), "no %s: apt-get install apache2-bin" % APACHE)
        path = write(os.path.join(self.dir, "apache.conf"), self.apache_conf())
        p = Proc("apache", [APACHE, "-d", self.dir, "-f", path, "-DFOREGROUND"],
                 self.log("apache-out")).start()
        self.procs["apache"] = p
        wait_for(lambda: self._port_open() or not p.alive(), what="apache")
        check(p.alive(), "apache exited: " + self.logs()[-2000:])

    def start_frontend(self):
        if self.frontend == "nginx":
            self.start_nginx()
        elif self.frontend == "apache":
            self.start_apache()
        elif self.frontend != "none":
            raise AssertionError("unknown front end %r" % self.frontend)

    def schedule_clock(self):
        """Let the test move the dispatcher's schedule clock (the stack is
        made with test_clock_file /dev/null): returns set_clock(when), which
        makes the schedule clock read `when` (epoch seconds) from then on."""
        clock = os.path.join(self.dir, "clock")
        with open(self.conf_path) as f:
            conf = f.read().replace("test_clock_file /dev/null", "test_clock_file " + clock)
        with open(self.conf_path, "w") as f:
            f.write(conf)

        def set_clock(when):
            with open(clock + ".tmp", "w") as f:
                f.write("%d\n" % int((when - time.time()) * 1000))
            os.rename(clock + ".tmp", clock)
        set_clock(time.time())
        self.stop("dq-dispatcher")
        self.start_dispatcher()
        return set_clock

    def wait_healthy(self, timeout=15):
        """Until /healthz says ok: the dispatcher has written its first heartbeat
        (slow to come in a sanitizer build on a busy machine)."""
        wait_for(lambda: http_request(self.port, "GET", "/healthz").status == 200,
                 timeout, 0.05, "/healthz 200 (the dispatcher's first heartbeat)")

    def _port_open(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), 0.2).close()
            return True
        except OSError:
            return False

    def stop(self, name):
        if name in self.procs:
            self.procs[name].stop()

    def fcgi_workers(self):
        """Pids of the dq-fcgi master's worker processes (not its janitor)."""
        return [p for p in children(self.procs["dq-fcgi"].pid)
                if proc_name(p) != "dq-janitor"]

    def fcgi_janitor(self):
        """The pid of the dq-fcgi master's janitor, or None."""
        kids = children(self.procs["dq-fcgi"].pid, "dq-janitor")
        return kids[0] if len(kids) == 1 else None

    def restart(self):
        """Stop every process and start them again on the same data dir."""
        for name in ("dq-dispatcher", "nginx", "apache", "dq-fcgi"):
            self.stop(name)
        self.start_fcgi()
        self.start_frontend()
        if "dq-dispatcher" in self.procs:
            self.start_dispatcher()

    def leftovers(self):
        """Pids of processes still running with this stack's dq.conf (a worker
        orphaned by a master that was killed, say)."""
        me = self.conf_path.encode()
        pids = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    if me in f.read().split(b"\0"):
                        pids.append(int(pid))
            except OSError:
                pass
        return pids

    def destroy(self):
        for name in ("dq-dispatcher", "nginx", "apache", "dq-fcgi"):
            if name in self.procs:
                self.procs[name].stop(timeout=10)
        for pid in self.leftovers():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for name in ("dq-fcgi", "dq-dispatcher"):
            try:
                with open(self.log(name), errors="replace") as f:
                    san_scan(f.read(), self.log(name))
            except OSError:
                pass
        if os.environ.get("DQ_KEEP_TMP"):
            sys.stderr.write("kept %s\n" % self.dir)
            return
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- HTTP
    def req(self, method, path, body=None, key=None, headers=None, auth=True):
        hdrs = dict(headers or {})
        if auth:
            hdrs.setdefault("Authorization", "Bearer " + (key or self.key))
        return http_request(self.port, method, path, body, hdrs)

    def create(self, body, key=None, headers=None, expect=201):
        r = self.req("POST", "/v1/jobs", body, key=key, headers=headers)
        if expect is not None:
            eq(r.status, expect, "create %r -> %r" % (body, r))
        return r.json

    def job(self, job_id, key=None):
        r = self.req("GET", "/v1/jobs/" + job_id, key=key)
        eq(r.status, 200, "get " + job_id)
        return r.json

    def wait_status(self, job_id, statuses, timeout=15, key=None):
        if isinstance(statuses, str):
            statuses = (statuses,)
        last = [None]

        def done():
            last[0] = self.job(job_id, key)
            return last[0]["status"] in statuses and last[0]

        try:
            return wait_for(done, timeout, 0.05, "job %s to be %s" % (job_id, statuses))
        except AssertionError:
            raise AssertionError("job %s is %r, want %s" % (
                job_id, last[0] and last[0]["status"], statuses))


# --- receivers' view of signatures ------------------------------------------------

def dispatchq_signature(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_signature(secret, msg_id, ts, body, raw_key=False):
    key = secret.encode() if raw_key else base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, ("%s.%s." % (msg_id, ts)).encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()
