/* SPDX-License-Identifier: GPL-2.0-only */
/* sa_wlbl - SpamAssassin's welcomelist and blocklist (sa_wlbl.h) */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/compiler.h"
#include "base/err.h"
#include "policy/sa_wlbl.h"
#include "rules/rules.h"

/* The lists local.cf fills. */
enum sa_list {
	L_WL_FROM,
	L_BL_FROM,
	L_WL_TO,
	L_BL_TO,
	L_MORE_SPAM_TO,
	L_ALL_SPAM_TO,
	L_WL_AUTH,
	L_DEF_WL_AUTH,
	L_WL_SPF,
	L_DEF_WL_SPF,
	L_WL_DKIM,
	L_DEF_WL_DKIM,
	L_WL_SUBJ,
	L_BL_SUBJ,
	L_MAX,
};

struct sa_entry {
	char *pat;    /* lower case */
	char *domain; /* _dkim: the signing domain it names, or NULL */
	bool neg;     /* enlist_uri_host's "!host": listed as not */
};

struct sa_list_v {
	struct sa_entry *v;
	size_t n, cap;
};

/* A list of enlist_addrlist (NAME). */
struct sa_named {
	char *name;
	struct sa_list_v l;
};

struct vg_sa_wlbl {
	struct sa_list_v l[L_MAX];
	size_t total;
	struct sa_named *named; /* enlist_addrlist's lists */
	size_t nnamed, capnamed;
	struct sa_named *uri; /* enlist_uri_host's lists */
	size_t nuri, capuri;
};

/* Directive names, the new and the old (SpamAssassin 3) spelling. */
static const struct {
	const char *name;
	enum sa_list list;
	bool remove;
} sa_dirs[] = {
    {"welcomelist_from", L_WL_FROM, false},
    {"whitelist_from", L_WL_FROM, false},
    {"unwelcomelist_from", L_WL_FROM, true},
    {"unwhitelist_from", L_WL_FROM, true},
    {"blocklist_from", L_BL_FROM, false},
    {"blacklist_from", L_BL_FROM, false},
    {"unblocklist_from", L_BL_FROM, true},
    {"unblacklist_from", L_BL_FROM, true},
    {"welcomelist_to", L_WL_TO, false},
    {"whitelist_to", L_WL_TO, false},
    {"blocklist_to", L_BL_TO, false},
    {"blacklist_to", L_BL_TO, false},
    {"more_spam_to", L_MORE_SPAM_TO, false},
    {"all_spam_to", L_ALL_SPAM_TO, false},
    {"welcomelist_auth", L_WL_AUTH, false},
    {"whitelist_auth", L_WL_AUTH, false},
    {"unwelcomelist_auth", L_WL_AUTH, true},
    {"unwhitelist_auth", L_WL_AUTH, true},
    {"def_welcomelist_auth", L_DEF_WL_AUTH, false},
    {"def_whitelist_auth", L_DEF_WL_AUTH, false},
    {"welcomelist_from_spf", L_WL_SPF, false},
    {"whitelist_from_spf", L_WL_SPF, false},
    {"def_welcomelist_from_spf", L_DEF_WL_SPF, false},
    {"def_whitelist_from_spf", L_DEF_WL_SPF, false},
    {"welcomelist_from_dkim", L_WL_DKIM, false},
    {"whitelist_from_dkim", L_WL_DKIM, false},
    {"def_welcomelist_from_dkim", L_DEF_WL_DKIM, false},
    {"def_whitelist_from_dkim", L_DEF_WL_DKIM, false},
    {"welcomelist_subject", L_WL_SUBJ, false},
    {"whitelist_subject", L_WL_SUBJ, false},
    {"blocklist_subject", L_BL_SUBJ, false},
    {"blacklist_subject", L_BL_SUBJ, false},
};

/* The tests: symbol, eval function (new and old name), default score. */
static const struct {
	const char *symbol, *fn, *old_fn;
	double score;
} sa_tests[VG_SA_WLBL_TEST_MAX] = {
    [VG_SA_WLBL_FROM_WELCOME] = {"USER_IN_WELCOMELIST",
        "check_from_in_welcomelist", "check_from_in_whitelist", -100},
    [VG_SA_WLBL_FROM_BLOCK] = {"USER_IN_BLOCKLIST", "check_from_in_blocklist",
        "check_from_in_blacklist", 100},
    [VG_SA_WLBL_TO_WELCOME] = {"USER_IN_WELCOMELIST_TO",
        "check_to_in_welcomelist", "check_to_in_whitelist", -6},
    [VG_SA_WLBL_TO_BLOCK] = {"USER_IN_BLOCKLIST_TO", "check_to_in_blocklist",
        "check_to_in_blacklist", 10},
    [VG_SA_WLBL_TO_MORE_SPAM] = {"USER_IN_MORE_SPAM_TO",
        "check_to_in_more_spam", NULL, -20},
    [VG_SA_WLBL_TO_ALL_SPAM] = {"USER_IN_ALL_SPAM_TO", "check_to_in_all_spam",
        NULL, -100},
    [VG_SA_WLBL_SPF_WELCOME] = {"USER_IN_SPF_WELCOMELIST",
        "check_for_spf_welcomelist_from", "check_for_spf_whitelist_from", -100},
    [VG_SA_WLBL_DKIM_WELCOME] = {"USER_IN_DKIM_WELCOMELIST",
        "check_for_dkim_welcomelist_from", "check_for_dkim_whitelist_from",
        -100},
    [VG_SA_WLBL_DEF_SPF] = {"USER_IN_DEF_SPF_WL",
        "check_for_def_spf_welcomelist_from",
        "check_for_def_spf_whitelist_from", -7.5},
    [VG_SA_WLBL_DEF_DKIM] = {"USER_IN_DEF_DKIM_WL",
        "check_for_def_dkim_welcomelist_from",
        "check_for_def_dkim_whitelist_from", -7.5},
    [VG_SA_WLBL_SUBJ_WELCOME] = {"SUBJECT_IN_WELCOMELIST",
        "check_subject_in_welcomelist", "check_subject_in_whitelist", -100},
    [VG_SA_WLBL_SUBJ_BLOCK] = {"SUBJECT_IN_BLOCKLIST",
        "check_subject_in_blocklist", "check_subject_in_blacklist", 100},
};

/* vg_sa_wlbl_new - empty lists */
int
vg_sa_wlbl_new(struct vg_sa_wlbl **out)
{
	*out = vg_calloc(1, sizeof(**out));
	return *out == NULL ? VG_ENOMEM : 0;
}

/* vg_sa_wlbl_free - every entry */
void
vg_sa_wlbl_free(struct vg_sa_wlbl *w)
{
	if (w == NULL)
		return;
	for (size_t k = 0; k < L_MAX; k++) {
		for (size_t i = 0; i < w->l[k].n; i++) {
			vg_free(w->l[k].v[i].pat);
			vg_free(w->l[k].v[i].domain);
		}
		vg_free(w->l[k].v);
	}
	for (size_t k = 0; k < w->nnamed; k++) {
		for (size_t i = 0; i < w->named[k].l.n; i++)
			vg_free(w->named[k].l.v[i].pat);
		vg_free(w->named[k].l.v);
		vg_free(w->named[k].name);
	}
	vg_free(w->named);
	for (size_t k = 0; k < w->nuri; k++) {
		for (size_t i = 0; i < w->uri[k].l.n; i++)
			vg_free(w->uri[k].l.v[i].pat);
		vg_free(w->uri[k].l.v);
		vg_free(w->uri[k].name);
	}
	vg_free(w->uri);
	vg_free(w);
}

/* vg_sa_wlbl_empty - no entry anywhere */
bool
vg_sa_wlbl_empty(const struct vg_sa_wlbl *w)
{
	return w == NULL || w->total == 0;
}

/* lower - ASCII lower case of one byte */
static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/*
 * vg_sa_wlbl_glob - '*' any run, '?' one character, the rest literal and
 * without case, over the whole of addr.  The classic one-star backtrack:
 * a later '*' forgets the earlier, so the work is at most the product of
 * the two lengths, never exponential.
 */
bool
vg_sa_wlbl_glob(const char *pat, const char *addr)
{
	const unsigned char *p = (const unsigned char *)pat;
	const unsigned char *s = (const unsigned char *)addr;
	const unsigned char *star = NULL, *mark = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star = p++;
			mark = s;
		} else if (*p == '?' ||
		    (*p != '\0' && lower(*p) == lower(*s))) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star + 1;
			s = ++mark;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* sa_fail - a rules-file error at file:line */
static int
sa_fail(struct vg_err *err, const char *file, unsigned line, const char *dir,
    const char *why)
{
	vg_err_add(err, file, line, "%s: %s", dir, why);
	return VG_ECONFIG;
}

/* sa_dup_lower - a lower-case copy of n bytes, or NULL */
static char *
sa_dup_lower(const char *s, size_t n)
{
	char *d = vg_malloc(n + 1);

	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		d[i] = (char)lower((unsigned char)s[i]);
	d[n] = '\0';
	return d;
}

/* sa_word - the next blank-separated word of *s: its start, length in *n */
static const char *
sa_word(const char **s, size_t *n)
{
	const char *p = *s, *w;

	while (*p == ' ' || *p == '\t')
		p++;
	w = p;
	while (
	    *p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
		p++;
	*n = (size_t)(p - w);
	*s = p;
	return *n > 0 ? w : NULL;
}

/* sa_add_to - one entry (pat, dom may be NULL) to list l */
static int
sa_add_to(struct vg_sa_wlbl *w, struct sa_list_v *l, const char *pat,
    size_t plen, const char *dom, size_t dlen)
{
	struct sa_entry e = {.pat = NULL, .domain = NULL};

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct sa_entry *v = vg_reallocarray(l->v, cap, sizeof(*l->v));

		if (v == NULL)
			return VG_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if ((e.pat = sa_dup_lower(pat, plen)) == NULL)
		return VG_ENOMEM;
	if (dom != NULL && (e.domain = sa_dup_lower(dom, dlen)) == NULL) {
		vg_free(e.pat);
		return VG_ENOMEM;
	}
	l->v[l->n++] = e;
	w->total++;
	return 0;
}

/* sa_add - one entry (pat, dom may be NULL) to list k */
static int
sa_add(struct vg_sa_wlbl *w, enum sa_list k, const char *pat, size_t plen,
    const char *dom, size_t dlen)
{
	return sa_add_to(w, &w->l[k], pat, plen, dom, dlen);
}

/* sa_find_in - the list called name (n bytes) of v[0..nv), or NULL */
static struct sa_named *
sa_find_in(struct sa_named *v, size_t nv, const char *name, size_t n)
{
	for (size_t k = 0; k < nv; k++)
		if (strlen(v[k].name) == n && memcmp(v[k].name, name, n) == 0)
			return &v[k];
	return NULL;
}

/* sa_named_find - the named address list name (n bytes), or NULL */
static struct sa_named *
sa_named_find(const struct vg_sa_wlbl *w, const char *name, size_t n)
{
	return sa_find_in(w->named, w->nnamed, name, n);
}

/* sa_list_new - list name (n bytes) added to *v; NULL out of memory */
static struct sa_named *
sa_list_new(
    struct sa_named **v, size_t *nv, size_t *cap, const char *name, size_t n)
{
	struct sa_named *nl;

	if (*nv == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		struct sa_named *g = vg_reallocarray(*v, c, sizeof(*g));

		if (g == NULL)
			return NULL;
		*v = g;
		*cap = c;
	}
	nl = &(*v)[*nv];
	memset(nl, 0, sizeof(*nl));
	if ((nl->name = vg_strndup(name, n)) == NULL)
		return NULL;
	(*nv)++;
	return nl;
}

/*
 * sa_uri_hosts - enlist_uri_host (NAME) [!]host ..., blocklist_uri_host
 * and welcomelist_uri_host (the lists BLOCK and WELCOME): hosts or
 * domains, lower case, "!" marking one listed as not
 */
static int
sa_uri_hosts(struct vg_sa_wlbl *w, const char *dir, const char *s,
    const char *file, unsigned line, struct vg_err *err)
{
	const char *name, *word;
	size_t n, wn;
	struct sa_named *nl;

	if (strcmp(dir, "enlist_uri_host") == 0) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '(' || (n = strcspn(s + 1, ")")) == 0 ||
		    s[1 + n] != ')')
			return sa_fail(
			    err, file, line, dir, "needs (NAME) first");
		if (n > 64)
			return sa_fail(
			    err, file, line, dir, "list name too long");
		name = s + 1;
		s += n + 2;
	} else {
		name = dir[0] == 'b' ? "BLOCK" : "WELCOME";
		n = strlen(name);
	}
	if ((nl = sa_find_in(w->uri, w->nuri, name, n)) == NULL &&
	    (nl = sa_list_new(&w->uri, &w->nuri, &w->capuri, name, n)) == NULL)
		return VG_ENOMEM;
	if ((word = sa_word(&s, &wn)) == NULL)
		return sa_fail(err, file, line, dir, "needs a host");
	do {
		bool neg = word[0] == '!';
		int rc;

		if (neg) {
			word++;
			wn--;
		}
		if (wn == 0 || wn > VG_SA_WLBL_ENTRY_MAX)
			return sa_fail(err, file, line, dir, "bad host");
		if (w->total >= VG_SA_WLBL_MAX_ENTRIES)
			return sa_fail(err, file, line, dir,
			    "more than 100000 welcomelist/blocklist entries");
		if ((rc = sa_add_to(w, &nl->l, word, wn, NULL, 0)) != 0)
			return rc;
		nl->l.v[nl->l.n - 1].neg = neg;
		w->total--; /* these lists feed no check-stage test */
	} while ((word = sa_word(&s, &wn)) != NULL);
	return 1;
}

/* vg_sa_wlbl_uri_listed - see sa_wlbl.h */
bool
vg_sa_wlbl_uri_listed(const struct vg_sa_wlbl *w, const char *name,
    const char *const *hosts, size_t n)
{
	const struct sa_named *nl;

	if (w == NULL ||
	    (nl = sa_find_in(w->uri, w->nuri, name, strlen(name))) == NULL)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *h = hosts[i];

		/* host, then each parent domain: the most specific entry
		 * decides */
		while (h != NULL && *h != '\0') {
			const struct sa_entry *e = NULL;

			for (size_t k = 0; k < nl->l.n && e == NULL; k++)
				if (strcmp(nl->l.v[k].pat, h) == 0)
					e = &nl->l.v[k];
			if (e != NULL) {
				if (!e->neg)
					return true;
				break;
			}
			h = strchr(h, '.');
			h = h != NULL ? h + 1 : NULL;
		}
	}
	return false;
}

/*
 * sa_enlist - "enlist_addrlist (NAME) glob ...": entries of a named list
 * (SpamAssassin's check_from_in_list('NAME') and friends read them)
 */
static int
sa_enlist(struct vg_sa_wlbl *w, const char *s, const char *file, unsigned line,
    const char *dir, struct vg_err *err)
{
	struct sa_named *nl;
	const char *name, *word;
	size_t n, wn;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '(' || (n = strcspn(s + 1, ")")) == 0 || s[1 + n] != ')')
		return sa_fail(err, file, line, dir, "needs (NAME) first");
	name = s + 1;
	s += n + 2;
	if (n > 64)
		return sa_fail(err, file, line, dir, "list name too long");
	if ((nl = sa_named_find(w, name, n)) == NULL &&
	    (nl = sa_list_new(&w->named, &w->nnamed, &w->capnamed, name, n)) ==
	        NULL)
		return VG_ENOMEM;
	if ((word = sa_word(&s, &wn)) == NULL)
		return sa_fail(err, file, line, dir, "needs an address");
	do {
		int rc;

		if (wn > VG_SA_WLBL_ENTRY_MAX)
			return sa_fail(err, file, line, dir,
			    "address longer than 320 bytes");
		if (w->total >= VG_SA_WLBL_MAX_ENTRIES)
			return sa_fail(err, file, line, dir,
			    "more than 100000 welcomelist/blocklist entries");
		if ((rc = sa_add_to(w, &nl->l, word, wn, NULL, 0)) != 0)
			return rc;
		w->total--; /* named lists feed no check-stage test */
	} while ((word = sa_word(&s, &wn)) != NULL);
	return 1;
}

/* vg_sa_wlbl_in_list - see sa_wlbl.h */
bool
vg_sa_wlbl_in_list(const struct vg_sa_wlbl *w, const char *name,
    const char *const *a, size_t n)
{
	const struct sa_named *nl;

	if (w == NULL || (nl = sa_named_find(w, name, strlen(name))) == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; a[i] != NULL && *a[i] != '\0' && k < nl->l.n;
		     k++)
			if (vg_sa_wlbl_glob(nl->l.v[k].pat, a[i]))
				return true;
	return false;
}

/* sa_remove - every entry of list k written as pat */
static void
sa_remove(struct vg_sa_wlbl *w, enum sa_list k, const char *pat, size_t plen)
{
	struct sa_list_v *l = &w->l[k];
	size_t i = 0;

	while (i < l->n) {
		const char *e = l->v[i].pat;
		bool same = strlen(e) == plen;

		for (size_t j = 0; same && j < plen; j++)
			same =
			    (unsigned char)e[j] == lower((unsigned char)pat[j]);
		if (!same) {
			i++;
			continue;
		}
		vg_free(l->v[i].pat);
		vg_free(l->v[i].domain);
		l->v[i] = l->v[--l->n];
		w->total--;
	}
}

/*
 * sa_subject - welcomelist_subject / blocklist_subject: the whole rest of
 * the line is one entry (SpamAssassin hands the value to the plugin as
 * written), kept as "*ENTRY*" since SpamAssassin's regex is unanchored
 */
static int
sa_subject(struct vg_sa_wlbl *w, enum sa_list k, const char *s,
    const char *file, unsigned line, const char *dir, struct vg_err *err)
{
	char buf[VG_SA_WLBL_ENTRY_MAX + 3];
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 &&
	    (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	        s[n - 1] == '\n'))
		n--;
	if (n == 0)
		return sa_fail(err, file, line, dir, "needs a subject");
	if (n > VG_SA_WLBL_ENTRY_MAX)
		return sa_fail(
		    err, file, line, dir, "subject longer than 320 bytes");
	if (w->total >= VG_SA_WLBL_MAX_ENTRIES)
		return sa_fail(err, file, line, dir,
		    "more than 100000 welcomelist/blocklist entries");
	buf[0] = '*';
	memcpy(buf + 1, s, n);
	buf[n + 1] = '*';
	return sa_add(w, k, buf, n + 2, NULL, 0) == 0 ? 1 : VG_ENOMEM;
}

/* vg_sa_wlbl_directive - a list directive, or 0 */
int
vg_sa_wlbl_directive(struct vg_sa_wlbl *w, const char *dir, const char *args,
    const char *file, unsigned line, struct vg_err *err)
{
	const char *s = args != NULL ? args : "", *word, *dom;
	size_t i, n, dn;
	bool dkim;
	int rc;

	if (strcmp(dir, "enlist_addrlist") == 0)
		return sa_enlist(w, s, file, line, dir, err);
	if (strcmp(dir, "enlist_uri_host") == 0 ||
	    strcmp(dir, "blocklist_uri_host") == 0 ||
	    strcmp(dir, "welcomelist_uri_host") == 0)
		return sa_uri_hosts(w, dir, s, file, line, err);
	for (i = 0; i < VG_NELEM(sa_dirs); i++)
		if (strcmp(dir, sa_dirs[i].name) == 0)
			break;
	if (i == VG_NELEM(sa_dirs))
		return 0;
	dkim = sa_dirs[i].list == L_WL_DKIM || sa_dirs[i].list == L_DEF_WL_DKIM;
	if (sa_dirs[i].list == L_WL_SUBJ || sa_dirs[i].list == L_BL_SUBJ)
		return sa_subject(w, sa_dirs[i].list, s, file, line, dir, err);
	if ((word = sa_word(&s, &n)) == NULL)
		return sa_fail(err, file, line, dir, "needs an address");
	do {
		if (n > VG_SA_WLBL_ENTRY_MAX)
			return sa_fail(err, file, line, dir,
			    "address longer than 320 bytes");
		if (sa_dirs[i].remove) {
			sa_remove(w, sa_dirs[i].list, word, n);
			continue;
		}
		if (w->total >= VG_SA_WLBL_MAX_ENTRIES)
			return sa_fail(err, file, line, dir,
			    "more than 100000 welcomelist/blocklist entries");
		/* _dkim: "ADDR [SIGNING-DOMAIN]", one entry a line. */
		dom = dkim ? sa_word(&s, &dn) : NULL;
		if (dom != NULL && dn > VG_SA_WLBL_ENTRY_MAX)
			return sa_fail(err, file, line, dir,
			    "domain longer than 320 bytes");
		rc = sa_add(w, sa_dirs[i].list, word, n, dom, dom ? dn : 0);
		if (rc != 0)
			return rc;
		if (dkim && sa_word(&s, &dn) != NULL)
			return sa_fail(err, file, line, dir,
			    "takes an address and at most one domain");
	} while ((word = sa_word(&s, &n)) != NULL);
	return 1;
}

/* sa_match - whether addr matches an entry of list k; the entry or NULL */
static const struct sa_entry *
sa_match(const struct vg_sa_wlbl *w, enum sa_list k, const char *addr)
{
	if (addr == NULL || *addr == '\0')
		return NULL;
	for (size_t i = 0; i < w->l[k].n; i++)
		if (vg_sa_wlbl_glob(w->l[k].v[i].pat, addr))
			return &w->l[k].v[i];
	return NULL;
}

/* sa_any - whether one of n addresses matches list k */
static bool
sa_any(
    const struct vg_sa_wlbl *w, enum sa_list k, const char *const *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sa_match(w, k, a[i]) != NULL)
			return true;
	return false;
}

/* sa_domain_under - whether d is dom or a parent domain of it */
static bool
sa_domain_under(const char *d, const char *dom)
{
	size_t dl = strlen(d), ml = strlen(dom);

	if (dl == 0 || dl > ml)
		return false;
	for (size_t i = 0; i < dl; i++)
		if (lower((unsigned char)d[i]) !=
		    lower((unsigned char)dom[ml - dl + i]))
			return false;
	return dl == ml || dom[ml - dl - 1] == '.';
}

/*
 * sa_dkim - a FROM address in list k (or auth) signed, with a passing
 * signature, by its own domain, the entry's domain, or a parent of either
 */
static bool
sa_dkim(const struct vg_sa_wlbl *w, enum sa_list k, enum sa_list auth,
    const struct vg_sa_wlbl_facts *f)
{
	/* No passing signature, no hit: skip the globs (Debian's
	 * def_welcomelist_auth has hundreds, about 1 M instructions a
	 * message). */
	if (f->ndkim_pass == 0)
		return false;
	for (size_t i = 0; i < f->nfrom; i++) {
		const struct sa_entry *e = sa_match(w, k, f->from[i]);
		const char *at, *want;

		if (e == NULL)
			e = sa_match(w, auth, f->from[i]);
		if (e == NULL || (at = strrchr(f->from[i], '@')) == NULL)
			continue;
		want = e->domain != NULL ? e->domain : at + 1;
		for (size_t j = 0; j < f->ndkim_pass; j++)
			if (sa_domain_under(f->dkim_pass[j], want))
				return true;
	}
	return false;
}

/* vg_sa_wlbl_eval - one test on one message's facts */
bool
vg_sa_wlbl_eval(const struct vg_sa_wlbl *w, enum vg_sa_wlbl_test t,
    const struct vg_sa_wlbl_facts *f)
{
	if (w == NULL || w->total == 0)
		return false;
	switch (t) {
	case VG_SA_WLBL_FROM_WELCOME:
		return sa_any(w, L_WL_FROM, f->from, f->nfrom);
	case VG_SA_WLBL_FROM_BLOCK:
		return sa_any(w, L_BL_FROM, f->from, f->nfrom);
	case VG_SA_WLBL_TO_WELCOME:
		return sa_any(w, L_WL_TO, f->to, f->nto);
	case VG_SA_WLBL_TO_BLOCK:
		return sa_any(w, L_BL_TO, f->to, f->nto);
	case VG_SA_WLBL_TO_MORE_SPAM:
		return sa_any(w, L_MORE_SPAM_TO, f->to, f->nto);
	case VG_SA_WLBL_TO_ALL_SPAM:
		return sa_any(w, L_ALL_SPAM_TO, f->to, f->nto);
	case VG_SA_WLBL_SPF_WELCOME:
		return f->spf_pass &&
		    (sa_match(w, L_WL_SPF, f->envfrom) ||
		        sa_match(w, L_WL_AUTH, f->envfrom));
	case VG_SA_WLBL_DEF_SPF:
		return f->spf_pass &&
		    (sa_match(w, L_DEF_WL_SPF, f->envfrom) ||
		        sa_match(w, L_DEF_WL_AUTH, f->envfrom));
	case VG_SA_WLBL_DKIM_WELCOME:
		return sa_dkim(w, L_WL_DKIM, L_WL_AUTH, f);
	case VG_SA_WLBL_DEF_DKIM:
		return sa_dkim(w, L_DEF_WL_DKIM, L_DEF_WL_AUTH, f);
	case VG_SA_WLBL_SUBJ_WELCOME:
		return f->subject != NULL && *f->subject != '\0' &&
		    sa_match(w, L_WL_SUBJ, f->subject) != NULL;
	case VG_SA_WLBL_SUBJ_BLOCK:
		return f->subject != NULL && *f->subject != '\0' &&
		    sa_match(w, L_BL_SUBJ, f->subject) != NULL;
	case VG_SA_WLBL_TEST_MAX:
		break;
	}
	return false;
}

/* vg_sa_wlbl_symbol - the rule name */
const char *
vg_sa_wlbl_symbol(enum vg_sa_wlbl_test t)
{
	return t < VG_SA_WLBL_TEST_MAX ? sa_tests[t].symbol : "";
}

/* vg_sa_wlbl_fn - the eval function */
const char *
vg_sa_wlbl_fn(enum vg_sa_wlbl_test t)
{
	return t < VG_SA_WLBL_TEST_MAX ? sa_tests[t].fn : "";
}

/* vg_sa_wlbl_score - the default score */
double
vg_sa_wlbl_score(enum vg_sa_wlbl_test t)
{
	return t < VG_SA_WLBL_TEST_MAX ? sa_tests[t].score : 0;
}

/* vg_sa_wlbl_find_fn - test by eval function name */
int
vg_sa_wlbl_find_fn(const char *name)
{
	for (int t = 0; t < VG_SA_WLBL_TEST_MAX; t++)
		if (strcmp(name, sa_tests[t].fn) == 0 ||
		    (sa_tests[t].old_fn != NULL &&
		        strcmp(name, sa_tests[t].old_fn) == 0))
			return t;
	return -1;
}

/* sa_module_create - the rules-file module's state: empty lists */
static int
sa_module_create(void **state_out)
{
	struct vg_sa_wlbl *w;
	int rc = vg_sa_wlbl_new(&w);

	*state_out = w;
	return rc;
}

/* sa_module_free - the lists */
static void
sa_module_free(void *state)
{
	vg_sa_wlbl_free(state);
}

/* sa_module_directive - vg_sa_wlbl_directive() */
static int
sa_module_directive(void *state, const char *dir, const char *rest,
    const char *file, unsigned line, struct vg_err *err)
{
	return vg_sa_wlbl_directive(state, dir, rest, file, line, err);
}

const struct vg_rules_module vg_sa_wlbl_rules_module = {
    .name = "sa_wlbl",
    .create = sa_module_create,
    .free = sa_module_free,
    .directive = sa_module_directive,
};

/* vg_sa_wlbl_of - the module's state in r */
const struct vg_sa_wlbl *
vg_sa_wlbl_of(const struct vg_rules *r)
{
	return vg_rules_module_state(r, &vg_sa_wlbl_rules_module);
}
