/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_rules_sarelay - SpamAssassin's WLBLEval, WelcomeListSubject and
 * RelayEval eval functions in the eval registry (policy/sa_wlbleval.c,
 * policy/sa_relayeval.c) and the Received-header parse they read
 * (rules/sa_received.c): each eval test over real messages that hit and
 * that miss it, each Received format against the relay SpamAssassin
 * 4.0.1 made of it (spamassassin -D metadata -L -t, Debian's package,
 * run by hand: its X-Spam-Relays-* lines are written below), the trust
 * path with and without trusted_networks, the settings' errors and
 * limits, and the check stage leaving a rule-defined symbol alone.
 */
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/compiler.h"
#include "base/err.h"
#include "core/result.h"
#include "message/msg.h"
#include "message/text.h"
#include "policy/sa_relays.h"
#include "policy/sa_wlbl.h"
#include "rules/rules.h"
#include "rules/sa_received.h"
#include "rules/symset.h"
#include "stages/check_ops.h"

/* load - rules from text; fails the test on error */
static struct vg_rules *
load(const char *src)
{
	struct vg_rules *r = NULL;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_msg(
	    vg_rules_parse(&r, src, strlen(src), "t.rules", &err) == 0,
	    "rules: %s", vg_err_text(&err));
	return r;
}

/* msg_of - a finished message from text (envelope sender env or NULL) */
static struct vg_msg *
msg_of(const char *raw, const char *env)
{
	struct vg_msg_limits ml;
	struct vg_msg *m = NULL;

	memset(&ml, 0, sizeof(ml));
	ml.max_size = 64 << 20;
	ml.memory_limit = 64 << 20;
	ml.max_headers = 1000;
	ml.max_header_size = 1 << 20;
	ml.max_rcpts = 100;
	ml.tmp_dir = "/tmp";
	ck_assert_int_eq(vg_msg_from_bytes(&m, &ml, raw, strlen(raw)), 0);
	if (env != NULL)
		ck_assert_int_eq(vg_msg_set_from(m, env), 0);
	return m;
}

/* hits_of - whether each rule of r hit raw: " NAME NAME " into out */
static void
hits_of(struct vg_rules *r, const char *raw, const char *env, char *out,
    size_t size)
{
	struct vg_msg *m = msg_of(raw, env);
	struct vg_text_limits tl;
	struct vg_text *t = NULL;
	struct vg_rules_hits *hits = NULL;
	struct vg_symset res;
	size_t len;

	vg_text_limits_default(&tl);
	ck_assert_int_eq(vg_text_build(&t, m, &tl), 0);
	vg_symset_init(&res);
	ck_assert_int_eq(vg_rules_hits_new(&hits, r), 0);
	ck_assert_int_eq(vg_rules_eval(r, m, t, hits, &res), 0);
	ck_assert_int_eq(vg_rules_eval_meta(r, hits, &res), 0);
	snprintf(out, size, " ");
	for (size_t i = 0; i < vg_rules_count(r); i++) {
		len = strlen(out);
		if (vg_rules_hit(hits, i))
			snprintf(
			    out + len, size - len, "%s ", vg_rules_name(r, i));
	}
	vg_symset_fini(&res);
	vg_rules_hits_free(hits);
	vg_text_free(t);
	vg_msg_free(m);
}

/* ---- WLBLEval and WelcomeListSubject ---- */

/* As Debian's 60_welcomelist.cf and 60_welcomelist_subject.cf write them,
 * with a local.cf's lists. */
static const char wl_rules[] =
    "vigil_compat spamassassin\n"
    "welcomelist_from *@friend.example\n"
    "blocklist_from *@spammer.example\n"
    "welcomelist_to list@mine.example\n"
    "blocklist_to bad@mine.example\n"
    "more_spam_to more@mine.example\n"
    "all_spam_to all@mine.example\n"
    "welcomelist_subject [ilug] *ing\n"
    "blacklist_subject buy now\n"
    "enlist_addrlist (SUSP_NTLD) *@*.top *@*.icu\n"
    "ifplugin Mail::SpamAssassin::Plugin::WLBLEval\n"
    "if can(Mail::SpamAssassin::Conf::feature_welcomelist_blocklist)\n"
    "  header USER_IN_WELCOMELIST eval:check_from_in_welcomelist()\n"
    "  score USER_IN_WELCOMELIST -100\n"
    "  if !can(Mail::SpamAssassin::Conf::compat_welcomelist_blocklist)\n"
    "    meta USER_IN_WHITELIST (USER_IN_WELCOMELIST)\n"
    "    score USER_IN_WHITELIST -100\n"
    "    score USER_IN_WELCOMELIST -0.01\n"
    "  endif\n"
    "  header USER_IN_BLOCKLIST eval:check_from_in_blocklist()\n"
    "  header USER_IN_WELCOMELIST_TO eval:check_to_in_welcomelist()\n"
    "  header USER_IN_BLOCKLIST_TO eval:check_to_in_blocklist()\n"
    "  header USER_IN_DEF_WELCOMELIST "
    "eval:check_from_in_default_welcomelist()\n"
    "  body URI_HOST_IN_BLOCKLIST eval:check_uri_host_in_blocklist()\n"
    "endif\n"
    "if !can(Mail::SpamAssassin::Conf::feature_welcomelist_blocklist)\n"
    "  header OLD_NAMES_TAKEN eval:check_from_in_whitelist()\n"
    "endif\n"
    "header USER_IN_MORE_SPAM_TO eval:check_to_in_more_spam()\n"
    "header USER_IN_ALL_SPAM_TO eval:check_to_in_all_spam()\n"
    "header OLD_FROM eval:check_from_in_blacklist()\n"
    "header __FROM_ADDRLIST_SUSPNTLD eval:check_from_in_list('SUSP_NTLD')\n"
    "header __REPLYTO_ADDRLIST_SUSPNTLD "
    "eval:check_replyto_in_list('SUSP_NTLD')\n"
    "header __TO_LIST eval:check_to_in_list('SUSP_NTLD')\n"
    "header __NO_SUCH_LIST eval:check_from_in_list('NONE')\n"
    "endif\n"
    "ifplugin Mail::SpamAssassin::Plugin::WelcomeListSubject\n"
    "  header SUBJECT_IN_WELCOMELIST eval:check_subject_in_welcomelist()\n"
    "  header SUBJECT_IN_BLOCKLIST eval:check_subject_in_blacklist()\n"
    "endif\n";

static const struct {
	const char *raw, *env, *hits;
} wl_cases[] = {
    {"From: Ann <ann@friend.example>\nTo: list@mine.example\n"
     "Subject: hello\n\nhi\n",
        NULL, " USER_IN_WELCOMELIST USER_IN_WELCOMELIST_TO "},
    {"From: x@spammer.example\nTo: bad@mine.example, more@mine.example\n"
     "Subject: Buy NOW cheap\n\nhi\n",
        NULL,
        " USER_IN_BLOCKLIST USER_IN_BLOCKLIST_TO USER_IN_MORE_SPAM_TO "
        "OLD_FROM SUBJECT_IN_BLOCKLIST "},
    /* The envelope sender is a FROM address; Cc a TO address. */
    {"From: nobody@else.example\nCc: all@mine.example\n"
     "Subject: [ILUG] Testing\n\nhi\n",
        "bob@friend.example",
        " USER_IN_WELCOMELIST USER_IN_ALL_SPAM_TO SUBJECT_IN_WELCOMELIST "},
    /* Resent-From replaces the From addresses; the subject entry is
     * unanchored ("[ilug] *ing" is in "[ilug] sing"). */
    {"From: ann@friend.example\nResent-From: eve@other.example\n"
     "To: x@y.example\nSubject: Re: [ilug] sing it\n\nhi\n",
        NULL, " SUBJECT_IN_WELCOMELIST "},
    /* Named lists: From, Reply-To, To. */
    {"From: a@shop.top\nReply-To: b@deals.icu\nTo: c@win.top\n"
     "Subject: x\n\nhi\n",
        NULL,
        " __FROM_ADDRLIST_SUSPNTLD __REPLYTO_ADDRLIST_SUSPNTLD __TO_LIST "},
    {"From: a@shop.top.example\nReply-To: b@icu.example\nTo: c@x.example\n"
     "Subject: [ilug]\n\nhi\n",
        NULL, " "},
};

START_TEST(test_sarelay_wlbleval)
{
	struct vg_rules *r = load(wl_rules);
	char got[1024];

	hits_of(r, wl_cases[_i].raw, wl_cases[_i].env, got, sizeof(got));
	ck_assert_msg(strcmp(got, wl_cases[_i].hits) == 0,
	    "case %d: hits \"%s\", want \"%s\"", _i, got, wl_cases[_i].hits);
	vg_rules_free(r);
}
END_TEST

/* check_uri_host_listed over enlist_uri_host, and the BLOCK list. */
static const char uri_rules[] =
    "vigil_compat spamassassin\n"
    "enlist_uri_host (SUSP) top !good.top\n"
    "blocklist_uri_host bad.example\n"
    "ifplugin Mail::SpamAssassin::Plugin::WLBLEval\n"
    "header __SUSP eval:check_uri_host_listed('SUSP')\n"
    "body URI_HOST_IN_BLOCKLIST eval:check_uri_host_in_blocklist()\n"
    "body URI_HOST_IN_WELCOMELIST eval:check_uri_host_in_welcomelist()\n"
    "endif\n";

static const struct {
	const char *body, *hits;
} uri_cases[] = {
    {"see http://www.Shop.TOP/x today", " __SUSP "},
    {"see http://user@www.good.top:8080/x today", " "},
    {"see http://a.bad.example/ and http://x.example/",
        " URI_HOST_IN_BLOCKLIST "},
    {"mail me: mailto:x@shop.top or x@deal.top", " "},
    {"see http://bad.example.org/", " "},
};

START_TEST(test_sarelay_uri_host_listed)
{
	struct vg_rules *r = load(uri_rules);
	char raw[512], got[256];

	snprintf(raw, sizeof(raw),
	    "From: a@b.example\nSubject: s\nContent-Type: text/plain\n\n%s\n",
	    uri_cases[_i].body);
	hits_of(r, raw, NULL, got, sizeof(got));
	ck_assert_msg(strcmp(got, uri_cases[_i].hits) == 0,
	    "case %d: hits \"%s\", want \"%s\"", _i, got, uri_cases[_i].hits);
	vg_rules_free(r);
}
END_TEST

/* The rules load with SpamAssassin's scores. */
START_TEST(test_sarelay_wlbl_scores)
{
	struct vg_rules *r = load(wl_rules);

	ck_assert(vg_rules_defines(r, "USER_IN_WELCOMELIST"));
	ck_assert(vg_rules_defines(r, "SUBJECT_IN_BLOCKLIST"));
	ck_assert(!vg_rules_defines(r, "OLD_NAMES_TAKEN"));
	/* SpamAssassin's init.pre enables compat_welcomelist_blocklist: the
	 * old name USER_IN_WHITELIST is not defined, the new keeps -100. */
	ck_assert(vg_rules_score(r, "USER_IN_WELCOMELIST", 0) == -100);
	ck_assert(!vg_rules_defines(r, "USER_IN_WHITELIST"));
	vg_rules_free(r);
}
END_TEST

/*
 * The score stage's check adds USER_IN_* itself only for symbols no rule
 * defines: with the eval rule loaded, USER_IN_WELCOMELIST is the rule's
 * alone (no double count); USER_IN_WELCOMELIST_TO, not defined by these
 * rules, still comes from the check.
 */
START_TEST(test_sarelay_wlbl_no_double_count)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "welcomelist_from *@friend.example\n"
	    "welcomelist_to list@mine.example\n"
	    "ifplugin Mail::SpamAssassin::Plugin::WLBLEval\n"
	    "header USER_IN_WELCOMELIST eval:check_from_in_welcomelist()\n"
	    "score USER_IN_WELCOMELIST -0.01\n"
	    "endif\n";
	struct vg_rules *r = load(src);
	struct vg_msg *m = msg_of(
	    "From: ann@friend.example\nTo: list@mine.example\n\nhi\n", NULL);
	struct vg_result res;

	vg_result_init(&res, "score");
	ck_assert_int_eq(
	    vg_check_sa_wlbl_ops.collect(NULL, m, NULL, 0, r, &res), 0);
	ck_assert(!vg_symset_has(&res.syms, "USER_IN_WELCOMELIST"));
	ck_assert(vg_symset_has(&res.syms, "USER_IN_WELCOMELIST_TO"));
	vg_result_fini(&res);
	vg_msg_free(m);
	vg_rules_free(r);
}
END_TEST

/* Subject entries: the whole line is one entry; limits. */
START_TEST(test_sarelay_subject_directives)
{
	struct vg_sa_wlbl *w = NULL;
	struct vg_sa_wlbl_facts f;
	struct vg_err err;
	char big[400];

	memset(&f, 0, sizeof(f));
	vg_err_init(&err);
	ck_assert_int_eq(vg_sa_wlbl_new(&w), 0);
	ck_assert_int_eq(vg_sa_wlbl_directive(w, "welcomelist_subject",
	                     "  a  b?c  ", "t", 1, &err),
	    1);
	f.subject = "xx A  BXC yy";
	ck_assert(vg_sa_wlbl_eval(w, VG_SA_WLBL_SUBJ_WELCOME, &f));
	f.subject = "a bxc"; /* one blank: the entry has two */
	ck_assert(!vg_sa_wlbl_eval(w, VG_SA_WLBL_SUBJ_WELCOME, &f));
	f.subject = "";
	ck_assert(!vg_sa_wlbl_eval(w, VG_SA_WLBL_SUBJ_WELCOME, &f));
	f.subject = NULL;
	ck_assert(!vg_sa_wlbl_eval(w, VG_SA_WLBL_SUBJ_WELCOME, &f));
	ck_assert_int_eq(
	    vg_sa_wlbl_directive(w, "blocklist_subject", "", "t", 2, &err),
	    VG_ECONFIG);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(
	    vg_sa_wlbl_directive(w, "blocklist_subject", big, "t", 3, &err),
	    VG_ECONFIG);
	ck_assert_int_eq(vg_sa_wlbl_directive(
	                     w, "enlist_addrlist", "NOPAREN *@x", "t", 4, &err),
	    VG_ECONFIG);
	ck_assert_int_eq(
	    vg_sa_wlbl_directive(w, "enlist_addrlist", "(L)", "t", 5, &err),
	    VG_ECONFIG);
	vg_sa_wlbl_free(w);
}
END_TEST

/* ---- The Received parse ---- */

/*
 * One header and the relay SpamAssassin made of it ("" for none: a local
 * hand-over; "UNPARSEABLE" for one it could not parse).  The relays are
 * SpamAssassin's X-Spam-Relays-Untrusted items, intl and msa fields left
 * out (they are the trust path's).
 */
static const struct {
	const char *hdr, *want;
} rcvd_cases[] = {
    /* Postfix */
    {"from mail.example.com (mail.example.com [192.0.2.5])\n\tby "
     "mx.example.org (Postfix) with ESMTP id 1E90847C66\n\tfor "
     "<a@example.org>; Thu, 22 Aug 2002 09:44:02 -0400 (EDT)",
        "ip=192.0.2.5 rdns=mail.example.com helo=mail.example.com "
        "by=mx.example.org ident= envfrom= id=1E90847C66 auth="},
    {"from helo.example (unknown [198.51.100.7]) by mx.example.org "
     "(Postfix) with ESMTPSA id ABC; Thu, 22 Aug 2002 09:44:02 -0400",
        "ip=198.51.100.7 rdns= helo=helo.example by=mx.example.org ident= "
        "envfrom= id=ABC auth=ESMTPSA"},
    /* sendmail, "(may be forged)" (spam.00003 of the corpus) */
    {"from email.qves.com (email1.qves.net [209.63.151.251] (may be "
     "forged))\n\tby webnote.net (8.9.3/8.9.3) with ESMTP id OAA04953\n\t"
     "for <zzzz@spamassassin.taint.org>; Thu, 22 Aug 2002 14:37:23 +0100",
        "ip=209.63.151.251 rdns=email1.qves.net helo=email.qves.com "
        "by=webnote.net ident= envfrom= id=OAA04953 auth="},
    /* Microsoft SMTPSVC (the same message) */
    {"from qvp0086 ([169.254.6.17]) by email.qves.com with Microsoft "
     "SMTPSVC(5.0.2195.2966);\n\t Thu, 22 Aug 2002 07:36:20 -0600",
        "ip=169.254.6.17 rdns= helo=qvp0086 by=email.qves.com ident= "
        "envfrom= id= auth="},
    /* Exim */
    {"from [203.0.113.9] (helo=box.example)\n\tby mail.example.net with "
     "esmtp (Exim 4.96)\n\tid 1q2w3e-000abc-XY; Mon, 1 May 2023 10:00:00 "
     "+0000",
        "ip=203.0.113.9 rdns= helo=box.example by=mail.example.net ident= "
        "envfrom= id=1q2w3e-000abc-XY auth="},
    /* qmail's local hand-over and a fetchmail mark: not relays */
    {"(qmail 1234 invoked by uid 500); 22 Aug 2002 13:00:00 -0000", ""},
    {"from localhost [127.0.0.1] by phobos with IMAP (fetchmail-5.9.0) "
     "for jm@localhost (single-drop); Thu, 22 Aug 2002 13:36:58 +0100",
        "POP"},
    {"from nowhere by nothing", "UNPARSEABLE"},
};

START_TEST(test_sarelay_received_line)
{
	struct vg_sa_relay r;
	char s[4096];
	enum vg_sa_rcvd_kind k = vg_sa_received_line(
	    rcvd_cases[_i].hdr, strlen(rcvd_cases[_i].hdr), &r);

	if (strcmp(rcvd_cases[_i].want, "") == 0) {
		ck_assert_int_eq(k, VG_SA_RCVD_IGNORED);
		return;
	}
	if (strcmp(rcvd_cases[_i].want, "POP") == 0) {
		ck_assert_int_eq(k, VG_SA_RCVD_POP_FETCH);
		return;
	}
	if (strcmp(rcvd_cases[_i].want, "UNPARSEABLE") == 0) {
		ck_assert_int_eq(k, VG_SA_RCVD_UNPARSEABLE);
		return;
	}
	ck_assert_int_eq(k, VG_SA_RCVD_RELAY);
	snprintf(s, sizeof(s),
	    "ip=%s rdns=%s helo=%s by=%s ident=%s envfrom=%s id=%s auth=%s",
	    r.ip, r.rdns, r.helo, r.by, r.ident, r.envfrom, r.id, r.auth);
	ck_assert_msg(strcmp(s, rcvd_cases[_i].want) == 0, "got  %s\nwant %s",
	    s, rcvd_cases[_i].want);
}
END_TEST

/* The as_string and the private-address test. */
START_TEST(test_sarelay_relay_string)
{
	struct vg_sa_relay r;
	char s[64];

	ck_assert_int_eq(vg_sa_received_line(
	                     rcvd_cases[3].hdr, strlen(rcvd_cases[3].hdr), &r),
	    VG_SA_RCVD_RELAY);
	ck_assert(r.ip_private);
	ck_assert(!vg_sa_relay_string(&r, s, sizeof(s)));
	ck_assert(vg_sa_ip_private("10.1.2.3"));
	ck_assert(vg_sa_ip_private("172.31.0.1"));
	ck_assert(!vg_sa_ip_private("172.32.0.1"));
	ck_assert(vg_sa_ip_private("100.64.0.1"));
	ck_assert(vg_sa_ip_private("::ffff:192.168.1.1"));
	ck_assert(vg_sa_ip_private("fe80::1"));
	ck_assert(vg_sa_ip_private("::1"));
	ck_assert(!vg_sa_ip_private("2001:db8::1"));
	ck_assert(!vg_sa_ip_private("8.8.8.8"));
	ck_assert(!vg_sa_ip_private("not an ip"));
}
END_TEST

/* A header longer than the line limit, and blanks squeezed, parse. */
START_TEST(test_sarelay_received_limits)
{
	static const char head[] =
	    "from a.example (a.example [192.0.2.1]) by b.example (Postfix) "
	    "with ESMTP id X";
	size_t n = VG_SA_RCVD_LINE_MAX * 4;
	char *big = vg_malloc(n + 1);
	struct vg_sa_relay r;

	ck_assert_ptr_nonnull(big);
	memset(big, ' ', n);
	memcpy(big, head, strlen(head));
	memset(big + strlen(head) + 1, 'x', n - strlen(head) - 1);
	big[n] = '\0';
	ck_assert_int_eq(vg_sa_received_line(big, n, &r), VG_SA_RCVD_RELAY);
	ck_assert_str_eq(r.ip, "192.0.2.1");
	ck_assert_str_eq(r.by, "b.example");
	vg_free(big);
}
END_TEST

/* parse_some - parse a Received line many times on this thread */
static void *
parse_some(void *arg)
{
	struct vg_sa_relay r;
	size_t *live = arg;

	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(vg_sa_received_line(rcvd_cases[3].hdr,
		                     strlen(rcvd_cases[3].hdr), &r),
		    VG_SA_RCVD_RELAY);
	*live = vg_sa_received_live();
	return NULL;
}

/*
 * The parse state is the thread's (issue 13: no regex match data per
 * message): many parses on a thread make one, which goes with the thread.
 */
START_TEST(test_sarelay_parse_state_per_thread)
{
	size_t before, live = 0, mine;
	pthread_t t;

	parse_some(&mine);
	before = vg_sa_received_live();
	ck_assert_uint_ge(before, 1);
	parse_some(&mine);
	ck_assert_uint_eq(vg_sa_received_live(), before);
	ck_assert_int_eq(pthread_create(&t, NULL, parse_some, &live), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_uint_eq(live, before + 1);
	ck_assert_uint_eq(vg_sa_received_live(), before);
}
END_TEST

/* msg_with - a message with n Received headers of one relay each */
static char *
msg_with(size_t n, const char *first_ip)
{
	size_t size = 512 * (n + 2);
	char *raw = vg_malloc(size), *p = raw;

	ck_assert_ptr_nonnull(raw);
	for (size_t i = 0; i < n; i++)
		p += snprintf(p, size - (size_t)(p - raw),
		    "Received: from h%zu.example (h%zu.example [%s]) by "
		    "mx%zu.example (Postfix) with ESMTP id Q%zu\n",
		    i, i, i == 0 ? first_ip : "203.0.113.4", i, i);
	snprintf(p, size - (size_t)(p - raw), "From: a@b.example\n\nhi\n");
	return raw;
}

/* The trust path: inferred, configured, and the header limit. */
START_TEST(test_sarelay_trust_path)
{
	struct vg_sa_relays *rl;
	struct vg_sa_trust t;
	char *raw = msg_with(3, "10.0.0.1");
	struct vg_msg *m = msg_of(raw, NULL);

	/* none configured: the private first hop is trusted */
	memset(&t, 0, sizeof(t));
	ck_assert_ptr_nonnull(rl = vg_sa_relays_new(m, &t));
	ck_assert_uint_eq(rl->n, 3);
	ck_assert_uint_eq(rl->ntrusted, 1);
	ck_assert_uint_eq(rl->nuntrusted, 2);
	vg_free(rl);
	/* trusted_networks naming the public hop too */
	t.trusted = "10.0.0.0/8 203.0.113.0/24";
	ck_assert_ptr_nonnull(rl = vg_sa_relays_new(m, &t));
	ck_assert_uint_eq(rl->ntrusted, 3);
	ck_assert_uint_eq(rl->ninternal, 3); /* internal = trusted */
	vg_free(rl);
	t.internal = "10.0.0.0/8";
	ck_assert_ptr_nonnull(rl = vg_sa_relays_new(m, &t));
	ck_assert_uint_eq(rl->ntrusted, 3);
	ck_assert_uint_eq(rl->ninternal, 1);
	vg_free(rl);
	vg_msg_free(m);
	vg_free(raw);
	/* more Received headers than the limit: the newest are read */
	raw = msg_with(VG_SA_RCVD_MAX + 10, "10.0.0.1");
	m = msg_of(raw, NULL);
	memset(&t, 0, sizeof(t));
	ck_assert_ptr_nonnull(rl = vg_sa_relays_new(m, &t));
	ck_assert_uint_eq(rl->n, VG_SA_RCVD_MAX);
	ck_assert_str_eq(rl->relay[0].ip, "10.0.0.1");
	ck_assert_str_eq(rl->relay[VG_SA_RCVD_MAX - 1].ip, "203.0.113.4");
	vg_free(rl);
	vg_msg_free(m);
	vg_free(raw);
	/* no Received header: no relay, room for none needed */
	raw = msg_with(0, "10.0.0.1");
	m = msg_of(raw, NULL);
	ck_assert_ptr_nonnull(rl = vg_sa_relays_new(m, &t));
	ck_assert_uint_eq(rl->n, 0);
	ck_assert_uint_eq(rl->ntrusted + rl->nuntrusted, 0);
	vg_free(rl);
	vg_msg_free(m);
	vg_free(raw);
}
END_TEST

/* ---- RelayEval ---- */

static const char relay_rules[] =
    "vigil_compat spamassassin\n"
    "ifplugin Mail::SpamAssassin::Plugin::RelayEval\n"
    "header __UNPARSEABLE_RELAY_COUNT eval:check_relays_unparseable()\n"
    "header RCVD_HELO_IP_MISMATCH eval:helo_ip_mismatch()\n"
    "header __FORGED_RCVD_TRAIL eval:check_for_forged_received_trail()\n"
    "header FORGED_IP_HELO eval:check_for_forged_received_ip_helo()\n"
    "header NO_RDNS_DOTCOM_HELO eval:check_for_no_rdns_dotcom_helo()\n"
    "header ALL_TRUSTED eval:check_all_trusted()\n"
    "header NO_RELAYS eval:check_no_relays()\n"
    "header SENDER_NO_REV eval:check_for_sender_no_reverse()\n"
    "header NUMERIC_HELO eval:check_for_numeric_helo()\n"
    "header ILLEGAL_IP eval:check_for_illegal_ip()\n"
    "endif\n"
    "ifplugin Mail::SpamAssassin::Plugin::WLBLEval\n"
    "header __RP_MATCHES_RCVD eval:check_mailfrom_matches_rcvd()\n"
    "endif\n";

static const struct {
	const char *raw, *env, *hits;
} relay_cases[] = {
    /* No Received at all. */
    {"From: a@b.example\n\nhi\n", NULL, " NO_RELAYS "},
    /* Only a private hop: all trusted. */
    {"Received: from a (a [10.1.1.1]) by mx.example (Postfix) with ESMTP "
     "id 1\nFrom: a@b.example\n\nhi\n",
        NULL, " ALL_TRUSTED "},
    /* An unparseable one. */
    {"Received: from nowhere by nothing\nFrom: a@b.example\n\nhi\n", NULL,
        " __UNPARSEABLE_RELAY_COUNT "},
    /* HELO of a public IP in another /24 than the client; HELO
     * yahoo.com without reverse DNS; the envelope domain is the
     * relay's. */
    {"Received: from 198.51.100.9 (unknown [203.0.113.5]) by "
     "mx.example.org (Postfix) with SMTP id 2\n"
     "Received: from yahoo.com (unknown [192.0.2.77]) by "
     "relay.example.org (Postfix) with SMTP id 3\n"
     "From: a@b.example\n\nhi\n",
        NULL,
        " RCVD_HELO_IP_MISMATCH FORGED_IP_HELO NO_RDNS_DOTCOM_HELO "
        "NUMERIC_HELO "},
    /* A forged trail: each hop's by differs from the next's rDNS. */
    {"Received: from x.one.example (x.one.example [192.0.2.1]) by "
     "mx.alpha.example (Postfix) with ESMTP id 1\n"
     "Received: from y.two.example (y.two.example [192.0.2.2]) by "
     "mx.beta.example (Postfix) with ESMTP id 2\n"
     "Received: from z.three.example (z.three.example [192.0.2.3]) by "
     "mx.gamma.example (Postfix) with ESMTP id 3\n"
     "From: a@b.example\n\nhi\n",
        NULL, " __FORGED_RCVD_TRAIL SENDER_NO_REV "},
    /* A consistent trail; the sender's domain is the relay's. */
    {"Received: from mail.shop.example (mail.shop.example [192.0.2.1]) by "
     "mx.mine.example (Postfix) with ESMTP id 1\n"
     "From: a@shop.example\n\nhi\n",
        "bounce@news.shop.example", " SENDER_NO_REV __RP_MATCHES_RCVD "},
};

START_TEST(test_sarelay_relayeval)
{
	struct vg_rules *r = load(relay_rules);
	char got[1024];

	hits_of(r, relay_cases[_i].raw, relay_cases[_i].env, got, sizeof(got));
	ck_assert_msg(strcmp(got, relay_cases[_i].hits) == 0,
	    "case %d: hits \"%s\", want \"%s\"", _i, got, relay_cases[_i].hits);
	vg_rules_free(r);
}
END_TEST

/* The pseudo-headers, as 20_dynrdns.cf and 72_active.cf read them. */
static const char pseudo_rules[] =
    "vigil_compat spamassassin\n"
    "header __RDNS_NONE X-Spam-Relays-Untrusted =~ /^[^\\]]+ rdns= /\n"
    "header __NO_UNTRUSTED X-Spam-Relays-Untrusted !~ /./\n"
    "header __TRUSTED_PRIV X-Spam-Relays-Trusted =~ / ip=10\\./\n"
    "header __EXT_INTL0 X-Spam-Relays-External =~ / intl=0 /\n"
    "header __INTERNAL X-Spam-Relays-Internal =~ /by=mx\\.example /\n"
    "header __HAS_UNTRUSTED exists:X-Spam-Relays-Untrusted\n";

static const struct {
	const char *raw, *hits;
} pseudo_cases[] = {
    /* A trusted private hop, then a public one without reverse DNS. */
    {"Received: from a (a [10.1.1.1]) by mx.example (Postfix) with ESMTP "
     "id 1\nReceived: from h.example (unknown [203.0.113.5]) by "
     "a.example (Postfix) with ESMTP id 2\nFrom: a@b.example\n\nhi\n",
        " __RDNS_NONE __TRUSTED_PRIV __EXT_INTL0 __INTERNAL "
        "__HAS_UNTRUSTED "},
    /* No Received: the pseudo-headers are there, empty. */
    {"From: a@b.example\n\nhi\n", " __NO_UNTRUSTED __HAS_UNTRUSTED "},
    /* A public hop with reverse DNS. */
    {"Received: from h.example (h.example [203.0.113.5]) by a.example "
     "(Postfix) with ESMTP id 2\nFrom: a@b.example\n\nhi\n",
        " __EXT_INTL0 __HAS_UNTRUSTED "},
};

START_TEST(test_sarelay_pseudo_headers)
{
	struct vg_rules *r = load(pseudo_rules);
	char got[1024];

	hits_of(r, pseudo_cases[_i].raw, NULL, got, sizeof(got));
	ck_assert_msg(strcmp(got, pseudo_cases[_i].hits) == 0,
	    "case %d: hits \"%s\", want \"%s\"", _i, got,
	    pseudo_cases[_i].hits);
	vg_rules_free(r);
}
END_TEST

/* trusted_networks in local.cf: its forms, its errors. */
START_TEST(test_sarelay_trusted_networks)
{
	static const char ok[] =
	    "trusted_networks 192.168. 10.1/16 203.0.113.7 2001:db8::/32\n"
	    "internal_networks 192.168.0.0/16\n"
	    "msa_networks 192.168.5.5\n"
	    "clear_msa_networks\n"
	    "originating_ip_headers X-Foo-IP\n";
	struct vg_rules *r = load(ok);
	struct vg_sa_trust t;
	struct vg_err err;

	vg_sa_relays_trust(r, &t);
	ck_assert_str_eq(
	    t.trusted, "192.168.0.0/16 10.1.0.0/16 203.0.113.7 2001:db8::/32");
	ck_assert_str_eq(t.internal, "192.168.0.0/16");
	ck_assert_ptr_null(t.msa);
	ck_assert_uint_eq(t.norig_hdrs, 1);
	ck_assert_str_eq(t.orig_hdrs[0], "X-Foo-IP");
	vg_rules_free(r);
	/* An exclusion, a bad network and an empty line are errors. */
	{
		static const char *const bad[] = {
		    "trusted_networks !10.0.1.5 10.0.1/24\n",
		    "trusted_networks 10.0.0.0/99\n",
		    "internal_networks\n",
		};

		for (size_t i = 0; i < 3; i++) {
			r = NULL;
			vg_err_init(&err);
			ck_assert_int_ne(vg_rules_parse(&r, bad[i],
			                     strlen(bad[i]), "t", &err),
			    0);
			vg_rules_free(r);
		}
	}
}
END_TEST

/* The counts of vigil rules check: the plugins are implemented. */
START_TEST(test_sarelay_plugin_counts)
{
	struct vg_rules *r = load(relay_rules);
	const struct vg_rules_plugin_stat *ps;
	size_t n, found = 0;

	ps = vg_rules_plugin_stats(r, &n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ps[i].name, "RelayEval") == 0) {
			ck_assert(ps[i].implemented);
			ck_assert_uint_eq(ps[i].loaded, 10);
			ck_assert_uint_eq(ps[i].skipped, 0);
			found++;
		}
		if (strcmp(ps[i].name, "WLBLEval") == 0) {
			ck_assert(ps[i].implemented);
			found++;
		}
	}
	ck_assert_uint_eq(found, 2);
	vg_rules_free(r);
}
END_TEST

static Suite *
sarelay_suite(void)
{
	Suite *s = suite_create("rules_sarelay");
	TCase *tc = tcase_create("core");

	if (vg_text_global_init() != 0)
		abort();
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(
	    tc, test_sarelay_wlbleval, 0, (int)VG_NELEM(wl_cases));
	tcase_add_test(tc, test_sarelay_wlbl_scores);
	tcase_add_loop_test(
	    tc, test_sarelay_uri_host_listed, 0, (int)VG_NELEM(uri_cases));
	tcase_add_test(tc, test_sarelay_wlbl_no_double_count);
	tcase_add_test(tc, test_sarelay_subject_directives);
	tcase_add_loop_test(
	    tc, test_sarelay_received_line, 0, (int)VG_NELEM(rcvd_cases));
	tcase_add_test(tc, test_sarelay_relay_string);
	tcase_add_test(tc, test_sarelay_received_limits);
	tcase_add_test(tc, test_sarelay_parse_state_per_thread);
	tcase_add_test(tc, test_sarelay_trust_path);
	tcase_add_loop_test(
	    tc, test_sarelay_relayeval, 0, (int)VG_NELEM(relay_cases));
	tcase_add_loop_test(
	    tc, test_sarelay_pseudo_headers, 0, (int)VG_NELEM(pseudo_cases));
	tcase_add_test(tc, test_sarelay_trusted_networks);
	tcase_add_test(tc, test_sarelay_plugin_counts);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(sarelay_suite)
