/* SPDX-License-Identifier: GPL-2.0-only */
/* test_ratelimit - sliding windows, holds, the key bound, threads, reloads */
#include <check.h>
#include <pthread.h>
#include <stdio.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/err.h"
#include "policy/ratelimit.h"
#include "store/store.h"

/* test_clock - the injected clock: whatever the test says it is */
static uint64_t
test_clock(void *ctx)
{
	return *(const uint64_t *)ctx;
}

/*
 * table - a table named "t" over a memory store of its own, of max_keys
 * keys and with clock (the table keeps the store's only reference)
 */
static int
table(struct vg_ratelimit **out, uint64_t limit, uint64_t window_ms,
    size_t max_keys, vg_store_clock_fn clock, void *clock_ctx)
{
	struct vg_store_opts opts = {
	    .max_keys = max_keys, .clock = clock, .clock_ctx = clock_ctx};
	struct vg_store *store = NULL;
	int rc;

	*out = NULL;
	if ((rc = vg_store_new(&store, "memory", &opts)) != 0)
		return rc;
	rc = vg_ratelimit_new(out, store, "t", limit, window_ms);
	vg_store_unref(store);
	return rc;
}

/* hit - one event for key; true if it passed */
static bool
hit(struct vg_ratelimit *rl, const char *key, uint64_t *count)
{
	bool over = true;

	ck_assert_int_eq(vg_ratelimit_hit(rl, &over, count, key, 1), 0);
	return !over;
}

START_TEST(test_ratelimit_window)
{
	struct vg_ratelimit *rl = NULL;
	uint64_t now = 1000000, count = 0;
	int i;

	ck_assert_int_eq(table(&rl, 3, 1000, 100, test_clock, &now), 0);
	for (i = 0; i < 3; i++)
		ck_assert_msg(hit(rl, "192.0.2.1", &count),
		    "event %d: got refused, want passed", i + 1);
	ck_assert_int_eq(count, 3);
	ck_assert_msg(!hit(rl, "192.0.2.1", &count),
	    "4th event: got passed, want refused");
	ck_assert_int_eq(count, 3);
	/* Other keys have their own counters. */
	ck_assert(hit(rl, "192.0.2.2", &count));
	ck_assert_int_eq(count, 1);

	/* At the next boundary all three still fall inside the window. */
	now += 1000;
	ck_assert_msg(!hit(rl, "192.0.2.1", &count),
	    "one window later: got passed, want refused (count %d)",
	    (int)count);
	/* Half-way through, half of them have slid out. */
	now += 500;
	ck_assert_int_eq(vg_ratelimit_count(rl, "192.0.2.1"), 2);
	ck_assert(hit(rl, "192.0.2.1", &count));
	ck_assert_int_eq(count, 3);
	ck_assert(!hit(rl, "192.0.2.1", NULL));
	/* Two windows after the burst, only the new event is left. */
	now += 500;
	ck_assert_int_eq(vg_ratelimit_count(rl, "192.0.2.1"), 1);
	now += 1000;
	ck_assert_int_eq(vg_ratelimit_count(rl, "192.0.2.1"), 0);
	for (i = 0; i < 3; i++)
		ck_assert(hit(rl, "192.0.2.1", NULL));
	/* A long silence forgets everything. */
	now += 3600000;
	ck_assert_int_eq(vg_ratelimit_count(rl, "192.0.2.1"), 0);
	vg_ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_batch)
{
	struct vg_ratelimit *rl = NULL;
	uint64_t now = 0, count = 0;
	bool over;

	ck_assert_int_eq(table(&rl, 100, 60000, 10, test_clock, &now), 0);
	/* Recipients of one message arrive as one batch. */
	ck_assert_int_eq(vg_ratelimit_hit(rl, &over, &count, "alice", 60), 0);
	ck_assert(!over);
	ck_assert_int_eq(vg_ratelimit_hit(rl, &over, &count, "alice", 50), 0);
	ck_assert_msg(over, "110 of 100: got passed, want refused");
	ck_assert_int_eq(count, 60);
	ck_assert_int_eq(vg_ratelimit_hit(rl, &over, &count, "alice", 40), 0);
	ck_assert(!over);
	ck_assert_int_eq(count, 100);
	/* A huge batch cannot wrap the counter. */
	ck_assert_int_eq(
	    vg_ratelimit_hit(rl, &over, &count, "bob", UINT64_MAX), 0);
	ck_assert(over);
	vg_ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_off)
{
	struct vg_ratelimit *rl = NULL;
	struct vg_ratelimit_stats st;
	uint64_t now = 0;
	int i;

	ck_assert_int_eq(table(&rl, 0, 1000, 1, test_clock, &now), 0);
	for (i = 0; i < 1000; i++)
		ck_assert(hit(rl, "192.0.2.1", NULL));
	vg_ratelimit_stats(rl, &st);
	ck_assert_int_eq(st.keys, 0);
	ck_assert_int_eq(vg_ratelimit_limit(rl), 0);
	vg_ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_hold)
{
	struct vg_ratelimit *rl = NULL;
	uint64_t now = 5000;

	ck_assert_int_eq(table(&rl, 10, 1000, 10, test_clock, &now), 0);
	ck_assert_int_eq(vg_ratelimit_held(rl, "192.0.2.1"), 0);
	ck_assert_int_eq(vg_ratelimit_hold(rl, "192.0.2.1", now + 30000), 0);
	/* An earlier hold does not shorten a later one. */
	ck_assert_int_eq(vg_ratelimit_hold(rl, "192.0.2.1", now + 10), 0);
	ck_assert_int_eq(vg_ratelimit_held(rl, "192.0.2.1"), 30000);
	ck_assert_msg(
	    !hit(rl, "192.0.2.1", NULL), "held key: got passed, want refused");
	now += 29999;
	ck_assert_int_eq(vg_ratelimit_held(rl, "192.0.2.1"), 1);
	now += 1;
	ck_assert_int_eq(vg_ratelimit_held(rl, "192.0.2.1"), 0);
	ck_assert_msg(
	    hit(rl, "192.0.2.1", NULL), "hold over: got refused, want passed");
	vg_ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_key_bound)
{
	struct vg_ratelimit *rl = NULL;
	struct vg_ratelimit_stats st;
	uint64_t now = 0;
	char key[64];
	int i;

	ck_assert_int_eq(table(&rl, 2, 60000, 100, test_clock, &now), 0);
	ck_assert(hit(rl, "victim", NULL));
	ck_assert(hit(rl, "busy", NULL));
	ck_assert(hit(rl, "busy", NULL));
	/* 100,000 distinct clients: the table stays at 100 keys. */
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "10.%d.%d.%d", i >> 16,
		    (i >> 8) & 255, i & 255);
		ck_assert(hit(rl, key, NULL));
		if (i % 10 == 0)
			ck_assert_int_eq(vg_ratelimit_count(rl, "busy"), 2);
	}
	vg_ratelimit_stats(rl, &st);
	ck_assert_msg(st.keys == 100, "got %zu keys, want 100", st.keys);
	ck_assert_int_eq(st.evictions, 100000 + 2 - 100);
	/* The key in constant use survived; the idle one was evicted. */
	ck_assert_int_eq(vg_ratelimit_count(rl, "busy"), 2);
	ck_assert_int_eq(vg_ratelimit_count(rl, "victim"), 0);
	vg_ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_long_key)
{
	struct vg_ratelimit *rl = NULL;
	uint64_t now = 0;
	char a[VG_RATELIMIT_KEY_MAX + 10], b[VG_RATELIMIT_KEY_MAX + 10];

	memset(a, 'a', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	b[VG_RATELIMIT_KEY_MAX + 5] = 'b';
	ck_assert_int_eq(table(&rl, 1, 1000, 10, test_clock, &now), 0);
	ck_assert(hit(rl, a, NULL));
	/* Keys equal in their first VG_RATELIMIT_KEY_MAX bytes share one. */
	ck_assert(!hit(rl, b, NULL));
	vg_ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_errors)
{
	struct vg_ratelimit *rl = (struct vg_ratelimit *)1;
	uint64_t now = 0;
	bool over;
	unsigned long n;

	ck_assert_int_eq(table(&rl, 1, 0, 10, NULL, NULL), VG_EINVAL);
	ck_assert_ptr_null(rl);
	ck_assert_int_eq(table(&rl, 1, 1000, 0, NULL, NULL), VG_EINVAL);
	/* Every allocation failure is VG_ENOMEM and leaks nothing. */
	for (n = 1; n < 10; n++) {
		vg_alloc_fail_at(n);
		if (table(&rl, 5, 1000, 10, test_clock, &now) != 0) {
			ck_assert_ptr_null(rl);
			continue;
		}
		if (vg_ratelimit_hit(rl, &over, NULL, "k", 1) == 0) {
			ck_assert(!over);
			ck_assert_int_eq(vg_ratelimit_count(rl, "k"), 1);
		} else {
			ck_assert_int_eq(vg_ratelimit_count(rl, "k"), 0);
		}
		vg_ratelimit_free(rl);
	}
	vg_alloc_fail_at(0);
	vg_ratelimit_free(NULL);
}
END_TEST

START_TEST(test_ratelimit_shared_store)
{
	struct vg_store_opts opts = {
	    .max_keys = 1000, .clock = test_clock, .clock_ctx = NULL};
	struct vg_ratelimit *a = NULL, *b = NULL, *a2 = NULL, *a3 = NULL;
	struct vg_store *store = NULL;
	uint64_t now = 7000;

	opts.clock_ctx = &now;
	ck_assert_int_eq(vg_store_new(&store, "memory", &opts), 0);
	ck_assert_int_eq(vg_ratelimit_new(&a, store, "conn", 2, 1000), 0);
	ck_assert_int_eq(vg_ratelimit_new(&b, store, "msg", 2, 1000), 0);
	ck_assert(hit(a, "192.0.2.1", NULL));
	ck_assert(hit(a, "192.0.2.1", NULL));
	ck_assert(!hit(a, "192.0.2.1", NULL));
	/* Tables of other names count apart, on the same store. */
	ck_assert(hit(b, "192.0.2.1", NULL));
	ck_assert_int_eq(vg_ratelimit_hold(b, "192.0.2.9", now + 500), 0);
	ck_assert_int_eq(vg_ratelimit_held(a, "192.0.2.9"), 0);
	ck_assert_int_eq(vg_ratelimit_held(b, "192.0.2.9"), 500);
	/* The same name, limit and window (a reload): the counts go on. */
	ck_assert_int_eq(vg_ratelimit_new(&a2, store, "conn", 2, 1000), 0);
	ck_assert_msg(!hit(a2, "192.0.2.1", NULL),
	    "same limit on a new table: got passed, want refused");
	/* Another limit: a fresh start. */
	ck_assert_int_eq(vg_ratelimit_new(&a3, store, "conn", 3, 1000), 0);
	ck_assert_msg(hit(a3, "192.0.2.1", NULL),
	    "changed limit: got refused, want passed");
	ck_assert_int_eq(vg_ratelimit_count(a3, "192.0.2.1"), 1);
	/* The tables hold the store: it outlives the caller's reference. */
	vg_store_unref(store);
	ck_assert(!hit(a, "192.0.2.1", NULL));
	vg_ratelimit_free(a);
	vg_ratelimit_free(b);
	vg_ratelimit_free(a2);
	vg_ratelimit_free(a3);
}
END_TEST

START_TEST(test_ratelimit_names)
{
	struct vg_store_opts opts = {
	    .max_keys = 100, .clock = NULL, .clock_ctx = NULL};
	struct vg_ratelimit *rl = (struct vg_ratelimit *)1;
	struct vg_store *store = NULL;
	char longname[VG_RATELIMIT_NAME_MAX + 2];

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(vg_store_new(&store, "memory", &opts), 0);
	ck_assert_int_eq(vg_ratelimit_new(&rl, store, "", 1, 1000), VG_EINVAL);
	ck_assert_ptr_null(rl);
	ck_assert_int_eq(
	    vg_ratelimit_new(&rl, store, "a/b", 1, 1000), VG_EINVAL);
	ck_assert_int_eq(
	    vg_ratelimit_new(&rl, store, longname, 1, 1000), VG_EINVAL);
	longname[VG_RATELIMIT_NAME_MAX] = '\0';
	ck_assert_int_eq(vg_ratelimit_new(&rl, store, longname, 1, 1000), 0);
	vg_ratelimit_free(rl);
	vg_store_unref(store);
}
END_TEST

struct worker {
	struct vg_ratelimit *rl;
	unsigned passed;
};

/* worker_run - hammer one key from one thread */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	bool over;

	for (int i = 0; i < 20000; i++)
		if (vg_ratelimit_hit(w->rl, &over, NULL, "shared", 1) == 0 &&
		    !over)
			w->passed++;
	return NULL;
}

START_TEST(test_ratelimit_threads)
{
	struct vg_ratelimit *rl = NULL;
	struct worker w[4];
	pthread_t t[4];
	uint64_t now = 0;
	unsigned total = 0;

	ck_assert_int_eq(table(&rl, 5000, 1000, 10, test_clock, &now), 0);
	for (int i = 0; i < 4; i++) {
		w[i].rl = rl;
		w[i].passed = 0;
		ck_assert_int_eq(
		    pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += w[i].passed;
	}
	ck_assert_msg(total == 5000, "got %u passed, want exactly 5000", total);
	vg_ratelimit_free(rl);
}
END_TEST

/* ratelimit_suite - one TCase per behaviour */
static Suite *
ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc;

	tc = tcase_create("window");
	tcase_add_test(tc, test_ratelimit_window);
	tcase_add_test(tc, test_ratelimit_batch);
	tcase_add_test(tc, test_ratelimit_off);
	suite_add_tcase(s, tc);
	tc = tcase_create("hold");
	tcase_add_test(tc, test_ratelimit_hold);
	suite_add_tcase(s, tc);
	tc = tcase_create("bound");
	tcase_add_test(tc, test_ratelimit_key_bound);
	tcase_add_test(tc, test_ratelimit_long_key);
	suite_add_tcase(s, tc);
	tc = tcase_create("store");
	tcase_add_test(tc, test_ratelimit_shared_store);
	tcase_add_test(tc, test_ratelimit_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_ratelimit_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("threads");
	tcase_add_test(tc, test_ratelimit_threads);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(ratelimit_suite)
