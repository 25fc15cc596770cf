/* SPDX-License-Identifier: GPL-2.0-only */
/* decide - stage results + policy -> one verdict: action, reply, reason */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "message/msg.h"
#include "rules/rules.h"
#include "policy/direction.h"
#include "core/engine.h"
#include "core/headers.h"
#include "core/sign.h"
#include "core/reply.h"
#include "core/verdict.h"

/* set_reply - fill the SMTP reply of the verdict */
static void
set_reply(
    struct vg_verdict *v, const char *code, const char *xcode, const char *text)
{
	vg_sanitize_str(v->code, sizeof(v->code), code, VG_SANITIZE_ASCII);
	vg_sanitize_str(v->xcode, sizeof(v->xcode), xcode, VG_SANITIZE_ASCII);
	vg_sanitize_str(v->text, sizeof(v->text), text, VG_SANITIZE_ASCII);
}

/* reply - the verdict's reply is the table's id, with arg in its place */
static void
reply(struct vg_verdict *v, enum vg_reply_id id, const char *arg)
{
	const struct vg_reply *r = vg_reply(id);
	char text[VG_REASON_MAX];

	vg_reply_text(text, sizeof(text), id, arg, NULL);
	set_reply(v, r->code, r->xcode, text);
}

/* cmp_symbol - X-Spam-Status lists tests by name, like SpamAssassin */
static int
cmp_symbol(const void *a, const void *b)
{
	const struct vg_symbol *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* collect_symbols - copy every stage's hits into the verdict, sorted */
static int
collect_symbols(struct vg_verdict *v, const struct vg_result *results, size_t n)
{
	size_t total = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		total += results[i].syms.n;
	if (total == 0)
		return 0;
	if ((v->symbols = vg_calloc(total, sizeof(*v->symbols))) == NULL)
		return VG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < results[i].syms.n; j++) {
			const struct vg_symbol *s = &results[i].syms.sym[j];
			struct vg_symbol *d = &v->symbols[k];

			if ((d->name = vg_strdup(s->name)) == NULL)
				return VG_ENOMEM;
			d->score = s->score;
			if (s->detail != NULL &&
			    (d->detail = vg_strdup(s->detail)) == NULL) {
				vg_free(d->name);
				return VG_ENOMEM;
			}
			v->score += s->score;
			v->nsymbols = ++k;
		}
	}
	qsort(v->symbols, v->nsymbols, sizeof(*v->symbols), cmp_symbol);
	return 0;
}

/*
 * cmp_auth - authentication results by method (spf, dkim, as RFC 8601's
 * examples list them); SPF's in the order of their symbols, the others
 * in the order the check added them (DKIM's signatures top down)
 */
static int
cmp_auth(const void *a, const void *b)
{
	const struct vg_auth *x = a, *y = b;
	int c;

	if (x->method != y->method)
		return x->method < y->method ? -1 : 1;
	if (x->method == VG_AUTH_SPF && (c = strcmp(x->symbol, y->symbol)) != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * collect_auth - every stage's authentication results, in the order of
 * their symbols (as X-Spam-Status lists them); past VG_RESULT_MAX_AUTH
 * they are dropped
 */
static void
collect_auth(struct vg_verdict *v, const struct vg_result *results, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < results[i].nauth; j++)
			if (v->nauth < VG_NELEM(v->auth))
				v->auth[v->nauth++] = results[i].auth[j];
	qsort(v->auth, v->nauth, sizeof(v->auth[0]), cmp_auth);
}

/*
 * add_symbol - one more symbol of the verdict's own (name and detail are
 * copied), kept in X-Spam-Status order; its score counts.
 */
static int
add_symbol(
    struct vg_verdict *v, const char *name, double score, const char *detail)
{
	struct vg_symbol *syms, *d;

	syms = vg_reallocarray(v->symbols, v->nsymbols + 1, sizeof(*syms));
	if (syms == NULL)
		return VG_ENOMEM;
	v->symbols = syms;
	d = &syms[v->nsymbols];
	memset(d, 0, sizeof(*d));
	if ((d->name = vg_strdup(name)) == NULL)
		return VG_ENOMEM;
	if (detail != NULL && (d->detail = vg_strdup(detail)) == NULL) {
		vg_free(d->name);
		return VG_ENOMEM;
	}
	d->score = score;
	v->score += score;
	v->nsymbols++;
	qsort(v->symbols, v->nsymbols, sizeof(*v->symbols), cmp_symbol);
	return 0;
}

/*
 * add_notes - the message's notes (msg.h: a session-time check that ran
 * on a per-process fallback, RATELIMIT_UNAVAILABLE ...) as symbols, scored
 * by the rules file, 0 when it gives none; one a stage added is not
 * added twice.
 */
static int
add_notes(struct vg_verdict *v, const struct vg_msg *msg,
    const struct vg_rules *rules)
{
	for (size_t i = 0; i < vg_msg_note_count(msg); i++) {
		const char *name = vg_msg_note(msg, i);
		bool have = false;
		int rc;

		for (size_t j = 0; j < v->nsymbols && !have; j++)
			have = strcmp(v->symbols[j].name, name) == 0;
		if (!have &&
		    (rc = add_symbol(
		         v, name, vg_rules_score(rules, name, 0.0), NULL)) != 0)
			return rc;
	}
	return 0;
}

/* stage_failed - the first failed result, or NULL */
static const struct vg_result *
stage_failed(const struct vg_result *results, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (results[i].status != 0)
			return &results[i];
	return NULL;
}

/*
 * outbound_spam - spam from our own network or an authenticated account
 * is a probable compromise: it gets outbound_spam_action (by default the
 * hold queue) rather than the inbound tag or reject, and the reason names
 * the login or the internal address for the log line.
 */
static void
outbound_spam(struct vg_verdict *v, const struct vg_conf *conf)
{
	char score[32];

	v->action =
	    vg_direction_spam_action(conf, VG_DIRECTION_OUTBOUND, v->action);
	(void)vg_str_fmt(v->reason, sizeof(v->reason),
	    "probable compromise: outbound spam from %s (score %.1f)",
	    v->source, v->score);
	v->code[0] = v->xcode[0] = v->text[0] = '\0';
	switch (v->action) {
	case VG_ACTION_REJECT:
		(void)vg_str_fmt(score, sizeof(score), "%.1f", v->score);
		reply(v, VG_REPLY_SPAM, score);
		break;
	case VG_ACTION_TEMPFAIL:
		reply(v, VG_REPLY_SPAM_HELD, NULL);
		break;
	case VG_ACTION_ACCEPT:
	case VG_ACTION_TAG:
	case VG_ACTION_QUARANTINE:
	case VG_ACTION_DISCARD:
		break;
	}
}

/* decide_action - the policy: oversize, virus, error, forced, score */
static void
decide_action(struct vg_verdict *v, const struct vg_conf *conf,
    const struct vg_msg *msg, const struct vg_result *results, size_t n)
{
	enum vg_direction dir =
	    v->outbound ? VG_DIRECTION_OUTBOUND : VG_DIRECTION_INBOUND;
	const struct vg_result *failed = stage_failed(results, n);
	char score[32];

	if (vg_msg_flags(msg) & VG_MSG_F_OUR_HEADERS_OVERFLOW) {
		/*
		 * Thousands of X-Spam-* / X-Virus-* headers: not all could be
		 * indexed, so not all could be deleted.  Only a hostile
		 * message looks like this; it is refused, not passed with
		 * forgeries left in it.
		 */
		v->action = VG_ACTION_REJECT;
		reply(v, VG_REPLY_FORGED_OVERFLOW, NULL);
		vg_str_fmt(v->reason, sizeof(v->reason),
		    "more forged status headers than can be removed");
		return;
	}
	if (vg_msg_oversized(msg)) {
		v->action = conf->oversize_action;
		vg_str_fmt(v->reason, sizeof(v->reason),
		    "message larger than max_message_size (%llu bytes)",
		    (unsigned long long)conf->max_message_size);
		if (v->action == VG_ACTION_REJECT)
			reply(v, VG_REPLY_TOO_BIG, NULL);
		else if (v->action == VG_ACTION_TEMPFAIL)
			reply(v, VG_REPLY_TOO_BIG_HELD, NULL);
		return;
	}
	if (v->virus[0] != '\0') {
		v->action = vg_direction_virus_action(conf, dir);
		vg_str_fmt(v->reason, sizeof(v->reason), "virus %s", v->virus);
		if (v->action == VG_ACTION_REJECT)
			reply(v, VG_REPLY_VIRUS, v->virus);
		else if (v->action == VG_ACTION_TEMPFAIL)
			reply(v, VG_REPLY_VIRUS_HELD, NULL);
		return;
	}

	/* The score decides first; a failure or a check may be stricter. */
	if (v->score >= v->reject) {
		v->action = VG_ACTION_REJECT;
		(void)vg_str_fmt(score, sizeof(score), "%.1f", v->score);
		reply(v, VG_REPLY_SPAM, score);
		vg_str_fmt(
		    v->reason, sizeof(v->reason), "spam score %.1f", v->score);
	} else if (v->spam) {
		v->action = VG_ACTION_TAG;
		vg_str_fmt(
		    v->reason, sizeof(v->reason), "spam score %.1f", v->score);
	} else {
		v->action = VG_ACTION_ACCEPT;
	}
	if (v->outbound && v->action != VG_ACTION_ACCEPT)
		outbound_spam(v, conf);
	/*
	 * A scan that stopped short: unscanned_action, over the score's
	 * reply at equal strictness (it says more than a score); a check's
	 * own refusal below still names the attachment.
	 */
	if (v->virus_outcome == VG_VIRUS_INCOMPLETE &&
	    (conf->unscanned_action == VG_ACTION_REJECT ||
	        conf->unscanned_action == VG_ACTION_QUARANTINE) &&
	    vg_action_strictness(conf->unscanned_action) >=
	        vg_action_strictness(v->action)) {
		v->action = conf->unscanned_action;
		v->code[0] = v->xcode[0] = v->text[0] = '\0';
		vg_str_fmt(v->reason, sizeof(v->reason),
		    "not scanned for viruses: %s", v->unscanned);
		if (v->action == VG_ACTION_REJECT)
			reply(v, VG_REPLY_UNSCANNED, v->unscanned);
	}
	for (size_t i = 0; i < n; i++) {
		const struct vg_forced *f = &results[i].forced;

		/*
		 * At equal strictness the check's reply wins: "attachment
		 * type not allowed: x.exe" tells the sender more than a score.
		 */
		if (!f->set ||
		    vg_action_strictness(f->action) <
		        vg_action_strictness(v->action))
			continue;
		v->action = f->action;
		v->forced = true;
		set_reply(v, f->code, f->xcode, f->text);
		vg_str_fmt(v->reason, sizeof(v->reason), "%s",
		    f->symbol != NULL ? f->symbol : results[i].stage);
	}
	if (failed != NULL) {
		/*
		 * A stage that could not do its job must not let the message
		 * through as if it had been checked, unless the admin chose
		 * fail-open; but a definite rejection from the stages that
		 * did work still stands.
		 */
		v->error = true;
		if (vg_action_strictness(conf->on_error) >
		    vg_action_strictness(v->action)) {
			v->action = conf->on_error;
			reply(v, VG_REPLY_ON_ERROR, NULL);
		}
		vg_str_fmt(v->reason, sizeof(v->reason), "%s stage failed: %s",
		    failed->stage, failed->error);
	}
}

/*
 * virus_status - the X-Virus-Status text.  "Clean" only for a scan that
 * ran to the end (VG_VIRUS_CLEAN); everything else says what it was.
 */
static void
virus_status(struct vg_verdict *v, const struct vg_msg *msg,
    const struct vg_result *virus_res)
{
	if (vg_msg_oversized(msg))
		vg_str_fmt(v->virus_status, sizeof(v->virus_status),
		    "Unscanned (too large)");
	else if (virus_res == NULL)
		vg_str_fmt(v->virus_status, sizeof(v->virus_status),
		    "Unscanned (disabled)");
	else if (virus_res->status != 0)
		vg_str_fmt(v->virus_status, sizeof(v->virus_status),
		    "Unscanned (error)");
	else if (v->virus[0] != '\0')
		vg_str_fmt(v->virus_status, sizeof(v->virus_status),
		    "Infected (%s)", v->virus);
	else if (v->virus_outcome == VG_VIRUS_CLEAN)
		vg_str_fmt(v->virus_status, sizeof(v->virus_status), "Clean");
	else
		vg_str_fmt(v->virus_status, sizeof(v->virus_status),
		    "Unscanned (%s)",
		    v->unscanned[0] != '\0' ? v->unscanned : "unknown");
}

/* vg_verdict_decide - merge the results of the engine's stages for msg */
int
vg_verdict_decide(struct vg_verdict **out, const struct vg_engine *engine,
    const struct vg_msg *msg, const struct vg_result *results, size_t n)
{
	const struct vg_conf *conf = vg_engine_conf(engine);
	const struct vg_rules *rules = vg_engine_rules(engine);
	const struct vg_result *virus_res = NULL, *score_res = NULL;
	struct vg_verdict *v;
	int rc;

	*out = NULL;
	if ((v = vg_calloc(1, sizeof(*v))) == NULL)
		return VG_ENOMEM;
	v->required = vg_rules_required_score(rules);
	v->reject = vg_rules_reject_score(rules);
	for (size_t i = 0; i < n; i++) {
		if (results[i].kind == VG_STAGE_VIRUS)
			virus_res = &results[i];
		else if (results[i].kind == VG_STAGE_SCORE)
			score_res = &results[i];
		if (results[i].bayes.state != VG_BAYES_NOT_RUN)
			v->bayes = results[i].bayes;
		if (i < VG_NELEM(v->stage_us)) {
			v->stage_us[i] = results[i].elapsed_us;
			v->stage_name[i] = results[i].stage;
		}
	}
	v->nstages = n < VG_NELEM(v->stage_us) ? n : VG_NELEM(v->stage_us);
	v->virus_outcome =
	    virus_res != NULL ? virus_res->outcome : VG_VIRUS_DISABLED;
	if (virus_res != NULL && virus_res->status != 0)
		v->virus_outcome = VG_VIRUS_NOT_RUN;
	if (virus_res != NULL && virus_res->virus[0] != '\0') {
		vg_sanitize_str(v->virus, sizeof(v->virus), virus_res->virus,
		    VG_SANITIZE_ASCII);
		v->virus_outcome = VG_VIRUS_INFECTED;
	}
	if (virus_res != NULL && virus_res->unscanned[0] != '\0')
		vg_sanitize_str(v->unscanned, sizeof(v->unscanned),
		    virus_res->unscanned, VG_SANITIZE_ASCII);
	/* Another stage saw content ClamAV cannot have scanned. */
	for (size_t i = 0; i < n && v->virus_outcome == VG_VIRUS_CLEAN; i++)
		if (results[i].unscannable[0] != '\0') {
			v->virus_outcome = VG_VIRUS_INCOMPLETE;
			vg_sanitize_str(v->unscanned, sizeof(v->unscanned),
			    results[i].unscannable, VG_SANITIZE_ASCII);
		}
	if ((rc = collect_symbols(v, results, n)) != 0)
		goto fail;
	collect_auth(v, results, n);
	if ((rc = add_notes(v, msg, rules)) != 0)
		goto fail;
	/*
	 * An incomplete scan is always a symbol, so the log line and
	 * `vigil scan --json` show it; it scores only when the message is to
	 * be tagged for it.
	 */
	if (v->virus_outcome == VG_VIRUS_INCOMPLETE &&
	    (rc = add_symbol(v, "VIRUS_UNSCANNED",
	         conf->unscanned_action == VG_ACTION_TAG
	             ? vg_rules_score(
	                   rules, "VIRUS_UNSCANNED", VG_VERDICT_UNSCANNED_SCORE)
	             : 0.0,
	         v->unscanned)) != 0)
		goto fail;
	v->spam = v->score >= v->required;
	{
		enum vg_direction_why why;

		v->outbound =
		    vg_direction_msg(conf, msg, &why) == VG_DIRECTION_OUTBOUND;
		vg_direction_source(v->source, sizeof(v->source), msg, why);
	}
	decide_action(v, conf, msg, results, n);
	virus_status(v, msg, virus_res);
	if (virus_res != NULL && virus_res->status == 0)
		(void)vg_str_fmt(v->scanned_by, sizeof(v->scanned_by), "%s",
		    virus_res->scanned_by);

	/* Forgeries go whatever the decision: a tempfailed message returns. */
	if ((rc = vg_headers_delete_forged(v, msg, conf->authserv_id)) != 0)
		goto fail;
	if (v->action != VG_ACTION_REJECT && v->action != VG_ACTION_TEMPFAIL &&
	    v->action != VG_ACTION_DISCARD &&
	    (rc = vg_headers_build(v, engine, msg, score_res)) != 0)
		goto fail;
	/* Last: the signature covers the edits above (sign.h). */
	if ((rc = vg_sign_verdict(v, engine, msg)) != 0)
		goto fail;
	*out = v;
	return 0;
fail:
	vg_verdict_free(v);
	return rc;
}

/* vg_verdict_free - free a verdict and all it owns */
void
vg_verdict_free(struct vg_verdict *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->nsymbols; i++) {
		vg_free(v->symbols[i].name);
		vg_free(v->symbols[i].detail);
	}
	vg_free(v->symbols);
	for (size_t i = 0; i < v->nedits; i++) {
		vg_free(v->edits[i].name);
		vg_free(v->edits[i].value);
	}
	vg_free(v->edits);
	vg_free(v);
}
