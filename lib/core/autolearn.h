/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * autolearn - whether a decided message is learned by the classifier,
 * and what X-Spam-Status says about it (autolearn=...).
 *
 * PURPOSE  One rule, read by two callers that must agree: the classifier
 *	    (stages/check_bayes.c), which queues the learning after the
 *	    milter applied the verdict, and the headers (_AUTOLEARN_,
 *	    spamhdr.c), written before that.  SpamAssassin's vocabulary:
 *	    spam, ham, no, disabled, unavailable, failed.
 * THREADS  Pure functions.
 */
#ifndef VG_AUTOLEARN_H
#define VG_AUTOLEARN_H

struct vg_conf;
struct vg_rules;
struct vg_verdict;

/*
 * vg_autolearn_class - VG_BAYES_SPAM or VG_BAYES_HAM (learn/bayes.h) when
 * v is to be learned, else 0: spam when the rules alone (the score without
 * BAYES_* and REP_* symbols) reach autolearn_spam_score with at least
 * VG_AUTOLEARN_MIN_PART points from header tests and as many from body
 * tests; ham at most autolearn_ham_score.  Never outbound mail, a message
 * whose virus scan did not finish clean (or was off), a failed or forced
 * verdict, or a tempfailed one.  *rules_score_out is the rules' score.
 */
int vg_autolearn_class(const struct vg_rules *rules, const struct vg_verdict *v,
    double *rules_score_out);

/* Points the rules must find in the header and in the body. */
#define VG_AUTOLEARN_MIN_PART 3.0

/*
 * vg_autolearn_status - SpamAssassin's _AUTOLEARN_: "disabled" (bayes or
 * bayes_autolearn off), "unavailable" (no classifier database),
 * "failed" (it did not answer), else "spam", "ham" or "no", each followed
 * by " autolearn_force=no" (Vigil has no autolearn_force rules).  Static.
 */
const char *vg_autolearn_status(const struct vg_conf *conf,
    const struct vg_rules *rules, const struct vg_verdict *v);

#endif /* VG_AUTOLEARN_H */
