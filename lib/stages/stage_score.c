/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stage_score - the spam-scoring stage: rules, built-in checks, metas.
 *
 * PURPOSE  Runs on every message that is not oversized: decodes it once
 *	    into a struct vg_text, runs the rules over it, then each
 *	    built-in check (SPF, DNS blacklists, attachment policy, allow
 *	    and block lists), then the meta rules, which may combine both.
 *	    The verdict module sums the symbols this stage leaves in the
 *	    result.
 * OWNS     The rules belong to the engine (engine.c loads them and frees
 *	    them after the stage); the stage state only borrows them and
 *	    owns each check's state.
 * LIMITS   An oversized message gets no symbols (the verdict applies the
 *	    oversize policy).  Decoding limits are text.h's defaults.
 * ERRORS   scan(): VG_ENOMEM, or the code of a check or decoder that
 *	    failed, recorded with vg_result_fail().
 * THREADS  scan() runs concurrently; it only reads the state.
 */
#include <string.h>

#include "base/alloc.h"
#include "stages/check_ops.h"
#include "base/conf.h"
#include "message/msg.h"
#include "rules/rules.h"
#include "core/stage.h"
#include "message/text.h"

/*
 * The built-in checks, in the order they run.  A new check is one file
 * (check_<name>.c, defining vg_check_<name>_ops) and one line here.
 */
static const struct vg_check_ops *const checks[] = {
    &vg_check_spf_ops,    /* check_spf.c */
    &vg_check_dnsbl_ops,  /* check_dnsbl.c */
    &vg_check_attach_ops, /* check_attach.c */
    &vg_check_lists_ops,  /* check_lists.c */
};

#define VG_SCORE_NCHECKS VG_NELEM(checks)

struct vg_score_state {
	const struct vg_rules *rules; /* borrowed from the engine */
	struct vg_text_limits lim;    /* from vigil.conf, or the defaults */
	void *check_state[VG_SCORE_NCHECKS];
};

/* vg_score_free - free each check's state and the stage state */
static void
vg_score_free(void *state)
{
	struct vg_score_state *st = state;
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < VG_SCORE_NCHECKS; i++)
		if (checks[i]->free != NULL)
			checks[i]->free(st->check_state[i]);
	vg_free(st);
}

/* vg_score_create - keep the rules, create every check's state */
static int
vg_score_create(void **state_out, const struct vg_conf *conf,
    const struct vg_rules *rules, struct vg_err *err)
{
	struct vg_score_state *st;
	size_t i;
	int rc = 0;

	*state_out = NULL;
	if ((st = vg_calloc(1, sizeof(*st))) == NULL)
		return VG_ENOMEM;
	st->rules = rules;
	vg_text_limits_default(&st->lim);
	if (conf != NULL) {
		st->lim.max_mime_depth = conf->mime_max_depth;
		st->lim.max_mime_parts = conf->mime_max_parts;
		st->lim.max_decoded_bytes = (size_t)conf->mime_max_decoded_size;
		st->lim.max_uris = conf->max_uris;
	}
	for (i = 0; i < VG_SCORE_NCHECKS; i++) {
		if (checks[i]->create == NULL)
			continue;
		rc = checks[i]->create(&st->check_state[i], conf, rules, err);
		if (rc != 0)
			goto out;
	}
	*state_out = st;
	st = NULL;
out:
	vg_score_free(st);
	return rc;
}

/* vg_score_scan - score one message into res */
static int
vg_score_scan(void *state, const struct vg_msg *msg, struct vg_result *res)
{
	struct vg_score_state *st = state;
	struct vg_text *text = NULL;
	struct vg_rules_hits *hits = NULL;
	size_t i;
	int rc;

	if (vg_msg_oversized(msg))
		return 0;
	if ((rc = vg_text_build(&text, msg, &st->lim)) != 0) {
		vg_result_fail(
		    res, rc, "decoding the message: %s", vg_strerror(rc));
		goto out;
	}
	if ((rc = vg_rules_hits_new(&hits, st->rules)) != 0 ||
	    (rc = vg_rules_eval(st->rules, msg, text, hits, res)) != 0) {
		vg_result_fail(res, rc, "running rules: %s", vg_strerror(rc));
		goto out;
	}
	for (i = 0; i < VG_SCORE_NCHECKS; i++) {
		rc = checks[i]->run(
		    st->check_state[i], msg, text, st->rules, res);
		if (rc != 0) {
			vg_result_fail(res, rc, "check %s: %s", checks[i]->name,
			    vg_strerror(rc));
			goto out;
		}
	}
	if ((rc = vg_rules_eval_meta(st->rules, hits, res)) != 0)
		vg_result_fail(
		    res, rc, "running meta rules: %s", vg_strerror(rc));
out:
	vg_rules_hits_free(hits);
	vg_text_free(text);
	return rc;
}

const struct vg_stage_ops vg_stage_score_ops = {
    .name = "score",
    .create = vg_score_create,
    .scan = vg_score_scan,
    .free = vg_score_free,
    .version = NULL,
};
