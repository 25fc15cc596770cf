/* SPDX-License-Identifier: GPL-2.0-only */
/* test_reply - every reply is well formed, and its places fill in order */
#include <check.h>
#include <string.h>

#include "vg_check.h"
#include "core/reply.h"

/* test_reply_table - codes, enhanced codes and "%s" places, row by row */
START_TEST(test_reply_table)
{
	const struct vg_reply *r = vg_reply((enum vg_reply_id)_i);
	unsigned places = 0;
	const char *p;

	ck_assert_ptr_nonnull(r->text);
	ck_assert_msg(strlen(r->code) == 3 &&
	        (r->code[0] == '4' || r->code[0] == '5') &&
	        strspn(r->code, "0123456789") == 3,
	    "reply %d: got code %s, want 4xx or 5xx", _i, r->code);
	/* RFC 3463: the class of the enhanced code is the reply's. */
	ck_assert_msg(r->xcode[0] == r->code[0] && r->xcode[1] == '.',
	    "reply %d: got %s %s, want the same class", _i, r->code, r->xcode);
	ck_assert_msg(r->text[0] != '\0' && strpbrk(r->text, "\r\n") == NULL,
	    "reply %d: got an empty or multi-line text", _i);
	for (p = r->text; (p = strchr(p, '%')) != NULL; p += 2) {
		ck_assert_msg(p[1] == 's',
		    "reply %d: got %%%c in \"%s\", want %%s", _i, p[1],
		    r->text);
		places++;
	}
	ck_assert_msg(places == r->nargs, "reply %d: got %u places, want %u",
	    _i, places, r->nargs);
}
END_TEST

/* test_reply_one_wording - no two replies say the same thing */
START_TEST(test_reply_one_wording)
{
	for (int i = 0; i < VG_REPLY_NREPLIES; i++)
		for (int j = i + 1; j < VG_REPLY_NREPLIES; j++)
			ck_assert_msg(
			    strcmp(vg_reply((enum vg_reply_id)i)->text,
			        vg_reply((enum vg_reply_id)j)->text) != 0,
			    "replies %d and %d: the same text", i, j);
}
END_TEST

/* test_reply_text - places fill in order; NULL is ""; the buffer cuts */
START_TEST(test_reply_text)
{
	char buf[64], small[12];

	ck_assert_uint_eq(vg_reply_text(buf, sizeof(buf), VG_REPLY_VIRUS,
	                      "Eicar-Test-Signature", NULL),
	    strlen("Message rejected: virus Eicar-Test-Signature detected"));
	ck_assert_str_eq(
	    buf, "Message rejected: virus Eicar-Test-Signature detected");
	vg_reply_text(buf, sizeof(buf), VG_REPLY_SPF_FAIL, "example.com", "no");
	ck_assert_str_eq(buf, "SPF check failed for example.com: no");
	vg_reply_text(buf, sizeof(buf), VG_REPLY_SPF_FAIL, "a%sb", NULL);
	ck_assert_str_eq(buf, "SPF check failed for a%sb: ");
	vg_reply_text(buf, sizeof(buf), VG_REPLY_BUSY, "ignored", NULL);
	ck_assert_str_eq(buf, "server busy, try again later");
	ck_assert_uint_eq(
	    vg_reply_text(small, sizeof(small), VG_REPLY_VIRUS, "X", NULL), 11);
	ck_assert_str_eq(small, "Message rej");
	ck_assert_uint_eq(
	    vg_reply_text(small, 1, VG_REPLY_VIRUS, "X", NULL), 0);
	ck_assert_str_eq(small, "");
}
END_TEST

/* reply_suite - the suite */
static Suite *
reply_suite(void)
{
	Suite *s = suite_create("reply");
	TCase *tc = tcase_create("table");

	tcase_add_loop_test(tc, test_reply_table, 0, VG_REPLY_NREPLIES);
	tcase_add_test(tc, test_reply_one_wording);
	suite_add_tcase(s, tc);
	tc = tcase_create("text");
	tcase_add_test(tc, test_reply_text);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(reply_suite)
