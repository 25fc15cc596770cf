/* SPDX-License-Identifier: GPL-2.0-only */
/* engine - one generation of everything a message is scanned with */
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
#include "net/dkim_keys.h"
#include "net/dns.h"
#include "rules/rules.h"
#include "core/stage.h"
#include "message/text.h"
#include "store/store.h"
#include "core/version.h"

struct vg_engine {
	atomic_uint refs;
	struct vg_conf *conf;
	struct vg_rules *rules; /* never NULL: empty when no rules file */
	struct vg_dns *dns;     /* the one resolver of this engine */
	struct vg_store *store; /* shared counters, carried across reloads */
	struct vg_store *rep_store; /* reputation counts, or NULL; likewise */
	struct vg_dkim_keys *sign_keys; /* outbound DKIM, or NULL; likewise */
	const struct vg_stage_ops *ops[VG_STAGES_MAX];
	void *state[VG_STAGES_MAX];
	size_t nstages;
	const char *virus_version; /* borrowed from the virus stage */
	bool read_only;            /* vg_engine_opts.read_only */
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
		if (engine->ops[i]->free != NULL)
			engine->ops[i]->free(engine->state[i]);
	vg_dns_unref(engine->dns);
	vg_store_unref(engine->store);
	vg_store_unref(engine->rep_store);
	vg_dkim_keys_unref(engine->sign_keys);
	vg_rules_free(engine->rules);
	vg_conf_free(engine->conf);
	vg_free(engine);
}

/* prev_state - the state ops had in the engine prev, or NULL */
static void *
prev_state(const struct vg_engine *prev, const struct vg_stage_ops *ops)
{
	if (prev == NULL)
		return NULL;
	for (size_t i = 0; i < prev->nstages; i++)
		if (prev->ops[i] == ops)
			return prev->state[i];
	return NULL;
}

/* add_stage - create one stage's state and append it */
static int
add_stage(struct vg_engine *engine, const struct vg_stage_ops *ops,
    const struct vg_engine *prev, struct vg_err *err)
{
	struct vg_stage_env env = {engine->conf, engine->rules, engine->dns,
	    prev_state(prev, ops), engine->store, engine->read_only,
	    engine->rep_store};
	void *state = NULL;
	int rc;

	if (engine->nstages == VG_STAGES_MAX)
		vg_panic("engine: more than %d stages", VG_STAGES_MAX);
	if (ops->wanted != NULL && !ops->wanted(engine->conf))
		return 0;
	/* A stage without create() has no state of its own. */
	if (ops->create != NULL && (rc = ops->create(&state, &env, err)) != 0)
		return rc;
	engine->ops[engine->nstages] = ops;
	engine->state[engine->nstages] = state;
	engine->nstages++;
	if (ops->kind == VG_STAGE_VIRUS && ops->version != NULL)
		engine->virus_version = ops->version(state);
	return 0;
}

/*
 * check_tmp_dir - spill files go to tmp_dir (and ClamAV's files too when
 * clamav_tmp_dir is the same directory).  An unusable tmp_dir stops the
 * engine from being built rather than fail mail later; clamav_tmp_dir is
 * checked by the virus stage, which makes its directory there.
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

/* vg_engine_build - build an engine from conf (taken in every case) */
int
vg_engine_build(struct vg_engine **out, struct vg_conf *conf,
    const struct vg_engine_opts *opts, struct vg_err *err)
{
	const struct vg_stage_ops *const *stages = vg_stages;
	size_t nstages = vg_nstages;
	const struct vg_engine *prev = NULL;
	struct vg_engine *engine;
	bool read_only = false;
	int rc;

	*out = NULL;
	if (opts != NULL) {
		prev = opts->prev;
		read_only = opts->read_only;
		if (opts->stages != NULL) {
			stages = opts->stages;
			nstages = opts->nstages;
		}
	}
	if ((engine = vg_calloc(1, sizeof(*engine))) == NULL) {
		vg_conf_free(conf);
		return VG_ENOMEM;
	}
	atomic_init(&engine->refs, 1);
	engine->conf = conf; /* taken */
	engine->virus_version = "";
	engine->read_only = read_only;
	if ((rc = check_tmp_dir(conf, err)) != 0)
		goto fail;
	/* The process's setting: this engine's rules are loaded next. */
	if ((rc = vg_rules_prefilter_cache(conf->prefilter_cache)) != 0) {
		vg_err_add(err, NULL, 0, "out of memory");
		goto fail;
	}
	vg_rules_prefilter_defer(opts != NULL && opts->prefilter_defer);
	if (conf->rules != NULL && *conf->rules != '\0' &&
	    conf->sa_update_dir != NULL && *conf->sa_update_dir != '\0')
		rc = vg_rules_load_sa(
		    &engine->rules, conf->rules, conf->sa_update_dir, err);
	else if (conf->rules != NULL && *conf->rules != '\0')
		rc = vg_rules_load(&engine->rules, conf->rules, err);
	else
		rc = vg_rules_parse(&engine->rules, "", 0, "(no rules)", err);
	if (rc != 0)
		goto fail;
	/* One resolver for every stage; its thread starts in vg_engine_start. */
	if ((rc = vg_dns_new(&engine->dns, conf, err)) != 0)
		goto fail;
	/* The previous engine's store, unless its own settings changed. */
	rc = vg_store_for_conf(&engine->store, conf,
	    prev != NULL       ? prev->store
	        : opts != NULL ? opts->store
	                       : NULL);
	if (rc != 0)
		goto fail;
	/* Likewise the reputation's (NULL with reputation = no). */
	rc = vg_store_for_reputation(&engine->rep_store, conf,
	    prev != NULL       ? prev->rep_store
	        : opts != NULL ? opts->rep_store
	                       : NULL);
	if (rc != 0)
		goto fail;
	/* The daemon's keys, prev's, or read now (dkim_keys.h). */
	if (opts != NULL && opts->sign_keys_given)
		engine->sign_keys = vg_dkim_keys_ref(opts->sign_keys);
	else if (prev != NULL)
		engine->sign_keys = vg_dkim_keys_ref(prev->sign_keys);
	else if ((rc = vg_dkim_keys_load(&engine->sign_keys, conf, err)) != 0)
		goto fail;
	for (size_t i = 0; i < nstages; i++)
		if ((rc = add_stage(engine, stages[i], prev, err)) != 0)
			goto fail;
	*out = engine;
	return 0;
fail:
	engine_free(engine);
	return rc;
}

/* vg_engine_new - vg_engine_build() with the stage table, no previous */
int
vg_engine_new(struct vg_engine **out, struct vg_conf *conf, struct vg_err *err)
{
	return vg_engine_build(out, conf, NULL, err);
}

/* vg_engine_start - start the resolver's thread */
int
vg_engine_start(struct vg_engine *engine)
{
	return vg_dns_start_thread(engine->dns);
}

/* vg_engine_dns - the engine's resolver, borrowed */
struct vg_dns *
vg_engine_dns(const struct vg_engine *engine)
{
	return engine->dns;
}

/* vg_engine_store - the engine's store, borrowed */
struct vg_store *
vg_engine_store(const struct vg_engine *engine)
{
	return engine->store;
}

/* vg_engine_rep_store - the reputation's store, borrowed, or NULL */
struct vg_store *
vg_engine_rep_store(const struct vg_engine *engine)
{
	return engine->rep_store;
}

/* vg_engine_sign_keys - the outbound DKIM keys, borrowed, or NULL */
struct vg_dkim_keys *
vg_engine_sign_keys(const struct vg_engine *engine)
{
	return engine->sign_keys;
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

/* vg_engine_rules - the compiled rules, borrowed, never NULL */
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
