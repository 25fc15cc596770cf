#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# scan_dkim.sh VIGIL SOURCE_DIR DNS_PORT - DKIM through `vigil scan --json`
# against the test DNS server (tests/dns, dnsmasq on loopback, serving the
# keys of tests/dkim/): messages signed by dkimpy (Debian python3-dkim, an
# implementation independent of Vigil's) verify with rsa-sha256 and
# ed25519-sha256 under every canonicalisation; a body or header changed by
# one byte fails; a small, revoked, malformed or missing key and a dead DNS
# server give policy, permerror and temperror as RFC 6376 says, and the
# message is still accepted; trusted clients and dkim = no are not
# checked.  With DMARC on (the default), the policies of the test zones:
# pass by aligned DKIM or SPF, fail under p=reject and sp=quarantine,
# dmarc_reject, no record, a malformed one, DNS dead.  Skips (exit 77)
# without dnsmasq or python3-dkim.
set -u
vigil=$1
src=$2
port=$3
. "$src/tests/tools/skip.sh"
[ -x /usr/sbin/dnsmasq ] || vg_skip "dnsmasq is not installed"
/usr/bin/python3 -c 'import dkim' 2>/dev/null ||
	vg_skip "python3-dkim is not installed (apt-get install python3-dkim)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
VG_TEST=cli_scan_dkim
. "$src/tests/tools/check.sh"


conf=$tmp/vigil.conf
printf 'sa_update_dir =\nsocket = unix:%s/x\nvirus_scan = no\nrules = %s\nauthserv_id = mx.test\n' \
    "$tmp" "$src/rules/vigil.rules" >"$conf"
printf 'dns_servers = 127.0.0.1:%s\ndns_timeout = 2s\n' "$port" >>"$conf"
# DMARC is on by default (section 10 uses the default); sections 1-9 look
# at DKIM alone.
dm=$tmp/dmarc.conf
cp "$conf" "$dm"
echo 'dmarc = no' >>"$conf"

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

# sign KEY SELECTOR CANON ALG OUT [l] - $tmp/msg.eml signed by dkimpy
sign() {
	/usr/bin/python3 "$src/tests/tools/dkim-sign.py" "$src/tests/dkim/$1" \
	    "$2" dkim.test "$3" "$4" ${6:-} <"${IN:-$tmp/msg.eml}" \
	    >"$tmp/$5.eml" || fail "dkimpy could not sign $5"
}

# scan NAME [ARGS...] - vigil scan --json of $tmp/NAME.eml
scan() {
	name=$1
	shift
	out=$("$vigil" scan -c "${CONF:-$conf}" "$@" --json "$tmp/$name.eml")
	rc=$?
	[ $rc -eq 0 ] || fail "$name: vigil scan exit $rc ($out)"
	want "$out" '"decision": "accept"' "$name is delivered"
}

AR='"name": "Authentication-Results", "value": "mx\.test; '

# 1. Independent signatures verify: rsa-sha256 and ed25519-sha256, each
#    canonicalisation.
for c in "rsa2048.pem rsa relaxed/relaxed rsa-sha256" \
    "rsa2048.pem rsa simple/simple rsa-sha256" \
    "rsa2048.pem rsa simple/relaxed rsa-sha256" \
    "ed25519.pem ed relaxed/simple ed25519-sha256" \
    "ed25519.pem ed relaxed/relaxed ed25519-sha256"; do
	# shellcheck disable=SC2086
	set -- $c
	sign "$1" "$2" "$3" "$4" good
	scan good
	want "$out" '"name": "DKIM_VALID", "score": -0\.10' "$c: DKIM_VALID"
	want "$out" '"name": "DKIM_VALID_AU"' "$c: DKIM_VALID_AU"
	want "$out" '"name": "DKIM_SIGNED"' "$c: DKIM_SIGNED"
	wont "$out" 'DKIM_INVALID|DKIM_TEMPERROR' "$c: no failure"
	want "$out" "${AR}dkim=pass header\.d=dkim\.test header\.s=$2\"" \
	    "$c: Authentication-Results"
done

# 2. The same message with LF line ends (as a file on disk) verifies too.
tr -d '\r' <"$tmp/good.eml" >"$tmp/lf.eml"
scan lf
want "$out" '"name": "DKIM_VALID_AU"' "LF line ends"

# 3. One byte changed in the body: the body hash fails.
sign rsa2048.pem rsa relaxed/relaxed rsa-sha256 good
sed 's/noon/nooN/' "$tmp/good.eml" >"$tmp/body.eml"
scan body
want "$out" '"name": "DKIM_INVALID", "score": 0\.10, "detail": "dkim=fail header\.d=dkim\.test header\.s=rsa \(body hash mismatch\)"' \
    "changed body"
wont "$out" 'DKIM_VALID' "changed body is not valid"
want "$out" "${AR}dkim=fail header\.d=dkim\.test header\.s=rsa\"" \
    "changed body: Authentication-Results"
# ... and in a signed header: the signature fails.
sed 's/^Subject: Lunch/Subject: Munch/' "$tmp/good.eml" >"$tmp/hdr.eml"
scan hdr
want "$out" 'dkim=fail header\.d=dkim\.test header\.s=rsa \(signature does not verify\)' \
    "changed header"

# 4. Keys: too small (policy), revoked, malformed, missing (permerror).
sign rsa512.pem small relaxed/relaxed rsa-sha256 small
scan small
want "$out" 'dkim=policy header\.d=dkim\.test header\.s=small \(RSA key of 512 bits\)' \
    "512-bit key"
want "$out" '"name": "DKIM_INVALID"' "512-bit key is invalid"
for s in revoked malformed missing; do
	sign rsa2048.pem $s relaxed/relaxed rsa-sha256 $s
	scan $s
	want "$out" "\"name\": \"DKIM_INVALID\", \"score\": 0\\.10, \"detail\": \"dkim=permerror header\\.d=dkim\\.test header\\.s=$s" \
	    "$s key"
	want "$out" "${AR}dkim=permerror header\\.d=dkim\\.test header\\.s=$s\"" \
	    "$s key: Authentication-Results"
done
want "$out" 'key not found: nxdomain' "missing key reason"

# 5. DNS dead (nothing listens on port 1): temperror, never a rejection.
dead=$tmp/dead.conf
sed "s/^dns_servers = .*/dns_servers = 127.0.0.1:1/" "$conf" >"$dead"
CONF=$dead scan good
want "$out" '"name": "DKIM_TEMPERROR", "score": 0\.00' "dead DNS"
wont "$out" 'DKIM_INVALID|DKIM_VALID' "dead DNS is neither valid nor invalid"
want "$out" "${AR}dkim=temperror header\\.d=dkim\\.test header\\.s=rsa\"" \
    "dead DNS: Authentication-Results"

# 6. l=: text appended after the signed length is never a pass.
sign rsa2048.pem rsa relaxed/relaxed rsa-sha256 lgood l
scan lgood
want "$out" '"name": "DKIM_VALID_AU"' "l= covering the body"
printf 'Click http://evil.example/ now\r\n' >>"$tmp/lgood.eml"
cp "$tmp/lgood.eml" "$tmp/lbad.eml"
scan lbad
want "$out" 'dkim=policy header\.d=dkim\.test header\.s=rsa \(unsigned content after l=\)' \
    "text after l="
wont "$out" 'DKIM_VALID' "text after l= is not valid"

# 7. Two signatures (Ed25519 over RSA): both reported, top down.
sign rsa2048.pem rsa relaxed/relaxed rsa-sha256 one
IN=$tmp/one.eml sign ed25519.pem ed relaxed/relaxed ed25519-sha256 two
scan two
want "$out" "${AR}dkim=pass header\\.d=dkim\\.test header\\.s=ed; dkim=pass header\\.d=dkim\\.test header\\.s=rsa\"" \
    "two signatures"

# 8. A valid signature of another domain than From's: not _AU.
sed 's/^From: Alice <alice@dkim.test>/From: Alice <alice@other.example>/' \
    "$tmp/msg.eml" >"$tmp/other-src.eml"
IN=$tmp/other-src.eml sign rsa2048.pem rsa relaxed/relaxed rsa-sha256 other
scan other
want "$out" '"name": "DKIM_VALID"' "other domain: valid"
wont "$out" 'DKIM_VALID_AU' "other domain: not author-aligned"

# 9. Outbound (a trusted client) and dkim = no: not checked.
scan good --client-ip 127.0.0.1
wont "$out" 'DKIM_|dkim=' "trusted client"
off=$tmp/off.conf
cp "$conf" "$off"
echo 'dkim = no' >>"$off"
CONF=$off scan good
wont "$out" 'DKIM_|dkim=' "dkim = no"
# 10. DMARC (on by default): the policy of dkim.test is p=reject,
#     sp=quarantine.
CONF=$dm scan good
want "$out" '"name": "DMARC_PASS", "score": -0\.10, "detail": "dmarc=pass header\.from=dkim\.test \(p=reject\)"' \
    "DMARC pass by DKIM"
want "$out" "${AR}dkim=pass header\\.d=dkim\\.test header\\.s=rsa; dmarc=pass header\\.from=dkim\\.test\"" \
    "DMARC pass: Authentication-Results"
CONF=$dm scan body
want "$out" '"name": "DMARC_FAIL_REJECT", "score": 3\.00' "DMARC fail, p=reject"
want "$out" 'dmarc=fail header\.from=dkim\.test"' "DMARC fail: Authentication-Results"
# dmarc_reject = yes refuses it.
cp "$dm" "$tmp/dmrej.conf"
echo 'dmarc_reject = yes' >>"$tmp/dmrej.conf"
out=$("$vigil" scan -c "$tmp/dmrej.conf" --json "$tmp/body.eml")
want "$out" '"decision": "reject"' "dmarc_reject: decision"
want "$out" '"reply": "550 5\.7\.1 Message rejected: it fails the DMARC policy of dkim\.test"' \
    "dmarc_reject: reply"
# A subdomain without a record of its own: the organisational domain's
# sp=quarantine applies; signed by the parent domain it passes (relaxed).
sed 's/^From: Alice <alice@dkim.test>/From: Alice <alice@sub.dkim.test>/' \
    "$tmp/msg.eml" >"$tmp/sub.eml"
CONF=$dm scan sub
want "$out" '"name": "DMARC_FAIL_QUARANTINE", "score": 1\.50' "sp=quarantine"
IN=$tmp/sub.eml sign rsa2048.pem rsa relaxed/relaxed rsa-sha256 subsigned
CONF=$dm scan subsigned
want "$out" '"name": "DMARC_PASS"' "relaxed DKIM alignment"
# No record: dmarc=none, not scored; a malformed one: permerror.
sed 's/^From: Alice <alice@dkim.test>/From: Alice <alice@nodmarc.test>/' \
    "$tmp/msg.eml" >"$tmp/nodmarc.eml"
CONF=$dm scan nodmarc
want "$out" "${AR}dmarc=none header\\.from=nodmarc\\.test\"" "no DMARC record"
wont "$out" '"name": "DMARC_' "no DMARC record: no symbol"
sed 's/^From: Alice <alice@dkim.test>/From: Alice <alice@bad.dkim.test>/' \
    "$tmp/msg.eml" >"$tmp/baddmarc.eml"
CONF=$dm scan baddmarc
want "$out" 'dmarc=permerror header\.from=bad\.dkim\.test"' "malformed record"
# SPF alone, aligned: pass.
sed 's/^From: Alice <alice@dkim.test>/From: Alice <alice@pass.spf.test>/' \
    "$tmp/msg.eml" >"$tmp/spf.eml"
CONF=$dm scan spf --client-ip 192.0.2.1 --from a@pass.spf.test
want "$out" "${AR}spf=pass smtp\\.mailfrom=pass\\.spf\\.test; dmarc=pass header\\.from=pass\\.spf\\.test\"" \
    "DMARC pass by SPF"
# ... and an SPF pass for another organisational domain is not aligned
# (include.spf.test would be: both are in spf.test).
cp "$tmp/msg.eml" "$tmp/unsigned.eml"
CONF=$dm scan unsigned --client-ip 192.0.2.1 --from a@pass.spf.test
want "$out" '"name": "DMARC_FAIL_REJECT"' "unaligned SPF pass"
# DNS dead: temperror, delivered.
sed 's/^dns_servers = .*/dns_servers = 127.0.0.1:1/' "$dm" >"$tmp/dmdead.conf"
CONF=$tmp/dmdead.conf scan good
want "$out" '"name": "DMARC_TEMPERROR"' "DMARC with DNS dead"
want "$out" 'dmarc=temperror header\.from=dkim\.test"' \
    "DMARC with DNS dead: Authentication-Results"
# ... never a refusal, even with dmarc_reject = yes (scan wants accept).
echo 'dmarc_reject = yes' >>"$tmp/dmdead.conf"
CONF=$tmp/dmdead.conf scan body
want "$out" '"name": "DMARC_TEMPERROR"' "DMARC with DNS dead, dmarc_reject"
echo "PASS cli_scan_dkim"
