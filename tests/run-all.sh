#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-all.sh - the project's one test command (README, .ci/run).
#
# Installs the Debian packages (packaging/deps.sh), then:
#   build/        gcc, every target; ctest with all labels
#                 (unit, fuzz, milter, e2e, dns, spf, cli, lint, install)
#   build-matrix/ the build types and flags users and packagers use,
#                 library and programs only (see matrix below)
#   build-asan/   clang with -DVIGIL_SANITIZE=ON (ASan + UBSan), every
#                 target, so -Werror holds on clang for tests too;
#                 ctest -L 'unit|fuzz|milter' (the daemon under ASan too)
#   build-tsan/   clang with -DVIGIL_TSAN=ON: the pool, scan, rules, DNS,
#                 autolearn queue and daemon reload/stop/signal tests
#                 under ThreadSanitizer (only their targets are built)
# Every tree is built with -DVIGIL_WERROR=ON.  Runs as root on Debian 12
# (the e2e tests start a private Postfix), from a clone with ../shared
# (the test corpus) beside it.  Tests whose prerequisites are missing
# skip under plain ctest; here VIGIL_REQUIRE_ALL=1 makes each of them a
# failure, and a stage whose ctest reports anything Skipped fails too.
# Every stage runs even after a failure; the exit status is non-zero when
# any failed, and ctest's summary lines of each stage are printed again at
# the end.  VIGIL_JOBS sets the parallelism (default: the number of CPUs).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
jobs=${VIGIL_JOBS:-$(nproc)}
export VIGIL_REQUIRE_ALL=1
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

# build - configure and build: $1 dir, $2 compiler, then optionally
# --targets "T1 T2..." (only those, not every target), $@ more cmake args.
# Every tree the test command builds is built with -Werror (VIGIL_WERROR);
# users' builds never are.  VIGIL_HARDEN is off unless $@ turns it on, so
# build/ does not depend on whether quickstart.sh (which turns it on)
# configured it last.
build()
{
	local dir=$1 cc=$2 targets=()
	shift 2
	if [ "${1-}" = --targets ]; then
		read -ra targets <<<"$2"
		shift 2
	fi
	mkdir -p "$root/$dir" || return 1
	cmake -S "$root" -B "$root/$dir" -DCMAKE_C_COMPILER="$cc" \
	    -DVIGIL_WERROR=ON -DVIGIL_HARDEN=OFF "$@" \
	    >"$root/$dir/cmake.log" 2>&1 ||
	    { cat "$root/$dir/cmake.log"; return 1; }
	make -C "$root/$dir" -j"$jobs" --no-print-directory -s "${targets[@]}"
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
	# A test that skipped did not test anything: here that is a failure.
	if grep -qE '\*\*\*Skipped|\(Skipped\)' "$log"; then
		echo "run-all.sh: [$dir] tests were skipped" | tee -a "$summary"
		rc=1
	fi
	rm -f "$log"
	return "$rc"
}

# matrix_one - one build of the matrix, in build-matrix/$1: $2 compiler,
# $3 build type, $4 CFLAGS (replacing any cached ones), $@ more cmake args
matrix_one()
{
	local name=$1 cc=$2 type=$3 cflags=$4 t0 log
	shift 4
	t0=$(date +%s)
	log=$root/build-matrix/$name.log
	mkdir -p "$root/build-matrix"
	if build "build-matrix/$name" "$cc" -DCMAKE_BUILD_TYPE="$type" \
	    -DCMAKE_C_FLAGS="$cflags" -DBUILD_TESTING=OFF "$@" >"$log" 2>&1; then
		echo "  $name: ok in $(($(date +%s) - t0))s"
		return 0
	fi
	echo "  $name: FAILED in $(($(date +%s) - t0))s ($log):"
	grep -E 'error|warning' "$log" | sort -u | head -n 40
	return 1
}

# matrix - the builds users and packagers make, configure and build only
# (no tests, BUILD_TESTING=OFF), with -Werror.  Not the cross product
# (build types x compilers x CFLAGS): four builds that show what build/
# (gcc RelWithDebInfo) and the clang sanitizer trees (every target, tests
# included) do not:
#   gcc Release: -O3 and NDEBUG (a variable only an assert() reads)
#   Debian's dpkg-buildflags with None (-O2, fortify 2, -Werror=format-
#     security), as debhelper builds a package
#   VIGIL_HARDEN alone (gcc RelWithDebInfo)
#   clang Release with -D_FORTIFY_SOURCE=3 and VIGIL_HARDEN: clang's
#     NDEBUG build and fortify's object-size checks
# About twenty seconds a build on two idle cores.  Thirteen until
# 2026-12-07 (Release/Debug/None x both compilers, fortify 3 on each):
# none ever failed where these four passed, and they cost the test
# command three minutes of its twenty.
matrix()
{
	local rc=0 deb_cflags deb_ldflags

	matrix_one gcc-Release gcc Release "" || rc=1
	deb_cflags="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
	deb_ldflags=$(dpkg-buildflags --get LDFLAGS)
	matrix_one gcc-None-dpkg gcc None "$deb_cflags" \
	    -DCMAKE_EXE_LINKER_FLAGS="$deb_ldflags" || rc=1
	matrix_one gcc-RelWithDebInfo-harden gcc RelWithDebInfo "" \
	    -DVIGIL_HARDEN=ON || rc=1
	matrix_one clang-Release-harden-fortify3 clang Release \
	    "-D_FORTIFY_SOURCE=3" -DVIGIL_HARDEN=ON || rc=1
	return $rc
}

stage deps "$root/packaging/deps.sh" || exit 1
[ -d "$root/../shared/corpus" ] ||
    echo "run-all.sh: warning: $root/../shared/corpus is missing; tests that read the corpus will fail" >&2

# build/ with prefix /usr: the install test (install_deb) packages it as
# a Debian package, which only a /usr build can be.
if stage gcc-build build build gcc -DCMAKE_INSTALL_PREFIX=/usr; then
	stage gcc-ctest run_ctest build
fi
stage matrix matrix
if stage asan-build build build-asan clang -DVIGIL_SANITIZE=ON; then
	stage asan-ctest run_ctest build-asan -L 'unit|fuzz|milter'
fi
# ThreadSanitizer over the threaded parts: the pool, scans on it, shared
# rules, the DNS layer, autolearn's queue (unit_bayes: its thread
# learns while the test decodes in one thread), and the daemon's
# reload/stop paths.  Tests that decode MIME under several threads are
# left out: GLib's locks are futex based and invisible to TSan, so
# GMime's internals read as races.
# Only what those tests run is built (the daemon, mtclient and five unit
# tests, not the other ninety executables: about half the build's time);
# build-asan/ has compiled every target with clang and -Werror already.
tsan_units='pool scan rules_eval dns bayes'
tsan_milter='reload inplace sigwatch stop signals busy clean pfbg'
if stage tsan-build build build-tsan clang --targets \
    "vigil-milter mtclient $(printf 'test_%s ' $tsan_units)" -DVIGIL_TSAN=ON; then
	stage tsan-ctest run_ctest build-tsan -R \
	    "unit_(${tsan_units// /|})\$|milter_(${tsan_milter// /|})\$"
fi

echo "==== summary"
cat "$summary"
if [ ${#failed[@]} -ne 0 ]; then
	echo "FAILED stages: ${failed[*]}"
	exit 1
fi
echo "all stages passed"
