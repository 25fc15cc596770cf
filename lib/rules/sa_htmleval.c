/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_htmleval - SpamAssassin's HTMLEval functions in C (the specification
 * is Mail::SpamAssassin::Plugin::HTMLEval).
 *
 * PURPOSE  Facts of a message's HTML parts, as SpamAssassin's HTML.pm
 *	    collects them (lib/message/html_sa.h: tags as written, their
 *	    balance, image area, text lengths, titles, comments, link
 *	    texts, font sizes).  Each function asks whether any HTML part
 *	    has the fact, as SpamAssassin loops over html_all.
 * DIFFERS  Vigil has no ok_locales setting: under SpamAssassin's default
 *	    "all", html_charset_faraway never hits.  html_test knows html,
 *	    form_action_mailto, font_face_bad, embeds, font_low_contrast
 *	    and font_invalid_color; other keys are refused at load, so
 *	    their rules are skipped and counted.
 * THREADS  Reentrant: reads the message only.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/num.h"
#include "message/html_sa.h"
#include "message/text.h"
#include "rules/rules_evalfn.h"

static int vg_sa_prep_tag(struct vg_evalargs *a, char *why, size_t whylen);

#define VG_SA_HTML_EACH(c, h)                                                  \
	for (size_t vg_i_ = 0;                                                 \
	     (c)->text != NULL && vg_i_ < (c)->text->nhtml_sa &&               \
	     ((h) = (c)->text->html_sa[vg_i_]) != NULL;                        \
	     vg_i_++)

/* html_tag_exists(TAG): a part had the tag, open or closed */
static int
vg_sa_html_tag_exists(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_html_sa *h;

	VG_SA_HTML_EACH(c, h)
	if (vg_html_sa_inside(h, a->str[0]) >= 0)
		return 1;
	return 0;
}

/* The comparisons of html_tag_balance and html_eval ("!= 0", "< 512"). */
enum vg_sa_cmp {
	VG_SA_LT,
	VG_SA_LE,
	VG_SA_GT,
	VG_SA_GE,
	VG_SA_EQ,
	VG_SA_NE
};

/*
 * vg_sa_prep_cmp - "OP NUMBER" of argument i into a->sel and a->num[i].
 * SpamAssassin evaluates any expression of the characters <>=!-+ digits
 * and blanks after the value; the rules use only this shape.
 */
static int
vg_sa_prep_cmp(struct vg_evalargs *a, size_t i, char *why, size_t whylen)
{
	static const struct {
		const char *op;
		enum vg_sa_cmp cmp;
	} ops[] = {{"<=", VG_SA_LE}, {">=", VG_SA_GE}, {"==", VG_SA_EQ},
	    {"!=", VG_SA_NE}, {"<", VG_SA_LT}, {">", VG_SA_GT}};
	const char *s = a->str[i];
	char *end;
	size_t k;

	while (*s == ' ')
		s++;
	for (k = 0; k < VG_NELEM(ops); k++)
		if (strncmp(s, ops[k].op, strlen(ops[k].op)) == 0)
			break;
	if (k == VG_NELEM(ops)) {
		snprintf(
		    why, whylen, "eval: want OP NUMBER, got '%s'", a->str[i]);
		return VG_ECONFIG;
	}
	s += strlen(ops[k].op);
	a->num[i] = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (end == s || *end != '\0' ||
	    strspn(s, " -+0123456789") != strlen(s)) {
		snprintf(
		    why, whylen, "eval: want OP NUMBER, got '%s'", a->str[i]);
		return VG_ECONFIG;
	}
	a->sel = (int)ops[k].cmp;
	return 0;
}

static bool
vg_sa_cmp(double v, int cmp, double n)
{
	switch ((enum vg_sa_cmp)cmp) {
	case VG_SA_LT:
		return v < n;
	case VG_SA_LE:
		return v <= n;
	case VG_SA_GT:
		return v > n;
	case VG_SA_GE:
		return v >= n;
	case VG_SA_EQ:
		return v == n;
	case VG_SA_NE:
		return v != n;
	}
	return false;
}

/* html_tag_balance(TAG, EXPR): starts minus ends of TAG in a part */
static int
vg_sa_html_tag_balance(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_html_sa *h;

	VG_SA_HTML_EACH(c, h)
	{
		long v = vg_html_sa_inside(h, a->str[0]);

		if (v >= 0 && vg_sa_cmp((double)v, a->sel, a->num[1]))
			return 1;
	}
	return 0;
}

static int
vg_sa_prep_balance(struct vg_evalargs *a, char *why, size_t whylen)
{
	int rc = vg_sa_prep_tag(a, why, whylen);

	return rc != 0 ? rc : vg_sa_prep_cmp(a, 1, why, whylen);
}

/* vg_sa_prep_minmax - two numbers (html_image_only, html_image_ratio) */
static int
vg_sa_prep_minmax(struct vg_evalargs *a, char *why, size_t whylen)
{
	if (isnan(a->num[0]) || isnan(a->num[1])) {
		snprintf(why, whylen, "eval: want two numbers");
		return VG_ECONFIG;
	}
	return 0;
}

/* html_image_only(MIN, MAX): a part with <img> and MIN < length <= MAX */
static int
vg_sa_html_image_only(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_html_sa *h;

	VG_SA_HTML_EACH(c, h)
	if (vg_html_sa_inside(h, "img") >= 0 && (double)h->length > a->num[0] &&
	    (double)h->length <= a->num[1])
		return 1;
	return 0;
}

/* html_image_ratio(MIN, MAX): text characters per pixel of image */
static int
vg_sa_html_image_ratio(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_html_sa *h;

	VG_SA_HTML_EACH(c, h)
	{
		double r;

		if (h->image_area <= 0)
			continue;
		r = (double)h->non_space_len / h->image_area;
		if (r > a->num[0] && r <= a->num[1])
			return 1;
	}
	return 0;
}

/* The html_test keys Vigil collects. */
enum vg_sa_htest {
	VG_SA_HT_HTML,
	VG_SA_HT_MAILTO,
	VG_SA_HT_FACE,
	VG_SA_HT_EMBEDS,
	VG_SA_HT_LOW_CONTRAST,
	VG_SA_HT_INVALID_COLOR
};

static int
vg_sa_prep_test(struct vg_evalargs *a, char *why, size_t whylen)
{
	static const char *const keys[] = {"html", "form_action_mailto",
	    "font_face_bad", "embeds", "font_low_contrast",
	    "font_invalid_color"};
	size_t k;

	for (k = 0; k < VG_NELEM(keys); k++)
		if (strcmp(a->str[0], keys[k]) == 0) {
			a->sel = (int)k;
			return 0;
		}
	snprintf(
	    why, whylen, "eval: html_test('%s') is not collected", a->str[0]);
	return VG_ECONFIG;
}

/* html_test(KEY): a part has the flag */
static int
vg_sa_html_test(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_html_sa *h;

	VG_SA_HTML_EACH(c, h)
	{
		switch ((enum vg_sa_htest)a->sel) {
		case VG_SA_HT_HTML:
			return 1;
		case VG_SA_HT_MAILTO:
			if (h->form_action_mailto)
				return 1;
			break;
		case VG_SA_HT_FACE:
			if (h->font_face_bad)
				return 1;
			break;
		case VG_SA_HT_EMBEDS:
			if (h->embeds)
				return 1;
			break;
		case VG_SA_HT_LOW_CONTRAST:
			if (h->font_low_contrast)
				return 1;
			break;
		case VG_SA_HT_INVALID_COLOR:
			if (h->font_invalid_color)
				return 1;
			break;
		}
	}
	return 0;
}

static int
vg_sa_prep_value(struct vg_evalargs *a, char *why, size_t whylen)
{
	if (!vg_html_sa_known(a->str[0])) {
		snprintf(why, whylen, "eval: HTML value '%s' is not collected",
		    a->str[0]);
		return VG_ECONFIG;
	}
	return 0;
}

/* html_eval(KEY, EXPR): a part's value compares true */
static int
vg_sa_html_eval(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_html_sa *h;

	VG_SA_HTML_EACH(c, h)
	{
		double v;

		if (vg_html_sa_value(h, a->str[0], &v) && !isnan(v) &&
		    vg_sa_cmp(v, a->sel, a->num[1]))
			return 1;
	}
	return 0;
}

static int
vg_sa_prep_eval(struct vg_evalargs *a, char *why, size_t whylen)
{
	int rc = vg_sa_prep_value(a, why, whylen);

	return rc != 0 ? rc : vg_sa_prep_cmp(a, 1, why, whylen);
}

/* html_range(KEY, MIN[, MAX]): MIN < value <= MAX; no MAX or "inf": > MIN */
static int
vg_sa_html_range(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_html_sa *h;
	bool inf = a->n < 3 || strcmp(a->str[2], "inf") == 0;

	VG_SA_HTML_EACH(c, h)
	{
		double v;

		if (!vg_html_sa_value(h, a->str[0], &v) || isnan(v))
			continue;
		if (v > a->num[1] && (inf || v <= a->num[2]))
			return 1;
	}
	return 0;
}

static int
vg_sa_prep_range(struct vg_evalargs *a, char *why, size_t whylen)
{
	int rc = vg_sa_prep_value(a, why, whylen);

	if (rc != 0)
		return rc;
	if (isnan(a->num[1]) ||
	    (a->n > 2 && isnan(a->num[2]) && strcmp(a->str[2], "inf") != 0)) {
		snprintf(why, whylen, "eval: html_range wants numbers");
		return VG_ECONFIG;
	}
	return 0;
}

/* The string lists of html_text_match, by SpamAssassin's key. */
static int
vg_sa_prep_text(struct vg_evalargs *a, char *why, size_t whylen)
{
	static const struct {
		const char *key;
		enum vg_html_sa_list l;
	} lists[] = {{"title", VG_HTML_SA_TITLE},
	    {"comment", VG_HTML_SA_COMMENT}, {"anchor", VG_HTML_SA_ANCHOR}};
	PCRE2_SIZE eoff;
	size_t k;
	int ec;

	for (k = 0; k < VG_NELEM(lists); k++)
		if (strcmp(a->str[0], lists[k].key) == 0)
			break;
	if (k == VG_NELEM(lists)) {
		snprintf(why, whylen, "eval: HTML text '%s' is not collected",
		    a->str[0]);
		return VG_ECONFIG;
	}
	a->sel = (int)lists[k].l;
	a->re = pcre2_compile((PCRE2_SPTR)a->str[1], PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec, &eoff, NULL);
	if (a->re == NULL) {
		snprintf(why, whylen, "eval: bad regex '%s'", a->str[1]);
		return VG_ECONFIG;
	}
	return 0;
}

/*
 * vg_sa_html_text - whether a string of the list matches (want) or
 * fails to match (!want) the regex
 */
static int
vg_sa_html_text(struct vg_sactx *c, const struct vg_evalargs *a, bool want)
{
	const struct vg_html_sa *h;
	int hit = 0;

	if (c->text == NULL || c->text->nhtml_sa == 0)
		return 0;
	VG_SA_HTML_EACH(c, h)
	{
		const struct vg_html_sa_strings *L = &h->list[a->sel];

		for (size_t k = 0; k < L->n && !hit; k++) {
			int rc =
			    vg_sactx_match(c, a->re, L->s[k], L->len[k], 0);

			if ((rc >= 0) == want &&
			    (rc >= 0 || rc == PCRE2_ERROR_NOMATCH))
				hit = 1;
		}
		if (hit)
			break;
	}
	return hit;
}

/* html_text_match(KEY, REGEX) */
static int
vg_sa_html_text_match(struct vg_sactx *c, const struct vg_evalargs *a)
{
	return vg_sa_html_text(c, a, true);
}

/* html_text_not_match(KEY, REGEX) */
static int
vg_sa_html_text_not_match(struct vg_sactx *c, const struct vg_evalargs *a)
{
	return vg_sa_html_text(c, a, false);
}

/* vg_sa_chars - UTF-8 characters of s */
static size_t
vg_sa_chars(const char *s, size_t n)
{
	size_t k, chars = 0;

	for (k = 0; k < n; k++)
		if (((unsigned char)s[k] & 0xC0) != 0x80)
			chars++;
	return chars;
}

/* html_title_subject_ratio(RATIO): a title longer than RATIO subjects */
static int
vg_sa_html_title_subject_ratio(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_html_sa *h;
	const char *subj = vg_sactx_header(c, "Subject", false, 0);
	size_t slen;

	if (subj == NULL || *subj == '\0')
		return 0;
	slen = vg_sa_chars(subj, strlen(subj));
	VG_SA_HTML_EACH(c, h)
	{
		const struct vg_html_sa_strings *L = &h->list[VG_HTML_SA_TITLE];
		double max = 0;

		for (size_t k = 0; k < L->n; k++) {
			double r = (double)vg_sa_chars(L->s[k], L->len[k]) /
			    (double)slen;

			if (r > max)
				max = r;
		}
		if (max > a->num[0])
			return 1;
	}
	return 0;
}

/* check_iframe_src(): a part has <iframe src="..."> */
static int
vg_sa_check_iframe_src(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_html_sa *h;

	(void)a;
	VG_SA_HTML_EACH(c, h)
	if (h->iframe_src)
		return 1;
	return 0;
}

static int
vg_sa_prep_num(struct vg_evalargs *a, char *why, size_t whylen)
{
	if (isnan(a->num[0])) {
		snprintf(why, whylen, "eval: want a number");
		return VG_ECONFIG;
	}
	return 0;
}

static int
vg_sa_prep_tag(struct vg_evalargs *a, char *why, size_t whylen)
{
	const char *p;

	for (p = a->str[0]; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p)) {
			snprintf(
			    why, whylen, "eval: bad tag name '%s'", a->str[0]);
			return VG_ECONFIG;
		}
	if (*a->str[0] == '\0') {
		snprintf(why, whylen, "eval: empty tag name");
		return VG_ECONFIG;
	}
	return 0;
}

static int
vg_sa_html_never(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)c;
	(void)a;
	return 0;
}

#define VG_SA_HTMLFN(fname, fn, prep, lo, hi)                                  \
	{                                                                      \
		.name = (fname), .plugin = "HTMLEval",                         \
		.kinds = VG_K(VG_RULE_BODY) | VG_K(VG_RULE_RAWBODY),           \
		.min_args = (lo), .max_args = (hi), .prepare = (prep),         \
		.run = (fn)                                                    \
	}

const struct vg_evalfn vg_sa_htmleval[] = {
    VG_SA_HTMLFN(
        "html_tag_exists", vg_sa_html_tag_exists, vg_sa_prep_tag, 1, 1),
    VG_SA_HTMLFN(
        "html_tag_balance", vg_sa_html_tag_balance, vg_sa_prep_balance, 2, 2),
    VG_SA_HTMLFN(
        "html_image_only", vg_sa_html_image_only, vg_sa_prep_minmax, 2, 2),
    VG_SA_HTMLFN(
        "html_image_ratio", vg_sa_html_image_ratio, vg_sa_prep_minmax, 2, 2),
    VG_SA_HTMLFN("html_test", vg_sa_html_test, vg_sa_prep_test, 1, 1),
    VG_SA_HTMLFN("html_eval", vg_sa_html_eval, vg_sa_prep_eval, 2, 2),
    VG_SA_HTMLFN("html_range", vg_sa_html_range, vg_sa_prep_range, 2, 3),
    VG_SA_HTMLFN(
        "html_text_match", vg_sa_html_text_match, vg_sa_prep_text, 2, 2),
    VG_SA_HTMLFN("html_text_not_match", vg_sa_html_text_not_match,
        vg_sa_prep_text, 2, 2),
    VG_SA_HTMLFN("html_title_subject_ratio", vg_sa_html_title_subject_ratio,
        vg_sa_prep_num, 1, 1),
    VG_SA_HTMLFN("html_charset_faraway", vg_sa_html_never, NULL, 0, 0),
    VG_SA_HTMLFN("check_iframe_src", vg_sa_check_iframe_src, NULL, 0, 0),
    {.name = NULL},
};
