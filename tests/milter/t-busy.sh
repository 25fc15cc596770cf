#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run with scan_workers=1, max_queued_scans=1 (two stage jobs), dns_timeout=5s
# and dns_deadline=5s.  A DNS server that never answers (reloaded in with
# SIGHUP) keeps message A waiting up to 5 s for its SPF answer, but in A's
# own end-of-message thread, not on the one scan worker (stage.h, NETWORK
# WAITS): messages B and C, sent 1 s and 2 s later, find the worker and
# the queue free, are scanned at once and wait for DNS beside A.  So none
# of the three gets 451 4.3.2 "server busy" (C did while DNS waits held
# workers), and all three are accepted, with SPF temperror.  The busy
# reply itself is vg_scan_start()'s VG_ELIMIT (tests/unit/test_scan.c).
set -u
client=$VG_BUILD/tests/milter/mtclient
log=$VG_TMP/milter.log
fail() {
	echo "FAIL t-busy: $*"
	exit 1
}

. "$(dirname "$0")/blackhole.sh"

"$client" "$VG_SOCKET" 10 >"$VG_TMP/a.out" 2>&1 &
a=$!
sleep 1
"$client" "$VG_SOCKET" 10 >"$VG_TMP/b.out" 2>&1 &
b=$!
sleep 1
"$client" "$VG_SOCKET" 10 >"$VG_TMP/c.out" 2>&1 ||
	fail "C: exit $? ($(cat "$VG_TMP/c.out"))"
wait $a || fail "A: exit $? ($(cat "$VG_TMP/a.out"))"
wait $b || fail "B: exit $? ($(cat "$VG_TMP/b.out"))"
for m in a b c; do
	grep -qx 'insheader X-Virus-Status: Clean' "$VG_TMP/$m.out" ||
		fail "$m: got '$(cat "$VG_TMP/$m.out")', want X-Virus-Status: Clean"
	grep -q '^insheader Received-SPF: temperror' "$VG_TMP/$m.out" ||
		fail "$m: got '$(cat "$VG_TMP/$m.out")', want Received-SPF: temperror"
done
! grep -q 'scan queue full' "$log" || fail "a message was refused: queue full"
echo "PASS t-busy"
