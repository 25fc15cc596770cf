/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stage - the interface every stage implements, with a hook per SMTP phase.
 *
 * PURPOSE  A stage is a struct of function pointers (Postfix dict.h, Redis
 *	    dictType), with one optional hook per SMTP phase as Postfix's
 *	    own milter client has an event per phase: connect, helo, mail,
 *	    rcpt, eoh, body, eom, abort, and scan.  The session (session.h)
 *	    calls each stage's hook in the order of the stage table
 *	    (vg_stages[] in stages/stages.c), stopping a phase at the first
 *	    hook that refuses it; the front ends (vigil-milter, vigil scan)
 *	    only translate their input into those phases, so they run the
 *	    same hooks.  scan() is the end-of-message work: the scans of one
 *	    message's stages run concurrently on the worker pool, and each
 *	    fills one typed result (kind says how the verdict reads it).
 *	    A new stage is one new file in stages/ and one line in
 *	    stages/stages.c.  An engine creates each stage's state once, when
 *	    it is built.
 * NETWORK WAITS
 *	    The pool has scan_workers threads for CPU work; a thread that
 *	    waited there for DNS (or, later, Redis or clamd) would stall
 *	    every other message.  So a stage that waits on the network
 *	    splits its end-of-message work: scan_start() does the CPU part
 *	    on the pool and starts its lookups, and collect() waits for the
 *	    answers in the thread that waits for the scan anyway (the
 *	    milter's end-of-message callback in vg_scan_wait(), `vigil
 *	    scan` in vg_scan_run()), bounded by the scan's deadline.  The
 *	    score stage works this way (SPF, DNS blacklists, then the meta
 *	    rules, which need their symbols).
 * OWNS     create() returns state the stage's free() releases; it may take
 *	    a reference to the long-lived part of prev (the same stage's
 *	    state in the engine this one replaces, NULL on the first build).
 *	    State shared across engines and processes (rate-limit and
 *	    harvest counters) lives in env->store, the engine's store
 *	    (store/store.h), which survives a reload.  scan() and
 *	    scan_start() write into a result the caller initialised and will
 *	    free, and collect() adds to it.  Scratch from scan_start() is
 *	    the stage's until work_free(), which the scan calls when the
 *	    scan is freed, so a waiter that gave up never leaks it.
 * ERRORS   create(): VG_ECONFIG (text in err), VG_ENOMEM, VG_EIO.  A hook
 *	    returns 0 (with r->refuse set when it answers the phase) or a
 *	    VG_E* code when it could not decide; the front end then applies
 *	    on_error.  scan() returns 0 when it produced a verdict and a VG_E*
 *	    code (also set in res->status via vg_result_fail()) when it could
 *	    not; the verdict then applies on_error.  scan_start() and
 *	    collect() likewise.  A network answer that does not come by the
 *	    deadline is the stage's outcome (a *_TEMPERROR symbol), not an
 *	    error.
 * THREADS  Hooks, scan(), scan_start() and collect() run concurrently on
 *	    one state from many threads (one session's hooks are called one
 *	    at a time; one message's scan_start() and collect() run one
 *	    after the other, in different threads).
 */
#ifndef VG_STAGE_H
#define VG_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/log.h"
#include "core/result.h"

struct vg_conf;
struct vg_dns;
struct vg_msg;
struct vg_rules;
struct vg_sess;
struct vg_store;
struct vg_verdict;

/* At most this many stages in one engine (the table has fewer). */
#define VG_STAGES_MAX 8

/* What a stage is built with; borrowed for the engine's lifetime. */
struct vg_stage_env {
	const struct vg_conf *conf;   /* never NULL */
	const struct vg_rules *rules; /* never NULL: empty when none */
	struct vg_dns *dns;           /* the engine's one resolver, or NULL */
	void *prev;                   /* this stage's state in the old engine */
	struct vg_store *store;       /* the engine's shared counters */
	bool read_only; /* open own databases read-only (vg_engine_opts) */
	/* The reputation's counts (store.h), NULL with reputation = no. */
	struct vg_store *rep_store;
};

#define VG_HOOK_NOTES_MAX 2

/* What a hook answers its phase with; zeroed by the session. */
struct vg_hook_reply {
	bool refuse;              /* answer the phase with code/xcode/text */
	char code[4];             /* "451" */
	char xcode[12];           /* "4.7.1" */
	char text[VG_REASON_MAX]; /* the SMTP reply text */
	/* One log line after the queue id, sanitised; "" if none. */
	char log[VG_REASON_MAX];
	enum vg_log_level log_level; /* VG_LOG_INFO unless set */
	const char *symbol;          /* "RATELIMIT_MESSAGES", ...; static */
	/*
	 * Symbols the message carries into its verdict, refused or not
	 * (static; NULL: none): the hook's checks ran on a per-process
	 * fallback, RATELIMIT_UNAVAILABLE.  At CONNECT and HELO they go to
	 * every message of the connection (msg.h, notes).
	 */
	const char *notes[VG_HOOK_NOTES_MAX];
};

/* A recipient as the rcpt hook sees it. */
struct vg_rcpt {
	const char *addr; /* "user@example.org", no angle brackets */
	bool refused;     /* the MTA refused it already ({rcpt_mailer} error) */
};

struct vg_stage_ops {
	const char *name;
	enum vg_stage_kind kind;
	/* Is the stage wanted with conf?  NULL: always. */
	bool (*wanted)(const struct vg_conf *conf);
	/* Build per-engine state (NULL: none); *state_out may be NULL. */
	int (*create)(void **state_out, const struct vg_stage_env *env,
	    struct vg_err *err);
	/* Free what create() built; NULL is a no-op. */
	void (*free)(void *state);
	/* Version text for X-Virus-Scanned / -V, or NULL. */
	const char *(*version)(const void *state);

	/* The SMTP phases; each hook is optional (NULL: nothing to do). */
	int (*connect)(
	    void *state, const struct vg_sess *s, struct vg_hook_reply *r);
	int (*helo)(
	    void *state, const struct vg_sess *s, struct vg_hook_reply *r);
	int (*mail)(
	    void *state, const struct vg_sess *s, struct vg_hook_reply *r);
	int (*rcpt)(void *state, const struct vg_sess *s,
	    const struct vg_rcpt *rcpt, struct vg_hook_reply *r);
	int (*eoh)(
	    void *state, const struct vg_sess *s, struct vg_hook_reply *r);
	/* One chunk of the body as received (CRLF line ends). */
	int (*body)(void *state, const struct vg_sess *s,
	    const unsigned char *chunk, size_t len, struct vg_hook_reply *r);
	/* End of message, before the scans: the message is finished. */
	int (*eom)(
	    void *state, const struct vg_sess *s, struct vg_hook_reply *r);
	/* Scan one finished message (on the worker pool). */
	int (*scan)(
	    void *state, const struct vg_msg *msg, struct vg_result *res);
	/*
	 * A stage that waits on the network has these three instead of
	 * scan() (see NETWORK WAITS above).  scan_start() is its CPU work,
	 * on the pool, and leaves per-message scratch in *work_out (NULL
	 * on entry; the lookups it started).  collect() runs off the pool
	 * once every scan of the message is done, waits for the answers no
	 * later than deadline_ms (vg_clock_ms() time) and finishes res; it
	 * runs only if scan_start() succeeded.  work_free() frees the
	 * scratch, whether collect() ran or not; never called with NULL.
	 */
	int (*scan_start)(void *state, const struct vg_msg *msg,
	    struct vg_result *res, void **work_out);
	int (*collect)(void *state, const struct vg_msg *msg, void *work,
	    uint64_t deadline_ms, struct vg_result *res);
	void (*work_free)(void *state, void *work);
	/*
	 * After the verdict was applied, in the thread that waited for it,
	 * before work_free(): what a stage learns from the outcome (the
	 * classifier's autolearn).  Only vigil-milter calls it (through
	 * vg_scan_after()); `vigil scan` never changes what is stored.
	 * Runs for a stage whose scan_start() succeeded; work may be NULL.
	 */
	void (*verdict)(void *state, const struct vg_msg *msg, void *work,
	    const struct vg_verdict *v);
	/* The message was given up (the MTA aborted it, or it failed). */
	void (*abort)(void *state, const struct vg_sess *s);
};

/*
 * The stage table (stages/stages.c): every stage an engine may run, in
 * the order their hooks run and their results are merged.
 */
extern const struct vg_stage_ops *const vg_stages[];
extern const size_t vg_nstages;

#endif /* VG_STAGE_H */
