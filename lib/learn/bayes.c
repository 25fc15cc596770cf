/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bayes - the classifier's database over a store (bayes.h): the key
 * layout, learning, forgetting and classifying.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/scratch.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/log.h"
#include "learn/bayes.h"
#include "learn/snapshot.h"
#include "message/hdr.h"
#include "message/msg.h"
#include "message/text.h"
#include "store/store.h"

#define KEY_TOKEN_LEN 10 /* "Bt" + 8 bytes */
#define HAM_MASK      0xffffffffULL
#define SPAM_ONE      ((int64_t)1 << 32)

struct vg_bayes {
	struct vg_store *store;
	struct vg_token_limits lim;
	struct vg_text_limits tlim; /* decoding, for vg_bayes_tokenize_msg */
	struct vg_chi2_params params;
	uint64_t min_spam, min_ham;
	uint64_t token_ttl_ms;
	atomic_bool marked; /* "Bv" written by this handle */
	atomic_bool dated;  /* "Bc" known to be there */
	/*
	 * The snapshot (snapshot.h): snap_path NULL when there is none
	 * (Redis, bayes_snapshot_interval = 0).  snap is the mapping in
	 * use, swapped under snap_mu; the builder thread (started at the
	 * first message that finds it stale, anew after a fork) rebuilds
	 * it at most every snap_interval_ms, never on a read-only handle.
	 */
	char *snap_path;
	uint64_t snap_interval_ms;
	atomic_size_t snap_max_entries;
	bool read_only;
	pthread_mutex_t snap_mu;
	pthread_cond_t snap_cv;
	struct vg_snap *snap;
	bool stale_said;       /* the stale snapshot's log line given */
	bool snap_started;     /* the thread runs (in snap_pid) */
	bool snap_stopping;    /* vg_bayes_close(): leave */
	bool snap_poked;       /* a message found the snapshot stale */
	atomic_bool snap_stop; /* tells a build in progress to stop */
	pid_t snap_pid;
	pthread_t snap_thread;
	uint64_t snap_built_ms; /* last build by this handle (monotonic) */
};

/* The counters a snapshot is checked against, in this order. */
static const char *const id_keys[4] = {"Bns", "Bnh", "Bg", "Bc"};

/*
 * Per-call scratch: the keys of one batch and what came back, sized to
 * the message (at most VG_STORE_GET_MAX to read, VG_STORE_BATCH_MAX to
 * write), so the per-message path does
 * not map a worst-case block each time.
 */
struct batch {
	unsigned char (*keybuf)[KEY_TOKEN_LEN];
	struct vg_store_key *keys;
	int64_t *values;
	int64_t *deltas;
	bool *found;
	size_t cap;
};

/* batch_free - what batch_new allocated; a zeroed batch is a no-op */
static void
batch_free(struct batch *bt)
{
	vg_free(bt->keybuf);
	vg_free(bt->keys);
	vg_free(bt->values);
	vg_free(bt->deltas);
	vg_free(bt->found);
}

/*
 * batch_new - room for n keys, cut to max (VG_STORE_GET_MAX to read,
 * VG_STORE_BATCH_MAX to write); VG_ENOMEM
 */
static int
batch_new(struct batch *bt, size_t n, size_t max)
{
	memset(bt, 0, sizeof(*bt));
	bt->cap = n == 0 ? 1 : n < max ? n : max;
	if ((bt->keybuf = vg_calloc(bt->cap, sizeof(*bt->keybuf))) == NULL ||
	    (bt->keys = vg_calloc(bt->cap, sizeof(*bt->keys))) == NULL ||
	    (bt->values = vg_calloc(bt->cap, sizeof(*bt->values))) == NULL ||
	    (bt->deltas = vg_calloc(bt->cap, sizeof(*bt->deltas))) == NULL ||
	    (bt->found = vg_calloc(bt->cap, sizeof(*bt->found))) == NULL) {
		batch_free(bt);
		return VG_ENOMEM;
	}
	return 0;
}

/* token_key - "Bt" + h big-endian into buf, as a key */
static struct vg_store_key
token_key(unsigned char buf[KEY_TOKEN_LEN], uint64_t h)
{
	buf[0] = 'B';
	buf[1] = 't';
	for (int i = 0; i < 8; i++)
		buf[2 + i] = (unsigned char)(h >> (56 - 8 * i));
	return (struct vg_store_key){buf, KEY_TOKEN_LEN};
}

/* unpack - a token counter's two counts; a negative one reads as none */
static void
unpack(int64_t v, uint64_t *spam, uint64_t *ham)
{
	if (v < 0) {
		*spam = *ham = 0;
		return;
	}
	*spam = (uint64_t)v >> 32;
	*ham = (uint64_t)v & HAM_MASK;
}

/* bayes_init - the parameters from conf (NULL: the defaults) */
static void
bayes_init(struct vg_bayes *b, const struct vg_conf *conf)
{
	vg_token_limits_default(&b->lim);
	vg_text_limits_from_conf(&b->tlim, conf);
	vg_chi2_params_default(&b->params);
	b->min_spam = b->min_ham = 200;
	b->token_ttl_ms = 180ULL * 24 * 3600 * 1000;
	if (conf == NULL)
		return;
	b->lim.max_text_bytes = (size_t)conf->bayes_max_text_bytes;
	b->lim.max_tokens = conf->bayes_max_tokens;
	b->min_spam = conf->bayes_min_spam;
	b->min_ham = conf->bayes_min_ham;
	b->token_ttl_ms = conf->bayes_token_ttl_ms;
	b->snap_interval_ms = conf->bayes_snapshot_interval_ms;
}

/* check_version - refuse a database of a newer layout; mark a new one */
static int
check_version(struct vg_bayes *b, const char *what, struct vg_err *err)
{
	int64_t v;
	bool found;
	int rc;

	rc = vg_store_get(b->store, &v, &found, vg_store_key_str("Bv"));
	if (rc == VG_ETEMP)
		return 0; /* Redis is down now: each message will say so */
	if (rc != 0) {
		vg_err_add(err, what, 0,
		    "cannot read the classifier database: %s", vg_strerror(rc));
		return VG_ECONFIG;
	}
	if (found && v > VG_BAYES_VERSION) {
		vg_err_add(err, what, 0,
		    "classifier database version %lld is newer than this "
		    "Vigil's (%d): not used",
		    (long long)v, VG_BAYES_VERSION);
		return VG_ECONFIG;
	}
	if (found && v < VG_BAYES_VERSION_MIN) {
		vg_err_add(err, what, 0,
		    "classifier database version %lld is older than this "
		    "Vigil's (%d), which counts word pairs under other keys: "
		    "not used; learn again into a new bayes_path (or an "
		    "empty Redis database)",
		    (long long)v, VG_BAYES_VERSION);
		return VG_ECONFIG;
	}
	return 0;
}

/* vg_bayes_open_store - over a store the caller opened */
int
vg_bayes_open_store(struct vg_bayes **out, struct vg_store *store,
    const struct vg_conf *conf, struct vg_err *err)
{
	struct vg_bayes *b;
	int rc;

	*out = NULL;
	if ((b = vg_calloc(1, sizeof(*b))) == NULL)
		return VG_ENOMEM;
	bayes_init(b, conf);
	atomic_init(&b->snap_max_entries, VG_SNAP_MAX_ENTRIES);
	if (pthread_mutex_init(&b->snap_mu, NULL) != 0) {
		vg_free(b);
		return VG_ENOMEM;
	}
	if (pthread_cond_init(&b->snap_cv, NULL) != 0) {
		pthread_mutex_destroy(&b->snap_mu);
		vg_free(b);
		return VG_ENOMEM;
	}
	b->store = vg_store_ref(store);
	if ((rc = check_version(b, vg_store_name(store), err)) != 0) {
		vg_bayes_close(b);
		return rc;
	}
	*out = b;
	return 0;
}

/* vg_bayes_use_snapshot - see bayes.h */
int
vg_bayes_use_snapshot(struct vg_bayes *b, const char *path, bool read_only)
{
	struct vg_snap *s = NULL;
	bool missing;

	if (b->snap_interval_ms == 0 || path == NULL)
		return 0;
	if ((b->snap_path = vg_strdup(path)) == NULL)
		return VG_ENOMEM;
	b->read_only = read_only;
	if (vg_snap_open(&s, b->snap_path, &missing) == 0)
		b->snap = s;
	return 0;
}

/* vg_bayes_open - the database conf names */
int
vg_bayes_open(struct vg_bayes **out, const struct vg_conf *conf, bool read_only,
    struct vg_err *err)
{
	struct vg_store_opts opts = {0};
	struct vg_store *store = NULL;
	struct vg_log_capture cap;
	const char *where;
	int rc;

	*out = NULL;
	if (strcmp(conf->bayes_store, "redis") == 0) {
		opts.location = conf->redis;
		opts.password = conf->redis_password[0] != '\0'
		    ? conf->redis_password
		    : NULL;
		opts.db = conf->redis_db;
		opts.timeout_ms = (unsigned)conf->redis_timeout_ms;
		where = conf->redis;
	} else {
		opts.location = conf->bayes_path;
		opts.max_bytes = conf->bayes_max_size;
		opts.read_only = read_only;
		/* Evicted tokens move the learn generation (bayes.h). */
		opts.evict_mark = "Bg";
		where = conf->bayes_path;
	}
	/* The store's own complaint becomes part of our one line. */
	vg_log_capture_begin(&cap);
	rc = vg_store_new(&store, conf->bayes_store, &opts);
	vg_log_capture_end();
	if (rc == VG_ENOMEM)
		return rc;
	if (rc != 0) {
		vg_err_add(err, where, 0,
		    "cannot open the classifier database (%s): %s",
		    conf->bayes_store,
		    cap.line[0] != '\0' ? cap.line : vg_strerror(rc));
		return VG_ECONFIG;
	}
	if (cap.line[0] != '\0')
		vg_warn("%s", cap.line); /* opened, with a warning */
	rc = vg_bayes_open_store(out, store, conf, err);
	vg_store_unref(store);
	if (rc == 0 && strcmp(conf->bayes_store, "lmdb") == 0) {
		char path[4096];

		if ((size_t)snprintf(path, sizeof(path), "%s.snap",
		        conf->bayes_path) < sizeof(path) &&
		    (rc = vg_bayes_use_snapshot(*out, path, read_only)) != 0) {
			vg_bayes_close(*out);
			*out = NULL;
		}
	}
	return rc;
}

/* vg_bayes_close - drop the store reference and free */
void
vg_bayes_close(struct vg_bayes *b)
{
	if (b == NULL)
		return;
	pthread_mutex_lock(&b->snap_mu);
	b->snap_stopping = true;
	atomic_store(&b->snap_stop, true);
	pthread_cond_broadcast(&b->snap_cv);
	pthread_mutex_unlock(&b->snap_mu);
	if (b->snap_started && b->snap_pid == getpid())
		(void)pthread_join(b->snap_thread, NULL);
	vg_snap_unref(b->snap);
	vg_free(b->snap_path);
	pthread_cond_destroy(&b->snap_cv);
	pthread_mutex_destroy(&b->snap_mu);
	vg_store_unref(b->store);
	vg_free(b);
}

/* vg_bayes_limits - the token limits */
const struct vg_token_limits *
vg_bayes_limits(const struct vg_bayes *b)
{
	return &b->lim;
}

/* vg_bayes_tokenize_msg - decode and tokenize one message */
int
vg_bayes_tokenize_msg(
    const struct vg_bayes *b, const struct vg_msg *msg, struct vg_tokens **out)
{
	struct vg_text *text = NULL;
	int rc;

	*out = NULL;
	if ((rc = vg_text_build(&text, msg, &b->tlim)) != 0)
		return rc;
	rc = vg_tokenize(out, text, &b->lim);
	vg_text_free(text);
	return rc;
}

/* fnv - FNV-1a over len bytes, continuing from h */
static uint64_t
fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* vg_bayes_digest - Message-ID and body, 128 bits */
void
vg_bayes_digest(uint8_t out[16], const struct vg_msg *msg)
{
	const struct vg_header *mid = vg_msg_header_find(msg, "Message-ID", 0);
	const unsigned char *raw;
	size_t len, off;
	uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;

	if (mid != NULL) {
		a = fnv(a, mid->value, mid->value_len);
		b = fnv(b, mid->value, mid->value_len);
	}
	a = fnv(a, "\n", 1);
	b = fnv(b, "\r", 1);
	raw = vg_msg_raw(msg, &len);
	off = vg_msg_body_offset(msg);
	if (raw != NULL && off < len) {
		a = fnv(a, raw + off, len - off);
		b = fnv(b, raw + off, len - off);
	}
	for (int i = 0; i < 8; i++) {
		out[i] = (uint8_t)(a >> (56 - 8 * i));
		out[8 + i] = (uint8_t)(b >> (56 - 8 * i));
	}
}

/* counts - the message counters (0 when missing) */
static int
counts(struct vg_bayes *b, uint64_t *nspam, uint64_t *nham)
{
	struct vg_store_key keys[2] = {
	    vg_store_key_str("Bns"), vg_store_key_str("Bnh")};
	int64_t v[2];
	bool found[2];
	int rc;

	*nspam = *nham = 0;
	if ((rc = vg_store_get_many(b->store, v, found, keys, 2)) != 0)
		return rc;
	*nspam = v[0] > 0 ? (uint64_t)v[0] : 0;
	*nham = v[1] > 0 ? (uint64_t)v[1] : 0;
	return 0;
}

/* read_id - the store's counters a snapshot is checked against */
static int
read_id(struct vg_bayes *b, struct vg_snap_id *id)
{
	struct vg_store_key keys[4];
	int64_t v[4];
	bool found[4];
	int rc;

	for (size_t i = 0; i < 4; i++)
		keys[i] = vg_store_key_str(id_keys[i]);
	memset(id, 0, sizeof(*id));
	if ((rc = vg_store_get_many(b->store, v, found, keys, 4)) != 0)
		return rc;
	id->nspam = v[0];
	id->nham = v[1];
	id->gen = v[2];
	id->created = v[3];
	return 0;
}

/* same_state - does the snapshot copy the state the store is in */
static bool
same_state(const struct vg_snap_id *a, const struct vg_snap_id *b)
{
	return a->gen == b->gen && a->created == b->created &&
	    a->nspam == b->nspam && a->nham == b->nham;
}

/* snap_current - the mapping in use, with a reference; NULL: none */
static struct vg_snap *
snap_current(struct vg_bayes *b)
{
	struct vg_snap *s = NULL;

	if (b->snap_path == NULL)
		return NULL;
	pthread_mutex_lock(&b->snap_mu);
	if (b->snap != NULL)
		s = vg_snap_ref(b->snap);
	pthread_mutex_unlock(&b->snap_mu);
	return s;
}

/* snap_swap - use s (a reference given) from now on */
static void
snap_swap(struct vg_bayes *b, struct vg_snap *s)
{
	struct vg_snap *old;

	pthread_mutex_lock(&b->snap_mu);
	old = b->snap;
	b->snap = s;
	b->stale_said = false;
	pthread_mutex_unlock(&b->snap_mu);
	vg_snap_unref(old);
}

/*
 * snap_refresh - make the snapshot in use match the store if it can: a
 * newer file (another process built it) is mapped; else, when build is
 * true, one is built.  0, or the failure (logged by snapshot.c).
 */
static int
snap_refresh(struct vg_bayes *b, bool build)
{
	struct vg_snap_id now, have;
	struct vg_snap *s = NULL, *cur;
	bool same = false, missing;
	int rc;

	if ((rc = read_id(b, &now)) != 0)
		return rc;
	if ((cur = snap_current(b)) != NULL) {
		vg_snap_id(cur, &have);
		same = same_state(&have, &now);
		vg_snap_unref(cur);
	}
	if (same)
		return 0;
	if (vg_snap_open(&s, b->snap_path, &missing) == 0) {
		vg_snap_id(s, &have);
		if (same_state(&have, &now) || !build) {
			snap_swap(b, s);
			return 0;
		}
		vg_snap_unref(s);
	}
	if (!build)
		return 0;
	rc = vg_snap_build(b->store, b->snap_path,
	    atomic_load(&b->snap_max_entries), &b->snap_stop, NULL);
	if (rc != 0)
		return rc;
	if ((rc = vg_snap_open(&s, b->snap_path, NULL)) != 0)
		return rc;
	snap_swap(b, s);
	return 0;
}

/* snap_thread - rebuild the snapshot when a message found it stale */
static void *
snap_thread(void *arg)
{
	struct vg_bayes *b = arg;
	int rc;

	pthread_mutex_lock(&b->snap_mu);
	while (!b->snap_stopping) {
		uint64_t now = vg_clock_ms();
		uint64_t due = b->snap_built_ms + b->snap_interval_ms;

		if (!b->snap_poked || (b->snap_built_ms != 0 && now < due)) {
			struct timespec ts;
			uint64_t wait = b->snap_poked ? due - now : 3600000;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)(wait / 1000);
			ts.tv_nsec += (long)(wait % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			(void)pthread_cond_timedwait(
			    &b->snap_cv, &b->snap_mu, &ts);
			continue;
		}
		b->snap_poked = false;
		b->snap_built_ms = now;
		pthread_mutex_unlock(&b->snap_mu);
		rc = snap_refresh(b, true);
		if (rc != 0 && rc != VG_ETEMP)
			vg_warn("classifier snapshot %s: not rebuilt: %s",
			    b->snap_path, vg_strerror(rc));
		pthread_mutex_lock(&b->snap_mu);
	}
	pthread_mutex_unlock(&b->snap_mu);
	return NULL;
}

/*
 * snap_poke - a message found the snapshot stale or missing: say so once
 * per snapshot, and wake (or start) the builder
 */
static void
snap_poke(struct vg_bayes *b, bool had)
{
	pthread_mutex_lock(&b->snap_mu);
	if (had && !b->stale_said) {
		vg_info("classifier snapshot %s: stale (learned since): "
		        "reading the database until it is rebuilt",
		    b->snap_path);
		b->stale_said = true;
	}
	if (b->read_only || b->snap_stopping) {
		pthread_mutex_unlock(&b->snap_mu);
		return;
	}
	/* Forked since the thread started: start anew. */
	if (b->snap_started && b->snap_pid != getpid())
		b->snap_started = false;
	if (!b->snap_started) {
		if (pthread_create(&b->snap_thread, NULL, snap_thread, b) !=
		    0) {
			vg_warn("classifier snapshot %s: cannot start its "
			        "thread: %s",
			    b->snap_path, strerror(errno));
			b->read_only = true; /* said once */
		} else {
			b->snap_started = true;
			b->snap_pid = getpid();
		}
	}
	if (!b->snap_poked) {
		b->snap_poked = true;
		pthread_cond_signal(&b->snap_cv);
	}
	pthread_mutex_unlock(&b->snap_mu);
}

/* vg_bayes_snapshot - see bayes.h */
int
vg_bayes_snapshot(struct vg_bayes *b, bool force)
{
	struct stat sb;
	struct vg_snap_id id;
	int rc;

	if (b->snap_path == NULL)
		return VG_EINVAL;
	if (!force && stat(b->snap_path, &sb) == 0 &&
	    vg_clock_wall_ms() <
	        (uint64_t)sb.st_mtime * 1000 + b->snap_interval_ms)
		return 0; /* built lately: the milter rebuilds it */
	if ((rc = vg_snap_build(b->store, b->snap_path,
	         atomic_load(&b->snap_max_entries), NULL, &id)) != 0)
		return rc;
	return snap_refresh(b, false);
}

/* vg_bayes_set_snapshot_max - see bayes.h */
void
vg_bayes_set_snapshot_max(struct vg_bayes *b, size_t max_entries)
{
	atomic_store(&b->snap_max_entries, max_entries);
}

/* vg_bayes_tokenize_text - unordered with a snapshot, else sorted */
int
vg_bayes_tokenize_text(
    struct vg_bayes *b, const struct vg_text *text, struct vg_tokens **out)
{
	struct vg_snap *s = snap_current(b);

	if (s != NULL) {
		vg_snap_unref(s);
		return vg_tokenize_set(out, text, &b->lim);
	}
	return vg_tokenize(out, text, &b->lim);
}

/*
 * classify_snap - the counts from the snapshot s when it copies the state
 * the store is in now (*used true), else *used false (the caller reads
 * the store).  Silent below the minimums, as the store path.
 */
static int
classify_snap(struct vg_bayes *b, struct vg_snap *s, const struct vg_tokens *t,
    struct vg_bayes_score *out, bool *used)
{
	struct vg_snap_id now, have;
	struct vg_chi2_token *tok = NULL;
	struct vg_chi2_result res;
	int64_t values[256];
	bool found[256];
	uint64_t clock;
	size_t n = 0, cap = 0;
	int rc;

	*used = false;
	if ((rc = read_id(b, &now)) != 0)
		return rc;
	vg_snap_id(s, &have);
	if (!same_state(&have, &now))
		return 0;
	*used = true;
	out->snapshot = true;
	out->nspam = now.nspam > 0 ? (uint64_t)now.nspam : 0;
	out->nham = now.nham > 0 ? (uint64_t)now.nham : 0;
	if (out->nspam < b->min_spam || out->nham < b->min_ham)
		return 0;
	/* A scratch buffer of this thread's.  The tokens may be in no
	 * order (vg_tokenize_set()): chi2 orders the few it keeps. */
	if ((tok = vg_scratch_get(
	         VG_SCRATCH_COUNTS, (t->n + 1) * sizeof(*tok), &cap)) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	clock = vg_store_now(b->store);
	for (size_t off = 0; off < t->n; off += 256) {
		size_t m = t->n - off < 256 ? t->n - off : 256;

		vg_snap_get_many(s, t->v + off, m, clock, values, found);
		for (size_t i = 0; i < m; i++) {
			if (!found[i])
				continue;
			unpack(values[i], &tok[n].spam, &tok[n].ham);
			tok[n].order = t->v[off + i];
			if (tok[n].spam + tok[n].ham > 0)
				n++;
		}
	}
	out->known = n;
	rc = vg_chi2_score(&res, tok, n, out->nspam, out->nham, &b->params);
	if (rc != 0)
		goto out;
	out->ready = true;
	out->prob = res.prob;
	out->margin = res.margin;
	out->used = res.used;
out:
	vg_scratch_put(VG_SCRATCH_COUNTS, tok, cap);
	return rc;
}

/*
 * vg_bayes_classify - read the message counts and the tokens' counts (one
 * get_many, so one round trip to Redis, for up to VG_STORE_GET_MAX - 2
 * tokens: more than bayes_max_tokens allows) and combine them
 */
int
vg_bayes_classify(
    struct vg_bayes *b, const struct vg_tokens *t, struct vg_bayes_score *out)
{
	size_t total = t->n + 2, cap, n = 0;
	struct vg_chi2_token *tok = NULL;
	struct vg_chi2_result res;
	const uint64_t *v;
	uint64_t *owned = NULL;
	struct batch bt;
	int rc;

	memset(out, 0, sizeof(*out));
	out->prob = 0.5;
	out->ntokens = t->n;
	if (b->snap_path != NULL) {
		struct vg_snap *s = snap_current(b);
		bool used = false;

		if (s != NULL) {
			rc = classify_snap(b, s, t, out, &used);
			vg_snap_unref(s);
			if (rc != 0 || used)
				return rc;
		}
		snap_poke(b, s != NULL);
	}
	if ((rc = batch_new(&bt, total, VG_STORE_GET_MAX)) != 0)
		return rc;
	cap = bt.cap;
	rc = VG_ENOMEM;
	/* The store is read in key order (LMDB walks it with one cursor). */
	if ((v = vg_tokens_ordered(t, &owned)) == NULL && t->n > 0)
		goto out;
	if ((tok = vg_calloc(t->n + 1, sizeof(*tok))) == NULL)
		goto out;
	/* Slots 0 and 1 of the first batch: the message counts. */
	for (size_t off = 0; off < total; off += cap) {
		size_t m = total - off < cap ? total - off : cap;

		for (size_t i = 0; i < m; i++) {
			size_t slot = off + i;

			if (slot < 2)
				bt.keys[i] =
				    vg_store_key_str(slot == 0 ? "Bns" : "Bnh");
			else
				bt.keys[i] =
				    token_key(bt.keybuf[i], v[slot - 2]);
		}
		if ((rc = vg_store_get_many(
		         b->store, bt.values, bt.found, bt.keys, m)) != 0)
			goto out;
		for (size_t i = 0; i < m; i++) {
			size_t slot = off + i;

			if (slot < 2) {
				uint64_t c = bt.values[i] > 0
				    ? (uint64_t)bt.values[i]
				    : 0;

				*(slot == 0 ? &out->nspam : &out->nham) = c;
				continue;
			}
			if (!bt.found[i])
				continue;
			unpack(bt.values[i], &tok[n].spam, &tok[n].ham);
			tok[n].order = v[slot - 2];
			if (tok[n].spam + tok[n].ham > 0)
				n++;
		}
		/* Silent: the first batch said so; read no more. */
		if (out->nspam < b->min_spam || out->nham < b->min_ham) {
			rc = 0;
			goto out;
		}
	}
	out->known = n;
	rc = vg_chi2_score(&res, tok, n, out->nspam, out->nham, &b->params);
	if (rc != 0)
		goto out;
	out->ready = true;
	out->prob = res.prob;
	out->margin = res.margin;
	out->used = res.used;
out:
	vg_free(owned);
	vg_free(tok);
	batch_free(&bt);
	return rc;
}

/*
 * apply - add (sign 1) or take back (sign -1) the message's tokens in
 * class cls.  Taking back reads the counts first and subtracts only from
 * tokens that still hold one of that class, so an expired token never
 * goes negative (nor borrows from the other count).
 */
static int
apply_v(struct vg_bayes *b, const uint64_t *v, size_t n,
    enum vg_bayes_class cls, int sign, struct batch *bt)
{
	int64_t unit = cls == VG_BAYES_SPAM ? SPAM_ONE : 1;
	struct vg_store_key ckeys[2] = {
	    vg_store_key_str(cls == VG_BAYES_SPAM ? "Bns" : "Bnh"),
	    vg_store_key_str("Bg")};
	int64_t cdeltas[2] = {sign, 1};
	size_t chunk = bt->cap - 1; /* and "Bg" */
	int rc;

	for (size_t off = 0; off < n; off += chunk) {
		size_t m = n - off < chunk ? n - off : chunk;
		size_t k = 0;

		for (size_t i = 0; i < m; i++)
			bt->keys[i] = token_key(bt->keybuf[i], v[off + i]);
		if (sign > 0) {
			for (size_t i = 0; i < m; i++)
				bt->deltas[i] = unit;
			k = m;
		} else {
			rc = vg_store_get_many(
			    b->store, bt->values, bt->found, bt->keys, m);
			if (rc != 0)
				return rc;
			for (size_t i = 0; i < m; i++) {
				uint64_t s, h;

				unpack(bt->values[i], &s, &h);
				if (!bt->found[i] ||
				    (cls == VG_BAYES_SPAM ? s : h) == 0)
					continue;
				bt->keys[k] = bt->keys[i];
				bt->deltas[k++] = -unit;
			}
		}
		if (k == 0)
			continue;
		/*
		 * The learn generation moves in the same write as the
		 * counts (a snapshot copies one generation).  A token taken
		 * back keeps its TTL; one learned gets a new one (it was
		 * seen now).  "Bg" gets that TTL too: it lapses only
		 * when nothing was learned for bayes_token_ttl.
		 */
		bt->keys[k] = vg_store_key_str("Bg");
		bt->deltas[k++] = 1;
		rc = vg_store_incr_many(b->store, NULL, bt->keys, bt->deltas, k,
		    sign > 0 ? b->token_ttl_ms : 0);
		if (rc != 0) {
			/* A write that failed may have reclaimed room
			 * (store_lmdb.c), which moved "Bg" already when it
			 * evicted tokens; one more move costs a rebuild. */
			(void)vg_store_incr(b->store, NULL, ckeys[1], 1, 0);
			return rc;
		}
	}
	return vg_store_incr_many(b->store, NULL, ckeys, cdeltas, 2, 0);
}

/* apply - apply_v() over t's values in key order (the store's) */
static int
apply(struct vg_bayes *b, const struct vg_tokens *t, enum vg_bayes_class cls,
    int sign, struct batch *bt)
{
	uint64_t *owned = NULL;
	const uint64_t *v = vg_tokens_ordered(t, &owned);
	int rc;

	if (v == NULL && t->n > 0)
		return VG_ENOMEM;
	rc = apply_v(b, v, t->n, cls, sign, bt);
	vg_free(owned);
	return rc;
}

/* vg_bayes_learn - learn, move or forget one message */
int
vg_bayes_learn(struct vg_bayes *b, const struct vg_tokens *t,
    const uint8_t d[16], enum vg_bayes_class cls, bool forget,
    enum vg_bayes_learned *what)
{
	unsigned char mkey[18] = {'B', 'm'};
	struct vg_store_key key = {mkey, sizeof(mkey)};
	struct batch bt;
	int64_t prev;
	bool found;
	int rc;

	memcpy(mkey + 2, d, 16);
	*what = VG_BAYES_NOT_LEARNED;
	if ((rc = vg_store_get(b->store, &prev, &found, key)) != 0)
		return rc;
	if (!found)
		prev = 0;
	if (forget && prev == 0)
		return 0;
	if (!forget && prev == cls) {
		*what = VG_BAYES_ALREADY;
		return 0;
	}
	if ((rc = batch_new(&bt, t->n + 1, VG_STORE_BATCH_MAX)) != 0)
		return rc;
	/*
	 * First the version mark, so a new database says what it is (once
	 * per handle: each write is a commit, an fsync with LMDB).
	 */
	if (!atomic_load(&b->marked)) {
		if ((rc = vg_store_set(b->store, vg_store_key_str("Bv"),
		         VG_BAYES_VERSION, 0)) != 0)
			goto out;
		atomic_store(&b->marked, true);
	}
	if (prev != 0) {
		/*
		 * Forget the old class first; the record goes last, so a
		 * failure half-way leaves the message recorded as it was
		 * and learning it again repeats what is missing.
		 */
		rc = apply(
		    b, t, prev > 0 ? VG_BAYES_SPAM : VG_BAYES_HAM, -1, &bt);
		if (rc != 0)
			goto out;
		if (forget) {
			rc = vg_store_del(b->store, NULL, key);
			if (rc == 0)
				*what = VG_BAYES_FORGOTTEN;
			goto out;
		}
	}
	if ((rc = apply(b, t, cls, 1, &bt)) != 0)
		goto out;
	if ((rc = vg_store_set(b->store, key, cls, 0)) != 0)
		goto out;
	if (!atomic_load(&b->dated)) {
		int64_t created;
		bool have;

		if (vg_store_get(b->store, &created, &have,
		        vg_store_key_str("Bc")) == 0 &&
		    !have)
			(void)vg_store_set(b->store, vg_store_key_str("Bc"),
			    (int64_t)vg_store_now(b->store), 0);
		atomic_store(&b->dated, true);
	}
	*what = prev != 0 ? VG_BAYES_MOVED : VG_BAYES_LEARNED;
out:
	batch_free(&bt);
	return rc;
}

/* vg_bayes_stats - messages per class, age, the store's size */
int
vg_bayes_stats(struct vg_bayes *b, struct vg_bayes_stats *out)
{
	struct vg_store_stats st;
	int64_t created;
	bool found;
	int rc;

	memset(out, 0, sizeof(*out));
	out->store = vg_store_name(b->store);
	if ((rc = counts(b, &out->nspam, &out->nham)) != 0)
		return rc;
	if ((rc = vg_store_get(
	         b->store, &created, &found, vg_store_key_str("Bc"))) != 0)
		return rc;
	out->created_ms = found && created > 0 ? (uint64_t)created : 0;
	vg_store_stats(b->store, &st);
	out->keys = st.keys;
	out->bytes = st.bytes;
	out->max_bytes = st.max_bytes;
	return 0;
}

/* vg_bayes_learned_name - what vg_bayes_learn() did, as text */
const char *
vg_bayes_learned_name(enum vg_bayes_learned what)
{
	switch (what) {
	case VG_BAYES_LEARNED:
		return "learned";
	case VG_BAYES_ALREADY:
		return "already learned";
	case VG_BAYES_MOVED:
		return "moved";
	case VG_BAYES_FORGOTTEN:
		return "forgotten";
	case VG_BAYES_NOT_LEARNED:
		return "not learned before";
	}
	return "?";
}
