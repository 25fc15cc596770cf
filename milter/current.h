/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reload - the current engine, and the thread that replaces it.
 *
 * PURPOSE  Holds the engine that new messages are scanned with, behind a
 *	    mutex.  Each message takes its own reference at MAIL FROM
 *	    (vgm_reload_acquire()), so a reload never disturbs a message in
 *	    flight and the last reference frees an old engine (OpenDKIM's
 *	    refcounted config, STYLE.md 7.4).  A reload is requested by
 *	    SIGHUP (vgm_reload_request()) or by the signature watch, and is
 *	    carried out by one reload thread, off the mail path: read the
 *	    configuration again from the same path, build a new engine,
 *	    swap it in, drop the old reference.  A failed build keeps the
 *	    old engine and logs every "file:line: reason".
 *	    With reload_in_place = yes the old engine is dropped first, so a
 *	    host never holds two ClamAV databases; while the new one builds
 *	    vgm_reload_acquire() returns NULL and mail gets 451 4.3.2.  If
 *	    that build fails it is tried once more; if it fails again there
 *	    is no engine until a reload succeeds: the thread tries again
 *	    every VGM_RELOAD_RETRY_MS, logging the errors each time.
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
 * OWNS     vgm_reload_init() takes the caller's engine reference;
 *	    vgm_reload_fini() drops it.  A reference from vgm_reload_acquire()
 *	    or vgm_reload_acquire_dns() belongs to the caller
 *	    (vg_engine_unref(), vg_dns_unref()).
 * LIMITS   A reload changing socket, user, scan_workers or
 *	    max_queued_scans logs a warning: those need a restart.
 * THREADS  acquire and request may be called from any thread.  init,
 *	    start and fini run in the main thread.
 */
#ifndef VGM_RELOAD_H
#define VGM_RELOAD_H

#include <stdbool.h>

struct vg_abuse;
struct vg_dns;
struct vg_engine;

/* A reference-counted hold on the abuse state. */
struct vgm_abuse;

#define VGM_RELOAD_RETRY_MS 60000

/* vgm_reload_init - remember path, take engine (must not be NULL) */
int vgm_reload_init(const char *conf_path, struct vg_engine *engine);
/* vgm_reload_start - start the reload and signature-watch thread */
int vgm_reload_start(void);
/* vgm_reload_acquire - a new reference to the current engine, or NULL */
struct vg_engine *vgm_reload_acquire(void);
/* vgm_reload_acquire_dns - a new reference to the resolver, or NULL */
struct vg_dns *vgm_reload_acquire_dns(void);
/* vgm_reload_acquire_abuse - a hold on the abuse state, or NULL */
struct vgm_abuse *vgm_reload_acquire_abuse(void);
/* vgm_abuse_state - the state held; borrowed while the hold lasts */
struct vg_abuse *vgm_abuse_state(struct vgm_abuse *hold);
/* vgm_abuse_release - drop a hold; the last frees; NULL is a no-op */
void vgm_abuse_release(struct vgm_abuse *hold);
/* vgm_reload_request - ask the reload thread to reload now; returns at once */
void vgm_reload_request(void);
/* vgm_reload_fini - stop the thread, drop the engine reference */
void vgm_reload_fini(void);

#endif /* VGM_RELOAD_H */
