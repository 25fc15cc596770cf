/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * logreg - online logistic regression over a message's token set, with
 * weights a key-value store can keep as int64 counters.
 *
 * PURPOSE  The classifier's second model (issue 9): a discriminative,
 *	    online learner as TREC 2007's best spam filters (Goodman & Yih's
 *	    online logistic regression; Sculley's relaxed online SVM, trained
 *	    on or near errors).  Each token of vg_tokenize() is a binary
 *	    feature with one weight; a message's features are scaled to unit
 *	    length (x_i = 1 / sqrt(n)), so long and short mail move the
 *	    model alike.  The score is z = sum(w_i) / sqrt(n), the spam
 *	    probability 1 / (1 + exp(-z)).  Learning is one SGD step of the
 *	    log loss, w_i += rate * (y - p) / sqrt(n), taken only when the
 *	    message is not already on its side by the margin (y z < margin,
 *	    y = +1 spam, -1 ham: "train on or near error", TONE), which is
 *	    what keeps a stream learned class after class from drifting
 *	    without bound.
 * STORAGE  Weights are fixed-point int64 (VG_LOGREG_ONE is 1.0), one key
 *	    per token, 0 when absent: scoring reads the message's n weights
 *	    in one batch (an LMDB read transaction, one pipelined Redis
 *	    MGET), and learning adds the int64 deltas vg_logreg_delta()
 *	    computes from those same weights (Redis INCRBY, an LMDB write
 *	    transaction).  Two processes learning at once each add their
 *	    own deltas; a delta computed from slightly stale weights is
 *	    still a valid SGD step, so interleaving loses nothing but
 *	    precision.  There is no global state: no bias, no counters.
 *	    Every weight stays within +-max_weight (the delta is clamped so
 *	    the weight it was computed from would land inside).
 * ACCURACY bench/learn-eval (bench/README): interleaved learning 54.3 % /
 *	    87.7 % spam recall at 0.1 % ham false positives (split /
 *	    swapped split), but 38.2 % / 5.2 % when fed every ham then
 *	    every spam: the tokens ham shares with spam drift spammy with
 *	    nothing to pull them back.  chi2 (order-free) is the default.
 * OWNS     Nothing: the caller's arrays are only read (deltas written).
 * LIMITS   max_weight bounds each weight, so a sum of n weights cannot
 *	    overflow a double's exact range for any n a tokenizer gives.
 * ERRORS   VG_EINVAL for parameters out of range (rate <= 0 or > 100,
 *	    margin < 0 or > 50, max_weight <= 0 or > 1e6).
 * THREADS  Reentrant.
 */
#ifndef VG_LOGREG_H
#define VG_LOGREG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fixed point: 1.0 as a stored weight (2^24; 1e6 * ONE fits an int64). */
#define VG_LOGREG_ONE ((int64_t)1 << 24)

/*
 * Defaults: the best of a small grid (rate 0.1, 0.3, 1, 3 x margin 0.5,
 * 1, 2) by the worse of its two halves in bench/learn-eval's mixed order;
 * chosen on that corpus, so its figures there are optimistic (bench/
 * README, "The classifier's accuracy").  max_weight 16 was not varied.
 */
#define VG_LOGREG_DEF_RATE       3.0
#define VG_LOGREG_DEF_MARGIN     1.0
#define VG_LOGREG_DEF_MAX_WEIGHT 16.0

struct vg_logreg_params {
	double rate;       /* SGD step size */
	double margin;     /* learn only when y * z < margin (TONE) */
	double max_weight; /* |w_i| bound, in weight units (not fixed point) */
};

struct vg_logreg_result {
	double prob; /* spam probability, 0..1 (0.5: nothing known) */
	double z;    /* the log-odds; > 0 spammy.  Ranks where prob saturates */
};

/* vg_logreg_params_default - the VG_LOGREG_DEF_* values */
void vg_logreg_params_default(struct vg_logreg_params *out);

/*
 * vg_logreg_score - the score of a message whose n tokens have the stored
 * weights w (0 for a token never stored); n == 0 gives 0.5.  Cannot fail.
 */
void vg_logreg_score(struct vg_logreg_result *out, const int64_t *w, size_t n);

/*
 * vg_logreg_delta - learn a message (spam or ham) whose n tokens have the
 * stored weights w: delta[i] is what to add to token i's weight (the
 * caller's array of n; all 0 when the message is already classified by
 * the margin).  *changed_out (may be NULL) says whether any delta is not
 * 0.  0 or VG_EINVAL.
 */
int vg_logreg_delta(int64_t *delta, bool *changed_out, const int64_t *w,
    size_t n, bool spam, const struct vg_logreg_params *p);

#endif /* VG_LOGREG_H */
