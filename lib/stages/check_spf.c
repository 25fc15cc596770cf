/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check_spf - the SPF check of the score stage (see spf.h, check_ops.h).
 *
 * Adds one symbol for the MAIL FROM identity (SPF_PASS ... SPF_PERMERROR,
 * or SPF_HELO_* when MAIL FROM is the null sender and the HELO identity is
 * checked instead) and, with spf_check_helo = yes, one SPF_HELO_* symbol
 * for the HELO identity too.  Each symbol's detail is the RFC 8601 method
 * result, "spf=fail smtp.mailfrom=example.com" (or smtp.helo=...), which
 * the verdict copies into Authentication-Results and Received-SPF.  With
 * spf_reject_fail = yes an SPF fail forces 550 5.7.23 with the domain's
 * explanation (RFC 7372).  Senders from trusted_networks and SASL-
 * authenticated senders are not checked (no symbol).  A DNS failure or
 * the deadline gives SPF_TEMPERROR and a log line, never a rejection.
 * The check is all collect (check_ops.h): libspf2 evaluates synchronously,
 * waiting on Vigil's resolver, so it runs off the worker pool, in the
 * thread that waits for the scan, until the message's DNS deadline.
 * Created without a configuration (conf NULL), the check does nothing.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "stages/check_ops.h"
#include "base/conf.h"
#include "policy/direction.h"
#include "base/log.h"
#include "message/msg.h"
#include "rules/rules.h"
#include "base/sanitize.h"
#include "net/spf.h"

struct check_spf {
	const struct vg_conf *conf; /* borrowed from the engine */
	struct vg_dns *dns;         /* the engine's resolver, borrowed */
};

/* check_spf_create - remember the configuration and the resolver */
static int
check_spf_create(
    void **state_out, const struct vg_stage_env *env, struct vg_err *err)
{
	struct check_spf *st;

	(void)err;
	*state_out = NULL;
	st = vg_calloc(1, sizeof(*st));
	if (st == NULL)
		return VG_ENOMEM;
	/* Without a configuration or resolver (unit tests) SPF is off. */
	st->conf = env->dns != NULL ? env->conf : NULL;
	st->dns = env->dns;
	*state_out = st;
	return VG_OK;
}

/* check_spf_free - free the state */
static void
check_spf_free(void *state)
{
	struct check_spf *st = state;

	vg_free(st);
}

/* check_spf_record - add the symbol for one outcome */
static int
check_spf_record(const struct vg_msg *msg, const struct vg_spf_outcome *o,
    const struct vg_rules *rules, struct vg_result *res)
{
	const char *sym = vg_spf_result_symbol(o->result, o->helo_identity);
	char detail[VG_SPF_DOMAIN_MAX + 64], dom[VG_SPF_DOMAIN_MAX + 1];

	vg_sanitize_str(dom, sizeof(dom), o->domain, VG_SANITIZE_ASCII);
	snprintf(detail, sizeof(detail), "spf=%s smtp.%s=%s",
	    vg_spf_result_name(o->result),
	    o->helo_identity ? "helo" : "mailfrom", dom);
	if (o->result == VG_SPF_TEMPERROR || o->result == VG_SPF_PERMERROR) {
		const char *qid = vg_msg_queue_id(msg);
		char reason[256];

		/* The reason may quote the sender's record or domain. */
		vg_sanitize_str(reason, sizeof(reason), o->reason, 0);
		vg_info("%s: %s for %s: %s", *qid != '\0' ? qid : "NOQUEUE",
		    sym, dom, reason);
	}
	/* Typed, for the headers: the detail is for people (logs, JSON). */
	(void)vg_result_add_auth(res, VG_AUTH_SPF, sym,
	    vg_spf_result_name(o->result),
	    o->helo_identity ? "helo" : "mailfrom", o->domain);
	return vg_result_add(res, sym, vg_rules_score(rules, sym, 0.0), detail);
}

/*
 * check_spf_collect - check one message, off the pool: libspf2 runs here,
 * its lookups waiting on the resolver until deadline_ms (the lookup of
 * MAIL FROM's domain started at MAIL FROM, so it is often cached)
 */
static int
check_spf_collect(void *state, const struct vg_msg *msg, void *work,
    uint64_t deadline_ms, const struct vg_rules *rules, struct vg_result *res)
{
	struct check_spf *st = state;
	const struct vg_conf *conf = st->conf;
	const char *ip = vg_msg_client_addr(msg), *from = vg_msg_from(msg);
	const char *helo = vg_msg_helo(msg);
	struct vg_spf_outcome o;
	int rc;

	(void)work;
	/* Our own mail (direction.h) has no sender to check. */
	if (conf == NULL || ip[0] == '\0' ||
	    vg_direction_msg(conf, msg, NULL) == VG_DIRECTION_OUTBOUND)
		return VG_OK;
	rc = vg_spf_check(&o, st->dns, deadline_ms, ip, helo, from, false);
	if (rc != VG_OK)
		return rc;
	rc = check_spf_record(msg, &o, rules, res);
	if (rc != VG_OK)
		return rc;
	if (o.result == VG_SPF_FAIL && conf->spf_reject_fail)
		vg_result_force_reply(res, VG_ACTION_REJECT,
		    vg_spf_result_symbol(o.result, o.helo_identity),
		    o.explanation[0] != '\0' ? VG_REPLY_SPF_FAIL
		                             : VG_REPLY_SPF_FAIL_BARE,
		    o.domain, o.explanation);
	if (!conf->spf_check_helo || o.helo_identity || helo[0] == '\0')
		return VG_OK;
	rc = vg_spf_check(&o, st->dns, deadline_ms, ip, helo, from, true);
	if (rc != VG_OK)
		return rc;
	return check_spf_record(msg, &o, rules, res);
}

const struct vg_check_ops vg_check_spf_ops = {
    .name = "spf",
    .create = check_spf_create,
    .collect = check_spf_collect,
    .free = check_spf_free,
};
