#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test_spam.sh BUILD_DIR - spam scoring through a real Postfix (issue 3).
#
# A corpus spam that the default rules score at or above required_score
# (and below reject_score) is delivered tagged: X-Spam-Flag: YES,
# X-Spam-Status: Yes, score=..., with the score vigil scan gives the same
# message.  Forged X-Spam-Flag: NO / X-Spam-Status headers in it are
# removed: exactly one of each, ours.  A ham gets X-Spam-Status: No and no
# X-Spam-Flag; Sieve and procmail recipes written for SpamAssassin's
# headers file the delivered spam into Junk and keep the ham.  With
# subject_tag the Subject of the tagged copy starts
# with the tag; with reject_score lowered to 5 the spam is refused with
# 550 5.7.1 Message rejected as spam and nothing is delivered or queued.
#
# The client (127.0.0.1) is outside trusted_networks, so the mail is
# inbound (outbound spam would be held, see test_policy.sh); SPF runs
# against the test DNS server (none.spf.test publishes no record).
. "$(dirname "$0")/lib.sh"

e2e_init spam "${1-}"
e2e_dns_start

cli=$E2E_BUILD/cli/vigil
[ -x "$cli" ] || e2e_die "$cli not built (build the vigil_cli target)"
spam_dir=$E2E_CORPUS/spamassassin/spam
ham_dir=$E2E_CORPUS/spamassassin/ham
from=sender@none.spf.test
conf=(
	"trusted_networks = 203.0.113.0/24"
	"dns_servers = 127.0.0.1:$E2E_DNS_PORT"
	"harvest_threshold = 0"
)
e2e_start_all "${conf[@]}"

# scan_score FILE - the score vigil scan gives FILE as this client sends it
scan_score()
{
	"$cli" scan -c "$E2E_CONF" --json --client-ip 127.0.0.1 \
	    --helo client.vigil-e2e.test --from "$from" \
	    --rcpt rcpt@example.org "$1" 2>>"$E2E_DIR/log/scan.log" |
	    perl -ne 'print "$1\n" if /"score": *(-?[0-9.]+)/'
}

# The spam: the first of these that the default rules tag without
# rejecting (so a retuned rule set picks another, not a false failure).
spam=
for s in spam.00018 spam.00026 spam.00131 spam.00182 spam.00055 \
    spam.00077 spam.00115 spam.00130 spam.00121 spam.00211; do
	f=$(e2e_corpus_file "$spam_dir" "$s")
	[ -n "$f" ] || continue
	e2e_prepare "$f"
	sc=$(scan_score "$E2E_MSG")
	if [ -n "$sc" ] && awk -v s="$sc" 'BEGIN { exit !(s >= 5.5 && s < 14) }'
	then
		spam=$E2E_MSG
		spam_score=$sc
		break
	fi
done
[ -n "$spam" ] ||
    e2e_die "no candidate spam scores between 5.5 and 14 with vigil scan (see $E2E_DIR/log/scan.log)"
e2e_log "spam: $spam (vigil scan score $spam_score)"

# 1. Tagged in the delivered copy, with the score vigil scan gives.
e2e_send "$spam" --from "$from"
if e2e_expect_delivered "spam tagged"; then
	t="spam tagged"
	e2e_expect_header "$t" X-Spam-Flag '^YES$'
	# SpamAssassin's default layout (10_default_prefs.cf).
	e2e_expect_header "$t" X-Spam-Status \
	    "^Yes, score=$spam_score required=5\.0 tests=[A-Z0-9_]+[, ].*autolearn=[a-z]+.*[[:space:]]version=[0-9]"
	e2e_expect_header "$t" X-Spam-Level "^\\*{${spam_score%.*}}\$"
	e2e_expect_header "$t" X-Spam-Checker-Version "^Vigil [^ ]+ on [^ ]+\$"
	e2e_expect_body_same "$t"
	cp "$E2E_DELIVERED" "$E2E_DIR/spam.delivered"
	subj=$(e2e_header_values "$spam" Subject)
	got=$(e2e_header_values "$E2E_DELIVERED" Subject)
	e2e_check "$t: Subject unchanged without subject_tag (got '$got', want '$subj')" \
	    [ "$got" = "$subj" ]
fi
e2e_expect_queue "spam tagged" ""

# 2. Forged spam headers in an incoming spam are removed.
f=$spam
e2e_prepare "$f" "X-Spam-Flag: NO" \
    "X-Spam-Status: No, score=-10.0 required=5.0 tests=FORGED_BY_SENDER" \
    "X-Spam-Score: -10.0"
e2e_send "$E2E_MSG" --from "$from"
if e2e_expect_delivered "spam with forged X-Spam-Flag: NO"; then
	t="forged spam headers"
	e2e_expect_header "$t" X-Spam-Flag '^YES$'
	e2e_expect_header "$t" X-Spam-Status '^Yes, score=[0-9.]+ required=5\.0'
	e2e_expect_header "$t" X-Spam-Level '^\*+$'
	n=$(e2e_headers "$E2E_DELIVERED" | grep -ciE 'FORGED_BY_SENDER|^x-spam-[a-z]+: *(NO|-10\.0)')
	e2e_check "$t: nothing of the forged headers left (got $n lines, want 0)" \
	    [ "$n" -eq 0 ]
fi

# 3. A ham: X-Spam-Status: No, no X-Spam-Flag.
f=$(e2e_corpus_file "$ham_dir" easy_ham.00001)
[ -n "$f" ] || e2e_die "easy_ham.00001 not found in $ham_dir"
e2e_prepare "$f"
ham_score=$(scan_score "$E2E_MSG")
e2e_send "$E2E_MSG" --from "$from"
if e2e_expect_delivered "ham"; then
	e2e_expect_header "ham" X-Spam-Status \
	    "^No, score=$ham_score required=5\.0( tests=.*)?\$"
	e2e_expect_header "ham" X-Spam-Checker-Version "^Vigil [^ ]+ on [^ ]+\$"
	e2e_expect_no_header "ham" X-Spam-Flag
	e2e_expect_body_same "ham"
	cp "$E2E_DELIVERED" "$E2E_DIR/ham.delivered"
fi
e2e_expect_queue "spam and ham delivered" ""

# 3b. Filters written for SpamAssassin, run on the delivered copies: Sieve
# (Pigeonhole's sieve-test) and procmail recipes as users have them file
# the spam into Junk and keep the ham.  sieve-test refuses to run as
# root, so it runs as nobody in a directory nobody can write.
rd=$E2E_DIR/recipes
mkdir -p "$rd" && chmod 777 "$rd"
sieves=(
	'if header :contains "X-Spam-Flag" "YES" { fileinto "Junk"; }'
	'if header :contains "X-Spam-Level" "*****" { fileinto "Junk"; }'
	'if header :regex "X-Spam-Status" "^Yes, score=[0-9.]+ required=[0-9.]+ tests=.* autolearn=[a-z]+" { fileinto "Junk"; }'
)
procmails=(
	'* ^X-Spam-Status: Yes'
	'* ^X-Spam-Level: \*\*\*\*\*'
	'* ^X-Spam-Flag: YES'
)
# both A B C D - A is B and C is D
both()
{
	[ "$1" = "$2" ] && [ "$3" = "$4" ]
}
# folder_sieve N MSG - the folder sieve script N files MSG into
folder_sieve()
{
	printf 'require ["fileinto", "regex"];\n%s\n' "${sieves[$1]}" \
	    >"$rd/s$1.sieve"
	cp "$2" "$rd/msg" && chmod 644 "$rd/s$1.sieve" "$rd/msg"
	(cd "$rd" && runuser -u nobody -- sieve-test "s$1.sieve" msg 2>&1) |
	    sed -n 's/^ *\* store message in folder: //p' | head -n 1
}
# folder_procmail N MSG - the folder procmail recipe N files MSG into
# (procmail ignores an rcfile in a directory others may write: its own)
pd=$E2E_DIR/procmail
folder_procmail()
{
	rm -rf "$pd" && mkdir -p "$pd/mail" && chmod 755 "$pd"
	printf 'MAILDIR=%s\nDEFAULT=%s\nLOGFILE=%s\n:0:\n%s\njunk\n' \
	    "$pd/mail" "$pd/mail/inbox" "$pd/log" "${procmails[$1]}" \
	    >"$pd/p$1.rc"
	procmail -m "$pd/p$1.rc" <"$2" >/dev/null 2>&1
	ls "$pd/mail" | grep -v '\.lock$' | head -n 1
}
if ! command -v sieve-test >/dev/null || ! command -v procmail >/dev/null
then
	e2e_not_ok "SpamAssassin recipes" "sieve-test or procmail missing (packaging/deps.sh: dovecot-sieve procmail)"
elif [ -f "$E2E_DIR/spam.delivered" ] && [ -f "$E2E_DIR/ham.delivered" ]; then
	for i in "${!sieves[@]}"; do
		s=$(folder_sieve "$i" "$E2E_DIR/spam.delivered")
		h=$(folder_sieve "$i" "$E2E_DIR/ham.delivered")
		e2e_check "Sieve '${sieves[$i]}': spam in '$s' (want Junk), ham in '$h' (want INBOX)" \
		    both "$s" Junk "$h" INBOX
	done
	for i in "${!procmails[@]}"; do
		s=$(folder_procmail "$i" "$E2E_DIR/spam.delivered")
		h=$(folder_procmail "$i" "$E2E_DIR/ham.delivered")
		e2e_check "procmail '${procmails[$i]}': spam in '$s' (want junk), ham in '$h' (want inbox)" \
		    both "$s" junk "$h" inbox
	done
fi

# 4. subject_tag: the tagged copy's Subject starts with the tag.
rules=$(e2e_rules_file subject-tag.rules 'subject_tag [SPAM]')
e2e_milter_restart "${conf[@]}" "rules = $rules"
e2e_send "$spam" --from "$from"
if e2e_expect_delivered "spam with subject_tag [SPAM]"; then
	t="subject_tag"
	e2e_expect_header "$t" X-Spam-Flag '^YES$'
	subj=$(e2e_header_values "$spam" Subject)
	got=$(e2e_header_values "$E2E_DELIVERED" Subject)
	e2e_check "$t: Subject (got '$got', want '[SPAM] $subj')" \
	    [ "$got" = "[SPAM] $subj" ]
	n=$(e2e_header_values "$E2E_DELIVERED" Subject | grep -c '')
	e2e_check "$t: one Subject header (got $n, want 1)" [ "$n" -eq 1 ]
fi
# A ham's Subject is left alone.
f=$(e2e_corpus_file "$ham_dir" easy_ham.00001)
e2e_prepare "$f"
e2e_send "$E2E_MSG" --from "$from"
if e2e_expect_delivered "ham with subject_tag [SPAM]"; then
	subj=$(e2e_header_values "$E2E_MSG" Subject)
	got=$(e2e_header_values "$E2E_DELIVERED" Subject)
	e2e_check "ham with subject_tag: Subject unchanged (got '$got', want '$subj')" \
	    [ "$got" = "$subj" ]
fi

# 5. reject_score 5: the same spam is refused in the session.
rules=$(e2e_rules_file reject5.rules 'reject_score 5')
e2e_milter_restart "${conf[@]}" "rules = $rules"
before=$(e2e_sink_count)
e2e_send "$spam" --from "$from"
e2e_expect_refused "spam with reject_score 5" \
    "^550 5\\.7\\.1 Message rejected as spam \\(score $spam_score\\)" "$before"
e2e_expect_queue "spam refused" ""

e2e_finish
