/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reputation - ham and spam counts per client network, sender domain and
 * SASL login, over a store.
 *
 * PURPOSE  The memory of how a source's mail turned out.  A source is one
 *	    of three kinds of subject: the client's network (IPv4 /24,
 *	    IPv6 /64: a spammer's neighbours are usually his, and a /24
 *	    keeps one key for a provider's pool of senders), the envelope
 *	    sender's domain, and the SASL login.  For each subject and class
 *	    (ham, spam) one counter per window of window_ms, in a store
 *	    (store/store.h), so several milters sharing a Redis share the
 *	    counts.  A subject's count of a class is this window's counter
 *	    plus the last window's scaled by the part of the current window
 *	    still ahead (vg_store_window_count()), so counts fade out
 *	    linearly over two windows and a source that changed its ways is
 *	    judged on its recent mail.  vg_reputation_lookup() reads every
 *	    counter of a message's subjects in ONE get_many (one round trip
 *	    to Redis, at most 12 keys), and says for each subject whether it
 *	    speaks: at least min_count messages counted, of which at least
 *	    ratio percent spam (SPAM) or ham (HAM).  vg_reputation_record()
 *	    adds one message of a class to its subjects in ONE incr_many.
 *	    What counts as ham or spam, and which subjects apply to a
 *	    message, is the caller's (stages/check_reputation.c); this
 *	    module knows nothing of verdicts.
 *
 *	    Key layout: "rep/WINDOW/N/K/C/SUBJECT": WINDOW the window in
 *	    seconds (a reload that changes it starts afresh and leaves the
 *	    old keys to expire), N the window number (the store's clock
 *	    divided by the window), K "ip", "dom" or "auth", C "s" (spam) or
 *	    "h" (ham), SUBJECT "192.0.2.0/24", "2001:db8:1:2::/64", the
 *	    domain in lower case, or the login as given.  Each counter lives
 *	    two windows (its TTL is set when it is counted).  For example
 *	    "rep/604800/2925/ip/s/192.0.2.0/24", 33 bytes.
 * OWNS     vg_reputation_new() returns state the caller frees with
 *	    vg_reputation_free(); it holds a reference to the store, and,
 *	    when the store is shared, a memory store of its own.
 * LIMITS   A domain longer than 253 bytes, a login longer than
 *	    VG_REP_SUBJECT_MAX - 1 bytes, or either holding a control byte,
 *	    space or '/' is not a subject (not counted, not looked up).  The
 *	    store bounds the keys (reputation_max_keys in memory; Redis its
 *	    maxmemory); a subject's window takes at most two keys, so
 *	    four for a subject with ham and spam in both windows.
 * ERRORS   VG_ENOMEM; VG_EINVAL (a key holding no counter, from a shared
 *	    store).  A shared store that does not answer (VG_ETEMP) is not
 *	    an error: lookups and records then use a memory store of this
 *	    process instead (reputation_max_keys keys), and the answer says
 *	    so (fallback), for REPUTATION_UNAVAILABLE; those local counts
 *	    are never copied to the shared store.
 * THREADS  Every call is thread-safe (the stores are).
 */
#ifndef VG_REPUTATION_H
#define VG_REPUTATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_store;
struct vg_reputation;

#define VG_REP_SUBJECT_MAX 256 /* bytes of a subject, with its NUL */

enum vg_rep_kind {
	VG_REP_IP,     /* the client's /24 or /64 */
	VG_REP_DOMAIN, /* the envelope sender's domain */
	VG_REP_AUTH,   /* the SASL login */
	VG_REP_KINDS,
};

enum vg_rep_class {
	VG_REP_HAM,
	VG_REP_SPAM,
};

/* A message's subjects; "" for a kind that does not apply. */
struct vg_rep_subjects {
	char s[VG_REP_KINDS][VG_REP_SUBJECT_MAX];
};

/* What the counts say of one subject. */
enum vg_rep_says {
	VG_REP_SILENT, /* no subject, or too few counted, or mixed */
	VG_REP_SAYS_HAM,
	VG_REP_SAYS_SPAM,
};

struct vg_rep_answer {
	struct {
		uint64_t spam, ham; /* counted, the last window scaled */
		enum vg_rep_says says;
	} k[VG_REP_KINDS];
	bool fallback; /* the shared store did not answer: local counts */
};

struct vg_rep_params {
	uint64_t window_ms; /* > 0 */
	unsigned min_count; /* >= 1 */
	unsigned ratio;     /* percent, 51..100 */
	size_t local_keys;  /* keys of the local fallback store, >= 1 */
};

/*
 * vg_reputation_new - counts in store with params p; VG_EINVAL for bad
 * params, VG_ENOMEM
 */
int vg_reputation_new(struct vg_reputation **out, struct vg_store *store,
    const struct vg_rep_params *p);
/* vg_reputation_free - NULL is a no-op */
void vg_reputation_free(struct vg_reputation *rep);

/*
 * vg_rep_subject_ip - the network of a client address text into out
 * (VG_REP_SUBJECT_MAX bytes): "a.b.c.0/24" or the /64 of an IPv6
 * address ("2001:db8:1:2::/64"); an IPv4-mapped IPv6 address counts as
 * IPv4.  "" and false when addr is not an address.
 */
bool vg_rep_subject_ip(char *out, const char *addr);
/*
 * vg_rep_subject_domain - the domain of an envelope sender
 * ("user@Example.ORG" -> "example.org"), lower-cased; "" and false for the
 * null sender, a sender without '@', and a domain out of LIMITS
 */
bool vg_rep_subject_domain(char *out, const char *from);
/* vg_rep_subject_auth - a login as it is; "" and false out of LIMITS */
bool vg_rep_subject_auth(char *out, const char *login);

/*
 * vg_reputation_lookup - the counts of s's subjects (one round trip) and
 * what they say.  0, VG_ENOMEM, VG_EINVAL.
 */
int vg_reputation_lookup(struct vg_reputation *rep, struct vg_rep_answer *out,
    const struct vg_rep_subjects *s);
/*
 * vg_reputation_record - count one message of class c for each of s's
 * subjects (one round trip); *fallback_out (may be NULL): counted in the
 * local store.  0, VG_ENOMEM, VG_EINVAL, VG_ELIMIT (a counter at its
 * maximum).
 */
int vg_reputation_record(struct vg_reputation *rep, bool *fallback_out,
    const struct vg_rep_subjects *s, enum vg_rep_class c);

/* vg_rep_kind_name - "ip", "dom", "auth": the key's K, static */
const char *vg_rep_kind_name(enum vg_rep_kind k);

#endif /* VG_REPUTATION_H */
