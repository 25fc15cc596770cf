/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * html - HTML rendered to the text a reader sees, plus its links and the
 * tricks spammers play with it.
 *
 * PURPOSE  Body rules match what the recipient reads, not markup.  This
 *	    module runs libxml2's HTML parser (SAX, no tree, recovering from
 *	    any damage) over one decoded UTF-8 HTML part and writes its
 *	    visible text in the body's shape, feeds href/src/action/
 *	    background values to the URI list, and counts the signals rules
 *	    use (struct vg_text_html).  It also owns the paragraph folder
 *	    (struct vg_html_fold) that text/plain parts go through, so both
 *	    kinds of part end up in one shape.
 * RENDER   head, title, style, script, template and comments produce no
 *	    text; entities are decoded by the parser; block elements (p,
 *	    div, tr, li, h1-h6, table, ...) end a paragraph ("\n"); one br
 *	    is a blank and two in a row end a paragraph, as a line end and a
 *	    blank line do in text/plain; td and th are a blank; inside a
 *	    paragraph every run of blanks
 *	    (including U+00A0) is one space; zero-width characters (U+200B-
 *	    U+200D, U+FEFF, soft hyphen) are dropped, so "Vi&#8203;agra"
 *	    renders as "Viagra".  Text a reader cannot see is not rendered:
 *	    hidden (display:none, visibility:hidden, the hidden attribute),
 *	    tiny (CSS font-size under 4px/4pt, under 0.3em or 30%), and low
 *	    contrast (a text colour within a small distance of the
 *	    background colour, white by default, from color/bgcolor
 *	    attributes and color/background(-color) styles; never over a
 *	    background image, whose colour is unknown).  Hiding and tiny
 *	    fonts also come from classes: a <style> rule ".name { ... }"
 *	    (or "span.name") whose declarations hide or shrink text marks
 *	    the elements of that class.  Each is counted
 *	    in non-blank characters.  A link mismatch is an <a href> whose
 *	    own text is a link or host name (http://..., www...., or
 *	    name.tld) of another site than the href (vg_uri_same_site()).
 * OWNS     Output goes to buffers and lists the caller owns.
 * LIMITS   The text stops at the output buffer's maximum (VG_ELIMIT after
 *	    the parse is stopped); URIs stop at the list's maximum (the list
 *	    records it, parsing goes on).  Element nesting is tracked
 *	    VG_HTML_MAX_DEPTH deep; deeper elements inherit their ancestor's
 *	    visibility.  Style sheets are read up to VG_HTML_STYLE_MAX bytes
 *	    per part and VG_HTML_MAX_CLASSES hiding classes (names up to
 *	    VG_HTML_CLASS_NAME_MAX bytes); past that, classes are not
 *	    recognised, so their text counts as visible.  libxml2 caps its
 *	    own recursion and text node sizes.
 * ERRORS   VG_ENOMEM, VG_ELIMIT (text buffer full); VG_EINTERNAL when
 *	    libxml2 cannot make a parser.  Broken HTML is never an error.
 *	    libxml2's own allocations do not go through vg_malloc(), so the
 *	    allocation-failure tests cannot reach them.
 * THREADS  Reentrant after xmlInitParser() (vg_text_global_init()); a
 *	    parse uses its own parser context.
 */
#ifndef VG_HTML_H
#define VG_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "message/text.h"
#include "message/uri.h"

#define VG_HTML_MAX_DEPTH      256
#define VG_HTML_STYLE_MAX      16384 /* <style> bytes read for classes */
#define VG_HTML_MAX_CLASSES    64    /* hidden classes remembered */
#define VG_HTML_CLASS_NAME_MAX 63

/* The paragraph folder: text in, body-shaped text out. */
struct vg_html_fold {
	struct vg_buf *out;
	bool space; /* a blank is pending before the next character */
	bool open;  /* the current paragraph has text */
	/* Line mode (text/plain) only, for SpamAssassin's paragraph ends: */
	bool blank;  /* a blank other than a line end since the last text */
	bool trail;  /* blank was set at the run's first line end */
	bool lead;   /* a blank after the last line end, paragraph not open */
	unsigned nl; /* line ends since the last text */
	/* HTML only: a blank SpamAssassin keeps at the start of the next
	 * paragraph (see html.c's sa_chunk()) */
	bool hlead;
	int rc; /* first error; further output is dropped */
};

/* vg_html_fold_init - fold into out (appending) */
void vg_html_fold_init(struct vg_html_fold *f, struct vg_buf *out);
/*
 * vg_html_fold_text - add UTF-8 text: blanks fold to one space, zero-width
 * characters go.  With lines, a blank line ends the paragraph (text/plain),
 * and a paragraph keeps one blank at its end and at its start where the
 * text had blanks there (before the first or after the last line end of
 * the blank line), as SpamAssassin's body lines do ("Answer! \n\n" is the
 * line "Answer! "); without lines, every line end is a blank (HTML).
 * Returns the number of non-blank characters added.
 */
size_t vg_html_fold_text(
    struct vg_html_fold *f, const char *s, size_t n, bool lines);
/* vg_html_fold_para - end the current paragraph with "\n" if it has text */
void vg_html_fold_para(struct vg_html_fold *f);
/*
 * vg_html_fold_end_lines - end a text/plain part's last paragraph: as
 * vg_html_fold_para, keeping one blank at its end when the part's text
 * ended with blanks before its first line end (see vg_html_fold_text)
 */
void vg_html_fold_end_lines(struct vg_html_fold *f);

/*
 * vg_html_render - render len bytes of UTF-8 HTML: visible text through
 * fold, links into uris (may be NULL), counts added to stats.  Returns
 * fold->rc (0, VG_ELIMIT, VG_ENOMEM) or VG_EINTERNAL.
 */
int vg_html_render(struct vg_html_fold *fold, struct vg_uri_list *uris,
    struct vg_text_html *stats, const char *html, size_t len);

#endif /* VG_HTML_H */
