/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_store_redis - what the Redis store does beyond the conformance suite
 * (test_store.c): real expiry on the server's clock, AUTH and SELECT,
 * bounded failure when the server dies or hangs and recovery when it comes
 * back, the pool under many threads, atomic window adds from two
 * processes, one MGET per get_many, exact big-number window counts, keys
 * that hold no counter.  Against real redis-servers: the test server of
 * tests/redis (database 2, emptied first) and private ones a case starts
 * and kills itself.
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "vg_check.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "store/store.h"

#define TEST_DB 2
#define STR(x)  #x
#define XSTR(x) STR(x)
#define FIXTURE "127.0.0.1:" XSTR(VG_TEST_REDIS_PORT)

/* K - a key over a C string */
static struct vg_store_key
K(const char *s) {
	return vg_store_key_str(s);
}

/* raw_connect - a plain hiredis client on the test server, database db */
static redisContext *
raw_connect(int port, int db)
{
	redisContext *c = redisConnect("127.0.0.1", port);
	redisReply *rep;

	ck_assert_msg(c != NULL && c->err == 0, "raw connect: %s",
	    c != NULL ? c->errstr : "no memory");
	rep = redisCommand(c, "SELECT %d", db);
	ck_assert(rep != NULL && rep->type == REDIS_REPLY_STATUS);
	freeReplyObject(rep);
	return c;
}

/* raw_int - an integer reply's value (asserts the type) */
static long long
raw_int(redisContext *c, const char *fmt, const char *arg)
{
	redisReply *rep = redisCommand(c, fmt, arg);
	long long v;

	ck_assert_msg(rep != NULL && rep->type == REDIS_REPLY_INTEGER,
	    "%s %s: no integer reply", fmt, arg);
	v = rep->integer;
	freeReplyObject(rep);
	return v;
}

/* raw_ok - run a command, asserting no error */
static void
raw_ok(redisContext *c, const char *cmd)
{
	redisReply *rep = redisCommand(c, cmd);

	ck_assert_msg(rep != NULL && rep->type != REDIS_REPLY_ERROR, "%s: %s",
	    cmd, rep != NULL ? rep->str : c->errstr);
	freeReplyObject(rep);
}

/* info_field - a number from INFO section (-1 when absent) */
static long long
info_field(redisContext *c, const char *section, const char *name)
{
	redisReply *rep = redisCommand(c, "INFO %s", section);
	long long v = -1;
	const char *p;

	ck_assert(rep != NULL && rep->type == REDIS_REPLY_STRING);
	if ((p = strstr(rep->str, name)) != NULL)
		v = strtoll(p + strlen(name), NULL, 10);
	freeReplyObject(rep);
	return v;
}

/* fixture_store - a store on the test server's database TEST_DB, emptied */
static struct vg_store *
fixture_store(void)
{
	struct vg_store_opts opts = {.location = FIXTURE, .db = TEST_DB};
	struct vg_store *store = NULL;
	redisContext *c = raw_connect(VG_TEST_REDIS_PORT, TEST_DB);

	raw_ok(c, "FLUSHDB");
	redisFree(c);
	ck_assert_int_eq(vg_store_new(&store, "redis", &opts), 0);
	return store;
}

/* A private redis-server a case starts, kills and restarts. */
struct server {
	pid_t pid;
	int port;
	char dir[128];
};

/* free_port - a loopback port nobody listens on now */
static int
free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* server_start - a redis-server on srv->port (0: a free one), answering */
static void
server_start(struct server *srv, const char *password)
{
	char port[16], log[160];
	redisContext *c;

	if (srv->port == 0)
		srv->port = free_port();
	if (srv->dir[0] == '\0') {
		(void)snprintf(srv->dir, sizeof(srv->dir),
		    "%s/redis-test-XXXXXX", VG_BINARY_DIR);
		ck_assert_ptr_nonnull(mkdtemp(srv->dir));
	}
	(void)snprintf(port, sizeof(port), "%d", srv->port);
	(void)snprintf(log, sizeof(log), "%s/redis.log", srv->dir);
	srv->pid = fork();
	ck_assert_int_ge(srv->pid, 0);
	if (srv->pid == 0) {
		/* A case that fails midway must not leave a server behind. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (password != NULL)
			execl("/usr/bin/redis-server", "redis-server", "--port",
			    port, "--bind", "127.0.0.1", "--save", "",
			    "--appendonly", "no", "--dir", srv->dir,
			    "--logfile", log, "--requirepass", password,
			    (char *)NULL);
		else
			execl("/usr/bin/redis-server", "redis-server", "--port",
			    port, "--bind", "127.0.0.1", "--save", "",
			    "--appendonly", "no", "--dir", srv->dir,
			    "--logfile", log, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		c = redisConnect("127.0.0.1", srv->port);
		if (c != NULL && c->err == 0) {
			redisFree(c);
			return;
		}
		redisFree(c);
		usleep(50000);
	}
	ck_abort_msg("redis-server on port %d does not answer", srv->port);
}

/* server_kill - SIGKILL it and reap it */
static void
server_kill(struct server *srv)
{
	if (srv->pid <= 0)
		return;
	(void)kill(srv->pid, SIGKILL);
	(void)waitpid(srv->pid, NULL, 0);
	srv->pid = 0;
}

/* server_free - kill it, remove its directory */
static void
server_free(struct server *srv)
{
	char log[160];

	server_kill(srv);
	if (srv->dir[0] == '\0')
		return;
	(void)snprintf(log, sizeof(log), "%s/redis.log", srv->dir);
	(void)unlink(log);
	(void)rmdir(srv->dir);
}

/* private_store - a store on srv with timeout_ms, password */
static struct vg_store *
private_store(const struct server *srv, unsigned timeout_ms,
    const char *password, unsigned db)
{
	char loc[64];
	struct vg_store_opts opts = {.location = loc,
	    .timeout_ms = timeout_ms,
	    .password = password,
	    .db = db};
	struct vg_store *store = NULL;

	(void)snprintf(loc, sizeof(loc), "127.0.0.1:%d", srv->port);
	ck_assert_int_eq(vg_store_new(&store, "redis", &opts), 0);
	return store;
}

/* Log lines counted by level (the once-per-state-change rule). */
static int log_warnings, log_infos;

/* count_sink - count lines */
static void
count_sink(enum vg_log_level level, const char *line, void *ctx)
{
	(void)ctx;
	(void)line;
	if (level == VG_LOG_WARNING)
		log_warnings++;
	if (level == VG_LOG_INFO)
		log_infos++;
}

START_TEST(test_store_redis_location)
{
	static const char *const bad[] = {"", "127.0.0.1",
	    "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:x",
	    ":6379", "::1:6379", "[::1]6379", "[::1", "relative/redis.sock",
	    "unix:", "unix:relative.sock", "unix:127.0.0.1:6379"};
	struct vg_store_opts opts = {0};
	struct vg_store *store = (struct vg_store *)1;
	char path[200];
	int64_t v;
	bool found;

	ck_assert_int_eq(vg_store_new(&store, "redis", &opts), VG_EINVAL);
	ck_assert_ptr_null(store);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		opts.location = bad[i];
		ck_assert_msg(vg_store_new(&store, "redis", &opts) == VG_EINVAL,
		    "location \"%s\": got accepted, want VG_EINVAL", bad[i]);
	}
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	opts.location = path;
	ck_assert_int_eq(vg_store_new(&store, "redis", &opts), VG_EINVAL);
	/* The unix socket, and IPv6 loopback when the machine has it. */
	store = fixture_store();
	ck_assert_int_eq(vg_store_set(store, K("loc"), 7, 0), 0);
	vg_store_unref(store);
	opts.location = VG_TEST_REDIS_SOCK;
	opts.db = TEST_DB;
	ck_assert_int_eq(vg_store_new(&store, "redis", &opts), 0);
	ck_assert_int_eq(vg_store_get(store, &v, &found, K("loc")), 0);
	ck_assert(found && v == 7);
	vg_store_unref(store);
	/* The same socket written as Postfix writes one. */
	opts.location = "unix:" VG_TEST_REDIS_SOCK;
	ck_assert_int_eq(vg_store_new(&store, "redis", &opts), 0);
	ck_assert_int_eq(vg_store_get(store, &v, &found, K("loc")), 0);
	ck_assert(found && v == 7);
	vg_store_unref(store);
	if (access("/proc/net/if_inet6", R_OK) == 0) {
		opts.location = "[::1]:" XSTR(VG_TEST_REDIS_PORT);
		ck_assert_int_eq(vg_store_new(&store, "redis", &opts), 0);
		ck_assert_int_eq(vg_store_get(store, &v, &found, K("loc")), 0);
		ck_assert(found && v == 7);
		vg_store_unref(store);
	}
}
END_TEST

START_TEST(test_store_redis_ttl)
{
	struct vg_store *store = fixture_store();
	redisContext *c = raw_connect(VG_TEST_REDIS_PORT, TEST_DB);
	struct vg_store_key keys[3] = {K("m0"), K("m1"), K("m2")};
	const int64_t deltas[3] = {1, 2, 3};
	struct vg_store_window w = {
	    K("wc"), K("wp"), K("wg"), 1, 2, 1, 10, 150};
	struct vg_store_window_res res;
	int64_t v[3];
	bool found[3];
	long long pttl;

	/* Each TTL is the server's PTTL, in milliseconds. */
	ck_assert_int_eq(vg_store_set(store, K("s"), 1, 150), 0);
	pttl = raw_int(c, "PTTL %s", "s");
	ck_assert_msg(
	    pttl > 0 && pttl <= 150, "got PTTL %lld, want 1..150", pttl);
	ck_assert_int_eq(vg_store_set(store, K("s0"), 1, 0), 0);
	ck_assert_int_eq(raw_int(c, "PTTL %s", "s0"), -1);
	ck_assert_int_eq(vg_store_incr(store, NULL, K("i"), 1, 150), 0);
	/* An incr with no TTL leaves it. */
	ck_assert_int_eq(vg_store_incr(store, NULL, K("i"), 1, 0), 0);
	pttl = raw_int(c, "PTTL %s", "i");
	ck_assert(pttl > 0 && pttl <= 150);
	ck_assert_int_eq(vg_store_incr_many(store, v, keys, deltas, 3, 150), 0);
	ck_assert_int_eq(v[2], 3);
	for (int i = 0; i < 3; i++) {
		pttl = raw_int(c, "PTTL %s",
		    i == 0       ? "m0"
		        : i == 1 ? "m1"
		                 : "m2");
		ck_assert(pttl > 0 && pttl <= 150);
	}
	ck_assert_int_eq(vg_store_window_add(store, &res, &w), 0);
	ck_assert(res.added);
	pttl = raw_int(c, "PTTL %s", "wc");
	ck_assert(pttl > 0 && pttl <= 150);
	/* expire 0 clears a TTL and finds the key; a missing key is not. */
	ck_assert_int_eq(vg_store_set(store, K("keep"), 5, 150), 0);
	ck_assert_int_eq(vg_store_expire(store, &found[0], K("keep"), 0), 0);
	ck_assert(found[0]);
	ck_assert_int_eq(raw_int(c, "PTTL %s", "keep"), -1);
	ck_assert_int_eq(vg_store_expire(store, &found[0], K("keep"), 0), 0);
	ck_assert_msg(found[0], "a key with no TTL: got not found");
	ck_assert_int_eq(vg_store_expire(store, &found[0], K("none"), 0), 0);
	ck_assert(!found[0]);
	ck_assert_int_eq(vg_store_expire(store, &found[0], K("none"), 10), 0);
	ck_assert(!found[0]);
	/* Past the TTL on the server's clock, everything is gone. */
	usleep(300000);
	ck_assert_int_eq(vg_store_get(store, &v[0], &found[0], K("s")), 0);
	ck_assert_msg(!found[0], "TTL passed: got found, want missing");
	ck_assert_int_eq(vg_store_get(store, &v[0], &found[0], K("i")), 0);
	ck_assert(!found[0]);
	ck_assert_int_eq(vg_store_get_many(store, v, found, keys, 3), 0);
	ck_assert(!found[0] && !found[1] && !found[2]);
	ck_assert_int_eq(vg_store_get(store, &v[0], &found[0], K("wc")), 0);
	ck_assert(!found[0]);
	ck_assert_int_eq(vg_store_get(store, &v[0], &found[0], K("keep")), 0);
	ck_assert(found[0] && v[0] == 5);
	ck_assert_int_eq(vg_store_get(store, &v[0], &found[0], K("s0")), 0);
	ck_assert(found[0]);
	redisFree(c);
	vg_store_unref(store);
}
END_TEST

START_TEST(test_store_redis_not_counters)
{
	struct vg_store *store = fixture_store();
	redisContext *c = raw_connect(VG_TEST_REDIS_PORT, TEST_DB);
	struct vg_store_key keys[2] = {K("ok"), K("text")};
	const int64_t deltas[2] = {1, 1};
	struct vg_store_window w = {
	    K("text"), {NULL, 0}, {NULL, 0}, 0, 1, 1, 10, 0};
	struct vg_store_window_res res;
	int64_t v[2];
	bool found[2];

	raw_ok(c, "SET text abc");
	raw_ok(c, "SET zeros 007");
	raw_ok(c, "SET huge 9223372036854775808");
	raw_ok(c, "RPUSH list x");
	ck_assert_int_eq(vg_store_set(store, K("ok"), 1, 0), 0);
	ck_assert_int_eq(
	    vg_store_get(store, &v[0], &found[0], K("text")), VG_EINVAL);
	ck_assert(!found[0] && v[0] == 0);
	ck_assert_int_eq(
	    vg_store_get(store, &v[0], &found[0], K("zeros")), VG_EINVAL);
	ck_assert_int_eq(
	    vg_store_get(store, &v[0], &found[0], K("huge")), VG_EINVAL);
	ck_assert_int_eq(
	    vg_store_get(store, &v[0], &found[0], K("list")), VG_EINVAL);
	ck_assert_int_eq(
	    vg_store_incr(store, &v[0], K("text"), 1, 0), VG_EINVAL);
	ck_assert_int_eq(
	    vg_store_incr(store, &v[0], K("list"), 1, 10000), VG_EINVAL);
	ck_assert_int_eq(
	    vg_store_get_many(store, v, found, keys, 2), VG_EINVAL);
	ck_assert(!found[0] && !found[1]);
	ck_assert_int_eq(
	    vg_store_incr_many(store, v, keys, deltas, 2, 0), VG_EINVAL);
	ck_assert_int_eq(vg_store_window_add(store, &res, &w), VG_EINVAL);
	ck_assert(!res.added);
	w.cur = K("ok");
	w.prev = K("list");
	ck_assert_int_eq(vg_store_window_add(store, &res, &w), VG_EINVAL);
	/* A guard of any type exists. */
	w.prev = K("none");
	w.guard = K("list");
	ck_assert_int_eq(vg_store_window_add(store, &res, &w), 0);
	ck_assert(res.guarded && !res.added);
	/* Overflow in a pipeline: the first error, the others added. */
	ck_assert_int_eq(vg_store_set(store, K("text"), INT64_MAX, 0), 0);
	ck_assert_int_eq(
	    vg_store_incr_many(store, v, keys, deltas, 2, 1000), VG_ELIMIT);
	ck_assert_int_eq(vg_store_get(store, &v[0], &found[0], K("ok")), 0);
	ck_assert_int_eq(v[0], 3);
	/* The store still works. */
	ck_assert_int_eq(vg_store_incr(store, &v[0], K("ok"), 1, 0), 0);
	ck_assert_int_eq(v[0], 4);
	redisFree(c);
	vg_store_unref(store);
}
END_TEST

/* A few magnitudes around the limits of doubles and int64. */
static const int64_t magnitudes[] = {0, 1, 2, 3, 7, 1000, 16777215, 16777216,
    16777217, 4294967296LL, (1LL << 52) - 1, 1LL << 52, (1LL << 53) + 1,
    1LL << 62, INT64_MAX - 1, INT64_MAX, -1, INT64_MIN};
static const uint64_t fractions[] = {1, 2, 3, 1000, 16777215, 16777216,
    16777217, 3600000, 86400000, 1ULL << 52, (1ULL << 53) + 3, 1ULL << 63,
    UINT64_MAX - 1, UINT64_MAX};

/* next_rand - a reproducible xorshift */
static uint64_t
next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

START_TEST(test_store_redis_window_exact)
{
	const size_t nm = sizeof(magnitudes) / sizeof(magnitudes[0]);
	const size_t nf = sizeof(fractions) / sizeof(fractions[0]);
	struct vg_store *store = fixture_store();
	struct vg_store_window w = {K("c"), K("p"), {NULL, 0}, 0, 1, 0, 0, 0};
	struct vg_store_window_res res;
	uint64_t seed = 0x9e3779b97f4a7c15ULL, a, b;
	int64_t cur, prev, want;

	/* The script's count is the C one, bit for bit, at every size. */
	for (int i = 0; i < 600; i++) {
		cur = magnitudes[next_rand(&seed) % nm];
		prev = magnitudes[next_rand(&seed) % nm];
		a = fractions[next_rand(&seed) % nf];
		b = fractions[next_rand(&seed) % nf];
		if (i % 3 == 0) {
			a = next_rand(&seed) >> (next_rand(&seed) % 64);
			b = next_rand(&seed) >> (next_rand(&seed) % 64);
			if (i % 2 == 0)
				prev = (int64_t)(next_rand(&seed) >> 1);
		}
		if (b == 0)
			b = 1;
		w.prev_num = a < b ? a : b;
		w.prev_den = a < b ? b : a;
		want = vg_store_window_count(cur, prev, w.prev_num, w.prev_den);
		ck_assert_int_eq(vg_store_set(store, K("c"), cur, 0), 0);
		ck_assert_int_eq(vg_store_set(store, K("p"), prev, 0), 0);
		w.delta = 0;
		w.cap = INT64_MAX;
		ck_assert_int_eq(vg_store_window_add(store, &res, &w), 0);
		ck_assert_msg(res.count == want,
		    "cur %lld prev %lld * %llu / %llu: got %lld, want %lld",
		    (long long)cur, (long long)prev,
		    (unsigned long long)w.prev_num,
		    (unsigned long long)w.prev_den, (long long)res.count,
		    (long long)want);
		/* cap exactly count + delta: added; one less: refused. */
		if (want < INT64_MAX - 5 && cur >= 0) {
			w.delta = 5;
			w.cap = want + 4;
			ck_assert_int_eq(
			    vg_store_window_add(store, &res, &w), 0);
			ck_assert_msg(!res.added, "count %lld + 5 > cap %lld",
			    (long long)want, (long long)w.cap);
			w.cap = want + 5;
			ck_assert_int_eq(
			    vg_store_window_add(store, &res, &w), 0);
			ck_assert(res.added && res.count == want + 5);
		}
	}
	vg_store_unref(store);
}
END_TEST

struct incr_worker {
	struct vg_store *store;
	int fails;
};

/* incr_run - 2,000 increments of one key */
static void *
incr_run(void *arg)
{
	struct incr_worker *w = arg;

	for (int i = 0; i < 2000; i++)
		if (vg_store_incr(
		        w->store, NULL, K("n"), 1, i % 2 ? 60000 : 0) != 0)
			w->fails++;
	return NULL;
}

START_TEST(test_store_redis_threads)
{
	struct server srv = {0};
	struct vg_store *store;
	struct incr_worker w[16];
	pthread_t t[16];
	redisContext *c;
	int64_t v;
	bool found;

	server_start(&srv, NULL);
	store = private_store(&srv, 2000, NULL, 0);
	/* Twice as many threads as connections: some wait for one. */
	for (int i = 0; i < 16; i++) {
		w[i].store = store;
		w[i].fails = 0;
		ck_assert_int_eq(
		    pthread_create(&t[i], NULL, incr_run, &w[i]), 0);
	}
	for (int i = 0; i < 16; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(w[i].fails, 0);
	}
	ck_assert_int_eq(vg_store_get(store, &v, &found, K("n")), 0);
	ck_assert_msg(v == 32000, "got %lld, want exactly 32000", (long long)v);
	/* The pool stayed bounded: 8 connections and this one. */
	c = raw_connect(srv.port, 0);
	ck_assert_msg(info_field(c, "clients", "connected_clients:") <= 9,
	    "got %lld clients, want at most 9",
	    info_field(c, "clients", "connected_clients:"));
	redisFree(c);
	vg_store_unref(store);
	server_free(&srv);
}
END_TEST

START_TEST(test_store_redis_processes)
{
	struct vg_store_window win = {
	    K("fw"), K("fwp"), {NULL, 0}, 1, 2, 1, 1000, 60000};
	struct vg_store_window_res res;
	struct vg_store *store = fixture_store();
	int fds[2];
	pid_t pid[2];
	long total = 0, n;
	int64_t v;
	bool found;
	FILE *f;

	/* prev 100 counts half: 50; so 950 adds pass between the two. */
	ck_assert_int_eq(vg_store_set(store, K("fwp"), 100, 0), 0);
	ck_assert_int_eq(pipe(fds), 0);
	for (int p = 0; p < 2; p++) {
		pid[p] = fork();
		ck_assert_int_ge(pid[p], 0);
		if (pid[p] == 0) {
			struct vg_store_opts opts = {
			    .location = FIXTURE, .db = TEST_DB};
			struct vg_store *s = NULL;
			long added = 0;
			char line[32];
			int len;

			close(fds[0]);
			if (vg_store_new(&s, "redis", &opts) != 0)
				_exit(1);
			for (int i = 0; i < 1500; i++)
				if (vg_store_window_add(s, &res, &win) == 0 &&
				    res.added)
					added++;
			vg_store_unref(s);
			len = snprintf(line, sizeof(line), "%ld\n", added);
			if (write(fds[1], line, (size_t)len) != len)
				_exit(1);
			_exit(0);
		}
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	ck_assert_ptr_nonnull(f);
	while (fscanf(f, "%ld", &n) == 1)
		total += n;
	fclose(f);
	for (int p = 0; p < 2; p++) {
		int st;

		ck_assert_int_eq(waitpid(pid[p], &st, 0), pid[p]);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	ck_assert_msg(total == 950, "got %ld adds, want exactly 950", total);
	ck_assert_int_eq(vg_store_get(store, &v, &found, K("fw")), 0);
	ck_assert_int_eq(v, 950);
	vg_store_unref(store);
}
END_TEST

/* Every key of a 4096-key batch. */
static struct vg_store_key many_keys[VG_STORE_BATCH_MAX];
static char many_names[VG_STORE_BATCH_MAX][12];
static int64_t many_v[VG_STORE_BATCH_MAX], many_d[VG_STORE_BATCH_MAX];
static bool many_found[VG_STORE_BATCH_MAX];
#define MANY_READ (2 * VG_STORE_BATCH_MAX + 5)
static struct vg_store_key read_keys[MANY_READ];
static int64_t read_v[MANY_READ];
static bool read_found[MANY_READ];

START_TEST(test_store_redis_one_round_trip)
{
	struct server srv = {0};
	struct vg_store *store;
	struct vg_store_stats st;
	redisContext *c;

	server_start(&srv, NULL);
	store = private_store(&srv, 0, NULL, 0);
	c = raw_connect(srv.port, 0);
	for (int i = 0; i < VG_STORE_BATCH_MAX; i++) {
		(void)snprintf(many_names[i], sizeof(many_names[i]), "t%d", i);
		many_keys[i] = K(many_names[i]);
		many_d[i] = i;
	}
	raw_ok(c, "CONFIG RESETSTAT");
	ck_assert_int_eq(vg_store_incr_many(store, many_v, many_keys, many_d,
	                     VG_STORE_BATCH_MAX, 60000),
	    0);
	ck_assert_int_eq(many_v[4095], 4095);
	ck_assert_int_eq(vg_store_get_many(store, many_v, many_found, many_keys,
	                     VG_STORE_BATCH_MAX),
	    0);
	for (int i = 0; i < VG_STORE_BATCH_MAX; i++)
		ck_assert(many_found[i] && many_v[i] == i);
	/* The server saw one MGET for 4096 keys and nothing else. */
	ck_assert_int_eq(
	    info_field(c, "commandstats", "cmdstat_mget:calls="), 1);
	ck_assert_int_eq(info_field(c, "commandstats", "cmdstat_get:"), -1);
	ck_assert_int_eq(
	    info_field(c, "commandstats", "cmdstat_incrby:calls="), 4096);
	ck_assert_int_eq(
	    info_field(c, "commandstats", "cmdstat_pexpire:calls="), 4096);
	ck_assert_int_eq(info_field(c, "commandstats", "cmdstat_multi:"), -1);
	vg_store_stats(store, &st);
	ck_assert_uint_eq(st.keys, 4096);
	ck_assert_uint_eq(st.max_keys, 0);
	/*
	 * A read past one MGET's worth (a message of more tokens): MGETs
	 * of 4096 keys written together, one round trip, every value in
	 * its place.
	 */
	for (int i = 0; i < MANY_READ; i++)
		read_keys[i] = many_keys[(i * 7) % VG_STORE_BATCH_MAX];
	raw_ok(c, "CONFIG RESETSTAT");
	ck_assert_int_eq(
	    vg_store_get_many(store, read_v, read_found, read_keys, MANY_READ),
	    0);
	for (int i = 0; i < MANY_READ; i++)
		ck_assert(
		    read_found[i] && read_v[i] == (i * 7) % VG_STORE_BATCH_MAX);
	ck_assert_int_eq(
	    info_field(c, "commandstats", "cmdstat_mget:calls="), 3);
	redisFree(c);
	vg_store_unref(store);
	server_free(&srv);
}
END_TEST

START_TEST(test_store_redis_auth_db)
{
	struct server srv = {0};
	struct vg_store *store;
	redisContext *c;
	redisReply *rep;
	int64_t v;
	bool found;

	vg_log_set_sink(count_sink, NULL, VG_LOG_DEBUG);
	server_start(&srv, "s3cret");
	store = private_store(&srv, 0, "s3cret", 3);
	ck_assert_int_eq(vg_store_set(store, K("k"), 5, 0), 0);
	ck_assert_int_eq(log_warnings, 0);
	vg_store_unref(store);
	/* It went to database 3, nowhere else. */
	c = redisConnect("127.0.0.1", srv.port);
	ck_assert(c != NULL && c->err == 0);
	rep = redisCommand(c, "AUTH s3cret");
	ck_assert(rep != NULL && rep->type == REDIS_REPLY_STATUS);
	freeReplyObject(rep);
	rep = redisCommand(c, "GET k");
	ck_assert(rep != NULL && rep->type == REDIS_REPLY_NIL);
	freeReplyObject(rep);
	rep = redisCommand(c, "SELECT 3");
	freeReplyObject(rep);
	rep = redisCommand(c, "GET k");
	ck_assert(rep != NULL && rep->type == REDIS_REPLY_STRING);
	ck_assert_str_eq(rep->str, "5");
	freeReplyObject(rep);
	redisFree(c);
	/* Wrong or no password: VG_ETEMP, one log line, however many calls. */
	store = private_store(&srv, 0, "wrong", 3);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(
		    vg_store_get(store, &v, &found, K("k")), VG_ETEMP);
	ck_assert_int_eq(log_warnings, 1);
	vg_store_unref(store);
	store = private_store(&srv, 0, NULL, 3);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(
		    vg_store_get(store, &v, &found, K("k")), VG_ETEMP);
	ck_assert_int_eq(log_warnings, 2);
	vg_store_unref(store);
	vg_log_set_sink(NULL, NULL, VG_LOG_DEBUG);
	server_free(&srv);
}
END_TEST

/* elapsed_get - a get's rc, and how long it took in *ms */
static int
elapsed_get(struct vg_store *store, uint64_t *ms)
{
	uint64_t t0 = vg_clock_ms();
	int64_t v;
	bool found;
	int rc = vg_store_get(store, &v, &found, K("k"));

	*ms = vg_clock_ms() - t0;
	return rc;
}

START_TEST(test_store_redis_down_up)
{
	struct vg_store_window w = {
	    K("w"), {NULL, 0}, {NULL, 0}, 0, 1, 1, 5, 0};
	struct vg_store_window_res res;
	struct server srv = {0};
	struct vg_store *store;
	uint64_t ms;
	int rc = VG_ETEMP;

	vg_log_set_sink(count_sink, NULL, VG_LOG_DEBUG);
	server_start(&srv, NULL);
	store = private_store(&srv, 200, NULL, 0);
	ck_assert_int_eq(vg_store_set(store, K("k"), 1, 0), 0);
	ck_assert_int_eq(vg_store_window_add(store, &res, &w), 0);
	server_kill(&srv);
	/* Down: every call fails, none waits past the timeout. */
	for (int i = 0; i < 20; i++) {
		ck_assert_int_eq(elapsed_get(store, &ms), VG_ETEMP);
		ck_assert_msg(ms <= 200 + 300, "call %d took %llu ms", i,
		    (unsigned long long)ms);
		usleep(100000);
	}
	ck_assert_int_eq(vg_store_window_add(store, &res, &w), VG_ETEMP);
	ck_assert_int_eq(log_warnings, 1);
	/* Back on the same port (empty, with no scripts): calls work again. */
	server_start(&srv, NULL);
	for (int i = 0; i < 40 && rc != 0; i++) {
		rc = elapsed_get(store, &ms);
		ck_assert(rc == 0 || rc == VG_ETEMP);
		if (rc != 0)
			usleep(100000);
	}
	ck_assert_msg(rc == 0, "the store did not come back");
	ck_assert_int_eq(log_infos, 1);
	{
		struct vg_store_stats st;

		vg_store_stats(store, &st);
		ck_assert(!st.down);
		ck_assert_int_eq(st.outages, 1);
		ck_assert_uint_gt(st.fast_fails, 0);
	}
	/* The window script is loaded again (NOSCRIPT, then EVAL). */
	ck_assert_int_eq(vg_store_window_add(store, &res, &w), 0);
	ck_assert(res.added && res.count == 1);
	/* A restart that the store did not see costs no call. */
	server_kill(&srv);
	server_start(&srv, NULL);
	ck_assert_int_eq(vg_store_window_add(store, &res, &w), 0);
	ck_assert(res.added && res.count == 1);
	vg_store_unref(store);
	/* Opening while the server is down succeeds; calls fail. */
	server_kill(&srv);
	store = private_store(&srv, 200, NULL, 0);
	ck_assert_int_eq(elapsed_get(store, &ms), VG_ETEMP);
	ck_assert(ms <= 200 + 300);
	vg_store_unref(store);
	vg_log_set_sink(NULL, NULL, VG_LOG_DEBUG);
	server_free(&srv);
}
END_TEST

/* One thread of the half-open test: a get's rc and time. */
struct probe_arg {
	struct vg_store *store;
	uint64_t ms;
	int rc;
};

static void *
probe_run(void *arg)
{
	struct probe_arg *a = arg;

	a->rc = elapsed_get(a->store, &a->ms);
	return NULL;
}

START_TEST(test_store_redis_hung)
{
	struct probe_arg pa[4];
	pthread_t th[4];
	struct vg_store_stats st;
	int waited = 0;
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	struct vg_store_opts opts = {.timeout_ms = 1000};
	struct vg_store *store = NULL;
	char loc[64];
	uint64_t t0, ms;
	int fd;

	/* A server that accepts (the kernel does) and never answers. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 64), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	(void)snprintf(loc, sizeof(loc), "127.0.0.1:%d", ntohs(sin.sin_port));
	opts.location = loc;
	t0 = vg_clock_ms();
	ck_assert_int_eq(vg_store_new(&store, "redis", &opts), 0);
	ms = vg_clock_ms() - t0;
	ck_assert_msg(
	    ms <= 1000 + 500, "open took %llu ms", (unsigned long long)ms);
	/* In the back-off: at once. */
	ck_assert_int_eq(elapsed_get(store, &ms), VG_ETEMP);
	ck_assert_msg(
	    ms <= 300, "got %llu ms, want at once", (unsigned long long)ms);
	/* After it: one more wait of the timeout, no more. */
	usleep(1100000);
	ck_assert_int_eq(elapsed_get(store, &ms), VG_ETEMP);
	ck_assert_msg(ms >= 900 && ms <= 1000 + 500, "got %llu ms, want ~1000",
	    (unsigned long long)ms);
	/*
	 * Half-open: after the next back-off, of four calls at once only
	 * one (the probe) waits for the hung server; the others fail at
	 * once.
	 */
	usleep(1100000);
	for (int i = 0; i < 4; i++) {
		pa[i].store = store;
		ck_assert_int_eq(
		    pthread_create(&th[i], NULL, probe_run, &pa[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_int_eq(pa[i].rc, VG_ETEMP);
		if (pa[i].ms >= 900)
			waited++;
		else
			ck_assert_msg(pa[i].ms <= 300, "call %d: %llu ms", i,
			    (unsigned long long)pa[i].ms);
	}
	ck_assert_int_eq(waited, 1);
	vg_store_stats(store, &st);
	ck_assert(st.down);
	ck_assert_int_eq(st.outages, 1);
	ck_assert_uint_ge(st.fast_fails, 4);
	vg_store_unref(store);
	close(fd);
}
END_TEST

/*
 * A unix-socket "server" that accepts, lets the store start writing an
 * AUTH of 4 MB (the socket buffer fills, the write blocks), then closes:
 * the blocked write returns short, and hiredis's next write gets EPIPE,
 * which raises SIGPIPE unless the store blocks it.
 */
static void *
epipe_run(void *arg)
{
	int lfd = *(int *)arg, fd;

	if ((fd = accept(lfd, NULL, NULL)) < 0)
		return NULL;
	usleep(300000);
	close(fd);
	return NULL;
}

START_TEST(test_store_redis_sigpipe)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct vg_store_opts opts = {.timeout_ms = 3000};
	struct vg_store *store = NULL;
	const size_t pwlen = 4 << 20;
	sigset_t pending;
	char *password;
	pthread_t t;
	int fd;

	/* SIGPIPE at its default action: it would kill this process. */
	(void)signal(SIGPIPE, SIG_DFL);
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/epipe-%ld.sock",
	    VG_BINARY_DIR, (long)getpid());
	(void)unlink(sun.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, epipe_run, &fd), 0);
	password = malloc(pwlen + 1);
	ck_assert_ptr_nonnull(password);
	memset(password, 'x', pwlen);
	password[pwlen] = '\0';
	opts.location = sun.sun_path;
	opts.password = password;
	/* The first connection fails; the store opens all the same. */
	ck_assert_int_eq(vg_store_new(&store, "redis", &opts), 0);
	pthread_join(t, NULL);
	/* Still alive, and no SIGPIPE left pending or blocked. */
	ck_assert_int_eq(sigpending(&pending), 0);
	ck_assert(!sigismember(&pending, SIGPIPE));
	ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, NULL, &pending), 0);
	ck_assert(!sigismember(&pending, SIGPIPE));
	vg_store_unref(store);
	free(password);
	close(fd);
	(void)unlink(sun.sun_path);
}
END_TEST

/* store_redis_suite - one TCase per behaviour */
static Suite *
store_redis_suite(void)
{
	Suite *s = suite_create("store_redis");
	TCase *tc;

	tc = tcase_create("data");
	tcase_add_test(tc, test_store_redis_location);
	tcase_add_test(tc, test_store_redis_ttl);
	tcase_add_test(tc, test_store_redis_not_counters);
	tcase_add_test(tc, test_store_redis_window_exact);
	suite_add_tcase(s, tc);
	tc = tcase_create("concurrency");
	tcase_add_test(tc, test_store_redis_threads);
	tcase_add_test(tc, test_store_redis_processes);
	tcase_add_test(tc, test_store_redis_one_round_trip);
	suite_add_tcase(s, tc);
	tc = tcase_create("failure");
	tcase_add_test(tc, test_store_redis_auth_db);
	tcase_add_test(tc, test_store_redis_down_up);
	tcase_add_test(tc, test_store_redis_hung);
	tcase_add_test(tc, test_store_redis_sigpipe);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(store_redis_suite)
