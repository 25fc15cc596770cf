/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store_lmdb - the LMDB store backend ("lmdb").
 *
 * PURPOSE  A store in one memory-mapped file that several processes share:
 *	    the milter reads (many threads, each call one read transaction,
 *	    so MDB_NOTLS) while `vigil learn` writes.  LMDB gives every read
 *	    transaction one snapshot and serialises writers, so a batch
 *	    (get_many, incr_many: one transaction per call) is never seen
 *	    half done, and a crash leaves the last committed state (every
 *	    commit is synced: batch writes, a commit costs about two fsyncs).
 *
 *	    On disk (format version 1): one LMDB file opened with
 *	    MDB_NOSUBDIR at opts->location, its lock file location + "-lock",
 *	    everything in LMDB's main database.  The first byte of an LMDB
 *	    key says what the record is:
 *	      'k' key     a key of at most LMDB_DIRECT_MAX bytes, as it is
 *	                  (an empty key is 'k' alone);
 *	      'h' hash    a longer key (LMDB's keys stop at 511 bytes):
 *	                  16 bytes of SipHash-2-4 (two fixed keys) of it;
 *	      'm' name    metadata: "mformat" holds the format record.
 *	    A data record is 16 bytes in host byte order (as LMDB's own pages
 *	    are): the int64 value, then the uint64 absolute expiry in
 *	    milliseconds on the store's clock (0: none); an 'h' record is
 *	    followed by the whole key, compared on every lookup, so two long
 *	    keys whose hashes collide are never confused (the second cannot
 *	    be stored: VG_ELIMIT).  The format record is "vgstore\0" and a
 *	    uint32 version: a database written by a newer format, a file
 *	    that is not LMDB, or an LMDB file that is not a store is refused
 *	    at open.
 *	    Size (bench/store-size): 1,000,000 classifier tokens (9-byte
 *	    keys) take 13,051 pages of 4 KiB, 53.5 bytes a key, and a
 *	    57 MB file when learned in batches of 300 keys.
 *
 *	    Expiry: a key whose expiry has passed reads as missing, and a
 *	    write that meets it starts afresh (incr from 0, no TTL) and
 *	    counts it in stats.expired.  Every write transaction also sweeps
 *	    on: from where the last one stopped, it looks at as many records
 *	    as it writes keys (at least LMDB_SWEEP_MIN) and deletes the
 *	    expired ones, wrapping at the end; so expired keys go away at the
 *	    pace keys are written, not only when the map fills.
 *
 *	    The bound is the map size (opts->max_bytes; 0 gives
 *	    LMDB_DEFAULT_MAP, 256 MiB; never less than the data a file
 *	    already holds; processes sharing the file end up with the
 *	    largest size any of them asked for, see THREADS).  A write that
 *	    hits MDB_MAP_FULL reclaims, then is retried: first every
 *	    expired key is deleted; if that freed fewer than
 *	    LMDB_RECLAIM_PCT (25) percent of the keys the database held, the
 *	    keys with a TTL that expire soonest (the ones refreshed least
 *	    recently, as the classifier refreshes a token's TTL each time it
 *	    learns it) are deleted until that many are gone, counted in
 *	    stats.evictions.  "Soonest" is a quantile of a reservoir sample
 *	    of LMDB_SAMPLE_MAX expiries: every key expiring before it goes,
 *	    and keys expiring at it (one batch's keys share an expiry) only
 *	    until the quarter is reached.  A handle opened with
 *	    opts->evict_mark adds one to that key in each transaction that
 *	    evicts live keys, and never evicts it (the classifier's learn
 *	    generation: a snapshot of the counts knows it is stale).  Keys
 *	    without a TTL are never
 *	    reclaimed: a map full of them gives VG_ENOMEM (nothing written;
 *	    reopen with a larger max_bytes).  One log line per reclaim says
 *	    what went.  Before all that, reader slots of processes that died
 *	    in a read transaction are freed (mdb_reader_check, also done at
 *	    open): such a slot keeps every page freed since from reuse, and
 *	    when there was one the write is retried with nothing deleted.
 *
 *	    Why a quarter of the keys and not of the bytes: LMDB copies
 *	    every page a write touches, and deleting keys spread over the
 *	    key space (hashed tokens) frees room inside pages, which the next
 *	    keys landing there reuse, rather than whole pages (a page is
 *	    merged only below a quarter full).  So a quarter of the keys is a
 *	    quarter of the room for new ones, while the free page count may
 *	    hardly move.  Because of that the retry can still find no page to
 *	    copy into (a batch touching most of a small map's leaves): the
 *	    write then reclaims again, at most LMDB_RECLAIM_ROUNDS times, and
 *	    stops early when a round deletes nothing.  Deletion runs in
 *	    transactions of at most LMDB_RECLAIM_CHUNK records, halved when
 *	    even that finds no free page, so the pages one frees serve the
 *	    next.  Measured (test_store_lmdb): a 4 MiB map of 17-byte keys
 *	    written in batches of 200 holds 28,000 to 41,000 keys between
 *	    reclaims.  XXX: a map full of keys without a TTL is full for
 *	    deletes too (a delete copies pages as well).
 * OWNS     One MDB_env per file per process: LMDB forbids opening a file
 *	    twice in one process, and a reload opens the new engine's store
 *	    before closing the old, so handles on the same file (same device
 *	    and inode) share one refcounted environment in a registry under
 *	    a mutex (so stats' evictions and expired count what this
 *	    process did to the file).  The first opener's mode holds, and
 *	    the largest map size asked for (see THREADS); a writable open of
 *	    a file open read-only here is refused.  An LMDB environment
 *	    belongs to the process that opened it, so a child of fork() (the
 *	    milter detaches after building its engine) that goes on using a
 *	    handle has the file opened anew at its first call
 *	    (pthread_atfork counts forks); fork while no other thread is in
 *	    a store call.
 * LIMITS   opts->max_bytes from LMDB_MIN_MAP to LMDB_MAX_MAP (else
 *	    VG_EINVAL); LMDB_MAX_READERS read transactions at once per file
 *	    (more: VG_ETEMP).
 * ERRORS   VG_EINVAL: no location, a bad map size, a write on a read-only
 *	    handle.  VG_EIO: the file cannot be opened or used (a missing
 *	    directory, a read-only open of a missing file, not LMDB, not a
 *	    store, a newer format, cut short, pages LMDB finds damaged, an
 *	    I/O error).  XXX: LMDB keeps no checksums: damage inside a page
 *	    can go unseen, or in the worst case fault; a file cut short while
 *	    open faults (SIGBUS).  VG_ENOMEM: the map is full
 *	    even after reclaiming (nothing written), or memory ran out.
 *	    VG_ETEMP: every reader slot is taken.  Each LMDB failure logs
 *	    one line naming the file and LMDB's reason.
 * THREADS  Every operation is one LMDB transaction; any thread may call
 *	    any operation.  Transactions hold a read-write lock shared, so
 *	    that the map size can change while none is open: when another
 *	    process grew the map (MDB_MAP_RESIZED: it opened the file with a
 *	    larger max_bytes) this process adopts the new size, and a handle
 *	    opened with a larger max_bytes beside older ones (a reload after
 *	    the setting grew) enlarges the shared map.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lmdb.h>

#include "base/alloc.h"
#include "base/err.h"
#include "base/log.h"
#include "store/store.h"

#define LMDB_DEFAULT_MAP    ((uint64_t)256 << 20)
#define LMDB_MIN_MAP        ((uint64_t)1 << 20)
#define LMDB_MAX_MAP        ((uint64_t)1 << 40)
#define LMDB_MAX_READERS    512
#define LMDB_FORMAT_VERSION 1
#define LMDB_DIRECT_MAX     256 /* key bytes kept as they are */
#define LMDB_HASH_LEN       16
#define LMDB_REC_LEN        16
#define LMDB_SWEEP_MIN      16
#define LMDB_RECLAIM_PCT    25
#define LMDB_RECLAIM_CHUNK  512
#define LMDB_RECLAIM_ROUNDS 4
#define LMDB_SAMPLE_MAX     4096

static const char lmdb_magic[8] = "vgstore";
static const char lmdb_format_key[] = "mformat";

/* One open file: shared by every handle on it in this process. */
struct lmdb_env {
	struct lmdb_env *next; /* the registry */
	dev_t dev;
	ino_t ino;
	unsigned refs; /* under lmdb_registry_mu */
	MDB_env *env;
	MDB_dbi dbi;
	bool read_only;
	char *path;
	/* Where the sweep goes on: touched only inside a write transaction,
	 * so LMDB's writer lock guards it. */
	unsigned char sweep_key[1 + LMDB_DIRECT_MAX];
	size_t sweep_len; /* 0: from the start */
	pthread_mutex_t reclaim_mu;
	/* Held shared by every transaction, exclusive to change the map
	 * size (LMDB: only while this process has no transaction). */
	pthread_rwlock_t resize_lock;
	atomic_uint forks;             /* lmdb_forks when env was opened */
	uint64_t map_bytes;            /* the map size, for a reopen */
	atomic_uint_fast64_t reclaims; /* reclaims done, a generation */
	atomic_uint_fast64_t evictions, expired;
};

/* A handle: the shared file, and this handle's clock and mode. */
struct lmdb_store {
	struct lmdb_env *e;
	vg_store_clock_fn clock;
	void *clock_ctx;
	bool read_only;
	/* opts->evict_mark, copied; mark_len 0: none */
	unsigned char mark[LMDB_DIRECT_MAX];
	size_t mark_len;
};

/* What a write transaction did, added to the counters once committed. */
struct lmdb_wctx {
	uint64_t expired;
	size_t sweep; /* records the sweep looks at */
};

/* An LMDB key for a store key (see the format above). */
struct lmdb_key {
	unsigned char buf[1 + LMDB_DIRECT_MAX];
	MDB_val val;
	bool hashed;
};

/* A data record. */
struct lmdb_rec {
	int64_t value;
	uint64_t expires; /* clock ms; 0 = never */
};

enum lmdb_found {
	LMDB_MISSING,
	LMDB_LIVE,
	LMDB_DEAD,  /* there, but its expiry has passed */
	LMDB_OTHER, /* a long key whose hash collides with ours */
};

static pthread_mutex_t lmdb_registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct lmdb_env *lmdb_registry;
/* Forks this process is the child of (pthread_atfork). */
static atomic_uint lmdb_forks;
static pthread_once_t lmdb_atfork_once = PTHREAD_ONCE_INIT;
static int lmdb_atfork_rc;

/* lmdb_rotl - rotate left */
static inline uint64_t
lmdb_rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* lmdb_sipround - one SipHash round */
static inline void
lmdb_sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = lmdb_rotl(v[1], 13) ^ v[0];
	v[0] = lmdb_rotl(v[0], 32);
	v[2] += v[3];
	v[3] = lmdb_rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = lmdb_rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = lmdb_rotl(v[1], 17) ^ v[2];
	v[2] = lmdb_rotl(v[2], 32);
}

/* lmdb_siphash - SipHash-2-4 of p under (k0, k1), bytes read little-endian */
static uint64_t
lmdb_siphash(uint64_t k0, uint64_t k1, const unsigned char *p, size_t len)
{
	uint64_t v[4] = {0x736f6d6570736575ull ^ k0, 0x646f72616e646f6dull ^ k1,
	    0x6c7967656e657261ull ^ k0, 0x7465646279746573ull ^ k1};
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, end = len - len % 8;

	for (i = 0; i < end; i += 8) {
		m = 0;
		for (int j = 0; j < 8; j++)
			m |= (uint64_t)p[i + j] << (8 * j);
		v[3] ^= m;
		lmdb_sipround(v);
		lmdb_sipround(v);
		v[0] ^= m;
	}
	for (size_t j = 0; j < len % 8; j++)
		b |= (uint64_t)p[end + j] << (8 * j);
	v[3] ^= b;
	lmdb_sipround(v);
	lmdb_sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		lmdb_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* lmdb_key_make - the LMDB key for key, in k */
static void
lmdb_key_make(struct lmdb_key *k, struct vg_store_key key)
{
	uint64_t h[2];

	k->hashed = key.len > LMDB_DIRECT_MAX;
	if (!k->hashed) {
		k->buf[0] = 'k';
		if (key.len > 0)
			memcpy(k->buf + 1, key.data, key.len);
		k->val.mv_size = 1 + key.len;
	} else {
		h[0] = lmdb_siphash(0x766967696c2d7374ull,
		    0x6f72652d6c6d6462ull, key.data, key.len);
		h[1] = lmdb_siphash(0x6c6d64622d6b6579ull,
		    0x2d686173682d3262ull, key.data, key.len);
		k->buf[0] = 'h';
		memcpy(k->buf + 1, h, sizeof(h));
		k->val.mv_size = 1 + LMDB_HASH_LEN;
	}
	k->val.mv_data = k->buf;
}

/* lmdb_atfork_child - count a fork, in the child */
static void
lmdb_atfork_child(void)
{
	atomic_fetch_add(&lmdb_forks, 1);
}

/* lmdb_atfork_init - register lmdb_atfork_child, once */
static void
lmdb_atfork_init(void)
{
	lmdb_atfork_rc = pthread_atfork(NULL, NULL, lmdb_atfork_child);
}

/*
 * lmdb_env_start - create and open an LMDB environment on path; *out NULL
 * on failure.  0 or LMDB's error.
 */
static int
lmdb_env_start(MDB_env **out, const char *path, bool read_only, uint64_t map)
{
	unsigned flags = MDB_NOSUBDIR | MDB_NOTLS;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc;

	*out = NULL;
	if (read_only)
		flags |= MDB_RDONLY;
	if ((rc = mdb_env_create(&env)) != 0)
		return rc;
	if ((rc = mdb_env_set_mapsize(env, (size_t)map)) != 0 ||
	    (rc = mdb_env_set_maxreaders(env, LMDB_MAX_READERS)) != 0 ||
	    (rc = mdb_env_open(env, path, flags, 0640)) != 0)
		goto fail;
	/* The main database's handle (its key order) is set up by
	 * mdb_dbi_open, once per environment. */
	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0)
		goto fail;
	if ((rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	*out = env;
	return 0;
fail:
	mdb_env_close(env);
	return rc;
}

/*
 * lmdb_after_fork - in a child of the process that opened e (the milter
 * detaches after building its engine), open the file anew.  An LMDB
 * environment belongs to the process that opened it: its pid names the
 * reader slots it takes (another process's mdb_reader_check would free
 * them under a live reader), and its fcntl lock on the lock file tells
 * other processes the file is in use (without one, the next opener
 * resets the lock table); a child inherits neither.  The inherited
 * environment is closed (that touches only the child's own mappings and
 * descriptors).  The fork must happen while no other thread is in a store
 * call (the child would inherit a held lock).
 */
static int
lmdb_after_fork(struct lmdb_env *e)
{
	unsigned forks;
	MDB_envinfo info;
	int rc = 0;

	pthread_rwlock_wrlock(&e->resize_lock);
	forks = atomic_load(&lmdb_forks);
	if (atomic_load(&e->forks) != forks) {
		/*
		 * Closed first: closing any descriptor of the lock file
		 * drops every fcntl lock this process has on it, the new
		 * environment's too.  Should the open fail, the next call
		 * tries again.
		 */
		if (e->env != NULL) {
			if (mdb_env_info(e->env, &info) == 0)
				e->map_bytes = info.me_mapsize;
			mdb_env_close(e->env);
			e->env = NULL;
		}
		rc = lmdb_env_start(
		    &e->env, e->path, e->read_only, e->map_bytes);
		if (rc == 0) {
			e->sweep_len = 0;
			atomic_store(&e->forks, forks);
		}
	}
	pthread_rwlock_unlock(&e->resize_lock);
	return rc;
}

/* lmdb_resize - set the map size (0: adopt the size another process set) */
static int
lmdb_resize(struct lmdb_env *e, uint64_t size)
{
	MDB_envinfo info;
	int rc;

	pthread_rwlock_wrlock(&e->resize_lock);
	rc = mdb_env_set_mapsize(e->env, (size_t)size);
	pthread_rwlock_unlock(&e->resize_lock);
	if (rc == 0 && mdb_env_info(e->env, &info) == 0)
		vg_info("store %s: map size now %zu bytes", e->path,
		    info.me_mapsize);
	return rc;
}

/*
 * lmdb_begin - a transaction, the resize lock held shared until
 * lmdb_commit() or lmdb_abort(); when another process has grown the map
 * (MDB_MAP_RESIZED), adopt its size and begin again.  0 or LMDB's error.
 */
static int
lmdb_begin(struct lmdb_env *e, unsigned flags, MDB_txn **txn_out)
{
	int rc;

	if (atomic_load(&lmdb_forks) != atomic_load(&e->forks) &&
	    (rc = lmdb_after_fork(e)) != 0)
		return rc;
	for (int i = 0;; i++) {
		pthread_rwlock_rdlock(&e->resize_lock);
		if ((rc = mdb_txn_begin(e->env, NULL, flags, txn_out)) == 0)
			return 0;
		pthread_rwlock_unlock(&e->resize_lock);
		if (rc != MDB_MAP_RESIZED || i > 0)
			return rc;
		if ((rc = lmdb_resize(e, 0)) != 0)
			return rc;
	}
}

/* lmdb_commit - commit txn and release the resize lock */
static int
lmdb_commit(struct lmdb_env *e, MDB_txn *txn)
{
	int rc = mdb_txn_commit(txn);

	pthread_rwlock_unlock(&e->resize_lock);
	return rc;
}

/* lmdb_abort - abort txn and release the resize lock */
static void
lmdb_abort(struct lmdb_env *e, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&e->resize_lock);
}

/* lmdb_is_data - is this LMDB key a data record's (not metadata) */
static bool
lmdb_is_data(const MDB_val *k)
{
	const unsigned char *p = k->mv_data;

	return k->mv_size >= 1 && (p[0] == 'k' || p[0] == 'h');
}

/* lmdb_rec_expires - a data record's expiry; false when it is too short */
static bool
lmdb_rec_expires(const MDB_val *d, uint64_t *expires_out)
{
	if (d->mv_size < LMDB_REC_LEN)
		return false;
	memcpy(expires_out, (const unsigned char *)d->mv_data + 8, 8);
	return true;
}

/* lmdb_dead - has a record with this expiry expired at now */
static bool
lmdb_dead(uint64_t expires, uint64_t now)
{
	return expires != 0 && expires <= now;
}

/* lmdb_deadline - the clock reading ttl_ms from now; 0 for no TTL */
static uint64_t
lmdb_deadline(uint64_t now, uint64_t ttl_ms)
{
	uint64_t t;

	if (ttl_ms == 0)
		return 0;
	if (__builtin_add_overflow(now, ttl_ms, &t))
		return UINT64_MAX;
	return t;
}

/* lmdb_is_vg - is rc already one of our VG_E* codes (not LMDB's or errno) */
static bool
lmdb_is_vg(int rc)
{
	return rc <= 0 && rc >= VG_EINVAL;
}

/*
 * lmdb_err - the VG_E* code for rc (ours, LMDB's or an errno), logging one
 * line with the file and LMDB's reason when it is a failure of LMDB's
 */
static int
lmdb_err(const char *path, const char *what, int rc)
{
	if (lmdb_is_vg(rc))
		return rc;
	vg_error("store %s: %s: %s", path, what, mdb_strerror(rc));
	switch (rc) {
	case ENOMEM:
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
	case MDB_CURSOR_FULL:
	case MDB_PAGE_FULL:
		return VG_ENOMEM;
	case MDB_READERS_FULL:
	case MDB_MAP_RESIZED:
	case EAGAIN:
		return VG_ETEMP;
	default:
		return VG_EIO;
	}
}

/*
 * lmdb_fetch - key's record in txn: *found_out says whether it is there
 * and live; *rec_out is its record (zeros when missing).  With a cursor
 * (cur not NULL, opened in txn) the look-up starts from where the cursor
 * stands: LMDB searches only the current leaf page when the key falls in
 * it, so keys looked up in ascending order that lie side by side cost
 * one descent of the tree, not one each (get_many).  Returns 0 or an
 * LMDB error (a record of the wrong size is MDB_CORRUPTED).
 */
static int
lmdb_fetch(struct lmdb_env *e, MDB_txn *txn, MDB_cursor *cur,
    const struct lmdb_key *k, struct vg_store_key key, uint64_t now,
    struct lmdb_rec *rec_out, enum lmdb_found *found_out)
{
	MDB_val kv = k->val, d;
	int rc;

	memset(rec_out, 0, sizeof(*rec_out));
	*found_out = LMDB_MISSING;
	if (cur == NULL)
		rc = mdb_get(txn, e->dbi, &kv, &d);
	else if ((rc = mdb_cursor_get(cur, &kv, &d, MDB_SET_RANGE)) == 0 &&
	    (kv.mv_size != k->val.mv_size ||
	        memcmp(kv.mv_data, k->val.mv_data, kv.mv_size) != 0))
		rc = MDB_NOTFOUND; /* the next key: ours is not there */
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (d.mv_size < LMDB_REC_LEN ||
	    (!k->hashed && d.mv_size != LMDB_REC_LEN))
		return MDB_CORRUPTED;
	/* A long key whose hash is another long key's: not ours. */
	if (k->hashed &&
	    (d.mv_size != LMDB_REC_LEN + key.len ||
	        memcmp((const unsigned char *)d.mv_data + LMDB_REC_LEN,
	            key.data, key.len) != 0)) {
		*found_out = LMDB_OTHER;
		return 0;
	}
	memcpy(&rec_out->value, d.mv_data, 8);
	memcpy(&rec_out->expires, (const unsigned char *)d.mv_data + 8, 8);
	*found_out = lmdb_dead(rec_out->expires, now) ? LMDB_DEAD : LMDB_LIVE;
	return 0;
}

/* lmdb_store_rec - write key's record in txn; 0 or an LMDB error */
static int
lmdb_store_rec(struct lmdb_env *e, MDB_txn *txn, const struct lmdb_key *k,
    struct vg_store_key key, const struct lmdb_rec *rec)
{
	unsigned char buf[LMDB_REC_LEN + VG_STORE_KEY_MAX];
	MDB_val kv = k->val, d = {LMDB_REC_LEN, buf};

	memcpy(buf, &rec->value, 8);
	memcpy(buf + 8, &rec->expires, 8);
	if (k->hashed) {
		memcpy(buf + LMDB_REC_LEN, key.data, key.len);
		d.mv_size += key.len;
	}
	return mdb_put(txn, e->dbi, &kv, &d, 0);
}

/* lmdb_delete - delete key's record in txn; 0 or an LMDB error */
static int
lmdb_delete(struct lmdb_env *e, MDB_txn *txn, const struct lmdb_key *k)
{
	MDB_val kv = k->val;
	int rc = mdb_del(txn, e->dbi, &kv, NULL);

	return rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * lmdb_sweep - look at the next w->sweep records from where the last sweep
 * stopped and delete the expired ones; write transaction held
 */
static int
lmdb_sweep(struct lmdb_env *e, MDB_txn *txn, uint64_t now, struct lmdb_wctx *w)
{
	MDB_cursor *cur;
	MDB_val k, d;
	uint64_t expires;
	int rc;

	if ((rc = mdb_cursor_open(txn, e->dbi, &cur)) != 0)
		return rc;
	if (e->sweep_len == 0) {
		rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST);
	} else {
		k.mv_size = e->sweep_len;
		k.mv_data = e->sweep_key;
		rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
	}
	for (size_t i = 0; rc == 0 && i < w->sweep; i++) {
		if (lmdb_is_data(&k) && lmdb_rec_expires(&d, &expires) &&
		    lmdb_dead(expires, now)) {
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
			w->expired++;
		}
		rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT);
	}
	if (rc == 0 && k.mv_size <= sizeof(e->sweep_key)) {
		memcpy(e->sweep_key, k.mv_data, k.mv_size);
		e->sweep_len = k.mv_size;
	} else if (rc == 0 || rc == MDB_NOTFOUND) {
		e->sweep_len = 0;
		rc = 0;
	}
	mdb_cursor_close(cur);
	return rc;
}

static int lmdb_incr_one(struct lmdb_store *s, MDB_txn *txn, uint64_t now,
    struct lmdb_wctx *w, struct vg_store_key key, int64_t delta,
    uint64_t ttl_ms, int64_t *value_out);

/*
 * lmdb_reclaim_pass - delete the records expiring in (0, upto), and those
 * expiring at upto while the pass has deleted fewer than tie_max, in
 * chunks.  With evict (live keys go), the handle's eviction mark is never
 * deleted and goes up by one in each chunk's transaction that deleted
 * something (vg_store_opts.evict_mark).
 */
static int
lmdb_reclaim_pass(struct lmdb_store *s, uint64_t now, uint64_t upto,
    uint64_t tie_max, bool evict, uint64_t *deleted_out)
{
	struct lmdb_env *e = s->e;
	struct vg_store_key mark = {s->mark, s->mark_len};
	struct lmdb_key mk;
	struct lmdb_wctx w = {0};
	int64_t mv;
	unsigned char resume[1 + LMDB_DIRECT_MAX], next[1 + LMDB_DIRECT_MAX];
	size_t rlen = 0, nlen = 0, chunk = LMDB_RECLAIM_CHUNK, n;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, d;
	uint64_t expires;
	bool end;
	int rc;

	*deleted_out = 0;
	lmdb_key_make(&mk, mark);
	for (;;) {
		if ((rc = lmdb_begin(e, 0, &txn)) != 0)
			return rc;
		if ((rc = mdb_cursor_open(txn, e->dbi, &cur)) != 0) {
			lmdb_abort(e, txn);
			return rc;
		}
		k.mv_size = rlen;
		k.mv_data = resume;
		rc = mdb_cursor_get(
		    cur, &k, &d, rlen == 0 ? MDB_FIRST : MDB_SET_RANGE);
		for (n = 0; rc == 0 && n < chunk;) {
			if (evict && s->mark_len > 0 &&
			    k.mv_size == mk.val.mv_size &&
			    memcmp(k.mv_data, mk.buf, k.mv_size) == 0) {
				/* the mark itself: never evicted */
			} else if (lmdb_is_data(&k) &&
			    lmdb_rec_expires(&d, &expires) && expires != 0 &&
			    (expires < upto ||
			        (expires == upto &&
			            *deleted_out + n < tie_max))) {
				if ((rc = mdb_cursor_del(cur, 0)) != 0)
					break;
				n++;
			}
			rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT);
		}
		end = rc == MDB_NOTFOUND;
		if (end)
			rc = 0;
		else if (rc == 0 && (nlen = k.mv_size) <= sizeof(next))
			memcpy(next, k.mv_data, nlen);
		else if (rc == 0)
			rc = MDB_CORRUPTED; /* a key we never write */
		mdb_cursor_close(cur);
		/* Live keys went: the mark moves in the same commit. */
		if (rc == 0 && evict && n > 0 && s->mark_len > 0)
			rc = lmdb_incr_one(s, txn, now, &w, mark, 1, 0, &mv);
		if (rc == 0)
			rc = lmdb_commit(e, txn);
		else
			lmdb_abort(e, txn);
		if (rc == MDB_MAP_FULL && chunk > 1) {
			/* Not even room to copy the pages: smaller steps. */
			chunk /= 2;
			continue;
		}
		if (rc != 0)
			return rc;
		*deleted_out += n;
		if (end)
			return 0;
		memcpy(resume, next, nlen);
		rlen = nlen;
	}
}

/* lmdb_cmp_u64 - qsort order of uint64_t */
static int
lmdb_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * lmdb_threshold - the expiry at or before which about need of the live
 * keys with a TTL expire, from a reservoir sample of their expiries;
 * UINT64_MAX when need is all of them, 0 when there are none
 */
static int
lmdb_threshold(
    struct lmdb_env *e, uint64_t now, uint64_t need, uint64_t *thr_out)
{
	uint64_t *samples, expires, nttl = 0, idx;
	uint64_t rnd = now ^ 0x9e3779b97f4a7c15ull;
	size_t nsamp = 0;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, d;
	int rc;

	*thr_out = 0;
	if ((samples = vg_malloc(LMDB_SAMPLE_MAX * sizeof(*samples))) == NULL)
		return VG_ENOMEM;
	if ((rc = lmdb_begin(e, MDB_RDONLY, &txn)) != 0)
		goto out;
	if ((rc = mdb_cursor_open(txn, e->dbi, &cur)) != 0) {
		lmdb_abort(e, txn);
		goto out;
	}
	rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		if (!lmdb_is_data(&k) || !lmdb_rec_expires(&d, &expires) ||
		    expires == 0 || expires <= now)
			continue;
		nttl++;
		if (nsamp < LMDB_SAMPLE_MAX) {
			samples[nsamp++] = expires;
			continue;
		}
		/* Reservoir sampling, xorshift64 for the draws. */
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		if ((idx = rnd % nttl) < LMDB_SAMPLE_MAX)
			samples[idx] = expires;
	}
	mdb_cursor_close(cur);
	lmdb_abort(e, txn);
	if (rc != MDB_NOTFOUND)
		goto out;
	rc = 0;
	if (nttl == 0)
		goto out;
	if (need >= nttl) {
		*thr_out = UINT64_MAX;
		goto out;
	}
	qsort(samples, nsamp, sizeof(*samples), lmdb_cmp_u64);
	idx = (need * nsamp + nttl - 1) / nttl;
	*thr_out = samples[idx > 0 ? idx - 1 : 0];
out:
	vg_free(samples);
	return rc;
}

/*
 * lmdb_reclaim - make room after MDB_MAP_FULL (the policy above), unless
 * another thread has reclaimed since generation gen was read
 */
static int
lmdb_reclaim(struct lmdb_store *s, uint64_t gen, bool *progress_out)
{
	struct lmdb_env *e = s->e;
	uint64_t now, target, expired = 0, evicted = 0, thr;
	MDB_stat st;
	MDB_txn *txn;
	int dead, rc;

	*progress_out = true;
	pthread_mutex_lock(&e->reclaim_mu);
	if (atomic_load(&e->reclaims) != gen) {
		rc = 0; /* another thread did it: retry */
		goto out;
	}
	/* A reader that died holding a snapshot kept every page since from
	 * being reused: freeing its slot may be all it takes. */
	if ((rc = mdb_reader_check(e->env, &dead)) != 0)
		goto out;
	if (dead > 0) {
		vg_warn("store %s: map full: cleared %d reader slots of dead "
		        "processes",
		    e->path, dead);
		goto out;
	}
	now = s->clock(s->clock_ctx);
	if ((rc = lmdb_begin(e, MDB_RDONLY, &txn)) != 0)
		goto out;
	rc = mdb_stat(txn, e->dbi, &st);
	lmdb_abort(e, txn);
	if (rc != 0)
		goto out;
	target = st.ms_entries * LMDB_RECLAIM_PCT / 100;
	if (target == 0)
		target = 1;
	/* A pass that fails half way has deleted what it counted. */
	rc = lmdb_reclaim_pass(s, now, now, UINT64_MAX, false, &expired);
	atomic_fetch_add(&e->expired, expired);
	if (rc != 0)
		goto out;
	if (expired < target) {
		if ((rc = lmdb_threshold(e, now, target - expired, &thr)) != 0)
			goto out;
		/* Keys sharing the threshold's expiry go only as far as
		 * needed: one batch's keys share one. */
		if (thr != 0)
			rc = lmdb_reclaim_pass(
			    s, now, thr, target - expired, true, &evicted);
		atomic_fetch_add(&e->evictions, evicted);
		if (rc != 0)
			goto out;
	}
	*progress_out = expired + evicted > 0;
	vg_info("store %s: map full: deleted %llu expired and %llu live keys "
	        "of %llu",
	    e->path, (unsigned long long)expired, (unsigned long long)evicted,
	    (unsigned long long)st.ms_entries);
out:
	atomic_fetch_add(&e->reclaims, 1);
	pthread_mutex_unlock(&e->reclaim_mu);
	return rc;
}

typedef int (*lmdb_write_fn)(struct lmdb_store *s, MDB_txn *txn, uint64_t now,
    struct lmdb_wctx *w, void *arg);

/*
 * lmdb_write - run fn in one write transaction, with the sweep, and on
 * MDB_MAP_FULL reclaim and run it again, up to LMDB_RECLAIM_ROUNDS times
 * while reclaiming deletes something; a VG_E* code
 */
static int
lmdb_write(struct lmdb_store *s, size_t nkeys, lmdb_write_fn fn, void *arg)
{
	struct lmdb_env *e = s->e;
	struct lmdb_wctx w;
	MDB_txn *txn;
	uint64_t gen, now;
	bool progress;
	int rc;

	if (s->read_only) {
		vg_error("store %s: opened read-only: write refused", e->path);
		return VG_EINVAL;
	}
	for (int attempt = 0;; attempt++) {
		memset(&w, 0, sizeof(w));
		w.sweep = nkeys > LMDB_SWEEP_MIN ? nkeys : LMDB_SWEEP_MIN;
		gen = atomic_load(&e->reclaims);
		if ((rc = lmdb_begin(e, 0, &txn)) != 0)
			break;
		now = s->clock(s->clock_ctx);
		rc = fn(s, txn, now, &w, arg);
		if (rc == 0)
			rc = lmdb_sweep(e, txn, now, &w);
		if (rc == 0)
			rc = lmdb_commit(e, txn);
		else
			lmdb_abort(e, txn);
		if (rc == 0)
			atomic_fetch_add(&e->expired, w.expired);
		if (rc != MDB_MAP_FULL || attempt >= LMDB_RECLAIM_ROUNDS)
			break;
		if ((rc = lmdb_reclaim(s, gen, &progress)) != 0)
			break;
		if (!progress) {
			rc = MDB_MAP_FULL;
			break;
		}
	}
	return lmdb_err(e->path, "write", rc);
}

/* lmdb_incr_one - one add inside a write transaction */
static int
lmdb_incr_one(struct lmdb_store *s, MDB_txn *txn, uint64_t now,
    struct lmdb_wctx *w, struct vg_store_key key, int64_t delta,
    uint64_t ttl_ms, int64_t *value_out)
{
	struct lmdb_key k;
	struct lmdb_rec rec;
	enum lmdb_found found;
	int64_t v;
	int rc;

	*value_out = 0;
	lmdb_key_make(&k, key);
	if ((rc = lmdb_fetch(s->e, txn, NULL, &k, key, now, &rec, &found)) != 0)
		return rc;
	if (found == LMDB_OTHER)
		return VG_ELIMIT;
	if (found == LMDB_DEAD) {
		w->expired++;
		memset(&rec, 0, sizeof(rec));
	}
	if (__builtin_add_overflow(rec.value, delta, &v))
		return VG_ELIMIT;
	rec.value = v;
	if (ttl_ms > 0)
		rec.expires = lmdb_deadline(now, ttl_ms);
	if ((rc = lmdb_store_rec(s->e, txn, &k, key, &rec)) != 0)
		return rc;
	*value_out = v;
	return 0;
}

struct lmdb_incr_arg {
	int64_t *values_out;
	const struct vg_store_key *keys;
	const int64_t *deltas;
	size_t n;
	uint64_t ttl_ms;
};

/* lmdb_incr_fn - n adds in one transaction; any failure undoes them all */
static int
lmdb_incr_fn(struct lmdb_store *s, MDB_txn *txn, uint64_t now,
    struct lmdb_wctx *w, void *arg)
{
	struct lmdb_incr_arg *a = arg;
	int rc = 0;

	for (size_t i = 0; i < a->n; i++)
		a->values_out[i] = 0;
	for (size_t i = 0; rc == 0 && i < a->n; i++)
		rc = lmdb_incr_one(s, txn, now, w, a->keys[i], a->deltas[i],
		    a->ttl_ms, &a->values_out[i]);
	return rc;
}

/* lmdb_incr - atomic add */
static int
lmdb_incr(void *be, int64_t *value_out, struct vg_store_key key, int64_t delta,
    uint64_t ttl_ms)
{
	struct lmdb_incr_arg a = {value_out, &key, &delta, 1, ttl_ms};
	int rc = lmdb_write(be, 1, lmdb_incr_fn, &a);

	if (rc != 0)
		*value_out = 0;
	return rc;
}

/* lmdb_incr_many - n adds in one transaction: all or none */
static int
lmdb_incr_many(void *be, int64_t *values_out, const struct vg_store_key *keys,
    const int64_t *deltas, size_t n, uint64_t ttl_ms)
{
	struct lmdb_incr_arg a = {values_out, keys, deltas, n, ttl_ms};
	int rc = lmdb_write(be, n, lmdb_incr_fn, &a);

	if (rc != 0)
		memset(values_out, 0, n * sizeof(*values_out));
	return rc;
}

struct lmdb_set_arg {
	struct vg_store_key key;
	int64_t value;
	uint64_t ttl_ms;
	bool found; /* expire, del: the key was there */
};

/* lmdb_set_fn - replace value and TTL */
static int
lmdb_set_fn(struct lmdb_store *s, MDB_txn *txn, uint64_t now,
    struct lmdb_wctx *w, void *arg)
{
	struct lmdb_set_arg *a = arg;
	struct lmdb_rec rec;
	struct lmdb_key k;
	enum lmdb_found found;
	int rc;

	lmdb_key_make(&k, a->key);
	if ((rc = lmdb_fetch(s->e, txn, NULL, &k, a->key, now, &rec, &found)) !=
	    0)
		return rc;
	if (found == LMDB_OTHER)
		return VG_ELIMIT;
	if (found == LMDB_DEAD)
		w->expired++;
	rec.value = a->value;
	rec.expires = lmdb_deadline(now, a->ttl_ms);
	return lmdb_store_rec(s->e, txn, &k, a->key, &rec);
}

/* lmdb_set - replace value and TTL */
static int
lmdb_set(void *be, struct vg_store_key key, int64_t value, uint64_t ttl_ms)
{
	struct lmdb_set_arg a = {key, value, ttl_ms, false};

	return lmdb_write(be, 1, lmdb_set_fn, &a);
}

/* lmdb_expire_fn - a live key's new TTL; an expired one is deleted */
static int
lmdb_expire_fn(struct lmdb_store *s, MDB_txn *txn, uint64_t now,
    struct lmdb_wctx *w, void *arg)
{
	struct lmdb_set_arg *a = arg;
	struct lmdb_rec rec;
	struct lmdb_key k;
	enum lmdb_found found;
	int rc;

	a->found = false;
	lmdb_key_make(&k, a->key);
	if ((rc = lmdb_fetch(s->e, txn, NULL, &k, a->key, now, &rec, &found)) !=
	    0)
		return rc;
	if (found == LMDB_DEAD) {
		w->expired++;
		return lmdb_delete(s->e, txn, &k);
	}
	if (found != LMDB_LIVE)
		return 0;
	a->found = true;
	rec.expires = lmdb_deadline(now, a->ttl_ms);
	return lmdb_store_rec(s->e, txn, &k, a->key, &rec);
}

/* lmdb_expire - set or clear a TTL */
static int
lmdb_expire(void *be, bool *found_out, struct vg_store_key key, uint64_t ttl_ms)
{
	struct lmdb_set_arg a = {key, 0, ttl_ms, false};
	int rc = lmdb_write(be, 1, lmdb_expire_fn, &a);

	*found_out = rc == 0 && a.found;
	return rc;
}

/* lmdb_del_fn - remove a key (an expired one too, saying not found) */
static int
lmdb_del_fn(struct lmdb_store *s, MDB_txn *txn, uint64_t now,
    struct lmdb_wctx *w, void *arg)
{
	struct lmdb_set_arg *a = arg;
	struct lmdb_rec rec;
	struct lmdb_key k;
	enum lmdb_found found;
	int rc;

	a->found = false;
	lmdb_key_make(&k, a->key);
	if ((rc = lmdb_fetch(s->e, txn, NULL, &k, a->key, now, &rec, &found)) !=
	    0)
		return rc;
	if (found == LMDB_MISSING || found == LMDB_OTHER)
		return 0;
	if (found == LMDB_DEAD)
		w->expired++;
	a->found = found == LMDB_LIVE;
	return lmdb_delete(s->e, txn, &k);
}

/* lmdb_del - remove a key */
static int
lmdb_del(void *be, bool *found_out, struct vg_store_key key)
{
	struct lmdb_set_arg a = {key, 0, 0, false};
	int rc = lmdb_write(be, 1, lmdb_del_fn, &a);

	*found_out = rc == 0 && a.found;
	return rc;
}

/* lmdb_get_many - n values from one read transaction (one snapshot) */
static int
lmdb_get_many(void *be, int64_t *values_out, bool *found_out,
    const struct vg_store_key *keys, size_t n)
{
	struct lmdb_store *s = be;
	struct lmdb_rec rec;
	struct lmdb_key k;
	enum lmdb_found found;
	MDB_cursor *cur = NULL;
	MDB_txn *txn;
	uint64_t now;
	int rc;

	if ((rc = lmdb_begin(s->e, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(s->e->path, "read", rc);
	now = s->clock(s->clock_ctx);
	if (n > 1 && (rc = mdb_cursor_open(txn, s->e->dbi, &cur)) != 0) {
		lmdb_abort(s->e, txn);
		return lmdb_err(s->e->path, "read", rc);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		lmdb_key_make(&k, keys[i]);
		rc = lmdb_fetch(s->e, txn, cur, &k, keys[i], now, &rec, &found);
		found_out[i] = found == LMDB_LIVE;
		values_out[i] = found == LMDB_LIVE ? rec.value : 0;
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	lmdb_abort(s->e, txn);
	return lmdb_err(s->e->path, "read", rc);
}

/*
 * lmdb_scan - the live direct keys starting with prefix, in one read
 * transaction (long keys, stored by their hash, are not seen: no caller
 * scans for them)
 */
static int
lmdb_scan(void *be, struct vg_store_key prefix, vg_store_scan_fn fn, void *arg)
{
	struct lmdb_store *s = be;
	struct lmdb_key pk;
	struct lmdb_rec rec;
	MDB_cursor *cur = NULL;
	MDB_txn *txn;
	MDB_val k, d;
	uint64_t now;
	int rc, frc = 0;

	if (prefix.len > LMDB_DIRECT_MAX)
		return VG_EINVAL;
	lmdb_key_make(&pk, prefix);
	if ((rc = lmdb_begin(s->e, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(s->e->path, "scan", rc);
	now = s->clock(s->clock_ctx);
	if ((rc = mdb_cursor_open(txn, s->e->dbi, &cur)) != 0) {
		lmdb_abort(s->e, txn);
		return lmdb_err(s->e->path, "scan", rc);
	}
	k = pk.val;
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		if (k.mv_size < pk.val.mv_size ||
		    memcmp(k.mv_data, pk.val.mv_data, pk.val.mv_size) != 0)
			break; /* past the prefix */
		if (d.mv_size != LMDB_REC_LEN) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(&rec.value, d.mv_data, 8);
		memcpy(&rec.expires, (const unsigned char *)d.mv_data + 8, 8);
		if (lmdb_dead(rec.expires, now))
			continue;
		if ((frc = fn(arg, (const unsigned char *)k.mv_data + 1,
		         k.mv_size - 1, rec.value, rec.expires)) != 0)
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	mdb_cursor_close(cur);
	lmdb_abort(s->e, txn);
	if (frc != 0)
		return frc;
	return lmdb_err(s->e->path, "scan", rc);
}

/* lmdb_get - one value */
static int
lmdb_get(void *be, int64_t *value_out, bool *found_out, struct vg_store_key key)
{
	return lmdb_get_many(be, value_out, found_out, &key, 1);
}

struct lmdb_window_arg {
	const struct vg_store_window *w;
	struct vg_store_window_res *out;
};

/* lmdb_value - a live key's value in txn, 0 when missing or none */
static int
lmdb_value(struct lmdb_store *s, MDB_txn *txn, struct vg_store_key key,
    uint64_t now, int64_t *value_out, bool *found_out)
{
	struct lmdb_rec rec;
	struct lmdb_key k;
	enum lmdb_found found = LMDB_MISSING;
	int rc = 0;

	if (key.len > 0) {
		lmdb_key_make(&k, key);
		rc = lmdb_fetch(s->e, txn, NULL, &k, key, now, &rec, &found);
	}
	*found_out = rc == 0 && found == LMDB_LIVE;
	*value_out = *found_out ? rec.value : 0;
	return rc;
}

/* lmdb_window_fn - the sliding-window check and add, as store_mem.c's */
static int
lmdb_window_fn(struct lmdb_store *s, MDB_txn *txn, uint64_t now,
    struct lmdb_wctx *wc, void *arg)
{
	struct lmdb_window_arg *a = arg;
	const struct vg_store_window *w = a->w;
	int64_t cur, prev, count, sum, guard;
	bool found;
	int rc;

	memset(a->out, 0, sizeof(*a->out));
	if ((rc = lmdb_value(s, txn, w->cur, now, &cur, &found)) != 0 ||
	    (rc = lmdb_value(s, txn, w->prev, now, &prev, &found)) != 0)
		return rc;
	count = vg_store_window_count(cur, prev, w->prev_num, w->prev_den);
	a->out->count = count;
	if ((rc = lmdb_value(s, txn, w->guard, now, &guard, &found)) != 0)
		return rc;
	if (found) {
		a->out->guarded = true;
		return 0;
	}
	if (__builtin_add_overflow(count, w->delta, &sum) || sum > w->cap)
		return 0;
	if ((rc = lmdb_incr_one(
	         s, txn, now, wc, w->cur, w->delta, w->ttl_ms, &sum)) != 0)
		return rc;
	a->out->added = true;
	a->out->count = count + w->delta;
	return 0;
}

/* lmdb_window_add - the sliding-window check and add in one transaction */
static int
lmdb_window_add(
    void *be, struct vg_store_window_res *out, const struct vg_store_window *w)
{
	struct lmdb_window_arg a = {w, out};
	int rc = lmdb_write(be, 1, lmdb_window_fn, &a);

	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* lmdb_stats - keys and bytes from LMDB, counters of this process */
static void
lmdb_stats(void *be, struct vg_store_stats *out)
{
	struct lmdb_store *s = be;
	struct lmdb_env *e = s->e;
	MDB_envinfo info;
	MDB_stat st;
	MDB_txn *txn;
	int rc;

	out->max_keys = 0; /* bounded by bytes, not keys */
	out->evictions = atomic_load(&e->evictions);
	out->expired = atomic_load(&e->expired);
	if (e->env != NULL && mdb_env_info(e->env, &info) == 0)
		out->max_bytes = info.me_mapsize;
	if ((rc = lmdb_begin(e, MDB_RDONLY, &txn)) != 0) {
		(void)lmdb_err(e->path, "stats", rc);
		return;
	}
	if ((rc = mdb_stat(txn, e->dbi, &st)) == 0) {
		/* Less the format record. */
		out->keys = st.ms_entries > 0 ? st.ms_entries - 1 : 0;
		out->bytes = (uint64_t)(st.ms_branch_pages + st.ms_leaf_pages +
		                 st.ms_overflow_pages) *
		    st.ms_psize;
	} else {
		(void)lmdb_err(e->path, "stats", rc);
	}
	lmdb_abort(e, txn);
}

/*
 * lmdb_format - check (or, in an empty database opened for writing, write)
 * the format record; 0 or a VG_E* code, logged
 */
static int
lmdb_format(struct lmdb_env *e)
{
	unsigned char rec[12], name[sizeof(lmdb_format_key) - 1];
	MDB_val k = {sizeof(name), name}, d;
	uint32_t version = LMDB_FORMAT_VERSION;
	MDB_stat st;
	MDB_txn *txn;
	int rc;

	memcpy(name, lmdb_format_key, sizeof(name));
	if ((rc = lmdb_begin(e, e->read_only ? MDB_RDONLY : 0, &txn)) != 0)
		return lmdb_err(e->path, "open", rc);
	if ((rc = mdb_dbi_open(txn, NULL, 0, &e->dbi)) != 0 ||
	    (rc = mdb_stat(txn, e->dbi, &st)) != 0)
		goto fail;
	rc = mdb_get(txn, e->dbi, &k, &d);
	if (rc == MDB_NOTFOUND && st.ms_entries == 0 && !e->read_only) {
		memcpy(rec, lmdb_magic, 8);
		memcpy(rec + 8, &version, 4);
		d.mv_size = sizeof(rec);
		d.mv_data = rec;
		if ((rc = mdb_put(txn, e->dbi, &k, &d, 0)) != 0)
			goto fail;
		if ((rc = lmdb_commit(e, txn)) != 0)
			return lmdb_err(e->path, "open", rc);
		return 0;
	}
	if (rc == MDB_NOTFOUND) {
		vg_error(
		    "store %s: not a Vigil store (no format record)", e->path);
		lmdb_abort(e, txn);
		return VG_EIO;
	}
	if (rc != 0)
		goto fail;
	if (d.mv_size != sizeof(rec) || memcmp(d.mv_data, lmdb_magic, 8) != 0) {
		vg_error(
		    "store %s: not a Vigil store (bad format record)", e->path);
		lmdb_abort(e, txn);
		return VG_EIO;
	}
	memcpy(&version, (const unsigned char *)d.mv_data + 8, 4);
	lmdb_abort(e, txn);
	if (version > LMDB_FORMAT_VERSION) {
		vg_error("store %s: format version %u is newer than this "
		         "Vigil's (%u): refused",
		    e->path, (unsigned)version, (unsigned)LMDB_FORMAT_VERSION);
		return VG_EIO;
	}
	if (version == 0) {
		vg_error(
		    "store %s: not a Vigil store (format version 0)", e->path);
		return VG_EIO;
	}
	return 0;
fail:
	lmdb_abort(e, txn);
	return lmdb_err(e->path, "open", rc);
}

/* lmdb_env_free - close and free an environment not in the registry */
static void
lmdb_env_free(struct lmdb_env *e)
{
	if (e->env != NULL)
		mdb_env_close(e->env);
	pthread_mutex_destroy(&e->reclaim_mu);
	pthread_rwlock_destroy(&e->resize_lock);
	vg_free(e->path);
	vg_free(e);
}

/*
 * lmdb_env_open - open the file at opts->location and enter it in the
 * registry (its mutex held); *out NULL on failure, which is logged
 */
static int
lmdb_env_open(struct lmdb_env **out, const struct vg_store_opts *opts)
{
	uint64_t map = opts->max_bytes ? opts->max_bytes : LMDB_DEFAULT_MAP;
	const char *what = "open";
	struct lmdb_env *e;
	MDB_envinfo info;
	struct stat sb;
	MDB_stat st;
	uint64_t need;
	int fd, dead, rc;

	*out = NULL;
	if ((e = vg_calloc(1, sizeof(*e))) == NULL)
		return VG_ENOMEM;
	if ((e->path = vg_strdup(opts->location)) == NULL) {
		vg_free(e);
		return VG_ENOMEM;
	}
	if (pthread_mutex_init(&e->reclaim_mu, NULL) != 0) {
		vg_free(e->path);
		vg_free(e);
		return VG_ENOMEM;
	}
	if (pthread_rwlock_init(&e->resize_lock, NULL) != 0) {
		pthread_mutex_destroy(&e->reclaim_mu);
		vg_free(e->path);
		vg_free(e);
		return VG_ENOMEM;
	}
	e->read_only = opts->read_only;
	atomic_init(&e->reclaims, 0);
	atomic_init(&e->evictions, 0);
	atomic_init(&e->expired, 0);
	atomic_init(&e->forks, atomic_load(&lmdb_forks));
	e->map_bytes = map;
	if ((rc = lmdb_env_start(&e->env, e->path, e->read_only, map)) != 0)
		goto fail;
	what = "stat";
	if ((rc = mdb_env_get_fd(e->env, &fd)) != 0)
		goto fail;
	if (fstat(fd, &sb) != 0) {
		rc = errno;
		goto fail;
	}
	e->dev = sb.st_dev;
	e->ino = sb.st_ino;
	if ((rc = mdb_env_stat(e->env, &st)) != 0)
		goto fail;
	/*
	 * A file cut short (a full disk, a partial copy) has sound meta
	 * pages, and the first read of a page past its end would fault
	 * (SIGBUS): refuse it.  The meta first, then the size, as a
	 * writer extends the file before it commits a meta pointing there.
	 */
	if ((rc = mdb_env_info(e->env, &info)) != 0)
		goto fail;
	if (fstat(fd, &sb) != 0) {
		rc = errno;
		goto fail;
	}
	need = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	if (sb.st_size < 0 || (uint64_t)sb.st_size < need) {
		vg_error("store %s: truncated: %lld bytes, its pages need "
		         "%llu",
		    e->path, (long long)sb.st_size, (unsigned long long)need);
		lmdb_env_free(e);
		return VG_EIO;
	}
	/* Reader slots of processes that died would stay taken. */
	what = "reader check";
	if ((rc = mdb_reader_check(e->env, &dead)) != 0)
		goto fail;
	if ((rc = lmdb_format(e)) != 0) {
		lmdb_env_free(e);
		return rc;
	}
	e->refs = 1;
	e->next = lmdb_registry;
	lmdb_registry = e;
	*out = e;
	return 0;
fail:
	rc = lmdb_err(e->path, what, rc);
	lmdb_env_free(e);
	return rc;
}

/* lmdb_open - a handle on opts->location, sharing an open environment */
static int
lmdb_open(void **be_out, const struct vg_store_opts *opts)
{
	struct lmdb_store *s;
	struct lmdb_env *e;
	MDB_envinfo info;
	struct stat sb;
	int rc = 0;

	*be_out = NULL;
	if (opts->location == NULL || opts->location[0] == '\0' ||
	    (opts->max_bytes != 0 &&
	        (opts->max_bytes < LMDB_MIN_MAP ||
	            opts->max_bytes > LMDB_MAX_MAP)))
		return VG_EINVAL;
	if (pthread_once(&lmdb_atfork_once, lmdb_atfork_init) != 0 ||
	    lmdb_atfork_rc != 0)
		return VG_ENOMEM;
	if (opts->evict_mark != NULL &&
	    strlen(opts->evict_mark) > sizeof(s->mark))
		return VG_EINVAL;
	if ((s = vg_calloc(1, sizeof(*s))) == NULL)
		return VG_ENOMEM;
	if (opts->evict_mark != NULL) {
		s->mark_len = strlen(opts->evict_mark);
		memcpy(s->mark, opts->evict_mark, s->mark_len);
	}
	pthread_mutex_lock(&lmdb_registry_mu);
	if (stat(opts->location, &sb) == 0) {
		for (e = lmdb_registry; e != NULL; e = e->next)
			if (e->dev == sb.st_dev && e->ino == sb.st_ino)
				break;
	} else if (errno == ENOENT && opts->read_only) {
		vg_error("store %s: cannot open read-only: %s", opts->location,
		    strerror(ENOENT));
		rc = VG_EIO;
		goto out;
	} else {
		e = NULL;
	}
	if (e != NULL && e->read_only && !opts->read_only) {
		vg_error("store %s: already open read-only in this process",
		    opts->location);
		rc = VG_EINVAL;
		goto out;
	}
	if (e != NULL) {
		/* A larger map asked for (a reload after max_bytes grew)
		 * takes effect now; a smaller one waits for a reopen. */
		if (opts->max_bytes > 0 && e->env != NULL &&
		    mdb_env_info(e->env, &info) == 0 &&
		    opts->max_bytes > info.me_mapsize &&
		    (rc = lmdb_resize(e, opts->max_bytes)) != 0) {
			rc = lmdb_err(e->path, "map size", rc);
			goto out;
		}
		e->refs++;
	} else {
		if ((rc = lmdb_env_open(&e, opts)) != 0)
			goto out;
	}
	s->e = e;
	s->clock = opts->clock;
	s->clock_ctx = opts->clock_ctx;
	s->read_only = opts->read_only;
	*be_out = s;
	s = NULL;
out:
	pthread_mutex_unlock(&lmdb_registry_mu);
	vg_free(s);
	return rc;
}

/* lmdb_close - drop the handle; the last one on a file closes it */
static void
lmdb_close(void *be)
{
	struct lmdb_store *s = be;
	struct lmdb_env *e = s->e, **pp;

	/* Closed under the mutex: an open of the same file meanwhile would
	 * make a second environment on it, which LMDB forbids. */
	pthread_mutex_lock(&lmdb_registry_mu);
	if (--e->refs == 0) {
		for (pp = &lmdb_registry; *pp != NULL; pp = &(*pp)->next) {
			if (*pp == e) {
				*pp = e->next;
				break;
			}
		}
		lmdb_env_free(e);
	}
	pthread_mutex_unlock(&lmdb_registry_mu);
	vg_free(s);
}

const struct vg_store_ops vg_store_lmdb_ops = {
    .name = "lmdb",
    .shared = true,
    .open = lmdb_open,
    .close = lmdb_close,
    .incr = lmdb_incr,
    .set = lmdb_set,
    .get = lmdb_get,
    .expire = lmdb_expire,
    .del = lmdb_del,
    .get_many = lmdb_get_many,
    .incr_many = lmdb_incr_many,
    .window_add = lmdb_window_add,
    .stats = lmdb_stats,
    .scan = lmdb_scan,
};
