/* SPDX-License-Identifier: GPL-2.0-only */
/* test_err - the "file:line: reason" collector and its text cap */
#include <check.h>
#include <string.h>

#include "vg_check.h"
#include "base/err.h"

/*
 * Past VG_ERR_TEXT_MAX bytes of text, further errors are counted but not
 * shown, and the text ends with one line saying so.
 */
START_TEST(test_err_text_limit)
{
	static const char more[] = "(further errors not shown)\n";
	struct vg_err err;
	const char *text;
	size_t len;
	unsigned i;

	vg_err_init(&err);
	for (i = 1; i <= 500; i++)
		vg_err_add(&err, "t.conf", i, "error number %u", i);
	text = vg_err_text(&err);
	len = strlen(text);
	ck_assert_uint_eq(err.count, 500);
	ck_assert_uint_lt(len, VG_ERR_TEXT_MAX);
	ck_assert(strncmp(text, "t.conf:1: error number 1\n", 25) == 0);
	ck_assert_ptr_null(strstr(text, "error number 500\n"));
	ck_assert_uint_ge(len, sizeof(more) - 1);
	ck_assert_str_eq(text + len - (sizeof(more) - 1), more);
	/* The note comes once. */
	ck_assert_ptr_eq(strstr(text, more), text + len - (sizeof(more) - 1));
}
END_TEST

/* One reason is cut, and CR, LF and control bytes in it are replaced. */
START_TEST(test_err_reason_cut)
{
	static char longtext[4096];
	struct vg_err err;

	memset(longtext, 'r', sizeof(longtext) - 1);
	vg_err_init(&err);
	vg_err_add(&err, "t.conf", 2, "bad value '%s'", longtext);
	ck_assert_uint_eq(err.count, 1);
	ck_assert_uint_lt(strlen(vg_err_text(&err)), 1536);
	ck_assert(
	    strncmp(vg_err_text(&err), "t.conf:2: bad value 'rrr", 24) == 0);
	vg_err_init(&err);
	vg_err_add(&err, NULL, 0, "two\r\nlines");
	ck_assert_ptr_null(strchr(vg_err_text(&err), '\r'));
	ck_assert_str_eq(strchr(vg_err_text(&err), '\n'),
	    "\n"); /* only the line's own end */
}
END_TEST

/* err_suite - one TCase per behaviour */
static Suite *
err_suite(void)
{
	Suite *s = suite_create("err");
	TCase *tc;

	tc = tcase_create("limits");
	tcase_add_test(tc, test_err_text_limit);
	tcase_add_test(tc, test_err_reason_cut);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(err_suite)
