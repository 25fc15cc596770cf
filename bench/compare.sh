#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# compare.sh [options] [BUILD_DIR]
#
# vigil-milter against its two peers from Debian, on the same messages, the
# same signatures and the same local DNS server, interleaved in one run:
#   rspamd      rspamd 3.4's milter proxy (rspamd_proxy, milter mode,
#               self_scan) with its antivirus module sending every whole
#               message to clamd: virus + spam, like vigil-milter
#   clamav      clamav-milter + clamd: virus only
#   vigil       BUILD_DIR/milter/vigil-milter (default BUILD_DIR: ./build
#               of this tree): virus + rules + SPF + DNSBL
# For each round and each concurrency it runs rspamd, vigil, clamav, vigil
# (peer, Vigil, peer, Vigil; then vigilA, vigil with -A) so that the
# machine's load falls on both sides of each pair alike, and prints one
# row per run and the ratios of each pair.
#
#   -d "DIR..."  messages (default ../shared/corpus/spamassassin/ham and spam)
#   -n N         messages per run: a fixed subset, every (total/N)th file of
#                the sorted corpus (default: all); each is sent once a run
#   -c "1 4 16"  concurrencies (default "1 4 16")
#   -R ROUNDS    rounds (default 2)
#   -w N         warm-up messages sent to each milter before measuring
#                (default 300, at 4 connections; not in the table)
#   -P           also profile vigil-milter with perf (perf record -g -p)
#                during one more 16-connection run after the table
#   -o DIR       keep everything (configs, logs, raw outputs, table, perf
#                reports) in DIR instead of a temp directory
#   -k           keep the temp directory
#   -B PATH      vigil-bench binary (default BUILD_DIR/bench/vigil-bench)
#   -p PORT      dnsmasq port on 127.0.0.1 (default 5397)
#   -C           keep vigil-milter's own DNS answer cache (dns_cache_size
#                default); without -C it is 0, so that Vigil, like rspamd
#                (whose resolver keeps no cache), asks the DNS server for
#                every lookup of every replayed message
#   -A DIR       also run DIR/milter/vigil-milter (another build of Vigil,
#                for example one of an earlier commit) as "vigilA", on the
#                same messages and configuration, interleaved with the
#                others, and print the ratio vigil/vigilA: a before and
#                after figure for a change, measured in one run
#   -Z           switch on, in a copy of rules/vigil.rules, the public
#                DNSBL/URIBL zones it ships commented out (3 DNSBL on the
#                client address, 2 URIBL on links), as rspamd's default
#                RBL/SURBL lookups are on
#
# The temp directory (under $TMPDIR, default /tmp) is also every scanner's
# temporary directory (clamd TemporaryDirectory, clamav-milter's, vigil
# tmp_dir): TMPDIR=/dev/shm puts them all on tmpfs.
#
# Caches: clamd runs with DisableCache true, and vigil-milter's libclamav
# clean-file cache is always off (lib/stage_virus.c "Incomplete scans"), so
# a replayed message is scanned again by everyone. rspamd has no Redis
# here, so no Bayes, no antivirus result cache, no greylisting or
# ratelimit state. Daemons are long-lived for the whole run (one start
# each); rspamd's first start compiles its Hyperscan databases, and the
# script waits until every proxy worker has loaded them, then warms every
# milter up before the first measured run.
#
# CPU per message: utime+stime (/proc/PID/stat, all threads) during the run
# of every process of the milter's tree (the daemon and its children:
# rspamd's main, proxy workers and hs_helper) plus clamd for both peers;
# dnsmasq's CPU is shown apart (dns_ms), not in cpu_ms, and dnsq counts
# its queries per message (its SIGUSR1 statistics). PSS: Pss of
# /proc/PID/smaps_rollup summed over the same processes, after the run.
#
# Installs rspamd, clamav-daemon, clamav-milter and dnsmasq with apt-get
# when missing (apt-get update first if the install fails). Everything
# listens on unix sockets in the temp directory, dnsmasq on 127.0.0.1 only;
# nothing leaves loopback. Every process it starts is stopped on exit
# (trap). Run it as root (rspamd's workers run as _rspamd).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
corpora="$src/../shared/corpus/spamassassin/ham $src/../shared/corpus/spamassassin/spam"
nmsgs=
concs="1 4 16"
rounds=2
warm=300
profile=0
outdir=
keep=0
bench=
dnsport=5397
dnscache=0
zones=0
abuild=
while getopts d:n:c:R:w:Po:kB:p:CZA: opt; do
	case $opt in
	d) corpora=$OPTARG ;;
	n) nmsgs=$OPTARG ;;
	c) concs=$OPTARG ;;
	R) rounds=$OPTARG ;;
	w) warm=$OPTARG ;;
	P) profile=1 ;;
	o) outdir=$OPTARG ;;
	k) keep=1 ;;
	B) bench=$OPTARG ;;
	p) dnsport=$OPTARG ;;
	C) dnscache=1 ;;
	Z) zones=1 ;;
	A) abuild=$OPTARG ;;
	*) awk 'NR >= 4 && !/^#/ { exit } NR >= 4' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
build=${1:-$src/build}
build=$(cd "$build" && pwd)
vigil=$build/milter/vigil-milter
[ -n "$bench" ] || bench=$build/bench/vigil-bench
vigila=
if [ -n "$abuild" ]; then
	vigila=$(cd "$abuild" && pwd)/milter/vigil-milter
fi
for f in "$vigil" "$bench" $vigila; do
	if [ ! -x "$f" ]; then
		echo "$0: no $f (build vigil-milter and vigil-bench first)" >&2
		exit 2
	fi
done
if [ "$(id -u)" != 0 ]; then
	echo "$0: run as root (apt-get, rspamd -u _rspamd)" >&2
	exit 2
fi

# --- packages ---------------------------------------------------------
need=""
command -v rspamd >/dev/null || need="$need rspamd"
command -v clamd >/dev/null || need="$need clamav-daemon"
command -v clamav-milter >/dev/null || need="$need clamav-milter"
command -v dnsmasq >/dev/null || need="$need dnsmasq"
if [ "$profile" = 1 ] && ! command -v perf >/dev/null; then
	need="$need linux-perf"
fi
if [ -n "$need" ]; then
	echo "installing with apt-get:$need"
	# shellcheck disable=SC2086 # a list of package names
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need \
	    >/dev/null; then
		apt-get update -q >/dev/null
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need \
		    >/dev/null
	fi
fi

# --- work directory and cleanup ---------------------------------------
if [ -n "$outdir" ]; then
	mkdir -p "$outdir"
	tmp=$(cd "$outdir" && pwd)
	keep=1
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-compare.XXXXXX")
fi
chmod 755 "$tmp"
pids=""
perf_pid=""

# cleanup - stop what we started (and what it forked), then remove tmp
cleanup() {
	set +e
	[ -n "$perf_pid" ] && kill -INT "$perf_pid" 2>/dev/null
	all=""
	for p in $pids; do
		all="$all $(tree "$p")"
	done
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	# children that outlived their parent (rspamd workers), by pid
	for p in $all; do
		kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
	done
	if [ "$keep" = 1 ]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# tree PID... - the PIDs and all their descendants, one a line
tree() {
	ps -e -o pid=,ppid= | awk -v roots="$*" '
	BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) want[r[i]] = 1 }
	{ parent[$1] = $2 }
	END {
		do {
			more = 0
			for (p in parent)
				if (!(p in want) && (parent[p] in want)) {
					want[p] = 1; more = 1
				}
		} while (more)
		for (p in want) if (p in parent) print p
	}' | sort -n
}

# pss_kb PID... - sum of Pss over the processes
pss_kb() {
	for p in "$@"; do
		cat "/proc/$p/smaps_rollup" 2>/dev/null
	done | awk '$1 == "Pss:" { s += $2 } END { print s + 0 }'
}

# wait_for WHAT PID TEST... - wait up to 180 s for TEST to succeed
wait_for() {
	what=$1
	pid=$2
	shift 2
	i=0
	while ! "$@"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "$what died; its output:" >&2
			tail -n 30 "$tmp/$what.out" "$tmp/$what.log" 2>/dev/null >&2
			exit 1
		fi
		i=$((i + 1))
		if [ $i -gt 1800 ]; then
			echo "$what: not ready after 180 s" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# --- messages: a fixed subset, the same for everyone ----------------------
mkdir -p "$tmp/corpus"
# shellcheck disable=SC2086 # a list of directories
find $corpora -type f | LC_ALL=C sort >"$tmp/corpus.all"
total=$(wc -l <"$tmp/corpus.all")
[ -n "$nmsgs" ] && [ "$nmsgs" -lt "$total" ] || nmsgs=$total
awk -v n="$nmsgs" -v t="$total" '
	BEGIN { next_i = 0; k = 0 }
	NR - 1 >= int(k * t / n) && k < n { printf "%s\t%05d\n", $0, k; k++ }' \
    "$tmp/corpus.all" | while IFS="$(printf '\t')" read -r f k; do
	ln -s "$f" "$tmp/corpus/$k-$(basename "$f")"
done
nmsgs=$(find "$tmp/corpus" -type l | wc -l)

# --- signatures, configs ---------------------------------------------------
mkdir -p "$tmp/db"
sh "$src/tests/tools/make-sigdb.sh" "$tmp/db" >/dev/null

cat >"$tmp/clamd.conf" <<EOF
LocalSocket $tmp/clamd.sock
LocalSocketMode 666
Foreground yes
DatabaseDirectory $tmp/db
TemporaryDirectory $tmp
DisableCache true
LogFile $tmp/clamd.log
LogTime yes
EOF
cat >"$tmp/clamav-milter.conf" <<EOF
MilterSocket unix:$tmp/clamav-milter.sock
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

# rspamd: Debian's /etc/rspamd with our local.d/override.d, db, run and
# log directories. The proxy scans itself (self_scan, one process per
# CPU, no hop to a normal worker); normal and controller workers off.
r=$tmp/rspamd
mkdir -p "$r/etc/local.d" "$r/etc/override.d" "$r/db" "$r/run" "$r/log"
chown _rspamd:_rspamd "$r/db" "$r/run" "$r/log"
cat >"$r/etc/override.d/worker-proxy.inc" <<EOF
bind_socket = "$tmp/rspamd.sock mode=0666";
count = $(nproc);
upstream "local" {
  default = yes;
  self_scan = yes;
}
EOF
echo 'enabled = false;' >"$r/etc/override.d/worker-normal.inc"
echo 'enabled = false;' >"$r/etc/override.d/worker-controller.inc"
cat >"$r/etc/local.d/options.inc" <<EOF
dns {
  nameserver = ["127.0.0.1:$dnsport"];
}
EOF
cat >"$r/etc/local.d/antivirus.conf" <<EOF
clamav {
  type = "clamav";
  servers = "$tmp/clamd.sock";
  # the whole message, as clamav-milter and vigil-milter scan it
  scan_mime_parts = false;
  action = "reject";
  symbol = "CLAM_VIRUS";
}
EOF

if [ -f "$src/rules/vigil.rules" ] && [ "$zones" = 1 ]; then
	sed -e 's/^#\(dnsbl \)/\1/' -e 's/^#\(uribl \)/\1/' \
	    -e 's/^#\(score  *RCVD_IN_\)/\1/' -e 's/^#\(score  *URIBL_\)/\1/' \
	    "$src/rules/vigil.rules" >"$tmp/vigil-zones.rules"
	rules=$tmp/vigil-zones.rules
	echo "vigil: DNSBL/URIBL zones on:" \
	    "$(grep -c -E '^(dnsbl|uribl) ' "$rules") of them, in $rules"
elif [ -f "$src/rules/vigil.rules" ]; then
	rules=$src/rules/vigil.rules
else
	printf 'required_score 5.0\n' >"$tmp/empty.rules"
	rules=$tmp/empty.rules
fi
cat >"$tmp/vigil.conf" <<EOF
socket = unix:$tmp/vigil.sock
clamav_database = $tmp/db
dns_servers = 127.0.0.1:$dnsport
tmp_dir = $tmp
# All the load comes from one client address: per-client limits off.
ratelimit_external_connections = 0
ratelimit_external_messages = 0
rules = $rules
EOF
if [ "$dnscache" = 0 ]; then
	printf '# No DNS cache: every lookup reaches dnsmasq, as rspamd'"'"'s do.\n'\
	    >>"$tmp/vigil.conf"
	printf 'dns_cache_size = 0\n' >>"$tmp/vigil.conf"
fi
"$vigil" -t -c "$tmp/vigil.conf" >/dev/null
if [ -n "$vigila" ]; then
	sed "s|^socket = .*|socket = unix:$tmp/vigilA.sock|" "$tmp/vigil.conf" \
	    >"$tmp/vigilA.conf"
	"$vigila" -t -c "$tmp/vigilA.conf" >/dev/null
fi

# --- start everything -------------------------------------------------------
dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll \
    --listen-address=127.0.0.1 --bind-interfaces --port="$dnsport" \
    --address=/#/ --log-facility="$tmp/dnsmasq.log" \
    >"$tmp/dnsmasq.out" 2>&1 &
dns_pid=$!
pids="$pids $dns_pid"
sleep 0.3
kill -0 "$dns_pid" 2>/dev/null || { cat "$tmp/dnsmasq.out" >&2; exit 1; }

clamd -c "$tmp/clamd.conf" >"$tmp/clamd.out" 2>&1 &
clamd_pid=$!
pids="$pids $clamd_pid"
wait_for clamd "$clamd_pid" test -S "$tmp/clamd.sock"

clamav-milter -c "$tmp/clamav-milter.conf" >"$tmp/clamav-milter.out" 2>&1 &
cm_pid=$!
pids="$pids $cm_pid"
wait_for clamav-milter "$cm_pid" test -S "$tmp/clamav-milter.sock"

t0=$(date +%s)
rspamd -f -u _rspamd -g _rspamd -c /etc/rspamd/rspamd.conf \
    --var="LOCAL_CONFDIR=$r/etc" --var="DBDIR=$r/db" \
    --var="RUNDIR=$r/run" --var="LOGDIR=$r/log" \
    >"$tmp/rspamd.out" 2>&1 &
rs_pid=$!
pids="$pids $rs_pid"
ln -s "$r/log/rspamd.log" "$tmp/rspamd.log"
# hs_ready - every proxy worker has loaded the compiled Hyperscan database
hs_ready() {
	[ -S "$tmp/rspamd.sock" ] &&
	    [ "$(grep -c 'rspamd_proxy.*full hyperscan database.*loaded' \
	        "$r/log/rspamd.log" 2>/dev/null)" -ge "$(nproc)" ]
}
wait_for rspamd "$rs_pid" hs_ready
echo "rspamd ready (Hyperscan compiled and loaded) after $(($(date +%s) - t0)) s"

"$vigil" -f -c "$tmp/vigil.conf" >"$tmp/vigil.log" 2>&1 &
vg_pid=$!
pids="$pids $vg_pid"
wait_for vigil "$vg_pid" test -S "$tmp/vigil.sock"
va_pid=
if [ -n "$vigila" ]; then
	"$vigila" -f -c "$tmp/vigilA.conf" >"$tmp/vigilA.log" 2>&1 &
	va_pid=$!
	pids="$pids $va_pid"
	wait_for vigilA "$va_pid" test -S "$tmp/vigilA.sock"
fi

# roots_of NAME - the processes whose CPU and PSS count for NAME
roots_of() {
	case $1 in
	rspamd) echo "$rs_pid $clamd_pid" ;;
	clamav) echo "$cm_pid $clamd_pid" ;;
	vigil) echo "$vg_pid" ;;
	vigilA) echo "$va_pid" ;;
	esac
}
sock_of() {
	echo "unix:$tmp/$1.sock" | sed 's/clamav\.sock/clamav-milter.sock/'
}

# --- warm-up ------------------------------------------------------------
milters="rspamd vigil clamav"
[ -z "$vigila" ] || milters="$milters vigilA"
for m in $milters; do
	"$bench" -s "$(sock_of $m)" -c 4 -n "$warm" "$tmp/corpus" \
	    >"$tmp/warmup.$m.out"
done

# dns_queries - queries dnsmasq has answered since it started (SIGUSR1
# makes it log its counters)
dns_queries() {
	kill -USR1 "$dns_pid"
	sleep 0.2
	awk '/queries answered locally/ { v = $NF } END { print v + 0 }' \
	    "$tmp/dnsmasq.log"
}

# run_one ROUND CONC NAME - one measured run, one row in $tmp/rows
run_one() {
	round=$1
	conc=$2
	name=$3
	# shellcheck disable=SC2046 # pid lists
	procs=$(tree $(roots_of "$name"))
	pflags=""
	for p in $procs $dns_pid; do
		pflags="$pflags -p $p"
	done
	q0=$(dns_queries)
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	seq=$((seq + 1))
	out=$tmp/raw.$(printf %02d "$seq").r$round.c$conc.$name.out
	# shellcheck disable=SC2086 # the -p flags
	"$bench" -s "$(sock_of "$name")" -c "$conc" -n "$nmsgs" $pflags \
	    "$tmp/corpus" >"$out"
	# shellcheck disable=SC2046,SC2086
	pss=$(pss_kb $procs)
	q1=$(dns_queries)
	# shellcheck disable=SC2046
	after=$(tree $(roots_of "$name"))
	if [ "$after" != "$procs" ]; then
		echo "warning: $name's processes changed during the run" \
		    "($(echo "$procs" | tr "\n" " ")-> $(echo "$after" | tr "\n" " "))" >&2
	fi
	awk -v round="$round" -v conc="$conc" -v name="$name" \
	    -v dns="$dns_pid" -v pss="$pss" -v load="$load" -v dq=$((q1 - q0)) '
	$1 == "messages" { msgs = $2 }
	$1 == "msgs_per_s" { rate = $2 }
	$1 == "latency_ms" {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); lat[kv[1]] = kv[2] }
	}
	$1 == "outcomes" {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[2] + 0 > 0 && kv[1] != "(quarantined")
				oc = oc (oc == "" ? "" : ",") substr(kv[1], 1, 3) "=" kv[2] + 0
		}
	}
	$1 == "pid" {
		split($3, kv, "=")
		if ($2 == dns) dcpu += kv[2]; else cpu += kv[2]
	}
	$1 == "bench_cpu_s" { bcpu = $2 }
	END {
		printf "%s %s %s %d %.1f %.2f %.2f %.3f %.3f %.1f %.2f %s %.1f %s\n",
		    round, conc, name, msgs, rate, lat["p50"], lat["p99"],
		    msgs ? 1000 * cpu / msgs : 0, msgs ? 1000 * dcpu / msgs : 0,
		    pss / 1024, bcpu, oc, msgs ? dq / msgs : 0, load
	}' "$out" | tee -a "$tmp/rows" | awk '{
		printf "  %-5s %4s %-7s %6d %8.1f %7.2f %7.2f %7.3f %6.3f %5.1f %7.1f %6.2f  %-14s %s %s %s\n",
		    $1, $2, $3, $4, $5, $6, $7, $8, $9, $13, $10, $11, $12, $14, $15, $16
	}'
}

header() {
	printf '  %-5s %4s %-7s %6s %8s %7s %7s %7s %6s %5s %7s %6s  %-14s %s\n' \
	    round conc milter msgs 'msg/s' p50ms p99ms cpu_ms dns_ms dnsq \
	    pss_MB bench outcomes 'loadavg(1,5,15)'
}

# --- measured runs: per round, per concurrency: rspamd vigil clamav vigil ---
start=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== runs ($(nproc) CPUs; $nmsgs messages per run; load average at start $load_start)"
: >"$tmp/rows"
seq=0
header
round=1
while [ "$round" -le "$rounds" ]; do
	for c in $concs; do
		run_one "$round" "$c" rspamd
		run_one "$round" "$c" vigil
		run_one "$round" "$c" clamav
		run_one "$round" "$c" vigil
		if [ -n "$vigila" ]; then
			run_one "$round" "$c" vigilA
			run_one "$round" "$c" vigil
		fi
	done
	round=$((round + 1))
done
end=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the table ------------------------------------------------------------
{
	echo "== vigil-milter against rspamd and clamav-milter + clamd"
	echo "   $start - $end, nproc $(nproc), load average at start $load_start, at end $load_end"
	echo "   $(rspamd --version | sed -n 's/.*version //p' | head -1 | sed 's/^/rspamd /'),"\
	    "$(clamd --version | cut -d/ -f1), vigil-milter $vigil"
	[ -z "$vigila" ] || echo "   vigilA: $vigila"
	echo "   $nmsgs messages per run ($total in $corpora), unix sockets, tmp $tmp"
	echo "   cpu_ms: CPU ms per message of the milter's whole process tree"
	echo "   (rspamd: main + workers + clamd; clamav: clamav-milter + clamd;"
	echo "   vigil: vigil-milter); dns_ms: dnsmasq's; dnsq: DNS queries per"
	echo "   message (dnsmasq's counter); pss_MB: PSS summed over the same"
	echo "   processes after the run; bench: vigil-bench's CPU s"
	header
	awk '{
		printf "  %-5s %4s %-7s %6d %8.1f %7.2f %7.2f %7.3f %6.3f %5.1f %7.1f %6.2f  %-14s %s %s %s\n",
		    $1, $2, $3, $4, $5, $6, $7, $8, $9, $13, $10, $11, $12, $14, $15, $16
	}' "$tmp/rows"
	echo
	echo "== ratios, each Vigil run against the peer run just before it"
	echo "   (rate: >1 = Vigil faster; p50, p99, cpu, pss: <1 = Vigil less)"
	printf '  %-5s %4s %-27s %6s %6s %6s %6s %6s\n' round conc pair \
	    rate p50 p99 cpu pss
	awk -v concs="$concs" '
	function q(a, b) { return b > 0 ? a / b : 0 }
	function row(pair, p,    i) {
		printf "  %-5s %4s %-27s %6.2f %6.2f %6.2f %6.2f %6.2f\n", $1, $2,
		    pair, q($5, p[5]), q($6, p[6]), q($7, p[7]), q($8, p[8]),
		    q($10, p[10])
		n[pair, $2]++
		for (i = 5; i <= 10; i++)
			if (q($i, p[i]) > 0) s[pair, $2, i] += log(q($i, p[i]))
	}
	function mean(pair, c, i) { return exp(s[pair, c, i] / n[pair, c]) }
	$3 == "rspamd" { split($0, rs, " "); next }
	$3 == "clamav" { split($0, cm, " "); next }
	$3 == "vigilA" { split($0, va, " "); next }
	$3 == "vigil" && seen[$1, $2]++ == 0 { row("vigil/rspamd", rs); next }
	$3 == "vigil" && seen[$1, $2] == 2 { row("vigil/(clamav-milter+clamd)", cm); next }
	$3 == "vigil" { row("vigil/vigilA", va) }
	END {
		print "  geometric mean over the rounds:"
		nc = split(concs, cc, " ")
		pairs[1] = "vigil/rspamd"
		pairs[2] = "vigil/(clamav-milter+clamd)"
		pairs[3] = "vigil/vigilA"
		for (k = 1; k <= 3; k++) {
			pair = pairs[k]
			for (j = 1; j <= nc; j++) {
				c = cc[j]
				if (n[pair, c] == 0) continue
				printf "  %-5s %4s %-27s %6.2f %6.2f %6.2f %6.2f %6.2f\n",
				    "all", c, pair, mean(pair, c, 5), mean(pair, c, 6),
				    mean(pair, c, 7), mean(pair, c, 8), mean(pair, c, 10)
			}
		}
	}' "$tmp/rows"
} >"$tmp/table.txt"
echo
cat "$tmp/table.txt"

# --- profile: one more 16-connection run of vigil-milter under perf --------
if [ "$profile" = 1 ]; then
	echo
	if ! perf record -o "$tmp/perf.probe" -- true >/dev/null 2>&1; then
		echo "== perf: perf_event_open not permitted here; no profile"
	else
		perf record -g -p "$vg_pid" -o "$tmp/perf.data" \
		    >"$tmp/perf.record.out" 2>&1 &
		perf_pid=$!
		sleep 1
		"$bench" -s "$(sock_of vigil)" -c 16 -n "$nmsgs" "$tmp/corpus" \
		    >"$tmp/raw.perf.out"
		kill -INT "$perf_pid"
		wait "$perf_pid" || true
		perf_pid=""
		perf report -i "$tmp/perf.data" --stdio --no-children -g none \
		    --sort dso >"$tmp/perf.dso.txt" 2>/dev/null
		perf report -i "$tmp/perf.data" --stdio --no-children -g none \
		    --sort dso,sym >"$tmp/perf.sym.txt" 2>/dev/null
		echo "== perf: vigil-milter, 16 connections, $nmsgs messages" \
		    "($(grep '^msgs_per_s' "$tmp/raw.perf.out")," \
		    "load $(cut -d' ' -f1-3 /proc/loadavg)); by shared object:"
		grep -v '^#' "$tmp/perf.dso.txt" | grep -v '^$' | head -n 15
		echo "== by category (self time; [JIT] = anonymous executable"
		echo "   memory, which in vigil-milter is PCRE2's JIT code):"
		grep '%' "$tmp/perf.dso.txt" | grep -v '^#' | awk '
		{
			pct = $1; sub("%", "", pct); dso = $2
			if (dso ~ /kernel/) c = "kernel"
			else if (dso ~ /JIT|perf-[0-9]*\.map|anon/) c = "PCRE2 JIT code"
			else if (dso ~ /pcre2/) c = "libpcre2 (not JIT)"
			else if (dso ~ /clamav|clamunrar/) c = "libclamav"
			else if (dso ~ /^libc\.|^ld-linux/) c = "libc"
			else if (dso ~ /gmime|glib|gobject/) c = "GMime + GLib"
			else if (dso ~ /^vigil/) c = "vigil-milter (own code)"
			else if (dso ~ /milter/) c = "libmilter"
			else c = "other (" dso ")"
			if (c ~ /^other/) { o += pct; od = od " " dso } else cat[c] += pct
		}
		END {
			for (c in cat) printf "  %6.2f%%  %s\n", cat[c], c
			if (o > 0) printf "  %6.2f%%  other:%s\n", o, od
		}' | sort -rn
		echo "== top symbols:"
		grep -v '^#' "$tmp/perf.sym.txt" | grep -v '^$' | head -n 40
		echo "== kernel samples by the user-space function that entered"
		echo "   the kernel (first frame outside it; % of all samples):"
		perf script -i "$tmp/perf.data" -F ip,sym,dso 2>/dev/null | awk '
		function done_sample() {
			if (nf > 0) {
				total++
				if (kern) by[user == "" ? "(no user frame: interrupt, kernel thread)" : user]++
			}
			nf = 0; kern = 0; user = ""
		}
		/^$/ { done_sample(); next }
		{
			dso = $NF; sym = $2
			nf++
			if (nf == 1) kern = (dso ~ /kernel/)
			else if (kern && user == "" && dso !~ /kernel/)
				user = sym " " dso
		}
		END {
			done_sample()
			for (u in by) printf "  %6.2f%%  %s\n", 100 * by[u] / total, u
		}' | sort -rn | head -n 15
	fi
	rm -f "$tmp/perf.probe"
fi
