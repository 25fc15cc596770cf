#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# DKIM through the daemon, against the test DNS server (tests/dns serves
# the keys of tests/dkim/): messages signed by dkimpy (python3-dkim) and
# sent with mtclient, whose headers reach the milter one by one, as from
# an MTA, verify under simple and relaxed canonicalisation and get
# Authentication-Results: ...; dkim=pass header.d=dkim.test header.s=...;
# a body changed by one byte gets dkim=fail and is still delivered (eom
# continue); the log line carries dkim=RESULT:DOMAIN:SELECTOR.  With
# DMARC on (the default), dkim.test's p=reject is met
# by the good ones and failed by the changed one, which is only scored.
# With python3-authres, a list message ARC-sealed by list.test (dkimpy)
# gets arc=pass in Authentication-Results and arc=pass:list.test in the
# log line (ARC in the daemon; cli_scan_arc tests the rest).
set -u
client=$VG_BUILD/tests/milter/mtclient
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/tools/skip.sh"
/usr/bin/python3 -c 'import dkim' 2>/dev/null ||
	vg_skip "python3-dkim is not installed (apt-get install python3-dkim)"
fail() {
	echo "FAIL t-dkim: $*"
	exit 1
}

cat >"$VG_TMP/msg.eml" <<'MSG'
From: Alice <alice@dkim.test>
To: bob@example.net
Subject: Lunch on Friday,
 folded  over two lines
Date: Mon, 7 Dec 2026 08:00:00 +0000
Message-ID: <lunch.2@dkim.test>

Hi Bob,

lunch at noon  on Friday?

Alice
MSG

# sign KEY SELECTOR CANON ALG OUT
sign() {
	/usr/bin/python3 "$src/tests/tools/dkim-sign.py" "$src/tests/dkim/$1" \
	    "$2" dkim.test "$3" "$4" <"$VG_TMP/msg.eml" >"$VG_TMP/$5.eml" ||
		fail "dkimpy could not sign $5"
}

# send NAME - the message through the milter; its replies in $out
send() {
	out=$("$client" "$VG_SOCKET" -m "$VG_TMP/$1.eml")
	rc=$?
	[ $rc -eq 0 ] || fail "$1: mtclient exit $rc ($out)"
	echo "$out" | grep -qx 'eom c' || fail "$1: got '$out', want eom c"
}

# want_ar NAME PATTERN - Authentication-Results matches PATTERN
want_ar() {
	echo "$out" | grep -E '^(insheader|addheader) Authentication-Results: ' |
	    grep -Eq -- "$2" ||
		fail "$1: got '$out', want Authentication-Results /$2/"
}

sign rsa2048.pem rsa simple/simple rsa-sha256 simple
send simple
want_ar simple 'dkim=pass header\.d=dkim\.test header\.s=rsa; dmarc=pass header\.from=dkim\.test$'
sign ed25519.pem ed relaxed/relaxed ed25519-sha256 relaxed
send relaxed
want_ar relaxed 'dkim=pass header\.d=dkim\.test header\.s=ed; dmarc=pass header\.from=dkim\.test$'
sed 's/noon/nooN/' "$VG_TMP/simple.eml" >"$VG_TMP/changed.eml"
send changed
want_ar changed 'dkim=fail header\.d=dkim\.test header\.s=rsa; dmarc=fail header\.from=dkim\.test$'

# An ARC-sealed list message: the list tagged the Subject, DKIM fails,
# the chain passes.
arc=no
if /usr/bin/python3 -c 'import authres' 2>/dev/null; then
	arc=yes
	sed 's/^Subject: Lunch/Subject: [lunch] Lunch/' "$VG_TMP/simple.eml" |
	    /usr/bin/python3 "$src/tests/tools/arc-seal.py" \
	    "$src/tests/dkim/rsa2048.pem" arc list.test \
	    "dkim=pass header.d=dkim.test header.s=rsa" >"$VG_TMP/listed.eml" ||
		fail "dkimpy could not seal"
	send listed
	want_ar listed 'dkim=fail header\.d=dkim\.test header\.s=rsa; dmarc=fail header\.from=dkim\.test; arc=pass( smtp\.remote-ip=[0-9a-f.:]+)?$'
	grep -q ' dkim=fail:dkim.test:rsa dmarc=fail:dkim.test arc=pass:list.test ' \
	    "$VG_TMP/milter.log" ||
		fail "log: no arc=pass:list.test in $(cat "$VG_TMP/milter.log")"
else
	echo "t-dkim: python3-authres is not installed: ARC not tried"
fi

# One log line per message, with each signature's result.
for want in 'dkim=pass:dkim.test:rsa dmarc=pass:dkim.test' \
    'dkim=pass:dkim.test:ed dmarc=pass:dkim.test' \
    'dkim=fail:dkim.test:rsa dmarc=fail:dkim.test'; do
	grep -q " $want " "$VG_TMP/milter.log" ||
		fail "log: no '$want' in $(cat "$VG_TMP/milter.log")"
done
grep -q 'DKIM fail for d=dkim.test s=rsa: body hash mismatch' \
    "$VG_TMP/milter.log" || fail "log: the failure's reason is missing"
echo "PASS t-dkim (ARC: $arc)"
