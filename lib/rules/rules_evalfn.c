/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_evalfn - the registry of SpamAssassin eval: functions Vigil runs
 * natively, the plugins and features it stands in for, the per-plugin
 * counts, and the loop that runs the eval: rules of one message (see
 * rules_evalfn.h).
 *
 * PURPOSE  Rules are data: an eval: rule names a function of a plugin and
 *	    passes it constant arguments.  They are parsed here once, at
 *	    load; per message the function only reads the message views
 *	    and the facts struct vg_sactx computes once, on first use.
 * LIMITS   VG_EVALFN_MAX_ARGS arguments of VG_EVALFN_ARG_MAX bytes;
 *	    VG_RULES_PLUGINS_MAX plugins counted.
 * ERRORS   A bad or unknown eval: is VG_ECONFIG with a reason (the
 *	    caller skips it in compat mode); VG_ENOMEM.
 * THREADS  Tables are constant; the plugin counts are written by the one
 *	    load; vg_rules_eval_sa() is reentrant.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/num.h"
#include "message/text.h"
#include "rules/rules_evalfn.h"
#include "rules/sa_net.h"

#define VG_SA_PLUGIN_PREFIX "Mail::SpamAssassin::Plugin::"

/*
 * The plugins whose ifplugin blocks Vigil takes.  Each has its eval
 * functions in the tables below; a function of the plugin Vigil lacks is
 * skipped on its own (and counted) when its rule is read.
 */
static const char *const vg_sa_plugins[] = {
    "HeaderEval",         /* sa_headereval.c */
    "MIMEEval",           /* sa_mimeeval.c */
    "BodyEval",           /* sa_bodyeval.c */
    "HTMLEval",           /* sa_htmleval.c */
    "VBounce",            /* sa_misceval.c: no bounce relays configured */
    "ReplaceTags",        /* rules_replace.c: regexes rewritten at load */
    "FreeMail",           /* sa_freemail.c */
    "ImageInfo",          /* sa_imageinfo.c */
    "PDFInfo",            /* sa_pdfinfo.c */
    "FromNameSpoof",      /* sa_fromnamespoof.c */
    "URIDetail",          /* sa_uridetail.c: the uri_detail directive */
    "MIMEHeader",         /* sa_mimeheader.c: the mimeheader directive */
    "WLBLEval",           /* policy/sa_wlbleval.c */
    "WelcomeListSubject", /* policy/sa_wlbleval.c */
    "RelayEval",          /* policy/sa_relayeval.c */
};

/*
 * "can(...)" names that are true: SpamAssassin's Conf features whose
 * blocks hold only rules Vigil runs as written, and the has_* methods of
 * the functions implemented here.
 */
static const char *const vg_sa_cans[] = {
    "Mail::SpamAssassin::Conf::feature_bug6558_free",
    /* SpamAssassin 4 names: check_from_in_welcomelist, ... */
    "Mail::SpamAssassin::Conf::feature_welcomelist_blocklist",
    /* "enable_compat welcomelist_blocklist", which SpamAssassin's
     * init.pre (Vigil reads no .pre file) gives: the old rule names
     * (USER_IN_WHITELIST, ...) are not defined beside the new ones,
     * which keep their full scores */
    "Mail::SpamAssassin::Conf::compat_welcomelist_blocklist",
    "Mail::SpamAssassin::Conf::perl_min_version_5010000",
    "Mail::SpamAssassin::Plugin::BodyEval::has_check_body_length",
    "Mail::SpamAssassin::Plugin::MIMEEval::has_check_for_ascii_text_illegal",
    "Mail::SpamAssassin::Plugin::MIMEEval::has_check_abundant_unicode_ratio",
    "Mail::SpamAssassin::Plugin::URIDetail::has_host_key",
};

static const struct vg_evalfn *const vg_evalfn_tables[] = {
    vg_sa_headereval,
    vg_sa_forgedrcvd,
    vg_sa_mimeeval,
    vg_sa_bodyeval,
    vg_sa_htmleval,
    vg_sa_misceval,
    vg_sa_dateeval,
    vg_sa_freemail,
    vg_sa_imageinfo,
    vg_sa_pdfinfo,
    vg_sa_fromnamespoof,
    vg_sa_wlbleval,
    vg_sa_relayeval,
};

/* vg_evalfn_find - the function called name, or NULL */
const struct vg_evalfn *
vg_evalfn_find(const char *name)
{
	size_t t;

	for (t = 0; t < VG_NELEM(vg_evalfn_tables); t++) {
		const struct vg_evalfn *fn;

		for (fn = vg_evalfn_tables[t]; fn->name != NULL; fn++)
			if (strcmp(fn->name, name) == 0)
				return fn;
	}
	return NULL;
}

/* vg_sa_plugin_short - see rules_evalfn.h */
bool
vg_sa_plugin_short(const char *name, char *out, size_t size)
{
	size_t plen = strlen(VG_SA_PLUGIN_PREFIX), n;

	if (strncmp(name, VG_SA_PLUGIN_PREFIX, plen) == 0)
		name += plen;
	else if (strstr(name, "::") != NULL)
		return false;
	n = strcspn(name, ": \t)");
	if (n == 0 || n >= size)
		return false;
	memcpy(out, name, n);
	out[n] = '\0';
	return true;
}

/* vg_sa_plugin - whether Vigil implements plugin name */
bool
vg_sa_plugin(const char *name)
{
	char s[64];
	size_t i;

	if (!vg_sa_plugin_short(name, s, sizeof(s)))
		return false;
	/* ifplugin names the module, not a method: nothing may follow. */
	if (strstr(name, s)[strlen(s)] != '\0')
		return false;
	for (i = 0; i < VG_NELEM(vg_sa_plugins); i++)
		if (strcmp(s, vg_sa_plugins[i]) == 0)
			return true;
	return vg_sa_net_plugin(s); /* mapped onto Vigil's checks */
}

/* vg_sa_can - whether can(name) is true */
bool
vg_sa_can(const char *name)
{
	size_t i;

	for (i = 0; i < VG_NELEM(vg_sa_cans); i++)
		if (strcmp(name, vg_sa_cans[i]) == 0)
			return true;
	return vg_sa_net_can(name);
}

/* vg_rules_plugin_index - see rules_evalfn.h */
int
vg_rules_plugin_index(struct vg_rules *r, const char *name)
{
	struct vg_rules_plugin_stat *ps;
	size_t i;

	for (i = 0; i < r->nplugins; i++)
		if (strcmp(r->plugins[i].name, name) == 0)
			return (int)i;
	if (r->nplugins >= VG_RULES_PLUGINS_MAX)
		return -1;
	if (r->nplugins == r->capplugins) {
		size_t cap = r->capplugins ? r->capplugins * 2 : 16;

		ps = vg_reallocarray(r->plugins, cap, sizeof(*ps));
		if (ps == NULL)
			return -1;
		r->plugins = ps;
		r->capplugins = cap;
	}
	ps = &r->plugins[r->nplugins];
	memset(ps, 0, sizeof(*ps));
	if ((ps->name = vg_strdup(name)) == NULL)
		return -1;
	ps->implemented = vg_sa_plugin(name);
	return (int)r->nplugins++;
}

/* vg_rules_plugin_stats - r's per-plugin counts */
const struct vg_rules_plugin_stat *
vg_rules_plugin_stats(const struct vg_rules *r, size_t *n_out)
{
	*n_out = r != NULL ? r->nplugins : 0;
	return r != NULL ? r->plugins : NULL;
}

/* vg_evalargs_free - free what args own */
void
vg_evalargs_free(struct vg_evalargs *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++)
		vg_free(a->str[i]);
	a->n = 0;
	pcre2_code_free(a->re);
	a->re = NULL;
}

/*
 * vg_evalargs_parse - "('a', "b", 3)" into a; s points at "(".  0 or
 * VG_ECONFIG (why), VG_ENOMEM.
 */
static int
vg_evalargs_parse(
    struct vg_evalargs *a, const char *s, char *why, size_t whylen)
{
	char buf[VG_EVALFN_ARG_MAX];

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '(') {
		snprintf(why, whylen, "eval: expected '(' after the name");
		return VG_ECONFIG;
	}
	s++;
	for (;;) {
		size_t n = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == ')' && a->n == 0)
			break;
		if (*s == '\'' || *s == '"') {
			char q = *s++;

			while (*s != '\0' && *s != q && n + 1 < sizeof(buf))
				buf[n++] = *s++;
			if (*s != q) {
				snprintf(why, whylen,
				    "eval: unterminated or too long argument");
				return VG_ECONFIG;
			}
			s++;
		} else {
			while (*s != '\0' && *s != ',' && *s != ')' &&
			    *s != ' ' && *s != '\t' && n + 1 < sizeof(buf))
				buf[n++] = *s++;
		}
		buf[n] = '\0';
		if (a->n == VG_EVALFN_MAX_ARGS) {
			snprintf(why, whylen, "eval: more than %u arguments",
			    (unsigned)VG_EVALFN_MAX_ARGS);
			return VG_ECONFIG;
		}
		if ((a->str[a->n] = vg_strdup(buf)) == NULL)
			return VG_ENOMEM;
		{
			char *end = NULL;
			double v = strtod(buf, &end);

			a->num[a->n] =
			    n > 0 && end != NULL && *end == '\0' ? v : nan("");
		}
		a->n++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s == ')')
			break;
		snprintf(why, whylen, "eval: bad argument list");
		return VG_ECONFIG;
	}
	s++;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '\0') {
		snprintf(why, whylen, "eval: unexpected text after ')'");
		return VG_ECONFIG;
	}
	return 0;
}

/* vg_evalfn_compile - see rules_evalfn.h */
int
vg_evalfn_compile(struct vg_rule *rule, enum vg_rule_kind kind, const char *def,
    char *why, size_t whylen, const char **plugin)
{
	const struct vg_evalfn *fn;
	struct vg_evalargs *a;
	char name[128];
	size_t n = strcspn(def, "( \t");
	int rc;

	*plugin = NULL;
	if (n == 0 || n >= sizeof(name)) {
		snprintf(why, whylen, "eval: bad function name");
		return VG_ECONFIG;
	}
	memcpy(name, def, n);
	name[n] = '\0';
	if ((fn = vg_evalfn_find(name)) == NULL) {
		snprintf(why, whylen, "eval:%s is not implemented", name);
		return VG_ECONFIG;
	}
	*plugin = fn->plugin;
	if ((fn->kinds & VG_K(kind)) == 0) {
		snprintf(why, whylen, "eval:%s does not run in a %s rule", name,
		    vg_rule_kind_name(kind));
		return VG_ECONFIG;
	}
	if ((a = vg_calloc(1, sizeof(*a))) == NULL)
		return VG_ENOMEM;
	a->kind = kind;
	rc = vg_evalargs_parse(a, def + n, why, whylen);
	if (rc == 0 && (a->n < fn->min_args || a->n > fn->max_args)) {
		snprintf(why, whylen, "eval:%s takes %zu to %zu arguments",
		    name, fn->min_args, fn->max_args);
		rc = VG_ECONFIG;
	}
	if (rc == 0 && fn->prepare != NULL)
		rc = fn->prepare(a, why, whylen);
	if (rc != 0) {
		vg_evalargs_free(a);
		vg_free(a);
		return rc;
	}
	rule->efn = fn;
	rule->eargs = a;
	return 0;
}

/* vg_sactx_header - the i-th value of header name, or NULL */
const char *
vg_sactx_header(const struct vg_sactx *c, const char *name, bool raw, size_t i)
{
	size_t k;

	if (c->text == NULL)
		return NULL;
	for (k = 0; k < c->text->nheaders; k++) {
		const struct vg_text_header *h = &c->text->headers[k];

		if (strcasecmp(h->name, name) != 0)
			continue;
		if (i-- == 0) {
			const char *v = raw ? h->raw : h->value;

			return v != NULL ? v : "";
		}
	}
	return NULL;
}

/* vg_sactx_header_count - how many headers are called name */
size_t
vg_sactx_header_count(const struct vg_sactx *c, const char *name)
{
	size_t k, n = 0;

	for (k = 0; c->text != NULL && k < c->text->nheaders; k++)
		if (strcasecmp(c->text->headers[k].name, name) == 0)
			n++;
	return n;
}

/* vg_sactx_match - re over s with the thread's match data and limits */
int
vg_sactx_match(const struct vg_sactx *c, const pcre2_code *re, const char *s,
    size_t len, size_t start)
{
	return pcre2_match(re, (PCRE2_SPTR)s, len, start, 0, c->md, c->mc);
}

/* vg_sactx_ovector - the last match's offsets */
const PCRE2_SIZE *
vg_sactx_ovector(const struct vg_sactx *c)
{
	return pcre2_get_ovector_pointer(c->md);
}

/* vg_rules_eval_sa - every eval: rule over one message */
int
vg_rules_eval_sa(const struct vg_rules *r, const struct vg_msg *msg,
    const struct vg_text *text, struct vg_rules_hits *hits,
    struct vg_symset *out, vg_rules_record_fn record,
    struct vg_sa_relays **relays, pcre2_match_data *md, pcre2_match_context *mc)
{
	struct vg_sa_relays *own = NULL;
	struct vg_sactx c;
	size_t k;
	int rc = 0;

	if (r == NULL || r->neval_order == 0)
		return 0;
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.msg = msg;
	c.text = text;
	c.relays = relays != NULL ? relays : &own;
	c.md = md;
	c.mc = mc;
	for (k = 0; k < r->neval_order && rc == 0; k++) {
		size_t i = r->eval_order[k];
		const struct vg_rule *rule = &r->rules[i];

		int n = rule->efn->run(&c, rule->eargs);

		/* More than one hit only counts for tflags multiple. */
		if (n > 0)
			rc = record(r, i, (unsigned)n, hits, out);
	}
	for (k = 0; k < VG_SACTX_CACHES; k++)
		vg_free(c.cache[k]);
	vg_free(own);
	return rc;
}
