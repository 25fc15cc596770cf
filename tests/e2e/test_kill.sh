#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test_kill.sh BUILD_DIR - vigil-milter killed with SIGKILL in the middle of
# a stream of messages: none lost, none twice, none bounced (issue 15).
#
# E2E_KILL_N (default 200) messages, each with a unique X-Vigil-Stream-Id,
# are sent over 4 SMTP clients (tests/tools/smtp-stream.py) that retry a
# 4xx as an MTA's client does; a quarter of them go in through sendmail
# (pickup and non_smtpd_milters) instead.  When a quarter of the SMTP
# stream is answered, vigil-milter gets SIGKILL; it is restarted 3 s later
# on its stale socket.  milter_default_action = tempfail (lib.sh sets it,
# checked below) is what makes this safe: while the milter is gone Postfix
# answers 4xx at end of DATA (the client keeps the message) and leaves
# sendmail's messages in the queue.  After the restart the queue is flushed
# (postqueue -f) and the test waits for delivery.  Then, counting by id:
# every message sent is delivered exactly once (smtp-sink files) or still
# queued (the spool files, through postcat), none is both, none is missing,
# no SMTP client got a 5xx or gave up, every delivered copy was scanned
# (X-Virus-Status: Clean: nothing slipped past the dead milter), and no
# bounce was sent.
. "$(dirname "$0")/lib.sh"

N=${E2E_KILL_N:-200}
NS=$((N * 3 / 4)) # over SMTP; the rest through sendmail

e2e_init kill "${1-}"
e2e_start_all

stream=$E2E_SRC/tests/tools/smtp-stream.py
[ -f "$stream" ] || e2e_die "$stream not found"
[ -x /usr/bin/python3 ] || e2e_skip "/usr/bin/python3 not installed"
command -v sendmail >/dev/null || e2e_skip "sendmail (Postfix) not found"
dfl=$(postconf -c "$E2E_DIR/etc" -h milter_default_action)
e2e_check "Postfix: milter_default_action = tempfail (got '$dfl')" \
    [ "$dfl" = tempfail ]

replies=$E2E_DIR/log/replies
: >"$replies"
/usr/bin/python3 "$stream" --port "$E2E_SMTP_PORT" --count "$NS" \
    --conns 4 --prefix kill --retry 90 --retry-delay 0.5 --out "$replies" \
    >"$E2E_DIR/log/stream.log" 2>&1 &
loop=$!
E2E_PIDS+=("$loop")

# The sendmail part: one message every 50 ms, ids after the SMTP ones, so
# that some of them reach cleanup while the milter is dead.
(
	for i in $(seq $((NS + 1)) "$N"); do
		printf '%s\n' "From: sender@example.net" "To: rcpt@example.org" \
		    "Subject: stream message kill-$i" \
		    "Message-ID: <kill-$i@stream.vigil-e2e.test>" \
		    "X-Vigil-Stream-Id: kill-$i" "" "sendmail message kill-$i" |
		    sendmail -C "$E2E_DIR/etc" -f sender@example.net \
			rcpt@example.org ||
		    echo "sendmail failed for kill-$i" >>"$E2E_DIR/log/sendmail.log"
		sleep 0.05
	done
) &
drop=$!
E2E_PIDS+=("$drop")

# shellcheck disable=SC2016 # evaluated later, by e2e_wait_for
e2e_wait_for 60 eval '[ "$(wc -l <"$replies")" -ge $((NS / 4)) ]' ||
    e2e_die "the stream did not start ($(wc -l <"$replies") replies)"
at=$(wc -l <"$replies")
e2e_milter_kill
e2e_log "SIGKILL after $at of $NS SMTP replies"
sleep 3
e2e_milter_start
wait "$loop"
wait "$drop"
e2e_log "stream: $(cat "$E2E_DIR/log/stream.log")"

got=$(wc -l <"$replies")
e2e_check "stream: SIGKILL came mid-stream ($at of $NS answered)" \
    [ "$at" -lt "$NS" ]
e2e_check "stream: $got of $NS SMTP messages answered" [ "$got" -eq "$NS" ]
bad=$(awk -F'\t' '$2 != 250' "$replies")
if [ -z "$bad" ]; then
	e2e_ok "stream: every SMTP message accepted in the end (4xx retried)"
else
	e2e_not_ok "stream: final replies" "got $(printf '%s\n' "$bad" |
	    grep -c '') not 250, first: $(printf '%s\n' "$bad" | head -n 1),
	    want all 250"
fi
tempfailed=$(awk -F'\t' '$5 > 1' "$replies" | grep -c '')
e2e_check "stream: the kill tempfailed some messages ($tempfailed retried)" \
    [ "$tempfailed" -gt 0 ]
e2e_check "sendmail: every submission taken" \
    [ ! -s "$E2E_DIR/log/sendmail.log" ]
e2e_check "milter killed: Postfix logged the milter failure" \
    grep -qE 'milter.*(connect|Connection refused|No such file|EOF|read)' \
    "$E2E_DIR/log/maillog"

# Flush: sendmail's messages wait in maildrop (pickup retries on its own
# timer), SMTP ones may be deferred; postqueue -f wakes both.
postqueue -c "$E2E_DIR/etc" -f >/dev/null 2>&1
e2e_wait_for 60 e2e_queue_empty
postqueue -c "$E2E_DIR/etc" -f >/dev/null 2>&1
e2e_wait_for 10 e2e_queue_empty

# Count by id.  Queued: every queue file, read with postcat.
ids_sent=$E2E_DIR/log/ids.sent
ids_dlv=$E2E_DIR/log/ids.delivered
ids_q=$E2E_DIR/log/ids.queued
seq 1 "$N" | sed 's/^/kill-/' | sort >"$ids_sent"
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
ndlv=$(grep -c '' "$ids_dlv")
nq=$(grep -c '' "$ids_q")
dups=$(sort "$ids_dlv" "$ids_q" | uniq -d)
lost=$(sort -u "$ids_dlv" "$ids_q" | comm -23 "$ids_sent" -)
extra=$(sort -u "$ids_dlv" "$ids_q" | comm -13 "$ids_sent" -)
e2e_log "delivered $ndlv, queued $nq of $N"
e2e_check "count: no id delivered twice or both delivered and queued ($(printf '%s' "$dups" | grep -c '') dups: $(printf '%s' "$dups" | head -n 3 | tr '\n' ' '))" \
    [ -z "$dups" ]
e2e_check "count: none lost ($(printf '%s' "$lost" | grep -c '') missing: $(printf '%s' "$lost" | head -n 5 | tr '\n' ' '))" \
    [ -z "$lost" ]
e2e_check "count: no unknown id delivered" [ -z "$extra" ]
e2e_check "count: delivered $ndlv + queued $nq = sent $N" \
    [ $((ndlv + nq)) -eq "$N" ]
unscanned=$(find "$E2E_DIR/sink" -type f -print0 |
    xargs -0 -r grep -L '^X-Virus-Status: Clean' | grep -c '')
e2e_check "count: every delivered copy was scanned (X-Virus-Status: Clean; $unscanned without)" \
    [ "$unscanned" -eq 0 ]
e2e_expect_queue "after the flush" "$(e2e_queue_list | cut -d' ' -f1,2)"
e2e_check "after the kill: milter running" kill -0 "$E2E_MILTER_PID"

e2e_finish
