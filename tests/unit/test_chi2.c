/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_chi2 - Robinson-Fisher combining: the chi-square tail against
 * known values, the direction and saturation of the result, the token
 * selection (min_dev, the strongest max_tokens), and bad parameters.
 */
#include <check.h>
#include <pthread.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "base/compiler.h"
#include "base/err.h"
#include "learn/chi2.h"

/*
 * Q(chi2 | df): closed forms for df 2 and 4; the others by Simpson
 * integration of the chi-square density from chi2 to chi2 + 400 (200,000
 * steps, Python), a method independent of the series the code sums.
 */
static const struct {
	double chi2;
	size_t half_df;
	double q;
} tails[] = {
    {2.0, 1, 0.36787944117144233},     /* e^-1 */
    {4.0, 2, 0.40600584970983811},     /* 3 e^-2 */
    {10.0, 5, 0.44049328506521257},    /* df 10 */
    {30.0, 10, 0.06985366069940568},   /* df 20 */
    {100.0, 25, 3.454931382984613e-5}, /* df 50 */
    {0.0, 3, 1.0},
};

START_TEST(test_chi2_log_q_table)
{
	double got = exp(vg_chi2_log_q(tails[_i].chi2, tails[_i].half_df));

	ck_assert_msg(fabs(got - tails[_i].q) <= 1e-6 * tails[_i].q + 1e-12,
	    "Q(%g | %zu): got %.12g, want %.12g", tails[_i].chi2,
	    2 * tails[_i].half_df, got, tails[_i].q);
}
END_TEST

START_TEST(test_chi2_log_q_far_tail)
{
	/* e^-1000 underflows a double; its logarithm does not. */
	double a = vg_chi2_log_q(2000.0, 1), b = vg_chi2_log_q(2400.0, 1);

	ck_assert_msg(fabs(a + 1000.0) < 1e-9, "got %g, want -1000", a);
	ck_assert(b < a);
	ck_assert(vg_chi2_log_q(3000.0, 150) < vg_chi2_log_q(2000.0, 150));
}
END_TEST

/* score - vg_chi2_score with the defaults over n tokens */
static struct vg_chi2_result
score(const struct vg_chi2_token *t, size_t n, uint64_t ns, uint64_t nh)
{
	struct vg_chi2_params p;
	struct vg_chi2_result r;
	vg_chi2_params_default(&p);
	ck_assert_int_eq(vg_chi2_score(&r, t, n, ns, nh, &p), 0);
	return r;
}

START_TEST(test_chi2_direction)
{
	struct vg_chi2_token spammy[20], hammy[20], mixed[40];
	struct vg_chi2_result r;

	for (size_t i = 0; i < 20; i++) {
		spammy[i] = (struct vg_chi2_token){.spam = 90, .ham = 2};
		hammy[i] = (struct vg_chi2_token){.spam = 1, .ham = 80};
		mixed[2 * i] = spammy[i];
		mixed[2 * i + 1] = hammy[i];
	}
	r = score(spammy, 20, 100, 100);
	ck_assert_msg(r.prob > 0.99, "spammy: got %g", r.prob);
	ck_assert(r.margin > 0.0);
	ck_assert_uint_eq(r.used, 20);
	r = score(hammy, 20, 100, 100);
	ck_assert_msg(r.prob < 0.01, "hammy: got %g", r.prob);
	ck_assert(r.margin < 0.0);
	/* Strong evidence both ways: unsure, near 0.5. */
	r = score(mixed, 40, 100, 100);
	ck_assert_msg(fabs(r.prob - 0.5) < 0.1, "mixed: got %g", r.prob);
}
END_TEST

START_TEST(test_chi2_margin_orders_saturated)
{
	struct vg_chi2_token t[300];
	struct vg_chi2_result a, b;

	for (size_t i = 0; i < VG_NELEM(t); i++)
		t[i] = (struct vg_chi2_token){.spam = 500, .ham = 1};
	a = score(t, 100, 1000, 1000);
	b = score(t, 150, 1000, 1000);
	/* Both round to 1 as a probability; the margin still orders them. */
	ck_assert(a.prob > 0.999999 && b.prob > 0.999999);
	ck_assert_msg(
	    b.margin > a.margin, "margins %g, %g", a.margin, b.margin);
	/* Only the strongest max_tokens (150) count. */
	b = score(t, 300, 1000, 1000);
	ck_assert_uint_eq(b.used, VG_CHI2_DEF_MAX_TOKENS);
}
END_TEST

START_TEST(test_chi2_selection)
{
	/* Counts that give f(w) near 0.5 are ignored (min_dev 0.346). */
	struct vg_chi2_token weak[10], t[11];
	struct vg_chi2_result r;

	for (size_t i = 0; i < 10; i++)
		weak[i] = (struct vg_chi2_token){.spam = 50, .ham = 50};
	r = score(weak, 10, 100, 100);
	ck_assert_uint_eq(r.used, 0);
	ck_assert(r.prob == 0.5);
	/* f(w) = 0.7 is 0.2 from 0.5: below SpamAssassin's 0.346. */
	for (size_t i = 0; i < 10; i++)
		weak[i] = (struct vg_chi2_token){.spam = 70, .ham = 30};
	r = score(weak, 10, 100, 100);
	ck_assert_uint_eq(r.used, 0);
	/* 0.85 is not. */
	for (size_t i = 0; i < 10; i++)
		weak[i] = (struct vg_chi2_token){.spam = 85, .ham = 15};
	r = score(weak, 10, 100, 100);
	ck_assert_uint_eq(r.used, 10);
	ck_assert(r.prob > 0.5);
	/* Unseen tokens count for nothing either. */
	for (size_t i = 0; i < 10; i++)
		t[i] = (struct vg_chi2_token){.spam = 0, .ham = 0};
	t[10] = (struct vg_chi2_token){.spam = 40, .ham = 0};
	r = score(t, 11, 100, 100);
	ck_assert_uint_eq(r.used, 1);
	ck_assert(r.prob > 0.5);
	/* Class sizes count: 10 of 1000 spam vs 10 of 20 ham is hammy. */
	t[0] = (struct vg_chi2_token){.spam = 10, .ham = 10};
	r = score(t, 1, 1000, 20);
	ck_assert_uint_eq(r.used, 1);
	ck_assert(r.prob < 0.5);
	/* Counts above the class totals are clamped, never past 1. */
	t[0] = (struct vg_chi2_token){.spam = 5000, .ham = 0};
	r = score(t, 1, 100, 100);
	ck_assert(r.prob > 0.5 && r.prob <= 1.0);
	/* Nothing learned in a class: no opinion. */
	r = score(t, 1, 100, 0);
	ck_assert(r.prob == 0.5 && r.used == 0);
}
END_TEST

/*
 * The reference: the selection as it was before the heap (chi2.c
 * strongest()): glibc's qsort of all the f(w) by strength, then the sums
 * in that order.  The heap must give the same bits, ties included.
 */
static int
ref_cmp(const void *a, const void *b)
{
	double da = fabs(*(const double *)a - 0.5);
	double db = fabs(*(const double *)b - 0.5);

	return da < db ? 1 : da > db ? -1 : 0;
}

static void
ref_score(double *prob, double *margin, double *f, size_t k, size_t max)
{
	double sf = 0.0, s1 = 0.0, lh, ls;

	qsort(f, k, sizeof(*f), ref_cmp);
	if (k > max)
		k = max;
	for (size_t i = 0; i < k; i++) {
		sf += log(f[i]);
		s1 += log1p(-f[i]);
	}
	lh = vg_chi2_log_q(-2.0 * sf, k);
	ls = vg_chi2_log_q(-2.0 * s1, k);
	*prob = (1.0 + exp(lh) - exp(ls)) / 2.0;
	*margin = lh - ls;
}

START_TEST(test_chi2_selection_exact)
{
	enum {
		N = 3000
	};
	static struct vg_chi2_token tok[N];
	static double f[N];
	struct vg_chi2_params p;
	struct vg_chi2_result res;
	uint64_t rnd = 0x2545f4914f6cdd1dULL + (uint64_t)_i;
	/*
	 * Counts below 40, or all below 16 (chi2.c keeps f(w) of those in
	 * a table: the strongest 150 then come from it), or 24; the two
	 * classes learned equally often or not.
	 */
	const uint64_t range = _i % 3 == 0 ? 40 : _i % 3 == 1 ? 16 : 24;
	const uint64_t nh = _i % 2 == 0 ? 400 : 300;
	size_t k = 0;

	vg_chi2_params_default(&p);
	/* Counts from a few values only, so many f(w) tie (and mirror:
	 * f and 1 - f are equally strong). */
	for (size_t i = 0; i < N; i++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		tok[i].spam = (rnd >> 8) % 7 == 0 ? 0 : (rnd >> 16) % range;
		tok[i].ham = (rnd >> 24) % 7 == 0 ? 0 : (rnd >> 32) % range;
		if (tok[i].spam + tok[i].ham == 0)
			tok[i].spam = 1;
	}
	ck_assert_int_eq(vg_chi2_score(&res, tok, N, 400, nh, &p), 0);
	for (size_t i = 0; i < N; i++) {
		double rs = (double)tok[i].spam / 400.0;
		double rh = (double)tok[i].ham / (double)nh;
		double cnt = (double)(tok[i].spam + tok[i].ham);
		double pw = rs / (rs + rh);
		double fw = (p.s * p.x + cnt * pw) / (p.s + cnt);

		if (fabs(fw - 0.5) >= p.min_dev)
			f[k++] = fw;
	}
	ck_assert_uint_gt(k, p.max_tokens);
	{
		double prob, margin;

		ref_score(&prob, &margin, f, k, p.max_tokens);
		ck_assert_msg(memcmp(&prob, &res.prob, sizeof(prob)) == 0 &&
		        memcmp(&margin, &res.margin, sizeof(margin)) == 0,
		    "%.17g/%.17g vs %.17g/%.17g", res.prob, res.margin, prob,
		    margin);
	}
}
END_TEST

/* fresh_score - the score of arg's 2000 tokens at 400/900, in a new thread */
static struct vg_chi2_result fresh;

static void *
fresh_score(void *arg)
{
	struct vg_chi2_params p;

	vg_chi2_params_default(&p);
	if (vg_chi2_score(&fresh, arg, 2000, 400, 900, &p) != 0)
		abort();
	return NULL;
}

/*
 * The tokens in another order, each carrying its place in the first as
 * order, give the same bits (what the classifier's unordered token set
 * relies on); and f(w) kept from an earlier call with other message
 * counts is not reused (chi2.c's per-thread table).
 */
START_TEST(test_chi2_order_and_memo)
{
	enum {
		N = 2000
	};
	static struct vg_chi2_token tok[N], shuf[N];
	struct vg_chi2_params p;
	struct vg_chi2_result a, b, c, d;
	uint64_t rnd = 0x9e3779b97f4a7c15ULL;

	vg_chi2_params_default(&p);
	for (size_t i = 0; i < N; i++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		tok[i] = (struct vg_chi2_token){.spam = (rnd >> 8) % 70,
		    .ham = (rnd >> 24) % 70,
		    .order = i};
		if (tok[i].spam + tok[i].ham == 0)
			tok[i].spam = 1;
		shuf[i] = tok[i];
	}
	for (size_t i = N - 1; i > 0; i--) {
		struct vg_chi2_token t;
		size_t j;

		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		j = (size_t)(rnd % (i + 1));
		t = shuf[i];
		shuf[i] = shuf[j];
		shuf[j] = t;
	}
	/* Many ties (a few distinct counts), more than max_tokens kept. */
	ck_assert_int_eq(vg_chi2_score(&a, tok, N, 400, 300, &p), 0);
	ck_assert_int_eq(vg_chi2_score(&b, shuf, N, 400, 300, &p), 0);
	ck_assert_uint_eq(a.used, p.max_tokens);
	ck_assert(memcmp(&a.prob, &b.prob, sizeof(a.prob)) == 0 &&
	    memcmp(&a.margin, &b.margin, sizeof(a.margin)) == 0);
	/* Fewer than max_tokens: all summed in order, either way. */
	ck_assert_int_eq(vg_chi2_score(&c, tok, 100, 400, 300, &p), 0);
	for (size_t i = 0; i < 100; i++)
		shuf[i] = tok[99 - i];
	ck_assert_int_eq(vg_chi2_score(&d, shuf, 100, 400, 300, &p), 0);
	ck_assert_uint_lt(c.used, p.max_tokens);
	ck_assert(memcmp(&c.prob, &d.prob, sizeof(c.prob)) == 0 &&
	    memcmp(&c.margin, &d.margin, sizeof(c.margin)) == 0);
	/* Other counts after these: the same bits as in a new thread,
	 * whose table starts empty; then the first counts again. */
	ck_assert_int_eq(vg_chi2_score(&c, tok, N, 400, 900, &p), 0);
	{
		pthread_t th;

		ck_assert_int_eq(
		    pthread_create(&th, NULL, fresh_score, tok), 0);
		ck_assert_int_eq(pthread_join(th, NULL), 0);
	}
	ck_assert(memcmp(&c.prob, &fresh.prob, sizeof(c.prob)) == 0 &&
	    memcmp(&c.margin, &fresh.margin, sizeof(c.margin)) == 0);
	ck_assert(memcmp(&c.prob, &a.prob, sizeof(c.prob)) != 0 ||
	    memcmp(&c.margin, &a.margin, sizeof(c.margin)) != 0);
	ck_assert_int_eq(vg_chi2_score(&b, tok, N, 400, 300, &p), 0);
	ck_assert(memcmp(&a.prob, &b.prob, sizeof(a.prob)) == 0 &&
	    memcmp(&a.margin, &b.margin, sizeof(a.margin)) == 0);
	/* Another s: not the table of the last s. */
	p.s = VG_CHI2_DEF_S * 2;
	ck_assert_int_eq(vg_chi2_score(&d, tok, N, 400, 300, &p), 0);
	ck_assert(memcmp(&d.prob, &a.prob, sizeof(d.prob)) != 0 ||
	    memcmp(&d.margin, &a.margin, sizeof(d.margin)) != 0);
}
END_TEST

START_TEST(test_chi2_bad_params)
{
	struct vg_chi2_token t = {.spam = 1, .ham = 0};
	struct vg_chi2_params p;
	struct vg_chi2_result r;

	vg_chi2_params_default(&p);
	p.s = 0.0;
	ck_assert_int_eq(vg_chi2_score(&r, &t, 1, 10, 10, &p), VG_EINVAL);
	vg_chi2_params_default(&p);
	p.x = 1.0;
	ck_assert_int_eq(vg_chi2_score(&r, &t, 1, 10, 10, &p), VG_EINVAL);
	vg_chi2_params_default(&p);
	p.min_dev = 0.5;
	ck_assert_int_eq(vg_chi2_score(&r, &t, 1, 10, 10, &p), VG_EINVAL);
	vg_chi2_params_default(&p);
	p.max_tokens = 0;
	ck_assert_int_eq(vg_chi2_score(&r, &t, 1, 10, 10, &p), VG_EINVAL);
	ck_assert(r.prob == 0.5);
}
END_TEST

static Suite *
chi2_suite(void)
{
	Suite *s = suite_create("chi2");
	TCase *tc = tcase_create("chi2");

	tcase_add_loop_test(tc, test_chi2_log_q_table, 0, VG_NELEM(tails));
	tcase_add_test(tc, test_chi2_log_q_far_tail);
	tcase_add_test(tc, test_chi2_direction);
	tcase_add_loop_test(tc, test_chi2_selection_exact, 0, 20);
	tcase_add_test(tc, test_chi2_margin_orders_saturated);
	tcase_add_test(tc, test_chi2_selection);
	tcase_add_test(tc, test_chi2_order_and_memo);
	tcase_add_test(tc, test_chi2_bad_params);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(chi2_suite)
