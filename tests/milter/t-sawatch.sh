#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# sa_update_dir under load (run with signature_check_interval=1s): with
# messages flowing through the milter without a pause, the directory is
# replaced as sa-update replaces it (a new channel folder written beside
# the old, then swapped in), the milter notices and reloads by itself,
# and the new rule set scores the next messages; then a broken set is
# written: the reload fails with a log line naming file:line and the old
# rules keep running.  No message may fail or go unanswered meanwhile.
set -u
client=$VG_BUILD/tests/milter/mtclient
log=$VG_TMP/milter.log
pid=$VG_PID
sa=$VG_TMP/sa
fail() {
	echo "FAIL t-sawatch: $*"
	[ -f "$VG_TMP/load.err" ] && cat "$VG_TMP/load.err"
	exit 1
}
count() {
	grep -cF -- "$1" "$log"
}
wait_log() {
	i=0
	while [ "$(count "$1")" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -le 300 ] || fail "log \"$1\": got $(count "$1"), want $2"
		sleep 0.1
	done
}

# A rule set as sa-update lays it out: CHANNEL.cf includes CHANNEL/*.cf.
# ruleset DIR RULE - one header rule RULE on the test Subject, 0.1 point
ruleset() {
	mkdir -p "$1/updates_test_example"
	printf 'include updates_test_example/20_head.cf\ninclude updates_test_example/50_scores.cf\n' \
	    >"$1/updates_test_example.cf"
	printf 'header %s Subject =~ /sawatch probe/\ndescribe %s test\n' \
	    "$2" "$2" >"$1/updates_test_example/20_head.cf"
	printf 'score %s 0.1 0.1 0.1 0.1\n' "$2" \
	    >"$1/updates_test_example/50_scores.cf"
	printf 'loadplugin Mail::SpamAssassin::Plugin::Test\n' \
	    >"$1/updates_test_example/init.pre"
}

msg=$VG_TMP/probe.eml
printf 'From: a@example.com\nTo: b@example.org\nSubject: sawatch probe\nMessage-ID: <p@example.com>\n\nhello\n' >"$msg"

# probe - one message; mtclient's output on one line (X-Spam-Status is
# folded over several)
probe() {
	out=$("$client" "$VG_SOCKET" -m "$msg") || fail "probe: mtclient: $out"
	printf '%s\n' "$out" | grep -q '^eom c' ||
		fail "probe: got '$out', want eom c"
	printf '%s\n' "$out" | tr '\n' ' '
}

# 1. Turn sa_update_dir on with a first rule set (SIGHUP).
mkdir -p "$sa"
ruleset "$sa" SAWATCH_V1
grep -v '^sa_update_dir' "$VG_CONF" >"$VG_TMP/conf.new"
echo "sa_update_dir = $sa" >>"$VG_TMP/conf.new"
cat "$VG_TMP/conf.new" >"$VG_CONF"
kill -HUP "$pid"
wait_log "reload: done (SIGHUP)" 1
st=$(probe)
case $st in *SAWATCH_V1*) ;; *) fail "V1 not scored: $st" ;; esac

# 2. Load: messages one after another until told to stop; every one must
#    complete with eom c.  The count and any failure are written down.
: >"$VG_TMP/load.err"
(
	n=0
	while [ ! -f "$VG_TMP/load.stop" ]; do
		if ! out=$("$client" "$VG_SOCKET" -m "$msg" 2>&1); then
			echo "message $n: mtclient failed: $out" >>"$VG_TMP/load.err"
		elif ! printf '%s\n' "$out" | grep -q '^eom c'; then
			echo "message $n: $out" >>"$VG_TMP/load.err"
		fi
		n=$((n + 1))
		echo "$n" >"$VG_TMP/load.count"
	done
) &
loader=$!
sleep 1

# 3. sa-update's replacement: the new set beside the old, then swapped.
ruleset "$VG_TMP/sa.new" SAWATCH_V2
rm -rf "$sa/updates_test_example" "$sa/updates_test_example.cf"
mv "$VG_TMP/sa.new/updates_test_example" "$sa/"
mv "$VG_TMP/sa.new/updates_test_example.cf" "$sa/"
wait_log "reload: done (SpamAssassin rule set changed)" 1
st=$(probe)
case $st in *SAWATCH_V2*) ;; *) fail "V2 not scored after reload: $st" ;; esac
case $st in *SAWATCH_V1*) fail "V1 still scored: $st" ;; esac

# 4. A broken set: the reload fails, says where, keeps V2.
printf 'ifplugin Mail::SpamAssassin::Plugin::Test\nheader SAWATCH_V3 Subject =~ /x/\n' \
    >"$sa/updates_test_example/20_head.cf"
wait_log "reload: failed" 1
grep -qF "updates_test_example/20_head.cf:" "$log" ||
	fail "the failed reload does not name the file"
grep -qF "keeping the old engine" "$log" || fail "no 'keeping the old engine'"
st=$(probe)
case $st in *SAWATCH_V2*) ;; *) fail "V2 lost after a failed reload: $st" ;; esac

# 5. Stop the load: nothing failed, and messages flowed throughout.
touch "$VG_TMP/load.stop"
wait "$loader"
[ -s "$VG_TMP/load.err" ] && fail "messages failed during the reloads"
n=$(cat "$VG_TMP/load.count")
[ "$n" -ge 10 ] || fail "only $n messages went through during the test"
kill -0 "$pid" 2>/dev/null || fail "vigil-milter exited"
echo "t-sawatch: $n messages under load, 2 reloads (1 refused), none failed"
