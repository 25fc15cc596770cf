/* SPDX-License-Identifier: GPL-2.0-only */
/* spamhdr - SpamAssassin's header templates and folding (spamhdr.h) */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/err.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "rules/rules.h"
#include "rules/symbols.h"
#include "core/spamhdr.h"
#include "core/verdict.h"

/* SpamAssassin folds "X-Spam-NAME: value" at 79 columns, tabs in front. */
#define FOLD_WIDTH 79
/* Its report_wrap_width default, for _REPORT_ and _SUMMARY_. */
#define REPORT_WIDTH 75
/* Room a list tag leaves for the text after it. */
#define LIST_RESERVE 128
/* Symbols a list tag sorts; more are left out, with "...". */
#define LIST_MAX 512
/* Perl's \s. */
#define PERL_SPACE " \t\n\r\f\v"

/* Rendering state: the raw value and whether it was cut. */
struct render {
	struct vg_buf *raw;
	bool full;
	const struct vg_spamhdr_ctx *ctx;
};

/* put - append n bytes unless the value is full; VG_ENOMEM only */
static int
put(struct render *r, const char *s, size_t n)
{
	int rc;

	if (r->full)
		return 0;
	rc = vg_buf_append(r->raw, s, n);
	if (rc == VG_ELIMIT) {
		r->full = true;
		return 0;
	}
	return rc;
}

/* put_clean - append s sanitised (one line, ASCII) */
static int
put_clean(struct render *r, const char *s)
{
	char clean[VG_SPAMHDR_VALUE_MAX + 1];
	size_t n = vg_sanitize_str(clean, sizeof(clean), s, VG_SANITIZE_ASCII);

	return put(r, clean, n);
}

/* cols - the columns n bytes take, a tab counting 8 as in Util::wrap() */
static size_t
cols(const char *s, size_t n)
{
	size_t w = n;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '\t')
			w += 7;
	return w;
}

/* rstrip_from - drop Perl white space at the end of out, back to start */
static void
rstrip_from(struct vg_buf *out, size_t start)
{
	while (out->len > start &&
	    strchr(PERL_SPACE, out->data[out->len - 1]) != NULL)
		out->len--;
	if (out->data != NULL)
		out->data[out->len] = '\0';
}

/* Util::wrap()'s loop state: where the line starts, its columns. */
struct wrap {
	struct vg_buf *out;
	const char *prefix;
	size_t width, line_start, lw;
	bool pos_mod; /* the line holds more than its first element */
};

/*
 * wrap_elem - one element of Util::wrap()'s array: merged into the line,
 * or the line ended (trailing blanks dropped) and a new one started with
 * the prefix, which then takes the element whatever its length (Perl's
 * next turn finds the prefix within the width and merges).
 */
static int
wrap_elem(struct wrap *w, const char *e, size_t n)
{
	size_t len = w->lw;
	int rc;

	if (w->pos_mod)
		len += cols(e, n);
	if (len > w->width) {
		rstrip_from(w->out, w->line_start);
		if ((rc = vg_buf_append(w->out, "\n", 1)) != 0)
			return rc;
		w->line_start = w->out->len;
		if ((rc = vg_buf_append_str(w->out, w->prefix)) != 0)
			return rc;
		w->lw = cols(w->prefix, strlen(w->prefix));
		w->pos_mod = false;
	}
	if ((rc = vg_buf_append(w->out, e, n)) != 0)
		return rc;
	w->lw += cols(e, n);
	w->pos_mod = true;
	return 0;
}

/*
 * vg_spamhdr_wrap - Util::wrap() with overflow 0.  Perl splits the text
 * with split(/($brk)/) on a zero-width look-behind, so its array holds
 * the pieces (each ending after a break byte) with an empty separator
 * between each; the separators decide when a line may take the next
 * piece (pos_mod), so they are walked here too.
 */
int
vg_spamhdr_wrap(struct vg_buf *out, const char *text, const char *prefix,
    const char *first, size_t width, const char *brk)
{
	struct wrap w = {.out = out,
	    .prefix = prefix,
	    .width = width,
	    .line_start = out->len};
	const char *p = text;
	bool started = false;
	int rc;

	if (*first != '\0') {
		if ((rc = vg_buf_append_str(out, first)) != 0)
			return rc;
		w.lw = cols(first, strlen(first));
		started = true;
	}
	while (*p != '\0') {
		const char *b = p;
		size_t n;

		while (*b != '\0' && strchr(brk, *b) == NULL)
			b++;
		n = (size_t)(b - p) + (*b != '\0' ? 1 : 0);
		if (!started) {
			/* The first element starts the first line. */
			if ((rc = vg_buf_append(out, p, n)) != 0)
				return rc;
			w.lw = cols(p, n);
			started = true;
		} else {
			if (p != text && (rc = wrap_elem(&w, "", 0)) != 0)
				return rc;
			if ((rc = wrap_elem(&w, p, n)) != 0)
				return rc;
		}
		p += n;
	}
	return 0;
}

/* sym_cmp - Perl's sort: byte order of the names */
static int
sym_cmp(const void *a, const void *b)
{
	const struct vg_symbol *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/*
 * listed - the symbols X-Spam-Status lists (scored, or telling how the
 * message was checked: vg_symbols_listed()), in verdict order; their
 * count
 */
static size_t
listed(const struct vg_verdict *v, const struct vg_symbol **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < v->nsymbols && n < max; i++) {
		const struct vg_symbol *s = &v->symbols[i];

		if (s->score > -0.0001 && s->score < 0.0001 &&
		    !vg_symbols_listed(s->name))
			continue;
		out[n++] = s;
	}
	return n;
}

/*
 * put_list - _TESTS(sep)_ and _TESTSSCORES(sep)_: sorted names joined by
 * sep, "none" if none; cut with "sep..." where the next does not fit
 */
static int
put_list(struct render *r, const char *arg, bool scores)
{
	const struct vg_symbol *syms[LIST_MAX];
	size_t n = listed(r->ctx->v, syms, LIST_MAX);
	const char *sep = arg != NULL && *arg != '\0' ? arg : ",";
	int rc;

	if (n == 0)
		return put(r, "none", 4);
	qsort(syms, n, sizeof(syms[0]), sym_cmp);
	for (size_t i = 0; i < n; i++) {
		char item[320], name[192];
		size_t len;

		vg_sanitize_str(
		    name, sizeof(name), syms[i]->name, VG_SANITIZE_ASCII);
		if (scores)
			(void)vg_str_fmt(item, sizeof(item), "%s%s=%.15g",
			    i > 0 ? sep : "", name, syms[i]->score);
		else
			(void)vg_str_fmt(
			    item, sizeof(item), "%s%s", i > 0 ? sep : "", name);
		len = strlen(item);
		if (r->raw->len + len + strlen(sep) + 3 + LIST_RESERVE >
		    r->raw->max) {
			if ((rc = put(r, sep, strlen(sep))) != 0)
				return rc;
			return put(r, "...", 3);
		}
		if ((rc = put(r, item, len)) != 0)
			return rc;
	}
	return 0;
}

/* fmt_score - _SCORE(pad)_: Mail::SpamAssassin::Util::get_tag_value_for_score */
static void
fmt_score(char *buf, size_t size, const struct vg_verdict *v, const char *pad)
{
	char s[64], rs[64];

	(void)vg_str_fmt(s, sizeof(s), "%.1f", v->score);
	(void)vg_str_fmt(rs, sizeof(rs), "%.1f", v->required);
	/* A ham whose rounded score reaches the threshold shows one tenth
	 * under it, so that the header never reads as spam. */
	if (!v->spam && strtod(s, NULL) >= strtod(rs, NULL))
		(void)vg_str_fmt(s, sizeof(s), "%.15g", strtod(rs, NULL) - 0.1);
	if (pad != NULL && *pad != '\0' &&
	    (strspn(pad, "0") == strlen(pad) ||
	        strspn(pad, " ") == strlen(pad))) {
		long count = (long)strlen(pad) + 3 - (long)strlen(s);

		if (count > 0) {
			(void)vg_str_fmt(
			    buf, size, "%.*s%s", (int)count, pad, s);
			return;
		}
	}
	(void)vg_str_fmt(buf, size, "%s", s);
}

/*
 * put_report - _REPORT_ ("* 1.5 NAME describe", lines after a newline) or
 * _SUMMARY_ (" 1.5 NAME                   describe"), each listed symbol
 * in the order it hit, its description wrapped as _wrap_desc() does
 */
static int
put_report(struct render *r, bool summary)
{
	const struct vg_symbol *syms[LIST_MAX];
	size_t n = listed(r->ctx->v, syms, LIST_MAX);
	struct vg_buf line;
	int rc = 0;

	if (!summary && (rc = put(r, "\n", 1)) != 0)
		return rc;
	vg_buf_init(&line, VG_SPAMHDR_VALUE_MAX);
	for (size_t i = 0; i < n && rc == 0 && !r->full; i++) {
		char name[192], score[32], desc[512], first[256];
		const char *d = vg_rules_describe(r->ctx->rules, syms[i]->name);
		size_t pad;

		vg_sanitize_str(
		    name, sizeof(name), syms[i]->name, VG_SANITIZE_ASCII);
		vg_sanitize_str(desc, sizeof(desc), d, VG_SANITIZE_ASCII);
		if (syms[i]->score >= 10 || syms[i]->score <= -10)
			(void)vg_str_fmt(
			    score, sizeof(score), "%4.0f", syms[i]->score);
		else
			(void)vg_str_fmt(
			    score, sizeof(score), "%4.1f", syms[i]->score);
		/* _wrap_desc(): a first line of blanks as wide as what
		 * comes before the description, dropped afterwards. */
		pad = (summary ? 3 : 4) + strlen(name) + strlen(score);
		if (pad >= sizeof(first))
			pad = sizeof(first) - 1;
		memset(first, ' ', pad);
		first[pad] = '\0';
		vg_buf_reset(&line);
		if (summary)
			rc = vg_buf_printf(&line, "%s %-22s ", score, name);
		else
			rc = vg_buf_printf(&line, "* %s %s ", score, name);
		if (rc == 0) {
			size_t at = line.len;

			rc = vg_spamhdr_wrap(&line, desc,
			    summary ? "                            "
			            : "*      ",
			    first, REPORT_WIDTH, PERL_SPACE);
			/* s/^\s+//s on the wrapped description */
			if (rc == 0) {
				size_t k = at;

				while (k < line.len &&
				    strchr(PERL_SPACE, line.data[k]) != NULL)
					k++;
				memmove(line.data + at, line.data + k,
				    line.len - k + 1);
				line.len -= k - at;
			}
		}
		if (rc == 0)
			rc = vg_buf_append(&line, "\n", 1);
		if (rc == VG_ELIMIT)
			rc = 0;
		else if (rc == 0)
			rc = put(r, line.data, line.len);
	}
	vg_buf_fini(&line);
	return rc;
}

/* yesno - _YESNO(spam,ham)_: the part of arg for this verdict, or Yes/No */
static void
yesno(char *buf, size_t size, bool spam, const char *arg, bool caps)
{
	const char *comma = arg != NULL ? strchr(arg, ',') : NULL;

	if (arg == NULL)
		(void)vg_str_fmt(buf, size, "%s", spam ? "Yes" : "No");
	else if (spam)
		(void)vg_str_fmt(buf, size, "%.*s",
		    (int)(comma != NULL ? (size_t)(comma - arg) : strlen(arg)),
		    arg);
	else
		(void)vg_str_fmt(
		    buf, size, "%s", comma != NULL ? comma + 1 : "No");
	if (caps)
		for (char *c = buf; *c != '\0'; c++)
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
}

/*
 * tag_value - one tag; 1 when name is not a tag (the text stays as
 * written), 0 when written, VG_ENOMEM
 */
static int
tag_value(struct render *r, const char *name, const char *arg)
{
	const struct vg_spamhdr_ctx *c = r->ctx;
	const struct vg_verdict *v = c->v;
	char buf[128];

	if (strcmp(name, "YESNO") == 0 || strcmp(name, "YESNOCAPS") == 0) {
		yesno(buf, sizeof(buf), v->spam, arg, name[5] == 'C');
		return put_clean(r, buf);
	}
	if (strcmp(name, "SCORE") == 0 || strcmp(name, "HITS") == 0) {
		fmt_score(buf, sizeof(buf), v, arg);
		return put_clean(r, buf);
	}
	if (strcmp(name, "REQD") == 0) {
		(void)vg_str_fmt(buf, sizeof(buf), "%.1f", v->required);
		return put_clean(r, buf);
	}
	if (strcmp(name, "STARS") == 0) {
		const char *star = arg != NULL && *arg != '\0' ? arg : "*";
		/* Perl's int() truncates toward zero; 50 at most. */
		long n = v->score >= 50 ? 50 : (long)v->score;
		int rc = 0;

		for (long i = 0; i < n && rc == 0; i++)
			rc = put_clean(r, star);
		return rc;
	}
	if (strcmp(name, "TESTS") == 0 || strcmp(name, "TESTSSCORES") == 0)
		return put_list(r, arg, name[5] == 'S');
	if (strcmp(name, "SUBTESTS") == 0)
		return put(r, "none", 4);
	if (strcmp(name, "AUTOLEARN") == 0)
		return put_clean(r, c->autolearn);
	if (strcmp(name, "VERSION") == 0)
		return put_clean(r, c->version);
	if (strcmp(name, "SUBVERSION") == 0)
		return put_clean(r, c->subversion);
	if (strcmp(name, "HOSTNAME") == 0)
		return put_clean(r, c->hostname);
	if (strcmp(name, "REMOTEHOSTNAME") == 0)
		return put_clean(r,
		    c->client_name != NULL && *c->client_name != '\0'
		        ? c->client_name
		        : "localhost");
	if (strcmp(name, "REMOTEHOSTADDR") == 0)
		return put_clean(r,
		    c->client_addr != NULL && *c->client_addr != '\0'
		        ? c->client_addr
		        : "127.0.0.1");
	if (strcmp(name, "BAYES") == 0) {
		if (v->bayes.state == VG_BAYES_SCORED)
			(void)vg_str_fmt(
			    buf, sizeof(buf), "%3.4f", v->bayes.prob);
		else
			(void)vg_str_fmt(buf, sizeof(buf), "0.5");
		return put_clean(r, buf);
	}
	if (strcmp(name, "DATE") == 0) {
		time_t now = time(NULL);
		struct tm tm;

		if (localtime_r(&now, &tm) == NULL ||
		    strftime(
		        buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S %z", &tm) == 0)
			return 1;
		return put_clean(r, buf);
	}
	if (strcmp(name, "REPORT") == 0)
		return put_report(r, false);
	if (strcmp(name, "SUMMARY") == 0)
		return put_report(r, true);
	return 1;
}

/* is_tagc - [A-Z0-9] */
static bool
is_tagc(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * match_tag - at p (a '_'), PerMsgStatus::_replace_tags()'s pattern
 * _([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*(?:\(.*?\))?)_ with Perl's backtracking:
 * the longest name that a "_" or a "(...)_" follows.  Fills name and arg
 * (NULL if none) and returns the length matched, or 0.
 */
static size_t
match_tag(const char *p, char *name, size_t namesize, char *arg, size_t argsize,
    const char **arg_out)
{
	const char *ends[64];
	size_t nends = 0;
	const char *q = p + 1;

	*arg_out = NULL;
	if (!(*q >= 'A' && *q <= 'Z'))
		return 0;
	while (is_tagc(*q))
		q++;
	ends[nends++] = q;
	while (q[0] == '_' && is_tagc(q[1]) && nends < VG_NELEM(ends)) {
		q++;
		while (is_tagc(*q))
			q++;
		ends[nends++] = q;
	}
	while (nends > 0) {
		const char *e = ends[--nends], *close = NULL;
		size_t nlen = (size_t)(e - (p + 1));

		if (*e == '(') {
			/* .*? up to the first ")_", on one line */
			for (const char *s = e + 1; *s != '\0' && *s != '\n';
			     s++) {
				if (s[0] == ')' && s[1] == '_') {
					close = s;
					break;
				}
			}
		}
		if (close == NULL && *e != '_')
			continue;
		if (nlen >= namesize)
			return 0;
		memcpy(name, p + 1, nlen);
		name[nlen] = '\0';
		if (close == NULL)
			return nlen + 2;
		if ((size_t)(close - e - 1) >= argsize)
			return 0;
		memcpy(arg, e + 1, (size_t)(close - e - 1));
		arg[close - e - 1] = '\0';
		*arg_out = arg;
		return (size_t)(close + 2 - p);
	}
	return 0;
}

/* replace_tags - every tag of tmpl filled in, into r->raw */
static int
replace_tags(struct render *r, const char *tmpl)
{
	const char *p = tmpl;
	int rc;

	while (*p != '\0' && !r->full) {
		char name[64], arg[VG_RULES_HDR_TEMPLATE_MAX + 1];
		const char *a;
		size_t n;

		if (*p != '_' ||
		    (n = match_tag(
		         p, name, sizeof(name), arg, sizeof(arg), &a)) == 0) {
			if ((rc = put(r, p, 1)) != 0)
				return rc;
			p++;
			continue;
		}
		if ((rc = tag_value(r, name, a)) < 0)
			return rc;
		if (rc == 1 && (rc = put(r, p, n)) != 0)
			return rc;
		p += n;
	}
	return 0;
}

/* fold_lines - s/\s*\n\s*\/\n\t/g on a value with line breaks */
static int
fold_lines(struct vg_buf *out, const char *s)
{
	int rc;

	while (*s != '\0') {
		size_t ws = strspn(s, PERL_SPACE);

		if (memchr(s, '\n', ws) != NULL) {
			if ((rc = vg_buf_append(out, "\n\t", 2)) != 0)
				return rc;
			s += ws;
			continue;
		}
		if (ws == 0)
			ws = 1;
		if ((rc = vg_buf_append(out, s, ws)) != 0)
			return rc;
		s += ws;
	}
	return 0;
}

/* vg_spamhdr_render - fill the tags, fold as _process_header() does */
int
vg_spamhdr_render(struct vg_buf *out, const char *name, const char *tmpl,
    const struct vg_spamhdr_ctx *ctx)
{
	struct vg_buf raw, wrapped;
	struct render r = {.raw = &raw, .ctx = ctx};
	char *data;
	int rc;

	vg_buf_reset(out);
	vg_buf_init(&raw, VG_SPAMHDR_VALUE_MAX);
	vg_buf_init(&wrapped, 2 * VG_SPAMHDR_VALUE_MAX + 64);
	if ((rc = vg_buf_printf(&raw, "X-Spam-%s!!", name)) != 0)
		goto out;
	if ((rc = replace_tags(&r, tmpl)) != 0)
		goto out;
	/* No newline at the end. */
	while (raw.len > 0 &&
	    (raw.data[raw.len - 1] == '\n' || raw.data[raw.len - 1] == '\r'))
		raw.data[--raw.len] = '\0';
	data = strstr(vg_buf_cstr(&raw), "!!") + 2;
	if (strchr(data, '\n') != NULL) {
		rc = fold_lines(out, data);
		goto out;
	}
	/* "!!" for ": " so that it does not break there. */
	rc = vg_spamhdr_wrap(
	    &wrapped, vg_buf_cstr(&raw), "\t", "", FOLD_WIDTH, PERL_SPACE ",");
	if (rc != 0)
		goto out;
	/* s/^\s*\n//gm: no blank lines; then the part after the "!!". */
	{
		const char *s = strstr(vg_buf_cstr(&wrapped), "!!") + 2;

		while (*s != '\0') {
			const char *nl = strchr(s, '\n');
			size_t len =
			    nl != NULL ? (size_t)(nl - s + 1) : strlen(s);

			if (nl == NULL || strspn(s, PERL_SPACE) < len)
				rc = vg_buf_append(out, s, len);
			if (rc != 0)
				goto out;
			s += len;
		}
	}
out:
	if (rc == VG_ELIMIT)
		rc = 0; /* cut, as the module block says */
	vg_buf_fini(&raw);
	vg_buf_fini(&wrapped);
	return rc;
}
