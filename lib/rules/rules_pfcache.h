/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_pfcache - the prefilter's compiled Hyperscan databases kept on
 * disk, so their compile (about 20 s of CPU for SpamAssassin's set, 0.5 s
 * for the default rules) is paid once per rule set and machine, not at
 * every start, reload and `vigil scan`.
 *
 * PURPOSE  A database is named by the SHA-256 of everything that
 *	    determines it: a format tag, Hyperscan's version, the platform
 *	    it is compiled for (hs_populate_platform), and each expression
 *	    with its flags and id, in order.  A file holds the database as
 *	    hs_serialize_database() writes it, then the SHA-256 of those
 *	    bytes, so a torn or altered file is a miss, never a database.
 *	    The directory is vigil.conf's prefilter_cache (set for the
 *	    process by vg_rules_prefilter_cache(), rules.h).
 * OWNS     struct vg_pfc holds a copy of the directory's name for one
 *	    build (vg_pfc_open / vg_pfc_close).  A database vg_pfc_get()
 *	    returns belongs to the caller (hs_free_database()).
 * LIMITS   A file larger than VG_PFC_FILE_MAX is a miss.  After a build,
 *	    database files not used for VG_PFC_MAX_AGE_DAYS (each use
 *	    touches its file) and temporary files older than a day are
 *	    removed, so rule sets that are gone do not pile up.
 * ERRORS   No directory set: no cache.  A directory that cannot be made,
 *	    is not a directory, or that any user may write: no cache, one
 *	    warning per build (a database is loaded into the scanner, so
 *	    it must come from Vigil: keep the directory to Vigil's user).  A file that cannot be read
 *	    or checked: a miss (compiled and written again).  A file that
 *	    cannot be written: one warning per build, the database is used.
 *	    A file root writes is given to the directory's owner, so a
 *	    daemon that loads its rules as root and reloads them as its
 *	    user reads and refreshes the same files.
 * THREADS  One struct vg_pfc per build.  Files are written under a
 *	    temporary name and renamed, so processes may share a directory.
 */
#ifndef VG_RULES_PFCACHE_H
#define VG_RULES_PFCACHE_H

#include <stdbool.h>
#include <stddef.h>

#define VG_PFC_FILE_MAX     (512u * 1024 * 1024)
#define VG_PFC_MAX_AGE_DAYS 30
#define VG_PFC_KEY_LEN      32

/* One build's use of the cache. */
struct vg_pfc {
	char *dir;         /* NULL: no cache */
	unsigned uid, gid; /* the directory's owner: root gives files to it */
	size_t hits, writes;
	bool warned; /* a write failed and was logged */
};

/*
 * vg_pfc_open - start a build: c gets the process's cache directory,
 * made if missing, or none (see ERRORS).  0 or VG_ENOMEM.
 */
int vg_pfc_open(struct vg_pfc *c);
/* vg_pfc_close - prune the directory (LIMITS) and free c's copy */
void vg_pfc_close(struct vg_pfc *c);

/* vg_pfc_key - the key of a database of exprs[0..n) with flags and ids */
int vg_pfc_key(unsigned char key[VG_PFC_KEY_LEN], const char *const *exprs,
    const unsigned *flags, const unsigned *ids, size_t n);

/*
 * vg_pfc_get - the cached database of key (an hs_database_t the caller
 * frees), or NULL: no cache, no such file, or a file that fails a check
 */
void *vg_pfc_get(struct vg_pfc *c, const unsigned char key[VG_PFC_KEY_LEN]);
/* vg_pfc_put - keep db (an hs_database_t) under key; failures logged */
void vg_pfc_put(
    struct vg_pfc *c, const unsigned char key[VG_PFC_KEY_LEN], const void *db);

#endif /* VG_RULES_PFCACHE_H */
