#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# sa_default.sh VIGIL SOURCE_DIR - the shipped vigil.conf
# (packaging/vigil.conf, sa_update_dir = auto by default) runs
# SpamAssassin's rules when they are installed, plus Vigil's own
# (rules/vigil.rules) on top: `vigil rules check -c` loads both sets (no
# rule name defined twice), a corpus spam scores a SpamAssassin rule and
# a Vigil rule, and the Checker-Version header names Vigil.  With
# nothing installed (an empty tmpfs over both of SpamAssassin's places,
# in a private mount namespace) the same config runs Vigil's own rules
# alone.  Skips (77) without Debian's spamassassin
# package (packaging/deps.sh installs it) or the corpus.
set -u
vigil=$1
src=$2
corpus=$src/../shared/corpus
. "$src/tests/tools/skip.sh"
[ -d "$corpus" ] || vg_skip "the test corpus $corpus is missing (../shared)"
[ -f /usr/share/spamassassin/50_scores.cf ] ||
	vg_skip "SpamAssassin's rules are not installed (packaging/deps.sh)"
VG_TEST=cli_sa_default
. "$src/tests/tools/check.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
spam=$corpus/spamassassin/spam/spam.00011.61816b9ad167657773a427d890d0468e
ham=$corpus/spamassassin/ham/easy_ham.00001.7c53336b37003a9286aba55d2945844c

# The shipped config as installed, with the rules file of this tree
# (installed as /etc/vigil/vigil.rules) and no signatures to load.
grep -q '^#sa_update_dir = auto$' "$src/packaging/vigil.conf" ||
	fail "packaging/vigil.conf: no '#sa_update_dir = auto'"
conf=$tmp/vigil.conf
{
	cat "$src/packaging/vigil.conf"
	echo "rules = $src/rules/vigil.rules"
	echo "virus_scan = no"
	echo "bayes = no"
} >"$conf"

# 1. Both sets load: SpamAssassin's plugins counted, a thousand rules
#    more than Vigil's own, no duplicate name.
out=$("$vigil" rules check -c "$conf" 2>&1) || fail "rules check -c: $out"
want "$out" 'OK: [0-9]+ rules loaded' "rules check -c"
want "$out" 'plugin HeaderEval \(implemented\)' "SpamAssassin's rules"
n=$(printf '%s\n' "$out" | sed -n 's/.*OK: \([0-9]*\) rules loaded.*/\1/p')
own=$("$vigil" rules check "$src/rules/vigil.rules" 2>&1 |
    sed -n 's/.*OK: \([0-9]*\) rules loaded.*/\1/p')
[ -n "$n" ] && [ -n "$own" ] && [ "$n" -gt $((own + 1000)) ] ||
	fail "rules check -c: $n rules, want over 1000 more than own's $own"

# 2. A spam scores both: NORMAL_HTTP_TO_IP (SpamAssassin's
#    20_uri_tests.cf) and URI_NUMERIC_IP (Vigil's).
out=$("$vigil" scan -c "$conf" --json "$spam" 2>&1) || fail "scan: $out"
want "$out" '"name": "NORMAL_HTTP_TO_IP"' "SpamAssassin's rule"
want "$out" '"name": "URI_NUMERIC_IP"' "Vigil's rule"

# 3. SpamAssassin's 10_default_prefs.cf is loaded, yet the header says
#    who checked: Vigil.
out=$("$vigil" scan -c "$conf" --json "$ham" 2>&1) || fail "scan ham: $out"
want "$out" '"name": "X-Spam-Checker-Version", "value": "Vigil ' \
    "Checker-Version names Vigil"
wont "$out" 'SpamAssassin [0-9]' "Checker-Version names SpamAssassin"

# 4. Nothing installed: Vigil's own rules alone, said once.
cat >"$tmp/bare.sh" <<'EOS'
for d in /usr/share/spamassassin /var/lib/spamassassin; do
	[ -d "$d" ] && { mount -t tmpfs none "$d" || exit 99; }
done
exec "$@"
EOS
if unshare -m sh "$tmp/bare.sh" true 2>/dev/null; then
	out=$(unshare -m sh "$tmp/bare.sh" "$vigil" rules check -c "$conf" \
	    2>&1) || fail "rules check -c, nothing installed: $out"
	want "$out" "OK: $own rules loaded" "own rules alone"
	out=$(unshare -m sh "$tmp/bare.sh" "$vigil" scan -c "$conf" --json \
	    "$spam" 2>&1) || fail "scan, nothing installed: $out"
	want "$out" '"name": "URI_NUMERIC_IP"' "Vigil's rule, alone"
	wont "$out" 'NORMAL_HTTP_TO_IP' "no SpamAssassin rule"
else
	echo "cli_sa_default: no mount namespace (unshare -m needs root):" \
	    "the nothing-installed case is not tested"
fi
exit 0
