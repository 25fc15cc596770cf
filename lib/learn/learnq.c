/* SPDX-License-Identifier: GPL-2.0-only */
/* learnq - autolearn off the mail path (learnq.h) */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "base/stats.h"
#include "base/str.h"
#include "learn/learnq.h"

#define QID_MAX 64

/* One message to learn: copies of what the push was given. */
struct job {
	struct vg_tokens toks; /* toks.v owned */
	uint8_t digest[16];
	enum vg_bayes_class cls;
	double score;
	char qid[QID_MAX];
};

struct vg_learnq {
	struct vg_bayes *db; /* the caller's */
	pthread_mutex_t mu;
	pthread_cond_t more; /* a job was queued, or stop */
	pthread_cond_t idle; /* the queue ran empty */
	struct job *ring;    /* max jobs */
	size_t max, head, n;
	bool busy;     /* the thread is learning a job taken off */
	bool started;  /* the thread runs */
	bool stopping; /* vg_learnq_free(): finish and leave */
	bool held;     /* vg_learnq_hold() */
	bool dropping; /* in a run of refusals (one log line a run) */
	pid_t pid;     /* the process the thread runs in */
	pthread_t thread;
	struct vg_learnq_stats st;
};

/* job_learn - learn one job and log it, outside the lock */
static void
job_learn(struct vg_learnq *q, struct job *j)
{
	const char *what = j->cls == VG_BAYES_SPAM ? "spam" : "ham";
	const char *qid = j->qid[0] != '\0' ? j->qid : "NOQUEUE";
	enum vg_bayes_learned done;
	int rc;

	rc = vg_bayes_learn(q->db, &j->toks, j->digest, j->cls, false, &done);
	if (rc != 0)
		vg_warn(
		    "%s: autolearn=%s failed: %s", qid, what, vg_strerror(rc));
	else if (done != VG_BAYES_ALREADY) {
		vg_stats_inc_at(VG_STAT_BAYES_AUTOLEARN,
		    j->cls == VG_BAYES_SPAM ? VG_STATS_SPAM : VG_STATS_HAM);
		vg_info(
		    "%s: autolearn=%s (rules score %.1f)", qid, what, j->score);
	}
	pthread_mutex_lock(&q->mu);
	if (rc != 0)
		q->st.failed++;
	else
		q->st.learned++;
	pthread_mutex_unlock(&q->mu);
}

/* learner - the queue's thread: take jobs in order until stopped and empty */
static void *
learner(void *arg)
{
	struct vg_learnq *q = arg;
	struct job j;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->stopping && (q->n == 0 || q->held))
			pthread_cond_wait(&q->more, &q->mu);
		if (q->n == 0)
			break; /* stopping, and nothing left */
		j = q->ring[q->head];
		memset(&q->ring[q->head], 0, sizeof(q->ring[q->head]));
		q->head = (q->head + 1) % q->max;
		q->n--;
		q->busy = true;
		pthread_mutex_unlock(&q->mu);
		job_learn(q, &j);
		vg_free(j.toks.v);
		pthread_mutex_lock(&q->mu);
		q->busy = false;
		if (q->n == 0)
			pthread_cond_broadcast(&q->idle);
	}
	q->busy = false;
	pthread_cond_broadcast(&q->idle);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* vg_learnq_new - a queue over db of at most max_jobs */
int
vg_learnq_new(struct vg_learnq **out, struct vg_bayes *db, size_t max_jobs)
{
	struct vg_learnq *q;

	*out = NULL;
	if (max_jobs == 0)
		max_jobs = 1;
	if ((q = vg_calloc(1, sizeof(*q))) == NULL)
		return VG_ENOMEM;
	if ((q->ring = vg_calloc(max_jobs, sizeof(*q->ring))) == NULL) {
		vg_free(q);
		return VG_ENOMEM;
	}
	q->db = db;
	q->max = max_jobs;
	if (pthread_mutex_init(&q->mu, NULL) != 0) {
		vg_free(q->ring);
		vg_free(q);
		return VG_EINTERNAL;
	}
	if (pthread_cond_init(&q->more, NULL) != 0) {
		pthread_mutex_destroy(&q->mu);
		vg_free(q->ring);
		vg_free(q);
		return VG_EINTERNAL;
	}
	if (pthread_cond_init(&q->idle, NULL) != 0) {
		pthread_cond_destroy(&q->more);
		pthread_mutex_destroy(&q->mu);
		vg_free(q->ring);
		vg_free(q);
		return VG_EINTERNAL;
	}
	*out = q;
	return 0;
}

/* vg_learnq_push - queue a copy of the message's tokens and digest */
int
vg_learnq_push(struct vg_learnq *q, const struct vg_tokens *t,
    const uint8_t d[16], enum vg_bayes_class cls, const char *qid, double score)
{
	struct job j = {.cls = cls, .score = score};
	int rc = 0;

	if (t->n > 0) {
		if ((j.toks.v = vg_reallocarray(NULL, t->n, sizeof(*t->v))) ==
		    NULL)
			return VG_ENOMEM;
		memcpy(j.toks.v, t->v, t->n * sizeof(*t->v));
	}
	j.toks.n = t->n;
	j.toks.flags = t->flags;
	memcpy(j.digest, d, sizeof(j.digest));
	(void)vg_str_fmt(j.qid, sizeof(j.qid), "%s", qid != NULL ? qid : "");

	pthread_mutex_lock(&q->mu);
	/* Forked since the thread started (learnq.h, THREAD): start anew. */
	if (q->started && q->pid != getpid())
		q->started = false;
	if (q->stopping) {
		rc = VG_ELIMIT;
	} else if (q->n >= q->max) {
		rc = VG_ELIMIT;
		q->st.dropped++;
		if (!q->dropping)
			vg_warn("%s: autolearn=%s skipped: %zu messages are "
			        "waiting to be learned already (the database "
			        "is slow); said once until one is queued again",
			    j.qid[0] != '\0' ? j.qid : "NOQUEUE",
			    cls == VG_BAYES_SPAM ? "spam" : "ham", q->max);
		q->dropping = true;
	} else if (!q->started &&
	    pthread_create(&q->thread, NULL, learner, q) != 0) {
		rc = VG_EINTERNAL;
		vg_warn("autolearn off: cannot start its thread: %s",
		    strerror(errno));
	} else {
		if (!q->started)
			q->pid = getpid();
		q->started = true;
		q->ring[(q->head + q->n) % q->max] = j;
		q->n++;
		q->st.pushed++;
		q->dropping = false;
		j.toks.v = NULL; /* the queue's now */
		pthread_cond_signal(&q->more);
	}
	pthread_mutex_unlock(&q->mu);
	vg_free(j.toks.v);
	return rc;
}

/* vg_learnq_wait_idle - nothing queued or being learned, within timeout */
bool
vg_learnq_wait_idle(struct vg_learnq *q, uint64_t timeout_ms)
{
	uint64_t deadline = vg_clock_ms() + timeout_ms;
	bool idle;

	pthread_mutex_lock(&q->mu);
	while ((q->n > 0 && !q->held) || q->busy) {
		uint64_t now = vg_clock_ms();
		struct timespec ts;

		if (now >= deadline)
			break;
		/* The condition's clock is the wall clock: wait in slices. */
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&q->idle, &q->mu, &ts);
	}
	idle = q->n == 0 && !q->busy;
	pthread_mutex_unlock(&q->mu);
	return idle;
}

/* vg_learnq_hold - stop or resume taking jobs */
void
vg_learnq_hold(struct vg_learnq *q, bool hold)
{
	pthread_mutex_lock(&q->mu);
	q->held = hold;
	pthread_cond_broadcast(&q->more);
	pthread_mutex_unlock(&q->mu);
}

/* vg_learnq_stats - the counts so far */
void
vg_learnq_stats(struct vg_learnq *q, struct vg_learnq_stats *out)
{
	pthread_mutex_lock(&q->mu);
	*out = q->st;
	pthread_mutex_unlock(&q->mu);
}

/* vg_learnq_free - learn what is queued, then stop the thread */
void
vg_learnq_free(struct vg_learnq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = true;
	q->held = false;
	pthread_cond_broadcast(&q->more);
	pthread_mutex_unlock(&q->mu);
	if (q->started && q->pid == getpid())
		(void)pthread_join(q->thread, NULL);
	for (size_t i = 0; i < q->n; i++)
		vg_free(q->ring[(q->head + i) % q->max].toks.v);
	pthread_cond_destroy(&q->idle);
	pthread_cond_destroy(&q->more);
	pthread_mutex_destroy(&q->mu);
	vg_free(q->ring);
	vg_free(q);
}
