/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lists - allow and block lists for clients, senders and recipients.
 *
 * PURPOSE  The rules file names clients (addresses and networks), envelope
 *	    senders and recipients (addresses or domains) to allow or to
 *	    block (vigil.rules(5): allow_client, block_client, allow_from,
 *	    block_from, allow_rcpt, block_rcpt, block_action).  Every match
 *	    is a symbol the rules file can score (ALLOW_CLIENT, ...,
 *	    BLOCK_RCPT), and a block is by default also a decision: 550
 *	    5.7.1, unless an allow entry matches too.  An allow never
 *	    overrides a virus or a banned attachment.  Recipients are judged
 *	    one at a time where the front end can (at RCPT TO, so that mail
 *	    to postmaster@ and abuse@ gets through from an otherwise blocked
 *	    sender, as RFC 2142 expects, while its other recipients are
 *	    refused); at end of message a block applies unless the client
 *	    or the sender is allowed, or every recipient is.
 * FORMS    Client entries: ADDR or ADDR/PREFIX, IPv4 or IPv6 (cidr.h).
 *	    Address entries, compared without case: "user@example.com" one
 *	    address; "@example.com" every address at that domain;
 *	    "@.example.com" every address at any subdomain of it (not the
 *	    domain itself); "user@" or "user@*" that local part at any
 *	    domain; "<>" the null sender.  Envelope addresses are compared
 *	    without their angle brackets and without a trailing dot on the
 *	    domain; an address without '@' (RCPT TO:<postmaster>) has the
 *	    local part only and matches "postmaster@".
 * OWNS     vg_lists_new() returns lists the caller frees with
 *	    vg_lists_free(); entries are copied.
 * LIMITS   An address entry is at most VG_LISTS_ENTRY_MAX bytes.  Lists
 *	    are searched linearly: thousands of entries are fine, millions
 *	    belong in the MTA's own access maps.
 * ERRORS   vg_lists_add(): VG_EINVAL with a static reason, VG_ENOMEM.
 * THREADS  Finished lists are read-only and may be shared.
 */
#ifndef VG_LISTS_H
#define VG_LISTS_H

#include <stdbool.h>
#include <stddef.h>

#define VG_LISTS_ENTRY_MAX 320

enum vg_list_kind {
	VG_LIST_CLIENT,
	VG_LIST_FROM,
	VG_LIST_RCPT,
	VG_LIST_KIND_MAX,
};

/* Bits of vg_lists_check(): which lists matched. */
#define VG_LISTS_ALLOW_CLIENT 0x01u
#define VG_LISTS_ALLOW_FROM   0x02u
#define VG_LISTS_ALLOW_RCPT   0x04u
#define VG_LISTS_BLOCK_CLIENT 0x08u
#define VG_LISTS_BLOCK_FROM   0x10u
#define VG_LISTS_BLOCK_RCPT   0x20u
#define VG_LISTS_ALLOW_ANY    0x07u
#define VG_LISTS_BLOCK_ANY    0x38u

struct vg_lists;

/* vg_lists_new - empty lists, block_action reject; VG_ENOMEM */
int vg_lists_new(struct vg_lists **out);
/* vg_lists_free - NULL is a no-op */
void vg_lists_free(struct vg_lists *l);

/*
 * vg_lists_add - add one entry (the first len bytes of entry) to the
 * allow or block list of kind.  VG_EINVAL with a static reason in *why;
 * VG_ENOMEM.
 */
int vg_lists_add(struct vg_lists *l, bool block, enum vg_list_kind kind,
    const char *entry, size_t len, const char **why);

/* vg_lists_set_block_reject - block_action: reject (true) or score */
void vg_lists_set_block_reject(struct vg_lists *l, bool reject);
/* vg_lists_block_reject - whether a block is a decision */
bool vg_lists_block_reject(const struct vg_lists *l);

/* vg_lists_count - entries in one list */
size_t vg_lists_count(
    const struct vg_lists *l, bool block, enum vg_list_kind kind);

/* vg_lists_match - does value (an address, or a client IP) match */
bool vg_lists_match(const struct vg_lists *l, bool block,
    enum vg_list_kind kind, const char *value);

/*
 * vg_lists_check - VG_LISTS_* bits for one client, sender and recipient
 * (any may be NULL: not checked).  l may be NULL (no lists: 0).
 */
unsigned vg_lists_check(const struct vg_lists *l, const char *client,
    const char *from, const char *rcpt);

/*
 * vg_lists_refuse - true if bits call for refusing: a block matched,
 * no allow did, and block_action is reject.
 */
bool vg_lists_refuse(const struct vg_lists *l, unsigned bits);

#endif /* VG_LISTS_H */
