/* SPDX-License-Identifier: GPL-2.0-only */
/* scan - one message through every stage of one engine */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "core/engine.h"
#include "base/err.h"
#include "base/log.h"
#include "message/msg.h"
#include "base/pool.h"
#include "base/stats.h"
#include "core/scan.h"
#include "core/verdict.h"

struct stage_job {
	struct vg_scan *scan;
	size_t index; /* into results[] and jobs[] */
	size_t stage; /* the engine's stage */
};

/*
 * Reference counting: the waiter holds one reference and every queued job
 * holds one.  Whoever drops the last frees the scan, the message, the
 * stages' scratch and the engine reference, so a waiter that gave up on
 * its deadline never frees memory that a job is still reading, and the
 * scratch of a stage whose collect never ran is freed all the same.
 *
 * Network waits: a job runs a stage's scan (or scan_start, which leaves
 * scratch in work[]) and ends; the waiter runs each stage's collect in its
 * own thread as soon as that stage's job is done (so the SPF lookups of
 * the score stage overlap the virus scan still running on another
 * worker).  results[i] and work[i] are written by job i before it sets
 * finished[i] under the lock, and touched by the waiter only after it saw
 * finished[i] under the same lock; collected[i] is the waiter's alone.
 */
struct vg_scan {
	pthread_mutex_t lock;
	pthread_cond_t done;
	unsigned refs;
	size_t pending; /* jobs not finished */
	struct vg_engine *engine;
	struct vg_msg *msg;
	size_t nstages; /* stages that scan: results[] and jobs[] in use */
	bool finished[VG_STAGES_MAX];  /* job i is done (under lock) */
	bool collected[VG_STAGES_MAX]; /* the waiter took stage i */
	struct vg_result results[VG_STAGES_MAX];
	void *work[VG_STAGES_MAX]; /* scan_start() scratch, or NULL */
	struct stage_job jobs[VG_STAGES_MAX];
};

/*
 * run_stage - run stage i of the engine on msg into res, timed: its scan,
 * or its scan_start, which leaves scratch in *work
 */
static void
run_stage(const struct vg_engine *engine, size_t i, const struct vg_msg *msg,
    struct vg_result *res, void **work)
{
	void *state;
	const struct vg_stage_ops *ops = vg_engine_stage(engine, i, &state);
	uint64_t t0 = vg_clock_us();
	int rc;

	vg_result_init(res, ops->name);
	res->kind = ops->kind;
	*work = NULL;
	if (ops->scan_start != NULL)
		rc = ops->scan_start(state, msg, res, work);
	else
		rc = ops->scan(state, msg, res);
	if (rc != 0 && res->status == 0)
		vg_result_fail(res, rc, "%s", vg_strerror(rc));
	res->elapsed_us = vg_clock_us() - t0;
}

/*
 * collect_stage - the network part of stage i, in the calling thread, if
 * it has one and its scan_start succeeded; waits no later than
 * deadline_ms.  Its time is added to the stage's.  true if it ran.
 */
static bool
collect_stage(const struct vg_engine *engine, size_t i,
    const struct vg_msg *msg, void *work, uint64_t deadline_ms,
    struct vg_result *res)
{
	void *state;
	const struct vg_stage_ops *ops = vg_engine_stage(engine, i, &state);
	uint64_t t0 = vg_clock_us();
	int rc;

	if (ops->collect == NULL || res->status != 0)
		return false;
	rc = ops->collect(state, msg, work, deadline_ms, res);
	if (rc != 0 && res->status == 0)
		vg_result_fail(res, rc, "%s", vg_strerror(rc));
	res->elapsed_us += vg_clock_us() - t0;
	return true;
}

/* free_work - stage i's scratch; NULL is a no-op */
static void
free_work(const struct vg_engine *engine, size_t i, void *work)
{
	void *state;
	const struct vg_stage_ops *ops = vg_engine_stage(engine, i, &state);

	if (work != NULL)
		ops->work_free(state, work);
}

/*
 * scanning_stages - the engine's stages that have a scan or a scan_start
 * (the others work in the SMTP phases only), into idx; returns how many
 */
static size_t
scanning_stages(const struct vg_engine *engine, size_t idx[VG_STAGES_MAX])
{
	size_t n = 0;

	for (size_t i = 0; i < vg_engine_nstages(engine); i++) {
		void *state;
		const struct vg_stage_ops *ops =
		    vg_engine_stage(engine, i, &state);

		if (ops->scan != NULL || ops->scan_start != NULL)
			idx[n++] = i;
	}
	return n;
}

/* scan_free - free a scan whose last reference is gone */
static void
scan_free(struct vg_scan *scan)
{
	for (size_t i = 0; i < scan->nstages; i++) {
		free_work(scan->engine, scan->jobs[i].stage, scan->work[i]);
		vg_result_fini(&scan->results[i]);
	}
	vg_msg_free(scan->msg);
	vg_engine_unref(scan->engine);
	pthread_cond_destroy(&scan->done);
	pthread_mutex_destroy(&scan->lock);
	vg_free(scan);
}

/*
 * scan_unref - drop one reference (job: the finished job's, else the
 * waiter's); the last frees
 */
static void
scan_unref(struct vg_scan *scan, const struct stage_job *job)
{
	bool last;

	pthread_mutex_lock(&scan->lock);
	if (job != NULL) {
		scan->finished[job->index] = true;
		scan->pending--;
		/* The waiter may collect this stage now. */
		pthread_cond_signal(&scan->done);
	}
	last = --scan->refs == 0;
	pthread_mutex_unlock(&scan->lock);
	if (last)
		scan_free(scan);
}

/* stage_job_run - pool job: one stage of one message */
static void
stage_job_run(void *arg)
{
	struct stage_job *job = arg;
	struct vg_scan *scan = job->scan;

	run_stage(scan->engine, job->stage, scan->msg,
	    &scan->results[job->index], &scan->work[job->index]);
	scan_unref(scan, job);
}

/* vg_scan_start - queue msg's stages on pool */
int
vg_scan_start(struct vg_scan **out, struct vg_engine *engine,
    struct vg_msg *msg, struct vg_pool *pool)
{
	struct vg_scan *scan;
	pthread_condattr_t attr;
	size_t idx[VG_STAGES_MAX];
	size_t n = scanning_stages(engine, idx);
	int rc = 0;

	*out = NULL;
	if ((scan = vg_calloc(1, sizeof(*scan))) == NULL) {
		vg_msg_free(msg);
		return VG_ENOMEM;
	}
	pthread_mutex_init(&scan->lock, NULL);
	/* Deadlines are monotonic: a clock step must not cut a scan short. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&scan->done, &attr);
	pthread_condattr_destroy(&attr);
	scan->engine = vg_engine_ref(engine);
	scan->msg = msg; /* taken */
	scan->nstages = n;
	for (size_t i = 0; i < n; i++) {
		/* Results read by the verdict must be valid even if unused. */
		void *state;
		const struct vg_stage_ops *ops =
		    vg_engine_stage(engine, idx[i], &state);

		vg_result_init(&scan->results[i], ops->name);
		scan->results[i].kind = ops->kind;
		scan->jobs[i] = (struct stage_job){scan, i, idx[i]};
	}
	scan->refs = 1 + (unsigned)n;
	scan->pending = n;

	pthread_mutex_lock(&scan->lock);
	for (size_t i = 0; i < n; i++) {
		if ((rc = vg_pool_submit(
		         pool, stage_job_run, &scan->jobs[i])) == 0)
			continue;
		/*
		 * The pool is full.  Jobs already queued will run and drop
		 * their references; the ones not queued never hold one.
		 */
		scan->refs -= (unsigned)(n - i);
		scan->pending -= n - i;
		break;
	}
	pthread_mutex_unlock(&scan->lock);
	if (rc != 0) {
		vg_scan_release(scan);
		return rc;
	}
	*out = scan;
	return 0;
}

/* collect_ready - a finished stage awaits its collect; lock held */
static bool
collect_ready(const struct vg_scan *scan)
{
	for (size_t i = 0; i < scan->nstages; i++)
		if (scan->finished[i] && !scan->collected[i])
			return true;
	return false;
}

/*
 * next_collect - a stage whose job is done and whose collect the waiter
 * has not taken, marked taken; nstages when none.  Lock held.
 */
static size_t
next_collect(struct vg_scan *scan)
{
	for (size_t i = 0; i < scan->nstages; i++)
		if (scan->finished[i] && !scan->collected[i]) {
			scan->collected[i] = true;
			return i;
		}
	return scan->nstages;
}

/*
 * scan_count - the metrics of each stage of a scan that ended: its time
 * and whether it failed, or, when the scan's deadline passed (timed_out),
 * which stages it caught still running (their jobs, or their collects
 * when those were cut short).  Lock held: finished[] is read.
 */
static void
scan_count(const struct vg_scan *scan, bool timed_out, bool cut_short)
{
	for (size_t i = 0; i < scan->nstages; i++) {
		void *state;
		const struct vg_stage_ops *ops =
		    vg_engine_stage(scan->engine, scan->jobs[i].stage, &state);

		if (!timed_out) {
			const struct vg_result *r = &scan->results[i];

			vg_stats_observe_label(
			    VG_STAT_STAGE_SECONDS, ops->name, r->elapsed_us);
			if (r->status == VG_ETIMEOUT)
				vg_stats_inc_label(
				    VG_STAT_STAGE_TIMEOUTS, ops->name);
			else if (r->status != 0)
				vg_stats_inc_label(
				    VG_STAT_STAGE_ERRORS, ops->name);
		} else if (!scan->finished[i] ||
		    (cut_short && scan->collected[i] && ops->collect != NULL)) {
			vg_stats_inc_label(VG_STAT_STAGE_TIMEOUTS, ops->name);
		}
	}
}

/*
 * vg_scan_wait - wait for every stage's job up to timeout_ms, collecting
 * each stage's network answers in this thread as soon as its job is done,
 * within the same deadline; then decide
 */
int
vg_scan_wait(
    struct vg_scan *scan, uint64_t timeout_ms, struct vg_verdict **verdict_out)
{
	struct timespec deadline = vg_clock_deadline(timeout_ms);
	uint64_t deadline_ms = vg_clock_ms();
	bool waited = false;
	int rc = 0;

	deadline_ms = timeout_ms > UINT64_MAX - deadline_ms
	    ? UINT64_MAX
	    : deadline_ms + timeout_ms;

	*verdict_out = NULL;
	pthread_mutex_lock(&scan->lock);
	for (;;) {
		size_t i = next_collect(scan);
		int w;

		if (i < scan->nstages) {
			/* Stage i's job is done: nothing else writes its
			 * result or scratch now. */
			pthread_mutex_unlock(&scan->lock);
			waited |= collect_stage(scan->engine,
			    scan->jobs[i].stage, scan->msg, scan->work[i],
			    deadline_ms, &scan->results[i]);
			pthread_mutex_lock(&scan->lock);
			continue;
		}
		if (scan->pending == 0)
			break;
		w = pthread_cond_timedwait(&scan->done, &scan->lock, &deadline);
		if (w == ETIMEDOUT && scan->pending > 0 &&
		    !collect_ready(scan)) {
			rc = VG_ETIMEOUT;
			break;
		}
	}
	/* A collect cut short by the scan's deadline is a time-out. */
	if (rc == 0 && waited && vg_clock_ms() >= deadline_ms) {
		scan_count(scan, true, true);
		rc = VG_ETIMEOUT;
	} else {
		scan_count(scan, rc != 0, false);
	}
	pthread_mutex_unlock(&scan->lock);
	if (rc != 0)
		return rc;
	return vg_verdict_decide(
	    verdict_out, scan->engine, scan->msg, scan->results, scan->nstages);
}

/*
 * vg_scan_after - each stage's verdict hook, for the stages whose
 * scan_start succeeded; the jobs are all done (vg_scan_wait() returned a
 * verdict), so the scratch is the waiter's
 */
void
vg_scan_after(struct vg_scan *scan, const struct vg_verdict *v)
{
	for (size_t i = 0; i < scan->nstages; i++) {
		void *state;
		const struct vg_stage_ops *ops =
		    vg_engine_stage(scan->engine, scan->jobs[i].stage, &state);

		if (ops->verdict != NULL && ops->scan_start != NULL &&
		    scan->results[i].status == 0)
			ops->verdict(state, scan->msg, scan->work[i], v);
	}
}

/* vg_scan_release - the waiter is done with the scan */
void
vg_scan_release(struct vg_scan *scan)
{
	if (scan != NULL)
		scan_unref(scan, NULL);
}

/* vg_scan_run - every stage in the calling thread, then decide */
int
vg_scan_run(struct vg_verdict **verdict_out, const struct vg_engine *engine,
    const struct vg_msg *msg)
{
	struct vg_result results[VG_STAGES_MAX];
	void *work[VG_STAGES_MAX];
	size_t idx[VG_STAGES_MAX];
	size_t n = scanning_stages(engine, idx);
	int rc;

	for (size_t i = 0; i < n; i++)
		run_stage(engine, idx[i], msg, &results[i], &work[i]);
	/* No scan deadline here: each stage's own (dns_deadline) bounds it. */
	for (size_t i = 0; i < n; i++)
		(void)collect_stage(
		    engine, idx[i], msg, work[i], UINT64_MAX, &results[i]);
	rc = vg_verdict_decide(verdict_out, engine, msg, results, n);
	for (size_t i = 0; i < n; i++) {
		free_work(engine, idx[i], work[i]);
		vg_result_fini(&results[i]);
	}
	return rc;
}
