/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * verdict - stage results + policy -> one decision and the header edits.
 *
 * PURPOSE  The one place where policy is applied: a virus wins over spam;
 *	    a stage that failed turns into on_error; an oversized message
 *	    gets oversize_action; the score is compared with required_score
 *	    and reject_score; a check's forced decision applies when it is
 *	    the strictest; a virus scan that could not finish gets
 *	    unscanned_action and is never called Clean.  The result says
 *	    what the front end must do: the action, the SMTP reply, and an
 *	    ordered list of header edits (delete our forged headers by
 *	    index, then add ours, then change the subject).  The milter
 *	    applies it with smfi_*; `vigil scan` prints it.  Both therefore
 *	    agree by construction.  decide.c makes the decision;
 *	    headers.c renders the header edits (headers.h).
 * OWNS     vg_verdict_decide() returns a verdict the caller frees with
 *	    vg_verdict_free(); every string in it is owned by it.
 * LIMITS   Header values we write are built from sanitised text and cut to
 *	    VG_VERDICT_HEADER_MAX bytes (the tests= list is cut at a rule
 *	    boundary and ends with ",..." when it does not fit).
 * ERRORS   VG_ENOMEM.
 * THREADS  Pure: reads the engine, the message and the results.
 */
#ifndef VG_VERDICT_H
#define VG_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/action.h"
#include "core/result.h"

struct vg_engine;
struct vg_msg;

#define VG_VERDICT_HEADER_MAX 2048

/*
 * The score of VIRUS_UNSCANNED under unscanned_action = tag when the rules
 * file gives it none.
 */
#define VG_VERDICT_UNSCANNED_SCORE 3.0

enum vg_edit_kind {
	VG_EDIT_DELETE, /* remove the index-th header called name */
	VG_EDIT_ADD,    /* add name: value (front ends insert at the top) */
	VG_EDIT_CHANGE, /* replace the index-th header called name */
};

struct vg_header_edit {
	enum vg_edit_kind kind;
	char *name;
	size_t index; /* 1-based among headers of that name; DELETE/CHANGE */
	/* ADD/CHANGE: sanitised; no CR, and an LF only as a fold ("\n\t",
	 * which libmilter turns into CRLF TAB) */
	char *value;
};

struct vg_verdict {
	enum vg_action action;
	char code[4];   /* SMTP reply for reject/tempfail (reply.h): "550" */
	char xcode[12]; /* "5.7.1" */
	char text[VG_REASON_MAX];
	char reason[VG_REASON_MAX]; /* why, for logs and quarantine */

	bool spam; /* score >= required */
	double score, required, reject;
	char virus[VG_VIRUS_NAME_MAX];       /* "" = none */
	char virus_status[VG_REASON_MAX];    /* "Clean", "Infected (x)", ... */
	enum vg_virus_outcome virus_outcome; /* see result.h */
	char unscanned[VG_REASON_MAX];       /* why not Clean, or "" */
	/* The scanner that answered, if not the engine's (result.h). */
	char scanned_by[VG_VIRUS_ENGINE_MAX];
	bool error;  /* a stage failed and on_error applied */
	bool forced; /* a check's own decision (forced) applied */
	struct vg_bayes_report bayes; /* the classifier's, if it ran */
	bool outbound; /* trusted_networks or SASL: see direction.h */
	char source[VG_REASON_MAX]; /* "sasl_username=x" / "client=a" */

	/* Symbols that hit, in the order X-Spam-Status lists them. */
	struct vg_symbol *symbols; /* owned copies */
	size_t nsymbols;

	/* Authentication results of every stage, in symbol order. */
	struct vg_auth auth[VG_RESULT_MAX_AUTH];
	size_t nauth;

	struct vg_header_edit *edits;
	size_t nedits;

	/* Per stage that scanned, in table order: its name and time. */
	const char *stage_name[4]; /* static */
	uint64_t stage_us[4];
	size_t nstages;
};

/*
 * vg_verdict_decide - merge results[0..n) of the engine's stages for msg
 * into a new verdict (*out, caller frees).
 */
int vg_verdict_decide(struct vg_verdict **out, const struct vg_engine *engine,
    const struct vg_msg *msg, const struct vg_result *results, size_t n);

/* vg_verdict_free - NULL is a no-op */
void vg_verdict_free(struct vg_verdict *verdict);

/*
 * vg_verdict_tests - the "A=1.5,B=3.0" list written after tests= into buf
 * (bufsize bytes), cut at a symbol boundary.  Returns the length.
 */
size_t vg_verdict_tests(
    const struct vg_verdict *verdict, char *buf, size_t bufsize);

#endif /* VG_VERDICT_H */
