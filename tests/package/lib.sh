# Shared by the package tests (sourced): TAP points, package installs, a
# copy of the checkout, and the end-to-end check every install recipe ends
# with: a target on 127.0.0.1, a job created through the web server, its
# delivery, and the web console served beside the API.  Callers set W (their temp dir) and TOP (the checkout) and add
# every pid they start to PIDS, which their cleanup kills.

N=0
FAILS=0
PIDS=""
ok() { N=$((N + 1)); echo "ok $N - $*"; }
not_ok() { N=$((N + 1)); FAILS=$((FAILS + 1)); echo "not ok $N - $*"; }
diag() { sed 's/^/# /'; }

# t DESC CMD...: one test point; the command's output shows only on failure.
# CMD runs in this shell (functions may set variables), so it must not cd.
t() {
	desc=$1; shift
	if "$@" >"$W/out" 2>&1; then ok "$desc"; else not_ok "$desc"; tail -30 "$W/out" | diag; fi
}

# must DESC CMD...: a step the rest depends on; bail out if it fails.
must() {
	before=$FAILS
	t "$@"
	if [ "$FAILS" -gt "$before" ]; then echo "Bail out! $1"; exit 1; fi
}

done_testing() {
	echo "1..$N"
	[ "$FAILS" -eq 0 ]
}

apt_install() {
	want=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || want="$want $p"
	done
	[ -z "$want" ] && return 0
	[ -n "${APT_UPDATED:-}" ] || { apt-get update -q && APT_UPDATED=1; }
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $want
}

# copy_source DIR: tracked and new files of the checkout, not its build.
copy_source() (
	mkdir -p "$1" && cd "$TOP" &&
	git ls-files -z --cached --others --exclude-standard |
		tar cf - --null -T - --ignore-failed-read | (cd "$1" && tar xf -)
)

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_target: an HTTP server on 127.0.0.1 that records "METHOD PATH JOBID"
# lines in $W/hits; its port lands in $W/target.port.
start_target() {
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
}

# fill TEMPLATE NAME=VALUE...: TEMPLATE with each @NAME@ replaced by VALUE.
fill() {
	tpl=$1; shift
	expr=""
	for kv in "$@"; do expr="$expr;s|@${kv%%=*}@|${kv#*=}|g"; done
	sed -e "${expr#;}" "$tpl"
}

# start_nginx SNIPPET: a throwaway nginx on a free loopback port whose
# server block is the installed snippet, unchanged, as README shows it.
start_nginx() {
	NGINX_PORT=$(free_port)
	ln -sf /etc/nginx/fastcgi_params "$W/fastcgi_params"
	fill "$TOP/conf/nginx-standalone.conf.in" "user=user www-data;" "dir=$W" \
		"port=$NGINX_PORT" connections=64 extra= "snippet=$1" >"$W/nginx.conf"
	nginx -c "$W/nginx.conf" -e "$W/nginx.log" </dev/null >"$W/nginx-out.log" 2>&1 &
	PIDS="$PIDS $!"
	URL=http://127.0.0.1:$NGINX_PORT
}

# start_apache SNIPPET: the same with Apache (mod_proxy_fcgi), its children
# as www-data; nothing is served but what the snippet grants.
start_apache() {
	APACHE_PORT=$(free_port)
	mkdir -p "$W/htdocs"
	fill "$TOP/conf/apache-standalone.conf.in" "dir=$W" "port=$APACHE_PORT" \
		user=www-data group=www-data "snippet=$1" >"$W/apache.conf"
	/usr/sbin/apache2 -d "$W" -f "$W/apache.conf" -DFOREGROUND \
		</dev/null >"$W/apache-out.log" 2>&1 &
	PIDS="$PIDS $!"
	URL=http://127.0.0.1:$APACHE_PORT
}

# The three checks every recipe ends with, against $URL with key $KEY.
healthy() {
	i=0
	until curl -s "$URL/healthz" | grep -q '"alive":true'; do
		i=$((i + 1))
		[ $i -lt 100 ] || { curl -si "$URL/healthz"; cat "$W"/*.log; return 1; }
		sleep 0.1
	done
}

create_job() {
	i=0
	until [ -s "$W/target.port" ]; do i=$((i + 1)); [ $i -lt 50 ] || return 1; sleep 0.1; done
	code=$(curl -s -o "$W/job.json" -w '%{http_code}' -X POST "$URL/v1/jobs" \
		-H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
		-d "{\"url\": \"http://127.0.0.1:$(cat "$W/target.port")/hook\", \"payload\": {\"n\": 1}}")
	cat "$W/job.json"; echo
	[ "$code" = 201 ] &&
	JOB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$W/job.json")
}

delivered() {
	i=0
	until curl -s "$URL/v1/jobs/$JOB" -H "Authorization: Bearer $KEY" |
	    grep -q '"status":"completed"'; do
		i=$((i + 1))
		[ $i -lt 200 ] || { curl -s "$URL/v1/jobs/$JOB" -H "Authorization: Bearer $KEY"; return 1; }
		sleep 0.1
	done
	grep -x "POST /hook $JOB" "$W/hits"
}

# The web console through the web server at $URL: /ui/ and a module script
# (this checkout's files, their types, the security headers) and /v1/.
console_served() {
	python3 "$TOP/tests/integration/consolecheck.py" "$URL" "$KEY"
}

# After the checks through nginx: the console through it, then through an
# Apache with the installed apache-dq.conf (TAP points).
console_behind_nginx_and_apache() {
	t "/ui/ and a module through nginx: types, CSP, nosniff, no referrer; /v1/ beside" \
		console_served
	start_apache /etc/dq/apache-dq.conf
	t "GET /healthz through Apache with the installed snippet" healthy
	t "/ui/ and a module through Apache: types, CSP, nosniff, no referrer; /v1/ beside" \
		console_served
}

# start_units UNITDIR CONF: run the ExecStart lines of the installed units
# as their User=dq, as systemd would (there is no systemd in a container),
# with -c CONF, a test copy of their dq.conf.  Sets FCGI and DISP.
start_units() {
	for u in dq-fcgi dq-dispatcher; do
		sed -n 's/^ExecStart=//p' "$1/$u.service" | sed "s|-c [^ ]*|-c $2|" >"$W/$u.cmd"
		grep -q '^/.*/'$u' -c ' "$W/$u.cmd" || { cat "$W/$u.cmd"; return 1; }
		grep -qx 'User=dq' "$1/$u.service" || return 1
	done
	# shellcheck disable=SC2046
	setpriv --reuid=dq --regid=dq --init-groups $(cat "$W/dq-fcgi.cmd") \
		</dev/null >"$W/dq-fcgi.log" 2>&1 &
	FCGI=$!
	# shellcheck disable=SC2046
	setpriv --reuid=dq --regid=dq --init-groups $(cat "$W/dq-dispatcher.cmd") \
		</dev/null >"$W/dq-dispatcher.log" 2>&1 &
	DISP=$!
	PIDS="$PIDS $FCGI $DISP"
	i=0
	until [ -S /run/dq/fcgi.sock ]; do
		i=$((i + 1)); [ $i -lt 100 ] || { cat "$W"/dq-*.log; return 1; }; sleep 0.1
	done
	cat "$W"/*.cmd
	[ "$(stat -c '%U:%G %a' /run/dq/fcgi.sock)" = "dq:dq 660" ]
}

stop_units() { kill -TERM "$FCGI" "$DISP" && wait "$FCGI" && wait "$DISP"; }
