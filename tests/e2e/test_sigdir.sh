#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test_sigdir.sh BUILD_DIR - the ClamAV signature directory deleted while
# vigil-milter runs (issue 15).
#
# vigil-milter watches clamav_database (signature_check_interval = 1s
# here; core/sigwatch.c, milter/current.c).  When the directory is removed
# it keeps the engine it has, logs one clear line saying so (not one per
# check), keeps refusing EICAR and delivering ham; a SIGHUP meanwhile
# fails to build a new engine and keeps the old one too.  An empty
# directory in its place changes nothing either (no signatures is not a
# database).  When the directory comes back (renamed into place, as an
# update tool would) holding a new signature, the milter reloads on its
# own within a few checks and refuses a message carrying that
# signature's string, and EICAR is still refused.
. "$(dirname "$0")/lib.sh"

STRING=VIGIL-SIGDIR-TEST-51c2
SIG=Vigil.Test.Sigdir

e2e_init sigdir "${1-}"
e2e_start_all "signature_check_interval = 1s"

ham=$(e2e_corpus_file "$E2E_CORPUS/spamassassin/ham" easy_ham.00004)
[ -n "$ham" ] || e2e_die "easy_ham.00004 not found in $E2E_CORPUS"
eicar=$E2E_CORPUS/malware/eicar-plain.eml
[ -f "$eicar" ] || e2e_die "$eicar not found"
marked=$E2E_DIR/msg/marked.src
{ sed '1{/^From /d}' "$ham"; echo "sigdir marker: $STRING"; } >"$marked"
want_eicar='^550 5\.7\.1 Message rejected: virus Eicar-Test-Signature'
want_new="^550 5\\.7\\.1 Message rejected: virus $SIG(\\.UNOFFICIAL)? detected"
log=$E2E_DIR/log/milter.log

# expect_ham_eicar - ham delivered Clean, EICAR refused; $1 names the step
expect_ham_eicar()
{
	local before
	e2e_prepare "$ham"
	e2e_send "$E2E_MSG"
	if e2e_expect_delivered "$1: ham"; then
		e2e_expect_header "$1: ham" X-Virus-Status '^Clean$'
	fi
	before=$(e2e_sink_count)
	e2e_prepare "$eicar"
	e2e_send "$E2E_MSG"
	e2e_expect_refused "$1: EICAR" "$want_eicar" "$before"
}

expect_ham_eicar "directory there"
e2e_prepare "$marked"
e2e_send "$E2E_MSG"
e2e_expect_delivered "directory there: marked message (no signature yet)"

logn=$(wc -l <"$log")
rm -rf "$E2E_DB" || e2e_die "cannot remove $E2E_DB"
# Several checks pass (interval 1s).
sleep 4
gone=$(tail -n +"$((logn + 1))" "$log" | grep -E "$E2E_DB" |
    grep -iE 'keep' | head -n 1)
e2e_check "directory deleted: the milter logs it clearly: ${gone:-nothing}" \
    e2e_matches "$gone" "$E2E_DB.*(No such file|does not exist|missing|gone).*keep"
nlines=$(tail -n +"$((logn + 1))" "$log" | grep -c "$E2E_DB")
e2e_check "directory deleted: said once, not once a check ($nlines lines)" \
    [ "$nlines" -le 2 ]
e2e_check "directory deleted: milter still running" kill -0 "$E2E_MILTER_PID"
expect_ham_eicar "directory deleted"

logn=$(wc -l <"$log")
kill -HUP "$E2E_MILTER_PID" || e2e_die "cannot signal vigil-milter"
e2e_wait_for 20 eval "tail -n +$((logn + 1)) '$log' | grep -q 'reload: failed'"
e2e_check "directory deleted, SIGHUP: reload failed, old engine kept" \
    eval "tail -n +$((logn + 1)) '$log' | grep -q 'keeping the old engine'"
expect_ham_eicar "directory deleted, after SIGHUP"

mkdir -p "$E2E_DB" && chmod 755 "$E2E_DB"
sleep 3
expect_ham_eicar "empty directory in its place"
logn=$(wc -l <"$log")
rmdir "$E2E_DB"
# Let the watcher see it gone again, so that the return is news.
e2e_wait_for 10 eval "tail -n +$((logn + 1)) '$log' | grep -q 'signature directory $E2E_DB: No such file'" ||
    e2e_not_ok "directory deleted again: logged" "got no line in 10 s"

# Back, with one more signature: built aside, renamed into place.
logn=$(wc -l <"$log")
real=$E2E_DB
E2E_DB=$E2E_DIR/milter/db.new
sh "$E2E_SRC/tests/tools/make-sigdb.sh" "$E2E_DB" \
    >"$E2E_DIR/log/make-sigdb.log" 2>&1 || e2e_die "make-sigdb.sh failed"
e2e_ndb_add "$SIG" "$STRING" vigil-sigdir.ndb
chmod -R a+rX "$E2E_DB"
mv "$E2E_DB" "$real" || e2e_die "cannot rename $E2E_DB to $real"
E2E_DB=$real
e2e_check "directory back: the milter says so" \
    e2e_wait_for 20 eval "tail -n +$((logn + 1)) '$log' | grep -q 'signature directory $real is back; reloading'"
e2e_check "directory back: the milter reloads on its own" \
    e2e_wait_for 20 eval "tail -n +$((logn + 1)) '$log' | grep -q 'reload: done (signature database changed)'"
before=$(e2e_sink_count)
e2e_prepare "$marked"
e2e_send "$E2E_MSG"
e2e_expect_refused "directory back: the new signature" "$want_new" "$before"
expect_ham_eicar "directory back"
e2e_check "milter still running" kill -0 "$E2E_MILTER_PID"

e2e_finish
