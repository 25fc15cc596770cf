#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# compare-clamav-milter.sh [options] [BUILD_DIR]
#
# Runs vigil-bench against clamav-milter + clamd (the usual ClamAV milter
# set-up) and, when BUILD_DIR holds a built milter/vigil-milter, against
# vigil-milter with the same signature database, the same messages and the
# same concurrencies. Prints one table at the end.
#
#   -d DIR      messages to send (default ../shared/corpus/spamassassin/ham)
#   -n N        messages per run (default 4000); -t S runs S seconds instead
#   -c "1 4 16" concurrencies (default "1 4 16")
#   -B PATH     vigil-bench binary (default BUILD_DIR/bench/vigil-bench, else
#               compiled from bench/vigil-bench.c into the temp directory)
#   -r          keep connections open (vigil-bench --reuse) instead of one
#               connection per message
#   -i          milters listen on TCP (127.0.0.1:11391, :11392) instead of
#               unix sockets; -q adds vigil-bench --quickack (ACK each reply
#               at once, which an MTA does not do)
#   -k          keep the temp directory (configs, logs, raw outputs)
#
# The temp directory is made under $TMPDIR (default /tmp); it is also the
# scanners' temporary directory (clamd TemporaryDirectory, vigil tmp_dir),
# so TMPDIR=/dev/shm measures them with temporary files on tmpfs.
#
# It installs the Debian packages clamav-milter and clamav-daemon with
# apt-get when they are missing (and says so). Everything runs on unix
# sockets in a temp directory: clamd and clamav-milter in the foreground
# with their own configs, vigil-milter with its own vigil.conf, and a
# dnsmasq on 127.0.0.1 that answers NXDOMAIN to everything so that
# vigil-milter's DNS checks get fast, deterministic answers offline. Every
# process it starts is stopped on exit (trap). Run it as root.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
corpus=$src/../shared/corpus/spamassassin/ham
nmsgs=4000
secs=
concs="1 4 16"
bench=
keep=0
reuse=
inet=0
quickack=
while getopts d:n:t:c:B:rkiq opt; do
	case $opt in
	d) corpus=$OPTARG ;;
	n) nmsgs=$OPTARG ;;
	t) secs=$OPTARG ;;
	c) concs=$OPTARG ;;
	B) bench=$OPTARG ;;
	r) reuse=--reuse ;;
	i) inet=1 ;;
	q) quickack=--quickack ;;
	k) keep=1 ;;
	*) sed -n '4,27p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
build=${1:-}
if [ -n "$secs" ]; then
	limit="-t $secs"
else
	limit="-n $nmsgs"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench.XXXXXX")
chmod 755 "$tmp"
pids=""

# cleanup - stop what we started, then remove the temp directory
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $pids; do
		wait "$p" 2>/dev/null || true
	done
	if [ "$keep" = 1 ]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# listening SOCKET - true once unix:PATH exists or inet:PORT@HOST accepts
listening() {
	case $1 in
	unix:*) [ -S "${1#unix:}" ] ;;
	inet:*)
		port=${1#inet:}
		port=${port%@*}
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
		;;
	*) [ -S "$1" ] ;;
	esac
}

# wait_socket SOCKET PID WHAT - wait up to 120 s for a socket to listen
wait_socket() {
	i=0
	while ! listening "$1"; do
		if ! kill -0 "$2" 2>/dev/null; then
			echo "$3 died; its log:" >&2
			cat "$tmp/$3.log" "$tmp/$3.out" 2>/dev/null >&2 || true
			exit 1
		fi
		i=$((i + 1))
		if [ $i -gt 1200 ]; then
			echo "$3: no socket $1 after 120 s" >&2
			exit 1
		fi
		sleep 0.1
	done
}

if ! command -v clamd >/dev/null || ! command -v clamav-milter >/dev/null; then
	echo "installing clamav-milter clamav-daemon with apt-get"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    clamav-milter clamav-daemon >/dev/null
fi
if ! command -v dnsmasq >/dev/null && [ -n "$build" ]; then
	echo "installing dnsmasq with apt-get"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q dnsmasq >/dev/null
fi

if [ -z "$bench" ] && [ -n "$build" ] && [ -x "$build/bench/vigil-bench" ]; then
	bench=$build/bench/vigil-bench
fi
if [ -z "$bench" ]; then
	bench=$tmp/vigil-bench
	cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -pthread \
	    -o "$bench" "$here/vigil-bench.c"
fi

# The signature database: the tests' generator if present, else EICAR only.
mkdir -p "$tmp/db"
if [ -x "$src/tests/tools/make-sigdb.sh" ] || [ -f "$src/tests/tools/make-sigdb.sh" ]; then
	sh "$src/tests/tools/make-sigdb.sh" "$tmp/db" >/dev/null
else
	# shellcheck disable=SC2016 # the EICAR string, literally
	e1='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR'
	# shellcheck disable=SC2016
	e2='-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
	printf 'Eicar-Test-Signature:0:*:%s\n' \
	    "$(printf '%s%s' "$e1" "$e2" | od -An -v -tx1 | tr -d ' \n')" \
	    >"$tmp/db/vigil-test.ndb"
fi

if [ "$inet" = 1 ]; then
	cm_sock=inet:11391@127.0.0.1
	vg_sock=inet:11392@127.0.0.1
else
	cm_sock=unix:$tmp/clamav-milter.sock
	vg_sock=unix:$tmp/vigil.sock
fi

cat >"$tmp/clamd.conf" <<EOF
LocalSocket $tmp/clamd.sock
Foreground yes
DatabaseDirectory $tmp/db
TemporaryDirectory $tmp
LogFile $tmp/clamd.log
LogTime yes
EOF
cat >"$tmp/clamav-milter.conf" <<EOF
MilterSocket $cm_sock
ClamdSocket unix:$tmp/clamd.sock
Foreground yes
OnClean Accept
OnInfected Reject
OnFail Defer
AddHeader Replace
TemporaryDirectory $tmp
LogFile $tmp/clamav-milter.log
LogTime yes
EOF

results=$tmp/results
load0=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$results"

# run_bench NAME SOCKET PID... - one vigil-bench run per concurrency
run_bench() {
	name=$1
	sock=$2
	shift 2
	pflags=""
	for p in "$@"; do
		pflags="$pflags -p $p"
	done
	for c in $concs; do
		out=$tmp/$name.c$c.out
		# shellcheck disable=SC2086
		"$bench" -s "$sock" -c "$c" $limit $reuse $quickack $pflags \
		    "$corpus" \
		    >"$out"
		sed 's/^/  /' "$out"
		echo "$name $(grep '^RESULT' "$out")" >>"$results"
	done
}

echo "== clamav-milter $(clamav-milter --version | cut -d' ' -f2) + clamd, database: $(cd "$tmp/db" && echo *)"
clamd -c "$tmp/clamd.conf" >"$tmp/clamd.out" 2>&1 &
clamd_pid=$!
pids="$pids $clamd_pid"
wait_socket "$tmp/clamd.sock" "$clamd_pid" clamd
clamav-milter -c "$tmp/clamav-milter.conf" >"$tmp/clamav-milter.out" 2>&1 &
milter_pid=$!
pids="$pids $milter_pid"
wait_socket "$cm_sock" "$milter_pid" clamav-milter
run_bench clamav-milter "$cm_sock" "$milter_pid" "$clamd_pid"
kill "$milter_pid" "$clamd_pid" 2>/dev/null || true
wait "$milter_pid" "$clamd_pid" 2>/dev/null || true

if [ -n "$build" ] && [ -x "$build/milter/vigil-milter" ]; then
	dnsport=5399
	dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll \
	    --listen-address=127.0.0.1 --bind-interfaces --port=$dnsport \
	    --local=/#/ --pid-file="$tmp/dnsmasq.pid" \
	    --log-facility="$tmp/dnsmasq.log" >"$tmp/dnsmasq.out" 2>&1 &
	pids="$pids $!"
	# Until rules/vigil.rules exists, an empty rule set (virus stage only).
	if [ -f "$src/rules/vigil.rules" ]; then
		rules="rules = $src/rules/vigil.rules"
	else
		echo "no $src/rules/vigil.rules: measuring with an empty rule set"
		printf 'required_score 5.0\n' >"$tmp/empty.rules"
		rules="rules = $tmp/empty.rules"
	fi
	cat >"$tmp/vigil.conf" <<EOF
socket = $vg_sock
clamav_database = $tmp/db
dns_servers = 127.0.0.1:$dnsport
tmp_dir = $tmp
# All the load comes from one client address: per-client limits off.
ratelimit_external_connections = 0
ratelimit_external_messages = 0
$rules
EOF
	if ! "$build/milter/vigil-milter" -t -c "$tmp/vigil.conf"; then
		echo "vigil-milter -t refused $tmp/vigil.conf; skipping it" >&2
		keep=1
	else
		echo "== vigil-milter ($build/milter/vigil-milter), same database"
		"$build/milter/vigil-milter" -f -c "$tmp/vigil.conf" \
		    >"$tmp/vigil-milter.log" 2>&1 &
		vigil_pid=$!
		pids="$pids $vigil_pid"
		wait_socket "$vg_sock" "$vigil_pid" vigil-milter
		run_bench vigil-milter "$vg_sock" "$vigil_pid"
	fi
elif [ -n "$build" ]; then
	echo "no $build/milter/vigil-milter: only clamav-milter was measured"
fi

echo
echo "load average before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cpu_ms = milter CPU (clamav-milter + clamd) per message; bench = client CPU s"
echo "== summary ($(nproc) CPUs, $limit per run, corpus $corpus)"
echo "   sockets: $cm_sock, $vg_sock ${reuse:+(reused)} ${quickack}"
printf '%-14s %4s %6s %7s %7s %7s %7s %7s %6s %6s %s\n' milter conc msgs \
    'msg/s' 'p50ms' 'p95ms' 'p99ms' 'cpu_ms' 'rss_MB' 'bench' outcomes
while read -r name conc _ msgs _ rate p50 p95 p99 _ acc rej tmpf dis oth err _ cpm rss bcpu; do
	printf '%-14s %4s %6s %7s %7s %7s %7s %7s %6s %6s %s\n' "$name" \
	    "${conc#conc=}" "${msgs#msgs=}" "${rate#rate=}" "${p50#p50=}" \
	    "${p95#p95=}" "${p99#p99=}" "${cpm#cpu_ms_per_msg=}" \
	    "$(( ${rss#peak_rss_kb=} / 1024 ))" "${bcpu#bench_cpu_s=}" \
	    "$acc $rej $tmpf $dis $oth $err"
done <<EOF
$(sed 's/RESULT //' "$results")
EOF
