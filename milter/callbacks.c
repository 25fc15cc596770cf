/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * callbacks - xxfi_* only: fetch the context, translate each callback
 * into one call on the library's session (core/session.h), and its
 * answer back into an sfsistat.
 */
#include <stdio.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/sanitize.h"
#include "base/stats.h"
#include "base/str.h"
#include "message/msg.h"
#include "core/engine.h"
#include "core/scan.h"
#include "core/session.h"
#include "core/verdict.h"

#include "apply.h"
#include "logsink.h"
#include "current.h"
#include "session.h"

/*
 * The policy lives in lib/ (STYLE.md 8.1).  Each callback here tolerates a
 * missing private pointer or message (a confused MTA, or miltertest
 * skipping steps) by carrying on, and ends a message it cannot collect
 * with on_error and one log line, never with a silent drop.
 */

/* Actions we ask for, and the protocol options we take when offered. */
#define VGM_ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE)
#define VGM_STEPS                                                              \
	(SMFIP_HDR_LEADSPC | SMFIP_SKIP | SMFIP_RCPT_REJ | SMFIP_NOUNKNOWN |   \
	    SMFIP_NODATA)

/* vgm_cb_conn - the connection of ctx, created on first use */
static struct vgm_conn *
vgm_cb_conn(SMFICTX *ctx)
{
	struct vgm_conn *conn;

	if (ctx == NULL)
		return NULL;
	conn = smfi_getpriv(ctx);
	if (conn != NULL)
		return conn;
	conn = vgm_conn_new();
	if (conn == NULL) {
		vg_error("out of memory for a new connection");
		return NULL;
	}
	if (smfi_setpriv(ctx, conn) != MI_SUCCESS) {
		vg_error("smfi_setpriv failed");
		vgm_conn_free(conn);
		return NULL;
	}
	return conn;
}

/* vgm_cb_macro - a macro's value, or NULL */
static const char *
vgm_cb_macro(SMFICTX *ctx, const char *name)
{
	char buf[64];

	/* libmilter takes char *: a copy we own (STYLE.md 8.2). */
	(void)vg_str_fmt(buf, sizeof(buf), "%s", name);
	return smfi_getsymval(ctx, buf);
}

/*
 * vgm_cb_fail - a message cannot be collected: log, end it with on_error
 * (tempfail, or accept without scanning), and forget it.
 */
static sfsistat
vgm_cb_fail(SMFICTX *ctx, struct vgm_conn *conn, const char *what, int rc)
{
	struct vgm_applied done;
	struct vgm_loginfo info;
	const struct vg_msg *msg;
	char note[256];
	sfsistat st;

	memset(&done, 0, sizeof(done));
	msg = conn != NULL ? vg_sess_msg(conn->sess) : NULL;
	vgm_loginfo_fill(
	    &info, msg, conn != NULL ? vg_sess_rejected_rcpts(conn->sess) : 0);
	if (rc == VG_EIO && msg != NULL && vg_msg_io_errno(msg) != 0) {
		char why[128];

		/*
		 * A spill file failed: name the directory and the reason
		 * ("No space left on device"), which is what the
		 * administrator has to fix; "input/output error" alone
		 * says neither.
		 */
		if (strerror_r(vg_msg_io_errno(msg), why, sizeof(why)) != 0)
			(void)vg_str_fmt(
			    why, sizeof(why), "errno %d", vg_msg_io_errno(msg));
		(void)vg_str_fmt(note, sizeof(note),
		    "%s: spill file in tmp_dir %s: %s", what,
		    vg_msg_tmp_dir(msg), why);
	} else {
		(void)vg_str_fmt(
		    note, sizeof(note), "%s: %s", what, vg_strerror(rc));
	}
	st = vgm_apply_on_error(ctx,
	    conn != NULL ? vg_sess_on_error(conn->sess) : VG_ACTION_TEMPFAIL,
	    info.qid, &done);
	/* Before end of message, "accept" has to say so to libmilter. */
	if (st == SMFIS_CONTINUE)
		st = SMFIS_ACCEPT;
	vgm_logsink_message(
	    &info, NULL, NULL, done.action, done.reply, note, 0);
	vgm_conn_msg_reset(conn);
	return st;
}

/*
 * vgm_cb_path - the address inside an SMTP path: "<a@b>" gives "a@b", "<>"
 * gives "".  A new string the caller frees, NULL when out of memory.
 */
static char *
vgm_cb_path(char **argv)
{
	const char *p = argv != NULL && argv[0] != NULL ? argv[0] : "";
	size_t len = strlen(p);

	if (len >= 2 && p[0] == '<' && p[len - 1] == '>') {
		p++;
		len -= 2;
	}
	return vg_strndup(p, len);
}

/*
 * vgm_cb_answer - the session's answer to one phase: a hook's refusal
 * becomes its reply; an error ends the message with on_error (what
 * names the phase for the log line).
 */
static sfsistat
vgm_cb_answer(SMFICTX *ctx, struct vgm_conn *conn, const char *what, int rc,
    const struct vg_hook_reply *r)
{
	if (rc != 0)
		return vgm_cb_fail(ctx, conn, what, rc);
	if (!r->refuse)
		return SMFIS_CONTINUE;
	vg_stats_inc_label(VG_STAT_REFUSALS, what);
	return vgm_apply_reply(
	    ctx, r->code, r->xcode, r->text, vg_sess_qid(conn->sess), NULL);
}

/* vgm_cb_negotiate - ask for header edits, quarantine and a few options */
static sfsistat
vgm_cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0, unsigned long *pf1,
    unsigned long *pf2, unsigned long *pf3)
{
	struct vgm_conn *conn = vgm_cb_conn(ctx);

	(void)f2;
	(void)f3;
	if ((f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS)) !=
	    (SMFIF_ADDHDRS | SMFIF_CHGHDRS))
		vg_warn("the MTA offers no header changes (actions 0x%lx); "
		        "headers cannot be added",
		    f0);
	*pf0 = f0 & VGM_ACTIONS;
	*pf1 = f1 & VGM_STEPS;
	*pf2 = 0;
	*pf3 = 0;
	if (conn != NULL) {
		conn->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
		conn->skip = (*pf1 & SMFIP_SKIP) != 0;
		conn->rcpt_rej = (*pf1 & SMFIP_RCPT_REJ) != 0;
	}
	return SMFIS_CONTINUE;
}

/* vgm_cb_connect - the client; the connect hooks of the current engine */
static sfsistat
vgm_cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct vgm_conn *conn = vgm_cb_conn(ctx);
	struct vg_hook_reply r;
	struct vg_engine *engine;
	char addr[VGM_ADDR_MAX];
	int rc;

	if (conn == NULL)
		return SMFIS_TEMPFAIL;
	vgm_addr_text(addr, sizeof(addr), hostaddr);
	engine = vgm_current_engine();
	rc = vg_sess_connect(conn->sess, engine, addr, hostname, &r);
	vg_engine_unref(engine);
	return vgm_cb_answer(ctx, conn, "CONNECT", rc, &r);
}

/* vgm_cb_helo - the HELO name; the helo hooks of the current engine */
static sfsistat
vgm_cb_helo(SMFICTX *ctx, char *helohost)
{
	struct vgm_conn *conn = vgm_cb_conn(ctx);
	struct vg_hook_reply r;
	struct vg_engine *engine;
	int rc;

	if (conn == NULL)
		return SMFIS_TEMPFAIL;
	engine = vgm_current_engine();
	rc = vg_sess_helo(conn->sess, engine, helohost, &r);
	vg_engine_unref(engine);
	return vgm_cb_answer(ctx, conn, "HELO", rc, &r);
}

/* vgm_cb_envfrom - a new message on the current engine, and its sender */
static sfsistat
vgm_cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct vgm_conn *conn = vgm_cb_conn(ctx);
	struct vg_hook_reply r;
	struct vg_engine *engine;
	char *path;
	sfsistat st;
	int rc;

	if (conn == NULL)
		return SMFIS_TEMPFAIL;
	vgm_conn_msg_reset(conn);
	engine = vgm_current_engine();
	if (engine == NULL) {
		char name[VG_SESS_NAME_MAX];

		(void)vg_sanitize_str(
		    name, sizeof(name), vg_sess_name(conn->sess), 0);
		vg_warn("NOQUEUE: client=%s[%s]: no engine while reloading; "
		        "451 4.3.2",
		    name, vg_sess_addr(conn->sess));
		return vgm_apply_reply_id(
		    ctx, VG_REPLY_RELOADING, "NOQUEUE", NULL);
	}
	if (!vgm_session_begin()) {
		vg_engine_unref(engine);
		return vgm_apply_reply_id(
		    ctx, VG_REPLY_SHUTTING_DOWN, "NOQUEUE", NULL);
	}
	conn->in_flight = true;
	conn->start_us = vg_clock_us();
	path = vgm_cb_path(argv);
	rc = path != NULL ? vg_sess_mail(conn->sess, engine, path,
	                        vgm_cb_macro(ctx, "{auth_authen}"),
	                        vgm_cb_macro(ctx, "{i}"), &r)
	                  : VG_ENOMEM;
	vg_free(path);
	vg_engine_unref(engine);
	st = vgm_cb_answer(ctx, conn, "MAIL FROM", rc, &r);
	/* A refused MAIL FROM ends the message before it began. */
	if (rc == 0 && r.refuse)
		vgm_conn_msg_reset(conn);
	return st;
}

/*
 * vgm_cb_envrcpt - one recipient.  One the MTA refused already
 * ({rcpt_mailer} "error", with SMFIP_RCPT_REJ) is only counted; a hook
 * may refuse the others one by one (the lists, the rate limits).
 */
static sfsistat
vgm_cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct vgm_conn *conn = vgm_cb_conn(ctx);
	struct vg_hook_reply r;
	const char *mailer;
	bool refused = false;
	char *path;
	int rc;

	if (conn == NULL || vg_sess_msg(conn->sess) == NULL)
		return SMFIS_CONTINUE;
	if (conn->rcpt_rej) {
		mailer = vgm_cb_macro(ctx, "{rcpt_mailer}");
		refused = mailer != NULL && strcmp(mailer, "error") == 0;
	}
	path = vgm_cb_path(argv);
	if (path == NULL)
		return vgm_cb_fail(ctx, conn, "RCPT TO", VG_ENOMEM);
	rc = vg_sess_rcpt(conn->sess, path, refused, &r);
	vg_free(path);
	return vgm_cb_answer(ctx, conn, "RCPT TO", rc, &r);
}

/* vgm_cb_header - one header, as received */
static sfsistat
vgm_cb_header(SMFICTX *ctx, char *headerf, char *headerv)
{
	struct vgm_conn *conn = vgm_cb_conn(ctx);
	const char *value = headerv != NULL ? headerv : "";
	char *spaced = NULL;
	size_t len;
	int rc;

	if (conn == NULL || vg_sess_msg(conn->sess) == NULL)
		return SMFIS_CONTINUE;
	if (!conn->leadspc) {
		/*
		 * Without SMFIP_HDR_LEADSPC the MTA strips the space after
		 * the colon; put the usual one back so the raw copy reads
		 * as the message did.
		 */
		len = strlen(value);
		if (!vg_size_add(&len, len, 2))
			return vgm_cb_fail(ctx, conn, "header", VG_ELIMIT);
		spaced = vg_malloc(len);
		if (spaced == NULL)
			return vgm_cb_fail(ctx, conn, "header", VG_ENOMEM);
		spaced[0] = ' ';
		memcpy(spaced + 1, value, len - 1);
		value = spaced;
	}
	rc = vg_sess_header(conn->sess, headerf, value);
	vg_free(spaced);
	if (rc != 0)
		return vgm_cb_fail(ctx, conn, "header", rc);
	return SMFIS_CONTINUE;
}

/* vgm_cb_eoh - end of the header block */
static sfsistat
vgm_cb_eoh(SMFICTX *ctx)
{
	struct vgm_conn *conn = vgm_cb_conn(ctx);
	struct vg_hook_reply r;
	int rc;

	if (conn == NULL || vg_sess_msg(conn->sess) == NULL)
		return SMFIS_CONTINUE;
	rc = vg_sess_eoh(conn->sess, &r);
	return vgm_cb_answer(ctx, conn, "end of headers", rc, &r);
}

/* vgm_cb_body - one body chunk; skip the rest of an oversized message */
static sfsistat
vgm_cb_body(SMFICTX *ctx, unsigned char *bodyp, size_t bodylen)
{
	struct vgm_conn *conn = vgm_cb_conn(ctx);
	struct vg_hook_reply r;
	sfsistat st;
	int rc;

	if (conn == NULL || vg_sess_msg(conn->sess) == NULL)
		return SMFIS_CONTINUE;
	rc = vg_sess_body(conn->sess, bodyp, bodylen, &r);
	if ((st = vgm_cb_answer(ctx, conn, "body", rc, &r)) != SMFIS_CONTINUE)
		return st;
	/* The verdict decides what an oversized message gets. */
	if (conn->skip && vg_msg_oversized(vg_sess_msg(conn->sess)))
		return SMFIS_SKIP;
	return SMFIS_CONTINUE;
}

/* vgm_cb_eom - scan on the pool, wait, apply the verdict, log */
static sfsistat
vgm_cb_eom(SMFICTX *ctx)
{
	struct vgm_conn *conn = vgm_cb_conn(ctx);
	struct vg_scan *scan = NULL;
	struct vg_verdict *verdict = NULL;
	struct vgm_applied done;
	struct vgm_loginfo info;
	struct vg_hook_reply r;
	const struct vg_conf *conf;
	struct vg_engine *engine;
	const char *qid;
	uint64_t t0 = vg_clock_us();
	sfsistat st;
	int rc;

	if (conn == NULL || vg_sess_msg(conn->sess) == NULL)
		return vgm_cb_fail(ctx, conn,
		    "end of message without a "
		    "message",
		    VG_EINTERNAL);
	engine = vg_sess_engine(conn->sess);
	conf = vg_engine_conf(engine);
	if (vg_msg_queue_id(vg_sess_msg(conn->sess))[0] == '\0' &&
	    (qid = vgm_cb_macro(ctx, "{i}")) != NULL) {
		rc = vg_sess_set_queue_id(conn->sess, qid);
		if (rc != 0)
			return vgm_cb_fail(ctx, conn, "queue id", rc);
	}
	rc = vg_sess_eom(conn->sess, &r);
	if (rc != 0 || r.refuse) {
		st = vgm_cb_answer(ctx, conn, "end of message", rc, &r);
		if (rc == 0)
			vgm_conn_msg_reset(conn);
		return st;
	}
	vgm_loginfo_fill(
	    &info, vg_sess_msg(conn->sess), vg_sess_rejected_rcpts(conn->sess));
	memset(&done, 0, sizeof(done));

	/* Hand-off: the scan owns the message from here, in every case. */
	rc = vg_sess_scan_start(conn->sess, vgm_session_pool(), &scan);
	if (rc == VG_ELIMIT) {
		vg_stats_inc(VG_STAT_OVERLOAD);
		st = vgm_apply_reply_id(ctx, VG_REPLY_BUSY, info.qid, &done);
		vgm_logsink_message(&info, NULL, NULL, done.action, done.reply,
		    "scan queue full", vg_clock_us() - t0);
		goto out;
	}
	if (rc == 0)
		rc = vg_scan_wait(scan, conf->scan_timeout_ms, &verdict);
	if (rc != 0) {
		char note[128];

		(void)vg_str_fmt(
		    note, sizeof(note), "scan failed: %s", vg_strerror(rc));
		vg_error(
		    "%s: %s", info.qid[0] != '\0' ? info.qid : "NOQUEUE", note);
		st = vgm_apply_on_error(ctx, conf->on_error, info.qid, &done);
		vgm_logsink_message(&info, NULL, NULL, done.action, done.reply,
		    note, vg_clock_us() - t0);
		goto out;
	}
	st = vgm_apply(
	    ctx, verdict, conn->leadspc, conf->on_error, info.qid, &done);
	vgm_logsink_message(&info, engine, verdict, done.action, done.reply,
	    done.note, vg_clock_us() - t0);
	/* What the stages learn from it (autolearn), once it is applied. */
	if (done.action == verdict->action)
		vg_scan_after(scan, verdict);
out:
	vg_verdict_free(verdict);
	vg_scan_release(scan);
	conn->messages++;
	vgm_conn_msg_reset(conn);
	return st;
}

/* vgm_cb_abort - the MTA gave up on this message; keep the connection */
static sfsistat
vgm_cb_abort(SMFICTX *ctx)
{
	struct vgm_conn *conn;

	if (ctx == NULL)
		return SMFIS_CONTINUE;
	conn = smfi_getpriv(ctx);
	vgm_conn_msg_reset(conn);
	return SMFIS_CONTINUE;
}

/* vgm_cb_close - the connection is gone: free everything */
static sfsistat
vgm_cb_close(SMFICTX *ctx)
{
	struct vgm_conn *conn;

	if (ctx == NULL)
		return SMFIS_CONTINUE;
	conn = smfi_getpriv(ctx);
	if (conn == NULL)
		return SMFIS_CONTINUE;
	(void)smfi_setpriv(ctx, NULL);
	vgm_conn_free(conn);
	return SMFIS_CONTINUE;
}

/* vgm_callbacks_desc - the filter description for smfi_register() */
struct smfiDesc
vgm_callbacks_desc(char *name)
{
	struct smfiDesc desc;

	memset(&desc, 0, sizeof(desc));
	desc.xxfi_name = name;
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_flags = VGM_ACTIONS;
	desc.xxfi_connect = vgm_cb_connect;
	desc.xxfi_helo = vgm_cb_helo;
	desc.xxfi_envfrom = vgm_cb_envfrom;
	desc.xxfi_envrcpt = vgm_cb_envrcpt;
	desc.xxfi_header = vgm_cb_header;
	desc.xxfi_eoh = vgm_cb_eoh;
	desc.xxfi_body = vgm_cb_body;
	desc.xxfi_eom = vgm_cb_eom;
	desc.xxfi_abort = vgm_cb_abort;
	desc.xxfi_close = vgm_cb_close;
	desc.xxfi_negotiate = vgm_cb_negotiate;
	return desc;
}
