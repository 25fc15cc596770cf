/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vg_check - the main() every unit test executable shares.
 *
 * PURPOSE  Each test file defines a function returning its Suite and ends
 *	    with VG_CHECK_MAIN(that_function).  Check runs every test in a
 *	    forked child (so a crash fails one test, not the run) and prints
 *	    its "100%: Checks: N, Failures: 0, Errors: 0" summary.  An
 *	    executable whose prerequisite is missing skips as a whole
 *	    (vg_check_prereqs).
 */
#ifndef VG_TEST_CHECK_MAIN_H
#define VG_TEST_CHECK_MAIN_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * vg_check_need - exit 77 (ctest's SKIP_RETURN_CODE: Skipped) unless
 * access(path, mode) succeeds for path, which the tests need; under
 * VIGIL_REQUIRE_ALL=1 (tests/run-all.sh) fail instead, as
 * tests/tools/skip.sh does.
 */
static inline void
vg_check_need(const char *path, int mode, const char *what)
{
	const char *all = getenv("VIGIL_REQUIRE_ALL");

	if (access(path, mode) == 0)
		return;
	if (all != NULL && strcmp(all, "1") == 0) {
		printf("FAIL: needs %s: %s is missing "
		       "(VIGIL_REQUIRE_ALL=1: no test may be skipped)\n",
		    what, path);
		exit(EXIT_FAILURE);
	}
	printf("SKIP: needs %s: %s is missing\n", what, path);
	exit(77);
}

/*
 * vg_check_prereqs - what tests/unit/CMakeLists.txt says this executable
 * needs (vg_unit_test NEEDS corpus|dns|redis), checked before any test runs.
 */
static inline void
vg_check_prereqs(void)
{
#ifdef VG_TEST_NEEDS_CORPUS
	vg_check_need(VG_TEST_NEEDS_CORPUS, F_OK,
	    "the test corpus (../shared beside the source tree)");
#endif
#ifdef VG_TEST_NEEDS_DNS
	vg_check_need("/usr/sbin/dnsmasq", X_OK,
	    "the test DNS server (apt-get install dnsmasq)");
#endif
#ifdef VG_TEST_NEEDS_REDIS
	vg_check_need("/usr/bin/redis-server", X_OK,
	    "the test Redis server (apt-get install redis-server)");
#endif
}

#define VG_CHECK_MAIN(suite_fn)                                                \
	int main(void)                                                         \
	{                                                                      \
		SRunner *sr;                                                   \
		int failed;                                                    \
                                                                               \
		vg_check_prereqs();                                            \
		sr = srunner_create(suite_fn());                               \
		srunner_run_all(sr, CK_NORMAL);                                \
		failed = srunner_ntests_failed(sr);                            \
		srunner_free(sr);                                              \
		return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;              \
	}

#endif /* VG_TEST_CHECK_MAIN_H */
