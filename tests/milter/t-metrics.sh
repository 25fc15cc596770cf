#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The metrics listener, scraped with real curl.  A vigil-milter of its own
# (the one run.sh started has no metrics_listen) serves metrics on a free
# loopback port; a clean message, an EICAR and a spam (autolearn.rules:
# tagged, and autolearned) go through it with mtclient, and every counter
# they touch must move by exactly what they did, the others not at all.
# Then: 404 and 405 for anything but GET /metrics; `vigil stats` prints
# the same figures; a SIGHUP counts a reload; a second daemon on the same
# port stops at start with a clear error (exit 1); a bad metrics_listen
# is a file:line error from -t.
set -u
client=$VG_BUILD/tests/milter/mtclient
milter=$VG_BUILD/milter/vigil-milter
vigil=$VG_BUILD/cli/vigil
here=$(cd "$(dirname "$0")" && pwd)
t=$VG_TMP
mpid=
fail() {
	echo "FAIL t-metrics: $*"
	[ -f "$t/m.log" ] && sed 's|^|m.log: |' "$t/m.log"
	exit 1
}
trap '[ -n "$mpid" ] && kill $mpid 2>/dev/null' EXIT
command -v curl >/dev/null 2>&1 || {
	echo "t-metrics: curl is not installed (apt-get install curl)"
	exit 77
}

port=$(perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
	LocalPort => 0, Listen => 1, ReuseAddr => 1) or die "$!\n";
    print $s->sockport, "\n";') || fail "no free port"
url=http://127.0.0.1:$port/metrics

# mkconf SOCKET - VG_CONF with its own socket, the autolearn rules and
# the metrics listener
mkconf() {
	grep -v -e '^socket' -e '^rules' "$VG_CONF"
	echo "socket = unix:$t/$1.sock"
	echo "rules = $here/autolearn.rules"
	echo "max_queued_scans = 7"
	echo "metrics_listen = 127.0.0.1:$port"
}
mkconf m >"$t/m.conf"
"$milter" -f -c "$t/m.conf" >"$t/m.log" 2>&1 &
mpid=$!
i=0
until [ -S "$t/m.sock" ] && curl -sf -o /dev/null "$url"; do
	i=$((i + 1))
	[ $i -lt 300 ] || fail "vigil-milter did not serve $url"
	kill -0 $mpid 2>/dev/null || fail "vigil-milter exited"
	sleep 0.1
done

# value FILE SERIES - the value of one series (exact name and labels), or
# 0 when it is absent
value() {
	awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }' "$1"
}

curl -sf -D "$t/h0" -o "$t/s0" "$url" || fail "curl $url"
grep -qi '^content-type: text/plain; version=0.0.4' "$t/h0" ||
	fail "content type: $(cat "$t/h0")"

e1='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR'
e2='-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
{
	printf 'From: a@example.com\r\nTo: b@example.org\r\n'
	printf 'Subject: test\r\nMessage-ID: <eicar@example.com>\r\n\r\n'
	printf '%s%s\r\n' "$e1" "$e2"
} >"$t/eicar.eml"
{
	printf 'From: a@example.com\r\nTo: b@example.org\r\n'
	printf 'Subject: a deal autolearn-spam-marker\r\n'
	printf 'Message-ID: <spam@example.com>\r\n\r\n'
	printf 'Buy now.  autolearn body marker\r\n'
} >"$t/spam.eml"

"$client" "$t/m.sock" 10 >"$t/clean.out" 2>&1 ||
	fail "clean: $(cat "$t/clean.out")"
grep -qx 'insheader X-Virus-Status: Clean' "$t/clean.out" ||
	fail "clean: not Clean: $(cat "$t/clean.out")"
"$client" "$t/m.sock" -m "$t/eicar.eml" >"$t/eicar.out" 2>&1 ||
	fail "eicar: $(cat "$t/eicar.out")"
grep -q '^reply 550 5\.7\.1 ' "$t/eicar.out" ||
	fail "eicar: not refused: $(cat "$t/eicar.out")"
"$client" "$t/m.sock" -m "$t/spam.eml" >"$t/spam.out" 2>&1 ||
	fail "spam: $(cat "$t/spam.out")"
grep -q '^insheader X-Spam-Flag: YES' "$t/spam.out" ||
	fail "spam: not tagged: $(cat "$t/spam.out")"
# The spam is autolearned after its reply: wait for the log line.
i=0
until grep -q 'autolearn=spam' "$t/m.log"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "spam was not autolearned"
	sleep 0.1
done
curl -sf -o "$t/s1" "$url" || fail "curl $url (after)"

virus=$(sed -n 's/.*virus=\([^ ]*\) .*action=reject.*/\1/p' "$t/m.log" | head -1)
[ -n "$virus" ] || fail "no virus name in the log"

# delta SERIES WANT - SERIES moved by exactly WANT between s0 and s1
delta() {
	a=$(value "$t/s0" "$1")
	b=$(value "$t/s1" "$1")
	got=$(awk -v a="$a" -v b="$b" 'BEGIN { print b - a }')
	[ "$got" = "$2" ] || fail "$1: moved by $got ($a to $b), want $2"
}
m='vigil_messages_total{direction='
for dir in inbound outbound unknown; do
	for act in accept tag reject tempfail quarantine discard; do
		want=0
		[ $dir = inbound ] && [ $act = accept ] && want=1
		[ $dir = inbound ] && [ $act = reject ] && want=1
		[ $dir = inbound ] && [ $act = tag ] && want=1
		delta "$m\"$dir\",action=\"$act\"}" $want
	done
done
delta 'vigil_message_duration_seconds_count' 3
delta "vigil_viruses_total{name=\"$virus\"}" 1
delta 'vigil_rule_hits_total{rule="AL_HDR"}' 1
delta 'vigil_rule_hits_total{rule="AL_BODY"}' 1
delta 'vigil_stage_duration_seconds_count{stage="virus"}' 3
delta 'vigil_stage_duration_seconds_count{stage="score"}' 3
delta 'vigil_stage_errors_total{stage="virus"}' 0
delta 'vigil_stage_timeouts_total{stage="score"}' 0
delta 'vigil_overload_tempfails_total' 0
delta 'vigil_bayes_autolearn_total{class="spam"}' 1
delta 'vigil_bayes_autolearn_total{class="ham"}' 0
delta 'vigil_reloads_total' 0
# Gauges: the queue's bound (two jobs a message), the classifier silent
# (bayes_min_spam 200) with the one message it learned, DNS up, and
# nothing waiting now.
[ "$(value "$t/s1" vigil_scan_queue_limit)" = 14 ] ||
	fail "vigil_scan_queue_limit: $(value "$t/s1" vigil_scan_queue_limit), want 14"
[ "$(value "$t/s1" vigil_scan_queue_depth)" = 0 ] || fail "queue depth not 0"
[ "$(value "$t/s1" vigil_messages_in_flight)" = 0 ] || fail "in flight not 0"
[ "$(value "$t/s1" vigil_bayes_active)" = 0 ] || fail "bayes not silent"
[ "$(value "$t/s1" 'vigil_bayes_learned{class="spam"}')" -le 1 ] ||
	fail "bayes learned spam: $(value "$t/s1" 'vigil_bayes_learned{class="spam"}')"
[ "$(value "$t/s1" vigil_dns_up)" = 1 ] || fail "vigil_dns_up not 1"
grep -q '^vigil_signature_version 0$' "$t/s1" ||
	fail "vigil_signature_version: the test database has none"
grep -q '^vigil_start_time_seconds [0-9]' "$t/s1" || fail "no start time"
# Every sample line is NAME[{labels}] VALUE, every family has HELP and TYPE.
bad=$(grep -v -e '^# HELP vigil_[a-z_]* .' -e '^# TYPE vigil_[a-z_]* \(counter\|gauge\|histogram\)$' \
    -e '^vigil_[a-z_]*\({[a-z_]*="[^"]*"\(,[a-z_]*="[^"]*"\)*}\)\? -\?[0-9][0-9.e+-]*$' "$t/s1")
[ -z "$bad" ] || fail "lines not in the exposition format: $bad"

# Only GET (and HEAD) /metrics.
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")
[ "$code" = 404 ] || fail "GET /: $code, want 404"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "$url")
[ "$code" = 405 ] || fail "POST /metrics: $code, want 405"

# vigil stats: the same figures, read through metrics_listen.
"$vigil" stats -c "$t/m.conf" >"$t/stats.out" 2>&1 ||
	fail "vigil stats: exit $?: $(cat "$t/stats.out")"
grep -qx 'vigil_messages_total{direction="inbound",action="reject"} 1' \
    "$t/stats.out" || fail "vigil stats: $(cat "$t/stats.out")"
grep -q '^# \|_bucket' "$t/stats.out" && fail "vigil stats printed comments or buckets"
"$vigil" stats --raw -c "$t/m.conf" >"$t/raw.out" 2>&1 ||
	fail "vigil stats --raw: $(cat "$t/raw.out")"
grep -q '^# TYPE vigil_messages_total counter$' "$t/raw.out" ||
	fail "vigil stats --raw: no TYPE line"
grep -v '^metrics_listen' "$t/m.conf" >"$t/off.conf"
"$vigil" stats -c "$t/off.conf" >"$t/off.out" 2>&1
[ $? -eq 1 ] || fail "vigil stats without metrics_listen: want exit 1"
grep -q 'metrics_listen is not set' "$t/off.out" || fail "$(cat "$t/off.out")"

# A reload is counted once it is done.
kill -HUP $mpid
i=0
until curl -sf "$url" | grep -q '^vigil_reloads_total 1$'; do
	i=$((i + 1))
	[ $i -lt 300 ] || fail "vigil_reloads_total did not reach 1"
	sleep 0.1
done

# The port in use: a second daemon says so and stops (exit 1).
mkconf m2 >"$t/m2.conf"
"$milter" -f -c "$t/m2.conf" >"$t/m2.log" 2>&1
st=$?
[ $st -eq 1 ] || fail "second daemon on port $port: exit $st, want 1"
grep -q "metrics_listen 127.0.0.1:$port: cannot listen: Address already in use" \
    "$t/m2.log" || fail "second daemon: $(cat "$t/m2.log")"

# A bad value: file:line from -t.
{
	grep -v '^metrics_listen' "$t/m.conf"
	echo "metrics_listen = localhost:$port"
} >"$t/bad.conf"
line=$(grep -n '^metrics_listen' "$t/bad.conf" | cut -d: -f1)
"$milter" -t -c "$t/bad.conf" >"$t/bad.out" 2>&1
st=$?
[ $st -eq 1 ] || fail "-t with a bad metrics_listen: exit $st, want 1"
grep -q "^$t/bad.conf:$line: metrics_listen: bad address 'localhost:$port'" \
    "$t/bad.out" || fail "-t: $(cat "$t/bad.out")"

# A reload that fails (a bad key) is counted, and the old engine kept.
echo "no_such_key = 1" >>"$t/m.conf"
kill -HUP $mpid
i=0
until curl -sf "$url" | grep -q '^vigil_reload_failures_total 1$'; do
	i=$((i + 1))
	[ $i -lt 300 ] || fail "vigil_reload_failures_total did not reach 1"
	sleep 0.1
done
curl -sf "$url" | grep -q '^vigil_reloads_total 1$' ||
	fail "a failed reload counted as a reload"

kill -TERM $mpid
wait $mpid || fail "vigil-milter exited with $?"
mpid=
# Nobody listening: vigil stats says so, exit 2.
grep -v '^no_such_key' "$t/m.conf" >"$t/m3.conf"
"$vigil" stats -c "$t/m3.conf" >"$t/down.out" 2>&1
st=$?
[ $st -eq 2 ] || fail "vigil stats, daemon stopped: exit $st, want 2"
grep -q "cannot connect to 127.0.0.1:$port" "$t/down.out" ||
	fail "vigil stats, daemon stopped: $(cat "$t/down.out")"
echo "PASS t-metrics"
