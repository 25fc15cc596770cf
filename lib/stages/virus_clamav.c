/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virus_clamav - the "clamav" virus backend (virus_backend.h): the raw
 * message through libclamav.
 *
 * PURPOSE  Everything libclamav-specific: engine load and limits, the
 *	    signature directory, scan options, the heuristic names that mean
 *	    "not scanned", the file-inspection callback, the directory
 *	    ClamAV writes to (clamav_tmp_dir) and its room check.
 * OWNS     One compiled engine (struct virus_state) and its private
 *	    directory in clamav_tmp_dir, both freed by free().
 * LIMITS   See "Incomplete scans" below.
 * ERRORS   create(): VG_ECONFIG/VG_ENOMEM with a sentence in err.
 *	    scan(): VG_ETEMP/VG_ENOMEM with "clamav: ..." in out->reason.
 * THREADS  scan() runs concurrently on one compiled engine.
 *
 * One compiled ClamAV engine per Vigil engine, shared read-only by every
 * scanning thread (libclamav allows concurrent scans on a compiled
 * engine).  The whole raw message is scanned from memory (an fmap over
 * vg_msg_raw(), which is the spill file's mapping for large messages), so
 * ClamAV's own mail parser decodes the MIME parts and its archive parsers
 * open what they contain; nothing is written to disk by us.  ClamAV
 * itself writes every decoded MIME part to a file: in clamav_tmp_dir,
 * memory-backed by default (virus_tmp_dir()).
 *
 * Answers of scan() (virus_backend.h; the stage handles virus_scan = no,
 * oversize and empty messages before calling it):
 *   a signature matched                  -> INFECTED, out->name = its
 *					     name (the stage sanitises it)
 *   part of the message was not scanned  -> INCOMPLETE, out->reason
 *					     says why ("Incomplete scans")
 *   scanned to the end, nothing found    -> CLEAN
 *   clamav_tmp_dir without room for      -> VG_ETEMP "clamav: not scanned:
 *   ClamAV's files, before or after	     clamav_tmp_dir ..." (on_error: our
 *   the scan (virus_tmp_room)		     disk, not the message, so a
 *					     tempfail, not unscanned_action)
 *   any other libclamav error            -> VG_ETEMP "clamav: <reason>"
 *					     (the verdict applies on_error)
 *
 * Incomplete scans.  libclamav stops at its limits and, unless asked,
 * says "clean": a known virus behind 100 MiB of compressible padding, 20
 * zips deep or in an encrypted zip would pass as Clean.  So:
 *   - the heuristic alerts for exceeded limits, encrypted archives and
 *     documents and broken executables are on (as clamd's
 *     AlertExceedsMax, AlertEncrypted and AlertBrokenExecutables); their
 *     names (Heuristics.Limits.Exceeded.*, Heuristics.Encrypted.*,
 *     Heuristics.Broken.*) are outcomes, not viruses.  Heuristic alerts
 *     do not take precedence, so libclamav scans on after one and a real
 *     signature found later in the message wins;
 *   - one limit libclamav does not report: an archive member larger than
 *     clamav_max_filesize is cut to that size and the rest is not scanned
 *     (unzip's "trimming output size").  The file-inspection callback sees
 *     every file ClamAV extracts, with its size: one that reaches
 *     max_filesize was cut, and the scan is INCOMPLETE;
 *   - ClamAV's clean-file cache is off: a cached "clean" answer for an
 *     attachment comes without unpacking it, so a member cut inside it
 *     would go unseen the second time (measured: the second scan of the
 *     same zip never reached the member).  An attachment sent again is
 *     therefore scanned again, as clamd with DisableCache does;
 *   - a whole message larger than clamav_max_filesize is INCOMPLETE
 *     without a scan (ClamAV would skip it and say clean);
 *   - the return codes for limits (CL_EMAXREC, CL_EMAXSIZE, CL_EMAXFILES,
 *     CL_ETIMEOUT) and for content ClamAV cannot parse (CL_EFORMAT) are
 *     INCOMPLETE too.
 * The verdict applies unscanned_action to INCOMPLETE (vigil.conf(5)).
 *
 * Version text: "ClamAV <libclamav version>/<daily database version>",
 * e.g. "ClamAV 1.4.6/27480", as clamav-milter writes it.  A database
 * without a daily.cvd/cld (only local .ndb/.hdb files, as in the tests)
 * has no version, so the text says "/0" and how many signatures were
 * loaded instead: "ClamAV 1.4.6/0 (46 signatures)".
 */
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <clamav.h>

#include "base/alloc.h"
#include "base/compiler.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/log.h"
#include "message/msg.h"
#include "core/result.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "stages/virus_backend.h"

#define VIRUS_VERSION_MAX 128

struct virus_state {
	struct cl_engine *engine;
	unsigned sigs;                   /* signatures loaded */
	unsigned long long max_filesize; /* ClamAV's, 0 = unknown */
	char *tmp_dir;                   /* ClamAV's temporary files, or NULL */
	bool tmp_own;                    /* tmp_dir was made by us: rmdir it */
	const char *tmp_key; /* "clamav_tmp_dir" or "tmp_dir", for reasons */
	char *tmp_shown;     /* the configured directory, for reasons */
	char version[VIRUS_VERSION_MAX];
};

/*
 * virus_clamav_log - libclamav's messages to our log sink instead of its
 * default stderr (the library never prints).  Text may quote file names
 * from the message, so it is sanitised; ClamAV's trailing newline goes.
 */
static void
virus_clamav_log(
    enum cl_msg severity, const char *fullmsg, const char *msg, void *ctx)
{
	char line[VG_LOG_LINE_MAX];
	enum vg_log_level level;
	size_t n;

	(void)fullmsg;
	(void)ctx;
	if (severity >= CL_MSG_ERROR)
		level = VG_LOG_ERROR;
	else if (severity >= CL_MSG_WARN)
		level = VG_LOG_WARNING;
	else
		level = VG_LOG_DEBUG;
	n = vg_sanitize_str(line, sizeof(line), msg, 0);
	while (n > 0 && line[n - 1] == ' ')
		line[--n] = '\0';
	vg_log(level, "clamav: %s", line);
}

/* virus_free - free the ClamAV engine; NULL is a no-op */
static void
virus_free(void *state)
{
	struct virus_state *vs = state;

	if (vs == NULL)
		return;
	if (vs->engine != NULL)
		cl_engine_free(vs->engine);
	/* Empty unless a scan was cut off by a crash of libclamav's. */
	if (vs->tmp_own && rmdir(vs->tmp_dir) != 0)
		vg_log(VG_LOG_WARNING, "clamav_tmp_dir: cannot remove %s: %s",
		    vs->tmp_dir, strerror(errno));
	vg_free(vs->tmp_dir);
	vg_free(vs->tmp_shown);
	vg_free(vs);
}

/* virus_set_num - cl_engine_set_num() when the config sets a value */
static int
virus_set_num(struct virus_state *vs, enum cl_engine_field field,
    uint64_t value, const char *key, struct vg_err *err)
{
	cl_error_t rc;

	if (value == 0)
		return 0;
	if (value > INT64_MAX)
		value = INT64_MAX;
	if ((rc = cl_engine_set_num(vs->engine, field, (long long)value)) !=
	    CL_SUCCESS) {
		vg_err_add(err, NULL, 0, "%s: ClamAV refused %llu: %s", key,
		    (unsigned long long)value, cl_strerror(rc));
		return VG_ECONFIG;
	}
	return 0;
}

/* virus_set_limits - copy the clamav_max_* keys into the engine */
static int
virus_set_limits(
    struct virus_state *vs, const struct vg_conf *conf, struct vg_err *err)
{
	const struct {
		enum cl_engine_field field;
		uint64_t value;
		const char *key;
	} limits[] = {
	    {CL_ENGINE_MAX_FILESIZE, conf->clamav_max_filesize,
	        "clamav_max_filesize"},
	    {CL_ENGINE_MAX_SCANSIZE, conf->clamav_max_scansize,
	        "clamav_max_scansize"},
	    {CL_ENGINE_MAX_RECURSION, conf->clamav_max_recursion,
	        "clamav_max_recursion"},
	    {CL_ENGINE_MAX_FILES, conf->clamav_max_files, "clamav_max_files"},
	    /* CL_ENGINE_MAX_SCANTIME is a uint32_t of milliseconds. */
	    {CL_ENGINE_MAX_SCANTIME,
	        conf->clamav_max_scantime_ms > UINT32_MAX
	            ? UINT32_MAX
	            : conf->clamav_max_scantime_ms,
	        "clamav_max_scantime"},
	};
	int rc;

	for (size_t i = 0; i < VG_NELEM(limits); i++)
		if ((rc = virus_set_num(vs, limits[i].field, limits[i].value,
		         limits[i].key, err)) != 0)
			return rc;
	return 0;
}

/*
 * virus_dir_exists - whether the database path exists at all (cl_load()
 * on a missing path prints its own warning; we would rather say what to
 * do).
 */
static bool
virus_dir_exists(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0;
}

/* virus_version - fill vs->version; see the file comment */
static void
virus_version(struct virus_state *vs)
{
	long long dbver;
	int cerr = 0;

	dbver = cl_engine_get_num(vs->engine, CL_ENGINE_DB_VERSION, &cerr);
	if (cerr != CL_SUCCESS)
		dbver = 0;
	if (dbver > 0)
		snprintf(vs->version, sizeof(vs->version), "ClamAV %s/%lld",
		    cl_retver(), dbver);
	else
		snprintf(vs->version, sizeof(vs->version),
		    "ClamAV %s/0 (%u signatures)", cl_retver(), vs->sigs);
}

/* What one scan learns through the callbacks (their context). */
struct virus_scan_ctx {
	unsigned long long max_filesize; /* 0 = unknown */
	bool cut;                        /* a file was cut at max_filesize */
};

/*
 * virus_inspect - libclamav's file-inspection callback, called for every
 * file it is about to scan, the extracted ones included.  An extracted
 * file of exactly max_filesize bytes or more was cut there (see
 * "Incomplete scans"); a real file of that size is reported the same,
 * which errs on the side of "not scanned".  Always lets the scan go on,
 * so a signature elsewhere in the message still matches.
 */
static cl_error_t
virus_inspect(int fd, const char *type, const char **ancestors,
    size_t parent_file_size, const char *file_name, size_t file_size,
    const char *file_buffer, uint32_t recursion_level,
    uint32_t layer_attributes, void *context)
{
	struct virus_scan_ctx *ctx = context;

	(void)fd;
	(void)type;
	(void)ancestors;
	(void)parent_file_size;
	(void)file_name;
	(void)file_buffer;
	(void)layer_attributes;
	if (ctx != NULL && recursion_level > 0 && ctx->max_filesize > 0 &&
	    (unsigned long long)file_size >= ctx->max_filesize)
		ctx->cut = true;
	return CL_CLEAN;
}

/*
 * virus_tmp_chown - give the private directory to conf->user: vigil-milter
 * builds its first engine as root and then becomes that user, who scans
 * (and, on reload, frees this engine and removes the directory).  Not
 * root, or no user: nothing to do.
 */
static int
virus_tmp_chown(const char *dir, const struct vg_conf *conf, struct vg_err *err)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int e;

	if (geteuid() != 0 || conf->user == NULL || conf->user[0] == '\0')
		return 0;
	if (getpwnam_r(conf->user, &pw, buf, sizeof(buf), &res) != 0 ||
	    res == NULL)
		return 0; /* the milter says "unknown user" itself */
	if (pw.pw_uid == 0)
		return 0;
	if (chown(dir, pw.pw_uid, pw.pw_gid) != 0) {
		e = errno;
		vg_err_add(err, NULL, 0,
		    "clamav_tmp_dir: cannot give %s to %s: %s", dir, conf->user,
		    strerror(e));
		return VG_ECONFIG;
	}
	return 0;
}

/*
 * virus_tmp_dir - where ClamAV writes while it scans.  Its mail parser
 * makes two directories and one file per MIME part for every message,
 * then removes them: on a disk that is several file-system operations per
 * message.  So they go to clamav_tmp_dir (default /dev/shm, a tmpfs): a
 * private directory made here (mkdtemp, 0700, "vigil-clamav.XXXXXX") and
 * removed by virus_free(), so that users and engines (a reload builds a
 * new one before freeing the old) never share or race for names in a
 * world-writable directory.  A configuration without clamav_tmp_dir (the
 * unit tests' memset structs) keeps ClamAV's files in tmp_dir, as before.
 * Sets vs->tmp_dir, tmp_key, tmp_shown and the engine's CL_ENGINE_TMPDIR.
 */
static int
virus_tmp_dir(
    struct virus_state *vs, const struct vg_conf *conf, struct vg_err *err)
{
	static const char tmpl[] = "/vigil-clamav.XXXXXX";
	const char *dir = conf->clamav_tmp_dir;
	cl_error_t crc;
	size_t n;
	int rc;

	vs->tmp_key = "clamav_tmp_dir";
	if (dir == NULL || *dir == '\0') {
		dir = conf->tmp_dir;
		vs->tmp_key = "tmp_dir";
	}
	if (dir == NULL || *dir == '\0')
		return 0; /* ClamAV's own default */
	if ((vs->tmp_shown = vg_strdup(dir)) == NULL)
		return VG_ENOMEM;
	if (vs->tmp_key[0] == 't') {
		if ((vs->tmp_dir = vg_strdup(dir)) == NULL)
			return VG_ENOMEM;
	} else {
		n = strlen(dir);
		while (n > 1 && dir[n - 1] == '/')
			n--;
		if ((vs->tmp_dir = vg_malloc(n + sizeof(tmpl))) == NULL)
			return VG_ENOMEM;
		memcpy(vs->tmp_dir, dir, n);
		memcpy(vs->tmp_dir + n, tmpl, sizeof(tmpl));
		if (mkdtemp(vs->tmp_dir) == NULL) {
			vg_err_add(err, NULL, 0,
			    "clamav_tmp_dir %s: cannot make a directory in it: "
			    "%s",
			    dir, strerror(errno));
			return VG_ECONFIG;
		}
		vs->tmp_own = true;
		if ((rc = virus_tmp_chown(vs->tmp_dir, conf, err)) != 0)
			return rc;
	}
	if ((crc = cl_engine_set_str(
	         vs->engine, CL_ENGINE_TMPDIR, vs->tmp_dir)) != CL_SUCCESS) {
		vg_err_add(err, NULL, 0, "%s: ClamAV refused %s: %s",
		    vs->tmp_key, vs->tmp_dir, cl_strerror(crc));
		return VG_ECONFIG;
	}
	return 0;
}

/*
 * virus_create - load and compile the signature database.  A missing or
 * empty database directory is VG_ECONFIG with a sentence saying what to
 * do.  Only called when virus_scan is on.
 */
static int
virus_create(void **state_out, const struct vg_conf *conf, struct vg_err *err)
{
	struct virus_state *vs = NULL;
	const char *dir = conf->clamav_database;
	long long fs;
	int cerr = 0, rc;
	cl_error_t crc;

	*state_out = NULL;
	if (dir == NULL || *dir == '\0') {
		vg_err_add(err, NULL, 0,
		    "clamav_database is not set: set it, or set virus_scan = "
		    "no");
		return VG_ECONFIG;
	}
	/*
	 * Process-wide in libclamav; every engine installs the same
	 * function, so a repeated store is harmless.
	 */
	cl_set_clcb_msg(virus_clamav_log);
	if ((vs = vg_calloc(1, sizeof(*vs))) == NULL)
		return VG_ENOMEM;
	if ((vs->engine = cl_engine_new()) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	if ((rc = virus_set_limits(vs, conf, err)) != 0)
		goto out;
	/* No cached "clean" answers: see "Incomplete scans" above. */
	if ((crc = cl_engine_set_num(vs->engine, CL_ENGINE_DISABLE_CACHE, 1)) !=
	    CL_SUCCESS) {
		vg_err_add(err, NULL, 0,
		    "clamav: cannot turn the cache off: %s", cl_strerror(crc));
		rc = VG_ECONFIG;
		goto out;
	}
	cl_engine_set_clcb_file_inspection(vs->engine, virus_inspect);
	if ((rc = virus_tmp_dir(vs, conf, err)) != 0)
		goto out;
	crc = virus_dir_exists(dir)
	    ? cl_load(dir, vs->engine, &vs->sigs, CL_DB_STDOPT)
	    : CL_EOPEN;
	if (crc != CL_SUCCESS || vs->sigs == 0) {
		/*
		 * A missing directory and an empty one both fail here
		 * (CL_EOPEN) as does a directory of unknown
		 * files; all mean "no database", so say what to do.
		 */
		if (crc == CL_SUCCESS || crc == CL_EOPEN)
			vg_err_add(err, NULL, 0,
			    "%s: no ClamAV signature database: run freshclam, "
			    "or set virus_scan = no",
			    dir);
		else
			vg_err_add(err, NULL, 0,
			    "%s: cannot load the ClamAV signature database: %s",
			    dir, cl_strerror(crc));
		rc = crc == CL_EMEM ? VG_ENOMEM : VG_ECONFIG;
		goto out;
	}
	if ((crc = cl_engine_compile(vs->engine)) != CL_SUCCESS) {
		vg_err_add(err, NULL, 0,
		    "%s: cannot compile the ClamAV signatures: %s", dir,
		    cl_strerror(crc));
		rc = crc == CL_EMEM ? VG_ENOMEM : VG_ECONFIG;
		goto out;
	}
	fs = cl_engine_get_num(vs->engine, CL_ENGINE_MAX_FILESIZE, &cerr);
	vs->max_filesize =
	    cerr == CL_SUCCESS && fs > 0 ? (unsigned long long)fs : 0;
	virus_version(vs);
	*state_out = vs;
	vs = NULL; /* handed to the engine */
	rc = 0;
out:
	virus_free(vs);
	return rc;
}

/*
 * ClamAV decides that bytes are mail only when they start with one of a
 * few header names (its file-type magic): a message that starts with,
 * say, "DKIM-Signature:", "X-Mailer:" or "received:" is scanned as plain
 * text, so a single-part base64 attachment is never decoded and its virus
 * is missed.  Such messages are scanned as a virtual file: this header
 * line, then the raw bytes, read through cl_fmap_open_handle() without a
 * copy of our own.  Messages that start with a name ClamAV knows (checked
 * by the unit tests) are scanned in place with cl_fmap_open_memory().
 */
static const char virus_mail_prefix[] = "Received: by vigil\r\n";
static const char *const virus_mail_magic[] = {
    "Received: ",
    "Return-Path: ",
    "From: ",
    "Delivered-To: ",
    "X-Original-To: ",
    "Message-ID: ",
    "Message-Id: ",
    "MIME-Version: ",
    "Subject: ",
    "Date: ",
    "To: ",
};

struct virus_view {
	const unsigned char *raw;
	size_t len;
};

/* virus_known_mail - whether ClamAV's magic types raw as mail by itself */
static bool
virus_known_mail(const unsigned char *raw, size_t len)
{
	for (size_t i = 0; i < VG_NELEM(virus_mail_magic); i++) {
		size_t n = strlen(virus_mail_magic[i]);

		if (len >= n && memcmp(raw, virus_mail_magic[i], n) == 0)
			return true;
	}
	return false;
}

/* virus_view_pread - pread() over virus_mail_prefix + the raw message */
static off_t
virus_view_pread(void *handle, void *buf, size_t count, off_t offset)
{
	const struct virus_view *v = handle;
	const size_t plen = sizeof(virus_mail_prefix) - 1;
	unsigned char *out = buf;
	size_t off, done = 0;

	if (offset < 0)
		return -1;
	off = (size_t)offset;
	if (off < plen && count > 0) {
		size_t n = plen - off < count ? plen - off : count;

		memcpy(out, virus_mail_prefix + off, n);
		done = n;
		off += n;
	}
	if (done < count && off >= plen && off - plen < v->len) {
		size_t roff = off - plen;
		size_t n =
		    v->len - roff < count - done ? v->len - roff : count - done;

		memcpy(out + done, v->raw + roff, n);
		done += n;
	}
	return (off_t)done;
}

/*
 * virus_tmp_room - whether ClamAV's directory (clamav_tmp_dir, or tmp_dir
 * without it) has room for what ClamAV writes while scanning len bytes;
 * else a reason in why.
 *
 * ClamAV's mail parser saves every MIME part, decoded, to a file in
 * that directory and scans that file; it does not check its writes, so on a full
 * file system it scans an empty or truncated file and reports the message
 * clean (seen with ClamAV 1.4.6: EICAR as a .txt in a zip, delivered
 * "Clean" with tmp_dir full).  The decoded parts together are never
 * larger than the raw message (a spilled message's own file is already
 * counted as used), so its length plus VIRUS_TMP_SLACK for the per-scan
 * directory and small archive members is asked for.  Without it the
 * message ends in on_error (a tempfail by default), not unscanned_action:
 * the disk is ours to fix, not the sender's, and it is never Clean.
 * XXX Not a guarantee: an archive may expand to more (ClamAV's archive
 * writers do report their write errors), and concurrent scans share the
 * room; virus_scan() looks again after the scan for that reason.
 */
#define VIRUS_TMP_SLACK (64u * 1024)
static bool
virus_tmp_room(
    const struct virus_state *vs, size_t len, char *why, size_t whylen)
{
	unsigned long long avail, need;
	struct statvfs sv;

	if (vs->tmp_dir == NULL)
		return true;
	if (statvfs(vs->tmp_dir, &sv) != 0) {
		char e[128];

		/* Scans run on many threads: not strerror(). */
		if (strerror_r(errno, e, sizeof(e)) != 0)
			snprintf(e, sizeof(e), "errno %d", errno);
		snprintf(
		    why, whylen, "%s %s: %s", vs->tmp_key, vs->tmp_shown, e);
		return false;
	}
	avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
	need = (unsigned long long)len + VIRUS_TMP_SLACK;
	if (avail < need) {
		if (len > 0)
			snprintf(why, whylen,
			    "%s %s has %llu bytes free, a scan of %zu "
			    "bytes needs %llu: No space left on device",
			    vs->tmp_key, vs->tmp_shown, avail, len, need);
		else
			snprintf(why, whylen,
			    "%s %s has %llu bytes free after the scan, "
			    "less than %llu: No space left on device",
			    vs->tmp_key, vs->tmp_shown, avail, need);
		return false;
	}
	/* Some file systems report no inode counts (f_files == 0). */
	if (sv.f_files != 0 && sv.f_favail == 0) {
		snprintf(why, whylen, "%s %s has no free inodes", vs->tmp_key,
		    vs->tmp_shown);
		return false;
	}
	return true;
}

/*
 * The alerts that say "not scanned to the end" rather than "virus", with
 * the reason written after "Unscanned (": ClamAV's names for the limits
 * that vigil.conf sets, by their keys.  A name ending in '.' is a prefix,
 * and its reason is written before what follows it: ClamAV's fixed limits
 * of its mail parser ("Heuristics.Limits.Exceeded.EmailMIMEArguments",
 * hit by one corpus spam) read "exceeds ClamAV's EmailMIMEArguments".
 */
static const struct {
	const char *name;
	const char *reason;
} virus_incomplete_names[] = {
    {"Heuristics.Limits.Exceeded.MaxFileSize", "exceeds clamav_max_filesize"},
    {"Heuristics.Limits.Exceeded.MaxScanSize", "exceeds clamav_max_scansize"},
    {"Heuristics.Limits.Exceeded.MaxFiles", "exceeds clamav_max_files"},
    {"Heuristics.Limits.Exceeded.MaxRecursion", "exceeds clamav_max_recursion"},
    {"Heuristics.Limits.Exceeded.MaxScanTime", "exceeds clamav_max_scantime"},
    {"Heuristics.Limits.Exceeded.", "exceeds ClamAV's "},
    {"Heuristics.Encrypted.", "encrypted "},
    {"Heuristics.Broken.", "broken "},
};

/*
 * virus_incomplete_reason - the reason for an alert that means "not
 * scanned" (in buf, or static), or NULL for a virus:
 * "Heuristics.Encrypted.Zip" -> "encrypted Zip".
 */
static const char *
virus_incomplete_reason(const char *virname, char *buf, size_t size)
{
	for (size_t i = 0; i < VG_NELEM(virus_incomplete_names); i++) {
		const char *name = virus_incomplete_names[i].name;
		size_t n = strlen(name);
		char what[48];

		if (name[n - 1] != '.') {
			if (strcmp(virname, name) == 0)
				return virus_incomplete_names[i].reason;
			continue;
		}
		if (strncmp(virname, name, n) != 0)
			continue;
		vg_sanitize_str(what, sizeof(what),
		    virname[n] != '\0' ? virname + n : "content",
		    VG_SANITIZE_ASCII);
		(void)vg_str_fmt(
		    buf, size, "%s%s", virus_incomplete_names[i].reason, what);
		return buf;
	}
	return NULL;
}

/* virus_error_reason - the reason for a return code meaning "cut short" */
static const char *
virus_error_reason(cl_error_t crc)
{
	switch (crc) {
	case CL_EMAXREC:
		return "exceeds clamav_max_recursion";
	case CL_EMAXSIZE:
		return "exceeds clamav_max_scansize";
	case CL_EMAXFILES:
		return "exceeds clamav_max_files";
	case CL_ETIMEOUT:
		return "exceeds clamav_max_scantime";
	case CL_EFORMAT:
		return "malformed content";
	default:
		return NULL;
	}
}

/* virus_set_incomplete - INCOMPLETE with reason */
static void
virus_set_incomplete(struct vg_virus_scan *out, const char *reason)
{
	out->kind = VG_VB_INCOMPLETE;
	(void)snprintf(out->reason, sizeof(out->reason), "%s", reason);
}

/* virus_scan - scan one finished message's raw bytes; see the top */
static int
virus_scan(void *state, const struct vg_msg *msg, struct vg_virus_scan *out)
{
	struct virus_state *vs = state;
	struct virus_scan_ctx ctx;
	struct cl_scan_options opts;
	struct virus_view view;
	const unsigned char *raw;
	const char *virname = NULL, *why;
	char whybuf[64];
	unsigned long scanned = 0;
	char room[VG_REASON_MAX];
	cl_fmap_t *map;
	size_t len;
	cl_error_t crc;

	out->kind = VG_VB_CLEAN;
	out->name[0] = '\0';
	out->reason[0] = '\0';
	raw = vg_msg_raw(msg, &len);
	if (vs->max_filesize > 0 &&
	    (unsigned long long)len > vs->max_filesize) {
		/* ClamAV would skip the whole message and call it clean. */
		virus_set_incomplete(out, "exceeds clamav_max_filesize");
		return 0;
	}
	if (!virus_tmp_room(vs, len, room, sizeof(room))) {
		(void)vg_str_fmt(out->reason, sizeof(out->reason),
		    "clamav: not scanned: %s", room);
		return VG_ETEMP;
	}
	view.raw = raw;
	view.len = len;
	if (virus_known_mail(raw, len))
		map = cl_fmap_open_memory(raw, len);
	else
		map = cl_fmap_open_handle(&view, 0,
		    len + sizeof(virus_mail_prefix) - 1, virus_view_pread, 1);
	if (map == NULL) {
		(void)vg_str_fmt(out->reason, sizeof(out->reason),
		    "clamav: cannot map the message");
		return VG_ENOMEM;
	}
	memset(&opts, 0, sizeof(opts));
	opts.parse = ~0u; /* every parser: mail, archives, documents */
	opts.heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX |
	    CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE |
	    CL_SCAN_HEURISTIC_ENCRYPTED_DOC | CL_SCAN_HEURISTIC_BROKEN;
	ctx.max_filesize = vs->max_filesize;
	ctx.cut = false;
	crc = cl_scanmap_callback(
	    map, NULL, &virname, &scanned, vs->engine, &opts, &ctx);
	cl_fmap_close(map);
	if (crc == CL_VIRUS && virname != NULL &&
	    (why = virus_incomplete_reason(virname, whybuf, sizeof(whybuf))) !=
	        NULL) {
		virus_set_incomplete(out, why);
		return 0;
	}
	switch (crc) {
	case CL_CLEAN:
		/* tmp_dir may have filled up under us (other scans). */
		if (!virus_tmp_room(vs, 0, room, sizeof(room))) {
			(void)vg_str_fmt(out->reason, sizeof(out->reason),
			    "clamav: scan incomplete: %s", room);
			return VG_ETEMP;
		}
		if (ctx.cut)
			virus_set_incomplete(
			    out, "exceeds clamav_max_filesize");
		else
			out->kind = VG_VB_CLEAN;
		return 0;
	case CL_VIRUS:
		out->kind = VG_VB_INFECTED;
		/* Raw: the stage sanitises it (names come from content). */
		(void)snprintf(out->name, sizeof(out->name), "%s",
		    virname != NULL ? virname : "Unknown");
		return 0;
	default:
		if ((why = virus_error_reason(crc)) != NULL) {
			virus_set_incomplete(out, why);
			return 0;
		}
		(void)vg_str_fmt(out->reason, sizeof(out->reason), "clamav: %s",
		    cl_strerror(crc));
		return VG_ETEMP;
	}
}

/* virus_version_text - "ClamAV 1.4.6/27480" */
static const char *
virus_version_text(const void *state)
{
	const struct virus_state *vs = state;

	return vs != NULL ? vs->version : NULL;
}

const struct vg_virus_backend_ops vg_virus_clamav_ops = {
    .name = "clamav",
    .create = virus_create,
    .scan = virus_scan,
    .version = virus_version_text,
    .free = virus_free,
};
