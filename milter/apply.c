/* SPDX-License-Identifier: GPL-2.0-only */
/* apply - decision -> smfi_* calls; the only file that writes via libmilter */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "base/log.h"
#include "base/str.h"
#include "base/sanitize.h"
#include "core/reply.h"
#include "core/verdict.h"

#include "apply.h"

#define VGM_HDR_NAME_MAX 256

/* vgm_apply_copy - sanitised, '%'-escaped copy of src for smfi_setreply */
static void
vgm_apply_copy_reply(char *dst, size_t dstsize, const char *src)
{
	char clean[VGM_REPLY_MAX];
	size_t i, o;

	(void)vg_sanitize_str(clean, sizeof(clean), src, VG_SANITIZE_ASCII);
	/* libmilter reads the text as a format: a lone '%' voids it. */
	for (i = 0, o = 0; clean[i] != '\0' && o + 2 < dstsize; i++) {
		if (clean[i] == '%')
			dst[o++] = '%';
		dst[o++] = clean[i];
	}
	dst[o] = '\0';
}

/* vgm_apply_note - record a failure for the log line and log it now */
static void
vgm_apply_note(struct vgm_applied *out, const char *qid, const char *what)
{
	vg_error(
	    "%s: %s", qid != NULL && qid[0] != '\0' ? qid : "NOQUEUE", what);
	if (out != NULL && out->note[0] == '\0')
		(void)vg_str_fmt(out->note, sizeof(out->note), "%s", what);
}

/* vgm_apply_reply - set the reply and end the stage with it */
sfsistat
vgm_apply_reply(SMFICTX *ctx, const char *code, const char *xcode,
    const char *text, const char *qid, struct vgm_applied *out)
{
	char c[8], x[16], t[VGM_REPLY_MAX];
	bool temp;

	(void)vg_str_fmt(c, sizeof(c), "%s", code);
	(void)vg_str_fmt(x, sizeof(x), "%s", xcode);
	vgm_apply_copy_reply(t, sizeof(t), text);
	temp = c[0] == '4';
	if (out != NULL) {
		out->action = temp ? VG_ACTION_TEMPFAIL : VG_ACTION_REJECT;
		(void)vg_str_fmt(
		    out->reply, sizeof(out->reply), "%s %s %s", c, x, t);
	}
	if (smfi_setreply(ctx, c, x[0] != '\0' ? x : NULL, t) != MI_SUCCESS)
		vgm_apply_note(out, qid,
		    "smfi_setreply failed; the MTA uses its default reply");
	return temp ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

/* vgm_apply_reply_id - end the stage with the table's reply id */
sfsistat
vgm_apply_reply_id(
    SMFICTX *ctx, enum vg_reply_id id, const char *qid, struct vgm_applied *out)
{
	const struct vg_reply *r = vg_reply(id);
	char text[VG_REASON_MAX];

	(void)vg_reply_text(text, sizeof(text), id, NULL, NULL);
	return vgm_apply_reply(ctx, r->code, r->xcode, text, qid, out);
}

/* vgm_apply_on_error - tempfail 451 4.3.0, or accept when fail-open */
sfsistat
vgm_apply_on_error(SMFICTX *ctx, enum vg_action on_error, const char *qid,
    struct vgm_applied *out)
{
	if (on_error == VG_ACTION_ACCEPT) {
		if (out != NULL)
			out->action = VG_ACTION_ACCEPT;
		return SMFIS_CONTINUE;
	}
	return vgm_apply_reply_id(ctx, VG_REPLY_ON_ERROR, qid, out);
}

/* vgm_apply_edit - one header edit; false (logged) when libmilter refused */
static bool
vgm_apply_edit(SMFICTX *ctx, const struct vg_header_edit *edit, bool leadspc,
    const char *qid, struct vgm_applied *out)
{
	char name[VGM_HDR_NAME_MAX];
	char value[VG_VERDICT_HEADER_MAX + 2];
	char what[VGM_HDR_NAME_MAX + 64];
	int rc = MI_FAILURE;
	int index;

	(void)vg_sanitize_str(
	    name, sizeof(name), edit->name, VG_SANITIZE_ASCII);
	/*
	 * With SMFIP_HDR_LEADSPC the MTA inserts no space after the colon
	 * of a header we add or change, so the value brings its own.
	 */
	(void)vg_str_fmt(value, sizeof(value), "%s", leadspc ? " " : "");
	/* Keep the verdict's folds: X-Spam-Status stays under 80 columns. */
	(void)vg_sanitize_str(value + strlen(value),
	    sizeof(value) - strlen(value), edit->value, VG_SANITIZE_KEEP_FOLD);
	index = edit->index > (size_t)INT_MAX ? INT_MAX : (int)edit->index;
	switch (edit->kind) {
	case VG_EDIT_DELETE:
		rc = smfi_chgheader(ctx, name, index, NULL);
		break;
	case VG_EDIT_CHANGE:
		rc = smfi_chgheader(ctx, name, index, value);
		break;
	case VG_EDIT_ADD:
		rc = smfi_insheader(ctx, 0, name, value);
		break;
	}
	if (rc == MI_SUCCESS)
		return true;
	(void)vg_str_fmt(what, sizeof(what), "%s header %s failed",
	    edit->kind == VG_EDIT_DELETE       ? "deleting"
	        : edit->kind == VG_EDIT_CHANGE ? "changing"
	                                       : "adding",
	    name);
	vgm_apply_note(out, qid, what);
	return false;
}

/*
 * vgm_apply_edits - all header edits.  Deletes and changes go first in the
 * verdict's order (deletes come highest index first, so earlier ones do
 * not move later ones).  Then the additions: each is inserted at the top,
 * so they are inserted last to first and end up in the verdict's order.
 */
static bool
vgm_apply_edits(SMFICTX *ctx, const struct vg_verdict *verdict, bool leadspc,
    const char *qid, struct vgm_applied *out)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < verdict->nedits; i++)
		if (verdict->edits[i].kind != VG_EDIT_ADD &&
		    !vgm_apply_edit(ctx, &verdict->edits[i], leadspc, qid, out))
			ok = false;
	for (i = verdict->nedits; i > 0; i--)
		if (verdict->edits[i - 1].kind == VG_EDIT_ADD &&
		    !vgm_apply_edit(
		        ctx, &verdict->edits[i - 1], leadspc, qid, out))
			ok = false;
	return ok;
}

/* vgm_apply - the verdict's action, reply and edits */
sfsistat
vgm_apply(SMFICTX *ctx, const struct vg_verdict *verdict, bool leadspc,
    enum vg_action on_error, const char *qid, struct vgm_applied *out)
{
	/* A verdict's own reply, or the table's where it has none. */
	const struct vg_reply *rej = vg_reply(VG_REPLY_REJECTED);
	const struct vg_reply *err = vg_reply(VG_REPLY_ON_ERROR);
	char reason[VG_REASON_MAX];

	memset(out, 0, sizeof(*out));
	out->action = verdict->action;
	switch (verdict->action) {
	case VG_ACTION_ACCEPT:
	case VG_ACTION_TAG:
		if (!vgm_apply_edits(ctx, verdict, leadspc, qid, out))
			return vgm_apply_on_error(ctx, on_error, qid, out);
		return SMFIS_CONTINUE;
	case VG_ACTION_REJECT:
		return vgm_apply_reply(ctx,
		    verdict->code[0] == '5' ? verdict->code : rej->code,
		    verdict->code[0] == '5' ? verdict->xcode : rej->xcode,
		    verdict->text[0] != '\0' ? verdict->text : rej->text, qid,
		    out);
	case VG_ACTION_TEMPFAIL:
		return vgm_apply_reply(ctx,
		    verdict->code[0] == '4' ? verdict->code : err->code,
		    verdict->code[0] == '4' ? verdict->xcode : err->xcode,
		    verdict->text[0] != '\0' ? verdict->text : err->text, qid,
		    out);
	case VG_ACTION_QUARANTINE:
		if (!vgm_apply_edits(ctx, verdict, leadspc, qid, out))
			return vgm_apply_on_error(ctx, on_error, qid, out);
		(void)vg_sanitize_str(reason, sizeof(reason),
		    verdict->reason[0] != '\0' ? verdict->reason
		                               : "quarantined by vigil",
		    VG_SANITIZE_ASCII);
		if (smfi_quarantine(ctx, reason) != MI_SUCCESS) {
			vgm_apply_note(out, qid, "smfi_quarantine failed");
			return vgm_apply_on_error(ctx, on_error, qid, out);
		}
		return SMFIS_CONTINUE;
	case VG_ACTION_DISCARD:
		return SMFIS_DISCARD;
	}
	/* An action we do not know is a bug: Postfix's 451 4.3.5. */
	return vgm_apply_reply_id(ctx, VG_REPLY_UNKNOWN_ACTION, qid, out);
}
