/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_mimeeval - SpamAssassin's MIMEEval functions in C (the specification
 * is Mail::SpamAssassin::Plugin::MIMEEval's _check_attachments and
 * _check_mime_header, and the MIME walk of Mail::SpamAssassin::Message).
 *
 * PURPOSE  Facts of the MIME structure as written: transfer encodings,
 *	    charsets, dispositions, long quoted-printable lines, the share
 *	    of text in a multipart/alternative, parts without headers, an
 *	    epilogue after the last boundary.  SpamAssassin reads them from
 *	    the raw lines of each part, not from the decoded text, so this
 *	    file walks the raw message itself (struct vg_text keeps only
 *	    decoded parts), once per message, on first use.
 * DIFFERS  Vigil has no ok_locales setting: under SpamAssassin's default
 *	    "all", mime_faraway_charset and check_for_faraway_charset never
 *	    hit.  A line end is LF or CRLF (CR is not counted as text).
 * LIMITS   MIME nesting VG_SAMIME_DEPTH deep (deeper parts are not
 *	    read); VG_SAMIME_PARTS parts, as SpamAssassin's limit, past
 *	    which mimepart_limit_exceeded is set and the walk stops.
 * THREADS  Reentrant: reads the message only.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "message/msg.h"
#include "message/text.h"
#include "rules/rules_evalfn.h"

#define VG_SAMIME_DEPTH 20
#define VG_SAMIME_PARTS 1000
#define VG_SAMIME_HDR   1024 /* bytes kept of each header read */

/* The headers of one part that the checks read. */
struct vg_mhdr {
	char ct[VG_SAMIME_HDR], cte[VG_SAMIME_HDR], cd[VG_SAMIME_HDR];
	bool has_ct;
	const char *raw, *raw_end; /* the header block (MIMEHeader) */
};

/* vg_line - the line at s (up to end): its length without the line end */
static size_t
vg_line(const char *s, const char *end, const char **next)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	size_t n = nl != NULL ? (size_t)(nl - s) : (size_t)(end - s);

	*next = nl != NULL ? nl + 1 : end;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	return n;
}

/* vg_hdrline - "^[\041-\071\073-\176]+[ \t]*:" */
static bool
vg_hdrline(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] >= 041 && s[i] <= 0176 && s[i] != ':')
		i++;
	if (i == 0)
		return false;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i < n && s[i] == ':';
}

/* vg_keep - append s[0..n) to a header value buffer, cut at its size */
static void
vg_keep(char *dst, const char *s, size_t n)
{
	size_t have = strlen(dst);

	if (have + n >= VG_SAMIME_HDR)
		n = VG_SAMIME_HDR - 1 - have;
	memcpy(dst + have, s, n);
	dst[have + n] = '\0';
}

/*
 * vg_read_headers - the header block at s; *body where the body starts;
 * *nosep set when a non-header line ended the block without a blank line
 */
static void
vg_read_headers(const char *s, const char *end, struct vg_mhdr *h,
    const char **body, bool *nosep)
{
	char *cur = NULL;
	const char *next;

	memset(h, 0, sizeof(*h));
	*nosep = false;
	h->raw = s;
	while (s < end) {
		size_t n = vg_line(s, end, &next);

		if (n == 0) {
			s = next;
			break;
		}
		if (vg_hdrline(s, n)) {
			const char *c = memchr(s, ':', n);
			size_t k = (size_t)(c - s);

			while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'))
				k--;
			cur = NULL;
			if (k == 12 &&
			    strncasecmp(s, "Content-Type", 12) == 0) {
				cur = h->ct;
				h->has_ct = true;
			} else if (k == 25 &&
			    strncasecmp(s, "Content-Transfer-Encoding", 25) ==
			        0)
				cur = h->cte;
			else if (k == 19 &&
			    strncasecmp(s, "Content-Disposition", 19) == 0)
				cur = h->cd;
			if (cur != NULL) {
				c++;
				while (c < s + n && (*c == ' ' || *c == '\t'))
					c++;
				cur[0] = '\0';
				vg_keep(cur, c, (size_t)(s + n - c));
			}
		} else if ((*s == ' ' || *s == '\t') && cur != NULL) {
			vg_keep(cur, s, n);
		} else if (!(*s == ' ' || *s == '\t')) {
			*nosep = true; /* the body starts here */
			break;
		}
		s = next;
	}
	*body = s;
	h->raw_end = s;
}

/* vg_lower - lower-case s in place */
static void
vg_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* vg_find_ci - the first case-insensitive occurrence of w in s, or NULL */
static const char *
vg_find_ci(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s != '\0'; s++)
		if (strncasecmp(s, w, n) == 0)
			return s;
	return NULL;
}

/* vg_param - the value of "name=" in a Content-Type (quotes removed) */
static bool
vg_param(const char *ct, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);
	const char *p;

	for (p = ct; (p = vg_find_ci(p, name)) != NULL; p += nl) {
		const char *v = p + nl;
		size_t n = 0;

		if (p > ct && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v++ != '=')
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v == '"' || *v == '\'') {
			char q = *v++;

			while (v[n] != '\0' && v[n] != q && n + 1 < size)
				n++;
		} else {
			while (v[n] != '\0' && v[n] != ';' && v[n] != ' ' &&
			    v[n] != '\t' && n + 1 < size)
				n++;
		}
		memcpy(out, v, n);
		out[n] = '\0';
		return n > 0;
	}
	return false;
}

/* vg_ctype - parse_content_type()'s type: lower case, text/ folded */
static void
vg_ctype(const char *ct, bool has, char *out, size_t size)
{
	size_t n = 0;

	if (!has)
		ct = "text/plain";
	while (isspace((unsigned char)*ct))
		ct++;
	while (ct[n] != '\0' && ct[n] != ';' &&
	    !isspace((unsigned char)ct[n]) && n + 1 < size) {
		out[n] = (char)tolower((unsigned char)ct[n]);
		n++;
	}
	out[n] = '\0';
	if (n == 0 ||
	    (strncmp(out, "text", 4) == 0 &&
	        (out[4] == '/' || out[4] == '\0') &&
	        strcmp(out, "text/x-vcard") != 0 &&
	        strcmp(out, "text/calendar") != 0 &&
	        strcmp(out, "text/html") != 0))
		snprintf(out, size, "text/plain");
}

/* vg_bad_iso - "iso-\S+-\S+\b" but not iso-8859-N or iso-2022-jp/kr */
static bool
vg_bad_iso(const char *cs)
{
	const char *p = strstr(cs, "iso-");
	const char *d;

	if (p == NULL || p[4] == '\0')
		return false;
	d = strchr(p + 5, '-');
	if (d == NULL || d[1] == '\0')
		return false;
	if (strncmp(p, "iso-8859-", 9) == 0 && isdigit((unsigned char)p[9]) &&
	    (!isdigit((unsigned char)p[10]) ||
	        !isalnum((unsigned char)p[11])) &&
	    !isalnum((unsigned char)p[isdigit((unsigned char)p[10]) ? 11 : 10]))
		return false;
	if ((strncmp(p, "iso-2022-jp", 11) == 0 ||
	        strncmp(p, "iso-2022-kr", 11) == 0) &&
	    !isalnum((unsigned char)p[11]))
		return false;
	return true;
}

/* vg_ascii_cs - the charsets SpamAssassin counts as ASCII */
static bool
vg_ascii_cs(const char *cs)
{
	static const char *const names[] = {"us-ascii", "ansi_x3.4-1968",
	    "iso-ir-6", "ansi_x3.4-1986", "iso_646.irv:1991", "ascii",
	    "iso646-us", "us", "ibm367", "cp367", "csascii"};
	size_t i;

	for (i = 0; i < VG_NELEM(names); i++)
		if (strstr(cs, names[i]) != NULL)
			return true;
	return false;
}

/* vg_leaf_lines - the raw lines of one leaf part */
static void
vg_leaf_lines(struct vg_samime *m, const char *s, const char *end,
    const char *ctype, const char *cte, const char *cs, bool attach)
{
	bool count_bytes = m->multi_alt && !attach &&
	    (strcmp(ctype, "text/plain") == 0 ||
	        strcmp(ctype, "text/html") == 0);
	bool qp = strcmp(cte, "quoted-printable") == 0;
	bool ascii = strcmp(ctype, "text/plain") == 0 &&
	    (*cs == '\0' || strcmp(cs, "us-ascii") == 0);
	bool b64 =
	    strcmp(cte, "base64") == 0 && strcmp(ctype, "application/ics") != 0;
	bool plain7 = strcmp(ctype, "text/plain") == 0 &&
	    (*cte == '\0' || strcmp(cte, "7bit") == 0 ||
	        strcmp(cte, "8bit") == 0);
	size_t bytes = 0;
	const char *next;

	while (s < end) {
		size_t n = vg_line(s, end, &next);
		size_t full = (size_t)(next - s); /* with its line end */
		size_t i;

		if (full > n + 1)
			full = n + 1; /* CRLF counts as one */
		if (count_bytes)
			bytes += full;
		if (b64 && full > m->b64_maxlen)
			m->b64_maxlen = full;
		if (qp && !(n >= 6 && strncmp(s, "SPAM: ", 6) == 0)) {
			size_t c = 0, trail = 0, k;

			if (full > 79)
				m->qp_long_line = true;
			m->qp_bytes += full;
			/* =(?:09|3[0-9ABCEF]|[2456][0-9A-F]|7[0-9A-E]) */
			for (i = 0; i + 2 < n; i++) {
				char x = s[i + 1], y = s[i + 2];
				bool dig = isdigit((unsigned char)y) != 0;

				if (s[i] != '=')
					continue;
				if ((x == '0' && y == '9') ||
				    (x == '3' &&
				        (dig ||
				            (y >= 'A' && y <= 'F' &&
				                y != 'D'))) ||
				    ((x == '2' || x == '4' || x == '5' ||
				         x == '6') &&
				        (dig || (y >= 'A' && y <= 'F'))) ||
				    (x == '7' &&
				        (dig || (y >= 'A' && y <= 'E')))) {
					c++;
					i += 2;
				}
			}
			/* trailing =09/=20 before the line end */
			k = n;
			while (k > 0 && isspace((unsigned char)s[k - 1]))
				k--;
			while (k >= 3 && s[k - 3] == '=' &&
			    ((s[k - 2] == '0' && s[k - 1] == '9') ||
			        (s[k - 2] == '2' && s[k - 1] == '0'))) {
				trail++;
				k -= 3;
			}
			if (c > 0)
				m->qp_count += c - (trail < c ? trail : c);
		}
		if (ascii) {
			for (i = 0; i < n; i++) {
				unsigned char b = (unsigned char)s[i];

				if (b == 0 || b == 0x0d || b >= 0x80) {
					m->ascii_illegal++;
					break;
				}
			}
		}
		if (plain7) {
			size_t subs = 0, len = n + (next > s + n ? 1 : 0);

			for (i = 0; i + 8 <= n; i++)
				if (strncmp(s + i, "&#x", 3) == 0 &&
				    isxdigit((unsigned char)s[i + 3]) &&
				    isxdigit((unsigned char)s[i + 4]) &&
				    isxdigit((unsigned char)s[i + 5]) &&
				    isxdigit((unsigned char)s[i + 6]) &&
				    s[i + 7] == ';' &&
				    !islower((unsigned char)s[i + 3]) &&
				    !islower((unsigned char)s[i + 4]) &&
				    !islower((unsigned char)s[i + 5]) &&
				    !islower((unsigned char)s[i + 6])) {
					subs++;
					i += 7;
				}
			m->unicode_chars += subs;
			m->normal_chars += len - subs * 8;
		}
		s = next;
	}
	if (!attach && strcmp(ctype, "text/html") == 0) {
		m->last_html = bytes;
		m->have_html = true;
	} else if (!attach && strcmp(ctype, "text/plain") == 0) {
		m->last_plain = bytes;
		m->have_plain = true;
	}
}

static void vg_walk(struct vg_samime *m, const struct vg_mhdr *h,
    const char *body, const char *end, unsigned depth, bool in_alt);

/* vg_walk_multipart - the parts between the boundaries of body */
static void
vg_walk_multipart(struct vg_samime *m, const char *boundary, const char *s,
    const char *end, unsigned depth, bool alt)
{
	size_t bl = strlen(boundary);
	const char *part = NULL, *next;
	bool opened = false;

	while (s < end) {
		const char *line = s;
		size_t n = vg_line(s, end, &next);
		bool delim = n >= 2 + bl && line[0] == '-' && line[1] == '-' &&
		    strncmp(line + 2, boundary, bl) == 0;
		bool close = false;

		if (delim) {
			size_t k = 2 + bl;

			if (k + 2 <= n && line[k] == '-' &&
			    line[k + 1] == '-') {
				close = true;
				k += 2;
			}
			while (k < n && isspace((unsigned char)line[k]))
				k++;
			delim = k == n;
		}
		s = next;
		if (!delim)
			continue;
		if (opened && part != NULL) {
			struct vg_mhdr h;
			const char *body;
			bool nosep;

			if (++m->parts >= VG_SAMIME_PARTS) {
				m->limit = true;
				return;
			}
			vg_read_headers(part, line, &h, &body, &nosep);
			if (nosep)
				m->missing_hb_sep = true;
			vg_walk(m, &h, body, line, depth + 1, alt);
		}
		opened = true;
		part = s;
		/* the line after a boundary must be a header */
		if (!close && s < end) {
			const char *nx;
			size_t k = vg_line(s, end, &nx);

			if (!vg_hdrline(s, k))
				m->missing_mime_headers = true;
		}
		if (close) {
			/* an epilogue: a line with more than blanks and dots */
			for (; s < end; s++)
				if (!isspace((unsigned char)*s) && *s != '.') {
					m->epilogue = true;
					break;
				}
			return;
		}
	}
	/* No closing boundary: the last part runs to the end. */
	if (opened && part != NULL && part < end) {
		struct vg_mhdr h;
		const char *body;
		bool nosep;

		if (++m->parts >= VG_SAMIME_PARTS) {
			m->limit = true;
			return;
		}
		vg_read_headers(part, end, &h, &body, &nosep);
		if (nosep)
			m->missing_hb_sep = true;
		vg_walk(m, &h, body, end, depth + 1, alt);
	}
}

/* vg_walk - one part: _check_mime_header, then its children or lines */
static void
vg_walk(struct vg_samime *m, const struct vg_mhdr *h, const char *body,
    const char *end, unsigned depth, bool in_alt)
{
	char ctype[128], cs[128] = "", cte[VG_SAMIME_HDR], cd[VG_SAMIME_HDR];
	char boundary[256];
	bool attach;

	if (depth > VG_SAMIME_DEPTH || m->limit)
		return;
	/* Each part's header block, in SpamAssassin's order (MIMEHeader). */
	if (h->raw != NULL && m->nhdrs < VG_SAMIME_HDR_PARTS) {
		m->hdr_s[m->nhdrs] = h->raw;
		m->hdr_e[m->nhdrs++] = h->raw_end;
	}
	vg_ctype(h->ct, h->has_ct, ctype, sizeof(ctype));
	if (h->has_ct)
		(void)vg_param(h->ct, "charset", cs, sizeof(cs));
	vg_lower(cs);
	snprintf(cte, sizeof(cte), "%s", h->cte);
	vg_lower(cte);
	snprintf(cd, sizeof(cd), "%s", h->cd);
	vg_lower(cd);
	attach = strstr(cd, "attachment") != NULL;
	if (strcmp(ctype, "multipart/alternative") == 0)
		m->multi_alt = true;
	if (strcmp(ctype, "text/html") == 0)
		m->html++;
	else if (strncmp(ctype, "text", 4) == 0)
		m->text++;
	if (strstr(cte, "base64") != NULL)
		m->base64++;
	else if (strstr(cte, "quoted-printable") != NULL)
		m->qp++;
	if (attach)
		m->attachment++;
	if (strncmp(ctype, "text", 4) == 0 && strstr(cte, "base64") != NULL &&
	    (*cs == '\0' || vg_ascii_cs(cs)) &&
	    !(strncmp(cd, "attachment", 10) == 0 ||
	        strncmp(cd, "inline", 6) == 0))
		m->base64_text = true;
	if (vg_bad_iso(cs))
		m->bad_iso = true;
	if (in_alt && strcmp(ctype, "multipart/related") != 0 &&
	    strcmp(ctype, "application/rtf") != 0 &&
	    strncmp(ctype, "text/", 5) != 0)
		m->ma_non_text = true;
	if (strncmp(ctype, "multipart/", 10) == 0 &&
	    vg_param(h->ct, "boundary", boundary, sizeof(boundary))) {
		vg_walk_multipart(m, boundary, body, end, depth,
		    in_alt || strcmp(ctype, "multipart/alternative") == 0);
		return;
	}
	if (strcmp(ctype, "message/rfc822") == 0) {
		struct vg_mhdr inner;
		const char *ib;
		bool nosep;

		vg_read_headers(body, end, &inner, &ib, &nosep);
		vg_walk(m, &inner, ib, end, depth + 1, false);
		return;
	}
	if (strncmp(ctype, "image/", 6) == 0)
		vg_sa_image_part(m, ctype, cte, body, end);
	vg_leaf_lines(m, body, end, ctype, cte, cs, attach);
}

/* vg_sa_mime - the MIME facts of the message, walked on first use */
const struct vg_samime *
vg_sa_mime(struct vg_sactx *c)
{
	struct vg_samime *m = &c->mime;
	struct vg_mhdr h;
	const char *raw, *v;
	size_t len = 0, off;

	if (c->mime_done)
		return m;
	c->mime_done = true;
	memset(m, 0, sizeof(*m));
	m->mp_ratio = 1.0;
	if (c->msg == NULL ||
	    (raw = (const char *)vg_msg_raw(c->msg, &len)) == NULL)
		return m;
	off = vg_msg_body_offset(c->msg);
	if (off > len)
		off = len;
	memset(&h, 0, sizeof(h));
	h.raw = raw;
	h.raw_end = raw + off;
	if ((v = vg_sactx_header(c, "Content-Type", true, 0)) != NULL) {
		h.has_ct = true;
		vg_keep(h.ct, v, strlen(v));
	}
	if ((v = vg_sactx_header(c, "Content-Transfer-Encoding", true, 0)) !=
	    NULL)
		vg_keep(h.cte, v, strlen(v));
	if ((v = vg_sactx_header(c, "Content-Disposition", true, 0)) != NULL)
		vg_keep(h.cd, v, strlen(v));
	vg_walk(m, &h, raw + off, raw + len, 0, false);
	if (m->multi_alt && m->have_html && m->have_plain && m->last_html > 0)
		m->mp_ratio = (double)m->last_plain / (double)m->last_html;
	return m;
}

/* vg_sa_ct_html - the top Content-Type starts text/html */
static bool
vg_sa_ct_html(const struct vg_sactx *c)
{
	const char *ct = vg_sactx_header(c, "Content-Type", false, 0);

	return ct != NULL && strncasecmp(ct, "text/html", 9) == 0;
}

/* check_for_mime_html: an HTML part */
static int
vg_sa_mime_html(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)a;
	return vg_sa_ct_html(c) || vg_sa_mime(c)->html > 0;
}

/* check_for_mime_html_only: HTML parts and no other text part */
static int
vg_sa_mime_html_only(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_samime *m;

	(void)a;
	if (vg_sa_ct_html(c))
		return 1;
	m = vg_sa_mime(c);
	return m->html > 0 && m->text == 0;
}

/* The names check_for_mime() takes. */
enum {
	VG_FM_ATTACHMENT,
	VG_FM_BASE64_COUNT,
	VG_FM_QP_COUNT,
	VG_FM_BASE64_TEXT,
	VG_FM_QP_LONG_LINE,
	VG_FM_BAD_ISO,
	VG_FM_LIMIT,
	VG_FM_FARAWAY,
};

static const char *const vg_for_mime_names[] = {
    [VG_FM_ATTACHMENT] = "mime_attachment",
    [VG_FM_BASE64_COUNT] = "mime_base64_count",
    [VG_FM_QP_COUNT] = "mime_qp_count",
    [VG_FM_BASE64_TEXT] = "mime_base64_encoded_text",
    [VG_FM_QP_LONG_LINE] = "mime_qp_long_line",
    [VG_FM_BAD_ISO] = "mime_bad_iso_charset",
    [VG_FM_LIMIT] = "mimepart_limit_exceeded",
    [VG_FM_FARAWAY] = "mime_faraway_charset",
};

/* check_for_mime(NAME): one of the counted facts */
static int
vg_sa_check_for_mime(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_samime *m = vg_sa_mime(c);

	switch (a->sel) {
	case VG_FM_ATTACHMENT:
		return m->attachment > 0;
	case VG_FM_BASE64_COUNT:
		return m->base64 > 0;
	case VG_FM_QP_COUNT:
		/* the QP-encoded bytes once counted, else the parts */
		return m->qp_bytes > 0 ? m->qp_count > 0 : m->qp > 0;
	case VG_FM_BASE64_TEXT:
		return m->base64_text;
	case VG_FM_QP_LONG_LINE:
		return m->qp_long_line;
	case VG_FM_BAD_ISO:
		return m->bad_iso;
	case VG_FM_LIMIT:
		return m->limit;
	default:
		return 0; /* mime_faraway_charset: ok_locales all */
	}
}

static int
vg_sa_prep_for_mime(struct vg_evalargs *a, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; i < VG_NELEM(vg_for_mime_names); i++)
		if (strcmp(a->str[0], vg_for_mime_names[i]) == 0) {
			a->sel = (int)i;
			return 0;
		}
	snprintf(why, whylen, "eval:check_for_mime('%s') is not implemented",
	    a->str[0]);
	return VG_ECONFIG;
}

/* check_msg_parse_flags(NAME): the MIME walk's flags */
static int
vg_sa_parse_flags(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_samime *m = vg_sa_mime(c);

	switch (a->sel) {
	case 0:
		return m->missing_hb_sep;
	case 1:
		return m->missing_mime_headers;
	case 2:
		return m->epilogue;
	default:
		return 0;
	}
}

static int
vg_sa_prep_parse_flags(struct vg_evalargs *a, char *why, size_t whylen)
{
	static const char *const names[] = {"missing_mime_head_body_separator",
	    "missing_mime_headers", "mime_epilogue_exists"};
	size_t i;

	for (i = 0; i < VG_NELEM(names); i++)
		if (strcmp(a->str[0], names[i]) == 0) {
			a->sel = (int)i;
			return 0;
		}
	snprintf(why, whylen,
	    "eval:check_msg_parse_flags('%s') is not implemented", a->str[0]);
	return VG_ECONFIG;
}

/* check_mime_multipart_ratio(MIN, MAX): text / HTML bytes */
static int
vg_sa_mp_ratio(struct vg_sactx *c, const struct vg_evalargs *a)
{
	double r = vg_sa_mime(c)->mp_ratio;

	return r >= a->num[0] && r < a->num[1];
}

/* check_for_ascii_text_illegal: 8-bit bytes in a us-ascii text part */
static int
vg_sa_ascii_illegal(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)a;
	return vg_sa_mime(c)->ascii_illegal > 0;
}

/* check_abundant_unicode_ratio(R): &#xHHHH; per byte of plain text */
static int
vg_sa_unicode_ratio(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_samime *m = vg_sa_mime(c);

	if (m->normal_chars == 0)
		return 0;
	return (double)m->unicode_chars / (double)m->normal_chars >= a->num[0];
}

/* check_base64_length(MIN[, MAX]): the longest line of base64 parts */
static int
vg_sa_b64_length(struct vg_sactx *c, const struct vg_evalargs *a)
{
	double len = (double)vg_sa_mime(c)->b64_maxlen;

	if (a->n > 1 && len > a->num[1])
		return 0;
	return len >= a->num[0];
}

/* check_ma_non_text: a non-text part inside multipart/alternative */
static int
vg_sa_ma_non_text(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)a;
	return vg_sa_mime(c)->ma_non_text;
}

static int
vg_sa_prep_nums2(struct vg_evalargs *a, char *why, size_t whylen)
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

static int
vg_sa_mime_never(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)c;
	(void)a;
	return 0;
}

const struct vg_evalfn vg_sa_mimeeval[] = {
    {.name = "check_for_mime_html",
        .plugin = "MIMEEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_mime_html},
    {.name = "check_for_mime_html_only",
        .plugin = "MIMEEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_mime_html_only},
    {.name = "check_for_mime",
        .plugin = "MIMEEval",
        .kinds = VG_K_ANY,
        .min_args = 1,
        .max_args = 1,
        .prepare = vg_sa_prep_for_mime,
        .run = vg_sa_check_for_mime},
    {.name = "check_msg_parse_flags",
        .plugin = "MIMEEval",
        .kinds = VG_K_ANY,
        .min_args = 1,
        .max_args = 1,
        .prepare = vg_sa_prep_parse_flags,
        .run = vg_sa_parse_flags},
    {.name = "check_mime_multipart_ratio",
        .plugin = "MIMEEval",
        .kinds = VG_K_ANY,
        .min_args = 2,
        .max_args = 2,
        .prepare = vg_sa_prep_nums2,
        .run = vg_sa_mp_ratio},
    {.name = "check_for_ascii_text_illegal",
        .plugin = "MIMEEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_ascii_illegal},
    {.name = "check_abundant_unicode_ratio",
        .plugin = "MIMEEval",
        .kinds = VG_K_ANY,
        .min_args = 1,
        .max_args = 1,
        .prepare = vg_sa_prep_nums2,
        .run = vg_sa_unicode_ratio},
    {.name = "check_base64_length",
        .plugin = "MIMEEval",
        .kinds = VG_K_ANY,
        .min_args = 1,
        .max_args = 2,
        .prepare = vg_sa_prep_nums2,
        .run = vg_sa_b64_length},
    {.name = "check_ma_non_text",
        .plugin = "MIMEEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_ma_non_text},
    {.name = "check_for_faraway_charset",
        .plugin = "MIMEEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_mime_never},
    {.name = NULL},
};
