#!/bin/sh
# tests/package/test_deb.sh [DEB]: the README's "Install on a server" from
# the .deb, on this machine.  Builds the package from this checkout (or
# takes DEB), runs lintian, installs it, then does what an admin does:
# dqctl init and an account as the dq user, the web server's user into the
# dq group, dq-fcgi and dq-dispatcher from the installed files (by hand, as
# dq: no systemd in a container), nginx with the installed snippet; one job
# created through nginx is delivered to a target on 127.0.0.1.  Then purge
# and clean up everything.  Prints TAP.  Not part of make check (minutes,
# and it installs packages): .ci/run calls it.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
DEB=${1:-}

# --- TAP -------------------------------------------------------------------
N=0
FAILS=0
ok() { N=$((N + 1)); echo "ok $N - $*"; }
not_ok() { N=$((N + 1)); FAILS=$((FAILS + 1)); echo "not ok $N - $*"; }
diag() { sed 's/^/# /'; }
# t DESC CMD...: one test point; the command's output shows only on failure.
t() {
	desc=$1; shift
	if "$@" >"$W/out" 2>&1; then ok "$desc"; else not_ok "$desc"; tail -30 "$W/out" | diag; fi
}
# must DESC CMD...: a step the rest depends on.
must() {
	before=$FAILS
	t "$@"
	if [ "$FAILS" -gt "$before" ]; then echo "Bail out! $1"; exit 1; fi
}

if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root (installs a package, creates a user)"; exit 0; fi
if ! command -v dpkg-buildpackage >/dev/null; then echo "1..0 # SKIP no dpkg-buildpackage"; exit 0; fi
if dpkg-query -W -f='${Status}' dq 2>/dev/null | grep -q 'ok installed'; then
	echo "1..0 # SKIP a dq package is installed here; not touching it"; exit 0
fi

W=$(mktemp -d /tmp/dq-deb.XXXXXX)
chmod 755 "$W"
PIDS=""
USER_EXISTED=no
getent passwd dq >/dev/null && USER_EXISTED=yes
export DEBIAN_FRONTEND=noninteractive

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	if dpkg-query -W -f='${Status}' dq 2>/dev/null | grep -q installed; then
		dpkg --purge dq >/dev/null 2>&1
	fi
	if [ "$USER_EXISTED" = no ] && getent passwd dq >/dev/null; then
		userdel dq 2>/dev/null
		getent group dq >/dev/null && groupdel dq 2>/dev/null
		rm -rf /var/lib/dq /run/dq
	fi
	[ -n "${DQ_KEEP_TMP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

apt_install() {
	want=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || want="$want $p"
	done
	[ -z "$want" ] && return 0
	[ -n "${APT_UPDATED:-}" ] || { apt-get update -q && APT_UPDATED=1; }
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $want
}

# --- build -------------------------------------------------------------------
must "tools: debhelper, lintian, nginx, curl, python3" \
	apt_install debhelper devscripts lintian dpkg-dev fakeroot nginx-light curl python3

# Tracked and new files, not the build outputs of this checkout.
copy_source() (
	mkdir "$W/src/dq" &&
	cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
		tar cf - --null -T - --ignore-failed-read | (cd "$W/src/dq" && tar xf -)
)
build_deb() (
	cd "$W/src/dq" &&
	apt-get build-dep -y -q -P nocheck ./ &&
	# The test suite ran already (make check); nocheck keeps this quick.
	DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b -Pnocheck
)
if [ -z "$DEB" ]; then
	[ -d "$TOP/.git" ] || [ -f "$TOP/.git" ] || { echo "Bail out! no .deb given and $TOP is no git checkout"; exit 1; }
	mkdir "$W/src"
	must "copy the checkout" copy_source
	must "dpkg-buildpackage -us -uc -b builds the package" build_deb
	DEB=$(ls "$W"/src/dq_*.deb | head -1)
fi
case $DEB in /*) ;; *) DEB=$(pwd)/$DEB ;; esac
echo "# package: $DEB"

lintian --tag-display-limit 0 "$DEB" >"$W/lintian" 2>&1
diag <"$W/lintian"
LE=$(grep -c '^E:' "$W/lintian")
LW=$(grep -c '^W:' "$W/lintian")
if [ "$LE" -eq 0 ]; then ok "lintian: no errors ($LW warnings)"; else not_ok "lintian: $LE errors"; fi

contents() {
	dpkg-deb -c "$DEB" >"$W/contents" &&
	for f in ./usr/sbin/dq-fcgi ./usr/sbin/dq-dispatcher ./usr/sbin/dqctl \
	    ./etc/dq/dq.conf ./etc/dq/nginx-dq.conf ./etc/dq/apache-dq.conf \
	    ./lib/systemd/system/dq-fcgi.service ./lib/systemd/system/dq-dispatcher.service \
	    ./usr/lib/tmpfiles.d/dq.conf ./usr/lib/sysusers.d/dq.conf \
	    ./usr/share/man/man8/dq-fcgi.8.gz ./usr/share/man/man5/dq.conf.5.gz \
	    ./usr/share/doc/dq/examples/DB_CONFIG; do
		grep -q " $f\$" "$W/contents" || { echo "missing $f"; return 1; }
	done &&
	dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles >"$W/conffiles" &&
	for f in /etc/dq/dq.conf /etc/dq/nginx-dq.conf /etc/dq/apache-dq.conf; do
		grep -qx "$f" "$W/conffiles" || { echo "not a conffile: $f"; return 1; }
	done
}
t "the package holds the programs, samples (conffiles), units, man pages" contents

# --- install -----------------------------------------------------------------
must "apt-get install ./dq_*.deb" apt-get install -y -q --no-install-recommends "$DEB"

user_and_dirs() {
	getent passwd dq | grep -q ':/var/lib/dq:/usr/sbin/nologin$' &&
	[ "$(stat -c '%U:%G %a' /var/lib/dq)" = "dq:dq 700" ] &&
	[ "$(stat -c '%U:%G %a' /run/dq)" = "dq:dq 750" ]
}
t "install created the dq user, /var/lib/dq (0700) and /run/dq (0750)" user_and_dirs

nothing_started() {
	for u in dq-fcgi dq-dispatcher; do
		[ ! -e /etc/systemd/system/multi-user.target.wants/$u.service ] || { echo "$u enabled"; return 1; }
	done
	! pgrep -f '^/usr/sbin/dq-(fcgi|dispatcher)' 
}
t "install enables and starts nothing" nothing_started

verify_units() {
	command -v systemd-analyze >/dev/null || { echo "# no systemd-analyze"; return 0; }
	systemd-analyze verify /lib/systemd/system/dq-fcgi.service \
		/lib/systemd/system/dq-dispatcher.service
}
t "systemd-analyze verify accepts the installed units" verify_units
t "man dq-fcgi finds the installed page" man -w dq-fcgi

# --- configure and run, as README says ----------------------------------------
# A test copy of the installed dq.conf: this target lives on 127.0.0.1.
cp /etc/dq/dq.conf "$W/dq.conf" && echo "allow_private_targets yes" >>"$W/dq.conf"
chmod 644 "$W/dq.conf"
AS_DQ="runuser -u dq --"
must "dqctl init as the dq user" $AS_DQ dqctl -c /etc/dq/dq.conf init
add_account() {
	$AS_DQ dqctl -c /etc/dq/dq.conf account add ci >"$W/account" &&
	KEY=$(sed -n 's/^api_key: //p' "$W/account") && [ -n "$KEY" ]
}
must "dqctl account add prints an API key" add_account
KEY=$(sed -n 's/^api_key: //p' "$W/account")
t "adduser www-data dq (the web server reaches the socket)" adduser www-data dq

start_dq() {
	setpriv --reuid=dq --regid=dq --init-groups /usr/sbin/dq-fcgi -c "$W/dq.conf" \
		</dev/null >"$W/dq-fcgi.log" 2>&1 &
	FCGI=$!
	setpriv --reuid=dq --regid=dq --init-groups /usr/sbin/dq-dispatcher -c "$W/dq.conf" \
		</dev/null >"$W/dq-dispatcher.log" 2>&1 &
	DISP=$!
	PIDS="$PIDS $FCGI $DISP"
	i=0
	until [ -S /run/dq/fcgi.sock ]; do
		i=$((i + 1)); [ $i -lt 100 ] || { cat "$W"/dq-*.log; return 1; }; sleep 0.1
	done
	[ "$(stat -c '%U:%G %a' /run/dq/fcgi.sock)" = "dq:dq 660" ]
}
# Not in a subshell: the pids must reach cleanup.
if start_dq >"$W/out" 2>&1; then ok "dq-fcgi and dq-dispatcher start as dq; socket dq:dq 0660"
else not_ok "dq-fcgi and dq-dispatcher start as dq"; diag <"$W/out"; echo "Bail out!"; exit 1; fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The server block README shows, around the installed snippet, unchanged.
ln -s /etc/nginx/fastcgi_params "$W/fastcgi_params"
cat >"$W/nginx.conf" <<EOF
user www-data;
worker_processes 1;
daemon off;
pid $W/nginx.pid;
error_log $W/nginx.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $W/nginx-body;
    fastcgi_temp_path $W/nginx-fastcgi;
    server {
        listen 127.0.0.1:$PORT;
        include /etc/dq/nginx-dq.conf;
    }
}
EOF
nginx -c "$W/nginx.conf" -e "$W/nginx.log" </dev/null >"$W/nginx-out.log" 2>&1 &
PIDS="$PIDS $!"

# The target: records each request's method, path and job id header.
cat >"$W/target.py" <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with open(sys.argv[1], "a") as f:
            f.write("%s %s %s\n" % (self.command, self.path, self.headers.get("X-DispatchQ-Job-Id")))
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[2], "w").write(str(s.server_address[1]))
s.serve_forever()
EOF
python3 "$W/target.py" "$W/hits" "$W/target.port" </dev/null >"$W/target.log" 2>&1 &
PIDS="$PIDS $!"

URL=http://127.0.0.1:$PORT
healthy() {
	i=0
	until curl -s "$URL/healthz" | grep -q '"alive":true'; do
		i=$((i + 1)); [ $i -lt 100 ] || { curl -si "$URL/healthz"; cat "$W/nginx.log"; return 1; }
		sleep 0.1
	done
}
t "GET /healthz through nginx: store ok, dispatcher alive" healthy

create_job() {
	i=0
	until [ -s "$W/target.port" ]; do i=$((i + 1)); [ $i -lt 50 ] || return 1; sleep 0.1; done
	code=$(curl -s -o "$W/job.json" -w '%{http_code}' -X POST "$URL/v1/jobs" \
		-H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
		-d "{\"url\": \"http://127.0.0.1:$(cat "$W/target.port")/hook\", \"payload\": {\"from\": \"deb\"}}")
	cat "$W/job.json"; echo
	[ "$code" = 201 ]
}
t "POST /v1/jobs through nginx: 201" create_job
JOB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$W/job.json" 2>/dev/null)

delivered() {
	i=0
	until curl -s "$URL/v1/jobs/$JOB" -H "Authorization: Bearer $KEY" | grep -q '"status":"completed"'; do
		i=$((i + 1)); [ $i -lt 200 ] || { curl -s "$URL/v1/jobs/$JOB" -H "Authorization: Bearer $KEY"; return 1; }
		sleep 0.1
	done
	grep -x "POST /hook $JOB" "$W/hits"
}
t "the job is delivered to the target and completed" delivered

stop_dq() {
	kill -TERM "$FCGI" "$DISP" && wait "$FCGI" && wait "$DISP"
}
t "SIGTERM stops dq-fcgi and dq-dispatcher with status 0" stop_dq

# --- purge -------------------------------------------------------------------
purged() {
	dpkg --purge dq &&
	[ ! -e /usr/sbin/dq-fcgi ] && [ ! -e /etc/dq ] && [ ! -e /lib/systemd/system/dq-fcgi.service ]
}
t "dpkg --purge removes programs, /etc/dq and the units" purged

echo "1..$N"
[ "$FAILS" -eq 0 ]
