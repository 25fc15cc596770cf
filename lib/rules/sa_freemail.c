/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_freemail - SpamAssassin's FreeMail plugin in C: the freemail_domains
 * and freemail_welcomelist directives and check_freemail_from,
 * check_freemail_header and check_freemail_replyto (the specification is
 * Mail::SpamAssassin::Plugin::FreeMail).
 *
 * PURPOSE  Spam sent from, or answered to, a free mailbox (gmail.com,
 *	    yahoo.*, ...).  Domains are kept sorted for a binary search;
 *	    wildcard entries ("yahoo.*", "*.free.hr") become one PCRE2
 *	    regex at the end of the load, as in SpamAssassin.  The
 *	    plugin's default welcomelist of role and bounce addresses and
 *	    its list of bulk envelope senders are written out in C.
 * DIFFERS  check_freemail_replyto's look at addresses in the body scans
 *	    the body view for user@host.tld (any alphabetic TLD of two or
 *	    more letters, where SpamAssassin checks its list of TLDs) and
 *	    skips those inside http(s) links.  Before those, the addresses
 *	    of <a href="mailto:..."> tags in the raw body view (HTML and
 *	    text parts alike; entities in the attribute not decoded) that
 *	    the body view does not show (SpamAssassin: URIs of type "a",
 *	    not "parsed").  The freemail_max_body_* and
 *	    freemail_skip_* settings have SpamAssassin's defaults (5, 3, 1,
 *	    1) and are not directives.
 * OWNS     struct vg_rules_freemail belongs to the rules set.
 * LIMITS   VG_FREEMAIL_MAX domains (more is an error); addresses of
 *	    VG_FREEMAIL_ADDR_MAX bytes, VG_FREEMAIL_ADDRS per header name.
 * THREADS  Built by the load; read-only after.  Matching uses match data
 *	    made per call.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "message/hdr.h"
#include "message/msg.h"
#include "message/text.h"
#include "rules/rules_evalfn.h"
#include "rules/rules_parse_int.h"

#define VG_FREEMAIL_MAX      100000
#define VG_FREEMAIL_ADDR_MAX 320
#define VG_FREEMAIL_ADDRS    32
#define VG_FREEMAIL_BODY     40 /* body addresses read, as SpamAssassin */

struct vg_rules_freemail {
	char **domains; /* exact, lower case; sorted at the end of the load */
	size_t ndomains, capdomains;
	char **wild; /* with * or ? */
	size_t nwild, capwild;
	char **welcome; /* freemail_welcomelist: addresses or domains */
	size_t nwelcome, capwelcome;
	pcre2_code *wild_re;
	bool sorted;
};

/* vg_fm_push - append a copy of s to a list; VG_ENOMEM */
static int
vg_fm_push(char ***list, size_t *n, size_t *cap, const char *s)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		char **l = vg_reallocarray(*list, c, sizeof(*l));

		if (l == NULL)
			return VG_ENOMEM;
		*list = l;
		*cap = c;
	}
	if (((*list)[*n] = vg_strdup(s)) == NULL)
		return VG_ENOMEM;
	for (char *p = (*list)[*n]; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	(*n)++;
	return 0;
}

/* vg_rules_freemail_free - NULL is a no-op */
void
vg_rules_freemail_free(struct vg_rules_freemail *fm)
{
	size_t i;

	if (fm == NULL)
		return;
	for (i = 0; i < fm->ndomains; i++)
		vg_free(fm->domains[i]);
	for (i = 0; i < fm->nwild; i++)
		vg_free(fm->wild[i]);
	for (i = 0; i < fm->nwelcome; i++)
		vg_free(fm->welcome[i]);
	vg_free(fm->domains);
	vg_free(fm->wild);
	vg_free(fm->welcome);
	pcre2_code_free(fm->wild_re);
	vg_free(fm);
}

/* vg_rules_dir_freemail - freemail_domains / freemail_welcomelist */
int
vg_rules_dir_freemail(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	struct vg_rules *r = p->r;
	struct vg_rules_freemail *fm = r->freemail;
	bool domains = strcmp(dir, "freemail_domains") == 0;
	char *w;
	int rc;

	if (fm == NULL &&
	    (fm = r->freemail = vg_calloc(1, sizeof(*fm))) == NULL)
		return VG_ENOMEM;
	while (*(w = vg_rules_word(&rest)) != '\0') {
		if (domains) {
			if (w[strspn(w,
			        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST"
			        "UVWX"
			        "YZ0123456789.*?-")] != '\0') {
				vg_rules_perr(p, f,
				    "freemail_domains: invalid domain '%s'", w);
				continue;
			}
			if (fm->ndomains + fm->nwild >= VG_FREEMAIL_MAX) {
				vg_rules_perr(p, f,
				    "freemail_domains: too many (limit %u)",
				    (unsigned)VG_FREEMAIL_MAX);
				return 0;
			}
			if (strpbrk(w, "*?") != NULL)
				rc = vg_fm_push(
				    &fm->wild, &fm->nwild, &fm->capwild, w);
			else
				rc = vg_fm_push(&fm->domains, &fm->ndomains,
				    &fm->capdomains, w);
		} else {
			if (fm->nwelcome >= VG_FREEMAIL_MAX) {
				vg_rules_perr(p, f, "%s: too many (limit %u)",
				    dir, (unsigned)VG_FREEMAIL_MAX);
				return 0;
			}
			rc = vg_fm_push(
			    &fm->welcome, &fm->nwelcome, &fm->capwelcome, w);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
vg_fm_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* vg_rules_freemail_finish - sort the domains, compile the wildcards */
int
vg_rules_freemail_finish(struct vg_rparse *p)
{
	struct vg_rules_freemail *fm = p->r->freemail;
	struct vg_buf b;
	size_t i;
	int ec, rc = 0;
	PCRE2_SIZE eoff;

	if (fm == NULL)
		return 0;
	/* qsort's array must not be NULL, even for no elements. */
	if (fm->ndomains > 0)
		qsort(
		    fm->domains, fm->ndomains, sizeof(*fm->domains), vg_fm_cmp);
	if (fm->nwelcome > 0)
		qsort(
		    fm->welcome, fm->nwelcome, sizeof(*fm->welcome), vg_fm_cmp);
	fm->sorted = true;
	if (fm->nwild == 0)
		return 0;
	/* \@(?:a\.[^.]*|...)$, as SpamAssassin builds it */
	vg_buf_init(&b, 16u * 1024 * 1024);
	rc = vg_buf_append_str(&b, "\\@(?:");
	for (i = 0; i < fm->nwild && rc == 0; i++) {
		if (i > 0)
			rc = vg_buf_append_str(&b, "|");
		for (const char *s = fm->wild[i]; *s != '\0' && rc == 0; s++)
			rc = *s == '.'  ? vg_buf_append_str(&b, "\\.")
			    : *s == '?' ? vg_buf_append_str(&b, ".")
			    : *s == '*' ? vg_buf_append_str(&b, "[^.]*")
			                : vg_buf_append(&b, s, 1);
	}
	if (rc == 0)
		rc = vg_buf_append_str(&b, ")$");
	if (rc == 0) {
		fm->wild_re = pcre2_compile(
		    (PCRE2_SPTR)vg_buf_cstr(&b), b.len, 0, &ec, &eoff, NULL);
		if (fm->wild_re == NULL)
			rc = VG_ENOMEM; /* built from checked characters */
		else
			(void)pcre2_jit_compile(
			    fm->wild_re, PCRE2_JIT_COMPLETE);
	}
	vg_buf_fini(&b);
	return rc == 0 ? 0 : VG_ENOMEM;
}

/* vg_fm_in - s in a sorted list */
static bool
vg_fm_in(char *const *list, size_t n, const char *s)
{
	return n > 0 && bsearch(&s, list, n, sizeof(*list), vg_fm_cmp) != NULL;
}

/* vg_fm_hex - n hex digits at s */
static bool
vg_fm_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* vg_fm_role - FreeMail's default welcomelist of local parts */
static bool
vg_fm_role(const char *local, size_t n)
{
	static const char *const exact[] = {"abuse", "support", "sales", "info",
	    "helpdesk", "contact", "kontakt", "postmaster", "hostmaster",
	    "domainmaster", "bounce-", "bounced-"};
	const char *eq;
	size_t i;

	for (i = 0; i < VG_NELEM(exact); i++)
		if (strlen(exact[i]) == n &&
		    strncasecmp(local, exact[i], n) == 0)
			return true;
	if (n >= 11 && strncasecmp(local, "undisclosed", 11) == 0)
		return true;
	if (n == 24 && strncasecmp(local, "request-", 8) == 0 &&
	    vg_fm_hex(local + 8, 16))
		return true;
	if (n == 17 && vg_fm_hex(local, 8) && local[8] == '.' &&
	    vg_fm_hex(local + 9, 8))
		return true;
	if (n == 36 && vg_fm_hex(local, 8) && local[8] == '-' &&
	    vg_fm_hex(local + 9, 4) && local[13] == '-' &&
	    vg_fm_hex(local + 14, 4) && local[18] == '-' &&
	    vg_fm_hex(local + 19, 4) && local[23] == '-' &&
	    vg_fm_hex(local + 24, 12))
		return true;
	/* .+=.+=.+ */
	eq = memchr(local + 1, '=', n > 1 ? n - 1 : 0);
	if (eq != NULL && eq + 2 < local + n) {
		const char *e2 =
		    memchr(eq + 2, '=', (size_t)(local + n - eq - 2));

		if (e2 != NULL && e2 + 1 < local + n)
			return true;
	}
	return false;
}

/* vg_fm_is - _is_freemail() of one lower-case address */
static bool
vg_fm_is(const struct vg_sactx *c, const struct vg_rules_freemail *fm,
    const char *email)
{
	const char *at = strrchr(email, '@');

	if (fm == NULL || *email == '\0' || at == NULL)
		return false;
	if (vg_fm_in(fm->welcome, fm->nwelcome, email) ||
	    vg_fm_in(fm->welcome, fm->nwelcome, at + 1))
		return false;
	if (vg_fm_role(email, (size_t)(strchr(email, '@') - email)))
		return false;
	if (vg_fm_in(fm->domains, fm->ndomains, at + 1))
		return true;
	if (fm->wild_re == NULL)
		return false;
	return vg_sactx_match(c, fm->wild_re, email, strlen(email), 0) >= 0;
}

/* A list of lower-case addresses. */
struct vg_fm_addrs {
	char a[VG_FREEMAIL_ADDRS][VG_FREEMAIL_ADDR_MAX + 1];
	size_t n;
};

/* vg_fm_add - add one address (lower-cased, deduplicated) */
static void
vg_fm_add(struct vg_fm_addrs *l, const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > VG_FREEMAIL_ADDR_MAX || l->n == VG_FREEMAIL_ADDRS)
		return;
	for (i = 0; i < len; i++)
		l->a[l->n][i] = (char)tolower((unsigned char)s[i]);
	l->a[l->n][len] = '\0';
	for (i = 0; i < l->n; i++)
		if (strcmp(l->a[i], l->a[l->n]) == 0)
			return;
	l->n++;
}

/* vg_fm_header_addrs - every address of every header called name */
static void
vg_fm_header_addrs(
    const struct vg_sactx *c, const char *name, struct vg_fm_addrs *l)
{
	struct vg_buf b;
	const char *v;
	size_t i, k;

	if (strcasecmp(name, "EnvelopeFrom") == 0) {
		v = c->msg != NULL ? vg_msg_from(c->msg) : "";
		vg_fm_add(l, v, strlen(v));
		return;
	}
	vg_buf_init(&b, VG_FREEMAIL_ADDR_MAX + 1);
	for (i = 0; (v = vg_sactx_header(c, name, false, i)) != NULL; i++)
		for (k = 0; k < VG_FREEMAIL_ADDRS; k++) {
			bool found = false;

			vg_buf_reset(&b);
			if (vg_hdr_addr(&b, v, strlen(v), k, &found) != 0 ||
			    !found)
				break;
			vg_fm_add(l, vg_buf_cstr(&b), b.len);
		}
	vg_buf_fini(&b);
}

/* vg_fm_re - whether email matches the function's regex (or has none) */
static bool
vg_fm_re(
    const struct vg_sactx *c, const struct vg_evalargs *a, const char *email)
{
	if (a->re == NULL)
		return true;
	return vg_sactx_match(c, a->re, email, strlen(email), 0) >= 0;
}

/* check_freemail_header(HEADER[, REGEX]) */
static int
vg_sa_fm_header(struct vg_sactx *c, const struct vg_evalargs *a)
{
	struct vg_fm_addrs l;
	size_t i;

	l.n = 0;
	vg_fm_header_addrs(c, a->str[0], &l);
	for (i = 0; i < l.n; i++)
		if (vg_fm_is(c, c->r->freemail, l.a[i]) &&
		    vg_fm_re(c, a, l.a[i]))
			return 1;
	return 0;
}

/* check_freemail_from([REGEX]): any of the From-like addresses */
static int
vg_sa_fm_from(struct vg_sactx *c, const struct vg_evalargs *a)
{
	static const char *const names[] = {"From", "Envelope-Sender",
	    "Resent-Sender", "X-Envelope-From", "EnvelopeFrom"};
	struct vg_fm_addrs l;
	size_t i;

	l.n = 0;
	if (vg_sactx_header(c, "Resent-From", false, 0) != NULL) {
		struct vg_fm_addrs r1;

		r1.n = 0;
		vg_fm_header_addrs(c, "Resent-From", &r1);
		if (r1.n > 0)
			vg_fm_add(&l, r1.a[0], strlen(r1.a[0]));
	}
	if (l.n == 0)
		for (i = 0; i < VG_NELEM(names); i++)
			vg_fm_header_addrs(c, names[i], &l);
	for (i = 0; i < l.n; i++)
		if (vg_fm_is(c, c->r->freemail, l.a[i]) &&
		    vg_fm_re(c, a, l.a[i]))
			return 1;
	return 0;
}

/* vg_fm_bulk_envfrom - FreeMail's $skip_replyto_envfrom */
static bool
vg_fm_bulk_envfrom(const char *e)
{
	static const char *const pre[] = {"sentto-", "owner-", "return-",
	    "bounce-", "bounced-", "grbounce-", "grbounced-"};
	static const char *const suf[] = {
	    "-request", "-bounce", "-bounces", "-admin", "-owner"};
	const char *at = strchr(e, '@');
	size_t n, i;

	if (at == NULL)
		return false;
	n = (size_t)(at - e);
	if ((n == 10 &&
	        (strncasecmp(e, "postmaster", 10) == 0 ||
	            strncasecmp(e, "hostmaster", 10) == 0)) ||
	    (n == 12 && strncasecmp(e, "domainmaster", 12) == 0) ||
	    (n == 13 && strncasecmp(e, "double-bounce", 13) == 0))
		return true;
	for (i = 0; i < VG_NELEM(pre); i++)
		if (n > strlen(pre[i]) &&
		    strncasecmp(e, pre[i], strlen(pre[i])) == 0)
			return true;
	for (i = 0; i < VG_NELEM(suf); i++)
		if (n >= strlen(suf[i]) &&
		    strncasecmp(at - strlen(suf[i]), suf[i], strlen(suf[i])) ==
		        0)
			return true;
	/* no-reply and its spellings; .+=.+@ */
	for (i = 0; i < n; i++) {
		const char *s = e + i;

		if (i > 0 && (isalnum((unsigned char)s[-1]) || s[-1] == '_'))
			continue;
		if (strncasecmp(s, "do", 2) == 0) {
			s += 2;
			if (s < at && (*s == '.' || (*s >= '_' && *s <= 't')) &&
			    strncasecmp(s, "no", 2) != 0)
				s++;
		}
		if (strncasecmp(s, "no", 2) != 0)
			continue;
		s += 2;
		if (s < at && (*s == '.' || (*s >= '_' && *s <= 't')) &&
		    strncasecmp(s, "repl", 4) != 0)
			s++;
		if (strncasecmp(s, "repl", 4) != 0)
			continue;
		s += 4;
		if ((at - s == 1 && tolower((unsigned char)*s) == 'y') ||
		    (at - s == 3 && strncasecmp(s, "ies", 3) == 0))
			return true;
	}
	{
		const char *eq = memchr(e + 1, '=', n > 1 ? n - 1 : 0);

		if (eq != NULL && eq + 1 < at)
			return true;
	}
	return false;
}

/* vg_fm_email_char - a character of a local part */
static bool
vg_fm_local_char(int ch)
{
	return isalnum(ch) || (ch != 0 && strchr("!#$%&'*+/=?^_`{|}~-", ch));
}

/*
 * vg_fm_email - the address around the '@' at at in [b, end): its start
 * and end into *ps, *pe (SpamAssassin's email_regex: a local part of at
 * most 64 bytes, two or more domain labels, an alphabetic TLD)
 */
static bool
vg_fm_email(const char *b, const char *end, const char *at, const char **ps,
    const char **pe)
{
	const char *s = at, *e = at + 1;
	int labels = 0;
	const char *last = NULL;

	while (s > b &&
	    (vg_fm_local_char((unsigned char)s[-1]) ||
	        (s[-1] == '.' && s - 1 > b &&
	            vg_fm_local_char((unsigned char)s[-2]))))
		s--;
	while (s < at && *s == '.')
		s++;
	if (s == at || at - s > 64)
		return false;
	/* the domain: labels, then an alphabetic TLD */
	while (e < end && isalnum((unsigned char)*e)) {
		const char *l = e;

		while (e < end && (isalnum((unsigned char)*e) || *e == '-'))
			e++;
		if (e[-1] == '-')
			break;
		last = l;
		labels++;
		if (e < end && *e == '.' && e + 1 < end &&
		    isalnum((unsigned char)e[1]))
			e++;
		else
			break;
	}
	if (labels < 2 || last == NULL)
		return false;
	for (const char *q = last; q < e; q++)
		if (!isalpha((unsigned char)*q))
			return false;
	if (e - last < 2)
		return false;
	*ps = s;
	*pe = e;
	return true;
}

/* vg_fm_in_body - whether the body view holds address a (any case) */
static bool
vg_fm_in_body(const struct vg_sactx *c, const char *a)
{
	size_t n = strlen(a);
	const char *p = c->text->body, *end = p + c->text->body_len;

	for (; (size_t)(end - p) >= n; p++)
		if (strncasecmp(p, a, n) == 0)
			return true;
	return false;
}

/*
 * vg_fm_mailto_addrs - the addresses of <a href="mailto:..."> links in
 * the HTML (the raw body view, tags kept) that the text does not show:
 * SpamAssassin's URIs of type "a" and not "parsed"
 */
static void
vg_fm_mailto_addrs(const struct vg_sactx *c, struct vg_fm_addrs *all)
{
	const char *p, *end, *at, *s, *e;
	size_t nmailto = 0;

	if (c->text->rawbody == NULL)
		return;
	p = c->text->rawbody;
	end = p + c->text->rawbody_len;
	while (
	    nmailto < 20 && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		const char *tag = ++p, *gt, *v;

		if (end - tag < 3 || tolower((unsigned char)tag[0]) != 'a' ||
		    !isspace((unsigned char)tag[1]))
			continue;
		if ((gt = memchr(tag, '>', (size_t)(end - tag))) == NULL)
			break;
		/* href=, any case, then an optional quote and blanks */
		for (v = tag + 1; v + 5 <= gt; v++)
			if (strncasecmp(v, "href", 4) == 0 &&
			    isspace((unsigned char)v[-1]))
				break;
		if (v + 5 > gt)
			continue;
		for (v += 4; v < gt && isspace((unsigned char)*v); v++)
			;
		if (v >= gt || *v++ != '=')
			continue;
		while (v < gt &&
		    (isspace((unsigned char)*v) || *v == '"' || *v == '\''))
			v++;
		if (gt - v < 8 || strncasecmp(v, "mailto:", 7) != 0)
			continue;
		v += 7;
		at = memchr(v, '@', (size_t)(gt - v));
		if (at == NULL || !vg_fm_email(v, gt, at, &s, &e) || s != v)
			continue;
		{
			char one[VG_FREEMAIL_ADDR_MAX + 1];
			size_t n = (size_t)(e - s);

			if (n > VG_FREEMAIL_ADDR_MAX)
				continue;
			for (size_t k = 0; k < n; k++)
				one[k] = (char)tolower((unsigned char)s[k]);
			one[n] = '\0';
			if (vg_fm_in_body(c, one))
				continue;
			vg_fm_add(all, one, n);
			nmailto++;
		}
	}
}

/*
 * vg_fm_body_addrs - freemail addresses in the body; false when
 * SpamAssassin would skip the body (too many addresses)
 */
static bool
vg_fm_body_addrs(const struct vg_sactx *c, struct vg_fm_addrs *out)
{
	struct vg_fm_addrs all;
	const char *b, *end, *at;
	size_t i, nfm = 0;

	all.n = 0;
	out->n = 0;
	if (c->text == NULL || c->text->body == NULL)
		return true;
	b = c->text->body;
	end = b + c->text->body_len;
	/* <a href="mailto:..."> first, as SpamAssassin's URI list */
	vg_fm_mailto_addrs(c, &all);
	for (at = b; all.n < VG_FREEMAIL_BODY &&
	     (at = memchr(at, '@', (size_t)(end - at))) != NULL;
	     at++) {
		const char *s, *e, *tok;

		if (!vg_fm_email(b, end, at, &s, &e))
			continue;
		/* inside an http(s) link? */
		for (tok = s; tok > b && !isspace((unsigned char)tok[-1]);
		     tok--)
			;
		if (strncasecmp(tok, "http://", 7) == 0 ||
		    strncasecmp(tok, "https://", 8) == 0 ||
		    strncasecmp(tok, "<http", 5) == 0)
			continue;
		vg_fm_add(&all, s, (size_t)(e - s));
	}
	for (i = 0; i < all.n; i++) {
		if (i + 1 == 5)
			return false; /* freemail_max_body_emails */
		if (!vg_fm_is(c, c->r->freemail, all.a[i]))
			continue;
		if (++nfm == 3)
			return false; /* freemail_max_body_freemails */
		vg_fm_add(out, all.a[i], strlen(all.a[i]));
	}
	return true;
}

/* check_freemail_replyto(['replyto'|'reply']) */
static int
vg_sa_fm_replyto(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_rules_freemail *fm = c->r->freemail;
	struct vg_fm_addrs from, rt, body;
	bool from_fm = false, rt_fm = false, not_in = true;
	bool replyto = a->sel == 0;
	const struct vg_fm_addrs *reply;
	size_t i, k;
	const char *env = c->msg != NULL ? vg_msg_from(c->msg) : "";

	if (fm == NULL)
		return 0;
	if (*env != '\0' && vg_fm_bulk_envfrom(env))
		return 0;
	from.n = rt.n = 0;
	vg_fm_header_addrs(c, "From", &from);
	vg_fm_header_addrs(c, "Reply-To", &rt);
	for (i = 0; i < from.n; i++)
		from_fm = from_fm || vg_fm_is(c, fm, from.a[i]);
	for (i = 0; i < rt.n; i++)
		rt_fm = rt_fm || vg_fm_is(c, fm, rt.a[i]);
	for (i = 0; i < from.n; i++)
		for (k = 0; k < rt.n; k++)
			if (strcmp(from.a[i], rt.a[k]) == 0)
				not_in = false;
	if (from_fm && rt_fm && not_in)
		return 1;
	if (replyto && !rt_fm)
		return 0;
	if (!replyto && ((rt.n > 0 && !rt_fm) || !from_fm))
		return 0;
	if (!vg_fm_body_addrs(c, &body) || body.n == 0)
		return 0;
	reply = replyto ? &rt : rt_fm ? &rt : &from;
	for (i = 0; i < body.n; i++)
		for (k = 0; k < reply->n; k++)
			if (strcmp(body.a[i], reply->a[k]) != 0)
				return 1;
	return 0;
}

/* vg_fm_prep_re - compile the optional regex argument (index i) */
static int
vg_fm_prep_re(struct vg_evalargs *a, size_t i, char *why, size_t whylen)
{
	int ec;
	PCRE2_SIZE eoff;

	if (a->n <= i)
		return 0;
	a->re = pcre2_compile(
	    (PCRE2_SPTR)a->str[i], PCRE2_ZERO_TERMINATED, 0, &ec, &eoff, NULL);
	if (a->re == NULL) {
		snprintf(why, whylen, "eval: bad regex '%s'", a->str[i]);
		return VG_ECONFIG;
	}
	return 0;
}

static int
vg_fm_prep_header(struct vg_evalargs *a, char *why, size_t whylen)
{
	size_t n = strlen(a->str[0]);

	/* 'Reply-To:addr' is 'Reply-To': addresses are read anyway. */
	if (n > 5 && strcasecmp(a->str[0] + n - 5, ":addr") == 0)
		a->str[0][n - 5] = '\0';
	return vg_fm_prep_re(a, 1, why, whylen);
}

static int
vg_fm_prep_from(struct vg_evalargs *a, char *why, size_t whylen)
{
	return vg_fm_prep_re(a, 0, why, whylen);
}

static int
vg_fm_prep_replyto(struct vg_evalargs *a, char *why, size_t whylen)
{
	if (a->n == 0 || strcmp(a->str[0], "replyto") == 0)
		a->sel = 0;
	else if (strcmp(a->str[0], "reply") == 0)
		a->sel = 1;
	else {
		snprintf(why, whylen, "eval: want 'replyto' or 'reply'");
		return VG_ECONFIG;
	}
	return 0;
}

const struct vg_evalfn vg_sa_freemail[] = {
    {.name = "check_freemail_header",
        .plugin = "FreeMail",
        .kinds = VG_K_ANY,
        .min_args = 1,
        .max_args = 2,
        .prepare = vg_fm_prep_header,
        .run = vg_sa_fm_header},
    {.name = "check_freemail_from",
        .plugin = "FreeMail",
        .kinds = VG_K_ANY,
        .min_args = 0,
        .max_args = 1,
        .prepare = vg_fm_prep_from,
        .run = vg_sa_fm_from},
    {.name = "check_freemail_replyto",
        .plugin = "FreeMail",
        .kinds = VG_K_ANY,
        .min_args = 0,
        .max_args = 1,
        .prepare = vg_fm_prep_replyto,
        .run = vg_sa_fm_replyto},
    {.name = NULL},
};
