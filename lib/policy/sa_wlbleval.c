/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_wlbleval - SpamAssassin's WLBLEval and WelcomeListSubject eval
 * functions in the eval registry (rules/rules_evalfn.h): the rules of
 * 60_welcomelist.cf and 60_welcomelist_subject.cf load and score as
 * SpamAssassin's files say (USER_IN_WELCOMELIST -0.01 with the meta
 * USER_IN_WHITELIST -100, and so on).  The lists are local.cf's
 * (sa_wlbl.c); the tests are vg_sa_wlbl_eval()'s.  The score stage's
 * check (check_sa_wlbl.c) leaves a symbol a rule defines to the rule, so
 * nothing counts twice.
 *
 * PURPOSE  check_from_in_welcomelist, check_from_in_blocklist,
 *	    check_to_in_welcomelist, check_to_in_blocklist,
 *	    check_to_in_more_spam, check_to_in_all_spam,
 *	    check_subject_in_welcomelist, check_subject_in_blocklist, each
 *	    under its old name too (..._whitelist, ..._blacklist);
 *	    check_from_in_list, check_to_in_list, check_replyto_in_list
 *	    (the lists of enlist_addrlist); check_mailfrom_matches_rcvd
 *	    (over policy/sa_relayeval.c's relays).
 *	    check_uri_host_listed, check_uri_host_in_blocklist and
 *	    _welcomelist over the hosts of Vigil's links (mailto: left
 *	    out) and the lists of enlist_uri_host.
 * DIFFERS  check_from_in_default_welcomelist reads
 *	    def_welcomelist_from_rcvd, which Vigil skips (counted by vigil
 *	    rules check): it loads and never hits, as in SpamAssassin with
 *	    the list empty (Debian's files give no entries).  The link
 *	    hosts are Vigil's URI list, without SpamAssassin's guessed
 *	    variants of links written without a scheme.
 *	    check_mailfrom_matches_rcvd compares registrable domains by the
 *	    public suffix list (SpamAssassin: its own registry boundaries,
 *	    20_aux_tlds.cf).  Out of memory, a test misses.
 * THREADS  Reentrant: the lists are read-only; the addresses are the
 *	    message's (struct vg_sactx's cache).
 */
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "message/hdr.h"
#include "message/msg.h"
#include "message/text.h"
#include "net/dmarc.h"
#include "policy/sa_relays.h"
#include "policy/sa_wlbl.h"
#include "rules/rules_evalfn.h"
#include "rules/sa_received.h"

/* The message's addresses, gathered once (struct vg_sactx cache). */
struct sa_wlbl_cache {
	struct vg_sa_wlbl_store st;
	struct vg_sa_wlbl_facts f;
};

/* sa_wlbl_facts - c's addresses, gathered on first use; NULL: no memory */
static const struct vg_sa_wlbl_facts *
sa_wlbl_facts(struct vg_sactx *c)
{
	struct sa_wlbl_cache *k = c->cache[VG_SACTX_WLBL];

	if (c->msg == NULL)
		return NULL;
	if (k == NULL) {
		/* not zeroed: 42 KiB a message, gather sets what it uses */
		if ((k = vg_malloc(sizeof(*k))) == NULL)
			return 0;
		if (vg_sa_wlbl_gather(&k->st, &k->f, c->msg) != 0) {
			vg_free(k);
			return 0;
		}
		k->f.subject = vg_sactx_header(c, "Subject", false, 0);
		c->cache[VG_SACTX_WLBL] = k;
	}
	return &k->f;
}

/* sa_wlbl_run - test t on c's message; 1 hit, 0 miss */
static int
sa_wlbl_run(struct vg_sactx *c, enum vg_sa_wlbl_test t)
{
	const struct vg_sa_wlbl *w = vg_sa_wlbl_of(c->r);
	const struct vg_sa_wlbl_facts *f;

	if (vg_sa_wlbl_empty(w) || (f = sa_wlbl_facts(c)) == NULL)
		return 0;
	return vg_sa_wlbl_eval(w, t, f) ? 1 : 0;
}

/* check_from_in_list(NAME): a FROM address in enlist_addrlist (NAME) */
static int
sa_from_in_list(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sa_wlbl *w = vg_sa_wlbl_of(c->r);
	const struct vg_sa_wlbl_facts *f;

	if (w == NULL || (f = sa_wlbl_facts(c)) == NULL)
		return 0;
	return vg_sa_wlbl_in_list(w, a->str[0], f->from, f->nfrom);
}

/* check_to_in_list(NAME): a TO address in the list */
static int
sa_to_in_list(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sa_wlbl *w = vg_sa_wlbl_of(c->r);
	const struct vg_sa_wlbl_facts *f;

	if (w == NULL || (f = sa_wlbl_facts(c)) == NULL)
		return 0;
	return vg_sa_wlbl_in_list(w, a->str[0], f->to, f->nto);
}

/* check_replyto_in_list(NAME): Reply-To's first address in the list */
static int
sa_replyto_in_list(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sa_wlbl *w = vg_sa_wlbl_of(c->r);
	const struct vg_header *h;
	struct vg_buf b;
	bool found = false;
	int hit = 0;

	if (w == NULL || c->msg == NULL ||
	    (h = vg_msg_header_find(c->msg, "Reply-To", 0)) == NULL)
		return 0;
	vg_buf_init(&b, VG_SA_WLBL_ENTRY_MAX + 64);
	if (vg_hdr_addr(&b, h->value, h->value_len, 0, &found) == 0 && found &&
	    b.len > 0) {
		const char *addr = vg_buf_cstr(&b);

		hit = vg_sa_wlbl_in_list(w, a->str[0], &addr, 1);
	}
	vg_buf_fini(&b);
	return hit;
}

/*
 * check_mailfrom_matches_rcvd(): the envelope sender's registrable
 * domain is that of the first untrusted relay's reverse DNS name (or,
 * with no untrusted relay, of a trusted one's)
 */
static int
sa_mailfrom_matches_rcvd(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sa_wlbl_facts *f = sa_wlbl_facts(c);
	const struct vg_sa_relays *rl = vg_sa_relays_of(c);
	const char *at, *dom;
	char ad[VG_SA_RCVD_FIELD_MAX], rd[VG_SA_RCVD_FIELD_MAX];
	size_t k, n;
	const size_t *idx;

	(void)a;
	if (f == NULL || rl == NULL || (at = strrchr(f->envfrom, '@')) == NULL)
		return 0;
	dom = at + 1;
	/* / \@ ( [^\@]+ \. [^\@]+ ) \z/x */
	if (strchr(dom, '.') == NULL || dom[0] == '.' ||
	    dom[strlen(dom) - 1] == '.')
		return 0;
	if (vg_dmarc_org_domain(ad, sizeof(ad), dom) != 0)
		return 0;
	if (rl->nuntrusted > 0) {
		idx = rl->untrusted;
		n = 1;
	} else {
		idx = rl->trusted;
		n = rl->ntrusted;
	}
	for (k = 0; k < n; k++) {
		const char *rdns = rl->relay[idx[k]].rdns;

		if (rdns[0] == '\0' ||
		    vg_dmarc_org_domain(rd, sizeof(rd), rdns) != 0)
			continue;
		if (strcmp(ad, rd) == 0)
			return 1;
	}
	return 0;
}

#define SA_WLBL_FN(fname, test)                                                \
	static int fname(struct vg_sactx *c, const struct vg_evalargs *a)      \
	{                                                                      \
		(void)a;                                                       \
		return sa_wlbl_run(c, test);                                   \
	}

SA_WLBL_FN(sa_from_welcome, VG_SA_WLBL_FROM_WELCOME)
SA_WLBL_FN(sa_from_block, VG_SA_WLBL_FROM_BLOCK)
SA_WLBL_FN(sa_to_welcome, VG_SA_WLBL_TO_WELCOME)
SA_WLBL_FN(sa_to_block, VG_SA_WLBL_TO_BLOCK)
SA_WLBL_FN(sa_to_more_spam, VG_SA_WLBL_TO_MORE_SPAM)
SA_WLBL_FN(sa_to_all_spam, VG_SA_WLBL_TO_ALL_SPAM)
SA_WLBL_FN(sa_subj_welcome, VG_SA_WLBL_SUBJ_WELCOME)
SA_WLBL_FN(sa_subj_block, VG_SA_WLBL_SUBJ_BLOCK)

/*
 * uri_host_listed - whether a host of one of c's links (mailto: left
 * out) is in the enlist_uri_host list name
 */
static int
uri_host_listed(struct vg_sactx *c, const char *name)
{
	const struct vg_sa_wlbl *w = vg_sa_wlbl_of(c->r);

	if (w == NULL || c->text == NULL)
		return 0;
	for (size_t i = 0; i < c->text->nuris; i++) {
		const char *u = c->text->uris[i], *h, *at;
		char host[VG_SA_WLBL_ENTRY_MAX + 1];
		const char *hp = host;
		size_t n;

		if (strncasecmp(u, "mailto:", 7) == 0 ||
		    (h = strstr(u, "://")) == NULL)
			continue;
		h += 3;
		n = strcspn(h, "/?#");
		at = memchr(h, '@', n);
		if (at != NULL) {
			n -= (size_t)(at + 1 - h);
			h = at + 1;
		}
		if (n > 0 && h[0] == '[') { /* an address literal */
			h++;
			n = strcspn(h, "]");
		} else {
			n = strcspn(h, ":/?#");
		}
		if (n == 0 || n >= sizeof(host))
			continue;
		for (size_t k = 0; k < n; k++)
			host[k] = (char)(h[k] >= 'A' && h[k] <= 'Z' ? h[k] + 32
			                                            : h[k]);
		host[n] = '\0';
		if (vg_sa_wlbl_uri_listed(w, name, &hp, 1))
			return 1;
	}
	return 0;
}

/* check_uri_host_listed(NAME) */
static int
sa_uri_host_listed(struct vg_sactx *c, const struct vg_evalargs *a)
{
	return uri_host_listed(c, a->str[0]);
}

/* check_uri_host_in_blocklist(): the list of blocklist_uri_host */
static int
sa_uri_host_block(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)a;
	return uri_host_listed(c, "BLOCK");
}

/* check_uri_host_in_welcomelist(): the list of welcomelist_uri_host */
static int
sa_uri_host_welcome(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)a;
	return uri_host_listed(c, "WELCOME");
}

/* A function whose list Vigil does not load (see DIFFERS): never hits. */
static int
sa_wlbl_no_list(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)c;
	(void)a;
	return 0;
}

#define SA_WLBL_ROW(fname, plug, fn)                                           \
	{                                                                      \
		.name = fname, .plugin = plug, .kinds = VG_K_ANY, .run = fn    \
	}

const struct vg_evalfn vg_sa_wlbleval[] = {
    SA_WLBL_ROW("check_from_in_welcomelist", "WLBLEval", sa_from_welcome),
    SA_WLBL_ROW("check_from_in_whitelist", "WLBLEval", sa_from_welcome),
    SA_WLBL_ROW("check_from_in_blocklist", "WLBLEval", sa_from_block),
    SA_WLBL_ROW("check_from_in_blacklist", "WLBLEval", sa_from_block),
    SA_WLBL_ROW("check_to_in_welcomelist", "WLBLEval", sa_to_welcome),
    SA_WLBL_ROW("check_to_in_whitelist", "WLBLEval", sa_to_welcome),
    SA_WLBL_ROW("check_to_in_blocklist", "WLBLEval", sa_to_block),
    SA_WLBL_ROW("check_to_in_blacklist", "WLBLEval", sa_to_block),
    SA_WLBL_ROW("check_to_in_more_spam", "WLBLEval", sa_to_more_spam),
    SA_WLBL_ROW("check_to_in_all_spam", "WLBLEval", sa_to_all_spam),
    SA_WLBL_ROW(
        "check_from_in_default_welcomelist", "WLBLEval", sa_wlbl_no_list),
    SA_WLBL_ROW("check_from_in_default_whitelist", "WLBLEval", sa_wlbl_no_list),
    SA_WLBL_ROW("check_uri_host_in_blocklist", "WLBLEval", sa_uri_host_block),
    SA_WLBL_ROW("check_uri_host_in_blacklist", "WLBLEval", sa_uri_host_block),
    SA_WLBL_ROW(
        "check_uri_host_in_welcomelist", "WLBLEval", sa_uri_host_welcome),
    SA_WLBL_ROW("check_uri_host_in_whitelist", "WLBLEval", sa_uri_host_welcome),
    {.name = "check_uri_host_listed",
        .plugin = "WLBLEval",
        .kinds = VG_K_ANY,
        .min_args = 1,
        .max_args = 1,
        .run = sa_uri_host_listed},
    {.name = "check_from_in_list",
        .plugin = "WLBLEval",
        .kinds = VG_K_ANY,
        .min_args = 1,
        .max_args = 1,
        .run = sa_from_in_list},
    {.name = "check_to_in_list",
        .plugin = "WLBLEval",
        .kinds = VG_K_ANY,
        .min_args = 1,
        .max_args = 1,
        .run = sa_to_in_list},
    {.name = "check_replyto_in_list",
        .plugin = "WLBLEval",
        .kinds = VG_K_ANY,
        .min_args = 1,
        .max_args = 1,
        .run = sa_replyto_in_list},
    SA_WLBL_ROW(
        "check_mailfrom_matches_rcvd", "WLBLEval", sa_mailfrom_matches_rcvd),
    SA_WLBL_ROW(
        "check_subject_in_welcomelist", "WelcomeListSubject", sa_subj_welcome),
    SA_WLBL_ROW(
        "check_subject_in_whitelist", "WelcomeListSubject", sa_subj_welcome),
    SA_WLBL_ROW(
        "check_subject_in_blocklist", "WelcomeListSubject", sa_subj_block),
    SA_WLBL_ROW(
        "check_subject_in_blacklist", "WelcomeListSubject", sa_subj_block),
    {.name = NULL},
};
