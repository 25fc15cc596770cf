/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules-cost - the CPU the rules cost per message, with the Hyperscan
 * prefilter on and off, measured in one run (issue 13).
 *
 *   rules-cost [-a] [-s STEP] [-r ROUNDS] [-g N] RULES_FILE DIR...
 *
 * With -a the first is "vigil_prefilter auto" (the default) instead of on.
 * Reads every STEP-th file (sorted by name, default 4) of the folders
 * into memory and decodes each once (vg_text_build, as the score stage
 * does), so only the rules are timed.  Loads RULES_FILE twice, as
 * "vigil_prefilter on" + include and "vigil_prefilter off" + include
 * (with -g N, plus N generated body rules that match nothing, as the
 * 10,000-rule measurement of issue 13), reporting each load's CPU time and
 * the RSS it added.  Then ROUNDS rounds (default 3) alternate the two
 * (on, off, on, off, ...) over every message: vg_rules_eval() +
 * vg_rules_eval_meta(), CPU time of this thread (CLOCK_THREAD_CPUTIME_ID).
 * Prints per-round and best-round microseconds per message, and checks
 * that both give the same hits on every message (exit 1 if not).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "message/msg.h"
#include "message/text.h"
#include "rules/rules.h"
#include "rules/symset.h"

struct item {
	struct vg_msg *msg;
	struct vg_text *text;
};

/* cpu_now - this thread's CPU seconds */
static double
cpu_now(int clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* rss_kb - resident set of this process, KiB */
static long
rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* load - the rules file with the prefilter in mode, plus ngen rules */
static struct vg_rules *
load(
    const char *mode, const char *path, long ngen, double *cpu_s, long *rss_add)
{
	size_t cap = 256 + (size_t)ngen * 64, o = 0;
	char *src = malloc(cap);
	struct vg_rules *r = NULL;
	struct vg_err err;
	long rss0 = rss_kb();
	double t0 = cpu_now(CLOCK_PROCESS_CPUTIME_ID);

	if (src == NULL)
		exit(2);
	o += (size_t)snprintf(
	    src + o, cap - o, "vigil_prefilter %s\ninclude %s\n", mode, path);
	/* Simple rules that never match the corpus, each its own word. */
	for (long k = 0; k < ngen; k++)
		o += (size_t)snprintf(src + o, cap - o,
		    "body GEN_%06ld /\\bxq%ldzv\\b/i\n", k, k);
	vg_err_init(&err);
	if (vg_rules_parse(&r, src, o, "bench.rules", &err) != 0) {
		fprintf(stderr, "%s", vg_err_text(&err));
		exit(2);
	}
	*cpu_s = cpu_now(CLOCK_PROCESS_CPUTIME_ID) - t0;
	*rss_add = rss_kb() - rss0;
	free(src);
	return r;
}

/* round - every message through r; CPU seconds; hits into hv when set */
static double
round_cpu(struct vg_rules *r, struct item *it, size_t n, unsigned char *hv)
{
	size_t nr = vg_rules_count(r);
	double t0 = cpu_now(CLOCK_THREAD_CPUTIME_ID);

	for (size_t i = 0; i < n; i++) {
		struct vg_rules_hits *hits = NULL;
		struct vg_symset res;

		vg_symset_init(&res);
		if (vg_rules_hits_new(&hits, r) != 0 ||
		    vg_rules_eval(r, it[i].msg, it[i].text, hits, &res) != 0 ||
		    vg_rules_eval_meta(r, hits, &res) != 0)
			exit(2);
		for (size_t k = 0; hv != NULL && k < nr; k++)
			hv[i * nr + k] = vg_rules_hit(hits, k);
		vg_rules_hits_free(hits);
		vg_symset_fini(&res);
	}
	return cpu_now(CLOCK_THREAD_CPUTIME_ID) - t0;
}

int
main(int argc, char **argv)
{
	struct vg_msg_limits lim = {
	    .max_size = 64 << 20,
	    .memory_limit = 64 << 20,
	    .max_headers = 1000,
	    .max_header_size = 1 << 20,
	    .max_rcpts = 100,
	    .tmp_dir = "/tmp",
	};
	struct vg_text_limits tl;
	struct item *it = NULL;
	size_t n = 0, cap = 0, step = 4;
	long rounds = 3, ngen = 0, rss_on, rss_off;
	double cpu_on, cpu_off, best_on = 1e9, best_off = 1e9;
	struct vg_rules *on, *off;
	struct vg_rules_stats st;
	unsigned char *h1, *h2;
	const char *mode = "on";
	int opt;

	while ((opt = getopt(argc, argv, "as:r:g:")) != -1) {
		switch (opt) {
		case 'a':
			mode = "auto";
			break;
		case 's':
			step = (size_t)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = strtol(optarg, NULL, 10);
			break;
		case 'g':
			ngen = strtol(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr,
			    "usage: rules-cost [-a] [-s STEP] [-r ROUNDS] "
			    "[-g N] RULES_FILE DIR...\n");
			return 2;
		}
	}
	if (argc - optind < 2 || step == 0) {
		fprintf(stderr,
		    "usage: rules-cost [-a] [-s STEP] [-r ROUNDS] [-g N] "
		    "RULES_FILE DIR...\n");
		return 2;
	}
	if (vg_text_global_init() != 0)
		return 2;
	vg_text_limits_default(&tl);
	for (int d = optind + 1; d < argc; d++) {
		char **names = NULL, file[4096];
		size_t nn = 0, nc = 0;
		struct dirent *de;
		DIR *dp = opendir(argv[d]);

		if (dp == NULL) {
			perror(argv[d]);
			return 2;
		}
		while ((de = readdir(dp)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (nn == nc) {
				nc = nc ? nc * 2 : 1024;
				names = realloc(names, nc * sizeof(*names));
			}
			names[nn++] = strdup(de->d_name);
		}
		closedir(dp);
		qsort(names, nn, sizeof(*names), name_cmp);
		for (size_t i = 0; i < nn; i += step) {
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				it = realloc(it, cap * sizeof(*it));
			}
			snprintf(
			    file, sizeof(file), "%s/%s", argv[d], names[i]);
			if (vg_msg_from_file(&it[n].msg, &lim, file) != 0 ||
			    vg_msg_set_from(it[n].msg, "a@example.com") != 0 ||
			    vg_text_build(&it[n].text, it[n].msg, &tl) != 0) {
				fprintf(stderr, "cannot read %s\n", file);
				return 2;
			}
			n++;
		}
		for (size_t i = 0; i < nn; i++)
			free(names[i]);
		free(names);
	}
	on = load(mode, argv[optind], ngen, &cpu_on, &rss_on);
	off = load("off", argv[optind], ngen, &cpu_off, &rss_off);
	vg_rules_stats(on, &st);
	printf("rules         %s%s%ld generated: %zu regex rules gated, %zu "
	       "always run\n",
	    argv[optind], " + ", ngen, st.prefilter_rules, st.prefilter_always);
	printf("hyperscan     %zu databases, %.1f MiB, compiled in %.2f s "
	       "wall\n",
	    st.prefilter_dbs, (double)st.prefilter_bytes / 1048576.0,
	    st.prefilter_compile_s);
	printf("load          on %.2f s CPU, +%ld MiB RSS; off %.2f s CPU, "
	       "+%ld MiB RSS\n",
	    cpu_on, rss_on / 1024, cpu_off, rss_off / 1024);
	h1 = calloc(n * vg_rules_count(on) + 1, 1);
	h2 = calloc(n * vg_rules_count(on) + 1, 1);
	for (long k = 0; k < rounds; k++) {
		double a = round_cpu(on, it, n, k == 0 ? h1 : NULL);
		double b = round_cpu(off, it, n, k == 0 ? h2 : NULL);

		printf("round %ld       on %.1f us/msg, off %.1f us/msg (%zu "
		       "messages)\n",
		    k + 1, a * 1e6 / (double)n, b * 1e6 / (double)n, n);
		best_on = a < best_on ? a : best_on;
		best_off = b < best_off ? b : best_off;
	}
	if (memcmp(h1, h2, n * vg_rules_count(on)) != 0) {
		printf("DIFFERENT HITS with the prefilter on and off\n");
		return 1;
	}
	printf("RESULT msgs=%zu on_us=%.1f off_us=%.1f ratio=%.2f "
	       "load_on_s=%.2f load_off_s=%.2f hs_mib=%.1f rss_on_mib=%ld "
	       "rss_off_mib=%ld same_hits=yes\n",
	    n, best_on * 1e6 / (double)n, best_off * 1e6 / (double)n,
	    best_off / (best_on > 0 ? best_on : 1e-9), cpu_on, cpu_off,
	    (double)st.prefilter_bytes / 1048576.0, rss_on / 1024,
	    rss_off / 1024);
	return 0;
}
