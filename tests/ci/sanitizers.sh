#!/bin/sh
# CI stage: the whole test suite (make check: unit and integration tests)
# once more, built with AddressSanitizer and UndefinedBehaviorSanitizer
# (./configure --enable-sanitizers) in its own VPATH build directory,
# build-san/.  tests/local.mk makes any sanitizer report end the program
# with an error, and the integration harness fails a script whose processes
# left a report in their logs, so every report is a failed test.
#
#   tests/ci/sanitizers.sh            with gcc
#   CC=clang tests/ci/sanitizers.sh   with clang
#
# A source tree configured in place (quickstart.sh builds there) cannot
# host a VPATH build; then its files are copied to build-san/src first.
# Ends with "N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/../.."
. tests/ci/lib.sh
TOP=$(pwd)
B=$TOP/build-san
CC=${CC:-gcc}
SRC=$TOP

pkgs=$CI_BUILD_PKGS
case "$CC" in *clang*) pkgs="$pkgs $CI_CLANG_PKGS" ;; esac
# shellcheck disable=SC2086
ci_install $pkgs || ci_abort "sanitizers: could not install the packages"

mkdir -p "$B"
if [ -f "$TOP/config.status" ]; then
	SRC=$B/src
	rm -rf "$SRC" && mkdir "$SRC" &&
		git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C "$SRC" ||
		ci_abort "sanitizers: could not copy the sources to $SRC"
fi
[ -x "$SRC/configure" ] || (cd "$SRC" && ./autogen.sh) >"$B/autogen.out" 2>&1 ||
	ci_abort "sanitizers: autogen.sh failed; see $B/autogen.out"

cd "$B"
"$SRC/configure" --enable-sanitizers --enable-werror CC="$CC" >configure.out 2>&1 ||
	{ tail -20 configure.out; ci_abort "sanitizers: configure failed"; }
make -j"$(nproc)" >make.out 2>&1 ||
	{ tail -40 make.out; ci_abort "sanitizers: build failed"; }
ci_say "sanitizers: built with $CC -fsanitize=address,undefined in $B"

make -j"$(nproc)" check >check.out 2>&1
grep -E '^(FAIL|ERROR|XPASS|# )' check.out
summary=$("$SRC/tests/check-summary" check.out)
[ -n "$summary" ] || { tail -40 check.out; ci_abort "sanitizers: make check gave no totals"; }
failed_logs=$(grep -lE '^(FAIL|ERROR)' tests/unit/*.log tests/integration/*.log 2>/dev/null)
# The reports first, short (the error, the summary, the top frames): when
# the output is read in part, its beginning is what is read.
for f in $failed_logs; do
	grep -E 'ERROR: \w*Sanitizer|runtime error:|SUMMARY: \w*Sanitizer|^# +#[0-5] ' "$f" |
		head -30 | sed "s|^|$f: |"
done
for f in $failed_logs; do
	ci_say "--- $B/$f"
	grep -vE '^(ok|PASS)' "$f" | tail -80
done
ci_say "$summary"
case "$summary" in *" 0 failed"*) exit 0 ;; *) exit 1 ;; esac
