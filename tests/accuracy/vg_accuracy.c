/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vg_accuracy - the rule-quality report: runs the score stage's work
 * (decode, rules, metas) over a ham and a spam directory and prints spam
 * recall and ham false positives at required_score, CPU per message, and
 * per-rule hit counts in ham and in spam.
 *
 * usage: vg_accuracy RULES HAM_DIR SPAM_DIR [MAX_PER_DIR]
 *
 * VG_ACCURACY_HALF=even (or odd) keeps only the files whose number (the
 * digits after the first dot, "spam_2.01082.<hash>") is even (or odd):
 * tune rules on one half and measure them on the other, held out.
 *
 * It calls the library directly (the same calls stage_score.c makes, in
 * the same order) so that it measures the rules and the decoder alone,
 * without the virus stage or the worker pool.  Built-in checks that need
 * the network (SPF, DNS lists) do not run here: the corpus is years old.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/log.h"
#include "message/msg.h"
#include "rules/symset.h"
#include "rules/rules.h"
#include "message/text.h"

struct tally {
	size_t msgs, over, failed;
	double cpu_text, cpu_rules;
	size_t *hits; /* per rule index */
};

/* cpu_now - process CPU seconds */
static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* log_stderr - library log lines (regex limits, ...) to stderr */
static void
log_stderr(enum vg_log_level level, const char *line, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "%s: %s\n", vg_log_level_name(level), line);
}

/* name_cmp - qsort strings */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* scan_one - score one file; -1 when it could not be read or decoded */
static int
scan_one(const struct vg_rules *r, const char *path, struct tally *t,
    double *score_out)
{
	struct vg_msg *msg = NULL;
	struct vg_text *text = NULL;
	struct vg_rules_hits *hits = NULL;
	struct vg_symset res;
	double t0, t1, t2;
	size_t i;
	int rc = -1;

	vg_symset_init(&res);
	if (vg_msg_from_file(&msg, NULL, path) != 0)
		goto out;
	t0 = cpu_now();
	if (vg_text_build(&text, msg, NULL) != 0)
		goto out;
	t1 = cpu_now();
	if (vg_rules_hits_new(&hits, r) != 0 ||
	    vg_rules_eval(r, msg, text, hits, &res) != 0 ||
	    vg_rules_eval_meta(r, hits, &res) != 0)
		goto out;
	t2 = cpu_now();
	t->cpu_text += t1 - t0;
	t->cpu_rules += t2 - t1;
	*score_out = 0;
	for (i = 0; i < res.n; i++)
		*score_out += res.sym[i].score;
	/* VG_ACCURACY_VERBOSE=1: one line per message, for tuning. */
	if (getenv("VG_ACCURACY_VERBOSE") != NULL) {
		printf("%6.2f %s", *score_out, path);
		for (i = 0; i < res.n; i++)
			printf(" %s", res.sym[i].name);
		printf("\n");
	}
	for (i = 0; i < vg_rules_count(r); i++)
		if (vg_rules_hit(hits, i))
			t->hits[i]++;
	rc = 0;
out:
	vg_rules_hits_free(hits);
	vg_text_free(text);
	vg_msg_free(msg);
	vg_symset_fini(&res);
	return rc;
}

/* in_half - whether name belongs to the half VG_ACCURACY_HALF selects */
static int
in_half(const char *name)
{
	const char *half = getenv("VG_ACCURACY_HALF"), *dot;
	unsigned long num;
	int want;

	if (half == NULL || *half == '\0')
		return 1;
	want = strcmp(half, "odd") == 0;
	dot = strchr(name, '.');
	if (dot == NULL)
		return 0;
	num = strtoul(dot + 1, NULL, 10);
	return (int)(num % 2) == want;
}

/* scan_dir - every file in dir (sorted), at most max */
static int
scan_dir(const struct vg_rules *r, const char *dir, size_t max, struct tally *t)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	double score;

	if (d == NULL) {
		perror(dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !in_half(de->d_name))
			continue;
		if (n == cap) {
			cap = cap == 0 ? 1024 : cap * 2;
			names = realloc(names, cap * sizeof(*names));
			if (names == NULL)
				abort();
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && i < max; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (scan_one(r, path, t, &score) != 0) {
			t->failed++;
			continue;
		}
		t->msgs++;
		if (score >= vg_rules_required_score(r))
			t->over++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return 0;
}

int
main(int argc, char **argv)
{
	struct vg_rules *r = NULL;
	struct vg_rules_stats st;
	struct vg_err err;
	struct tally ham, spam;
	size_t max = (size_t)-1, i, k;
	double cpu, total_cpu, total_msgs;

	if (argc < 4) {
		fprintf(stderr,
		    "usage: vg_accuracy RULES HAM_DIR SPAM_DIR "
		    "[MAX_PER_DIR]\n");
		return 2;
	}
	if (argc > 4)
		max = strtoul(argv[4], NULL, 10);
	/* VG_ACCURACY_DEBUG=1 also shows what compat mode skipped, and why. */
	vg_log_set_sink(log_stderr, NULL,
	    getenv("VG_ACCURACY_DEBUG") != NULL ? VG_LOG_DEBUG : VG_LOG_INFO);
	if (vg_text_global_init() != 0)
		return 1;
	vg_err_init(&err);
	if (vg_rules_load(&r, argv[1], &err) != 0) {
		fputs(vg_err_text(&err), stderr);
		return 1;
	}
	vg_rules_stats(r, &st);
	printf("rules %s: %zu header, %zu body, %zu rawbody, %zu full, "
	       "%zu uri, %zu meta (%zu sub-rules); skipped: ",
	    argv[1], st.rules[VG_RULE_HEADER], st.rules[VG_RULE_BODY],
	    st.rules[VG_RULE_RAWBODY], st.rules[VG_RULE_FULL],
	    st.rules[VG_RULE_URI], st.rules[VG_RULE_META], st.subrules);
	for (k = 0; k < VG_SKIP_KIND_MAX; k++)
		printf("%s %zu%s", vg_rules_skip_name((enum vg_rules_skip)k),
		    st.skipped[k], k + 1 < VG_SKIP_KIND_MAX ? ", " : "\n");
	memset(&ham, 0, sizeof(ham));
	memset(&spam, 0, sizeof(spam));
	ham.hits = calloc(vg_rules_count(r) + 1, sizeof(size_t));
	spam.hits = calloc(vg_rules_count(r) + 1, sizeof(size_t));
	if (ham.hits == NULL || spam.hits == NULL)
		return 1;
	cpu = cpu_now();
	if (scan_dir(r, argv[2], max, &ham) != 0 ||
	    scan_dir(r, argv[3], max, &spam) != 0)
		return 1;
	cpu = cpu_now() - cpu;
	printf("required_score %.1f\n", vg_rules_required_score(r));
	printf("spam: %zu messages, %zu at or above required: recall %.2f%%"
	       " (%zu unreadable)\n",
	    spam.msgs, spam.over,
	    spam.msgs ? 100.0 * (double)spam.over / (double)spam.msgs : 0.0,
	    spam.failed);
	printf("ham:  %zu messages, %zu at or above required: false "
	       "positives %.2f%% (%zu unreadable)\n",
	    ham.msgs, ham.over,
	    ham.msgs ? 100.0 * (double)ham.over / (double)ham.msgs : 0.0,
	    ham.failed);
	total_cpu = cpu > 0 ? cpu : 1e-9;
	total_msgs = (double)(ham.msgs + spam.msgs ? ham.msgs + spam.msgs : 1);
	cpu = (ham.cpu_text + spam.cpu_text) * 1e3 /
	    (double)(ham.msgs + spam.msgs ? ham.msgs + spam.msgs : 1);
	printf("cpu per message: decode %.3f ms, ", cpu);
	cpu = (ham.cpu_rules + spam.cpu_rules) * 1e3 /
	    (double)(ham.msgs + spam.msgs ? ham.msgs + spam.msgs : 1);
	printf("rules %.3f ms\n", cpu);
	printf("throughput: %.0f messages per second per core (read, parse, "
	       "decode, rules; %.3f ms CPU each)\n",
	    total_msgs / total_cpu, total_cpu * 1e3 / total_msgs);
	printf("%-28s %7s %6s %6s\n", "rule", "score", "ham", "spam");
	for (i = 0; i < vg_rules_count(r); i++) {
		const char *name = vg_rules_name(r, i);

		if (ham.hits[i] == 0 && spam.hits[i] == 0)
			continue;
		printf("%-28s %7.2f %6zu %6zu\n", name,
		    vg_rules_score(r, name, 0), ham.hits[i], spam.hits[i]);
	}
	free(ham.hits);
	free(spam.hits);
	vg_rules_free(r);
	return 0;
}
