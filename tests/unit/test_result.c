/* SPDX-License-Identifier: GPL-2.0-only */
/* test_result - one stage's findings: the symbol cap and the text caps */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "vg_check.h"
#include "base/err.h"
#include "core/result.h"

/*
 * Past VG_RESULT_MAX_SYMBOLS a hit is counted in syms.dropped and not
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
	ck_assert_uint_eq(res.syms.n, VG_RESULT_MAX_SYMBOLS);
	ck_assert_uint_eq(res.syms.dropped, 6);
	for (i = 0; i < res.syms.n; i++)
		sum += res.syms.sym[i].score;
	ck_assert_msg(sum == (double)VG_RESULT_MAX_SYMBOLS,
	    "got sum %f, want %d", sum, VG_RESULT_MAX_SYMBOLS);
	snprintf(name, sizeof(name), "S%d", VG_RESULT_MAX_SYMBOLS - 1);
	ck_assert(vg_result_has(&res, name));
	snprintf(name, sizeof(name), "S%d", VG_RESULT_MAX_SYMBOLS);
	ck_assert(!vg_result_has(&res, name));
	vg_result_fini(&res);
}
END_TEST

/*
 * A stage's error text and a forced reply are cut at VG_REASON_MAX - 1
 * bytes; the reply keeps its code.
 */
START_TEST(test_result_reason_limit)
{
	struct vg_result res;
	char longtext[2 * VG_REASON_MAX];

	memset(longtext, 'r', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	vg_result_init(&res, "score");
	vg_result_fail(&res, 0, "%s", longtext);
	ck_assert_int_ne(res.status, 0);
	ck_assert_uint_eq(strlen(res.error), VG_REASON_MAX - 1);
	ck_assert(strncmp(res.error, longtext, VG_REASON_MAX - 1) == 0);
	vg_result_force(
	    &res, VG_ACTION_REJECT, "550", "5.7.1", "TEST", "%s", longtext);
	ck_assert(res.forced.set);
	ck_assert_str_eq(res.forced.code, "550");
	ck_assert_str_eq(res.forced.xcode, "5.7.1");
	ck_assert_uint_eq(strlen(res.forced.text), VG_REASON_MAX - 1);
	vg_result_fini(&res);
}
END_TEST

/* Authentication results: copied, cut to fit, at most VG_RESULT_MAX_AUTH. */
START_TEST(test_result_auth_limit)
{
	char longdom[VG_AUTH_VALUE_MAX * 2];
	struct vg_result res;

	memset(longdom, 'a', sizeof(longdom) - 1);
	longdom[sizeof(longdom) - 1] = '\0';
	vg_result_init(&res, "score");
	for (size_t i = 0; i < VG_RESULT_MAX_AUTH; i++)
		ck_assert_int_eq(vg_result_add_auth(&res, VG_AUTH_SPF,
		                     "SPF_PASS", "pass", "mailfrom", longdom),
		    0);
	ck_assert_int_eq(vg_result_add_auth(&res, VG_AUTH_SPF, "SPF_PASS",
	                     "pass", "mailfrom", "x.example"),
	    VG_ELIMIT);
	ck_assert_uint_eq(res.nauth, VG_RESULT_MAX_AUTH);
	ck_assert_uint_eq(strlen(res.auth[0].value), VG_AUTH_VALUE_MAX - 1);
	ck_assert_str_eq(res.auth[0].result, "pass");
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
	tcase_add_test(tc, test_result_reason_limit);
	tcase_add_test(tc, test_result_auth_limit);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(result_suite)
