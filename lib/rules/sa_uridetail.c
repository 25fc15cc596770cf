/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_uridetail - SpamAssassin's URIDetail plugin in C: the rule type
 * "uri_detail NAME KEY =~ /re/ [KEY !~ /re/ ...]" (the specification is
 * Mail::SpamAssassin::Plugin::URIDetail).
 *
 * PURPOSE  A uri_detail rule hits when one URI of the message meets
 *	    every criterion: KEY =~ /re/ when one of the URI's KEY values
 *	    matches, KEY !~ /re/ when one does not.  It loads as a body
 *	    eval rule whose function is uridetail(); its regexes live in
 *	    the rules set (struct vg_rules_uridetail), the rule's a->sel
 *	    is its row.  The URIs are Vigil's URI list (vg_text's uris,
 *	    message/uri.c), which every uri rule reads too.
 * KEYS     raw and cleaned: the URI as Vigil's list spells it
 *	    (normalised: uri.h NORMAL), one value for both.  SpamAssassin's
 *	    raw is the link as written and cleaned its decoded variants;
 *	    a pattern on the scheme, host or path sees the same text in
 *	    the common case.  host: the URI's host (for mailto: the
 *	    address's domain).  domain: the host's registrable domain
 *	    (vg_sa_reg_domain(); none for an unknown top-level domain,
 *	    which then fails the criterion, as in SpamAssassin).
 * DIFFERS  type (a, img, form, parsed, ...) and text (anchor text) are
 *	    not known to Vigil's URI list: a rule with either key is
 *	    refused at load (skipped and counted under URIDetail).
 * OWNS     struct vg_rules_uridetail belongs to the rules set.
 * LIMITS   VG_SAUD_MAX uri_detail rules; each criterion once per rule
 *	    (a repeated key replaces the earlier, as in SpamAssassin).  The
 *	    URI list is bounded by the text layer (max_uris).
 * THREADS  Built by the load; read-only after.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "message/text.h"
#include "message/uri.h"
#include "rules/rules_evalfn.h"
#include "rules/rules_parse_int.h"

#define VG_SAUD_MAX 10000

/* The keys Vigil can fill, in the order they are tested. */
enum vg_saud_key {
	VG_SAUD_RAW,
	VG_SAUD_CLEANED,
	VG_SAUD_DOMAIN,
	VG_SAUD_HOST,
	VG_SAUD_NKEYS,
};

static const char *const vg_saud_keys[VG_SAUD_NKEYS] = {
    [VG_SAUD_RAW] = "raw",
    [VG_SAUD_CLEANED] = "cleaned",
    [VG_SAUD_DOMAIN] = "domain",
    [VG_SAUD_HOST] = "host",
};

/* One rule's criteria: re[k] NULL when key k is not tested. */
struct vg_saud_row {
	pcre2_code *re[VG_SAUD_NKEYS];
	bool neg[VG_SAUD_NKEYS];
};

struct vg_rules_uridetail {
	struct vg_saud_row *rows;
	size_t n, cap;
};

/* vg_saud_test - one criterion over one value */
static bool
vg_saud_test(struct vg_sactx *c, const struct vg_saud_row *row, size_t k,
    const char *s, size_t n)
{
	bool m = vg_sactx_match(c, row->re[k], s, n, 0) >= 0;

	return row->neg[k] ? !m : m;
}

/* uridetail(): one URI that meets every criterion of the rule's row */
static int
vg_sa_uridetail(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_rules_uridetail *ud = c->r->uridetail;
	const struct vg_saud_row *row;
	size_t i, k;

	if (ud == NULL || a->sel < 0 || (size_t)a->sel >= ud->n ||
	    c->text == NULL)
		return 0;
	row = &ud->rows[a->sel];
	for (i = 0; i < c->text->nuris; i++) {
		const char *u = c->text->uris[i], *h = NULL;
		size_t ulen = strlen(u), hlen = 0;
		bool have_host = vg_uri_host(&h, &hlen, u, ulen), ok = true;
		char dom[256];
		bool have_dom = false, dom_done = false;

		for (k = 0; k < VG_SAUD_NKEYS && ok; k++) {
			if (row->re[k] == NULL)
				continue;
			switch ((enum vg_saud_key)k) {
			case VG_SAUD_RAW:
			case VG_SAUD_CLEANED:
				ok = vg_saud_test(c, row, k, u, ulen);
				break;
			case VG_SAUD_HOST:
				ok = have_host &&
				    vg_saud_test(c, row, k, h, hlen);
				break;
			case VG_SAUD_DOMAIN:
				if (!dom_done) {
					dom_done = true;
					have_dom = have_host &&
					    vg_sa_reg_domain(
					        dom, sizeof(dom), h, hlen);
				}
				ok = have_dom &&
				    vg_saud_test(c, row, k, dom, strlen(dom));
				break;
			case VG_SAUD_NKEYS:
				break;
			}
		}
		if (ok)
			return 1;
	}
	return 0;
}

/* The eval function a uri_detail rule runs (not callable as eval:). */
static const struct vg_evalfn vg_sa_uridetail_fn = {
    .name = "uridetail",
    .plugin = "URIDetail",
    .kinds = VG_K(VG_RULE_BODY),
    .run = vg_sa_uridetail,
};

/* vg_saud_row_free - the regexes of one row */
static void
vg_saud_row_free(struct vg_saud_row *row)
{
	for (size_t k = 0; k < VG_SAUD_NKEYS; k++) {
		pcre2_code_free(row->re[k]);
		row->re[k] = NULL;
	}
}

/* vg_rules_uridetail_free - see rules_parse_int.h */
void
vg_rules_uridetail_free(struct vg_rules_uridetail *ud)
{
	if (ud == NULL)
		return;
	for (size_t i = 0; i < ud->n; i++)
		vg_saud_row_free(&ud->rows[i]);
	vg_free(ud->rows);
	vg_free(ud);
}

/*
 * vg_saud_parse - "KEY op /re/ ..." into row; 0 or VG_ECONFIG (why; *skip
 * for what compat mode skips: a key Vigil cannot fill, a regex PCRE2
 * refuses), VG_ENOMEM
 */
static int
vg_saud_parse(
    struct vg_saud_row *row, char *s, char *why, size_t whylen, bool *skip)
{
	size_t ncrit = 0;

	*skip = false;
	for (s = vg_rules_skipws(s); *s != '\0'; s = vg_rules_skipws(s)) {
		struct vg_rule tmp;
		char *key = s;
		size_t kl, k;
		bool neg;
		int rc;

		while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_')
			s++;
		kl = (size_t)(s - key);
		s = vg_rules_skipws(s);
		if (kl == 0 || (s[0] != '=' && s[0] != '!') || s[1] != '~') {
			snprintf(why, whylen,
			    "uri_detail: want KEY =~ /regex/ or KEY !~ "
			    "/regex/");
			return VG_ECONFIG;
		}
		neg = s[0] == '!';
		s = vg_rules_skipws(s + 2);
		if ((kl == 4 && strncmp(key, "type", 4) == 0) ||
		    (kl == 4 && strncmp(key, "text", 4) == 0)) {
			snprintf(why, whylen,
			    "uri_detail: key '%.4s' is not implemented "
			    "(Vigil's URI list does not record it)",
			    key);
			*skip = true;
			return VG_ECONFIG;
		}
		for (k = 0; k < VG_SAUD_NKEYS; k++)
			if (strlen(vg_saud_keys[k]) == kl &&
			    strncmp(key, vg_saud_keys[k], kl) == 0)
				break;
		if (k == VG_SAUD_NKEYS) {
			snprintf(why, whylen,
			    "uri_detail: unknown key '%.*s' (raw, type, "
			    "cleaned, text, domain, host)",
			    (int)(kl < 64 ? kl : 64), key);
			return VG_ECONFIG;
		}
		memset(&tmp, 0, sizeof(tmp));
		rc = vg_rules_regex(&tmp, &s, false, why, whylen, skip);
		pcre2_code_free(tmp.re_ml);
		vg_free(tmp.pf_src);
		if (rc != 0) {
			pcre2_code_free(tmp.re);
			return rc;
		}
		pcre2_code_free(row->re[k]);
		row->re[k] = tmp.re;
		row->neg[k] = neg;
		ncrit++;
	}
	if (ncrit == 0) {
		snprintf(why, whylen, "uri_detail: no criteria");
		return VG_ECONFIG;
	}
	return 0;
}

/* vg_sa_uridetail_compile - see rules_evalfn.h */
int
vg_sa_uridetail_compile(struct vg_rules *r, struct vg_rule *rule, char *def,
    char *why, size_t whylen, bool *skip)
{
	struct vg_rules_uridetail *ud = r->uridetail;
	struct vg_saud_row row;
	struct vg_evalargs *a;
	int rc;

	memset(&row, 0, sizeof(row));
	if ((rc = vg_saud_parse(&row, def, why, whylen, skip)) != 0) {
		vg_saud_row_free(&row);
		return rc;
	}
	if (ud == NULL &&
	    (ud = r->uridetail = vg_calloc(1, sizeof(*ud))) == NULL) {
		vg_saud_row_free(&row);
		return VG_ENOMEM;
	}
	if (ud->n >= VG_SAUD_MAX) {
		vg_saud_row_free(&row);
		snprintf(why, whylen, "uri_detail: too many rules (limit %u)",
		    (unsigned)VG_SAUD_MAX);
		*skip = false;
		return VG_ECONFIG;
	}
	if (ud->n == ud->cap) {
		size_t cap = ud->cap ? 2 * ud->cap : 16;
		struct vg_saud_row *rows =
		    vg_reallocarray(ud->rows, cap, sizeof(*rows));

		if (rows == NULL) {
			vg_saud_row_free(&row);
			return VG_ENOMEM;
		}
		ud->rows = rows;
		ud->cap = cap;
	}
	if ((a = vg_calloc(1, sizeof(*a))) == NULL) {
		vg_saud_row_free(&row);
		return VG_ENOMEM;
	}
	a->kind = VG_RULE_BODY;
	a->sel = (int)ud->n;
	ud->rows[ud->n++] = row;
	rule->efn = &vg_sa_uridetail_fn;
	rule->eargs = a;
	return 0;
}
