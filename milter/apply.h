/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * apply - a verdict turned into libmilter calls.
 *
 * PURPOSE  The only file that modifies a message through libmilter: it
 *	    deletes forged headers, inserts ours, changes the subject, sets
 *	    the SMTP reply and quarantines, in the order the verdict gives,
 *	    and returns the sfsistat that ends the message.  libmilter takes
 *	    char *, so every string is first copied into a buffer this file
 *	    owns (STYLE.md 8.2), which also lets it escape '%' for
 *	    smfi_setreply() and add the leading space that SMFIP_HDR_LEADSPC
 *	    asks of a filter.
 * OWNS     Nothing is kept; the verdict stays the caller's.
 * LIMITS   Reply text and header values are cut at VG_VERDICT_HEADER_MAX
 *	    bytes (the verdict already keeps within that).
 * ERRORS   Every smfi_* return is checked and a failure logged with the
 *	    queue id.  A failed header edit or quarantine ends in on_error:
 *	    tempfail (451 4.3.0), or accept with the failure logged.  A
 *	    reply that libmilter refuses still returns the reject/tempfail
 *	    status, so the MTA uses its default text.
 * THREADS  Called from the libmilter thread that owns ctx.
 */
#ifndef VGM_APPLY_H
#define VGM_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include <libmilter/mfapi.h>

#include "base/action.h"
#include "core/reply.h"

struct vg_verdict;

#define VGM_REPLY_MAX 512

/* What was done, for the log line. */
struct vgm_applied {
	enum vg_action action;
	char reply[VGM_REPLY_MAX]; /* "550 5.7.1 text" or "" */
	char note[256];            /* a failure worth logging, or "" */
};

/*
 * vgm_apply - carry out verdict on ctx.  leadspc says SMFIP_HDR_LEADSPC was
 * negotiated; on_error is what a failed edit turns into.  Fills *out.
 */
sfsistat vgm_apply(SMFICTX *ctx, const struct vg_verdict *verdict, bool leadspc,
    enum vg_action on_error, const char *qid, struct vgm_applied *out);

/*
 * vgm_apply_reply - end the current stage with code/xcode/text (copied,
 * '%' escaped): "4xx" gives SMFIS_TEMPFAIL, "5xx" SMFIS_REJECT.  Fills *out
 * when it is not NULL.
 */
sfsistat vgm_apply_reply(SMFICTX *ctx, const char *code, const char *xcode,
    const char *text, const char *qid, struct vgm_applied *out);
/* vgm_apply_reply_id - vgm_apply_reply() of the table's reply id (reply.h) */
sfsistat vgm_apply_reply_id(SMFICTX *ctx, enum vg_reply_id id, const char *qid,
    struct vgm_applied *out);

/*
 * vgm_apply_on_error - the on_error outcome: tempfail with 451 4.3.0
 * "temporary failure scanning message", or accept (SMFIS_CONTINUE).
 */
sfsistat vgm_apply_on_error(SMFICTX *ctx, enum vg_action on_error,
    const char *qid, struct vgm_applied *out);

#endif /* VGM_APPLY_H */
