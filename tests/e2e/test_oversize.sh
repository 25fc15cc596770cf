#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test_oversize.sh BUILD_DIR - max_message_size and oversize_action.
#
# With max_message_size = 64K a 100K message is not scanned: with
# oversize_action = accept it is delivered with "X-Virus-Status: Unscanned
# (too large)", with reject it is refused with a 5xx and not delivered.
# A message under the limit is still scanned in both runs.
. "$(dirname "$0")/lib.sh"

e2e_init oversize "${1-}"
e2e_sigdb

ham=$E2E_CORPUS/spamassassin/ham
f=$(ls "$ham"/easy_ham.00001.* 2>/dev/null | head -n 1)
[ -n "$f" ] || e2e_die "corpus message easy_ham.00001 not found in $ham"

# big - prepare a clean message of about 100K: a corpus message with
# its body repeated
big()
{
	local src=$E2E_DIR/msg/big.src
	sed '1{/^From /d}' "$f" >"$src"
	while [ "$(wc -c <"$src")" -lt 100000 ]; do
		e2e_body "$f" >>"$src"
	done
	e2e_prepare "$src"
}

for action in accept reject; do
	e2e_milter_conf "max_message_size = 64K" "oversize_action = $action"
	e2e_milter_start
	[ "$E2E_PF_UP" = 1 ] || e2e_postfix_start "unix:$E2E_SOCK"

	big
	size=$(wc -c <"$E2E_MSG")
	e2e_check "$action: test message is over 64K (got $size bytes)" \
	    [ "$size" -gt 65536 ]
	before=$(e2e_sink_count)
	e2e_send "$E2E_MSG"
	case $action in
	accept)
		if e2e_expect_delivered "oversize, accept"; then
			e2e_expect_body_same "oversize, accept"
			e2e_expect_header "oversize, accept" X-Virus-Status \
			    '^Unscanned \(too large\)$'
		fi
		;;
	reject)
		e2e_expect_refused "oversize, reject" '^5[0-9][0-9] ' "$before"
		;;
	esac

	# The limit does not stop scanning of messages under it.
	e2e_prepare "$f"
	e2e_send "$E2E_MSG"
	if e2e_expect_delivered "$action: small message"; then
		e2e_expect_header "$action: small message" X-Virus-Status \
		    '^Clean$'
	fi
	e2e_milter_stop
done

e2e_finish
