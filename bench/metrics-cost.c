/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * metrics-cost - what a metrics hook costs the thread that calls it.
 *
 * PURPOSE  Times the hooks of base/stats.h against the registry the
 *	    milter installs, with 1 and with T threads (default 2) all
 *	    updating the same metrics at once, and the same loop on one
 *	    plain shared atomic counter (what the shards avoid):
 *	        metrics-cost [N [T]]
 *	    N updates per thread (default 10,000,000).  Prints nanoseconds
 *	    per update, per kind, and checks the totals are exact.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/alloc.h"
#include "base/metrics.h"
#include "base/stats.h"

enum kind {
	K_SHARED_ATOMIC,
	K_INC,
	K_INC_LABEL,
	K_OBSERVE_LABEL,
	K_NKINDS
};

static const char *const kind_name[] = {
    "one shared atomic (no registry)",
    "vg_stats_inc",
    "vg_stats_inc_label (a seen value)",
    "vg_stats_observe_label (histogram)",
};

static _Atomic uint64_t shared_counter;

struct job {
	enum kind kind;
	unsigned long n;
};

/* run - n updates of one kind */
static void *
run(void *arg)
{
	const struct job *j = arg;

	for (unsigned long i = 0; i < j->n; i++) {
		switch (j->kind) {
		case K_SHARED_ATOMIC:
			atomic_fetch_add_explicit(
			    &shared_counter, 1, memory_order_relaxed);
			break;
		case K_INC:
			vg_stats_inc(VG_STAT_REDIS_FALLBACKS);
			break;
		case K_INC_LABEL:
			vg_stats_inc_label(VG_STAT_RULE_HITS, "SPF_FAIL");
			break;
		case K_OBSERVE_LABEL:
			vg_stats_observe_label(
			    VG_STAT_STAGE_SECONDS, "score", i % 200000);
			break;
		case K_NKINDS:
			break;
		}
	}
	return NULL;
}

/* now_ns - CLOCK_MONOTONIC in nanoseconds */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* timed - ns per update of kind with t threads of n updates each */
static double
timed(enum kind kind, unsigned t, unsigned long n)
{
	pthread_t th[64];
	struct job j = {kind, n};
	uint64_t t0 = now_ns();

	for (unsigned i = 0; i < t; i++)
		if (pthread_create(&th[i], NULL, run, &j) != 0)
			exit(1);
	for (unsigned i = 0; i < t; i++)
		pthread_join(th[i], NULL);
	/* Wall time over the updates of one thread: what each one paid. */
	return (double)(now_ns() - t0) / (double)n;
}

int
main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000000ul;
	unsigned t = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 2;
	const struct vg_metric_def *defs;
	struct vg_metrics *m;
	size_t nd;

	if (n == 0 || t == 0 || t > 64)
		return 2;
	defs = vg_stats_defs(&nd);
	if (vg_metrics_new(&m, defs, nd) != 0)
		return 1;
	(void)vg_metrics_install(m);
	printf("%lu updates per thread; ns per update (wall / updates of "
	       "one thread)\n",
	    n);
	printf("%-38s %10s %10s\n", "", "1 thread", "threads");
	for (int k = 0; k < K_NKINDS; k++) {
		double one = timed((enum kind)k, 1, n);
		double many = timed((enum kind)k, t, n);

		printf(
		    "%-38s %10.2f %10.2f (%u)\n", kind_name[k], one, many, t);
	}
	/* Exact: 1 + t runs of n each. */
	if (vg_metrics_get(m, VG_STAT_REDIS_FALLBACKS, 0) != (t + 1) * n ||
	    atomic_load(&shared_counter) != (t + 1) * n) {
		printf("totals wrong\n");
		return 1;
	}
	(void)vg_metrics_install(NULL);
	vg_metrics_free(m);
	return 0;
}
