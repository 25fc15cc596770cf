#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Two vigil-milter processes sharing one real redis-server (started here
# on a unix socket, no persistence), as two MTAs of one site would: a
# ham learned with `vigil learn` and a spam autolearned through milter B
# are what milter C classifies (BAYES_99 on a new message in the spam's
# words).  Then Redis is killed mid-stream: every message through C still
# gets its verdict (no tempfail, nothing lost), with a log line each
# (BAYES_TEMPERROR scores 0); Redis restarted (empty), C reconnects.
# The milter run.sh started is not used.  Skips without redis-server.
set -u
client=$VG_BUILD/tests/milter/mtclient
vigil=$VG_BUILD/cli/vigil
here=$(cd "$(dirname "$0")" && pwd)
. "$here/learnmsgs.sh"
t=$VG_TMP
fail() {
	echo "FAIL t-redis: $*"
	for f in "$t"/b.log "$t"/c.log; do
		[ -f "$f" ] && sed "s|^|$(basename "$f"): |" "$f"
	done
	exit 1
}
. "$here/redislib.sh"

# conf NAME - VG_CONF with its own socket, the Redis store, the rules
mkconf() {
	grep -v -e '^socket' -e '^rules' -e '^bayes' "$VG_CONF"
	echo "socket = unix:$t/$1.sock"
	echo "rules = $here/autolearn.rules"
	echo "bayes_store = redis"
	echo "redis = $t/redis.sock"
	echo "redis_timeout = 300ms"
	echo "bayes_min_spam = 1"
	echo "bayes_min_ham = 1"
}

# start NAME - a milter on $t/NAME.sock
start() {
	mkconf "$1" >"$t/$1.conf"
	vg_milter "$1"
}

redis_start
start b
start c

mkmsg "$t/ham1" ham1 "minutes" "$ham_words"
mkmsg "$t/spam1" spam1 "deal autolearn-spam-marker" "$spam_words" \
    "autolearn body marker"
mkmsg "$t/spam2" spam2 "hello" "$spam_words"

out=$("$vigil" learn --ham -c "$t/b.conf" "$t/ham1") ||
	fail "vigil learn --ham: $out"
"$client" "$t/b.sock" -m "$t/spam1" >"$t/spam1.out" 2>&1 ||
	fail "spam1 through b: $(cat "$t/spam1.out")"
wait_line 'autolearn=spam' "$t/b.log"
grep -q 'autolearn=spam' "$t/b.log" || fail "b did not autolearn spam1"
"$client" "$t/c.sock" -m "$t/spam2" >"$t/spam2.out" 2>&1 ||
	fail "spam2 through c: $(cat "$t/spam2.out")"
st=$(status "$t/spam2.out")
echo "$st" | grep -q 'BAYES_99' ||
	fail "c did not classify what b learned: '$st'"

# Redis dies mid-stream: mail still flows through c.
redis_kill
n=0
for k in 1 2 3 4 5; do
	mkmsg "$t/m$k" "down$k" "hello $k" "$spam_words"
	"$client" "$t/c.sock" -m "$t/m$k" >"$t/m$k.out" 2>&1 ||
		fail "message $k with Redis down: $(cat "$t/m$k.out")"
	grep -q '^reply 4' "$t/m$k.out" &&
		fail "message $k tempfailed with Redis down: $(cat "$t/m$k.out")"
	grep -q '^eom a\|^insheader X-Spam-Status' "$t/m$k.out" ||
		fail "message $k with Redis down: no verdict: $(cat "$t/m$k.out")"
	n=$((n + 1))
done
# One line per message (BAYES_TEMPERROR scores 0, so the header does not
# list it; vigil scan --json does, tests/cli/learn.sh).
[ "$(grep -c 'classifier skipped' "$t/c.log")" -eq 5 ] ||
	fail "want 5 'classifier skipped' lines: $(grep -c 'classifier skipped' "$t/c.log")"

# Back (empty: no persistence): c reconnects; silent, no TEMPERROR.
redis_start
sleep 1.5 # past the back-off after a failed connect
"$client" "$t/c.sock" -m "$t/spam2" >"$t/again.out" 2>&1 ||
	fail "after restart: $(cat "$t/again.out")"
[ "$(grep -c 'classifier skipped' "$t/c.log")" -eq 5 ] ||
	fail "after Redis came back: still skipped"
echo "PASS t-redis ($n messages delivered while Redis was down)"
