/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_set - the storage of a compiled rules set: its rules, the names
 * of the files it was read from, each module's state, and freeing it all.
 *
 * PURPOSE  Growing and freeing the arrays of struct vg_rules (rules_int.h)
 *	    in one place, so the parser's files only append.
 * OWNS     struct vg_rules owns every rule (name, regexes, meta tokens),
 *	    every file name (rules point into them for file:line), every
 *	    DNS list declaration and each module's state; vg_rules_free()
 *	    frees all of it.
 * LIMITS   VG_RULES_MAX_RULES is enforced by the caller (rules_define.c).
 * ERRORS   Allocation failure returns NULL and changes nothing.
 * THREADS  A set is written by its one load, then only read.
 */
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "rules/rules_evalfn.h"
#include "rules/rules_parse_int.h"
#include "rules/rules_prefilter.h"

/* vg_rule_kind_name - "header", "body", ... */
const char *
vg_rule_kind_name(enum vg_rule_kind kind)
{
	switch (kind) {
	case VG_RULE_HEADER:
		return "header";
	case VG_RULE_BODY:
		return "body";
	case VG_RULE_RAWBODY:
		return "rawbody";
	case VG_RULE_FULL:
		return "full";
	case VG_RULE_URI:
		return "uri";
	case VG_RULE_META:
		return "meta";
	case VG_RULE_KIND_MAX:
		break;
	}
	return "?";
}

/* vg_rules_skip_name - "eval", "ifplugin", ... */
const char *
vg_rules_skip_name(enum vg_rules_skip kind)
{
	switch (kind) {
	case VG_SKIP_EVAL:
		return "eval";
	case VG_SKIP_IFPLUGIN:
		return "ifplugin";
	case VG_SKIP_DIRECTIVE:
		return "directive";
	case VG_SKIP_REGEX:
		return "regex";
	case VG_SKIP_META:
		return "meta";
	case VG_SKIP_PSEUDO:
		return "pseudo-header";
	case VG_SKIP_KIND_MAX:
		break;
	}
	return "?";
}

/* vg_rules_add_file - remember a file name for file:line; borrowed back */
const char *
vg_rules_add_file(struct vg_rules *r, const char *name)
{
	char **nf, *copy;

	if (r->nfiles == r->capfiles) {
		size_t ncap = r->capfiles == 0 ? 8 : r->capfiles * 2;

		if ((nf = vg_reallocarray(r->files, ncap, sizeof(*nf))) == NULL)
			return NULL;
		r->files = nf;
		r->capfiles = ncap;
	}
	if ((copy = vg_strdup(name)) == NULL)
		return NULL;
	r->files[r->nfiles++] = copy;
	return copy;
}

/* vg_rules_new_rule - append an empty rule; NULL on allocation failure */
struct vg_rule *
vg_rules_new_rule(struct vg_rules *r)
{
	struct vg_rule *nr, *rule;

	if (r->nrules == r->caprules) {
		size_t ncap = r->caprules == 0 ? 64 : r->caprules * 2;

		if ((nr = vg_reallocarray(r->rules, ncap, sizeof(*nr))) == NULL)
			return NULL;
		r->rules = nr;
		r->caprules = ncap;
	}
	rule = &r->rules[r->nrules++];
	memset(rule, 0, sizeof(*rule));
	atomic_init(&rule->limit_logged, false);
	return rule;
}

/* vg_rules_meta_pack - move the live metas' tokens into one block */
int
vg_rules_meta_pack(struct vg_rules *r)
{
	size_t k, n = 0, off = 0;

	for (k = 0; k < r->norder[VG_RULE_META]; k++)
		n += r->rules[r->order[VG_RULE_META][k]].nrpn;
	if (n == 0 || r->meta_rpn != NULL)
		return 0;
	if ((r->meta_rpn = vg_calloc(n, sizeof(*r->meta_rpn))) == NULL)
		return VG_ENOMEM;
	for (k = 0; k < r->norder[VG_RULE_META]; k++) {
		struct vg_rule *rule = &r->rules[r->order[VG_RULE_META][k]];

		if (rule->nrpn == 0 || rule->rpn_packed)
			continue;
		/* The names move with the tokens and stay the rule's. */
		memcpy(r->meta_rpn + off, rule->rpn,
		    rule->nrpn * sizeof(*rule->rpn));
		vg_free(rule->rpn);
		rule->rpn = r->meta_rpn + off;
		rule->rpn_packed = true;
		off += rule->nrpn;
	}
	return 0;
}

/* vg_rules_free_rule - free what one rule owns */
void
vg_rules_free_rule(struct vg_rule *rule)
{
	size_t i;

	vg_free(rule->name);
	pcre2_code_free(rule->re);
	pcre2_code_free(rule->re_ml);
	vg_free(rule->pf_src);
	vg_free(rule->if_unset);
	for (i = 0; i < rule->nrpn; i++)
		vg_free(rule->rpn[i].name);
	if (!rule->rpn_packed)
		vg_free(rule->rpn);
	vg_free(rule->src);
	vg_evalargs_free(rule->eargs);
	vg_free(rule->eargs);
	memset(rule, 0, sizeof(*rule));
}

/* vg_rules_free - NULL is a no-op */
void
vg_rules_free(struct vg_rules *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrules; i++)
		vg_rules_free_rule(&r->rules[i]);
	vg_free(r->rules);
	vg_free(r->meta_rpn);
	for (i = 0; i < r->nnames; i++) {
		vg_free(r->names[i].name);
		vg_free(r->names[i].describe);
	}
	vg_free(r->names);
	vg_free(r->hash);
	for (i = 0; i < r->ngroups; i++)
		vg_free(r->groups[i].header);
	vg_free(r->groups);
	for (i = 0; i < VG_RULE_KIND_MAX; i++)
		vg_free(r->order[i]);
	vg_free(r->eval_order);
	vg_rules_replace_free(r->replace);
	vg_rules_freemail_free(r->freemail);
	vg_rules_fns_free(r->fns);
	vg_rules_uridetail_free(r->uridetail);
	for (i = 0; i < r->nplugins; i++)
		vg_free(r->plugins[i].name);
	vg_free(r->plugins);
	for (i = 0; i < r->ndnsbls; i++) {
		vg_free((char *)(uintptr_t)r->dnsbls[i].name);
		vg_free((char *)(uintptr_t)r->dnsbls[i].zone);
		vg_free((char *)(uintptr_t)r->dnsbls[i].answers);
	}
	vg_free(r->dnsbls);
	for (i = 0; i < r->nuriskip; i++)
		vg_free(r->uriskip[i]);
	vg_free(r->uriskip);
	for (i = 0; i < r->nfiles; i++)
		vg_free(r->files[i]);
	vg_free(r->files);
	vg_free(r->subject_tag);
	vg_rules_hdr_free(r);
	vg_pf_free(r->pf);
	for (size_t m = 0; m < vg_rules_nmodules; m++)
		if (vg_rules_modules[m]->free != NULL)
			vg_rules_modules[m]->free(r->module_state[m]);
	vg_free(r);
}

/* vg_rules_module_state - a rules-file module's state in r */
void *
vg_rules_module_state(const struct vg_rules *r, const struct vg_rules_module *m)
{
	if (r == NULL)
		return NULL;
	for (size_t i = 0; i < vg_rules_nmodules; i++)
		if (vg_rules_modules[i] == m)
			return r->module_state[i];
	return NULL;
}
