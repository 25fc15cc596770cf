/* SPDX-License-Identifier: GPL-2.0-only */
/* symset - the symbols that hit in one message (see symset.h) */
#include <string.h>

#include "base/alloc.h"
#include "base/err.h"
#include "rules/symset.h"

/* vg_symset_init - an empty set */
void
vg_symset_init(struct vg_symset *set)
{
	memset(set, 0, sizeof(*set));
}

/* vg_symset_fini - free the symbols */
void
vg_symset_fini(struct vg_symset *set)
{
	for (size_t i = 0; i < set->n; i++) {
		vg_free(set->sym[i].name);
		vg_free(set->sym[i].detail);
	}
	vg_free(set->sym);
	set->sym = NULL;
	set->n = set->cap = 0;
}

/* vg_symset_add - record a hit; past the cap it is counted, not stored */
int
vg_symset_add(
    struct vg_symset *set, const char *name, double score, const char *detail)
{
	struct vg_symbol *sym;

	if (set->n >= VG_SYMSET_MAX) {
		set->dropped++;
		return 0;
	}
	if (set->n == set->cap) {
		size_t cap = set->cap == 0 ? 16 : set->cap * 2;

		if (cap > VG_SYMSET_MAX)
			cap = VG_SYMSET_MAX;
		sym = vg_reallocarray(set->sym, cap, sizeof(*sym));
		if (sym == NULL)
			return VG_ENOMEM;
		set->sym = sym;
		set->cap = cap;
	}
	sym = &set->sym[set->n];
	sym->score = score;
	sym->detail = NULL;
	if ((sym->name = vg_strdup(name)) == NULL)
		return VG_ENOMEM;
	if (detail != NULL && (sym->detail = vg_strdup(detail)) == NULL) {
		vg_free(sym->name);
		return VG_ENOMEM;
	}
	set->n++;
	return 0;
}

/* vg_symset_has - true if name is among the hits */
bool
vg_symset_has(const struct vg_symset *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->sym[i].name, name) == 0)
			return true;
	return false;
}
