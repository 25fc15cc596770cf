/* SPDX-License-Identifier: GPL-2.0-only */
/* chi2 - Robinson-Fisher chi-square combining of token counts */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
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

/* The strongest max_tokens kept by a heap. */
#define HEAP_MAX 1024

/* One token that counts: its f(w), and where it stands. */
struct pick {
	double d;       /* |f - 0.5| */
	double f;       /* f(w) */
	uint64_t order; /* vg_chi2_token.order */
	size_t i;       /* its place in tok */
};

/* before - does a come before b in the tokens' order */
static inline bool
before(const struct pick *a, const struct pick *b)
{
	return a->order < b->order || (a->order == b->order && a->i < b->i);
}

/* weaker - does a come after b, strongest first, ties in token order */
static inline bool
weaker(const struct pick *a, const struct pick *b)
{
	return a->d < b->d || (a->d == b->d && before(b, a));
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

/* heap_add - p into the heap h of n (< max) picks */
static void
heap_add(struct pick *h, size_t n, const struct pick *p)
{
	size_t c = n;

	h[c] = *p;
	while (c > 0 && weaker(&h[c], &h[(c - 1) / 2])) {
		struct pick t = h[c];

		h[c] = h[(c - 1) / 2];
		h[(c - 1) / 2] = t;
		c = (c - 1) / 2;
	}
}

/* cmp_strong - strongest first, ties in the tokens' order */
static int
cmp_strong(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	return weaker(x, y) ? 1 : weaker(y, x) ? -1 : 0;
}

/* cmp_order - the tokens' order */
static int
cmp_order(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	return before(x, y) ? -1 : before(y, x) ? 1 : 0;
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
 * f(w) of counts below MEMO_N, kept by each thread from one message to
 * the next while the message counts and parameters stay the same (they
 * change only when something is learned): four divisions a token, a
 * third of the combining's time when computed each time, and a 2 KB
 * table cleared per message before.  The same bits: f(w) is a function
 * of exactly these.  0 marks a value not computed yet (f is never 0).
 */
#define MEMO_N 64

struct memo {
	uint64_t nspam, nham;
	double s, x;
	double f[MEMO_N][MEMO_N];
};

static _Thread_local struct memo memo_tls;

/* memo_for - this thread's table, cleared unless it is for these inputs */
static struct memo *
memo_for(uint64_t nspam, uint64_t nham, const struct vg_chi2_params *p)
{
	struct memo *m = &memo_tls;

	if (m->nspam != nspam || m->nham != nham ||
	    memcmp(&m->s, &p->s, sizeof(m->s)) != 0 ||
	    memcmp(&m->x, &p->x, sizeof(m->x)) != 0) {
		memset(m->f, 0, sizeof(m->f));
		m->nspam = nspam;
		m->nham = nham;
		m->s = p->s;
		m->x = p->x;
	}
	return m;
}

/* vg_chi2_score - combine one message's tokens (see chi2.h) */
int
vg_chi2_score(struct vg_chi2_result *out, const struct vg_chi2_token *tok,
    size_t n, uint64_t nspam, uint64_t nham, const struct vg_chi2_params *p)
{
	double sum_f = 0.0, sum_1mf = 0.0, lh, ls;
	struct memo *memo;
	struct pick heap[HEAP_MAX], *h = heap;
	size_t k = 0, nh = 0, max;

	out->prob = 0.5;
	out->margin = 0.0;
	out->used = 0;
	if (!(p->s > 0.0) || !(p->x > 0.0 && p->x < 1.0) ||
	    !(p->min_dev >= 0.0 && p->min_dev < 0.5) || p->max_tokens == 0)
		return VG_EINVAL;
	if (nspam == 0 || nham == 0)
		return 0;
	/* More than the heap holds (not the default): all picks, sorted. */
	max = p->max_tokens;
	if (max > HEAP_MAX) {
		if (n == 0)
			return 0;
		if ((h = vg_reallocarray(NULL, n, sizeof(*h))) == NULL)
			return VG_ENOMEM;
		max = n;
	}
	memo = memo_for(nspam, nham, p);
	for (size_t i = 0; i < n; i++) {
		uint64_t sp = tok[i].spam < nspam ? tok[i].spam : nspam;
		uint64_t hm = tok[i].ham < nham ? tok[i].ham : nham;
		struct pick pk;

		if (sp + hm == 0)
			continue; /* f = x: never min_dev from 0.5 that matters */
		if (sp < MEMO_N && hm < MEMO_N) {
			double *m = &memo->f[sp][hm];

			if (*m == 0.0)
				*m = robinson_f(sp, hm, nspam, nham, p);
			pk.f = *m;
		} else
			pk.f = robinson_f(sp, hm, nspam, nham, p);
		pk.d = fabs(pk.f - 0.5);
		if (pk.d < p->min_dev)
			continue;
		pk.order = tok[i].order;
		pk.i = i;
		k++;
		if (nh < max)
			heap_add(h, nh++, &pk);
		else if (weaker(&h[0], &pk)) {
			h[0] = pk;
			sift(h, nh, 0);
		}
	}
	/* The kept tokens in the order the sums take them. */
	if (k > p->max_tokens) {
		qsort(h, nh, sizeof(*h), cmp_strong);
		nh = p->max_tokens;
	} else
		qsort(h, nh, sizeof(*h), cmp_order);
	for (size_t i = 0; i < nh; i++) {
		sum_f += log(h[i].f);
		sum_1mf += log1p(-h[i].f);
	}
	if (h != heap)
		vg_free(h);
	if (nh == 0)
		return 0;
	/* H: are the f(w) random, tested towards 0 (ham); S: towards 1. */
	lh = vg_chi2_log_q(-2.0 * sum_f, nh);
	ls = vg_chi2_log_q(-2.0 * sum_1mf, nh);
	out->prob = (1.0 + exp(lh) - exp(ls)) / 2.0;
	out->margin = lh - ls;
	out->used = nh;
	return 0;
}
