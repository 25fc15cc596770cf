#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The sender/IP reputation (reputation = yes, reputation_min_count = 3)
# shared through Redis by two vigil-milter processes on one real
# redis-server (started here on a unix socket).  Spam is a message with a
# marker the test's rules score 20 (rejected); a plain message scores 4.1
# and counts as neither class.
#   memory: three spams through m1 give the client's /24 REP_IP_SPAM on
#     m1 only; m2 knows nothing of them.
#   redis: three spams through b; the next plain message through c
#     carries REP_IP_SPAM (its X-Spam-Status and c's log line), and Redis
#     holds one counter, rep/WINDOW/N/ip/s/192.0.2.0/24 = 3.
#   Redis killed: a plain message through c still gets a definite reply
#     and carries REPUTATION_UNAVAILABLE (its counts are c's own memory's,
#     empty: no REP_IP_SPAM).  Redis back (empty): no symbol of either
#     kind, and spam counted again through b speaks on c.
# Skips without redis-server.
set -u
client=$VG_BUILD/tests/milter/mtclient
t=$VG_TMP
fail() {
	echo "FAIL t-redisreputation: $*"
	for f in "$t"/*.log; do
		[ -f "$f" ] && sed "s|^|$(basename "$f"): |" "$f"
	done
	exit 1
}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/redislib.sh"

# The shipped rules and one marker rule that makes spam.
rules=$(sed -n 's/^rules = //p' "$VG_CONF")
{
	cat "$rules"
	echo "body  REPTEST_SPAM /reptest-spam-marker/"
	echo "score REPTEST_SPAM 20"
} >"$t/rep.rules"
{
	printf 'From: a@example.com\nTo: b@example.org\nSubject: offer\n'
	printf 'Date: Mon, 7 Dec 2026 08:00:00 +0000\n'
	printf 'Message-ID: <rep@example.com>\n\nreptest-spam-marker\n'
} >"$t/spam.eml"

# start NAME STORE - a milter on $t/NAME.sock with reputation_store STORE
start() {
	{
		grep -v -e '^socket' -e '^rules' "$VG_CONF"
		echo "socket = unix:$t/$1.sock"
		echo "rules = $t/rep.rules"
		echo "reputation = yes"
		echo "reputation_store = $2"
		echo "reputation_min_count = 3"
		echo "redis = $t/redis.sock"
		echo "redis_timeout = 300ms"
	} >"$t/$1.conf"
	vg_milter "$1"
}

# spam NAME - one spam through milter NAME: must be rejected
spam() {
	"$client" "$t/$1.sock" -m "$t/spam.eml" >"$t/out" 2>&1
	grep -q '^reply 550' "$t/out" || fail "spam through $1: $(cat "$t/out")"
}

# plain NAME - one plain message through NAME, with a definite reply;
# its output in $t/out
plain() {
	"$client" "$t/$1.sock" 10 >"$t/out" 2>&1
	grep -q '^insheader X-Spam-Status' "$t/out" ||
		fail "plain through $1: no verdict: $(cat "$t/out")"
}

# has WORD - the last message's X-Spam-Status names WORD (SpamAssassin's
# layout lists names; c's log line checks the score)
has() {
	grep -q "$1" "$t/out"
}

redis_start

# Memory: each milter knows only what it saw.
start m1 memory
start m2 memory
spam m1
spam m1
spam m1
plain m2
has REP_IP_SPAM && fail "memory: m2 knows m1's spam"
plain m1
has 'REP_IP_SPAM' || fail "memory: m1 forgot its own spam: $(cat "$t/out")"

# Redis: spam seen through b raises the symbol c gives.
start b redis
start c redis
plain c
has REP_ && fail "redis: REP_ before any spam: $(cat "$t/out")"
spam b
spam b
plain c
has REP_IP_SPAM && fail "redis: REP_IP_SPAM below reputation_min_count"
spam b
plain c
has 'REP_IP_SPAM' || fail "redis: c did not see b's spam: $(cat "$t/out")"
grep -q 'tests=.*REP_IP_SPAM=2.0' "$t/c.log" || fail "c's log has no REP_IP_SPAM"
grep -q 'reputation: redis store' "$t/c.log" || fail "c did not say its store"
keys=$(redis-cli -s "$t/redis.sock" --scan --pattern 'rep/*')
[ "$(echo "$keys" | wc -l)" -eq 1 ] || fail "redis keys: $keys"
case $keys in
rep/604800/*/ip/s/192.0.2.0/24) ;;
*) fail "redis key $keys" ;;
esac
[ "$(redis-cli -s "$t/redis.sock" GET "$keys")" = 3 ] ||
	fail "redis: $keys is not 3"
echo "t-redisreputation: $keys: $(redis-cli -s "$t/redis.sock" \
    MEMORY USAGE "$keys") bytes (MEMORY USAGE)"

# Redis killed: mail flows, and says how it was checked.
redis_kill
plain c
has REPUTATION_UNAVAILABLE || fail "Redis down: no REPUTATION_UNAVAILABLE"
has REP_IP_SPAM && fail "Redis down: REP_IP_SPAM from an empty local store"
spam b # counted in b's own memory, never copied to Redis
n=$(grep -c 'store redis.*marked down' "$t/c.log")
[ "$n" -eq 1 ] || fail "c logged the outage $n times (want 1)"

# Redis back, empty: no symbol of either kind; it fills again.
redis_start
sleep 1.5 # past the circuit breaker's second
plain c
has REPUTATION_UNAVAILABLE && fail "Redis back: REPUTATION_UNAVAILABLE"
has REP_IP_SPAM && fail "Redis back (empty): REP_IP_SPAM"
spam b
spam b
spam b
plain c
has 'REP_IP_SPAM' || fail "Redis back: c did not see b's spam"
grep -q 'store redis.*marked up' "$t/c.log" || fail "c did not log Redis back"
echo "PASS t-redisreputation"
