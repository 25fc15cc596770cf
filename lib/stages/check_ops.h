/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check_ops - the interface of a built-in check inside the score stage.
 *
 * PURPOSE  SPF, DNS blacklists, the attachment policy and the allow and
 *	    block lists are checks: each adds named symbols (SPF_FAIL, a
 *	    dnsbl NAME, ...) to the score stage's result, scored by the
 *	    rules file like any rule, and may force a decision.  A check's
 *	    work is in up to three parts.  run() is CPU work on the message
 *	    and its decoded text, on the worker pool.  start(), also on the
 *	    pool, starts network lookups (the URI blacklist queries need the
 *	    text's URIs) and leaves them in per-message scratch; collect()
 *	    waits for their answers outside the pool, in the thread that
 *	    waits for the scan, until the message's one DNS deadline, and
 *	    turns them into symbols.  The score stage runs the rules and
 *	    every check's run() and start(), then (in its collect) every
 *	    check's collect(), then the meta rules, so meta rules can
 *	    combine all of them.  Lookups that started earlier (the score
 *	    stage's connect and mail hooks start the DNS blacklist and SPF
 *	    lookups on the engine's resolver) are answered from that
 *	    resolver's cache.
 * OWNS     create() state is freed by free().  start() leaves scratch in
 *	    *work_out (or NULL) that work_free() releases, whether collect()
 *	    ran or not.
 * ERRORS   run(), start() and collect() return 0 or VG_E*; a temporary
 *	    DNS failure is a symbol (e.g. SPF_TEMPERROR), not an error.
 * THREADS  run(), start() and collect() are called concurrently on one
 *	    state, for different messages; one message's scratch is used
 *	    by one thread at a time.
 */
#ifndef VG_CHECK_OPS_H
#define VG_CHECK_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "core/result.h"
#include "core/stage.h"

struct vg_conf;
struct vg_dnsbl_outcome;
struct vg_rules;
struct vg_msg;
struct vg_text;
struct vg_verdict;

/* Every hook but name is optional (NULL: nothing to do). */
struct vg_check_ops {
	const char *name;
	/* env as the score stage got it; env->conf NULL in unit tests. */
	int (*create)(void **state_out, const struct vg_stage_env *env,
	    struct vg_err *err);
	/* CPU work, on the pool. */
	int (*run)(void *state, const struct vg_msg *msg,
	    const struct vg_text *text, const struct vg_rules *rules,
	    struct vg_result *res);
	/* Start lookups, on the pool; *work_out is NULL on entry. */
	int (*start)(void *state, const struct vg_msg *msg,
	    const struct vg_text *text, void **work_out);
	/* Wait for them until deadline_ms (vg_clock_ms()), off the pool. */
	int (*collect)(void *state, const struct vg_msg *msg, void *work,
	    uint64_t deadline_ms, const struct vg_rules *rules,
	    struct vg_result *res);
	/*
	 * After the verdict (stage.h, verdict()); work is start()'s
	 * scratch or NULL.
	 */
	void (*verdict)(void *state, const struct vg_msg *msg, void *work,
	    const struct vg_rules *rules, const struct vg_verdict *v);
	/* Free start()'s scratch; never called with NULL. */
	void (*work_free)(void *work);
	void (*free)(void *state);
};

/* The sender checks (check_spf.c, check_dnsbl.c). */
extern const struct vg_check_ops vg_check_spf_ops;
extern const struct vg_check_ops vg_check_dnsbl_ops;
/* DKIM verification (check_dkim.c; see net/dkim.h). */
extern const struct vg_check_ops vg_check_dkim_ops;
/* ARC chain validation (check_arc.c; see net/arc.h): before DMARC. */
extern const struct vg_check_ops vg_check_arc_ops;
/* DMARC (check_dmarc.c; see net/dmarc.h): after SPF, DKIM and ARC. */
extern const struct vg_check_ops vg_check_dmarc_ops;

/* The learning classifier (check_bayes.c; see learn/bayes.h). */
extern const struct vg_check_ops vg_check_bayes_ops;
/* The sender/IP reputation (check_reputation.c; policy/reputation.h). */
extern const struct vg_check_ops vg_check_reputation_ops;
/*
 * vg_check_reputation_class - how the reputation counts a message after
 * its verdict v: VG_REP_SPAM when its score without the REP_* symbols
 * reaches required_score; VG_REP_HAM when it was accepted with that score
 * below the rules file's reputation_ham_score; else -1, as for every
 * message whose verdict failed (on_error), was forced by a check, was
 * tempfailed, was oversized, or whose virus scan did not end clean (or
 * off).  Which subjects count is check_reputation.c's.
 */
int vg_check_reputation_class(const struct vg_verdict *v,
    const struct vg_msg *msg, const struct vg_rules *rules);
/* The policy checks (check_attach.c, check_lists.c; see policy.h). */
extern const struct vg_check_ops vg_check_attach_ops;
extern const struct vg_check_ops vg_check_lists_ops;
/* SpamAssassin's welcomelists and blocklists (check_sa_wlbl.c, sa_wlbl.h) */
extern const struct vg_check_ops vg_check_sa_wlbl_ops;

/*
 * vg_check_dnsbl_record - the symbols of a blacklist outcome: each list
 * that hit (scored by rules, 1.0 when the rules file gives no score;
 * skipped if res has that symbol already) and DNSBL_TEMPERROR /
 * URIBL_TEMPERROR with the zone that did not answer.  VG_ENOMEM.
 */
int vg_check_dnsbl_record(struct vg_result *res,
    const struct vg_dnsbl_outcome *o, const struct vg_rules *rules);

#endif /* VG_CHECK_OPS_H */
