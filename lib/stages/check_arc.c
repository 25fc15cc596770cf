/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check_arc - the ARC check of the score stage (RFC 8617; see arc.h,
 * check_ops.h).  On unless arc = no.
 *
 * start(), on the pool: checks the chain's structure and hashes its
 * signatures (vg_arc_prepare()), then submits one TXT query per key to
 * the engine's resolver.  collect(), off the pool, after DKIM and before
 * DMARC (its place in the score stage's table): waits for the keys until
 * the message's DNS deadline, verifies and adds the symbols (rspamd's
 * and SpamAssassin's ideas, Vigil's names):
 *   ARC_VALID      the chain passes
 *   ARC_INVALID    the chain fails (structure, a seal, the newest AMS)
 *   ARC_TEMPERROR  a key could not be fetched, and nothing failed
 *   ARC_TRUSTED    it passes, its newest sealer is in
 *                  arc_trusted_sealers, and that sealer's
 *                  ARC-Authentication-Results report dkim=pass, spf=pass
 *                  or dmarc=pass for a domain aligned with the From:
 *                  domain; the typed result is then marked vouched, and
 *                  a DMARC failure becomes DMARC_ARC_OVERRIDE
 *                  (check_dmarc.c) instead of DMARC_FAIL_* and is never
 *                  refused under dmarc_reject
 * each with the chain's details, and one typed authentication result for
 * Authentication-Results ("arc=pass").  A message without ARC fields
 * gets neither (as a message without DKIM-Signature gets no dkim=).
 * Why only the newest sealer: it is the last hop before us, and nothing
 * after it can have changed the message, since its AMS covers the
 * message as we received it.  An older trusted sealer vouched for the
 * message as it was then; an untrusted later hop may have changed From:
 * or the body and resealed, and the chain would still pass.
 * Senders from trusted_networks and SASL senders are not checked
 * (outbound mail), nor an oversized message, nor anything without a
 * resolver (unit tests).
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
#include "message/msg.h"
#include "net/arc.h"
#include "net/dkim.h"
#include "net/dns.h"
#include "policy/direction.h"
#include "rules/rules.h"
#include "stages/check_ops.h"
#include "stages/key_lookup.h"

struct check_arc {
	const struct vg_conf *conf; /* borrowed; NULL: the check is off */
	struct vg_dns *dns;         /* the engine's resolver, borrowed */
};

/* One message: its chain and the key lookups. */
struct arc_work {
	struct vg_arc_msg *m;
	struct vg_key_lookup keys;
};

/* check_arc_create - remember the configuration and the resolver */
static int
check_arc_create(
    void **state_out, const struct vg_stage_env *env, struct vg_err *err)
{
	struct check_arc *st;

	(void)err;
	*state_out = NULL;
	if ((st = vg_calloc(1, sizeof(*st))) == NULL)
		return VG_ENOMEM;
	st->conf = env->dns != NULL && env->conf->arc ? env->conf : NULL;
	st->dns = env->dns;
	*state_out = st;
	return VG_OK;
}

/* check_arc_free - free the state */
static void
check_arc_free(void *state)
{
	vg_free(state);
}

/* check_arc_work_free - release the lookups and the chain */
static void
check_arc_work_free(void *work)
{
	struct arc_work *w = work;

	vg_key_lookup_fini(&w->keys);
	vg_arc_msg_free(w->m);
	vg_free(w);
}

/* key_name, key_missing, key_found - the verifier, for key_lookup.h */
static const char *
key_name(const void *m, size_t k)
{
	return vg_arc_key_name(m, k);
}

static void
key_missing(void *m, size_t k, bool temporary, const char *why)
{
	vg_arc_key_missing(m, k, temporary, why);
}

static int
key_found(void *m, size_t k, const char *txt, size_t len)
{
	return vg_arc_key(m, k, txt, len);
}

/* key_src - the key slots of m */
static void
key_src(struct vg_key_src *src, struct vg_arc_msg *m)
{
	*src = (struct vg_key_src){
	    .m = m, .name = key_name, .missing = key_missing, .key = key_found};
}

/* check_arc_start - on the pool: the structure, the hashes, the lookups */
static int
check_arc_start(void *state, const struct vg_msg *msg,
    const struct vg_text *text, void **work_out)
{
	struct check_arc *st = state;
	const struct vg_conf *conf = st->conf;
	struct vg_arc_limits lim;
	struct arc_work *w = NULL;
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
	lim.max_sets = conf->arc_max_sets;
	lim.max_body_size = conf->dkim_max_body_size;
	lim.max_fields = conf->max_header_count;
	raw = vg_msg_raw(msg, &len);
	rc = vg_arc_prepare(&w->m, raw, len, vg_msg_body_offset(msg), &lim,
	    (uint64_t)time(NULL));
	if (rc != 0)
		goto out;
	key_src(&src, w->m);
	rc = vg_key_lookup_start(&w->keys, st->dns, &src, vg_arc_nkeys(w->m));
	if (rc != 0)
		goto out;
	*work_out = w;
	w = NULL;
	rc = 0;
out:
	if (w != NULL)
		check_arc_work_free(w);
	return rc;
}

/*
 * sealer_trusted - d is one of the domains of the list (comma- or
 * blank-separated), compared without case
 */
static bool
sealer_trusted(const char *list, const char *d)
{
	size_t dl = strlen(d);
	const char *p = list;

	if (list == NULL || dl == 0)
		return false;
	while (*p != '\0') {
		size_t n;

		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, ", \t");
		if (n == dl && strncasecmp(p, d, n) == 0)
			return true;
		p += n;
	}
	return false;
}

/*
 * check_arc_collect - off the pool: wait for the keys, verify, add the
 * symbols and the authentication result
 */
static int
check_arc_collect(void *state, const struct vg_msg *msg, void *work,
    uint64_t deadline_ms, const struct vg_rules *rules, struct vg_result *res)
{
	struct check_arc *st = state;
	struct arc_work *w = work;
	struct vg_arc_outcome o;
	struct vg_buf detail;
	const char *qid = vg_msg_queue_id(msg), *sym = "ARC_INVALID";
	const char *how = NULL;
	const char *newest;
	char reason[VG_ARC_REASON_MAX], from[VG_DKIM_NAME_MAX + 1];
	char clean[VG_DKIM_NAME_MAX + 1];
	struct vg_key_src src;
	int rc = 0;

	if (w == NULL)
		return 0;
	key_src(&src, w->m);
	rc = vg_key_lookup_collect(&w->keys, st->dns, &src, deadline_ms);
	if (rc != 0)
		return rc;
	vg_arc_outcome(&o, w->m);
	if (o.result == VG_ARC_NONE)
		return 0;
	newest = vg_arc_sealer(w->m, o.sets);
	vg_sanitize_str(reason, sizeof(reason), o.reason, VG_SANITIZE_ASCII);
	vg_buf_init(&detail, 4096);
	(void)vg_buf_printf(
	    &detail, "arc=%s i=%u", vg_arc_result_name(o.result), o.sets);
	if (o.result == VG_ARC_PASS)
		(void)vg_buf_printf(&detail, " oldest-pass=%u", o.oldest_pass);
	(void)vg_buf_printf(&detail, " sealers=");
	for (unsigned i = 1; i <= o.sets; i++)
		(void)vg_buf_printf(&detail, "%s%s", i > 1 ? "," : "",
		    vg_arc_sealer(w->m, i)[0] != '\0' ? vg_arc_sealer(w->m, i)
		                                      : "?");
	if (reason[0] != '\0')
		(void)vg_buf_printf(&detail, " (%s)", reason);
	switch (o.result) {
	case VG_ARC_NONE:
		break;
	case VG_ARC_PASS:
		sym = "ARC_VALID";
		break;
	case VG_ARC_FAIL:
		sym = "ARC_INVALID";
		break;
	case VG_ARC_TEMPERROR:
		sym = "ARC_TEMPERROR";
		break;
	}
	if (o.result != VG_ARC_PASS)
		vg_info("%s: ARC %s (%u sets): %s",
		    *qid != '\0' ? qid : "NOQUEUE",
		    vg_arc_result_name(o.result), o.sets, reason);
	/* Past VG_RESULT_MAX_AUTH it is dropped: the symbols stay. */
	(void)vg_result_add_auth(
	    res, VG_AUTH_ARC, sym, vg_arc_result_name(o.result), "", newest);
	rc = vg_result_add(
	    res, sym, vg_rules_score(rules, sym, 0.0), vg_buf_cstr(&detail));
	if (rc == 0 && o.result == VG_ARC_PASS &&
	    sealer_trusted(st->conf->arc_trusted_sealers, newest)) {
		vg_msg_from_domain(from, sizeof(from), msg);
		how = vg_arc_vouches(w->m, from);
	}
	if (rc == 0 && how != NULL) {
		vg_sanitize_str(clean, sizeof(clean), from, VG_SANITIZE_ASCII);
		vg_buf_reset(&detail);
		(void)vg_buf_printf(&detail,
		    "arc=pass sealer=%s vouches %s=pass for %s", newest, how,
		    clean);
		if (res->nauth > 0 &&
		    res->auth[res->nauth - 1].method == VG_AUTH_ARC)
			res->auth[res->nauth - 1].vouched = true;
		rc = vg_result_add(res, "ARC_TRUSTED",
		    vg_rules_score(rules, "ARC_TRUSTED", 0.0),
		    vg_buf_cstr(&detail));
	}
	vg_buf_fini(&detail);
	return rc;
}

const struct vg_check_ops vg_check_arc_ops = {
    .name = "arc",
    .create = check_arc_create,
    .start = check_arc_start,
    .collect = check_arc_collect,
    .work_free = check_arc_work_free,
    .free = check_arc_free,
};
