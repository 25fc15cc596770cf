/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * spamhdr - SpamAssassin's header templates, rendered and folded as
 * Mail::SpamAssassin 4.0 renders and folds them.
 *
 * PURPOSE  X-Spam-Status, X-Spam-Level and the other X-Spam-* headers come
 *	    from templates (rules_headers.c: add_header) whose tags this
 *	    module fills in: _YESNO_, _YESNOCAPS_, _SCORE(PAD)_, _HITS_,
 *	    _REQD_, _TESTS(SEP)_, _TESTSSCORES(SEP)_, _SUBTESTS_,
 *	    _STARS(CHAR)_, _AUTOLEARN_, _VERSION_, _SUBVERSION_,
 *	    _HOSTNAME_, _REMOTEHOSTNAME_, _REMOTEHOSTADDR_, _BAYES_, _DATE_,
 *	    _REPORT_ and _SUMMARY_.  An unknown tag stays as written, as in
 *	    SpamAssassin (its bug 4793).  A one-line value is folded as
 *	    SpamAssassin's Util::wrap() folds "X-Spam-NAME: value": after
 *	    a blank or a comma, lines of at most 79 columns (a tab counts
 *	    8), continuation lines starting with a tab.  A value with line
 *	    breaks (_REPORT_) has each break turned into a newline and a tab.
 * LIMITS   The value before folding is cut at VG_SPAMHDR_VALUE_MAX bytes:
 *	    a list tag stops at an item that does not fit and ends with
 *	    "SEP...", any other text that does not fit is left out.
 * OWNS     Nothing; the caller's buffer receives the value.
 * ERRORS   VG_ENOMEM.
 * THREADS  Pure.
 */
#ifndef VG_SPAMHDR_H
#define VG_SPAMHDR_H

#include "base/buf.h"

struct vg_rules;
struct vg_verdict;

#define VG_SPAMHDR_VALUE_MAX 1800

/* What the tags are filled from; every string is sanitised here. */
struct vg_spamhdr_ctx {
	const struct vg_verdict *v;
	const struct vg_rules *rules; /* describe texts for _REPORT_ */
	const char *version;          /* _VERSION_ */
	const char *subversion;       /* _SUBVERSION_ */
	const char *hostname;         /* _HOSTNAME_ */
	const char *autolearn;        /* _AUTOLEARN_ (autolearn.h) */
	const char *client_addr;      /* _REMOTEHOSTADDR_ */
	const char *client_name;      /* _REMOTEHOSTNAME_ */
};

/*
 * vg_spamhdr_render - the value of X-Spam-name from tmpl, folded, into
 * out (initialised by the caller; what it held is replaced).  VG_ENOMEM.
 */
int vg_spamhdr_render(struct vg_buf *out, const char *name, const char *tmpl,
    const struct vg_spamhdr_ctx *ctx);

/*
 * vg_spamhdr_wrap - SpamAssassin's Util::wrap(): text broken after any
 * byte of brk into lines of at most width columns (tabs count 8), each
 * line after the first starting with prefix; first is put before the
 * text (and counts on the first line).  Appended to out.  VG_ENOMEM,
 * VG_ELIMIT.
 */
int vg_spamhdr_wrap(struct vg_buf *out, const char *text, const char *prefix,
    const char *first, size_t width, const char *brk);

#endif /* VG_SPAMHDR_H */
