#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# dkim-cost.sh [BUILD_DIR] [N] [RUNS] - the CPU one DKIM signature
# (rsa-sha256, 2048 bits, relaxed/relaxed) adds to scanning a message:
# `vigil scan` over N copies (default 2000) of a corpus ham message (5 KB)
# signed by dkimpy, with dkim = yes and with dkim = no, the test keys
# served by a dnsmasq started here on loopback (the key is fetched once,
# then cached, as a busy server's would be).  Each is run RUNS times
# (default 5) and the least CPU (user+sys) of each is kept, since other
# work on the machine only ever adds.  Prints both and the difference
# per message.  DMARC is off in both (it is on by default), so the
# difference is DKIM's alone.
#
# Then signing: the plain copies as outbound mail (--client-ip 127.0.0.1,
# trusted), scanned with `vigil scan --dkim-sign` and without, the
# message's From: domain signing with the same RSA-2048 key
# (dkim_sign_domain): the difference per message is what outbound
# signing costs (the body and header hashes and one RSA-2048 signature).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
n=${2:-2000}
runs=${3:-5}
vigil=$build/cli/vigil
tmp=$(mktemp -d)
port=$((30000 + $$ % 20000))
trap '"$root/tests/dns/stop.sh" "$tmp/dns" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
"$root/tests/dns/start.sh" "$tmp/dns" "$port"
ham=$(ls "$root/../shared/corpus/spamassassin/ham/" | head -1)
ham=$root/../shared/corpus/spamassassin/ham/$ham
# The corpus message's From: is not in dkim.test; the signature is still
# verified in full (DKIM_VALID, not _AU).
# Without its mbox "From " line, CRLF line ends as a milter gets them.
sed '1{/^From /d}' "$ham" | tr -d '\r' | sed 's/$/\r/' >"$tmp/plain.eml"
/usr/bin/python3 "$root/tests/tools/dkim-sign.py" "$root/tests/dkim/rsa2048.pem" \
    rsa dkim.test relaxed/relaxed rsa-sha256 <"$tmp/plain.eml" >"$tmp/signed.eml"
mkdir "$tmp/s" "$tmp/p"
i=0
while [ $i -lt "$n" ]; do
	ln "$tmp/signed.eml" "$tmp/s/$i.eml"
	ln "$tmp/plain.eml" "$tmp/p/$i.eml"
	i=$((i + 1))
done
printf 'socket = unix:%s/x\nvirus_scan = no\nbayes = no\nrules = %s\ndns_servers = 127.0.0.1:%s\ndmarc = no\n' \
    "$tmp" "$root/rules/vigil.rules" "$port" >"$tmp/vigil.conf"
"$vigil" scan -c "$tmp/vigil.conf" "$tmp/s/0.eml" | grep -q DKIM_VALID ||
	{ echo "dkim-cost: the signed message does not verify" >&2; exit 1; }
cp "$tmp/vigil.conf" "$tmp/off.conf"
echo 'dkim = no' >>"$tmp/off.conf"
# cpu CONF DIR [ARGS...] - the least user+sys seconds of RUNS vigil
# scans (with ARGS) of the copies in DIR
cpu() {
	best=
	r=0
	conf=$1
	dir=$2
	shift 2
	while [ $r -lt "$runs" ]; do
		/usr/bin/time -f '%U %S' -o "$tmp/time" \
		    "$vigil" scan -c "$conf" "$@" "$dir"/*.eml >/dev/null 2>&1
		t=$(awk '{ printf "%.3f", $1 + $2 }' "$tmp/time")
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t
		fi
		r=$((r + 1))
	done
	echo "$best"
}
off=$(cpu "$tmp/off.conf" "$tmp/s")
on=$(cpu "$tmp/vigil.conf" "$tmp/s")
awk -v p="$off" -v s="$on" -v n="$n" 'BEGIN {
	printf "dkim = no:  %.3f s CPU for %d messages (%.3f ms each)\n", p, n, p * 1000 / n
	printf "dkim = yes: %.3f s CPU for %d messages (%.3f ms each)\n", s, n, s * 1000 / n
	printf "DKIM (one rsa-2048 signature): %.3f ms per message\n", (s - p) * 1000 / n
}'
# Signing: the From: domain of the plain message signs with the test key.
from=$(sed -n 's/^From:.*@\([A-Za-z0-9.-]*\).*/\1/p' "$tmp/plain.eml" | head -1)
cp "$tmp/vigil.conf" "$tmp/sign.conf"
printf 'dkim_sign_domain = %s:rsa\ndkim_sign_key = %s\n' "$from" \
    "$root/tests/dkim/rsa2048.pem" >>"$tmp/sign.conf"
"$vigil" scan -c "$tmp/sign.conf" --client-ip 127.0.0.1 --dkim-sign \
    "$tmp/p/0.eml" | grep -q 'DKIM-Signature: v=1; a=rsa-sha256' ||
	{ echo "dkim-cost: no signature for From: $from" >&2; exit 1; }
unsigned=$(cpu "$tmp/sign.conf" "$tmp/p" --client-ip 127.0.0.1)
signed=$(cpu "$tmp/sign.conf" "$tmp/p" --client-ip 127.0.0.1 --dkim-sign)
awk -v p="$unsigned" -v s="$signed" -v n="$n" 'BEGIN {
	printf "outbound, not signed: %.3f s CPU for %d messages (%.3f ms each)\n", p, n, p * 1000 / n
	printf "outbound, signed:     %.3f s CPU for %d messages (%.3f ms each)\n", s, n, s * 1000 / n
	printf "DKIM signing (rsa-2048): %.3f ms per message\n", (s - p) * 1000 / n
}'
