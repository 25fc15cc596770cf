#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Large headers, sent with mtclient (miltertest cannot send more than
# 1 KB in one header).  A 200 KB header (past max_header_size, 64 KB) is
# kept in the raw message but not indexed, and the message is scanned
# and accepted.  A 1 MB header does not fit in libmilter's largest packet
# (1 MB - 1, smfi_setmaxdatasize): libmilter closes that connection (the
# MTA then applies its milter_default_action; Postfix never sends a header
# above header_size_limit, 100 KB) and the daemon keeps serving.
set -u
client=$VG_BUILD/tests/milter/mtclient
fail() {
	echo "FAIL t-bighdr: $*"
	exit 1
}

out=$("$client" "$VG_SOCKET" 204800)
rc=$?
[ $rc -eq 0 ] || fail "200 KB header: got exit $rc ($out), want 0"
echo "$out" | grep -qx 'insheader X-Virus-Status: Clean' ||
	fail "200 KB header: got '$out', want X-Virus-Status: Clean"
echo "$out" | grep -qx 'eom c' || fail "200 KB header: got '$out', want eom c"

out=$("$client" "$VG_SOCKET" 1048576)
rc=$?
[ $rc -eq 2 ] || fail "1 MB header: got exit $rc ($out), want 2 (closed)"
[ "$out" = "closed in header" ] ||
	fail "1 MB header: got '$out', want 'closed in header'"

out=$("$client" "$VG_SOCKET" 10)
rc=$?
[ $rc -eq 0 ] || fail "after 1 MB header: got exit $rc ($out), want 0"
echo "$out" | grep -qx 'insheader X-Virus-Status: Clean' ||
	fail "after 1 MB header: got '$out', want X-Virus-Status: Clean"
kill -0 "$VG_PID" || fail "vigil-milter is gone"
echo "PASS t-bighdr"
