/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check_sa_wlbl - SpamAssassin's welcomelist and blocklist tests
 * (policy/sa_wlbl.h) as a check of the score stage.
 *
 * When local.cf gave any welcomelist_* / blocklist_* / *_spam_to entry,
 * collect() (after the SPF, DKIM and DMARC checks, whose typed results
 * it reads) gathers the message's FROM and TO addresses as SpamAssassin
 * does (all_from_addrs, all_to_addrs) and adds USER_IN_WELCOMELIST,
 * USER_IN_BLOCKLIST, USER_IN_WELCOMELIST_TO, USER_IN_BLOCKLIST_TO,
 * USER_IN_MORE_SPAM_TO, USER_IN_ALL_SPAM_TO, USER_IN_SPF_WELCOMELIST,
 * USER_IN_DKIM_WELCOMELIST, USER_IN_DEF_SPF_WL and USER_IN_DEF_DKIM_WL
 * for the tests that hit, scored by the rules file or else with
 * SpamAssassin's scores (-100, 100, -6, 10, -20, -100, -100, -100, -7.5,
 * -7.5).  A name the rules file defines as a rule of its own (an eval:
 * rule that calls vg_sa_wlbl_eval() through the eval registry) is left to
 * that rule, so nothing counts twice.  A welcomelist is a score, never a
 * decision: a virus or a banned attachment is refused all the same.
 *
 * The subject tests (welcomelist_subject, blocklist_subject) run only as
 * the eval: rules of SpamAssassin's 60_welcomelist_subject.cf.
 *
 * LIMITS   Those of vg_sa_wlbl_gather() (sa_wlbl_addrs.c).
 */
#include <string.h>

#include "base/alloc.h"
#include "base/compiler.h"
#include "message/msg.h"
#include "policy/sa_wlbl.h"
#include "rules/rules.h"
#include "stages/check_ops.h"

/* sa_auth - the SPF and DKIM facts of res (the checks before this one) */
static void
sa_auth(struct vg_sa_wlbl_store *st, struct vg_sa_wlbl_facts *f,
    const struct vg_result *res)
{
	f->spf_pass = false;
	f->ndkim_pass = 0;
	for (size_t i = 0; i < res->nauth; i++) {
		const struct vg_auth *a = &res->auth[i];

		if (a->method == VG_AUTH_SPF &&
		    strcmp(a->property, "mailfrom") == 0 &&
		    strcmp(a->result, "pass") == 0)
			f->spf_pass = true;
		else if (a->method == VG_AUTH_DKIM &&
		    strcmp(a->result, "pass") == 0 &&
		    f->ndkim_pass < VG_NELEM(st->dkim))
			st->dkim[f->ndkim_pass++] = a->value;
	}
	f->dkim_pass = st->dkim;
}

/* check_sa_wlbl_collect - after SPF and DKIM: the tests, the symbols */
static int
check_sa_wlbl_collect(void *state, const struct vg_msg *msg, void *work,
    uint64_t deadline_ms, const struct vg_rules *rules, struct vg_result *res)
{
	const struct vg_sa_wlbl *w = vg_sa_wlbl_of(rules);
	struct vg_sa_wlbl_store *st;
	struct vg_sa_wlbl_facts f;
	int rc;

	(void)state;
	(void)work;
	(void)deadline_ms;
	if (vg_sa_wlbl_empty(w))
		return 0;
	if ((st = vg_calloc(1, sizeof(*st))) == NULL)
		return VG_ENOMEM;
	if ((rc = vg_sa_wlbl_gather(st, &f, msg)) != 0)
		goto out;
	sa_auth(st, &f, res);
	for (int t = 0; t < VG_SA_WLBL_TEST_MAX; t++) {
		const char *sym = vg_sa_wlbl_symbol((enum vg_sa_wlbl_test)t);

		if (vg_rules_defines(rules, sym) ||
		    !vg_sa_wlbl_eval(w, (enum vg_sa_wlbl_test)t, &f))
			continue;
		rc = vg_result_add(res, sym,
		    vg_rules_score(
		        rules, sym, vg_sa_wlbl_score((enum vg_sa_wlbl_test)t)),
		    NULL);
		if (rc != 0)
			goto out;
	}
out:
	vg_free(st);
	return rc;
}

const struct vg_check_ops vg_check_sa_wlbl_ops = {
    .name = "sa_wlbl",
    .collect = check_sa_wlbl_collect,
};
