/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * chi2 - Robinson-Fisher chi-square combining of token counts.
 *
 * PURPOSE  The model bench/learn-study.py found best on the corpus (as
 *	    SpamAssassin's Bayes and bogofilter use it): each token seen in
 *	    a message has counts of the spam and ham messages learned that
 *	    held it; Robinson's f(w) smooths its spam probability towards
 *	    x with strength s, only tokens with |f(w) - 0.5| >= min_dev
 *	    count, at most max_tokens of the strongest, and Fisher's method
 *	    combines them: H and S are the chi-square tests (2n degrees of
 *	    freedom) of "these probabilities are random" towards ham and
 *	    towards spam, and the spam probability is (1 + S - H) / 2.
 *	    The tails are computed in log space, so very spammy and very
 *	    hammy messages keep an order (margin) where the probability
 *	    itself rounds to exactly 0 or 1 in a double (bogofilter prints
 *	    1.0 for 200 of the 948 scored spam of issue 9's split; this
 *	    code with the tokenizer, 226).
 * OWNS     Nothing: the caller's arrays are only read (and the scratch
 *	    array it passes is written).
 * LIMITS   At most max_tokens tokens are combined (the strongest);
 *	    counts are clamped to the class totals.
 * ERRORS   VG_EINVAL for parameters out of range (s <= 0, x outside
 *	    (0, 1), min_dev outside [0, 0.5), max_tokens 0).
 * THREADS  Reentrant.
 */
#ifndef VG_CHI2_H
#define VG_CHI2_H

#include <stddef.h>
#include <stdint.h>

/*
 * SpamAssassin's constants.  x = 0.538 and min_dev = 0.346 are its
 * chi-square combiner's (Bayes/CombineChi.pm: FW_X_CONSTANT,
 * MIN_PROB_STRENGTH), 150 its N_SIGNIFICANT_TOKENS (Plugin/Bayes.pm).
 * s = 0.160 is its naive-Bayes combiner's FW_S_CONSTANT; the chi-square
 * one uses 0.030, which measured worse here on both halves (bench/learn-
 * eval: 74.6 % / 56.7 % spam recall at 0.1 % ham false positives, split
 * / swapped split, against 77.1 % / 70.6 % with 0.160).  min_dev was
 * 0.1; SpamAssassin's 0.346 drops the many weak tokens (OSB pairs above
 * all) that otherwise crowd the 150: 69.3 -> 71.3 % on the split, 54.0 ->
 * 68.3 % on the swapped split, with the earlier tokenizer (bench/README,
 * "The classifier's accuracy").
 */
#define VG_CHI2_DEF_S          0.160
#define VG_CHI2_DEF_X          0.538
#define VG_CHI2_DEF_MIN_DEV    0.346
#define VG_CHI2_DEF_MAX_TOKENS 150

struct vg_chi2_params {
	double s;          /* strength of the prior x */
	double x;          /* a token's spam probability with no data */
	double min_dev;    /* |f(w) - 0.5| below this: the token is ignored */
	size_t max_tokens; /* the strongest this many count */
};

/*
 * One token of the message: messages learned that held it, per class,
 * and its place in the tokens' order (the token's value): ties in
 * strength, and the sums, go by order, then by place in the array.
 */
struct vg_chi2_token {
	uint64_t spam;
	uint64_t ham;
	uint64_t order;
};

struct vg_chi2_result {
	double prob; /* spam probability, 0..1 (0.5: no evidence) */
	/*
	 * ln H - ln S (see PURPOSE): > 0 spammy, < 0 hammy.  It does not
	 * saturate as prob does, but ranks worse on its own (issue 9's
	 * split: 64.6 % spam recall at 0.1 % ham false positives against
	 * 69.3 % by prob; with the defaults and tokens of 2026-12-07,
	 * 62.3 % against 77.1 %, though 91.4 % against 70.6 % on the
	 * swapped split: unstable): order by prob, and by margin among
	 * equal probs.
	 */
	double margin;
	size_t used; /* tokens that counted */
};

/* vg_chi2_params_default - the VG_CHI2_DEF_* values */
void vg_chi2_params_default(struct vg_chi2_params *out);

/*
 * vg_chi2_score - combine the n tokens of one message, learned from
 * nspam spam and nham ham messages (both > 0, else the result is 0.5
 * with no token used).  The tokens may come in any order: the strongest
 * max_tokens (ties by order, then place) are summed in the tokens' order
 * (order, then place) when all that count fit, strongest first when
 * not, so the same tokens give the same bits in whatever order they
 * come.  With max_tokens up to 1024 (the default 150) nothing is
 * allocated; above, a sort of all the tokens that count.  0, VG_EINVAL,
 * or VG_ENOMEM (max_tokens above 1024 only).
 */
int vg_chi2_score(struct vg_chi2_result *out, const struct vg_chi2_token *tok,
    size_t n, uint64_t nspam, uint64_t nham, const struct vg_chi2_params *p);

/*
 * vg_chi2_log_q - ln of the upper tail of the chi-square distribution
 * with 2 * half_df degrees of freedom at chi2 (for tests and tools)
 */
double vg_chi2_log_q(double chi2, size_t half_df);

#endif /* VG_CHI2_H */
