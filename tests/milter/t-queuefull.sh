#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run with scan_workers=1 and max_queued_scans=1.  Message A is the padded
# zip of tests/tools/make-evasion.py (100 MiB of NUL bytes that ClamAV
# unpacks: about a second of CPU on the one scan worker).  While A is being
# scanned, small messages are sent one after another until one is refused:
# it must be refused with 451 4.3.2 "server busy" (the pool's queue is
# full: a message's stage jobs do not fit), logged as "scan queue full",
# and A must still get its own verdict (550 5.7.1: could not be scanned).
# Afterwards a small message is scanned and accepted again.  The loop ends
# when A does, so a slow machine sends more messages, never fewer; a
# machine that scans A before one more message arrives fails the test.
# A itself may race a small message of an earlier try for the worker and
# be refused: then it is sent again (five tries).
set -u
client=$VG_BUILD/tests/milter/mtclient
log=$VG_TMP/milter.log
src=$(cd "$(dirname "$0")/../.." && pwd)
fail() {
	echo "FAIL t-queuefull: $*"
	exit 1
}

/usr/bin/python3 "$src/tests/tools/make-evasion.py" "$VG_TMP/ev" >/dev/null ||
	fail "make-evasion.py failed"
# try - send A, then small messages while A runs; sets busy and i.  A
# itself may find the worker busy with a small message of the previous
# try: then it is tried again.
try() {
	"$client" "$VG_SOCKET" -m "$VG_TMP/ev/padded.eml" >"$VG_TMP/a.out" 2>&1 &
	a=$!
	# Let A's 140 KB reach end of message first.
	sleep 0.3
	busy=0
	i=0
	while kill -0 "$a" 2>/dev/null && [ "$i" -lt 500 ]; do
		"$client" "$VG_SOCKET" 10 >"$VG_TMP/b.out" 2>&1
		if grep -q '^reply 451 4\.3\.2 ' "$VG_TMP/b.out"; then
			busy=1
			break
		fi
		i=$((i + 1))
	done
	wait "$a" || fail "A: exit $? ($(cat "$VG_TMP/a.out"))"
}
for t in 1 2 3 4 5; do
	try
	grep -q '^reply 451 4\.3\.2 ' "$VG_TMP/a.out" || break
	sleep 1
done
grep -q '^reply 550 5\.7\.1 ' "$VG_TMP/a.out" ||
	fail "A: got '$(cat "$VG_TMP/a.out")', want 550 5.7.1 (unscanned)"
[ "$busy" = 1 ] ||
	fail "no message refused as busy while A held the one worker ($i sent)"
grep -q 'server busy' "$VG_TMP/b.out" ||
	fail "busy reply: got '$(cat "$VG_TMP/b.out")'"
grep -q 'scan queue full' "$log" || fail "no 'scan queue full' log line"
"$client" "$VG_SOCKET" 10 >"$VG_TMP/c.out" 2>&1 ||
	fail "C: exit $? ($(cat "$VG_TMP/c.out"))"
grep -qx 'insheader X-Virus-Status: Clean' "$VG_TMP/c.out" ||
	fail "C: got '$(cat "$VG_TMP/c.out")', want X-Virus-Status: Clean"
echo "PASS t-queuefull ($i message(s) accepted before the refusal)"
