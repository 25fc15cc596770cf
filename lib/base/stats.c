/* SPDX-License-Identifier: GPL-2.0-only */
/* stats - Vigil's metrics: the catalogue and the hooks */
#include <stddef.h>
#include <stdint.h>

#include "base/compiler.h"
#include "base/metrics.h"
#include "base/stats.h"

/* Latency buckets, microseconds: 1 ms to 60 s. */
static const uint64_t stats_latency[] = {1000, 2500, 5000, 10000, 25000, 50000,
    100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000, 30000000,
    60000000};

#define DIR_ACT(d, a) "direction=\"" d "\",action=\"" a "\""
#define DIR(d)                                                                 \
	DIR_ACT(d, "accept"), DIR_ACT(d, "tag"), DIR_ACT(d, "reject"),         \
	    DIR_ACT(d, "tempfail"), DIR_ACT(d, "quarantine"),                  \
	    DIR_ACT(d, "discard")
/* In the order of enum vg_stats_dir, then enum vg_action. */
static const char *const stats_dir_action[] = {
    DIR("inbound"), DIR("outbound"), DIR("unknown")};
#define NACTIONS 6
_Static_assert(
    VG_ACTION_DISCARD + 1 == NACTIONS, "stats_dir_action lists every action");

static const char *const stats_class[] = {
    [VG_STATS_SPAM] = "class=\"spam\"", [VG_STATS_HAM] = "class=\"ham\""};

#define COUNTER(id, n, h)                                                      \
	[id] = {.name = n, .help = h, .type = VG_METRIC_COUNTER}
#define GAUGE(id, n, h) [id] = {.name = n, .help = h, .type = VG_METRIC_GAUGE}
#define LABELLED(id, n, h, t, l, max)                                          \
	[id] = {.name = n,                                                     \
	    .help = h,                                                         \
	    .type = t,                                                         \
	    .label = l,                                                        \
	    .max_labels = max,                                                 \
	    .buckets = t == VG_METRIC_HISTOGRAM ? stats_latency : NULL,        \
	    .nbuckets =                                                        \
	        t == VG_METRIC_HISTOGRAM ? VG_NELEM(stats_latency) : 0,        \
	    .scale = t == VG_METRIC_HISTOGRAM ? 1e-6 : 0.0}

/* Each name, its meaning and its labels: vigil-milter(8), METRICS. */
static const struct vg_metric_def stats_defs[VG_STAT_COUNT] = {
    [VG_STAT_MESSAGES] = {.name = "vigil_messages_total",
        .help = "Messages ended, by direction and by the action taken.",
        .type = VG_METRIC_COUNTER,
        .fixed = stats_dir_action,
        .nfixed = VG_NELEM(stats_dir_action)},
    [VG_STAT_MESSAGE_SECONDS] = {.name = "vigil_message_duration_seconds",
        .help = "Time from end of message to the reply, in seconds.",
        .type = VG_METRIC_HISTOGRAM,
        .buckets = stats_latency,
        .nbuckets = VG_NELEM(stats_latency),
        .scale = 1e-6},
    LABELLED(VG_STAT_VIRUSES, "vigil_viruses_total",
        "Messages found infected, by virus name (100 names, then other).",
        VG_METRIC_COUNTER, "name", VG_STATS_VIRUSES_MAX),
    LABELLED(VG_STAT_RULE_HITS, "vigil_rule_hits_total",
        "Messages each rule or check hit (500 names, then other).",
        VG_METRIC_COUNTER, "rule", VG_STATS_RULES_MAX),
    LABELLED(VG_STAT_STAGE_SECONDS, "vigil_stage_duration_seconds",
        "Time each stage took on a message, in seconds.", VG_METRIC_HISTOGRAM,
        "stage", VG_STATS_STAGES_MAX),
    LABELLED(VG_STAT_STAGE_ERRORS, "vigil_stage_errors_total",
        "Stages that failed on a message (on_error applied).",
        VG_METRIC_COUNTER, "stage", VG_STATS_STAGES_MAX),
    LABELLED(VG_STAT_STAGE_TIMEOUTS, "vigil_stage_timeouts_total",
        "Stages still running when the message's scan_timeout passed.",
        VG_METRIC_COUNTER, "stage", VG_STATS_STAGES_MAX),
    GAUGE(VG_STAT_QUEUE_DEPTH, "vigil_scan_queue_depth",
        "Stage jobs waiting for a scan worker."),
    GAUGE(VG_STAT_QUEUE_LIMIT, "vigil_scan_queue_limit",
        "Stage jobs that may wait (max_queued_scans, two per message)."),
    GAUGE(VG_STAT_IN_FLIGHT, "vigil_messages_in_flight",
        "Messages between MAIL FROM and their reply."),
    COUNTER(VG_STAT_OVERLOAD, "vigil_overload_tempfails_total",
        "Messages tempfailed (451 4.3.2) because the scan queue was full."),
    LABELLED(VG_STAT_REFUSALS, "vigil_smtp_refusals_total",
        "SMTP commands a check refused before the end of the message (rate "
        "limits, lists, harvest), by phase.",
        VG_METRIC_COUNTER, "phase", VG_STATS_STAGES_MAX),
    GAUGE(VG_STAT_DNS_UP, "vigil_dns_up",
        "1 while DNS servers answer, 0 while the resolver's circuit "
        "breaker is open."),
    COUNTER(VG_STAT_DNS_DOWN, "vigil_dns_down_total",
        "Times the resolver's circuit breaker opened."),
    GAUGE(VG_STAT_SIG_VERSION, "vigil_signature_version",
        "Version of the virus signatures in use (0: unknown)."),
    GAUGE(VG_STAT_SIG_TIME, "vigil_signature_timestamp_seconds",
        "Build time of the virus signatures in use, Unix seconds."),
    GAUGE(VG_STAT_SIG_AGE, "vigil_signature_age_seconds",
        "Age of the virus signatures in use, in seconds."),
    COUNTER(VG_STAT_RELOADS, "vigil_reloads_total",
        "Engines built and swapped in (SIGHUP, new signatures)."),
    COUNTER(VG_STAT_RELOAD_FAILURES, "vigil_reload_failures_total",
        "Reloads that failed; the old engine was kept."),
    GAUGE(VG_STAT_BAYES_ACTIVE, "vigil_bayes_active",
        "1 when the classifier scores, 0 while it has learned too little."),
    [VG_STAT_BAYES_LEARNED] = {.name = "vigil_bayes_learned",
        .help = "Messages the classifier has learned, by class.",
        .type = VG_METRIC_GAUGE,
        .fixed = stats_class,
        .nfixed = VG_NELEM(stats_class)},
    [VG_STAT_BAYES_AUTOLEARN] = {.name = "vigil_bayes_autolearn_total",
        .help = "Messages learned automatically, by class.",
        .type = VG_METRIC_COUNTER,
        .fixed = stats_class,
        .nfixed = VG_NELEM(stats_class)},
    COUNTER(VG_STAT_BAYES_TEMPERRORS, "vigil_bayes_temperrors_total",
        "Messages the classifier skipped: its database did not answer."),
    GAUGE(VG_STAT_REDIS_UP, "vigil_redis_up",
        "1 while Redis answers, 0 while it is marked down."),
    COUNTER(VG_STAT_REDIS_FAILURES, "vigil_redis_failures_total",
        "Redis round trips that failed (connection, time-out, refusal)."),
    COUNTER(VG_STAT_REDIS_FALLBACKS, "vigil_redis_fallbacks_total",
        "Store calls Redis could not serve; the check went on without it."),
    LABELLED(VG_STAT_CLAMD_UP, "vigil_clamd_server_up",
        "1 while a clamd server answers, 0 while it is skipped.",
        VG_METRIC_GAUGE, "server", VG_STATS_CLAMD_MAX),
    COUNTER(VG_STAT_CLAMD_FAILURES, "vigil_clamd_failures_total",
        "Scans a clamd server failed (the next server was tried)."),
    GAUGE(VG_STAT_START_TIME, "vigil_start_time_seconds",
        "When vigil-milter started, Unix seconds."),
};

/* vg_stats_defs - the table */
const struct vg_metric_def *
vg_stats_defs(size_t *n_out)
{
	*n_out = VG_NELEM(stats_defs);
	return stats_defs;
}

/* vg_stats_message_series - the series of direction dir and action */
size_t
vg_stats_message_series(enum vg_stats_dir dir, enum vg_action action)
{
	return (size_t)dir * NACTIONS + (size_t)action;
}

/* vg_stats_inc - +1 */
void
vg_stats_inc(enum vg_stat id)
{
	vg_metrics_add(vg_metrics_installed(), id, 0, 1);
}

/* vg_stats_inc_at - +1 on a fixed label set */
void
vg_stats_inc_at(enum vg_stat id, size_t series)
{
	vg_metrics_add(vg_metrics_installed(), id, series, 1);
}

/* vg_stats_inc_label - +1 on a run-time label value */
void
vg_stats_inc_label(enum vg_stat id, const char *value)
{
	struct vg_metrics *m = vg_metrics_installed();

	if (m != NULL)
		vg_metrics_add(m, id, vg_metrics_series(m, id, value), 1);
}

/* vg_stats_set - a gauge */
void
vg_stats_set(enum vg_stat id, int64_t v)
{
	vg_metrics_set(vg_metrics_installed(), id, 0, v);
}

/* vg_stats_set_at - a gauge on a fixed label set */
void
vg_stats_set_at(enum vg_stat id, size_t series, int64_t v)
{
	vg_metrics_set(vg_metrics_installed(), id, series, v);
}

/* vg_stats_set_label - a gauge on a run-time label value */
void
vg_stats_set_label(enum vg_stat id, const char *value, int64_t v)
{
	struct vg_metrics *m = vg_metrics_installed();

	if (m != NULL)
		vg_metrics_set(m, id, vg_metrics_series(m, id, value), v);
}

/* vg_stats_observe - a histogram */
void
vg_stats_observe(enum vg_stat id, uint64_t v)
{
	vg_metrics_observe(vg_metrics_installed(), id, 0, v);
}

/* vg_stats_observe_label - a histogram on a run-time label value */
void
vg_stats_observe_label(enum vg_stat id, const char *value, uint64_t v)
{
	struct vg_metrics *m = vg_metrics_installed();

	if (m != NULL)
		vg_metrics_observe(m, id, vg_metrics_series(m, id, value), v);
}

/* vg_stats_redis - a Redis round trip's outcome */
void
vg_stats_redis(bool ok)
{
	vg_stats_set(VG_STAT_REDIS_UP, ok ? 1 : 0);
	if (!ok)
		vg_stats_inc(VG_STAT_REDIS_FAILURES);
}

/* vg_stats_clamd - a clamd server's outcome on one scan */
void
vg_stats_clamd(const char *server, bool ok)
{
	vg_stats_set_label(VG_STAT_CLAMD_UP, server, ok ? 1 : 0);
	if (!ok)
		vg_stats_inc(VG_STAT_CLAMD_FAILURES);
}
