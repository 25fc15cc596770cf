/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_wlbl_addrs - the addresses SpamAssassin's welcomelist tests look at,
 * gathered from one message as SpamAssassin gathers them (all_from_addrs,
 * all_to_addrs; see sa_wlbl.h SEMANTICS), for the score stage's check
 * (check_sa_wlbl.c) and the eval: functions (sa_wlbleval.c) alike.
 *
 * LIMITS   VG_SA_WLBL_ADDRS addresses of each kind; an address longer
 *	    than VG_SA_WLBL_ENTRY_MAX bytes is not gathered (it cannot
 *	    match); at most 4 * VG_SA_WLBL_ADDRS addresses are read from
 *	    one header.
 */
#include <string.h>

#include "base/buf.h"
#include "base/compiler.h"
#include "message/hdr.h"
#include "message/msg.h"
#include "policy/sa_wlbl.h"

/* sa_push - one address, lower case, once; "" and overlong ones skipped */
static void
sa_push(struct vg_sa_wlbl_addrlist *l, const char *s, size_t n)
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
sa_header_addrs(struct vg_sa_wlbl_addrlist *l, struct vg_buf *b,
    const struct vg_msg *msg, const char *name, bool first)
{
	const struct vg_header *h;
	bool found;
	int rc;

	for (size_t k = 0; (h = vg_msg_header_find(msg, name, k)) != NULL;
	     k++) {
		/* A bounded walk: an address over the buffer's limit
		 * (VG_ELIMIT) is passed over, not retried. */
		for (size_t nth = 0; nth < 4 * VG_SA_WLBL_ADDRS; nth++) {
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
sa_received_for(struct vg_sa_wlbl_addrlist *l, const struct vg_msg *msg)
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

/* vg_sa_wlbl_gather - see sa_wlbl.h */
int
vg_sa_wlbl_gather(struct vg_sa_wlbl_store *st, struct vg_sa_wlbl_facts *f,
    const struct vg_msg *msg)
{
	static const char *const from_hdrs[] = {
	    "From", "Envelope-Sender", "Resent-Sender", "X-Envelope-From"};
	static const char *const to_hdrs[] = {"To", "Apparently-To",
	    "Delivered-To", "Envelope-Recipients", "Apparently-Resent-To",
	    "X-Envelope-To", "Envelope-To", "X-Delivered-To", "X-Original-To",
	    "X-Rcpt-To", "X-Real-To", "Cc"};
	const char *env = vg_msg_from(msg);
	/* 21 KiB: only n is set, not the whole list zeroed */
	struct vg_sa_wlbl_addrlist rp;
	struct vg_buf b;
	int rc = 0;

	rp.n = 0;
	st->from.n = 0;
	st->to.n = 0;
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
	f->dkim_pass = st->dkim;
	f->ndkim_pass = 0;
	f->subject = NULL;
out:
	vg_buf_fini(&b);
	return rc;
}
