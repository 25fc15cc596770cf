/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_pdfinfo - SpamAssassin's PDFInfo plugin in C: the line scan of a PDF
 * (sa_pdfinfo.h) and the eval functions pdf_count, pdf_image_count,
 * pdf_pixel_coverage, pdf_image_size_exact, pdf_image_size_range,
 * pdf_named, pdf_name_regex, pdf_image_to_text_ratio, pdf_match_md5,
 * pdf_match_fuzzy_md5, pdf_match_details, pdf_is_encrypted and
 * pdf_is_empty_body (the specification is
 * Mail::SpamAssassin::Plugin::PDFInfo).
 *
 * PURPOSE  The facts are read once per message, on the first pdf_* test,
 *	    from the transfer-decoded leaf parts of the text layer
 *	    (vg_text's parts, so its limits on parts and decoded bytes
 *	    apply first), and kept in the eval context's cache slot
 *	    VG_SACTX_PDF.  A message without a PDF part allocates nothing.
 * DIFFERS  See sa_pdfinfo.h.  The part's name is the text layer's
 *	    (Content-Disposition filename, else Content-Type name, RFC 2231
 *	    and 2047 decoded; SpamAssassin takes it as written).
 * LIMITS   See sa_pdfinfo.h.
 * THREADS  Reentrant: reads the message only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "base/alloc.h"
#include "message/text.h"
#include "rules/rules_evalfn.h"
#include "rules/rules_parse_int.h"
#include "rules/sa_pdfinfo.h"

/* Perl's \s on bytes */
static bool
vg_pdf_space(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	    ch == '\f' || ch == '\v';
}

static bool
vg_pdf_digit(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

/* vg_pdf_hexval - a hex digit's value, -1 for others */
static int
vg_pdf_hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* vg_pdf_find - the first needle in s[0..n) at or after from, or NULL */
static const char *
vg_pdf_find(const char *s, size_t n, size_t from, const char *needle)
{
	size_t k = strlen(needle);
	const char *p = s + from, *e = s + n;

	if (from > n || k == 0)
		return NULL;
	/* memchr for the first byte (memmem is not C11) */
	while ((size_t)(e - p) >= k &&
	    (p = memchr(p, needle[0], (size_t)(e - p) - k + 1)) != NULL) {
		if (memcmp(p, needle, k) == 0)
			return p;
		p++;
	}
	return NULL;
}

static bool
vg_pdf_prefix(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && memcmp(s, p, k) == 0;
}

/*
 * vg_pdf_cm - whether line is "D D D D D D cm" (digit groups, blanks,
 * "cm" at the very end); the first and fourth groups into a and d
 */
static bool
vg_pdf_cm(const char *s, size_t n, const char **a, size_t *alen, const char **d,
    size_t *dlen)
{
	size_t i = 0, g;

	for (g = 0; g < 6; g++) {
		size_t st = i;

		while (i < n && vg_pdf_digit((unsigned char)s[i]))
			i++;
		if (i == st)
			return false;
		if (g == 0) {
			*a = s + st;
			*alen = i - st;
		} else if (g == 3) {
			*d = s + st;
			*dlen = i - st;
		}
		st = i;
		while (i < n && vg_pdf_space((unsigned char)s[i]))
			i++;
		if (i == st)
			return false;
	}
	return n - i == 2 && s[i] == 'c' && s[i + 1] == 'm';
}

/* vg_pdf_keynum - whether the line starts with key, a blank, a digit */
static bool
vg_pdf_keynum(const char *s, size_t n, const char *key)
{
	size_t k = strlen(key);

	return n > k + 1 && memcmp(s, key, k) == 0 &&
	    vg_pdf_space((unsigned char)s[k]) &&
	    vg_pdf_digit((unsigned char)s[k + 1]);
}

/* vg_pdf_truthy - Perl's truth of a digit string: not "" and not "0" */
static bool
vg_pdf_truthy(const char *s, size_t n)
{
	return n > 0 && !(n == 1 && s[0] == '0');
}

/* vg_pdf_strset - add s[0..n) (cut) to a set of strings unless there */
static void
vg_pdf_strset(struct vg_sapdf *f, struct vg_sapdf_str *set, size_t *nset,
    size_t max, const char *s, size_t n)
{
	size_t i;

	if (n > VG_SAPDF_STR)
		n = VG_SAPDF_STR;
	for (i = 0; i < *nset; i++)
		if (set[i].len == n && memcmp(set[i].s, s, n) == 0)
			return;
	if (*nset >= max) {
		f->limit = true;
		return;
	}
	memcpy(set[*nset].s, s, n);
	set[*nset].s[n] = '\0';
	set[*nset].len = n;
	(*nset)++;
}

/* vg_pdf_dim - add the size key "HxW" (digit strings as written) */
static void
vg_pdf_dim(struct vg_sapdf *f, const char *h, size_t hl, const char *w,
    size_t wl, double hv, double wv)
{
	char key[sizeof(f->dims[0].key)];
	size_t i;

	if (hl > VG_SAPDF_DIGITS)
		hl = VG_SAPDF_DIGITS;
	if (wl > VG_SAPDF_DIGITS)
		wl = VG_SAPDF_DIGITS;
	snprintf(key, sizeof(key), "%.*sx%.*s", (int)hl, h, (int)wl, w);
	for (i = 0; i < f->ndims; i++)
		if (strcmp(f->dims[i].key, key) == 0)
			return;
	if (f->ndims >= VG_SAPDF_DIMS) {
		f->limit = true;
		return;
	}
	memcpy(f->dims[f->ndims].key, key, sizeof(key));
	f->dims[f->ndims].h = hv;
	f->dims[f->ndims].w = wv;
	f->ndims++;
}

/* vg_pdf_num - a digit string's value (Perl's numeric conversion) */
static double
vg_pdf_num(const char *s, size_t n)
{
	double v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/*
 * vg_pdf_parse_string - a PDF string "(...)" or "<hex>" into out (at most
 * VG_SAPDF_STR bytes), in the plugin's order: octal escapes or hex
 * decoded; a UTF-16 byte order mark and then every NUL byte removed;
 * "\\(", "\\)" and "\\\\" unescaped (not in hex).  Its length.
 */
static size_t
vg_pdf_parse_string(char *out, const char *s, size_t n)
{
	char tmp[4 * VG_SAPDF_STR + 8];
	size_t i, o, t = 0;
	bool hex = n > 0 && s[0] == '<';

	if (hex) {
		/* every two adjacent hex digits, left to right */
		for (i = 0; i + 1 < n && t < sizeof(tmp);) {
			int hi = vg_pdf_hexval((unsigned char)s[i]),
			    lo = vg_pdf_hexval((unsigned char)s[i + 1]);

			if (hi >= 0 && lo >= 0) {
				tmp[t++] = (char)(hi << 4 | lo);
				i += 2;
			} else {
				i++;
			}
		}
	} else {
		const char *b = s;
		size_t bn = n;

		if (bn > 0 && b[0] == '(') {
			b++;
			bn--;
		}
		if (bn > 0 && b[bn - 1] == ')')
			bn--;
		/* \ooo (first digit 0-3) unless after a backslash */
		for (i = 0; i < bn && t < sizeof(tmp);) {
			if (b[i] == '\\' && (i == 0 || b[i - 1] != '\\') &&
			    i + 3 < bn && b[i + 1] >= '0' && b[i + 1] <= '3' &&
			    b[i + 2] >= '0' && b[i + 2] <= '7' &&
			    b[i + 3] >= '0' && b[i + 3] <= '7') {
				tmp[t++] = (char)((b[i + 1] - '0') * 64 +
				    (b[i + 2] - '0') * 8 + (b[i + 3] - '0'));
				i += 4;
			} else {
				tmp[t++] = b[i++];
			}
		}
	}
	if (t >= 2 &&
	    (((unsigned char)tmp[0] == 0xfe && (unsigned char)tmp[1] == 0xff) ||
	        ((unsigned char)tmp[0] == 0xff &&
	            (unsigned char)tmp[1] == 0xfe))) {
		for (i = 2, o = 0; i < t; i++)
			if (tmp[i] != '\0')
				tmp[o++] = tmp[i];
		t = o;
	}
	for (i = 0, o = 0; i < t && o < VG_SAPDF_STR; i++) {
		if (!hex && tmp[i] == '\\' && i + 1 < t &&
		    (tmp[i + 1] == '(' || tmp[i + 1] == ')' ||
		        tmp[i + 1] == '\\'))
			i++;
		out[o++] = tmp[i];
	}
	out[o] = '\0';
	return o;
}

/*
 * vg_pdf_value - "/Key" followed by up to two blanks and a string
 * "(...)" (to the first ")" not after a backslash) or "<...>", the first
 * such in the line: its extent; false when none
 */
static bool
vg_pdf_value(
    const char *s, size_t n, const char *key, const char **v, size_t *vlen)
{
	size_t from = 0, kl = strlen(key);
	const char *p;

	while ((p = vg_pdf_find(s, n, from, key)) != NULL) {
		size_t i = (size_t)(p - s) + kl, b = 0;

		from = (size_t)(p - s) + 1;
		while (b < 2 && i < n && vg_pdf_space((unsigned char)s[i])) {
			i++;
			b++;
		}
		if (i >= n)
			return false;
		if (s[i] == '(') {
			size_t j;

			for (j = i + 1; j < n; j++)
				if (s[j] == ')' && s[j - 1] != '\\')
					break;
			if (j < n) {
				*v = s + i;
				*vlen = j + 1 - i;
				return true;
			}
		} else if (s[i] == '<') {
			const char *e = memchr(s + i, '>', n - i);

			if (e != NULL) {
				*v = s + i;
				*vlen = (size_t)(e - (s + i)) + 1;
				return true;
			}
		}
	}
	return false;
}

/* vg_pdf_date - "/Key" up to two blanks, "(D:" and digits: the digits */
static bool
vg_pdf_date(
    const char *s, size_t n, const char *key, const char **v, size_t *vlen)
{
	size_t from = 0, kl = strlen(key);
	const char *p;

	while ((p = vg_pdf_find(s, n, from, key)) != NULL) {
		size_t i = (size_t)(p - s) + kl, b = 0, st;

		from = (size_t)(p - s) + 1;
		while (b < 2 && i < n && vg_pdf_space((unsigned char)s[i])) {
			i++;
			b++;
		}
		if (n - i < 3 || memcmp(s + i, "(D:", 3) != 0)
			continue;
		st = i += 3;
		while (i < n && vg_pdf_digit((unsigned char)s[i]))
			i++;
		if (i > st) {
			*v = s + st;
			*vlen = i - st;
			return true;
		}
	}
	return false;
}

/* vg_pdf_wh - "/Width N/Height M" anywhere in the line */
static bool
vg_pdf_wh(const char *s, size_t n, const char **w, size_t *wl, const char **h,
    size_t *hl)
{
	size_t from = 0;
	const char *p;

	while ((p = vg_pdf_find(s, n, from, "/Width")) != NULL) {
		size_t i = (size_t)(p - s) + 6, st;

		from = (size_t)(p - s) + 1;
		if (i >= n || !vg_pdf_space((unsigned char)s[i]))
			continue;
		st = ++i;
		while (i < n && vg_pdf_digit((unsigned char)s[i]))
			i++;
		if (i == st || n - i < 8 || memcmp(s + i, "/Height", 7) != 0 ||
		    !vg_pdf_space((unsigned char)s[i + 7]))
			continue;
		*w = s + st;
		*wl = i - st;
		st = i += 8;
		while (i < n && vg_pdf_digit((unsigned char)s[i]))
			i++;
		if (i == st)
			continue;
		*h = s + st;
		*hl = i - st;
		return true;
	}
	return false;
}

/* vg_pdf_hex - an MD5 sum as upper-case hex */
static void
vg_pdf_hex(char out[33], const unsigned char d[16])
{
	static const char hx[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < 16; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[32] = '\0';
}

/* One PDF's scan state. */
struct vg_pdf_scan {
	EVP_MD_CTX *fz, *tg;
	size_t fz_len, tg_len;
	char fz_first;
	unsigned lines;
	bool no_more_fuzzy, got_image;
	double th, tw, ta; /* summed height, width, area */
};

/* vg_pdf_line - one line of a PDF (no "\n"; never empty) */
static void
vg_pdf_line(struct vg_sapdf *f, struct vg_pdf_scan *st, const char *s, size_t n)
{
	static const char *const keys[VG_SAPDF_NDETAILS] = {
	    [VG_SAPDF_AUTHOR] = "/Author",
	    [VG_SAPDF_CREATOR] = "/Creator",
	    [VG_SAPDF_CREATED] = "/CreationDate",
	    [VG_SAPDF_MODIFIED] = "/ModDate",
	    [VG_SAPDF_PRODUCER] = "/Producer",
	    [VG_SAPDF_TITLE] = "/Title",
	};
	const char *a, *d, *v;
	size_t al, dl, vl, k;

	if (!st->no_more_fuzzy && ++st->lines < 70) {
		if (s[0] != '%' && !vg_pdf_prefix(s, n, "/Height") &&
		    !vg_pdf_prefix(s, n, "/Width") &&
		    !vg_pdf_prefix(s, n, "/MediaBox") &&
		    !vg_pdf_prefix(s, n, "/CropBox") &&
		    !vg_pdf_cm(s, n, &a, &al, &d, &dl)) {
			size_t m = n;

			while (m > 0 && vg_pdf_space((unsigned char)s[m - 1]))
				m--;
			if (m > 0) {
				if (st->fz_len == 0)
					st->fz_first = s[0];
				st->fz_len += m;
				if (st->fz != NULL)
					(void)EVP_DigestUpdate(st->fz, s, m);
			}
		}
		if (vg_pdf_find(s, n, 0, "stream") != NULL)
			st->no_more_fuzzy = true;
	}
	if (!st->got_image && vg_pdf_find(s, n, 0, "/Image") != NULL)
		st->got_image = true;
	if (vg_pdf_prefix(s, n, "/Encrypt"))
		f->encrypted = true;
	if (st->got_image) {
		const char *w = NULL, *h = NULL;
		size_t wl = 0, hl = 0;

		/* The plugin's if/elsif order: a line that starts with one
		 * key gives no size (its other half is on no other line). */
		if (vg_pdf_cm(s, n, &a, &al, &d, &dl)) {
			w = a;
			wl = al;
			h = d;
			hl = dl;
		} else if (vg_pdf_keynum(s, n, "/Width") ||
		    vg_pdf_keynum(s, n, "/Height")) {
			/* nothing */
		} else {
			(void)vg_pdf_wh(s, n, &w, &wl, &h, &hl);
		}
		if (vg_pdf_truthy(w, wl) && vg_pdf_truthy(h, hl)) {
			double wv = vg_pdf_num(w, wl), hv = vg_pdf_num(h, hl);

			st->no_more_fuzzy = true;
			st->th += hv;
			st->tw += wv;
			st->ta += wv * hv;
			vg_pdf_dim(f, h, hl, w, wl, hv, wv);
			f->images++;
			st->got_image = false;
		}
	}
	if (memchr(s, '/', n) == NULL)
		return;
	if (s[0] == '/') {
		size_t i = 1;

		while (i < n &&
		    ((s[i] >= 'A' && s[i] <= 'Z') ||
		        (s[i] >= 'a' && s[i] <= 'z')))
			i++;
		if (i > 1) {
			st->tg_len += i - 1;
			if (st->tg != NULL)
				(void)EVP_DigestUpdate(st->tg, s + 1, i - 1);
		}
	}
	for (k = 0; k < VG_SAPDF_NDETAILS; k++) {
		char out[VG_SAPDF_STR + 1];
		size_t ol;
		bool date = k == VG_SAPDF_CREATED || k == VG_SAPDF_MODIFIED;

		if (!(date ? vg_pdf_date(s, n, keys[k], &v, &vl)
		           : vg_pdf_value(s, n, keys[k], &v, &vl)))
			continue;
		if (date) {
			ol = vl < VG_SAPDF_STR ? vl : VG_SAPDF_STR;
			memcpy(out, v, ol);
		} else {
			ol = vg_pdf_parse_string(out, v, vl);
		}
		vg_pdf_strset(f, f->details[k], &f->ndetails[k],
		    VG_SAPDF_DETAILS, out, ol);
	}
}

/* vg_pdf_final - an MD5 context's sum into out; false when none */
static bool
vg_pdf_final(EVP_MD_CTX *ctx, char out[33])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dl = 0;

	if (ctx == NULL || EVP_DigestFinal_ex(ctx, d, &dl) != 1 || dl != 16)
		return false;
	vg_pdf_hex(out, d);
	return true;
}

/* vg_sapdf_is_pdf - see sa_pdfinfo.h */
bool
vg_sapdf_is_pdf(const char *ctype, const char *name)
{
	static const char *const types[] = {"image/pdf", "image/octet-stream",
	    "application/pdf", "application/octet-stream"};
	size_t i, n;
	bool ok = false;

	if (ctype == NULL)
		return false;
	for (i = 0; i < VG_NELEM(types); i++)
		if (strcasecmp(ctype, types[i]) == 0)
			ok = true;
	if (!ok)
		return false;
	n = strlen(ctype);
	if (n >= 4 && strcasecmp(ctype + n - 4, "/pdf") == 0)
		return true;
	n = name != NULL ? strlen(name) : 0;
	return n >= 4 &&
	    (strcasecmp(name + n - 4, ".pdf") == 0 ||
	        strcasecmp(name + n - 4, ".fdf") == 0);
}

/* vg_sapdf_scan - see sa_pdfinfo.h */
void
vg_sapdf_scan(
    struct vg_sapdf *f, const unsigned char *data, size_t len, const char *name)
{
	struct vg_pdf_scan st;
	const char *s = (const char *)data, *e, *p;
	size_t head, i, nparts = f->count++;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dl = 0;

	if (nparts >= VG_SAPDF_PARTS) {
		f->limit = true;
		return;
	}
	if (data == NULL)
		return;
	if (len > VG_SAPDF_BYTES) {
		len = VG_SAPDF_BYTES;
		f->limit = true;
	}
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
	/* "%PDF-d.d" starting within the first 1024 bytes */
	head = len < 1024 + 8 ? len : 1024 + 8;
	for (i = 0, p = NULL; i + 8 <= head && i <= 1024; i++)
		if (memcmp(s + i, "%PDF-", 5) == 0 &&
		    vg_pdf_digit((unsigned char)s[i + 5]) && s[i + 6] == '.' &&
		    vg_pdf_digit((unsigned char)s[i + 7])) {
			p = s + i;
			break;
		}
	if (p == NULL)
		return;
	if (name != NULL && name[0] != '\0')
		vg_pdf_strset(f, f->names, &f->nnames, VG_SAPDF_NAMES, name,
		    strlen(name));
	memset(&st, 0, sizeof(st));
	/* Out of memory: the fuzzy sums are missing, nothing else. */
	if ((st.fz = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestInit_ex(st.fz, EVP_md5(), NULL) != 1) {
		EVP_MD_CTX_free(st.fz);
		st.fz = NULL;
	}
	if ((st.tg = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestInit_ex(st.tg, EVP_md5(), NULL) != 1) {
		EVP_MD_CTX_free(st.tg);
		st.tg = NULL;
	}
	for (p = s, e = s + len; p < e;) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(e - p);

		if (n > 0)
			vg_pdf_line(f, &st, p, n);
		p += n + 1;
	}
	if (st.th > 0 && st.tw > 0) {
		char h[64], w[64];

		snprintf(h, sizeof(h), "%.0f", st.th);
		snprintf(w, sizeof(w), "%.0f", st.tw);
		vg_pdf_dim(f, h, strlen(h), w, strlen(w), st.th, st.tw);
	}
	if (st.ta > 0)
		f->area = st.ta;
	if (len > 0 && EVP_Digest(s, len, d, &dl, EVP_md5(), NULL) == 1 &&
	    dl == 16)
		vg_pdf_hex(f->md5[f->nmd5++], d);
	/* Perl's truth: a fuzzy text of "0" gives no sum. */
	if (st.fz_len > 0 && !(st.fz_len == 1 && st.fz_first == '0') &&
	    vg_pdf_final(st.fz, f->fuzzy[f->nfuzzy]))
		f->nfuzzy++;
	if (st.tg_len > 0 && vg_pdf_final(st.tg, f->fuzzy[f->nfuzzy]))
		f->nfuzzy++;
	EVP_MD_CTX_free(st.fz);
	EVP_MD_CTX_free(st.tg);
}

/* vg_sa_pdf - the message's PDF facts, read on first use */
static const struct vg_sapdf *
vg_sa_pdf(struct vg_sactx *c)
{
	static const struct vg_sapdf none;
	struct vg_sapdf *f;
	size_t i;
	bool any = false;

	if (c->cache[VG_SACTX_PDF] != NULL)
		return c->cache[VG_SACTX_PDF];
	for (i = 0; c->text != NULL && i < c->text->nparts && !any; i++)
		any = vg_sapdf_is_pdf(
		    c->text->parts[i].content_type, c->text->parts[i].filename);
	if (!any || (f = vg_calloc(1, sizeof(*f))) == NULL)
		return &none;
	for (i = 0; i < c->text->nparts; i++) {
		const struct vg_text_part *pt = &c->text->parts[i];

		if (vg_sapdf_is_pdf(pt->content_type, pt->filename))
			vg_sapdf_scan(f, pt->data, pt->len, pt->filename);
	}
	c->cache[VG_SACTX_PDF] = f;
	return f;
}

/* vg_pdf_check - _result_check(): MIN <= v <= MAX (v < MAX: nomaxequal) */
static bool
vg_pdf_check(const struct vg_evalargs *a, double v, bool nomaxeq)
{
	if (a->n < 1 || v < a->num[0])
		return false;
	if (a->n > 1 && v > a->num[1])
		return false;
	if (nomaxeq && a->n > 1 && v == a->num[1])
		return false;
	return true;
}

/* pdf_count(MIN[, MAX]) */
static int
vg_sa_pdf_count(struct vg_sactx *c, const struct vg_evalargs *a)
{
	return vg_pdf_check(a, (double)vg_sa_pdf(c)->count, false);
}

/* pdf_image_count(MIN[, MAX]) */
static int
vg_sa_pdf_image_count(struct vg_sactx *c, const struct vg_evalargs *a)
{
	return vg_pdf_check(a, (double)vg_sa_pdf(c)->images, false);
}

/* pdf_pixel_coverage(MIN[, MAX]): no image area, no hit */
static int
vg_sa_pdf_pixel_coverage(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sapdf *f = vg_sa_pdf(c);

	return f->area > 0 && vg_pdf_check(a, f->area, false);
}

/*
 * vg_pdf_lines - the body's lines as SpamAssassin's body array holds them
 * (the Subject first, each line with its "\n"): the bytes of all of them,
 * or, with skip_first and blank lines left out, of the rest
 */
static double
vg_pdf_lines(const struct vg_sactx *c, bool skip_first)
{
	const char *s, *e, *nl;
	double bytes = 0;
	bool first = true;

	if (c->text == NULL || c->text->body == NULL)
		return 0;
	for (s = c->text->body, e = s + c->text->body_len; s < e;
	     s = nl + 1, first = false) {
		size_t n, i;
		bool ink = !skip_first;

		nl = memchr(s, '\n', (size_t)(e - s));
		if (nl == NULL)
			nl = e;
		n = (size_t)(nl - s);
		if (first && skip_first) /* the Subject */
			continue;
		for (i = 0; i < n && !ink; i++)
			ink = !vg_pdf_space((unsigned char)s[i]);
		if (ink)
			bytes += (double)n + 1;
	}
	return bytes;
}

/* pdf_image_to_text_ratio(MIN, MAX): body bytes per pixel */
static int
vg_sa_pdf_text_ratio(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sapdf *f = vg_sa_pdf(c);
	double len;

	if (a->n < 2 || f->area <= 0)
		return 0;
	if ((len = vg_pdf_lines(c, false)) <= 0)
		return 0;
	return vg_pdf_check(a, len / f->area, true);
}

/* pdf_is_empty_body([MIN]): a PDF and at most MIN bytes of text */
static int
vg_sa_pdf_empty_body(struct vg_sactx *c, const struct vg_evalargs *a)
{
	double min = a->n > 0 ? a->num[0] : 0;

	if (vg_sa_pdf(c)->count == 0)
		return 0;
	return vg_pdf_lines(c, true) <= min;
}

/* pdf_image_size_exact(H, W): an image (or a PDF's sum) of "HxW" */
static int
vg_sa_pdf_size_exact(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sapdf *f = vg_sa_pdf(c);
	char key[2 * VG_EVALFN_ARG_MAX + 2];
	size_t i;

	snprintf(key, sizeof(key), "%sx%s", a->str[0], a->str[1]);
	for (i = 0; i < f->ndims; i++)
		if (strcmp(f->dims[i].key, key) == 0)
			return 1;
	return 0;
}

/* pdf_image_size_range(MINH, MINW[, MAXH[, MAXW]]) */
static int
vg_sa_pdf_size_range(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sapdf *f = vg_sa_pdf(c);
	size_t i;

	for (i = 0; i < f->ndims; i++) {
		const struct vg_sapdf_dim *d = &f->dims[i];

		if (d->h < a->num[0] || d->w < a->num[1])
			continue;
		if (a->n > 2 && d->h > a->num[2])
			continue;
		if (a->n > 3 && d->w > a->num[3])
			continue;
		return 1;
	}
	return 0;
}

/* pdf_named(NAME): a PDF part called NAME */
static int
vg_sa_pdf_named(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sapdf *f = vg_sa_pdf(c);
	size_t i;

	for (i = 0; i < f->nnames; i++)
		if (strcmp(f->names[i].s, a->str[0]) == 0)
			return 1;
	return 0;
}

/* vg_pdf_any - whether re matches one of the strings */
static int
vg_pdf_any(struct vg_sactx *c, const pcre2_code *re,
    const struct vg_sapdf_str *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (vg_sactx_match(c, re, set[i].s, set[i].len, 0) >= 0)
			return 1;
	return 0;
}

/* pdf_name_regex(/RE/) */
static int
vg_sa_pdf_name_regex(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sapdf *f = vg_sa_pdf(c);

	return vg_pdf_any(c, a->re, f->names, f->nnames);
}

/* pdf_match_details(DETAIL, /RE/) */
static int
vg_sa_pdf_details(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sapdf *f = vg_sa_pdf(c);

	return vg_pdf_any(c, a->re, f->details[a->sel], f->ndetails[a->sel]);
}

/* pdf_match_md5(MD5) and pdf_match_fuzzy_md5(MD5) */
static int
vg_sa_pdf_md5(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sapdf *f = vg_sa_pdf(c);
	size_t i;

	for (i = 0; i < f->nmd5; i++)
		if (strcasecmp(f->md5[i], a->str[0]) == 0)
			return 1;
	return 0;
}

static int
vg_sa_pdf_fuzzy(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sapdf *f = vg_sa_pdf(c);
	size_t i;

	for (i = 0; i < f->nfuzzy; i++)
		if (strcasecmp(f->fuzzy[i], a->str[0]) == 0)
			return 1;
	return 0;
}

/* pdf_is_encrypted() */
static int
vg_sa_pdf_encrypted(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)a;
	return vg_sa_pdf(c)->encrypted;
}

/* vg_pdf_prep_nums - every argument a number */
static int
vg_pdf_prep_nums(struct vg_evalargs *a, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (isnan(a->num[i])) {
			snprintf(why, whylen, "eval: '%s' is not a number",
			    a->str[i]);
			return VG_ECONFIG;
		}
	return 0;
}

/* vg_pdf_regex - compile "/re/flags", argument i, into a->re */
static int
vg_pdf_regex(struct vg_evalargs *a, size_t i, char *why, size_t whylen)
{
	struct vg_rule tmp;
	char *s = a->str[i];
	bool skip = false;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	rc = vg_rules_regex(&tmp, &s, false, why, whylen, &skip);
	if (rc == 0 && *s != '\0') {
		snprintf(why, whylen, "eval: text after the regex");
		rc = VG_ECONFIG;
	}
	pcre2_code_free(tmp.re_ml);
	vg_free(tmp.pf_src);
	if (rc != 0) {
		pcre2_code_free(tmp.re);
		return rc;
	}
	a->re = tmp.re;
	return 0;
}

static int
vg_pdf_prep_name_regex(struct vg_evalargs *a, char *why, size_t whylen)
{
	return vg_pdf_regex(a, 0, why, whylen);
}

static int
vg_pdf_prep_details(struct vg_evalargs *a, char *why, size_t whylen)
{
	static const char *const names[VG_SAPDF_NDETAILS] = {
	    [VG_SAPDF_AUTHOR] = "author",
	    [VG_SAPDF_CREATOR] = "creator",
	    [VG_SAPDF_CREATED] = "created",
	    [VG_SAPDF_MODIFIED] = "modified",
	    [VG_SAPDF_PRODUCER] = "producer",
	    [VG_SAPDF_TITLE] = "title",
	};
	size_t i;

	a->sel = -1;
	for (i = 0; i < VG_NELEM(names); i++)
		if (strcmp(a->str[0], names[i]) == 0)
			a->sel = (int)i;
	if (a->sel < 0) {
		snprintf(why, whylen,
		    "eval: PDF detail '%s' (author, creator, created, "
		    "modified, producer, title)",
		    a->str[0]);
		return VG_ECONFIG;
	}
	return vg_pdf_regex(a, 1, why, whylen);
}

#define VG_PDF_FN(nm, lo, hi, prep, fn)                                        \
	{                                                                      \
		.name = nm, .plugin = "PDFInfo",                               \
		.kinds = VG_K(VG_RULE_BODY) | VG_K(VG_RULE_RAWBODY),           \
		.min_args = lo, .max_args = hi, .prepare = prep, .run = fn,    \
	}

const struct vg_evalfn vg_sa_pdfinfo[] = {
    VG_PDF_FN("pdf_count", 1, 2, vg_pdf_prep_nums, vg_sa_pdf_count),
    VG_PDF_FN("pdf_image_count", 1, 2, vg_pdf_prep_nums, vg_sa_pdf_image_count),
    VG_PDF_FN(
        "pdf_pixel_coverage", 1, 2, vg_pdf_prep_nums, vg_sa_pdf_pixel_coverage),
    VG_PDF_FN("pdf_image_to_text_ratio", 2, 2, vg_pdf_prep_nums,
        vg_sa_pdf_text_ratio),
    VG_PDF_FN(
        "pdf_is_empty_body", 0, 1, vg_pdf_prep_nums, vg_sa_pdf_empty_body),
    VG_PDF_FN(
        "pdf_image_size_exact", 2, 2, vg_pdf_prep_nums, vg_sa_pdf_size_exact),
    VG_PDF_FN(
        "pdf_image_size_range", 2, 4, vg_pdf_prep_nums, vg_sa_pdf_size_range),
    VG_PDF_FN("pdf_named", 1, 1, NULL, vg_sa_pdf_named),
    VG_PDF_FN(
        "pdf_name_regex", 1, 1, vg_pdf_prep_name_regex, vg_sa_pdf_name_regex),
    VG_PDF_FN("pdf_match_md5", 1, 1, NULL, vg_sa_pdf_md5),
    VG_PDF_FN("pdf_match_fuzzy_md5", 1, 1, NULL, vg_sa_pdf_fuzzy),
    VG_PDF_FN(
        "pdf_match_details", 2, 2, vg_pdf_prep_details, vg_sa_pdf_details),
    VG_PDF_FN("pdf_is_encrypted", 0, 0, NULL, vg_sa_pdf_encrypted),
    {.name = NULL},
};
