/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * session - one SMTP connection and its current message, run through the
 * hooks of every stage.
 *
 * PURPOSE  The one object both front ends drive: vigil-milter translates
 *	    each libmilter callback into one call here, and `vigil scan`
 *	    makes the same calls from its command line (connect, helo, mail,
 *	    one rcpt per --rcpt, the file's data, eom), so a message gets
 *	    the same hooks, the same refusals at the same phase and the same
 *	    verdict from both.  Each call runs that phase's hook of every
 *	    stage of the engine in table order and stops at the first that
 *	    refuses; the hook's log line is logged here, with the queue id,
 *	    so both front ends log the same words.  A recipient that a hook
 *	    refuses is not added to the message: the scans see only the
 *	    recipients the message will go to.  A hook's notes (stage.h:
 *	    RATELIMIT_UNAVAILABLE ...) are kept on the message (msg.h), and
 *	    those of CONNECT and HELO on every message of the connection,
 *	    for the verdict to list.  At most VG_MSG_NOTES_MAX per
 *	    connection and per message; more are dropped.
 *	    The session holds an engine only while it holds a message (from
 *	    MAIL FROM to the end of the message or an abort), so a long SMTP
 *	    session cannot pin an old engine.  connect and helo run with the
 *	    engine the caller passes and keep no reference.
 * OWNS     vg_sess_new() returns a session freed with vg_sess_free().
 *	    vg_sess_mail() takes its own engine reference.  Strings passed
 *	    in are copied.  vg_sess_msg() and vg_sess_engine() are borrowed
 *	    until the message ends.
 * LIMITS   Address and names are cut at VG_SESS_NAME_MAX bytes.  The
 *	    message is limited by vg_msg (max_message_size, headers,
 *	    recipients) from the engine's configuration.
 * ERRORS   Each phase returns 0 (r->refuse says whether a hook answered
 *	    it: the front end sends r's reply) or VG_E*: the message cannot
 *	    go on, and the front end applies on_error (vg_sess_on_error()),
 *	    then vg_sess_abort().  A hook error on a recipient the MTA
 *	    refused anyway is only logged.  VG_EINVAL for a phase out of
 *	    order (rcpt before mail).
 * THREADS  One session is used by one thread at a time.
 */
#ifndef VG_SESSION_H
#define VG_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "base/action.h"
#include "core/stage.h"

struct vg_engine;
struct vg_msg;
struct vg_pool;
struct vg_scan;
struct vg_verdict;

#define VG_SESS_NAME_MAX 256

struct vg_sess;

/* vg_sess_new - an empty session; VG_ENOMEM */
int vg_sess_new(struct vg_sess **out);
/* vg_sess_free - end any message, free everything; NULL is a no-op */
void vg_sess_free(struct vg_sess *s);

/*
 * The phases, in SMTP order.  Each resets *r first.  engine is borrowed
 * for the call (connect, helo) or referenced until the message ends
 * (mail); NULL runs no hooks (connect, helo).
 */
int vg_sess_connect(struct vg_sess *s, struct vg_engine *engine,
    const char *addr, const char *name, struct vg_hook_reply *r);
int vg_sess_helo(struct vg_sess *s, struct vg_engine *engine, const char *helo,
    struct vg_hook_reply *r);
/*
 * vg_sess_mail - a new message (ending any other); qid, auth may be NULL.
 * When a hook refuses it, the caller ends it (vg_sess_end()) after
 * sending the reply.
 */
int vg_sess_mail(struct vg_sess *s, struct vg_engine *engine, const char *from,
    const char *auth, const char *qid, struct vg_hook_reply *r);
/* vg_sess_rcpt - one recipient; refused: the MTA refused it already */
int vg_sess_rcpt(
    struct vg_sess *s, const char *rcpt, bool refused, struct vg_hook_reply *r);
/* vg_sess_header - one header as received (value with its space) */
int vg_sess_header(struct vg_sess *s, const char *name, const char *value);
int vg_sess_eoh(struct vg_sess *s, struct vg_hook_reply *r);
int vg_sess_body(struct vg_sess *s, const unsigned char *chunk, size_t len,
    struct vg_hook_reply *r);
/*
 * vg_sess_data_file - the whole message from a file instead of header,
 * eoh and body calls (vigil scan): read it with the engine's limits, keep
 * the envelope, then run the eoh hooks and the body hooks on its body as
 * one chunk.  VG_EIO when the file cannot be read.
 */
int vg_sess_data_file(
    struct vg_sess *s, const char *path, struct vg_hook_reply *r);
/* vg_sess_set_queue_id - the queue id, when the MTA gives it late */
int vg_sess_set_queue_id(struct vg_sess *s, const char *qid);
/* vg_sess_eom - finish the message and run the eom hooks */
int vg_sess_eom(struct vg_sess *s, struct vg_hook_reply *r);
/*
 * After vg_sess_eom(): scan the message.  vg_sess_scan_start() hands it to
 * a vg_scan on pool (scan.h; the session no longer holds it, whatever the
 * result); the caller's vg_scan_wait() then also runs the network waits
 * (SPF, DNS blacklists) in the caller's thread, off the pool.
 * vg_sess_scan_run() scans it, network waits included, in the calling
 * thread.  Either way the caller ends the message with vg_sess_end() when
 * done.
 */
int vg_sess_scan_start(
    struct vg_sess *s, struct vg_pool *pool, struct vg_scan **out);
int vg_sess_scan_run(struct vg_sess *s, struct vg_verdict **out);
/* vg_sess_end - the message is done: free it, drop its engine */
void vg_sess_end(struct vg_sess *s);
/* vg_sess_abort - run the abort hooks, then vg_sess_end() */
void vg_sess_abort(struct vg_sess *s);

/* Accessors for hooks and front ends; strings are "" when unset. */
const char *vg_sess_addr(const struct vg_sess *s);
const char *vg_sess_name(const struct vg_sess *s);
const char *vg_sess_helo_name(const struct vg_sess *s);
/* vg_sess_msg - the message being collected, or NULL */
struct vg_msg *vg_sess_msg(const struct vg_sess *s);
/* vg_sess_engine - the engine of the message, or NULL between messages */
struct vg_engine *vg_sess_engine(const struct vg_sess *s);
/*
 * vg_sess_phase_engine - the engine the running phase's hooks were called
 * with (for hooks: connect and helo run with no message)
 */
const struct vg_engine *vg_sess_phase_engine(const struct vg_sess *s);
/* vg_sess_qid - the message's queue id, or "NOQUEUE" */
const char *vg_sess_qid(const struct vg_sess *s);
/* vg_sess_rejected_rcpts - recipients refused (by the MTA or a hook) */
size_t vg_sess_rejected_rcpts(const struct vg_sess *s);
/* vg_sess_on_error - on_error of the message's engine; tempfail without */
enum vg_action vg_sess_on_error(const struct vg_sess *s);

/* vg_hook_refuse - fill r with the reply table's id, for symbol */
void vg_hook_refuse(struct vg_hook_reply *r, enum vg_reply_id id,
    const char *arg1, const char *symbol);

#endif /* VG_SESSION_H */
