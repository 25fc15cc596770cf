/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_define - the directives that define a rule: header, body, rawbody,
 * full, uri and meta.
 *
 * PURPOSE  Check the name, refuse a duplicate (compat mode: a later
 *	    definition replaces the earlier, as in SpamAssassin), compile the
 *	    definition by kind (rules_regex.c, rules_hdrspec.c,
 *	    rules_meta_parse.c) and record the rule in the name table.
 * OWNS     The rule belongs to the rules set; a rule that fails is freed.
 * LIMITS   VG_RULES_MAX_RULES rules per set: past it, an error.
 * ERRORS   A bad definition is an error at file:line; in compat mode an
 *	    eval: test Vigil does not implement (rules_evalfn.c), a regex
 *	    PCRE2 cannot compile and a SpamAssassin pseudo-header are
 *	    skipped and counted instead.  VG_ENOMEM.
 * THREADS  One load, one thread.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "rules/rules_evalfn.h"
#include "rules/rules_parse_int.h"
#include "rules/sa_net.h"

/* The rule types of SpamAssassin plugins, defined as body eval rules. */
enum vg_rules_special {
	VG_RULES_PLAIN,
	VG_RULES_MIMEHEADER, /* "mimeheader NAME Header =~ /re/" */
	VG_RULES_URIDETAIL,  /* "uri_detail NAME KEY =~ /re/ ..." */
};

/*
 * vg_rules_define_as - a rule of kind, or of a plugin's rule type
 * (sa_mimeheader.c, sa_uridetail.c)
 */
static int
vg_rules_define_as(struct vg_rparse *p, struct vg_rfile *f,
    enum vg_rule_kind kind, char *rest, enum vg_rules_special special)
{
	struct vg_rules *r = p->r;
	struct vg_rule *rule;
	struct vg_rname *e;
	char why[512], *name;
	bool skip = false, mapped = false;
	enum vg_rules_skip skip_kind = VG_SKIP_REGEX;
	const char *plugin = NULL;
	int rc = 0;

	name = vg_rules_word(&rest);
	vg_rules_rtrim(rest);
	if (!vg_rules_valid_name(name)) {
		vg_rules_perr(p, f, "%s: bad rule name '%s'",
		    vg_rule_kind_name(kind), name);
		return 0;
	}
	if (*rest == '\0') {
		vg_rules_perr(p, f, "%s %s: missing definition",
		    vg_rule_kind_name(kind), name);
		return 0;
	}
	if (strncmp(rest, "eval:", 5) == 0 && !f->compat) {
		vg_rules_perr(p, f,
		    "%s %s: eval: tests are SpamAssassin's "
		    "(use vigil_compat spamassassin to run them)",
		    vg_rule_kind_name(kind), name);
		return 0;
	}
	/* SpamAssassin's network rules map onto Vigil's checks (sa_net.c). */
	if ((rc = vg_sa_net_define(p, f, kind, name, rest, &mapped)) != 0 ||
	    mapped)
		return rc;
	if ((e = vg_rules_name_get(r, name)) == NULL)
		return VG_ENOMEM;
	if (e->rule >= 0) {
		if (!f->compat) {
			struct vg_rule *old = &r->rules[e->rule];

			vg_rules_perr(p, f,
			    "%s %s: duplicate rule name "
			    "(first defined at %s:%u)",
			    vg_rule_kind_name(kind), name, old->file,
			    old->line);
			return 0;
		}
		/* SpamAssassin: a later definition replaces the earlier. */
		r->rules[e->rule].dead = true;
		e->rule = -1;
	}
	if (e->dnsbl) {
		vg_rules_perr(p, f,
		    "%s %s: name already declared by dnsbl/uribl",
		    vg_rule_kind_name(kind), name);
		return 0;
	}
	if (r->nrules >= VG_RULES_MAX_RULES) {
		vg_rules_perr(p, f, "too many rules (limit %u)",
		    (unsigned)VG_RULES_MAX_RULES);
		return 0;
	}
	if ((rule = vg_rules_new_rule(r)) == NULL)
		return VG_ENOMEM;
	rule->kind = kind;
	rule->file = f->name;
	rule->line = f->line;
	rule->compat = f->compat;
	if (f->compat)
		r->nsa_rules++;
	rule->sub = strncmp(name, "__", 2) == 0;
	if ((rule->name = vg_strdup(name)) == NULL) {
		r->nrules--;
		return VG_ENOMEM;
	}
	/* replace_rules may name it later: keep what it says (compat). */
	if (f->compat && kind != VG_RULE_META && special == VG_RULES_PLAIN &&
	    strchr(rest, '<') != NULL &&
	    (rule->src = vg_strdup(rest)) == NULL) {
		vg_rules_free_rule(rule);
		r->nrules--;
		return VG_ENOMEM;
	}
	if (special == VG_RULES_MIMEHEADER) {
		rc = vg_sa_mimeheader_compile(rule, rest, why, sizeof(why));
		plugin = "MIMEHeader";
		skip = true;
		skip_kind = VG_SKIP_EVAL;
		goto compiled;
	}
	if (special == VG_RULES_URIDETAIL) {
		rc = vg_sa_uridetail_compile(
		    r, rule, rest, why, sizeof(why), &skip);
		plugin = "URIDetail";
		skip_kind = VG_SKIP_EVAL;
		goto compiled;
	}
	if (strncmp(rest, "eval:", 5) == 0 && kind != VG_RULE_META) {
		rc = vg_evalfn_compile(
		    rule, kind, rest + 5, why, sizeof(why), &plugin);
		skip = true;
		skip_kind = VG_SKIP_EVAL;
		goto compiled;
	}
	switch (kind) {
	case VG_RULE_HEADER:
		rc = vg_rules_header_spec(
		    r, rule, rest, why, sizeof(why), &skip, &skip_kind);
		break;
	case VG_RULE_BODY:
	case VG_RULE_RAWBODY:
	case VG_RULE_FULL:
	case VG_RULE_URI: {
		char *s = rest;

		rc = vg_rules_regex(rule, &s,
		    kind == VG_RULE_BODY || kind == VG_RULE_RAWBODY, why,
		    sizeof(why), &skip);
		if (rc == 0 && *s != '\0') {
			snprintf(why, sizeof(why),
			    "unexpected text after the regex");
			rc = VG_ECONFIG;
			skip = false;
		}
		break;
	}
	case VG_RULE_META: {
		const char *mwhy = NULL;

		rc = vg_rules_meta_compile(rule, rest, &mwhy);
		if (rc == VG_ECONFIG)
			snprintf(why, sizeof(why), "%s", mwhy);
		break;
	}
	case VG_RULE_KIND_MAX:
		break;
	}
compiled:
	if (rc == VG_ENOMEM) {
		vg_rules_free_rule(rule);
		r->nrules--;
		return rc;
	}
	if (rc != 0) {
		vg_rules_free_rule(rule);
		r->nrules--;
		if (skip && f->compat) {
			/* Debug level: `vigil rules check` users ask why. */
			vg_debug("%s:%u: %s %s skipped: %s", f->name, f->line,
			    vg_rule_kind_name(kind), name, why);
			if (skip_kind == VG_SKIP_EVAL)
				vg_rules_plugin_count(p, f, plugin, false);
			goto skipped;
		}
		vg_rules_perr(
		    p, f, "%s %s: %s", vg_rule_kind_name(kind), name, why);
		return 0;
	}
	/*
	 * Re-fetch: nothing above adds a name (only vg_rules_name_get does),
	 * but e must not depend on that.  The entry was made above, so a miss
	 * is a broken contract, not bad input.
	 */
	if ((e = vg_rules_name_lookup(r, name)) == NULL)
		vg_panic("rules: entry for %s vanished", name);
	e->rule = (long)(r->nrules - 1);
	e->skipped = false;
	vg_rules_plugin_count(p, f, plugin, true);
	return 0;
skipped:
	if ((e = vg_rules_name_get(r, name)) == NULL)
		return VG_ENOMEM;
	if (e->rule < 0)
		e->skipped = true;
	r->stats.skipped[skip_kind]++;
	return 0;
}

/*
 * vg_rules_define - the rule directives: header, body, rawbody, full, uri,
 * meta.  rest is "NAME definition".
 */
int
vg_rules_define(
    struct vg_rparse *p, struct vg_rfile *f, enum vg_rule_kind kind, char *rest)
{
	return vg_rules_define_as(p, f, kind, rest, VG_RULES_PLAIN);
}

/* vg_rules_define_mimeheader - "mimeheader NAME Header =~ /re/" */
int
vg_rules_define_mimeheader(struct vg_rparse *p, struct vg_rfile *f, char *rest)
{
	return vg_rules_define_as(
	    p, f, VG_RULE_BODY, rest, VG_RULES_MIMEHEADER);
}

/* vg_rules_define_uridetail - "uri_detail NAME KEY =~ /re/ ..." */
int
vg_rules_define_uridetail(struct vg_rparse *p, struct vg_rfile *f, char *rest)
{
	return vg_rules_define_as(p, f, VG_RULE_BODY, rest, VG_RULES_URIDETAIL);
}

/* vg_rules_rule_kind - whether dir defines a rule, and of which kind */
bool
vg_rules_rule_kind(const char *dir, enum vg_rule_kind *out)
{
	static const struct {
		const char *name;
		enum vg_rule_kind kind;
	} kinds[] = {
	    {"header", VG_RULE_HEADER},
	    {"body", VG_RULE_BODY},
	    {"rawbody", VG_RULE_RAWBODY},
	    {"full", VG_RULE_FULL},
	    {"uri", VG_RULE_URI},
	    {"meta", VG_RULE_META},
	};
	size_t i;

	for (i = 0; i < VG_NELEM(kinds); i++) {
		if (strcmp(dir, kinds[i].name) == 0) {
			*out = kinds[i].kind;
			return true;
		}
	}
	return false;
}
