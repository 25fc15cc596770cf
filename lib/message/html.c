/* SPDX-License-Identifier: GPL-2.0-only */
/* html - HTML to visible text, links and spam signals (libxml2 SAX) */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>

#include "base/alloc.h"
#include "base/err.h"
#include "message/hdr.h"
#include "message/html.h"

/* vg_html_fold_init - fold into out (appending) */
void
vg_html_fold_init(struct vg_html_fold *f, struct vg_buf *out)
{
	f->out = out;
	f->space = false;
	f->open = false;
	f->blank = false;
	f->trail = false;
	f->lead = false;
	f->hlead = false;
	f->nl = 0;
	f->rc = 0;
}

/* emit - append bytes to the folder's output, recording the first error */
static void
emit(struct vg_html_fold *f, const char *s, size_t n)
{
	if (f->rc == 0 && n > 0)
		f->rc = vg_hdr_append_cut(f->out, s, n);
}

/* vg_html_fold_para - end the current paragraph */
void
vg_html_fold_para(struct vg_html_fold *f)
{
	if (f->open)
		emit(f, "\n", 1);
	f->open = false;
	f->space = false;
}

/*
 * para_lines - end a text/plain paragraph: one blank first when the text
 * before its end had one (f->trail at a line end, else f->blank)
 */
static void
para_lines(struct vg_html_fold *f)
{
	if (f->open && (f->nl > 0 ? f->trail : f->blank))
		emit(f, " ", 1);
	vg_html_fold_para(f);
}

/* vg_html_fold_end_lines - see html.h */
void
vg_html_fold_end_lines(struct vg_html_fold *f)
{
	para_lines(f);
	f->blank = false;
	f->trail = false;
	f->lead = false;
	f->nl = 0;
}

/*
 * special - classify a multi-byte character the folder treats specially:
 * 1 for a blank, 2 for a zero-width character, 0 otherwise.  *len_out is
 * its length.
 */
static int
special(const unsigned char *p, size_t n, size_t *len_out)
{
	*len_out = 1;
	if (p[0] == 0xc2 && n >= 2) {
		*len_out = 2;
		if (p[1] == 0xa0)
			return 1; /* no-break space */
		if (p[1] == 0xad)
			return 2; /* soft hyphen */
		return 0;
	}
	if ((p[0] == 0xe2 || p[0] == 0xe3 || p[0] == 0xef) && n >= 3) {
		*len_out = 3;
		if (p[0] == 0xe2 && p[1] == 0x80) {
			if (p[2] >= 0x8b && p[2] <= 0x8d)
				return 2; /* zero-width space, (non-)joiner */
			if (p[2] == 0xa8 || p[2] == 0xa9)
				return 1; /* line and paragraph separators */
			if (p[2] <= 0x8a || p[2] == 0xaf)
				return 1; /* en quad ... hair space */
		}
		if (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0xa0)
			return 2; /* word joiner */
		if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
			return 1; /* ideographic space */
		if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
			return 2; /* BOM, zero-width no-break space */
		return 0;
	}
	return 0;
}

/* vg_html_fold_text - add text, folding blanks */
size_t
vg_html_fold_text(struct vg_html_fold *f, const char *s, size_t n, bool lines)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run, chars = 0, k;

	while (i < n && f->rc == 0) {
		unsigned char c = p[i];
		int sp;

		if (c <= ' ' || c == 0x7f) {
			if (c == '\n' && lines) {
				if (f->nl++ == 0)
					f->trail = f->blank;
				f->lead = false;
				if (f->nl >= 2 && f->open)
					para_lines(f);
			} else if (lines) {
				f->blank = true;
				f->lead = !f->open;
			}
			f->space = f->open;
			i++;
			continue;
		}
		if (c == 0xc2 || c == 0xe2 || c == 0xe3 || c == 0xef) {
			sp = special(p + i, n - i, &k);
			if (sp == 1) {
				if (lines) {
					f->blank = true;
					f->lead = !f->open;
				}
				f->space = f->open;
				i += k;
				continue;
			}
			if (sp == 2) {
				i += k;
				continue;
			}
		}
		/* A run of ordinary characters. */
		for (run = i + 1; run < n; run++) {
			c = p[run];
			if (c <= ' ' || c == 0x7f || c == 0xc2 || c == 0xe2 ||
			    c == 0xe3 || c == 0xef)
				break;
		}
		if (f->space || (lines && f->lead) ||
		    (!lines && f->hlead && !f->open))
			emit(f, " ", 1);
		emit(f, s + i, run - i);
		for (k = i; k < run; k++)
			chars += (p[k] & 0xc0) != 0x80;
		f->space = false;
		f->open = true;
		f->blank = false;
		f->trail = false;
		f->lead = false;
		f->hlead = false;
		f->nl = 0;
		i = run;
	}
	return chars;
}

/* Element properties. */
#define EL_BLOCK  0x01u /* ends a paragraph before and after */
#define EL_CELL   0x02u /* a blank before */
#define EL_SKIP   0x04u /* its text is never rendered */
#define EL_A      0x08u
#define EL_IMG    0x10u
#define EL_FORM   0x20u
#define EL_SCRIPT 0x40u
#define EL_FRAME  0x80u
#define EL_BR     0x100u /* a blank; two in a row end a paragraph */
#define EL_STYLE  0x200u /* a style sheet */

static const struct {
	const char *name;
	unsigned flags;
} elements[] = {
    {"a", EL_A},
    {"address", EL_BLOCK},
    {"article", EL_BLOCK},
    {"aside", EL_BLOCK},
    {"blockquote", EL_BLOCK},
    {"body", EL_BLOCK},
    {"br", EL_BR},
    {"caption", EL_BLOCK},
    {"center", EL_BLOCK},
    {"dd", EL_BLOCK},
    {"div", EL_BLOCK},
    {"dl", EL_BLOCK},
    {"dt", EL_BLOCK},
    {"fieldset", EL_BLOCK},
    {"footer", EL_BLOCK},
    {"form", EL_BLOCK | EL_FORM},
    {"frame", EL_FRAME},
    {"h1", EL_BLOCK},
    {"h2", EL_BLOCK},
    {"h3", EL_BLOCK},
    {"h4", EL_BLOCK},
    {"h5", EL_BLOCK},
    {"h6", EL_BLOCK},
    {"head", EL_SKIP},
    {"header", EL_BLOCK},
    {"hr", EL_BLOCK},
    {"iframe", EL_FRAME | EL_SKIP},
    {"img", EL_IMG},
    {"li", EL_BLOCK},
    {"main", EL_BLOCK},
    {"nav", EL_BLOCK},
    {"noframes", EL_SKIP},
    {"object", EL_SKIP},
    {"ol", EL_BLOCK},
    {"option", EL_CELL},
    {"p", EL_BLOCK},
    {"pre", EL_BLOCK},
    {"script", EL_SKIP | EL_SCRIPT},
    {"section", EL_BLOCK},
    {"select", EL_CELL},
    {"style", EL_SKIP | EL_STYLE},
    {"table", EL_BLOCK},
    {"td", EL_CELL},
    {"template", EL_SKIP},
    {"textarea", EL_BLOCK},
    {"th", EL_CELL},
    {"title", EL_SKIP},
    {"tr", EL_BLOCK},
    {"ul", EL_BLOCK},
};

/* A frame's background is an image: its colour is unknown. */
#define BG_IMAGE (-2L)

/* Visibility bits of a frame. */
#define VIS_HIDDEN 0x1u
#define VIS_TINY   0x2u

/* What an element passes on to its content. */
struct frame {
	unsigned vis;   /* VIS_* */
	bool skip;      /* inside head, script, style ... */
	long fg;        /* text colour 0xrrggbb, -1 unknown (black) */
	long bg;        /* background colour */
	unsigned flags; /* EL_* of the element itself */
};

/* One render. */
/* A class the page's style sheets hide or shrink. */
struct hidden_class {
	char name[VG_HTML_CLASS_NAME_MAX + 1];
	unsigned vis; /* VIS_* */
};

struct render {
	struct vg_html_fold *fold;
	struct vg_uri_list *uris;
	struct vg_text_html *st;
	htmlParserCtxtPtr ctxt;
	struct frame stack[VG_HTML_MAX_DEPTH];
	size_t depth;    /* frames on the stack */
	size_t overflow; /* elements open beyond the stack */
	unsigned brs;    /* <br> since the last text */
	/* <style> text so far, and the classes it hides. */
	char style[VG_HTML_STYLE_MAX];
	size_t style_len;
	struct hidden_class classes[VG_HTML_MAX_CLASSES];
	size_t nclasses;
	int rc;            /* first hard error from the URI list */
	struct vg_buf tmp; /* scratch for normalising anchors */
	/* The open <a href>, if any. */
	bool in_a;
	size_t a_depth;
	char a_host[256];
	size_t a_host_len;
	char a_text[512];
	size_t a_text_len;
	/* SpamAssassin's text chunks (HTML.pm display_text): whether its
	 * last was a whitespace tag's, and whether a text chunk is open
	 * (libxml2 may give one chunk in several calls) */
	bool sa_ws;
	bool in_chunk;
	/* text Vigil hides (CSS) since the last whitespace tag: for
	 * SpamAssassin a blank after it is inside a paragraph */
	bool sa_hidden;
};

/*
 * sa_ws_tag - whether SpamAssassin's HTML.pm html_whitespace() writes
 * white space for name (start or end tag): br div li th td dd dt embed
 * h1-h6 p hr blockquote pre listing plaintext xmp title
 */
static bool
sa_ws_tag(const char *name)
{
	static const char *const t[] = {"br", "div", "li", "th", "td", "dd",
	    "dt", "embed", "p", "hr", "blockquote", "pre", "listing",
	    "plaintext", "xmp", "title"};

	if (name[0] == 'h' && name[1] >= '0' && name[1] <= '9' &&
	    name[2] == '\0')
		return true;
	for (size_t i = 0; i < VG_NELEM(t); i++)
		if (strcmp(t[i], name) == 0)
			return true;
	return false;
}

/*
 * sa_tag - a tag ends SpamAssassin's text chunk; a whitespace tag strips
 * the blank the chunk before it ended in (display_text's s/ $//)
 */
static void
sa_tag(struct render *r, const char *name)
{
	r->in_chunk = false;
	if (sa_ws_tag(name)) {
		r->sa_ws = true;
		r->sa_hidden = false;
		r->fold->hlead = false;
	}
}

/*
 * implied_p - whether a <p> start is libxml2's, not the message's: it
 * opens one for text outside body (after </html>: "</html>\n\nid"),
 * under html or head, where a written <p> would have opened a body
 */
static bool
implied_p(const struct render *r, const char *name)
{
	const htmlParserCtxt *c = r->ctxt;
	const char *parent;

	if (strcmp(name, "p") != 0 || c == NULL)
		return false;
	if (c->nameNr < 2 || c->nameTab == NULL)
		return true;
	parent = (const char *)c->nameTab[c->nameNr - 2];
	return parent == NULL || strcmp(parent, "html") == 0 ||
	    strcmp(parent, "head") == 0;
}

/*
 * after_tag - whether text ch (n bytes, as libxml2 gives it) is the
 * input right after a '>': a new chunk for SpamAssassin even where
 * libxml2 dropped the tag (a stray </body></html>) and so called no
 * element callback; text decoded from an entity is not the input
 */
static bool
after_tag(const struct render *r, const xmlChar *ch, size_t n)
{
	const xmlParserInput *in = r->ctxt != NULL ? r->ctxt->input : NULL;

	if (in == NULL || in->cur == NULL || in->base == NULL ||
	    (size_t)(in->cur - in->base) <= n ||
	    memcmp(in->cur - n, ch, n) != 0)
		return false;
	return in->cur[-(ptrdiff_t)n - 1] == '>';
}

/*
 * sa_chunk - the start of a text chunk: SpamAssassin folds its blanks to
 * one and drops a leading one only right after a whitespace tag, so a
 * chunk starting with a blank after other text (even blank text: "</p>\n
 * </font>\n x") starts its paragraph with a blank (" x")
 */
static void
sa_chunk(struct render *r, const xmlChar *ch, size_t n)
{
	if (n == 0 || (r->in_chunk && !after_tag(r, ch, n)))
		return;
	r->in_chunk = true;
	if (!r->sa_ws && !r->sa_hidden && !r->fold->open &&
	    (ch[0] <= ' ' || (ch[0] == 0xc2 && n > 1 && ch[1] == 0xa0)))
		r->fold->hlead = true;
	r->sa_ws = false;
}

/* el_flags - EL_* of an element name */
static unsigned
el_flags(const char *name)
{
	size_t i;

	for (i = 0; i < VG_NELEM(elements); i++) {
		if (elements[i].name[0] == name[0] &&
		    strcmp(elements[i].name, name) == 0)
			return elements[i].flags;
	}
	return 0;
}

/* lower - ASCII lower case */
static inline unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* hexval - value of a hex digit or -1 */
static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Named colours worth knowing: the ones hiders use. */
static const struct {
	const char *name;
	long rgb;
} colours[] = {
    {"white", 0xffffff},
    {"black", 0x000000},
    {"snow", 0xfffafa},
    {"ivory", 0xfffff0},
    {"whitesmoke", 0xf5f5f5},
    {"silver", 0xc0c0c0},
    {"gray", 0x808080},
    {"grey", 0x808080},
    {"red", 0xff0000},
    {"green", 0x008000},
    {"blue", 0x0000ff},
    {"yellow", 0xffff00},
    {"navy", 0x000080},
    {"maroon", 0x800000},
    {"purple", 0x800080},
    {"orange", 0xffa500},
    {"lime", 0x00ff00},
    {"aqua", 0x00ffff},
    {"fuchsia", 0xff00ff},
    {"teal", 0x008080},
    {"olive", 0x808000},
};

/* parse_colour - #rgb, #rrggbb, rrggbb, rgb(r,g,b) or a name; -1 if not */
static long
parse_colour(const char *s, size_t n)
{
	long v = 0;
	size_t i, k;

	while (n > 0 && (*s == ' ' || *s == '"' || *s == '\''))
		s++, n--;
	while (
	    n > 0 && (s[n - 1] == ' ' || s[n - 1] == '"' || s[n - 1] == '\''))
		n--;
	if (n > 0 && s[0] == '#')
		s++, n--;
	if (n == 3 || n == 6) {
		for (i = 0; i < n && hexval((unsigned char)s[i]) >= 0; i++)
			v = v * 16 + hexval((unsigned char)s[i]);
		if (i == n) {
			if (n == 3)
				v = (v >> 8) * 0x110000 +
				    ((v >> 4) & 15) * 0x1100 + (v & 15) * 0x11;
			return v;
		}
	}
	if (n > 4 && strncmp(s, "rgb(", 4) == 0) {
		long c[3] = {0, 0, 0};

		for (i = 4, k = 0; i < n && k < 3; i++) {
			if (s[i] >= '0' && s[i] <= '9') {
				if (c[k] < 1000)
					c[k] = c[k] * 10 + (s[i] - '0');
			} else if (s[i] == ',') {
				k++;
			} else if (s[i] == ')' || s[i] == '%') {
				break;
			}
		}
		for (k = 0; k < 3; k++)
			c[k] = c[k] > 255 ? 255 : c[k];
		return c[0] << 16 | c[1] << 8 | c[2];
	}
	for (i = 0; i < VG_NELEM(colours); i++) {
		const char *name = colours[i].name;

		if (strlen(name) != n)
			continue;
		for (k = 0; k < n &&
		     lower((unsigned char)s[k]) == (unsigned char)name[k];
		     k++)
			continue;
		if (k == n)
			return colours[i].rgb;
	}
	return -1;
}

/* close_colours - whether text in fg is hard to see on bg */
static bool
close_colours(long fg, long bg)
{
	long d = 0;
	int sh;

	if (bg == BG_IMAGE)
		return false; /* the colour under the text is not known */
	if (fg < 0)
		fg = 0; /* the default text colour is black */
	if (bg < 0)
		bg = 0xffffff;
	for (sh = 0; sh < 24; sh += 8) {
		long a = (fg >> sh) & 255, b = (bg >> sh) & 255;

		d += a > b ? a - b : b - a;
	}
	return d < 32;
}

/*
 * css_size_tiny - whether a font-size value (lower case, no blanks) is
 * tiny: under 4px or 4pt, under 0.3em/rem, under 30%, or a bare 0.
 */
static bool
css_size_tiny(const char *v, size_t n)
{
	unsigned long whole = 0, frac = 0, scale = 1;
	size_t i = 0;

	if (n == 0 || !((v[0] >= '0' && v[0] <= '9') || v[0] == '.'))
		return false;
	for (; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		whole = whole < 100000 ? whole * 10 + (unsigned)(v[i] - '0')
		                       : whole;
	if (i < n && v[i] == '.') {
		for (i++; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
			if (scale < 1000) {
				frac = frac * 10 + (unsigned)(v[i] - '0');
				scale *= 10;
			}
		}
	}
	/* Hundredths of the unit. */
	whole = whole * 100 + frac * 100 / scale;
	v += i;
	n -= i;
	if (whole == 0)
		return true;
	if ((n >= 2 && (strncmp(v, "px", 2) == 0 || strncmp(v, "pt", 2) == 0)))
		return whole < 400;
	if ((n >= 2 && strncmp(v, "em", 2) == 0) ||
	    (n >= 3 && strncmp(v, "rem", 3) == 0))
		return whole < 30;
	if (n >= 1 && v[0] == '%')
		return whole < 3000;
	return false;
}

/* all_zero - a number that is zero ("0", "0.0", ".00") */
static bool
all_zero(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n && (v[i] == '0' || v[i] == '.'); i++)
		continue;
	return n > 0 && i == n;
}

/* has_url - whether a CSS value holds "url(" */
static bool
has_url(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i + 4 <= n; i++) {
		if (strncmp(v + i, "url(", 4) == 0)
			return true;
	}
	return false;
}

/* parse_style - apply a style attribute to a frame */
static void
parse_style(struct frame *fr, const char *style)
{
	char css[1024];
	size_t n = 0, i, s, colon, e;

	/* Lower case, blanks removed: "Display : None" -> "display:none". */
	for (i = 0; style[i] != '\0' && n < sizeof(css) - 1; i++) {
		unsigned char c = (unsigned char)style[i];

		if (c > ' ')
			css[n++] = (char)lower(c);
	}
	css[n] = '\0';
	for (s = 0; s < n; s = e + 1) {
		for (e = s; e < n && css[e] != ';'; e++)
			continue;
		for (colon = s; colon < e && css[colon] != ':'; colon++)
			continue;
		if (colon == e)
			continue;
#define PROP(lit)                                                              \
	(colon - s == sizeof(lit) - 1 &&                                       \
	    strncmp(css + s, lit, sizeof(lit) - 1) == 0)
#define VAL(lit)                                                               \
	((size_t)(e - colon - 1) >= sizeof(lit) - 1 &&                         \
	    strncmp(css + colon + 1, lit, sizeof(lit) - 1) == 0)
		if ((PROP("display") && VAL("none")) ||
		    (PROP("visibility") && VAL("hidden")) ||
		    (PROP("opacity") &&
		        all_zero(css + colon + 1, e - colon - 1)))
			fr->vis |= VIS_HIDDEN;
		else if (PROP("font-size") &&
		    css_size_tiny(css + colon + 1, e - colon - 1))
			fr->vis |= VIS_TINY;
		else if (PROP("color"))
			fr->fg = parse_colour(css + colon + 1, e - colon - 1);
		else if (PROP("background-image") ||
		    (PROP("background") &&
		        has_url(css + colon + 1, e - colon - 1)))
			fr->bg = BG_IMAGE;
		else if (PROP("background-color") || PROP("background")) {
			long c = parse_colour(css + colon + 1, e - colon - 1);

			if (c >= 0 && fr->bg != BG_IMAGE)
				fr->bg = c;
		}
#undef PROP
#undef VAL
	}
}

/* is_ident - a byte of a CSS class name */
static inline bool
is_ident(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c >= 0x80;
}

/*
 * add_class_selectors - record each ".name" selector (alone or after an
 * element name: "span.name") of a comma-separated list as hiding vis
 */
static void
add_class_selectors(struct render *r, const char *sel, size_t n, unsigned vis)
{
	size_t s = 0, e, dot, k;

	while (s < n) {
		for (e = s; e < n && sel[e] != ','; e++)
			continue;
		/* Trailing blanks, then the last compound selector. */
		while (e > s && !is_ident((unsigned char)sel[e - 1]))
			e--;
		for (k = e; k > s &&
		     (is_ident((unsigned char)sel[k - 1]) || sel[k - 1] == '.');
		     k--)
			continue;
		for (dot = e; dot > k && sel[dot - 1] != '.'; dot--)
			continue;
		/* sel[dot, e) is the name after the compound's last dot. */
		if (dot > k && e > dot && e - dot <= VG_HTML_CLASS_NAME_MAX &&
		    r->nclasses < VG_HTML_MAX_CLASSES) {
			struct hidden_class *c = &r->classes[r->nclasses++];

			memcpy(c->name, sel + dot, e - dot);
			c->name[e - dot] = '\0';
			c->vis = vis;
		}
		for (s = e; s < n && sel[s] != ','; s++)
			continue;
		s++;
	}
}

/*
 * parse_stylesheet - find the classes the <style> text hides.  Only
 * "selector { declarations }" rules are read; at-rules and comments are
 * not understood, which can only make a hidden class be missed.
 */
static void
parse_stylesheet(struct render *r)
{
	const char *css = r->style;
	size_t n = r->style_len, i = 0, open, close, k;

	r->nclasses = 0;
	while (i < n) {
		struct frame fr = {0, false, -1, -1, 0};
		char decl[1024];

		for (open = i; open < n && css[open] != '{'; open++)
			continue;
		if (open == n)
			break;
		for (close = open + 1;
		     close < n && css[close] != '}' && css[close] != '{';
		     close++)
			continue;
		if (close < n && css[close] == '{') {
			/* A nested block (@media): read its rules next. */
			i = open + 1;
			continue;
		}
		k = close - open - 1;
		if (k >= sizeof(decl))
			k = sizeof(decl) - 1;
		memcpy(decl, css + open + 1, k);
		decl[k] = '\0';
		parse_style(&fr, decl);
		if (fr.vis != 0)
			add_class_selectors(r, css + i, open - i, fr.vis);
		i = close + 1;
	}
}

/* is_blank - HTML white space */
static inline bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* class_vis - the VIS_* bits a class attribute's names carry */
static unsigned
class_vis(const struct render *r, const char *v)
{
	unsigned vis = 0;
	size_t s = 0, e, k;

	while (v[s] != '\0') {
		while (is_blank(v[s]))
			s++;
		for (e = s; v[e] != '\0' && !is_blank(v[e]); e++)
			continue;
		for (k = 0; e > s && k < r->nclasses; k++) {
			if (strlen(r->classes[k].name) == e - s &&
			    strncmp(r->classes[k].name, v + s, e - s) == 0)
				vis |= r->classes[k].vis;
		}
		s = e;
	}
	return vis;
}

/* add_link - feed an attribute value to the URI list */
static void
add_link(struct render *r, const char *v)
{
	int rc;

	if (r->uris == NULL || r->rc != 0)
		return;
	rc = vg_uri_add(r->uris, v, strlen(v));
	if (rc != 0 && rc != VG_ELIMIT)
		r->rc = rc;
}

/* host_of - normalise link text v (n bytes) and find its host */
static bool
host_of(
    struct render *r, const char **host, size_t *hlen, const char *v, size_t n)
{
	vg_buf_reset(&r->tmp);
	if (vg_uri_normalize(&r->tmp, v, n) != 0)
		return false;
	return vg_uri_host(host, hlen, r->tmp.data, r->tmp.len);
}

/*
 * looks_like_host - whether anchor text is a bare host name "name.tld":
 * letters, digits, dots and dashes, a dot, and a final label of letters.
 */
static bool
looks_like_host(const char *t, size_t n)
{
	size_t i, dot = SIZE_MAX;

	if (n < 4)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = lower((unsigned char)t[i]);

		if (c == '.')
			dot = i;
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		             c == '-'))
			return false;
	}
	if (dot == SIZE_MAX || dot == 0 || n - dot < 3)
		return false;
	for (i = dot + 1; i < n; i++) {
		unsigned char c = lower((unsigned char)t[i]);

		if (c < 'a' || c > 'z')
			return false;
	}
	return true;
}

/* anchor_end - compare an anchor's text with its href */
static void
anchor_end(struct render *r)
{
	const char *t = r->a_text, *host;
	size_t n = r->a_text_len, hlen;
	char url[sizeof(r->a_text) + 8];

	r->in_a = false;
	while (n > 0 && (*t == ' ' || *t == '\n'))
		t++, n--;
	while (
	    n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\n' || t[n - 1] == '/'))
		n--;
	if (n == 0 || r->a_host_len == 0)
		return;
	if (looks_like_host(t, n)) {
		memcpy(url, "http://", 7);
		memcpy(url + 7, t, n);
		if (!host_of(r, &host, &hlen, url, n + 7))
			return;
	} else if (!host_of(r, &host, &hlen, t, n)) {
		return;
	}
	if (!vg_uri_same_site(host, hlen, r->a_host, r->a_host_len))
		r->st->link_mismatch++;
}

/* anchor_start - remember an <a href>'s host */
static void
anchor_start(struct render *r, const char *href)
{
	const char *host;
	size_t hlen;

	r->in_a = true;
	r->a_depth = r->depth;
	r->a_text_len = 0;
	r->a_host_len = 0;
	if (host_of(r, &host, &hlen, href, strlen(href)) &&
	    hlen <= sizeof(r->a_host)) {
		memcpy(r->a_host, host, hlen);
		r->a_host_len = hlen;
	}
}

/* on_start - an element opens */
static void
on_start(void *ctx, const xmlChar *xname, const xmlChar **atts)
{
	struct render *r = ctx;
	const char *name = (const char *)xname;
	struct frame fr;
	const char *href = NULL;
	bool bgimage = false;
	size_t i;

	if (r->depth > 0)
		fr = r->stack[r->depth - 1];
	else
		fr = (struct frame){0, false, -1, -1, 0};
	fr.flags = el_flags(name);
	if (!implied_p(r, name))
		sa_tag(r, name);
	if (fr.flags & EL_SKIP)
		fr.skip = true;
	if (fr.flags & EL_BLOCK) {
		vg_html_fold_para(r->fold);
		r->brs = 0;
	} else if (fr.flags & EL_BR) {
		/*
		 * One <br> is a line end inside a paragraph, as in text/plain
		 * (spammers break sentences with it); a blank line ends it.
		 */
		if (++r->brs >= 2)
			vg_html_fold_para(r->fold);
		else
			r->fold->space = r->fold->open;
	} else if (fr.flags & EL_CELL) {
		r->fold->space = r->fold->open;
	}
	for (i = 0; atts != NULL && atts[i] != NULL; i += 2) {
		const char *an = (const char *)atts[i];
		const char *av = (const char *)atts[i + 1];

		if (av == NULL)
			av = "";
		if (strcmp(an, "href") == 0) {
			add_link(r, av);
			href = av;
		} else if (strcmp(an, "src") == 0 ||
		    strcmp(an, "action") == 0 ||
		    strcmp(an, "background") == 0 ||
		    strcmp(an, "lowsrc") == 0) {
			add_link(r, av);
			if (strcmp(an, "background") == 0)
				bgimage = true;
		} else if (strcmp(an, "style") == 0) {
			parse_style(&fr, av);
		} else if (strcmp(an, "class") == 0 && r->nclasses > 0) {
			fr.vis |= class_vis(r, av);
		} else if (strcmp(an, "hidden") == 0) {
			fr.vis |= VIS_HIDDEN;
		} else if (strcmp(an, "color") == 0) {
			fr.fg = parse_colour(av, strlen(av));
		} else if (strcmp(an, "bgcolor") == 0) {
			long c = parse_colour(av, strlen(av));

			if (c >= 0)
				fr.bg = c;
		}
	}
	/* A background image covers the background colour. */
	if (bgimage)
		fr.bg = BG_IMAGE;
	if (fr.flags & EL_IMG)
		r->st->images++;
	if (fr.flags & EL_FORM)
		r->st->forms++;
	if (fr.flags & EL_SCRIPT)
		r->st->scripts++;
	if (fr.flags & EL_FRAME)
		r->st->iframes++;
	if ((fr.flags & EL_A) && href != NULL) {
		r->st->links++;
		if (r->in_a)
			anchor_end(r);
		anchor_start(r, href);
	}
	if (r->overflow > 0 || r->depth == VG_HTML_MAX_DEPTH) {
		r->overflow++;
		return;
	}
	r->stack[r->depth++] = fr;
}

/* on_end - an element closes (libxml2 closes every element it opened) */
static void
on_end(void *ctx, const xmlChar *xname)
{
	struct render *r = ctx;
	unsigned flags;

	sa_tag(r, (const char *)xname);
	if (r->overflow > 0) {
		r->overflow--;
		return;
	}
	if (r->depth == 0)
		return;
	flags = r->stack[--r->depth].flags;
	if (r->in_a && r->depth <= r->a_depth)
		anchor_end(r);
	if (flags & EL_BLOCK)
		vg_html_fold_para(r->fold);
	if (flags & EL_STYLE)
		parse_stylesheet(r);
}

/* count_chars - non-blank characters in text */
static size_t
count_chars(const unsigned char *p, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += p[i] > ' ' && (p[i] & 0xc0) != 0x80;
	return k;
}

/* on_chars - text */
static void
on_chars(void *ctx, const xmlChar *ch, int len)
{
	struct render *r = ctx;
	const struct frame *fr;
	size_t n = len > 0 ? (size_t)len : 0, before, k;

	if (r->depth == 0) {
		sa_chunk(r, ch, n);
		if ((k = vg_html_fold_text(
		         r->fold, (const char *)ch, n, false)) > 0)
			r->brs = 0;
		r->st->visible_chars += k;
		goto out;
	}
	fr = &r->stack[r->depth - 1];
	if (fr->flags & EL_STYLE) {
		/* Style sheet text, kept (up to a limit) for its classes. */
		k = sizeof(r->style) - r->style_len;
		if (n < k)
			k = n;
		memcpy(r->style + r->style_len, ch, k);
		r->style_len += k;
		return;
	}
	if (fr->skip)
		return;
	sa_chunk(r, ch, n);
	if (fr->vis & VIS_HIDDEN) {
		if ((k = count_chars(ch, n)) > 0) {
			r->sa_hidden = true;
			r->fold->hlead = false;
		}
		r->st->hidden_chars += k;
		return;
	}
	if (fr->vis & VIS_TINY) {
		if ((k = count_chars(ch, n)) > 0) {
			r->sa_hidden = true;
			r->fold->hlead = false;
		}
		r->st->tiny_chars += k;
		return;
	}
	if (fr->fg >= 0 && close_colours(fr->fg, fr->bg)) {
		if ((k = count_chars(ch, n)) > 0) {
			r->sa_hidden = true;
			r->fold->hlead = false;
		}
		r->st->low_contrast_chars += k;
		return;
	}
	before = r->fold->out->len;
	if ((k = vg_html_fold_text(r->fold, (const char *)ch, n, false)) > 0)
		r->brs = 0;
	r->st->visible_chars += k;
	if (r->in_a) {
		/* The anchor's rendered text, as far as it fits. */
		size_t add = r->fold->out->len - before;

		if (add > sizeof(r->a_text) - r->a_text_len)
			add = sizeof(r->a_text) - r->a_text_len;
		if (add > 0) {
			memcpy(r->a_text + r->a_text_len,
			    r->fold->out->data + before, add);
			r->a_text_len += add;
		}
	}
out:
	if (r->fold->rc != 0 || r->rc != 0)
		xmlStopParser(r->ctxt);
}

/* quiet - swallow libxml2's diagnostics: broken HTML is normal mail */
static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* quiet_structured - the structured variant */
static void
quiet_structured(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	(void)err;
}

/* vg_html_render - render UTF-8 HTML */
int
vg_html_render(struct vg_html_fold *fold, struct vg_uri_list *uris,
    struct vg_text_html *stats, const char *html, size_t len)
{
	struct render *r;
	htmlSAXHandler sax;
	int rc;

	if (len > INT_MAX)
		len = INT_MAX;
	if ((r = vg_calloc(1, sizeof(*r))) == NULL)
		return VG_ENOMEM;
	r->fold = fold;
	fold->hlead = false;
	r->uris = uris;
	r->st = stats;
	vg_buf_init(&r->tmp, VG_URI_MAX_LEN + 128);
	memset(&sax, 0, sizeof(sax));
	sax.startElement = on_start;
	sax.endElement = on_end;
	sax.characters = on_chars;
	sax.ignorableWhitespace = on_chars;
	sax.cdataBlock = on_chars;
	sax.warning = quiet;
	sax.error = quiet;
	sax.fatalError = quiet;
	sax.serror = quiet_structured;
	sax.initialized = XML_SAX2_MAGIC;
	r->ctxt = htmlCreatePushParserCtxt(
	    &sax, r, NULL, 0, NULL, XML_CHAR_ENCODING_UTF8);
	if (r->ctxt == NULL) {
		rc = VG_EINTERNAL;
		goto out;
	}
	/* The part is UTF-8 already: a <meta charset> must not re-decode. */
	htmlCtxtUseOptions(r->ctxt,
	    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	        HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC);
	htmlParseChunk(r->ctxt, html, (int)len, 1);
	if (r->in_a)
		anchor_end(r);
	vg_html_fold_para(fold);
	fold->hlead = false;
	if (r->ctxt->myDoc != NULL)
		xmlFreeDoc(r->ctxt->myDoc);
	htmlFreeParserCtxt(r->ctxt);
	stats->parts++;
	rc = r->rc != 0 ? r->rc : fold->rc;
out:
	vg_buf_fini(&r->tmp);
	vg_free(r);
	return rc;
}
