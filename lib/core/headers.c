/* SPDX-License-Identifier: GPL-2.0-only */
/* headers - a verdict's header edits: forgeries out, our status headers in */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "message/msg.h"
#include "message/statushdr.h"
#include "rules/rules.h"
#include "rules/symbols.h"
#include "core/autolearn.h"
#include "core/engine.h"
#include "core/spamhdr.h"
#include "core/headers.h"
#include "core/verdict.h"

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

/* vg_headers_add - one ADD edit (the DKIM signer's) */
int
vg_headers_add(struct vg_verdict *v, const char *name, const char *value)
{
	return add_edit(v, VG_EDIT_ADD, name, 0, value);
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
 * is_forged - a header of ours (statushdr.h) that arrived in the message,
 * so that no sender can pre-label a message "Clean" or "not spam".  An
 * Authentication-Results is ours only when it carries our authserv-id:
 * another host's results stay.
 */
static bool
is_forged(const struct vg_header *h, const char *authserv_id)
{
	if (!vg_statushdr_is(h->name))
		return false;
	if (strcasecmp(h->name, "Authentication-Results") != 0)
		return true;
	if (authserv_id == NULL || *authserv_id == '\0')
		return false;
	return ar_is_ours(h->value, authserv_id);
}

/*
 * vg_headers_delete_forged - one DELETE edit per forged header.  Indexes count headers
 * of the same name (case-insensitively) from 1, as smfi_chgheader() does;
 * each name's deletions are emitted from the highest index down so that
 * they stay right whether or not the MTA renumbers after a deletion.
 */
int
vg_headers_delete_forged(
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
		 * listed among the tests, unless the symbol table says it
		 * tells how the message was checked (*_UNAVAILABLE).
		 */
		if (v->symbols[i].score > -0.0001 &&
		    v->symbols[i].score < 0.0001 &&
		    !vg_symbols_listed(v->symbols[i].name))
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
 * dkim_method - "dkim=pass header.d=example.com header.s=sel" for one
 * signature (RFC 8601 2.7.1); d= and s= are sanitised, and a byte that
 * cannot stand in a token becomes '?'.  value and sel are scratch of
 * VG_AUTH_VALUE_MAX bytes.
 */
static void
dkim_method(
    char *buf, size_t size, const struct vg_auth *a, char *value, char *sel)
{
	char d[VG_AUTH_VALUE_MAX + 2], s[VG_AUTH_VALUE_MAX + 2];

	vg_sanitize_str(value, VG_AUTH_VALUE_MAX, a->value, VG_SANITIZE_ASCII);
	vg_sanitize_str(sel, VG_AUTH_VALUE_MAX, a->value2, VG_SANITIZE_ASCII);
	kv_token(d, sizeof(d), value);
	kv_token(s, sizeof(s), sel);
	if (d[0] == '\0')
		(void)vg_str_fmt(buf, size, "dkim=%s", a->result);
	else
		(void)vg_str_fmt(buf, size, "dkim=%s header.d=%s header.s=%s",
		    a->result, d, s);
}

/*
 * spf_headers - Received-SPF (RFC 7208 9.1) for each identity the SPF
 * check evaluated, then one Authentication-Results (RFC 8601) with every
 * SPF, DKIM, DMARC and ARC method result, from the verdict's typed
 * authentication results.
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
	for (size_t i = 0; i < v->nauth; i++) {
		const struct vg_auth *a = &v->auth[i];
		char method[512], value[VG_AUTH_VALUE_MAX], domain[256];
		char comment[384];

		if (a->method == VG_AUTH_DKIM) {
			char sel[VG_AUTH_VALUE_MAX];

			dkim_method(method, sizeof(method), a, value, sel);
			if (len + strlen(method) + 3 < sizeof(ar))
				len += (size_t)snprintf(
				    ar + len, sizeof(ar) - len, "; %s", method);
			continue;
		}
		if (a->method == VG_AUTH_DMARC) {
			char sealer[VG_AUTH_VALUE_MAX],
			    by[VG_AUTH_VALUE_MAX + 2];

			vg_sanitize_str(
			    value, sizeof(value), a->value, VG_SANITIZE_ASCII);
			kv_token(domain, sizeof(domain), value);
			vg_sanitize_str(sealer, sizeof(sealer), a->value2,
			    VG_SANITIZE_ASCII);
			kv_token(by, sizeof(by), sealer);
			/* A trusted ARC sealer overrode a failure (RFC 7489
			 * 6.7): the result stays, a comment says why. */
			(void)vg_str_fmt(method, sizeof(method),
			    "dmarc=%s%s%s%s header.from=%s", a->result,
			    by[0] != '\0' ? " (arc override by " : "", by,
			    by[0] != '\0' ? ")" : "", domain);
			if (len + strlen(method) + 3 < sizeof(ar))
				len += (size_t)snprintf(
				    ar + len, sizeof(ar) - len, "; %s", method);
			continue;
		}
		if (a->method == VG_AUTH_ARC) {
			/* RFC 8617 10.2: arc=, with the client's address. */
			if (ip[0] != '\0')
				(void)vg_str_fmt(method, sizeof(method),
				    "arc=%s smtp.remote-ip=%s", a->result, ip);
			else
				(void)vg_str_fmt(method, sizeof(method),
				    "arc=%s", a->result);
			if (len + strlen(method) + 3 < sizeof(ar))
				len += (size_t)snprintf(
				    ar + len, sizeof(ar) - len, "; %s", method);
			continue;
		}
		if (a->method != VG_AUTH_SPF)
			continue;
		vg_sanitize_str(
		    value, sizeof(value), a->value, VG_SANITIZE_ASCII);
		kv_token(domain, sizeof(domain), value);
		spf_comment(comment, sizeof(comment), a->result, ip);
		rc = add_header(v, "Received-SPF",
		    "%s (%s: domain %s %s) client-ip=%s; envelope-from=\"%s\"; "
		    "helo=%s; receiver=%s; identity=%s",
		    a->result, id, domain, comment, ip, from, helo, id,
		    a->property);
		if (rc != 0)
			return rc;
		(void)vg_str_fmt(method, sizeof(method), "spf=%s smtp.%s=%s",
		    a->result, a->property, value);
		if (len + strlen(method) + 3 < sizeof(ar))
			len += (size_t)snprintf(
			    ar + len, sizeof(ar) - len, "; %s", method);
	}
	if (strchr(ar, ';') == NULL)
		return 0;
	return add_edit(v, VG_EDIT_ADD, "Authentication-Results", 0, ar);
}

/*
 * spam_headers - the X-Spam-* headers of the rules file's ham or spam
 * list (rules_headers.c; SpamAssassin's layout unless it says otherwise),
 * each rendered from its template (spamhdr.h) and sanitised again, line
 * folds kept
 */
static int
spam_headers(struct vg_verdict *v, const struct vg_engine *engine,
    const struct vg_msg *msg, const char *clam)
{
	const struct vg_conf *conf = vg_engine_conf(engine);
	const struct vg_rules *rules = vg_engine_rules(engine);
	struct vg_spamhdr_ctx ctx = {
	    .v = v,
	    .rules = rules,
	    .version = vg_version(),
	    .subversion = clam,
	    .hostname = conf->authserv_id,
	    .autolearn = vg_autolearn_status(conf, rules, v),
	    .client_addr = vg_msg_client_addr(msg),
	    .client_name = vg_msg_client_name(msg),
	};
	const struct vg_rules_hdr *hdrs;
	size_t n;
	struct vg_buf value;
	int rc = 0;

	hdrs = vg_rules_headers(rules, v->spam, &n);
	vg_buf_init(&value, 2 * VG_SPAMHDR_VALUE_MAX + 64);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char name[VG_RULES_HDR_NAME_MAX + 8];
		char clean[2 * VG_SPAMHDR_VALUE_MAX + 64];

		if ((rc = vg_spamhdr_render(
		         &value, hdrs[i].name, hdrs[i].tmpl, &ctx)) != 0)
			break;
		(void)vg_str_fmt(name, sizeof(name), "X-Spam-%s", hdrs[i].name);
		vg_sanitize_str(clean, sizeof(clean), vg_buf_cstr(&value),
		    VG_SANITIZE_KEEP_FOLD);
		rc = add_edit(v, VG_EDIT_ADD, name, 0, clean);
	}
	vg_buf_fini(&value);
	return rc;
}

/* vg_headers_build - the edits for a message that passes */
int
vg_headers_build(struct vg_verdict *v, const struct vg_engine *engine,
    const struct vg_msg *msg, const struct vg_result *score_res)
{
	const struct vg_rules *rules = vg_engine_rules(engine);
	/* The clamd server that scanned it, else the engine's scanner. */
	const char *clam = v->scanned_by[0] != '\0'
	    ? v->scanned_by
	    : vg_engine_virus_version(engine);
	int rc;

	if ((rc = spf_headers(v, vg_engine_conf(engine), msg)) != 0)
		return rc;
	if (score_res != NULL && score_res->status == 0 &&
	    !vg_msg_oversized(msg) &&
	    (rc = spam_headers(v, engine, msg, clam)) != 0)
		return rc;
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
