/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pool - a bounded worker pool, created by the front end.
 *
 * PURPOSE  Runs CPU-heavy jobs (stage scans) on a fixed number of threads
 *	    with a queue of fixed length, so load beyond capacity is refused
 *	    (VG_ELIMIT: the message tempfails and the MTA retries) instead
 *	    of exhausting memory.  lib/ starts threads only here, and only
 *	    when the front end asks.
 * OWNS     The pool owns its threads and queue; a job's argument is owned
 *	    by the job function.
 * LIMITS   max_queued jobs waiting; submit beyond that is VG_ELIMIT.
 * ERRORS   vg_pool_new(): VG_ENOMEM, VG_EINTERNAL (thread creation).
 * THREADS  vg_pool_submit() may be called from any thread.
 *	    vg_pool_free() runs the queued jobs, then joins the threads.
 */
#ifndef VG_POOL_H
#define VG_POOL_H

#include <stddef.h>

struct vg_pool;

typedef void (*vg_pool_job_fn)(void *arg);

/* vg_pool_new - start workers threads with room for max_queued jobs */
int vg_pool_new(struct vg_pool **out, unsigned workers, size_t max_queued);
/* vg_pool_submit - queue a job; VG_ELIMIT when the queue is full */
int vg_pool_submit(struct vg_pool *pool, vg_pool_job_fn fn, void *arg);
/* vg_pool_queued - jobs waiting (not running); a snapshot */
size_t vg_pool_queued(struct vg_pool *pool);
/* vg_pool_free - finish queued jobs, join, free; NULL is a no-op */
void vg_pool_free(struct vg_pool *pool);

#endif /* VG_POOL_H */
