/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_check_dkim - the DKIM check of the score stage against the test
 * DNS server (tests/dns/zones.conf serves RFC 8463's keys for
 * football.example.com): the symbols and their details, the typed
 * authentication results behind Authentication-Results, a changed body,
 * a missing key, a server that never answers (temperror within the
 * deadline), dkim_max_signatures, and the mail it must leave alone
 * (trusted clients, SASL senders, dkim = no).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "vg_dkimtest.h"
#include "vg_dnstest.h"
#include "base/clock.h"
#include "base/conf.h"
#include "core/result.h"
#include "message/msg.h"
#include "net/dns.h"
#include "stages/check_ops.h"

/* conf_for - the test server's config with DKIM on */
static void
conf_for(struct vg_conf *conf, char *servers, size_t size)
{
	vg_dnstest_conf(conf, servers, size);
	conf->dkim = true;
	conf->dkim_max_signatures = 5;
	conf->dkim_max_body_size = 1u << 20;
	conf->max_header_count = 1000;
}

/*
 * run_check - run the check's start and collect on message m from client
 * ip (login auth, or NULL); returns collect's wall time in ms
 */
static uint64_t
run_check(struct vg_result *res, const struct vg_conf *conf, const char *m,
    const char *ip, const char *auth, uint64_t deadline)
{
	struct vg_msg_limits lim = {1 << 20, 1 << 20, 100, 1000, 10, "/tmp"};
	struct vg_stage_env env = {
	    .conf = conf, .rules = NULL, .dns = NULL, .prev = NULL};
	struct vg_msg *msg = NULL;
	void *state = NULL, *work = NULL;
	uint64_t t0;

	ck_assert_int_eq(vg_dns_new(&env.dns, conf, NULL), 0);
	ck_assert_int_eq(vg_check_dkim_ops.create(&state, &env, NULL), 0);
	ck_assert_int_eq(vg_msg_from_bytes(&msg, &lim, m, strlen(m)), 0);
	ck_assert_int_eq(vg_msg_set_client(msg, ip, "client.example"), 0);
	if (auth != NULL)
		ck_assert_int_eq(vg_msg_set_auth(msg, auth), 0);
	vg_result_init(res, "score");
	ck_assert_int_eq(vg_check_dkim_ops.start(state, msg, NULL, &work), 0);
	t0 = vg_clock_ms();
	ck_assert_int_eq(vg_check_dkim_ops.collect(state, msg, work,
	                     vg_clock_ms() + deadline, NULL, res),
	    0);
	t0 = vg_clock_ms() - t0;
	if (work != NULL)
		vg_check_dkim_ops.work_free(work);
	vg_msg_free(msg);
	vg_check_dkim_ops.free(state);
	vg_dns_unref(env.dns);
	return t0;
}

START_TEST(test_check_dkim_rfc8463_pass)
{
	struct vg_conf conf;
	char servers[64];
	struct vg_result res;
	static const char both[] =
	    "dkim=pass header.d=football.example.com header.s=brisbane; "
	    "dkim=pass header.d=football.example.com header.s=test";

	conf_for(&conf, servers, sizeof(servers));
	run_check(&res, &conf, rfc8463_msg, "192.0.2.1", NULL, 5000);
	ck_assert_ptr_nonnull(vg_result_detail(&res, "DKIM_SIGNED"));
	ck_assert_str_eq(vg_result_detail(&res, "DKIM_SIGNED"), both);
	ck_assert_str_eq(vg_result_detail(&res, "DKIM_VALID"), both);
	ck_assert_str_eq(vg_result_detail(&res, "DKIM_VALID_AU"), both);
	ck_assert_ptr_null(vg_result_detail(&res, "DKIM_INVALID"));
	ck_assert_ptr_null(vg_result_detail(&res, "DKIM_TEMPERROR"));
	/* One typed result per signature, top down, for the header. */
	ck_assert_uint_eq(res.nauth, 2);
	ck_assert_int_eq(res.auth[0].method, VG_AUTH_DKIM);
	ck_assert_str_eq(res.auth[0].result, "pass");
	ck_assert_str_eq(res.auth[0].value, "football.example.com");
	ck_assert_str_eq(res.auth[0].value2, "brisbane");
	ck_assert_str_eq(res.auth[1].value2, "test");
	vg_result_fini(&res);
}
END_TEST

/* A changed body fails both; one missing key is permerror. */
START_TEST(test_check_dkim_failures)
{
	struct vg_conf conf;
	char servers[64];
	struct vg_result res;
	char *m = replace(rfc8463_msg, "hungry yet", "hungry yes");

	conf_for(&conf, servers, sizeof(servers));
	run_check(&res, &conf, m, "192.0.2.1", NULL, 5000);
	ck_assert_ptr_null(vg_result_detail(&res, "DKIM_VALID"));
	ck_assert_str_eq(vg_result_detail(&res, "DKIM_INVALID"),
	    "dkim=fail header.d=football.example.com header.s=brisbane "
	    "(body hash mismatch); "
	    "dkim=fail header.d=football.example.com header.s=test "
	    "(body hash mismatch)");
	ck_assert_str_eq(res.auth[0].result, "fail");
	vg_result_fini(&res);
	free(m);

	/* A selector with no key: permerror; the other still passes. */
	m = replace(rfc8463_msg, "s=brisbane", "s=nokey");
	run_check(&res, &conf, m, "192.0.2.1", NULL, 5000);
	ck_assert_ptr_nonnull(vg_result_detail(&res, "DKIM_VALID_AU"));
	ck_assert_ptr_null(vg_result_detail(&res, "DKIM_INVALID"));
	ck_assert_str_eq(vg_result_detail(&res, "DKIM_SIGNED"),
	    "dkim=permerror header.d=football.example.com header.s=nokey "
	    "(key not found: nxdomain); "
	    "dkim=pass header.d=football.example.com header.s=test");
	ck_assert_str_eq(res.auth[0].result, "permerror");
	ck_assert_str_eq(res.auth[1].result, "pass");
	vg_result_fini(&res);
	free(m);
}
END_TEST

/*
 * A server that never answers: temperror for each key once the deadline
 * passes, and no more than the deadline is spent.
 */
START_TEST(test_check_dkim_dns_silent)
{
	struct vg_conf conf;
	char servers[64];
	struct vg_result res;
	uint64_t ms;
	int fd;

	conf_for(&conf, servers, sizeof(servers));
	fd = vg_dnstest_silent(servers, sizeof(servers));
	ck_assert_int_ge(fd, 0);
	ms = run_check(&res, &conf, rfc8463_msg, "192.0.2.1", NULL, 500);
	ck_assert_uint_lt(ms, 1500);
	ck_assert_ptr_null(vg_result_detail(&res, "DKIM_VALID"));
	ck_assert_ptr_null(vg_result_detail(&res, "DKIM_INVALID"));
	ck_assert_str_eq(vg_result_detail(&res, "DKIM_TEMPERROR"),
	    "dkim=temperror header.d=football.example.com header.s=brisbane "
	    "(key lookup failed: dns_deadline passed); "
	    "dkim=temperror header.d=football.example.com header.s=test "
	    "(key lookup failed: dns_deadline passed)");
	ck_assert_str_eq(res.auth[1].result, "temperror");
	vg_result_fini(&res);
	close(fd);
}
END_TEST

/* dkim_max_signatures = 1: only the top signature is verified. */
START_TEST(test_check_dkim_max_signatures)
{
	struct vg_conf conf;
	char servers[64];
	struct vg_result res;

	conf_for(&conf, servers, sizeof(servers));
	conf.dkim_max_signatures = 1;
	run_check(&res, &conf, rfc8463_msg, "192.0.2.1", NULL, 5000);
	ck_assert_str_eq(vg_result_detail(&res, "DKIM_VALID"),
	    "dkim=pass header.d=football.example.com header.s=brisbane");
	ck_assert_uint_eq(res.nauth, 1);
	vg_result_fini(&res);
}
END_TEST

/* Outbound mail (trusted client, SASL login) and dkim = no: nothing. */
START_TEST(test_check_dkim_not_checked)
{
	struct vg_conf conf;
	char servers[64];
	struct vg_result res;
	char trusted[] = "192.0.2.0/24";

	conf_for(&conf, servers, sizeof(servers));
	conf.trusted_networks = trusted;
	run_check(&res, &conf, rfc8463_msg, "192.0.2.1", NULL, 5000);
	ck_assert_uint_eq(res.syms.n, 0);
	ck_assert_uint_eq(res.nauth, 0);
	vg_result_fini(&res);
	conf.trusted_networks = NULL;
	run_check(&res, &conf, rfc8463_msg, "198.51.100.1", "alice", 5000);
	ck_assert_uint_eq(res.syms.n, 0);
	vg_result_fini(&res);
	conf.dkim = false;
	run_check(&res, &conf, rfc8463_msg, "198.51.100.1", NULL, 5000);
	ck_assert_uint_eq(res.syms.n, 0);
	vg_result_fini(&res);
	/* Unsigned mail gets no symbol either. */
	conf.dkim = true;
	run_check(&res, &conf, "From: a@b.example\r\n\r\nhi\r\n",
	    "198.51.100.1", NULL, 5000);
	ck_assert_uint_eq(res.syms.n, 0);
	vg_result_fini(&res);
}
END_TEST

/* Two From: fields: never _AU (scan_dkim.sh has another domain). */
START_TEST(test_check_dkim_author_domain)
{
	struct vg_conf conf;
	char servers[64];
	struct vg_result res;
	char *m = replace(rfc8463_msg, "Subject: Is dinner",
	    "From: Eve <eve@evil.example>\r\nSubject: Is dinner");

	conf_for(&conf, servers, sizeof(servers));
	/* Two From: fields break the over-signed signature anyway. */
	run_check(&res, &conf, m, "192.0.2.1", NULL, 5000);
	ck_assert_ptr_null(vg_result_detail(&res, "DKIM_VALID_AU"));
	vg_result_fini(&res);
	free(m);
}
END_TEST

static Suite *
check_dkim_suite(void)
{
	Suite *s = suite_create("check_dkim");
	TCase *tc = tcase_create("dns");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_check_dkim_rfc8463_pass);
	tcase_add_test(tc, test_check_dkim_failures);
	tcase_add_test(tc, test_check_dkim_dns_silent);
	tcase_add_test(tc, test_check_dkim_max_signatures);
	tcase_add_test(tc, test_check_dkim_not_checked);
	tcase_add_test(tc, test_check_dkim_author_domain);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(check_dkim_suite)
