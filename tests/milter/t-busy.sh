#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run with scan_workers=1, max_queued_scans=1 (two stage jobs), dns_timeout=5s and
# dns_deadline=5s.  A DNS server that never answers (reloaded in with
# SIGHUP) keeps the one worker on message A's SPF lookup for 5 s;
# message B's two stage jobs then fill the queue, and message C gets
# 451 4.3.2 "server busy, try again later" at once.  A and B are scanned
# when the worker is free again.
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
out=$("$client" "$VG_SOCKET" 10)
echo "$out" | grep -qx 'reply 451 4.3.2 server busy, try again later' ||
	fail "C: got '$out', want 451 4.3.2 server busy, try again later"
wait $a || fail "A: exit $? ($(cat "$VG_TMP/a.out"))"
wait $b || fail "B: exit $? ($(cat "$VG_TMP/b.out"))"
for m in a b; do
	grep -qx 'insheader X-Virus-Status: Clean' "$VG_TMP/$m.out" ||
		fail "$m: got '$(cat "$VG_TMP/$m.out")', want X-Virus-Status: Clean"
done
grep -q 'note="scan queue full"' "$log" || fail "no log line for C"
echo "PASS t-busy"
