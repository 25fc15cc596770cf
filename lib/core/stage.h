/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stage - the interface every scanning stage implements.
 *
 * PURPOSE  A stage is a struct of function pointers (Postfix dict.h, Redis
 *	    dictType).  An engine creates each stage's state once, when it is
 *	    built, and runs every stage on every message; a new stage means
 *	    one new file in stages/ and one line in engine.c.  The virus
 *	    stage and the score stage of one message run concurrently on the
 *	    worker pool, so scan() must only read the message and its own
 *	    state.
 * OWNS     create() returns state the stage's free() releases.  scan()
 *	    writes into a result the caller initialised and will free.
 * ERRORS   create(): VG_ECONFIG (text in err), VG_ENOMEM, VG_EIO.  scan()
 *	    returns 0 when it produced a verdict and a VG_E* code (also set
 *	    in res->status via vg_result_fail()) when it could not; the
 *	    verdict then applies on_error.
 * THREADS  scan() runs concurrently on one state from many threads.
 */
#ifndef VG_STAGE_H
#define VG_STAGE_H

#include "base/err.h"
#include "core/result.h"

struct vg_conf;
struct vg_rules;
struct vg_msg;

struct vg_stage_ops {
	const char *name;
	/* Build per-engine state; *state_out may be set to NULL. */
	int (*create)(void **state_out, const struct vg_conf *conf,
	    const struct vg_rules *rules, struct vg_err *err);
	/* Scan one finished message. */
	int (*scan)(
	    void *state, const struct vg_msg *msg, struct vg_result *res);
	/* Free what create() built; NULL is a no-op. */
	void (*free)(void *state);
	/* Version text for X-Virus-Scanned / -V, or NULL. */
	const char *(*version)(const void *state);
};

extern const struct vg_stage_ops vg_stage_virus_ops;
extern const struct vg_stage_ops vg_stage_score_ops;

#endif /* VG_STAGE_H */
