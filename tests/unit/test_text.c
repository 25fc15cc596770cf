/* SPDX-License-Identifier: GPL-2.0-only */
/* test_text - the decoded views of real and crafted messages */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/conf.h"
#include "base/err.h"
#include "message/hdr.h"
#include "message/msg.h"
#include "message/text.h"

#define CORPUS VG_SOURCE_DIR "/../shared/corpus/spamassassin/"

/* limits - generous message limits for tests */
static void
limits(struct vg_msg_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->max_size = 64 << 20;
	lim->memory_limit = 64 << 20;
	lim->max_headers = 1000;
	lim->max_header_size = 1 << 20;
	lim->max_rcpts = 100;
	lim->tmp_dir = "/tmp";
}

/* load - a corpus message */
static struct vg_msg *
load(const char *name)
{
	struct vg_msg_limits lim;
	struct vg_msg *m;
	char path[1024];

	limits(&lim);
	snprintf(path, sizeof(path), "%s%s", CORPUS, name);
	ck_assert_msg(
	    vg_msg_from_file(&m, &lim, path) == 0, "cannot read %s", path);
	return m;
}

/* from_text - a message from literal bytes */
static struct vg_msg *
from_text(const char *s)
{
	struct vg_msg_limits lim;
	struct vg_msg *m;

	limits(&lim);
	ck_assert_int_eq(vg_msg_from_bytes(&m, &lim, s, strlen(s)), 0);
	return m;
}

/* build - vg_text_build() with the given limits (NULL: defaults) */
static struct vg_text *
build(const struct vg_msg *m, const struct vg_text_limits *lim)
{
	struct vg_text *t;
	int rc = vg_text_build(&t, m, lim);

	ck_assert_msg(rc == 0, "vg_text_build: got %d, want 0", rc);
	ck_assert_ptr_nonnull(t);
	return t;
}

/* has_uri - whether the views list u */
static bool
has_uri(const struct vg_text *t, const char *u)
{
	size_t i;

	for (i = 0; i < t->nuris; i++) {
		if (strcmp(t->uris[i], u) == 0)
			return true;
	}
	return false;
}

/* header - the decoded value of the first header called name */
static const char *
header(const struct vg_text *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nheaders; i++) {
		if (strcasecmp(t->headers[i].name, name) == 0)
			return t->headers[i].value;
	}
	return NULL;
}

static const struct {
	const char *file;
	const char *body;   /* a snippet of the body view */
	const char *uri;    /* a URI it must list, or NULL */
	unsigned html_mask; /* html_flags bits that must be set */
} corpus_cases[] = {
    /* Quoted-printable HTML, no text/plain part. */
    {"spam/spam.00001.7848dde101aa985090474a91ec93fcf0",
        "\nSave up to 70% on Life Insurance.\n",
        "http://website.e365.cc/savequote/",
        VG_TEXT_HTML_PRESENT | VG_TEXT_HTML_ONLY},
    /* base64 text/plain inside multipart/mixed. */
    {"spam/spam.00022.8203cdf03888f656dc0381701148f73d",
        "I am Dr. Bello Ahmed, Chief Auditor", NULL, 0},
    {"spam/spam.00087.f09438ca6392721e63696f4f753effbb",
        "The new domain names are finally available to the general public",
        "http://www.affordable-domains.com/", 0},
    /* ISO-2022-JP text/plain and Subject. */
    {"spam/spam.00325.58d1a52f435030dc38568bc12a3d76a2",
        "\xe2\x99\xaa\xe3\x83\xaa\xe3\x83\x83\xe3\x83\x81\xe3\x81\xaa\xe5"
        "\x87\xba\xe4\xbc\x9a\xe3\x81\x84\xe3\x81\xafVip-mail",
        "http://www.vip-jp.net/?sid=2", 0},
    /* ks_c_5601-1987 HTML with a raw 8-bit Subject. */
    {"spam/spam.00035.7ce3307b56dd90453027a6630179282e",
        "\xec\x9a\x94\xec\xa6\x98 \xeb\x9c\xa8\xeb\x8a\x94 \xec\xa7\x81"
        "\xec\xa2\x85 Best 5 : \xea\xb8\x88\xec\x9c\xb5",
        NULL, VG_TEXT_HTML_PRESENT},
    /* Big5 HTML nested in multipart/related + alternative. */
    {"spam/spam.00252.7e355e0c5fd1de609684544262435579",
        "\xe6\x9c\x89\xe4\xb8\x80\xe9\x9a\xbb\xe7\x83\x8f\xe9\xb4\x89", NULL,
        VG_TEXT_HTML_PRESENT},
    /* GB2312 HTML. */
    {"spam/spam.00397.1a99f98a5b996f99f3661e9609782932",
        "50\xe5\x85\x83\xe8\x8e\xb7\xe5\xbe\x97", "http://www.chinaemail.net/",
        VG_TEXT_HTML_PRESENT},
    /* koi8-r declared on English text. */
    {"spam/spam_2.00174.94a8f3a8826ff937c38640422784ce86",
        "Traderlist.com being shut down due to FRAUD!", NULL, 0},
    /* Plain ham: the Subject is the first line. */
    {"ham/easy_ham.00001.7c53336b37003a9286aba55d2945844c",
        "Re: New Sequences Window\n", NULL, 0},
};

/* Known corpus messages decode to known text and links. */
START_TEST(test_text_corpus_table)
{
	struct vg_msg *m = load(corpus_cases[_i].file);
	struct vg_text *t = build(m, NULL);

	ck_assert_msg(strstr(t->body, corpus_cases[_i].body) != NULL,
	    "%s: body lacks \"%s\"; got \"%.300s\"", corpus_cases[_i].file,
	    corpus_cases[_i].body, t->body);
	ck_assert_uint_eq(strlen(t->body), t->body_len);
	ck_assert_uint_eq(strlen(t->rawbody), t->rawbody_len);
	if (corpus_cases[_i].uri != NULL)
		ck_assert_msg(has_uri(t, corpus_cases[_i].uri), "%s: no uri %s",
		    corpus_cases[_i].file, corpus_cases[_i].uri);
	ck_assert_msg((t->html_flags & corpus_cases[_i].html_mask) ==
	        corpus_cases[_i].html_mask,
	    "%s: got html_flags %#x, want bits %#x", corpus_cases[_i].file,
	    t->html_flags, corpus_cases[_i].html_mask);
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

/* The decoded Subject is the body's first line and a decoded header. */
START_TEST(test_text_subject_first_line)
{
	static const char subj[] =
	    "\xe6\x9c\xaa\xe6\x89\xbf\xe8\xab\xbe\xe5\xba\x83\xe5\x91\x8a\xe2"
	    "\x80\xbb\xe7\x81\xbc\xe7\x86\xb1\xef\xbc\x81\xe5\x87\xba\xe4\xbc"
	    "\x9a\xe3\x81\x84\xe3\x81\xae\xe5\xba\x83\xe5\xa0\xb4";
	struct vg_msg *m =
	    load("spam/spam.00325.58d1a52f435030dc38568bc12a3d76a2");
	struct vg_text *t = build(m, NULL);

	ck_assert_str_eq(header(t, "Subject"), subj);
	ck_assert(strncmp(t->body, subj, sizeof(subj) - 1) == 0);
	ck_assert_int_eq(t->body[sizeof(subj) - 1], '\n');
	/* The raw view keeps the encoded words. */
	for (size_t i = 0; i < t->nheaders; i++) {
		if (strcasecmp(t->headers[i].name, "Subject") == 0)
			ck_assert_str_eq(t->headers[i].raw,
			    "=?ISO-2022-JP?B?GyRCTCQ+"
			    "NUJ6OS05cCIoPF5HLiEqPVAycSQkJE45LT5sGyhC?=");
	}
	vg_text_free(t);
	vg_msg_free(m);
	m = load("spam/spam.00035.7ce3307b56dd90453027a6630179282e");
	t = build(m, NULL);
	ck_assert_str_eq(header(t, "Subject"),
	    "[\xea\xb4\x91\xea\xb3\xa0] \xec\x9a\x94\xec\xa6\x98 \xeb\x9c\xa8"
	    "\xeb\x8a\x94 \xec\xa7\x81\xec\xa2\x85 Best 5 & \xec\x9e\x90\xea"
	    "\xb2\xa9\xec\xa6\x9d \xeb\x94\xb0\xea\xb8\xb0 \xec\x97\xb4\xed"
	    "\x92\x8d");
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

/* Every leaf part is listed for the attachment policy. */
START_TEST(test_text_parts)
{
	struct vg_msg *m =
	    load("spam/spam.00022.8203cdf03888f656dc0381701148f73d");
	struct vg_text *t = build(m, NULL);

	ck_assert_uint_eq(t->nparts, 2);
	ck_assert_str_eq(t->parts[0].content_type, "text/plain");
	ck_assert_uint_eq(t->parts[0].depth, 1);
	ck_assert_uint_gt(t->parts[0].len, 2000);
	ck_assert_str_eq(t->parts[1].content_type, "application/octet-stream");
	ck_assert_str_eq(t->parts[1].filename, "111111111111111111.txt");
	ck_assert_str_eq(t->parts[1].disposition, "attachment");
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

static const char crafted_mime[] =
    "From: a@example.com\r\n"
    "Subject: =?utf-8?q?Caf=C3=A9?= news\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=koi8-r\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "=F0=D2=C9=D7=C5=D4 soft=\r\n"
    "break http://Plain.example/x\r\n"
    "--b1\r\n"
    "Content-Type: text/html; charset=windows-1252\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "PHA+k3F1b3RlZJQgPGEgaHJlZj0iaHR0cDovL2V2aWwuZXhhbXBsZS8iPnd3dy5iYW5r"
    "LmV4YW1wbGU8L2E+PC9wPg==\r\n"
    "--b1\r\n"
    "Content-Type: application/pdf; name=\"=?utf-8?q?r=C3=A9sum=C3=A9?="
    ".pdf\"\r\n"
    "Content-Disposition: ATTACHMENT\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0xLjQK\r\n"
    "--b1--\r\n";

/* CRLF mail as a milter sees it: QP soft breaks, charsets, base64 HTML. */
START_TEST(test_text_crafted_mime)
{
	struct vg_msg *m = from_text(crafted_mime);
	struct vg_text *t = build(m, NULL);

	ck_assert_str_eq(t->body,
	    "Caf\xc3\xa9 news\n"
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 softbreak "
	    "http://Plain.example/x\n"
	    "\xe2\x80\x9cquoted\xe2\x80\x9d www.bank.example\n");
	ck_assert_ptr_null(strchr(t->rawbody, '\r'));
	ck_assert_ptr_nonnull(strstr(t->rawbody, "<a href=\"http://evil"));
	ck_assert(has_uri(t, "http://plain.example/x"));
	ck_assert(has_uri(t, "http://evil.example/"));
	ck_assert(has_uri(t, "http://www.bank.example/"));
	ck_assert_uint_eq(t->html.link_mismatch, 1);
	ck_assert(t->html_flags & VG_TEXT_HTML_LINK_MISMATCH);
	ck_assert(!(t->html_flags & VG_TEXT_HTML_ONLY));
	ck_assert_uint_eq(t->nparts, 3);
	ck_assert_str_eq(t->parts[2].filename, "r\xc3\xa9sum\xc3\xa9.pdf");
	ck_assert_str_eq(t->parts[2].disposition, "attachment");
	ck_assert_uint_eq(t->parts[2].len, 9);
	ck_assert(memcmp(t->parts[2].data, "%PDF-1.4\n", 9) == 0);
	ck_assert_uint_eq(t->flags, 0);
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

/* Plain RFC 5322 without MIME: 8-bit text is UTF-8 if valid, else 1252. */
START_TEST(test_text_no_mime)
{
	struct vg_msg *m = from_text("Subject: hello\n\ncaf\xe9 \x80 5\n");
	struct vg_text *t = build(m, NULL);

	ck_assert_str_eq(t->body, "hello\ncaf\xc3\xa9 \xe2\x82\xac 5\n");
	ck_assert_uint_eq(t->nparts, 1);
	ck_assert_str_eq(t->parts[0].content_type, "text/plain");
	vg_text_free(t);
	vg_msg_free(m);
	m = from_text("Subject: hello\n\ncaf\xc3\xa9\n");
	t = build(m, NULL);
	ck_assert_str_eq(t->body, "hello\ncaf\xc3\xa9\n");
	vg_text_free(t);
	vg_msg_free(m);
	/* HTML that renders to nothing (found by fuzz_mime under UBSan). */
	m = from_text("Content-Type: text/html\n\n<p><img src=x></p>\n");
	t = build(m, NULL);
	ck_assert_str_eq(t->body, "");
	ck_assert(t->html_flags & VG_TEXT_HTML_ONLY);
	vg_text_free(t);
	vg_msg_free(m);
	/* No body at all. */
	m = from_text("Subject: only headers\n");
	t = build(m, NULL);
	ck_assert_str_eq(t->body, "only headers\n");
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

/* A NUL in the text never cuts a view short: found by fuzz_mime. */
START_TEST(test_text_nul_in_text)
{
	static const char raw[] = "Subject: n\n\nhttp\0/x a\0b\n";
	struct vg_msg_limits lim;
	struct vg_msg *m;
	struct vg_text *t;

	limits(&lim);
	ck_assert_int_eq(vg_msg_from_bytes(&m, &lim, raw, sizeof(raw) - 1), 0);
	t = build(m, NULL);
	ck_assert_uint_eq(strlen(t->rawbody), t->rawbody_len);
	ck_assert_str_eq(t->rawbody,
	    "http\xef\xbf\xbd/x a\xef\xbf\xbd"
	    "b\n");
	ck_assert_str_eq(t->body, "n\nhttp /x a b\n");
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

/* Invalid or unknown charsets never fail the message. */
START_TEST(test_text_bad_charsets)
{
	struct vg_msg *m = from_text(
	    "Content-Type: multipart/mixed; boundary=x\n\n"
	    "--x\nContent-Type: text/plain; charset=unknown-8bit\n\n\xe9t\xe9\n"
	    "--x\nContent-Type: text/plain; charset=x-bogus-42\n\nna\xefve\n"
	    "--x\nContent-Type: text/plain; charset=utf-8\n\nbad\xff\n"
	    "--x\nContent-Type: text/plain; charset=\"default\"\n\n\xc3\xa0\n"
	    "--x--\n");
	struct vg_text *t = build(m, NULL);

	ck_assert_str_eq(t->body,
	    "\xc3\xa9t\xc3\xa9\nna\xc3\xafve\n"
	    "bad\xef\xbf\xbd\n\xc3\xa0\n");
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

/*
 * A charset that grows text more than threefold (a TSCII byte is four
 * Tamil characters, 12 bytes of UTF-8) has its header value cut, on a
 * character boundary, and flagged; it does not fail the message.  Found
 * by fuzz_pipeline: the header arena, sized for threefold growth, ran out
 * and the score stage failed, so the sender's mail was tempfailed.
 */
START_TEST(test_text_header_growth)
{
	/* Case 0: raw 8-bit text in the body's charset; 1: encoded words. */
	static const char tscii[] = "\xe0\xae\xb8\xe0\xaf\x8d"
	                            "\xe0\xae\xb0\xe0\xaf\x80"; /* 0x82 */
	char raw[4096];
	size_t len = 0, vlen;
	struct vg_msg *m;
	struct vg_text *t;
	const char *v;

	len += (size_t)snprintf(raw, sizeof(raw), "Subject: ");
	if (_i == 0) {
		memset(raw + len, 0x82, 200);
		len += 200;
	} else {
		for (int i = 0; i < 10; i++)
			len += (size_t)snprintf(raw + len, sizeof(raw) - len,
			    "=?TSCII?B?goKCgoKCgoKCgoKCgoKCgoKCgoKCgoKC?= ");
	}
	len += (size_t)snprintf(raw + len, sizeof(raw) - len,
	    "\nContent-Type: text/plain; charset=TSCII\n\nhello\n");
	m = from_text(raw);
	t = build(m, NULL);
	v = header(t, "Subject");
	ck_assert_ptr_nonnull(v);
	vlen = strlen(v);
	ck_assert_msg(strncmp(v, tscii, sizeof(tscii) - 1) == 0,
	    "Subject: got \"%.24s\", want TSCII 0x82 decoded", v);
	ck_assert(vg_hdr_utf8_valid(v, vlen));
	ck_assert_msg(vlen <= 3 * len, "Subject: got %zu bytes, want <= %zu",
	    vlen, 3 * len);
	ck_assert(t->flags & VG_TEXT_F_DECODED_LIMIT);
	ck_assert_ptr_nonnull(strstr(t->body, "hello"));
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

/* nest - a message with depth nested multiparts around one text part */
static void
nest(struct vg_buf *b, int depth)
{
	int i;

	ck_assert_int_eq(vg_buf_append_str(b, "Subject: deep\n"), 0);
	for (i = 0; i < depth; i++)
		ck_assert_int_eq(
		    vg_buf_printf(b,
		        "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n"
		        "--b%d\nContent-Type: text/plain\n\nlevel %d\n--b%d\n",
		        i, i, i, i),
		    0);
	ck_assert_int_eq(vg_buf_append_str(b,
	                     "Content-Type: text/plain\n\n"
	                     "innermost\n"),
	    0);
	for (i = depth - 1; i >= 0; i--)
		ck_assert_int_eq(vg_buf_printf(b, "--b%d--\n", i), 0);
}

/* MIME depth limit: deeper containers are not entered; still scored. */
START_TEST(test_text_depth_limit)
{
	struct vg_text_limits lim;
	struct vg_msg_limits ml;
	struct vg_buf b;
	struct vg_msg *m;
	struct vg_text *t;

	vg_buf_init(&b, 1 << 20);
	nest(&b, 5);
	limits(&ml);
	ck_assert_int_eq(vg_msg_from_bytes(&m, &ml, b.data, b.len), 0);
	t = build(m, NULL);
	ck_assert_uint_eq(t->flags & VG_TEXT_F_DEPTH_LIMIT, 0);
	ck_assert_ptr_nonnull(strstr(t->body, "innermost"));
	vg_text_free(t);
	vg_text_limits_default(&lim);
	lim.max_mime_depth = 2;
	t = build(m, &lim);
	ck_assert(t->flags & VG_TEXT_F_DEPTH_LIMIT);
	ck_assert_ptr_nonnull(strstr(t->body, "level 1"));
	ck_assert_ptr_null(strstr(t->body, "level 2"));
	ck_assert_ptr_null(strstr(t->body, "innermost"));
	vg_text_free(t);
	vg_msg_free(m);
	vg_buf_fini(&b);
}
END_TEST

/* Part limit: leaves after max are not decoded and the walk stops. */
START_TEST(test_text_parts_limit)
{
	struct vg_text_limits lim;
	struct vg_msg *m = from_text(crafted_mime);
	struct vg_text *t;

	vg_text_limits_default(&lim);
	lim.max_mime_parts = 2;
	t = build(m, &lim);
	ck_assert(t->flags & VG_TEXT_F_PARTS_LIMIT);
	ck_assert_uint_eq(t->nparts, 2);
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

/* Decoded-bytes limit: views stop at the limit, flag set, still built. */
START_TEST(test_text_decoded_limit)
{
	struct vg_text_limits lim;
	struct vg_msg *m =
	    load("spam/spam.00022.8203cdf03888f656dc0381701148f73d");
	struct vg_text *t;

	vg_text_limits_default(&lim);
	lim.max_decoded_bytes = 100;
	t = build(m, &lim);
	ck_assert(t->flags & VG_TEXT_F_DECODED_LIMIT);
	ck_assert_uint_le(t->body_len, 100);
	ck_assert_uint_le(t->rawbody_len, 100);
	ck_assert_uint_le(t->parts[0].len, 100);
	ck_assert_ptr_nonnull(strstr(t->body, "Relationship"));
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

/* URI limit: the first max URIs are kept and the flag is set. */
START_TEST(test_text_uri_limit)
{
	struct vg_text_limits lim;
	struct vg_msg *m =
	    load("spam/spam.00001.7848dde101aa985090474a91ec93fcf0");
	struct vg_text *t;

	vg_text_limits_default(&lim);
	lim.max_uris = 1;
	t = build(m, &lim);
	ck_assert(t->flags & VG_TEXT_F_URI_LIMIT);
	ck_assert_uint_eq(t->nuris, 1);
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

/*
 * Scan limits (text.h SCAN LIMITS): a 200 KB text part is cut at 50K for
 * body rules and at rawbody's bound for rawbody rules, on a UTF-8
 * character boundary, with VG_TEXT_F_SCAN_LIMIT; a link past the cut is
 * still listed.  The bound is per part: a second part after a long first
 * one is still seen.  A body under the bound is whole and unflagged.
 */
START_TEST(test_text_scan_limit)
{
	static const char head[] =
	    "Subject: long\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative; boundary=b1\r\n\r\n"
	    "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
	static const char tail[] =
	    "\r\nsee http://late.example.com/x ENDMARK\r\n"
	    "--b1\r\nContent-Type: text/html\r\n\r\n"
	    "<p>SECONDPART here</p>\r\n--b1--\r\n";
	struct vg_text_limits lim;
	struct vg_text *t;
	struct vg_msg *m;
	size_t n = 200 * 1024, hl = strlen(head), tl = strlen(tail);
	char *raw = malloc(hl + n + tl + 1);
	const char *second;

	ck_assert_ptr_nonnull(raw);
	memcpy(raw, head, hl);
	/* "caf\xc3\xa9" over and over: a two-byte character every 5 bytes. */
	for (size_t i = 0; i < n; i++)
		raw[hl + i] = (i % 60 == 54) ? '\n' : "caf\xc3\xa9"[i % 5];
	memcpy(raw + hl + n, tail, tl + 1);
	m = from_text(raw);
	t = build(m, NULL);
	ck_assert(t->flags & VG_TEXT_F_SCAN_LIMIT);
	/* "long\n", the cut first part and its newline, the second part */
	ck_assert_uint_le(t->body_len, VG_TEXT_DEF_MAX_BODY_SCAN + 40);
	ck_assert_uint_gt(t->body_len, VG_TEXT_DEF_MAX_BODY_SCAN);
	ck_assert_uint_eq(strlen(t->body), t->body_len);
	ck_assert_ptr_null(strstr(t->body, "ENDMARK"));
	ck_assert_ptr_nonnull(second = strstr(t->body, "SECONDPART"));
	/* Never half a character before the cut's newline. */
	ck_assert_int_eq(second[-1], '\n');
	ck_assert_int_ne((unsigned char)second[-2], 0xC3);
	/* Under rawbody's default bound: whole. */
	ck_assert_ptr_nonnull(strstr(t->rawbody, "ENDMARK"));
	ck_assert(has_uri(t, "http://late.example.com/x"));
	vg_text_free(t);

	vg_text_limits_default(&lim);
	lim.max_rawbody_scan = 1001; /* inside a character */
	t = build(m, &lim);
	ck_assert(t->flags & VG_TEXT_F_SCAN_LIMIT);
	ck_assert_uint_eq(strlen(t->rawbody), t->rawbody_len);
	ck_assert_ptr_null(strstr(t->rawbody, "ENDMARK"));
	ck_assert_ptr_nonnull(second = strstr(t->rawbody, "<p>SECONDPART"));
	ck_assert_uint_le((size_t)(second - t->rawbody), 1002);
	ck_assert_int_eq(second[-1], '\n');
	ck_assert_int_ne((unsigned char)second[-2], 0xC3);
	vg_text_free(t);
	vg_msg_free(m);

	/* vigil.conf's keys reach the limits. */
	{
		struct vg_conf conf;

		memset(&conf, 0, sizeof(conf));
		conf.body_scan_size = 2048;
		conf.rawbody_scan_size = 4096;
		vg_text_limits_from_conf(&lim, &conf);
		ck_assert_uint_eq(lim.max_body_scan, 2048);
		ck_assert_uint_eq(lim.max_rawbody_scan, 4096);
	}

	m = from_text("Subject: short\r\n\r\nall of it ENDMARK\r\n");
	t = build(m, NULL);
	ck_assert(!(t->flags & VG_TEXT_F_SCAN_LIMIT));
	ck_assert_ptr_nonnull(strstr(t->body, "ENDMARK"));
	vg_text_free(t);
	vg_msg_free(m);
	free(raw);
}
END_TEST

/*
 * Only about what a bound keeps is converted (text.c body_prefix(),
 * raw_prefix()): with blanks that fold away and CRLFs that become LF,
 * what is kept is still exactly the first bytes of the whole part's view.
 */
START_TEST(test_text_scan_prefix)
{
	struct vg_text_limits lim;
	struct vg_text *cut, *whole;
	struct vg_msg *m;
	size_t n = 30000, hl;
	const char head[] = "Subject: s\r\n\r\n";
	char *raw = malloc(sizeof(head) + n);

	ck_assert_ptr_nonnull(raw);
	hl = sizeof(head) - 1;
	memcpy(raw, head, hl);
	/* "a" and 9 blanks, then "b\r\n": folds to "a a ... b" */
	for (size_t i = 0; i < n; i++)
		raw[hl + i] = i % 13 == 0 ? 'a'
		    : i % 13 == 10        ? 'b'
		    : i % 13 == 11        ? '\r'
		    : i % 13 == 12        ? '\n'
		                          : ' ';
	raw[hl + n] = '\0';
	m = from_text(raw);
	vg_text_limits_default(&lim);
	lim.max_body_scan = 1000;
	lim.max_rawbody_scan = 1000;
	cut = build(m, &lim);
	lim.max_body_scan = 0;
	lim.max_rawbody_scan = 0;
	whole = build(m, &lim);
	ck_assert(cut->flags & VG_TEXT_F_SCAN_LIMIT);
	ck_assert(!(whole->flags & VG_TEXT_F_SCAN_LIMIT));
	/* "s\n", then the part: 1000 bytes and a newline */
	ck_assert_uint_eq(cut->body_len, 2 + 1000 + 1);
	ck_assert_uint_gt(whole->body_len, cut->body_len);
	ck_assert_int_eq(memcmp(cut->body, whole->body, 2 + 1000), 0);
	ck_assert_uint_eq(cut->rawbody_len, 1000 + 1);
	ck_assert_uint_gt(whole->rawbody_len, cut->rawbody_len);
	ck_assert_int_eq(memcmp(cut->rawbody, whole->rawbody, 1000), 0);
	vg_text_free(cut);
	vg_text_free(whole);
	vg_msg_free(m);
	free(raw);
}
END_TEST

/* Damage GMime reports is a flag, and whatever was readable is kept. */
START_TEST(test_text_malformed)
{
	struct vg_msg *m = from_text("Subject: s\nContent-Type: multipart/mixed"
	                             "\n\n--nothing\nbody text\n");
	struct vg_text *t = build(m, NULL);

	ck_assert(t->flags & VG_TEXT_F_MALFORMED);
	ck_assert_ptr_nonnull(strstr(t->body, "s\n"));
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

/* Every allocation failure gives VG_ENOMEM and leaks nothing (ASan). */
START_TEST(test_text_alloc_failure)
{
	struct vg_msg *m = from_text(crafted_mime);
	struct vg_text *t;
	unsigned long n;
	int rc;

	for (n = 1;; n++) {
		vg_alloc_fail_at(n);
		rc = vg_text_build(&t, m, NULL);
		vg_alloc_fail_at(0);
		if (rc == 0)
			break;
		ck_assert_msg(rc == VG_ENOMEM, "fail at %lu: got %d, want %d",
		    n, rc, VG_ENOMEM);
		ck_assert_ptr_null(t);
		ck_assert_uint_lt(n, 1000);
	}
	ck_assert_uint_gt(n, 10);
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

/* Messages for the concurrency test: varied charsets and structures. */
static const char *const mt_files[] = {
    "spam/spam.00001.7848dde101aa985090474a91ec93fcf0",
    "spam/spam.00022.8203cdf03888f656dc0381701148f73d",
    "spam/spam.00035.7ce3307b56dd90453027a6630179282e",
    "spam/spam.00252.7e355e0c5fd1de609684544262435579",
    "spam/spam.00325.58d1a52f435030dc38568bc12a3d76a2",
    "spam/spam.00397.1a99f98a5b996f99f3661e9609782932",
    "ham/easy_ham.00001.7c53336b37003a9286aba55d2945844c",
};

struct mt {
	struct vg_msg *msg[VG_NELEM(mt_files)];
	char *want[VG_NELEM(mt_files)];
	int bad;
};

/* mt_run - build every message many times, comparing with the baseline */
static void *
mt_run(void *arg)
{
	struct mt *mt = arg;
	size_t i;
	int round;

	for (round = 0; round < 40; round++) {
		for (i = 0; i < VG_NELEM(mt_files); i++) {
			struct vg_text *t;

			if (vg_text_build(&t, mt->msg[i], NULL) != 0 ||
			    strcmp(t->body, mt->want[i]) != 0)
				__atomic_add_fetch(
				    &mt->bad, 1, __ATOMIC_RELAXED);
			vg_text_free(t);
		}
	}
	return NULL;
}

/* Separate messages decode correctly in parallel (GMime, iconv, libxml2). */
START_TEST(test_text_threads)
{
	struct mt mt;
	pthread_t th[4];
	size_t i;

	memset(&mt, 0, sizeof(mt));
	for (i = 0; i < VG_NELEM(mt_files); i++) {
		struct vg_text *t;

		mt.msg[i] = load(mt_files[i]);
		t = build(mt.msg[i], NULL);
		mt.want[i] = strdup(t->body);
		vg_text_free(t);
	}
	for (i = 0; i < VG_NELEM(th); i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, mt_run, &mt), 0);
	for (i = 0; i < VG_NELEM(th); i++)
		pthread_join(th[i], NULL);
	ck_assert_msg(mt.bad == 0, "got %d differing builds, want 0", mt.bad);
	for (i = 0; i < VG_NELEM(mt_files); i++) {
		vg_msg_free(mt.msg[i]);
		free(mt.want[i]);
	}
}
END_TEST

/* bench_dir - build every message of a directory; count and CPU time */
static void
bench_dir(const char *dir, size_t max, size_t *n, size_t *bytes, double *cpu)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct vg_msg_limits lim;

	ck_assert_ptr_nonnull(d);
	limits(&lim);
	while ((de = readdir(d)) != NULL && *n < max) {
		char path[1024];
		struct vg_msg *m;
		struct vg_text *t;
		struct timespec t0, t1;
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		ck_assert_int_eq(vg_msg_from_file(&m, &lim, path), 0);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
		ck_assert_msg(vg_text_build(&t, m, NULL) == 0, "%s", path);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
		*cpu += (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		(void)vg_msg_raw(m, &len);
		*bytes += len;
		(*n)++;
		vg_text_free(t);
		vg_msg_free(m);
	}
	closedir(d);
}

/*
 * The speed of vg_text_build() alone, printed, never asserted: the spam
 * folder by default, the whole corpus with VG_TEXT_BENCH_ALL=1.
 */
START_TEST(test_text_bench_corpus)
{
	size_t n = 0, bytes = 0, max = SIZE_MAX;
	double cpu = 0;

	if (getenv("VG_TEXT_BENCH_ALL") != NULL)
		bench_dir(CORPUS "ham", max, &n, &bytes, &cpu);
	bench_dir(CORPUS "spam", max, &n, &bytes, &cpu);
	ck_assert_uint_gt(n, 0);
	printf("vg_text_build: %zu messages, %.1f MB, %.3f s CPU, "
	       "%.0f messages/s, %.1f us/message\n",
	    n, (double)bytes / 1e6, cpu, (double)n / cpu,
	    cpu / (double)n * 1e6);
}
END_TEST

/* text_suite - the suite */
/*
 * A folded header's line break and the blanks after it are one space in
 * both views, as in SpamAssassin 4.0.1's Message::Node (s/\n[ \t]+/ /g
 * decoded, s/\r?\n\s+/ /g raw): its __DOMINO_RCVD /by \S+ \(Lotus Domino /
 * matches "(Lotus\n    Domino" (corpus spam_2.00623, so RDNS_NONE
 * misses there).
 */
START_TEST(test_text_header_folds)
{
	struct vg_msg *m = from_text(
	    "Received: from a ([192.0.2.1]) by mail.example (Lotus\r\n"
	    "    Domino Edition) with ESMTP;\r\n\t Wed, 5 Jun 2002\r\n"
	    "Subject: x\r\n\r\nbody\r\n");
	struct vg_text *t = build(m, NULL);

	ck_assert_str_eq(header(t, "Received"),
	    "from a ([192.0.2.1]) by mail.example (Lotus Domino Edition) "
	    "with ESMTP; Wed, 5 Jun 2002");
	ck_assert_str_eq(t->headers[0].raw,
	    "from a ([192.0.2.1]) by mail.example (Lotus Domino Edition) "
	    "with ESMTP; Wed, 5 Jun 2002");
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

static Suite *
text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc;

	if (vg_text_global_init() != 0)
		abort();
	tc = tcase_create("corpus");
	tcase_add_loop_test(
	    tc, test_text_corpus_table, 0, (int)VG_NELEM(corpus_cases));
	tcase_add_test(tc, test_text_subject_first_line);
	tcase_add_test(tc, test_text_header_folds);
	tcase_add_test(tc, test_text_parts);
	suite_add_tcase(s, tc);
	tc = tcase_create("decode");
	tcase_add_test(tc, test_text_crafted_mime);
	tcase_add_test(tc, test_text_no_mime);
	tcase_add_test(tc, test_text_bad_charsets);
	tcase_add_test(tc, test_text_nul_in_text);
	tcase_add_loop_test(tc, test_text_header_growth, 0, 2);
	tcase_add_test(tc, test_text_malformed);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_text_depth_limit);
	tcase_add_test(tc, test_text_parts_limit);
	tcase_add_test(tc, test_text_decoded_limit);
	tcase_add_test(tc, test_text_uri_limit);
	tcase_add_test(tc, test_text_scan_limit);
	tcase_add_test(tc, test_text_scan_prefix);
	tcase_add_test(tc, test_text_alloc_failure);
	suite_add_tcase(s, tc);
	tc = tcase_create("threads");
	tcase_add_test(tc, test_text_threads);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	tc = tcase_create("bench");
	tcase_add_test(tc, test_text_bench_corpus);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(text_suite)
