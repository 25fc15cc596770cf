/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_int - private structures shared by the rules parser and rules_eval.c.
 *
 * PURPOSE  The compiled form of a rules file.  The parser (rules_parse.c
 *	    and the files of rules_parse_int.h) builds it and resolves every
 *	    name at the end of a load; rules_eval.c only reads it.  Nothing
 *	    outside lib/rules/ includes this header.
 * OWNS     struct vg_rules owns every string, regex and array below.
 * THREADS  Read-only after vg_rules_parse() returns, except the atomic
 *	    limit_logged flag of each rule and the limit_rules counter.
 */
#ifndef VG_RULES_INT_H
#define VG_RULES_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"

/* Which part of a header a header rule looks at (:raw combines). */
enum vg_hdr_part {
	VG_HDR_VALUE,
	VG_HDR_RAW,
	VG_HDR_ADDR,
	VG_HDR_NAME,
	VG_HDR_ADDR_RAW,
	VG_HDR_NAME_RAW
};

/* Header names with a meaning of their own. */
enum vg_hdr_special {
	VG_HDR_NAMED,     /* an ordinary header name */
	VG_HDR_ALL,       /* every header, "Name: value" lines */
	VG_HDR_TOCC,      /* To and Cc together */
	VG_HDR_MESSAGEID, /* Message-Id and its variants (SpamAssassin) */
	VG_HDR_ENVFROM,   /* the envelope sender (MAIL FROM) */
	/* SpamAssassin's relay analysis (sa_received.c), its pseudo-headers
	 * X-Spam-Relays-Trusted, -Untrusted, -Internal, -External */
	VG_HDR_RELAYS_TRUSTED,
	VG_HDR_RELAYS_UNTRUSTED,
	VG_HDR_RELAYS_INTERNAL,
	VG_HDR_RELAYS_EXTERNAL,
};

/* One distinct header lookup; header rules sharing it share the work. */
struct vg_hdr_group {
	enum vg_hdr_special special;
	enum vg_hdr_part part;
	char *header; /* for VG_HDR_NAMED; NULL otherwise */
};

/* Meta expressions are kept in reverse Polish notation. */
enum vg_meta_op {
	VG_META_NUM,
	VG_META_RULE, /* value of a rule: 1 if it hit */
	VG_META_SYM,  /* value of a symbol in the result: 1 if present */
	VG_META_NOT,
	VG_META_NEG,
	VG_META_ADD,
	VG_META_SUB,
	VG_META_MUL,
	VG_META_DIV,
	VG_META_LT,
	VG_META_LE,
	VG_META_GT,
	VG_META_GE,
	VG_META_EQ,
	VG_META_NE,
	VG_META_AND,
	VG_META_OR,
};

struct vg_meta_tok {
	enum vg_meta_op op;
	double num;  /* VG_META_NUM */
	size_t rule; /* VG_META_RULE: index into rules */
	char *name;  /* operand name (RULE and SYM), owned */
};

struct vg_rule {
	char *name;
	enum vg_rule_kind kind;
	const char *file; /* owned by vg_rules.files */
	unsigned line;
	bool dead;    /* replaced (compat) or skipped at resolution */
	bool compat;  /* defined under vigil_compat spamassassin */
	bool sub;     /* name starts with "__": never scored or listed */
	double score; /* resolved at the end of the load */
	/* tflags multiple: each match is a hit, up to maxhits (at most
	 * VG_RULES_MAXHITS_MAX); 1 for an ordinary rule. */
	unsigned maxhits;

	/* Regex rules. */
	pcre2_code *re;
	pcre2_code *re_ml; /* body/rawbody: MULTILINE copy for whole-text */
	bool negate;       /* !~ */
	bool per_line;     /* anchors/lookbehind: never match whole text */
	/* The pattern's text and PCRE2 options, kept from the load until
	 * the prefilter is built (rules_prefilter.c), then freed. */
	char *pf_src;
	uint32_t opts;
	enum vg_rules_pf_state pf; /* where the prefilter put it */

	/* Header rules. */
	size_t group;   /* index into vg_rules.groups */
	bool exists;    /* exists:Header */
	char *if_unset; /* value when the header is absent, or NULL */

	/* Meta rules. */
	struct vg_meta_tok *rpn; /* owned, or in vg_rules.meta_rpn if packed */
	size_t nrpn;
	bool rpn_packed; /* rpn lies in vg_rules.meta_rpn (names still owned) */

	/* eval: rules (rules_evalfn.h): the function and its arguments. */
	const struct vg_evalfn *efn;
	struct vg_evalargs *eargs;

	/* The definition as written, kept during the load for replace_rules
	 * (rules_replace.c) when it may hold a <tag>; NULL after. */
	char *src;

	atomic_bool limit_logged;
};

/* Everything said about one name: a rule, a score, a describe, ... */
struct vg_rname {
	char *name;
	long rule; /* index into rules, -1 if none */
	bool has_score;
	double score;
	char *describe;
	bool nice;        /* tflags nice */
	bool multiple;    /* tflags multiple */
	unsigned maxhits; /* tflags maxhits=N; 0 when not given */
	int priority;     /* priority NAME N (SpamAssassin; see rules.5) */
	bool skipped;     /* compat mode skipped its definition */
	bool dnsbl;       /* declared by dnsbl or uribl */
	/*
	 * A 4-number score line's second number (SpamAssassin's score set
	 * 1: network tests on, Bayes off), which a network rule mapped onto
	 * a Vigil check (sa_net.c) scores with; else the one number.
	 */
	bool has_score1;
	double score1;
	bool net; /* a SpamAssassin network rule mapped by sa_net.c */
};

struct vg_evalfn;
struct vg_evalargs;
struct vg_rules_replace;
struct vg_rules_freemail;
struct vg_rules_fns;
struct vg_rules_uridetail;
/* vigil_prefilter: auto (the default), on, off (rules_prefilter.c). */
enum vg_rules_pf_mode {
	VG_PF_AUTO,
	VG_PF_ON,
	VG_PF_OFF,
};

struct vg_rules {
	struct vg_rule *rules;
	size_t nrules, caprules;
	/*
	 * The live meta rules' tokens, one block in evaluation order
	 * (vg_rules_meta_pack): every message walks them all, and scattered
	 * they missed the cache on nearly every rule (issue 13).
	 */
	struct vg_meta_tok *meta_rpn;

	/* Rules defined under vigil_compat spamassassin so far: what the
	 * own rules' "if spamassassin" tests (rules_compat.c). */
	size_t nsa_rules;

	struct vg_rname *names;
	size_t nnames, capnames;
	size_t *hash; /* open addressing: index + 1 into names, 0 empty */
	size_t hashsize;

	struct vg_hdr_group *groups;
	size_t ngroups, capgroups;

	/* Evaluation order: indices of live rules by kind (header rules
	 * sorted by group, metas in dependency order). */
	size_t *order[VG_RULE_KIND_MAX];
	size_t norder[VG_RULE_KIND_MAX];

	/* eval: rules, in definition order (rules_evalfn.c runs them). */
	size_t *eval_order;
	size_t neval_order;

	/* freemail_domains and friends (sa_freemail.c), NULL when none. */
	struct vg_rules_freemail *freemail;
	/* fns_* settings (sa_fromnamespoof.c), NULL: the defaults. */
	struct vg_rules_fns *fns;
	/* uri_detail rules' criteria (sa_uridetail.c), NULL when none. */
	struct vg_rules_uridetail *uridetail;

	/* replace_tag and friends (rules_replace.c), NULL when none. */
	struct vg_rules_replace *replace;

	/* Per-plugin counts of rules loaded and skipped (compat mode). */
	struct vg_rules_plugin_stat *plugins;
	size_t nplugins, capplugins;

	struct vg_rules_dnsbl *dnsbls;
	size_t ndnsbls, capdnsbls;
	/* uridnsbl_skip_domain (sa_net.c): lower case, never looked up */
	char **uriskip;
	size_t nuriskip, capuriskip;

	char **files;
	size_t nfiles, capfiles;

	double required, reject;
	double autolearn_spam, autolearn_ham; /* NAN: not set */
	double reputation_ham;                /* NAN: not set */
	char *subject_tag;
	/* X-Spam-* templates: [0] ham, [1] spam (rules_headers.c). */
	struct vg_rules_hdr hdrs[2][VG_RULES_HDR_MAX];
	size_t nhdrs[2];
	uint32_t match_limit, depth_limit;

	/* The Hyperscan prefilter (rules_prefilter.c); NULL when off. */
	enum vg_rules_pf_mode pf_mode; /* vigil_prefilter */
	struct vg_pf *pf;

	struct vg_rules_stats stats;
	atomic_size_t limit_rules;

	/* Each rules-file module's state (vg_rules_modules[] order). */
	void *module_state[VG_RULES_MODULES_MAX];
};

/* vg_rules_name_find - the entry for name, or NULL */
const struct vg_rname *vg_rules_name_find(
    const struct vg_rules *r, const char *name);

#endif /* VG_RULES_INT_H */
