#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test_slowdns.sh BUILD_DIR - a DNS server that answers only after 2 s, at
# 16 concurrent SMTP connections (issue 15).
#
# The server is tests/tools/slow-dns.py: a real DNS server process on
# 127.0.0.1 (UDP) that answers every query NXDOMAIN 2 s after it came,
# each on its own timer.  Clients come from outside (XCLIENT), each
# message from its own sender domain (nothing is answered from the
# cache), so every message needs its SPF lookup and the DNSBL lookup of
# a test blacklist; spf_reject_fail = yes, so a wrong SPF outcome would
# show as a rejection.  What the README and vigil.conf(5) promise:
#   - a slow or dead resolver yields SPF_TEMPERROR / DNSBL_TEMPERROR and
#     never a rejection; end of message waits at most dns_deadline;
#   - after 3 queries in a row time out the resolver is marked down (one
#     warning) and lookups fail at once, so no worker waits for DNS.
# Phase "slower than dns_timeout" (dns_timeout 1s): every query times
# out, the breaker opens after the first few, and the stream runs at
# nearly full speed.  Phase "slower than dns_deadline" (dns_timeout 5s,
# dns_deadline 1s): the answers come, but after the deadline; no query
# times out, so the breaker stays closed and each message waits for
# dns_deadline at most, in its own end-of-message thread and not in a
# scan worker.  In both: every message accepted and delivered, each with
# SPF temperror (or none, when the NXDOMAIN answer was in by then), no
# 5xx, no 4xx, and the figures (wall time, msg/s, max latency) are printed
# and held to bounds derived from those settings.  A trusted client's
# message sent in the middle of phase 2 completes at once: the DNS waits
# hold no scan worker, so it does not queue behind them.
. "$(dirname "$0")/lib.sh"

DELAY=2
CONNS=16
PER=${E2E_SLOWDNS_PER:-4} # messages per connection
N=$((CONNS * PER))
OUTSIDE=198.51.100.7

e2e_init slowdns "${1-}"
[ -x /usr/bin/python3 ] || e2e_skip "/usr/bin/python3 not installed"

pf=$E2E_DIR/milter/slowdns.port
/usr/bin/python3 "$E2E_SRC/tests/tools/slow-dns.py" "$pf" "$DELAY" \
    >"$E2E_DIR/log/slowdns.log" 2>&1 &
E2E_PIDS+=("$!")
e2e_wait_for 10 test -s "$pf" || e2e_die "slow DNS server did not start"
DNS_PORT=$(cat "$pf")
e2e_log "slow DNS server (answers after ${DELAY}s) on 127.0.0.1:$DNS_PORT"

e2e_sigdb
rules=$(e2e_rules_file slowdns.rules \
    "dnsbl RCVD_IN_SLOWTEST bl.slow.test 127.0.0.2")
base=(
	"rules = $rules"
	"dns_servers = 127.0.0.1:$DNS_PORT"
	"ratelimit_external_messages = 0"
	"ratelimit_external_connections = 0"
	"harvest_threshold = 0"
	"spf_reject_fail = yes"
)
e2e_milter_conf "${base[@]}" "dns_timeout = 1s"
e2e_milter_start
e2e_postfix_start "unix:$E2E_SOCK"
e2e_postfix_set "smtpd_authorized_xclient_hosts = 127.0.0.1" \
    "mynetworks = 127.0.0.0/8, 198.51.100.0/24"
stream=$E2E_SRC/tests/tools/smtp-stream.py

# phase - send N messages over CONNS connections from OUTSIDE; $1 names
# it, $2 the id prefix, $3 the longest a message may take (s), $4 the
# least msg/s; checks replies, delivery and SPF/DNSBL outcomes
phase()
{
	local name=$1 prefix=$2 maxlat=$3 minrate=$4 replies t0 t1 wall
	local bad n ndlv f spf st odd lat rate
	replies=$E2E_DIR/log/replies.$prefix
	: >"$replies"
	t0=$(date +%s.%N)
	/usr/bin/python3 "$stream" --port "$E2E_SMTP_PORT" --count "$N" \
	    --conns "$CONNS" --prefix "$prefix" --xclient-addr "$OUTSIDE" \
	    --from-domain "s%d.$prefix.slow.test" --timeout 120 \
	    --out "$replies" >"$E2E_DIR/log/stream.$prefix.log" 2>&1
	t1=$(date +%s.%N)
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	rate=$(awk -v n="$N" -v w="$wall" 'BEGIN { printf "%.1f", n / w }')
	lat=$(cut -f4 "$replies" | sort -n | tail -n 1)
	echo "# $name: $N messages, $CONNS connections: ${wall} s," \
	    "$rate msg/s, slowest message ${lat} s;" \
	    "$(cut -f2 "$replies" | sort | uniq -c | tr '\n' ' ')"
	n=$(grep -c '' "$replies")
	e2e_check "$name: $n of $N answered" [ "$n" -eq "$N" ]
	bad=$(awk -F'\t' '$2 != 250' "$replies")
	if [ -z "$bad" ]; then
		e2e_ok "$name: every message accepted (no 5xx, no 4xx)"
	else
		e2e_not_ok "$name: replies" "got $(printf '%s\n' "$bad" |
		    grep -c '') not 250, first: '$(printf '%s\n' "$bad" |
		    head -n 1 | cut -f2,3)', want all 250"
	fi
	e2e_check "$name: slowest message ${lat} s <= ${maxlat} s" \
	    awk -v l="$lat" -v m="$maxlat" 'BEGIN { exit !(l <= m) }'
	e2e_check "$name: $rate msg/s >= $minrate msg/s" \
	    awk -v r="$rate" -v m="$minrate" 'BEGIN { exit !(r >= m) }'
	# shellcheck disable=SC2016 # evaluated later, by e2e_wait_for
	e2e_wait_for 30 eval '[ "$(grep -rl "^X-Vigil-Stream-Id: $prefix-" \
	    "$E2E_DIR/sink" | wc -l)" -ge "$N" ]'
	ndlv=0
	odd=
	for f in $(grep -rl "^X-Vigil-Stream-Id: $prefix-" "$E2E_DIR/sink"); do
		ndlv=$((ndlv + 1))
		spf=$(e2e_header_values "$f" Received-SPF | awk '{ print $1 }')
		st=$(e2e_header_values "$f" X-Spam-Status)
		case $spf in
		temperror | none) ;;
		*) odd="$odd $(basename "$f"):Received-SPF=$spf" ;;
		esac
		case $st in
		*RCVD_IN_SLOWTEST*) odd="$odd $(basename "$f"):listed" ;;
		esac
	done
	e2e_check "$name: all $N delivered ($ndlv)" [ "$ndlv" -eq "$N" ]
	if [ -z "$odd" ]; then
		e2e_ok "$name: every copy has Received-SPF temperror or none," \
		    "none listed"
	else
		e2e_not_ok "$name: SPF/DNSBL outcome" "got$odd"
	fi
}

# 1: the server is slower than dns_timeout (1s): the first queries time
# out after 1 s, then the breaker answers at once.  A message waits at
# most dns_deadline (10s, default); the stream must beat twice the rate
# it would have without the breaker, scan_workers / dns_timeout = 2 msg/s.
logn=$(wc -l <"$E2E_DIR/log/milter.log")
phase "slower than dns_timeout" t1 10 4
downs=$(tail -n +"$((logn + 1))" "$E2E_DIR/log/milter.log" |
    grep -c 'dns: no DNS server answered the last 3 queries')
e2e_check "slower than dns_timeout: one 'resolver down' warning ($downs)" \
    [ "$downs" -eq 1 ]
ntemp=$(grep -rl "^X-Vigil-Stream-Id: t1-" "$E2E_DIR/sink" |
    xargs grep -l '^Received-SPF: temperror' | grep -c '')
e2e_check "slower than dns_timeout: Received-SPF: temperror on all $N ($ntemp)" \
    [ "$ntemp" -eq "$N" ]
ntemp=$(tail -n +"$((logn + 1))" "$E2E_DIR/log/milter.log" |
    grep -c 'DNSBL_TEMPERROR: no answer from bl.slow.test in time')
e2e_check "slower than dns_timeout: DNSBL_TEMPERROR logged ($ntemp)" \
    [ "$ntemp" -gt 0 ]

# 2: the server answers within dns_timeout (5s) but after dns_deadline
# (1s): no time-out, no breaker; each message waits 1 s at most for DNS,
# in the milter's end-of-message thread for its connection, not in one of
# the 2 scan workers.  So the floor is no longer scan_workers /
# dns_deadline (2 msg/s; 6.6 and 7.5 measured when the waits held
# workers) but the MTA's connections / dns_deadline (16 msg/s; 9.5 and
# 11.3 measured, Postfix's own work included); 3 is asked, above the old
# floor, for a loaded machine.  A message takes its own deadline plus its
# scan (10 s is asked; 1.9 to 2.4 s measured, 2.2 to 3.0 s when waits
# held workers).
e2e_milter_restart "${base[@]}" "dns_timeout = 5s" "dns_deadline = 1s"
logn=$(wc -l <"$E2E_DIR/log/milter.log")
(
	# A trusted client's message (no DNS at all) in the middle.
	sleep 2
	s=$(date +%s.%N)
	e2e_prepare "$(e2e_corpus_file "$E2E_CORPUS/spamassassin/ham" \
	    easy_ham.00001)"
	e2e_send "$E2E_MSG"
	printf '%s %s\n' "$(awk -v a="$s" -v b="$(date +%s.%N)" \
	    'BEGIN { printf "%.2f", b - a }')" "$E2E_REPLY" \
	    >"$E2E_DIR/log/trusted.reply"
) &
trusted=$!
phase "slower than dns_deadline" t2 10 3
wait "$trusted"
read -r tlat treply <"$E2E_DIR/log/trusted.reply"
e2e_log "trusted message during phase 2: ${tlat} s, $treply"
e2e_check "slower than dns_deadline: a trusted message meanwhile: 250 in ${tlat} s" \
    e2e_matches "$treply" '^250 '
# It needs no DNS and queues behind no DNS wait: 0.7 and 1.05 s measured
# (2.6 and 3.8 s when the waits held the scan workers); 2 s is asked.
e2e_check "slower than dns_deadline: the trusted message took ${tlat} s <= 2 s" \
    awk -v l="$tlat" 'BEGIN { exit !(l <= 2) }'
ntemp=$(tail -n +"$((logn + 1))" "$E2E_DIR/log/milter.log" |
    grep -c 'DNSBL_TEMPERROR: no answer from bl.slow.test in time')
e2e_check "slower than dns_deadline: DNSBL_TEMPERROR logged ($ntemp)" \
    [ "$ntemp" -gt 0 ]
downs=$(tail -n +"$((logn + 1))" "$E2E_DIR/log/milter.log" |
    grep -c 'dns: no DNS server answered')
e2e_check "slower than dns_deadline: resolver never marked down ($downs)" \
    [ "$downs" -eq 0 ]
e2e_check "milter still running" kill -0 "$E2E_MILTER_PID"

e2e_finish
