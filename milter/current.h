/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * current - what new messages are scanned with (the engine, its resolver,
 * the abuse state), and the reload thread that replaces it.
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
 *	    The DNS resolver (vg_dns, with its own event-loop thread) is
 *	    built with each engine from the same configuration and swapped
 *	    with it, so dns_servers and the DNS limits follow a reload; each
 *	    message attaches the resolver current at its MAIL FROM.  When a
 *	    new resolver cannot be built the old one stays.
 *	    The abuse state (rate limits and the harvest defence, abuse.h)
 *	    outlives engines: it is rebuilt, counters starting afresh, only
 *	    when a reload changes one of its keys (or after an in-place
 *	    reload, which leaves nothing to compare with).  Callers hold it
 *	    by reference (struct vgm_abuse), so a rebuild never frees it
 *	    under a callback.
 *	    The signature watch asks vg_sigwatch_changed() about
 *	    clamav_database every signature_check_interval (0 = never) and
 *	    reloads when freshclam wrote a new database.
 * OWNS     vgm_current_init() takes the caller's engine reference;
 *	    vgm_current_fini() drops it.  A reference from vgm_current_engine()
 *	    or vgm_current_dns() belongs to the caller
 *	    (vg_engine_unref(), vg_dns_unref()).
 * LIMITS   A reload changing socket, user, scan_workers or
 *	    max_queued_scans logs a warning: those need a restart.
 * THREADS  vgm_current_engine(), _dns(), _abuse() and
 *	    vgm_current_reload() may be called from any thread.  init,
 *	    start and fini run in the main thread.
 */
#ifndef VGM_CURRENT_H
#define VGM_CURRENT_H

#include <stdbool.h>

struct vg_abuse;
struct vg_dns;
struct vg_engine;

/* A reference-counted hold on the abuse state. */
struct vgm_abuse;

#define VGM_CURRENT_RETRY_MS 60000

/* vgm_current_init - remember path, take engine (must not be NULL) */
int vgm_current_init(const char *conf_path, struct vg_engine *engine);
/* vgm_current_start - start the reload and signature-watch thread */
int vgm_current_start(void);
/* vgm_current_engine - a new reference to the current engine, or NULL */
struct vg_engine *vgm_current_engine(void);
/* vgm_current_dns - a new reference to the resolver, or NULL */
struct vg_dns *vgm_current_dns(void);
/* vgm_current_abuse - a hold on the abuse state, or NULL */
struct vgm_abuse *vgm_current_abuse(void);
/* vgm_current_abuse_state - the state held; borrowed while the hold lasts */
struct vg_abuse *vgm_current_abuse_state(struct vgm_abuse *hold);
/* vgm_current_abuse_release - drop a hold; the last frees; NULL is a no-op */
void vgm_current_abuse_release(struct vgm_abuse *hold);
/* vgm_current_reload - ask the reload thread to reload now; returns at once */
void vgm_current_reload(void);
/* vgm_current_fini - stop the thread, drop the engine reference */
void vgm_current_fini(void);

#endif /* VGM_CURRENT_H */
