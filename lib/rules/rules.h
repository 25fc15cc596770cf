/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules - the compiled rules file (thresholds, rules, scores).
 *
 * PURPOSE  The rules file is all of the tuning: rules, scores and
 *	    thresholds.  Its language is documented in vigil.rules(5).  This
 *	    header is the part the engine and the verdict need; the rule
 *	    language itself lives in the parser (rules_parse.c and the
 *	    files it drives, rules_parse_int.h) and rules_eval.c.
 * OWNS     vg_rules_load() returns rules the caller frees with
 *	    vg_rules_free().  Compiled once per engine, read-only after.
 * ERRORS   VG_ECONFIG with "file:line: reason" in err; VG_ENOMEM; VG_EIO.
 * THREADS  Finished rules may be read from any thread.
 */
#ifndef VG_RULES_H
#define VG_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct vg_rules;
struct vg_msg;
struct vg_text;
struct vg_symset;

#define VG_DEF_REQUIRED_SCORE 5.0
#define VG_DEF_REJECT_SCORE   15.0
/* The classifier's autolearn (check_bayes.c): reject_score + 5, and -1. */
#define VG_DEF_AUTOLEARN_SPAM_MARGIN 5.0
#define VG_DEF_AUTOLEARN_HAM         (-1.0)
/* The reputation's ham (check_reputation.c): a score below this. */
#define VG_DEF_REPUTATION_HAM 1.0

/* vg_rules_load - parse and compile a rules file */
int vg_rules_load(struct vg_rules **out, const char *path, struct vg_err *err);
/* vg_rules_free - NULL is a no-op */
void vg_rules_free(struct vg_rules *rules);

/* Thresholds and tagging; NULL rules give the defaults. */
double vg_rules_required_score(const struct vg_rules *rules);
double vg_rules_reject_score(const struct vg_rules *rules);
/*
 * vg_rules_autolearn_spam - the score the rules alone must reach for a
 * message to be learned as spam (autolearn_spam_score, else reject_score
 * + VG_DEF_AUTOLEARN_SPAM_MARGIN); vg_rules_autolearn_ham - at most this
 * to be learned as ham (autolearn_ham_score, else VG_DEF_AUTOLEARN_HAM)
 */
double vg_rules_autolearn_spam(const struct vg_rules *rules);
double vg_rules_autolearn_ham(const struct vg_rules *rules);
/*
 * vg_rules_reputation_ham - an accepted inbound message whose score
 * without REP_* symbols is below this counts as ham for the reputation
 * (reputation_ham_score, else VG_DEF_REPUTATION_HAM)
 */
double vg_rules_reputation_ham(const struct vg_rules *rules);
/* vg_rules_subject_tag - prefix for tagged subjects, "" = none */
const char *vg_rules_subject_tag(const struct vg_rules *rules);

/*
 * The X-Spam-* headers a message gets (rules_headers.c): NAME is written
 * as X-Spam-NAME, TMPL is a SpamAssassin template (core/spamhdr.h renders
 * it).  Limits of add_header; errors past them.
 */
#define VG_RULES_HDR_MAX          32
#define VG_RULES_HDR_NAME_MAX     64
#define VG_RULES_HDR_TEMPLATE_MAX 1024

struct vg_rules_hdr {
	char *name;
	char *tmpl;
};

/*
 * vg_rules_headers - the ham (spam false) or spam list, in the order the
 * headers are added; *n_out its length.  Borrowed from rules.
 */
const struct vg_rules_hdr *vg_rules_headers(
    const struct vg_rules *rules, bool spam, size_t *n_out);
/*
 * vg_rules_score - the score the rules file gives a symbol (built-in checks
 * such as SPF_FAIL are scored there too); def when it gives none.
 */
double vg_rules_score(
    const struct vg_rules *rules, const char *symbol, double def);

/*
 * The rest of this header is the rules language (the parser, rules_eval.c;
 * vigil.rules(5)).
 *
 * LIMITS   Each of these is an error (file:line: reason) when a rules file
 *	    passes it: a line is at most VG_RULES_LINE_MAX bytes and a file
 *	    VG_RULES_FILE_MAX; includes nest at most VG_RULES_INCLUDE_DEPTH
 *	    deep and if/ifplugin blocks VG_RULES_IF_DEPTH; a rules set holds
 *	    VG_RULES_MAX_RULES rules; a meta expression holds at most
 *	    VG_RULES_META_MAX_TOKENS tokens, VG_RULES_META_NEST levels of
 *	    parentheses and names of VG_RULES_META_NAME_MAX bytes; metas
 *	    depend on metas at most VG_RULES_META_CHAIN deep.  Each regex
 *	    match runs under a PCRE2 match limit and depth limit
 *	    (directives vigil_match_limit / vigil_depth_limit, defaults
 *	    below) and a JIT stack of VG_RULES_JIT_STACK_MAX (rules_eval.c):
 *	    a rule that reaches one counts as not matched, the message is
 *	    still scored, and the event is logged once per rule per loaded
 *	    rules set.  A header lookup keeps its first
 *	    VG_RULES_HDR_VALUE_MAX bytes (rules_eval.c).  vigil.rules(5),
 *	    LIMITS, lists them all.
 * THREADS  vg_rules_eval() and vg_rules_eval_meta() may run concurrently
 *	    on one struct vg_rules: each thread has its own PCRE2 match
 *	    data, match context and JIT stack, and its own Hyperscan scratch
 *	    for the prefilter (made at its first call, freed when it exits;
 *	    the Hyperscan databases are shared read-only); the only shared
 *	    write is an atomic "limit already logged" flag per rule.
 */
#define VG_RULES_LINE_MAX        32768
#define VG_RULES_FILE_MAX        (64u * 1024 * 1024) /* each file */
#define VG_RULES_INCLUDE_DEPTH   16
#define VG_RULES_IF_DEPTH        32 /* nested if/ifplugin in one file */
#define VG_RULES_MAX_RULES       100000
#define VG_RULES_META_MAX_TOKENS 1024
#define VG_RULES_META_NEST       64
#define VG_RULES_META_NAME_MAX   255
#define VG_RULES_META_CHAIN      1000
#define VG_RULES_DEF_MATCH_LIMIT 1000000
#define VG_RULES_DEF_DEPTH_LIMIT 10000
/* Hits one "tflags multiple" rule counts per message (maxhits at most). */
#define VG_RULES_MAXHITS_MAX 65535

/* Where SpamAssassin's rules live (Debian): sa-update's and packaged. */
#define VG_RULES_SA_VAR_ROOT  "/var/lib/spamassassin"
#define VG_RULES_SA_SHARE_DIR "/usr/share/spamassassin"
/* The sa_update_dir setting that finds them (vg_rules_sa_resolve()). */
#define VG_RULES_SA_AUTO "auto"

/*
 * vg_rules_sa_resolve - the directory vigil.conf's sa_update_dir = setting
 * names, into out (size bytes): setting itself for a path; "" for ""
 * (off); for "auto", the newest var_root/VERSION (a name like 4.000001,
 * as sa-update writes) holding a *.cf, else share_dir when it holds a
 * *.cf, else "" (not installed).  0, or VG_ELIMIT when the name does not
 * fit in out.
 */
int vg_rules_sa_resolve(char *out, size_t size, const char *setting,
    const char *var_root, const char *share_dir);

/*
 * vg_rules_load_sa - SpamAssassin's rule set from sa-update's directory
 * sa_dir, resolved by vg_rules_sa_resolve() ("auto" finds it; "" or
 * nothing found: the rules file alone), its *.cf in name order, in compat
 * mode (the packaged rules when an explicit directory holds none), then
 * the rules file at path (rules_sadir.c).  Returns and fails as
 * vg_rules_load().
 */
int vg_rules_load_sa(struct vg_rules **out, const char *path,
    const char *sa_dir, struct vg_err *err);

/* vg_rules_parse - as vg_rules_load() on text in memory named name */
int vg_rules_parse(struct vg_rules **out, const char *text, size_t len,
    const char *name, struct vg_err *err);

/* What a rule matches. */
enum vg_rule_kind {
	VG_RULE_HEADER,
	VG_RULE_BODY,
	VG_RULE_RAWBODY,
	VG_RULE_FULL,
	VG_RULE_URI,
	VG_RULE_META,
	VG_RULE_KIND_MAX,
};

/* vg_rule_kind_name - "header", "body", ... */
const char *vg_rule_kind_name(enum vg_rule_kind kind);

/* What SpamAssassin compatibility mode skipped, by kind. */
enum vg_rules_skip {
	VG_SKIP_EVAL,      /* rules whose test is eval:... */
	VG_SKIP_IFPLUGIN,  /* lines inside skipped ifplugin/if blocks */
	VG_SKIP_DIRECTIVE, /* directives Vigil does not run */
	VG_SKIP_REGEX,     /* regexes PCRE2 cannot compile */
	VG_SKIP_META,      /* metas naming a rule that was skipped */
	VG_SKIP_PSEUDO,    /* header rules on SA pseudo-headers */
	VG_SKIP_KIND_MAX,
};

/* vg_rules_skip_name - "eval", "ifplugin", ... */
const char *vg_rules_skip_name(enum vg_rules_skip kind);

struct vg_rules_stats {
	size_t rules[VG_RULE_KIND_MAX]; /* loaded rules by kind */
	size_t subrules;                /* of those, named __* */
	size_t scored;                  /* loaded rules with a non-zero score */
	size_t skipped[VG_SKIP_KIND_MAX];
	size_t unknown_scores; /* score lines for names never defined */
	size_t dnsbl, uribl;   /* dnsbl / uribl directives */
	size_t files;          /* files read, includes counted */
	size_t limit_rules;    /* rules that have reached a match limit */
	/* The Hyperscan prefilter (rules_prefilter.c, vigil.rules(5)). */
	bool prefilter;             /* built and on */
	size_t prefilter_rules;     /* regex rules it gates */
	size_t prefilter_always;    /* regex rules it cannot: PCRE2 always */
	size_t prefilter_dbs;       /* databases (one per text matched) */
	size_t prefilter_bytes;     /* their size */
	double prefilter_compile_s; /* time to compile or load them */
	size_t prefilter_cached;    /* databases read from the cache */
	/* Databases neither cached nor compiled (a deferred load). */
	size_t prefilter_pending;
};

/* Where the prefilter put a rule (vg_rules_prefilter_state). */
enum vg_rules_pf_state {
	VG_PF_NONE,   /* no regex (meta, exists:), or no prefilter */
	VG_PF_GATED,  /* PCRE2 runs only when Hyperscan saw a candidate */
	VG_PF_ALWAYS, /* Hyperscan refused it, or it matches per line */
};

/* vg_rules_prefilter_state - where the prefilter put rule i */
enum vg_rules_pf_state vg_rules_prefilter_state(
    const struct vg_rules *r, size_t i);
/*
 * vg_rules_prefilter_auto - what "vigil_prefilter auto" does in this process
 * for the rule sets loaded from now on: compile the prefilter (true, the
 * default: a daemon scores many messages per load) or not (a short run,
 * such as `vigil scan` of a few files, where compiling costs more than it
 * saves: about 20 s of CPU for SpamAssassin's rules, against 2-3 ms a
 * message).  Either way, databases found in the prefilter cache are used.
 * Without a cache, auto compiles only the texts with enough patterns to
 * pay for it at every load (rules_prefilter.c, VG_PF_AUTO_MIN); with one,
 * every text.  "on" compiles every text, "off" none.  Results are the
 * same either way; only the time differs.
 */
void vg_rules_prefilter_auto(bool build);
/*
 * vg_rules_prefilter_defer - while true, the rule sets loaded compile no
 * prefilter database, whatever their mode (auto or on): they take what
 * the prefilter cache has, run the other rules through PCRE2 alone (same
 * results), and count the databases they lack in
 * vg_rules_stats.prefilter_pending.  The daemon loads so and serves at
 * once, then loads the set again without deferring, off the mail path,
 * and swaps it in (milter/current.c).  Default false.
 */
void vg_rules_prefilter_defer(bool defer);
/*
 * vg_rules_prefilter_stop - the process is stopping: from now on no load
 * compiles a prefilter database, and a load compiling one (in another
 * thread) compiles no further one, so a stop waits at most for one
 * database (a few seconds), not for a whole rule set.  For good.
 */
void vg_rules_prefilter_stop(void);
/*
 * vg_rules_prefilter_cache - the directory where the prefilter keeps its
 * compiled databases for the rule sets loaded from now on
 * (rules_pfcache.h; vigil.conf prefilter_cache); NULL or "": none.  The
 * name is copied.  0 or VG_ENOMEM.
 */
int vg_rules_prefilter_cache(const char *dir);
/* vg_rules_prefilter_version - Hyperscan's version, or NULL if not built */
const char *vg_rules_prefilter_version(void);

/* vg_rules_stats - counts for `vigil rules check`; NULL rules: zeros */
void vg_rules_stats(const struct vg_rules *r, struct vg_rules_stats *out);

/*
 * Per SpamAssassin plugin (compat mode): rules loaded (eval: tests Vigil
 * implements, rules inside the plugin's blocks) and skipped (eval: tests
 * it does not, rules inside blocks of plugins it does not implement).
 * At most VG_RULES_PLUGINS_MAX plugins are counted; more are not.
 */
#define VG_RULES_PLUGINS_MAX 128
struct vg_rules_plugin_stat {
	char *name; /* "HeaderEval" */
	bool implemented;
	size_t loaded, skipped;
};

/* vg_rules_plugin_stats - r's per-plugin counts; *n_out how many */
const struct vg_rules_plugin_stat *vg_rules_plugin_stats(
    const struct vg_rules *r, size_t *n_out);

/*
 * Rules-file modules: a layer above rules/ with directives of its own (the
 * lists and the attachment policy, policy_parse.c) registers a row in
 * vg_rules_modules[] (policy/rules_modules.c).  Each rules set holds one
 * state per module, created before parsing, handed every line the parser
 * does not know, and freed with the rules; the module reads it back with
 * vg_rules_module_state().  So the parser includes nothing above it.
 */
struct vg_rules_module {
	const char *name;
	/* A fresh state for one rules set; VG_ENOMEM. */
	int (*create)(void **state_out);
	void (*free)(void *state);
	/*
	 * One line whose first word is dir: 1 handled, 0 not this
	 * module's, VG_ECONFIG (the "file:line: reason" is in err and the
	 * parser goes on), VG_ENOMEM.
	 */
	int (*directive)(void *state, const char *dir, const char *rest,
	    const char *file, unsigned line, struct vg_err *err);
};

#define VG_RULES_MODULES_MAX 4
extern const struct vg_rules_module *const vg_rules_modules[];
extern const size_t vg_rules_nmodules;

/* vg_rules_module_state - m's state in r; NULL for a NULL r or no state */
void *vg_rules_module_state(
    const struct vg_rules *r, const struct vg_rules_module *m);

/* DNS blacklists declared with dnsbl / uribl, for the DNSBL checks. */
enum vg_dnsbl_kind {
	VG_DNSBL_CLIENT,
	VG_DNSBL_URI
};

struct vg_rules_dnsbl {
	enum vg_dnsbl_kind kind;
	const char *name, *zone;
	const char *answers; /* "127.0.0.2,127.0.0.4", NULL = any answer */
	const char *file;
	unsigned line;
};

size_t vg_rules_dnsbl_count(const struct vg_rules *r);
/*
 * SpamAssassin's uridnsbl_skip_domain (compat mode): hosts and registrable
 * domains the URI lists never look up; lower case, borrowed from r.
 */
size_t vg_rules_uribl_skip_count(const struct vg_rules *r);
const char *vg_rules_uribl_skip(const struct vg_rules *r, size_t i);
/* vg_rules_dnsbl - the i-th declaration; borrowed from r */
const struct vg_rules_dnsbl *vg_rules_dnsbl(const struct vg_rules *r, size_t i);

/*
 * vg_rules_describe - the describe text of a rule or symbol (for a built-in
 * symbol the file does not describe, symbols.c's text), or NULL
 */
const char *vg_rules_describe(const struct vg_rules *r, const char *name);

/* Rules by index, for reports (the accuracy tool lists every rule). */
size_t vg_rules_count(const struct vg_rules *r);
/* vg_rules_name - name of rule i; borrowed from r */
const char *vg_rules_name(const struct vg_rules *r, size_t i);
/* vg_rules_kind - kind of rule i */
enum vg_rule_kind vg_rules_kind(const struct vg_rules *r, size_t i);

/*
 * Per-message hit state: which rules (sub-rules too) hit, carried from
 * vg_rules_eval() to vg_rules_eval_meta().  One per message.
 */
struct vg_rules_hits;

/* vg_rules_hits_new - all-clear hit state for r; VG_ENOMEM */
int vg_rules_hits_new(struct vg_rules_hits **out, const struct vg_rules *r);
/* vg_rules_hits_free - NULL is a no-op */
void vg_rules_hits_free(struct vg_rules_hits *hits);
/* vg_rules_hit - whether rule i hit (after eval / eval_meta) */
bool vg_rules_hit(const struct vg_rules_hits *hits, size_t i);
/*
 * vg_rules_hit_count - how many times rule i hit: 0 or 1, or up to its
 * maxhits for a "tflags multiple" rule (what a meta reads)
 */
unsigned vg_rules_hit_count(const struct vg_rules_hits *hits, size_t i);

/*
 * vg_rules_eval - run the header, body, rawbody, full and uri rules of r
 * over one message (text may be NULL: then only header-less rules that
 * need no text run, i.e. full).  Rules that hit with a non-zero score
 * are added to out (a stage result's syms) with their score; every hit,
 * sub-rules included, is recorded in hits (may be NULL).  VG_ENOMEM.
 */
int vg_rules_eval(const struct vg_rules *r, const struct vg_msg *msg,
    const struct vg_text *text, struct vg_rules_hits *hits,
    struct vg_symset *out);

/*
 * vg_rules_scratch_live - how many threads' matching scratches (match
 * data, context, JIT stack: see THREADS above) are alive in the process;
 * for tests, which check a thread makes one and frees it when it exits.
 */
size_t vg_rules_scratch_live(void);

/*
 * vg_rules_eval_meta - run the meta rules over hits and over the symbols
 * already in out (built-in checks, dnsbl names); hitting metas with a
 * non-zero score are added to out.  hits may be NULL (then only symbols
 * in out count).  VG_ENOMEM.
 */
int vg_rules_eval_meta(const struct vg_rules *r, struct vg_rules_hits *hits,
    struct vg_symset *out);

/* One live rule of a loaded set; every pointer borrowed from the set. */
struct vg_rules_info {
	const char *name;
	enum vg_rule_kind kind;
	const char *file; /* the file that defined it */
	unsigned line;
	double score; /* resolved: 0 for sub-rules and unscored rules */
	bool sub;     /* named __*: never scored or listed in results */
	bool compat;  /* defined under vigil_compat spamassassin */
};

/*
 * vg_rules_foreach - call fn for every rule r runs (not the skipped or
 * replaced ones), in the order they were defined; a NULL r calls nothing.
 */
void vg_rules_foreach(const struct vg_rules *r,
    void (*fn)(void *arg, const struct vg_rules_info *info), void *arg);

/*
 * vg_rules_defines - whether r runs a rule called name (not a skipped one,
 * not a score or describe alone); false for a NULL r
 */
bool vg_rules_defines(const struct vg_rules *r, const char *name);

#endif /* VG_RULES_H */
