/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_sa_wlbl - SpamAssassin's welcomelist/blocklist directives (local.cf)
 * and tests: globs, directives and their old names, un* removal, limits,
 * each test on facts, and the check over real messages and auth results.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/compiler.h"
#include "base/err.h"
#include "core/result.h"
#include "message/msg.h"
#include "policy/sa_wlbl.h"
#include "rules/rules.h"
#include "stages/check_ops.h"

static const struct {
	const char *pat, *addr;
	bool want;
} globs[] = {
    {"*@example.com", "bob@example.com", true},
    {"*@example.com", "BOB@Example.COM", true},
    {"*@example.com", "bob@mx.example.com", false},
    {"*@*.example.com", "bob@mx.example.com", true},
    {"*@*.example.com", "bob@example.com", false},
    {"bob@example.com", "bob@example.com", true},
    {"bob@example.com", "bob@example.com.au", false},
    {"bob@example.com", "xbob@example.com", false},
    {"?ob@example.com", "rob@example.com", true},
    {"?ob@example.com", "ob@example.com", false},
    {"*", "anything@at.all", true},
    {"*=pkginfo@ups.com", "abc=pkginfo@ups.com", true},
    {"b*b*b@x", "bxbxbxb@x", true},
    {"b*b*b@x", "bb@x", false},
    /* Dots and the other regex characters are literal. */
    {"bob@example.com", "bob@exampleXcom", false},
    {"a+b@x.org", "a+b@x.org", true},
    {"a+b@x.org", "aab@x.org", false},
};

START_TEST(test_sa_wlbl_glob)
{
	ck_assert_msg(
	    vg_sa_wlbl_glob(globs[_i].pat, globs[_i].addr) == globs[_i].want,
	    "%s against %s: want %s", globs[_i].pat, globs[_i].addr,
	    globs[_i].want ? "match" : "no match");
}
END_TEST

/* A long run of stars against a long address stays quick (no blow-up). */
START_TEST(test_sa_wlbl_glob_linear)
{
	char pat[200], addr[300];

	memset(pat, 0, sizeof(pat));
	for (size_t i = 0; i < 60; i++) {
		pat[2 * i] = '*';
		pat[2 * i + 1] = 'a';
	}
	pat[120] = 'b';
	memset(addr, 'a', 299);
	addr[299] = '\0';
	ck_assert(!vg_sa_wlbl_glob(pat, addr));
}
END_TEST

/* load - a rules file in memory; its SpamAssassin lists */
static struct vg_rules *
load(const char *src, struct vg_err *err)
{
	struct vg_rules *r = NULL;

	vg_err_init(err);
	if (vg_rules_parse(&r, src, strlen(src), "t.rules", err) != 0)
		return NULL;
	return r;
}

/* facts - a message's addresses, no authentication */
static struct vg_sa_wlbl_facts
facts(const char *const *from, size_t nfrom, const char *const *to, size_t nto)
{
	struct vg_sa_wlbl_facts f = {
	    .from = from,
	    .nfrom = nfrom,
	    .to = to,
	    .nto = nto,
	    .envfrom = "",
	    .spf_pass = false,
	    .dkim_pass = NULL,
	    .ndkim_pass = 0,
	};
	return f;
}

START_TEST(test_sa_wlbl_directives)
{
	static const char src[] =
	    "welcomelist_from *@friends.example bob@example.org\n"
	    "whitelist_from  carol@example.org\n"
	    "unwhitelist_from BOB@example.org\n"
	    "blacklist_from  *@spam.example\n"
	    "blocklist_from  eve@example.net\n"
	    "unblocklist_from eve@example.net\n"
	    "welcomelist_to  postmaster@*\n"
	    "blacklist_to    honeypot@example.com\n"
	    "more_spam_to    boss@example.com\n"
	    "all_spam_to     spamtrap-owner@example.com\n";
	const char *from1[] = {"ann@friends.example"};
	const char *from2[] = {"bob@example.org"};
	const char *from3[] = {"x@spam.example", "carol@example.org"};
	const char *from4[] = {"eve@example.net"};
	const char *to1[] = {"postmaster@anywhere.example"};
	const char *to2[] = {"honeypot@example.com", "boss@example.com",
	    "spamtrap-owner@example.com"};
	struct vg_err err;
	struct vg_rules *r = load(src, &err);
	const struct vg_sa_wlbl *w;
	struct vg_sa_wlbl_facts f;

	ck_assert_msg(r != NULL, "%s", vg_err_text(&err));
	w = vg_sa_wlbl_of(r);
	ck_assert(!vg_sa_wlbl_empty(w));
	f = facts(from1, 1, NULL, 0);
	ck_assert(vg_sa_wlbl_eval(w, VG_SA_WLBL_FROM_WELCOME, &f));
	ck_assert(!vg_sa_wlbl_eval(w, VG_SA_WLBL_FROM_BLOCK, &f));
	/* unwhitelist_from removed bob, whatever the case. */
	f = facts(from2, 1, NULL, 0);
	ck_assert(!vg_sa_wlbl_eval(w, VG_SA_WLBL_FROM_WELCOME, &f));
	/* A welcomelisted and a blocklisted address: both tests hit. */
	f = facts(from3, 2, NULL, 0);
	ck_assert(vg_sa_wlbl_eval(w, VG_SA_WLBL_FROM_WELCOME, &f));
	ck_assert(vg_sa_wlbl_eval(w, VG_SA_WLBL_FROM_BLOCK, &f));
	f = facts(from4, 1, NULL, 0);
	ck_assert(!vg_sa_wlbl_eval(w, VG_SA_WLBL_FROM_BLOCK, &f));
	f = facts(NULL, 0, to1, 1);
	ck_assert(vg_sa_wlbl_eval(w, VG_SA_WLBL_TO_WELCOME, &f));
	ck_assert(!vg_sa_wlbl_eval(w, VG_SA_WLBL_TO_BLOCK, &f));
	f = facts(NULL, 0, to2, 3);
	ck_assert(vg_sa_wlbl_eval(w, VG_SA_WLBL_TO_BLOCK, &f));
	ck_assert(vg_sa_wlbl_eval(w, VG_SA_WLBL_TO_MORE_SPAM, &f));
	ck_assert(vg_sa_wlbl_eval(w, VG_SA_WLBL_TO_ALL_SPAM, &f));
	ck_assert(!vg_sa_wlbl_eval(w, VG_SA_WLBL_TO_WELCOME, &f));
	vg_rules_free(r);
}
END_TEST

START_TEST(test_sa_wlbl_auth)
{
	static const char src[] =
	    "welcomelist_auth *@bank.example\n"
	    "def_welcomelist_auth *@*.big.example\n"
	    "welcomelist_from_spf *@spf.example\n"
	    "welcomelist_from_dkim *@list.example lists.example\n"
	    "unwelcomelist_auth nobody@bank.example\n";
	const char *from[] = {"alerts@bank.example"};
	const char *from_big[] = {"news@mail.big.example"};
	const char *from_list[] = {"ann@list.example"};
	const char *d_bank[] = {"bank.example"};
	const char *d_parent[] = {"big.example"};
	const char *d_other[] = {"evil.example"};
	const char *d_lists[] = {"lists.example"};
	struct vg_err err;
	struct vg_rules *r = load(src, &err);
	const struct vg_sa_wlbl *w;
	struct vg_sa_wlbl_facts f;

	ck_assert_msg(r != NULL, "%s", vg_err_text(&err));
	w = vg_sa_wlbl_of(r);
	/* SPF: the envelope sender listed and SPF passed. */
	f = facts(from, 1, NULL, 0);
	f.envfrom = "bounce@bank.example";
	ck_assert(!vg_sa_wlbl_eval(w, VG_SA_WLBL_SPF_WELCOME, &f));
	f.spf_pass = true;
	ck_assert(vg_sa_wlbl_eval(w, VG_SA_WLBL_SPF_WELCOME, &f));
	ck_assert(!vg_sa_wlbl_eval(w, VG_SA_WLBL_DEF_SPF, &f));
	f.envfrom = "x@spf.example";
	ck_assert(vg_sa_wlbl_eval(w, VG_SA_WLBL_SPF_WELCOME, &f));
	f.envfrom = "x@mx.big.example";
	ck_assert(vg_sa_wlbl_eval(w, VG_SA_WLBL_DEF_SPF, &f));
	/* DKIM: the From: address listed, signed by its own domain. */
	f = facts(from, 1, NULL, 0);
	f.dkim_pass = d_other;
	f.ndkim_pass = 1;
	ck_assert(!vg_sa_wlbl_eval(w, VG_SA_WLBL_DKIM_WELCOME, &f));
	f.dkim_pass = d_bank;
	ck_assert(vg_sa_wlbl_eval(w, VG_SA_WLBL_DKIM_WELCOME, &f));
	/* ... or by a parent domain of it (def_ list). */
	f = facts(from_big, 1, NULL, 0);
	f.dkim_pass = d_parent;
	f.ndkim_pass = 1;
	ck_assert(vg_sa_wlbl_eval(w, VG_SA_WLBL_DEF_DKIM, &f));
	ck_assert(!vg_sa_wlbl_eval(w, VG_SA_WLBL_DKIM_WELCOME, &f));
	/* ... or by the domain the _dkim entry names, not the author's. */
	f = facts(from_list, 1, NULL, 0);
	f.dkim_pass = d_lists;
	f.ndkim_pass = 1;
	ck_assert(vg_sa_wlbl_eval(w, VG_SA_WLBL_DKIM_WELCOME, &f));
	vg_rules_free(r);
}
END_TEST

static const struct {
	const char *src, *err;
} bad[] = {
    {"welcomelist_from\n", "t.rules:1: welcomelist_from: needs an address"},
    {"blocklist_to   \n", "t.rules:1: blocklist_to: needs an address"},
    {"welcomelist_from_dkim a@b.example c.example d.example\n",
        "t.rules:1: welcomelist_from_dkim: takes an address and at most one "
        "domain"},
};

START_TEST(test_sa_wlbl_errors)
{
	struct vg_err err;
	struct vg_rules *r = load(bad[_i].src, &err);

	ck_assert(r == NULL);
	ck_assert_msg(strstr(vg_err_text(&err), bad[_i].err) != NULL,
	    "got '%s', want '%s'", vg_err_text(&err), bad[_i].err);
}
END_TEST

/* LIMITS: an entry over VG_SA_WLBL_ENTRY_MAX bytes is refused. */
START_TEST(test_sa_wlbl_entry_limit)
{
	char src[VG_SA_WLBL_ENTRY_MAX + 64];
	struct vg_err err;
	struct vg_rules *r;
	int n;

	n = snprintf(src, sizeof(src), "welcomelist_from ");
	memset(src + n, 'a', VG_SA_WLBL_ENTRY_MAX);
	memcpy(src + n + VG_SA_WLBL_ENTRY_MAX - 4, "@b.c\n", 6);
	r = load(src, &err);
	ck_assert_msg(r != NULL, "%s", vg_err_text(&err));
	vg_rules_free(r);
	memset(src + n, 'a', VG_SA_WLBL_ENTRY_MAX + 1);
	memcpy(src + n + VG_SA_WLBL_ENTRY_MAX + 1 - 4, "@b.c\n", 6);
	r = load(src, &err);
	ck_assert(r == NULL);
	ck_assert(strstr(vg_err_text(&err), "longer than 320 bytes") != NULL);
}
END_TEST

/* LIMITS: at most VG_SA_WLBL_MAX_ENTRIES entries in one set. */
START_TEST(test_sa_wlbl_count_limit)
{
	struct vg_sa_wlbl *w = NULL;
	struct vg_err err;
	char addr[64];
	int rc = 1;

	vg_err_init(&err);
	ck_assert_int_eq(vg_sa_wlbl_new(&w), 0);
	for (size_t i = 0; i < VG_SA_WLBL_MAX_ENTRIES; i++) {
		snprintf(addr, sizeof(addr), "u%zu@example.com", i);
		rc = vg_sa_wlbl_directive(
		    w, "welcomelist_from", addr, "t.rules", 1, &err);
		if (rc != 1)
			break;
	}
	ck_assert_int_eq(rc, 1);
	rc = vg_sa_wlbl_directive(
	    w, "blocklist_from", "one@more.example", "t.rules", 2, &err);
	ck_assert_int_eq(rc, VG_ECONFIG);
	ck_assert(strstr(vg_err_text(&err), "more than 100000") != NULL);
	/* Not one of ours: 0. */
	ck_assert_int_eq(
	    vg_sa_wlbl_directive(w, "score", "A 1", "t.rules", 3, &err), 0);
	vg_sa_wlbl_free(w);
}
END_TEST

START_TEST(test_sa_wlbl_names)
{
	ck_assert_int_eq(vg_sa_wlbl_find_fn("check_from_in_welcomelist"),
	    VG_SA_WLBL_FROM_WELCOME);
	ck_assert_int_eq(vg_sa_wlbl_find_fn("check_from_in_whitelist"),
	    VG_SA_WLBL_FROM_WELCOME);
	ck_assert_int_eq(
	    vg_sa_wlbl_find_fn("check_to_in_blacklist"), VG_SA_WLBL_TO_BLOCK);
	ck_assert_int_eq(
	    vg_sa_wlbl_find_fn("check_for_def_dkim_welcomelist_from"),
	    VG_SA_WLBL_DEF_DKIM);
	ck_assert_int_eq(vg_sa_wlbl_find_fn("check_rbl"), -1);
	ck_assert_str_eq(
	    vg_sa_wlbl_symbol(VG_SA_WLBL_FROM_BLOCK), "USER_IN_BLOCKLIST");
	ck_assert(vg_sa_wlbl_score(VG_SA_WLBL_FROM_WELCOME) == -100);
	ck_assert(vg_sa_wlbl_score(VG_SA_WLBL_TO_WELCOME) == -6);
}
END_TEST

/* sum - the scores in res */
static double
sum(const struct vg_result *res)
{
	double t = 0;

	for (size_t i = 0; i < res->syms.n; i++)
		t += res->syms.sym[i].score;
	return t;
}

/* run_check - the check over one message and res (auth results in it) */
static void
run_check(const struct vg_rules *r, struct vg_msg *msg, struct vg_result *res)
{
	ck_assert_int_eq(
	    vg_check_sa_wlbl_ops.collect(NULL, msg, NULL, 0, r, res), 0);
}

/* new_msg - a message with these headers ("Name", " value" pairs) */
static struct vg_msg *
new_msg(const char *envfrom, const char *const *h, size_t n)
{
	struct vg_msg_limits lim = {
	    1 << 20, 1 << 20, 100, 1 << 16, 100, "/tmp"};
	struct vg_msg *msg = NULL;

	ck_assert_int_eq(vg_msg_new(&msg, &lim), 0);
	ck_assert_int_eq(vg_msg_set_from(msg, envfrom), 0);
	for (size_t i = 0; i + 1 < n; i += 2)
		ck_assert_int_eq(vg_msg_add_header(msg, h[i], h[i + 1]), 0);
	ck_assert_int_eq(vg_msg_end_headers(msg), 0);
	ck_assert_int_eq(vg_msg_finish(msg), 0);
	return msg;
}

START_TEST(test_sa_wlbl_check)
{
	static const char src[] = "vigil_compat spamassassin\n"
	                          "whitelist_from *@friends.example\n"
	                          "blacklist_from spammer@*\n"
	                          "welcomelist_to users@lists.example\n"
	                          "welcomelist_auth *@bank.example\n"
	                          "score USER_IN_BLOCKLIST 50\n";
	static const char *const h1[] = {"From", " Ann <ann@Friends.Example>",
	    "To", " Some list <users@lists.example>", "Subject", " hi"};
	/* Resent-From wins over From (SpamAssassin bug 672). */
	static const char *const h2[] = {"From", " ann@friends.example",
	    "Resent-From", " spammer@x.example, ann@friends.example", "To",
	    " bob@example.org"};
	static const char *const h3[] = {"From", " alerts@bank.example"};
	struct vg_err err;
	struct vg_rules *r = load(src, &err);
	struct vg_result res;
	struct vg_msg *msg;

	ck_assert_msg(r != NULL, "%s", vg_err_text(&err));
	msg = new_msg("", h1, VG_NELEM(h1));
	vg_result_init(&res, "score");
	run_check(r, msg, &res);
	ck_assert(vg_result_has(&res, "USER_IN_WELCOMELIST"));
	ck_assert(vg_result_has(&res, "USER_IN_WELCOMELIST_TO"));
	ck_assert(!vg_result_has(&res, "USER_IN_BLOCKLIST"));
	ck_assert(sum(&res) == -106);
	vg_result_fini(&res);
	vg_msg_free(msg);

	msg = new_msg("", h2, VG_NELEM(h2));
	vg_result_init(&res, "score");
	run_check(r, msg, &res);
	ck_assert(!vg_result_has(&res, "USER_IN_WELCOMELIST"));
	ck_assert(vg_result_has(&res, "USER_IN_BLOCKLIST"));
	ck_assert(sum(&res) == 50); /* the rules file's score */
	vg_result_fini(&res);
	vg_msg_free(msg);

	/* welcomelist_auth: nothing without a pass; SPF pass for the
	 * envelope sender; DKIM pass for the From: domain. */
	msg = new_msg("bounce@bank.example", h3, VG_NELEM(h3));
	vg_result_init(&res, "score");
	run_check(r, msg, &res);
	ck_assert(!vg_result_has(&res, "USER_IN_SPF_WELCOMELIST"));
	ck_assert_int_eq(vg_result_add_auth(&res, VG_AUTH_SPF, "SPF_PASS",
	                     "pass", "mailfrom", "bank.example"),
	    0);
	ck_assert_int_eq(vg_result_add_auth(&res, VG_AUTH_DKIM, "DKIM_VALID",
	                     "pass", "d", "bank.example"),
	    0);
	run_check(r, msg, &res);
	ck_assert(vg_result_has(&res, "USER_IN_SPF_WELCOMELIST"));
	ck_assert(vg_result_has(&res, "USER_IN_DKIM_WELCOMELIST"));
	vg_result_fini(&res);
	vg_msg_free(msg);
	vg_rules_free(r);
}
END_TEST

/* A rule of the same name (an eval: rule) answers instead of the check. */
START_TEST(test_sa_wlbl_rule_wins)
{
	static const char src[] =
	    "welcomelist_from *@friends.example\n"
	    "header USER_IN_WELCOMELIST From =~ /nomatch/\n";
	static const char *const h1[] = {"From", " ann@friends.example"};
	struct vg_err err;
	struct vg_rules *r = load(src, &err);
	struct vg_result res;
	struct vg_msg *msg;

	ck_assert_msg(r != NULL, "%s", vg_err_text(&err));
	msg = new_msg("", h1, VG_NELEM(h1));
	vg_result_init(&res, "score");
	run_check(r, msg, &res);
	ck_assert(!vg_result_has(&res, "USER_IN_WELCOMELIST"));
	vg_result_fini(&res);
	vg_msg_free(msg);
	vg_rules_free(r);
}
END_TEST

/* No list: the check adds nothing and touches nothing. */
START_TEST(test_sa_wlbl_check_empty)
{
	static const char *const h1[] = {"From", " ann@friends.example"};
	struct vg_err err;
	struct vg_rules *r = load("required_score 5\n", &err);
	struct vg_result res;
	struct vg_msg *msg;

	ck_assert(r != NULL);
	ck_assert(vg_sa_wlbl_empty(vg_sa_wlbl_of(r)));
	msg = new_msg("", h1, VG_NELEM(h1));
	vg_result_init(&res, "score");
	run_check(r, msg, &res);
	ck_assert_uint_eq(res.syms.n, 0);
	vg_result_fini(&res);
	vg_msg_free(msg);
	vg_rules_free(r);
}
END_TEST

static Suite *
sa_wlbl_suite(void)
{
	Suite *s = suite_create("sa_wlbl");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_sa_wlbl_glob, 0, (int)VG_NELEM(globs));
	tcase_add_test(tc, test_sa_wlbl_glob_linear);
	tcase_add_test(tc, test_sa_wlbl_directives);
	tcase_add_test(tc, test_sa_wlbl_auth);
	tcase_add_loop_test(tc, test_sa_wlbl_errors, 0, (int)VG_NELEM(bad));
	tcase_add_test(tc, test_sa_wlbl_entry_limit);
	tcase_add_test(tc, test_sa_wlbl_count_limit);
	tcase_add_test(tc, test_sa_wlbl_names);
	tcase_add_test(tc, test_sa_wlbl_check);
	tcase_add_test(tc, test_sa_wlbl_rule_wins);
	tcase_add_test(tc, test_sa_wlbl_check_empty);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(sa_wlbl_suite)
