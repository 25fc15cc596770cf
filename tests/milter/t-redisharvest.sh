#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The directory-harvest defence shared through Redis (ratelimit_store =
# redis, harvest_threshold = 3): one outside client tries 2 unknown
# recipients through milter b, then 2 through milter c.  Neither milter
# alone saw 3, together they did: the client's next connection, through
# either, is tempfailed (HARVEST).  With ratelimit_store = memory the same
# run is not caught (checked first, so the test can tell).  Skips without
# redis-server.
set -u
client=$VG_BUILD/tests/milter/mtclient
milter=$VG_BUILD/milter/vigil-milter
t=$VG_TMP
fail() {
	echo "FAIL t-redisharvest: $*"
	for f in "$t"/*.log; do
		[ -f "$f" ] && sed "s|^|$(basename "$f"): |" "$f"
	done
	exit 1
}
command -v redis-server >/dev/null 2>&1 || {
	echo "t-redisharvest: redis-server is not installed"
	exit 77
}
pids=
trap 'kill $pids 2>/dev/null' EXIT

redis-server --port 0 --unixsocket "$t/redis.sock" --save '' \
    --appendonly no --dir "$t" >"$t/redis.log" 2>&1 &
pids="$pids $!"
i=0
while [ ! -S "$t/redis.sock" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "redis-server did not start"
	sleep 0.1
done

# start NAME STORE - a milter on $t/NAME.sock with ratelimit_store STORE
start() {
	{
		grep -v -e '^socket' -e '^ratelimit' -e '^harvest' "$VG_CONF"
		echo "socket = unix:$t/$1.sock"
		echo "ratelimit_store = $2"
		echo "redis = $t/redis.sock"
		echo "harvest_threshold = 3"
	} >"$t/$1.conf"
	"$milter" -f -c "$t/$1.conf" >"$t/$1.log" 2>&1 &
	pids="$pids $!"
	i=0
	while [ ! -S "$t/$1.sock" ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || fail "milter $1 did not start"
		sleep 0.1
	done
}

# refused SOCK [-u K] - one message; true if a step before the data was
# refused
refused() {
	"$client" "$@" 10 >"$t/out" 2>&1
	grep -Eq '^(connect|helo|mail|rcpt) [yt]' "$t/out"
}

# Each milter on its own: 2 + 2 unknown recipients, nobody caught.
start m1 memory
start m2 memory
refused "$t/m1.sock" -u 2 && fail "memory: refused at 2 unknown"
refused "$t/m2.sock" -u 2 && fail "memory: refused at 2 unknown (m2)"
refused "$t/m1.sock" && fail "memory: a milter alone caught 2 + 2"

# Shared: the same run is caught.
start b redis
start c redis
refused "$t/b.sock" -u 2 && fail "redis: refused at 2 unknown"
refused "$t/c.sock" -u 2
refused "$t/b.sock" ||
	fail "redis: 4 unknown recipients over two milters not caught: $(cat "$t/out")"
refused "$t/c.sock" || fail "redis: c does not hold the client"
grep -q 'harvest' "$t/b.log" "$t/c.log" || fail "no harvest log line"
echo "PASS t-redisharvest"
