#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# unit.sh UNIT - the systemd unit as built: systemd-analyze security
# (offline: no running systemd needed) rates it at or below 3.0, and the
# settings the hardening relies on are there.  (systemd-analyze verify
# needs the unit's programs and man pages installed: install_deb runs it
# on the installed package.)
set -u
unit=${1:?unit file}
max=3.0
. "$(dirname "$0")/../tools/skip.sh"
command -v systemd-analyze >/dev/null 2>&1 || vg_skip "no systemd-analyze (apt-get install systemd)"
[ -f "$unit" ] || { echo "FAIL lint_unit: $unit not built"; exit 1; }
fail=0
out=$(systemd-analyze security --offline=yes "$unit" 2>&1)
level=$(echo "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p')
if [ -z "$level" ]; then
	echo "FAIL lint_unit: no exposure level from systemd-analyze security: $out"
	exit 1
fi
echo "lint_unit: systemd-analyze security: $level"
if ! awk -v l="$level" -v m="$max" 'BEGIN { exit !(l <= m) }'; then
	echo "FAIL lint_unit: exposure $level, want <= $max"
	echo "$out" | grep '✗'
	fail=1
fi
for want in Type=notify User=vigil ProtectSystem=strict \
    ReadWritePaths=/var/spool/postfix/vigil NoNewPrivileges=yes \
    'SystemCallFilter=@system-service' \
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' 'CapabilityBoundingSet='; do
	grep -qx "$want" "$unit" || { echo "FAIL lint_unit: no line '$want'"; fail=1; }
done
exit $fail
