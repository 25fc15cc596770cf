/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * result - what one stage found in one message.
 *
 * PURPOSE  The value a stage fills in and the verdict reads: the symbols
 *	    that hit with their scores, a virus name, an optional decision a
 *	    check insists on (a banned attachment, an SPF fail the admin
 *	    chose to refuse), or the error that kept the stage from working.
 * OWNS     A result owns its symbol set (rules/symset.h: the array and every
 *	    string in it; names are copied, so a result may outlive the
 *	    rules that produced it).  vg_result_fini() frees them.
 * LIMITS   VG_RESULT_MAX_SYMBOLS symbols; further ones are counted in
 *	    syms.dropped, not stored (a rules file cannot make one message
 *	    use unbounded memory).
 * THREADS  One result per stage per message; written by one thread.
 */
#ifndef VG_RESULT_H
#define VG_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/action.h"
#include "base/compiler.h"
#include "rules/symset.h"
#include "core/reply.h"

#define VG_RESULT_MAX_SYMBOLS VG_SYMSET_MAX
#define VG_VIRUS_NAME_MAX     128
/* "ClamAV 1.4.6/27480", as X-Virus-Scanned names the scanner */
#define VG_VIRUS_ENGINE_MAX 96
#define VG_REASON_MAX       256

/* A decision a check insists on, whatever the score says. */
struct vg_forced {
	bool set;
	enum vg_action action;
	char code[4];             /* "550" */
	char xcode[12];           /* "5.7.1" */
	char text[VG_REASON_MAX]; /* reply text, no CR/LF */
	const char *symbol;       /* which check asked, static or NULL */
};

/*
 * What the virus stage established about one message.  Only CLEAN means
 * that every byte was scanned to the end: every other outcome is written
 * "Unscanned (<reason>)" or "Infected (<name>)", never "Clean".
 */
enum vg_virus_outcome {
	VG_VIRUS_NOT_RUN,    /* no verdict: the stage failed (status != 0) */
	VG_VIRUS_CLEAN,      /* scanned to the end, nothing found */
	VG_VIRUS_INFECTED,   /* virus[] names what was found */
	VG_VIRUS_DISABLED,   /* virus_scan = no: the administrator's choice */
	VG_VIRUS_TOO_LARGE,  /* over max_message_size: oversize_action */
	VG_VIRUS_INCOMPLETE, /* the scan stopped short (a limit, encryption,
				a container that could not be opened):
				unscanned_action; unscanned[] says why */
};

/* What kind of stage a result is from: how the verdict reads it. */
enum vg_stage_kind {
	VG_STAGE_OTHER, /* symbols and forced decisions only, or no scan */
	VG_STAGE_VIRUS, /* outcome, virus[], unscanned[] */
	VG_STAGE_SCORE, /* symbols, forced decisions; its symbols are the
			   X-Spam-Status report */
};

/*
 * An authentication method's result (RFC 8601), typed, for the
 * Authentication-Results and Received-SPF headers: SPF, DKIM, DMARC and
 * ARC.  value (and value2) are as the check found them; the headers
 * sanitise them.  Room for two SPF identities, five DKIM signatures
 * (dkim_max_signatures' default), DMARC, ARC and one more.
 */
enum vg_auth_method {
	VG_AUTH_SPF,
	VG_AUTH_DKIM,
	VG_AUTH_DMARC,
	VG_AUTH_ARC,
};

#define VG_AUTH_VALUE_MAX  256
#define VG_RESULT_MAX_AUTH 10

struct vg_auth {
	enum vg_auth_method method;
	const char *symbol;            /* the symbol it was scored as; static */
	const char *result;            /* "pass", "softfail", ...; static */
	const char *property;          /* "mailfrom", "helo" (smtp.*); static */
	char value[VG_AUTH_VALUE_MAX]; /* the domain */
	char value2[VG_AUTH_VALUE_MAX]; /* DKIM: the selector (header.s) */
	/* ARC: the chain passed, its newest sealer is in arc_trusted_sealers
	 * and vouches for the From: domain (check_arc.c; DMARC reads it) */
	bool vouched;
	unsigned seq; /* order added, to keep one method's results in order */
};

/*
 * What the learning classifier said about one message (check_bayes.c),
 * for `vigil scan --json`, the log and autolearn.
 */
enum vg_bayes_state {
	VG_BAYES_NOT_RUN, /* off (bayes = no), or no database */
	VG_BAYES_SILENT,  /* fewer than bayes_min_spam / _ham learned */
	VG_BAYES_SCORED,  /* prob is the classifier's */
	VG_BAYES_FAILED,  /* the database did not answer (BAYES_TEMPERROR) */
};

struct vg_bayes_report {
	enum vg_bayes_state state;
	double prob;          /* SCORED: spam probability 0..1 */
	uint64_t nspam, nham; /* SILENT, SCORED: messages learned */
};

struct vg_result {
	const char *stage;         /* static stage name */
	enum vg_stage_kind kind;   /* set by the scan from the stage */
	int status;                /* 0, or VG_E* when the stage failed */
	char error[VG_REASON_MAX]; /* why it failed, for the log line */

	/* Virus stage. */
	enum vg_virus_outcome outcome;
	char virus[VG_VIRUS_NAME_MAX]; /* INFECTED: the name, else "" */
	char unscanned[VG_REASON_MAX]; /* why not CLEAN, "" when CLEAN */
	/* The scanner that answered when it is not the engine's (a clamd
	 * server's version); "" to name the engine's (X-Virus-Scanned). */
	char scanned_by[VG_VIRUS_ENGINE_MAX];

	/*
	 * Any stage: content it found that the virus stage cannot have
	 * scanned (an attachment compressed in a format libclamav does not
	 * unpack), "" if none.  The verdict then treats the virus scan as
	 * incomplete, with this as the reason.  Never message text.
	 */
	char unscannable[VG_REASON_MAX];

	/*
	 * Score stage and checks: the symbols that hit.  The rules
	 * evaluator writes into the set itself (vg_rules_eval() takes
	 * &res->syms); the checks call vg_result_add().
	 */
	struct vg_symset syms;
	struct vg_forced forced;

	/* The classifier's report (state NOT_RUN from other stages). */
	struct vg_bayes_report bayes;

	/* Authentication results (SPF), VG_RESULT_MAX_AUTH at most. */
	struct vg_auth auth[VG_RESULT_MAX_AUTH];
	size_t nauth;

	uint64_t elapsed_us; /* wall time the stage took */
};

/*
 * vg_result_outcome_name - "clean", "infected", "unscanned", "disabled",
 * "too large", "error"; static
 */
const char *vg_result_outcome_name(enum vg_virus_outcome outcome);
/* vg_result_init - empty result for the named stage (static string) */
void vg_result_init(struct vg_result *res, const char *stage);
/* vg_result_fini - free what the result owns */
void vg_result_fini(struct vg_result *res);
/*
 * vg_result_add - record that symbol name hit with score (detail may be
 * NULL).  Past VG_RESULT_MAX_SYMBOLS the hit is counted and dropped.
 * VG_ENOMEM.
 */
int vg_result_add(
    struct vg_result *res, const char *name, double score, const char *detail);
/*
 * vg_result_add_auth - one authentication result; symbol, result and
 * property are static strings, value is copied (cut to fit).  Past
 * VG_RESULT_MAX_AUTH it is dropped: VG_ELIMIT.
 */
int vg_result_add_auth(struct vg_result *res, enum vg_auth_method method,
    const char *symbol, const char *result, const char *property,
    const char *value);
/*
 * vg_result_add_auth2 - vg_result_add_auth() with a second value (DKIM's
 * selector), copied
 */
int vg_result_add_auth2(struct vg_result *res, enum vg_auth_method method,
    const char *symbol, const char *result, const char *value,
    const char *value2);
/* vg_result_fail - mark the stage failed with code and a reason */
void vg_result_fail(struct vg_result *res, int code, const char *fmt, ...)
    VG_PRINTF(3, 4);
/*
 * vg_result_force - a check insists on action with the given reply; the
 * strictest forced action across stages wins.
 */
void vg_result_force(struct vg_result *res, enum vg_action action,
    const char *code, const char *xcode, const char *symbol, const char *fmt,
    ...) VG_PRINTF(6, 7);
/*
 * vg_result_force_reply - vg_result_force() with the reply id of reply.h,
 * its places filled by arg1 and arg2 (NULL when it has none).
 */
void vg_result_force_reply(struct vg_result *res, enum vg_action action,
    const char *symbol, enum vg_reply_id id, const char *arg1,
    const char *arg2);
/* vg_result_has - true if symbol name is among the hits */
bool vg_result_has(const struct vg_result *res, const char *name);
/*
 * vg_result_detail - the detail of hit name ("" when it has none), or
 * NULL when name is not among the hits; points into res
 */
const char *vg_result_detail(const struct vg_result *res, const char *name);

#endif /* VG_RESULT_H */
