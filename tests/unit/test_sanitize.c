/* SPDX-License-Identifier: GPL-2.0-only */
/* test_sanitize - CR, LF, NUL, controls and bad UTF-8 never pass */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "base/sanitize.h"

static const struct {
	const char *in;
	size_t len; /* 0 = strlen */
	unsigned flags;
	const char *want;
} cases[] = {
    {"plain text", 0, 0, "plain text"},
    {"a\r\nX-Virus-Status: Clean", 0, 0, "a  X-Virus-Status: Clean"},
    {"tab\there", 0, 0, "tab here"},
    {"nul\0byte", 8, 0, "nul?byte"},
    {"bell\a esc\x1b del\x7f", 0, 0, "bell? esc? del?"},
    {"caf\xc3\xa9", 0, 0, "caf\xc3\xa9"},
    {"caf\xc3\xa9", 0, VG_SANITIZE_ASCII, "caf?"},
    {"bad \xc3 end", 0, 0, "bad ? end"},
    {"overlong \xc0\xaf", 0, 0, "overlong ??"},
    {"surrogate \xed\xa0\x80", 0, 0, "surrogate ???"},
    {"too big \xf4\x90\x80\x80", 0, 0, "too big ????"},
    {"emoji \xf0\x9f\x98\x80", 0, 0, "emoji \xf0\x9f\x98\x80"},
    {"truncated \xe2\x82", 0, 0, "truncated ??"},
    {"", 0, 0, ""},
};

START_TEST(test_sanitize_table)
{
	char out[128];
	size_t len = cases[_i].len ? cases[_i].len : strlen(cases[_i].in);
	size_t n =
	    vg_sanitize(out, sizeof(out), cases[_i].in, len, cases[_i].flags);

	ck_assert_msg(strcmp(out, cases[_i].want) == 0,
	    "case %d: got \"%s\", want \"%s\"", _i, out, cases[_i].want);
	ck_assert_uint_eq(n, strlen(out));
}
END_TEST

/* Output is cut on a character boundary and always terminated. */
START_TEST(test_sanitize_truncates_whole_characters)
{
	char out[6];
	size_t n;

	n = vg_sanitize_str(out, sizeof(out), "ab\xc3\xa9\xc3\xa9", 0);
	ck_assert_str_eq(out, "ab\xc3\xa9");
	ck_assert_uint_eq(n, 4);
	n = vg_sanitize_str(out, 1, "abc", 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(out, "");
	n = vg_sanitize_str(out, sizeof(out), NULL, 0);
	ck_assert_str_eq(out, "");
}
END_TEST

/* Every byte value: no CR, LF or control byte ever comes out. */
START_TEST(test_sanitize_all_bytes)
{
	unsigned char in[256];
	char out[1024];

	for (int i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	vg_sanitize(out, sizeof(out), in, sizeof(in), 0);
	for (const char *p = out; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		ck_assert_msg(
		    c >= 0x20 && c != 0x7f, "control byte 0x%02x in output", c);
	}
}
END_TEST

static Suite *
sanitize_suite(void)
{
	Suite *s = suite_create("sanitize");
	TCase *tc = tcase_create("rules");

	tcase_add_loop_test(tc, test_sanitize_table, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_sanitize_truncates_whole_characters);
	tcase_add_test(tc, test_sanitize_all_bytes);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(sanitize_suite)
