/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_fromnamespoof - SpamAssassin's FromNameSpoof plugin in C: the
 * directives fns_add_addrlist, fns_remove_addrlist, fns_extrachars,
 * fns_ignore_dkim, fns_ignore_headers and fns_check, and the eval
 * functions check_fromname_spoof, check_fromname_different,
 * check_fromname_domain_differ, check_fromname_contains_email,
 * check_fromname_equals_to, check_fromname_owners_differ and
 * check_fromname_equals_replyto (the specification is
 * Mail::SpamAssassin::Plugin::FromNameSpoof).
 *
 * PURPOSE  Phishing puts a trusted address in the display name of From
 *	    ("support@bank.example" <x@elsewhere.example>).  Once per
 *	    message (struct vg_sactx's fns bits) the first address in the
 *	    display name of From, when the name holds little else
 *	    (fns_extrachars), is compared with the From address: address,
 *	    registrable domain, and "owner" (an fns_add_addrlist name the
 *	    address matches, else the first label of its registrable
 *	    domain: paypal for paypal.co.uk); and with the Reply-To address
 *	    and SpamAssassin's list of recipient addresses (all_to_addrs).
 *	    The registrable domain is libpsl's, by the ICANN section of the
 *	    public suffix list (SpamAssassin's own two- and three-level TLD
 *	    lists are close to it); a name whose top-level domain the list
 *	    does not know is no domain, as for SpamAssassin.
 * DIFFERS  fns_ignore_dkim is read and kept but not applied: the rules
 *	    do not see DKIM results (SpamAssassin ignores it too when it
 *	    runs without network tests).  An addrlist whose entries match
 *	    an address for two owners gives the first owner listed
 *	    (SpamAssassin: whichever its hash yields).
 * OWNS     struct vg_rules_fns belongs to the rules set.
 * LIMITS   VG_FNS_MAX entries in each list (more: an error);
 *	    addresses of VG_FNS_ADDR_MAX bytes, display names of
 *	    VG_FNS_NAME_MAX (longer: no finding); VG_FNS_TO_ADDRS recipient
 *	    addresses read from each header.
 * THREADS  Built by the load; read-only after.
 */
#include <ctype.h>
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "message/hdr.h"
#include "message/text.h"
#include "rules/rules_evalfn.h"
#include "rules/rules_parse_int.h"

#define VG_FNS_MAX      10000
#define VG_FNS_ADDR_MAX 320
#define VG_FNS_TO_ADDRS 64
#define VG_FNS_DOM_MAX  253
#define VG_FNS_NAME_MAX 2048 /* bytes of a display name read */

/* struct vg_sactx's fns bits */
#define VG_FNS_DONE       0x01u
#define VG_FNS_ADDR_DIFF  0x02u
#define VG_FNS_DOM_DIFF   0x04u
#define VG_FNS_OWNER_DIFF 0x08u
#define VG_FNS_HAS_EMAIL  0x10u
#define VG_FNS_EQ_TO      0x20u
#define VG_FNS_EQ_REPLYTO 0x40u

/* The email address in a display name (the plugin's pattern). */
#define VG_FNS_RE                                                              \
	"\\b([\\w\\.\\!\\#\\$\\%\\&\\'\\*\\+\\/\\=\\?\\^\\_\\`\\{\\|\\}\\~-]+" \
	"\\@\\w[\\w-]*\\.\\w[\\w.-]++)\\b"

struct vg_fns_entry {
	char *owner; /* lower case */
	char *glob;  /* lower case; '*' and '?' wild */
};

struct vg_rules_fns {
	double extrachars;
	int check;
	char **ignore_hdr, **ignore_dkim;
	size_t nignore_hdr, nignore_dkim;
	struct vg_fns_entry *addrs;
	size_t naddrs, capaddrs;
};

/* vg_fns_get - r's settings, made with the defaults on first use */
static struct vg_rules_fns *
vg_fns_get(struct vg_rules *r)
{
	if (r->fns == NULL &&
	    (r->fns = vg_calloc(1, sizeof(*r->fns))) != NULL) {
		r->fns->extrachars = 50;
		r->fns->check = 1;
	}
	return r->fns;
}

/* vg_fns_lower - s in lower case, in place */
static char *
vg_fns_lower(char *s)
{
	for (char *p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

/* vg_fns_push - a copy of s onto a list of strings; VG_ENOMEM */
static int
vg_fns_push(char ***list, size_t *n, const char *s, bool lower)
{
	char **l, *d;

	if ((d = vg_strdup(s)) == NULL)
		return VG_ENOMEM;
	if ((l = vg_reallocarray(*list, *n + 1, sizeof(*l))) == NULL) {
		vg_free(d);
		return VG_ENOMEM;
	}
	*list = l;
	l[(*n)++] = lower ? vg_fns_lower(d) : d;
	return 0;
}

/* vg_rules_dir_fns - see rules_parse_int.h */
int
vg_rules_dir_fns(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	struct vg_rules_fns *fns = vg_fns_get(p->r);
	char *w, *end;
	int rc = 0;

	if (fns == NULL)
		return VG_ENOMEM;
	vg_rules_rtrim(rest);
	if (strcmp(dir, "fns_extrachars") == 0 ||
	    strcmp(dir, "fns_check") == 0) {
		bool check = dir[4] == 'c';
		double v = strtod(rest, &end);

		if (*rest == '\0' || *end != '\0' || v < 0 ||
		    (check && strcmp(rest, "0") != 0 &&
		        strcmp(rest, "1") != 0 && strcmp(rest, "2") != 0)) {
			vg_rules_perr(p, f, "%s: want %s, got '%s'", dir,
			    check ? "0, 1 or 2" : "a number", rest);
			return 0;
		}
		if (check)
			fns->check = (int)v;
		else
			fns->extrachars = v;
		return 0;
	}
	if (strcmp(dir, "fns_ignore_dkim") == 0 ||
	    strcmp(dir, "fns_ignore_headers") == 0) {
		bool dkim = dir[11] == 'd';

		if (*rest == '\0') {
			vg_rules_perr(p, f, "%s: missing value", dir);
			return 0;
		}
		while (rc == 0 && *(w = vg_rules_word(&rest)) != '\0') {
			size_t *n =
			    dkim ? &fns->nignore_dkim : &fns->nignore_hdr;

			if (*n >= VG_FNS_MAX) {
				vg_rules_perr(p, f, "%s: too many (limit %u)",
				    dir, (unsigned)VG_FNS_MAX);
				return 0;
			}
			rc = vg_fns_push(
			    dkim ? &fns->ignore_dkim : &fns->ignore_hdr, n, w,
			    dkim);
		}
		return rc;
	}
	/* fns_add_addrlist (owner) addr...; fns_remove_addrlist likewise */
	{
		bool add = strcmp(dir, "fns_add_addrlist") == 0;
		char *owner, *close;

		if (*rest != '(' || (close = strchr(rest, ')')) == NULL ||
		    close == rest + 1) {
			vg_rules_perr(p, f, "%s: want (owner) address...", dir);
			return 0;
		}
		*close = '\0';
		owner = vg_fns_lower(rest + 1);
		rest = vg_rules_skipws(close + 1);
		if (*rest == '\0') {
			vg_rules_perr(p, f, "%s: want (owner) address...", dir);
			return 0;
		}
		while (*(w = vg_rules_word(&rest)) != '\0') {
			struct vg_fns_entry *e;
			size_t i;

			vg_fns_lower(w);
			if (!add) {
				for (i = 0; i < fns->naddrs; i++)
					if (strcmp(fns->addrs[i].owner,
					        owner) == 0 &&
					    strcmp(fns->addrs[i].glob, w) ==
					        0) {
						vg_free(fns->addrs[i].owner);
						vg_free(fns->addrs[i].glob);
						fns->addrs[i] =
						    fns->addrs[--fns->naddrs];
						break;
					}
				continue;
			}
			if (fns->naddrs >= VG_FNS_MAX) {
				vg_rules_perr(p, f, "%s: too many (limit %u)",
				    dir, (unsigned)VG_FNS_MAX);
				return 0;
			}
			if (fns->naddrs == fns->capaddrs) {
				size_t cap =
				    fns->capaddrs ? 2 * fns->capaddrs : 16;

				e = vg_reallocarray(
				    fns->addrs, cap, sizeof(*e));
				if (e == NULL)
					return VG_ENOMEM;
				fns->addrs = e;
				fns->capaddrs = cap;
			}
			e = &fns->addrs[fns->naddrs];
			e->owner = vg_strdup(owner);
			e->glob = vg_strdup(w);
			if (e->owner == NULL || e->glob == NULL) {
				vg_free(e->owner);
				vg_free(e->glob);
				return VG_ENOMEM;
			}
			fns->naddrs++;
		}
	}
	return 0;
}

/* vg_rules_fns_free - see rules_parse_int.h */
void
vg_rules_fns_free(struct vg_rules_fns *fns)
{
	size_t i;

	if (fns == NULL)
		return;
	for (i = 0; i < fns->nignore_hdr; i++)
		vg_free(fns->ignore_hdr[i]);
	for (i = 0; i < fns->nignore_dkim; i++)
		vg_free(fns->ignore_dkim[i]);
	for (i = 0; i < fns->naddrs; i++) {
		vg_free(fns->addrs[i].owner);
		vg_free(fns->addrs[i].glob);
	}
	vg_free(fns->ignore_hdr);
	vg_free(fns->ignore_dkim);
	vg_free(fns->addrs);
	vg_free(fns);
}

/* vg_fns_glob - SpamAssassin's address glob ('*', '?'), whole, no case */
static bool
vg_fns_glob(const char *g, const char *s)
{
	const char *star = NULL, *back = NULL;

	while (*s != '\0') {
		if (*g == '*') {
			while (*g == '*')
				g++;
			star = g;
			back = s;
			continue;
		}
		if (*g != '\0' &&
		    (*g == '?' ||
		        tolower((unsigned char)*g) ==
		            tolower((unsigned char)*s))) {
			g++;
			s++;
			continue;
		}
		if (star == NULL)
			return false;
		g = star;
		s = ++back;
	}
	while (*g == '*')
		g++;
	return *g == '\0';
}

/* vg_fns_label_ok - one DNS label as SpamAssassin's is_fqdn_valid wants */
static bool
vg_fns_label_ok(const char *s, size_t n, bool top2)
{
	size_t i;

	if (n < 1 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '_' && !top2)
			continue;
		if (!(ch == '-' || (ch >= 'a' && ch <= 'z') ||
		        (ch >= '0' && ch <= '9')))
			return false;
	}
	return true;
}

/* vg_fns_ipv4 - whether s is a dotted quad */
static bool
vg_fns_ipv4(const char *s)
{
	unsigned parts = 0;

	while (*s != '\0') {
		unsigned v = 0, d = 0;

		while (*s >= '0' && *s <= '9' && d < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			d++;
		}
		if (d == 0 || d > 3 || v > 255)
			return false;
		parts++;
		if (*s == '.')
			s++;
		else if (*s != '\0')
			return false;
	}
	return parts == 4;
}

/*
 * vg_fns_fqdn - SpamAssassin's is_fqdn_valid() of a lower-case name
 * (trailing dots removed in place): two labels or more, each 1 to 63
 * letters, digits and inner hyphens (underscores below the second level)
 */
static bool
vg_fns_fqdn(char *host)
{
	size_t n = strlen(host), labels = 0;
	const char *p, *dot;

	while (n > 0 && host[n - 1] == '.')
		host[--n] = '\0';
	if (n == 0 || n > VG_FNS_DOM_MAX)
		return false;
	for (p = host; p != NULL; p = dot != NULL ? dot + 1 : NULL) {
		dot = strchr(p, '.');
		labels++;
	}
	if (labels < 2)
		return false;
	for (p = host; labels > 0; labels--) {
		size_t ln = strcspn(p, ".");

		if (!vg_fns_label_ok(p, ln, labels <= 2))
			return false;
		p += ln + (p[ln] == '.');
	}
	return true;
}

/* vg_sa_reg_domain - see rules_evalfn.h */
bool
vg_sa_reg_domain(char *out, size_t size, const char *name, size_t n)
{
	const psl_ctx_t *psl = psl_builtin();
	char host[VG_FNS_DOM_MAX + 2];
	const char *p, *prev = NULL, *dot;

	if (n == 0 || n >= sizeof(host) || psl == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		host[i] = (char)tolower((unsigned char)name[i]);
	host[n] = '\0';
	/* %-escapes of printable characters: no domain */
	for (p = host; (p = strchr(p, '%')) != NULL; p++)
		if (isxdigit((unsigned char)p[1]) &&
		    isxdigit((unsigned char)p[2])) {
			unsigned v = (unsigned)strtoul(
			    (char[]){p[1], p[2], '\0'}, NULL, 16);

			if (v >= 0x21 && v <= 0x7e && v != 0x7f)
				return false;
		}
	if (vg_fns_ipv4(host)) {
		if (strlen(host) >= size)
			return false;
		memcpy(out, host, strlen(host) + 1);
		return true;
	}
	if (!vg_fns_fqdn(host))
		return false;
	/* a top-level domain the list knows, without its "*" rule */
	if (!psl_is_public_suffix2(psl, strrchr(host, '.') + 1,
	        PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
		return false;
	for (p = host; p != NULL; p = dot != NULL ? dot + 1 : NULL) {
		dot = strchr(p, '.');
		if (psl_is_public_suffix2(psl, p, PSL_TYPE_ICANN))
			break;
		prev = p;
	}
	if (prev == NULL || strlen(prev) >= size)
		return false;
	memcpy(out, prev, strlen(prev) + 1);
	return true;
}

/*
 * vg_fns_domain - SpamAssassin's uri_to_domain("mailto:" addr): the
 * registrable domain of the address's host (vg_sa_reg_domain())
 */
static bool
vg_fns_domain(char *out, size_t size, const char *addr)
{
	const char *at = strchr(addr, '@');

	if (at == NULL || strchr(at + 1, '@') != NULL)
		return false;
	return vg_sa_reg_domain(out, size, at + 1, strcspn(at + 1, "?"));
}

/* vg_fns_owner - _find_address_owner(): a listed owner or first label */
static void
vg_fns_owner(char *out, size_t size, const struct vg_rules_fns *fns,
    const char *addr, const char *domain)
{
	const char *at = strrchr(addr, '@');
	size_t i;

	for (i = 0; fns != NULL && i < fns->naddrs; i++)
		if (vg_fns_glob(fns->addrs[i].glob, addr)) {
			snprintf(out, size, "%s", fns->addrs[i].owner);
			return;
		}
	/* Again with the registrable domain in place of the host. */
	if (at != NULL && strcmp(at + 1, domain) != 0 && fns != NULL &&
	    fns->naddrs > 0) {
		char a2[2 * VG_FNS_ADDR_MAX];

		snprintf(
		    a2, sizeof(a2), "%.*s@%s", (int)(at - addr), addr, domain);
		for (i = 0; i < fns->naddrs; i++)
			if (vg_fns_glob(fns->addrs[i].glob, a2)) {
				snprintf(out, size, "%s", fns->addrs[i].owner);
				return;
			}
	}
	if (strchr(domain, '.') != NULL && domain[0] != '.')
		snprintf(out, size, "%.*s", (int)strcspn(domain, "."), domain);
	else
		snprintf(out, size, "%s", domain);
}

/*
 * vg_fns_first - the display name (name) or address of the first mailbox
 * of the first header called hdr, into b; false when none
 */
static bool
vg_fns_first(struct vg_sactx *c, struct vg_buf *b, const char *hdr, bool name)
{
	const char *v = vg_sactx_header(c, hdr, false, 0);
	bool found = false;
	int rc;

	vg_buf_reset(b);
	if (v == NULL)
		return false;
	rc = name ? vg_hdr_name(b, v, strlen(v), 0, &found)
	          : vg_hdr_addr(b, v, strlen(v), 0, &found);
	return rc == 0 && found && b->len > 0;
}

/* vg_fns_to_header - whether one address of the headers name is addr */
static bool
vg_fns_to_header(struct vg_sactx *c, struct vg_buf *b, const char *name,
    const char *addr, bool first)
{
	const char *v;
	size_t k, nth;

	for (k = 0; (v = vg_sactx_header(c, name, false, k)) != NULL; k++) {
		for (nth = 0; nth < VG_FNS_TO_ADDRS; nth++) {
			bool found = false;

			vg_buf_reset(b);
			if (vg_hdr_addr(b, v, strlen(v), nth, &found) != 0 ||
			    !found)
				break;
			if (strcmp(vg_buf_cstr(b), addr) == 0)
				return true;
			if (first)
				return false;
		}
		if (first)
			return false;
	}
	return false;
}

/*
 * vg_fns_received_for - whether " for <addr>;" of one of the first three
 * Received headers (with a valid host) is addr
 */
static bool
vg_fns_received_for(struct vg_sactx *c, const char *addr)
{
	const char *v;
	size_t k;

	for (k = 0;
	     k < 3 && (v = vg_sactx_header(c, "Received", false, k)) != NULL;
	     k++) {
		const char *p;

		for (p = strstr(v, "for "); p != NULL;
		     p = strstr(p + 1, "for ")) {
			const char *s = p + 4, *e, *at;
			char dom[VG_FNS_DOM_MAX + 2];
			size_t n;

			/* a folded line's blank is a tab in Vigil's value, a
			 * space in SpamAssassin's */
			if (p == v || (p[-1] != ' ' && p[-1] != '\t'))
				continue;
			if (*s == '<')
				s++;
			/* the shortest run of non-blanks before ">;" or ";" */
			for (e = s; *e != '\0' && !isspace((unsigned char)*e) &&
			     *e != ';';
			     e++)
				;
			if (*e != ';')
				continue;
			if (e > s && e[-1] == '>')
				e--;
			for (at = e; at > s && at[-1] != '@'; at--)
				;
			if (at <= s + 1 || at == e)
				continue;
			n = (size_t)(e - at);
			if (n >= sizeof(dom))
				continue;
			for (size_t i = 0; i < n; i++)
				dom[i] = (char)tolower((unsigned char)at[i]);
			dom[n] = '\0';
			if (!vg_fns_fqdn(dom))
				break;
			if ((size_t)(e - s) == strlen(addr) &&
			    memcmp(s, addr, strlen(addr)) == 0)
				return true;
			break;
		}
	}
	return false;
}

/* vg_fns_facts - the plugin's findings for c's message (VG_FNS_* bits) */
static unsigned
vg_fns_facts(struct vg_sactx *c, const pcre2_code *re)
{
	static const char *const to_hdrs[] = {"To", "Apparently-To",
	    "Delivered-To", "Envelope-Recipients", "Apparently-Resent-To",
	    "X-Envelope-To", "Envelope-To", "X-Delivered-To", "X-Original-To",
	    "X-Rcpt-To", "X-Real-To", "Cc"};
	const struct vg_rules_fns *fns = c->r->fns;
	char from[VG_FNS_ADDR_MAX + 1], name_addr[VG_FNS_ADDR_MAX + 1];
	char from_dom[VG_FNS_DOM_MAX + 1], name_dom[VG_FNS_DOM_MAX + 1];
	char from_own[VG_FNS_DOM_MAX + 1], name_own[VG_FNS_DOM_MAX + 1];
	const PCRE2_SIZE *ov;
	struct vg_buf b;
	double extrachars = fns != NULL ? fns->extrachars : 50;
	size_t i, n, nochar = 0, len;
	unsigned bits = VG_FNS_DONE;
	char *name = NULL;

	if (c->fns & VG_FNS_DONE)
		return c->fns;
	c->fns = VG_FNS_DONE;
	for (i = 0; fns != NULL && i < fns->nignore_hdr; i++)
		if (vg_sactx_header(c, fns->ignore_hdr[i], false, 0) != NULL)
			return c->fns;
	vg_buf_init(&b, VG_FNS_NAME_MAX);
	if (!vg_fns_first(c, &b, "From", false) || b.len > VG_FNS_ADDR_MAX)
		goto out;
	memcpy(from, b.data, b.len);
	from[b.len] = '\0';
	vg_fns_lower(from);
	if (!vg_fns_domain(from_dom, sizeof(from_dom), from))
		goto out;
	if (!vg_fns_first(c, &b, "From", true) ||
	    (name = vg_strndup(b.data, b.len)) == NULL)
		goto out;
	vg_fns_lower(name);
	if (vg_sactx_match(c, re, name, b.len, 0) < 0)
		goto out;
	/* The thread's match data holds one pair: the whole match, which
	 * is the group (\b is no character). */
	ov = vg_sactx_ovector(c);
	n = ov[1] - ov[0];
	if (n > VG_FNS_ADDR_MAX)
		goto out;
	memcpy(name_addr, name + ov[0], n);
	name_addr[n] = '\0';
	if (!vg_fns_domain(name_dom, sizeof(name_dom), name_addr))
		goto out;
	bits |= VG_FNS_HAS_EMAIL;
	/* How much else the name holds: its length, plus its characters
	 * other than a-z and 0-9, less the address and its own. */
	len = b.len;
	for (i = 0; i < b.len; i++)
		if (!islower((unsigned char)name[i]) &&
		    !isdigit((unsigned char)name[i]))
			nochar++;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)name_addr[i]) &&
		    !isdigit((unsigned char)name_addr[i]))
			nochar--;
	if ((double)(len + nochar - n) > extrachars)
		goto out;
	vg_fns_owner(name_own, sizeof(name_own), fns, name_addr, name_dom);
	vg_fns_owner(from_own, sizeof(from_own), fns, from, from_dom);
	if (strcmp(name_addr, from) != 0)
		bits |= VG_FNS_ADDR_DIFF;
	if (strcmp(name_dom, from_dom) != 0)
		bits |= VG_FNS_DOM_DIFF;
	if (strcmp(name_own, from_own) != 0)
		bits |= VG_FNS_OWNER_DIFF;
	if (vg_fns_first(c, &b, "Reply-To", false)) {
		vg_fns_lower((char *)b.data);
		if (strcmp(vg_buf_cstr(&b), name_addr) == 0)
			bits |= VG_FNS_EQ_REPLYTO;
	}
	/* all_to_addrs: Resent-To and Resent-Cc when there, else the rest */
	if (vg_sactx_header(c, "Resent-To", false, 0) != NULL ||
	    vg_sactx_header(c, "Resent-Cc", false, 0) != NULL) {
		if (vg_fns_to_header(c, &b, "Resent-To", name_addr, true) ||
		    vg_fns_to_header(c, &b, "Resent-Cc", name_addr, true))
			bits |= VG_FNS_EQ_TO;
	} else {
		if (vg_fns_received_for(c, name_addr))
			bits |= VG_FNS_EQ_TO;
		for (i = 0; i < VG_NELEM(to_hdrs) && !(bits & VG_FNS_EQ_TO);
		     i++)
			if (vg_fns_to_header(
			        c, &b, to_hdrs[i], name_addr, false))
				bits |= VG_FNS_EQ_TO;
	}
out:
	vg_free(name);
	vg_buf_fini(&b);
	c->fns = bits;
	return bits;
}

/* check_fromname_spoof([LEVEL]): 0 address, 1 and owner, 2 and domain */
static int
vg_sa_fns_spoof(struct vg_sactx *c, const struct vg_evalargs *a)
{
	unsigned f = vg_fns_facts(c, a->re);
	int lvl = a->sel;

	if (lvl < 0)
		lvl = c->r->fns != NULL ? c->r->fns->check : 1;
	if (!(f & VG_FNS_ADDR_DIFF))
		return 0;
	if (lvl == 1)
		return (f & VG_FNS_OWNER_DIFF) != 0;
	if (lvl == 2)
		return (f & VG_FNS_DOM_DIFF) != 0;
	return 1;
}

/* The other functions: one bit each (a->sel). */
static int
vg_sa_fns_bit(struct vg_sactx *c, const struct vg_evalargs *a)
{
	return (vg_fns_facts(c, a->re) & (unsigned)a->sel) != 0;
}

/* vg_fns_prep - compile the address pattern; sel from the name */
static int
vg_fns_prep(struct vg_evalargs *a, char *why, size_t whylen, int sel)
{
	PCRE2_UCHAR msg[128];
	PCRE2_SIZE eoff;
	int ec;

	a->sel = sel;
	a->re = pcre2_compile((PCRE2_SPTR)VG_FNS_RE, PCRE2_ZERO_TERMINATED,
	    PCRE2_CASELESS, &ec, &eoff, NULL);
	if (a->re == NULL) {
		if (ec == PCRE2_ERROR_NOMEMORY || ec == PCRE2_ERROR_HEAP_FAILED)
			return VG_ENOMEM;
		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(why, whylen, "FromNameSpoof: %s", (const char *)msg);
		return VG_ECONFIG;
	}
	(void)pcre2_jit_compile(a->re, PCRE2_JIT_COMPLETE);
	return 0;
}

static int
vg_fns_prep_spoof(struct vg_evalargs *a, char *why, size_t whylen)
{
	int lvl = -1;

	/* As the plugin: a level other than 0, 1, 2 means fns_check. */
	if (a->n == 1 &&
	    (strcmp(a->str[0], "0") == 0 || strcmp(a->str[0], "1") == 0 ||
	        strcmp(a->str[0], "2") == 0))
		lvl = a->str[0][0] - '0';
	return vg_fns_prep(a, why, whylen, lvl);
}

#define VG_FNS_BITFN(fn, bit)                                                  \
	static int vg_fns_prep_##fn(                                           \
	    struct vg_evalargs *a, char *why, size_t whylen)                   \
	{                                                                      \
		return vg_fns_prep(a, why, whylen, (int)(bit));                \
	}
VG_FNS_BITFN(different, VG_FNS_ADDR_DIFF)
VG_FNS_BITFN(domain, VG_FNS_DOM_DIFF)
VG_FNS_BITFN(email, VG_FNS_HAS_EMAIL)
VG_FNS_BITFN(to, VG_FNS_EQ_TO)
VG_FNS_BITFN(owners, VG_FNS_OWNER_DIFF)
VG_FNS_BITFN(replyto, VG_FNS_EQ_REPLYTO)

#define VG_FNS_FN(nm, hi, prep, fn)                                            \
	{                                                                      \
		.name = nm, .plugin = "FromNameSpoof",                         \
		.kinds = VG_K(VG_RULE_HEADER), .min_args = 0, .max_args = hi,  \
		.prepare = prep, .run = fn,                                    \
	}

const struct vg_evalfn vg_sa_fromnamespoof[] = {
    VG_FNS_FN("check_fromname_spoof", 1, vg_fns_prep_spoof, vg_sa_fns_spoof),
    VG_FNS_FN(
        "check_fromname_different", 0, vg_fns_prep_different, vg_sa_fns_bit),
    VG_FNS_FN(
        "check_fromname_domain_differ", 0, vg_fns_prep_domain, vg_sa_fns_bit),
    VG_FNS_FN(
        "check_fromname_contains_email", 0, vg_fns_prep_email, vg_sa_fns_bit),
    VG_FNS_FN("check_fromname_equals_to", 0, vg_fns_prep_to, vg_sa_fns_bit),
    VG_FNS_FN(
        "check_fromname_owners_differ", 0, vg_fns_prep_owners, vg_sa_fns_bit),
    VG_FNS_FN(
        "check_fromname_equals_replyto", 0, vg_fns_prep_replyto, vg_sa_fns_bit),
    {.name = NULL},
};
