/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * metrics - the daemon's metrics: the registry it installs, the HTTP
 * listener that serves it, and the figures only the milter knows.
 *
 * PURPOSE  With metrics_listen set, vigil-milter creates the registry of
 *	    every metric in base/stats.h and installs it, so the engine's
 *	    hooks count; opens the listening socket before it detaches (so
 *	    "port in use" reaches the terminal and stops the start, exit 1);
 *	    and, once running, serves GET /metrics from it with
 *	    libmicrohttpd (a well-kept HTTP server rather than one written
 *	    here: the listener faces whatever connects to the port).  It
 *	    also counts what only the milter sees: each message's direction
 *	    and action, virus, rules and classifier state, from the verdict;
 *	    the signature version and time of each new engine; the queue
 *	    depth and messages in flight, read at each scrape.
 * OWNS     The registry and the listener, from vgm_metrics_open() to
 *	    vgm_metrics_stop(); the registry stays installed until exit
 *	    (threads that outlive the stop may still count into it).
 * LIMITS   VGM_METRICS_CONNECTIONS connections at once, each closed after
 *	    VGM_METRICS_TIMEOUT_S idle seconds; requests other than GET or
 *	    HEAD get 405, paths other than /metrics 404.  The body is at
 *	    most VG_METRICS_TEXT_MAX bytes (else 500).
 * ERRORS   vgm_metrics_open() prints "metrics_listen ADDR: reason" on
 *	    stderr and returns -1; vgm_metrics_start() logs and returns -1.
 * THREADS  libmicrohttpd runs one thread of its own, started by
 *	    vgm_metrics_start() after the signals are blocked, so it takes
 *	    none.  vgm_metrics_message() may run in any thread.
 */
#ifndef VGM_METRICS_H
#define VGM_METRICS_H

#include <stdint.h>

#include "base/action.h"

struct vg_engine;
struct vg_pool;
struct vg_verdict;

#define VGM_METRICS_CONNECTIONS 16
#define VGM_METRICS_TIMEOUT_S   10

/*
 * vgm_metrics_open - listen on addr (empty: do nothing) and install
 * the registry: before the daemon detaches.  0, or -1 after saying why.
 */
int vgm_metrics_open(const char *addr);
/*
 * vgm_metrics_start - serve GET /metrics on the socket opened before;
 * pool and queue_limit give the queue depth.  0 when there is nothing to
 * serve, -1 after logging why.
 */
int vgm_metrics_start(struct vg_pool *pool, uint64_t queue_limit);
/* vgm_metrics_stop - stop serving (the registry stays installed) */
void vgm_metrics_stop(void);

/*
 * vgm_metrics_message - count one message that ended with action after
 * total_us; verdict is NULL when it ended without one
 */
void vgm_metrics_message(
    const struct vg_verdict *verdict, enum vg_action action, uint64_t total_us);
/* vgm_metrics_engine - the signatures of a new current engine */
void vgm_metrics_engine(const struct vg_engine *engine);

#endif /* VGM_METRICS_H */
