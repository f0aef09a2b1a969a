#!/bin/sh
# Run the libFuzzer harnesses that build.sh made.  Each harness first runs
# every committed input once (corpus/<h>/ and regress/<h>/) as a regression
# test, then fuzzes for SECONDS (0: the regression run only) from a working
# corpus OUT/corpus/<h>/ that starts from the committed seeds and keeps what
# the fuzzer finds; the committed corpus is never written.  A crash is saved
# as OUT/crashes/<h>/crash-*: it goes to regress/<h>/ with its fix.  Each
# run is appended to OUT/history (date, harness, seconds, executions).
#
#   tests/fuzz/run.sh SECONDS [HARNESS...]     OUT is $FUZZ_OUT or build-fuzz/
#
# One point per harness; ends with "N passed, N failed".
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${FUZZ_OUT:-$SRC/build-fuzz}
SECS=${1:?usage: run.sh SECONDS [HARNESS...]}
shift
HARNESSES=${*:-jobreq query cron tz num conf router}
F=$SRC/tests/fuzz
passed=0 failed=0

fail() {
	printf 'FAIL %s: %s\n' "$h" "$1"
	grep -E 'ERROR|SUMMARY|check failed|runtime error|Test unit written|^    #[0-9]' "$2" | head -40
	failed=$((failed + 1))
}

for h in $HARNESSES; do
	bin=$OUT/fuzz_$h log=$OUT/fuzz_$h.log
	[ -x "$bin" ] || { fail "not built (tests/fuzz/build.sh)" /dev/null; continue; }
	inputs=$(find "$F/corpus/$h" "$F/regress/$h" -type f 2>/dev/null | sort)
	n=$(printf '%s\n' "$inputs" | grep -c .)
	# shellcheck disable=SC2086
	if [ "$n" -gt 0 ] && ! "$bin" -timeout=10 $inputs >"$log" 2>&1; then
		fail "a committed input fails (see $log)" "$log"
		continue
	fi
	execs=0
	if [ "$SECS" -gt 0 ]; then
		mkdir -p "$OUT/corpus/$h" "$OUT/crashes/$h"
		dict=""
		[ -f "$F/$h.dict" ] && dict="-dict=$F/$h.dict"
		# shellcheck disable=SC2086
		"$bin" -max_total_time="$SECS" -timeout=10 -print_final_stats=1 \
			-artifact_prefix="$OUT/crashes/$h/" $dict "$OUT/corpus/$h" \
			"$F/corpus/$h" $(find "$F/regress/$h" -maxdepth 0 2>/dev/null) \
			>"$log" 2>&1
		rc=$?
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		printf '%s %s %ss %s execs rc=%s\n' "$(date -u +%FT%TZ)" "$h" "$SECS" \
			"${execs:-0}" "$rc" >>"$OUT/history"
		[ "$rc" -eq 0 ] || { fail "crashed after ${execs:-?} executions (see $log)" "$log"; continue; }
	fi
	printf 'PASS %s: %d committed inputs, %s executions in %ss\n' "$h" "$n" \
		"${execs:-0}" "$SECS"
	passed=$((passed + 1))
done
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
