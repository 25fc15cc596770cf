/* SPDX-License-Identifier: GPL-2.0-only */
/* session - one SMTP connection and its message through every stage's hooks */
#include <string.h>

#include "base/alloc.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "core/engine.h"
#include "core/reply.h"
#include "core/scan.h"
#include "core/session.h"
#include "message/msg.h"

struct vg_sess {
	char addr[VG_SESS_NAME_MAX];
	char name[VG_SESS_NAME_MAX];
	char helo[VG_SESS_NAME_MAX];

	/* The message being collected, and the engine it holds. */
	struct vg_msg *msg;
	struct vg_engine *engine;
	size_t rejected_rcpts;

	/* The engine of the phase running now (borrowed during a call). */
	const struct vg_engine *phase_engine;

	/* Notes of CONNECT and HELO hooks, for every message (static). */
	const char *conn_notes[VG_MSG_NOTES_MAX];
	size_t nconn_notes;
};

/* The phases, for log lines and the hook each one calls. */
enum sess_phase {
	P_CONNECT,
	P_HELO,
	P_MAIL,
	P_RCPT,
	P_EOH,
	P_BODY,
	P_EOM,
};

/* Arguments of the phases that take more than the session. */
struct sess_args {
	const struct vg_rcpt *rcpt;
	const unsigned char *chunk;
	size_t len;
};

/* vg_sess_new - an empty session */
int
vg_sess_new(struct vg_sess **out)
{
	*out = vg_calloc(1, sizeof(**out));
	return *out != NULL ? 0 : VG_ENOMEM;
}

/* vg_sess_end - free the message, drop its engine */
void
vg_sess_end(struct vg_sess *s)
{
	if (s == NULL)
		return;
	vg_msg_free(s->msg);
	s->msg = NULL;
	vg_engine_unref(s->engine);
	s->engine = NULL;
	s->rejected_rcpts = 0;
}

/* vg_sess_abort - every stage's abort hook, then end the message */
void
vg_sess_abort(struct vg_sess *s)
{
	if (s == NULL)
		return;
	if (s->engine != NULL) {
		s->phase_engine = s->engine;
		for (size_t i = 0; i < vg_engine_nstages(s->engine); i++) {
			void *state;
			const struct vg_stage_ops *ops =
			    vg_engine_stage(s->engine, i, &state);

			if (ops->abort != NULL)
				ops->abort(state, s);
		}
		s->phase_engine = NULL;
	}
	vg_sess_end(s);
}

/* vg_sess_free - end the message and free the session */
void
vg_sess_free(struct vg_sess *s)
{
	if (s == NULL)
		return;
	vg_sess_end(s);
	vg_free(s);
}

/* sess_call - one stage's hook for phase p; 0 when it has none */
static int
sess_call(const struct vg_stage_ops *ops, void *state, struct vg_sess *s,
    enum sess_phase p, const struct sess_args *a, struct vg_hook_reply *r)
{
	switch (p) {
	case P_CONNECT:
		return ops->connect != NULL ? ops->connect(state, s, r) : 0;
	case P_HELO:
		return ops->helo != NULL ? ops->helo(state, s, r) : 0;
	case P_MAIL:
		return ops->mail != NULL ? ops->mail(state, s, r) : 0;
	case P_RCPT:
		return ops->rcpt != NULL ? ops->rcpt(state, s, a->rcpt, r) : 0;
	case P_EOH:
		return ops->eoh != NULL ? ops->eoh(state, s, r) : 0;
	case P_BODY:
		return ops->body != NULL
		    ? ops->body(state, s, a->chunk, a->len, r)
		    : 0;
	case P_EOM:
		return ops->eom != NULL ? ops->eom(state, s, r) : 0;
	}
	return VG_EINTERNAL;
}

/*
 * sess_note - keep a hook's note: on the message, or before MAIL FROM for
 * every message of the connection (at most VG_MSG_NOTES_MAX; more are
 * dropped, as the message drops them)
 */
static void
sess_note(struct vg_sess *s, const char *name)
{
	if (s->msg != NULL) {
		(void)vg_msg_add_note(s->msg, name);
		return;
	}
	for (size_t i = 0; i < s->nconn_notes; i++)
		if (strcmp(s->conn_notes[i], name) == 0)
			return;
	if (s->nconn_notes < VG_MSG_NOTES_MAX)
		s->conn_notes[s->nconn_notes++] = name;
}

/*
 * sess_run - phase p's hook of every stage of engine, in table order,
 * until one refuses or fails.  A hook's log line is logged here, after
 * the queue id, at the level it asks for.
 */
static int
sess_run(struct vg_sess *s, const struct vg_engine *engine, enum sess_phase p,
    const struct sess_args *a, struct vg_hook_reply *r)
{
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (engine == NULL)
		return 0;
	s->phase_engine = engine;
	for (size_t i = 0; i < vg_engine_nstages(engine); i++) {
		void *state;
		const struct vg_stage_ops *ops =
		    vg_engine_stage(engine, i, &state);

		memset(r, 0, sizeof(*r));
		r->log_level = VG_LOG_INFO;
		rc = sess_call(ops, state, s, p, a, r);
		if (rc == 0 && r->log[0] != '\0')
			vg_log(r->log_level, "%s: %s", vg_sess_qid(s), r->log);
		for (size_t j = 0; rc == 0 && j < VG_HOOK_NOTES_MAX; j++)
			if (r->notes[j] != NULL)
				sess_note(s, r->notes[j]);
		if (rc != 0 || r->refuse)
			break;
	}
	s->phase_engine = NULL;
	if (rc != 0)
		memset(r, 0, sizeof(*r));
	return rc;
}

/* sess_copy - copy a name into a session field, cut to fit */
static void
sess_copy(char *dst, const char *src)
{
	(void)vg_str_fmt(dst, VG_SESS_NAME_MAX, "%s", src != NULL ? src : "");
}

/* vg_sess_connect - remember the client, run the connect hooks */
int
vg_sess_connect(struct vg_sess *s, struct vg_engine *engine, const char *addr,
    const char *name, struct vg_hook_reply *r)
{
	sess_copy(s->addr, addr);
	sess_copy(s->name, name);
	s->nconn_notes = 0;
	return sess_run(s, engine, P_CONNECT, NULL, r);
}

/* vg_sess_helo - remember the HELO name, run the helo hooks */
int
vg_sess_helo(struct vg_sess *s, struct vg_engine *engine, const char *helo,
    struct vg_hook_reply *r)
{
	sess_copy(s->helo, helo);
	return sess_run(s, engine, P_HELO, NULL, r);
}

/* vg_sess_mail - a new message with its envelope, then the mail hooks */
int
vg_sess_mail(struct vg_sess *s, struct vg_engine *engine, const char *from,
    const char *auth, const char *qid, struct vg_hook_reply *r)
{
	struct vg_msg_limits lim;
	int rc;

	memset(r, 0, sizeof(*r));
	vg_sess_end(s);
	if (engine == NULL)
		return VG_EINVAL;
	s->engine = vg_engine_ref(engine);
	vg_msg_limits_from_conf(&lim, vg_engine_conf(engine));
	rc = vg_msg_new(&s->msg, &lim);
	if (rc == 0 && qid != NULL)
		rc = vg_msg_set_queue_id(s->msg, qid);
	if (rc == 0)
		rc = vg_msg_set_client(
		    s->msg, s->addr, s->name[0] != '\0' ? s->name : NULL);
	if (rc == 0)
		rc = vg_msg_set_helo(s->msg, s->helo);
	if (rc == 0)
		rc = vg_msg_set_from(s->msg, from != NULL ? from : "");
	if (rc == 0 && auth != NULL)
		rc = vg_msg_set_auth(s->msg, auth);
	for (size_t i = 0; rc == 0 && i < s->nconn_notes; i++)
		(void)vg_msg_add_note(s->msg, s->conn_notes[i]);
	if (rc == 0)
		rc = sess_run(s, s->engine, P_MAIL, NULL, r);
	return rc;
}

/* vg_sess_rcpt - the rcpt hooks; a recipient no hook refused is added */
int
vg_sess_rcpt(
    struct vg_sess *s, const char *rcpt, bool refused, struct vg_hook_reply *r)
{
	struct vg_rcpt rc_arg = {rcpt != NULL ? rcpt : "", refused};
	struct sess_args a = {&rc_arg, NULL, 0};
	int rc;

	memset(r, 0, sizeof(*r));
	if (s->msg == NULL)
		return VG_EINVAL;
	rc = sess_run(s, s->engine, P_RCPT, &a, r);
	if (refused) {
		/* The MTA refused it: only counted, never fatal. */
		s->rejected_rcpts++;
		if (rc != 0)
			vg_error("%s: rejected RCPT TO: %s", vg_sess_qid(s),
			    vg_strerror(rc));
		memset(r, 0, sizeof(*r));
		return 0;
	}
	if (rc != 0)
		return rc;
	if (r->refuse) {
		s->rejected_rcpts++;
		return 0;
	}
	return vg_msg_add_rcpt(s->msg, rc_arg.addr);
}

/* vg_sess_header - one header into the message */
int
vg_sess_header(struct vg_sess *s, const char *name, const char *value)
{
	if (s->msg == NULL)
		return VG_EINVAL;
	return vg_msg_add_header(
	    s->msg, name != NULL ? name : "", value != NULL ? value : "");
}

/* vg_sess_eoh - end the header block, run the eoh hooks */
int
vg_sess_eoh(struct vg_sess *s, struct vg_hook_reply *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if (s->msg == NULL)
		return VG_EINVAL;
	if ((rc = vg_msg_end_headers(s->msg)) != 0)
		return rc;
	return sess_run(s, s->engine, P_EOH, NULL, r);
}

/* vg_sess_body - one body chunk into the message, then the body hooks */
int
vg_sess_body(struct vg_sess *s, const unsigned char *chunk, size_t len,
    struct vg_hook_reply *r)
{
	struct sess_args a = {NULL, chunk, len};
	int rc;

	memset(r, 0, sizeof(*r));
	if (s->msg == NULL)
		return VG_EINVAL;
	if ((rc = vg_msg_add_body(s->msg, chunk, len)) != 0)
		return rc;
	return sess_run(s, s->engine, P_BODY, &a, r);
}

/* vg_sess_data_file - the message from a file, keeping the envelope */
int
vg_sess_data_file(struct vg_sess *s, const char *path, struct vg_hook_reply *r)
{
	struct vg_msg_limits lim;
	struct vg_msg *loaded = NULL;
	const unsigned char *raw;
	size_t len, off;
	int rc;

	memset(r, 0, sizeof(*r));
	if (s->msg == NULL)
		return VG_EINVAL;
	vg_msg_limits_from_conf(&lim, vg_engine_conf(s->engine));
	if ((rc = vg_msg_from_file(&loaded, &lim, path)) != 0)
		return rc;
	if ((rc = vg_msg_copy_envelope(loaded, s->msg)) != 0) {
		vg_msg_free(loaded);
		return rc;
	}
	vg_msg_free(s->msg);
	s->msg = loaded;
	if ((rc = sess_run(s, s->engine, P_EOH, NULL, r)) != 0 || r->refuse)
		return rc;
	raw = vg_msg_raw(s->msg, &len);
	off = vg_msg_body_offset(s->msg);
	{
		struct sess_args a = {NULL, raw != NULL ? raw + off : NULL,
		    raw != NULL && off < len ? len - off : 0};

		return sess_run(s, s->engine, P_BODY, &a, r);
	}
}

/* vg_sess_set_queue_id - a queue id given after MAIL FROM */
int
vg_sess_set_queue_id(struct vg_sess *s, const char *qid)
{
	if (s->msg == NULL)
		return VG_EINVAL;
	return vg_msg_set_queue_id(s->msg, qid);
}

/* vg_sess_eom - finish the message, run the eom hooks */
int
vg_sess_eom(struct vg_sess *s, struct vg_hook_reply *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if (s->msg == NULL)
		return VG_EINVAL;
	if (!vg_msg_finished(s->msg) && (rc = vg_msg_finish(s->msg)) != 0)
		return rc;
	return sess_run(s, s->engine, P_EOM, NULL, r);
}

/* vg_sess_scan_start - hand the message to a scan on pool */
int
vg_sess_scan_start(
    struct vg_sess *s, struct vg_pool *pool, struct vg_scan **out)
{
	struct vg_msg *msg = s->msg;

	*out = NULL;
	if (msg == NULL)
		return VG_EINVAL;
	/* Hand-off: the scan owns the message from here, in every case. */
	s->msg = NULL;
	return vg_scan_start(out, s->engine, msg, pool);
}

/* vg_sess_scan_run - scan the message in this thread */
int
vg_sess_scan_run(struct vg_sess *s, struct vg_verdict **out)
{
	*out = NULL;
	if (s->msg == NULL)
		return VG_EINVAL;
	return vg_scan_run(out, s->engine, s->msg);
}

const char *
vg_sess_addr(const struct vg_sess *s)
{
	return s->addr;
}

const char *
vg_sess_name(const struct vg_sess *s)
{
	return s->name;
}

const char *
vg_sess_helo_name(const struct vg_sess *s)
{
	return s->helo;
}

struct vg_msg *
vg_sess_msg(const struct vg_sess *s)
{
	return s->msg;
}

struct vg_engine *
vg_sess_engine(const struct vg_sess *s)
{
	return s->engine;
}

const struct vg_engine *
vg_sess_phase_engine(const struct vg_sess *s)
{
	return s->phase_engine;
}

/* vg_sess_qid - the queue id for log lines */
const char *
vg_sess_qid(const struct vg_sess *s)
{
	if (s->msg != NULL && vg_msg_queue_id(s->msg)[0] != '\0')
		return vg_msg_queue_id(s->msg);
	return "NOQUEUE";
}

size_t
vg_sess_rejected_rcpts(const struct vg_sess *s)
{
	return s->rejected_rcpts;
}

/* vg_sess_on_error - what a message that cannot go on gets */
enum vg_action
vg_sess_on_error(const struct vg_sess *s)
{
	if (s == NULL || s->engine == NULL)
		return VG_ACTION_TEMPFAIL;
	return vg_engine_conf(s->engine)->on_error;
}

/* vg_hook_refuse - the reply table's id as a hook's answer */
void
vg_hook_refuse(struct vg_hook_reply *r, enum vg_reply_id id, const char *arg1,
    const char *symbol)
{
	const struct vg_reply *rep = vg_reply(id);

	r->refuse = true;
	(void)vg_str_fmt(r->code, sizeof(r->code), "%s", rep->code);
	(void)vg_str_fmt(r->xcode, sizeof(r->xcode), "%s", rep->xcode);
	(void)vg_reply_text(r->text, sizeof(r->text), id, arg1, NULL);
	r->symbol = symbol;
}
