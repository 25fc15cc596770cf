/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ratelimit - sliding-window event counters keyed by string.
 *
 * PURPOSE  Counts events (connections, messages, recipients, unknown
 *	    recipients) per key (a client address, a SASL login) over a
 *	    sliding window, so a hijacked machine or account that starts
 *	    sending in bulk is refused with 451 4.7.1 while the rest of the
 *	    site carries on.  One table counts one kind of event with one
 *	    window and one limit.  The window is the two-bucket estimate
 *	    (the count of the current fixed window plus the previous
 *	    window's count weighted by how much of it still overlaps the
 *	    sliding window): O(1) memory per key, exact at window
 *	    boundaries, and never more than one window late in letting a
 *	    client that stopped back in.  Events that are refused are not
 *	    counted, so a client that keeps trying is let through at the
 *	    limit's rate, not locked out for ever.  A key may also be held
 *	    (refused outright) until a given time: the directory-harvest
 *	    defence's cooling-off period (harvest.h).
 *	    The counters live in a store (store/store.h), so a table is
 *	    an algorithm over shared state: per key, one counter for each
 *	    fixed window, named "rl/NAME/LIMIT/WINDOW/N/KEY" for window
 *	    number N (the store's clock divided by the window) and living
 *	    two windows, and a hold as the key "rl/NAME/LIMIT/WINDOW/hold/
 *	    KEY" whose value is the clock reading the hold ends at and whose
 *	    TTL lets it go then.  The check and the add are one store call
 *	    (vg_store_window_add), so tables over one shared store (Redis,
 *	    several milters) never let an event too many pass.  The limit
 *	    and window are in the key names: a table built with another
 *	    limit or window (a reload that changed them) starts from zero
 *	    and leaves the old counters to expire, while one built the same
 *	    keeps counting.
 * OWNS     vg_ratelimit_new() returns a table the caller frees with
 *	    vg_ratelimit_free(); it holds a reference to the store.  Keys
 *	    are copied.
 * LIMITS   Keys longer than VG_RATELIMIT_KEY_MAX bytes are cut there, so
 *	    two keys that share that prefix share a counter.  The number of
 *	    keys is the store's bound (ratelimit_max_keys for the memory
 *	    store): a key evicted there starts again from zero if it comes
 *	    back (counted in vg_ratelimit_stats()).  A limit of 0 switches
 *	    the table off: every event passes and nothing is stored.
 * ERRORS   VG_ENOMEM when a new key cannot be stored, VG_ETEMP when the
 *	    store cannot be reached (the event is then neither counted nor
 *	    refused: the caller decides); VG_EINVAL from vg_ratelimit_new().
 * THREADS  Every call is thread-safe (the store is).  A hold is a read
 *	    then a write: two holds set at once on one key leave one of
 *	    them (both end about cooloff from now).
 */
#ifndef VG_RATELIMIT_H
#define VG_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_RATELIMIT_KEY_MAX  320 /* bytes of a key that count */
#define VG_RATELIMIT_NAME_MAX 32  /* bytes of a table's name */

struct vg_store;
struct vg_ratelimit;

struct vg_ratelimit_stats {
	size_t keys;        /* keys in the store now (every table's) */
	uint64_t evictions; /* store keys dropped to make room */
	uint64_t refused;   /* this table's events refused, over or held */
};

/*
 * vg_ratelimit_new - a table allowing limit events per window_ms per key,
 * its counters in store under name (letters, digits, '.', '_', '-'; it
 * tells the tables of one store apart).  VG_EINVAL for a zero window or
 * a bad name; VG_ENOMEM.
 */
int vg_ratelimit_new(struct vg_ratelimit **out, struct vg_store *store,
    const char *name, uint64_t limit, uint64_t window_ms);
/* vg_ratelimit_free - NULL is a no-op */
void vg_ratelimit_free(struct vg_ratelimit *rl);

/*
 * vg_ratelimit_hit - count n events for key unless that would take its
 * count past the limit or the key is held.  *over_out says whether they
 * were refused; *count_out (may be NULL) is the key's count in the window
 * afterwards (for a refusal: the count that refused it).  0, VG_ENOMEM
 * or VG_ETEMP.
 */
int vg_ratelimit_hit(struct vg_ratelimit *rl, bool *over_out,
    uint64_t *count_out, const char *key, uint64_t n);

/* vg_ratelimit_count - key's count in the window now; 0 if unknown or on error */
uint64_t vg_ratelimit_count(struct vg_ratelimit *rl, const char *key);

/*
 * vg_ratelimit_hold - refuse every event for key until the clock reads
 * until_ms (a later hold extends, an earlier one is ignored).  0,
 * VG_ENOMEM or VG_ETEMP.  vg_ratelimit_hit() honours holds only while the table's
 * limit is not 0; vg_ratelimit_held() always does.
 */
int vg_ratelimit_hold(
    struct vg_ratelimit *rl, const char *key, uint64_t until_ms);

/*
 * vg_ratelimit_check_held - *left_out: milliseconds key is still held for,
 * 0 if not; 0, or the store's error (VG_ETEMP: it could not say).
 */
int vg_ratelimit_check_held(
    struct vg_ratelimit *rl, uint64_t *left_out, const char *key);
/* vg_ratelimit_held - milliseconds key is still held for; 0 if not or on error */
uint64_t vg_ratelimit_held(struct vg_ratelimit *rl, const char *key);

/* vg_ratelimit_limit - the table's limit (0 = off) */
uint64_t vg_ratelimit_limit(const struct vg_ratelimit *rl);

/* vg_ratelimit_now - the store's clock, in milliseconds */
uint64_t vg_ratelimit_now(struct vg_ratelimit *rl);

/* vg_ratelimit_stats - counters (see struct vg_ratelimit_stats) */
void vg_ratelimit_stats(
    struct vg_ratelimit *rl, struct vg_ratelimit_stats *out);

#endif /* VG_RATELIMIT_H */
