#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run with scan_timeout=1s, dns_timeout=5s, dns_deadline=5s and
# on_error=tempfail.  A DNS server that never answers (reloaded in with
# SIGHUP) keeps the score stage on its SPF lookup for 5 s, so the scan
# passes scan_timeout: the message must end in on_error (451 4.3.0) after
# about one second, with a log line, not wait for DNS and not be accepted.
set -u
client=$VG_BUILD/tests/milter/mtclient
log=$VG_TMP/milter.log
fail() {
	echo "FAIL t-timeout: $*"
	exit 1
}

# A UDP socket that reads nothing: every query to it times out.
python3 -c '
import socket, time
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
grep -q "^dns_servers = 127.0.0.1:$port" "$VG_CONF" ||
	echo "dns_servers = 127.0.0.1:$port" >>"$VG_CONF"
kill -HUP "$VG_PID"
i=0
while ! grep -q 'reload: done' "$log"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "no reload after SIGHUP"
	sleep 0.1
done

t0=$(date +%s)
out=$("$client" "$VG_SOCKET" 10)
t1=$(date +%s)
echo "$out" | grep -qx 'reply 451 4.3.0 temporary failure scanning message' ||
	fail "got '$out', want 451 4.3.0"
[ $((t1 - t0)) -le 4 ] || fail "took $((t1 - t0)) s, want about 1 s (scan_timeout)"
grep -q 'scan failed: timed out' "$log" || fail "no log line for the time-out"
echo "PASS t-timeout"
