/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store_mem - the in-memory store backend ("memory").
 *
 * A chained hash of at most max_keys entries, all threaded on one
 * least-recently-used list, under one mutex.  Every lookup that finds a
 * key moves it to the front.  Expiry is lazy, as in Redis: a key whose
 * TTL has passed is dropped when a lookup meets it, and when a new key
 * arrives at a full store the few keys at the back of the list (the ones
 * used least recently, which are the likeliest to have expired) are
 * looked at first; only when none of them has expired is a live key
 * evicted, the one at the very back.  Nothing is ever swept, so no call
 * costs more than a bounded number of steps, and memory stays at
 * max_keys entries whatever the number of distinct keys.
 *
 * One mutex for the whole store: every operation is a few hash steps, and
 * the callers (rate limits at SMTP commands) are far apart in time
 * compared with them.  XXX: the classifier's batches (hundreds of keys)
 * will hold it longer; stripe the table by hash if that shows in
 * profiles.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/err.h"
#include "store/store.h"

#define MEM_MAX_BUCKETS ((size_t)1 << 20)
/* Keys at the back of the LRU list looked at for an expired one. */
#define MEM_RECLAIM_SCAN 16

struct mem_entry {
	struct mem_entry *hnext;         /* hash chain */
	struct mem_entry *older, *newer; /* LRU list */
	uint64_t hash;
	uint64_t expires; /* clock ms; 0 = never */
	int64_t value;
	size_t klen;
	unsigned char key[]; /* klen bytes */
};

struct mem_store {
	pthread_mutex_t mu;
	struct mem_entry **buckets;
	size_t nbuckets; /* a power of two */
	struct mem_entry *newest, *oldest;
	size_t nkeys, max_keys;
	vg_store_clock_fn clock;
	void *clock_ctx;
	uint64_t seed;
	uint64_t evictions, expired;
};

/*
 * mem_hash - FNV-1a over the key, started from a per-store seed.
 * XXX: FNV is not a keyed PRF; a client choosing many keys (SASL logins)
 * could lengthen one chain.  The chain is bounded by max_keys and the
 * seed is not guessable from outside, so this stays a cost, not a hole.
 */
static uint64_t
mem_hash(const struct mem_store *m, struct vg_store_key key)
{
	const unsigned char *p = key.data;
	uint64_t h = 0xcbf29ce484222325ull ^ m->seed;

	for (size_t i = 0; i < key.len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* mem_open - an empty store of at most opts->max_keys keys */
static int
mem_open(void **be_out, const struct vg_store_opts *opts)
{
	struct mem_store *m;
	struct timespec ts;
	size_t nb = 1;

	*be_out = NULL;
	if (opts->max_keys == 0)
		return VG_EINVAL;
	if ((m = vg_calloc(1, sizeof(*m))) == NULL)
		return VG_ENOMEM;
	while (nb < opts->max_keys && nb < MEM_MAX_BUCKETS)
		nb <<= 1;
	if ((m->buckets = vg_calloc(nb, sizeof(*m->buckets))) == NULL) {
		vg_free(m);
		return VG_ENOMEM;
	}
	if (pthread_mutex_init(&m->mu, NULL) != 0) {
		vg_free(m->buckets);
		vg_free(m);
		return VG_ENOMEM;
	}
	m->nbuckets = nb;
	m->max_keys = opts->max_keys;
	m->clock = opts->clock;
	m->clock_ctx = opts->clock_ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->seed = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^
	    (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)m;
	*be_out = m;
	return 0;
}

/* mem_close - every entry, the buckets, the store */
static void
mem_close(void *be)
{
	struct mem_store *m = be;
	struct mem_entry *e, *next;

	for (e = m->newest; e != NULL; e = next) {
		next = e->older;
		vg_free(e);
	}
	pthread_mutex_destroy(&m->mu);
	vg_free(m->buckets);
	vg_free(m);
}

/* mem_lru_unlink - take e off the LRU list */
static void
mem_lru_unlink(struct mem_store *m, struct mem_entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		m->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		m->oldest = e->newer;
	e->newer = e->older = NULL;
}

/* mem_lru_front - put e at the most recently used end */
static void
mem_lru_front(struct mem_store *m, struct mem_entry *e)
{
	e->older = m->newest;
	e->newer = NULL;
	if (m->newest != NULL)
		m->newest->newer = e;
	m->newest = e;
	if (m->oldest == NULL)
		m->oldest = e;
}

/* mem_remove - unlink e from its chain and the list, and free it */
static void
mem_remove(struct mem_store *m, struct mem_entry *e)
{
	struct mem_entry **pp = &m->buckets[e->hash & (m->nbuckets - 1)];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
	mem_lru_unlink(m, e);
	vg_free(e);
	m->nkeys--;
}

/* mem_dead - has e's TTL passed at now */
static bool
mem_dead(const struct mem_entry *e, uint64_t now)
{
	return e->expires != 0 && e->expires <= now;
}

/* mem_deadline - the clock reading ttl_ms from now; 0 for no TTL */
static uint64_t
mem_deadline(uint64_t now, uint64_t ttl_ms)
{
	uint64_t t;

	if (ttl_ms == 0)
		return 0;
	if (__builtin_add_overflow(now, ttl_ms, &t))
		return UINT64_MAX;
	return t;
}

/*
 * mem_find - the live entry for key, moved to the front of the LRU list,
 * or NULL; an expired one met on the way is dropped.  Mutex held.
 */
static struct mem_entry *
mem_find(struct mem_store *m, struct vg_store_key key, uint64_t now)
{
	uint64_t h = mem_hash(m, key);
	struct mem_entry *e;

	for (e = m->buckets[h & (m->nbuckets - 1)]; e != NULL; e = e->hnext) {
		if (e->hash != h || e->klen != key.len ||
		    (key.len > 0 && memcmp(e->key, key.data, key.len) != 0))
			continue;
		if (mem_dead(e, now)) {
			mem_remove(m, e);
			m->expired++;
			return NULL;
		}
		mem_lru_unlink(m, e);
		mem_lru_front(m, e);
		return e;
	}
	return NULL;
}

/* mem_make_room - at a full store, drop an expired key or the oldest */
static void
mem_make_room(struct mem_store *m, uint64_t now)
{
	struct mem_entry *e = m->oldest;

	for (int i = 0; e != NULL && i < MEM_RECLAIM_SCAN; i++, e = e->newer) {
		if (mem_dead(e, now)) {
			mem_remove(m, e);
			m->expired++;
			return;
		}
	}
	mem_remove(m, m->oldest);
	m->evictions++;
}

/*
 * mem_lookup - the live entry for key, or a new one at 0 with no TTL when
 * there is none; NULL only on VG_ENOMEM, with nothing changed.  Mutex
 * held.
 */
static struct mem_entry *
mem_lookup(struct mem_store *m, struct vg_store_key key, uint64_t now)
{
	struct mem_entry *e, **head;

	if ((e = mem_find(m, key, now)) != NULL)
		return e;
	/* Allocate first, so that a failure evicts nothing. */
	if ((e = vg_malloc(sizeof(*e) + key.len)) == NULL)
		return NULL;
	if (m->nkeys >= m->max_keys)
		mem_make_room(m, now);
	memset(e, 0, sizeof(*e));
	if (key.len > 0)
		memcpy(e->key, key.data, key.len);
	e->klen = key.len;
	e->hash = mem_hash(m, key);
	head = &m->buckets[e->hash & (m->nbuckets - 1)];
	e->hnext = *head;
	*head = e;
	mem_lru_front(m, e);
	m->nkeys++;
	return e;
}

/* mem_incr_locked - one add, mutex held */
static int
mem_incr_locked(struct mem_store *m, int64_t *value_out,
    struct vg_store_key key, int64_t delta, uint64_t ttl_ms, uint64_t now)
{
	struct mem_entry *e;
	int64_t v;

	*value_out = 0;
	if ((e = mem_lookup(m, key, now)) == NULL)
		return VG_ENOMEM;
	if (__builtin_add_overflow(e->value, delta, &v))
		return VG_ELIMIT;
	e->value = v;
	if (ttl_ms > 0)
		e->expires = mem_deadline(now, ttl_ms);
	*value_out = v;
	return 0;
}

/* mem_incr - atomic add */
static int
mem_incr(void *be, int64_t *value_out, struct vg_store_key key, int64_t delta,
    uint64_t ttl_ms)
{
	struct mem_store *m = be;
	int rc;

	pthread_mutex_lock(&m->mu);
	rc = mem_incr_locked(
	    m, value_out, key, delta, ttl_ms, m->clock(m->clock_ctx));
	pthread_mutex_unlock(&m->mu);
	return rc;
}

/* mem_set - replace value and TTL */
static int
mem_set(void *be, struct vg_store_key key, int64_t value, uint64_t ttl_ms)
{
	struct mem_store *m = be;
	struct mem_entry *e;
	uint64_t now;
	int rc = 0;

	pthread_mutex_lock(&m->mu);
	now = m->clock(m->clock_ctx);
	if ((e = mem_lookup(m, key, now)) == NULL) {
		rc = VG_ENOMEM;
	} else {
		e->value = value;
		e->expires = mem_deadline(now, ttl_ms);
	}
	pthread_mutex_unlock(&m->mu);
	return rc;
}

/* mem_get - one value */
static int
mem_get(void *be, int64_t *value_out, bool *found_out, struct vg_store_key key)
{
	struct mem_store *m = be;
	struct mem_entry *e;

	pthread_mutex_lock(&m->mu);
	e = mem_find(m, key, m->clock(m->clock_ctx));
	*found_out = e != NULL;
	*value_out = e != NULL ? e->value : 0;
	pthread_mutex_unlock(&m->mu);
	return 0;
}

/* mem_expire - set or clear a TTL */
static int
mem_expire(void *be, bool *found_out, struct vg_store_key key, uint64_t ttl_ms)
{
	struct mem_store *m = be;
	struct mem_entry *e;
	uint64_t now;

	pthread_mutex_lock(&m->mu);
	now = m->clock(m->clock_ctx);
	if ((e = mem_find(m, key, now)) != NULL)
		e->expires = mem_deadline(now, ttl_ms);
	*found_out = e != NULL;
	pthread_mutex_unlock(&m->mu);
	return 0;
}

/* mem_del - remove a key */
static int
mem_del(void *be, bool *found_out, struct vg_store_key key)
{
	struct mem_store *m = be;
	struct mem_entry *e;

	pthread_mutex_lock(&m->mu);
	if ((e = mem_find(m, key, m->clock(m->clock_ctx))) != NULL)
		mem_remove(m, e);
	*found_out = e != NULL;
	pthread_mutex_unlock(&m->mu);
	return 0;
}

/* mem_get_many - n values under one lock */
static int
mem_get_many(void *be, int64_t *values_out, bool *found_out,
    const struct vg_store_key *keys, size_t n)
{
	struct mem_store *m = be;
	struct mem_entry *e;
	uint64_t now;

	pthread_mutex_lock(&m->mu);
	now = m->clock(m->clock_ctx);
	for (size_t i = 0; i < n; i++) {
		e = mem_find(m, keys[i], now);
		found_out[i] = e != NULL;
		values_out[i] = e != NULL ? e->value : 0;
	}
	pthread_mutex_unlock(&m->mu);
	return 0;
}

/* mem_incr_many - n adds under one lock; the first failure stops */
static int
mem_incr_many(void *be, int64_t *values_out, const struct vg_store_key *keys,
    const int64_t *deltas, size_t n, uint64_t ttl_ms)
{
	struct mem_store *m = be;
	uint64_t now;
	int rc = 0;

	pthread_mutex_lock(&m->mu);
	now = m->clock(m->clock_ctx);
	for (size_t i = 0; i < n; i++)
		values_out[i] = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = mem_incr_locked(
		    m, &values_out[i], keys[i], deltas[i], ttl_ms, now);
	pthread_mutex_unlock(&m->mu);
	return rc;
}

/* mem_value - a live key's value, 0 when missing */
static int64_t
mem_value(struct mem_store *m, struct vg_store_key key, uint64_t now)
{
	struct mem_entry *e;

	if (key.len == 0 || (e = mem_find(m, key, now)) == NULL)
		return 0;
	return e->value;
}

/* mem_window_add - the sliding-window check and add, under the lock */
static int
mem_window_add(
    void *be, struct vg_store_window_res *out, const struct vg_store_window *w)
{
	struct mem_store *m = be;
	int64_t count, sum;
	uint64_t now;
	int rc = 0;

	pthread_mutex_lock(&m->mu);
	now = m->clock(m->clock_ctx);
	count = vg_store_window_count(mem_value(m, w->cur, now),
	    mem_value(m, w->prev, now), w->prev_num, w->prev_den);
	out->count = count;
	if (w->guard.len > 0 && mem_find(m, w->guard, now) != NULL) {
		out->guarded = true;
		goto out;
	}
	if (__builtin_add_overflow(count, w->delta, &sum) || sum > w->cap)
		goto out;
	if ((rc = mem_incr_locked(m, &sum, w->cur, w->delta, w->ttl_ms, now)) !=
	    0)
		goto out;
	out->added = true;
	out->count = count + w->delta;
out:
	pthread_mutex_unlock(&m->mu);
	return rc;
}

/* mem_stats - counters under the lock */
static void
mem_stats(void *be, struct vg_store_stats *out)
{
	struct mem_store *m = be;

	pthread_mutex_lock(&m->mu);
	out->keys = m->nkeys;
	out->max_keys = m->max_keys;
	out->evictions = m->evictions;
	out->expired = m->expired;
	pthread_mutex_unlock(&m->mu);
}

const struct vg_store_ops vg_store_mem_ops = {
    .name = "memory",
    .open = mem_open,
    .close = mem_close,
    .incr = mem_incr,
    .set = mem_set,
    .get = mem_get,
    .expire = mem_expire,
    .del = mem_del,
    .get_many = mem_get_many,
    .incr_many = mem_incr_many,
    .window_add = mem_window_add,
    .stats = mem_stats,
};
