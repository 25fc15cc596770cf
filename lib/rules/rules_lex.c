/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_lex - the words of a rules-file line: blanks, words, names and
 * comments, each cut in place in the line's buffer.
 *
 * PURPOSE  One definition of what a blank, a word, a rule name and a
 *	    comment are, shared by every directive.
 * OWNS     Nothing: each function works in the caller's buffer.
 * THREADS  No state.
 */
#include <string.h>

#include "rules/rules_parse_int.h"

/* vg_rules_valid_name - rule names are [A-Za-z0-9_]+, as in SpamAssassin */
bool
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
bool
vg_rules_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* vg_rules_skipws - first non-blank character of s */
char *
vg_rules_skipws(char *s)
{
	while (vg_rules_isspace(*s))
		s++;
	return s;
}

/* vg_rules_word - cut the first word off *sp; "" when none */
char *
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
void
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
void
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
