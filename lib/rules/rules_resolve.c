/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_resolve - the second pass of a load, once every file is read:
 * meta operands become rule indices or symbol names, scores are attached,
 * header rules are sorted by group, and metas are put in dependency order.
 *
 * PURPOSE  Names may be used before they are defined (SpamAssassin puts all
 *	    scores in 50_scores.cf), so nothing is joined up until the end.
 *	    A compat-mode meta naming a skipped rule is skipped itself, and
 *	    so on transitively; a loop among metas is refused.
 * OWNS     The evaluation order arrays belong to the rules set.
 * LIMITS   Metas depend on metas at most VG_RULES_META_CHAIN deep (the
 *	    walk recurses, so the limit bounds the stack): deeper, an error.
 * ERRORS   An unknown operand, a loop or a chain too deep is an error at
 *	    the meta's file:line.  VG_ENOMEM.
 * THREADS  One load, one thread.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "rules/rules_evalfn.h"
#include "rules/rules_parse_int.h"
#include "rules/symbols.h"

/*
 * vg_rules_resolve_metas - turn meta operands into rule indices or symbol
 * names.  A meta naming a skipped rule (compat mode) is skipped itself,
 * and so on transitively until nothing changes.
 */
static void
vg_rules_resolve_metas(struct vg_rparse *p)
{
	struct vg_rules *r = p->r;
	bool changed = true;
	size_t i, k;

	while (changed) {
		changed = false;
		for (i = 0; i < r->nrules; i++) {
			struct vg_rule *rule = &r->rules[i];

			if (rule->dead || rule->kind != VG_RULE_META)
				continue;
			for (k = 0; k < rule->nrpn; k++) {
				struct vg_meta_tok *t = &rule->rpn[k];
				const struct vg_rname *e;
				struct vg_rfile f;

				if (t->name == NULL)
					continue;
				e = vg_rules_name_find(r, t->name);
				if (e != NULL && e->rule >= 0 &&
				    !r->rules[e->rule].dead) {
					t->op = VG_META_RULE;
					t->rule = (size_t)e->rule;
					continue;
				}
				if ((e == NULL || !e->skipped) &&
				    ((e != NULL && e->dnsbl) ||
				        vg_symbols_known(t->name))) {
					t->op = VG_META_SYM;
					continue;
				}
				if (rule->compat) {
					struct vg_rname *me;

					rule->dead = true;
					/* Every rule's name has an entry
					 * (vg_rules_define made it). */
					me =
					    vg_rules_name_lookup(r, rule->name);
					if (me == NULL)
						vg_panic("rules: no entry for "
						         "%s",
						    rule->name);
					me->skipped = true;
					me->rule = -1;
					r->stats.skipped[VG_SKIP_META]++;
					vg_debug(
					    "%s:%u: meta %s skipped: needs "
					    "%s",
					    rule->file, rule->line, rule->name,
					    t->name);
					changed = true;
					break;
				}
				memset(&f, 0, sizeof(f));
				f.name = rule->file;
				f.line = rule->line;
				vg_rules_perr(p, &f,
				    "meta %s: unknown rule '%s'", rule->name,
				    t->name);
				/* Report once per meta; keep it out of the
				 * dependency walk. */
				rule->dead = true;
				break;
			}
		}
	}
}

/*
 * vg_rules_meta_visit - depth-first walk that appends metas to the
 * evaluation order after their dependencies; a meta met again while it is
 * on the walk's path is a loop.  state: 0 new, 1 on path, 2 placed.
 * Recursion depth is bounded by the number of metas chained; the walk
 * keeps an explicit limit so a hostile file cannot exhaust the stack.
 */
static int
vg_rules_meta_visit(
    struct vg_rparse *p, size_t i, unsigned char *state, unsigned depth)
{
	struct vg_rules *r = p->r;
	struct vg_rule *rule = &r->rules[i];
	size_t k;
	int rc;

	if (state[i] == 2)
		return 0;
	if (state[i] == 1 || depth > VG_RULES_META_CHAIN) {
		struct vg_rfile f;

		memset(&f, 0, sizeof(f));
		f.name = rule->file;
		f.line = rule->line;
		vg_rules_perr(p, &f,
		    depth > VG_RULES_META_CHAIN
		        ? "meta %s: metas chained too deep"
		        : "meta %s: depends on itself",
		    rule->name);
		return VG_ECONFIG;
	}
	state[i] = 1;
	for (k = 0; k < rule->nrpn; k++) {
		size_t d = rule->rpn[k].rule;

		if (rule->rpn[k].op != VG_META_RULE ||
		    r->rules[d].kind != VG_RULE_META)
			continue;
		if ((rc = vg_rules_meta_visit(p, d, state, depth + 1)) != 0)
			return rc;
	}
	state[i] = 2;
	r->order[VG_RULE_META][r->norder[VG_RULE_META]++] = i;
	return 0;
}

/* One header rule while sorting: its group and its position. */
struct vg_rules_gsort {
	size_t group, idx;
};

/* vg_rules_group_cmp - header rules by group, then by position */
static int
vg_rules_group_cmp(const void *a, const void *b)
{
	const struct vg_rules_gsort *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

/*
 * vg_rules_sort_headers - order header rules by group so that each group's
 * header value is assembled once per message
 */
static int
vg_rules_sort_headers(struct vg_rules *r)
{
	size_t n = r->norder[VG_RULE_HEADER], i;
	struct vg_rules_gsort *tmp;

	if (n == 0)
		return 0;
	if ((tmp = vg_calloc(n, sizeof(*tmp))) == NULL)
		return VG_ENOMEM;
	for (i = 0; i < n; i++) {
		tmp[i].idx = r->order[VG_RULE_HEADER][i];
		tmp[i].group = r->rules[tmp[i].idx].group;
	}
	qsort(tmp, n, sizeof(*tmp), vg_rules_group_cmp);
	for (i = 0; i < n; i++)
		r->order[VG_RULE_HEADER][i] = tmp[i].idx;
	vg_free(tmp);
	return 0;
}

/* vg_rules_finish - second pass: names, scores, evaluation order */
int
vg_rules_finish(struct vg_rparse *p)
{
	struct vg_rules *r = p->r;
	unsigned char *state = NULL;
	size_t i, k;
	int rc = 0;

	if (vg_rules_replace_finish(p) != 0 || vg_rules_freemail_finish(p) != 0)
		return VG_ENOMEM;
	vg_rules_resolve_metas(p);
	for (k = 0; k < VG_RULE_KIND_MAX; k++) {
		r->order[k] = vg_calloc(r->nrules + 1, sizeof(size_t));
		if (r->order[k] == NULL)
			return VG_ENOMEM;
	}
	if ((r->eval_order = vg_calloc(r->nrules + 1, sizeof(size_t))) == NULL)
		return VG_ENOMEM;
	for (i = 0; i < r->nrules; i++) {
		struct vg_rule *rule = &r->rules[i];
		const struct vg_rname *e;

		if (rule->dead)
			continue;
		e = vg_rules_name_find(r, rule->name);
		/* SpamAssassin: an unscored rule scores 1 (nice: -1),
		 * a sub-rule never scores; and in its rule files an
		 * unscored T_ rule (one under test) scores 0.01. */
		if (rule->sub)
			rule->score = 0;
		else if (e->has_score)
			rule->score = e->score;
		else if (rule->compat && strncmp(rule->name, "T_", 2) == 0)
			rule->score = e->nice ? -0.01 : 0.01;
		else
			/* SpamAssassin: a T_ rule (on probation) scores 0.01. */
			rule->score = (e->nice ? -1.0 : 1.0) *
			    (rule->compat && strncmp(rule->name, "T_", 2) == 0
			            ? 0.01
			            : 1.0);
		/* tflags multiple without maxhits: up to the limit. */
		rule->maxhits = 1;
		if (e->multiple && rule->kind != VG_RULE_META)
			rule->maxhits =
			    e->maxhits > 0 ? e->maxhits : VG_RULES_MAXHITS_MAX;
		if (rule->efn != NULL)
			vg_sa_mimeheader_finish(rule);
		r->stats.rules[rule->kind]++;
		if (rule->sub)
			r->stats.subrules++;
		else if (rule->score != 0)
			r->stats.scored++;
		if (rule->efn != NULL)
			r->eval_order[r->neval_order++] = i;
		else if (rule->kind != VG_RULE_META)
			r->order[rule->kind][r->norder[rule->kind]++] = i;
	}
	if (vg_rules_sort_headers(r) != 0)
		return VG_ENOMEM;
	for (i = 0; i < r->nnames; i++) {
		const struct vg_rname *e = &r->names[i];

		if (e->has_score && e->rule < 0 && !e->skipped && !e->dnsbl &&
		    !vg_symbols_known(e->name))
			r->stats.unknown_scores++;
	}
	if ((state = vg_calloc(r->nrules + 1, 1)) == NULL)
		return VG_ENOMEM;
	for (i = 0; i < r->nrules; i++) {
		if (r->rules[i].dead || r->rules[i].kind != VG_RULE_META)
			continue;
		if (vg_rules_meta_visit(p, i, state, 0) != 0)
			break;
	}
	vg_free(state);
	return rc;
}
