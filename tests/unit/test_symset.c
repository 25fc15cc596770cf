/* SPDX-License-Identifier: GPL-2.0-only */
/* test_symset - the symbols that hit: copies, lookup, the limit */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "vg_check.h"
#include "rules/symset.h"

/* Names and details are copied; has() finds a name, not a prefix. */
START_TEST(test_symset_add_has)
{
	struct vg_symset set;
	char name[] = "RULE_A";

	vg_symset_init(&set);
	ck_assert(!vg_symset_has(&set, "RULE_A"));
	ck_assert_int_eq(vg_symset_add(&set, name, 1.5, "why"), 0);
	ck_assert_int_eq(vg_symset_add(&set, "RULE_B", -2.0, NULL), 0);
	name[0] = 'X';
	ck_assert_uint_eq(set.n, 2);
	ck_assert_str_eq(set.sym[0].name, "RULE_A");
	ck_assert_str_eq(set.sym[0].detail, "why");
	ck_assert_ptr_null(set.sym[1].detail);
	ck_assert(set.sym[1].score == -2.0);
	ck_assert(vg_symset_has(&set, "RULE_A"));
	ck_assert(vg_symset_has(&set, "RULE_B"));
	ck_assert(!vg_symset_has(&set, "RULE"));
	vg_symset_fini(&set);
	ck_assert_uint_eq(set.n, 0);
	ck_assert_ptr_null(set.sym);
	/* fini leaves an empty set that may be used again. */
	ck_assert_int_eq(vg_symset_add(&set, "RULE_C", 1.0, NULL), 0);
	vg_symset_fini(&set);
}
END_TEST

/* Past VG_SYMSET_MAX a hit is counted in dropped, not stored. */
START_TEST(test_symset_limit)
{
	struct vg_symset set;
	char name[32];
	size_t i;

	memset(&set, 0, sizeof(set));
	for (i = 0; i < VG_SYMSET_MAX + 3; i++) {
		snprintf(name, sizeof(name), "R%zu", i);
		ck_assert_int_eq(vg_symset_add(&set, name, 1.0, NULL), 0);
	}
	ck_assert_uint_eq(set.n, VG_SYMSET_MAX);
	ck_assert_uint_eq(set.dropped, 3);
	ck_assert(vg_symset_has(&set, "R0"));
	ck_assert(!vg_symset_has(&set, "R1024"));
	vg_symset_fini(&set);
}
END_TEST

/* symset_suite - one TCase per behaviour */
static Suite *
symset_suite(void)
{
	Suite *s = suite_create("symset");
	TCase *tc;

	tc = tcase_create("add");
	tcase_add_test(tc, test_symset_add_has);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_symset_limit);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(symset_suite)
