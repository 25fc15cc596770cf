/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * key_lookup - one message's DNS TXT key lookups for a check that verifies
 * signatures against keys published in DNS (DKIM, ARC).
 *
 * PURPOSE  check_dkim.c and check_arc.c ask the same thing of DNS: one
 *	    TXT query per key slot, started on the pool, each answer waited
 *	    for until the message's DNS deadline off the pool, the status
 *	    mapped to "no key" (NXDOMAIN, NODATA, empty: permanent) or "key
 *	    unavailable" (SERVFAIL, time-out, deadline: temporary), and of
 *	    several TXT records the first that parses as a key record used
 *	    (RFC 6376 3.6.2.2 lets a verifier choose; none parses: the first,
 *	    so its fault is the reason).  The verifier is reached through
 *	    struct vg_key_src, so the lookups know nothing of DKIM or ARC.
 * OWNS     vg_key_lookup_start() allocates the query handles that
 *	    vg_key_lookup_fini() frees (also after a failed start).
 * LIMITS   As many queries as the verifier has key slots; the verifier
 *	    bounds those (dkim_max_signatures, arc_max_sets).
 * ERRORS   VG_ENOMEM, or a resolver error other than VG_EINVAL (an
 *	    invalid name is the slot's permanent failure, not an error).
 * THREADS  One message's lookups are used by one thread at a time.
 */
#ifndef VG_KEY_LOOKUP_H
#define VG_KEY_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_dns;
struct vg_dns_query;

/* The verifier whose key slots are looked up. */
struct vg_key_src {
	void *m; /* the verifier's message state, borrowed */
	/* The TXT name slot k needs, or NULL when it needs none. */
	const char *(*name)(const void *m, size_t k);
	/* Finish slot k without a key; temporary or permanent. */
	void (*missing)(void *m, size_t k, bool temporary, const char *why);
	/* Finish slot k with this TXT record: 0 or VG_E*. */
	int (*key)(void *m, size_t k, const char *txt, size_t len);
};

struct vg_key_lookup {
	size_t n;                /* key slots */
	struct vg_dns_query **q; /* n handles, NULL where none is needed */
};

/*
 * vg_key_lookup_start - submit one TXT query per slot of src that needs a
 * key; a name the resolver refuses finishes its slot as "invalid name"
 */
int vg_key_lookup_start(struct vg_key_lookup *kl, struct vg_dns *dns,
    const struct vg_key_src *src, size_t n);

/*
 * vg_key_lookup_collect - wait for every slot's answer until deadline_ms
 * (vg_clock_ms()) and hand each to src: a key or the reason there is none
 */
int vg_key_lookup_collect(struct vg_key_lookup *kl, struct vg_dns *dns,
    const struct vg_key_src *src, uint64_t deadline_ms);

/* vg_key_lookup_fini - free the handles; a zeroed kl is a no-op */
void vg_key_lookup_fini(struct vg_key_lookup *kl);

#endif /* VG_KEY_LOOKUP_H */
