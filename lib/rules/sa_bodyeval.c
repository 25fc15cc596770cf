/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_bodyeval - SpamAssassin's body eval functions in C: BodyEval's
 * check_body_length and MIMEEval's check_for_uppercase (the specification
 * is Mail::SpamAssassin::Plugin::BodyEval and ::MIMEEval).
 *
 * PURPOSE  Facts of the body as a whole: its raw length, its share of
 *	    capital letters.  The share is computed once per message
 *	    (struct vg_sactx) and shared by every rule asking for a range.
 * DIFFERS  check_for_uppercase reads Vigil's body view (paragraphs, HTML
 *	    rendered) where SpamAssassin reads its own rendering; the lines
 *	    differ where the renderings do.  SpamAssassin's skip for
 *	    CJK/Cyrillic charsets is not applied (the body is UTF-8 here,
 *	    whose non-ASCII letters count as neither case).
 * THREADS  Reentrant: reads the message only.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "message/msg.h"
#include "message/text.h"
#include "rules/rules_evalfn.h"

/* check_body_length(MIN): the raw body is at most MIN bytes */
static int
vg_sa_body_length(struct vg_sactx *c, const struct vg_evalargs *a)
{
	size_t len = 0, off;

	if (c->msg == NULL || vg_msg_raw(c->msg, &len) == NULL)
		return 0;
	off = vg_msg_body_offset(c->msg);
	len = len > off ? len - off : 0;
	return (double)len <= a->num[0];
}

static int
vg_sa_prep_nums(struct vg_evalargs *a, char *why, size_t whylen)
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

/* vg_sa_line_counts - a line with an inner space: upper, lower, length */
static void
vg_sa_upper_line(const char *s, size_t n, size_t *len, size_t *up, size_t *lo)
{
	size_t i;
	bool inner = false;

	for (i = 1; i + 1 < n && !inner; i++)
		if (isspace((unsigned char)s[i]) &&
		    !isspace((unsigned char)s[i - 1]))
			for (size_t k = i; k < n; k++) {
				if (!isspace((unsigned char)s[k])) {
					inner = true;
					break;
				}
			}
	if (!inner)
		return;
	*len += n;
	for (i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];

		if ((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9'))
			(*lo)++;
		else if (b >= 'A' && b <= 'Z')
			(*up)++;
	}
}

/* vg_sa_uppercase - the body's percentage of capitals (0 when short) */
static double
vg_sa_uppercase(struct vg_sactx *c)
{
	const char *s, *end, *nl;
	size_t len = 0, up = 0, lo = 0;
	bool first = true;

	if (c->upper_done)
		return c->upper_pct;
	c->upper_done = true;
	c->upper_pct = 0;
	if (c->text == NULL || c->text->body == NULL)
		return 0;
	s = c->text->body;
	end = s + c->text->body_len;
	for (; s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		/* The first line of the body view is the Subject. */
		if (!first)
			vg_sa_upper_line(s, (size_t)(nl - s), &len, &up, &lo);
		first = false;
	}
	if (len >= 200 && up + lo > 0)
		c->upper_pct = (double)up / (double)(up + lo) * 100.0;
	return c->upper_pct;
}

/* check_for_uppercase(MIN, MAX): MIN < percentage of capitals <= MAX */
static int
vg_sa_check_uppercase(struct vg_sactx *c, const struct vg_evalargs *a)
{
	double pct = vg_sa_uppercase(c);

	return pct > a->num[0] && pct <= a->num[1];
}

/* vg_blank_line - whether s[0..n) has no non-blank character */
static bool
vg_blank_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * check_blank_line_ratio(MIN, MAX, MINLINES): the percentage of blank
 * lines of the decoded text parts (the rawbody view), -1 under MINLINES
 */
static int
vg_sa_blank_ratio(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const char *s, *end, *nl;
	double minlines = a->n > 2 && a->num[2] >= 1 ? a->num[2] : 1;
	double pct;
	size_t lines = 0, blank = 0;

	if (c->text == NULL || c->text->rawbody == NULL)
		return 0;
	s = c->text->rawbody;
	end = s + c->text->rawbody_len;
	for (; s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		lines++;
		if (vg_blank_line(s, (size_t)(nl - s)))
			blank++;
	}
	pct = (double)lines < minlines ? -1
	                               : 100.0 * (double)blank / (double)lines;
	return (a->num[0] == 0 && pct <= a->num[1]) ||
	    (pct > a->num[0] && pct <= a->num[1]);
}

/*
 * tvd_vertical_words(MIN, MAX): the largest share of spaces to other
 * characters of a body paragraph longer than 5 bytes, in percent
 */
static int
vg_sa_vertical_words(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const char *s, *end, *nl;
	long best = -1;
	double max = a->num[1] >= 100 ? 101 : a->num[1];

	if (c->text != NULL && c->text->body != NULL) {
		s = c->text->body;
		end = s + c->text->body_len;
		for (; s < end; s = nl + 1) {
			size_t l, sp = 0, i;
			long pct;

			nl = memchr(s, '\n', (size_t)(end - s));
			if (nl == NULL)
				nl = end;
			l = (size_t)(nl - s);
			if (l <= 5)
				continue;
			for (i = 0; i < l; i++)
				if (s[i] == ' ')
					sp++;
			if (sp > l - sp || l - sp == 0)
				pct = 100;
			else
				pct = (long)(100 * sp / (l - sp));
			if (pct > best)
				best = pct;
		}
	}
	return (double)best >= a->num[0] && (double)best < max;
}

const struct vg_evalfn vg_sa_bodyeval[] = {
    {.name = "check_blank_line_ratio",
        .plugin = "BodyEval",
        .kinds = VG_K(VG_RULE_BODY) | VG_K(VG_RULE_RAWBODY),
        .min_args = 2,
        .max_args = 3,
        .prepare = vg_sa_prep_nums,
        .run = vg_sa_blank_ratio},
    {.name = "tvd_vertical_words",
        .plugin = "BodyEval",
        .kinds = VG_K(VG_RULE_BODY) | VG_K(VG_RULE_RAWBODY),
        .min_args = 2,
        .max_args = 2,
        .prepare = vg_sa_prep_nums,
        .run = vg_sa_vertical_words},
    {.name = "check_body_length",
        .plugin = "BodyEval",
        .kinds = VG_K(VG_RULE_BODY) | VG_K(VG_RULE_RAWBODY),
        .min_args = 1,
        .max_args = 1,
        .prepare = vg_sa_prep_nums,
        .run = vg_sa_body_length},
    {.name = "check_for_uppercase",
        .plugin = "MIMEEval",
        .kinds = VG_K(VG_RULE_BODY),
        .min_args = 2,
        .max_args = 2,
        .prepare = vg_sa_prep_nums,
        .run = vg_sa_check_uppercase},
    {.name = NULL},
};
