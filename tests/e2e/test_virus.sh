#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test_virus.sh BUILD_DIR - virus scanning through a real Postfix.
#
# Clean corpus mail is delivered with its body unchanged and
# "X-Virus-Status: Clean"; every EICAR message (plain, base64 attachment,
# zip, nested zip) is refused at end of DATA with 550 5.7.1 naming the
# signature and nothing is delivered, as are clamav-testfiles programs
# attached (hash signatures); forged X-Virus-* headers neither
# save an infected message nor survive in a clean one.
. "$(dirname "$0")/lib.sh"

e2e_init virus "${1-}"
e2e_start_all

ham=$E2E_CORPUS/spamassassin/ham
mal=$E2E_CORPUS/malware
# Plain text, a line starting with "." (dot-stuffing), a list message,
# easy_ham_2, hard_ham (HTML) and 8-bit text (hard_ham.00220).
hams=(easy_ham.00001 easy_ham.00004 easy_ham.00049 easy_ham_2.00002
    hard_ham.00001 hard_ham.00220)

for h in "${hams[@]}"; do
	# Corpus file names end in the message's MD5.
	f=$(ls "$ham/$h".* 2>/dev/null | head -n 1)
	[ -n "$f" ] || e2e_die "corpus message $h not found in $ham"
	e2e_prepare "$f"
	e2e_send "$E2E_MSG"
	t="ham $h"
	e2e_expect_delivered "$t" || continue
	e2e_expect_body_same "$t"
	e2e_expect_header "$t" X-Virus-Status '^Clean$'
	e2e_expect_header "$t" X-Virus-Scanned '^Vigil '
done

reject='^550 5\.7\.1 Message rejected: virus Eicar-Test-Signature(\.UNOFFICIAL)? detected'
for m in eicar-plain eicar-base64-attachment eicar-in-zip \
    eicar-in-nested-zip; do
	[ -f "$mal/$m.eml" ] || e2e_die "$mal/$m.eml not found"
	before=$(e2e_sink_count)
	e2e_prepare "$mal/$m.eml"
	e2e_send "$E2E_MSG"
	e2e_expect_refused "$m" "$reject" "$before"
done

# The hash signatures of Debian's clamav-testfiles, on attachments built
# here (the files are harmless test programs).
tf=/usr/share/clamav-testfiles
for a in clam.exe clam.zip; do
	[ -f "$tf/$a" ] || e2e_die "$tf/$a not found (apt-get install clamav-testfiles)"
	src=$E2E_DIR/msg/attach.$a
	{
		printf '%s\n' "From: Tester <tester@example.net>" \
		    "To: rcpt@example.org" "Subject: attachment $a" \
		    "Message-ID: <attach-$a@example.net>" "MIME-Version: 1.0" \
		    "Content-Type: multipart/mixed; boundary=\"b1\"" "" \
		    "--b1" "Content-Type: text/plain" "" "See attached." "" \
		    "--b1" "Content-Type: application/octet-stream; name=\"$a\"" \
		    "Content-Transfer-Encoding: base64" \
		    "Content-Disposition: attachment; filename=\"$a\"" ""
		base64 -w 76 "$tf/$a"
		printf '%s\n' "--b1--"
	} >"$src"
	before=$(e2e_sink_count)
	e2e_prepare "$src"
	e2e_send "$E2E_MSG"
	e2e_expect_refused "clamav-testfiles $a attached" \
	    '^550 5\.7\.1 Message rejected: virus Clamav\.Test\.File-clam\.(exe|zip)(\.UNOFFICIAL)? detected' \
	    "$before"
done

# A sender cannot vouch for its own message.
before=$(e2e_sink_count)
e2e_prepare "$mal/eicar-plain.eml" "X-Virus-Status: Clean" \
    "X-Virus-Scanned: Vigil 0.1.0 (ClamAV forged)"
e2e_send "$E2E_MSG"
e2e_expect_refused "eicar-plain with forged X-Virus-Status: Clean" \
    "$reject" "$before"

# In a clean message forged headers are removed, whatever their case,
# and ours added: exactly one of each, spelled as we spell it.  The same
# holds for the spam headers (DESIGN.md): a forged X-Spam-Flag on ham
# disappears.
f=$(ls "$ham"/easy_ham.00001.* | head -n 1)
e2e_prepare "$f" "X-VIRUS-STATUS: Clean" \
    "X-Virus-Status: Infected (Forged.Sender.Header)" \
    "x-virus-scanned: forged-scanner" \
    "X-Spam-Flag: YES" "X-Spam-Score: -99.0" \
    "X-SPAM-STATUS: No, score=-99.0 required=5.0 tests=FORGED"
e2e_send "$E2E_MSG"
if e2e_expect_delivered "ham with forged X-Virus-* headers"; then
	t="forged headers replaced"
	e2e_expect_body_same "$t"
	e2e_expect_header "$t" X-Virus-Status '^Clean$'
	e2e_expect_header "$t" X-Virus-Scanned '^Vigil '
	e2e_expect_header "$t" X-Spam-Status '^No, score=[0-9.-]+ required='
	# SpamAssassin's layout has no X-Spam-Score: the forged one is
	# simply gone, and X-Spam-Checker-Version is ours.
	e2e_expect_no_header "$t" X-Spam-Score
	e2e_expect_no_header "$t" X-Spam-Flag
	e2e_expect_header "$t" X-Spam-Checker-Version '^Vigil [^ ]+ on '
	v=$(e2e_header_values "$E2E_DELIVERED" X-Spam-Status)
	e2e_check "$t: X-Spam-Status is ours (got $v, want no FORGED)" \
	    [ "${v#*FORGED}" = "$v" ]
fi

e2e_finish
