/* SPDX-License-Identifier: GPL-2.0-only */
/* callbacks - xxfi_* only: fetch the context, feed lib, translate */
#include <stdio.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "stages/abuse.h"
#include "base/alloc.h"
#include "base/cidr.h"
#include "base/clock.h"
#include "base/conf.h"
#include "net/dns.h"
#include "net/dnsbl.h"
#include "core/engine.h"
#include "policy/lists.h"
#include "base/log.h"
#include "base/str.h"
#include "message/msg.h"
#include "policy/policy.h"
#include "base/sanitize.h"
#include "core/scan.h"
#include "net/spf.h"
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

/* vgm_cb_on_error - the engine's on_error, tempfail without an engine */
static enum vg_action
vgm_cb_on_error(const struct vgm_conn *conn)
{
	if (conn == NULL || conn->engine == NULL)
		return VG_ACTION_TEMPFAIL;
	return vg_engine_conf(conn->engine)->on_error;
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
	char note[256];
	sfsistat st;

	memset(&done, 0, sizeof(done));
	vgm_loginfo_fill(&info, conn != NULL ? conn->msg : NULL,
	    conn != NULL ? conn->rejected_rcpts : 0);
	if (rc == VG_EIO && conn != NULL && conn->msg != NULL &&
	    vg_msg_io_errno(conn->msg) != 0) {
		char why[128];

		/*
		 * A spill file failed: name the directory and the reason
		 * ("No space left on device"), which is what the
		 * administrator has to fix; "input/output error" alone
		 * says neither.
		 */
		if (strerror_r(vg_msg_io_errno(conn->msg), why, sizeof(why)) !=
		    0)
			(void)vg_str_fmt(why, sizeof(why), "errno %d",
			    vg_msg_io_errno(conn->msg));
		(void)vg_str_fmt(note, sizeof(note),
		    "%s: spill file in tmp_dir %s: %s", what,
		    vg_msg_tmp_dir(conn->msg), why);
	} else {
		(void)vg_str_fmt(
		    note, sizeof(note), "%s: %s", what, vg_strerror(rc));
	}
	st = vgm_apply_on_error(ctx, vgm_cb_on_error(conn), info.qid, &done);
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

/*
 * vgm_cb_prefetch_dnsbl - start the client's blacklist lookups now, so
 * their answers are in the resolver's cache by end of message.  Trusted
 * clients are not looked up (as check_dnsbl does not).
 */
static void
vgm_cb_prefetch_dnsbl(const struct vgm_conn *conn)
{
	struct vg_engine *engine;
	struct vg_dns *dns;

	if (conn->addr[0] == '\0')
		return;
	engine = vgm_current_engine();
	dns = vgm_current_dns();
	if (engine != NULL && dns != NULL &&
	    !vg_cidr_list_match(
	        conn->addr, vg_engine_conf(engine)->trusted_networks))
		vg_dnsbl_prefetch(dns, vg_engine_rules(engine), conn->addr);
	vg_dns_unref(dns);
	vg_engine_unref(engine);
}

/*
 * vgm_cb_attach_dns - give the message the current resolver (the checks
 * share its cache and event loop) and start its SPF lookup, unless the
 * sender logged in or the client is trusted (check_spf skips those).
 */
static int
vgm_cb_attach_dns(struct vgm_conn *conn)
{
	const struct vg_conf *conf = vg_engine_conf(conn->engine);
	struct vg_dns *dns = vgm_current_dns();
	int rc;

	if (dns == NULL)
		return 0;
	rc = vg_dns_attach(conn->msg, dns);
	if (rc == 0 && vg_msg_auth(conn->msg)[0] == '\0' &&
	    conn->addr[0] != '\0' &&
	    !vg_cidr_list_match(conn->addr, conf->trusted_networks))
		vg_spf_prefetch(
		    dns, vg_msg_helo(conn->msg), vg_msg_from(conn->msg), false);
	vg_dns_unref(dns);
	return rc;
}

/* The SMTP steps the abuse hooks (abuse.h) are asked about. */
enum vgm_cb_step {
	VGM_STEP_CONNECT,
	VGM_STEP_MAIL,
	VGM_STEP_RCPT,
	VGM_STEP_RCPT_REJECTED,
};

/* vgm_cb_step_name - the step as log lines name it */
static const char *
vgm_cb_step_name(enum vgm_cb_step step)
{
	switch (step) {
	case VGM_STEP_CONNECT:
		return "CONNECT";
	case VGM_STEP_MAIL:
		return "MAIL FROM";
	case VGM_STEP_RCPT:
		return "RCPT TO";
	case VGM_STEP_RCPT_REJECTED:
		return "rejected RCPT TO";
	}
	return "?";
}

/*
 * vgm_cb_abuse_step - ask the abuse hook of step (rate limits, the
 * harvest defence) about conn, with engine's configuration; log the
 * hook's line, and when it refuses the step reply with its 451 4.7.1.
 * Out of memory in the hook ends the message in on_error, except for a
 * recipient the MTA refused anyway, which is only logged.
 */
static sfsistat
vgm_cb_abuse_step(SMFICTX *ctx, struct vgm_conn *conn, enum vgm_cb_step step,
    const struct vg_engine *engine)
{
	struct vg_abuse_reply r;
	struct vgm_abuse *hold;
	struct vg_abuse *ab;
	const struct vg_conf *conf;
	const char *auth = "", *qid = "NOQUEUE";
	int rc = 0;

	if (engine == NULL || (hold = vgm_current_abuse()) == NULL)
		return SMFIS_CONTINUE;
	ab = vgm_current_abuse_state(hold);
	conf = vg_engine_conf(engine);
	if (conn->msg != NULL) {
		auth = vg_msg_auth(conn->msg);
		if (vg_msg_queue_id(conn->msg)[0] != '\0')
			qid = vg_msg_queue_id(conn->msg);
	}
	memset(&r, 0, sizeof(r));
	switch (step) {
	case VGM_STEP_CONNECT:
		rc = vg_abuse_connect(ab, &r, conf, conn->addr);
		break;
	case VGM_STEP_MAIL:
		rc = vg_abuse_mail(ab, &r, conf, conn->addr, auth);
		break;
	case VGM_STEP_RCPT:
		rc = vg_abuse_rcpt(ab, &r, conf, conn->addr, auth);
		break;
	case VGM_STEP_RCPT_REJECTED:
		rc = vg_abuse_rcpt_rejected(ab, &r, conf, conn->addr);
		break;
	}
	vgm_current_abuse_release(hold);
	if (rc != 0 && step == VGM_STEP_RCPT_REJECTED) {
		vg_error(
		    "%s: %s: %s", qid, vgm_cb_step_name(step), vg_strerror(rc));
		return SMFIS_CONTINUE;
	}
	if (rc != 0)
		return vgm_cb_fail(ctx, conn, vgm_cb_step_name(step), rc);
	/* The hook's line is sanitised and names the source and count. */
	if (r.log[0] != '\0')
		vg_warn("%s: %s: %s", qid, vgm_cb_step_name(step), r.log);
	if (!r.refuse)
		return SMFIS_CONTINUE;
	return vgm_apply_reply(ctx, r.code, r.xcode, r.text, qid, NULL);
}

/* vgm_cb_connect - remember the client's address and name */
static sfsistat
vgm_cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct vgm_conn *conn = vgm_cb_conn(ctx);
	struct vg_engine *engine;
	sfsistat st;

	if (conn == NULL)
		return SMFIS_TEMPFAIL;
	vgm_conn_set_addr(conn, hostaddr);
	(void)vg_str_fmt(conn->name, sizeof(conn->name), "%s",
	    hostname != NULL ? hostname : "");
	engine = vgm_current_engine();
	st = vgm_cb_abuse_step(ctx, conn, VGM_STEP_CONNECT, engine);
	vg_engine_unref(engine);
	if (st != SMFIS_CONTINUE)
		return st;
	vgm_cb_prefetch_dnsbl(conn);
	return SMFIS_CONTINUE;
}

/* vgm_cb_helo - remember the HELO name */
static sfsistat
vgm_cb_helo(SMFICTX *ctx, char *helohost)
{
	struct vgm_conn *conn = vgm_cb_conn(ctx);

	if (conn == NULL)
		return SMFIS_TEMPFAIL;
	(void)vg_str_fmt(conn->helo, sizeof(conn->helo), "%s",
	    helohost != NULL ? helohost : "");
	return SMFIS_CONTINUE;
}

/* vgm_cb_envfrom - a new message: engine reference, vg_msg, envelope */
static sfsistat
vgm_cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct vgm_conn *conn = vgm_cb_conn(ctx);
	struct vg_msg_limits lim;
	const char *qid;
	char *path;
	sfsistat st;
	int rc;

	if (conn == NULL)
		return SMFIS_TEMPFAIL;
	vgm_conn_msg_reset(conn);
	conn->engine = vgm_current_engine();
	if (conn->engine == NULL) {
		char name[VGM_NAME_MAX];

		(void)vg_sanitize_str(name, sizeof(name), conn->name, 0);
		vg_warn("NOQUEUE: client=%s[%s]: no engine while reloading; "
		        "451 4.3.2",
		    name, conn->addr);
		return vgm_apply_reply_id(
		    ctx, VG_REPLY_RELOADING, "NOQUEUE", NULL);
	}
	if (!vgm_session_begin()) {
		vgm_conn_msg_reset(conn);
		return vgm_apply_reply_id(
		    ctx, VG_REPLY_SHUTTING_DOWN, "NOQUEUE", NULL);
	}
	conn->in_flight = true;
	conn->start_us = vg_clock_us();
	vg_msg_limits_from_conf(&lim, vg_engine_conf(conn->engine));
	rc = vg_msg_new(&conn->msg, &lim);
	if (rc != 0)
		return vgm_cb_fail(ctx, conn, "MAIL FROM", rc);
	qid = vgm_cb_macro(ctx, "{i}");
	if (qid != NULL)
		rc = vg_msg_set_queue_id(conn->msg, qid);
	if (rc == 0)
		rc = vg_msg_set_client(conn->msg, conn->addr, conn->name);
	if (rc == 0)
		rc = vg_msg_set_helo(conn->msg, conn->helo);
	if (rc == 0) {
		path = vgm_cb_path(argv);
		rc =
		    path != NULL ? vg_msg_set_from(conn->msg, path) : VG_ENOMEM;
		vg_free(path);
	}
	if (rc == 0)
		rc = vg_msg_set_auth(
		    conn->msg, vgm_cb_macro(ctx, "{auth_authen}"));
	if (rc == 0)
		rc = vgm_cb_attach_dns(conn);
	if (rc != 0)
		return vgm_cb_fail(ctx, conn, "MAIL FROM", rc);
	st = vgm_cb_abuse_step(ctx, conn, VGM_STEP_MAIL, conn->engine);
	/* A refused MAIL FROM ends the message before it began. */
	if (st != SMFIS_CONTINUE)
		vgm_conn_msg_reset(conn);
	return st;
}

/*
 * vgm_cb_lists - the rules file's allow and block lists for one
 * recipient: one the lists refuse (a block matched, no allow did,
 * block_action reject) gets 550 5.7.1 now, so that mail to an allowed
 * recipient (postmaster@) still gets through from a blocked sender while
 * the others are refused (lists.h); the score stage's check then finds
 * only allowed recipients.
 */
static sfsistat
vgm_cb_lists(SMFICTX *ctx, struct vgm_conn *conn, const char *rcpt)
{
	const struct vg_policy *pol;
	const struct vg_lists *l;
	const char *what, *qid;
	char clean[VGM_NAME_MAX];
	enum vg_reply_id reply;
	unsigned bits;

	pol = vg_policy_of(vg_engine_rules(conn->engine));
	l = pol != NULL ? vg_policy_lists(pol) : NULL;
	if (l == NULL)
		return SMFIS_CONTINUE;
	bits = vg_lists_check(l, conn->addr, vg_msg_from(conn->msg), rcpt);
	if (!vg_lists_refuse(l, bits))
		return SMFIS_CONTINUE;
	/* The same reply, and precedence, as the score stage's check. */
	if ((bits & VG_LISTS_BLOCK_CLIENT) != 0) {
		what = "client address";
		reply = VG_REPLY_BLOCK_CLIENT;
	} else if ((bits & VG_LISTS_BLOCK_FROM) != 0) {
		what = "sender address";
		reply = VG_REPLY_BLOCK_FROM;
	} else {
		what = "recipient";
		reply = VG_REPLY_BLOCK_RCPT;
	}
	qid = vg_msg_queue_id(conn->msg)[0] != '\0' ? vg_msg_queue_id(conn->msg)
	                                            : "NOQUEUE";
	(void)vg_sanitize_str(clean, sizeof(clean), rcpt, 0);
	vg_info(
	    "%s: RCPT TO <%s> refused: %s blocked by policy", qid, clean, what);
	return vgm_apply_reply_id(ctx, reply, qid, NULL);
}

/* vgm_cb_envrcpt - one recipient; ones the MTA refused are only counted */
static sfsistat
vgm_cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct vgm_conn *conn = vgm_cb_conn(ctx);
	const char *mailer;
	char *path;
	sfsistat st;
	int rc;

	if (conn == NULL || conn->msg == NULL)
		return SMFIS_CONTINUE;
	if (conn->rcpt_rej) {
		mailer = vgm_cb_macro(ctx, "{rcpt_mailer}");
		if (mailer != NULL && strcmp(mailer, "error") == 0) {
			conn->rejected_rcpts++;
			/* The MTA refused it already: only count it. */
			(void)vgm_cb_abuse_step(
			    ctx, conn, VGM_STEP_RCPT_REJECTED, conn->engine);
			return SMFIS_CONTINUE;
		}
	}
	st = vgm_cb_abuse_step(ctx, conn, VGM_STEP_RCPT, conn->engine);
	if (st != SMFIS_CONTINUE)
		return st;
	path = vgm_cb_path(argv);
	if (path == NULL)
		return vgm_cb_fail(ctx, conn, "RCPT TO", VG_ENOMEM);
	st = vgm_cb_lists(ctx, conn, path);
	rc = st == SMFIS_CONTINUE ? vg_msg_add_rcpt(conn->msg, path) : 0;
	vg_free(path);
	if (st != SMFIS_CONTINUE)
		return st;
	if (rc != 0)
		return vgm_cb_fail(ctx, conn, "RCPT TO", rc);
	return SMFIS_CONTINUE;
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

	if (conn == NULL || conn->msg == NULL)
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
	rc =
	    vg_msg_add_header(conn->msg, headerf != NULL ? headerf : "", value);
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
	int rc;

	if (conn == NULL || conn->msg == NULL)
		return SMFIS_CONTINUE;
	rc = vg_msg_end_headers(conn->msg);
	if (rc != 0)
		return vgm_cb_fail(ctx, conn, "end of headers", rc);
	return SMFIS_CONTINUE;
}

/* vgm_cb_body - one body chunk; skip the rest of an oversized message */
static sfsistat
vgm_cb_body(SMFICTX *ctx, unsigned char *bodyp, size_t bodylen)
{
	struct vgm_conn *conn = vgm_cb_conn(ctx);
	int rc;

	if (conn == NULL || conn->msg == NULL)
		return SMFIS_CONTINUE;
	rc = vg_msg_add_body(conn->msg, bodyp, bodylen);
	if (rc != 0)
		return vgm_cb_fail(ctx, conn, "body", rc);
	/* The verdict decides what an oversized message gets. */
	if (conn->skip && vg_msg_oversized(conn->msg))
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
	const struct vg_conf *conf;
	const char *qid;
	uint64_t t0 = vg_clock_us();
	sfsistat st;
	int rc;

	if (conn == NULL || conn->msg == NULL || conn->engine == NULL)
		return vgm_cb_fail(ctx, conn,
		    "end of message without a "
		    "message",
		    VG_EINTERNAL);
	conf = vg_engine_conf(conn->engine);
	if (vg_msg_queue_id(conn->msg)[0] == '\0' &&
	    (qid = vgm_cb_macro(ctx, "{i}")) != NULL) {
		rc = vg_msg_set_queue_id(conn->msg, qid);
		if (rc != 0)
			return vgm_cb_fail(ctx, conn, "queue id", rc);
	}
	rc = vg_msg_finish(conn->msg);
	if (rc != 0)
		return vgm_cb_fail(ctx, conn, "end of message", rc);
	vgm_loginfo_fill(&info, conn->msg, conn->rejected_rcpts);
	memset(&done, 0, sizeof(done));

	/* Hand-off: the scan owns the message from here, in every case. */
	rc = vg_scan_start(&scan, conn->engine, conn->msg, vgm_session_pool());
	conn->msg = NULL;
	if (rc == VG_ELIMIT) {
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
	vgm_logsink_message(&info, conn->engine, verdict, done.action,
	    done.reply, done.note, vg_clock_us() - t0);
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
