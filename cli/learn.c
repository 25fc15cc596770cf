/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * learn - `vigil learn`: train the classifier on messages a user sorted.
 *
 * PURPOSE  vigil learn --spam|--ham [--forget] [-c FILE] PATH...
 *	    vigil learn --stats [-c FILE]
 *	    vigil learn --snapshot [-c FILE]
 *	    PATH is a message file, a Maildir (its cur/ and new/), an mbox
 *	    file (a file whose first line is an mbox "From " line: split at
 *	    each "From " line after an empty line, ">From " lines
 *	    unquoted one level as mboxrd writes them), or "-" for one message
 *	    on standard input (Dovecot's imapsieve, Sieve pipe, procmail,
 *	    a mutt macro).  Each message is decoded and tokenized as the
 *	    milter does (learn/bayes.h) and learned in the database
 *	    vigil.conf names; learning is idempotent and --forget takes a
 *	    message back (bayes.h).  It prints one line per PATH and a
 *	    total.  The milter may run meanwhile: LMDB gives it consistent
 *	    reads while this writes; Redis increments are atomic.
 *	    With LMDB, learning that changed the database then rebuilds
 *	    the classifier's snapshot (learn/snapshot.h) unless it is
 *	    younger than bayes_snapshot_interval (the milter rebuilds it
 *	    then); --snapshot alone rebuilds it now (after bulk learning,
 *	    or from cron).  A snapshot that cannot be built is a warning,
 *	    not a failure: the classifier reads the database meanwhile.
 * LIMITS   A message larger than max_message_size is skipped ("too
 *	    large"); an mbox is read in 64 KiB blocks, so a line of any
 *	    length costs no more memory than that; a Maildir is read
 *	    one level deep (cur/, new/), dotfiles skipped.
 * OUTPUT   "PATH: N learned, N already learned, N moved, N skipped"
 *	    (with --forget: "N forgotten, N not learned before, N skipped"),
 *	    then "total: ..." when there was more than one PATH.  Exit 0
 *	    when every message was handled, 1 on a usage, configuration or
 *	    database error (nothing learned), 2 when some message or PATH
 *	    could not be read or learned (the others were).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/compiler.h"
#include "base/conf.h"
#include "base/err.h"
#include "learn/bayes.h"
#include "message/msg.h"
#include "core/engine.h"
#include "cli.h"

/* What one run did, per PATH and in total. */
struct tally {
	unsigned long n[VG_BAYES_NOT_LEARNED + 1];
	unsigned long skipped; /* too large, or unreadable as mail */
	unsigned long failed;  /* the database failed on it */
};

struct learner {
	struct vg_bayes *db;
	struct vg_msg_limits mlim;
	enum vg_bayes_class cls;
	bool forget;
	struct tally path, total;
};

/* learn_bytes - learn one message given as its raw bytes */
static void
learn_bytes(struct learner *l, const char *where, const void *data, size_t len)
{
	struct vg_msg *msg = NULL;
	struct vg_tokens *t = NULL;
	enum vg_bayes_learned what;
	uint8_t digest[16];
	int rc;

	if ((rc = vg_msg_from_bytes(&msg, &l->mlim, data, len)) != 0) {
		fprintf(stderr, "vigil: %s: cannot read as mail: %s\n", where,
		    vg_strerror(rc));
		l->path.skipped++;
		return;
	}
	if (vg_msg_oversized(msg)) {
		fprintf(stderr,
		    "vigil: %s: skipped: larger than "
		    "max_message_size\n",
		    where);
		l->path.skipped++;
		goto out;
	}
	if ((rc = vg_bayes_tokenize_msg(l->db, msg, &t)) != 0) {
		fprintf(stderr, "vigil: %s: cannot decode: %s\n", where,
		    vg_strerror(rc));
		l->path.skipped++;
		goto out;
	}
	vg_bayes_digest(digest, msg);
	rc = vg_bayes_learn(l->db, t, digest, l->cls, l->forget, &what);
	if (rc != 0) {
		fprintf(stderr, "vigil: %s: cannot learn: %s\n", where,
		    vg_strerror(rc));
		l->path.failed++;
		goto out;
	}
	l->path.n[what]++;
out:
	vg_tokens_free(t);
	vg_msg_free(msg);
}

/*
 * read_all - fp's bytes into buf (bounded at max_message_size + 1, so a
 * larger message is seen as such); VG_ELIMIT when it is larger, VG_EIO
 */
static int
read_all(struct learner *l, FILE *fp, struct vg_buf *buf)
{
	char chunk[65536];
	size_t n;
	int rc;

	vg_buf_init(buf, (size_t)l->mlim.max_size + 1);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if ((rc = vg_buf_append(buf, chunk, n)) != 0)
			return rc == VG_ELIMIT ? VG_ELIMIT : rc;
	return ferror(fp) ? VG_EIO : 0;
}

/* learn_stream - fp holds one message, called where */
static int
learn_stream(struct learner *l, const char *where, FILE *fp)
{
	struct vg_buf buf;
	int rc = read_all(l, fp, &buf);

	if (rc == VG_ELIMIT) {
		fprintf(stderr,
		    "vigil: %s: skipped: larger than "
		    "max_message_size\n",
		    where);
		l->path.skipped++;
		rc = 0;
	} else if (rc == VG_EIO) {
		fprintf(stderr, "vigil: %s: %s\n", where, strerror(errno));
	} else if (rc == 0) {
		learn_bytes(
		    l, where, buf.data != NULL ? buf.data : "", buf.len);
	}
	vg_buf_fini(&buf);
	return rc;
}

/* learn_file - a whole file is one message */
static int
learn_file(struct learner *l, const char *path)
{
	FILE *fp;
	int rc;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "vigil: %s: %s\n", path, strerror(errno));
		return VG_EIO;
	}
	rc = learn_stream(l, path, fp);
	fclose(fp);
	return rc;
}

/* unquote_from - an mboxrd ">From " line (any number of '>') loses one */
static size_t
unquote_from(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && line[i] == '>')
		i++;
	return i > 0 && len - i >= 5 && memcmp(line + i, "From ", 5) == 0 ? 1
	                                                                  : 0;
}

/* mbox_flush - learn the message collected so far (the count-th) */
static void
mbox_flush(struct learner *l, const char *path, size_t count,
    struct vg_buf *msg, bool oversized)
{
	char where[4200];

	if (count == 0)
		return;
	(void)snprintf(where, sizeof(where), "%s: message %zu", path, count);
	if (oversized) {
		fprintf(stderr,
		    "vigil: %s: skipped: larger than max_message_size\n",
		    where);
		l->path.skipped++;
	} else {
		learn_bytes(
		    l, where, msg->data != NULL ? msg->data : "", msg->len);
	}
	vg_buf_reset(msg);
}

/*
 * learn_mbox - each message of an mbox file, read in MBOX_CHUNK blocks so
 * that no line, however long, is held whole: a message is split at a
 * "From " that starts a line after an empty one, and at most
 * max_message_size bytes of it are kept (more: skipped, said so)
 */
#define MBOX_CHUNK (64 * 1024)
static int
learn_mbox(struct learner *l, const char *path, FILE *fp)
{
	struct vg_buf msg;
	char *buf;
	size_t have = 0, off = 0, count = 0;
	bool eof = false, at_start = true, prev_blank = true;
	bool in_from = false, oversized = false;
	int rc = 0;

	if ((buf = vg_malloc(MBOX_CHUNK)) == NULL)
		return VG_ENOMEM;
	vg_buf_init(&msg, (size_t)l->mlim.max_size);
	for (;;) {
		const char *p, *nl;
		size_t seg, skip = 0;

		/* Refill when empty, or when a line's first 5 bytes are cut. */
		if (off == have ||
		    (at_start && !eof && have - off < 5 &&
		        memchr(buf + off, '\n', have - off) == NULL)) {
			memmove(buf, buf + off, have - off);
			have -= off;
			off = 0;
			if (!eof) {
				size_t n =
				    fread(buf + have, 1, MBOX_CHUNK - have, fp);

				eof = n == 0;
				have += n;
			}
			if (have == 0)
				break;
		}
		p = buf + off;
		nl = memchr(p, '\n', have - off);
		seg = nl != NULL ? (size_t)(nl - p) + 1 : have - off;
		off += seg;
		if (at_start && prev_blank && seg >= 5 &&
		    memcmp(p, "From ", 5) == 0) {
			mbox_flush(l, path, count, &msg, oversized);
			count++;
			oversized = false;
			in_from = true;
		} else if (count > 0 && !in_from && !oversized) {
			if (at_start)
				skip = unquote_from(p, seg);
			if (msg.len + (seg - skip) > l->mlim.max_size)
				oversized = true;
			else if ((rc = vg_buf_append(
			              &msg, p + skip, seg - skip)) != 0)
				break;
		}
		if (nl != NULL) {
			prev_blank = at_start &&
			    (seg == 1 || (seg == 2 && p[0] == '\r'));
			in_from = false;
		}
		at_start = nl != NULL;
	}
	if (rc == 0 && ferror(fp)) {
		fprintf(stderr, "vigil: %s: %s\n", path, strerror(errno));
		rc = VG_EIO;
	}
	if (rc == 0)
		mbox_flush(l, path, count, &msg, oversized);
	vg_buf_fini(&msg);
	vg_free(buf);
	return rc;
}

/* learn_maildir_sub - the files of one Maildir folder (cur/ or new/) */
static int
learn_maildir_sub(struct learner *l, const char *dir)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "vigil: %s: %s\n", dir, strerror(errno));
		return VG_EIO;
	}
	while ((de = readdir(d)) != NULL) {
		char file[4200];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(file, sizeof(file), "%s/%s", dir,
		        de->d_name) >= sizeof(file))
			continue;
		if (stat(file, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (learn_file(l, file) != 0)
			rc = VG_EIO;
	}
	closedir(d);
	return rc;
}

/* learn_path - one PATH: "-", a Maildir, an mbox or a message file */
static int
learn_path(struct learner *l, const char *path)
{
	struct stat st;
	FILE *fp;
	int c, rc;

	if (strcmp(path, "-") == 0)
		return learn_stream(l, "(stdin)", stdin);
	if (stat(path, &st) != 0) {
		fprintf(stderr, "vigil: %s: %s\n", path, strerror(errno));
		return VG_EIO;
	}
	if (S_ISDIR(st.st_mode)) {
		char cur[4200], nw[4200];
		struct stat cs, ns;

		snprintf(cur, sizeof(cur), "%s/cur", path);
		snprintf(nw, sizeof(nw), "%s/new", path);
		if (stat(cur, &cs) != 0 || !S_ISDIR(cs.st_mode) ||
		    stat(nw, &ns) != 0 || !S_ISDIR(ns.st_mode)) {
			fprintf(stderr,
			    "vigil: %s: a directory but not a Maildir (no cur/ "
			    "and new/)\n",
			    path);
			return VG_EIO;
		}
		rc = learn_maildir_sub(l, cur);
		if (learn_maildir_sub(l, nw) != 0)
			rc = VG_EIO;
		return rc;
	}
	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "vigil: %s: %s\n", path, strerror(errno));
		return VG_EIO;
	}
	/* An mbox starts with "From "; so may one message saved by hand. */
	{
		char head[5];
		size_t n = fread(head, 1, sizeof(head), fp);

		c = n == 5 && memcmp(head, "From ", 5) == 0;
		rewind(fp);
	}
	if (c) {
		rc = learn_mbox(l, path, fp);
		fclose(fp);
		return rc;
	}
	fclose(fp);
	return learn_file(l, path);
}

/* print_tally - one line of counts */
static void
print_tally(const char *name, const struct tally *t, bool forget)
{
	if (forget)
		printf("%s: %lu forgotten, %lu not learned before", name,
		    t->n[VG_BAYES_FORGOTTEN], t->n[VG_BAYES_NOT_LEARNED]);
	else
		printf("%s: %lu learned, %lu already learned, %lu moved", name,
		    t->n[VG_BAYES_LEARNED], t->n[VG_BAYES_ALREADY],
		    t->n[VG_BAYES_MOVED]);
	printf(", %lu skipped", t->skipped);
	if (t->failed > 0)
		printf(", %lu failed", t->failed);
	printf("\n");
}

/* print_stats - `vigil learn --stats` */
static int
print_stats(struct vg_bayes *db, const struct vg_conf *conf)
{
	struct vg_bayes_stats st;
	int rc;

	if ((rc = vg_bayes_stats(db, &st)) != 0) {
		fprintf(stderr,
		    "vigil: cannot read the classifier database: %s\n",
		    vg_strerror(rc));
		return 1;
	}
	printf("store: %s %s\n", st.store,
	    strcmp(st.store, "redis") == 0 ? conf->redis : conf->bayes_path);
	printf("spam learned: %llu\nham learned: %llu\n",
	    (unsigned long long)st.nspam, (unsigned long long)st.nham);
	printf("keys: %zu (tokens, and one per learned message)\n", st.keys);
	if (st.bytes > 0)
		printf("size: %llu bytes of %llu (bayes_max_size)\n",
		    (unsigned long long)st.bytes,
		    (unsigned long long)st.max_bytes);
	if (st.created_ms > 0) {
		time_t t = (time_t)(st.created_ms / 1000);
		struct tm tm;
		char when[64];

		if (gmtime_r(&t, &tm) != NULL &&
		    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm) >
		        0)
			printf("first learned: %s (%.1f days ago)\n", when,
			    difftime(time(NULL), t) / 86400.0);
	} else {
		printf("first learned: never\n");
	}
	if (st.nspam < conf->bayes_min_spam || st.nham < conf->bayes_min_ham)
		printf("classifier: silent until %u spam and %u ham are "
		       "learned\n",
		    conf->bayes_min_spam, conf->bayes_min_ham);
	else
		printf("classifier: active\n");
	return 0;
}

/* learn_usage - the synopsis */
static int
learn_usage(void)
{
	fprintf(stderr,
	    "usage: vigil learn --spam|--ham [--forget] [-c FILE] "
	    "PATH...\n"
	    "       vigil learn --forget [-c FILE] PATH...\n"
	    "       vigil learn --stats [-c FILE]\n"
	    "       vigil learn --snapshot [-c FILE]\n"
	    "PATH: a message file, a Maildir, an mbox file, or - "
	    "(standard input)\n");
	return 1;
}

/* vg_cli_learn - `vigil learn` */
int
vg_cli_learn(int argc, char **argv)
{
	enum {
		OPT_SPAM = 256,
		OPT_HAM,
		OPT_FORGET,
		OPT_STATS,
		OPT_SNAPSHOT,
		OPT_HELP
	};
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"spam", no_argument, NULL, OPT_SPAM},
	    {"ham", no_argument, NULL, OPT_HAM},
	    {"forget", no_argument, NULL, OPT_FORGET},
	    {"stats", no_argument, NULL, OPT_STATS},
	    {"snapshot", no_argument, NULL, OPT_SNAPSHOT},
	    {"help", no_argument, NULL, OPT_HELP},
	    {NULL, 0, NULL, 0},
	};
	const char *config = VG_CONF_DEFAULT_PATH;
	struct learner *l;
	struct vg_conf *conf = NULL;
	struct vg_err err;
	bool stats = false, spam = false, ham = false, forget = false;
	bool snapshot = false;
	int opt, status = 0;

	while ((opt = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case OPT_SPAM:
			spam = true;
			break;
		case OPT_HAM:
			ham = true;
			break;
		case OPT_FORGET:
			forget = true;
			break;
		case OPT_STATS:
			stats = true;
			break;
		case OPT_SNAPSHOT:
			snapshot = true;
			break;
		case OPT_HELP:
			learn_usage();
			return 0;
		default:
			return learn_usage();
		}
	}
	if ((l = vg_calloc(1, sizeof(*l))) == NULL) {
		fprintf(stderr, "vigil: out of memory\n");
		return 1;
	}
	l->forget = forget;
	if (stats || snapshot
	        ? (spam || ham || l->forget || optind < argc ||
	              (stats && snapshot))
	        : ((spam && ham) || (!spam && !ham && !l->forget) ||
	              optind >= argc)) {
		vg_free(l);
		return learn_usage();
	}
	l->cls = spam ? VG_BAYES_SPAM : VG_BAYES_HAM;
	vg_err_init(&err);
	if (vg_engine_global_init(&err) != 0 ||
	    vg_conf_load(&conf, config, &err) != 0 ||
	    vg_bayes_open(&l->db, conf, stats, &err) != 0) {
		fputs(vg_err_text(&err), stderr);
		vg_conf_free(conf);
		vg_free(l);
		return 1;
	}
	vg_msg_limits_from_conf(&l->mlim, conf);
	if (stats) {
		status = print_stats(l->db, conf);
		goto out;
	}
	if (snapshot) {
		int rc = vg_bayes_snapshot(l->db, true);

		if (rc != 0) {
			fprintf(stderr, "vigil: snapshot not built: %s\n",
			    rc == VG_EINVAL ? "none with this bayes_store "
			                      "or bayes_snapshot_interval = 0"
			                    : vg_strerror(rc));
			status = 1;
		} else {
			printf("snapshot built\n");
		}
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		memset(&l->path, 0, sizeof(l->path));
		if (learn_path(l, argv[i]) != 0)
			status = 2;
		print_tally(strcmp(argv[i], "-") == 0 ? "(stdin)" : argv[i],
		    &l->path, l->forget);
		for (size_t k = 0; k < VG_NELEM(l->total.n); k++)
			l->total.n[k] += l->path.n[k];
		l->total.skipped += l->path.skipped;
		l->total.failed += l->path.failed;
		if (l->path.skipped + l->path.failed > 0)
			status = 2;
	}
	if (argc - optind > 1)
		print_tally("total", &l->total, l->forget);
	if (l->total.n[VG_BAYES_LEARNED] + l->total.n[VG_BAYES_MOVED] +
	        l->total.n[VG_BAYES_FORGOTTEN] >
	    0) {
		int rc = vg_bayes_snapshot(l->db, false);

		if (rc != 0 && rc != VG_EINVAL)
			fprintf(stderr,
			    "vigil: warning: classifier snapshot not built: "
			    "%s (the database is read meanwhile)\n",
			    vg_strerror(rc));
	}
out:
	vg_bayes_close(l->db);
	vg_conf_free(conf);
	vg_free(l);
	return status;
}
