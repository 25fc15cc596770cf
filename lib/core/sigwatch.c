/* SPDX-License-Identifier: GPL-2.0-only */
/* sigwatch - notice that the ClamAV signature directory changed */
#include <sys/stat.h>

#include <errno.h>
#include <string.h>

#include <clamav.h>

#include "base/alloc.h"
#include "base/err.h"
#include "core/sigwatch.h"

struct vg_sigwatch {
	char *dir;
	struct cl_stat st; /* zeroed when not armed */
	bool armed;
	bool gone;      /* the last look found no directory */
	int last_errno; /* why the last check failed, 0 after a good one */
};

/* sigwatch_arm - take a fresh snapshot of the directory */
static int
sigwatch_arm(struct vg_sigwatch *w)
{
	cl_error_t crc;

	if (w->armed) {
		cl_statfree(&w->st);
		w->armed = false;
	}
	memset(&w->st, 0, sizeof(w->st));
	if ((crc = cl_statinidir(w->dir, &w->st)) != CL_SUCCESS) {
		/* cl_statinidir() frees what it built on failure. */
		memset(&w->st, 0, sizeof(w->st));
		return crc == CL_EMEM ? VG_ENOMEM : VG_EIO;
	}
	w->armed = true;
	return 0;
}

/* vg_sigwatch_new - remember the state of dir */
int
vg_sigwatch_new(struct vg_sigwatch **out, const char *dir)
{
	struct vg_sigwatch *w;
	int rc;

	*out = NULL;
	if ((w = vg_calloc(1, sizeof(*w))) == NULL)
		return VG_ENOMEM;
	if ((w->dir = vg_strdup(dir)) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	if ((rc = sigwatch_arm(w)) != 0)
		goto out;
	*out = w;
	w = NULL; /* handed to the caller */
out:
	vg_sigwatch_free(w);
	return rc;
}

/* vg_sigwatch_changed - whether dir changed since the last look */
int
vg_sigwatch_changed(struct vg_sigwatch *w, bool *changed_out)
{
	struct stat sb;
	int rc;

	*changed_out = false;
	/*
	 * A directory that is gone (deleted, or replaced by something else)
	 * is an error we can name, found before libclamav is asked: its
	 * own functions would log "Can't open directory" at every check.
	 * A directory that comes back is always a change: libclamav's
	 * snapshot compares the files it finds by their mtime in seconds
	 * and never notices one that went missing, so a directory rebuilt
	 * within the same second without a file looked unchanged (seen in
	 * a fresh CI run of test_stage_virus_sigwatch).
	 */
	if (stat(w->dir, &sb) != 0) {
		w->last_errno = errno;
		w->gone = true;
		return VG_EIO;
	}
	if (!S_ISDIR(sb.st_mode)) {
		w->last_errno = ENOTDIR;
		w->gone = true;
		return VG_EIO;
	}
	w->last_errno = 0;
	/*
	 * A watcher whose re-arm failed, or whose directory was gone, takes
	 * a new snapshot and reports a change.
	 */
	if (!w->armed || w->gone) {
		w->gone = false;
		if ((rc = sigwatch_arm(w)) != 0) {
			w->last_errno = rc == VG_ENOMEM ? ENOMEM : EIO;
			return rc;
		}
		*changed_out = true;
		return 0;
	}
	rc = cl_statchkdir(&w->st);
	if (rc < 0 || (rc != 0 && rc != 1)) {
		w->last_errno = EIO;
		return VG_EIO;
	}
	if (rc == 0)
		return 0;
	*changed_out = true;
	if ((rc = sigwatch_arm(w)) != 0) {
		/* The change is real; the next call retries the snapshot. */
		*changed_out = false;
		return rc;
	}
	return 0;
}

/* vg_sigwatch_errno - why the last check failed (ENOENT ...), or 0 */
int
vg_sigwatch_errno(const struct vg_sigwatch *w)
{
	return w->last_errno;
}

/* vg_sigwatch_dir - the directory watched */
const char *
vg_sigwatch_dir(const struct vg_sigwatch *w)
{
	return w->dir;
}

/* vg_sigwatch_free - forget the directory; NULL is a no-op */
void
vg_sigwatch_free(struct vg_sigwatch *w)
{
	if (w == NULL)
		return;
	if (w->armed)
		cl_statfree(&w->st);
	vg_free(w->dir);
	vg_free(w);
}
