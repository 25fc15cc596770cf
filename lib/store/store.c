/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store - the refcounted handle over one backend, and the argument checks
 * every backend relies on (store.h).
 */
#include <stdatomic.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/stats.h"
#include "store/store.h"

struct vg_store {
	atomic_uint refs;
	const struct vg_store_ops *ops;
	void *be;
	vg_store_clock_fn clock;
	void *clock_ctx;
};

/* The backends vg_store_new() finds by name. */
static const struct vg_store_ops *const store_backends[] = {
    &vg_store_mem_ops,
    &vg_store_redis_ops,
    &vg_store_lmdb_ops,
};

/* store_default_clock - vg_clock_ms() behind the callback type */
static uint64_t
store_default_clock(void *ctx)
{
	(void)ctx;
	return vg_clock_ms();
}

/* store_wall_clock - vg_clock_wall_ms() behind the callback type */
static uint64_t
store_wall_clock(void *ctx)
{
	(void)ctx;
	return vg_clock_wall_ms();
}

/* vg_store_new_ops - open a backend given by its ops */
int
vg_store_new_ops(struct vg_store **out, const struct vg_store_ops *ops,
    const struct vg_store_opts *opts)
{
	struct vg_store_opts o = {0};
	struct vg_store *store;
	int rc;

	*out = NULL;
	if (opts != NULL)
		o = *opts;
	if (o.clock == NULL) {
		o.clock = ops->shared ? store_wall_clock : store_default_clock;
		o.clock_ctx = NULL;
	}
	if ((store = vg_calloc(1, sizeof(*store))) == NULL)
		return VG_ENOMEM;
	if ((rc = ops->open(&store->be, &o)) != 0) {
		vg_free(store);
		return rc;
	}
	atomic_init(&store->refs, 1);
	store->ops = ops;
	store->clock = o.clock;
	store->clock_ctx = o.clock_ctx;
	*out = store;
	return 0;
}

/* vg_store_new - open the backend called name */
int
vg_store_new(
    struct vg_store **out, const char *name, const struct vg_store_opts *opts)
{
	size_t n = sizeof(store_backends) / sizeof(store_backends[0]);

	*out = NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(store_backends[i]->name, name) == 0)
			return vg_store_new_ops(out, store_backends[i], opts);
	return VG_EINVAL;
}

/* vg_store_ref - one more reference */
struct vg_store *
vg_store_ref(struct vg_store *store)
{
	atomic_fetch_add_explicit(&store->refs, 1, memory_order_relaxed);
	return store;
}

/* vg_store_unref - drop a reference; the last closes the backend */
void
vg_store_unref(struct vg_store *store)
{
	if (store == NULL)
		return;
	/* acq_rel: the closing thread sees every other thread's last use. */
	if (atomic_fetch_sub_explicit(&store->refs, 1, memory_order_acq_rel) !=
	    1)
		return;
	store->ops->close(store->be);
	vg_free(store);
}

/* vg_store_name - the backend's name */
const char *
vg_store_name(const struct vg_store *store)
{
	return store->ops->name;
}

/* vg_store_now - the store's clock */
uint64_t
vg_store_now(const struct vg_store *store)
{
	return store->clock(store->clock_ctx);
}

/* store_key_ok - a key a backend may be given (an empty one is) */
static bool
store_key_ok(struct vg_store_key key)
{
	return key.len <= VG_STORE_KEY_MAX &&
	    (key.data != NULL || key.len == 0);
}

/*
 * store_rc - rc of a backend call, counted as a fallback when a shared
 * store (Redis) could not serve it: its caller goes on without it
 */
static int
store_rc(const struct vg_store *store, int rc)
{
	if (rc == VG_ETEMP && store->ops->shared)
		vg_stats_inc(VG_STAT_REDIS_FALLBACKS);
	return rc;
}

/* vg_store_incr - atomic add */
int
vg_store_incr(struct vg_store *store, int64_t *value_out,
    struct vg_store_key key, int64_t delta, uint64_t ttl_ms)
{
	int64_t v = 0;
	int rc = VG_ELIMIT;

	if (store_key_ok(key))
		rc = store_rc(
		    store, store->ops->incr(store->be, &v, key, delta, ttl_ms));
	if (value_out != NULL)
		*value_out = rc == 0 ? v : 0;
	return rc;
}

/* vg_store_set - replace a value and its TTL */
int
vg_store_set(struct vg_store *store, struct vg_store_key key, int64_t value,
    uint64_t ttl_ms)
{
	if (!store_key_ok(key))
		return VG_ELIMIT;
	return store_rc(store, store->ops->set(store->be, key, value, ttl_ms));
}

/* vg_store_get - one value */
int
vg_store_get(struct vg_store *store, int64_t *value_out, bool *found_out,
    struct vg_store_key key)
{
	int rc;

	*value_out = 0;
	*found_out = false;
	if (!store_key_ok(key))
		return VG_ELIMIT;
	rc = store_rc(
	    store, store->ops->get(store->be, value_out, found_out, key));
	if (rc != 0) {
		*value_out = 0;
		*found_out = false;
	}
	return rc;
}

/* vg_store_expire - set or clear a TTL */
int
vg_store_expire(struct vg_store *store, bool *found_out,
    struct vg_store_key key, uint64_t ttl_ms)
{
	bool found = false;
	int rc = VG_ELIMIT;

	if (store_key_ok(key))
		rc = store_rc(
		    store, store->ops->expire(store->be, &found, key, ttl_ms));
	if (found_out != NULL)
		*found_out = rc == 0 && found;
	return rc;
}

/* vg_store_del - remove a key */
int
vg_store_del(struct vg_store *store, bool *found_out, struct vg_store_key key)
{
	bool found = false;
	int rc = VG_ELIMIT;

	if (store_key_ok(key))
		rc = store_rc(store, store->ops->del(store->be, &found, key));
	if (found_out != NULL)
		*found_out = rc == 0 && found;
	return rc;
}

/* store_batch_ok - n keys a backend may be given at once (max: the limit) */
static bool
store_batch_ok(const struct vg_store_key *keys, size_t n, size_t max)
{
	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!store_key_ok(keys[i]))
			return false;
	return true;
}

/* vg_store_get_many - n values in one call */
int
vg_store_get_many(struct vg_store *store, int64_t *values_out, bool *found_out,
    const struct vg_store_key *keys, size_t n)
{
	int rc;

	if (n == 0)
		return 0;
	memset(values_out, 0, n * sizeof(*values_out));
	memset(found_out, 0, n * sizeof(*found_out));
	if (!store_batch_ok(keys, n, VG_STORE_GET_MAX))
		return VG_ELIMIT;
	rc = store_rc(store,
	    store->ops->get_many(store->be, values_out, found_out, keys, n));
	if (rc != 0) {
		memset(values_out, 0, n * sizeof(*values_out));
		memset(found_out, 0, n * sizeof(*found_out));
	}
	return rc;
}

/* vg_store_incr_many - n adds in one call */
int
vg_store_incr_many(struct vg_store *store, int64_t *values_out,
    const struct vg_store_key *keys, const int64_t *deltas, size_t n,
    uint64_t ttl_ms)
{
	int64_t stack[64], *v = values_out;
	int rc;

	if (n == 0)
		return 0;
	if (!store_batch_ok(keys, n, VG_STORE_BATCH_MAX))
		return VG_ELIMIT;
	/* The backend always has somewhere to write the values. */
	if (v == NULL && n <= sizeof(stack) / sizeof(stack[0]))
		v = stack;
	else if (v == NULL && (v = vg_calloc(n, sizeof(*v))) == NULL)
		return VG_ENOMEM;
	rc = store_rc(store,
	    store->ops->incr_many(store->be, v, keys, deltas, n, ttl_ms));
	if (values_out == NULL && v != stack)
		vg_free(v);
	return rc;
}

/* vg_store_window_add - the sliding-window check and add */
int
vg_store_window_add(struct vg_store *store, struct vg_store_window_res *out,
    const struct vg_store_window *w)
{
	memset(out, 0, sizeof(*out));
	if (w->cur.len == 0 || w->delta < 0 || w->prev_den == 0 ||
	    w->prev_num > w->prev_den)
		return VG_EINVAL;
	if (!store_key_ok(w->cur) || !store_key_ok(w->prev) ||
	    !store_key_ok(w->guard))
		return VG_ELIMIT;
	return store_rc(store, store->ops->window_add(store->be, out, w));
}

/* vg_store_scan - the live keys under prefix, if the backend can */
int
vg_store_scan(struct vg_store *store, struct vg_store_key prefix,
    vg_store_scan_fn fn, void *arg)
{
	if (store->ops->scan == NULL)
		return VG_EINVAL;
	if (!store_key_ok(prefix))
		return VG_ELIMIT;
	return store->ops->scan(store->be, prefix, fn, arg);
}

/* vg_store_stats - the backend's counters */
void
vg_store_stats(struct vg_store *store, struct vg_store_stats *out)
{
	memset(out, 0, sizeof(*out));
	store->ops->stats(store->be, out);
}

/*
 * store_for - a store of the kind backend names ("memory" or "redis"):
 * redis on conf's Redis settings; memory bounded at max_keys, prev with a
 * reference taken when it is a memory store of that bound
 */
static int
store_for(struct vg_store **out, const struct vg_conf *conf,
    const char *backend, unsigned max_keys, struct vg_store *prev)
{
	struct vg_store_opts opts = {0};
	struct vg_store_stats st;

	*out = NULL;
	if (strcmp(backend, "redis") == 0) {
		/*
		 * The counters live in Redis: a reload opens a new pool (its
		 * connections are made on first use), nothing is lost.
		 */
		opts.location = conf->redis;
		opts.password = conf->redis_password[0] != '\0'
		    ? conf->redis_password
		    : NULL;
		opts.db = conf->redis_db;
		opts.timeout_ms = (unsigned)conf->redis_timeout_ms;
		return vg_store_new(out, "redis", &opts);
	}
	if (prev != NULL && prev->ops == &vg_store_mem_ops) {
		vg_store_stats(prev, &st);
		if (st.max_keys == max_keys) {
			*out = vg_store_ref(prev);
			return 0;
		}
	}
	opts.max_keys = max_keys;
	return vg_store_new(out, "memory", &opts);
}

/* vg_store_for_conf - prev if it has conf's settings, or a fresh store */
int
vg_store_for_conf(
    struct vg_store **out, const struct vg_conf *conf, struct vg_store *prev)
{
	return store_for(
	    out, conf, conf->ratelimit_store, conf->ratelimit_max_keys, prev);
}

/* vg_store_for_reputation - the reputation's store, or NULL when off */
int
vg_store_for_reputation(
    struct vg_store **out, const struct vg_conf *conf, struct vg_store *prev)
{
	*out = NULL;
	if (!conf->reputation)
		return 0;
	return store_for(
	    out, conf, conf->reputation_store, conf->reputation_max_keys, prev);
}

/* vg_store_window_count - cur + ceil(prev * num / den), saturating */
int64_t
vg_store_window_count(int64_t cur, int64_t prev, uint64_t num, uint64_t den)
{
	uint64_t w = 0, c = cur > 0 ? (uint64_t)cur : 0;
	unsigned __int128 x;

	/*
	 * In 128 bits: prev * num may pass 2^64 while the share it gives
	 * (at most prev when num <= den) does not; saturating there would
	 * count a window as full that is not (the Redis script is exact).
	 */
	if (prev > 0 && num > 0) {
		x = (unsigned __int128)(uint64_t)prev * num;
		x = x / den + (x % den != 0);
		if (x > INT64_MAX)
			return INT64_MAX;
		w = (uint64_t)x;
	}
	if (__builtin_add_overflow(w, c, &w) || w > INT64_MAX)
		return INT64_MAX;
	return (int64_t)w;
}

/* vg_store_key_str - a key over a C string's bytes */
struct vg_store_key
vg_store_key_str(const char *s)
{
	struct vg_store_key k = {s, strlen(s)};

	return k;
}
