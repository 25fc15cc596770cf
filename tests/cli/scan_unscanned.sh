#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# scan_unscanned.sh VIGIL SOURCE_DIR - viruses hidden past ClamAV's limits
# (tests/tools/make-evasion.py: EICAR behind 100 MiB of zipped padding,
# EICAR 20 zips deep) through `vigil scan`, with the real libclamav and a
# generated signature database: refused under the default
# unscanned_action, tagged or passed under the others, and never called
# Clean in the verdict, the headers or the text report.  Also EICAR in a
# zstd stream, which ClamAV cannot open.  Skips (exit 77,
# tests/tools/skip.sh) without /usr/bin/python3 or zstd.
set -u
vigil=$1
src=$2
. "$src/tests/tools/skip.sh"
[ -x /usr/bin/python3 ] || vg_skip "/usr/bin/python3 is not installed"
command -v zstd >/dev/null 2>&1 || vg_skip "zstd is not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
VG_TEST=cli_scan_unscanned
. "$src/tests/tools/check.sh"


# never_clean OUT WHAT - no "Clean" anywhere in OUT
never_clean() {
	if printf '%s\n' "$1" | grep -q 'Clean'; then
		fail "$2: the output calls the message Clean: '$1'"
	fi
}

sh "$src/tests/tools/make-sigdb.sh" "$tmp/db" >/dev/null ||
	fail "make-sigdb.sh failed"
/usr/bin/python3 "$src/tests/tools/make-evasion.py" "$tmp/ev" ||
	fail "make-evasion.py failed"

# conf ACTION - a config with unscanned_action = ACTION
conf() {
	printf 'sa_update_dir =\nsocket = unix:%s/x\nclamav_database = %s\nrules = %s\nunscanned_action = %s\n' "$tmp" \
	    "$tmp/db" "$src/rules/vigil.rules" "$1" >"$tmp/$1.conf"
	printf '%s' "$tmp/$1.conf"
}

for m in padded:exceeds\ clamav_max_filesize \
    nested20:exceeds\ clamav_max_recursion; do
	file=$tmp/ev/${m%%:*}.eml
	why=${m#*:}

	# The default: refused during the session, saying why.
	printf 'sa_update_dir =\nsocket = unix:%s/x\nclamav_database = %s\nrules = %s\n' "$tmp" "$tmp/db" \
	    "$src/rules/vigil.rules" >"$tmp/default.conf"
	out=$("$vigil" scan -c "$tmp/default.conf" --json "$file")
	rc=$?
	[ $rc -eq 0 ] || fail "$file default: exit $rc ($out)"
	want "$out" '"decision": "reject"' "$file default decision"
	want "$out" "\"virus_status\": \"Unscanned \\($why\\)\"" \
	    "$file default virus_status"
	want "$out" "\"virus_scan\": \"unscanned\", \"unscanned\": \"$why\"" \
	    "$file default virus_scan"
	want "$out" "\"reply\": \"550 5\\.7\\.1 Message rejected: could not be scanned for viruses \\($why\\)\"" \
	    "$file default reply"
	want "$out" "\"name\": \"VIRUS_UNSCANNED\", \"score\": 0\\.00, \"detail\": \"$why\"" \
	    "$file default symbol"
	never_clean "$out" "$file default"

	# tag: delivered with the header and VIRUS_UNSCANNED's 3.0 counted.
	out=$("$vigil" scan -c "$(conf tag)" --json "$file")
	want "$out" '"decision": "(accept|tag)"' "$file tag decision"
	want "$out" "\"name\": \"X-Virus-Status\", \"value\": \"Unscanned \\($why\\)\"" \
	    "$file tag header"
	want "$out" '"name": "VIRUS_UNSCANNED", "score": 3\.00' "$file tag score"
	never_clean "$out" "$file tag"

	# quarantine: the hold queue, headers as for tag.
	out=$("$vigil" scan -c "$(conf quarantine)" --json "$file")
	want "$out" '"decision": "quarantine"' "$file quarantine decision"
	want "$out" "\"value\": \"Unscanned \\($why\\)\"" "$file quarantine header"
	never_clean "$out" "$file quarantine"

	# accept: delivered, still not Clean; the text report says so too.
	out=$("$vigil" scan -c "$(conf accept)" --json "$file")
	want "$out" '"decision": "accept"' "$file accept decision"
	want "$out" "\"value\": \"Unscanned \\($why\\)\"" "$file accept header"
	never_clean "$out" "$file accept"
	out=$("$vigil" scan -c "$(conf accept)" "$file")
	want "$out" "virus=unscanned virus_status=\"Unscanned \\($why\\)\"" \
	    "$file accept text report"
	never_clean "$out" "$file accept text"
done

# EICAR compressed with zstd, which libclamav 1.4 does not unpack: ClamAV
# says clean, the attachment check knows better.
{
	printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR'
	printf '%s' '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
	i=0
	while [ $i -lt 300 ]; do
		echo "padding line $i, so that zstd really compresses"
		i=$((i + 1))
	done
} | zstd -q -c >"$tmp/e.zst" || fail "zstd failed"
{
	printf 'From: a@example.net\r\nTo: b@example.org\r\nSubject: zst\r\n'
	printf 'MIME-Version: 1.0\r\nContent-Type: application/zstd; name="data.zst"\r\n'
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	base64 "$tmp/e.zst"
} >"$tmp/zst.eml"
out=$("$vigil" scan -c "$tmp/default.conf" --json "$tmp/zst.eml")
want "$out" '"decision": "reject"' "zstd decision"
want "$out" '"virus_status": "Unscanned \(compressed in a format ClamAV cannot open\)"' \
    "zstd virus_status"
want "$out" '"name": "ATTACH_UNSCANNABLE"' "zstd symbol"
want "$out" '"reply": "550 5\.7\.1 Message rejected: could not be scanned for viruses \(compressed in a format ClamAV cannot open\)"' \
    "zstd reply"
never_clean "$out" "zstd"

# A zip cut before its central directory: libclamav scans none of its
# deflated members, so it cannot be Clean.
out=$("$vigil" scan -c "$tmp/default.conf" --json "$tmp/ev/truncated.eml")
want "$out" '"decision": "reject"' "truncated zip decision"
want "$out" '"virus_status": "Unscanned \(truncated zip archive\)"' \
    "truncated zip virus_status"
never_clean "$out" "truncated zip"

# The same EICAR within the limits is found (the test database works).
out=$("$vigil" scan -c "$tmp/default.conf" --json "$tmp/ev/members.eml")
want "$out" '"virus": "Eicar-Test-Signature\.UNOFFICIAL"' "members.eml virus"
echo "cli_scan_unscanned: ok"
