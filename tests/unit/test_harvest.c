/* SPDX-License-Identifier: GPL-2.0-only */
/* test_harvest - unknown recipients per client, threshold, cooling off */
#include <check.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/err.h"
#include "policy/harvest.h"
#include "store/store.h"

/* test_clock - the injected clock */
static uint64_t
test_clock(void *ctx)
{
	return *(const uint64_t *)ctx;
}

/*
 * tracker - a tracker over a memory store of its own, of max_keys keys and
 * with clock (the tracker keeps the store's only reference)
 */
static int
tracker(struct vg_harvest **out, unsigned threshold, uint64_t window_ms,
    uint64_t cooloff_ms, size_t max_keys, vg_store_clock_fn clock,
    void *clock_ctx)
{
	struct vg_store_opts opts = {
	    .max_keys = max_keys, .clock = clock, .clock_ctx = clock_ctx};
	struct vg_store *store = NULL;
	int rc;

	*out = NULL;
	if ((rc = vg_store_new(&store, "memory", &opts)) != 0)
		return rc;
	rc = vg_harvest_new(out, store, threshold, window_ms, cooloff_ms);
	vg_store_unref(store);
	return rc;
}

START_TEST(test_harvest_threshold)
{
	struct vg_harvest *h = NULL;
	uint64_t now = 100000, count = 0;
	bool held = true;
	int i;

	/* 5 unknown recipients in 60 s: held for 300 s. */
	ck_assert_int_eq(
	    tracker(&h, 5, 60000, 300000, 100, test_clock, &now), 0);
	for (i = 1; i < 5; i++) {
		ck_assert_int_eq(
		    vg_harvest_unknown(h, &held, &count, "192.0.2.9"), 0);
		ck_assert_msg(!held, "unknown %d: got held, want not", i);
		ck_assert_int_eq(count, (uint64_t)i);
		ck_assert_int_eq(vg_harvest_held(h, "192.0.2.9"), 0);
	}
	ck_assert_int_eq(vg_harvest_unknown(h, &held, &count, "192.0.2.9"), 0);
	ck_assert_msg(held, "5th unknown: got not held, want held");
	ck_assert_int_eq(count, 5);
	ck_assert_int_eq(vg_harvest_held(h, "192.0.2.9"), 300000);
	/* Another client is unaffected. */
	ck_assert_int_eq(vg_harvest_held(h, "192.0.2.10"), 0);

	/* Probing during the hold neither counts nor extends it. */
	now += 100000;
	ck_assert_int_eq(vg_harvest_unknown(h, &held, NULL, "192.0.2.9"), 0);
	ck_assert(!held);
	ck_assert_int_eq(vg_harvest_held(h, "192.0.2.9"), 200000);

	/* Cooled off: the client is let in again, with a clean slate. */
	now += 200000;
	ck_assert_int_eq(vg_harvest_held(h, "192.0.2.9"), 0);
	ck_assert_int_eq(vg_harvest_unknown(h, &held, &count, "192.0.2.9"), 0);
	ck_assert(!held);
	ck_assert_int_eq(count, 1);
	vg_harvest_free(h);
}
END_TEST

START_TEST(test_harvest_window)
{
	struct vg_harvest *h = NULL;
	uint64_t now = 0;
	bool held;
	int i;

	/* Mistakes spread out over time never add up to a hold. */
	ck_assert_int_eq(
	    tracker(&h, 3, 60000, 300000, 100, test_clock, &now), 0);
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(
		    vg_harvest_unknown(h, &held, NULL, "198.51.100.1"), 0);
		ck_assert_msg(!held, "unknown %d: got held, want not", i);
		now += 60000;
	}
	vg_harvest_free(h);
}
END_TEST

START_TEST(test_harvest_off)
{
	struct vg_harvest *h = NULL;
	uint64_t now = 0, count = 7;
	bool held;
	int i;

	ck_assert_int_eq(
	    tracker(&h, 0, 60000, 300000, 100, test_clock, &now), 0);
	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(
		    vg_harvest_unknown(h, &held, &count, "192.0.2.9"), 0);
		ck_assert(!held);
	}
	ck_assert_int_eq(count, 0);
	ck_assert_int_eq(vg_harvest_held(h, "192.0.2.9"), 0);
	vg_harvest_free(h);
}
END_TEST

START_TEST(test_harvest_errors)
{
	struct vg_harvest *h = (struct vg_harvest *)1;
	uint64_t now = 0;
	unsigned long n;
	bool held;

	ck_assert_int_eq(tracker(&h, 3, 60000, 0, 10, NULL, NULL), VG_EINVAL);
	ck_assert_ptr_null(h);
	ck_assert_int_eq(tracker(&h, 3, 0, 1000, 10, NULL, NULL), VG_EINVAL);
	ck_assert_ptr_null(h);
	for (n = 1; n < 12; n++) {
		vg_alloc_fail_at(n);
		if (tracker(&h, 1, 1000, 1000, 10, test_clock, &now) != 0) {
			ck_assert_ptr_null(h);
			continue;
		}
		if (vg_harvest_unknown(h, &held, NULL, "k") == 0)
			ck_assert(held);
		vg_harvest_free(h);
	}
	vg_alloc_fail_at(0);
	vg_harvest_free(NULL);
}
END_TEST

START_TEST(test_harvest_reload)
{
	struct vg_store_opts opts = {
	    .max_keys = 100, .clock = test_clock, .clock_ctx = NULL};
	struct vg_harvest *h = NULL, *same = NULL, *other = NULL;
	struct vg_store *store = NULL;
	uint64_t now = 0;
	bool held;

	opts.clock_ctx = &now;
	ck_assert_int_eq(vg_store_new(&store, "memory", &opts), 0);
	ck_assert_int_eq(vg_harvest_new(&h, store, 1, 60000, 300000), 0);
	ck_assert_int_eq(vg_harvest_unknown(h, &held, NULL, "192.0.2.9"), 0);
	ck_assert(held);
	/* A tracker built the same on the store sees the hold... */
	ck_assert_int_eq(vg_harvest_new(&same, store, 1, 60000, 300000), 0);
	ck_assert_int_eq(vg_harvest_held(same, "192.0.2.9"), 300000);
	/* ...one with another cooling-off period starts afresh. */
	ck_assert_int_eq(vg_harvest_new(&other, store, 1, 60000, 600000), 0);
	ck_assert_int_eq(vg_harvest_held(other, "192.0.2.9"), 0);
	vg_harvest_free(h);
	vg_harvest_free(same);
	vg_harvest_free(other);
	vg_store_unref(store);
}
END_TEST

/* harvest_suite - one TCase per behaviour */
static Suite *
harvest_suite(void)
{
	Suite *s = suite_create("harvest");
	TCase *tc;

	tc = tcase_create("threshold");
	tcase_add_test(tc, test_harvest_threshold);
	tcase_add_test(tc, test_harvest_window);
	tcase_add_test(tc, test_harvest_off);
	tcase_add_test(tc, test_harvest_reload);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_harvest_errors);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(harvest_suite)
