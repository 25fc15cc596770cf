/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_virus_clamd - the clamd backend's own limits and errors: the
 * clamd_servers syntax, servers that cannot be reached, the INSTREAM
 * framing (chunks of at most 64 KiB, the end marker) and the reply bound.
 * Real clamd servers are tests/milter/t-clamd.sh; the framing and the
 * reply bound need a peer that records what it got and says what clamd
 * never says, so here a thread plays clamd on a unix socket.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vg_check.h"
#include "base/compiler.h"
#include "base/conf.h"
#include "base/err.h"
#include "message/msg.h"
#include "stages/virus_backend.h"

/* conf_for - a config with the clamd backend on servers */
static struct vg_conf
conf_for(const char *servers)
{
	struct vg_conf conf;

	memset(&conf, 0, sizeof(conf));
	conf.virus_scan = true;
	conf.virus_backend = (char *)(uintptr_t) "clamd";
	conf.clamd_servers = (char *)(uintptr_t)servers;
	conf.clamd_timeout_ms = 2000;
	return conf;
}

static const struct vg_virus_backend_ops *
clamd(void)
{
	const struct vg_virus_backend_ops *be = vg_virus_backend_find("clamd");

	ck_assert_ptr_nonnull(be);
	ck_assert_str_eq(be->name, "clamd");
	return be;
}

static const char *const bad_servers[] = {
    "foo",
    "[::1]3310",
    "[::1]:",
    "host:0",
    "host:65536",
    "host:33x",
    ":3310",
    "a:b:c",
    "unix:",
    "unix:relative",
    "/ok.sock, foo",
    /* 17 servers: one too many */
    "/a /a /a /a /a /a /a /a /a /a /a /a /a /a /a /a /a",
    "",
    " , ",
};

/* A malformed entry, too many, or none: VG_ECONFIG naming the key. */
START_TEST(test_clamd_bad_servers)
{
	struct vg_conf conf = conf_for(bad_servers[_i]);
	struct vg_err err;
	void *st = &err;

	vg_err_init(&err);
	ck_assert_int_eq(clamd()->create(&st, &conf, &err), VG_ECONFIG);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(vg_err_text(&err), "clamd_servers") != NULL,
	    "%s: got \"%s\"", bad_servers[_i], vg_err_text(&err));
}
END_TEST

/* A socket path longer than sun_path is refused, not cut. */
START_TEST(test_clamd_long_path)
{
	char path[200];
	struct vg_conf conf;
	struct vg_err err;
	void *st = NULL;

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	conf = conf_for(path);
	vg_err_init(&err);
	ck_assert_int_eq(clamd()->create(&st, &conf, &err), VG_ECONFIG);
}
END_TEST

/*
 * Nothing listening: start-up goes on with "clamd (unreached)", and a scan
 * is VG_ETEMP (the stage's on_error), never an answer.
 */
START_TEST(test_clamd_unreached)
{
	struct vg_conf conf = conf_for(
	    "unix:/nonexistent/clamd.sock, 127.0.0.1:1 [::1]:1 /nonexistent/b");
	const struct vg_virus_backend_ops *be = clamd();
	struct vg_virus_scan out;
	struct vg_err err;
	struct vg_msg *msg;
	void *st = NULL;

	vg_err_init(&err);
	ck_assert_int_eq(be->create(&st, &conf, &err), 0);
	ck_assert_str_eq(be->version(st), "clamd (unreached)");
	ck_assert_int_eq(vg_msg_from_bytes(&msg, NULL, "A: b\n\nc\n", 8), 0);
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(be->scan(st, msg, &out), VG_ETEMP);
	ck_assert_msg(strstr(out.reason, "no server answered (4 tried") != NULL,
	    "got \"%s\"", out.reason);
	vg_msg_free(msg);
	be->free(st);
	be->free(NULL);
}
END_TEST

/* The peer: one scripted reply per connection, in order. */
struct peer {
	int lfd;
	char path[108];
	const char *replies[4]; /* NULL: a reply of reply_len bytes 'A' */
	size_t reply_len;
	size_t nreplies;
	/* what the INSTREAM connections sent */
	size_t max_chunk;
	size_t total;
	size_t chunks;
	int framing_ok; /* "zINSTREAM\0", chunks, a 0 length: 1 */
};

/* read_full - n bytes or fewer at the end; the count read */
static size_t
read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

/* peer_request - read one request; INSTREAM's chunks are counted */
static void
peer_request(struct peer *p, int fd)
{
	char cmd[10];
	static char chunk[128 * 1024];

	if (read_full(fd, cmd, 1) != 1 || cmd[0] != 'z')
		return;
	/* zVERSION\0 or zINSTREAM\0: both 9 bytes after the z */
	if (read_full(fd, cmd + 1, 8) != 8)
		return;
	if (memcmp(cmd, "zVERSION", 9) == 0) /* with its NUL */
		return;
	if (memcmp(cmd, "zINSTREAM", 9) != 0 || read_full(fd, cmd, 1) != 1 ||
	    cmd[0] != '\0')
		return;
	for (;;) {
		uint32_t be;
		size_t len;

		if (read_full(fd, &be, 4) != 4)
			return;
		len = ntohl(be);
		if (len == 0)
			break;
		if (len > sizeof(chunk) || read_full(fd, chunk, len) != len)
			return;
		p->chunks++;
		p->total += len;
		if (len > p->max_chunk)
			p->max_chunk = len;
	}
	p->framing_ok = 1;
}

static void *
peer_main(void *arg)
{
	struct peer *p = arg;

	for (size_t i = 0; i < p->nreplies; i++) {
		int fd = accept(p->lfd, NULL, NULL);
		char *big;

		if (fd < 0)
			break;
		peer_request(p, fd);
		if (p->replies[i] != NULL) {
			(void)write(
			    fd, p->replies[i], strlen(p->replies[i]) + 1);
		} else if ((big = malloc(p->reply_len)) != NULL) {
			memset(big, 'A', p->reply_len);
			(void)send(fd, big, p->reply_len, MSG_NOSIGNAL);
			free(big);
		}
		close(fd);
	}
	return NULL;
}

/* peer_start - listen on a fresh socket in /tmp */
static void
peer_start(struct peer *p, pthread_t *th)
{
	struct sockaddr_un sun;

	snprintf(
	    p->path, sizeof(p->path), "/tmp/vg-clamd-%ld.sock", (long)getpid());
	(void)unlink(p->path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", p->path);
	p->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(p->lfd, 0);
	ck_assert_int_eq(
	    bind(p->lfd, (struct sockaddr *)&sun, (socklen_t)sizeof(sun)), 0);
	ck_assert_int_eq(listen(p->lfd, 4), 0);
	ck_assert_int_eq(pthread_create(th, NULL, peer_main, p), 0);
}

static void
peer_stop(struct peer *p, pthread_t th)
{
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	close(p->lfd);
	(void)unlink(p->path);
}

/*
 * 200 KB go in chunks of at most 64 KiB ending with a zero length; the
 * VERSION reply is the version text; "stream: X FOUND" is INFECTED.
 */
START_TEST(test_clamd_framing)
{
	static struct peer p = {
	    .replies = {"ClamAV 9.9.9/1/test", "stream: Test.Virus FOUND"},
	    .nreplies = 2};
	const struct vg_virus_backend_ops *be = clamd();
	size_t size = 200 * 1000;
	char *raw = malloc(size);
	struct vg_virus_scan out;
	struct vg_conf conf;
	struct vg_err err;
	struct vg_msg *msg;
	void *st = NULL;
	pthread_t th;

	ck_assert_ptr_nonnull(raw);
	memset(raw, 'x', size);
	memcpy(raw, "A: b\n\n", 6);
	peer_start(&p, &th);
	conf = conf_for(p.path);
	vg_err_init(&err);
	ck_assert_int_eq(be->create(&st, &conf, &err), 0);
	ck_assert_str_eq(be->version(st), "ClamAV 9.9.9/1/test");
	ck_assert_int_eq(vg_msg_from_bytes(&msg, NULL, raw, size), 0);
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(be->scan(st, msg, &out), 0);
	peer_stop(&p, th);
	ck_assert_int_eq(out.kind, VG_VB_INFECTED);
	ck_assert_str_eq(out.name, "Test.Virus");
	ck_assert_int_eq(p.framing_ok, 1);
	ck_assert_uint_eq(p.total, size);
	ck_assert_uint_eq(p.max_chunk, 64 * 1024);
	ck_assert_uint_eq(p.chunks, 4);
	vg_msg_free(msg);
	be->free(st);
	free(raw);
}
END_TEST

/*
 * A reply of 1024 bytes without its NUL is over the bound; one clamd never
 * gives is an error too: both VG_ETEMP, never CLEAN.  After the first, a
 * failure, the server is skipped for its 1 s back-off: the next call
 * fails at once without connecting.  "... ERROR" is INCOMPLETE with the
 * reply as the reason.
 */
START_TEST(test_clamd_replies)
{
	static struct peer p = {.replies = {"ClamAV 1", NULL, "stream: hello",
	                            "INSTREAM size limit exceeded. ERROR"},
	    .reply_len = 1024,
	    .nreplies = 4};
	const struct vg_virus_backend_ops *be = clamd();
	struct vg_virus_scan out;
	struct vg_conf conf;
	struct vg_err err;
	struct vg_msg *msg;
	void *st = NULL;
	pthread_t th;

	peer_start(&p, &th);
	conf = conf_for(p.path);
	vg_err_init(&err);
	ck_assert_int_eq(be->create(&st, &conf, &err), 0);
	ck_assert_int_eq(vg_msg_from_bytes(&msg, NULL, "A: b\n\nc\n", 8), 0);

	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(be->scan(st, msg, &out), VG_ETEMP);
	ck_assert_msg(strstr(out.reason, "reply longer than") != NULL,
	    "got \"%s\"", out.reason);

	/* The server failed: skipped for 1 s, the call fails at once. */
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(be->scan(st, msg, &out), VG_ETEMP);
	ck_assert_msg(strstr(out.reason, "every server failed within") != NULL,
	    "got \"%s\"", out.reason);
	(void)usleep(1100 * 1000);

	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(be->scan(st, msg, &out), VG_ETEMP);
	ck_assert_msg(strstr(out.reason, "unexpected reply") != NULL,
	    "got \"%s\"", out.reason);

	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(be->scan(st, msg, &out), 0);
	ck_assert_int_eq(out.kind, VG_VB_INCOMPLETE);
	ck_assert_str_eq(out.reason, "INSTREAM size limit exceeded. ERROR");
	peer_stop(&p, th);
	vg_msg_free(msg);
	be->free(st);
}
END_TEST

static Suite *
virus_clamd_suite(void)
{
	Suite *s = suite_create("virus_clamd");
	TCase *tc = tcase_create("virus_clamd");

	tcase_add_loop_test(
	    tc, test_clamd_bad_servers, 0, (int)VG_NELEM(bad_servers));
	tcase_add_test(tc, test_clamd_long_path);
	tcase_add_test(tc, test_clamd_unreached);
	tcase_add_test(tc, test_clamd_framing);
	tcase_add_test(tc, test_clamd_replies);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(virus_clamd_suite)
