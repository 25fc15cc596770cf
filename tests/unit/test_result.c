/* SPDX-License-Identifier: GPL-2.0-only */
/* test_result - one stage's findings: the symbol cap and the text caps */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "vg_check.h"
#include "result.h"

/*
 * Past VG_RESULT_MAX_SYMBOLS a hit is counted in dropped_symbols and not
 * stored: it adds nothing to the score and is not listed.
 */
START_TEST(test_result_symbols_limit)
{
	struct vg_result res;
	char name[32];
	double sum = 0;
	size_t i;

	vg_result_init(&res, "score");
	for (i = 0; i < VG_RESULT_MAX_SYMBOLS + 6; i++) {
		snprintf(name, sizeof(name), "S%zu", i);
		ck_assert_int_eq(vg_result_add(&res, name, 1.0, NULL), 0);
	}
	ck_assert_uint_eq(res.nsymbols, VG_RESULT_MAX_SYMBOLS);
	ck_assert_uint_eq(res.dropped_symbols, 6);
	for (i = 0; i < res.nsymbols; i++)
		sum += res.symbols[i].score;
	ck_assert_msg(sum == (double)VG_RESULT_MAX_SYMBOLS,
	    "got sum %f, want %d", sum, VG_RESULT_MAX_SYMBOLS);
	snprintf(name, sizeof(name), "S%d", VG_RESULT_MAX_SYMBOLS - 1);
	ck_assert(vg_result_has(&res, name));
	snprintf(name, sizeof(name), "S%d", VG_RESULT_MAX_SYMBOLS);
	ck_assert(!vg_result_has(&res, name));
	vg_result_fini(&res);
}
END_TEST

/* result_suite - one TCase per behaviour */
static Suite *
result_suite(void)
{
	Suite *s = suite_create("result");
	TCase *tc;

	tc = tcase_create("limits");
	tcase_add_test(tc, test_result_symbols_limit);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(result_suite)
