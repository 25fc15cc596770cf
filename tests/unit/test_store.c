/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_store - the backend conformance suite: every case runs once per
 * backend in backends[] (a loop test), against the vg_store_* calls alone,
 * so a new backend (LMDB, Redis) is one more line there.  A backend with
 * no key bound (stats.max_keys 0) skips the eviction case (lmdb is bound
 * by bytes, and test_store_lmdb.c tests its reclaim).  Redis runs
 * against the test server (tests/redis, over TCP) in database
 * TEST_REDIS_DB, emptied before each store is opened; it expires keys on
 * the server's clock, which a test cannot move, so the cases that move
 * the injected clock skip their expiry checks for it (own_clock()), and
 * test_store_redis.c checks real expiry with short TTLs.
 */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/conf.h"
#include "base/err.h"
#include "store/store.h"

static const char *const backends[] = {"memory", "lmdb", "redis"};
#define NBACKENDS ((int)(sizeof(backends) / sizeof(backends[0])))

/* The test server's database this suite empties (test_store_redis: 2+). */
#define TEST_REDIS_DB      1
#define TEST_REDIS_STR(x)  #x
#define TEST_REDIS_XSTR(x) TEST_REDIS_STR(x)

/*
 * The lmdb backend's files: a fresh directory per test (on tmpfs when
 * there is one: each commit is synced), a fresh file per store, all
 * removed by the teardown.
 */
static char tmp_dir[64];
static unsigned tmp_files;

/* tmp_setup - a fresh directory for the test's database files */
static void
tmp_setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)snprintf(tmp_dir, sizeof(tmp_dir), "%s/vg-store-XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
	tmp_files = 0;
}

/* tmp_teardown - remove the directory and every file in it */
static void
tmp_teardown(void)
{
	char path[sizeof(tmp_dir) + 256 + 2];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(tmp_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(void)snprintf(
		    path, sizeof(path), "%s/%s", tmp_dir, de->d_name);
		(void)unlink(path);
	}
	(void)closedir(d);
	(void)rmdir(tmp_dir);
}

/* store_location - backend i's location: a fresh file for lmdb, else NULL */
static const char *
store_location(int i)
{
	static char path[128];

	if (strcmp(backends[i], "lmdb") != 0)
		return NULL;
	(void)snprintf(path, sizeof(path), "%s/db%u", tmp_dir, tmp_files++);
	return path;
}

/* The injected clock every store of a test reads. */
static uint64_t test_now = 1000000;

/* test_clock - the injected clock */
static uint64_t
test_clock(void *ctx)
{
	return *(const uint64_t *)ctx;
}

/* own_clock - backend i expires keys on its own clock, not the injected one */
static bool
own_clock(int i)
{
	return strcmp(backends[i], "redis") == 0;
}

/* store_opts - backend i's options: bounded at max_keys, injected clock */
static struct vg_store_opts
store_opts(int i, size_t max_keys)
{
	struct vg_store_opts opts = {
	    .max_keys = max_keys, .clock = test_clock, .clock_ctx = &test_now};

	if (strcmp(backends[i], "redis") == 0) {
		opts.location =
		    "127.0.0.1:" TEST_REDIS_XSTR(VG_TEST_REDIS_PORT);
		opts.db = TEST_REDIS_DB;
	}
	if (strcmp(backends[i], "lmdb") == 0)
		opts.location = store_location(i);
	return opts;
}

/* store_flush - empty backend i's shared data, as a new memory store is */
static void
store_flush(int i)
{
	redisContext *c;
	redisReply *rep;

	if (strcmp(backends[i], "redis") != 0)
		return;
	c = redisConnect("127.0.0.1", VG_TEST_REDIS_PORT);
	ck_assert_msg(c != NULL && c->err == 0, "test Redis: %s",
	    c != NULL ? c->errstr : "no memory");
	rep = redisCommand(c, "SELECT %d", TEST_REDIS_DB);
	ck_assert(rep != NULL && rep->type == REDIS_REPLY_STATUS);
	freeReplyObject(rep);
	rep = redisCommand(c, "FLUSHDB");
	ck_assert(rep != NULL && rep->type == REDIS_REPLY_STATUS);
	freeReplyObject(rep);
	redisFree(c);
}

/* store_open - backend i, empty, bounded at max_keys, on the injected clock */
static struct vg_store *
store_open(int i, size_t max_keys)
{
	struct vg_store_opts opts = store_opts(i, max_keys);
	struct vg_store *store = NULL;

	store_flush(i);
	ck_assert_msg(vg_store_new(&store, backends[i], &opts) == 0,
	    "cannot open the %s store", backends[i]);
	ck_assert_str_eq(vg_store_name(store), backends[i]);
	return store;
}

/* K - a key over a C string */
static struct vg_store_key
K(const char *s) {
	return vg_store_key_str(s);
}

/* value - key's value, -999 when missing */
static int64_t
value(struct vg_store *store, const char *key)
{
	int64_t v;
	bool found;

	ck_assert_int_eq(vg_store_get(store, &v, &found, K(key)), 0);
	return found ? v : -999;
}

START_TEST(test_store_incr_get)
{
	struct vg_store *store = store_open(_i, 100);
	int64_t v = 7;
	bool found = true;

	/* A missing key reads as not found, 0. */
	ck_assert_int_eq(vg_store_get(store, &v, &found, K("a")), 0);
	ck_assert(!found);
	ck_assert_int_eq(v, 0);
	/* incr creates at 0. */
	ck_assert_int_eq(vg_store_incr(store, &v, K("a"), 5, 0), 0);
	ck_assert_int_eq(v, 5);
	ck_assert_int_eq(vg_store_incr(store, &v, K("a"), -7, 0), 0);
	ck_assert_int_eq(v, -2);
	ck_assert_int_eq(vg_store_incr(store, NULL, K("a"), 2, 0), 0);
	ck_assert_int_eq(value(store, "a"), 0);
	/* Past INT64_MAX: refused, the value unchanged. */
	ck_assert_int_eq(vg_store_set(store, K("big"), INT64_MAX - 1, 0), 0);
	ck_assert_int_eq(vg_store_incr(store, &v, K("big"), 2, 0), VG_ELIMIT);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(value(store, "big"), INT64_MAX - 1);
	ck_assert_int_eq(vg_store_incr(store, &v, K("big"), 1, 0), 0);
	ck_assert(v == INT64_MAX);
	/* set replaces; del removes and says whether it was there. */
	ck_assert_int_eq(vg_store_set(store, K("a"), 42, 0), 0);
	ck_assert_int_eq(value(store, "a"), 42);
	ck_assert_int_eq(vg_store_del(store, &found, K("a")), 0);
	ck_assert(found);
	ck_assert_int_eq(vg_store_del(store, &found, K("a")), 0);
	ck_assert(!found);
	ck_assert_int_eq(value(store, "a"), -999);
	vg_store_unref(store);
}
END_TEST

START_TEST(test_store_ttl)
{
	struct vg_store *store = store_open(_i, 100);
	bool found;

	if (own_clock(_i)) {
		vg_store_unref(store);
		return; /* the server's clock: test_store_redis.c */
	}
	test_now = 1000000;
	ck_assert_int_eq(vg_store_incr(store, NULL, K("t"), 1, 1000), 0);
	/* An incr with no TTL leaves the TTL as it is. */
	ck_assert_int_eq(vg_store_incr(store, NULL, K("t"), 1, 0), 0);
	test_now += 999;
	ck_assert_int_eq(value(store, "t"), 2);
	test_now += 1;
	ck_assert_msg(value(store, "t") == -999,
	    "TTL passed: got %lld, want missing", (long long)value(store, "t"));
	/* A key that expired starts again at 0. */
	ck_assert_int_eq(vg_store_incr(store, NULL, K("t"), 1, 1000), 0);
	ck_assert_int_eq(value(store, "t"), 1);
	/* expire moves the end; 0 clears it. */
	ck_assert_int_eq(vg_store_expire(store, &found, K("t"), 5000), 0);
	ck_assert(found);
	test_now += 4000;
	ck_assert_int_eq(value(store, "t"), 1);
	ck_assert_int_eq(vg_store_expire(store, &found, K("t"), 0), 0);
	ck_assert(found);
	test_now += 86400000;
	ck_assert_int_eq(value(store, "t"), 1);
	ck_assert_int_eq(vg_store_expire(store, &found, K("none"), 10), 0);
	ck_assert(!found);
	/* set gives its own TTL (none with 0). */
	ck_assert_int_eq(vg_store_set(store, K("s"), 9, 10), 0);
	ck_assert_int_eq(vg_store_set(store, K("s"), 8, 0), 0);
	test_now += 10;
	ck_assert_int_eq(value(store, "s"), 8);
	ck_assert_int_eq(vg_store_set(store, K("s"), 7, 10), 0);
	test_now += 10;
	ck_assert_int_eq(value(store, "s"), -999);
	/* The clock is the injected one. */
	ck_assert(vg_store_now(store) == test_now);
	vg_store_unref(store);
}
END_TEST

/*
 * Past a write's batch (BIG) and, for the limit case, one key past a
 * read's (only the count is looked at before VG_ELIMIT).
 */
#define BIG (2 * VG_STORE_BATCH_MAX + 100)
static struct vg_store_key big_keys[VG_STORE_GET_MAX + 1];
static int64_t big_v[VG_STORE_GET_MAX + 1];
static bool big_found[VG_STORE_GET_MAX + 1];

START_TEST(test_store_batch)
{
	struct vg_store *store = store_open(_i, 1000);
	struct vg_store_key keys[300];
	int64_t deltas[300], v[300];
	bool found[300];
	char names[300][16];

	for (int i = 0; i < 300; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "tok%d", i);
		keys[i] = K(names[i]);
		deltas[i] = i;
	}
	ck_assert_int_eq(vg_store_set(store, keys[3], 100, 0), 0);
	/* n keys, n values; missing keys are 0 and not found. */
	ck_assert_int_eq(vg_store_get_many(store, v, found, keys, 5), 0);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(found[i], i == 3);
		ck_assert_int_eq(v[i], i == 3 ? 100 : 0);
	}
	ck_assert_int_eq(
	    vg_store_incr_many(store, v, keys, deltas, 300, 60000), 0);
	ck_assert_int_eq(v[3], 103);
	ck_assert_int_eq(v[299], 299);
	/* Without values_out, past the wrapper's stack buffer. */
	ck_assert_int_eq(
	    vg_store_incr_many(store, NULL, keys, deltas, 300, 60000), 0);
	ck_assert_int_eq(vg_store_get_many(store, v, found, keys, 300), 0);
	for (int i = 0; i < 300; i++) {
		ck_assert(found[i]);
		ck_assert_int_eq(v[i], 2 * i + (i == 3 ? 100 : 0));
	}
	/* The TTL applied to every key (Redis: see own_clock()). */
	test_now += 60000;
	ck_assert_int_eq(vg_store_get_many(store, v, found, keys, 300), 0);
	for (int i = 0; i < 300 && !own_clock(_i); i++)
		ck_assert_msg(!found[i], "key %d: got found, want expired", i);
	/* Empty and oversized batches. */
	ck_assert_int_eq(vg_store_get_many(store, v, found, keys, 0), 0);
	ck_assert_int_eq(vg_store_incr_many(store, v, keys, deltas, 0, 0), 0);
	for (int i = 0; i < BIG; i++)
		big_keys[i] = keys[i % 300];
	ck_assert_int_eq(vg_store_incr_many(store, big_v, big_keys, big_v,
	                     VG_STORE_BATCH_MAX + 1, 0),
	    VG_ELIMIT);
	/*
	 * A read takes more than a write's batch (Redis: three MGETs in
	 * one round trip), every value in its place; past its own limit,
	 * nothing is read.
	 */
	ck_assert_int_eq(vg_store_incr_many(store, NULL, keys, deltas, 300,
	                     own_clock(_i) ? 600000 : 0),
	    0);
	ck_assert_int_eq(vg_store_get_many(store, v, found, keys, 300), 0);
	ck_assert_int_eq(
	    vg_store_get_many(store, big_v, big_found, big_keys, BIG), 0);
	for (int i = 0; i < BIG; i++) {
		ck_assert(found[i % 300] && big_found[i]);
		ck_assert_int_eq(big_v[i], v[i % 300]);
	}
	ck_assert_int_ne(v[299], v[298]);
	ck_assert_int_eq(vg_store_get_many(store, big_v, big_found, big_keys,
	                     (size_t)VG_STORE_GET_MAX + 1),
	    VG_ELIMIT);
	vg_store_unref(store);
}
END_TEST

/* window - a window_add of delta on "cur"/"prev" with cap, guard "hold" */
static struct vg_store_window_res
window(struct vg_store *store, int64_t delta, int64_t cap, uint64_t num,
    uint64_t den)
{
	struct vg_store_window w = {
	    K("cur"), K("prev"), K("hold"), num, den, delta, cap, 5000};
	struct vg_store_window_res res;

	ck_assert_int_eq(vg_store_window_add(store, &res, &w), 0);
	return res;
}

START_TEST(test_store_window)
{
	struct vg_store *store = store_open(_i, 100);
	struct vg_store_window bad = {
	    K("cur"), {NULL, 0}, {NULL, 0}, 1, 0, 1, 10, 0};
	struct vg_store_window_res r;

	/* Adds up to the cap; the refused add is not counted. */
	r = window(store, 3, 5, 0, 1);
	ck_assert(r.added && !r.guarded);
	ck_assert_int_eq(r.count, 3);
	r = window(store, 3, 5, 0, 1);
	ck_assert_msg(!r.added, "6 of 5: got added, want refused");
	ck_assert_int_eq(r.count, 3);
	r = window(store, 2, 5, 0, 1);
	ck_assert(r.added);
	ck_assert_int_eq(r.count, 5);
	ck_assert_int_eq(value(store, "cur"), 5);
	/* The previous window counts num/den of itself, rounded up. */
	ck_assert_int_eq(vg_store_del(store, NULL, K("cur")), 0);
	ck_assert_int_eq(vg_store_set(store, K("prev"), 10, 0), 0);
	r = window(store, 0, 100, 1, 4); /* ceil(10 / 4) = 3 */
	ck_assert_int_eq(r.count, 3);
	r = window(store, 2, 5, 1, 4);
	ck_assert(r.added);
	ck_assert_int_eq(r.count, 5);
	r = window(store, 1, 5, 1, 4);
	ck_assert(!r.added);
	/* prev * num past 2^64 while the share fits: exact, not full. */
	ck_assert_int_eq(vg_store_set(store, K("prev"), INT64_MAX / 4, 0), 0);
	r = window(store, 0, INT64_MAX, 1ull << 40, (1ull << 40) * 3);
	ck_assert_msg(r.count == 2 + INT64_MAX / 12 + 1, "got count %lld",
	    (long long)r.count);
	ck_assert_int_eq(vg_store_set(store, K("prev"), 10, 0), 0);
	/* The current counter got the TTL (Redis: see own_clock()). */
	test_now += 5000;
	if (own_clock(_i))
		ck_assert_int_eq(vg_store_del(store, NULL, K("cur")), 0);
	ck_assert_int_eq(value(store, "cur"), -999);
	/* A guard key refuses whatever the count. */
	ck_assert_int_eq(vg_store_del(store, NULL, K("prev")), 0);
	ck_assert_int_eq(vg_store_set(store, K("hold"), 1, 100), 0);
	r = window(store, 1, 5, 0, 1);
	ck_assert(!r.added && r.guarded);
	ck_assert_int_eq(value(store, "cur"), -999);
	test_now += 100;
	if (own_clock(_i))
		ck_assert_int_eq(vg_store_del(store, NULL, K("hold")), 0);
	r = window(store, 1, 5, 0, 1);
	ck_assert(r.added && !r.guarded);
	/* No wrap-around at INT64_MAX. */
	r = window(store, INT64_MAX, INT64_MAX, 0, 1);
	ck_assert(!r.added);
	ck_assert_int_eq(r.count, 1);
	ck_assert_int_eq(vg_store_set(store, K("prev"), INT64_MAX, 0), 0);
	r = window(store, 1, INT64_MAX, 1, 1);
	ck_assert(!r.added);
	ck_assert(r.count == INT64_MAX);
	/* Bad arguments never reach the backend. */
	ck_assert_int_eq(vg_store_window_add(store, &r, &bad), VG_EINVAL);
	bad.prev_den = 1;
	bad.prev_num = 2;
	ck_assert_int_eq(vg_store_window_add(store, &r, &bad), VG_EINVAL);
	bad.prev_num = 0;
	bad.delta = -1;
	ck_assert_int_eq(vg_store_window_add(store, &r, &bad), VG_EINVAL);
	bad.delta = 1;
	bad.cur.len = 0;
	ck_assert_int_eq(vg_store_window_add(store, &r, &bad), VG_EINVAL);
	vg_store_unref(store);
}
END_TEST

START_TEST(test_store_eviction)
{
	struct vg_store *store = store_open(_i, 10);
	struct vg_store_stats st;
	char key[16];

	vg_store_stats(store, &st);
	if (st.max_keys == 0) {
		vg_store_unref(store);
		return; /* a backend with no key bound */
	}
	ck_assert_uint_eq(st.max_keys, 10);
	for (int i = 0; i < 10; i++) {
		(void)snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(vg_store_incr(store, NULL, K(key), 1, 0), 0);
	}
	/* Reading k0 makes it recent: k1 is now the oldest. */
	ck_assert_int_eq(value(store, "k0"), 1);
	ck_assert_int_eq(vg_store_incr(store, NULL, K("k10"), 1, 0), 0);
	vg_store_stats(store, &st);
	ck_assert_uint_eq(st.keys, 10);
	ck_assert_uint_eq(st.evictions, 1);
	ck_assert_int_eq(value(store, "k1"), -999);
	ck_assert_int_eq(value(store, "k0"), 1);
	/* An expired key is reclaimed before a live one is evicted. */
	ck_assert_int_eq(vg_store_expire(store, NULL, K("k5"), 10), 0);
	test_now += 10;
	ck_assert_int_eq(vg_store_incr(store, NULL, K("k11"), 1, 0), 0);
	vg_store_stats(store, &st);
	ck_assert_uint_eq(st.keys, 10);
	ck_assert_msg(st.evictions == 1, "got %llu evictions, want 1",
	    (unsigned long long)st.evictions);
	ck_assert_uint_eq(st.expired, 1);
	ck_assert_int_eq(value(store, "k2"), 1);
	/* Many more keys: the bound holds. */
	for (int i = 0; i < 1000; i++) {
		(void)snprintf(key, sizeof(key), "m%d", i);
		ck_assert_int_eq(vg_store_incr(store, NULL, K(key), 1, 0), 0);
	}
	vg_store_stats(store, &st);
	ck_assert_uint_eq(st.keys, 10);
	ck_assert_uint_eq(st.evictions, 1 + 1000);
	vg_store_unref(store);
}
END_TEST

START_TEST(test_store_long_keys)
{
	struct vg_store *store = store_open(_i, 100);
	unsigned char a[VG_STORE_KEY_MAX + 1], b[VG_STORE_KEY_MAX];
	struct vg_store_key ka = {a, VG_STORE_KEY_MAX};
	struct vg_store_key kb = {b, VG_STORE_KEY_MAX};
	struct vg_store_key too_long = {a, VG_STORE_KEY_MAX + 1};
	struct vg_store_key bin = {"x\0y", 3}, bin2 = {"x\0z", 3};
	struct vg_store_key empty = {NULL, 0};
	int64_t v;
	bool found;

	memset(a, 'a', sizeof(a));
	memcpy(b, a, sizeof(b));
	b[VG_STORE_KEY_MAX - 1] = 'b';
	/* Keys of the longest length differing in their last byte. */
	ck_assert_int_eq(vg_store_incr(store, NULL, ka, 1, 0), 0);
	ck_assert_int_eq(vg_store_incr(store, NULL, kb, 2, 0), 0);
	ck_assert_int_eq(vg_store_get(store, &v, &found, ka), 0);
	ck_assert(found && v == 1);
	/* One byte longer: refused, nothing stored. */
	ck_assert_int_eq(vg_store_incr(store, &v, too_long, 1, 0), VG_ELIMIT);
	ck_assert_int_eq(vg_store_get(store, &v, &found, too_long), VG_ELIMIT);
	ck_assert_int_eq(vg_store_set(store, too_long, 1, 0), VG_ELIMIT);
	ck_assert_int_eq(vg_store_del(store, &found, too_long), VG_ELIMIT);
	ck_assert_int_eq(
	    vg_store_expire(store, &found, too_long, 1), VG_ELIMIT);
	/* Any byte may be in a key, NUL included; the empty key is a key. */
	ck_assert_int_eq(vg_store_incr(store, NULL, bin, 1, 0), 0);
	ck_assert_int_eq(vg_store_get(store, &v, &found, bin2), 0);
	ck_assert(!found);
	ck_assert_int_eq(vg_store_incr(store, NULL, empty, 3, 0), 0);
	ck_assert_int_eq(vg_store_get(store, &v, &found, empty), 0);
	ck_assert(found && v == 3);
	vg_store_unref(store);
}
END_TEST

struct worker {
	struct vg_store *store;
	int64_t added; /* window adds that passed */
};

/* worker_run - 10,000 increments and window adds on shared keys */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct vg_store_window win = {
	    K("win"), {NULL, 0}, {NULL, 0}, 0, 1, 1, 5000, 0};
	struct vg_store_window_res res;

	for (int i = 0; i < 10000; i++) {
		if (vg_store_incr(w->store, NULL, K("shared"), 1, 0) != 0)
			return NULL;
		if (vg_store_window_add(w->store, &res, &win) == 0 && res.added)
			w->added++;
	}
	return NULL;
}

START_TEST(test_store_threads)
{
	struct vg_store *store = store_open(_i, 100);
	struct worker w[4];
	pthread_t t[4];
	int64_t added = 0;

	for (int i = 0; i < 4; i++) {
		w[i].store = store;
		w[i].added = 0;
		ck_assert_int_eq(
		    pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		added += w[i].added;
	}
	ck_assert_msg(value(store, "shared") == 40000,
	    "got %lld, want exactly 40000", (long long)value(store, "shared"));
	ck_assert_msg(added == 5000, "got %lld window adds, want exactly 5000",
	    (long long)added);
	vg_store_unref(store);
}
END_TEST

START_TEST(test_store_handle)
{
	struct vg_store_opts opts = {
	    .max_keys = 0, .clock = NULL, .clock_ctx = NULL};
	struct vg_store *store = (struct vg_store *)1;
	struct vg_store_window_res res;
	struct vg_store_window w = {
	    K("c"), {NULL, 0}, {NULL, 0}, 0, 1, 1, 1, 0};

	ck_assert_int_eq(vg_store_new(&store, "no-such", NULL), VG_EINVAL);
	ck_assert_ptr_null(store);
	/* The memory store needs its bound. */
	ck_assert_int_eq(vg_store_new(&store, "memory", &opts), VG_EINVAL);
	ck_assert_ptr_null(store);
	store = store_open(_i, 10);
	/* Each reference keeps it open; the last closes it. */
	ck_assert_ptr_eq(vg_store_ref(store), store);
	vg_store_unref(store);
	ck_assert_int_eq(vg_store_window_add(store, &res, &w), 0);
	ck_assert(res.added);
	vg_store_unref(store);
	vg_store_unref(NULL);
}
END_TEST

START_TEST(test_store_alloc_failure)
{
	struct vg_store_opts opts = store_opts(_i, 4);
	struct vg_store_key keys[2] = {{"a", 1}, {"b", 1}};
	const int64_t deltas[2] = {1, 2};
	struct vg_store_window w = {
	    {"w", 1}, {NULL, 0}, {NULL, 0}, 0, 1, 1, 10, 0};
	struct vg_store_window_res res;
	struct vg_store *store;
	unsigned long n;
	int64_t v[2];
	bool found[2];
	int rc;

	/* Every allocation failure is VG_ENOMEM, changes nothing, leaks nothing. */
	for (n = 1; n < 30; n++) {
		store_flush(_i);
		opts.location = store_opts(_i, 4).location;
		vg_alloc_fail_at(n);
		store = NULL;
		rc = vg_store_new(&store, backends[_i], &opts);
		if (rc != 0) {
			ck_assert_int_eq(rc, VG_ENOMEM);
			ck_assert_ptr_null(store);
			continue;
		}
		rc = vg_store_incr(store, NULL, K("x"), 1, 0);
		ck_assert(rc == 0 || rc == VG_ENOMEM);
		rc = vg_store_incr_many(store, NULL, keys, deltas, 2, 0);
		ck_assert(rc == 0 || rc == VG_ENOMEM);
		rc = vg_store_window_add(store, &res, &w);
		ck_assert(rc == 0 || rc == VG_ENOMEM);
		ck_assert(rc == 0 || !res.added);
		rc = vg_store_set(store, K("y"), 5, 0);
		ck_assert(rc == 0 || rc == VG_ENOMEM);
		vg_alloc_fail_at(0);
		/* What failed is not there; what passed is. */
		ck_assert_int_eq(
		    vg_store_get_many(store, v, found, keys, 2), 0);
		ck_assert(!found[0] || v[0] == 1);
		ck_assert(!found[1] || v[1] == 2);
		ck_assert(value(store, "y") == 5 || value(store, "y") == -999);
		vg_store_unref(store);
	}
	vg_alloc_fail_at(0);
}
END_TEST

/* The engine's choice: the previous store when its settings still hold. */
START_TEST(test_store_for_conf)
{
	const char *base = "socket = unix:/tmp/x.sock\nvirus_scan = no\n";
	char text[256];
	struct vg_conf *a = NULL, *b = NULL;
	struct vg_store *one = NULL, *two = NULL, *three = NULL;
	struct vg_store_stats st;
	struct vg_err err;

	vg_err_init(&err);
	(void)snprintf(
	    text, sizeof(text), "%sratelimit_max_keys = 200\n", base);
	ck_assert_int_eq(vg_conf_parse(&a, text, strlen(text), "a", &err), 0);
	(void)snprintf(
	    text, sizeof(text), "%sratelimit_max_keys = 300\n", base);
	ck_assert_int_eq(vg_conf_parse(&b, text, strlen(text), "b", &err), 0);
	ck_assert_int_eq(vg_store_for_conf(&one, a, NULL), 0);
	vg_store_stats(one, &st);
	ck_assert_uint_eq(st.max_keys, 200);
	ck_assert_str_eq(vg_store_name(one), "memory");
	ck_assert_int_eq(vg_store_for_conf(&two, a, one), 0);
	ck_assert_ptr_eq(two, one);
	ck_assert_int_eq(vg_store_for_conf(&three, b, one), 0);
	ck_assert_ptr_ne(three, one);
	vg_store_stats(three, &st);
	ck_assert_uint_eq(st.max_keys, 300);
	vg_store_unref(one);
	vg_store_unref(two);
	vg_store_unref(three);
	vg_conf_free(a);
	vg_conf_free(b);
}
END_TEST

/* store_suite - one TCase per behaviour, each looped over the backends */
static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc;

	tc = tcase_create("counters");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_loop_test(tc, test_store_incr_get, 0, NBACKENDS);
	tcase_add_loop_test(tc, test_store_ttl, 0, NBACKENDS);
	tcase_add_loop_test(tc, test_store_long_keys, 0, NBACKENDS);
	tcase_add_loop_test(tc, test_store_handle, 0, NBACKENDS);
	tcase_add_test(tc, test_store_for_conf);
	suite_add_tcase(s, tc);
	tc = tcase_create("batch");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_loop_test(tc, test_store_batch, 0, NBACKENDS);
	suite_add_tcase(s, tc);
	tc = tcase_create("window");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_loop_test(tc, test_store_window, 0, NBACKENDS);
	suite_add_tcase(s, tc);
	tc = tcase_create("bound");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_loop_test(tc, test_store_eviction, 0, NBACKENDS);
	suite_add_tcase(s, tc);
	tc = tcase_create("threads");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_loop_test(tc, test_store_threads, 0, NBACKENDS);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_loop_test(tc, test_store_alloc_failure, 0, NBACKENDS);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(store_suite)
