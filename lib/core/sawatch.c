/* SPDX-License-Identifier: GPL-2.0-only */
/* sawatch - notice a new rule set in sa-update's directory (sawatch.h) */
#include <dirent.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/err.h"
#include "core/sawatch.h"

struct vg_sawatch {
	char *dir;
	uint64_t reported; /* the state last reported (or the first one) */
	uint64_t seen;     /* the state at the previous look */
};

/* fnv - fold n bytes into the FNV-1a hash h */
static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* wanted - a rule file sa-update writes: *.cf or *.pre */
static bool
wanted(const char *name)
{
	size_t n = strlen(name);

	return (n > 3 && strcmp(name + n - 3, ".cf") == 0) ||
	    (n > 4 && strcmp(name + n - 4, ".pre") == 0);
}

/*
 * digest_dir - fold dir's rule files (and, at depth 0, its folders' ones)
 * into *h, order-independently: each entry's hash is summed, so the order
 * readdir() returns them in does not matter.  *left counts down the
 * files still allowed.
 */
static void
digest_dir(uint64_t *h, const char *dir, int depth, size_t *left)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	struct stat st;

	if (d == NULL) {
		*h += fnv(14695981039346656037ULL, "missing", 7) +
		    (uint64_t)depth;
		return;
	}
	while ((e = readdir(d)) != NULL && *left > 0) {
		uint64_t x = 14695981039346656037ULL;
		size_t n;

		if (e->d_name[0] == '.')
			continue;
		n = strlen(dir) + strlen(e->d_name) + 2;
		if (n > sizeof(path))
			continue;
		memcpy(path, dir, strlen(dir));
		path[strlen(dir)] = '/';
		memcpy(
		    path + strlen(dir) + 1, e->d_name, strlen(e->d_name) + 1);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth == 0)
				digest_dir(h, path, 1, left);
			continue;
		}
		if (!S_ISREG(st.st_mode) || !wanted(e->d_name))
			continue;
		(*left)--;
		x = fnv(x, path, strlen(path));
		x = fnv(x, &st.st_ino, sizeof(st.st_ino));
		x = fnv(x, &st.st_size, sizeof(st.st_size));
		x = fnv(x, &st.st_mtim.tv_sec, sizeof(st.st_mtim.tv_sec));
		x = fnv(x, &st.st_mtim.tv_nsec, sizeof(st.st_mtim.tv_nsec));
		*h += x;
	}
	(void)closedir(d);
}

/* digest - the directory's state now */
static uint64_t
digest(const char *dir)
{
	uint64_t h = 0;
	size_t left = VG_SAWATCH_FILES_MAX;

	digest_dir(&h, dir, 0, &left);
	return h;
}

/* vg_sawatch_new - the state now is the one already loaded */
int
vg_sawatch_new(struct vg_sawatch **out, const char *dir)
{
	struct vg_sawatch *w;

	*out = NULL;
	if ((w = vg_calloc(1, sizeof(*w))) == NULL)
		return VG_ENOMEM;
	if ((w->dir = vg_strdup(dir)) == NULL) {
		vg_free(w);
		return VG_ENOMEM;
	}
	w->reported = w->seen = digest(dir);
	*out = w;
	return 0;
}

/* vg_sawatch_changed - changed, and settled since the previous look */
bool
vg_sawatch_changed(struct vg_sawatch *w)
{
	uint64_t now = digest(w->dir);
	bool settled = now == w->seen;

	w->seen = now;
	if (!settled || now == w->reported)
		return false;
	w->reported = now;
	return true;
}

/* vg_sawatch_dir - borrowed */
const char *
vg_sawatch_dir(const struct vg_sawatch *w)
{
	return w->dir;
}

/* vg_sawatch_free - the watcher and its copy of the name */
void
vg_sawatch_free(struct vg_sawatch *w)
{
	if (w == NULL)
		return;
	vg_free(w->dir);
	vg_free(w);
}
