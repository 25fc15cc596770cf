/* SPDX-License-Identifier: GPL-2.0-only */
/* test_num - numbers are whole-string, range-checked, never wrapped */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "vg_check.h"
#include "base/num.h"
#include "base/err.h"

enum kind {
	UINT,
	SIZE,
	DUR
};

static const struct {
	enum kind kind;
	const char *in;
	uint64_t min, max;
	int rc;
	uint64_t want;
} cases[] = {
    {UINT, "0", 0, 10, 0, 0},
    {UINT, "10", 0, 10, 0, 10},
    {UINT, "11", 0, 10, VG_EINVAL, 0},
    {UINT, "4", 5, 10, VG_EINVAL, 0},
    {UINT, "", 0, 10, VG_EINVAL, 0},
    {UINT, "-1", 0, 10, VG_EINVAL, 0},
    {UINT, "1x", 0, 10, VG_EINVAL, 0},
    {UINT, " 1", 0, 10, VG_EINVAL, 0},
    {UINT, "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX},
    {UINT, "18446744073709551616", 0, UINT64_MAX, VG_EINVAL, 0},
    {SIZE, "25M", 0, UINT64_MAX, 0, 25u * 1024 * 1024},
    {SIZE, "64k", 0, UINT64_MAX, 0, 64u * 1024},
    {SIZE, "2G", 0, UINT64_MAX, 0, 2ull * 1024 * 1024 * 1024},
    {SIZE, "100", 0, UINT64_MAX, 0, 100},
    {SIZE, "1T", 0, UINT64_MAX, VG_EINVAL, 0},
    {SIZE, "17179869184G", 0, UINT64_MAX, VG_EINVAL, 0},
    {SIZE, "2M", 0, 1024 * 1024, VG_EINVAL, 0},
    {DUR, "30", 0, UINT64_MAX, 0, 30000},
    {DUR, "30s", 0, UINT64_MAX, 0, 30000},
    {DUR, "500ms", 0, UINT64_MAX, 0, 500},
    {DUR, "5m", 0, UINT64_MAX, 0, 300000},
    {DUR, "1h", 0, UINT64_MAX, 0, 3600000},
    {DUR, "1d", 0, UINT64_MAX, 0, 86400000},
    {DUR, "1w", 0, UINT64_MAX, VG_EINVAL, 0},
    {DUR, "50ms", 100, 1000, VG_EINVAL, 0},
};

START_TEST(test_num_numbers)
{
	uint64_t v = 12345;
	const char *why = NULL;
	int rc = 0;

	switch (cases[_i].kind) {
	case UINT:
		rc = vg_num_uint(
		    &v, cases[_i].in, cases[_i].min, cases[_i].max, &why);
		break;
	case SIZE:
		rc = vg_num_size(
		    &v, cases[_i].in, cases[_i].min, cases[_i].max, &why);
		break;
	case DUR:
		rc = vg_num_duration_ms(
		    &v, cases[_i].in, cases[_i].min, cases[_i].max, &why);
		break;
	}
	ck_assert_msg(rc == cases[_i].rc, "\"%s\": got rc %d, want %d",
	    cases[_i].in, rc, cases[_i].rc);
	if (rc == 0)
		ck_assert_msg(v == cases[_i].want,
		    "\"%s\": got %llu, want %llu", cases[_i].in,
		    (unsigned long long)v, (unsigned long long)cases[_i].want);
	else
		ck_assert_msg(v == 12345 && why != NULL,
		    "\"%s\": output touched or no reason", cases[_i].in);
}
END_TEST

START_TEST(test_num_bool)
{
	bool b = false;

	ck_assert_int_eq(vg_num_bool(&b, "YES", NULL), 0);
	ck_assert(b);
	ck_assert_int_eq(vg_num_bool(&b, "off", NULL), 0);
	ck_assert(!b);
	ck_assert_int_eq(vg_num_bool(&b, "maybe", NULL), VG_EINVAL);
	ck_assert_int_eq(vg_num_bool(&b, "", NULL), VG_EINVAL);
}
END_TEST

START_TEST(test_num_double)
{
	double d = 0;

	ck_assert_int_eq(vg_num_double(&d, "-1.5", -100, 100, NULL), 0);
	ck_assert(d == -1.5);
	ck_assert_int_eq(vg_num_double(&d, "3", -100, 100, NULL), 0);
	ck_assert(d == 3.0);
	ck_assert_int_eq(vg_num_double(&d, "1e3", -1e9, 1e9, NULL), VG_EINVAL);
	ck_assert_int_eq(vg_num_double(&d, "nan", -1e9, 1e9, NULL), VG_EINVAL);
	ck_assert_int_eq(vg_num_double(&d, "0x10", -1e9, 1e9, NULL), VG_EINVAL);
	ck_assert_int_eq(vg_num_double(&d, "101", -100, 100, NULL), VG_EINVAL);
	ck_assert_int_eq(vg_num_double(&d, "-", -100, 100, NULL), VG_EINVAL);
}
END_TEST

static Suite *
num_suite(void)
{
	Suite *s = suite_create("num");
	TCase *tc = tcase_create("num");

	tcase_add_loop_test(
	    tc, test_num_numbers, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_num_bool);
	tcase_add_test(tc, test_num_double);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(num_suite)
