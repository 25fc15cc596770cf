/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_metrics - the registry: exact totals from many threads, the cap
 * on run-time labels, the exposition text, metrics_listen's syntax, the
 * catalogue and its hooks.
 */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/err.h"
#include "base/metrics.h"
#include "base/stats.h"

static const uint64_t test_buckets[] = {10, 100};
static const char *const test_fixed[] = {"dir=\"in\"", "dir=\"out\""};

enum {
	T_COUNT,
	T_GAUGE,
	T_NAMES,
	T_HIST,
	T_FIXED,
	T_N
};

static const struct vg_metric_def test_defs[T_N] = {
    [T_COUNT] = {.name = "t_count_total",
        .help = "A counter.",
        .type = VG_METRIC_COUNTER},
    [T_GAUGE] = {.name = "t_gauge",
        .help = "A gauge.",
        .type = VG_METRIC_GAUGE},
    [T_NAMES] = {.name = "t_names_total",
        .help = "Capped at 3 names.",
        .type = VG_METRIC_COUNTER,
        .label = "name",
        .max_labels = 3},
    [T_HIST] = {.name = "t_seconds",
        .help = "A histogram in microseconds.",
        .type = VG_METRIC_HISTOGRAM,
        .buckets = test_buckets,
        .nbuckets = 2,
        .scale = 1e-6},
    [T_FIXED] = {.name = "t_fixed_total",
        .help = "Fixed label sets.",
        .type = VG_METRIC_COUNTER,
        .fixed = test_fixed,
        .nfixed = 2},
};

#define THREADS 8
#define ROUNDS  20000

struct worker {
	struct vg_metrics *m;
	int n;
};

/* worker_run - ROUNDS updates of every kind, and 50 new names */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	char name[32];

	for (int i = 0; i < ROUNDS; i++) {
		vg_metrics_add(w->m, T_COUNT, 0, 1);
		vg_metrics_observe(w->m, T_HIST, 0, (uint64_t)(i % 3) * 50);
		vg_metrics_gauge_add(w->m, T_GAUGE, 0, 1);
		vg_metrics_add(w->m, T_FIXED, (size_t)(i % 2), 1);
	}
	/* Every thread brings new names at once: the cap must hold. */
	for (int i = 0; i < 50; i++) {
		(void)snprintf(name, sizeof(name), "n%d-%d", w->n, i);
		vg_metrics_add(
		    w->m, T_NAMES, vg_metrics_series(w->m, T_NAMES, name), 1);
	}
	return NULL;
}

START_TEST(test_metrics_threads_exact)
{
	struct vg_metrics *m;
	pthread_t th[THREADS];
	struct worker w[THREADS];
	uint64_t named = 0;
	char *text;
	size_t len;

	ck_assert_int_eq(vg_metrics_new(&m, test_defs, T_N), 0);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){m, i};
		ck_assert_int_eq(
		    pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	ck_assert_uint_eq(vg_metrics_get(m, T_COUNT, 0), THREADS * ROUNDS);
	ck_assert_uint_eq(vg_metrics_get(m, T_GAUGE, 0), THREADS * ROUNDS);
	ck_assert_uint_eq(vg_metrics_get(m, T_HIST, 0), THREADS * ROUNDS);
	ck_assert_uint_eq(vg_metrics_get(m, T_FIXED, 0), THREADS * ROUNDS / 2);
	ck_assert_uint_eq(vg_metrics_get(m, T_FIXED, 1), THREADS * ROUNDS / 2);
	/* 400 names offered, 3 kept, the rest in other: none lost. */
	ck_assert_uint_eq(vg_metrics_labels(m, T_NAMES), 3);
	for (size_t i = 0; i < 3; i++)
		named += vg_metrics_get(m, T_NAMES, i);
	ck_assert_uint_eq(named, 3);
	ck_assert_uint_eq(
	    vg_metrics_get(m, T_NAMES, VG_METRICS_OTHER), THREADS * 50 - 3);
	ck_assert_int_eq(vg_metrics_render(m, &text, &len), 0);
	ck_assert_ptr_nonnull(
	    strstr(text, "t_names_total{name=\"other\"} 397\n"));
	/* The histogram: one third each of 0, 50 and 100 microseconds. */
	ck_assert_ptr_nonnull(
	    strstr(text, "t_seconds_bucket{le=\"+Inf\"} 160000\n"));
	vg_free(text);
	vg_metrics_free(m);
}
END_TEST

START_TEST(test_metrics_label_cap)
{
	struct vg_metrics *m;
	char name[16];

	ck_assert_int_eq(vg_metrics_new(&m, test_defs, T_N), 0);
	for (int i = 0; i < 10; i++) {
		(void)snprintf(name, sizeof(name), "v%d", i);
		vg_metrics_add(
		    m, T_NAMES, vg_metrics_series(m, T_NAMES, name), 1);
	}
	/* Seen names keep their series; new ones go to other. */
	ck_assert_uint_eq(vg_metrics_series(m, T_NAMES, "v1"),
	    vg_metrics_series(m, T_NAMES, "v1"));
	ck_assert(vg_metrics_series(m, T_NAMES, "v1") != VG_METRICS_OTHER);
	ck_assert(vg_metrics_series(m, T_NAMES, "v9") == VG_METRICS_OTHER);
	ck_assert_uint_eq(vg_metrics_labels(m, T_NAMES), 3);
	ck_assert_uint_eq(vg_metrics_get(m, T_NAMES, VG_METRICS_OTHER), 7);
	/* A family without run-time labels: series 0, whatever the value. */
	ck_assert_uint_eq(vg_metrics_series(m, T_COUNT, "x"), 0);
	vg_metrics_free(m);
}
END_TEST

/* The whole exposition of a small registry, byte for byte. */
static const char want_text[] =
    "# HELP t_count_total A counter.\n"
    "# TYPE t_count_total counter\n"
    "t_count_total 2\n"
    "# HELP t_gauge A gauge.\n"
    "# TYPE t_gauge gauge\n"
    "t_gauge -5\n"
    "# HELP t_names_total Capped at 3 names.\n"
    "# TYPE t_names_total counter\n"
    "t_names_total{name=\"a\\\"b\\\\c?d\"} 1\n"
    "# HELP t_seconds A histogram in microseconds.\n"
    "# TYPE t_seconds histogram\n"
    "t_seconds_bucket{le=\"1e-05\"} 1\n"
    "t_seconds_bucket{le=\"0.0001\"} 2\n"
    "t_seconds_bucket{le=\"+Inf\"} 3\n"
    "t_seconds_sum 0.001110\n"
    "t_seconds_count 3\n"
    "# HELP t_fixed_total Fixed label sets.\n"
    "# TYPE t_fixed_total counter\n"
    "t_fixed_total{dir=\"in\"} 0\n"
    "t_fixed_total{dir=\"out\"} 4\n";

START_TEST(test_metrics_render_exact)
{
	struct vg_metrics *m;
	char *text;
	size_t len;

	ck_assert_int_eq(vg_metrics_new(&m, test_defs, T_N), 0);
	/* Nothing set yet: the gauge is absent, the counters are 0. */
	ck_assert_int_eq(vg_metrics_render(m, &text, &len), 0);
	ck_assert_ptr_null(strstr(text, "\nt_gauge "));
	ck_assert_ptr_nonnull(strstr(text, "\nt_count_total 0\n"));
	vg_free(text);

	vg_metrics_add(m, T_COUNT, 0, 2);
	vg_metrics_set(m, T_GAUGE, 0, -5);
	/* Quote and backslash escaped, a control byte made '?'. */
	vg_metrics_add(
	    m, T_NAMES, vg_metrics_series(m, T_NAMES, "a\"b\\c\nd"), 1);
	vg_metrics_observe(m, T_HIST, 0, 10);
	vg_metrics_observe(m, T_HIST, 0, 100);
	vg_metrics_observe(m, T_HIST, 0, 1000);
	vg_metrics_add(m, T_FIXED, 1, 4);
	/* Out of range or of the wrong type: ignored. */
	vg_metrics_add(m, T_FIXED, 2, 1);
	vg_metrics_add(m, T_GAUGE, 0, 1);
	vg_metrics_add(m, T_N, 0, 1);
	ck_assert_int_eq(vg_metrics_render(m, &text, &len), 0);
	ck_assert_str_eq(text, want_text);
	ck_assert_uint_eq(len, strlen(want_text));
	vg_free(text);
	vg_metrics_free(m);
}
END_TEST

START_TEST(test_metrics_bad_table)
{
	static const uint64_t down[] = {100, 10};
	struct vg_metric_def d = {.name = "x",
	    .help = "x",
	    .type = VG_METRIC_HISTOGRAM,
	    .buckets = down,
	    .nbuckets = 2};
	struct vg_metrics *m = (struct vg_metrics *)&d;

	ck_assert_int_eq(vg_metrics_new(&m, &d, 1), VG_EINVAL);
	ck_assert_ptr_null(m);
	d = (struct vg_metric_def){.name = "x",
	    .help = "x",
	    .type = VG_METRIC_COUNTER,
	    .fixed = test_fixed,
	    .nfixed = 2,
	    .label = "y"};
	ck_assert_int_eq(vg_metrics_new(&m, &d, 1), VG_EINVAL);
	d = (struct vg_metric_def){.name = "x",
	    .help = "x",
	    .type = VG_METRIC_COUNTER,
	    .label = "y",
	    .max_labels = VG_METRICS_LABELS_MAX + 1};
	ck_assert_int_eq(vg_metrics_new(&m, &d, 1), VG_EINVAL);
	vg_metrics_free(NULL);
}
END_TEST

START_TEST(test_metrics_alloc_failures)
{
	struct vg_metrics *m;
	char *text;
	size_t len;
	int rc;

	/* Every allocation failing in turn: VG_ENOMEM, nothing leaked. */
	for (unsigned long n = 1;; n++) {
		vg_alloc_fail_at(n);
		rc = vg_metrics_new(&m, test_defs, T_N);
		vg_alloc_fail_at(0);
		if (rc == 0)
			break;
		ck_assert_int_eq(rc, VG_ENOMEM);
		ck_assert_ptr_null(m);
	}
	vg_metrics_add(m, T_COUNT, 0, 1);
	for (unsigned long n = 1;; n++) {
		vg_alloc_fail_at(n);
		rc = vg_metrics_render(m, &text, &len);
		vg_alloc_fail_at(0);
		if (rc == 0)
			break;
		ck_assert_int_eq(rc, VG_ENOMEM);
		ck_assert_ptr_null(text);
	}
	vg_free(text);
	vg_metrics_free(m);
}
END_TEST

static const struct {
	const char *in;
	bool ok;
	int family;
} listen_cases[] = {
    {"127.0.0.1:9899", true, AF_INET},
    {"0.0.0.0:1", true, AF_INET},
    {"[::1]:9899", true, AF_INET6},
    {"127.0.0.1:65535", true, AF_INET},
    {"127.0.0.1:0", false, 0},
    {"127.0.0.1:65536", false, 0},
    {"127.0.0.1", false, 0},
    {"127.0.0.1:", false, 0},
    {":9899", false, 0},
    {"localhost:9899", false, 0},
    {"::1:9899", false, 0},
    {"[::1]9899", false, 0},
    {"[127.0.0.1]:9899", false, 0},
    {"127.0.0.1:98x", false, 0},
    {"", false, 0},
};

START_TEST(test_metrics_parse_listen)
{
	struct sockaddr_storage sa;
	socklen_t len = 0;
	const char *why = NULL;
	bool ok = vg_metrics_parse_listen(listen_cases[_i].in, &sa, &len, &why);

	ck_assert_msg(ok == listen_cases[_i].ok, "%s: got %d, want %d",
	    listen_cases[_i].in, ok, listen_cases[_i].ok);
	if (ok) {
		ck_assert_int_eq(sa.ss_family, listen_cases[_i].family);
		ck_assert_ptr_null(why);
	} else {
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

START_TEST(test_metrics_stats_hooks)
{
	const struct vg_metric_def *defs;
	struct vg_metrics *m;
	size_t n;
	char *text;
	size_t len;

	/* Without a registry the hooks do nothing (vigil scan). */
	ck_assert_ptr_null(vg_metrics_installed());
	vg_stats_inc(VG_STAT_REDIS_FAILURES);
	vg_stats_inc_label(VG_STAT_VIRUSES, "Eicar");
	defs = vg_stats_defs(&n);
	ck_assert_uint_eq(n, VG_STAT_COUNT);
	ck_assert_int_eq(vg_metrics_new(&m, defs, n), 0);
	ck_assert_ptr_null(vg_metrics_install(m));
	vg_stats_inc(VG_STAT_REDIS_FAILURES);
	vg_stats_inc_at(VG_STAT_MESSAGES,
	    vg_stats_message_series(VG_STATS_OUTBOUND, VG_ACTION_REJECT));
	vg_stats_inc_label(VG_STAT_VIRUSES, "Eicar-Test-Signature");
	vg_stats_observe_label(VG_STAT_STAGE_SECONDS, "virus", 1500);
	vg_stats_set_label(VG_STAT_CLAMD_UP, "unix:/run/clamd.sock", 1);
	vg_stats_set(VG_STAT_REDIS_UP, 0);
	ck_assert_int_eq(vg_metrics_render(m, &text, &len), 0);
	ck_assert_ptr_nonnull(strstr(text,
	    "\nvigil_messages_total{direction=\"outbound\",action=\"reject\"} "
	    "1\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nvigil_messages_total{direction=\"unknown\",action=\"discard\"} "
	    "0\n"));
	ck_assert_ptr_nonnull(strstr(
	    text, "\nvigil_viruses_total{name=\"Eicar-Test-Signature\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nvigil_stage_duration_seconds_bucket{stage=\"virus\","
	    "le=\"0.0025\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nvigil_redis_failures_total 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nvigil_redis_up 0\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nvigil_clamd_server_up{server=\"unix:/run/clamd.sock\"} 1\n"));
	/* Never set: not rendered. */
	ck_assert_ptr_null(strstr(text, "\nvigil_dns_up "));
	vg_free(text);
	ck_assert_ptr_eq(vg_metrics_install(NULL), m);
	vg_metrics_free(m);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_test(tc, test_metrics_threads_exact);
	tcase_add_test(tc, test_metrics_label_cap);
	tcase_add_test(tc, test_metrics_render_exact);
	tcase_add_test(tc, test_metrics_bad_table);
	tcase_add_test(tc, test_metrics_alloc_failures);
	tcase_add_loop_test(tc, test_metrics_parse_listen, 0,
	    (int)(sizeof(listen_cases) / sizeof(listen_cases[0])));
	tcase_add_test(tc, test_metrics_stats_hooks);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(metrics_suite)
