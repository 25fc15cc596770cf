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
 *	    For the setting "auto" every look first resolves it again
 *	    (vg_rules_sa_resolve()), and the directory's name is part of
 *	    the digest: the first version directory sa-update writes, a
 *	    newer one, or the spamassassin package installed or removed is
 *	    a change like any other, and the reload resolves it the same way.
 * OWNS     vg_sawatch_new() returns a watcher freed with
 *	    vg_sawatch_free(); the names are copied.
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
/* The longest directory name watched (longer: watched as none). */
#define VG_SAWATCH_DIR_MAX 4096

struct vg_sawatch;

/*
 * vg_sawatch_new - remember the state now of the directory vigil.conf's
 * sa_update_dir = setting names (a path, or "auto"); *out owned by the
 * caller
 */
int vg_sawatch_new(struct vg_sawatch **out, const char *setting);
/*
 * vg_sawatch_new_roots - the same, "auto" looking in var_root (instead of
 * /var/lib/spamassassin) and share_dir (/usr/share/spamassassin): tests
 */
int vg_sawatch_new_roots(struct vg_sawatch **out, const char *setting,
    const char *var_root, const char *share_dir);
/*
 * vg_sawatch_changed - whether dir changed since it was last reported
 * (or since vg_sawatch_new()) and has not changed since the previous
 * call: the caller should reload now.
 */
bool vg_sawatch_changed(struct vg_sawatch *w);
/* vg_sawatch_dir - the directory watched now (borrowed; "" for none) */
const char *vg_sawatch_dir(const struct vg_sawatch *w);
/* vg_sawatch_free - NULL is a no-op */
void vg_sawatch_free(struct vg_sawatch *w);

#endif /* VG_SAWATCH_H */
