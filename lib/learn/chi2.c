/* SPDX-License-Identifier: GPL-2.0-only */
/* chi2 - Robinson-Fisher chi-square combining of token counts */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "learn/chi2.h"

/* vg_chi2_params_default - the VG_CHI2_DEF_* values */
void
vg_chi2_params_default(struct vg_chi2_params *out)
{
	out->s = VG_CHI2_DEF_S;
	out->x = VG_CHI2_DEF_X;
	out->min_dev = VG_CHI2_DEF_MIN_DEV;
	out->max_tokens = VG_CHI2_DEF_MAX_TOKENS;
}

/*
 * vg_chi2_log_q - ln Q(chi2 | 2k), the upper tail, for even degrees of
 * freedom: Q = exp(-m) * sum(i < k) m^i / i!, m = chi2 / 2.  The sum is
 * taken in log space (log-sum-exp over the terms), so that a tail of
 * 1e-400 is still an ordered, finite number.
 */
double
vg_chi2_log_q(double chi2, size_t half_df)
{
	double m = chi2 / 2.0, lm, term = 0.0, max = 0.0, sum = 0.0, lq;

	if (half_df == 0 || !(chi2 > 0.0))
		return 0.0;
	lm = log(m);
	/* The largest term is at i = min(k - 1, floor(m)). */
	for (size_t i = 1; i < half_df; i++) {
		term += lm - log((double)i);
		if (term > max)
			max = term;
	}
	term = 0.0;
	for (size_t i = 0; i < half_df; i++) {
		if (i > 0)
			term += lm - log((double)i);
		sum += exp(term - max);
	}
	lq = -m + max + log(sum);
	return lq > 0.0 ? 0.0 : lq;
}

/* cmp_strength - order f(w) values by distance from 0.5, strongest first */
static int
cmp_strength(const void *a, const void *b)
{
	double da = fabs(*(const double *)a - 0.5);
	double db = fabs(*(const double *)b - 0.5);

	return da < db ? 1 : da > db ? -1 : 0;
}

/* The strongest max_tokens kept by a heap, as a stable sort orders them. */
#define HEAP_MAX 1024

struct pick {
	double d; /* |f - 0.5| */
	size_t i; /* its place in scratch */
};

/* weaker - does a come after b in the stable strongest-first order */
static inline bool
weaker(const struct pick *a, const struct pick *b)
{
	return a->d < b->d || (a->d == b->d && a->i > b->i);
}

/* sift - restore the heap (weakest on top) below slot i */
static void
sift(struct pick *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct pick t;

		if (l < n && weaker(&h[l], &h[m]))
			m = l;
		if (r < n && weaker(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* cmp_pick - strongest first, then by place (a stable sort's order) */
static int
cmp_pick(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	return weaker(x, y) ? 1 : weaker(y, x) ? -1 : 0;
}

/*
 * strongest - move the k' = max strongest of scratch[0..k) to its front,
 * strongest first, ties in their order: what qsort with cmp_strength
 * gives (glibc's qsort is a stable merge sort), so the sums below are
 * the same to the bit, in O(k log max) instead of O(k log k)
 */
static void
strongest(double *scratch, size_t k, size_t max)
{
	struct pick h[HEAP_MAX];
	size_t n = 0;

	for (size_t i = 0; i < k; i++) {
		struct pick p = {fabs(scratch[i] - 0.5), i};

		if (n < max) {
			size_t c = n++;

			h[c] = p;
			while (c > 0 && weaker(&h[c], &h[(c - 1) / 2])) {
				struct pick t = h[c];

				h[c] = h[(c - 1) / 2];
				h[(c - 1) / 2] = t;
				c = (c - 1) / 2;
			}
		} else if (weaker(&h[0], &p)) {
			h[0] = p;
			sift(h, n, 0);
		}
	}
	qsort(h, n, sizeof(*h), cmp_pick);
	/* In place: h[j].i >= j never holds in general, so copy out. */
	for (size_t j = 0; j < n; j++)
		h[j].d = scratch[h[j].i];
	for (size_t j = 0; j < n; j++)
		scratch[j] = h[j].d;
}

/*
 * robinson_f - Robinson's f(w) of a token held by sp of nspam spam and hm
 * of nham ham (sp + hm > 0): its spam probability pw pulled towards x by
 * s, less so with more data; strictly inside (0, 1), so both logs below
 * are safe
 */
static double
robinson_f(uint64_t sp, uint64_t hm, uint64_t nspam, uint64_t nham,
    const struct vg_chi2_params *p)
{
	double rs = (double)sp / (double)nspam;
	double rh = (double)hm / (double)nham;
	double cnt = (double)sp + (double)hm;
	double pw = rs / (rs + rh);

	return (p->s * p->x + cnt * pw) / (p->s + cnt);
}

/*
 * Most of a message's tokens were seen in a few messages only: f(w) of
 * counts below MEMO_N is computed once a call (four divisions, a third of
 * the combining's time before) and reused, the same bits.
 */
#define MEMO_N 16

/* vg_chi2_score - combine one message's tokens (see chi2.h) */
int
vg_chi2_score(struct vg_chi2_result *out, const struct vg_chi2_token *tok,
    size_t n, uint64_t nspam, uint64_t nham, const struct vg_chi2_params *p,
    double *scratch)
{
	double sum_f = 0.0, sum_1mf = 0.0, lh, ls;
	double memo[MEMO_N][MEMO_N]; /* f(w) by counts; 0: not yet */
	size_t k = 0;

	out->prob = 0.5;
	out->margin = 0.0;
	out->used = 0;
	if (!(p->s > 0.0) || !(p->x > 0.0 && p->x < 1.0) ||
	    !(p->min_dev >= 0.0 && p->min_dev < 0.5) || p->max_tokens == 0)
		return VG_EINVAL;
	if (nspam == 0 || nham == 0)
		return 0;
	memset(memo, 0, sizeof(memo));
	for (size_t i = 0; i < n; i++) {
		uint64_t sp = tok[i].spam < nspam ? tok[i].spam : nspam;
		uint64_t hm = tok[i].ham < nham ? tok[i].ham : nham;
		double f;

		if (sp + hm == 0)
			continue; /* f = x: never min_dev from 0.5 that matters */
		if (sp < MEMO_N && hm < MEMO_N) {
			double *m = &memo[sp][hm];

			if (*m == 0.0)
				*m = robinson_f(sp, hm, nspam, nham, p);
			f = *m;
		} else
			f = robinson_f(sp, hm, nspam, nham, p);
		if (fabs(f - 0.5) >= p->min_dev)
			scratch[k++] = f;
	}
	if (k > p->max_tokens && p->max_tokens <= HEAP_MAX) {
		strongest(scratch, k, p->max_tokens);
		k = p->max_tokens;
	} else if (k > p->max_tokens) {
		qsort(scratch, k, sizeof(*scratch), cmp_strength);
		k = p->max_tokens;
	}
	if (k == 0)
		return 0;
	for (size_t i = 0; i < k; i++) {
		sum_f += log(scratch[i]);
		sum_1mf += log1p(-scratch[i]);
	}
	/* H: are the f(w) random, tested towards 0 (ham); S: towards 1. */
	lh = vg_chi2_log_q(-2.0 * sum_f, k);
	ls = vg_chi2_log_q(-2.0 * sum_1mf, k);
	out->prob = (1.0 + exp(lh) - exp(ls)) / 2.0;
	out->margin = lh - ls;
	out->used = k;
	return 0;
}
