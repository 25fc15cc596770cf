#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test_dkimsign.sh BUILD_DIR - outbound DKIM signing through a real Postfix
# (issue 12).
#
# vigil-milter signs for dkim.test with the RSA-2048 test key
# (tests/dkim/rsa2048.pem, selector rsa), copied to a root-only file (0600
# in a 0700 directory) that the milter can read only before it drops to
# user = postfix.  Mail submitted from the trusted loopback with From:
# alice@dkim.test is delivered with one DKIM-Signature that dkimpy
# (Debian python3-dkim, independent of Vigil; tests/tools/dkim-verify.py)
# and Vigil's own verifier (vigil scan against the test DNS server, which
# publishes rsa._domainkey.dkim.test) both pass; the delivered copy with
# one byte of its body or of a signed header changed fails dkimpy.  Mail
# from a domain without a key, and inbound mail (an outside client through
# XCLIENT) from dkim.test, is not signed.  After SIGHUP (a reload as user
# postfix, which cannot read the key any more) mail is still signed.  No
# line of the key reaches any log.  vigil-milter -t refuses a 512-bit key
# with file:line.  Skips without python3-dkim or dnsmasq.
. "$(dirname "$0")/lib.sh"

e2e_init dkimsign "${1-}"
/usr/bin/python3 -c 'import dkim' 2>/dev/null ||
	e2e_skip "python3-dkim is not installed (apt-get install python3-dkim)"
e2e_dns_start

id=vigil-e2e.test
verify=$E2E_SRC/tests/tools/dkim-verify.py
pem=$E2E_SRC/tests/dkim/rsa2048.pem
keys=$E2E_DIR/milter/keys
mkdir -p "$keys" && chmod 700 "$keys" || e2e_die "cannot create $keys"
cp "$pem" "$keys/dkim.test.pem" && chmod 600 "$keys/dkim.test.pem" ||
	e2e_die "cannot copy the key"
base=(
	"authserv_id = $id"
	"dns_servers = 127.0.0.1:$E2E_DNS_PORT"
	"harvest_threshold = 0"
	"dkim_sign_domain = dkim.test:rsa"
	"dkim_sign_key = $keys/%d.pem"
)
e2e_start_all "${base[@]}"
e2e_postfix_set "smtpd_authorized_xclient_hosts = 127.0.0.1" \
    "mynetworks = 127.0.0.0/8, 198.51.100.0/24"

# A 7-bit message with what SMTP and canonicalisation could disturb: a
# line starting with a dot, trailing blanks, runs of blanks, a long line,
# empty lines at the end.
msg=$E2E_DIR/msg/outbound.eml
{
	printf 'From: Alice <alice@dkim.test>\n'
	printf 'To: Bob <bob@example.org>\n'
	printf 'Subject: Quarterly figures,\n\tas promised\n'
	printf 'Date: Mon, 7 Dec 2026 08:00:00 +0000\n'
	printf 'Message-ID: <q4.1@dkim.test>\n'
	printf 'MIME-Version: 1.0\n'
	printf 'Content-Type: text/plain; charset=us-ascii\n'
	printf '\n'
	printf 'Hi Bob,\n\n'
	printf '.a line that starts with a dot\n'
	printf 'trailing blanks   \n'
	printf 'runs  of \t blanks\n'
	printf '%0998d\n' 0
	printf 'Alice\n\n\n'
} >"$msg" || e2e_die "cannot write $msg"

# dkimpy_verify FILE - dkimpy's verdict on every signature of FILE
dkimpy_verify()
{
	/usr/bin/python3 "$verify" "$pem" rsa dkim.test <"$1" \
	    >>"$E2E_DIR/log/dkimpy.log" 2>&1
}

# expect_signed WHAT - the delivered copy has one DKIM-Signature of
# dkim.test that dkimpy passes
expect_signed()
{
	local w='[[:space:]]+'
	e2e_expect_header "$1" DKIM-Signature \
	    "^v=1; a=rsa-sha256; c=relaxed/relaxed; d=dkim\\.test; s=rsa;${w}t=[0-9]+;${w}h=from:from:to:subject:date:message-id:mime-version:[[:space:]]*content-type;${w}bh="
	e2e_check "$1: dkimpy verifies the delivered copy" \
	    dkimpy_verify "$E2E_DELIVERED"
}

# 1. Outbound from the trusted loopback: signed, and verifies.
e2e_prepare "$msg"
e2e_send "$E2E_MSG" --from alice@dkim.test
if e2e_expect_delivered "outbound from dkim.test"; then
	t="outbound from dkim.test"
	expect_signed "$t"
	e2e_expect_body_same "$t"
	signed=$E2E_DELIVERED

	# One byte of the body, then of a signed header, changed.
	sed 's/runs  of/runs  oF/' "$signed" >"$E2E_DIR/msg/bad-body.eml"
	e2e_check "$t: one body byte changed: dkimpy fails it" \
	    eval "! dkimpy_verify $E2E_DIR/msg/bad-body.eml"
	sed 's/^To: Bob/To: Rob/' "$signed" >"$E2E_DIR/msg/bad-to.eml"
	e2e_check "$t: one To: byte changed: dkimpy fails it" \
	    eval "! dkimpy_verify $E2E_DIR/msg/bad-to.eml"

	# Vigil's verifier, as a receiving Vigil would run it.
	sconf=$E2E_DIR/milter/scan.conf
	printf 'sa_update_dir =\nsocket = unix:%s/x\nvirus_scan = no\nbayes = no\nrules = %s\n' \
	    "$E2E_DIR" "$E2E_SRC/rules/vigil.rules" >"$sconf"
	printf 'authserv_id = mx.test\ndns_servers = 127.0.0.1:%s\n' \
	    "$E2E_DNS_PORT" >>"$sconf"
	out=$("$E2E_BUILD/cli/vigil" scan -c "$sconf" \
	    --client-ip 198.51.100.7 --json "$signed")
	if e2e_matches "$out" 'dkim=pass header\.d=dkim\.test header\.s=rsa'; then
		e2e_ok "$t: Vigil's verifier passes it (dkim=pass)"
	else
		e2e_not_ok "$t: Vigil's verifier" "got '$out', want dkim=pass"
	fi
fi

# 2. Outbound from a domain without a key: delivered unsigned.
sed 's/alice@dkim\.test/alice@example.com/' "$msg" >"$E2E_DIR/msg/nokey.eml"
e2e_send "$E2E_DIR/msg/nokey.eml" --from alice@example.com
if e2e_expect_delivered "outbound from a domain without a key"; then
	e2e_expect_no_header "outbound without a key" DKIM-Signature
fi

# 3. Inbound (an outside client) claiming dkim.test: not signed.
e2e_send "$msg" --xclient-addr 198.51.100.7 --from alice@dkim.test
if e2e_expect_delivered "inbound from dkim.test"; then
	e2e_expect_no_header "inbound" DKIM-Signature
fi

# 4. A reload runs as postfix, which cannot read the key: mail is still
# signed with the key read at start.
e2e_check "the key is unreadable for user postfix" \
    eval "! su -s /bin/sh postfix -c 'cat $keys/dkim.test.pem' >/dev/null 2>&1"
n=$(grep -c 'reload: done' "$E2E_DIR/log/milter.log")
kill -HUP "$E2E_MILTER_PID" || e2e_die "cannot signal vigil-milter"
e2e_check "SIGHUP: the reload is done" e2e_wait_for "$E2E_TIMEOUT" \
    eval "[ \$(grep -c 'reload: done' $E2E_DIR/log/milter.log) -gt $n ]"
e2e_send "$msg" --from alice@dkim.test
if e2e_expect_delivered "outbound after a reload"; then
	expect_signed "outbound after a reload"
fi

# 5. Nothing of the key in any log: three lines from its middle.
leak=0
for line in $(sed -n '5p;12p;20p' "$pem"); do
	if grep -rqF -- "$line" "$E2E_DIR/log"; then
		leak=1
	fi
done
e2e_check "no line of the private key in the logs" [ "$leak" -eq 0 ]

# 6. A key too weak is a file:line error at load (vigil-milter -t).
bad=$E2E_DIR/milter/bad.conf
sed "s|^dkim_sign_key = .*|dkim_sign_key = $E2E_SRC/tests/dkim/rsa512.pem|" \
    "$E2E_CONF" >"$bad"
line=$(grep -n '^dkim_sign_key' "$bad" | cut -d: -f1)
out=$("$E2E_MILTER_BIN" -t -c "$bad" 2>&1)
rc=$?
if [ $rc -eq 1 ] && e2e_matches "$out" \
    "$bad:$line: dkim_sign_key for dkim\.test: .*RSA key of 512 bits"; then
	e2e_ok "vigil-milter -t: a 512-bit key is refused ($out)"
else
	e2e_not_ok "vigil-milter -t with a 512-bit key" \
	    "got exit $rc '$out', want 1 and $bad:$line: ... 512 bits"
fi

e2e_expect_queue "all delivered" ""
e2e_finish
