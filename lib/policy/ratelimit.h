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
 * OWNS     vg_ratelimit_new() returns a table the caller frees with
 *	    vg_ratelimit_free().  Keys are copied.
 * LIMITS   max_keys (ratelimit_max_keys): the table never holds more
 *	    keys.  A new key arriving at a full table evicts the key used
 *	    least recently; keys whose windows and hold have passed are
 *	    worth nothing and are therefore the first to go.  An evicted
 *	    key starts again from zero if it comes back (counted in
 *	    vg_ratelimit_stats()).  Keys longer than VG_RATELIMIT_KEY_MAX
 *	    bytes are cut there, so two keys that share that prefix share a
 *	    counter.  A limit of 0 switches the table off: every event
 *	    passes and nothing is stored.
 * ERRORS   VG_ENOMEM when a new key cannot be stored (the event is then
 *	    neither counted nor refused: the caller decides).
 * THREADS  Every call is thread-safe (one mutex per table).  The clock
 *	    callback is called with the mutex held.
 */
#ifndef VG_RATELIMIT_H
#define VG_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_RATELIMIT_KEY_MAX 320 /* bytes of a key that count */

struct vg_ratelimit;

/* A clock in milliseconds; tests inject their own.  NULL = vg_clock_ms. */
typedef uint64_t (*vg_ratelimit_clock_fn)(void *ctx);

struct vg_ratelimit_stats {
	size_t keys;        /* keys stored now */
	uint64_t evictions; /* keys dropped to make room */
	uint64_t refused;   /* events refused over the limit or held */
};

/*
 * vg_ratelimit_new - a table allowing limit events per window_ms per key,
 * holding at most max_keys keys (>= 1).  VG_EINVAL for a zero window or
 * max_keys; VG_ENOMEM.
 */
int vg_ratelimit_new(struct vg_ratelimit **out, uint64_t limit,
    uint64_t window_ms, size_t max_keys, vg_ratelimit_clock_fn clock,
    void *clock_ctx);
/* vg_ratelimit_free - NULL is a no-op */
void vg_ratelimit_free(struct vg_ratelimit *rl);

/*
 * vg_ratelimit_hit - count n events for key unless that would take its
 * count past the limit or the key is held.  *over_out says whether they
 * were refused; *count_out (may be NULL) is the key's count in the window
 * afterwards (for a refusal: the count that refused it).  0 or VG_ENOMEM.
 */
int vg_ratelimit_hit(struct vg_ratelimit *rl, bool *over_out,
    uint64_t *count_out, const char *key, uint64_t n);

/* vg_ratelimit_count - key's count in the window now, 0 if unknown */
uint64_t vg_ratelimit_count(struct vg_ratelimit *rl, const char *key);

/*
 * vg_ratelimit_hold - refuse every event for key until the clock reads
 * until_ms (a later hold extends, an earlier one is ignored).  0 or
 * VG_ENOMEM.  vg_ratelimit_hit() honours holds only while the table's
 * limit is not 0; vg_ratelimit_held() always does.
 */
int vg_ratelimit_hold(
    struct vg_ratelimit *rl, const char *key, uint64_t until_ms);

/* vg_ratelimit_held - milliseconds key is still held for, 0 if not */
uint64_t vg_ratelimit_held(struct vg_ratelimit *rl, const char *key);

/* vg_ratelimit_limit - the table's limit (0 = off) */
uint64_t vg_ratelimit_limit(const struct vg_ratelimit *rl);

/* vg_ratelimit_now - the table's clock, in milliseconds */
uint64_t vg_ratelimit_now(struct vg_ratelimit *rl);

/* vg_ratelimit_stats - counters (see struct vg_ratelimit_stats) */
void vg_ratelimit_stats(
    struct vg_ratelimit *rl, struct vg_ratelimit_stats *out);

#endif /* VG_RATELIMIT_H */
