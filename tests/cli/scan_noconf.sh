#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# scan_noconf.sh VIGIL VIGIL_MILTER SOURCE_DIR - `vigil scan` with no
# vigil.conf at all, as an administrator tries it on a message before
# installing anything: the built-in defaults, --rules FILE and --db DIR
# (a signature database made by tests/tools/make-sigdb.sh) find EICAR;
# without --db and with no signatures in /var/lib/clamav it scores with
# the virus scan off and says so; without a rules file it says which
# option to give; it never asks for a socket.  `vigil version` says what
# `vigil-milter -V` says but libmilter.
#
# A machine where Vigil is installed has /etc/vigil/vigil.conf, which
# vigil reads when -c is not given: the scans run in a private mount
# namespace (unshare -m, as root) with an empty tmpfs over /etc/vigil and
# /var/lib/clamav, so "no config" is really none.  Skips (exit 77) when
# the namespace cannot be made or ../shared/corpus is missing.
set -u
vigil=$1
milter=$2
src=$3
corpus=$src/../shared/corpus
. "$src/tests/tools/skip.sh"
[ -d "$corpus" ] || vg_skip "the test corpus $corpus is missing (../shared)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
VG_TEST=cli_scan_noconf
. "$src/tests/tools/check.sh"

# bare CMD... - CMD with nothing under /etc/vigil and /var/lib/clamav
cat >"$tmp/bare.sh" <<'EOS'
for d in /etc/vigil /var/lib/clamav; do
	[ -d "$d" ] && { mount -t tmpfs none "$d" || exit 99; }
done
exec "$@"
EOS
unshare -m sh "$tmp/bare.sh" true 2>/dev/null ||
	vg_skip "cannot make a mount namespace (unshare -m needs root)"
bare() {
	unshare -m sh "$tmp/bare.sh" "$@"
}

sh "$src/tests/tools/make-sigdb.sh" "$tmp/db" >/dev/null ||
	fail "make-sigdb.sh failed"
rules=$src/rules/vigil.rules
eicar=$corpus/malware/eicar-base64-attachment.eml
ham=$corpus/spamassassin/ham/easy_ham.00001.7c53336b37003a9286aba55d2945844c

# 1. --rules and --db, no config: EICAR is found and refused.
out=$(bare "$vigil" scan --rules "$rules" --db "$tmp/db" --json "$eicar" \
    2>"$tmp/err")
rc=$?
[ $rc -eq 0 ] || fail "scan with --db: exit $rc ($out $(cat "$tmp/err"))"
want "$out" '"decision": "reject"' "EICAR with --db, no config"
want "$out" '"virus": "Eicar' "EICAR's name"
grep -qi socket "$tmp/err" && fail "asked for a socket: $(cat "$tmp/err")"

# 2. No --db, no signatures anywhere: scored, virus scan off, said once.
out=$(bare "$vigil" scan --rules "$rules" --json "$ham" 2>"$tmp/err")
rc=$?
[ $rc -eq 0 ] || fail "scan without --db: exit $rc ($out $(cat "$tmp/err"))"
want "$out" '"decision": "accept"' "ham without --db"
want "$(cat "$tmp/err")" 'virus scan off \(give --db DIR\)' "the note on stderr"

# 3. No rules file installed and no --rules: which option to give.
out=$(bare "$vigil" scan "$ham" 2>&1)
rc=$?
[ $rc -eq 1 ] || fail "scan without rules: got exit $rc, want 1 ($out)"
want "$out" '/etc/vigil/vigil\.rules.*--rules FILE' "the missing rules file"
case $out in *socket*) fail "asked for a socket: $out" ;; esac

# 4. -c with a config that has no socket key is fine for a tool.
printf 'virus_scan = no\nrules = %s\n' "$rules" >"$tmp/tool.conf"
out=$("$vigil" scan -c "$tmp/tool.conf" "$ham" 2>&1) ||
	fail "scan -c without socket: $out"
want "$out" ': accept score=' "scan -c without socket"

# 5. vigil version: vigil-milter -V's lines but libmilter.
v=$(bare "$vigil" version --db "$tmp/db") || fail "vigil version failed"
m=$(bare "$milter" -V) || fail "vigil-milter -V failed"
want "$v" '^vigil [0-9]' "vigil version's first line"
for lib in 'ClamAV [0-9.]+' 'PCRE2 ' 'libspf2 ' 'OpenSSL '; do
	a=$(printf '%s\n' "$v" | grep -Eo "^$lib[^ ,]*")
	b=$(printf '%s\n' "$m" | grep -Eo "^$lib[^ ,]*")
	[ -n "$a" ] && [ "$a" = "$b" ] ||
		fail "version line $lib: vigil '$a', vigil-milter '$b'"
done
echo "ok cli_scan_noconf"
