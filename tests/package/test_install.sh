#!/bin/sh
# tests/package/test_install.sh: the README's "Install on a server" from
# `make install`, as root on this machine: build this checkout with
# --sysconfdir=/etc, make install, create the user and directories from the
# installed sysusers.d and tmpfiles.d entries, dqctl init and an account,
# the installed units' ExecStart lines, nginx with the installed snippet,
# one job delivered, the web console served by nginx and by Apache with
# the installed snippets; then make uninstall and clean up.  Prints TAP.  Not
# part of make check: .ci/run calls it.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/package/lib.sh"
LIB=/usr/local/lib

if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root (installs into /usr/local and /etc)"; exit 0; fi
[ -e "$TOP/.git" ] || { echo "1..0 # SKIP not a git checkout"; exit 0; }
for f in /etc/dq /usr/local/sbin/dq-fcgi /var/lib/dq; do
	[ ! -e $f ] || { echo "1..0 # SKIP $f exists: dq is installed here; not touching it"; exit 0; }
done
getent passwd dq >/dev/null && { echo "1..0 # SKIP a dq user exists; not touching it"; exit 0; }

W=$(mktemp -d /tmp/dq-inst.XXXXXX)
chmod 755 "$W"
B=$W/src
INSTALLED=no

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	[ "$INSTALLED" = yes ] && (cd "$B" && make uninstall) >/dev/null 2>&1
	if getent passwd dq >/dev/null; then
		userdel dq 2>/dev/null
		getent group dq >/dev/null && groupdel dq 2>/dev/null
	fi
	rm -rf /var/lib/dq /run/dq
	rmdir /etc/dq $LIB/sysusers.d $LIB/tmpfiles.d $LIB/systemd/system $LIB/systemd \
		/usr/local/share/doc/dq/examples/shared-hosting /usr/local/share/doc/dq/examples \
		/usr/local/share/doc/dq /usr/local/share/dq/www/js/views /usr/local/share/dq/www/js \
		/usr/local/share/dq/www /usr/local/share/dq 2>/dev/null
	[ -n "${DQ_KEEP_TMP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

must "tools: compiler, libraries, nginx, Apache, curl, python3" apt_install \
	build-essential autoconf automake pkg-config libdb5.3-dev libfcgi-dev \
	libjansson-dev libcurl4-openssl-dev libssl-dev nginx-light apache2-bin curl python3 python3-yaml
must "copy the checkout" copy_source "$B"
build() (cd "$B" && ./autogen.sh && ./configure --sysconfdir=/etc && make -j2)
must "./configure --sysconfdir=/etc && make" build
must "make install" sh -c "cd '$B' && make install"
INSTALLED=yes

installed() {
	for f in /usr/local/sbin/dq-fcgi /usr/local/sbin/dq-dispatcher /usr/local/sbin/dqctl \
	    /etc/dq/dq.conf /etc/dq/nginx-dq.conf /etc/dq/apache-dq.conf \
	    $LIB/systemd/system/dq-fcgi.service $LIB/systemd/system/dq-dispatcher.service \
	    $LIB/sysusers.d/dq.conf $LIB/tmpfiles.d/dq.conf \
	    /usr/local/share/man/man8/dq-fcgi.8 /usr/local/share/man/man5/dq.conf.5 \
	    /usr/local/share/dq/www/index.html /usr/local/share/dq/www/js/main.js; do
		[ -e "$f" ] || { echo "missing $f"; return 1; }
	done
	grep -qx 'ExecStart=/usr/local/sbin/dq-fcgi -c /etc/dq/dq.conf' \
		$LIB/systemd/system/dq-fcgi.service
}
t "make install: programs, samples in /etc/dq, units and entries in /usr/local/lib, man pages, console" installed

user_and_dirs() {
	systemd-sysusers $LIB/sysusers.d/dq.conf &&
	systemd-tmpfiles --create $LIB/tmpfiles.d/dq.conf &&
	getent passwd dq | grep ':/var/lib/dq:' &&
	[ "$(stat -c '%U:%G %a' /var/lib/dq)" = "dq:dq 700" ] &&
	[ "$(stat -c '%U:%G %a' /run/dq)" = "dq:dq 750" ]
}
must "systemd-sysusers and systemd-tmpfiles make the dq user and its directories" user_and_dirs

verify_units() {
	systemd-analyze verify $LIB/systemd/system/dq-fcgi.service \
		$LIB/systemd/system/dq-dispatcher.service
}
t "systemd-analyze verify accepts the installed units" verify_units

cp /etc/dq/dq.conf "$W/dq.conf" && echo "allow_private_targets yes" >>"$W/dq.conf"
chmod 644 "$W/dq.conf"
must "dqctl init as the dq user" runuser -u dq -- /usr/local/sbin/dqctl -c /etc/dq/dq.conf init
add_account() {
	runuser -u dq -- /usr/local/sbin/dqctl -c /etc/dq/dq.conf account add ci >"$W/account" &&
	KEY=$(sed -n 's/^api_key: //p' "$W/account") && [ -n "$KEY" ]
}
must "dqctl account add as dq prints an API key" add_account
t "adduser www-data dq" adduser www-data dq
must "the units' ExecStart lines start dq-fcgi and dq-dispatcher as dq; socket dq:dq 0660" \
	start_units $LIB/systemd/system "$W/dq.conf"

start_target
start_nginx /etc/dq/nginx-dq.conf
t "GET /healthz through nginx: store ok, dispatcher alive" healthy
t "POST /v1/jobs through nginx: 201" create_job
t "the job is delivered to the target and completed" delivered
console_behind_nginx_and_apache
t "SIGTERM stops dq-fcgi and dq-dispatcher with status 0" stop_units

uninstalled() {
	(cd "$B" && make uninstall) &&
	[ ! -e /usr/local/sbin/dq-fcgi ] && [ ! -e /etc/dq/dq.conf ] &&
	[ ! -e $LIB/systemd/system/dq-fcgi.service ] && [ ! -e /usr/local/share/dq/www/index.html ]
}
t "make uninstall removes what make install put there" uninstalled
INSTALLED=no

done_testing
