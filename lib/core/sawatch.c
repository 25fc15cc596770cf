/* SPDX-License-Identifier: GPL-2.0-only */
/* sawatch - notice a new rule set in sa-update's directory (sawatch.h) */
#include <dirent.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/err.h"
#include "core/sawatch.h"
#include "rules/rules.h"

struct vg_sawatch {
	char *setting;                /* sa_update_dir as configured */
	char *var_root;               /* for "auto": where sa-update writes */
	char *share_dir;              /* for "auto": the packaged rules */
	char dir[VG_SAWATCH_DIR_MAX]; /* what setting names now, "" = none */
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

/*
 * digest - the state now: which directory the setting names (for "auto"
 * that changes when sa-update first writes a version directory, or when
 * the spamassassin package comes or goes) and its rule files
 */
static uint64_t
digest(struct vg_sawatch *w)
{
	uint64_t h;
	size_t left = VG_SAWATCH_FILES_MAX;

	if (vg_rules_sa_resolve(w->dir, sizeof(w->dir), w->setting, w->var_root,
	        w->share_dir) != 0)
		w->dir[0] = '\0';
	h = fnv(14695981039346656037ULL, w->dir, strlen(w->dir));
	if (w->dir[0] != '\0')
		digest_dir(&h, w->dir, 0, &left);
	return h;
}

/* vg_sawatch_new - as vg_sawatch_new_roots() with Debian's places */
int
vg_sawatch_new(struct vg_sawatch **out, const char *setting)
{
	return vg_sawatch_new_roots(
	    out, setting, VG_RULES_SA_VAR_ROOT, VG_RULES_SA_SHARE_DIR);
}

/* vg_sawatch_new_roots - the state now is the one already loaded */
int
vg_sawatch_new_roots(struct vg_sawatch **out, const char *setting,
    const char *var_root, const char *share_dir)
{
	struct vg_sawatch *w;

	*out = NULL;
	if ((w = vg_calloc(1, sizeof(*w))) == NULL)
		return VG_ENOMEM;
	if ((w->setting = vg_strdup(setting)) == NULL ||
	    (w->var_root = vg_strdup(var_root)) == NULL ||
	    (w->share_dir = vg_strdup(share_dir)) == NULL) {
		vg_sawatch_free(w);
		return VG_ENOMEM;
	}
	w->reported = w->seen = digest(w);
	*out = w;
	return 0;
}

/* vg_sawatch_changed - changed, and settled since the previous look */
bool
vg_sawatch_changed(struct vg_sawatch *w)
{
	uint64_t now = digest(w);
	bool settled = now == w->seen;

	w->seen = now;
	if (!settled || now == w->reported)
		return false;
	w->reported = now;
	return true;
}

/* vg_sawatch_dir - borrowed; "" when "auto" found none */
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
	vg_free(w->setting);
	vg_free(w->var_root);
	vg_free(w->share_dir);
	vg_free(w);
}
