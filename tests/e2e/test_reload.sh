#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test_reload.sh BUILD_DIR [in-place] - SIGHUP with a new signature DB
# while mail flows.
#
# N clean messages are sent one after another in the background; midway
# a new .ndb with signature Vigil.Test.Reload is written and vigil-milter
# gets SIGHUP.  With the default reload (reload_in_place = no) every one
# of the N messages is accepted and delivered: none lost, none tempfailed.
# Afterwards a message carrying the new signature's string is refused,
# and before the reload the same message was delivered.
# With "in-place" the milter runs with reload_in_place = yes, which may
# tempfail (4xx) while the engine is rebuilt: then every message must be
# delivered or get a 4xx (the client keeps it), none a 5xx or lost.
. "$(dirname "$0")/lib.sh"

N=${E2E_RELOAD_N:-40}
STRING=VIGIL-RELOAD-TEST-7f3a
SIG=Vigil.Test.Reload

mode=${2:-default}
case $mode in
default)
	e2e_init reload "${1-}"
	e2e_start_all
	;;
in-place)
	e2e_init reload-in-place "${1-}"
	e2e_start_all "reload_in_place = yes"
	;;
*)
	echo "usage: $0 BUILD_DIR [in-place]" >&2
	exit 2
	;;
esac

ham=$E2E_CORPUS/spamassassin/ham
f=$(ls "$ham"/easy_ham.00049.* 2>/dev/null | head -n 1)
[ -n "$f" ] || e2e_die "corpus message easy_ham.00049 not found in $ham"

# The test message: a clean corpus message with the string in its body.
marked=$E2E_DIR/msg/marked.src
{ sed '1{/^From /d}' "$f"; echo "reload marker: $STRING"; } >"$marked"

e2e_prepare "$marked"
e2e_send "$E2E_MSG"
if e2e_expect_delivered "before reload: marked message"; then
	e2e_expect_header "before reload: marked message" X-Virus-Status \
	    '^Clean$'
fi

# The stream: N sends, one reply line each in replies.
e2e_prepare "$f"
stream=$E2E_MSG
replies=$E2E_DIR/log/replies
: >"$replies"
(
	for i in $(seq 1 "$N"); do
		e2e_send "$stream"
		# "-" for no queue id: read would skip an empty first field.
		printf '%s\t%s\n' "${E2E_QID:--}" "$E2E_REPLY" >>"$replies"
	done
) &
loop=$!
E2E_PIDS+=("$loop")

# Reload once the stream is flowing.
# shellcheck disable=SC2016 # evaluated later, by e2e_wait_for
e2e_wait_for "$E2E_TIMEOUT" eval '[ "$(wc -l <"$replies")" -ge 5 ]' ||
    e2e_die "the stream did not start (replies: $(head -n 3 "$replies"))"
e2e_ndb_add "$SIG" "$STRING" vigil-reload.ndb
kill -HUP "$E2E_MILTER_PID" || e2e_die "cannot signal vigil-milter"
at=$(wc -l <"$replies")
e2e_log "SIGHUP after $at of $N messages"
wait "$loop"

got=$(wc -l <"$replies")
e2e_check "stream: $got of $N messages answered" [ "$got" -eq "$N" ]
e2e_check "stream: SIGHUP came while the stream flowed ($at of $N sent)" \
    [ "$at" -lt "$N" ]
if [ "$mode" = default ]; then
	bad=$(awk -F'\t' '$2 !~ /^250 /' "$replies")
	want="all accepted (no 4xx during reload)"
else
	bad=$(awk -F'\t' '$2 !~ /^(250|4[0-9][0-9]) /' "$replies")
	want="all accepted or tempfailed (4xx)"
	e2e_log "in-place reload: $(awk -F'\t' '$2 ~ /^4/' "$replies" |
	    grep -c '') of $got messages tempfailed"
fi
if [ -z "$bad" ]; then
	e2e_ok "stream: $want"
else
	e2e_not_ok "stream: $want" "got $(printf '%s\n' "$bad" |
	    grep -c '') other replies, first: $(printf '%s\n' "$bad" |
	    head -n 1 | cut -f2), want none"
fi
lost=0
while IFS=$'\t' read -r qid _; do
	[ "$qid" != - ] || continue
	e2e_wait_delivered "$qid" || lost=$((lost + 1))
done <"$replies"
e2e_check "stream: every accepted message delivered ($lost lost)" \
    [ "$lost" -eq 0 ]
# A tempfailed message stays with the client, which retries: do so.
retry=$(awk -F'\t' '$2 ~ /^4/' "$replies" | grep -c '')
for i in $(seq 1 "$retry"); do
	e2e_send "$stream"
	e2e_expect_delivered "stream: retry $i of $retry tempfailed messages"
done

# The reload may finish after the stream: allow it a few seconds, but no
# message with the string may pass once one has been refused.
want="^550 5\\.7\\.1 Message rejected: virus $SIG(\\.UNOFFICIAL)? detected"
e2e_prepare "$marked"
ok=
for i in $(seq 1 20); do
	before=$(e2e_sink_count)
	if ! e2e_send "$E2E_MSG"; then
		ok=1
		break
	fi
	# Accepted before the reload finished: let it land before counting.
	e2e_wait_delivered "$E2E_QID"
	sleep 0.5
done
if [ -n "$ok" ]; then
	e2e_expect_refused "after reload: marked message" "$want" "$before"
else
	e2e_not_ok "after reload: marked message" \
	    "got '$E2E_REPLY' 20 times over 10s, want /$want/"
fi
e2e_check "after reload: milter still running" kill -0 "$E2E_MILTER_PID"

e2e_finish
