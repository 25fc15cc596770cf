/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ratelimit - sliding-window event counters keyed by string.
 *
 * The table is a chained hash of at most max_keys entries threaded on one
 * least-recently-used list.  Every lookup moves its entry to the front; a
 * new key arriving at a full table takes over the entry at the back.
 * Nothing is ever swept: an entry whose windows have passed reads as zero
 * and drifts to the back, where the next new key reclaims it, so memory
 * stays at max_keys entries whatever the number of distinct clients.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/err.h"
#include "policy/ratelimit.h"

#define RL_MAX_BUCKETS ((size_t)1 << 20)

struct rl_entry {
	char *key;
	uint64_t hash;
	struct rl_entry *hnext;         /* hash chain */
	struct rl_entry *older, *newer; /* LRU list */
	uint64_t idx;                   /* fixed window the counts are for */
	uint64_t cur, prev;  /* events in that window, the one before */
	uint64_t hold_until; /* clock ms; 0 = not held */
};

struct vg_ratelimit {
	pthread_mutex_t mu;
	uint64_t limit, window;
	size_t max_keys, nkeys;
	struct rl_entry **buckets;
	size_t nbuckets; /* a power of two */
	struct rl_entry *newest, *oldest;
	vg_ratelimit_clock_fn clock;
	void *clock_ctx;
	uint64_t seed;
	uint64_t evictions, refused;
};

/* rl_default_clock - vg_clock_ms() behind the callback type */
static uint64_t
rl_default_clock(void *ctx)
{
	(void)ctx;
	return vg_clock_ms();
}

/*
 * rl_hash - FNV-1a over the key, started from a per-table seed.
 * XXX: FNV is not a keyed PRF; a client choosing many keys (SASL logins)
 * could lengthen one chain.  The chain is bounded by max_keys and the
 * seed is not guessable from outside, so this stays a cost, not a hole.
 */
static uint64_t
rl_hash(const struct vg_ratelimit *rl, const char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ rl->seed;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* vg_ratelimit_new - an empty table; see ratelimit.h */
int
vg_ratelimit_new(struct vg_ratelimit **out, uint64_t limit, uint64_t window_ms,
    size_t max_keys, vg_ratelimit_clock_fn clock, void *clock_ctx)
{
	struct vg_ratelimit *rl;
	struct timespec ts;
	size_t nb = 1;

	*out = NULL;
	if (window_ms == 0 || max_keys == 0)
		return VG_EINVAL;
	if ((rl = vg_calloc(1, sizeof(*rl))) == NULL)
		return VG_ENOMEM;
	while (nb < max_keys && nb < RL_MAX_BUCKETS)
		nb <<= 1;
	if ((rl->buckets = vg_calloc(nb, sizeof(*rl->buckets))) == NULL) {
		vg_free(rl);
		return VG_ENOMEM;
	}
	if (pthread_mutex_init(&rl->mu, NULL) != 0) {
		vg_free(rl->buckets);
		vg_free(rl);
		return VG_ENOMEM;
	}
	rl->nbuckets = nb;
	rl->limit = limit;
	rl->window = window_ms;
	rl->max_keys = max_keys;
	rl->clock = clock != NULL ? clock : rl_default_clock;
	rl->clock_ctx = clock_ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	rl->seed = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^
	    (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)rl;
	*out = rl;
	return 0;
}

/* vg_ratelimit_free - every entry, the buckets, the table */
void
vg_ratelimit_free(struct vg_ratelimit *rl)
{
	struct rl_entry *e, *next;

	if (rl == NULL)
		return;
	for (e = rl->newest; e != NULL; e = next) {
		next = e->older;
		vg_free(e->key);
		vg_free(e);
	}
	pthread_mutex_destroy(&rl->mu);
	vg_free(rl->buckets);
	vg_free(rl);
}

/* rl_lru_unlink - take e off the LRU list */
static void
rl_lru_unlink(struct vg_ratelimit *rl, struct rl_entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		rl->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		rl->oldest = e->newer;
	e->newer = e->older = NULL;
}

/* rl_lru_front - put e at the most recently used end */
static void
rl_lru_front(struct vg_ratelimit *rl, struct rl_entry *e)
{
	e->older = rl->newest;
	e->newer = NULL;
	if (rl->newest != NULL)
		rl->newest->newer = e;
	rl->newest = e;
	if (rl->oldest == NULL)
		rl->oldest = e;
}

/* rl_hash_unlink - take e out of its hash chain */
static void
rl_hash_unlink(struct vg_ratelimit *rl, struct rl_entry *e)
{
	struct rl_entry **pp = &rl->buckets[e->hash & (rl->nbuckets - 1)];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
	e->hnext = NULL;
}

/*
 * rl_find - the entry for key, moved to the front of the LRU list; with
 * create, a new or reclaimed entry when there is none (NULL only on
 * VG_ENOMEM).  Called with the mutex held.
 */
static struct rl_entry *
rl_find(struct vg_ratelimit *rl, const char *key, bool create)
{
	size_t len = strnlen(key, VG_RATELIMIT_KEY_MAX);
	uint64_t h = rl_hash(rl, key, len);
	struct rl_entry *e, **head = &rl->buckets[h & (rl->nbuckets - 1)];
	char *copy;

	for (e = *head; e != NULL; e = e->hnext) {
		if (e->hash == h && strncmp(e->key, key, len) == 0 &&
		    e->key[len] == '\0') {
			rl_lru_unlink(rl, e);
			rl_lru_front(rl, e);
			return e;
		}
	}
	if (!create)
		return NULL;
	if ((copy = vg_strndup(key, len)) == NULL)
		return NULL;
	if (rl->nkeys >= rl->max_keys) {
		/* Full: the least recently used key makes room. */
		e = rl->oldest;
		rl_lru_unlink(rl, e);
		rl_hash_unlink(rl, e);
		vg_free(e->key);
		rl->evictions++;
	} else {
		if ((e = vg_malloc(sizeof(*e))) == NULL) {
			vg_free(copy);
			return NULL;
		}
		rl->nkeys++;
	}
	memset(e, 0, sizeof(*e));
	e->key = copy;
	e->hash = h;
	e->hnext = *head;
	*head = e;
	rl_lru_front(rl, e);
	return e;
}

/* rl_advance - move e's buckets forward to the window now falls in */
static void
rl_advance(const struct vg_ratelimit *rl, struct rl_entry *e, uint64_t now)
{
	uint64_t idx = now / rl->window;

	if (idx == e->idx)
		return;
	e->prev = idx == e->idx + 1 ? e->cur : 0;
	e->cur = 0;
	e->idx = idx;
}

/*
 * rl_estimate - events in the sliding window ending now: the current
 * fixed window, plus the previous one weighted by the share of it the
 * sliding window still covers (rounded up, so a limit is never passed
 * through rounding).
 */
static uint64_t
rl_estimate(
    const struct vg_ratelimit *rl, const struct rl_entry *e, uint64_t now)
{
	uint64_t left = rl->window - now % rl->window, w;

	if (__builtin_mul_overflow(e->prev, left, &w))
		return UINT64_MAX;
	w = w / rl->window + (w % rl->window != 0);
	if (__builtin_add_overflow(w, e->cur, &w))
		return UINT64_MAX;
	return w;
}

/* vg_ratelimit_hit - count n events for key unless over the limit */
int
vg_ratelimit_hit(struct vg_ratelimit *rl, bool *over_out, uint64_t *count_out,
    const char *key, uint64_t n)
{
	struct rl_entry *e;
	uint64_t now, count, sum;
	int rc = 0;

	*over_out = false;
	if (count_out != NULL)
		*count_out = 0;
	if (rl->limit == 0)
		return 0;
	pthread_mutex_lock(&rl->mu);
	now = rl->clock(rl->clock_ctx);
	if ((e = rl_find(rl, key, true)) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	rl_advance(rl, e, now);
	count = rl_estimate(rl, e, now);
	if (e->hold_until > now || __builtin_add_overflow(count, n, &sum) ||
	    sum > rl->limit) {
		*over_out = true;
		rl->refused++;
	} else {
		e->cur += n;
		count = sum;
	}
	if (count_out != NULL)
		*count_out = count;
out:
	pthread_mutex_unlock(&rl->mu);
	return rc;
}

/* vg_ratelimit_count - key's count now, without counting anything */
uint64_t
vg_ratelimit_count(struct vg_ratelimit *rl, const char *key)
{
	struct rl_entry *e;
	uint64_t now, count = 0;

	pthread_mutex_lock(&rl->mu);
	now = rl->clock(rl->clock_ctx);
	if ((e = rl_find(rl, key, false)) != NULL) {
		rl_advance(rl, e, now);
		count = rl_estimate(rl, e, now);
	}
	pthread_mutex_unlock(&rl->mu);
	return count;
}

/* vg_ratelimit_hold - refuse key's events until until_ms */
int
vg_ratelimit_hold(struct vg_ratelimit *rl, const char *key, uint64_t until_ms)
{
	struct rl_entry *e;
	int rc = 0;

	pthread_mutex_lock(&rl->mu);
	if ((e = rl_find(rl, key, true)) == NULL)
		rc = VG_ENOMEM;
	else if (until_ms > e->hold_until)
		e->hold_until = until_ms;
	pthread_mutex_unlock(&rl->mu);
	return rc;
}

/* vg_ratelimit_held - how long key is still held for */
uint64_t
vg_ratelimit_held(struct vg_ratelimit *rl, const char *key)
{
	struct rl_entry *e;
	uint64_t now, left = 0;

	pthread_mutex_lock(&rl->mu);
	now = rl->clock(rl->clock_ctx);
	/* Looking counts as use: a client that keeps trying stays held. */
	if ((e = rl_find(rl, key, false)) != NULL && e->hold_until > now)
		left = e->hold_until - now;
	pthread_mutex_unlock(&rl->mu);
	return left;
}

/* vg_ratelimit_limit - the configured limit */
uint64_t
vg_ratelimit_limit(const struct vg_ratelimit *rl)
{
	return rl->limit;
}

/* vg_ratelimit_now - the table's clock */
uint64_t
vg_ratelimit_now(struct vg_ratelimit *rl)
{
	return rl->clock(rl->clock_ctx);
}

/* vg_ratelimit_stats - counters under the mutex */
void
vg_ratelimit_stats(struct vg_ratelimit *rl, struct vg_ratelimit_stats *out)
{
	pthread_mutex_lock(&rl->mu);
	out->keys = rl->nkeys;
	out->evictions = rl->evictions;
	out->refused = rl->refused;
	pthread_mutex_unlock(&rl->mu);
}
