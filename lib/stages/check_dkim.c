/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check_dkim - the DKIM check of the score stage (see dkim.h, check_ops.h).
 *
 * start(), on the pool: hashes the message's signatures (vg_dkim_prepare())
 * and submits one TXT query per key to the engine's resolver.  collect(),
 * off the pool: waits for the keys until the message's DNS deadline,
 * verifies, and adds the symbols (SpamAssassin's names, so its rules and
 * metas keep working):
 *   DKIM_SIGNED     the message has at least one DKIM-Signature
 *   DKIM_VALID      at least one signature passed
 *   DKIM_VALID_AU   one that passed has d= equal to the From: domain
 *                   (one From: field with one address; exact, as
 *                   SpamAssassin; DMARC's relaxed alignment is DMARC's)
 *   DKIM_INVALID    signed, none passed, and at least one failed for good
 *                   (fail, policy, permerror)
 *   DKIM_TEMPERROR  a key could not be fetched (DNS failure, deadline)
 * each with the RFC 8601 results as detail, and one typed
 * authentication result per signature for Authentication-Results
 * ("dkim=pass header.d=... header.s=...").  Each signature that does not
 * pass is logged with its reason.  Senders from trusted_networks and
 * SASL senders are not checked (outbound mail), nor is anything with
 * dkim = no, an oversized message, or without a resolver (unit tests).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "message/hdr.h"
#include "message/msg.h"
#include "net/dkim.h"
#include "net/dns.h"
#include "policy/direction.h"
#include "rules/rules.h"
#include "stages/check_ops.h"
#include "stages/key_lookup.h"

struct check_dkim {
	const struct vg_conf *conf; /* borrowed; NULL: the check is off */
	struct vg_dns *dns;         /* the engine's resolver, borrowed */
};

/* One message: its hashed signatures and their key lookups. */
struct dkim_work {
	struct vg_dkim_msg *m;
	struct vg_key_lookup keys;
};

/* check_dkim_create - remember the configuration and the resolver */
static int
check_dkim_create(
    void **state_out, const struct vg_stage_env *env, struct vg_err *err)
{
	struct check_dkim *st;

	(void)err;
	*state_out = NULL;
	if ((st = vg_calloc(1, sizeof(*st))) == NULL)
		return VG_ENOMEM;
	st->conf = env->dns != NULL && env->conf->dkim ? env->conf : NULL;
	st->dns = env->dns;
	*state_out = st;
	return VG_OK;
}

/* check_dkim_free - free the state */
static void
check_dkim_free(void *state)
{
	vg_free(state);
}

/* check_dkim_work_free - release the lookups and the hashes */
static void
check_dkim_work_free(void *work)
{
	struct dkim_work *w = work;

	vg_key_lookup_fini(&w->keys);
	vg_dkim_msg_free(w->m);
	vg_free(w);
}

/* key_name, key_missing, key_found - the verifier, for key_lookup.h */
static const char *
key_name(const void *m, size_t k)
{
	return vg_dkim_key_name(m, k);
}

static void
key_missing(void *m, size_t k, bool temporary, const char *why)
{
	vg_dkim_key_missing(m, k, temporary, why);
}

static int
key_found(void *m, size_t k, const char *txt, size_t len)
{
	return vg_dkim_key(m, k, txt, len);
}

/* key_src - the key slots of m */
static void
key_src(struct vg_key_src *src, struct vg_dkim_msg *m)
{
	*src = (struct vg_key_src){
	    .m = m, .name = key_name, .missing = key_missing, .key = key_found};
}

/*
 * check_dkim_start - on the pool: hash the signatures and start the key
 * lookups
 */
static int
check_dkim_start(void *state, const struct vg_msg *msg,
    const struct vg_text *text, void **work_out)
{
	struct check_dkim *st = state;
	const struct vg_conf *conf = st->conf;
	struct vg_dkim_limits lim;
	struct dkim_work *w = NULL;
	struct vg_key_src src;
	const unsigned char *raw;
	size_t len;
	int rc = VG_ENOMEM;

	(void)text;
	*work_out = NULL;
	if (conf == NULL || vg_msg_oversized(msg) ||
	    vg_direction_msg(conf, msg, NULL) == VG_DIRECTION_OUTBOUND)
		return VG_OK;
	if ((w = vg_calloc(1, sizeof(*w))) == NULL)
		goto out;
	lim.max_signatures = conf->dkim_max_signatures;
	lim.max_body_size = conf->dkim_max_body_size;
	lim.max_fields = conf->max_header_count;
	raw = vg_msg_raw(msg, &len);
	rc = vg_dkim_prepare(&w->m, raw, len, vg_msg_body_offset(msg), &lim,
	    (uint64_t)time(NULL));
	if (rc != 0)
		goto out;
	key_src(&src, w->m);
	rc = vg_key_lookup_start(&w->keys, st->dns, &src, vg_dkim_count(w->m));
	if (rc != 0)
		goto out;
	*work_out = w;
	w = NULL;
	rc = 0;
out:
	if (w != NULL)
		check_dkim_work_free(w);
	return rc;
}

/* detail_add - "dkim=RESULT header.d=D header.s=S (reason)" to a detail */
static void
detail_add(struct vg_buf *b, const struct vg_dkim_outcome *o)
{
	char reason[VG_DKIM_REASON_MAX];

	vg_sanitize_str(reason, sizeof(reason), o->reason, VG_SANITIZE_ASCII);
	(void)vg_buf_printf(b, "%sdkim=%s header.d=%s header.s=%s",
	    b->len > 0 ? "; " : "", vg_dkim_result_name(o->result), o->d, o->s);
	if (reason[0] != '\0')
		(void)vg_buf_printf(b, " (%s)", reason);
}

/* add_symbol - one symbol with its detail, if it has one */
static int
add_symbol(struct vg_result *res, const struct vg_rules *rules, const char *sym,
    struct vg_buf *detail)
{
	if (detail->len == 0)
		return 0;
	return vg_result_add(
	    res, sym, vg_rules_score(rules, sym, 0.0), vg_buf_cstr(detail));
}

/*
 * check_dkim_collect - off the pool: wait for the keys, verify, add the
 * symbols and the authentication results
 */
static int
check_dkim_collect(void *state, const struct vg_msg *msg, void *work,
    uint64_t deadline_ms, const struct vg_rules *rules, struct vg_result *res)
{
	struct check_dkim *st = state;
	struct dkim_work *w = work;
	struct vg_buf all, valid, au, invalid, temp;
	const char *qid = vg_msg_queue_id(msg);
	char from[VG_DKIM_NAME_MAX + 1];
	bool any_pass = false, any_bad = false;
	struct vg_key_src src;
	int rc = 0;

	if (w == NULL || w->keys.n == 0)
		return 0;
	key_src(&src, w->m);
	rc = vg_key_lookup_collect(&w->keys, st->dns, &src, deadline_ms);
	if (rc != 0)
		return rc;
	vg_msg_from_domain(from, sizeof(from), msg);
	vg_buf_init(&all, 4096);
	vg_buf_init(&valid, 4096);
	vg_buf_init(&au, 4096);
	vg_buf_init(&invalid, 4096);
	vg_buf_init(&temp, 4096);
	for (size_t i = 0; i < vg_dkim_count(w->m); i++) {
		const struct vg_dkim_outcome *o = vg_dkim_outcome(w->m, i);
		const char *sym = "DKIM_INVALID";

		detail_add(&all, o);
		switch (o->result) {
		case VG_DKIM_PASS:
			any_pass = true;
			sym = "DKIM_VALID";
			detail_add(&valid, o);
			if (from[0] != '\0' && strcasecmp(o->d, from) == 0) {
				sym = "DKIM_VALID_AU";
				detail_add(&au, o);
			}
			break;
		case VG_DKIM_TEMPERROR:
			sym = "DKIM_TEMPERROR";
			detail_add(&temp, o);
			break;
		case VG_DKIM_FAIL:
		case VG_DKIM_POLICY:
		case VG_DKIM_PERMERROR:
			any_bad = true;
			detail_add(&invalid, o);
			break;
		}
		if (o->result != VG_DKIM_PASS) {
			char reason[VG_DKIM_REASON_MAX];

			vg_sanitize_str(reason, sizeof(reason), o->reason, 0);
			vg_info("%s: DKIM %s for d=%s s=%s: %s",
			    *qid != '\0' ? qid : "NOQUEUE",
			    vg_dkim_result_name(o->result), o->d, o->s, reason);
		}
		/* Past VG_RESULT_MAX_AUTH it is dropped: the symbols stay. */
		(void)vg_result_add_auth2(res, VG_AUTH_DKIM, sym,
		    vg_dkim_result_name(o->result), o->d, o->s);
	}
	if (vg_dkim_skipped(w->m) > 0)
		vg_info("%s: DKIM: %zu signatures past dkim_max_signatures "
		        "not verified",
		    *qid != '\0' ? qid : "NOQUEUE", vg_dkim_skipped(w->m));
	if (!any_pass && !any_bad)
		vg_buf_reset(&invalid);
	rc = add_symbol(res, rules, "DKIM_SIGNED", &all);
	if (rc == 0)
		rc = add_symbol(res, rules, "DKIM_VALID", &valid);
	if (rc == 0)
		rc = add_symbol(res, rules, "DKIM_VALID_AU", &au);
	if (rc == 0 && !any_pass)
		rc = add_symbol(res, rules, "DKIM_INVALID", &invalid);
	if (rc == 0)
		rc = add_symbol(res, rules, "DKIM_TEMPERROR", &temp);
	vg_buf_fini(&all);
	vg_buf_fini(&valid);
	vg_buf_fini(&au);
	vg_buf_fini(&invalid);
	vg_buf_fini(&temp);
	return rc;
}

const struct vg_check_ops vg_check_dkim_ops = {
    .name = "dkim",
    .create = check_dkim_create,
    .start = check_dkim_start,
    .collect = check_dkim_collect,
    .work_free = check_dkim_work_free,
    .free = check_dkim_free,
};
