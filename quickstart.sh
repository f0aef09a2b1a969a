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
# Everything lives in this tree: the build, and run/ for the data, logs,
# generated configs and the dev account's key and signing secret (dev.env).
set -eu

FROM=$(pwd)
cd "$(dirname "$0")"
TOP=$(pwd)
MODE=${1:-run}
PORT=${DQ_PORT:-8080}
RUN=$TOP/run

say() { printf '%s\n' "$*"; }
die() { say "quickstart: $*" >&2; exit 1; }

# --- packages --------------------------------------------------------------
# python3-yaml: the build makes openapi.json from openapi.yaml.
PKGS="build-essential autoconf automake pkg-config libdb5.3-dev db5.3-util \
libfcgi-dev libjansson-dev libcurl4-openssl-dev libssl-dev nginx-light \
python3 python3-yaml tzdata curl ca-certificates"
# The browser tests (tests/browser) drive Debian's chromium with
# playwright-core from npm; nodejs from elsewhere may already bring npm.
# Apache (apache2-bin: the server without a service) is the second front end
# the integration tests use; mandoc checks the man pages. python3-jsonschema
# checks every answer against openapi.yaml; php-cli and php-curl run the PHP
# client's and receiver's tests; prometheus brings promtool, which checks the
# monitoring samples (its service is not left running, see monitoring_deps).
TEST_PKGS="valgrind chromium nodejs apache2-bin mandoc python3-jsonschema php-cli php-curl"
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

# prometheus's package starts a Prometheus server: stop and disable it again
# when this set-up is what installed it (the tests need only promtool).
monitoring_deps() {
	fresh=$(missing_packages prometheus)
	install_packages prometheus
	if [ -n "$fresh" ] && command -v systemctl >/dev/null 2>&1; then
		systemctl disable --now prometheus.service >/dev/null 2>&1 || true
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
# The npm packages of the tests, exactly as locked: playwright-core for the
# browser tests, the OpenAPI linter, standardwebhooks for the Node receiver;
# without them those tests skip.
npm_deps() {
	command -v npm >/dev/null 2>&1 || install_packages npm
	: >"$TOP/npm.out"
	for d in tests/browser tests/openapi clients/node; do
		(cd "$d" && npm ci --no-audit --no-fund --loglevel=error) >>"$TOP/npm.out" 2>&1 ||
			say "quickstart: npm ci failed in $d (see npm.out); its tests will be skipped"
	done
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
	# The shipped snippet with this tree's console and socket, as make fills
	# it in, inside the nginx configuration the tests use too.
	sed -e "s|@wwwdir@|$TOP/www|g" -e "s|unix:/run/dq/fcgi.sock|unix:$RUN/fcgi.sock|" \
		conf/nginx-dq.conf.in >"$RUN/nginx-dq.conf"
	ln -sf /etc/nginx/fastcgi_params "$RUN/fastcgi_params"
	user=""
	[ "$(id -u)" = 0 ] && user="user root;"
	sed -e "s|@user@|$user|" -e "s|@dir@|$RUN|g" -e "s|@port@|$PORT|" \
		-e "s|@connections@|1024|" -e "s|@extra@||" -e "s|@snippet@|$RUN/nginx-dq.conf|" \
		conf/nginx-standalone.conf.in >"$RUN/nginx.conf"
}

# The dev account's key and signing secret live in run/dev.env (mode 0600),
# so that every run prints the same ones until run/ is removed.
dev_account() {
	ctl="$TOP/dqctl/dqctl -c $RUN/dq.conf"
	env=$RUN/dev.env
	$ctl init >/dev/null
	if ! $ctl account list | awk 'NR > 1 { print $2 }' | grep -qx dev; then
		out=$($ctl account add dev)
		key=$(printf '%s\n' "$out" | sed -n 's/^api_key: //p')
		secret=$(printf '%s\n' "$out" | sed -n 's/^signing_secret: //p')
	elif [ -f "$env" ]; then
		key=$(sed -n 's/^DQ_API_KEY=//p' "$env")
		secret=$(sed -n 's/^DQ_SIGNING_SECRET=//p' "$env")
	else
		dev_key_new
		secret=""
	fi
	dev_account_save
}

# A new key for dev (its signing secret stays as it was).
dev_key_new() {
	key=$($ctl account rotate-key dev | sed -n 's/^api_key: //p')
}

dev_account_save() {
	(umask 077 && printf 'DQ_API_KEY=%s\nDQ_SIGNING_SECRET=%s\n' "$key" "$secret" >"$env")
}

# dev.env from an earlier run may hold a key that was rotated since.
dev_key_check() {
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" \
		"http://127.0.0.1:$PORT/v1/queues")
	[ "$code" != 401 ] && return 0
	dev_key_new
	dev_account_save
}

# Run a daemon, and run it again when it exits for recovery (status 3) or is
# killed, as the shipped systemd units do (Restart=on-failure): the next
# process to open the store recovers it.  SIGTERM stops it for good.
supervise() {
	name=$1
	shift
	stopping=0
	child=""
	trap 'stopping=1; [ -z "$child" ] || kill "$child" 2>/dev/null' TERM
	while [ "$stopping" = 0 ]; do
		"$@" 2>>"$RUN/$name.log" &
		child=$!
		rc=0
		wait "$child" || rc=$?
		while kill -0 "$child" 2>/dev/null; do	# wait was cut short by TERM
			rc=0
			wait "$child" || rc=$?
		done
		[ "$stopping" = 0 ] || break
		case $rc in
		3 | 129 | 1[3-9][0-9]) ;;
		*)	say "quickstart: $name exited with status $rc; see run/$name.log" >&2
			break ;;
		esac
		say "quickstart: $name exited with status $rc; starting it again" >&2
		sleep 1
	done
}

# Until /healthz says 200: the store is open and the dispatcher ticks.
wait_healthy() {
	i=0
	until [ "$(curl -s -o /dev/null -w '%{http_code}' \
		"http://127.0.0.1:$PORT/healthz")" = 200 ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || die "the stack did not come up; see $RUN/*.log"
		sleep 0.1
	done
}

run_stack() {
	write_configs
	dev_account
	trap stop_all INT TERM EXIT
	supervise dq-fcgi "$TOP/fcgi/dq-fcgi" -c "$RUN/dq.conf" &
	PIDS="$PIDS $!"
	supervise dq-dispatcher "$TOP/dispatcher/dq-dispatcher" -c "$RUN/dq.conf" &
	PIDS="$PIDS $!"
	nginx -p "$RUN" -c "$RUN/nginx.conf" -e "$RUN/nginx.log" &
	PIDS="$PIDS $!"
	wait_healthy
	dev_key_check
	# As the user would type it, when started from this directory.
	ctlcmd="$TOP/dqctl/dqctl -c $RUN/dq.conf"
	[ "$FROM" = "$TOP" ] && ctlcmd="./dqctl/dqctl -c run/dq.conf"
	url=http://127.0.0.1:$PORT
	cat <<MSG

dq is running (logs in run/*.log; Ctrl-C stops it).

DQ_URL=$url
DQ_API_KEY=$key
DQ_SIGNING_SECRET=${secret:-(shown only when the dev account was made; remove run/ for a new one)}

The key and the signing secret are kept in run/dev.env: every run prints the
same ones until run/ is removed.  The admin CLI on this stack's data:

  $ctlcmd stats

Web console: $url/ui/ (paste DQ_API_KEY there)

Try it: create a job that calls dq's own health check, then read it back:

  export DQ_URL=$url DQ_API_KEY=$key
  curl -s -X POST \$DQ_URL/v1/jobs -H "Authorization: Bearer \$DQ_API_KEY" \\
       -H 'Content-Type: application/json' \\
       -d '{"url": "$url/healthz", "method": "GET"}'
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
	monitoring_deps
	build
	npm_deps
	run_tests
	;;
*)
	die "usage: ./quickstart.sh [test]"
	;;
esac
