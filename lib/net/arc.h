/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * arc - ARC chain validation (RFC 8617).
 *
 * PURPOSE  Validates the Authenticated Received Chain a mailing list or
 *	    forwarder adds when it passes a message on: numbered sets of
 *	    ARC-Authentication-Results (what the sealer saw), an
 *	    ARC-Message-Signature (a DKIM signature of the message as it
 *	    left the sealer) and an ARC-Seal (a signature over the ARC
 *	    fields of every set up to its own).  In the same two steps as
 *	    dkim.h, so the score stage hashes on the pool and waits for DNS
 *	    off it.  vg_arc_prepare() checks the chain's structure (RFC 8617
 *	    5.2 steps 1-3: instances 1..N with exactly one field of each
 *	    kind, cv=none on i=1 and cv=pass above, the newest seal not
 *	    cv=fail), then hashes every AMS and AS with the DKIM code
 *	    (dkim_int.h: the same parser with ARC's tag rules, the same
 *	    canonicalisation, body hash cache and key checks; an AS over
 *	    the ARC fields of sets 1..i in the order of 5.1.1, relaxed,
 *	    with its own b= emptied).  The caller fetches each key
 *	    (vg_arc_key_name(), two per set: the AMS's and the AS's) and
 *	    hands the answers to vg_arc_key() or vg_arc_key_missing();
 *	    vg_arc_outcome() then says none (no ARC fields), pass (the
 *	    newest AMS and every AS verify), fail (with the reason), or
 *	    temperror (a key could not be fetched and nothing failed for
 *	    good), and the oldest-pass (5.2 step 5: the lowest instance
 *	    from which every AMS up to the newest verifies; 0 when all
 *	    do).
 *	    vg_arc_sealer() gives the d= of each instance's seal, and
 *	    vg_arc_vouches() reads the newest set's
 *	    ARC-Authentication-Results for a dkim, spf or dmarc pass of a
 *	    domain aligned (relaxed, DMARC's rule) with the From: domain,
 *	    for the trusted-sealer override of DMARC (check_arc.c).
 * OWNS     vg_arc_prepare() returns a struct vg_arc_msg the caller frees
 *	    with vg_arc_msg_free(); it reads no byte of the message after
 *	    vg_arc_prepare() returns (it keeps a copy of the newest
 *	    ARC-Authentication-Results).
 * LIMITS   lim->max_sets (arc_max_sets, at most 50 as RFC 8617 4.2.1): a
 *	    chain with more sets, or with more than three ARC fields per
 *	    allowed set, fails without any cryptography.  Each ARC field's
 *	    value is limited to VG_DKIM_SIG_MAX bytes (longer: fail), the
 *	    body hashed to lim->max_body_size (dkim_max_body_size: the AMS
 *	    is policy, so the chain fails), the header fields indexed to
 *	    lim->max_fields (max_header_count: fail); keys as dkim.h.
 * ERRORS   vg_arc_prepare(), vg_arc_key(): VG_ENOMEM, VG_EINTERNAL.  A
 *	    malformed chain is a fail, not an error.
 * THREADS  As dkim.h: one struct vg_arc_msg per thread at a time.
 */
#ifndef VG_ARC_H
#define VG_ARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct vg_arc_msg;

#define VG_ARC_REASON_MAX 160u

enum vg_arc_result {
	VG_ARC_NONE,
	VG_ARC_PASS,
	VG_ARC_FAIL,
	VG_ARC_TEMPERROR,
};

struct vg_arc_limits {
	size_t max_sets;        /* arc_max_sets */
	uint64_t max_body_size; /* dkim_max_body_size */
	size_t max_fields;      /* max_header_count */
};

struct vg_arc_outcome {
	enum vg_arc_result result;
	unsigned sets;                  /* N, the newest instance; 0 for none */
	unsigned oldest_pass;           /* PASS only: see PURPOSE */
	char reason[VG_ARC_REASON_MAX]; /* "" for pass; may quote the mail */
};

/*
 * vg_arc_prepare - check the structure of the ARC chain of the raw
 * message raw[0..len) (body at body_off) and hash its signatures; now is
 * the Unix time for x=
 */
int vg_arc_prepare(struct vg_arc_msg **out, const unsigned char *raw,
    size_t len, size_t body_off, const struct vg_arc_limits *lim, uint64_t now);
/* vg_arc_msg_free - free; NULL is a no-op */
void vg_arc_msg_free(struct vg_arc_msg *m);
/* vg_arc_nkeys - key slots: 2 per set (0 when the chain is decided) */
size_t vg_arc_nkeys(const struct vg_arc_msg *m);
/*
 * vg_arc_key_name - the TXT name key slot k needs, or NULL when none is
 * needed (borrowed from m)
 */
const char *vg_arc_key_name(const struct vg_arc_msg *m, size_t k);
/* vg_arc_key - finish key slot k with a key record.  VG_ENOMEM, ... */
int vg_arc_key(struct vg_arc_msg *m, size_t k, const char *txt, size_t len);
/* vg_arc_key_missing - finish key slot k without a key (dkim.h) */
void vg_arc_key_missing(
    struct vg_arc_msg *m, size_t k, bool temporary, const char *why);
/* vg_arc_outcome - the chain's result, once every key slot is final */
void vg_arc_outcome(struct vg_arc_outcome *out, const struct vg_arc_msg *m);
/*
 * vg_arc_sealer - the d= of instance i's ARC-Seal (1..sets), "" when the
 * chain did not parse that far (borrowed from m)
 */
const char *vg_arc_sealer(const struct vg_arc_msg *m, unsigned i);
/*
 * vg_arc_vouches - the newest ARC-Authentication-Results reports dkim=
 * pass (header.d or header.i), spf=pass (smtp.mailfrom) or dmarc=pass
 * (header.from) for a domain aligned with from_domain; the method's name
 * ("dkim", "spf", "dmarc", static) or NULL
 */
const char *vg_arc_vouches(const struct vg_arc_msg *m, const char *from_domain);
/*
 * vg_arc_aar_vouches - vg_arc_vouches() for one ARC-Authentication-Results
 * value aar[0..len) (exposed for the unit tests and the fuzzer)
 */
const char *vg_arc_aar_vouches(
    const char *aar, size_t len, const char *from_domain);
/* vg_arc_result_name - "none", "pass", "fail", "temperror"; static */
const char *vg_arc_result_name(enum vg_arc_result r);

#endif /* VG_ARC_H */
