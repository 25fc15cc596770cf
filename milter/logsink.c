/* SPDX-License-Identifier: GPL-2.0-only */
/* logsink - syslog or stderr, and one line per message */
#include <inttypes.h>
#include <stdio.h>
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

/* vgm_logsink_stderr - the sink used with -f: "vigil-milter[pid]: ..." */
static void
vgm_logsink_stderr(enum vg_log_level level, const char *line, void *ctx)
{
	(void)ctx;
	/* One fprintf() call: stdio's lock keeps each line whole. */
	(void)fprintf(stderr, "vigil-milter[%ld]: %s: %s\n", (long)getpid(),
	    vg_log_level_name(level), line);
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
	info->nrcpt = vg_msg_rcpt_count(msg);
	info->size = vg_msg_size(msg);
}

/* vgm_logsink_stages - append " ms=virus:1.2,score:3.4" */
static void
vgm_logsink_stages(struct vg_buf *line, const struct vg_engine *engine,
    const struct vg_verdict *verdict)
{
	size_t i, n;

	(void)engine;
	n = verdict->nstages;
	if (n > VG_NELEM(verdict->stage_us))
		n = VG_NELEM(verdict->stage_us);
	for (i = 0; i < n; i++)
		(void)vg_buf_printf(line, "%s%s:%.1f", i == 0 ? " ms=" : ",",
		    verdict->stage_name[i] != NULL ? verdict->stage_name[i]
		                                   : "stage",
		    (double)verdict->stage_us[i] / 1000.0);
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
 * vgm_logsink_dkim - " dkim=pass:example.com:sel,fail:other.example:s2",
 * each DKIM signature's result, domain and selector, top down, and
 * " dmarc=pass:example.com" (the result, the From: domain) and
 * " arc=pass:list.example" (the chain's result, its newest sealer); nothing
 * when the message was not checked
 */
static void
vgm_logsink_dkim(struct vg_buf *line, const struct vg_verdict *verdict)
{
	char d[VG_AUTH_VALUE_MAX], s[VG_AUTH_VALUE_MAX];
	bool first = true;

	for (size_t i = 0; i < verdict->nauth; i++) {
		const struct vg_auth *a = &verdict->auth[i];

		if (a->method == VG_AUTH_DMARC) {
			(void)vg_sanitize_str(
			    d, sizeof(d), a->value, VG_SANITIZE_ASCII);
			(void)vg_buf_printf(line, " dmarc=%s:%s", a->result, d);
			continue;
		}
		if (a->method == VG_AUTH_ARC) {
			(void)vg_sanitize_str(
			    d, sizeof(d), a->value, VG_SANITIZE_ASCII);
			(void)vg_buf_printf(line, " arc=%s:%s", a->result, d);
			continue;
		}
		if (a->method != VG_AUTH_DKIM)
			continue;
		(void)vg_sanitize_str(
		    d, sizeof(d), a->value, VG_SANITIZE_ASCII);
		(void)vg_sanitize_str(
		    s, sizeof(s), a->value2, VG_SANITIZE_ASCII);
		(void)vg_buf_printf(line, "%s%s:%s:%s", first ? " dkim=" : ",",
		    a->result, d, s);
		first = false;
	}
}

/* vgm_logsink_message - the one line per message */
void
vgm_logsink_message(const struct vgm_loginfo *info,
    const struct vg_engine *engine, const struct vg_verdict *verdict,
    enum vg_action action, const char *reply, const char *note,
    uint64_t total_us)
{
	struct vg_buf line;
	char virus[VG_VIRUS_NAME_MAX];
	char tests[VG_VERDICT_HEADER_MAX];
	char clean_reply[VG_REASON_MAX + 32];
	char clean_note[VG_REASON_MAX];

	/* Every message that ends gets this line: count it here, once. */
	vgm_metrics_message(verdict, action, total_us);
	/*
	 * A line that does not fit is cut by vg_buf_printf() refusing the
	 * last piece; the line is still logged, as far as it got.
	 */
	vg_buf_init(&line, VG_LOG_LINE_MAX - 64);
	(void)vg_buf_printf(&line, "%s: client=%s[%s] from=<%s>",
	    info->qid[0] != '\0' ? info->qid : "NOQUEUE",
	    /* An unresolved client comes as "[addr]": say so as Postfix does. */
	    info->client_name[0] != '\0' && info->client_name[0] != '['
	        ? info->client_name
	        : "unknown",
	    info->client_addr, info->from);
	(void)vg_buf_printf(&line, " nrcpt=%zu", info->nrcpt);
	if (info->rejected_rcpts > 0)
		(void)vg_buf_printf(
		    &line, " rejected_rcpt=%zu", info->rejected_rcpts);
	(void)vg_buf_printf(&line, " size=%" PRIu64, info->size);
	if (verdict != NULL) {
		(void)vg_sanitize_str(virus, sizeof(virus), verdict->virus, 0);
		(void)vg_verdict_tests(verdict, tests, sizeof(tests));
		(void)vg_buf_printf(
		    &line, " virus=%s", vgm_logsink_virus(verdict, virus));
		if (verdict->virus_outcome != VG_VIRUS_CLEAN &&
		    verdict->virus_outcome != VG_VIRUS_INFECTED)
			(void)vg_buf_printf(&line, " virus_status=\"%s\"",
			    verdict->virus_status);
		(void)vg_buf_printf(&line, " score=%.1f/%.1f tests=%s",
		    verdict->score, verdict->required,
		    tests[0] != '\0' ? tests : "none");
	}
	if (verdict != NULL)
		vgm_logsink_dkim(&line, verdict);
	if (verdict != NULL && verdict->outbound)
		(void)vg_buf_printf(
		    &line, " direction=outbound %s", verdict->source);
	(void)vg_buf_printf(&line, " action=%s", vg_action_name(action));
	/*
	 * Why the message was not simply accepted: "virus X", "spam score
	 * N", "probable compromise: outbound spam from sasl_username=...".
	 * Postfix does not log a quarantine reason, so this line must.
	 */
	if (verdict != NULL && verdict->reason[0] != '\0' &&
	    action != VG_ACTION_ACCEPT) {
		(void)vg_sanitize_str(
		    clean_note, sizeof(clean_note), verdict->reason, 0);
		(void)vg_buf_printf(&line, " reason=\"%s\"", clean_note);
	}
	if (reply != NULL && reply[0] != '\0') {
		(void)vg_sanitize_str(
		    clean_reply, sizeof(clean_reply), reply, 0);
		(void)vg_buf_printf(&line, " reply=\"%s\"", clean_reply);
	}
	if (note != NULL && note[0] != '\0') {
		(void)vg_sanitize_str(clean_note, sizeof(clean_note), note, 0);
		(void)vg_buf_printf(&line, " note=\"%s\"", clean_note);
	}
	if (verdict != NULL)
		vgm_logsink_stages(&line, engine, verdict);
	(void)vg_buf_printf(&line, " total=%.1fms", (double)total_us / 1000.0);
	/* A failure, or a probable compromise, should stand out. */
	vg_log(verdict != NULL && !verdict->error &&
	            !(verdict->outbound && verdict->spam)
	        ? VG_LOG_INFO
	        : VG_LOG_WARNING,
	    "%s", vg_buf_cstr(&line));
	vg_buf_fini(&line);
}
