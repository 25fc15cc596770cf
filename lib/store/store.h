/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store - shared, mutable counters behind one backend seam.
 *
 * PURPOSE  The state that outlives a message and an engine: rate-limit
 *	    windows, harvest holds, and (later) the classifier's token
 *	    counts.  It is a map from byte-string keys to signed 64-bit
 *	    counters, each key with an optional time to live in
 *	    milliseconds, behind an ops table (struct vg_store_ops) as
 *	    OpenSMTPD's queue backends and Postfix's dict_* maps are:
 *	    "memory" (store_mem.c), "lmdb" (store_lmdb.c), "redis"
 *	    (store_redis.c, with a circuit breaker).  The
 *	    store knows nothing of mail: the callers (policy/ratelimit.c,
 *	    policy/harvest.c) choose key names, with a prefix naming their
 *	    table, so one store serves every table.
 *
 *	    The operations are those a network backend can do in ONE round
 *	    trip each, so that a caller never needs a read-modify-write
 *	    across two calls (which would race with other processes sharing
 *	    a Redis):
 *	      incr        atomic add (a missing key starts at 0), optionally
 *	                  setting the TTL (Redis INCRBY + PEXPIRE in one
 *	                  MULTI);
 *	      set         replace a value and its TTL (SET PX);
 *	      get         value and whether the key exists (GET);
 *	      expire      set or clear a TTL (PEXPIRE / PERSIST);
 *	      del         remove (DEL);
 *	      get_many    n keys to n values (MGET), one round trip;
 *	      incr_many   n keys, n deltas, one TTL (a pipeline): the
 *	                  classifier reads and learns a message's few hundred
 *	                  token counts at once;
 *	      window_add  the whole check of a two-bucket sliding-window
 *	                  limit: count = cur + ceil(prev * num / den), then
 *	                  add delta to cur only if count + delta <= cap and
 *	                  no guard key exists (a hold), and say which.  The
 *	                  memory backend does it under its lock; Redis will
 *	                  do it in one Lua script (EVALSHA), so two milters
 *	                  sharing a Redis never let one event too many pass.
 *	    Everything a caller does is one of these; there is no lock or
 *	    transaction handed out.
 *
 *	    Time: TTLs are relative (milliseconds from now), so a backend
 *	    keeps its own expiry clock.  Callers that need absolute time
 *	    (window numbers, hold deadlines) read vg_store_now(): the clock
 *	    the store was opened with (monotonic for the memory store, whose
 *	    data dies with the process; a shared backend must be opened with
 *	    a wall clock so that processes and hosts agree; tests inject
 *	    theirs).
 * OWNS     vg_store_new() returns a handle with one reference;
 *	    vg_store_ref() adds one and vg_store_unref() drops one, the last
 *	    closing the backend.  Keys and values are copied in and out;
 *	    nothing returned points into the store.
 * LIMITS   Keys are at most VG_STORE_KEY_MAX bytes (longer: VG_ELIMIT,
 *	    nothing done); any byte may appear in a key.  An incr_many is
 *	    at most VG_STORE_BATCH_MAX keys, a get_many at most
 *	    VG_STORE_GET_MAX (more: VG_ELIMIT): a read of any message's
 *	    tokens is one call, so one round trip to Redis (its MGETs, of
 *	    VG_STORE_BATCH_MAX keys each, written together).  The memory store
 *	    holds at most opts->max_keys keys: a new key at a full store
 *	    first reclaims an expired key among the few used least
 *	    recently, else evicts the one used least recently (counted in
 *	    stats.evictions); an evicted counter reads as missing, i.e. 0.  A counter that would pass INT64_MAX or
 *	    INT64_MIN is not changed (VG_ELIMIT).
 * ERRORS   0, or VG_ENOMEM (a key could not be stored; nothing changed),
 *	    VG_ETEMP (the backend cannot be reached now: a network store;
 *	    the caller applies its on_error), VG_ELIMIT (as above), VG_EINVAL
 *	    (an unknown backend name or bad options at vg_store_new(), a
 *	    window_add whose delta, fraction or current key is unusable),
 *	    VG_EIO (lmdb: the database file cannot be used, see
 *	    store_lmdb.c).  A
 *	    batch call either does every key or, on failure, reports the
 *	    first error; for incr_many some keys may then have been added
 *	    (as a failed Redis pipeline can leave them).
 * THREADS  A handle is used from many threads at once; every operation is
 *	    atomic with respect to the others on the same key (a backend
 *	    must make it so: the memory store holds one mutex per store).
 *	    The clock callback may be called concurrently.
 */
#ifndef VG_STORE_H
#define VG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_conf;

#define VG_STORE_KEY_MAX   512       /* bytes in a key */
#define VG_STORE_BATCH_MAX 4096      /* keys in one incr_many */
#define VG_STORE_GET_MAX   (1 << 21) /* keys in one get_many */

/* A clock in milliseconds; NULL = vg_clock_ms (monotonic). */
typedef uint64_t (*vg_store_clock_fn)(void *ctx);

/*
 * Called by vg_store_scan() with each live key, its value and its absolute
 * expiry on the store's clock (0: none); a nonzero return stops the scan
 * and is what vg_store_scan() returns.
 */
typedef int (*vg_store_scan_fn)(
    void *arg, const void *key, size_t len, int64_t value, uint64_t expires_ms);

/* A key: bytes, not a C string. */
struct vg_store_key {
	const void *data;
	size_t len; /* 0 in an optional key: none */
};

/* One sliding-window add (see PURPOSE). */
struct vg_store_window {
	struct vg_store_key cur;   /* the current fixed window's counter */
	struct vg_store_key prev;  /* the previous window's; len 0: none */
	struct vg_store_key guard; /* refuse while this key exists; optional */
	uint64_t prev_num;         /* prev counts prev_num / prev_den of */
	uint64_t prev_den;         /* itself, rounded up; den >= num, > 0 */
	int64_t delta;             /* >= 0 */
	int64_t cap;               /* add only if count + delta <= cap */
	uint64_t ttl_ms;           /* TTL given to cur when added; 0: none */
};

/* What window_add did. */
struct vg_store_window_res {
	int64_t count; /* the window's count after (refused: the count) */
	bool added;    /* delta was added to cur */
	bool guarded;  /* refused because the guard key exists */
};

struct vg_store_stats {
	size_t keys;        /* keys stored now (expired ones not yet reclaimed
	                       may be counted) */
	size_t max_keys;    /* the bound; 0: none (a network backend) */
	uint64_t evictions; /* live keys dropped to make room */
	uint64_t expired;   /* keys dropped because their TTL passed */
	uint64_t bytes;     /* lmdb: bytes of pages holding keys; else 0 */
	uint64_t max_bytes; /* lmdb: the map size; else 0 */
	/* A network backend's circuit breaker (store_redis.c); else 0. */
	bool down;           /* open now: calls fail at once (VG_ETEMP) */
	uint64_t outages;    /* times it opened */
	uint64_t fast_fails; /* calls failed at once while it was open */
};

/*
 * Options for vg_store_new().  Each backend reads the fields it names and
 * ignores the others; zero is every field's "unset".  A store shared by
 * processes (lmdb, redis) must keep its TTLs on a wall clock: clock NULL
 * gives those backends vg_clock_wall_ms, the memory store vg_clock_ms.
 */
struct vg_store_opts {
	size_t max_keys;         /* memory store: >= 1 */
	vg_store_clock_fn clock; /* NULL: see above */
	void *clock_ctx;
	/*
	 * lmdb: the database file (MDB_NOSUBDIR; its lock file is
	 * location + "-lock").  redis: "host:port", "[v6]:port" or an
	 * absolute path to a unix socket.
	 */
	const char *location;
	uint64_t max_bytes; /* lmdb: the map size, the database's bound */
	bool read_only;     /* lmdb: open read-only (a reader process) */
	/*
	 * lmdb: a key (at most 256 bytes) this handle adds one to in every
	 * transaction in which its reclaim evicts live keys (store_lmdb.c),
	 * and never evicts, so a copy of the data made under one value of
	 * it is known stale (learn/bayes.h, "Bg"); NULL: none.
	 */
	const char *evict_mark;
	const char *password; /* redis: AUTH when not NULL */
	unsigned db;          /* redis: SELECT db when > 0 */
	unsigned timeout_ms;  /* redis: connect and per-call bound; 0: 500 */
};

/*
 * The backend.  be is what open() returned.  Arguments are checked by the
 * vg_store_* wrappers before they reach a backend (key lengths, batch
 * sizes, the window's fraction), and out-params are set by the backend
 * even on failure (0, false), so a backend implements only the operation.
 */
struct vg_store_ops {
	const char *name; /* "memory" */
	bool shared; /* other processes see it: default to the wall clock */
	int (*open)(void **be_out, const struct vg_store_opts *opts);
	void (*close)(void *be);
	int (*incr)(void *be, int64_t *value_out, struct vg_store_key key,
	    int64_t delta, uint64_t ttl_ms);
	int (*set)(
	    void *be, struct vg_store_key key, int64_t value, uint64_t ttl_ms);
	int (*get)(void *be, int64_t *value_out, bool *found_out,
	    struct vg_store_key key);
	int (*expire)(void *be, bool *found_out, struct vg_store_key key,
	    uint64_t ttl_ms);
	int (*del)(void *be, bool *found_out, struct vg_store_key key);
	int (*get_many)(void *be, int64_t *values_out, bool *found_out,
	    const struct vg_store_key *keys, size_t n);
	int (*incr_many)(void *be, int64_t *values_out,
	    const struct vg_store_key *keys, const int64_t *deltas, size_t n,
	    uint64_t ttl_ms);
	int (*window_add)(void *be, struct vg_store_window_res *out,
	    const struct vg_store_window *w);
	void (*stats)(void *be, struct vg_store_stats *out);
	/* Optional (NULL: the backend cannot; lmdb only). */
	int (*scan)(void *be, struct vg_store_key prefix, vg_store_scan_fn fn,
	    void *arg);
};

/* The backends built in, by name. */
extern const struct vg_store_ops vg_store_mem_ops;  /* "memory" */
extern const struct vg_store_ops vg_store_lmdb_ops; /* "lmdb" (store_lmdb.c) */
extern const struct vg_store_ops
    vg_store_redis_ops; /* "redis" (store_redis.c) */

struct vg_store;

/*
 * vg_store_new - open the backend called name ("memory") with opts (NULL:
 * defaults, which the memory store refuses: it needs max_keys).
 * VG_EINVAL for an unknown name or bad options, VG_ENOMEM, VG_ETEMP,
 * VG_EIO.
 */
int vg_store_new(
    struct vg_store **out, const char *name, const struct vg_store_opts *opts);
/* vg_store_new_ops - vg_store_new() with the backend given by its ops */
int vg_store_new_ops(struct vg_store **out, const struct vg_store_ops *ops,
    const struct vg_store_opts *opts);
/* vg_store_ref - one more reference; returns store */
struct vg_store *vg_store_ref(struct vg_store *store);
/* vg_store_unref - drop a reference, the last closes; NULL is a no-op */
void vg_store_unref(struct vg_store *store);
/* vg_store_name - the backend's name, static */
const char *vg_store_name(const struct vg_store *store);
/* vg_store_now - the store's clock, in milliseconds */
uint64_t vg_store_now(const struct vg_store *store);

/*
 * vg_store_incr - add delta to key (a missing key starts at 0); ttl_ms > 0
 * sets its TTL, 0 leaves it (a new key then lives until deleted or
 * evicted).  *value_out (may be NULL) is the value after.
 */
int vg_store_incr(struct vg_store *store, int64_t *value_out,
    struct vg_store_key key, int64_t delta, uint64_t ttl_ms);
/* vg_store_set - key = value, with TTL ttl_ms (0: none) */
int vg_store_set(struct vg_store *store, struct vg_store_key key, int64_t value,
    uint64_t ttl_ms);
/* vg_store_get - key's value (0 and *found_out false when missing) */
int vg_store_get(struct vg_store *store, int64_t *value_out, bool *found_out,
    struct vg_store_key key);
/* vg_store_expire - key's TTL becomes ttl_ms, 0 clears it; found: it exists */
int vg_store_expire(struct vg_store *store, bool *found_out,
    struct vg_store_key key, uint64_t ttl_ms);
/* vg_store_del - remove key; *found_out (may be NULL): it existed */
int vg_store_del(
    struct vg_store *store, bool *found_out, struct vg_store_key key);
/* vg_store_get_many - values_out[i], found_out[i] for keys[i], i < n */
int vg_store_get_many(struct vg_store *store, int64_t *values_out,
    bool *found_out, const struct vg_store_key *keys, size_t n);
/*
 * vg_store_incr_many - keys[i] += deltas[i], each given TTL ttl_ms when
 * > 0; values_out (may be NULL) gets the values after.
 */
int vg_store_incr_many(struct vg_store *store, int64_t *values_out,
    const struct vg_store_key *keys, const int64_t *deltas, size_t n,
    uint64_t ttl_ms);
/* vg_store_window_add - the sliding-window check and add (see PURPOSE) */
int vg_store_window_add(struct vg_store *store, struct vg_store_window_res *out,
    const struct vg_store_window *w);
/*
 * vg_store_scan - every live key starting with prefix, in key order, from
 * one consistent view of the store (lmdb: one read transaction, so no
 * write is seen half done), given to fn.  Off the mail path: it reads
 * the whole range (the classifier's snapshot, learn/snapshot.h).
 * VG_EINVAL when the backend cannot scan (memory, redis), else as get,
 * or fn's nonzero return.
 */
int vg_store_scan(struct vg_store *store, struct vg_store_key prefix,
    vg_store_scan_fn fn, void *arg);
/* vg_store_stats - the backend's counters (see struct vg_store_stats) */
void vg_store_stats(struct vg_store *store, struct vg_store_stats *out);

/*
 * vg_store_for_conf - the store an engine built from conf uses for its
 * rate limits and harvest counters.  ratelimit_store = redis: a new Redis
 * store on conf's redis settings (the counters are in Redis, so a reload
 * loses none).  memory: prev, with a reference taken, when prev is not NULL
 * and was opened with conf's store settings (bounded at ratelimit_max_keys
 * keys), else a new one with them, so counters survive a reload that
 * leaves the store's settings alone.  Errors as vg_store_new().
 */
int vg_store_for_conf(
    struct vg_store **out, const struct vg_conf *conf, struct vg_store *prev);

/*
 * vg_store_for_reputation - the store of the sender/IP reputation's
 * counts (policy/reputation.h): NULL (and 0) with reputation = no, else as
 * vg_store_for_conf() with reputation_store and reputation_max_keys.
 */
int vg_store_for_reputation(
    struct vg_store **out, const struct vg_conf *conf, struct vg_store *prev);

/*
 * vg_store_window_count - the sliding-window count window_add computes:
 * cur + ceil(prev * num / den) (den > 0), a negative counter counting as
 * 0, saturating at INT64_MAX.  For callers that read the two counters
 * with vg_store_get_many() and for backends.
 */
int64_t vg_store_window_count(
    int64_t cur, int64_t prev, uint64_t num, uint64_t den);

/* vg_store_key_str - a key for a C string (its bytes without the NUL) */
struct vg_store_key vg_store_key_str(const char *s);

#endif /* VG_STORE_H */
