/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dkim_tags - the DKIM tag-list (RFC 6376 3.2) and the two things written
 * in it: the DKIM-Signature value (3.5) and the key record (3.6.1).
 * Strict: a duplicate tag, a byte outside VALCHAR, a required tag missing
 * or a value out of its grammar makes the whole list invalid, as the RFC
 * says; unknown tags are ignored.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/num.h"
#include "base/str.h"
#include "net/dkim_int.h"

/* At most this many tags in one list (RFC 6376 defines 14). */
#define VG_DKIM_MAX_TAGS 32

/* is_ws - FWS as it appears in the raw field: SP, HTAB, CR, LF */
static inline bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* is_alpha - ASCII letter */
static inline bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* is_digit - ASCII digit */
static inline bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* vg_dkim_tag_next - the next tag of a tag-list */
int
vg_dkim_tag_next(const char *s, size_t len, size_t *pos, struct vg_dkim_tag *t)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t p = *pos, e;

	while (p < len && is_ws(u[p]))
		p++;
	if (p >= len)
		return 0;
	if (!is_alpha(u[p]))
		return -1;
	t->name = s + p;
	while (p < len && (is_alpha(u[p]) || is_digit(u[p]) || u[p] == '_'))
		p++;
	t->nlen = (size_t)(s + p - t->name);
	while (p < len && is_ws(u[p]))
		p++;
	if (p >= len || u[p] != '=')
		return -1;
	p++;
	t->vstart = p;
	for (e = p; e < len && u[e] != ';'; e++)
		if (!is_ws(u[e]) && (u[e] < 0x21 || u[e] > 0x7e))
			return -1;
	t->vend = e;
	while (p < e && is_ws(u[p]))
		p++;
	t->val = s + p;
	while (e > p && is_ws(u[e - 1]))
		e--;
	t->vlen = e - p;
	*pos = t->vend < len ? t->vend + 1 : len;
	return 1;
}

/* tag_is - the tag's name is name */
static bool
tag_is(const struct vg_dkim_tag *t, const char *name)
{
	return t->nlen == strlen(name) && memcmp(t->name, name, t->nlen) == 0;
}

/* val_is - the value is word, compared without case */
static bool
val_is(const char *v, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(v, word, n) == 0;
}

/* b64_val - the value of one base64 character, or -1 */
static int
b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (is_digit(c))
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * b64_decode - decode base64 with FWS anywhere (RFC 6376 b=, bh=, p=)
 * into out[0..cap); -1 if malformed or too long
 */
static int
b64_decode(
    unsigned char *out, size_t cap, size_t *len_out, const char *s, size_t len)
{
	uint32_t acc = 0;
	size_t n = 0, nbits = 0, pad = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int v;

		if (is_ws(c))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = b64_val(c)) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (unsigned char)(acc >> nbits);
			acc &= (1u << nbits) - 1;
		}
	}
	/* Leftover bits must be zero padding of at most 4 bits. */
	if (pad > 2 || nbits >= 6 || acc != 0)
		return -1;
	*len_out = n;
	return 0;
}

/* parse_time - a t= or x= value: 1 to 12 digits */
static bool
parse_time(uint64_t *out, const char *v, size_t n)
{
	char buf[16];
	const char *why;

	if (n == 0 || n > 12)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_digit((unsigned char)v[i]))
			return false;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return vg_num_uint(out, buf, 0, UINT64_MAX, &why) == 0;
}

/*
 * parse_count - an l= value: 1 to 76 digits (RFC 6376 3.5), saturating
 * at UINT64_MAX, which is longer than any body anyway
 */
static bool
parse_count(uint64_t *out, const char *v, size_t n)
{
	uint64_t x = 0;

	if (n == 0 || n > 76)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)v[i]))
			return false;
		if (__builtin_mul_overflow(x, 10u, &x) ||
		    __builtin_add_overflow(x, (unsigned)(v[i] - '0'), &x))
			x = UINT64_MAX;
	}
	*out = x;
	return true;
}

/* parse_domain - copy a domain name (letters, digits, '-', '_', '.') */
static bool
parse_domain(char *out, size_t size, const char *v, size_t n)
{
	if (n == 0 || n >= size || v[0] == '.' || v[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_' &&
		    c != '.')
			return false;
		if (c == '.' && v[i + 1] == '.')
			return false;
	}
	memcpy(out, v, n);
	out[n] = '\0';
	return true;
}

/* domain_within - sub is dom or a subdomain of it, without case */
static bool
domain_within(const char *sub, const char *dom)
{
	size_t ls = strlen(sub), ld = strlen(dom);

	if (ls < ld || strcasecmp(sub + ls - ld, dom) != 0)
		return false;
	return ls == ld || sub[ls - ld - 1] == '.';
}

/*
 * parse_h - the colon-separated header names of h=, FWS around each;
 * false when one is empty or there are too many
 */
static bool
parse_h(struct vg_dkim_sig *sig, const char *v, size_t n)
{
	size_t p = 0;

	sig->nh = 0;
	for (;;) {
		size_t s, e;

		while (p < n && is_ws((unsigned char)v[p]))
			p++;
		s = p;
		while (p < n && v[p] != ':' && !is_ws((unsigned char)v[p]))
			p++;
		e = p;
		while (p < n && is_ws((unsigned char)v[p]))
			p++;
		if (e == s || (p < n && v[p] != ':') ||
		    sig->nh >= VG_DKIM_MAX_H)
			return false;
		sig->h[sig->nh].name = v + s;
		sig->h[sig->nh].len = e - s;
		sig->nh++;
		if (p >= n)
			return true;
		p++; /* the ':' */
	}
}

/* list_has - a colon-separated list (FWS allowed) contains word */
static bool
list_has(const char *v, size_t n, const char *word)
{
	size_t p = 0;

	while (p <= n) {
		size_t s, e;

		while (p < n && is_ws((unsigned char)v[p]))
			p++;
		s = p;
		while (p < n && v[p] != ':')
			p++;
		e = p;
		while (e > s && is_ws((unsigned char)v[e - 1]))
			e--;
		if (val_is(v + s, e - s, word))
			return true;
		p++;
	}
	return false;
}

/*
 * seen_before - remember tag t; true if the list had it already (a
 * duplicate makes the list invalid, RFC 6376 3.2)
 */
static bool
seen_before(struct vg_dkim_tag *seen, size_t *nseen,
    const struct vg_dkim_tag *t, bool *too_many)
{
	for (size_t i = 0; i < *nseen; i++)
		if (seen[i].nlen == t->nlen &&
		    memcmp(seen[i].name, t->name, t->nlen) == 0)
			return true;
	if (*nseen >= VG_DKIM_MAX_TAGS) {
		*too_many = true;
		return false;
	}
	seen[(*nseen)++] = *t;
	return false;
}

#define FAIL(...)                                                              \
	do {                                                                   \
		(void)vg_str_fmt(why, why_size, __VA_ARGS__);                  \
		return VG_EINVAL;                                              \
	} while (0)

/* vg_dkim_sig_parse - parse a DKIM-Signature value */
int
vg_dkim_sig_parse(struct vg_dkim_sig *out, const char *value, size_t len,
    char *why, size_t why_size)
{
	return vg_dkim_sig_parse_kind(
	    out, VG_DKIM_KIND_DKIM, value, len, why, why_size);
}

/* parse_instance - an ARC i= value: 1 to VG_DKIM_ARC_MAX_INSTANCE */
static bool
parse_instance(unsigned *out, const char *v, size_t n)
{
	uint64_t x;

	if (n == 0 || n > 2 || !parse_count(&x, v, n) || x < 1 ||
	    x > VG_DKIM_ARC_MAX_INSTANCE)
		return false;
	*out = (unsigned)x;
	return true;
}

/*
 * vg_dkim_sig_parse_kind - parse a DKIM-Signature, ARC-Message-Signature
 * or ARC-Seal value
 */
int
vg_dkim_sig_parse_kind(struct vg_dkim_sig *out, enum vg_dkim_kind kind,
    const char *value, size_t len, char *why, size_t why_size)
{
	bool arc = kind != VG_DKIM_KIND_DKIM, seal = kind == VG_DKIM_KIND_AS;
	bool have_cv = false;
	struct vg_dkim_tag seen[VG_DKIM_MAX_TAGS], t;
	size_t pos = 0, nseen = 0;
	bool too_many = false, have_v = false, have_a = false, have_b = false;
	bool have_bh = false, have_h = false, have_i = false, from = false;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > VG_DKIM_SIG_MAX)
		FAIL("signature longer than %u bytes", VG_DKIM_SIG_MAX);
	while ((r = vg_dkim_tag_next(value, len, &pos, &t)) == 1) {
		if (seen_before(seen, &nseen, &t, &too_many))
			FAIL("tag %.*s given twice", (int)t.nlen, t.name);
		if (too_many)
			FAIL("more than %d tags", VG_DKIM_MAX_TAGS);
		if (arc && tag_is(&t, "v")) {
			/* No v= in ARC (RFC 8617 4.1.2): ignored. */
		} else if (arc && tag_is(&t, "i")) {
			if (!parse_instance(&out->instance, t.val, t.vlen))
				FAIL("i= is not an instance from 1 to %u",
				    VG_DKIM_ARC_MAX_INSTANCE);
			have_i = true;
		} else if (seal && tag_is(&t, "cv")) {
			if (val_is(t.val, t.vlen, "none"))
				out->cv = VG_DKIM_CV_NONE;
			else if (val_is(t.val, t.vlen, "pass"))
				out->cv = VG_DKIM_CV_PASS;
			else if (val_is(t.val, t.vlen, "fail"))
				out->cv = VG_DKIM_CV_FAIL;
			else
				FAIL("cv= is not none, pass or fail");
			have_cv = true;
		} else if (seal && tag_is(&t, "h")) {
			FAIL("h= is not allowed in an ARC-Seal");
		} else if (seal && (tag_is(&t, "c") || tag_is(&t, "bh"))) {
			/* Not ARC-Seal tags: ignored. */
		} else if (tag_is(&t, "v")) {
			if (!val_is(t.val, t.vlen, "1"))
				FAIL("version is not 1");
			have_v = true;
		} else if (tag_is(&t, "a")) {
			if (val_is(t.val, t.vlen, "rsa-sha256"))
				out->alg = VG_DKIM_RSA_SHA256;
			else if (val_is(t.val, t.vlen, "ed25519-sha256"))
				out->alg = VG_DKIM_ED25519_SHA256;
			else if (val_is(t.val, t.vlen, "rsa-sha1"))
				FAIL("rsa-sha1 is not accepted (RFC 8301)");
			else
				FAIL("unknown algorithm");
			have_a = true;
		} else if (tag_is(&t, "b")) {
			if (b64_decode(out->b, sizeof(out->b), &out->blen,
			        t.val, t.vlen) != 0 ||
			    out->blen == 0)
				FAIL("b= is not base64 of at most %u bytes",
				    VG_DKIM_B_MAX);
			have_b = true;
		} else if (tag_is(&t, "bh")) {
			unsigned char bh[64];
			size_t n;

			if (b64_decode(bh, sizeof(bh), &n, t.val, t.vlen) !=
			        0 ||
			    n != sizeof(out->bh))
				FAIL("bh= is not a base64 SHA-256 hash");
			memcpy(out->bh, bh, sizeof(out->bh));
			have_bh = true;
		} else if (tag_is(&t, "c")) {
			const char *slash = memchr(t.val, '/', t.vlen);
			size_t hl = slash ? (size_t)(slash - t.val) : t.vlen;

			if (val_is(t.val, hl, "relaxed"))
				out->hcanon = VG_DKIM_RELAXED;
			else if (!val_is(t.val, hl, "simple"))
				FAIL("unknown header canonicalization");
			if (slash != NULL) {
				size_t bl = t.vlen - hl - 1;

				if (val_is(slash + 1, bl, "relaxed"))
					out->bcanon = VG_DKIM_RELAXED;
				else if (!val_is(slash + 1, bl, "simple"))
					FAIL("unknown body canonicalization");
			}
		} else if (tag_is(&t, "d")) {
			if (!parse_domain(
			        out->d, sizeof(out->d), t.val, t.vlen))
				FAIL("d= is not a domain name");
		} else if (tag_is(&t, "h")) {
			if (!parse_h(out, t.val, t.vlen))
				FAIL("h= is empty, malformed or lists more "
				     "than %u fields",
				    VG_DKIM_MAX_H);
			have_h = true;
		} else if (tag_is(&t, "i")) {
			const char *at = memchr(t.val, '@', t.vlen);

			if (at == NULL || t.vlen >= sizeof(out->i))
				FAIL("i= is not an address");
			memcpy(out->i, t.val, t.vlen);
			out->i[t.vlen] = '\0';
			have_i = true;
		} else if (tag_is(&t, "l")) {
			if (!parse_count(&out->l, t.val, t.vlen))
				FAIL("l= is not a number");
			out->has_l = true;
		} else if (tag_is(&t, "q")) {
			if (!list_has(t.val, t.vlen, "dns/txt"))
				FAIL("q= does not offer dns/txt");
		} else if (tag_is(&t, "s")) {
			if (!parse_domain(
			        out->s, sizeof(out->s), t.val, t.vlen))
				FAIL("s= is not a selector");
		} else if (tag_is(&t, "t")) {
			if (!parse_time(&out->t, t.val, t.vlen))
				FAIL("t= is not a time");
			out->has_t = true;
		} else if (tag_is(&t, "x")) {
			if (!parse_time(&out->x, t.val, t.vlen))
				FAIL("x= is not a time");
			out->has_x = true;
		}
	}
	if (r < 0)
		FAIL("malformed tag list");
	if (seal) {
		/* RFC 8617 5.1.1: relaxed header canonicalisation only. */
		out->hcanon = VG_DKIM_RELAXED;
		if (!have_i || !have_cv || !have_a || !have_b ||
		    out->d[0] == '\0' || out->s[0] == '\0')
			FAIL("a required tag (i, cv, a, b, d, s) is missing");
		goto times;
	}
	if (arc && !have_i)
		FAIL("a required tag (i) is missing");
	if ((!arc && !have_v) || !have_a || !have_b || !have_bh || !have_h ||
	    out->d[0] == '\0' || out->s[0] == '\0')
		FAIL("a required tag (%sa, b, bh, d, h, s) is missing",
		    arc ? "" : "v, ");
	for (size_t k = 0; k < out->nh; k++)
		if (val_is(out->h[k].name, out->h[k].len, "from"))
			from = true;
	if (!from)
		FAIL("h= does not sign From");
	if (arc) {
		/* out->i stays "": ARC's i= is the instance. */
		for (size_t k = 0; k < out->nh; k++)
			if (val_is(out->h[k].name, out->h[k].len, "arc-seal"))
				FAIL("an ARC-Message-Signature may not sign "
				     "ARC-Seal");
	} else if (have_i) {
		if (!domain_within(strchr(out->i, '@') + 1, out->d))
			FAIL("i= is not within d=");
	} else {
		(void)vg_str_fmt(out->i, sizeof(out->i), "@%s", out->d);
	}
times:
	if (out->has_t && out->has_x && out->x < out->t)
		FAIL("x= is before t=");
	return 0;
}

/* vg_dkim_key_parse - parse a key record */
int
vg_dkim_key_parse(struct vg_dkim_key *out, const char *txt, size_t len,
    char *why, size_t why_size)
{
	struct vg_dkim_tag seen[VG_DKIM_MAX_TAGS], t;
	size_t pos = 0, nseen = 0;
	bool too_many = false, have_p = false, first = true;
	int r;

	memset(out, 0, sizeof(*out));
	while ((r = vg_dkim_tag_next(txt, len, &pos, &t)) == 1) {
		if (seen_before(seen, &nseen, &t, &too_many))
			FAIL("key tag %.*s given twice", (int)t.nlen, t.name);
		if (too_many)
			FAIL("key record has more than %d tags",
			    VG_DKIM_MAX_TAGS);
		if (tag_is(&t, "v")) {
			if (!first || !val_is(t.val, t.vlen, "DKIM1"))
				FAIL("key record is not v=DKIM1");
		} else if (tag_is(&t, "h")) {
			if (!list_has(t.val, t.vlen, "sha256"))
				FAIL("key does not allow sha256");
		} else if (tag_is(&t, "k")) {
			if (val_is(t.val, t.vlen, "ed25519"))
				out->ed25519 = true;
			else if (!val_is(t.val, t.vlen, "rsa"))
				FAIL("unknown key type");
		} else if (tag_is(&t, "p")) {
			if (b64_decode(out->p, sizeof(out->p), &out->plen,
			        t.val, t.vlen) != 0)
				FAIL("p= is not base64 of at most %u bytes",
				    VG_DKIM_KEY_MAX);
			have_p = true;
		} else if (tag_is(&t, "s")) {
			if (!list_has(t.val, t.vlen, "*") &&
			    !list_has(t.val, t.vlen, "email"))
				FAIL("key is not for email");
		} else if (tag_is(&t, "t")) {
			out->testing = list_has(t.val, t.vlen, "y");
			out->strict = list_has(t.val, t.vlen, "s");
		}
		first = false;
	}
	if (r < 0)
		FAIL("malformed key record");
	if (!have_p)
		FAIL("key record has no p=");
	return 0;
}
