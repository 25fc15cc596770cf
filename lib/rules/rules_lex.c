/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_lex - the lexer of a rules file: its lines (a line ends at LF;
 * there are no continuation lines), comments, blanks, words and names,
 * each cut in place in a buffer of the caller's.
 *
 * PURPOSE  One definition of what a line, a comment, a blank, a word and a
 *	    rule name are, shared by the driver and every directive.
 * OWNS     Nothing: each function works in the caller's buffer.
 * LIMITS   A line is at most VG_RULES_LINE_MAX bytes: a longer one is
 *	    reported and skipped by the driver, as is a line holding a NUL.
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

/* vg_rules_lex_line - the next line of text, its comment stripped, trimmed */
enum vg_rules_lex
vg_rules_lex_line(
    char **out, char *line, const char *text, size_t len, size_t *pos)
{
	const char *nl;
	size_t n;

	*out = line;
	line[0] = '\0';
	if (*pos >= len)
		return VG_RULES_LEX_END;
	nl = memchr(text + *pos, '\n', len - *pos);
	n = nl != NULL ? (size_t)(nl - (text + *pos)) : len - *pos;
	if (n > VG_RULES_LINE_MAX) {
		*pos += n + 1;
		return VG_RULES_LEX_TOO_LONG;
	}
	memcpy(line, text + *pos, n);
	line[n] = '\0';
	*pos += n + 1;
	if (memchr(line, '\0', n) != NULL)
		return VG_RULES_LEX_NUL;
	vg_rules_strip_comment(line);
	*out = vg_rules_skipws(line);
	vg_rules_rtrim(*out);
	return VG_RULES_LEX_LINE;
}
