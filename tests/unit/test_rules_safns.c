/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_rules_safns - SpamAssassin's FromNameSpoof plugin run natively
 * (sa_fromnamespoof.c): its directives and eval functions over messages
 * whose From display name holds an address (data/saeval/fns*.eml), each
 * function against what SpamAssassin 4.0.1 itself reported for the same
 * message (tests/accuracy/sa-run.pl with Debian's .pre files plus
 * "loadplugin Mail::SpamAssassin::Plugin::FromNameSpoof", which Debian
 * leaves commented out, and the rules below as local.cf, run by hand: the
 * hits are written below).
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/err.h"
#include "message/msg.h"
#include "message/text.h"
#include "rules/rules.h"
#include "rules/symset.h"

/* The settings of Debian's 72_active.cf, an owner list, each function. */
static const char fns_rules[] =
    "vigil_compat spamassassin\n"
    "ifplugin Mail::SpamAssassin::Plugin::FromNameSpoof\n"
    "fns_ignore_dkim linkedin.com googlegroups.com\n"
    "fns_ignore_headers List-Id\n"
    "fns_check 1\n"
    "fns_add_addrlist (paypal) *@paypal-mail.com\n"
    "header FNS_SPOOF eval:check_fromname_spoof()\n"
    "header FNS_SPOOF0 eval:check_fromname_spoof(0)\n"
    "header FNS_SPOOF2 eval:check_fromname_spoof(2)\n"
    "header FNS_DIFFERENT eval:check_fromname_different()\n"
    "header FNS_DOMAIN eval:check_fromname_domain_differ()\n"
    "header FNS_EMAIL eval:check_fromname_contains_email()\n"
    "header FNS_EQ_TO eval:check_fromname_equals_to()\n"
    "header FNS_OWNERS eval:check_fromname_owners_differ()\n"
    "header FNS_EQ_REPLYTO eval:check_fromname_equals_replyto()\n"
    "endif\n";

/* SpamAssassin 4.0.1's hits (sa-run.pl, see above). */
static const struct {
	const char *file, *hits;
} fns_cases[] = {
    /* "paypal@paypal.com" <attacker@evil.example.net>, Reply-To the name */
    {"fns1.eml",
        " FNS_DIFFERENT FNS_DOMAIN FNS_EMAIL FNS_EQ_REPLYTO FNS_OWNERS "
        "FNS_SPOOF FNS_SPOOF0 FNS_SPOOF2 "},
    /* "service@mail.paypal.co.uk" <alerts@paypal.co.uk>: same owner */
    {"fns2.eml", " FNS_DIFFERENT FNS_EMAIL FNS_SPOOF0 "},
    /* "bob@example.com" <bob@example.com>, Cc: bob@example.com */
    {"fns3.eml", " FNS_EMAIL FNS_EQ_TO "},
    /* a long name that also holds an address: past fns_extrachars */
    {"fns4.eml", " FNS_EMAIL "},
    /* as fns1 with a List-Id header (fns_ignore_headers) */
    {"fns5.eml", " "},
    /* the name's address has an unknown top-level domain */
    {"fns6.eml", " "},
    /* no display name */
    {"fns7.eml", " "},
    /* the name's address is the Received "for <...>" recipient */
    {"fns8.eml",
        " FNS_DIFFERENT FNS_DOMAIN FNS_EMAIL FNS_EQ_TO FNS_OWNERS "
        "FNS_SPOOF FNS_SPOOF0 FNS_SPOOF2 "},
    /* From *@paypal-mail.com, listed as owner paypal */
    {"fns9.eml", " FNS_DIFFERENT FNS_DOMAIN FNS_EMAIL FNS_SPOOF0 FNS_SPOOF2 "},
};

static struct vg_rules *
load(const char *src)
{
	struct vg_rules *r = NULL;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_msg(
	    vg_rules_parse(&r, src, strlen(src), "t.rules", &err) == 0,
	    "rules: %s", vg_err_text(&err));
	return r;
}

/* run_msg - hits of r over a message, from a file of data/saeval or bytes */
static struct vg_rules_hits *
run_msg(struct vg_rules *r, const char *file, const char *raw, size_t len)
{
	struct vg_msg_limits ml;
	struct vg_text_limits tl;
	struct vg_msg *m = NULL;
	struct vg_text *t = NULL;
	struct vg_rules_hits *hits = NULL;
	struct vg_symset res;
	char path[1024];

	memset(&ml, 0, sizeof(ml));
	ml.max_size = 64 << 20;
	ml.memory_limit = 64 << 20;
	ml.max_headers = 1000;
	ml.max_header_size = 1 << 20;
	ml.max_rcpts = 100;
	ml.tmp_dir = "/tmp";
	if (file != NULL) {
		snprintf(path, sizeof(path), "%s/tests/unit/data/saeval/%s",
		    VG_SOURCE_DIR, file);
		ck_assert_int_eq(vg_msg_from_file(&m, &ml, path), 0);
	} else {
		ck_assert_int_eq(vg_msg_from_bytes(&m, &ml, raw, len), 0);
	}
	vg_text_limits_default(&tl);
	ck_assert_int_eq(vg_text_build(&t, m, &tl), 0);
	vg_symset_init(&res);
	ck_assert_int_eq(vg_rules_hits_new(&hits, r), 0);
	ck_assert_int_eq(vg_rules_eval(r, m, t, hits, &res), 0);
	ck_assert_int_eq(vg_rules_eval_meta(r, hits, &res), 0);
	vg_symset_fini(&res);
	vg_text_free(t);
	vg_msg_free(m);
	return hits;
}

static bool
hit(const struct vg_rules *r, const struct vg_rules_hits *h, const char *name)
{
	size_t i;

	for (i = 0; i < vg_rules_count(r); i++)
		if (strcmp(vg_rules_name(r, i), name) == 0)
			return vg_rules_hit(h, i);
	ck_abort_msg("no rule %s", name);
	return false;
}

START_TEST(test_rules_safns_messages)
{
	struct vg_rules *r = load(fns_rules);
	struct vg_rules_hits *h = run_msg(r, fns_cases[_i].file, NULL, 0);
	char want[128];
	size_t i;

	ck_assert_uint_eq(vg_rules_count(r), 9);
	for (i = 0; i < vg_rules_count(r); i++) {
		const char *n = vg_rules_name(r, i);

		snprintf(want, sizeof(want), " %s ", n);
		ck_assert_msg(vg_rules_hit(h, i) ==
		        (strstr(fns_cases[_i].hits, want) != NULL),
		    "%s: %s %s, SpamAssassin says %s", fns_cases[_i].file, n,
		    vg_rules_hit(h, i) ? "hit" : "missed",
		    vg_rules_hit(h, i) ? "miss" : "hit");
	}
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/* fns_check sets the level of check_fromname_spoof() without one. */
START_TEST(test_rules_safns_settings)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "fns_check 2\n"
	    "fns_extrachars 100\n"
	    "fns_add_addrlist (paypal) *@paypal-mail.com x@y.example\n"
	    "fns_remove_addrlist (paypal) *@PAYPAL-mail.com\n"
	    "header S eval:check_fromname_spoof()\n"
	    "header S9 eval:check_fromname_spoof(9)\n"
	    "header O eval:check_fromname_owners_differ()\n"
	    "header D eval:check_fromname_different()\n";
	struct vg_rules *r = load(src);
	struct vg_rules_hits *h;

	/* fns2: same domain, so level 2 misses, as an unknown level does */
	h = run_msg(r, "fns2.eml", NULL, 0);
	ck_assert(!hit(r, h, "S"));
	ck_assert(!hit(r, h, "S9"));
	ck_assert(hit(r, h, "D"));
	vg_rules_hits_free(h);
	/* fns9: the owner entry was removed, so the owners differ */
	h = run_msg(r, "fns9.eml", NULL, 0);
	ck_assert(hit(r, h, "O"));
	ck_assert(hit(r, h, "S"));
	vg_rules_hits_free(h);
	/* fns4: its 80-odd characters are within fns_extrachars 100 */
	h = run_msg(r, "fns4.eml", NULL, 0);
	ck_assert(hit(r, h, "D"));
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/* Bad directives are errors with file:line; bad calls are skipped. */
START_TEST(test_rules_safns_errors)
{
	static const char *const bad[] = {
	    "fns_check 3\n",
	    "fns_check\n",
	    "fns_extrachars many\n",
	    "fns_ignore_headers\n",
	    "fns_add_addrlist paypal *@paypal.com\n",
	    "fns_add_addrlist (paypal)\n",
	    "fns_remove_addrlist () a@b.example\n",
	};
	static const char skipped[] =
	    "vigil_compat spamassassin\n"
	    "header A eval:check_fromname_spoof(1, 2)\n"
	    "header B eval:check_fromname_equals_to(1)\n"
	    "body C eval:check_fromname_different()\n";
	struct vg_rules *r = NULL;
	struct vg_err err;
	char src[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(
		    src, sizeof(src), "vigil_compat spamassassin\n%s", bad[i]);
		vg_err_init(&err);
		ck_assert_msg(
		    vg_rules_parse(&r, src, strlen(src), "t.rules", &err) != 0,
		    "accepted: %s", bad[i]);
		ck_assert_ptr_nonnull(strstr(vg_err_text(&err), "t.rules:2"));
	}
	r = load(skipped);
	ck_assert_uint_eq(vg_rules_count(r), 0);
	vg_rules_free(r);
}
END_TEST

/* VG_FNS_MAX entries in a list; a display name of VG_FNS_NAME_MAX. */
START_TEST(test_rules_safns_limits)
{
	struct vg_rules *r = NULL;
	struct vg_err err;
	char *src = vg_malloc(512 * 1024), *msg = vg_malloc(8192);
	size_t i, n;
	struct vg_rules_hits *h;

	ck_assert_ptr_nonnull(src);
	ck_assert_ptr_nonnull(msg);
	n = (size_t)snprintf(src, 512 * 1024, "vigil_compat spamassassin\n");
	for (i = 0; i < 10000; i++)
		n += (size_t)snprintf(src + n, 512 * 1024 - n,
		    "fns_ignore_dkim d%zu.example\n", i);
	vg_err_init(&err);
	ck_assert_int_eq(vg_rules_parse(&r, src, n, "t.rules", &err), 0);
	vg_rules_free(r);
	r = NULL;
	snprintf(src + n, 512 * 1024 - n, "fns_ignore_dkim one.more.example\n");
	vg_err_init(&err);
	ck_assert_int_ne(
	    vg_rules_parse(&r, src, strlen(src), "t.rules", &err), 0);
	ck_assert_ptr_nonnull(strstr(vg_err_text(&err), "limit"));
	/* a name past VG_FNS_NAME_MAX (2048) bytes: no finding */
	r = load("vigil_compat spamassassin\nfns_extrachars 100000\n"
	         "header E eval:check_fromname_contains_email()\n");
	for (n = 0; n < 2; n++) {
		size_t pad = n == 0 ? 1000 : 3000;

		memcpy(msg, "From: \"", 7);
		memset(msg + 7, 'a', pad);
		snprintf(msg + 7 + pad, 8192 - 7 - pad, "%s",
		    " x@paypal.com\" <y@evil.example.net>\nSubject: s\n\nb\n");
		h = run_msg(r, NULL, msg, strlen(msg));
		ck_assert(hit(r, h, "E") == (n == 0));
		vg_rules_hits_free(h);
	}
	vg_rules_free(r);
	vg_free(src);
	vg_free(msg);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("rules_safns");
	TCase *tc = tcase_create("core");

	if (vg_text_global_init() != 0)
		abort();
	tcase_add_loop_test(tc, test_rules_safns_messages, 0,
	    (int)(sizeof(fns_cases) / sizeof(fns_cases[0])));
	tcase_add_test(tc, test_rules_safns_settings);
	tcase_add_test(tc, test_rules_safns_errors);
	tcase_add_test(tc, test_rules_safns_limits);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(suite)
