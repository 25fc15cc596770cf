/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_parse - rules file text -> compiled rules (see rules.h and
 * vigil.rules(5)).
 *
 * A load has two passes.  The first reads the file and its includes line
 * by line and records what each line says: rules (regexes compiled here,
 * once, with JIT), scores, describes, tflags, thresholds and DNS list
 * declarations.  Scores, describes and meta operands may name rules that
 * are defined later (SpamAssassin puts all scores in 50_scores.cf), so the
 * second pass resolves names once everything is read: meta operands become
 * rule indices or symbol names, scores are attached, metas are put in
 * dependency order and loops are refused.  Every error is recorded with
 * file:line and the load goes on, so one run reports all of them.
 *
 * The policy directives (allow_*, block_*, attach_*) are not scoring:
 * each rules set owns one state per rules-file module (vg_rules_modules[],
 * the lists and attachment policy), and a line this parser does not know
 * goes to each module's directive() before it is called unknown.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/num.h"
#include "rules/dnsbl_answers.h"
#include "rules/rules_int.h"
#include "rules/symbols.h"

/* SpamAssassin version that compat-mode "if (version >= N)" compares. */
#define VG_RULES_SA_VERSION 3.004006

/* Parser state for one load. */
struct vg_rparse {
	struct vg_rules *r;
	struct vg_err *err;
	unsigned nerr;
};

/* Per-file state. */
struct vg_rfile {
	const char *name; /* owned by r->files */
	unsigned line;
	unsigned depth; /* include depth, 0 = top */
	bool compat;    /* vigil_compat spamassassin in force */
	/* if/ifplugin stack: whether each level is active */
	bool active[VG_RULES_IF_DEPTH];
	bool parent[VG_RULES_IF_DEPTH];
	unsigned nif;
};

static int vg_rules_parse_text(struct vg_rparse *p, const char *text,
    size_t len, const char *name, unsigned depth, bool compat);

/* vg_rules_perr - record one error at the current file:line */
static void VG_PRINTF(3, 4) vg_rules_perr(
    struct vg_rparse *p, const struct vg_rfile *f, const char *fmt, ...)
{
	char reason[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	p->nerr++;
	vg_err_add(p->err, f != NULL ? f->name : NULL, f != NULL ? f->line : 0,
	    "%s", reason);
}

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
static struct vg_rname *
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
static struct vg_rname *
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

/* vg_rules_add_file - remember a file name for file:line; borrowed back */
static const char *
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

/* vg_rules_valid_name - rule names are [A-Za-z0-9_]+, as in SpamAssassin */
static bool
vg_rules_valid_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (!(c == '_' || (c >= 'a' && c <= 'z') ||
		        (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

/* vg_rules_isspace - ASCII white space */
static bool
vg_rules_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* vg_rules_skipws - first non-blank character of s */
static char *
vg_rules_skipws(char *s)
{
	while (vg_rules_isspace(*s))
		s++;
	return s;
}

/* vg_rules_word - cut the first word off *sp; "" when none */
static char *
vg_rules_word(char **sp)
{
	char *s = vg_rules_skipws(*sp), *w = s;

	while (*s != '\0' && !vg_rules_isspace(*s))
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*sp = vg_rules_skipws(s);
	return w;
}

/* vg_rules_rtrim - drop trailing blanks in place */
static void
vg_rules_rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && vg_rules_isspace(s[n - 1]))
		s[--n] = '\0';
}

/*
 * vg_rules_strip_comment - remove a comment the way SpamAssassin does: from
 * the first '#' not preceded by a backslash; then "\#" becomes "#".
 */
static void
vg_rules_strip_comment(char *s)
{
	char *d, *q;

	for (q = s; *q != '\0'; q++) {
		if (*q == '#' && (q == s || q[-1] != '\\')) {
			*q = '\0';
			break;
		}
	}
	for (q = d = s; *q != '\0'; q++) {
		if (q[0] == '\\' && q[1] == '#')
			continue;
		*d++ = *q;
	}
	*d = '\0';
}

/* vg_rules_new_rule - append an empty rule; NULL on allocation failure */
static struct vg_rule *
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

/* vg_rules_free_rule - free what one rule owns */
static void
vg_rules_free_rule(struct vg_rule *rule)
{
	size_t i;

	vg_free(rule->name);
	pcre2_code_free(rule->re);
	pcre2_code_free(rule->re_ml);
	vg_free(rule->if_unset);
	for (i = 0; i < rule->nrpn; i++)
		vg_free(rule->rpn[i].name);
	vg_free(rule->rpn);
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
	for (i = 0; i < r->ndnsbls; i++) {
		vg_free((char *)(uintptr_t)r->dnsbls[i].name);
		vg_free((char *)(uintptr_t)r->dnsbls[i].zone);
		vg_free((char *)(uintptr_t)r->dnsbls[i].answers);
	}
	vg_free(r->dnsbls);
	for (i = 0; i < r->nfiles; i++)
		vg_free(r->files[i]);
	vg_free(r->files);
	vg_free(r->subject_tag);
	for (size_t m = 0; m < vg_rules_nmodules; m++)
		if (vg_rules_modules[m]->free != NULL)
			vg_rules_modules[m]->free(r->module_state[m]);
	vg_free(r);
}

/* vg_rules_contains - whether s[0..n) contains the C string needle */
static bool
vg_rules_contains(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(s + i, needle, k) == 0)
			return true;
	return false;
}

/*
 * vg_rules_regex - parse "/re/flags" or "m{re}flags" at *sp and compile it.
 * On success *sp points past the flags.  Returns 0, VG_ENOMEM, or
 * VG_ECONFIG with a reason in why (bad syntax, skip = false) or PCRE2's
 * message (skip = true: SpamAssassin mode may skip the rule instead).
 */
static int
vg_rules_regex(struct vg_rule *rule, char **sp, bool multi_copy, char *why,
    size_t whylen, bool *skip)
{
	char *s = *sp, open, close, *start, *end;
	uint32_t opts = 0;
	int depth = 0, ec;
	PCRE2_SIZE eoff;
	PCRE2_UCHAR msg[256];

	*skip = false;
	if (*s == 'm' && s[1] != '\0' && !vg_rules_isspace(s[1]))
		s++;
	else if (*s != '/') {
		snprintf(why, whylen, "expected /regex/");
		return VG_ECONFIG;
	}
	open = *s;
	switch (open) {
	case '{':
		close = '}';
		break;
	case '(':
		close = ')';
		break;
	case '[':
		close = ']';
		break;
	case '<':
		close = '>';
		break;
	default:
		close = open;
		break;
	}
	start = ++s;
	for (end = NULL; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			continue;
		}
		if (*s == close && depth == 0) {
			end = s;
			break;
		}
		if (open != close && *s == open)
			depth++;
		else if (open != close && *s == close)
			depth--;
	}
	if (end == NULL) {
		snprintf(why, whylen, "regex has no closing '%c'", close);
		return VG_ECONFIG;
	}
	for (s = end + 1; *s != '\0' && !vg_rules_isspace(*s); s++) {
		switch (*s) {
		case 'i':
			opts |= PCRE2_CASELESS;
			break;
		case 'm':
			opts |= PCRE2_MULTILINE;
			break;
		case 's':
			opts |= PCRE2_DOTALL;
			break;
		case 'x':
			opts |= PCRE2_EXTENDED;
			break;
		case 'g':
		case 'o':
			/* Perl match-all and compile-once: meaningless here. */
			break;
		default:
			snprintf(why, whylen, "unknown regex flag '%c'", *s);
			return VG_ECONFIG;
		}
	}
	*sp = vg_rules_skipws(s);
	rule->re = pcre2_compile((PCRE2_SPTR)start, (PCRE2_SIZE)(end - start),
	    opts, &ec, &eoff, NULL);
	if (rule->re == NULL) {
		if (ec == PCRE2_ERROR_NOMEMORY || ec == PCRE2_ERROR_HEAP_FAILED)
			return VG_ENOMEM;
		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(why, whylen, "bad regex at offset %zu: %s",
		    (size_t)eoff, (const char *)msg);
		*skip = true;
		return VG_ECONFIG;
	}
	/* No JIT on this platform is not an error: the interpreter runs. */
	(void)pcre2_jit_compile(rule->re, PCRE2_JIT_COMPLETE);
	if (multi_copy) {
		/*
		 * Body rules match per paragraph.  Rather than one match per
		 * paragraph, rules_eval.c first matches the whole text once
		 * with ^ and $ at line ends; patterns whose meaning changes
		 * across lines (\A, \z, \Z, lookbehind) stay per line.
		 */
		size_t n = (size_t)(end - start);

		rule->per_line = vg_rules_contains(start, n, "\\A") ||
		    vg_rules_contains(start, n, "\\z") ||
		    vg_rules_contains(start, n, "\\Z") ||
		    vg_rules_contains(start, n, "\\G") ||
		    vg_rules_contains(start, n, "(?<");
		if (!rule->per_line && (opts & PCRE2_MULTILINE) == 0) {
			rule->re_ml = pcre2_compile((PCRE2_SPTR)start, n,
			    opts | PCRE2_MULTILINE, &ec, &eoff, NULL);
			if (rule->re_ml == NULL)
				return VG_ENOMEM;
			(void)pcre2_jit_compile(
			    rule->re_ml, PCRE2_JIT_COMPLETE);
		}
	}
	return 0;
}

/* vg_rules_group - index of the header group, created when new */
static int
vg_rules_group(struct vg_rules *r, enum vg_hdr_special special,
    enum vg_hdr_part part, const char *header, size_t *out)
{
	struct vg_hdr_group *ng;
	size_t i;

	for (i = 0; i < r->ngroups; i++) {
		if (r->groups[i].special != special ||
		    r->groups[i].part != part)
			continue;
		if (special != VG_HDR_NAMED ||
		    strcasecmp(r->groups[i].header, header) == 0) {
			*out = i;
			return 0;
		}
	}
	if (r->ngroups == r->capgroups) {
		size_t ncap = r->capgroups == 0 ? 32 : r->capgroups * 2;

		if ((ng = vg_reallocarray(r->groups, ncap, sizeof(*ng))) ==
		    NULL)
			return VG_ENOMEM;
		r->groups = ng;
		r->capgroups = ncap;
	}
	r->groups[r->ngroups].special = special;
	r->groups[r->ngroups].part = part;
	r->groups[r->ngroups].header = NULL;
	if (special == VG_HDR_NAMED &&
	    (r->groups[r->ngroups].header = vg_strdup(header)) == NULL)
		return VG_ENOMEM;
	*out = r->ngroups++;
	return 0;
}

/*
 * vg_rules_header_spec - parse "Name[:raw|:addr|:name] =~|!~ /re/ [if-unset:
 * TEXT]" or "exists:Name" into rule.  Returns 0, VG_ENOMEM, VG_ECONFIG
 * (reason in why; *skip says compat mode may skip it, with *skip_kind).
 */
static int
vg_rules_header_spec(struct vg_rules *r, struct vg_rule *rule, char *s,
    char *why, size_t whylen, bool *skip, enum vg_rules_skip *skip_kind)
{
	enum vg_hdr_special special = VG_HDR_NAMED;
	enum vg_hdr_part part = VG_HDR_VALUE;
	char *hname, *colon, *op;
	int rc;

	*skip = false;
	if (strncmp(s, "exists:", 7) == 0) {
		hname = vg_rules_skipws(s + 7);
		vg_rules_rtrim(hname);
		if (*hname == '\0' || strpbrk(hname, " \t:") != NULL) {
			snprintf(why, whylen, "exists: needs one header name");
			return VG_ECONFIG;
		}
		rule->exists = true;
		return vg_rules_group(
		    r, VG_HDR_NAMED, VG_HDR_RAW, hname, &rule->group);
	}
	hname = vg_rules_word(&s);
	op = vg_rules_word(&s);
	if (strcmp(op, "=~") == 0)
		rule->negate = false;
	else if (strcmp(op, "!~") == 0)
		rule->negate = true;
	else {
		snprintf(
		    why, whylen, "expected =~ or !~ after the header name");
		return VG_ECONFIG;
	}
	if ((colon = strchr(hname, ':')) != NULL) {
		*colon++ = '\0';
		/* SpamAssassin also writes :addr:raw and :name:raw. */
		if (strcmp(colon, "raw") == 0)
			part = VG_HDR_RAW;
		else if (strcmp(colon, "addr") == 0)
			part = VG_HDR_ADDR;
		else if (strcmp(colon, "name") == 0)
			part = VG_HDR_NAME;
		else if (strcmp(colon, "addr:raw") == 0 ||
		    strcmp(colon, "raw:addr") == 0)
			part = VG_HDR_ADDR_RAW;
		else if (strcmp(colon, "name:raw") == 0 ||
		    strcmp(colon, "raw:name") == 0)
			part = VG_HDR_NAME_RAW;
		else {
			snprintf(why, whylen, "unknown header modifier ':%s'",
			    colon);
			*skip = true;
			*skip_kind = VG_SKIP_PSEUDO;
			return VG_ECONFIG;
		}
	}
	if (*hname == '\0') {
		snprintf(why, whylen, "missing header name");
		return VG_ECONFIG;
	}
	if (strcmp(hname, "ALL") == 0)
		special = VG_HDR_ALL;
	else if (strcmp(hname, "ToCc") == 0)
		special = VG_HDR_TOCC;
	else if (strcmp(hname, "MESSAGEID") == 0)
		special = VG_HDR_MESSAGEID;
	else if (strcmp(hname, "EnvelopeFrom") == 0)
		special = VG_HDR_ENVFROM;
	else if (strncmp(hname, "X-Spam-Relays-", 14) == 0 ||
	    strncmp(hname, "ALL-", 4) == 0 ||
	    strcmp(hname, "X-Spam-DKIM") == 0) {
		/* SpamAssassin computes these from its relay analysis. */
		snprintf(why, whylen, "pseudo-header %s is SpamAssassin's own",
		    hname);
		*skip = true;
		*skip_kind = VG_SKIP_PSEUDO;
		return VG_ECONFIG;
	}
	if ((rc = vg_rules_regex(rule, &s, false, why, whylen, skip)) != 0) {
		*skip_kind = VG_SKIP_REGEX;
		return rc;
	}
	if (*s != '\0') {
		char *t;

		if (strncmp(s, "[if-unset:", 10) != 0 ||
		    (t = strrchr(s, ']')) == NULL ||
		    vg_rules_skipws(t + 1)[0] != '\0') {
			snprintf(
			    why, whylen, "unexpected text after the regex");
			return VG_ECONFIG;
		}
		*t = '\0';
		s = vg_rules_skipws(s + 10);
		vg_rules_rtrim(s);
		if ((rule->if_unset = vg_strdup(s)) == NULL)
			return VG_ENOMEM;
	}
	return vg_rules_group(r, special, part,
	    special == VG_HDR_NAMED ? hname : NULL, &rule->group);
}

/*
 * Meta expressions: a recursive-descent parser over a token list, writing
 * reverse Polish notation.  Precedence, loosest first: || ; && ; the
 * comparisons ; + - ; * / ; unary ! and -.  Parentheses nest at most
 * VG_RULES_META_NEST deep, so no expression can exhaust the stack.
 */

struct vg_meta_parser {
	const char *s; /* expression text */
	struct vg_meta_tok *out;
	size_t nout;
	unsigned nest;
	const char *why;                       /* first error, static */
	char name[VG_RULES_META_NAME_MAX + 1]; /* last identifier scanned */
	enum vg_meta_op tokop;
	enum {
		MT_END,
		MT_NUM,
		MT_IDENT,
		MT_OP,
		MT_LPAR,
		MT_RPAR,
		MT_BAD
	} tok;
	double num;
};

/* vg_meta_next - scan the next token */
static void
vg_meta_next(struct vg_meta_parser *mp)
{
	const char *s = mp->s;

	while (vg_rules_isspace(*s))
		s++;
	mp->tok = MT_BAD;
	if (*s == '\0') {
		mp->tok = MT_END;
	} else if ((*s >= '0' && *s <= '9') || *s == '.') {
		char tmp[64];
		size_t n = 0;

		while (((s[n] >= '0' && s[n] <= '9') || s[n] == '.') &&
		    n < sizeof(tmp) - 1) {
			tmp[n] = s[n];
			n++;
		}
		tmp[n] = '\0';
		s += n;
		if (vg_num_double(&mp->num, tmp, -1e12, 1e12, NULL) == 0)
			mp->tok = MT_NUM;
	} else if (*s == '_' || (*s >= 'a' && *s <= 'z') ||
	    (*s >= 'A' && *s <= 'Z')) {
		size_t n = 0;

		while (s[n] == '_' || (s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9'))
			n++;
		if (n < sizeof(mp->name)) {
			memcpy(mp->name, s, n);
			mp->name[n] = '\0';
			mp->tok = MT_IDENT;
		}
		s += n;
	} else if (*s == '(') {
		mp->tok = MT_LPAR;
		s++;
	} else if (*s == ')') {
		mp->tok = MT_RPAR;
		s++;
	} else {
		static const struct {
			const char *text;
			enum vg_meta_op op;
		} ops[] = {
		    {"&&", VG_META_AND},
		    {"||", VG_META_OR},
		    {">=", VG_META_GE},
		    {"<=", VG_META_LE},
		    {"==", VG_META_EQ},
		    {"!=", VG_META_NE},
		    {">", VG_META_GT},
		    {"<", VG_META_LT},
		    {"!", VG_META_NOT},
		    {"+", VG_META_ADD},
		    {"-", VG_META_SUB},
		    {"*", VG_META_MUL},
		    {"/", VG_META_DIV},
		};
		size_t i;

		for (i = 0; i < VG_NELEM(ops); i++) {
			size_t n = strlen(ops[i].text);

			if (strncmp(s, ops[i].text, n) == 0) {
				mp->tok = MT_OP;
				mp->tokop = ops[i].op;
				s += n;
				break;
			}
		}
	}
	mp->s = s;
}

/* vg_meta_emit - append one RPN token; false when the expression is full */
static bool
vg_meta_emit(
    struct vg_meta_parser *mp, enum vg_meta_op op, double num, const char *name)
{
	struct vg_meta_tok *t;

	if (mp->nout >= VG_RULES_META_MAX_TOKENS) {
		mp->why = "meta expression too long";
		return false;
	}
	t = &mp->out[mp->nout];
	memset(t, 0, sizeof(*t));
	t->op = op;
	t->num = num;
	if (name != NULL && (t->name = vg_strdup(name)) == NULL) {
		mp->why = "out of memory";
		return false;
	}
	mp->nout++;
	return true;
}

static bool vg_meta_or(struct vg_meta_parser *mp);

/* vg_meta_unary - ! x, - x, number, name, ( expr ) */
static bool
vg_meta_unary(struct vg_meta_parser *mp)
{
	if (mp->tok == MT_OP &&
	    (mp->tokop == VG_META_NOT || mp->tokop == VG_META_SUB)) {
		enum vg_meta_op op =
		    mp->tokop == VG_META_NOT ? VG_META_NOT : VG_META_NEG;

		if (++mp->nest > VG_RULES_META_NEST) {
			mp->why = "meta expression nested too deep";
			return false;
		}
		vg_meta_next(mp);
		if (!vg_meta_unary(mp))
			return false;
		mp->nest--;
		return vg_meta_emit(mp, op, 0, NULL);
	}
	if (mp->tok == MT_NUM) {
		double v = mp->num;

		vg_meta_next(mp);
		return vg_meta_emit(mp, VG_META_NUM, v, NULL);
	}
	if (mp->tok == MT_IDENT) {
		if (!vg_meta_emit(mp, VG_META_RULE, 0, mp->name))
			return false;
		vg_meta_next(mp);
		return true;
	}
	if (mp->tok == MT_LPAR) {
		if (++mp->nest > VG_RULES_META_NEST) {
			mp->why = "meta expression nested too deep";
			return false;
		}
		vg_meta_next(mp);
		if (!vg_meta_or(mp))
			return false;
		if (mp->tok != MT_RPAR) {
			mp->why = "missing ')' in meta expression";
			return false;
		}
		mp->nest--;
		vg_meta_next(mp);
		return true;
	}
	mp->why = mp->tok == MT_END ? "meta expression ends early"
	    : mp->tok == MT_BAD     ? "bad token in meta expression"
	                            : "operand expected in meta expression";
	return false;
}

/* vg_meta_binary - one precedence level of left-associative operators */
static bool
vg_meta_binary(struct vg_meta_parser *mp, int level)
{
	static const enum vg_meta_op levels[][6] = {
	    {VG_META_OR},
	    {VG_META_AND},
	    {VG_META_LT, VG_META_LE, VG_META_GT, VG_META_GE, VG_META_EQ,
	        VG_META_NE},
	    {VG_META_ADD, VG_META_SUB},
	    {VG_META_MUL, VG_META_DIV},
	};
	static const size_t nops[] = {1, 1, 6, 2, 2};
	size_t i;

	if (level == (int)VG_NELEM(nops))
		return vg_meta_unary(mp);
	if (!vg_meta_binary(mp, level + 1))
		return false;
	for (;;) {
		enum vg_meta_op op;
		bool found = false;

		if (mp->tok != MT_OP)
			return true;
		for (i = 0; i < nops[level]; i++)
			if (levels[level][i] == mp->tokop)
				found = true;
		if (!found)
			return true;
		op = mp->tokop;
		vg_meta_next(mp);
		if (!vg_meta_binary(mp, level + 1))
			return false;
		if (!vg_meta_emit(mp, op, 0, NULL))
			return false;
	}
}

/* vg_meta_or - a whole expression */
static bool
vg_meta_or(struct vg_meta_parser *mp)
{
	return vg_meta_binary(mp, 0);
}

/*
 * vg_rules_meta_compile - expression text -> rule->rpn; names resolved
 * later.  VG_ECONFIG with a static reason in *why, or VG_ENOMEM.
 */
static int
vg_rules_meta_compile(struct vg_rule *rule, const char *expr, const char **why)
{
	struct vg_meta_parser mp;
	size_t i;

	memset(&mp, 0, sizeof(mp));
	mp.s = expr;
	mp.out = vg_calloc(VG_RULES_META_MAX_TOKENS, sizeof(*mp.out));
	if (mp.out == NULL)
		return VG_ENOMEM;
	vg_meta_next(&mp);
	if (vg_meta_or(&mp) && mp.tok != MT_END)
		mp.why = mp.tok == MT_RPAR
		    ? "unbalanced ')' in meta expression"
		    : "operator expected in meta expression";
	if (mp.why != NULL) {
		for (i = 0; i < mp.nout; i++)
			vg_free(mp.out[i].name);
		vg_free(mp.out);
		*why = mp.why;
		return strcmp(mp.why, "out of memory") == 0 ? VG_ENOMEM
		                                            : VG_ECONFIG;
	}
	rule->rpn = mp.out;
	rule->nrpn = mp.nout;
	return 0;
}

/*
 * vg_rules_define - the rule directives: header, body, rawbody, full, uri,
 * meta.  rest is "NAME definition".
 */
static int
vg_rules_define(
    struct vg_rparse *p, struct vg_rfile *f, enum vg_rule_kind kind, char *rest)
{
	struct vg_rules *r = p->r;
	struct vg_rule *rule;
	struct vg_rname *e;
	char why[512], *name;
	bool skip = false;
	enum vg_rules_skip skip_kind = VG_SKIP_REGEX;
	int rc = 0;

	name = vg_rules_word(&rest);
	vg_rules_rtrim(rest);
	if (!vg_rules_valid_name(name)) {
		vg_rules_perr(p, f, "%s: bad rule name '%s'",
		    vg_rule_kind_name(kind), name);
		return 0;
	}
	if (*rest == '\0') {
		vg_rules_perr(p, f, "%s %s: missing definition",
		    vg_rule_kind_name(kind), name);
		return 0;
	}
	if (strncmp(rest, "eval:", 5) == 0) {
		if (!f->compat) {
			vg_rules_perr(p, f,
			    "%s %s: eval: tests are SpamAssassin code "
			    "(use vigil_compat spamassassin to skip them)",
			    vg_rule_kind_name(kind), name);
			return 0;
		}
		skip_kind = VG_SKIP_EVAL;
		goto skipped;
	}
	if ((e = vg_rules_name_get(r, name)) == NULL)
		return VG_ENOMEM;
	if (e->rule >= 0) {
		if (!f->compat) {
			struct vg_rule *old = &r->rules[e->rule];

			vg_rules_perr(p, f,
			    "%s %s: duplicate rule name "
			    "(first defined at %s:%u)",
			    vg_rule_kind_name(kind), name, old->file,
			    old->line);
			return 0;
		}
		/* SpamAssassin: a later definition replaces the earlier. */
		r->rules[e->rule].dead = true;
		e->rule = -1;
	}
	if (e->dnsbl) {
		vg_rules_perr(p, f,
		    "%s %s: name already declared by dnsbl/uribl",
		    vg_rule_kind_name(kind), name);
		return 0;
	}
	if (r->nrules >= VG_RULES_MAX_RULES) {
		vg_rules_perr(p, f, "too many rules (limit %u)",
		    (unsigned)VG_RULES_MAX_RULES);
		return 0;
	}
	if ((rule = vg_rules_new_rule(r)) == NULL)
		return VG_ENOMEM;
	rule->kind = kind;
	rule->file = f->name;
	rule->line = f->line;
	rule->compat = f->compat;
	rule->sub = strncmp(name, "__", 2) == 0;
	if ((rule->name = vg_strdup(name)) == NULL) {
		r->nrules--;
		return VG_ENOMEM;
	}
	switch (kind) {
	case VG_RULE_HEADER:
		rc = vg_rules_header_spec(
		    r, rule, rest, why, sizeof(why), &skip, &skip_kind);
		break;
	case VG_RULE_BODY:
	case VG_RULE_RAWBODY:
	case VG_RULE_FULL:
	case VG_RULE_URI: {
		char *s = rest;

		rc = vg_rules_regex(rule, &s,
		    kind == VG_RULE_BODY || kind == VG_RULE_RAWBODY, why,
		    sizeof(why), &skip);
		if (rc == 0 && *s != '\0') {
			snprintf(why, sizeof(why),
			    "unexpected text after the regex");
			rc = VG_ECONFIG;
			skip = false;
		}
		break;
	}
	case VG_RULE_META: {
		const char *mwhy = NULL;

		rc = vg_rules_meta_compile(rule, rest, &mwhy);
		if (rc == VG_ECONFIG)
			snprintf(why, sizeof(why), "%s", mwhy);
		break;
	}
	case VG_RULE_KIND_MAX:
		break;
	}
	if (rc == VG_ENOMEM) {
		vg_rules_free_rule(rule);
		r->nrules--;
		return rc;
	}
	if (rc != 0) {
		vg_rules_free_rule(rule);
		r->nrules--;
		if (skip && f->compat) {
			/* Debug level: `vigil rules check` users ask why. */
			vg_debug("%s:%u: %s %s skipped: %s", f->name, f->line,
			    vg_rule_kind_name(kind), name, why);
			goto skipped;
		}
		vg_rules_perr(
		    p, f, "%s %s: %s", vg_rule_kind_name(kind), name, why);
		return 0;
	}
	/*
	 * Re-fetch: nothing above adds a name (only vg_rules_name_get does),
	 * but e must not depend on that.  The entry was made above, so a miss
	 * is a broken contract, not bad input.
	 */
	if ((e = vg_rules_name_lookup(r, name)) == NULL)
		vg_panic("rules: entry for %s vanished", name);
	e->rule = (long)(r->nrules - 1);
	e->skipped = false;
	return 0;
skipped:
	if ((e = vg_rules_name_get(r, name)) == NULL)
		return VG_ENOMEM;
	if (e->rule < 0)
		e->skipped = true;
	r->stats.skipped[skip_kind]++;
	return 0;
}

/* vg_rules_score_line - "score NAME s1 [s2 s3 s4]" */
static int
vg_rules_score_line(struct vg_rparse *p, struct vg_rfile *f, char *rest)
{
	char *name = vg_rules_word(&rest), *w;
	double v[4];
	size_t n = 0;
	const char *why = NULL;
	struct vg_rname *e;

	if (!vg_rules_valid_name(name)) {
		vg_rules_perr(p, f, "score: bad rule name '%s'", name);
		return 0;
	}
	while (*(w = vg_rules_word(&rest)) != '\0') {
		/* SpamAssassin writes some scores as "(1.0)". */
		size_t wl = strlen(w);

		if (w[0] == '(' && wl > 2 && w[wl - 1] == ')') {
			w[wl - 1] = '\0';
			w++;
		}
		if (n == 4) {
			vg_rules_perr(
			    p, f, "score %s: more than 4 numbers", name);
			return 0;
		}
		if (vg_num_double(&v[n], w, -1000, 1000, &why) != 0) {
			vg_rules_perr(p, f, "score %s: bad number '%s': %s",
			    name, w, why);
			return 0;
		}
		n++;
	}
	if (n != 1 && n != 4) {
		vg_rules_perr(
		    p, f, "score %s: takes 1 or 4 numbers, got %zu", name, n);
		return 0;
	}
	if ((e = vg_rules_name_get(p->r, name)) == NULL)
		return VG_ENOMEM;
	e->has_score = true;
	e->score = v[0];
	return 0;
}

/* vg_rules_threshold - "required_score N" and "reject_score N" */
static void
vg_rules_threshold(struct vg_rparse *p, struct vg_rfile *f, const char *dir,
    char *rest, double *out)
{
	const char *why = NULL;
	double v;

	vg_rules_rtrim(rest);
	if (vg_num_double(&v, rest, -1000, 10000, &why) != 0)
		vg_rules_perr(p, f, "%s: bad number '%s': %s", dir, rest, why);
	else
		*out = v;
}

/* vg_rules_limit - "vigil_match_limit N" and "vigil_depth_limit N" */
static void
vg_rules_limit(struct vg_rparse *p, struct vg_rfile *f, const char *dir,
    char *rest, uint32_t *out)
{
	const char *why = NULL;
	uint64_t v;

	vg_rules_rtrim(rest);
	if (vg_num_uint(&v, rest, 1, 1000000000, &why) != 0)
		vg_rules_perr(p, f, "%s: bad number '%s': %s", dir, rest, why);
	else
		*out = (uint32_t)v;
}

/* vg_rules_valid_zone - a DNS name: labels of [A-Za-z0-9-_], dots */
static bool
vg_rules_valid_zone(const char *z)
{
	size_t label = 0, total = 0;

	if (*z == '\0' || *z == '.')
		return false;
	for (; *z != '\0'; z++, total++) {
		unsigned char c = (unsigned char)*z;

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!(c == '-' || c == '_' || (c >= 'a' && c <= 'z') ||
		        (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
		if (++label > 63)
			return false;
	}
	return total <= 253;
}

/* vg_rules_dnsbl_line - "dnsbl NAME ZONE [ANSWERS]" and uribl */
static int
vg_rules_dnsbl_line(struct vg_rparse *p, struct vg_rfile *f,
    enum vg_dnsbl_kind kind, const char *dir, char *rest)
{
	struct vg_rules *r = p->r;
	char *name = vg_rules_word(&rest), *zone = vg_rules_word(&rest);
	char *answers = vg_rules_word(&rest);
	const char *why = "";
	struct vg_rules_dnsbl *d;
	struct vg_rname *e;

	if (!vg_rules_valid_name(name)) {
		vg_rules_perr(p, f, "%s: bad name '%s'", dir, name);
		return 0;
	}
	if (!vg_rules_valid_zone(zone)) {
		vg_rules_perr(p, f, "%s %s: bad zone '%s'", dir, name, zone);
		return 0;
	}
	/* The DNSBL module owns the ANSWERS syntax: one parser, not two. */
	if (*answers != '\0' && vg_dnsbl_answers_check(answers, &why) != 0) {
		vg_rules_perr(p, f, "%s %s: bad answers '%s': %s", dir, name,
		    answers, why);
		return 0;
	}
	if (*rest != '\0') {
		vg_rules_perr(
		    p, f, "%s %s: unexpected text '%s'", dir, name, rest);
		return 0;
	}
	if ((e = vg_rules_name_get(r, name)) == NULL)
		return VG_ENOMEM;
	if (e->rule >= 0 || e->dnsbl) {
		vg_rules_perr(p, f, "%s %s: name already defined", dir, name);
		return 0;
	}
	e->dnsbl = true;
	if (r->ndnsbls == r->capdnsbls) {
		size_t ncap = r->capdnsbls == 0 ? 8 : r->capdnsbls * 2;

		d = vg_reallocarray(r->dnsbls, ncap, sizeof(*d));
		if (d == NULL)
			return VG_ENOMEM;
		r->dnsbls = d;
		r->capdnsbls = ncap;
	}
	d = &r->dnsbls[r->ndnsbls];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->file = f->name;
	d->line = f->line;
	d->name = vg_strdup(name);
	d->zone = vg_strdup(zone);
	d->answers = *answers != '\0' ? vg_strdup(answers) : NULL;
	r->ndnsbls++;
	if (d->name == NULL || d->zone == NULL ||
	    (*answers != '\0' && d->answers == NULL))
		return VG_ENOMEM;
	if (kind == VG_DNSBL_CLIENT)
		r->stats.dnsbl++;
	else
		r->stats.uribl++;
	return 0;
}

/* vg_rules_read_file - whole file into memory; VG_EIO or VG_ELIMIT */
static int
vg_rules_read_file(const char *path, char **text_out, size_t *len_out)
{
	struct stat st;
	char *text = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, rc = VG_EIO, saved;

	*text_out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return VG_EIO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if ((uint64_t)st.st_size > VG_RULES_FILE_MAX) {
		rc = VG_ELIMIT;
		goto out;
	}
	if ((text = vg_malloc((size_t)st.st_size + 1)) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	text[got] = '\0';
	*text_out = text;
	*len_out = got;
	text = NULL;
	rc = 0;
out:
	saved = errno;
	vg_free(text);
	close(fd);
	errno = saved;
	return rc;
}

/* vg_rules_include - "include FILE", relative to the including file */
static int
vg_rules_include(struct vg_rparse *p, struct vg_rfile *f, char *rest)
{
	struct vg_buf path;
	const char *slash;
	char *text = NULL;
	size_t len = 0;
	int rc;

	vg_rules_rtrim(rest);
	if (*rest == '\0') {
		vg_rules_perr(p, f, "include: missing file name");
		return 0;
	}
	if (f->depth + 1 >= VG_RULES_INCLUDE_DEPTH) {
		vg_rules_perr(p, f, "include %s: nested too deep (limit %u)",
		    rest, (unsigned)VG_RULES_INCLUDE_DEPTH);
		return 0;
	}
	vg_buf_init(&path, 4096);
	slash = strrchr(f->name, '/');
	if (rest[0] != '/' && slash != NULL)
		rc = vg_buf_append(
		    &path, f->name, (size_t)(slash - f->name + 1));
	else
		rc = 0;
	if (rc == 0)
		rc = vg_buf_append_str(&path, rest);
	if (rc == VG_ENOMEM)
		goto out;
	if (rc != 0) {
		vg_rules_perr(p, f, "include %s: path too long", rest);
		rc = 0;
		goto out;
	}
	rc = vg_rules_read_file(vg_buf_cstr(&path), &text, &len);
	if (rc == VG_ENOMEM)
		goto out;
	if (rc != 0) {
		vg_rules_perr(p, f, "include %s: %s", vg_buf_cstr(&path),
		    rc == VG_ELIMIT ? "file too large" : strerror(errno));
		rc = 0;
		goto out;
	}
	rc = vg_rules_parse_text(
	    p, text, len, vg_buf_cstr(&path), f->depth + 1, f->compat);
out:
	vg_free(text);
	vg_buf_fini(&path);
	return rc;
}

/*
 * vg_rules_sa_cond - a compat-mode "if" condition: plugin(X) is false (Vigil
 * runs no SpamAssassin plugin), can(X) is false, "version OP N" compares
 * against VG_RULES_SA_VERSION; ! and one pair of parentheses are allowed.
 * Anything else is false, so its block is skipped.
 */
static bool
vg_rules_sa_cond(char *c)
{
	size_t n;
	double v;

	c = vg_rules_skipws(c);
	vg_rules_rtrim(c);
	if (*c == '!')
		return !vg_rules_sa_cond(c + 1);
	n = strlen(c);
	if (n >= 2 && c[0] == '(' && c[n - 1] == ')') {
		c[n - 1] = '\0';
		return vg_rules_sa_cond(c + 1);
	}
	if (strncmp(c, "version", 7) == 0) {
		char *s = vg_rules_skipws(c + 7), *op = s;

		while (*s == '>' || *s == '<' || *s == '=' || *s == '!')
			s++;
		if (s == op)
			return false;
		c = vg_rules_skipws(s);
		*s = '\0';
		if (vg_num_double(&v, c, 0, 100, NULL) != 0)
			return false;
		if (strcmp(op, ">=") == 0)
			return VG_RULES_SA_VERSION >= v;
		if (strcmp(op, ">") == 0)
			return VG_RULES_SA_VERSION > v;
		if (strcmp(op, "<") == 0)
			return VG_RULES_SA_VERSION < v;
		if (strcmp(op, "<=") == 0)
			return VG_RULES_SA_VERSION <= v;
		if (strcmp(op, "==") == 0)
			return VG_RULES_SA_VERSION == v;
		return false;
	}
	return false;
}

/* vg_rules_is_rule_directive - the directives that define a rule */
static bool
vg_rules_rule_kind(const char *dir, enum vg_rule_kind *out)
{
	static const struct {
		const char *name;
		enum vg_rule_kind kind;
	} kinds[] = {
	    {"header", VG_RULE_HEADER},
	    {"body", VG_RULE_BODY},
	    {"rawbody", VG_RULE_RAWBODY},
	    {"full", VG_RULE_FULL},
	    {"uri", VG_RULE_URI},
	    {"meta", VG_RULE_META},
	};
	size_t i;

	for (i = 0; i < VG_NELEM(kinds); i++) {
		if (strcmp(dir, kinds[i].name) == 0) {
			*out = kinds[i].kind;
			return true;
		}
	}
	return false;
}

/* vg_rules_block - if / ifplugin / else / endif; true if dir was one */
static bool
vg_rules_block(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	bool outer = f->nif == 0 || f->active[f->nif - 1];

	if (strcmp(dir, "ifplugin") == 0 || strcmp(dir, "if") == 0) {
		bool cond;

		if (!f->compat) {
			vg_rules_perr(p, f,
			    "%s: SpamAssassin plugin blocks "
			    "need vigil_compat spamassassin",
			    dir);
			return true;
		}
		if (f->nif == VG_RULES_IF_DEPTH) {
			vg_rules_perr(p, f, "%s: nested too deep (limit %u)",
			    dir, (unsigned)VG_RULES_IF_DEPTH);
			return true;
		}
		/* Vigil runs no SpamAssassin plugin: ifplugin is false. */
		cond = strcmp(dir, "if") == 0 && vg_rules_sa_cond(rest);
		f->parent[f->nif] = outer;
		f->active[f->nif] = outer && cond;
		f->nif++;
		return true;
	}
	if (strcmp(dir, "else") == 0) {
		if (f->nif == 0)
			vg_rules_perr(p, f, "else without if");
		else
			f->active[f->nif - 1] =
			    f->parent[f->nif - 1] && !f->active[f->nif - 1];
		return true;
	}
	if (strcmp(dir, "endif") == 0) {
		if (f->nif == 0)
			vg_rules_perr(p, f, "endif without if");
		else
			f->nif--;
		return true;
	}
	return false;
}

/*
 * The directives of a rules file.  Each handler gets the directive word
 * (one handler may serve two spellings) and the rest of the line, records
 * a file:line error itself and returns 0, or a VG_E* code that stops the
 * load (out of memory, I/O).  Rule definitions (header, body, ...) and
 * if/else/endif are handled before this table; the lists and the
 * attachment policy after it, by policy_parse.c.
 */
typedef int (*vg_rules_dir_fn)(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest);

/* vg_rules_dir_score - "score NAME N" */
static int
vg_rules_dir_score(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	(void)dir;
	return vg_rules_score_line(p, f, rest);
}

/* vg_rules_dir_annotate - "describe NAME TEXT" and "tflags NAME FLAGS" */
static int
vg_rules_dir_annotate(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	char *name = vg_rules_word(&rest);
	struct vg_rname *e;
	char *w;

	vg_rules_rtrim(rest);
	if (!vg_rules_valid_name(name)) {
		vg_rules_perr(p, f, "%s: bad rule name '%s'", dir, name);
		return 0;
	}
	if ((e = vg_rules_name_get(p->r, name)) == NULL)
		return VG_ENOMEM;
	if (dir[0] == 'd') {
		vg_free(e->describe);
		if ((e->describe = vg_strdup(rest)) == NULL)
			return VG_ENOMEM;
		return 0;
	}
	/* Only "nice" changes anything; the rest are accepted for
	 * SpamAssassin compatibility. */
	e->nice = false;
	while (*(w = vg_rules_word(&rest)) != '\0')
		if (strcmp(w, "nice") == 0)
			e->nice = true;
	return 0;
}

/* vg_rules_dir_required - "required_score N" (or "required_hits N") */
static int
vg_rules_dir_required(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	vg_rules_threshold(p, f, dir, rest, &p->r->required);
	return 0;
}

/* vg_rules_dir_reject - "reject_score N" */
static int
vg_rules_dir_reject(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	vg_rules_threshold(p, f, dir, rest, &p->r->reject);
	return 0;
}

/* vg_rules_dir_include - "include FILE" */
static int
vg_rules_dir_include(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	(void)dir;
	return vg_rules_include(p, f, rest);
}

/* vg_rules_dir_subject - "subject_tag TAG", "rewrite_header Subject TAG" */
static int
vg_rules_dir_subject(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	struct vg_rules *r = p->r;

	if (dir[0] == 'r') {
		char *h = vg_rules_word(&rest);

		if (strcasecmp(h, "Subject") != 0) {
			if (f->compat) {
				r->stats.skipped[VG_SKIP_DIRECTIVE]++;
				return 0;
			}
			vg_rules_perr(p, f,
			    "rewrite_header: only "
			    "Subject can be rewritten, not '%s'",
			    h);
			return 0;
		}
	}
	vg_rules_rtrim(rest);
	vg_free(r->subject_tag);
	r->subject_tag = NULL;
	/* A tag normally ends in a space: keep one after it. */
	if (*rest != '\0') {
		size_t n = strlen(rest);

		if ((r->subject_tag = vg_malloc(n + 2)) == NULL)
			return VG_ENOMEM;
		memcpy(r->subject_tag, rest, n);
		r->subject_tag[n] = ' ';
		r->subject_tag[n + 1] = '\0';
	}
	return 0;
}

/* vg_rules_dir_dnsbl - "dnsbl NAME ZONE ..." (client address lists) */
static int
vg_rules_dir_dnsbl(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	return vg_rules_dnsbl_line(p, f, VG_DNSBL_CLIENT, dir, rest);
}

/* vg_rules_dir_uribl - "uribl NAME ZONE ..." (domains of body links) */
static int
vg_rules_dir_uribl(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	return vg_rules_dnsbl_line(p, f, VG_DNSBL_URI, dir, rest);
}

/* vg_rules_dir_compat - "vigil_compat spamassassin|none" */
static int
vg_rules_dir_compat(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	(void)dir;
	vg_rules_rtrim(rest);
	if (strcmp(rest, "spamassassin") == 0)
		f->compat = true;
	else if (strcmp(rest, "none") == 0)
		f->compat = false;
	else
		vg_rules_perr(p, f,
		    "vigil_compat: unknown mode '%s' "
		    "(spamassassin or none)",
		    rest);
	return 0;
}

/* vg_rules_dir_match_limit - "vigil_match_limit N" */
static int
vg_rules_dir_match_limit(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	vg_rules_limit(p, f, dir, rest, &p->r->match_limit);
	return 0;
}

/* vg_rules_dir_depth_limit - "vigil_depth_limit N" */
static int
vg_rules_dir_depth_limit(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	vg_rules_limit(p, f, dir, rest, &p->r->depth_limit);
	return 0;
}

static const struct vg_rules_dir {
	const char *name;
	vg_rules_dir_fn fn;
} vg_rules_dirs[] = {
    {"score", vg_rules_dir_score},
    {"describe", vg_rules_dir_annotate},
    {"tflags", vg_rules_dir_annotate},
    {"required_score", vg_rules_dir_required},
    {"required_hits", vg_rules_dir_required},
    {"reject_score", vg_rules_dir_reject},
    {"include", vg_rules_dir_include},
    {"rewrite_header", vg_rules_dir_subject},
    {"subject_tag", vg_rules_dir_subject},
    {"dnsbl", vg_rules_dir_dnsbl},
    {"uribl", vg_rules_dir_uribl},
    {"vigil_compat", vg_rules_dir_compat},
    {"vigil_match_limit", vg_rules_dir_match_limit},
    {"vigil_depth_limit", vg_rules_dir_depth_limit},
};

/* vg_rules_dir_find - the handler of directive dir, or NULL */
static vg_rules_dir_fn
vg_rules_dir_find(const char *dir)
{
	size_t i;

	for (i = 0; i < VG_NELEM(vg_rules_dirs); i++)
		if (strcmp(dir, vg_rules_dirs[i].name) == 0)
			return vg_rules_dirs[i].fn;
	return NULL;
}

/* vg_rules_skipped_rule - count a rule inside an inactive if block */
static int
vg_rules_skipped_rule(struct vg_rparse *p, char *rest)
{
	char *name = vg_rules_word(&rest);
	struct vg_rname *e;

	p->r->stats.skipped[VG_SKIP_IFPLUGIN]++;
	if (vg_rules_valid_name(name)) {
		if ((e = vg_rules_name_get(p->r, name)) == NULL)
			return VG_ENOMEM;
		if (e->rule < 0)
			e->skipped = true;
	}
	return 0;
}

/* vg_rules_line - one line, comment already stripped, not blank */
static int
vg_rules_line(struct vg_rparse *p, struct vg_rfile *f, char *line)
{
	struct vg_rules *r = p->r;
	char *rest = line, *dir = vg_rules_word(&rest);
	enum vg_rule_kind kind;
	vg_rules_dir_fn fn;
	int rc;

	if (vg_rules_block(p, f, dir, rest))
		return 0;
	if (f->nif > 0 && !f->active[f->nif - 1]) {
		/* Inside a skipped block: count the rules it would define. */
		if (vg_rules_rule_kind(dir, &kind))
			return vg_rules_skipped_rule(p, rest);
		return 0;
	}
	if (vg_rules_rule_kind(dir, &kind))
		return vg_rules_define(p, f, kind, rest);
	if ((fn = vg_rules_dir_find(dir)) != NULL)
		return fn(p, f, dir, rest);
	/*
	 * The modules above (the lists and the attachment policy,
	 * policy_parse.c) parse their own directives.  They record their
	 * own errors with file:line, so only count them here and go on:
	 * every error is still reported.  They run before the compat test
	 * so that a policy line in a SpamAssassin-compatible file is
	 * obeyed, not skipped.
	 */
	for (size_t m = 0; m < vg_rules_nmodules; m++) {
		rc = vg_rules_modules[m]->directive(
		    r->module_state[m], dir, rest, f->name, f->line, p->err);
		if (rc == VG_ECONFIG) {
			p->nerr++;
			return 0;
		}
		if (rc != 0)
			return rc == 1 ? 0 : rc;
	}
	if (f->compat) {
		r->stats.skipped[VG_SKIP_DIRECTIVE]++;
		return 0;
	}
	vg_rules_perr(p, f, "unknown directive '%s'", dir);
	return 0;
}

/* vg_rules_parse_text - every line of one file */
static int
vg_rules_parse_text(struct vg_rparse *p, const char *text, size_t len,
    const char *name, unsigned depth, bool compat)
{
	struct vg_rfile f;
	char *line = NULL;
	size_t pos = 0;
	int rc = 0;

	memset(&f, 0, sizeof(f));
	if ((f.name = vg_rules_add_file(p->r, name)) == NULL)
		return VG_ENOMEM;
	f.depth = depth;
	f.compat = compat;
	p->r->stats.files++;
	if ((line = vg_malloc(VG_RULES_LINE_MAX + 1)) == NULL)
		return VG_ENOMEM;
	while (pos < len && rc == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		char *s;

		f.line++;
		if (n > VG_RULES_LINE_MAX) {
			vg_rules_perr(p, &f, "line too long (limit %u bytes)",
			    (unsigned)VG_RULES_LINE_MAX);
			pos += n + 1;
			continue;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (memchr(line, '\0', n) != NULL) {
			vg_rules_perr(p, &f, "NUL byte in line");
			continue;
		}
		vg_rules_strip_comment(line);
		s = vg_rules_skipws(line);
		vg_rules_rtrim(s);
		if (*s == '\0')
			continue;
		rc = vg_rules_line(p, &f, s);
	}
	if (rc == 0 && f.nif > 0) {
		f.line++;
		vg_rules_perr(p, &f, "end of file inside an if block");
	}
	vg_free(line);
	return rc;
}

/*
 * vg_rules_resolve_metas - turn meta operands into rule indices or symbol
 * names.  A meta naming a skipped rule (compat mode) is skipped itself,
 * and so on transitively until nothing changes.
 */
static void
vg_rules_resolve_metas(struct vg_rparse *p)
{
	struct vg_rules *r = p->r;
	bool changed = true;
	size_t i, k;

	while (changed) {
		changed = false;
		for (i = 0; i < r->nrules; i++) {
			struct vg_rule *rule = &r->rules[i];

			if (rule->dead || rule->kind != VG_RULE_META)
				continue;
			for (k = 0; k < rule->nrpn; k++) {
				struct vg_meta_tok *t = &rule->rpn[k];
				const struct vg_rname *e;
				struct vg_rfile f;

				if (t->name == NULL)
					continue;
				e = vg_rules_name_find(r, t->name);
				if (e != NULL && e->rule >= 0 &&
				    !r->rules[e->rule].dead) {
					t->op = VG_META_RULE;
					t->rule = (size_t)e->rule;
					continue;
				}
				if ((e == NULL || !e->skipped) &&
				    ((e != NULL && e->dnsbl) ||
				        vg_symbols_known(t->name))) {
					t->op = VG_META_SYM;
					continue;
				}
				if (rule->compat) {
					struct vg_rname *me;

					rule->dead = true;
					/* Every rule's name has an entry
					 * (vg_rules_define made it). */
					me =
					    vg_rules_name_lookup(r, rule->name);
					if (me == NULL)
						vg_panic("rules: no entry for "
						         "%s",
						    rule->name);
					me->skipped = true;
					me->rule = -1;
					r->stats.skipped[VG_SKIP_META]++;
					vg_debug(
					    "%s:%u: meta %s skipped: needs "
					    "%s",
					    rule->file, rule->line, rule->name,
					    t->name);
					changed = true;
					break;
				}
				memset(&f, 0, sizeof(f));
				f.name = rule->file;
				f.line = rule->line;
				vg_rules_perr(p, &f,
				    "meta %s: unknown rule '%s'", rule->name,
				    t->name);
				/* Report once per meta; keep it out of the
				 * dependency walk. */
				rule->dead = true;
				break;
			}
		}
	}
}

/*
 * vg_rules_meta_visit - depth-first walk that appends metas to the
 * evaluation order after their dependencies; a meta met again while it is
 * on the walk's path is a loop.  state: 0 new, 1 on path, 2 placed.
 * Recursion depth is bounded by the number of metas chained; the walk
 * keeps an explicit limit so a hostile file cannot exhaust the stack.
 */
static int
vg_rules_meta_visit(
    struct vg_rparse *p, size_t i, unsigned char *state, unsigned depth)
{
	struct vg_rules *r = p->r;
	struct vg_rule *rule = &r->rules[i];
	size_t k;
	int rc;

	if (state[i] == 2)
		return 0;
	if (state[i] == 1 || depth > VG_RULES_META_CHAIN) {
		struct vg_rfile f;

		memset(&f, 0, sizeof(f));
		f.name = rule->file;
		f.line = rule->line;
		vg_rules_perr(p, &f,
		    depth > VG_RULES_META_CHAIN
		        ? "meta %s: metas chained too deep"
		        : "meta %s: depends on itself",
		    rule->name);
		return VG_ECONFIG;
	}
	state[i] = 1;
	for (k = 0; k < rule->nrpn; k++) {
		size_t d = rule->rpn[k].rule;

		if (rule->rpn[k].op != VG_META_RULE ||
		    r->rules[d].kind != VG_RULE_META)
			continue;
		if ((rc = vg_rules_meta_visit(p, d, state, depth + 1)) != 0)
			return rc;
	}
	state[i] = 2;
	r->order[VG_RULE_META][r->norder[VG_RULE_META]++] = i;
	return 0;
}

/* One header rule while sorting: its group and its position. */
struct vg_rules_gsort {
	size_t group, idx;
};

/* vg_rules_group_cmp - header rules by group, then by position */
static int
vg_rules_group_cmp(const void *a, const void *b)
{
	const struct vg_rules_gsort *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

/*
 * vg_rules_sort_headers - order header rules by group so that each group's
 * header value is assembled once per message
 */
static int
vg_rules_sort_headers(struct vg_rules *r)
{
	size_t n = r->norder[VG_RULE_HEADER], i;
	struct vg_rules_gsort *tmp;

	if (n == 0)
		return 0;
	if ((tmp = vg_calloc(n, sizeof(*tmp))) == NULL)
		return VG_ENOMEM;
	for (i = 0; i < n; i++) {
		tmp[i].idx = r->order[VG_RULE_HEADER][i];
		tmp[i].group = r->rules[tmp[i].idx].group;
	}
	qsort(tmp, n, sizeof(*tmp), vg_rules_group_cmp);
	for (i = 0; i < n; i++)
		r->order[VG_RULE_HEADER][i] = tmp[i].idx;
	vg_free(tmp);
	return 0;
}

/* vg_rules_finish - second pass: names, scores, evaluation order */
static int
vg_rules_finish(struct vg_rparse *p)
{
	struct vg_rules *r = p->r;
	unsigned char *state = NULL;
	size_t i, k;
	int rc = 0;

	vg_rules_resolve_metas(p);
	for (k = 0; k < VG_RULE_KIND_MAX; k++) {
		r->order[k] = vg_calloc(r->nrules + 1, sizeof(size_t));
		if (r->order[k] == NULL)
			return VG_ENOMEM;
	}
	for (i = 0; i < r->nrules; i++) {
		struct vg_rule *rule = &r->rules[i];
		const struct vg_rname *e;

		if (rule->dead)
			continue;
		e = vg_rules_name_find(r, rule->name);
		/* SpamAssassin: an unscored rule scores 1 (nice: -1),
		 * a sub-rule never scores. */
		if (rule->sub)
			rule->score = 0;
		else if (e->has_score)
			rule->score = e->score;
		else
			rule->score = e->nice ? -1.0 : 1.0;
		r->stats.rules[rule->kind]++;
		if (rule->sub)
			r->stats.subrules++;
		else if (rule->score != 0)
			r->stats.scored++;
		if (rule->kind != VG_RULE_META)
			r->order[rule->kind][r->norder[rule->kind]++] = i;
	}
	if (vg_rules_sort_headers(r) != 0)
		return VG_ENOMEM;
	for (i = 0; i < r->nnames; i++) {
		const struct vg_rname *e = &r->names[i];

		if (e->has_score && e->rule < 0 && !e->skipped && !e->dnsbl &&
		    !vg_symbols_known(e->name))
			r->stats.unknown_scores++;
	}
	if ((state = vg_calloc(r->nrules + 1, 1)) == NULL)
		return VG_ENOMEM;
	for (i = 0; i < r->nrules; i++) {
		if (r->rules[i].dead || r->rules[i].kind != VG_RULE_META)
			continue;
		if (vg_rules_meta_visit(p, i, state, 0) != 0)
			break;
	}
	vg_free(state);
	return rc;
}

/* vg_rules_parse - as vg_rules_load() on text in memory named name */
int
vg_rules_parse(struct vg_rules **out, const char *text, size_t len,
    const char *name, struct vg_err *err)
{
	struct vg_rparse p;
	struct vg_rules *r;
	int rc;

	*out = NULL;
	if ((r = vg_calloc(1, sizeof(*r))) == NULL)
		return VG_ENOMEM;
	r->required = VG_DEF_REQUIRED_SCORE;
	r->reject = VG_DEF_REJECT_SCORE;
	r->match_limit = VG_RULES_DEF_MATCH_LIMIT;
	r->depth_limit = VG_RULES_DEF_DEPTH_LIMIT;
	atomic_init(&r->limit_rules, 0);
	if (vg_rules_nmodules > VG_RULES_MODULES_MAX)
		vg_panic("rules: %zu modules, at most %d", vg_rules_nmodules,
		    VG_RULES_MODULES_MAX);
	for (size_t m = 0; m < vg_rules_nmodules; m++) {
		if ((rc = vg_rules_modules[m]->create(&r->module_state[m])) ==
		    0)
			continue;
		vg_err_add(err, name, 0, "out of memory loading rules");
		vg_rules_free(r);
		return rc;
	}
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.err = err;
	rc = vg_rules_parse_text(&p, text, len, name, 0, false);
	if (rc == 0)
		rc = vg_rules_finish(&p);
	if (rc == 0 && p.nerr > 0)
		rc = VG_ECONFIG;
	if (rc == VG_ENOMEM)
		vg_err_add(err, name, 0, "out of memory loading rules");
	if (rc != 0) {
		vg_rules_free(r);
		return rc;
	}
	*out = r;
	return 0;
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

/* vg_rules_load - parse and compile a rules file */
int
vg_rules_load(struct vg_rules **out, const char *path, struct vg_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = vg_rules_read_file(path, &text, &len);
	if (rc == VG_ENOMEM)
		return rc;
	if (rc != 0) {
		vg_err_add(err, path, 0, "%s",
		    rc == VG_ELIMIT ? "file too large" : strerror(errno));
		return rc == VG_ELIMIT ? VG_ECONFIG : VG_EIO;
	}
	rc = vg_rules_parse(out, text, len, path, err);
	vg_free(text);
	return rc;
}
