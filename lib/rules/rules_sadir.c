/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_sadir - rules from SpamAssassin's sa-update directory (vigil.conf
 * sa_update_dir) ahead of the rules file.
 *
 * PURPOSE  sa-update writes a fresh rule set to a directory such as
 *	    /var/lib/spamassassin/4.000001: one CHANNEL.cf per update
 *	    channel (updates_spamassassin_org.cf) that includes the
 *	    channel's files from CHANNEL/.  SpamAssassin reads that
 *	    directory's *.cf, in name order, instead of its packaged rules
 *	    when it holds any, and the site's local.cf after them; so does
 *	    vg_rules_load_sa(): the directory's *.cf in compat mode (as
 *	    "vigil_compat spamassassin" would load them), then the rules
 *	    file as usual, so the site's scores and rules there override
 *	    SpamAssassin's.  A directory without a *.cf (sa-update never
 *	    ran) falls back, as SpamAssassin does, to the packaged rules in
 *	    VG_RULES_SA_SHARE_DIR, with a warning.
 *	    The setting "auto" (the default) resolves, at each load, to
 *	    what SpamAssassin itself would read: the newest version
 *	    directory sa-update wrote under VG_RULES_SA_VAR_ROOT that
 *	    holds a *.cf, else the packaged rules in VG_RULES_SA_SHARE_DIR
 *	    when Debian's spamassassin package installed them, else none:
 *	    then the rules file runs alone (vg_rules_sa_resolve()).
 * LIMITS   At most VG_RULES_SA_FILES_MAX *.cf files; a path at most
 *	    VG_RULES_SA_PATH_MAX bytes.  More, a VG_ECONFIG error.
 * ERRORS   As vg_rules_load(); errors in the directory's files carry
 *	    their own file:line.  VG_ECONFIG when neither directory holds a
 *	    rule file.
 * THREADS  One load, one thread.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/log.h"
#include "rules/rules.h"

#define VG_RULES_SA_FILES_MAX 1000
#define VG_RULES_SA_PATH_MAX  4096
/* Version directories looked at under the var root; more are ignored. */
#define VG_RULES_SA_VERSIONS_MAX 1000

/* sa_is_cf - a name ending in ".cf", not hidden */
static int
sa_is_cf(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 3 &&
	    strcmp(d->d_name + n - 3, ".cf") == 0;
}

/*
 * sa_add_dir - "include DIR/NAME.cf" lines for dir's *.cf in name order
 * into b; *n_out how many.  0, VG_ENOMEM, VG_ELIMIT (too many, too long)
 * with the reason in err; a directory that cannot be read adds none.
 */
static int
sa_add_dir(struct vg_buf *b, const char *dir, size_t *n_out, struct vg_err *err)
{
	struct dirent **names = NULL;
	int n, rc = 0;

	*n_out = 0;
	n = scandir(dir, &names, sa_is_cf, alphasort);
	if (n < 0)
		return 0;
	if (n > VG_RULES_SA_FILES_MAX) {
		vg_err_add(err, dir, 0, "sa_update_dir: more than %d .cf files",
		    VG_RULES_SA_FILES_MAX);
		rc = VG_ECONFIG;
	}
	for (int i = 0; i < n; i++) {
		if (rc == 0 &&
		    strlen(dir) + strlen(names[i]->d_name) + 2 >
		        VG_RULES_SA_PATH_MAX) {
			vg_err_add(err, dir, 0, "sa_update_dir: path too long");
			rc = VG_ECONFIG;
		}
		if (rc == 0 &&
		    vg_buf_printf(
		        b, "include %s/%s\n", dir, names[i]->d_name) != 0)
			rc = VG_ENOMEM;
		free(names[i]);
	}
	free(names);
	if (rc == 0)
		*n_out = (size_t)n;
	return rc;
}

/* has_cf - whether dir holds a *.cf (sa_is_cf) */
static bool
has_cf(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (d == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL)
		found = sa_is_cf(e);
	(void)closedir(d);
	return found;
}

/*
 * sa_version - the version a directory name spells as sa-update names
 * them ("4.000001": digits, a dot, digits), or -1 for any other name
 */
static double
sa_version(const char *name)
{
	const char *p = name;
	size_t digits = 0;

	while (*p >= '0' && *p <= '9')
		p++, digits++;
	if (digits == 0 || digits > 6 || *p++ != '.')
		return -1;
	for (digits = 0; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (digits == 0 || digits > 9 || *p != '\0')
		return -1;
	return strtod(name, NULL);
}

/*
 * sa_newest - the newest version directory under root holding a *.cf,
 * into out (size bytes); "" when there is none
 */
static int
sa_newest(char *out, size_t size, const char *root)
{
	DIR *d = opendir(root);
	struct dirent *e;
	char path[VG_RULES_SA_PATH_MAX];
	double best = -1;
	unsigned looked = 0;
	int rc = 0;

	out[0] = '\0';
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && looked < VG_RULES_SA_VERSIONS_MAX) {
		double v = sa_version(e->d_name);
		int n;

		if (v < 0)
			continue;
		looked++;
		n = snprintf(path, sizeof(path), "%s/%s", root, e->d_name);
		if (n < 0 || (size_t)n >= sizeof(path) || v <= best ||
		    !has_cf(path))
			continue;
		if ((size_t)n >= size) {
			rc = VG_ELIMIT;
			continue;
		}
		memcpy(out, path, (size_t)n + 1);
		best = v;
		rc = 0;
	}
	(void)closedir(d);
	return rc;
}

/* vg_rules_sa_resolve - the directory sa_update_dir = setting names */
int
vg_rules_sa_resolve(char *out, size_t size, const char *setting,
    const char *var_root, const char *share_dir)
{
	size_t n;
	int rc;

	if (size == 0)
		return VG_ELIMIT;
	out[0] = '\0';
	if (setting == NULL || *setting == '\0')
		return 0;
	if (strcmp(setting, VG_RULES_SA_AUTO) != 0) {
		if ((n = strlen(setting)) >= size)
			return VG_ELIMIT;
		memcpy(out, setting, n + 1);
		return 0;
	}
	if ((rc = sa_newest(out, size, var_root)) != 0 || out[0] != '\0')
		return rc;
	if (!has_cf(share_dir))
		return 0;
	if ((n = strlen(share_dir)) >= size)
		return VG_ELIMIT;
	memcpy(out, share_dir, n + 1);
	return 0;
}

/* vg_rules_load_sa - sa_dir's rule set, then the rules file at path */
int
vg_rules_load_sa(struct vg_rules **out, const char *path, const char *sa_dir,
    struct vg_err *err)
{
	struct vg_buf b;
	char dir[VG_RULES_SA_PATH_MAX];
	size_t n = 0;
	int rc;

	*out = NULL;
	rc = vg_rules_sa_resolve(dir, sizeof(dir), sa_dir, VG_RULES_SA_VAR_ROOT,
	    VG_RULES_SA_SHARE_DIR);
	if (rc != 0) {
		vg_err_add(err, sa_dir, 0, "sa_update_dir: path too long");
		return VG_ECONFIG;
	}
	if (dir[0] == '\0') {
		if (sa_dir != NULL && strcmp(sa_dir, VG_RULES_SA_AUTO) == 0)
			vg_info("sa_update_dir auto: SpamAssassin's rules are "
			        "not installed (neither %s/<version> nor %s); "
			        "Vigil's own rules run alone",
			    VG_RULES_SA_VAR_ROOT, VG_RULES_SA_SHARE_DIR);
		return vg_rules_load(out, path, err);
	}
	sa_dir = dir;
	vg_buf_init(&b, 1u << 20);
	rc = vg_buf_append_str(&b, "vigil_compat spamassassin\n");
	if (rc == 0)
		rc = sa_add_dir(&b, sa_dir, &n, err);
	if (rc == 0 && n == 0) {
		vg_warn("sa_update_dir %s holds no rule set (has sa-update "
		        "run?); loading SpamAssassin's packaged rules from "
		        "%s",
		    sa_dir, VG_RULES_SA_SHARE_DIR);
		rc = sa_add_dir(&b, VG_RULES_SA_SHARE_DIR, &n, err);
		if (rc == 0 && n == 0) {
			vg_err_add(err, sa_dir, 0,
			    "sa_update_dir: no .cf file here or in %s",
			    VG_RULES_SA_SHARE_DIR);
			rc = VG_ECONFIG;
		}
	}
	if (rc == 0)
		rc = vg_buf_printf(&b, "vigil_compat none\ninclude %s\n", path);
	if (rc == VG_ELIMIT)
		rc = VG_ENOMEM;
	if (rc == 0)
		rc = vg_rules_parse(
		    out, vg_buf_cstr(&b), b.len, "sa_update_dir", err);
	vg_buf_fini(&b);
	return rc;
}
