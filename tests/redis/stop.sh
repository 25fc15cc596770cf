#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# stop.sh DIR - stop the redis-server that start.sh DIR started.
dir=$1
[ -f "$dir/redis.pid" ] || exit 0
pid=$(cat "$dir/redis.pid")
case $pid in
'' | *[!0-9]*) exit 0 ;;
esac
kill "$pid" 2>/dev/null || true
rm -f "$dir/redis.pid"
