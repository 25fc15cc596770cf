/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check_sa_wlbl - SpamAssassin's welcomelist and blocklist tests
 * (policy/sa_wlbl.h) as a check of the score stage.
 *
 * When local.cf gave any welcomelist_* / blocklist_* / *_spam_to entry,
 * collect() (after the SPF, DKIM and DMARC checks, whose typed results
 * it reads) gathers the message's FROM and TO addresses as SpamAssassin
 * does (all_from_addrs, all_to_addrs) and adds USER_IN_WELCOMELIST,
 * USER_IN_BLOCKLIST, USER_IN_WELCOMELIST_TO, USER_IN_BLOCKLIST_TO,
 * USER_IN_MORE_SPAM_TO, USER_IN_ALL_SPAM_TO, USER_IN_SPF_WELCOMELIST,
 * USER_IN_DKIM_WELCOMELIST, USER_IN_DEF_SPF_WL and USER_IN_DEF_DKIM_WL
 * for the tests that hit, scored by the rules file or else with
 * SpamAssassin's scores (-100, 100, -6, 10, -20, -100, -100, -100, -7.5,
 * -7.5).  A name the rules file defines as a rule of its own (an eval:
 * rule that calls vg_sa_wlbl_eval() through the eval registry) is left to
 * that rule, so nothing counts twice.  A welcomelist is a score, never a
 * decision: a virus or a banned attachment is refused all the same.
 *
 * LIMITS   VG_CHECK_SA_WLBL_ADDRS addresses of each kind are gathered
 *	    (more are not looked at); an address longer than
 *	    VG_SA_WLBL_ENTRY_MAX bytes cannot match and is not gathered.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/compiler.h"
#include "message/hdr.h"
#include "message/msg.h"
#include "policy/sa_wlbl.h"
#include "rules/rules.h"
#include "stages/check_ops.h"

#define VG_CHECK_SA_WLBL_ADDRS 64

struct sa_addrs {
	char a[VG_CHECK_SA_WLBL_ADDRS][VG_SA_WLBL_ENTRY_MAX + 1];
	const char *p[VG_CHECK_SA_WLBL_ADDRS];
	size_t n;
};

struct sa_facts_store {
	struct sa_addrs from, to;
	char envfrom[VG_SA_WLBL_ENTRY_MAX + 1];
	const char *dkim[VG_CHECK_SA_WLBL_ADDRS];
};

/* sa_push - one address, lower case, once; "" and overlong ones skipped */
static void
sa_push(struct sa_addrs *l, const char *s, size_t n)
{
	if (n == 0 || n > VG_SA_WLBL_ENTRY_MAX || l->n == VG_NELEM(l->a))
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		l->a[l->n][i] =
		    (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	l->a[l->n][n] = '\0';
	/* SpamAssassin squeezes runs of dots ("foo@bar..com"). */
	for (size_t i = 0; l->a[l->n][i] != '\0'; i++)
		if (l->a[l->n][i] == '.' && l->a[l->n][i + 1] == '.') {
			memmove(&l->a[l->n][i], &l->a[l->n][i + 1],
			    strlen(&l->a[l->n][i + 1]) + 1);
			i--;
		}
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->a[i], l->a[l->n]) == 0)
			return;
	l->p[l->n] = l->a[l->n];
	l->n++;
}

/*
 * sa_header_addrs - the addresses of every header called name (only the
 * first address of the first one when first), into l.  VG_ENOMEM.
 */
static int
sa_header_addrs(struct sa_addrs *l, struct vg_buf *b, const struct vg_msg *msg,
    const char *name, bool first)
{
	const struct vg_header *h;
	bool found;
	int rc;

	for (size_t k = 0; (h = vg_msg_header_find(msg, name, k)) != NULL;
	     k++) {
		/* A bounded walk: an address over the buffer's limit
		 * (VG_ELIMIT) is passed over, not retried. */
		for (size_t nth = 0; nth < 4 * VG_CHECK_SA_WLBL_ADDRS; nth++) {
			vg_buf_reset(b);
			rc =
			    vg_hdr_addr(b, h->value, h->value_len, nth, &found);
			if (rc == VG_ELIMIT)
				continue;
			if (rc != 0)
				return rc;
			if (!found)
				break;
			sa_push(l, vg_buf_cstr(b), b->len);
			if (first)
				return 0;
		}
	}
	return 0;
}

/*
 * sa_received_for - the "for <addr>" of the first three Received headers
 * (SpamAssassin's all_to_addrs)
 */
static void
sa_received_for(struct sa_addrs *l, const struct vg_msg *msg)
{
	const struct vg_header *h;

	for (size_t k = 0;
	     k < 3 && (h = vg_msg_header_find(msg, "Received", k)) != NULL;
	     k++) {
		const char *v = h->value, *end = v + h->value_len, *p, *s, *at;

		for (p = v; p + 5 <= end; p++)
			if (memcmp(p, " for ", 5) == 0)
				break;
		if (p + 5 > end)
			continue;
		s = p + 5;
		if (s < end && *s == '<')
			s++;
		for (p = s, at = NULL; p < end && *p != '>' && *p != ';' &&
		     *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n';
		     p++)
			if (*p == '@')
				at = p;
		if (at != NULL && at > s && p > at + 1)
			sa_push(l, s, (size_t)(p - s));
	}
}

/* sa_gather - the facts of msg, from its headers and res's auth results */
static int
sa_gather(struct sa_facts_store *st, struct vg_sa_wlbl_facts *f,
    const struct vg_msg *msg, const struct vg_result *res)
{
	static const char *const from_hdrs[] = {
	    "From", "Envelope-Sender", "Resent-Sender", "X-Envelope-From"};
	static const char *const to_hdrs[] = {"To", "Apparently-To",
	    "Delivered-To", "Envelope-Recipients", "Apparently-Resent-To",
	    "X-Envelope-To", "Envelope-To", "X-Delivered-To", "X-Original-To",
	    "X-Rcpt-To", "X-Real-To", "Cc"};
	const char *env = vg_msg_from(msg);
	struct sa_addrs rp = {.n = 0};
	struct vg_buf b;
	int rc = 0;

	vg_buf_init(&b, VG_SA_WLBL_ENTRY_MAX + 64);
	/* The envelope sender; a stored message scanned by `vigil scan`
	 * without --from has it in Return-Path, as SpamAssassin finds it. */
	if (env == NULL || *env == '\0') {
		if ((rc = sa_header_addrs(&rp, &b, msg, "Return-Path", true)))
			goto out;
		env = rp.n ? rp.p[0] : "";
	}
	st->envfrom[0] = '\0';
	if (strlen(env) <= VG_SA_WLBL_ENTRY_MAX) {
		size_t i;

		for (i = 0; env[i] != '\0'; i++)
			st->envfrom[i] = (char)(env[i] >= 'A' && env[i] <= 'Z'
			        ? env[i] - 'A' + 'a'
			        : env[i]);
		st->envfrom[i] = '\0';
	}
	if (vg_msg_header_find(msg, "Resent-From", 0) != NULL) {
		rc = sa_header_addrs(&st->from, &b, msg, "Resent-From", true);
	} else {
		for (size_t i = 0; rc == 0 && i < VG_NELEM(from_hdrs); i++)
			rc = sa_header_addrs(
			    &st->from, &b, msg, from_hdrs[i], false);
		sa_push(&st->from, st->envfrom, strlen(st->envfrom));
	}
	if (rc != 0)
		goto out;
	if (vg_msg_header_find(msg, "Resent-To", 0) != NULL ||
	    vg_msg_header_find(msg, "Resent-Cc", 0) != NULL) {
		rc = sa_header_addrs(&st->to, &b, msg, "Resent-To", true);
		if (rc == 0)
			rc = sa_header_addrs(
			    &st->to, &b, msg, "Resent-Cc", true);
	} else {
		sa_received_for(&st->to, msg);
		for (size_t i = 0; rc == 0 && i < VG_NELEM(to_hdrs); i++)
			rc = sa_header_addrs(
			    &st->to, &b, msg, to_hdrs[i], false);
	}
	if (rc != 0)
		goto out;
	f->from = st->from.p;
	f->nfrom = st->from.n;
	f->to = st->to.p;
	f->nto = st->to.n;
	f->envfrom = st->envfrom;
	f->spf_pass = false;
	f->ndkim_pass = 0;
	for (size_t i = 0; i < res->nauth; i++) {
		const struct vg_auth *a = &res->auth[i];

		if (a->method == VG_AUTH_SPF &&
		    strcmp(a->property, "mailfrom") == 0 &&
		    strcmp(a->result, "pass") == 0)
			f->spf_pass = true;
		else if (a->method == VG_AUTH_DKIM &&
		    strcmp(a->result, "pass") == 0 &&
		    f->ndkim_pass < VG_NELEM(st->dkim))
			st->dkim[f->ndkim_pass++] = a->value;
	}
	f->dkim_pass = st->dkim;
out:
	vg_buf_fini(&b);
	return rc;
}

/* check_sa_wlbl_collect - after SPF and DKIM: the tests, the symbols */
static int
check_sa_wlbl_collect(void *state, const struct vg_msg *msg, void *work,
    uint64_t deadline_ms, const struct vg_rules *rules, struct vg_result *res)
{
	const struct vg_sa_wlbl *w = vg_sa_wlbl_of(rules);
	struct sa_facts_store *st;
	struct vg_sa_wlbl_facts f;
	int rc;

	(void)state;
	(void)work;
	(void)deadline_ms;
	if (vg_sa_wlbl_empty(w))
		return 0;
	if ((st = vg_calloc(1, sizeof(*st))) == NULL)
		return VG_ENOMEM;
	if ((rc = sa_gather(st, &f, msg, res)) != 0)
		goto out;
	for (int t = 0; t < VG_SA_WLBL_TEST_MAX; t++) {
		const char *sym = vg_sa_wlbl_symbol((enum vg_sa_wlbl_test)t);

		if (vg_rules_defines(rules, sym) ||
		    !vg_sa_wlbl_eval(w, (enum vg_sa_wlbl_test)t, &f))
			continue;
		rc = vg_result_add(res, sym,
		    vg_rules_score(
		        rules, sym, vg_sa_wlbl_score((enum vg_sa_wlbl_test)t)),
		    NULL);
		if (rc != 0)
			goto out;
	}
out:
	vg_free(st);
	return rc;
}

const struct vg_check_ops vg_check_sa_wlbl_ops = {
    .name = "sa_wlbl",
    .collect = check_sa_wlbl_collect,
};
