/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_pfcache - the prefilter's compiled databases on disk (see
 * rules_pfcache.h for what it owns and promises).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef VIGIL_HAVE_HYPERSCAN
#include <hs.h>
#include <openssl/evp.h>
#endif

#include "base/alloc.h"
#include "base/err.h"
#include "base/log.h"
#include "rules/rules.h"
#include "rules/rules_pfcache.h"

/* The process's directory (vigil.conf prefilter_cache); NULL none. */
static pthread_mutex_t vg_pfc_lock = PTHREAD_MUTEX_INITIALIZER;
static char *vg_pfc_dir;

/* vg_rules_prefilter_cache - set the cache directory (rules.h) */
int
vg_rules_prefilter_cache(const char *dir)
{
	char *copy = NULL;

	if (dir != NULL && *dir != '\0' && (copy = vg_strdup(dir)) == NULL)
		return VG_ENOMEM;
	if (pthread_mutex_lock(&vg_pfc_lock) != 0) {
		vg_free(copy);
		return VG_ENOMEM;
	}
	vg_free(vg_pfc_dir);
	vg_pfc_dir = copy;
	(void)pthread_mutex_unlock(&vg_pfc_lock);
	return 0;
}

#ifndef VIGIL_HAVE_HYPERSCAN

/* Without Hyperscan there is nothing to keep. */
int
vg_pfc_open(struct vg_pfc *c)
{
	memset(c, 0, sizeof(*c));
	return 0;
}

void
vg_pfc_close(struct vg_pfc *c)
{
	memset(c, 0, sizeof(*c));
}

#else /* VIGIL_HAVE_HYPERSCAN */

/* Changed when what a file holds or how a key is made changes. */
#define VG_PFC_FORMAT "vigil-prefilter-cache 1"
#define VG_PFC_SUFFIX ".hsdb"

/*
 * vg_pfc_mkdir - make dir (mode 0750) unless it exists; one root makes is
 * given to the owner of the directory it is made in (as vg_pfc_put does
 * with files).  0, or -1 with errno.
 */
static int
vg_pfc_mkdir(char *dir)
{
	struct stat st;
	char *slash;
	int rc;

	if (mkdir(dir, 0750) != 0)
		return errno == EEXIST ? 0 : -1;
	if (geteuid() != 0 || (slash = strrchr(dir, '/')) == NULL ||
	    slash == dir)
		return 0;
	*slash = '\0';
	rc = stat(dir, &st);
	*slash = '/';
	if (rc == 0 && st.st_uid != 0)
		return chown(dir, st.st_uid, st.st_gid);
	return 0;
}

/* vg_pfc_mkdirs - make dir and its missing parents; 0, or -1 with errno */
static int
vg_pfc_mkdirs(char *dir)
{
	struct stat st;

	if (stat(dir, &st) == 0)
		return 0;
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (vg_pfc_mkdir(dir) != 0) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return vg_pfc_mkdir(dir);
}

/* vg_pfc_open - take the process's directory for one build */
int
vg_pfc_open(struct vg_pfc *c)
{
	struct stat st;
	char *dir = NULL;

	memset(c, 0, sizeof(*c));
	if (pthread_mutex_lock(&vg_pfc_lock) != 0)
		return VG_ENOMEM;
	if (vg_pfc_dir != NULL && (dir = vg_strdup(vg_pfc_dir)) == NULL) {
		(void)pthread_mutex_unlock(&vg_pfc_lock);
		return VG_ENOMEM;
	}
	(void)pthread_mutex_unlock(&vg_pfc_lock);
	if (dir == NULL)
		return 0;
	if (vg_pfc_mkdirs(dir) != 0 || stat(dir, &st) != 0) {
		vg_warn("rules: prefilter_cache %s: %s; the prefilter is "
		        "compiled at every load",
		    dir, strerror(errno));
		vg_free(dir);
		return 0;
	}
	if (!S_ISDIR(st.st_mode) || (st.st_mode & S_IWOTH) != 0) {
		vg_warn("rules: prefilter_cache %s: not a directory, or one "
		        "that any user may write; not used",
		    dir);
		vg_free(dir);
		return 0;
	}
	c->dir = dir;
	c->uid = (unsigned)st.st_uid;
	c->gid = (unsigned)st.st_gid;
	return 0;
}

/* vg_pfc_key - SHA-256 of the format, Hyperscan, platform and exprs */
int
vg_pfc_key(unsigned char key[VG_PFC_KEY_LEN], const char *const *exprs,
    const unsigned *flags, const unsigned *ids, size_t n)
{
	hs_platform_info_t plat;
	EVP_MD_CTX *md;
	unsigned len = 0;
	uint64_t num;
	int ok;

	memset(&plat, 0, sizeof(plat));
	if (hs_populate_platform(&plat) != HS_SUCCESS)
		return -1;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return VG_ENOMEM;
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(md, VG_PFC_FORMAT, sizeof(VG_PFC_FORMAT)) &&
	    EVP_DigestUpdate(md, hs_version(), strlen(hs_version()) + 1);
	num = plat.tune;
	ok = ok && EVP_DigestUpdate(md, &num, sizeof(num));
	num = plat.cpu_features;
	ok = ok && EVP_DigestUpdate(md, &num, sizeof(num));
	/* Each expression with its length: no two lists hash alike. */
	for (size_t i = 0; ok && i < n; i++) {
		uint64_t head[3] = {flags[i], ids[i], strlen(exprs[i])};

		ok = EVP_DigestUpdate(md, head, sizeof(head)) &&
		    EVP_DigestUpdate(md, exprs[i], (size_t)head[2]);
	}
	ok = ok && EVP_DigestFinal_ex(md, key, &len) && len == VG_PFC_KEY_LEN;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

/* vg_pfc_path - DIR/<hex key>.hsdb into out; false if it does not fit */
static bool
vg_pfc_path(
    const struct vg_pfc *c, const unsigned char *key, char *out, size_t size)
{
	char hex[2 * VG_PFC_KEY_LEN + 1];

	for (size_t i = 0; i < VG_PFC_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	return (size_t)snprintf(
	           out, size, "%s/%s%s", c->dir, hex, VG_PFC_SUFFIX) < size;
}

/* vg_pfc_sum - SHA-256 of buf[0..n) into sum; 0 or -1 */
static int
vg_pfc_sum(const void *buf, size_t n, unsigned char sum[VG_PFC_KEY_LEN])
{
	unsigned len = 0;

	return EVP_Digest(buf, n, sum, &len, EVP_sha256(), NULL) &&
	        len == VG_PFC_KEY_LEN
	    ? 0
	    : -1;
}

/* vg_pfc_get - the database under key, or NULL (a miss) */
void *
vg_pfc_get(struct vg_pfc *c, const unsigned char key[VG_PFC_KEY_LEN])
{
	unsigned char sum[VG_PFC_KEY_LEN];
	char path[4096];
	hs_database_t *db = NULL;
	struct stat st;
	char *buf = NULL;
	size_t n, got = 0;
	int fd;

	if (c->dir == NULL || !vg_pfc_path(c, key, path, sizeof(path)))
		return NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size <= VG_PFC_KEY_LEN || st.st_size > VG_PFC_FILE_MAX)
		goto out;
	n = (size_t)st.st_size;
	if ((buf = vg_malloc(n)) == NULL)
		goto out;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		got += (size_t)r;
	}
	n -= VG_PFC_KEY_LEN;
	if (vg_pfc_sum(buf, n, sum) != 0 ||
	    memcmp(sum, buf + n, VG_PFC_KEY_LEN) != 0) {
		vg_info("rules: prefilter_cache: %s does not check out; "
		        "compiling again",
		    path);
		goto out;
	}
	if (hs_deserialize_database(buf, n, &db) != HS_SUCCESS) {
		db = NULL;
		goto out;
	}
	/* In use: keep it from being pruned (vg_pfc_close). */
	(void)futimens(fd, NULL);
	c->hits++;
out:
	vg_free(buf);
	(void)close(fd);
	return db;
}

/* vg_pfc_write - write all of buf to fd; 0 or -1 */
static int
vg_pfc_write(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* vg_pfc_put - write db under key (a temporary file, then rename) */
void
vg_pfc_put(
    struct vg_pfc *c, const unsigned char key[VG_PFC_KEY_LEN], const void *db)
{
	unsigned char sum[VG_PFC_KEY_LEN];
	char path[4096], tmp[4096 + 16];
	char *bytes = NULL;
	size_t n = 0;
	int fd = -1, ok = 0;

	if (c->dir == NULL || !vg_pfc_path(c, key, path, sizeof(path)))
		return;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (hs_serialize_database(db, &bytes, &n) != HS_SUCCESS) {
		bytes = NULL;
		errno = ENOMEM;
		goto out;
	}
	if (vg_pfc_sum(bytes, n, sum) != 0) {
		errno = EINVAL;
		goto out;
	}
	if ((fd = mkstemp(tmp)) < 0)
		goto out;
	if (fchmod(fd, 0640) != 0 ||
	    (geteuid() == 0 && c->uid != 0 &&
	        fchown(fd, (uid_t)c->uid, (gid_t)c->gid) != 0) ||
	    vg_pfc_write(fd, bytes, n) != 0 ||
	    vg_pfc_write(fd, sum, sizeof(sum)) != 0 || close(fd) != 0) {
		int e = errno;

		if (fd >= 0)
			(void)close(fd); /* after a failed close: EBADF */
		(void)unlink(tmp);
		errno = e;
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		int e = errno;

		(void)unlink(tmp);
		errno = e;
		goto out;
	}
	c->writes++;
	ok = 1;
out:
	if (!ok && !c->warned) {
		vg_warn("rules: prefilter_cache %s: cannot keep a database "
		        "(%s); it is compiled again at the next load",
		    c->dir, strerror(errno));
		c->warned = true;
	}
	free(bytes); /* hs_serialize_database uses the C allocator */
}

/* vg_pfc_prune - remove old databases and stale temporary files */
static void
vg_pfc_prune(const struct vg_pfc *c)
{
	time_t now = time(NULL);
	struct dirent *de;
	DIR *d;

	if ((d = opendir(c->dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct stat st;
		time_t max_age;

		/* Ours only: 64 hex digits and the suffix, then maybe the
		 * ".XXXXXX" of a temporary file. */
		if (len < 2 * VG_PFC_KEY_LEN + sizeof(VG_PFC_SUFFIX) - 1 ||
		    strspn(de->d_name, "0123456789abcdef") !=
		        2 * VG_PFC_KEY_LEN ||
		    strncmp(de->d_name + 2 * VG_PFC_KEY_LEN, VG_PFC_SUFFIX,
		        sizeof(VG_PFC_SUFFIX) - 1) != 0)
			continue;
		max_age = len == 2 * VG_PFC_KEY_LEN + sizeof(VG_PFC_SUFFIX) - 1
		    ? (time_t)VG_PFC_MAX_AGE_DAYS * 86400
		    : 86400;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		        0 &&
		    S_ISREG(st.st_mode) && now - st.st_mtime > max_age)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	(void)closedir(d);
}

/* vg_pfc_close - prune, then free c's copy of the directory */
void
vg_pfc_close(struct vg_pfc *c)
{
	if (c->dir != NULL)
		vg_pfc_prune(c);
	vg_free(c->dir);
	memset(c, 0, sizeof(*c));
}

#endif /* VIGIL_HAVE_HYPERSCAN */
