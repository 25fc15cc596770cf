/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check_reputation - the sender/IP reputation (policy/reputation.h) as a
 * check of the score stage (check_ops.h).
 *
 * PURPOSE  collect (off the pool: Redis is a round trip, after SPF's
 *	    collect) reads the counts of the message's subjects and adds
 *	    one symbol per subject that speaks: REP_IP_SPAM / REP_IP_HAM
 *	    (the client's /24 or /64), REP_DOMAIN_SPAM / REP_DOMAIN_HAM (the
 *	    envelope sender's domain), REP_AUTH_SPAM / REP_AUTH_HAM (the
 *	    SASL login), scored by the rules file (defaults below), the
 *	    counts in the detail.  The meta rules, which run after the
 *	    checks, can combine them.  verdict (vigil-milter only, after the
 *	    verdict was applied) counts the message: see
 *	    vg_check_reputation_class().
 *	    Subjects, the same for reading and counting:
 *	      inbound mail (direction.h: not trusted_networks, no login):
 *	        the client's network, and the sender's domain only when SPF
 *	        passed for it (SPF_PASS), since anyone can forge a MAIL
 *	        FROM: a forged big domain must neither collect spam counts
 *	        nor spend its ham counts on a forger;
 *	      mail from a SASL login: the login only (a hijacked account is
 *	        the risk there), never its client's network or domain;
 *	      mail from trusted_networks without a login: nothing.
 * OFF      reputation = no: no symbol, nothing counted.  The shared store
 *	    not answering: the counts are this process's memory's, and the
 *	    message carries REPUTATION_UNAVAILABLE (score 0, listed in
 *	    tests=); the store logs the outage once.
 * OWNS     The state owns the reputation (and with it store references).
 *	    No per-message scratch.
 * THREADS  As check_ops.h; the reputation is thread-safe.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "message/msg.h"
#include "policy/direction.h"
#include "policy/reputation.h"
#include "rules/rules.h"
#include "store/store.h"
#include "core/verdict.h"
#include "stages/check_ops.h"

/* The symbols per kind and what the counts say, with default scores. */
static const struct rep_sym {
	const char *spam, *ham;
	double spam_def, ham_def;
} syms[VG_REP_KINDS] = {
    [VG_REP_IP] = {"REP_IP_SPAM", "REP_IP_HAM", 2.0, -1.0},
    [VG_REP_DOMAIN] = {"REP_DOMAIN_SPAM", "REP_DOMAIN_HAM", 1.5, -1.0},
    [VG_REP_AUTH] = {"REP_AUTH_SPAM", "REP_AUTH_HAM", 2.0, -0.5},
};

#define REP_UNAVAILABLE "REPUTATION_UNAVAILABLE"

struct check_reputation {
	const struct vg_conf *conf; /* borrowed from the engine */
	struct vg_reputation *rep;  /* NULL: off */
};

/* check_reputation_free - the reputation */
static void
check_reputation_free(void *state)
{
	struct check_reputation *st = state;

	if (st == NULL)
		return;
	vg_reputation_free(st->rep);
	vg_free(st);
}

/* check_reputation_create - over env->rep_store (own store without one) */
static int
check_reputation_create(
    void **state_out, const struct vg_stage_env *env, struct vg_err *err)
{
	const struct vg_conf *conf = env->conf;
	struct check_reputation *st;
	struct vg_store *own = NULL, *store = env->rep_store;
	struct vg_rep_params p;
	int rc = 0;

	(void)err;
	*state_out = NULL;
	if ((st = vg_calloc(1, sizeof(*st))) == NULL)
		return VG_ENOMEM;
	*state_out = st;
	st->conf = conf;
	if (conf == NULL || !conf->reputation)
		return 0;
	if (store == NULL) {
		if ((rc = vg_store_for_reputation(&own, conf, NULL)) != 0)
			return rc;
		store = own;
	}
	p.window_ms = conf->reputation_window_ms;
	p.min_count = conf->reputation_min_count;
	p.ratio = conf->reputation_ratio;
	p.local_keys = conf->reputation_max_keys;
	rc = vg_reputation_new(&st->rep, store, &p);
	vg_store_unref(own);
	if (rc == 0)
		vg_info("reputation: %s store%s%s, window %llu s, speaks at %u "
		        "messages with %u%% of one class",
		    conf->reputation_store,
		    strcmp(conf->reputation_store, "redis") == 0 ? " " : "",
		    strcmp(conf->reputation_store, "redis") == 0 ? conf->redis
		                                                 : "",
		    (unsigned long long)(p.window_ms / 1000), p.min_count,
		    p.ratio);
	return rc;
}

/*
 * rep_subjects - the message's subjects (see PURPOSE); spf_pass: SPF
 * passed for the sender's domain
 */
static void
rep_subjects(struct vg_rep_subjects *out, const struct vg_conf *conf,
    const struct vg_msg *msg, bool spf_pass)
{
	enum vg_direction_why why;

	memset(out, 0, sizeof(*out));
	(void)vg_direction_msg(conf, msg, &why);
	switch (why) {
	case VG_DIRECTION_WHY_AUTH:
		(void)vg_rep_subject_auth(
		    out->s[VG_REP_AUTH], vg_msg_auth(msg));
		break;
	case VG_DIRECTION_WHY_TRUSTED:
		break;
	case VG_DIRECTION_WHY_NONE:
		(void)vg_rep_subject_ip(
		    out->s[VG_REP_IP], vg_msg_client_addr(msg));
		if (spf_pass)
			(void)vg_rep_subject_domain(
			    out->s[VG_REP_DOMAIN], vg_msg_from(msg));
		break;
	}
}

/* rep_qid - the message's queue id for a log line */
static const char *
rep_qid(const struct vg_msg *msg)
{
	const char *qid = vg_msg_queue_id(msg);

	return *qid != '\0' ? qid : "NOQUEUE";
}

/* check_reputation_collect - read the counts, add the symbols */
static int
check_reputation_collect(void *state, const struct vg_msg *msg, void *work,
    uint64_t deadline_ms, const struct vg_rules *rules, struct vg_result *res)
{
	struct check_reputation *st = state;
	struct vg_rep_subjects s;
	struct vg_rep_answer a;
	int rc;

	(void)work;
	(void)deadline_ms; /* the store's own timeout bounds the wait */
	if (st->rep == NULL)
		return 0;
	rep_subjects(&s, st->conf, msg, vg_result_has(res, "SPF_PASS"));
	rc = vg_reputation_lookup(st->rep, &a, &s);
	if (rc == VG_ENOMEM)
		return rc;
	if (rc != 0) {
		vg_warn("%s: reputation skipped: %s", rep_qid(msg),
		    vg_strerror(rc));
		return 0;
	}
	if (a.fallback &&
	    (rc = vg_result_add(res, REP_UNAVAILABLE,
	         vg_rules_score(rules, REP_UNAVAILABLE, 0.0), NULL)) != 0)
		return rc;
	for (size_t k = 0; k < VG_REP_KINDS; k++) {
		const struct rep_sym *y = &syms[k];
		char subject[VG_REP_SUBJECT_MAX],
		    detail[VG_REP_SUBJECT_MAX + 64];
		const char *name = NULL;
		double def = 0.0;

		switch (a.k[k].says) {
		case VG_REP_SILENT:
			continue;
		case VG_REP_SAYS_SPAM:
			name = y->spam;
			def = y->spam_def;
			break;
		case VG_REP_SAYS_HAM:
			name = y->ham;
			def = y->ham_def;
			break;
		}
		vg_sanitize_str(
		    subject, sizeof(subject), s.s[k], VG_SANITIZE_ASCII);
		(void)vg_str_fmt(detail, sizeof(detail),
		    "%s spam=%llu ham=%llu", subject,
		    (unsigned long long)a.k[k].spam,
		    (unsigned long long)a.k[k].ham);
		if ((rc = vg_result_add(res, name,
		         vg_rules_score(rules, name, def), detail)) != 0)
			return rc;
	}
	return 0;
}

/* is_rep - a symbol of this check, whose points the counting ignores */
static bool
is_rep(const char *name)
{
	return strncmp(name, "REP_", 4) == 0 ||
	    strcmp(name, REP_UNAVAILABLE) == 0;
}

/* vg_check_reputation_class - how a verdict counts (check_ops.h) */
int
vg_check_reputation_class(const struct vg_verdict *v, const struct vg_msg *msg,
    const struct vg_rules *rules)
{
	double score = v->score;

	if (v->error || v->forced || v->action == VG_ACTION_TEMPFAIL ||
	    vg_msg_oversized(msg) ||
	    (v->virus_outcome != VG_VIRUS_CLEAN &&
	        v->virus_outcome != VG_VIRUS_DISABLED))
		return -1;
	/* The reputation must not feed on itself. */
	for (size_t i = 0; i < v->nsymbols; i++)
		if (is_rep(v->symbols[i].name))
			score -= v->symbols[i].score;
	if (score >= v->required)
		return VG_REP_SPAM;
	if (v->action == VG_ACTION_ACCEPT &&
	    score < vg_rules_reputation_ham(rules))
		return VG_REP_HAM;
	return -1;
}

/* verdict_has - the verdict lists symbol name */
static bool
verdict_has(const struct vg_verdict *v, const char *name)
{
	for (size_t i = 0; i < v->nsymbols; i++)
		if (strcmp(v->symbols[i].name, name) == 0)
			return true;
	return false;
}

/* check_reputation_verdict - count the message, after the verdict */
static void
check_reputation_verdict(void *state, const struct vg_msg *msg, void *work,
    const struct vg_rules *rules, const struct vg_verdict *v)
{
	struct check_reputation *st = state;
	struct vg_rep_subjects s;
	int cls, rc;

	(void)work;
	if (st->rep == NULL)
		return;
	if ((cls = vg_check_reputation_class(v, msg, rules)) < 0)
		return;
	rep_subjects(&s, st->conf, msg, verdict_has(v, "SPF_PASS"));
	rc = vg_reputation_record(st->rep, NULL, &s, (enum vg_rep_class)cls);
	if (rc != 0)
		vg_warn("%s: reputation: counting it as %s failed: %s",
		    rep_qid(msg), cls == VG_REP_SPAM ? "spam" : "ham",
		    vg_strerror(rc));
}

const struct vg_check_ops vg_check_reputation_ops = {
    .name = "reputation",
    .create = check_reputation_create,
    .collect = check_reputation_collect,
    .verdict = check_reputation_verdict,
    .free = check_reputation_free,
};
