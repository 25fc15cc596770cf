/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rep-cost - what the sender/IP reputation costs a message: the wall time
 * of its lookup (one get_many of 8 keys: a client network and a sender
 * domain, spam and ham, this window and the last) and of its record (one
 * incr_many of 2 keys with a TTL), through the memory store and a Redis.
 *
 * Usage: vigil-rep-cost [LOCATION [RUNS]]
 * LOCATION is a Redis of your own ("host:port" or a socket path; it
 * FLUSHes database 15); without it only the memory store is timed.  RUNS
 * (default 20000) messages from 1000 networks and 100 domains; prints
 * the median and the 99th percentile of each call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "base/clock.h"
#include "policy/reputation.h"
#include "store/store.h"

#define BENCH_DB 15

/* cmp_u64 - qsort order */
static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* report - median and p99 of n samples in microseconds */
static void
report(const char *store, const char *what, uint64_t *us, size_t n)
{
	qsort(us, n, sizeof(*us), cmp_u64);
	printf("%-8s %-34s median %6.1f us  p99 %6.1f us  (%zu runs)\n", store,
	    what, (double)us[n / 2], (double)us[n * 99 / 100], n);
}

/* run - RUNS lookups and records over store */
static int
run(const char *name, struct vg_store *store, unsigned long runs,
    uint64_t *look, uint64_t *rec)
{
	struct vg_rep_params p = {7ull * 86400 * 1000, 10, 90, 1000};
	struct vg_reputation *rep = NULL;
	struct vg_rep_subjects s;
	struct vg_rep_answer a;
	uint64_t t0;

	if (vg_reputation_new(&rep, store, &p) != 0)
		return 1;
	for (unsigned long i = 0; i < runs; i++) {
		memset(&s, 0, sizeof(s));
		(void)snprintf(s.s[VG_REP_IP], sizeof(s.s[0]),
		    "10.%lu.%lu.0/24", i % 1000 / 250, i % 250);
		(void)snprintf(s.s[VG_REP_DOMAIN], sizeof(s.s[0]),
		    "d%lu.example", i % 100);
		t0 = vg_clock_us();
		if (vg_reputation_lookup(rep, &a, &s) != 0 || a.fallback)
			return 1;
		look[i] = vg_clock_us() - t0;
		t0 = vg_clock_us();
		if (vg_reputation_record(rep, NULL, &s,
		        i % 3 == 0 ? VG_REP_SPAM : VG_REP_HAM) != 0)
			return 1;
		rec[i] = vg_clock_us() - t0;
	}
	vg_reputation_free(rep);
	report(name, "lookup (get_many, 8 keys)", look, runs);
	report(name, "record (incr_many, 2 keys + TTL)", rec, runs);
	return 0;
}

int
main(int argc, char **argv)
{
	struct vg_store_opts mo = {.max_keys = 100000};
	struct vg_store_opts ro = {.db = BENCH_DB};
	struct vg_store *store = NULL;
	unsigned long runs = 20000;
	uint64_t *look, *rec;
	redisContext *c;
	int rc;

	if (argc > 2)
		runs = strtoul(argv[2], NULL, 10);
	if (runs == 0 || (look = calloc(runs, sizeof(*look))) == NULL ||
	    (rec = calloc(runs, sizeof(*rec))) == NULL)
		return 2;
	if (vg_store_new(&store, "memory", &mo) != 0)
		return 1;
	rc = run("memory", store, runs, look, rec);
	vg_store_unref(store);
	if (rc != 0 || argc < 2)
		return rc;
	if (argv[1][0] == '/')
		c = redisConnectUnix(argv[1]);
	else {
		char host[256];
		const char *colon = strrchr(argv[1], ':');

		if (colon == NULL || (size_t)(colon - argv[1]) >= sizeof(host))
			return 2;
		memcpy(host, argv[1], (size_t)(colon - argv[1]));
		host[colon - argv[1]] = '\0';
		c = redisConnect(host, (int)strtol(colon + 1, NULL, 10));
	}
	if (c == NULL || c->err != 0) {
		fprintf(stderr, "cannot connect to %s\n", argv[1]);
		return 1;
	}
	freeReplyObject(redisCommand(c, "SELECT %d", BENCH_DB));
	freeReplyObject(redisCommand(c, "FLUSHDB"));
	redisFree(c);
	ro.location = argv[1];
	if (vg_store_new(&store, "redis", &ro) != 0)
		return 1;
	rc = run("redis", store, runs, look, rec);
	vg_store_unref(store);
	free(look);
	free(rec);
	return rc;
}
