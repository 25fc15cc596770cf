/* SPDX-License-Identifier: GPL-2.0-only */
/* test_hdr - unfolding, RFC 2047, charsets and address parts */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vg_check.h"
#include "vg_guard.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "message/hdr.h"
#include "message/mime.h"

static const struct {
	const char *in, *want;
} decode_cases[] = {
    {"plain text", "plain text"},
    {"  folded\r\n\tline  ", "folded\tline"},
    {"=?UTF-8?B?SGVsbG8gV29ybGQ=?=", "Hello World"},
    {"=?iso-8859-1?Q?caf=E9_cr=E8me?=", "caf\xc3\xa9 cr\xc3\xa8me"},
    {"=?utf-8?q?a?= =?utf-8?q?b?=", "ab"},
    {"=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab"},
    /* U+20AC split across two words survives. */
    {"=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?=", "\xe2\x82\xac"},
    {"x =?UTF-8?Q?a?= y", "x a y"},
    {"=?UTF-8*en?Q?hi?=", "hi"},
    {"=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=",
        "\xe3\x83\x86\xe3\x82\xb9\xe3"
        "\x83\x88"},
    {"=?koi8-r?B?8NLJ18XU?=",
        "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5"
        "\xd1\x82"},
    {"=?ks_c_5601-1987?B?saSw7Q==?=", "\xea\xb4\x91\xea\xb3\xa0"},
    {"=?gb2312?B?1tDOxA==?=", "\xe4\xb8\xad\xe6\x96\x87"},
    {"=?big5?B?pKSk5Q==?=", "\xe4\xb8\xad\xe6\x96\x87"},
    /* Different charsets next to each other are converted apart. */
    {"=?iso-8859-1?Q?=E9?= =?koi8-r?B?8NLJ18XU?=",
        "\xc3\xa9\xd0\x9f\xd1"
        "\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"},
    /* Malformed words are kept byte for byte. */
    {"=?UTF-8?X?abc?=", "=?UTF-8?X?abc?="},
    {"=?UTF-8?Q?abc", "=?UTF-8?Q?abc"},
    {"=?UTF-8?B?!!!?=", "=?UTF-8?B?!!!?="},
    {"=??Q?abc?=", "=??Q?abc?="},
    {"=?utf-8?q?a=zz?=", "a=zz"},
    {"a =?utf-8?q?with space?= b", "a =?utf-8?q?with space?= b"},
    /* Unknown or lying charsets fall back: UTF-8 if valid, else 1252. */
    {"=?x-bogus?Q?caf=E9?=", "caf\xc3\xa9"},
    {"=?x-bogus?Q?caf=C3=A9?=", "caf\xc3\xa9"},
    {"=?unknown-8bit?Q?=80?=", "\xe2\x82\xac"},
    {"=?utf-8?Q?bad=FFbyte?=",
        "bad\xef\xbf\xbd"
        "byte"},
    {"=?us-ascii?Q?caf=E9?=", "caf\xc3\xa9"},
    /*
     * A label of 64 bytes or more is unknown, whatever it says: 63 bytes
     * still read as ISO-8859-5 (as iconv takes it), 64 fall back.
     */
    {"=?iso-8859-5-"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx?Q?caf=E9?=",
        "caf\xd1\x89"},
    {"=?iso-8859-5-"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx?Q?caf=E9?=",
        "caf\xc3\xa9"},
    /* Raw 8-bit header text. */
    {"caf\xe9", "caf\xc3\xa9"},
    {"caf\xc3\xa9", "caf\xc3\xa9"},
    {"", ""},
    {"   ", ""},
};

/* Each decode case, read from against a guard page. */
START_TEST(test_hdr_decode_table)
{
	struct vg_guarded g;
	struct vg_buf b;
	const char *in = decode_cases[_i].in;

	vg_guard(&g, in, strlen(in));
	vg_buf_init(&b, 4096);
	ck_assert_int_eq(vg_hdr_decode(&b, g.p, strlen(in)), 0);
	ck_assert_msg(strcmp(vg_buf_cstr(&b), decode_cases[_i].want) == 0,
	    "case %d: got \"%s\", want \"%s\"", _i, vg_buf_cstr(&b),
	    decode_cases[_i].want);
	vg_buf_fini(&b);
	vg_unguard(&g);
}
END_TEST

START_TEST(test_hdr_unfold)
{
	struct vg_buf b;
	const char *in = " =?utf-8?q?x?=\r\n\tnext\n line \r\n";
	struct vg_guarded g;

	vg_guard(&g, in, strlen(in));
	vg_buf_init(&b, 100);
	ck_assert_int_eq(vg_hdr_unfold(&b, g.p, strlen(in)), 0);
	ck_assert_str_eq(vg_buf_cstr(&b), "=?utf-8?q?x?=\tnext line");
	vg_buf_fini(&b);
	vg_unguard(&g);
}
END_TEST

/* Raw 8-bit text in the message's charset (a Korean Subject). */
START_TEST(test_hdr_decode_fallback_charset)
{
	struct vg_buf b;

	vg_buf_init(&b, 100);
	ck_assert_int_eq(
	    vg_hdr_decode_cs(&b, "\xb1\xa4\xb0\xed", 4, "ks_c_5601-1987"), 0);
	ck_assert_str_eq(vg_buf_cstr(&b), "\xea\xb4\x91\xea\xb3\xa0");
	vg_buf_reset(&b);
	/* Valid UTF-8 wins over the fallback. */
	ck_assert_int_eq(vg_hdr_decode_cs(&b, "caf\xc3\xa9", 5, "koi8-r"), 0);
	ck_assert_str_eq(vg_buf_cstr(&b), "caf\xc3\xa9");
	vg_buf_reset(&b);
	ck_assert_int_eq(vg_hdr_decode_cs(&b, "\xf0\xd2", 2, "koi8-r"), 0);
	ck_assert_str_eq(vg_buf_cstr(&b), "\xd0\x9f\xd1\x80");
	vg_buf_fini(&b);
}
END_TEST

static const struct {
	const char *charset, *in, *want;
} conv_cases[] = {
    {NULL, "caf\xe9", "caf\xc3\xa9"},
    {"", "caf\xc3\xa9", "caf\xc3\xa9"},
    {"default", "\x93quoted\x94", "\xe2\x80\x9cquoted\xe2\x80\x9d"},
    {"UTF-8", "a\xffz", "a\xef\xbf\xbdz"},
    {"utf-8", "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd"},
    {"ISO-8859-1", "\xe9", "\xc3\xa9"},
    {"\"iso-8859-2\"", "\xb1", "\xc4\x85"},
    {"windows-1251", "\xcf\xf0", "\xd0\x9f\xd1\x80"},
    {"x-no-such-charset", "\xe9", "\xc3\xa9"},
    /* Invalid bytes in a multi-byte charset become U+FFFD. */
    {"euc-jp", "a\xff\xffz", "a\xef\xbf\xbd\xef\xbf\xbdz"},
    {"iso-2022-jp", "\x1b$B%F%9%H\x1b(B",
        "\xe3\x83\x86\xe3\x82\xb9\xe3"
        "\x83\x88"},
};

START_TEST(test_hdr_to_utf8_table)
{
	struct vg_buf b;

	vg_buf_init(&b, 100);
	ck_assert_int_eq(vg_hdr_to_utf8(&b, conv_cases[_i].charset,
	                     conv_cases[_i].in, strlen(conv_cases[_i].in)),
	    0);
	ck_assert_msg(strcmp(vg_buf_cstr(&b), conv_cases[_i].want) == 0,
	    "case %d: got \"%s\", want \"%s\"", _i, vg_buf_cstr(&b),
	    conv_cases[_i].want);
	ck_assert(vg_hdr_utf8_valid(b.data, b.len));
	vg_buf_fini(&b);
}
END_TEST

static const struct {
	const char *in;
	size_t nth;
	const char *addr, *name; /* NULL: no such mailbox */
} addr_cases[] = {
    {"\"Foo Bar\" <foo@example.com>", 0, "foo@example.com", "Foo Bar"},
    {"foo@example.com (Foo Bar)", 0, "foo@example.com", "Foo Bar"},
    {"Foo  Bar <foo@example.com>", 0, "foo@example.com", "Foo Bar"},
    {"foo@example.com", 0, "foo@example.com", ""},
    {"Foo <a@b.example>, c@d.example", 1, "c@d.example", ""},
    {"Foo <a@b.example>, c@d.example", 2, NULL, NULL},
    {"undisclosed-recipients:;", 0, NULL, NULL},
    {"Group: a@b.example, c@d.example;", 1, "c@d.example", ""},
    {"<@route.example,@r2.example:x@y.example>", 0, "x@y.example", ""},
    {"\"Last, First\" <q@r.example>", 0, "q@r.example", "Last, First"},
    {"\"Last, First\" <q@r.example>", 1, NULL, NULL},
    {"\"a \\\"quoted\\\" name\" <s@t.example>", 0, "s@t.example",
        "a \"quoted\" name"},
    {"<unterminated@example.com", 0, "unterminated@example.com", ""},
    {"", 0, NULL, NULL},
    {",,,", 0, NULL, NULL},
};

/* Header:addr and Header:name parts, read against a guard page. */
START_TEST(test_hdr_addr_name_table)
{
	struct vg_guarded g;
	struct vg_buf b;
	const char *in = addr_cases[_i].in;
	bool found;

	vg_guard(&g, in, strlen(in));
	vg_buf_init(&b, 1000);
	ck_assert_int_eq(
	    vg_hdr_addr(&b, g.p, strlen(in), addr_cases[_i].nth, &found), 0);
	ck_assert_msg(found == (addr_cases[_i].addr != NULL),
	    "case %d: got found=%d", _i, found);
	if (found)
		ck_assert_msg(strcmp(vg_buf_cstr(&b), addr_cases[_i].addr) == 0,
		    "case %d: got addr \"%s\", want \"%s\"", _i,
		    vg_buf_cstr(&b), addr_cases[_i].addr);
	vg_buf_reset(&b);
	ck_assert_int_eq(
	    vg_hdr_name(&b, g.p, strlen(in), addr_cases[_i].nth, &found), 0);
	if (found)
		ck_assert_msg(strcmp(vg_buf_cstr(&b), addr_cases[_i].name) == 0,
		    "case %d: got name \"%s\", want \"%s\"", _i,
		    vg_buf_cstr(&b), addr_cases[_i].name);
	vg_buf_fini(&b);
	vg_unguard(&g);
}
END_TEST

START_TEST(test_hdr_addr_count)
{
	const char *v = "a@b.example, \"x, y\" <c@d.example>; g: e@f.example;";

	ck_assert_uint_eq(vg_hdr_addr_count(v, strlen(v)), 3);
	ck_assert_uint_eq(vg_hdr_addr_count("", 0), 0);
}
END_TEST

START_TEST(test_hdr_param)
{
	char cs[16];
	const char *ct = "text/plain; format=flowed; CHARSET=\"KOI8-R\"";

	ck_assert(vg_hdr_param(cs, sizeof(cs), ct, strlen(ct), "charset"));
	ck_assert_str_eq(cs, "KOI8-R");
	ct = "text/html; charset=euc-kr ; x=y";
	ck_assert(vg_hdr_param(cs, sizeof(cs), ct, strlen(ct), "charset"));
	ck_assert_str_eq(cs, "euc-kr");
	ct = "text/plain; name=\"charset=no\"";
	ck_assert(!vg_hdr_param(cs, sizeof(cs), ct, strlen(ct), "charset"));
	/* A long value is cut to the destination. */
	ct = "a/b; charset=0123456789abcdefghij";
	ck_assert(vg_hdr_param(cs, sizeof(cs), ct, strlen(ct), "charset"));
	ck_assert_str_eq(cs, "0123456789abcde");
}
END_TEST

/* The output limit cuts on a character boundary and says so. */
START_TEST(test_hdr_limit_cuts_on_character)
{
	struct vg_buf b;
	const char *in = "=?utf-8?b?w6nDqcOp?="; /* three U+00E9 */

	vg_buf_init(&b, 5);
	ck_assert_int_eq(vg_hdr_decode(&b, in, strlen(in)), VG_ELIMIT);
	ck_assert_str_eq(vg_buf_cstr(&b), "\xc3\xa9\xc3\xa9");
	vg_buf_fini(&b);
	vg_buf_init(&b, 3);
	ck_assert_int_eq(
	    vg_hdr_to_utf8(&b, "iso-8859-1", "\xe9\xe9", 2), VG_ELIMIT);
	ck_assert_str_eq(vg_buf_cstr(&b), "\xc3\xa9");
	vg_buf_fini(&b);
	vg_buf_init(&b, 4);
	ck_assert_int_eq(
	    vg_hdr_addr(&b, "<abcdefgh@x>", 12, 0, NULL), VG_ELIMIT);
	ck_assert_str_eq(vg_buf_cstr(&b), "abcd");
	vg_buf_fini(&b);
}
END_TEST

/* Every allocation failure gives VG_ENOMEM and leaks nothing (ASan). */
START_TEST(test_hdr_alloc_failure)
{
	const char *in = "=?utf-8?q?a?= =?utf-8?b?" /* a long word */
	                 "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
	                 "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
	                 "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
	                 "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
	                 "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
	                 "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
	                 "?= tail";
	struct vg_buf b;
	unsigned long n;
	int rc;

	for (n = 1;; n++) {
		vg_buf_init(&b, 4096);
		vg_alloc_fail_at(n);
		rc = vg_hdr_decode(&b, in, strlen(in));
		vg_alloc_fail_at(0);
		vg_buf_fini(&b);
		if (rc == 0)
			break;
		ck_assert_msg(rc == VG_ENOMEM, "fail at %lu: got %d, want %d",
		    n, rc, VG_ENOMEM);
		ck_assert_uint_lt(n, 100);
	}
	ck_assert_uint_gt(n, 1);
}
END_TEST

/* hdr_suite - the suite */
static Suite *
hdr_suite(void)
{
	Suite *s = suite_create("hdr");
	TCase *tc;

	/*
	 * The charset conversions need GMime initialised; mime.c's
	 * initialiser does that and no more (vg_text_global_init() adds
	 * libxml2, which no hdr function uses).
	 */
	if (vg_mime_global_init() != 0)
		abort();
	tc = tcase_create("decode");
	tcase_add_loop_test(
	    tc, test_hdr_decode_table, 0, (int)VG_NELEM(decode_cases));
	tcase_add_test(tc, test_hdr_unfold);
	tcase_add_test(tc, test_hdr_decode_fallback_charset);
	suite_add_tcase(s, tc);
	tc = tcase_create("charset");
	tcase_add_loop_test(
	    tc, test_hdr_to_utf8_table, 0, (int)VG_NELEM(conv_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("address");
	tcase_add_loop_test(
	    tc, test_hdr_addr_name_table, 0, (int)VG_NELEM(addr_cases));
	tcase_add_test(tc, test_hdr_addr_count);
	tcase_add_test(tc, test_hdr_param);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_hdr_limit_cuts_on_character);
	tcase_add_test(tc, test_hdr_alloc_failure);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(hdr_suite)
