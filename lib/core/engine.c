/* SPDX-License-Identifier: GPL-2.0-only */
/* engine - the immutable, refcounted bundle a message is scanned with */
#include <clamav.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/conf.h"
#include "core/engine.h"
#include "base/err.h"
#include "base/log.h"
#include "rules/rules.h"
#include "core/stage.h"
#include "message/text.h"
#include "core/version.h"

#define MAX_STAGES 4

struct vg_engine {
	atomic_uint refs;
	struct vg_conf *conf;
	struct vg_rules *rules;
	const struct vg_stage_ops *ops[MAX_STAGES];
	void *state[MAX_STAGES];
	size_t nstages;
	const char *virus_version; /* borrowed from the virus stage */
};

/* vg_version - Vigil's version string */
const char *
vg_version(void)
{
	return VG_VERSION;
}

/* vg_engine_global_init - process-wide library setup, once */
int
vg_engine_global_init(struct vg_err *err)
{
	static atomic_bool done;
	cl_error_t rc;

	if (atomic_exchange(&done, true))
		return 0;
	if ((rc = cl_init(CL_INIT_DEFAULT)) != CL_SUCCESS) {
		vg_err_add(err, NULL, 0, "cannot initialise libclamav: %s",
		    cl_strerror(rc));
		return VG_EINTERNAL;
	}
	if (vg_text_global_init() != 0) {
		vg_err_add(err, NULL, 0, "cannot initialise the MIME library");
		return VG_EINTERNAL;
	}
	return 0;
}

/* engine_free - free an engine whose last reference is gone */
static void
engine_free(struct vg_engine *engine)
{
	for (size_t i = 0; i < engine->nstages; i++)
		engine->ops[i]->free(engine->state[i]);
	vg_rules_free(engine->rules);
	vg_conf_free(engine->conf);
	vg_free(engine);
}

/* add_stage - create one stage's state and append it */
static int
add_stage(struct vg_engine *engine, const struct vg_stage_ops *ops,
    struct vg_err *err)
{
	void *state = NULL;
	int rc;

	if ((rc = ops->create(&state, engine->conf, engine->rules, err)) != 0)
		return rc;
	engine->ops[engine->nstages] = ops;
	engine->state[engine->nstages] = state;
	engine->nstages++;
	return 0;
}

/*
 * check_tmp_dir - spill files and ClamAV's unpacked archive members go to
 * tmp_dir.  If it cannot be written, ClamAV skips what it cannot unpack
 * and reports the message clean, so an unusable tmp_dir must stop the
 * engine from being built rather than let mail through unscanned.
 */
static int
check_tmp_dir(const struct vg_conf *conf, struct vg_err *err)
{
	struct stat st;

	if (stat(conf->tmp_dir, &st) != 0) {
		vg_err_add(err, conf->path, 0, "tmp_dir %s: %s", conf->tmp_dir,
		    strerror(errno));
		return VG_ECONFIG;
	}
	if (!S_ISDIR(st.st_mode)) {
		vg_err_add(err, conf->path, 0, "tmp_dir %s: not a directory",
		    conf->tmp_dir);
		return VG_ECONFIG;
	}
	if (access(conf->tmp_dir, W_OK | X_OK) != 0) {
		vg_err_add(err, conf->path, 0, "tmp_dir %s: not writable: %s",
		    conf->tmp_dir, strerror(errno));
		return VG_ECONFIG;
	}
	return 0;
}

/* vg_engine_new - build an engine from conf (taken in every case) */
int
vg_engine_new(struct vg_engine **out, struct vg_conf *conf, struct vg_err *err)
{
	struct vg_engine *engine;
	int rc;

	*out = NULL;
	if ((engine = vg_calloc(1, sizeof(*engine))) == NULL) {
		vg_conf_free(conf);
		return VG_ENOMEM;
	}
	atomic_init(&engine->refs, 1);
	engine->conf = conf; /* taken */
	engine->virus_version = "";
	if ((rc = check_tmp_dir(conf, err)) != 0)
		goto fail;
	if (conf->rules != NULL && *conf->rules != '\0' &&
	    (rc = vg_rules_load(&engine->rules, conf->rules, err)) != 0)
		goto fail;
	/*
	 * Stage order is the order results are merged and timed in the log
	 * line: virus first, then score.
	 */
	if (conf->virus_scan) {
		if ((rc = add_stage(engine, &vg_stage_virus_ops, err)) != 0)
			goto fail;
		if (vg_stage_virus_ops.version != NULL)
			engine->virus_version = vg_stage_virus_ops.version(
			    engine->state[engine->nstages - 1]);
	}
	if ((rc = add_stage(engine, &vg_stage_score_ops, err)) != 0)
		goto fail;
	*out = engine;
	return 0;
fail:
	engine_free(engine);
	return rc;
}

/* vg_engine_ref - one more reference */
struct vg_engine *
vg_engine_ref(struct vg_engine *engine)
{
	atomic_fetch_add_explicit(&engine->refs, 1, memory_order_relaxed);
	return engine;
}

/* vg_engine_unref - drop a reference; the last frees */
void
vg_engine_unref(struct vg_engine *engine)
{
	if (engine == NULL)
		return;
	/* acq_rel: the freeing thread sees every other thread's last use. */
	if (atomic_fetch_sub_explicit(&engine->refs, 1, memory_order_acq_rel) ==
	    1)
		engine_free(engine);
}

/* vg_engine_conf - the engine's configuration, borrowed */
const struct vg_conf *
vg_engine_conf(const struct vg_engine *engine)
{
	return engine->conf;
}

/* vg_engine_rules - the compiled rules, borrowed, or NULL */
const struct vg_rules *
vg_engine_rules(const struct vg_engine *engine)
{
	return engine->rules;
}

/* vg_engine_nstages - how many stages run on each message */
size_t
vg_engine_nstages(const struct vg_engine *engine)
{
	return engine->nstages;
}

/* vg_engine_stage - stage i's operations and state */
const struct vg_stage_ops *
vg_engine_stage(const struct vg_engine *engine, size_t i, void **state_out)
{
	if (i >= engine->nstages)
		vg_panic("engine: stage %zu of %zu", i, engine->nstages);
	*state_out = engine->state[i];
	return engine->ops[i];
}

/* vg_engine_virus_version - "ClamAV x/y" or "" */
const char *
vg_engine_virus_version(const struct vg_engine *engine)
{
	return engine->virus_version != NULL ? engine->virus_version : "";
}
