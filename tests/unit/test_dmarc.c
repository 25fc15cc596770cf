/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_dmarc - the DMARC record grammar (RFC 7489 6.3, 6.6.3),
 * organisational domains through the public suffix list, relaxed and
 * strict alignment, and the evaluation with sp= and pct=.  No network.
 */
#include <check.h>
#include <string.h>

#include "vg_check.h"
#include "net/dmarc.h"

/* {record, parses, p, sp, adkim strict, aspf strict, pct, reason} */
static const struct {
	const char *txt;
	bool ok;
	enum vg_dmarc_policy p, sp;
	bool adkim, aspf;
	unsigned pct;
	const char *why;
} records[] = {
    {"v=DMARC1; p=reject", true, VG_DMARC_P_REJECT, VG_DMARC_P_REJECT, false,
        false, 100, NULL},
    {"v=DMARC1; p=quarantine; sp=none; adkim=s; aspf=s; pct=20", true,
        VG_DMARC_P_QUARANTINE, VG_DMARC_P_NONE, true, true, 20, NULL},
    {"v=DMARC1;p=none;rua=mailto:d@example.com;", true, VG_DMARC_P_NONE,
        VG_DMARC_P_NONE, false, false, 100, NULL},
    {"v=DMARC1; p=REJECT; pct=150; adkim=x", true, VG_DMARC_P_REJECT,
        VG_DMARC_P_REJECT, false, false, 100, NULL},
    {"v=DMARC1; p=reject; pct=abc", true, VG_DMARC_P_REJECT, VG_DMARC_P_REJECT,
        false, false, 100, NULL},
    {"v=DMARC1; p=bogus; rua=mailto:d@example.com", true, VG_DMARC_P_NONE,
        VG_DMARC_P_NONE, false, false, 100, NULL},
    {"v=DMARC1; p=bogus", false, 0, 0, false, false, 0,
        "p= is not none, quarantine or reject"},
    {"v=DMARC1; rua=x", false, 0, 0, false, false, 0, "no p= tag"},
    {"p=reject; v=DMARC1", false, 0, 0, false, false, 0,
        "record does not start with v=DMARC1"},
    {"v=dmarc1; p=reject", false, 0, 0, false, false, 0,
        "record does not start with v=DMARC1"},
    {"v=spf1 -all", false, 0, 0, false, false, 0,
        "record does not start with v=DMARC1"},
    {"v=DMARC1; p=reject; ;", false, 0, 0, false, false, 0,
        "malformed tag list"},
};

START_TEST(test_dmarc_record_parse)
{
	struct vg_dmarc_record rec;
	char why[128] = "";
	int rc = vg_dmarc_record_parse(
	    &rec, records[_i].txt, strlen(records[_i].txt), why, sizeof(why));

	if (!records[_i].ok) {
		ck_assert_int_eq(rc, VG_EINVAL);
		ck_assert_str_eq(why, records[_i].why);
		return;
	}
	ck_assert_msg(rc == 0, "case %d: got %s, want ok", _i, why);
	ck_assert_int_eq(rec.p, records[_i].p);
	ck_assert_int_eq(rec.sp, records[_i].sp);
	ck_assert_int_eq(rec.adkim_strict, records[_i].adkim);
	ck_assert_int_eq(rec.aspf_strict, records[_i].aspf);
	ck_assert_uint_eq(rec.pct, records[_i].pct);
}
END_TEST

/* A record over VG_DMARC_RECORD_MAX bytes is refused. */
START_TEST(test_dmarc_record_limit)
{
	static char txt[VG_DMARC_RECORD_MAX + 64];
	struct vg_dmarc_record rec;
	char why[128];
	size_t n;

	memcpy(txt, "v=DMARC1; p=reject; rua=mailto:", 32);
	n = strlen(txt);
	memset(txt + n, 'a', VG_DMARC_RECORD_MAX - n);
	txt[VG_DMARC_RECORD_MAX] = '\0';
	ck_assert_int_eq(
	    vg_dmarc_record_parse(&rec, txt, strlen(txt), why, sizeof(why)), 0);
	txt[VG_DMARC_RECORD_MAX] = 'a';
	txt[VG_DMARC_RECORD_MAX + 1] = '\0';
	ck_assert_int_eq(
	    vg_dmarc_record_parse(&rec, txt, strlen(txt), why, sizeof(why)),
	    VG_EINVAL);
	ck_assert_str_eq(why, "record longer than 4096 bytes");
}
END_TEST

static const struct {
	const char *in, *org;
} orgs[] = {
    {"example.com", "example.com"},
    {"Mail.EXAMPLE.com", "example.com"},
    {"a.b.example.co.uk", "example.co.uk"},
    {"example.co.uk", "example.co.uk"},
    {"co.uk", "co.uk"},
    {"example.com.", "example.com"},
};

START_TEST(test_dmarc_org_domain)
{
	char out[256];

	ck_assert_int_eq(vg_dmarc_org_domain(out, sizeof(out), orgs[_i].in), 0);
	ck_assert_str_eq(out, orgs[_i].org);
}
END_TEST

START_TEST(test_dmarc_org_domain_errors)
{
	char out[8];

	ck_assert_int_eq(vg_dmarc_org_domain(out, sizeof(out), ""), VG_EINVAL);
	ck_assert_int_eq(
	    vg_dmarc_org_domain(out, sizeof(out), "a..b"), VG_EINVAL);
	ck_assert_int_eq(
	    vg_dmarc_org_domain(out, sizeof(out), "example.com"), VG_ELIMIT);
}
END_TEST

START_TEST(test_dmarc_aligned)
{
	ck_assert(vg_dmarc_aligned("example.com", "example.com", true));
	ck_assert(vg_dmarc_aligned("EXAMPLE.com", "example.COM", true));
	ck_assert(!vg_dmarc_aligned("mail.example.com", "example.com", true));
	ck_assert(vg_dmarc_aligned("mail.example.com", "example.com", false));
	ck_assert(vg_dmarc_aligned("example.com", "news.example.com", false));
	ck_assert(!vg_dmarc_aligned("example.net", "example.com", false));
	/* Two registrable domains under one public suffix: not aligned. */
	ck_assert(!vg_dmarc_aligned("a.co.uk", "b.co.uk", false));
	ck_assert(!vg_dmarc_aligned("", "example.com", false));
	ck_assert(!vg_dmarc_aligned(NULL, "example.com", false));
}
END_TEST

START_TEST(test_dmarc_evaluate)
{
	struct vg_dmarc_record rec;
	struct vg_dmarc_verdict v;
	const char *dkim[] = {"other.example", "mail.example.com"};
	struct vg_dmarc_input in = {.from_domain = "example.com"};
	char why[128];
	static const char txt[] = "v=DMARC1; p=reject; sp=quarantine; pct=50";

	ck_assert_int_eq(
	    vg_dmarc_record_parse(&rec, txt, strlen(txt), why, sizeof(why)), 0);
	/* Nothing authenticated: fail, p=reject applies (sample < pct). */
	vg_dmarc_evaluate(&v, &rec, false, &in, 10);
	ck_assert(!v.pass);
	ck_assert_int_eq(v.policy, VG_DMARC_P_REJECT);
	ck_assert_int_eq(v.applied, VG_DMARC_P_REJECT);
	/* Outside pct=: one step down. */
	vg_dmarc_evaluate(&v, &rec, false, &in, 50);
	ck_assert_int_eq(v.applied, VG_DMARC_P_QUARANTINE);
	/* Found at the organisational domain: sp= applies. */
	vg_dmarc_evaluate(&v, &rec, true, &in, 0);
	ck_assert_int_eq(v.applied, VG_DMARC_P_QUARANTINE);
	/* SPF pass for an unaligned domain: still fail. */
	in.spf_pass = true;
	in.spf_domain = "bounces.other.example";
	vg_dmarc_evaluate(&v, &rec, false, &in, 0);
	ck_assert(!v.pass && !v.spf_aligned);
	/* ... for a subdomain (relaxed): pass. */
	in.spf_domain = "bounces.example.com";
	vg_dmarc_evaluate(&v, &rec, false, &in, 0);
	ck_assert(v.pass && v.spf_aligned && !v.dkim_aligned);
	ck_assert_int_eq(v.applied, VG_DMARC_P_NONE);
	/* DKIM alone, relaxed: the second signature aligns. */
	in.spf_pass = false;
	in.dkim_pass = dkim;
	in.ndkim_pass = 2;
	vg_dmarc_evaluate(&v, &rec, false, &in, 0);
	ck_assert(v.pass && v.dkim_aligned);
	/* adkim=s: mail.example.com is not example.com. */
	rec.adkim_strict = true;
	vg_dmarc_evaluate(&v, &rec, false, &in, 0);
	ck_assert(!v.pass);
}
END_TEST

static Suite *
dmarc_suite(void)
{
	Suite *s = suite_create("dmarc");
	TCase *tc = tcase_create("dmarc");

	tcase_add_loop_test(
	    tc, test_dmarc_record_parse, 0, (int)VG_NELEM(records));
	tcase_add_test(tc, test_dmarc_record_limit);
	tcase_add_loop_test(tc, test_dmarc_org_domain, 0, (int)VG_NELEM(orgs));
	tcase_add_test(tc, test_dmarc_org_domain_errors);
	tcase_add_test(tc, test_dmarc_aligned);
	tcase_add_test(tc, test_dmarc_evaluate);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(dmarc_suite)
