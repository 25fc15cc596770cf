#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# scan_sign.sh VIGIL SOURCE_DIR - outbound DKIM signing through `vigil scan
# --dkim-sign --json`: the signature covers the message as it will be
# delivered.  Mail from a trusted client and from a SASL sender is
# signed; its DKIM-Signature, put on top of the message, verifies with
# dkimpy (Debian python3-dkim, independent of Vigil;
# tests/tools/dkim-verify.py).  Outbound spam that Vigil tags gets
# "[SPAM] " in its Subject: the signature covers the tagged Subject (the
# message with the tag verifies, without it fails).  Inbound mail, a From:
# domain without a key, and a scan without --dkim-sign are not signed.
# Skips (exit 77) without python3-dkim.
set -u
vigil=$1
src=$2
. "$src/tests/tools/skip.sh"
/usr/bin/python3 -c 'import dkim' 2>/dev/null ||
	vg_skip "python3-dkim is not installed (apt-get install python3-dkim)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
VG_TEST=cli_scan_sign
. "$src/tests/tools/check.sh"
pem=$src/tests/dkim/rsa2048.pem

cat >"$tmp/msg.eml" <<'MSG'
From: Alice <alice@dkim.test>
To: bob@example.net
Subject: Lunch on Friday
Date: Mon, 7 Dec 2026 08:00:00 +0000
Message-ID: <lunch.1@dkim.test>

Hi Bob,

lunch at noon  on Friday?

Alice
MSG
# A rule that makes the message spam, and the tag Vigil then adds.
cat >"$tmp/spam.rules" <<RULES
include $src/rules/vigil.rules
header   TEST_LUNCH Subject =~ /Lunch/
score    TEST_LUNCH 10.0
subject_tag [SPAM]
RULES
conf=$tmp/vigil.conf
{
	printf 'sa_update_dir =\nsocket = unix:%s/x\nvirus_scan = no\nbayes = no\n' "$tmp"
	printf 'rules = %s/rules/vigil.rules\nauthserv_id = mx.test\n' "$src"
	printf 'dns_servers = 127.0.0.1:1\ndns_timeout = 1s\n'
	printf 'dkim_sign_domain = dkim.test:rsa\ndkim_sign_key = %s\n' "$pem"
} >"$conf"

# scan FILE ARGS... - vigil scan --json --dkim-sign of FILE into $out
scan() {
	f=$1
	shift
	out=$("$vigil" scan -c "${CONF:-$conf}" --json "$@" "$f") ||
		fail "vigil scan $* exit $? ($out)"
}

# delivered OUT [nosubject] - the scanned message as the MTA would deliver
# it: the DKIM-Signature on top, the Subject as Vigil changed it (unless
# nosubject); from the JSON in $out
delivered() {
	printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
v = json.loads(sys.stdin.read())
msg = open(sys.argv[1]).read()
keep = len(sys.argv) > 3
top = ""
for h in v["headers"]:
    if h["name"] == "DKIM-Signature":
        top = "DKIM-Signature: " + h["value"] + "\n"
    elif h["name"] == "Subject" and not keep:
        head, body = msg.split("\n\n", 1)
        lines = [("Subject: " + h["value"]) if l.startswith("Subject:")
                 else l for l in head.split("\n")]
        msg = "\n".join(lines) + "\n\n" + body
open(sys.argv[2], "w").write(top + msg)
' "$2" "$1" ${3:+keep} || fail "cannot rebuild the delivered message"
}

# verifies FILE - dkimpy passes FILE
verifies() {
	/usr/bin/python3 "$src/tests/tools/dkim-verify.py" "$pem" rsa dkim.test \
	    <"$1" >"$tmp/dkimpy.out" 2>&1
}

# 1. A trusted client, and a SASL sender: signed, and dkimpy passes it.
for who in "--client-ip 127.0.0.1" "--client-ip 203.0.113.9 --auth alice"; do
	# shellcheck disable=SC2086
	scan "$tmp/msg.eml" --dkim-sign $who
	printf '%s' "$out" | grep -q '"name": "DKIM-Signature", "value": "v=1; a=rsa-sha256; c=relaxed/relaxed; d=dkim.test; s=rsa;' ||
		fail "$who: no DKIM-Signature in '$out'"
	delivered "$tmp/d.eml" "$tmp/msg.eml"
	verifies "$tmp/d.eml" || fail "$who: dkimpy: $(cat "$tmp/dkimpy.out")"
	sed 's/noon/nooN/' "$tmp/d.eml" >"$tmp/bad.eml"
	verifies "$tmp/bad.eml" && fail "$who: a changed body still verifies"
done

# 2. Outbound spam, tagged: the signature covers "[SPAM] Lunch...".
printf 'outbound_spam_action = tag\nrules = %s\n' "$tmp/spam.rules" \
    >"$tmp/tag.conf.tail"
grep -v '^rules =' "$conf" >"$tmp/tag.conf"
cat "$tmp/tag.conf.tail" >>"$tmp/tag.conf"
CONF=$tmp/tag.conf scan "$tmp/msg.eml" --dkim-sign --client-ip 127.0.0.1
printf '%s' "$out" | grep -q '"decision": "tag"' ||
	fail "tagged: got '$out', want decision tag"
printf '%s' "$out" | grep -q '"name": "Subject", "value": "\[SPAM\] Lunch on Friday"' ||
	fail "tagged: no tagged Subject in '$out'"
delivered "$tmp/t.eml" "$tmp/msg.eml"
verifies "$tmp/t.eml" || fail "tagged: dkimpy: $(cat "$tmp/dkimpy.out")"
delivered "$tmp/u.eml" "$tmp/msg.eml" keep
verifies "$tmp/u.eml" && fail "tagged: the untagged Subject verifies too"

# 3. Not signed: inbound, a domain without a key, no --dkim-sign.
scan "$tmp/msg.eml" --dkim-sign --client-ip 198.51.100.7
printf '%s' "$out" | grep -q DKIM-Signature && fail "inbound was signed"
sed 's/alice@dkim\.test/alice@example.com/' "$tmp/msg.eml" >"$tmp/other.eml"
scan "$tmp/other.eml" --dkim-sign --client-ip 127.0.0.1
printf '%s' "$out" | grep -q DKIM-Signature &&
	fail "a From: domain without a key was signed"
scan "$tmp/msg.eml" --client-ip 127.0.0.1
printf '%s' "$out" | grep -q DKIM-Signature &&
	fail "signed without --dkim-sign"
echo "PASS cli_scan_sign"
