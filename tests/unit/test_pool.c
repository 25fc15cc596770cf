/* SPDX-License-Identifier: GPL-2.0-only */
/* test_pool - jobs all run, the queue bound refuses, free drains */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "vg_check.h"
#include "base/err.h"
#include "base/pool.h"

static atomic_int ran;

static void
count_job(void *arg)
{
	(void)arg;
	atomic_fetch_add(&ran, 1);
}

START_TEST(test_pool_runs_every_job)
{
	struct vg_pool *pool;

	atomic_store(&ran, 0);
	ck_assert_int_eq(vg_pool_new(&pool, 4, 1000), 0);
	for (int i = 0; i < 1000; i++) {
		int rc;

		/* The ring may be briefly full; retry as a caller would. */
		while (
		    (rc = vg_pool_submit(pool, count_job, NULL)) == VG_ELIMIT)
			usleep(100);
		ck_assert_int_eq(rc, 0);
	}
	vg_pool_free(pool);
	ck_assert_int_eq(atomic_load(&ran), 1000);
}
END_TEST

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;

static void
blocked_job(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&gate);
	pthread_mutex_unlock(&gate);
	atomic_fetch_add(&ran, 1);
}

/*
 * One worker held on a lock, a queue of two: the job being run plus two
 * queued fill the pool, the next submit is refused with VG_ELIMIT, and
 * every accepted job still runs once the worker is released.
 */
START_TEST(test_pool_queue_limit)
{
	struct vg_pool *pool;
	int rc;

	atomic_store(&ran, 0);
	pthread_mutex_lock(&gate);
	ck_assert_int_eq(vg_pool_new(&pool, 1, 2), 0);
	ck_assert_int_eq(vg_pool_submit(pool, blocked_job, NULL), 0);
	/* Wait until the worker has taken the first job off the queue. */
	while (vg_pool_queued(pool) != 0)
		usleep(100);
	ck_assert_int_eq(vg_pool_submit(pool, blocked_job, NULL), 0);
	ck_assert_int_eq(vg_pool_submit(pool, blocked_job, NULL), 0);
	rc = vg_pool_submit(pool, blocked_job, NULL);
	ck_assert_msg(rc == VG_ELIMIT, "got %d, want VG_ELIMIT", rc);
	ck_assert_uint_eq(vg_pool_queued(pool), 2);
	pthread_mutex_unlock(&gate);
	vg_pool_free(pool);
	ck_assert_int_eq(atomic_load(&ran), 3);
}
END_TEST

START_TEST(test_pool_bad_arguments)
{
	struct vg_pool *pool = (struct vg_pool *)&pool;

	ck_assert_int_eq(vg_pool_new(&pool, 0, 10), VG_EINVAL);
	ck_assert_ptr_null(pool);
	ck_assert_int_eq(vg_pool_new(&pool, 1, 0), VG_EINVAL);
	vg_pool_free(NULL);
}
END_TEST

static Suite *
pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");

	tcase_add_test(tc, test_pool_runs_every_job);
	tcase_add_test(tc, test_pool_queue_limit);
	tcase_add_test(tc, test_pool_bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(pool_suite)
