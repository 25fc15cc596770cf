/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_bayes - the classifier's database (learn/bayes.h) on real corpus
 * messages, over the memory store (the LMDB and Redis backends pass the
 * same store conformance suite, test_store.c): learning moves the score of
 * similar messages, forgetting restores it exactly, relearning is
 * idempotent, a message learned as the other class moves, the
 * min-messages threshold, a newer database refused, forgetting never
 * drives a count below zero, and a failing store is an error, not a
 * half-learned message.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/compiler.h"
#include "base/conf.h"
#include "base/err.h"
#include "learn/bayes.h"
#include "learn/learnq.h"
#include "message/msg.h"
#include "message/text.h"
#include "store/store.h"

#define CORPUS VG_SOURCE_DIR "/../shared/corpus/spamassassin/"

/* The corpus files of one set ("spam/spam", "ham/easy_ham"), sorted. */
struct files {
	char **v;
	size_t n;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list_set - the files of dir whose names start with prefix, sorted */
static void
list_set(struct files *f, const char *dir, const char *prefix)
{
	char path[1024];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s%s", CORPUS, dir);
	d = opendir(path);
	ck_assert_msg(d != NULL, "%s: missing", path);
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

/* The clock of the memory store, so TTLs can be passed. */
static uint64_t now_ms = 1000000;

static uint64_t
test_clock(void *ctx)
{
	(void)ctx;
	return now_ms;
}

/* A store whose every call can be made to fail (the Redis-down case). */
static bool store_down;
static const struct vg_store_ops *real = &vg_store_mem_ops;

static int
down_incr_many(void *be, int64_t *values_out, const struct vg_store_key *keys,
    const int64_t *deltas, size_t n, uint64_t ttl_ms)
{
	if (store_down)
		return VG_ETEMP;
	return real->incr_many(be, values_out, keys, deltas, n, ttl_ms);
}

static int
down_get_many(void *be, int64_t *values_out, bool *found_out,
    const struct vg_store_key *keys, size_t n)
{
	if (store_down) {
		memset(values_out, 0, n * sizeof(*values_out));
		memset(found_out, 0, n * sizeof(*found_out));
		return VG_ETEMP;
	}
	return real->get_many(be, values_out, found_out, keys, n);
}

static struct vg_store_ops down_ops;

/* conf_with - a config with the classifier's thresholds lowered */
static struct vg_conf *
conf_with(unsigned min_spam, unsigned min_ham)
{
	char text[512];
	struct vg_conf *conf = NULL;
	struct vg_err err;

	snprintf(text, sizeof(text),
	    "socket = unix:/tmp/test_bayes.sock\nvirus_scan = no\n"
	    "bayes_min_spam = %u\nbayes_min_ham = %u\nbayes_token_ttl = 1d\n",
	    min_spam, min_ham);
	vg_err_init(&err);
	ck_assert_msg(vg_conf_parse(&conf, text, strlen(text), "t", &err) == 0,
	    "%s", vg_err_text(&err));
	return conf;
}

/* open_db - a classifier over a new memory store (*store_out: a ref) */
static struct vg_bayes *
open_db(const struct vg_conf *conf, struct vg_store **store_out,
    const struct vg_store_ops *ops)
{
	struct vg_store_opts opts = {
	    .max_keys = 2000000, .clock = test_clock, .clock_ctx = NULL};
	struct vg_store *store = NULL;
	struct vg_bayes *b = NULL;
	struct vg_err err;

	ck_assert_int_eq(vg_store_new_ops(&store, ops, &opts), 0);
	vg_err_init(&err);
	ck_assert_msg(vg_bayes_open_store(&b, store, conf, &err) == 0, "%s",
	    vg_err_text(&err));
	if (store_out != NULL)
		*store_out = store;
	else
		vg_store_unref(store);
	return b;
}

/* A message read from a file, its tokens and digest. */
struct item {
	struct vg_msg *msg;
	struct vg_tokens *t;
	uint8_t d[16];
};

static void
item_load(struct item *it, struct vg_bayes *b, const char *path)
{
	struct vg_msg_limits lim = {
	    .max_size = 64 << 20,
	    .memory_limit = 64 << 20,
	    .max_headers = 1000,
	    .max_header_size = 1 << 20,
	    .max_rcpts = 100,
	    .tmp_dir = "/tmp",
	};

	ck_assert_msg(vg_msg_from_file(&it->msg, &lim, path) == 0, "%s", path);
	ck_assert_int_eq(vg_bayes_tokenize_msg(b, it->msg, &it->t), 0);
	ck_assert_uint_gt(it->t->n, 10);
	vg_bayes_digest(it->d, it->msg);
}

static void
item_free(struct item *it)
{
	vg_tokens_free(it->t);
	vg_msg_free(it->msg);
}

/* learn - learn path as cls, expecting want */
static void
learn(struct vg_bayes *b, const char *path, enum vg_bayes_class cls,
    bool forget, enum vg_bayes_learned want)
{
	struct item it = {0};
	enum vg_bayes_learned what;

	item_load(&it, b, path);
	ck_assert_int_eq(vg_bayes_learn(b, it.t, it.d, cls, forget, &what), 0);
	ck_assert_msg(what == want, "%s: %s, wanted %s", path,
	    vg_bayes_learned_name(what), vg_bayes_learned_name(want));
	item_free(&it);
}

/* score - classify path */
static struct vg_bayes_score
score(struct vg_bayes *b, const char *path)
{
	struct item it = {0};
	struct vg_bayes_score sc;

	item_load(&it, b, path);
	ck_assert_int_eq(vg_bayes_classify(b, it.t, &sc), 0);
	item_free(&it);
	return sc;
}

/*
 * Learning 30 spam and 30 ham (the first of their sets) makes the next
 * spam and ham land on their sides, and learning the next spam itself
 * raises its own score; forgetting it restores the score exactly.
 */
START_TEST(test_bayes_learn_moves_and_forget_restores)
{
	struct vg_conf *conf = conf_with(30, 30);
	struct vg_bayes *b = open_db(conf, NULL, &vg_store_mem_ops);
	struct files spam, ham;
	struct vg_bayes_score s0, h0, s1, s2;

	list_set(&spam, "spam", "spam");
	list_set(&ham, "ham", "easy_ham");
	for (size_t i = 0; i < 30; i++) {
		learn(b, spam.v[i], VG_BAYES_SPAM, false, VG_BAYES_LEARNED);
		learn(b, ham.v[i], VG_BAYES_HAM, false, VG_BAYES_LEARNED);
	}
	s0 = score(b, spam.v[40]);
	h0 = score(b, ham.v[40]);
	ck_assert(s0.ready && h0.ready);
	ck_assert_uint_eq(s0.nspam, 30);
	ck_assert_uint_eq(s0.nham, 30);
	ck_assert_msg(s0.prob > 0.7, "unseen spam scored %f", s0.prob);
	ck_assert_msg(h0.prob < 0.3, "unseen ham scored %f", h0.prob);
	ck_assert_uint_gt(s0.known, 0);

	/* A ham message learned as spam moves its own score up. */
	learn(b, ham.v[40], VG_BAYES_SPAM, false, VG_BAYES_LEARNED);
	s1 = score(b, ham.v[40]);
	ck_assert_msg(s1.prob > h0.prob, "%f !> %f", s1.prob, h0.prob);
	ck_assert_uint_eq(s1.nspam, 31);
	/* Forgetting it restores the score exactly. */
	learn(b, ham.v[40], VG_BAYES_SPAM, true, VG_BAYES_FORGOTTEN);
	s2 = score(b, ham.v[40]);
	ck_assert_msg(s2.prob == h0.prob, "%.17g != %.17g", s2.prob, h0.prob);
	ck_assert_uint_eq(s2.known, h0.known);
	ck_assert_uint_eq(s2.nspam, 30);
	/* Forgetting it again: nothing to take back. */
	learn(b, ham.v[40], VG_BAYES_SPAM, true, VG_BAYES_NOT_LEARNED);
	files_free(&spam);
	files_free(&ham);
	vg_bayes_close(b);
	vg_conf_free(conf);
}
END_TEST

/* Relearning is idempotent; learning as the other class moves. */
START_TEST(test_bayes_idempotent_and_moved)
{
	struct vg_conf *conf = conf_with(1, 1);
	struct vg_bayes *b = open_db(conf, NULL, &vg_store_mem_ops);
	struct files spam, ham;
	struct vg_bayes_score a, c;

	list_set(&spam, "spam", "spam");
	list_set(&ham, "ham", "hard_ham");
	learn(b, spam.v[0], VG_BAYES_SPAM, false, VG_BAYES_LEARNED);
	learn(b, ham.v[0], VG_BAYES_HAM, false, VG_BAYES_LEARNED);
	a = score(b, ham.v[1]);
	learn(b, spam.v[0], VG_BAYES_SPAM, false, VG_BAYES_ALREADY);
	learn(b, ham.v[0], VG_BAYES_HAM, false, VG_BAYES_ALREADY);
	c = score(b, ham.v[1]);
	ck_assert_uint_eq(c.nspam, 1);
	ck_assert_uint_eq(c.nham, 1);
	ck_assert(a.prob == c.prob);
	/* hard_ham 0 as spam now: moved, counts follow. */
	learn(b, ham.v[0], VG_BAYES_SPAM, false, VG_BAYES_MOVED);
	c = score(b, ham.v[1]);
	ck_assert_uint_eq(c.nspam, 2);
	ck_assert_uint_eq(c.nham, 0);
	ck_assert(!c.ready); /* no ham left: silent */
	/* And back: the first state again. */
	learn(b, ham.v[0], VG_BAYES_HAM, false, VG_BAYES_MOVED);
	c = score(b, ham.v[1]);
	ck_assert(a.prob == c.prob);
	files_free(&spam);
	files_free(&ham);
	vg_bayes_close(b);
	vg_conf_free(conf);
}
END_TEST

/* Silent until bayes_min_spam and bayes_min_ham are both reached. */
START_TEST(test_bayes_min_messages)
{
	struct vg_conf *conf = conf_with(3, 2);
	struct vg_bayes *b = open_db(conf, NULL, &vg_store_mem_ops);
	struct files spam, ham;
	struct vg_bayes_score sc;

	list_set(&spam, "spam", "spam");
	list_set(&ham, "ham", "easy_ham");
	for (size_t i = 0; i < 2; i++) {
		learn(b, spam.v[i], VG_BAYES_SPAM, false, VG_BAYES_LEARNED);
		learn(b, ham.v[i], VG_BAYES_HAM, false, VG_BAYES_LEARNED);
	}
	sc = score(b, spam.v[10]);
	ck_assert(!sc.ready);
	ck_assert(sc.prob == 0.5);
	ck_assert_uint_eq(sc.nspam, 2);
	learn(b, spam.v[2], VG_BAYES_SPAM, false, VG_BAYES_LEARNED);
	sc = score(b, spam.v[10]);
	ck_assert(sc.ready);
	files_free(&spam);
	files_free(&ham);
	vg_bayes_close(b);
	vg_conf_free(conf);
}
END_TEST

/*
 * A database written by another layout is refused with a clear error:
 * a newer one, and an older one (version 1 kept word pairs under other
 * keys; version 2 is used, bayes.h).
 */
START_TEST(test_bayes_newer_refused)
{
	static const struct {
		int64_t version;
		const char *word;
	} cases[] = {{VG_BAYES_VERSION + 1, "newer"},
	    {VG_BAYES_VERSION_MIN - 1, "older"}};

	for (size_t i = 0; i < VG_NELEM(cases); i++) {
		struct vg_conf *conf = conf_with(1, 1);
		struct vg_store *store = NULL;
		struct vg_bayes *b = open_db(conf, &store, &vg_store_mem_ops);
		struct vg_err err;

		vg_bayes_close(b);
		ck_assert_int_eq(vg_store_set(store, vg_store_key_str("Bv"),
		                     cases[i].version, 0),
		    0);
		vg_err_init(&err);
		ck_assert_int_eq(
		    vg_bayes_open_store(&b, store, conf, &err), VG_ECONFIG);
		ck_assert_ptr_null(b);
		ck_assert_msg(strstr(vg_err_text(&err), cases[i].word) != NULL,
		    "%s", vg_err_text(&err));
		vg_store_unref(store);
		vg_conf_free(conf);
	}
}
END_TEST

/*
 * Autolearn's queue (learnq.h): pushes return at once and the queue's
 * thread learns them in order; a full queue refuses (counted), the
 * tokens given are copied (freed by the caller right after the push);
 * freeing the queue learns what is still queued.
 */
START_TEST(test_bayes_learnq)
{
	struct vg_conf *conf = conf_with(1, 1);
	struct vg_bayes *b = open_db(conf, NULL, &vg_store_mem_ops);
	struct vg_learnq *q = NULL;
	struct vg_learnq_stats st;
	struct vg_bayes_stats bs;
	struct files spam, ham;

	list_set(&spam, "spam", "spam");
	list_set(&ham, "ham", "easy_ham");
	ck_assert_int_eq(vg_learnq_new(&q, b, 3), 0);
	/* Held: three queue, the next two are refused. */
	vg_learnq_hold(q, true);
	for (size_t i = 0; i < 5; i++) {
		struct item it = {0};

		item_load(&it, b, spam.v[i]);
		ck_assert_int_eq(
		    vg_learnq_push(q, it.t, it.d, VG_BAYES_SPAM, "Q1", 20.0),
		    i < 3 ? 0 : VG_ELIMIT);
		item_free(&it);
	}
	ck_assert(!vg_learnq_wait_idle(q, 50)); /* held with jobs waiting */
	ck_assert_int_eq(vg_bayes_stats(b, &bs), 0);
	ck_assert_uint_eq(bs.nspam, 0);
	vg_learnq_stats(q, &st);
	ck_assert_uint_eq(st.pushed, 3);
	ck_assert_uint_eq(st.dropped, 2);
	/* Released: all three learned. */
	vg_learnq_hold(q, false);
	ck_assert(vg_learnq_wait_idle(q, 60000));
	ck_assert_int_eq(vg_bayes_stats(b, &bs), 0);
	ck_assert_uint_eq(bs.nspam, 3);
	/* The same spam again: already learned, counted as done. */
	{
		struct item it = {0};

		item_load(&it, b, spam.v[0]);
		ck_assert_int_eq(
		    vg_learnq_push(q, it.t, it.d, VG_BAYES_SPAM, "", 20.0), 0);
		item_free(&it);
	}
	ck_assert(vg_learnq_wait_idle(q, 60000));
	ck_assert_int_eq(vg_bayes_stats(b, &bs), 0);
	ck_assert_uint_eq(bs.nspam, 3);
	vg_learnq_stats(q, &st);
	ck_assert_uint_eq(st.learned, 4);
	ck_assert_uint_eq(st.failed, 0);
	/* Queued when the queue is freed: learned before it goes. */
	vg_learnq_hold(q, true);
	for (size_t i = 0; i < 2; i++) {
		struct item it = {0};

		item_load(&it, b, ham.v[i]);
		ck_assert_int_eq(
		    vg_learnq_push(q, it.t, it.d, VG_BAYES_HAM, "Q2", -3.0), 0);
		item_free(&it);
	}
	vg_learnq_free(q);
	ck_assert_int_eq(vg_bayes_stats(b, &bs), 0);
	ck_assert_uint_eq(bs.nham, 2);
	files_free(&spam);
	files_free(&ham);
	vg_bayes_close(b);
	vg_conf_free(conf);
}
END_TEST

/*
 * Tokens that expired (bayes_token_ttl) while a message stayed learned:
 * forgetting it takes back only what is there, so no count goes below 0
 * or borrows from the other class.
 */
START_TEST(test_bayes_forget_after_expiry)
{
	struct vg_conf *conf = conf_with(1, 1);
	struct vg_store *store = NULL;
	struct vg_bayes *b = open_db(conf, &store, &vg_store_mem_ops);
	struct files ham, spam;
	struct item it = {0};
	struct vg_store_key *keys;
	unsigned char(*kb)[10];
	int64_t *v;
	bool *found;

	list_set(&ham, "ham", "easy_ham");
	list_set(&spam, "spam", "spam");
	learn(b, ham.v[0], VG_BAYES_HAM, false, VG_BAYES_LEARNED);
	now_ms += 2ULL * 24 * 3600 * 1000; /* past the 1 d TTL */
	learn(b, spam.v[0], VG_BAYES_SPAM, false, VG_BAYES_LEARNED);
	learn(b, ham.v[0], VG_BAYES_HAM, true, VG_BAYES_FORGOTTEN);
	/* Every token of the ham message: missing, or >= 0 ham. */
	item_load(&it, b, ham.v[0]);
	keys = calloc(it.t->n, sizeof(*keys));
	kb = calloc(it.t->n, sizeof(*kb));
	v = calloc(it.t->n, sizeof(*v));
	found = calloc(it.t->n, sizeof(*found));
	ck_assert(keys && kb && v && found);
	for (size_t i = 0; i < it.t->n; i++) {
		kb[i][0] = 'B';
		kb[i][1] = 't';
		for (int k = 0; k < 8; k++)
			kb[i][2 + k] =
			    (unsigned char)(it.t->v[i] >> (56 - 8 * k));
		keys[i] = (struct vg_store_key){kb[i], 10};
	}
	for (size_t off = 0; off < it.t->n; off += VG_STORE_BATCH_MAX) {
		size_t m = it.t->n - off < VG_STORE_BATCH_MAX
		    ? it.t->n - off
		    : VG_STORE_BATCH_MAX;

		ck_assert_int_eq(vg_store_get_many(store, v + off, found + off,
		                     keys + off, m),
		    0);
	}
	for (size_t i = 0; i < it.t->n; i++)
		if (found[i]) {
			ck_assert_int_ge(v[i], 0);
			/* Only spam left: the ham half is 0. */
			ck_assert_int_eq(v[i] & 0xffffffff, 0);
		}
	item_free(&it);
	free(keys);
	free(kb);
	free(v);
	free(found);
	files_free(&ham);
	files_free(&spam);
	vg_bayes_close(b);
	vg_store_unref(store);
	vg_conf_free(conf);
}
END_TEST

/*
 * A store that fails (Redis down) is an error from learn and classify,
 * and a message whose learning failed is not recorded as learned:
 * learning it again once the store is back counts it.
 */
START_TEST(test_bayes_store_down)
{
	struct vg_conf *conf = conf_with(1, 1);
	struct vg_bayes *b;
	struct files spam;
	struct item it = {0};
	struct vg_bayes_score sc;
	enum vg_bayes_learned what;

	down_ops = vg_store_mem_ops;
	down_ops.incr_many = down_incr_many;
	down_ops.get_many = down_get_many;
	b = open_db(conf, NULL, &down_ops);
	list_set(&spam, "spam", "spam");
	item_load(&it, b, spam.v[0]);
	store_down = true;
	ck_assert_int_eq(
	    vg_bayes_learn(b, it.t, it.d, VG_BAYES_SPAM, false, &what),
	    VG_ETEMP);
	ck_assert_int_eq(vg_bayes_classify(b, it.t, &sc), VG_ETEMP);
	ck_assert(!sc.ready);
	store_down = false;
	ck_assert_int_eq(
	    vg_bayes_learn(b, it.t, it.d, VG_BAYES_SPAM, false, &what), 0);
	ck_assert_int_eq(what, VG_BAYES_LEARNED);
	ck_assert_int_eq(vg_bayes_classify(b, it.t, &sc), 0);
	ck_assert_uint_eq(sc.nspam, 1);
	item_free(&it);
	files_free(&spam);
	vg_bayes_close(b);
	vg_conf_free(conf);
}
END_TEST

static Suite *
bayes_suite(void)
{
	Suite *s = suite_create("bayes");
	TCase *tc = tcase_create("db");

	if (vg_text_global_init() != 0)
		abort();
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_bayes_learn_moves_and_forget_restores);
	tcase_add_test(tc, test_bayes_idempotent_and_moved);
	tcase_add_test(tc, test_bayes_min_messages);
	tcase_add_test(tc, test_bayes_newer_refused);
	tcase_add_test(tc, test_bayes_forget_after_expiry);
	tcase_add_test(tc, test_bayes_store_down);
	tcase_add_test(tc, test_bayes_learnq);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(bayes_suite)
