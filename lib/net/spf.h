/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * spf - RFC 7208 sender checks through libspf2 and Vigil's DNS layer.
 *
 * PURPOSE  Evaluates SPF for one identity (MAIL FROM, or HELO when MAIL
 *	    FROM is empty or when asked) and one client address with
 *	    libspf2, whose DNS queries all go through net/dns.c: this module
 *	    implements libspf2's SPF_dns_server_t so that libspf2 never
 *	    touches libc's blocking resolver and every lookup shares the
 *	    cache, the flight table and the message's deadline.  A second
 *	    backend serves records from an in-memory zone (struct
 *	    vg_spf_zone) for the RFC 7208 conformance suite and the fuzzer.
 *	    vg_spf_prefetch() starts the first lookup at MAIL FROM so it
 *	    overlaps the DATA phase.
 * GUARDS   libspf2 has had memory-safety bugs in macro expansion and
 *	    record parsing (CVE-2021-20314, CVE-2021-33912, CVE-2021-33913,
 *	    CVE-2023-42118) and is no longer developed, so what reaches it is
 *	    bounded here: every SPF record must pass vg_spf_record_check(), a
 *	    strict RFC 7208 grammar check, before libspf2 parses it (a
 *	    record that fails ends in permerror, as the RFC wants, where
 *	    libspf2 would accept much of it); a domain longer than
 *	    VG_SPF_DOMAIN_MAX bytes or not
 *	    a valid DNS name and a local-part longer than VG_SPF_LOCAL_MAX
 *	    bytes give result none without calling libspf2; the HELO name is
 *	    handed over only if it is a valid DNS name; control bytes never
 *	    reach it; a TXT record longer than VG_SPF_RECORD_MAX bytes is
 *	    not handed over (an SPF record that long, or one with a NUL byte,
 *	    ends in permerror);
 *	    one evaluation makes at most VG_SPF_MAX_QUERIES DNS queries
 *	    (then permerror), on top of libspf2's own limit of 10 mechanisms
 *	    and 10 MX/PTR names; more than VG_SPF_MAX_VOID void lookups end
 *	    in permerror (RFC 7208 4.6.4, which libspf2 lacks); a TXT
 *	    record that is not an SPF record (a possible exp= explanation)
 *	    is handed over only if its compiled form surely fits in
 *	    VG_SPF_EXP_BUDGET bytes (about 250 bytes of text with a few
 *	    macros), because libspf2 1.2.10 overflows a 515-byte stack
 *	    buffer compiling longer ones (found by our fuzzer; the default
 *	    explanation is used instead); an SPF record answered for the
 *	    literal exp= domain of a record already handed over is held to
 *	    the same budget (libspf2 takes it as the explanation too), and
 *	    an exp= whose domain has macros is cut out of its record, so the
 *	    default explanation is used; every name libspf2 asks for must
 *	    pass vg_dns_name_valid().  libspf2's error
 *	    handler, which would exit the process, is replaced by one that
 *	    logs.
 * OWNS     A zone is the caller's (vg_spf_zone_free()).  An outcome is a
 *	    fixed-size value.
 * LIMITS   The VG_SPF_* limits above (outcomes stated there).  The DNS
 *	    deadline is the caller's; when it passes, the result is
 *	    temperror.
 * ERRORS   vg_spf_check*(): VG_ENOMEM, VG_EINTERNAL (libspf2 failed to
 *	    build a request); SPF results, temperror included, are outcomes.
 * THREADS  Any number of evaluations may run at once; a zone is read-only
 *	    once built.
 */
#ifndef VG_SPF_H
#define VG_SPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_dns;
struct vg_spf_zone;

#define VG_SPF_DOMAIN_MAX  253
#define VG_SPF_LOCAL_MAX   64
#define VG_SPF_RECORD_MAX  2048
#define VG_SPF_MAX_QUERIES 40
#define VG_SPF_MAX_VOID    2
/* The explanation when the domain gives none (SPF macros, RFC 7208 7). */
#define VG_SPF_DEFAULT_EXP                                                     \
	"%{o}%_does%_not%_designate%_%{i}%_as%_permitted%_sender"
#define VG_SPF_EXP_BUDGET 400
/* An explanation or reason, with its NUL (longer ones are cut). */
#define VG_SPF_REASON_MAX 256

enum vg_spf_result {
	VG_SPF_NONE,
	VG_SPF_NEUTRAL,
	VG_SPF_PASS,
	VG_SPF_FAIL,
	VG_SPF_SOFTFAIL,
	VG_SPF_TEMPERROR,
	VG_SPF_PERMERROR,
};

struct vg_spf_outcome {
	enum vg_spf_result result;
	bool helo_identity;                  /* the HELO name was checked */
	char domain[VG_SPF_DOMAIN_MAX + 1];  /* the domain checked */
	char explanation[VG_SPF_REASON_MAX]; /* fail only, sanitised, or "" */
	char reason[VG_SPF_REASON_MAX];      /* why, for logs and headers */
};

/* vg_spf_result_name - "pass", "fail", ... (RFC 8601 spelling) */
const char *vg_spf_result_name(enum vg_spf_result result);
/* vg_spf_result_symbol - "SPF_PASS", ... or "SPF_HELO_PASS" */
const char *vg_spf_result_symbol(enum vg_spf_result result, bool helo);
/* vg_spf_result_parse - name to result; 0 or VG_EINVAL */
int vg_spf_result_parse(enum vg_spf_result *out, const char *name);

/*
 * vg_spf_check - evaluate SPF for client_ip with lookups through dns,
 * waiting no longer than the CLOCK_MONOTONIC time deadline_ms.  mail_from
 * is the envelope sender without brackets ("" for the null sender: the
 * HELO identity "postmaster@helo" is checked instead); use_helo checks
 * the HELO identity whatever mail_from is.
 */
int vg_spf_check(struct vg_spf_outcome *out, struct vg_dns *dns,
    uint64_t deadline_ms, const char *client_ip, const char *helo,
    const char *mail_from, bool use_helo);

/*
 * vg_spf_prefetch - at MAIL FROM: start the TXT lookup of the domain that
 * vg_spf_check() will ask for first, so it is cached by end of message.
 */
void vg_spf_prefetch(
    struct vg_dns *dns, const char *helo, const char *mail_from, bool use_helo);

/*
 * vg_spf_record_check - does the SPF record (len bytes, "v=spf1 ...") obey
 * RFC 7208's grammar strictly (section 12: terms, domain-specs with a
 * valid toplabel, macro letters, CIDR lengths without leading zeros, at
 * most one redirect= and exp=, printable ASCII only)?  0, or VG_EINVAL
 * with a static reason in *why.  Records that fail never reach libspf2:
 * the evaluation ends in permerror.
 */
int vg_spf_record_check(const char *rec, size_t len, const char **why);

/* Zone backend. */
/* vg_spf_zone_new - an empty zone; VG_ENOMEM */
int vg_spf_zone_new(struct vg_spf_zone **out);
/* vg_spf_zone_free - NULL is a no-op */
void vg_spf_zone_free(struct vg_spf_zone *zone);
/*
 * vg_spf_zone_add - add a record: type is "A", "AAAA", "TXT", "SPF", "MX"
 * (data "PREF HOST"), "PTR", "CNAME" or "TIMEOUT" (a query for a type the
 * name has no records of times out; data ignored).  A and AAAA data are addresses in text.
 * VG_EINVAL for a type or address it cannot use, VG_ENOMEM.
 */
int vg_spf_zone_add(struct vg_spf_zone *zone, const char *name,
    const char *type, const void *data, size_t len);
/* vg_spf_check_zone - vg_spf_check() answered from zone */
int vg_spf_check_zone(struct vg_spf_outcome *out,
    const struct vg_spf_zone *zone, const char *client_ip, const char *helo,
    const char *mail_from, bool use_helo);

#endif /* VG_SPF_H */
