/* SPDX-License-Identifier: GPL-2.0-only */
/* conf - vigil.conf: one table of keys with bounds, file:line errors */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/compiler.h"
#include "base/conf.h"
#include "base/endpoint.h"
#include "base/err.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/num.h"

#define KB     (UINT64_C(1024))
#define MB     (UINT64_C(1024) * KB)
#define GB     (UINT64_C(1024) * MB)
#define SEC    (UINT64_C(1000))
#define MINUTE (UINT64_C(60) * SEC)
#define HOUR   (UINT64_C(60) * MINUTE)
#define DAY    (UINT64_C(24) * HOUR)

/*
 * VG_FIELD - offsetof(struct vg_conf, f), refusing to compile unless the
 * field has the C type the row's parser writes.  This keeps a table row
 * from writing a uint64_t into an unsigned field when someone edits one
 * and not the other.
 */
/* clang-format off */
#define VG_FIELD(f, T) _Generic(((struct vg_conf *)0)->f,                     \
	T: offsetof(struct vg_conf, f))

#define A(x) (1u << (x))

/* One row per key type; the key's name is its struct field's name. */
#define STR(k, def, req, rel, doc)                                             \
	{#k, VG_CONF_STRING, def, 0, 0, 0, req, rel, VG_FIELD(k, char *), doc}
#define UINT(k, def, lo, hi, rel, doc)                                         \
	{#k, VG_CONF_UINT, def, lo, hi, 0, false, rel,                         \
	    VG_FIELD(k, unsigned), doc}
#define SIZE(k, def, lo, hi, doc)                                              \
	{#k, VG_CONF_SIZE, def, lo, hi, 0, false, true,                        \
	    VG_FIELD(k, uint64_t), doc}
#define DUR(k, def, lo, hi, doc)                                               \
	{#k, VG_CONF_DURATION, def, lo, hi, 0, false, true,                    \
	    VG_FIELD(k##_ms, uint64_t), doc}
#define BOOL(k, def, doc)                                                      \
	{#k, VG_CONF_BOOL, def, 0, 1, 0, false, true, VG_FIELD(k, bool), doc}
#define ACT(k, def, mask, doc)                                                 \
	{#k, VG_CONF_ACTION, def, 0, 0, mask, false, true,                     \
	    VG_FIELD(k, enum vg_action), doc}
/* clang-format on */

/*
 * The table.  A NULL default means none can be guessed: socket and
 * clamav_database are required (clamav_database only with virus_scan =
 * yes and virus_backend = clamav), and authserv_id is filled from gethostname() at load time.
 * Everything but the daemon keys (socket, user, scan_workers,
 * max_queued_scans) may change on reload.
 */
static const struct vg_conf_key keys[] = {
    STR(socket, NULL, true, false,
        "milter socket: unix:/path, local:/path, inet:PORT@ADDR, "
        "inet6:PORT@ADDR"),
    STR(user, "", false, false,
        "user to run as after opening the socket (empty: stay)"),
    UINT(scan_workers, "0", 0, 256, false, "scanning threads (0: one per CPU)"),
    UINT(max_queued_scans, "64", 1, 100000, false,
        "messages waiting for a scanning thread before new ones tempfail"),
    STR(metrics_listen, "", false, false,
        "serve Prometheus metrics over HTTP on IPv4:PORT or [IPv6]:PORT "
        "(empty: off)"),
    SIZE(max_message_size, "25M", 1 * KB, 2 * GB,
        "largest message scanned; larger ones get oversize_action"),
    ACT(oversize_action, "accept",
        A(VG_ACTION_ACCEPT) | A(VG_ACTION_TEMPFAIL) | A(VG_ACTION_REJECT),
        "what to do with a message over max_message_size"),
    SIZE(memory_limit, "1M", 4 * KB, 1 * GB,
        "bytes of a message kept in memory before spilling to tmp_dir"),
    STR(tmp_dir, "/var/tmp", false, true,
        "directory for spill files (absolute path)"),
    STR(clamav_tmp_dir, "/dev/shm", false, true,
        "directory, memory-backed, for the files ClamAV writes while it "
        "scans (absolute path)"),
    UINT(max_header_count, "1000", 10, 100000, true,
        "headers examined per message; later ones pass on unexamined"),
    SIZE(max_header_size, "64K", 1 * KB, 16 * MB,
        "bytes of one header; longer ones pass on but are not examined"),
    UINT(max_recipients, "1000", 1, 100000, true,
        "recipients recorded per message; later ones are not recorded"),
    BOOL(virus_scan, "yes", "scan with ClamAV (no: spam checks only)"),
    STR(virus_backend, "clamav", false, true,
        "who scans: clamav (libclamav in this process) or clamd (servers)"),
    STR(clamav_database, NULL, true, true,
        "ClamAV signature directory (required with virus_backend = clamav)"),
    STR(clamd_servers, "", false, true,
        "clamd servers, tried in turn: unix:/path, /path, HOST:PORT or "
        "[IPV6]:PORT (required with virus_backend = clamd)"),
    DUR(clamd_timeout, "30s", 100, 1 * HOUR,
        "time allowed for connecting to clamd and for each read or write"),
    ACT(virus_action, "reject",
        A(VG_ACTION_REJECT) | A(VG_ACTION_DISCARD) | A(VG_ACTION_QUARANTINE) |
            A(VG_ACTION_TAG) | A(VG_ACTION_ACCEPT),
        "what to do with a message that carries a virus"),
    ACT(unscanned_action, "reject",
        A(VG_ACTION_REJECT) | A(VG_ACTION_QUARANTINE) | A(VG_ACTION_TAG) |
            A(VG_ACTION_ACCEPT),
        "what to do when part of a message could not be virus-scanned"),
    ACT(on_error, "tempfail", A(VG_ACTION_TEMPFAIL) | A(VG_ACTION_ACCEPT),
        "what to do when Vigil itself cannot scan a message"),
    DUR(scan_timeout, "60s", 100, 1 * HOUR,
        "time allowed for scanning one message; then on_error"),
    STR(rules, "/etc/vigil/vigil.rules", false, true, "the rules file"),
    STR(prefilter_cache, "/var/cache/vigil/prefilter", false, true,
        "where the rules' Hyperscan prefilter keeps its compiled databases "
        "(empty: compiled at every load)"),
    STR(authserv_id, NULL, false, true,
        "authserv-id in Authentication-Results (default: the host name)"),
    SIZE(clamav_max_filesize, "0", 0, 4 * GB,
        "ClamAV MaxFileSize (0: ClamAV's default)"),
    SIZE(clamav_max_scansize, "0", 0, 4 * GB,
        "ClamAV MaxScanSize (0: ClamAV's default)"),
    UINT(clamav_max_recursion, "0", 0, 64, true,
        "ClamAV MaxRecursion (0: ClamAV's default)"),
    UINT(clamav_max_files, "0", 0, 1000000, true,
        "ClamAV MaxFiles (0: ClamAV's default)"),
    DUR(clamav_max_scantime, "0", 0, 1 * HOUR,
        "ClamAV MaxScanTime (0: ClamAV's default)"),
    BOOL(reload_in_place, "no",
        "free the old engine before building the new one on reload"),
    DUR(signature_check_interval, "60s", 0, 1 * DAY,
        "how often to look for new signatures (0: never)"),
    STR(sa_update_dir, "auto", false, true,
        "SpamAssassin's rules, loaded before the rules file and watched: "
        "auto (sa-update's newest directory, else the packaged rules, "
        "else none), a directory, or empty (off)"),
    STR(dns_servers, "", false, true,
        "DNS servers, e.g. 127.0.0.1:53, [::1]:53 (empty: system resolver)"),
    DUR(dns_timeout, "2s", 100, 60 * SEC, "time allowed for one DNS query"),
    DUR(dns_deadline, "10s", 100, 5 * MINUTE,
        "time allowed for all DNS lookups of one message"),
    UINT(dns_cache_size, "10000", 0, 10000000, true,
        "DNS answers cached (0: no cache)"),
    BOOL(spf_reject_fail, "no", "reject mail whose SPF result is fail"),
    BOOL(spf_check_helo, "no", "also check the HELO name with SPF"),
    BOOL(dkim, "yes", "verify DKIM signatures of inbound mail"),
    UINT(dkim_max_signatures, "5", 1, 100, true,
        "DKIM signatures verified per message; later ones are not"),
    SIZE(dkim_max_body_size, "25M", 1 * KB, 2 * GB,
        "body bytes hashed for one DKIM signature; longer: dkim=policy"),
    BOOL(arc, "yes", "validate ARC chains (RFC 8617) of inbound mail"),
    UINT(arc_max_sets, "10", 1, 50, true,
        "ARC sets validated per message; a longer chain fails"),
    STR(arc_trusted_sealers, "", false, true,
        "ARC sealers (d= domains) whose passing chain overrides a DMARC "
        "failure"),
    BOOL(dmarc, "yes", "evaluate the From: domain's DMARC policy"),
    BOOL(dmarc_reject, "no",
        "reject mail that fails a DMARC policy of p=reject"),
    STR(dkim_sign_domain, "", false, false,
        "sign outbound mail whose From: is in these domains (or below): "
        "DOMAIN or DOMAIN:SELECTOR, comma-separated (empty: no signing)"),
    STR(dkim_sign_selector, "vigil", false, false,
        "DKIM selector (s=) of the domains that name none"),
    STR(dkim_sign_key, "/etc/vigil/dkim/%d.pem", false, false,
        "private key file (PEM) of each signing domain; %d is the domain, "
        "%s the selector; read at start, as root"),
    STR(trusted_networks, "127.0.0.0/8, ::1/128", false, true,
        "client networks whose mail is outbound and not SPF-checked"),
    UINT(uribl_max_lookups, "20", 0, 1000, true,
        "URI blacklist lookups per message (0: none)"),
    BOOL(dnsbl_check_received, "no",
        "also check addresses from Received headers against DNS blacklists"),
    ACT(outbound_spam_action, "quarantine",
        A(VG_ACTION_QUARANTINE) | A(VG_ACTION_REJECT) | A(VG_ACTION_TEMPFAIL) |
            A(VG_ACTION_TAG) | A(VG_ACTION_ACCEPT),
        "what to do with spam from trusted_networks or SASL users"),
    ACT(outbound_virus_action, "reject",
        A(VG_ACTION_REJECT) | A(VG_ACTION_DISCARD) | A(VG_ACTION_QUARANTINE) |
            A(VG_ACTION_TAG) | A(VG_ACTION_ACCEPT),
        "what to do with a virus from trusted_networks or SASL users"),
    UINT(ratelimit_auth_messages, "500", 0, 10000000, true,
        "messages per hour per SASL login (0: no limit)"),
    UINT(ratelimit_auth_recipients, "2000", 0, 10000000, true,
        "recipients per hour per SASL login (0: no limit)"),
    UINT(ratelimit_internal_messages, "0", 0, 10000000, true,
        "messages per hour per trusted_networks client (0: no limit)"),
    UINT(ratelimit_internal_recipients, "0", 0, 10000000, true,
        "recipients per hour per trusted_networks client (0: no limit)"),
    UINT(ratelimit_external_connections, "0", 0, 10000000, true,
        "connections per minute per outside client (0: no limit)"),
    UINT(ratelimit_external_messages, "0", 0, 10000000, true,
        "messages per minute per outside client (0: no limit)"),
    STR(ratelimit_store, "memory", false, true,
        "where rate limits and harvest counters live: memory or redis"),
    UINT(ratelimit_max_keys, "500000", 100, 10000000, true,
        "counters in memory for every limit; least recently used go first"),
    UINT(harvest_threshold, "20", 0, 100000, true,
        "unknown recipients from one client before it cools off (0: off)"),
    DUR(harvest_window, "10m", 1 * SEC, 1 * DAY,
        "time over which unknown recipients are counted"),
    DUR(harvest_cooloff, "30m", 1 * SEC, 1 * DAY,
        "how long a harvesting client is tempfailed"),
    UINT(attach_archive_depth, "3", 0, 16, true,
        "archives inside attachments opened this deep (0: none)"),
    UINT(attach_archive_members, "1000", 1, 1000000, true,
        "archive members examined per attachment; then ATTACH_ARCHIVE_LIMIT"),
    SIZE(attach_member_bytes, "16M", 4 * KB, 1 * GB,
        "bytes read from one archive member to look inside it"),
    SIZE(attach_archive_bytes, "64M", 4 * KB, 4 * GB,
        "bytes read from all archive members of one attachment"),
    UINT(mime_max_depth, "20", 1, 100, true,
        "MIME nesting decoded for the rules; deeper parts are not decoded"),
    UINT(mime_max_parts, "500", 1, 100000, true,
        "MIME parts decoded for the rules per message"),
    SIZE(mime_max_decoded_size, "4M", 64 * KB, 1 * GB,
        "decoded text kept per message for the rules"),
    SIZE(body_scan_size, "100K", 1 * KB, 1 * GB,
        "bytes of each text part that body rules and the classifier read"),
    SIZE(rawbody_scan_size, "500K", 1 * KB, 1 * GB,
        "bytes of each decoded text part that rawbody rules read"),
    UINT(max_uris, "1000", 1, 100000, true,
        "links kept per message for uri rules and URI blacklists"),
    STR(redis, "", false, true,
        "the Redis server the stores set to redis share: HOST:PORT, "
        "[IPV6]:PORT, /path/to/socket or unix:/path/to/socket"),
    STR(redis_password, "", false, true, "Redis AUTH password (empty: none)"),
    UINT(redis_db, "0", 0, 10000, true, "Redis database number"),
    DUR(redis_timeout, "500ms", 10, 60 * SEC,
        "time allowed for one Redis round trip; then the check goes "
        "without it"),
    BOOL(bayes, "yes", "run the learning classifier (vigil learn trains it)"),
    STR(bayes_store, "lmdb", false, true,
        "where the classifier keeps its counts: lmdb or redis"),
    STR(bayes_path, "/var/lib/vigil/bayes.lmdb", false, true,
        "the LMDB database file (bayes_store = lmdb)"),
    SIZE(bayes_max_size, "1G", 1 * MB, 64 * GB,
        "the LMDB database's size bound; then rare, old tokens go"),
    UINT(bayes_min_spam, "200", 1, 10000000, true,
        "spam messages learned before the classifier speaks"),
    UINT(bayes_min_ham, "200", 1, 10000000, true,
        "ham messages learned before the classifier speaks"),
    DUR(bayes_token_ttl, "180d", 1 * DAY, 3650 * DAY,
        "a token not learned again for this long is forgotten"),
    DUR(bayes_snapshot_interval, "1m", 0, 1 * DAY,
        "LMDB: rebuild the classifier's snapshot at most this often; 0: none"),
    SIZE(bayes_max_text_bytes, "256K", 1 * KB, 64 * MB,
        "decoded body text per message the classifier reads"),
    UINT(bayes_max_tokens, "20000", 100, 1000000, true,
        "distinct tokens per message the classifier keeps"),
    BOOL(bayes_autolearn, "yes",
        "learn from mail the rules alone score far from the threshold"),
    BOOL(reputation, "no",
        "count ham and spam per client network, sender domain and SASL "
        "login, scored as REP_* symbols"),
    STR(reputation_store, "memory", false, true,
        "where reputation counts live: memory or redis"),
    UINT(reputation_max_keys, "200000", 100, 10000000, true,
        "reputation counters in memory; least recently used go first"),
    DUR(reputation_window, "7d", 1 * MINUTE, 365 * DAY,
        "counts fade out over two windows: the last counts by the part "
        "still ahead"),
    UINT(reputation_min_count, "10", 1, 1000000, true,
        "messages counted for a source before its REP_* symbol speaks"),
    UINT(reputation_ratio, "90", 51, 100, true,
        "percent of spam (or ham) among them for REP_*_SPAM (or _HAM)"),
};

/* Keys that may be set to the empty string. */
static const char *const empty_ok[] = {"user", "metrics_listen", "dns_servers",
    "trusted_networks", "redis", "redis_password", "clamd_servers",
    "arc_trusted_sealers", "dkim_sign_domain", "sa_update_dir",
    "prefilter_cache"};

struct state {
	struct vg_conf *conf;
	const char *name; /* file name for messages */
	struct vg_err *err;
	unsigned nerr; /* errors recorded here (err may be NULL) */
	unsigned seen[VG_NELEM(keys)]; /* line a key was set on, 0 = unset */
	bool tool; /* vg_conf_load_tool(): the daemon's required keys are not */
};

/* vg_conf_keys - the table and its length */
const struct vg_conf_key *
vg_conf_keys(size_t *n_out)
{
	*n_out = VG_NELEM(keys);
	return keys;
}

/* fail - record one error for line (0: the whole file) */
static void VG_PRINTF(3, 4)
    fail(struct state *st, unsigned line, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	st->nerr++;
	vg_err_add(st->err, st->name, line, "%s", reason);
}

/* is_blank - space or tab, the only whitespace a config line has */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* field - the address of a key's field in conf */
static void *
field(struct vg_conf *conf, const struct vg_conf_key *key)
{
	return (char *)conf + key->offset;
}

/* cfield - the address of a key's field in a read-only conf */
static const void *
cfield(const struct vg_conf *conf, const struct vg_conf_key *key)
{
	return (const char *)conf + key->offset;
}

/* fmt_number - a bound as a user would write it ("1K", "5m", "100") */
static void
fmt_number(char *buf, size_t len, enum vg_conf_type type, uint64_t v)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} sizes[] = {{"G", GB}, {"M", MB}, {"K", KB}},
	  times[] = {{"d", DAY}, {"h", HOUR}, {"m", MINUTE}, {"s", SEC}};
	const char *suffix = type == VG_CONF_DURATION ? "ms" : "";
	uint64_t n = v;

	if (v != 0 && type == VG_CONF_SIZE) {
		for (size_t i = 0; i < VG_NELEM(sizes); i++) {
			if (v % sizes[i].mult == 0) {
				n = v / sizes[i].mult;
				suffix = sizes[i].suffix;
				break;
			}
		}
	} else if (v != 0 && type == VG_CONF_DURATION) {
		for (size_t i = 0; i < VG_NELEM(times); i++) {
			if (v % times[i].mult == 0) {
				n = v / times[i].mult;
				suffix = times[i].suffix;
				break;
			}
		}
	} else if (v == 0) {
		suffix = "";
	}
	snprintf(buf, len, "%" PRIu64 "%s", n, suffix);
}

/* check_port - a TCP port number, 1 to 65535 */
static bool
check_port(const char *s, size_t len)
{
	char buf[8];
	uint64_t port;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return vg_num_uint(&port, buf, 1, 65535, NULL) == 0;
}

/* check_hostname - letters, digits, dots and hyphens, as libmilter wants */
static bool
check_hostname(const char *s)
{
	if (*s == '\0' || strlen(s) > 253)
		return false;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* check_socket - the forms libmilter's smfi_setconn() accepts */
static const char *
check_socket(const char *v)
{
	struct sockaddr_un sun;
	struct in6_addr a6;
	const char *rest, *at;
	int family;

	if (strncmp(v, "unix:", 5) == 0 || strncmp(v, "local:", 6) == 0) {
		rest = strchr(v, ':') + 1;
		if (rest[0] != '/')
			return "the path must be absolute";
		if (strlen(rest) >= sizeof(sun.sun_path))
			return "the path is too long for a unix socket";
		return NULL;
	}
	if (strncmp(v, "inet:", 5) == 0) {
		rest = v + 5;
		family = AF_INET;
	} else if (strncmp(v, "inet6:", 6) == 0) {
		rest = v + 6;
		family = AF_INET6;
	} else {
		return "use unix:/path, local:/path, inet:PORT@ADDR or "
		       "inet6:PORT@ADDR";
	}
	if ((at = strchr(rest, '@')) == NULL)
		return "missing @ADDR after the port";
	if (!check_port(rest, (size_t)(at - rest)))
		return "the port must be a number from 1 to 65535";
	at++;
	if (inet_pton(family, at, &a6) == 1 || check_hostname(at))
		return NULL;
	return family == AF_INET
	    ? "ADDR must be an IPv4 address or a host name"
	    : "ADDR must be an IPv6 address or a host name";
}

/*
 * next_item - the next comma- or blank-separated item of a list; *len is
 * its length and *p moves past it; NULL at the end.
 */
static const char *
next_item(const char **p, size_t *len)
{
	const char *s = *p, *start;

	while (*s == ',' || is_blank(*s))
		s++;
	if (*s == '\0')
		return NULL;
	start = s;
	while (*s != '\0' && *s != ',' && !is_blank(*s))
		s++;
	*len = (size_t)(s - start);
	*p = s;
	return start;
}

/* check_network - "ADDR" or "ADDR/PREFIX", IPv4 or IPv6 */
static bool
check_network(const char *item, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	struct in6_addr a6;
	uint64_t prefix;
	int family;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, item, len);
	buf[len] = '\0';
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, &a6) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, buf, &a6) == 1)
		family = AF_INET6;
	else
		return false;
	if (slash == NULL)
		return true;
	return vg_num_uint(
	           &prefix, slash, 0, family == AF_INET ? 32 : 128, NULL) == 0;
}

/* check_domain - a domain name: letters, digits, '-', '_' and dots */
static bool
check_domain(const char *item, size_t len)
{
	if (len == 0 || len > 253 || item[0] == '.' || item[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)item[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		        c == '.') ||
		    (c == '.' && item[i + 1] == '.'))
			return false;
	}
	return true;
}

/* check_server - "ADDR", "IPv4:PORT" or "[IPv6]:PORT" */
static bool
check_server(const char *item, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 8];
	struct in6_addr a6;
	const char *colon, *end;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, item, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &a6) == 1 ||
	    inet_pton(AF_INET6, buf, &a6) == 1)
		return true;
	if (buf[0] == '[') {
		if ((end = strchr(buf, ']')) == NULL || end[1] != ':')
			return false;
		buf[end - buf] = '\0';
		return inet_pton(AF_INET6, buf + 1, &a6) == 1 &&
		    check_port(end + 2, strlen(end + 2));
	}
	if ((colon = strchr(buf, ':')) == NULL)
		return false;
	buf[colon - buf] = '\0';
	return inet_pton(AF_INET, buf, &a6) == 1 &&
	    check_port(colon + 1, strlen(colon + 1));
}

/*
 * check_list - every item of a list passes ok(); *bad_out is the first
 * that does not.  With commas_only, items are separated by commas alone
 * (blanks around them are dropped) and may not be empty: net/dns.c hands
 * the list to c-ares after removing every blank, so "a b" would fuse.
 */
static bool
check_list(const char *v, bool commas_only, bool (*ok)(const char *, size_t),
    const char **bad_out, size_t *bad_len)
{
	const char *p = v, *item, *end;
	size_t len;

	if (*v == '\0')
		return true;
	if (!commas_only) {
		while ((item = next_item(&p, &len)) != NULL) {
			if (!ok(item, len))
				goto bad;
		}
		return true;
	}
	for (;;) {
		while (is_blank(*p))
			p++;
		item = p;
		while (*p != '\0' && *p != ',')
			p++;
		for (end = p; end > item && is_blank(end[-1]); end--)
			;
		len = (size_t)(end - item);
		if (len == 0 || !ok(item, len))
			goto bad;
		if (*p == '\0')
			return true;
		p++;
	}
bad:
	*bad_out = item;
	*bad_len = len;
	return false;
}

/* check_token - an RFC 2045 token: no blanks, controls or tspecials */
static bool
check_token(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c))
			return false;
	}
	return true;
}

/*
 * check_string - the extra rules of string keys; 1 if v is good, 0 after
 * recording an error.
 */
static int
check_string(struct state *st, unsigned line, const struct vg_conf_key *key,
    const char *v)
{
	const char *why, *bad;
	size_t badlen;

	if (key->offset == offsetof(struct vg_conf, socket)) {
		if ((why = check_socket(v)) != NULL) {
			fail(st, line, "socket: bad socket '%.80s' (%s)", v,
			    why);
			return 0;
		}
	} else if (key->offset == offsetof(struct vg_conf, metrics_listen)) {
		struct sockaddr_storage sa;
		socklen_t salen;

		if (v[0] != '\0' &&
		    !vg_metrics_parse_listen(v, &sa, &salen, &why)) {
			fail(st, line,
			    "metrics_listen: bad address '%.80s' (%s)", v, why);
			return 0;
		}
	} else if (key->offset == offsetof(struct vg_conf, tmp_dir) ||
	    key->offset == offsetof(struct vg_conf, clamav_tmp_dir)) {
		if (v[0] != '/') {
			fail(st, line, "%s: '%.80s' is not an absolute path",
			    key->name, v);
			return 0;
		}
	} else if (key->offset == offsetof(struct vg_conf, prefilter_cache)) {
		if (v[0] != '\0' && v[0] != '/') {
			fail(st, line,
			    "prefilter_cache: '%.80s' is neither empty nor an "
			    "absolute path",
			    v);
			return 0;
		}
	} else if (key->offset == offsetof(struct vg_conf, authserv_id)) {
		if (!check_token(v)) {
			fail(st, line,
			    "authserv_id: '%.80s' has a blank, a "
			    "control character or one of ()<>@,;:\\\"/[]?=",
			    v);
			return 0;
		}
	} else if (key->offset == offsetof(struct vg_conf, trusted_networks)) {
		if (!check_list(v, false, check_network, &bad, &badlen)) {
			fail(st, line,
			    "trusted_networks: '%.*s' is not an "
			    "IPv4 or IPv6 address or network (ADDR/PREFIX)",
			    (int)(badlen > 80 ? 80 : badlen), bad);
			return 0;
		}
	} else if (key->offset ==
	    offsetof(struct vg_conf, arc_trusted_sealers)) {
		if (!check_list(v, false, check_domain, &bad, &badlen)) {
			fail(st, line,
			    "arc_trusted_sealers: '%.*s' is not a domain name",
			    (int)(badlen > 80 ? 80 : badlen), bad);
			return 0;
		}
	} else if (key->offset == offsetof(struct vg_conf, dns_servers)) {
		if (!check_list(v, true, check_server, &bad, &badlen)) {
			fail(st, line,
			    "dns_servers: '%.*s' is not ADDR, "
			    "IPv4:PORT or [IPv6]:PORT (separate servers with "
			    "commas)",
			    (int)(badlen > 80 ? 80 : badlen), bad);
			return 0;
		}
	}
	return 1;
}

/*
 * set_value - parse v for key and store it in st->conf.  Returns 0 (also
 * after recording a bad value) or VG_ENOMEM.
 */
static int
set_value(struct state *st, unsigned line, const struct vg_conf_key *key,
    const char *v)
{
	void *dst = field(st->conf, key);
	const char *why = NULL;
	char lo[32], hi[32];
	uint64_t n;
	bool b;
	enum vg_action act;
	char *s;
	int rc = 0;

	switch (key->type) {
	case VG_CONF_STRING:
		if (!check_string(st, line, key, v))
			break;
		if ((s = vg_strdup(v)) == NULL)
			return VG_ENOMEM;
		vg_free(*(char **)dst);
		*(char **)dst = s;
		break;
	case VG_CONF_UINT:
		rc = vg_num_uint(&n, v, 0, UINT64_MAX, &why);
		goto number;
	case VG_CONF_SIZE:
		rc = vg_num_size(&n, v, 0, UINT64_MAX, &why);
		goto number;
	case VG_CONF_DURATION:
		rc = vg_num_duration_ms(&n, v, 0, UINT64_MAX, &why);
		goto number;
	case VG_CONF_BOOL:
		if (vg_num_bool(&b, v, NULL) != 0) {
			fail(st, line,
			    "%s: bad boolean '%.80s' (use yes or "
			    "no)",
			    key->name, v);
			break;
		}
		*(bool *)dst = b;
		break;
	case VG_CONF_ACTION:
		if (vg_action_parse(&act, v) != 0 ||
		    (key->actions & A(act)) == 0) {
			char allowed[128] = "";
			size_t used = 0;

			for (unsigned a = 0; a < 32; a++) {
				if ((key->actions & A(a)) == 0)
					continue;
				used += (size_t)snprintf(allowed + used,
				    sizeof(allowed) - used, "%s%s",
				    used > 0 ? ", " : "",
				    vg_action_name((enum vg_action)a));
				if (used >= sizeof(allowed))
					break;
			}
			fail(st, line, "%s: bad action '%.80s' (allowed: %s)",
			    key->name, v, allowed);
			break;
		}
		*(enum vg_action *)dst = act;
		break;
	}
	return 0;

number:
	if (rc != 0) {
		fail(st, line, "%s: bad %s '%.80s'%s%s", key->name,
		    key->type == VG_CONF_SIZE           ? "size"
		        : key->type == VG_CONF_DURATION ? "duration"
		                                        : "number",
		    v, why != NULL ? ": " : "", why != NULL ? why : "");
		return 0;
	}
	if (n < key->min || n > key->max) {
		fmt_number(lo, sizeof(lo), key->type, key->min);
		fmt_number(hi, sizeof(hi), key->type, key->max);
		fail(st, line, "%s: %.80s is out of range (%s..%s)", key->name,
		    v, lo, hi);
		return 0;
	}
	if (key->type == VG_CONF_UINT)
		*(unsigned *)dst = (unsigned)n;
	else
		*(uint64_t *)dst = n;
	return 0;
}

/* find_key - the table index of name, or -1 */
static int
find_key(const char *name)
{
	for (size_t i = 0; i < VG_NELEM(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* may_be_empty - whether key accepts "key =" */
static bool
may_be_empty(const struct vg_conf_key *key)
{
	for (size_t i = 0; i < VG_NELEM(empty_ok); i++)
		if (strcmp(key->name, empty_ok[i]) == 0)
			return true;
	return false;
}

/*
 * parse_line - one line, NUL-terminated and without its newline.  Returns
 * 0 (also after recording an error in the line) or VG_ENOMEM.
 */
static int
parse_line(struct state *st, unsigned line, char *s)
{
	char *eq, *end, *v, *hash;
	int i;

	while (is_blank(*s))
		s++;
	if (*s == '\0' || *s == '#')
		return 0;
	if ((eq = strchr(s, '=')) == NULL) {
		fail(st, line, "missing '=' (want key = value)");
		return 0;
	}
	for (end = eq; end > s && is_blank(end[-1]); end--)
		;
	*end = '\0';
	if (*s == '\0') {
		fail(st, line, "missing key before '='");
		return 0;
	}

	/* A '#' starts a comment at the value's start or after a blank. */
	for (v = eq + 1; is_blank(*v); v++)
		;
	for (hash = v; (hash = strchr(hash, '#')) != NULL; hash++) {
		if (hash == v || is_blank(hash[-1])) {
			*hash = '\0';
			break;
		}
	}
	for (end = v + strlen(v); end > v && is_blank(end[-1]); end--)
		;
	*end = '\0';

	if ((i = find_key(s)) < 0) {
		fail(st, line, "unknown key '%.80s'", s);
		return 0;
	}
	if (st->seen[i] != 0) {
		fail(st, line, "duplicate key %s (first set on line %u)",
		    keys[i].name, st->seen[i]);
		return 0;
	}
	st->seen[i] = line;
	if (*v == '\0' && !may_be_empty(&keys[i])) {
		fail(st, line, "%s: empty value", keys[i].name);
		return 0;
	}
	return set_value(st, line, &keys[i], v);
}

/* parse_text - every line of text; 0 or VG_ENOMEM */
static int
parse_text(struct state *st, const char *text, size_t len)
{
	char buf[VG_CONF_LINE_MAX + 1];
	const char *p = text, *end = text + len, *nl;
	unsigned line = 0;
	size_t n;
	int rc;

	/* Editors on some systems start a UTF-8 file with a byte-order mark. */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > VG_CONF_LINE_MAX) {
			fail(st, line, "line too long (more than %d bytes)",
			    VG_CONF_LINE_MAX);
			goto next;
		}
		memcpy(buf, p, n);
		buf[n] = '\0';
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)buf[i];

			if ((c < ' ' && c != '\t') || c == 0x7f) {
				fail(st, line,
				    "control character 0x%02x in "
				    "line",
				    c);
				goto next;
			}
		}
		if ((rc = parse_line(st, line, buf)) != 0)
			return rc;
	next:
		p = nl + (nl < end);
	}
	return 0;
}

/* set_hostname - authserv_id's default: the host name, else "localhost" */
static int
set_hostname(struct vg_conf *conf)
{
	char host[256];

	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if (!check_token(host))
		snprintf(host, sizeof(host), "localhost");
	if ((conf->authserv_id = vg_strdup(host)) == NULL)
		return VG_ENOMEM;
	return 0;
}

/*
 * The keys whose value is one of two words, and the server key the second
 * word needs (only when the switch key, if any, is on).
 */
static const struct choice {
	const char *key;
	const char *words[2];
	const char *needs;   /* non-empty when key = words[1] */
	const char *switch_; /* a bool key that must be yes, or NULL */
} choices[] = {
    {"virus_backend", {"clamav", "clamd"}, "clamd_servers", "virus_scan"},
    {"bayes_store", {"lmdb", "redis"}, "redis", "bayes"},
    {"ratelimit_store", {"memory", "redis"}, "redis", NULL},
    {"reputation_store", {"memory", "redis"}, "redis", "reputation"},
};

/* key_index - the table index of the key called name (it exists) */
static size_t
key_index(const char *name)
{
	for (size_t i = 0; i < VG_NELEM(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return i;
	vg_panic("conf: no key %s", name);
}

/* check_choices - each choice key holds one of its words (file:line) */
static void
check_choices(struct state *st)
{
	for (size_t i = 0; i < VG_NELEM(choices); i++) {
		const struct choice *c = &choices[i];
		size_t k = key_index(c->key);
		const char *v = *(char *const *)cfield(st->conf, &keys[k]);
		const char *need = *(char *const *)cfield(
		    st->conf, &keys[key_index(c->needs)]);

		if (strcmp(v, c->words[0]) != 0 && strcmp(v, c->words[1]) != 0)
			fail(st, st->seen[k], "%s: '%s' is not %s or %s",
			    c->key, v, c->words[0], c->words[1]);
		else if (strcmp(v, c->words[1]) == 0 && need[0] == '\0' &&
		    (c->switch_ == NULL ||
		        *(const bool *)cfield(
		            st->conf, &keys[key_index(c->switch_)])))
			fail(st, st->seen[k], "%s = %s needs %s", c->key, v,
			    c->needs);
	}
}

/* check_redis - the redis key, when set, is a server's address (file:line) */
static void
check_redis(struct state *st)
{
	size_t k = key_index("redis");
	const char *v = *(char *const *)cfield(st->conf, &keys[k]), *why;
	struct vg_endpoint ep;

	if (v[0] != '\0' && vg_endpoint_parse(&ep, v, &why) != 0)
		fail(st, st->seen[k], "redis: '%s': %s", v, why);
}

/*
 * finish - fill in defaults for every unset key and check the required
 * ones; 0, VG_ENOMEM, or VG_EINTERNAL if a table default is bad.
 */
static int
finish(struct state *st)
{
	unsigned before;
	int rc;

	for (size_t i = 0; i < VG_NELEM(keys); i++) {
		const struct vg_conf_key *key = &keys[i];

		if (st->seen[i] != 0)
			continue;
		if (key->def != NULL) {
			/* Defaults go through the parser, so the table is checked too. */
			before = st->nerr;
			if ((rc = set_value(st, 0, key, key->def)) != 0)
				return rc;
			if (st->nerr != before)
				return VG_EINTERNAL;
		} else if (key->offset ==
		    offsetof(struct vg_conf, authserv_id)) {
			if ((rc = set_hostname(st->conf)) != 0)
				return rc;
		}
	}
	for (size_t i = 0; i < VG_NELEM(keys); i++) {
		const struct vg_conf_key *key = &keys[i];

		if (!key->required || st->seen[i] != 0)
			continue;
		/* A tool never opens the socket, and its caller says where
		 * the signatures are (vg_conf_load_tool()). */
		if (st->tool &&
		    (key->offset == offsetof(struct vg_conf, socket) ||
		        key->offset ==
		            offsetof(struct vg_conf, clamav_database)))
			continue;
		if (key->offset == offsetof(struct vg_conf, clamav_database) &&
		    (!st->conf->virus_scan ||
		        strcmp(st->conf->virus_backend, "clamd") == 0))
			continue;
		fail(st, 0, "missing required key %s", key->name);
	}
	check_choices(st);
	check_redis(st);
	return 0;
}

/* parse_as - text in memory to a checked config, for the daemon or a tool */
static int
parse_as(struct vg_conf **out, const char *text, size_t len, const char *name,
    struct vg_err *err, bool tool)
{
	struct state st;
	int rc;

	*out = NULL;
	memset(&st, 0, sizeof(st));
	st.name = name != NULL ? name : "(config)";
	st.err = err;
	st.tool = tool;
	if (len > VG_CONF_FILE_MAX) {
		fail(&st, 0, "file too big (more than %d bytes)",
		    VG_CONF_FILE_MAX);
		return VG_ECONFIG;
	}
	if ((st.conf = vg_calloc(1, sizeof(*st.conf))) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	if ((st.conf->path = vg_strdup(st.name)) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	if ((rc = parse_text(&st, text, len)) != 0)
		goto out;
	if ((rc = finish(&st)) != 0)
		goto out;
	if (st.nerr > 0) {
		rc = VG_ECONFIG;
		goto out;
	}
	if ((st.conf->lines = vg_calloc(VG_NELEM(keys), sizeof(unsigned))) ==
	    NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	memcpy(st.conf->lines, st.seen, sizeof(st.seen));
	/* Hand-off: the caller owns the config now. */
	*out = st.conf;
	st.conf = NULL;
out:
	if (rc == VG_ENOMEM)
		vg_err_add(err, st.name, 0, "out of memory");
	else if (rc == VG_EINTERNAL)
		vg_err_add(err, st.name, 0,
		    "internal error: a default in "
		    "the key table is invalid");
	vg_conf_free(st.conf);
	return rc;
}

/* vg_conf_parse - text in memory to a checked config */
int
vg_conf_parse(struct vg_conf **out, const char *text, size_t len,
    const char *name, struct vg_err *err)
{
	return parse_as(out, text, len, name, err, false);
}

/*
 * read_file - the whole of path into a new buffer (*out, caller frees),
 * at most VG_CONF_FILE_MAX + 1 bytes so that "too big" can be told.
 * Returns 0, VG_ENOMEM, or VG_EIO with errno set.
 */
static int
read_file(char **out, size_t *len_out, int fd)
{
	size_t cap = 4096, len = 0;
	char *buf, *nbuf;
	ssize_t got;
	int rc = 0;

	*out = NULL;
	if ((buf = vg_malloc(cap)) == NULL)
		return VG_ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap > VG_CONF_FILE_MAX)
				break;
			cap = cap * 2 > VG_CONF_FILE_MAX + 1
			    ? VG_CONF_FILE_MAX + 1
			    : cap * 2;
			if ((nbuf = vg_realloc(buf, cap)) == NULL) {
				rc = VG_ENOMEM;
				goto out;
			}
			buf = nbuf;
		}
		got = read(fd, buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = VG_EIO;
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	/* Hand-off: the caller owns the buffer now. */
	*out = buf;
	*len_out = len;
	buf = NULL;
out:
	vg_free(buf);
	return rc;
}

/* load_as - read path (NULL: no file) and parse it */
static int
load_as(struct vg_conf **out, const char *path, struct vg_err *err, bool tool)
{
	char *text = NULL;
	size_t len = 0;
	int fd, rc;

	*out = NULL;
	if (path == NULL)
		return parse_as(out, "", 0, "(built-in defaults)", err, true);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		vg_err_add(err, path, 0, "cannot open: %s", strerror(errno));
		return VG_ECONFIG;
	}
	rc = read_file(&text, &len, fd);
	if (rc == VG_EIO) {
		vg_err_add(err, path, 0, "cannot read: %s", strerror(errno));
		rc = VG_ECONFIG;
	} else if (rc == VG_ENOMEM) {
		vg_err_add(err, path, 0, "out of memory");
	}
	close(fd);
	if (rc != 0)
		goto out;
	rc = parse_as(out, text, len, path, err, tool);
out:
	vg_free(text);
	return rc;
}

/* vg_conf_load - read and check the daemon's config at path */
int
vg_conf_load(struct vg_conf **out, const char *path, struct vg_err *err)
{
	return load_as(out, path, err, false);
}

/* vg_conf_load_tool - a config for a tool (conf.h), path NULL: defaults */
int
vg_conf_load_tool(struct vg_conf **out, const char *path, struct vg_err *err)
{
	return load_as(out, path, err, true);
}

/* vg_conf_free - free a config and every string in it */
void
vg_conf_free(struct vg_conf *conf)
{
	if (conf == NULL)
		return;
	for (size_t i = 0; i < VG_NELEM(keys); i++)
		if (keys[i].type == VG_CONF_STRING)
			vg_free(*(char **)field(conf, &keys[i]));
	vg_free(conf->path);
	vg_free(conf->lines);
	vg_free(conf);
}

/* vg_conf_line - the line that set key, 0 for a default */
unsigned
vg_conf_line(const struct vg_conf *conf, const char *key)
{
	if (conf->lines == NULL)
		return 0;
	for (size_t i = 0; i < VG_NELEM(keys); i++)
		if (strcmp(keys[i].name, key) == 0)
			return conf->lines[i];
	return 0;
}

/* same_value - whether key has the same value in a and b */
static bool
same_value(const struct vg_conf *a, const struct vg_conf *b,
    const struct vg_conf_key *key)
{
	const void *x = cfield(a, key), *y = cfield(b, key);
	const char *s, *t;

	switch (key->type) {
	case VG_CONF_STRING:
		s = *(char *const *)x;
		t = *(char *const *)y;
		if (s == NULL || t == NULL)
			return s == t;
		return strcmp(s, t) == 0;
	case VG_CONF_UINT:
		return *(const unsigned *)x == *(const unsigned *)y;
	case VG_CONF_SIZE:
	case VG_CONF_DURATION:
		return *(const uint64_t *)x == *(const uint64_t *)y;
	case VG_CONF_BOOL:
		return *(const bool *)x == *(const bool *)y;
	case VG_CONF_ACTION:
		return *(const enum vg_action *)x == *(const enum vg_action *)y;
	}
	return false;
}

/* vg_conf_unreloadable_change - the first daemon key that differs */
const char *
vg_conf_unreloadable_change(
    const struct vg_conf *old, const struct vg_conf *new_conf)
{
	for (size_t i = 0; i < VG_NELEM(keys); i++)
		if (!keys[i].reloadable && !same_value(old, new_conf, &keys[i]))
			return keys[i].name;
	return NULL;
}
