#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# scan_policy.sh VIGIL SOURCE_DIR - the attachment policy and the lists of
# the default rules file through `vigil scan --json`, as a mail
# administrator would try them: invoice.pdf.exe from the corpus and a
# program named notes.txt are refused with 550 5.7.1 naming the file, a
# blocked sender is refused unless the mail is for postmaster@, and a bad
# policy line in a rules file is reported as file:line: reason.  Skips
# (exit 77, tests/tools/skip.sh) when ../shared/corpus is missing.
set -u
vigil=$1
src=$2
corpus=$src/../shared/corpus
. "$src/tests/tools/skip.sh"
[ -d "$corpus" ] || vg_skip "the test corpus $corpus is missing (../shared)"
ham=$corpus/spamassassin/ham/easy_ham.00001.7c53336b37003a9286aba55d2945844c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
VG_TEST=cli_scan_policy
. "$src/tests/tools/check.sh"


conf=$tmp/vigil.conf
printf 'sa_update_dir =\nsocket = unix:%s/x\nvirus_scan = no\nrules = %s\n' "$tmp" \
    "$src/rules/vigil.rules" >"$conf"

# 1. invoice.pdf.exe (corpus/malware/dangerous-extension.eml).
out=$("$vigil" scan -c "$conf" --json "$corpus/malware/dangerous-extension.eml")
rc=$?
[ $rc -eq 0 ] || fail "scan invoice.pdf.exe: got exit $rc, want 0 ($out)"
want "$out" '"decision": "reject"' "invoice.pdf.exe decision"
want "$out" '"reply": "550 5\.7\.1 Message rejected: attachment type not allowed: invoice\.pdf\.exe"' \
    "invoice.pdf.exe reply"
want "$out" '"name": "ATTACH_DOUBLE_EXT", "score": 4\.00' "invoice.pdf.exe symbol"
want "$out" '"name": "ATTACH_BANNED_EXT", "score": 4\.00' "invoice.pdf.exe symbol"

# 2. A Windows program named notes.txt: a PE header, base64 in a part
# declared text/plain.
{
	printf 'MZ'
	head -c 58 /dev/zero
	printf '\100\000\000\000PE\000\000'
	head -c 200 /dev/zero
} >"$tmp/prog"
{
	printf 'From: a@example.net\nTo: b@example.org\nSubject: notes\n'
	printf 'Date: Mon, 02 Nov 2026 10:00:00 +0000\n'
	printf 'Message-ID: <notes@example.net>\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
	printf 'Content-Type: text/plain\n\nNotes attached.\n\n--b1\n'
	printf 'Content-Type: text/plain; name="notes.txt"\n'
	printf 'Content-Transfer-Encoding: base64\n'
	printf 'Content-Disposition: attachment; filename="notes.txt"\n\n'
	base64 "$tmp/prog"
	printf '\n--b1--\n'
} >"$tmp/notes.eml"
out=$("$vigil" scan -c "$conf" --json "$tmp/notes.eml")
want "$out" '"reply": "550 5\.7\.1 Message rejected: attachment type not allowed: notes\.txt"' \
    "notes.txt reply"
want "$out" '"name": "ATTACH_EXEC_CONTENT"' "notes.txt symbol"
want "$out" '"name": "ATTACH_TYPE_MISMATCH"' "notes.txt symbol"

# 3. A ham message passes, and gets no policy symbol.
out=$("$vigil" scan -c "$conf" --json "$ham")
want "$out" '"decision": "accept"' "ham decision"
printf '%s\n' "$out" | grep -q 'ATTACH_\|BLOCK_' &&
	fail "ham: got '$out', want no ATTACH_ or BLOCK_ symbol"

# 4. The lists: a rules file that blocks a sender domain on top of the
# defaults.  Refused to an ordinary recipient; postmaster@ (allow_rcpt in
# the default rules, RFC 2142) still gets it.
printf 'include %s\nblock_from @example.net\n' "$src/rules/vigil.rules" \
    >"$tmp/block.rules"
out=$("$vigil" scan -c "$conf" --rules "$tmp/block.rules" \
    --from spammer@example.net --rcpt user@example.org --json "$ham")
want "$out" '"decision": "reject"' "blocked sender decision"
want "$out" '"reply": "550 5\.7\.1 Message rejected: sender address blocked by policy"' \
    "blocked sender reply"
out=$("$vigil" scan -c "$conf" --rules "$tmp/block.rules" \
    --from spammer@example.net --rcpt postmaster@example.org --json "$ham")
want "$out" '"decision": "accept"' "blocked sender to postmaster@"
want "$out" '"name": "BLOCK_FROM"' "blocked sender to postmaster@ symbol"

# 5. A bad policy line: file:line: reason, exit 1; good lines check OK.
printf 'body A /a/\nblock_action maybe\nallow_client 10.0.0.0/33\n' \
    >"$tmp/bad.rules"
out=$("$vigil" rules check "$tmp/bad.rules" 2>&1)
rc=$?
[ $rc -eq 1 ] || fail "rules check bad: got exit $rc ($out), want 1"
want "$out" "^$tmp/bad\.rules:2: block_action: want reject or score\$" \
    "rules check bad line 2"
want "$out" "^$tmp/bad\.rules:3: allow_client: '10\.0\.0\.0/33': prefix length must be 0 to 32\$" \
    "rules check bad line 3"
out=$("$vigil" rules check "$tmp/block.rules" 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "rules check good: got exit $rc ($out), want 0"
echo "PASS cli_scan_policy"
