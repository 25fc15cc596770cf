/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_names - the name table of a rules set: one entry for every name a
 * rules file mentions (a rule, a score, a describe, tflags, a DNS list).
 *
 * PURPOSE  Scores and describes may come before the rule they name, and
 *	    metas name rules defined later, so every name gets an entry the
 *	    first time it is seen; the second pass (rules_resolve.c) joins
 *	    them up.  Open addressing with FNV-1a, at most half full.
 * OWNS     The entries and their strings belong to the rules set
 *	    (vg_rules_free()).
 * ERRORS   Allocation failure returns NULL.
 * THREADS  Written by one load; vg_rules_name_find() may then run from any
 *	    thread.
 */
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "rules/rules_parse_int.h"

/* vg_rules_hash_str - FNV-1a of a C string */
static size_t
vg_rules_hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return (size_t)h;
}

/*
 * vg_rules_name_slot - the index of name's entry plus one, or 0 when it
 * has none.  Both lookups below share it, so neither casts const away.
 */
static size_t
vg_rules_name_slot(const struct vg_rules *r, const char *name)
{
	size_t i, slot;

	if (r == NULL || r->hashsize == 0)
		return 0;
	i = vg_rules_hash_str(name) & (r->hashsize - 1);
	while ((slot = r->hash[i]) != 0) {
		if (strcmp(r->names[slot - 1].name, name) == 0)
			return slot;
		i = (i + 1) & (r->hashsize - 1);
	}
	return 0;
}

/* vg_rules_name_find - the entry for name, or NULL */
const struct vg_rname *
vg_rules_name_find(const struct vg_rules *r, const char *name)
{
	size_t slot = vg_rules_name_slot(r, name);

	return slot == 0 ? NULL : &r->names[slot - 1];
}

/*
 * vg_rules_name_lookup - the entry for name, writable, or NULL; never
 * creates one, so it invalidates nothing (unlike vg_rules_name_get).
 */
struct vg_rname *
vg_rules_name_lookup(struct vg_rules *r, const char *name)
{
	size_t slot = vg_rules_name_slot(r, name);

	return slot == 0 ? NULL : &r->names[slot - 1];
}

/* vg_rules_rehash - grow the name hash to twice its size */
static int
vg_rules_rehash(struct vg_rules *r)
{
	size_t nsize = r->hashsize == 0 ? 256 : r->hashsize * 2;
	size_t *nh, n, i;

	if ((nh = vg_calloc(nsize, sizeof(*nh))) == NULL)
		return VG_ENOMEM;
	for (n = 0; n < r->nnames; n++) {
		i = vg_rules_hash_str(r->names[n].name) & (nsize - 1);
		while (nh[i] != 0)
			i = (i + 1) & (nsize - 1);
		nh[i] = n + 1;
	}
	vg_free(r->hash);
	r->hash = nh;
	r->hashsize = nsize;
	return 0;
}

/*
 * vg_rules_name_get - the entry for name, created when missing; NULL on
 * allocation failure.  Invalidates pointers to other entries.
 */
struct vg_rname *
vg_rules_name_get(struct vg_rules *r, const char *name)
{
	struct vg_rname *nn, *e;
	size_t i;

	if ((e = vg_rules_name_lookup(r, name)) != NULL)
		return e;
	if ((r->nnames + 1) * 2 > r->hashsize && vg_rules_rehash(r) != 0)
		return NULL;
	if (r->nnames == r->capnames) {
		size_t ncap = r->capnames == 0 ? 256 : r->capnames * 2;

		nn = vg_reallocarray(r->names, ncap, sizeof(*nn));
		if (nn == NULL)
			return NULL;
		r->names = nn;
		r->capnames = ncap;
	}
	e = &r->names[r->nnames];
	memset(e, 0, sizeof(*e));
	e->rule = -1;
	if ((e->name = vg_strdup(name)) == NULL)
		return NULL;
	i = vg_rules_hash_str(name) & (r->hashsize - 1);
	while (r->hash[i] != 0)
		i = (i + 1) & (r->hashsize - 1);
	r->hash[i] = ++r->nnames;
	return e;
}
