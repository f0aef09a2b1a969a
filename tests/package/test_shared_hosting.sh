#!/bin/sh
# tests/package/test_shared_hosting.sh: the README's shared-hosting recipe,
# as an ordinary user without root.  A throwaway user builds dq from this
# checkout and installs it with --prefix=$HOME/dq; Apache runs as that user
# on a free loopback port with mod_fcgid, serving the shipped .htaccess and
# dq.fcgi from the user's web root; the shipped crontab lines start the
# dispatcher (twice: one runs); one job created through Apache is delivered
# to a target on 127.0.0.1; the web console, copied into the web root with
# the shipped ui.htaccess, is served with its headers; the shipped
# logrotate.conf rotates the dispatcher's log, which it then writes anew.
# Everything is removed afterwards: processes by pid, then the user.  Prints
# TAP.  Root only (it creates the user); not part of make check: .ci/run
# calls it.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)

. "$TOP/tests/package/lib.sh"

if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root (creates a throwaway user)"; exit 0; fi
[ -e "$TOP/.git" ] || { echo "1..0 # SKIP not a git checkout"; exit 0; }

W=$(mktemp -d /tmp/dq-sh.XXXXXX)
chmod 755 "$W"
U=dqsh$$
H=/home/$U

# As the user, with the environment a login (or cron) would give.
as_user() { runuser -u "$U" -- env -i HOME="$H" USER="$U" LOGNAME="$U" \
	PATH=/usr/local/bin:/usr/bin:/bin SHELL=/bin/sh "$@"; }

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	if getent passwd "$U" >/dev/null; then
		# Whatever the user still runs (mod_fcgid's dq-fcgi, a dispatcher).
		for p in $(pgrep -u "$U"); do kill "$p" 2>/dev/null; done
		sleep 1
		for p in $(pgrep -u "$U"); do kill -9 "$p" 2>/dev/null; done
		userdel -r "$U" 2>/dev/null
	fi
	[ -n "${DQ_KEEP_TMP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

must "tools: compiler, libraries, apache2, mod_fcgid" apt_install \
	build-essential autoconf automake pkg-config libdb5.3-dev libfcgi-dev \
	libjansson-dev libcurl4-openssl-dev libssl-dev apache2-bin libapache2-mod-fcgid \
	python3 python3-yaml curl tzdata logrotate

must "a throwaway user" useradd --create-home --shell /bin/sh "$U"

# --- build and install as the user -------------------------------------------
copy_home() { copy_source "$H/src" && chown -R "$U:" "$H/src"; }
must "copy the checkout into the user's home" copy_home
must "./configure --prefix=\$HOME/dq && make && make install, as the user" \
	as_user sh -c 'cd ~/src && ./autogen.sh && ./configure --prefix=$HOME/dq &&
		make -j2 && make install'

installed() {
	for f in sbin/dq-fcgi sbin/dq-dispatcher sbin/dqctl etc/dq/dq.conf \
	    share/man/man8/dq-fcgi.8 share/doc/dq/API.md share/doc/dq/README.md \
	    share/doc/dq/INTERNALS.md \
	    share/doc/dq/examples/shared-hosting/htaccess \
	    share/doc/dq/examples/shared-hosting/dq.fcgi \
	    share/doc/dq/examples/shared-hosting/crontab \
	    share/doc/dq/examples/shared-hosting/logrotate.conf \
	    share/doc/dq/examples/shared-hosting/ui.htaccess share/dq/www/index.html; do
		[ -e "$H/dq/$f" ] || { echo "missing $f"; return 1; }
	done
	[ -z "$(find "$H/dq" ! -user "$U")" ]
}
t "everything is installed under \$HOME/dq, owned by the user" installed

# Any --prefix: the installed web server snippets name this one's console.
snippets_follow_prefix() {
	grep -x "    alias $H/dq/share/dq/www/;" "$H/dq/etc/dq/nginx-dq.conf" &&
	grep -x "Alias \"/ui/\" \"$H/dq/share/dq/www/\"" "$H/dq/etc/dq/apache-dq.conf" &&
	grep -x "<Directory \"$H/dq/share/dq/www\">" "$H/dq/etc/dq/apache-dq.conf"
}
t "the installed nginx and Apache snippets serve the console from \$HOME/dq/share/dq/www" \
	snippets_follow_prefix

# --- the recipe -----------------------------------------------------------------
EX=$H/dq/share/doc/dq/examples/shared-hosting
set_up() {
	as_user sh -c 'mkdir -p ~/dq/var/lib ~/dq/var/log ~/public_html &&
		echo "data_dir $HOME/dq/var/lib/dq" >>~/dq/etc/dq/dq.conf &&
		cp ~/dq/share/doc/dq/examples/shared-hosting/htaccess ~/public_html/.htaccess &&
		cp ~/dq/share/doc/dq/examples/shared-hosting/dq.fcgi ~/public_html/dq.fcgi &&
		mkdir -p ~/public_html/ui && cp -R ~/dq/share/dq/www/. ~/public_html/ui/ &&
		cp ~/dq/share/doc/dq/examples/shared-hosting/ui.htaccess ~/public_html/ui/.htaccess &&
		~/dq/sbin/dqctl init' &&
	# Test only: the target below lives on 127.0.0.1.
	echo "allow_private_targets yes" >>"$H/dq/etc/dq/dq.conf" &&
	as_user "$H/dq/sbin/dqctl" account add site >"$W/account" &&
	grep -q '^api_key: dq_' "$W/account"
}
must "data_dir, web root files and the console, dqctl init and an account, as the user" set_up
KEY=$(sed -n 's/^api_key: //p' "$W/account")

# The crontab lines, as cron would run them: sh -c, in the user's home.
cron_cmd() { grep "^$1" "$EX/crontab" | sed "s/^$1 *//"; }
REBOOT=$(cron_cmd @reboot)
PERIODIC=$(cron_cmd '\*\/5 \* \* \* \*')
# Live ones: an exited dispatcher stays a zombie until PID 1 reaps it, and
# a container's PID 1 may take its time.
dispatchers() {
	ps -u "$U" -o pid=,stat=,comm= | awk '$3 == "dq-dispatcher" && $2 !~ /^Z/ { print $1 }'
}
cron_start() {
	[ -n "$REBOOT" ] && [ -n "$PERIODIC" ] || { echo "no crontab lines"; return 1; }
	for c in "$REBOOT" "$PERIODIC" "$PERIODIC"; do
		echo "\$ $c"
		# cron waits for its job: the line must return at once.
		timeout 10 runuser -u "$U" -- env -i HOME="$H" PATH=/usr/bin:/bin \
			sh -c "cd && $c" || return 1
		sleep 0.5
	done
	sleep 1
	ps -o pid=,ppid=,stat=,args= -u "$U"
	cat "$H/dq/var/log/dq-dispatcher.log"
	[ "$(dispatchers | wc -l)" -eq 1 ]
}
t "the crontab's @reboot and */5 lines, run three times: one dispatcher" cron_start
DISP=$(dispatchers | head -1)
[ -n "$DISP" ] && PIDS="$PIDS $DISP"

# --- Apache with mod_fcgid, as the user -------------------------------------------
PORT=$(free_port)
M=/usr/lib/apache2/modules
as_user mkdir -p "$H/apache/run" "$H/apache/fcgid"
# The host's part: a vhost whose document root is the user's web root, and
# .htaccess allowed the overrides the shipped one needs.
cat >"$H/apache/apache.conf" <<EOF
ServerRoot $H/apache
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
PidFile $H/apache/run/apache.pid
DefaultRuntimeDir $H/apache/run
ErrorLog $H/apache/error.log
LogLevel warn
LoadModule mpm_event_module $M/mod_mpm_event.so
LoadModule authz_core_module $M/mod_authz_core.so
LoadModule mime_module $M/mod_mime.so
LoadModule dir_module $M/mod_dir.so
LoadModule headers_module $M/mod_headers.so
LoadModule rewrite_module $M/mod_rewrite.so
LoadModule fcgid_module $M/mod_fcgid.so
TypesConfig /dev/null
# Above dq's max_body; mod_fcgid's default (128k) is below it and
# .htaccess cannot raise it (htaccess says to ask the host).
FcgidMaxRequestLen 2097152
FcgidIPCDir $H/apache/fcgid
FcgidProcessTableFile $H/apache/fcgid/shm
DocumentRoot $H/public_html
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory $H/public_html>
    AllowOverride FileInfo Options AuthConfig
    Require all granted
</Directory>
EOF
chown "$U:" "$H/apache/apache.conf"
runuser -u "$U" -- /usr/sbin/apache2 -d "$H/apache" -f "$H/apache/apache.conf" -DFOREGROUND \
	</dev/null >"$W/apache-out.log" 2>&1 &
PIDS="$PIDS $!"

start_target

URL=http://127.0.0.1:$PORT
t "GET /healthz through Apache and mod_fcgid: dispatcher alive" healthy

unauthorized() {
	code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/jobs")
	[ "$code" = 401 ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/jobs" \
		-H "Authorization: Bearer $KEY")" = 200 ]
}
t "the key reaches dq (CGIPassAuth): 401 without it, 200 with it" unauthorized

metrics_here_only() {
	code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/metrics")
	far=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "$URL/metrics" \
		-H "Authorization: Bearer $KEY")
	echo "from 127.0.0.1: $code, from 127.0.0.2: $far"
	[ "$code" = 200 ] && [ "$far" = 403 ]
}
t "/metrics answers this machine only (the .htaccess refuses 127.0.0.2)" metrics_here_only

t "POST /v1/jobs through Apache and mod_fcgid: 201" create_job
t "the job is delivered by the cron-started dispatcher" delivered
t "/ui/ and a module through Apache and .htaccess: types, CSP, nosniff, no referrer" \
	console_served

big_body() {
	python3 -c 'import json,sys; print(json.dumps({"url": sys.argv[1], "delay": "1h",
		"payload": {"x": "b" * 500000}}))' "http://127.0.0.1:9/big" >"$W/big.json"
	code=$(curl -s -o "$W/big.out" -w '%{http_code}' -X POST "$URL/v1/jobs" \
		-H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
		--data-binary @"$W/big.json")
	head -c 300 "$W/big.out"; echo
	[ "$code" = 201 ]
}
t "a 500k body reaches dq (the host raised FcgidMaxRequestLen)" big_body

# mod_fcgid's dq-fcgi serves alone, without a pre-fork master: every
# dq-fcgi of the user is a child of Apache, none of another dq-fcgi.
spawned_by_apache() {
	ps -u "$U" -o pid=,ppid=,comm=,args= >"$W/ps"
	cat "$W/ps"
	awk '$3 == "dq-fcgi" { n++; p[$2] = 1 } $3 == "apache2" { a[$1] = 1 }
	     END { for (x in p) if (!(x in a)) exit 1; exit n == 0 }' "$W/ps"
}
t "dq-fcgi runs as the user, started by mod_fcgid" spawned_by_apache

# The crontab's last line, as cron would run it, after a forced rotation:
# the dispatcher (SIGUSR1, its pid from dispatcher.lock) writes to a new
# file.  Killing its housekeeper makes it write a line at once.
rotated() {
	as_user cp "$EX/logrotate.conf" "$H/dq/etc/dq/logrotate.conf" || return 1
	ROT=$(grep logrotate "$EX/crontab" | grep -v '^#' | sed 's/^[0-9* ]*//')
	[ -n "$ROT" ] || { echo "no logrotate line in the crontab"; return 1; }
	echo "\$ $ROT -f"
	timeout 30 runuser -u "$U" -- env -i HOME="$H" PATH=/usr/bin:/bin \
		sh -c "cd && $ROT -f" || return 1
	LOG=$H/dq/var/log/dq-dispatcher.log
	ls -l "$H/dq/var/log"
	[ -s "$LOG.1" ] || { echo "not rotated"; return 1; }
	hk=$(ps -u "$U" -o pid=,comm= | awk '$2 == "dq-housekeeper" { print $1 }')
	[ -n "$hk" ] && kill -9 $hk
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -q "housekeeper $hk ended" "$LOG" 2>/dev/null && break
		sleep 0.5
	done
	cat "$LOG"
	grep -q "housekeeper $hk ended" "$LOG" && ! grep -q "housekeeper $hk ended" "$LOG.1"
}
t "logrotate with the shipped logrotate.conf; the dispatcher logs to the new file" rotated

done_testing
