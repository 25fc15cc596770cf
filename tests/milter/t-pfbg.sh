#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The prefilter compiled in the background (milter/current.h).  Run with an
# empty prefilter_cache and a rule set whose prefilter takes seconds to
# compile (tests/milter/CMakeLists.txt writes pfbg.rules):
#  1. the daemon serves at once: messages sent while the prefilter
#     compiles are all answered, with the rule that hits them scored
#     (PCRE2 alone gives the same verdict), none tempfailed or lost;
#  2. then the log says the prefilter is in use, with the time taken, the
#     cache holds its databases, and messages still get the same verdict;
#     the swap is not counted as a reload;
#  3. a SIGHUP with one rule changed: the reload serves at once, compiles
#     the one database that is new, and swaps it in;
#  4. a SIGHUP with every pattern changed, then SIGTERM while it compiles:
#     the daemon stops within seconds (after one database), exit 0.
set -u
client=$VG_BUILD/tests/milter/mtclient
log=$VG_TMP/milter.log
pid=$VG_PID
cache=$VG_TMP/pfc
fail() {
	echo "FAIL t-pfbg: $*"
	[ -f "$VG_TMP/load.err" ] && cat "$VG_TMP/load.err"
	exit 1
}
count() {
	grep -cF -- "$1" "$log"
}
wait_log() {
	i=0
	while [ "$(count "$1")" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -le 3000 ] || fail "log \"$1\": got $(count "$1"), want $2"
		sleep 0.1
	done
}

msg=$VG_TMP/probe.eml
printf 'From: a@example.com\nTo: b@example.org\nSubject: pfbg\nMessage-ID: <p@example.com>\n\nthe pfbg probe body\n' >"$msg"

# probe - one message: it must complete (eom c) with PFBG_HIT scored
probe() {
	out=$("$client" "$VG_SOCKET" -m "$msg" 2>&1) ||
		fail "probe: mtclient: $out"
	printf '%s\n' "$out" | grep -q '^eom c' ||
		fail "probe: got '$out', want eom c"
	case $(printf '%s\n' "$out" | tr '\n' ' ') in
	*PFBG_HIT*) ;;
	*) fail "probe: PFBG_HIT not scored: $out" ;;
	esac
}

# load - messages one after another until $VG_TMP/load.stop; each must be
# answered with PFBG_HIT; failures go to load.err, the count to load.count
load() {
	: >"$VG_TMP/load.err"
	rm -f "$VG_TMP/load.stop"
	(
		n=0
		while [ ! -f "$VG_TMP/load.stop" ]; do
			if ! out=$("$client" "$VG_SOCKET" -m "$msg" 2>&1); then
				echo "message $n: mtclient: $out" >>"$VG_TMP/load.err"
			elif ! printf '%s\n' "$out" | grep -q '^eom c'; then
				echo "message $n: $out" >>"$VG_TMP/load.err"
			elif ! printf '%s\n' "$out" | tr '\n' ' ' |
			    grep -q PFBG_HIT; then
				echo "message $n: no PFBG_HIT: $out" \
				    >>"$VG_TMP/load.err"
			fi
			n=$((n + 1))
			echo "$n" >"$VG_TMP/load.count"
			# Leave the compile (nice 10) some CPU on a busy machine.
			sleep 0.05
		done
	) &
	loader=$!
}
load_stop() {
	touch "$VG_TMP/load.stop"
	wait "$loader"
	[ -s "$VG_TMP/load.err" ] && fail "messages failed: $1"
	cat "$VG_TMP/load.count"
}

# 1. Serving while the first compile runs.
wait_log "prefilter: compiling" 1
[ "$(count "prefilter: in use")" -eq 0 ] ||
	fail "the compile was over before the first message (too fast?)"
probe
during=1
load
while [ "$(count "prefilter: in use")" -eq 0 ]; do
	during=$((during + 1))
	probe
	sleep 0.1
	[ $during -le 3000 ] || fail "no 'prefilter: in use' after $during"
done
n=$(load_stop "during the first compile")
echo "t-pfbg: $during probes and $n messages answered during the compile"
[ "$during" -ge 2 ] || fail "only $during probe during the compile"
grep -qE "prefilter: [0-9]+ of its databases are not in the prefilter cache" \
    "$log" || fail "no line saying what the cache lacks"
grep -E "prefilter: in use after [0-9.]+ s \([0-9.]+ s of CPU\): [0-9]+ databases, 0 of them from the prefilter cache" \
    "$log" >/dev/null || fail "the 'in use' line lacks the time or counts"

# 2. In use: the cache holds the databases, same verdict, not a reload.
ndb=$(ls "$cache" | grep -c '\.hsdb$')
[ "$ndb" -ge 16 ] || fail "$ndb databases in $cache, want >= 16"
probe
[ "$(count "reload: done")" -eq 0 ] || fail "the swap was logged as a reload"

# 3. One rule changed: the reload serves at once, one database compiled.
sed 's|/w0x|/v0x|' "$VG_BUILD/tests/milter/pfbg.rules" >"$VG_TMP/r2.rules"
sed -i "s|^rules = .*|rules = $VG_TMP/r2.rules|" "$VG_CONF"
load
kill -HUP "$pid"
wait_log "reload: done (SIGHUP)" 1
wait_log "prefilter: compiling 1 databases" 1
wait_log "prefilter: in use" 2
grep -qE "prefilter: in use after .*: [0-9]+ databases, [0-9]+ of them from" \
    "$log" || fail "no second 'in use' line"
n=$(load_stop "around the reload")
echo "t-pfbg: $n messages answered around the SIGHUP reload"
probe

# 4. Every pattern new: SIGTERM during the compile stops within seconds.
sed 's| +q| +r|' "$VG_BUILD/tests/milter/pfbg.rules" >"$VG_TMP/r3.rules"
sed -i "s|^rules = .*|rules = $VG_TMP/r3.rules|" "$VG_CONF"
kill -HUP "$pid"
wait_log "reload: done (SIGHUP)" 2
wait_log "prefilter: compiling" 3
probe
t0=$(date +%s)
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 150 ] || fail "still running 15 s after SIGTERM"
	sleep 0.1
done
t1=$(date +%s)
echo "t-pfbg: stopped $((t1 - t0)) s after SIGTERM during a compile"
[ "$(count "prefilter: in use")" -eq 2 ] ||
	fail "an unfinished compile was swapped in"
exit 0
