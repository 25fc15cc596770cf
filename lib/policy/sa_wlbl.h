/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_wlbl - SpamAssassin's welcomelist and blocklist directives, as an SA
 * site writes them in local.cf, and the tests SpamAssassin runs on them
 * (its WLBLEval plugin, and the welcomelist halves of its SPF and DKIM
 * plugins).
 *
 * PURPOSE  A site leaving SpamAssassin keeps its local.cf.  Its lists
 *	    load with the same meaning: welcomelist_from (old name
 *	    whitelist_from), blocklist_from (blacklist_from),
 *	    unwelcomelist_from, unblocklist_from, welcomelist_to,
 *	    blocklist_to, more_spam_to, all_spam_to, welcomelist_auth
 *	    (whitelist_auth), def_welcomelist_auth, welcomelist_from_spf,
 *	    def_welcomelist_from_spf, welcomelist_from_dkim,
 *	    def_welcomelist_from_dkim, unwelcomelist_auth, and the
 *	    WelcomeListSubject plugin's welcomelist_subject and
 *	    blocklist_subject (each old "whitelist"/"blacklist" name too),
 *	    enlist_addrlist (NAME) for WLBLEval's check_from_in_list,
 *	    check_to_in_list and check_replyto_in_list, and enlist_uri_host
 *	    (NAME), blocklist_uri_host, welcomelist_uri_host for
 *	    check_uri_host_listed.  Entries are SpamAssassin's
 *	    address globs: '*' any run of characters, '?' one, compared
 *	    without case over the whole address.  vg_sa_wlbl_eval() runs
 *	    one test on the facts of one message; its tests are
 *	    SpamAssassin's eval functions, named as SpamAssassin names them
 *	    (vg_sa_wlbl_fn()), so that an eval: registry can call them for
 *	    "header USER_IN_WELCOMELIST eval:check_from_in_welcomelist()"
 *	    (sa_wlbleval.c); for a symbol no rule defines, check_sa_wlbl.c
 *	    adds it itself.  vg_sa_wlbl_gather() collects the addresses of
 *	    one message for both (sa_wlbl_addrs.c).
 * SEMANTICS As SpamAssassin 4.0:
 *	    - FROM addresses: Resent-From's first address when there is a
 *	      Resent-From, else From, Envelope-Sender, Resent-Sender,
 *	      X-Envelope-From and the envelope sender (all_from_addrs);
 *	      check_from_in_welcomelist hits when one matches
 *	      welcomelist_from, check_from_in_blocklist when one matches
 *	      blocklist_from (a welcomelist entry does not cancel it: the
 *	      scores add up).
 *	    - TO addresses: Resent-To and Resent-Cc's first addresses when
 *	      there are any, else the "for <addr>" of the first three
 *	      Received, To, Cc and the envelope-recipient headers
 *	      (all_to_addrs); check_to_in_welcomelist, _blocklist,
 *	      _more_spam, _all_spam against welcomelist_to, blocklist_to,
 *	      more_spam_to, all_spam_to.
 *	    - SPF: the envelope sender matches welcomelist_from_spf or
 *	      welcomelist_auth (def_ lists for the def_ test) and SPF passed
 *	      for it (Vigil's own SPF check).
 *	    - Subject: the decoded Subject, without case, contains an entry
 *	      of welcomelist_subject (check_subject_in_welcomelist) or
 *	      blocklist_subject (_blocklist): SpamAssassin turns an entry
 *	      into an unanchored regex with '*' any run and '?' one
 *	      character.  An empty Subject never hits.
 *	    - DKIM: a FROM address matches welcomelist_from_dkim or
 *	      welcomelist_auth (def_ lists for the def_ test) and a DKIM
 *	      signature passed (Vigil's own DKIM check) whose d= is the
 *	      address's domain, or the domain the welcomelist_from_dkim
 *	      entry names, or a parent domain of either.
 *	    un* directives remove an entry given before, as written.
 * OWNS     vg_sa_wlbl_new() lists are freed with vg_sa_wlbl_free();
 *	    entries are copied, lower-cased.
 * LIMITS   An entry is at most VG_SA_WLBL_ENTRY_MAX bytes; a set holds at
 *	    most VG_SA_WLBL_MAX_ENTRIES entries in all: more, a rules-file
 *	    error.  Lists are searched linearly.  Glob matching is linear in
 *	    the address for each '*' (no exponential backtracking).
 * ERRORS   vg_sa_wlbl_directive(): 1 handled, 0 not ours, VG_ECONFIG
 *	    (file:line: reason in err), VG_ENOMEM.
 * THREADS  Finished lists are read-only and may be shared.
 */
#ifndef VG_SA_WLBL_H
#define VG_SA_WLBL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define VG_SA_WLBL_ENTRY_MAX   320
#define VG_SA_WLBL_MAX_ENTRIES 100000

struct vg_rules;
struct vg_rules_module;

/* The tests, in the order their symbols are added. */
enum vg_sa_wlbl_test {
	VG_SA_WLBL_FROM_WELCOME, /* USER_IN_WELCOMELIST */
	VG_SA_WLBL_FROM_BLOCK,   /* USER_IN_BLOCKLIST */
	VG_SA_WLBL_TO_WELCOME,   /* USER_IN_WELCOMELIST_TO */
	VG_SA_WLBL_TO_BLOCK,     /* USER_IN_BLOCKLIST_TO */
	VG_SA_WLBL_TO_MORE_SPAM, /* USER_IN_MORE_SPAM_TO */
	VG_SA_WLBL_TO_ALL_SPAM,  /* USER_IN_ALL_SPAM_TO */
	VG_SA_WLBL_SPF_WELCOME,  /* USER_IN_SPF_WELCOMELIST */
	VG_SA_WLBL_DKIM_WELCOME, /* USER_IN_DKIM_WELCOMELIST */
	VG_SA_WLBL_DEF_SPF,      /* USER_IN_DEF_SPF_WL */
	VG_SA_WLBL_DEF_DKIM,     /* USER_IN_DEF_DKIM_WL */
	VG_SA_WLBL_SUBJ_WELCOME, /* SUBJECT_IN_WELCOMELIST */
	VG_SA_WLBL_SUBJ_BLOCK,   /* SUBJECT_IN_BLOCKLIST */
	VG_SA_WLBL_TEST_MAX,
};

/* What one message offers the tests; every string borrowed, lower case. */
struct vg_sa_wlbl_facts {
	const char *const *from; /* all_from_addrs */
	size_t nfrom;
	const char *const *to; /* all_to_addrs */
	size_t nto;
	const char *envfrom;          /* the envelope sender, "" when none */
	bool spf_pass;                /* SPF passed for envfrom */
	const char *const *dkim_pass; /* d= of each passing DKIM signature */
	size_t ndkim_pass;
	const char *subject; /* decoded Subject, any case; NULL: not known */
};

struct vg_sa_wlbl;

/* vg_sa_wlbl_new - empty lists; VG_ENOMEM */
int vg_sa_wlbl_new(struct vg_sa_wlbl **out);
/* vg_sa_wlbl_free - NULL is a no-op */
void vg_sa_wlbl_free(struct vg_sa_wlbl *w);

/*
 * vg_sa_wlbl_directive - one local.cf line whose first word is dir (see
 * ERRORS above).
 */
int vg_sa_wlbl_directive(struct vg_sa_wlbl *w, const char *dir,
    const char *args, const char *file, unsigned line, struct vg_err *err);

/* vg_sa_wlbl_empty - whether no list has an entry (nothing to test) */
bool vg_sa_wlbl_empty(const struct vg_sa_wlbl *w);

/*
 * vg_sa_wlbl_eval - whether test t hits on f: the eval function
 * vg_sa_wlbl_fn(t) of SpamAssassin.  A NULL w never hits.
 */
bool vg_sa_wlbl_eval(const struct vg_sa_wlbl *w, enum vg_sa_wlbl_test t,
    const struct vg_sa_wlbl_facts *f);

/*
 * vg_sa_wlbl_in_list - whether one of n addresses matches the named list
 * of "enlist_addrlist (name) ..." (SpamAssassin's check_from_in_list
 * and friends); false for a list never named
 */
bool vg_sa_wlbl_in_list(const struct vg_sa_wlbl *w, const char *name,
    const char *const *a, size_t n);

/*
 * vg_sa_wlbl_uri_listed - whether one of n URI hosts (lower case) is in
 * the list name of enlist_uri_host (blocklist_uri_host: BLOCK,
 * welcomelist_uri_host: WELCOME): the host or its nearest parent domain
 * listed, and not as "!" (SpamAssassin's check_uri_host_listed)
 */
bool vg_sa_wlbl_uri_listed(const struct vg_sa_wlbl *w, const char *name,
    const char *const *hosts, size_t n);

/* vg_sa_wlbl_symbol - "USER_IN_WELCOMELIST", ... */
const char *vg_sa_wlbl_symbol(enum vg_sa_wlbl_test t);
/* vg_sa_wlbl_fn - SpamAssassin's eval function, "check_from_in_welcomelist" */
const char *vg_sa_wlbl_fn(enum vg_sa_wlbl_test t);
/* vg_sa_wlbl_score - SpamAssassin 4's default score (60_welcomelist*.cf) */
double vg_sa_wlbl_score(enum vg_sa_wlbl_test t);
/*
 * vg_sa_wlbl_find_fn - the test whose eval function (or old name,
 * check_from_in_whitelist ...) is name; -1 when none
 */
int vg_sa_wlbl_find_fn(const char *name);

/* vg_sa_wlbl_glob - SpamAssassin's address glob: pat against addr */
bool vg_sa_wlbl_glob(const char *pat, const char *addr);

/* The rules-file module (policy/rules_modules.c) and its lists in r. */
extern const struct vg_rules_module vg_sa_wlbl_rules_module;
/* vg_sa_wlbl_of - r's lists, or NULL (no rules, or none loaded) */
const struct vg_sa_wlbl *vg_sa_wlbl_of(const struct vg_rules *r);

/*
 * The addresses of one message (sa_wlbl_addrs.c): VG_SA_WLBL_ADDRS of
 * each kind are gathered (more are not looked at); an address longer
 * than VG_SA_WLBL_ENTRY_MAX bytes cannot match and is not gathered.
 */
#define VG_SA_WLBL_ADDRS 64

struct vg_sa_wlbl_addrlist {
	char a[VG_SA_WLBL_ADDRS][VG_SA_WLBL_ENTRY_MAX + 1];
	const char *p[VG_SA_WLBL_ADDRS];
	size_t n;
};

/*
 * What vg_sa_wlbl_gather() fills; about 42 KiB: allocate it (need not be
 * zeroed: gather sets what it uses).
 */
struct vg_sa_wlbl_store {
	struct vg_sa_wlbl_addrlist from, to;
	char envfrom[VG_SA_WLBL_ENTRY_MAX + 1];
	const char *dkim[VG_SA_WLBL_ADDRS];
};

struct vg_msg;

/*
 * vg_sa_wlbl_gather - the FROM and TO addresses and the envelope sender
 * of msg (SpamAssassin's all_from_addrs, all_to_addrs) into st, and f
 * pointing into st; f's SPF, DKIM and subject facts are left false/empty
 * for the caller.  st need not be zeroed.  0 or VG_ENOMEM.
 */
int vg_sa_wlbl_gather(struct vg_sa_wlbl_store *st, struct vg_sa_wlbl_facts *f,
    const struct vg_msg *msg);

#endif /* VG_SA_WLBL_H */
