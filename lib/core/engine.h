/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * engine - one generation of everything a message is scanned with:
 * configuration, rules, the one DNS resolver, and each stage's state (the
 * ClamAV engine, the compiled checks), and a reference to the store of
 * the rate-limit and harvest counters that outlive generations.
 *
 * PURPOSE  Everything a reload replaces is built together here and swapped
 *	    in as one pointer by the front end.  Each message takes a
 *	    reference when it begins (MAIL FROM) and drops it when it ends,
 *	    so in-flight messages finish on the engine they began with and
 *	    the last reference frees the old engine (OpenDKIM's refcounted
 *	    config).  A build that fails leaves nothing behind.  A build
 *	    given the engine it replaces (opts->prev) lets each stage carry
 *	    its long-lived state over, and the new engine takes a reference
 *	    to the old one's store (store/store.h, vg_store_for_conf()):
 *	    the rate-limit and harvest counters survive unless the store's
 *	    own settings changed (ratelimit_max_keys: then a fresh memory
 *	    store), and a limit whose value changed starts afresh because
 *	    its key names carry it (policy/ratelimit.h).  The rules are never
 *	    NULL: without a rules file the engine holds an empty compiled
 *	    set (the built-in defaults).
 *	    Outbound DKIM keys are read from their files by the first
 *	    engine (before the daemon drops root) and carried over by every
 *	    later one (vg_engine_opts.sign_keys); a key that cannot be read
 *	    fails the build with "file:line: reason".
 * OWNS     vg_engine_new() and vg_engine_build() take the config (in every
 *	    case: on failure it is freed) and return an engine with one
 *	    reference.  vg_engine_conf(), vg_engine_rules() and
 *	    vg_engine_dns() are borrowed for as long as the caller holds a
 *	    reference, and so is vg_engine_store() (take a reference with
 *	    vg_store_ref() to keep it longer).  opts->prev and opts->store
 *	    are borrowed for the build only.
 * ERRORS   VG_ECONFIG with "file:line: reason" or a sentence saying what to
 *	    do (no signature database: run freshclam) in err; VG_ENOMEM;
 *	    VG_EIO.
 * THREADS  ref/unref are atomic; an engine is read-only and shared.
 *	    vg_engine_global_init() must run once before any engine is made.
 *	    vg_engine_start() starts the resolver's thread: the daemon calls
 *	    it after fork and privilege drop, before the engine is used; an
 *	    engine never started (vigil scan, tests) drives DNS from the
 *	    thread that waits.
 */
#ifndef VG_ENGINE_H
#define VG_ENGINE_H

#include <stddef.h>

#include "base/err.h"
#include "core/stage.h"

struct vg_conf;
struct vg_dns;
struct vg_rules;
struct vg_store;
struct vg_engine;
struct vg_dkim_keys;

/* vg_engine_global_init - process-wide library setup (cl_init, GMime) */
int vg_engine_global_init(struct vg_err *err);

/* How to build an engine; a NULL opts is all defaults. */
struct vg_engine_opts {
	const struct vg_engine *prev; /* the engine this one replaces */
	/* The stages to run (tests); NULL: the stage table vg_stages[]. */
	const struct vg_stage_ops *const *stages;
	size_t nstages;
	/*
	 * The store to take over when prev is NULL (an in-place reload let
	 * go of the old engine first); NULL: prev's store, or a new one.
	 */
	struct vg_store *store;
	/*
	 * Stages open their own databases read-only and change nothing in
	 * them (`vigil scan`: the classifier reads, never creates the file
	 * nor learns).
	 */
	bool read_only;
	/* As store, for the reputation's counts (vg_engine_rep_store()). */
	struct vg_store *rep_store;
	/*
	 * The outbound DKIM keys (net/dkim_keys.h), borrowed.  With
	 * sign_keys_given the engine signs with sign_keys (NULL: not at
	 * all): the daemon's keys, read once while it was root.  Without,
	 * it takes prev's, or reads the files conf names.
	 */
	bool sign_keys_given;
	struct vg_dkim_keys *sign_keys;
	/*
	 * Load the rules without compiling their prefilter: what the
	 * prefilter cache lacks is left to PCRE2 alone and counted in the
	 * rules' stats (vg_rules_prefilter_defer()): the daemon serves at
	 * once and builds again, off the mail path, to compile it.
	 */
	bool prefilter_defer;
};

/* vg_engine_new - build an engine from conf (taken, see OWNS) */
int vg_engine_new(
    struct vg_engine **out, struct vg_conf *conf, struct vg_err *err);
/* vg_engine_build - vg_engine_new() with opts (may be NULL) */
int vg_engine_build(struct vg_engine **out, struct vg_conf *conf,
    const struct vg_engine_opts *opts, struct vg_err *err);
/* vg_engine_start - start the resolver thread; 0 or VG_EINTERNAL */
int vg_engine_start(struct vg_engine *engine);
/* vg_engine_ref - one more reference; returns engine */
struct vg_engine *vg_engine_ref(struct vg_engine *engine);
/* vg_engine_unref - drop a reference; the last frees; NULL is a no-op */
void vg_engine_unref(struct vg_engine *engine);

const struct vg_conf *vg_engine_conf(const struct vg_engine *engine);
/* vg_engine_rules - the compiled rules, never NULL */
const struct vg_rules *vg_engine_rules(const struct vg_engine *engine);
/* vg_engine_dns - the engine's resolver */
struct vg_dns *vg_engine_dns(const struct vg_engine *engine);
/* vg_engine_store - the engine's store of shared counters, borrowed */
struct vg_store *vg_engine_store(const struct vg_engine *engine);
/*
 * vg_engine_rep_store - the store of the reputation's counts
 * (vg_store_for_reputation()), borrowed; NULL with reputation = no
 */
struct vg_store *vg_engine_rep_store(const struct vg_engine *engine);

/*
 * vg_engine_sign_keys - the outbound DKIM keys, borrowed; NULL when the
 * engine does not sign (take a reference with vg_dkim_keys_ref())
 */
struct vg_dkim_keys *vg_engine_sign_keys(const struct vg_engine *engine);

/* Stages, in table order (hooks and results). */
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
