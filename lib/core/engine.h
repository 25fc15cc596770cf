/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * engine - the immutable, reference-counted bundle a message is scanned
 * with: configuration, rules, and each stage's state (the ClamAV engine).
 *
 * PURPOSE  Everything a reload replaces is built together here and swapped
 *	    in as one pointer by the front end.  Each message takes a
 *	    reference when its scan starts and drops it when the scan is
 *	    released, so in-flight messages finish on the engine they began
 *	    with and the last reference frees the old engine (OpenDKIM's
 *	    refcounted config).  A build that fails leaves nothing behind.
 * OWNS     vg_engine_new() takes the config (in every case: on failure it
 *	    is freed) and returns an engine with one reference.
 *	    vg_engine_conf() and vg_engine_rules() are borrowed for as long
 *	    as the caller holds a reference.
 * ERRORS   VG_ECONFIG with "file:line: reason" or a sentence saying what to
 *	    do (no signature database: run freshclam) in err; VG_ENOMEM;
 *	    VG_EIO.
 * THREADS  ref/unref are atomic; an engine is read-only and shared.
 *	    vg_engine_global_init() must run once before any engine is made.
 */
#ifndef VG_ENGINE_H
#define VG_ENGINE_H

#include <stddef.h>

#include "base/err.h"
#include "core/stage.h"

struct vg_conf;
struct vg_rules;
struct vg_engine;

/* vg_engine_global_init - process-wide library setup (cl_init, GMime) */
int vg_engine_global_init(struct vg_err *err);

/* vg_engine_new - build an engine from conf (taken, see OWNS) */
int vg_engine_new(
    struct vg_engine **out, struct vg_conf *conf, struct vg_err *err);
/* vg_engine_ref - one more reference; returns engine */
struct vg_engine *vg_engine_ref(struct vg_engine *engine);
/* vg_engine_unref - drop a reference; the last frees; NULL is a no-op */
void vg_engine_unref(struct vg_engine *engine);

const struct vg_conf *vg_engine_conf(const struct vg_engine *engine);
/* vg_engine_rules - the compiled rules, or NULL when none are loaded */
const struct vg_rules *vg_engine_rules(const struct vg_engine *engine);

/* Stages, in the order their results are merged. */
size_t vg_engine_nstages(const struct vg_engine *engine);
const struct vg_stage_ops *vg_engine_stage(
    const struct vg_engine *engine, size_t i, void **state_out);

/*
 * vg_engine_virus_version - "ClamAV 1.4.6/27000" for X-Virus-Scanned, or ""
 * when virus scanning is off; borrowed.
 */
const char *vg_engine_virus_version(const struct vg_engine *engine);

/* vg_version - Vigil's version string */
const char *vg_version(void);

#endif /* VG_ENGINE_H */
