/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * action - the decisions a message can end in, and their names.
 *
 * PURPOSE  One enum shared by the config (virus_action, on_error, ...), the
 *	    verdict and the front ends, with the names users write in
 *	    vigil.conf and see in logs and in `vigil scan --json`.
 * THREADS  Pure functions.
 */
#ifndef VG_ACTION_H
#define VG_ACTION_H

enum vg_action {
	VG_ACTION_ACCEPT,     /* pass, with our headers */
	VG_ACTION_TAG,        /* pass, marked as spam */
	VG_ACTION_REJECT,     /* 5xx during the session */
	VG_ACTION_TEMPFAIL,   /* 4xx: the MTA keeps the message and retries */
	VG_ACTION_QUARANTINE, /* accept into the MTA's hold queue */
	VG_ACTION_DISCARD,    /* accept and drop (always logged) */
};

/* vg_action_name - "accept", "tag", ...; never NULL */
const char *vg_action_name(enum vg_action action);

/* vg_action_parse - name to action; 0 or VG_EINVAL */
int vg_action_parse(enum vg_action *out, const char *name);

/*
 * vg_action_strictness - ordering used to merge decisions: the stricter of
 * two actions wins (reject > tempfail > quarantine > discard > tag >
 * accept).
 */
int vg_action_strictness(enum vg_action action);

#endif /* VG_ACTION_H */
