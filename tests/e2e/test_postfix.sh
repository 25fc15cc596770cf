#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test_postfix.sh BUILD_DIR - the harness itself, with no milter.
#
# A private Postfix relays corpus mail to smtp-sink and the delivered
# bodies equal the sent ones.  When this fails, the other e2e tests'
# failures say nothing about Vigil.
. "$(dirname "$0")/lib.sh"

e2e_init postfix "${1-}"
e2e_postfix_start ""

ham=$E2E_CORPUS/spamassassin/ham
for h in easy_ham.00001 easy_ham.00004 hard_ham.00220; do
	f=$(ls "$ham/$h".* 2>/dev/null | head -n 1)
	[ -n "$f" ] || e2e_die "corpus message $h not found in $ham"
	e2e_prepare "$f"
	e2e_send "$E2E_MSG"
	e2e_expect_delivered "no milter: $h" || continue
	e2e_expect_body_same "no milter: $h"
	n=$(e2e_header_values "$E2E_DELIVERED" X-Virus-Status | grep -c '')
	e2e_check "no milter: $h has no X-Virus-Status (got $n)" [ "$n" -eq 0 ]
done

e2e_finish
