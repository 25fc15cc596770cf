/* SPDX-License-Identifier: GPL-2.0-only */
/* logsink - syslog or stderr, and one line per message */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "base/buf.h"
#include "core/engine.h"
#include "base/log.h"
#include "base/str.h"
#include "message/msg.h"
#include "base/sanitize.h"
#include "core/verdict.h"

#include "logsink.h"
#include "metrics.h"

/* vgm_logsink_priority - syslog priority of a vg_log level */
static int
vgm_logsink_priority(enum vg_log_level level)
{
	switch (level) {
	case VG_LOG_DEBUG:
		return LOG_DEBUG;
	case VG_LOG_INFO:
		return LOG_INFO;
	case VG_LOG_NOTICE:
		return LOG_NOTICE;
	case VG_LOG_WARNING:
		return LOG_WARNING;
	case VG_LOG_ERROR:
		return LOG_ERR;
	case VG_LOG_FATAL:
		return LOG_CRIT;
	case VG_LOG_PANIC:
		return LOG_ALERT;
	}
	return LOG_ERR;
}

/* vgm_logsink_syslog - the sink used when detached */
static void
vgm_logsink_syslog(enum vg_log_level level, const char *line, void *ctx)
{
	(void)ctx;
	syslog(vgm_logsink_priority(level), "%s: %s", vg_log_level_name(level),
	    line);
}

/*
 * With -f under systemd, stderr is a journal stream (systemd.exec(5):
 * JOURNAL_STREAM is set) and journald reads a "<N>" syslog priority at
 * the start of each line (SyslogLevelPrefix=, on by default).
 */
static bool vgm_journal;

/* vgm_logsink_stderr - the sink used with -f: "vigil-milter[pid]: ..." */
static void
vgm_logsink_stderr(enum vg_log_level level, const char *line, void *ctx)
{
	(void)ctx;
	/* One fprintf() call: stdio's lock keeps each line whole. */
	if (vgm_journal)
		(void)fprintf(stderr, "<%d>vigil-milter[%ld]: %s: %s\n",
		    vgm_logsink_priority(level), (long)getpid(),
		    vg_log_level_name(level), line);
	else
		(void)fprintf(stderr, "vigil-milter[%ld]: %s: %s\n",
		    (long)getpid(), vg_log_level_name(level), line);
}

/*
 * Before a daemon detaches, its terminal gets warnings and errors only;
 * info lines (what the engine's first build says: the classifier's
 * counts) are kept here and go to syslog once it has detached.
 */
#define VGM_HELD_LINES 16
static char vgm_held[VGM_HELD_LINES][512];
static size_t vgm_nheld;

/* vgm_logsink_predetach - stderr for warnings, info held for syslog */
static void
vgm_logsink_predetach(enum vg_log_level level, const char *line, void *ctx)
{
	if (level >= VG_LOG_WARNING) {
		vgm_logsink_stderr(level, line, ctx);
		return;
	}
	if (vgm_nheld < VGM_HELD_LINES)
		(void)vg_str_fmt(
		    vgm_held[vgm_nheld++], sizeof(vgm_held[0]), "%s", line);
}

/* vgm_logsink_init - install the sink for the mode we run in */
void
vgm_logsink_init(bool foreground)
{
	if (foreground) {
		const char *js = getenv("JOURNAL_STREAM");

		vgm_journal = js != NULL && *js != '\0';
		vg_log_set_sink(vgm_logsink_stderr, NULL, VG_LOG_INFO);
		return;
	}
	openlog("vigil-milter", LOG_PID | LOG_NDELAY, LOG_MAIL);
	vg_log_set_sink(vgm_logsink_syslog, NULL, VG_LOG_INFO);
	for (size_t i = 0; i < vgm_nheld; i++)
		vg_info("%s", vgm_held[i]);
	vgm_nheld = 0;
}

/* vgm_logsink_init_daemon - before detaching (see vgm_logsink_predetach) */
void
vgm_logsink_init_daemon(void)
{
	vgm_nheld = 0;
	vg_log_set_sink(vgm_logsink_predetach, NULL, VG_LOG_INFO);
}

/*
 * vgm_loginfo_rcpts - every stored recipient, sanitised, comma-separated;
 * cut with ",..." where the next does not fit (or was not stored)
 */
static void
vgm_loginfo_rcpts(struct vgm_loginfo *info, const struct vg_msg *msg)
{
	size_t n = vg_msg_rcpt_stored(msg), len = 0;

	info->rcpts[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char r[VGM_LOG_FIELD_MAX];
		size_t rl =
		    vg_sanitize_str(r, sizeof(r), vg_msg_rcpt(msg, i), 0);

		if (len + rl + 1 + 4 >= sizeof(info->rcpts)) {
			(void)vg_str_fmt(info->rcpts + len,
			    sizeof(info->rcpts) - len, ",...");
			return;
		}
		(void)vg_str_fmt(info->rcpts + len, sizeof(info->rcpts) - len,
		    "%s%s", i > 0 ? "," : "", r);
		len += rl + (i > 0 ? 1 : 0);
	}
	if (n < vg_msg_rcpt_count(msg) && len + 4 < sizeof(info->rcpts))
		(void)vg_str_fmt(
		    info->rcpts + len, sizeof(info->rcpts) - len, ",...");
}

/* vgm_loginfo_fill - copy and sanitise the fields of the summary line */
void
vgm_loginfo_fill(
    struct vgm_loginfo *info, const struct vg_msg *msg, size_t rejected)
{
	memset(info, 0, sizeof(*info));
	info->rejected_rcpts = rejected;
	if (msg == NULL)
		return;
	(void)vg_sanitize_str(info->qid, sizeof(info->qid),
	    vg_msg_queue_id(msg), VG_SANITIZE_ASCII);
	(void)vg_sanitize_str(info->client_addr, sizeof(info->client_addr),
	    vg_msg_client_addr(msg), VG_SANITIZE_ASCII);
	(void)vg_sanitize_str(info->client_name, sizeof(info->client_name),
	    vg_msg_client_name(msg), 0);
	(void)vg_sanitize_str(
	    info->from, sizeof(info->from), vg_msg_from(msg), 0);
	(void)vg_sanitize_str(
	    info->helo, sizeof(info->helo), vg_msg_helo(msg), 0);
	vgm_loginfo_rcpts(info, msg);
	info->nrcpt = vg_msg_rcpt_count(msg);
	info->size = vg_msg_size(msg);
}

/*
 * vgm_lf - append " key=value" in logfmt: value bare when it is not empty
 * and holds no blank, '"', '=', '\\' or control byte, else in double
 * quotes with \" \\ \n \r \t and \xHH escapes.  value is already
 * sanitised; the escapes make the line safe whatever it holds.
 */
static void
vgm_lf(struct vg_buf *line, const char *key, const char *value)
{
	char out[VG_LOG_LINE_MAX];
	size_t n = 0;
	bool quote = *value == '\0';

	for (const unsigned char *p = (const unsigned char *)value;
	     *p != '\0' && !quote; p++)
		quote = *p <= ' ' || *p == '"' || *p == '=' || *p == '\\' ||
		    *p == 0x7f;
	if (!quote) {
		(void)vg_buf_printf(line, " %s=%s", key, value);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)value;
	     *p != '\0' && n + 5 < sizeof(out); p++) {
		if (*p == '"' || *p == '\\') {
			out[n++] = '\\';
			out[n++] = (char)*p;
		} else if (*p == '\n' || *p == '\r' || *p == '\t') {
			out[n++] = '\\';
			out[n++] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
		} else if (*p < ' ' || *p == 0x7f) {
			n += (size_t)snprintf(
			    out + n, sizeof(out) - n, "\\x%02x", *p);
		} else {
			out[n++] = (char)*p;
		}
	}
	out[n] = '\0';
	(void)vg_buf_printf(line, " %s=\"%s\"", key, out);
}

/* vgm_lf_clean - vgm_lf() of message bytes, sanitised first */
static void
vgm_lf_clean(struct vg_buf *line, const char *key, const char *value)
{
	char clean[VG_REASON_MAX + 64];

	(void)vg_sanitize_str(clean, sizeof(clean), value, 0);
	vgm_lf(line, key, clean);
}

/* vgm_logsink_stages - " ms=virus:1.2,score:3.4" */
static void
vgm_logsink_stages(struct vg_buf *line, const struct vg_verdict *verdict)
{
	char ms[256];
	size_t i, n, len = 0;

	n = verdict->nstages;
	if (n > VG_NELEM(verdict->stage_us))
		n = VG_NELEM(verdict->stage_us);
	ms[0] = '\0';
	for (i = 0; i < n && len < sizeof(ms); i++)
		len += (size_t)snprintf(ms + len, sizeof(ms) - len, "%s%s:%.1f",
		    i == 0 ? "" : ",",
		    verdict->stage_name[i] != NULL ? verdict->stage_name[i]
		                                   : "stage",
		    (double)verdict->stage_us[i] / 1000.0);
	if (n > 0)
		vgm_lf(line, "ms", ms);
}

/*
 * vgm_logsink_virus - the virus= value: the name, "none" only for a scan
 * that ran to the end, otherwise "unscanned" (virus_status= says why).
 */
static const char *
vgm_logsink_virus(const struct vg_verdict *verdict, const char *name)
{
	if (name[0] != '\0')
		return name;
	return verdict->virus_outcome == VG_VIRUS_CLEAN ? "none" : "unscanned";
}

/*
 * vgm_logsink_auth - " spf=pass" (the MAIL FROM identity's result, else
 * the HELO's, else "unchecked"), " dkim=pass:example.com:sel,fail:..."
 * (each signature's result, domain and selector, top down; only when
 * signed), " dmarc=pass:example.com" (only when checked) and
 * " arc=pass:list.example" (the chain's result and its newest sealer; only
 * when the message had ARC sets)
 */
static void
vgm_logsink_auth(struct vg_buf *line, const struct vg_verdict *verdict)
{
	char d[VG_AUTH_VALUE_MAX], s[VG_AUTH_VALUE_MAX], item[600];
	char dkim[VG_LOG_LINE_MAX / 2], dmarc[VG_AUTH_VALUE_MAX + 32];
	char arc[VG_AUTH_VALUE_MAX + 32];
	const char *spf = NULL;
	size_t len = 0;

	dkim[0] = dmarc[0] = arc[0] = '\0';
	for (size_t i = 0; i < verdict->nauth; i++) {
		const struct vg_auth *a = &verdict->auth[i];

		switch (a->method) {
		case VG_AUTH_SPF:
			if (spf == NULL || strcmp(a->property, "mailfrom") == 0)
				spf = a->result;
			break;
		case VG_AUTH_DMARC:
			(void)vg_sanitize_str(
			    d, sizeof(d), a->value, VG_SANITIZE_ASCII);
			(void)vg_str_fmt(
			    dmarc, sizeof(dmarc), "%s:%s", a->result, d);
			break;
		case VG_AUTH_ARC:
			(void)vg_sanitize_str(
			    d, sizeof(d), a->value, VG_SANITIZE_ASCII);
			(void)vg_str_fmt(
			    arc, sizeof(arc), "%s:%s", a->result, d);
			break;
		case VG_AUTH_DKIM:
			(void)vg_sanitize_str(
			    d, sizeof(d), a->value, VG_SANITIZE_ASCII);
			(void)vg_sanitize_str(
			    s, sizeof(s), a->value2, VG_SANITIZE_ASCII);
			(void)vg_str_fmt(item, sizeof(item), "%s%s:%s:%s",
			    len > 0 ? "," : "", a->result, d, s);
			if (len + strlen(item) < sizeof(dkim)) {
				memcpy(dkim + len, item, strlen(item) + 1);
				len += strlen(item);
			}
			break;
		}
	}
	vgm_lf(line, "spf", spf != NULL ? spf : "unchecked");
	if (dkim[0] != '\0')
		vgm_lf(line, "dkim", dkim);
	if (dmarc[0] != '\0')
		vgm_lf(line, "dmarc", dmarc);
	if (arc[0] != '\0')
		vgm_lf(line, "arc", arc);
}

/*
 * vgm_logsink_level - the line's priority: warning for a virus, a
 * probable compromise (outbound spam), a tempfail or a scan that failed
 * or did not happen; notice for refused or held spam; info otherwise
 */
static enum vg_log_level
vgm_logsink_level(const struct vg_verdict *verdict, enum vg_action action)
{
	if (verdict == NULL || verdict->error || verdict->virus[0] != '\0' ||
	    (verdict->outbound && verdict->spam) ||
	    action == VG_ACTION_TEMPFAIL)
		return VG_LOG_WARNING;
	if (verdict->spam &&
	    (action == VG_ACTION_REJECT || action == VG_ACTION_QUARANTINE ||
	        action == VG_ACTION_DISCARD))
		return VG_LOG_NOTICE;
	return VG_LOG_INFO;
}

/* vgm_logsink_message - the one line per message, in logfmt */
void
vgm_logsink_message(const struct vgm_loginfo *info,
    const struct vg_engine *engine, const struct vg_verdict *verdict,
    enum vg_action action, const char *reply, const char *note,
    uint64_t total_us)
{
	struct vg_buf line;
	char virus[VG_VIRUS_NAME_MAX];
	char tests[VG_VERDICT_HEADER_MAX];
	char buf[VGM_LOG_FIELD_MAX + 64];

	(void)engine;
	/* Every message that ends gets this line: count it here, once. */
	vgm_metrics_message(verdict, action, total_us);
	/*
	 * A line that does not fit is cut by vg_buf_printf() refusing the
	 * last piece; the line is still logged, as far as it got.
	 */
	vg_buf_init(&line, VG_LOG_LINE_MAX - 64);
	(void)vg_buf_printf(
	    &line, "%s:", info->qid[0] != '\0' ? info->qid : "NOQUEUE");
	/* An unresolved client comes as "[addr]": say so as Postfix does. */
	(void)vg_str_fmt(buf, sizeof(buf), "%s[%s]",
	    info->client_name[0] != '\0' && info->client_name[0] != '['
	        ? info->client_name
	        : "unknown",
	    info->client_addr);
	vgm_lf(&line, "client", buf);
	(void)vg_str_fmt(buf, sizeof(buf), "<%s>", info->from);
	vgm_lf(&line, "from", buf);
	(void)vg_buf_printf(&line, " nrcpt=%zu", info->nrcpt);
	if (info->rejected_rcpts > 0)
		(void)vg_buf_printf(
		    &line, " rejected_rcpt=%zu", info->rejected_rcpts);
	vgm_lf(&line, "rcpt", info->rcpts);
	vgm_lf(&line, "helo", info->helo);
	(void)vg_buf_printf(&line, " size=%" PRIu64, info->size);
	if (verdict != NULL) {
		(void)vg_buf_printf(&line, " direction=%s",
		    verdict->outbound ? "outbound" : "inbound");
		/* Who sent it, when that is not the client already named. */
		if (verdict->outbound &&
		    strncmp(verdict->source, "sasl_username=", 14) == 0)
			vgm_lf_clean(
			    &line, "sasl_username", verdict->source + 14);
		(void)vg_sanitize_str(virus, sizeof(virus), verdict->virus, 0);
		vgm_lf(&line, "virus", vgm_logsink_virus(verdict, virus));
		if (verdict->virus_outcome != VG_VIRUS_CLEAN &&
		    verdict->virus_outcome != VG_VIRUS_INFECTED)
			vgm_lf_clean(
			    &line, "virus_status", verdict->virus_status);
		(void)vg_verdict_tests(verdict, tests, sizeof(tests));
		(void)vg_buf_printf(&line, " score=%.1f required=%.1f",
		    verdict->score, verdict->required);
		vgm_lf(&line, "tests", tests[0] != '\0' ? tests : "none");
		vgm_logsink_auth(&line, verdict);
	}
	(void)vg_buf_printf(&line, " action=%s", vg_action_name(action));
	/*
	 * Why the message was not simply accepted: "virus X", "spam score
	 * N", "probable compromise: outbound spam from sasl_username=...".
	 * Postfix does not log a quarantine reason, so this line must.
	 */
	if (verdict != NULL && verdict->reason[0] != '\0' &&
	    action != VG_ACTION_ACCEPT)
		vgm_lf_clean(&line, "reason", verdict->reason);
	if (reply != NULL && reply[0] != '\0')
		vgm_lf_clean(&line, "reply", reply);
	if (note != NULL && note[0] != '\0')
		vgm_lf_clean(&line, "note", note);
	if (verdict != NULL)
		vgm_logsink_stages(&line, verdict);
	(void)vg_buf_printf(&line, " total=%.1fms", (double)total_us / 1000.0);
	vg_log(vgm_logsink_level(verdict, action), "%s", vg_buf_cstr(&line));
	vg_buf_fini(&line);
}
