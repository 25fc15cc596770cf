#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The metrics of things going wrong, each shown by real parts and scraped
# with curl; the milter run.sh started is not used.
#   clamd:   one real clamd (Debian clamav-daemon) and one that is not
#            there: the missing one is vigil_clamd_server_up 0 after the
#            scan that tried it, the real one 1; clamd killed: the next
#            message fails the virus stage (vigil_stage_errors_total).
#   Redis:   rate limits in a real redis-server: vigil_redis_up 1; Redis
#            killed: mail still passes, vigil_redis_up 0, failures and
#            fallbacks counted; Redis back: vigil_redis_up 1 again.
#   DNS:     a server that never answers: the circuit breaker opens once
#            (vigil_dns_up 0, vigil_dns_down_total 1).
#   timeout: scan_timeout 1 s against that server: the score stage is
#            counted as timed out, the message as unknown/tempfail.
#   abuse:   a rate limit of one connection: the second is refused at
#            CONNECT (vigil_smtp_refusals_total).
# Skips without clamd or redis-server.
set -u
client=$VG_BUILD/tests/milter/mtclient
milter=$VG_BUILD/milter/vigil-milter
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
t=$VG_TMP
. "$src/tests/tools/skip.sh"
fail() {
	echo "FAIL t-metricsfail: $*"
	for f in "$t"/*.log; do
		[ -f "$f" ] && sed "s|^|$(basename "$f"): |" "$f"
	done
	exit 1
}
command -v curl >/dev/null 2>&1 ||
	vg_skip "curl is not installed (apt-get install curl)"
clamd=$(command -v clamd || echo /usr/sbin/clamd)
[ -x "$clamd" ] ||
	vg_skip "clamd is not installed (apt-get install clamav-daemon)"
. "$here/redislib.sh"
cpid=
hole=
trap 'kill $vg_pids $rpid $cpid $hole 2>/dev/null' EXIT

free_port() {
	perl -MIO::Socket::INET -e '
	    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
		LocalPort => 0, Listen => 1, ReuseAddr => 1) or die "$!\n";
	    print $s->sockport, "\n";'
}

# start NAME LINES - a milter on $t/NAME.sock from VG_CONF plus LINES
# (one per line) and a metrics listener; its URL in $t/NAME.url
start() {
	p=$(free_port) || fail "no free port"
	{
		grep -v -e '^socket' -e '^scan_timeout' -e '^dns_servers' \
		    "$VG_CONF"
		echo "socket = unix:$t/$1.sock"
		echo "metrics_listen = 127.0.0.1:$p"
		printf '%s\n' "$2"
	} >"$t/$1.conf"
	echo "http://127.0.0.1:$p/metrics" >"$t/$1.url"
	vg_milter "$1"
}

# get NAME SERIES - one series' value now (0 when absent)
get() {
	curl -sf "$(cat "$t/$1.url")" >"$t/$1.scrape" ||
		fail "cannot scrape $1"
	awk -v s="$2" '$1 == s { print $2; f = 1 } END { if (!f) print 0 }' \
	    "$t/$1.scrape"
}

# want NAME SERIES VALUE - the series has exactly that value
want() {
	v=$(get "$1" "$2")
	[ "$v" = "$3" ] || fail "$1: $2 is $v, want $3"
}

# send NAME TAG [ARGS] - one message through milter NAME; output in TAG.out
send() {
	n=$1
	tag=$2
	shift 2
	"$client" "$t/$n.sock" "${@:-10}" >"$t/$tag.out" 2>&1 ||
		fail "$tag: exit $? ($(cat "$t/$tag.out"))"
}

# A DNS server that never answers, for the DNS and time-out milters.
python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(120)
' >"$t/hole.port" &
hole=$!

# --- clamd: one real server, one missing.
mkdir -p "$t/cdb"
"$src/tests/tools/make-sigdb.sh" "$t/cdb" >/dev/null || fail "make-sigdb.sh"
cat >"$t/clamd.conf" <<EOF
LocalSocket $t/clamd.sock
DatabaseDirectory $t/cdb
Foreground yes
LogFile $t/clamd.log
EOF
"$clamd" --foreground --config-file="$t/clamd.conf" >"$t/clamd.out" 2>&1 &
cpid=$!
vg_wait_socket "$t/clamd.sock" clamd
start mc "virus_backend = clamd
clamd_servers = unix:$t/clamd.sock, unix:$t/missing.sock
clamd_timeout = 5s
dns_servers = 127.0.0.1:1"
# Round robin: the first scan starts at clamd, the second at the missing
# server, which fails once, then clamd answers it.
send mc c1
send mc c2
for f in c1 c2; do
	grep -qx 'insheader X-Virus-Status: Clean' "$t/$f.out" ||
		fail "$f: not Clean: $(cat "$t/$f.out")"
done
want mc "vigil_clamd_server_up{server=\"unix:$t/clamd.sock\"}" 1
want mc "vigil_clamd_server_up{server=\"unix:$t/missing.sock\"}" 0
want mc vigil_clamd_failures_total 1
want mc 'vigil_stage_errors_total{stage="virus"}' 0
kill "$cpid"
wait "$cpid" 2>/dev/null
cpid=
sleep 1.2 # past the missing server's back-off: both are tried
send mc c3
grep -q '^reply 451 ' "$t/c3.out" || fail "c3: want 451, got $(cat "$t/c3.out")"
want mc "vigil_clamd_server_up{server=\"unix:$t/clamd.sock\"}" 0
want mc vigil_clamd_failures_total 3
want mc 'vigil_stage_errors_total{stage="virus"}' 1
want mc 'vigil_messages_total{direction="inbound",action="tempfail"}' 1
want mc 'vigil_messages_total{direction="inbound",action="accept"}' 2

# --- Redis: the rate limits' store.
redis_start
start mr "virus_scan = no
dns_servers = 127.0.0.1:1
ratelimit_store = redis
redis = $t/redis.sock
redis_timeout = 300ms
ratelimit_external_connections = 1000
ratelimit_external_messages = 1000"
send mr r1
want mr vigil_redis_up 1
want mr vigil_redis_failures_total 0
want mr vigil_redis_fallbacks_total 0
redis_kill
send mr r2
grep -q '^insheader X-Spam-Status: ' "$t/r2.out" ||
	fail "r2: no verdict with Redis down: $(cat "$t/r2.out")"
grep -q '^reply 4' "$t/r2.out" && fail "r2: tempfailed with Redis down"
want mr vigil_redis_up 0
[ "$(get mr vigil_redis_failures_total)" -ge 1 ] ||
	fail "Redis down: no failure counted"
[ "$(get mr vigil_redis_fallbacks_total)" -ge 1 ] ||
	fail "Redis down: no fallback counted"
want mr 'vigil_messages_total{direction="inbound",action="accept"}' 2
redis_start
sleep 1.2 # past the store's back-off
send mr r3
want mr vigil_redis_up 1

# --- DNS: the circuit breaker, against the server that never answers.
i=0
while [ ! -s "$t/hole.port" ]; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "no black-hole DNS port"
	sleep 0.1
done
hport=$(cat "$t/hole.port")
start md "virus_scan = no
dns_servers = 127.0.0.1:$hport
dns_timeout = 300ms
dns_deadline = 1s"
want md vigil_dns_up 1
i=0
while [ "$(get md vigil_dns_up)" != 0 ]; do
	i=$((i + 1))
	[ $i -le 6 ] || fail "the DNS circuit breaker never opened"
	send md "d$i"
done
want md vigil_dns_down_total 1

# --- A scan past scan_timeout: the score stage waits 5 s for DNS.
start mt "virus_scan = no
dns_servers = 127.0.0.1:$hport
scan_timeout = 1s
dns_timeout = 5s
dns_deadline = 5s"
send mt s1
grep -q '^reply 451 4.3.0' "$t/s1.out" ||
	fail "s1: want 451 4.3.0, got $(cat "$t/s1.out")"
want mt 'vigil_stage_timeouts_total{stage="score"}' 1
want mt 'vigil_messages_total{direction="unknown",action="tempfail"}' 1
# --- A rate limit refuses the second connection at CONNECT.
start ma "virus_scan = no
dns_servers = 127.0.0.1:1
ratelimit_external_connections = 1"
send ma a1
"$client" "$t/ma.sock" 10 >"$t/a2.out" 2>&1
grep -qx 'connect y' "$t/a2.out" || fail "a2: not refused at CONNECT: $(cat "$t/a2.out")"
want ma 'vigil_smtp_refusals_total{phase="CONNECT"}' 1
want ma 'vigil_messages_total{direction="inbound",action="accept"}' 1
echo "PASS t-metricsfail"
