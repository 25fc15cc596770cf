/* SPDX-License-Identifier: GPL-2.0-only */
/* test_buf - the capped buffer stops at its maximum and fails cleanly */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"

START_TEST(test_buf_append_and_cstr)
{
	struct vg_buf b;

	vg_buf_init(&b, 100);
	ck_assert_str_eq(vg_buf_cstr(&b), "");
	ck_assert_int_eq(vg_buf_append(&b, "abc", 3), 0);
	ck_assert_int_eq(vg_buf_printf(&b, "-%d-", 42), 0);
	ck_assert_str_eq(vg_buf_cstr(&b), "abc-42-");
	ck_assert_uint_eq(b.len, 7);
	vg_buf_reset(&b);
	ck_assert_str_eq(vg_buf_cstr(&b), "");
	vg_buf_fini(&b);
}
END_TEST

/* The limit is exact: max bytes fit, max + 1 do not, and nothing changes. */
START_TEST(test_buf_limit_exact)
{
	struct vg_buf b;
	char big[64];

	memset(big, 'x', sizeof(big));
	vg_buf_init(&b, 10);
	ck_assert_int_eq(vg_buf_append(&b, big, 10), 0);
	ck_assert_int_eq(vg_buf_append(&b, big, 1), VG_ELIMIT);
	ck_assert_uint_eq(b.len, 10);
	vg_buf_reset(&b);
	ck_assert_int_eq(vg_buf_append(&b, big, 11), VG_ELIMIT);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(vg_buf_printf(&b, "%s", "01234567890"), VG_ELIMIT);
	ck_assert_uint_eq(b.len, 0);
	/* A size that would overflow len + extra is a limit, not a wrap. */
	ck_assert_int_eq(vg_buf_append(&b, big, (size_t)-1), VG_ELIMIT);
	vg_buf_fini(&b);
}
END_TEST

START_TEST(test_buf_grows_large)
{
	struct vg_buf b;
	char chunk[1000];
	char *s;

	memset(chunk, 'y', sizeof(chunk));
	vg_buf_init(&b, 1000000);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(vg_buf_append(&b, chunk, sizeof(chunk)), 0);
	ck_assert_uint_eq(b.len, 1000000);
	ck_assert_int_eq(vg_buf_append(&b, "z", 1), VG_ELIMIT);
	s = vg_buf_steal(&b);
	ck_assert_uint_eq(strlen(s), 1000000);
	ck_assert_uint_eq(b.len, 0);
	vg_free(s);
	vg_buf_fini(&b);
}
END_TEST

/* Allocation failure leaves the buffer as it was. */
START_TEST(test_buf_enomem)
{
	struct vg_buf b;

	vg_buf_init(&b, 1000);
	ck_assert_int_eq(vg_buf_append(&b, "keep", 4), 0);
	vg_alloc_fail_at(1);
	ck_assert_int_eq(vg_buf_printf(&b, "%0200d", 1), VG_ENOMEM);
	vg_alloc_fail_at(0);
	ck_assert_str_eq(vg_buf_cstr(&b), "keep");
	vg_buf_fini(&b);
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, test_buf_append_and_cstr);
	tcase_add_test(tc, test_buf_limit_exact);
	tcase_add_test(tc, test_buf_grows_large);
	tcase_add_test(tc, test_buf_enomem);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(buf_suite)
