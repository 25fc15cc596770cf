/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bayes - the learning classifier's database: learn, forget, classify.
 *
 * PURPOSE  A site's own spam and ham, counted per token (tokenize.h) in a
 *	    store (store/store.h: an LMDB file, or Redis shared by many
 *	    MTAs), combined by chi2.h into a spam probability.  One object
 *	    serves vigil-milter (classify, autolearn) and `vigil learn`.
 * LAYOUT   Keys in the store, all with the prefix "B" so the classifier
 *	    can share a store with other tables:
 *	      "Bt" + 8 bytes   a token's counts, its 64-bit hash big-endian;
 *			       the value is spam << 32 | ham (both counts in
 *			       one counter, so one INCRBY learns a token and
 *			       one MGET reads both), TTL bayes_token_ttl,
 *			       renewed each time a message holding it is
 *			       learned (so tokens nobody sends any more go)
 *	      "Bns", "Bnh"     messages learned as spam, as ham
 *	      "Bm" + 16 bytes  a learned message (its digest, see
 *			       vg_bayes_digest()): +1 spam, -1 ham; no TTL
 *	      "Bv"             the layout version (VG_BAYES_VERSION); a
 *			       database with another one is refused
 *	      "Bc"             when the first message was learned (wall ms)
 *	      "Bg"             the learn generation: +1 in every write
 *			       that changes token or message counts (in
 *			       the same incr_many), so a snapshot of one
 *			       generation (learn/snapshot.h) is known
 *			       stale as soon as anything is learned
 * SNAPSHOT With bayes_store = lmdb, bayes_path + ".snap" holds a
 *	    read-optimised copy of the counts (learn/snapshot.h), loaded at
 *	    open.  A message is classified from it while the store's "Bns",
 *	    "Bnh", "Bg" and "Bc" are those it copied (one read of 4 keys),
 *	    with the same result as from the store; otherwise from the
 *	    store, and the first such message wakes a thread that rebuilds
 *	    the snapshot (at most every bayes_snapshot_interval; never on a
 *	    read-only handle) or maps a newer one another process wrote.
 *	    `vigil learn` builds it after learning unless it is younger than
 *	    that interval (vg_bayes_snapshot()).  Tokens LMDB evicts when its
 *	    map is full move "Bg" in the transaction that deletes them
 *	    (vg_store_opts.evict_mark), so even when the write that needed
 *	    the room fails after all, the snapshot is known stale.
 *	    A token's counts never go below 0: forgetting reads them first
 *	    and takes back only what is there (a token may have expired).
 * OWNS     vg_bayes_open() returns an object vg_bayes_close() frees; it
 *	    holds its own store.  Tokens and digests are the caller's.
 * LIMITS   A message's tokens are read in one get_many (one round trip to
 *	    Redis) and written in batches of at most VG_STORE_BATCH_MAX;
 *	    tokenize.h bounds how many there are (bayes_max_tokens).
 *	    Counts are at most 2^31 - 1 spam and 2^32 - 1 ham per token.
 * ERRORS   vg_bayes_open(): VG_ECONFIG (text in err: the store cannot be
 *	    opened, the database is newer or not one), VG_ENOMEM.  The
 *	    others: VG_ETEMP (Redis did not answer in time), VG_EIO (the
 *	    store failed), VG_ENOMEM; nothing half-learned is recorded as
 *	    learned.
 * THREADS  Classify from many threads at once; learning from several
 *	    processes at once is safe for the counts (atomic increments),
 *	    but two processes learning the same message at the same moment
 *	    may both count it.
 */
#ifndef VG_BAYES_H
#define VG_BAYES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "learn/chi2.h"
#include "learn/tokenize.h"

struct vg_conf;
struct vg_err;
struct vg_msg;
struct vg_store;
struct vg_text;

/*
 * The layout version: 2 since the tokens of one word share the high half
 * of their hash (tokenize.h, VALUES).  A database of another version is
 * refused (an older one would count word pairs under the wrong keys).
 */
#define VG_BAYES_VERSION 3
/*
 * Version 3 adds "Bg" (the tokens are version 2's): a version-2 database
 * is used and marked 3 at the first learn, so that an older Vigil, which
 * would learn without moving "Bg", refuses it from then on.
 */
#define VG_BAYES_VERSION_MIN 2

enum vg_bayes_class {
	VG_BAYES_SPAM = 1,
	VG_BAYES_HAM = -1,
};

/* What learning one message did. */
enum vg_bayes_learned {
	VG_BAYES_LEARNED,     /* counted as the class asked */
	VG_BAYES_ALREADY,     /* it was learned as that class before */
	VG_BAYES_MOVED,       /* it was the other class: moved */
	VG_BAYES_FORGOTTEN,   /* --forget: taken back */
	VG_BAYES_NOT_LEARNED, /* --forget of a message never learned */
};

/* What classifying one message found. */
struct vg_bayes_score {
	bool ready;     /* enough learned: prob means something */
	double prob;    /* spam probability 0..1; 0.5 when !ready */
	double margin;  /* chi2.h: ranks where prob rounds to 0 or 1 */
	size_t used;    /* tokens that counted */
	uint64_t nspam; /* messages learned as spam */
	uint64_t nham;  /* and as ham */
	size_t ntokens; /* tokens of the message */
	size_t known;   /* of which the database knows */
	bool snapshot;  /* the counts came from the snapshot (SNAPSHOT) */
};

struct vg_bayes_stats {
	uint64_t nspam, nham;
	uint64_t created_ms; /* when the first message was learned, 0 */
	const char *store;   /* backend name, static */
	size_t keys;         /* keys in the store (all tables) */
	uint64_t bytes;      /* the store's size, 0 when it cannot say */
	uint64_t max_bytes;  /* its bound (LMDB's map size), 0: none */
};

struct vg_bayes;

/*
 * vg_bayes_open - the classifier database conf names (bayes_store,
 * bayes_path or redis, ...); read_only for a reader that must not
 * create the file.
 */
int vg_bayes_open(struct vg_bayes **out, const struct vg_conf *conf,
    bool read_only, struct vg_err *err);
/*
 * vg_bayes_open_store - over a store the caller opened (tests, tools);
 * takes a reference of its own.
 */
int vg_bayes_open_store(struct vg_bayes **out, struct vg_store *store,
    const struct vg_conf *conf, struct vg_err *err);
/*
 * vg_bayes_use_snapshot - read (and unless read_only rebuild) the
 * snapshot at path (SNAPSHOT above; vg_bayes_open() does this for LMDB);
 * nothing when conf's bayes_snapshot_interval is 0.  A missing or unsound
 * file is not an error (the store is read).  VG_ENOMEM.
 */
int vg_bayes_use_snapshot(struct vg_bayes *b, const char *path, bool read_only);
/*
 * vg_bayes_snapshot - build the snapshot now (force), or only when the
 * file is missing or older than bayes_snapshot_interval, and use it.
 * VG_EINVAL when there is none to build (Redis, interval 0), else as
 * vg_snap_build().
 */
int vg_bayes_snapshot(struct vg_bayes *b, bool force);
/* vg_bayes_set_snapshot_max - tokens a snapshot may hold (tests) */
void vg_bayes_set_snapshot_max(struct vg_bayes *b, size_t max_entries);
/* vg_bayes_close - NULL is a no-op */
void vg_bayes_close(struct vg_bayes *b);

/* vg_bayes_limits - the token limits from conf (bayes_max_*) */
const struct vg_token_limits *vg_bayes_limits(const struct vg_bayes *b);

/*
 * vg_bayes_tokenize_text - a message's tokens as vg_bayes_classify()
 * reads them cheapest: a set in no order (vg_tokenize_set()) while b has
 * a snapshot mapped, whose look-ups need no order; sorted (vg_tokenize())
 * when it has none (Redis, bayes_snapshot_interval = 0, a database too
 * large for one, or none built yet) and reads the store in key order.
 * Either way, the same scores.
 */
int vg_bayes_tokenize_text(
    struct vg_bayes *b, const struct vg_text *text, struct vg_tokens **out);

/*
 * vg_bayes_digest - what identifies a message for learning: a 128-bit
 * digest of its Message-ID and its body (so the same message fetched
 * twice, with different Received headers, is one message).
 */
void vg_bayes_digest(uint8_t out[16], const struct vg_msg *msg);

/*
 * vg_bayes_tokenize_msg - decode msg with conf's MIME limits and tokenize
 * it as the score stage does (*out, the caller's).  VG_ENOMEM, or the
 * decoder's code.
 */
int vg_bayes_tokenize_msg(
    const struct vg_bayes *b, const struct vg_msg *msg, struct vg_tokens **out);

/* vg_bayes_classify - score one message's tokens */
int vg_bayes_classify(
    struct vg_bayes *b, const struct vg_tokens *t, struct vg_bayes_score *out);
/*
 * vg_bayes_learn - count the message (tokens t, digest d) as class cls,
 * or with forget take it back whatever it was learned as (cls ignored).
 */
int vg_bayes_learn(struct vg_bayes *b, const struct vg_tokens *t,
    const uint8_t d[16], enum vg_bayes_class cls, bool forget,
    enum vg_bayes_learned *what);
/* vg_bayes_stats - counts for `vigil learn --stats` and the start log */
int vg_bayes_stats(struct vg_bayes *b, struct vg_bayes_stats *out);
/* vg_bayes_learned_name - "learned", "already learned", ...; static */
const char *vg_bayes_learned_name(enum vg_bayes_learned what);

#endif /* VG_BAYES_H */
