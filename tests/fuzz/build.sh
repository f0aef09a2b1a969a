#!/bin/sh
# Build the libFuzzer harnesses tests/fuzz/fuzz_*.c with clang into
# build-fuzz/ (or OUTDIR) by way of fuzz.mk.  No ./configure is needed: the
# few definitions config.h gives the sources are written here.
#
#   tests/fuzz/build.sh [OUTDIR]
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$SRC/build-fuzz}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
cat >"$OUT/config.h.new" <<H
/* config.h for the fuzz build, written by tests/fuzz/build.sh */
#define _GNU_SOURCE 1
#define HAVE_GETRANDOM 1
#define PACKAGE_VERSION "fuzz"
#define SYSCONFDIR "/etc"
#define LOCALSTATEDIR "/var"
H
if cmp -s "$OUT/config.h.new" "$OUT/config.h"; then
	rm "$OUT/config.h.new"
else
	mv "$OUT/config.h.new" "$OUT/config.h"
fi
# Called from make fuzz: none of the outer make's settings (CC=...) apply.
unset MAKEFLAGS MFLAGS MAKELEVEL
exec make -s -f "$SRC/tests/fuzz/fuzz.mk" -j"$(nproc)" SRC="$SRC" OUT="$OUT"
