/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * html_sa - SpamAssassin's facts of one HTML part: a tokenizer shaped
 * after HTML::Parser and the counting of Mail::SpamAssassin::HTML (see
 * html_sa.h).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/err.h"
#include "base/num.h"
#include "message/html_sa.h"

/* The tags SpamAssassin counts as HTML elements (HTML.pm %elements). */
static const char *const vg_sa_elements[] = {"a", "abbr", "acronym", "address",
    "area", "b", "base", "bdo", "big", "blockquote", "body", "br", "button",
    "caption", "cite", "code", "col", "colgroup", "dd", "del", "dfn", "div",
    "dl", "dt", "em", "fieldset", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "head", "hr", "html", "i", "img", "input", "ins", "kbd", "label", "legend",
    "li", "link", "map", "meta", "noscript", "object", "ol", "optgroup",
    "option", "p", "param", "pre", "q", "samp", "script", "select", "small",
    "span", "strong", "style", "sub", "sup", "table", "tbody", "td", "textarea",
    "tfoot", "th", "thead", "title", "tr", "tt", "ul", "var", "applet",
    "basefont", "center", "dir", "font", "frame", "frameset", "iframe",
    "isindex", "menu", "noframes", "s", "strike", "u", "nobr", "x-sigsep",
    "x-tab"};
/* Old tags it acts on without counting them as elements (%tricks). */
static const char *const vg_sa_tricks[] = {
    "bgsound", "embed", "listing", "plaintext", "xmp"};
/* Tags whose attributes set the font size (%elements_text_style). */
static const char *const vg_sa_style_tags[] = {"body", "font", "table", "tr",
    "th", "td", "big", "small", "basefont", "span", "p", "div", "a"};
/* Tags whose content is literal text up to their end tag. */
static const char *const vg_sa_literal[] = {
    "script", "style", "xmp", "plaintext", "textarea", "title"};

struct vg_sa_style {
	char tag[12];
	long size;
	char fg[16], bg[16]; /* "#rrggbb", "invalid" or "transparent" */
};

/* HTML.pm's %html_color: the named colours it knows. */
static const struct {
	const char *name;
	unsigned long rgb;
} vg_sa_colors[] = {
    {"aqua", 0x00ffff},
    {"black", 0x000000},
    {"blue", 0x0000ff},
    {"fuchsia", 0xff00ff},
    {"gray", 0x808080},
    {"green", 0x008000},
    {"lime", 0x00ff00},
    {"maroon", 0x800000},
    {"navy", 0x000080},
    {"olive", 0x808000},
    {"purple", 0x800080},
    {"red", 0xff0000},
    {"silver", 0xc0c0c0},
    {"teal", 0x008080},
    {"white", 0xffffff},
    {"yellow", 0xffff00},
    {"aliceblue", 0xf0f8ff},
    {"antiquewhite", 0xfaebd7},
    {"aqua", 0x00ffff},
    {"aquamarine", 0x7fffd4},
    {"azure", 0xf0ffff},
    {"beige", 0xf5f5dc},
    {"bisque", 0xffe4c4},
    {"black", 0x000000},
    {"blanchedalmond", 0xffebcd},
    {"blue", 0x0000ff},
    {"blueviolet", 0x8a2be2},
    {"brown", 0xa52a2a},
    {"burlywood", 0xdeb887},
    {"cadetblue", 0x5f9ea0},
    {"chartreuse", 0x7fff00},
    {"chocolate", 0xd2691e},
    {"coral", 0xff7f50},
    {"cornflowerblue", 0x6495ed},
    {"cornsilk", 0xfff8dc},
    {"crimson", 0xdc143c},
    {"cyan", 0x00ffff},
    {"darkblue", 0x00008b},
    {"darkcyan", 0x008b8b},
    {"darkgoldenrod", 0xb8860b},
    {"darkgray", 0xa9a9a9},
    {"darkgreen", 0x006400},
    {"darkgrey", 0xa9a9a9},
    {"darkkhaki", 0xbdb76b},
    {"darkmagenta", 0x8b008b},
    {"darkolivegreen", 0x556b2f},
    {"darkorange", 0xff8c00},
    {"darkorchid", 0x9932cc},
    {"darkred", 0x8b0000},
    {"darksalmon", 0xe9967a},
    {"darkseagreen", 0x8fbc8f},
    {"darkslateblue", 0x483d8b},
    {"darkslategray", 0x2f4f4f},
    {"darkslategrey", 0x2f4f4f},
    {"darkturquoise", 0x00ced1},
    {"darkviolet", 0x9400d3},
    {"deeppink", 0xff1493},
    {"deepskyblue", 0x00bfff},
    {"dimgray", 0x696969},
    {"dimgrey", 0x696969},
    {"dodgerblue", 0x1e90ff},
    {"firebrick", 0xb22222},
    {"floralwhite", 0xfffaf0},
    {"forestgreen", 0x228b22},
    {"fuchsia", 0xff00ff},
    {"gainsboro", 0xdcdcdc},
    {"ghostwhite", 0xf8f8ff},
    {"gold", 0xffd700},
    {"goldenrod", 0xdaa520},
    {"gray", 0x808080},
    {"green", 0x008000},
    {"greenyellow", 0xadff2f},
    {"grey", 0x808080},
    {"honeydew", 0xf0fff0},
    {"hotpink", 0xff69b4},
    {"indianred", 0xcd5c5c},
    {"indigo", 0x4b0082},
    {"ivory", 0xfffff0},
    {"khaki", 0xf0e68c},
    {"lavender", 0xe6e6fa},
    {"lavenderblush", 0xfff0f5},
    {"lawngreen", 0x7cfc00},
    {"lemonchiffon", 0xfffacd},
    {"lightblue", 0xadd8e6},
    {"lightcoral", 0xf08080},
    {"lightcyan", 0xe0ffff},
    {"lightgoldenrodyellow", 0xfafad2},
    {"lightgray", 0xd3d3d3},
    {"lightgreen", 0x90ee90},
    {"lightgrey", 0xd3d3d3},
    {"lightpink", 0xffb6c1},
    {"lightsalmon", 0xffa07a},
    {"lightseagreen", 0x20b2aa},
    {"lightskyblue", 0x87cefa},
    {"lightslategray", 0x778899},
    {"lightslategrey", 0x778899},
    {"lightsteelblue", 0xb0c4de},
    {"lightyellow", 0xffffe0},
    {"lime", 0x00ff00},
    {"limegreen", 0x32cd32},
    {"linen", 0xfaf0e6},
    {"magenta", 0xff00ff},
    {"maroon", 0x800000},
    {"mediumaquamarine", 0x66cdaa},
    {"mediumblue", 0x0000cd},
    {"mediumorchid", 0xba55d3},
    {"mediumpurple", 0x9370db},
    {"mediumseagreen", 0x3cb371},
    {"mediumslateblue", 0x7b68ee},
    {"mediumspringgreen", 0x00fa9a},
    {"mediumturquoise", 0x48d1cc},
    {"mediumvioletred", 0xc71585},
    {"midnightblue", 0x191970},
    {"mintcream", 0xf5fffa},
    {"mistyrose", 0xffe4e1},
    {"moccasin", 0xffe4b5},
    {"navajowhite", 0xffdead},
    {"navy", 0x000080},
    {"oldlace", 0xfdf5e6},
    {"olive", 0x808000},
    {"olivedrab", 0x6b8e23},
    {"orange", 0xffa500},
    {"orangered", 0xff4500},
    {"orchid", 0xda70d6},
    {"palegoldenrod", 0xeee8aa},
    {"palegreen", 0x98fb98},
    {"paleturquoise", 0xafeeee},
    {"palevioletred", 0xdb7093},
    {"papayawhip", 0xffefd5},
    {"peachpuff", 0xffdab9},
    {"peru", 0xcd853f},
    {"pink", 0xffc0cb},
    {"plum", 0xdda0dd},
    {"powderblue", 0xb0e0e6},
    {"purple", 0x800080},
    {"red", 0xff0000},
    {"rosybrown", 0xbc8f8f},
    {"royalblue", 0x4169e1},
    {"saddlebrown", 0x8b4513},
    {"salmon", 0xfa8072},
    {"sandybrown", 0xf4a460},
    {"seagreen", 0x2e8b57},
    {"seashell", 0xfff5ee},
    {"sienna", 0xa0522d},
    {"silver", 0xc0c0c0},
    {"skyblue", 0x87ceeb},
    {"slateblue", 0x6a5acd},
    {"slategray", 0x708090},
    {"slategrey", 0x708090},
    {"snow", 0xfffafa},
    {"springgreen", 0x00ff7f},
    {"steelblue", 0x4682b4},
    {"tan", 0xd2b48c},
    {"teal", 0x008080},
    {"thistle", 0xd8bfd8},
    {"tomato", 0xff6347},
    {"turquoise", 0x40e0d0},
    {"violet", 0xee82ee},
    {"wheat", 0xf5deb3},
    {"white", 0xffffff},
    {"whitesmoke", 0xf5f5f5},
    {"yellow", 0xffff00},
    {"yellowgreen", 0x9acd32},
};

/* vg_sa_rgbhex - "#rrggbb" (the # optional, lower-case hex) as numbers */
static bool
vg_sa_rgbhex(const char *s, unsigned v[3])
{
	size_t k;

	if (*s == '#')
		s++;
	if (strlen(s) != 6 || strspn(s, "0123456789abcdef") != 6)
		return false;
	for (k = 0; k < 3; k++) {
		char two[3] = {s[2 * k], s[2 * k + 1], '\0'};

		v[k] = (unsigned)strtoul(two, NULL, 16);
	}
	return true;
}

/* vg_sa_lower_trim - s lower-cased, blanks trimmed, into out */
static void
vg_sa_lower_trim(const char *s, char *out, size_t size)
{
	size_t n, k = 0;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
	    *s == '\f' || *s == '\v')
		s++;
	n = strlen(s);
	while (n > 0 &&
	    (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
	        s[n - 1] == '\r' || s[n - 1] == '\f' || s[n - 1] == '\v'))
		n--;
	for (; k < n && k + 1 < size; k++)
		out[k] = (char)tolower((unsigned char)s[k]);
	out[k] = '\0';
}

static bool vg_sa_blank(unsigned char c);

/* vg_sa_rgb_shape - HTML.pm's rgb\([\d%, ]*\) somewhere in c */
static bool
vg_sa_rgb_shape(const char *c)
{
	const char *p = c;

	while ((p = strstr(p, "rgb(")) != NULL) {
		size_t n = strspn(p + 4, "0123456789%, ");

		if (p[4 + n] == ')')
			return true;
		p += 4;
	}
	return false;
}

/* vg_sa_dec2hex - HTML.pm dec2hex: at least two hex digits */
static void
vg_sa_dec2hex(unsigned long v, char *out, size_t size)
{
	snprintf(out, size, "%s%lx", v < 16 ? "0" : "", v);
}

/*
 * vg_sa_rgb3 - "rgb(" digits [%] "," ... ")" somewhere in c: the three
 * numbers and whether all had a %; false when not that shape
 */
static bool
vg_sa_rgb3(const char *c, bool pct, unsigned long v[3])
{
	const char *p = c;

	while ((p = strstr(p, "rgb(")) != NULL) {
		const char *q = p + 4;
		int k;

		for (k = 0; k < 3; k++) {
			char *end;

			if (!isdigit((unsigned char)*q))
				break;
			v[k] = strtoul(q, &end, 10);
			q = end;
			if (pct) {
				if (*q != '%')
					break;
				q++;
			}
			if (k < 2) {
				if (*q != ',')
					break;
				q++;
				while (vg_sa_blank((unsigned char)*q))
					q++;
			}
		}
		if (k == 3) {
			while (vg_sa_blank((unsigned char)*q))
				q++;
			if (*q == ')')
				return true;
		}
		p += 4;
	}
	return false;
}

/* vg_sa_rgb - HTML.pm name_to_rgb: "#rrggbb" or "invalid" into out */
static void
vg_sa_rgb(const char *in, char *out, size_t size)
{
	char c[128], hex[64];
	unsigned long v[3];
	size_t k, n = 0, i;

	vg_sa_lower_trim(in, c, sizeof(c));
	for (k = 0; k < VG_NELEM(vg_sa_colors); k++)
		if (strcmp(c, vg_sa_colors[k].name) == 0) {
			snprintf(out, size, "#%06lx", vg_sa_colors[k].rgb);
			return;
		}
	if (strspn(c, "#abcdef0123456789") != strlen(c) &&
	    !vg_sa_rgb_shape(c)) {
		snprintf(out, size, "invalid");
		return;
	}
	if (vg_sa_rgb3(c, true, v)) {
		char a[24], b[24], d[24];

		vg_sa_dec2hex(v[0] * 255 / 100, a, sizeof(a));
		vg_sa_dec2hex(v[1] * 255 / 100, b, sizeof(b));
		vg_sa_dec2hex(v[2] * 255 / 100, d, sizeof(d));
		snprintf(c, sizeof(c), "#%s%s%s", a, b, d);
	}
	if (vg_sa_rgb3(c, false, v)) {
		char a[24], b[24], d[24];

		vg_sa_dec2hex(v[0], a, sizeof(a));
		vg_sa_dec2hex(v[1], b, sizeof(b));
		vg_sa_dec2hex(v[2], d, sizeof(d));
		snprintf(c, sizeof(c), "#%s%s%s", a, b, d);
	}
	if (c[0] != '#') {
		snprintf(out, size, "invalid");
		return;
	}
	for (i = 0; c[i] != '\0' && n + 1 < sizeof(hex); i++)
		if (isxdigit((unsigned char)c[i]))
			hex[n++] = (char)tolower((unsigned char)c[i]);
	if (n > 6)
		n = 6;
	if (n > 3 && n < 6)
		n = 3;
	while (n % 3 != 0)
		hex[n++] = '0';
	hex[n] = '\0';
	if (n == 3)
		snprintf(out, size, "#%c%c%c%c%c%c", hex[0], hex[0], hex[1],
		    hex[1], hex[2], hex[2]);
	else
		snprintf(out, size, "#%.6s", hex);
}

/* One parse. */
struct vg_sa_parse {
	struct vg_html_sa *h;
	int rc;
	/* The last piece of rendered text: whether it ends in a word. */
	bool have_text, last_word;
	long basefont;
	struct vg_sa_style style[VG_HTML_SA_STYLE_DEPTH];
	size_t nstyle;
	size_t title_index; /* 0: none yet; else the list entry + 1 */
	bool anchor_open;   /* an anchor entry exists */
};

static bool
vg_sa_in(const char *const *set, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(set[i], s) == 0)
			return true;
	return false;
}

#define VG_SA_IN(set, s) vg_sa_in((set), VG_NELEM(set), (s))

/* vg_sa_tag_slot - the "inside" counter of name, or NULL past the limit */
static struct vg_html_sa_tag *
vg_sa_tag_slot(struct vg_html_sa *h, const char *name, bool *seen)
{
	size_t i;

	*seen = false;
	for (i = 0; i < h->ntags; i++)
		if (strcmp(h->tag[i].name, name) == 0) {
			*seen = true;
			return &h->tag[i];
		}
	if (h->ntags == VG_HTML_SA_MAX_TAGS)
		return NULL;
	snprintf(h->tag[h->ntags].name, sizeof(h->tag[0].name), "%s", name);
	h->tag[h->ntags].inside = 0;
	return &h->tag[h->ntags++];
}

/* vg_html_sa_inside - see html_sa.h */
long
vg_html_sa_inside(const struct vg_html_sa *h, const char *tag)
{
	size_t i;

	for (i = 0; i < h->ntags; i++)
		if (strcmp(h->tag[i].name, tag) == 0)
			return h->tag[i].inside;
	return -1;
}

static long
vg_sa_open(const struct vg_html_sa *h, const char *tag)
{
	long v = vg_html_sa_inside(h, tag);

	return v > 0 ? v : 0;
}

/* vg_sa_list_add - a new string in list l (dropped past the limit) */
static void
vg_sa_list_add(
    struct vg_sa_parse *p, enum vg_html_sa_list l, const char *s, size_t n)
{
	struct vg_html_sa_strings *L = &p->h->list[l];
	char *c;

	if (L->n == VG_HTML_SA_MAX_STRINGS || p->rc != 0)
		return;
	if (n > VG_HTML_SA_STRING_MAX)
		n = VG_HTML_SA_STRING_MAX;
	if ((c = vg_malloc(n + 1)) == NULL) {
		p->rc = VG_ENOMEM;
		return;
	}
	memcpy(c, s, n);
	c[n] = '\0';
	L->s[L->n] = c;
	L->len[L->n++] = n;
}

/* vg_sa_list_append - text onto entry i of list l, up to the limit */
static void
vg_sa_list_append(struct vg_sa_parse *p, enum vg_html_sa_list l, size_t i,
    const char *s, size_t n)
{
	struct vg_html_sa_strings *L = &p->h->list[l];
	char *c;

	if (i >= L->n || p->rc != 0)
		return;
	if (n > VG_HTML_SA_STRING_MAX - L->len[i])
		n = VG_HTML_SA_STRING_MAX - L->len[i];
	if (n == 0)
		return;
	if ((c = vg_realloc(L->s[i], L->len[i] + n + 1)) == NULL) {
		p->rc = VG_ENOMEM;
		return;
	}
	memcpy(c + L->len[i], s, n);
	L->len[i] += n;
	c[L->len[i]] = '\0';
	L->s[i] = c;
}

/* ASCII blanks as HTML.pm folds them. */
static bool
vg_sa_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* ASCII punctuation: HTML.pm's [\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]. */
static bool
vg_sa_punct(unsigned char c)
{
	return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) ||
	    (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

/*
 * vg_sa_uspace - the length of a Unicode blank at s (as Perl's \s matches
 * it in a character string), or 0
 */
static size_t
vg_sa_uspace(const unsigned char *s, size_t n)
{
	if (n >= 1 && (vg_sa_blank(s[0])))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0xa0 || s[1] == 0x85))
		return 2;
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 ||
	        s[2] == 0xaf))
		return 3;
	if (n >= 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* A named entity HTML::Parser decodes; the rest are kept as written. */
static const struct {
	const char *name;
	const char *utf8;
} vg_sa_entities[] = {
    {"amp", "&"},
    {"lt", "<"},
    {"gt", ">"},
    {"quot", "\""},
    {"apos", "'"},
    {"nbsp", " "}, /* HTML.pm turns &nbsp; into a blank first */
    {"copy", "\xc2\xa9"},
    {"reg", "\xc2\xae"},
    {"trade", "\xe2\x84\xa2"},
    {"shy", "\xc2\xad"},
    {"middot", "\xc2\xb7"},
    {"euro", "\xe2\x82\xac"},
    {"laquo", "\xc2\xab"},
    {"raquo", "\xc2\xbb"},
    {"hellip", "\xe2\x80\xa6"},
    {"mdash", "\xe2\x80\x94"},
    {"ndash", "\xe2\x80\x93"},
    {"rsquo", "\xe2\x80\x99"},
    {"lsquo", "\xe2\x80\x98"},
    {"rdquo", "\""},
    {"ldquo", "\""},
    {"bull", "\xe2\x80\xa2"},
};

/* vg_sa_utf8 - code point cp as UTF-8 into out (4 bytes); its length */
static size_t
vg_sa_utf8(unsigned long cp, char *out)
{
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * vg_sa_decode - s[0..n) with entities decoded into out (at most outmax
 * bytes: the rest is cut); the decoded length
 */
static size_t
vg_sa_decode(const char *s, size_t n, char *out, size_t outmax)
{
	size_t i = 0, o = 0;

	while (i < n && o + 4 <= outmax) {
		char tmp[4];
		size_t k, tl = 0;

		if (s[i] != '&') {
			out[o++] = s[i++];
			continue;
		}
		if (i + 1 < n && s[i + 1] == '#') {
			unsigned long cp = 0;
			bool hex =
			    i + 2 < n && (s[i + 2] == 'x' || s[i + 2] == 'X');
			size_t j = i + (hex ? 3 : 2), d = 0;

			while (j < n && d < 8 &&
			    (hex ? isxdigit((unsigned char)s[j])
			         : isdigit((unsigned char)s[j]))) {
				int v = isdigit((unsigned char)s[j])
				    ? s[j] - '0'
				    : tolower((unsigned char)s[j]) - 'a' + 10;

				cp = cp * (hex ? 16 : 10) + (unsigned long)v;
				j++;
				d++;
			}
			if (d > 0) {
				if (j < n && s[j] == ';')
					j++;
				tl = vg_sa_utf8(cp, tmp);
				memcpy(out + o, tmp, tl);
				o += tl;
				i = j;
				continue;
			}
		} else {
			for (k = 0; k < VG_NELEM(vg_sa_entities); k++) {
				size_t l = strlen(vg_sa_entities[k].name);

				if (i + 1 + l <= n &&
				    memcmp(s + i + 1, vg_sa_entities[k].name,
				        l) == 0) {
					size_t j = i + 1 + l;

					if (j < n && s[j] == ';')
						j++;
					tl = strlen(vg_sa_entities[k].utf8);
					memcpy(out + o, vg_sa_entities[k].utf8,
					    tl);
					o += tl;
					i = j;
					break;
				}
			}
			if (k < VG_NELEM(vg_sa_entities))
				continue;
		}
		out[o++] = s[i++];
	}
	return o;
}

/*
 * vg_sa_whitespace - a tag that HTML.pm renders as a blank or line end:
 * the rendered text now ends in no word
 */
static void
vg_sa_whitespace(struct vg_sa_parse *p, const char *tag)
{
	static const char *const ws[] = {"br", "div", "li", "th", "td", "dt",
	    "dd", "p", "hr", "blockquote", "pre", "embed", "listing",
	    "plaintext", "xmp", "title", "h1", "h2", "h3", "h4", "h5", "h6"};

	if (VG_SA_IN(ws, tag)) {
		p->have_text = true;
		p->last_word = false;
	}
}

static void vg_sa_invisible(struct vg_sa_parse *p);

/* vg_sa_text - a run of text between tags (entities decoded) */
static void
vg_sa_text(struct vg_sa_parse *p, const char *s, size_t n)
{
	struct vg_html_sa *h = p->h;
	const unsigned char *u = (const unsigned char *)s;
	size_t i, l;
	bool first_word, ends_word = false, any = false;

	if (n == 0)
		return;
	if (vg_sa_open(h, "script") > 0 || vg_sa_open(h, "style") > 0)
		return;
	if (vg_sa_open(h, "a") > 0 && p->anchor_open)
		vg_sa_list_append(p, VG_HTML_SA_ANCHOR,
		    h->list[VG_HTML_SA_ANCHOR].n - 1, s, n);
	if (vg_sa_open(h, "title") > 0 && p->title_index > 0)
		vg_sa_list_append(
		    p, VG_HTML_SA_TITLE, p->title_index - 1, s, n);
	/* html_font_invisible runs on text with more than blanks. */
	for (i = 0; i < n; i++)
		if (!vg_sa_blank(u[i])) {
			vg_sa_invisible(p);
			break;
		}
	/* A word that goes on from the last piece of text: "V<b>iagra". */
	first_word = !vg_sa_uspace(u, n) && !vg_sa_punct(u[0]);
	if (p->have_text && first_word && p->last_word)
		h->obfuscation++;
	for (i = 0; i < n; i += l) {
		if ((l = vg_sa_uspace(u + i, n - i)) > 0) {
			ends_word = false;
			any = true;
			continue;
		}
		l = 1;
		while (i + l < n && (u[i + l] & 0xC0) == 0x80)
			l++;
		h->non_space_len++;
		ends_word = !vg_sa_punct(u[i]);
		any = true;
	}
	if (any) {
		p->have_text = true;
		p->last_word = ends_word;
	}
}

/* vg_sa_style_close - HTML.pm close_tag: pop up to tag's entry */
static void
vg_sa_style_close(struct vg_sa_parse *p, const char *tag)
{
	size_t i;

	for (i = 0; i < p->nstyle; i++)
		if (strcmp(p->style[i].tag, tag) == 0)
			break;
	if (i == p->nstyle)
		return;
	while (p->nstyle > 0)
		if (strcmp(p->style[--p->nstyle].tag, tag) == 0)
			break;
}

/* vg_sa_style_table - HTML.pm close_table_tag for a new td or tr */
static void
vg_sa_style_table(struct vg_sa_parse *p, const char *tag)
{
	size_t i;

	for (i = 0; i < p->nstyle; i++)
		if (strcmp(p->style[i].tag, tag) == 0)
			break;
	if (i == p->nstyle)
		return;
	while (p->nstyle > 0) {
		const char *top = p->style[p->nstyle - 1].tag;
		bool pop = strcmp(top, "font") == 0 || strcmp(top, "td") == 0 ||
		    (strcmp(tag, "tr") == 0 && strcmp(top, "tr") == 0);

		if (!pop)
			break;
		p->nstyle--;
	}
}

/* One attribute of a start tag, entities decoded. */
struct vg_sa_attr {
	char name[32];
	char value[512];
	bool has_value;
};

#define VG_SA_MAX_ATTRS 32

static const struct vg_sa_attr *
vg_sa_attr_get(const struct vg_sa_attr *a, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(a[i].name, name) == 0)
			return &a[i];
	return NULL;
}

/* vg_sa_size - "+1", "-2" (relative to basefont) or "5"; false if none */
static bool
vg_sa_size(const char *v, long basefont, long *out)
{
	char *end;
	long n;

	while (vg_sa_blank((unsigned char)*v))
		v++;
	if ((*v == '+' || *v == '-') && isdigit((unsigned char)v[1])) {
		n = strtol(v, &end, 10);
		*out = basefont + n;
		return true;
	}
	if (isdigit((unsigned char)*v)) {
		n = strtol(v, &end, 10);
		*out = n;
		return true;
	}
	return false;
}

/*
 * vg_sa_css_bg - HTML.pm parse_css_background: the colour of the last
 * layer of "background: ..." (tokens split at blanks, layers at commas,
 * parentheses and quotes kept together), into bg if one is a colour
 */
static void
vg_sa_css_bg(const char *v, char *bg, size_t size)
{
	char tok[16][64], last[16][64];
	size_t nt = 0, nl = 0, tl = 0, i;
	char cur[64];
	int state[8], sp = 0, st = 0;

	for (; *v != '\0'; v++) {
		char ch = (char)tolower((unsigned char)*v);
		bool end_tok = false, end_layer = false, keep = true;

		if (st == 0) {
			if (ch == ' ') {
				end_tok = true;
				keep = false;
			} else if (ch == ',') {
				end_tok = end_layer = true;
				keep = false;
			} else if (ch == '(' || ch == '"' || ch == '\'') {
				if (sp < 8)
					state[sp++] = st;
				st = ch == '(' ? 1 : ch == '"' ? 2 : 3;
			}
		} else if (st == 1) {
			if (ch == ')') {
				if (tl + 1 < sizeof(cur))
					cur[tl++] = ch;
				keep = false;
				end_tok = true;
				st = sp > 0 ? state[--sp] : 0;
			} else if (ch == '"' || ch == '\'') {
				if (sp < 8)
					state[sp++] = st;
				st = ch == '"' ? 2 : 3;
			}
		} else if ((st == 2 && ch == '"') || (st == 3 && ch == '\'')) {
			st = sp > 0 ? state[--sp] : 0;
		}
		if (keep && tl + 1 < sizeof(cur))
			cur[tl++] = ch;
		if (end_tok && tl > 0 && nt < 16) {
			cur[tl] = '\0';
			snprintf(tok[nt++], sizeof(tok[0]), "%s", cur);
			tl = 0;
		} else if (end_tok)
			tl = 0;
		if (end_layer) {
			for (i = 0; i < nt; i++)
				snprintf(
				    last[i], sizeof(last[0]), "%s", tok[i]);
			nl = nt;
			nt = 0;
		}
	}
	if (tl > 0 && nt < 16) {
		cur[tl] = '\0';
		snprintf(tok[nt++], sizeof(tok[0]), "%s", cur);
	}
	if (nt > 0) {
		for (i = 0; i < nt; i++)
			snprintf(last[i], sizeof(last[0]), "%s", tok[i]);
		nl = nt;
	}
	for (i = 0; i < nl; i++) {
		char c[16];

		vg_sa_rgb(last[i], c, sizeof(c));
		if (strcmp(c, "invalid") != 0) {
			snprintf(bg, size, "%s", c);
			return;
		}
	}
}

/*
 * vg_sa_css - the colours of a style attribute (HTML.pm text_style):
 * color, background-color, background; "transparent" resolved against
 * the parent's background
 */
static void
vg_sa_css(
    struct vg_sa_style *nw, const struct vg_sa_style *parent, const char *style)
{
	char part[512];
	const char *s = style;

	while (*s != '\0') {
		size_t n = strcspn(s, ";"), k;
		char *v, *e;
		bool bg;

		if (n >= sizeof(part))
			n = sizeof(part) - 1;
		memcpy(part, s, n);
		part[n] = '\0';
		s += strcspn(s, ";");
		if (*s == ';')
			s++;
		v = part;
		while (vg_sa_blank((unsigned char)*v))
			v++;
		bg = strncasecmp(v, "background-", 11) == 0;
		if (strncasecmp(v + (bg ? 11 : 0), "color:", 6) == 0) {
			char val[256];

			v += (bg ? 11 : 0) + 6;
			while (vg_sa_blank((unsigned char)*v))
				v++;
			if (*v == '\0')
				continue;
			vg_sa_lower_trim(v, val, sizeof(val));
			/* \s*!\s*important$ */
			k = strlen(val);
			if (k >= 9 && strcmp(val + k - 9, "important") == 0) {
				size_t j = k - 9;

				while (j > 0 &&
				    vg_sa_blank((unsigned char)val[j - 1]))
					j--;
				if (j > 0 && val[j - 1] == '!') {
					j--;
					while (j > 0 &&
					    vg_sa_blank(
					        (unsigned char)val[j - 1]))
						j--;
					val[j] = '\0';
				}
			}
			e = bg ? nw->bg : nw->fg;
			if (strstr(val, "rgb") != NULL) {
				unsigned long c[3] = {0, 0, 0};
				size_t ci = 0;
				const char *q;

				/* Only digits and commas count. */
				for (q = val; *q != '\0' && ci < 3; q++) {
					if (isdigit((unsigned char)*q))
						c[ci] = c[ci] * 10 +
						    (unsigned long)(*q - '0');
					else if (*q == ',')
						ci++;
					if (c[ci < 3 ? ci : 2] > 100000)
						c[ci < 3 ? ci : 2] = 100000;
				}
				for (k = 0; k < 3; k++)
					if (c[k] > 255)
						c[k] = 255;
				snprintf(e, sizeof(nw->fg), "#%02lx%02lx%02lx",
				    c[0], c[1], c[2]);
			} else if (strcmp(val, "inherit") == 0) {
				/* unchanged */
			} else if (strcmp(val, "transparent") == 0) {
				snprintf(e, sizeof(nw->fg), "transparent");
			} else
				vg_sa_rgb(val, e, sizeof(nw->fg));
		} else if (strncmp(v, "background:", 11) == 0) {
			v += 11;
			while (vg_sa_blank((unsigned char)*v))
				v++;
			if (*v != '\0')
				vg_sa_css_bg(v, nw->bg, sizeof(nw->bg));
		}
	}
	if (strcmp(nw->bg, "transparent") == 0)
		snprintf(nw->bg, sizeof(nw->bg), "%s", parent->bg);
	if (strcmp(nw->fg, "transparent") == 0)
		snprintf(nw->fg, sizeof(nw->fg), "%s", nw->bg);
}

/*
 * vg_sa_invisible - HTML.pm html_font_invisible's colour tests on the
 * current style: text coloured (almost) as its background, or an
 * invalid colour
 */
static void
vg_sa_invisible(struct vg_sa_parse *p)
{
	const struct vg_sa_style *t = &p->style[p->nstyle - 1];
	size_t fl = strlen(t->fg), bl = strlen(t->bg);
	unsigned v1[3], v2[3];

	if (strcmp(t->fg + (fl > 6 ? fl - 6 : 0),
	        t->bg + (bl > 6 ? bl - 6 : 0)) == 0) {
		p->h->font_low_contrast = true;
		return;
	}
	if (vg_sa_rgbhex(t->fg, v1) && vg_sa_rgbhex(t->bg, v2)) {
		double r = 0.2126 * ((double)v1[0] - (double)v2[0]);
		double g = 0.7152 * ((double)v1[1] - (double)v2[1]);
		double b = 0.0722 * ((double)v1[2] - (double)v2[2]);

		if (sqrt(r * r + g * g + b * b) < 12) {
			p->h->font_low_contrast = true;
			return;
		}
	}
	if (strcmp(t->fg, "invalid") == 0 || strcmp(t->bg, "invalid") == 0)
		p->h->font_invalid_color = true;
}

/* vg_sa_text_style - HTML.pm text_style: the font-size stack */
static void
vg_sa_text_style(struct vg_sa_parse *p, const char *tag,
    const struct vg_sa_attr *a, size_t na, bool start)
{
	static const struct {
		const char *tag, *attrs;
	} ok[] = {{"basefont", " color face size "},
	    {"body", " text bgcolor link alink vlink background "},
	    {"font", " color face size "}, {"table", " bgcolor style "},
	    {"td", " bgcolor style "}, {"tr", " bgcolor style "},
	    {"span", " style "}, {"p", " style "}, {"div", " style "},
	    {"a", " style "}};
	struct vg_html_sa *h = p->h;
	struct vg_sa_style nw;
	const struct vg_sa_attr *sz;
	const char *okattrs = NULL;
	bool any = false;
	size_t i;
	long v;

	if (strcmp(tag, "th") == 0)
		tag = "td";
	if (!start) {
		if (strcmp(tag, "body") != 0)
			vg_sa_style_close(p, tag);
		return;
	}
	if (strcmp(tag, "basefont") == 0 &&
	    (sz = vg_sa_attr_get(a, na, "size")) != NULL) {
		const char *s = sz->value;

		while (vg_sa_blank((unsigned char)*s))
			s++;
		if (isdigit((unsigned char)*s)) {
			p->basefont = strtol(s, NULL, 10);
			return;
		}
	}
	if (strcmp(tag, "td") == 0 || strcmp(tag, "tr") == 0)
		vg_sa_style_table(p, tag);
	nw = p->style[p->nstyle - 1];
	snprintf(nw.tag, sizeof(nw.tag), "%s", tag);
	if (strcmp(tag, "big") == 0)
		nw.size++;
	else if (strcmp(tag, "small") == 0)
		nw.size--;
	else {
		for (i = 0; i < VG_NELEM(ok); i++)
			if (strcmp(ok[i].tag, tag) == 0)
				okattrs = ok[i].attrs;
		for (i = 0; okattrs != NULL && i < na; i++) {
			char key[40];

			snprintf(key, sizeof(key), " %s ", a[i].name);
			if (strstr(okattrs, key) == NULL)
				continue;
			any = true;
			if (strcmp(a[i].name, "size") == 0 &&
			    vg_sa_size(a[i].value, p->basefont, &v))
				nw.size = v;
			else if (strcmp(a[i].name, "text") == 0 ||
			    strcmp(a[i].name, "color") == 0)
				vg_sa_rgb(a[i].value, nw.fg, sizeof(nw.fg));
			else if (strcmp(a[i].name, "style") == 0)
				vg_sa_css(
				    &nw, &p->style[p->nstyle - 1], a[i].value);
			/* HTML.pm rewrites a bgcolor attribute in place but
			 * never into the style: it changes nothing. */
		}
		/* HTML.pm compares at each listed attribute; here once,
		 * after all of them (html_sa.h, DIFFERS). */
		if (any) {
			if (nw.size > h->max_size)
				h->max_size = nw.size;
			else if (nw.size < h->min_size)
				h->min_size = nw.size;
		}
	}
	if (p->nstyle < VG_HTML_SA_STYLE_DEPTH)
		p->style[p->nstyle++] = nw;
}

/*
 * vg_sa_face_ok - HTML.pm's test of <font face>: a list of names
 * ^\s*["'.]?[a-z ][a-z -]*[a-z]\d?["']?(?:,\s*["']?[a-z][a-z -]*[a-z]\d?["']?)*;?$
 * (case-insensitive)
 */
static bool
vg_sa_face_ok(const char *s)
{
	bool first = true;

	while (vg_sa_blank((unsigned char)*s))
		s++;
	for (;;) {
		const char *run;

		if (first && (*s == '"' || *s == '\'' || *s == '.'))
			s++;
		else if (!first && (*s == '"' || *s == '\''))
			s++;
		run = s;
		if (!(isalpha((unsigned char)*s) || (first && *s == ' ')))
			return false;
		s++;
		while (isalpha((unsigned char)*s) || *s == ' ' || *s == '-')
			s++;
		/* The run must end in a letter and hold two characters. */
		if (s - run < 2 || !isalpha((unsigned char)s[-1]))
			return false;
		if (isdigit((unsigned char)*s))
			s++;
		if (*s == '"' || *s == '\'')
			s++;
		first = false;
		if (*s == ',') {
			s++;
			while (vg_sa_blank((unsigned char)*s))
				s++;
			continue;
		}
		if (*s == ';')
			s++;
		/* Perl's $ also matches before a final newline. */
		return *s == '\0' || (s[0] == '\n' && s[1] == '\0');
	}
}

/* vg_sa_dim - an <img> width or height: digits, "%" scaled; 200 if none */
static double
vg_sa_dim(const char *v, double pct)
{
	char *end;
	double n;

	if (!isdigit((unsigned char)*v))
		return 200;
	n = strtod(v, &end);
	if (*end == '%' && end[1] == '\0')
		n *= pct;
	else if (*end != '\0' || strspn(v, "0123456789") != strlen(v))
		return 200;
	return n > 0 ? n : 200;
}

/* vg_sa_has_mailto - "mailto:" anywhere in v, any case */
static bool
vg_sa_has_mailto(const char *v)
{
	for (; *v != '\0'; v++)
		if (strncasecmp(v, "mailto:", 7) == 0)
			return true;
	return false;
}

/* vg_sa_tests - HTML.pm html_tests for a start tag */
static void
vg_sa_tests(struct vg_sa_parse *p, const char *tag, const struct vg_sa_attr *a,
    size_t na)
{
	struct vg_html_sa *h = p->h;
	const struct vg_sa_attr *x, *y;

	if (strcmp(tag, "font") == 0 &&
	    (x = vg_sa_attr_get(a, na, "face")) != NULL &&
	    !vg_sa_face_ok(x->value))
		h->font_face_bad = true;
	if (strcmp(tag, "img") == 0 && vg_sa_open(h, "a") > 0 && p->anchor_open)
		vg_sa_list_append(p, VG_HTML_SA_ANCHOR,
		    h->list[VG_HTML_SA_ANCHOR].n - 1, "<img>\n", 6);
	if (strcmp(tag, "img") == 0 &&
	    (x = vg_sa_attr_get(a, na, "width")) != NULL &&
	    (y = vg_sa_attr_get(a, na, "height")) != NULL)
		h->image_area +=
		    vg_sa_dim(x->value, 8) * vg_sa_dim(y->value, 6);
	if (strcmp(tag, "form") == 0 &&
	    (x = vg_sa_attr_get(a, na, "action")) != NULL &&
	    vg_sa_has_mailto(x->value))
		h->form_action_mailto = true;
	if (strcmp(tag, "object") == 0 || strcmp(tag, "embed") == 0)
		h->embeds = true;
	/* html_uri: an iframe's src, blanks trimmed, is a link of type
	 * iframe (check_iframe_src). */
	if (strcmp(tag, "iframe") == 0 &&
	    (x = vg_sa_attr_get(a, na, "src")) != NULL && x->has_value) {
		const char *v = x->value;

		while (vg_sa_blank((unsigned char)*v))
			v++;
		if (*v != '\0')
			h->iframe_src = true;
	}
	if (strcmp(tag, "a") == 0) {
		vg_sa_list_add(p, VG_HTML_SA_ANCHOR, "", 0);
		/* Past the limit, text goes to the last anchor kept. */
		p->anchor_open = h->list[VG_HTML_SA_ANCHOR].n > 0;
	}
	if (strcmp(tag, "title") == 0) {
		vg_sa_list_add(p, VG_HTML_SA_TITLE, "", 0);
		p->title_index = h->list[VG_HTML_SA_TITLE].n;
	}
}

/* vg_sa_namespace - an Office tag "o:p", "st1:place" (HTML.pm) */
static bool
vg_sa_namespace(const char *t)
{
	size_t n;

	if (t[0] == 'o' && t[1] == ':')
		t += 2;
	else if (t[0] == 's' && t[1] == 't' && isdigit((unsigned char)t[2])) {
		t += 3;
		while (isdigit((unsigned char)*t))
			t++;
		if (*t++ != ':')
			return false;
	} else
		return false;
	n = strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789_-");
	if (n == 0)
		return false;
	return t[n] == '\0' || (t[n] == '/' && t[n + 1] == '\0');
}

/* vg_sa_tag - HTML.pm html_tag: one start (start) or end tag */
static void
vg_sa_tag(struct vg_sa_parse *p, const char *tag, const struct vg_sa_attr *a,
    size_t na, bool start)
{
	struct vg_html_sa *h = p->h;
	struct vg_html_sa_tag *slot;
	bool ns = vg_sa_namespace(tag), seen, elem;

	elem = VG_SA_IN(vg_sa_elements, tag);
	slot = vg_sa_tag_slot(h, tag, &seen);
	/* Past the name limit a tag counts in the totals, as seen. */
	if (slot == NULL)
		seen = true;
	if (elem || ns) {
		h->elements++;
		if (!seen)
			h->elements_seen++;
	}
	h->tags++;
	if (!seen)
		h->tags_seen++;
	if (slot != NULL) {
		slot->inside += start ? 1 : -1;
		if (slot->inside < 0) {
			slot->inside = 0;
			h->closed_extra++;
		}
	}
	if (ns || !(elem || VG_SA_IN(vg_sa_tricks, tag)))
		return;
	if (VG_SA_IN(vg_sa_style_tags, tag))
		vg_sa_text_style(p, tag, a, na, start);
	vg_sa_whitespace(p, tag);
	if (start)
		vg_sa_tests(p, tag, a, na);
}

static bool
vg_sa_name_first(unsigned char c)
{
	return isalpha(c) || c == '_' || c == ':';
}

static bool
vg_sa_name_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_' || c == ':';
}

/*
 * vg_sa_starttag - "<name attrs>" at s[i] (s[i + 1] a name's first
 * character); the index after '>', or 0 when the tag never ends (then
 * it is text).  name_out gets the lower-case name.
 */
static size_t
vg_sa_starttag(const char *s, size_t n, size_t i, char *name_out,
    size_t name_size, struct vg_sa_attr *a, size_t *na)
{
	size_t j = i + 1, k = 0;

	*na = 0;
	while (j < n && vg_sa_name_char((unsigned char)s[j])) {
		if (k + 1 < name_size)
			name_out[k++] = (char)tolower((unsigned char)s[j]);
		j++;
	}
	name_out[k] = '\0';
	for (;;) {
		size_t an = 0, vs, ve;
		struct vg_sa_attr *at;

		while (
		    j < n && (vg_sa_blank((unsigned char)s[j]) || s[j] == '/'))
			j++;
		if (j >= n)
			return 0;
		if (s[j] == '>')
			return j + 1;
		at = *na < VG_SA_MAX_ATTRS ? &a[*na] : NULL;
		while (j < n && !vg_sa_blank((unsigned char)s[j]) &&
		    s[j] != '>' && s[j] != '=' && (an == 0 || s[j] != '/')) {
			if (at != NULL && an + 1 < sizeof(at->name))
				at->name[an] =
				    (char)tolower((unsigned char)s[j]);
			an++;
			j++;
		}
		if (at != NULL) {
			at->name[an < sizeof(at->name) ? an
			                               : sizeof(at->name) - 1] =
			    '\0';
			at->value[0] = '\0';
			at->has_value = false;
		}
		while (j < n && vg_sa_blank((unsigned char)s[j]))
			j++;
		if (j < n && s[j] == '=') {
			j++;
			while (j < n && vg_sa_blank((unsigned char)s[j]))
				j++;
			if (j < n && (s[j] == '"' || s[j] == '\'')) {
				const char *q =
				    memchr(s + j + 1, s[j], n - j - 1);

				if (q == NULL)
					return 0;
				vs = j + 1;
				ve = (size_t)(q - s);
				j = ve + 1;
			} else {
				vs = j;
				while (j < n &&
				    !vg_sa_blank((unsigned char)s[j]) &&
				    s[j] != '>')
					j++;
				ve = j;
			}
			if (at != NULL) {
				size_t dl = vg_sa_decode(s + vs, ve - vs,
				    at->value, sizeof(at->value) - 1);

				at->value[dl] = '\0';
				at->has_value = true;
			}
		} else if (at != NULL) {
			/* A bare attribute: HTML::Parser gives it its name. */
			snprintf(at->value, sizeof(at->value), "%s", at->name);
		}
		if (at != NULL && at->name[0] != '\0' &&
		    vg_sa_attr_get(a, *na, at->name) == NULL)
			(*na)++;
	}
}

/* vg_sa_literal_end - where "</tag" starts in s[i..n), or n */
static size_t
vg_sa_literal_end(const char *s, size_t n, size_t i, const char *tag)
{
	size_t tl = strlen(tag);

	for (; i + 2 + tl <= n; i++) {
		const char *lt = memchr(s + i, '<', n - i);

		if (lt == NULL)
			break;
		i = (size_t)(lt - s);
		if (i + 2 + tl <= n && s[i + 1] == '/' &&
		    strncasecmp(s + i + 2, tag, tl) == 0 &&
		    (i + 2 + tl == n ||
		        !vg_sa_name_char((unsigned char)s[i + 2 + tl])))
			return i;
	}
	return n;
}

/* vg_sa_comment_end - the "-->" at or after s[i], or NULL */
static const char *
vg_sa_comment_end(const char *s, size_t n, size_t i)
{
	while (i + 3 <= n) {
		const char *d = memchr(s + i, '-', n - i);

		if (d == NULL)
			return NULL;
		i = (size_t)(d - s);
		if (i + 3 <= n && d[1] == '-' && d[2] == '>')
			return d;
		i++;
	}
	return NULL;
}

/*
 * vg_sa_emit_text - decode s[0..n) into tmp (room for n bytes: decoding
 * never grows text) and count it as one text event
 */
static void
vg_sa_emit_text(struct vg_sa_parse *p, const char *s, size_t n, char *tmp)
{
	if (n > 0)
		vg_sa_text(p, tmp, vg_sa_decode(s, n, tmp, n + 4));
}

/* vg_html_sa_parse - see html_sa.h */
int
vg_html_sa_parse(struct vg_html_sa **out, const char *s, size_t n)
{
	struct vg_sa_parse *p;
	struct vg_sa_attr *attrs;
	char *tmp;
	size_t i = 0, text_start = 0, k;
	int rc;

	*out = NULL;
	p = vg_calloc(1, sizeof(*p));
	attrs = vg_calloc(VG_SA_MAX_ATTRS, sizeof(*attrs));
	tmp = vg_malloc(n + 8);
	if (p == NULL || attrs == NULL || tmp == NULL ||
	    (p->h = vg_calloc(1, sizeof(*p->h))) == NULL) {
		vg_free(p);
		vg_free(attrs);
		vg_free(tmp);
		return VG_ENOMEM;
	}
	p->basefont = 3;
	p->h->max_size = p->h->min_size = 3;
	snprintf(p->style[0].tag, sizeof(p->style[0].tag), "default");
	p->style[0].size = 3;
	snprintf(p->style[0].fg, sizeof(p->style[0].fg), "#000000");
	snprintf(p->style[0].bg, sizeof(p->style[0].bg), "#ffffff");
	p->nstyle = 1;
	for (k = 0; k < n; k++)
		if (((unsigned char)s[k] & 0xC0) != 0x80)
			p->h->length++;

	while (i < n && p->rc == 0) {
		const char *lt = memchr(s + i, '<', n - i);
		size_t j, na = 0;
		char name[VG_HTML_SA_TAG_NAME_MAX + 1];
		bool end_tag;

		if (lt == NULL)
			break;
		i = (size_t)(lt - s);
		if (i + 1 >= n) {
			i++;
			break;
		}
		end_tag = s[i + 1] == '/';
		if (!end_tag && vg_sa_name_first((unsigned char)s[i + 1])) {
			j = vg_sa_starttag(
			    s, n, i, name, sizeof(name), attrs, &na);
			if (j == 0) {
				i++;
				continue;
			}
			vg_sa_emit_text(p, s + text_start, i - text_start, tmp);
			vg_sa_tag(p, name, attrs, na, true);
			i = text_start = j;
			for (k = 0; k < VG_NELEM(vg_sa_literal); k++)
				if (strcmp(name, vg_sa_literal[k]) == 0)
					break;
			if (k < VG_NELEM(vg_sa_literal)) {
				size_t e = strcmp(name, "plaintext") == 0
				    ? n
				    : vg_sa_literal_end(s, n, i, name);

				/* Entities stay as written in script and
				 * style; the others decode them. */
				vg_sa_emit_text(p, s + i, e - i, tmp);
				i = text_start = e;
			}
			continue;
		}
		if (end_tag && i + 2 < n &&
		    vg_sa_name_first((unsigned char)s[i + 2])) {
			const char *gt = memchr(s + i, '>', n - i);

			if (gt == NULL) {
				i++;
				continue;
			}
			vg_sa_emit_text(p, s + text_start, i - text_start, tmp);
			k = 0;
			for (j = i + 2;
			     j < n && vg_sa_name_char((unsigned char)s[j]); j++)
				if (k + 1 < sizeof(name))
					name[k++] =
					    (char)tolower((unsigned char)s[j]);
			name[k] = '\0';
			vg_sa_tag(p, name, attrs, 0, false);
			i = text_start = (size_t)(gt - s) + 1;
			continue;
		}
		if (s[i + 1] == '!') {
			const char *e;
			size_t stop;

			if (i + 3 < n && s[i + 2] == '-' && s[i + 3] == '-') {
				e = vg_sa_comment_end(s, n, i + 4);
				if (e == NULL) {
					i++;
					continue;
				}
				stop = (size_t)(e - s) + 3;
				vg_sa_emit_text(
				    p, s + text_start, i - text_start, tmp);
				vg_sa_list_add(
				    p, VG_HTML_SA_COMMENT, s + i, stop - i);
				i = text_start = stop;
				continue;
			}
			if ((e = memchr(s + i, '>', n - i)) == NULL) {
				i++;
				continue;
			}
			stop = (size_t)(e - s) + 1;
			vg_sa_emit_text(p, s + text_start, i - text_start, tmp);
			if (i + 2 < n && isalpha((unsigned char)s[i + 2])) {
				/* A declaration: only <!doctype counts. */
				if (stop - i > 9 &&
				    strncasecmp(s + i, "<!doctype", 9) == 0) {
					bool seen;
					struct vg_html_sa_tag *t =
					    vg_sa_tag_slot(
					        p->h, "!doctype", &seen);

					p->h->elements++;
					p->h->tags++;
					if (t != NULL)
						t->inside = 0;
				}
			} else if (s[i + 2] != '[') {
				/* <!> and other bogus comments */
				vg_sa_list_add(
				    p, VG_HTML_SA_COMMENT, s + i, stop - i);
			}
			i = text_start = stop;
			continue;
		}
		if (s[i + 1] == '?') {
			const char *e = memchr(s + i, '>', n - i);

			if (e == NULL) {
				i++;
				continue;
			}
			vg_sa_emit_text(p, s + text_start, i - text_start, tmp);
			i = text_start = (size_t)(e - s) + 1;
			continue;
		}
		i++;
	}
	vg_sa_emit_text(p, s + text_start, n - text_start, tmp);
	/* HTML.pm closes a style or script left open. */
	while (p->rc == 0 && vg_sa_open(p->h, "style") > 0)
		vg_sa_tag(p, "style", attrs, 0, false);
	while (p->rc == 0 && vg_sa_open(p->h, "script") > 0)
		vg_sa_tag(p, "script", attrs, 0, false);
	rc = p->rc;
	if (rc == 0)
		*out = p->h;
	else
		vg_html_sa_free(p->h);
	vg_free(p);
	vg_free(attrs);
	vg_free(tmp);
	return rc;
}

/* vg_html_sa_free - NULL is a no-op */
void
vg_html_sa_free(struct vg_html_sa *h)
{
	size_t l, i;

	if (h == NULL)
		return;
	for (l = 0; l < VG_HTML_SA_NLISTS; l++)
		for (i = 0; i < h->list[l].n; i++)
			vg_free(h->list[l].s[i]);
	vg_free(h);
}

static const char *const vg_sa_values[] = {"closed_extra_ratio",
    "bad_tag_ratio", "non_element_ratio", "obfuscation_ratio", "length",
    "max_size", "min_size", "image_area", "non_space_len"};

/* vg_html_sa_known - see html_sa.h */
bool
vg_html_sa_known(const char *name)
{
	return VG_SA_IN(vg_sa_values, name);
}

/* vg_html_sa_value - see html_sa.h */
bool
vg_html_sa_value(const struct vg_html_sa *h, const char *name, double *out)
{
	*out = nan("");
	if (strcmp(name, "closed_extra_ratio") == 0) {
		if (h->tags > 0)
			*out = (double)h->closed_extra / (double)h->tags;
	} else if (strcmp(name, "bad_tag_ratio") == 0) {
		if (h->tags > 0 && h->elements > 0)
			*out =
			    (double)(h->tags - h->elements) / (double)h->tags;
	} else if (strcmp(name, "non_element_ratio") == 0) {
		if (h->tags_seen > 0 && h->elements_seen > 0)
			*out = (double)(h->tags_seen - h->elements_seen) /
			    (double)h->tags_seen;
	} else if (strcmp(name, "obfuscation_ratio") == 0) {
		if (h->tags > 0 && h->obfuscation > 0)
			*out = (double)h->obfuscation / (double)h->tags;
	} else if (strcmp(name, "length") == 0)
		*out = (double)h->length;
	else if (strcmp(name, "max_size") == 0)
		*out = (double)h->max_size;
	else if (strcmp(name, "min_size") == 0)
		*out = (double)h->min_size;
	else if (strcmp(name, "image_area") == 0)
		*out = h->image_area;
	else if (strcmp(name, "non_space_len") == 0)
		*out = (double)h->non_space_len;
	else
		return false;
	return true;
}
