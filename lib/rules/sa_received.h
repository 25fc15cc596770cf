/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_received - SpamAssassin's reading of a message's Received headers:
 * each header parsed into a relay (ip, rdns, helo, by, ident, envfrom,
 * id, auth), and the relays split into trusted and untrusted, internal
 * and external, as SpamAssassin's Message::Metadata::Received does (its
 * Perl is the specification; the formats are its list, in its order).
 *
 * PURPOSE  The facts RelayEval's tests read (policy/sa_relayeval.c):
 *	    vg_sa_received_line() parses one header;
 *	    vg_sa_relays_new() walks a message's headers, newest first,
 *	    with the site's trusted_networks / internal_networks /
 *	    msa_networks (or, with none configured, SpamAssassin's guess:
 *	    trust stops at the first relay from a public address without
 *	    authentication).
 * OWNS     Nothing: a relay is written into the caller's struct; a
 *	    message's relays are one block the caller frees.
 * LIMITS   VG_SA_RCVD_MAX Received headers (and originating-IP headers)
 *	    are read, newer first; more are not looked at.  One header is
 *	    read up to VG_SA_RCVD_LINE_MAX bytes (after its blanks are
 *	    squeezed); each field keeps VG_SA_RCVD_FIELD_MAX - 1 bytes.
 *	    Every pattern is a PCRE2 regex compiled once; matching uses a
 *	    match limit, so a header cannot make one match run long.
 * THREADS  Reentrant; the compiled patterns are made once
 *	    (pthread_once) and shared read-only.  Each thread parses with
 *	    its own state (match data and context), made at its first parse
 *	    and freed when the thread exits, never per message.
 */
#ifndef VG_SA_RECEIVED_H
#define VG_SA_RECEIVED_H

#include <stdbool.h>
#include <stddef.h>

#define VG_SA_RCVD_MAX       32
#define VG_SA_RCVD_LINE_MAX  2048
#define VG_SA_RCVD_FIELD_MAX 256

struct vg_msg;

/* One relay, SpamAssassin's hash of the same name. */
struct vg_sa_relay {
	char ip[VG_SA_RCVD_FIELD_MAX], rdns[VG_SA_RCVD_FIELD_MAX];
	char helo[VG_SA_RCVD_FIELD_MAX], by[VG_SA_RCVD_FIELD_MAX];
	char ident[VG_SA_RCVD_FIELD_MAX], envfrom[VG_SA_RCVD_FIELD_MAX];
	char id[VG_SA_RCVD_FIELD_MAX], auth[VG_SA_RCVD_FIELD_MAX];
	bool have_envfrom;
	bool no_reverse_dns;      /* the MTA looked the name up: none */
	bool rdns_not_in_headers; /* the MTA does not write one */
	bool ip_private;
	bool internal, msa;
	bool trusted;
};

/* What vg_sa_received_line() made of one header. */
enum vg_sa_rcvd_kind {
	VG_SA_RCVD_UNPARSEABLE = -1, /* SpamAssassin's undef: counted */
	VG_SA_RCVD_IGNORED = 0,      /* a local handover, not a relay */
	VG_SA_RCVD_RELAY = 1,
	VG_SA_RCVD_POP_FETCH = 2, /* a POP/IMAP fetcher's mark (ignored) */
};

/*
 * vg_sa_received_line - one Received header's value (folded or not) into
 * r.  VG_SA_RCVD_* above; VG_SA_RCVD_UNPARSEABLE too when the patterns
 * cannot be compiled or memory runs out.
 */
enum vg_sa_rcvd_kind vg_sa_received_line(
    const char *v, size_t len, struct vg_sa_relay *r);

/* The site's networks: vg_cidr_list_match() lists, NULL when not set. */
struct vg_sa_trust {
	const char *trusted, *internal, *msa;
	/* originating_ip_headers (NULL: SpamAssassin's default list) */
	const char *const *orig_hdrs;
	size_t norig_hdrs;
};

/*
 * A message's relays, newest first (vg_sa_relays_new()): relay[] has room
 * for the message's Received and originating headers (2 KiB each), not
 * for VG_SA_RCVD_MAX.
 */
struct vg_sa_relays {
	size_t n;                                 /* parsed relays in relay[] */
	size_t trusted[VG_SA_RCVD_MAX], ntrusted; /* indexes */
	size_t untrusted[VG_SA_RCVD_MAX], nuntrusted; /* indexes */
	size_t internal[VG_SA_RCVD_MAX], ninternal;   /* indexes */
	size_t external[VG_SA_RCVD_MAX], nexternal;   /* indexes */
	size_t nunparseable;
	struct vg_sa_relay relay[]; /* n used */
};

/*
 * vg_sa_relays_new - msg's relays under trust t, in one block the caller
 * vg_free()s; NULL when out of memory (or the patterns do not compile)
 */
struct vg_sa_relays *vg_sa_relays_new(
    const struct vg_msg *msg, const struct vg_sa_trust *t);

struct vg_rules;
/*
 * vg_sa_relays_get - the relays of msg under r's settings, made on first
 * use into *slot (NULL before; the caller vg_free()s it after the
 * message), so a message's Received headers are parsed once for the
 * pseudo-headers and the eval tests.  NULL when out of memory.
 */
const struct vg_sa_relays *vg_sa_relays_get(struct vg_sa_relays **slot,
    const struct vg_rules *r, const struct vg_msg *msg);

/*
 * vg_sa_relays_trust - the settings of rules r into t (borrowed from r;
 * all NULL when none were given).  Defined above rules/, by the module
 * that reads them from local.cf (policy/sa_relayeval.c).
 */
void vg_sa_relays_trust(const struct vg_rules *r, struct vg_sa_trust *t);

/*
 * vg_sa_relays_header - SpamAssassin's pseudo-header X-Spam-Relays-KIND
 * of rl (kind 0 Trusted, 1 Untrusted, 2 Internal, 3 External): the
 * relays' as_strings, blank-separated, into out.  false when it does not
 * fit (out then holds the relays that fit).
 */
bool vg_sa_relays_header(
    const struct vg_sa_relays *rl, int kind, char *out, size_t size);

/* vg_sa_ip_private - SpamAssassin's IP_PRIVATE: a private-use address */
bool vg_sa_ip_private(const char *ip);
/*
 * vg_sa_received_live - how many threads' parse states are alive in the
 * process (for tests: one per thread that parsed, none after it exits)
 */
size_t vg_sa_received_live(void);

/*
 * vg_sa_relay_string - SpamAssassin's as_string of r ("[ ip=... rdns=...
 * ]") into out; false when it does not fit
 */
bool vg_sa_relay_string(const struct vg_sa_relay *r, char *out, size_t size);

#endif /* VG_SA_RECEIVED_H */
