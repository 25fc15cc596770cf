/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stage_abuse - the session-time limits (abuse.h) as a stage of hooks.
 *
 * PURPOSE  Asks the rate limits and the harvest defence at CONNECT, MAIL
 *	    FROM and each RCPT TO (a recipient the MTA refused counts as an
 *	    unknown one for the harvest count), and answers a refusal with
 *	    abuse.h's 451 4.7.1 and its log line, prefixed with the phase.
 *	    It has no scan.
 * OWNS     The counters are not the stage's: they live in the engine's
 *	    store (env->store, store/store.h), which a new engine takes
 *	    over from the one it replaces (vg_store_for_conf()), so they
 *	    survive a reload.  The state is only the tables' parameters
 *	    (vg_abuse), built with each engine; a table whose limit or
 *	    window a reload changed names other keys in the store and so
 *	    starts afresh (abuse.h).  Without a store in env (a stage built
 *	    by hand) it opens a memory store of its own.
 * ERRORS   A hook returns VG_ENOMEM when a counter cannot be stored, or
 *	    VG_ETEMP when the store cannot be reached; the front end applies
 *	    on_error (for a recipient the MTA refused the session only logs
 *	    it).
 * THREADS  Hooks are called concurrently; vg_abuse is thread-safe.
 */
#include "base/alloc.h"
#include "base/conf.h"
#include "base/str.h"
#include "message/msg.h"
#include "store/store.h"
#include "core/session.h"
#include "stages/abuse.h"
#include "stages/stages.h"

struct abuse_stage {
	const struct vg_conf *conf; /* borrowed from the engine */
	struct vg_abuse *ab;
};

/* abuse_free - the tables (and their store references) */
static void
abuse_free(void *state)
{
	struct abuse_stage *st = state;

	if (st == NULL)
		return;
	vg_abuse_free(st->ab);
	vg_free(st);
}

/* abuse_create - the tables of env->conf over the engine's store */
static int
abuse_create(
    void **state_out, const struct vg_stage_env *env, struct vg_err *err)
{
	struct vg_store *own = NULL, *store = env->store;
	struct abuse_stage *st;
	int rc;

	(void)err;
	*state_out = NULL;
	if ((st = vg_calloc(1, sizeof(*st))) == NULL)
		return VG_ENOMEM;
	st->conf = env->conf;
	if (store == NULL) {
		if ((rc = vg_store_for_conf(&own, env->conf, NULL)) != 0)
			goto out;
		store = own;
	}
	/* The tables take references of their own. */
	rc = vg_abuse_new(&st->ab, env->conf, store);
out:
	vg_store_unref(own);
	if (rc != 0) {
		abuse_free(st);
		return rc;
	}
	*state_out = st;
	return 0;
}

/* abuse_answer - copy abuse.h's answer into the hook's, phase named */
static void
abuse_answer(
    struct vg_hook_reply *r, const struct vg_abuse_reply *a, const char *phase)
{
	r->refuse = a->refuse;
	(void)vg_str_fmt(r->code, sizeof(r->code), "%s", a->code);
	(void)vg_str_fmt(r->xcode, sizeof(r->xcode), "%s", a->xcode);
	(void)vg_str_fmt(r->text, sizeof(r->text), "%s", a->text);
	r->symbol = a->symbol;
	r->notes[0] = a->unavailable[0];
	r->notes[1] = a->unavailable[1];
	if (a->log[0] != '\0') {
		(void)vg_str_fmt(
		    r->log, sizeof(r->log), "%s: %s", phase, a->log);
		r->log_level = VG_LOG_WARNING;
	}
}

/* abuse_auth - the message's SASL login, "" when none */
static const char *
abuse_auth(const struct vg_sess *s)
{
	const struct vg_msg *msg = vg_sess_msg(s);

	return msg != NULL ? vg_msg_auth(msg) : "";
}

/* abuse_connect - connections per minute; a client cooling off */
static int
abuse_connect(void *state, const struct vg_sess *s, struct vg_hook_reply *r)
{
	struct abuse_stage *st = state;
	struct vg_abuse_reply a;
	int rc;

	rc = vg_abuse_connect(st->ab, &a, st->conf, vg_sess_addr(s));
	if (rc == 0)
		abuse_answer(r, &a, "CONNECT");
	return rc;
}

/* abuse_mail - messages per login or client */
static int
abuse_mail(void *state, const struct vg_sess *s, struct vg_hook_reply *r)
{
	struct abuse_stage *st = state;
	struct vg_abuse_reply a;
	int rc;

	rc =
	    vg_abuse_mail(st->ab, &a, st->conf, vg_sess_addr(s), abuse_auth(s));
	if (rc == 0)
		abuse_answer(r, &a, "MAIL FROM");
	return rc;
}

/* abuse_rcpt - recipients per login or client; unknown ones counted */
static int
abuse_rcpt(void *state, const struct vg_sess *s, const struct vg_rcpt *rcpt,
    struct vg_hook_reply *r)
{
	struct abuse_stage *st = state;
	struct vg_abuse_reply a;
	int rc;

	if (rcpt->refused) {
		rc = vg_abuse_rcpt_rejected(
		    st->ab, &a, st->conf, vg_sess_addr(s));
		if (rc == 0)
			abuse_answer(r, &a, "rejected RCPT TO");
		return rc;
	}
	rc =
	    vg_abuse_rcpt(st->ab, &a, st->conf, vg_sess_addr(s), abuse_auth(s));
	if (rc == 0)
		abuse_answer(r, &a, "RCPT TO");
	return rc;
}

const struct vg_stage_ops vg_stage_abuse_ops = {
    .name = "abuse",
    .kind = VG_STAGE_OTHER,
    .create = abuse_create,
    .free = abuse_free,
    .connect = abuse_connect,
    .mail = abuse_mail,
    .rcpt = abuse_rcpt,
};
