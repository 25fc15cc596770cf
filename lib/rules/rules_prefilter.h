/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_prefilter - a Hyperscan prefilter in front of the PCRE2 rules.
 *
 * PURPOSE  Most regex rules match nothing in most messages, yet each costs
 *	    one PCRE2 call per text it reads (0.46 us per rule per message
 *	    measured with 10,000 body rules, issue 13).  At the end of a
 *	    load every regex of one text target (body, rawbody, uri, full,
 *	    and each header lookup: Subject, From:addr, ALL, ...) is
 *	    compiled into one Hyperscan database in prefilter mode
 *	    (HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH).  At evaluation one
 *	    scan of the text gives the candidate rules, and PCRE2 runs on
 *	    those only.  Prefilter mode matches a superset of what the
 *	    pattern matches, so PCRE2 still decides every hit and the
 *	    results are those of PCRE2 alone; only the rules that cannot
 *	    match are skipped.  A pattern Hyperscan refuses even in
 *	    prefilter mode, a header rule with if-unset and a body rule that
 *	    matches per line (vg_rule.per_line) are VG_PF_ALWAYS: PCRE2 runs
 *	    them as before.  "vigil_prefilter off" in the rules file, or a
 *	    build without Hyperscan (cmake -DVIGIL_HYPERSCAN=OFF), runs
 *	    every rule through PCRE2.
 * OWNS     struct vg_pf belongs to its rules set (vg_pf_free() from
 *	    vg_rules_free()); its databases are immutable.  A struct
 *	    vg_pf_scratch belongs to one thread (rules_eval.c keeps it with
 *	    the thread's PCRE2 scratch) and is freed by vg_pf_scratch_free().
 * LIMITS   A text longer than UINT_MAX bytes is not scanned: every rule
 *	    on it runs.  A target whose database cannot be compiled runs
 *	    every rule (logged once at load).
 * ERRORS   vg_pf_build(): VG_ENOMEM only; Hyperscan's refusals are
 *	    counted, not errors.  vg_pf_scratch_fit(): VG_ENOMEM.
 * THREADS  Databases are shared read-only; each thread scans with its own
 *	    scratch (Hyperscan requires one per concurrent scan).
 */
#ifndef VG_RULES_PREFILTER_H
#define VG_RULES_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "rules/rules.h"

struct vg_rules;
struct vg_pf;
struct vg_pf_scratch;

/*
 * One text target: the rules r->order[kind][first .. first + n), of one
 * kind (for headers, one lookup group).  in[j] says rule first + j is in
 * a database, with Hyperscan id j.  Hyperscan's compile time grows faster
 * than its pattern count (SpamAssassin's 485 body patterns: 16 s in one
 * database), so a target's patterns are cut into databases of at most
 * VG_PF_CHUNK, each scanned in turn.
 */
struct vg_pf_target {
	void **dbs;  /* hs_database_t, each of at most VG_PF_CHUNK patterns */
	size_t ndbs; /* 0: every rule runs */
	size_t first, n;
	unsigned char *in;
};

/*
 * vg_pf_build - compile r's prefilter into r->pf (left NULL when off,
 * not built in, or on a CPU Hyperscan does not run on), fill the
 * prefilter fields of r->stats and each rule's pf, and free each rule's
 * src.  Call after the evaluation order is final.  0 or VG_ENOMEM.
 */
int vg_pf_build(struct vg_rules *r);
/* vg_pf_free - NULL is a no-op */
void vg_pf_free(struct vg_pf *pf);

/* vg_pf_kind - the target of body, rawbody, uri or full rules, or NULL */
const struct vg_pf_target *vg_pf_kind(
    const struct vg_pf *pf, enum vg_rule_kind kind);
/* vg_pf_group - the target of header lookup group g, or NULL */
const struct vg_pf_target *vg_pf_group(const struct vg_pf *pf, size_t g);

/*
 * vg_pf_scratch_fit - make *sc (NULL at a thread's first call) fit pf's
 * databases: allocated at first use and grown when a new rules set needs
 * more, never per message.  A NULL pf needs nothing.  0 or VG_ENOMEM
 * (*sc is then unchanged and still valid for the sets it fitted).
 */
int vg_pf_scratch_fit(struct vg_pf_scratch **sc, const struct vg_pf *pf);
/* vg_pf_scratch_free - NULL is a no-op */
void vg_pf_scratch_free(struct vg_pf_scratch *sc);

/* vg_pf_begin - forget the candidates, for a scan or scans of target t */
void vg_pf_begin(struct vg_pf_scratch *sc, const struct vg_pf_target *t);
/*
 * vg_pf_scan - add the candidates of t found in s[0..len); a scan that
 * fails (or a text too long) makes every rule of t a candidate
 */
void vg_pf_scan(struct vg_pf_scratch *sc, const struct vg_pf_target *t,
    const char *s, size_t len);
/*
 * vg_pf_maybe - whether rule first + j of t must run PCRE2: true unless
 * the rule is in t's database and the scans since vg_pf_begin() did not
 * report it.  A NULL t (no prefilter) says true.
 */
bool vg_pf_maybe(
    const struct vg_pf_scratch *sc, const struct vg_pf_target *t, size_t j);

#endif /* VG_RULES_PREFILTER_H */
