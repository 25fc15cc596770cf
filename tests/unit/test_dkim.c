/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_dkim - DKIM verification without the network: the published test
 * vectors (RFC 8463 Appendix A, both its Ed25519 and its RSA signature;
 * RFC 6376 Appendix A.2, simple/simple, with the key of its Appendix C),
 * the canonicalisation examples of RFC 6376 3.4.6, the tag-list and key
 * record grammars, each limit, l=, and what a changed byte does.  Keys
 * are handed over as TXT text (the DNS path is test_check_dkim.c's).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "vg_dkimtest.h"
#include "base/buf.h"
#include "net/dkim.h"

/* The signing time of the RFC example, so x= checks have a "now". */
#define RFC_NOW 1528637909u

static const struct vg_dkim_limits deflim = {
    .max_signatures = 5, .max_body_size = 25u << 20, .max_fields = 1000};

/* body_off - where the body starts (after the first empty line) */
static size_t
body_off(const char *m)
{
	const char *p = strstr(m, "\r\n\r\n");

	if (p != NULL)
		return (size_t)(p - m) + 4;
	p = strstr(m, "\n\n");
	return p != NULL ? (size_t)(p - m) + 2 : strlen(m);
}

/* prepare - vg_dkim_prepare() of a C string */
static struct vg_dkim_msg *
prepare(const char *m, const struct vg_dkim_limits *lim)
{
	struct vg_dkim_msg *dm = NULL;
	int rc = vg_dkim_prepare(&dm, (const unsigned char *)m, strlen(m),
	    body_off(m), lim != NULL ? lim : &deflim, RFC_NOW);

	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(dm);
	return dm;
}

/* result_of - signature i's result after key (NULL: already final) */
static enum vg_dkim_result
result_of(struct vg_dkim_msg *dm, size_t i, const char *key)
{
	if (key != NULL && vg_dkim_key_name(dm, i) != NULL)
		ck_assert_int_eq(vg_dkim_key(dm, i, key, strlen(key)), 0);
	return vg_dkim_outcome(dm, i)->result;
}

START_TEST(test_dkim_rfc8463_both_verify)
{
	struct vg_dkim_msg *dm = prepare(rfc8463_msg, NULL);

	ck_assert_uint_eq(vg_dkim_count(dm), 2);
	ck_assert_str_eq(vg_dkim_key_name(dm, 0),
	    "brisbane._domainkey.football.example.com");
	ck_assert_str_eq(
	    vg_dkim_key_name(dm, 1), "test._domainkey.football.example.com");
	ck_assert_int_eq(result_of(dm, 0, key_ed), VG_DKIM_PASS);
	ck_assert_int_eq(result_of(dm, 1, key_rsa), VG_DKIM_PASS);
	ck_assert_str_eq(vg_dkim_outcome(dm, 0)->d, "football.example.com");
	ck_assert_str_eq(vg_dkim_outcome(dm, 0)->s, "brisbane");
	ck_assert_str_eq(vg_dkim_outcome(dm, 1)->s, "test");
	vg_dkim_msg_free(dm);
}
END_TEST

/*
 * RFC 6376 Appendix A.2: simple/simple rsa-sha256 over six fields, with the
 * key of Appendix C (brisbane._domainkey.example.com).  i= is in a
 * subdomain of d=.
 */
static const char rfc6376_msg[] =
    "DKIM-Signature: v=1; a=rsa-sha256; s=brisbane; d=example.com;\r\n"
    "      c=simple/simple; q=dns/txt; i=joe@football.example.com;\r\n"
    "      h=Received : From : To : Subject : Date : Message-ID;\r\n"
    "      bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    "      b=AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB\r\n"
    "        4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut\r\n"
    "        KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV\r\n"
    "        4bmp/YzhwvcubU4=;\r\n"
    "Received: from client1.football.example.com  [192.0.2.1]\r\n"
    "      by submitserver.example.com with SUBMISSION;\r\n"
    "      Fri, 11 Jul 2003 21:01:54 -0700 (PDT)\r\n"
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game. Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";

static const char key_rfc6376[] =
    "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3"
    "/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC"
    "2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPN"
    "UYckcQ2QIDAQAB";

START_TEST(test_dkim_rfc6376_example)
{
	struct vg_dkim_msg *dm = prepare(rfc6376_msg, NULL);

	ck_assert_uint_eq(vg_dkim_count(dm), 1);
	ck_assert_str_eq(
	    vg_dkim_key_name(dm, 0), "brisbane._domainkey.example.com");
	ck_assert_msg(result_of(dm, 0, key_rfc6376) == VG_DKIM_PASS,
	    "got %s (%s)", vg_dkim_result_name(vg_dkim_outcome(dm, 0)->result),
	    vg_dkim_outcome(dm, 0)->reason);
	vg_dkim_msg_free(dm);
}
END_TEST

/* The same message with LF line ends (a file): still verifies. */
START_TEST(test_dkim_rfc8463_lf_line_ends)
{
	char *m = strdup(rfc8463_msg), *w = m;
	struct vg_dkim_msg *dm;

	for (const char *r = rfc8463_msg; *r != '\0'; r++)
		if (*r != '\r')
			*w++ = *r;
	*w = '\0';
	dm = prepare(m, NULL);
	ck_assert_int_eq(result_of(dm, 0, key_ed), VG_DKIM_PASS);
	ck_assert_int_eq(result_of(dm, 1, key_rsa), VG_DKIM_PASS);
	vg_dkim_msg_free(dm);
	free(m);
}
END_TEST

/* One byte changed in the body, in a signed header, in b=. */
static const struct {
	const char *from, *to;
	enum vg_dkim_result want;
	const char *reason;
} tamper[] = {
    {"hungry yet", "hungry yes", VG_DKIM_FAIL, "body hash mismatch"},
    {"Is dinner ready?", "Is dinner ready!", VG_DKIM_FAIL,
        "signature does not verify"},
    {"Joe SixPack", "Joe SixPacK", VG_DKIM_FAIL, "signature does not verify"},
    /* Relaxed canonicalisation ignores whitespace changes. */
    {"Subject: Is dinner", "Subject:   Is   dinner", VG_DKIM_PASS, ""},
    {"We lost the game.", "We lost  the game. \t", VG_DKIM_PASS, ""},
    {"Joe.\r\n", "Joe.\r\n\r\n\r\n", VG_DKIM_PASS, ""},
    /* An unsigned header added: still passes. */
    {"To: Suzie", "X-Added: yes\r\nTo: Suzie", VG_DKIM_PASS, ""},
    /*
     * h= names from twice (over-signing), so a From: added anywhere
     * is taken by the second name and breaks the signature.
     */
    {"From: Joe", "From: Eve <eve@evil.example>\r\nFrom: Joe", VG_DKIM_FAIL,
        "signature does not verify"},
};

START_TEST(test_dkim_tamper)
{
	char *m = replace(rfc8463_msg, tamper[_i].from, tamper[_i].to);
	struct vg_dkim_msg *dm = prepare(m, NULL);

	ck_assert_msg(result_of(dm, 0, key_ed) == tamper[_i].want,
	    "case %d: got %s (%s), want %s", _i,
	    vg_dkim_result_name(vg_dkim_outcome(dm, 0)->result),
	    vg_dkim_outcome(dm, 0)->reason,
	    vg_dkim_result_name(tamper[_i].want));
	ck_assert_str_eq(vg_dkim_outcome(dm, 0)->reason, tamper[_i].reason);
	ck_assert_int_eq(result_of(dm, 1, key_rsa), tamper[_i].want);
	vg_dkim_msg_free(dm);
	free(m);
}
END_TEST

/*
 * A From: added *below* the signed one is taken first bottom up (RFC 6376
 * 5.4.2), and h= lists from twice, so the extra one breaks the signature.
 */
START_TEST(test_dkim_added_from_below)
{
	char *m = replace(rfc8463_msg, "To: Suzie",
	    "From: Eve <eve@evil.example>\r\nTo: Suzie");
	struct vg_dkim_msg *dm = prepare(m, NULL);

	ck_assert_int_eq(result_of(dm, 0, key_ed), VG_DKIM_FAIL);
	vg_dkim_msg_free(dm);
	free(m);
}
END_TEST

/* RFC 6376 3.4.6: the canonicalisation examples. */
START_TEST(test_dkim_canon_rfc6376_examples)
{
	static const char a[] = "A: X\r\n", b[] = "B : Y\t\r\n\tZ  \r\n";
	static const char body[] = " C \r\nD \t E\r\n\r\n\r\n";
	struct vg_buf out;

	vg_buf_init(&out, 1 << 16);
	ck_assert_int_eq(vg_dkim_canon_header(&out, (const unsigned char *)a,
	                     strlen(a), VG_DKIM_RELAXED),
	    0);
	ck_assert_int_eq(vg_dkim_canon_header(&out, (const unsigned char *)b,
	                     strlen(b), VG_DKIM_RELAXED),
	    0);
	ck_assert_str_eq(vg_buf_cstr(&out), "a:X\r\nb:Y Z\r\n");
	vg_buf_reset(&out);
	ck_assert_int_eq(vg_dkim_canon_body(&out, (const unsigned char *)body,
	                     strlen(body), VG_DKIM_RELAXED),
	    0);
	ck_assert_str_eq(vg_buf_cstr(&out), " C\r\nD E\r\n");
	vg_buf_reset(&out);
	ck_assert_int_eq(vg_dkim_canon_header(&out, (const unsigned char *)a,
	                     strlen(a), VG_DKIM_SIMPLE),
	    0);
	ck_assert_int_eq(vg_dkim_canon_header(&out, (const unsigned char *)b,
	                     strlen(b), VG_DKIM_SIMPLE),
	    0);
	ck_assert_str_eq(vg_buf_cstr(&out), "A: X\r\nB : Y\t\r\n\tZ  \r\n");
	vg_buf_reset(&out);
	ck_assert_int_eq(vg_dkim_canon_body(&out, (const unsigned char *)body,
	                     strlen(body), VG_DKIM_SIMPLE),
	    0);
	ck_assert_str_eq(vg_buf_cstr(&out), " C \r\nD \t E\r\n");
	vg_buf_fini(&out);
}
END_TEST

/* Bodies: {input, simple, relaxed}. */
static const struct {
	const char *in, *simple, *relaxed;
} bodies[] = {
    {"", "\r\n", ""},
    {"\r\n", "\r\n", ""},
    {"\r\n\r\n\r\n", "\r\n", ""},
    {"a", "a\r\n", "a\r\n"},
    {"a\n", "a\r\n", "a\r\n"},
    {"a\nb\n\n", "a\r\nb\r\n", "a\r\nb\r\n"},
    {"a  \t b \r\n", "a  \t b \r\n", "a b\r\n"},
    {" \r\n \r\nx\r\n \r\n", " \r\n \r\nx\r\n \r\n", "\r\n\r\nx\r\n"},
    {"a\rb\r\n", "a\rb\r\n", "a\rb\r\n"},
    {"\r\n\r\nx", "\r\n\r\nx\r\n", "\r\n\r\nx\r\n"},
};

START_TEST(test_dkim_canon_body)
{
	const char *in = bodies[_i].in;
	struct vg_buf out;

	vg_buf_init(&out, 1 << 16);
	ck_assert_int_eq(vg_dkim_canon_body(&out, (const unsigned char *)in,
	                     strlen(in), VG_DKIM_SIMPLE),
	    0);
	ck_assert_str_eq(vg_buf_cstr(&out), bodies[_i].simple);
	vg_buf_reset(&out);
	ck_assert_int_eq(vg_dkim_canon_body(&out, (const unsigned char *)in,
	                     strlen(in), VG_DKIM_RELAXED),
	    0);
	ck_assert_str_eq(vg_buf_cstr(&out), bodies[_i].relaxed);
	vg_buf_fini(&out);
}
END_TEST

/* Header fields: {input, simple, relaxed}. */
static const struct {
	const char *in, *simple, *relaxed;
} fields[] = {
    {"Subject: Hi", "Subject: Hi\r\n", "subject:Hi\r\n"},
    {"SUBJECT :  a  b  \r\n", "SUBJECT :  a  b  \r\n", "subject:a b\r\n"},
    {"To: a,\n b", "To: a,\r\n b\r\n", "to:a, b\r\n"},
    {"X-Empty:", "X-Empty:\r\n", "x-empty:\r\n"},
    {"X-Empty:   \r\n", "X-Empty:   \r\n", "x-empty:\r\n"},
};

START_TEST(test_dkim_canon_header)
{
	const char *in = fields[_i].in;
	struct vg_buf out;

	vg_buf_init(&out, 1 << 16);
	ck_assert_int_eq(vg_dkim_canon_header(&out, (const unsigned char *)in,
	                     strlen(in), VG_DKIM_SIMPLE),
	    0);
	ck_assert_str_eq(vg_buf_cstr(&out), fields[_i].simple);
	vg_buf_reset(&out);
	ck_assert_int_eq(vg_dkim_canon_header(&out, (const unsigned char *)in,
	                     strlen(in), VG_DKIM_RELAXED),
	    0);
	ck_assert_str_eq(vg_buf_cstr(&out), fields[_i].relaxed);
	vg_buf_fini(&out);
}
END_TEST

#define SIG_OK                                                                 \
	"v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to; "                 \
	"bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA"

/* Signatures that parse (NULL reason) or not, and why. */
static const struct {
	const char *sig, *why;
} sigs[] = {
    {SIG_OK, NULL},
    {SIG_OK ";", NULL},
    {SIG_OK "; z=unknown; foo=bar", NULL},
    {SIG_OK "; c=relaxed", NULL},
    {SIG_OK "; c=simple/relaxed; l=0; t=1; x=2; q=dns/txt", NULL},
    {SIG_OK "; i=user@sub.example.com", NULL},
    {"v=1; a=ed25519-sha256; d=example.com; s=sel; h=From; "
     "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AA AA\r\n\tAA==",
        NULL},
    {SIG_OK "; d=example.org", "tag d given twice"},
    {"v=2; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AA; b=AA",
        "version is not 1"},
    {"v=1; a=rsa-sha1; d=example.com; s=sel; h=from; b=AAAA; "
     "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=",
        "rsa-sha1 is not accepted (RFC 8301)"},
    {"v=1; a=rsa-md5; d=example.com", "unknown algorithm"},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=to; b=AAAA; "
     "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=",
        "h= does not sign From"},
    {"v=1; a=rsa-sha256; s=sel; h=from; b=AAAA; "
     "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=",
        "a required tag (v, a, b, bh, d, h, s) is missing"},
    {SIG_OK "; i=user@example.org", "i= is not within d="},
    {SIG_OK "; i=user@notexample.com", "i= is not within d="},
    {SIG_OK "; i=nobody", "i= is not an address"},
    {SIG_OK "; t=20; x=10", "x= is before t="},
    {SIG_OK "; l=12a", "l= is not a number"},
    {SIG_OK "; c=fancy", "unknown header canonicalization"},
    {SIG_OK "; c=simple/fancy", "unknown body canonicalization"},
    {SIG_OK "; q=http", "q= does not offer dns/txt"},
    {SIG_OK "; ;", "malformed tag list"},
    {SIG_OK "; 1x=y", "malformed tag list"},
    {SIG_OK "; noequals", "malformed tag list"},
    {SIG_OK "; n=caf\xc3\xa9", "malformed tag list"},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; b=A*AA; "
     "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=",
        "b= is not base64 of at most 512 bytes"},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; b=AAAA; bh=AAAA",
        "bh= is not a base64 SHA-256 hash"},
    {"v=1; a=rsa-sha256; d=exa mple.com; s=sel; h=from; b=AAAA",
        "d= is not a domain name"},
    {"v=1; a=rsa-sha256; d=example.com; s=sel..x; h=from; b=AAAA",
        "s= is not a selector"},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from::to; b=AAAA",
        "h= is empty, malformed or lists more than 64 fields"},
};

START_TEST(test_dkim_sig_parse)
{
	struct vg_dkim_sig *sig = malloc(sizeof(*sig));
	char why[VG_DKIM_REASON_MAX] = "";
	int rc;

	ck_assert_ptr_nonnull(sig);
	rc = vg_dkim_sig_parse(
	    sig, sigs[_i].sig, strlen(sigs[_i].sig), why, sizeof(why));
	if (sigs[_i].why == NULL) {
		ck_assert_msg(rc == 0, "case %d: got %s, want ok", _i, why);
	} else {
		ck_assert_int_eq(rc, VG_EINVAL);
		ck_assert_str_eq(why, sigs[_i].why);
	}
	free(sig);
}
END_TEST

/* The parsed values of a full signature. */
START_TEST(test_dkim_sig_fields)
{
	static const char s[] =
	    "v=1; a=ed25519-sha256; c=relaxed; d=Example.COM; s=a.b; "
	    "h=From : Subject:To; l=77; t=100; x=200; "
	    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAECAw==";
	struct vg_dkim_sig *sig = malloc(sizeof(*sig));
	char why[VG_DKIM_REASON_MAX];

	ck_assert_ptr_nonnull(sig);
	ck_assert_int_eq(
	    vg_dkim_sig_parse(sig, s, strlen(s), why, sizeof(why)), 0);
	ck_assert_int_eq(sig->alg, VG_DKIM_ED25519_SHA256);
	ck_assert_int_eq(sig->hcanon, VG_DKIM_RELAXED);
	ck_assert_int_eq(sig->bcanon, VG_DKIM_SIMPLE);
	ck_assert_str_eq(sig->d, "Example.COM");
	ck_assert_str_eq(sig->s, "a.b");
	ck_assert_str_eq(sig->i, "@Example.COM");
	ck_assert_uint_eq(sig->nh, 3);
	ck_assert_int_eq(strncmp(sig->h[1].name, "Subject", sig->h[1].len), 0);
	ck_assert_uint_eq(sig->h[2].len, 2);
	ck_assert(sig->has_l && sig->l == 77);
	ck_assert(sig->has_t && sig->t == 100 && sig->has_x && sig->x == 200);
	ck_assert_uint_eq(sig->blen, 4);
	ck_assert_int_eq(sig->b[3], 3);
	free(sig);
}
END_TEST

/* The limits of the signature: its size and h='s count. */
START_TEST(test_dkim_sig_limits)
{
	struct vg_dkim_sig *sig = malloc(sizeof(*sig));
	char why[VG_DKIM_REASON_MAX];
	struct vg_buf b;

	ck_assert_ptr_nonnull(sig);
	vg_buf_init(&b, 1 << 20);
	ck_assert_int_eq(vg_buf_append_str(&b, SIG_OK "; z="), 0);
	while (b.len <= VG_DKIM_SIG_MAX)
		ck_assert_int_eq(vg_buf_append_str(&b, "x"), 0);
	ck_assert_int_eq(
	    vg_dkim_sig_parse(sig, b.data, b.len, why, sizeof(why)), VG_EINVAL);
	ck_assert_str_eq(why, "signature longer than 8192 bytes");
	vg_buf_reset(&b);
	ck_assert_int_eq(vg_buf_append_str(&b,
	                     "v=1; a=rsa-sha256; d=example.com; s=sel; b=AAAA; "
	                     "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; "
	                     "h=from"),
	    0);
	for (unsigned k = 1; k < VG_DKIM_MAX_H; k++)
		ck_assert_int_eq(vg_buf_append_str(&b, ":to"), 0);
	ck_assert_int_eq(
	    vg_dkim_sig_parse(sig, b.data, b.len, why, sizeof(why)), 0);
	ck_assert_int_eq(vg_buf_append_str(&b, ":to"), 0);
	ck_assert_int_eq(
	    vg_dkim_sig_parse(sig, b.data, b.len, why, sizeof(why)), VG_EINVAL);
	vg_buf_fini(&b);
	free(sig);
}
END_TEST

/* Key records: NULL reason parses. */
static const struct {
	const char *key, *why;
} keys[] = {
    {"p=AAAA", NULL},
    {"v=DKIM1; k=rsa; h=sha1:sha256; s=email; t=y:s; n=notes; p=AAAA", NULL},
    {"v=DKIM1; p=", NULL},
    {"k=rsa; v=DKIM1; p=AAAA", "key record is not v=DKIM1"},
    {"v=DKIM2; p=AAAA", "key record is not v=DKIM1"},
    {"k=dsa; p=AAAA", "unknown key type"},
    {"h=sha1; p=AAAA", "key does not allow sha256"},
    {"s=web; p=AAAA", "key is not for email"},
    {"k=rsa", "key record has no p="},
    {"p=AAAA; p=AAAA", "key tag p given twice"},
    {"p=A!AA", "p= is not base64 of at most 1024 bytes"},
    {"this is not a key", "malformed key record"},
};

START_TEST(test_dkim_key_parse)
{
	struct vg_dkim_key *k = malloc(sizeof(*k));
	char why[VG_DKIM_REASON_MAX] = "";
	int rc;

	ck_assert_ptr_nonnull(k);
	rc = vg_dkim_key_parse(
	    k, keys[_i].key, strlen(keys[_i].key), why, sizeof(why));
	if (keys[_i].why == NULL) {
		ck_assert_msg(rc == 0, "case %d: got %s, want ok", _i, why);
	} else {
		ck_assert_int_eq(rc, VG_EINVAL);
		ck_assert_str_eq(why, keys[_i].why);
	}
	free(k);
}
END_TEST

/* What the key can do to a good signature. */
static const struct {
	const char *key;
	enum vg_dkim_result want;
	const char *reason;
} keycases[] = {
    {"v=DKIM1; k=ed25519; p=", VG_DKIM_PERMERROR, "key revoked"},
    {"v=DKIM1; k=rsa; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
        VG_DKIM_PERMERROR, "key type does not match a="},
    {"v=DKIM1; k=ed25519; p=AAAA", VG_DKIM_PERMERROR,
        "Ed25519 key is not 32 bytes"},
    {"garbage", VG_DKIM_PERMERROR, "malformed key record"},
    {"v=DKIM1; k=ed25519; t=s; "
     "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
        VG_DKIM_PASS, ""},
    /* Another Ed25519 key (RFC 8032 test 2): the signature fails. */
    {"v=DKIM1; k=ed25519; p=PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=",
        VG_DKIM_FAIL, "signature does not verify"},
    /* An Ed25519 key in an SPKI wrapper is not the RFC 8463 form. */
    {"v=DKIM1; k=ed25519; "
     "p=MCowBQYDK2VwAyEAVTYahzobcdvlvwf9a+zmycCFgCPs9BQ4R2X6HhY54F8=",
        VG_DKIM_PERMERROR, "Ed25519 key is not 32 bytes"},
};

/* RSA key encodings: {record, result, reason}, for signature 1. */
static const struct {
	const char *key;
	enum vg_dkim_result want;
	const char *reason;
} rsakeys[] = {
    /* The RFC's SubjectPublicKeyInfo. */
    {"v=DKIM1; k=rsa; "
     "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a"
     "5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1"
     "Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QI"
     "DAQAB",
        VG_DKIM_PASS, ""},
    /* The same key as a bare PKCS#1 RSAPublicKey, as some publish. */
    {"v=DKIM1; k=rsa; "
     "p=MIGJAoGBAOQeU5CgFPNZGIazlXo2k/eJ1jpaTTxrmqF1HrDLlt04pvaMtCJj8nXoliLRC"
     "/H9vJjMI1vdb3XLcW60AIN/PBD8EL97/y4GwJH7LPUvGP48vqUe+owqszesbiGy1PlCO8c7"
     "0/OjFnJVgvMF87YR4Lcincb7aSvI5MgpP6X8rjDdAgMBAAE=",
        VG_DKIM_PASS, ""},
    /* An Ed25519 SPKI under k=rsa: not an RSA key. */
    {"v=DKIM1; k=rsa; "
     "p=MCowBQYDK2VwAyEAVTYahzobcdvlvwf9a+zmycCFgCPs9BQ4R2X6HhY54F8=",
        VG_DKIM_PERMERROR, "RSA key does not load"},
    /* DER that says more than it has. */
    {"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOC", VG_DKIM_PERMERROR,
        "RSA key does not load"},
    {"v=DKIM1; k=rsa; p=AAAA", VG_DKIM_PERMERROR, "RSA key does not load"},
};

START_TEST(test_dkim_rsa_key_encodings)
{
	struct vg_dkim_msg *dm = prepare(rfc8463_msg, NULL);

	ck_assert_msg(result_of(dm, 1, rsakeys[_i].key) == rsakeys[_i].want,
	    "case %d: got %s (%s)", _i,
	    vg_dkim_result_name(vg_dkim_outcome(dm, 1)->result),
	    vg_dkim_outcome(dm, 1)->reason);
	ck_assert_str_eq(vg_dkim_outcome(dm, 1)->reason, rsakeys[_i].reason);
	vg_dkim_msg_free(dm);
}
END_TEST

START_TEST(test_dkim_key_outcomes)
{
	struct vg_dkim_msg *dm = prepare(rfc8463_msg, NULL);

	ck_assert_int_eq(result_of(dm, 0, keycases[_i].key), keycases[_i].want);
	ck_assert_str_eq(vg_dkim_outcome(dm, 0)->reason, keycases[_i].reason);
	vg_dkim_msg_free(dm);
}
END_TEST

/* An RSA key under 1024 bits is policy, never pass. */
START_TEST(test_dkim_small_rsa_key)
{
	/* A 512-bit RSA SubjectPublicKeyInfo (made with openssl genrsa). */
	static const char key512[] =
	    "v=DKIM1; "
	    "p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBANsXrkiz7IX1EldyvjQmu1BZ"
	    "CWNgt/oSNAcCud91WO5h9pI/Sxfe67QeY798XdN1Ta/"
	    "nLmSHDzfT0xTnhViFau0C"
	    "AwEAAQ==";
	struct vg_dkim_msg *dm = prepare(rfc8463_msg, NULL);

	ck_assert_int_eq(result_of(dm, 1, key512), VG_DKIM_POLICY);
	ck_assert_str_eq(vg_dkim_outcome(dm, 1)->reason, "RSA key of 512 bits");
	vg_dkim_msg_free(dm);
}
END_TEST

/* No key: temperror for a DNS failure, permerror for none. */
START_TEST(test_dkim_key_missing)
{
	struct vg_dkim_msg *dm = prepare(rfc8463_msg, NULL);

	vg_dkim_key_missing(dm, 0, true, "timeout");
	vg_dkim_key_missing(dm, 1, false, "nxdomain");
	ck_assert_int_eq(vg_dkim_outcome(dm, 0)->result, VG_DKIM_TEMPERROR);
	ck_assert_str_eq(
	    vg_dkim_outcome(dm, 0)->reason, "key lookup failed: timeout");
	ck_assert_int_eq(vg_dkim_outcome(dm, 1)->result, VG_DKIM_PERMERROR);
	ck_assert_str_eq(
	    vg_dkim_outcome(dm, 1)->reason, "key not found: nxdomain");
	ck_assert_ptr_null(vg_dkim_key_name(dm, 0));
	vg_dkim_msg_free(dm);
}
END_TEST

/* x= in the past: permerror before any lookup. */
START_TEST(test_dkim_expired)
{
	char *m = replace(rfc8463_msg, "t=1528637909; h=from : to :",
	    "t=1528637909; x=1528637909; h=from : to :");
	struct vg_dkim_msg *dm = NULL;

	ck_assert_int_eq(vg_dkim_prepare(&dm, (const unsigned char *)m,
	                     strlen(m), body_off(m), &deflim, RFC_NOW + 1),
	    0);
	ck_assert_ptr_null(vg_dkim_key_name(dm, 0));
	ck_assert_int_eq(vg_dkim_outcome(dm, 0)->result, VG_DKIM_PERMERROR);
	ck_assert_str_eq(vg_dkim_outcome(dm, 0)->reason, "signature expired");
	/* The other signature is untouched. */
	ck_assert_ptr_nonnull(vg_dkim_key_name(dm, 1));
	vg_dkim_msg_free(dm);
	free(m);
}
END_TEST

/* dkim_max_signatures: later signatures are counted, not examined. */
START_TEST(test_dkim_max_signatures)
{
	struct vg_dkim_limits lim = deflim;
	struct vg_dkim_msg *dm;

	lim.max_signatures = 1;
	dm = prepare(rfc8463_msg, &lim);
	ck_assert_uint_eq(vg_dkim_count(dm), 1);
	ck_assert_uint_eq(vg_dkim_skipped(dm), 1);
	ck_assert_int_eq(result_of(dm, 0, key_ed), VG_DKIM_PASS);
	vg_dkim_msg_free(dm);
}
END_TEST

/* dkim_max_body_size: a longer body is policy, not hashed. */
START_TEST(test_dkim_max_body_size)
{
	struct vg_dkim_limits lim = deflim;
	struct vg_dkim_msg *dm;

	/* The canonical body is 54 bytes. */
	lim.max_body_size = 54;
	dm = prepare(rfc8463_msg, &lim);
	ck_assert_int_eq(result_of(dm, 0, key_ed), VG_DKIM_PASS);
	vg_dkim_msg_free(dm);
	lim.max_body_size = 53;
	dm = prepare(rfc8463_msg, &lim);
	ck_assert_ptr_null(vg_dkim_key_name(dm, 0));
	ck_assert_int_eq(vg_dkim_outcome(dm, 0)->result, VG_DKIM_POLICY);
	ck_assert_str_eq(vg_dkim_outcome(dm, 0)->reason,
	    "body over dkim_max_body_size (53 bytes) not hashed");
	vg_dkim_msg_free(dm);
}
END_TEST

/* max_header_count: a message with more fields is permerror. */
START_TEST(test_dkim_max_fields)
{
	struct vg_dkim_limits lim = deflim;
	struct vg_dkim_msg *dm;

	lim.max_fields = 7;
	dm = prepare(rfc8463_msg, &lim);
	ck_assert_int_eq(result_of(dm, 0, key_ed), VG_DKIM_PASS);
	vg_dkim_msg_free(dm);
	lim.max_fields = 6;
	dm = prepare(rfc8463_msg, &lim);
	ck_assert_int_eq(vg_dkim_outcome(dm, 0)->result, VG_DKIM_PERMERROR);
	ck_assert_str_eq(
	    vg_dkim_outcome(dm, 0)->reason, "more than 6 header fields");
	vg_dkim_msg_free(dm);
}
END_TEST

/*
 * l=: the body hash covers the first l bytes; equal to the body is a pass
 * candidate (the signature itself then fails, since l= is not in the
 * signed header), longer than the body permerror, text after l= policy.
 * The RFC's bh= is of the whole 51-byte body, so l=54 matches it.
 */
static const struct {
	const char *l, *body_from, *body_to;
	enum vg_dkim_result want;
	const char *reason;
} lcases[] = {
    {"l=54", NULL, NULL, VG_DKIM_FAIL, "signature does not verify"},
    {"l=55", NULL, NULL, VG_DKIM_PERMERROR, "l= is longer than the body"},
    {"l=54", "Joe.\r\n", "Joe.\r\nClick here: http://evil.example/\r\n",
        VG_DKIM_POLICY, "unsigned content after l="},
    {"l=53", NULL, NULL, VG_DKIM_FAIL, "body hash mismatch"},
};

START_TEST(test_dkim_l_tag)
{
	char tag[64], *m1, *m;
	struct vg_dkim_msg *dm;

	snprintf(tag, sizeof(tag), "q=dns/txt; %s; s=brisbane;", lcases[_i].l);
	m1 = replace(rfc8463_msg, "q=dns/txt; s=brisbane;", tag);
	m = lcases[_i].body_from != NULL
	    ? replace(m1, lcases[_i].body_from, lcases[_i].body_to)
	    : strdup(m1);
	dm = prepare(m, NULL);
	ck_assert_msg(result_of(dm, 0, key_ed) == lcases[_i].want,
	    "case %d: got %s (%s)", _i,
	    vg_dkim_result_name(vg_dkim_outcome(dm, 0)->result),
	    vg_dkim_outcome(dm, 0)->reason);
	ck_assert_str_eq(vg_dkim_outcome(dm, 0)->reason, lcases[_i].reason);
	vg_dkim_msg_free(dm);
	free(m);
	free(m1);
}
END_TEST

/* A malformed signature is a result (permerror), never an error. */
START_TEST(test_dkim_malformed_is_a_result)
{
	static const char m[] = "DKIM-Signature: v=1; garbage\r\n"
	                        "DKIM-Signature:\r\n"
	                        "From: a@example.com\r\n\r\nbody\r\n";
	struct vg_dkim_msg *dm = prepare(m, NULL);

	ck_assert_uint_eq(vg_dkim_count(dm), 2);
	ck_assert_int_eq(vg_dkim_outcome(dm, 0)->result, VG_DKIM_PERMERROR);
	ck_assert_str_eq(vg_dkim_outcome(dm, 0)->reason, "malformed tag list");
	ck_assert_int_eq(vg_dkim_outcome(dm, 1)->result, VG_DKIM_PERMERROR);
	ck_assert_ptr_null(vg_dkim_key_name(dm, 1));
	vg_dkim_msg_free(dm);
}
END_TEST

/* No signature, no header end, nothing at all. */
START_TEST(test_dkim_nothing)
{
	struct vg_dkim_msg *dm = prepare("From: a@b.example\r\n", NULL);

	ck_assert_uint_eq(vg_dkim_count(dm), 0);
	vg_dkim_msg_free(dm);
	dm = prepare("", NULL);
	ck_assert_uint_eq(vg_dkim_count(dm), 0);
	vg_dkim_msg_free(dm);
}
END_TEST

static Suite *
dkim_suite(void)
{
	Suite *s = suite_create("dkim");
	TCase *tc = tcase_create("vectors");

	tcase_add_test(tc, test_dkim_rfc8463_both_verify);
	tcase_add_test(tc, test_dkim_rfc8463_lf_line_ends);
	tcase_add_test(tc, test_dkim_rfc6376_example);
	tcase_add_loop_test(tc, test_dkim_tamper, 0, (int)VG_NELEM(tamper));
	tcase_add_test(tc, test_dkim_added_from_below);
	suite_add_tcase(s, tc);
	tc = tcase_create("canon");
	tcase_add_test(tc, test_dkim_canon_rfc6376_examples);
	tcase_add_loop_test(tc, test_dkim_canon_body, 0, (int)VG_NELEM(bodies));
	tcase_add_loop_test(
	    tc, test_dkim_canon_header, 0, (int)VG_NELEM(fields));
	suite_add_tcase(s, tc);
	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_dkim_sig_parse, 0, (int)VG_NELEM(sigs));
	tcase_add_test(tc, test_dkim_sig_fields);
	tcase_add_test(tc, test_dkim_sig_limits);
	tcase_add_loop_test(tc, test_dkim_key_parse, 0, (int)VG_NELEM(keys));
	suite_add_tcase(s, tc);
	tc = tcase_create("outcomes");
	tcase_add_loop_test(
	    tc, test_dkim_key_outcomes, 0, (int)VG_NELEM(keycases));
	tcase_add_test(tc, test_dkim_small_rsa_key);
	tcase_add_loop_test(
	    tc, test_dkim_rsa_key_encodings, 0, (int)VG_NELEM(rsakeys));
	tcase_add_test(tc, test_dkim_key_missing);
	tcase_add_test(tc, test_dkim_expired);
	tcase_add_loop_test(tc, test_dkim_l_tag, 0, (int)VG_NELEM(lcases));
	tcase_add_test(tc, test_dkim_malformed_is_a_result);
	tcase_add_test(tc, test_dkim_nothing);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_dkim_max_signatures);
	tcase_add_test(tc, test_dkim_max_body_size);
	tcase_add_test(tc, test_dkim_max_fields);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(dkim_suite)
