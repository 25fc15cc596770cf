/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stage_score - the spam-scoring stage: rules, built-in checks, metas.
 *
 * PURPOSE  Before the message: starts the client's DNS blacklist lookups
 *	    at CONNECT and its SPF lookup at MAIL FROM on the engine's
 *	    resolver, and refuses at RCPT TO a recipient the allow and block
 *	    lists refuse.  Then, for every message that is not oversized, in
 *	    two parts (stage.h, NETWORK WAITS).  scan_start, on the worker
 *	    pool: decodes the message once into a struct vg_text, runs the
 *	    rules over it, the CPU checks (attachment policy, allow and block
 *	    lists) and starts the blacklist lookups of the client and of the
 *	    URIs found.  collect, in the thread that waits for the scan:
 *	    evaluates SPF and collects the blacklist answers (check_ops.h),
 *	    all within one DNS deadline per message, then runs the meta
 *	    rules, which may combine rule and check symbols.  The verdict
 *	    module sums the symbols this stage leaves in the result.
 * OWNS     The rules belong to the engine (engine.c loads them and frees
 *	    them after the stage); the stage state only borrows them and
 *	    owns each check's state.  A message's scratch between the two
 *	    parts (rule hits, lookups in flight) is freed by work_free.
 * LIMITS   An oversized message gets no symbols (the verdict applies the
 *	    oversize policy).  Decoding limits are text.h's defaults.
 *	    dns_deadline_ms bounds SPF and the blacklists together, counted
 *	    from the start of collect; the scan's own deadline cuts it
 *	    shorter if it comes first.
 * ERRORS   scan_start(), collect(): VG_ENOMEM, or the code of a check or
 *	    decoder that failed, recorded with vg_result_fail().  DNS
 *	    failures and time-outs are *_TEMPERROR symbols.
 * THREADS  scan_start() and collect() run concurrently for different
 *	    messages; they only read the state.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/conf.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "message/msg.h"
#include "message/text.h"
#include "rules/rules.h"
#include "net/dnsbl.h"
#include "net/spf.h"
#include "policy/direction.h"
#include "policy/lists.h"
#include "policy/policy.h"
#include "core/session.h"
#include "core/stage.h"
#include "stages/check_ops.h"
#include "stages/stages.h"

/*
 * The built-in checks, in the order they run.  A new check is one file
 * (check_<name>.c, defining vg_check_<name>_ops) and one line here.
 */
static const struct vg_check_ops *const checks[] = {
    &vg_check_spf_ops,     /* check_spf.c */
    &vg_check_dkim_ops,    /* check_dkim.c */
    &vg_check_arc_ops,     /* check_arc.c: after DKIM, before DMARC */
    &vg_check_dmarc_ops,   /* check_dmarc.c: reads SPF, DKIM, ARC */
    &vg_check_dnsbl_ops,   /* check_dnsbl.c */
    &vg_check_attach_ops,  /* check_attach.c */
    &vg_check_lists_ops,   /* check_lists.c */
    &vg_check_sa_wlbl_ops, /* check_sa_wlbl.c: after SPF, DKIM */
    &vg_check_bayes_ops,   /* check_bayes.c: the learning classifier */
    /* check_reputation.c: after SPF, whose SPF_PASS it reads */
    &vg_check_reputation_ops,
};

#define VG_SCORE_NCHECKS VG_NELEM(checks)

struct vg_score_state {
	const struct vg_conf *conf;   /* borrowed from the engine */
	const struct vg_rules *rules; /* borrowed from the engine */
	struct vg_dns *dns;           /* the engine's resolver, or NULL */
	struct vg_text_limits lim;    /* from vigil.conf, or the defaults */
	void *check_state[VG_SCORE_NCHECKS];
};

/* vg_score_free - free each check's state and the stage state */
static void
vg_score_free(void *state)
{
	struct vg_score_state *st = state;
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < VG_SCORE_NCHECKS; i++)
		if (checks[i]->free != NULL)
			checks[i]->free(st->check_state[i]);
	vg_free(st);
}

/* vg_score_create - keep the rules, create every check's state */
static int
vg_score_create(
    void **state_out, const struct vg_stage_env *env, struct vg_err *err)
{
	const struct vg_conf *conf = env->conf;
	struct vg_score_state *st;
	size_t i;
	int rc = 0;

	*state_out = NULL;
	if ((st = vg_calloc(1, sizeof(*st))) == NULL)
		return VG_ENOMEM;
	st->conf = conf;
	st->rules = env->rules;
	st->dns = env->dns;
	vg_text_limits_from_conf(&st->lim, conf);
	for (i = 0; i < VG_SCORE_NCHECKS; i++) {
		if (checks[i]->create == NULL)
			continue;
		rc = checks[i]->create(&st->check_state[i], env, err);
		if (rc != 0)
			goto out;
	}
	*state_out = st;
	st = NULL;
out:
	vg_score_free(st);
	return rc;
}

/*
 * One message between scan_start and collect: the rule hits the meta
 * rules read, and each check's lookups in flight.
 */
struct vg_score_work {
	struct vg_rules_hits *hits;
	void *check_work[VG_SCORE_NCHECKS];
};

/* vg_score_work_free - release a message's hits and lookups */
static void
vg_score_work_free(void *state, void *work)
{
	struct vg_score_work *w = work;

	(void)state;
	if (w == NULL)
		return;
	for (size_t i = 0; i < VG_SCORE_NCHECKS; i++)
		if (w->check_work[i] != NULL)
			checks[i]->work_free(w->check_work[i]);
	vg_rules_hits_free(w->hits);
	vg_free(w);
}

/*
 * vg_score_scan_start - on the pool: decode the message, run the rules
 * and the checks' CPU work, and start the checks' lookups
 */
static int
vg_score_scan_start(void *state, const struct vg_msg *msg,
    struct vg_result *res, void **work_out)
{
	struct vg_score_state *st = state;
	struct vg_score_work *w = NULL;
	struct vg_text *text = NULL;
	size_t i;
	int rc;

	*work_out = NULL;
	if (vg_msg_oversized(msg))
		return 0;
	if ((w = vg_calloc(1, sizeof(*w))) == NULL) {
		rc = VG_ENOMEM;
		vg_result_fail(res, rc, "%s", vg_strerror(rc));
		goto out;
	}
	if ((rc = vg_text_build(&text, msg, &st->lim)) != 0) {
		vg_result_fail(
		    res, rc, "decoding the message: %s", vg_strerror(rc));
		goto out;
	}
	if ((rc = vg_rules_hits_new(&w->hits, st->rules)) == 0)
		rc = vg_rules_eval(st->rules, msg, text, w->hits, &res->syms);
	if (rc != 0) {
		vg_result_fail(res, rc, "running rules: %s", vg_strerror(rc));
		goto out;
	}
	for (i = 0; i < VG_SCORE_NCHECKS; i++) {
		if (checks[i]->run != NULL)
			rc = checks[i]->run(
			    st->check_state[i], msg, text, st->rules, res);
		if (rc == 0 && checks[i]->start != NULL)
			rc = checks[i]->start(
			    st->check_state[i], msg, text, &w->check_work[i]);
		if (rc != 0) {
			vg_result_fail(res, rc, "check %s: %s", checks[i]->name,
			    vg_strerror(rc));
			goto out;
		}
	}
	*work_out = w;
	w = NULL;
out:
	vg_score_work_free(st, w);
	vg_text_free(text);
	return rc;
}

/*
 * vg_score_collect - off the pool: wait for the checks' answers, then run
 * the meta rules over everything.  SPF and the blacklists share one DNS
 * deadline per message, dns_deadline_ms from now (or the scan's deadline
 * if that comes first), so together they wait at most that long.
 */
static int
vg_score_collect(void *state, const struct vg_msg *msg, void *work,
    uint64_t deadline_ms, struct vg_result *res)
{
	struct vg_score_state *st = state;
	struct vg_score_work *w = work;
	uint64_t dns_deadline = deadline_ms, now = vg_clock_ms();
	size_t i;
	int rc;

	if (w == NULL)
		return 0; /* oversized: no symbols */
	if (st->conf != NULL && now + st->conf->dns_deadline_ms < deadline_ms)
		dns_deadline = now + st->conf->dns_deadline_ms;
	for (i = 0; i < VG_SCORE_NCHECKS; i++) {
		if (checks[i]->collect == NULL)
			continue;
		rc = checks[i]->collect(st->check_state[i], msg,
		    w->check_work[i], dns_deadline, st->rules, res);
		if (rc != 0) {
			vg_result_fail(res, rc, "check %s: %s", checks[i]->name,
			    vg_strerror(rc));
			return rc;
		}
	}
	if ((rc = vg_rules_eval_meta(st->rules, w->hits, &res->syms)) != 0)
		vg_result_fail(
		    res, rc, "running meta rules: %s", vg_strerror(rc));
	return rc;
}

/* vg_score_verdict - hand the verdict to the checks that learn from it */
static void
vg_score_verdict(void *state, const struct vg_msg *msg, void *work,
    const struct vg_verdict *v)
{
	struct vg_score_state *st = state;
	struct vg_score_work *w = work;

	for (size_t i = 0; i < VG_SCORE_NCHECKS; i++)
		if (checks[i]->verdict != NULL)
			checks[i]->verdict(st->check_state[i], msg,
			    w != NULL ? w->check_work[i] : NULL, st->rules, v);
}

/*
 * vg_score_inbound - a client the sender checks look up: known, and
 * inbound (direction.h: not trusted_networks, no login), as check_spf
 * and check_dnsbl decide it
 */
static bool
vg_score_inbound(
    const struct vg_score_state *st, const char *addr, const char *auth)
{
	return st->conf != NULL && st->dns != NULL && addr[0] != '\0' &&
	    vg_direction_of(st->conf, addr, auth, NULL) == VG_DIRECTION_INBOUND;
}

/*
 * vg_score_connect - start the client's blacklist lookups now, so their
 * answers are in the resolver's cache by end of message (check_dnsbl
 * collects them).  Trusted clients are not looked up, as check_dnsbl
 * does not look them up.
 */
static int
vg_score_connect(void *state, const struct vg_sess *s, struct vg_hook_reply *r)
{
	struct vg_score_state *st = state;

	(void)r;
	if (vg_score_inbound(st, vg_sess_addr(s), NULL))
		vg_dnsbl_prefetch(st->dns, st->rules, vg_sess_addr(s));
	return 0;
}

/*
 * vg_score_mail - start the message's SPF lookup on the engine's resolver,
 * so its answer is in the cache by end of message, unless the sender
 * logged in or the client is trusted (check_spf skips those).
 */
static int
vg_score_mail(void *state, const struct vg_sess *s, struct vg_hook_reply *r)
{
	struct vg_score_state *st = state;
	const struct vg_msg *msg = vg_sess_msg(s);

	(void)r;
	if (st->dns == NULL || msg == NULL)
		return 0;
	if (vg_score_inbound(st, vg_sess_addr(s), vg_msg_auth(msg)))
		vg_spf_prefetch(
		    st->dns, vg_msg_helo(msg), vg_msg_from(msg), false);
	return 0;
}

/*
 * vg_score_rcpt - the rules file's allow and block lists for one
 * recipient: one the lists refuse (a block matched, no allow did,
 * block_action reject) gets 550 5.7.1 now, so that mail to an allowed
 * recipient (postmaster@) still gets through from a blocked sender while
 * the others are refused (lists.h); check_lists then finds only allowed
 * recipients.  The reply and precedence are check_lists's.
 */
static int
vg_score_rcpt(void *state, const struct vg_sess *s, const struct vg_rcpt *rcpt,
    struct vg_hook_reply *r)
{
	struct vg_score_state *st = state;
	const struct vg_policy *pol = vg_policy_of(st->rules);
	const struct vg_lists *l = pol != NULL ? vg_policy_lists(pol) : NULL;
	struct vg_msg *msg = vg_sess_msg(s);
	char clean[256];
	const char *what;
	unsigned bits;

	if (rcpt->refused || l == NULL || msg == NULL)
		return 0;
	bits = vg_lists_check(l, vg_sess_addr(s), vg_msg_from(msg), rcpt->addr);
	if (!vg_lists_refuse(l, bits))
		return 0;
	if ((bits & VG_LISTS_BLOCK_CLIENT) != 0) {
		what = "client address";
		vg_hook_refuse(r, VG_REPLY_BLOCK_CLIENT, NULL, "BLOCK_CLIENT");
	} else if ((bits & VG_LISTS_BLOCK_FROM) != 0) {
		what = "sender address";
		vg_hook_refuse(r, VG_REPLY_BLOCK_FROM, NULL, "BLOCK_FROM");
	} else {
		what = "recipient";
		vg_hook_refuse(r, VG_REPLY_BLOCK_RCPT, NULL, "BLOCK_RCPT");
	}
	(void)vg_sanitize_str(clean, sizeof(clean), rcpt->addr, 0);
	(void)vg_str_fmt(r->log, sizeof(r->log),
	    "RCPT TO <%s> refused: %s blocked by policy", clean, what);
	return 0;
}

const struct vg_stage_ops vg_stage_score_ops = {
    .name = "score",
    .kind = VG_STAGE_SCORE,
    .create = vg_score_create,
    .free = vg_score_free,
    .connect = vg_score_connect,
    .mail = vg_score_mail,
    .rcpt = vg_score_rcpt,
    .scan_start = vg_score_scan_start,
    .collect = vg_score_collect,
    .work_free = vg_score_work_free,
    .verdict = vg_score_verdict,
};
