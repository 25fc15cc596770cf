/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_rules_sanet - SpamAssassin's network rules mapped onto Vigil's own
 * checks (rules/sa_net.c): check_rbl / check_rbl_sub and urirhsbl /
 * urirhssub become dnsbl and uribl lists, looked up against the test
 * zones (tests/dns/zones.conf) served by a real dnsmasq, a listed and an
 * unlisted address per kind of sub-test; check_for_spf_*, check_dkim_*
 * and check_dmarc_* are Vigil's SPF, DKIM and DMARC symbols, run here
 * through the real checks with the test keys and SPF records; what
 * cannot be mapped is skipped and counted; scores follow SpamAssassin's
 * set 1 and one fact counts once.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vg_check.h"
#include "vg_dkimtest.h"
#include "vg_dnstest.h"
#include "base/clock.h"
#include "base/conf.h"
#include "base/err.h"
#include "core/result.h"
#include "message/msg.h"
#include "net/dns.h"
#include "net/dnsbl.h"
#include "rules/rules.h"
#include "stages/check_ops.h"

/* DNSEval and URIDNSBL lines as SpamAssassin's rule files write them. */
static const char dnseval_rules[] =
    "vigil_compat spamassassin\n"
    "ifplugin Mail::SpamAssassin::Plugin::DNSEval\n"
    "header __RCVD_IN_T     eval:check_rbl('t', 'bl.test.')\n"
    "header RCVD_IN_T_2     eval:check_rbl_sub('t', '127.0.0.2')\n"
    "header RCVD_IN_T_M4    eval:check_rbl_sub('t', '4')\n"
    "header RCVD_IN_T_LE    eval:check_rbl('t-lastexternal', 'bl.test.', "
    "'^127\\.0\\.0\\.1[01]$')\n"
    "header RCVD_IN_T_XBL   eval:check_rbl('t-lastexternal', 'bl.test.', "
    "'^127\\.0\\.0\\.[4567]$')\n"
    "header __RCVD_IN_T_FT  eval:check_rbl('t-firsttrusted', 'bl.test.')\n"
    "tflags RCVD_IN_T_HI    net nice\n"
    "header RCVD_IN_T_HI    eval:check_rbl_sub('t-firsttrusted', "
    "'^127\\.0\\.\\d+\\.3$')\n"
    "header RCVD_IN_T_TXT   eval:check_rbl_txt('tt', 'bl.test.')\n"
    "header RCVD_IN_T_ORPH  eval:check_rbl_sub('nosuchset', '127.0.0.2')\n"
    "header RCVD_IN_T_WIDE  eval:check_rbl('w', 'bl.test.', '^127\\.')\n"
    "endif\n"
    "ifplugin Mail::SpamAssassin::Plugin::URIDNSBL\n"
    "urirhssub URIBL_T_2    uribl.test.  A  2\n"
    "body      URIBL_T_2    eval:check_uridnsbl('URIBL_T_2')\n"
    "urirhssub URIBL_T_4    uribl.test.  A  4\n"
    "body      URIBL_T_4    eval:check_uridnsbl('URIBL_T_4')\n"
    "urirhssub URIBL_T_Q    uribl.test.  A  127.0.0.2\n"
    "body      URIBL_T_Q    eval:check_uridnsbl('URIBL_T_Q')\n"
    "urirhsbl  URIBL_T_ANY  uribl.test.  A\n"
    "body      URIBL_T_ANY  eval:check_uridnsbl('URIBL_T_ANY')\n"
    "uridnssub URIBL_T_NS   bl.test.     A  127.0.0.2\n"
    "body      URIBL_T_NS   eval:check_uridnsbl('URIBL_T_NS')\n"
    "urirhssub URIBL_T_TXT  uribl.test.  TXT 2\n"
    "body      URIBL_T_TXT  eval:check_uridnsbl('URIBL_T_TXT')\n"
    "endif\n"
    "meta   T_META_LISTED   RCVD_IN_T_2 && !RCVD_IN_T_HI\n"
    "score  T_META_LISTED   1.5\n"
    "score  RCVD_IN_T_2     0 2.5 0 2.0\n"
    "score  RCVD_IN_T_M4    0.7\n";

/* parse - rules text in compat mode; fails the test on an error */
static struct vg_rules *
parse(const char *text)
{
	struct vg_rules *r = NULL;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_msg(
	    vg_rules_parse(&r, text, strlen(text), "sanet.rules", &err) == 0,
	    "%s", vg_err_text(&err));
	return r;
}

/* list - the dnsbl/uribl declaration called name, or NULL */
static const struct vg_rules_dnsbl *
list(const struct vg_rules *r, const char *name)
{
	for (size_t i = 0; i < vg_rules_dnsbl_count(r); i++)
		if (strcmp(vg_rules_dnsbl(r, i)->name, name) == 0)
			return vg_rules_dnsbl(r, i);
	return NULL;
}

/* plugin - the per-plugin counts of name */
static const struct vg_rules_plugin_stat *
plugin(const struct vg_rules *r, const char *name)
{
	size_t n;
	const struct vg_rules_plugin_stat *ps = vg_rules_plugin_stats(r, &n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(ps[i].name, name) == 0)
			return &ps[i];
	return NULL;
}

/* The declarations: zone, and each sub-test as Vigil's ANSWERS. */
START_TEST(test_sanet_dnseval_declarations)
{
	struct vg_rules *r = parse(dnseval_rules);
	const struct vg_rules_dnsbl *d;
	const struct vg_rules_plugin_stat *ps;

	d = list(r, "__RCVD_IN_T");
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->kind, VG_DNSBL_CLIENT);
	ck_assert_str_eq(d->zone, "bl.test");
	/* No sub-test: any answer in 127/8, as SpamAssassin takes. */
	ck_assert_str_eq(d->answers, "127.0.0.0/8");
	ck_assert_str_eq(list(r, "RCVD_IN_T_2")->answers, "127.0.0.2");
	ck_assert_str_eq(list(r, "RCVD_IN_T_2")->zone, "bl.test");
	ck_assert_str_eq(list(r, "RCVD_IN_T_M4")->answers, "&4");
	/* Regexes: the answers of 127/8 they match, as ranges. */
	ck_assert_str_eq(
	    list(r, "RCVD_IN_T_LE")->answers, "127.0.0.10-127.0.0.11");
	ck_assert_str_eq(
	    list(r, "RCVD_IN_T_XBL")->answers, "127.0.0.4-127.0.0.7");
	d = list(r, "RCVD_IN_T_HI");
	ck_assert_ptr_nonnull(d);
	ck_assert_msg(
	    strncmp(d->answers, "127.0.0.3,127.0.1.3,127.0.2.3,", 30) == 0,
	    "%.60s", d->answers);
	ck_assert_ptr_nonnull(strstr(d->answers, ",127.0.255.3"));
	/* TXT lists, an orphan sub-test, a regex too wide: skipped. */
	ck_assert_ptr_null(list(r, "RCVD_IN_T_TXT"));
	ck_assert_ptr_null(list(r, "RCVD_IN_T_ORPH"));
	ck_assert_ptr_null(list(r, "RCVD_IN_T_WIDE"));
	ck_assert_ptr_nonnull(ps = plugin(r, "DNSEval"));
	ck_assert(ps->implemented);
	ck_assert_uint_eq(ps->loaded, 7);
	ck_assert_uint_eq(ps->skipped, 3);

	/* URIDNSBL: bitmask, dotted quad, any answer; NS and TXT not. */
	d = list(r, "URIBL_T_2");
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->kind, VG_DNSBL_URI);
	ck_assert_str_eq(d->zone, "uribl.test");
	ck_assert_str_eq(d->answers, "&2");
	ck_assert_str_eq(list(r, "URIBL_T_Q")->answers, "127.0.0.2");
	ck_assert_str_eq(list(r, "URIBL_T_ANY")->answers, "127.0.0.0/8");
	ck_assert_ptr_null(list(r, "URIBL_T_NS"));
	ck_assert_ptr_null(list(r, "URIBL_T_TXT"));
	ck_assert_ptr_nonnull(ps = plugin(r, "URIDNSBL"));
	ck_assert_uint_eq(ps->loaded, 4);
	ck_assert_uint_eq(ps->skipped, 2);

	/* Scores: set 1 of four numbers; SpamAssassin's defaults else. */
	ck_assert(vg_rules_score(r, "RCVD_IN_T_2", -9) == 2.5);
	ck_assert(vg_rules_score(r, "RCVD_IN_T_M4", -9) == 0.7);
	ck_assert(vg_rules_score(r, "RCVD_IN_T_LE", -9) == 1.0);
	ck_assert(vg_rules_score(r, "RCVD_IN_T_HI", -9) == -1.0);
	ck_assert(vg_rules_score(r, "__RCVD_IN_T", -9) == 0);
	vg_rules_free(r);
}
END_TEST

/* Outside compat mode the URIDNSBL directives are errors. */
START_TEST(test_sanet_uridnsbl_needs_compat)
{
	static const char text[] = "urirhssub URIBL_X uribl.test. A 2\n";
	struct vg_rules *r = NULL;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_int_eq(
	    vg_rules_parse(&r, text, strlen(text), "x.rules", &err),
	    VG_ECONFIG);
	ck_assert_ptr_nonnull(strstr(vg_err_text(&err), "vigil_compat"));
}
END_TEST

/* find - symbol name in res, or NULL */
static const struct vg_symbol *
find(const struct vg_result *res, const char *name)
{
	for (size_t i = 0; i < res->syms.n; i++)
		if (strcmp(res->syms.sym[i].name, name) == 0)
			return &res->syms.sym[i];
	return NULL;
}

/* score_of - the score of symbol name in res, which must be there */
static double
score_of(const struct vg_result *res, const char *name)
{
	const struct vg_symbol *s = find(res, name);

	ck_assert_msg(s != NULL, "%s did not hit", name);
	return s != NULL ? s->score : nan("");
}

/* count - how many times symbol name is in res */
static size_t
count(const struct vg_result *res, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < res->syms.n; i++)
		n += strcmp(res->syms.sym[i].name, name) == 0;
	return n;
}

/*
 * lookup - the mapped lists on client ip (or NULL) and uris, against the
 * test DNS server, the hits recorded as check_dnsbl does, then the metas
 */
static void
lookup(struct vg_result *res, const struct vg_rules *r, const char *ip,
    const char *const *uris, size_t nuris)
{
	struct vg_conf conf;
	char servers[64];
	struct vg_dnsbl *bl = NULL;
	struct vg_dnsbl_lookup *lk = NULL;
	struct vg_dns *dns = NULL;
	struct vg_err err;

	vg_dnstest_conf(&conf, servers, sizeof(servers));
	vg_err_init(&err);
	ck_assert_msg(vg_dnsbl_new(&bl, r, &err) == 0, "%s", vg_err_text(&err));
	ck_assert_int_eq(vg_dns_new(&dns, &conf, NULL), 0);
	vg_result_init(res, "score");
	ck_assert_int_eq(vg_dnsbl_start(&lk, bl, dns, &ip, ip != NULL ? 1 : 0,
	                     uris, nuris, conf.uribl_max_lookups),
	    0);
	vg_dns_unref(dns);
	ck_assert_int_eq(vg_check_dnsbl_record(res,
	                     vg_dnsbl_collect(lk, vg_clock_ms() + 3000), r),
	    0);
	ck_assert_int_eq(vg_rules_eval_meta(r, NULL, &res->syms), 0);
	vg_dnsbl_lookup_free(lk);
	vg_dnsbl_free(bl);
}

/* check_rbl / check_rbl_sub: a listed and an unlisted answer each. */
START_TEST(test_sanet_rbl_lookups)
{
	struct vg_rules *r = parse(dnseval_rules);
	struct vg_result res;
	const struct vg_symbol *s;

	/* 127.0.0.2 answers 127.0.0.2: the quad sub-test and the set. */
	lookup(&res, r, "127.0.0.2", NULL, 0);
	ck_assert_ptr_nonnull(s = find(&res, "RCVD_IN_T_2"));
	ck_assert(s->score == 2.5);
	ck_assert_str_eq(s->detail, "127.0.0.2 listed in bl.test (127.0.0.2)");
	ck_assert_ptr_nonnull(find(&res, "__RCVD_IN_T"));
	ck_assert_ptr_nonnull(find(&res, "__RCVD_IN_T_FT"));
	ck_assert_ptr_null(find(&res, "RCVD_IN_T_M4"));
	ck_assert_ptr_null(find(&res, "RCVD_IN_T_LE"));
	ck_assert_ptr_null(find(&res, "RCVD_IN_T_HI"));
	/* A meta over a mapped list. */
	ck_assert_ptr_nonnull(s = find(&res, "T_META_LISTED"));
	ck_assert(s->score == 1.5);
	vg_result_fini(&res);

	/* 127.0.0.3 answers 127.0.0.4: the bitmask 4, not the quad. */
	lookup(&res, r, "127.0.0.3", NULL, 0);
	ck_assert_ptr_nonnull(find(&res, "RCVD_IN_T_M4"));
	ck_assert_ptr_nonnull(find(&res, "RCVD_IN_T_XBL"));
	ck_assert_ptr_null(find(&res, "RCVD_IN_T_2"));
	ck_assert_ptr_null(find(&res, "T_META_LISTED"));
	vg_result_fini(&res);

	/* 127.0.0.20 answers 127.0.0.10: the -lastexternal regex. */
	lookup(&res, r, "127.0.0.20", NULL, 0);
	ck_assert_ptr_nonnull(find(&res, "RCVD_IN_T_LE"));
	ck_assert_ptr_null(find(&res, "RCVD_IN_T_XBL"));
	ck_assert_ptr_null(find(&res, "RCVD_IN_T_M4"));
	vg_result_fini(&res);

	/* 127.0.0.21 answers 127.0.5.3: the regex over the third octet. */
	lookup(&res, r, "127.0.0.21", NULL, 0);
	ck_assert_ptr_nonnull(s = find(&res, "RCVD_IN_T_HI"));
	ck_assert(s->score == -1.0);
	ck_assert_ptr_null(find(&res, "RCVD_IN_T_LE"));
	vg_result_fini(&res);

	/*
	 * 127.0.0.10 answers 127.255.255.254: SpamAssassin's check_rbl
	 * without a sub-test takes any 127/8 answer; no sub-test matches.
	 */
	lookup(&res, r, "127.0.0.10", NULL, 0);
	ck_assert_ptr_nonnull(find(&res, "__RCVD_IN_T"));
	ck_assert_ptr_null(find(&res, "RCVD_IN_T_2"));
	ck_assert_ptr_null(find(&res, "RCVD_IN_T_HI"));
	vg_result_fini(&res);

	/* Not listed: nothing. */
	lookup(&res, r, "127.0.0.5", NULL, 0);
	ck_assert_uint_eq(res.syms.n, 0);
	vg_result_fini(&res);
	vg_rules_free(r);
}
END_TEST

/* urirhssub / urirhsbl: a listed and an unlisted domain. */
START_TEST(test_sanet_uribl_lookups)
{
	static const char *const listed[] = {"http://www.spammer.example/x"};
	static const char *const clean[] = {"https://clean.example/"};
	struct vg_rules *r = parse(dnseval_rules);
	struct vg_result res;

	lookup(&res, r, NULL, listed, 1);
	ck_assert_ptr_nonnull(find(&res, "URIBL_T_2"));
	ck_assert_ptr_nonnull(find(&res, "URIBL_T_Q"));
	ck_assert_ptr_nonnull(find(&res, "URIBL_T_ANY"));
	ck_assert_ptr_null(find(&res, "URIBL_T_4"));
	ck_assert_str_eq(find(&res, "URIBL_T_2")->detail,
	    "spammer.example listed in uribl.test (127.0.0.2)");
	vg_result_fini(&res);
	lookup(&res, r, NULL, clean, 1);
	ck_assert_uint_eq(res.syms.n, 0);
	vg_result_fini(&res);
	vg_rules_free(r);
}
END_TEST

/*
 * uridnsbl_skip_domain: a registrable domain or a host in it is not
 * looked up; clear_uridnsbl_skip_domain takes entries (or all) out.
 */
START_TEST(test_sanet_uribl_skip_domain)
{
	static const char *const uris[] = {"http://www.spammer.example/x"};
	static const char *const uk[] = {"http://www.spammer.co.uk/"};
	char text[sizeof(dnseval_rules) + 512];
	struct vg_rules *r;
	struct vg_result res;

	snprintf(text, sizeof(text),
	    "%s"
	    "uridnsbl_skip_domain Spammer.Example other.example\n"
	    "uridnsbl_skip_domain www.spammer.co.uk\n",
	    dnseval_rules);
	r = parse(text);
	ck_assert_uint_eq(vg_rules_uribl_skip_count(r), 3);
	lookup(&res, r, NULL, uris, 1);
	ck_assert_uint_eq(res.syms.n, 0);
	vg_result_fini(&res);
	lookup(&res, r, NULL, uk, 1); /* the host is in the list */
	ck_assert_uint_eq(res.syms.n, 0);
	vg_result_fini(&res);
	vg_rules_free(r);

	snprintf(text, sizeof(text),
	    "%s"
	    "uridnsbl_skip_domain spammer.example other.example\n"
	    "clear_uridnsbl_skip_domain spammer.example\n",
	    dnseval_rules);
	r = parse(text);
	ck_assert_uint_eq(vg_rules_uribl_skip_count(r), 1);
	lookup(&res, r, NULL, uris, 1);
	ck_assert_ptr_nonnull(find(&res, "URIBL_T_2"));
	vg_result_fini(&res);
	vg_rules_free(r);

	snprintf(text, sizeof(text),
	    "%s"
	    "uridnsbl_skip_domain spammer.example other.example\n"
	    "clear_uridnsbl_skip_domain\n",
	    dnseval_rules);
	r = parse(text);
	ck_assert_uint_eq(vg_rules_uribl_skip_count(r), 0);
	vg_rules_free(r);
}
END_TEST

/*
 * Lists sharing a zone ask one query: four URI lists on uribl.test cost
 * one of uribl_max_lookups per domain, so the third domain is still
 * looked up with a limit of 3.
 */
START_TEST(test_sanet_uribl_shared_zone_limit)
{
	static const char *const uris[] = {
	    "http://one.example/",
	    "http://two.example/",
	    "http://www.spammer.co.uk/",
	};
	struct vg_rules *r = parse(dnseval_rules);
	struct vg_conf conf;
	char servers[64];
	struct vg_dnsbl *bl = NULL;
	struct vg_dnsbl_lookup *lk = NULL;
	struct vg_dns *dns = NULL;
	struct vg_result res;

	vg_dnstest_conf(&conf, servers, sizeof(servers));
	ck_assert_int_eq(vg_dnsbl_new(&bl, r, NULL), 0);
	ck_assert_int_eq(vg_dns_new(&dns, &conf, NULL), 0);
	vg_result_init(&res, "score");
	ck_assert_int_eq(vg_dnsbl_start(&lk, bl, dns, NULL, 0, uris, 3, 3), 0);
	vg_dns_unref(dns);
	ck_assert_int_eq(vg_check_dnsbl_record(&res,
	                     vg_dnsbl_collect(lk, vg_clock_ms() + 3000), r),
	    0);
	ck_assert_ptr_nonnull(find(&res, "URIBL_T_2"));
	ck_assert_ptr_nonnull(find(&res, "URIBL_T_ANY"));
	vg_dnsbl_lookup_free(lk);
	vg_result_fini(&res);
	/* With 2, the listed domain is past the limit for every list. */
	ck_assert_int_eq(vg_dns_new(&dns, &conf, NULL), 0);
	vg_result_init(&res, "score");
	ck_assert_int_eq(vg_dnsbl_start(&lk, bl, dns, NULL, 0, uris, 3, 2), 0);
	vg_dns_unref(dns);
	ck_assert_int_eq(vg_check_dnsbl_record(&res,
	                     vg_dnsbl_collect(lk, vg_clock_ms() + 3000), r),
	    0);
	ck_assert_uint_eq(res.syms.n, 0);
	vg_dnsbl_lookup_free(lk);
	vg_result_fini(&res);
	vg_dnsbl_free(bl);
	vg_rules_free(r);
}
END_TEST

/* SPF, DKIM and DMARC lines as SpamAssassin's files write them. */
static const char auth_rules[] =
    "vigil_compat spamassassin\n"
    "ifplugin Mail::SpamAssassin::Plugin::SPF\n"
    "header SPF_PASS         eval:check_for_spf_pass()\n"
    "header SPF_FAIL         eval:check_for_spf_fail()\n"
    "header SPF_HELO_PASS    eval:check_for_spf_helo_pass()\n"
    "header T_SPF_PERMERROR  eval:check_for_spf_permerror()\n"
    "endif\n"
    "ifplugin Mail::SpamAssassin::Plugin::DKIM\n"
    "full   DKIM_SIGNED      eval:check_dkim_signed()\n"
    "full   DKIM_VALID       eval:check_dkim_valid()\n"
    "full   DKIM_VALID_AU    eval:check_dkim_valid_author_sig()\n"
    "meta   DKIM_INVALID     DKIM_SIGNED && !DKIM_VALID\n"
    "full   DKIM_VERIFIED    eval:check_dkim_valid()\n"
    "full   __RESIGNER1      eval:check_dkim_valid('linkedin.com')\n"
    "header DKIM_ADSP_ALL    eval:check_dkim_adsp('A')\n"
    "endif\n"
    "ifplugin Mail::SpamAssassin::Plugin::Dmarc\n"
    "header DMARC_REJECT     eval:check_dmarc_reject()\n"
    "header DMARC_MISSING    eval:check_dmarc_missing()\n"
    "endif\n"
    "meta   T_NOT_VALID      DKIM_SIGNED && !DKIM_VALID_AU\n"
    "score  SPF_PASS         -0.001\n"
    "score  SPF_FAIL         0 0.919 0 0.919\n"
    "score  DKIM_SIGNED      0.1\n"
    "score  DKIM_VALID       -0.1\n"
    "score  DKIM_VALID_AU    -0.1\n"
    "score  DKIM_INVALID     0.1\n"
    "score  DKIM_VERIFIED    0.5\n"
    "score  T_NOT_VALID      0.3\n"
    "score  DMARC_REJECT     0 0.1 0 0.1\n"
    "score  DMARC_FAIL_REJECT 3.0\n"
    "score  SPF_PERMERROR    0.5\n";

/* The symbols, the aliases, the skipped, the scores. */
START_TEST(test_sanet_auth_mapping)
{
	struct vg_rules *r = parse(auth_rules);
	const struct vg_rules_plugin_stat *ps;
	struct vg_result res;

	/* Same name: Vigil's symbol, no rule of its own. */
	ck_assert(vg_rules_score(r, "SPF_PASS", -9) == -0.001);
	ck_assert(vg_rules_score(r, "SPF_FAIL", -9) == 0.919);
	ck_assert(vg_rules_score(r, "DKIM_INVALID", -9) == 0.1);
	for (size_t i = 0; i < vg_rules_count(r); i++) {
		ck_assert_str_ne(vg_rules_name(r, i), "SPF_PASS");
		ck_assert_str_ne(vg_rules_name(r, i), "DKIM_INVALID");
	}
	/* Another name: a meta over the symbol, which then scores 0. */
	ck_assert(vg_rules_score(r, "DMARC_REJECT", -9) == 0.1);
	ck_assert(vg_rules_score(r, "DMARC_FAIL_REJECT", -9) == 0);
	ck_assert(vg_rules_score(r, "SPF_PERMERROR", -9) == 0);
	ck_assert(vg_rules_score(r, "T_SPF_PERMERROR", -9) == 0.01);
	/* ... unless SpamAssassin's files score it by its own name too. */
	ck_assert(vg_rules_score(r, "DKIM_VALID", -9) == -0.1);
	ck_assert(vg_rules_score(r, "DKIM_VERIFIED", -9) == 0.5);

	ck_assert_ptr_nonnull(ps = plugin(r, "SPF"));
	ck_assert(ps->implemented);
	ck_assert_uint_eq(ps->loaded, 4);
	ck_assert_ptr_nonnull(ps = plugin(r, "DKIM"));
	ck_assert_uint_eq(ps->loaded, 5);
	ck_assert_uint_eq(ps->skipped, 2); /* with arguments; ADSP */
	ck_assert_ptr_nonnull(ps = plugin(r, "Dmarc"));
	ck_assert_uint_eq(ps->loaded, 1);
	ck_assert_uint_eq(ps->skipped, 1); /* check_dmarc_missing */

	/* The aliases over a result the checks gave. */
	vg_result_init(&res, "score");
	ck_assert_int_eq(
	    vg_result_add(&res, "DMARC_FAIL_REJECT", 0, "dmarc=fail"), 0);
	ck_assert_int_eq(vg_result_add(&res, "SPF_PERMERROR", 0, NULL), 0);
	ck_assert_int_eq(vg_rules_eval_meta(r, NULL, &res.syms), 0);
	ck_assert_ptr_nonnull(find(&res, "DMARC_REJECT"));
	ck_assert_ptr_nonnull(find(&res, "T_SPF_PERMERROR"));
	ck_assert_ptr_null(find(&res, "DKIM_INVALID"));
	vg_result_fini(&res);
	vg_rules_free(r);
}
END_TEST

/* run_spf - Vigil's SPF check with the mapped rules' scores */
static void
run_spf(struct vg_result *res, const struct vg_rules *r, const char *from)
{
	struct vg_msg_limits lim = {1 << 20, 1 << 20, 100, 1000, 10, "/tmp"};
	struct vg_conf conf;
	char servers[64];
	struct vg_msg *msg = NULL;
	struct vg_stage_env env = {.conf = &conf, .rules = r};
	void *state = NULL;

	vg_dnstest_conf(&conf, servers, sizeof(servers));
	conf.spf_check_helo = true;
	ck_assert_int_eq(vg_dns_new(&env.dns, &conf, NULL), 0);
	ck_assert_int_eq(vg_check_spf_ops.create(&state, &env, NULL), 0);
	ck_assert_int_eq(vg_msg_new(&msg, &lim), 0);
	vg_msg_set_client(msg, "192.0.2.1", "client.example");
	vg_msg_set_helo(msg, "helo.spf.test");
	vg_msg_set_from(msg, from);
	vg_result_init(res, "score");
	ck_assert_int_eq(vg_check_spf_ops.collect(
	                     state, msg, NULL, vg_clock_ms() + 5000, r, res),
	    0);
	ck_assert_int_eq(vg_rules_eval_meta(r, NULL, &res->syms), 0);
	vg_msg_free(msg);
	vg_check_spf_ops.free(state);
	vg_dns_unref(env.dns);
}

/* SPF through the real check: SpamAssassin's names and scores. */
START_TEST(test_sanet_spf_check)
{
	struct vg_rules *r = parse(auth_rules);
	struct vg_result res;
	const struct vg_symbol *s;

	run_spf(&res, r, "user@pass.spf.test");
	ck_assert_ptr_nonnull(s = find(&res, "SPF_PASS"));
	ck_assert(s->score == -0.001);
	ck_assert_ptr_nonnull(find(&res, "SPF_HELO_PASS"));
	ck_assert_ptr_null(find(&res, "SPF_FAIL"));
	vg_result_fini(&res);
	run_spf(&res, r, "user@fail.spf.test");
	ck_assert_ptr_nonnull(s = find(&res, "SPF_FAIL"));
	ck_assert(s->score == 0.919);
	ck_assert_ptr_null(find(&res, "SPF_PASS"));
	vg_result_fini(&res);
	vg_rules_free(r);
}
END_TEST

/* run_dkim - Vigil's DKIM check on m with the mapped rules' scores */
static void
run_dkim(struct vg_result *res, const struct vg_rules *r, const char *m)
{
	struct vg_msg_limits lim = {1 << 20, 1 << 20, 100, 1000, 10, "/tmp"};
	struct vg_conf conf;
	char servers[64];
	struct vg_stage_env env = {.conf = &conf, .rules = r};
	struct vg_msg *msg = NULL;
	void *state = NULL, *work = NULL;

	vg_dnstest_conf(&conf, servers, sizeof(servers));
	conf.dkim = true;
	conf.dkim_max_signatures = 5;
	conf.dkim_max_body_size = 1u << 20;
	conf.max_header_count = 1000;
	ck_assert_int_eq(vg_dns_new(&env.dns, &conf, NULL), 0);
	ck_assert_int_eq(vg_check_dkim_ops.create(&state, &env, NULL), 0);
	ck_assert_int_eq(vg_msg_from_bytes(&msg, &lim, m, strlen(m)), 0);
	ck_assert_int_eq(vg_msg_set_client(msg, "192.0.2.1", "c.example"), 0);
	vg_result_init(res, "score");
	ck_assert_int_eq(vg_check_dkim_ops.start(state, msg, NULL, &work), 0);
	ck_assert_int_eq(vg_check_dkim_ops.collect(
	                     state, msg, work, vg_clock_ms() + 5000, r, res),
	    0);
	ck_assert_int_eq(vg_rules_eval_meta(r, NULL, &res->syms), 0);
	if (work != NULL)
		vg_check_dkim_ops.work_free(work);
	vg_msg_free(msg);
	vg_check_dkim_ops.free(state);
	vg_dns_unref(env.dns);
}

/*
 * DKIM through the real check (RFC 8463's signed message and the test
 * keys): SpamAssassin's names score, DKIM_INVALID counts once.
 */
START_TEST(test_sanet_dkim_check)
{
	struct vg_rules *r = parse(auth_rules);
	struct vg_result res;
	char *bad;

	run_dkim(&res, r, rfc8463_msg);
	ck_assert(score_of(&res, "DKIM_SIGNED") == 0.1);
	ck_assert(score_of(&res, "DKIM_VALID") == -0.1);
	ck_assert(score_of(&res, "DKIM_VALID_AU") == -0.1);
	ck_assert(score_of(&res, "DKIM_VERIFIED") == 0.5);
	ck_assert_ptr_null(find(&res, "DKIM_INVALID"));
	ck_assert_ptr_null(find(&res, "T_NOT_VALID"));
	vg_result_fini(&res);

	bad = replace(rfc8463_msg, "hungry yet", "hungry yes");
	run_dkim(&res, r, bad);
	ck_assert_ptr_null(find(&res, "DKIM_VALID"));
	ck_assert_ptr_null(find(&res, "DKIM_VERIFIED"));
	ck_assert_uint_eq(count(&res, "DKIM_INVALID"), 1);
	ck_assert(score_of(&res, "DKIM_INVALID") == 0.1);
	ck_assert_ptr_nonnull(find(&res, "T_NOT_VALID"));
	vg_result_fini(&res);
	free(bad);
	vg_rules_free(r);
}
END_TEST

/*
 * Debian's rule files: the network plugins load and count, and a 4-number
 * score of a mapped list is set 1's.
 */
START_TEST(test_sanet_debian_rules)
{
	static const char path[] = "/usr/share/spamassassin/20_dnsbl_tests.cf";
	char text[512];
	struct vg_rules *r;
	const struct vg_rules_plugin_stat *ps;

	if (access(path, R_OK) != 0)
		return; /* SpamAssassin's rules are not installed */
	snprintf(text, sizeof(text),
	    "vigil_compat spamassassin\n"
	    "include %s\n"
	    "score RCVD_IN_SBL 0 2.596 0 0.141\n",
	    path);
	r = parse(text);
	ck_assert_ptr_nonnull(ps = plugin(r, "DNSEval"));
	ck_assert_uint_eq(ps->loaded, 15);
	ck_assert_uint_eq(ps->skipped, 3); /* the three TXT lists */
	ck_assert_ptr_nonnull(list(r, "RCVD_IN_SBL"));
	ck_assert_str_eq(list(r, "RCVD_IN_SBL")->zone, "zen.spamhaus.org");
	ck_assert(fabs(vg_rules_score(r, "RCVD_IN_SBL", -9) - 2.596) < 1e-9);
	ck_assert_str_eq(
	    list(r, "RCVD_IN_XBL")->answers, "127.0.0.4-127.0.0.7");
	ck_assert_ptr_null(list(r, "RCVD_IN_BL_SPAMCOP_NET")); /* TXT */
	vg_rules_free(r);
}
END_TEST

static Suite *
sanet_suite(void)
{
	Suite *s = suite_create("rules_sanet");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_sanet_dnseval_declarations);
	tcase_add_test(tc, test_sanet_uridnsbl_needs_compat);
	tcase_add_test(tc, test_sanet_rbl_lookups);
	tcase_add_test(tc, test_sanet_uribl_lookups);
	tcase_add_test(tc, test_sanet_uribl_skip_domain);
	tcase_add_test(tc, test_sanet_uribl_shared_zone_limit);
	tcase_add_test(tc, test_sanet_auth_mapping);
	tcase_add_test(tc, test_sanet_spf_check);
	tcase_add_test(tc, test_sanet_dkim_check);
	tcase_add_test(tc, test_sanet_debian_rules);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(sanet_suite)
