/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_headers - SpamAssassin's header directives: add_header,
 * remove_header, clear_headers and report_safe, and the two lists of
 * X-Spam-* header templates they edit (one for ham, one for spam).
 *
 * PURPOSE  A site keeps the X-Spam-* layout its Sieve, procmail and
 *	    mail-client filters expect: the lists start as SpamAssassin
 *	    4.0's defaults (10_default_prefs.cf) and the directives change
 *	    them exactly as Mail::SpamAssassin::Conf does: add_header
 *	    replaces a header of the same name (case-insensitively) and
 *	    moves it last; remove_header and clear_headers never remove
 *	    Checker-Version; "report_safe 0" adds Report (_REPORT_) to spam.
 *	    In compat mode an add_header of Checker-Version is ignored:
 *	    SpamAssassin's files set it to "SpamAssassin _VERSION_", and
 *	    the checker is Vigil.
 *	    The templates are rendered by core/spamhdr.c.
 * OWNS     The rules set owns the names and templates.
 * LIMITS   A name is [A-Za-z0-9_-], at most VG_RULES_HDR_NAME_MAX bytes;
 *	    a template at most VG_RULES_HDR_TEMPLATE_MAX bytes after its
 *	    escapes are expanded; each list holds VG_RULES_HDR_MAX headers.
 *	    Past a limit, or with a control character in a template other
 *	    than the \t and \n it may spell: an error at file:line.
 * ERRORS   A bad line is recorded at file:line; VG_ENOMEM stops the load.
 * THREADS  One load, one thread; read-only afterwards.
 */
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "rules/rules_parse_int.h"

/* vg_rules_hdr_free - both lists */
void
vg_rules_hdr_free(struct vg_rules *r)
{
	for (int w = 0; w < 2; w++) {
		for (size_t i = 0; i < r->nhdrs[w]; i++) {
			vg_free(r->hdrs[w][i].name);
			vg_free(r->hdrs[w][i].tmpl);
		}
		r->nhdrs[w] = 0;
	}
}

/* hdr_remove - drop name (case-insensitively) from list w */
static void
hdr_remove(struct vg_rules *r, int w, const char *name)
{
	size_t j = 0;

	for (size_t i = 0; i < r->nhdrs[w]; i++) {
		struct vg_rules_hdr *h = &r->hdrs[w][i];

		if (strcasecmp(h->name, name) == 0) {
			vg_free(h->name);
			vg_free(h->tmpl);
			continue;
		}
		r->hdrs[w][j++] = *h;
	}
	r->nhdrs[w] = j;
}

/*
 * hdr_add - name's template in list w, after removing an older one of the
 * same name; 1 when the list is full, VG_ENOMEM
 */
static int
hdr_add(struct vg_rules *r, int w, const char *name, const char *tmpl)
{
	struct vg_rules_hdr *h;

	hdr_remove(r, w, name);
	if (r->nhdrs[w] == VG_RULES_HDR_MAX)
		return 1;
	h = &r->hdrs[w][r->nhdrs[w]];
	h->name = vg_strdup(name);
	h->tmpl = vg_strdup(tmpl);
	if (h->name == NULL || h->tmpl == NULL) {
		vg_free(h->name);
		vg_free(h->tmpl);
		return VG_ENOMEM;
	}
	r->nhdrs[w]++;
	return 0;
}

/*
 * vg_rules_hdr_defaults - SpamAssassin 4.0's layout (10_default_prefs.cf),
 * with Vigil's name in Checker-Version
 */
int
vg_rules_hdr_defaults(struct vg_rules *r)
{
	static const struct {
		unsigned which; /* 1 ham, 2 spam, 3 both */
		const char *name, *tmpl;
	} defs[] = {
	    {3, "Checker-Version", "Vigil _VERSION_ on _HOSTNAME_"},
	    {2, "Flag", "_YESNOCAPS_"},
	    {3, "Level", "_STARS(*)_"},
	    {3, "Status",
	        "_YESNO_, score=_SCORE_ required=_REQD_ tests=_TESTS_ "
	        "autolearn=_AUTOLEARN_ version=_VERSION_"},
	};
	int rc;

	for (size_t i = 0; i < VG_NELEM(defs); i++)
		for (int w = 0; w < 2; w++)
			if ((defs[i].which & (1u << w)) != 0 &&
			    (rc = hdr_add(r, w, defs[i].name, defs[i].tmpl)) !=
			        0)
				return rc < 0 ? rc : VG_EINTERNAL;
	return 0;
}

/* hdr_which - "ham", "spam", "all" to a mask (1 ham, 2 spam), 0 if bad */
static unsigned
hdr_which(const char *w)
{
	if (strcmp(w, "ham") == 0)
		return 1;
	if (strcmp(w, "spam") == 0)
		return 2;
	if (strcmp(w, "all") == 0)
		return 3;
	return 0;
}

/* hdr_valid_name - [A-Za-z0-9_-]+ of at most VG_RULES_HDR_NAME_MAX */
static bool
hdr_valid_name(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > VG_RULES_HDR_NAME_MAX)
		return false;
	for (; *n != '\0'; n++) {
		unsigned char c = (unsigned char)*n;

		if (!(c == '-' || c == '_' || (c >= 'a' && c <= 'z') ||
		        (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

/*
 * hdr_unescape - a template as Conf.pm reads it, in place: surrounding
 * double quotes dropped, "\\" a backslash, "\t" a tab, "\n" a newline,
 * any other escape removed; a trailing lone backslash kept
 */
static void
hdr_unescape(char *s)
{
	size_t n = strlen(s);
	char *d = s;

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s[n - 1] = '\0';
		memmove(s, s + 1, n - 1);
	}
	for (const char *p = s; *p != '\0'; p++) {
		if (*p != '\\' || p[1] == '\0') {
			*d++ = *p;
			continue;
		}
		p++;
		if (*p == '\\')
			*d++ = '\\';
		else if (*p == 't')
			*d++ = '\t';
		else if (*p == 'n')
			*d++ = '\n';
	}
	*d = '\0';
}

/* vg_rules_dir_add_header - "add_header {ham|spam|all} NAME TEMPLATE" */
int
vg_rules_dir_add_header(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	char *w = vg_rules_word(&rest), *name = vg_rules_word(&rest);
	unsigned which = hdr_which(w);
	int rc;

	vg_rules_rtrim(rest);
	if (which == 0 || !hdr_valid_name(name) || *rest == '\0') {
		vg_rules_perr(p, f,
		    "%s: want {ham|spam|all} NAME TEMPLATE, NAME of "
		    "[A-Za-z0-9_-] (%d at most)",
		    dir, VG_RULES_HDR_NAME_MAX);
		return 0;
	}
	/*
	 * SpamAssassin's own rule files (10_default_prefs.cf) name
	 * SpamAssassin here, with Vigil's _VERSION_ that would read
	 * "SpamAssassin 0.1.0": what runs is Vigil, and says so.
	 */
	if (f->compat && strcasecmp(name, "Checker-Version") == 0)
		return 0;
	hdr_unescape(rest);
	if (strlen(rest) > VG_RULES_HDR_TEMPLATE_MAX) {
		vg_rules_perr(p, f, "%s %s: template longer than %d bytes", dir,
		    name, VG_RULES_HDR_TEMPLATE_MAX);
		return 0;
	}
	for (const char *c = rest; *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 && *c != '\t' && *c != '\n') {
			vg_rules_perr(p, f,
			    "%s %s: control character in the template", dir,
			    name);
			return 0;
		}
	}
	for (int i = 0; i < 2; i++) {
		if ((which & (1u << i)) == 0)
			continue;
		if ((rc = hdr_add(p->r, i, name, rest)) < 0)
			return rc;
		if (rc == 1) {
			vg_rules_perr(p, f, "%s %s: more than %d headers", dir,
			    name, VG_RULES_HDR_MAX);
			return 0;
		}
	}
	return 0;
}

/*
 * vg_rules_dir_remove_header - "remove_header {ham|spam|all} NAME";
 * Checker-Version stays, as in SpamAssassin
 */
int
vg_rules_dir_remove_header(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	char *w = vg_rules_word(&rest), *name = vg_rules_word(&rest);
	unsigned which = hdr_which(w);

	vg_rules_rtrim(rest);
	if (which == 0 || !hdr_valid_name(name) || *rest != '\0') {
		vg_rules_perr(p, f, "%s: want {ham|spam|all} NAME", dir);
		return 0;
	}
	/* Conf.pm compares this one case-sensitively. */
	if (strcmp(name, "Checker-Version") == 0)
		return 0;
	for (int i = 0; i < 2; i++)
		if ((which & (1u << i)) != 0)
			hdr_remove(p->r, i, name);
	return 0;
}

/*
 * vg_rules_dir_clear_headers - "clear_headers": both lists emptied but for
 * their first Checker-Version, as SpamAssassin keeps it
 */
int
vg_rules_dir_clear_headers(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	struct vg_rules *r = p->r;
	char *keep = NULL;

	vg_rules_rtrim(rest);
	if (*rest != '\0') {
		vg_rules_perr(p, f, "%s: takes no argument", dir);
		return 0;
	}
	/* SpamAssassin keeps the ham list's, in both lists. */
	for (size_t i = 0; i < r->nhdrs[0]; i++) {
		if (strcasecmp(r->hdrs[0][i].name, "Checker-Version") == 0) {
			if ((keep = vg_strdup(r->hdrs[0][i].tmpl)) == NULL)
				return VG_ENOMEM;
			break;
		}
	}
	vg_rules_hdr_free(r);
	for (int w = 0; keep != NULL && w < 2; w++) {
		if (hdr_add(r, w, "Checker-Version", keep) != 0) {
			vg_free(keep);
			return VG_ENOMEM;
		}
	}
	vg_free(keep);
	return 0;
}

/*
 * vg_rules_dir_report_safe - "report_safe 0|1|2": Vigil never wraps a
 * message in a report, so only 0 changes anything: as in SpamAssassin it
 * adds Report (_REPORT_) to spam if no Report header is there yet.
 */
int
vg_rules_dir_report_safe(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest)
{
	struct vg_rules *r = p->r;
	int rc;

	vg_rules_rtrim(rest);
	if (strcmp(rest, "0") != 0 && strcmp(rest, "1") != 0 &&
	    strcmp(rest, "2") != 0) {
		vg_rules_perr(p, f, "%s: want 0, 1 or 2", dir);
		return 0;
	}
	if (rest[0] != '0')
		return 0;
	for (size_t i = 0; i < r->nhdrs[1]; i++)
		if (strcasecmp(r->hdrs[1][i].name, "Report") == 0)
			return 0;
	if ((rc = hdr_add(r, 1, "Report", "_REPORT_")) == 1) {
		vg_rules_perr(
		    p, f, "%s: more than %d headers", dir, VG_RULES_HDR_MAX);
		return 0;
	}
	return rc;
}
