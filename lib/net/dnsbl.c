/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dnsbl.c - client and URI blacklist lookups (see dnsbl.h).
 *
 * vg_dnsbl_start() submits every query of a message and returns;
 * vg_dnsbl_collect() then waits for each, so the lookups of one message
 * run in parallel and the whole wait costs the slowest answer, bounded by
 * the deadline.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpsl.h>

#include "base/alloc.h"
#include "net/dns.h"
#include "net/dnsbl.h"
#include "base/log.h"
#include "base/num.h"
#include "rules/rules.h"

struct dnsbl_list {
	enum vg_dnsbl_kind kind;
	char *name, *zone, *answers; /* answers NULL = default */
	/*
	 * The first list of the same kind and zone (itself when none is
	 * before it): lists sharing a zone ask one query, made for the
	 * first and matched against each list's ANSWERS, counted once in
	 * uribl_max_lookups, as SpamAssassin's sub-tests of one zone.
	 */
	size_t zone_first;
};

struct vg_dnsbl {
	struct dnsbl_list *lists;
	size_t n, nclient, nuri;
	char **skip; /* hosts and domains never looked up, sorted */
	size_t nskip;
	psl_ctx_t *psl_own;   /* loaded from the system list, or NULL */
	const psl_ctx_t *psl; /* psl_own or libpsl's built-in list */
};

/* vg_dnsbl_client_name - reversed address plus zone */
int
vg_dnsbl_client_name(char *out, size_t size, const char *ip, const char *zone)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char a[16];
	struct in_addr a4;
	size_t w = 0, i, zl;
	int n;

	if (ip == NULL || zone == NULL)
		return VG_EINVAL;
	zl = strlen(zone);
	if (inet_pton(AF_INET, ip, &a4) == 1) {
		memcpy(a, &a4, 4);
		n = snprintf(
		    out, size, "%u.%u.%u.%u.%s", a[3], a[2], a[1], a[0], zone);
		if (n < 0 || (size_t)n >= size || (size_t)n > VG_DNS_NAME_MAX)
			return VG_ELIMIT;
		return VG_OK;
	}
	if (inet_pton(AF_INET6, ip, a) != 1)
		return VG_EINVAL;
	if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)a)) {
		char v4[INET_ADDRSTRLEN];

		if (inet_ntop(AF_INET, a + 12, v4, sizeof(v4)) == NULL)
			return VG_EINVAL;
		return vg_dnsbl_client_name(out, size, v4, zone);
	}
	/* 32 nibbles and dots, the zone, the NUL. */
	if (size < 64 + zl + 1 || 64 + zl > VG_DNS_NAME_MAX)
		return VG_ELIMIT;
	for (i = 16; i-- > 0;) {
		out[w++] = hex[a[i] & 0x0f];
		out[w++] = '.';
		out[w++] = hex[a[i] >> 4];
		out[w++] = '.';
	}
	memcpy(out + w, zone, zl + 1);
	return VG_OK;
}

/* vg_dnsbl_uri_host - the host part of a URI, lower case */
int
vg_dnsbl_uri_host(char *out, size_t size, const char *uri)
{
	const char *p, *end, *at;
	size_t n, i;

	p = strstr(uri, "://");
	if (p != NULL)
		p += 3;
	else if (strncmp(uri, "www.", 4) == 0)
		p = uri;
	else
		return VG_EINVAL;
	end = p + strcspn(p, "/?#");
	/* Drop user info; the host follows the last '@' of the authority. */
	for (at = end; at > p && at[-1] != '@'; at--)
		continue;
	if (at > p)
		p = at;
	if (*p == '[')
		return VG_EINVAL; /* an IPv6 literal has no domain */
	n = strcspn(p, ":/?#");
	if ((size_t)(end - p) < n)
		n = (size_t)(end - p);
	while (n > 0 && p[n - 1] == '.')
		n--;
	if (n == 0)
		return VG_EINVAL;
	if (n >= size || n > VG_DNS_NAME_MAX)
		return VG_ELIMIT;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[n] = '\0';
	return VG_OK;
}

/* vg_dnsbl_new - copy the declarations and load the public suffix list */
/* dnsbl_cmp - strcmp for qsort and bsearch over char * */
static int
dnsbl_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* dnsbl_skip_copy - the rules' uridnsbl_skip_domain list, sorted */
static int
dnsbl_skip_copy(struct vg_dnsbl *bl, const struct vg_rules *rules)
{
	size_t n = vg_rules_uribl_skip_count(rules);

	if (n == 0)
		return VG_OK;
	if ((bl->skip = vg_calloc(n, sizeof(*bl->skip))) == NULL)
		return VG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if ((bl->skip[i] = vg_strdup(vg_rules_uribl_skip(rules, i))) ==
		    NULL)
			return VG_ENOMEM;
		bl->nskip++;
	}
	qsort(bl->skip, bl->nskip, sizeof(*bl->skip), dnsbl_cmp);
	return VG_OK;
}

/* dnsbl_skipped - is name in the skip list */
static bool
dnsbl_skipped(const struct vg_dnsbl *bl, const char *name)
{
	return bl->nskip > 0 &&
	    bsearch(&name, bl->skip, bl->nskip, sizeof(*bl->skip), dnsbl_cmp) !=
	    NULL;
}

int
vg_dnsbl_new(
    struct vg_dnsbl **out, const struct vg_rules *rules, struct vg_err *err)
{
	struct vg_dnsbl *bl;
	size_t i, n = rules != NULL ? vg_rules_dnsbl_count(rules) : 0;
	int rc = VG_OK;

	*out = NULL;
	bl = vg_calloc(1, sizeof(*bl));
	if (bl == NULL)
		return VG_ENOMEM;
	if (n > 0) {
		bl->lists = vg_calloc(n, sizeof(*bl->lists));
		if (bl->lists == NULL) {
			rc = VG_ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		const struct vg_rules_dnsbl *d = vg_rules_dnsbl(rules, i);
		struct dnsbl_list *l = &bl->lists[bl->n];
		const char *why = NULL;

		if (vg_dnsbl_answers_check(d->answers, &why) != VG_OK) {
			vg_err_add(err, d->file, d->line, "%s %s: %s",
			    d->kind == VG_DNSBL_CLIENT ? "dnsbl" : "uribl",
			    d->name, why);
			rc = VG_ECONFIG;
			continue;
		}
		l->kind = d->kind;
		l->name = vg_strdup(d->name);
		l->zone = vg_strdup(d->zone);
		l->answers = d->answers != NULL ? vg_strdup(d->answers) : NULL;
		bl->n++;
		if (l->name == NULL || l->zone == NULL ||
		    (d->answers != NULL && l->answers == NULL)) {
			rc = VG_ENOMEM;
			goto out;
		}
		l->zone_first = bl->n - 1;
		for (size_t k = 0; k + 1 < bl->n; k++)
			if (bl->lists[k].kind == l->kind &&
			    strcasecmp(bl->lists[k].zone, l->zone) == 0) {
				l->zone_first = k;
				break;
			}
		if (l->kind == VG_DNSBL_CLIENT)
			bl->nclient++;
		else
			bl->nuri++;
	}
	if (rc != VG_OK)
		goto out;
	if ((rc = dnsbl_skip_copy(bl, rules)) != VG_OK)
		goto out;
	/* The system's list (publicsuffix package) if present, else libpsl's. */
	bl->psl_own = psl_latest(NULL);
	bl->psl = bl->psl_own != NULL ? bl->psl_own : psl_builtin();
	if (bl->psl == NULL && bl->nuri > 0)
		vg_warn("uribl: no public suffix list; using the last two "
		        "labels of each host");
	*out = bl;
	bl = NULL;
out:
	vg_dnsbl_free(bl);
	return rc;
}

/* vg_dnsbl_free - free compiled lists */
void
vg_dnsbl_free(struct vg_dnsbl *bl)
{
	size_t i;

	if (bl == NULL)
		return;
	for (i = 0; i < bl->n; i++) {
		vg_free(bl->lists[i].name);
		vg_free(bl->lists[i].zone);
		vg_free(bl->lists[i].answers);
	}
	for (i = 0; i < bl->nskip; i++)
		vg_free(bl->skip[i]);
	vg_free(bl->skip);
	vg_free(bl->lists);
	if (bl->psl_own != NULL)
		psl_free(bl->psl_own);
	vg_free(bl);
}

/* vg_dnsbl_count - lists of each kind */
void
vg_dnsbl_count(const struct vg_dnsbl *bl, size_t *client_out, size_t *uri_out)
{
	*client_out = bl->nclient;
	*uri_out = bl->nuri;
}

/* vg_dnsbl_registrable - public-suffix-aware registrable domain */
int
vg_dnsbl_registrable(
    const struct vg_dnsbl *bl, char *out, size_t size, const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;
	const char *r = NULL, *dot;
	size_t n;

	if (inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1 || !vg_dns_name_valid(host))
		return VG_EINVAL;
	if (bl->psl != NULL)
		r = psl_registrable_domain(bl->psl, host);
	else {
		/* XXX no list: guess the last two labels. */
		dot = strrchr(host, '.');
		if (dot != NULL) {
			for (r = dot; r > host && r[-1] != '.'; r--)
				continue;
			if (r == host && dot == NULL)
				r = NULL;
		}
	}
	if (r == NULL || strchr(r, '.') == NULL)
		return VG_EINVAL;
	n = strlen(r);
	if (n >= size)
		return VG_ELIMIT;
	memcpy(out, r, n + 1);
	return VG_OK;
}

/* vg_dnsbl_prefetch - start the client lookups at CONNECT */
void
vg_dnsbl_prefetch(
    struct vg_dns *dns, const struct vg_rules *rules, const char *client_ip)
{
	char name[VG_DNS_NAME_MAX + 1];
	size_t i, n = rules != NULL ? vg_rules_dnsbl_count(rules) : 0;

	for (i = 0; i < n; i++) {
		const struct vg_rules_dnsbl *d = vg_rules_dnsbl(rules, i);
		bool seen = false;

		/* Lists on one zone share one query (zone_first). */
		for (size_t k = 0; k < i && !seen; k++)
			seen = vg_rules_dnsbl(rules, k)->kind == d->kind &&
			    strcasecmp(
			        vg_rules_dnsbl(rules, k)->zone, d->zone) == 0;
		if (!seen && d->kind == VG_DNSBL_CLIENT &&
		    vg_dnsbl_client_name(
		        name, sizeof(name), client_ip, d->zone) == VG_OK)
			vg_dns_prefetch(dns, name, VG_DNS_A);
	}
}

struct dnsbl_pending {
	struct vg_dns_query *q;
	size_t list;
	char *what; /* the address or domain looked up */
};

/*
 * One message's lookups: the queries vg_dnsbl_start() made, then what
 * vg_dnsbl_collect() found in their answers.  hits has room for one hit
 * per list, so collecting never allocates.
 */
struct vg_dnsbl_lookup {
	const struct vg_dnsbl *bl;
	struct vg_dns *dns; /* a reference */
	struct dnsbl_pending *p;
	size_t n, cap;
	char **domains; /* registrable domains asked for, each once */
	size_t ndomains;
	bool collected;
	struct vg_dnsbl_hit *hits;
	struct vg_dnsbl_outcome outcome;
};

/* dnsbl_submit - start one query and remember what it was for */
static int
dnsbl_submit(
    struct vg_dnsbl_lookup *r, size_t list, const char *what, const char *name)
{
	struct dnsbl_pending *p;
	int rc;

	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 16;

		p = vg_reallocarray(r->p, ncap, sizeof(*p));
		if (p == NULL)
			return VG_ENOMEM;
		r->p = p;
		r->cap = ncap;
	}
	p = &r->p[r->n];
	p->list = list;
	p->what = vg_strdup(what);
	if (p->what == NULL)
		return VG_ENOMEM;
	rc = vg_dns_submit(r->dns, &p->q, name, VG_DNS_A);
	if (rc != VG_OK) {
		vg_free(p->what);
		/* A name too long for DNS is skipped, not an error. */
		return rc == VG_EINVAL ? VG_OK : rc;
	}
	r->n++;
	return VG_OK;
}

/* dnsbl_seen - remember a domain; true if it was already there */
static int
dnsbl_seen(struct vg_dnsbl_lookup *r, const char *dom, bool *seen)
{
	char **d;
	size_t i;

	*seen = false;
	for (i = 0; i < r->ndomains; i++)
		if (strcmp(r->domains[i], dom) == 0) {
			*seen = true;
			return VG_OK;
		}
	d = vg_reallocarray(r->domains, r->ndomains + 1, sizeof(*d));
	if (d == NULL)
		return VG_ENOMEM;
	r->domains = d;
	d[r->ndomains] = vg_strdup(dom);
	if (d[r->ndomains] == NULL)
		return VG_ENOMEM;
	r->ndomains++;
	return VG_OK;
}

/* dnsbl_listed - has the list called name hit already? */
static bool
dnsbl_listed(const struct vg_dnsbl_lookup *r, const char *name)
{
	for (size_t i = 0; i < r->outcome.nhits; i++)
		if (strcmp(r->hits[i].list, name) == 0)
			return true;
	return false;
}

/*
 * dnsbl_match - the first A record of a that the list takes, into ans;
 * false when none does
 */
static bool
dnsbl_match(const struct dnsbl_list *l, const struct vg_dns_answer *a,
    char ans[INET_ADDRSTRLEN])
{
	for (size_t k = 0; k < a->n; k++) {
		uint32_t addr;

		if (a->rr[k].len != 4)
			continue;
		memcpy(&addr, a->rr[k].data, 4);
		addr = ntohl(addr);
		if (inet_ntop(AF_INET, a->rr[k].data, ans, INET_ADDRSTRLEN) ==
		    NULL)
			continue;
		if (l->answers == NULL && (addr >> 8) == 0x7fffffu) {
			vg_warn("%s: %s refused the query (%s); it "
			        "needs a local resolver",
			    l->name, l->zone, ans);
			continue;
		}
		if (vg_dnsbl_answer_match(l->answers, addr))
			return true;
	}
	return false;
}

/* vg_dnsbl_collect - wait for every query and note hits and failures */
const struct vg_dnsbl_outcome *
vg_dnsbl_collect(struct vg_dnsbl_lookup *lk, uint64_t deadline_ms)
{
	const struct vg_dnsbl *bl = lk->bl;
	struct vg_dnsbl_outcome *o = &lk->outcome;
	char ans[INET_ADDRSTRLEN];

	if (lk->collected)
		return o;
	lk->collected = true;
	for (size_t i = 0; i < lk->n; i++) {
		const struct dnsbl_list *l = &bl->lists[lk->p[i].list];
		const struct vg_dns_answer *a = NULL;
		const char **temp = l->kind == VG_DNSBL_CLIENT
		    ? &o->client_temp_zone
		    : &o->uri_temp_zone;
		struct vg_dnsbl_hit *h;

		if (vg_dns_wait(lk->dns, lk->p[i].q, deadline_ms) == VG_OK)
			a = vg_dns_query_answer(lk->p[i].q);
		if (a == NULL || a->status == VG_DNS_TEMPFAIL ||
		    a->status == VG_DNS_TIMEOUT) {
			if (*temp == NULL)
				*temp = l->zone;
			continue;
		}
		if (a->status != VG_DNS_OK)
			continue;
		/* The query is every list's on the zone (zone_first). */
		for (size_t k = lk->p[i].list; k < bl->n; k++) {
			const struct dnsbl_list *lz = &bl->lists[k];

			if (lz->zone_first != lk->p[i].list ||
			    dnsbl_listed(lk, lz->name) ||
			    !dnsbl_match(lz, a, ans))
				continue;
			/* One hit per list name, and there are bl->n lists. */
			h = &lk->hits[o->nhits++];
			h->list = lz->name;
			h->zone = lz->zone;
			h->what = lk->p[i].what;
			(void)snprintf(h->answer, sizeof(h->answer), "%s", ans);
		}
	}
	return o;
}

/* vg_dnsbl_received_ip - the relay address in a Received value */
int
vg_dnsbl_received_ip(char *out, size_t size, const char *value, size_t len)
{
	struct in6_addr a6;
	struct in_addr a4;
	char lit[INET6_ADDRSTRLEN + 8];
	size_t i, j, n;

	for (i = 0; i < len; i++) {
		/* The relay is named before "by"; stop there. */
		if (i + 4 <= len &&
		    (value[i] == ' ' || value[i] == '\t' || value[i] == '\n') &&
		    (value[i + 1] == 'b' || value[i + 1] == 'B') &&
		    (value[i + 2] == 'y' || value[i + 2] == 'Y') &&
		    (value[i + 3] == ' ' || value[i + 3] == '\t' ||
		        value[i + 3] == '\r' || value[i + 3] == '\n'))
			break;
		if (value[i] != '[')
			continue;
		for (j = i + 1; j < len && value[j] != ']'; j++)
			continue;
		n = j - i - 1;
		if (j >= len || n == 0 || n >= sizeof(lit))
			continue;
		memcpy(lit, value + i + 1, n);
		lit[n] = '\0';
		if (strncasecmp(lit, "IPv6:", 5) == 0)
			memmove(lit, lit + 5, n - 4);
		if (inet_pton(AF_INET, lit, &a4) != 1 &&
		    inet_pton(AF_INET6, lit, &a6) != 1)
			continue;
		if (strlen(lit) >= size)
			return VG_ELIMIT;
		memcpy(out, lit, strlen(lit) + 1);
		return VG_OK;
	}
	return VG_EINVAL;
}

/* vg_dnsbl_start - submit every query of one message */
int
vg_dnsbl_start(struct vg_dnsbl_lookup **out, const struct vg_dnsbl *bl,
    struct vg_dns *dns, const char *const *ips, size_t nips,
    const char *const *uris, size_t nuris, unsigned max_uri_lookups)
{
	struct vg_dnsbl_lookup *r;
	char name[VG_DNS_NAME_MAX + 1], host[VG_DNS_NAME_MAX + 1];
	char dom[VG_DNS_NAME_MAX + 1];
	unsigned lookups = 0, skipped = 0;
	size_t i, j;
	int rc = VG_OK;

	*out = NULL;
	if ((r = vg_calloc(1, sizeof(*r))) == NULL)
		return VG_ENOMEM;
	r->bl = bl;
	r->dns = vg_dns_ref(dns);
	/* Room for one hit per list: collecting never allocates. */
	if ((r->hits = vg_calloc(bl->n + 1, sizeof(*r->hits))) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	r->outcome.hits = r->hits;
	for (j = 0; j < nips; j++) {
		for (i = 0; ips[j] != NULL && ips[j][0] != '\0' && i < bl->n;
		     i++) {
			if (bl->lists[i].kind != VG_DNSBL_CLIENT ||
			    bl->lists[i].zone_first != i ||
			    vg_dnsbl_client_name(name, sizeof(name), ips[j],
			        bl->lists[i].zone) != VG_OK)
				continue;
			rc = dnsbl_submit(r, i, ips[j], name);
			if (rc != VG_OK)
				goto out;
		}
	}
	for (j = 0; bl->nuri > 0 && j < nuris; j++) {
		bool seen;

		if (uris[j] == NULL ||
		    vg_dnsbl_uri_host(host, sizeof(host), uris[j]) != VG_OK ||
		    vg_dnsbl_registrable(bl, dom, sizeof(dom), host) != VG_OK)
			continue;
		/* SpamAssassin's uridnsbl_skip_domain: the domain or host. */
		if (dnsbl_skipped(bl, dom) || dnsbl_skipped(bl, host))
			continue;
		rc = dnsbl_seen(r, dom, &seen);
		if (rc != VG_OK)
			goto out;
		if (seen)
			continue;
		for (i = 0; i < bl->n; i++) {
			size_t first = bl->lists[i].zone_first;
			int n;

			/* A zone's later lists share its first one's query. */
			if (bl->lists[i].kind != VG_DNSBL_URI || first != i)
				continue;
			if (lookups >= max_uri_lookups) {
				skipped++;
				continue;
			}
			n = snprintf(name, sizeof(name), "%s.%s", dom,
			    bl->lists[i].zone);
			if (n < 0 || (size_t)n >= sizeof(name))
				continue;
			lookups++;
			rc = dnsbl_submit(r, i, dom, name);
			if (rc != VG_OK)
				goto out;
		}
	}
	if (skipped > 0)
		vg_info("uribl: uribl_max_lookups (%u) reached, %u lookups "
		        "skipped",
		    max_uri_lookups, skipped);
	*out = r;
	r = NULL;
out:
	vg_dnsbl_lookup_free(r);
	return rc;
}

/* vg_dnsbl_lookup_free - release the queries, which go on */
void
vg_dnsbl_lookup_free(struct vg_dnsbl_lookup *lk)
{
	size_t i;

	if (lk == NULL)
		return;
	for (i = 0; i < lk->n; i++) {
		vg_dns_query_free(lk->p[i].q);
		vg_free(lk->p[i].what);
	}
	vg_free(lk->p);
	for (i = 0; i < lk->ndomains; i++)
		vg_free(lk->domains[i]);
	vg_free(lk->domains);
	vg_free(lk->hits);
	vg_dns_unref(lk->dns);
	vg_free(lk);
}
