#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh - build the libFuzzer targets and run each for MINUTES.
#
# Usage:  tests/fuzz/run.sh [MINUTES] [TARGET...]
#
# MINUTES defaults to 10.  TARGET is a name from tests/fuzz/fuzz_<name>.c
# (msg, mime, pipeline, ...); without any, every target runs, one after
# another, never two at once, each under nice -n 19.
#
# The fuzzers are built with clang and -DVIGIL_FUZZ=ON (libFuzzer, ASan,
# UBSan over the whole library) in a build directory of their own,
# $VIGIL_FUZZ_BUILD (default: build-fuzz in the source tree).  Each run
# writes under $VIGIL_FUZZ_OUT (default: a new /tmp/vigil-fuzz.XXXXXX):
#
#   corpus/<target>/   the working corpus: starts as a copy of the seeds in
#                      tests/fuzz/corpus/<target>/, grows with what the run
#                      finds (the seeds in the tree are never written)
#   crashes/<target>/  crash-*, leak-*, timeout-*, oom-* inputs
#   logs/<target>.N.log  libFuzzer's output, one file per (re)start
#   summary.txt        one line per target: the table printed at the end
#
# The message targets (msg, mime, pipeline) also read the messages of
# ../shared/corpus (beside the source tree) that fit in their -max_len;
# they are read, never copied into the tree.  A crash does not end a
# target's time: the script records it and restarts the fuzzer on the
# working corpus until the minutes are spent (at most VIGIL_FUZZ_RESTARTS
# restarts, default 5).  Exec counts sum over the restarts; cov and ft are
# those of the last restart's final line (its coverage includes what the
# earlier ones found, since it loads their corpus).
#
# To turn a crash into a regression seed:
#   build-fuzz/tests/fuzz/fuzz_<t> -minimize_crash=1 -runs=10000 CRASH
#   cp the minimised file to tests/fuzz/corpus/<t>/crash-<what-it-is>
# then fix the bug with a unit test that fails before the fix; ctest
# replays the seed in every build (fuzz_replay_<t>).
#
# Environment: VIGIL_FUZZ_BUILD, VIGIL_FUZZ_OUT, VIGIL_FUZZ_RESTARTS,
# VIGIL_FUZZ_JOBS (make -j, default 2), VIGIL_FUZZ_ARGS (extra libFuzzer
# flags).  Exit status: 0 when no target crashed, 1 when one did, 2 on a
# usage or build error.
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
minutes=${1:-10}
[ $# -gt 0 ] && shift
case $minutes in
'' | *[!0-9]*)
	echo "usage: $0 [MINUTES] [TARGET...]" >&2
	exit 2
	;;
esac
build=${VIGIL_FUZZ_BUILD:-$src/build-fuzz}
out=${VIGIL_FUZZ_OUT:-$(mktemp -d /tmp/vigil-fuzz.XXXXXX)}
restarts=${VIGIL_FUZZ_RESTARTS:-5}
jobs=${VIGIL_FUZZ_JOBS:-2}
shared=$src/../shared/corpus

if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046,SC2012 # target names are plain words
	set -- $(cd "$src/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
fi
for t in "$@"; do
	if [ ! -f "$src/tests/fuzz/fuzz_$t.c" ]; then
		echo "$0: no target $t (tests/fuzz/fuzz_$t.c)" >&2
		exit 2
	fi
done

echo "== building in $build (clang, VIGIL_FUZZ=ON)"
mkdir -p "$build" "$out/logs" || exit 2
if ! cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DVIGIL_FUZZ=ON \
    >"$out/logs/cmake.log" 2>&1; then
	cat "$out/logs/cmake.log" >&2
	exit 2
fi
targets=
for t in "$@"; do targets="$targets fuzz_$t"; done
# shellcheck disable=SC2086 # one word per target
if ! nice -n 19 make -C "$build" -j"$jobs" $targets >"$out/logs/make.log" 2>&1
then
	tail -40 "$out/logs/make.log" >&2
	exit 2
fi

# Sanitizer reports are crashes; the seeds' options match ctest's.
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ASAN_OPTIONS=abort_on_error=0:detect_leaks=1
export UBSAN_OPTIONS ASAN_OPTIONS

# max_len - the longest input a target is given
max_len() {
	case $1 in
	msg | mime | pipeline) echo 65536 ;;
	*) echo 8192 ;;
	esac
}

# shared_dir - a directory of links to the shared corpus messages that fit
shared_dir() {
	t=$1 lim=$2 d=$out/shared/$1
	case $t in
	msg | mime | pipeline) ;;
	*) return ;;
	esac
	[ -d "$shared" ] || return
	mkdir -p "$d"
	find "$shared" -type f ! -name '*.md' -size -"$((lim / 1024))"k |
	    while read -r f; do
		ln -sf "$f" "$d/$(echo "$f" | sed "s|^$shared/||; s|/|_|g")"
	done
	echo "$d"
}

printf '%-14s %8s %12s %8s %7s %8s %8s\n' target minutes execs exec/s cov \
    ft crashes | tee "$out/summary.txt"
status=0
for t in "$@"; do
	bin=$build/tests/fuzz/fuzz_$t
	corpus=$out/corpus/$t
	crashes=$out/crashes/$t
	lim=$(max_len "$t")
	mkdir -p "$corpus" "$crashes"
	[ -d "$src/tests/fuzz/corpus/$t" ] &&
	    cp -p "$src/tests/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null
	extra=$(shared_dir "$t" "$lim")
	budget=$((minutes * 60))
	start=$(date +%s)
	execs=0 cov=- ft=- n=0
	while :; do
		left=$((budget - ($(date +%s) - start)))
		[ "$left" -gt 0 ] || break
		log=$out/logs/$t.$n.log
		echo "== fuzz_$t: ${left}s left (log $log)"
		# shellcheck disable=SC2086
		nice -n 19 "$bin" -max_total_time="$left" -max_len="$lim" \
		    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		    -artifact_prefix="$crashes/" ${VIGIL_FUZZ_ARGS:-} \
		    "$corpus" $extra >"$log" 2>&1
		rc=$?
		e=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		# A crashed run prints no final stats: take its last status line.
		[ -n "$e" ] || e=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
		execs=$((execs + ${e:-0}))
		last=$(grep ' cov: ' "$log" | tail -1)
		if [ -n "$last" ]; then
			cov=$(echo "$last" | sed 's/.* cov: \([0-9]*\).*/\1/')
			ft=$(echo "$last" | sed 's/.* ft: \([0-9]*\).*/\1/')
		fi
		n=$((n + 1))
		[ "$rc" -eq 0 ] && break
		echo "== fuzz_$t exited $rc: see $log"
		grep -m3 -E 'ERROR: |runtime error|SUMMARY' "$log"
		[ "$n" -le "$restarts" ] || break
	done
	wall=$(($(date +%s) - start))
	ncrash=$(find "$crashes" -type f | wc -l)
	[ "$ncrash" -eq 0 ] || status=1
	rate=$((wall > 0 ? execs / wall : 0))
	printf '%-14s %8s %12s %8s %7s %8s %8s\n' "$t" \
	    "$(awk "BEGIN{printf \"%.1f\", $wall/60}")" "$execs" "$rate" \
	    "$cov" "$ft" "$ncrash" | tee -a "$out/summary.txt"
done
echo "== output in $out; crashes under $out/crashes/"
[ "$status" -eq 0 ] || find "$out/crashes" -type f
exit "$status"
