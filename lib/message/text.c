/* SPDX-License-Identifier: GPL-2.0-only */
/* text - the decoded views of one message (headers, body, rawbody, URIs) */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>

#include "base/alloc.h"
#include "base/conf.h"
#include "base/err.h"
#include "message/hdr.h"
#include "message/html.h"
#include "message/html_sa.h"
#include "message/mime.h"
#include "message/msg.h"
#include "message/text.h"
#include "message/uri.h"

/* The public struct and what only this file frees. */
struct text_priv {
	struct vg_text pub; /* first: vg_text_free() converts back */
	char *arena;        /* header names and values, NUL-separated */
	char *body;
	char *rawbody;
	char **uris;
};

/* One build. */
struct build {
	const struct vg_text_limits *lim;
	struct text_priv *p;
	struct vg_buf body, rawbody, conv;
	struct vg_html_fold fold;
	struct vg_uri_list uris;
	size_t parts_cap;
	size_t plain_chars; /* visible characters in text/plain parts */
	/* Where each text part starts in body and rawbody (scan_compact). */
	size_t *seg_body, *seg_raw;
	size_t nseg, seg_cap;
};

/* vg_text_limits_default - the VG_TEXT_DEF_* values */
void
vg_text_limits_default(struct vg_text_limits *out)
{
	out->max_mime_depth = VG_TEXT_DEF_MAX_MIME_DEPTH;
	out->max_mime_parts = VG_TEXT_DEF_MAX_MIME_PARTS;
	out->max_decoded_bytes = VG_TEXT_DEF_MAX_DECODED_BYTES;
	out->max_uris = VG_TEXT_DEF_MAX_URIS;
	out->max_body_scan = VG_TEXT_DEF_MAX_BODY_SCAN;
	out->max_rawbody_scan = VG_TEXT_DEF_MAX_RAWBODY_SCAN;
}

/* vg_text_limits_from_conf - the defaults, with vigil.conf's keys */
void
vg_text_limits_from_conf(struct vg_text_limits *out, const struct vg_conf *conf)
{
	vg_text_limits_default(out);
	if (conf == NULL)
		return;
	out->max_mime_depth = conf->mime_max_depth;
	out->max_mime_parts = conf->mime_max_parts;
	out->max_decoded_bytes = (size_t)conf->mime_max_decoded_size;
	out->max_uris = conf->max_uris;
	out->max_body_scan = (size_t)conf->body_scan_size;
	out->max_rawbody_scan = (size_t)conf->rawbody_scan_size;
}

/* vg_text_global_init - g_mime_init() and xmlInitParser(), once */
int
vg_text_global_init(void)
{
	xmlInitParser();
	return vg_mime_global_init();
}

/* free_const - free memory this module allocated and exposes as const */
static void
free_const(const void *ptr)
{
	vg_free((void *)(uintptr_t)ptr);
}

/* vg_text_free - free the views; NULL is a no-op */
void
vg_text_free(struct vg_text *text)
{
	struct text_priv *p = (struct text_priv *)text;
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < text->nparts; i++) {
		free_const(text->parts[i].content_type);
		free_const(text->parts[i].filename);
		free_const(text->parts[i].disposition);
		free_const(text->parts[i].data);
	}
	vg_free(text->parts);
	for (i = 0; i < text->nhtml_sa; i++)
		vg_html_sa_free(text->html_sa[i]);
	for (i = 0; i < text->nuris; i++)
		vg_free(p->uris[i]);
	vg_free(p->uris);
	vg_free(text->headers);
	vg_free(p->arena);
	vg_free(p->body);
	vg_free(p->rawbody);
	vg_free(p);
}

/*
 * decode_header - append the decoded value of h to arena, at most three
 * bytes per raw byte.  That is what windows-1252 or U+FFFD can grow a byte
 * into, but iconv knows charsets that grow more (a TSCII byte is four
 * Tamil characters, 12 bytes), so the value is decoded on its own first
 * and cut on a character boundary when it would pass the budget: a header
 * written so is still read, cut, and the message is flagged, never failed.
 */
static int
decode_header(struct build *b, struct vg_buf *arena, const struct vg_header *h,
    const char *charset)
{
	struct vg_buf dec;
	size_t budget;
	int rc;

	if (!vg_size_mul(&budget, h->value_len, 3) ||
	    !vg_size_add(&budget, budget, 3))
		return VG_ENOMEM;
	vg_buf_init(&dec, budget);
	rc = vg_hdr_decode_cs(&dec, h->value, h->value_len, charset);
	if (rc == VG_ELIMIT) {
		b->p->pub.flags |= VG_TEXT_F_DECODED_LIMIT;
		rc = 0;
	}
	if (rc == 0 && dec.len > 0)
		rc = vg_buf_append(arena, dec.data, dec.len);
	vg_buf_fini(&dec);
	return rc;
}

/*
 * collapse_folds - v (len bytes) into out (len bytes at least) with each
 * line break and the blanks after it made one space, as SpamAssassin's
 * Message::Node does (s/\n[ \t]+/ /g decoded, s/\r?\n\s+/ /g raw):
 * "(Lotus\n    Domino" is "(Lotus Domino"; its length
 */
static size_t
collapse_folds(const char *v, size_t len, char *out)
{
	size_t i = 0, n = 0;

	while (i < len) {
		if (v[i] == '\r' || v[i] == '\n') {
			size_t k = i;

			while (k < len && (v[k] == '\r' || v[k] == '\n'))
				k++;
			if (k < len && (v[k] == ' ' || v[k] == '\t')) {
				while (k < len &&
				    (v[k] == ' ' || v[k] == '\t' ||
				        v[k] == '\r' || v[k] == '\n'))
					k++;
				out[n++] = ' ';
			}
			i = k;
			continue;
		}
		out[n++] = v[i++];
	}
	return n;
}

/*
 * build_headers - every indexed header, unfolded and decoded, into one
 * arena; the pointers are set once the arena stops moving.
 */
static int
build_headers(struct build *b, const struct vg_msg *msg)
{
	struct vg_text *t = &b->p->pub;
	struct vg_buf arena;
	const struct vg_header *ct;
	char charset[64] = "";
	size_t n = vg_msg_header_count(msg), i, total = 64, *off = NULL;
	char *fold = NULL; /* the header's value, folds collapsed */
	int rc = 0;

	/* Raw 8-bit header text is most likely in the body's charset. */
	if ((ct = vg_msg_header_find(msg, "Content-Type", 0)) != NULL)
		(void)vg_hdr_param(charset, sizeof(charset), ct->value,
		    ct->value_len, "charset");

	for (i = 0; i < n; i++) {
		const struct vg_header *h = vg_msg_header(msg, i);

		if (!vg_size_add(&total, total, strlen(h->name)) ||
		    !vg_size_add(&total, total, h->value_len) ||
		    !vg_size_add(&total, total, 3))
			return VG_ENOMEM;
	}
	/*
	 * A decoded value keeps at most three bytes per byte (see
	 * decode_header()), and the raw copy is kept too: four times the
	 * input always fits.
	 */
	if (!vg_size_mul(&total, total, 4))
		return VG_ENOMEM;
	vg_buf_init(&arena, total);
	if (n == 0)
		return 0;
	if ((t->headers = vg_calloc(n, sizeof(*t->headers))) == NULL ||
	    (off = vg_calloc(n, 3 * sizeof(*off))) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct vg_header *h0 = vg_msg_header(msg, i);
		struct vg_header hc = *h0, *h = &hc;

		vg_free(fold);
		if ((fold = vg_malloc(h0->value_len + 1)) == NULL) {
			rc = VG_ENOMEM;
			goto out;
		}
		hc.value = fold;
		hc.value_len = collapse_folds(h0->value, h0->value_len, fold);
		off[3 * i] = arena.len;
		if ((rc = vg_buf_append(
		         &arena, h->name, strlen(h->name) + 1)) != 0)
			goto out;
		off[3 * i + 1] = arena.len;
		if ((rc = vg_hdr_unfold(&arena, h->value, h->value_len)) != 0 ||
		    (rc = vg_buf_append(&arena, "", 1)) != 0)
			goto out;
		off[3 * i + 2] = arena.len;
		if ((rc = decode_header(b, &arena, h, charset)) != 0 ||
		    (rc = vg_buf_append(&arena, "", 1)) != 0)
			goto out;
	}
	for (i = 0; i < n; i++) {
		t->headers[i].name = arena.data + off[3 * i];
		t->headers[i].raw = arena.data + off[3 * i + 1];
		t->headers[i].value = arena.data + off[3 * i + 2];
	}
	t->nheaders = n;
	b->p->arena = arena.data; /* handed to the text */
	arena.data = NULL;
out:
	vg_free(fold);
	vg_free(off);
	vg_buf_fini(&arena);
	if (rc == VG_ELIMIT)
		rc = VG_EINTERNAL; /* the arena was sized to fit */
	return rc;
}

/* soft - a limit becomes a flag, anything else stays an error */
static int
soft(struct build *b, int rc, unsigned flag)
{
	if (rc == VG_ELIMIT) {
		b->p->pub.flags |= flag;
		return 0;
	}
	return rc;
}

/* dup_lower - lower-case copy of s, or NULL for NULL; VG_ENOMEM */
static int
dup_lower(const char **out, const char *s, bool lower)
{
	char *c;
	size_t i;

	*out = NULL;
	if (s == NULL)
		return 0;
	if ((c = vg_strdup(s)) == NULL)
		return VG_ENOMEM;
	for (i = 0; lower && c[i] != '\0'; i++) {
		if (c[i] >= 'A' && c[i] <= 'Z')
			c[i] = (char)(c[i] + 32);
	}
	*out = c;
	return 0;
}

/* add_part - record a leaf in the parts array, taking its data */
static int
add_part(struct build *b, const struct vg_mime_leaf *lf)
{
	struct vg_text *t = &b->p->pub;
	struct vg_text_part *pt;
	int rc;

	if (t->nparts == b->parts_cap) {
		size_t cap = b->parts_cap == 0 ? 4 : b->parts_cap * 2;
		struct vg_text_part *v =
		    vg_reallocarray(t->parts, cap, sizeof(*v));

		if (v == NULL)
			return VG_ENOMEM;
		t->parts = v;
		b->parts_cap = cap;
	}
	pt = &t->parts[t->nparts];
	memset(pt, 0, sizeof(*pt));
	t->nparts++; /* counted now, so vg_text_free() frees a half part */
	pt->depth = lf->depth;
	if ((rc = dup_lower(&pt->content_type, lf->content_type, true)) != 0 ||
	    (rc = dup_lower(&pt->filename, lf->filename, false)) != 0 ||
	    (rc = dup_lower(&pt->disposition, lf->disposition, true)) != 0)
		return rc;
	if (lf->data->len > 0) {
		pt->len = lf->data->len;
		/* The leaf's buffer is handed to the part. */
		if ((pt->data = (unsigned char *)vg_buf_steal(lf->data)) ==
		    NULL) {
			pt->len = 0;
			return VG_ENOMEM;
		}
	}
	return 0;
}

/*
 * add_rawbody - append UTF-8 text with CRLF read as LF and each NUL as
 * U+FFFD (the view is a C string), then a newline
 */
static int
add_rawbody(struct build *b, const char *s, size_t n)
{
	size_t i, start = 0;
	int rc;

	for (i = 0; i < n; i++) {
		if ((s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') ||
		    s[i] == '\0') {
			if ((rc = vg_hdr_append_cut(
			         &b->rawbody, s + start, i - start)) != 0)
				return rc;
			if (s[i] == '\0' &&
			    (rc = vg_hdr_append_cut(
			         &b->rawbody, "\xef\xbf\xbd", 3)) != 0)
				return rc;
			start = i + 1;
		}
	}
	if ((rc = vg_hdr_append_cut(&b->rawbody, s + start, n - start)) != 0)
		return rc;
	if (n > 0 && s[n - 1] != '\n')
		return vg_buf_append(&b->rawbody, "\n", 1);
	return 0;
}

/* add_segment - note where the next text part starts in both views */
static int
add_segment(struct build *b)
{
	if (b->nseg == b->seg_cap) {
		size_t cap = b->seg_cap == 0 ? 4 : b->seg_cap * 2;
		size_t *v = vg_reallocarray(b->seg_body, cap, sizeof(*v));

		if (v == NULL)
			return VG_ENOMEM;
		b->seg_body = v;
		if ((v = vg_reallocarray(b->seg_raw, cap, sizeof(*v))) == NULL)
			return VG_ENOMEM;
		b->seg_raw = v;
		b->seg_cap = cap;
	}
	b->seg_body[b->nseg] = b->body.len;
	b->seg_raw[b->nseg] = b->rawbody.len;
	b->nseg++;
	return 0;
}

/*
 * raw_prefix - how much of a part's UTF-8 text (s, n) add_rawbody() needs
 * for scan_compact() to keep the same max bytes: it drops at most one
 * byte in two (the CR of CRLF), so 2 * max + 8 bytes, on a character
 * boundary, give more than max.  n when max is 0 (no bound) or n is less.
 */
static size_t
raw_prefix(const char *s, size_t n, size_t max)
{
	size_t k;

	if (max == 0 || max > (SIZE_MAX - 8) / 2 || 2 * max + 8 >= n)
		return n;
	k = 2 * max + 8;
	while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	return k;
}

/*
 * body_prefix - the same for the folded body of a text/plain part:
 * printable ASCII always reaches the body as it is, so the text up to
 * the (max + 2)th such byte folds to more than max bytes, whose first max
 * are those of the whole part folded (folding runs left to right).  n
 * when max is 0 or the part has fewer.
 */
static size_t
body_prefix(const char *s, size_t n, size_t max)
{
	size_t i, seen = 0;

	if (max == 0 || max > SIZE_MAX - 2)
		return n;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c > ' ' && c < 0x7f && ++seen == max + 2)
			return i + 1;
	}
	return n;
}

/*
 * sa_html_name - whether SpamAssassin takes a part for HTML by its name
 * (Message::Node effective_type: *.htm, *.html, *.shtml, any type)
 */
static bool
sa_html_name(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;

	return (n > 4 && strcasecmp(name + n - 4, ".htm") == 0) ||
	    (n > 5 && strcasecmp(name + n - 5, ".html") == 0) ||
	    (n > 5 && strcasecmp(name + n - 5, ".shtm") == 0) ||
	    (n > 6 && strcasecmp(name + n - 6, ".shtml") == 0);
}

/*
 * sa_html_facts - SpamAssassin's facts of the markup in b->conv
 * (html_sa.h), for the first VG_HTML_SA_MAX_PARTS HTML parts
 */
static int
sa_html_facts(struct build *b)
{
	struct vg_text *t = &b->p->pub;
	int rc;

	if (t->nhtml_sa >= VG_HTML_SA_MAX_PARTS || b->conv.len == 0)
		return 0;
	rc = vg_html_sa_parse(
	    &t->html_sa[t->nhtml_sa], b->conv.data, b->conv.len);
	if (rc == 0)
		t->nhtml_sa++;
	return rc;
}

/* text_part - a text leaf: rawbody, body and URIs */
static int
text_part(struct build *b, const struct vg_mime_leaf *lf, const void *data,
    size_t len)
{
	struct vg_text *t = &b->p->pub;
	bool html = strcasecmp(lf->content_type, "text/html") == 0;
	size_t before;
	int rc;

	vg_buf_reset(&b->conv);
	rc = vg_hdr_to_utf8(&b->conv, lf->charset, data, len);
	if ((rc = soft(b, rc, VG_TEXT_F_DECODED_LIMIT)) != 0)
		return rc;
	if (b->conv.len == 0)
		return 0;
	if ((rc = add_segment(b)) != 0)
		return rc;
	/* Only what scan_compact() keeps: see raw_prefix(), body_prefix(). */
	rc = add_rawbody(b, b->conv.data,
	    raw_prefix(b->conv.data, b->conv.len, b->lim->max_rawbody_scan));
	if ((rc = soft(b, rc, VG_TEXT_F_DECODED_LIMIT)) != 0)
		return rc;
	before = b->body.len;
	if (html || sa_html_name(lf->filename)) {
		if ((rc = sa_html_facts(b)) != 0)
			return rc;
	}
	if (html) {
		rc = vg_html_render(
		    &b->fold, &b->uris, &t->html, b->conv.data, b->conv.len);
		if ((rc = soft(b, rc, VG_TEXT_F_DECODED_LIMIT)) != 0)
			return rc;
		/* Links written as text in the rendered page. */
		if (b->body.len > before)
			rc = vg_uri_extract(&b->uris, b->body.data + before,
			    b->body.len - before);
	} else {
		b->plain_chars += vg_html_fold_text(&b->fold, b->conv.data,
		    body_prefix(
		        b->conv.data, b->conv.len, b->lim->max_body_scan),
		    true);
		vg_html_fold_end_lines(&b->fold);
		rc = soft(b, b->fold.rc, VG_TEXT_F_DECODED_LIMIT);
		if (rc == 0)
			rc =
			    vg_uri_extract(&b->uris, b->conv.data, b->conv.len);
	}
	return soft(b, rc, VG_TEXT_F_URI_LIMIT);
}

/* on_leaf - the MIME walker's callback */
static int
on_leaf(void *ctx, const struct vg_mime_leaf *lf)
{
	struct build *b = ctx;
	const struct vg_text_part *pt;
	int rc;

	if ((rc = add_part(b, lf)) != 0)
		return rc;
	pt = &b->p->pub.parts[b->p->pub.nparts - 1];
	if (strncasecmp(lf->content_type, "text/", 5) != 0) {
		/* An attachment named *.html is HTML to SpamAssassin's
		 * HTMLEval (not to the body view). */
		if (!sa_html_name(lf->filename) || pt->data == NULL)
			return 0;
		vg_buf_reset(&b->conv);
		rc = vg_hdr_to_utf8(&b->conv, lf->charset, pt->data, pt->len);
		if ((rc = soft(b, rc, VG_TEXT_F_DECODED_LIMIT)) != 0)
			return rc;
		return sa_html_facts(b);
	}
	return text_part(b, lf, pt->data, pt->len);
}

/* subject_line - the decoded Subject as the body's first paragraph */
static int
subject_line(struct build *b)
{
	const struct vg_text *t = &b->p->pub;
	size_t i;

	for (i = 0; i < t->nheaders; i++) {
		if (strcasecmp(t->headers[i].name, "Subject") == 0) {
			vg_html_fold_text(&b->fold, t->headers[i].value,
			    strlen(t->headers[i].value), false);
			vg_html_fold_para(&b->fold);
			return soft(b, b->fold.rc, VG_TEXT_F_DECODED_LIMIT);
		}
	}
	return 0;
}

/* html_flags - summarise the HTML counts */
static unsigned
html_flags(const struct vg_text_html *h, size_t plain_chars)
{
	unsigned f = 0;

	if (h->parts == 0)
		return 0;
	f |= VG_TEXT_HTML_PRESENT;
	if (plain_chars == 0)
		f |= VG_TEXT_HTML_ONLY;
	if (h->hidden_chars > 0)
		f |= VG_TEXT_HTML_HIDDEN;
	if (h->tiny_chars > 0)
		f |= VG_TEXT_HTML_TINY;
	if (h->low_contrast_chars > 0)
		f |= VG_TEXT_HTML_LOW_CONTRAST;
	if (h->link_mismatch > 0)
		f |= VG_TEXT_HTML_LINK_MISMATCH;
	if (h->scripts > 0)
		f |= VG_TEXT_HTML_SCRIPT;
	if (h->forms > 0)
		f |= VG_TEXT_HTML_FORM;
	if (h->iframes > 0)
		f |= VG_TEXT_HTML_IFRAME;
	if (h->images > 0)
		f |= VG_TEXT_HTML_IMAGE;
	return f;
}

/*
 * scan_compact - cut each text part's share of a view (s, *len; parts
 * starting at start[0..nseg-1]) to at most max bytes, on a UTF-8
 * character boundary, followed by a newline, and close the gaps in place;
 * what precedes the first part (the Subject line) stays.  True when a
 * part was cut.  max 0: nothing is cut.
 */
static bool
scan_compact(char *s, size_t *len, const size_t *start, size_t nseg, size_t max)
{
	size_t w, i, r, end, n;
	bool cut = false;

	if (max == 0 || nseg == 0)
		return false;
	w = start[0];
	for (i = 0; i < nseg; i++) {
		r = start[i];
		end = i + 1 < nseg ? start[i + 1] : *len;
		n = end - r;
		if (n > max) {
			n = max;
			while (
			    n > 0 && ((unsigned char)s[r + n] & 0xC0) == 0x80)
				n--;
		}
		/* w <= r: the view only shrinks. */
		memmove(s + w, s + r, n);
		w += n;
		if (n < end - r) {
			s[w++] = '\n';
			cut = true;
		}
	}
	s[w] = '\0';
	*len = w;
	return cut;
}

/* take_buf - hand a buffer's text to the views (never NULL) */
static int
take_buf(char **store, const char **view, size_t *len, struct vg_buf *buf)
{
	*len = buf->len;
	if ((*store = vg_buf_steal(buf)) == NULL)
		return VG_ENOMEM;
	*view = *store;
	return 0;
}

/* vg_text_build - decode msg into a new struct vg_text */
int
vg_text_build(struct vg_text **out, const struct vg_msg *msg,
    const struct vg_text_limits *limits)
{
	struct vg_text_limits def;
	struct vg_mime_limits ml;
	struct build b;
	const unsigned char *raw;
	size_t len;
	unsigned mflags = 0;
	int rc;

	*out = NULL;
	if (limits == NULL) {
		vg_text_limits_default(&def);
		limits = &def;
	}
	memset(&b, 0, sizeof(b));
	b.lim = limits;
	vg_buf_init(&b.body, limits->max_decoded_bytes);
	vg_buf_init(&b.rawbody, limits->max_decoded_bytes);
	vg_buf_init(&b.conv, limits->max_decoded_bytes);
	vg_html_fold_init(&b.fold, &b.body);
	vg_uri_list_init(&b.uris, limits->max_uris);
	if ((b.p = vg_calloc(1, sizeof(*b.p))) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	if ((rc = build_headers(&b, msg)) != 0 || (rc = subject_line(&b)) != 0)
		goto out;
	ml.max_depth = limits->max_mime_depth;
	ml.max_parts = limits->max_mime_parts;
	ml.max_decoded_bytes = limits->max_decoded_bytes;
	raw = vg_msg_raw(msg, &len);
	if ((rc = vg_mime_walk(raw, len, &ml, on_leaf, &b, &mflags)) != 0)
		goto out;
	b.p->pub.flags |= mflags;
	if (b.uris.full)
		b.p->pub.flags |= VG_TEXT_F_URI_LIMIT;
	b.p->pub.html_flags = html_flags(&b.p->pub.html, b.plain_chars);
	if ((rc = take_buf(&b.p->body, &b.p->pub.body, &b.p->pub.body_len,
	         &b.body)) != 0 ||
	    (rc = take_buf(&b.p->rawbody, &b.p->pub.rawbody,
	         &b.p->pub.rawbody_len, &b.rawbody)) != 0)
		goto out;
	if (scan_compact(b.p->body, &b.p->pub.body_len, b.seg_body, b.nseg,
	        limits->max_body_scan))
		b.p->pub.flags |= VG_TEXT_F_SCAN_LIMIT;
	if (scan_compact(b.p->rawbody, &b.p->pub.rawbody_len, b.seg_raw, b.nseg,
	        limits->max_rawbody_scan))
		b.p->pub.flags |= VG_TEXT_F_SCAN_LIMIT;
	vg_uri_list_take(&b.uris, &b.p->uris, &b.p->pub.nuris);
	b.p->pub.uris = (const char **)(void *)b.p->uris;
	*out = &b.p->pub; /* handed to the caller */
	b.p = NULL;
out:
	vg_text_free(b.p != NULL ? &b.p->pub : NULL);
	vg_buf_fini(&b.body);
	vg_buf_fini(&b.rawbody);
	vg_buf_fini(&b.conv);
	vg_uri_list_fini(&b.uris);
	vg_free(b.seg_body);
	vg_free(b.seg_raw);
	return rc;
}
