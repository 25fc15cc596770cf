/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_mimeheader - SpamAssassin's MIMEHeader plugin in C (the
 * specification is Mail::SpamAssassin::Plugin::MIMEHeader):
 * "mimeheader NAME Header[:raw] =~ /regex/" rules on the headers of
 * every MIME part.
 *
 * PURPOSE  A mimeheader rule loads as a body eval rule whose function
 *	    is mimeheader(): the header name, :raw and the compiled regex
 *	    are its arguments.  Per message it tests the header of each
 *	    part in SpamAssassin's order (the message itself first, then
 *	    every part, containers included, depth first, as the MIME walk
 *	    of sa_mimeeval.c finds them): the last such header of the part,
 *	    unfolded and RFC 2047-decoded with a line end appended (as
 *	    Node::get_header gives it), or with :raw as written after the
 *	    colon; a part without the header is tested as "".  The first
 *	    part that matches is a hit; with tflags multiple every match in
 *	    every part counts.
 * DIFFERS  "!~" hits every message, as SpamAssassin 4.0.1's plugin does
 *	    (its loop never counts a negated match, and it then returns
 *	    true); no rule of Debian's uses it.  The header name ALL, the
 *	    range= and concat tflags and [if-unset: ...] are refused at
 *	    load (skipped and counted): no rule of Debian's uses them.
 * LIMITS   The headers of the first VG_SAMIME_HDR_PARTS parts are read
 *	    (sa_mimeeval.c); a header value is cut at VG_SA_MH_VALUE_MAX
 *	    bytes.
 * THREADS  Reentrant: reads the message only.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "message/hdr.h"
#include "rules/rules_evalfn.h"
#include "rules/rules_parse_int.h"

#define VG_SA_MH_VALUE_MAX (64u * 1024)

/* a->sel bits */
#define VG_SA_MH_RAW    1
#define VG_SA_MH_NEGATE 2

/*
 * vg_sa_mh_value - the last header name of the block [s, end) into b:
 * raw, the text after the colon and its blanks, continuation lines kept;
 * else unfolded, decoded, trimmed, "\n" appended.  false when absent.
 */
static bool
vg_sa_mh_value(struct vg_buf *b, const char *s, const char *end,
    const char *name, bool raw)
{
	size_t nl = strlen(name);
	const char *vs = NULL, *ve = NULL;
	struct vg_buf tmp;
	int rc;

	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		const char *next = eol != NULL ? eol + 1 : end;

		if ((size_t)(end - s) > nl && strncasecmp(s, name, nl) == 0) {
			const char *c = s + nl;

			while (c < next && (*c == ' ' || *c == '\t'))
				c++;
			if (c < next && *c == ':') {
				/* This header and its continuation lines. */
				const char *e = next;

				while (e < end && (*e == ' ' || *e == '\t')) {
					const char *n2 =
					    memchr(e, '\n', (size_t)(end - e));

					e = n2 != NULL ? n2 + 1 : end;
				}
				c++;
				while (c < e && (*c == ' ' || *c == '\t'))
					c++;
				vs = c;
				ve = e;
				next = e;
			}
		}
		s = next;
	}
	vg_buf_reset(b);
	if (vs == NULL)
		return false;
	/* The header's own line end is not part of the value. */
	if (ve > vs && ve[-1] == '\n')
		ve--;
	if (ve > vs && ve[-1] == '\r')
		ve--;
	if (raw) {
		(void)vg_hdr_append_cut(b, vs, (size_t)(ve - vs));
		return true;
	}
	vg_buf_init(&tmp, VG_SA_MH_VALUE_MAX);
	rc = vg_hdr_unfold(&tmp, vs, (size_t)(ve - vs));
	if (rc == 0 || rc == VG_ELIMIT)
		rc = vg_hdr_decode(b, vg_buf_cstr(&tmp), tmp.len);
	vg_buf_fini(&tmp);
	if (rc != 0 && rc != VG_ELIMIT)
		vg_buf_reset(b);
	while (b->len > 0 &&
	    (b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '\t'))
		b->len--;
	(void)vg_hdr_append_cut(b, "\n", 1);
	return true;
}

/* mimeheader(): the rule's header of each part against its regex */
static int
vg_sa_mimeheader(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_samime *m = vg_sa_mime(c);
	struct vg_buf b;
	size_t i;
	int hits = 0;

	if (a->sel & VG_SA_MH_NEGATE)
		return 1;
	vg_buf_init(&b, VG_SA_MH_VALUE_MAX);
	for (i = 0; i < m->nhdrs && hits < (int)a->num[3]; i++) {
		const char *v;
		size_t len, pos = 0;

		(void)vg_sa_mh_value(&b, m->hdr_s[i], m->hdr_e[i], a->str[0],
		    (a->sel & VG_SA_MH_RAW) != 0);
		v = b.len > 0 ? vg_buf_cstr(&b) : "";
		len = b.len;
		/* Every match, one after the other (tflags multiple). */
		while (pos <= len && hits < (int)a->num[3]) {
			const PCRE2_SIZE *ov;

			if (vg_sactx_match(c, a->re, v, len, pos) < 0)
				break;
			ov = vg_sactx_ovector(c);
			hits++;
			pos = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
		}
	}
	vg_buf_fini(&b);
	return hits;
}

/* The eval function a mimeheader rule runs (not callable as eval:). */
static const struct vg_evalfn vg_sa_mimeheader_fn = {
    .name = "mimeheader",
    .plugin = "MIMEHeader",
    .kinds = VG_K(VG_RULE_BODY),
    .run = vg_sa_mimeheader,
};

/* vg_sa_mimeheader_compile - see rules_evalfn.h */
int
vg_sa_mimeheader_compile(
    struct vg_rule *rule, char *def, char *why, size_t whylen)
{
	struct vg_evalargs *a;
	char *s = def, *name, *colon;
	bool negate, skip = false;
	int rc;

	name = s;
	while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '=' && *s != '!')
		s++;
	if (s == name) {
		snprintf(why, whylen, "mimeheader: missing header name");
		return VG_ECONFIG;
	}
	if (*s != '\0')
		*s++ = '\0';
	s = vg_rules_skipws(s);
	if ((s[0] != '=' && s[0] != '!') || s[1] != '~') {
		snprintf(why, whylen, "mimeheader: expected =~ or !~");
		return VG_ECONFIG;
	}
	negate = s[0] == '!';
	s = vg_rules_skipws(s + 2);
	if ((colon = strchr(name, ':')) != NULL && strcmp(colon, ":raw") != 0 &&
	    strcmp(colon, ":") != 0) {
		snprintf(
		    why, whylen, "mimeheader: unknown modifier '%s'", colon);
		return VG_ECONFIG;
	}
	if (strcasecmp(name, "ALL") == 0 || strncasecmp(name, "ALL:", 4) == 0) {
		snprintf(why, whylen, "mimeheader: ALL is not implemented");
		return VG_ECONFIG;
	}
	rc = vg_rules_regex(rule, &s, false, why, whylen, &skip);
	if (rc != 0)
		return rc;
	if (*s != '\0') {
		snprintf(
		    why, whylen, "mimeheader: unexpected text after the regex");
		return VG_ECONFIG;
	}
	if ((a = vg_calloc(1, sizeof(*a))) == NULL)
		return VG_ENOMEM;
	a->kind = VG_RULE_BODY;
	a->sel = (colon != NULL && colon[1] == 'r' ? VG_SA_MH_RAW : 0) |
	    (negate ? VG_SA_MH_NEGATE : 0);
	if (colon != NULL)
		*colon = '\0';
	if ((a->str[0] = vg_strdup(name)) == NULL) {
		vg_free(a);
		return VG_ENOMEM;
	}
	a->n = 1;
	/* maxhits: set by vg_sa_mimeheader_finish() once tflags are read. */
	a->num[3] = 1;
	/* The regex moves to the arguments: the rule is an eval rule now. */
	a->re = rule->re;
	rule->re = NULL;
	vg_free(rule->pf_src);
	rule->pf_src = NULL;
	rule->efn = &vg_sa_mimeheader_fn;
	rule->eargs = a;
	return 0;
}

/* vg_sa_mimeheader_finish - see rules_evalfn.h */
void
vg_sa_mimeheader_finish(struct vg_rule *rule)
{
	if (rule->efn == &vg_sa_mimeheader_fn)
		rule->eargs->num[3] = (double)rule->maxhits;
}
