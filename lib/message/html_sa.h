/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * html_sa - the facts SpamAssassin's HTML parser collects about one HTML
 * part, for the HTMLEval eval: tests (lib/rules/sa_htmleval.c).
 *
 * PURPOSE  SpamAssassin's HTMLEval rules read counts of the markup as it
 *	    was written: every start and end tag (known or not, balanced or
 *	    not), comments, titles, link texts, image sizes, font sizes.
 *	    Vigil's renderer (html.h) runs libxml2, which repairs the tree
 *	    (implied html/body elements, closed tags, dropped stray end
 *	    tags), so its view cannot give those counts.  This module is a
 *	    small tokenizer of its own, shaped after HTML::Parser as
 *	    SpamAssassin drives it (Mail::SpamAssassin::HTML): tags are
 *	    case-folded names, script, style, textarea, title, xmp and
 *	    plaintext hold literal text up to their end tag, comments are
 *	    kept as written, text has its entities decoded.  It does not
 *	    render: body text still comes from html.h.
 * FACTS    struct vg_html_sa below, each named after SpamAssassin's
 *	    result key.  A ratio is "unset" (NAN) where SpamAssassin leaves
 *	    its key undefined (no tag seen, no obfuscation counted).
 * DIFFERS  A font size compared
 *	    for max_size/min_size is the size after all of a tag's
 *	    attributes; SpamAssassin compares at each attribute, in Perl's
 *	    random hash order.  Named entities outside a small table are
 *	    kept as written.
 * OWNS     vg_html_sa_parse() returns a struct the caller frees with
 *	    vg_html_sa_free().
 * LIMITS   VG_HTML_SA_MAX_TAGS distinct tag names per part are counted
 *	    in "inside" (later names count in the totals only);
 *	    VG_HTML_SA_MAX_STRINGS titles, comments and link texts each,
 *	    of at most VG_HTML_SA_STRING_MAX bytes (longer ones cut); the
 *	    font-size stack is VG_HTML_SA_STYLE_DEPTH deep (deeper tags
 *	    inherit the top).  vg_text keeps the facts of its first
 *	    VG_HTML_SA_MAX_PARTS HTML parts.
 * THREADS  Reentrant.
 */
#ifndef VG_HTML_SA_H
#define VG_HTML_SA_H

#include <stdbool.h>
#include <stddef.h>

#include "message/text.h"

#define VG_HTML_SA_MAX_PARTS    VG_TEXT_HTML_SA_MAX
#define VG_HTML_SA_MAX_TAGS     128
#define VG_HTML_SA_TAG_NAME_MAX 31
#define VG_HTML_SA_MAX_STRINGS  64
#define VG_HTML_SA_STRING_MAX   1024
#define VG_HTML_SA_STYLE_DEPTH  256

/* The lists of strings SpamAssassin keeps per part (html_text_match). */
enum vg_html_sa_list {
	VG_HTML_SA_TITLE,   /* the text of each <title> */
	VG_HTML_SA_COMMENT, /* each comment as written, "<!-- ... -->" */
	VG_HTML_SA_ANCHOR,  /* the text of each <a>, "<img>\n" per image */
	VG_HTML_SA_NLISTS,
};

struct vg_html_sa_tag {
	char name[VG_HTML_SA_TAG_NAME_MAX + 1]; /* lower case */
	long inside; /* start tags minus end tags, never below 0 */
};

struct vg_html_sa_strings {
	char *s[VG_HTML_SA_MAX_STRINGS]; /* NUL-terminated, owned */
	size_t len[VG_HTML_SA_MAX_STRINGS];
	size_t n;
};

struct vg_html_sa {
	size_t length;           /* characters of the part's HTML */
	size_t non_space_len;    /* non-blank characters of its rendered text */
	double image_area;       /* sum of <img width height> areas */
	long max_size, min_size; /* font sizes seen, from 3 */
	/* Tag counts: every start and end tag, those SpamAssassin knows as
	 * elements, first sightings of each name, end tags with no start. */
	size_t tags, elements, tags_seen, elements_seen, closed_extra;
	size_t obfuscation;      /* words split by a tag: "V<b>iagra" */
	bool form_action_mailto; /* <form action="mailto:..."> */
	bool font_face_bad;      /* <font face> not a list of font names */
	bool embeds;             /* <object> or <embed> */
	bool font_low_contrast;  /* text coloured (almost) as its background */
	bool font_invalid_color; /* text with a colour HTML.pm cannot read */
	bool iframe_src;         /* <iframe src="..."> (not blank) */
	struct vg_html_sa_tag tag[VG_HTML_SA_MAX_TAGS];
	size_t ntags;
	struct vg_html_sa_strings list[VG_HTML_SA_NLISTS];
};

/*
 * vg_html_sa_parse - the facts of len bytes of UTF-8 HTML into a new
 * struct (*out).  0 or VG_ENOMEM.
 */
int vg_html_sa_parse(struct vg_html_sa **out, const char *html, size_t len);
/* vg_html_sa_free - NULL is a no-op */
void vg_html_sa_free(struct vg_html_sa *h);

/*
 * vg_html_sa_inside - how often tag (lower case) is open at the end:
 * starts minus ends, at least 0; -1 when the part never had it
 */
long vg_html_sa_inside(const struct vg_html_sa *h, const char *tag);

/*
 * vg_html_sa_value - SpamAssassin's ratios by name: closed_extra_ratio,
 * bad_tag_ratio, non_element_ratio, obfuscation_ratio; and the plain
 * numbers length, max_size, min_size, image_area, non_space_len.  NAN
 * when SpamAssassin leaves it undefined for this part; false when name
 * is none of these.
 */
bool vg_html_sa_value(
    const struct vg_html_sa *h, const char *name, double *out);

/* vg_html_sa_known - whether vg_html_sa_value() knows name */
bool vg_html_sa_known(const char *name);

#endif /* VG_HTML_SA_H */
