#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-all.sh - the project's one test command (README, .ci/run).
#
# Installs the Debian packages (packaging/deps.sh), then:
#   build/        gcc, every target; ctest with all labels
#                 (unit, fuzz, milter, e2e)
#   build-clang/  clang, compile only: -Werror holds on clang too
#   build-asan/   clang with -DVIGIL_SANITIZE=ON (ASan + UBSan);
#                 ctest -L 'unit|fuzz|milter' (the daemon under ASan too)
#   build-tsan/   clang with -DVIGIL_TSAN=ON: the pool, scan, rules, DNS
#                 and daemon reload/stop tests under ThreadSanitizer
# Runs as root on Debian 12 (the e2e tests start a private Postfix), from
# a clone with ../shared (the test corpus) beside it.  Every stage runs
# even after a failure; the exit status is non-zero when any failed, and
# ctest's summary lines of each stage are printed again at the end.
# VIGIL_JOBS sets the parallelism (default: the number of CPUs).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
jobs=${VIGIL_JOBS:-$(nproc)}
failed=()
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT

# stage - run a command as a named stage, recording a failure
stage()
{
	local name=$1 t0 rc
	shift
	echo "==== $name: $*"
	t0=$(date +%s)
	"$@"
	rc=$?
	echo "==== $name: $([ $rc -eq 0 ] && echo ok || echo "FAILED ($rc)") in $(($(date +%s) - t0))s"
	[ $rc -eq 0 ] || failed+=("$name")
	return $rc
}

# build - configure and build: $1 dir, $2 compiler, $@ more cmake args.
# Every tree the test command builds is built with -Werror (VIGIL_WERROR);
# users' builds never are.
build()
{
	local dir=$1 cc=$2
	shift 2
	mkdir -p "$root/$dir" || return 1
	cmake -S "$root" -B "$root/$dir" -DCMAKE_C_COMPILER="$cc" \
	    -DVIGIL_WERROR=ON "$@" \
	    >"$root/$dir/cmake.log" 2>&1 ||
	    { cat "$root/$dir/cmake.log"; return 1; }
	make -C "$root/$dir" -j"$jobs" --no-print-directory -s
}

# run_ctest - ctest in $1 with arguments $@, keeping its summary lines
run_ctest()
{
	local dir=$1 log rc
	shift
	log=$(mktemp)
	(cd "$root/$dir" && ctest --output-on-failure -j"$jobs" "$@") 2>&1 |
	    tee "$log"
	rc=${PIPESTATUS[0]}
	{
		echo "[$dir] ctest $*"
		grep -E '^[0-9]+% tests passed|^The following tests|^[[:space:]]+[0-9]+ - |Errors while running' "$log"
	} >>"$summary"
	rm -f "$log"
	return "$rc"
}

stage deps "$root/packaging/deps.sh" || exit 1
[ -d "$root/../shared/corpus" ] ||
    echo "run-all.sh: warning: $root/../shared/corpus is missing; tests that read the corpus will fail" >&2

if stage gcc-build build build gcc; then
	stage gcc-ctest run_ctest build
fi
stage clang-build build build-clang clang
if stage asan-build build build-asan clang -DVIGIL_SANITIZE=ON; then
	stage asan-ctest run_ctest build-asan -L 'unit|fuzz|milter'
fi
# ThreadSanitizer over the threaded parts: the pool, scans on it, shared
# rules, the DNS layer, and the daemon's reload/stop paths.  Tests that
# decode MIME under several threads are left out: GLib's locks are futex
# based and invisible to TSan, so GMime's internals read as races.
if stage tsan-build build build-tsan clang -DVIGIL_TSAN=ON; then
	stage tsan-ctest run_ctest build-tsan -R \
	    'unit_(pool|scan|rules_eval|dns)$|milter_(reload|inplace|sigwatch|stop|busy|clean)$'
fi

echo "==== summary"
cat "$summary"
if [ ${#failed[@]} -ne 0 ]; then
	echo "FAILED stages: ${failed[*]}"
	exit 1
fi
echo "all stages passed"
