/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * abuse - the session-time limits: rate limits and the harvest defence.
 *
 * PURPOSE  What the abuse stage (stage_abuse.c) asks at each SMTP step, in
 *	    one place.  It holds one rate-limit
 *	    table per limit of vigil.conf (ratelimit.h) and the harvest
 *	    tracker (harvest.h), and answers:
 *	      CONNECT  connections per minute of an outside client; a
 *	               client cooling off after a harvest;
 *	      MAIL     messages per hour of a SASL login or of an internal
 *	               client (trusted_networks), per minute of an outside
 *	               client; a client cooling off;
 *	      RCPT     recipients per hour of a login or internal client; a
 *	               client cooling off;
 *	      RCPT the MTA rejected ({rcpt_mailer} = "error"): one unknown
 *	               recipient for the harvest count.
 *	    A refusal is 451 4.7.1 with a reply a sender can read (reply.h)
 *	    and a log line that names the source (the login or the address)
 *	    and the count.  The counters are in a store (store/store.h)
 *	    the engine owns and hands on to the next engine: a vg_abuse is
 *	    only the tables' parameters, built afresh with each engine.
 *	    Each table's key names carry its limit and window (and the
 *	    harvest's its cooling-off period), so after a reload a table
 *	    whose keys did not change keeps counting and one whose keys
 *	    changed starts afresh.
 * OWNS     vg_abuse_new() returns state the caller frees with
 *	    vg_abuse_free(); it holds references to the store.
 * LIMITS   The ratelimit_* and harvest_* keys of vigil.conf.  The store
 *	    bounds the keys of every table together (the memory store:
 *	    ratelimit_max_keys keys of about 150 bytes; a client counted by
 *	    a limit takes one or two, a harvest hold one more).
 * ERRORS   VG_ENOMEM; then the caller applies on_error.  A shared store
 *	    that cannot be reached (Redis down or slow: VG_ETEMP) is not an
 *	    error: the event is counted in tables over a memory store of
 *	    this process instead (ratelimit_max_keys keys), so the limits
 *	    hold per process until Redis answers again, and a Redis outage
 *	    never holds mail up (the store logs the outage once, and its
 *	    recovery).  The reply then names RATELIMIT_UNAVAILABLE (a rate
 *	    limit counted locally) or HARVEST_UNAVAILABLE (a harvest hold
 *	    or unknown recipient looked up or counted locally), which the
 *	    message carries as a symbol (score 0 in the shipped rules).
 * THREADS  Every call is thread-safe.
 */
#ifndef VG_ABUSE_H
#define VG_ABUSE_H

#include <stdbool.h>

#include "policy/ratelimit.h"
#include "core/result.h"

struct vg_conf;
struct vg_store;
struct vg_abuse;

struct vg_abuse_reply {
	bool refuse;              /* answer code/xcode/text to this step */
	char code[4];             /* "451" */
	char xcode[12];           /* "4.7.1" */
	char text[VG_REASON_MAX]; /* the SMTP reply text */
	char log[VG_REASON_MAX];  /* one log line, sanitised; "" if none */
	const char *symbol;       /* "RATELIMIT_MESSAGES", ...; static */
	/*
	 * The shared store did not answer and the step was looked up or
	 * counted in this process's memory instead: "HARVEST_UNAVAILABLE"
	 * (the harvest hold or count) and "RATELIMIT_UNAVAILABLE" (a rate
	 * limit), static symbols for the message; NULL when the store
	 * answered.
	 */
	const char *unavailable[2]; /* [0] harvest, [1] rate limit */
};

/* vg_abuse_new - tables for conf's limits over store (the clock is its) */
int vg_abuse_new(
    struct vg_abuse **out, const struct vg_conf *conf, struct vg_store *store);
/* vg_abuse_free - NULL is a no-op */
void vg_abuse_free(struct vg_abuse *ab);

/*
 * Each hook fills *out (refuse false when the step may go on; a log line
 * may still be set, e.g. when a harvest hold starts) and returns 0 or
 * VG_ENOMEM or VG_ETEMP.  conf is the configuration of the engine in use (for
 * trusted_networks); client is the address text, auth the SASL login
 * ("" or NULL: none).
 */
int vg_abuse_connect(struct vg_abuse *ab, struct vg_abuse_reply *out,
    const struct vg_conf *conf, const char *client);
int vg_abuse_mail(struct vg_abuse *ab, struct vg_abuse_reply *out,
    const struct vg_conf *conf, const char *client, const char *auth);
int vg_abuse_rcpt(struct vg_abuse *ab, struct vg_abuse_reply *out,
    const struct vg_conf *conf, const char *client, const char *auth);
int vg_abuse_rcpt_rejected(struct vg_abuse *ab, struct vg_abuse_reply *out,
    const struct vg_conf *conf, const char *client);

#endif /* VG_ABUSE_H */
