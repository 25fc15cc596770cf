/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_compat - SpamAssassin compatibility: the vigil_compat directive
 * (spamassassin or none, for the rest of the file and what it includes),
 * the if / ifplugin / else / endif blocks, and counting what is skipped.
 *
 * PURPOSE  Vigil runs no SpamAssassin plugin, so every ifplugin block is
 *	    skipped; "if" conditions on the version are compared against the
 *	    SpamAssassin version the rules were written for.  The rules a
 *	    skipped block would define are counted, and their names marked
 *	    skipped so that a meta naming one is skipped too (rules_resolve.c)
 *	    rather than refused.  Outside compat mode a block is an error.
 * LIMITS   Blocks nest VG_RULES_IF_DEPTH deep in one file: deeper, an
 *	    error.
 * ERRORS   A block error is recorded at file:line.  VG_ENOMEM.
 * THREADS  One load, one thread.
 */
#include <string.h>

#include "base/num.h"
#include "rules/rules_parse_int.h"

/* SpamAssassin version that compat-mode "if (version >= N)" compares. */
#define VG_RULES_SA_VERSION 3.004006

/*
 * vg_rules_sa_cond - a compat-mode "if" condition: plugin(X) is false (Vigil
 * runs no SpamAssassin plugin), can(X) is false, "version OP N" compares
 * against VG_RULES_SA_VERSION; ! and one pair of parentheses are allowed.
 * Anything else is false, so its block is skipped.
 */
static bool
vg_rules_sa_cond(char *c)
{
	size_t n;
	double v;

	c = vg_rules_skipws(c);
	vg_rules_rtrim(c);
	if (*c == '!')
		return !vg_rules_sa_cond(c + 1);
	n = strlen(c);
	if (n >= 2 && c[0] == '(' && c[n - 1] == ')') {
		c[n - 1] = '\0';
		return vg_rules_sa_cond(c + 1);
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

/* vg_rules_block - if / ifplugin / else / endif; true if dir was one */
bool
vg_rules_block(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	bool outer = f->nif == 0 || f->active[f->nif - 1];

	if (strcmp(dir, "ifplugin") == 0 || strcmp(dir, "if") == 0) {
		bool cond;

		if (!f->compat) {
			vg_rules_perr(p, f,
			    "%s: SpamAssassin plugin blocks "
			    "need vigil_compat spamassassin",
			    dir);
			return true;
		}
		if (f->nif == VG_RULES_IF_DEPTH) {
			vg_rules_perr(p, f, "%s: nested too deep (limit %u)",
			    dir, (unsigned)VG_RULES_IF_DEPTH);
			return true;
		}
		/* Vigil runs no SpamAssassin plugin: ifplugin is false. */
		cond = strcmp(dir, "if") == 0 && vg_rules_sa_cond(rest);
		f->parent[f->nif] = outer;
		f->active[f->nif] = outer && cond;
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

/* vg_rules_skipped_rule - count a rule inside an inactive if block */
int
vg_rules_skipped_rule(struct vg_rparse *p, char *rest)
{
	char *name = vg_rules_word(&rest);
	struct vg_rname *e;

	p->r->stats.skipped[VG_SKIP_IFPLUGIN]++;
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
