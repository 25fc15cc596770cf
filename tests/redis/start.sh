#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# start.sh DIR PORT - start a private redis-server on 127.0.0.1:PORT (and
# [::1]:PORT when the machine has IPv6 loopback) and on the unix socket
# DIR/redis.sock, with no persistence (--save "", --appendonly no) and DIR
# as its working directory; pid in DIR/redis.pid, log in DIR/redis.log.
# Waits until it answers.  Stop it with stop.sh DIR.  Without redis-server
# it skips (exit 77, tests/tools/skip.sh); so do the tests that need it.
set -eu
dir=$1
port=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tools/skip.sh"
[ -x /usr/bin/redis-server ] ||
    vg_skip "redis-server is not installed (apt-get install redis-server)"
mkdir -p "$dir"
"$here/stop.sh" "$dir" 2>/dev/null || true
rm -f "$dir/redis.sock" "$dir/redis.log"
bind=127.0.0.1
if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
	bind="127.0.0.1 ::1"
fi
/usr/bin/redis-server --port "$port" --bind "$bind" \
	--unixsocket "$dir/redis.sock" --unixsocketperm 700 \
	--save "" --appendonly no --dir "$dir" \
	--daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
# Wait for an answer (up to 5 s).
i=0
while [ $i -lt 50 ]; do
	if [ "$(/usr/bin/redis-cli -s "$dir/redis.sock" ping 2>/dev/null)" = PONG ]; then
		exit 0
	fi
	i=$((i + 1))
	sleep 0.1
done
echo "start.sh: redis-server does not answer on $dir/redis.sock" >&2
cat "$dir/redis.log" >&2 2>/dev/null || true
exit 1
