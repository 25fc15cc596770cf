#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# rules_check_sa.sh VIGIL SOURCE_DIR - `vigil rules check` on SpamAssassin
# rules prints, per SpamAssassin plugin, whether Vigil implements it and
# how many rules it loaded and skipped: a small file of its own (exact
# counts), then Debian's whole set through rules/spamassassin.rules when
# the spamassassin package is installed (figures that must not fall).
set -u
vigil=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL cli_rules_check_sa: $*"
	exit 1
}
want() {
	printf '%s\n' "$1" | grep -Eq -- "$2" || fail "$3: got '$1', want /$2/"
}

cat >"$tmp/sa.rules" <<'EOR'
vigil_compat spamassassin
ifplugin Mail::SpamAssassin::Plugin::HeaderEval
header MISSING_HEADERS eval:check_for_missing_to_header()
header FORGED eval:check_for_forged_juno_received_headers()
endif
ifplugin Mail::SpamAssassin::Plugin::Pyzor
full PYZOR_CHECK eval:check_pyzor()
body PYZOR_TEXT /pyzor/
endif
EOR
out=$("$vigil" rules check "$tmp/sa.rules" 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "small file: exit $rc ($out)"
want "$out" "OK: 1 rules loaded" "small file: loaded"
want "$out" "skipped \(eval 1, ifplugin 2," "small file: skipped by kind"
want "$out" "plugin HeaderEval \(implemented\): 1 loaded, 1 skipped" \
    "small file: HeaderEval"
want "$out" "plugin Pyzor \(not implemented\): 0 loaded, 2 skipped" \
    "small file: Pyzor"

if [ -f /usr/share/spamassassin/72_active.cf ]; then
	# The counts, not the Hyperscan compile (seconds of CPU for this
	# set; unit_rules_prefilter tests it).
	printf 'vigil_prefilter off\ninclude %s/rules/spamassassin.rules\n' \
	    "$src" >"$tmp/all.rules"
	out=$("$vigil" rules check "$tmp/all.rules" 2>&1)
	rc=$?
	[ $rc -eq 0 ] || fail "Debian's rules: exit $rc ($out)"
	loaded=$(printf '%s\n' "$out" | sed -n 's/.*OK: \([0-9]*\) rules loaded.*/\1/p')
	[ "${loaded:-0}" -ge 2000 ] || fail "Debian's rules: $loaded loaded, want >= 2000"
	# The network plugins map onto Vigil's checks (rules/sa_net.c).
	for p in HeaderEval MIMEEval BodyEval HTMLEval VBounce ReplaceTags FreeMail \
	    MIMEHeader WLBLEval RelayEval DNSEval URIDNSBL SPF DKIM Dmarc; do
		want "$out" "plugin $p \(implemented\): [1-9][0-9]* loaded" \
		    "Debian's rules: $p"
	done
	want "$out" "[1-9][0-9]* dnsbl, [1-9][0-9]* uribl" \
	    "Debian's rules: DNS lists"
	want "$out" "plugin AskDNS \(not implemented\): 0 loaded, [1-9]" \
	    "Debian's rules: AskDNS"
fi
echo "PASS cli_rules_check_sa"
