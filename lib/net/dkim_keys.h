/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dkim_keys - the signing keys of outbound DKIM, one per domain.
 *
 * PURPOSE  OpenDKIM's KeyTable and SigningTable in three settings:
 *	    dkim_sign_domain lists the domains Vigil signs for, each as
 *	    DOMAIN or DOMAIN:SELECTOR; dkim_sign_selector is the selector
 *	    of those that name none; dkim_sign_key is the key file, where
 *	    %d stands for the domain and %s for the selector (%% for %).
 *	    vg_dkim_keys_load() reads every key once: the daemon does it
 *	    while building its first engine, before it drops root, and
 *	    keeps the keys for its life (the three keys are not changed by
 *	    a reload; vigil-milter says so and a restart applies them).
 *	    vg_dkim_keys_find() picks the key for a From: domain: the
 *	    listed domain equal to it, or else the nearest listed parent
 *	    (mail from news.example.org is signed d=example.org when only
 *	    example.org is listed, which DMARC's relaxed alignment passes).
 * OWNS     The set is reference-counted: vg_dkim_keys_load() returns one
 *	    reference, vg_dkim_keys_ref() adds one, vg_dkim_keys_unref()
 *	    drops one and the last frees every key.  Signers returned by
 *	    vg_dkim_keys_find() are borrowed from the set.
 * LIMITS   At most VG_DKIM_KEYS_MAX domains; each key file as
 *	    dkim_sign.h says.
 * ERRORS   VG_ECONFIG with "file:line: dkim_sign_...: reason" in err
 *	    (every problem: a malformed domain or selector, a domain listed
 *	    twice, a bad % in the path, a key that cannot be read, is
 *	    encrypted, malformed or weaker than 1024 bits); VG_ENOMEM.
 * THREADS  A loaded set is read-only; ref/unref are atomic.
 */
#ifndef VG_DKIM_KEYS_H
#define VG_DKIM_KEYS_H

#include "base/err.h"

#define VG_DKIM_KEYS_MAX 1000u

struct vg_conf;
struct vg_dkim_keys;
struct vg_dkim_signer;

/*
 * vg_dkim_keys_load - the keys conf names; *out is NULL (and 0 returned)
 * when dkim_sign_domain is empty
 */
int vg_dkim_keys_load(
    struct vg_dkim_keys **out, const struct vg_conf *conf, struct vg_err *err);
/* vg_dkim_keys_ref - one more reference; returns k (NULL stays NULL) */
struct vg_dkim_keys *vg_dkim_keys_ref(struct vg_dkim_keys *k);
/* vg_dkim_keys_unref - drop a reference; NULL is a no-op */
void vg_dkim_keys_unref(struct vg_dkim_keys *k);
/* vg_dkim_keys_count - domains in the set */
size_t vg_dkim_keys_count(const struct vg_dkim_keys *k);
/*
 * vg_dkim_keys_find - the signer for the From: domain from (any case),
 * or NULL when no listed domain is it or a parent of it
 */
const struct vg_dkim_signer *vg_dkim_keys_find(
    const struct vg_dkim_keys *k, const char *from);

#endif /* VG_DKIM_KEYS_H */
