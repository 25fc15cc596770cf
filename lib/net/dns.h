/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dns - the one asynchronous DNS layer behind SPF and the DNS blacklists.
 *
 * PURPOSE  Every DNS query Vigil makes goes through one struct vg_dns: a
 *	    c-ares channel talking to the servers in dns_servers (or the
 *	    system's, from /etc/resolv.conf), a TTL-honouring cache, and a
 *	    table of queries in flight so that two messages asking the same
 *	    question share one packet.  A query is started with
 *	    vg_dns_submit() (it returns at once) and collected later with
 *	    vg_dns_wait() and a deadline, so the milter can start blacklist
 *	    lookups at CONNECT and SPF at MAIL FROM and collect them at end of
 *	    message, in the thread that waits for the scan rather than on
 *	    the CPU worker pool (stage.h, NETWORK WAITS).  No thread is
 *	    blocked per query: either the front end
 *	    starts one resolver thread (vg_dns_start_thread()) that runs the
 *	    c-ares event loop for everyone, or, without it (`vigil scan`), the
 *	    thread that waits drives the loop itself, one waiter at a time.
 *	    Releasing a query handle never cancels the query: its answer
 *	    still lands in the cache, which is what makes early starts work.
 * OWNS     vg_dns_new() returns a resolver with one reference; the last
 *	    vg_dns_unref() stops the thread and frees it (queries still in
 *	    flight are cancelled).  Every query handle holds a reference to
 *	    its resolver, so it is safe to free a handle last.  A
 *	    query handle from vg_dns_submit() is the caller's, released with
 *	    vg_dns_query_free(); the answer it points to lives as long as the
 *	    handle.  The resolver is the engine's (vg_engine_dns()): stages
 *	    keep it in their state, never on the message.
 * LIMITS   dns_timeout_ms: one query to one server (c-ares tries each
 *	    server once); a query that outlives it ends VG_DNS_TIMEOUT.
 *	    dns_deadline_ms: the caller's total wait per message (the score
 *	    stage fixes one deadline per message when it starts collecting,
 *	    shared by SPF and the blacklists); a wait that reaches it
 *	    returns VG_ETIMEOUT and the check records a *_TEMPERROR symbol.
 *	    dns_cache_size: entries kept (least recently used goes first;
 *	    0 = no cache).  TTLs are honoured up to VG_DNS_MAX_TTL seconds;
 *	    negative answers are cached for the SOA minimum (RFC 2308) or
 *	    VG_DNS_NEG_TTL when the server sends no SOA; temporary failures
 *	    are never cached.  Names longer than VG_DNS_NAME_MAX bytes,
 *	    labels longer than 63 and names with control bytes or '\' are
 *	    refused with VG_EINVAL before any packet is sent.  An answer is
 *	    bounded by the DNS message size (64 KiB over TCP).
 *	    Dead servers (a circuit breaker): after VG_DNS_DOWN_AFTER
 *	    queries in a row ended VG_DNS_TIMEOUT with no answer from any
 *	    server in between, the resolver is down and logs one warning.
 *	    While down, a query the cache cannot answer completes at once
 *	    with VG_DNS_TIMEOUT (so the checks record their *_TEMPERROR
 *	    symbols as for a time-out, and no thread waits), and no query
 *	    joins one in flight.  One probe per VG_DNS_PROBE_MS is really
 *	    sent: in the background when the resolver thread runs (the
 *	    caller still completes at once), else as the caller's own query.
 *	    Any reply, even NXDOMAIN or SERVFAIL, brings the resolver up
 *	    again with one info line.  Errors that are not time-outs (a
 *	    refused port) already end at once and neither count nor reset.
 * ERRORS   vg_dns_new(): VG_ECONFIG (bad dns_servers, text in err),
 *	    VG_ENOMEM, VG_EINTERNAL (c-ares failed).  vg_dns_submit():
 *	    VG_EINVAL, VG_ENOMEM.  vg_dns_wait(): VG_ETIMEOUT.  DNS failures
 *	    are answer statuses, not errors.
 * THREADS  Every call is thread-safe; one mutex guards the channel, the
 *	    cache and the flight table.
 */
#ifndef VG_DNS_H
#define VG_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct vg_conf;
struct vg_dns;
struct vg_dns_query;

#define VG_DNS_NAME_MAX 253
#define VG_DNS_MAX_TTL  86400u
#define VG_DNS_NEG_TTL  60u
/* Time-outs in a row that mark the resolver down (see LIMITS). */
#define VG_DNS_DOWN_AFTER 3u
/* While down, one query per this many ms is really sent as a probe. */
#define VG_DNS_PROBE_MS 5000u

/* Record types Vigil asks for (RFC 1035 numbers). */
enum vg_dns_type {
	VG_DNS_A = 1,
	VG_DNS_PTR = 12,
	VG_DNS_MX = 15,
	VG_DNS_TXT = 16,
	VG_DNS_AAAA = 28,
	VG_DNS_SPF = 99,
};

/* How a query ended. */
enum vg_dns_status {
	VG_DNS_OK,       /* at least one record of the type asked for */
	VG_DNS_NODATA,   /* the name exists, no record of that type */
	VG_DNS_NXDOMAIN, /* the name does not exist */
	VG_DNS_TEMPFAIL, /* SERVFAIL, REFUSED, bad reply, network error */
	VG_DNS_TIMEOUT,  /* no answer within dns_timeout_ms */
};

/*
 * One record: A and AAAA are 4 and 16 raw bytes; TXT is the record's
 * strings concatenated; MX and PTR are the host name.  Text is followed
 * by a NUL that len does not count.
 */
struct vg_dns_rr {
	const unsigned char *data;
	size_t len;
	unsigned pref; /* MX preference, else 0 */
};

struct vg_dns_answer {
	enum vg_dns_status status;
	enum vg_dns_type type;
	uint32_t ttl; /* seconds, as cached */
	size_t n;
	const struct vg_dns_rr *rr;
};

struct vg_dns_stats {
	uint64_t sent;       /* queries handed to c-ares */
	uint64_t cache_hits; /* answered from the cache */
	uint64_t joined;     /* joined a query already in flight */
	uint64_t timeouts;   /* ended VG_DNS_TIMEOUT after a real wait */
	uint64_t fast_fails; /* ended VG_DNS_TIMEOUT at once while down */
	uint64_t probes;     /* queries sent as probes while down */
	uint64_t downs;      /* times the resolver was marked down */
	bool down;           /* down now */
};

/* vg_dns_new - a resolver configured from conf (see OWNS and ERRORS) */
int vg_dns_new(
    struct vg_dns **out, const struct vg_conf *conf, struct vg_err *err);
/*
 * vg_dns_start_thread - start the resolver thread that runs the event loop
 * (the milter calls it once, after fork and privilege drop); 0 or
 * VG_EINTERNAL.  Calling it twice is a no-op.
 */
int vg_dns_start_thread(struct vg_dns *dns);
/* vg_dns_ref - one more reference; returns dns */
struct vg_dns *vg_dns_ref(struct vg_dns *dns);
/* vg_dns_unref - drop a reference; the last one frees; NULL is a no-op */
void vg_dns_unref(struct vg_dns *dns);

/*
 * vg_dns_submit - start (or join, or answer from the cache) a query for
 * name and type; never blocks.  *out is the caller's handle.
 */
int vg_dns_submit(struct vg_dns *dns, struct vg_dns_query **out,
    const char *name, enum vg_dns_type type);
/*
 * vg_dns_wait - wait until q is answered or the CLOCK_MONOTONIC time
 * deadline_ms (vg_clock_ms()) passes: 0 or VG_ETIMEOUT.  The query keeps
 * running after a time-out.
 */
int vg_dns_wait(
    struct vg_dns *dns, struct vg_dns_query *q, uint64_t deadline_ms);
/* vg_dns_query_answer - the answer, or NULL while none; borrowed from q */
const struct vg_dns_answer *vg_dns_query_answer(const struct vg_dns_query *q);
/* vg_dns_query_free - release a handle (the query goes on); NULL no-op */
void vg_dns_query_free(struct vg_dns_query *q);

/*
 * vg_dns_prefetch - start a query and forget the handle: the answer goes
 * into the cache for whoever asks next.  Errors are ignored (logged at
 * debug level), because the later lookup will simply run again.
 */
void vg_dns_prefetch(
    struct vg_dns *dns, const char *name, enum vg_dns_type type);

/*
 * vg_dns_parse_reply - parse a DNS reply packet as the resolver does (for
 * the fuzzer and tests): its status and record count for type; VG_ENOMEM.
 * A malformed packet is status VG_DNS_TEMPFAIL, never an error.
 */
int vg_dns_parse_reply(const unsigned char *pkt, size_t len,
    enum vg_dns_type type, enum vg_dns_status *status_out, size_t *n_out);

/* vg_dns_stats - counters since vg_dns_new() */
void vg_dns_stats(struct vg_dns *dns, struct vg_dns_stats *out);

/* vg_dns_status_name - "ok", "nodata", "nxdomain", ...; never NULL */
const char *vg_dns_status_name(enum vg_dns_status status);

/*
 * vg_dns_name_valid - true if name (without a trailing dot) may be sent:
 * at most VG_DNS_NAME_MAX bytes, labels of 1 to 63 bytes, no control
 * bytes, DEL or backslash.
 */
bool vg_dns_name_valid(const char *name);

#endif /* VG_DNS_H */
