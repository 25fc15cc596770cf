/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_prefilter - a Hyperscan prefilter in front of the PCRE2 rules (see
 * rules_prefilter.h for what it owns and promises).
 *
 * How a pattern becomes a prefilter expression: the rule's PCRE2 options
 * map to Hyperscan flags (i CASELESS, s DOTALL, m MULTILINE; x becomes a
 * leading "(?x)", which Hyperscan parses as PCRE does).  Body and rawbody
 * rules are first matched over the whole text with ^ and $ at line ends
 * (rules_eval.c), so their expressions are MULTILINE too; a body rule
 * that stays per line (\A, \z, lookbehind: vg_rule.per_line) is always
 * run.  Neither side is compiled for UTF-8, so both read bytes, and both
 * fold case and class characters as ASCII.  Each expression is checked
 * alone with hs_expression_info() first, so one bad pattern costs one
 * rule, not the database; a refusal only the whole compile finds is
 * taken out and the compile retried.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>
#include <time.h>

#ifdef VIGIL_HAVE_HYPERSCAN
#include <hs.h>
#endif

#include "base/alloc.h"
#include "base/log.h"
#include "rules/rules_int.h"
#include "rules/rules_pfcache.h"
#include "rules/rules_prefilter.h"

/* vg_rules_prefilter_state - where the prefilter put rule i */
enum vg_rules_pf_state
vg_rules_prefilter_state(const struct vg_rules *r, size_t i)
{
	if (r == NULL || i >= r->nrules)
		return VG_PF_NONE;
	return r->rules[i].pf;
}

/* What "vigil_prefilter auto" does in this process (rules.h). */
static atomic_bool vg_pf_auto_build = true;

/* vg_rules_prefilter_auto - whether auto builds, from now on */
void
vg_rules_prefilter_auto(bool build)
{
	atomic_store(&vg_pf_auto_build, build);
}

/* Whether loads leave their missing databases to a later one (rules.h). */
static atomic_bool vg_pf_defer;

/* vg_rules_prefilter_defer - compile nothing from now on, count instead */
void
vg_rules_prefilter_defer(bool defer)
{
	atomic_store(&vg_pf_defer, defer);
}

/* The process is stopping: no load compiles from now on (rules.h). */
static atomic_bool vg_pf_stopping;

/* vg_rules_prefilter_stop - a compile running stops at its next database */
void
vg_rules_prefilter_stop(void)
{
	atomic_store(&vg_pf_stopping, true);
}

#ifndef VIGIL_HAVE_HYPERSCAN

/* Built without Hyperscan: every rule runs through PCRE2. */

struct vg_pf {
	int unused;
};

struct vg_pf_scratch {
	int unused;
};

/* vg_rules_prefilter_version - NULL: not built in */
const char *
vg_rules_prefilter_version(void)
{
	return NULL;
}

/* vg_pf_build - nothing to build; frees the kept pattern texts */
int
vg_pf_build(struct vg_rules *r)
{
	for (size_t i = 0; i < r->nrules; i++) {
		vg_free(r->rules[i].pf_src);
		r->rules[i].pf_src = NULL;
	}
	return 0;
}

void
vg_pf_free(struct vg_pf *pf)
{
	vg_free(pf);
}

const struct vg_pf_target *
vg_pf_kind(const struct vg_pf *pf, enum vg_rule_kind kind)
{
	(void)pf;
	(void)kind;
	return NULL;
}

const struct vg_pf_target *
vg_pf_group(const struct vg_pf *pf, size_t g)
{
	(void)pf;
	(void)g;
	return NULL;
}

int
vg_pf_scratch_fit(struct vg_pf_scratch **sc, const struct vg_pf *pf)
{
	(void)sc;
	(void)pf;
	return 0;
}

void
vg_pf_scratch_free(struct vg_pf_scratch *sc)
{
	vg_free(sc);
}

void
vg_pf_begin(struct vg_pf_scratch *sc, const struct vg_pf_target *t)
{
	(void)sc;
	(void)t;
}

void
vg_pf_scan(struct vg_pf_scratch *sc, const struct vg_pf_target *t,
    const char *s, size_t len)
{
	(void)sc;
	(void)t;
	(void)s;
	(void)len;
}

bool
vg_pf_maybe(
    const struct vg_pf_scratch *sc, const struct vg_pf_target *t, size_t j)
{
	(void)sc;
	(void)t;
	(void)j;
	return true;
}

#else /* VIGIL_HAVE_HYPERSCAN */

/* Counted repeats above this are widened for Hyperscan (vg_pf_widen). */
#define VG_PF_REPEAT_MAX 16
/*
 * Patterns per database (see rules_prefilter.h).  Measured on
 * SpamAssassin's set: 16, 32, 64, 128 and all in one gave 6.8, 6.3, 6.4,
 * 7.2 and 9.0 s of compile and 12.3 to 13.6 MiB; 64 keeps the scans of a
 * text few.
 */
#define VG_PF_CHUNK      64
/*
 * Without a cache, vigil_prefilter auto builds a database only for a text
 * with at least this many patterns.  The default rules have at most 37
 * per text: there Hyperscan's compile (0.5-0.8 s of CPU at every load of
 * the default rules, against 0.02 s without it) costs more than PCRE2 on
 * those few rules does, while SpamAssassin's 490 body rules gain much.
 * With a cache (rules_pfcache.h) the compile is paid once: every text.
 */
#define VG_PF_AUTO_MIN   50
/* Retries of one database's compile after a refusal found only there. */
#define VG_PF_RETRIES    16

struct vg_pf {
	uint64_t gen; /* unique per build: which sets a scratch fits */
	struct vg_pf_target kinds[VG_RULE_KIND_MAX];
	struct vg_pf_target *groups; /* by header lookup group */
	size_t ngroups;
	size_t maxn; /* the largest target: a scratch's candidate bytes */
};

struct vg_pf_scratch {
	hs_scratch_t *hs;
	uint64_t gen; /* the set it was last fitted to; 0 none */
	unsigned char *cand;
	size_t cap;
	bool all; /* a scan failed: every rule of the target runs */
};

static _Atomic uint64_t vg_pf_gen;

/* vg_rules_prefilter_version - Hyperscan's version string */
const char *
vg_rules_prefilter_version(void)
{
	return hs_version();
}

/* vg_pf_target_fini - free one target's database and map */
static void
vg_pf_target_fini(struct vg_pf_target *t)
{
	for (size_t d = 0; d < t->ndbs; d++)
		hs_free_database(t->dbs[d]);
	vg_free(t->dbs);
	vg_free(t->in);
	memset(t, 0, sizeof(*t));
}

/* vg_pf_free - NULL is a no-op */
void
vg_pf_free(struct vg_pf *pf)
{
	if (pf == NULL)
		return;
	for (size_t k = 0; k < VG_RULE_KIND_MAX; k++)
		vg_pf_target_fini(&pf->kinds[k]);
	for (size_t g = 0; g < pf->ngroups; g++)
		vg_pf_target_fini(&pf->groups[g]);
	vg_free(pf->groups);
	vg_free(pf);
}

/* vg_pf_kind - the target of body, rawbody, uri or full rules */
const struct vg_pf_target *
vg_pf_kind(const struct vg_pf *pf, enum vg_rule_kind kind)
{
	if (pf == NULL || pf->kinds[kind].ndbs == 0)
		return NULL;
	return &pf->kinds[kind];
}

/* vg_pf_group - the target of header lookup group g */
const struct vg_pf_target *
vg_pf_group(const struct vg_pf *pf, size_t g)
{
	if (pf == NULL || g >= pf->ngroups || pf->groups[g].ndbs == 0)
		return NULL;
	return &pf->groups[g];
}

/*
 * vg_pf_digits - parse the digits at s[*i] as a repeat count (capped well
 * above any count that matters); false when there are none
 */
static bool
vg_pf_digits(const char *s, size_t *i, unsigned long *out)
{
	size_t j = *i;
	unsigned long v = 0;

	while (s[j] >= '0' && s[j] <= '9') {
		if (v < 1000000)
			v = v * 10 + (unsigned long)(s[j] - '0');
		j++;
	}
	if (j == *i)
		return false;
	*i = j;
	*out = v;
	return true;
}

/*
 * vg_pf_widen - src with every counted repeat of a group, and every other
 * counted repeat that allows more than VG_PF_REPEAT_MAX (x{n,m}, x{n,},
 * x{n} with n or m above it), written as x{min(n, VG_PF_REPEAT_MAX),}.
 * That matches a superset of what src matches, which is all a prefilter
 * needs; and Hyperscan compiles bounded repeats slowly, unbounded ones
 * fast: SpamAssassin's __SPOOFED_URL, with [^>]{0,2048} inside
 * (...){0,99}, took 20 s alone, and __FILL_THIS_FORM_PARTIAL_RAW, a long
 * alternation of groups repeated {0,3} and {1,3}, 46 s alone and 1.9 s
 * with its group repeats widened (measured 2026-12-07, Hyperscan 5.4.0,
 * at load 8).  Escapes, character classes and \Q...\E are copied as they
 * are.  NULL: no memory.  The caller frees the result.
 */
static char *
vg_pf_widen(const char *src)
{
	size_t n = strlen(src), i = 0, o = 0;
	bool cls = false, quote = false, group = false;
	char *out;

	/* "{17}" becomes "{16,}": a rewrite adds at most one byte. */
	if ((out = vg_malloc(2 * n + 1)) == NULL)
		return NULL;
	while (i < n) {
		char c = src[i];
		unsigned long lo = 0, hi = 0;
		bool bounded = false, after_group = group;
		size_t j;

		/* Whether what is copied now closes a group (for the next). */
		group = !quote && !cls && c == ')';

		if (quote) {
			if (c == '\\' && src[i + 1] == 'E') {
				quote = false;
				out[o++] = src[i++];
			}
			out[o++] = src[i++];
			continue;
		}
		if (c == '\\' && i + 1 < n) {
			char e = src[i + 1];

			out[o++] = src[i++];
			out[o++] = src[i++];
			if (e == 'Q')
				quote = true;
			/* \x{..} \o{..} \p{..} \g{..} ...: not a repeat */
			if (src[i] == '{' && strchr("xopPgkN", e) != NULL)
				while (i < n && (out[o++] = src[i++]) != '}')
					;
			continue;
		}
		if (cls) {
			if (c == ']')
				cls = false;
			out[o++] = src[i++];
			continue;
		}
		if (c == '[') {
			cls = true;
			out[o++] = src[i++];
			/* A ] first in a class (after ^) is a member. */
			if (src[i] == '^')
				out[o++] = src[i++];
			if (src[i] == ']')
				out[o++] = src[i++];
			continue;
		}
		j = i + 1;
		if (c != '{' || !vg_pf_digits(src, &j, &lo)) {
			out[o++] = src[i++];
			continue;
		}
		hi = lo;
		if (src[j] == ',') {
			j++;
			bounded = vg_pf_digits(src, &j, &hi);
			if (!bounded)
				hi = (unsigned long)-1;
		}
		if (src[j] != '}' ||
		    (!after_group && lo <= VG_PF_REPEAT_MAX &&
		        hi <= VG_PF_REPEAT_MAX)) {
			out[o++] = src[i++];
			continue;
		}
		o += (size_t)snprintf(out + o, 2 * n + 1 - o, "{%lu,}",
		    lo < VG_PF_REPEAT_MAX ? lo
		                          : (unsigned long)VG_PF_REPEAT_MAX);
		i = j + 1;
	}
	out[o] = '\0';
	return out;
}

/* vg_pf_expr - the Hyperscan expression and flags of rule; NULL: none */
static char *
vg_pf_expr(const struct vg_rule *rule, bool whole_text, unsigned *flags)
{
	char *e, *w;
	size_t n;

	*flags = HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH;
	if (rule->opts & PCRE2_CASELESS)
		*flags |= HS_FLAG_CASELESS;
	if (rule->opts & PCRE2_DOTALL)
		*flags |= HS_FLAG_DOTALL;
	if ((rule->opts & PCRE2_MULTILINE) || whole_text)
		*flags |= HS_FLAG_MULTILINE;
	if ((w = vg_pf_widen(rule->pf_src)) == NULL ||
	    (rule->opts & PCRE2_EXTENDED) == 0)
		return w;
	n = strlen(w);
	if ((e = vg_malloc(n + 5)) != NULL) {
		memcpy(e, "(?x)", 4);
		memcpy(e + 4, w, n + 1);
	}
	vg_free(w);
	return e;
}

/*
 * vg_pf_compile - the m expressions as one more database of t: from the
 * cache pfc if it has it, else compiled when compile is true (and then
 * kept in the cache), else counted in *pending; dropping those Hyperscan
 * refuses (ok[] cleared for them; all of them when the database cannot
 * be had).  0 or VG_ENOMEM.
 */
static int
vg_pf_compile(struct vg_pf_target *t, struct vg_pfc *pfc, bool compile,
    size_t *pending, char **exprs, unsigned *flags, unsigned *ids, bool *ok,
    size_t m, const char *what)
{
	unsigned char key[VG_PFC_KEY_LEN];
	const char **ce = NULL;
	unsigned *cf = NULL, *ci = NULL;
	hs_compile_error_t *err = NULL;
	hs_database_t *db = NULL;
	size_t i, c;
	int tries, rc = VG_ENOMEM;
	bool keyed;

	if ((ce = vg_calloc(m + 1, sizeof(*ce))) == NULL ||
	    (cf = vg_calloc(m + 1, sizeof(*cf))) == NULL ||
	    (ci = vg_calloc(m + 1, sizeof(*ci))) == NULL)
		goto out;
	rc = 0;
	for (tries = 0; tries <= VG_PF_RETRIES; tries++) {
		for (i = c = 0; i < m; i++) {
			if (!ok[i])
				continue;
			ce[c] = exprs[i];
			cf[c] = flags[i];
			ci[c] = ids[i];
			c++;
		}
		if (c == 0)
			goto out;
		keyed = pfc->dir != NULL && vg_pfc_key(key, ce, cf, ci, c) == 0;
		if (keyed && (db = vg_pfc_get(pfc, key)) != NULL) {
			t->dbs[t->ndbs++] = db;
			goto out;
		}
		/* A stopping process compiles no further database. */
		if (!compile || atomic_load(&vg_pf_stopping)) {
			(*pending)++;
			break; /* not in the cache: PCRE2 runs these */
		}
		if (hs_compile_multi(ce, cf, ci, (unsigned)c, HS_MODE_BLOCK,
		        NULL, &db, &err) == HS_SUCCESS) {
			if (keyed)
				vg_pfc_put(pfc, key, db);
			t->dbs[t->ndbs++] = db;
			goto out;
		}
		if (err->expression < 0 || (size_t)err->expression >= c) {
			vg_warn("rules: prefilter: %s: Hyperscan: %s; these "
			        "rules run without it",
			    what, err->message);
			hs_free_compile_error(err);
			break;
		}
		/* Take the refused one out (its index among the ok). */
		for (i = 0; i < m; i++)
			if (ok[i] && ids[i] == ci[err->expression]) {
				ok[i] = false;
				break;
			}
		hs_free_compile_error(err);
		err = NULL;
	}
	if (tries > VG_PF_RETRIES)
		vg_warn("rules: prefilter: %s: more than %d refusals in one "
		        "database; these rules run without it",
		    what, VG_PF_RETRIES);
	for (i = 0; i < m; i++)
		ok[i] = false;
out:
	vg_free(ce);
	vg_free(cf);
	vg_free(ci);
	return rc;
}

/*
 * vg_pf_target_build - the database of the rules order[kind][first ..
 * first + n), from the cache pfc, or compiled if compile is true, else
 * counted in *pending.  0 or VG_ENOMEM; a target Hyperscan refuses runs
 * all.
 */
static int
vg_pf_target_build(struct vg_rules *r, struct vg_pfc *pfc, bool compile,
    size_t *pending, struct vg_pf_target *t, enum vg_rule_kind kind,
    size_t first, size_t n, const char *what)
{
	bool whole = kind == VG_RULE_BODY || kind == VG_RULE_RAWBODY;
	char **exprs = NULL;
	unsigned *flags = NULL, *ids = NULL;
	bool *ok = NULL;
	size_t j, c, nchunk, m = 0;
	int rc = VG_ENOMEM;

	t->first = first;
	t->n = n;
	/* auto, no cache: only where it saves more than its compile costs. */
	if (r->pf_mode == VG_PF_AUTO && pfc->dir == NULL && n < VG_PF_AUTO_MIN)
		return 0;
	if ((t->in = vg_calloc(n + 1, 1)) == NULL ||
	    (exprs = vg_calloc(n + 1, sizeof(*exprs))) == NULL ||
	    (flags = vg_calloc(n + 1, sizeof(*flags))) == NULL ||
	    (ids = vg_calloc(n + 1, sizeof(*ids))) == NULL ||
	    (ok = vg_calloc(n + 1, sizeof(*ok))) == NULL)
		goto out;
	for (j = 0; j < n; j++) {
		struct vg_rule *rule = &r->rules[r->order[kind][first + j]];
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *err = NULL;

		if (rule->pf_src == NULL)
			continue; /* exists: - no regex */
		rule->pf = VG_PF_ALWAYS;
		/* The value a rule sees when its header is absent is its
		 * own; and per-line matching is not what a scan sees. */
		if (rule->if_unset != NULL || (whole && rule->per_line))
			continue;
		if ((exprs[m] = vg_pf_expr(rule, whole, &flags[m])) == NULL)
			goto out;
		if (hs_expression_info(exprs[m], flags[m], &info, &err) !=
		    HS_SUCCESS) {
			vg_debug("rules: %s (%s:%u): Hyperscan refuses it "
			         "(%s); PCRE2 always runs it",
			    rule->name, rule->file, rule->line,
			    err != NULL ? err->message : "?");
			hs_free_compile_error(err);
			vg_free(exprs[m]);
			exprs[m] = NULL;
			continue;
		}
		free(info); /* hs_expression_info uses the C allocator */
		ids[m] = (unsigned)j;
		ok[m] = true;
		m++;
	}
	rc = 0;
	nchunk = (m + VG_PF_CHUNK - 1) / VG_PF_CHUNK;
	if (nchunk > 0 &&
	    (t->dbs = vg_calloc(nchunk, sizeof(*t->dbs))) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	for (c = 0; c < m; c += VG_PF_CHUNK) {
		size_t cn = m - c < VG_PF_CHUNK ? m - c : VG_PF_CHUNK;

		if ((rc = vg_pf_compile(t, pfc, compile, pending, exprs + c,
		         flags + c, ids + c, ok + c, cn, what)) != 0)
			goto out;
	}
	for (j = 0; j < m; j++)
		if (ok[j]) {
			t->in[ids[j]] = 1;
			r->rules[r->order[kind][first + ids[j]]].pf =
			    VG_PF_GATED;
		}
out:
	for (j = 0; exprs != NULL && j < m; j++)
		vg_free(exprs[j]);
	vg_free(exprs);
	vg_free(flags);
	vg_free(ids);
	vg_free(ok);
	return rc;
}

/* vg_pf_account - a target's share of the stats and the largest n */
static void
vg_pf_account(struct vg_rules *r, struct vg_pf *pf, struct vg_pf_target *t)
{
	size_t sz = 0;

	if (t->n > pf->maxn)
		pf->maxn = t->n;
	for (size_t d = 0; d < t->ndbs; d++) {
		r->stats.prefilter_dbs++;
		if (hs_database_size(t->dbs[d], &sz) == HS_SUCCESS)
			r->stats.prefilter_bytes += sz;
	}
}

/* vg_pf_build - compile r's prefilter (see rules_prefilter.h) */
int
vg_pf_build(struct vg_rules *r)
{
	static const enum vg_rule_kind texts[] = {
	    VG_RULE_BODY, VG_RULE_RAWBODY, VG_RULE_URI, VG_RULE_FULL};
	struct vg_pf *pf = NULL;
	struct vg_pfc pfc = {0};
	struct timespec t0, t1;
	size_t i, k, g, pending = 0;
	int rc = 0;
	bool defer = atomic_load(&vg_pf_defer) || atomic_load(&vg_pf_stopping);
	bool compile = !defer &&
	    (r->pf_mode == VG_PF_ON || atomic_load(&vg_pf_auto_build));

	if (r->pf_mode == VG_PF_OFF)
		goto out;
	if (hs_valid_platform() != HS_SUCCESS) {
		vg_warn("rules: prefilter: Hyperscan does not run on this "
		        "CPU (it needs SSSE3); every rule runs through PCRE2");
		goto out;
	}
	if ((rc = vg_pfc_open(&pfc)) != 0)
		goto out;
	/*
	 * A short run compiles nothing, but takes what the cache has; a
	 * deferred load also counts what a later one would compile.
	 */
	if (!compile && !defer && pfc.dir == NULL)
		goto out;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = VG_ENOMEM;
	if ((pf = vg_calloc(1, sizeof(*pf))) == NULL)
		goto out;
	pf->gen = atomic_fetch_add(&vg_pf_gen, 1) + 1;
	for (k = 0; k < VG_NELEM(texts); k++) {
		enum vg_rule_kind kind = texts[k];

		if (r->norder[kind] == 0)
			continue;
		if (vg_pf_target_build(r, &pfc, compile, &pending,
		        &pf->kinds[kind], kind, 0, r->norder[kind],
		        vg_rule_kind_name(kind)) != 0)
			goto out;
		vg_pf_account(r, pf, &pf->kinds[kind]);
	}
	/* Header rules are sorted by group: one database per group. */
	if (r->ngroups > 0 &&
	    (pf->groups = vg_calloc(r->ngroups, sizeof(*pf->groups))) == NULL)
		goto out;
	pf->ngroups = r->ngroups;
	for (i = 0; i < r->norder[VG_RULE_HEADER]; i = k) {
		char what[300];

		g = r->rules[r->order[VG_RULE_HEADER][i]].group;
		for (k = i; k < r->norder[VG_RULE_HEADER] &&
		     r->rules[r->order[VG_RULE_HEADER][k]].group == g;
		     k++)
			;
		snprintf(what, sizeof(what), "header %s",
		    r->groups[g].header != NULL ? r->groups[g].header
		                                : "(special)");
		if (vg_pf_target_build(r, &pfc, compile, &pending,
		        &pf->groups[g], VG_RULE_HEADER, i, k - i, what) != 0)
			goto out;
		vg_pf_account(r, pf, &pf->groups[g]);
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
#ifdef __GLIBC__
	/* Hyperscan's compiler leaves tens of MiB of freed heap that glibc
	 * keeps; give it back (SpamAssassin's set: 65 MiB of RSS before). */
	(void)malloc_trim(0);
#endif
	r->stats.prefilter = true;
	r->stats.prefilter_cached = pfc.hits;
	r->stats.prefilter_pending = pending;
	r->stats.prefilter_compile_s = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	r->pf = pf;
	pf = NULL;
	rc = 0;
out:
	for (i = 0; i < r->nrules; i++) {
		struct vg_rule *rule = &r->rules[i];

		if (rc == 0 && rule->pf == VG_PF_GATED)
			r->stats.prefilter_rules++;
		else if (rc == 0 && rule->pf == VG_PF_ALWAYS)
			r->stats.prefilter_always++;
		vg_free(rule->pf_src);
		rule->pf_src = NULL;
	}
	vg_pf_free(pf);
	vg_pfc_close(&pfc);
	return rc;
}

/* vg_pf_fit_one - grow sc's Hyperscan scratch for t's database */
static int
vg_pf_fit_one(hs_scratch_t **hs, const struct vg_pf_target *t)
{
	/* Only grows: a scratch that already fits is left as it is. */
	for (size_t d = 0; d < t->ndbs; d++)
		if (hs_alloc_scratch(t->dbs[d], hs) != HS_SUCCESS)
			return VG_ENOMEM;
	return 0;
}

/* vg_pf_scratch_fit - make *sc fit pf (see rules_prefilter.h) */
int
vg_pf_scratch_fit(struct vg_pf_scratch **scp, const struct vg_pf *pf)
{
	struct vg_pf_scratch *sc = *scp;
	unsigned char *nc;
	size_t k;

	if (pf == NULL || (sc != NULL && sc->gen == pf->gen))
		return 0;
	if (sc == NULL) {
		if ((sc = vg_calloc(1, sizeof(*sc))) == NULL)
			return VG_ENOMEM;
		*scp = sc;
	}
	if (pf->maxn + 1 > sc->cap) {
		if ((nc = vg_realloc(sc->cand, pf->maxn + 1)) == NULL)
			return VG_ENOMEM;
		sc->cand = nc;
		sc->cap = pf->maxn + 1;
	}
	for (k = 0; k < VG_RULE_KIND_MAX; k++)
		if (vg_pf_fit_one(&sc->hs, &pf->kinds[k]) != 0)
			return VG_ENOMEM;
	for (k = 0; k < pf->ngroups; k++)
		if (vg_pf_fit_one(&sc->hs, &pf->groups[k]) != 0)
			return VG_ENOMEM;
	sc->gen = pf->gen;
	return 0;
}

/* vg_pf_scratch_free - NULL is a no-op */
void
vg_pf_scratch_free(struct vg_pf_scratch *sc)
{
	if (sc == NULL)
		return;
	hs_free_scratch(sc->hs);
	vg_free(sc->cand);
	vg_free(sc);
}

/* vg_pf_begin - forget the candidates */
void
vg_pf_begin(struct vg_pf_scratch *sc, const struct vg_pf_target *t)
{
	if (sc == NULL || t == NULL)
		return;
	memset(sc->cand, 0, t->n);
	sc->all = false;
}

/* vg_pf_on_match - Hyperscan's callback: mark rule id a candidate */
static int
vg_pf_on_match(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *ctx)
{
	(void)from;
	(void)to;
	(void)flags;
	((unsigned char *)ctx)[id] = 1;
	return 0; /* go on: the other rules need their candidates too */
}

/* vg_pf_scan - add the candidates of t found in s[0..len) */
void
vg_pf_scan(struct vg_pf_scratch *sc, const struct vg_pf_target *t,
    const char *s, size_t len)
{
	if (sc == NULL || t == NULL || sc->all)
		return;
	if (len > UINT32_MAX) {
		sc->all = true;
		return;
	}
	for (size_t d = 0; d < t->ndbs; d++)
		if (hs_scan(t->dbs[d], s != NULL ? s : "", (unsigned)len, 0,
		        sc->hs, vg_pf_on_match, sc->cand) != HS_SUCCESS) {
			sc->all = true;
			return;
		}
}

/* vg_pf_maybe - whether rule first + j of t must run PCRE2 */
bool
vg_pf_maybe(
    const struct vg_pf_scratch *sc, const struct vg_pf_target *t, size_t j)
{
	if (sc == NULL || t == NULL || sc->all)
		return true;
	return t->in[j] == 0 || sc->cand[j] != 0;
}

#endif /* VIGIL_HAVE_HYPERSCAN */
