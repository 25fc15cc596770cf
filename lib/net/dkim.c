/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dkim - verify a message's DKIM signatures (see dkim.h).
 *
 * The work splits where the network comes in.  vg_dkim_prepare() indexes
 * the raw header fields once, then for each DKIM-Signature (top down, up
 * to max_signatures): parses it, hashes the canonical body (one hash per
 * canonicalisation shared by every signature without l=), compares bh=,
 * and hashes the signed header fields, picked bottom up as RFC 6376
 * 5.4.2 says, followed by the signature field itself with b= emptied.
 * What is left is one SHA-256 digest per signature and the name of its
 * key.  vg_dkim_key() then only parses the key and checks the signature
 * over that digest: RSA PKCS#1 v1.5 with SHA-256 (EVP_PKEY_verify with
 * the digest), or Ed25519 over the digest's 32 bytes (RFC 8463 3).
 */
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "net/dkim_int.h"

struct vg_dkim_msg {
	size_t n, skipped;
	struct vg_dkim_entry *e;
};

/* vg_dkim_result_name - the RFC 8601 word */
const char *
vg_dkim_result_name(enum vg_dkim_result r)
{
	switch (r) {
	case VG_DKIM_PASS:
		return "pass";
	case VG_DKIM_FAIL:
		return "fail";
	case VG_DKIM_POLICY:
		return "policy";
	case VG_DKIM_TEMPERROR:
		return "temperror";
	case VG_DKIM_PERMERROR:
		return "permerror";
	}
	return "permerror";
}

/* finish - a signature's final result, with a reason */
static void VG_PRINTF(3, 4)
    finish(struct vg_dkim_entry *e, enum vg_dkim_result r, const char *fmt, ...)
{
	va_list ap;

	e->pending = false;
	e->out.result = r;
	va_start(ap, fmt);
	(void)vg_str_vfmt(e->out.reason, sizeof(e->out.reason), fmt, ap);
	va_end(ap);
}

/* md_write - the sink's write() for an EVP digest */
static int
md_write(void *ctx, const void *p, size_t n)
{
	return EVP_DigestUpdate(ctx, p, n) == 1 ? 0 : VG_EINTERNAL;
}

/*
 * hash_body - SHA-256 of the canonical body, of at most limit bytes when
 * has_limit; production stops past stop_after
 */
static int
hash_body(struct vg_dkim_body_hash *bh, const unsigned char *body, size_t len,
    enum vg_dkim_canon c, bool has_limit, uint64_t limit, uint64_t stop_after)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct vg_dkim_sink s = {.write = md_write,
	    .ctx = md,
	    .has_limit = has_limit,
	    .limit = limit,
	    .stop_after = stop_after};
	unsigned int dlen = 0;
	int rc;

	bh->done = true;
	if (md == NULL)
		return bh->rc = VG_ENOMEM;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		rc = VG_EINTERNAL;
		goto out;
	}
	if ((rc = vg_dkim_sink_body(&s, body, len, c)) != 0)
		goto out;
	bh->total = s.total;
	bh->too_big = s.done;
	if (EVP_DigestFinal_ex(md, bh->digest, &dlen) != 1 || dlen != 32)
		rc = VG_EINTERNAL;
out:
	EVP_MD_CTX_free(md);
	bh->rc = rc;
	return rc;
}

/* vg_dkim_field_is - a field's name equals n[0..len) without case */
bool
vg_dkim_field_is(const unsigned char *raw, const struct vg_dkim_field *f,
    const char *n, size_t len)
{
	return f->nlen == len &&
	    strncasecmp((const char *)raw + f->off, n, len) == 0;
}

/*
 * vg_dkim_index_fields - the header fields of raw[0..hlen) (hlen: where
 * the empty line or the end is); *over when there are more than max
 */
int
vg_dkim_index_fields(struct vg_dkim_field **out, size_t *n_out, bool *over,
    const unsigned char *raw, size_t hlen, size_t max)
{
	struct vg_dkim_field *f = NULL;
	size_t n = 0, cap = 0, p = 0;

	*over = false;
	while (p < hlen) {
		size_t start = p, end;
		const unsigned char *colon;

		/* A field runs until a line that does not start with WSP. */
		for (;;) {
			const unsigned char *lf =
			    memchr(raw + p, '\n', hlen - p);

			p = lf != NULL ? (size_t)(lf - raw) + 1 : hlen;
			if (p >= hlen || (raw[p] != ' ' && raw[p] != '\t'))
				break;
		}
		end = p;
		if (end > start && raw[end - 1] == '\n')
			end--;
		if (end > start && raw[end - 1] == '\r')
			end--;
		if (end == start)
			break; /* the empty line */
		if (n >= max) {
			*over = true;
			break;
		}
		if (n == cap) {
			size_t ncap = cap == 0 ? 32 : cap * 2;
			struct vg_dkim_field *nf;

			if (ncap > max)
				ncap = max;
			nf = vg_reallocarray(f, ncap, sizeof(*f));
			if (nf == NULL) {
				vg_free(f);
				return VG_ENOMEM;
			}
			f = nf;
			cap = ncap;
		}
		f[n].off = start;
		f[n].len = end - start;
		colon = memchr(raw + start, ':', end - start);
		f[n].nlen =
		    colon != NULL ? (size_t)(colon - raw) - start : end - start;
		while (f[n].nlen > 0 &&
		    (raw[start + f[n].nlen - 1] == ' ' ||
		        raw[start + f[n].nlen - 1] == '\t'))
			f[n].nlen--;
		if (colon == NULL)
			f[n].nlen = 0; /* not a field; matches no name */
		n++;
	}
	*out = f;
	*n_out = n;
	return 0;
}

/*
 * hash_headers - the digest of the signed fields and the signature field
 * (self, b= emptied).  The signed fields are those of h=, where used
 * marks fields taken, so each h= name takes the next one up; or, for an
 * ARC-Seal, the npick fields pick[] names, in that order.
 */
static int
hash_headers(struct vg_dkim_entry *e, const unsigned char *raw,
    const struct vg_dkim_field *f, size_t nf, size_t self, const size_t *pick,
    size_t npick)
{
	const struct vg_dkim_sig *sig = &e->sig;
	EVP_MD_CTX *md = NULL;
	struct vg_dkim_sink s = {.stop_after = UINT64_MAX};
	struct vg_buf own;
	const unsigned char *sf = raw + f[self].off;
	bool *used = NULL;
	unsigned int dlen = 0;
	size_t pos, vstart;
	int rc = VG_ENOMEM;

	vg_buf_init(&own, 2 * VG_DKIM_SIG_MAX + 1024);
	if ((used = vg_calloc(nf, sizeof(*used))) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL)
		goto out;
	rc = VG_EINTERNAL;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	s.write = md_write;
	s.ctx = md;
	/* The signature's own field was not there when it was signed. */
	used[self] = true;
	for (size_t k = 0; k < npick; k++) {
		rc = vg_dkim_sink_header(
		    &s, raw + f[pick[k]].off, f[pick[k]].len, sig->hcanon);
		if (rc != 0)
			goto out;
	}
	for (size_t k = 0; pick == NULL && k < sig->nh; k++) {
		for (size_t j = nf; j-- > 0;) {
			if (used[j] ||
			    !vg_dkim_field_is(
			        raw, &f[j], sig->h[k].name, sig->h[k].len))
				continue;
			used[j] = true;
			rc = vg_dkim_sink_header(
			    &s, raw + f[j].off, f[j].len, sig->hcanon);
			if (rc != 0)
				goto out;
			break;
		}
	}
	/*
	 * The signature field with the b= value (and the FWS around it)
	 * removed, canonicalised, without its final CRLF.
	 */
	vstart = f[self].nlen;
	while (vstart < f[self].len && sf[vstart] != ':')
		vstart++;
	vstart++;
	pos = 0;
	for (;;) {
		const char *v = (const char *)sf + vstart;
		size_t vlen = f[self].len - vstart;
		struct vg_dkim_tag t;
		int r = vg_dkim_tag_next(v, vlen, &pos, &t);

		if (r <= 0) {
			/* The parse succeeded, so b= is there. */
			rc = VG_EINTERNAL;
			goto out;
		}
		if (t.nlen == 1 && t.name[0] == 'b') {
			if ((rc = vg_buf_append(&own, sf, vstart + t.vstart)) !=
			        0 ||
			    (rc = vg_buf_append(
			         &own, v + t.vend, vlen - t.vend)) != 0)
				goto out;
			break;
		}
	}
	{
		struct vg_buf canon;

		vg_buf_init(&canon, 2 * VG_DKIM_SIG_MAX + 1024);
		rc = vg_dkim_canon_header(&canon,
		    (const unsigned char *)own.data, own.len, sig->hcanon);
		if (rc == 0 && canon.len >= 2)
			rc = md_write(md, canon.data, canon.len - 2);
		vg_buf_fini(&canon);
		if (rc != 0)
			goto out;
	}
	rc = VG_EINTERNAL;
	if (EVP_DigestFinal_ex(md, e->hdigest, &dlen) != 1 || dlen != 32)
		goto out;
	rc = 0;
out:
	vg_buf_fini(&own);
	EVP_MD_CTX_free(md);
	vg_free(used);
	return rc;
}

/*
 * check_body - compare the body hash with bh=; a final result, or
 * pending.  cache holds one hash per canonicalisation for signatures
 * without l=.
 */
static int
check_body(struct vg_dkim_entry *e, struct vg_dkim_body_hash cache[2],
    const unsigned char *body, size_t blen, const struct vg_dkim_limits *lim)
{
	const struct vg_dkim_sig *sig = &e->sig;
	struct vg_dkim_body_hash one = {0}, *bh;
	int rc;

	if (!sig->has_l) {
		bh = &cache[sig->bcanon];
		if (!bh->done)
			(void)hash_body(bh, body, blen, sig->bcanon, false, 0,
			    lim->max_body_size);
	} else {
		if (sig->l > lim->max_body_size) {
			finish(e, VG_DKIM_POLICY,
			    "l= over dkim_max_body_size (%llu bytes)",
			    (unsigned long long)lim->max_body_size);
			return 0;
		}
		bh = &one;
		/* Stop once we know there is text after l=. */
		(void)hash_body(
		    bh, body, blen, sig->bcanon, true, sig->l, sig->l);
	}
	if ((rc = bh->rc) != 0)
		return rc;
	if (!sig->has_l && bh->too_big) {
		finish(e, VG_DKIM_POLICY,
		    "body over dkim_max_body_size (%llu bytes) not hashed",
		    (unsigned long long)lim->max_body_size);
		return 0;
	}
	if (sig->has_l && !bh->too_big && bh->total < sig->l) {
		finish(e, VG_DKIM_PERMERROR, "l= is longer than the body");
		return 0;
	}
	if (memcmp(bh->digest, sig->bh, sizeof(sig->bh)) != 0) {
		finish(e, VG_DKIM_FAIL, "body hash mismatch");
		return 0;
	}
	if (sig->has_l && bh->too_big) {
		/* dkim.h, l=: text nobody signed follows. */
		finish(e, VG_DKIM_POLICY, "unsigned content after l=");
		return 0;
	}
	return 0;
}

/*
 * vg_dkim_entry_prepare - parse and hash the signature of kind in field
 * self (see dkim_int.h)
 */
int
vg_dkim_entry_prepare(struct vg_dkim_entry *e, enum vg_dkim_kind kind,
    const unsigned char *raw, const struct vg_dkim_field *f, size_t nf,
    size_t self, const size_t *pick, size_t npick, bool over,
    struct vg_dkim_body_hash cache[2], const unsigned char *body, size_t blen,
    const struct vg_dkim_limits *lim, uint64_t now)
{
	const struct vg_dkim_field *sf = &f[self];
	const char *v = (const char *)raw + sf->off;
	size_t vstart = sf->nlen, vlen;
	char why[VG_DKIM_REASON_MAX];
	int rc;

	while (vstart < sf->len && v[vstart] != ':')
		vstart++;
	vstart++;
	vlen = sf->len - vstart;
	e->pending = true;
	rc = vg_dkim_sig_parse_kind(
	    &e->sig, kind, v + vstart, vlen, why, sizeof(why));
	(void)vg_str_fmt(e->out.d, sizeof(e->out.d), "%s", e->sig.d);
	(void)vg_str_fmt(e->out.s, sizeof(e->out.s), "%s", e->sig.s);
	if (rc != 0) {
		finish(e, VG_DKIM_PERMERROR, "%s", why);
		return 0;
	}
	if (over) {
		finish(e, VG_DKIM_PERMERROR, "more than %zu header fields",
		    lim->max_fields);
		return 0;
	}
	if (e->sig.has_x && e->sig.x < now) {
		finish(e, VG_DKIM_PERMERROR, "signature expired");
		return 0;
	}
	if (!vg_str_fmt(e->keyname, sizeof(e->keyname), "%s._domainkey.%s",
	        e->sig.s, e->sig.d)) {
		finish(e, VG_DKIM_PERMERROR, "key name too long");
		return 0;
	}
	/* An ARC-Seal signs no body (RFC 8617 4.1.3). */
	if (kind != VG_DKIM_KIND_AS &&
	    ((rc = check_body(e, cache, body, blen, lim)) != 0 || !e->pending))
		return rc;
	return hash_headers(e, raw, f, nf, self, pick, npick);
}

/* vg_dkim_prepare - parse and hash every signature */
int
vg_dkim_prepare(struct vg_dkim_msg **out, const unsigned char *raw, size_t len,
    size_t body_off, const struct vg_dkim_limits *lim, uint64_t now)
{
	struct vg_dkim_msg *m;
	struct vg_dkim_field *f = NULL;
	struct vg_dkim_body_hash cache[2] = {{0}};
	size_t nf = 0, nsig = 0;
	bool over = false;
	int rc;

	*out = NULL;
	if (body_off > len)
		body_off = len;
	if ((m = vg_calloc(1, sizeof(*m))) == NULL)
		return VG_ENOMEM;
	rc = vg_dkim_index_fields(
	    &f, &nf, &over, raw, body_off, lim->max_fields);
	if (rc != 0)
		goto out;
	for (size_t j = 0; j < nf; j++)
		if (vg_dkim_field_is(raw, &f[j], "DKIM-Signature", 14))
			nsig++;
	if (nsig > lim->max_signatures) {
		m->skipped = nsig - lim->max_signatures;
		nsig = lim->max_signatures;
	}
	if (nsig > 0 && (m->e = vg_calloc(nsig, sizeof(*m->e))) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	for (size_t j = 0; j < nf && m->n < nsig; j++) {
		if (!vg_dkim_field_is(raw, &f[j], "DKIM-Signature", 14))
			continue;
		rc = vg_dkim_entry_prepare(&m->e[m->n++], VG_DKIM_KIND_DKIM,
		    raw, f, nf, j, NULL, 0, over, cache, raw + body_off,
		    len - body_off, lim, now);
		if (rc != 0)
			goto out;
	}
	*out = m;
	m = NULL;
out:
	ERR_clear_error();
	vg_free(f);
	vg_dkim_msg_free(m);
	return rc;
}

/* vg_dkim_msg_free - free */
void
vg_dkim_msg_free(struct vg_dkim_msg *m)
{
	if (m == NULL)
		return;
	vg_free(m->e);
	vg_free(m);
}

/* vg_dkim_count - signatures examined */
size_t
vg_dkim_count(const struct vg_dkim_msg *m)
{
	return m->n;
}

/* vg_dkim_skipped - signatures not examined */
size_t
vg_dkim_skipped(const struct vg_dkim_msg *m)
{
	return m->skipped;
}

/* vg_dkim_key_name - the key's DNS name, or NULL when final */
const char *
vg_dkim_key_name(const struct vg_dkim_msg *m, size_t i)
{
	return i < m->n && m->e[i].pending ? m->e[i].keyname : NULL;
}

/* vg_dkim_outcome - signature i's outcome */
const struct vg_dkim_outcome *
vg_dkim_outcome(const struct vg_dkim_msg *m, size_t i)
{
	return &m->e[i].out;
}

/* vg_dkim_key_missing - no key: temperror or permerror */
void
vg_dkim_key_missing(
    struct vg_dkim_msg *m, size_t i, bool temporary, const char *why)
{
	if (i < m->n)
		vg_dkim_entry_missing(&m->e[i], temporary, why);
}

/* vg_dkim_entry_missing - no key for e: temperror or permerror */
void
vg_dkim_entry_missing(struct vg_dkim_entry *e, bool temporary, const char *why)
{
	if (!e->pending)
		return;
	finish(e, temporary ? VG_DKIM_TEMPERROR : VG_DKIM_PERMERROR,
	    "key %s: %s", temporary ? "lookup failed" : "not found", why);
}

/*
 * der_item - the DER item with tag at *p (within end): its contents in
 * [*body, *body + *blen), *p moved past it; false when it is not there
 * or runs past end.  Lengths up to 0xffff, ample for a DKIM key.
 */
static bool
der_item(const unsigned char **p, const unsigned char *end, unsigned tag,
    const unsigned char **body, size_t *blen)
{
	const unsigned char *q = *p;
	size_t len;

	if (end - q < 2 || q[0] != tag)
		return false;
	len = q[1];
	q += 2;
	if (len == 0x81 || len == 0x82) {
		size_t nb = len - 0x80;

		if ((size_t)(end - q) < nb)
			return false;
		len = nb == 1 ? q[0] : (size_t)q[0] << 8 | q[1];
		q += nb;
	} else if (len > 0x7f) {
		return false;
	}
	if ((size_t)(end - q) < len)
		return false;
	*body = q;
	*blen = len;
	*p = q + len;
	return true;
}

/*
 * spki_rsa - the RSAPublicKey (PKCS#1) inside an rsaEncryption
 * SubjectPublicKeyInfo, or NULL.  OpenSSL 3.0's d2i_PUBKEY() goes through
 * its decoder framework and costs about 130 us a key here, more than the
 * rest of a verification; d2i_PublicKey() of the inner key costs 1 us.
 */
static const unsigned char *
spki_rsa(const unsigned char *der, size_t len, size_t *len_out)
{
	static const unsigned char rsa_oid[] = {
	    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
	const unsigned char *p = der, *end = der + len, *seq, *alg, *oid;
	const unsigned char *bits, *q;
	size_t seqlen, alglen, oidlen, bitslen;

	if (!der_item(&p, end, 0x30, &seq, &seqlen))
		return NULL;
	q = seq;
	end = seq + seqlen;
	if (!der_item(&q, end, 0x30, &alg, &alglen) ||
	    !der_item(&q, end, 0x03, &bits, &bitslen))
		return NULL;
	p = alg;
	if (!der_item(&p, alg + alglen, 0x06, &oid, &oidlen) ||
	    oidlen != sizeof(rsa_oid) || memcmp(oid, rsa_oid, oidlen) != 0)
		return NULL;
	/* The BIT STRING has no unused bits. */
	if (bitslen < 2 || bits[0] != 0)
		return NULL;
	*len_out = bitslen - 1;
	return bits + 1;
}

/* load_key - the public key of a parsed record, or NULL (why set) */
static EVP_PKEY *
load_key(const struct vg_dkim_key *k, const char **why)
{
	const unsigned char *p = k->p;
	EVP_PKEY *pk;

	if (k->ed25519) {
		if (k->plen != 32) {
			*why = "Ed25519 key is not 32 bytes";
			return NULL;
		}
		pk = EVP_PKEY_new_raw_public_key(
		    EVP_PKEY_ED25519, NULL, k->p, k->plen);
		if (pk == NULL)
			*why = "Ed25519 key does not load";
		return pk;
	}
	/*
	 * SubjectPublicKeyInfo as the RFC's examples (its inner PKCS#1 key
	 * taken out by hand: see spki_rsa), bare PKCS#1 as some publish,
	 * and OpenSSL's own SPKI decoder for anything else.
	 */
	{
		size_t inlen = 0;
		const unsigned char *in = spki_rsa(k->p, k->plen, &inlen);

		if (in != NULL)
			pk =
			    d2i_PublicKey(EVP_PKEY_RSA, NULL, &in, (long)inlen);
		else
			pk = d2i_PublicKey(
			    EVP_PKEY_RSA, NULL, &p, (long)k->plen);
		if (pk == NULL) {
			p = k->p;
			pk = d2i_PUBKEY(NULL, &p, (long)k->plen);
		}
	}
	if (pk != NULL && EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	if (pk == NULL)
		*why = "RSA key does not load";
	return pk;
}

/* verify_sig - 1 valid, 0 not, VG_E* when OpenSSL could not try */
static int
verify_sig(EVP_PKEY *pk, const struct vg_dkim_entry *e)
{
	const struct vg_dkim_sig *sig = &e->sig;
	int ok, rc = VG_ENOMEM;

	if (sig->alg == VG_DKIM_ED25519_SHA256) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		if (md == NULL)
			return VG_ENOMEM;
		rc = VG_EINTERNAL;
		if (EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk) == 1) {
			ok = EVP_DigestVerify(md, sig->b, sig->blen, e->hdigest,
			    sizeof(e->hdigest));
			rc = ok == 1 ? 1 : 0;
		}
		EVP_MD_CTX_free(md);
		return rc;
	}
	{
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);

		if (ctx == NULL)
			return VG_ENOMEM;
		rc = VG_EINTERNAL;
		if (EVP_PKEY_verify_init(ctx) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1) {
			ok = EVP_PKEY_verify(ctx, sig->b, sig->blen, e->hdigest,
			    sizeof(e->hdigest));
			rc = ok == 1 ? 1 : 0;
		}
		EVP_PKEY_CTX_free(ctx);
	}
	return rc;
}

/* vg_dkim_key - finish signature i with its key record */
int
vg_dkim_key(struct vg_dkim_msg *m, size_t i, const char *txt, size_t len)
{
	return i < m->n ? vg_dkim_entry_key(&m->e[i], txt, len) : 0;
}

/* vg_dkim_entry_key - finish e with its key record */
int
vg_dkim_entry_key(struct vg_dkim_entry *e, const char *txt, size_t len)
{
	struct vg_dkim_key *k = NULL;
	EVP_PKEY *pk = NULL;
	char why[VG_DKIM_REASON_MAX];
	const char *lwhy = "";
	int rc = 0, bits;

	if (!e->pending)
		return 0;
	if ((k = vg_calloc(1, sizeof(*k))) == NULL)
		return VG_ENOMEM;
	if (vg_dkim_key_parse(k, txt, len, why, sizeof(why)) != 0) {
		finish(e, VG_DKIM_PERMERROR, "%s", why);
		goto out;
	}
	if (k->plen == 0) {
		finish(e, VG_DKIM_PERMERROR, "key revoked");
		goto out;
	}
	if (k->ed25519 != (e->sig.alg == VG_DKIM_ED25519_SHA256)) {
		finish(e, VG_DKIM_PERMERROR, "key type does not match a=");
		goto out;
	}
	if (k->strict && e->sig.i[0] != '\0' &&
	    strcasecmp(strchr(e->sig.i, '@') + 1, e->sig.d) != 0) {
		finish(
		    e, VG_DKIM_PERMERROR, "key is t=s but i= is a subdomain");
		goto out;
	}
	if ((pk = load_key(k, &lwhy)) == NULL) {
		finish(e, VG_DKIM_PERMERROR, "%s", lwhy);
		goto out;
	}
	bits = EVP_PKEY_get_bits(pk);
	if (!k->ed25519 &&
	    (bits < (int)VG_DKIM_RSA_MIN_BITS ||
	        bits > (int)VG_DKIM_RSA_MAX_BITS)) {
		finish(e, VG_DKIM_POLICY, "RSA key of %d bits", bits);
		goto out;
	}
	rc = verify_sig(pk, e);
	if (rc == 1)
		finish(e, VG_DKIM_PASS, "%s", "");
	else if (rc == 0)
		finish(e, VG_DKIM_FAIL, "signature does not verify");
	rc = rc < 0 ? rc : 0;
out:
	ERR_clear_error();
	EVP_PKEY_free(pk);
	vg_free(k);
	return rc;
}
