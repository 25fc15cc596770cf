/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dkim - DKIM signature verification (RFC 6376, RFC 8463, RFC 8301).
 *
 * PURPOSE  Verifies the DKIM-Signature header fields of one message, in
 *	    two steps so the score stage can hash on the worker pool and
 *	    wait for DNS off it (stage.h, NETWORK WAITS).
 *	    vg_dkim_prepare() finds the signatures in the raw header
 *	    block, parses each one, canonicalises and hashes the body and
 *	    the signed header fields (simple or relaxed, RFC 6376 3.4) and
 *	    names the key record each one needs (s._domainkey.d, TXT).
 *	    The caller looks the keys up with Vigil's own resolver (dns.h:
 *	    its deadline, cache and circuit breaker), and hands each
 *	    answer to vg_dkim_key() or vg_dkim_key_missing(), which finish
 *	    the signature with one RFC 8601 result: pass, fail (the
 *	    signature or body hash does not match), policy (a key or body
 *	    that Vigil's limits refuse, or unsigned text after l=),
 *	    temperror (the key could not be fetched now) or permerror (a
 *	    malformed signature or key, an unknown algorithm, a revoked or
 *	    missing key, an expired signature).  The cryptography is
 *	    OpenSSL's EVP: rsa-sha256 (PKCS#1 v1.5) and ed25519-sha256
 *	    (RFC 8463: Ed25519 over the SHA-256 of the header data);
 *	    rsa-sha1 is refused (RFC 8301).  libopendkim was not used: it
 *	    does its own DNS, which would bypass the resolver's deadline,
 *	    cache and circuit breaker.
 * l=	    A signature with l= covers only the first l bytes of the
 *	    canonical body; anyone can append text after them (a link, a
 *	    new MIME part) and the signature still verifies.  Vigil never
 *	    calls such a message signed: when the canonical body is
 *	    longer than l=, the result is policy ("unsigned content after
 *	    l="), not pass.  An l= equal to the body length is a pass; an
 *	    l= beyond it is permerror (RFC 6376 3.5 makes it invalid).
 * OWNS     vg_dkim_prepare() returns a struct vg_dkim_msg the caller frees
 *	    with vg_dkim_msg_free(); it reads no byte of the message after
 *	    vg_dkim_prepare() returns, so it may outlive it.
 *	    vg_dkim_sig_parse() borrows value for the h= names it records
 *	    (struct vg_dkim_sig.h).
 * LIMITS   lim->max_signatures (dkim_max_signatures): signatures past it
 *	    are counted (vg_dkim_skipped()), not verified.
 *	    lim->max_body_size (dkim_max_body_size): a canonical body to
 *	    hash (l= bytes when smaller) longer than it is not hashed: the
 *	    signature is policy.  lim->max_fields (max_header_count): header
 *	    fields indexed; a message with more gets permerror for every
 *	    signature (its signed fields could be among those not seen).
 *	    Fixed by the protocol, not configured: a DKIM-Signature longer
 *	    than VG_DKIM_SIG_MAX bytes, h= with more than VG_DKIM_MAX_H
 *	    names, b= over VG_DKIM_B_MAX bytes and keys over VG_DKIM_KEY_MAX
 *	    bytes are permerror; RSA keys outside VG_DKIM_RSA_MIN_BITS ..
 *	    VG_DKIM_RSA_MAX_BITS are policy.
 * ERRORS   vg_dkim_prepare(), vg_dkim_key(): VG_ENOMEM, VG_EINTERNAL
 *	    (OpenSSL failed where only a bug or no memory could make it).
 *	    Malformed signatures and keys are results, not errors.
 *	    vg_dkim_sig_parse(), vg_dkim_key_parse(): 0 or VG_EINVAL with
 *	    the reason.
 * THREADS  One struct vg_dkim_msg is used by one thread at a time;
 *	    different ones may be used concurrently (OpenSSL 3 is
 *	    thread-safe).
 */
#ifndef VG_DKIM_H
#define VG_DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct vg_buf;
struct vg_dkim_msg;

#define VG_DKIM_SIG_MAX      8192u /* bytes of one DKIM-Signature value */
#define VG_DKIM_MAX_H        64u   /* header names in h= */
#define VG_DKIM_B_MAX        512u  /* decoded b= (RSA-4096) */
#define VG_DKIM_KEY_MAX      1024u /* decoded p= */
#define VG_DKIM_RSA_MIN_BITS 1024u /* RFC 8301 */
#define VG_DKIM_RSA_MAX_BITS 4096u
#define VG_DKIM_NAME_MAX     253u /* d=, s=, the key's DNS name */
#define VG_DKIM_REASON_MAX   128u

enum vg_dkim_result {
	VG_DKIM_PASS,
	VG_DKIM_FAIL,
	VG_DKIM_POLICY,
	VG_DKIM_TEMPERROR,
	VG_DKIM_PERMERROR,
};

enum vg_dkim_alg {
	VG_DKIM_RSA_SHA256,
	VG_DKIM_ED25519_SHA256,
};

enum vg_dkim_canon {
	VG_DKIM_SIMPLE,
	VG_DKIM_RELAXED,
};

/* An ARC-Seal's chain validation status (RFC 8617 4.1.3, cv=). */
enum vg_dkim_cv {
	VG_DKIM_CV_NONE,
	VG_DKIM_CV_PASS,
	VG_DKIM_CV_FAIL,
};

#define VG_DKIM_ARC_MAX_INSTANCE 50u /* RFC 8617 4.2.1 */

/* One parsed DKIM-Signature (RFC 6376 3.5), or ARC signature (arc.h). */
struct vg_dkim_sig {
	enum vg_dkim_alg alg;
	enum vg_dkim_canon hcanon, bcanon;
	char d[VG_DKIM_NAME_MAX + 1];
	char s[VG_DKIM_NAME_MAX + 1];
	char i[VG_DKIM_NAME_MAX + 66]; /* "@d" when absent */
	unsigned char b[VG_DKIM_B_MAX];
	size_t blen;
	unsigned char bh[32];
	bool has_l, has_t, has_x;
	uint64_t l, t, x;
	unsigned instance;  /* ARC (arc.h): i=, 1-50; 0 for DKIM */
	enum vg_dkim_cv cv; /* ARC-Seal: cv= */
	size_t nh;
	struct {
		const char *name; /* borrowed from the parsed value */
		size_t len;
	} h[VG_DKIM_MAX_H];
};

/* One parsed key record (RFC 6376 3.6.1). */
struct vg_dkim_key {
	bool ed25519; /* k=ed25519, else k=rsa */
	bool strict;  /* t=s: i= must be in d= itself */
	bool testing; /* t=y */
	unsigned char p[VG_DKIM_KEY_MAX];
	size_t plen; /* 0: revoked */
};

/* What became of one signature. */
struct vg_dkim_outcome {
	enum vg_dkim_result result;
	char d[VG_DKIM_NAME_MAX + 1]; /* "" when the signature had none */
	char s[VG_DKIM_NAME_MAX + 1];
	char reason[VG_DKIM_REASON_MAX]; /* "" for pass; may quote the mail */
};

struct vg_dkim_limits {
	size_t max_signatures;  /* dkim_max_signatures */
	uint64_t max_body_size; /* dkim_max_body_size */
	size_t max_fields;      /* max_header_count */
};

/*
 * vg_dkim_prepare - parse and hash every DKIM-Signature of the raw
 * message raw[0..len), whose body starts at body_off; now is the Unix
 * time for x= (see OWNS, LIMITS, ERRORS)
 */
int vg_dkim_prepare(struct vg_dkim_msg **out, const unsigned char *raw,
    size_t len, size_t body_off, const struct vg_dkim_limits *lim,
    uint64_t now);
/* vg_dkim_msg_free - free; NULL is a no-op */
void vg_dkim_msg_free(struct vg_dkim_msg *m);
/* vg_dkim_count - signatures examined (at most max_signatures) */
size_t vg_dkim_count(const struct vg_dkim_msg *m);
/* vg_dkim_skipped - signatures past max_signatures, not examined */
size_t vg_dkim_skipped(const struct vg_dkim_msg *m);
/*
 * vg_dkim_key_name - the TXT name signature i needs ("s._domainkey.d"),
 * or NULL when its result is final already (borrowed from m)
 */
const char *vg_dkim_key_name(const struct vg_dkim_msg *m, size_t i);
/*
 * vg_dkim_key - finish signature i with the key record txt[0..len)
 * (one TXT record, its strings joined).  VG_ENOMEM, VG_EINTERNAL.
 */
int vg_dkim_key(struct vg_dkim_msg *m, size_t i, const char *txt, size_t len);
/*
 * vg_dkim_key_missing - finish signature i without a key: temporary (a
 * DNS failure or time-out: temperror) or not (no such record: permerror),
 * with why ("nxdomain", "timeout", ...)
 */
void vg_dkim_key_missing(
    struct vg_dkim_msg *m, size_t i, bool temporary, const char *why);
/* vg_dkim_outcome - signature i's outcome (borrowed from m) */
const struct vg_dkim_outcome *vg_dkim_outcome(
    const struct vg_dkim_msg *m, size_t i);
/* vg_dkim_result_name - "pass", "fail", ... (RFC 8601); static */
const char *vg_dkim_result_name(enum vg_dkim_result r);

/*
 * vg_dkim_sig_parse - parse a DKIM-Signature value; VG_EINVAL with the
 * reason in why (why_size bytes) when it is malformed or unsupported
 */
int vg_dkim_sig_parse(struct vg_dkim_sig *out, const char *value, size_t len,
    char *why, size_t why_size);
/*
 * vg_dkim_key_parse - parse a key record (one TXT record); VG_EINVAL
 * with the reason when it is malformed
 */
int vg_dkim_key_parse(struct vg_dkim_key *out, const char *txt, size_t len,
    char *why, size_t why_size);

/*
 * vg_dkim_canon_header - append the canonical form of one raw header
 * field (name, colon, value, folds, with or without its line end) to
 * out, ending in CRLF.  VG_ENOMEM, VG_ELIMIT (out's limit).
 */
int vg_dkim_canon_header(struct vg_buf *out, const unsigned char *field,
    size_t len, enum vg_dkim_canon c);
/*
 * vg_dkim_canon_body - append the canonical form of body[0..len) (CRLF
 * or LF line ends) to out.  VG_ENOMEM, VG_ELIMIT.
 */
int vg_dkim_canon_body(struct vg_buf *out, const unsigned char *body,
    size_t len, enum vg_dkim_canon c);

#endif /* VG_DKIM_H */
