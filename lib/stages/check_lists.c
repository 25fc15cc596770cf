/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check_lists - the allow and block lists as a check of the score stage.
 *
 * Adds ALLOW_CLIENT, ALLOW_FROM, ALLOW_RCPT, BLOCK_CLIENT, BLOCK_FROM and
 * BLOCK_RCPT for the lists that match the message's client address,
 * envelope sender and recipients (lists.h), scored by the rules file (0
 * when it gives no score).  With block_action reject (the default), a
 * block forces "550 5.7.1 Message rejected: ... blocked by policy" unless
 * the client or the sender is allowed or every recipient is: where the
 * milter refused the blocked recipients at RCPT TO already, the message
 * left holds only allowed ones and passes.  A block never rejects part
 * of a message here: the strictest decision applies to all of it.
 */
#include "stages/check_ops.h"
#include "policy/lists.h"
#include "message/msg.h"
#include "policy/policy.h"
#include "rules/rules.h"

static const struct {
	unsigned bit;
	const char *name;
} check_lists_syms[] = {
    {VG_LISTS_ALLOW_CLIENT, "ALLOW_CLIENT"},
    {VG_LISTS_ALLOW_FROM, "ALLOW_FROM"},
    {VG_LISTS_ALLOW_RCPT, "ALLOW_RCPT"},
    {VG_LISTS_BLOCK_CLIENT, "BLOCK_CLIENT"},
    {VG_LISTS_BLOCK_FROM, "BLOCK_FROM"},
    {VG_LISTS_BLOCK_RCPT, "BLOCK_RCPT"},
};

/* vg_check_lists_msg - match, add symbols, maybe refuse */
int
vg_check_lists_msg(const struct vg_lists *l, const struct vg_msg *msg,
    const struct vg_rules *rules, struct vg_result *res)
{
	size_t n, i;
	unsigned bits, rbits;
	bool all_allowed;
	int rc;

	bits =
	    vg_lists_check(l, vg_msg_client_addr(msg), vg_msg_from(msg), NULL);
	n = vg_msg_rcpt_stored(msg);
	all_allowed = n > 0;
	for (i = 0; i < n; i++) {
		rbits = vg_lists_check(l, NULL, NULL, vg_msg_rcpt(msg, i));
		bits |= rbits;
		if ((rbits & VG_LISTS_ALLOW_RCPT) == 0)
			all_allowed = false;
	}
	for (i = 0; i < sizeof(check_lists_syms) / sizeof(check_lists_syms[0]);
	     i++) {
		const char *sym = check_lists_syms[i].name;

		if ((bits & check_lists_syms[i].bit) == 0)
			continue;
		rc = vg_result_add(
		    res, sym, vg_rules_score(rules, sym, 0.0), NULL);
		if (rc != 0)
			return rc;
	}
	/* Refusal: allowing some recipients does not let the rest through. */
	if (!all_allowed)
		bits &= ~VG_LISTS_ALLOW_RCPT;
	if (!vg_lists_refuse(l, bits))
		return 0;
	if (bits & VG_LISTS_BLOCK_CLIENT)
		vg_result_force_reply(res, VG_ACTION_REJECT, "BLOCK_CLIENT",
		    VG_REPLY_BLOCK_CLIENT, NULL, NULL);
	else if (bits & VG_LISTS_BLOCK_FROM)
		vg_result_force_reply(res, VG_ACTION_REJECT, "BLOCK_FROM",
		    VG_REPLY_BLOCK_FROM, NULL, NULL);
	else
		vg_result_force_reply(res, VG_ACTION_REJECT, "BLOCK_RCPT",
		    VG_REPLY_BLOCK_RCPT, NULL, NULL);
	return 0;
}

/* check_lists_run - the rules' lists (or none) */
static int
check_lists_run(void *state, const struct vg_msg *msg,
    const struct vg_text *text, const struct vg_rules *rules,
    struct vg_result *res)
{
	const struct vg_policy *policy = vg_policy_of(rules);

	(void)state;
	(void)text;
	if (policy == NULL)
		return VG_ENOMEM;
	return vg_check_lists_msg(vg_policy_lists(policy), msg, rules, res);
}

const struct vg_check_ops vg_check_lists_ops = {
    .name = "lists",
    .create = NULL,
    .run = check_lists_run,
    .free = NULL,
};
