/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_compat - SpamAssassin compatibility: the vigil_compat directive
 * (spamassassin or none, for the rest of the file and what it includes),
 * the if / ifplugin / else / endif blocks, and counting what is skipped.
 *
 * PURPOSE  ifplugin blocks and plugin() / can() conditions are true for
 *	    the plugins and features Vigil implements (rules_evalfn.c) and
 *	    false for the rest; "if" conditions on the version are compared
 *	    against the SpamAssassin version the rules were written for.  The rules a
 *	    skipped block would define are counted, and their names marked
 *	    skipped so that a meta naming one is skipped too (rules_resolve.c)
 *	    rather than refused; each is also counted under the plugin its
 *	    block names.  Outside compat mode only "if spamassassin" and
 *	    "if !spamassassin" are blocks (true when rules were loaded in
 *	    compat mode before the line: Vigil's own rules score differently
 *	    on top of SpamAssassin's than alone); any other is an error.
 * LIMITS   Blocks nest VG_RULES_IF_DEPTH deep in one file: deeper, an
 *	    error.
 * ERRORS   A block error is recorded at file:line.  VG_ENOMEM.
 * THREADS  One load, one thread.
 */
#include <string.h>

#include "base/num.h"
#include "rules/rules_evalfn.h"
#include "rules/rules_parse_int.h"

/* SpamAssassin version that compat-mode "if (version >= N)" compares. */
#define VG_RULES_SA_VERSION 3.004006

/*
 * vg_rules_sa_cond - a compat-mode "if" condition: plugin(X) is true when
 * Vigil implements plugin X (rules_evalfn.c), can(X) when X is a feature
 * or function it has, "version OP N" compares against
 * VG_RULES_SA_VERSION; ! and one pair of parentheses are allowed.
 * Anything else is false, so its block is skipped.  *plugin is set to
 * the plugin a positive plugin() or can(...::Plugin::X::...) names.
 */
static bool
vg_rules_sa_cond(char *c, char *plugin, size_t psize)
{
	size_t n;
	double v;

	c = vg_rules_skipws(c);
	vg_rules_rtrim(c);
	if (*c == '!') {
		char ignored[64];

		return !vg_rules_sa_cond(c + 1, ignored, sizeof(ignored));
	}
	n = strlen(c);
	if (n >= 2 && c[0] == '(' && c[n - 1] == ')') {
		c[n - 1] = '\0';
		return vg_rules_sa_cond(c + 1, plugin, psize);
	}
	if (strncmp(c, "plugin(", 7) == 0 && n > 8 && c[n - 1] == ')') {
		c[n - 1] = '\0';
		c = vg_rules_skipws(c + 7);
		vg_rules_rtrim(c);
		if (!vg_sa_plugin_short(c, plugin, psize))
			plugin[0] = '\0';
		return vg_sa_plugin(c);
	}
	if (strncmp(c, "can(", 4) == 0 && n > 5 && c[n - 1] == ')') {
		c[n - 1] = '\0';
		c = vg_rules_skipws(c + 4);
		vg_rules_rtrim(c);
		if (strncmp(c, "Mail::SpamAssassin::Plugin::", 28) != 0 ||
		    !vg_sa_plugin_short(c, plugin, psize))
			plugin[0] = '\0';
		return vg_sa_can(c);
	}
	if (strncmp(c, "version", 7) == 0) {
		char *s = vg_rules_skipws(c + 7), *op = s;

		while (*s == '>' || *s == '<' || *s == '=' || *s == '!')
			s++;
		if (s == op)
			return false;
		c = vg_rules_skipws(s);
		*s = '\0';
		if (vg_num_double(&v, c, 0, 100, NULL) != 0)
			return false;
		if (strcmp(op, ">=") == 0)
			return VG_RULES_SA_VERSION >= v;
		if (strcmp(op, ">") == 0)
			return VG_RULES_SA_VERSION > v;
		if (strcmp(op, "<") == 0)
			return VG_RULES_SA_VERSION < v;
		if (strcmp(op, "<=") == 0)
			return VG_RULES_SA_VERSION <= v;
		if (strcmp(op, "==") == 0)
			return VG_RULES_SA_VERSION == v;
		return false;
	}
	return false;
}

/*
 * vg_rules_own_cond - whether c is "spamassassin" or "!spamassassin" (blanks
 * allowed around the !), the one condition of Vigil's own rules; c is left
 * as "spamassassin" or "!spamassassin"
 */
static bool
vg_rules_own_cond(char *c)
{
	char *w = vg_rules_skipws(c);
	bool neg = *w == '!';

	if (neg)
		w = vg_rules_skipws(w + 1);
	vg_rules_rtrim(w);
	if (strcmp(w, "spamassassin") != 0)
		return false;
	memmove(c + neg, w, strlen(w) + 1);
	if (neg)
		c[0] = '!';
	return true;
}

/* vg_rules_block - if / ifplugin / else / endif; true if dir was one */
bool
vg_rules_block(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	bool outer = f->nif == 0 || f->active[f->nif - 1];

	if (strcmp(dir, "ifplugin") == 0 || strcmp(dir, "if") == 0) {
		char plugin[64] = "";
		bool cond;

		bool own = false;

		if (!f->compat) {
			own = strcmp(dir, "if") == 0 && vg_rules_own_cond(rest);
			if (!own) {
				vg_rules_perr(p, f,
				    "%s: SpamAssassin plugin blocks "
				    "need vigil_compat spamassassin (Vigil's "
				    "own rules have \"if spamassassin\" and "
				    "\"if !spamassassin\")",
				    dir);
				return true;
			}
		}
		if (f->nif == VG_RULES_IF_DEPTH) {
			vg_rules_perr(p, f, "%s: nested too deep (limit %u)",
			    dir, (unsigned)VG_RULES_IF_DEPTH);
			return true;
		}
		if (own) {
			cond = (p->r->nsa_rules > 0) == (rest[0] != '!');
		} else if (strcmp(dir, "if") == 0) {
			cond = vg_rules_sa_cond(rest, plugin, sizeof(plugin));
		} else {
			vg_rules_rtrim(rest);
			cond = vg_sa_plugin(rest);
			if (!vg_sa_plugin_short(rest, plugin, sizeof(plugin)))
				plugin[0] = '\0';
		}
		f->parent[f->nif] = outer;
		f->active[f->nif] = outer && cond;
		f->plugin[f->nif] = plugin[0] != '\0'
		    ? vg_rules_plugin_index(p->r, plugin)
		    : -1;
		f->nif++;
		return true;
	}
	if (strcmp(dir, "else") == 0) {
		if (f->nif == 0)
			vg_rules_perr(p, f, "else without if");
		else
			f->active[f->nif - 1] =
			    f->parent[f->nif - 1] && !f->active[f->nif - 1];
		return true;
	}
	if (strcmp(dir, "endif") == 0) {
		if (f->nif == 0)
			vg_rules_perr(p, f, "endif without if");
		else
			f->nif--;
		return true;
	}
	return false;
}

/* vg_rules_block_plugin - the innermost plugin f's blocks name, or -1 */
static int
vg_rules_block_plugin(const struct vg_rfile *f)
{
	unsigned k;

	for (k = f->nif; k > 0; k--)
		if (f->plugin[k - 1] >= 0)
			return f->plugin[k - 1];
	return -1;
}

/* vg_rules_plugin_count - see rules_parse_int.h */
void
vg_rules_plugin_count(struct vg_rparse *p, const struct vg_rfile *f,
    const char *plugin, bool loaded)
{
	struct vg_rules *r = p->r;
	int i = -1;

	if (plugin != NULL)
		i = vg_rules_plugin_index(r, plugin);
	else if ((i = vg_rules_block_plugin(f)) < 0 && !loaded)
		/* An unknown eval: outside any plugin block. */
		i = vg_rules_plugin_index(r, "(none)");
	if (i < 0)
		return;
	if (loaded)
		r->plugins[i].loaded++;
	else
		r->plugins[i].skipped++;
}

/* vg_rules_skipped_rule - count a rule inside an inactive if block */
int
vg_rules_skipped_rule(struct vg_rparse *p, const struct vg_rfile *f, char *rest)
{
	char *name = vg_rules_word(&rest);
	struct vg_rname *e;
	int i;

	p->r->stats.skipped[VG_SKIP_IFPLUGIN]++;
	/* Counted under the plugin of the innermost block that is off. */
	for (unsigned k = f->nif; k > 0; k--) {
		if (f->active[k - 1] || !f->parent[k - 1])
			continue;
		if ((i = f->plugin[k - 1]) >= 0)
			p->r->plugins[i].skipped++;
		break;
	}
	if (vg_rules_valid_name(name)) {
		if ((e = vg_rules_name_get(p->r, name)) == NULL)
			return VG_ENOMEM;
		if (e->rule < 0)
			e->skipped = true;
	}
	return 0;
}

/* vg_rules_dir_compat - "vigil_compat spamassassin|none" */
int
vg_rules_dir_compat(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	(void)dir;
	vg_rules_rtrim(rest);
	if (strcmp(rest, "spamassassin") == 0)
		f->compat = true;
	else if (strcmp(rest, "none") == 0)
		f->compat = false;
	else
		vg_rules_perr(p, f,
		    "vigil_compat: unknown mode '%s' "
		    "(spamassassin or none)",
		    rest);
	return 0;
}
