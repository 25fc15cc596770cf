#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# vigil-milter -t checks the system around a valid config (milter/setup.c):
# the socket's directory exists or can be made, user postfix can reach it
# and the socket (the socket's group) when the socket is Postfix's (named
# in main.cf, or in /var/spool/postfix), and is not outside the chroot of
# a chrooted smtpd; the run-as user exists, tmp_dir is writable by that
# user; one line for each problem and exit 1.  Postfix's files are this
# test's own, in $MAIL_CONFIG (where Postfix itself looks for them).  And the
# daemon makes a missing socket directory at start (0750, group postfix).
# Needs the postfix user (Debian's Postfix package) and root.
set -u
milter=$VG_BUILD/milter/vigil-milter
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/tests/tools/skip.sh"
getent passwd postfix >/dev/null || vg_skip "no user postfix (install postfix)"
[ "$(id -u)" -eq 0 ] || vg_skip "needs root"

fails=0
fail() {
	echo "FAIL t-setup: $*"
	fails=$((fails + 1))
}
pub=$(mktemp -d /tmp/vigil-setup.XXXXXX) || exit 1
pid=
trap '[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null; rm -rf "$pub"' EXIT
chmod 0755 "$pub"
install -d -o postfix -m 0700 "$pub/tmp"
mkdir "$pub/pf"
MAIL_CONFIG=$pub/pf
export MAIL_CONFIG
# main.cf names every socket below but other/'s; smtpd not chrooted.
printf 'smtpd_milters = unix:%s\n' "$pub/ok/s.sock" "$pub/new/s.sock" \
    "$pub/no/such/s.sock" "$pub/private/s.sock" "$pub/made/s.sock" \
    >"$pub/pf/main.cf"
master_n='smtp      inet  n       -       n       -       -       smtpd'
master_y='smtp      inet  n       -       y       -       -       smtpd'
echo "$master_n" >"$pub/pf/master.cf"

# conf NAME KEY=VALUE... - VG_CONF with socket, user and tmp_dir replaced
# by a setting that works (or by the arguments)
conf() {
	name=$1
	shift
	grep -v '^\(socket\|user\|tmp_dir\) = ' "$VG_CONF" >"$pub/$name.conf"
	set -- "socket=unix:$pub/ok/s.sock" "user=postfix" "tmp_dir=$pub/tmp" "$@"
	for kv in "$@"; do
		k=${kv%%=*}
		sed -i "/^$k = /d" "$pub/$name.conf"
		echo "$k = ${kv#*=}" >>"$pub/$name.conf"
	done
	echo "$pub/$name.conf"
}

# check NAME WANT_RC WANT_TEXT KEY=VALUE... - run -t, compare
check() {
	name=$1 want_rc=$2 want=$3
	shift 3
	c=$(conf "$name" "$@")
	out=$("$milter" -t -c "$c" 2>&1)
	rc=$?
	[ $rc -eq "$want_rc" ] || fail "$name: exit $rc, want $want_rc: $out"
	echo "$out" | grep -qF "$want" || fail "$name: want '$want' in: $out"
}

mkdir -m 0755 "$pub/ok"
check good 0 "configuration and rules OK"
check make-dir 0 "configuration and rules OK" "socket=unix:$pub/new/s.sock"
check no-parent 1 "socket directory $pub/no/such is missing and so is $pub/no" \
    "socket=unix:$pub/no/such/s.sock"
mkdir -m 0700 "$pub/private"
check unreachable 1 "the postfix user cannot search $pub/private (mode 0700, root:root)" \
    "socket=unix:$pub/private/s.sock"
check group 1 "will belong to group nogroup, which is not the postfix user's group" \
    "user=nobody" "tmp_dir=/tmp"
check root-group 1 "will belong to group root" "user="
# A socket Postfix does not use (vigil-bench's, Sendmail's): no Postfix check.
mkdir -m 0700 "$pub/other"
check not-postfix 0 "configuration and rules OK" "socket=unix:$pub/other/s.sock" "user="
# smtpd chrooted in /var/spool/postfix cannot reach a socket outside it.
echo "$master_y" >"$pub/pf/master.cf"
check chroot 1 "socket $pub/ok/s.sock is outside /var/spool/postfix/, where master.cf runs smtpd chrooted"
echo "$master_n" >"$pub/pf/master.cf"
check no-user 1 "user = vigil-no-such-user: no such user" "user=vigil-no-such-user"
check tmp-dir 1 "tmp_dir $pub: user postfix cannot write there" "tmp_dir=$pub"
# (a missing tmp_dir is the engine's error, as at start)
check tmp-missing 1 "tmp_dir $pub/none: No such file" "tmp_dir=$pub/none"
# Problems of the socket and of tmp_dir at once, each on its own line.
c=$(conf all "socket=unix:$pub/private/s.sock" "user=nobody" "tmp_dir=$pub")
n=$("$milter" -t -c "$c" 2>&1 | grep -c "^$c: ")
[ "$n" -eq 3 ] || fail "all: want 2 problem lines and the summary, got $n"

# The daemon makes a missing socket directory: 0750, user, group postfix.
c=$(conf start "socket=unix:$pub/made/s.sock")
"$milter" -f -c "$c" >"$pub/start.log" 2>&1 &
pid=$!
i=0
while [ ! -S "$pub/made/s.sock" ] && [ $i -lt 300 ] && kill -0 "$pid" 2>/dev/null; do
	i=$((i + 1))
	sleep 0.1
done
st=$(stat -c '%U:%G %a' "$pub/made" 2>/dev/null)
[ "$st" = "postfix:postfix 750" ] ||
    fail "start: socket directory got '$st', want 'postfix:postfix 750': $(cat "$pub/start.log")"
st=$(stat -c '%U:%G %a' "$pub/made/s.sock" 2>/dev/null)
[ "$st" = "postfix:postfix 660" ] || fail "start: socket got '$st', want 'postfix:postfix 660'"
kill -TERM "$pid" 2>/dev/null
wait "$pid"
pid=

[ $fails -eq 0 ] || exit 1
echo "t-setup: all checks passed"
