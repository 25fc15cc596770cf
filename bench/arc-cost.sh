#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# arc-cost.sh [BUILD_DIR] [N] [RUNS] - the CPU ARC validation adds to
# scanning a message: `vigil scan` over N copies (default 2000) of a
# corpus ham message (5 KB) DKIM-signed by dkim.test and then ARC-sealed
# once by list.test (dkimpy; one set: an AMS and a seal, rsa-2048), with
# arc = yes and with arc = no, the keys served by a dnsmasq started here
# on loopback (fetched once, then cached).  As bench/dkim-cost.sh: the
# least CPU (user+sys) of RUNS runs (default 5) of each, and the
# difference per message.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
n=${2:-2000}
runs=${3:-5}
vigil=$build/cli/vigil
tmp=$(mktemp -d)
port=$((30000 + $$ % 20000))
trap '"$root/tests/dns/stop.sh" "$tmp/dns" 2>/dev/null; rm -rf "$tmp"' EXIT
"$root/tests/dns/start.sh" "$tmp/dns" "$port"
ham=$(ls "$root/../shared/corpus/spamassassin/ham/" | head -1)
ham=$root/../shared/corpus/spamassassin/ham/$ham
sed '1{/^From /d}' "$ham" | tr -d '\r' | sed 's/$/\r/' >"$tmp/plain.eml"
/usr/bin/python3 "$root/tests/tools/dkim-sign.py" "$root/tests/dkim/rsa2048.pem" \
    rsa dkim.test relaxed/relaxed rsa-sha256 <"$tmp/plain.eml" |
    /usr/bin/python3 "$root/tests/tools/arc-seal.py" \
    "$root/tests/dkim/rsa2048.pem" arc list.test \
    "dkim=pass header.d=dkim.test" >"$tmp/sealed.eml"
mkdir "$tmp/s"
i=0
while [ $i -lt "$n" ]; do
	ln "$tmp/sealed.eml" "$tmp/s/$i.eml"
	i=$((i + 1))
done
printf 'socket = unix:%s/x\nvirus_scan = no\nbayes = no\nrules = %s\ndns_servers = 127.0.0.1:%s\n' \
    "$tmp" "$root/rules/vigil.rules" "$port" >"$tmp/vigil.conf"
"$vigil" scan -c "$tmp/vigil.conf" "$tmp/s/0.eml" | grep -q ARC_VALID ||
	{ echo "arc-cost: the sealed message does not pass" >&2; exit 1; }
cp "$tmp/vigil.conf" "$tmp/off.conf"
echo 'arc = no' >>"$tmp/off.conf"
# cpu CONF - the least user+sys seconds of RUNS scans of the copies
cpu() {
	best=
	r=0
	while [ $r -lt "$runs" ]; do
		/usr/bin/time -f '%U %S' -o "$tmp/time" \
		    "$vigil" scan -c "$1" "$tmp/s"/*.eml >/dev/null 2>&1
		t=$(awk '{ printf "%.3f", $1 + $2 }' "$tmp/time")
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t
		fi
		r=$((r + 1))
	done
	echo "$best"
}
off=$(cpu "$tmp/off.conf")
on=$(cpu "$tmp/vigil.conf")
awk -v p="$off" -v s="$on" -v n="$n" 'BEGIN {
	printf "arc = no:  %.3f s CPU for %d messages (%.3f ms each)\n", p, n, p * 1000 / n
	printf "arc = yes: %.3f s CPU for %d messages (%.3f ms each)\n", s, n, s * 1000 / n
	printf "ARC (one set, rsa-2048): %.3f ms per message\n", (s - p) * 1000 / n
}'
