/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_parse - rules file text -> compiled rules (see rules.h and
 * vigil.rules(5)): the driver of one load.
 *
 * PURPOSE  A load has two passes.  The first reads the file and its
 *	    includes line by line and records what each line says: rules
 *	    (each regex compiled once, with JIT), scores, describes, tflags,
 *	    thresholds and DNS list declarations.  Scores, describes and
 *	    meta operands may name rules that are defined later
 *	    (SpamAssassin puts all scores in 50_scores.cf), so the second
 *	    pass (rules_resolve.c) resolves names once everything is read.
 *	    This file holds the first pass's driver: it takes a file's lines
 *	    from the lexer (rules_lex.c) and hands each to the if/else
 *	    blocks (rules_compat.c), the rule definitions (rules_define.c),
 *	    the directive table (rules_directives.c), then to each
 *	    rules-file module (vg_rules_modules[]: the lists and the
 *	    attachment policy, whose directives are not scoring) before
 *	    calling it unknown.
 * OWNS     vg_rules_parse() and vg_rules_load() return rules the caller
 *	    frees with vg_rules_free(); on failure nothing is returned.
 * LIMITS   A line holds at most VG_RULES_LINE_MAX bytes and a file
 *	    VG_RULES_FILE_MAX; a file ends with every if block closed.  Each
 *	    is an error at file:line.
 * ERRORS   Every error is recorded with file:line and the load goes on,
 *	    so one run reports all of them; then VG_ECONFIG.  VG_ENOMEM,
 *	    VG_EIO (the top file cannot be read).
 * THREADS  Loads on different threads share nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "rules/rules_parse_int.h"
#include "rules/sa_net.h"
#include "rules/rules_prefilter.h"

/* vg_rules_perr - record one error at the current file:line */
void
vg_rules_perr(
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
		if (vg_rules_rule_kind(dir, &kind) ||
		    (f->compat &&
		        (strcmp(dir, "mimeheader") == 0 ||
		            strcmp(dir, "uri_detail") == 0)))
			return vg_rules_skipped_rule(p, f, rest);
		return 0;
	}
	if (vg_rules_rule_kind(dir, &kind))
		return vg_rules_define(p, f, kind, rest);
	/* SpamAssassin's MIMEHeader plugin (sa_mimeheader.c). */
	if (f->compat && strcmp(dir, "mimeheader") == 0)
		return vg_rules_define_mimeheader(p, f, rest);
	/* SpamAssassin's URIDetail plugin (sa_uridetail.c). */
	if (f->compat && strcmp(dir, "uri_detail") == 0)
		return vg_rules_define_uridetail(p, f, rest);
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
int
vg_rules_parse_text(struct vg_rparse *p, const char *text, size_t len,
    const char *name, unsigned depth, bool compat)
{
	struct vg_rfile f;
	enum vg_rules_lex lx;
	char *line = NULL, *s;
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
	while (rc == 0 &&
	    (lx = vg_rules_lex_line(&s, line, text, len, &pos)) !=
	        VG_RULES_LEX_END) {
		f.line++;
		switch (lx) {
		case VG_RULES_LEX_END:
			break;
		case VG_RULES_LEX_TOO_LONG:
			vg_rules_perr(p, &f, "line too long (limit %u bytes)",
			    (unsigned)VG_RULES_LINE_MAX);
			break;
		case VG_RULES_LEX_NUL:
			vg_rules_perr(p, &f, "NUL byte in line");
			break;
		case VG_RULES_LEX_LINE:
			if (*s != '\0')
				rc = vg_rules_line(p, &f, s);
			break;
		}
	}
	if (rc == 0 && f.nif > 0) {
		f.line++;
		vg_rules_perr(p, &f, "end of file inside an if block");
	}
	vg_free(line);
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
	r->autolearn_spam = nan("");
	r->autolearn_ham = nan("");
	r->reputation_ham = nan("");
	r->match_limit = VG_RULES_DEF_MATCH_LIMIT;
	r->depth_limit = VG_RULES_DEF_DEPTH_LIMIT;
	atomic_init(&r->limit_rules, 0);
	if ((rc = vg_rules_hdr_defaults(r)) != 0) {
		vg_rules_free(r);
		return rc;
	}
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
		rc = vg_sa_net_finish(&p);
	vg_sa_net_free(p.sanet);
	p.sanet = NULL;
	if (rc == 0)
		rc = vg_rules_finish(&p);
	if (rc == 0 && p.nerr > 0)
		rc = VG_ECONFIG;
	/* Last: they need the final evaluation order (rules_prefilter.c). */
	if (rc == 0)
		rc = vg_pf_build(r);
	if (rc == 0)
		rc = vg_rules_meta_pack(r);
	if (rc == VG_ENOMEM)
		vg_err_add(err, name, 0, "out of memory loading rules");
	if (rc != 0) {
		vg_rules_free(r);
		return rc;
	}
	*out = r;
	return 0;
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
