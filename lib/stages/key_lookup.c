/* SPDX-License-Identifier: GPL-2.0-only */
/* key_lookup - DNS TXT key lookups for DKIM and ARC (see key_lookup.h) */
#include "stages/key_lookup.h"

#include "base/alloc.h"
#include "base/err.h"
#include "net/dkim.h"
#include "net/dns.h"

/* vg_key_lookup_start - one TXT query per slot that needs a key */
int
vg_key_lookup_start(struct vg_key_lookup *kl, struct vg_dns *dns,
    const struct vg_key_src *src, size_t n)
{
	kl->n = 0;
	kl->q = NULL;
	if (n == 0)
		return 0;
	if ((kl->q = vg_calloc(n, sizeof(*kl->q))) == NULL)
		return VG_ENOMEM;
	kl->n = n;
	for (size_t k = 0; k < n; k++) {
		const char *name = src->name(src->m, k);
		int rc;

		if (name == NULL)
			continue;
		if (!vg_dns_name_valid(name)) {
			src->missing(src->m, k, false, "invalid name");
			continue;
		}
		rc = vg_dns_submit(dns, &kl->q[k], name, VG_DNS_TXT);
		if (rc == VG_EINVAL)
			src->missing(src->m, k, false, "invalid name");
		else if (rc != 0)
			return rc;
	}
	return 0;
}

/* collect_one - wait for slot k's key and hand it, or its absence, to src */
static int
collect_one(struct vg_key_lookup *kl, size_t k, struct vg_dns *dns,
    const struct vg_key_src *src, uint64_t deadline_ms)
{
	const struct vg_dns_answer *a;
	char why[VG_DKIM_REASON_MAX];
	struct vg_dkim_key *key;
	size_t pick = 0;

	if (kl->q[k] == NULL || src->name(src->m, k) == NULL)
		return 0;
	if (vg_dns_wait(dns, kl->q[k], deadline_ms) != 0 ||
	    (a = vg_dns_query_answer(kl->q[k])) == NULL) {
		src->missing(src->m, k, true, "dns_deadline passed");
		return 0;
	}
	switch (a->status) {
	case VG_DNS_OK:
		break;
	case VG_DNS_NODATA:
	case VG_DNS_NXDOMAIN:
		src->missing(src->m, k, false, vg_dns_status_name(a->status));
		return 0;
	case VG_DNS_TEMPFAIL:
	case VG_DNS_TIMEOUT:
		src->missing(src->m, k, true, vg_dns_status_name(a->status));
		return 0;
	}
	if (a->n == 0) {
		src->missing(src->m, k, false, "empty answer");
		return 0;
	}
	/* The first TXT record that is a key record; none: the first. */
	if ((key = vg_malloc(sizeof(*key))) == NULL)
		return VG_ENOMEM;
	for (size_t j = 0; j < a->n; j++)
		if (vg_dkim_key_parse(key, (const char *)a->rr[j].data,
		        a->rr[j].len, why, sizeof(why)) == 0) {
			pick = j;
			break;
		}
	vg_free(key);
	return src->key(
	    src->m, k, (const char *)a->rr[pick].data, a->rr[pick].len);
}

/* vg_key_lookup_collect - every slot's answer to src */
int
vg_key_lookup_collect(struct vg_key_lookup *kl, struct vg_dns *dns,
    const struct vg_key_src *src, uint64_t deadline_ms)
{
	int rc = 0;

	for (size_t k = 0; k < kl->n && rc == 0; k++)
		rc = collect_one(kl, k, dns, src, deadline_ms);
	return rc;
}

/* vg_key_lookup_fini - free the handles */
void
vg_key_lookup_fini(struct vg_key_lookup *kl)
{
	for (size_t k = 0; k < kl->n; k++)
		vg_dns_query_free(kl->q[k]);
	vg_free(kl->q);
	kl->q = NULL;
	kl->n = 0;
}
