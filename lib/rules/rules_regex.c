/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_regex - the regex of a rule: "/re/flags" or "m{re}flags" (any
 * delimiter; bracket pairs nest), the flags i, m, s, x (g and o are
 * accepted and mean nothing), compiled once with PCRE2 and JIT.
 *
 * PURPOSE  Compile each rule's pattern at load time, and for body and
 *	    rawbody rules a MULTILINE copy that rules_eval.c runs once over
 *	    the whole text instead of once per paragraph.  The pattern's
 *	    text and options are kept for the Hyperscan prefilter
 *	    (rules_prefilter.c), which frees them once it is built.
 * OWNS     The compiled patterns are the rule's (vg_rules_free_rule()).
 * LIMITS   The match and depth limits are applied per match, by
 *	    rules_eval.c (vigil_match_limit, vigil_depth_limit).
 * ERRORS   VG_ECONFIG with a reason: bad syntax, or PCRE2's message (which
 *	    compat mode may turn into a skipped rule); VG_ENOMEM.  No JIT
 *	    on this platform is not an error: the interpreter runs.
 * THREADS  Compiled patterns are read-only after the load.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "rules/rules_parse_int.h"

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
 * vg_rules_dollar - whether the pattern s[0..n) has a $ anchor (a $ that is
 * neither escaped nor in a character class)
 */
static bool
vg_rules_dollar(const char *s, size_t n)
{
	bool cls = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\') {
			i++;
			continue;
		}
		if (cls) {
			cls = s[i] != ']';
			continue;
		}
		if (s[i] == '[') {
			cls = true;
			/* "[]" and "[^]" open with a literal ']' */
			if (i + 1 < n && s[i + 1] == '^')
				i++;
			if (i + 1 < n && s[i + 1] == ']')
				i++;
			continue;
		}
		if (s[i] == '$')
			return true;
	}
	return false;
}

/*
 * vg_rules_regex - parse "/re/flags" or "m{re}flags" at *sp and compile it.
 * On success *sp points past the flags.  Returns 0, VG_ENOMEM, or
 * VG_ECONFIG with a reason in why (bad syntax, skip = false) or PCRE2's
 * message (skip = true: SpamAssassin mode may skip the rule instead).
 */
int
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
	/* Kept for the prefilter, which compiles all of a text's patterns
	 * together at the end of the load (rules_prefilter.c). */
	rule->opts = opts;
	if ((rule->pf_src = vg_strndup(start, (size_t)(end - start))) == NULL)
		return VG_ENOMEM;
	if (multi_copy) {
		/*
		 * Body rules match per paragraph.  Rather than one match per
		 * paragraph, rules_eval.c first matches the whole text once
		 * with ^ and $ at line ends; patterns whose meaning changes
		 * across lines (\A, \z, \Z, lookbehind) stay per line, and
		 * so do body patterns with a $ anchor: SpamAssassin's body
		 * line ends in "\n", so /!\s$/ matches "Answer!\n", which
		 * the whole text "Answer!\nHow..." cannot show with $ at
		 * line ends.
		 */
		size_t n = (size_t)(end - start);

		rule->per_line = vg_rules_contains(start, n, "\\A") ||
		    vg_rules_contains(start, n, "\\z") ||
		    vg_rules_contains(start, n, "\\Z") ||
		    vg_rules_contains(start, n, "\\G") ||
		    vg_rules_contains(start, n, "(?<") ||
		    (rule->kind == VG_RULE_BODY && vg_rules_dollar(start, n));
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
