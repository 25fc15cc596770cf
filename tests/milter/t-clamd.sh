#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# virus_backend = clamd against two real clamd servers started here (unix
# sockets in $VG_TMP, no TCP, the test signature database of
# tests/tools/make-sigdb.sh) and a vigil-milter of its own with
# clamd_servers = both.  A clean message is Clean and EICAR is refused
# (550 5.7.1); X-Virus-Scanned names clamd's version.  With one clamd
# killed, every message still gets its verdict from the other (failover,
# whichever server the rotation starts at); with both killed, a message
# gets on_error (451) and nothing is called Clean.  Both also while
# messages stream: 1 MB messages arrive in 64 KB chunks 50 ms apart (so
# each is on its way to a clamd, streamed as it arrives), and clamd 1 is
# killed (SIGKILL) meanwhile: every message still gets its verdict (EICAR
# refused, the clean ones Clean), nothing lost; with both killed
# mid-stream, every message gets on_error.  Then a milter started
# while no clamd runs comes up ("clamd (unreached)") and tempfails.
# The milter run.sh started is not used.  Skips without clamd.
set -u
client=$VG_BUILD/tests/milter/mtclient
milter=$VG_BUILD/milter/vigil-milter
src=$(cd "$(dirname "$0")/../.." && pwd)
t=$VG_TMP
. "$src/tests/tools/skip.sh"
fail() {
	echo "FAIL t-clamd: $*"
	for f in "$t"/m.log "$t"/u.log "$t"/st.log "$t"/c1.log "$t"/c2.log; do
		[ -f "$f" ] && sed "s|^|$(basename "$f"): |" "$f"
	done
	exit 1
}
clamd=$(command -v clamd || echo /usr/sbin/clamd)
[ -x "$clamd" ] ||
	vg_skip "clamd is not installed (apt-get install clamav-daemon)"

c1pid=
c2pid=
mpid=
upid=
stpid=
cleanup() {
	for p in $mpid $upid $stpid $c1pid $c2pid; do
		kill "$p" 2>/dev/null
	done
}
trap cleanup EXIT

mkdir -p "$t/cdb"
"$src/tests/tools/make-sigdb.sh" "$t/cdb" >/dev/null ||
	fail "make-sigdb.sh failed"

# clamd_start N [LINE] - clamd N on $t/cN.sock, LINE added to its
# config; sets cNpid
clamd_start() {
	cat >"$t/c$1.conf" <<EOF
${2:-}
LocalSocket $t/c$1.sock
DatabaseDirectory $t/cdb
Foreground yes
LogFile $t/c$1.log
LogTime yes
LogClean yes
EOF
	# No TCPSocket line: no TCP.
	"$clamd" --foreground --config-file="$t/c$1.conf" \
	    >"$t/c$1.out" 2>&1 &
	eval "c${1}pid=$!"
}
# clamd_wait N - until clamd N answers PING
clamd_wait() {
	i=0
	until [ -S "$t/c$1.sock" ] && printf 'zPING\0' |
	    python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read())
sys.exit(0 if s.recv(64).startswith(b'PONG') else 1)
" "$t/c$1.sock" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 600 ] || fail "clamd $1 did not answer PING: $(cat "$t/c$1.out")"
		sleep 0.1
	done
}

# mkconf SOCK - VG_CONF with its own socket and the clamd backend
mkconf() {
	grep -v -e '^socket' -e '^clamav_database' -e '^scan_timeout' "$VG_CONF"
	echo "socket = unix:$t/$1.sock"
	echo "virus_backend = clamd"
	echo "clamd_servers = unix:$t/c1.sock, $t/c2.sock"
	echo "clamd_timeout = 5s"
	echo "scan_timeout = 30s"
}
# milter_start NAME - a milter on $t/NAME.sock; sets NAMEpid
milter_start() {
	mkconf "$1" >"$t/$1.conf"
	"$milter" -f -c "$t/$1.conf" >"$t/$1.log" 2>&1 &
	eval "${1}pid=$!"
	i=0
	while [ ! -S "$t/$1.sock" ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || fail "milter $1 did not start"
		sleep 0.1
	done
}

e1='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR'
e2='-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
{
	printf 'From: a@example.com\r\nTo: b@example.org\r\n'
	printf 'Subject: test\r\nMessage-ID: <eicar@example.com>\r\n\r\n'
	printf '%s%s\r\n' "$e1" "$e2"
} >"$t/eicar.eml"

# clean SOCK TAG - a clean message must be Clean
clean() {
	"$client" "$t/$1.sock" 10 >"$t/$2.out" 2>&1 ||
		fail "$2: exit $? ($(cat "$t/$2.out"))"
	grep -qx 'insheader X-Virus-Status: Clean' "$t/$2.out" ||
		fail "$2: want X-Virus-Status: Clean, got: $(cat "$t/$2.out")"
}
# eicar SOCK TAG - EICAR must be refused as a virus
eicar() {
	"$client" "$t/$1.sock" -m "$t/eicar.eml" >"$t/$2.out" 2>&1 ||
		fail "$2: exit $? ($(cat "$t/$2.out"))"
	grep -q '^reply 550 5\.7\.1 ' "$t/$2.out" ||
		fail "$2: want 550 5.7.1, got: $(cat "$t/$2.out")"
}
# tempfail SOCK TAG - a message gets on_error: 451, never Clean
tempfail() {
	"$client" "$t/$1.sock" -m "$t/eicar.eml" >"$t/$2.e.out" 2>&1
	"$client" "$t/$1.sock" 10 >"$t/$2.c.out" 2>&1
	for f in "$t/$2.e.out" "$t/$2.c.out"; do
		grep -q '^reply 451 ' "$f" ||
			fail "$2: want reply 451 (on_error), got: $(cat "$f")"
		grep -q 'Clean' "$f" && fail "$2: Clean without a scanner: $(cat "$f")"
	done
}

clamd_start 1
clamd_start 2
clamd_wait 1
clamd_wait 2
milter_start m

clean m clean1
# X-Virus-Scanned names clamd's version as the in-process backend names
# libclamav's: "ClamAV 1.4.6/0" (no daily database here; with one, the
# daily version after the slash, clamd's date cut).
cver=$("$clamd" --version | cut -d/ -f1-2)
case "$cver" in */*) ;; *) cver="$cver/0" ;; esac
grep -qF "insheader X-Virus-Scanned: Vigil " "$t/clean1.out" &&
	grep -qF "($cver)" "$t/clean1.out" ||
	fail "X-Virus-Scanned does not name clamd's version ($cver): $(cat "$t/clean1.out")"
eicar m eicar1
# Both servers take turns: each scanned something.
clean m clean2
eicar m eicar2
for n in 1 2; do
	grep -q 'stream' "$t/c$n.log" ||
		fail "clamd $n scanned nothing: the rotation does not reach it"
done

# big FILE [eicar] - a message of about 1 MB, EICAR at its end or not
big() {
	{
		printf 'From: a@example.com\r\nTo: b@example.org\r\n'
		printf 'Subject: big\r\nMessage-ID: <big%s@example.com>\r\n\r\n' "$$"
		i=0
		while [ $i -lt 16000 ]; do
			printf 'Line %06d of a long letter about the weather.\r\n' $i
			i=$((i + 1))
		done
		[ -n "${2:-}" ] && printf '%s%s\r\n' "$e1" "$e2"
	} >"$1"
}
big "$t/big-clean.eml"
big "$t/big-eicar.eml" eicar
# slow TAG FILE - mtclient sends FILE to milter st, 50 ms between chunks
slow() {
	MTCLIENT_BODY_DELAY_MS=50 "$client" "$t/st.sock" -m "$2" \
	    >"$t/$1.out" 2>&1
	echo "$?" >"$t/$1.rc"
}
# streams N - N slow messages at once (odd EICAR, even clean), in the
# background; waits for them with wait_streams
streams() {
	spids=
	k=1
	while [ $k -le "$1" ]; do
		if [ $((k % 2)) -eq 1 ]; then f=big-eicar; else f=big-clean; fi
		slow "$2$k" "$t/$f.eml" &
		spids="$spids $!"
		k=$((k + 1))
	done
}
wait_streams() {
	for p in $spids; do
		wait "$p"
	done
}

# Killed mid-stream: messages stream to both servers when clamd 1 dies.
milter_start st
streams 6 cut
sleep 0.4
kill -9 "$c1pid"
wait "$c1pid" 2>/dev/null
c1pid=
wait_streams
k=1
while [ $k -le 6 ]; do
	[ "$(cat "$t/cut$k.rc")" = 0 ] ||
		fail "cut$k: no definite reply: $(cat "$t/cut$k.out")"
	if [ $((k % 2)) -eq 1 ]; then
		grep -q '^reply 550 5\.7\.1 ' "$t/cut$k.out" ||
			fail "cut$k: EICAR not refused after a clamd died mid-stream: $(cat "$t/cut$k.out")"
	else
		grep -qx 'insheader X-Virus-Status: Clean' "$t/cut$k.out" ||
			fail "cut$k: want Clean after a clamd died mid-stream: $(cat "$t/cut$k.out")"
	fi
	k=$((k + 1))
done
# The streams on clamd 1 broke (its only failure: it was up when they
# started), and the one warning says so.
[ "$(grep -c 'warning: clamd: .*c1.sock' "$t/st.log")" -eq 1 ] ||
	fail "want one warning for clamd 1 dying mid-stream: $(cat "$t/st.log")"
grep -q 'stream' "$t/c2.log" || fail "clamd 2 scanned nothing"

# Both killed mid-stream: on_error (451) for every message, none Clean.
clamd_start 1
clamd_wait 1
sleep 1.2
streams 4 both
sleep 0.4
kill -9 "$c1pid" "$c2pid"
wait "$c1pid" "$c2pid" 2>/dev/null
c1pid=
c2pid=
wait_streams
for k in 1 2 3 4; do
	[ "$(cat "$t/both$k.rc")" = 0 ] ||
		fail "both$k: no definite reply: $(cat "$t/both$k.out")"
	grep -q '^reply 451 ' "$t/both$k.out" ||
		fail "both$k: want 451 (on_error) with both clamd killed mid-stream: $(cat "$t/both$k.out")"
	grep -q 'Clean' "$t/both$k.out" &&
		fail "both$k: Clean without a scanner: $(cat "$t/both$k.out")"
done
kill "$stpid"
wait "$stpid" 2>/dev/null
stpid=
clamd_start 1
clamd_start 2
clamd_wait 1
clamd_wait 2
sleep 1.2

# One server gone: every message still gets its verdict.
kill "$c1pid"
wait "$c1pid" 2>/dev/null
c1pid=
for k in 1 2 3; do
	clean m "down-clean$k"
	eicar m "down-eicar$k"
done
# One warning for the outage, not one a message (the 1 s back-off).
[ "$(grep -c 'warning: clamd: .*c1.sock' "$t/m.log")" -eq 1 ] ||
	fail "want one warning for the unreachable clamd 1: $(grep c1.sock "$t/m.log")"

# Both gone: on_error (tempfail), nothing Clean.
kill "$c2pid"
wait "$c2pid" 2>/dev/null
c2pid=
tempfail m both-down

# A milter started while no clamd answers still starts, and tempfails.
milter_start u
grep -q 'clamd (unreached)\|answered VERSION' "$t/u.log" ||
	fail "no log line for the unreachable servers at start"
tempfail u unreached

# The servers come back: scans resume without a restart (once the
# 1 s back-off after the last failure has passed).
clamd_start 1
clamd_wait 1
sleep 1.2
clean u back-clean
eicar u back-eicar

# A server that refuses a message as too long (StreamMaxLength, "INSTREAM
# size limit exceeded. ERROR") makes it Unscanned: unscanned_action
# (reject by default), never Clean.  Server 2 takes 1 KiB, server 1 all;
# the rotation sends one of two messages to each.  600 KB: clamd closes
# the connection while the message is still being sent, and its reply
# is still read.
clamd_start 2 "StreamMaxLength 1K"
clamd_wait 2
sleep 1.2
for k in 1 2; do
	"$client" "$t/u.sock" 600000 >"$t/limit$k.out" 2>&1 ||
		fail "limit$k: exit $? ($(cat "$t/limit$k.out"))"
done
cat "$t/limit1.out" "$t/limit2.out" >"$t/limit.out"
grep -qx 'insheader X-Virus-Status: Clean' "$t/limit.out" ||
	fail "server 1 did not scan a 600 KB message: $(cat "$t/limit.out")"
[ "$(grep -c '^reply 550 5\.7\.1 ' "$t/limit.out")" -eq 1 ] ||
	fail "want one 550 5.7.1 (unscanned) from server 2: $(cat "$t/limit.out")"
grep -q 'size limit exceeded' "$t/u.log" ||
	fail "no log line with clamd's reason"
echo "t-clamd: ok"
exit 0
