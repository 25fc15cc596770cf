/* SPDX-License-Identifier: GPL-2.0-only */
/* result - what one stage found in one message */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "core/result.h"
#include "base/sanitize.h"

/* vg_result_outcome_name - see result.h */
const char *
vg_result_outcome_name(enum vg_virus_outcome outcome)
{
	switch (outcome) {
	case VG_VIRUS_NOT_RUN:
		return "error";
	case VG_VIRUS_CLEAN:
		return "clean";
	case VG_VIRUS_INFECTED:
		return "infected";
	case VG_VIRUS_DISABLED:
		return "disabled";
	case VG_VIRUS_TOO_LARGE:
		return "too large";
	case VG_VIRUS_INCOMPLETE:
		return "unscanned";
	}
	return "error";
}

/* vg_result_init - empty result for the named stage */
void
vg_result_init(struct vg_result *res, const char *stage)
{
	memset(res, 0, sizeof(*res));
	res->stage = stage;
}

/* vg_result_fini - free the symbols */
void
vg_result_fini(struct vg_result *res)
{
	vg_symset_fini(&res->syms);
}

/* vg_result_add - record a hit; past the cap it is counted, not stored */
int
vg_result_add(
    struct vg_result *res, const char *name, double score, const char *detail)
{
	return vg_symset_add(&res->syms, name, score, detail);
}

/* vg_result_add_auth - one typed authentication result */
int
vg_result_add_auth(struct vg_result *res, enum vg_auth_method method,
    const char *symbol, const char *result, const char *property,
    const char *value)
{
	struct vg_auth *a;

	if (res->nauth >= VG_RESULT_MAX_AUTH)
		return VG_ELIMIT;
	a = &res->auth[res->nauth++];
	a->method = method;
	a->symbol = symbol;
	a->result = result;
	a->property = property;
	a->seq = (unsigned)res->nauth;
	(void)vg_str_fmt(
	    a->value, sizeof(a->value), "%s", value != NULL ? value : "");
	a->value2[0] = '\0';
	a->vouched = false;
	return 0;
}

/* vg_result_add_auth2 - one typed authentication result with two values */
int
vg_result_add_auth2(struct vg_result *res, enum vg_auth_method method,
    const char *symbol, const char *result, const char *value,
    const char *value2)
{
	int rc = vg_result_add_auth(res, method, symbol, result, "", value);

	if (rc == 0)
		(void)vg_str_fmt(res->auth[res->nauth - 1].value2,
		    sizeof(res->auth[0].value2), "%s",
		    value2 != NULL ? value2 : "");
	return rc;
}

/* vg_result_fail - mark the stage failed */
void
vg_result_fail(struct vg_result *res, int code, const char *fmt, ...)
{
	char text[VG_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	res->status = code != 0 ? code : VG_EINTERNAL;
	vg_sanitize_str(res->error, sizeof(res->error), text, 0);
}

/* vg_result_force - a check insists on a decision; the strictest stays */
void
vg_result_force(struct vg_result *res, enum vg_action action, const char *code,
    const char *xcode, const char *symbol, const char *fmt, ...)
{
	char text[VG_REASON_MAX];
	va_list ap;

	if (res->forced.set &&
	    vg_action_strictness(res->forced.action) >=
	        vg_action_strictness(action))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	res->forced.set = true;
	res->forced.action = action;
	vg_sanitize_str(res->forced.code, sizeof(res->forced.code), code,
	    VG_SANITIZE_ASCII);
	vg_sanitize_str(res->forced.xcode, sizeof(res->forced.xcode), xcode,
	    VG_SANITIZE_ASCII);
	vg_sanitize_str(res->forced.text, sizeof(res->forced.text), text,
	    VG_SANITIZE_ASCII);
	res->forced.symbol = symbol;
}

/* vg_result_force_reply - vg_result_force() with a reply of the table */
void
vg_result_force_reply(struct vg_result *res, enum vg_action action,
    const char *symbol, enum vg_reply_id id, const char *arg1, const char *arg2)
{
	const struct vg_reply *r = vg_reply(id);
	char text[VG_REASON_MAX];

	vg_reply_text(text, sizeof(text), id, arg1, arg2);
	vg_result_force(res, action, r->code, r->xcode, symbol, "%s", text);
}

/* vg_result_has - true if name is among the hits */
bool
vg_result_has(const struct vg_result *res, const char *name)
{
	return vg_symset_has(&res->syms, name);
}

/* vg_result_detail - hit name's detail, "" without one, NULL if no hit */
const char *
vg_result_detail(const struct vg_result *res, const char *name)
{
	for (size_t i = 0; i < res->syms.n; i++)
		if (strcmp(res->syms.sym[i].name, name) == 0)
			return res->syms.sym[i].detail != NULL
			    ? res->syms.sym[i].detail
			    : "";
	return NULL;
}
