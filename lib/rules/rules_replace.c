/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_replace - SpamAssassin's ReplaceTags: replace_tag, replace_pre,
 * replace_inter, replace_post and replace_rules (the specification is
 * Mail::SpamAssassin::Plugin::ReplaceTags).
 *
 * PURPOSE  A rule listed in replace_rules has its regex rewritten at the
 *	    end of the load: each <NAME> becomes the expression of
 *	    "replace_tag NAME expression", with the expression of <pre P>
 *	    before each tag, <post P> after each and <inter P> between two
 *	    adjacent tags; tags inside tags are replaced again, at most five
 *	    passes.  The rewritten rule is compiled as if it had been
 *	    written so; nothing is done per message.  Rules keep the text
 *	    of their definition (rules_define.c) only while the load runs.
 * OWNS     struct vg_rules_replace belongs to the rules set
 *	    (vg_rules_replace_free()).
 * LIMITS   VG_REPLACE_MAX_TAGS tags of each kind; a rewritten definition
 *	    of at most VG_RULES_LINE_MAX bytes: past either, an error (the
 *	    rule keeps its unreplaced regex and is skipped in compat mode).
 * ERRORS   file:line: reason; VG_ENOMEM.
 * THREADS  One load, one thread.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/log.h"
#include "rules/rules_parse_int.h"

#define VG_REPLACE_MAX_TAGS 1000

enum vg_replace_kind {
	VG_REPLACE_TAG,
	VG_REPLACE_PRE,
	VG_REPLACE_INTER,
	VG_REPLACE_POST,
	VG_REPLACE_KINDS
};

struct vg_replace_tag {
	char *name, *value;
};

struct vg_rules_replace {
	struct vg_replace_tag *tags[VG_REPLACE_KINDS];
	size_t ntags[VG_REPLACE_KINDS], cap[VG_REPLACE_KINDS];
	char **rules; /* names listed by replace_rules */
	size_t nrules, caprules;
};

/* vg_rules_replace_free - NULL is a no-op */
void
vg_rules_replace_free(struct vg_rules_replace *rp)
{
	size_t k, i;

	if (rp == NULL)
		return;
	for (k = 0; k < VG_REPLACE_KINDS; k++) {
		for (i = 0; i < rp->ntags[k]; i++) {
			vg_free(rp->tags[k][i].name);
			vg_free(rp->tags[k][i].value);
		}
		vg_free(rp->tags[k]);
	}
	for (i = 0; i < rp->nrules; i++)
		vg_free(rp->rules[i]);
	vg_free(rp->rules);
	vg_free(rp);
}

/* vg_replace_state - r's replace state, made on first use; NULL: ENOMEM */
static struct vg_rules_replace *
vg_replace_state(struct vg_rules *r)
{
	if (r->replace == NULL)
		r->replace = vg_calloc(1, sizeof(*r->replace));
	return r->replace;
}

/* vg_replace_find - the value of name among kind, or NULL */
static const char *
vg_replace_find(const struct vg_rules_replace *rp, enum vg_replace_kind kind,
    const char *name, size_t len)
{
	size_t i;

	/* Later definitions replace earlier: search from the end. */
	for (i = rp->ntags[kind]; i > 0; i--) {
		const struct vg_replace_tag *t = &rp->tags[kind][i - 1];

		if (strlen(t->name) == len && memcmp(t->name, name, len) == 0)
			return t->value;
	}
	return NULL;
}

/* vg_rules_dir_replace - replace_tag|pre|inter|post NAME EXPR, and
 * replace_rules NAME... */
int
vg_rules_dir_replace(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	struct vg_rules_replace *rp = vg_replace_state(p->r);
	enum vg_replace_kind kind;
	struct vg_replace_tag *t;
	char *name;

	if (rp == NULL)
		return VG_ENOMEM;
	vg_rules_rtrim(rest);
	if (strcmp(dir, "replace_rules") == 0) {
		while (*(name = vg_rules_word(&rest)) != '\0') {
			if (rp->nrules == rp->caprules) {
				size_t cap =
				    rp->caprules ? rp->caprules * 2 : 64;
				char **n =
				    vg_reallocarray(rp->rules, cap, sizeof(*n));

				if (n == NULL)
					return VG_ENOMEM;
				rp->rules = n;
				rp->caprules = cap;
			}
			if ((rp->rules[rp->nrules] = vg_strdup(name)) == NULL)
				return VG_ENOMEM;
			rp->nrules++;
		}
		return 0;
	}
	if (strcmp(dir, "replace_tag") == 0)
		kind = VG_REPLACE_TAG;
	else if (strcmp(dir, "replace_pre") == 0)
		kind = VG_REPLACE_PRE;
	else if (strcmp(dir, "replace_inter") == 0)
		kind = VG_REPLACE_INTER;
	else
		kind = VG_REPLACE_POST;
	name = vg_rules_word(&rest);
	if (*name == '\0' || *rest == '\0') {
		vg_rules_perr(p, f, "%s: want NAME EXPRESSION", dir);
		return 0;
	}
	if (rp->ntags[kind] >= VG_REPLACE_MAX_TAGS) {
		vg_rules_perr(p, f, "%s: too many (limit %u)", dir,
		    (unsigned)VG_REPLACE_MAX_TAGS);
		return 0;
	}
	if (rp->ntags[kind] == rp->cap[kind]) {
		size_t cap = rp->cap[kind] ? rp->cap[kind] * 2 : 32;

		t = vg_reallocarray(rp->tags[kind], cap, sizeof(*t));
		if (t == NULL)
			return VG_ENOMEM;
		rp->tags[kind] = t;
		rp->cap[kind] = cap;
	}
	t = &rp->tags[kind][rp->ntags[kind]];
	t->name = vg_strdup(name);
	t->value = vg_strdup(rest);
	if (t->name == NULL || t->value == NULL) {
		vg_free(t->name);
		vg_free(t->value);
		return VG_ENOMEM;
	}
	rp->ntags[kind]++;
	return 0;
}

/*
 * vg_replace_modifier - cut the first "<WORD name>" out of s (in place)
 * and return the value of name among kind, or NULL
 */
static const char *
vg_replace_modifier(const struct vg_rules_replace *rp, char *s,
    const char *word, enum vg_replace_kind kind)
{
	char pat[16];
	char *at, *end;
	const char *v;

	snprintf(pat, sizeof(pat), "<%s ", word);
	if ((at = strstr(s, pat)) == NULL)
		return NULL;
	/* (.+?)> : at least one character, up to the first '>' after it */
	if (at[strlen(pat)] == '\0' ||
	    (end = strchr(at + strlen(pat) + 1, '>')) == NULL)
		return NULL;
	v = vg_replace_find(
	    rp, kind, at + strlen(pat), (size_t)(end - (at + strlen(pat))));
	memmove(at, end + 1, strlen(end + 1) + 1);
	return v;
}

/* vg_replace_tag_end - end of a tag "<[^<>]+>" starting at s, or NULL */
static const char *
vg_replace_tag_end(const char *s)
{
	const char *q = s + 1;

	if (*s != '<' || *q == '>' || *q == '\0')
		return NULL;
	while (*q != '\0' && *q != '<' && *q != '>')
		q++;
	return *q == '>' ? q : NULL;
}

/*
 * vg_replace_pass - one pass of ReplaceTags over src into out; *again
 * says a replacement held a tag.  VG_ELIMIT when out is full, VG_ENOMEM.
 */
static int
vg_replace_pass(const struct vg_rules_replace *rp, char *src,
    struct vg_buf *out, bool *again)
{
	const char *pre = vg_replace_modifier(rp, src, "pre", VG_REPLACE_PRE);
	const char *post =
	    vg_replace_modifier(rp, src, "post", VG_REPLACE_POST);
	const char *inter =
	    vg_replace_modifier(rp, src, "inter", VG_REPLACE_INTER);
	const char *s = src, *e;
	bool prev_tag = false;
	int rc = 0;

	vg_buf_reset(out);
	*again = false;
	while (*s != '\0' && rc == 0) {
		const char *v;

		if ((e = vg_replace_tag_end(s)) == NULL) {
			/* Text up to the next tag. */
			const char *n = s + 1;

			while (*n != '\0' && vg_replace_tag_end(n) == NULL)
				n++;
			rc = vg_buf_append(out, s, (size_t)(n - s));
			s = n;
			prev_tag = false;
			continue;
		}
		/* Two adjacent tags: Perl's split leaves "" between them. */
		if (prev_tag && inter != NULL)
			rc = vg_buf_append_str(out, inter);
		if (rc == 0 && pre != NULL)
			rc = vg_buf_append_str(out, pre);
		v = vg_replace_find(
		    rp, VG_REPLACE_TAG, s + 1, (size_t)(e - (s + 1)));
		if (rc == 0) {
			if (v != NULL && *v != '\0') {
				rc = vg_buf_append_str(out, v);
				for (const char *q = v; *q != '\0'; q++)
					if (*q == '<' && q[1] != '>' &&
					    strchr(q + 1, '>') != NULL)
						*again = true;
			} else {
				rc = vg_buf_append(out, s, (size_t)(e + 1 - s));
			}
		}
		if (rc == 0 && post != NULL)
			rc = vg_buf_append_str(out, post);
		s = e + 1;
		prev_tag = true;
	}
	return rc;
}

/*
 * vg_replace_rule - rewrite and recompile one rule; 0, VG_ECONFIG (why),
 * VG_ENOMEM
 */
static int
vg_replace_rule(
    struct vg_rules *r, struct vg_rule *rule, char *why, size_t whylen)
{
	struct vg_buf b;
	struct vg_rule tmp;
	char *src;
	bool again = true, skip = false;
	enum vg_rules_skip skip_kind = VG_SKIP_REGEX;
	int passes = 0, rc = 0;

	if ((src = vg_strdup(rule->src)) == NULL)
		return VG_ENOMEM;
	vg_buf_init(&b, VG_RULES_LINE_MAX);
	while (again && passes <= 5 && rc == 0) {
		rc = vg_replace_pass(r->replace, src, &b, &again);
		if (rc == 0) {
			vg_free(src);
			if ((src = vg_strdup(vg_buf_cstr(&b))) == NULL)
				rc = VG_ENOMEM;
		}
		passes++;
	}
	vg_buf_fini(&b);
	if (rc == VG_ELIMIT) {
		snprintf(why, whylen, "replaced regex too long (limit %u)",
		    (unsigned)VG_RULES_LINE_MAX);
		rc = VG_ECONFIG;
	}
	if (rc != 0) {
		vg_free(src);
		return rc;
	}
	memset(&tmp, 0, sizeof(tmp));
	tmp.kind = rule->kind;
	if (rule->kind == VG_RULE_HEADER) {
		rc = vg_rules_header_spec(
		    r, &tmp, src, why, whylen, &skip, &skip_kind);
	} else {
		char *s = src;

		rc = vg_rules_regex(&tmp, &s,
		    rule->kind == VG_RULE_BODY || rule->kind == VG_RULE_RAWBODY,
		    why, whylen, &skip);
	}
	vg_free(src);
	if (rc != 0) {
		pcre2_code_free(tmp.re);
		pcre2_code_free(tmp.re_ml);
		vg_free(tmp.if_unset);
		vg_free(tmp.pf_src);
		return rc;
	}
	pcre2_code_free(rule->re);
	pcre2_code_free(rule->re_ml);
	vg_free(rule->if_unset);
	vg_free(rule->pf_src);
	rule->re = tmp.re;
	rule->re_ml = tmp.re_ml;
	/* The prefilter must see the replaced pattern, not the tags. */
	rule->pf_src = tmp.pf_src;
	rule->opts = tmp.opts;
	rule->per_line = tmp.per_line;
	rule->negate = tmp.negate;
	rule->group = tmp.group;
	rule->exists = tmp.exists;
	rule->if_unset = tmp.if_unset;
	return 0;
}

/* vg_rules_replace_finish - rewrite every replace_rules rule; drop sources */
int
vg_rules_replace_finish(struct vg_rparse *p)
{
	struct vg_rules *r = p->r;
	struct vg_rules_replace *rp = r->replace;
	char why[512];
	size_t i;
	int rc = 0;

	for (i = 0; rp != NULL && i < rp->nrules && rc != VG_ENOMEM; i++) {
		struct vg_rname *e = vg_rules_name_lookup(r, rp->rules[i]);
		struct vg_rule *rule;

		if (e == NULL || e->rule < 0)
			continue; /* SpamAssassin: skipped with a debug line */
		rule = &r->rules[e->rule];
		if (rule->dead || rule->src == NULL || rule->efn != NULL ||
		    rule->kind == VG_RULE_META)
			continue;
		rc = vg_replace_rule(r, rule, why, sizeof(why));
		if (rc == VG_ECONFIG) {
			struct vg_rfile f;

			/* As SpamAssassin, which keeps the rule unreplaced
			 * with an info line: compat mode only reaches here. */
			memset(&f, 0, sizeof(f));
			f.name = rule->file;
			f.line = rule->line;
			vg_debug("%s:%u: replace_rules %s: %s", rule->file,
			    rule->line, rule->name, why);
			rc = 0;
		}
	}
	for (i = 0; i < r->nrules; i++) {
		vg_free(r->rules[i].src);
		r->rules[i].src = NULL;
	}
	return rc == VG_ENOMEM ? rc : 0;
}
