#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# run.sh SUITE.yml SPF_SUITE_BINARY KNOWN_FAILURES [PORT]
# The RFC 7208 suite through lib/spf.c: first every scenario from the zone
# backend, then (with PORT, when dnsmasq is installed) every scenario that
# dnsmasq can express, served on 127.0.0.1:PORT through lib/dns.c
# (run_dns.py).  Converts the YAML with python3-yaml.  Fails if either run
# has a failure not listed in KNOWN_FAILURES.  Skips (exit 77,
# tests/tools/skip.sh) without the suite (../shared/spf) or python3-yaml;
# without dnsmasq it runs the zone backend, then skips the DNS half.
set -eu
suite=$1 runner=$2 known=$3 port=${4:-}
here=$(dirname "$0")
. "$here/../tools/skip.sh"
[ -f "$suite" ] || vg_skip "the RFC 7208 suite $suite is missing (../shared)"
/usr/bin/python3 -c 'import yaml' 2>/dev/null ||
    vg_skip "/usr/bin/python3 has no yaml module (apt-get install python3-yaml)"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
/usr/bin/python3 "$here/yaml2lines.py" "$suite" >"$tmp"
rc=0
"$runner" "$tmp" "$known" || rc=1
if [ -n "$port" ]; then
	if [ ! -x /usr/sbin/dnsmasq ]; then
		[ $rc -ne 0 ] || vg_skip "the zone backend passed; the DNS" \
		    "half needs dnsmasq (apt-get install dnsmasq)"
	else
		/usr/bin/python3 "$here/run_dns.py" "$suite" "$runner" \
		    "$known" "$port" || rc=1
	fi
fi
exit $rc
