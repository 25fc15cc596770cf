#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Rate limits shared through Redis (ratelimit_store = redis): two
# vigil-milter processes on one real redis-server (started here on a
# unix socket), ratelimit_external_messages = 4.  One outside client
# sending alternately through both is limited at 4 messages a minute in
# all, not 4 on each.  Redis killed: nothing is tempfailed for it; each
# milter counts in its own memory, so the limit holds per milter (one
# log line each for the outage).  Redis restarted (empty): the shared
# limit holds again.  Skips without redis-server.
set -u
client=$VG_BUILD/tests/milter/mtclient
t=$VG_TMP
fail() {
	echo "FAIL t-redislimit: $*"
	for f in "$t"/b.log "$t"/c.log; do
		[ -f "$f" ] && sed "s|^|$(basename "$f"): |" "$f"
	done
	exit 1
}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/redislib.sh"

# start NAME - a milter on $t/NAME.sock sharing the Redis store
start() {
	{
		grep -v -e '^socket' -e '^ratelimit' "$VG_CONF"
		echo "socket = unix:$t/$1.sock"
		echo "ratelimit_store = redis"
		echo "redis = $t/redis.sock"
		echo "redis_timeout = 300ms"
		echo "ratelimit_external_messages = 4"
	} >"$t/$1.conf"
	vg_milter "$1"
}

# send N - N messages from 192.0.2.1, alternately through b and c;
# sets passed and refused
send() {
	passed=0 refused=0
	k=0
	while [ $k -lt "$1" ]; do
		m=b
		[ $((k % 2)) -eq 1 ] && m=c
		"$client" "$t/$m.sock" 10 >"$t/out" 2>&1
		if grep -q '^mail [yt]' "$t/out"; then
			refused=$((refused + 1))
		elif grep -q '^insheader X-Virus-Status' "$t/out"; then
			passed=$((passed + 1))
		else
			fail "message $k through $m: no verdict: $(cat "$t/out")"
		fi
		k=$((k + 1))
	done
}

redis_start
start b
start c

send 6
[ "$passed" -eq 4 ] && [ "$refused" -eq 2 ] ||
	fail "shared limit 4: $passed passed, $refused refused of 6 (want 4, 2)"

redis_kill
# Each milter now counts in its own memory: 4 each, 8 of 10 in all.
send 10
[ "$passed" -eq 8 ] && [ "$refused" -eq 2 ] ||
	fail "Redis down: $passed passed, $refused refused of 10 (want 8, 2)"
grep -q 'store redis' "$t/b.log" || fail "b logged nothing of the outage"

redis_start
sleep 1.5 # past the back-off after the failed connections
send 6
[ "$passed" -eq 4 ] && [ "$refused" -eq 2 ] ||
	fail "Redis back: $passed passed, $refused refused of 6 (want 4, 2)"
echo "PASS t-redislimit"
