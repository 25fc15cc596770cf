#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# bayes_autolearn = no (with autolearn.rules): the message t-autolearn.sh
# sees learned as spam is not learned, no autolearn line is logged, and
# the database stays empty.
set -u
client=$VG_BUILD/tests/milter/mtclient
vigil=$VG_BUILD/cli/vigil
log=$VG_TMP/milter.log
here=$(cd "$(dirname "$0")" && pwd)
. "$here/learnmsgs.sh"
fail() {
	echo "FAIL t-noautolearn: $*"
	exit 1
}
mkmsg "$VG_TMP/spam1" spam1 "deal autolearn-spam-marker" "$spam_words" \
    "autolearn body marker"
mkmsg "$VG_TMP/ham1" ham1 "autolearn-ham-marker minutes" "$ham_words"
for m in spam1 ham1; do
	"$client" "$VG_SOCKET" -m "$VG_TMP/$m" >"$VG_TMP/$m.out" 2>&1 ||
		fail "$m: exit $?"
done
st=$(status "$VG_TMP/spam1.out")
echo "$st" | grep -q 'score=12.0' || fail "spam1 not scored 12: '$st'"
# Autolearn would log from its own thread after the reply: give it 2 s.
sleep 2
! grep -q 'autolearn=' "$log" || fail "autolearn off, yet: $(grep autolearn= "$log")"
out=$("$vigil" learn --stats -c "$VG_CONF")
echo "$out" | grep -qx 'spam learned: 0' || fail "stats: $out"
echo "$out" | grep -qx 'ham learned: 0' || fail "stats: $out"
echo "PASS t-noautolearn"
