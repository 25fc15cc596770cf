#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run with dns_timeout=2s and dns_deadline=3s.  A DNS server that never
# answers (reloaded in with SIGHUP): six messages, one after another, each
# with one SPF lookup.  The first three wait for their lookup to time out
# (about 2 s each); that is VG_DNS_DOWN_AFTER time-outs in a row, so the
# resolver is marked down with one log line, and messages 4 to 6 must
# finish at once (each < 1.5 s), not hold a scan worker for DNS.  All six
# are accepted with SPF_TEMPERROR: a dead DNS server never rejects.
set -u
client=$VG_BUILD/tests/milter/mtclient
log=$VG_TMP/milter.log
fail() {
	echo "FAIL t-dnsdown: $*"
	exit 1
}

. "$(dirname "$0")/blackhole.sh"

# ms - CLOCK_REALTIME in milliseconds (GNU date)
ms() {
	echo $(($(date +%s%N) / 1000000))
}

i=1
while [ $i -le 6 ]; do
	t0=$(ms)
	out=$("$client" "$VG_SOCKET" 10) || fail "message $i: exit $? ($out)"
	took=$(($(ms) - t0))
	echo "message $i: $took ms"
	echo "$out" | grep -qx 'insheader X-Virus-Status: Clean' ||
		fail "message $i: got '$out', want X-Virus-Status: Clean"
	echo "$out" | grep -q 'spf=temperror smtp.mailfrom=example.com' ||
		fail "message $i: got '$out', want spf=temperror"
	echo "$out" | grep -q '^reply ' &&
		fail "message $i: got '$out', want it accepted"
	if [ $i -eq 1 ] && [ $took -lt 1500 ]; then
		fail "message 1 took $took ms, want the 2 s DNS time-out"
	fi
	if [ $i -ge 4 ] && [ $took -ge 1500 ]; then
		fail "message $i took $took ms, want < 1500 (resolver down)"
	fi
	i=$((i + 1))
done
n=$(grep -c 'SPF_TEMPERROR for example.com' "$log")
[ "$n" -eq 6 ] || fail "got $n SPF_TEMPERROR log lines, want 6"
n=$(grep -c 'dns: no DNS server answered' "$log")
[ "$n" -eq 1 ] || fail "got $n 'dns: no DNS server answered' lines, want 1"
grep -q 'dns: a DNS server answers again' "$log" &&
	fail "the resolver came back, but the DNS server never answered"
echo "PASS t-dnsdown"
