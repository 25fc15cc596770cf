/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules - the compiled rules file (thresholds, rules, scores).
 *
 * PURPOSE  The rules file is all of the tuning: rules, scores and
 *	    thresholds.  Its language is documented in vigil.rules(5).  This
 *	    header is the part the engine and the verdict need; the rule
 *	    language itself lives in rules_parse.c / rules_eval.c.
 * OWNS     vg_rules_load() returns rules the caller frees with
 *	    vg_rules_free().  Compiled once per engine, read-only after.
 * ERRORS   VG_ECONFIG with "file:line: reason" in err; VG_ENOMEM; VG_EIO.
 * THREADS  Finished rules may be read from any thread.
 */
#ifndef VG_RULES_H
#define VG_RULES_H

#include <stddef.h>

#include "err.h"

struct vg_rules;

#define VG_DEF_REQUIRED_SCORE 5.0
#define VG_DEF_REJECT_SCORE   15.0

/* vg_rules_load - parse and compile a rules file */
int vg_rules_load(struct vg_rules **out, const char *path, struct vg_err *err);
/* vg_rules_free - NULL is a no-op */
void vg_rules_free(struct vg_rules *rules);

/* Thresholds and tagging; NULL rules give the defaults. */
double vg_rules_required_score(const struct vg_rules *rules);
double vg_rules_reject_score(const struct vg_rules *rules);
/* vg_rules_subject_tag - prefix for tagged subjects, "" = none */
const char *vg_rules_subject_tag(const struct vg_rules *rules);
/*
 * vg_rules_score - the score the rules file gives a symbol (built-in checks
 * such as SPF_FAIL are scored there too); def when it gives none.
 */
double vg_rules_score(const struct vg_rules *rules, const char *symbol,
    double def);

#endif /* VG_RULES_H */
