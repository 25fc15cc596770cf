#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test_outage.sh BUILD_DIR - vigil-milter dies: no mail is lost.
#
# With milter_default_action = tempfail, a message sent while the milter
# is down gets a 4xx (the client keeps it and retries) and nothing is
# delivered; after a restart on the stale socket the same message goes
# through and is scanned.
. "$(dirname "$0")/lib.sh"

e2e_init outage "${1-}"
e2e_start_all

ham=$E2E_CORPUS/spamassassin/ham
f=$(ls "$ham"/easy_ham.00004.* 2>/dev/null | head -n 1)
[ -n "$f" ] || e2e_die "corpus message easy_ham.00004 not found in $ham"
e2e_prepare "$f"
msg=$E2E_MSG

e2e_send "$msg"
if e2e_expect_delivered "milter up"; then
	e2e_expect_header "milter up" X-Virus-Status '^Clean$'
fi

# A crash, not a clean shutdown: the socket file stays behind.
e2e_milter_kill
before=$(e2e_sink_count)
e2e_send "$msg"
e2e_expect_refused "milter killed: tempfail" '^4[0-9][0-9] ' "$before"
e2e_check "milter killed: Postfix logged the milter failure" \
    grep -qE 'milter.*(connect|Connection refused|No such file)' \
    "$E2E_DIR/log/maillog"

e2e_milter_start
e2e_send "$msg"
if e2e_expect_delivered "milter restarted: same message"; then
	e2e_expect_body_same "milter restarted: same message"
	e2e_expect_header "milter restarted: same message" X-Virus-Status \
	    '^Clean$'
fi

e2e_finish
