/* SPDX-License-Identifier: GPL-2.0-only */
/* metrics - counters, gauges and histograms; Prometheus text */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/compiler.h"
#include "base/err.h"
#include "base/metrics.h"
#include "base/num.h"

/*
 * Layout.  Every counter and every histogram cell (one per bucket, one
 * for the values past the last bound, one for the sum) is a "slot".  A
 * shard holds one copy of every slot, and the shards sit one after the
 * other, each starting on its own cache line: a thread always writes to
 * its own shard, so two threads updating the same counter touch
 * different cache lines.  A counter's value is the sum over the shards.
 * Gauges are set rather than added to, so they cannot be split that way:
 * one atomic each, with a flag that says whether it was ever set.
 *
 * Run-time labels: an open-addressing table of max_labels entries per
 * family, probed from a hash of the value.  An entry goes from EMPTY to
 * READY once, under the registry's mutex, with its value written before
 * the release store of READY; entries are never removed.  So a lookup
 * probes without the lock, and only a value not found (an EMPTY entry
 * reached, or the table full) takes it, probes again, and claims.
 */
#define CACHE_LINE     64
#define SLOTS_PER_LINE (CACHE_LINE / sizeof(uint64_t))

enum {
	LABEL_EMPTY,
	LABEL_READY
};

struct label {
	atomic_int state;
	char value[VG_METRICS_VALUE_MAX];
};

struct family {
	const struct vg_metric_def *def;
	size_t nseries;       /* series rendered: labels (+ other) or fixed */
	size_t cells;         /* slots per series: 1, or nbuckets + 2 */
	size_t first;         /* first slot (counters, histograms) */
	size_t first_gauge;   /* first gauge (gauges) */
	struct label *labels; /* run-time label table, max_labels entries */
	size_t max_labels;
};

struct vg_metrics {
	struct family *fam;
	size_t nfam;
	size_t stride; /* slots per shard, a whole number of cache lines */
	void *raw;     /* the allocation behind shards */
	_Atomic uint64_t *shards;
	size_t ngauges;
	_Atomic int64_t *gauges;
	atomic_bool *gauge_set;
	pthread_mutex_t lock; /* claims of run-time label values */
};

static _Atomic(struct vg_metrics *) vg_metrics_current;
static atomic_uint vg_metrics_next_shard;
static _Thread_local unsigned vg_metrics_shard_plus1;

/* metrics_shard - this thread's shard, assigned round robin on first use */
static unsigned
metrics_shard(void)
{
	if (vg_metrics_shard_plus1 == 0)
		vg_metrics_shard_plus1 =
		    atomic_fetch_add_explicit(
		        &vg_metrics_next_shard, 1, memory_order_relaxed) %
		        VG_METRICS_SHARDS +
		    1;
	return vg_metrics_shard_plus1 - 1;
}

/* metrics_check_def - a table row the registry can hold */
static bool
metrics_check_def(const struct vg_metric_def *d)
{
	if (d->name == NULL || d->help == NULL)
		return false;
	if (d->fixed != NULL && d->label != NULL)
		return false;
	if (d->fixed != NULL && d->nfixed == 0)
		return false;
	if (d->label != NULL && d->max_labels > VG_METRICS_LABELS_MAX)
		return false;
	if (d->type == VG_METRIC_HISTOGRAM) {
		if (d->buckets == NULL || d->nbuckets == 0 ||
		    d->nbuckets > VG_METRICS_BUCKETS)
			return false;
		for (size_t i = 1; i < d->nbuckets; i++)
			if (d->buckets[i] <= d->buckets[i - 1])
				return false;
	}
	return true;
}

/* vg_metrics_new - a registry for defs, every value 0 */
int
vg_metrics_new(
    struct vg_metrics **out, const struct vg_metric_def *defs, size_t n)
{
	struct vg_metrics *m;
	size_t slots = 0, bytes;
	int rc = VG_ENOMEM;

	*out = NULL;
	for (size_t i = 0; i < n; i++)
		if (!metrics_check_def(&defs[i]))
			return VG_EINVAL;
	if ((m = vg_calloc(1, sizeof(*m))) == NULL)
		return VG_ENOMEM;
	if (pthread_mutex_init(&m->lock, NULL) != 0) {
		vg_free(m);
		return VG_EINTERNAL;
	}
	if (n > 0 && (m->fam = vg_calloc(n, sizeof(*m->fam))) == NULL)
		goto out;
	m->nfam = n;
	for (size_t i = 0; i < n; i++) {
		struct family *f = &m->fam[i];
		const struct vg_metric_def *d = &defs[i];

		f->def = d;
		if (d->fixed != NULL) {
			f->nseries = d->nfixed;
		} else if (d->label != NULL) {
			f->max_labels = d->max_labels;
			f->nseries = d->max_labels + 1; /* + other */
			if (d->max_labels > 0 &&
			    (f->labels = vg_calloc(
			         d->max_labels, sizeof(*f->labels))) == NULL)
				goto out;
		} else {
			f->nseries = 1;
		}
		if (d->type == VG_METRIC_GAUGE) {
			f->first_gauge = m->ngauges;
			m->ngauges += f->nseries;
			continue;
		}
		f->cells = d->type == VG_METRIC_HISTOGRAM ? d->nbuckets + 2 : 1;
		f->first = slots;
		/* Small numbers (bounded above): no overflow possible. */
		slots += f->nseries * f->cells;
	}
	m->stride =
	    (slots + SLOTS_PER_LINE - 1) / SLOTS_PER_LINE * SLOTS_PER_LINE;
	if (m->stride == 0)
		m->stride = SLOTS_PER_LINE;
	if (!vg_size_mul(&bytes, m->stride, VG_METRICS_SHARDS) ||
	    !vg_size_mul(&bytes, bytes, sizeof(uint64_t)) ||
	    !vg_size_add(&bytes, bytes, CACHE_LINE))
		goto out;
	if ((m->raw = vg_calloc(1, bytes)) == NULL)
		goto out;
	/* Aligned by hand: the shards must start on cache lines. */
	m->shards = (_Atomic uint64_t *)(void *)((char *)m->raw +
	    (CACHE_LINE - (uintptr_t)m->raw % CACHE_LINE) % CACHE_LINE);
	if (m->ngauges > 0) {
		m->gauges = vg_calloc(m->ngauges, sizeof(*m->gauges));
		m->gauge_set = vg_calloc(m->ngauges, sizeof(*m->gauge_set));
		if (m->gauges == NULL || m->gauge_set == NULL)
			goto out;
	}
	*out = m;
	m = NULL;
	rc = 0;
out:
	vg_metrics_free(m);
	return rc;
}

/* vg_metrics_free - the registry and its tables */
void
vg_metrics_free(struct vg_metrics *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nfam && m->fam != NULL; i++)
		vg_free(m->fam[i].labels);
	vg_free(m->fam);
	vg_free(m->raw);
	vg_free(m->gauges);
	vg_free(m->gauge_set);
	pthread_mutex_destroy(&m->lock);
	vg_free(m);
}

/*
 * metrics_clean - value made safe for a label: printable ASCII, cut to
 * VG_METRICS_VALUE_MAX - 1 bytes; escaping is the renderer's
 */
static void
metrics_clean(char *dst, const char *value)
{
	size_t i;

	for (i = 0; value[i] != '\0' && i < VG_METRICS_VALUE_MAX - 1; i++) {
		unsigned char c = (unsigned char)value[i];

		dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[i] = '\0';
}

/* metrics_hash - FNV-1a of s */
static uint64_t
metrics_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

/*
 * metrics_probe - the entry of f holding v, or the first EMPTY one on
 * its probe path (*found false), or max_labels when the table is full
 */
static size_t
metrics_probe(const struct family *f, const char *v, bool *found)
{
	size_t h = (size_t)(metrics_hash(v) % f->max_labels);

	*found = false;
	for (size_t k = 0; k < f->max_labels; k++) {
		size_t i = (h + k) % f->max_labels;
		int st = atomic_load_explicit(
		    &f->labels[i].state, memory_order_acquire);

		if (st == LABEL_EMPTY)
			return i;
		if (strcmp(f->labels[i].value, v) == 0) {
			*found = true;
			return i;
		}
	}
	return f->max_labels;
}

/* vg_metrics_series - the series of a run-time label value */
size_t
vg_metrics_series(struct vg_metrics *m, size_t id, const char *value)
{
	char v[VG_METRICS_VALUE_MAX];
	struct family *f;
	bool found;
	size_t i;

	if (m == NULL || id >= m->nfam)
		return VG_METRICS_OTHER;
	f = &m->fam[id];
	if (f->def->label == NULL)
		return 0;
	if (f->max_labels == 0 || value == NULL)
		return VG_METRICS_OTHER;
	metrics_clean(v, value);
	i = metrics_probe(f, v, &found);
	if (found)
		return i;
	if (i == f->max_labels)
		return VG_METRICS_OTHER;
	/* New: claim it under the lock (another thread may just have). */
	pthread_mutex_lock(&m->lock);
	i = metrics_probe(f, v, &found);
	if (!found && i < f->max_labels) {
		memcpy(f->labels[i].value, v, sizeof(v));
		atomic_store_explicit(
		    &f->labels[i].state, LABEL_READY, memory_order_release);
		found = true;
	}
	pthread_mutex_unlock(&m->lock);
	return found ? i : VG_METRICS_OTHER;
}

/*
 * metrics_family - family id of m if it has the given type and series,
 * with series mapped to its index (other is the last), else NULL
 */
static struct family *
metrics_family(const struct vg_metrics *m, size_t id, enum vg_metric_type type,
    size_t *series)
{
	struct family *f;

	if (m == NULL || id >= m->nfam)
		return NULL;
	f = &m->fam[id];
	if (f->def->type != type)
		return NULL;
	if (*series == VG_METRICS_OTHER && f->def->label != NULL)
		*series = f->max_labels;
	return *series < f->nseries ? f : NULL;
}

/* metrics_slot - this thread's copy of cell c of a series */
static _Atomic uint64_t *
metrics_slot(
    struct vg_metrics *m, const struct family *f, size_t series, size_t c)
{
	return &m->shards[metrics_shard() * m->stride + f->first +
	    series * f->cells + c];
}

/* vg_metrics_add - a counter grows by n */
void
vg_metrics_add(struct vg_metrics *m, size_t id, size_t series, uint64_t n)
{
	struct family *f = metrics_family(m, id, VG_METRIC_COUNTER, &series);

	if (f != NULL)
		atomic_fetch_add_explicit(
		    metrics_slot(m, f, series, 0), n, memory_order_relaxed);
}

/* vg_metrics_observe - one histogram observation */
void
vg_metrics_observe(struct vg_metrics *m, size_t id, size_t series, uint64_t v)
{
	struct family *f = metrics_family(m, id, VG_METRIC_HISTOGRAM, &series);
	size_t b = 0;

	if (f == NULL)
		return;
	/* Cell b counts values in (bound b-1, bound b]; nbuckets: past all. */
	while (b < f->def->nbuckets && v > f->def->buckets[b])
		b++;
	atomic_fetch_add_explicit(
	    metrics_slot(m, f, series, b), 1, memory_order_relaxed);
	atomic_fetch_add_explicit(
	    metrics_slot(m, f, series, f->cells - 1), v, memory_order_relaxed);
}

/* vg_metrics_set - a gauge is v */
void
vg_metrics_set(struct vg_metrics *m, size_t id, size_t series, int64_t v)
{
	struct family *f = metrics_family(m, id, VG_METRIC_GAUGE, &series);

	if (f == NULL)
		return;
	atomic_store(&m->gauges[f->first_gauge + series], v);
	atomic_store(&m->gauge_set[f->first_gauge + series], true);
}

/* vg_metrics_gauge_add - a gauge moves by delta */
void
vg_metrics_gauge_add(
    struct vg_metrics *m, size_t id, size_t series, int64_t delta)
{
	struct family *f = metrics_family(m, id, VG_METRIC_GAUGE, &series);

	if (f == NULL)
		return;
	atomic_fetch_add(&m->gauges[f->first_gauge + series], delta);
	atomic_store(&m->gauge_set[f->first_gauge + series], true);
}

/* metrics_sum - cell c of a series, summed over the shards */
static uint64_t
metrics_sum(
    const struct vg_metrics *m, const struct family *f, size_t series, size_t c)
{
	uint64_t sum = 0;

	for (size_t s = 0; s < VG_METRICS_SHARDS; s++)
		sum +=
		    atomic_load_explicit(&m->shards[s * m->stride + f->first +
		                             series * f->cells + c],
		        memory_order_relaxed);
	return sum;
}

/* vg_metrics_get - a counter's total, a gauge, a histogram's count */
uint64_t
vg_metrics_get(const struct vg_metrics *m, size_t id, size_t series)
{
	struct family *f;
	uint64_t n = 0;

	if (m == NULL || id >= m->nfam)
		return 0;
	f = &m->fam[id];
	if (series == VG_METRICS_OTHER && f->def->label != NULL)
		series = f->max_labels;
	if (series >= f->nseries)
		return 0;
	switch (f->def->type) {
	case VG_METRIC_COUNTER:
		return metrics_sum(m, f, series, 0);
	case VG_METRIC_GAUGE:
		return (uint64_t)atomic_load(
		    &m->gauges[f->first_gauge + series]);
	case VG_METRIC_HISTOGRAM:
		for (size_t c = 0; c + 1 < f->cells; c++)
			n += metrics_sum(m, f, series, c);
		return n;
	}
	return 0;
}

/* vg_metrics_labels - run-time label values held by family id */
size_t
vg_metrics_labels(const struct vg_metrics *m, size_t id)
{
	size_t n = 0;

	if (m == NULL || id >= m->nfam)
		return 0;
	for (size_t i = 0; i < m->fam[id].max_labels; i++)
		if (atomic_load_explicit(&m->fam[id].labels[i].state,
		        memory_order_acquire) == LABEL_READY)
			n++;
	return n;
}

/* render_number - v * scale: an integer when scale is 1 */
static int
render_number(struct vg_buf *b, double scale, uint64_t v, bool is_signed)
{
	if (scale == 0.0 || scale == 1.0)
		return is_signed ? vg_buf_printf(b, "%" PRId64, (int64_t)v)
		                 : vg_buf_printf(b, "%" PRIu64, v);
	return vg_buf_printf(
	    b, "%.6f", (is_signed ? (double)(int64_t)v : (double)v) * scale);
}

/*
 * render_labels - the label part of series i of f into lbl (no braces,
 * "" when none, ending without a comma); false if the series is unused
 */
static bool
render_labels(const struct family *f, size_t i, struct vg_buf *lbl)
{
	const struct vg_metric_def *d = f->def;
	const char *v;

	vg_buf_reset(lbl);
	if (d->fixed != NULL)
		return vg_buf_append_str(lbl, d->fixed[i]) == 0;
	if (d->label == NULL)
		return true;
	if (i == f->max_labels) {
		v = "other";
	} else {
		if (atomic_load_explicit(&f->labels[i].state,
		        memory_order_acquire) != LABEL_READY)
			return false;
		v = f->labels[i].value;
	}
	if (vg_buf_printf(lbl, "%s=\"", d->label) != 0)
		return false;
	/* The exposition format escapes backslash and double quote. */
	for (; *v != '\0'; v++) {
		if ((*v == '\\' || *v == '"') &&
		    vg_buf_append(lbl, "\\", 1) != 0)
			return false;
		if (vg_buf_append(lbl, v, 1) != 0)
			return false;
	}
	return vg_buf_append(lbl, "\"", 1) == 0;
}

/* render_series - the lines of series i of f */
static int
render_series(const struct vg_metrics *m, const struct family *f, size_t i,
    const char *lbl, struct vg_buf *b)
{
	const struct vg_metric_def *d = f->def;
	double scale = d->scale == 0.0 ? 1.0 : d->scale;
	uint64_t cum = 0;
	int rc = 0;

	switch (d->type) {
	case VG_METRIC_COUNTER:
	case VG_METRIC_GAUGE:
		rc = vg_buf_printf(b, "%s%s%s%s ", d->name,
		    lbl[0] != '\0' ? "{" : "", lbl, lbl[0] != '\0' ? "}" : "");
		if (rc == 0)
			rc = render_number(b, scale,
			    vg_metrics_get(m, (size_t)(f - m->fam), i),
			    d->type == VG_METRIC_GAUGE);
		return rc != 0 ? rc : vg_buf_append(b, "\n", 1);
	case VG_METRIC_HISTOGRAM:
		for (size_t c = 0; c <= d->nbuckets && rc == 0; c++) {
			cum += metrics_sum(m, f, i, c);
			rc = vg_buf_printf(b, "%s_bucket{%s%s", d->name, lbl,
			    lbl[0] != '\0' ? "," : "");
			if (rc == 0 && c < d->nbuckets)
				rc =
				    vg_buf_printf(b, "le=\"%g\"} %" PRIu64 "\n",
				        (double)d->buckets[c] * scale, cum);
			else if (rc == 0)
				rc = vg_buf_printf(
				    b, "le=\"+Inf\"} %" PRIu64 "\n", cum);
		}
		if (rc == 0)
			rc = vg_buf_printf(b, "%s_sum%s%s%s ", d->name,
			    lbl[0] != '\0' ? "{" : "", lbl,
			    lbl[0] != '\0' ? "}" : "");
		if (rc == 0)
			rc = render_number(b, scale,
			    metrics_sum(m, f, i, f->cells - 1), false);
		if (rc == 0)
			rc = vg_buf_printf(b, "\n%s_count%s%s%s %" PRIu64 "\n",
			    d->name, lbl[0] != '\0' ? "{" : "", lbl,
			    lbl[0] != '\0' ? "}" : "", cum);
		return rc;
	}
	return 0;
}

/*
 * render_wanted - whether series i is printed: a gauge once set; with a
 * run-time label, a value seen (other once it counted something); all
 * the others always, zeros included, so a rate starts from 0
 */
static bool
render_wanted(const struct vg_metrics *m, const struct family *f, size_t i)
{
	if (f->def->type == VG_METRIC_GAUGE)
		return atomic_load(&m->gauge_set[f->first_gauge + i]);
	if (f->def->label != NULL && i == f->max_labels)
		return vg_metrics_get(m, (size_t)(f - m->fam), i) > 0;
	return true;
}

/* vg_metrics_render - the Prometheus text format of every family */
int
vg_metrics_render(const struct vg_metrics *m, char **out, size_t *len_out)
{
	static const char *const type_name[] = {
	    [VG_METRIC_COUNTER] = "counter",
	    [VG_METRIC_GAUGE] = "gauge",
	    [VG_METRIC_HISTOGRAM] = "histogram",
	};
	struct vg_buf b, lbl;
	int rc = 0;

	*out = NULL;
	*len_out = 0;
	vg_buf_init(&b, VG_METRICS_TEXT_MAX);
	vg_buf_init(&lbl, 4 * VG_METRICS_VALUE_MAX);
	for (size_t id = 0; id < m->nfam && rc == 0; id++) {
		const struct family *f = &m->fam[id];

		rc = vg_buf_printf(&b, "# HELP %s %s\n# TYPE %s %s\n",
		    f->def->name, f->def->help, f->def->name,
		    type_name[f->def->type]);
		for (size_t i = 0; i < f->nseries && rc == 0; i++) {
			if (!render_wanted(m, f, i) ||
			    !render_labels(f, i, &lbl))
				continue;
			rc = render_series(m, f, i, vg_buf_cstr(&lbl), &b);
		}
	}
	vg_buf_fini(&lbl);
	if (rc == 0) {
		*len_out = b.len;
		if ((*out = vg_buf_steal(&b)) == NULL)
			rc = VG_ENOMEM;
	}
	vg_buf_fini(&b);
	return rc;
}

/* vg_metrics_install - make m the process's registry */
struct vg_metrics *
vg_metrics_install(struct vg_metrics *m)
{
	return atomic_exchange(&vg_metrics_current, m);
}

/* vg_metrics_installed - the process's registry, or NULL */
struct vg_metrics *
vg_metrics_installed(void)
{
	return atomic_load_explicit(&vg_metrics_current, memory_order_acquire);
}

/* vg_metrics_parse_listen - "IPv4:PORT" or "[IPv6]:PORT" */
bool
vg_metrics_parse_listen(const char *s, struct sockaddr_storage *sa,
    socklen_t *salen, const char **why)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = s;
	size_t hlen;
	uint64_t port;
	bool v6 = false;

	memset(sa, 0, sizeof(*sa));
	*why = "use IPv4:PORT or [IPv6]:PORT, e.g. 127.0.0.1:9899";
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return false;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
		v6 = true;
	} else {
		if ((colon = strrchr(s, ':')) == NULL ||
		    strchr(s, ':') != colon)
			return false;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return false;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (vg_num_uint(&port, colon + 1, 1, 65535, NULL) != 0) {
		*why = "the port must be a number from 1 to 65535";
		return false;
	}
	if (v6) {
		struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6,
		    .sin6_port = htons((uint16_t)port)};

		if (inet_pton(AF_INET6, host, &sin6.sin6_addr) != 1) {
			*why = "not an IPv6 address between the brackets";
			return false;
		}
		memcpy(sa, &sin6, sizeof(sin6));
		*salen = sizeof(sin6);
	} else {
		struct sockaddr_in sin = {
		    .sin_family = AF_INET, .sin_port = htons((uint16_t)port)};

		if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
			*why = "not an IPv4 address (host names are not "
			       "resolved; IPv6 goes in brackets)";
			return false;
		}
		memcpy(sa, &sin, sizeof(sin));
		*salen = sizeof(sin);
	}
	*why = NULL;
	return true;
}
