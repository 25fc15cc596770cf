#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# learn.sh VIGIL SOURCE_DIR - `vigil learn` and the classifier through the
# real binary, on corpus messages, with the default store (an LMDB file in
# a temporary directory): Maildir, mbox and stdin input; relearning is
# idempotent; a message learned as the other class moves; learning a
# message moves its score and --forget restores it exactly; vigil scan
# neither creates the database nor learns; --stats; --snapshot and the
# snapshot's probabilities; the
# classifier is silent below bayes_min_spam / bayes_min_ham and says so; a
# message over max_message_size and a directory that is not a Maildir are
# skipped with exit 2; a corrupt database turns the classifier off with
# one line (vigil scan still scans, exit 0) and vigil learn exits 1.
set -u
vigil=$1
src=$2
corpus=$src/../shared/corpus/spamassassin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
VG_TEST=cli_learn
. "$src/tests/tools/check.sh"
[ -d "$corpus/spam" ] || fail "$corpus is missing"


# conf NAME MIN [KEY=VALUE...] - a config using $tmp/NAME.lmdb
conf() {
	name=$1 min=$2
	shift 2
	{
		printf 'sa_update_dir =\nsocket = unix:%s/s\nvirus_scan = no\n' "$tmp"
		printf 'rules = %s/rules/vigil.rules\n' "$src"
		printf 'bayes_path = %s/%s.lmdb\n' "$tmp" "$name"
		printf 'bayes_min_spam = %s\nbayes_min_ham = %s\n' "$min" "$min"
		for kv in "$@"; do
			printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"
		done
	} >"$tmp/$name.conf"
	printf '%s' "$tmp/$name.conf"
}

# prob CONF FILE - the classifier's probability for FILE ("" if none)
prob() {
	"$vigil" scan -c "$1" --json "$2" 2>/dev/null |
	    sed -n 's/.*"probability": \([0-9.e-]*\).*/\1/p'
}

# The first 45 of each set, sorted by number: 30 learned, the rest
# held out (fewer make the classifier erratic: it is a statistic).
spam=$(ls "$corpus/spam" | sort | head -n 45)
ham=$(ls "$corpus/ham" | grep '^easy_ham\.' | sort | head -n 45)
first() { printf '%s\n' "$1" | head -n "$2"; }
nth() { printf '%s\n' "$1" | sed -n "${2}p"; }

# Spam in a Maildir: 18 in cur/, 12 in new/.
mkdir -p "$tmp/Maildir/cur" "$tmp/Maildir/new" "$tmp/Maildir/tmp"
i=0
for f in $(first "$spam" 30); do
	i=$((i + 1))
	d=cur
	[ $i -gt 18 ] && d=new
	cp "$corpus/spam/$f" "$tmp/Maildir/$d/$i.host:2,S"
done
# Ham in one mbox file (each corpus file starts with its "From " line).
for f in $(first "$ham" 30); do
	cat "$corpus/ham/$f"
	echo
done >"$tmp/ham.mbox"

c=$(conf db 30)

# No database yet: --stats says it cannot open it, exit 1.
out=$("$vigil" learn --stats -c "$c" 2>&1)
[ $? -eq 1 ] || fail "--stats without a database: exit $?, want 1 ($out)"
want "$out" 'cannot open the classifier database' "--stats, no database"

# vigil scan changes nothing: it neither creates the database nor learns.
out=$("$vigil" scan -c "$c" --json "$tmp/Maildir/cur/1.host:2,S" 2>"$tmp/err")
[ $? -eq 0 ] || fail "scan without a database: exit $?"
want "$out" '"classifier": null' "scan without a database"
[ ! -e "$tmp/db.lmdb" ] || fail "vigil scan created the database"

out=$("$vigil" learn --spam -c "$c" "$tmp/Maildir")
[ $? -eq 0 ] || fail "learn Maildir: exit $? ($out)"
want "$out" ': 30 learned, 0 already learned, 0 moved, 0 skipped$' \
    "learn Maildir"
out=$("$vigil" learn --ham -c "$c" "$tmp/ham.mbox")
[ $? -eq 0 ] || fail "learn mbox: exit $? ($out)"
want "$out" ': 30 learned, 0 already learned, 0 moved, 0 skipped$' \
    "learn mbox"

# Idempotent.
out=$("$vigil" learn --spam -c "$c" "$tmp/Maildir")
want "$out" ': 0 learned, 30 already learned, 0 moved, 0 skipped$' \
    "relearn Maildir"

out=$("$vigil" learn --stats -c "$c")
[ $? -eq 0 ] || fail "--stats: exit $? ($out)"
want "$out" '^spam learned: 30$' "--stats spam"
want "$out" '^ham learned: 30$' "--stats ham"
want "$out" '^classifier: active$' "--stats active"
want "$out" '^size: [1-9][0-9]* bytes of 1073741824 \(bayes_max_size\)$' \
    "--stats size"
want "$out" '^first learned: 20[0-9-]* ' "--stats age"

# Unseen messages land on their sides.
ps=$(prob "$c" "$corpus/spam/$(nth "$spam" 40)")
ph=$(prob "$c" "$corpus/ham/$(nth "$ham" 40)")
[ -n "$ps" ] && [ -n "$ph" ] || fail "no probability: spam '$ps' ham '$ph'"
awk -v s="$ps" -v h="$ph" 'BEGIN { exit !(s > 0.5 && h < 0.5) }' ||
	fail "unseen spam $ps, ham $ph: not on their sides"

# The snapshot (bayes_path.snap): vigil learn made it, --snapshot makes
# it now, and vigil scan gives the same probability from it as from the
# database (bayes_snapshot_interval = 0: no snapshot); with no snapshot
# configured --snapshot exits 1.
[ -s "$tmp/db.lmdb.snap" ] || fail "vigil learn made no snapshot"
out=$("$vigil" learn --snapshot -c "$c")
[ $? -eq 0 ] || fail "--snapshot: exit $? ($out)"
want "$out" '^snapshot built$' "--snapshot"
cn=$tmp/nosnap.conf
{
	cat "$c"
	echo "bayes_snapshot_interval = 0"
} >"$cn"
for f in "$corpus/spam/$(nth "$spam" 40)" "$corpus/ham/$(nth "$ham" 40)"; do
	a=$(prob "$c" "$f")
	b=$(prob "$cn" "$f")
	[ -n "$a" ] && [ "$a" = "$b" ] ||
		fail "$f: $a from the snapshot, $b from the database"
done
out=$("$vigil" learn --snapshot -c "$cn" 2>&1)
[ $? -eq 1 ] || fail "--snapshot with bayes_snapshot_interval 0: exit $?"
want "$out" 'snapshot not built' "--snapshot, none configured"

# Learning a ham message as spam (stdin) moves its score; --forget
# restores it exactly.
x=$corpus/ham/$(nth "$ham" 41)
p0=$(prob "$c" "$x")
out=$("$vigil" learn --spam -c "$c" - <"$x")
want "$out" '^\(stdin\): 1 learned' "learn stdin"
p1=$(prob "$c" "$x")
awk -v a="$p1" -v b="$p0" 'BEGIN { exit !(a > b) }' ||
	fail "learning $x as spam: $p0 -> $p1, want higher"
out=$("$vigil" learn --forget -c "$c" - <"$x")
want "$out" '^\(stdin\): 1 forgotten, 0 not learned before' "forget stdin"
p2=$(prob "$c" "$x")
[ "$p2" = "$p0" ] || fail "after --forget: $p2, want exactly $p0"
out=$("$vigil" learn --forget -c "$c" "$x")
want "$out" ': 0 forgotten, 1 not learned before' "forget again"

# A spam from the Maildir learned as ham moves.
out=$("$vigil" learn --ham -c "$c" "$tmp/Maildir/cur/1.host:2,S")
want "$out" ': 0 learned, 0 already learned, 1 moved' "moved"
out=$("$vigil" learn --stats -c "$c")
want "$out" '^spam learned: 29$' "moved: spam count"
want "$out" '^ham learned: 31$' "moved: ham count"

# Silent below the thresholds, and vigil scan says so.
c60=$(conf db 60)
out=$("$vigil" scan -c "$c60" --json "$x")
want "$out" '"classifier": \{"state": "silent", "learned_spam": 29, "learned_ham": 31\}' \
    "silent json"
out=$("$vigil" scan -c "$c60" "$x")
want "$out" 'classifier silent: 29 spam and 31 ham learned' "silent text"
out=$("$vigil" learn --stats -c "$c60")
want "$out" '^classifier: silent until 60 spam and 60 ham' "silent stats"

# Too large: skipped, exit 2; not a Maildir: exit 2.
cs=$(conf db 30 max_message_size=2K)
out=$("$vigil" learn --spam -c "$cs" "$corpus/spam/$(nth "$spam" 42)" 2>&1)
[ $? -eq 2 ] || fail "too large: exit $?, want 2 ($out)"
want "$out" 'skipped: larger than max_message_size' "too large"
# An mbox whose middle message is one line of 2 MB (max_message_size 1M):
# that one skipped, the two around it learned.
{
	cat "$corpus/spam/$(nth "$spam" 43)"
	echo
	printf 'From x@example.org Mon Dec  7 10:00:00 2026\nSubject: long\n\n'
	head -c 2097152 /dev/zero | tr '\0' 'a'
	printf '\n\n'
	cat "$corpus/spam/$(nth "$spam" 44)"
} >"$tmp/long.mbox"
cl=$(conf long 30 max_message_size=1M)
out=$("$vigil" learn --spam -c "$cl" "$tmp/long.mbox" 2>&1)
[ $? -eq 2 ] || fail "long line: exit $?, want 2 ($out)"
want "$out" 'message 2: skipped: larger than max_message_size' "long line"
want "$out" ': 2 learned, 0 already learned, 0 moved, 1 skipped$' "long line"
mkdir -p "$tmp/notmaildir"
out=$("$vigil" learn --spam -c "$c" "$tmp/notmaildir" 2>&1)
[ $? -eq 2 ] || fail "not a Maildir: exit $?, want 2 ($out)"
want "$out" 'not a Maildir' "not a Maildir"

# A corrupt database: the classifier is off with one line, scanning
# goes on; vigil learn refuses (exit 1).
head -c 65536 /dev/urandom >"$tmp/bad.lmdb"
cb=$(conf bad 30)
out=$("$vigil" scan -c "$cb" --json "$x" 2>"$tmp/err")
[ $? -eq 0 ] || fail "scan with a corrupt database: exit $?"
want "$out" '"classifier": null' "corrupt: classifier off"
want "$out" '"decision": "accept"' "corrupt: still scanned"
want "$(cat "$tmp/err")" 'classifier off: .*bad.lmdb' "corrupt: log line"
[ "$(wc -l <"$tmp/err")" -eq 1 ] ||
	fail "corrupt: want one line, got: $(cat "$tmp/err")"
out=$("$vigil" learn --spam -c "$cb" "$x" 2>&1)
[ $? -eq 1 ] || fail "learn into a corrupt database: exit $?, want 1"
echo "cli_learn: ok"
exit 0
