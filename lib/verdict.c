/* SPDX-License-Identifier: GPL-2.0-only */
/* verdict - stage results + policy -> one decision and the header edits */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "buf.h"
#include "conf.h"
#include "direction.h"
#include "engine.h"
#include "err.h"
#include "msg.h"
#include "ourhdr.h"
#include "rules.h"
#include "sanitize.h"
#include "str.h"
#include "verdict.h"

/* Fold X-Spam-Status so that no line passes this many columns. */
#define FOLD_COLUMN 78

/* set_reply - fill the SMTP reply of the verdict */
static void
set_reply(
    struct vg_verdict *v, const char *code, const char *xcode, const char *text)
{
	vg_sanitize_str(v->code, sizeof(v->code), code, VG_SANITIZE_ASCII);
	vg_sanitize_str(v->xcode, sizeof(v->xcode), xcode, VG_SANITIZE_ASCII);
	vg_sanitize_str(v->text, sizeof(v->text), text, VG_SANITIZE_ASCII);
}

/* add_edit - append one header edit; name and value are copied */
static int
add_edit(struct vg_verdict *v, enum vg_edit_kind kind, const char *name,
    size_t index, const char *value)
{
	struct vg_header_edit *e;

	e = vg_reallocarray(v->edits, v->nedits + 1, sizeof(*e));
	if (e == NULL)
		return VG_ENOMEM;
	v->edits = e;
	e = &v->edits[v->nedits];
	e->kind = kind;
	e->index = index;
	e->value = NULL;
	if ((e->name = vg_strdup(name)) == NULL)
		return VG_ENOMEM;
	if (value != NULL && (e->value = vg_strdup(value)) == NULL) {
		vg_free(e->name);
		return VG_ENOMEM;
	}
	v->nedits++;
	return 0;
}

/*
 * skip_cfws - past white space, line ends and comments (RFC 5322 CFWS,
 * nested, with quoted pairs); an unterminated comment runs to the end
 */
static const char *
skip_cfws(const char *p)
{
	for (;;) {
		size_t depth = 0;

		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '(')
			return p;
		for (; *p != '\0'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0)
				break;
		}
		if (*p == '\0')
			return p;
		p++; /* the comment's closing parenthesis */
	}
}

/* is_token_char - an RFC 2045 token byte (authserv-id is a token) */
static bool
is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/*
 * ar_is_ours - whether an Authentication-Results value names authserv_id
 * as its authserv-id.  RFC 8601 2.2: CFWS may come first, the id is a
 * token or a quoted-string, and a version and CFWS may follow it before
 * the ";", so the id is compared as a whole token, not as a prefix that
 * must be followed by ";" (which let "id 1; spf=pass" and "id (x); ..."
 * pass as someone else's).
 */
static bool
ar_is_ours(const char *value, const char *authserv_id)
{
	size_t idlen = strlen(authserv_id), i = 0;
	const char *p = skip_cfws(value);

	if (*p != '"')
		return strncasecmp(p, authserv_id, idlen) == 0 &&
		    !is_token_char((unsigned char)p[idlen]);
	/* A quoted-string: compare its content, quoted pairs undone. */
	for (p++; *p != '\0' && *p != '"'; p++, i++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		if (i >= idlen ||
		    tolower((unsigned char)*p) !=
		        tolower((unsigned char)authserv_id[i]))
			return false;
	}
	return *p == '"' && i == idlen;
}

/*
 * is_forged - a header of ours (ourhdr.h) that arrived in the message, so
 * that no sender can pre-label a message "Clean" or "not spam".  An
 * Authentication-Results is ours only when it carries our authserv-id:
 * another host's results stay.
 */
static bool
is_forged(const struct vg_header *h, const char *authserv_id)
{
	if (!vg_ourhdr_is(h->name))
		return false;
	if (strcasecmp(h->name, "Authentication-Results") != 0)
		return true;
	if (authserv_id == NULL || *authserv_id == '\0')
		return false;
	return ar_is_ours(h->value, authserv_id);
}

/*
 * delete_forged - one DELETE edit per forged header.  Indexes count headers
 * of the same name (case-insensitively) from 1, as smfi_chgheader() does;
 * each name's deletions are emitted from the highest index down so that
 * they stay right whether or not the MTA renumbers after a deletion.
 */
static int
delete_forged(
    struct vg_verdict *v, const struct vg_msg *msg, const char *authserv_id)
{
	size_t n = vg_msg_header_count(msg);
	size_t first = v->nedits;
	int rc;

	for (size_t i = 0; i < n; i++) {
		const struct vg_header *h = vg_msg_header(msg, i);
		size_t index = 1;

		if (!is_forged(h, authserv_id))
			continue;
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(vg_msg_header(msg, j)->name, h->name) ==
			    0)
				index++;
		if ((rc = add_edit(v, VG_EDIT_DELETE, h->name, index, NULL)) !=
		    0)
			return rc;
	}
	/* Reverse the run just added: highest index of each name first. */
	for (size_t a = first, b = v->nedits; a + 1 < b; a++, b--) {
		struct vg_header_edit tmp = v->edits[a];

		v->edits[a] = v->edits[b - 1];
		v->edits[b - 1] = tmp;
	}
	return 0;
}

/* cmp_symbol - X-Spam-Status lists tests by name, like SpamAssassin */
static int
cmp_symbol(const void *a, const void *b)
{
	const struct vg_symbol *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* collect_symbols - copy every stage's hits into the verdict, sorted */
static int
collect_symbols(struct vg_verdict *v, const struct vg_result *results, size_t n)
{
	size_t total = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		total += results[i].nsymbols;
	if (total == 0)
		return 0;
	if ((v->symbols = vg_calloc(total, sizeof(*v->symbols))) == NULL)
		return VG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < results[i].nsymbols; j++) {
			const struct vg_symbol *s = &results[i].symbols[j];
			struct vg_symbol *d = &v->symbols[k];

			if ((d->name = vg_strdup(s->name)) == NULL)
				return VG_ENOMEM;
			d->score = s->score;
			if (s->detail != NULL &&
			    (d->detail = vg_strdup(s->detail)) == NULL) {
				vg_free(d->name);
				return VG_ENOMEM;
			}
			v->score += s->score;
			v->nsymbols = ++k;
		}
	}
	qsort(v->symbols, v->nsymbols, sizeof(*v->symbols), cmp_symbol);
	return 0;
}

/*
 * add_symbol - one more symbol of the verdict's own (name and detail are
 * copied), kept in X-Spam-Status order; its score counts.
 */
static int
add_symbol(
    struct vg_verdict *v, const char *name, double score, const char *detail)
{
	struct vg_symbol *syms, *d;

	syms = vg_reallocarray(v->symbols, v->nsymbols + 1, sizeof(*syms));
	if (syms == NULL)
		return VG_ENOMEM;
	v->symbols = syms;
	d = &syms[v->nsymbols];
	memset(d, 0, sizeof(*d));
	if ((d->name = vg_strdup(name)) == NULL)
		return VG_ENOMEM;
	if (detail != NULL && (d->detail = vg_strdup(detail)) == NULL) {
		vg_free(d->name);
		return VG_ENOMEM;
	}
	d->score = score;
	v->score += score;
	v->nsymbols++;
	qsort(v->symbols, v->nsymbols, sizeof(*v->symbols), cmp_symbol);
	return 0;
}

/* vg_verdict_tests - "A=1.5,B=3.0", cut at a symbol boundary */
size_t
vg_verdict_tests(const struct vg_verdict *v, char *buf, size_t bufsize)
{
	size_t len = 0;

	if (bufsize == 0)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0, listed = 0; i < v->nsymbols; i++) {
		char item[256], name[192];
		int n;

		/*
		 * A symbol scored 0 is carried for its detail (the SPF result
		 * for Authentication-Results) but, as in SpamAssassin, not
		 * listed among the tests.
		 */
		if (v->symbols[i].score > -0.0001 &&
		    v->symbols[i].score < 0.0001)
			continue;
		vg_sanitize_str(
		    name, sizeof(name), v->symbols[i].name, VG_SANITIZE_ASCII);
		n = snprintf(item, sizeof(item), "%s%s=%.1f",
		    listed++ ? "," : "", name, v->symbols[i].score);
		if (n < 0 || (size_t)n >= sizeof(item))
			continue;
		if (len + (size_t)n + 4 >= bufsize) {
			/* Say that the list was cut, if ",..." fits. */
			if (len + 4 < bufsize) {
				memcpy(buf + len, ",...", 5);
				len += 4;
			}
			break;
		}
		memcpy(buf + len, item, (size_t)n + 1);
		len += (size_t)n;
	}
	return len;
}

/*
 * spam_status - "Yes, score=7.3 required=5.0 tests=A=1.5,B=3.0" folded
 * with "\n\t" before a test that would pass FOLD_COLUMN (libmilter turns
 * an LF followed by white space into a folded header line).
 */
static int
spam_status(const struct vg_verdict *v, struct vg_buf *out)
{
	char tests[VG_VERDICT_HEADER_MAX];
	size_t col;
	const char *p;
	int rc;

	vg_verdict_tests(v, tests, sizeof(tests) - 128);
	rc = vg_buf_printf(out,
	    "%s, score=%.1f required=%.1f tests=", v->spam ? "Yes" : "No",
	    v->score, v->required);
	if (rc != 0)
		return rc;
	/* "X-Spam-Status: " is 15 columns. */
	col = 15 + out->len;
	if (*tests == '\0')
		return vg_buf_append_str(out, "none");
	for (p = tests; *p != '\0';) {
		const char *comma = strchr(p + 1, ',');
		size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);

		if (col + n > FOLD_COLUMN && p != tests) {
			/* The comma ends the line, as SpamAssassin folds. */
			if ((rc = vg_buf_append(out, ",\n\t", 3)) != 0)
				return rc;
			col = 8;
			p++;
			n--;
		}
		if ((rc = vg_buf_append(out, p, n)) != 0)
			return rc;
		col += n;
		p += n;
	}
	return 0;
}

/* add_header - ADD edit of a formatted value */
static int add_header(struct vg_verdict *v, const char *name, const char *fmt,
    ...) VG_PRINTF(3, 4);

static int
add_header(struct vg_verdict *v, const char *name, const char *fmt, ...)
{
	char value[VG_VERDICT_HEADER_MAX];
	va_list ap;

	va_start(ap, fmt);
	vg_str_vfmt(value, sizeof(value), fmt, ap);
	va_end(ap);
	return add_edit(v, VG_EDIT_ADD, name, 0, value);
}

/* tag_subject - prefix the Subject (or add one) for a tagged message */
static int
tag_subject(struct vg_verdict *v, const struct vg_msg *msg, const char *tag)
{
	const struct vg_header *h = vg_msg_header_find(msg, "Subject", 0);
	char subject[VG_VERDICT_HEADER_MAX], clean_tag[128];
	const char *p;

	vg_sanitize_str(clean_tag, sizeof(clean_tag), tag, 0);
	if (h == NULL)
		return add_edit(v, VG_EDIT_ADD, "Subject", 0, clean_tag);
	/* Folding and the space after the colon are not part of the text. */
	for (p = h->value; *p == ' ' || *p == '\t'; p++)
		;
	if (strncmp(p, clean_tag, strlen(clean_tag)) == 0)
		return 0; /* already tagged, by us on an earlier pass */
	{
		char text[VG_VERDICT_HEADER_MAX];

		vg_sanitize_str(text, sizeof(text), p, 0);
		vg_str_fmt(subject, sizeof(subject), "%s%s", clean_tag, text);
	}
	return add_edit(v, VG_EDIT_CHANGE, "Subject", 1, subject);
}

/* stage_failed - the first failed result, or NULL */
static const struct vg_result *
stage_failed(const struct vg_result *results, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (results[i].status != 0)
			return &results[i];
	return NULL;
}

/*
 * outbound_spam - spam from our own network or an authenticated account
 * is a probable compromise: it gets outbound_spam_action (by default the
 * hold queue) rather than the inbound tag or reject, and the reason names
 * the login or the internal address for the log line.
 */
static void
outbound_spam(struct vg_verdict *v, const struct vg_conf *conf)
{
	char text[VG_REASON_MAX];

	v->action =
	    vg_direction_spam_action(conf, VG_DIRECTION_OUTBOUND, v->action);
	(void)vg_str_fmt(v->reason, sizeof(v->reason),
	    "probable compromise: outbound spam from %s (score %.1f)",
	    v->source, v->score);
	v->code[0] = v->xcode[0] = v->text[0] = '\0';
	switch (v->action) {
	case VG_ACTION_REJECT:
		(void)vg_str_fmt(text, sizeof(text),
		    "Message rejected as spam (score %.1f)", v->score);
		set_reply(v, "550", "5.7.1", text);
		break;
	case VG_ACTION_TEMPFAIL:
		set_reply(v, "451", "4.7.1",
		    "Message held as probable spam, try again later");
		break;
	case VG_ACTION_ACCEPT:
	case VG_ACTION_TAG:
	case VG_ACTION_QUARANTINE:
	case VG_ACTION_DISCARD:
		break;
	}
}

/* decide_action - the policy: oversize, virus, error, forced, score */
static void
decide_action(struct vg_verdict *v, const struct vg_conf *conf,
    const struct vg_msg *msg, const struct vg_result *results, size_t n)
{
	enum vg_direction dir =
	    v->outbound ? VG_DIRECTION_OUTBOUND : VG_DIRECTION_INBOUND;
	const struct vg_result *failed = stage_failed(results, n);
	char text[VG_REASON_MAX];

	if (vg_msg_flags(msg) & VG_MSG_F_OUR_HEADERS_OVERFLOW) {
		/*
		 * Thousands of X-Spam-* / X-Virus-* headers: not all could be
		 * indexed, so not all could be deleted.  Only a hostile
		 * message looks like this; it is refused, not passed with
		 * forgeries left in it.
		 */
		v->action = VG_ACTION_REJECT;
		set_reply(v, "550", "5.7.1",
		    "Message rejected: too many X-Spam or X-Virus headers");
		vg_str_fmt(v->reason, sizeof(v->reason),
		    "more forged status headers than can be removed");
		return;
	}
	if (vg_msg_oversized(msg)) {
		v->action = conf->oversize_action;
		vg_str_fmt(v->reason, sizeof(v->reason),
		    "message larger than max_message_size (%llu bytes)",
		    (unsigned long long)conf->max_message_size);
		if (v->action == VG_ACTION_REJECT)
			set_reply(v, "552", "5.3.4",
			    "Message too big for content scanning");
		else if (v->action == VG_ACTION_TEMPFAIL)
			set_reply(v, "451", "4.3.4",
			    "Message too big for content scanning, try later");
		return;
	}
	if (v->virus[0] != '\0') {
		v->action = vg_direction_virus_action(conf, dir);
		vg_str_fmt(v->reason, sizeof(v->reason), "virus %s", v->virus);
		vg_str_fmt(text, sizeof(text),
		    "Message rejected: virus %s detected", v->virus);
		if (v->action == VG_ACTION_REJECT)
			set_reply(v, "550", "5.7.1", text);
		else if (v->action == VG_ACTION_TEMPFAIL)
			set_reply(v, "451", "4.7.1",
			    "Message held: virus detected, try later");
		return;
	}

	/* The score decides first; a failure or a check may be stricter. */
	if (v->score >= v->reject) {
		v->action = VG_ACTION_REJECT;
		vg_str_fmt(text, sizeof(text),
		    "Message rejected as spam (score %.1f)", v->score);
		set_reply(v, "550", "5.7.1", text);
		vg_str_fmt(
		    v->reason, sizeof(v->reason), "spam score %.1f", v->score);
	} else if (v->spam) {
		v->action = VG_ACTION_TAG;
		vg_str_fmt(
		    v->reason, sizeof(v->reason), "spam score %.1f", v->score);
	} else {
		v->action = VG_ACTION_ACCEPT;
	}
	if (v->outbound && v->action != VG_ACTION_ACCEPT)
		outbound_spam(v, conf);
	/*
	 * A scan that stopped short: unscanned_action, over the score's
	 * reply at equal strictness (it says more than a score); a check's
	 * own refusal below still names the attachment.
	 */
	if (v->virus_outcome == VG_VIRUS_INCOMPLETE &&
	    (conf->unscanned_action == VG_ACTION_REJECT ||
	        conf->unscanned_action == VG_ACTION_QUARANTINE) &&
	    vg_action_strictness(conf->unscanned_action) >=
	        vg_action_strictness(v->action)) {
		v->action = conf->unscanned_action;
		v->code[0] = v->xcode[0] = v->text[0] = '\0';
		vg_str_fmt(v->reason, sizeof(v->reason),
		    "not scanned for viruses: %s", v->unscanned);
		vg_str_fmt(text, sizeof(text),
		    "Message rejected: could not be scanned for viruses (%s)",
		    v->unscanned);
		if (v->action == VG_ACTION_REJECT)
			set_reply(v, "550", "5.7.1", text);
	}
	for (size_t i = 0; i < n; i++) {
		const struct vg_forced *f = &results[i].forced;

		/*
		 * At equal strictness the check's reply wins: "attachment
		 * type not allowed: x.exe" tells the sender more than a score.
		 */
		if (!f->set ||
		    vg_action_strictness(f->action) <
		        vg_action_strictness(v->action))
			continue;
		v->action = f->action;
		set_reply(v, f->code, f->xcode, f->text);
		vg_str_fmt(v->reason, sizeof(v->reason), "%s",
		    f->symbol != NULL ? f->symbol : results[i].stage);
	}
	if (failed != NULL) {
		/*
		 * A stage that could not do its job must not let the message
		 * through as if it had been checked, unless the admin chose
		 * fail-open; but a definite rejection from the stages that
		 * did work still stands.
		 */
		v->error = true;
		if (vg_action_strictness(conf->on_error) >
		    vg_action_strictness(v->action)) {
			v->action = conf->on_error;
			set_reply(v, VG_VERDICT_ON_ERROR_CODE,
			    VG_VERDICT_ON_ERROR_XCODE,
			    VG_VERDICT_ON_ERROR_TEXT);
		}
		vg_str_fmt(v->reason, sizeof(v->reason), "%s stage failed: %s",
		    failed->stage, failed->error);
	}
}

/*
 * virus_status - the X-Virus-Status text.  "Clean" only for a scan that
 * ran to the end (VG_VIRUS_CLEAN); everything else says what it was.
 */
static void
virus_status(struct vg_verdict *v, const struct vg_msg *msg,
    const struct vg_result *virus_res)
{
	if (vg_msg_oversized(msg))
		vg_str_fmt(v->virus_status, sizeof(v->virus_status),
		    "Unscanned (too large)");
	else if (virus_res == NULL)
		vg_str_fmt(v->virus_status, sizeof(v->virus_status),
		    "Unscanned (disabled)");
	else if (virus_res->status != 0)
		vg_str_fmt(v->virus_status, sizeof(v->virus_status),
		    "Unscanned (error)");
	else if (v->virus[0] != '\0')
		vg_str_fmt(v->virus_status, sizeof(v->virus_status),
		    "Infected (%s)", v->virus);
	else if (v->virus_outcome == VG_VIRUS_CLEAN)
		vg_str_fmt(v->virus_status, sizeof(v->virus_status), "Clean");
	else
		vg_str_fmt(v->virus_status, sizeof(v->virus_status),
		    "Unscanned (%s)",
		    v->unscanned[0] != '\0' ? v->unscanned : "unknown");
}

/* kv_token - a Received-SPF key-value: sanitised, dot-atom characters */
static void
kv_token(char *dst, size_t size, const char *src)
{
	vg_sanitize_str(dst, size, src, VG_SANITIZE_ASCII);
	for (char *p = dst; *p != '\0'; p++)
		if (strchr(";\"\\ ()<>,", *p) != NULL)
			*p = '?';
}

/*
 * spf_comment - the RFC 7208 9.1 comment for a result: what the domain
 * says about the client address, split around where the address goes.
 */
static void
spf_comment(char *buf, size_t size, const char *result, const char *ip)
{
	static const struct {
		const char *result, *before, *after;
	} phrases[] = {
	    {"pass", "designates ", " as permitted sender"},
	    {"fail", "does not designate ", " as permitted sender"},
	    {"softfail", "does not designate ",
	        " as permitted sender (transitioning)"},
	    {"neutral", "is neutral about ", ""},
	    {"none", "designates no permitted senders, client ", ""},
	    {"temperror", "could not be checked (DNS error) for ", ""},
	    {"permerror", "has an invalid SPF record, client ", ""},
	};

	for (size_t i = 0; i < VG_NELEM(phrases); i++) {
		if (strcmp(result, phrases[i].result) == 0) {
			(void)vg_str_fmt(buf, size, "%s%s%s", phrases[i].before,
			    ip, phrases[i].after);
			return;
		}
	}
	(void)vg_str_fmt(buf, size, "gave an unknown result for %s", ip);
}

/*
 * spf_headers - Received-SPF (RFC 7208 9.1) for each identity the SPF
 * check evaluated, then one Authentication-Results (RFC 8601) with every
 * SPF method result.  The check puts "spf=RESULT smtp.mailfrom=DOMAIN"
 * (or smtp.helo=) in its symbol's detail.
 */
static int
spf_headers(
    struct vg_verdict *v, const struct vg_conf *conf, const struct vg_msg *msg)
{
	char ar[VG_VERDICT_HEADER_MAX], id[128], ip[64], from[256], helo[256];
	size_t len;
	int rc;

	kv_token(id, sizeof(id), conf->authserv_id);
	kv_token(ip, sizeof(ip), vg_msg_client_addr(msg));
	kv_token(from, sizeof(from), vg_msg_from(msg));
	kv_token(helo, sizeof(helo), vg_msg_helo(msg));
	len = (size_t)snprintf(ar, sizeof(ar), "%s", id);
	for (size_t i = 0; i < v->nsymbols; i++) {
		const char *d = v->symbols[i].detail;
		char detail[512], result[16], domain[256], comment[384];
		const char *identity, *dom;

		if (d == NULL || strncmp(d, "spf=", 4) != 0)
			continue;
		vg_sanitize_str(detail, sizeof(detail), d, VG_SANITIZE_ASCII);
		(void)vg_str_fmt(result, sizeof(result), "%.*s",
		    (int)strcspn(detail + 4, " "), detail + 4);
		identity =
		    strstr(detail, " smtp.helo=") != NULL ? "helo" : "mailfrom";
		dom = strstr(detail, " smtp.");
		dom = dom != NULL ? strchr(dom, '=') : NULL;
		kv_token(domain, sizeof(domain), dom != NULL ? dom + 1 : "");
		spf_comment(comment, sizeof(comment), result, ip);
		rc = add_header(v, "Received-SPF",
		    "%s (%s: domain %s %s) client-ip=%s; envelope-from=\"%s\"; "
		    "helo=%s; receiver=%s; identity=%s",
		    result, id, domain, comment, ip, from, helo, id, identity);
		if (rc != 0)
			return rc;
		if (len + strlen(detail) + 3 < sizeof(ar))
			len += (size_t)snprintf(
			    ar + len, sizeof(ar) - len, "; %s", detail);
	}
	if (strchr(ar, ';') == NULL)
		return 0;
	return add_edit(v, VG_EDIT_ADD, "Authentication-Results", 0, ar);
}

/* build_headers - the edits for a message that passes */
static int
build_headers(struct vg_verdict *v, const struct vg_engine *engine,
    const struct vg_msg *msg, const struct vg_result *score_res)
{
	const struct vg_rules *rules = vg_engine_rules(engine);
	const char *clam = vg_engine_virus_version(engine);
	int rc;

	if ((rc = spf_headers(v, vg_engine_conf(engine), msg)) != 0)
		return rc;
	if (score_res != NULL && score_res->status == 0 &&
	    !vg_msg_oversized(msg)) {
		struct vg_buf status;

		if (v->spam && (rc = add_header(v, "X-Spam-Flag", "YES")) != 0)
			return rc;
		if ((rc = add_header(v, "X-Spam-Score", "%.1f", v->score)) != 0)
			return rc;
		vg_buf_init(&status, VG_VERDICT_HEADER_MAX);
		rc = spam_status(v, &status);
		if (rc == 0)
			rc = add_edit(v, VG_EDIT_ADD, "X-Spam-Status", 0,
			    vg_buf_cstr(&status));
		vg_buf_fini(&status);
		if (rc != 0)
			return rc;
	}
	if (*clam != '\0')
		rc = add_header(
		    v, "X-Virus-Scanned", "Vigil %s (%s)", vg_version(), clam);
	else
		rc = add_header(v, "X-Virus-Scanned", "Vigil %s", vg_version());
	if (rc != 0)
		return rc;
	if ((rc = add_header(v, "X-Virus-Status", "%s", v->virus_status)) != 0)
		return rc;
	if (v->action == VG_ACTION_TAG && v->spam) {
		const char *tag = vg_rules_subject_tag(rules);

		if (*tag != '\0' && (rc = tag_subject(v, msg, tag)) != 0)
			return rc;
	}
	return 0;
}

/* vg_verdict_decide - merge the results of the engine's stages for msg */
int
vg_verdict_decide(struct vg_verdict **out, const struct vg_engine *engine,
    const struct vg_msg *msg, const struct vg_result *results, size_t n)
{
	const struct vg_conf *conf = vg_engine_conf(engine);
	const struct vg_rules *rules = vg_engine_rules(engine);
	const struct vg_result *virus_res = NULL, *score_res = NULL;
	struct vg_verdict *v;
	int rc;

	*out = NULL;
	if ((v = vg_calloc(1, sizeof(*v))) == NULL)
		return VG_ENOMEM;
	v->required = vg_rules_required_score(rules);
	v->reject = vg_rules_reject_score(rules);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(results[i].stage, "virus") == 0)
			virus_res = &results[i];
		else if (strcmp(results[i].stage, "score") == 0)
			score_res = &results[i];
		if (i < VG_NELEM(v->stage_us))
			v->stage_us[i] = results[i].elapsed_us;
	}
	v->nstages = n < VG_NELEM(v->stage_us) ? n : VG_NELEM(v->stage_us);
	v->virus_outcome =
	    virus_res != NULL ? virus_res->outcome : VG_VIRUS_DISABLED;
	if (virus_res != NULL && virus_res->status != 0)
		v->virus_outcome = VG_VIRUS_NOT_RUN;
	if (virus_res != NULL && virus_res->virus[0] != '\0') {
		vg_sanitize_str(v->virus, sizeof(v->virus), virus_res->virus,
		    VG_SANITIZE_ASCII);
		v->virus_outcome = VG_VIRUS_INFECTED;
	}
	if (virus_res != NULL && virus_res->unscanned[0] != '\0')
		vg_sanitize_str(v->unscanned, sizeof(v->unscanned),
		    virus_res->unscanned, VG_SANITIZE_ASCII);
	/* Another stage saw content ClamAV cannot have scanned. */
	for (size_t i = 0; i < n && v->virus_outcome == VG_VIRUS_CLEAN; i++)
		if (results[i].unscannable[0] != '\0') {
			v->virus_outcome = VG_VIRUS_INCOMPLETE;
			vg_sanitize_str(v->unscanned, sizeof(v->unscanned),
			    results[i].unscannable, VG_SANITIZE_ASCII);
		}
	if ((rc = collect_symbols(v, results, n)) != 0)
		goto fail;
	/*
	 * An incomplete scan is always a symbol, so the log line and
	 * `vigil scan --json` show it; it scores only when the message is to
	 * be tagged for it.
	 */
	if (v->virus_outcome == VG_VIRUS_INCOMPLETE && !vg_msg_oversized(msg) &&
	    (rc = add_symbol(v, "VIRUS_UNSCANNED",
	         conf->unscanned_action == VG_ACTION_TAG
	             ? vg_rules_score(
	                   rules, "VIRUS_UNSCANNED", VG_VERDICT_UNSCANNED_SCORE)
	             : 0.0,
	         v->unscanned)) != 0)
		goto fail;
	v->spam = v->score >= v->required;
	{
		enum vg_direction_why why;

		v->outbound =
		    vg_direction_msg(conf, msg, &why) == VG_DIRECTION_OUTBOUND;
		vg_direction_source(v->source, sizeof(v->source), msg, why);
	}
	decide_action(v, conf, msg, results, n);
	virus_status(v, msg, virus_res);

	/* Forgeries go whatever the decision: a tempfailed message returns. */
	if ((rc = delete_forged(v, msg, conf->authserv_id)) != 0)
		goto fail;
	if (v->action != VG_ACTION_REJECT && v->action != VG_ACTION_TEMPFAIL &&
	    v->action != VG_ACTION_DISCARD &&
	    (rc = build_headers(v, engine, msg, score_res)) != 0)
		goto fail;
	*out = v;
	return 0;
fail:
	vg_verdict_free(v);
	return rc;
}

/* vg_verdict_free - free a verdict and all it owns */
void
vg_verdict_free(struct vg_verdict *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->nsymbols; i++) {
		vg_free(v->symbols[i].name);
		vg_free(v->symbols[i].detail);
	}
	vg_free(v->symbols);
	for (size_t i = 0; i < v->nedits; i++) {
		vg_free(v->edits[i].name);
		vg_free(v->edits[i].value);
	}
	vg_free(v->edits);
	vg_free(v);
}
