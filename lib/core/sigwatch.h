/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sigwatch - notice that the ClamAV signature directory changed.
 *
 * PURPOSE  freshclam replaces files in the database directory and, unless
 *	    told to, sends no signal.  A watcher remembers the directory's
 *	    database files (name, inode, mtime: libclamav's cl_statinidir)
 *	    and later says whether any was added or modified
 *	    (cl_statchkdir), so the front end can rebuild the engine at
 *	    signature_check_interval.  After a change it re-arms itself on
 *	    the new state, so each change is reported once.
 * OWNS     vg_sigwatch_new() returns a watcher the caller frees with
 *	    vg_sigwatch_free().  The directory name is copied.
 * LIMITS   Only files with ClamAV database extensions count (.cvd, .cld,
 *	    .cud, .ndb, .hdb, ...).  A modification within the same second
 *	    as the last look, with the same inode, is not seen (mtime has
 *	    one-second resolution); freshclam writes new files and renames
 *	    them, which changes the inode.
 * ERRORS   VG_EIO when the directory cannot be read, with the reason in
 *	    vg_sigwatch_errno() (ENOENT when it was deleted, ENOTDIR when
 *	    something else took its name); VG_ENOMEM.  A watcher whose
 *	    check failed stays usable, and a directory that comes back is
 *	    always one change (libclamav's snapshot does not see a file
 *	    that went missing).
 * THREADS  One watcher belongs to one thread at a time.
 */
#ifndef VG_SIGWATCH_H
#define VG_SIGWATCH_H

#include <stdbool.h>

struct vg_sigwatch;

/* vg_sigwatch_new - remember the state of dir; *out owned by the caller */
int vg_sigwatch_new(struct vg_sigwatch **out, const char *dir);
/*
 * vg_sigwatch_changed - *changed_out = whether dir changed since the last
 * look; re-arms after a change.  VG_EIO (and *changed_out false).
 */
int vg_sigwatch_changed(struct vg_sigwatch *w, bool *changed_out);
/* vg_sigwatch_errno - errno of the last failed check, 0 after a good one */
int vg_sigwatch_errno(const struct vg_sigwatch *w);
/* vg_sigwatch_dir - the directory watched (borrowed) */
const char *vg_sigwatch_dir(const struct vg_sigwatch *w);
/* vg_sigwatch_free - forget the directory; NULL is a no-op */
void vg_sigwatch_free(struct vg_sigwatch *w);

#endif /* VG_SIGWATCH_H */
