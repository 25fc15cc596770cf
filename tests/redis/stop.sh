#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# stop.sh DIR - stop the redis-server that start.sh DIR started, and wait
# (up to 5 s) until it is gone, so that a start right after finds its port
# free.
dir=$1
[ -f "$dir/redis.pid" ] || exit 0
pid=$(cat "$dir/redis.pid")
case $pid in
'' | *[!0-9]*) exit 0 ;;
esac
kill "$pid" 2>/dev/null || true
i=0
while [ $i -lt 50 ] && kill -0 "$pid" 2>/dev/null; do
	i=$((i + 1))
	sleep 0.1
done
rm -f "$dir/redis.pid"
