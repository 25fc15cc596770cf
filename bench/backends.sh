#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# backends.sh - vigil-milter with its virus stage in process (libclamav) or
# on clamd, and its rate limits and classifier in memory/LMDB or in Redis:
# msgs/s and CPU per message, the helpers' CPU counted (issue 14).
#
#   bench/backends.sh [-n N] [-c "4 16"] [-r RUNS] [-s "CONFIGS"] [-k] BUILD_DIR
#
# CONFIGS (default: all four, in this order, interleaved RUNS times):
#   inproc-local  virus_backend = clamav, ratelimit_store = memory,
#                 bayes_store = lmdb
#   clamd-local   virus_backend = clamd (one clamd), memory, lmdb
#   inproc-redis  clamav, ratelimit_store = redis, bayes_store = redis
#   clamd-redis   clamd, redis, redis
# Every run starts its own vigil-milter, clamd and redis-server (so
# neither libclamav's nor clamd's cache of clean results has seen a
# message: N, default 4000, stays under the 4150 ham messages of the
# corpus, each sent once), unix sockets only, scanners' temporary files in
# the run's directory under TMPDIR (use TMPDIR=/dev/shm).  The per-client
# rate limits are on but never reached (10^7 a minute), so every message
# does its checks; the classifier has learned 300 spam and 300 ham of the
# corpus first (LMDB or Redis, as the run's store), so it classifies.
# vigil-bench -p counts vigil-milter's, clamd's and redis-server's CPU;
# Redis per message: round trips are the change of INFO stats
# total_reads_processed (one read event per request, or per pipelined
# batch, a client sends) and commands the change of INFO commandstats
# calls (INFO itself left out), over the run, divided by the messages.  A dnsmasq on 127.0.0.1 answers NXDOMAIN to every name.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
corpus=$src/../shared/corpus/spamassassin
nmsgs=4000
concs="4 16"
runs=1
configs="inproc-local clamd-local inproc-redis clamd-redis"
keep=0
while getopts n:c:r:s:k opt; do
	case $opt in
	n) nmsgs=$OPTARG ;;
	c) concs=$OPTARG ;;
	r) runs=$OPTARG ;;
	s) configs=$OPTARG ;;
	k) keep=1 ;;
	*) sed -n '4,28p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
build=${1:?usage: backends.sh [-n N] [-c CONCS] [-r RUNS] [-s CONFIGS] [-k] BUILD_DIR}
build=$(cd "$build" && pwd)
bench=$build/bench/vigil-bench
milter=$build/milter/vigil-milter
vigil=$build/cli/vigil
for x in "$bench" "$milter" "$vigil"; do
	[ -x "$x" ] || { echo "no $x: build first" >&2; exit 2; }
done
for x in clamd redis-server redis-cli dnsmasq; do
	command -v "$x" >/dev/null ||
	    { echo "no $x (packaging/deps.sh installs it)" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-backends.XXXXXX")
chmod 755 "$tmp"
pids=""
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $pids; do
		wait "$p" 2>/dev/null || true
	done
	if [ "$keep" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for TEST PID NAME - until TEST succeeds, while PID lives
wait_for() {
	i=0
	until eval "$1"; do
		kill -0 "$2" 2>/dev/null ||
		    { echo "$3 died:" >&2; cat "$tmp/$3".* >&2 || true; exit 1; }
		i=$((i + 1))
		[ $i -lt 1200 ] || { echo "$3 did not start" >&2; exit 1; }
		sleep 0.1
	done
}
# stop PID... - stop and reap, and forget them
stop() {
	kill "$@" 2>/dev/null || true
	for p in "$@"; do
		wait "$p" 2>/dev/null || true
	done
	for p in "$@"; do
		pids=$(echo "$pids" | tr ' ' '\n' | grep -vx "$p" | tr '\n' ' ')
	done
}

mkdir -p "$tmp/db" "$tmp/spam" "$tmp/ham"
sh "$src/tests/tools/make-sigdb.sh" "$tmp/db" >/dev/null
# The learning sets: the first 300 spam, the last 300 ham (the bench
# sends the first N ham).
ls "$corpus/spam" | sort | head -300 | while read -r f; do
	ln -s "$corpus/spam/$f" "$tmp/spam/$f"
done
ls "$corpus/ham" | sort | tail -300 | while read -r f; do
	ln -s "$corpus/ham/$f" "$tmp/ham/$f"
done

dnsport=5398
dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll \
    --listen-address=127.0.0.1 --bind-interfaces --port=$dnsport \
    --local=/#/ --pid-file="$tmp/dnsmasq.pid" \
    --log-facility="$tmp/dnsmasq.log" >"$tmp/dnsmasq.out" 2>&1 &
pids="$pids $!"

results=$tmp/results
: >"$results"
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# run CONFIG CONC N R - run R with fresh daemons; appends to $results
run() {
	name=$1 conc=$2 n=$3
	d=$tmp/$name.c$conc.r$4
	mkdir -p "$d"
	chmod 755 "$d"
	cpids=""
	clamd_pid= redis_pid=
	{
		echo "socket = unix:$d/vigil.sock"
		echo "dns_servers = 127.0.0.1:$dnsport"
		echo "tmp_dir = $d"
		echo "rules = $src/rules/vigil.rules"
		echo "ratelimit_external_connections = 10000000"
		echo "ratelimit_external_messages = 10000000"
		echo "bayes_path = $d/bayes.lmdb"
	} >"$d/vigil.conf"
	case $name in
	clamd-*)
		cat >"$d/clamd.conf" <<EOF
LocalSocket $d/clamd.sock
Foreground yes
DatabaseDirectory $tmp/db
TemporaryDirectory $d
LogFile $d/clamd.log
MaxThreads 16
EOF
		clamd --foreground --config-file="$d/clamd.conf" \
		    >"$d/clamd.out" 2>&1 &
		clamd_pid=$!
		pids="$pids $clamd_pid"
		wait_for "[ -S '$d/clamd.sock' ]" "$clamd_pid" "$name.c$conc.r$4/clamd"
		echo "virus_backend = clamd" >>"$d/vigil.conf"
		echo "clamd_servers = unix:$d/clamd.sock" >>"$d/vigil.conf"
		;;
	*)
		echo "clamav_database = $tmp/db" >>"$d/vigil.conf"
		;;
	esac
	case $name in
	*-redis)
		redis-server --port 0 --unixsocket "$d/redis.sock" \
		    --unixsocketperm 777 --save '' --appendonly no \
		    --logfile "$d/redis.log" &
		redis_pid=$!
		pids="$pids $redis_pid"
		wait_for "redis-cli -s '$d/redis.sock' ping >/dev/null 2>&1" \
		    "$redis_pid" "$name.c$conc.r$4/redis"
		{
			echo "redis = $d/redis.sock"
			echo "ratelimit_store = redis"
			echo "bayes_store = redis"
		} >>"$d/vigil.conf"
		;;
	esac
	"$vigil" learn --spam -c "$d/vigil.conf" "$tmp"/spam/* >"$d/learn.out" 2>&1
	"$vigil" learn --ham -c "$d/vigil.conf" "$tmp"/ham/* >>"$d/learn.out" 2>&1
	"$milter" -f -c "$d/vigil.conf" >"$d/vigil-milter.log" 2>&1 &
	vpid=$!
	pids="$pids $vpid"
	wait_for "[ -S '$d/vigil.sock' ]" "$vpid" "$name.c$conc.r$4/vigil-milter"
	pflags="-p $vpid"
	[ -n "$clamd_pid" ] && pflags="$pflags -p $clamd_pid"
	[ -n "$redis_pid" ] && pflags="$pflags -p $redis_pid"
	if [ -n "$redis_pid" ]; then
		redis-cli -s "$d/redis.sock" info commandstats >"$d/cs0"
		redis-cli -s "$d/redis.sock" info stats >"$d/st0"
	fi
	# The first N ham messages, each once.
	mkdir -p "$d/msgs"
	ls "$corpus/ham" | sort | head -"$n" | while read -r f; do
		ln -s "$corpus/ham/$f" "$d/msgs/$f"
	done
	"$bench" -s "unix:$d/vigil.sock" -c "$conc" -n "$n" $pflags \
	    "$d/msgs" >"$d/bench.out"
	rt=-
	rtrips=-
	if [ -n "$redis_pid" ]; then
		redis-cli -s "$d/redis.sock" info stats >"$d/st1"
		redis-cli -s "$d/redis.sock" info commandstats >"$d/cs1"
		# read events: one per request or pipelined batch a client
		# sent (a round trip), less the one of the INFO stats call
		r0=$(sed -n 's/^total_reads_processed:\([0-9]*\).*/\1/p' "$d/st0")
		r1=$(sed -n 's/^total_reads_processed:\([0-9]*\).*/\1/p' "$d/st1")
		rtrips=$(awk -v a="$r0" -v b="$r1" -v n="$n" \
		    'BEGIN { printf "%.2f", (b - a - 1) / n }')
		# calls= of every command but info, after minus before
		rt=$(awk -v n="$n" -F'[:,=]' '
		    /^cmdstat_/ && $1 != "cmdstat_info" {
			if (FILENAME ~ /cs0$/) b[$1] = $3; else a[$1] = $3
		    }
		    END {
			for (k in a) { t += a[k] - b[k]
			    per = per sprintf("%s%s=%.2f", per == "" ? "" : ",",
			        substr(k, 9), (a[k] - b[k]) / n) }
			printf "%.2f(%s)", t / n, per
		    }' "$d/cs0" "$d/cs1")
	fi
	# pidcpu PID - that process's CPU seconds over the run
	pidcpu() { awk -v p="$1" '$1 == "pid" && $2 == p {
		sub("cpu_s=", "", $3); print $3 }' "$d/bench.out"; }
	echo "$name $conc $(grep '^RESULT' "$d/bench.out" | sed 's/^RESULT //') vigil_s=$(
	    pidcpu $vpid) clamd_s=$(pidcpu "${clamd_pid:-x}") redis_s=$(
	    pidcpu "${redis_pid:-x}") trips=$rtrips rt=$rt" >>"$results"
	sed 's/^/  /' "$d/bench.out"
	echo "  redis per message: $rtrips round trips (reads), commands $rt"
	stop $vpid $clamd_pid $redis_pid
}

for r in $(seq 1 "$runs"); do
	for c in $concs; do
		for cfg in $configs; do
			echo "== run $r: $cfg, $c connections, $nmsgs messages"
			run "$cfg" "$c" "$nmsgs" "$r"
		done
	done
done

echo
echo "load average before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== summary ($(nproc) CPUs, $nmsgs ham messages per run, TMPDIR=${TMPDIR:-/tmp})"
echo "cpu_ms: vigil-milter + clamd + redis-server CPU ms per message"
echo "vigil/clamd/redis: each one's CPU seconds over the run"
printf '%-13s %4s %7s %7s %7s %7s %16s %6s %10s %6s %s\n' config conc \
    'msg/s' 'p50ms' 'p99ms' 'cpu_ms' 'vigil/clamd/redis' 'bench' \
    'a/r/t/err' 'trips' 'redis commands/msg'
while read -r name conc line; do
	get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1; }
	printf '%-13s %4s %7s %7s %7s %7s %16s %6s %10s %6s %s\n' "$name" "$conc" \
	    "$(get rate)" "$(get p50)" "$(get p99)" "$(get cpu_ms_per_msg)" \
	    "$(get vigil_s)/$(get clamd_s)/$(get redis_s)" "$(get bench_cpu_s)" \
	    "$(get accept)/$(get reject)/$(get tempfail)/$(get errors)" \
	    "$(get trips)" "$(get rt)"
done <"$results"
