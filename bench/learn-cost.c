/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * learn-cost - what the classifier costs per message, through the real
 * database vigil.conf names (LMDB or Redis).
 *
 * PURPOSE  Usage: learn-cost -c CONF [-r RUNS] FILE...
 *	    Opens the classifier database CONF names (as vigil-milter does),
 *	    decodes each FILE once (not timed: the rules share that work),
 *	    then RUNS times (default 20) tokenizes it and classifies it
 *	    (vg_bayes_tokenize_text + vg_bayes_classify, as the classifier
 *	    stage: the classifier's own work per
 *	    message), timing the CPU of this thread (CLOCK_THREAD_CPUTIME_ID)
 *	    and the wall clock.  Prints one line per file (bytes, tokens,
 *	    the MGETs of at most 4096 keys Redis gets for it, all written
 *	    together in one round trip, CPU and wall
 *	    microseconds, the best of RUNS) and the mean over the files.
 *	    Learn the database first (vigil learn), or the classifier is
 *	    silent and reads only its first batch.  A tool, never installed
 *	    (bench/README "The classifier's cost").
 * LIMITS   RUNS 1 to 10000; files as vigil.conf's max_message_size.
 * ERRORS   Exits 1 with a message when the database or a file fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/err.h"
#include "core/engine.h"
#include "learn/bayes.h"
#include "message/msg.h"
#include "message/text.h"
#include "store/store.h"

/* now_us - the clock c in microseconds */
static double
now_us(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int
main(int argc, char **argv)
{
	const char *config = NULL;
	struct vg_conf *conf = NULL;
	struct vg_bayes *db = NULL;
	struct vg_msg_limits mlim;
	struct vg_text_limits tlim;
	struct vg_err err;
	double sum_cpu = 0, sum_wall = 0, sum_bytes = 0;
	long runs = 20;
	size_t nfiles = 0;
	int opt;

	while ((opt = getopt(argc, argv, "c:r:")) != -1) {
		if (opt == 'c')
			config = optarg;
		else if (opt == 'r')
			runs = strtol(optarg, NULL, 10);
		else
			break;
	}
	if (config == NULL || optind >= argc || runs < 1 || runs > 10000) {
		fprintf(
		    stderr, "usage: learn-cost -c CONF [-r RUNS] FILE...\n");
		return 1;
	}
	vg_err_init(&err);
	if (vg_engine_global_init(&err) != 0 ||
	    vg_conf_load(&conf, config, &err) != 0 ||
	    vg_bayes_open(&db, conf, false, &err) != 0) {
		fputs(vg_err_text(&err), stderr);
		return 1;
	}
	vg_msg_limits_from_conf(&mlim, conf);
	vg_text_limits_from_conf(&tlim, conf);
	printf("%-40s %7s %6s %6s %9s %9s %s\n", "file", "bytes", "tokens",
	    "mgets", "cpu_us", "wall_us", "prob (snap: from the snapshot)");
	for (int i = optind; i < argc; i++) {
		struct vg_msg *msg = NULL;
		struct vg_text *text = NULL;
		struct vg_bayes_score sc = {0};
		double best_cpu = 1e18, best_wall = 1e18;
		size_t ntok = 0, len = 0;
		const char *base = strrchr(argv[i], '/');

		if (vg_msg_from_file(&msg, &mlim, argv[i]) != 0 ||
		    vg_text_build(&text, msg, &tlim) != 0) {
			fprintf(
			    stderr, "learn-cost: %s: cannot read\n", argv[i]);
			return 1;
		}
		(void)vg_msg_raw(msg, &len);
		for (long r = 0; r < runs; r++) {
			struct vg_tokens *t = NULL;
			double c0 = now_us(CLOCK_THREAD_CPUTIME_ID);
			double w0 = now_us(CLOCK_MONOTONIC);
			int rc;

			if ((rc = vg_bayes_tokenize_text(db, text, &t)) == 0)
				rc = vg_bayes_classify(db, t, &sc);
			if (rc != 0) {
				fprintf(stderr, "learn-cost: %s: %s\n", argv[i],
				    vg_strerror(rc));
				return 1;
			}
			c0 = now_us(CLOCK_THREAD_CPUTIME_ID) - c0;
			w0 = now_us(CLOCK_MONOTONIC) - w0;
			if (c0 < best_cpu)
				best_cpu = c0;
			if (w0 < best_wall)
				best_wall = w0;
			ntok = t->n;
			vg_tokens_free(t);
		}
		printf("%-40.40s %7zu %6zu %6zu %9.1f %9.1f %.17g%s%s\n",
		    base != NULL ? base + 1 : argv[i], len, ntok,
		    (ntok + 2 + VG_STORE_BATCH_MAX - 1) / VG_STORE_BATCH_MAX,
		    best_cpu, best_wall, sc.prob, sc.ready ? "" : " silent",
		    sc.snapshot ? " snap" : "");
		sum_cpu += best_cpu;
		sum_wall += best_wall;
		sum_bytes += (double)len;
		nfiles++;
		vg_text_free(text);
		vg_msg_free(msg);
	}
	printf("mean over %zu files: %.0f bytes, cpu %.1f us, wall %.1f us "
	       "(store %s)\n",
	    nfiles, sum_bytes / (double)nfiles, sum_cpu / (double)nfiles,
	    sum_wall / (double)nfiles, conf->bayes_store);
	vg_bayes_close(db);
	vg_conf_free(conf);
	return 0;
}
