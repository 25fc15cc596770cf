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

# A UDP socket that reads nothing: every query to it times out.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(60)
' >"$VG_TMP/hole.port" &
hole=$!
trap 'kill $hole 2>/dev/null' EXIT
i=0
while [ ! -s "$VG_TMP/hole.port" ]; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "no black-hole DNS port"
	sleep 0.1
done
port=$(cat "$VG_TMP/hole.port")
sed -i "s/^dns_servers = .*/dns_servers = 127.0.0.1:$port/" "$VG_CONF"
kill -HUP "$VG_PID"
i=0
while ! grep -q 'reload: done' "$log"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "no reload after SIGHUP"
	sleep 0.1
done

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
