/* SPDX-License-Identifier: GPL-2.0-only */
/* policy_parse - the policy directives of the rules file (policy.h) */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "message/attach.h"
#include "base/compiler.h"
#include "base/err.h"
#include "policy/lists.h"
#include "policy/policy.h"
#include "base/sanitize.h"

struct vg_policy {
	struct vg_lists *lists;
	struct vg_attach_policy attach;
};

/* vg_policy_new - no lists, the default attachment policy */
int
vg_policy_new(struct vg_policy **out)
{
	struct vg_policy *p;
	int rc;

	*out = NULL;
	if ((p = vg_calloc(1, sizeof(*p))) == NULL)
		return VG_ENOMEM;
	if ((rc = vg_lists_new(&p->lists)) != 0 ||
	    (rc = vg_attach_policy_init(&p->attach)) != 0) {
		vg_policy_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

/* vg_policy_free - lists and attachment policy */
void
vg_policy_free(struct vg_policy *p)
{
	if (p == NULL)
		return;
	vg_lists_free(p->lists);
	vg_attach_policy_fini(&p->attach);
	vg_free(p);
}

/* vg_policy_lists - borrowed */
const struct vg_lists *
vg_policy_lists(const struct vg_policy *p)
{
	return p->lists;
}

/* vg_policy_attach - borrowed */
const struct vg_attach_policy *
vg_policy_attach(const struct vg_policy *p)
{
	return &p->attach;
}

/* policy_is_sep - blanks and commas separate list entries */
static bool
policy_is_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\n';
}

/*
 * policy_next - the next argument of args (*len bytes), moving *p past
 * it; NULL at the end.
 */
static const char *
policy_next(const char **p, size_t *len)
{
	const char *s = *p, *start;

	while (*s != '\0' && policy_is_sep(*s))
		s++;
	if (*s == '\0')
		return NULL;
	start = s;
	while (*s != '\0' && !policy_is_sep(*s))
		s++;
	*len = (size_t)(s - start);
	*p = s;
	return start;
}

/* policy_fail - record one error and return VG_ECONFIG */
static int VG_PRINTF(4, 5) policy_fail(
    struct vg_err *err, const char *file, unsigned line, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	vg_err_add(err, file, line, "%s", reason);
	return VG_ECONFIG;
}

/* policy_word - the argument as a C string in buf, or false if too long */
static bool
policy_word(char *buf, size_t size, const char *arg, size_t len)
{
	if (len >= size)
		return false;
	memcpy(buf, arg, len);
	buf[len] = '\0';
	return true;
}

/* policy_list - allow_* / block_* lines: every entry, every error */
static int
policy_list(struct vg_policy *p, const char *dir, bool block,
    enum vg_list_kind kind, const char *args, const char *file, unsigned line,
    struct vg_err *err)
{
	const char *arg, *why = NULL;
	char shown[80];
	size_t len, n = 0;
	int rc, ret = 1;

	while ((arg = policy_next(&args, &len)) != NULL) {
		n++;
		rc = vg_lists_add(p->lists, block, kind, arg, len, &why);
		if (rc == VG_ENOMEM)
			return rc;
		if (rc != 0) {
			vg_sanitize(shown, sizeof(shown), arg, len, 0);
			ret = policy_fail(
			    err, file, line, "%s: '%s': %s", dir, shown, why);
		}
	}
	if (n == 0)
		return policy_fail(err, file, line, "%s: no entries", dir);
	return ret;
}

/* policy_attach_list - attach_ban_ext and friends */
static int
policy_attach_list(struct vg_policy *p, const char *dir, bool type, bool ban,
    const char *args, const char *file, unsigned line, struct vg_err *err)
{
	const char *arg, *why = NULL;
	char word[300], shown[80];
	size_t len, n = 0;
	int rc, ret = 1;

	while ((arg = policy_next(&args, &len)) != NULL) {
		n++;
		if (!policy_word(word, sizeof(word), arg, len)) {
			ret = policy_fail(
			    err, file, line, "%s: entry too long", dir);
			continue;
		}
		rc = type
		    ? vg_attach_policy_ban_type(&p->attach, word, ban, &why)
		    : vg_attach_policy_ban_ext(&p->attach, word, ban, &why);
		if (rc == VG_ENOMEM)
			return rc;
		if (rc != 0) {
			vg_sanitize_str(shown, sizeof(shown), word, 0);
			ret = policy_fail(
			    err, file, line, "%s: '%s': %s", dir, shown, why);
		}
	}
	if (n == 0)
		return policy_fail(err, file, line, "%s: no entries", dir);
	return ret;
}

/* policy_attach_action - attach_action [SYMBOL] reject|quarantine|score */
static int
policy_attach_action(struct vg_policy *p, const char *args, const char *file,
    unsigned line, struct vg_err *err)
{
	const char *a1, *a2, *a3;
	size_t l1, l2 = 0, l3;
	char w1[64], w2[64], shown[80];
	const char *act_word;
	enum vg_attach_act act;
	enum vg_attach_sym sym;
	bool all;

	a1 = policy_next(&args, &l1);
	a2 = a1 != NULL ? policy_next(&args, &l2) : NULL;
	a3 = a2 != NULL ? policy_next(&args, &l3) : NULL;
	if (a1 == NULL || a3 != NULL)
		return policy_fail(err, file, line,
		    "attach_action: want [SYMBOL] reject|quarantine|score");
	all = a2 == NULL;
	if (!policy_word(w1, sizeof(w1), a1, l1) ||
	    (!all && !policy_word(w2, sizeof(w2), a2, l2))) {
		vg_sanitize(shown, sizeof(shown), a1, l1, 0);
		return policy_fail(err, file, line,
		    "attach_action: '%s': unknown symbol or action", shown);
	}
	act_word = all ? w1 : w2;
	if (strcmp(act_word, "reject") == 0)
		act = VG_ATTACH_ACT_REJECT;
	else if (strcmp(act_word, "quarantine") == 0)
		act = VG_ATTACH_ACT_QUARANTINE;
	else if (strcmp(act_word, "score") == 0)
		act = VG_ATTACH_ACT_SCORE;
	else {
		vg_sanitize_str(shown, sizeof(shown), act_word, 0);
		return policy_fail(err, file, line,
		    "attach_action: '%s': want reject, quarantine or score",
		    shown);
	}
	if (all) {
		for (int i = 0; i < VG_ATTACH_SYM_MAX; i++)
			p->attach.act[i] = act;
		return 1;
	}
	if (vg_attach_sym_parse(&sym, w1) != 0) {
		vg_sanitize_str(shown, sizeof(shown), w1, 0);
		return policy_fail(err, file, line,
		    "attach_action: '%s' is not an ATTACH_* symbol", shown);
	}
	p->attach.act[sym] = act;
	return 1;
}

/* policy_block_action - block_action reject|score */
static int
policy_block_action(struct vg_policy *p, const char *args, const char *file,
    unsigned line, struct vg_err *err)
{
	const char *a1, *a2;
	size_t l1, l2;

	a1 = policy_next(&args, &l1);
	a2 = a1 != NULL ? policy_next(&args, &l2) : NULL;
	if (a1 != NULL && a2 == NULL && l1 == 6 && memcmp(a1, "reject", 6) == 0)
		vg_lists_set_block_reject(p->lists, true);
	else if (a1 != NULL && a2 == NULL && l1 == 5 &&
	    memcmp(a1, "score", 5) == 0)
		vg_lists_set_block_reject(p->lists, false);
	else
		return policy_fail(
		    err, file, line, "block_action: want reject or score");
	return 1;
}

/* vg_policy_directive - dispatch one directive (see policy.h) */
int
vg_policy_directive(struct vg_policy *p, const char *directive,
    const char *args, const char *file, unsigned line, struct vg_err *err)
{
	static const struct {
		const char *name;
		bool block;
		enum vg_list_kind kind;
	} lists[] = {
	    {"allow_client", false, VG_LIST_CLIENT},
	    {"block_client", true, VG_LIST_CLIENT},
	    {"allow_from", false, VG_LIST_FROM},
	    {"block_from", true, VG_LIST_FROM},
	    {"allow_rcpt", false, VG_LIST_RCPT},
	    {"block_rcpt", true, VG_LIST_RCPT},
	};

	if (args == NULL)
		args = "";
	for (size_t i = 0; i < VG_NELEM(lists); i++)
		if (strcmp(directive, lists[i].name) == 0)
			return policy_list(p, directive, lists[i].block,
			    lists[i].kind, args, file, line, err);
	if (strcmp(directive, "block_action") == 0)
		return policy_block_action(p, args, file, line, err);
	if (strcmp(directive, "attach_ban_ext") == 0)
		return policy_attach_list(
		    p, directive, false, true, args, file, line, err);
	if (strcmp(directive, "attach_allow_ext") == 0)
		return policy_attach_list(
		    p, directive, false, false, args, file, line, err);
	if (strcmp(directive, "attach_ban_type") == 0)
		return policy_attach_list(
		    p, directive, true, true, args, file, line, err);
	if (strcmp(directive, "attach_allow_type") == 0)
		return policy_attach_list(
		    p, directive, true, false, args, file, line, err);
	if (strcmp(directive, "attach_action") == 0)
		return policy_attach_action(p, args, file, line, err);
	return 0;
}

static pthread_once_t policy_once = PTHREAD_ONCE_INIT;
static struct vg_policy *policy_builtin;

/* policy_build_default - run once: the built-in policy, kept for ever */
static void
policy_build_default(void)
{
	if (vg_policy_new(&policy_builtin) != 0)
		policy_builtin = NULL;
}

/* vg_policy_default - the process-wide built-in policy */
const struct vg_policy *
vg_policy_default(void)
{
	pthread_once(&policy_once, policy_build_default);
	return policy_builtin;
}

/* policy_module_create - a rules set's policy: the built-in one to start */
static int
policy_module_create(void **state_out)
{
	struct vg_policy *p = NULL;
	int rc = vg_policy_new(&p);

	*state_out = p;
	return rc;
}

/* policy_module_free - the rules set is freed */
static void
policy_module_free(void *state)
{
	vg_policy_free(state);
}

/* policy_module_directive - one line the rules parser does not know */
static int
policy_module_directive(void *state, const char *dir, const char *rest,
    const char *file, unsigned line, struct vg_err *err)
{
	return vg_policy_directive(state, dir, rest, file, line, err);
}

/* The lists and attachment policy, as a rules-file module (rules.h). */
const struct vg_rules_module vg_policy_rules_module = {
    .name = "policy",
    .create = policy_module_create,
    .free = policy_module_free,
    .directive = policy_module_directive,
};

/* vg_rules_policy - the policy the rules file built, or NULL */
const struct vg_policy *
vg_rules_policy(const struct vg_rules *rules)
{
	return vg_rules_module_state(rules, &vg_policy_rules_module);
}

/* vg_policy_of - the rules' policy or the built-in one */
const struct vg_policy *
vg_policy_of(const struct vg_rules *rules)
{
	const struct vg_policy *p =
	    rules != NULL ? vg_rules_policy(rules) : NULL;

	return p != NULL ? p : vg_policy_default();
}
