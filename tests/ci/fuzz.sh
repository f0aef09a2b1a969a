#!/bin/sh
# CI stage: build the libFuzzer harnesses with clang (tests/fuzz/build.sh)
# into build-fuzz/, run each on every committed input (tests/fuzz/corpus/
# and tests/fuzz/regress/, the regression run) and then fuzz it for
# FUZZ_SECONDS (default 15).  One point per harness; ends with
# "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
. tests/ci/lib.sh
# shellcheck disable=SC2086
ci_install $CI_BUILD_PKGS $CI_CLANG_PKGS || ci_abort "fuzz: could not install the packages"
mkdir -p build-fuzz
tests/fuzz/build.sh build-fuzz >build-fuzz/build.out 2>&1 ||
	{ tail -40 build-fuzz/build.out; ci_abort "fuzz: the harnesses did not build"; }
FUZZ_OUT=$(pwd)/build-fuzz exec tests/fuzz/run.sh "${FUZZ_SECONDS:-15}"
