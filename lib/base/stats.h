/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stats - Vigil's metrics: the catalogue of names, and one-line hooks.
 *
 * PURPOSE  The table of every metric Vigil exports (vigil_messages_total,
 *	    vigil_viruses_total, vigil_redis_up, ...; vigil-milter(8) lists
 *	    them), and the calls the engine's modules make to move them:
 *	    vg_stats_inc(VG_STAT_REDIS_FAILURES) is the whole hook in a
 *	    module.  Every call goes to the registry the front end installed
 *	    (metrics.h, vg_metrics_install()) and does nothing when there
 *	    is none, so `vigil scan` and the unit tests pay a pointer load.
 *	    It sits in base/ beside conf.c, which also knows every module's
 *	    names, so that store/, net/ and stages/ may all call it.
 * OWNS     Nothing: the table is static.
 * LIMITS   Run-time labels are capped (vg_metrics): VG_STATS_VIRUSES_MAX
 *	    virus names, VG_STATS_RULES_MAX rule names, VG_STATS_STAGES_MAX
 *	    stage names, VG_STATS_CLAMD_MAX clamd servers; later new values
 *	    count as "other".
 * THREADS  Every hook may be called from any thread (metrics.h).
 */
#ifndef VG_STATS_H
#define VG_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/action.h"

struct vg_metric_def;

#define VG_STATS_VIRUSES_MAX 100
#define VG_STATS_RULES_MAX   500
#define VG_STATS_STAGES_MAX  16
#define VG_STATS_CLAMD_MAX   16

/* The families, in the order they are rendered. */
enum vg_stat {
	VG_STAT_MESSAGES,         /* {direction, action} */
	VG_STAT_MESSAGE_SECONDS,  /* histogram, end of message to reply */
	VG_STAT_VIRUSES,          /* {name} */
	VG_STAT_RULE_HITS,        /* {rule} */
	VG_STAT_STAGE_SECONDS,    /* histogram {stage} */
	VG_STAT_STAGE_ERRORS,     /* {stage} */
	VG_STAT_STAGE_TIMEOUTS,   /* {stage} */
	VG_STAT_QUEUE_DEPTH,      /* gauge: pool jobs waiting */
	VG_STAT_QUEUE_LIMIT,      /* gauge */
	VG_STAT_IN_FLIGHT,        /* gauge: messages between MAIL and end */
	VG_STAT_OVERLOAD,         /* tempfails: the scan queue was full */
	VG_STAT_REFUSALS,         /* {phase}: refused before end of message */
	VG_STAT_DNS_UP,           /* gauge: 1 breaker closed, 0 open */
	VG_STAT_DNS_DOWN,         /* times the breaker opened */
	VG_STAT_SIG_VERSION,      /* gauge */
	VG_STAT_SIG_TIME,         /* gauge: build time, Unix seconds */
	VG_STAT_SIG_AGE,          /* gauge: seconds since then */
	VG_STAT_RELOADS,          /* engines swapped in */
	VG_STAT_RELOAD_FAILURES,  /* builds that failed (old engine kept) */
	VG_STAT_BAYES_ACTIVE,     /* gauge: 1 scoring, 0 silent */
	VG_STAT_BAYES_LEARNED,    /* gauge {class} */
	VG_STAT_BAYES_AUTOLEARN,  /* {class} */
	VG_STAT_BAYES_TEMPERRORS, /* the database did not answer */
	VG_STAT_REDIS_UP,         /* gauge */
	VG_STAT_REDIS_FAILURES,   /* round trips that failed */
	VG_STAT_REDIS_FALLBACKS,  /* store calls answered VG_ETEMP */
	VG_STAT_CLAMD_UP,         /* gauge {server} */
	VG_STAT_CLAMD_FAILURES,   /* a server failed a scan */
	VG_STAT_START_TIME,       /* gauge: Unix seconds */
	VG_STAT_COUNT
};

/* Fixed label indexes of VG_STAT_BAYES_LEARNED and _AUTOLEARN. */
enum vg_stats_class {
	VG_STATS_SPAM,
	VG_STATS_HAM,
};

/* Directions of VG_STAT_MESSAGES. */
enum vg_stats_dir {
	VG_STATS_INBOUND,
	VG_STATS_OUTBOUND,
	VG_STATS_UNKNOWN, /* ended before a verdict: no direction known */
};

/* vg_stats_defs - the table (VG_STAT_COUNT rows, in enum order) */
const struct vg_metric_def *vg_stats_defs(size_t *n_out);

/* vg_stats_message_series - VG_STAT_MESSAGES's series of dir and action */
size_t vg_stats_message_series(enum vg_stats_dir dir, enum vg_action action);

/* The hooks: each a no-op without an installed registry. */
/* vg_stats_inc - a counter without labels, +1 */
void vg_stats_inc(enum vg_stat id);
/* vg_stats_inc_at - +1 on a fixed label set (its index) */
void vg_stats_inc_at(enum vg_stat id, size_t series);
/* vg_stats_inc_label - +1 on a run-time label value (capped: "other") */
void vg_stats_inc_label(enum vg_stat id, const char *value);
/* vg_stats_set - a gauge without labels */
void vg_stats_set(enum vg_stat id, int64_t v);
/* vg_stats_set_at - a gauge on a fixed label set */
void vg_stats_set_at(enum vg_stat id, size_t series, int64_t v);
/* vg_stats_set_label - a gauge on a run-time label value */
void vg_stats_set_label(enum vg_stat id, const char *value, int64_t v);
/* vg_stats_observe - a histogram without labels, v in microseconds */
void vg_stats_observe(enum vg_stat id, uint64_t v);
/* vg_stats_observe_label - a histogram on a run-time label value */
void vg_stats_observe_label(enum vg_stat id, const char *value, uint64_t v);
/*
 * vg_stats_redis - a Redis round trip went well (ok: vigil_redis_up 1) or
 * failed (vigil_redis_up 0, vigil_redis_failures_total + 1)
 */
void vg_stats_redis(bool ok);
/*
 * vg_stats_clamd - clamd server answered a scan (ok: its
 * vigil_clamd_server_up 1) or failed it (0, vigil_clamd_failures_total
 * + 1)
 */
void vg_stats_clamd(const char *server, bool ok);

#endif /* VG_STATS_H */
