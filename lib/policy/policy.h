/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * policy - the rules file's allow/block lists and attachment policy.
 *
 * PURPOSE  One object for the policy directives of the rules file, kept
 *	    apart from struct vg_rules (which is about scoring): as a
 *	    rules-file module (vg_policy_rules_module, rules.h) the rules
 *	    parser creates one per rules set, hands it every directive it
 *	    does not know itself through vg_policy_directive(), and owns it
 *	    with the rules.  The checks (check_attach.c, check_lists.c) and
 *	    the score stage's RCPT hook read it through vg_rules_policy().  Rules files without any of these directives
 *	    get the built-in policy: no lists, the default banned
 *	    attachments (attach.h).
 * SYNTAX   One directive per line; arguments are separated by blanks
 *	    (commas are accepted between list entries too):
 *	      allow_client ADDR[/PREFIX] ...   block_client ...
 *	      allow_from   ADDRESS ...         block_from   ...
 *	      allow_rcpt   ADDRESS ...         block_rcpt   ...
 *	        (ADDRESS: user@domain, @domain, @.domain, user@, <>)
 *	      block_action reject|score
 *	      attach_ban_ext    EXT ...   attach_allow_ext  EXT ...
 *	      attach_ban_type   TYPE ...   attach_allow_type TYPE ...
 *	        (TYPE: type/subtype, or type/ and a '*' for a family)
 *	      attach_action [SYMBOL] reject|quarantine|score
 *	    attach_allow_* removes an entry (a default one too); without a
 *	    SYMBOL, attach_action sets every ATTACH_* symbol.  Later lines
 *	    win.  vigil.rules(5) documents each.
 * OWNS     vg_policy_new() returns a policy freed with vg_policy_free();
 *	    pointers returned by the accessors are borrowed from it.
 * ERRORS   vg_policy_directive(): 1 handled, 0 not a policy directive,
 *	    VG_ECONFIG (the error "file:line: reason" is added to err and
 *	    the caller goes on to the next line, so that every error of a
 *	    file is reported), VG_ENOMEM.
 * THREADS  Built by one thread; read-only afterwards.
 */
#ifndef VG_POLICY_H
#define VG_POLICY_H

#include "message/attach.h"
#include "base/err.h"
#include "policy/lists.h"
#include "rules/rules.h"

struct vg_policy;
struct vg_rules;

/* vg_policy_new - the built-in policy; VG_ENOMEM */
int vg_policy_new(struct vg_policy **out);
/* vg_policy_free - NULL is a no-op */
void vg_policy_free(struct vg_policy *p);

/*
 * vg_policy_directive - one rules-file line whose first word is
 * directive and whose remainder (blanks trimmed or not) is args.
 */
int vg_policy_directive(struct vg_policy *p, const char *directive,
    const char *args, const char *file, unsigned line, struct vg_err *err);

/* vg_policy_lists - the allow and block lists */
const struct vg_lists *vg_policy_lists(const struct vg_policy *p);
/* vg_policy_attach - the attachment policy */
const struct vg_attach_policy *vg_policy_attach(const struct vg_policy *p);

/*
 * vg_policy_default - a process-wide built-in policy for rules that have
 * none (NULL if it could not be built: VG_ENOMEM at first use).
 */
const struct vg_policy *vg_policy_default(void);

/*
 * The lists and attachment policy as a rules-file module (rules.h): the
 * parser creates the policy of each rules set and hands it every line it
 * does not know (rules_modules.c registers it).
 */
extern const struct vg_rules_module vg_policy_rules_module;

/*
 * vg_rules_policy - the policy a rules file built (policy_parse.c), or
 * NULL for NULL rules, so callers fall back on vg_policy_default().
 */
const struct vg_policy *vg_rules_policy(const struct vg_rules *rules);

/*
 * vg_policy_of - vg_rules_policy(rules), or the default policy when the
 * rules have none (may still be NULL on VG_ENOMEM).
 */
const struct vg_policy *vg_policy_of(const struct vg_rules *rules);

/*
 * The checks' work with the policy passed in (check_attach.c,
 * check_lists.c; the ops in check_ops.h find the policy with vg_policy_of()).
 * Each adds its symbols to res and may force a decision; VG_ENOMEM.
 */
struct vg_msg;
struct vg_result;
struct vg_text;
/* vg_check_attach_text - attachment policy over every decoded part */
int vg_check_attach_text(const struct vg_attach_policy *pol,
    const struct vg_attach_limits *lim, const struct vg_text *text,
    const struct vg_rules *rules, struct vg_result *res);
/* vg_check_lists_msg - the lists over the message's envelope */
int vg_check_lists_msg(const struct vg_lists *l, const struct vg_msg *msg,
    const struct vg_rules *rules, struct vg_result *res);

#endif /* VG_POLICY_H */
