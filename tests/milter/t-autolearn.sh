#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Autolearn through the real milter and LMDB database (run with
# autolearn.rules, bayes_min_spam = bayes_min_ham = 1): a message the
# rules alone score 12 with 6 points in the header and 6 in the body is
# learned as spam and the log says autolearn=spam; one scored -3 is
# learned as ham; one scored 6 (body only) is not learned; each one's
# X-Spam-Status says so (autolearn=spam, ham, no).  Then the
# classifier speaks: a new message in the spam's words gets BAYES_99 and
# BAYES_999, and `vigil scan` gives it the same score as the milter.
# Sending the spam again learns nothing more.  Autolearn happens on its
# own thread after the reply (lib/learn/learnq.h), so the log lines are
# waited for (wait_log), never assumed at once.
set -u
client=$VG_BUILD/tests/milter/mtclient
vigil=$VG_BUILD/cli/vigil
log=$VG_TMP/milter.log
here=$(cd "$(dirname "$0")" && pwd)
. "$here/learnmsgs.sh"
fail() {
	echo "FAIL t-autolearn: $*"
	exit 1
}
t=$VG_TMP
# wait_log N - until the log has N autolearn lines (60 s at most)
wait_log() {
	i=0
	while [ "$(grep -c 'autolearn=' "$log")" -lt "$1" ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

mkmsg "$t/spam1" spam1 "deal autolearn-spam-marker" "$spam_words" \
    "autolearn body marker"
mkmsg "$t/ham1" ham1 "autolearn-ham-marker minutes" "$ham_words"
mkmsg "$t/mid1" mid1 "nothing in the subject" "$ham_words" \
    "autolearn body marker"
mkmsg "$t/spam2" spam2 "hello" "$spam_words"

for m in spam1 ham1 mid1; do
	"$client" "$VG_SOCKET" -m "$t/$m" >"$t/$m.out" 2>&1 ||
		fail "$m: exit $? ($(cat "$t/$m.out"))"
done
# X-Spam-Status says what autolearn does, in SpamAssassin's words.
for want in 'spam1 spam' 'ham1 ham' 'mid1 no'; do
	m=${want% *}
	st=$(status "$t/$m.out")
	echo "$st" | grep -q " autolearn=${want#* } autolearn_force=no " ||
		fail "$m: X-Spam-Status '$st', want autolearn=${want#* }"
done
wait_log 2
grep -q 'autolearn=spam (rules score 12.0)' "$log" ||
	fail "no autolearn=spam line: $(cat "$log")"
grep -q 'autolearn=ham (rules score -3.0)' "$log" ||
	fail "no autolearn=ham line: $(cat "$log")"
[ "$(grep -c 'autolearn=' "$log")" -eq 2 ] ||
	fail "want exactly two autolearn lines: $(grep autolearn= "$log")"

out=$("$vigil" learn --stats -c "$VG_CONF")
echo "$out" | grep -qx 'spam learned: 1' || fail "stats: $out"
echo "$out" | grep -qx 'ham learned: 1' || fail "stats: $out"

"$client" "$VG_SOCKET" -m "$t/spam2" >"$t/spam2.out" 2>&1 ||
	fail "spam2: exit $? ($(cat "$t/spam2.out"))"
st=$(status "$t/spam2.out")
# SpamAssassin's layout lists names (tests=A,B), not scores.
echo "$st" | grep -qE 'BAYES_99([, ]|$)' || fail "spam2: no BAYES_99 in '$st'"
echo "$st" | grep -qE 'BAYES_999([, ]|$)' || fail "spam2: no BAYES_999 in '$st'"
ms=$(echo "$st" | sed -n 's/.*score=\([-0-9.]*\).*/\1/p')
js=$("$vigil" scan -c "$VG_CONF" --client-ip 192.0.2.1 --helo client.example \
    --from a@example.com --rcpt b@example.org --json "$t/spam2" |
    sed -n 's/^{"file": "[^"]*", "decision": "[a-z]*", "score": \([-0-9.]*\),.*/\1/p')
[ -n "$ms" ] && [ "$ms" = "$js" ] ||
	fail "milter score '$ms' != vigil scan score '$js'"

# The same spam again: already learned, no new line, counts unchanged.
# A new ham behind it in the (one-thread, in order) queue says when the
# spam's turn has passed.
mkmsg "$t/ham2" ham2 "autolearn-ham-marker second" "$ham_words"
"$client" "$VG_SOCKET" -m "$t/spam1" >/dev/null 2>&1 || fail "spam1 again"
"$client" "$VG_SOCKET" -m "$t/ham2" >/dev/null 2>&1 || fail "ham2"
wait_log 3
[ "$(grep -c 'autolearn=' "$log")" -eq 3 ] ||
	fail "want 3 autolearn lines: $(grep autolearn= "$log")"
grep 'autolearn=' "$log" | tail -1 | grep -q 'autolearn=ham' ||
	fail "spam1 again was learned again: $(grep autolearn= "$log")"
out=$("$vigil" learn --stats -c "$VG_CONF")
echo "$out" | grep -qx 'spam learned: 1' || fail "stats after: $out"
echo "$out" | grep -qx 'ham learned: 2' || fail "stats after: $out"
echo "PASS t-autolearn"
