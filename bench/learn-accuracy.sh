#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# learn-accuracy.sh [-c CORPUS] [-s "SCORERS"] [-o DIR] [-k] [-R] [-S]
#
# The accuracy of learning classifiers on one fixed split of the
# SpamAssassin public corpus (issue 9), rerunnable by anyone:
#   split   per set (easy_ham, easy_ham_2, hard_ham, spam, spam_2), files
#           sorted by their number; the first floor(n/2) are learned, in
#           that order, set after set; the other ceil(n/2) are scored
#           (every set of this corpus has an even count, so it is exactly
#           half: 2075 ham + 948 spam learned, the same counts scored)
#   input   a leading mbox "From " line is dropped, and (unless -R) the
#           header fields that are another filter's verdict or a mail
#           client's mailbox state are removed from every message before
#           any scorer sees it (X-Spam*, X-Virus*, X-Razor*, X-Pyzor*,
#           X-DCC*, X-SpamCop*, *MailScanner*, X-Antispam*, X-Bogosity,
#           X-Junk*, X-Scanned-By, X-Scanner, X-Filtered-By, X-RBL-Warning,
#           X-Perlmx-Spam, SPAM, X-Keywords, X-Status, Status, X-Flags,
#           X-UID, X-UIDL, X-IMAPbase, X-Mozilla-Status*): a milter never
#           sees them, and some are the label itself (X-Keywords: is empty
#           in 585 spam and 25 ham, X-Status: in 123 spam and 23 ham);
#           lib/learn/tokenize.h (EXCLUDED) skips the same headers: keep
#           the two lists, and bench/learn-study.py's, in step
# Scorers (-s, default "bogofilter sa-bayes sa-final vigil"):
#   bogofilter  Debian's bogofilter (apt-get installs it if missing), its
#               shipped /etc/bogofilter.cf, a private database (-d): learn
#               with -s / -n in bulk mode (-B), score with -TT (spamicity,
#               16 significant digits)
#   sa-bayes    SpamAssassin's Bayes alone: sa-learn --spam / --ham with a
#               private site config (--siteconfigpath, only the Check
#               and Bayes plugins loaded), rules (-C: 10_default_prefs.cf,
#               20_aux_tlds.cf (the TLD list its URI tokens use),
#               23_bayes.cf, 60_bayes_stopwords.cf from
#               /usr/share/spamassassin), user prefs (-p) and database
#               (bayes_path); auto-learn and auto-expire off. Scored by a
#               small Mail::SpamAssassin program (written to the work
#               directory) that loads that config once and prints, per
#               message, the Bayes plugin's probability ($pms->{bayes_score},
#               full precision; the BAYES_* bands have 10 steps)
#   sa-final    SpamAssassin's final decision: Debian's default rules
#               (/usr/share/spamassassin, no sa-update) + the same Bayes
#               database, network tests off (local_tests_only), scored as
#               above: the score, and "flagged" = score >= required_score
#               5.0. The slowest scorer (several minutes)
#   vigil       Vigil's classifier, when VIGIL_BUILD is a build directory
#               whose cli/vigil has `vigil learn`; otherwise it prints
#               "vigil: no classifier in this build" and is skipped.
#               VIGIL_CONF is a vigil.conf template in which @WORK@ is
#               replaced by a private directory (put the classifier's
#               database there; make sure nothing else is shared). It runs
#               `vigil learn -c CONF --spam|--ham FILES` per set, then
#               `vigil scan -c CONF --json` on the scored half, and reads
#               the first "probability" field of each JSON line (the
#               classifier row) and "score"/"decision" (the final row:
#               flagged = decision other than accept). That path was
#               written before `vigil learn` existed and has not run yet.
# Nothing outside the work directory is written (apart from apt-get
# installing a missing package): HOME is the work
# directory for every scorer.
#
# Metrics (python3, stdlib), on the scored half:
#   R@0.1%  spam recall at the lowest threshold where at most
#           floor(0.001 * scored ham) ham are flagged (2 of 2075); a message
#           is flagged when its score is strictly above the threshold,
#           which is the score of the (k+1)-th highest ham, so messages
#           tied with that ham are not flagged, and ties never let more
#           than k ham through (with ties, fewer may)
#   R@0.5%  the same at floor(0.005 * scored ham) (10 of 2075)
#   AUC     ROC area, Mann-Whitney: the share of (spam, ham) pairs where
#           the spam scores higher, ties counted half
#   dec     for final rows: recall and ham false-positive rate of the
#           scorer's own decision at its default thresholds
#   time    wall and CPU (user+sys) seconds of learning and of scoring,
#           from GNU time, summed over the commands of each step
#           (sa-final shows the learning of sa-bayes: one database)
#
#   -c CORPUS   corpus root (default ../shared/corpus/spamassassin)
#   -s LIST     scorers to run (see above)
#   -o DIR      keep everything in DIR: per-message scores
#               (scores.SCORER.tsv: file, class, score[, flagged]), the
#               table (table.txt), timings, logs (what an earlier run
#               left there is replaced); otherwise a temp directory
#               under $TMPDIR, removed at the end unless -k
#   -k          keep the temp directory
#   -R          raw messages: keep the verdict/mailbox headers listed above
#   -S          the swapped split: learn the second half of every set (in
#               the same order, set after set), score the first; a check
#               that a figure is not a property of one half (bench/
#               learn-eval prints both for Vigil's models)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
corpus=$src/../shared/corpus/spamassassin
scorers="bogofilter sa-bayes sa-final vigil"
out=
keep=0
raw=0
swap=0
usage() {
	sed -n '4,/^set -eu$/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while getopts c:s:o:kRS opt; do
	case $opt in
	c) corpus=$OPTARG ;;
	s) scorers=$OPTARG ;;
	o) out=$OPTARG ;;
	k) keep=1 ;;
	R) raw=1 ;;
	S) swap=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
py=/usr/bin/python3
if [ ! -x /usr/bin/time ]; then
	echo "installing time with apt-get"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >/dev/null
fi

if [ -n "$out" ]; then
	mkdir -p "$out"
	work=$(cd "$out" && pwd)
	keep=1
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-learn.XXXXXX")
fi
# cleanup - remove the temp directory unless asked to keep it
cleanup() {
	if [ "$keep" = 1 ]; then
		echo "kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# A kept directory (-o) of an earlier run: start from nothing.
rm -rf "${work:?}/msgs" "${work:?}/home" "$work/bogofilter" "$work/sa" \
    "$work/vigil" "$work"/time.* "$work"/log.* "$work"/raw.* \
    "$work"/prob.* "$work"/scores.* "$work"/learn.*
export HOME=$work/home
mkdir -p "$HOME"
sa_ready=0

# --- the split and the messages every scorer reads --------------------------
# msgs/NAME: the message without its mbox line (and verdict headers);
# learn.SET.CLASS: the learned files of one set in number order;
# test.list: the scored files; split.tsv: NAME SET NUMBER CLASS PHASE.
"$py" - "$corpus" "$work" "$raw" "$swap" <<'EOF'
import os, re, sys
corpus, work, raw = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
swap = sys.argv[4] == "1"
sets = [("easy_ham", "ham"), ("easy_ham_2", "ham"), ("hard_ham", "ham"),
        ("spam", "spam"), ("spam_2", "spam")]
strip = re.compile(
    rb"(X-Spam[^:]*|X-Virus[^:]*|X-Razor[^:]*|X-Pyzor[^:]*|X-DCC[^:]*"
    rb"|X-SpamCop[^:]*|X-[^:]*MailScanner[^:]*|X-Antispam[^:]*|X-Bogosity"
    rb"|X-Junk[^:]*|X-Scanned-By|X-Scanner|X-Filtered-By|X-RBL-Warning"
    rb"|X-Perlmx-Spam|SPAM|X-Keywords|X-Status|Status|X-Flags|X-UIDL?"
    rb"|X-IMAPbase|X-Mozilla-Status\d*)[ \t]*:", re.I)
os.makedirs(os.path.join(work, "msgs"), exist_ok=True)
rows, test, removed, touched = [], [], {}, 0
for name, cls in sets:
    d = os.path.join(corpus, cls)
    files = [f for f in os.listdir(d) if f.startswith(name + ".")]
    files.sort(key=lambda f: int(f.split(".")[1]))
    half = len(files) // 2
    with open(os.path.join(work, "learn.%s.%s" % (name, cls)), "w") as lf:
        for i, f in enumerate(files):
            data = open(os.path.join(d, f), "rb").read()
            if data.startswith(b"From "):
                data = data[data.find(b"\n") + 1:]
            if not raw:
                lines = data.split(b"\n")
                end = next((i for i, l in enumerate(lines)
                            if l in (b"", b"\r")), len(lines))
                keepl, drop, n = [], False, 0
                for l in lines[:end]:
                    if l[:1] in (b" ", b"\t"):
                        if not drop:
                            keepl.append(l)
                        continue
                    drop = bool(strip.match(l))
                    if drop:
                        k = l.split(b":", 1)[0].decode("ascii", "replace")
                        removed[k.lower()] = removed.get(k.lower(), 0) + 1
                        n += 1
                    else:
                        keepl.append(l)
                if n:
                    touched += 1
                    data = b"\n".join(keepl + lines[end:])
            path = os.path.join(work, "msgs", f)
            open(path, "wb").write(data)
            phase = "learn" if (i < half) != swap else "test"
            rows.append((f, name, f.split(".")[1], cls, phase))
            if phase == "learn":
                lf.write(path + "\n")
            else:
                test.append(path)
with open(os.path.join(work, "split.tsv"), "w") as s:
    for r in rows:
        s.write("\t".join(r) + "\n")
with open(os.path.join(work, "test.list"), "w") as t:
    t.write("\n".join(test) + "\n")
n = lambda cls, ph: sum(1 for r in rows if r[3] == cls and r[4] == ph)
print("split: learn %d ham + %d spam, score %d ham + %d spam" %
      (n("ham", "learn"), n("spam", "learn"), n("ham", "test"),
       n("spam", "test")))
if raw:
    print("headers: raw (-R), nothing removed")
else:
    print("headers removed from %d messages: %s" % (touched, ", ".join(
        "%s %d" % kv for kv in sorted(removed.items()))))
EOF
setnames="easy_ham.ham easy_ham_2.ham hard_ham.ham spam.spam spam_2.spam"
mapfile -t testfiles <"$work/test.list"

# timed STEP CMD... - run CMD under GNU time, appending "wall user sys"
# to WORK/time.STEP; stdout and stderr go to WORK/log.STEP
timed() {
	step=$1
	shift
	/usr/bin/time -a -o "$work/time.$step" -f '%e %U %S' "$@" \
	    >>"$work/log.$step" 2>&1
}

# --- bogofilter ---------------------------------------------------------------
# bogo_ok STATUS - bogofilter exits 0, 1 or 2 (spam, ham, unsure: the last
# message's class) when it worked, 3 on error
bogo_ok() {
	[ "$1" -le 2 ] || {
		echo "bogofilter failed ($1), see $work/log.bogofilter.*" >&2
		exit 1
	}
}

run_bogofilter() {
	if ! command -v bogofilter >/dev/null; then
		echo "installing bogofilter with apt-get"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    bogofilter >/dev/null
	fi
	db=$work/bogofilter
	rm -rf "$db" "$work"/time.bogofilter.* "$work"/log.bogofilter.*
	mkdir -p "$db"
	for s in $setnames; do
		mapfile -t files <"$work/learn.$s"
		case $s in
		*.spam) flag=-s ;;
		*) flag=-n ;;
		esac
		timed bogofilter.learn bogofilter -d "$db" "$flag" \
		    -B "${files[@]}" || bogo_ok $?
	done
	# -TT -B prints "FILE SCORE" per message.
	/usr/bin/time -a -o "$work/time.bogofilter.score" -f '%e %U %S' \
	    bogofilter -d "$db" -TT -B "${testfiles[@]}" \
	    >"$work/raw.bogofilter" 2>>"$work/log.bogofilter.score" ||
	    bogo_ok $?
	awk '{ n = split($1, p, "/"); print p[n] "\t" $NF }' \
	    "$work/raw.bogofilter" >"$work/prob.bogofilter"
	tabulate bogofilter "$work/prob.bogofilter"
}

# --- SpamAssassin -------------------------------------------------------------
# sa_setup - private site config, rules and prefs for both SA scorers
sa_setup() {
	sa=$work/sa
	rm -rf "$sa"
	mkdir -p "$sa/site-bayes" "$sa/rules-bayes" "$sa/site-full"
	: >"$sa/user_prefs"
	for f in 10_default_prefs.cf 20_aux_tlds.cf 23_bayes.cf \
	    60_bayes_stopwords.cf; do
		cp "/usr/share/spamassassin/$f" "$sa/rules-bayes/"
	done
	cat >"$sa/site-bayes/init.pre" <<EOF
loadplugin Mail::SpamAssassin::Plugin::Check
loadplugin Mail::SpamAssassin::Plugin::Bayes
EOF
	cp /etc/spamassassin/*.pre "$sa/site-full/"
	cat >"$sa/local.cf" <<EOF
use_bayes 1
bayes_path $sa/bayes
bayes_auto_learn 0
bayes_auto_expire 0
bayes_learn_during_report 0
lock_method flock
use_auto_whitelist 0
skip_rbl_checks 1
dns_available no
use_razor2 0
use_pyzor 0
use_dcc 0
required_score 5.0
EOF
	cp "$sa/local.cf" "$sa/site-bayes/local.cf"
	cp "$sa/local.cf" "$sa/site-full/local.cf"
	cat >"$sa/score.pl" <<'EOF'
# score.pl SITE RULES PREFS LIST - per message: file, Bayes probability
# (NA when Bayes did not answer), total score, 1 if score >= required
use strict;
use warnings;
use Mail::SpamAssassin;
my ($site, $rules, $prefs, $list) = @ARGV;
my $sa = Mail::SpamAssassin->new({
	site_rules_filename => $site, rules_filename => $rules,
	userprefs_filename => $prefs, local_tests_only => 1,
	dont_copy_prefs => 1 });
$sa->compile_now(0);
open(my $l, '<', $list) or die "$list: $!";
$| = 1;
while (my $f = <$l>) {
	chomp $f;
	next if $f eq '';
	open(my $fh, '<', $f) or die "$f: $!";
	my $text = do { local $/; <$fh> };
	close $fh;
	my $msg = $sa->parse($text);
	my $pms = $sa->check($msg);
	my $p = $pms->{bayes_score};
	(my $name = $f) =~ s{.*/}{};
	printf "%s\t%s\t%s\t%d\n", $name,
	    defined $p ? sprintf('%.17g', $p) : 'NA',
	    $pms->get_score(), $pms->is_spam() ? 1 : 0;
	$pms->finish();
	$msg->finish();
}
EOF
	for s in $setnames; do
		mapfile -t files <"$work/learn.$s"
		case $s in
		*.spam) flag=--spam ;;
		*) flag=--ham ;;
		esac
		timed sa.learn sa-learn --siteconfigpath "$sa/site-bayes" \
		    -C "$sa/rules-bayes" -p "$sa/user_prefs" --no-sync \
		    "$flag" "${files[@]}"
	done
	timed sa.learn sa-learn --siteconfigpath "$sa/site-bayes" \
	    -C "$sa/rules-bayes" -p "$sa/user_prefs" --sync
	sa-learn --siteconfigpath "$sa/site-bayes" -C "$sa/rules-bayes" \
	    -p "$sa/user_prefs" --dump magic >"$work/sa.magic" 2>&1 || true
	sa_ready=1
}

run_sa() {
	mode=$1
	[ "$sa_ready" = 1 ] || sa_setup
	cp "$work/time.sa.learn" "$work/time.$mode.learn"
	if [ "$mode" = sa-bayes ]; then
		site=$work/sa/site-bayes rules=$work/sa/rules-bayes
	else
		site=$work/sa/site-full rules=/usr/share/spamassassin
	fi
	rm -f "$work/time.$mode.score"
	/usr/bin/time -a -o "$work/time.$mode.score" -f '%e %U %S' \
	    perl "$work/sa/score.pl" "$site" "$rules" "$work/sa/user_prefs" \
	    "$work/test.list" >"$work/raw.$mode" 2>"$work/log.$mode.score"
	if [ "$mode" = sa-bayes ]; then
		cut -f1,2 "$work/raw.$mode" >"$work/prob.$mode"
	else
		cut -f1,3,4 "$work/raw.$mode" >"$work/prob.$mode"
	fi
	tabulate "$mode" "$work/prob.$mode"
}

# --- Vigil --------------------------------------------------------------------
# `vigil learn` per set, then `vigil scan --json` on the scored half; see
# the header (VIGIL_BUILD, VIGIL_CONF).
run_vigil() {
	v=${VIGIL_BUILD:-}/cli/vigil
	if [ -z "${VIGIL_BUILD:-}" ] || [ ! -x "$v" ] ||
	    ! "$v" learn --help >/dev/null 2>&1; then
		echo "vigil: no classifier in this build"
		return 0
	fi
	if [ -z "${VIGIL_CONF:-}" ]; then
		echo "vigil: VIGIL_CONF (a vigil.conf template) is not set"
		return 0
	fi
	rm -rf "$work/vigil"
	mkdir -p "$work/vigil"
	sed "s|@WORK@|$work/vigil|g" "$VIGIL_CONF" >"$work/vigil/vigil.conf"
	rm -f "$work"/time.vigil*.learn "$work"/time.vigil*.score
	for s in $setnames; do
		mapfile -t files <"$work/learn.$s"
		timed vigil.learn "$v" learn -c "$work/vigil/vigil.conf" \
		    "--${s#*.}" "${files[@]}"
	done
	# The classifier's snapshot of what was learned (a build that has
	# one; `vigil learn` may have skipped it as built lately), so that
	# the scores below come from it (they are the database's).
	"$v" learn -c "$work/vigil/vigil.conf" --snapshot \
	    >>"$work/log.vigil.learn" 2>&1 || true
	/usr/bin/time -a -o "$work/time.vigil.score" -f '%e %U %S' \
	    "$v" scan -c "$work/vigil/vigil.conf" --json "${testfiles[@]}" \
	    >"$work/raw.vigil" 2>"$work/log.vigil.score" || true
	"$py" - "$work" <<'EOF'
import json, os, sys
work = sys.argv[1]
def prob(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "probability" and isinstance(v, (int, float)):
                return v
            p = prob(v)
            if p is not None:
                return p
    elif isinstance(o, list):
        for v in o:
            p = prob(v)
            if p is not None:
                return p
    return None
with open(os.path.join(work, "raw.vigil")) as r, \
        open(os.path.join(work, "prob.vigil"), "w") as c, \
        open(os.path.join(work, "prob.vigil-final"), "w") as f:
    for line in r:
        o = json.loads(line)
        name = os.path.basename(o["file"])
        p = prob(o)
        c.write("%s\t%s\n" % (name, "NA" if p is None else repr(p)))
        score = o.get("score", 1e9)  # refused before DATA: flagged
        f.write("%s\t%s\t%d\n" % (name, score,
                                   o.get("decision") != "accept"))
EOF
	cp "$work/time.vigil.learn" "$work/time.vigil-final.learn"
	cp "$work/time.vigil.score" "$work/time.vigil-final.score"
	tabulate vigil "$work/prob.vigil"
	tabulate vigil-final "$work/prob.vigil-final"
}

# --- metrics -----------------------------------------------------------------
# tabulate NAME FILE - metrics of one scorer's "file score [flagged]" lines;
# one row appended to WORK/rows and the labelled scores.NAME.tsv written
tabulate() {
	"$py" - "$work" "$1" "$2" <<'EOF' | tee -a "$work/rows"
import os, sys
work, name, path = sys.argv[1:4]
cls = {}
for line in open(os.path.join(work, "split.tsv")):
    f, _, _, c, ph = line.rstrip("\n").split("\t")
    if ph == "test":
        cls[f] = c
ham, spam, dec, missing = [], [], {"ham": [0, 0], "spam": [0, 0]}, 0
with open(os.path.join(work, "scores.%s.tsv" % name), "w") as o:
    for line in open(path):
        p = line.rstrip("\n").split("\t")
        if p[0] not in cls:
            continue
        c = cls.pop(p[0])
        if p[1] == "NA":
            missing += 1
            continue
        s = float(p[1])
        (spam if c == "spam" else ham).append(s)
        if len(p) > 2:
            dec[c][0] += int(p[2])
            dec[c][1] += 1
        o.write("\t".join([p[0], c] + p[1:]) + "\n")
missing += len(cls)
def recall_at(fp):
    k = int(fp * len(ham) + 1e-9)
    hs = sorted(ham, reverse=True)
    if k >= len(hs):
        return 1.0, float("-inf"), len(hs)
    t = hs[k]
    return (sum(1 for s in spam if s > t) / len(spam), t,
            sum(1 for h in ham if h > t))
def auc():
    allv = sorted([(s, 1) for s in spam] + [(h, 0) for h in ham])
    rank, i, rs = 0.0, 0, 0.0
    while i < len(allv):
        j = i
        while j < len(allv) and allv[j][0] == allv[i][0]:
            j += 1
        r = (i + 1 + j) / 2.0
        rs += r * sum(1 for x in allv[i:j] if x[1])
        i = j
    ns, nh = len(spam), len(ham)
    return (rs - ns * (ns + 1) / 2.0) / (ns * nh)
def times(step):
    w = u = 0.0
    try:
        for line in open(os.path.join(work, "time.%s.%s" % (name, step))):
            a = line.split()
            if len(a) == 3 and a[0][0].isdigit():
                w += float(a[0])
                u += float(a[1]) + float(a[2])
    except OSError:
        pass
    return w, u
r1, t1, f1 = recall_at(0.001)
r5, t5, f5 = recall_at(0.005)
lw, lc = times("learn")
sw, sc = times("score")
d = "-"
if dec["spam"][1]:
    d = "%5.1f%%/%.2f%%" % (100.0 * dec["spam"][0] / dec["spam"][1],
                            100.0 * dec["ham"][0] / max(1, dec["ham"][1]))
print("%-12s %4d/%3d %6.2f%% %2d %6.2f%% %2d %.5f %14s %6.1f/%6.1f "
      "%6.1f/%6.1f %5.1f %s" %
      (name, len(ham), len(spam), 100 * r1, f1, 100 * r5, f5, auc(), d,
       lw, lc, sw, sc, 1000.0 * sc / max(1, len(ham) + len(spam)),
       ("missing %d" % missing) if missing else ""))
EOF
}

: >"$work/rows"
header="scorer       ham/spam  R@0.1% fp  R@0.5% fp     AUC   dec rec/hamFP"
header="$header learn wall/cpu  score wall/cpu ms/msg"
echo "$header"
for s in $scorers; do
	case $s in
	bogofilter) run_bogofilter ;;
	sa-bayes) run_sa sa-bayes ;;
	sa-final) run_sa sa-final ;;
	vigil) run_vigil ;;
	*) echo "unknown scorer $s" >&2; exit 2 ;;
	esac
done
{
	date -u '+%Y-%m-%d %H:%M UTC'
	echo "nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "$header"
	cat "$work/rows"
} >"$work/table.txt"
echo
echo "R@x%: spam recall where at most x% of the scored ham (fp = that count)"
echo "score above the threshold; dec: the scorer's own decision (final rows)"
echo "ms/msg: scoring CPU per message. $(sed -n 2p "$work/table.txt")"
