/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_eval - run compiled rules over one message (see rules.h).
 *
 * Rules are grouped by what they read.  Header rules are sorted by header
 * lookup, so each distinct lookup (Subject, From:addr, ALL, ...) is
 * assembled once per message and every rule on it matches that one string.
 * Body and rawbody rules match per paragraph, as SpamAssassin's do, but a
 * paragraph loop costs one PCRE2 call per rule per paragraph; instead each
 * rule first matches the whole text once, compiled with ^ and $ at line
 * ends.  No match there means no paragraph matches (XXX: except patterns
 * whose lookahead would see the next line; lookbehind and \A \z \Z \G
 * patterns always run per paragraph).  A match inside one paragraph is a
 * hit.  Only a match that spans a line break, which a paragraph could not
 * contain, falls back to the per-paragraph loop.
 *
 * Each thread has its own match data, match context and JIT stack, made
 * at its first evaluation and kept until the thread exits (a pthread key's
 * destructor frees them), so calls on one struct vg_rules run
 * concurrently and no message pays for allocating them (issue 13: 3
 * allocations and a 32 KiB mmap per message before).  A match that reaches the
 * match, depth, heap or JIT-stack limit counts as not matched for the rest
 * of the message and is logged once per rule per rules set.
 *
 * With the Hyperscan prefilter (rules_prefilter.c) each text is first
 * scanned once for all of its rules' patterns; a rule whose pattern
 * Hyperscan did not report there cannot match, so PCRE2 skips it.  The
 * loops below keep their order, so hits and symbols come out exactly as
 * without the prefilter.  The thread's Hyperscan scratch lives with its
 * PCRE2 scratch.
 */
#include <pthread.h>
#include <stdio.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "message/hdr.h"
#include "base/log.h"
#include "message/msg.h"
#include "rules/rules_evalfn.h"
#include "rules/rules_int.h"
#include "rules/sa_received.h"
#include "rules/rules_prefilter.h"
#include "rules/symset.h"
#include "rules/symbols.h"
#include "message/text.h"

/* Bytes of one assembled header lookup (ALL on a huge header block). */
#define VG_RULES_HDR_VALUE_MAX (1024u * 1024)
/* JIT stack per call: PCRE2's default 32 KiB grows up to this. */
#define VG_RULES_JIT_STACK_MAX (1024u * 1024)

struct vg_rules_hits {
	size_t n;
	uint16_t *hit; /* hits of each rule (tflags multiple: more than 1) */
};

/* Per-call matching state. */
struct vg_rscratch;
struct vg_rmatch {
	const struct vg_rules *r;
	struct vg_rscratch *sc;
	bool owned; /* sc is this call's own (no thread key) */
	pcre2_match_data *md;
	pcre2_match_context *mc;
	struct vg_pf_scratch *pf; /* the thread's, fitted to r; or NULL */
};

/* vg_rules_required_score - required_score, or the default */
double
vg_rules_required_score(const struct vg_rules *rules)
{
	return rules != NULL ? rules->required : VG_DEF_REQUIRED_SCORE;
}

/* vg_rules_reject_score - reject_score, or the default */
double
vg_rules_reject_score(const struct vg_rules *rules)
{
	return rules != NULL ? rules->reject : VG_DEF_REJECT_SCORE;
}

/* vg_rules_autolearn_spam - autolearn_spam_score, or reject_score + 5 */
double
vg_rules_autolearn_spam(const struct vg_rules *rules)
{
	if (rules == NULL || isnan(rules->autolearn_spam))
		return vg_rules_reject_score(rules) +
		    VG_DEF_AUTOLEARN_SPAM_MARGIN;
	return rules->autolearn_spam;
}

/* vg_rules_reputation_ham - reputation_ham_score, or the default */
double
vg_rules_reputation_ham(const struct vg_rules *rules)
{
	if (rules == NULL || isnan(rules->reputation_ham))
		return VG_DEF_REPUTATION_HAM;
	return rules->reputation_ham;
}

/* vg_rules_autolearn_ham - autolearn_ham_score, or the default */
double
vg_rules_autolearn_ham(const struct vg_rules *rules)
{
	if (rules == NULL || isnan(rules->autolearn_ham))
		return VG_DEF_AUTOLEARN_HAM;
	return rules->autolearn_ham;
}

/* vg_rules_headers - the ham or spam list of X-Spam-* templates */
const struct vg_rules_hdr *
vg_rules_headers(const struct vg_rules *rules, bool spam, size_t *n_out)
{
	*n_out = rules != NULL ? rules->nhdrs[spam ? 1 : 0] : 0;
	return rules != NULL ? rules->hdrs[spam ? 1 : 0] : NULL;
}

/* vg_rules_subject_tag - prefix for tagged subjects, "" = none */
const char *
vg_rules_subject_tag(const struct vg_rules *rules)
{
	if (rules == NULL || rules->subject_tag == NULL)
		return "";
	return rules->subject_tag;
}

/* vg_rules_score - the score the file gives symbol, or def */
double
vg_rules_score(const struct vg_rules *rules, const char *symbol, double def)
{
	const struct vg_rname *e = vg_rules_name_find(rules, symbol);

	if (e == NULL)
		return def;
	if (e->rule >= 0)
		return rules->rules[e->rule].score;
	return e->has_score ? e->score : def;
}

/* vg_rules_describe - the describe text of a rule or symbol, or NULL */
const char *
vg_rules_describe(const struct vg_rules *r, const char *name)
{
	const struct vg_rname *e = vg_rules_name_find(r, name);
	const struct vg_symbol_info *sym;

	if (e != NULL && e->describe != NULL)
		return e->describe;
	/* A built-in symbol the file does not describe: the table's text. */
	sym = vg_symbols_find(name);
	return sym != NULL ? sym->describe : NULL;
}

/* vg_rules_stats - counts for `vigil rules check` */
void
vg_rules_stats(const struct vg_rules *r, struct vg_rules_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (r == NULL)
		return;
	*out = r->stats;
	out->limit_rules =
	    atomic_load(&((struct vg_rules *)(uintptr_t)r)->limit_rules);
}

/* vg_rules_dnsbl_count - dnsbl and uribl declarations */
size_t
vg_rules_dnsbl_count(const struct vg_rules *r)
{
	return r != NULL ? r->ndnsbls : 0;
}

/* vg_rules_uribl_skip_count - uridnsbl_skip_domain entries */
size_t
vg_rules_uribl_skip_count(const struct vg_rules *r)
{
	return r != NULL ? r->nuriskip : 0;
}

/* vg_rules_uribl_skip - the i-th, or NULL past the end */
const char *
vg_rules_uribl_skip(const struct vg_rules *r, size_t i)
{
	return r != NULL && i < r->nuriskip ? r->uriskip[i] : NULL;
}

/* vg_rules_dnsbl - the i-th declaration, or NULL past the end */
const struct vg_rules_dnsbl *
vg_rules_dnsbl(const struct vg_rules *r, size_t i)
{
	return r != NULL && i < r->ndnsbls ? &r->dnsbls[i] : NULL;
}

/* vg_rules_count - rules slots (dead ones report kind but never hit) */
size_t
vg_rules_count(const struct vg_rules *r)
{
	return r != NULL ? r->nrules : 0;
}

/* vg_rules_name - name of rule i */
const char *
vg_rules_name(const struct vg_rules *r, size_t i)
{
	return r->rules[i].name;
}

/* vg_rules_kind - kind of rule i */
enum vg_rule_kind
vg_rules_kind(const struct vg_rules *r, size_t i)
{
	return r->rules[i].kind;
}

/* vg_rules_hits_new - all-clear hit state for r */
int
vg_rules_hits_new(struct vg_rules_hits **out, const struct vg_rules *r)
{
	struct vg_rules_hits *h;

	*out = NULL;
	if ((h = vg_calloc(1, sizeof(*h))) == NULL)
		return VG_ENOMEM;
	h->n = r != NULL ? r->nrules : 0;
	if ((h->hit = vg_calloc(h->n + 1, sizeof(*h->hit))) == NULL) {
		vg_free(h);
		return VG_ENOMEM;
	}
	*out = h;
	return 0;
}

/* vg_rules_hits_free - NULL is a no-op */
void
vg_rules_hits_free(struct vg_rules_hits *hits)
{
	if (hits == NULL)
		return;
	vg_free(hits->hit);
	vg_free(hits);
}

/* vg_rules_hit - whether rule i hit */
bool
vg_rules_hit(const struct vg_rules_hits *hits, size_t i)
{
	return hits != NULL && i < hits->n && hits->hit[i] != 0;
}

/* vg_rules_hit_count - how many times rule i hit */
unsigned
vg_rules_hit_count(const struct vg_rules_hits *hits, size_t i)
{
	return hits != NULL && i < hits->n ? hits->hit[i] : 0;
}

/* The calling thread's matching scratch (see the header comment). */
struct vg_rscratch {
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *js;
	struct vg_pf_scratch *pf; /* Hyperscan's, made at first need */
};

static pthread_key_t vg_rscratch_key;
static pthread_once_t vg_rscratch_once = PTHREAD_ONCE_INIT;
static int vg_rscratch_key_rc;
static atomic_size_t vg_rscratch_nlive;

/* vg_rules_scratch_live - scratches alive in the process (for tests) */
size_t
vg_rules_scratch_live(void)
{
	return atomic_load(&vg_rscratch_nlive);
}

/* vg_rscratch_free - free one thread's scratch (also the key destructor) */
static void
vg_rscratch_free(void *p)
{
	struct vg_rscratch *sc = p;

	if (sc == NULL)
		return;
	pcre2_match_data_free(sc->md);
	pcre2_match_context_free(sc->mc);
	pcre2_jit_stack_free(sc->js);
	vg_pf_scratch_free(sc->pf);
	vg_free(sc);
	atomic_fetch_sub(&vg_rscratch_nlive, 1);
}

static void
vg_rscratch_key_init(void)
{
	vg_rscratch_key_rc =
	    pthread_key_create(&vg_rscratch_key, vg_rscratch_free);
}

/* vg_rscratch_new - a scratch, owned by the caller (vg_rscratch_free) */
static struct vg_rscratch *
vg_rscratch_new(void)
{
	struct vg_rscratch *sc = vg_calloc(1, sizeof(*sc));

	if (sc == NULL)
		return NULL;
	atomic_fetch_add(&vg_rscratch_nlive, 1);
	/* One pair is enough: only where the match lies is read. */
	if ((sc->md = pcre2_match_data_create(1, NULL)) == NULL ||
	    (sc->mc = pcre2_match_context_create(NULL)) == NULL) {
		vg_rscratch_free(sc);
		return NULL;
	}
	/* Without a JIT stack, JIT runs on 32 KiB of machine stack. */
	sc->js =
	    pcre2_jit_stack_create(32 * 1024, VG_RULES_JIT_STACK_MAX, NULL);
	if (sc->js != NULL)
		pcre2_jit_stack_assign(sc->mc, NULL, sc->js);
	return sc;
}

/*
 * vg_rscratch_get - the calling thread's scratch, made on its first call;
 * NULL when out of memory.  *owned says the caller must free it: only
 * when the thread key could not be made, then each call has its own.
 */
static struct vg_rscratch *
vg_rscratch_get(bool *owned)
{
	struct vg_rscratch *sc;

	*owned = false;
	if (pthread_once(&vg_rscratch_once, vg_rscratch_key_init) != 0 ||
	    vg_rscratch_key_rc != 0) {
		*owned = true;
		return vg_rscratch_new();
	}
	if ((sc = pthread_getspecific(vg_rscratch_key)) != NULL)
		return sc;
	if ((sc = vg_rscratch_new()) == NULL)
		return NULL;
	if (pthread_setspecific(vg_rscratch_key, sc) != 0)
		*owned = true;
	return sc;
}

/* vg_rmatch_init - the thread's matching scratch, with r's limits */
static int
vg_rmatch_init(struct vg_rmatch *m, const struct vg_rules *r)
{
	memset(m, 0, sizeof(*m));
	m->r = r;
	if ((m->sc = vg_rscratch_get(&m->owned)) == NULL)
		return VG_ENOMEM;
	m->md = m->sc->md;
	m->mc = m->sc->mc;
	/* Grown only when a rules set needs more than the thread has. */
	if (vg_pf_scratch_fit(&m->sc->pf, r->pf) != 0)
		return VG_ENOMEM;
	m->pf = r->pf != NULL ? m->sc->pf : NULL;
	/* Each rules set has its own limits: set them on every call. */
	pcre2_set_match_limit(m->mc, r->match_limit);
	pcre2_set_depth_limit(m->mc, r->depth_limit);
	return 0;
}

/* vg_rmatch_fini - give the scratch back (freed only if it was owned) */
static void
vg_rmatch_fini(struct vg_rmatch *m)
{
	if (m->owned)
		vg_rscratch_free(m->sc);
	m->sc = NULL;
}

/* vg_rules_limit_hit - log, once per rule, that it reached a limit */
static void
vg_rules_limit_hit(
    const struct vg_rules *r, const struct vg_rule *rule, int code)
{
	struct vg_rule *w = (struct vg_rule *)(uintptr_t)rule;
	struct vg_rules *wr = (struct vg_rules *)(uintptr_t)r;
	PCRE2_UCHAR msg[128];

	if (atomic_exchange(&w->limit_logged, true))
		return;
	atomic_fetch_add(&wr->limit_rules, 1);
	pcre2_get_error_message(code, msg, sizeof(msg));
	vg_warn("rules: %s (%s:%u) stopped at a regex limit (%s); "
	        "it counts as not matched",
	    rule->name, rule->file, rule->line, (const char *)msg);
}

/*
 * vg_rmatch_run - match re over s[0..len).  1 match (with *so, *eo set
 * when not NULL), 0 no match, -1 a limit was reached (already logged).
 */
static int
vg_rmatch_run(struct vg_rmatch *m, const struct vg_rule *rule,
    const pcre2_code *re, const char *s, size_t len, size_t *so, size_t *eo)
{
	PCRE2_SIZE *ov;
	int rc;

	rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, m->md, m->mc);
	if (rc >= 0) {
		ov = pcre2_get_ovector_pointer(m->md);
		if (so != NULL)
			*so = ov[0];
		if (eo != NULL)
			*eo = ov[1];
		return 1;
	}
	switch (rc) {
	case PCRE2_ERROR_MATCHLIMIT:
	case PCRE2_ERROR_DEPTHLIMIT:
	case PCRE2_ERROR_HEAPLIMIT:
	case PCRE2_ERROR_JIT_STACKLIMIT:
	case PCRE2_ERROR_NOMEMORY:
		vg_rules_limit_hit(m->r, rule, rc);
		return -1;
	default:
		return 0;
	}
}

/*
 * vg_rules_record - note n hits of rule i (1, or more for a tflags
 * multiple rule, capped by its maxhits); add it to out when it scores,
 * its score times n as SpamAssassin adds a multiple rule's score per hit
 */
static int
vg_rules_record(const struct vg_rules *r, size_t i, unsigned n,
    struct vg_rules_hits *hits, struct vg_symset *out)
{
	const struct vg_rule *rule = &r->rules[i];

	if (n == 0)
		return 0;
	if (n > rule->maxhits)
		n = rule->maxhits;
	if (hits != NULL && i < hits->n)
		hits->hit[i] = (uint16_t)n;
	if (rule->sub || rule->score == 0)
		return 0;
	return vg_symset_add(out, rule->name, rule->score * n, NULL);
}

/*
 * vg_rmatch_count - count the matches of re in s[0..len) one after the
 * other, as Perl's while (/re/g) does, up to max; 0 when none, -1 when a
 * limit stopped the first match (later, the count so far).  An empty
 * match moves on by one character.
 */
static int
vg_rmatch_count(struct vg_rmatch *m, const struct vg_rule *rule,
    const pcre2_code *re, const char *s, size_t len, unsigned max)
{
	size_t pos = 0;
	unsigned n = 0;

	while (n < max && pos <= len) {
		PCRE2_SIZE *ov;
		int rc =
		    pcre2_match(re, (PCRE2_SPTR)s, len, pos, 0, m->md, m->mc);

		if (rc < 0) {
			if (rc == PCRE2_ERROR_MATCHLIMIT ||
			    rc == PCRE2_ERROR_DEPTHLIMIT ||
			    rc == PCRE2_ERROR_HEAPLIMIT ||
			    rc == PCRE2_ERROR_JIT_STACKLIMIT ||
			    rc == PCRE2_ERROR_NOMEMORY) {
				vg_rules_limit_hit(m->r, rule, rc);
				return n > 0 ? (int)n : -1;
			}
			break;
		}
		ov = pcre2_get_ovector_pointer(m->md);
		n++;
		if (ov[1] > ov[0]) {
			pos = ov[1];
			continue;
		}
		/* Empty: the next character, not inside a UTF-8 sequence. */
		pos = ov[1] + 1;
		while (pos < len && ((unsigned char)s[pos] & 0xC0) == 0x80)
			pos++;
	}
	return (int)n;
}

/*
 * vg_rules_lines - match per line of text, each line with its "\n" as
 * SpamAssassin's body lines keep it (so /!\s$/ matches "Answer!\n"); no
 * empty line after the last "\n".  1, 0 or -1 as vg_rmatch_run.
 */
static int
vg_rules_lines(struct vg_rmatch *m, const struct vg_rule *rule,
    const char *text, size_t len)
{
	size_t pos = 0;
	int rc;

	do {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n =
		    nl != NULL ? (size_t)(nl - (text + pos)) + 1 : len - pos;

		rc =
		    vg_rmatch_run(m, rule, rule->re, text + pos, n, NULL, NULL);
		if (rc != 0)
			return rc;
		pos += n;
	} while (pos < len);
	return 0;
}

/* SpamAssassin's MAX_BODY_LINE_LENGTH: rawbody chunks are 1-2 of these. */
#define VG_RULES_RAW_CHUNK 2048

/*
 * vg_rules_chunk_end - the end (one past) of the rawbody chunk starting at
 * ofs, as SpamAssassin's split_into_array_of_short_paragraphs cuts: the
 * rest when it is at most two chunk lengths, else just after the first
 * newline, else '>', else blank at or after one chunk length that keeps the
 * chunk within two, else at one chunk length exactly.
 */
static size_t
vg_rules_chunk_end(const char *text, size_t len, size_t ofs)
{
	static const char cut[] = {'\n', '>', ' '};
	size_t from = ofs + VG_RULES_RAW_CHUNK;

	if (len - ofs <= 2 * VG_RULES_RAW_CHUNK)
		return len;
	for (size_t k = 0; k < sizeof(cut); k++) {
		const char *j = memchr(text + from, cut[k], len - from);

		if (j != NULL &&
		    (size_t)(j - text) - ofs + 1 <= 2 * VG_RULES_RAW_CHUNK)
			return (size_t)(j - text) + 1;
	}
	return from + 1;
}

/*
 * vg_rules_chunks - a rawbody rule per chunk of 2-4 KiB, as SpamAssassin
 * matches rawbody (a tag may span lines); 1, 0 or -1 as vg_rmatch_run.
 * XXX SpamAssassin chunks each text part on its own; Vigil's rawbody holds
 * the parts one after another, so a chunk may straddle two of them.
 */
static int
vg_rules_chunks(struct vg_rmatch *m, const struct vg_rule *rule,
    const char *text, size_t len)
{
	size_t ofs = 0, end;
	int rc;

	do {
		end = vg_rules_chunk_end(text, len, ofs);
		rc = vg_rmatch_run(
		    m, rule, rule->re, text + ofs, end - ofs, NULL, NULL);
		if (rc != 0)
			return rc;
		ofs = end;
	} while (ofs < len);
	return 0;
}

/* vg_rules_text_rule - one body/rawbody rule over its text (see top) */
static int
vg_rules_text_rule(struct vg_rmatch *m, const struct vg_rule *rule,
    const char *text, size_t len)
{
	const pcre2_code *whole;
	size_t so = 0, eo = 0;
	int rc;

	if (rule->per_line)
		return rule->kind == VG_RULE_RAWBODY
		    ? vg_rules_chunks(m, rule, text, len)
		    : vg_rules_lines(m, rule, text, len);
	whole = rule->re_ml != NULL ? rule->re_ml : rule->re;
	rc = vg_rmatch_run(m, rule, whole, text, len, &so, &eo);
	if (rc <= 0)
		return rc;
	if (eo >= so && memchr(text + so, '\n', eo - so) == NULL)
		return 1;
	/* A rawbody match across lines: SpamAssassin's chunks hold many. */
	if (rule->kind == VG_RULE_RAWBODY)
		return vg_rules_chunks(m, rule, text, len);
	return vg_rules_lines(m, rule, text, len);
}

/*
 * vg_rules_text_count - the hits of a tflags multiple body or rawbody
 * rule that matched: every match in every paragraph (body) or chunk
 * (rawbody), as SpamAssassin counts, up to the rule's maxhits; at least
 * 1 (the caller saw it match).
 */
static unsigned
vg_rules_text_count(struct vg_rmatch *m, const struct vg_rule *rule,
    const char *text, size_t len)
{
	size_t pos = 0, end;
	unsigned n = 0;
	int c;

	while (pos <= len && n < rule->maxhits) {
		if (rule->kind == VG_RULE_RAWBODY) {
			end = vg_rules_chunk_end(text, len, pos);
		} else {
			/* a line with its "\n", as vg_rules_lines() */
			const char *nl = memchr(text + pos, '\n', len - pos);

			end = nl != NULL ? (size_t)(nl - text) + 1 : len;
		}
		c = vg_rmatch_count(m, rule, rule->re, text + pos, end - pos,
		    rule->maxhits - n);
		if (c > 0)
			n += (unsigned)c;
		if (end >= len)
			break;
		pos = end;
	}
	return n > 0 ? n : 1;
}

/*
 * vg_rules_put - append what fits of s[0..len) to b; VG_ELIMIT when it was
 * cut (the lookup then keeps its first VG_RULES_HDR_VALUE_MAX bytes),
 * VG_ENOMEM
 */
static int
vg_rules_put(struct vg_buf *b, const char *s, size_t len)
{
	size_t room = b->max - b->len;
	int rc;

	if (len <= room)
		return vg_buf_append(b, s, len);
	if ((rc = vg_buf_append(b, s, room)) != 0)
		return rc;
	return VG_ELIMIT;
}

/*
 * vg_rules_addr_part - the address or display name of the first mailbox,
 * parsed by hdr.c (quotes, comments, groups, source routes) so the rules
 * and the rest of the engine read addresses one way.
 */
static int
vg_rules_addr_part(struct vg_buf *b, const char *v, enum vg_hdr_part part)
{
	size_t len = strlen(v);

	return part == VG_HDR_ADDR ? vg_hdr_addr(b, v, len, 0, NULL)
	                           : vg_hdr_name(b, v, len, 0, NULL);
}

/* vg_rules_hdr_append - one header's contribution to a lookup */
static int
vg_rules_hdr_append(struct vg_buf *b, const struct vg_text_header *h,
    enum vg_hdr_part part, bool with_name)
{
	bool raw = part == VG_HDR_RAW || part == VG_HDR_ADDR_RAW ||
	    part == VG_HDR_NAME_RAW;
	const char *v = raw ? h->raw : h->value;
	int rc = 0;

	if (v == NULL)
		v = "";
	if (b->len > 0)
		rc = vg_rules_put(b, "\n", 1);
	if (rc == 0 && with_name) {
		rc = vg_rules_put(b, h->name, strlen(h->name));
		if (rc == 0)
			rc = vg_rules_put(b, ": ", 2);
	}
	if (rc != 0)
		return rc;
	if (part == VG_HDR_ADDR || part == VG_HDR_ADDR_RAW)
		return vg_rules_addr_part(b, v, VG_HDR_ADDR);
	if (part == VG_HDR_NAME || part == VG_HDR_NAME_RAW)
		return vg_rules_addr_part(b, v, VG_HDR_NAME);
	return vg_rules_put(b, v, strlen(v));
}

/*
 * vg_rules_relays_value - SpamAssassin's X-Spam-Relays-KIND of rl (kind
 * as vg_sa_relays_header()) into b; NULL rl (out of memory) is VG_ENOMEM
 */
static int
vg_rules_relays_value(struct vg_buf *b, const struct vg_sa_relays *rl, int kind)
{
	int rc = 0;

	if (rl == NULL)
		return VG_ENOMEM;
	const size_t *idx[4] = {
	    rl->trusted, rl->untrusted, rl->internal, rl->external};
	const size_t cnt[4] = {
	    rl->ntrusted, rl->nuntrusted, rl->ninternal, rl->nexternal};

	for (size_t i = 0; i < cnt[kind] && rc == 0; i++) {
		char one[VG_SA_RCVD_FIELD_MAX * 9];

		if (!vg_sa_relay_string(
		        &rl->relay[idx[kind][i]], one, sizeof(one)))
			break;
		if (i > 0)
			rc = vg_rules_put(b, " ", 1);
		if (rc == 0)
			rc = vg_rules_put(b, one, strlen(one));
	}
	return rc;
}

/*
 * vg_rules_hdr_value - assemble one header lookup into b; *present says
 * whether any header contributed.  A value past VG_RULES_HDR_VALUE_MAX is
 * cut there (the rules see the first megabyte).  VG_ENOMEM only.
 */
static int
vg_rules_hdr_value(struct vg_buf *b, bool *present,
    const struct vg_hdr_group *g, const struct vg_msg *msg,
    const struct vg_text *text, const struct vg_rules *r,
    struct vg_sa_relays **rl)
{
	static const char *const msgid[] = {
	    "Message-Id", "Resent-Message-Id", "X-Message-Id"};
	size_t i, k;
	int rc = 0;

	vg_buf_reset(b);
	*present = false;
	if (g->special >= VG_HDR_RELAYS_TRUSTED &&
	    g->special <= VG_HDR_RELAYS_EXTERNAL) {
		/* SpamAssassin always has these: "" when no relay. */
		*present = true;
		if (msg == NULL)
			return 0;
		rc = vg_rules_relays_value(b, vg_sa_relays_get(rl, r, msg),
		    (int)(g->special - VG_HDR_RELAYS_TRUSTED));
		return rc == VG_ELIMIT ? 0 : rc;
	}
	if (g->special == VG_HDR_ENVFROM) {
		const char *f = msg != NULL ? vg_msg_from(msg) : "";

		*present = *f != '\0';
		rc = vg_rules_put(b, f, strlen(f));
		return rc == VG_ELIMIT ? 0 : rc;
	}
	if (text == NULL)
		return 0;
	for (i = 0; i < text->nheaders && rc == 0; i++) {
		const struct vg_text_header *h = &text->headers[i];
		bool take = false;

		switch (g->special) {
		case VG_HDR_NAMED:
			take = strcasecmp(h->name, g->header) == 0;
			break;
		case VG_HDR_ALL:
			take = true;
			break;
		case VG_HDR_TOCC:
			take = strcasecmp(h->name, "To") == 0 ||
			    strcasecmp(h->name, "Cc") == 0;
			break;
		case VG_HDR_MESSAGEID:
			for (k = 0; k < VG_NELEM(msgid); k++)
				if (strcasecmp(h->name, msgid[k]) == 0)
					take = true;
			break;
		case VG_HDR_ENVFROM:
		case VG_HDR_RELAYS_TRUSTED:
		case VG_HDR_RELAYS_UNTRUSTED:
		case VG_HDR_RELAYS_INTERNAL:
		case VG_HDR_RELAYS_EXTERNAL:
			break;
		}
		if (!take)
			continue;
		*present = true;
		rc = vg_rules_hdr_append(
		    b, h, g->part, g->special == VG_HDR_ALL);
	}
	return rc == VG_ELIMIT ? 0 : rc;
}

/* vg_rules_eval_headers - every header rule, one lookup per group */
static int
vg_rules_eval_headers(struct vg_rmatch *m, const struct vg_msg *msg,
    const struct vg_text *text, struct vg_rules_hits *hits,
    struct vg_symset *out, struct vg_sa_relays **relays)
{
	const struct vg_rules *r = m->r;
	const struct vg_pf_target *t = NULL;
	struct vg_buf b;
	size_t k, cur = (size_t)-1;
	bool present = false;
	int rc = 0;

	vg_buf_init(&b, VG_RULES_HDR_VALUE_MAX);
	for (k = 0; k < r->norder[VG_RULE_HEADER] && rc == 0; k++) {
		size_t i = r->order[VG_RULE_HEADER][k];
		const struct vg_rule *rule = &r->rules[i];
		const char *v;
		size_t vlen;
		int mr;

		if (rule->group != cur) {
			cur = rule->group;
			rc = vg_rules_hdr_value(&b, &present, &r->groups[cur],
			    msg, text, r, relays);
			if (rc != 0)
				break;
			/* Rules with if-unset are never gated: "" is right. */
			t = vg_pf_group(r->pf, cur);
			vg_pf_begin(m->pf, t);
			vg_pf_scan(m->pf, t, present ? vg_buf_cstr(&b) : "",
			    present ? b.len : 0);
		}
		if (rule->exists) {
			if (present)
				rc = vg_rules_record(r, i, 1, hits, out);
			continue;
		}
		if (present) {
			v = vg_buf_cstr(&b);
			vlen = b.len;
		} else {
			v = rule->if_unset != NULL ? rule->if_unset : "";
			vlen = strlen(v);
		}
		if (t != NULL && !vg_pf_maybe(m->pf, t, k - t->first))
			mr = 0;
		else
			mr = vg_rmatch_run(
			    m, rule, rule->re, v, vlen, NULL, NULL);
		if (mr < 0)
			continue;
		/* tflags multiple: every match of the value is a hit. */
		if (mr == 1 && !rule->negate && rule->maxhits > 1)
			mr = vg_rmatch_count(
			    m, rule, rule->re, v, vlen, rule->maxhits);
		if (mr > 0 && !rule->negate)
			rc = vg_rules_record(r, i, (unsigned)mr, hits, out);
		else if (mr == 0 && rule->negate)
			rc = vg_rules_record(r, i, 1, hits, out);
	}
	vg_buf_fini(&b);
	return rc;
}

/*
 * vg_rules_eval_text - the body or rawbody rules over their text, PCRE2
 * only for the prefilter's candidates
 */
static int
vg_rules_eval_text(struct vg_rmatch *m, enum vg_rule_kind kind, const char *s,
    size_t len, struct vg_rules_hits *hits, struct vg_symset *out)
{
	const struct vg_rules *r = m->r;
	const struct vg_pf_target *t = vg_pf_kind(r->pf, kind);
	size_t k;
	unsigned n;
	int rc;

	if (s == NULL || r->norder[kind] == 0)
		return 0;
	vg_pf_begin(m->pf, t);
	vg_pf_scan(m->pf, t, s, len);
	for (k = 0; k < r->norder[kind]; k++) {
		size_t i = r->order[kind][k];

		if (!vg_pf_maybe(m->pf, t, k))
			continue;
		if (vg_rules_text_rule(m, &r->rules[i], s, len) != 1)
			continue;
		n = 1;
		if (r->rules[i].maxhits > 1)
			n = vg_rules_text_count(m, &r->rules[i], s, len);
		if ((rc = vg_rules_record(r, i, n, hits, out)) != 0)
			return rc;
	}
	return 0;
}

/* vg_rules_eval_uris - each uri rule over every URI until one matches */
static int
vg_rules_eval_uris(struct vg_rmatch *m, const struct vg_text *text,
    struct vg_rules_hits *hits, struct vg_symset *out)
{
	const struct vg_rules *r = m->r;
	const struct vg_pf_target *t = vg_pf_kind(r->pf, VG_RULE_URI);
	size_t k, u;
	int rc;

	if (r->norder[VG_RULE_URI] == 0 || text->nuris == 0)
		return 0;
	/* One scan per URI; a candidate of any URI runs on all of them. */
	vg_pf_begin(m->pf, t);
	for (u = 0; u < text->nuris; u++)
		vg_pf_scan(m->pf, t, text->uris[u], strlen(text->uris[u]));
	for (k = 0; k < r->norder[VG_RULE_URI]; k++) {
		size_t i = r->order[VG_RULE_URI][k];

		const struct vg_rule *rule = &r->rules[i];
		unsigned n = 0;

		if (!vg_pf_maybe(m->pf, t, k))
			continue;
		/* The first URI that matches; tflags multiple: every match
		 * in every URI, up to maxhits. */
		for (u = 0; u < text->nuris && n < rule->maxhits; u++) {
			const char *uri = text->uris[u];
			int mr = rule->maxhits > 1
			    ? vg_rmatch_count(m, rule, rule->re, uri,
			          strlen(uri), rule->maxhits - n)
			    : vg_rmatch_run(m, rule, rule->re, uri, strlen(uri),
			          NULL, NULL);

			if (mr < 0)
				break;
			n += (unsigned)mr;
		}
		if ((rc = vg_rules_record(r, i, n, hits, out)) != 0)
			return rc;
	}
	return 0;
}

/* vg_rules_eval_full - the full rules over the raw message */
static int
vg_rules_eval_full(struct vg_rmatch *m, const struct vg_msg *msg,
    struct vg_rules_hits *hits, struct vg_symset *out)
{
	const struct vg_rules *r = m->r;
	const struct vg_pf_target *t = vg_pf_kind(r->pf, VG_RULE_FULL);
	const unsigned char *raw;
	size_t k, len = 0;
	int rc;

	if (msg == NULL || r->norder[VG_RULE_FULL] == 0)
		return 0;
	if ((raw = vg_msg_raw(msg, &len)) == NULL)
		return 0;
	vg_pf_begin(m->pf, t);
	vg_pf_scan(m->pf, t, (const char *)raw, len);
	for (k = 0; k < r->norder[VG_RULE_FULL]; k++) {
		size_t i = r->order[VG_RULE_FULL][k];

		const struct vg_rule *rule = &r->rules[i];
		int mr;

		if (!vg_pf_maybe(m->pf, t, k))
			continue;
		mr = rule->maxhits > 1
		    ? vg_rmatch_count(m, rule, rule->re, (const char *)raw, len,
		          rule->maxhits)
		    : vg_rmatch_run(m, rule, rule->re, (const char *)raw, len,
		          NULL, NULL);
		if (mr > 0 &&
		    (rc = vg_rules_record(r, i, (unsigned)mr, hits, out)) != 0)
			return rc;
	}
	return 0;
}

/* vg_rules_eval - run the non-meta rules over one message */
int
vg_rules_eval(const struct vg_rules *r, const struct vg_msg *msg,
    const struct vg_text *text, struct vg_rules_hits *hits,
    struct vg_symset *out)
{
	struct vg_rmatch m;
	/* SpamAssassin's relays, parsed once for pseudo-headers and evals */
	struct vg_sa_relays *relays = NULL;
	int rc;

	if (r == NULL)
		return 0;
	if ((rc = vg_rmatch_init(&m, r)) != 0)
		goto out;
	if ((rc = vg_rules_eval_headers(&m, msg, text, hits, out, &relays)) !=
	    0)
		goto out;
	/* SpamAssassin's eval: tests (rules_evalfn.c). */
	if ((rc = vg_rules_eval_sa(r, msg, text, hits, out, vg_rules_record,
	         &relays, m.md, m.mc)) != 0)
		goto out;
	if (text != NULL &&
	    ((rc = vg_rules_eval_text(&m, VG_RULE_BODY, text->body,
	          text->body_len, hits, out)) != 0 ||
	        (rc = vg_rules_eval_text(&m, VG_RULE_RAWBODY, text->rawbody,
	             text->rawbody_len, hits, out)) != 0 ||
	        (rc = vg_rules_eval_uris(&m, text, hits, out)) != 0))
		goto out;
	rc = vg_rules_eval_full(&m, msg, hits, out);
out:
	vg_rmatch_fini(&m);
	vg_free(relays);
	return rc;
}

/* vg_rules_meta_value - the value of one meta rule */
static double
vg_rules_meta_value(const struct vg_rules *r, const struct vg_rule *rule,
    const struct vg_rules_hits *hits, const struct vg_symset *out)
{
	double st[VG_RULES_META_MAX_TOKENS];
	size_t sp = 0, k;

	for (k = 0; k < rule->nrpn; k++) {
		const struct vg_meta_tok *t = &rule->rpn[k];
		double a, b;

		switch (t->op) {
		case VG_META_NUM:
			st[sp++] = t->num;
			continue;
		case VG_META_RULE:
			/* A tflags multiple rule: its count of hits. */
			if (hits != NULL)
				st[sp++] = vg_rules_hit_count(hits, t->rule);
			else
				st[sp++] =
				    vg_symset_has(out, r->rules[t->rule].name)
				    ? 1
				    : 0;
			continue;
		case VG_META_SYM:
			st[sp++] = vg_symset_has(out, t->name) ? 1 : 0;
			continue;
		case VG_META_NOT:
			st[sp - 1] = st[sp - 1] == 0 ? 1 : 0;
			continue;
		case VG_META_NEG:
			st[sp - 1] = -st[sp - 1];
			continue;
		case VG_META_ADD:
		case VG_META_SUB:
		case VG_META_MUL:
		case VG_META_DIV:
		case VG_META_LT:
		case VG_META_LE:
		case VG_META_GT:
		case VG_META_GE:
		case VG_META_EQ:
		case VG_META_NE:
		case VG_META_AND:
		case VG_META_OR:
			break;
		}
		/* The parser emits binary operators after two operands. */
		b = st[--sp];
		a = st[sp - 1];
		switch (t->op) {
		case VG_META_ADD:
			a = a + b;
			break;
		case VG_META_SUB:
			a = a - b;
			break;
		case VG_META_MUL:
			a = a * b;
			break;
		case VG_META_DIV:
			a = b != 0 ? a / b : 0;
			break;
		case VG_META_LT:
			a = a < b;
			break;
		case VG_META_LE:
			a = a <= b;
			break;
		case VG_META_GT:
			a = a > b;
			break;
		case VG_META_GE:
			a = a >= b;
			break;
		case VG_META_EQ:
			a = a == b;
			break;
		case VG_META_NE:
			a = a != b;
			break;
		case VG_META_AND:
			a = a != 0 && b != 0;
			break;
		case VG_META_OR:
			a = a != 0 || b != 0;
			break;
		case VG_META_NUM:
		case VG_META_RULE:
		case VG_META_SYM:
		case VG_META_NOT:
		case VG_META_NEG:
			break;
		}
		st[sp - 1] = a;
	}
	return sp == 1 ? st[0] : 0;
}

/* vg_rules_eval_meta - run the meta rules in dependency order */
int
vg_rules_eval_meta(
    const struct vg_rules *r, struct vg_rules_hits *hits, struct vg_symset *out)
{
	size_t k;
	int rc;

	if (r == NULL)
		return 0;
	for (k = 0; k < r->norder[VG_RULE_META]; k++) {
		size_t i = r->order[VG_RULE_META][k];

		if (vg_rules_meta_value(r, &r->rules[i], hits, out) == 0)
			continue;
		if ((rc = vg_rules_record(r, i, 1, hits, out)) != 0)
			return rc;
	}
	return 0;
}
