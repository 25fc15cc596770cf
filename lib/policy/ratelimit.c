/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ratelimit - sliding-window event counters keyed by string, over a store.
 *
 * A key's count in the sliding window ending now is its count in the
 * current fixed window plus its count in the previous one weighted by the
 * share of that window the sliding window still covers, rounded up so
 * that rounding never lets a limit be passed.  Window number N is the
 * store's clock divided by the window; its counter is born with a TTL
 * that ends when window N + 1 ends, as from then on nothing reads it.
 * The hit is one vg_store_window_add() (read both counters, check the
 * hold, add to the current one), so no other process or thread can slip
 * an event between the check and the add.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <string.h>

#include "base/alloc.h"
#include "base/err.h"
#include "base/str.h"
#include "policy/ratelimit.h"
#include "store/store.h"

struct vg_ratelimit {
	struct vg_store *store; /* one reference */
	uint64_t limit, window;
	char prefix[96]; /* "rl/NAME/LIMIT/WINDOW/" */
	size_t prefix_len;
	atomic_uint_fast64_t refused;
};

/* A store key the table builds: prefix, window number or "hold", key. */
struct rl_key {
	char buf[VG_STORE_KEY_MAX];
	size_t len;
};

/* rl_name_ok - letters, digits, '.', '_' and '-', 1 to NAME_MAX bytes */
static bool
rl_name_ok(const char *name)
{
	size_t len = strnlen(name, VG_RATELIMIT_NAME_MAX + 1);

	if (len == 0 || len > VG_RATELIMIT_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		        c == '-'))
			return false;
	}
	return true;
}

/* vg_ratelimit_new - a table over store; see ratelimit.h */
int
vg_ratelimit_new(struct vg_ratelimit **out, struct vg_store *store,
    const char *name, uint64_t limit, uint64_t window_ms)
{
	struct vg_ratelimit *rl;

	*out = NULL;
	if (window_ms == 0 || !rl_name_ok(name))
		return VG_EINVAL;
	if ((rl = vg_calloc(1, sizeof(*rl))) == NULL)
		return VG_ENOMEM;
	/* NAME_MAX + two 20-digit numbers always fit the prefix. */
	(void)vg_str_fmt(rl->prefix, sizeof(rl->prefix),
	    "rl/%s/%" PRIu64 "/%" PRIu64 "/", name, limit, window_ms);
	rl->prefix_len = strlen(rl->prefix);
	rl->limit = limit;
	rl->window = window_ms;
	atomic_init(&rl->refused, 0);
	rl->store = vg_store_ref(store);
	*out = rl;
	return 0;
}

/* vg_ratelimit_free - the table and its store reference */
void
vg_ratelimit_free(struct vg_ratelimit *rl)
{
	if (rl == NULL)
		return;
	vg_store_unref(rl->store);
	vg_free(rl);
}

/*
 * rl_key - the store key for the caller's key (cut at KEY_MAX bytes) in
 * window number idx, or its hold when hold.  The prefix (< 96 bytes), 20
 * digits and KEY_MAX bytes fit VG_STORE_KEY_MAX.
 */
static struct vg_store_key
rl_key(struct rl_key *k, const struct vg_ratelimit *rl, const char *key,
    uint64_t idx, bool hold)
{
	size_t klen = strnlen(key, VG_RATELIMIT_KEY_MAX), n;
	struct vg_store_key sk;

	memcpy(k->buf, rl->prefix, rl->prefix_len);
	n = rl->prefix_len;
	if (hold)
		(void)vg_str_fmt(k->buf + n, sizeof(k->buf) - n, "hold/");
	else
		(void)vg_str_fmt(
		    k->buf + n, sizeof(k->buf) - n, "%" PRIu64 "/", idx);
	n += strlen(k->buf + n);
	memcpy(k->buf + n, key, klen);
	k->len = n + klen;
	sk.data = k->buf;
	sk.len = k->len;
	return sk;
}

/* vg_ratelimit_hit - count n events for key unless over the limit */
int
vg_ratelimit_hit(struct vg_ratelimit *rl, bool *over_out, uint64_t *count_out,
    const char *key, uint64_t n)
{
	struct rl_key cur, prev, hold;
	struct vg_store_window w;
	struct vg_store_window_res res;
	uint64_t now, idx, cap;
	int rc;

	*over_out = false;
	if (count_out != NULL)
		*count_out = 0;
	if (rl->limit == 0)
		return 0;
	cap = rl->limit < INT64_MAX ? rl->limit : INT64_MAX;
	if (n > cap) {
		/* More than the limit at once never passes. */
		*over_out = true;
		atomic_fetch_add(&rl->refused, 1);
		if (count_out != NULL)
			*count_out = vg_ratelimit_count(rl, key);
		return 0;
	}
	now = vg_store_now(rl->store);
	idx = now / rl->window;
	memset(&w, 0, sizeof(w));
	w.cur = rl_key(&cur, rl, key, idx, false);
	if (idx > 0)
		w.prev = rl_key(&prev, rl, key, idx - 1, false);
	w.guard = rl_key(&hold, rl, key, 0, true);
	w.prev_num = rl->window - now % rl->window;
	w.prev_den = rl->window;
	w.delta = (int64_t)n;
	w.cap = (int64_t)cap;
	/* Counted in window idx: read until window idx + 1 ends. */
	w.ttl_ms = rl->window + w.prev_num;
	if ((rc = vg_store_window_add(rl->store, &res, &w)) != 0)
		return rc;
	if (!res.added) {
		*over_out = true;
		atomic_fetch_add(&rl->refused, 1);
	}
	if (count_out != NULL)
		*count_out = res.count > 0 ? (uint64_t)res.count : 0;
	return 0;
}

/* vg_ratelimit_count - key's count now, without counting anything */
uint64_t
vg_ratelimit_count(struct vg_ratelimit *rl, const char *key)
{
	struct rl_key cur, prev;
	struct vg_store_key keys[2];
	int64_t v[2], count;
	bool found[2];
	uint64_t now, idx;
	size_t n = 1;

	now = vg_store_now(rl->store);
	idx = now / rl->window;
	keys[0] = rl_key(&cur, rl, key, idx, false);
	if (idx > 0)
		keys[n++] = rl_key(&prev, rl, key, idx - 1, false);
	v[1] = 0;
	if (vg_store_get_many(rl->store, v, found, keys, n) != 0)
		return 0;
	count = vg_store_window_count(
	    v[0], v[1], rl->window - now % rl->window, rl->window);
	return count > 0 ? (uint64_t)count : 0;
}

/* vg_ratelimit_hold - refuse key's events until until_ms */
int
vg_ratelimit_hold(struct vg_ratelimit *rl, const char *key, uint64_t until_ms)
{
	struct rl_key hold;
	struct vg_store_key k = rl_key(&hold, rl, key, 0, true);
	uint64_t now = vg_store_now(rl->store);
	int64_t until;
	bool found;
	int rc;

	if (until_ms <= now)
		return 0;
	until = until_ms < INT64_MAX ? (int64_t)until_ms : INT64_MAX;
	if ((rc = vg_store_get(rl->store, &until, &found, k)) != 0)
		return rc;
	/* An earlier hold does not shorten a later one. */
	if (found && until >= 0 && (uint64_t)until >= until_ms)
		return 0;
	until = until_ms < INT64_MAX ? (int64_t)until_ms : INT64_MAX;
	return vg_store_set(rl->store, k, until, until_ms - now);
}

/* vg_ratelimit_check_held - how long key is still held for, or why not known */
int
vg_ratelimit_check_held(
    struct vg_ratelimit *rl, uint64_t *left_out, const char *key)
{
	struct rl_key hold;
	struct vg_store_key k = rl_key(&hold, rl, key, 0, true);
	uint64_t now = vg_store_now(rl->store);
	int64_t until;
	bool found;
	int rc;

	*left_out = 0;
	/* Looking counts as use: a client that keeps trying stays held. */
	if ((rc = vg_store_get(rl->store, &until, &found, k)) != 0)
		return rc;
	if (found && until >= 0 && (uint64_t)until > now)
		*left_out = (uint64_t)until - now;
	return 0;
}

/* vg_ratelimit_held - how long key is still held for (0 on error) */
uint64_t
vg_ratelimit_held(struct vg_ratelimit *rl, const char *key)
{
	uint64_t left;

	return vg_ratelimit_check_held(rl, &left, key) == 0 ? left : 0;
}

/* vg_ratelimit_limit - the configured limit */
uint64_t
vg_ratelimit_limit(const struct vg_ratelimit *rl)
{
	return rl->limit;
}

/* vg_ratelimit_now - the store's clock */
uint64_t
vg_ratelimit_now(struct vg_ratelimit *rl)
{
	return vg_store_now(rl->store);
}

/* vg_ratelimit_stats - the store's keys and evictions, the refusals */
void
vg_ratelimit_stats(struct vg_ratelimit *rl, struct vg_ratelimit_stats *out)
{
	struct vg_store_stats st;

	vg_store_stats(rl->store, &st);
	out->keys = st.keys;
	out->evictions = st.evictions;
	out->refused = atomic_load(&rl->refused);
}
