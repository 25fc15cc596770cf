/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check_dmarc - the DMARC check of the score stage (RFC 7489; see
 * dmarc.h, check_ops.h).  Off with dmarc = no.
 *
 * start(), on the pool: finds the domain of the message's one From:
 * address and asks the resolver for the TXT records of _dmarc.<domain>
 * and, when it differs, of _dmarc.<organisational domain> (6.6.3), both
 * at once.  collect(), off the pool, after the SPF and DKIM checks
 * (its place in the score stage's table): takes the SPF result for MAIL
 * FROM and the d= of every DKIM signature that passed from the result's
 * typed authentication results, waits for the record (the domain's own,
 * else the organisational domain's, whose sp= then applies) and
 * evaluates.  Symbols:
 *   DMARC_PASS              an aligned SPF or DKIM pass
 *   DMARC_FAIL_REJECT       none, under p=reject (after pct=)
 *   DMARC_FAIL_QUARANTINE   none, under p=quarantine
 *   DMARC_FAIL_NONE         none, under p=none
 *   DMARC_ARC_OVERRIDE      none, but a passing ARC chain whose newest
 *                           sealer is trusted vouches for the From:
 *                           domain (check_arc.c, ARC_TRUSTED): the local
 *                           policy override of RFC 7489 6.7 for mailing
 *                           lists; never refused, and in
 *                           Authentication-Results "dmarc=fail (arc
 *                           override by SEALER)"
 *   DMARC_TEMPERROR         the record could not be fetched
 * and one typed result for Authentication-Results, "dmarc=pass
 * header.from=example.com" (none when the domain publishes no record,
 * permerror for a malformed one, with a log line).  With dmarc_reject =
 * yes a DMARC_FAIL_REJECT forces 550 5.7.1.  Messages without exactly one
 * From: address, outbound mail and oversized messages are not checked.
 */
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "message/msg.h"
#include "net/dmarc.h"
#include "net/dns.h"
#include "policy/direction.h"
#include "rules/rules.h"
#include "stages/check_ops.h"

struct check_dmarc {
	const struct vg_conf *conf; /* borrowed; NULL: the check is off */
	struct vg_dns *dns;         /* the engine's resolver, borrowed */
};

/* One message: its From: domain and the two record lookups. */
struct dmarc_work {
	char from[VG_DNS_NAME_MAX + 1];
	char org[VG_DNS_NAME_MAX + 1];
	struct vg_dns_query *q_from, *q_org; /* q_org NULL when org == from */
};

/* check_dmarc_create - remember the configuration and the resolver */
static int
check_dmarc_create(
    void **state_out, const struct vg_stage_env *env, struct vg_err *err)
{
	struct check_dmarc *st;

	(void)err;
	*state_out = NULL;
	if ((st = vg_calloc(1, sizeof(*st))) == NULL)
		return VG_ENOMEM;
	st->conf = env->dns != NULL && env->conf->dmarc ? env->conf : NULL;
	st->dns = env->dns;
	*state_out = st;
	return VG_OK;
}

/* check_dmarc_free - free the state */
static void
check_dmarc_free(void *state)
{
	vg_free(state);
}

/* check_dmarc_work_free - release the lookups */
static void
check_dmarc_work_free(void *work)
{
	struct dmarc_work *w = work;

	vg_dns_query_free(w->q_from);
	vg_dns_query_free(w->q_org);
	vg_free(w);
}

/* submit - ask for _dmarc.<domain> TXT; *q stays NULL when it cannot */
static int
submit(struct vg_dns *dns, struct vg_dns_query **q, const char *domain)
{
	char name[VG_DNS_NAME_MAX + 8];
	int rc;

	if (!vg_str_fmt(name, sizeof(name), "_dmarc.%s", domain) ||
	    !vg_dns_name_valid(name))
		return 0;
	rc = vg_dns_submit(dns, q, name, VG_DNS_TXT);
	return rc == VG_EINVAL ? 0 : rc;
}

/* check_dmarc_start - on the pool: start the record lookups */
static int
check_dmarc_start(void *state, const struct vg_msg *msg,
    const struct vg_text *text, void **work_out)
{
	struct check_dmarc *st = state;
	struct dmarc_work *w;
	int rc;

	(void)text;
	*work_out = NULL;
	if (st->conf == NULL || vg_msg_oversized(msg) ||
	    vg_direction_msg(st->conf, msg, NULL) == VG_DIRECTION_OUTBOUND)
		return VG_OK;
	if ((w = vg_calloc(1, sizeof(*w))) == NULL)
		return VG_ENOMEM;
	vg_msg_from_domain(w->from, sizeof(w->from), msg);
	if (w->from[0] == '\0' ||
	    vg_dmarc_org_domain(w->org, sizeof(w->org), w->from) != 0) {
		check_dmarc_work_free(w);
		return VG_OK;
	}
	rc = submit(st->dns, &w->q_from, w->from);
	if (rc == 0 && strcasecmp(w->org, w->from) != 0)
		rc = submit(st->dns, &w->q_org, w->org);
	if (rc != 0) {
		check_dmarc_work_free(w);
		return rc;
	}
	*work_out = w;
	return VG_OK;
}

/* What the record lookup found. */
enum found {
	FOUND,     /* rec holds a record */
	NOT_FOUND, /* no DMARC record: dmarc=none */
	TEMP,      /* a DNS failure: dmarc=temperror */
	BAD,       /* a malformed record: dmarc=permerror */
};

/*
 * lookup - wait for q and parse its DMARC record (the one TXT record
 * starting v=DMARC1; several are as none, 6.6.3)
 */
static enum found
lookup(struct vg_dns *dns, struct vg_dns_query *q, uint64_t deadline_ms,
    struct vg_dmarc_record *rec, char *why, size_t why_size)
{
	const struct vg_dns_answer *a;
	size_t pick = 0, nrec = 0;

	if (q == NULL)
		return NOT_FOUND;
	if (vg_dns_wait(dns, q, deadline_ms) != 0 ||
	    (a = vg_dns_query_answer(q)) == NULL)
		return TEMP;
	switch (a->status) {
	case VG_DNS_OK:
		break;
	case VG_DNS_NODATA:
	case VG_DNS_NXDOMAIN:
		return NOT_FOUND;
	case VG_DNS_TEMPFAIL:
	case VG_DNS_TIMEOUT:
		return TEMP;
	}
	for (size_t j = 0; j < a->n; j++)
		if (vg_dmarc_is_record(
		        (const char *)a->rr[j].data, a->rr[j].len)) {
			pick = j;
			nrec++;
		}
	if (nrec != 1)
		return NOT_FOUND;
	if (vg_dmarc_record_parse(rec, (const char *)a->rr[pick].data,
	        a->rr[pick].len, why, why_size) != 0)
		return BAD;
	return FOUND;
}

/*
 * auth_input - the SPF pass for MAIL FROM and the passing DKIM d= values
 * from the checks that ran before (their typed results in res); *arc the
 * ARC result when a trusted sealer vouched for the From: domain, or NULL
 */
static void
auth_input(struct vg_dmarc_input *in, const char **dkim, size_t max,
    struct vg_auth **arc, struct vg_result *res)
{
	in->ndkim_pass = 0;
	*arc = NULL;
	for (size_t i = 0; i < res->nauth; i++) {
		const struct vg_auth *a = &res->auth[i];

		if (a->method == VG_AUTH_SPF &&
		    strcmp(a->property, "mailfrom") == 0 &&
		    strcmp(a->result, "pass") == 0) {
			in->spf_pass = true;
			in->spf_domain = a->value;
		} else if (a->method == VG_AUTH_DKIM &&
		    strcmp(a->result, "pass") == 0 && in->ndkim_pass < max) {
			dkim[in->ndkim_pass++] = a->value;
		} else if (a->method == VG_AUTH_ARC && a->vouched) {
			*arc = &res->auth[i];
		}
	}
	in->dkim_pass = dkim;
}

/* check_dmarc_collect - off the pool: the record, the evaluation */
static int
check_dmarc_collect(void *state, const struct vg_msg *msg, void *work,
    uint64_t deadline_ms, const struct vg_rules *rules, struct vg_result *res)
{
	struct check_dmarc *st = state;
	struct dmarc_work *w = work;
	struct vg_dmarc_record rec;
	struct vg_dmarc_verdict v;
	struct vg_dmarc_input in = {0};
	struct vg_auth *arc;
	const char *dkim[VG_RESULT_MAX_AUTH], *sym, *result;
	const char *qid = vg_msg_queue_id(msg);
	char why[128] = "", detail[2 * VG_DNS_NAME_MAX + 160];
	bool subdomain = false;
	enum found f;

	if (w == NULL)
		return 0;
	f = lookup(st->dns, w->q_from, deadline_ms, &rec, why, sizeof(why));
	if (f == NOT_FOUND && w->q_org != NULL) {
		f = lookup(
		    st->dns, w->q_org, deadline_ms, &rec, why, sizeof(why));
		subdomain = true;
	}
	switch (f) {
	case NOT_FOUND:
		(void)vg_result_add_auth(
		    res, VG_AUTH_DMARC, "DMARC_NONE", "none", "", w->from);
		return 0;
	case TEMP:
		(void)vg_result_add_auth(res, VG_AUTH_DMARC, "DMARC_TEMPERROR",
		    "temperror", "", w->from);
		(void)vg_str_fmt(detail, sizeof(detail),
		    "dmarc=temperror header.from=%s", w->from);
		return vg_result_add(res, "DMARC_TEMPERROR",
		    vg_rules_score(rules, "DMARC_TEMPERROR", 0.0), detail);
	case BAD: {
		char clean[128];

		vg_sanitize_str(clean, sizeof(clean), why, 0);
		vg_info("%s: DMARC permerror for %s: %s",
		    *qid != '\0' ? qid : "NOQUEUE", w->from, clean);
		(void)vg_result_add_auth(res, VG_AUTH_DMARC, "DMARC_PERMERROR",
		    "permerror", "", w->from);
		return 0;
	}
	case FOUND:
		break;
	}
	in.from_domain = w->from;
	auth_input(&in, dkim, VG_NELEM(dkim), &arc, res);
	/* pct= sampling needs no secrecy: the clock's microseconds do. */
	vg_dmarc_evaluate(
	    &v, &rec, subdomain, &in, (unsigned)(vg_clock_us() % 100));
	result = v.pass ? "pass" : "fail";
	if (v.pass)
		sym = "DMARC_PASS";
	else if (v.applied == VG_DMARC_P_REJECT)
		sym = "DMARC_FAIL_REJECT";
	else if (v.applied == VG_DMARC_P_QUARANTINE)
		sym = "DMARC_FAIL_QUARANTINE";
	else
		sym = "DMARC_FAIL_NONE";
	if (!v.pass && arc != NULL)
		sym = "DMARC_ARC_OVERRIDE";
	/* value2: the sealer, for the comment of Authentication-Results. */
	(void)vg_result_add_auth2(res, VG_AUTH_DMARC, sym, result, w->from,
	    arc != NULL && !v.pass ? arc->value : "");
	(void)vg_str_fmt(detail, sizeof(detail),
	    "dmarc=%s header.from=%s (p=%s%s%s)", result, w->from,
	    vg_dmarc_policy_name(v.policy),
	    v.applied != v.policy && !v.pass ? ", pct=, applied " : "",
	    v.applied != v.policy && !v.pass ? vg_dmarc_policy_name(v.applied)
	                                     : "");
	if (!v.pass && arc != NULL)
		(void)vg_str_fmt(detail + strlen(detail),
		    sizeof(detail) - strlen(detail),
		    ", overridden: ARC sealed by trusted %s", arc->value);
	else if (!v.pass && v.applied == VG_DMARC_P_REJECT &&
	    st->conf->dmarc_reject)
		vg_result_force_reply(res, VG_ACTION_REJECT,
		    "DMARC_FAIL_REJECT", VG_REPLY_DMARC_FAIL, w->from, NULL);
	return vg_result_add(res, sym, vg_rules_score(rules, sym, 0.0), detail);
}

const struct vg_check_ops vg_check_dmarc_ops = {
    .name = "dmarc",
    .create = check_dmarc_create,
    .start = check_dmarc_start,
    .collect = check_dmarc_collect,
    .work_free = check_dmarc_work_free,
    .free = check_dmarc_free,
};
