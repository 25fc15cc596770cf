/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * session - per-connection and per-message state of vigil-milter.
 *
 * PURPOSE  struct vgm_conn is the libmilter private data of one SMTP
 *	    connection: what negotiation agreed, and the library's session
 *	    (core/session.h: the client, the HELO name, the message being
 *	    collected and the engine reference it holds), which the
 *	    callbacks drive.  The engine is taken per message (at MAIL FROM)
 *	    and released at end of message or abort, never per connection,
 *	    so a long SMTP session cannot pin an old engine.
 *	    The module also counts messages in flight, so that a stopping
 *	    daemon can wait for them before it frees the worker pool, and
 *	    owns the process-wide worker pool pointer the callbacks use.
 * OWNS     vgm_conn_new() returns a connection freed with vgm_conn_free(),
 *	    which also frees its session, message and engine reference.
 * LIMITS   The client address is kept as text (INET6_ADDRSTRLEN); names
 *	    are cut as the session cuts them (VG_SESS_NAME_MAX).
 * THREADS  libmilter calls the callbacks of one connection one at a time,
 *	    so a struct vgm_conn needs no lock.  The in-flight counter and
 *	    the stop flag are guarded by a mutex.
 */
#ifndef VGM_SESSION_H
#define VGM_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmilter/mfapi.h>

struct vg_pool;
struct vg_sess;

#define VGM_ADDR_MAX 64

struct vgm_conn {
	/* From negotiation. */
	bool leadspc;  /* SMFIP_HDR_LEADSPC: values keep their space */
	bool skip;     /* SMFIP_SKIP: the body callback may skip */
	bool rcpt_rej; /* SMFIP_RCPT_REJ: refused RCPTs are shown */

	/* The connection and its message, run through the stages. */
	struct vg_sess *sess;
	bool in_flight;    /* counted by vgm_session_begin() */
	uint64_t start_us; /* when MAIL FROM arrived */
	size_t messages;   /* messages ended on this connection */
};

/* vgm_conn_new - empty connection state; NULL when out of memory */
struct vgm_conn *vgm_conn_new(void);
/*
 * vgm_conn_msg_reset - end the message: the abort hooks when one was
 * being collected, then free it and drop its engine; keep the rest
 */
void vgm_conn_msg_reset(struct vgm_conn *conn);
/* vgm_conn_free - free everything; NULL is a no-op */
void vgm_conn_free(struct vgm_conn *conn);
/* vgm_addr_text - address text of a struct sockaddr into buf (NULL: "") */
void vgm_addr_text(char *buf, size_t size, const struct sockaddr *sa);

/* vgm_session_init - the pool messages are scanned on (borrowed) */
void vgm_session_init(struct vg_pool *pool);
/* vgm_session_pool - that pool */
struct vg_pool *vgm_session_pool(void);
/*
 * vgm_session_begin - count one more message in flight; false when the
 * daemon is stopping (the message must be refused).
 */
bool vgm_session_begin(void);
/* vgm_session_end - one message fewer in flight */
void vgm_session_end(void);
/* vgm_session_in_flight - messages in flight now (a snapshot) */
size_t vgm_session_in_flight(void);
/*
 * vgm_session_drain - refuse new messages and wait up to timeout_ms for
 * those in flight; returns how many are still in flight.
 */
size_t vgm_session_drain(uint64_t timeout_ms);

/* vgm_callbacks_desc - the smfiDesc for smfi_register(), named name */
struct smfiDesc vgm_callbacks_desc(char *name);

#endif /* VGM_SESSION_H */
