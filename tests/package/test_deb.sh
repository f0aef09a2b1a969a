#!/bin/sh
# tests/package/test_deb.sh [DEB]: the README's "Install on a server" from
# the Debian package, on this machine.  Builds the package from this
# checkout (or takes DEB), runs lintian, installs it, then does what an
# admin does: dqctl init and an account as dq, the web server's user into
# the dq group, dq-fcgi and dq-dispatcher from the installed files (by
# hand, as dq: no systemd in a container), nginx with the installed
# snippet; one job created through nginx is delivered to a target on
# 127.0.0.1, and the web console is served beside the API, by nginx and
# by Apache with theirs.  Then purge and clean up.  Prints TAP.  Not part of make
# check (minutes, and it installs packages): .ci/run calls it.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/package/lib.sh"
DEB=${1:-}

if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root (installs a package, creates a user)"; exit 0; fi
if ! command -v dpkg-buildpackage >/dev/null; then echo "1..0 # SKIP no dpkg-buildpackage"; exit 0; fi
if dpkg-query -W -f='${Status}' dq 2>/dev/null | grep -q 'ok installed'; then
	echo "1..0 # SKIP a dq package is installed here; not touching it"; exit 0
fi
if [ -z "$DEB" ] && [ ! -e "$TOP/.git" ]; then echo "1..0 # SKIP no .deb given, no git checkout"; exit 0; fi

W=$(mktemp -d /tmp/dq-deb.XXXXXX)
chmod 755 "$W"
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

# --- build -------------------------------------------------------------------
must "tools: debhelper, lintian, nginx, Apache, curl, python3" \
	apt_install debhelper devscripts lintian dpkg-dev fakeroot nginx-light apache2-bin curl python3
build_deb() (
	cd "$W/src/dq" &&
	apt-get build-dep -y -q -P nocheck ./ &&
	# The test suite runs in make check; nocheck keeps this quick.
	DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b -Pnocheck
)
if [ -z "$DEB" ]; then
	must "copy the checkout" copy_source "$W/src/dq"
	must "dpkg-buildpackage -us -uc -b builds the package" build_deb
	DEB=$(ls "$W"/src/dq_*.deb | head -1)
fi
case $DEB in /*) ;; *) DEB=$(pwd)/$DEB ;; esac
echo "# package: $DEB"

lintian --display-info --tag-display-limit 0 "$DEB" >"$W/lintian" 2>&1
grep -v '^running with root' "$W/lintian" | diag
LE=$(grep -c '^E:' "$W/lintian")
LW=$(grep -c '^W:' "$W/lintian")
if [ "$LE" -eq 0 ]; then ok "lintian: no errors ($LW warnings)"; else not_ok "lintian: $LE errors"; fi
# configure's hardening (and dpkg-buildflags' hardening=+all) reach every program
if grep -E 'hardening-no-(relro|fortify-functions|bindnow|pie)' "$W/lintian"; then
	not_ok "lintian: a program is built without the hardening flags"
else
	ok "lintian: no hardening-no-* tags (relro, fortify, bindnow, pie)"
fi
hardened() {
	mkdir -p "$W/x" && dpkg-deb -x "$DEB" "$W/x" &&
	# control-flow protection (-fcf-protection) is not among them on Debian 12
	hardening-check --nocfprotection "$W/x/usr/sbin/dq-fcgi" "$W/x/usr/sbin/dq-dispatcher" \
	    "$W/x/usr/sbin/dqctl" "$W/x/usr/sbin/dq-repd"
}
t "hardening-check: PIE, stack protector, fortify, relro, bind now" hardened

contents() {
	dpkg-deb -c "$DEB" >"$W/contents" &&
	for f in ./usr/sbin/dq-fcgi ./usr/sbin/dq-dispatcher ./usr/sbin/dqctl \
	    ./usr/sbin/dq-repd ./lib/systemd/system/dq-repd.service \
	    ./usr/share/man/man8/dq-repd.8.gz ./usr/share/doc/dq/examples/ha/nginx-dq-group.conf \
	    ./etc/dq/dq.conf ./etc/dq/nginx-dq.conf ./etc/dq/apache-dq.conf \
	    ./lib/systemd/system/dq-fcgi.service ./lib/systemd/system/dq-dispatcher.service \
	    ./usr/lib/tmpfiles.d/dq.conf ./usr/lib/sysusers.d/dq.conf \
	    ./usr/share/man/man8/dq-fcgi.8.gz ./usr/share/man/man5/dq.conf.5.gz \
	    ./usr/share/doc/dq/examples/DB_CONFIG ./usr/share/doc/dq/API.md.gz \
	    ./usr/share/doc/dq/INTERNALS.md.gz \
	    ./usr/share/dq/www/index.html \
	    ./usr/share/dq/www/js/main.js ./usr/share/dq/www/js/views/jobs.js; do
		grep -q " $f\$" "$W/contents" || { echo "missing $f"; return 1; }
	done &&
	dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles >"$W/conffiles" &&
	for f in /etc/dq/dq.conf /etc/dq/nginx-dq.conf /etc/dq/apache-dq.conf; do
		grep -qx "$f" "$W/conffiles" || { echo "not a conffile: $f"; return 1; }
	done
}
t "the package holds the programs, samples (conffiles), units, man pages, API reference, console" contents

# --- install -----------------------------------------------------------------
must "apt-get install ./dq_*.deb" apt-get install -y -q --no-install-recommends "$DEB"

user_and_dirs() {
	getent passwd dq | grep ':/var/lib/dq:/usr/sbin/nologin$' &&
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
	command -v systemd-analyze >/dev/null || { echo "no systemd-analyze"; return 0; }
	systemd-analyze verify /lib/systemd/system/dq-fcgi.service \
		/lib/systemd/system/dq-dispatcher.service
}
t "systemd-analyze verify accepts the installed units" verify_units
t "man finds the installed pages" man -w dq-fcgi dq-dispatcher dqctl dq.conf

# --- configure and run, as README says ----------------------------------------
# A copy of the installed dq.conf that allows this loopback target.
cp /etc/dq/dq.conf "$W/dq.conf" && echo "allow_private_targets yes" >>"$W/dq.conf"
chmod 644 "$W/dq.conf"
must "dqctl init as the dq user" runuser -u dq -- dqctl -c /etc/dq/dq.conf init
add_account() {
	runuser -u dq -- dqctl -c /etc/dq/dq.conf account add ci >"$W/account" &&
	KEY=$(sed -n 's/^api_key: //p' "$W/account") && [ -n "$KEY" ]
}
must "dqctl account add as dq prints an API key" add_account
t "adduser www-data dq (the web server reaches the socket)" adduser www-data dq

must "the units' ExecStart lines start dq-fcgi and dq-dispatcher as dq; socket dq:dq 0660" \
	start_units /lib/systemd/system "$W/dq.conf"

start_target
start_nginx /etc/dq/nginx-dq.conf
t "GET /healthz through nginx: store ok, dispatcher alive" healthy
t "POST /v1/jobs through nginx: 201" create_job
t "the job is delivered to the target and completed" delivered
console_behind_nginx_and_apache

t "SIGTERM stops dq-fcgi and dq-dispatcher with status 0" stop_units

# --- purge -------------------------------------------------------------------
purged() {
	dpkg --purge dq &&
	[ ! -e /usr/sbin/dq-fcgi ] && [ ! -e /etc/dq ] &&
	[ ! -e /lib/systemd/system/dq-fcgi.service ] &&
	# The jobs and the user stay: purging a package is no reason to lose data.
	getent passwd dq && [ -e /var/lib/dq/jobs.db ]
}
t "dpkg --purge removes programs, /etc/dq and units; keeps /var/lib/dq and dq" purged

done_testing
