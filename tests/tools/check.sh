# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
#
# check.sh - sourced by the shell tests: how a check fails.  Set VG_TEST
# to the test's name (ctest's) before using them.
#
# fail WHAT             print "FAIL VG_TEST: WHAT" and exit 1
# want OUT PATTERN WHAT OUT must match the extended regex PATTERN
# wont OUT PATTERN WHAT OUT must not match it

fail()
{
	echo "FAIL ${VG_TEST:-test}: $*"
	exit 1
}

want()
{
	printf '%s\n' "$1" | grep -Eq -- "$2" ||
		fail "$3: got '$1', want /$2/"
}

wont()
{
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		fail "$3: got '$1', want no /$2/"
	fi
}
