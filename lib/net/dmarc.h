/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmarc - the DMARC record and identifier alignment (RFC 7489).
 *
 * PURPOSE  What DMARC needs beyond SPF and DKIM: parsing the policy
 *	    record published at _dmarc.<domain> (3.2, 6.3), the
 *	    organisational domain of a name (3.2, through libpsl's
 *	    public suffix list), alignment of an authenticated domain with
 *	    the From: domain, relaxed or strict (3.1), and the evaluation
 *	    that turns the SPF and DKIM results into pass or fail and the
 *	    policy to apply (6.6.2, with sp= and pct= of 6.3 and 6.6.4).
 *	    The lookups themselves are the caller's, through Vigil's
 *	    resolver.
 * OWNS     Nothing: every result is written into the caller's storage.
 * LIMITS   A record longer than VG_DMARC_RECORD_MAX bytes is refused
 *	    (permerror); domains are at most VG_DNS_NAME_MAX bytes.
 * ERRORS   vg_dmarc_record_parse(): VG_EINVAL with the reason (a
 *	    malformed record, which RFC 7489 6.6.3 says to ignore as if
 *	    there were none).  vg_dmarc_org_domain(): VG_EINVAL for a name
 *	    that is not a domain, VG_ELIMIT when out is too small.
 * THREADS  Every function is reentrant (libpsl's built-in list is
 *	    read-only).
 */
#ifndef VG_DMARC_H
#define VG_DMARC_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define VG_DMARC_RECORD_MAX 4096u

enum vg_dmarc_policy {
	VG_DMARC_P_NONE,
	VG_DMARC_P_QUARANTINE,
	VG_DMARC_P_REJECT,
};

struct vg_dmarc_record {
	enum vg_dmarc_policy p;  /* for the domain itself */
	enum vg_dmarc_policy sp; /* for its subdomains (p when absent) */
	bool adkim_strict;       /* adkim=s */
	bool aspf_strict;        /* aspf=s */
	unsigned pct;            /* 0-100, default 100 */
};

/* What one message's authentication established, for the evaluation. */
struct vg_dmarc_input {
	const char *from_domain; /* the RFC5322.From domain */
	bool spf_pass;
	const char *spf_domain; /* MAIL FROM's domain, when spf_pass */
	const char *const
	    *dkim_pass; /* d= of every DKIM signature that passed */
	size_t ndkim_pass;
};

struct vg_dmarc_verdict {
	bool pass;
	bool spf_aligned, dkim_aligned;
	/* The policy the record asks for a failure (sp= for a subdomain). */
	enum vg_dmarc_policy policy;
	/* policy after pct=: one step lower when the message fell outside
	 * the percentage (6.6.4); what the receiver should apply */
	enum vg_dmarc_policy applied;
};

/*
 * vg_dmarc_is_record - txt starts with "v=DMARC1" (the test that picks
 * the record among a name's TXT records, 6.6.3)
 */
bool vg_dmarc_is_record(const char *txt, size_t len);
/* vg_dmarc_record_parse - parse a DMARC record (see ERRORS) */
int vg_dmarc_record_parse(struct vg_dmarc_record *out, const char *txt,
    size_t len, char *why, size_t why_size);
/*
 * vg_dmarc_org_domain - the organisational domain of domain (lower case)
 * into out: its registrable domain by the public suffix list
 */
int vg_dmarc_org_domain(char *out, size_t size, const char *domain);
/*
 * vg_dmarc_aligned - a (authenticated) and from are aligned: equal
 * without case when strict, the same organisational domain when relaxed
 */
bool vg_dmarc_aligned(const char *a, const char *from, bool strict);
/* vg_dmarc_policy_name - "none", "quarantine", "reject"; static */
const char *vg_dmarc_policy_name(enum vg_dmarc_policy p);
/*
 * vg_dmarc_evaluate - the verdict for in under rec, found at the From:
 * domain itself (subdomain false) or at its organisational domain
 * (subdomain true: sp= applies); sample is a number 0-99 drawn per
 * message, compared with pct=
 */
void vg_dmarc_evaluate(struct vg_dmarc_verdict *out,
    const struct vg_dmarc_record *rec, bool subdomain,
    const struct vg_dmarc_input *in, unsigned sample);

#endif /* VG_DMARC_H */
