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
 * ERRORS   create() returns 0 or a VG_E* code with a sentence in err;
 *	    scan() returns 0 with out->kind set, or a VG_E* code with
 *	    out->reason saying why (the stage applies on_error).
 * THREADS  scan() is called from many threads on one state at once.
 */
#ifndef VG_STAGES_VIRUS_BACKEND_H
#define VG_STAGES_VIRUS_BACKEND_H

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
};

extern const struct vg_virus_backend_ops vg_virus_clamav_ops;
extern const struct vg_virus_backend_ops vg_virus_clamd_ops;

/* vg_virus_backend_find - the backend called name, or NULL */
const struct vg_virus_backend_ops *vg_virus_backend_find(const char *name);

#endif
