/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * conf - vigil.conf: one table of keys with defaults and bounds.
 *
 * PURPOSE  Parses the daemon's configuration file ("key = value" lines, '#'
 *	    comments, blank lines) into an immutable struct vg_conf.  One
 *	    table row per key carries its name, type, default, bounds,
 *	    whether a reload may change it, and one line of documentation
 *	    (Postfix CONFIG_*_TABLE); the table drives parsing, `vigil-milter
 *	    -t`, the example config and the man-page completeness test.
 *	    It lives in lib/ because `vigil scan -c` needs it too.
 * OWNS     vg_conf_load() returns a struct the caller frees with
 *	    vg_conf_free(); every string in it is owned by it.  Once built it
 *	    is never modified (an engine shares it read-only across threads).
 * LIMITS   A line longer than VG_CONF_LINE_MAX bytes and a file larger than
 *	    VG_CONF_FILE_MAX are errors; numeric keys have per-key bounds.
 * ERRORS   VG_ECONFIG with every problem recorded in the struct vg_err as
 *	    "file:line: reason": unknown key, duplicate key, bad or out of
 *	    range value, missing '=', missing required key, unreadable file
 *	    ("file: reason").  All errors are reported, not only the first.
 *	    VG_ENOMEM.
 * THREADS  A finished struct vg_conf may be read from any thread.
 */
#ifndef VG_CONF_H
#define VG_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/action.h"
#include "base/err.h"

#define VG_CONF_LINE_MAX     4096
#define VG_CONF_FILE_MAX     (1024 * 1024)
#define VG_CONF_DEFAULT_PATH "/etc/vigil/vigil.conf"

struct vg_conf {
	char *path; /* the file it was read from */

	/* Daemon (not changed by a reload; a change is logged and ignored). */
	char *socket;          /* unix:/path or inet:port@addr or inet6:... */
	char *user;            /* drop to this user after opening the socket */
	unsigned scan_workers; /* 0 = one per CPU */
	unsigned max_queued_scans;
	char *metrics_listen; /* "127.0.0.1:9899", "[::1]:9899"; "" = off */

	/* Message collection. */
	uint64_t max_message_size;      /* bytes, 25M */
	enum vg_action oversize_action; /* accept | tempfail | reject */
	uint64_t memory_limit;          /* bytes kept in memory before spill */
	char *tmp_dir;                  /* where spill files go (unlinked) */
	char *clamav_tmp_dir; /* libclamav's scan files: a private dir inside */
	unsigned max_header_count; /* headers indexed per message */
	uint64_t max_header_size;  /* bytes of one header line */
	unsigned max_recipients;   /* recipients recorded per message */

	/* Scanning and decisions. */
	bool virus_scan;       /* no = no ClamAV at all */
	char *virus_backend;   /* "clamav" | "clamd" */
	char *clamav_database; /* directory (virus_backend = clamav) */
	char *clamd_servers;   /* clamd: unix:/p, /p, host:port, [v6]:port */
	uint64_t clamd_timeout_ms;   /* connect and each read/write */
	enum vg_action virus_action; /* reject|discard|quarantine|tag|accept */
	enum vg_action unscanned_action; /* reject|quarantine|tag|accept */
	enum vg_action on_error;         /* tempfail | accept */
	uint64_t scan_timeout_ms;
	char *rules;           /* rules file path */
	char *prefilter_cache; /* compiled prefilter databases; "" none */
	char *authserv_id;     /* RFC 8601 authserv-id, default hostname */

	/* ClamAV scan limits (cl_engine_set_num), 0 = ClamAV's default. */
	uint64_t clamav_max_filesize;
	uint64_t clamav_max_scansize;
	unsigned clamav_max_recursion;
	unsigned clamav_max_files;
	uint64_t clamav_max_scantime_ms;

	/* Sender checks (DNS, SPF, DNS blacklists). */
	char *dns_servers;          /* "127.0.0.1:53, [::1]:53"; "" = system */
	uint64_t dns_timeout_ms;    /* one query */
	uint64_t dns_deadline_ms;   /* all lookups of one message */
	unsigned dns_cache_size;    /* entries */
	bool spf_reject_fail;       /* 550 5.7.23 on SPF fail */
	bool spf_check_helo;        /* also check the HELO identity */
	char *trusted_networks;     /* CIDR list: outbound, not SPF-checked */
	unsigned uribl_max_lookups; /* per message */
	bool dnsbl_check_received;  /* also check Received IPs */
	bool dkim;                  /* verify DKIM signatures */
	unsigned dkim_max_signatures; /* verified per message */
	uint64_t dkim_max_body_size;  /* canonical body bytes hashed */
	bool arc;                     /* validate ARC chains */
	unsigned arc_max_sets;        /* ARC sets per message */
	char *arc_trusted_sealers;    /* domain list: may override DMARC */
	bool dmarc;                   /* evaluate DMARC */
	bool dmarc_reject;            /* 550 on a p=reject failure */
	/* Outbound DKIM signing (net/dkim_keys.h); "" domains: off. */
	char *dkim_sign_domain;   /* "example.org, example.net:sel2" */
	char *dkim_sign_selector; /* s= for domains without their own */
	char *dkim_sign_key;      /* PEM file; %d domain, %s selector */

	/* Direction, abuse limits, attachments (direction.h, ratelimit.h,
	 * harvest.h, attach.h). */
	enum vg_action outbound_spam_action;  /* quarantine */
	enum vg_action outbound_virus_action; /* reject */
	unsigned ratelimit_auth_messages;     /* per login per hour, 0 = off */
	unsigned ratelimit_auth_recipients;
	unsigned ratelimit_internal_messages; /* per trusted client per hour */
	unsigned ratelimit_internal_recipients;
	unsigned ratelimit_external_connections; /* per client per minute */
	unsigned ratelimit_external_messages;
	char *ratelimit_store;       /* "memory" | "redis" */
	unsigned ratelimit_max_keys; /* keys of the memory store */
	unsigned harvest_threshold;  /* unknown recipients, 0 = off */
	uint64_t harvest_window_ms;
	uint64_t harvest_cooloff_ms;
	unsigned attach_archive_depth;   /* nested archives opened */
	unsigned attach_archive_members; /* members examined per attachment */
	uint64_t attach_member_bytes;    /* bytes read from one member */
	uint64_t attach_archive_bytes;   /* all members of one attachment */

	/* MIME decoding for the rules (struct vg_text_limits). */
	unsigned mime_max_depth;        /* nested multiparts */
	unsigned mime_max_parts;        /* leaf parts decoded */
	uint64_t mime_max_decoded_size; /* decoded text kept */
	uint64_t body_scan_size;        /* body view cut here */
	uint64_t rawbody_scan_size;     /* rawbody view cut here */
	unsigned max_uris;              /* links kept per message */

	/* The Redis server the stores set to redis share (store_redis.c). */
	char *redis;          /* host:port | [v6]:port | /socket; "" none */
	char *redis_password; /* "" = none */
	unsigned redis_db;    /* SELECT */
	uint64_t redis_timeout_ms;

	/* The learning classifier (learn/bayes.h, stages/check_bayes.c). */
	bool bayes;              /* run it */
	char *bayes_store;       /* "lmdb" | "redis" */
	char *bayes_path;        /* LMDB file */
	uint64_t bayes_max_size; /* LMDB map size */
	unsigned bayes_min_spam; /* learned before it speaks */
	unsigned bayes_min_ham;
	uint64_t bayes_token_ttl_ms; /* unlearned this long: forgotten */
	uint64_t bayes_snapshot_interval_ms; /* learn/snapshot.h; 0: off */
	uint64_t bayes_max_text_bytes;       /* body text tokenized */
	unsigned bayes_max_tokens;           /* distinct tokens per message */
	bool bayes_autolearn;

	/* Sender/IP reputation (policy/reputation.h, check_reputation.c). */
	bool reputation;               /* keep and score the counts */
	char *reputation_store;        /* "memory" | "redis" */
	unsigned reputation_max_keys;  /* keys of the memory store */
	uint64_t reputation_window_ms; /* counts fade over two of these */
	unsigned reputation_min_count; /* messages before a symbol speaks */
	unsigned reputation_ratio;     /* percent spam (or ham) it needs */

	/* Reload. */
	bool reload_in_place;                 /* free the old engine first */
	uint64_t signature_check_interval_ms; /* 0 = never look */
	char *sa_update_dir; /* sa-update's directory, "" = off */

	/* The line each key was set on (vg_conf_line()). */
	unsigned *lines;
};

enum vg_conf_type {
	VG_CONF_STRING,
	VG_CONF_UINT,
	VG_CONF_SIZE,
	VG_CONF_DURATION,
	VG_CONF_BOOL,
	VG_CONF_ACTION,
};

struct vg_conf_key {
	const char *name;
	enum vg_conf_type type;
	const char *def;   /* default as written in the file; NULL = none */
	uint64_t min, max; /* bounds for numbers (ms for durations) */
	unsigned actions;  /* VG_CONF_TYPE_ACTION: bitmask of 1u << action */
	bool required;     /* no default can be guessed */
	bool reloadable;   /* a reload may change it */
	size_t offset;     /* offsetof(struct vg_conf, field) */
	const char *doc;   /* one line for -t, the example and the man page */
};

/* vg_conf_keys - the table; *n_out is set to its length */
const struct vg_conf_key *vg_conf_keys(size_t *n_out);

/*
 * vg_conf_load - read and check path.  On success *out is a new config the
 * caller frees; on failure *out is NULL and err holds every problem.
 */
int vg_conf_load(struct vg_conf **out, const char *path, struct vg_err *err);

/*
 * vg_conf_load_tool - as vg_conf_load() for a front end that serves no
 * mail (`vigil scan`): socket is not required, nor clamav_database (the
 * caller sets it or turns virus_scan off); path NULL means no file at
 * all, every key at its default.
 */
int vg_conf_load_tool(
    struct vg_conf **out, const char *path, struct vg_err *err);

/*
 * vg_conf_parse - as vg_conf_load() on text already in memory; name is the
 * file name used in error messages.
 */
int vg_conf_parse(struct vg_conf **out, const char *text, size_t len,
    const char *name, struct vg_err *err);

/*
 * vg_conf_line - the line of conf->path that set key, 0 when it has its
 * default (or is no key), so a check made after loading can still say
 * "file:line: reason"
 */
unsigned vg_conf_line(const struct vg_conf *conf, const char *key);

/* vg_conf_free - free a config; NULL is a no-op */
void vg_conf_free(struct vg_conf *conf);

/*
 * vg_conf_unreloadable_change - the name of the first key that differs
 * between old and new but cannot change on reload, or NULL.
 */
const char *vg_conf_unreloadable_change(
    const struct vg_conf *old, const struct vg_conf *new_conf);

#endif /* VG_CONF_H */
