# Shared by the CI stage scripts in tests/ci/ (sourced, not run).

# The Debian packages dq needs to build and test (as quickstart.sh; the
# integration harness checks every answer with python3-jsonschema).
CI_BUILD_PKGS="build-essential autoconf automake pkg-config libdb5.3-dev db5.3-util \
libfcgi-dev libjansson-dev libcurl4-openssl-dev libssl-dev nginx-light \
python3 python3-yaml python3-jsonschema php-cli php-curl tzdata curl ca-certificates"
# clang with its libFuzzer and sanitizer runtimes; llvm for llvm-symbolizer.
CI_CLANG_PKGS="clang libclang-rt-14-dev llvm"

ci_say() { printf '%s\n' "$*"; }

# Install whichever of the packages are missing (root only).
ci_install() {
	want=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || want="$want $p"
	done
	[ -z "$want" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		ci_say "missing packages:$want (run as root, or install them first)"
		return 1
	fi
	ci_say "installing$want"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null &&
		# shellcheck disable=SC2086
		apt-get install -y -q --no-install-recommends $want >/dev/null
}

# A stage that could not even start counts as one failure.
ci_abort() {
	ci_say "$*"
	ci_say "0 passed, 1 failed"
	exit 1
}
