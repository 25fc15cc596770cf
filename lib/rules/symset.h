/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * symset - the symbols that hit in one message, each with its score and
 * an optional detail: what the rules and the checks record.
 *
 * PURPOSE  The rules evaluator writes its hits here and its metas read the
 *	    symbols already present (built-in checks, DNS lists), so the
 *	    rules layer needs nothing from the layers above; a stage result
 *	    (core/result.h) embeds one set, and the checks above rules/ add
 *	    to it through vg_result_add().
 * OWNS     A set owns its array and every string in it (names are copied,
 *	    so a set may outlive the rules that produced it).  A zeroed set
 *	    is empty and ready; vg_symset_fini() frees what it holds.
 * LIMITS   VG_SYMSET_MAX symbols; further ones are counted in dropped, not
 *	    stored (a rules file cannot make one message use unbounded
 *	    memory).
 * ERRORS   VG_ENOMEM; a symbol past the limit is counted, not an error.
 * THREADS  One set per stage per message, written by one thread.
 */
#ifndef VG_SYMSET_H
#define VG_SYMSET_H

#include <stdbool.h>
#include <stddef.h>

#define VG_SYMSET_MAX 1024

struct vg_symbol {
	char *name; /* rule or check name, e.g. "SPF_FAIL" */
	double score;
	char *detail; /* optional, sanitised on output; may be NULL */
};

struct vg_symset {
	struct vg_symbol *sym; /* sym[0..n) in the order they hit */
	size_t n, cap;
	size_t dropped; /* hits past VG_SYMSET_MAX, not stored */
};

/* vg_symset_init - an empty set (the same as a zeroed one) */
void vg_symset_init(struct vg_symset *set);
/* vg_symset_fini - free what the set holds and leave it empty */
void vg_symset_fini(struct vg_symset *set);
/*
 * vg_symset_add - record that symbol name hit with score; name and detail
 * (may be NULL) are copied.  Past VG_SYMSET_MAX the hit is counted in
 * dropped and not stored.  VG_ENOMEM, and the set is unchanged.
 */
int vg_symset_add(
    struct vg_symset *set, const char *name, double score, const char *detail);
/* vg_symset_has - true if symbol name is among the hits */
bool vg_symset_has(const struct vg_symset *set, const char *name);

#endif /* VG_SYMSET_H */
