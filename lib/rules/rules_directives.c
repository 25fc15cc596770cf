/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_directives - the directive table of a rules file (vg_rules_dirs[])
 * and its handlers: score, describe, tflags, required_score, reject_score,
 * autolearn_spam_score, autolearn_ham_score, reputation_ham_score,
 * include, subject_tag, rewrite_header, dnsbl, uribl, vigil_compat (whose
 * handler is rules_compat.c's), vigil_match_limit, vigil_depth_limit,
 * vigil_prefilter,
 * and the header directives (rules_headers.c's handlers).
 *
 * PURPOSE  A directive is one row here and one handler.  Rule definitions
 *	    (rules_define.c) and if/else/endif (rules_compat.c) are matched
 *	    before this table; the directives of the layers above (the
 *	    lists and the attachment policy) after it, through the
 *	    rules-file module table (rules.h).
 * OWNS     What a handler records belongs to the rules set.
 * LIMITS   Scores are within +-1000, thresholds within -1000..10000, the
 *	    PCRE2 limits within 1..1e9, DNS zones 253 bytes with labels of
 *	    63: outside, an error.
 * ERRORS   Each handler records a bad line as file:line: reason and
 *	    returns 0; VG_ENOMEM (and VG_EIO through include) stop the load.
 * THREADS  One load, one thread.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/num.h"
#include "rules/dnsbl_answers.h"
#include "rules/rules_parse_int.h"
#include "rules/sa_net.h"

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
	e->has_score1 = n == 4;
	e->score1 = n == 4 ? v[1] : v[0];
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

/* vg_rules_dnsbl_add - see rules_parse_int.h */
int
vg_rules_dnsbl_add(struct vg_rparse *p, struct vg_rfile *f,
    enum vg_dnsbl_kind kind, const char *name, const char *zone,
    const char *answers, const char **why)
{
	struct vg_rules *r = p->r;
	struct vg_rules_dnsbl *d;
	struct vg_rname *e;

	if (!vg_rules_valid_name(name)) {
		*why = "bad name";
		return VG_ECONFIG;
	}
	if (!vg_rules_valid_zone(zone)) {
		*why = "bad zone";
		return VG_ECONFIG;
	}
	/* The DNSBL module owns the ANSWERS syntax: one parser, not two. */
	if (answers != NULL && vg_dnsbl_answers_check(answers, why) != 0)
		return VG_ECONFIG;
	if ((e = vg_rules_name_get(r, name)) == NULL)
		return VG_ENOMEM;
	if (e->rule >= 0 || e->dnsbl) {
		*why = "name already defined";
		return VG_ECONFIG;
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
	d->answers = answers != NULL ? vg_strdup(answers) : NULL;
	r->ndnsbls++;
	if (d->name == NULL || d->zone == NULL ||
	    (answers != NULL && d->answers == NULL))
		return VG_ENOMEM;
	if (kind == VG_DNSBL_CLIENT)
		r->stats.dnsbl++;
	else
		r->stats.uribl++;
	return 0;
}

/* vg_rules_dnsbl_line - "dnsbl NAME ZONE [ANSWERS]" and uribl */
static int
vg_rules_dnsbl_line(struct vg_rparse *p, struct vg_rfile *f,
    enum vg_dnsbl_kind kind, const char *dir, char *rest)
{
	char *name = vg_rules_word(&rest), *zone = vg_rules_word(&rest);
	char *answers = vg_rules_word(&rest);
	const char *why = "";
	int rc;

	if (!vg_rules_valid_name(name)) {
		vg_rules_perr(p, f, "%s: bad name '%s'", dir, name);
		return 0;
	}
	if (!vg_rules_valid_zone(zone)) {
		vg_rules_perr(p, f, "%s %s: bad zone '%s'", dir, name, zone);
		return 0;
	}
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
	rc = vg_rules_dnsbl_add(
	    p, f, kind, name, zone, *answers != '\0' ? answers : NULL, &why);
	if (rc == VG_ECONFIG) {
		vg_rules_perr(p, f, "%s %s: %s", dir, name, why);
		return 0;
	}
	return rc;
}

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
	/* "nice", "multiple" and "maxhits=N" change what a rule does; the
	 * rest are accepted for SpamAssassin compatibility.  A later tflags
	 * line replaces an earlier one, as in SpamAssassin. */
	e->nice = false;
	e->multiple = false;
	e->maxhits = 0;
	while (*(w = vg_rules_word(&rest)) != '\0') {
		if (strcmp(w, "nice") == 0)
			e->nice = true;
		else if (strcmp(w, "multiple") == 0)
			e->multiple = true;
		else if (strncmp(w, "maxhits=", 8) == 0) {
			unsigned long v;
			char *end;

			v = strtoul(w + 8, &end, 10);
			if (w[8] < '0' || w[8] > '9' || *end != '\0' || v < 1 ||
			    v > VG_RULES_MAXHITS_MAX) {
				vg_rules_perr(p, f,
				    "tflags: maxhits wants 1 to %u, got '%s'",
				    (unsigned)VG_RULES_MAXHITS_MAX, w + 8);
				continue;
			}
			e->maxhits = (unsigned)v;
		}
	}
	return 0;
}

/*
 * vg_rules_dir_priority - "priority NAME N": SpamAssassin's order of
 * evaluation.  Recorded and checked; it changes no result in Vigil, which
 * has no shortcircuit and runs a meta after every rule it reads
 * (vigil.rules(5)).
 */
static int
vg_rules_dir_priority(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	char *name = vg_rules_word(&rest), *w, *end;
	struct vg_rname *e;
	long v;

	vg_rules_rtrim(rest);
	w = vg_rules_word(&rest);
	if (!vg_rules_valid_name(name)) {
		vg_rules_perr(p, f, "%s: bad rule name '%s'", dir, name);
		return 0;
	}
	v = strtol(w, &end, 10);
	if (*w == '\0' || *end != '\0' || v < -1000000 || v > 1000000) {
		vg_rules_perr(
		    p, f, "%s: want a whole number, got '%s'", dir, w);
		return 0;
	}
	if ((e = vg_rules_name_get(p->r, name)) == NULL)
		return VG_ENOMEM;
	e->priority = (int)v;
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

/*
 * vg_rules_dir_autolearn - "autolearn_spam_score N", "..._ham_score N",
 * "reputation_ham_score N"
 */
static int
vg_rules_dir_autolearn(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	double *slot = &p->r->autolearn_ham;

	if (strcmp(dir, "autolearn_spam_score") == 0)
		slot = &p->r->autolearn_spam;
	else if (strcmp(dir, "reputation_ham_score") == 0)
		slot = &p->r->reputation_ham;
	vg_rules_threshold(p, f, dir, rest, slot);
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

/*
 * vg_rules_dir_prefilter - "vigil_prefilter auto|on|off"
 * (rules_prefilter.c)
 */
static int
vg_rules_dir_prefilter(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	vg_rules_rtrim(rest);
	if (strcmp(rest, "auto") == 0)
		p->r->pf_mode = VG_PF_AUTO;
	else if (strcmp(rest, "on") == 0)
		p->r->pf_mode = VG_PF_ON;
	else if (strcmp(rest, "off") == 0)
		p->r->pf_mode = VG_PF_OFF;
	else
		vg_rules_perr(
		    p, f, "%s: want auto, on or off, got '%s'", dir, rest);
	return 0;
}

static const struct vg_rules_dir {
	const char *name;
	vg_rules_dir_fn fn;
} vg_rules_dirs[] = {
    {"score", vg_rules_dir_score},
    {"describe", vg_rules_dir_annotate},
    {"tflags", vg_rules_dir_annotate},
    {"priority", vg_rules_dir_priority},
    {"required_score", vg_rules_dir_required},
    {"required_hits", vg_rules_dir_required},
    {"reject_score", vg_rules_dir_reject},
    {"autolearn_spam_score", vg_rules_dir_autolearn},
    {"autolearn_ham_score", vg_rules_dir_autolearn},
    {"reputation_ham_score", vg_rules_dir_autolearn},
    {"include", vg_rules_dir_include},
    {"rewrite_header", vg_rules_dir_subject},
    {"subject_tag", vg_rules_dir_subject},
    {"dnsbl", vg_rules_dir_dnsbl},
    {"uribl", vg_rules_dir_uribl},
    {"vigil_compat", vg_rules_dir_compat},
    {"add_header", vg_rules_dir_add_header},
    {"remove_header", vg_rules_dir_remove_header},
    {"clear_headers", vg_rules_dir_clear_headers},
    {"report_safe", vg_rules_dir_report_safe},
    {"vigil_match_limit", vg_rules_dir_match_limit},
    {"vigil_depth_limit", vg_rules_dir_depth_limit},
    /* SpamAssassin's ReplaceTags (rules_replace.c) */
    {"replace_tag", vg_rules_dir_replace},
    {"replace_pre", vg_rules_dir_replace},
    {"replace_inter", vg_rules_dir_replace},
    {"replace_post", vg_rules_dir_replace},
    {"replace_rules", vg_rules_dir_replace},
    /* SpamAssassin's FreeMail (sa_freemail.c) */
    {"freemail_domains", vg_rules_dir_freemail},
    {"freemail_welcomelist", vg_rules_dir_freemail},
    {"freemail_whitelist", vg_rules_dir_freemail},
    {"vigil_prefilter", vg_rules_dir_prefilter},
    /* SpamAssassin's FromNameSpoof (sa_fromnamespoof.c) */
    {"fns_add_addrlist", vg_rules_dir_fns},
    {"fns_remove_addrlist", vg_rules_dir_fns},
    {"fns_extrachars", vg_rules_dir_fns},
    {"fns_ignore_dkim", vg_rules_dir_fns},
    {"fns_ignore_headers", vg_rules_dir_fns},
    {"fns_check", vg_rules_dir_fns},
    /* SpamAssassin's URIDNSBL (sa_net.c) */
    {"urirhsbl", vg_rules_dir_sa_uribl},
    {"urirhssub", vg_rules_dir_sa_uribl},
    {"uridnsbl", vg_rules_dir_sa_uribl},
    {"uridnssub", vg_rules_dir_sa_uribl},
    {"urinsrhsbl", vg_rules_dir_sa_uribl},
    {"urinsrhssub", vg_rules_dir_sa_uribl},
    {"urifullnsrhsbl", vg_rules_dir_sa_uribl},
    {"urifullnsrhssub", vg_rules_dir_sa_uribl},
    {"uridnsbl_skip_domain", vg_rules_dir_sa_uribl},
    {"clear_uridnsbl_skip_domain", vg_rules_dir_sa_uribl},
};

/* vg_rules_dir_find - the handler of directive dir, or NULL */
vg_rules_dir_fn
vg_rules_dir_find(const char *dir)
{
	size_t i;

	for (i = 0; i < VG_NELEM(vg_rules_dirs); i++)
		if (strcmp(dir, vg_rules_dirs[i].name) == 0)
			return vg_rules_dirs[i].fn;
	return NULL;
}
