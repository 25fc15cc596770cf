/* SPDX-License-Identifier: GPL-2.0-only */
/* mime - the MIME walk over GMime, with limits and capped decoding */
#include <stdint.h>
#include <string.h>

#include <gmime/gmime.h>

#include "base/err.h"
#include "message/mime.h"
#include "message/text.h"

/* One walk. */
struct walk {
	const struct vg_mime_limits *lim;
	vg_mime_leaf_fn fn;
	void *ctx;
	unsigned flags; /* VG_TEXT_F_* */
	size_t parts;   /* leaves seen */
	size_t left;    /* decoded bytes still allowed */
	bool stop;      /* the part limit was reached */
	int rc;
};

/* on_warning - GMime's parser reports damage; the serious kinds count */
static void
on_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
    gpointer user_data)
{
	struct walk *w = user_data;

	(void)offset;
	(void)item;
	switch (code) {
	case GMIME_WARN_MALFORMED_MULTIPART:
	case GMIME_WARN_TRUNCATED_MESSAGE:
	case GMIME_WARN_MALFORMED_MESSAGE:
	case GMIME_WARN_PART_WITHOUT_CONTENT:
	case GMIME_CRIT_INVALID_HEADER_NAME:
	case GMIME_CRIT_CONFLICTING_HEADER:
	case GMIME_CRIT_CONFLICTING_PARAMETER:
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
	case GMIME_CRIT_NESTING_OVERFLOW:
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		w->flags |= VG_TEXT_F_MALFORMED;
		break;
	case GMIME_WARN_DUPLICATED_HEADER:
	case GMIME_WARN_DUPLICATED_PARAMETER:
	case GMIME_WARN_UNENCODED_8BIT_HEADER:
	case GMIME_WARN_INVALID_CONTENT_TYPE:
	case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
	case GMIME_WARN_INVALID_PARAMETER:
	case GMIME_WARN_INVALID_ADDRESS_LIST:
		/* Common in legitimate mail: not damage worth a flag. */
		break;
	}
}

/* append_some - append what fits of n bytes; true if all of it did */
static int
append_some(struct vg_buf *out, const char *p, size_t n, bool *cut)
{
	size_t room;
	int rc;

	if ((rc = vg_buf_append(out, p, n)) != VG_ELIMIT)
		return rc;
	*cut = true;
	room = out->max > out->len ? out->max - out->len : 0;
	if (room > n)
		room = n;
	return room > 0 ? vg_buf_append(out, p, room) : 0;
}

/* decode_part - transfer-decode a leaf's content into out (capped) */
static int
decode_part(GMimePart *part, struct vg_buf *out, bool *cut)
{
	GMimeDataWrapper *dw;
	GMimeStream *st;
	GMimeContentEncoding enc;
	GMimeEncoding state;
	char in[4096], dec[2 * sizeof(in) + 64];
	bool decode;
	ssize_t got;
	size_t n;
	int rc = 0;

	if ((dw = g_mime_part_get_content(part)) == NULL)
		return 0;
	if ((st = g_mime_data_wrapper_get_stream(dw)) == NULL)
		return 0;
	enc = g_mime_data_wrapper_get_encoding(dw);
	decode = enc == GMIME_CONTENT_ENCODING_BASE64 ||
	    enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    enc == GMIME_CONTENT_ENCODING_UUENCODE;
	if (decode) {
		g_mime_encoding_init_decode(&state, enc);
		if (g_mime_encoding_outlen(&state, sizeof(in)) > sizeof(dec))
			return VG_EINTERNAL;
	}
	if (g_mime_stream_reset(st) == -1)
		return 0;
	while (!*cut && (got = g_mime_stream_read(st, in, sizeof(in))) > 0) {
		if (decode) {
			n = g_mime_encoding_step(&state, in, (size_t)got, dec);
			rc = append_some(out, dec, n, cut);
		} else {
			rc = append_some(out, in, (size_t)got, cut);
		}
		if (rc != 0)
			return rc;
	}
	if (decode && !*cut) {
		n = g_mime_encoding_flush(&state, in, 0, dec);
		rc = append_some(out, dec, n, cut);
	}
	return rc;
}

/* leaf - decode one leaf part and hand it to the callback */
static void
leaf(struct walk *w, GMimeObject *obj, size_t depth)
{
	struct vg_mime_leaf lf;
	struct vg_buf data;
	GMimeContentType *ct;
	char *mime_type = NULL;

	if (++w->parts > w->lim->max_parts) {
		w->flags |= VG_TEXT_F_PARTS_LIMIT;
		w->stop = true;
		return;
	}
	memset(&lf, 0, sizeof(lf));
	ct = g_mime_object_get_content_type(obj);
	if (ct != NULL)
		mime_type = g_mime_content_type_get_mime_type(ct);
	lf.content_type = mime_type != NULL ? mime_type : "text/plain";
	lf.charset = g_mime_object_get_content_type_parameter(obj, "charset");
	lf.disposition = g_mime_object_get_disposition(obj);
	lf.depth = depth;
	vg_buf_init(&data, w->left);
	lf.data = &data;
	if (GMIME_IS_PART(obj)) {
		lf.filename = g_mime_part_get_filename((GMimePart *)obj);
		w->rc = decode_part((GMimePart *)obj, &data, &lf.truncated);
	}
	if (w->rc == 0) {
		if (lf.truncated)
			w->flags |= VG_TEXT_F_DECODED_LIMIT;
		w->left -= data.len;
		w->rc = w->fn(w->ctx, &lf);
	}
	vg_buf_fini(&data);
	g_free(mime_type);
}

/* walk - visit obj and what it contains */
static void
walk(struct walk *w, GMimeObject *obj, size_t depth)
{
	if (obj == NULL || w->stop || w->rc != 0)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = (GMimeMultipart *)obj;
		int i, n = g_mime_multipart_get_count(mp);

		if (depth + 1 > w->lim->max_depth) {
			w->flags |= VG_TEXT_F_DEPTH_LIMIT;
			return;
		}
		for (i = 0; i < n && !w->stop && w->rc == 0; i++)
			walk(w, g_mime_multipart_get_part(mp, i), depth + 1);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m =
		    g_mime_message_part_get_message((GMimeMessagePart *)obj);

		if (depth + 1 > w->lim->max_depth) {
			w->flags |= VG_TEXT_F_DEPTH_LIMIT;
			return;
		}
		if (m != NULL)
			walk(w, g_mime_message_get_mime_part(m), depth + 1);
		return;
	}
	leaf(w, obj, depth);
}

/* vg_mime_walk - parse a raw message and call fn for each leaf */
int
vg_mime_walk(const void *raw, size_t len, const struct vg_mime_limits *limits,
    vg_mime_leaf_fn fn, void *ctx, unsigned *flags_out)
{
	struct walk w;
	GByteArray *arr = NULL;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeParserOptions *opts;
	GMimeMessage *msg;

	memset(&w, 0, sizeof(w));
	w.lim = limits;
	w.fn = fn;
	w.ctx = ctx;
	w.left = limits->max_decoded_bytes;
	if (len > 0) {
		/*
		 * Read the caller's bytes in place: the array does not own
		 * them (freed with FALSE below) and neither does the stream.
		 * GMime only reads from a stream it parses.
		 */
		arr = g_byte_array_new_take((guint8 *)(uintptr_t)raw, len);
		stream = g_mime_stream_mem_new_with_byte_array(arr);
		g_mime_stream_mem_set_owner((GMimeStreamMem *)stream, FALSE);
	} else {
		stream = g_mime_stream_mem_new();
	}
	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_address_compliance_mode(
	    opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(
	    opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_rfc2047_compliance_mode(
	    opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_warning_callback(opts, on_warning, &w);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	g_mime_parser_set_persist_stream(parser, TRUE);
	msg = g_mime_parser_construct_message(parser, opts);
	if (msg == NULL)
		w.flags |= VG_TEXT_F_MALFORMED;
	else
		walk(&w, g_mime_message_get_mime_part(msg), 0);
	if (msg != NULL)
		g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(stream);
	g_mime_parser_options_free(opts);
	if (arr != NULL)
		(void)g_byte_array_free(arr, FALSE);
	*flags_out = w.flags;
	return w.rc;
}

/* vg_mime_global_init - g_mime_init(), once per process */
int
vg_mime_global_init(void)
{
	g_mime_init();
	return 0;
}
