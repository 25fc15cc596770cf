/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sawatch - notice a new rule set in SpamAssassin's sa-update directory.
 *
 * PURPOSE  sa-update (from cron, once a day) replaces the files of
 *	    vigil.conf's sa_update_dir and signals nobody.  A watcher keeps
 *	    a digest of the directory's rule files, one level of channel
 *	    folders deep (name, inode, size, mtime in nanoseconds of every
 *	    *.cf and *.pre, and whether the directory exists), and says when
 *	    it changed and then stayed the same for one more look: sa-update
 *	    writes many files, and a rule set read half-written would load
 *	    as a smaller, wrong one.  Each settled change is reported once.
 * OWNS     vg_sawatch_new() returns a watcher freed with
 *	    vg_sawatch_free(); the directory name is copied.
 * LIMITS   At most VG_SAWATCH_FILES_MAX files are looked at (more: the
 *	    rest are not, and a change only there is missed; sa-update's
 *	    channel has about seventy).
 * ERRORS   VG_ENOMEM.  A missing or unreadable directory is a state like
 *	    any other (its digest differs), not an error.
 * THREADS  One watcher belongs to one thread at a time.
 */
#ifndef VG_SAWATCH_H
#define VG_SAWATCH_H

#include <stdbool.h>

#define VG_SAWATCH_FILES_MAX 10000

struct vg_sawatch;

/* vg_sawatch_new - remember dir's state now; *out owned by the caller */
int vg_sawatch_new(struct vg_sawatch **out, const char *dir);
/*
 * vg_sawatch_changed - whether dir changed since it was last reported
 * (or since vg_sawatch_new()) and has not changed since the previous
 * call: the caller should reload now.
 */
bool vg_sawatch_changed(struct vg_sawatch *w);
/* vg_sawatch_dir - the directory watched (borrowed) */
const char *vg_sawatch_dir(const struct vg_sawatch *w);
/* vg_sawatch_free - NULL is a no-op */
void vg_sawatch_free(struct vg_sawatch *w);

#endif /* VG_SAWATCH_H */
