/* SPDX-License-Identifier: GPL-2.0-only */
/* logreg - online logistic regression with int64 fixed-point weights */
#include <math.h>

#include "base/err.h"
#include "learn/logreg.h"

/* vg_logreg_params_default - the VG_LOGREG_DEF_* values */
void
vg_logreg_params_default(struct vg_logreg_params *out)
{
	out->rate = VG_LOGREG_DEF_RATE;
	out->margin = VG_LOGREG_DEF_MARGIN;
	out->max_weight = VG_LOGREG_DEF_MAX_WEIGHT;
}

/* log_odds - z = sum(w_i) / sqrt(n), in weight units */
static double
log_odds(const int64_t *w, size_t n)
{
	double sum = 0.0;

	for (size_t i = 0; i < n; i++)
		sum += (double)w[i];
	return sum / (double)VG_LOGREG_ONE / sqrt((double)n);
}

/* sigmoid - 1 / (1 + e^-z), without overflow for any z */
static double
sigmoid(double z)
{
	if (z >= 0.0)
		return 1.0 / (1.0 + exp(-z));
	return exp(z) / (1.0 + exp(z));
}

/* vg_logreg_score - the probability and log-odds of one message */
void
vg_logreg_score(struct vg_logreg_result *out, const int64_t *w, size_t n)
{
	out->prob = 0.5;
	out->z = 0.0;
	if (n == 0)
		return;
	out->z = log_odds(w, n);
	out->prob = sigmoid(out->z);
}

/* vg_logreg_delta - one TONE step of SGD on the log loss (see logreg.h) */
int
vg_logreg_delta(int64_t *delta, bool *changed_out, const int64_t *w, size_t n,
    bool spam, const struct vg_logreg_params *p)
{
	double y = spam ? 1.0 : -1.0, z, step, max;
	int64_t d, lim;
	bool changed = false;

	if (changed_out != NULL)
		*changed_out = false;
	if (!(p->rate > 0.0 && p->rate <= 100.0) ||
	    !(p->margin >= 0.0 && p->margin <= 50.0) ||
	    !(p->max_weight > 0.0 && p->max_weight <= 1e6))
		return VG_EINVAL;
	for (size_t i = 0; i < n; i++)
		delta[i] = 0;
	if (n == 0)
		return 0;
	z = log_odds(w, n);
	if (y * z >= p->margin)
		return 0;
	/* d(log loss)/dw_i = (y01 - p) x_i, with y01 = 1 for spam. */
	step = p->rate * ((spam ? 1.0 : 0.0) - sigmoid(z)) / sqrt((double)n);
	d = (int64_t)llround(step * (double)VG_LOGREG_ONE);
	max = p->max_weight * (double)VG_LOGREG_ONE;
	lim = (int64_t)max;
	for (size_t i = 0; i < n; i++) {
		/* The weight lands inside +-lim, wherever it starts (a
		 * weight another writer pushed out comes back in). */
		int64_t t = w[i] > lim ? lim : w[i] < -lim ? -lim : w[i];
		int64_t di;

		t += d;
		t = t > lim ? lim : t < -lim ? -lim : t;
		if (__builtin_sub_overflow(t, w[i], &di))
			di = 0;
		delta[i] = di;
		if (di != 0)
			changed = true;
	}
	if (changed_out != NULL)
		*changed_out = changed;
	return 0;
}
