/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_dnsbl - DNS blacklists: ANSWERS syntax and matching, reversed
 * client names, URI hosts and registrable domains, and lookups against
 * the test zones (tests/dns/zones.conf, tests/dns/test.rules) served by a
 * real dnsmasq, including the URI lookup limit and a dead server.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "vg_dnstest.h"
#include "stages/check_ops.h"
#include "base/clock.h"
#include "base/conf.h"
#include "net/dns.h"
#include "net/dnsbl.h"
#include "base/err.h"
#include "message/msg.h"
#include "core/result.h"
#include "rules/rules.h"
#include "message/text.h"

#define RULES VG_SOURCE_DIR "/tests/dns/test.rules"

/*
 * dnsbl_create - the check as an engine builds it, with a resolver for
 * the test DNS server; one resolver for the whole test process (still
 * reachable at exit, so the leak checker does not count it).
 */
static int
dnsbl_create(void **state, const struct vg_conf *conf,
    const struct vg_rules *rules, struct vg_err *err)
{
	static struct vg_dns *dns;
	struct vg_stage_env env = {conf, rules, NULL, NULL, NULL, false, NULL};

	if (dns == NULL)
		ck_assert_int_eq(vg_dns_new(&dns, conf, err), 0);
	env.dns = dns;
	return vg_check_dnsbl_ops.create(state, &env, err);
}

static const struct {
	const char *spec;
	bool valid;
} specs[] = {
    {"127.0.0.2", true},
    {"127.0.0.2-127.0.0.11", true},
    {"127.0.0.2 - 127.0.0.11", true},
    {"&0x04", true},
    {"&4", true},
    {"&0.0.0.4", true},
    {"127.0.0.2, 127.0.0.4,&0x08", true},
    {"127.0.0.0/24", true},
    {"127.0.0.0/33", false},
    {"", false},
    {"127.0.0", false},
    {"127.0.0.11-127.0.0.2", false},
    {"&0", false},
    {"&zz", false},
    {"&0x123456789", false},
    {"127.0.0.2,,127.0.0.3", false},
    {"localhost", false},
};

START_TEST(test_dnsbl_answers_check)
{
	const char *why = NULL;
	int rc = vg_dnsbl_answers_check(specs[_i].spec, &why);

	ck_assert_msg((rc == 0) == specs[_i].valid, "\"%s\": got %d, want %s",
	    specs[_i].spec, rc, specs[_i].valid ? "valid" : "invalid");
	if (!specs[_i].valid)
		ck_assert_ptr_nonnull(why);
}
END_TEST

static const struct {
	const char *spec;
	uint32_t addr;
	bool hit;
} matches[] = {
    {NULL, 0x7f000002u, true},
    {NULL, 0x7f00000bu, true},
    {NULL, 0x7ffffffeu, false}, /* Spamhaus: query refused */
    {NULL, 0x0a000001u, false}, /* not in 127/8 */
    {"127.0.0.2", 0x7f000002u, true},
    {"127.0.0.2", 0x7f000003u, false},
    {"127.0.0.2-127.0.0.11", 0x7f00000bu, true},
    {"127.0.0.2-127.0.0.11", 0x7f00000cu, false},
    {"&0x04", 0x7f000004u, true},
    {"&0x04", 0x7f000006u, true},
    {"&0x04", 0x7f000002u, false},
    {"127.0.0.9, &0x02", 0x7f000002u, true},
    {"127.0.0.0/30", 0x7f000003u, true},
    {"127.0.0.0/30", 0x7f000004u, false},
};

START_TEST(test_dnsbl_answer_match)
{
	ck_assert_msg(vg_dnsbl_answer_match(matches[_i].spec,
	                  matches[_i].addr) == matches[_i].hit,
	    "%s vs %08x: got %d, want %d",
	    matches[_i].spec != NULL ? matches[_i].spec : "(default)",
	    matches[_i].addr, !matches[_i].hit, matches[_i].hit);
}
END_TEST

START_TEST(test_dnsbl_client_name)
{
	char out[300], zone[260];

	ck_assert_int_eq(
	    vg_dnsbl_client_name(out, sizeof(out), "127.0.0.2", "bl.test"), 0);
	ck_assert_str_eq(out, "2.0.0.127.bl.test");
	ck_assert_int_eq(vg_dnsbl_client_name(
	                     out, sizeof(out), "::ffff:127.0.0.2", "bl.test"),
	    0);
	ck_assert_str_eq(out, "2.0.0.127.bl.test");
	ck_assert_int_eq(
	    vg_dnsbl_client_name(out, sizeof(out), "2001:db8::bad", "bl.test"),
	    0);
	ck_assert_str_eq(out,
	    "d.a.b.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "8.b.d.0.1.0.0.2.bl.test");
	ck_assert_int_eq(
	    vg_dnsbl_client_name(out, sizeof(out), "unknown", "bl.test"),
	    VG_EINVAL);
	/* Too small a buffer, too long a name. */
	ck_assert_int_eq(
	    vg_dnsbl_client_name(out, 10, "127.0.0.2", "bl.test"), VG_ELIMIT);
	memset(zone, 'z', 250);
	zone[250] = '\0';
	ck_assert_int_eq(
	    vg_dnsbl_client_name(out, sizeof(out), "127.0.0.2", zone),
	    VG_ELIMIT);
	ck_assert_int_eq(
	    vg_dnsbl_client_name(out, sizeof(out), "2001:db8::1", zone),
	    VG_ELIMIT);
}
END_TEST

static const struct {
	const char *uri, *host;
} hosts[] = {
    {"http://www.Spammer.Example/path", "www.spammer.example"},
    {"https://user:pw@host.example:8080/x?y", "host.example"},
    {"http://host.example./", "host.example"},
    {"http://a@b@host.example#frag", "host.example"},
    {"www.foo.example/bar", "www.foo.example"},
    {"mailto:someone@example.com", NULL},
    {"http://[2001:db8::1]/", NULL},
    {"http:///path", NULL},
};

START_TEST(test_dnsbl_uri_host)
{
	char out[300];
	int rc = vg_dnsbl_uri_host(out, sizeof(out), hosts[_i].uri);

	if (hosts[_i].host == NULL) {
		ck_assert_msg(
		    rc != 0, "%s: got \"%s\", want none", hosts[_i].uri, out);
		return;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(strcmp(out, hosts[_i].host) == 0,
	    "%s: got \"%s\", want \"%s\"", hosts[_i].uri, out, hosts[_i].host);
}
END_TEST

START_TEST(test_dnsbl_registrable)
{
	struct vg_dnsbl *bl = NULL;
	char out[300];

	ck_assert_int_eq(vg_dnsbl_new(&bl, NULL, NULL), 0);
	ck_assert_int_eq(
	    vg_dnsbl_registrable(bl, out, sizeof(out), "www.spammer.co.uk"), 0);
	ck_assert_str_eq(out, "spammer.co.uk");
	ck_assert_int_eq(
	    vg_dnsbl_registrable(bl, out, sizeof(out), "a.b.example.com"), 0);
	ck_assert_str_eq(out, "example.com");
	ck_assert_int_ne(
	    vg_dnsbl_registrable(bl, out, sizeof(out), "co.uk"), 0);
	ck_assert_int_ne(
	    vg_dnsbl_registrable(bl, out, sizeof(out), "192.0.2.1"), 0);
	ck_assert_int_eq(
	    vg_dnsbl_registrable(bl, out, 5, "a.example.com"), VG_ELIMIT);
	vg_dnsbl_free(bl);
}
END_TEST

/*
 * check_run - the check as the score stage runs it: start on the pool,
 * collect off it (here both in this thread), free the lookup
 */
static int
check_run(void *state, const struct vg_msg *msg, const struct vg_rules *rules,
    struct vg_result *res)
{
	void *work = NULL;
	int rc;

	rc = vg_check_dnsbl_ops.start(state, msg, NULL, &work);
	if (rc == 0)
		rc = vg_check_dnsbl_ops.collect(
		    state, msg, work, vg_clock_ms() + 5000, rules, res);
	if (work != NULL)
		vg_check_dnsbl_ops.work_free(work);
	return rc;
}

/* load - the test rules and their compiled lists */
static void
load(struct vg_rules **rules, struct vg_dnsbl **bl)
{
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_msg(
	    vg_rules_load(rules, RULES, &err) == 0, "%s", vg_err_text(&err));
	ck_assert_msg(
	    vg_dnsbl_new(bl, *rules, &err) == 0, "%s", vg_err_text(&err));
}

/* find - the symbol name in res, or NULL */
static const struct vg_symbol *
find(const struct vg_result *res, const char *name)
{
	for (size_t i = 0; i < res->syms.n; i++)
		if (strcmp(res->syms.sym[i].name, name) == 0)
			return &res->syms.sym[i];
	return NULL;
}

/* run - look up ip and uris in the test lists */
static void
run(struct vg_result *res, const char *ip, const char *const *uris,
    size_t nuris, unsigned max, const char *servers_override)
{
	struct vg_conf conf;
	char servers[64];
	struct vg_rules *rules = NULL;
	struct vg_dnsbl *bl = NULL;
	struct vg_dnsbl_lookup *lk = NULL;
	struct vg_dns *dns = NULL;

	vg_dnstest_conf(&conf, servers, sizeof(servers));
	if (servers_override != NULL) {
		snprintf(servers, sizeof(servers), "%s", servers_override);
		conf.dns_timeout_ms = 200;
	}
	load(&rules, &bl);
	ck_assert_int_eq(vg_dns_new(&dns, &conf, NULL), 0);
	vg_result_init(res, "score");
	ck_assert_int_eq(vg_dnsbl_start(&lk, bl, dns, &ip, ip != NULL ? 1 : 0,
	                     uris, nuris, max),
	    0);
	/* The lookup holds its own reference to the resolver. */
	vg_dns_unref(dns);
	ck_assert_int_eq(vg_check_dnsbl_record(res,
	                     vg_dnsbl_collect(lk, vg_clock_ms() + 1000), rules),
	    0);
	vg_dnsbl_lookup_free(lk);
	vg_dnsbl_free(bl);
	vg_rules_free(rules);
}

START_TEST(test_dnsbl_client_hits)
{
	struct vg_result res;
	const struct vg_symbol *s;

	run(&res, "127.0.0.2", NULL, 0, 10, NULL);
	s = find(&res, "TEST_BL");
	ck_assert_ptr_nonnull(s);
	ck_assert_msg(s->score == 2.5, "got score %g, want 2.5", s->score);
	ck_assert_str_eq(s->detail, "127.0.0.2 listed in bl.test (127.0.0.2)");
	ck_assert_ptr_nonnull(find(&res, "TEST_BL_RANGE"));
	ck_assert_ptr_null(find(&res, "TEST_BL_MASK"));
	ck_assert_ptr_null(find(&res, "TEST_BL_NONE"));
	vg_result_fini(&res);

	/* 127.0.0.3 answers 127.0.0.4: only the lists that take it hit. */
	run(&res, "127.0.0.3", NULL, 0, 10, NULL);
	ck_assert_ptr_nonnull(find(&res, "TEST_BL_MASK"));
	ck_assert_ptr_nonnull(find(&res, "TEST_BL"));
	ck_assert_ptr_null(find(&res, "TEST_BL_RANGE"));
	vg_result_fini(&res);

	/* IPv6, and an address that is not listed. */
	run(&res, "2001:db8::bad", NULL, 0, 10, NULL);
	ck_assert_ptr_nonnull(find(&res, "TEST_BL"));
	vg_result_fini(&res);
	run(&res, "127.0.0.5", NULL, 0, 10, NULL);
	ck_assert_uint_eq(res.syms.n, 0);
	vg_result_fini(&res);

	/* A "query refused" answer never hits a default list. */
	run(&res, "127.0.0.10", NULL, 0, 10, NULL);
	ck_assert_ptr_null(find(&res, "TEST_BL"));
	vg_result_fini(&res);
}
END_TEST

START_TEST(test_dnsbl_uri_hits)
{
	static const char *const uris[] = {
	    "http://www.spammer.example/buy",
	    "https://clean.example/",
	    "http://mail.spammer.example/again",
	};
	struct vg_result res;
	const struct vg_symbol *s;

	run(&res, NULL, uris, VG_NELEM(uris), 10, NULL);
	s = find(&res, "TEST_URIBL");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(
	    s->detail, "spammer.example listed in uribl.test (127.0.0.2)");
	ck_assert_uint_eq(res.syms.n, 1);
	vg_result_fini(&res);
}
END_TEST

/* uribl_max_lookups: the listed domain comes after the limit. */
START_TEST(test_dnsbl_uri_limit)
{
	static const char *const uris[] = {
	    "http://one.example/",
	    "http://two.example/",
	    "http://www.spammer.co.uk/",
	};
	struct vg_result res;

	run(&res, NULL, uris, VG_NELEM(uris), 2, NULL);
	ck_assert_ptr_null(find(&res, "TEST_URIBL"));
	vg_result_fini(&res);
	run(&res, NULL, uris, VG_NELEM(uris), 3, NULL);
	ck_assert_ptr_nonnull(find(&res, "TEST_URIBL"));
	vg_result_fini(&res);
}
END_TEST

/* A dead server: DNSBL_TEMPERROR / URIBL_TEMPERROR, by the deadline. */
START_TEST(test_dnsbl_timeout)
{
	static const char *const uris[] = {"http://www.spammer.example/"};
	char servers[64];
	struct vg_result res;
	uint64_t t0 = vg_clock_ms();
	int fd = vg_dnstest_silent(servers, sizeof(servers));

	ck_assert_int_ge(fd, 0);
	run(&res, "127.0.0.2", uris, 1, 10, servers);
	ck_assert_msg(vg_clock_ms() - t0 < 1500, "took %llu ms",
	    (unsigned long long)(vg_clock_ms() - t0));
	ck_assert_ptr_nonnull(find(&res, "DNSBL_TEMPERROR"));
	ck_assert_ptr_nonnull(find(&res, "URIBL_TEMPERROR"));
	ck_assert_ptr_null(find(&res, "TEST_BL"));
	vg_result_fini(&res);
	close(fd);
}
END_TEST

/* The check: trusted and authenticated clients are not looked up. */
START_TEST(test_dnsbl_check)
{
	struct vg_msg_limits lim = {1 << 20, 1 << 20, 100, 1000, 10, "/tmp"};
	struct vg_conf conf;
	char servers[64], trusted[] = "127.0.0.0/30";
	struct vg_rules *rules = NULL;
	struct vg_err err;
	struct vg_msg *msg = NULL;
	struct vg_result res;
	void *state = NULL;

	vg_dnstest_conf(&conf, servers, sizeof(servers));
	vg_err_init(&err);
	ck_assert_int_eq(vg_rules_load(&rules, RULES, &err), 0);
	ck_assert_int_eq(dnsbl_create(&state, &conf, rules, &err), 0);
	ck_assert_int_eq(vg_msg_new(&msg, &lim), 0);
	vg_msg_set_client(msg, "127.0.0.2", "c.example");
	vg_result_init(&res, "score");
	ck_assert_int_eq(check_run(state, msg, rules, &res), 0);
	ck_assert_ptr_nonnull(find(&res, "TEST_BL"));
	vg_result_fini(&res);
	vg_check_dnsbl_ops.free(state);

	conf.trusted_networks = trusted;
	ck_assert_int_eq(dnsbl_create(&state, &conf, rules, &err), 0);
	vg_result_init(&res, "score");
	ck_assert_int_eq(check_run(state, msg, rules, &res), 0);
	ck_assert_uint_eq(res.syms.n, 0);
	vg_result_fini(&res);
	vg_check_dnsbl_ops.free(state);
	vg_msg_free(msg);
	vg_rules_free(rules);
}
END_TEST

static const struct {
	const char *value, *want;
} received[] = {
    {" from mx.example (mx.example [192.0.2.1]) by gw.example", "192.0.2.1"},
    {" from h ([IPv6:2001:db8::1]) by gw", "2001:db8::1"},
    {" from h (h [bogus] [198.51.100.7])\r\n\tby gw", "198.51.100.7"},
    {" from h (h) by gw ([192.0.2.9])", NULL},
    {" by gw.example with ESMTP id 123", NULL},
    {" from h ([999.1.1.1]) by gw", NULL},
};

START_TEST(test_dnsbl_received_ip)
{
	char out[64];
	const char *v = received[_i].value;
	int rc = vg_dnsbl_received_ip(out, sizeof(out), v, strlen(v));

	if (received[_i].want == NULL) {
		ck_assert_msg(rc != 0, "%s: got %s, want none", v, out);
		return;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(strcmp(out, received[_i].want) == 0,
	    "%s: got %s, want %s", v, out, received[_i].want);
}
END_TEST

/*
 * Behind a gateway: the client is trusted, and with dnsbl_check_received
 * the relay below the trusted boundary is looked up instead.
 */
START_TEST(test_dnsbl_check_received)
{
	struct vg_msg_limits lim = {1 << 20, 1 << 20, 100, 1000, 10, "/tmp"};
	struct vg_conf conf;
	char servers[64], trusted[] = "127.0.0.1/32, 10.0.0.0/8";
	struct vg_rules *rules = NULL;
	struct vg_err err;
	struct vg_msg *msg = NULL;
	struct vg_result res;
	void *state = NULL;

	vg_dnstest_conf(&conf, servers, sizeof(servers));
	conf.trusted_networks = trusted;
	vg_err_init(&err);
	ck_assert_int_eq(vg_rules_load(&rules, RULES, &err), 0);
	ck_assert_int_eq(vg_msg_new(&msg, &lim), 0);
	vg_msg_set_client(msg, "127.0.0.1", "localhost");
	ck_assert_int_eq(vg_msg_add_header(msg, "Received",
	                     " from gw.example (gw.example [10.0.0.1])\r\n"
	                     "\tby mx.example with ESMTP"),
	    0);
	ck_assert_int_eq(vg_msg_add_header(msg, "Received",
	                     " from bad.example (bad.example [127.0.0.2])\r\n"
	                     "\tby gw.example with ESMTP"),
	    0);
	ck_assert_int_eq(vg_msg_end_headers(msg), 0);
	ck_assert_int_eq(vg_msg_finish(msg), 0);

	/* Off: the trusted client is not looked up, nor anything else. */
	ck_assert_int_eq(dnsbl_create(&state, &conf, rules, &err), 0);
	vg_result_init(&res, "score");
	ck_assert_int_eq(check_run(state, msg, rules, &res), 0);
	ck_assert_uint_eq(res.syms.n, 0);
	vg_result_fini(&res);
	vg_check_dnsbl_ops.free(state);

	/* On: 10.0.0.1 is ours, 127.0.0.2 handed it over and is listed. */
	conf.dnsbl_check_received = true;
	ck_assert_int_eq(dnsbl_create(&state, &conf, rules, &err), 0);
	vg_result_init(&res, "score");
	ck_assert_int_eq(check_run(state, msg, rules, &res), 0);
	ck_assert_ptr_nonnull(find(&res, "TEST_BL"));
	vg_result_fini(&res);
	vg_check_dnsbl_ops.free(state);
	vg_msg_free(msg);
	vg_rules_free(rules);
}
END_TEST

/*
 * The relay is looked for in the newest VG_DNSBL_MAX_RECEIVED Received
 * headers only: behind that many trusted hops it is found, one further
 * down is not, and nothing is looked up.
 */
START_TEST(test_dnsbl_check_received_limit)
{
	struct vg_msg_limits lim = {1 << 20, 1 << 20, 100, 1000, 10, "/tmp"};
	struct vg_conf conf;
	char servers[64], trusted[] = "127.0.0.1/32, 10.0.0.0/8";
	char value[128];
	struct vg_rules *rules = NULL;
	struct vg_err err;
	struct vg_msg *msg;
	struct vg_result res;
	void *state = NULL;
	int hops, i;

	vg_dnstest_conf(&conf, servers, sizeof(servers));
	conf.trusted_networks = trusted;
	conf.dnsbl_check_received = true;
	vg_err_init(&err);
	ck_assert_int_eq(vg_rules_load(&rules, RULES, &err), 0);
	ck_assert_int_eq(dnsbl_create(&state, &conf, rules, &err), 0);
	for (hops = VG_DNSBL_MAX_RECEIVED - 1; hops <= VG_DNSBL_MAX_RECEIVED;
	     hops++) {
		msg = NULL;
		ck_assert_int_eq(vg_msg_new(&msg, &lim), 0);
		vg_msg_set_client(msg, "127.0.0.1", "localhost");
		for (i = 0; i < hops; i++) {
			snprintf(value, sizeof(value),
			    " from gw%d.example (gw%d.example [10.0.0.%d])\r\n"
			    "\tby mx.example with ESMTP",
			    i, i, i + 1);
			ck_assert_int_eq(
			    vg_msg_add_header(msg, "Received", value), 0);
		}
		ck_assert_int_eq(vg_msg_add_header(msg, "Received",
		                     " from bad.example (bad.example "
		                     "[127.0.0.2])\r\n\tby gw.example"),
		    0);
		ck_assert_int_eq(vg_msg_end_headers(msg), 0);
		ck_assert_int_eq(vg_msg_finish(msg), 0);
		vg_result_init(&res, "score");
		ck_assert_int_eq(check_run(state, msg, rules, &res), 0);
		if (hops < VG_DNSBL_MAX_RECEIVED)
			ck_assert_msg(find(&res, "TEST_BL") != NULL,
			    "relay at Received %d: got no hit, want TEST_BL",
			    hops + 1);
		else
			ck_assert_msg(res.syms.n == 0,
			    "relay at Received %d: got %zu symbols, want 0",
			    hops + 1, res.syms.n);
		vg_result_fini(&res);
		vg_msg_free(msg);
	}
	vg_check_dnsbl_ops.free(state);
	vg_rules_free(rules);
}
END_TEST

static Suite *
dnsbl_suite(void)
{
	Suite *s = suite_create("dnsbl");
	TCase *tc = tcase_create("dnsbl");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_dnsbl_answers_check, 0, VG_NELEM(specs));
	tcase_add_loop_test(tc, test_dnsbl_answer_match, 0, VG_NELEM(matches));
	tcase_add_test(tc, test_dnsbl_client_name);
	tcase_add_loop_test(tc, test_dnsbl_uri_host, 0, VG_NELEM(hosts));
	tcase_add_test(tc, test_dnsbl_registrable);
	tcase_add_test(tc, test_dnsbl_client_hits);
	tcase_add_test(tc, test_dnsbl_uri_hits);
	tcase_add_test(tc, test_dnsbl_uri_limit);
	tcase_add_test(tc, test_dnsbl_timeout);
	tcase_add_test(tc, test_dnsbl_check);
	tcase_add_loop_test(tc, test_dnsbl_received_ip, 0, VG_NELEM(received));
	tcase_add_test(tc, test_dnsbl_check_received);
	tcase_add_test(tc, test_dnsbl_check_received_limit);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(dnsbl_suite)
