/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check_attach - the attachment policy as a check of the score stage.
 *
 * Runs vg_attach_scan() (attach.h) over every leaf part of the message
 * that the text layer decoded: its file name, declared type and bytes,
 * and the members of archives within the attach_* limits of vigil.conf.
 * Each ATTACH_* symbol is added once per message, scored by the rules
 * file (0 when it gives no score), with the first offending name
 * (sanitised) as its detail.  The policy's attach_action decides what
 * else happens: reject forces "550 5.7.1 Message rejected: attachment
 * type not allowed: NAME", quarantine forces the hold queue, score does
 * nothing more.  ATTACH_UNSCANNABLE and ATTACH_ZIP_TRUNCATED also mark
 * the result unscannable, so that the verdict does not call the message
 * Clean (ClamAV cannot have looked inside).  Parts the text layer did
 * not decode (past its limits) are not examined; the text layer flags
 * that itself.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "message/attach.h"
#include "stages/check_ops.h"
#include "base/conf.h"
#include "policy/policy.h"
#include "rules/rules.h"
#include "base/sanitize.h"
#include "message/text.h"

#define CHECK_ATTACH_DETAIL_MAX 200

struct check_attach {
	struct vg_attach_limits lim;
};

/* What one message's scan has found so far. */
struct check_attach_run {
	const struct vg_attach_policy *pol;
	const struct vg_rules *rules;
	struct vg_result *res;
	unsigned seen; /* VG_ATTACH_BIT()s already added */
};

/* check_attach_create - the archive limits from the config */
static int
check_attach_create(
    void **state_out, const struct vg_stage_env *env, struct vg_err *err)
{
	const struct vg_conf *conf = env->conf;
	struct check_attach *st;

	(void)err;
	*state_out = NULL;
	if ((st = vg_calloc(1, sizeof(*st))) == NULL)
		return VG_ENOMEM;
	vg_attach_limits_default(&st->lim);
	if (conf != NULL) {
		st->lim.archive_depth = conf->attach_archive_depth;
		st->lim.archive_members = conf->attach_archive_members;
		st->lim.member_bytes = conf->attach_member_bytes;
		st->lim.archive_bytes = conf->attach_archive_bytes;
	}
	*state_out = st;
	return 0;
}

/* check_attach_free - the state */
static void
check_attach_free(void *state)
{
	vg_free(state);
}

/*
 * check_attach_unscannable - for a finding that means ClamAV cannot have
 * scanned the attachment, the reason written after "Unscanned ("; NULL
 * for the others
 */
static const char *
check_attach_unscannable(enum vg_attach_sym sym)
{
	switch (sym) {
	case VG_ATTACH_UNSCANNABLE:
		return "compressed in a format ClamAV cannot open";
	case VG_ATTACH_ZIP_TRUNCATED:
		return "truncated zip archive";
	case VG_ATTACH_BANNED_EXT:
	case VG_ATTACH_DOUBLE_EXT:
	case VG_ATTACH_RTLO:
	case VG_ATTACH_BANNED_TYPE:
	case VG_ATTACH_EXEC_CONTENT:
	case VG_ATTACH_TYPE_MISMATCH:
	case VG_ATTACH_ENCRYPTED_ARCHIVE:
	case VG_ATTACH_ARCHIVE_LIMIT:
	case VG_ATTACH_ARCHIVE_BROKEN:
	case VG_ATTACH_SYM_MAX:
		return NULL;
	}
	return NULL;
}

/* check_attach_report - one finding: symbol once, then the action */
static int
check_attach_report(void *ctx, enum vg_attach_sym sym, const char *name)
{
	struct check_attach_run *run = ctx;
	const char *symname = vg_attach_sym_name(sym);
	char detail[CHECK_ATTACH_DETAIL_MAX];
	const char *why;
	int rc;

	if (run->seen & VG_ATTACH_BIT(sym))
		return 0;
	run->seen |= VG_ATTACH_BIT(sym);
	vg_sanitize_str(detail, sizeof(detail), name, 0);
	rc = vg_result_add(run->res, symname,
	    vg_rules_score(run->rules, symname, 0.0), detail);
	if (rc != 0)
		return rc;
	if (run->res->unscannable[0] == '\0' &&
	    (why = check_attach_unscannable(sym)) != NULL)
		(void)snprintf(run->res->unscannable,
		    sizeof(run->res->unscannable), "%s", why);
	switch (run->pol->act[sym]) {
	case VG_ATTACH_ACT_SCORE:
		break;
	case VG_ATTACH_ACT_REJECT:
		vg_result_force_reply(run->res, VG_ACTION_REJECT, symname,
		    VG_REPLY_ATTACHMENT, detail, NULL);
		break;
	case VG_ATTACH_ACT_QUARANTINE:
		vg_result_force(run->res, VG_ACTION_QUARANTINE, "", "", symname,
		    "attachment held for review: %s", detail);
		break;
	}
	return 0;
}

/* vg_check_attach_text - every decoded part under pol and lim */
int
vg_check_attach_text(const struct vg_attach_policy *pol,
    const struct vg_attach_limits *lim, const struct vg_text *text,
    const struct vg_rules *rules, struct vg_result *res)
{
	struct check_attach_run run;
	int rc;

	if (text == NULL)
		return 0;
	memset(&run, 0, sizeof(run));
	run.pol = pol;
	run.rules = rules;
	run.res = res;
	for (size_t i = 0; i < text->nparts; i++) {
		const struct vg_text_part *part = &text->parts[i];

		rc =
		    vg_attach_scan(pol, lim, part->filename, part->content_type,
		        part->data, part->len, check_attach_report, &run);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* check_attach_run - the rules' policy (or the built-in one) */
static int
check_attach_run(void *state, const struct vg_msg *msg,
    const struct vg_text *text, const struct vg_rules *rules,
    struct vg_result *res)
{
	struct check_attach *st = state;
	const struct vg_policy *policy = vg_policy_of(rules);

	(void)msg;
	if (policy == NULL)
		return VG_ENOMEM;
	return vg_check_attach_text(
	    vg_policy_attach(policy), &st->lim, text, rules, res);
}

const struct vg_check_ops vg_check_attach_ops = {
    .name = "attach",
    .create = check_attach_create,
    .run = check_attach_run,
    .free = check_attach_free,
};
