/* SPDX-License-Identifier: GPL-2.0-only */
/* test_msg - the message model: storage, spill, limits, header index */
#include <sys/mman.h>
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vg_guard.h"
#include "vg_check.h"
#include "base/alloc.h"
#include "base/err.h"
#include "message/msg.h"

#define HAM_MSG                                                                \
	VG_SOURCE_DIR "/../shared/corpus/spamassassin/ham/"                    \
	              "easy_ham.00001.7c53336b37003a9286aba55d2945844c"

static char tmpdir[] = "/tmp/vg-test-msg.XXXXXX";

/* setup - a private tmp_dir, so a test can see what is left in it */
static void
setup(void)
{
	memcpy(tmpdir, "/tmp/vg-test-msg.XXXXXX", sizeof(tmpdir));
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* teardown - remove the private tmp_dir (it must be empty) */
static void
teardown(void)
{
	rmdir(tmpdir);
}

/* limits - generous limits with our tmp_dir */
static struct vg_msg_limits
limits(void)
{
	struct vg_msg_limits lim = {
	    .max_size = 1024 * 1024,
	    .memory_limit = 64 * 1024,
	    .max_headers = 100,
	    .max_header_size = 1000,
	    .max_rcpts = 10,
	    .tmp_dir = tmpdir,
	};
	return lim;
}

/* dir_entries - files in dir other than . and .. */
static int
dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* assert_raw - the raw bytes of msg are exactly want (wlen bytes) */
static void
assert_raw(const struct vg_msg *msg, const char *want, size_t wlen)
{
	const unsigned char *raw;
	size_t len;

	raw = vg_msg_raw(msg, &len);
	ck_assert_msg(len == wlen, "raw length: got %zu, want %zu", len, wlen);
	if (wlen > 0)
		ck_assert_msg(memcmp(raw, want, wlen) == 0,
		    "raw bytes differ from the input");
}

static const char simple[] = "Subject: hello\r\n"
                             "From: a@example.com\r\n"
                             "\r\n"
                             "body line\r\n";

START_TEST(test_msg_in_memory)
{
	struct vg_msg_limits lim = limits();
	struct vg_msg *msg;

	ck_assert_int_eq(
	    vg_msg_from_bytes(&msg, &lim, simple, sizeof(simple) - 1), 0);
	ck_assert(!vg_msg_spilled(msg));
	assert_raw(msg, simple, sizeof(simple) - 1);
	ck_assert_uint_eq(vg_msg_size(msg), sizeof(simple) - 1);
	ck_assert_uint_eq(
	    vg_msg_body_offset(msg), strstr(simple, "body") - simple);
	ck_assert_uint_eq(vg_msg_header_count(msg), 2);
	ck_assert_str_eq(vg_msg_header(msg, 0)->name, "Subject");
	ck_assert_str_eq(vg_msg_header(msg, 0)->value, " hello");
	ck_assert_uint_eq(vg_msg_header(msg, 0)->value_len, 6);
	ck_assert_ptr_null(vg_msg_header(msg, 2));
	ck_assert_uint_eq(vg_msg_flags(msg), 0);
	ck_assert_int_eq(dir_entries(tmpdir), 0);
	vg_msg_free(msg);
}
END_TEST

/* memory_limit bytes stay in memory; one more byte moves to the file. */
START_TEST(test_msg_spill_boundary)
{
	struct vg_msg_limits lim = limits();
	size_t len = sizeof(simple) - 1;
	struct vg_msg *msg;

	lim.memory_limit = len;
	ck_assert_int_eq(vg_msg_from_bytes(&msg, &lim, simple, len), 0);
	ck_assert_msg(!vg_msg_spilled(msg),
	    "at exactly memory_limit: got spilled, want memory");
	assert_raw(msg, simple, len);
	vg_msg_free(msg);

	lim.memory_limit = len - 1;
	ck_assert_int_eq(vg_msg_from_bytes(&msg, &lim, simple, len), 0);
	ck_assert_msg(vg_msg_spilled(msg),
	    "one past memory_limit: got memory, want spilled");
	assert_raw(msg, simple, len);
	/* The spill file was unlinked at once: nothing is left in tmp_dir. */
	ck_assert_int_eq(dir_entries(tmpdir), 0);
	vg_msg_free(msg);
}
END_TEST

/* The milter path: headers, end, chunks; spilled mid-body, same bytes. */
START_TEST(test_msg_spill_stream)
{
	struct vg_msg_limits lim = limits();
	struct vg_msg *msg;
	static char body[200000];
	char *want;
	size_t hlen, wlen;
	const char *hdrs = "Subject: big\r\nX-Folded: a\r\n\tb\r\n\r\n";

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (char)(i * 7 + i / 251);
	hlen = strlen(hdrs);
	wlen = hlen + sizeof(body);
	want = malloc(wlen);
	ck_assert_ptr_nonnull(want);
	memcpy(want, hdrs, hlen);
	memcpy(want + hlen, body, sizeof(body));

	lim.memory_limit = 4096;
	ck_assert_int_eq(vg_msg_new(&msg, &lim), 0);
	ck_assert_int_eq(vg_msg_add_header(msg, "Subject", " big"), 0);
	/* A bare LF in a folded value is written as CRLF. */
	ck_assert_int_eq(vg_msg_add_header(msg, "X-Folded", " a\n\tb"), 0);
	ck_assert_int_eq(vg_msg_end_headers(msg), 0);
	ck_assert(!vg_msg_spilled(msg));
	for (size_t off = 0; off < sizeof(body); off += 1000)
		ck_assert_int_eq(
		    vg_msg_add_body(msg, body + off,
		        sizeof(body) - off < 1000 ? sizeof(body) - off : 1000),
		    0);
	ck_assert(vg_msg_spilled(msg));
	ck_assert_int_eq(vg_msg_finish(msg), 0);
	assert_raw(msg, want, wlen);
	ck_assert_uint_eq(vg_msg_body_offset(msg), hlen);
	ck_assert_uint_eq(vg_msg_size(msg), wlen);
	ck_assert_str_eq(
	    vg_msg_header_find(msg, "x-folded", 0)->value, " a\n\tb");
	ck_assert_int_eq(dir_entries(tmpdir), 0);
	/* Read-only after finish. */
	ck_assert_int_eq(vg_msg_add_body(msg, "x", 1), VG_EINVAL);
	vg_msg_free(msg);
	free(want);
}
END_TEST

/* memory_limit 0: every byte goes to the file. */
START_TEST(test_msg_spill_zero_limit)
{
	struct vg_msg_limits lim = limits();
	struct vg_msg *msg;

	lim.memory_limit = 0;
	ck_assert_int_eq(
	    vg_msg_from_bytes(&msg, &lim, simple, sizeof(simple) - 1), 0);
	ck_assert(vg_msg_spilled(msg));
	assert_raw(msg, simple, sizeof(simple) - 1);
	vg_msg_free(msg);
}
END_TEST

/* A spill directory that cannot be used is VG_EIO, never a crash. */
START_TEST(test_msg_spill_eio)
{
	struct vg_msg_limits lim = limits();
	struct vg_msg *msg = NULL;

	lim.memory_limit = 4;
	lim.tmp_dir = "/nonexistent/vigil";
	ck_assert_int_eq(
	    vg_msg_from_bytes(&msg, &lim, simple, sizeof(simple) - 1), VG_EIO);
	ck_assert_ptr_null(msg);

	/* The milter path keeps the message, and says why it failed. */
	ck_assert_int_eq(vg_msg_new(&msg, &lim), 0);
	ck_assert_int_eq(vg_msg_io_errno(msg), 0);
	ck_assert_int_eq(vg_msg_add_header(msg, "Subject", " hello"), VG_EIO);
	ck_assert_msg(vg_msg_io_errno(msg) == ENOENT,
	    "io_errno: got %d, want ENOENT", vg_msg_io_errno(msg));
	ck_assert_str_eq(vg_msg_tmp_dir(msg), "/nonexistent/vigil");
	vg_msg_free(msg);
}
END_TEST

/* Past max_size: counted, not stored, flagged; exactly max_size is fine. */
START_TEST(test_msg_oversized)
{
	struct vg_msg_limits lim = limits();
	size_t len = sizeof(simple) - 1;
	struct vg_msg *msg;
	size_t rlen;

	lim.max_size = len;
	ck_assert_int_eq(vg_msg_from_bytes(&msg, &lim, simple, len), 0);
	ck_assert(!vg_msg_oversized(msg));
	vg_msg_free(msg);

	/* "Subject: hello\r\n\r\n" is 18 bytes: exactly max_size. */
	lim.max_size = 18;
	ck_assert_int_eq(vg_msg_new(&msg, &lim), 0);
	ck_assert_int_eq(vg_msg_add_header(msg, "Subject", " hello"), 0);
	ck_assert_int_eq(vg_msg_end_headers(msg), 0);
	ck_assert(!vg_msg_oversized(msg));
	ck_assert_int_eq(vg_msg_add_body(msg, "0123456789", 10), 0);
	ck_assert(vg_msg_oversized(msg));
	ck_assert_int_eq(vg_msg_finish(msg), 0);
	ck_assert_msg(vg_msg_size(msg) == 28, "size: got %llu, want 28",
	    (unsigned long long)vg_msg_size(msg));
	ck_assert(vg_msg_flags(msg) & VG_MSG_F_OVERSIZED);
	(void)vg_msg_raw(msg, &rlen);
	ck_assert_msg(rlen == 18, "stored: got %zu, want 18", rlen);
	/* Headers are still indexed: the milter needs them. */
	ck_assert_ptr_nonnull(vg_msg_header_find(msg, "subject", 0));
	vg_msg_free(msg);
}
END_TEST

START_TEST(test_msg_header_limits)
{
	struct vg_msg_limits lim = limits();
	static const char in[] = "A: 1\nB: 2\nC: 3\n\nbody\n";
	struct vg_msg *msg;

	lim.max_headers = 2;
	ck_assert_int_eq(vg_msg_from_bytes(&msg, &lim, in, sizeof(in) - 1), 0);
	ck_assert_uint_eq(vg_msg_header_count(msg), 2);
	ck_assert(vg_msg_flags(msg) & VG_MSG_F_TOO_MANY_HEADERS);
	ck_assert_ptr_null(vg_msg_header_find(msg, "C", 0));
	/* Kept raw all the same. */
	assert_raw(msg, in, sizeof(in) - 1);
	ck_assert_uint_eq(vg_msg_body_offset(msg), sizeof(in) - 1 - 5);
	vg_msg_free(msg);

	/*
	 * "B: 2" is 4 bytes: a limit of 4 indexes it whole; 3 indexes it
	 * with its value cut to fit and flags it; 1 leaves no room for the
	 * name and its colon, so nothing is indexed.
	 */
	lim = limits();
	lim.max_header_size = 4;
	ck_assert_int_eq(vg_msg_from_bytes(&msg, &lim, in, sizeof(in) - 1), 0);
	ck_assert_uint_eq(vg_msg_header_count(msg), 3);
	ck_assert(!(vg_msg_flags(msg) & VG_MSG_F_HEADER_TOO_LONG));
	vg_msg_free(msg);
	lim.max_header_size = 3;
	ck_assert_int_eq(vg_msg_from_bytes(&msg, &lim, in, sizeof(in) - 1), 0);
	ck_assert_uint_eq(vg_msg_header_count(msg), 3);
	ck_assert_str_eq(vg_msg_header_find(msg, "b", 0)->value, " ");
	ck_assert_uint_eq(vg_msg_header_find(msg, "b", 0)->value_len, 1);
	ck_assert(vg_msg_flags(msg) & VG_MSG_F_HEADER_TOO_LONG);
	assert_raw(msg, in, sizeof(in) - 1);
	vg_msg_free(msg);
	lim.max_header_size = 1;
	ck_assert_int_eq(vg_msg_from_bytes(&msg, &lim, in, sizeof(in) - 1), 0);
	ck_assert_uint_eq(vg_msg_header_count(msg), 0);
	ck_assert(vg_msg_flags(msg) & VG_MSG_F_HEADER_TOO_LONG);
	assert_raw(msg, in, sizeof(in) - 1);
	vg_msg_free(msg);

	/* The same limits on the milter path. */
	lim = limits();
	lim.max_headers = 1;
	lim.max_header_size = 10;
	ck_assert_int_eq(vg_msg_new(&msg, &lim), 0);
	ck_assert_int_eq(vg_msg_add_header(msg, "Long", " 123456789"), 0);
	ck_assert_int_eq(vg_msg_add_header(msg, "X", " 1"), 0);
	ck_assert_int_eq(vg_msg_add_header(msg, "Y", " 2"), 0);
	ck_assert_uint_eq(vg_msg_header_count(msg), 1);
	ck_assert_str_eq(vg_msg_header(msg, 0)->name, "Long");
	ck_assert_str_eq(vg_msg_header(msg, 0)->value, " 1234");
	ck_assert_uint_eq(vg_msg_flags(msg),
	    VG_MSG_F_HEADER_TOO_LONG | VG_MSG_F_TOO_MANY_HEADERS);
	vg_msg_free(msg);
}
END_TEST

START_TEST(test_msg_rcpt_limit)
{
	struct vg_msg_limits lim = limits();
	struct vg_msg *msg;

	lim.max_rcpts = 2;
	ck_assert_int_eq(vg_msg_new(&msg, &lim), 0);
	ck_assert_int_eq(vg_msg_add_rcpt(msg, "<a@x>"), 0);
	ck_assert_int_eq(vg_msg_add_rcpt(msg, "<b@x>"), 0);
	ck_assert(!(vg_msg_flags(msg) & VG_MSG_F_TOO_MANY_RCPTS));
	ck_assert_int_eq(vg_msg_add_rcpt(msg, "<c@x>"), 0);
	ck_assert_uint_eq(vg_msg_rcpt_count(msg), 3);
	ck_assert_uint_eq(vg_msg_rcpt_stored(msg), 2);
	ck_assert_str_eq(vg_msg_rcpt(msg, 1), "<b@x>");
	ck_assert_ptr_null(vg_msg_rcpt(msg, 2));
	ck_assert(vg_msg_flags(msg) & VG_MSG_F_TOO_MANY_RCPTS);
	vg_msg_free(msg);
}
END_TEST

START_TEST(test_msg_envelope)
{
	struct vg_msg *msg;

	ck_assert_int_eq(vg_msg_new(&msg, NULL), 0);
	ck_assert_str_eq(vg_msg_queue_id(msg), "");
	ck_assert_str_eq(vg_msg_client_addr(msg), "");
	ck_assert_int_eq(vg_msg_set_queue_id(msg, "4ABC"), 0);
	ck_assert_int_eq(
	    vg_msg_set_client(msg, "192.0.2.1", "host.example"), 0);
	ck_assert_int_eq(vg_msg_set_helo(msg, "helo.example"), 0);
	ck_assert_int_eq(vg_msg_set_from(msg, "<s@example.com>"), 0);
	ck_assert_int_eq(vg_msg_set_auth(msg, "user"), 0);
	ck_assert_str_eq(vg_msg_queue_id(msg), "4ABC");
	ck_assert_str_eq(vg_msg_client_addr(msg), "192.0.2.1");
	ck_assert_str_eq(vg_msg_client_name(msg), "host.example");
	ck_assert_str_eq(vg_msg_helo(msg), "helo.example");
	ck_assert_str_eq(vg_msg_from(msg), "<s@example.com>");
	ck_assert_str_eq(vg_msg_auth(msg), "user");
	ck_assert_int_eq(vg_msg_set_auth(msg, NULL), 0);
	ck_assert_str_eq(vg_msg_auth(msg), "");
	ck_assert_int_eq(vg_msg_finish(msg), 0);
	ck_assert_uint_eq(vg_msg_body_offset(msg), 0);
	vg_msg_free(msg);
	vg_msg_free(NULL);
}
END_TEST

static const struct {
	const char *in;
	const char *want_raw; /* after the From line is skipped */
	size_t want_headers;
	const char *want_body; /* bytes from the body offset */
	unsigned want_flags;
} shapes[] = {
    /* mbox From line skipped, LF line ends kept */
    {"From a@b  Mon Nov 23 10:00:00 2026\nSubject: s\n\nbody\n",
        "Subject: s\n\nbody\n", 1, "body\n", 0},
    /* "From:" is a header, not an mbox line */
    {"From: a@b\n\nx\n", "From: a@b\n\nx\n", 1, "x\n", 0},
    /* CRLF */
    {"A: 1\r\nB: 2\r\n\r\nbody\r\n", "A: 1\r\nB: 2\r\n\r\nbody\r\n", 2,
        "body\r\n", 0},
    /* no blank line: all headers */
    {"A: 1\nB: 2\n", "A: 1\nB: 2\n", 2, "", VG_MSG_F_NO_HEADER_END},
    /* no blank line: a non-header line starts the body */
    {"A: 1\nnot a header\nmore\n", "A: 1\nnot a header\nmore\n", 1,
        "not a header\nmore\n", VG_MSG_F_NO_HEADER_END},
    /* last header without a line end */
    {"A: 1", "A: 1", 1, "", VG_MSG_F_NO_HEADER_END},
    /* empty body, only the blank line */
    {"A: 1\n\n", "A: 1\n\n", 1, "", 0},
    /* empty message */
    {"", "", 0, "", VG_MSG_F_NO_HEADER_END},
    /* only a From line */
    {"From x", "", 0, "", VG_MSG_F_NO_HEADER_END},
    /* a message that starts with the blank line */
    {"\r\nbody", "\r\nbody", 0, "body", 0},
    /* obsolete "name :" syntax */
    {"Subject : x\n\n", "Subject : x\n\n", 1, "", 0},
};

START_TEST(test_msg_shapes)
{
	struct vg_msg_limits lim = limits();
	struct vg_msg *msg;
	const unsigned char *raw;
	size_t len, off;

	ck_assert_int_eq(
	    vg_msg_from_bytes(&msg, &lim, shapes[_i].in, strlen(shapes[_i].in)),
	    0);
	assert_raw(msg, shapes[_i].want_raw, strlen(shapes[_i].want_raw));
	ck_assert_msg(vg_msg_header_count(msg) == shapes[_i].want_headers,
	    "case %d headers: got %zu, want %zu", _i, vg_msg_header_count(msg),
	    shapes[_i].want_headers);
	raw = vg_msg_raw(msg, &len);
	off = vg_msg_body_offset(msg);
	ck_assert_uint_le(off, len);
	ck_assert_msg(len - off == strlen(shapes[_i].want_body) &&
	        (len == off ||
	            memcmp(raw + off, shapes[_i].want_body, len - off) == 0),
	    "case %d body: got \"%.*s\", want \"%s\"", _i, (int)(len - off),
	    raw != NULL ? (const char *)raw + off : "", shapes[_i].want_body);
	ck_assert_msg(vg_msg_flags(msg) == shapes[_i].want_flags,
	    "case %d flags: got %#x, want %#x", _i, vg_msg_flags(msg),
	    shapes[_i].want_flags);
	vg_msg_free(msg);
}
END_TEST

START_TEST(test_msg_folded_and_find)
{
	struct vg_msg_limits lim = limits();
	static const char in[] = "Received: from a\n\tby b\r\n  for c\n"
	                         "subject: one\n"
	                         "RECEIVED: second\n"
	                         "X-Empty:\n"
	                         "\n"
	                         "body";
	const struct vg_header *h;
	struct vg_msg *msg;

	ck_assert_int_eq(vg_msg_from_bytes(&msg, &lim, in, sizeof(in) - 1), 0);
	ck_assert_uint_eq(vg_msg_header_count(msg), 4);
	h = vg_msg_header_find(msg, "received", 0);
	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h->value, " from a\n\tby b\r\n  for c");
	ck_assert_uint_eq(h->value_len, strlen(" from a\n\tby b\r\n  for c"));
	h = vg_msg_header_find(msg, "Received", 1);
	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h->name, "RECEIVED");
	ck_assert_str_eq(h->value, " second");
	ck_assert_ptr_null(vg_msg_header_find(msg, "Received", 2));
	ck_assert_str_eq(vg_msg_header_find(msg, "SUBJECT", 0)->value, " one");
	ck_assert_str_eq(vg_msg_header_find(msg, "x-empty", 0)->value, "");
	ck_assert_ptr_null(vg_msg_header_find(msg, "Subjec", 0));
	ck_assert_ptr_null(vg_msg_header_find(msg, "Subjects", 0));
	vg_msg_free(msg);
}
END_TEST

/* Inputs that end at a PROT_NONE page: no byte past len is read. */
static const char *const guard_inputs[] = {
    "",
    "F",
    "From ",
    "From x",
    "From x\n",
    "A",
    "A:",
    "A: b",
    "A: b\r",
    "A: b\n",
    "A: b\n ",
    "A: b\n\t",
    "A: b\n\r",
    "A: b\n\n",
    "A: b\r\n\r",
    "A: b\r\n\r\n",
    ":",
    " x",
    "A  ",
    "A \t:",
    "\n",
    "\r\n",
};

START_TEST(test_msg_guard_page)
{
	struct vg_msg_limits lim = limits();
	const char *in = guard_inputs[_i];
	size_t len = strlen(in);
	struct vg_guarded g;
	struct vg_msg *msg;

	vg_guard(&g, in, len);
	ck_assert_int_eq(vg_msg_from_bytes(&msg, &lim, g.p, len), 0);
	vg_msg_free(msg);
	/* And spilled, which copies through the file. */
	lim.memory_limit = 0;
	ck_assert_int_eq(vg_msg_from_bytes(&msg, &lim, g.p, len), 0);
	vg_msg_free(msg);
	vg_unguard(&g);
}
END_TEST

/* A real corpus file, read in place: same bytes, From line skipped. */
START_TEST(test_msg_from_file)
{
	struct vg_msg_limits lim = limits();
	struct vg_msg *msg;
	char *data;
	const char *nl;
	struct stat st;
	FILE *fp;

	fp = fopen(HAM_MSG, "rb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fstat(fileno(fp), &st), 0);
	data = malloc((size_t)st.st_size);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_eq(
	    fread(data, 1, (size_t)st.st_size, fp), (size_t)st.st_size);
	fclose(fp);
	ck_assert(strncmp(data, "From ", 5) == 0);
	nl = memchr(data, '\n', (size_t)st.st_size);
	ck_assert_ptr_nonnull(nl);

	ck_assert_int_eq(vg_msg_from_file(&msg, &lim, HAM_MSG), 0);
	assert_raw(msg, nl + 1, (size_t)st.st_size - (size_t)(nl + 1 - data));
	ck_assert_ptr_nonnull(vg_msg_header_find(msg, "message-id", 0));
	ck_assert_uint_eq(vg_msg_flags(msg), 0);
	vg_msg_free(msg);

	/* Spilled, the same. */
	lim.memory_limit = 100;
	ck_assert_int_eq(vg_msg_from_file(&msg, &lim, HAM_MSG), 0);
	ck_assert(vg_msg_spilled(msg));
	assert_raw(msg, nl + 1, (size_t)st.st_size - (size_t)(nl + 1 - data));
	vg_msg_free(msg);
	free(data);

	ck_assert_int_eq(
	    vg_msg_from_file(&msg, &lim, "/nonexistent/x.eml"), VG_EIO);
	ck_assert_ptr_null(msg);
}
END_TEST

/* A pipe is read as a stream; past max_size it is counted, not kept. */
START_TEST(test_msg_from_pipe)
{
	struct vg_msg_limits lim = limits();
	struct vg_msg *msg;
	char path[64];
	int fds[2];
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char chunk[1000];

		close(fds[0]);
		memset(chunk, 'b', sizeof(chunk));
		if (write(fds[1], "A: 1\n\n", 6) != 6)
			_exit(1);
		for (int i = 0; i < 100; i++)
			if (write(fds[1], chunk, sizeof(chunk)) !=
			    sizeof(chunk))
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	lim.max_size = 50000;
	ck_assert_int_eq(vg_msg_from_file(&msg, &lim, path), 0);
	close(fds[0]);
	ck_assert(vg_msg_oversized(msg));
	ck_assert_msg(vg_msg_size(msg) == 100006, "size: got %llu, want 100006",
	    (unsigned long long)vg_msg_size(msg));
	ck_assert_uint_eq(vg_msg_header_count(msg), 1);
	vg_msg_free(msg);
}
END_TEST

static int ext_freed;

/* ext_free - count frees of extension values */
static void
ext_free(void *p)
{
	(void)p;
	ext_freed++;
}

START_TEST(test_msg_ext_slots)
{
	struct vg_msg *msg;
	int a, b;

	ext_freed = 0;
	ck_assert_int_eq(vg_msg_new(&msg, NULL), 0);
	ck_assert_ptr_null(vg_msg_ext(msg, VG_MSG_SLOT_MIME));
	vg_msg_set_ext(msg, VG_MSG_SLOT_MIME, &a, ext_free);
	ck_assert_ptr_eq(vg_msg_ext(msg, VG_MSG_SLOT_MIME), &a);
	vg_msg_set_ext(msg, VG_MSG_SLOT_MIME, &b, ext_free);
	ck_assert_int_eq(ext_freed, 1);
	vg_msg_set_ext(msg, VG_MSG_SLOT_POLICY, &a, ext_free);
	vg_msg_free(msg);
	ck_assert_int_eq(ext_freed, 3);
}
END_TEST

/* Fail the n-th allocation for every n: VG_ENOMEM, nothing leaked. */
START_TEST(test_msg_alloc_failure)
{
	struct vg_msg_limits lim = limits();
	static const char in[] = "From x\nA: 1\nB: 2\n folded\n\nbody\n";
	unsigned long n;
	int rc = -1;

	for (n = 1; n < 1000; n++) {
		struct vg_msg *msg = NULL;

		vg_alloc_fail_at(n);
		rc = vg_msg_from_bytes(&msg, &lim, in, sizeof(in) - 1);
		vg_alloc_fail_at(0);
		if (rc == 0) {
			assert_raw(msg, in + 7, sizeof(in) - 8);
			vg_msg_free(msg);
			break;
		}
		ck_assert_msg(
		    rc == VG_ENOMEM, "n=%lu: got %d, want VG_ENOMEM", n, rc);
		ck_assert_ptr_null(msg);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_gt(n, 3);

	/* The milter path: each call fails cleanly and the message frees. */
	for (n = 1; n < 1000; n++) {
		struct vg_msg *msg = NULL;

		if (vg_msg_new(&msg, &lim) != 0)
			continue;
		vg_alloc_fail_at(n);
		rc = vg_msg_set_queue_id(msg, "Q");
		if (rc == 0)
			rc = vg_msg_set_client(msg, "192.0.2.1", "h");
		if (rc == 0)
			rc = vg_msg_add_rcpt(msg, "<r@x>");
		if (rc == 0)
			rc = vg_msg_add_header(msg, "Subject", " s");
		if (rc == 0)
			rc = vg_msg_end_headers(msg);
		if (rc == 0)
			rc = vg_msg_add_body(msg, "b\r\n", 3);
		if (rc == 0)
			rc = vg_msg_finish(msg);
		vg_alloc_fail_at(0);
		vg_msg_free(msg);
		if (rc == 0)
			break;
		ck_assert_msg(
		    rc == VG_ENOMEM, "n=%lu: got %d, want VG_ENOMEM", n, rc);
	}
	ck_assert_int_eq(rc, 0);
}
END_TEST

static Suite *
msg_suite(void)
{
	Suite *s = suite_create("msg");
	TCase *tc = tcase_create("msg");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_msg_in_memory);
	tcase_add_test(tc, test_msg_spill_boundary);
	tcase_add_test(tc, test_msg_spill_stream);
	tcase_add_test(tc, test_msg_spill_zero_limit);
	tcase_add_test(tc, test_msg_spill_eio);
	tcase_add_test(tc, test_msg_oversized);
	tcase_add_test(tc, test_msg_header_limits);
	tcase_add_test(tc, test_msg_rcpt_limit);
	tcase_add_test(tc, test_msg_envelope);
	tcase_add_loop_test(tc, test_msg_shapes, 0, (int)VG_NELEM(shapes));
	tcase_add_test(tc, test_msg_folded_and_find);
	tcase_add_loop_test(
	    tc, test_msg_guard_page, 0, (int)VG_NELEM(guard_inputs));
	tcase_add_test(tc, test_msg_from_file);
	tcase_add_test(tc, test_msg_from_pipe);
	tcase_add_test(tc, test_msg_ext_slots);
	tcase_add_test(tc, test_msg_alloc_failure);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(msg_suite)
