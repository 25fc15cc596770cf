/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_htmleval - SpamAssassin's HTMLEval functions in C (the specification
 * is Mail::SpamAssassin::Plugin::HTMLEval).
 *
 * PURPOSE  Facts of a message's HTML.  html_tag_exists asks whether a
 *	    tag occurs in any HTML part.
 * DIFFERS  The tag is looked for in the rawbody view ("<tag" followed by
 *	    a blank, '>' or '/', any case) of a message with HTML parts,
 *	    not in a parser's element list, so a tag name written as text
 *	    inside a text/plain part of such a message counts too.  Vigil
 *	    has no ok_locales setting: under SpamAssassin's default "all",
 *	    html_charset_faraway never hits.
 * THREADS  Reentrant: reads the message only.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "message/text.h"
#include "rules/rules_evalfn.h"

/* html_tag_exists(TAG) */
static int
vg_sa_html_tag_exists(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const char *s, *end;
	size_t n = strlen(a->str[0]);

	if (c->text == NULL || c->text->html.parts == 0 ||
	    c->text->rawbody == NULL)
		return 0;
	s = c->text->rawbody;
	end = s + c->text->rawbody_len;
	while ((s = memchr(s, '<', (size_t)(end - s))) != NULL) {
		s++;
		if ((size_t)(end - s) > n &&
		    strncasecmp(s, a->str[0], n) == 0 &&
		    (isspace((unsigned char)s[n]) || s[n] == '>' ||
		        s[n] == '/'))
			return 1;
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

const struct vg_evalfn vg_sa_htmleval[] = {
    {.name = "html_tag_exists",
        .plugin = "HTMLEval",
        .kinds = VG_K(VG_RULE_BODY) | VG_K(VG_RULE_RAWBODY),
        .min_args = 1,
        .max_args = 1,
        .prepare = vg_sa_prep_tag,
        .run = vg_sa_html_tag_exists},
    {.name = "html_charset_faraway",
        .plugin = "HTMLEval",
        .kinds = VG_K(VG_RULE_BODY) | VG_K(VG_RULE_RAWBODY),
        .run = vg_sa_html_never},
    {.name = NULL},
};
