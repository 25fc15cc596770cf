# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
#
# skip.sh - sourced by the test scripts: how a test that cannot run on
# this machine says so.
#
# vg_skip REASON  A prerequisite is missing (not root; Postfix, dnsmasq,
#                 miltertest or another tool not installed; ../shared
#                 missing): print "SKIP: REASON" and exit 77, which ctest
#                 reports as Skipped (every such test has SKIP_RETURN_CODE
#                 77).  With VIGIL_REQUIRE_ALL=1, which tests/run-all.sh
#                 sets, print FAIL and exit 1 instead: the test command
#                 installs every prerequisite, so there a skip would hide
#                 a broken harness.
# vg_check_need in tests/unit/vg_check.h does the same for the unit tests.

vg_skip()
{
	if [ "${VIGIL_REQUIRE_ALL:-}" = 1 ]; then
		echo "FAIL: $* (VIGIL_REQUIRE_ALL=1: no test may be skipped)"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}
