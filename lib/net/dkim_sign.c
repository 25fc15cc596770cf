/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dkim_sign - sign a message with one domain's key (see dkim_sign.h).
 *
 * Signing is verification run backwards with the same parts: the body's
 * relaxed canonical form is hashed for bh=, the chosen header fields are
 * canonicalised bottom up per name (RFC 6376 5.4.2) into a second hash,
 * followed by the new DKIM-Signature field itself with an empty b=, and
 * that digest is signed: RSA PKCS#1 v1.5 over the SHA-256 digest, or
 * Ed25519 over the digest's 32 bytes (RFC 8463 3), exactly the inputs
 * dkim.c's verify_sig() checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/compiler.h"
#include "base/str.h"
#include "net/dkim_int.h"
#include "net/dkim_sign.h"

/* The header value is folded before this column (RFC 5322 2.1.1). */
#define FOLD_COL 78
/* "DKIM-Signature: " */
#define NAME_COL 16
/* The longest value: tags, h= of 64 names, an RSA-4096 b= and folds. */
#define VALUE_MAX 6144
/* One field as Vigil keeps it: max_header_size is at most 16M. */
#define FIELD_MAX (17u * 1024u * 1024u)

struct vg_dkim_signer {
	char d[VG_DKIM_NAME_MAX + 1];
	char s[VG_DKIM_NAME_MAX + 1];
	EVP_PKEY *pk;
	bool ed25519;
};

/* The names signed, in h= order; From is signed once more than present. */
static const char *const signed_names[] = {"From", "To", "Cc", "Subject",
    "Date", "Message-ID", "Reply-To", "MIME-Version", "Content-Type",
    "Content-Transfer-Encoding", "In-Reply-To", "References"};

/* say - the reason into why */
static int VG_PRINTF(3, 4) say(char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vg_str_vfmt(why, why_size, fmt, ap);
	va_end(ap);
	return VG_EINVAL;
}

/* no_passphrase - PEM callback: never prompt on a terminal */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/*
 * read_file - path's bytes into a new buffer (*out, *len_out), at most
 * VG_DKIM_KEYFILE_MAX; VG_EINVAL with why, VG_ENOMEM
 */
static int
read_file(unsigned char **out, size_t *len_out, const char *path, char *why,
    size_t why_size)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int fd, rc;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return say(why, why_size, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = say(why, why_size, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = say(why, why_size, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > (off_t)VG_DKIM_KEYFILE_MAX) {
		rc = say(why, why_size, "%s: larger than %u bytes", path,
		    VG_DKIM_KEYFILE_MAX);
		goto out;
	}
	if ((buf = vg_malloc(VG_DKIM_KEYFILE_MAX + 1)) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, VG_DKIM_KEYFILE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc =
			    say(why, why_size, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > VG_DKIM_KEYFILE_MAX) {
			rc = say(why, why_size, "%s: larger than %u bytes",
			    path, VG_DKIM_KEYFILE_MAX);
			goto out;
		}
	}
	*out = buf;
	*len_out = len;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, VG_DKIM_KEYFILE_MAX + 1);
		vg_free(buf);
	}
	(void)close(fd);
	return rc;
}

/* vg_dkim_signer_load - read and check one key */
int
vg_dkim_signer_load(struct vg_dkim_signer **out, const char *domain,
    const char *selector, const char *path, char *why, size_t why_size)
{
	struct vg_dkim_signer *s = NULL;
	unsigned char *pem = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	int rc, bits;

	*out = NULL;
	why[0] = '\0';
	if ((s = vg_calloc(1, sizeof(*s))) == NULL)
		return VG_ENOMEM;
	if (!vg_str_fmt(s->d, sizeof(s->d), "%s", domain) ||
	    !vg_str_fmt(s->s, sizeof(s->s), "%s", selector)) {
		rc = say(why, why_size, "domain or selector too long");
		goto out;
	}
	if ((rc = read_file(&pem, &len, path, why, why_size)) != 0)
		goto out;
	rc = VG_ENOMEM;
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		goto out;
	s->pk = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	if (s->pk == NULL) {
		/* OpenSSL's own text could quote the file: not logged. */
		rc = say(why, why_size,
		    "%s: not an unencrypted PEM private key", path);
		goto out;
	}
	switch (EVP_PKEY_get_base_id(s->pk)) {
	case EVP_PKEY_RSA:
		bits = EVP_PKEY_get_bits(s->pk);
		if (bits < (int)VG_DKIM_RSA_MIN_BITS ||
		    bits > (int)VG_DKIM_RSA_MAX_BITS) {
			rc = say(why, why_size,
			    "%s: RSA key of %d bits (want %u to %u)", path,
			    bits, VG_DKIM_RSA_MIN_BITS, VG_DKIM_RSA_MAX_BITS);
			goto out;
		}
		break;
	case EVP_PKEY_ED25519:
		s->ed25519 = true;
		break;
	default:
		rc = say(why, why_size, "%s: neither an RSA nor an Ed25519 key",
		    path);
		goto out;
	}
	*out = s;
	s = NULL;
	rc = 0;
out:
	ERR_clear_error();
	BIO_free(bio);
	if (pem != NULL) {
		OPENSSL_cleanse(pem, len);
		vg_free(pem);
	}
	vg_dkim_signer_free(s);
	return rc;
}

/* vg_dkim_signer_free - free; EVP_PKEY_free wipes the key */
void
vg_dkim_signer_free(struct vg_dkim_signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->pk);
	vg_free(s);
}

/* vg_dkim_signer_domain - d= */
const char *
vg_dkim_signer_domain(const struct vg_dkim_signer *s)
{
	return s->d;
}

/* vg_dkim_signer_selector - s= */
const char *
vg_dkim_signer_selector(const struct vg_dkim_signer *s)
{
	return s->s;
}

/* vg_dkim_signer_alg - a= */
const char *
vg_dkim_signer_alg(const struct vg_dkim_signer *s)
{
	return s->ed25519 ? "ed25519-sha256" : "rsa-sha256";
}

/* md_write - the sink's write() for an EVP digest */
static int
md_write(void *ctx, const void *p, size_t n)
{
	return EVP_DigestUpdate(ctx, p, n) == 1 ? 0 : VG_EINTERNAL;
}

/*
 * Building the folded value: words are joined by a space (sep) or by
 * nothing, and a word that would pass FOLD_COL starts a new line.
 */
struct fold {
	struct vg_buf *b;
	size_t col;
};

/* put - append word w, after sep when the line goes on */
static int
put(struct fold *f, const char *w, size_t n, bool sep)
{
	int rc;

	if (f->col + (sep ? 1 : 0) + n > FOLD_COL && f->col > 8) {
		if ((rc = vg_buf_append(f->b, "\n\t", 2)) != 0)
			return rc;
		f->col = 8;
	} else if (sep) {
		if ((rc = vg_buf_append(f->b, " ", 1)) != 0)
			return rc;
		f->col++;
	}
	f->col += n;
	return vg_buf_append(f->b, w, n);
}

/* b64 - base64 of p[0..n) into out (4 * ((n + 2) / 3) + 1 bytes) */
static void
b64(char *out, const unsigned char *p, size_t n)
{
	(void)EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

/* hash_field - one field, relaxed, into the header hash */
static int
hash_field(struct vg_dkim_sink *sink, struct vg_buf *tmp,
    const struct vg_dkim_sign_field *f)
{
	int rc;

	vg_buf_reset(tmp);
	if ((rc = vg_buf_append_str(tmp, f->name)) != 0 ||
	    (rc = vg_buf_append(tmp, ":", 1)) != 0 ||
	    (rc = vg_buf_append(tmp, f->value, f->vlen)) != 0)
		return rc;
	return vg_dkim_sink_header(
	    sink, (const unsigned char *)tmp->data, tmp->len, VG_DKIM_RELAXED);
}

/*
 * sign_digest - the signature of the 32-byte digest into sig (*siglen:
 * its size in, the length out)
 */
static int
sign_digest(const struct vg_dkim_signer *s, const unsigned char *digest,
    unsigned char *sig, size_t *siglen)
{
	int rc = VG_EINTERNAL;

	if (s->ed25519) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		if (md == NULL)
			return VG_ENOMEM;
		if (EVP_DigestSignInit(md, NULL, NULL, NULL, s->pk) == 1 &&
		    EVP_DigestSign(md, sig, siglen, digest, 32) == 1)
			rc = 0;
		EVP_MD_CTX_free(md);
		return rc;
	}
	{
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(s->pk, NULL);

		if (ctx == NULL)
			return VG_ENOMEM;
		if (EVP_PKEY_sign_init(ctx) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
		    EVP_PKEY_sign(ctx, sig, siglen, digest, 32) == 1)
			rc = 0;
		EVP_PKEY_CTX_free(ctx);
	}
	return rc;
}

/* vg_dkim_sign - the DKIM-Signature value for one message */
int
vg_dkim_sign(char **out, const struct vg_dkim_signer *s,
    const struct vg_dkim_sign_field *f, size_t nf, const unsigned char *body,
    size_t blen, uint64_t now)
{
	enum {
		NNAMES = VG_NELEM(signed_names)
	};
	size_t count[NNAMES] = {0}, total = 1; /* the oversigned From */
	unsigned char bh[32], digest[32], sig[VG_DKIM_B_MAX];
	char bh64[48], sig64[4 * (VG_DKIM_B_MAX / 3 + 1) + 1], word[300];
	size_t siglen = sizeof(sig);
	unsigned int dlen = 0;
	EVP_MD_CTX *md = NULL;
	struct vg_dkim_sink sink = {.stop_after = UINT64_MAX};
	struct vg_buf val, tmp;
	struct fold fo;
	int rc = VG_ENOMEM;

	*out = NULL;
	vg_buf_init(&val, VALUE_MAX);
	vg_buf_init(&tmp, FIELD_MAX);
	fo.b = &val;
	fo.col = NAME_COL;
	/*
	 * How many of each name to sign: all present, but at most
	 * VG_DKIM_MAX_H names in all with the oversigned From, so a verifier
	 * (Vigil's among them) accepts h=.  The first names win.
	 */
	for (size_t k = 0; k < NNAMES; k++) {
		for (size_t j = 0; j < nf; j++)
			if (strcasecmp(f[j].name, signed_names[k]) == 0 &&
			    total < VG_DKIM_MAX_H) {
				count[k]++;
				total++;
			}
	}
	if ((md = EVP_MD_CTX_new()) == NULL)
		goto out;
	/* bh=: the relaxed body. */
	rc = VG_EINTERNAL;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	sink.write = md_write;
	sink.ctx = md;
	if ((rc = vg_dkim_sink_body(&sink, body, blen, VG_DKIM_RELAXED)) != 0)
		goto out;
	rc = VG_EINTERNAL;
	if (EVP_DigestFinal_ex(md, bh, &dlen) != 1 || dlen != 32)
		goto out;
	b64(bh64, bh, sizeof(bh));
	/* The value with an empty b=, folded. */
	(void)vg_str_fmt(word, sizeof(word), "a=%s;", vg_dkim_signer_alg(s));
	if ((rc = put(&fo, "v=1;", 4, false)) != 0 ||
	    (rc = put(&fo, word, strlen(word), true)) != 0 ||
	    (rc = put(&fo, "c=relaxed/relaxed;", 18, true)) != 0)
		goto out;
	(void)vg_str_fmt(word, sizeof(word), "d=%s;", s->d);
	if ((rc = put(&fo, word, strlen(word), true)) != 0)
		goto out;
	(void)vg_str_fmt(word, sizeof(word), "s=%s;", s->s);
	if ((rc = put(&fo, word, strlen(word), true)) != 0)
		goto out;
	(void)vg_str_fmt(
	    word, sizeof(word), "t=%llu;", (unsigned long long)now);
	if ((rc = put(&fo, word, strlen(word), true)) != 0)
		goto out;
	{
		bool first = true;

		for (size_t k = 0; k < NNAMES; k++) {
			size_t n = count[k] + (k == 0 ? 1 : 0);

			for (size_t r = 0; r < n; r++) {
				size_t i = 0;

				if (first) {
					word[i++] = 'h';
					word[i++] = '=';
				}
				for (const char *c = signed_names[k];
				     *c != '\0' && i + 2 < sizeof(word); c++) {
					unsigned char l = (unsigned char)*c;

					if (l >= 'A' && l <= 'Z')
						l = (unsigned char)(l + 32);
					word[i++] = (char)l;
				}
				word[i++] = total == 1 ? ';' : ':';
				word[i] = '\0';
				total--;
				/* FWS around ':' is allowed in h=. */
				if ((rc = put(&fo, word, i, first)) != 0)
					goto out;
				first = false;
			}
		}
	}
	(void)vg_str_fmt(word, sizeof(word), "bh=%s;", bh64);
	if ((rc = put(&fo, word, strlen(word), true)) != 0 ||
	    (rc = put(&fo, "b=", 2, true)) != 0)
		goto out;
	/*
	 * The header hash: each name's instances bottom up, the oversigned
	 * From with none left adds nothing (RFC 6376 5.4.2), then this field
	 * with b= empty and without its CRLF.
	 */
	rc = VG_EINTERNAL;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	for (size_t k = 0; k < NNAMES; k++) {
		size_t left = count[k];

		for (size_t j = nf; j-- > 0 && left > 0;) {
			if (strcasecmp(f[j].name, signed_names[k]) != 0)
				continue;
			if ((rc = hash_field(&sink, &tmp, &f[j])) != 0)
				goto out;
			left--;
		}
	}
	{
		struct vg_dkim_sign_field self = {
		    "DKIM-Signature", val.data, val.len};

		vg_buf_reset(&tmp);
		if ((rc = vg_buf_append(&tmp, "DKIM-Signature:", 15)) != 0 ||
		    (rc = vg_buf_append(&tmp, self.value, self.vlen)) != 0)
			goto out;
		{
			struct vg_buf canon;

			vg_buf_init(&canon, 2 * VALUE_MAX);
			rc = vg_dkim_canon_header(&canon,
			    (const unsigned char *)tmp.data, tmp.len,
			    VG_DKIM_RELAXED);
			if (rc == 0 && canon.len >= 2)
				rc = md_write(md, canon.data, canon.len - 2);
			vg_buf_fini(&canon);
			if (rc != 0)
				goto out;
		}
	}
	rc = VG_EINTERNAL;
	if (EVP_DigestFinal_ex(md, digest, &dlen) != 1 || dlen != 32)
		goto out;
	if ((rc = sign_digest(s, digest, sig, &siglen)) != 0)
		goto out;
	b64(sig64, sig, siglen);
	/* b= folded anywhere: FWS inside base64 is ignored (RFC 6376 3.5). */
	for (size_t p = 0, n = strlen(sig64); p < n;) {
		size_t room = fo.col < FOLD_COL ? FOLD_COL - fo.col : 0;
		size_t take = n - p < room ? n - p : room;

		if (take == 0) {
			if ((rc = vg_buf_append(&val, "\n\t", 2)) != 0)
				goto out;
			fo.col = 8;
			continue;
		}
		if ((rc = vg_buf_append(&val, sig64 + p, take)) != 0)
			goto out;
		fo.col += take;
		p += take;
	}
	if ((*out = vg_buf_steal(&val)) == NULL)
		rc = VG_ENOMEM;
	else
		rc = 0;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	vg_buf_fini(&val);
	vg_buf_fini(&tmp);
	return rc;
}
