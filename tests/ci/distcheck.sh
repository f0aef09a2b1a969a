#!/bin/sh
# CI stage: make distcheck, so the hand-kept file lists of the Makefiles
# cannot drift from the tree: the tarball is made, unpacked read-only,
# configured out of tree, built, its unit tests run, installed and
# uninstalled, and cleaned.  Only the unit tests run inside it (the
# integration suite has already run on the tree itself); a file missing
# from the tarball fails the build or those tests.  Run after
# ./quickstart.sh test, which leaves the tree configured.
# Ends with "N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/../.."
. tests/ci/lib.sh
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

[ -f Makefile ] || ./configure >/dev/null 2>&1 || ci_abort "distcheck: configure failed"
make distcheck TESTS='$(UNIT_TESTS)' >"$OUT" 2>&1
rc=$?
summary=$(tests/check-summary "$OUT")
if [ "$rc" -ne 0 ]; then
	grep -E 'No rule to make target|No such file|Error [0-9]|^ERROR|^FAIL' "$OUT" | head -20
	tail -20 "$OUT"
	ci_abort "distcheck: make distcheck failed (${summary:-no tests ran})"
fi
grep -A1 'archives ready' "$OUT" | tail -1
ci_say "${summary:-0 passed, 1 failed}"
