/* SPDX-License-Identifier: GPL-2.0-only */
/* pool - a bounded worker pool */
#include <pthread.h>
#include <stdbool.h>

#include "base/alloc.h"
#include "base/err.h"
#include "base/log.h"
#include "base/pool.h"

struct job {
	vg_pool_job_fn fn;
	void *arg;
};

/*
 * The queue is a fixed ring of max_queued slots allocated up front, so
 * accepting a job never allocates and a full ring is the only refusal.
 */
struct vg_pool {
	pthread_mutex_t lock;
	pthread_cond_t work; /* a job arrived, or stopping */
	struct job *ring;
	size_t cap, head, count;
	bool stopping;
	pthread_t *threads;
	unsigned nthreads;
};

/* worker - run jobs until stopping and the queue is empty */
static void *
worker(void *arg)
{
	struct vg_pool *pool = arg;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		struct job job;

		while (pool->count == 0 && !pool->stopping)
			pthread_cond_wait(&pool->work, &pool->lock);
		if (pool->count == 0)
			break;
		job = pool->ring[pool->head];
		pool->head = (pool->head + 1) % pool->cap;
		pool->count--;
		pthread_mutex_unlock(&pool->lock);
		job.fn(job.arg);
		pthread_mutex_lock(&pool->lock);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

/* vg_pool_new - start workers threads with room for max_queued jobs */
int
vg_pool_new(struct vg_pool **out, unsigned workers, size_t max_queued)
{
	struct vg_pool *pool;
	int rc = VG_ENOMEM;

	*out = NULL;
	if (workers == 0 || max_queued == 0)
		return VG_EINVAL;
	if ((pool = vg_calloc(1, sizeof(*pool))) == NULL)
		return VG_ENOMEM;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->work, NULL);
	pool->cap = max_queued;
	if ((pool->ring = vg_calloc(max_queued, sizeof(*pool->ring))) == NULL ||
	    (pool->threads = vg_calloc(workers, sizeof(pthread_t))) == NULL)
		goto fail;
	for (; pool->nthreads < workers; pool->nthreads++) {
		if (pthread_create(&pool->threads[pool->nthreads], NULL, worker,
		        pool) != 0) {
			vg_error("pool: cannot start worker thread %u of %u",
			    pool->nthreads + 1, workers);
			rc = VG_EINTERNAL;
			goto fail;
		}
	}
	*out = pool;
	return 0;
fail:
	vg_pool_free(pool);
	return rc;
}

/* vg_pool_submit - queue a job, or VG_ELIMIT when the ring is full */
int
vg_pool_submit(struct vg_pool *pool, vg_pool_job_fn fn, void *arg)
{
	int rc = 0;

	pthread_mutex_lock(&pool->lock);
	if (pool->stopping) {
		rc = VG_ETEMP;
	} else if (pool->count == pool->cap) {
		rc = VG_ELIMIT;
	} else {
		pool->ring[(pool->head + pool->count) % pool->cap] =
		    (struct job){fn, arg};
		pool->count++;
		pthread_cond_signal(&pool->work);
	}
	pthread_mutex_unlock(&pool->lock);
	return rc;
}

/* vg_pool_queued - jobs waiting, a snapshot */
size_t
vg_pool_queued(struct vg_pool *pool)
{
	size_t n;

	pthread_mutex_lock(&pool->lock);
	n = pool->count;
	pthread_mutex_unlock(&pool->lock);
	return n;
}

/* vg_pool_free - finish queued jobs, join the workers, free */
void
vg_pool_free(struct vg_pool *pool)
{
	if (pool == NULL)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->work);
	pthread_mutex_unlock(&pool->lock);
	for (unsigned i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	pthread_cond_destroy(&pool->work);
	pthread_mutex_destroy(&pool->lock);
	vg_free(pool->threads);
	vg_free(pool->ring);
	vg_free(pool);
}
