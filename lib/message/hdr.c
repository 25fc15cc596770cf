/* SPDX-License-Identifier: GPL-2.0-only */
/* hdr - header unfolding, RFC 2047 decoding, charsets and address parts */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#include <gmime/gmime.h>

#include "base/alloc.h"
#include "base/err.h"
#include "message/hdr.h"

/* How a charset name is converted. */
enum cs_kind {
	CS_UNKNOWN, /* no or meaningless label: UTF-8 if valid, else 1252 */
	CS_UTF8,    /* UTF-8: validate, replace bad bytes */
	CS_CP1252,  /* ISO-8859-1 and windows-1252 by table */
	CS_ICONV,   /* anything else through iconv */
};

#define CS_NAME_MAX 64

/* One charset label after classification. */
struct cs {
	enum cs_kind kind;
	bool stateful;          /* ISO-2022, UTF-7/16/32: no ASCII shortcut */
	const char *iconv_name; /* CS_ICONV: the name given to iconv */
	char name[CS_NAME_MAX]; /* lower-cased label */
};

/* Label -> what to do, WHATWG-style supersets for mislabelled mail. */
static const struct {
	const char *label;
	enum cs_kind kind;
	const char *iconv_name;
} cs_alias[] = {
    {"", CS_UNKNOWN, NULL},
    {"default", CS_UNKNOWN, NULL},
    {"unknown-8bit", CS_UNKNOWN, NULL},
    {"x-unknown", CS_UNKNOWN, NULL},
    {"unknown", CS_UNKNOWN, NULL},
    {"x-user-defined", CS_UNKNOWN, NULL},
    {"us-ascii", CS_UNKNOWN, NULL},
    {"ascii", CS_UNKNOWN, NULL},
    {"ansi_x3.4-1968", CS_UNKNOWN, NULL},
    {"utf-8", CS_UTF8, NULL},
    {"utf8", CS_UTF8, NULL},
    {"unicode-1-1-utf-8", CS_UTF8, NULL},
    {"x-unicode20utf8", CS_UTF8, NULL},
    {"iso-8859-1", CS_CP1252, NULL},
    {"iso8859-1", CS_CP1252, NULL},
    {"iso_8859-1", CS_CP1252, NULL},
    {"iso_8859-1:1987", CS_CP1252, NULL},
    {"latin1", CS_CP1252, NULL},
    {"l1", CS_CP1252, NULL},
    {"cp819", CS_CP1252, NULL},
    {"ibm819", CS_CP1252, NULL},
    {"windows-1252", CS_CP1252, NULL},
    {"cp1252", CS_CP1252, NULL},
    {"x-cp1252", CS_CP1252, NULL},
    {"ks_c_5601-1987", CS_ICONV, "CP949"},
    {"ks_c_5601-1989", CS_ICONV, "CP949"},
    {"ks_c_5601", CS_ICONV, "CP949"},
    {"ksc5601", CS_ICONV, "CP949"},
    {"euc-kr", CS_ICONV, "CP949"},
    {"x-euc-kr", CS_ICONV, "CP949"},
    {"korean", CS_ICONV, "CP949"},
    {"windows-949", CS_ICONV, "CP949"},
    {"gb2312", CS_ICONV, "GB18030"},
    {"gb_2312-80", CS_ICONV, "GB18030"},
    {"gbk", CS_ICONV, "GB18030"},
    {"x-gbk", CS_ICONV, "GB18030"},
    {"cp936", CS_ICONV, "GB18030"},
    {"euc-cn", CS_ICONV, "GB18030"},
    {"x-euc-cn", CS_ICONV, "GB18030"},
    {"chinese", CS_ICONV, "GB18030"},
    {"big5", CS_ICONV, "BIG5-HKSCS"},
    {"x-x-big5", CS_ICONV, "BIG5-HKSCS"},
    {"x-big5", CS_ICONV, "BIG5-HKSCS"},
    {"cn-big5", CS_ICONV, "BIG5-HKSCS"},
    {"shift_jis", CS_ICONV, "CP932"},
    {"shift-jis", CS_ICONV, "CP932"},
    {"x-sjis", CS_ICONV, "CP932"},
    {"sjis", CS_ICONV, "CP932"},
    {"ms_kanji", CS_ICONV, "CP932"},
    {"windows-31j", CS_ICONV, "CP932"},
    {"tis-620", CS_ICONV, "CP874"},
    {"iso-8859-11", CS_ICONV, "CP874"},
    {"iso-8859-9", CS_ICONV, "CP1254"},
};

/* Unicode code points of windows-1252 bytes 0x80..0x9f. */
static const uint16_t cp1252_c1[32] = {
    0x20ac,
    0x0081,
    0x201a,
    0x0192,
    0x201e,
    0x2026,
    0x2020,
    0x2021,
    0x02c6,
    0x2030,
    0x0160,
    0x2039,
    0x0152,
    0x008d,
    0x017d,
    0x008f,
    0x0090,
    0x2018,
    0x2019,
    0x201c,
    0x201d,
    0x2022,
    0x2013,
    0x2014,
    0x02dc,
    0x2122,
    0x0161,
    0x203a,
    0x0153,
    0x009d,
    0x017e,
    0x0178,
};

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* lower - ASCII lower case of one byte */
static inline unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* is_wsp - space, tab, CR or LF */
static inline bool
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* cs_classify - decide how to convert the label name (n bytes) */
static void
cs_classify(struct cs *cs, const char *name, size_t n)
{
	size_t i;

	cs->stateful = false;
	cs->iconv_name = NULL;
	/* Trim quotes and blanks some mailers leave around the label. */
	while (n > 0 &&
	    (is_wsp((unsigned char)name[0]) || name[0] == '"' ||
	        name[0] == '\'')) {
		name++;
		n--;
	}
	while (n > 0 &&
	    (is_wsp((unsigned char)name[n - 1]) || name[n - 1] == '"' ||
	        name[n - 1] == '\''))
		n--;
	if (n >= CS_NAME_MAX) {
		/* No real charset has a name this long. */
		cs->kind = CS_UNKNOWN;
		cs->name[0] = '\0';
		return;
	}
	for (i = 0; i < n; i++)
		cs->name[i] = (char)lower((unsigned char)name[i]);
	cs->name[n] = '\0';
	for (i = 0; i < VG_NELEM(cs_alias); i++) {
		if (strcmp(cs->name, cs_alias[i].label) == 0) {
			cs->kind = cs_alias[i].kind;
			cs->iconv_name = cs_alias[i].iconv_name;
			return;
		}
	}
	cs->kind = CS_ICONV;
	/*
	 * GMime knows the other aliases (iso_8859-2 = iso-8859-2, ...).  It
	 * returns the name unchanged when it has no better one.
	 */
	cs->iconv_name = g_mime_charset_iconv_name(cs->name);
	if (cs->iconv_name == NULL)
		cs->iconv_name = cs->name;
	cs->stateful = strncmp(cs->name, "iso-2022", 8) == 0 ||
	    strncmp(cs->name, "utf-7", 5) == 0 ||
	    strncmp(cs->name, "utf-16", 6) == 0 ||
	    strncmp(cs->name, "utf-32", 6) == 0 ||
	    strncmp(cs->name, "ucs", 3) == 0 ||
	    strncmp(cs->name, "unicode", 7) == 0 ||
	    strncmp(cs->name, "hz", 2) == 0;
}

/* utf8_seq - length of the valid UTF-8 sequence at p (n bytes), 0 if bad */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && p[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && p[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && p[1] < 0x90)
			return 0;
		if (c == 0xf4 && p[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

/* vg_hdr_utf8_valid - whether len bytes are entirely valid UTF-8 */
bool
vg_hdr_utf8_valid(const void *in, size_t len)
{
	const unsigned char *p = in;
	size_t i = 0, k;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seq(p + i, len - i)) == 0)
			return false;
		i += k;
	}
	return true;
}

/* vg_hdr_append_cut - append what fits, cut on a character boundary */
int
vg_hdr_append_cut(struct vg_buf *out, const void *in, size_t len)
{
	const unsigned char *p = in;
	size_t room;
	int rc;

	if ((rc = vg_buf_append(out, in, len)) != VG_ELIMIT)
		return rc;
	room = out->max > out->len ? out->max - out->len : 0;
	if (room > len)
		room = len;
	/* Do not end inside a multi-byte sequence. */
	while (room > 0 && room < len && (p[room] & 0xc0) == 0x80)
		room--;
	if (room > 0 && (rc = vg_buf_append(out, in, room)) != 0)
		return rc;
	return VG_ELIMIT;
}

/* put_cp - append code point cp as UTF-8 */
static int
put_cp(struct vg_buf *out, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	}
	return vg_hdr_append_cut(out, u, n);
}

/* conv_cp1252 - windows-1252 (a superset of ISO-8859-1) to UTF-8 */
static int
conv_cp1252(struct vg_buf *out, const unsigned char *p, size_t len)
{
	size_t i = 0, run;
	int rc;

	while (i < len) {
		for (run = i; run < len && p[run] < 0x80; run++)
			continue;
		if (run > i &&
		    (rc = vg_hdr_append_cut(out, p + i, run - i)) != 0)
			return rc;
		if (run == len)
			break;
		if (p[run] >= 0x80 && p[run] <= 0x9f)
			rc = put_cp(out, cp1252_c1[p[run] - 0x80]);
		else
			rc = put_cp(out, p[run]);
		if (rc != 0)
			return rc;
		i = run + 1;
	}
	return 0;
}

/* conv_utf8 - copy valid UTF-8, each invalid byte becoming U+FFFD */
static int
conv_utf8(struct vg_buf *out, const unsigned char *p, size_t len)
{
	size_t i = 0, start = 0, k;
	int rc;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seq(p + i, len - i)) != 0) {
			i += k;
			continue;
		}
		if (i > start &&
		    (rc = vg_hdr_append_cut(out, p + start, i - start)) != 0)
			return rc;
		if ((rc = vg_hdr_append_cut(out, replacement, 3)) != 0)
			return rc;
		start = ++i;
	}
	if (i > start)
		return vg_hdr_append_cut(out, p + start, i - start);
	return 0;
}

/* conv_iconv - convert through iconv; invalid input becomes U+FFFD */
static int
conv_iconv(struct vg_buf *out, iconv_t cd, const unsigned char *p, size_t len)
{
	char obuf[4096];
	char *inp = (char *)(uintptr_t)p; /* iconv's prototype lacks const */
	size_t inleft = len;
	int rc = 0;

	for (;;) {
		char *op = obuf;
		size_t oleft = sizeof(obuf), r;
		int e;

		/* A NULL input flushes a stateful encoding's shift state. */
		r = inleft > 0 ? iconv(cd, &inp, &inleft, &op, &oleft)
		               : iconv(cd, NULL, NULL, &op, &oleft);
		e = errno;
		if (op > obuf &&
		    (rc = vg_hdr_append_cut(out, obuf, (size_t)(op - obuf))) !=
		        0)
			return rc;
		if (r != (size_t)-1) {
			if (inleft == 0 && inp == NULL)
				break;
			if (inleft == 0) {
				inp = NULL; /* one more round to flush */
				continue;
			}
			continue;
		}
		if (e == E2BIG)
			continue;
		if (inp == NULL || inleft == 0)
			break;
		if ((rc = vg_hdr_append_cut(out, replacement, 3)) != 0)
			return rc;
		if (e == EILSEQ) {
			inp++;
			inleft--;
			continue;
		}
		/* EINVAL: the input ends inside a character. */
		break;
	}
	return 0;
}

/* to_utf8 - convert with a classified charset */
static int
to_utf8(
    struct vg_buf *out, const struct cs *cs, const unsigned char *p, size_t len)
{
	size_t i;
	iconv_t cd;
	int rc;

	if (len == 0)
		return 0;
	if (!cs->stateful) {
		/* Most text is ASCII, which every other charset shares. */
		for (i = 0; i < len && p[i] < 0x80; i++)
			continue;
		if (i == len)
			return vg_hdr_append_cut(out, p, len);
	}
	switch (cs->kind) {
	case CS_UTF8:
		return conv_utf8(out, p, len);
	case CS_CP1252:
		return conv_cp1252(out, p, len);
	case CS_UNKNOWN:
		if (vg_hdr_utf8_valid(p, len))
			return vg_hdr_append_cut(out, p, len);
		return conv_cp1252(out, p, len);
	case CS_ICONV:
		cd = g_mime_iconv_open("UTF-8", cs->iconv_name);
		if (cd == (iconv_t)-1 && strcmp(cs->iconv_name, cs->name) != 0)
			cd = g_mime_iconv_open("UTF-8", cs->name);
		if (cd == (iconv_t)-1) {
			/* Unknown to iconv: the declared charset is a lie. */
			if (vg_hdr_utf8_valid(p, len))
				return vg_hdr_append_cut(out, p, len);
			return conv_cp1252(out, p, len);
		}
		rc = conv_iconv(out, cd, p, len);
		g_mime_iconv_close(cd);
		return rc;
	}
	return VG_EINTERNAL;
}

/* vg_hdr_to_utf8 - append len bytes in charset converted to UTF-8 */
int
vg_hdr_to_utf8(
    struct vg_buf *out, const char *charset, const void *in, size_t len)
{
	struct cs cs;

	cs_classify(&cs, charset != NULL ? charset : "",
	    charset != NULL ? strlen(charset) : 0);
	return to_utf8(out, &cs, in, len);
}

/* trim - narrow [*s, *e) past white space, CR and LF at both ends */
static void
trim(const char *v, size_t *s, size_t *e)
{
	while (*s < *e && is_wsp((unsigned char)v[*s]))
		(*s)++;
	while (*e > *s && is_wsp((unsigned char)v[*e - 1]))
		(*e)--;
}

/* vg_hdr_unfold - append value with CR/LF removed and both ends trimmed */
int
vg_hdr_unfold(struct vg_buf *out, const char *value, size_t len)
{
	size_t s = 0, e = len, i;
	int rc;

	trim(value, &s, &e);
	while (s < e) {
		for (i = s; i < e && value[i] != '\r' && value[i] != '\n'; i++)
			continue;
		if (i > s &&
		    (rc = vg_hdr_append_cut(out, value + s, i - s)) != 0)
			return rc;
		s = i + 1;
	}
	return 0;
}

/* A parsed encoded word. */
struct eword {
	size_t len;     /* bytes of "=?...?=" */
	const char *cs; /* charset label */
	size_t cs_len;
	char enc;         /* 'b' or 'q' */
	const char *text; /* encoded text */
	size_t text_len;
};

/* parse_eword - whether p (n bytes, starting "=?") is an encoded word */
static bool
parse_eword(struct eword *w, const char *p, size_t n)
{
	size_t j = 2, k;

	while (j < n && p[j] != '?' && (unsigned char)p[j] > 0x20 &&
	    (unsigned char)p[j] < 0x7f)
		j++;
	if (j == 2 || j + 3 > n || p[j] != '?' || p[j + 2] != '?')
		return false;
	w->cs = p + 2;
	w->cs_len = j - 2;
	/* RFC 2231 language suffix: charset*lang. */
	for (k = 0; k < w->cs_len; k++) {
		if (w->cs[k] == '*') {
			w->cs_len = k;
			break;
		}
	}
	w->enc = (char)lower((unsigned char)p[j + 1]);
	if (w->enc != 'b' && w->enc != 'q')
		return false;
	for (k = j + 3; k < n && p[k] != '?'; k++) {
		if ((unsigned char)p[k] <= 0x20 || (unsigned char)p[k] >= 0x7f)
			return false;
	}
	if (k + 1 >= n || p[k + 1] != '=')
		return false;
	w->text = p + j + 3;
	w->text_len = k - (j + 3);
	w->len = k + 2;
	return true;
}

/* b64val - value of a base64 digit, -1 for anything else */
static inline int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* hexval - value of a hex digit, -1 for anything else */
static inline int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * decode_eword - append the bytes an encoded word carries to dst (at most
 * text_len bytes, which the caller has room for); false if malformed.
 */
static bool
decode_eword(unsigned char *dst, size_t *n_out, const struct eword *w)
{
	const unsigned char *t = (const unsigned char *)w->text;
	size_t i, n = 0;
	uint32_t acc = 0;
	int bits = 0, v, h, l;

	if (w->enc == 'q') {
		for (i = 0; i < w->text_len; i++) {
			if (t[i] == '_') {
				dst[n++] = ' ';
			} else if (t[i] == '=' && i + 2 < w->text_len &&
			    (h = hexval(t[i + 1])) >= 0 &&
			    (l = hexval(t[i + 2])) >= 0) {
				dst[n++] = (unsigned char)(h << 4 | l);
				i += 2;
			} else {
				dst[n++] = t[i];
			}
		}
		*n_out = n;
		return true;
	}
	for (i = 0; i < w->text_len; i++) {
		if (t[i] == '=')
			break;
		if ((v = b64val(t[i])) < 0)
			return false;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dst[n++] = (unsigned char)(acc >> bits);
		}
	}
	*n_out = n;
	return true;
}

/*
 * emit_literal - append text outside encoded words, CR/LF removed: UTF-8
 * when valid, else in the fallback charset (windows-1252 without one).
 */
static int
emit_literal(
    struct vg_buf *out, const char *v, size_t s, size_t e, const struct cs *fb)
{
	static const struct cs unknown = {CS_UNKNOWN, false, NULL, ""};
	const unsigned char *p;
	size_t i;
	int rc;

	while (s < e) {
		for (i = s; i < e && v[i] != '\r' && v[i] != '\n'; i++)
			continue;
		p = (const unsigned char *)v + s;
		if (i > s &&
		    (rc = to_utf8(out,
		         fb == NULL || vg_hdr_utf8_valid(p, i - s) ? &unknown
		                                                   : fb,
		         p, i - s)) != 0)
			return rc;
		s = i + 1;
	}
	return 0;
}

/* all_wsp - whether v[s, e) is only white space */
static bool
all_wsp(const char *v, size_t s, size_t e)
{
	for (; s < e; s++) {
		if (!is_wsp((unsigned char)v[s]))
			return false;
	}
	return true;
}

/* vg_hdr_decode - append the unfolded, RFC 2047-decoded value */
int
vg_hdr_decode(struct vg_buf *out, const char *value, size_t len)
{
	return vg_hdr_decode_cs(out, value, len, NULL);
}

/* vg_hdr_decode_cs - vg_hdr_decode() with a charset for raw 8-bit text */
int
vg_hdr_decode_cs(
    struct vg_buf *out, const char *value, size_t len, const char *fallback)
{
	struct cs fbcs, *fb = NULL;
	struct vg_buf pend; /* bytes of adjacent words in one charset */
	unsigned char sbuf[256], *scratch = sbuf, *heap = NULL;
	struct cs cs, wcs;
	struct eword w;
	size_t s = 0, e = len, i, lit, n;
	bool after_word = false;
	int rc = 0;

	if (fallback != NULL && *fallback != '\0') {
		cs_classify(&fbcs, fallback, strlen(fallback));
		if (fbcs.kind != CS_UNKNOWN)
			fb = &fbcs;
	}
	trim(value, &s, &e);
	vg_buf_init(&pend, e - s + 1);
	cs.kind = CS_UNKNOWN;
	cs.stateful = false;
	cs.iconv_name = NULL;
	cs.name[0] = '\0';
	i = lit = s;
	while (i < e) {
		if (value[i] != '=' || i + 1 >= e || value[i + 1] != '?' ||
		    !parse_eword(&w, value + i, e - i)) {
			i++;
			continue;
		}
		if (w.text_len > sizeof(sbuf) && heap == NULL) {
			/* One scratch buffer big enough for any word here. */
			if ((heap = vg_malloc(e - s)) == NULL) {
				rc = VG_ENOMEM;
				goto out;
			}
			scratch = heap;
		}
		if (!decode_eword(scratch, &n, &w)) {
			i++; /* malformed: it stays in the literal text */
			continue;
		}
		cs_classify(&wcs, w.cs, w.cs_len);
		if (!(after_word && all_wsp(value, lit, i)) ||
		    strcmp(wcs.name, cs.name) != 0) {
			/*
			 * Real text between the words, or a new charset:
			 * convert the run so far.  Blanks between two words
			 * are dropped either way (RFC 2047 section 6.2).
			 */
			if ((rc = to_utf8(out, &cs, (unsigned char *)pend.data,
			         pend.len)) != 0)
				goto out;
			vg_buf_reset(&pend);
			if (!(after_word && all_wsp(value, lit, i)) &&
			    (rc = emit_literal(out, value, lit, i, fb)) != 0)
				goto out;
		}
		cs = wcs;
		if ((rc = vg_buf_append(&pend, scratch, n)) != 0)
			goto out;
		i += w.len;
		lit = i;
		after_word = true;
	}
	if ((rc = to_utf8(out, &cs, (unsigned char *)pend.data, pend.len)) != 0)
		goto out;
	rc = emit_literal(out, value, lit, e, fb);
out:
	vg_free(heap);
	vg_buf_fini(&pend);
	return rc;
}

/*
 * Address lists.  A small scanner over RFC 5322 address syntax, loose in
 * the ways real mail is: it splits mailboxes at top-level commas and
 * semicolons, drops group names ("undisclosed-recipients:;"), and within
 * one mailbox takes the last <...> as the address and the text before it
 * as the name, or, without angle brackets, the whole text as the address
 * and the first comment as the name.
 */

/* One mailbox: the byte range it spans. */
struct mbox {
	size_t s, e;   /* whole mailbox */
	size_t lt, gt; /* '<' and '>' positions, or SIZE_MAX */
};

/* skip_comment - index just past the comment starting at v[i] == '(' */
static size_t
skip_comment(const char *v, size_t i, size_t e)
{
	size_t depth = 0;

	for (; i < e; i++) {
		if (v[i] == '\\' && i + 1 < e) {
			i++;
		} else if (v[i] == '(') {
			depth++;
		} else if (v[i] == ')') {
			if (--depth == 0)
				return i + 1;
		}
	}
	return e;
}

/* skip_quote - index just past the quoted string starting at v[i] == '"' */
static size_t
skip_quote(const char *v, size_t i, size_t e)
{
	for (i++; i < e; i++) {
		if (v[i] == '\\' && i + 1 < e)
			i++;
		else if (v[i] == '"')
			return i + 1;
	}
	return e;
}

/* mbox_nonempty - whether a mailbox holds anything but blanks */
static bool
mbox_nonempty(const char *v, const struct mbox *m)
{
	return !all_wsp(v, m->s, m->e);
}

/*
 * next_mbox - the next mailbox at or after *pos; false when none is left.
 * Group names ("name:") are skipped.
 */
static bool
next_mbox(struct mbox *m, const char *v, size_t len, size_t *pos)
{
	size_t i = *pos;

	while (i < len) {
		m->s = i;
		m->lt = m->gt = SIZE_MAX;
		while (i < len) {
			char c = v[i];

			if (c == '(') {
				i = skip_comment(v, i, len);
				continue;
			}
			if (c == '"') {
				i = skip_quote(v, i, len);
				continue;
			}
			if (c == '<') {
				m->lt = i;
				m->gt = SIZE_MAX;
				while (i < len && v[i] != '>') {
					if (v[i] == '"') {
						i = skip_quote(v, i, len);
						continue;
					}
					i++;
				}
				if (i < len)
					m->gt = i++;
				continue;
			}
			if (c == ':' && m->lt == SIZE_MAX) {
				/* A group name: the mailboxes start after it. */
				m->s = ++i;
				continue;
			}
			if (c == ',' || c == ';')
				break;
			i++;
		}
		m->e = i;
		if (i < len)
			i++;
		if (mbox_nonempty(v, m)) {
			*pos = i;
			return true;
		}
	}
	*pos = len;
	return false;
}

/* Cleaning modes for emit_clean(). */
enum clean_mode {
	CLEAN_ADDR, /* drop blanks, comments and quote marks */
	CLEAN_NAME, /* drop comments and quote marks, fold blanks, trim */
};

/* emit_clean - append v[s, e) cleaned by mode */
static int
emit_clean(
    struct vg_buf *out, const char *v, size_t s, size_t e, enum clean_mode mode)
{
	char tmp[256];
	size_t n = 0, i = s;
	bool space = false, any = false;
	int rc;

	while (i < e) {
		unsigned char c = (unsigned char)v[i];

		if (c == '(') {
			i = skip_comment(v, i, e);
			space = any;
			continue;
		}
		if (c == '"') {
			i++;
			continue;
		}
		if (c == '\\' && i + 1 < e) {
			c = (unsigned char)v[++i];
		} else if (is_wsp(c)) {
			space = any;
			i++;
			continue;
		}
		if (space && mode == CLEAN_NAME)
			tmp[n++] = ' ';
		space = false;
		any = true;
		tmp[n++] = (char)c;
		i++;
		if (n >= sizeof(tmp) - 2) {
			if ((rc = vg_hdr_append_cut(out, tmp, n)) != 0)
				return rc;
			n = 0;
		}
	}
	return n > 0 ? vg_hdr_append_cut(out, tmp, n) : 0;
}

/* find_nth - the nth non-empty mailbox */
static bool
find_nth(struct mbox *m, const char *value, size_t len, size_t nth)
{
	size_t pos = 0, k = 0;

	while (next_mbox(m, value, len, &pos)) {
		if (k++ == nth)
			return true;
	}
	return false;
}

/* vg_hdr_addr - append the addr-spec of the nth mailbox */
int
vg_hdr_addr(
    struct vg_buf *out, const char *value, size_t len, size_t nth, bool *found)
{
	struct mbox m;
	size_t s, e, i;

	if (found != NULL)
		*found = false;
	if (!find_nth(&m, value, len, nth))
		return 0;
	if (found != NULL)
		*found = true;
	if (m.lt != SIZE_MAX) {
		s = m.lt + 1;
		e = m.gt != SIZE_MAX ? m.gt : m.e;
		/* An obsolete source route "@a,@b:user@host". */
		if (s < e && value[s] == '@') {
			for (i = s; i < e && value[i] != ':'; i++)
				continue;
			if (i < e)
				s = i + 1;
		}
	} else {
		s = m.s;
		e = m.e;
	}
	return emit_clean(out, value, s, e, CLEAN_ADDR);
}

/* vg_hdr_name - append the display name of the nth mailbox */
int
vg_hdr_name(
    struct vg_buf *out, const char *value, size_t len, size_t nth, bool *found)
{
	struct mbox m;
	size_t i, j;

	if (found != NULL)
		*found = false;
	if (!find_nth(&m, value, len, nth))
		return 0;
	if (found != NULL)
		*found = true;
	if (m.lt != SIZE_MAX)
		return emit_clean(out, value, m.s, m.lt, CLEAN_NAME);
	/* addr (Name): the first comment is the name. */
	for (i = m.s; i < m.e; i++) {
		if (value[i] == '"') {
			i = skip_quote(value, i, m.e) - 1;
			continue;
		}
		if (value[i] == '(') {
			j = skip_comment(value, i, m.e);
			/* Inside the parentheses, without them. */
			if (j > i + 1 && value[j - 1] == ')')
				j--;
			return emit_clean(out, value, i + 1, j, CLEAN_NAME);
		}
	}
	return 0;
}

/* vg_hdr_addr_count - number of mailboxes in an address-list value */
size_t
vg_hdr_addr_count(const char *value, size_t len)
{
	struct mbox m;
	size_t pos = 0, k = 0;

	while (next_mbox(&m, value, len, &pos))
		k++;
	return k;
}

/* vg_hdr_param - copy the value of parameter name of a structured value */
bool
vg_hdr_param(
    char *dst, size_t dstsize, const char *value, size_t len, const char *name)
{
	size_t nl = strlen(name), i = 0, k, n;

	while (i < len) {
		/* Parameters follow ';'; skip quoted text on the way. */
		if (value[i] == '"') {
			for (i++; i < len && value[i] != '"'; i++)
				if (value[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (value[i++] != ';')
			continue;
		while (i < len && is_wsp((unsigned char)value[i]))
			i++;
		for (k = 0; k < nl && i + k < len &&
		     lower((unsigned char)value[i + k]) ==
		         (unsigned char)name[k];
		     k++)
			continue;
		if (k < nl)
			continue;
		for (i += nl; i < len && is_wsp((unsigned char)value[i]); i++)
			continue;
		if (i >= len || value[i] != '=')
			continue;
		for (i++; i < len && is_wsp((unsigned char)value[i]); i++)
			continue;
		n = 0;
		if (i < len && value[i] == '"') {
			for (i++; i < len && value[i] != '"'; i++) {
				if (n + 1 < dstsize)
					dst[n++] = value[i];
			}
		} else {
			for (; i < len && value[i] != ';' &&
			     !is_wsp((unsigned char)value[i]);
			     i++) {
				if (n + 1 < dstsize)
					dst[n++] = value[i];
			}
		}
		if (dstsize > 0)
			dst[n] = '\0';
		return dstsize > 0;
	}
	return false;
}
