/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * headers - the header edits of a verdict.
 *
 * PURPOSE  Turns a decided verdict into the ordered edits a front end
 *	    applies: first one DELETE per forged status header that arrived
 *	    in the message (statushdr.h; an Authentication-Results only when
 *	    it carries our authserv-id), then, for a message that passes,
 *	    ADDs of Received-SPF and Authentication-Results (RFC 7208 9.1,
 *	    RFC 8601) for each SPF result, the X-Spam-* headers of the
 *	    rules file's templates (SpamAssassin's add_header, by default
 *	    its layout: Checker-Version, Flag, Level, Status; spamhdr.h),
 *	    X-Virus-Scanned and X-Virus-Status, and last the subject tag.
 *	    vg_verdict_decide() (decide.c) is the only caller; the decision
 *	    itself is made there, never here.
 * OWNS     Edits are appended to the verdict, which owns their strings.
 * LIMITS   Each value is built from sanitised text and cut to
 *	    VG_VERDICT_HEADER_MAX bytes.
 * ERRORS   VG_ENOMEM; the edits added so far stay in the verdict, which
 *	    the caller then frees.
 * THREADS  Pure: reads the engine and the message, writes the verdict.
 */
#ifndef VG_HEADERS_H
#define VG_HEADERS_H

struct vg_engine;
struct vg_msg;
struct vg_result;
struct vg_verdict;

/*
 * vg_headers_delete_forged - one DELETE edit per forged status header of
 * msg, highest index of each name first; VG_ENOMEM.
 */
int vg_headers_delete_forged(
    struct vg_verdict *v, const struct vg_msg *msg, const char *authserv_id);
/*
 * vg_headers_build - the ADD and CHANGE edits for a message that passes;
 * score_res is the score stage's result (NULL when it did not run).
 * VG_ENOMEM.
 */
int vg_headers_build(struct vg_verdict *v, const struct vg_engine *engine,
    const struct vg_msg *msg, const struct vg_result *score_res);

/*
 * vg_headers_add - append an ADD edit of name: value (copied; value
 * folded with "\n\t" only, nothing from the message unsanitised);
 * VG_ENOMEM
 */
int vg_headers_add(struct vg_verdict *v, const char *name, const char *value);

#endif /* VG_HEADERS_H */
