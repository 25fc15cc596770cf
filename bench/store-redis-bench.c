/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store-redis-bench - what the Redis store costs: server memory per
 * million keys, and the latency of the classifier's batch calls.
 *
 * Usage: vigil-store-redis-bench LOCATION [KEYS [RUNS]]
 * against a Redis of your own (it FLUSHes database 15): writes KEYS
 * (default 1,000,000) keys of 9 bytes ("t" and 8 hex digits) holding
 * small integers with a TTL through incr_many batches of 4096, and
 * prints used_memory (INFO memory) before and after; then times RUNS
 * (default 2000) get_many and incr_many calls of 300 keys and
 * window_adds, printing the median and the 99th percentile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "base/clock.h"
#include "store/store.h"

#define BENCH_DB 15

/* used_memory - INFO memory's used_memory, or -1 */
static long long
used_memory(redisContext *c)
{
	redisReply *rep = redisCommand(c, "INFO memory");
	long long v = -1;
	const char *p;

	if (rep != NULL && rep->type == REDIS_REPLY_STRING &&
	    (p = strstr(rep->str, "used_memory:")) != NULL)
		v = strtoll(p + 12, NULL, 10);
	freeReplyObject(rep);
	return v;
}

/* cmp_u64 - qsort order */
static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* report - median and p99 of n samples in microseconds */
static void
report(const char *what, uint64_t *us, size_t n)
{
	qsort(us, n, sizeof(*us), cmp_u64);
	printf("%-28s median %6.1f us  p99 %6.1f us  (%zu runs)\n", what,
	    (double)us[n / 2], (double)us[n * 99 / 100], n);
}

int
main(int argc, char **argv)
{
	static struct vg_store_key keys[4096];
	static char names[4096][16];
	static int64_t deltas[4096], values[4096];
	static bool found[4096];
	struct vg_store_opts opts = {.db = BENCH_DB};
	struct vg_store_window w = {
	    {"w", 1}, {"wp", 2}, {"wh", 2}, 1, 2, 1, INT64_MAX, 60000};
	struct vg_store_window_res res;
	struct vg_store *store = NULL;
	unsigned long nkeys = 1000000, runs = 2000;
	redisContext *c;
	redisReply *rep;
	long long before, after;
	uint64_t *us, t0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s LOCATION [KEYS [RUNS]]\n", argv[0]);
		return 2;
	}
	if (argc > 2)
		nkeys = strtoul(argv[2], NULL, 10);
	if (argc > 3)
		runs = strtoul(argv[3], NULL, 10);
	opts.location = argv[1];
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
	if (c == NULL || c->err != 0 || runs == 0 ||
	    (us = calloc(runs, sizeof(*us))) == NULL) {
		fprintf(stderr, "cannot connect to %s\n", argv[1]);
		return 1;
	}
	freeReplyObject(redisCommand(c, "SELECT %d", BENCH_DB));
	freeReplyObject(redisCommand(c, "FLUSHDB"));
	if (vg_store_new(&store, "redis", &opts) != 0) {
		fprintf(stderr, "cannot open the store\n");
		return 1;
	}
	before = used_memory(c);
	for (unsigned long done = 0; done < nkeys;) {
		size_t n = nkeys - done < 4096 ? nkeys - done : 4096;

		for (size_t i = 0; i < n; i++) {
			(void)snprintf(names[i], sizeof(names[i]), "t%08lx",
			    (unsigned long)(done + i));
			keys[i].data = names[i];
			keys[i].len = 9;
			deltas[i] = (int64_t)(1 + i % 5);
		}
		if (vg_store_incr_many(
		        store, values, keys, deltas, n, 86400000) != 0) {
			fprintf(stderr, "incr_many failed\n");
			return 1;
		}
		done += n;
	}
	after = used_memory(c);
	rep = redisCommand(c, "DBSIZE");
	printf("keys %lld: used_memory %lld -> %lld bytes: %.1f bytes/key, "
	       "%.1f MB per million\n",
	    rep != NULL ? rep->integer : -1, before, after,
	    (double)(after - before) / (double)nkeys,
	    (double)(after - before) / (double)nkeys * 1e6 / 1048576.0);
	freeReplyObject(rep);
	/* 300 tokens: a message's worth; keys that exist. */
	for (size_t i = 0; i < 300; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "t%08lx",
		    (unsigned long)(i * 997 % (nkeys > 0 ? nkeys : 1)));
		keys[i].data = names[i];
		keys[i].len = 9;
		deltas[i] = 1;
	}
	for (unsigned long r = 0; r < runs; r++) {
		t0 = vg_clock_us();
		if (vg_store_get_many(store, values, found, keys, 300) != 0)
			return 1;
		us[r] = vg_clock_us() - t0;
	}
	report("get_many(300)", us, runs);
	for (unsigned long r = 0; r < runs; r++) {
		t0 = vg_clock_us();
		if (vg_store_incr_many(
		        store, values, keys, deltas, 300, 86400000) != 0)
			return 1;
		us[r] = vg_clock_us() - t0;
	}
	report("incr_many(300, ttl)", us, runs);
	for (unsigned long r = 0; r < runs; r++) {
		t0 = vg_clock_us();
		if (vg_store_get(store, &values[0], &found[0], keys[0]) != 0)
			return 1;
		us[r] = vg_clock_us() - t0;
	}
	report("get", us, runs);
	(void)vg_store_set(store, w.prev, 1000, 0);
	for (unsigned long r = 0; r < runs; r++) {
		t0 = vg_clock_us();
		if (vg_store_window_add(store, &res, &w) != 0)
			return 1;
		us[r] = vg_clock_us() - t0;
	}
	report("window_add", us, runs);
	/* prev * num past 2^52: the script's exact long division. */
	(void)vg_store_set(store, w.prev, (int64_t)1 << 40, 0);
	w.prev_num = (uint64_t)1 << 20;
	w.prev_den = (uint64_t)3 << 20;
	for (unsigned long r = 0; r < runs; r++) {
		t0 = vg_clock_us();
		if (vg_store_window_add(store, &res, &w) != 0)
			return 1;
		us[r] = vg_clock_us() - t0;
	}
	report("window_add (slow path)", us, runs);
	freeReplyObject(redisCommand(c, "FLUSHDB"));
	vg_store_unref(store);
	redisFree(c);
	free(us);
	return 0;
}
