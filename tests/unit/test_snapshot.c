/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_snapshot - the classifier's snapshot (learn/snapshot.h) over a real
 * LMDB database learned from corpus messages: it holds the same counts
 * as the database for every token and gives the same scores to the bit;
 * a message learned after it is seen (the database is read, and the
 * background thread rebuilds it); a damaged, truncated, foreign or stale
 * file is ignored with one log line and never read; the size limit; and
 * `vigil learn` (the real binary, another process) learning while this
 * process classifies.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vg_check.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/log.h"
#include "learn/bayes.h"
#include "learn/snapshot.h"
#include "message/msg.h"
#include "message/text.h"
#include "store/store.h"

#define CORPUS VG_SOURCE_DIR "/../shared/corpus/spamassassin/"
#define NLEARN 30 /* messages of each class learned */

extern char **environ;

/* The corpus files of one class directory with a name prefix, sorted. */
struct files {
	char **v;
	size_t n;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
list_set(struct files *f, const char *dir, const char *prefix)
{
	char path[1024];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s%s", CORPUS, dir);
	ck_assert_msg((d = opendir(path)) != NULL, "%s: missing", path);
	memset(f, 0, sizeof(*f));
	while ((de = readdir(d)) != NULL) {
		char full[2048];

		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 ||
		    de->d_name[strlen(prefix)] != '.')
			continue;
		snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
		f->v = realloc(f->v, (f->n + 1) * sizeof(*f->v));
		ck_assert_ptr_nonnull(f->v);
		ck_assert_ptr_nonnull(f->v[f->n++] = strdup(full));
	}
	closedir(d);
	qsort(f->v, f->n, sizeof(*f->v), cmp_str);
}

static void
files_free(struct files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
}

/* The test's directory and files. */
static char dir[256], conf_path[300], db_path[300], snap_path[300];
static struct files ham, spam;

/* write_conf - vigil.conf for the database, with this snapshot interval */
static struct vg_conf *
write_conf(const char *interval)
{
	char text[1024];
	struct vg_conf *conf = NULL;
	struct vg_err err;
	FILE *f;

	snprintf(text, sizeof(text),
	    "socket = unix:%s/s.sock\nvirus_scan = no\n"
	    "bayes_min_spam = 5\nbayes_min_ham = 5\n"
	    "bayes_path = %s\nbayes_snapshot_interval = %s\n",
	    dir, db_path, interval);
	ck_assert_ptr_nonnull(f = fopen(conf_path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	vg_err_init(&err);
	ck_assert_msg(vg_conf_parse(&conf, text, strlen(text), "t", &err) == 0,
	    "%s", vg_err_text(&err));
	return conf;
}

static struct vg_bayes *
open_db(const struct vg_conf *conf, bool read_only)
{
	struct vg_bayes *b = NULL;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_msg(vg_bayes_open(&b, conf, read_only, &err) == 0, "%s",
	    vg_err_text(&err));
	return b;
}

/* A message's tokens. */
static struct vg_tokens *
tokens_of(struct vg_bayes *b, const char *path, uint8_t d[16])
{
	struct vg_msg_limits lim = {
	    .max_size = 64 << 20,
	    .memory_limit = 64 << 20,
	    .max_headers = 1000,
	    .max_header_size = 1 << 20,
	    .max_rcpts = 100,
	    .tmp_dir = "/tmp",
	};
	struct vg_msg *msg = NULL;
	struct vg_tokens *t = NULL;

	ck_assert_msg(vg_msg_from_file(&msg, &lim, path) == 0, "%s", path);
	ck_assert_int_eq(vg_bayes_tokenize_msg(b, msg, &t), 0);
	if (d != NULL)
		vg_bayes_digest(d, msg);
	vg_msg_free(msg);
	return t;
}

static void
learn(struct vg_bayes *b, const char *path, enum vg_bayes_class cls)
{
	uint8_t d[16];
	struct vg_tokens *t = tokens_of(b, path, d);
	enum vg_bayes_learned what;

	ck_assert_int_eq(vg_bayes_learn(b, t, d, cls, false, &what), 0);
	vg_tokens_free(t);
}

/*
 * score_stage - the score as the classifier stage gets it: tokens from
 * vg_bayes_tokenize_text() (a set in no order when b has a snapshot);
 * *unordered says which
 */
static struct vg_bayes_score
score_stage(struct vg_bayes *b, const char *path, bool *unordered)
{
	struct vg_msg_limits lim = {
	    .max_size = 64 << 20,
	    .memory_limit = 64 << 20,
	    .max_headers = 1000,
	    .max_header_size = 1 << 20,
	    .max_rcpts = 100,
	    .tmp_dir = "/tmp",
	};
	struct vg_msg *msg = NULL;
	struct vg_text *text = NULL;
	struct vg_tokens *t = NULL;
	struct vg_bayes_score sc;

	ck_assert_msg(vg_msg_from_file(&msg, &lim, path) == 0, "%s", path);
	ck_assert_int_eq(vg_text_build(&text, msg, NULL), 0);
	ck_assert_int_eq(vg_bayes_tokenize_text(b, text, &t), 0);
	*unordered = (t->flags & VG_TOKENS_F_UNORDERED) != 0;
	ck_assert_int_eq(vg_bayes_classify(b, t, &sc), 0);
	vg_tokens_free(t);
	vg_text_free(text);
	vg_msg_free(msg);
	return sc;
}

static struct vg_bayes_score
score(struct vg_bayes *b, const char *path)
{
	struct vg_tokens *t = tokens_of(b, path, NULL);
	struct vg_bayes_score sc;

	ck_assert_int_eq(vg_bayes_classify(b, t, &sc), 0);
	vg_tokens_free(t);
	return sc;
}

/* same_score - the snapshot's score is the database's, to the bit */
static void
same_score(const struct vg_bayes_score *a, const struct vg_bayes_score *b,
    const char *what)
{
	ck_assert_msg(a->ready && b->ready, "%s: not ready", what);
	ck_assert_msg(memcmp(&a->prob, &b->prob, sizeof(a->prob)) == 0 &&
	        memcmp(&a->margin, &b->margin, sizeof(a->margin)) == 0 &&
	        a->used == b->used && a->known == b->known &&
	        a->nspam == b->nspam && a->nham == b->nham,
	    "%s: %.17g/%zu/%zu vs %.17g/%zu/%zu", what, a->prob, a->used,
	    a->known, b->prob, b->used, b->known);
}

/* setup - a new directory and a database of NLEARN ham and spam */
static void
setup(void)
{
	struct vg_conf *conf;
	struct vg_bayes *b;

	snprintf(dir, sizeof(dir), "/tmp/test_snapshot.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf_path, sizeof(conf_path), "%s/vigil.conf", dir);
	snprintf(db_path, sizeof(db_path), "%s/b.lmdb", dir);
	snprintf(snap_path, sizeof(snap_path), "%s/b.lmdb.snap", dir);
	list_set(&ham, "ham", "easy_ham");
	list_set(&spam, "spam", "spam");
	ck_assert_uint_gt(ham.n, 2 * NLEARN + 40);
	ck_assert_uint_gt(spam.n, 2 * NLEARN + 40);
	conf = write_conf("0"); /* learning only: no snapshot yet */
	b = open_db(conf, false);
	for (size_t i = 0; i < NLEARN; i++) {
		learn(b, ham.v[i], VG_BAYES_HAM);
		learn(b, spam.v[i], VG_BAYES_SPAM);
	}
	vg_bayes_close(b);
	vg_conf_free(conf);
}

static void
teardown(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	/* Best effort: a directory left behind is only untidy.  (A (void)
	 * cast does not silence glibc's warn_unused_result.) */
	if (system(cmd) != 0)
		fprintf(stderr, "test_snapshot: could not remove %s\n", dir);
	files_free(&ham);
	files_free(&spam);
}

struct scan_ctx {
	const struct vg_snap *s;
	uint64_t now;
	size_t tokens;
	uint64_t tok, expires; /* one token with a TTL */
};

/* check_token - one store key: a token's count must be the snapshot's */
static int
check_token(
    void *arg, const void *key, size_t len, int64_t value, uint64_t expires_ms)
{
	struct scan_ctx *c = arg;
	const unsigned char *k = key;
	uint64_t tok = 0;
	int64_t v;
	bool found;

	if (len != 10 || k[0] != 'B' || k[1] != 't')
		return 0;
	for (int i = 0; i < 8; i++)
		tok = tok << 8 | k[2 + i];
	vg_snap_get_many(c->s, &tok, 1, c->now, &v, &found);
	ck_assert_msg(found && v == value, "token %016llx: %lld vs %lld",
	    (unsigned long long)tok, (long long)v, (long long)value);
	c->tokens++;
	if (expires_ms != 0) {
		c->tok = tok;
		c->expires = expires_ms;
	}
	return 0;
}

/*
 * The snapshot holds every token of the database with its counts, and
 * nothing else; a message scores the same from it as from the database.
 */
START_TEST(test_snapshot_same_counts)
{
	struct vg_conf *on = write_conf("1d"), *off;
	struct vg_bayes *b = open_db(on, false), *plain;
	struct vg_store_opts opts = {.location = db_path};
	struct vg_store *store = NULL;
	struct vg_snap *s = NULL;
	struct scan_ctx c = {0};
	uint64_t none[64];
	int64_t v[64];
	bool found[64];

	ck_assert_int_eq(vg_bayes_snapshot(b, true), 0);
	ck_assert_int_eq(vg_snap_open(&s, snap_path, NULL), 0);
	ck_assert_int_eq(vg_store_new(&store, "lmdb", &opts), 0);
	c.s = s;
	c.now = vg_store_now(store);
	ck_assert_int_eq(
	    vg_store_scan(store, vg_store_key_str("Bt"), check_token, &c), 0);
	ck_assert_uint_gt(c.tokens, 1000);
	ck_assert_uint_eq(vg_snap_entries(s), c.tokens);
	/* Tokens never learned are not in it. */
	for (size_t i = 0; i < 64; i++)
		none[i] = 0x9e3779b97f4a7c15ULL * (i + 1);
	vg_snap_get_many(s, none, 64, c.now, v, found);
	for (size_t i = 0; i < 64; i++)
		ck_assert(!found[i] && v[i] == 0);
	/* A token whose expiry has passed reads as missing, as in LMDB. */
	ck_assert_uint_ne(c.expires, 0);
	vg_snap_get_many(s, &c.tok, 1, c.expires - 1, v, found);
	ck_assert(found[0]);
	vg_snap_get_many(s, &c.tok, 1, c.expires, v, found);
	ck_assert(!found[0]);
	vg_store_unref(store);
	vg_snap_unref(s);

	off = write_conf("0");
	plain = open_db(off, true);
	for (size_t i = 0; i < 40; i++) {
		const char *p = i % 2 ? ham.v[NLEARN + i] : spam.v[NLEARN + i];
		struct vg_bayes_score a = score(b, p), d = score(plain, p);

		struct vg_bayes_score e, g;
		bool unordered;

		ck_assert_msg(a.snapshot, "%s: not from the snapshot", p);
		ck_assert(!d.snapshot);
		same_score(&a, &d, p);
		/* The stage's way: a set in no order from the snapshot,
		 * sorted from the database; the same bits. */
		e = score_stage(b, p, &unordered);
		ck_assert(e.snapshot && unordered);
		same_score(&e, &d, p);
		g = score_stage(plain, p, &unordered);
		ck_assert(!g.snapshot && !unordered);
		same_score(&g, &d, p);
	}
	vg_bayes_close(plain);
	vg_bayes_close(b);
	vg_conf_free(on);
	vg_conf_free(off);
}
END_TEST

/*
 * A message learned after the snapshot was built counts at once (the
 * database is read), and the background thread rebuilds the snapshot,
 * which then gives the database's scores again.
 */
START_TEST(test_snapshot_learned_since)
{
	struct vg_conf *on = write_conf("10ms"), *off = write_conf("0");
	struct vg_bayes *b = open_db(on, false), *plain = open_db(off, true);
	const char *p = spam.v[NLEARN + 1];
	struct vg_bayes_score before, a, d;
	int tries;

	ck_assert_int_eq(vg_bayes_snapshot(b, true), 0);
	before = score(b, p);
	ck_assert(before.snapshot);
	for (size_t i = 0; i < 10; i++)
		learn(b, spam.v[NLEARN + 10 + i], VG_BAYES_SPAM);
	a = score(b, p);
	d = score(plain, p);
	ck_assert(!a.snapshot);
	same_score(&a, &d, "right after learning");
	ck_assert_uint_eq(a.nspam, before.nspam + 10);
	ck_assert(memcmp(&a.prob, &before.prob, sizeof(a.prob)) != 0 ||
	    a.known != before.known);
	/* The rebuilt snapshot, within a few seconds. */
	for (tries = 0; tries < 500; tries++) {
		a = score(b, p);
		if (a.snapshot)
			break;
		usleep(20000);
	}
	ck_assert_msg(a.snapshot, "not rebuilt");
	same_score(&a, &d, "rebuilt");
	vg_bayes_close(plain);
	vg_bayes_close(b);
	vg_conf_free(on);
	vg_conf_free(off);
}
END_TEST

/* Log lines of the run, counted. */
static unsigned nlines;
static char last_line[512];
static char old_line[512]; /* the last line saying "older format" */

static void
count_sink(enum vg_log_level level, const char *line, void *ctx)
{
	(void)level;
	(void)ctx;
	nlines++;
	snprintf(last_line, sizeof(last_line), "%s", line);
	if (strstr(line, "older format") != NULL)
		snprintf(old_line, sizeof(old_line), "%s", line);
}

/*
 * to_v1 - rewrite the snapshot file in version 1's layout (before
 * 2026-12-08): the header with version 1, then 24-byte slots {token,
 * counts, expiry}, as a file left by an older build.  (Its checksums are
 * not redone: the version is checked first.)
 */
static void
to_v1(void)
{
	struct stat sb;
	unsigned char *in, *out;
	uint32_t one = 1;
	uint64_t nslots;
	size_t outlen;
	FILE *f;

	ck_assert_int_eq(stat(snap_path, &sb), 0);
	ck_assert_ptr_nonnull(in = malloc((size_t)sb.st_size));
	ck_assert_ptr_nonnull(f = fopen(snap_path, "rb"));
	ck_assert_uint_eq(fread(in, 1, (size_t)sb.st_size, f), sb.st_size);
	fclose(f);
	memcpy(&nslots, in + 48, 8); /* the header's slots */
	ck_assert_uint_eq(128 + 24 * nslots, sb.st_size);
	outlen = 128 + 24 * nslots;
	ck_assert_ptr_nonnull(out = calloc(1, outlen));
	memcpy(out, in, 128);
	memcpy(out + 8, &one, 4);
	for (uint64_t i = 0; i < nslots; i++) {
		memcpy(out + 128 + 24 * i, in + 128 + 16 * i, 16);
		memcpy(
		    out + 128 + 24 * i + 16, in + 128 + 16 * nslots + 8 * i, 8);
	}
	ck_assert_ptr_nonnull(f = fopen(snap_path, "wb"));
	ck_assert_uint_eq(fwrite(out, 1, outlen, f), outlen);
	ck_assert_int_eq(fclose(f), 0);
	free(in);
	free(out);
}

/* file_version - the version field of the snapshot file */
static uint32_t
file_version(void)
{
	uint32_t v = 0;
	int fd = open(snap_path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &v, 4, 8), 4);
	close(fd);
	return v;
}

/* damage - change the snapshot file as case i says */
static void
damage(int i, const char *saved)
{
	struct stat sb;
	char cmd[1024];
	int fd;

	ck_assert_int_eq(stat(snap_path, &sb), 0);
	switch (i) {
	case 0: /* a byte of the table */
		ck_assert_int_ge(fd = open(snap_path, O_WRONLY), 0);
		ck_assert_int_eq(pwrite(fd, "\x5a", 1, sb.st_size / 2), 1);
		close(fd);
		break;
	case 1: /* cut short */
		ck_assert_int_eq(truncate(snap_path, sb.st_size - 24), 0);
		break;
	case 2: /* not a snapshot */
		ck_assert_int_ge(fd = open(snap_path, O_WRONLY), 0);
		ck_assert_int_eq(pwrite(fd, "LMDBLMDB", 8, 0), 8);
		close(fd);
		break;
	case 3: /* empty */
		ck_assert_int_eq(truncate(snap_path, 0), 0);
		break;
	case 4: /* a header field changed (its checksum kept) */
		ck_assert_int_ge(fd = open(snap_path, O_WRONLY), 0);
		ck_assert_int_eq(pwrite(fd, "\x01", 1, 40), 1);
		close(fd);
		break;
	case 5: /* stale: the file of an earlier state */
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", saved, snap_path);
		ck_assert_int_eq(system(cmd), 0);
		break;
	case 6: /* an older build's format */
		to_v1();
		break;
	}
}

/*
 * A damaged, truncated, foreign, empty or older-format snapshot is
 * refused at open with one log line saying why, and the database is
 * read; a stale one is never used (one line, however many messages).
 */
START_TEST(test_snapshot_bad_files_ignored)
{
	static const char *const why[] = {"table checksum", "truncated",
	    "bad magic", "shorter than its header", "header checksum", "stale",
	    "older format"};
	struct vg_conf *on = write_conf("1d"), *off = write_conf("0");
	char saved[400], cmd[1024];
	const char *p = ham.v[NLEARN + 3];

	snprintf(saved, sizeof(saved), "%s/old.snap", dir);
	{
		struct vg_bayes *b = open_db(on, false);

		ck_assert_int_eq(vg_bayes_snapshot(b, true), 0);
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", snap_path, saved);
		ck_assert_int_eq(system(cmd), 0);
		learn(b, ham.v[NLEARN + 20], VG_BAYES_HAM);
		ck_assert_int_eq(vg_bayes_snapshot(b, true), 0);
		vg_bayes_close(b);
	}
	for (int i = 0; i < 7; i++) {
		struct vg_bayes *b, *plain = open_db(off, true);
		struct vg_bayes_score a, d;
		char good[400];

		snprintf(good, sizeof(good), "%s/good.snap", dir);
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", snap_path, good);
		ck_assert_int_eq(system(cmd), 0);
		damage(i, saved);
		nlines = 0;
		last_line[0] = '\0';
		vg_log_set_sink(count_sink, NULL, VG_LOG_INFO);
		b = open_db(on, true); /* read-only: no rebuild */
		for (int k = 0; k < 3; k++) {
			a = score(b, p);
			ck_assert(!a.snapshot);
		}
		vg_log_set_sink(NULL, NULL, VG_LOG_INFO);
		ck_assert_msg(nlines == 1 && strstr(last_line, why[i]) != NULL,
		    "case %d: %u lines, last: %s", i, nlines, last_line);
		d = score(plain, p);
		same_score(&a, &d, why[i]);
		vg_bayes_close(b);
		vg_bayes_close(plain);
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", good, snap_path);
		ck_assert_int_eq(system(cmd), 0);
	}
	vg_conf_free(on);
	vg_conf_free(off);
}
END_TEST

/*
 * A snapshot an older build wrote (version 1) is refused with a line
 * saying so, the database is read meanwhile, and a writable handle
 * rebuilds it in this build's format, which then answers.
 */
START_TEST(test_snapshot_old_format_rebuilt)
{
	struct vg_conf *on = write_conf("10ms"), *off = write_conf("0");
	struct vg_bayes *b, *plain;
	const char *p = spam.v[NLEARN + 5];
	struct vg_bayes_score a, d;
	int tries;

	b = open_db(on, false);
	ck_assert_int_eq(vg_bayes_snapshot(b, true), 0);
	vg_bayes_close(b);
	to_v1();
	ck_assert_uint_eq(file_version(), 1);
	nlines = 0;
	last_line[0] = old_line[0] = '\0';
	vg_log_set_sink(count_sink, NULL, VG_LOG_INFO);
	b = open_db(on, false);
	plain = open_db(off, true); /* after the writable one */
	a = score(b, p);
	ck_assert(!a.snapshot);
	d = score(plain, p);
	same_score(&a, &d, "older format: the database");
	for (tries = 0; tries < 500; tries++) {
		a = score(b, p);
		if (a.snapshot)
			break;
		usleep(20000);
	}
	vg_log_set_sink(NULL, NULL, VG_LOG_INFO);
	ck_assert_msg(a.snapshot, "not rebuilt");
	ck_assert_msg(strstr(old_line, snap_path) != NULL &&
	        strstr(old_line, "version 2") != NULL,
	    "no line saying the file is of an older format: %s", old_line);
	ck_assert_uint_eq(file_version(), VG_SNAP_VERSION);
	same_score(&a, &d, "rebuilt");
	vg_bayes_close(b);
	vg_bayes_close(plain);
	vg_conf_free(on);
	vg_conf_free(off);
}
END_TEST

/* A database with more tokens than the limit gets no snapshot. */
START_TEST(test_snapshot_limit)
{
	struct vg_conf *on = write_conf("1d");
	struct vg_bayes *b = open_db(on, false);
	struct stat sb;

	vg_bayes_set_snapshot_max(b, 100);
	ck_assert_int_eq(vg_bayes_snapshot(b, true), VG_ELIMIT);
	ck_assert_int_ne(stat(snap_path, &sb), 0);
	/* Nor a temporary file left. */
	{
		DIR *d = opendir(dir);
		struct dirent *de;

		ck_assert_ptr_nonnull(d);
		while ((de = readdir(d)) != NULL)
			ck_assert_msg(strstr(de->d_name, ".tmp.") == NULL,
			    "%s left", de->d_name);
		closedir(d);
	}
	ck_assert(!score(b, spam.v[NLEARN]).snapshot);
	vg_bayes_set_snapshot_max(b, 1000000);
	ck_assert_int_eq(vg_bayes_snapshot(b, true), 0);
	ck_assert(score(b, spam.v[NLEARN]).snapshot);
	vg_bayes_close(b);
	vg_conf_free(on);
}
END_TEST

/*
 * `vigil learn` (the real binary, another process, which rebuilds the
 * snapshot after learning) while this process classifies from the
 * snapshot, its background thread rebuilding it too: every
 * classification succeeds, and once both are done the scores are the
 * database's.
 */
START_TEST(test_snapshot_learn_while_reading)
{
	struct vg_conf *on = write_conf("5ms"), *off;
	struct vg_bayes *b = open_db(on, false), *plain;
	char bin[512], *argv[64], a_learn[] = "learn", a_c[] = "-c";
	char a_spam[] = "--spam";
	size_t argc = 0, nsnap = 0, nscored = 0;
	pid_t pid;
	int status = -1;

	ck_assert_int_eq(vg_bayes_snapshot(b, true), 0);
	snprintf(bin, sizeof(bin), "%s/cli/vigil", VG_BINARY_DIR);
	argv[argc++] = bin;
	argv[argc++] = a_learn;
	argv[argc++] = a_c;
	argv[argc++] = conf_path;
	argv[argc++] = a_spam;
	for (size_t i = 0; i < 40; i++)
		argv[argc++] = spam.v[NLEARN + 40 + i];
	argv[argc] = NULL;
	ck_assert_int_eq(posix_spawn(&pid, bin, NULL, NULL, argv, environ), 0);
	for (;;) {
		struct vg_bayes_score a;
		pid_t w = waitpid(pid, &status, WNOHANG);

		a = score(b, ham.v[NLEARN + (nscored % 20)]);
		ck_assert(a.ready && a.prob >= 0.0 && a.prob <= 1.0);
		nsnap += a.snapshot;
		nscored++;
		if (w == pid)
			break;
	}
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "vigil learn: status %d", status);
	ck_assert_uint_gt(nscored, 5);
	off = write_conf("0");
	plain = open_db(off, true);
	for (int tries = 0; tries < 500; tries++) {
		struct vg_bayes_score a = score(b, ham.v[NLEARN + 1]);

		if (a.snapshot) {
			struct vg_bayes_score d =
			    score(plain, ham.v[NLEARN + 1]);

			same_score(&a, &d, "after vigil learn");
			ck_assert_uint_eq(a.nspam, NLEARN + 40);
			break;
		}
		ck_assert_int_lt(tries, 499);
		usleep(20000);
	}
	vg_bayes_close(plain);
	vg_bayes_close(b);
	vg_conf_free(on);
	vg_conf_free(off);
	(void)nsnap;
}
END_TEST

static Suite *
snapshot_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("snapshot");

	if (vg_text_global_init() != 0)
		abort();
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_snapshot_same_counts);
	tcase_add_test(tc, test_snapshot_learned_since);
	tcase_add_test(tc, test_snapshot_bad_files_ignored);
	tcase_add_test(tc, test_snapshot_old_format_rebuilt);
	tcase_add_test(tc, test_snapshot_limit);
	tcase_add_test(tc, test_snapshot_learn_while_reading);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(snapshot_suite)
