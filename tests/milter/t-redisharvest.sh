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
t=$VG_TMP
fail() {
	echo "FAIL t-redisharvest: $*"
	for f in "$t"/*.log; do
		[ -f "$f" ] && sed "s|^|$(basename "$f"): |" "$f"
	done
	exit 1
}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/redislib.sh"
redis_start

# start NAME STORE - a milter on $t/NAME.sock with ratelimit_store STORE
start() {
	{
		grep -v -e '^socket' -e '^ratelimit' -e '^harvest' "$VG_CONF"
		echo "socket = unix:$t/$1.sock"
		echo "ratelimit_store = $2"
		echo "redis = $t/redis.sock"
		echo "harvest_threshold = 3"
	} >"$t/$1.conf"
	vg_milter "$1"
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
