/* SPDX-License-Identifier: GPL-2.0-only */
/* test_abuse - the session hooks: rate limits by direction, harvest */
#include <check.h>
#include <string.h>

#include "vg_check.h"
#include "stages/abuse.h"
#include "base/alloc.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/log.h"
#include "store/store.h"

#define BASE                                                                   \
	"socket = unix:/run/vigil/vigil.sock\nvirus_scan = no\n"               \
	"trusted_networks = 192.0.2.0/24\n"

/* test_clock - the injected clock */
static uint64_t
test_clock(void *ctx)
{
	return *(const uint64_t *)ctx;
}

/* load - a config from text */
static struct vg_conf *
load(const char *text)
{
	struct vg_conf *conf = NULL;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_msg(
	    vg_conf_parse(&conf, text, strlen(text), "t.conf", &err) == 0,
	    "got \"%s\", want no error", vg_err_text(&err));
	return conf;
}

/*
 * abuse_new - the tables of conf over a memory store of their own, with
 * the injected clock reading *now
 */
static int
abuse_new(struct vg_abuse **out, const struct vg_conf *conf, uint64_t *now)
{
	struct vg_store_opts opts = {.max_keys = conf->ratelimit_max_keys,
	    .clock = test_clock,
	    .clock_ctx = now};
	struct vg_store *store = NULL;
	int rc;

	*out = NULL;
	if ((rc = vg_store_new(&store, "memory", &opts)) != 0)
		return rc;
	rc = vg_abuse_new(out, conf, store);
	vg_store_unref(store);
	return rc;
}

START_TEST(test_abuse_connections)
{
	struct vg_conf *conf =
	    load(BASE "ratelimit_external_connections = 3\n");
	struct vg_abuse *ab = NULL;
	struct vg_abuse_reply r;
	uint64_t now = 1000000;
	int i;

	ck_assert_int_eq(abuse_new(&ab, conf, &now), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(
		    vg_abuse_connect(ab, &r, conf, "198.51.100.7"), 0);
		ck_assert_msg(!r.refuse, "connection %d: got refused", i + 1);
	}
	ck_assert_int_eq(vg_abuse_connect(ab, &r, conf, "198.51.100.7"), 0);
	ck_assert(r.refuse);
	ck_assert_str_eq(r.code, "451");
	ck_assert_str_eq(r.xcode, "4.7.1");
	ck_assert_str_eq(r.symbol, "RATELIMIT_CONNECTIONS");
	ck_assert_str_eq(r.log,
	    "rate limit: client=198.51.100.7: 3 "
	    "connections in the last minute (limit 3); "
	    "tempfailed");
	/* Internal clients are not limited per connection. */
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(
		    vg_abuse_connect(ab, &r, conf, "192.0.2.5"), 0);
		ck_assert(!r.refuse);
	}
	/* The client recovers once the window has passed. */
	now += 2 * 60000;
	ck_assert_int_eq(vg_abuse_connect(ab, &r, conf, "198.51.100.7"), 0);
	ck_assert(!r.refuse);
	vg_abuse_free(ab);
	vg_conf_free(conf);
}
END_TEST

START_TEST(test_abuse_messages_by_direction)
{
	struct vg_conf *conf = load(BASE "ratelimit_auth_messages = 2\n"
	                                 "ratelimit_internal_messages = 1\n"
	                                 "ratelimit_external_messages = 3\n");
	struct vg_abuse *ab = NULL;
	struct vg_abuse_reply r;
	uint64_t now = 0;

	ck_assert_int_eq(abuse_new(&ab, conf, &now), 0);
	/* A login is counted as the login, from any address. */
	ck_assert_int_eq(
	    vg_abuse_mail(ab, &r, conf, "203.0.113.1", "alice"), 0);
	ck_assert(!r.refuse);
	ck_assert_int_eq(
	    vg_abuse_mail(ab, &r, conf, "203.0.113.2", "alice"), 0);
	ck_assert(!r.refuse);
	ck_assert_int_eq(vg_abuse_mail(ab, &r, conf, "192.0.2.1", "alice"), 0);
	ck_assert(r.refuse);
	ck_assert_str_eq(r.symbol, "RATELIMIT_MESSAGES");
	ck_assert_str_eq(
	    r.text, "Too many messages from your account, try again later");
	ck_assert_str_eq(r.log,
	    "rate limit: sasl_username=alice: 2 messages "
	    "in the last hour (limit 2); tempfailed");
	/* An internal address without a login: per hour. */
	ck_assert_int_eq(vg_abuse_mail(ab, &r, conf, "192.0.2.9", ""), 0);
	ck_assert(!r.refuse);
	ck_assert_int_eq(vg_abuse_mail(ab, &r, conf, "192.0.2.9", NULL), 0);
	ck_assert(r.refuse);
	/* An outside address: per minute. */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(
		    vg_abuse_mail(ab, &r, conf, "198.51.100.1", ""), 0);
		ck_assert(!r.refuse);
	}
	ck_assert_int_eq(vg_abuse_mail(ab, &r, conf, "198.51.100.1", ""), 0);
	ck_assert(r.refuse);
	now += 2 * 60000;
	ck_assert_int_eq(vg_abuse_mail(ab, &r, conf, "198.51.100.1", ""), 0);
	ck_assert(!r.refuse);
	/* ...while the hourly ones still hold. */
	ck_assert_int_eq(vg_abuse_mail(ab, &r, conf, "192.0.2.9", ""), 0);
	ck_assert(r.refuse);
	vg_abuse_free(ab);
	vg_conf_free(conf);
}
END_TEST

START_TEST(test_abuse_recipients)
{
	struct vg_conf *conf = load(BASE "ratelimit_auth_recipients = 2\n");
	struct vg_abuse *ab = NULL;
	struct vg_abuse_reply r;
	uint64_t now = 0;

	ck_assert_int_eq(abuse_new(&ab, conf, &now), 0);
	ck_assert_int_eq(vg_abuse_rcpt(ab, &r, conf, "203.0.113.1", "bob"), 0);
	ck_assert_int_eq(vg_abuse_rcpt(ab, &r, conf, "203.0.113.1", "bob"), 0);
	ck_assert(!r.refuse);
	ck_assert_int_eq(vg_abuse_rcpt(ab, &r, conf, "203.0.113.1", "bob"), 0);
	ck_assert(r.refuse);
	ck_assert_str_eq(r.symbol, "RATELIMIT_RECIPIENTS");
	/* Inbound recipients are not rate-limited (the harvest is). */
	for (int i = 0; i < 50; i++) {
		ck_assert_int_eq(
		    vg_abuse_rcpt(ab, &r, conf, "198.51.100.1", ""), 0);
		ck_assert(!r.refuse);
	}
	vg_abuse_free(ab);
	vg_conf_free(conf);
}
END_TEST

/*
 * The defaults cannot delay legitimate inbound mail: an outside client
 * sending 200 messages a minute over 200 connections (a large provider's
 * outbound server) is never refused, while a SASL login (outbound, our
 * own user) is still held at 500 messages and 2000 recipients an hour.
 */
START_TEST(test_abuse_defaults)
{
	struct vg_conf *conf = load(BASE);
	struct vg_abuse *ab = NULL;
	struct vg_abuse_reply r;
	uint64_t now = 0;
	int i;

	ck_assert_int_eq(abuse_new(&ab, conf, &now), 0);
	for (i = 0; i < 200; i++) {
		now += 300; /* 200 in one minute */
		ck_assert_int_eq(
		    vg_abuse_connect(ab, &r, conf, "198.51.100.25"), 0);
		ck_assert_msg(!r.refuse, "connection %d: got refused", i + 1);
		ck_assert_int_eq(
		    vg_abuse_mail(ab, &r, conf, "198.51.100.25", ""), 0);
		ck_assert_msg(!r.refuse, "message %d: got refused", i + 1);
		ck_assert_int_eq(
		    vg_abuse_rcpt(ab, &r, conf, "198.51.100.25", ""), 0);
		ck_assert_msg(!r.refuse, "recipient %d: got refused", i + 1);
	}
	/* A login: 500 messages an hour pass, the 501st is tempfailed. */
	for (i = 0; i < 500; i++) {
		now += 1000;
		ck_assert_int_eq(
		    vg_abuse_mail(ab, &r, conf, "198.51.100.26", "carol"), 0);
		ck_assert_msg(
		    !r.refuse, "login message %d: got refused", i + 1);
	}
	ck_assert_int_eq(
	    vg_abuse_mail(ab, &r, conf, "198.51.100.26", "carol"), 0);
	ck_assert(r.refuse);
	ck_assert_str_eq(r.code, "451");
	ck_assert_str_eq(r.xcode, "4.7.1");
	ck_assert_str_eq(r.symbol, "RATELIMIT_MESSAGES");
	ck_assert_str_eq(r.log,
	    "rate limit: sasl_username=carol: 500 messages "
	    "in the last hour (limit 500); tempfailed");
	/* ...and 2000 recipients an hour. */
	for (i = 0; i < 2000; i++) {
		ck_assert_int_eq(
		    vg_abuse_rcpt(ab, &r, conf, "198.51.100.26", "dave"), 0);
		ck_assert_msg(
		    !r.refuse, "login recipient %d: got refused", i + 1);
	}
	ck_assert_int_eq(
	    vg_abuse_rcpt(ab, &r, conf, "198.51.100.26", "dave"), 0);
	ck_assert(r.refuse);
	ck_assert_str_eq(r.symbol, "RATELIMIT_RECIPIENTS");
	vg_abuse_free(ab);
	vg_conf_free(conf);
}
END_TEST

START_TEST(test_abuse_harvest)
{
	struct vg_conf *conf = load(BASE "harvest_threshold = 3\n"
	                                 "harvest_window = 1m\n"
	                                 "harvest_cooloff = 10m\n");
	struct vg_abuse *ab = NULL;
	struct vg_abuse_reply r;
	uint64_t now = 0;

	ck_assert_int_eq(abuse_new(&ab, conf, &now), 0);
	ck_assert_int_eq(
	    vg_abuse_rcpt_rejected(ab, &r, conf, "198.51.100.66"), 0);
	ck_assert_int_eq(
	    vg_abuse_rcpt_rejected(ab, &r, conf, "198.51.100.66"), 0);
	ck_assert_str_eq(r.log, "");
	ck_assert_int_eq(
	    vg_abuse_rcpt_rejected(ab, &r, conf, "198.51.100.66"), 0);
	ck_assert(!r.refuse);
	ck_assert_str_eq(r.log,
	    "harvest: client=198.51.100.66: 3 unknown "
	    "recipients; tempfailing it for 600 seconds");
	/* Now every step of that client is tempfailed, with a reason. */
	ck_assert_int_eq(vg_abuse_rcpt(ab, &r, conf, "198.51.100.66", ""), 0);
	ck_assert(r.refuse);
	ck_assert_str_eq(r.symbol, "HARVEST");
	ck_assert_str_eq(r.text,
	    "Too many unknown recipients from your address, try again later");
	ck_assert_str_eq(r.log,
	    "harvest: client=198.51.100.66 recipient "
	    "tempfailed, cooling off for 600 more seconds");
	ck_assert_int_eq(vg_abuse_mail(ab, &r, conf, "198.51.100.66", ""), 0);
	ck_assert(r.refuse);
	ck_assert_int_eq(vg_abuse_connect(ab, &r, conf, "198.51.100.66"), 0);
	ck_assert(r.refuse);
	/* Others are untouched; the client is let in after the cool-off. */
	ck_assert_int_eq(vg_abuse_rcpt(ab, &r, conf, "198.51.100.67", ""), 0);
	ck_assert(!r.refuse);
	now += 600000;
	ck_assert_int_eq(vg_abuse_rcpt(ab, &r, conf, "198.51.100.66", ""), 0);
	ck_assert(!r.refuse);
	vg_abuse_free(ab);
	vg_conf_free(conf);
}
END_TEST

/*
 * A shared store that cannot be reached (a Redis store on a unix socket
 * nobody listens on: no server is needed to see it fail): every step is
 * counted in the process's own memory, the limits still hold there, and
 * the reply names RATELIMIT_UNAVAILABLE and HARVEST_UNAVAILABLE.
 */
START_TEST(test_abuse_unavailable)
{
	struct vg_conf *conf = load(BASE "ratelimit_external_messages = 2\n"
	                                 "harvest_threshold = 2\n");
	struct vg_store_opts opts = {
	    .location = "/nonexistent/vigil-test/redis.sock",
	    .timeout_ms = 100};
	struct vg_store *store = NULL;
	struct vg_abuse *ab = NULL;
	struct vg_abuse_reply r;

	vg_log_set_sink(NULL, NULL, VG_LOG_DEBUG); /* the outage line */
	ck_assert_int_eq(vg_store_new(&store, "redis", &opts), 0);
	ck_assert_int_eq(vg_abuse_new(&ab, conf, store), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(
		    vg_abuse_mail(ab, &r, conf, "198.51.100.9", ""), 0);
		ck_assert_str_eq(r.unavailable[0], "HARVEST_UNAVAILABLE");
		ck_assert_str_eq(r.unavailable[1], "RATELIMIT_UNAVAILABLE");
		ck_assert(r.refuse == (i == 2));
	}
	ck_assert_int_eq(
	    vg_abuse_rcpt_rejected(ab, &r, conf, "198.51.100.10"), 0);
	ck_assert_str_eq(r.unavailable[0], "HARVEST_UNAVAILABLE");
	ck_assert_ptr_null(r.unavailable[1]);
	/* An internal client's recipients are not limited: nothing asked. */
	ck_assert_int_eq(vg_abuse_rcpt(ab, &r, conf, "192.0.2.1", ""), 0);
	ck_assert_ptr_null(r.unavailable[1]);
	vg_abuse_free(ab);
	vg_store_unref(store);
	vg_conf_free(conf);
}
END_TEST

/* The memory store never falls back: no symbol. */
START_TEST(test_abuse_available)
{
	struct vg_conf *conf = load(BASE "ratelimit_external_messages = 2\n");
	struct vg_abuse *ab = NULL;
	struct vg_abuse_reply r;
	uint64_t now = 0;

	ck_assert_int_eq(abuse_new(&ab, conf, &now), 0);
	ck_assert_int_eq(vg_abuse_mail(ab, &r, conf, "198.51.100.9", ""), 0);
	ck_assert_ptr_null(r.unavailable[0]);
	ck_assert_ptr_null(r.unavailable[1]);
	vg_abuse_free(ab);
	vg_conf_free(conf);
}
END_TEST

/*
 * A reload builds new tables over the same store: a table whose limit did
 * not change keeps counting, one whose limit changed starts afresh, and a
 * new cooling-off period forgets the holds.
 */
START_TEST(test_abuse_reload)
{
	struct vg_conf *a = load(BASE "ratelimit_auth_messages = 1\n"
	                              "ratelimit_auth_recipients = 1\n"
	                              "harvest_threshold = 1\n");
	struct vg_conf *b = load(BASE "ratelimit_auth_messages = 1\n"
	                              "ratelimit_auth_recipients = 2\n"
	                              "harvest_threshold = 1\n"
	                              "dns_cache_size = 5\n");
	struct vg_conf *c = load(BASE "ratelimit_auth_messages = 1\n"
	                              "harvest_threshold = 1\n"
	                              "harvest_cooloff = 1h\n");
	struct vg_store_opts opts = {
	    .max_keys = 1000, .clock = test_clock, .clock_ctx = NULL};
	struct vg_abuse *one = NULL, *two = NULL, *three = NULL;
	struct vg_store *store = NULL;
	struct vg_abuse_reply r;
	uint64_t now = 0;

	opts.clock_ctx = &now;
	ck_assert_int_eq(vg_store_new(&store, "memory", &opts), 0);
	ck_assert_int_eq(vg_abuse_new(&one, a, store), 0);
	ck_assert_int_eq(vg_abuse_mail(one, &r, a, "203.0.113.1", "erin"), 0);
	ck_assert(!r.refuse);
	ck_assert_int_eq(vg_abuse_rcpt(one, &r, a, "203.0.113.1", "erin"), 0);
	ck_assert(!r.refuse);
	ck_assert_int_eq(
	    vg_abuse_rcpt_rejected(one, &r, a, "198.51.100.66"), 0);
	ck_assert_int_eq(vg_abuse_connect(one, &r, a, "198.51.100.66"), 0);
	ck_assert_msg(r.refuse, "harvest hold: got let in, want refused");

	/* Messages: same limit, still counted; recipients: new limit. */
	ck_assert_int_eq(vg_abuse_new(&two, b, store), 0);
	ck_assert_int_eq(vg_abuse_mail(two, &r, b, "203.0.113.1", "erin"), 0);
	ck_assert_msg(r.refuse, "unchanged limit: got passed, want refused");
	ck_assert_int_eq(vg_abuse_rcpt(two, &r, b, "203.0.113.1", "erin"), 0);
	ck_assert_msg(!r.refuse, "changed limit: got refused, want passed");
	ck_assert_int_eq(vg_abuse_connect(two, &r, b, "198.51.100.66"), 0);
	ck_assert_msg(r.refuse, "same cool-off: got let in, want refused");

	/* Another cooling-off period: the hold is gone. */
	ck_assert_int_eq(vg_abuse_new(&three, c, store), 0);
	ck_assert_int_eq(vg_abuse_connect(three, &r, c, "198.51.100.66"), 0);
	ck_assert_msg(!r.refuse, "new cool-off: got refused, want let in");

	vg_abuse_free(one);
	vg_abuse_free(two);
	vg_abuse_free(three);
	vg_abuse_free(NULL);
	vg_store_unref(store);
	vg_conf_free(a);
	vg_conf_free(b);
	vg_conf_free(c);
}
END_TEST

START_TEST(test_abuse_store_errors)
{
	struct vg_conf *conf = load(BASE);
	struct vg_abuse *ab = NULL;
	uint64_t now = 0;
	unsigned long n;
	int rc;

	/* Every allocation failure is VG_ENOMEM and leaks nothing. */
	for (n = 1; n < 20; n++) {
		vg_alloc_fail_at(n);
		rc = abuse_new(&ab, conf, &now);
		vg_alloc_fail_at(0);
		if (rc != 0) {
			ck_assert_int_eq(rc, VG_ENOMEM);
			ck_assert_ptr_null(ab);
			continue;
		}
		vg_abuse_free(ab);
	}
	vg_conf_free(conf);
}
END_TEST

/* abuse_suite - one TCase per behaviour */
static Suite *
abuse_suite(void)
{
	Suite *s = suite_create("abuse");
	TCase *tc;

	tc = tcase_create("ratelimit");
	tcase_add_test(tc, test_abuse_connections);
	tcase_add_test(tc, test_abuse_messages_by_direction);
	tcase_add_test(tc, test_abuse_recipients);
	suite_add_tcase(s, tc);
	tc = tcase_create("defaults");
	tcase_add_test(tc, test_abuse_defaults);
	suite_add_tcase(s, tc);
	tc = tcase_create("harvest");
	tcase_add_test(tc, test_abuse_harvest);
	suite_add_tcase(s, tc);
	tc = tcase_create("reload");
	tcase_add_test(tc, test_abuse_reload);
	tcase_add_test(tc, test_abuse_store_errors);
	tcase_add_test(tc, test_abuse_unavailable);
	tcase_add_test(tc, test_abuse_available);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(abuse_suite)
