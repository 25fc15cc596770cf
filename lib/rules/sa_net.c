/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_net - SpamAssassin's DNSEval, URIDNSBL, SPF, DKIM and DMARC rules
 * mapped onto Vigil's DNSBL, URIBL, SPF, DKIM, ARC and DMARC checks (see
 * sa_net.h).
 *
 * PURPOSE  Rules are data: what a network eval test asks is turned, once
 *	    at load, into what Vigil's checks already do (a list
 *	    declaration, a symbol), so nothing here runs per message and
 *	    the checks keep their deadlines, caches and limits.
 *	    SpamAssassin's Perl (Plugin/DNSEval.pm, Dns.pm check_subtest,
 *	    URIDNSBL.pm, SPF.pm, DKIM.pm, DMARC.pm) is the specification of
 *	    what each sub-test and result means.
 * OWNS     struct vg_sa_net (the check_rbl sets seen, the symbols other
 *	    names stand for) lives for one load, in struct vg_rparse.
 * THREADS  One load, one thread.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/log.h"
#include "rules/sa_net.h"
#include "rules/symbols.h"

#define SA_ARGS    4
#define SA_ARG_MAX 256

/* One check_rbl set: the zone its check_rbl named. */
struct sa_set {
	char *set, *zone;
};

struct vg_sa_net {
	struct sa_set *sets;
	size_t nsets, capsets;
	/* Vigil symbols a rule of another name stands for (scored 0). */
	char **stood;
	size_t nstood, capstood;
};

/* What a network eval function becomes. */
enum sa_how {
	SA_RBL,     /* check_rbl(set, zone[, sub]): a client list */
	SA_RBL_SUB, /* check_rbl_sub(set, sub): a client list on set's zone */
	SA_URIBL,   /* check_uridnsbl(name): the uribl urirhs* declared */
	SA_SYM,     /* a Vigil symbol (or a meta expression over symbols) */
};

struct sa_fn {
	const char *fn;
	const char *plugin;
	enum sa_how how;
	const char *sym; /* SA_SYM: the symbol or expression */
};

/*
 * The functions mapped.  The rest of these plugins' functions
 * (check_rbl_txt, check_rbl_from_host, check_dkim_adsp, ...) are not
 * here: rules_evalfn.c does not know them either, so they are skipped
 * and counted under their plugin.
 */
static const struct sa_fn sa_fns[] = {
    {"check_rbl", "DNSEval", SA_RBL, NULL},
    {"check_rbl_sub", "DNSEval", SA_RBL_SUB, NULL},
    {"check_uridnsbl", "URIDNSBL", SA_URIBL, NULL},
    {"check_for_spf_pass", "SPF", SA_SYM, "SPF_PASS"},
    {"check_for_spf_fail", "SPF", SA_SYM, "SPF_FAIL"},
    {"check_for_spf_softfail", "SPF", SA_SYM, "SPF_SOFTFAIL"},
    {"check_for_spf_neutral", "SPF", SA_SYM, "SPF_NEUTRAL"},
    {"check_for_spf_none", "SPF", SA_SYM, "SPF_NONE"},
    {"check_for_spf_permerror", "SPF", SA_SYM, "SPF_PERMERROR"},
    {"check_for_spf_temperror", "SPF", SA_SYM, "SPF_TEMPERROR"},
    {"check_for_spf_helo_pass", "SPF", SA_SYM, "SPF_HELO_PASS"},
    {"check_for_spf_helo_fail", "SPF", SA_SYM, "SPF_HELO_FAIL"},
    {"check_for_spf_helo_softfail", "SPF", SA_SYM, "SPF_HELO_SOFTFAIL"},
    {"check_for_spf_helo_neutral", "SPF", SA_SYM, "SPF_HELO_NEUTRAL"},
    {"check_for_spf_helo_none", "SPF", SA_SYM, "SPF_HELO_NONE"},
    {"check_for_spf_helo_permerror", "SPF", SA_SYM, "SPF_HELO_PERMERROR"},
    {"check_for_spf_helo_temperror", "SPF", SA_SYM, "SPF_HELO_TEMPERROR"},
    {"check_dkim_signed", "DKIM", SA_SYM, "DKIM_SIGNED"},
    {"check_dkim_valid", "DKIM", SA_SYM, "DKIM_VALID"},
    {"check_dkim_valid_author_sig", "DKIM", SA_SYM, "DKIM_VALID_AU"},
    /* An ARC set that verified, failed or could not be checked. */
    {"check_arc_signed", "DKIM", SA_SYM,
        "ARC_VALID || ARC_INVALID || ARC_TEMPERROR"},
    {"check_arc_valid", "DKIM", SA_SYM, "ARC_VALID"},
    {"check_dmarc_pass", "Dmarc", SA_SYM, "DMARC_PASS"},
    {"check_dmarc_reject", "Dmarc", SA_SYM, "DMARC_FAIL_REJECT"},
    {"check_dmarc_quarantine", "Dmarc", SA_SYM, "DMARC_FAIL_QUARANTINE"},
    {"check_dmarc_none", "Dmarc", SA_SYM, "DMARC_FAIL_NONE"},
};

/* The plugins whose ifplugin blocks are taken for the mapping above. */
static const char *const sa_plugins[] = {
    "DNSEval", "URIDNSBL", "SPF", "DKIM", "Dmarc", /* 25_dmarc.cf's name */
    "DMARC", /* 50_scores.cf's name (SpamAssassin 4's module) */
};

/*
 * can() features: DKIM's ARC checks (check_arc.c); URIDNSBL's
 * domains_only, which is what Vigil's uribl lists always do.
 */
static const char *const sa_cans[] = {
    "Mail::SpamAssassin::Plugin::DKIM::has_arc",
    "Mail::SpamAssassin::Plugin::URIDNSBL::has_tflags_domains_only",
};

/* vg_sa_net_plugin - see sa_net.h */
bool
vg_sa_net_plugin(const char *plugin)
{
	for (size_t i = 0; i < VG_NELEM(sa_plugins); i++)
		if (strcmp(plugin, sa_plugins[i]) == 0)
			return true;
	return false;
}

/* vg_sa_net_can - see sa_net.h */
bool
vg_sa_net_can(const char *name)
{
	for (size_t i = 0; i < VG_NELEM(sa_cans); i++)
		if (strcmp(name, sa_cans[i]) == 0)
			return true;
	return false;
}

/* vg_sa_net_free - see sa_net.h */
void
vg_sa_net_free(struct vg_sa_net *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nsets; i++) {
		vg_free(s->sets[i].set);
		vg_free(s->sets[i].zone);
	}
	vg_free(s->sets);
	for (size_t i = 0; i < s->nstood; i++)
		vg_free(s->stood[i]);
	vg_free(s->stood);
	vg_free(s);
}

/* sa_state - p's load state, made on first use; NULL when out of memory */
static struct vg_sa_net *
sa_state(struct vg_rparse *p)
{
	if (p->sanet == NULL)
		p->sanet = vg_calloc(1, sizeof(*p->sanet));
	return p->sanet;
}

/*
 * sa_args - "fn('a', "b", 3)" into fn and up to SA_ARGS arguments (quotes
 * removed); false when it is not that shape
 */
static bool
sa_args(
    const char *s, char fn[64], char args[SA_ARGS][SA_ARG_MAX], size_t *n_out)
{
	size_t n = strcspn(s, "( \t"), k = 0;

	*n_out = 0;
	if (n == 0 || n >= 64)
		return false;
	memcpy(fn, s, n);
	fn[n] = '\0';
	s += n;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s++ != '(')
		return false;
	for (;;) {
		size_t len = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == ')' && k == 0)
			break;
		if (k == SA_ARGS)
			return false;
		if (*s == '\'' || *s == '"') {
			char q = *s++;

			while (*s != '\0' && *s != q && len + 1 < SA_ARG_MAX)
				args[k][len++] = *s++;
			if (*s++ != q)
				return false;
		} else {
			while (*s != '\0' && *s != ',' && *s != ')' &&
			    *s != ' ' && *s != '\t' && len + 1 < SA_ARG_MAX)
				args[k][len++] = *s++;
		}
		args[k++][len] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s != ')')
			return false;
		break;
	}
	s++;
	while (*s == ' ' || *s == '\t')
		s++;
	*n_out = k;
	return *s == '\0';
}

/* sa_all_digits - s is [0-9]+ */
static bool
sa_all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* sa_quad - s is a dotted quad (four numbers 0-255); its value in *out */
static bool
sa_quad(const char *s, uint32_t *out)
{
	unsigned a[4];
	char tail;

	if (sscanf(s, "%3u.%3u.%3u.%3u%c", &a[0], &a[1], &a[2], &a[3], &tail) !=
	        4 ||
	    a[0] > 255 || a[1] > 255 || a[2] > 255 || a[3] > 255)
		return false;
	for (const char *c = s; *c != '\0'; c++)
		if (!(*c == '.' || (*c >= '0' && *c <= '9')))
			return false;
	*out = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	    (uint32_t)a[2] << 8 | (uint32_t)a[3];
	return true;
}

/* sa_put_range - "a.b.c.d" or "a.b.c.d-e.f.g.h" appended to b */
static int
sa_put_range(struct vg_buf *b, uint32_t lo, uint32_t hi)
{
	int rc = vg_buf_printf(b, "%s%u.%u.%u.%u", b->len > 0 ? "," : "",
	    lo >> 24, lo >> 16 & 255, lo >> 8 & 255, lo & 255);

	if (rc == 0 && hi != lo)
		rc = vg_buf_printf(b, "-%u.%u.%u.%u", hi >> 24, hi >> 16 & 255,
		    hi >> 8 & 255, hi & 255);
	return rc;
}

/* The walk of 127/8 a regex sub-test is enumerated over. */
struct sa_walk {
	pcre2_code *re;
	pcre2_match_data *md;
	struct vg_buf *out;
	size_t found, tries;
	bool open; /* a range lo..hi is being built */
	uint32_t lo, hi;
	bool over; /* a limit was passed */
};

/*
 * sa_walk_octet - the addresses 127.o1.o2.o3 that w->re matches, octet k
 * (1-3) onwards, in order; a prefix no extension of which can match
 * (PCRE2_PARTIAL_HARD says no match, not even partial) is not walked
 */
static int
sa_walk_octet(struct sa_walk *w, uint32_t addr, unsigned k)
{
	char s[20];

	for (uint32_t v = 0; v < 256 && !w->over; v++) {
		uint32_t a = addr | v << (8 * (3 - k));
		int n = snprintf(s, sizeof(s), "%u", 127u);
		int rc;

		for (unsigned o = 1; o <= k; o++)
			n += snprintf(s + n, sizeof(s) - (size_t)n, ".%u",
			    a >> (8 * (3 - o)) & 255);
		if (k < 3)
			n += snprintf(s + n, sizeof(s) - (size_t)n, ".");
		if (++w->tries > VG_SA_NET_TRIES) {
			w->over = true;
			break;
		}
		rc = pcre2_match(w->re, (PCRE2_SPTR)s, (size_t)n, 0,
		    k < 3 ? PCRE2_PARTIAL_HARD : 0, w->md, NULL);
		if (rc == PCRE2_ERROR_NOMATCH)
			continue;
		if (rc < 0 && rc != PCRE2_ERROR_PARTIAL) {
			/* A match limit or the like: no answer is sure. */
			w->over = true;
			break;
		}
		if (k < 3) {
			int r2 = sa_walk_octet(w, a, k + 1);

			if (r2 != 0)
				return r2;
			continue;
		}
		if (++w->found > VG_SA_NET_ANSWERS) {
			w->over = true;
			break;
		}
		if (w->open && a == w->hi + 1) {
			w->hi = a;
			continue;
		}
		if (w->open && sa_put_range(w->out, w->lo, w->hi) != 0)
			return VG_ENOMEM;
		w->open = true;
		w->lo = w->hi = a;
	}
	return 0;
}

/*
 * sa_regex_answers - the 127/8 answers regex re matches, as ANSWERS into
 * out: 0, VG_ECONFIG (*why: bad regex, none or too many), VG_ENOMEM
 */
static int
sa_regex_answers(struct vg_buf *out, const char *re_src, const char **why)
{
	struct sa_walk w = {.out = out};
	int err, rc;
	PCRE2_SIZE off;

	w.re = pcre2_compile(
	    (PCRE2_SPTR)re_src, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
	if (w.re == NULL) {
		*why = "sub-test regex PCRE2 cannot compile";
		return VG_ECONFIG;
	}
	if ((w.md = pcre2_match_data_create_from_pattern(w.re, NULL)) == NULL) {
		pcre2_code_free(w.re);
		return VG_ENOMEM;
	}
	rc = sa_walk_octet(&w, 127u << 24, 1);
	if (rc == 0 && w.open && sa_put_range(out, w.lo, w.hi) != 0)
		rc = VG_ENOMEM;
	pcre2_match_data_free(w.md);
	pcre2_code_free(w.re);
	if (rc == 0 && w.over) {
		*why = "sub-test regex matches too many answers to list";
		rc = VG_ECONFIG;
	} else if (rc == 0 && w.found == 0) {
		*why = "sub-test regex matches no answer in 127.0.0.0/8";
		rc = VG_ECONFIG;
	}
	return rc;
}

/*
 * sa_number - a URIDNSBL sub-test number: decimal, 0x hex or a dotted
 * quad; *quad says which
 */
static bool
sa_number(const char *s, uint32_t *out, bool *quad)
{
	char *end = NULL;
	unsigned long v;

	*quad = false;
	if (sa_quad(s, out)) {
		*quad = true;
		return true;
	}
	if (strncmp(s, "0x", 2) == 0 && s[2] != '\0' && strlen(s) <= 10)
		v = strtoul(s + 2, &end, 16);
	else if (sa_all_digits(s) && strlen(s) <= 10)
		v = strtoul(s, &end, 10);
	else
		return false;
	if (end == NULL || *end != '\0' || v > 0xffffffffUL)
		return false;
	*out = (uint32_t)v;
	return true;
}

/*
 * sa_answers - a SpamAssassin sub-test as Vigil ANSWERS into out (NULL
 * sub: any answer in 127/8, as SpamAssassin takes).  uri: URIDNSBL's
 * forms (m, n1-n2, n/m; decimal, hex or quad), else DNSEval's (a
 * bitmask, a quad, or a regex).  0, VG_ECONFIG (*why), VG_ENOMEM.
 */
static int
sa_answers(struct vg_buf *out, const char *sub, bool uri, const char **why)
{
	uint32_t a, b;
	bool qa, qb;

	if (sub == NULL)
		return vg_buf_printf(out, "127.0.0.0/8") == 0 ? 0 : VG_ENOMEM;
	if (!uri) {
		if (strncmp(sub, "sb:", 3) == 0) {
			*why = "SenderBase sub-tests are not mapped";
			return VG_ECONFIG;
		}
		/* DNSEval: digits are a bitmask, a quad is equality. */
		if (sa_all_digits(sub)) {
			unsigned long m = strtoul(sub, NULL, 10);

			if (m == 0 || m > 0xffffffffUL || strlen(sub) > 10) {
				*why = "bad bitmask";
				return VG_ECONFIG;
			}
			return vg_buf_printf(out, "&%lu", m) == 0 ? 0
			                                          : VG_ENOMEM;
		}
		if (sa_quad(sub, &a))
			return sa_put_range(out, a, a) == 0 ? 0 : VG_ENOMEM;
		return sa_regex_answers(out, sub, why);
	}
	{
		char n1[SA_ARG_MAX], *n2;

		(void)snprintf(n1, sizeof(n1), "%s", sub);
		n2 = strpbrk(n1, "-/");
		if (n2 != NULL && *n2 == '/') {
			*why = "value/mask sub-tests are not mapped";
			return VG_ECONFIG;
		}
		if (n2 != NULL)
			*n2++ = '\0';
		if (!sa_number(n1, &a, &qa) ||
		    (n2 != NULL && !sa_number(n2, &b, &qb))) {
			*why = "bad sub-test";
			return VG_ECONFIG;
		}
		if (n2 != NULL) {
			if (a > b) {
				*why = "empty sub-test range";
				return VG_ECONFIG;
			}
			return sa_put_range(out, a, b) == 0 ? 0 : VG_ENOMEM;
		}
		if (qa)
			return sa_put_range(out, a, a) == 0 ? 0 : VG_ENOMEM;
		if (a == 0) {
			*why = "bad bitmask";
			return VG_ECONFIG;
		}
		return vg_buf_printf(out, "&%lu", (unsigned long)a) == 0
		    ? 0
		    : VG_ENOMEM;
	}
}

/* sa_zone - zone without its trailing dots, into out */
static void
sa_zone(char *out, size_t size, const char *zone)
{
	size_t n;

	(void)snprintf(out, size, "%s", zone);
	n = strlen(out);
	while (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
}

/* sa_set_zone - the zone of check_rbl set name, or NULL */
static const char *
sa_set_zone(const struct vg_sa_net *s, const char *set)
{
	for (size_t i = 0; s != NULL && i < s->nsets; i++)
		if (strcmp(s->sets[i].set, set) == 0)
			return s->sets[i].zone;
	return NULL;
}

/* sa_set_add - remember set's zone (the first check_rbl of a set wins) */
static int
sa_set_add(struct vg_rparse *p, const char *set, const char *zone)
{
	struct vg_sa_net *s = sa_state(p);
	struct sa_set *ns;

	if (s == NULL)
		return VG_ENOMEM;
	if (sa_set_zone(s, set) != NULL || s->nsets >= VG_SA_NET_SETS)
		return 0;
	if (s->nsets == s->capsets) {
		size_t cap = s->capsets ? s->capsets * 2 : 16;

		if ((ns = vg_reallocarray(s->sets, cap, sizeof(*ns))) == NULL)
			return VG_ENOMEM;
		s->sets = ns;
		s->capsets = cap;
	}
	ns = &s->sets[s->nsets];
	ns->set = vg_strdup(set);
	ns->zone = vg_strdup(zone);
	if (ns->set == NULL || ns->zone == NULL) {
		vg_free(ns->set);
		vg_free(ns->zone);
		return VG_ENOMEM;
	}
	s->nsets++;
	return 0;
}

/* sa_stood_add - remember a Vigil symbol another name stands for */
static int
sa_stood_add(struct vg_rparse *p, const char *sym)
{
	struct vg_sa_net *s = sa_state(p);
	char **ns;

	if (s == NULL)
		return VG_ENOMEM;
	if (s->nstood == s->capstood) {
		size_t cap = s->capstood ? s->capstood * 2 : 8;

		if ((ns = vg_reallocarray(s->stood, cap, sizeof(*ns))) == NULL)
			return VG_ENOMEM;
		s->stood = ns;
		s->capstood = cap;
	}
	if ((s->stood[s->nstood] = vg_strdup(sym)) == NULL)
		return VG_ENOMEM;
	s->nstood++;
	return 0;
}

/*
 * sa_take_name - name's entry, made free for a mapping: an earlier rule
 * of the name is replaced (compat: the later definition wins).  NULL
 * when out of memory.
 */
static struct vg_rname *
sa_take_name(struct vg_rparse *p, const char *name)
{
	struct vg_rname *e = vg_rules_name_get(p->r, name);

	if (e != NULL && e->rule >= 0) {
		p->r->rules[e->rule].dead = true;
		e->rule = -1;
	}
	return e;
}

/*
 * sa_skip - the rule is not mapped: counted as a skipped eval: rule of
 * plugin, the reason in the debug log (`vigil rules check` users ask)
 */
static int
sa_skip(struct vg_rparse *p, struct vg_rfile *f, enum vg_rule_kind kind,
    const char *name, const char *plugin, const char *why)
{
	struct vg_rname *e;

	vg_debug("%s:%u: %s %s skipped: %s", f->name, f->line,
	    vg_rule_kind_name(kind), name, why);
	vg_rules_plugin_count(p, f, plugin, false);
	if ((e = vg_rules_name_get(p->r, name)) == NULL)
		return VG_ENOMEM;
	if (e->rule < 0 && !e->dnsbl)
		e->skipped = true;
	p->r->stats.skipped[VG_SKIP_EVAL]++;
	return 0;
}

/* sa_mapped - name now answers from a check: count it, mark it */
static int
sa_mapped(struct vg_rparse *p, struct vg_rfile *f, const char *name,
    const char *plugin)
{
	struct vg_rname *e = vg_rules_name_lookup(p->r, name);

	if (e == NULL)
		return VG_ENOMEM;
	e->skipped = false;
	e->net = true;
	vg_rules_plugin_count(p, f, plugin, true);
	return 0;
}

/*
 * sa_list - declare name a client (check_rbl*) or URI list on zone with
 * SpamAssassin's sub-test sub
 */
static int
sa_list(struct vg_rparse *p, struct vg_rfile *f, enum vg_rule_kind kind,
    const char *name, enum vg_dnsbl_kind lk, const char *zone_in,
    const char *sub, const char *plugin)
{
	char zone[SA_ARG_MAX];
	const char *why = "";
	struct vg_buf ans;
	int rc;

	sa_zone(zone, sizeof(zone), zone_in);
	vg_buf_init(&ans, 64 * 1024);
	rc = sa_answers(&ans, sub, lk == VG_DNSBL_URI, &why);
	if (rc == 0 && sa_take_name(p, name) == NULL)
		rc = VG_ENOMEM;
	if (rc == 0)
		rc = vg_rules_dnsbl_add(
		    p, f, lk, name, zone, vg_buf_cstr(&ans), &why);
	vg_buf_fini(&ans);
	if (rc == VG_ECONFIG)
		return sa_skip(p, f, kind, name, plugin, why);
	if (rc != 0)
		return rc;
	return sa_mapped(p, f, name, plugin);
}

/* sa_symbol - name answered by Vigil's symbol (or expression) sym */
static int
sa_symbol(struct vg_rparse *p, struct vg_rfile *f, const char *name,
    const char *sym, const char *plugin)
{
	char def[512];
	struct vg_rname *e;
	int rc;

	if (strcmp(name, sym) == 0) {
		/* The symbol itself: no rule, the check adds it. */
		if ((e = sa_take_name(p, name)) == NULL)
			return VG_ENOMEM;
		return sa_mapped(p, f, name, plugin);
	}
	/* Another name: a meta rule over the symbol, defined as usual. */
	(void)snprintf(def, sizeof(def), "%s %s", name, sym);
	if ((rc = vg_rules_define(p, f, VG_RULE_META, def)) != 0)
		return rc;
	if ((e = vg_rules_name_lookup(p->r, name)) == NULL || e->rule < 0)
		return 0; /* not defined: vg_rules_define() said why */
	e->net = true;
	if (strchr(sym, ' ') == NULL)
		return sa_stood_add(p, sym);
	return 0;
}

/*
 * sa_meta - SpamAssassin's own meta for a result Vigil's check gives as a
 * symbol of the same name (DKIM_INVALID = DKIM_SIGNED && !DKIM_VALID):
 * the symbol, so it is not counted twice
 */
static int
sa_meta(
    struct vg_rparse *p, struct vg_rfile *f, const char *name, bool *handled)
{
	const struct vg_symbol_info *si = vg_symbols_find(name);

	if (si == NULL ||
	    !(strcmp(si->check, "dkim") == 0 || strcmp(si->check, "arc") == 0 ||
	        strcmp(si->check, "spf") == 0 ||
	        strcmp(si->check, "dmarc") == 0))
		return 0;
	*handled = true;
	if (sa_take_name(p, name) == NULL)
		return VG_ENOMEM;
	return sa_mapped(p, f, name, NULL);
}

/* sa_fn_find - the mapping of function fn, or NULL */
static const struct sa_fn *
sa_fn_find(const char *fn)
{
	for (size_t i = 0; i < VG_NELEM(sa_fns); i++)
		if (strcmp(sa_fns[i].fn, fn) == 0)
			return &sa_fns[i];
	return NULL;
}

/* vg_sa_net_define - see sa_net.h */
int
vg_sa_net_define(struct vg_rparse *p, struct vg_rfile *f,
    enum vg_rule_kind kind, const char *name, const char *rest, bool *handled)
{
	char fn[64], args[SA_ARGS][SA_ARG_MAX];
	const struct sa_fn *m;
	const struct vg_rname *e;
	const char *zone;
	size_t n;
	int rc;

	*handled = false;
	if (!f->compat || !vg_rules_valid_name(name))
		return 0;
	if (kind == VG_RULE_META)
		return sa_meta(p, f, name, handled);
	if (strncmp(rest, "eval:", 5) != 0 ||
	    !sa_args(rest + 5, fn, args, &n) || (m = sa_fn_find(fn)) == NULL)
		return 0;
	*handled = true;
	switch (m->how) {
	case SA_RBL:
		if (n < 2 || n > 3)
			return sa_skip(p, f, kind, name, m->plugin,
			    "check_rbl takes 2 or 3 arguments");
		if ((rc = sa_set_add(p, args[0], args[1])) != 0)
			return rc;
		return sa_list(p, f, kind, name, VG_DNSBL_CLIENT, args[1],
		    n == 3 ? args[2] : NULL, m->plugin);
	case SA_RBL_SUB:
		if (n != 2)
			return sa_skip(p, f, kind, name, m->plugin,
			    "check_rbl_sub takes 2 arguments");
		if ((zone = sa_set_zone(p->sanet, args[0])) == NULL)
			return sa_skip(p, f, kind, name, m->plugin,
			    "no check_rbl of its set before it");
		{
			/* zone lives in p->sanet, which sa_list may grow. */
			char z[SA_ARG_MAX];

			(void)snprintf(z, sizeof(z), "%s", zone);
			return sa_list(p, f, kind, name, VG_DNSBL_CLIENT, z,
			    args[1], m->plugin);
		}
	case SA_URIBL:
		e = vg_rules_name_find(p->r, n == 1 ? args[0] : "");
		if (n != 1 || strcmp(args[0], name) != 0 || e == NULL ||
		    !e->dnsbl)
			return sa_skip(p, f, kind, name, m->plugin,
			    "no urirhsbl or urirhssub of the name");
		return sa_mapped(p, f, name, m->plugin);
	case SA_SYM:
		if (n != 0)
			return sa_skip(p, f, kind, name, m->plugin,
			    "arguments (signing domains) are not mapped");
		return sa_symbol(p, f, name, m->sym, m->plugin);
	}
	return 0;
}

/*
 * sa_uriskip - uridnsbl_skip_domain DOMAIN... (add) and
 * clear_uridnsbl_skip_domain [DOMAIN...] (remove those, or all)
 */
static int
sa_uriskip(struct vg_rparse *p, struct vg_rfile *f, bool clear, char *rest)
{
	struct vg_rules *r = p->r;
	char *w;

	while (*rest == ' ')
		rest++;
	if (clear && *rest == '\0') {
		for (size_t i = 0; i < r->nuriskip; i++)
			vg_free(r->uriskip[i]);
		r->nuriskip = 0;
	}
	while (*(w = vg_rules_word(&rest)) != '\0') {
		size_t i;

		for (char *c = w; *c != '\0'; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		for (i = 0; i < r->nuriskip; i++)
			if (strcmp(r->uriskip[i], w) == 0)
				break;
		if (clear && i < r->nuriskip) {
			vg_free(r->uriskip[i]);
			r->uriskip[i] = r->uriskip[--r->nuriskip];
			continue;
		}
		if (clear || i < r->nuriskip)
			continue;
		if (r->nuriskip >= VG_SA_NET_SKIP_MAX) {
			vg_rules_perr(p, f,
			    "uridnsbl_skip_domain: more than %u domains",
			    (unsigned)VG_SA_NET_SKIP_MAX);
			return 0;
		}
		if (r->nuriskip == r->capuriskip) {
			size_t cap = r->capuriskip ? r->capuriskip * 2 : 64;
			char **n = vg_reallocarray(r->uriskip, cap, sizeof(*n));

			if (n == NULL)
				return VG_ENOMEM;
			r->uriskip = n;
			r->capuriskip = cap;
		}
		if ((r->uriskip[r->nuriskip] = vg_strdup(w)) == NULL)
			return VG_ENOMEM;
		r->nuriskip++;
	}
	return 0;
}

/* vg_rules_dir_sa_uribl - see sa_net.h */
int
vg_rules_dir_sa_uribl(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	char *name = vg_rules_word(&rest), *zone = vg_rules_word(&rest);
	char *type = vg_rules_word(&rest), *sub = vg_rules_word(&rest);
	bool is_sub = strstr(dir, "sub") != NULL;
	const char *why = NULL;
	char z[SA_ARG_MAX];
	struct vg_buf ans;
	int rc;

	if (!f->compat) {
		vg_rules_perr(p, f,
		    "%s: SpamAssassin's URIDNSBL "
		    "(use vigil_compat spamassassin)",
		    dir);
		return 0;
	}
	if (strstr(dir, "skip_domain") != NULL) {
		/* name and the rest: the domains of the line */
		char line[VG_RULES_LINE_MAX + 1];

		(void)snprintf(line, sizeof(line), "%s %s %s %s %s", name, zone,
		    type, sub, rest);
		return sa_uriskip(p, f, dir[0] == 'c', line);
	}
	vg_rules_rtrim(rest);
	if (strcmp(dir, "urirhsbl") != 0 && strcmp(dir, "urirhssub") != 0)
		why = "lookups of URI name servers or addresses are not "
		      "mapped";
	else if (strcasecmp(type, "A") != 0)
		why = "only A lookups are mapped";
	else if (!vg_rules_valid_name(name) || *zone == '\0' ||
	    (is_sub && *sub == '\0') || (!is_sub && *sub != '\0') ||
	    *rest != '\0')
		why = "bad line";
	if (why != NULL) {
		vg_debug("%s:%u: %s %s skipped: %s", f->name, f->line, dir,
		    name, why);
		p->r->stats.skipped[VG_SKIP_DIRECTIVE]++;
		return 0;
	}
	sa_zone(z, sizeof(z), zone);
	vg_buf_init(&ans, 1024);
	rc = sa_answers(&ans, is_sub ? sub : NULL, true, &why);
	if (rc == 0 && sa_take_name(p, name) == NULL)
		rc = VG_ENOMEM;
	if (rc == 0)
		rc = vg_rules_dnsbl_add(
		    p, f, VG_DNSBL_URI, name, z, vg_buf_cstr(&ans), &why);
	vg_buf_fini(&ans);
	if (rc == VG_ECONFIG) {
		vg_debug("%s:%u: %s %s skipped: %s", f->name, f->line, dir,
		    name, why);
		p->r->stats.skipped[VG_SKIP_DIRECTIVE]++;
		return 0;
	}
	return rc;
}

/* vg_sa_net_finish - see sa_net.h */
int
vg_sa_net_finish(struct vg_rparse *p)
{
	struct vg_rules *r = p->r;
	struct vg_sa_net *s = p->sanet;

	/* One fact, one score: the other name carries it. */
	for (size_t i = 0; s != NULL && i < s->nstood; i++) {
		struct vg_rname *e = vg_rules_name_get(r, s->stood[i]);

		if (e == NULL)
			return VG_ENOMEM;
		if (e->net)
			continue; /* SpamAssassin's files name it too */
		e->has_score = true;
		e->score = 0;
		e->has_score1 = false;
	}
	for (size_t i = 0; i < r->nnames; i++) {
		struct vg_rname *e = &r->names[i];

		if (!e->net)
			continue;
		if (e->has_score && e->has_score1)
			e->score = e->score1;
		else if (!e->has_score && e->dnsbl) {
			/*
			 * A list's hit is scored by name (check_dnsbl), not
			 * as a rule: SpamAssassin's defaults for an unscored
			 * rule, as rules_resolve.c gives its rules.
			 */
			e->has_score = true;
			if (strncmp(e->name, "__", 2) == 0)
				e->score = 0;
			else
				e->score = (e->nice ? -1.0 : 1.0) *
				    (strncmp(e->name, "T_", 2) == 0 ? 0.01
				                                    : 1.0);
		}
	}
	vg_sa_net_free(s);
	p->sanet = NULL;
	return 0;
}
