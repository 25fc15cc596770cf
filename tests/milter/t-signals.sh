#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Every SIGHUP, SIGTERM and SIGINT is taken by one thread of ours, never
# by libmilter's signal thread (which stops the milter on any of them).
#
# 1. Structure (Linux /proc): at no moment may two threads take one of
#    the three signals.  A thread takes a signal when it is clear in the
#    thread's SigBlk, which holds while the thread sigwait()s for it.
#    Two takers means the kernel may hand a SIGHUP to the wrong one.
# 2. Behaviour: 500 rounds of a burst of three SIGHUPs, and every tenth
#    round a SIGHUP sent while the process is stopped (kill -STOP), so it
#    is pending when every thread wakes at kill -CONT and the threads
#    race for it.  The daemon must stay up, never log "libmilter
#    stopped", and answer a message every 50 rounds; then one more SIGHUP
#    must still reload.
# 3. The stop: SIGHUP and SIGTERM both pending (sent while stopped): the
#    reload is requested, SIGTERM drains and stops, and run.sh checks the
#    exit status 0.
set -u
client=$VG_BUILD/tests/milter/mtclient
log=$VG_TMP/milter.log
pid=$VG_PID
fail() {
	echo "FAIL t-signals: $*"
	exit 1
}

# count - how many times the fixed string $1 occurs in the log
count() {
	grep -cF -- "$1" "$log"
}

# alive - the daemon runs, and libmilter has not stopped on a signal
alive() {
	if grep -qF "libmilter stopped" "$log"; then
		fail "$1: libmilter stopped (a signal reached its thread)"
	fi
	kill -0 "$pid" 2>/dev/null || fail "$1: vigil-milter exited"
}

# message - one message through the milter, accepted and scanned Clean
message() {
	if ! out=$("$client" "$VG_SOCKET" 10); then
		sleep 1 # for the log line that says why
		alive "$1"
		fail "$1: mtclient exit 1 ($out)"
	fi
	echo "$out" | grep -qx 'insheader X-Virus-Status: Clean' ||
		fail "$1: got '$out', want X-Virus-Status: Clean"
}

# wait_log - wait up to 30 s for the string $1 to occur $2 times
wait_log() {
	i=0
	while [ "$(count "$1")" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -le 300 ] || fail "log \"$1\": got $(count "$1"), want $2"
		sleep 0.1
	done
}

# 1. Takers of SIGHUP (bit 0), SIGINT (bit 1) and SIGTERM (bit 14).
if [ -d "/proc/$pid/task" ]; then
	n=0
	while [ $n -lt 20 ]; do
		n=$((n + 1))
		hup=0 int=0 term=0
		for status in /proc/"$pid"/task/*/status; do
			blk=$(sed -n 's/^SigBlk:[[:space:]]*//p' "$status" \
			    2>/dev/null)
			[ -n "$blk" ] || continue # the thread has exited
			# The low 16 bits: the shell's arithmetic is signed.
			low=$((0x${blk#????????????}))
			[ $((low & 0x1)) -eq 0 ] && hup=$((hup + 1))
			[ $((low & 0x2)) -eq 0 ] && int=$((int + 1))
			[ $((low & 0x4000)) -eq 0 ] && term=$((term + 1))
		done
		[ $hup -le 1 ] && [ $int -le 1 ] && [ $term -le 1 ] ||
			fail "sample $n: threads taking SIGHUP $hup, SIGINT" \
			    "$int, SIGTERM $term; want at most 1 each"
		sleep 0.05
	done
	echo "t-signals: 20 samples, at most one thread takes each signal"
fi

# 2. Bursts, and SIGHUPs pending across a stop.
message "before the signals"
round=0
while [ $round -lt 500 ]; do
	round=$((round + 1))
	kill -HUP "$pid"
	kill -HUP "$pid"
	kill -HUP "$pid"
	if [ $((round % 10)) -eq 0 ]; then
		kill -STOP "$pid"
		sleep 0.01
		kill -HUP "$pid"
		kill -CONT "$pid"
	fi
	alive "round $round"
	[ $((round % 50)) -ne 0 ] || message "round $round"
done
echo "t-signals: 500 rounds, $(count 'SIGHUP: reload requested') SIGHUPs" \
    "taken, $(count 'reload: done (SIGHUP)') reloads"

# The reload thread settles; one more SIGHUP is one more reload.
sleep 1
done=$(count 'reload: done (SIGHUP)')
kill -HUP "$pid"
wait_log 'reload: done (SIGHUP)' $((done + 1))
alive "after the last SIGHUP"
message "after the last SIGHUP"

# 3. SIGHUP and SIGTERM pending together.
hups=$(count 'SIGHUP: reload requested')
kill -STOP "$pid"
sleep 0.01
kill -HUP "$pid"
kill -TERM "$pid"
kill -CONT "$pid"
i=0
while kill -0 "$pid" 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 300 ] || fail "no stop within 30 s of SIGTERM"
	sleep 0.1
done
grep -qF "libmilter stopped" "$log" && fail "the stop: libmilter stopped"
[ "$(count 'SIGHUP: reload requested')" -gt "$hups" ] ||
	fail "the SIGHUP pending with SIGTERM was not taken"
[ "$(count 'SIGTERM: stopping')" -eq 1 ] || fail "no 'SIGTERM: stopping'"
grep -qx 'vigil-milter\[[0-9]*\]: info: stopped' "$log" ||
	fail "no 'stopped' line"
echo "PASS t-signals"
