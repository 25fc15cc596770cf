# SPDX-License-Identifier: GPL-2.0-only
# blackhole.sh - sourced by shell milter tests: point the running
# vigil-milter at a DNS server that never answers.
#
# Starts a UDP socket on 127.0.0.1 that reads nothing (every query to it
# times out), writes its port into the test's vigil.conf as dns_servers,
# reloads the daemon with SIGHUP and waits for "reload: done".  Needs
# VG_TMP, VG_CONF, VG_PID (from run.sh) and a fail() function; sets $hole
# (the socket's pid) and a trap that kills it.
python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(60)
' >"$VG_TMP/hole.port" &
hole=$!
trap 'kill $hole 2>/dev/null' EXIT
i=0
while [ ! -s "$VG_TMP/hole.port" ]; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "no black-hole DNS port"
	sleep 0.1
done
port=$(cat "$VG_TMP/hole.port")
if grep -q '^dns_servers = ' "$VG_CONF"; then
	sed -i "s/^dns_servers = .*/dns_servers = 127.0.0.1:$port/" "$VG_CONF"
else
	echo "dns_servers = 127.0.0.1:$port" >>"$VG_CONF"
fi
kill -HUP "$VG_PID"
i=0
while ! grep -q 'reload: done' "$VG_TMP/milter.log"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "no reload after SIGHUP"
	sleep 0.1
done
