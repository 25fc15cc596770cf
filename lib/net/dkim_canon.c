/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dkim_canon - DKIM's simple and relaxed canonicalisation (RFC 6376 3.4)
 * of header fields and bodies, into a sink (a hash, or a buffer for the
 * tests).  Line ends may be CRLF (the milter) or LF (a file given to
 * `vigil scan`): both are one line end and come out as CRLF, so a message
 * verifies the same way from either.  A CR not followed by LF is data.
 */
#include <string.h>

#include "base/buf.h"
#include "net/dkim_int.h"

/* is_wsp - SP or HTAB */
static inline bool
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* emit - n bytes into the sink, honouring its limit and stop point */
static int
emit(struct vg_dkim_sink *s, const void *p, size_t n)
{
	uint64_t room;
	int rc;

	if (s->done || n == 0)
		return 0;
	if (s->has_limit && s->total < s->limit) {
		room = s->limit - s->total;
		rc = s->write(s->ctx, p, n < room ? n : (size_t)room);
		if (rc != 0)
			return rc;
	} else if (!s->has_limit) {
		if ((rc = s->write(s->ctx, p, n)) != 0)
			return rc;
	}
	s->total += n;
	if (s->total > s->stop_after)
		s->done = true;
	return 0;
}

/*
 * emit_relaxed_line - a line with runs of WSP made one SP and trailing
 * WSP dropped (the caller knows it is not all WSP)
 */
static int
emit_relaxed_line(struct vg_dkim_sink *s, const unsigned char *p, size_t n)
{
	size_t i = 0, start;
	int rc;

	while (i < n) {
		if (is_wsp(p[i])) {
			while (i < n && is_wsp(p[i]))
				i++;
			if (i < n && (rc = emit(s, " ", 1)) != 0)
				return rc;
			continue;
		}
		start = i;
		while (i < n && !is_wsp(p[i]))
			i++;
		if ((rc = emit(s, p + start, i - start)) != 0)
			return rc;
	}
	return 0;
}

/* vg_dkim_sink_body - canonicalise body into s */
int
vg_dkim_sink_body(struct vg_dkim_sink *s, const unsigned char *body, size_t len,
    enum vg_dkim_canon c)
{
	uint64_t pending = 0; /* empty lines not yet known to be inside */
	size_t pos = 0;
	int rc;

	while (pos < len && !s->done) {
		const unsigned char *lf = memchr(body + pos, '\n', len - pos);
		size_t end = lf != NULL ? (size_t)(lf - body) : len;
		size_t next = lf != NULL ? end + 1 : len;
		bool empty = true;

		if (lf != NULL && end > pos && body[end - 1] == '\r')
			end--;
		if (c == VG_DKIM_SIMPLE) {
			empty = end == pos;
		} else {
			for (size_t i = pos; i < end; i++)
				if (!is_wsp(body[i])) {
					empty = false;
					break;
				}
		}
		if (empty) {
			pending++;
		} else {
			for (; pending > 0 && !s->done; pending--)
				if ((rc = emit(s, "\r\n", 2)) != 0)
					return rc;
			if (c == VG_DKIM_SIMPLE)
				rc = emit(s, body + pos, end - pos);
			else
				rc =
				    emit_relaxed_line(s, body + pos, end - pos);
			if (rc != 0 || (rc = emit(s, "\r\n", 2)) != 0)
				return rc;
		}
		pos = next;
	}
	/* The simple form of an empty body is one CRLF; relaxed, nothing. */
	if (c == VG_DKIM_SIMPLE && s->total == 0)
		return emit(s, "\r\n", 2);
	return 0;
}

/* vg_dkim_sink_header - canonicalise one header field into s */
int
vg_dkim_sink_header(struct vg_dkim_sink *s, const unsigned char *field,
    size_t len, enum vg_dkim_canon c)
{
	const unsigned char *colon;
	size_t i, nlen, start;
	bool space = false, any = false;
	int rc;

	/* Drop the field's own line end; we add CRLF. */
	if (len > 0 && field[len - 1] == '\n')
		len--;
	if (len > 0 && field[len - 1] == '\r')
		len--;
	if (c == VG_DKIM_SIMPLE) {
		/* As it is, but each bare LF (a fold) written as CRLF. */
		start = 0;
		for (i = 0; i < len; i++) {
			if (field[i] != '\n' || (i > 0 && field[i - 1] == '\r'))
				continue;
			if ((rc = emit(s, field + start, i - start)) != 0 ||
			    (rc = emit(s, "\r\n", 2)) != 0)
				return rc;
			start = i + 1;
		}
		if ((rc = emit(s, field + start, len - start)) != 0)
			return rc;
		return emit(s, "\r\n", 2);
	}
	/* Relaxed: lower-case name without trailing WSP, ':' ... */
	colon = memchr(field, ':', len);
	nlen = colon != NULL ? (size_t)(colon - field) : len;
	while (nlen > 0 && is_wsp(field[nlen - 1]))
		nlen--;
	for (i = 0; i < nlen; i++) {
		unsigned char l = field[i];

		if (l >= 'A' && l <= 'Z')
			l = (unsigned char)(l - 'A' + 'a');
		if ((rc = emit(s, &l, 1)) != 0)
			return rc;
	}
	if ((rc = emit(s, ":", 1)) != 0)
		return rc;
	/*
	 * ... then the value unfolded (CR LF and LF removed), runs of WSP
	 * made one SP, none at either end.
	 */
	i = colon != NULL ? (size_t)(colon - field) + 1 : len;
	while (i < len) {
		unsigned char b = field[i];

		if (b == '\n' ||
		    (b == '\r' && i + 1 < len && field[i + 1] == '\n')) {
			i++;
			continue;
		}
		if (is_wsp(b)) {
			space = true;
			i++;
			continue;
		}
		if (space && any && (rc = emit(s, " ", 1)) != 0)
			return rc;
		space = false;
		start = i;
		while (i < len && !is_wsp(field[i]) && field[i] != '\n' &&
		    !(field[i] == '\r' && i + 1 < len && field[i + 1] == '\n'))
			i++;
		if ((rc = emit(s, field + start, i - start)) != 0)
			return rc;
		any = true;
	}
	return emit(s, "\r\n", 2);
}

/* buf_write - the sink's write() for a vg_buf */
static int
buf_write(void *ctx, const void *p, size_t n)
{
	return vg_buf_append(ctx, p, n);
}

/* vg_dkim_canon_header - canonical form of one field into a buffer */
int
vg_dkim_canon_header(struct vg_buf *out, const unsigned char *field, size_t len,
    enum vg_dkim_canon c)
{
	struct vg_dkim_sink s = {
	    .write = buf_write, .ctx = out, .stop_after = UINT64_MAX};

	return vg_dkim_sink_header(&s, field, len, c);
}

/* vg_dkim_canon_body - canonical form of a body into a buffer */
int
vg_dkim_canon_body(struct vg_buf *out, const unsigned char *body, size_t len,
    enum vg_dkim_canon c)
{
	struct vg_dkim_sink s = {
	    .write = buf_write, .ctx = out, .stop_after = UINT64_MAX};

	return vg_dkim_sink_body(&s, body, len, c);
}
