#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# size-scaling.sh [-k] [-s SIZES] BUILD_DIR
#
# How the cost of one message grows with its size (issue 13: at most 20 ms
# of CPU per MB for the whole pipeline; memory in flight at most twice the
# message plus a fixed bound).  Makes messages of 1 KB, 100 KB, 1 MB and
# 10 MB (SIZES, in KB, default "1 100 1024 10240") in two kinds:
#   text    one text/plain part of English-like words, 72-column lines
#   b64     a short text/plain part and a base64 attachment of random
#           bytes (application/octet-stream), the rest of the size
# each one unique (its own Message-ID and first line), and runs
# `BUILD_DIR/cli/vigil scan --json` on them under GNU time, with the
# default configuration but clamav_database (the tests' signatures,
# tests/tools/make-sigdb.sh), rules/vigil.rules, tmp_dir (a directory of
# its own) and a dnsmasq answering NXDOMAIN; once with virus_scan = yes
# (the whole pipeline) and once with virus_scan = no (spam checks only), so
# the difference is ClamAV's share.
#
# CPU ms per message: (CPU of one process scanning N copies - CPU of one
# scanning 1) / (N - 1), so the start-up (config, rules, ClamAV engine)
# is subtracted.  Peak RSS: GNU time's maximum resident set of a process
# scanning one message of that size, less that of one scanning the 1 KB
# text message ("over base"), and that as a multiple of the message size.
# A message above memory_limit (default 1M) lives in an unlinked, mapped
# spill file; the pages of it that were read count in RSS.
# -k keeps the temp directory (messages, configs, outputs).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
keep=0
sizes="1 100 1024 10240"
while getopts ks: opt; do
	case $opt in
	k) keep=1 ;;
	s) sizes=$OPTARG ;;
	*) sed -n '4,29p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -ne 1 ]; then
	sed -n '4,29p' "$0" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
vigil=$build/cli/vigil
if [ ! -x "$vigil" ]; then
	echo "$vigil is not built yet (make -C $build vigil_cli)" >&2
	exit 1
fi
if [ ! -x /usr/bin/time ]; then
	echo "installing time with apt-get"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >/dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-size.XXXXXX")
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

mkdir -p "$tmp/db" "$tmp/spill" "$tmp/msg"
sh "$src/tests/tools/make-sigdb.sh" "$tmp/db" >/dev/null
dns=
if command -v dnsmasq >/dev/null; then
	dnsport=5397
	dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll \
	    --listen-address=127.0.0.1 --bind-interfaces --port=$dnsport \
	    --local=/#/ --pid-file="$tmp/dnsmasq.pid" \
	    --log-facility="$tmp/dnsmasq.log" >"$tmp/dnsmasq.out" 2>&1 &
	pids="$pids $!"
	dns="dns_servers = 127.0.0.1:$dnsport"
fi
for v in yes no; do
	cat >"$tmp/virus-$v.conf" <<EOF
socket = unix:$tmp/unused.sock
clamav_database = $tmp/db
tmp_dir = $tmp/spill
max_message_size = 25M
virus_scan = $v
rules = $src/rules/vigil.rules
$dns
EOF
done

# Messages: SIZE_KB KIND COPIES -> $tmp/msg/KIND-SIZE/NNN.eml
/usr/bin/python3 - "$tmp/msg" $sizes <<'PY'
import base64, os, random, sys
out, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
words = ("the of and to in is that for it as was with be by on not he this "
         "are or his from at which but have an they you were her she there "
         "would their we him been has when who will more no if out so said "
         "what up its about into than them can only other new some could "
         "time these two may then do first any my now such like our over "
         "man me even most made after also did many before must through "
         "meeting report account invoice shipping delivery order payment "
         "schedule project update review quarterly budget").split()
def copies(kb):
    return 200 if kb <= 10 else 40 if kb <= 200 else 10 if kb <= 2048 else 4
def head(kind, kb, i, extra):
    return ("From: Alice Example <alice@example.net>\n"
            "To: bob@example.org\n"
            f"Subject: size test {kind} {kb}K number {i}\n"
            "Date: Mon, 07 Dec 2026 12:00:00 +0000\n"
            f"Message-ID: <size-{kind}-{kb}-{i}@example.net>\n"
            "MIME-Version: 1.0\n" + extra)
def text(rng, n):
    lines, total = [], 0
    while total < n:
        line, w = [], 0
        while w < 66:
            x = rng.choice(words)
            line.append(x)
            w += len(x) + 1
        s = " ".join(line) + "\n"
        lines.append(s)
        total += len(s)
    return "".join(lines)[:n]
for kb in sizes:
    n = kb * 1024
    for kind in ("text", "b64"):
        d = os.path.join(out, f"{kind}-{kb}")
        os.makedirs(d)
        for i in range(copies(kb)):
            rng = random.Random(kb * 1000 + i)
            first = f"Message {i} of this run.\n"
            if kind == "text":
                h = head(kind, kb, i,
                         "Content-Type: text/plain; charset=us-ascii\n\n")
                body = first + text(rng, max(0, n - len(h) - len(first)))
                msg = h + body
            else:
                h = head(kind, kb, i,
                         "Content-Type: multipart/mixed; boundary=\"b1\"\n\n")
                intro = ("--b1\nContent-Type: text/plain\n\n" + first +
                         "The file is attached.\n"
                         "--b1\nContent-Type: application/octet-stream; "
                         "name=\"data.bin\"\nContent-Disposition: attachment;"
                         " filename=\"data.bin\"\n"
                         "Content-Transfer-Encoding: base64\n\n")
                tail = "--b1--\n"
                room = max(0, n - len(h) - len(intro) - len(tail))
                raw = rng.randbytes(room * 57 // 78)
                msg = h + intro + base64.encodebytes(raw).decode() + tail
            with open(os.path.join(d, f"{i:03d}.eml"), "w") as f:
                f.write(msg)
PY

# timed OUT CONF FILES... - vigil scan under GNU time; "wall user sys maxKB"
timed() {
	out=$1
	conf=$2
	shift 2
	/usr/bin/time -o "$out.time" -f '%e %U %S %M' \
	    "$vigil" scan -c "$conf" --json "$@" >"$out" 2>"$out.err" || true
	cat "$out.time"
}

echo "vigil scan, one process; CPU ms per message with start-up subtracted;"
echo "peak RSS over a 1 KB text message's; $(nproc) CPUs; load:$(uptime |
    sed 's/.*load average://')"
printf '%-5s %7s %6s | %9s %8s | %9s %8s | %9s %9s | %s\n' kind size copies \
    "cpu_ms" "ms/MB" "no-virus" "ms/MB" "rss_MB" "x size" "decisions"
base_rss=
for kb in $sizes; do
	for kind in text b64; do
		d=$tmp/msg/$kind-$kb
		mapfile -t files < <(find "$d" -type f | sort)
		n=${#files[@]}
		line=
		for v in yes no; do
			read -r _ u0 s0 m0 <<<"$(timed "$tmp/one" \
			    "$tmp/virus-$v.conf" "${files[0]}")"
			read -r _ u1 s1 _ <<<"$(timed "$tmp/all-$v" \
			    "$tmp/virus-$v.conf" "${files[@]}")"
			cpu=$(awk -v a="$u0" -v b="$s0" -v c="$u1" -v d="$s1" \
			    -v n="$n" 'BEGIN {x = (c + d - a - b) * 1000 / (n - 1);
			    if (x < 0) x = 0; printf "%.2f", x}')
			permb=$(awk -v x="$cpu" -v kb="$kb" \
			    'BEGIN {printf "%.1f", x * 1024 / kb}')
			line="$line $cpu $permb"
			if [ "$v" = yes ]; then
				rss=$m0
				dec=$(grep -o '"decision": *"[a-z]*"' \
				    "$tmp/all-yes" | sed 's/.*"\([a-z]*\)"$/\1/' |
				    sort | uniq -c | awk '{printf "%s=%s ", $2, $1}')
			fi
		done
		[ -n "$base_rss" ] || base_rss=$rss
		read -r c1 p1 c2 p2 <<<"$line"
		awk -v kind="$kind" -v kb="$kb" -v n="$n" -v c1="$c1" \
		    -v p1="$p1" -v c2="$c2" -v p2="$p2" -v rss="$rss" \
		    -v base="$base_rss" -v dec="$dec" 'BEGIN {
			over = (rss - base) / 1024
			printf "%-5s %6dK %6d | %9.2f %8.1f | %9.2f %8.1f | %9.1f %9.2f | %s\n",
			    kind, kb, n, c1, p1, c2, p2, over, over * 1024 / kb, dec
			printf "RESULT kind=%s kb=%d cpu_ms=%.2f ms_per_mb=%.1f novirus_cpu_ms=%.2f novirus_ms_per_mb=%.1f rss_over_kb=%d\n",
			    kind, kb, c1, p1, c2, p2, rss - base
		}' >>"$tmp/table"
		tail -n 2 "$tmp/table" | head -n 1
	done
done
grep '^RESULT' "$tmp/table"
if [ -s "$tmp/all-yes.err" ]; then
	echo "vigil scan said (first lines of stderr, last run):"
	head -5 "$tmp/all-yes.err"
fi
