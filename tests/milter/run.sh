#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh BUILD_DIR SCRIPT [key=value ...] - run one miltertest script
# against a freshly started vigil-milter.
#
# Generates a small signature database (tests/tools/make-sigdb.sh, or an
# inline EICAR .ndb), writes a config into a temporary directory (socket
# unix:TMP/s.sock, rules = the repository's rules/vigil.rules when it
# exists, else an empty file; extra key=value arguments are added or
# replace those, so a test can set max_message_size or tmp_dir; @TMP@ in
# one stands for the temporary directory), starts
# vigil-milter -f, waits for its socket, runs
#   miltertest -s wrap.lua -D vg_script=SCRIPT -D socket=unix:TMP/s.sock
#       -D pid=PID -D tmp=TMP -D conf=TMP/vigil.conf -D srcdir=tests/milter
#       -D build=BUILD_DIR
#       -D dnslog=$VG_DNS_LOG (the test DNS server's query log, if any)
# (wrap.lua runs SCRIPT and prints the Lua error that miltertest hides);
# a SCRIPT ending in .sh is run with sh instead, with VG_SOCKET, VG_PID,
# VG_TMP, VG_BUILD and VG_CONF in its environment;
# stops the milter with SIGTERM and exits with miltertest's status (or 1
# when the milter did not stop cleanly).  The milter's log is TMP/milter.log
# and is printed when the test fails.  Without miltertest, or without
# dnsmasq for a test that sets VG_DNS_LOG (it uses the test DNS server),
# it skips: exit 77 (tests/tools/skip.sh).
set -u

if [ $# -lt 2 ]; then
	echo "usage: $0 BUILD_DIR SCRIPT [key=value ...]" >&2
	exit 2
fi
build=$1
script=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
milter=$build/milter/vigil-milter

if [ ! -x "$milter" ]; then
	echo "run.sh: $milter not built" >&2
	exit 1
fi
. "$src/tests/tools/skip.sh"
command -v miltertest >/dev/null 2>&1 ||
    vg_skip "miltertest is not installed (apt-get install miltertest)"
if [ -n "${VG_DNS_LOG:-}" ] && [ ! -x /usr/sbin/dnsmasq ]; then
	vg_skip "the test DNS server needs dnsmasq (apt-get install dnsmasq)"
fi

tmp=$(mktemp -d /tmp/vigil-milter-test.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

mkdir -p "$tmp/db"
if [ -x "$src/tests/tools/make-sigdb.sh" ]; then
	"$src/tests/tools/make-sigdb.sh" "$tmp/db" >/dev/null || exit 1
else
	e1='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR'
	e2='-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
	hex=$(printf '%s%s' "$e1" "$e2" | od -An -v -tx1 | tr -d ' \n')
	echo "Eicar-Test-Signature:0:*:$hex" >"$tmp/db/vigil-test.ndb"
fi

rules=$src/rules/vigil.rules
if [ ! -f "$rules" ]; then
	rules=$tmp/empty.rules
	: >"$rules"
fi

# @TMP@ in an argument is the temporary directory (prefilter_cache=@TMP@/pfc).
n=$#
for kv in "$@"; do
	set -- "$@" "$(printf '%s\n' "$kv" | sed "s|@TMP@|$tmp|g")"
done
shift "$n"

# The defaults below, unless an argument sets the same key.  Vigil's own
# rules alone (sa_update_dir off): SpamAssassin's rules, the daemon's
# default where installed, are t-sawatch's and tests/e2e's subject.
setting() {
	for kv in "$@"; do
		[ "${kv%%=*}" = "$key" ] && return 0
	done
	echo "$key = $value"
}
{
	for kv in "socket=unix:$tmp/s.sock" "clamav_database=$tmp/db" \
	    "rules=$rules" "tmp_dir=$tmp" "authserv_id=mx.test.example" \
	    "dns_servers=127.0.0.1:1" "scan_timeout=20s" \
	    "bayes_path=$tmp/bayes.lmdb" "sa_update_dir="; do
		key=${kv%%=*} value=${kv#*=} setting "$@"
	done
	for kv in "$@"; do
		echo "${kv%%=*} = ${kv#*=}"
	done
} >"$tmp/vigil.conf"

broken=
if [ "${VG_BREAK_TMP_DIR:-}" = yes ]; then
	broken=$(sed -n 's/^tmp_dir = //p' "$tmp/vigil.conf")
	[ "$broken" = "$tmp" ] && broken=
	[ -z "$broken" ] || mkdir -p "$broken"
fi

"$milter" -f -c "$tmp/vigil.conf" >"$tmp/milter.log" 2>&1 &
pid=$!

i=0
while [ ! -S "$tmp/s.sock" ]; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "run.sh: vigil-milter did not open its socket" >&2
		cat "$tmp/milter.log" >&2
		exit 1
	fi
	sleep 0.1
done

# VG_BREAK_TMP_DIR=yes: tmp_dir must be usable at start (the engine refuses
# to build otherwise), so the on_error tests take it away once running.
[ -z "$broken" ] || rm -rf "$broken"

script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script")
case $script in
*.sh)
	# A shell test gets the same facts in its environment.
	VG_SOCKET=$tmp/s.sock VG_PID=$pid VG_TMP=$tmp VG_BUILD=$build \
	    VG_CONF=$tmp/vigil.conf sh "$script"
	;;
*)
	miltertest -s "$here/wrap.lua" -D vg_script="$script" \
	    -D socket="unix:$tmp/s.sock" -D pid="$pid" -D tmp="$tmp" \
	    -D conf="$tmp/vigil.conf" -D srcdir="$here" -D build="$build" \
	    -D dnslog="${VG_DNS_LOG:-}"
	;;
esac
status=$?

# An orderly stop: SIGTERM, in-flight messages finish, exit 0.
if kill -0 "$pid" 2>/dev/null; then
	kill -TERM "$pid"
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do
		i=$((i + 1))
		sleep 0.1
	done
fi
if kill -0 "$pid" 2>/dev/null; then
	echo "run.sh: vigil-milter did not stop within 30 s of SIGTERM" >&2
	[ $status -eq 0 ] && status=1
else
	wait "$pid"
	mstatus=$?
	pid=
	if [ $mstatus -ne 0 ]; then
		echo "run.sh: vigil-milter exited with status $mstatus" >&2
		[ $status -eq 0 ] && status=1
	fi
fi
if [ $status -ne 0 ] || [ -n "${VIGIL_TEST_VERBOSE:-}" ]; then
	echo "--- vigil-milter log" >&2
	cat "$tmp/milter.log" >&2
fi
exit $status
