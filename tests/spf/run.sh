#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# run.sh SUITE.yml SPF_SUITE_BINARY KNOWN_FAILURES [PORT]
# The RFC 7208 suite through lib/spf.c: first every scenario from the zone
# backend, then (with PORT, when dnsmasq is installed) every scenario that
# dnsmasq can express, served on 127.0.0.1:PORT through lib/dns.c
# (run_dns.py).  Converts the YAML with python3-yaml.  Fails if either run
# has a failure not listed in KNOWN_FAILURES.
set -eu
suite=$1 runner=$2 known=$3 port=${4:-}
here=$(dirname "$0")
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
/usr/bin/python3 "$here/yaml2lines.py" "$suite" >"$tmp"
rc=0
"$runner" "$tmp" "$known" || rc=1
if [ -n "$port" ] && [ -x /usr/sbin/dnsmasq ]; then
	/usr/bin/python3 "$here/run_dns.py" "$suite" "$runner" "$known" "$port" ||
		rc=1
fi
exit $rc
