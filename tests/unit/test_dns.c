/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_dns - the DNS layer against a real dnsmasq on loopback: answers,
 * negative answers, the cache and its bound, shared flights, time-outs,
 * the deadline, the resolver thread under concurrent use, CIDR lists,
 * and the circuit breaker against a server that stops and starts again.
 */
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "vg_dnstest.h"
#include "base/alloc.h"
#include "base/clock.h"
#include "base/conf.h"
#include "net/dns.h"
#include "base/err.h"
#include "base/log.h"
#include "message/msg.h"

/* lookup - submit, wait, copy the status and first record */
static enum vg_dns_status
lookup(struct vg_dns *dns, const char *name, enum vg_dns_type type, char *first,
    size_t size)
{
	struct vg_dns_query *q = NULL;
	const struct vg_dns_answer *a;
	enum vg_dns_status st;

	ck_assert_int_eq(vg_dns_submit(dns, &q, name, type), 0);
	ck_assert_int_eq(vg_dns_wait(dns, q, vg_clock_ms() + 5000), 0);
	a = vg_dns_query_answer(q);
	ck_assert_ptr_nonnull(a);
	st = a->status;
	if (first != NULL) {
		first[0] = '\0';
		if (a->n > 0 && type == VG_DNS_A)
			inet_ntop(
			    AF_INET, a->rr[0].data, first, (socklen_t)size);
		else if (a->n > 0)
			snprintf(
			    first, size, "%s", (const char *)a->rr[0].data);
	}
	vg_dns_query_free(q);
	return st;
}

/* new_dns - a resolver for the test server */
static struct vg_dns *
new_dns(unsigned cache)
{
	struct vg_conf conf;
	char servers[64];
	struct vg_dns *dns = NULL;
	struct vg_err err;

	vg_dnstest_conf(&conf, servers, sizeof(servers));
	conf.dns_cache_size = cache;
	vg_err_init(&err);
	ck_assert_msg(vg_dns_new(&dns, &conf, &err) == 0, "vg_dns_new: %s",
	    vg_err_text(&err));
	return dns;
}

static const struct {
	const char *name;
	bool want;
} names[] = {
    {"example.com", true},
    {"a.b.c", true},
    {"with space.example", true},
    {"", false},
    {".", false},
    {"a..b", false},
    {".a", false},
    {"ctl\001.example", false},
    {"back\\slash.example", false},
    {"0123456789012345678901234567890123456789012345678901234567890123.x",
        false},
    {"012345678901234567890123456789012345678901234567890123456789012.x", true},
};

START_TEST(test_dns_name_valid)
{
	ck_assert_msg(vg_dns_name_valid(names[_i].name) == names[_i].want,
	    "%s: got %d, want %d", names[_i].name, !names[_i].want,
	    names[_i].want);
}
END_TEST

/* Names of 253 bytes are valid, 254 are not. */
START_TEST(test_dns_name_length_limit)
{
	char name[300];
	size_t i;

	for (i = 0; i < 253; i++)
		name[i] = (i % 10 == 9) ? '.' : 'a';
	name[253] = '\0';
	ck_assert(vg_dns_name_valid(name));
	name[253] = 'a';
	name[254] = '\0';
	ck_assert(!vg_dns_name_valid(name));
}
END_TEST

START_TEST(test_dns_answers)
{
	struct vg_dns *dns = new_dns(100);
	char first[300];

	ck_assert_int_eq(
	    lookup(dns, "h1.spf.test", VG_DNS_A, first, sizeof(first)),
	    VG_DNS_OK);
	ck_assert_str_eq(first, "198.51.100.1");
	ck_assert_int_eq(
	    lookup(dns, "pass.spf.test", VG_DNS_TXT, first, sizeof(first)),
	    VG_DNS_OK);
	ck_assert_str_eq(first, "v=spf1 ip4:192.0.2.1 -all");
	ck_assert_int_eq(
	    lookup(dns, "mx.spf.test", VG_DNS_MX, first, sizeof(first)),
	    VG_DNS_OK);
	ck_assert_str_eq(first, "mail.spf.test");
	ck_assert_int_eq(
	    lookup(dns, "a6.spf.test", VG_DNS_AAAA, NULL, 0), VG_DNS_OK);
	vg_dns_unref(dns);
}
END_TEST

/*
 * An answer is cached for at most VG_DNS_MAX_TTL seconds (one day),
 * whatever TTL the server gives; a shorter TTL is kept.
 */
START_TEST(test_dns_ttl_cap)
{
	struct vg_dns *dns = new_dns(100);
	struct vg_dns_query *q = NULL;
	const struct vg_dns_answer *a;

	ck_assert_int_eq(
	    vg_dns_submit(dns, &q, "longttl.spf.test", VG_DNS_A), 0);
	ck_assert_int_eq(vg_dns_wait(dns, q, vg_clock_ms() + 5000), 0);
	a = vg_dns_query_answer(q);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->status, VG_DNS_OK);
	ck_assert_uint_eq(a->ttl, VG_DNS_MAX_TTL);
	vg_dns_query_free(q);
	q = NULL;
	ck_assert_int_eq(vg_dns_submit(dns, &q, "h1.spf.test", VG_DNS_A), 0);
	ck_assert_int_eq(vg_dns_wait(dns, q, vg_clock_ms() + 5000), 0);
	a = vg_dns_query_answer(q);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->ttl, 300); /* zones.conf: local-ttl=300 */
	vg_dns_query_free(q);
	vg_dns_unref(dns);
}
END_TEST

START_TEST(test_dns_negative)
{
	struct vg_dns *dns = new_dns(100);
	enum vg_dns_status st;

	st = lookup(dns, "nothere.spf.test", VG_DNS_A, NULL, 0);
	ck_assert_msg(st == VG_DNS_NXDOMAIN, "got %s, want nxdomain",
	    vg_dns_status_name(st));
	st = lookup(dns, "none.spf.test", VG_DNS_TXT, NULL, 0);
	ck_assert_msg(st == VG_DNS_NODATA || st == VG_DNS_NXDOMAIN,
	    "got %s, want nodata", vg_dns_status_name(st));
	vg_dns_unref(dns);
}
END_TEST

/* A second lookup comes from the cache; no packet is sent. */
START_TEST(test_dns_cache_hit)
{
	struct vg_dns *dns = new_dns(100);
	struct vg_dns_stats s;

	lookup(dns, "h2.spf.test", VG_DNS_A, NULL, 0);
	lookup(dns, "H2.SPF.TEST", VG_DNS_A, NULL, 0);
	vg_dns_stats(dns, &s);
	ck_assert_msg(s.sent == 1 && s.cache_hits == 1,
	    "got sent %llu hits %llu, want 1 and 1", (unsigned long long)s.sent,
	    (unsigned long long)s.cache_hits);
	vg_dns_unref(dns);
}
END_TEST

/* dns_cache_size bounds the cache: the least recently used entry goes. */
START_TEST(test_dns_cache_bound)
{
	struct vg_dns *dns = new_dns(2);
	struct vg_dns_stats s;

	lookup(dns, "h1.spf.test", VG_DNS_A, NULL, 0);
	lookup(dns, "h2.spf.test", VG_DNS_A, NULL, 0);
	lookup(dns, "h3.spf.test", VG_DNS_A, NULL, 0);
	lookup(dns, "h3.spf.test", VG_DNS_A, NULL, 0); /* hit */
	lookup(dns, "h1.spf.test", VG_DNS_A, NULL, 0); /* evicted: sent */
	vg_dns_stats(dns, &s);
	ck_assert_msg(s.sent == 4 && s.cache_hits == 1,
	    "got sent %llu hits %llu, want 4 and 1", (unsigned long long)s.sent,
	    (unsigned long long)s.cache_hits);
	vg_dns_unref(dns);
}
END_TEST

/* With dns_cache_size = 0 nothing is cached. */
START_TEST(test_dns_cache_off)
{
	struct vg_dns *dns = new_dns(0);
	struct vg_dns_stats s;

	lookup(dns, "h1.spf.test", VG_DNS_A, NULL, 0);
	lookup(dns, "h1.spf.test", VG_DNS_A, NULL, 0);
	vg_dns_stats(dns, &s);
	ck_assert_uint_eq(s.sent, 2);
	ck_assert_uint_eq(s.cache_hits, 0);
	vg_dns_unref(dns);
}
END_TEST

/* Two submits of one question share one query in flight. */
START_TEST(test_dns_flight_join)
{
	struct vg_dns *dns = new_dns(100);
	struct vg_dns_query *q1, *q2;
	struct vg_dns_stats s;

	ck_assert_int_eq(vg_dns_submit(dns, &q1, "h4.spf.test", VG_DNS_A), 0);
	ck_assert_int_eq(vg_dns_submit(dns, &q2, "h4.spf.test", VG_DNS_A), 0);
	ck_assert_ptr_eq(q1, q2);
	ck_assert_int_eq(vg_dns_wait(dns, q2, vg_clock_ms() + 5000), 0);
	vg_dns_query_free(q1);
	ck_assert_int_eq(vg_dns_query_answer(q2)->status, VG_DNS_OK);
	vg_dns_query_free(q2);
	vg_dns_stats(dns, &s);
	ck_assert_uint_eq(s.sent, 1);
	ck_assert_uint_eq(s.joined, 1);
	vg_dns_unref(dns);
}
END_TEST

/* A prefetched answer is in the cache for the next lookup. */
START_TEST(test_dns_prefetch)
{
	struct vg_dns *dns = new_dns(100);
	struct vg_dns_stats s;

	ck_assert_int_eq(vg_dns_start_thread(dns), 0);
	vg_dns_prefetch(dns, "h5.spf.test", VG_DNS_A);
	lookup(dns, "h5.spf.test", VG_DNS_A, NULL, 0);
	vg_dns_stats(dns, &s);
	ck_assert_uint_eq(s.sent, 1);
	ck_assert_uint_eq(s.cache_hits + s.joined, 1);
	vg_dns_unref(dns);
}
END_TEST

/* A server that never answers: the query ends VG_DNS_TIMEOUT. */
START_TEST(test_dns_timeout)
{
	struct vg_conf conf;
	char servers[64], ignore[64];
	struct vg_dns *dns = NULL;
	struct vg_dns_query *q;
	uint64_t t0;
	int fd;

	vg_dnstest_conf(&conf, ignore, sizeof(ignore));
	fd = vg_dnstest_silent(servers, sizeof(servers));
	ck_assert_int_ge(fd, 0);
	conf.dns_servers = servers;
	conf.dns_timeout_ms = 300;
	ck_assert_int_eq(vg_dns_new(&dns, &conf, NULL), 0);
	t0 = vg_clock_ms();
	ck_assert_int_eq(vg_dns_submit(dns, &q, "h1.spf.test", VG_DNS_A), 0);
	ck_assert_int_eq(vg_dns_wait(dns, q, t0 + 5000), 0);
	ck_assert_int_eq(vg_dns_query_answer(q)->status, VG_DNS_TIMEOUT);
	ck_assert_msg(vg_clock_ms() - t0 < 2000, "took %llu ms, want < 2000",
	    (unsigned long long)(vg_clock_ms() - t0));
	vg_dns_query_free(q);
	vg_dns_unref(dns);
	close(fd);
}
END_TEST

/* The deadline ends the wait even when the query would run longer. */
START_TEST(test_dns_deadline)
{
	struct vg_conf conf;
	char servers[64], ignore[64];
	struct vg_dns *dns = NULL;
	struct vg_dns_query *q;
	uint64_t t0, took;
	int fd;

	vg_dnstest_conf(&conf, ignore, sizeof(ignore));
	fd = vg_dnstest_silent(servers, sizeof(servers));
	ck_assert_int_ge(fd, 0);
	conf.dns_servers = servers;
	conf.dns_timeout_ms = 10000;
	ck_assert_int_eq(vg_dns_new(&dns, &conf, NULL), 0);
	ck_assert_int_eq(vg_dns_start_thread(dns), 0);
	t0 = vg_clock_ms();
	ck_assert_int_eq(vg_dns_submit(dns, &q, "h1.spf.test", VG_DNS_A), 0);
	ck_assert_int_eq(vg_dns_wait(dns, q, t0 + 300), VG_ETIMEOUT);
	took = vg_clock_ms() - t0;
	ck_assert_msg(took >= 290 && took < 1000, "took %llu ms, want ~300",
	    (unsigned long long)took);
	ck_assert_ptr_null(vg_dns_query_answer(q));
	/* Freeing the resolver with the query in flight is clean. */
	vg_dns_query_free(q);
	vg_dns_unref(dns);
	close(fd);
}
END_TEST

struct worker {
	struct vg_dns *dns;
	int ok;
};

/* worker_run - many lookups from one of several threads */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	char name[64];

	for (int i = 0; i < 40; i++) {
		struct vg_dns_query *q;

		snprintf(name, sizeof(name), "h%d.spf.test", i % 11 + 1);
		if (vg_dns_submit(w->dns, &q, name, VG_DNS_A) != 0)
			continue;
		if (vg_dns_wait(w->dns, q, vg_clock_ms() + 5000) == 0 &&
		    vg_dns_query_answer(q)->status == VG_DNS_OK)
			w->ok++;
		vg_dns_query_free(q);
	}
	return NULL;
}

/* Concurrent lookups, with and without the resolver thread. */
START_TEST(test_dns_threads)
{
	struct vg_dns *dns = new_dns(_i == 0 ? 4 : 0);
	pthread_t t[4];
	struct worker w[4];
	int i;

	if (_i == 0)
		ck_assert_int_eq(vg_dns_start_thread(dns), 0);
	for (i = 0; i < 4; i++) {
		w[i].dns = dns;
		w[i].ok = 0;
		ck_assert_int_eq(
		    pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(
		    w[i].ok == 40, "thread %d: got %d ok, want 40", i, w[i].ok);
	}
	vg_dns_unref(dns);
}
END_TEST

/* has_ipv6_loopback - does this machine have ::1 (start.sh listens there) */
static bool
has_ipv6_loopback(void)
{
	char line[128];
	bool found = false;
	FILE *fp = fopen("/proc/net/if_inet6", "r");

	if (fp == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found =
		    strncmp(line, "00000000000000000000000000000001 ", 33) == 0;
	fclose(fp);
	return found;
}

/*
 * dns_servers with two servers, the first dead: queries fail over to the
 * second after dns_timeout_ms; an IPv6 server ([::1]:port) works.
 */
START_TEST(test_dns_failover)
{
	struct vg_conf conf;
	char servers[128], silent[64], ignore[64];
	struct vg_dns *dns = NULL;
	struct vg_err err;
	char first[64];
	uint64_t t0;
	int fd;

	vg_dnstest_conf(&conf, ignore, sizeof(ignore));
	fd = vg_dnstest_silent(silent, sizeof(silent));
	ck_assert_int_ge(fd, 0);
	if (has_ipv6_loopback())
		snprintf(servers, sizeof(servers), "%s, [::1]:%d", silent,
		    VG_TEST_DNS_PORT);
	else
		snprintf(servers, sizeof(servers), "%s, 127.0.0.1:%d", silent,
		    VG_TEST_DNS_PORT);
	conf.dns_servers = servers;
	conf.dns_timeout_ms = 300;
	vg_err_init(&err);
	ck_assert_msg(
	    vg_dns_new(&dns, &conf, &err) == 0, "%s", vg_err_text(&err));
	t0 = vg_clock_ms();
	ck_assert_int_eq(
	    lookup(dns, "h7.spf.test", VG_DNS_A, first, sizeof(first)),
	    VG_DNS_OK);
	ck_assert_str_eq(first, "198.51.100.7");
	ck_assert_msg(vg_clock_ms() - t0 < 2000, "took %llu ms",
	    (unsigned long long)(vg_clock_ms() - t0));
	vg_dns_unref(dns);
	close(fd);
}
END_TEST

START_TEST(test_dns_bad_servers)
{
	struct vg_conf conf;
	char servers[64], bad[] = "not-an-address:53";
	struct vg_dns *dns = NULL;
	struct vg_err err;

	vg_dnstest_conf(&conf, servers, sizeof(servers));
	conf.dns_servers = bad;
	vg_err_init(&err);
	ck_assert_int_eq(vg_dns_new(&dns, &conf, &err), VG_ECONFIG);
	ck_assert_ptr_null(dns);
	ck_assert_ptr_nonnull(strstr(vg_err_text(&err), "dns_servers"));
}
END_TEST

/* Invalid names are refused before any packet. */
START_TEST(test_dns_submit_invalid)
{
	struct vg_dns *dns = new_dns(10);
	struct vg_dns_query *q = (struct vg_dns_query *)1;

	ck_assert_int_eq(vg_dns_submit(dns, &q, "a..b", VG_DNS_A), VG_EINVAL);
	ck_assert_ptr_null(q);
	vg_dns_unref(dns);
}
END_TEST

/* Every allocation failure in submit returns VG_ENOMEM cleanly. */
START_TEST(test_dns_enomem)
{
	struct vg_dns *dns = new_dns(10);
	unsigned long n;

	for (n = 1; n < 20; n++) {
		struct vg_dns_query *q = NULL;
		int rc;

		vg_alloc_fail_at(n);
		rc = vg_dns_submit(dns, &q, "h6.spf.test", VG_DNS_A);
		vg_alloc_fail_at(0);
		if (rc == VG_OK) {
			vg_dns_wait(dns, q, vg_clock_ms() + 5000);
			vg_dns_query_free(q);
			continue;
		}
		ck_assert_int_eq(rc, VG_ENOMEM);
		ck_assert_ptr_null(q);
	}
	vg_dns_unref(dns);
}
END_TEST

static const struct {
	const char *file;
	enum vg_dns_status want;
	size_t n;
} replies[] = {
    {"a", VG_DNS_OK, 2},
    {"aaaa", VG_DNS_OK, 1},
    {"txt", VG_DNS_OK, 1},
    {"mx", VG_DNS_OK, 1},
    {"ptr_compressed", VG_DNS_OK, 1},
    {"cname_chain", VG_DNS_OK, 1},
    {"nxdomain_soa", VG_DNS_NXDOMAIN, 0},
    {"ptr_loop", VG_DNS_TEMPFAIL, 0},
    {"truncated", VG_DNS_TEMPFAIL, 0},
    {"servfail", VG_DNS_TEMPFAIL, 0},
};

/* Replies crafted byte by byte (the fuzzer's seeds), parsed as c-ares
 * hands them over: the type byte first, then the packet. */
START_TEST(test_dns_parse_reply)
{
	static const enum vg_dns_type types[] = {
	    VG_DNS_A, VG_DNS_AAAA, VG_DNS_TXT, VG_DNS_MX, VG_DNS_PTR};
	char path[512];
	unsigned char buf[2048];
	enum vg_dns_status st;
	size_t len, n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/dns/%s",
	    VG_SOURCE_DIR, replies[_i].file);
	fp = fopen(path, "rb");
	ck_assert_ptr_nonnull(fp);
	len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	ck_assert_uint_gt(len, 1);
	ck_assert_int_eq(vg_dns_parse_reply(buf + 1, len - 1,
	                     types[buf[0] % VG_NELEM(types)], &st, &n),
	    0);
	ck_assert_msg(st == replies[_i].want && n == replies[_i].n,
	    "%s: got %s/%zu, want %s/%zu", replies[_i].file,
	    vg_dns_status_name(st), n, vg_dns_status_name(replies[_i].want),
	    replies[_i].n);
}
END_TEST

/* Negative answers are cached too. */
START_TEST(test_dns_cache_negative)
{
	struct vg_dns *dns = new_dns(100);
	struct vg_dns_stats s;

	lookup(dns, "nothere2.spf.test", VG_DNS_A, NULL, 0);
	lookup(dns, "nothere2.spf.test", VG_DNS_A, NULL, 0);
	vg_dns_stats(dns, &s);
	ck_assert_uint_eq(s.sent, 1);
	ck_assert_uint_eq(s.cache_hits, 1);
	vg_dns_unref(dns);
}
END_TEST

/*
 * A UDP server on 127.0.0.1 that either drops every query (dead) or
 * answers it NXDOMAIN by echoing it back with QR and rcode 3 set, so the
 * test decides exactly when the server dies and comes back.
 */
struct switch_server {
	int fd;
	atomic_bool answer, stop;
	atomic_uint received;
	pthread_t thread;
};

/* switch_run - the server's thread */
static void *
switch_run(void *arg)
{
	struct switch_server *sv = arg;
	unsigned char pkt[1500];
	struct sockaddr_in from;

	while (!atomic_load(&sv->stop)) {
		struct pollfd pfd = {sv->fd, POLLIN, 0};
		socklen_t flen = sizeof(from);
		ssize_t n;

		if (poll(&pfd, 1, 20) <= 0)
			continue;
		n = recvfrom(sv->fd, pkt, sizeof(pkt), 0,
		    (struct sockaddr *)&from, &flen);
		if (n < 12)
			continue;
		atomic_fetch_add(&sv->received, 1);
		if (!atomic_load(&sv->answer))
			continue;
		pkt[2] |= 0x80;                                   /* QR */
		pkt[3] = (unsigned char)((pkt[3] & 0x70) | 0x83); /* RA, NX */
		(void)sendto(
		    sv->fd, pkt, (size_t)n, 0, (struct sockaddr *)&from, flen);
	}
	return NULL;
}

/* switch_start - start the server (dead or answering); port into servers */
static void
switch_start(struct switch_server *sv, bool answer, char *servers, size_t size)
{
	sv->fd = vg_dnstest_silent(servers, size);
	ck_assert_int_ge(sv->fd, 0);
	atomic_init(&sv->answer, answer);
	atomic_init(&sv->stop, false);
	atomic_init(&sv->received, 0);
	ck_assert_int_eq(pthread_create(&sv->thread, NULL, switch_run, sv), 0);
}

/* switch_stop - stop the server */
static void
switch_stop(struct switch_server *sv)
{
	atomic_store(&sv->stop, true);
	pthread_join(sv->thread, NULL);
	close(sv->fd);
}

struct log_count {
	atomic_uint down, up;
};

/* count_log - a log sink counting the breaker's down and up lines */
static void
count_log(enum vg_log_level level, const char *line, void *ctx)
{
	struct log_count *c = ctx;

	if (level == VG_LOG_WARNING &&
	    strstr(line, "dns: no DNS server answered") != NULL)
		atomic_fetch_add(&c->down, 1);
	if (level == VG_LOG_INFO &&
	    strstr(line, "dns: a DNS server answers again") != NULL)
		atomic_fetch_add(&c->up, 1);
}

/* timed_lookup - lookup(), and how long it took in *took */
static enum vg_dns_status
timed_lookup(struct vg_dns *dns, const char *name, uint64_t *took)
{
	uint64_t t0 = vg_clock_ms();
	enum vg_dns_status st = lookup(dns, name, VG_DNS_A, NULL, 0);

	*took = vg_clock_ms() - t0;
	return st;
}

/*
 * The circuit breaker, with (_i == 0) and without the resolver thread:
 * after VG_DNS_DOWN_AFTER time-outs in a row the next lookups fail at
 * once, cached answers are still served, one warning is logged; once the
 * server answers again, the next probe brings the resolver back with one
 * info line and lookups are answered again.
 */
START_TEST(test_dns_breaker)
{
	struct switch_server sv;
	struct log_count logs;
	struct vg_conf conf;
	char servers[64], ignore[64], name[64];
	struct vg_dns *dns = NULL;
	struct vg_dns_stats s;
	enum vg_dns_status st;
	uint64_t took, t0;
	unsigned i;
	const uint64_t timeout_ms = 400;

	atomic_init(&logs.down, 0);
	atomic_init(&logs.up, 0);
	vg_log_set_sink(count_log, &logs, VG_LOG_DEBUG);
	vg_dnstest_conf(&conf, ignore, sizeof(ignore));
	switch_start(&sv, true, servers, sizeof(servers));
	conf.dns_servers = servers;
	conf.dns_timeout_ms = timeout_ms;
	ck_assert_int_eq(vg_dns_new(&dns, &conf, NULL), 0);
	if (_i == 0)
		ck_assert_int_eq(vg_dns_start_thread(dns), 0);

	/* Alive: an answer, cached (no SOA: VG_DNS_NEG_TTL). */
	st = timed_lookup(dns, "cached.example", &took);
	ck_assert_msg(st == VG_DNS_NXDOMAIN, "got %s, want nxdomain",
	    vg_dns_status_name(st));

	/* Dead: VG_DNS_DOWN_AFTER real time-outs, then down. */
	atomic_store(&sv.answer, false);
	for (i = 0; i < VG_DNS_DOWN_AFTER; i++) {
		snprintf(name, sizeof(name), "dead%u.example", i);
		st = timed_lookup(dns, name, &took);
		ck_assert_msg(st == VG_DNS_TIMEOUT && took >= timeout_ms - 50,
		    "query %u: got %s after %llu ms, want timeout after %llu",
		    i, vg_dns_status_name(st), (unsigned long long)took,
		    (unsigned long long)timeout_ms);
	}
	t0 = vg_clock_ms();
	vg_dns_stats(dns, &s);
	ck_assert_msg(s.down && s.downs == 1,
	    "got down %d downs %llu, want 1 1", s.down,
	    (unsigned long long)s.downs);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "fast%u.example", i);
		st = timed_lookup(dns, name, &took);
		ck_assert_msg(st == VG_DNS_TIMEOUT && took < timeout_ms / 4,
		    "query %u while down: got %s after %llu ms, want timeout "
		    "in < %llu ms",
		    i, vg_dns_status_name(st), (unsigned long long)took,
		    (unsigned long long)(timeout_ms / 4));
	}
	/* The cache still answers, with the real answer. */
	st = timed_lookup(dns, "cached.example", &took);
	ck_assert_msg(st == VG_DNS_NXDOMAIN, "cached: got %s, want nxdomain",
	    vg_dns_status_name(st));
	vg_dns_stats(dns, &s);
	ck_assert_msg(s.fast_fails == 5 && s.timeouts == VG_DNS_DOWN_AFTER &&
	        s.cache_hits == 1 && s.probes == 0,
	    "got fast_fails %llu timeouts %llu hits %llu probes %llu, want 5 "
	    "%u 1 0",
	    (unsigned long long)s.fast_fails, (unsigned long long)s.timeouts,
	    (unsigned long long)s.cache_hits, (unsigned long long)s.probes,
	    VG_DNS_DOWN_AFTER);
	ck_assert_uint_eq(atomic_load(&logs.down), 1);
	ck_assert_uint_eq(atomic_load(&logs.up), 0);

	/* Back: the first lookup after VG_DNS_PROBE_MS probes. */
	atomic_store(&sv.answer, true);
	while (vg_clock_ms() < t0 + VG_DNS_PROBE_MS + 100)
		usleep(50000);
	st = timed_lookup(dns, "probe.example", &took);
	if (_i == 0) {
		/* In the background: the caller still fails at once. */
		ck_assert_msg(st == VG_DNS_TIMEOUT && took < timeout_ms / 4,
		    "probe: got %s after %llu ms, want timeout at once",
		    vg_dns_status_name(st), (unsigned long long)took);
		for (i = 0; i < 40; i++) {
			vg_dns_stats(dns, &s);
			if (!s.down)
				break;
			usleep(50000);
		}
	} else
		ck_assert_msg(st == VG_DNS_NXDOMAIN,
		    "probe: got %s, want nxdomain", vg_dns_status_name(st));
	vg_dns_stats(dns, &s);
	ck_assert_msg(!s.down && s.probes == 1,
	    "got down %d probes %llu, want 0 1", s.down,
	    (unsigned long long)s.probes);
	st = timed_lookup(dns, "again.example", &took);
	ck_assert_msg(st == VG_DNS_NXDOMAIN, "after: got %s, want nxdomain",
	    vg_dns_status_name(st));
	ck_assert_uint_eq(atomic_load(&logs.down), 1);
	ck_assert_uint_eq(atomic_load(&logs.up), 1);

	vg_dns_unref(dns);
	vg_log_set_sink(NULL, NULL, VG_LOG_DEBUG);
	switch_stop(&sv);
}
END_TEST

/*
 * Errors that are not time-outs end at once anyway and do not trip the
 * breaker: a closed port (ICMP port unreachable) gives tempfail each time.
 */
START_TEST(test_dns_breaker_refused)
{
	struct vg_conf conf;
	char servers[64];
	struct vg_dns *dns = NULL;
	struct vg_dns_stats s;
	int i;

	vg_dnstest_conf(&conf, servers, sizeof(servers));
	snprintf(servers, sizeof(servers), "127.0.0.1:1");
	conf.dns_timeout_ms = 400;
	ck_assert_int_eq(vg_dns_new(&dns, &conf, NULL), 0);
	for (i = 0; i < 5; i++) {
		char name[32];

		snprintf(name, sizeof(name), "r%d.example", i);
		(void)lookup(dns, name, VG_DNS_A, NULL, 0);
	}
	vg_dns_stats(dns, &s);
	ck_assert_msg(!s.down && s.fast_fails == 0,
	    "got down %d fast_fails %llu, want 0 0", s.down,
	    (unsigned long long)s.fast_fails);
	vg_dns_unref(dns);
}
END_TEST

static Suite *
dns_suite(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("dns");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_dns_name_valid, 0, VG_NELEM(names));
	tcase_add_test(tc, test_dns_name_length_limit);
	tcase_add_test(tc, test_dns_answers);
	tcase_add_test(tc, test_dns_ttl_cap);
	tcase_add_test(tc, test_dns_negative);
	tcase_add_test(tc, test_dns_cache_hit);
	tcase_add_test(tc, test_dns_cache_bound);
	tcase_add_test(tc, test_dns_cache_off);
	tcase_add_test(tc, test_dns_cache_negative);
	tcase_add_loop_test(tc, test_dns_parse_reply, 0, VG_NELEM(replies));
	tcase_add_test(tc, test_dns_flight_join);
	tcase_add_test(tc, test_dns_prefetch);
	tcase_add_test(tc, test_dns_timeout);
	tcase_add_test(tc, test_dns_deadline);
	tcase_add_loop_test(tc, test_dns_threads, 0, 2);
	tcase_add_test(tc, test_dns_failover);
	tcase_add_test(tc, test_dns_bad_servers);
	tcase_add_test(tc, test_dns_submit_invalid);
	tcase_add_test(tc, test_dns_enomem);
	tcase_add_loop_test(tc, test_dns_breaker, 0, 2);
	tcase_add_test(tc, test_dns_breaker_refused);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(dns_suite)
