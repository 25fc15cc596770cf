/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_rules_sauridetail - SpamAssassin's URIDetail plugin run natively
 * (sa_uridetail.c): uri_detail rules over a message with four kinds of
 * link (data/saeval/uridetail1.eml), each against what SpamAssassin 4.0.1
 * itself reported for the same message (tests/accuracy/sa-run.pl with
 * Debian's .pre files, which load URIDetail, and the rules below as
 * local.cf, run by hand: the hits are written below).  Also the keys
 * Vigil refuses, syntax errors, the plugin's ifplugin and can() and the
 * limit on rules.
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

static const char ud_rules[] =
    "vigil_compat spamassassin\n"
    "ifplugin Mail::SpamAssassin::Plugin::URIDetail\n"
    "if can(Mail::SpamAssassin::Plugin::URIDetail::has_host_key)\n"
    "uri_detail UD_HOST host =~ /^www\\.example\\.co\\.uk$/\n"
    "uri_detail UD_DOMAIN domain =~ /^example\\.co\\.uk$/\n"
    "uri_detail UD_RAW raw =~ /\\/login$/\n"
    "uri_detail UD_CLEANED cleaned =~ /^https:\\/\\/bad\\./\n"
    "uri_detail UD_AND host =~ /bad/ raw =~ /path/\n"
    "uri_detail UD_AND2 host =~ /example\\.co\\.uk/ raw =~ /q=1/\n"
    "uri_detail UD_NEG domain !~ /example/\n"
    "uri_detail UD_IPDOM domain =~ /^192\\.0\\.2\\.5$/\n"
    "uri_detail UD_MAILTO host =~ /^mail\\.example\\.org$/\n"
    "uri_detail UD_MAILDOM domain =~ /^example\\.org$/\n"
    "uri_detail UD_MISS host =~ /nonesuch/\n"
    "uri_detail UD_REPEAT host =~ /nonesuch/ host =~ /^bad\\./\n"
    "endif\n"
    "endif\n";

/* SpamAssassin 4.0.1's hits on uridetail1.eml (sa-run.pl, see above). */
static const char ud_hits[] =
    " UD_AND2 UD_CLEANED UD_DOMAIN UD_HOST UD_IPDOM UD_MAILDOM UD_MAILTO "
    "UD_NEG UD_RAW UD_REPEAT ";

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

START_TEST(test_rules_sauridetail_message)
{
	struct vg_rules *r = load(ud_rules);
	struct vg_rules_hits *h = run_msg(r, "uridetail1.eml", NULL, 0);
	char want[128];
	size_t i;

	ck_assert_uint_eq(vg_rules_count(r), 12);
	for (i = 0; i < vg_rules_count(r); i++) {
		const char *n = vg_rules_name(r, i);

		snprintf(want, sizeof(want), " %s ", n);
		ck_assert_msg(
		    vg_rules_hit(h, i) == (strstr(ud_hits, want) != NULL),
		    "%s %s, SpamAssassin says %s", n,
		    vg_rules_hit(h, i) ? "hit" : "missed",
		    vg_rules_hit(h, i) ? "miss" : "hit");
	}
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/* A message without links hits nothing, a negated rule included. */
START_TEST(test_rules_sauridetail_nolinks)
{
	static const char msg[] =
	    "From: a@example.org\nSubject: s\n\nno links\n";
	struct vg_rules *r = load(ud_rules);
	struct vg_rules_hits *h = run_msg(r, NULL, msg, strlen(msg));

	for (size_t i = 0; i < vg_rules_count(r); i++)
		ck_assert(!vg_rules_hit(h, i));
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/* type and text are skipped and counted; bad syntax is an error. */
START_TEST(test_rules_sauridetail_refused)
{
	static const char src[] = "vigil_compat spamassassin\n"
	                          "uri_detail A type =~ /^a$/\n"
	                          "uri_detail B host =~ /x/ text =~ /click/\n"
	                          "uri_detail C host =~ /(/\n"
	                          "uri_detail D host =~ /ok/ score 3\n";
	static const char *const bad[] = {
	    "uri_detail E\n",
	    "uri_detail E colour =~ /x/\n",
	    "uri_detail E host == /x/\n",
	    "uri_detail E host =~ x\n",
	};
	const struct vg_rules_plugin_stat *ps;
	struct vg_rules *r = NULL;
	struct vg_err err;
	char buf[256];
	size_t n, i;
	bool seen = false;

	/* D: "score" is no key: the whole line is an error */
	vg_err_init(&err);
	ck_assert_int_ne(
	    vg_rules_parse(&r, src, strlen(src), "t.rules", &err), 0);
	ck_assert_ptr_nonnull(strstr(vg_err_text(&err), "t.rules:5"));
	r = load("vigil_compat spamassassin\n"
	         "uri_detail A type =~ /^a$/\n"
	         "uri_detail B host =~ /x/ text =~ /click/\n"
	         "uri_detail C host =~ /(/\n"
	         "uri_detail D host =~ /ok/i\n");
	ck_assert_uint_eq(vg_rules_count(r), 1);
	ps = vg_rules_plugin_stats(r, &n);
	for (i = 0; i < n; i++)
		if (strcmp(ps[i].name, "URIDetail") == 0) {
			ck_assert(ps[i].implemented);
			ck_assert_uint_eq(ps[i].loaded, 1);
			ck_assert_uint_eq(ps[i].skipped, 3);
			seen = true;
		}
	ck_assert(seen);
	vg_rules_free(r);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(
		    buf, sizeof(buf), "vigil_compat spamassassin\n%s", bad[i]);
		r = NULL;
		vg_err_init(&err);
		ck_assert_msg(
		    vg_rules_parse(&r, buf, strlen(buf), "t.rules", &err) != 0,
		    "accepted: %s", bad[i]);
	}
	/* outside compat mode uri_detail is no directive of Vigil's */
	r = NULL;
	vg_err_init(&err);
	ck_assert_int_ne(vg_rules_parse(&r, "uri_detail X host =~ /x/\n", 25,
	                     "t.rules", &err),
	    0);
}
END_TEST

/* VG_SAUD_MAX (10000) uri_detail rules; one more is an error. */
START_TEST(test_rules_sauridetail_limit)
{
	size_t cap = 10001 * 40 + 64, n, i;
	char *src = vg_malloc(cap);
	struct vg_rules *r = NULL;
	struct vg_err err;

	ck_assert_ptr_nonnull(src);
	n = (size_t)snprintf(src, cap, "vigil_compat spamassassin\n");
	for (i = 0; i < 10000; i++)
		n += (size_t)snprintf(
		    src + n, cap - n, "uri_detail U%zu host =~ /a/\n", i);
	vg_err_init(&err);
	ck_assert_int_eq(vg_rules_parse(&r, src, n, "t.rules", &err), 0);
	ck_assert_uint_eq(vg_rules_count(r), 10000);
	vg_rules_free(r);
	r = NULL;
	n += (size_t)snprintf(src + n, cap - n, "uri_detail V host =~ /a/\n");
	vg_err_init(&err);
	ck_assert_int_ne(vg_rules_parse(&r, src, n, "t.rules", &err), 0);
	ck_assert_ptr_nonnull(strstr(vg_err_text(&err), "limit"));
	vg_free(src);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("rules_sauridetail");
	TCase *tc = tcase_create("core");

	if (vg_text_global_init() != 0)
		abort();
	tcase_add_test(tc, test_rules_sauridetail_message);
	tcase_add_test(tc, test_rules_sauridetail_nolinks);
	tcase_add_test(tc, test_rules_sauridetail_refused);
	tcase_add_test(tc, test_rules_sauridetail_limit);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(suite)
