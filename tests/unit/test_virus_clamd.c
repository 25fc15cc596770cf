/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_virus_clamd - the clamd backend's own limits and errors: the
 * clamd_servers syntax, servers that cannot be reached, the INSTREAM
 * framing (chunks of at most 64 KiB, the end marker) and the reply bound.
 * Real clamd servers are tests/milter/t-clamd.sh; the framing and the
 * reply bound need a peer that records what it got and says what clamd
 * never says, so here a thread plays clamd on a unix socket.  The same
 * peer checks the streaming path (virus_backend.h, STREAMING): a large
 * message, one in many small chunks, and a server that closes mid-stream
 * (a clamd that died: tests/milter/t-clamd.sh kills real ones), which
 * the peer can do at a chosen byte and a killed clamd cannot.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
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

/*
 * The peer: PING and VERSION are answered at once ("PONG", version); each
 * INSTREAM connection gets the next scripted reply, and the peer stops
 * after nreplies of them.  With cut_at, the first INSTREAM connection is
 * closed without a reply once that many message bytes came (a clamd that
 * died mid-stream), and counts as one of nreplies.
 */
struct peer {
	int lfd;
	char path[108];
	const char *version;    /* NULL: "ClamAV 9.9.9/1/test" */
	const char *replies[4]; /* NULL: a reply of reply_len bytes 'A' */
	size_t reply_len;
	size_t nreplies;
	size_t cut_at;
	/* what the INSTREAM connections sent */
	size_t max_chunk;
	size_t total;       /* all connections */
	size_t chunks;      /* all connections */
	int framing_ok;     /* the last: "zINSTREAM\0", chunks, a 0 length: 1 */
	unsigned char *got; /* the last connection's message, malloc'd */
	size_t got_len;
	size_t pings, versions;
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

/* peer_cmd - the command up to its NUL into cmd (32 bytes); false at EOF */
static bool
peer_cmd(int fd, char *cmd)
{
	for (size_t i = 0; i < 31; i++) {
		if (read_full(fd, cmd + i, 1) != 1)
			return false;
		if (cmd[i] == '\0')
			return true;
	}
	return false;
}

/* peer_instream - read one INSTREAM's chunks; false when cut */
static bool
peer_instream(struct peer *p, int fd, bool cut)
{
	static unsigned char chunk[128 * 1024];
	size_t cap = 1024;

	free(p->got);
	p->got = malloc(cap);
	p->got_len = 0;
	p->framing_ok = 0;
	for (;;) {
		uint32_t be;
		size_t len;

		if (read_full(fd, &be, 4) != 4)
			return true;
		len = ntohl(be);
		if (len == 0)
			break;
		if (len > sizeof(chunk) || read_full(fd, chunk, len) != len)
			return true;
		p->chunks++;
		p->total += len;
		if (len > p->max_chunk)
			p->max_chunk = len;
		while (p->got_len + len > cap)
			cap *= 2;
		p->got = realloc(p->got, cap);
		memcpy(p->got + p->got_len, chunk, len);
		p->got_len += len;
		if (cut && p->got_len >= p->cut_at)
			return false;
	}
	p->framing_ok = 1;
	return true;
}

static void *
peer_main(void *arg)
{
	struct peer *p = arg;
	size_t served = 0;

	while (served < p->nreplies) {
		int fd = accept(p->lfd, NULL, NULL);
		const char *r;
		char cmd[32], *big;

		if (fd < 0)
			break;
		if (!peer_cmd(fd, cmd)) {
			close(fd);
			continue;
		}
		if (strcmp(cmd, "zPING") == 0 || strcmp(cmd, "zVERSION") == 0) {
			if (cmd[1] == 'P')
				p->pings++;
			else
				p->versions++;
			r = cmd[1] == 'P'        ? "PONG"
			    : p->version != NULL ? p->version
			                         : "ClamAV 9.9.9/1/test";
			(void)send(fd, r, strlen(r) + 1, MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		if (strcmp(cmd, "zINSTREAM") != 0) {
			close(fd);
			continue;
		}
		if (!peer_instream(p, fd, p->cut_at > 0 && served == 0)) {
			/* died mid-stream: no reply, nothing more read */
			close(fd);
			served++;
			continue;
		}
		r = p->replies[served++];
		if (r != NULL) {
			(void)send(fd, r, strlen(r) + 1, MSG_NOSIGNAL);
		} else if ((big = malloc(p->reply_len)) != NULL) {
			memset(big, 'A', p->reply_len);
			(void)send(fd, big, p->reply_len, MSG_NOSIGNAL);
			free(big);
		}
		close(fd);
	}
	return NULL;
}

/* peer_start - listen on a fresh socket in /tmp, named after tag */
static void
peer_start(struct peer *p, pthread_t *th, const char *tag)
{
	struct sockaddr_un sun;

	snprintf(p->path, sizeof(p->path), "/tmp/vg-clamd-%ld%s.sock",
	    (long)getpid(), tag);
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
	    .replies = {"stream: Test.Virus FOUND"}, .nreplies = 1};
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
	peer_start(&p, &th, "");
	conf = conf_for(p.path);
	vg_err_init(&err);
	ck_assert_int_eq(be->create(&st, &conf, &err), 0);
	/* Without its date, as the in-process backend names itself. */
	ck_assert_str_eq(be->version(st), "ClamAV 9.9.9/1");
	ck_assert_int_eq(vg_msg_from_bytes(&msg, NULL, raw, size), 0);
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(be->scan(st, msg, &out), 0);
	peer_stop(&p, th);
	ck_assert_int_eq(out.kind, VG_VB_INFECTED);
	ck_assert_str_eq(out.name, "Test.Virus");
	ck_assert_str_eq(out.engine, "ClamAV 9.9.9/1");
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
 * fails at once without connecting; after it, PING brings it back.
 * "... ERROR" is INCOMPLETE with the reply as the reason.
 */
START_TEST(test_clamd_replies)
{
	static struct peer p = {.version = "ClamAV 1.4.6",
	    .replies = {NULL, "stream: hello",
	        "INSTREAM size limit exceeded. ERROR"},
	    .reply_len = 1024,
	    .nreplies = 3};
	const struct vg_virus_backend_ops *be = clamd();
	struct vg_virus_scan out;
	struct vg_conf conf;
	struct vg_err err;
	struct vg_msg *msg;
	void *st = NULL;
	pthread_t th;

	peer_start(&p, &th, "");
	conf = conf_for(p.path);
	vg_err_init(&err);
	ck_assert_int_eq(be->create(&st, &conf, &err), 0);
	/* A clamd without a daily database says no more: "/0" as libclamav */
	ck_assert_str_eq(be->version(st), "ClamAV 1.4.6/0");
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

	/* After the back-off, PING brings it back (and VERSION again). */
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(be->scan(st, msg, &out), VG_ETEMP);
	ck_assert_msg(strstr(out.reason, "unexpected reply") != NULL,
	    "got \"%s\"", out.reason);
	ck_assert_uint_eq(p.pings, 1);
	ck_assert_uint_eq(p.versions, 2);

	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(be->scan(st, msg, &out), 0);
	ck_assert_int_eq(out.kind, VG_VB_INCOMPLETE);
	ck_assert_str_eq(out.reason, "INSTREAM size limit exceeded. ERROR");
	peer_stop(&p, th);
	vg_msg_free(msg);
	be->free(st);
}
END_TEST

/*
 * stream_msg - a message filled as the milter fills it, each body chunk
 * given to the backend's body() right after the message took it: nchunks
 * chunks of chunk_len bytes, the last (if eicar) the EICAR line; then
 * finished and given to eom().  *before_eom is what the peer had read
 * before eom(), so a test can see that the message went out as it came.
 */
static struct vg_msg *
stream_msg(const struct vg_virus_backend_ops *be, void *st, size_t chunk_len,
    size_t nchunks, const struct peer *p, size_t *before_eom)
{
	struct vg_msg *msg;
	unsigned char *chunk = malloc(chunk_len);

	ck_assert_ptr_nonnull(chunk);
	for (size_t i = 0; i < chunk_len; i++)
		chunk[i] = (unsigned char)('a' + i % 26);
	if (chunk_len >= 2)
		memcpy(chunk + chunk_len - 2, "\r\n", 2);
	ck_assert_int_eq(vg_msg_new(&msg, NULL), 0);
	ck_assert_int_eq(vg_msg_add_header(msg, "From", " a@example.com"), 0);
	ck_assert_int_eq(vg_msg_add_header(msg, "Subject", " stream"), 0);
	ck_assert_int_eq(vg_msg_end_headers(msg), 0);
	for (size_t i = 0; i < nchunks; i++) {
		chunk[0] = (unsigned char)('A' + i % 26); /* no two alike */
		ck_assert_int_eq(vg_msg_add_body(msg, chunk, chunk_len), 0);
		be->body(st, msg, chunk, chunk_len);
	}
	ck_assert_int_eq(vg_msg_finish(msg), 0);
	/* The peer reads in its own thread: give it a moment. */
	(void)usleep(100 * 1000);
	*before_eom = p->total;
	be->eom(st, msg);
	free(chunk);
	return msg;
}

/* assert_got_msg - the peer's last INSTREAM carried msg, byte for byte */
static void
assert_got_msg(const struct peer *p, const struct vg_msg *msg)
{
	size_t len;
	const unsigned char *raw = vg_msg_raw(msg, &len);

	ck_assert_int_eq(p->framing_ok, 1);
	ck_assert_uint_eq(p->got_len, len);
	ck_assert_int_eq(memcmp(p->got, raw, len), 0);
}

/*
 * A 3 MB message streamed in 64 KiB chunks: clamd had most of it before
 * the end of the message (the socket buffers hold far less), got it
 * byte for byte, one INSTREAM chunk per body chunk plus the header block,
 * and collect() gives its answer and version.
 */
START_TEST(test_clamd_stream_large)
{
	static struct peer p = {.replies = {"stream: OK"}, .nreplies = 1};
	const struct vg_virus_backend_ops *be = clamd();
	size_t n = 48, before;
	struct vg_virus_scan out;
	struct vg_conf conf;
	struct vg_err err;
	struct vg_msg *msg;
	void *st = NULL;
	pthread_t th;

	peer_start(&p, &th, "");
	conf = conf_for(p.path);
	vg_err_init(&err);
	ck_assert_int_eq(be->create(&st, &conf, &err), 0);
	msg = stream_msg(be, st, 64 * 1024, n, &p, &before);
	ck_assert_msg(before >= 2 * 1024 * 1024,
	    "got %zu bytes before the end, want them streamed", before);
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(be->collect(st, msg, UINT64_MAX, &out), 0);
	peer_stop(&p, th);
	ck_assert_int_eq(out.kind, VG_VB_CLEAN);
	ck_assert_str_eq(out.engine, "ClamAV 9.9.9/1");
	assert_got_msg(&p, msg);
	ck_assert_uint_eq(p.chunks, n + 1);
	ck_assert_uint_eq(p.max_chunk, 64 * 1024);
	vg_msg_free(msg);
	be->free(st);
	free(p.got);
}
END_TEST

/*
 * 20000 chunks of 5 bytes: each goes out as it comes (20001 INSTREAM
 * chunks with the header block), the message arrives whole, and a
 * FOUND reply is INFECTED.
 */
START_TEST(test_clamd_stream_small_chunks)
{
	static struct peer p = {
	    .replies = {"stream: Eicar-Test-Signature FOUND"}, .nreplies = 1};
	const struct vg_virus_backend_ops *be = clamd();
	size_t n = 20000, before;
	struct vg_virus_scan out;
	struct vg_conf conf;
	struct vg_err err;
	struct vg_msg *msg;
	void *st = NULL;
	pthread_t th;

	peer_start(&p, &th, "");
	conf = conf_for(p.path);
	vg_err_init(&err);
	ck_assert_int_eq(be->create(&st, &conf, &err), 0);
	msg = stream_msg(be, st, 5, n, &p, &before);
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(be->collect(st, msg, UINT64_MAX, &out), 0);
	peer_stop(&p, th);
	ck_assert_int_eq(out.kind, VG_VB_INFECTED);
	ck_assert_str_eq(out.name, "Eicar-Test-Signature");
	assert_got_msg(&p, msg);
	ck_assert_uint_eq(p.chunks, n + 1);
	/* the largest is the header block */
	ck_assert_uint_eq(p.max_chunk, vg_msg_body_offset(msg));
	vg_msg_free(msg);
	be->free(st);
	free(p.got);
}
END_TEST

/*
 * The first server closes the connection without a reply after 100 KB
 * of a 1 MB message (a clamd that died mid-stream): collect() sends the
 * stored copy to the second, which gets all of it and answers; the
 * first is then in its back-off, so the next message goes to the second
 * without trying it.
 */
START_TEST(test_clamd_stream_cut)
{
	static struct peer a = {.cut_at = 100 * 1000, .nreplies = 1};
	static struct peer b = {
	    .replies = {"stream: OK", "stream: OK"}, .nreplies = 2};
	const struct vg_virus_backend_ops *be = clamd();
	size_t before;
	char servers[300];
	struct vg_virus_scan out;
	struct vg_conf conf;
	struct vg_err err;
	struct vg_msg *msg;
	void *st = NULL;
	pthread_t ta, tb;

	peer_start(&a, &ta, "a");
	peer_start(&b, &tb, "b");
	snprintf(servers, sizeof(servers), "%s, %s", a.path, b.path);
	conf = conf_for(servers);
	vg_err_init(&err);
	ck_assert_int_eq(be->create(&st, &conf, &err), 0);
	/* The rotation starts at the first server: a. */
	msg = stream_msg(be, st, 64 * 1024, 16, &a, &before);
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(be->collect(st, msg, UINT64_MAX, &out), 0);
	ck_assert_int_eq(out.kind, VG_VB_CLEAN);
	ck_assert_int_eq(a.framing_ok, 0);
	ck_assert_uint_ge(a.got_len, 100 * 1000);
	assert_got_msg(&b, msg);
	vg_msg_free(msg);

	/* The next message starts at b's turn anyway; the one after would
	 * be a's, which is in its back-off: b again. */
	msg = stream_msg(be, st, 1000, 3, &b, &before);
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(be->collect(st, msg, UINT64_MAX, &out), 0);
	ck_assert_int_eq(out.kind, VG_VB_CLEAN);
	peer_stop(&a, ta);
	peer_stop(&b, tb);
	assert_got_msg(&b, msg);
	ck_assert_uint_eq(a.pings, 0);
	vg_msg_free(msg);
	be->free(st);
	free(a.got);
	free(b.got);
}
END_TEST

/*
 * No server: the stream never starts and collect() is VG_ETEMP (the
 * stage's on_error), never an answer.  A message past max_size is not
 * streamed at all.
 */
START_TEST(test_clamd_stream_unreached)
{
	struct vg_conf conf = conf_for("/nonexistent/a.sock");
	const struct vg_virus_backend_ops *be = clamd();
	struct vg_msg_limits lim = {.max_size = 100,
	    .memory_limit = 1 << 20,
	    .max_headers = 10,
	    .max_header_size = 100,
	    .max_rcpts = 1};
	struct vg_virus_scan out;
	struct vg_err err;
	struct vg_msg *msg;
	void *st = NULL;

	vg_err_init(&err);
	ck_assert_int_eq(be->create(&st, &conf, &err), 0);
	ck_assert_int_eq(vg_msg_new(&msg, NULL), 0);
	ck_assert_int_eq(vg_msg_end_headers(msg), 0);
	ck_assert_int_eq(vg_msg_add_body(msg, "x\r\n", 3), 0);
	be->body(st, msg, (const unsigned char *)"x\r\n", 3);
	ck_assert_int_eq(vg_msg_finish(msg), 0);
	be->eom(st, msg);
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(be->collect(st, msg, UINT64_MAX, &out), VG_ETEMP);
	ck_assert_msg(
	    strncmp(out.reason, "clamd: ", 7) == 0, "got \"%s\"", out.reason);
	vg_msg_free(msg);

	ck_assert_int_eq(vg_msg_new(&msg, &lim), 0);
	ck_assert_int_eq(vg_msg_end_headers(msg), 0);
	{
		static const unsigned char big[200] = {'x'};

		ck_assert_int_eq(vg_msg_add_body(msg, big, sizeof(big)), 0);
		ck_assert(vg_msg_oversized(msg));
		be->body(st, msg, big, sizeof(big));
		ck_assert_ptr_null(vg_msg_ext(msg, VG_MSG_SLOT_VIRUS));
	}
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
	tcase_add_test(tc, test_clamd_stream_large);
	tcase_add_test(tc, test_clamd_stream_small_chunks);
	tcase_add_test(tc, test_clamd_stream_cut);
	tcase_add_test(tc, test_clamd_stream_unreached);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(virus_clamd_suite)
