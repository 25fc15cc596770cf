#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# sa_localcf.sh VIGIL SOURCE_DIR - an SA site's local.cf
# (tests/cli/data/sa-site-local.cf) plus Debian's rules load with one
# include each, and its directives keep their meaning: required_score is
# the tag threshold, score changes a stock rule, whitelist_from welcomes
# (USER_IN_WELCOMELIST, -100), unwhitelist_from takes an entry back,
# welcomelist_to welcomes by recipient, blacklist_from blocks
# (USER_IN_BLOCKLIST, 100), rewrite_header tags the subject, and the
# site's own rules run.  Skips (77) without Debian's rules or the corpus.
set -u
vigil=$1
src=$2
corpus=$src/../shared/corpus
. "$src/tests/tools/skip.sh"
[ -d "$corpus" ] || vg_skip "the test corpus $corpus is missing (../shared)"
[ -f /usr/share/spamassassin/50_scores.cf ] ||
	vg_skip "SpamAssassin's rules are not installed (packaging/deps.sh)"
ham=$corpus/spamassassin/ham/easy_ham.00001.7c53336b37003a9286aba55d2945844c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL cli_sa_localcf: $*"
	exit 1
}
want() {
	printf '%s\n' "$1" | grep -Eq -- "$2" ||
		fail "$3: got '$1', want /$2/"
}
wantnot() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		fail "$3: got '$1', did not want /$2/"
	fi
}

rules=$tmp/vigil.rules
# No Hyperscan compile (seconds of CPU for this set): this test is about
# what the directives mean; unit_rules_prefilter proves the verdicts equal.
cat >"$rules" <<EOR
vigil_prefilter off
include $src/rules/spamassassin.rules
vigil_compat spamassassin
include $src/tests/cli/data/sa-site-local.cf
EOR
conf=$tmp/vigil.conf
printf 'sa_update_dir =\nsocket = unix:%s/x\nvirus_scan = no\nrules = %s\ndkim = no\narc = no\ndmarc = no\n' \
    "$tmp" "$rules" >"$conf"

out=$("$vigil" rules check "$rules" 2>&1) || fail "rules check: $out"
want "$out" 'OK: [0-9]+ rules loaded' "rules check"

# The ham's From: is kre@munnari.OZ.AU, whitelisted; its To: list is not.
out=$("$vigil" scan -c "$conf" --json "$ham") || fail "scan: $out"
want "$out" '"required": 6\.0' "required_score 6.0 from local.cf"
want "$out" '"name": "USER_IN_WELCOMELIST", "score": -100\.00' \
    "whitelist_from *@munnari.oz.au"
want "$out" '"name": "LOCAL_EXMH_LIST", "score": -0\.50' "the site's own rule"
wantnot "$out" 'USER_IN_BLOCKLIST' "not blocklisted"
want "$out" '"decision": "accept"' "welcomelisted ham"

# The same message from a blacklisted domain, to postmaster, cheap meds.
sed -e 's/^From: .*/From: Sales <sales@spammer.example>/' \
    -e 's/^To: .*/To: postmaster@example.org/' \
    -e 's/^Subject: .*/Subject: Cheap meds for everyone, today only/' \
    -e 's/^Date: .*//' "$ham" >"$tmp/spam.eml"
printf '\ncheap meds here\n' >>"$tmp/spam.eml"
out=$("$vigil" scan -c "$conf" --json "$tmp/spam.eml") || fail "scan: $out"
want "$out" '"name": "USER_IN_BLOCKLIST", "score": 100\.00' "blacklist_from"
want "$out" '"name": "USER_IN_WELCOMELIST_TO", "score": -6\.00' \
    "welcomelist_to postmaster@*"
want "$out" '"name": "LOCAL_CHEAP_MEDS", "score": 6\.50' "site body rule"
want "$out" '"name": "MISSING_DATE", "score": 1\.50' "score MISSING_DATE 1.5"
# 100 points: over reject_score (15, Vigil's own; SpamAssassin has none).
want "$out" '"reply": "550 5\.7\.1 Message rejected as spam' "blocklisted"

# Not blocklisted: 6.5 + 1.5 - 0.5 - 1 = 6.5, over required_score 6.0.
sed -e 's/^From: .*/From: Sales <sales@elsewhere.example>/' -e 's/^To: .*/To: user@example.org/' \
    "$tmp/spam.eml" >"$tmp/tag.eml"
out=$("$vigil" scan -c "$conf" --json "$tmp/tag.eml") || fail "scan: $out"
want "$out" '"decision": "tag", "score": 6\.5, "required": 6\.0' \
    "tagged over required_score 6.0"
want "$out" '"name": "X-Spam-Tests", "value": "LOCAL_CHEAP_MEDS=6\.5,' \
    "add_header all Tests _TESTSSCORES(,)_"
want "$out" '"name": "Subject", "value": "\[SPAM\] ' "rewrite_header Subject"

# unwhitelist_from took boss@example.com back.
sed -e 's/^From: .*/From: The Boss <boss@example.com>/' "$ham" >"$tmp/boss.eml"
out=$("$vigil" scan -c "$conf" --json "$tmp/boss.eml") || fail "scan: $out"
wantnot "$out" 'USER_IN_WELCOMELIST"' "unwhitelist_from boss@example.com"
echo "cli_sa_localcf: ok"
