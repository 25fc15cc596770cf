/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dkim_sign - DKIM signing with one private key (RFC 6376 5, RFC 8463).
 *
 * PURPOSE  The outbound half of DKIM: a signer holds one domain's key,
 *	    read from a PEM file once (vg_dkim_signer_load(), which the
 *	    daemon calls before it drops root), and vg_dkim_sign() makes
 *	    the DKIM-Signature value for a message as it will be
 *	    delivered: rsa-sha256 for an RSA key, ed25519-sha256 for an
 *	    Ed25519 key, c=relaxed/relaxed, t= now, no l= (so nothing can
 *	    be appended under the signature) and no x=.  h= names, in this
 *	    order, every instance present of From, To, Cc, Subject, Date,
 *	    Message-ID, Reply-To, MIME-Version, Content-Type,
 *	    Content-Transfer-Encoding, In-Reply-To and References, and
 *	    From once more ("oversigned": a second From: added in transit
 *	    breaks the signature).  The value is folded with "\n\t" under
 *	    78 columns; the canonicalisation and hashing are the verifier's
 *	    own (dkim_canon.c), so Vigil verifies what Vigil signs.
 * OWNS     vg_dkim_signer_load() returns a signer the caller frees with
 *	    vg_dkim_signer_free(); the key lives in it and nowhere else
 *	    (the file's bytes are wiped after parsing).  Key material never
 *	    reaches a log line or an error text: the reasons name the file
 *	    and what is wrong with it, nothing of its content.
 *	    vg_dkim_sign() returns a value the caller frees with vg_free().
 * LIMITS   A key file over VG_DKIM_KEYFILE_MAX bytes is refused.  RSA keys
 *	    must have VG_DKIM_RSA_MIN_BITS .. VG_DKIM_RSA_MAX_BITS bits (the
 *	    verifier's bounds: a weaker key would be dkim=policy at Vigil
 *	    and fail at Gmail).  A name present more often than fits in
 *	    VG_DKIM_MAX_H - 1 names in all is signed in its bottom-most
 *	    instances only (RFC 6376 5.4.2 picks from the bottom).
 * ERRORS   vg_dkim_signer_load(): VG_EINVAL with the reason (unreadable,
 *	    too large, not a PEM private key, encrypted, weak, an unsupported
 *	    type), VG_ENOMEM.  vg_dkim_sign(): VG_ENOMEM, VG_EINTERNAL
 *	    (OpenSSL failed where only a bug or no memory could make it).
 * THREADS  A loaded signer is read-only: any number of threads may sign
 *	    with it at once (each call has its own OpenSSL contexts).
 */
#ifndef VG_DKIM_SIGN_H
#define VG_DKIM_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "net/dkim.h"

#define VG_DKIM_KEYFILE_MAX (64u * 1024u) /* bytes of one PEM key file */

struct vg_dkim_signer;

/* One header field of the message as it will be delivered. */
struct vg_dkim_sign_field {
	const char *name;  /* without the colon */
	const char *value; /* after the colon, folds as they are */
	size_t vlen;
};

/*
 * vg_dkim_signer_load - the signer for domain d= and selector s= with the
 * PEM private key in the file path (see ERRORS; why gets the reason)
 */
int vg_dkim_signer_load(struct vg_dkim_signer **out, const char *domain,
    const char *selector, const char *path, char *why, size_t why_size);
/* vg_dkim_signer_free - free, wiping the key; NULL is a no-op */
void vg_dkim_signer_free(struct vg_dkim_signer *s);
/* vg_dkim_signer_domain - d= (borrowed) */
const char *vg_dkim_signer_domain(const struct vg_dkim_signer *s);
/* vg_dkim_signer_selector - s= (borrowed) */
const char *vg_dkim_signer_selector(const struct vg_dkim_signer *s);
/* vg_dkim_signer_alg - "rsa-sha256" or "ed25519-sha256"; static */
const char *vg_dkim_signer_alg(const struct vg_dkim_signer *s);

/*
 * vg_dkim_sign - the DKIM-Signature value (without "DKIM-Signature:")
 * for the header fields f[0..nf) (top to bottom) and the body
 * body[0..blen) (CRLF or LF line ends), signed at Unix time now; *out
 * is the caller's (vg_free)
 */
int vg_dkim_sign(char **out, const struct vg_dkim_signer *s,
    const struct vg_dkim_sign_field *f, size_t nf, const unsigned char *body,
    size_t blen, uint64_t now);

#endif /* VG_DKIM_SIGN_H */
