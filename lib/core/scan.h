/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scan - one message through every stage of one engine.
 *
 * PURPOSE  Starts the stages of a message on the worker pool (the virus
 *	    and score stages run concurrently), lets the caller wait with a
 *	    deadline, and merges the results into a verdict.  The pool is
 *	    for CPU work only: a stage that waits on the network (stage.h,
 *	    NETWORK WAITS) does its CPU part there, and the waiter, once
 *	    every job is done, runs the stage's collect in its own thread,
 *	    within the same deadline.  So a message waiting for DNS holds its
 *	    waiter (the milter's end-of-message thread), never a worker.  A
 *	    caller whose deadline passes walks away (and applies on_error);
 *	    the jobs still running finish on their own and the last one out
 *	    frees the scan, with the stages' scratch, so no thread ever
 *	    touches freed memory and no job is cancelled mid-scan.
 * OWNS     vg_scan_start() takes the message in every case (on failure it
 *	    is freed) and a new reference to the engine.  The caller owns
 *	    the scan until vg_scan_release().  A verdict from vg_scan_wait()
 *	    belongs to the caller.
 * LIMITS   VG_ELIMIT from vg_scan_start() when the pool's queue is full.
 *	    timeout_ms bounds the whole wait: the jobs, then the collects
 *	    (a stage's own deadline, dns_deadline, may end them sooner).
 * ERRORS   VG_ETIMEOUT from vg_scan_wait() when the deadline passes, while
 *	    the jobs run or while collecting.
 * THREADS  A scan has one waiter, which also runs the collects; its jobs
 *	    run on pool threads.
 */
#ifndef VG_SCAN_H
#define VG_SCAN_H

#include <stdint.h>

struct vg_engine;
struct vg_msg;
struct vg_pool;
struct vg_verdict;
struct vg_scan;

/* vg_scan_start - queue msg's stages on pool; *out owned by the caller */
int vg_scan_start(struct vg_scan **out, struct vg_engine *engine,
    struct vg_msg *msg, struct vg_pool *pool);
/*
 * vg_scan_wait - wait up to timeout_ms for all stages (their pool jobs,
 * then their collects in this thread), then decide.  On success
 * *verdict_out is a new verdict.  VG_ETIMEOUT, VG_ENOMEM.
 */
int vg_scan_wait(
    struct vg_scan *scan, uint64_t timeout_ms, struct vg_verdict **verdict_out);
/*
 * vg_scan_after - tell the stages the verdict v that was applied to the
 * message (stage.h, verdict()): after a successful vg_scan_wait(), before
 * vg_scan_release().  The milter's end of message calls it; it may wait
 * on the classifier's store (bounded by the store's own timeout).
 */
void vg_scan_after(struct vg_scan *scan, const struct vg_verdict *v);
/* vg_scan_release - the caller is done; NULL is a no-op */
void vg_scan_release(struct vg_scan *scan);

/*
 * vg_scan_run - run every stage, collects included, in the calling thread
 * and decide (for `vigil scan` and tests); no deadline but the stages'
 * own.  msg stays the caller's.
 */
int vg_scan_run(struct vg_verdict **verdict_out, const struct vg_engine *engine,
    const struct vg_msg *msg);

#endif /* VG_SCAN_H */
