#!/bin/sh
# dq quick start, on a fresh Debian 12 machine, as root:
#
#   ./quickstart.sh        install what is missing, build, and run the whole
#                          stack (nginx + dq-fcgi + dq-dispatcher) on
#                          127.0.0.1:${DQ_PORT:-8080} with a dev account;
#                          Ctrl-C stops everything.
#   ./quickstart.sh test   the same set-up, then the full test suite
#                          (make check); ends with "N passed, N failed".
#
# Everything lives in this tree: the build, and run/ for the data, logs and
# generated configs.
set -eu

cd "$(dirname "$0")"
TOP=$(pwd)
MODE=${1:-run}
PORT=${DQ_PORT:-8080}
RUN=$TOP/run

say() { printf '%s\n' "$*"; }
die() { say "quickstart: $*" >&2; exit 1; }

# --- packages --------------------------------------------------------------
PKGS="build-essential autoconf automake pkg-config libdb5.3-dev db5.3-util \
libfcgi-dev libjansson-dev libcurl4-openssl-dev libssl-dev nginx-light \
python3 tzdata curl ca-certificates"
# The browser tests (tests/browser) drive Debian's chromium with
# playwright-core from npm; nodejs from elsewhere may already bring npm.
# Apache (apache2-bin: the server without a service) is the second front end
# the integration tests use; mandoc checks the man pages.
TEST_PKGS="valgrind chromium nodejs apache2-bin mandoc"
# The benchmarks (make bench, tests/bench/run) load with wrk and compare with
# beanstalkd; installed by the test set-up so that they run right after it.
BENCH_PKGS="wrk beanstalkd"

missing_packages() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			printf '%s ' "$p"
	done
}

install_packages() {
	want=$(missing_packages "$@")
	[ -z "$want" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		die "missing packages: $want (run as root, or install them first)"
	fi
	say "quickstart: installing $want"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $want >/dev/null
}

# beanstalkd's package starts its own service: stop and disable it again
# when this set-up is what installed it (the benchmark starts its own).
bench_deps() {
	fresh=$(missing_packages beanstalkd)
	# shellcheck disable=SC2086
	install_packages $BENCH_PKGS
	if [ -n "$fresh" ] && command -v systemctl >/dev/null 2>&1; then
		systemctl disable --now beanstalkd.service beanstalkd.socket >/dev/null 2>&1 || true
	fi
}

# --- build -------------------------------------------------------------------
build() {
	[ -x configure ] || ./autogen.sh >/dev/null 2>&1 || die "autogen.sh failed"
	if [ ! -f Makefile ] || [ configure -nt config.status ]; then
		./configure --enable-werror ${DQ_CONFIGURE_FLAGS:-} >"$TOP/configure.out" 2>&1 ||
			{ tail -20 "$TOP/configure.out"; die "configure failed"; }
	fi
	make -j"$(nproc)" >"$TOP/make.out" 2>&1 || { tail -40 "$TOP/make.out"; die "build failed"; }
}

# --- test ----------------------------------------------------------------------
# playwright-core for the browser tests and the Standard Webhooks library for
# the receiver's test, exactly as locked; without them those tests skip.
browser_deps() {
	command -v npm >/dev/null 2>&1 || install_packages npm
	(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error) >"$TOP/npm.out" 2>&1 ||
		say "quickstart: npm ci failed in tests/browser (see npm.out); the browser tests will be skipped"
	(cd tests/receiver && npm ci --no-audit --no-fund --loglevel=error) >>"$TOP/npm.out" 2>&1 ||
		say "quickstart: npm ci failed in tests/receiver (see npm.out); test_receiver.py will be skipped"
}

run_tests() {
	set +e
	make -j"$(nproc)" check 2>&1 | tee "$TOP/check.out" | grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP|# )'
	set -e
	summary=$("$TOP/tests/check-summary" "$TOP/check.out")
	[ -n "$summary" ] || summary="0 passed, 1 failed"
	case "$summary" in
	*" 0 failed"*) ;;
	*) for f in $(grep -lE '^(FAIL|ERROR)' tests/unit/*.log tests/integration/*.log \
		tests/browser/*.log 2>/dev/null); do
		say "--- $f"; grep -vE '^ok ' "$f" | tail -60
	   done ;;
	esac
	say "$summary"
	case "$summary" in *" 0 failed"*) return 0 ;; *) return 1 ;; esac
}

# --- run -----------------------------------------------------------------------
PIDS=""
stop_all() {
	trap - INT TERM EXIT
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	say "quickstart: stopped"
}

write_configs() {
	mkdir -p "$RUN"
	cat >"$RUN/dq.conf" <<CONF
# Development configuration written by quickstart.sh.
data_dir $RUN/data
listen unix:$RUN/fcgi.sock
socket_mode 0666
workers 2
sync write
allow_private_targets yes
log_level info
CONF
	user=""
	[ "$(id -u)" = 0 ] && user="user root;"
	site=$(sed -e "s|unix:/run/dq/fcgi.sock|unix:$RUN/fcgi.sock|" \
		-e "s|include fastcgi_params;|include /etc/nginx/fastcgi_params;|" \
		-e "s|/usr/local/share/dq/www/|$TOP/www/|" conf/nginx-dq.conf)
	cat >"$RUN/nginx.conf" <<NGX
$user
worker_processes 1;
daemon off;
pid $RUN/nginx.pid;
error_log $RUN/nginx.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $RUN/nginx-body;
    fastcgi_temp_path $RUN/nginx-fastcgi;
    server {
        listen 127.0.0.1:$PORT;
$site
    }
}
NGX
}

run_stack() {
	write_configs
	ctl="$TOP/dqctl/dqctl -c $RUN/dq.conf"
	$ctl init >/dev/null
	if $ctl account list | awk '{print $2}' | grep -qx dev; then
		key=$($ctl account rotate-key dev | sed -n 's/^api_key: //p')
	else
		key=$($ctl account add dev | sed -n 's/^api_key: //p')
	fi
	trap stop_all INT TERM EXIT
	"$TOP/fcgi/dq-fcgi" -c "$RUN/dq.conf" 2>>"$RUN/dq-fcgi.log" &
	PIDS="$PIDS $!"
	"$TOP/dispatcher/dq-dispatcher" -c "$RUN/dq.conf" 2>>"$RUN/dq-dispatcher.log" &
	PIDS="$PIDS $!"
	nginx -p "$RUN" -c "$RUN/nginx.conf" -e "$RUN/nginx.log" &
	PIDS="$PIDS $!"
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do
		i=$((i + 1))
		[ $i -lt 100 ] || die "the stack did not come up; see $RUN/*.log"
		sleep 0.1
	done
	cat <<MSG

dq is running (logs in run/*.log; Ctrl-C stops it).

DQ_URL=http://127.0.0.1:$PORT
DQ_API_KEY=$key

Web console: http://127.0.0.1:$PORT/ui/ (paste DQ_API_KEY there)

Try it: create a job that calls dq's own health check, then read it back:

  export DQ_URL=http://127.0.0.1:$PORT DQ_API_KEY=$key
  curl -s -X POST \$DQ_URL/v1/jobs -H "Authorization: Bearer \$DQ_API_KEY" \\
       -H 'Content-Type: application/json' \\
       -d '{"url": "http://127.0.0.1:$PORT/healthz", "method": "GET"}'
  curl -s \$DQ_URL/v1/jobs -H "Authorization: Bearer \$DQ_API_KEY"

MSG
	wait
}

case "$MODE" in
run)
	install_packages $PKGS
	build
	run_stack
	;;
test)
	install_packages $PKGS $TEST_PKGS
	bench_deps
	build
	browser_deps
	run_tests
	;;
*)
	die "usage: ./quickstart.sh [test]"
	;;
esac
