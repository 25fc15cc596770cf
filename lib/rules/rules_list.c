/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_list - the rules a loaded set runs, one by one (`vigil rules
 * list`), so that a tool can say which rules it compares: the differential
 * test against SpamAssassin (tests/accuracy/sa-diff.py) reads it; and
 * whether a set defines a rule of a given name.
 */
#include "rules/rules_int.h"

/* vg_rules_foreach - call fn for every live rule, in definition order */
void
vg_rules_foreach(const struct vg_rules *r,
    void (*fn)(void *arg, const struct vg_rules_info *info), void *arg)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nrules; i++) {
		const struct vg_rule *rule = &r->rules[i];
		struct vg_rules_info info = {
		    .name = rule->name,
		    .kind = rule->kind,
		    .file = rule->file,
		    .line = rule->line,
		    .score = rule->score,
		    .sub = rule->sub,
		    .compat = rule->compat,
		};

		if (rule->dead)
			continue;
		fn(arg, &info);
	}
}

/* vg_rules_defines - a live rule of that name */
bool
vg_rules_defines(const struct vg_rules *r, const char *name)
{
	const struct vg_rname *e;

	if (r == NULL || (e = vg_rules_name_find(r, name)) == NULL ||
	    e->rule < 0)
		return false;
	return !r->rules[e->rule].dead;
}
