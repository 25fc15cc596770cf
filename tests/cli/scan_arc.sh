#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# scan_arc.sh VIGIL SOURCE_DIR DNS_PORT - ARC (RFC 8617) through `vigil scan
# --json` against the test DNS server (tests/dns, dnsmasq on loopback,
# serving the sealers' keys).  Messages are ARC-sealed at test time by
# dkimpy (Debian python3-dkim with python3-authres, independent of
# Vigil's code): a list message whose author domain's DKIM signature the
# list broke (Subject tag, footer) and which the list sealed with
# "dkim=pass" in its ARC-Authentication-Results passes ARC; under the
# author domain's p=reject it is refused with dmarc_reject unless the list
# is in arc_trusted_sealers, when DMARC_ARC_OVERRIDE replaces the failure.
# A two-hop chain passes, and only its newest sealer counts; a seal or a
# body changed by one byte fails; a chain longer than arc_max_sets fails;
# a dead DNS server is temperror and the mail is delivered; outbound mail
# and arc = no are not checked.  Skips (exit 77) without dnsmasq,
# python3-dkim or python3-authres.
set -u
vigil=$1
src=$2
port=$3
. "$src/tests/tools/skip.sh"
[ -x /usr/sbin/dnsmasq ] || vg_skip "dnsmasq is not installed"
/usr/bin/python3 -c 'import dkim, authres' 2>/dev/null ||
	vg_skip "python3-dkim or python3-authres is not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
VG_TEST=cli_scan_arc
. "$src/tests/tools/check.sh"


conf=$tmp/vigil.conf
printf 'sa_update_dir =\nsocket = unix:%s/x\nvirus_scan = no\nrules = %s\nauthserv_id = mx.test\n' \
    "$tmp" "$src/rules/vigil.rules" >"$conf"
printf 'dns_servers = 127.0.0.1:%s\ndns_timeout = 2s\n' "$port" >>"$conf"
printf 'dmarc = yes\ndmarc_reject = yes\n' >>"$conf"
trusted=$tmp/trusted.conf
cp "$conf" "$trusted"
echo 'arc_trusted_sealers = other.example, list.test' >>"$trusted"

# scan NAME [ARGS...] - vigil scan --json of $tmp/NAME.eml
scan() {
	name=$1
	shift
	out=$("$vigil" scan -c "${CONF:-$conf}" "$@" --json "$tmp/$name.eml")
	rc=$?
	[ $rc -eq 0 ] || fail "$name: vigil scan exit $rc ($out)"
}

# seal IN OUT DOMAIN RESULTS - IN sealed by DOMAIN (selector arc)
seal() {
	/usr/bin/python3 "$src/tests/tools/arc-seal.py" \
	    "$src/tests/dkim/rsa2048.pem" arc "$3" "$4" <"$tmp/$1.eml" \
	    >"$tmp/$2.eml" || fail "dkimpy could not seal $2"
}

AR='"name": "Authentication-Results", "value": "mx\.test; '

# The author's message, DKIM-signed by its domain (dkim.test: p=reject).
cat >"$tmp/msg.eml" <<'MSG'
From: Alice <alice@dkim.test>
To: list@list.test
Subject: Lunch on Friday
Date: Mon, 7 Dec 2026 08:00:00 +0000
Message-ID: <lunch.1@dkim.test>

Hi all,

lunch at noon on Friday?

Alice
MSG
/usr/bin/python3 "$src/tests/tools/dkim-sign.py" "$src/tests/dkim/rsa2048.pem" \
    rsa dkim.test relaxed/relaxed rsa-sha256 <"$tmp/msg.eml" \
    >"$tmp/signed.eml" || fail "dkimpy could not sign"
# The list tags the Subject and adds a footer (DKIM breaks), then seals
# what it saw on arrival.
sed 's/^Subject: Lunch/Subject: [lunch] Lunch/' "$tmp/signed.eml" >"$tmp/listed.eml"
printf -- '-- \r\nlunch mailing list\r\n' >>"$tmp/listed.eml"
seal listed list "list.test" \
    "dkim=pass header.d=dkim.test header.s=rsa; spf=pass smtp.mailfrom=alice@dkim.test"

# 1. The list message: ARC passes, DKIM fails; the list is not trusted,
#    so DMARC fails under p=reject and dmarc_reject refuses it.
scan list
want "$out" '"name": "ARC_VALID", "score": -0\.10, "detail": "arc=pass i=1 oldest-pass=0 sealers=list\.test"' \
    "list: ARC_VALID"
want "$out" 'dkim=fail header\.d=dkim\.test header\.s=rsa' "list: DKIM broken"
want "$out" '"name": "DMARC_FAIL_REJECT"' "untrusted list: DMARC fails"
wont "$out" 'ARC_TRUSTED|DMARC_ARC_OVERRIDE' "untrusted list: no override"
want "$out" '"decision": "reject"' "untrusted list: dmarc_reject refuses"
# 2. With list.test trusted: overridden, delivered, and said so.
CONF=$trusted scan list
want "$out" '"decision": "accept"' "trusted list: delivered"
want "$out" '"name": "ARC_TRUSTED", "score": -0\.50, "detail": "arc=pass sealer=list\.test vouches dkim=pass for dkim\.test"' \
    "trusted list: ARC_TRUSTED"
want "$out" '"name": "DMARC_ARC_OVERRIDE", "score": 0\.00, "detail": "dmarc=fail header\.from=dkim\.test \(p=reject\), overridden: ARC sealed by trusted list\.test"' \
    "trusted list: DMARC_ARC_OVERRIDE"
wont "$out" 'DMARC_FAIL' "trusted list: no DMARC_FAIL_*"
want "$out" '"name": "X-Spam-Status", "value": "No, [^"]*DMARC_ARC_OVERRIDE[^=_A-Z0-9]' \
    "trusted list: the override in tests= though scored 0"
want "$out" "${AR}dkim=fail header\\.d=dkim\\.test header\\.s=rsa; dmarc=fail \\(arc override by list\\.test\\) header\\.from=dkim\\.test; arc=pass\"" \
    "trusted list: Authentication-Results"
# With the client's address known, arc= carries it (RFC 8617 10.2).
CONF=$trusted scan list --client-ip 192.0.2.7
want "$out" "; arc=pass smtp\\.remote-ip=192\\.0\\.2\\.7\"" \
    "trusted list: smtp.remote-ip"
# ... an AAR vouching by SPF alone does too; one vouching for nobody
#     aligned does not.
seal listed spf list.test "dkim=fail header.d=dkim.test; spf=pass smtp.mailfrom=bounce@sub.dkim.test"
CONF=$trusted scan spf
want "$out" 'vouches spf=pass for dkim\.test' "trusted list: SPF vouches"
want "$out" '"decision": "accept"' "trusted list, SPF: delivered"
seal listed nobody list.test "dkim=pass header.d=other.example; spf=pass smtp.mailfrom=x@other.example"
CONF=$trusted scan nobody
want "$out" '"name": "ARC_VALID"' "unaligned AAR: chain passes"
wont "$out" 'ARC_TRUSTED|DMARC_ARC_OVERRIDE' "unaligned AAR: no override"
want "$out" '"decision": "reject"' "unaligned AAR: refused"

# 3. Two hops: a forwarder seals the list's message again.  Both AMS
#    verify (oldest-pass 0); the newest sealer, fwd.test, is not trusted,
#    so list.test being trusted does not override DMARC.
seal list hop2 fwd.test "arc=pass; dkim=fail header.d=dkim.test; dmarc=fail header.from=dkim.test"
scan hop2
want "$out" '"name": "ARC_VALID", "score": -0\.10, "detail": "arc=pass i=2 oldest-pass=0 sealers=list\.test,fwd\.test"' \
    "two hops: ARC_VALID"
CONF=$trusted scan hop2
wont "$out" 'ARC_TRUSTED|DMARC_ARC_OVERRIDE' "two hops: older trusted sealer"
want "$out" '"decision": "reject"' "two hops: refused"
# The forwarder changed the body: the list's AMS no longer verifies, the
# chain still passes, oldest-pass is 2.
sed 's/^lunch at noon/Lunch at noon/' "$tmp/list.eml" >"$tmp/edited.eml"
seal edited hop2e fwd.test "arc=pass; dkim=fail header.d=dkim.test"
scan hop2e
want "$out" '"detail": "arc=pass i=2 oldest-pass=2 sealers=list\.test,fwd\.test"' \
    "two hops, edited: oldest-pass"

# 4. One byte changed after sealing: in the body (the newest AMS fails),
#    in the ARC-Authentication-Results (the seal fails).  The trusted
#    sealer no longer overrides anything.
sed 's/^lunch at noon/lunch at nooN/' "$tmp/list.eml" >"$tmp/body.eml"
CONF=$trusted scan body
want "$out" '"name": "ARC_INVALID", "score": 0\.10, "detail": "arc=fail i=1 sealers=list\.test \(ARC-Message-Signature i=1: body hash mismatch\)"' \
    "changed body: ARC_INVALID"
wont "$out" 'ARC_VALID|ARC_TRUSTED|DMARC_ARC_OVERRIDE' "changed body: no override"
want "$out" '"decision": "reject"' "changed body: refused"
grep -v '^dmarc_reject' "$trusted" >"$tmp/norej.conf"
CONF=$tmp/norej.conf scan body
want "$out" "${AR}.*; arc=fail\"" "changed body: Authentication-Results"
sed 's/^ARC-Authentication-Results: i=1; list.test; dkim=pass/ARC-Authentication-Results: i=1; list.test; dkim=pasS/' \
    "$tmp/list.eml" >"$tmp/aar.eml"
cmp -s "$tmp/list.eml" "$tmp/aar.eml" && fail "aar: sed changed nothing"
CONF=$trusted scan aar
want "$out" '"detail": "arc=fail i=1 sealers=list\.test \(ARC-Seal i=1: signature does not verify\)"' \
    "changed seal: ARC_INVALID"
want "$out" '"decision": "reject"' "changed seal: refused"

# 5. arc_max_sets = 1: the two-hop chain fails before any crypto.
cp "$conf" "$tmp/max1.conf"
echo 'arc_max_sets = 1' >>"$tmp/max1.conf"
CONF=$tmp/max1.conf scan hop2
want "$out" '"name": "ARC_INVALID", "score": 0\.10, "detail": "arc=fail i=0 sealers= \(more than arc_max_sets \(1\) sets\)"' \
    "arc_max_sets"

# 6. DNS dead: temperror, never a rejection by ARC; DMARC too is
#    temperror, so nothing refuses the message.
sed "s/^dns_servers = .*/dns_servers = 127.0.0.1:1/" "$trusted" >"$tmp/dead.conf"
CONF=$tmp/dead.conf scan list
want "$out" '"name": "ARC_TEMPERROR", "score": 0\.00' "dead DNS: ARC_TEMPERROR"
want "$out" '"decision": "accept"' "dead DNS: delivered"
want "$out" "${AR}.*arc=temperror" "dead DNS: Authentication-Results"

# 7. Outbound (a trusted client) and arc = no: not checked; a message
#    without ARC fields gets no arc= and no ARC_ symbol.
CONF=$trusted scan list --client-ip 127.0.0.1
wont "$out" '"ARC_|[; ]arc=' "trusted client"
cp "$trusted" "$tmp/off.conf"
echo 'arc = no' >>"$tmp/off.conf"
CONF=$tmp/off.conf scan list
wont "$out" '"ARC_|[; ]arc=' "arc = no"
want "$out" '"name": "DMARC_FAIL_REJECT"' "arc = no: DMARC as before"
scan signed
wont "$out" '"ARC_|[; ]arc=' "no ARC fields"
echo "PASS cli_scan_arc"
