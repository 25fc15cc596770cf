#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Rate limits shared through Redis (ratelimit_store = redis): two
# vigil-milter processes on one real redis-server (started here on a
# unix socket), ratelimit_external_messages = 4.  One outside client
# sending alternately through both is limited at 4 messages a minute in
# all, not 4 on each.  Redis killed: every message still gets a definite
# reply and nothing is tempfailed for Redis; each milter counts in its
# own memory, so the limit holds per milter, every message that passes
# carries RATELIMIT_UNAVAILABLE and HARVEST_UNAVAILABLE in X-Spam-Status,
# and each milter logs the outage once (its circuit breaker).  Redis
# restarted (empty): one line each that it is back, the shared limit
# holds again, and no message carries the symbols.  Skips without
# redis-server.
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
# sets passed, refused, and unavail (passed with both *_UNAVAILABLE)
send() {
	passed=0 refused=0 unavail=0
	k=0
	while [ $k -lt "$1" ]; do
		m=b
		[ $((k % 2)) -eq 1 ] && m=c
		"$client" "$t/$m.sock" 10 >"$t/out" 2>&1
		if grep -q '^mail [yt]' "$t/out"; then
			refused=$((refused + 1))
		elif grep -q '^insheader X-Virus-Status' "$t/out"; then
			passed=$((passed + 1))
			grep -q '^insheader X-Spam-Status' "$t/out" ||
				fail "message $k through $m: no X-Spam-Status"
			if grep -q 'RATELIMIT_UNAVAILABLE' "$t/out" &&
			    grep -q 'HARVEST_UNAVAILABLE' "$t/out"; then
				unavail=$((unavail + 1))
			fi
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
[ "$unavail" -eq 0 ] || fail "Redis up: $unavail messages say UNAVAILABLE"

redis_kill
# Each milter now counts in its own memory: 4 each, 8 of 10 in all.
send 10
[ "$passed" -eq 8 ] && [ "$refused" -eq 2 ] ||
	fail "Redis down: $passed passed, $refused refused of 10 (want 8, 2)"
[ "$unavail" -eq 8 ] ||
	fail "Redis down: $unavail of 8 passed say RATELIMIT_UNAVAILABLE"
# loglines NAME PATTERN - lines of the milter's log matching PATTERN
loglines() {
	grep -c "$2" "$t/$1.log"
}
for m in b c; do
	n=$(loglines $m 'store redis.*marked down')
	[ "$n" -eq 1 ] || fail "$m logged the outage $n times (want 1)"
done

redis_start
sleep 1.5 # past the back-off after the failed connections
send 6
[ "$passed" -eq 4 ] && [ "$refused" -eq 2 ] ||
	fail "Redis back: $passed passed, $refused refused of 6 (want 4, 2)"
[ "$unavail" -eq 0 ] || fail "Redis back: $unavail messages say UNAVAILABLE"
for m in b c; do
	n=$(loglines $m 'store redis.*marked up')
	[ "$n" -eq 1 ] || fail "$m logged the recovery $n times (want 1)"
	n=$(loglines $m 'store redis.*marked down')
	[ "$n" -eq 1 ] || fail "$m logged the outage $n times in all (want 1)"
done
echo "PASS t-redislimit"
