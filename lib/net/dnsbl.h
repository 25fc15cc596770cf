/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dnsbl - DNS blacklists for the client address and for URI domains.
 *
 * PURPOSE  The rules file declares lists with `dnsbl NAME ZONE [ANSWERS]`
 *	    (the connecting client: IPv4 octets reversed, IPv6 nibbles
 *	    reversed, then ZONE) and `uribl NAME ZONE [ANSWERS]` (the
 *	    registrable domain of every URI host, public-suffix aware through
 *	    libpsl, then ZONE).  A list hits when an A record of the query
 *	    matches ANSWERS (rules/dnsbl_answers.h), and the hit is the
 *	    symbol NAME, scored by the rules file and usable in meta rules.
 *	    Without ANSWERS, any address in 127.0.0.0/8 hits except
 *	    127.255.255.0/24, which Spamhaus returns for refused queries
 *	    (public resolvers); those are logged and never hit.  Lists on
 *	    one zone share one query per address or domain.  A URI host or
 *	    registrable domain in the rules' uridnsbl_skip_domain list
 *	    (SpamAssassin's) is not looked up.  Client
 *	    lookups can be started at CONNECT with vg_dnsbl_prefetch().
 *	    A message's lookups are started with vg_dnsbl_start(), which
 *	    returns at once, and collected with vg_dnsbl_collect(), which
 *	    waits, so a caller can start them on the CPU pool and wait
 *	    elsewhere.  The outcome is typed (the lists that hit, the zones
 *	    that did not answer): the score stage makes symbols of it.
 * OWNS     vg_dnsbl_new() returns lists the caller frees with
 *	    vg_dnsbl_free(); they copy what they need from the rules.  A
 *	    lookup is the caller's until vg_dnsbl_lookup_free(); releasing
 *	    it never cancels a query (its answer still lands in the cache).
 * LIMITS   uribl_max_lookups: URI queries per message; the rest are not
 *	    made and a log line says how many were skipped.  A URI host that
 *	    is an IP literal or has no registrable domain is skipped.  All
 *	    waits end at the caller's deadline; a list whose query timed out
 *	    or failed never hits, and the outcome names the first such zone
 *	    of each kind (check_dnsbl scores it DNSBL_TEMPERROR or
 *	    URIBL_TEMPERROR).
 *	    With dnsbl_check_received, the relay looked up is found among
 *	    the newest VG_DNSBL_MAX_RECEIVED Received headers only; a relay
 *	    further down is not found, and no address of that message is
 *	    looked up (its URIs still are).
 * ERRORS   vg_dnsbl_new(): VG_ECONFIG for a bad ANSWERS ("file:line:
 *	    reason"), VG_ENOMEM.  vg_dnsbl_start(): VG_ENOMEM.  A DNS failure
 *	    is an outcome, never an error.
 * THREADS  A finished struct vg_dnsbl is read-only; any number of lookups
 *	    may run on it at once.  One lookup is used by one thread at a
 *	    time (started in one, collected in another is fine).
 */
#ifndef VG_DNSBL_H
#define VG_DNSBL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "rules/dnsbl_answers.h"

/* Received headers read, newest first, to find the relay (see LIMITS). */
#define VG_DNSBL_MAX_RECEIVED 20

struct vg_dns;
struct vg_rules;
struct vg_dnsbl;
struct vg_dnsbl_lookup;

/*
 * vg_dnsbl_client_name - "<reversed address>.<zone>" into out (size
 * bytes); VG_EINVAL for something that is not an address, VG_ELIMIT when
 * out is too small or the name too long.
 */
int vg_dnsbl_client_name(
    char *out, size_t size, const char *ip, const char *zone);
/*
 * vg_dnsbl_uri_host - the lower-case host of a URI ("http://user@Host:80/x"
 * gives "host"); VG_EINVAL when there is none, VG_ELIMIT when too long.
 */
int vg_dnsbl_uri_host(char *out, size_t size, const char *uri);

/* vg_dnsbl_new - compile the rules' dnsbl and uribl declarations */
int vg_dnsbl_new(
    struct vg_dnsbl **out, const struct vg_rules *rules, struct vg_err *err);
/* vg_dnsbl_free - NULL is a no-op */
void vg_dnsbl_free(struct vg_dnsbl *bl);
/* vg_dnsbl_count - how many lists of each kind */
void vg_dnsbl_count(
    const struct vg_dnsbl *bl, size_t *client_out, size_t *uri_out);
/*
 * vg_dnsbl_registrable - the registrable domain of host (lower case) into
 * out; VG_EINVAL for an IP literal or a bare public suffix, VG_ELIMIT.
 */
int vg_dnsbl_registrable(
    const struct vg_dnsbl *bl, char *out, size_t size, const char *host);

/*
 * vg_dnsbl_prefetch - at CONNECT: start the client lookups of every dnsbl
 * in rules (answers land in the resolver's cache).
 */
void vg_dnsbl_prefetch(
    struct vg_dns *dns, const struct vg_rules *rules, const char *client_ip);

/*
 * vg_dnsbl_received_ip - the relay address a Received header value names
 * ("from helo (rdns [192.0.2.1])" or "[IPv6:2001:db8::1]"): the first
 * bracketed address literal before " by ", into out; VG_EINVAL if none.
 */
int vg_dnsbl_received_ip(char *out, size_t size, const char *value, size_t len);

/*
 * What one message's lookups found: typed, for the score stage's
 * check_dnsbl to turn into symbols.  Every pointer is borrowed from the
 * lookup (and the lists it was started on).
 */
struct vg_dnsbl_hit {
	const char *list; /* the list's NAME, the symbol it scores as */
	const char *zone; /* the list's zone */
	const char *what; /* the address or registrable domain listed */
	char answer[16];  /* the A record that matched, "127.0.0.2" */
};

struct vg_dnsbl_outcome {
	const struct vg_dnsbl_hit *hits; /* at most one per list NAME */
	size_t nhits;
	/*
	 * The zone of the first client (uri) list whose query failed or
	 * did not answer by the deadline, or NULL when every one answered.
	 */
	const char *client_temp_zone;
	const char *uri_temp_zone;
};

/*
 * vg_dnsbl_start - start the lookups of one message and return at once:
 * the nips addresses in ips (the client, and with dnsbl_check_received
 * the relay below the trusted boundary) in the client lists, and the
 * registrable domains of uris in the URI lists, at most max_uri_lookups
 * of those.  *out (the caller's, vg_dnsbl_lookup_free()) holds the
 * queries and a reference to dns; bl must outlive it.  VG_ENOMEM, with
 * *out NULL.
 */
int vg_dnsbl_start(struct vg_dnsbl_lookup **out, const struct vg_dnsbl *bl,
    struct vg_dns *dns, const char *const *ips, size_t nips,
    const char *const *uris, size_t nuris, unsigned max_uri_lookups);
/*
 * vg_dnsbl_collect - wait for the answers until the CLOCK_MONOTONIC time
 * deadline_ms and say what they found; a list listing several of the
 * addresses hits once.  The outcome is borrowed from lk; a second call
 * returns the same outcome without waiting.
 */
const struct vg_dnsbl_outcome *vg_dnsbl_collect(
    struct vg_dnsbl_lookup *lk, uint64_t deadline_ms);
/* vg_dnsbl_lookup_free - release the queries (they go on); NULL no-op */
void vg_dnsbl_lookup_free(struct vg_dnsbl_lookup *lk);

#endif /* VG_DNSBL_H */
