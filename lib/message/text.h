/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * text - the decoded views of one message that rules match against.
 *
 * PURPOSE  Parses a finished message once (MIME through GMime, HTML through
 *	    libxml2's HTML parser) into the views the rules language names:
 *	    decoded headers, "body" (visible text), "rawbody" (decoded parts,
 *	    tags kept), "uri" (every link, normalised) and the list of parts
 *	    (for the attachment policy).  Built lazily by the score stage and
 *	    shared by every rule and check of that message.
 * VIEWS    headers: every header in order, name as received, value
 *	    unfolded and RFC 2047-decoded to UTF-8 (raw: unfolded, not
 *	    decoded).  body: the Subject as first line, then the text of each
 *	    text/plain and text/html part, transfer-decoded, converted to
 *	    UTF-8, HTML rendered without tags, style or script; paragraphs
 *	    separated by "\n", runs of white space inside a paragraph folded
 *	    to one space (as SpamAssassin's body rules see it).  rawbody: the
 *	    text parts transfer-decoded and converted to UTF-8, lines kept,
 *	    HTML tags kept.  uris: from the text and from HTML href/src
 *	    attributes, lower-cased scheme and host, deduplicated, in order
 *	    of appearance.
 * OWNS     vg_text_build() returns a struct the caller frees with
 *	    vg_text_free(); all pointers inside are owned by it.
 * LIMITS   MIME depth, part count, decoded bytes, URI count: when reached,
 *	    the rest is not decoded, the matching VG_TEXT_F_* flag is set and
 *	    the views hold what was decoded so far (the message is still
 *	    scored: malformed or hostile mail is data, not an error).
 *	    max_decoded_bytes caps the transfer-decoded bytes of all parts
 *	    together, and body and rawbody each; so a message costs at most
 *	    about three times it, plus GMime's tree of the raw message.  A
 *	    decoded header value keeps at most three bytes per raw byte; one
 *	    in a charset that grows more is cut on a character boundary and
 *	    VG_TEXT_F_DECODED_LIMIT is set.
 * SCAN LIMITS  What the rules and the classifier read is bounded, as
 *	    SpamAssassin (body_part_scan_size 50,000 and
 *	    rawbody_part_scan_size 500,000 bytes per part) and rspamd do,
 *	    so that their cost, linear in the text, is bounded too: once
 *	    built, each text part's share of body is cut at max_body_scan
 *	    bytes (default 100K) and of rawbody at max_rawbody_scan (default
 *	    500K), on a UTF-8 character boundary, followed by a newline, and
 *	    VG_TEXT_F_SCAN_LIMIT is set.  Per part, as SpamAssassin's: a
 *	    text/plain part does not hide its text/html alternative.  All
 *	    parts together stay within max_decoded_bytes.  Only about what
 *	    is kept is converted into the views (a text/plain part's body
 *	    and every part's rawbody), so the cost of building them is
 *	    bounded too; the result is the same as cutting the whole.  The
 *	    classifier
 *	    tokenizes the same body view (its own max_text_bytes then
 *	    applies to what is left).  100K, not
 *	    SpamAssassin's 50,000: at 50K six corpus messages scored
 *	    differently (rules matching past 50K of one part; a spam fell
 *	    under required_score), at 100K none.  URIs and the HTML
 *	    signals come from the whole decoded text (up to
 *	    max_decoded_bytes), not from the cut views.
 * ERRORS   VG_ENOMEM; VG_EINTERNAL if the MIME library fails outright.
 *	    A message GMime cannot parse at all is VG_TEXT_F_MALFORMED with
 *	    the Subject as the only body text, not an error.
 * THREADS  A finished struct vg_text is read-only.
 */
#ifndef VG_TEXT_H
#define VG_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct vg_conf;
struct vg_msg;
struct vg_html_sa;

/* text/html parts whose SpamAssassin facts are kept (html_sa.h). */
#define VG_TEXT_HTML_SA_MAX 16

struct vg_text_limits {
	size_t max_mime_depth;    /* nested multiparts / message/rfc822 */
	size_t max_mime_parts;    /* leaf parts decoded */
	size_t max_decoded_bytes; /* see LIMITS */
	size_t max_uris;          /* URIs kept */
	size_t max_body_scan;     /* per text part, body (SCAN LIMITS) */
	size_t max_rawbody_scan;  /* per text part, rawbody */
};

#define VG_TEXT_DEF_MAX_MIME_DEPTH    20
#define VG_TEXT_DEF_MAX_MIME_PARTS    500
#define VG_TEXT_DEF_MAX_DECODED_BYTES (4 * 1024 * 1024)
#define VG_TEXT_DEF_MAX_URIS          1000
#define VG_TEXT_DEF_MAX_BODY_SCAN     (100 * 1024)
#define VG_TEXT_DEF_MAX_RAWBODY_SCAN  (500 * 1024)

#define VG_TEXT_F_DEPTH_LIMIT   0x01u
#define VG_TEXT_F_PARTS_LIMIT   0x02u
#define VG_TEXT_F_DECODED_LIMIT 0x04u
#define VG_TEXT_F_URI_LIMIT     0x08u
#define VG_TEXT_F_MALFORMED     0x10u /* the MIME library reported damage */
#define VG_TEXT_F_SCAN_LIMIT    0x20u /* body or rawbody cut (SCAN LIMITS) */

struct vg_text_header {
	const char *name;
	const char *value; /* unfolded, RFC 2047-decoded UTF-8 */
	const char *raw;   /* unfolded, as received */
};

struct vg_text_part {
	const char *content_type;  /* "type/subtype", lower case */
	const char *filename;      /* decoded, UTF-8, or NULL */
	const char *disposition;   /* "attachment", "inline" or NULL */
	const unsigned char *data; /* transfer-decoded bytes, or NULL */
	size_t len;
	size_t depth; /* 0 for a top-level part */
};

/*
 * HTML signals for rules and checks, summed over every text/html part
 * (see html.h for how each is detected).  A flag is set when its count is
 * not zero, except VG_TEXT_HTML_ONLY: HTML text and no text/plain part
 * with any visible text.
 */
#define VG_TEXT_HTML_PRESENT       0x001u /* at least one text/html part */
#define VG_TEXT_HTML_ONLY          0x002u
#define VG_TEXT_HTML_HIDDEN        0x004u /* display:none, visibility:hidden */
#define VG_TEXT_HTML_TINY          0x008u /* font smaller than 4px or 4pt */
#define VG_TEXT_HTML_LOW_CONTRAST  0x010u /* text coloured as its background */
#define VG_TEXT_HTML_LINK_MISMATCH 0x020u /* <a> text names another host */
#define VG_TEXT_HTML_SCRIPT        0x040u
#define VG_TEXT_HTML_FORM          0x080u
#define VG_TEXT_HTML_IFRAME        0x100u
#define VG_TEXT_HTML_IMAGE         0x200u

struct vg_text_html {
	size_t parts;              /* text/html parts rendered */
	size_t visible_chars;      /* non-blank characters a reader sees */
	size_t hidden_chars;       /* non-blank characters hidden by CSS */
	size_t tiny_chars;         /* ... in a tiny font */
	size_t low_contrast_chars; /* ... coloured (almost) as the background */
	size_t links;              /* <a href> */
	size_t link_mismatch; /* <a> whose text is a link to another site */
	size_t images;        /* <img> */
	size_t forms;         /* <form> */
	size_t scripts;       /* <script> */
	size_t iframes;       /* <iframe>, <frame> */
};

struct vg_text {
	struct vg_text_header *headers;
	size_t nheaders;

	const char *body; /* NUL-terminated, UTF-8 */
	size_t body_len;
	const char *rawbody; /* NUL-terminated, UTF-8 */
	size_t rawbody_len;

	const char **uris;
	size_t nuris;

	struct vg_text_part *parts; /* leaf parts, in order */
	size_t nparts;

	unsigned flags; /* VG_TEXT_F_* */

	/* Added by the text layer; zero when the message has no HTML. */
	unsigned html_flags;      /* VG_TEXT_HTML_* */
	struct vg_text_html html; /* counts behind html_flags */

	/* SpamAssassin's facts of each of the first VG_TEXT_HTML_SA_MAX
	 * text/html parts (html_sa.h), for the HTMLEval eval: tests. */
	struct vg_html_sa *html_sa[VG_TEXT_HTML_SA_MAX];
	size_t nhtml_sa;
};

/*
 * vg_text_global_init - process-wide MIME library setup (g_mime_init);
 * called once by vg_engine_global_init().  0 or VG_EINTERNAL.
 */
int vg_text_global_init(void);

/* vg_text_limits_default - the VG_TEXT_DEF_* values */
void vg_text_limits_default(struct vg_text_limits *out);

/* vg_text_limits_from_conf - the limits vigil.conf sets (mime_max_*) */
void vg_text_limits_from_conf(
    struct vg_text_limits *out, const struct vg_conf *conf);

/* vg_text_build - decode msg into a new struct vg_text (*out) */
int vg_text_build(struct vg_text **out, const struct vg_msg *msg,
    const struct vg_text_limits *limits);
/* vg_text_free - NULL is a no-op */
void vg_text_free(struct vg_text *text);

#endif /* VG_TEXT_H */
