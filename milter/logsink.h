/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * logsink - where vigil-milter's log lines go, and the line per message.
 *
 * PURPOSE  Installs the vg_log() sink of the daemon: syslog(3) with
 *	    facility LOG_MAIL normally, stderr with -f (and before the daemon
 *	    detaches, so start-up errors reach the terminal); with -f under
 *	    systemd (JOURNAL_STREAM in the environment) each stderr line
 *	    starts with its syslog priority, "<4>", which journald reads.
 *	    Writes the one summary line per message that an administrator
 *	    greps for: "QID: " and then logfmt (key=value, a value in double
 *	    quotes when it is empty or holds a blank, '"', '=' or '\\',
 *	    with \" \\ and \n-style escapes), each key at most once: client,
 *	    from, nrcpt, rejected_rcpt, rcpt (every recipient, comma-
 *	    separated), helo, size, direction, sasl_username, virus,
 *	    virus_status, score, required, tests, spf, dkim, dmarc, action,
 *	    reason, reply, note, ms (per stage), total.  Its priority tells
 *	    the outcome: warning for a virus, a probable compromise
 *	    (outbound spam), a tempfail or a failed scan; notice for
 *	    rejected or quarantined spam; info otherwise.
 * OWNS     Nothing after a call returns.  struct vgm_loginfo is a value the
 *	    caller fills (its strings are copies, so it stays valid after the
 *	    message has been handed to the scanner and freed).
 * LIMITS   One line is cut at VG_LOG_LINE_MAX bytes (log.h); the sender and
 *	    HELO name at VGM_LOG_FIELD_MAX bytes; the recipients at
 *	    VGM_LOG_RCPTS_MAX, the list then ending in ",...".  Message bytes
 *	    only reach a line through vg_sanitize_*.
 * THREADS  vgm_logsink_message() may run in many threads at once; stdio
 *	    and syslog(3) keep each line whole.  vgm_logsink_init() runs
 *	    before threads start.
 */
#ifndef VGM_LOGSINK_H
#define VGM_LOGSINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/action.h"

struct vg_engine;
struct vg_msg;
struct vg_verdict;

#define VGM_LOG_FIELD_MAX 256
#define VGM_LOG_RCPTS_MAX 1024

/* What the summary line says about a message, captured before hand-off. */
struct vgm_loginfo {
	char qid[64];
	char client_addr[64];
	char client_name[VGM_LOG_FIELD_MAX];
	char from[VGM_LOG_FIELD_MAX];
	char helo[VGM_LOG_FIELD_MAX];
	char rcpts[VGM_LOG_RCPTS_MAX]; /* "a@x,b@y", cut with ",..." */
	size_t nrcpt;
	size_t rejected_rcpts; /* RCPT TO the MTA refused (SMFIP_RCPT_REJ) */
	uint64_t size;
};

/*
 * vgm_logsink_init - send vg_log() lines to stderr (foreground) or to
 * syslog(3) as "vigil-milter" with LOG_PID and LOG_MAIL.
 */
void vgm_logsink_init(bool foreground);
/*
 * vgm_logsink_init_daemon - before a daemon detaches: warnings and errors
 * to stderr, info lines held (16 at most) until vgm_logsink_init(false)
 * logs them to syslog
 */
void vgm_logsink_init_daemon(void);

/*
 * vgm_loginfo_fill - capture what the summary line needs from msg, each
 * string sanitised; rejected is the count of refused recipients.
 */
void vgm_loginfo_fill(
    struct vgm_loginfo *info, const struct vg_msg *msg, size_t rejected);

/*
 * vgm_logsink_message - the summary line for one message.  engine and
 * verdict may be NULL (the scan did not happen or did not finish); then
 * action, reply ("451 4.3.0 text", may be "") and note say what was done
 * and why.
 */
void vgm_logsink_message(const struct vgm_loginfo *info,
    const struct vg_engine *engine, const struct vg_verdict *verdict,
    enum vg_action action, const char *reply, const char *note,
    uint64_t total_us);

#endif /* VGM_LOGSINK_H */
