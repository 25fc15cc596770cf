/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * metrics - a registry of counters, gauges and histograms, written from
 * many threads, read as Prometheus text.
 *
 * PURPOSE  The mechanism behind Vigil's metrics (the catalogue of names is
 *	    stats.h).  A registry is built once from a static table of
 *	    families (struct vg_metric_def); each family is a counter, a
 *	    gauge or a fixed-bucket histogram, with no label, a fixed list
 *	    of label sets (direction and action of a message), or one label
 *	    whose values arrive at run time (a virus name, a rule name).
 *	    vg_metrics_render() writes the Prometheus text exposition format
 *	    (version 0.0.4).  The HTTP listener that serves it lives in the
 *	    milter (milter/metrics.c), so lib/ needs no HTTP library.
 * OWNS     vg_metrics_new() returns a registry the caller frees with
 *	    vg_metrics_free(), after every thread that writes to it is done
 *	    (or after vg_metrics_install(NULL)).  The table of definitions
 *	    is borrowed and must outlive the registry (a static table).
 * LIMITS   A run-time label keeps at most def->max_labels distinct values
 *	    (at most VG_METRICS_LABELS_MAX); later new values are counted
 *	    under the value "other", so a flood of new virus or rule names
 *	    cannot grow memory or the scrape.  A value longer than
 *	    VG_METRICS_VALUE_MAX - 1 bytes is cut; bytes outside printable
 *	    ASCII become '?'.  The rendered text is at most
 *	    VG_METRICS_TEXT_MAX bytes (VG_ELIMIT past it).
 * ERRORS   vg_metrics_new(): VG_ENOMEM, VG_EINVAL (a bad table),
 *	    VG_EINTERNAL (the mutex).
 *	    vg_metrics_render(): VG_ENOMEM, VG_ELIMIT.  Updates never fail.
 * THREADS  Updates are lock-free: counters and histograms are spread over
 *	    VG_METRICS_SHARDS cache-line-aligned shards, one per thread
 *	    (round robin), so threads on different cores do not fight over
 *	    one cache line; a reader adds the shards up.  Gauges are one
 *	    atomic each.  The first sight of a new label value takes a mutex
 *	    (once per value); every later update finds it without one.
 *	    Rendering may run while other threads update: each number is
 *	    read atomically, the set of numbers is not a snapshot (a
 *	    histogram's buckets and count are still read from one pass, so
 *	    they agree).
 */
#ifndef VG_METRICS_H
#define VG_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#define VG_METRICS_SHARDS     16
#define VG_METRICS_LABELS_MAX 1024
#define VG_METRICS_VALUE_MAX  96
#define VG_METRICS_BUCKETS    32
#define VG_METRICS_TEXT_MAX   (8u * 1024 * 1024)
/* The series index of "other" in a family with a run-time label. */
#define VG_METRICS_OTHER SIZE_MAX

enum vg_metric_type {
	VG_METRIC_COUNTER,
	VG_METRIC_GAUGE,
	VG_METRIC_HISTOGRAM,
};

/* One family: a row of a static table. */
struct vg_metric_def {
	const char *name; /* "vigil_messages_total" */
	const char *help; /* one line */
	enum vg_metric_type type;
	/* At most one of fixed and label. */
	const char *const *fixed; /* preformatted label sets: a="x",b="y" */
	size_t nfixed;
	const char *label; /* a run-time label's name, or NULL */
	size_t max_labels; /* its distinct values before "other" */
	/* Histograms: upper bounds in stored units, ascending. */
	const uint64_t *buckets;
	size_t nbuckets;
	/* Printed value = stored * scale (1e-6: microseconds as seconds);
	 * 0 means 1. */
	double scale;
};

struct vg_metrics;

/*
 * vg_metrics_new - a registry for the n families of defs (borrowed), every
 * value 0 and every gauge unset (not rendered until set); *out is the
 * caller's.
 */
int vg_metrics_new(
    struct vg_metrics **out, const struct vg_metric_def *defs, size_t n);
/* vg_metrics_free - NULL is a no-op */
void vg_metrics_free(struct vg_metrics *m);

/*
 * vg_metrics_series - the series of family id for a run-time label value
 * (claimed on first sight), or VG_METRICS_OTHER once the family holds
 * max_labels values; for a family with fixed label sets, 0.
 */
size_t vg_metrics_series(struct vg_metrics *m, size_t id, const char *value);

/*
 * The updates.  series is 0 for a family without labels, the index into
 * def->fixed, or what vg_metrics_series() gave.  An id or series out of
 * range, or an update that does not fit the family's type, is ignored.
 */
/* vg_metrics_add - a counter grows by n */
void vg_metrics_add(struct vg_metrics *m, size_t id, size_t series, uint64_t n);
/* vg_metrics_set - a gauge is v from now on */
void vg_metrics_set(struct vg_metrics *m, size_t id, size_t series, int64_t v);
/* vg_metrics_gauge_add - a gauge moves by delta (set from 0 if unset) */
void vg_metrics_gauge_add(
    struct vg_metrics *m, size_t id, size_t series, int64_t delta);
/* vg_metrics_observe - one histogram observation of v (stored units) */
void vg_metrics_observe(
    struct vg_metrics *m, size_t id, size_t series, uint64_t v);

/*
 * vg_metrics_get - a counter's total, a gauge's value (0 when unset,
 * cast), a histogram's count; series as for the updates (VG_METRICS_OTHER
 * included); 0 for an id or series out of range.  For tests.
 */
uint64_t vg_metrics_get(const struct vg_metrics *m, size_t id, size_t series);
/* vg_metrics_labels - how many run-time label values family id holds */
size_t vg_metrics_labels(const struct vg_metrics *m, size_t id);

/*
 * vg_metrics_render - the Prometheus text format of every family into
 * *out (a NUL-terminated string the caller frees with vg_free()),
 * *len_out its length.
 */
int vg_metrics_render(const struct vg_metrics *m, char **out, size_t *len_out);

/*
 * The process's registry: lib/ modules update the one the front end
 * installed (stats.h), and do nothing when none is (`vigil scan`).
 * vg_metrics_install() returns the one it replaced.
 */
struct vg_metrics *vg_metrics_install(struct vg_metrics *m);
/* vg_metrics_installed - the installed registry, or NULL */
struct vg_metrics *vg_metrics_installed(void);

/*
 * vg_metrics_parse_listen - "IPv4:PORT" or "[IPv6]:PORT" (metrics_listen)
 * into *sa and *salen; port 1 to 65535, the address a literal (no host
 * names: nothing to resolve at start).  false with *why set if malformed.
 */
bool vg_metrics_parse_listen(const char *s, struct sockaddr_storage *sa,
    socklen_t *salen, const char **why);

#endif /* VG_METRICS_H */
