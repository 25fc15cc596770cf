/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check_ops - the interface of a built-in check inside the score stage.
 *
 * PURPOSE  SPF, DNS blacklists and the attachment policy are checks: each
 *	    adds named symbols (SPF_FAIL, a dnsbl NAME, ...) to the score
 *	    stage's result, scored by the rules file like any rule, and may
 *	    force a decision.  The score stage runs the rules, then every
 *	    check, then the meta rules, so meta rules can combine both.  A
 *	    check whose work started earlier (the score stage's connect and
 *	    mail hooks start the DNS blacklist and SPF lookups on the
 *	    engine's resolver) finds the answers in that resolver's cache
 *	    and only collects them here.
 * OWNS     create() state is freed by free().
 * ERRORS   run() returns 0 or VG_E*; a temporary DNS failure is a symbol
 *	    (e.g. SPF_TEMPERROR), not an error.
 * THREADS  run() is called concurrently on one state.
 */
#ifndef VG_CHECK_OPS_H
#define VG_CHECK_OPS_H

#include "base/err.h"
#include "core/result.h"
#include "core/stage.h"

struct vg_conf;
struct vg_rules;
struct vg_msg;
struct vg_text;

struct vg_check_ops {
	const char *name;
	/* env as the score stage got it; env->conf NULL in unit tests. */
	int (*create)(void **state_out, const struct vg_stage_env *env,
	    struct vg_err *err);
	int (*run)(void *state, const struct vg_msg *msg,
	    const struct vg_text *text, const struct vg_rules *rules,
	    struct vg_result *res);
	void (*free)(void *state);
};

/* The sender checks (check_spf.c, check_dnsbl.c). */
extern const struct vg_check_ops vg_check_spf_ops;
extern const struct vg_check_ops vg_check_dnsbl_ops;
/* The policy checks (check_attach.c, check_lists.c; see policy.h). */
extern const struct vg_check_ops vg_check_attach_ops;
extern const struct vg_check_ops vg_check_lists_ops;

#endif /* VG_CHECK_OPS_H */
