/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_parse_int - the parser's internal interface: what the files of the
 * rules-file parser (rules_parse.c and the rules_*.c files it drives) share.
 *
 * PURPOSE  One load of a rules file is cut by concept: the driver
 *	    (rules_parse.c: lines, dispatch, the load), the lexer
 *	    (rules_lex.c), the name table (rules_names.c), the rules set's
 *	    storage (rules_set.c), regexes (rules_regex.c), header specs
 *	    (rules_hdrspec.c), meta expressions (rules_meta_parse.c), rule
 *	    definitions (rules_define.c), the directive table
 *	    (rules_directives.c), include (rules_include.c), SpamAssassin
 *	    compatibility (rules_compat.c) and the second pass that resolves
 *	    names (rules_resolve.c).  Nothing outside those files includes
 *	    this header; rules_eval.c reads the compiled form through
 *	    rules_int.h alone.
 * OWNS     struct vg_rparse and struct vg_rfile live on the driver's stack
 *	    for one load and one file; they own nothing.
 * ERRORS   A handler records a bad line with vg_rules_perr() (file:line:
 *	    reason) and returns 0 so the load goes on; a VG_E* return
 *	    (VG_ENOMEM, VG_EIO) stops the load.
 * THREADS  One load runs on one thread; different loads share nothing.
 */
#ifndef VG_RULES_PARSE_INT_H
#define VG_RULES_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/compiler.h"
#include "base/err.h"
#include "rules/rules_int.h"

/* Parser state for one load. */
struct vg_sa_net;

struct vg_rparse {
	struct vg_rules *r;
	struct vg_err *err;
	unsigned nerr;
	struct vg_sa_net *sanet; /* sa_net.c's load state, or NULL */
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
	/* the SpamAssassin plugin each level names (index into the
	 * per-plugin counts, rules_evalfn.h), -1 for none */
	int plugin[VG_RULES_IF_DEPTH];
	unsigned nif;
};

/* rules_parse.c: the driver. */

/* vg_rules_perr - record one error at f's file:line (f may be NULL) */
void vg_rules_perr(struct vg_rparse *p, const struct vg_rfile *f,
    const char *fmt, ...) VG_PRINTF(3, 4);
/*
 * vg_rules_parse_text - every line of one file's text, at include depth
 * depth; 0 or a VG_E* code that stops the load
 */
int vg_rules_parse_text(struct vg_rparse *p, const char *text, size_t len,
    const char *name, unsigned depth, bool compat);

/* rules_lex.c: the words of a line. */

/* vg_rules_valid_name - rule names are [A-Za-z0-9_]+, as in SpamAssassin */
bool vg_rules_valid_name(const char *s);
/*
 * vg_rules_isspace - ASCII white space (inline: the lexer, the regex and
 * meta scanners call it for every byte of a rules file)
 */
static inline bool
vg_rules_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}
/* vg_rules_skipws - first non-blank character of s */
char *vg_rules_skipws(char *s);
/* vg_rules_word - cut the first word off *sp; "" when none */
char *vg_rules_word(char **sp);
/* vg_rules_rtrim - drop trailing blanks in place */
void vg_rules_rtrim(char *s);
/* vg_rules_strip_comment - remove a comment as SpamAssassin does */
void vg_rules_strip_comment(char *s);

/* What vg_rules_lex_line() found. */
enum vg_rules_lex {
	VG_RULES_LEX_END,      /* no text left */
	VG_RULES_LEX_LINE,     /* a line: *out is "" when it is blank */
	VG_RULES_LEX_TOO_LONG, /* longer than VG_RULES_LINE_MAX: skipped */
	VG_RULES_LEX_NUL,      /* holds a NUL byte: skipped */
};

/*
 * vg_rules_lex_line - cut the line of text[0..len) at *pos into line
 * (VG_RULES_LINE_MAX + 1 bytes), strip its comment and trim it; *out
 * points into line at its first word.  *pos moves past the line whatever
 * is returned, so a line that is skipped is still counted.
 */
enum vg_rules_lex vg_rules_lex_line(
    char **out, char *line, const char *text, size_t len, size_t *pos);

/* rules_names.c: the name table. */

/*
 * vg_rules_name_lookup - the entry for name, writable, or NULL; never
 * creates one, so it invalidates nothing (unlike vg_rules_name_get).
 */
struct vg_rname *vg_rules_name_lookup(struct vg_rules *r, const char *name);
/*
 * vg_rules_name_get - the entry for name, created when missing; NULL on
 * allocation failure.  Invalidates pointers to other entries.
 */
struct vg_rname *vg_rules_name_get(struct vg_rules *r, const char *name);

/* rules_set.c: the rules set's storage. */

/* vg_rules_add_file - remember a file name for file:line; borrowed back */
const char *vg_rules_add_file(struct vg_rules *r, const char *name);
/* vg_rules_new_rule - append an empty rule; NULL on allocation failure */
struct vg_rule *vg_rules_new_rule(struct vg_rules *r);
/* vg_rules_free_rule - free what one rule owns */
void vg_rules_free_rule(struct vg_rule *rule);
/*
 * vg_rules_meta_pack - move the tokens of the live meta rules into one
 * block (vg_rules.meta_rpn) in evaluation order, once the order is
 * final; 0 or VG_ENOMEM
 */
int vg_rules_meta_pack(struct vg_rules *r);

/* rules_regex.c */

/*
 * vg_rules_regex - parse "/re/flags" or "m{re}flags" at *sp and compile it
 * into rule->re (and rule->re_ml when multi_copy).  On success *sp points
 * past the flags.  Returns 0, VG_ENOMEM, or VG_ECONFIG with a reason in
 * why (bad syntax, skip = false) or PCRE2's message (skip = true:
 * SpamAssassin mode may skip the rule instead).
 */
int vg_rules_regex(struct vg_rule *rule, char **sp, bool multi_copy, char *why,
    size_t whylen, bool *skip);

/* rules_hdrspec.c */

/*
 * vg_rules_header_spec - parse "Name[:raw|:addr|:name] =~|!~ /re/ [if-unset:
 * TEXT]" or "exists:Name" into rule.  Returns 0, VG_ENOMEM, VG_ECONFIG
 * (reason in why; *skip says compat mode may skip it, with *skip_kind).
 */
int vg_rules_header_spec(struct vg_rules *r, struct vg_rule *rule, char *s,
    char *why, size_t whylen, bool *skip, enum vg_rules_skip *skip_kind);

/* rules_meta_parse.c */

/*
 * vg_rules_meta_compile - expression text -> rule->rpn; names resolved
 * later.  VG_ECONFIG with a static reason in *why, or VG_ENOMEM.
 */
int vg_rules_meta_compile(
    struct vg_rule *rule, const char *expr, const char **why);

/* rules_define.c */

/* vg_rules_rule_kind - whether dir defines a rule, and of which kind */
bool vg_rules_rule_kind(const char *dir, enum vg_rule_kind *out);
/*
 * vg_rules_define - the rule directives: header, body, rawbody, full, uri,
 * meta.  rest is "NAME definition".
 */
int vg_rules_define(struct vg_rparse *p, struct vg_rfile *f,
    enum vg_rule_kind kind, char *rest);
/*
 * vg_rules_define_mimeheader - SpamAssassin's "mimeheader NAME Header =~
 * /re/" (compat mode): a body eval rule of the MIMEHeader plugin
 */
int vg_rules_define_mimeheader(
    struct vg_rparse *p, struct vg_rfile *f, char *rest);

/* rules_directives.c */

/*
 * A directive's handler gets the directive word (one handler may serve
 * two spellings) and the rest of the line.
 */
typedef int (*vg_rules_dir_fn)(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest);

/* rules_headers.c: add_header, remove_header, clear_headers, report_safe. */

/* vg_rules_hdr_defaults - fill both lists with SpamAssassin's layout */
int vg_rules_hdr_defaults(struct vg_rules *r);
/* vg_rules_hdr_free - empty both lists */
void vg_rules_hdr_free(struct vg_rules *r);
int vg_rules_dir_add_header(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest);
int vg_rules_dir_remove_header(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest);
int vg_rules_dir_clear_headers(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest);
int vg_rules_dir_report_safe(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest);

/* vg_rules_dir_find - the handler of directive dir, or NULL */
vg_rules_dir_fn vg_rules_dir_find(const char *dir);

/* rules_replace.c: SpamAssassin's ReplaceTags. */

/* vg_rules_dir_replace - replace_tag, _pre, _inter, _post, replace_rules */
int vg_rules_dir_replace(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest);
/*
 * vg_rules_replace_finish - rewrite the regexes of the replace_rules rules
 * and drop every rule's kept definition; 0 or VG_ENOMEM
 */
int vg_rules_replace_finish(struct vg_rparse *p);
/* vg_rules_replace_free - NULL is a no-op */
void vg_rules_replace_free(struct vg_rules_replace *rp);

/* sa_freemail.c: SpamAssassin's FreeMail lists. */

/* vg_rules_dir_freemail - freemail_domains, freemail_welcomelist */
int vg_rules_dir_freemail(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest);
/* vg_rules_freemail_finish - sort and compile the lists; VG_ENOMEM */
int vg_rules_freemail_finish(struct vg_rparse *p);
/* vg_rules_freemail_free - NULL is a no-op */
void vg_rules_freemail_free(struct vg_rules_freemail *fm);

/* sa_fromnamespoof.c: SpamAssassin's FromNameSpoof settings. */

/* vg_rules_dir_fns - fns_add_addrlist, fns_check and the other fns_* */
int vg_rules_dir_fns(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest);
/* vg_rules_fns_free - NULL is a no-op */
void vg_rules_fns_free(struct vg_rules_fns *fns);

/* sa_uridetail.c: SpamAssassin's uri_detail rules. */

/* vg_rules_uridetail_free - NULL is a no-op */
void vg_rules_uridetail_free(struct vg_rules_uridetail *ud);
/*
 * vg_rules_define_uridetail - SpamAssassin's "uri_detail NAME KEY =~
 * /re/ ...", a body eval rule (rules_define.c, sa_uridetail.c)
 */
int vg_rules_define_uridetail(
    struct vg_rparse *p, struct vg_rfile *f, char *rest);

/* rules_include.c */

/* vg_rules_read_file - whole file into memory; VG_EIO or VG_ELIMIT */
int vg_rules_read_file(const char *path, char **text_out, size_t *len_out);
/* vg_rules_include - "include FILE", relative to the including file */
int vg_rules_include(struct vg_rparse *p, struct vg_rfile *f, char *rest);

/* rules_directives.c */

/*
 * vg_rules_dnsbl_add - declare a client (dnsbl) or URI (uribl) list NAME
 * on zone with answers (NULL: the default), as the directives do: 0;
 * VG_ECONFIG with a static reason in *why (a bad name, zone or answers,
 * or a name already defined), nothing reported; VG_ENOMEM
 */
int vg_rules_dnsbl_add(struct vg_rparse *p, struct vg_rfile *f,
    enum vg_dnsbl_kind kind, const char *name, const char *zone,
    const char *answers, const char **why);

/* rules_compat.c */

/* vg_rules_block - if / ifplugin / else / endif; true if dir was one */
bool vg_rules_block(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest);
/* vg_rules_skipped_rule - count a rule inside an inactive if block */
int vg_rules_skipped_rule(
    struct vg_rparse *p, const struct vg_rfile *f, char *rest);
/*
 * vg_rules_plugin_count - count one rule as loaded or skipped under
 * plugin (an eval function's), or else under the innermost plugin block
 * of f; a loaded rule outside any plugin is not counted
 */
void vg_rules_plugin_count(struct vg_rparse *p, const struct vg_rfile *f,
    const char *plugin, bool loaded);
/* vg_rules_dir_compat - "vigil_compat spamassassin|none" (a directive) */
int vg_rules_dir_compat(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest);

/* rules_resolve.c */

/* vg_rules_finish - second pass: names, scores, evaluation order */
int vg_rules_finish(struct vg_rparse *p);

#endif /* VG_RULES_PARSE_INT_H */
