/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_store_lmdb - what the LMDB store does beyond the conformance suite
 * (test_store.c): its file outlives the handle, handles on one file in a
 * process share it, a writer process never shows a reader half a batch,
 * TTLs on an injected clock, reclaim at a full map, and files it must
 * refuse without crashing.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include "vg_check.h"
#include "base/err.h"
#include "base/log.h"
#include "store/store.h"

static char tmp_dir[64];
static char db_path[128];
static uint64_t test_now;
static char last_log[VG_LOG_LINE_MAX];
static int map_fulls; /* "map full" lines logged */

/* log_sink - keep the last line the library logged */
static void
log_sink(enum vg_log_level level, const char *line, void *ctx)
{
	(void)level;
	(void)ctx;
	(void)snprintf(last_log, sizeof(last_log), "%s", line);
	if (strstr(line, "map full") != NULL)
		map_fulls++;
	if (getenv("VG_TEST_LOG") != NULL)
		fprintf(stderr, "log: %s\n", line);
}

/* tmp_setup - a fresh directory, db_path a file in it, the clock reset */
static void
tmp_setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)snprintf(tmp_dir, sizeof(tmp_dir), "%s/vg-lmdb-XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
	(void)snprintf(db_path, sizeof(db_path), "%s/db", tmp_dir);
	test_now = 1000000;
	last_log[0] = '\0';
	vg_log_set_sink(log_sink, NULL, VG_LOG_DEBUG);
}

/* tmp_teardown - remove the directory and every file in it */
static void
tmp_teardown(void)
{
	char path[sizeof(tmp_dir) + 256 + 2];
	struct dirent *de;
	DIR *d;

	vg_log_set_sink(NULL, NULL, VG_LOG_DEBUG);
	if ((d = opendir(tmp_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(void)snprintf(
		    path, sizeof(path), "%s/%s", tmp_dir, de->d_name);
		(void)unlink(path);
	}
	(void)closedir(d);
	(void)rmdir(tmp_dir);
}

/* test_clock - the injected clock */
static uint64_t
test_clock(void *ctx)
{
	return *(const uint64_t *)ctx;
}

/* open_at - an lmdb store at path with map max_bytes, on the test clock */
static int
open_at(
    struct vg_store **out, const char *path, uint64_t max_bytes, bool read_only)
{
	struct vg_store_opts opts = {.clock = test_clock,
	    .clock_ctx = &test_now,
	    .location = path,
	    .max_bytes = max_bytes,
	    .read_only = read_only};

	return vg_store_new(out, "lmdb", &opts);
}

/* store_open - db_path, read-write, the default map */
static struct vg_store *
store_open(void)
{
	struct vg_store *store = NULL;

	ck_assert_int_eq(open_at(&store, db_path, 0, false), 0);
	return store;
}

/* K - a key over a C string */
static struct vg_store_key
K(const char *s) {
	return vg_store_key_str(s);
}

/* value - key's value, -999 when missing */
static int64_t
value(struct vg_store *store, const char *key)
{
	int64_t v;
	bool found;

	ck_assert_int_eq(vg_store_get(store, &v, &found, K(key)), 0);
	return found ? v : -999;
}

START_TEST(test_store_lmdb_reopen)
{
	struct vg_store *store = store_open();
	unsigned char long_key[VG_STORE_KEY_MAX];
	struct vg_store_key lk = {long_key, sizeof(long_key)};
	struct vg_store_stats st;
	int64_t v;
	bool found;

	memset(long_key, 'x', sizeof(long_key));
	ck_assert_int_eq(vg_store_set(store, K("a"), 42, 0), 0);
	ck_assert_int_eq(vg_store_incr(store, NULL, K("b"), -5, 60000), 0);
	ck_assert_int_eq(vg_store_incr(store, NULL, lk, 7, 0), 0);
	vg_store_unref(store);
	store = store_open();
	ck_assert_int_eq(value(store, "a"), 42);
	ck_assert_int_eq(value(store, "b"), -5);
	ck_assert_int_eq(vg_store_get(store, &v, &found, lk), 0);
	ck_assert(found && v == 7);
	/* A long key differing in its last byte is another key. */
	long_key[sizeof(long_key) - 1] = 'y';
	ck_assert_int_eq(vg_store_get(store, &v, &found, lk), 0);
	ck_assert(!found);
	vg_store_stats(store, &st);
	ck_assert_uint_eq(st.keys, 3);
	ck_assert_uint_eq(st.max_keys, 0);
	ck_assert(st.max_bytes == (uint64_t)256 << 20);
	ck_assert(st.bytes > 0 && st.bytes < st.max_bytes);
	/* The TTL is absolute: it runs out across a reopen. */
	vg_store_unref(store);
	test_now += 60000;
	store = store_open();
	ck_assert_int_eq(value(store, "b"), -999);
	vg_store_unref(store);
}
END_TEST

START_TEST(test_store_lmdb_two_handles)
{
	struct vg_store *a = store_open(), *b = NULL, *c = NULL;
	struct vg_store_stats st;
	char other[160];

	/* Another name for the same file: found by device and inode. */
	(void)snprintf(other, sizeof(other), "%s/./db", tmp_dir);
	ck_assert_int_eq(open_at(&b, other, 0, false), 0);
	ck_assert_ptr_ne(a, b);
	ck_assert_int_eq(vg_store_incr(a, NULL, K("n"), 1, 0), 0);
	ck_assert_int_eq(vg_store_incr(b, NULL, K("n"), 1, 0), 0);
	ck_assert_int_eq(value(a, "n"), 2);
	/* One environment: what one handle counts, the other sees. */
	ck_assert_int_eq(vg_store_set(a, K("e"), 1, 10), 0);
	test_now += 10;
	ck_assert_int_eq(vg_store_incr(b, NULL, K("e"), 1, 0), 0);
	vg_store_stats(a, &st);
	ck_assert_msg(st.expired == 1, "got %llu expired, want 1 (shared)",
	    (unsigned long long)st.expired);
	/* A read-only handle beside them reads, and refuses to write. */
	ck_assert_int_eq(open_at(&c, db_path, 0, true), 0);
	ck_assert_int_eq(value(c, "n"), 2);
	ck_assert_int_eq(vg_store_incr(c, NULL, K("n"), 1, 0), VG_EINVAL);
	/* The first handle goes (a reload): the others carry on. */
	vg_store_unref(a);
	ck_assert_int_eq(vg_store_incr(b, NULL, K("n"), 1, 0), 0);
	ck_assert_int_eq(value(b, "n"), 3);
	ck_assert_int_eq(value(c, "n"), 3);
	vg_store_unref(b);
	vg_store_unref(c);
	/* All closed: the file opens again. */
	a = store_open();
	ck_assert_int_eq(value(a, "n"), 3);
	vg_store_unref(a);
}
END_TEST

#define TORN_KEYS    256
#define TORN_BATCHES 400

/*
 * torn_writer - the child: TORN_BATCHES batches adding 1 to every key.
 * Half-way it waits until the reader has seen a count between 0 and
 * TORN_BATCHES (a byte on seen), so the reads overlap the writes however
 * the two processes are scheduled: on a busy machine the reader once made
 * only two reads, one before the first batch and one after the last.
 */
static int
torn_writer(struct vg_store_key *keys, int seen)
{
	char byte;
	struct vg_store_opts opts = {.location = db_path};
	int64_t deltas[TORN_KEYS];
	struct vg_store *store = NULL;

	for (int i = 0; i < TORN_KEYS; i++)
		deltas[i] = 1;
	/* Its own clock (wall, the default), its own environment. */
	if (vg_store_new(&store, "lmdb", &opts) != 0)
		return 2;
	for (int b = 0; b < TORN_BATCHES; b++) {
		if (vg_store_incr_many(
		        store, NULL, keys, deltas, TORN_KEYS, 86400000) != 0)
			return 3;
		if (b == TORN_BATCHES / 2 && read(seen, &byte, 1) != 1)
			return 4;
	}
	vg_store_unref(store);
	return 0;
}

START_TEST(test_store_lmdb_torn)
{
	static char names[TORN_KEYS][16];
	struct vg_store_key keys[TORN_KEYS];
	int64_t v[TORN_KEYS];
	bool found[TORN_KEYS];
	struct vg_store *store;
	unsigned long reads = 0, mid = 0;
	pid_t pid, done = 0;
	int status, seen[2];

	for (int i = 0; i < TORN_KEYS; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "t%08d", i * 7919);
		keys[i] = K(names[i]);
	}
	/* The file exists before either opens it; no store is open here
	 * across the fork. */
	vg_store_unref(store_open());
	ck_assert_int_eq(pipe(seen), 0);
	if ((pid = fork()) == 0) {
		close(seen[1]);
		_exit(torn_writer(keys, seen[0]));
	}
	ck_assert_int_gt(pid, 0);
	close(seen[0]);
	store = store_open();
	while (done == 0) {
		done = waitpid(pid, &status, WNOHANG);
		ck_assert_int_eq(
		    vg_store_get_many(store, v, found, keys, TORN_KEYS), 0);
		for (int i = 1; i < TORN_KEYS; i++)
			ck_assert_msg(v[i] == v[0] && found[i] == found[0],
			    "torn read: key 0 = %lld, key %d = %lld",
			    (long long)v[0], i, (long long)v[i]);
		reads++;
		if (v[0] > 0 && v[0] < TORN_BATCHES) {
			/* Once only: the writer cannot end before it has read
			 * this byte, so its end of the pipe is still open. */
			if (mid++ == 0)
				ck_assert_int_eq(write(seen[1], "", 1), 1);
		}
	}
	close(seen[1]);
	ck_assert_int_eq(done, pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "writer failed: status %d", status);
	ck_assert_int_eq(
	    vg_store_get_many(store, v, found, keys, TORN_KEYS), 0);
	for (int i = 0; i < TORN_KEYS; i++)
		ck_assert_msg(found[i] && v[i] == TORN_BATCHES,
		    "key %d: got %lld, want %d", i, (long long)v[i],
		    TORN_BATCHES);
	/* The reads overlapped the writes (else this tested nothing). */
	ck_assert_msg(mid > 0, "%lu reads, none while the writer ran", reads);
	vg_store_unref(store);
}
END_TEST

#define THR_KEYS    64
#define THR_READERS 8
#define THR_BATCHES 300

struct thr {
	struct vg_store *store;
	struct vg_store_key *keys;
	volatile int *done;
	unsigned long torn, reads;
};

/* thr_read - get_many over the keys until the writer is done */
static void *
thr_read(void *arg)
{
	struct thr *t = arg;
	int64_t v[THR_KEYS];
	bool found[THR_KEYS];

	while (!__atomic_load_n(t->done, __ATOMIC_ACQUIRE)) {
		if (vg_store_get_many(t->store, v, found, t->keys, THR_KEYS) !=
		    0) {
			t->torn++;
			continue;
		}
		for (int i = 1; i < THR_KEYS; i++)
			if (v[i] != v[0] || found[i] != found[0])
				t->torn++;
		t->reads++;
	}
	return NULL;
}

/* Readers on many threads of one process while another thread writes. */
START_TEST(test_store_lmdb_threads)
{
	static char names[THR_KEYS][16];
	struct vg_store_key keys[THR_KEYS];
	int64_t deltas[THR_KEYS], v;
	struct thr t[THR_READERS];
	pthread_t tid[THR_READERS];
	struct vg_store *store = store_open();
	volatile int done = 0;
	bool found;

	for (int i = 0; i < THR_KEYS; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "r%d", i);
		keys[i] = K(names[i]);
		deltas[i] = 1;
	}
	for (int i = 0; i < THR_READERS; i++) {
		t[i] = (struct thr){store, keys, &done, 0, 0};
		ck_assert_int_eq(
		    pthread_create(&tid[i], NULL, thr_read, &t[i]), 0);
	}
	for (int b = 0; b < THR_BATCHES; b++)
		ck_assert_int_eq(
		    vg_store_incr_many(store, NULL, keys, deltas, THR_KEYS, 0),
		    0);
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < THR_READERS; i++) {
		ck_assert_int_eq(pthread_join(tid[i], NULL), 0);
		ck_assert_msg(t[i].torn == 0,
		    "reader %d: %lu torn or failed "
		    "reads of %lu",
		    i, t[i].torn, t[i].reads);
	}
	ck_assert_int_eq(
	    vg_store_get(store, &v, &found, keys[THR_KEYS - 1]), 0);
	ck_assert(found && v == THR_BATCHES);
	vg_store_unref(store);
}
END_TEST

/*
 * A child of the process that opened the store (the milter detaches after
 * building its engine) goes on using the handle: the file is opened anew
 * in the child, which then holds LMDB's lock on the lock file itself.
 */
START_TEST(test_store_lmdb_fork)
{
	struct vg_store *store = store_open();
	int go[2], done[2], fd, status;
	char lock[160], c;
	struct flock fl;
	int64_t v;
	bool found;
	pid_t pid;

	ck_assert_int_eq(vg_store_set(store, K("a"), 1, 0), 0);
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(done), 0);
	if ((pid = fork()) == 0) {
		(void)close(go[1]);
		(void)close(done[0]);
		if (vg_store_incr(store, NULL, K("a"), 1, 0) != 0)
			_exit(2);
		if (write(done[1], "x", 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(3);
		if (vg_store_get(store, &v, &found, K("a")) != 0 || !found ||
		    v != 2)
			_exit(4);
		vg_store_unref(store);
		_exit(0);
	}
	ck_assert_int_gt(pid, 0);
	(void)close(go[0]);
	(void)close(done[1]);
	ck_assert_int_eq(read(done[0], &c, 1), 1);
	/* The parent goes, as the milter's does when it detaches. */
	vg_store_unref(store);
	(void)snprintf(lock, sizeof(lock), "%s-lock", db_path);
	ck_assert_int_ge(fd = open(lock, O_RDWR), 0);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 1;
	ck_assert_int_eq(fcntl(fd, F_GETLK, &fl), 0);
	ck_assert_msg(fl.l_type != F_UNLCK && fl.l_pid == pid,
	    "lock file: got type %d pid %d, want a lock of the child %d",
	    (int)fl.l_type, (int)fl.l_pid, (int)pid);
	(void)close(fd);
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child failed: status %d", status);
	store = store_open();
	ck_assert_int_eq(value(store, "a"), 2);
	(void)close(go[1]);
	(void)close(done[0]);
	vg_store_unref(store);
}
END_TEST

#define GROW_KEYS 40000

/* grow_writer - the child: GROW_KEYS keys through a 4 MiB map */
static int
grow_writer(int ready_fd)
{
	static char names[1000][16];
	struct vg_store_key keys[1000];
	int64_t deltas[1000];
	struct vg_store *store = NULL;
	char c;

	if (read(ready_fd, &c, 1) != 1)
		return 2;
	if (open_at(&store, db_path, 4 << 20, false) != 0)
		return 3;
	for (int b = 0; b < GROW_KEYS / 1000; b++) {
		for (int i = 0; i < 1000; i++) {
			(void)snprintf(
			    names[i], sizeof(names[i]), "g%d", b * 1000 + i);
			keys[i] = K(names[i]);
			deltas[i] = 1;
		}
		if (vg_store_incr_many(store, NULL, keys, deltas, 1000, 0) != 0)
			return 4;
	}
	vg_store_unref(store);
	return 0;
}

/* Another process grows the map past this one's: this one follows. */
START_TEST(test_store_lmdb_resized)
{
	struct vg_store *store = NULL;
	struct vg_store_stats st;
	int fds[2], status;
	pid_t pid;

	/* Forked before this process opens the file: the child's own
	 * environment. */
	ck_assert_int_eq(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		(void)close(fds[1]);
		_exit(grow_writer(fds[0]));
	}
	ck_assert_int_gt(pid, 0);
	(void)close(fds[0]);
	ck_assert_int_eq(open_at(&store, db_path, 1 << 20, false), 0);
	ck_assert_int_eq(vg_store_set(store, K("mine"), 1, 0), 0);
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "writer failed: status %d", status);
	/* Its keys need more than this process's 1 MiB map. */
	ck_assert_int_eq(value(store, "g0"), 1);
	ck_assert_int_eq(value(store, "g39999"), 1);
	ck_assert_int_eq(vg_store_incr(store, NULL, K("mine"), 1, 0), 0);
	ck_assert_int_eq(value(store, "mine"), 2);
	vg_store_stats(store, &st);
	ck_assert_uint_eq(st.keys, GROW_KEYS + 1);
	ck_assert(st.max_bytes == 4 << 20);
	ck_assert(st.bytes > 1 << 20);
	(void)close(fds[1]);
	vg_store_unref(store);
}
END_TEST

/* stale_reader - the child: a read transaction, held until told to die */
static int
stale_reader(int ready_fd, int die_fd)
{
	MDB_env *env;
	MDB_txn *txn;
	char c;

	if (mdb_env_create(&env) != 0 ||
	    mdb_env_open(env, db_path, MDB_NOSUBDIR | MDB_RDONLY, 0600) != 0 ||
	    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0)
		return 2;
	if (write(ready_fd, "x", 1) != 1 || read(die_fd, &c, 1) < 0)
		return 3;
	return 0; /* _exit: the reader slot stays taken */
}

/* A process that died in a read transaction does not fill the map. */
START_TEST(test_store_lmdb_dead_reader)
{
	static char names[100][16];
	struct vg_store_key keys[100];
	int64_t deltas[100];
	struct vg_store *store;
	struct vg_store_stats st;
	int ready[2], die[2], status, rc = 0, b;
	pid_t pid;
	char c;

	for (int i = 0; i < 100; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "d%d", i);
		keys[i] = K(names[i]);
		deltas[i] = 1;
	}
	vg_store_unref(store_open());
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(die), 0);
	if ((pid = fork()) == 0) {
		(void)close(ready[0]);
		(void)close(die[1]);
		_exit(stale_reader(ready[1], die[0]));
	}
	ck_assert_int_gt(pid, 0);
	(void)close(ready[1]);
	(void)close(die[0]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	/* Opened while the reader lives: its slot is not stale yet. */
	ck_assert_int_eq(open_at(&store, db_path, 1 << 20, false), 0);
	(void)close(die[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Each write copies pages; none could be reused without the
	 * dead reader's slot freed. */
	for (b = 0; rc == 0 && b < 3000; b++)
		rc =
		    vg_store_incr_many(store, NULL, keys, deltas, 100, 3600000);
	ck_assert_msg(rc == 0, "batch %d: got %d, want 0", b, rc);
	vg_store_stats(store, &st);
	ck_assert_uint_eq(st.evictions, 0);
	ck_assert_int_eq(value(store, "d99"), 3000);
	(void)close(ready[0]);
	vg_store_unref(store);
}
END_TEST

START_TEST(test_store_lmdb_ttl)
{
	struct vg_store *store = store_open();
	struct vg_store_stats st;
	char key[16];

	ck_assert_int_eq(vg_store_incr(store, NULL, K("t"), 3, 1000), 0);
	test_now += 999;
	ck_assert_int_eq(value(store, "t"), 3);
	test_now += 1;
	ck_assert_int_eq(value(store, "t"), -999);
	/* A write meeting it starts afresh, with no TTL unless given. */
	ck_assert_int_eq(vg_store_incr(store, NULL, K("t"), 1, 0), 0);
	ck_assert_int_eq(value(store, "t"), 1);
	test_now += 86400000;
	ck_assert_int_eq(value(store, "t"), 1);
	vg_store_stats(store, &st);
	ck_assert_uint_eq(st.expired, 1);
	/* The sweep: 100 expired keys go as other keys are written. */
	for (int i = 0; i < 100; i++) {
		(void)snprintf(key, sizeof(key), "old%03d", i);
		ck_assert_int_eq(vg_store_set(store, K(key), i, 10), 0);
	}
	test_now += 10;
	vg_store_stats(store, &st);
	ck_assert_uint_eq(st.keys, 101);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(vg_store_incr(store, NULL, K("new"), 1, 0), 0);
	vg_store_stats(store, &st);
	ck_assert_msg(
	    st.keys == 2, "got %zu keys after the sweep, want 2", st.keys);
	ck_assert_uint_eq(st.expired, 101);
	vg_store_unref(store);
}
END_TEST

#define FILL_BATCH 200

/*
 * fill_key - key i of batch b: prefix and 16 hex digits of a mix of (b, i),
 * so that keys spread over the key space as the classifier's hashed tokens
 */
static void
fill_key(char *buf, size_t size, const char *prefix, int b, int i)
{
	uint64_t x = (uint64_t)b << 32 | (uint64_t)i;

	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	(void)snprintf(buf, size, "%s%016llx", prefix, (unsigned long long)x);
}

/* fill - n batches of FILL_BATCH keys "<prefix><batch>.<i>", TTL per batch */
static void
fill(struct vg_store *store, const char *prefix, int first, int n,
    uint64_t ttl_base, uint64_t ttl_step)
{
	static char names[FILL_BATCH][32];
	struct vg_store_key keys[FILL_BATCH];
	int64_t deltas[FILL_BATCH];
	int rc;

	for (int b = first; b < first + n; b++) {
		for (int i = 0; i < FILL_BATCH; i++) {
			fill_key(names[i], sizeof(names[i]), prefix, b, i);
			keys[i] = K(names[i]);
			deltas[i] = b;
		}
		rc = vg_store_incr_many(store, NULL, keys, deltas, FILL_BATCH,
		    ttl_base + (uint64_t)b * ttl_step);
		ck_assert_msg(rc == 0, "batch %d: got %d, want 0", b, rc);
	}
}

/* batch_present - how many keys of batch b are there */
static int
batch_present(struct vg_store *store, const char *prefix, int b)
{
	char key[32];
	int n = 0;

	for (int i = 0; i < FILL_BATCH; i++) {
		fill_key(key, sizeof(key), prefix, b, i);
		n += value(store, key) != -999;
	}
	return n;
}

START_TEST(test_store_lmdb_reclaim)
{
	struct vg_store *store = NULL;
	struct vg_store_stats st, st2;
	uint64_t nexp = 0;
	char key[16];
	int b = 0, nb, fulls;

	ck_assert_int_eq(open_at(&store, db_path, 4 << 20, false), 0);
	/* Keys without a TTL: never reclaimed. */
	for (int i = 0; i < 100; i++) {
		(void)snprintf(key, sizeof(key), "keep%d", i);
		ck_assert_int_eq(vg_store_set(store, K(key), i, 0), 0);
	}
	/* Batches with ever later expiries until the map has filled. */
	do {
		fill(store, "a", b, 1, 3600000, 1000);
		vg_store_stats(store, &st);
		b++;
		ck_assert_msg(b < 1000, "1000 batches in a 4 MiB map");
	} while (st.evictions == 0);
	ck_assert_msg(st.expired == 0, "got %llu expired, want 0",
	    (unsigned long long)st.expired);
	ck_assert_msg(strstr(last_log, db_path) != NULL &&
	        strstr(last_log, "map full") != NULL,
	    "got log \"%s\"", last_log);
	/* The soonest to expire went, and at least a quarter of the keys. */
	ck_assert_int_eq(batch_present(store, "a", 0), 0);
	ck_assert_int_eq(batch_present(store, "a", b - 1), FILL_BATCH);
	ck_assert_int_eq(batch_present(store, "a", b - 2), FILL_BATCH);
	ck_assert_msg(
	    st.evictions >= (uint64_t)(b * FILL_BATCH + 100) / 4 - FILL_BATCH,
	    "%llu evicted of %d", (unsigned long long)st.evictions,
	    b * FILL_BATCH + 100);
	for (int i = 0; i < 100; i++) {
		(void)snprintf(key, sizeof(key), "keep%d", i);
		ck_assert_int_eq(value(store, key), i);
	}
	/*
	 * Half the batches expire.  Writes go on: the sweep and the next
	 * reclaims delete every expired key (counted as expired, not
	 * evicted) before the live ones expiring soonest, never a key of
	 * the new batches (expiring last) nor one without a TTL.
	 */
	for (int i = 0; i <= b / 2; i++) /* expiry <= now: gone */
		nexp += batch_present(store, "a", i);
	test_now += 3600000 + (uint64_t)(b / 2) * 1000;
	fulls = map_fulls;
	nb = 0;
	do {
		fill(store, "b", nb++, 1, 86400000, 0);
		vg_store_stats(store, &st2);
		ck_assert_msg(nb < 1000, "1000 batches in a 4 MiB map");
	} while (map_fulls == fulls || st2.expired < st.expired + nexp);
	ck_assert_msg(st2.expired == st.expired + nexp,
	    "got %llu expired, want %llu", (unsigned long long)st2.expired,
	    (unsigned long long)(st.expired + nexp));
	/* Live keys went soonest first: the latest "a" batch is still
	 * there, so no "b" key may have gone. */
	ck_assert_int_eq(batch_present(store, "a", b - 1), FILL_BATCH);
	for (int i = 0; i < nb; i++)
		ck_assert_int_eq(batch_present(store, "b", i), FILL_BATCH);
	for (int i = 0; i < 100; i++) {
		(void)snprintf(key, sizeof(key), "keep%d", i);
		ck_assert_int_eq(value(store, key), i);
	}
	/* It keeps taking writes, the bound holding. */
	fill(store, "c", 0, 3 * b, 86400000, 1);
	vg_store_stats(store, &st2);
	ck_assert(st2.max_bytes == 4 << 20);
	ck_assert(st2.bytes <= st2.max_bytes);
	ck_assert_int_eq(batch_present(store, "c", 3 * b - 1), FILL_BATCH);
	ck_assert_int_eq(value(store, "keep99"), 99);
	vg_store_unref(store);
}
END_TEST

/*
 * A handle opened with an eviction mark adds one to it in each
 * transaction that evicts live keys (the classifier's "Bg": a snapshot of
 * the counts then knows the store changed, even if the write that needed
 * the room fails after all), and never evicts the mark, though it would
 * expire first.
 */
START_TEST(test_store_lmdb_evict_mark)
{
	struct vg_store_opts opts = {.clock = test_clock,
	    .clock_ctx = &test_now,
	    .location = db_path,
	    .max_bytes = 4 << 20,
	    .evict_mark = "mark"};
	struct vg_store *store = NULL;
	struct vg_store_stats st;
	int b = 0;

	ck_assert_int_eq(vg_store_new(&store, "lmdb", &opts), 0);
	/* Expiring before every other key: the first to evict. */
	ck_assert_int_eq(vg_store_set(store, K("mark"), 7, 1000000), 0);
	do {
		fill(store, "a", b, 1, 3600000, 1000);
		vg_store_stats(store, &st);
		b++;
		ck_assert_msg(b < 1000, "1000 batches in a 4 MiB map");
	} while (st.evictions == 0);
	ck_assert_int_eq(batch_present(store, "a", 0), 0);
	/* Evicted: the mark moved, and was itself kept. */
	ck_assert_msg(value(store, "mark") > 7, "mark %lld after %llu evicted",
	    (long long)value(store, "mark"), (unsigned long long)st.evictions);
	vg_store_unref(store);
}
END_TEST

/* A mark longer than a key kept as it is: refused. */
START_TEST(test_store_lmdb_evict_mark_len)
{
	char mark[258];
	struct vg_store_opts opts = {.clock = test_clock,
	    .clock_ctx = &test_now,
	    .location = db_path,
	    .evict_mark = mark};
	struct vg_store *store = NULL;

	memset(mark, 'm', sizeof(mark) - 1);
	mark[sizeof(mark) - 1] = '\0';
	ck_assert_int_eq(vg_store_new(&store, "lmdb", &opts), VG_EINVAL);
	mark[256] = '\0';
	ck_assert_int_eq(vg_store_new(&store, "lmdb", &opts), 0);
	vg_store_unref(store);
}
END_TEST

START_TEST(test_store_lmdb_full)
{
	struct vg_store *store = NULL, *bigger = NULL;
	struct vg_store_stats st;
	char key[16];
	int i, rc = 0;

	ck_assert_int_eq(open_at(&store, db_path, 1 << 20, false), 0);
	/* Nothing with a TTL to reclaim: full is VG_ENOMEM. */
	for (i = 0; i < 100000; i++) {
		(void)snprintf(key, sizeof(key), "k%d", i);
		if ((rc = vg_store_set(store, K(key), i, 0)) != 0)
			break;
	}
	ck_assert_msg(
	    rc == VG_ENOMEM, "got %d after %d keys, want VG_ENOMEM", rc, i);
	ck_assert_msg(
	    strstr(last_log, db_path) != NULL, "got log \"%s\"", last_log);
	ck_assert_int_eq(value(store, key), -999);
	vg_store_stats(store, &st);
	ck_assert_uint_eq(st.keys, (size_t)i);
	ck_assert_uint_eq(st.evictions, 0);
	for (int j = 0; j < i; j += 97) {
		(void)snprintf(key, sizeof(key), "k%d", j);
		ck_assert_int_eq(value(store, key), j);
	}
	/*
	 * The remedy: a larger map.  A handle opened with it beside the
	 * first (a reload after max_bytes grew) enlarges the shared map.
	 */
	ck_assert_int_eq(open_at(&bigger, db_path, 2 << 20, false), 0);
	for (int j = 0; j < 5000; j++) {
		(void)snprintf(key, sizeof(key), "more%d", j);
		ck_assert_int_eq(vg_store_set(store, K(key), j, 0), 0);
	}
	ck_assert_int_eq(value(bigger, "k0"), 0);
	vg_store_stats(store, &st);
	ck_assert_uint_eq(st.keys, (size_t)i + 5000);
	ck_assert(st.max_bytes == 2 << 20);
	vg_store_unref(store);
	vg_store_unref(bigger);
}
END_TEST

/* write_file - path holds n bytes of a fixed pseudo-random stream */
static void
write_file(const char *path, size_t n)
{
	unsigned char buf[4096];
	uint64_t x = 0x123456789abcdefull;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	for (size_t done = 0; done < n; done += sizeof(buf)) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = (unsigned char)x;
		}
		ck_assert(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
	}
	ck_assert_int_eq(close(fd), 0);
}

/* scramble - overwrite path from byte from to its end with pseudo-random bytes */
static void
scramble(const char *path, off_t from)
{
	unsigned char buf[4096];
	uint64_t x = 0xfedcba9876543210ull;
	struct stat sb;
	int fd = open(path, O_WRONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &sb), 0);
	for (off_t at = from; at < sb.st_size; at += (off_t)sizeof(buf)) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = (unsigned char)x;
		}
		ck_assert(
		    pwrite(fd, buf, sizeof(buf), at) == (ssize_t)sizeof(buf));
	}
	ck_assert_int_eq(close(fd), 0);
}

/* make_store - a store at path holding 20,000 keys, closed */
static void
make_store(const char *path)
{
	struct vg_store *store = NULL;
	char key[16];

	ck_assert_int_eq(open_at(&store, path, 0, false), 0);
	for (int i = 0; i < 20000; i++) {
		(void)snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(vg_store_set(store, K(key), i, 0), 0);
	}
	vg_store_unref(store);
}

/* raw_put - put key = val into the LMDB file at path, under no store */
static void
raw_put(const char *path, const char *key, const void *val, size_t len)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	char kbuf[64];
	MDB_val k = {strlen(key), kbuf}, d = {len, NULL};
	unsigned char vbuf[64];

	memcpy(kbuf, key, strlen(key));
	memcpy(vbuf, val, len);
	d.mv_data = vbuf;
	ck_assert_int_eq(mdb_env_create(&env), 0);
	ck_assert_int_eq(mdb_env_open(env, path, MDB_NOSUBDIR, 0600), 0);
	ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	ck_assert_int_eq(mdb_put(txn, dbi, &k, &d, 0), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

START_TEST(test_store_lmdb_bad_files)
{
	struct vg_store_opts opts = {
	    .clock = test_clock, .clock_ctx = &test_now};
	struct vg_store *store = (struct vg_store *)1;
	char path[160];
	unsigned char rec[12];
	uint32_t version = 2;

	/* Options. */
	ck_assert_int_eq(vg_store_new(&store, "lmdb", &opts), VG_EINVAL);
	ck_assert_ptr_null(store);
	ck_assert_int_eq(open_at(&store, db_path, 1000, false), VG_EINVAL);
	/* A directory that is not there. */
	(void)snprintf(path, sizeof(path), "%s/none/db", tmp_dir);
	ck_assert_int_eq(open_at(&store, path, 0, false), VG_EIO);
	ck_assert_ptr_null(store);
	ck_assert_msg(strstr(last_log, path) != NULL &&
	        strstr(last_log, "No such file") != NULL,
	    "got log \"%s\"", last_log);
	/* Read-only, a file that is not there (and is not made). */
	(void)snprintf(path, sizeof(path), "%s/absent", tmp_dir);
	ck_assert_int_eq(open_at(&store, path, 0, true), VG_EIO);
	ck_assert_int_ne(access(path, F_OK), 0);
	/* Random bytes, short or long. */
	(void)snprintf(path, sizeof(path), "%s/random", tmp_dir);
	write_file(path, 64 * 1024);
	ck_assert_int_eq(open_at(&store, path, 0, false), VG_EIO);
	ck_assert_msg(
	    strstr(last_log, path) != NULL, "got log \"%s\"", last_log);
	ck_assert_int_eq(open_at(&store, path, 0, true), VG_EIO);
	write_file(path, 4096);
	ck_assert_int_eq(open_at(&store, path, 0, false), VG_EIO);
	/* A store cut short: its pages would fault past the end. */
	(void)snprintf(path, sizeof(path), "%s/cut", tmp_dir);
	make_store(path);
	ck_assert_int_eq(truncate(path, 100000), 0);
	ck_assert_int_eq(open_at(&store, path, 0, false), VG_EIO);
	ck_assert_msg(
	    strstr(last_log, "truncated") != NULL, "got log \"%s\"", last_log);
	ck_assert_int_eq(open_at(&store, path, 0, true), VG_EIO);
	/* A store whose pages, all but LMDB's two meta pages, are noise. */
	(void)snprintf(path, sizeof(path), "%s/noise", tmp_dir);
	make_store(path);
	scramble(path, 2 * (off_t)sysconf(_SC_PAGESIZE));
	ck_assert_int_eq(open_at(&store, path, 0, false), VG_EIO);
	ck_assert_msg(
	    strstr(last_log, path) != NULL, "got log \"%s\"", last_log);
	/* An LMDB file holding something else. */
	(void)snprintf(path, sizeof(path), "%s/other", tmp_dir);
	raw_put(path, "hello", "world", 5);
	ck_assert_int_eq(open_at(&store, path, 0, false), VG_EIO);
	ck_assert_ptr_null(store);
	ck_assert_msg(strstr(last_log, "not a Vigil store") != NULL,
	    "got log \"%s\"", last_log);
	/* A store of a newer format. */
	vg_store_unref(store_open());
	memcpy(rec, "vgstore", 8);
	memcpy(rec + 8, &version, 4);
	raw_put(db_path, "mformat", rec, sizeof(rec));
	ck_assert_int_eq(open_at(&store, db_path, 0, false), VG_EIO);
	ck_assert_msg(
	    strstr(last_log, "newer") != NULL, "got log \"%s\"", last_log);
	ck_assert_int_eq(open_at(&store, db_path, 0, true), VG_EIO);
	/* No version 0, nor a record of another size. */
	version = 0;
	memcpy(rec + 8, &version, 4);
	raw_put(db_path, "mformat", rec, sizeof(rec));
	ck_assert_int_eq(open_at(&store, db_path, 0, false), VG_EIO);
	raw_put(db_path, "mformat", rec, 8);
	ck_assert_int_eq(open_at(&store, db_path, 0, false), VG_EIO);
	ck_assert_msg(strstr(last_log, "bad format record") != NULL,
	    "got log \"%s\"", last_log);
	/* The same version opens. */
	version = 1;
	memcpy(rec + 8, &version, 4);
	raw_put(db_path, "mformat", rec, sizeof(rec));
	ck_assert_int_eq(open_at(&store, db_path, 0, false), 0);
	vg_store_unref(store);
}
END_TEST

START_TEST(test_store_lmdb_read_only)
{
	struct vg_store *store = store_open(), *ro = NULL, *rw = NULL;
	struct vg_store_key keys[2] = {{"a", 1}, {"b", 1}};
	const int64_t deltas[2] = {1, 1};
	struct vg_store_window w = {
	    {"a", 1}, {NULL, 0}, {NULL, 0}, 0, 1, 1, 10, 0};
	struct vg_store_window_res res;
	int64_t v[2];
	bool found[2];

	ck_assert_int_eq(vg_store_set(store, K("a"), 5, 0), 0);
	vg_store_unref(store);
	ck_assert_int_eq(open_at(&ro, db_path, 0, true), 0);
	ck_assert_int_eq(value(ro, "a"), 5);
	ck_assert_int_eq(vg_store_get_many(ro, v, found, keys, 2), 0);
	ck_assert(found[0] && v[0] == 5 && !found[1]);
	/* Every write is refused, and changes nothing. */
	ck_assert_int_eq(vg_store_incr(ro, &v[0], K("a"), 1, 0), VG_EINVAL);
	ck_assert_int_eq(v[0], 0);
	ck_assert_int_eq(vg_store_set(ro, K("a"), 1, 0), VG_EINVAL);
	ck_assert_int_eq(vg_store_del(ro, &found[0], K("a")), VG_EINVAL);
	ck_assert_int_eq(vg_store_expire(ro, &found[0], K("a"), 1), VG_EINVAL);
	ck_assert_int_eq(
	    vg_store_incr_many(ro, v, keys, deltas, 2, 0), VG_EINVAL);
	ck_assert_int_eq(vg_store_window_add(ro, &res, &w), VG_EINVAL);
	ck_assert(!res.added);
	ck_assert_int_eq(value(ro, "a"), 5);
	ck_assert_msg(
	    strstr(last_log, "read-only") != NULL, "got log \"%s\"", last_log);
	/* A writer cannot share this process's read-only environment. */
	ck_assert_int_eq(open_at(&rw, db_path, 0, false), VG_EINVAL);
	ck_assert_ptr_null(rw);
	vg_store_unref(ro);
	rw = store_open();
	ck_assert_int_eq(value(rw, "a"), 5);
	vg_store_unref(rw);
}
END_TEST

/* store_lmdb_suite - one TCase per behaviour, each in a fresh directory */
static Suite *
store_lmdb_suite(void)
{
	Suite *s = suite_create("store_lmdb");
	TCase *tc;

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_store_lmdb_reopen);
	tcase_add_test(tc, test_store_lmdb_two_handles);
	tcase_add_test(tc, test_store_lmdb_read_only);
	suite_add_tcase(s, tc);
	tc = tcase_create("processes");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_store_lmdb_torn);
	tcase_add_test(tc, test_store_lmdb_resized);
	tcase_add_test(tc, test_store_lmdb_threads);
	tcase_add_test(tc, test_store_lmdb_dead_reader);
	tcase_add_test(tc, test_store_lmdb_fork);
	suite_add_tcase(s, tc);
	tc = tcase_create("expiry");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_store_lmdb_ttl);
	tcase_add_test(tc, test_store_lmdb_reclaim);
	tcase_add_test(tc, test_store_lmdb_evict_mark);
	tcase_add_test(tc, test_store_lmdb_evict_mark_len);
	tcase_add_test(tc, test_store_lmdb_full);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_store_lmdb_bad_files);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(store_lmdb_suite)
