/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sign - the DKIM-Signature of an outbound message.
 *
 * PURPOSE  Decides whether a verdict's message is signed and adds the
 *	    signature as one more ADD edit, so the milter only inserts a
 *	    header and `vigil scan --dkim-sign` shows the same one.  A
 *	    message is signed when the engine has keys (dkim_sign_domain),
 *	    the message is outbound (trusted_networks or SASL: direction.h),
 *	    it is delivered (accept, tag or quarantine), it arrived whole
 *	    (not oversized, every header indexed and none cut), and its one
 *	    From: address has a domain with a key or a listed parent
 *	    (dkim_keys.h).  Otherwise it is not signed, and a debug line
 *	    says why.  The signature covers the message as it will be
 *	    delivered: the verdict's deletes, changes (a tagged Subject)
 *	    and added headers applied to the received ones, in the order
 *	    the MTA applies them.  Vigil's own X-Spam-*, X-Virus-*,
 *	    Authentication-Results and Received-SPF are never among the
 *	    names signed (dkim_sign.h), so a later filter may rewrite them.
 * OWNS     The edit belongs to the verdict.
 * ERRORS   VG_ENOMEM.  OpenSSL failing otherwise is logged and the
 *	    message goes unsigned.
 * THREADS  Pure apart from OpenSSL: reads the engine and the message.
 */
#ifndef VG_SIGN_H
#define VG_SIGN_H

struct vg_engine;
struct vg_msg;
struct vg_verdict;

/* vg_sign_verdict - add the DKIM-Signature edit when v's message is signed */
int vg_sign_verdict(struct vg_verdict *v, const struct vg_engine *engine,
    const struct vg_msg *msg);

#endif /* VG_SIGN_H */
