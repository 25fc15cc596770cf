/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_stage_virus - the virus stage with the real libclamav and a small
 * signature database generated at start by tests/tools/make-sigdb.sh
 * (EICAR body signature, hashes of Debian's clamav-testfiles), and the
 * signature-directory watcher.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <clamav.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/log.h"
#include "message/msg.h"
#include "core/result.h"
#include "core/sigwatch.h"
#include "stages/virus_backend.h"
#include "core/stage.h"
#include "stages/stages.h"

#define CORPUS       VG_SOURCE_DIR "/../shared/corpus"
#define TESTFILES    "/usr/share/clamav-testfiles"
#define MAKE_SIGDB   VG_SOURCE_DIR "/tests/tools/make-sigdb.sh"
#define MAKE_EVASION VG_SOURCE_DIR "/tests/tools/make-evasion.py"
#define EICAR_NAME   "Eicar-Test-Signature.UNOFFICIAL"

/* virus_create_env - the stage's create() with only a configuration */
static int
virus_create_env(void **state, const struct vg_conf *conf, struct vg_err *err)
{
	struct vg_stage_env env = {conf, NULL, NULL, NULL, NULL, false, NULL};

	return vg_stage_virus_ops.create(state, &env, err);
}

/*
 * stage_scan - the stage's end-of-message work as the scan runs it:
 * scan_start() (the pool's part), then collect() (the waiter's)
 */
static int
stage_scan(void *st, const struct vg_msg *msg, struct vg_result *res)
{
	void *work = NULL;
	int rc = vg_stage_virus_ops.scan_start(st, msg, res, &work);

	ck_assert_ptr_null(work);
	if (rc != 0)
		return rc;
	return vg_stage_virus_ops.collect(st, msg, work, UINT64_MAX, res);
}

static char dbdir[] = "/tmp/vg-test-sigdb.XXXXXX";
static char evdir[] = "/tmp/vg-test-evasion.XXXXXX"; /* make-evasion.py */
static void *state; /* the stage, built for each test */

/* run_make_sigdb - run the generator script into dir; exit status */
static int
run_make_sigdb(const char *dir)
{
	pid_t pid;
	int status;

	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		/* Keep the test log short: the script says what it wrote. */
		if (devnull >= 0)
			dup2(devnull, STDOUT_FILENO);
		execl("/bin/sh", "sh", MAKE_SIGDB, dir, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* run_evasion - make-evasion.py into dir; exit status */
static int
run_evasion(const char *dir)
{
	pid_t pid;
	int status;

	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		execl("/usr/bin/python3", "python3", MAKE_EVASION, dir,
		    (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* rm_dir - remove a flat directory of files */
static void
rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* base_conf - a config with virus scanning on and default limits */
static struct vg_conf
base_conf(const char *db)
{
	struct vg_conf conf;

	memset(&conf, 0, sizeof(conf));
	conf.virus_scan = true;
	conf.clamav_database = (char *)(uintptr_t)db;
	conf.max_message_size = 25 * 1024 * 1024;
	conf.memory_limit = 1024 * 1024;
	conf.max_header_count = 1000;
	conf.max_header_size = 64 * 1024;
	conf.max_recipients = 1000;
	return conf;
}

/* suite_setup - generate the database once, before the forked tests */
static void
suite_setup(void)
{
	cl_error_t crc;

	memcpy(dbdir, "/tmp/vg-test-sigdb.XXXXXX", sizeof(dbdir));
	ck_assert_ptr_nonnull(mkdtemp(dbdir));
	ck_assert_int_eq(run_make_sigdb(dbdir), 0);
	memcpy(evdir, "/tmp/vg-test-evasion.XXXXXX", sizeof(evdir));
	ck_assert_ptr_nonnull(mkdtemp(evdir));
	ck_assert_int_eq(run_evasion(evdir), 0);
	crc = cl_init(CL_INIT_DEFAULT);
	ck_assert_msg(crc == CL_SUCCESS, "cl_init: %s", cl_strerror(crc));
}

/* suite_teardown - remove the database */
static void
suite_teardown(void)
{
	rm_dir(dbdir);
	rm_dir(evdir);
}

/*
 * setup - build the stage in each test's own process, so that it is
 * freed there too (LeakSanitizer cannot see into ClamAV's memory pools
 * and reports an engine inherited from the parent as leaked).
 */
static void
setup(void)
{
	struct vg_conf conf = base_conf(dbdir);
	struct vg_err err;
	int rc;

	vg_err_init(&err);
	rc = virus_create_env(&state, &conf, &err);
	ck_assert_msg(
	    rc == 0, "create: got %d (%s), want 0", rc, vg_err_text(&err));
	ck_assert_ptr_nonnull(state);
}

/* teardown - free the stage */
static void
teardown(void)
{
	vg_stage_virus_ops.free(state);
	state = NULL;
}

/* scan_file - scan a message file with the given limits (NULL: default) */
static int
scan_file(
    struct vg_result *res, const char *path, const struct vg_msg_limits *lim)
{
	struct vg_msg *msg;
	int rc;

	ck_assert_int_eq(vg_msg_from_file(&msg, lim, path), 0);
	vg_result_init(res, "virus");
	rc = stage_scan(state, msg, res);
	vg_msg_free(msg);
	return rc;
}

static const char *const eicar_files[] = {
    "eicar-plain.eml",
    "eicar-base64-attachment.eml",
    "eicar-in-zip.eml",
    "eicar-in-nested-zip.eml",
};

/* The backend table finds "clamav" and "clamd" by name, nothing else. */
START_TEST(test_stage_virus_backend_find)
{
	const struct vg_virus_backend_ops *be;

	be = vg_virus_backend_find("clamav");
	ck_assert_ptr_nonnull(be);
	ck_assert_str_eq(be->name, "clamav");
	ck_assert_ptr_nonnull(be->create);
	ck_assert_ptr_nonnull(be->scan);
	ck_assert_ptr_nonnull(be->version);
	ck_assert_ptr_nonnull(be->free);
	be = vg_virus_backend_find("clamd");
	ck_assert_ptr_nonnull(be);
	ck_assert_str_eq(be->name, "clamd");
	ck_assert_ptr_null(vg_virus_backend_find("clamdscan"));
	ck_assert_ptr_null(vg_virus_backend_find(""));
	ck_assert_ptr_null(vg_virus_backend_find(NULL));
}
END_TEST

START_TEST(test_stage_virus_eicar)
{
	struct vg_result res;
	char path[4096];

	snprintf(path, sizeof(path), "%s/malware/%s", CORPUS, eicar_files[_i]);
	ck_assert_int_eq(scan_file(&res, path, NULL), 0);
	ck_assert_int_eq(res.outcome, VG_VIRUS_INFECTED);
	ck_assert_msg(strcmp(res.virus, EICAR_NAME) == 0,
	    "%s: got \"%s\", want \"%s\"", eicar_files[_i], res.virus,
	    EICAR_NAME);
	ck_assert_str_eq(res.unscanned, "");
	vg_result_fini(&res);
}
END_TEST

static const char *const clean_files[] = {
    "malware/dangerous-extension.eml",
    "spamassassin/ham/easy_ham.00001.7c53336b37003a9286aba55d2945844c",
    "spamassassin/ham/easy_ham.00002.9c4069e25e1ef370c078db7ee85ff9ac",
    "spamassassin/ham/easy_ham.00003.860e3c3cee1b42ead714c5c874fe25f7",
    "spamassassin/ham/easy_ham.00004.864220c5b6930b209cc287c361c99af1",
    "spamassassin/ham/easy_ham.00005.bf27cdeaf0b8c4647ecd61b1d09da613",
};

START_TEST(test_stage_virus_clean)
{
	struct vg_result res;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", CORPUS, clean_files[_i]);
	ck_assert_int_eq(scan_file(&res, path, NULL), 0);
	ck_assert_msg(res.outcome == VG_VIRUS_CLEAN, "%s: not scanned (%s)",
	    clean_files[_i], res.unscanned);
	ck_assert_msg(res.virus[0] == '\0', "%s: got \"%s\", want clean",
	    clean_files[_i], res.virus);
	ck_assert_int_eq(res.status, 0);
	vg_result_fini(&res);
}
END_TEST

/* b64_append - base64 of src in 76-column CRLF lines, appended to dst */
static size_t
b64_append(char *dst, const unsigned char *src, size_t len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0, col = 0;

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)src[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)src[i + 1] << 8;
		if (i + 2 < len)
			v |= src[i + 2];
		dst[o++] = tab[(v >> 18) & 63];
		dst[o++] = tab[(v >> 12) & 63];
		dst[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		dst[o++] = i + 2 < len ? tab[v & 63] : '=';
		if ((col += 4) == 76) {
			dst[o++] = '\r';
			dst[o++] = '\n';
			col = 0;
		}
	}
	dst[o++] = '\r';
	dst[o++] = '\n';
	return o;
}

static const struct {
	const char *file;
	const char *want_prefix;
} wrapped[] = {
    {"clam.exe", "Clamav.Test.File-clam.exe.UNOFFICIAL"},
    {"clam.zip", "Clamav.Test.File-clam."},
    {"clam.tar.gz", "Clamav.Test.File-clam."},
    /* 250 KiB: the pread path over many pages */
    {"clam.ea06.exe", "Clamav.Test.File-clam."},
};

/* A clamav-testfiles file as a base64 attachment: found by its hash. */
START_TEST(test_stage_virus_testfile_attachment)
{
	/* X-Mailer first: read through the virtual-file path, many pages. */
	static const char head[] =
	    "X-Mailer: test\r\n"
	    "From: a@example.com\r\n"
	    "To: b@example.org\r\n"
	    "Subject: see attached\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"BOUND\"\r\n"
	    "\r\n"
	    "--BOUND\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "Here it is.\r\n"
	    "--BOUND\r\n"
	    "Content-Type: application/octet-stream; name=\"file.bin\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"file.bin\"\r\n"
	    "\r\n";
	static const char tail[] = "--BOUND--\r\n";
	char path[4096];
	unsigned char *data;
	char *msgtext;
	size_t len, mlen;
	struct vg_msg *msg;
	struct vg_result res;
	struct stat st;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", TESTFILES, wrapped[_i].file);
	fp = fopen(path, "rb");
	ck_assert_msg(
	    fp != NULL, "%s: missing (apt-get install clamav-testfiles)", path);
	ck_assert_int_eq(fstat(fileno(fp), &st), 0);
	len = (size_t)st.st_size;
	data = malloc(len);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_eq(fread(data, 1, len, fp), len);
	fclose(fp);
	msgtext = malloc(sizeof(head) + len * 2 + sizeof(tail) + 16);
	ck_assert_ptr_nonnull(msgtext);
	memcpy(msgtext, head, sizeof(head) - 1);
	mlen = sizeof(head) - 1;
	mlen += b64_append(msgtext + mlen, data, len);
	memcpy(msgtext + mlen, tail, sizeof(tail) - 1);
	mlen += sizeof(tail) - 1;

	ck_assert_int_eq(vg_msg_from_bytes(&msg, NULL, msgtext, mlen), 0);
	vg_result_init(&res, "virus");
	ck_assert_int_eq(stage_scan(state, msg, &res), 0);
	ck_assert_int_eq(res.outcome, VG_VIRUS_INFECTED);
	ck_assert_msg(strncmp(res.virus, wrapped[_i].want_prefix,
	                  strlen(wrapped[_i].want_prefix)) == 0,
	    "%s: got \"%s\", want \"%s...\"", wrapped[_i].file, res.virus,
	    wrapped[_i].want_prefix);
	vg_result_fini(&res);
	vg_msg_free(msg);
	free(msgtext);
	free(data);
}
END_TEST

/*
 * Whatever the first header, a single-part base64 attachment is decoded:
 * ClamAV alone types these bytes as mail only for some header names.
 */
static const char *const first_headers[] = {
    "Received: from x",
    "Return-Path: <a@example.com>",
    "From: a@example.com",
    "Delivered-To: b@example.org",
    "Message-ID: <m@example.com>",
    "Subject: s",
    "DKIM-Signature: v=1; a=rsa-sha256",
    "X-Mailer: m",
    "received: from x",
    "Received:from x",
    "Reply-To: a@example.com",
    "X-Custom: 1",
    " folded-looking first line",
};

START_TEST(test_stage_virus_first_header)
{
	/* Two halves, so this source file is not itself a test virus. */
	static const char eicar1[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR";
	static const char eicar2[] = "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
	unsigned char eicar[68];
	char text[1024];
	size_t n;
	struct vg_msg *msg;
	struct vg_result res;

	memcpy(eicar, eicar1, sizeof(eicar1) - 1);
	memcpy(eicar + sizeof(eicar1) - 1, eicar2, sizeof(eicar2) - 1);
	n = (size_t)snprintf(text, sizeof(text),
	    "%s\r\n"
	    "Content-Type: application/octet-stream; name=\"e.com\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n",
	    first_headers[_i]);
	n += b64_append(text + n, eicar, sizeof(eicar));
	ck_assert_int_eq(vg_msg_from_bytes(&msg, NULL, text, n), 0);
	vg_result_init(&res, "virus");
	ck_assert_int_eq(stage_scan(state, msg, &res), 0);
	ck_assert_msg(strcmp(res.virus, EICAR_NAME) == 0,
	    "first header \"%s\": got \"%s\", want \"%s\"", first_headers[_i],
	    res.virus, EICAR_NAME);
	vg_result_fini(&res);
	vg_msg_free(msg);
}
END_TEST

/* A message that was never finished is an internal error, not clean. */
START_TEST(test_stage_virus_unfinished)
{
	struct vg_msg *msg;
	struct vg_result res;

	ck_assert_int_eq(vg_msg_new(&msg, NULL), 0);
	ck_assert_int_eq(vg_msg_add_header(msg, "Subject", " x"), 0);
	vg_result_init(&res, "virus");
	ck_assert_int_eq(stage_scan(state, msg, &res), VG_EINTERNAL);
	ck_assert_int_eq(res.outcome, VG_VIRUS_NOT_RUN);
	ck_assert_int_eq(res.status, VG_EINTERNAL);
	vg_result_fini(&res);
	vg_msg_free(msg);
}
END_TEST

/* A spilled message (read back through its mapping) scans the same. */
START_TEST(test_stage_virus_spilled)
{
	struct vg_msg_limits lim;
	struct vg_msg *msg;
	struct vg_result res;

	memset(&lim, 0, sizeof(lim));
	lim.max_size = 1024 * 1024;
	lim.memory_limit = 100;
	lim.max_headers = 100;
	lim.max_header_size = 1000;
	lim.max_rcpts = 10;
	ck_assert_int_eq(vg_msg_from_file(&msg, &lim,
	                     CORPUS "/malware/eicar-in-nested-zip.eml"),
	    0);
	ck_assert(vg_msg_spilled(msg));
	vg_result_init(&res, "virus");
	ck_assert_int_eq(stage_scan(state, msg, &res), 0);
	ck_assert_str_eq(res.virus, EICAR_NAME);
	vg_result_fini(&res);
	vg_msg_free(msg);
}
END_TEST

/* Oversized: not scanned, "too large", and not an error. */
START_TEST(test_stage_virus_oversized)
{
	struct vg_msg_limits lim;
	struct vg_result res;

	memset(&lim, 0, sizeof(lim));
	lim.max_size = 200; /* the message is larger */
	lim.memory_limit = 1024 * 1024;
	lim.max_headers = 100;
	lim.max_header_size = 1000;
	lim.max_rcpts = 10;
	ck_assert_int_eq(
	    scan_file(&res, CORPUS "/malware/eicar-plain.eml", &lim), 0);
	ck_assert_int_eq(res.outcome, VG_VIRUS_TOO_LARGE);
	ck_assert_str_eq(res.unscanned, "too large");
	ck_assert_str_eq(res.virus, "");
	ck_assert_int_eq(res.status, 0);
	vg_result_fini(&res);
}
END_TEST

/* Larger than clamav_max_filesize: ClamAV would skip it; we say so. */
START_TEST(test_stage_virus_clamav_filesize)
{
	struct vg_conf conf = base_conf(dbdir);
	struct vg_msg *msg;
	struct vg_result res;
	struct vg_err err;
	void *small = NULL;

	conf.clamav_max_filesize = 100;
	vg_err_init(&err);
	ck_assert_int_eq(virus_create_env(&small, &conf, &err), 0);
	ck_assert_int_eq(
	    vg_msg_from_file(&msg, NULL, CORPUS "/malware/eicar-plain.eml"), 0);
	vg_result_init(&res, "virus");
	ck_assert_int_eq(stage_scan(small, msg, &res), 0);
	ck_assert_int_eq(res.outcome, VG_VIRUS_INCOMPLETE);
	ck_assert_str_eq(res.unscanned, "exceeds clamav_max_filesize");
	vg_result_fini(&res);
	vg_msg_free(msg);
	vg_stage_virus_ops.free(small);
}
END_TEST

/*
 * A signature name longer than VG_VIRUS_NAME_MAX - 1 bytes is cut there
 * (the header, the reply and the log show the cut name); the message is
 * still found infected.
 */
START_TEST(test_stage_virus_long_name)
{
	char dir[] = "/tmp/vg-test-longname.XXXXXX";
	static const char marker[] = "VIGIL-LONG-NAME-TEST-MARKER-0123456789";
	char name[301], path[4096], raw[256];
	const char *dirs[1];
	struct vg_conf conf;
	struct vg_err err;
	struct vg_msg *msg = NULL;
	struct vg_result res;
	void *st = NULL;
	FILE *fp;
	size_t i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	memset(name, 'N', 300);
	name[300] = '\0';
	snprintf(path, sizeof(path), "%s/long.ndb", dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "%s:0:*:", name);
	for (i = 0; marker[i] != '\0'; i++)
		fprintf(fp, "%02x", (unsigned char)marker[i]);
	fprintf(fp, "\n");
	ck_assert_int_eq(fclose(fp), 0);
	dirs[0] = dir;
	conf = base_conf(dirs[0]);
	vg_err_init(&err);
	ck_assert_msg(virus_create_env(&st, &conf, &err) == 0, "create: %s",
	    vg_err_text(&err));
	snprintf(raw, sizeof(raw), "Subject: x\r\n\r\nbody %s end\r\n", marker);
	ck_assert_int_eq(vg_msg_from_bytes(&msg, NULL, raw, strlen(raw)), 0);
	vg_result_init(&res, "virus");
	ck_assert_int_eq(stage_scan(st, msg, &res), 0);
	ck_assert_uint_eq(strlen(res.virus), VG_VIRUS_NAME_MAX - 1);
	ck_assert(strncmp(res.virus, name, VG_VIRUS_NAME_MAX - 1) == 0);
	vg_result_fini(&res);
	vg_msg_free(msg);
	vg_stage_virus_ops.free(st);
	rm_dir(dir);
}
END_TEST

static char logged[4096];

/* log_capture - a log sink that keeps the last line */
static void
log_capture(enum vg_log_level level, const char *line, void *ctx)
{
	(void)level;
	(void)ctx;
	snprintf(logged, sizeof(logged), "%s", line);
}

/* No database: VG_ECONFIG that says to run freshclam. */
START_TEST(test_stage_virus_no_database)
{
	char empty[] = "/tmp/vg-test-emptydb.XXXXXX";
	const char *dirs[2];
	void *st = NULL;

	ck_assert_ptr_nonnull(mkdtemp(empty));
	dirs[0] = "/nonexistent/clamav";
	dirs[1] = empty;
	for (size_t i = 0; i < 2; i++) {
		struct vg_conf conf = base_conf(dirs[i]);
		struct vg_err err;
		int rc;

		vg_err_init(&err);
		rc = virus_create_env(&st, &conf, &err);
		ck_assert_msg(rc == VG_ECONFIG, "%s: got %d, want VG_ECONFIG",
		    dirs[i], rc);
		ck_assert_ptr_null(st);
		ck_assert_msg(
		    strstr(vg_err_text(&err), "run freshclam") != NULL &&
		        strstr(vg_err_text(&err), dirs[i]) != NULL &&
		        strstr(vg_err_text(&err), "virus_scan = no") != NULL,
		    "%s: got \"%s\", want the freshclam hint", dirs[i],
		    vg_err_text(&err));
	}
	rmdir(empty);
}
END_TEST

/* libclamav's own messages reach our log sink, not stderr. */
START_TEST(test_stage_virus_clamav_log)
{
	char empty[] = "/tmp/vg-test-emptydb.XXXXXX";
	struct vg_conf conf;
	struct vg_err err;
	void *st = NULL;

	ck_assert_ptr_nonnull(mkdtemp(empty));
	conf = base_conf(empty);
	logged[0] = '\0';
	vg_log_set_sink(log_capture, NULL, VG_LOG_DEBUG);
	vg_err_init(&err);
	ck_assert_int_eq(virus_create_env(&st, &conf, &err), VG_ECONFIG);
	vg_log_set_sink(NULL, NULL, VG_LOG_DEBUG);
	rmdir(empty);
	ck_assert_msg(
	    strncmp(logged, "clamav: ", 8) == 0 && strchr(logged, '\n') == NULL,
	    "got \"%s\", want a \"clamav: \" line", logged);
}
END_TEST

/* virus_scan = no: no state, and a NULL state is handled. */
START_TEST(test_stage_virus_disabled)
{
	struct vg_conf conf = base_conf("/nonexistent");
	struct vg_msg *msg;
	struct vg_result res;
	struct vg_err err;
	void *st = &err;

	conf.virus_scan = false;
	vg_err_init(&err);
	ck_assert_int_eq(virus_create_env(&st, &conf, &err), 0);
	ck_assert_ptr_null(st);
	ck_assert_ptr_null(vg_stage_virus_ops.version(NULL));
	ck_assert_int_eq(vg_msg_from_bytes(&msg, NULL, "A: b\n\nc\n", 8), 0);
	vg_result_init(&res, "virus");
	ck_assert_int_eq(stage_scan(NULL, msg, &res), 0);
	ck_assert_int_eq(res.outcome, VG_VIRUS_DISABLED);
	ck_assert_str_eq(res.unscanned, "disabled");
	vg_result_fini(&res);
	vg_msg_free(msg);
	vg_stage_virus_ops.free(NULL);
}
END_TEST

/* "ClamAV <libclamav>/0 (<n> signatures)" with a local-only database. */
START_TEST(test_stage_virus_version)
{
	char want[128];
	const char *v = vg_stage_virus_ops.version(state);

	ck_assert_ptr_nonnull(v);
	snprintf(want, sizeof(want), "ClamAV %s/0 (", cl_retver());
	ck_assert_msg(strncmp(v, want, strlen(want)) == 0 &&
	        strstr(v, " signatures)") != NULL,
	    "got \"%s\", want \"%s<n> signatures)\"", v, want);
}
END_TEST

struct scan_job {
	const struct vg_msg *msg;
	int found;
};

/* scan_thread - scan the same message 20 times on the shared engine */
static void *
scan_thread(void *arg)
{
	struct scan_job *job = arg;

	for (int i = 0; i < 20; i++) {
		struct vg_result res;

		vg_result_init(&res, "virus");
		if (stage_scan(state, job->msg, &res) == 0 &&
		    strcmp(res.virus, EICAR_NAME) == 0)
			job->found++;
		vg_result_fini(&res);
	}
	return NULL;
}

/* One engine, four threads at once: every scan finds the virus. */
START_TEST(test_stage_virus_threads)
{
	struct scan_job jobs[4];
	pthread_t tids[4];
	struct vg_msg *msg;

	ck_assert_int_eq(
	    vg_msg_from_file(&msg, NULL, CORPUS "/malware/eicar-in-zip.eml"),
	    0);
	for (int i = 0; i < 4; i++) {
		jobs[i].msg = msg;
		jobs[i].found = 0;
		ck_assert_int_eq(
		    pthread_create(&tids[i], NULL, scan_thread, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(tids[i], NULL);
		ck_assert_msg(jobs[i].found == 20,
		    "thread %d: got %d detections, want 20", i, jobs[i].found);
	}
	vg_msg_free(msg);
}
END_TEST

/* A new .ndb in the directory is reported once. */
START_TEST(test_stage_virus_sigwatch)
{
	char dir[] = "/tmp/vg-test-sigwatch.XXXXXX";
	char path[4096];
	struct vg_sigwatch *w = NULL;
	char aside[sizeof(dir) + 8];
	bool changed = true;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(run_make_sigdb(dir), 0);
	ck_assert_int_eq(vg_sigwatch_new(&w, dir), 0);
	ck_assert_int_eq(vg_sigwatch_changed(w, &changed), 0);
	ck_assert_msg(!changed, "untouched: got changed, want unchanged");

	snprintf(path, sizeof(path), "%s/extra.ndb", dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("Vigil-Extra:0:*:7669676c6578747261\n", fp);
	fclose(fp);
	ck_assert_int_eq(vg_sigwatch_changed(w, &changed), 0);
	ck_assert_msg(changed, "new .ndb: got unchanged, want changed");
	ck_assert_int_eq(vg_sigwatch_changed(w, &changed), 0);
	ck_assert_msg(!changed, "second look: got changed, want unchanged");
	ck_assert_int_eq(vg_sigwatch_errno(w), 0);

	/*
	 * Deleted: VG_EIO with ENOENT, every look; back (here within the
	 * same second, without extra.ndb, which libclamav's snapshot alone
	 * would not notice): one change.
	 */
	/*
	 * Gone: moved aside, so that it can come back with the very same
	 * inodes and mtimes, as a directory rebuilt within one second on a
	 * file system that reuses inodes does (a fresh CI run did).
	 */
	snprintf(aside, sizeof(aside), "%s.aside", dir);
	ck_assert_int_eq(rename(dir, aside), 0);
	ck_assert_int_eq(vg_sigwatch_changed(w, &changed), VG_EIO);
	ck_assert_msg(vg_sigwatch_errno(w) == ENOENT,
	    "deleted: errno got %d, want ENOENT", vg_sigwatch_errno(w));
	ck_assert(!changed);
	ck_assert_int_eq(vg_sigwatch_changed(w, &changed), VG_EIO);
	ck_assert_str_eq(vg_sigwatch_dir(w), dir);
	/*
	 * Back without extra.ndb: libclamav's snapshot finds every file it
	 * knows unchanged and never looks for the missing one.
	 */
	snprintf(path, sizeof(path), "%s/extra.ndb", aside);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rename(aside, dir), 0);
	ck_assert_int_eq(vg_sigwatch_changed(w, &changed), 0);
	ck_assert_int_eq(vg_sigwatch_errno(w), 0);
	ck_assert_msg(changed,
	    "back without extra.ndb: got unchanged, want "
	    "changed");
	ck_assert_int_eq(vg_sigwatch_changed(w, &changed), 0);
	ck_assert_msg(!changed, "after the return: got changed, want one");
	vg_sigwatch_free(w);
	vg_sigwatch_free(NULL);
	rm_dir(dir);

	ck_assert_int_eq(vg_sigwatch_new(&w, "/nonexistent/clamav"), VG_EIO);
	ck_assert_ptr_null(w);
}
END_TEST

/*
 * Incomplete scans (virus_clamav.c, "Incomplete scans"): each way a hostile
 * sender hides EICAR from ClamAV, built by make-evasion.py, ends in
 * INCOMPLETE with the reason, never CLEAN.  Limits left at 0 are
 * libclamav's defaults (MaxFileSize 100 MiB, MaxRecursion 17).
 */
static const struct evasion {
	const char *file;
	uint64_t max_files, max_scantime_ms;
	enum vg_virus_outcome want;
	const char *want_text; /* unscanned reason, or the virus name */
} evasions[] = {
    {"padded.eml", 0, 0, VG_VIRUS_INCOMPLETE, "exceeds clamav_max_filesize"},
    {"nested20.eml", 0, 0, VG_VIRUS_INCOMPLETE, "exceeds clamav_max_recursion"},
    {"encrypted.eml", 0, 0, VG_VIRUS_INCOMPLETE, "encrypted Zip"},
    {"members.eml", 5, 0, VG_VIRUS_INCOMPLETE, "exceeds clamav_max_files"},
    {"slow.eml", 0, 1, VG_VIRUS_INCOMPLETE, "exceeds clamav_max_scantime"},
    /* Within the limits the hidden EICAR is found. */
    {"members.eml", 0, 0, VG_VIRUS_INFECTED, EICAR_NAME},
    /* A real virus elsewhere in the message wins over the incomplete part. */
    {"padded-and-eicar.eml", 0, 0, VG_VIRUS_INFECTED, EICAR_NAME},
    {"nested-and-eicar.eml", 0, 0, VG_VIRUS_INFECTED, EICAR_NAME},
};

START_TEST(test_stage_virus_incomplete)
{
	const struct evasion *ev = &evasions[_i];
	struct vg_conf conf = base_conf(dbdir);
	struct vg_msg *msg;
	struct vg_result res;
	struct vg_err err;
	char path[4096];
	void *st = NULL;

	conf.clamav_max_files = (unsigned)ev->max_files;
	conf.clamav_max_scantime_ms = ev->max_scantime_ms;
	vg_err_init(&err);
	ck_assert_int_eq(virus_create_env(&st, &conf, &err), 0);
	snprintf(path, sizeof(path), "%s/%s", evdir, ev->file);
	ck_assert_int_eq(vg_msg_from_file(&msg, NULL, path), 0);
	/*
	 * Twice: the second scan must not be answered by a cache that
	 * remembers the attachment as clean.
	 */
	for (int pass = 0; pass < 2; pass++) {
		vg_result_init(&res, "virus");
		ck_assert_int_eq(stage_scan(st, msg, &res), 0);
		ck_assert_msg(res.outcome == ev->want,
		    "%s pass %d: got outcome %s (%s%s), want %s", ev->file,
		    pass, vg_result_outcome_name(res.outcome), res.unscanned,
		    res.virus, vg_result_outcome_name(ev->want));
		ck_assert_str_eq(
		    ev->want == VG_VIRUS_INFECTED ? res.virus : res.unscanned,
		    ev->want_text);
		vg_result_fini(&res);
	}
	vg_msg_free(msg);
	vg_stage_virus_ops.free(st);
}
END_TEST

/*
 * A real corpus spam whose Content-Type has more arguments than ClamAV's
 * mail parser takes: ClamAV says so (Heuristics.Limits.Exceeded.Email
 * MIMEArguments), and that is an incomplete scan named after the limit.
 */
START_TEST(test_stage_virus_mail_parser_limit)
{
	struct vg_result res;

	ck_assert_int_eq(scan_file(&res,
	                     CORPUS "/spamassassin/spam/spam_2.00471."
	                            "df77fa930951f79466c195052ff56816",
	                     NULL),
	    0);
	ck_assert_int_eq(res.outcome, VG_VIRUS_INCOMPLETE);
	ck_assert_str_eq(res.unscanned, "exceeds ClamAV's EmailMIMEArguments");
	vg_result_fini(&res);
}
END_TEST

static Suite *
stage_virus_suite(void)
{
	Suite *s = suite_create("stage_virus");
	TCase *tc = tcase_create("stage_virus");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(
	    tc, test_stage_virus_eicar, 0, (int)VG_NELEM(eicar_files));
	tcase_add_loop_test(
	    tc, test_stage_virus_clean, 0, (int)VG_NELEM(clean_files));
	tcase_add_loop_test(tc, test_stage_virus_testfile_attachment, 0,
	    (int)VG_NELEM(wrapped));
	tcase_add_loop_test(
	    tc, test_stage_virus_first_header, 0, (int)VG_NELEM(first_headers));
	tcase_add_test(tc, test_stage_virus_unfinished);
	tcase_add_test(tc, test_stage_virus_spilled);
	tcase_add_test(tc, test_stage_virus_oversized);
	tcase_add_test(tc, test_stage_virus_clamav_filesize);
	tcase_add_test(tc, test_stage_virus_no_database);
	tcase_add_test(tc, test_stage_virus_long_name);
	tcase_add_test(tc, test_stage_virus_clamav_log);
	tcase_add_test(tc, test_stage_virus_disabled);
	tcase_add_test(tc, test_stage_virus_version);
	tcase_add_test(tc, test_stage_virus_backend_find);
	tcase_add_test(tc, test_stage_virus_threads);
	tcase_add_test(tc, test_stage_virus_sigwatch);
	tcase_add_loop_test(
	    tc, test_stage_virus_incomplete, 0, (int)VG_NELEM(evasions));
	tcase_add_test(tc, test_stage_virus_mail_parser_limit);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(stage_virus_suite)
