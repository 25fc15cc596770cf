/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * session - per-connection and per-message state of vigil-milter.
 *
 * PURPOSE  struct vgm_conn is the libmilter private data of one SMTP
 *	    connection: what negotiation agreed, the client address and
 *	    name, the HELO name, and the message being collected with the
 *	    engine reference it holds.  The engine is taken per message (at
 *	    MAIL FROM) and released at end of message or abort, never per
 *	    connection, so a long SMTP session cannot pin an old engine.
 *	    The module also counts messages in flight, so that a stopping
 *	    daemon can wait for them before it frees the worker pool, and
 *	    owns the process-wide worker pool pointer the callbacks use.
 * OWNS     vgm_conn_new() returns a connection freed with vgm_conn_free(),
 *	    which also frees its message and drops its engine reference.
 * LIMITS   The client address is kept as text (INET6_ADDRSTRLEN); names
 *	    longer than VGM_NAME_MAX bytes are cut.  The message itself is
 *	    limited by vg_msg (max_message_size, header and recipient
 *	    limits from the engine's configuration).
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

struct vg_engine;
struct vg_msg;
struct vg_pool;

#define VGM_NAME_MAX 256
#define VGM_ADDR_MAX 64

struct vgm_conn {
	/* From negotiation. */
	bool leadspc;  /* SMFIP_HDR_LEADSPC: values keep their space */
	bool skip;     /* SMFIP_SKIP: the body callback may skip */
	bool rcpt_rej; /* SMFIP_RCPT_REJ: refused RCPTs are shown */

	char addr[VGM_ADDR_MAX]; /* "192.0.2.1", "2001:db8::1", "" */
	char name[VGM_NAME_MAX]; /* from the MTA, e.g. "[192.0.2.1]" */
	char helo[VGM_NAME_MAX];

	/* The message being collected, and the engine it will use. */
	struct vg_msg *msg;
	struct vg_engine *engine;
	bool in_flight;        /* counted by vgm_session_begin() */
	uint64_t start_us;     /* when MAIL FROM arrived */
	size_t rejected_rcpts; /* refused by the MTA, this message */
	size_t messages;       /* messages ended on this connection */
};

/* vgm_conn_new - empty connection state; NULL when out of memory */
struct vgm_conn *vgm_conn_new(void);
/* vgm_conn_msg_reset - free the message, drop its engine; keep the rest */
void vgm_conn_msg_reset(struct vgm_conn *conn);
/* vgm_conn_free - free everything; NULL is a no-op */
void vgm_conn_free(struct vgm_conn *conn);
/* vgm_conn_set_addr - address text of a struct sockaddr (NULL: "") */
void vgm_conn_set_addr(struct vgm_conn *conn, const struct sockaddr *sa);

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
/*
 * vgm_session_drain - refuse new messages and wait up to timeout_ms for
 * those in flight; returns how many are still in flight.
 */
size_t vgm_session_drain(uint64_t timeout_ms);

/* vgm_callbacks_desc - the smfiDesc for smfi_register(), named name */
struct smfiDesc vgm_callbacks_desc(char *name);

#endif /* VGM_SESSION_H */
