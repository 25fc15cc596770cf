/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_logreg - online logistic regression over int64 weights: the score
 * of known weights, learning that moves a message towards its class and
 * stops at the margin, the weight bound (also for weights pushed out by
 * another writer), deltas that interleave, and bad parameters.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>

#include "vg_check.h"
#include "base/compiler.h"
#include "base/err.h"
#include "learn/logreg.h"

/* learn - apply one update to w in place; whether anything changed */
static bool
learn(int64_t *w, size_t n, bool spam, const struct vg_logreg_params *p)
{
	int64_t d[64];
	bool changed;

	ck_assert_uint_le(n, VG_NELEM(d));
	ck_assert_int_eq(vg_logreg_delta(d, &changed, w, n, spam, p), 0);
	for (size_t i = 0; i < n; i++)
		w[i] += d[i];
	return changed;
}

START_TEST(test_logreg_score)
{
	int64_t w[4] = {
	    VG_LOGREG_ONE, VG_LOGREG_ONE, VG_LOGREG_ONE, VG_LOGREG_ONE};
	struct vg_logreg_result r;

	/* z = 4 / sqrt(4) = 2. */
	vg_logreg_score(&r, w, 4);
	ck_assert_msg(fabs(r.z - 2.0) < 1e-12, "z %g", r.z);
	ck_assert_msg(
	    fabs(r.prob - 1.0 / (1.0 + exp(-2.0))) < 1e-12, "prob %g", r.prob);
	for (size_t i = 0; i < 4; i++)
		w[i] = -w[i];
	vg_logreg_score(&r, w, 4);
	ck_assert(r.z < 0.0 && r.prob < 0.5);
	/* Nothing stored, or no token: no opinion. */
	w[0] = w[1] = w[2] = w[3] = 0;
	vg_logreg_score(&r, w, 4);
	ck_assert(r.prob == 0.5 && r.z == 0.0);
	vg_logreg_score(&r, w, 0);
	ck_assert(r.prob == 0.5);
	/* Far past what a double's exp() holds: still ordered, no NaN. */
	w[0] = 1000000 * VG_LOGREG_ONE;
	vg_logreg_score(&r, w, 1);
	ck_assert(r.prob == 1.0 && r.z == 1e6);
	w[0] = -w[0];
	vg_logreg_score(&r, w, 1);
	ck_assert(r.prob == 0.0 && !isnan(r.prob));
}
END_TEST

START_TEST(test_logreg_learns_to_margin)
{
	struct vg_logreg_params p;
	struct vg_logreg_result r;
	int64_t w[16] = {0};
	size_t steps = 0;

	vg_logreg_params_default(&p);
	/* Learned as spam until z >= margin, then no more updates. */
	while (learn(w, 16, true, &p)) {
		ck_assert_uint_lt(++steps, 1000);
		/* Every token of the message gets the same step. */
		for (size_t i = 1; i < 16; i++)
			ck_assert(w[i] == w[0]);
	}
	ck_assert_uint_gt(steps, 0);
	vg_logreg_score(&r, w, 16);
	ck_assert_msg(r.z >= p.margin && r.prob > 0.5, "z %g", r.z);
	/* Relearning it is a no-op (the margin holds). */
	ck_assert(!learn(w, 16, true, &p));
	/* Learned as ham, it moves back below 0. */
	while (learn(w, 16, false, &p))
		ck_assert_uint_lt(++steps, 2000);
	vg_logreg_score(&r, w, 16);
	ck_assert_msg(r.z <= -p.margin, "z %g", r.z);
}
END_TEST

START_TEST(test_logreg_generalises)
{
	/* Tokens 0-3 spam-only, 4-7 ham-only, 8-11 in both. */
	struct vg_logreg_params p;
	struct vg_logreg_result r;
	int64_t w[12] = {0}, s[8], h[8], ds[8], dh[8];
	bool c;

	vg_logreg_params_default(&p);
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < 4; i++) {
			s[i] = w[i];
			s[4 + i] = w[8 + i];
			h[i] = w[4 + i];
			h[4 + i] = w[8 + i];
		}
		/* Learn the spam, then the ham: both tuples read first. */
		ck_assert_int_eq(vg_logreg_delta(ds, &c, s, 8, true, &p), 0);
		ck_assert_int_eq(vg_logreg_delta(dh, &c, h, 8, false, &p), 0);
		/* Both sets of deltas apply, in any order (INCRBY). */
		for (size_t i = 0; i < 4; i++) {
			w[i] += ds[i];
			w[8 + i] += ds[4 + i];
			w[4 + i] += dh[i];
			w[8 + i] += dh[4 + i];
		}
	}
	/* A new message with two spam-only and two shared tokens. */
	s[0] = w[1];
	s[1] = w[2];
	s[2] = w[9];
	s[3] = w[10];
	vg_logreg_score(&r, s, 4);
	ck_assert_msg(r.prob > 0.6, "spam-like: %g", r.prob);
	h[0] = w[5];
	h[1] = w[6];
	h[2] = w[9];
	h[3] = w[10];
	vg_logreg_score(&r, h, 4);
	ck_assert_msg(r.prob < 0.4, "ham-like: %g", r.prob);
}
END_TEST

START_TEST(test_logreg_bound)
{
	struct vg_logreg_params p;
	int64_t w[1] = {0}, d[1], lim;
	bool c;

	vg_logreg_params_default(&p);
	p.margin = 50.0;
	p.rate = 100.0;
	p.max_weight = 2.0;
	lim = 2 * VG_LOGREG_ONE;
	for (int i = 0; i < 100; i++)
		learn(w, 1, true, &p);
	ck_assert_int_eq(w[0], lim);
	/* At the bound, a spam update changes nothing. */
	ck_assert(!learn(w, 1, true, &p));
	/* A weight another writer pushed past it is brought back. */
	w[0] = 5 * lim;
	ck_assert_int_eq(vg_logreg_delta(d, &c, w, 1, true, &p), 0);
	ck_assert(c && w[0] + d[0] == lim);
	/* From the far end of an int64 the delta would overflow: none. */
	w[0] = INT64_MIN;
	ck_assert_int_eq(vg_logreg_delta(d, &c, w, 1, true, &p), 0);
	ck_assert(d[0] == 0 && !c);
}
END_TEST

START_TEST(test_logreg_bad_params)
{
	struct vg_logreg_params p;
	int64_t w[1] = {0}, d[1] = {7};
	bool c = true;

	vg_logreg_params_default(&p);
	p.rate = 0.0;
	ck_assert_int_eq(vg_logreg_delta(d, &c, w, 1, true, &p), VG_EINVAL);
	ck_assert(!c);
	vg_logreg_params_default(&p);
	p.margin = -1.0;
	ck_assert_int_eq(vg_logreg_delta(d, &c, w, 1, true, &p), VG_EINVAL);
	vg_logreg_params_default(&p);
	p.max_weight = nan("");
	ck_assert_int_eq(vg_logreg_delta(d, &c, w, 1, true, &p), VG_EINVAL);
	/* No token: nothing to learn, not an error. */
	vg_logreg_params_default(&p);
	ck_assert_int_eq(vg_logreg_delta(d, &c, w, 0, true, &p), 0);
	ck_assert(!c);
}
END_TEST

static Suite *
logreg_suite(void)
{
	Suite *s = suite_create("logreg");
	TCase *tc = tcase_create("logreg");

	tcase_add_test(tc, test_logreg_score);
	tcase_add_test(tc, test_logreg_learns_to_margin);
	tcase_add_test(tc, test_logreg_generalises);
	tcase_add_test(tc, test_logreg_bound);
	tcase_add_test(tc, test_logreg_bad_params);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(logreg_suite)
