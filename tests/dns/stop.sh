#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# stop.sh DIR - stop the dnsmasq that start.sh DIR started.
dir=$1
[ -f "$dir/dnsmasq.pid" ] || exit 0
pid=$(cat "$dir/dnsmasq.pid")
case $pid in
'' | *[!0-9]*) exit 0 ;;
esac
kill "$pid" 2>/dev/null || true
rm -f "$dir/dnsmasq.pid"
