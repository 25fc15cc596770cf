#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# start.sh DIR [PORT] - start dnsmasq on 127.0.0.1:PORT (default 25353) and
# [::1]:PORT when the machine has IPv6 loopback,
# serving zones.conf, pid in DIR/dnsmasq.pid, log in DIR/dnsmasq.log.
# Waits until it answers.  Stop it with stop.sh DIR.  Without dnsmasq it
# skips (exit 77, tests/tools/skip.sh); so do the tests that need it.
set -eu
dir=$1
port=${2:-25353}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tools/skip.sh"
mkdir -p "$dir"
"$here/stop.sh" "$dir" 2>/dev/null || true
[ -x /usr/sbin/dnsmasq ] ||
    vg_skip "dnsmasq is not installed (apt-get install dnsmasq)"
# Also on [::1] when the machine has IPv6 loopback (test_dns uses it).
listen=127.0.0.1
if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
	listen=127.0.0.1,::1
fi
/usr/sbin/dnsmasq --conf-file="$here/zones.conf" --port="$port" \
	--listen-address="$listen" --bind-interfaces --user=root \
	--pid-file="$dir/dnsmasq.pid" --log-facility="$dir/dnsmasq.log" \
	--log-queries
# Wait for an answer (up to 5 s) without needing dig.
i=0
while [ $i -lt 50 ]; do
	if /usr/bin/python3 - "$port" <<'PY' 2>/dev/null
import socket, sys
q = bytes.fromhex("abcd01000001000000000000") + \
    b"\x04pass\x03spf\x04test\x00" + b"\x00\x10\x00\x01"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
sys.exit(0 if s.recv(512)[:2] == b"\xab\xcd" else 1)
PY
	then
		exit 0
	fi
	i=$((i + 1))
	sleep 0.1
done
echo "start.sh: dnsmasq does not answer on 127.0.0.1:$port" >&2
exit 1
