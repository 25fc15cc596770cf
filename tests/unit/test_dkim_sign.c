/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_dkim_sign - the DKIM signer (net/dkim_sign.c) and its key set
 * (net/dkim_keys.c): what Vigil signs verifies with Vigil's own verifier
 * (net/dkim.c) and with dkimpy (Debian python3-dkim, an independent
 * implementation, run through tests/tools/dkim-verify.py), for the RSA-2048
 * and Ed25519 test keys of tests/dkim/; a one-byte change to the body or a
 * signed header, or a From: added on top, fails; keys that cannot be used
 * are refused at load with file:line and a reason that quotes nothing of
 * the key.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/alloc.h"
#include "base/conf.h"
#include "base/err.h"
#include "net/dkim.h"
#include "net/dkim_keys.h"
#include "net/dkim_sign.h"
#include "vg_check.h"
#include "vg_dkimtest.h"

#define KEYS VG_SOURCE_DIR "/tests/dkim"
#define NOW  UINT64_C(1796600000)

static const char msg_head[] = "From: Alice <alice@dkim.test>\r\n"
                               "To: bob@example.net\r\n"
                               "Subject: Lunch on Friday\r\n"
                               "Date: Mon, 7 Dec 2026 08:00:00 +0000\r\n"
                               "Message-ID: <lunch.1@dkim.test>\r\n"
                               "X-Mailer: not signed\r\n";
static const char msg_body[] = "Hi Bob,\r\n\r\nlunch at noon  on Friday?\r\n"
                               "\r\nAlice\r\n\r\n\r\n";

/* record - the DNS key record (TXT) of the PEM private key at path */
static char *
record(const char *path)
{
	FILE *fp = fopen(path, "r");
	EVP_PKEY *pk;
	unsigned char *der = NULL, raw[32];
	size_t rawlen = sizeof(raw);
	char *txt = malloc(2048);
	int n;

	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(txt);
	pk = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	ck_assert_ptr_nonnull(pk);
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519) {
		ck_assert_int_eq(
		    EVP_PKEY_get_raw_public_key(pk, raw, &rawlen), 1);
		snprintf(txt, 2048, "v=DKIM1; k=ed25519; p=");
		EVP_EncodeBlock(
		    (unsigned char *)txt + strlen(txt), raw, (int)rawlen);
	} else {
		n = i2d_PUBKEY(pk, &der);
		ck_assert_int_gt(n, 0);
		snprintf(txt, 2048, "v=DKIM1; k=rsa; p=");
		EVP_EncodeBlock((unsigned char *)txt + strlen(txt), der, n);
		OPENSSL_free(der);
	}
	EVP_PKEY_free(pk);
	return txt;
}

/* fields - the header fields of head (one per line, no folds) */
static size_t
fields(struct vg_dkim_sign_field *f, size_t max, char *head)
{
	size_t n = 0;

	for (char *line = head; *line != '\0' && n < max;) {
		char *end = strstr(line, "\r\n"), *colon = strchr(line, ':');

		ck_assert_ptr_nonnull(end);
		*colon = '\0';
		f[n].name = line;
		f[n].value = colon + 1;
		f[n].vlen = (size_t)(end - colon - 1);
		n++;
		line = end + 2;
	}
	return n;
}

/*
 * signed_msg - head and body signed with the key at path (selector sel),
 * as the whole message the MTA delivers (the caller frees)
 */
static char *
signed_msg(
    const char *path, const char *sel, const char *head, const char *body)
{
	struct vg_dkim_signer *s = NULL;
	struct vg_dkim_sign_field f[200];
	char why[256], *h = strdup(head), *value = NULL, *out;
	size_t nf, n, o;

	ck_assert_int_eq(
	    vg_dkim_signer_load(&s, "dkim.test", sel, path, why, sizeof(why)),
	    0);
	nf = fields(f, 200, h);
	ck_assert_int_eq(vg_dkim_sign(&value, s, f, nf,
	                     (const unsigned char *)body, strlen(body), NOW),
	    0);
	ck_assert_uint_lt(strlen(value), 2048); /* VG_VERDICT_HEADER_MAX */
	n = strlen(value) * 2 + strlen(head) + strlen(body) + 64;
	out = malloc(n);
	ck_assert_ptr_nonnull(out);
	/* The folds as the MTA writes them: CRLF TAB. */
	o = (size_t)snprintf(out, n, "DKIM-Signature: ");
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\n')
			out[o++] = '\r';
		out[o++] = *p;
	}
	snprintf(out + o, n - o, "\r\n%s\r\n%s", head, body);
	free(h);
	vg_free(value);
	vg_dkim_signer_free(s);
	return out;
}

/* vigil_verify - Vigil's verdict on the first signature of m */
static enum vg_dkim_result
vigil_verify(const char *m, const char *txt)
{
	struct vg_dkim_limits lim = {5, 1u << 20, 1000};
	struct vg_dkim_msg *dm = NULL;
	const char *body = strstr(m, "\r\n\r\n");
	enum vg_dkim_result r;

	ck_assert_ptr_nonnull(body);
	ck_assert_int_eq(vg_dkim_prepare(&dm, (const unsigned char *)m,
	                     strlen(m), (size_t)(body + 4 - m), &lim, NOW),
	    0);
	ck_assert_uint_eq(vg_dkim_count(dm), 1);
	if (vg_dkim_key_name(dm, 0) != NULL)
		ck_assert_int_eq(vg_dkim_key(dm, 0, txt, strlen(txt)), 0);
	r = vg_dkim_outcome(dm, 0)->result;
	vg_dkim_msg_free(dm);
	return r;
}

/*
 * dkimpy_verify - 0 when dkimpy verifies every signature of m, 1 when
 * not, 77 when python3-dkim is missing
 */
static int
dkimpy_verify(const char *m, const char *key, const char *sel)
{
	char path[] = "/tmp/vg-dkim-sign-XXXXXX", cmd[1024];
	int fd = mkstemp(path), rc;
	static int have = -1; /* python3-dkim is there (per test process) */

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, m, strlen(m)), (ssize_t)strlen(m));
	close(fd);

	if (have < 0)
		have =
		    system("/usr/bin/python3 -c 'import dkim' 2>/dev/null") ==
		    0;
	if (!have) {
		unlink(path);
		return 77;
	}
	snprintf(cmd, sizeof(cmd),
	    "/usr/bin/python3 %s/tests/tools/dkim-verify.py %s %s dkim.test "
	    "<%s >/dev/null",
	    VG_SOURCE_DIR, key, sel, path);
	rc = system(cmd);
	unlink(path);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static const struct {
	const char *key, *sel, *alg;
} keys[] = {
    {KEYS "/rsa2048.pem", "rsa", "a=rsa-sha256;"},
    {KEYS "/ed25519.pem", "ed", "a=ed25519-sha256;"},
};

/* Both verifiers pass what we sign; a one-byte change fails both. */
START_TEST(test_dkim_sign_verifies)
{
	char *txt = record(keys[_i].key);
	char *m = signed_msg(keys[_i].key, keys[_i].sel, msg_head, msg_body);
	char *bad;
	int py;

	ck_assert_ptr_nonnull(strstr(m, keys[_i].alg));
	ck_assert_ptr_nonnull(strstr(m, "c=relaxed/relaxed;"));
	ck_assert_ptr_nonnull(strstr(m, "t=1796600000;"));
	ck_assert_ptr_null(strstr(m, " l="));
	ck_assert_ptr_nonnull(
	    strstr(m, "h=from:from:to:subject:date:message-id;"));
	ck_assert_int_eq(vigil_verify(m, txt), VG_DKIM_PASS);
	py = dkimpy_verify(m, keys[_i].key, keys[_i].sel);
	if (py != 77)
		ck_assert_msg(py == 0, "dkimpy: got exit %d, want 0", py);

	/* The body changed by one byte. */
	bad = replace(m, "noon", "nooN");
	ck_assert_int_eq(vigil_verify(bad, txt), VG_DKIM_FAIL);
	if (py != 77)
		ck_assert_int_eq(
		    dkimpy_verify(bad, keys[_i].key, keys[_i].sel), 1);
	free(bad);
	/* A signed header changed by one byte. */
	bad = replace(m, "Lunch", "Munch");
	ck_assert_int_eq(vigil_verify(bad, txt), VG_DKIM_FAIL);
	if (py != 77)
		ck_assert_int_eq(
		    dkimpy_verify(bad, keys[_i].key, keys[_i].sel), 1);
	free(bad);
	/* From is oversigned: a second From: breaks the signature. */
	bad = replace(
	    m, "From: Alice", "From: Mallory <m@evil.test>\r\nFrom: Alice");
	ck_assert_int_eq(vigil_verify(bad, txt), VG_DKIM_FAIL);
	free(bad);
	/* An unsigned header may change; refolding a signed one may too. */
	bad = replace(m, "not signed", "changed");
	ck_assert_int_eq(vigil_verify(bad, txt), VG_DKIM_PASS);
	free(bad);
	bad = replace(m, "Subject: Lunch on", "Subject:  Lunch\r\n\ton");
	ck_assert_int_eq(vigil_verify(bad, txt), VG_DKIM_PASS);
	free(bad);
	free(m);
	free(txt);
}
END_TEST

/*
 * More instances of the signed names than h= may hold: the bottom-most
 * are signed, h= stays within VG_DKIM_MAX_H and the signature verifies.
 */
START_TEST(test_dkim_sign_many_headers)
{
	char *txt = record(KEYS "/rsa2048.pem");
	char head[8192] = "From: Alice <alice@dkim.test>\r\n";
	char *m, *h;
	size_t n = 0, o = strlen(head);

	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(
		    head + o, sizeof(head) - o, "To: r%d@example.net\r\n", i);
	m = signed_msg(KEYS "/rsa2048.pem", "rsa", head, msg_body);
	h = strstr(m, "h=");
	ck_assert_ptr_nonnull(h);
	for (; *h != ';'; h++)
		n += *h == ':';
	ck_assert_uint_eq(n + 1, VG_DKIM_MAX_H);
	ck_assert_int_eq(vigil_verify(m, txt), VG_DKIM_PASS);
	free(m);
	free(txt);
}
END_TEST

/* An empty body is signed as relaxed canonicalisation says: nothing. */
START_TEST(test_dkim_sign_empty_body)
{
	char *txt = record(KEYS "/rsa2048.pem");
	char *m = signed_msg(KEYS "/rsa2048.pem", "rsa", msg_head, "");

	/* SHA-256 of the empty string. */
	ck_assert_ptr_nonnull(
	    strstr(m, "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;"));
	ck_assert_int_eq(vigil_verify(m, txt), VG_DKIM_PASS);
	free(m);
	free(txt);
}
END_TEST

/* write_file - a temporary file holding n bytes of data; path filled */
static void
write_file(char *path, const void *data, size_t n)
{
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
	close(fd);
}

/* Keys that cannot sign are refused with a reason that quotes no key. */
START_TEST(test_dkim_sign_bad_keys)
{
	struct vg_dkim_signer *s = (struct vg_dkim_signer *)&s;
	char why[256], big[] = "/tmp/vg-key-XXXXXX",
	               enc[] = "/tmp/vg-key-XXXXXX";
	char ec[] = "/tmp/vg-key-XXXXXX", junk[] = "/tmp/vg-key-XXXXXX";
	char *filler = malloc(VG_DKIM_KEYFILE_MAX + 1);
	EVP_PKEY *pk;
	FILE *fp;

	ck_assert_int_eq(vg_dkim_signer_load(&s, "a.test", "s",
	                     KEYS "/no-such.pem", why, sizeof(why)),
	    VG_EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(why, "No such file"));
	/* RSA-512: below RFC 8301's 1024 bits. */
	ck_assert_int_eq(vg_dkim_signer_load(&s, "a.test", "s",
	                     KEYS "/rsa512.pem", why, sizeof(why)),
	    VG_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "RSA key of 512 bits"));
	/* Over VG_DKIM_KEYFILE_MAX. */
	ck_assert_ptr_nonnull(filler);
	memset(filler, 'A', VG_DKIM_KEYFILE_MAX + 1);
	write_file(big, filler, VG_DKIM_KEYFILE_MAX + 1);
	ck_assert_int_eq(
	    vg_dkim_signer_load(&s, "a.test", "s", big, why, sizeof(why)),
	    VG_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "larger than"));
	/* Not a key: and the reason does not quote the file. */
	write_file(junk, "-----BEGIN PRIVATE KEY-----\nSECRETSTUFF\n", 41);
	ck_assert_int_eq(
	    vg_dkim_signer_load(&s, "a.test", "s", junk, why, sizeof(why)),
	    VG_EINVAL);
	ck_assert_ptr_nonnull(
	    strstr(why, "not an unencrypted PEM private key"));
	ck_assert_ptr_null(strstr(why, "SECRET"));
	/* Encrypted: refused without asking for a passphrase. */
	fp = fopen(KEYS "/rsa2048.pem", "r");
	ck_assert_ptr_nonnull(fp);
	pk = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	ck_assert_ptr_nonnull(pk);
	{
		int fd = mkstemp(enc);

		ck_assert_int_ge(fd, 0);
		fp = fdopen(fd, "w");
		ck_assert_int_eq(PEM_write_PKCS8PrivateKey(fp, pk,
		                     EVP_aes_128_cbc(), "pass", 4, NULL, NULL),
		    1);
		fclose(fp);
	}
	EVP_PKEY_free(pk);
	ck_assert_int_eq(
	    vg_dkim_signer_load(&s, "a.test", "s", enc, why, sizeof(why)),
	    VG_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "not an unencrypted PEM"));
	/* An EC key: neither of DKIM's algorithms. */
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ck_assert_ptr_nonnull(pk);
	{
		int fd = mkstemp(ec);

		ck_assert_int_ge(fd, 0);
		fp = fdopen(fd, "w");
		ck_assert_int_eq(
		    PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL), 1);
		fclose(fp);
	}
	EVP_PKEY_free(pk);
	ck_assert_int_eq(
	    vg_dkim_signer_load(&s, "a.test", "s", ec, why, sizeof(why)),
	    VG_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "neither an RSA nor an Ed25519"));
	ck_assert_ptr_null(s);
	unlink(big);
	unlink(junk);
	unlink(enc);
	unlink(ec);
	free(filler);
}
END_TEST

/* conf_of - a config of text (with socket and clamav_database) */
static struct vg_conf *
conf_of(const char *text)
{
	char all[4096];
	struct vg_conf *conf = NULL;
	struct vg_err err;

	snprintf(
	    all, sizeof(all), "socket = unix:/x\nvirus_scan = no\n%s", text);
	vg_err_init(&err);
	ck_assert_msg(
	    vg_conf_parse(&conf, all, strlen(all), "v.conf", &err) == 0, "%s",
	    vg_err_text(&err));
	return conf;
}

/* The key set: DOMAIN[:SELECTOR], %d and %s, the nearest parent. */
START_TEST(test_dkim_keys_find)
{
	struct vg_conf *conf = conf_of(
	    "dkim_sign_domain = dkim.test:rsa, sub.dkim.test, Other.TEST:ed\n"
	    "dkim_sign_selector = ed\n"
	    "dkim_sign_key = " KEYS "/%s%%.pem\n");
	struct vg_dkim_keys *k = NULL;
	const struct vg_dkim_signer *s;
	struct vg_err err;

	/* "%s%%.pem" is "rsa%.pem", which is not there. */
	vg_err_init(&err);
	ck_assert_int_eq(vg_dkim_keys_load(&k, conf, &err), VG_ECONFIG);
	ck_assert_ptr_nonnull(strstr(vg_err_text(&err),
	    "v.conf:5: dkim_sign_key for dkim.test: " KEYS
	    "/rsa%.pem: No such"));
	vg_conf_free(conf);

	/* The selectors named after the test keys' files. */
	conf = conf_of("dkim_sign_domain = dkim.test:rsa2048, "
	               "sub.dkim.test, Other.TEST:ed25519\n"
	               "dkim_sign_selector = ed25519\n"
	               "dkim_sign_key = " KEYS "/%s.pem\n");
	vg_err_init(&err);
	ck_assert_msg(
	    vg_dkim_keys_load(&k, conf, &err) == 0, "%s", vg_err_text(&err));
	ck_assert_uint_eq(vg_dkim_keys_count(k), 3);
	s = vg_dkim_keys_find(k, "dkim.test");
	ck_assert_str_eq(vg_dkim_signer_domain(s), "dkim.test");
	ck_assert_str_eq(vg_dkim_signer_selector(s), "rsa2048");
	ck_assert_str_eq(vg_dkim_signer_alg(s), "rsa-sha256");
	/* The nearest listed parent. */
	s = vg_dkim_keys_find(k, "a.b.dkim.test");
	ck_assert_str_eq(vg_dkim_signer_domain(s), "dkim.test");
	s = vg_dkim_keys_find(k, "x.SUB.dkim.test");
	ck_assert_str_eq(vg_dkim_signer_domain(s), "sub.dkim.test");
	ck_assert_str_eq(vg_dkim_signer_alg(s), "ed25519-sha256");
	s = vg_dkim_keys_find(k, "other.test");
	ck_assert_str_eq(vg_dkim_signer_domain(s), "other.test");
	/* Not a parent: a suffix without the dot, another domain. */
	ck_assert_ptr_null(vg_dkim_keys_find(k, "notdkim.test"));
	ck_assert_ptr_null(vg_dkim_keys_find(k, "example.org"));
	ck_assert_ptr_null(vg_dkim_keys_find(k, ""));
	ck_assert_ptr_eq(vg_dkim_keys_ref(k), k);
	vg_dkim_keys_unref(k);
	vg_dkim_keys_unref(k);
	vg_dkim_keys_unref(NULL);
	vg_conf_free(conf);

	/* No domains: no set, no error. */
	conf = conf_of("");
	ck_assert_int_eq(vg_dkim_keys_load(&k, conf, &err), 0);
	ck_assert_ptr_null(k);
	ck_assert_ptr_null(vg_dkim_keys_find(k, "dkim.test"));
	vg_conf_free(conf);
}
END_TEST

static const struct {
	const char *conf, *want;
} key_errors[] = {
    {"dkim_sign_domain = bad..test\n",
        "v.conf:3: dkim_sign_domain: 'bad..test' is not DOMAIN"},
    {"dkim_sign_domain = a.test:\n",
        "v.conf:3: dkim_sign_domain: 'a.test:' is not DOMAIN"},
    {"dkim_sign_domain = a.test, A.test\n",
        "v.conf:3: dkim_sign_domain: a.test is listed twice"},
    {"dkim_sign_domain = a.test\ndkim_sign_key = /x/%x.pem\n",
        "v.conf:4: dkim_sign_key: '%' must be followed by d, s or %"},
    {"dkim_sign_domain = a.test\ndkim_sign_selector = b@d\n",
        "v.conf:4: dkim_sign_selector: 'b@d' is not a selector"},
    {"dkim_sign_domain = a.test\n",
        "v.conf:3: dkim_sign_key for a.test: /etc/vigil/dkim/a.test.pem: "},
    {"dkim_sign_domain = a.test\ndkim_sign_key = " KEYS "/rsa512.pem\n",
        "v.conf:4: dkim_sign_key for a.test: " KEYS
        "/rsa512.pem: RSA key of 512 bits (want 1024 to 4096)"},
};

/* Every problem is a file:line error at load. */
START_TEST(test_dkim_keys_errors)
{
	struct vg_conf *conf = conf_of(key_errors[_i].conf);
	struct vg_dkim_keys *k = (struct vg_dkim_keys *)&k;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_int_eq(vg_dkim_keys_load(&k, conf, &err), VG_ECONFIG);
	ck_assert_ptr_null(k);
	ck_assert_msg(strstr(vg_err_text(&err), key_errors[_i].want) != NULL,
	    "got \"%s\", want \"%s\"", vg_err_text(&err), key_errors[_i].want);
	vg_conf_free(conf);
}
END_TEST

/* More than VG_DKIM_KEYS_MAX domains: refused before any key is read. */
START_TEST(test_dkim_keys_max)
{
	char text[4096];
	size_t o = (size_t)snprintf(text, sizeof(text), "dkim_sign_domain = ");
	struct vg_dkim_keys *k = (struct vg_dkim_keys *)&k;
	struct vg_conf *conf;
	struct vg_err err;

	for (unsigned i = 0; i <= VG_DKIM_KEYS_MAX; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%c%c,",
		    "abcdefghijklmnopqrstuvwxyz0123456789"[i / 36],
		    "abcdefghijklmnopqrstuvwxyz0123456789"[i % 36]);
	snprintf(text + o, sizeof(text) - o, "\n");
	conf = conf_of(text);
	vg_err_init(&err);
	ck_assert_int_eq(vg_dkim_keys_load(&k, conf, &err), VG_ECONFIG);
	ck_assert_ptr_null(k);
	ck_assert_str_eq(vg_err_text(&err),
	    "v.conf:3: dkim_sign_domain: 1001 domains, more than 1000\n");
	vg_conf_free(conf);
}
END_TEST

/* dkim_sign_suite - every test of the signer and the key set */
static Suite *
dkim_sign_suite(void)
{
	Suite *s = suite_create("dkim_sign");
	TCase *tc;

	tc = tcase_create("sign");
	tcase_add_loop_test(tc, test_dkim_sign_verifies, 0,
	    (int)(sizeof(keys) / sizeof(keys[0])));
	tcase_add_test(tc, test_dkim_sign_many_headers);
	tcase_add_test(tc, test_dkim_sign_empty_body);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_test(tc, test_dkim_sign_bad_keys);
	tcase_add_test(tc, test_dkim_keys_find);
	tcase_add_test(tc, test_dkim_keys_max);
	tcase_add_loop_test(tc, test_dkim_keys_errors, 0,
	    (int)(sizeof(key_errors) / sizeof(key_errors[0])));
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(dkim_sign_suite)
