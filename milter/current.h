/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * current - the engine new messages are scanned with, and the reload
 * thread that replaces it.
 *
 * PURPOSE  Holds the engine that new messages are scanned with, behind a
 *	    mutex.  Each message takes its own reference at MAIL FROM
 *	    (vgm_current_engine()), so a reload never disturbs a message in
 *	    flight and the last reference frees an old engine (OpenDKIM's
 *	    refcounted config, STYLE.md 7.4).  A reload is requested by
 *	    SIGHUP (vgm_current_reload()) or by the signature watch, and is
 *	    carried out by one reload thread, off the mail path: read the
 *	    configuration again from the same path, build a new engine,
 *	    swap it in, drop the old reference.  A failed build keeps the
 *	    old engine and logs every "file:line: reason".
 *	    With reload_in_place = yes the old engine is dropped first, so a
 *	    host never holds two ClamAV databases; while the new one builds
 *	    vgm_current_engine() returns NULL and mail gets 451 4.3.2.  If
 *	    that build fails it is tried once more; if it fails again there
 *	    is no engine until a reload succeeds: the thread tries again
 *	    every VGM_CURRENT_RETRY_MS, logging the errors each time.
 *	    Everything a message is scanned with is one engine generation
 *	    (core/engine.h): the DNS resolver is built with each engine, its
 *	    event-loop thread started (vg_engine_start()) before the engine
 *	    is swapped in, so dns_servers and the DNS limits follow a
 *	    reload; the rate-limit and harvest counters live in the engine's
 *	    store (store/store.h), which the new engine takes over from the
 *	    old one (opts.prev, or opts.store after an in-place reload let
 *	    go of the old engine) unless ratelimit_max_keys changed; a
 *	    limit whose value changed starts afresh (its counters' names
 *	    carry it).  A reload swaps one pointer.
 *	    The signature watch asks vg_sigwatch_changed() about
 *	    clamav_database every signature_check_interval (0 = never) and
 *	    reloads when freshclam wrote a new database.
 *	    The prefilter: every build on this path loads the rules with
 *	    what the prefilter cache holds and leaves the rest to PCRE2
 *	    alone (same verdicts, more CPU; vg_rules_prefilter_defer()), so
 *	    a start or reload with a cold cache serves at once instead of
 *	    compiling (about 30 s of CPU for SpamAssassin's rules).  The
 *	    reload thread then builds the engine again with the prefilter
 *	    compiled, in a thread of its own at nice VGM_CURRENT_NICE, while
 *	    the current engine serves, and swaps it in as a reload does
 *	    (never in place; not counted as a reload).  It logs when the
 *	    compile starts and when the prefilter is in use, with the time
 *	    taken; a build that fails is logged and the rules keep running
 *	    through PCRE2 alone until the next reload.  A stop during the
 *	    compile waits for one database at most (vg_rules_prefilter_stop).
 * OWNS     vgm_current_init() takes the caller's engine reference (and
 *	    starts its resolver thread); vgm_current_fini() drops it.  A
 *	    reference from vgm_current_engine() belongs to the caller
 *	    (vg_engine_unref()).
 * LIMITS   A reload changing socket, user, scan_workers or
 *	    max_queued_scans logs a warning: those need a restart.
 * THREADS  vgm_current_engine() and vgm_current_reload() may be called
 *	    from any thread.  init,
 *	    start and fini run in the main thread.
 */
#ifndef VGM_CURRENT_H
#define VGM_CURRENT_H

#include <stdbool.h>

struct vg_engine;

#define VGM_CURRENT_RETRY_MS 60000
/* The nice value of the thread that compiles the rules' prefilter. */
#define VGM_CURRENT_NICE 10

/* vgm_current_init - remember path, start and take engine (not NULL) */
int vgm_current_init(const char *conf_path, struct vg_engine *engine);
/* vgm_current_start - start the reload and signature-watch thread */
int vgm_current_start(void);
/* vgm_current_engine - a new reference to the current engine, or NULL */
struct vg_engine *vgm_current_engine(void);
/* vgm_current_reload - ask the reload thread to reload now; returns at once */
void vgm_current_reload(void);
/*
 * vgm_current_stopping - the daemon is stopping: no reload or background
 * prefilter compile is swapped in from now on (a compile stops at its next
 * database); returns at once, vgm_current_fini() joins the thread
 */
void vgm_current_stopping(void);
/* vgm_current_fini - stop the thread, drop the engine reference */
void vgm_current_fini(void);

#endif /* VGM_CURRENT_H */
