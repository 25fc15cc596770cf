/* SPDX-License-Identifier: GPL-2.0-only */
/* setup - the socket's directory, the run-as user, tmp_dir (setup.h) */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/compiler.h"
#include "base/str.h"

#include "setup.h"

#define VGM_SETUP_MAX_GROUPS 256
/* Postfix's files read by -t: main.cf and master.cf, at most this much. */
#define VGM_SETUP_MAX_CF (1024 * 1024)
#define VGM_SETUP_SPOOL  "/var/spool/postfix/"

/* Who acts on a file: a user id and the groups the kernel checks. */
struct vgm_who {
	char name[64];
	uid_t uid;
	gid_t gid; /* primary: what new files get (outside setgid dirs) */
	gid_t groups[VGM_SETUP_MAX_GROUPS];
	int ngroups;
};

const char *
vgm_setup_unix_path(const char *sock)
{
	if (strncmp(sock, "unix:", 5) == 0)
		return sock + 5;
	if (strncmp(sock, "local:", 6) == 0)
		return sock + 6;
	if (sock[0] == '/')
		return sock;
	return NULL;
}

/* vgm_setup_dirname - the directory part of path into buf (size PATH_MAX) */
static void
vgm_setup_dirname(char *buf, const char *path)
{
	char *slash;

	(void)vg_str_fmt(buf, PATH_MAX, "%s", path);
	slash = strrchr(buf, '/');
	if (slash == NULL)
		(void)vg_str_fmt(buf, PATH_MAX, ".");
	else if (slash == buf)
		buf[1] = '\0';
	else
		*slash = '\0';
}

/* vgm_setup_mta_gid - the postfix group, if there is one */
static bool
vgm_setup_mta_gid(gid_t *gid)
{
	struct group *gr = getgrnam(VGM_SETUP_MTA_USER);

	if (gr == NULL)
		return false;
	*gid = gr->gr_gid;
	return true;
}

int
vgm_setup_make_dir(const char *path, const struct passwd *pw)
{
	char dir[PATH_MAX];
	struct stat st;
	gid_t gid;

	vgm_setup_dirname(dir, path);
	if (stat(dir, &st) == 0 || errno != ENOENT)
		return 0; /* exists (or opening the socket will say why) */
	if (mkdir(dir, 0750) != 0) {
		(void)fprintf(stderr,
		    "vigil-milter: cannot create the socket directory %s: %s\n",
		    dir, strerror(errno));
		return -1;
	}
	/* Postfix's smtpd (user postfix) must search it. */
	if (!vgm_setup_mta_gid(&gid))
		gid = pw != NULL ? pw->pw_gid : getegid();
	if (chown(dir, pw != NULL ? pw->pw_uid : geteuid(), gid) != 0 ||
	    chmod(dir, 0750) != 0) {
		(void)fprintf(
		    stderr, "vigil-milter: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	(void)fprintf(
	    stderr, "vigil-milter: created the socket directory %s\n", dir);
	return 0;
}

/*
 * vgm_setup_who - pw as the kernel sees it; supplementary groups only
 * when with_groups (Postfix's daemons run with none).
 */
static void
vgm_setup_who(struct vgm_who *w, const struct passwd *pw, bool with_groups)
{
	memset(w, 0, sizeof(*w));
	(void)vg_str_fmt(w->name, sizeof(w->name), "%s", pw->pw_name);
	w->uid = pw->pw_uid;
	w->gid = pw->pw_gid;
	w->groups[0] = pw->pw_gid;
	w->ngroups = 1;
	if (with_groups) {
		int n = VGM_SETUP_MAX_GROUPS;

		if (getgrouplist(pw->pw_name, pw->pw_gid, w->groups, &n) >= 0)
			w->ngroups = n;
	}
}

/* vgm_setup_may - may w do all of bits (4 r, 2 w, 1 x) on a directory */
static bool
vgm_setup_may(const struct vgm_who *w, const struct stat *st, unsigned bits)
{
	unsigned mode = (unsigned)st->st_mode;
	int i;

	if (w->uid == 0)
		return true;
	if (st->st_uid == w->uid)
		return ((mode >> 6) & bits) == bits;
	for (i = 0; i < w->ngroups; i++)
		if (st->st_gid == w->groups[i])
			return ((mode >> 3) & bits) == bits;
	return (mode & bits) == bits;
}

/*
 * vgm_setup_reach - can w search every directory down to dir (existing
 * ones) and then do bits on dir itself?  On no, names the first one in
 * bad; dir missing is no problem here (0 with *missing set).
 */
static bool
vgm_setup_reach(const struct vgm_who *w, const char *dir, unsigned bits,
    char *bad, bool *missing)
{
	char part[PATH_MAX];
	struct stat st;
	size_t i, n = strlen(dir);

	*missing = false;
	for (i = 1; i <= n; i++) {
		if (i < n && dir[i] != '/')
			continue;
		(void)vg_str_fmt(part, sizeof(part), "%.*s", (int)i, dir);
		if (stat(part, &st) != 0) {
			*missing = true;
			return true;
		}
		if (!vgm_setup_may(w, &st, i == n ? bits : 1)) {
			(void)vg_str_fmt(bad, PATH_MAX, "%s", part);
			return false;
		}
	}
	return true;
}

/* vgm_setup_mode - "0750 vigil:postfix" for a message */
static const char *
vgm_setup_mode(char *buf, size_t size, const char *path)
{
	struct stat st;
	struct passwd *pw;
	struct group *gr;
	char u[32], g[32];

	if (stat(path, &st) != 0)
		return "missing";
	pw = getpwuid(st.st_uid);
	gr = getgrgid(st.st_gid);
	if (pw != NULL)
		(void)vg_str_fmt(u, sizeof(u), "%s", pw->pw_name);
	else
		(void)vg_str_fmt(u, sizeof(u), "%u", (unsigned)st.st_uid);
	if (gr != NULL)
		(void)vg_str_fmt(g, sizeof(g), "%s", gr->gr_name);
	else
		(void)vg_str_fmt(g, sizeof(g), "%u", (unsigned)st.st_gid);
	(void)vg_str_fmt(
	    buf, size, "mode %04o, %s:%s", (unsigned)st.st_mode & 07777, u, g);
	return buf;
}

/* vgm_setup_read_cf - Postfix's FILE (in $MAIL_CONFIG, as Postfix reads it) */
static bool
vgm_setup_read_cf(const char *file, char *buf, size_t size)
{
	const char *dir = getenv("MAIL_CONFIG");
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	(void)vg_str_fmt(path, sizeof(path), "%s/%s",
	    dir != NULL && dir[0] != '\0' ? dir : "/etc/postfix", file);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	(void)fclose(f);
	return true;
}

/*
 * vgm_setup_smtpd_chrooted - does a master.cf line "NAME inet ... y ...
 * smtpd" run smtpd chrooted (column 5)?
 */
static bool
vgm_setup_smtpd_chrooted(char *master)
{
	char *line, *save = NULL, *f[8], *fs;
	int n;

	for (line = strtok_r(master, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == ' ' || line[0] == '\t')
			continue;
		for (n = 0, fs = NULL; n < 8; n++) {
			f[n] = strtok_r(n == 0 ? line : NULL, " \t", &fs);
			if (f[n] == NULL)
				break;
		}
		if (n == 8 && strcmp(f[1], "inet") == 0 &&
		    strcmp(f[7], "smtpd") == 0 && strcmp(f[4], "y") == 0)
			return true;
	}
	return false;
}

/*
 * vgm_setup_check_socket - the directory and the socket, for the one
 * starting the daemon (starter) and for Postfix.  sock_gid: the group the
 * socket gets.  Returns the problems found.
 */
static int
vgm_setup_check_socket(const char *path, const struct vgm_who *starter,
    const struct vgm_who *runner, bool drops, const char *conf_path, FILE *out)
{
	char dir[PATH_MAX], parent[PATH_MAX], bad[PATH_MAX], m[96];
	struct vgm_who mta;
	struct passwd *mpw;
	struct stat st;
	bool missing, make = false;
	gid_t sock_gid;
	int problems = 0;

	vgm_setup_dirname(dir, path);
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		(void)fprintf(out,
		    "%s: socket directory %s is not a directory\n", conf_path,
		    dir);
		return 1;
	}
	if (!vgm_setup_reach(starter, dir, 3, bad, &missing)) {
		(void)fprintf(out,
		    "%s: socket directory %s: user %s cannot %s %s (%s)\n",
		    conf_path, dir, starter->name,
		    strcmp(bad, dir) == 0 ? "create files in" : "search", bad,
		    vgm_setup_mode(m, sizeof(m), bad));
		return 1;
	}
	if (missing) {
		/* vigil-milter makes the last component only. */
		vgm_setup_dirname(parent, dir);
		if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode)) {
			(void)fprintf(out,
			    "%s: socket directory %s is missing and so is %s "
			    "(is Postfix installed? else change socket)\n",
			    conf_path, dir, parent);
			return 1;
		}
		if (!vgm_setup_may(starter, &st, 3)) {
			(void)fprintf(out,
			    "%s: socket directory %s is missing and user %s "
			    "cannot create it in %s (%s)\n",
			    conf_path, dir, starter->name, parent,
			    vgm_setup_mode(m, sizeof(m), parent));
			return 1;
		}
		make = true;
	}

	/*
	 * Postfix, when the socket is for it: inside its queue directory, or
	 * named in main.cf.  (Another client, such as vigil-bench or
	 * Sendmail as root, may use a socket anywhere.)
	 */
	mpw = getpwnam(VGM_SETUP_MTA_USER);
	if (mpw == NULL)
		return 0; /* no Postfix here: nothing more to check */
	if (strncmp(path, VGM_SETUP_SPOOL, strlen(VGM_SETUP_SPOOL)) != 0) {
		static char cf[VGM_SETUP_MAX_CF];

		if (!vgm_setup_read_cf("main.cf", cf, sizeof(cf)) ||
		    strstr(cf, path) == NULL)
			return 0;
		if (vgm_setup_read_cf("master.cf", cf, sizeof(cf)) &&
		    vgm_setup_smtpd_chrooted(cf)) {
			(void)fprintf(out,
			    "%s: socket %s is outside " VGM_SETUP_SPOOL
			    ", where master.cf runs smtpd chrooted: Postfix "
			    "could not connect (use socket = "
			    "unix:" VGM_SETUP_SPOOL "vigil/vigil.sock and "
			    "smtpd_milters = unix:vigil/vigil.sock)\n",
			    conf_path, path);
			return 1;
		}
	}
	/* Its smtpd runs as postfix with its primary group only. */
	vgm_setup_who(&mta, mpw, false);
	if (!vgm_setup_reach(&mta, make ? parent : dir, 1, bad, &missing)) {
		(void)fprintf(out,
		    "%s: socket %s: the postfix user cannot search %s (%s); "
		    "Postfix could not connect\n",
		    conf_path, path, bad, vgm_setup_mode(m, sizeof(m), bad));
		return 1;
	}
	/*
	 * The socket: mode 0660, its group as vigil-milter makes it (the
	 * run-as user's after the chown(), else the directory's when that
	 * is set-group-ID, else the starter's).
	 */
	if (drops)
		sock_gid = runner->gid;
	else if (!make && stat(dir, &st) == 0 && (st.st_mode & S_ISGID) != 0)
		sock_gid = st.st_gid;
	else
		sock_gid = starter->gid;
	if (mta.uid != (drops ? runner->uid : starter->uid) &&
	    sock_gid != mta.gid) {
		struct group *gr = getgrgid(sock_gid);

		(void)fprintf(out,
		    "%s: socket %s will belong to group %s, which is not the "
		    "postfix user's group: Postfix could not connect (make "
		    "postfix the primary group of user %s)\n",
		    conf_path, path, gr != NULL ? gr->gr_name : "?",
		    drops ? runner->name : starter->name);
		problems++;
	}
	return problems;
}

int
vgm_setup_check(const struct vg_conf *c, const char *conf_path, FILE *out)
{
	static struct vgm_who starter, runner;
	char bad[PATH_MAX], m[96];
	struct passwd *pw;
	struct stat st;
	const char *path;
	bool drops = false, missing;
	int problems = 0;

	/* Who starts the daemon: the caller of -t. */
	pw = getpwuid(geteuid());
	if (pw == NULL) {
		(void)fprintf(out,
		    "%s: the current user (uid %u) has no "
		    "passwd entry\n",
		    conf_path, (unsigned)geteuid());
		return 1;
	}
	vgm_setup_who(&starter, pw, true);
	runner = starter;

	/* Who it runs as: user, when started as root. */
	if (c->user != NULL && c->user[0] != '\0') {
		pw = getpwnam(c->user);
		if (pw == NULL) {
			(void)fprintf(out,
			    "%s: user = %s: no such user (create it: "
			    "adduser --system --ingroup postfix %s)\n",
			    conf_path, c->user, c->user);
			problems++;
		} else if (geteuid() == 0) {
			vgm_setup_who(&runner, pw, true);
			drops = true;
		}
	}

	path = vgm_setup_unix_path(c->socket);
	if (path != NULL)
		problems += vgm_setup_check_socket(
		    path, &starter, &runner, drops, conf_path, out);

	/* tmp_dir: spill files, made by the scanning threads (run-as). */
	if (c->tmp_dir != NULL && c->tmp_dir[0] != '\0') {
		if (stat(c->tmp_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			(void)fprintf(out,
			    "%s: tmp_dir %s: missing or not a directory\n",
			    conf_path, c->tmp_dir);
			problems++;
		} else if (!vgm_setup_reach(
		               &runner, c->tmp_dir, 3, bad, &missing)) {
			(void)fprintf(out,
			    "%s: tmp_dir %s: user %s cannot write there "
			    "(%s is %s)\n",
			    conf_path, c->tmp_dir, runner.name, bad,
			    vgm_setup_mode(m, sizeof(m), bad));
			problems++;
		}
	}
	return problems;
}
