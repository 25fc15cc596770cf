/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_reputation - the sender/IP reputation over the memory store, with
 * an injected clock: subjects and their limits, when a source speaks,
 * how counts fade over two windows, the local fallback when the shared
 * store is away (a Redis store on a socket nobody listens on: no server
 * is needed to see it fail), which verdicts count as ham or spam, and,
 * through a real engine and session run as vigil-milter and vigil scan
 * run them, which sources a message has.
 */
#include <check.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/compiler.h"
#include "base/err.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/pool.h"
#include "base/str.h"
#include "core/engine.h"
#include "core/scan.h"
#include "core/session.h"
#include "message/msg.h"
#include "policy/reputation.h"
#include "store/store.h"
#include "core/verdict.h"
#include "rules/rules.h"
#include "stages/check_ops.h"

/* test_clock - the injected clock */
static uint64_t
test_clock(void *ctx)
{
	return *(const uint64_t *)ctx;
}

/* rep_new - a reputation over a memory store reading *now */
static struct vg_reputation *
rep_new(uint64_t *now, uint64_t window_ms, unsigned min, unsigned ratio)
{
	struct vg_store_opts o = {
	    .max_keys = 1000, .clock = test_clock, .clock_ctx = now};
	struct vg_rep_params p = {window_ms, min, ratio, 1000};
	struct vg_store *store = NULL;
	struct vg_reputation *rep = NULL;

	ck_assert_int_eq(vg_store_new(&store, "memory", &o), 0);
	ck_assert_int_eq(vg_reputation_new(&rep, store, &p), 0);
	vg_store_unref(store);
	return rep;
}

/* subjects - one subject of kind k */
static void
subjects(struct vg_rep_subjects *s, enum vg_rep_kind k, const char *v)
{
	memset(s, 0, sizeof(*s));
	(void)snprintf(s->s[k], sizeof(s->s[k]), "%s", v);
}

static const struct {
	const char *in, *want;
} ips[] = {
    {"192.0.2.77", "192.0.2.0/24"},
    {"198.51.100.255", "198.51.100.0/24"},
    {"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
    {"2001:DB8::1", "2001:db8::/64"},
    {"::ffff:198.51.100.9", "198.51.100.0/24"},
    {"", ""},
    {"client.example", ""},
    {"192.0.2.256", ""},
    {"[192.0.2.1]", ""},
};

START_TEST(test_reputation_subject_ip)
{
	char out[VG_REP_SUBJECT_MAX];
	bool ok = vg_rep_subject_ip(out, ips[_i].in);

	ck_assert_msg(strcmp(out, ips[_i].want) == 0, "%s: got %s, want %s",
	    ips[_i].in, out, ips[_i].want);
	ck_assert(ok == (ips[_i].want[0] != '\0'));
}
END_TEST

START_TEST(test_reputation_subject_domain_auth)
{
	char out[VG_REP_SUBJECT_MAX], big[400];

	ck_assert(vg_rep_subject_domain(out, "User@Example.ORG"));
	ck_assert_str_eq(out, "example.org");
	ck_assert(vg_rep_subject_domain(out, "<a@B.example>"));
	ck_assert_str_eq(out, "b.example");
	ck_assert(vg_rep_subject_domain(out, "\"a@b\"@c.example"));
	ck_assert_str_eq(out, "c.example");
	ck_assert(!vg_rep_subject_domain(out, ""));
	ck_assert_str_eq(out, "");
	ck_assert(!vg_rep_subject_domain(out, "<>"));
	ck_assert(!vg_rep_subject_domain(out, "postmaster"));
	ck_assert(!vg_rep_subject_domain(out, "a@"));
	ck_assert(!vg_rep_subject_domain(out, "a@ex ample.org"));
	ck_assert(!vg_rep_subject_domain(out, "a@ex/ample.org"));
	ck_assert(!vg_rep_subject_domain(out, "a@ex\x01.org"));
	ck_assert_str_eq(out, "");
	/* 253 bytes of domain is the most. */
	big[0] = 'a';
	big[1] = '@';
	memset(big + 2, 'x', 253);
	big[255] = '\0';
	ck_assert(vg_rep_subject_domain(out, big));
	ck_assert_uint_eq(strlen(out), 253);
	big[255] = 'x';
	big[256] = '\0';
	ck_assert(!vg_rep_subject_domain(out, big));

	ck_assert(vg_rep_subject_auth(out, "Bob"));
	ck_assert_str_eq(out, "Bob");
	ck_assert(!vg_rep_subject_auth(out, ""));
	ck_assert(!vg_rep_subject_auth(out, NULL));
	ck_assert(!vg_rep_subject_auth(out, "a b"));
	ck_assert(!vg_rep_subject_auth(out, "a/b"));
	memset(big, 'y', VG_REP_SUBJECT_MAX - 1);
	big[VG_REP_SUBJECT_MAX - 1] = '\0';
	ck_assert(vg_rep_subject_auth(out, big));
	big[VG_REP_SUBJECT_MAX - 1] = 'y';
	big[VG_REP_SUBJECT_MAX] = '\0';
	ck_assert(!vg_rep_subject_auth(out, big));
	ck_assert_str_eq(out, "");
}
END_TEST

/* record - n messages of class c for s */
static void
record(struct vg_reputation *rep, const struct vg_rep_subjects *s,
    enum vg_rep_class c, int n)
{
	bool fb = true;

	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(vg_reputation_record(rep, &fb, s, c), 0);
		ck_assert(!fb);
	}
}

/*
 * A source speaks at min_count messages with ratio percent of one class;
 * each kind is counted and judged on its own.
 */
START_TEST(test_reputation_speaks)
{
	uint64_t now = 5000;
	struct vg_reputation *rep = rep_new(&now, 60000, 3, 90);
	struct vg_rep_subjects s, d;
	struct vg_rep_answer a;

	subjects(&s, VG_REP_IP, "192.0.2.0/24");
	record(rep, &s, VG_REP_SPAM, 2);
	ck_assert_int_eq(vg_reputation_lookup(rep, &a, &s), 0);
	ck_assert_uint_eq(a.k[VG_REP_IP].spam, 2);
	ck_assert_int_eq(a.k[VG_REP_IP].says, VG_REP_SILENT);
	ck_assert(!a.fallback);
	record(rep, &s, VG_REP_SPAM, 1);
	ck_assert_int_eq(vg_reputation_lookup(rep, &a, &s), 0);
	ck_assert_int_eq(a.k[VG_REP_IP].says, VG_REP_SAYS_SPAM);
	/* One ham in four: 75 % spam, under 90: mixed, silent. */
	record(rep, &s, VG_REP_HAM, 1);
	ck_assert_int_eq(vg_reputation_lookup(rep, &a, &s), 0);
	ck_assert_uint_eq(a.k[VG_REP_IP].spam, 3);
	ck_assert_uint_eq(a.k[VG_REP_IP].ham, 1);
	ck_assert_int_eq(a.k[VG_REP_IP].says, VG_REP_SILENT);
	/* 9 spam in 10: 90 %, spam again. */
	record(rep, &s, VG_REP_SPAM, 6);
	ck_assert_int_eq(vg_reputation_lookup(rep, &a, &s), 0);
	ck_assert_int_eq(a.k[VG_REP_IP].says, VG_REP_SAYS_SPAM);
	/* The same subject text as a domain is another source. */
	subjects(&d, VG_REP_DOMAIN, "192.0.2.0/24");
	ck_assert_int_eq(vg_reputation_lookup(rep, &a, &d), 0);
	ck_assert_uint_eq(a.k[VG_REP_DOMAIN].spam, 0);
	ck_assert_int_eq(a.k[VG_REP_DOMAIN].says, VG_REP_SILENT);
	record(rep, &d, VG_REP_HAM, 3);
	/* Three subjects at once: each judged alone, one lookup. */
	(void)snprintf(d.s[VG_REP_IP], sizeof(d.s[0]), "192.0.2.0/24");
	(void)snprintf(d.s[VG_REP_AUTH], sizeof(d.s[0]), "nobody");
	ck_assert_int_eq(vg_reputation_lookup(rep, &a, &d), 0);
	ck_assert_int_eq(a.k[VG_REP_IP].says, VG_REP_SAYS_SPAM);
	ck_assert_int_eq(a.k[VG_REP_DOMAIN].says, VG_REP_SAYS_HAM);
	ck_assert_int_eq(a.k[VG_REP_AUTH].says, VG_REP_SILENT);
	/* No subject: nothing asked, nothing said. */
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(vg_reputation_lookup(rep, &a, &d), 0);
	ck_assert_int_eq(vg_reputation_record(rep, NULL, &d, VG_REP_SPAM), 0);
	vg_reputation_free(rep);
}
END_TEST

/* Counts fade over two windows: whole, then by the part still ahead. */
START_TEST(test_reputation_fades)
{
	uint64_t now = 10000; /* window 10 starts */
	struct vg_reputation *rep = rep_new(&now, 1000, 3, 90);
	struct vg_rep_subjects s;
	struct vg_rep_answer a;

	subjects(&s, VG_REP_AUTH, "alice");
	record(rep, &s, VG_REP_SPAM, 4);
	now = 10999;
	ck_assert_int_eq(vg_reputation_lookup(rep, &a, &s), 0);
	ck_assert_uint_eq(a.k[VG_REP_AUTH].spam, 4);
	now = 11000; /* the next window: the last counts whole */
	ck_assert_int_eq(vg_reputation_lookup(rep, &a, &s), 0);
	ck_assert_uint_eq(a.k[VG_REP_AUTH].spam, 4);
	ck_assert_int_eq(a.k[VG_REP_AUTH].says, VG_REP_SAYS_SPAM);
	now = 11500; /* half of it ahead: half the count, rounded up */
	ck_assert_int_eq(vg_reputation_lookup(rep, &a, &s), 0);
	ck_assert_uint_eq(a.k[VG_REP_AUTH].spam, 2);
	ck_assert_int_eq(a.k[VG_REP_AUTH].says, VG_REP_SILENT);
	now = 11750;
	ck_assert_int_eq(vg_reputation_lookup(rep, &a, &s), 0);
	ck_assert_uint_eq(a.k[VG_REP_AUTH].spam, 1);
	now = 12000; /* two windows on: gone */
	ck_assert_int_eq(vg_reputation_lookup(rep, &a, &s), 0);
	ck_assert_uint_eq(a.k[VG_REP_AUTH].spam, 0);
	vg_reputation_free(rep);
}
END_TEST

/*
 * The shared store away: lookups and records use the local memory
 * store, and say so.
 */
START_TEST(test_reputation_fallback)
{
	struct vg_store_opts o = {
	    .location = "/nonexistent/vigil-test/redis.sock",
	    .timeout_ms = 100};
	struct vg_rep_params p = {60000, 2, 90, 100};
	struct vg_store *store = NULL;
	struct vg_reputation *rep = NULL;
	struct vg_rep_subjects s;
	struct vg_rep_answer a;
	bool fb = false;

	vg_log_set_sink(NULL, NULL, VG_LOG_DEBUG); /* the outage line */
	ck_assert_int_eq(vg_store_new(&store, "redis", &o), 0);
	ck_assert_int_eq(vg_reputation_new(&rep, store, &p), 0);
	vg_store_unref(store);
	subjects(&s, VG_REP_IP, "198.51.100.0/24");
	ck_assert_int_eq(vg_reputation_lookup(rep, &a, &s), 0);
	ck_assert(a.fallback);
	ck_assert_int_eq(a.k[VG_REP_IP].says, VG_REP_SILENT);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(
		    vg_reputation_record(rep, &fb, &s, VG_REP_SPAM), 0);
		ck_assert(fb);
	}
	ck_assert_int_eq(vg_reputation_lookup(rep, &a, &s), 0);
	ck_assert(a.fallback);
	ck_assert_uint_eq(a.k[VG_REP_IP].spam, 2);
	ck_assert_int_eq(a.k[VG_REP_IP].says, VG_REP_SAYS_SPAM);
	vg_reputation_free(rep);
}
END_TEST

START_TEST(test_reputation_params)
{
	struct vg_store_opts o = {.max_keys = 100};
	struct vg_rep_params good = {1000, 1, 90, 100}, p;
	struct vg_store *store = NULL;
	struct vg_reputation *rep = NULL;
	unsigned long n;
	int rc;

	ck_assert_int_eq(vg_store_new(&store, "memory", &o), 0);
	p = good;
	p.window_ms = 0;
	ck_assert_int_eq(vg_reputation_new(&rep, store, &p), VG_EINVAL);
	p = good;
	p.min_count = 0;
	ck_assert_int_eq(vg_reputation_new(&rep, store, &p), VG_EINVAL);
	p = good;
	p.ratio = 50;
	ck_assert_int_eq(vg_reputation_new(&rep, store, &p), VG_EINVAL);
	p.ratio = 101;
	ck_assert_int_eq(vg_reputation_new(&rep, store, &p), VG_EINVAL);
	ck_assert_ptr_null(rep);
	/* Every allocation failure is VG_ENOMEM and leaks nothing. */
	for (n = 1; n < 10; n++) {
		vg_alloc_fail_at(n);
		rc = vg_reputation_new(&rep, store, &good);
		vg_alloc_fail_at(0);
		if (rc != 0) {
			ck_assert_int_eq(rc, VG_ENOMEM);
			ck_assert_ptr_null(rep);
			continue;
		}
		vg_reputation_free(rep);
		rep = NULL;
	}
	vg_reputation_free(NULL);
	vg_store_unref(store);
}
END_TEST

/* A verdict with the given action and score, no symbol yet. */
static void
verdict_init(struct vg_verdict *v, enum vg_action action, double score)
{
	memset(v, 0, sizeof(*v));
	v->action = action;
	v->score = score;
	v->required = 5.0;
	v->reject = 15.0;
	v->spam = score >= 5.0;
	v->virus_outcome = VG_VIRUS_CLEAN;
}

/* Which verdicts count, and as what (rules NULL: the defaults). */
START_TEST(test_reputation_class)
{
	struct vg_symbol rep_sym = {
	    .name = (char *)(uintptr_t) "REP_IP_SPAM", .score = 2.0};
	struct vg_msg *msg = NULL, *big = NULL;
	struct vg_msg_limits lim = {.max_size = 16,
	    .memory_limit = 1024,
	    .max_headers = 10,
	    .max_header_size = 1024,
	    .max_rcpts = 10};
	struct vg_verdict v;

	ck_assert_int_eq(vg_msg_new(&msg, NULL), 0);
	verdict_init(&v, VG_ACTION_REJECT, 16.0);
	ck_assert_int_eq(vg_check_reputation_class(&v, msg, NULL), VG_REP_SPAM);
	verdict_init(&v, VG_ACTION_TAG, 5.0);
	ck_assert_int_eq(vg_check_reputation_class(&v, msg, NULL), VG_REP_SPAM);
	verdict_init(&v, VG_ACTION_ACCEPT, 0.9);
	ck_assert_int_eq(vg_check_reputation_class(&v, msg, NULL), VG_REP_HAM);
	verdict_init(&v, VG_ACTION_ACCEPT, -3.0);
	ck_assert_int_eq(vg_check_reputation_class(&v, msg, NULL), VG_REP_HAM);
	/* In between: neither. */
	verdict_init(&v, VG_ACTION_ACCEPT, 1.0);
	ck_assert_int_eq(vg_check_reputation_class(&v, msg, NULL), -1);
	verdict_init(&v, VG_ACTION_ACCEPT, 4.9);
	ck_assert_int_eq(vg_check_reputation_class(&v, msg, NULL), -1);
	/* Its own symbols do not count: 6.0 with 2.0 of them is 4.0. */
	verdict_init(&v, VG_ACTION_TAG, 6.0);
	v.symbols = &rep_sym;
	v.nsymbols = 1;
	ck_assert_int_eq(vg_check_reputation_class(&v, msg, NULL), -1);
	rep_sym.score = -1.0; /* a good name does not make ham either */
	verdict_init(&v, VG_ACTION_ACCEPT, 0.5);
	v.symbols = &rep_sym;
	v.nsymbols = 1;
	ck_assert_int_eq(vg_check_reputation_class(&v, msg, NULL), -1);
	/* Never a failed, forced, tempfailed or infected message. */
	verdict_init(&v, VG_ACTION_TEMPFAIL, 20.0);
	ck_assert_int_eq(vg_check_reputation_class(&v, msg, NULL), -1);
	verdict_init(&v, VG_ACTION_ACCEPT, 0.0);
	v.error = true;
	ck_assert_int_eq(vg_check_reputation_class(&v, msg, NULL), -1);
	verdict_init(&v, VG_ACTION_REJECT, 20.0);
	v.forced = true;
	ck_assert_int_eq(vg_check_reputation_class(&v, msg, NULL), -1);
	verdict_init(&v, VG_ACTION_REJECT, 20.0);
	v.virus_outcome = VG_VIRUS_INFECTED;
	ck_assert_int_eq(vg_check_reputation_class(&v, msg, NULL), -1);
	verdict_init(&v, VG_ACTION_ACCEPT, 0.0);
	v.virus_outcome = VG_VIRUS_INCOMPLETE;
	ck_assert_int_eq(vg_check_reputation_class(&v, msg, NULL), -1);
	verdict_init(&v, VG_ACTION_ACCEPT, 0.0);
	v.virus_outcome = VG_VIRUS_DISABLED;
	ck_assert_int_eq(vg_check_reputation_class(&v, msg, NULL), VG_REP_HAM);
	/* An oversized message was not scored: not ham for its 0. */
	ck_assert_int_eq(vg_msg_new(&big, &lim), 0);
	ck_assert_int_eq(
	    vg_msg_add_body(big, "0123456789abcdefghijklmnop", 26), 0);
	ck_assert(vg_msg_oversized(big));
	ck_assert_int_eq(vg_check_reputation_class(&v, big, NULL), -1);
	vg_msg_free(big);
	vg_msg_free(msg);
}
END_TEST

/*
 * Through an engine (the real score stage, a memory store) and the
 * milter's sequence (scan on a pool, wait, the verdict hook): which
 * sources a message has.
 */
static char rules_path[] = "/tmp/vg_test_reputation.XXXXXX";

/* engine_new - reputation on, min_count 3, a marker rule for spam */
static struct vg_engine *
engine_new(void)
{
	static const char rules[] = "body  REPTEST_SPAM /reptest-spam-marker/\n"
	                            "score REPTEST_SPAM 20\n";
	struct vg_engine *engine = NULL;
	struct vg_conf *conf = NULL;
	struct vg_err err;
	char text[512];
	int fd;

	(void)vg_str_fmt(
	    rules_path, sizeof(rules_path), "/tmp/vg_test_reputation.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(rules_path), -1);
	ck_assert_int_eq(
	    write(fd, rules, strlen(rules)), (ssize_t)strlen(rules));
	ck_assert_int_eq(close(fd), 0);
	(void)vg_str_fmt(text, sizeof(text),
	    "sa_update_dir =\nsocket = unix:/tmp/x.sock\nvirus_scan = "
	    "no\nbayes = no\n"
	    "tmp_dir = /tmp\nrules = %s\ndns_servers = 127.0.0.1:1\n"
	    "dns_timeout = 100ms\nreputation = yes\n"
	    "reputation_min_count = 3\ntrusted_networks = 127.0.0.1/32\n",
	    rules_path);
	vg_err_init(&err);
	ck_assert_int_eq(vg_engine_global_init(&err), 0);
	ck_assert_msg(vg_conf_parse(&conf, text, strlen(text), "t", &err) == 0,
	    "%s", vg_err_text(&err));
	ck_assert_msg(
	    vg_engine_new(&engine, conf, &err) == 0, "%s", vg_err_text(&err));
	ck_assert_ptr_nonnull(vg_engine_rep_store(engine));
	return engine;
}

/*
 * one - one message from addr (login auth, or NULL), spam or not, as the
 * milter runs it (the verdict hook counts it) or as vigil scan does
 * (counted false); true if its verdict has symbol want
 */
static bool
one(struct vg_engine *engine, struct vg_pool *pool, const char *addr,
    const char *auth, bool spam, bool counted, const char *want)
{
	const char *body = spam ? "reptest-spam-marker\r\n" : "hello\r\n";
	struct vg_verdict *v = NULL;
	struct vg_scan *scan = NULL;
	struct vg_hook_reply r;
	struct vg_sess *s = NULL;
	bool has = false;

	ck_assert_int_eq(vg_sess_new(&s), 0);
	ck_assert_int_eq(vg_sess_connect(s, engine, addr, "", &r), 0);
	ck_assert_int_eq(
	    vg_sess_mail(s, engine, "a@example.com", auth, "Q", &r), 0);
	ck_assert_int_eq(vg_sess_rcpt(s, "u@example.org", false, &r), 0);
	ck_assert_int_eq(vg_sess_header(s, "Subject", " hi"), 0);
	ck_assert_int_eq(vg_sess_eoh(s, &r), 0);
	ck_assert_int_eq(
	    vg_sess_body(s, (const unsigned char *)body, strlen(body), &r), 0);
	ck_assert_int_eq(vg_sess_eom(s, &r), 0);
	if (counted) {
		ck_assert_int_eq(vg_sess_scan_start(s, pool, &scan), 0);
		ck_assert_int_eq(vg_scan_wait(scan, 30000, &v), 0);
		vg_scan_after(scan, v);
		vg_scan_release(scan);
	} else {
		ck_assert_int_eq(vg_sess_scan_run(s, &v), 0);
	}
	for (size_t i = 0; i < v->nsymbols; i++)
		has = has || strcmp(v->symbols[i].name, want) == 0;
	vg_verdict_free(v);
	vg_sess_free(s);
	return has;
}

START_TEST(test_reputation_sources)
{
	struct vg_engine *engine = engine_new();
	struct vg_pool *pool = NULL;

	ck_assert_int_eq(vg_pool_new(&pool, 1, 8), 0);
	/* vigil scan reads, never counts. */
	for (int i = 0; i < 3; i++)
		(void)one(engine, pool, "198.51.100.7", NULL, true, false, "-");
	ck_assert(!one(
	    engine, pool, "198.51.100.7", NULL, false, false, "REP_IP_SPAM"));
	/* Inbound spam counts for the client's /24. */
	for (int i = 0; i < 3; i++)
		(void)one(engine, pool, "198.51.100.7", NULL, true, true, "-");
	ck_assert(one(
	    engine, pool, "198.51.100.200", NULL, false, false, "REP_IP_SPAM"));
	ck_assert(!one(
	    engine, pool, "198.51.101.7", NULL, false, false, "REP_IP_SPAM"));
	/* A login's spam counts for the login, not its client's network. */
	for (int i = 0; i < 3; i++)
		(void)one(
		    engine, pool, "203.0.113.9", "alice", true, true, "-");
	ck_assert(one(
	    engine, pool, "192.0.2.1", "alice", false, false, "REP_AUTH_SPAM"));
	ck_assert(!one(
	    engine, pool, "192.0.2.1", "bob", false, false, "REP_AUTH_SPAM"));
	ck_assert(!one(
	    engine, pool, "203.0.113.9", NULL, false, false, "REP_IP_SPAM"));
	/*
	 * trusted_networks (127.0.0.1/32 here) without a login: not counted;
	 * 127.0.0.2, inbound, is in the same /24.
	 */
	for (int i = 0; i < 3; i++)
		(void)one(engine, pool, "127.0.0.1", NULL, true, true, "-");
	ck_assert(
	    !one(engine, pool, "127.0.0.2", NULL, false, false, "REP_IP_SPAM"));
	/* No SPF pass here (no DNS): the domain is never a source. */
	ck_assert(!one(engine, pool, "198.51.100.7", NULL, false, false,
	    "REP_DOMAIN_SPAM"));
	vg_pool_free(pool);
	vg_engine_unref(engine);
	(void)unlink(rules_path);
}
END_TEST

/* conf_rep - a configuration with reputation on or off */
static struct vg_conf *
conf_rep(bool on)
{
	struct vg_conf *conf = NULL;
	struct vg_err err;
	char text[512];

	(void)snprintf(text, sizeof(text),
	    "sa_update_dir =\nsocket = unix:/tmp/x.sock\nvirus_scan = "
	    "no\nbayes = no\n"
	    "tmp_dir = /tmp\nrules = %s\nreputation = %s\n",
	    rules_path, on ? "yes" : "no");
	vg_err_init(&err);
	ck_assert_msg(vg_conf_parse(&conf, text, strlen(text), "t", &err) == 0,
	    "%s", vg_err_text(&err));
	return conf;
}

/*
 * A new engine built from the same settings takes over the old one's
 * memory store (counts survive a reload), or the one an in-place reload
 * handed over; reputation = no has none.
 */
START_TEST(test_reputation_store_carried)
{
	struct vg_engine *a = engine_new(), *b = NULL, *c = NULL;
	struct vg_engine_opts opts = {.prev = a};
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_int_eq(vg_engine_build(&c, conf_rep(false), NULL, &err), 0);
	ck_assert_ptr_null(vg_engine_rep_store(c));
	vg_engine_unref(c);
	ck_assert_int_eq(vg_engine_build(&b, conf_rep(true), &opts, &err), 0);
	ck_assert_ptr_eq(vg_engine_rep_store(b), vg_engine_rep_store(a));
	/* In place: the old engine is gone, its store handed over. */
	opts.prev = NULL;
	opts.rep_store = vg_engine_rep_store(b);
	ck_assert_int_eq(vg_engine_build(&c, conf_rep(true), &opts, &err), 0);
	ck_assert_ptr_eq(vg_engine_rep_store(c), vg_engine_rep_store(a));
	vg_engine_unref(a);
	vg_engine_unref(b);
	vg_engine_unref(c);
	(void)unlink(rules_path);
}
END_TEST

/*
 * The check alone (vg_check_reputation_ops): the sender's domain is a
 * source only with SPF_PASS, when counting (the verdict's symbols) and
 * when reading (the result's); the client's network either way.
 */
START_TEST(test_reputation_domain_needs_spf_pass)
{
	static const char text[] =
	    "sa_update_dir =\nsocket = unix:/tmp/x.sock\nvirus_scan = no\n"
	    "reputation = yes\nreputation_min_count = 1\n";
	struct vg_symbol spf = {.name = (char *)(uintptr_t) "SPF_PASS"};
	struct vg_conf *conf = NULL;
	struct vg_rules *rules = NULL;
	struct vg_msg *msg = NULL;
	struct vg_stage_env env = {0};
	struct vg_result res;
	struct vg_verdict v;
	struct vg_err err;
	void *st = NULL;

	vg_err_init(&err);
	ck_assert_int_eq(
	    vg_conf_parse(&conf, text, strlen(text), "t", &err), 0);
	ck_assert_int_eq(vg_rules_parse(&rules, "", 0, "t", &err), 0);
	env.conf = conf;
	env.rules = rules;
	ck_assert_int_eq(vg_check_reputation_ops.create(&st, &env, &err), 0);
	ck_assert_int_eq(vg_msg_new(&msg, NULL), 0);
	ck_assert_int_eq(vg_msg_set_client(msg, "198.51.100.7", NULL), 0);
	ck_assert_int_eq(vg_msg_set_from(msg, "a@Example.COM"), 0);

	/* Spam without SPF_PASS: the network only. */
	verdict_init(&v, VG_ACTION_REJECT, 20.0);
	vg_check_reputation_ops.verdict(st, msg, NULL, rules, &v);
	vg_result_init(&res, "score");
	ck_assert_int_eq(vg_result_add(&res, "SPF_PASS", 0.0, NULL), 0);
	ck_assert_int_eq(
	    vg_check_reputation_ops.collect(st, msg, NULL, 0, rules, &res), 0);
	ck_assert(vg_result_has(&res, "REP_IP_SPAM"));
	ck_assert(!vg_result_has(&res, "REP_DOMAIN_SPAM"));
	vg_result_fini(&res);
	/* Spam with SPF_PASS: the domain too, read only with SPF_PASS. */
	v.symbols = &spf;
	v.nsymbols = 1;
	vg_check_reputation_ops.verdict(st, msg, NULL, rules, &v);
	vg_result_init(&res, "score");
	ck_assert_int_eq(vg_result_add(&res, "SPF_PASS", 0.0, NULL), 0);
	ck_assert_int_eq(
	    vg_check_reputation_ops.collect(st, msg, NULL, 0, rules, &res), 0);
	ck_assert(vg_result_has(&res, "REP_DOMAIN_SPAM"));
	ck_assert(!vg_result_has(&res, "REPUTATION_UNAVAILABLE"));
	vg_result_fini(&res);
	vg_result_init(&res, "score");
	ck_assert_int_eq(
	    vg_check_reputation_ops.collect(st, msg, NULL, 0, rules, &res), 0);
	ck_assert(vg_result_has(&res, "REP_IP_SPAM"));
	ck_assert(!vg_result_has(&res, "REP_DOMAIN_SPAM"));
	vg_result_fini(&res);

	vg_check_reputation_ops.free(st);
	vg_msg_free(msg);
	vg_rules_free(rules);
	vg_conf_free(conf);
}
END_TEST

/* reputation_suite - one TCase per behaviour */
static Suite *
reputation_suite(void)
{
	Suite *s = suite_create("reputation");
	TCase *tc;

	tc = tcase_create("subjects");
	tcase_add_loop_test(tc, test_reputation_subject_ip, 0, VG_NELEM(ips));
	tcase_add_test(tc, test_reputation_subject_domain_auth);
	suite_add_tcase(s, tc);
	tc = tcase_create("counts");
	tcase_add_test(tc, test_reputation_speaks);
	tcase_add_test(tc, test_reputation_fades);
	tcase_add_test(tc, test_reputation_fallback);
	tcase_add_test(tc, test_reputation_params);
	suite_add_tcase(s, tc);
	tc = tcase_create("verdicts");
	tcase_add_test(tc, test_reputation_class);
	tcase_add_test(tc, test_reputation_sources);
	tcase_add_test(tc, test_reputation_store_carried);
	tcase_add_test(tc, test_reputation_domain_needs_spf_pass);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(reputation_suite)
