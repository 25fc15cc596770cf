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

. "$(dirname "$0")/blackhole.sh"

t0=$(date +%s)
out=$("$client" "$VG_SOCKET" 10)
t1=$(date +%s)
echo "$out" | grep -qx 'reply 451 4.3.0 Temporary failure scanning message, try again later' ||
	fail "got '$out', want 451 4.3.0"
[ $((t1 - t0)) -le 4 ] || fail "took $((t1 - t0)) s, want about 1 s (scan_timeout)"
grep -q 'scan failed: timed out' "$log" || fail "no log line for the time-out"
echo "PASS t-timeout"
