/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * snapshot - a read-optimised copy of the classifier's token counts.
 *
 * PURPOSE  Classifying a message reads the counts of its few thousand
 *	    tokens; in LMDB each is a B-tree descent (about 0.5 us, most of
 *	    the classifier's cost, bench/README "The classifier's cost").
 *	    A snapshot is the same counts in an open-addressing hash table
 *	    in one memory-mapped file, so a look-up is one or two cache
 *	    lines, and a message's look-ups are prefetched ahead.  It is
 *	    built off the mail path from the store (one vg_store_scan(), so
 *	    one consistent view) and names the state it copies: the store's
 *	    learn generation (bayes.h, "Bg": every write of token counts
 *	    adds one in the same transaction) and creation mark ("Bc").  The
 *	    store stays the truth: a reader uses the snapshot only while the
 *	    store's generation and mark are the snapshot's, i.e. nothing was
 *	    learned or forgotten since; otherwise it reads the store, and
 *	    the snapshot is rebuilt (bayes.h).
 * FORMAT   One file, host byte order (like LMDB's own), version 2:
 *	      header (struct in snapshot.c, 128 bytes): magic "vgbsnap\0",
 *	      version, header length, generation, creation mark, messages
 *	      per class, slots (a power of two), entries, build time, the
 *	      token whose value is 0 (it cannot sit in a slot, 0 being
 *	      empty), a checksum of the slots and expiries, the earliest
 *	      nonzero expiry, and a checksum of the header;
 *	      then the slots: {uint64 token, int64 counts} (16 bytes, four
 *	      a cache line), linear probing from a mix of the token, at
 *	      most 3/4 full;
 *	      then one uint64 a slot: its expiry on the store's clock (0:
 *	      none), read only once the clock reaches the earliest.
 *	    Version 1 (24-byte slots {token, counts, expiry}) is refused
 *	    with a log line saying it is an older format; the milter then
 *	    rebuilds the file (bayes.h), `vigil learn --snapshot` too.
 *	    A file whose size, header, limits or checksums do not match is
 *	    refused at open with one log line (vg_snap_open()), so a torn,
 *	    truncated or damaged file is never read; it is written to a
 *	    temporary name and renamed, so a reader sees the old file or the
 *	    new one.
 * OWNS     vg_snap_open() returns a mapping with one reference;
 *	    vg_snap_ref()/vg_snap_unref() count them, the last unmaps.
 * LIMITS   At most VG_SNAP_MAX_ENTRIES tokens (max_entries of
 *	    vg_snap_build(), lower in tests): a larger store gets no
 *	    snapshot (VG_ELIMIT, and the store is read as before).  A file
 *	    claiming more slots than 2 * VG_SNAP_MAX_ENTRIES is refused.
 * ERRORS   VG_ENOMEM, VG_EIO (the file cannot be written or read, or is
 *	    not a sound snapshot), VG_ELIMIT, VG_EINVAL (the store cannot be
 *	    scanned), and the store's codes.
 * THREADS  A mapping is read-only: any number of threads look up at once.
 */
#ifndef VG_SNAPSHOT_H
#define VG_SNAPSHOT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_store;

#define VG_SNAP_VERSION     2
#define VG_SNAP_VERSION_STR "2"               /* for log lines */
#define VG_SNAP_MAX_ENTRIES ((size_t)1 << 26) /* tokens: 2.4 GB of slots */

/* The store state a snapshot copies. */
struct vg_snap_id {
	int64_t gen;     /* "Bg", 0 when missing */
	int64_t created; /* "Bc", 0 when missing */
	int64_t nspam;   /* "Bns" */
	int64_t nham;    /* "Bnh" */
};

struct vg_snap;

/*
 * vg_snap_build - scan store's classifier keys and write a snapshot of
 * them at path (through path + ".tmp.PID.N", renamed); *id_out (may be
 * NULL) is the state it copies.  At most max_entries tokens (0:
 * VG_SNAP_MAX_ENTRIES).  *stop (may be NULL) turning true ends the build
 * early (VG_ETEMP, nothing written).
 */
int vg_snap_build(struct vg_store *store, const char *path, size_t max_entries,
    const atomic_bool *stop, struct vg_snap_id *id_out);

/*
 * vg_snap_open - map and check the snapshot at path.  A missing file
 * gives VG_EIO with *missing (may be NULL) true and no log line; any
 * other failure logs one line naming the file and why.
 */
int vg_snap_open(struct vg_snap **out, const char *path, bool *missing);

/*
 * vg_snap_check - is buf (len bytes) a sound snapshot (what vg_snap_open
 * checks); the reason in why (may be NULL) when not.  For the fuzz target.
 */
bool vg_snap_check(const void *buf, size_t len, const char **why);

/* vg_snap_ref - one more reference; returns s */
struct vg_snap *vg_snap_ref(struct vg_snap *s);
/* vg_snap_unref - drop one; the last unmaps.  NULL is a no-op */
void vg_snap_unref(struct vg_snap *s);

/* vg_snap_id - the state s copies */
void vg_snap_id(const struct vg_snap *s, struct vg_snap_id *out);
/* vg_snap_entries - tokens in s */
size_t vg_snap_entries(const struct vg_snap *s);

/*
 * vg_snap_get_many - the counts of tok[0..n) as the store held them:
 * values[i] and found[i] (false, 0 when absent or expired at now, the
 * store's clock)
 */
void vg_snap_get_many(const struct vg_snap *s, const uint64_t *tok, size_t n,
    uint64_t now, int64_t *values, bool *found);

#endif /* VG_SNAPSHOT_H */
