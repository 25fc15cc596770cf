/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check_dnsbl - the DNS blacklist check of the score stage (see dnsbl.h,
 * check_ops.h).
 *
 * Looks the connecting client up in every `dnsbl` list and the
 * registrable domains of the message's URIs (text->uris) in every `uribl`
 * list, at most uribl_max_lookups URI queries per message.  The queries
 * start on the worker pool (start, while the text is there) and are
 * collected off it, until the message's DNS deadline (collect).  Clients in trusted_networks are not looked
 * up, nor are SASL-authenticated senders' clients (their URIs are).  With
 * dnsbl_check_received = yes, a trusted client's message is checked by
 * the relay that handed it to our trusted hosts instead: the first
 * address in the Received headers (newest first, at most
 * VG_DNSBL_MAX_RECEIVED of them) that is not in trusted_networks, as
 * an administrator behind a gateway needs.  Without lists in the rules
 * file, or created without a configuration (conf NULL), the check does
 * nothing.
 */
#include <stdbool.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "stages/check_ops.h"
#include "base/conf.h"
#include "net/dns.h"
#include "policy/direction.h"
#include "net/dnsbl.h"
#include "message/msg.h"
#include "message/text.h"
#include "rules/rules.h"

struct check_dnsbl {
	const struct vg_conf *conf; /* borrowed from the engine */
	struct vg_dnsbl *bl;
	struct vg_dns *dns; /* the engine's resolver, borrowed */
};

/* check_dnsbl_free - free the state */
static void
check_dnsbl_free(void *state)
{
	struct check_dnsbl *st = state;

	if (st == NULL)
		return;
	vg_dnsbl_free(st->bl);
	vg_free(st);
}

/* check_dnsbl_create - compile the lists, borrow the resolver */
static int
check_dnsbl_create(
    void **state_out, const struct vg_stage_env *env, struct vg_err *err)
{
	struct check_dnsbl *st;
	int rc;

	*state_out = NULL;
	st = vg_calloc(1, sizeof(*st));
	if (st == NULL)
		return VG_ENOMEM;
	/* Without a configuration or resolver (unit tests) it is off. */
	st->conf = env->dns != NULL ? env->conf : NULL;
	st->dns = env->dns;
	rc = vg_dnsbl_new(&st->bl, env->rules, err);
	if (rc != VG_OK) {
		check_dnsbl_free(st);
		return rc;
	}
	*state_out = st;
	return VG_OK;
}

/*
 * check_dnsbl_received - with dnsbl_check_received, the relay that handed
 * the message to our trusted client: walking the Received headers from
 * the newest, the first address that is not in trusted_networks.  false
 * when there is none.
 */
static bool
check_dnsbl_received(const struct vg_msg *msg, const struct vg_conf *conf,
    char *out, size_t size)
{
	size_t i;

	for (i = 0; i < VG_DNSBL_MAX_RECEIVED; i++) {
		const struct vg_header *h =
		    vg_msg_header_find(msg, "Received", i);

		if (h == NULL)
			return false;
		if (vg_dnsbl_received_ip(out, size, h->value, h->value_len) !=
		    VG_OK)
			continue;
		if (vg_direction_of(conf, out, NULL, NULL) ==
		    VG_DIRECTION_INBOUND)
			return true;
	}
	return false;
}

/*
 * check_dnsbl_start - on the pool: start the lookups of the client (or
 * the relay) and of the URIs the text layer found
 */
static int
check_dnsbl_start(void *state, const struct vg_msg *msg,
    const struct vg_text *text, void **work_out)
{
	struct check_dnsbl *st = state;
	struct vg_dnsbl_lookup *lk = NULL;
	const char *ips[2];
	char relay[64];
	size_t nips = 0, nc, nu;
	enum vg_direction_why why;
	int rc;

	*work_out = NULL;
	vg_dnsbl_count(st->bl, &nc, &nu);
	if (nc + nu == 0 || st->conf == NULL)
		return VG_OK;
	ips[0] = vg_msg_client_addr(msg);
	/*
	 * An authenticated sender's address says nothing about the mail
	 * (a road warrior on a dynamic range that policy lists name): its
	 * client is not looked up, its URIs still are.
	 */
	(void)vg_direction_msg(st->conf, msg, &why);
	if (why == VG_DIRECTION_WHY_NONE)
		nips = 1;
	else if (why == VG_DIRECTION_WHY_TRUSTED &&
	    st->conf->dnsbl_check_received &&
	    check_dnsbl_received(msg, st->conf, relay, sizeof(relay)))
		ips[nips++] = relay;
	rc = vg_dnsbl_start(&lk, st->bl, st->dns, ips, nips,
	    text != NULL ? text->uris : NULL, text != NULL ? text->nuris : 0,
	    st->conf->uribl_max_lookups);
	if (rc != VG_OK)
		return rc;
	/* Hand-off: the score stage keeps the lookup until work_free. */
	*work_out = lk;
	return VG_OK;
}

/* vg_check_dnsbl_record - the symbols of a blacklist outcome */
int
vg_check_dnsbl_record(struct vg_result *res, const struct vg_dnsbl_outcome *o,
    const struct vg_rules *rules)
{
	const char *temp[2] = {o->client_temp_zone, o->uri_temp_zone};
	static const char *const temp_sym[2] = {
	    "DNSBL_TEMPERROR", "URIBL_TEMPERROR"};
	char detail[2 * VG_DNS_NAME_MAX + 64], clean[VG_DNS_NAME_MAX + 1];
	int rc;

	for (size_t i = 0; i < o->nhits; i++) {
		const struct vg_dnsbl_hit *h = &o->hits[i];

		if (vg_result_has(res, h->list))
			continue;
		(void)vg_sanitize_str(
		    clean, sizeof(clean), h->what, VG_SANITIZE_ASCII);
		(void)vg_str_fmt(detail, sizeof(detail), "%s listed in %s (%s)",
		    clean, h->zone, h->answer);
		rc = vg_result_add(
		    res, h->list, vg_rules_score(rules, h->list, 1.0), detail);
		if (rc != VG_OK)
			return rc;
	}
	for (size_t k = 0; k < 2; k++) {
		if (temp[k] == NULL)
			continue;
		vg_info("%s: no answer from %s in time", temp_sym[k], temp[k]);
		rc = vg_result_add(res, temp_sym[k],
		    vg_rules_score(rules, temp_sym[k], 0.0), temp[k]);
		if (rc != VG_OK)
			return rc;
	}
	return VG_OK;
}

/* check_dnsbl_collect - off the pool: wait for the answers, score them */
static int
check_dnsbl_collect(void *state, const struct vg_msg *msg, void *work,
    uint64_t deadline_ms, const struct vg_rules *rules, struct vg_result *res)
{
	(void)state;
	(void)msg;
	if (work == NULL)
		return VG_OK;
	return vg_check_dnsbl_record(
	    res, vg_dnsbl_collect(work, deadline_ms), rules);
}

/* check_dnsbl_work_free - release one message's lookup */
static void
check_dnsbl_work_free(void *work)
{
	vg_dnsbl_lookup_free(work);
}

const struct vg_check_ops vg_check_dnsbl_ops = {
    .name = "dnsbl",
    .create = check_dnsbl_create,
    .start = check_dnsbl_start,
    .collect = check_dnsbl_collect,
    .work_free = check_dnsbl_work_free,
    .free = check_dnsbl_free,
};
