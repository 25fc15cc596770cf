/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_evalfn - SpamAssassin's eval: tests, implemented in C: the
 * registry of functions, the plugins Vigil stands in for, and the
 * per-message view the functions read.
 *
 * PURPOSE  "header NAME eval:fn(args)" loads when fn is in the table
 *	    (rules_evalfn.c): its arguments are parsed once at load into
 *	    struct vg_evalargs, and the rule then runs like any other (score,
 *	    describe, metas).  An unknown fn is skipped and counted, per
 *	    plugin.  "ifplugin X", "if plugin(X)" and "if can(X::has_y)" are
 *	    true for the plugins and features of the table (vg_sa_plugin(),
 *	    vg_sa_can()).  The functions live by plugin: sa_headereval.c,
 *	    sa_mimeeval.c, sa_bodyeval.c, sa_htmleval.c, sa_date.c; SpamAssassin's Perl
 *	    (Mail::SpamAssassin::Plugin::*) is their specification.
 * OWNS     Arguments belong to the rule (vg_evalargs_free()).  struct
 *	    vg_sactx lives on the evaluating thread's stack for one message
 *	    and owns nothing.
 * LIMITS   VG_EVALFN_MAX_ARGS arguments of VG_EVALFN_ARG_MAX bytes: more,
 *	    an error (skipped in compat mode).
 * THREADS  The table is constant; a vg_sactx is one thread's.
 */
#ifndef VG_RULES_EVALFN_H
#define VG_RULES_EVALFN_H

#include <stdbool.h>
#include <stddef.h>

#include "rules/rules_int.h"

struct vg_msg;
struct vg_text;

#define VG_EVALFN_MAX_ARGS 4
/* Parts whose headers MIMEHeader rules read (sa_mimeheader.c). */
#define VG_SAMIME_HDR_PARTS 256
#define VG_EVALFN_ARG_MAX   256

/* Arguments of one eval: test as written (quotes removed), and as numbers. */
struct vg_evalargs {
	size_t n;
	char *str[VG_EVALFN_MAX_ARGS];
	double num[VG_EVALFN_MAX_ARGS]; /* nan("") when not a number */
	int sel; /* what a function's prepare() chose (an enum of its own) */
	pcre2_code *re; /* a regex argument a prepare() compiled, or NULL */
	enum vg_rule_kind kind; /* of the rule (set before prepare()) */
};

/* The slots of struct vg_sactx's cache, one per plugin above rules/. */
enum vg_sactx_cache {
	VG_SACTX_WLBL, /* policy/sa_wlbleval.c */
	VG_SACTX_PDF,  /* sa_pdfinfo.c */
	VG_SACTX_CACHES,
};

/* Per-message facts, computed on first use and shared by every eval test. */
struct vg_sactx {
	const struct vg_rules *r;
	const struct vg_msg *msg;
	const struct vg_text *text;
	/* The evaluating thread's match data (one pair) and context (the
	 * rules' match and depth limits, JIT stack): vg_sactx_match(). */
	pcre2_match_data *md;
	pcre2_match_context *mc;
	/* body text facts (sa_bodyeval.c) */
	bool have_body;
	size_t body_len;  /* bytes of the body without the subject */
	double upper_pct; /* check_for_uppercase */
	bool upper_done;
	/* FromNameSpoof's findings (sa_fromnamespoof.c), bits; 0: not yet */
	unsigned fns;
	/* Date minus first Received, seconds (sa_date.c) */
	bool date_done;
	double date_diff;
	/* MIME facts (sa_mimeeval.c's walk of the raw message) */
	bool mime_done;
	struct vg_samime {
		size_t html, text, base64, qp, attachment, ascii_illegal;
		size_t normal_chars, unicode_chars, qp_bytes, qp_count;
		bool base64_text, qp_long_line, bad_iso, limit, multi_alt;
		bool missing_mime_headers, missing_hb_sep, epilogue;
		bool ma_non_text;
		size_t b64_maxlen; /* longest raw line of a base64 part */
		/* ImageInfo (sa_imageinfo.c): [0] all, gif, png, jpeg */
		size_t img_count[4];
		double img_area[4];
		double mp_ratio;
		/* while walking */
		size_t parts, last_html, last_plain;
		bool have_html, have_plain;
		/* each part's raw header block, the message's first
		 * (sa_mimeheader.c); the first VG_SAMIME_HDR_PARTS */
		const char *hdr_s[VG_SAMIME_HDR_PARTS];
		const char *hdr_e[VG_SAMIME_HDR_PARTS];
		size_t nhdrs;
	} mime;
	/*
	 * Per-message facts of the plugins above rules/ (policy/sa_*.c),
	 * made on first use by the plugin; each is one block the loop
	 * vg_free()s after the message.
	 */
	void *cache[VG_SACTX_CACHES];
	/*
	 * SpamAssassin's relays (rules/sa_received.h's vg_sa_relays_get()),
	 * a slot of vg_rules_eval()'s: the header rules' X-Spam-Relays-*
	 * and RelayEval share one parse
	 */
	struct vg_sa_relays **relays;
};

/* One eval function. */
struct vg_evalfn {
	const char *name;
	const char
	    *plugin;    /* SpamAssassin plugin, without Mail::...::Plugin:: */
	unsigned kinds; /* 1u << VG_RULE_* it may be used in */
	size_t min_args, max_args;
	/* Check and pre-digest the arguments; 0 or VG_ECONFIG (why set). */
	int (*prepare)(struct vg_evalargs *a, char *why, size_t whylen);
	/* Hits: 0 miss, 1 hit (more for tflags multiple). */
	int (*run)(struct vg_sactx *c, const struct vg_evalargs *a);
};

#define VG_K(k) (1u << (k))
#define VG_K_ANY                                                               \
	(VG_K(VG_RULE_HEADER) | VG_K(VG_RULE_BODY) | VG_K(VG_RULE_RAWBODY) |   \
	    VG_K(VG_RULE_FULL) | VG_K(VG_RULE_URI))

/* Each plugin file's functions, ended by a row with a NULL name. */
extern const struct vg_evalfn vg_sa_headereval[];
extern const struct vg_evalfn vg_sa_forgedrcvd[];
extern const struct vg_evalfn vg_sa_mimeeval[];
extern const struct vg_evalfn vg_sa_bodyeval[];
extern const struct vg_evalfn vg_sa_htmleval[];
extern const struct vg_evalfn vg_sa_misceval[];
extern const struct vg_evalfn vg_sa_dateeval[];
extern const struct vg_evalfn vg_sa_freemail[];
extern const struct vg_evalfn vg_sa_imageinfo[];
extern const struct vg_evalfn vg_sa_pdfinfo[];
extern const struct vg_evalfn vg_sa_fromnamespoof[];
/* Plugins above rules/, in policy/ (they read its lists and settings). */
extern const struct vg_evalfn vg_sa_wlbleval[];
extern const struct vg_evalfn vg_sa_relayeval[];

/* vg_sa_mime - the MIME facts of c's message, walked on first use */
const struct vg_samime *vg_sa_mime(struct vg_sactx *c);
/*
 * vg_sa_image_part - count one image leaf of the MIME walk (base64
 * image/gif, png, jpeg): its type and, from its header, its area
 */
void vg_sa_image_part(struct vg_samime *m, const char *ctype, const char *cte,
    const char *body, const char *end);

/*
 * vg_sa_mimeheader_compile - "Header[:raw] =~ /regex/" of a mimeheader
 * rule (def, written into) into rule->efn and rule->eargs; 0,
 * VG_ECONFIG (why), VG_ENOMEM (sa_mimeheader.c)
 */
int vg_sa_mimeheader_compile(
    struct vg_rule *rule, char *def, char *why, size_t whylen);
/*
 * vg_sa_uridetail_compile - "KEY =~ /re/ ..." of a uri_detail rule (def,
 * written into) into r's criteria, rule->efn and rule->eargs; 0,
 * VG_ECONFIG (why; *skip when compat mode skips it), VG_ENOMEM
 * (sa_uridetail.c)
 */
int vg_sa_uridetail_compile(struct vg_rules *r, struct vg_rule *rule, char *def,
    char *why, size_t whylen, bool *skip);
/* vg_sa_mimeheader_finish - give a mimeheader rule its maxhits */
void vg_sa_mimeheader_finish(struct vg_rule *rule);

/*
 * vg_sa_reg_domain - SpamAssassin's domain of host name[0..n)
 * (RegistryBoundaries::uri_to_domain): its registrable domain by the
 * ICANN section of libpsl's public suffix list, lower case, or the name
 * itself for an IPv4 address, into out; false when it has none (not a
 * valid name, an unknown top-level domain, a public suffix itself)
 * (sa_fromnamespoof.c)
 */
bool vg_sa_reg_domain(char *out, size_t size, const char *name, size_t n);

/* vg_evalfn_find - the function called name, or NULL */
const struct vg_evalfn *vg_evalfn_find(const char *name);

/*
 * vg_evalfn_compile - "fn(args)" (after "eval:") into rule->efn and
 * rule->eargs.  0; VG_ECONFIG with the reason in why and *plugin the
 * plugin to count it under (an unknown function or bad arguments);
 * VG_ENOMEM.
 */
int vg_evalfn_compile(struct vg_rule *rule, enum vg_rule_kind kind,
    const char *def, char *why, size_t whylen, const char **plugin);

/* vg_evalargs_free - free what args own (the struct is the rule's) */
void vg_evalargs_free(struct vg_evalargs *a);

/*
 * vg_sa_plugin - whether Vigil implements SpamAssassin plugin name (with
 * or without the Mail::SpamAssassin::Plugin:: prefix)
 */
bool vg_sa_plugin(const char *name);
/* vg_sa_can - whether "can(name)" is true: a feature Vigil honours */
bool vg_sa_can(const char *name);
/*
 * vg_sa_plugin_short - the plugin part of "Mail::SpamAssassin::Plugin::X"
 * or "...Plugin::X::has_y" into out ("X"); false when name is no plugin
 */
bool vg_sa_plugin_short(const char *name, char *out, size_t size);

/*
 * vg_rules_plugin_index - the index of plugin name in r's per-plugin
 * counts, added when new; -1 when out of memory or past
 * VG_RULES_PLUGINS_MAX (then the counts go to no plugin)
 */
int vg_rules_plugin_index(struct vg_rules *r, const char *name);

/* Record n hits of rule i: rules_eval.c's vg_rules_record(). */
typedef int (*vg_rules_record_fn)(const struct vg_rules *r, size_t i,
    unsigned n, struct vg_rules_hits *hits, struct vg_symset *out);

struct vg_sa_relays;
/*
 * vg_rules_eval_sa - run every eval: rule of r over one message, recording
 * hits with record.  relays: the message's relays slot (see struct
 * vg_sactx; the caller frees it), or NULL for one of its own.  VG_ENOMEM.
 */
int vg_rules_eval_sa(const struct vg_rules *r, const struct vg_msg *msg,
    const struct vg_text *text, struct vg_rules_hits *hits,
    struct vg_symset *out, vg_rules_record_fn record,
    struct vg_sa_relays **relays, pcre2_match_data *md,
    pcre2_match_context *mc);

/* sactx helpers (rules_evalfn.c) */

/* vg_sactx_header - the i-th (0 first) decoded value of header name, NULL */
const char *vg_sactx_header(
    const struct vg_sactx *c, const char *name, bool raw, size_t i);
/*
 * vg_sactx_match - pcre2_match() of re over s[0..len) from start, with
 * the thread's match data and limits (no allocation per call); the
 * match's offsets, when it returns >= 0, in vg_sactx_ovector(c)
 */
int vg_sactx_match(const struct vg_sactx *c, const pcre2_code *re,
    const char *s, size_t len, size_t start);
/* vg_sactx_ovector - the last vg_sactx_match()'s start and end */
const PCRE2_SIZE *vg_sactx_ovector(const struct vg_sactx *c);
/* vg_sactx_header_count - how many headers are called name */
size_t vg_sactx_header_count(const struct vg_sactx *c, const char *name);

#endif /* VG_RULES_EVALFN_H */
