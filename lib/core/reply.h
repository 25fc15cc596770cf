/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reply - every SMTP reply Vigil can send, in one table.
 *
 * PURPOSE  The code, enhanced code (RFC 3463) and text of each refusal
 *	    and temporary failure, named by an enum, so one refusal has one
 *	    wording wherever it is sent from (the verdict, a check, the
 *	    session-time limits, the milter's own failures) and a site or a
 *	    translator finds them all in reply.c.  A text may hold up to two
 *	    "%s" places, filled in order by vg_reply_text(); there is no
 *	    printf on the table, so a text can never mismatch its arguments.
 *	    Success replies are the MTA's: Vigil sends none.
 * OWNS     vg_reply() returns a static entry.
 * LIMITS   A filled text is cut to the caller's buffer (VG_REASON_MAX in
 *	    every caller); an argument is copied as it is, so a caller
 *	    sanitises what came from the message before or after.
 * THREADS  Pure functions over a constant table.
 */
#ifndef VG_REPLY_H
#define VG_REPLY_H

#include <stddef.h>

enum vg_reply_id {
	/* The verdict (decide.c). */
	VG_REPLY_ON_ERROR,     /* Vigil could not scan, on_error = tempfail: the
			      same words whether a stage failed (the verdict)
			      or the scan never finished (the front end) */
	VG_REPLY_SPAM,         /* %s: the score */
	VG_REPLY_SPAM_HELD,    /* outbound spam, outbound_spam_action */
	VG_REPLY_VIRUS,        /* %s: the virus name */
	VG_REPLY_VIRUS_HELD,   /* virus_action = tempfail */
	VG_REPLY_UNSCANNED,    /* %s: why the scan stopped short */
	VG_REPLY_TOO_BIG,      /* oversize_action = reject */
	VG_REPLY_TOO_BIG_HELD, /* oversize_action = tempfail */
	VG_REPLY_FORGED_OVERFLOW, /* more forged status headers than indexed */
	/* The checks of the score stage. */
	VG_REPLY_ATTACHMENT,    /* %s: the attachment's name or type */
	VG_REPLY_BLOCK_CLIENT,  /* block_client (also at RCPT) */
	VG_REPLY_BLOCK_FROM,    /* block_from (also at RCPT) */
	VG_REPLY_BLOCK_RCPT,    /* block_rcpt (also at RCPT) */
	VG_REPLY_SPF_FAIL,      /* %s: the domain, %s: its explanation */
	VG_REPLY_SPF_FAIL_BARE, /* %s: the domain, which gave no explanation */
	VG_REPLY_DMARC_FAIL,    /* %s: the From: domain (p=reject) */
	/* The session-time limits (abuse.c). */
	VG_REPLY_RATE_CONNECTIONS,
	VG_REPLY_RATE_MESSAGES_LOGIN,
	VG_REPLY_RATE_MESSAGES_CLIENT,
	VG_REPLY_RATE_RECIPIENTS_LOGIN,
	VG_REPLY_RATE_RECIPIENTS_CLIENT,
	VG_REPLY_HARVEST,
	/* The milter's own. */
	VG_REPLY_RELOADING,     /* no engine during an in-place reload */
	VG_REPLY_SHUTTING_DOWN, /* MAIL FROM after SIGTERM */
	VG_REPLY_BUSY,          /* the scan queue is full */
	VG_REPLY_REJECTED,      /* a reject verdict that carried no 5xx reply */
	VG_REPLY_UNKNOWN_ACTION, /* a bug: Postfix milter8's 451 4.3.5 */
	VG_REPLY_NREPLIES        /* not a reply: the size of the table */
};

struct vg_reply {
	const char *code;  /* "550" */
	const char *xcode; /* "5.7.1" */
	const char *text;  /* with nargs "%s" places */
	unsigned nargs;
};

/* vg_reply - the table's entry for id; static.  Panics on a bad id. */
const struct vg_reply *vg_reply(enum vg_reply_id id);

/*
 * vg_reply_text - id's text with its "%s" places filled by arg1 and arg2
 * in order (NULL as ""), written to buf (size > 0) and cut to fit.
 * Returns the length written.
 */
size_t vg_reply_text(char *buf, size_t size, enum vg_reply_id id,
    const char *arg1, const char *arg2);

#endif /* VG_REPLY_H */
