/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_mimeeval - SpamAssassin's MIMEEval functions in C (the specification
 * is Mail::SpamAssassin::Plugin::MIMEEval).
 *
 * PURPOSE  Facts of the MIME structure: whether the text is HTML (only),
 *	    whether a part is an attachment.  They are counted once per
 *	    message over the leaf parts struct vg_text lists.
 * DIFFERS  check_for_mime() knows only 'mime_attachment' so far; other
 *	    names make the rule skipped at load.  Vigil has no ok_locales
 *	    setting: under SpamAssassin's default "all",
 *	    check_for_faraway_charset never hits.
 * THREADS  Reentrant: reads the message only.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "message/text.h"
#include "rules/rules_evalfn.h"

#define VG_SAMIME_HTML       0x1u /* a text/html part */
#define VG_SAMIME_TEXT       0x2u /* another text/ part */
#define VG_SAMIME_ATTACHMENT 0x4u /* Content-Disposition: attachment */

/* vg_sa_mime - the MIME facts, counted on first use */
static unsigned
vg_sa_mime(struct vg_sactx *c)
{
	size_t i;

	if (c->mime_done)
		return c->mime_flags;
	c->mime_done = true;
	for (i = 0; c->text != NULL && i < c->text->nparts; i++) {
		const struct vg_text_part *p = &c->text->parts[i];
		const char *ct = p->content_type != NULL ? p->content_type : "";

		if (strcmp(ct, "text/html") == 0)
			c->mime_flags |= VG_SAMIME_HTML;
		else if (strncmp(ct, "text", 4) == 0)
			c->mime_flags |= VG_SAMIME_TEXT;
		if (p->disposition != NULL &&
		    strstr(p->disposition, "attachment") != NULL)
			c->mime_flags |= VG_SAMIME_ATTACHMENT;
	}
	return c->mime_flags;
}

/* vg_sa_ct_html - the top Content-Type starts text/html */
static bool
vg_sa_ct_html(const struct vg_sactx *c)
{
	const char *ct = vg_sactx_header(c, "Content-Type", false, 0);

	return ct != NULL && strncasecmp(ct, "text/html", 9) == 0;
}

/* check_for_mime_html: an HTML part */
static int
vg_sa_mime_html(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)a;
	return vg_sa_ct_html(c) || (vg_sa_mime(c) & VG_SAMIME_HTML) != 0;
}

/* check_for_mime_html_only: HTML parts and no other text part */
static int
vg_sa_mime_html_only(struct vg_sactx *c, const struct vg_evalargs *a)
{
	unsigned f;

	(void)a;
	if (vg_sa_ct_html(c))
		return 1;
	f = vg_sa_mime(c);
	return (f & VG_SAMIME_HTML) != 0 && (f & VG_SAMIME_TEXT) == 0;
}

/* check_for_mime(NAME): one of the counted facts */
static int
vg_sa_check_for_mime(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)a;
	return (vg_sa_mime(c) & VG_SAMIME_ATTACHMENT) != 0;
}

static int
vg_sa_prep_for_mime(struct vg_evalargs *a, char *why, size_t whylen)
{
	if (strcmp(a->str[0], "mime_attachment") != 0) {
		snprintf(why, whylen,
		    "eval:check_for_mime('%s') is not implemented", a->str[0]);
		return VG_ECONFIG;
	}
	return 0;
}

static int
vg_sa_mime_never(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)c;
	(void)a;
	return 0;
}

const struct vg_evalfn vg_sa_mimeeval[] = {
    {.name = "check_for_mime_html",
        .plugin = "MIMEEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_mime_html},
    {.name = "check_for_mime_html_only",
        .plugin = "MIMEEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_mime_html_only},
    {.name = "check_for_mime",
        .plugin = "MIMEEval",
        .kinds = VG_K_ANY,
        .min_args = 1,
        .max_args = 1,
        .prepare = vg_sa_prep_for_mime,
        .run = vg_sa_check_for_mime},
    {.name = "check_for_faraway_charset",
        .plugin = "MIMEEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_mime_never},
    {.name = NULL},
};
