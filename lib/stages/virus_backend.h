/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virus_backend - the seam between the virus stage and a scanner.
 *
 * PURPOSE  The virus stage (stage_virus.c) owns what does not depend on
 *	    the scanner: virus_scan = no, the oversize check, an unfinished
 *	    message, and the mapping of a backend's answer into vg_result.
 *	    A backend owns its engine and how it scans the raw message.
 * OWNS     Nothing: declarations only.  A backend's state is its own,
 *	    created by create() and freed by free().
 * LIMITS   Two backends: "clamav" (virus_clamav.c, in process) and
 *	    "clamd" (virus_clamd.c, on clamd servers); virus_backend picks.
 * STREAMING
 *	    A backend that sends the message to another process may take
 *	    it as it arrives instead of once it is complete: body() gets
 *	    each body chunk as the MTA hands it over (the message already
 *	    holds it, and its header block is complete), eom() the end of
 *	    the message, and collect() then gives the answer, off the scan
 *	    pool (stage.h, NETWORK WAITS), from that stream, or from the
 *	    message's stored copy when the stream broke or never started
 *	    (vigil scan of a unit test's message, a server that died
 *	    mid-stream).  The stream's state hangs off the message
 *	    (VG_MSG_SLOT_VIRUS) and is freed with it, so an aborted
 *	    message closes its stream.  A backend without body() (clamav)
 *	    scans the finished message in scan(), on the pool.
 * ERRORS   create() returns 0 or a VG_E* code with a sentence in err;
 *	    scan() and collect() return 0 with out->kind set, or a VG_E*
 *	    code with out->reason saying why (the stage applies on_error).
 *	    body() and eom() cannot fail: a stream that breaks is given up
 *	    and collect() falls back on the stored copy.
 * THREADS  scan() and collect() are called from many threads on one
 *	    state at once; body() and eom() of one message are called one
 *	    at a time (by the session), then collect() once, after them.
 */
#ifndef VG_STAGES_VIRUS_BACKEND_H
#define VG_STAGES_VIRUS_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "base/conf.h"
#include "base/err.h"
#include "core/result.h"
#include "message/msg.h"

enum vg_virus_answer {
	VG_VB_CLEAN,      /* scanned to the end, nothing found */
	VG_VB_INFECTED,   /* name[] says what */
	VG_VB_INCOMPLETE, /* not scanned to the end, reason[] says why */
};

/* What a backend's scan() found in one message. */
struct vg_virus_scan {
	enum vg_virus_answer kind;
	char name[VG_VIRUS_NAME_MAX]; /* INFECTED: raw name, stage sanitises */
	char reason[VG_REASON_MAX];   /* INCOMPLETE, or an error's text */
	/* The engine that answered, when it may differ per message ("ClamAV
	 * 1.4.6/27480" of the clamd server that scanned it); "" otherwise. */
	char engine[VG_VIRUS_ENGINE_MAX];
};

struct vg_virus_backend_ops {
	const char *name;
	int (*create)(
	    void **state_out, const struct vg_conf *conf, struct vg_err *err);
	/* msg is finished and non-empty; never called when disabled */
	int (*scan)(
	    void *state, const struct vg_msg *msg, struct vg_virus_scan *out);
	const char *(*version)(const void *state);
	void (*free)(void *state);
	/* Streaming (see STREAMING); all NULL for an in-process scanner. */
	void (*body)(void *state, struct vg_msg *msg,
	    const unsigned char *chunk, size_t len);
	void (*eom)(void *state, struct vg_msg *msg);
	/* The answer no later than deadline_ms (vg_clock_ms() time). */
	int (*collect)(void *state, const struct vg_msg *msg,
	    uint64_t deadline_ms, struct vg_virus_scan *out);
};

extern const struct vg_virus_backend_ops vg_virus_clamav_ops;
extern const struct vg_virus_backend_ops vg_virus_clamd_ops;

/* vg_virus_backend_find - the backend called name, or NULL */
const struct vg_virus_backend_ops *vg_virus_backend_find(const char *name);

#endif
