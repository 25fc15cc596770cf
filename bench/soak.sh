#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# soak.sh [-n N] [-c CONNS] [-r SECONDS] [-k EVERY] [-k 0] BUILD_DIR
#
# A soak through a real Postfix (not part of the test command): N messages
# (default 100000), each with a unique X-Vigil-Stream-Id, over CONNS
# (default 32) SMTP connections (tests/tools/smtp-stream.py, one session
# per message, no retries) into a private Postfix (tests/e2e/lib.sh) with
# vigil-milter as its milter and smtp-sink as the next hop.  While it
# runs: SIGHUP to vigil-milter every -r seconds (default 5), and SIGKILL +
# restart every -k messages answered (default 20000; 0: never).  The RSS
# of vigil-milter is sampled every 5 s.  At the end the queue is flushed
# and "nothing lost" is checked by counting ids:
#   delivered (smtp-sink files) + still queued (spool, via postcat)
#   + refused with a reply (4xx: the client keeps it; 5xx) = sent,
#   no id delivered twice, none both delivered and queued, none delivered
#   or queued that the client was told was refused (that would be a
#   duplicate on the client's retry), and every 250 delivered or queued.
# A connection that ended without any reply ("no reply") is counted
# apart: the client cannot know whether it was accepted.
# Exit status 0 when nothing was lost, 1 otherwise, 2 on bad usage.
# Runs as root (a private Postfix); keep the output with nohup ... >FILE.
set -uo pipefail

N=100000
CONNS=32
RELOAD=5
KILL_EVERY=20000
usage()
{
	echo "usage: $0 [-n N] [-c CONNS] [-r SECONDS] [-k EVERY] BUILD_DIR" >&2
	exit 2
}
while getopts n:c:r:k: o; do
	case $o in
	n) N=$OPTARG ;;
	c) CONNS=$OPTARG ;;
	r) RELOAD=$OPTARG ;;
	k) KILL_EVERY=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/e2e/lib.sh
. "$here/../tests/e2e/lib.sh"
# shellcheck disable=SC2034 # read by lib.sh
E2E_TIMEOUT=60
e2e_init soak "$1"

# ClamAV makes a directory per scan in tmp_dir: keep it on tmpfs, as
# bench/README advises.
TMPD=/dev/shm/vigil-soak.$$
if ! mkdir -p "$TMPD" || ! chmod 1777 "$TMPD"; then
	e2e_die "cannot create $TMPD"
fi
# e2e_test_cleanup - run by lib.sh's EXIT trap once the milter is stopped
# shellcheck disable=SC2317 # called by lib.sh
e2e_test_cleanup()
{
	rm -rf "$TMPD"
}
e2e_dns_start
e2e_start_all "tmp_dir = $TMPD" "dns_servers = 127.0.0.1:$E2E_DNS_PORT" \
    "scan_workers = 0" "max_queued_scans = 256"
# 32 sessions at once from one client: Postfix's default limits suffice
# (default_process_limit 100), but the sink must keep up.
stream=$here/../tests/tools/smtp-stream.py
replies=$E2E_DIR/log/replies
: >"$replies"

t0=$(date +%s)
echo "soak: $N messages, $CONNS connections, SIGHUP every ${RELOAD}s," \
    "SIGKILL + restart every $KILL_EVERY messages; $(nproc) CPUs;" \
    "build $E2E_BUILD; $(date -u '+%F %T') UTC"
/usr/bin/python3 "$stream" --port "$E2E_SMTP_PORT" --count "$N" \
    --conns "$CONNS" --prefix soak --timeout 120 --out "$replies" \
    >"$E2E_DIR/log/stream.log" 2>&1 &
sender=$!
E2E_PIDS+=("$sender")

# rss_kb - VmRSS of the running milter in kB, or 0
rss_kb()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$E2E_MILTER_PID/status" \
	    2>/dev/null || echo 0
}

kills=0
hups=0
next_kill=$KILL_EVERY
last_hup=$t0
last_sample=0
samples=()
while kill -0 "$sender" 2>/dev/null; do
	sleep 1
	now=$(date +%s)
	done_n=$(wc -l <"$replies")
	if [ "$KILL_EVERY" -gt 0 ] && [ "$done_n" -ge "$next_kill" ] &&
	    [ "$done_n" -lt "$N" ]; then
		e2e_milter_kill
		kills=$((kills + 1))
		e2e_milter_start 2>/dev/null
		echo "  $((now - t0))s: SIGKILL + restart at $done_n answered" \
		    "(new pid $E2E_MILTER_PID)"
		next_kill=$((next_kill + KILL_EVERY))
	fi
	if [ $((now - last_hup)) -ge "$RELOAD" ]; then
		kill -HUP "$E2E_MILTER_PID" 2>/dev/null && hups=$((hups + 1))
		last_hup=$now
	fi
	if [ $((now - last_sample)) -ge 5 ]; then
		last_sample=$now
		s="$((now - t0))s $done_n $(rss_kb)"
		samples+=("$s")
		echo "  t=${s%% *} answered=$(echo "$s" | cut -d' ' -f2)" \
		    "rss_kb=${s##* }"
	fi
done
wait "$sender"
t1=$(date +%s)
echo "stream: $(cat "$E2E_DIR/log/stream.log")"

# Flush what is queued and wait (at most 5 minutes) for the queue to drain.
postqueue -c "$E2E_DIR/etc" -f >/dev/null 2>&1
e2e_wait_for 300 e2e_queue_empty
t2=$(date +%s)

ids_dlv=$E2E_DIR/log/ids.delivered
ids_q=$E2E_DIR/log/ids.queued
find "$E2E_DIR/sink" -type f -print0 | xargs -0 -r grep -h \
    '^X-Vigil-Stream-Id:' | tr -d '\r' | awk '{ print $2 }' |
    sort >"$ids_dlv"
find "$E2E_DIR/spool/incoming" "$E2E_DIR/spool/active" \
    "$E2E_DIR/spool/deferred" "$E2E_DIR/spool/hold" \
    "$E2E_DIR/spool/maildrop" -type f 2>/dev/null |
    while read -r q; do
	    postcat -c "$E2E_DIR/etc" -b -h "$q" 2>/dev/null |
		awk '/^X-Vigil-Stream-Id:/ { print $2 }'
    done | sort >"$ids_q"
awk -F'\t' '$2 == 250 { print $1 }' "$replies" | sort >"$E2E_DIR/log/ids.250"
awk -F'\t' '$2 ~ /^4/ { print $1 }' "$replies" | sort >"$E2E_DIR/log/ids.4xx"
awk -F'\t' '$2 ~ /^5/ { print $1 }' "$replies" | sort >"$E2E_DIR/log/ids.5xx"
awk -F'\t' '$2 == "ERR" { print $1 }' "$replies" | sort >"$E2E_DIR/log/ids.err"
seq 1 "$N" | sed 's/^/soak-/' | sort >"$E2E_DIR/log/ids.sent"

count() { grep -c '' "$1"; }
n250=$(count "$E2E_DIR/log/ids.250")
n4=$(count "$E2E_DIR/log/ids.4xx")
n5=$(count "$E2E_DIR/log/ids.5xx")
nerr=$(count "$E2E_DIR/log/ids.err")
ndlv=$(count "$ids_dlv")
nq=$(count "$ids_q")
nanswered=$(count "$replies")
dups=$(sort "$ids_dlv" "$ids_q" | uniq -d | grep -c '')
got=$E2E_DIR/log/ids.got
sort -u "$ids_dlv" "$ids_q" >"$got"
lost=$(comm -23 "$E2E_DIR/log/ids.250" "$got" | grep -c '')
refused_but_there=$(sort -u "$E2E_DIR/log/ids.4xx" "$E2E_DIR/log/ids.5xx" |
    comm -12 - "$got" | grep -c '')
unknown=$(comm -13 "$E2E_DIR/log/ids.sent" "$got" | grep -c '')
missing=$(sort -u "$got" "$E2E_DIR/log/ids.4xx" "$E2E_DIR/log/ids.5xx" \
    "$E2E_DIR/log/ids.err" | comm -23 "$E2E_DIR/log/ids.sent" - | grep -c '')
err_there=$(comm -12 "$E2E_DIR/log/ids.err" "$got" | grep -c '')

echo
echo "soak results ($(nproc) CPUs)"
echo "  messages sent            $N (answered $nanswered)"
echo "  accepted (250)           $n250"
echo "  delivered (sink)         $ndlv"
echo "  still queued             $nq"
echo "  deferred (4xx to client) $n4 $(cut -f3 "$replies" | grep -E '^4' |
    sort | uniq -c | sort -rn | head -n 3 | awk '{ $1 = $1 "x"; print }' |
    tr '\n' ';')"
echo "  rejected (5xx)           $n5"
echo "  no reply (conn. error)   $nerr (of which delivered: $err_there)"
echo "  SIGHUPs                  $hups"
echo "  SIGKILL + restarts       $kills"
echo "  wall time                $((t1 - t0)) s streaming" \
    "($(awk -v n="$N" -v s="$((t1 - t0))" 'BEGIN { printf "%.1f", s ? n / s : 0 }') msg/s)," \
    "$((t2 - t1)) s draining the queue"
echo "  milter RSS over time (t answered rss_kB):"
for s in "${samples[@]}"; do
	echo "    $s"
done
echo "  milter log: $(grep -c ' action=' "$E2E_DIR/log/milter.log") message lines;" \
    "$(grep -o ' action=[a-z]*' "$E2E_DIR/log/milter.log" | sort |
    uniq -c | tr '\n' ' ')"
echo "  reloads logged: $(grep -c 'reload: done' "$E2E_DIR/log/milter.log")," \
    "failed: $(grep -c 'reload: failed' "$E2E_DIR/log/milter.log")"
echo
bad=0
check()
{
	if [ "$2" -eq 0 ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1 ($2)"
		bad=1
	fi
}
check "no id delivered twice or both delivered and queued" "$dups"
check "every 250 delivered or queued (lost)" "$lost"
check "nothing delivered or queued that the client was refused" \
    "$refused_but_there"
check "no unknown id delivered" "$unknown"
check "delivered + queued + refused-with-a-reply + no-reply = sent (missing)" \
    "$missing"
check "answered = sent" $((N - nanswered))
# shellcheck disable=SC2034 # read by lib.sh's EXIT trap (keeps the logs)
[ "$bad" -eq 0 ] || E2E_FAILS=1
exit "$bad"
