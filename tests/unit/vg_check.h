/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vg_check - the main() every unit test executable shares.
 *
 * PURPOSE  Each test file defines a function returning its Suite and ends
 *	    with VG_CHECK_MAIN(that_function).  Check runs every test in a
 *	    forked child (so a crash fails one test, not the run) and prints
 *	    its "100%: Checks: N, Failures: 0, Errors: 0" summary.
 */
#ifndef VG_TEST_CHECK_MAIN_H
#define VG_TEST_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

#define VG_CHECK_MAIN(suite_fn)                                                \
	int main(void)                                                         \
	{                                                                      \
		SRunner *sr = srunner_create(suite_fn());                      \
		int failed;                                                    \
                                                                               \
		srunner_run_all(sr, CK_NORMAL);                                \
		failed = srunner_ntests_failed(sr);                            \
		srunner_free(sr);                                              \
		return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;              \
	}

#endif /* VG_TEST_CHECK_MAIN_H */
