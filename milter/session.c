/* SPDX-License-Identifier: GPL-2.0-only */
/* session - struct vgm_conn, and the count of messages in flight */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "core/session.h"

#include "session.h"

/* Process-wide: libmilter callbacks have no user pointer. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t idle;
	size_t in_flight;
	bool stopping;
	struct vg_pool *pool;
} vgm_session_state = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .idle = PTHREAD_COND_INITIALIZER,
};

#define SS vgm_session_state

/* vgm_conn_new - zeroed connection state with an empty session */
struct vgm_conn *
vgm_conn_new(void)
{
	struct vgm_conn *conn = vg_calloc(1, sizeof(struct vgm_conn));

	if (conn != NULL && vg_sess_new(&conn->sess) != 0) {
		vg_free(conn);
		conn = NULL;
	}
	return conn;
}

/* vgm_conn_msg_reset - end the current message, whatever state it is in */
void
vgm_conn_msg_reset(struct vgm_conn *conn)
{
	if (conn == NULL)
		return;
	if (vg_sess_msg(conn->sess) != NULL)
		vg_sess_abort(conn->sess);
	else
		vg_sess_end(conn->sess);
	if (conn->in_flight) {
		conn->in_flight = false;
		vgm_session_end();
	}
}

/* vgm_conn_free - free the connection and its message */
void
vgm_conn_free(struct vgm_conn *conn)
{
	if (conn == NULL)
		return;
	vgm_conn_msg_reset(conn);
	vg_sess_free(conn->sess);
	vg_free(conn);
}

/* vgm_addr_text - inet_ntop() of an IPv4 or IPv6 address */
void
vgm_addr_text(char *buf, size_t size, const struct sockaddr *sa)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const char *p = NULL;

	buf[0] = '\0';
	if (sa == NULL)
		return;
	/*
	 * libmilter hands over a struct sockaddr that is really the family's
	 * own struct; copy it out rather than cast (-Wcast-align).
	 */
	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		p = inet_ntop(AF_INET, &sin.sin_addr, buf, (socklen_t)size);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		p = inet_ntop(AF_INET6, &sin6.sin6_addr, buf, (socklen_t)size);
	}
	if (p == NULL)
		buf[0] = '\0';
}

/* vgm_session_init - remember the worker pool */
void
vgm_session_init(struct vg_pool *pool)
{
	SS.pool = pool;
}

/* vgm_session_pool - the worker pool */
struct vg_pool *
vgm_session_pool(void)
{
	return SS.pool;
}

/* vgm_session_begin - one more message, unless we are stopping */
bool
vgm_session_begin(void)
{
	bool ok;

	pthread_mutex_lock(&SS.lock);
	ok = !SS.stopping;
	if (ok)
		SS.in_flight++;
	pthread_mutex_unlock(&SS.lock);
	return ok;
}

/* vgm_session_end - one message fewer; wake a draining main thread */
void
vgm_session_end(void)
{
	pthread_mutex_lock(&SS.lock);
	if (SS.in_flight > 0)
		SS.in_flight--;
	if (SS.in_flight == 0)
		pthread_cond_broadcast(&SS.idle);
	pthread_mutex_unlock(&SS.lock);
}

/* vgm_session_in_flight - messages in flight now */
size_t
vgm_session_in_flight(void)
{
	size_t n;

	pthread_mutex_lock(&SS.lock);
	n = SS.in_flight;
	pthread_mutex_unlock(&SS.lock);
	return n;
}

/* vgm_session_drain - stop taking messages, wait for the rest */
size_t
vgm_session_drain(uint64_t timeout_ms)
{
	uint64_t deadline = vg_clock_ms() + timeout_ms;
	struct timespec ts;
	size_t left;
	uint64_t now;

	pthread_mutex_lock(&SS.lock);
	SS.stopping = true;
	/*
	 * The condition variable uses the realtime clock (it is statically
	 * initialised); a clock step only makes one wait shorter or longer,
	 * and the loop re-checks the monotonic deadline.
	 */
	while (SS.in_flight > 0 && (now = vg_clock_ms()) < deadline) {
		uint64_t ms = deadline - now;

		if (ms > 1000)
			ms = 1000;
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)(ms / 1000);
		ts.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&SS.idle, &SS.lock, &ts);
	}
	left = SS.in_flight;
	pthread_mutex_unlock(&SS.lock);
	return left;
}
