/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mime - walk the MIME tree of one raw message over GMime.
 *
 * PURPOSE  Hands every leaf part of a message, transfer-decoded, to a
 *	    callback, in order.  GMime parses (it copes with the malformed
 *	    mail we see: missing boundaries, bad headers, truncation); this
 *	    module adds the limits, decodes base64, quoted-printable and
 *	    uuencode into a capped buffer through GMime's incremental
 *	    decoders, and turns GMime's parser warnings into a flag.  A
 *	    message without MIME structure is one text/plain leaf.  The
 *	    parse reads the caller's bytes in place (a GByteArray that does
 *	    not own them; GMime keeps parts as substreams), so a message is
 *	    not copied.
 * OWNS     The leaf passed to the callback is borrowed for the call; its
 *	    data buffer may be taken with vg_buf_steal().  The raw bytes
 *	    must stay valid during vg_mime_walk().
 * LIMITS   max_depth: multiparts and message/rfc822 nested deeper are not
 *	    entered (VG_TEXT_F_DEPTH_LIMIT).  max_parts: leaves after that
 *	    many are not decoded and the walk stops (VG_TEXT_F_PARTS_LIMIT).
 *	    max_decoded_bytes: the decoded bytes of all leaves together; the
 *	    leaf that reaches it is cut (leaf->truncated) and later leaves
 *	    come with no data (VG_TEXT_F_DECODED_LIMIT).  GMime's parser has
 *	    its own nesting guard; what it reports becomes
 *	    VG_TEXT_F_MALFORMED.  Every limit leaves the walk successful.
 * ERRORS   VG_ENOMEM; a callback's non-zero return stops the walk and is
 *	    returned.  A message GMime cannot parse at all is reported as
 *	    VG_TEXT_F_MALFORMED with no leaves, not as an error.
 * THREADS  Reentrant after g_mime_init() (vg_text_global_init()): each
 *	    walk has its own parser, options and objects.
 */
#ifndef VG_MIME_H
#define VG_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

struct vg_mime_limits {
	size_t max_depth;
	size_t max_parts;
	size_t max_decoded_bytes;
};

struct vg_mime_leaf {
	const char *content_type; /* "type/subtype" as written (any case) */
	const char *charset;      /* the charset parameter, or NULL */
	const char *filename;     /* decoded UTF-8 file name, or NULL */
	const char *disposition;  /* as written, or NULL */
	size_t depth;             /* containers above this leaf */
	struct vg_buf *data;      /* transfer-decoded bytes (may be stolen) */
	bool truncated;           /* data stopped at max_decoded_bytes */
};

/* vg_mime_leaf_fn - called for each leaf; non-zero stops the walk */
typedef int (*vg_mime_leaf_fn)(void *ctx, const struct vg_mime_leaf *leaf);

/*
 * vg_mime_walk - parse len bytes of raw message and call fn for each leaf.
 * *flags_out gets VG_TEXT_F_* bits (text.h) for limits and damage.
 */
int vg_mime_walk(const void *raw, size_t len,
    const struct vg_mime_limits *limits, vg_mime_leaf_fn fn, void *ctx,
    unsigned *flags_out);

/* vg_mime_global_init - g_mime_init(), once per process */
int vg_mime_global_init(void);

#endif /* VG_MIME_H */
