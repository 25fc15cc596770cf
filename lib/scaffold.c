/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scaffold - TEMPORARY weak stand-ins while the rules language, the score
 * stage and the text layer are written in parallel, so vigil-milter and
 * vigil link meanwhile.  Every symbol here is weak: the real definitions
 * override them as soon as their files are in the build.  This file is
 * deleted before the foundation issue is resolved.
 */
#include <stddef.h>
#include <string.h>

#include "msg.h"
#include "rules.h"
#include "stage.h"
#include "text.h"

#define WEAK __attribute__((weak))

WEAK int
vg_text_global_init(void)
{
	return 0;
}

WEAK int
vg_rules_load(struct vg_rules **out, const char *path, struct vg_err *err)
{
	(void)path;
	(void)err;
	*out = NULL;
	return 0;
}

WEAK void
vg_rules_free(struct vg_rules *rules)
{
	(void)rules;
}

WEAK double
vg_rules_required_score(const struct vg_rules *rules)
{
	(void)rules;
	return VG_DEF_REQUIRED_SCORE;
}

WEAK double
vg_rules_reject_score(const struct vg_rules *rules)
{
	(void)rules;
	return VG_DEF_REJECT_SCORE;
}

WEAK const char *
vg_rules_subject_tag(const struct vg_rules *rules)
{
	(void)rules;
	return "";
}

WEAK void
vg_rules_stats(const struct vg_rules *r, struct vg_rules_stats *out)
{
	(void)r;
	memset(out, 0, sizeof(*out));
}

WEAK const char *
vg_rule_kind_name(enum vg_rule_kind kind)
{
	(void)kind;
	return "?";
}

WEAK const char *
vg_rules_skip_name(enum vg_rules_skip kind)
{
	(void)kind;
	return "?";
}

static int
create(void **state_out, const struct vg_conf *conf,
    const struct vg_rules *rules, struct vg_err *err)
{
	(void)conf;
	(void)rules;
	(void)err;
	*state_out = NULL;
	return 0;
}

static int
scan(void *state, const struct vg_msg *msg, struct vg_result *res)
{
	(void)state;
	(void)msg;
	(void)res;
	return 0;
}

static void
free_state(void *state)
{
	(void)state;
}

WEAK const struct vg_stage_ops vg_stage_score_ops = {
    .name = "score",
    .create = create,
    .scan = scan,
    .free = free_state,
    .version = NULL,
};
