/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmarc - DMARC records, organisational domains and alignment (see
 * dmarc.h).  The record is a tag-list like DKIM's (RFC 7489 6.4 uses the
 * same tag=value; grammar), so dkim_tags.c's scanner reads it.
 */
#include <string.h>
#include <strings.h>

#include <libpsl.h>

#include "base/str.h"
#include "net/dkim_int.h"
#include "net/dmarc.h"
#include "net/dns.h"

/* val_is - the value is word, compared without case */
static bool
val_is(const char *v, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(v, word, n) == 0;
}

/* parse_policy - none, quarantine or reject; false for anything else */
static bool
parse_policy(enum vg_dmarc_policy *out, const char *v, size_t n)
{
	if (val_is(v, n, "none"))
		*out = VG_DMARC_P_NONE;
	else if (val_is(v, n, "quarantine"))
		*out = VG_DMARC_P_QUARANTINE;
	else if (val_is(v, n, "reject"))
		*out = VG_DMARC_P_REJECT;
	else
		return false;
	return true;
}

/* vg_dmarc_is_record - txt starts with v=DMARC1 */
bool
vg_dmarc_is_record(const char *txt, size_t len)
{
	struct vg_dkim_tag t;
	size_t pos = 0;

	return vg_dkim_tag_next(txt, len, &pos, &t) == 1 && t.nlen == 1 &&
	    t.name[0] == 'v' && t.vlen == 6 && memcmp(t.val, "DMARC1", 6) == 0;
}

#define FAIL(...)                                                              \
	do {                                                                   \
		(void)vg_str_fmt(why, why_size, __VA_ARGS__);                  \
		return VG_EINVAL;                                              \
	} while (0)

/* vg_dmarc_record_parse - parse a DMARC record */
int
vg_dmarc_record_parse(struct vg_dmarc_record *out, const char *txt, size_t len,
    char *why, size_t why_size)
{
	struct vg_dkim_tag t;
	size_t pos = 0;
	bool have_p = false, bad_p = false, have_sp = false, rua = false;
	int r;

	memset(out, 0, sizeof(*out));
	out->pct = 100;
	if (len > VG_DMARC_RECORD_MAX)
		FAIL("record longer than %u bytes", VG_DMARC_RECORD_MAX);
	if (!vg_dmarc_is_record(txt, len))
		FAIL("record does not start with v=DMARC1");
	while ((r = vg_dkim_tag_next(txt, len, &pos, &t)) == 1) {
		if (t.nlen == 1 && t.name[0] == 'p') {
			have_p = parse_policy(&out->p, t.val, t.vlen);
			bad_p = !have_p;
		} else if (t.nlen == 2 && memcmp(t.name, "sp", 2) == 0) {
			have_sp = parse_policy(&out->sp, t.val, t.vlen);
		} else if (t.nlen == 5 && memcmp(t.name, "adkim", 5) == 0) {
			out->adkim_strict = val_is(t.val, t.vlen, "s");
		} else if (t.nlen == 4 && memcmp(t.name, "aspf", 4) == 0) {
			out->aspf_strict = val_is(t.val, t.vlen, "s");
		} else if (t.nlen == 3 && memcmp(t.name, "pct", 3) == 0) {
			unsigned v = 0;
			size_t k;

			/* A bad pct= is discarded for the default (6.3). */
			for (k = 0; k < t.vlen && k < 3; k++) {
				if (t.val[k] < '0' || t.val[k] > '9')
					break;
				v = v * 10 + (unsigned)(t.val[k] - '0');
			}
			if (k == t.vlen && k > 0 && v <= 100)
				out->pct = v;
		} else if (t.nlen == 3 && memcmp(t.name, "rua", 3) == 0) {
			rua =
			    t.vlen > 7 && strncasecmp(t.val, "mailto:", 7) == 0;
		}
	}
	if (r < 0)
		FAIL("malformed tag list");
	/* 6.6.3: no valid p= but a report address: act as p=none. */
	if (!have_p && !rua)
		FAIL(bad_p ? "p= is not none, quarantine or reject"
		           : "no p= tag");
	if (!have_p)
		out->p = VG_DMARC_P_NONE;
	if (!have_sp)
		out->sp = out->p;
	return 0;
}

/* vg_dmarc_org_domain - the registrable domain by the public suffix list */
int
vg_dmarc_org_domain(char *out, size_t size, const char *domain)
{
	char low[VG_DNS_NAME_MAX + 1];
	const char *r;
	size_t n = strlen(domain);

	if (n == 0 || n > VG_DNS_NAME_MAX)
		return VG_EINVAL;
	for (size_t i = 0; i <= n; i++) {
		char c = domain[i];

		low[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	/* A fully qualified name ("example.com.") is the same domain. */
	if (low[n - 1] == '.')
		low[--n] = '\0';
	if (n == 0 || !vg_dns_name_valid(low))
		return VG_EINVAL;
	r = psl_registrable_domain(psl_builtin(), low);
	/* A public suffix itself (or an unknown one-label name) is its own. */
	if (r == NULL)
		r = low;
	if (strlen(r) >= size)
		return VG_ELIMIT;
	memcpy(out, r, strlen(r) + 1);
	return 0;
}

/* vg_dmarc_aligned - strict: equal; relaxed: same organisational domain */
bool
vg_dmarc_aligned(const char *a, const char *from, bool strict)
{
	char oa[VG_DNS_NAME_MAX + 1], of[VG_DNS_NAME_MAX + 1];

	if (a == NULL || from == NULL || a[0] == '\0' || from[0] == '\0')
		return false;
	if (strcasecmp(a, from) == 0)
		return true;
	if (strict)
		return false;
	return vg_dmarc_org_domain(oa, sizeof(oa), a) == 0 &&
	    vg_dmarc_org_domain(of, sizeof(of), from) == 0 &&
	    strcmp(oa, of) == 0;
}

/* vg_dmarc_policy_name - the word */
const char *
vg_dmarc_policy_name(enum vg_dmarc_policy p)
{
	switch (p) {
	case VG_DMARC_P_NONE:
		return "none";
	case VG_DMARC_P_QUARANTINE:
		return "quarantine";
	case VG_DMARC_P_REJECT:
		return "reject";
	}
	return "none";
}

/* vg_dmarc_evaluate - pass or fail, and the policy that applies */
void
vg_dmarc_evaluate(struct vg_dmarc_verdict *out,
    const struct vg_dmarc_record *rec, bool subdomain,
    const struct vg_dmarc_input *in, unsigned sample)
{
	memset(out, 0, sizeof(*out));
	out->spf_aligned = in->spf_pass &&
	    vg_dmarc_aligned(in->spf_domain, in->from_domain, rec->aspf_strict);
	for (size_t i = 0; i < in->ndkim_pass && !out->dkim_aligned; i++)
		out->dkim_aligned = vg_dmarc_aligned(
		    in->dkim_pass[i], in->from_domain, rec->adkim_strict);
	out->pass = out->spf_aligned || out->dkim_aligned;
	out->policy = subdomain ? rec->sp : rec->p;
	out->applied = out->pass ? VG_DMARC_P_NONE : out->policy;
	/* 6.6.4: outside pct=, apply the next policy down. */
	if (!out->pass && sample >= rec->pct) {
		if (out->applied == VG_DMARC_P_REJECT)
			out->applied = VG_DMARC_P_QUARANTINE;
		else if (out->applied == VG_DMARC_P_QUARANTINE)
			out->applied = VG_DMARC_P_NONE;
	}
}
