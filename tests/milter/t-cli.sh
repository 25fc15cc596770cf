#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The command line, next to a running daemon: -t on a good and on a bad
# configuration, -V, a second daemon on a socket in use, and a daemon
# started without -f that detaches and stops on SIGTERM.
set -u
milter=$VG_BUILD/milter/vigil-milter
fail() {
	echo "FAIL t-cli: $*"
	exit 1
}

out=$("$milter" -t -c "$VG_CONF" 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "-t good config: got exit $rc ($out), want 0"

bad=$VG_TMP/bad.conf
cp "$VG_CONF" "$bad"
printf 'no_such_key = 1\nmax_message_size = huge\n' >>"$bad"
n=$(wc -l <"$bad")
out=$("$milter" -t -c "$bad" 2>&1)
rc=$?
[ $rc -eq 1 ] || fail "-t bad config: got exit $rc, want 1"
echo "$out" | grep -q "^$bad:$((n - 1)): .*no_such_key" ||
	fail "-t bad config: got '$out', want '$bad:$((n - 1)): ... no_such_key'"
echo "$out" | grep -q "^$bad:$n: .*max_message_size" ||
	fail "-t bad config: got '$out', want '$bad:$n: ... max_message_size'"

out=$("$milter" -t -c "$VG_TMP/missing.conf" 2>&1)
rc=$?
[ $rc -eq 1 ] || fail "-t missing config: got exit $rc, want 1"
echo "$out" | grep -q "$VG_TMP/missing.conf" ||
	fail "-t missing config: got '$out', want the file name"

out=$("$milter" -V -c "$VG_CONF" 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "-V: got exit $rc, want 0"
for want in '^vigil-milter [0-9]' '^libmilter [0-9]' '^ClamAV [0-9]' \
    '^PCRE2 [0-9]' '^libspf2 [0-9]'; do
	echo "$out" | grep -q "$want" || fail "-V: got '$out', want $want"
done

out=$("$milter" -x 2>&1)
rc=$?
[ $rc -eq 1 ] || fail "unknown option: got exit $rc, want 1"
echo "$out" | grep -q '^usage:' || fail "unknown option: got '$out', want usage"

# The running daemon's socket is in use: a second daemon refuses it.
out=$("$milter" -f -c "$VG_CONF" 2>&1)
rc=$?
[ $rc -eq 1 ] || fail "socket in use: got exit $rc, want 1"
echo "$out" | grep -q 'in use' || fail "socket in use: got '$out'"
kill -0 "$VG_PID" || fail "the first daemon died"

# Without -f: the start-up errors still reach the terminal ...
out=$("$milter" -c "$bad" 2>&1)
rc=$?
[ $rc -eq 1 ] || fail "daemon, bad config: got exit $rc, want 1"
echo "$out" | grep -q 'no_such_key' ||
	fail "daemon, bad config: got '$out', want the error"

# ... and with a good one it detaches, serves, and stops on SIGTERM.
d=$VG_TMP/detached.conf
sed "s|^socket = .*|socket = unix:$VG_TMP/d.sock|" "$VG_CONF" >"$d"
"$milter" -c "$d" >"$VG_TMP/d.out" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "detach: got exit $rc ($(cat "$VG_TMP/d.out")), want 0"
[ -S "$VG_TMP/d.sock" ] || fail "detach: no socket after the parent exited"
[ ! -s "$VG_TMP/d.out" ] || fail "detach: printed '$(cat "$VG_TMP/d.out")'"
mode=$(stat -c %a "$VG_TMP/d.sock")
[ "$mode" = 660 ] || fail "socket mode: got $mode, want 660"
# The detached daemon is found by its own, unique, config path.
dpid=$(pgrep -f -x "$milter -c $d")
[ -n "$dpid" ] || fail "detach: daemon not running"
out=$("$VG_BUILD/tests/milter/mtclient" "$VG_TMP/d.sock" 10)
echo "$out" | grep -qx 'insheader X-Virus-Status: Clean' ||
	fail "detached daemon: got '$out', want X-Virus-Status: Clean"
kill -TERM "$dpid"
i=0
while kill -0 "$dpid" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "detached daemon did not stop on SIGTERM"
	sleep 0.1
done
echo "PASS t-cli"
