/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stage_virus - the virus stage: the raw message through a virus backend.
 *
 * PURPOSE  What does not depend on the scanner (virus_backend.h): the
 *	    stage ops, virus_scan = no, the oversize check, an unfinished
 *	    message, and the mapping of a backend's answer into vg_result.
 * OWNS     The backend's state, through its create() and free().
 * LIMITS   The backend is chosen by name, virus_backend: "clamav"
 *	    (virus_clamav.c) or "clamd" (virus_clamd.c).
 * ERRORS   A backend error is the stage's error: vg_result_fail() with
 *	    the backend's text, and the verdict applies on_error.
 * THREADS  scan_start() and collect() run on many threads at once on one
 *	    read-only state.
 *
 * The scan is split (stage.h, NETWORK WAITS): scan_start() on the pool
 * does what follows and, for the in-process backend, the scan itself;
 * a backend that streams to a server (clamd) is sent each body chunk by
 * the body hook as it arrives and the end by the eom hook, and its answer
 * is waited for in collect(), off the pool, so a message waiting for
 * clamd holds no pool thread.
 *
 * Outcomes of scan_start() and collect() (result.h, enum vg_virus_outcome):
 *   virus_scan = no                      -> DISABLED
 *   over max_message_size                -> TOO_LARGE "too large"
 *   the backend found a virus            -> INFECTED, res->virus = its
 *					     name (sanitised ASCII)
 *   part of the message was not scanned  -> INCOMPLETE, res->unscanned
 *					     says why
 *   scanned to the end, nothing found    -> CLEAN
 *   a backend error                      -> its code and text
 */
#include <string.h>

#include "base/alloc.h"
#include "base/compiler.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "core/result.h"
#include "core/session.h"
#include "core/stage.h"
#include "stages/stages.h"
#include "message/msg.h"
#include "stages/virus_backend.h"

struct virus_stage {
	const struct vg_virus_backend_ops *be;
	void *bstate;
};

static const struct vg_virus_backend_ops *const virus_backends[] = {
    &vg_virus_clamav_ops,
    &vg_virus_clamd_ops,
};

const struct vg_virus_backend_ops *
vg_virus_backend_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < VG_NELEM(virus_backends); i++)
		if (strcmp(virus_backends[i]->name, name) == 0)
			return virus_backends[i];
	return NULL;
}

/* virus_free - free the backend and the stage; NULL is a no-op */
static void
virus_free(void *state)
{
	struct virus_stage *vs = state;

	if (vs == NULL)
		return;
	vs->be->free(vs->bstate);
	vg_free(vs);
}

/* virus_create - the backend's state; *state_out NULL when disabled */
static int
virus_create(
    void **state_out, const struct vg_stage_env *env, struct vg_err *err)
{
	const struct vg_conf *conf = env->conf;
	const struct vg_virus_backend_ops *be;
	struct virus_stage *vs;
	const char *name;
	int rc;

	*state_out = NULL;
	if (!conf->virus_scan)
		return 0;
	/* A conf built by hand (the unit tests) has no name: the default. */
	name = conf->virus_backend != NULL ? conf->virus_backend : "clamav";
	if ((be = vg_virus_backend_find(name)) == NULL) {
		vg_err_add(err, NULL, 0, "virus: no backend '%s'", name);
		return VG_EINTERNAL;
	}
	if ((vs = vg_calloc(1, sizeof(*vs))) == NULL)
		return VG_ENOMEM;
	vs->be = be;
	if ((rc = be->create(&vs->bstate, conf, err)) != 0) {
		vg_free(vs);
		return rc;
	}
	*state_out = vs;
	return 0;
}

/*
 * virus_map - a backend's answer (rc, out) into res; rc back, so an
 * error stays the stage's error
 */
static int
virus_map(const struct virus_stage *vs, int rc, const struct vg_virus_scan *out,
    struct vg_result *res)
{
	if (rc != 0) {
		vg_result_fail(res, rc, "%s", out->reason);
		return rc;
	}
	vg_sanitize_str(res->scanned_by, sizeof(res->scanned_by), out->engine,
	    VG_SANITIZE_ASCII);
	switch (out->kind) {
	case VG_VB_CLEAN:
		res->outcome = VG_VIRUS_CLEAN;
		return 0;
	case VG_VB_INCOMPLETE:
		res->outcome = VG_VIRUS_INCOMPLETE;
		(void)vg_str_fmt(
		    res->unscanned, sizeof(res->unscanned), "%s", out->reason);
		return 0;
	case VG_VB_INFECTED:
		res->outcome = VG_VIRUS_INFECTED;
		/* Names can come from file content (bytecode): sanitise. */
		vg_sanitize_str(res->virus, sizeof(res->virus),
		    out->name[0] != '\0' ? out->name : "Unknown",
		    VG_SANITIZE_ASCII);
		if (res->virus[0] == '\0')
			(void)vg_str_fmt(
			    res->virus, sizeof(res->virus), "Unknown");
		return 0;
	}
	vg_result_fail(res, VG_EINTERNAL, "%s: unknown answer", vs->be->name);
	return VG_EINTERNAL;
}

/*
 * virus_scan_start - on the pool: what needs no scanner, then the
 * in-process scan; a streaming backend's answer is left to
 * virus_collect(), with res->outcome still VG_VIRUS_NOT_RUN
 */
static int
virus_scan_start(void *state, const struct vg_msg *msg, struct vg_result *res,
    void **work_out)
{
	struct virus_stage *vs = state;
	struct vg_virus_scan out;
	size_t len;

	*work_out = NULL;
	res->outcome = VG_VIRUS_NOT_RUN;
	res->virus[0] = '\0';
	res->unscanned[0] = '\0';
	if (vs == NULL) {
		res->outcome = VG_VIRUS_DISABLED;
		(void)vg_str_fmt(
		    res->unscanned, sizeof(res->unscanned), "disabled");
		return 0;
	}
	if (vg_msg_oversized(msg)) {
		res->outcome = VG_VIRUS_TOO_LARGE;
		(void)vg_str_fmt(
		    res->unscanned, sizeof(res->unscanned), "too large");
		return 0;
	}
	(void)vg_msg_raw(msg, &len);
	if (len == 0 && vg_msg_size(msg) > 0) {
		/* Bytes arrived but none are readable: not finished. */
		vg_result_fail(res, VG_EINTERNAL, "%s: message not finished",
		    vs->be->name);
		return VG_EINTERNAL;
	}
	if (len == 0) {
		res->outcome = VG_VIRUS_CLEAN;
		return 0;
	}
	if (vs->be->collect != NULL)
		return 0; /* the answer is waited for off the pool */
	memset(&out, 0, sizeof(out));
	return virus_map(vs, vs->be->scan(vs->bstate, msg, &out), &out, res);
}

/*
 * virus_collect - off the pool: a streaming backend's answer, when
 * virus_scan_start() left it to be waited for
 */
static int
virus_collect(void *state, const struct vg_msg *msg, void *work,
    uint64_t deadline_ms, struct vg_result *res)
{
	struct virus_stage *vs = state;
	struct vg_virus_scan out;

	(void)work;
	if (vs == NULL || vs->be->collect == NULL ||
	    res->outcome != VG_VIRUS_NOT_RUN)
		return 0;
	memset(&out, 0, sizeof(out));
	return virus_map(
	    vs, vs->be->collect(vs->bstate, msg, deadline_ms, &out), &out, res);
}

/*
 * virus_body - a body chunk to a streaming backend as it arrives; the
 * message being collected holds it already.  Never refuses, never fails:
 * a stream that breaks is the backend's to recover at collect.
 */
static int
virus_body(void *state, const struct vg_sess *s, const unsigned char *chunk,
    size_t len, struct vg_hook_reply *r)
{
	struct virus_stage *vs = state;
	struct vg_msg *msg = vg_sess_msg(s);

	(void)r;
	if (vs != NULL && vs->be->body != NULL && msg != NULL && len > 0)
		vs->be->body(vs->bstate, msg, chunk, len);
	return 0;
}

/* virus_eom - the end of the message to a streaming backend */
static int
virus_eom(void *state, const struct vg_sess *s, struct vg_hook_reply *r)
{
	struct virus_stage *vs = state;
	struct vg_msg *msg = vg_sess_msg(s);

	(void)r;
	if (vs != NULL && vs->be->eom != NULL && msg != NULL)
		vs->be->eom(vs->bstate, msg);
	return 0;
}

/* virus_version_text - the backend's version text, NULL when disabled */
static const char *
virus_version_text(const void *state)
{
	const struct virus_stage *vs = state;

	return vs != NULL ? vs->be->version(vs->bstate) : NULL;
}

/* virus_wanted - the engine has no virus stage with virus_scan = no */
static bool
virus_wanted(const struct vg_conf *conf)
{
	return conf->virus_scan;
}

const struct vg_stage_ops vg_stage_virus_ops = {
    .name = "virus",
    .kind = VG_STAGE_VIRUS,
    .wanted = virus_wanted,
    .create = virus_create,
    .scan_start = virus_scan_start,
    .collect = virus_collect,
    .body = virus_body,
    .eom = virus_eom,
    .free = virus_free,
    .version = virus_version_text,
};
