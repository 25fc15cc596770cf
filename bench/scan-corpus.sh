#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# scan-corpus.sh [-k] [-j JOBS] BUILD_DIR [DIR_OR_FILE...]
#
# Times the engine alone, with no milter protocol and no MTA: runs
# `BUILD_DIR/cli/vigil scan -c CONF --json` over every message of the
# given folders (default: ../shared/corpus/spamassassin/ham and spam) and
# reports messages/s per core and CPU ms per message, from GNU time's user +
# system CPU seconds. The fixed cost of starting `vigil` (loading the config,
# the rules and the ClamAV engine) is measured once on a single message and
# subtracted, so the per-message figures are the steady-state cost. A second
# pass runs JOBS processes (default: nproc) on disjoint slices at once to
# show the throughput of the whole machine.
#
# The engine uses the tests' signature database (tests/tools/make-sigdb.sh,
# or an EICAR-only .ndb if that script is absent), rules/vigil.rules when it
# exists, and a dnsmasq on 127.0.0.1 answering NXDOMAIN to every query so
# that DNS checks, if any run, get fast deterministic answers offline.
# -k keeps the temp directory (config, outputs).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
keep=0
jobs=$(nproc)
while getopts kj: opt; do
	case $opt in
	k) keep=1 ;;
	j) jobs=$OPTARG ;;
	*) sed -n '4,19p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
	sed -n '4,19p' "$0" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
shift
vigil=$build/cli/vigil
if [ ! -x "$vigil" ]; then
	echo "$vigil is not built yet (make -C $build vigil_cli)" >&2
	exit 1
fi
if [ $# -eq 0 ]; then
	set -- "$src/../shared/corpus/spamassassin/ham" \
	    "$src/../shared/corpus/spamassassin/spam"
fi
if [ ! -x /usr/bin/time ]; then
	echo "installing time with apt-get"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >/dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-scan.XXXXXX")
pids=""
# cleanup - stop what we started, then remove the temp directory
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
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

mkdir -p "$tmp/db"
if [ -f "$src/tests/tools/make-sigdb.sh" ]; then
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
dns=
if command -v dnsmasq >/dev/null; then
	dnsport=5398
	dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll \
	    --listen-address=127.0.0.1 --bind-interfaces --port=$dnsport \
	    --local=/#/ --pid-file="$tmp/dnsmasq.pid" \
	    --log-facility="$tmp/dnsmasq.log" >"$tmp/dnsmasq.out" 2>&1 &
	pids="$pids $!"
	dns="dns_servers = 127.0.0.1:$dnsport"
fi
# RULES=FILE measures another rules file (SpamAssassin's set, the
# prefilter on or off: bench/README "The rules' cost").
# Until rules/vigil.rules exists, an empty rule set (virus stage only).
if [ -n "${RULES:-}" ]; then
	rules="rules = $RULES"
elif [ -f "$src/rules/vigil.rules" ]; then
	rules="rules = $src/rules/vigil.rules"
else
	echo "no $src/rules/vigil.rules: measuring with an empty rule set"
	printf 'required_score 5.0\n' >"$tmp/empty.rules"
	rules="rules = $tmp/empty.rules"
fi
# `socket` is required by the config even though `vigil scan` opens none.
cat >"$tmp/vigil.conf" <<EOF
socket = unix:$tmp/unused.sock
clamav_database = $tmp/db
tmp_dir = $tmp
$dns
$rules
EOF

find "$@" -type f ! -name '.*' | sort >"$tmp/list"
n=$(wc -l <"$tmp/list")
if [ "$n" -eq 0 ]; then
	echo "no messages in $*" >&2
	exit 1
fi
mapfile -t files <"$tmp/list"

# timed OUT ARGS... - run vigil scan under GNU time; "wall user sys maxKB"
timed() {
	out=$1
	shift
	/usr/bin/time -o "$out.time" -f '%e %U %S %M' \
	    "$vigil" scan -c "$tmp/vigil.conf" --json "$@" >"$out" \
	    2>"$out.err" || true
	cat "$out.time"
}

read -r w0 u0 s0 m0 <<<"$(timed "$tmp/one" "${files[0]}")"
read -r w1 u1 s1 m1 <<<"$(timed "$tmp/all" "${files[@]}")"
scanned=$(grep -c '"decision"' "$tmp/all" || true)
decisions=$(grep -o '"decision": *"[a-z]*"' "$tmp/all" |
    sed 's/.*"\([a-z]*\)"$/\1/' | sort | uniq -c |
    awk '{printf "%s=%s ", $2, $1}')

# The parallel pass: JOBS processes over round-robin slices.
split -n "r/$jobs" -d "$tmp/list" "$tmp/slice."
start=$(date +%s.%N)
for f in "$tmp"/slice.*; do
	mapfile -t part <"$f"
	timed "$f.out" "${part[@]}" >/dev/null &
done
wait_jobs() {
	for j in $(jobs -p); do
		case " $pids " in *" $j "*) continue ;; esac
		wait "$j" || true
	done
}
wait_jobs
end=$(date +%s.%N)
pscanned=$(cat "$tmp"/slice.*.out | grep -c '"decision"' || true)
pcpu=$(cat "$tmp"/slice.*.out.time | awk '{c += $2 + $3} END {print c}')

awk -v n="$n" -v sc="$scanned" -v w0="$w0" -v u0="$u0" -v s0="$s0" \
    -v m0="$m0" -v w1="$w1" -v u1="$u1" -v s1="$s1" -v m1="$m1" \
    -v jobs="$jobs" -v ps="$pscanned" -v pw="$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" \
    -v pcpu="$pcpu" -v dec="$decisions" -v ncpu="$(nproc)" 'BEGIN {
	c0 = u0 + s0; c1 = u1 + s1; c = c1 - c0; if (c <= 0) c = 0.001
	printf "messages        %d files, %d scanned (%s)\n", n, sc, dec
	printf "startup         %.2f s wall, %.2f s CPU, %d MB max RSS (one message)\n", w0, c0, m0 / 1024
	printf "one process     %.2f s wall, %.2f s CPU (user %.2f + sys %.2f), %d MB max RSS\n", w1, c1, u1, s1, m1 / 1024
	printf "per core        %.1f msg/s (startup subtracted), %.3f CPU ms/message\n", sc / c, c * 1000 / (sc ? sc : 1)
	printf "one process     %.1f msg/s wall (startup included)\n", sc / (w1 > 0 ? w1 : 0.001)
	printf "%d processes    %.1f msg/s wall on %d CPUs (%d scanned, %.2f s, %.2f s CPU)\n", jobs, ps / (pw > 0 ? pw : 0.001), ncpu, ps, pw, pcpu
	printf "RESULT msgs=%d scanned=%d cpu_ms_per_msg=%.3f per_core_rate=%.1f startup_cpu_s=%.2f max_rss_kb=%d parallel_jobs=%d parallel_rate=%.1f\n", n, sc, c * 1000 / (sc ? sc : 1), sc / c, c0, m1, jobs, ps / (pw > 0 ? pw : 0.001)
}'
if [ -s "$tmp/all.err" ]; then
	echo "vigil scan said (first lines of stderr):"
	head -5 "$tmp/all.err"
fi
