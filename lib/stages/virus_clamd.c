/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virus_clamd - the "clamd" virus backend (virus_backend.h): the raw
 * message sent to one of a list of clamd servers with INSTREAM.
 *
 * PURPOSE  A site scans on clamd servers instead of loading ClamAV in
 *	    every milter (virus_backend = clamd, clamd_servers, vigil.conf(5)).
 * OWNS     The parsed server list with each server's health and version
 *	    (struct clamd_state), freed by free().  A message's stream
 *	    (struct clamd_stream: one connection) hangs off the message
 *	    (VG_MSG_SLOT_VIRUS) and is closed when collect() has its answer
 *	    or, at the latest, when the message is freed (an aborted
 *	    message).  scan() opens and closes its own connection.
 * LIMITS   clamd_servers: at most CLAMD_SERVERS_MAX entries, each shorter
 *	    than CLAMD_ADDR_MAX.  clamd_timeout bounds the connect and each
 *	    read or write, the wait for the reply too (clamd's scan time:
 *	    a server slower than that counts as failed); collect() also
 *	    stops at the scan's deadline.  Chunks of at most 64 KiB.  A
 *	    reply longer than CLAMD_REPLY_MAX is an error.  A host name is
 *	    resolved by getaddrinfo(), whose time the timeout does not bound
 *	    (use addresses or unix sockets).
 * ERRORS   create(): VG_ECONFIG (a bad clamd_servers entry) or VG_ENOMEM
 *	    with a sentence in err; no server answering VERSION is not an
 *	    error (one log line, version "clamd (unreached)").
 *	    scan() and collect(): VG_ETEMP with "clamd: ..." in out->reason
 *	    when no server could be reached or none answered (the stage
 *	    applies on_error), or an answer it does not understand.
 * THREADS  scan() and collect() run concurrently on one state; the
 *	    rotating start index and each server's health are atomic, the
 *	    servers' version texts are under a mutex.  One message's body(),
 *	    eom() and collect() run one after the other.
 *
 * Streaming (virus_backend.h, STREAMING).  The first body chunk opens an
 * INSTREAM connection to the next server of the rotation and sends the
 * header block (the message holds it already) and the chunk; each later
 * chunk is sent as the MTA hands it over, from the caller's buffer (never
 * copied a second time for clamd); eom() sends the end marker once the
 * bytes sent equal the message's stored copy, so clamd scans while the
 * score stage runs; collect(), off the scan pool, reads the reply.  The
 * stream is given up, and collect() sends the stored copy to the next
 * server as scan() does, when: the server could not be reached or timed
 * out (it is marked failed), it closed the connection and gives no
 * reply (failed: a clamd that died mid-stream), the message grew past
 * max_message_size (the stage says too large; not the server's fault),
 * or its header block is in a spill file (over memory_limit).  So a
 * server that dies mid-stream costs the message one resend, never its
 * answer.
 *
 * Protocol (clamd(8)): "zINSTREAM\0", then the message in chunks, each
 * prefixed by its length as 4 bytes in network order, then a 4-byte 0;
 * the reply ends with a NUL.  Answers:
 *   "stream: OK"                         -> CLEAN
 *   "stream: <name> FOUND"               -> INFECTED, out->name = name
 *   "... ERROR" (e.g. "INSTREAM size     -> INCOMPLETE, out->reason = the
 *   limit exceeded. ERROR")		     reply (the stage says Unscanned)
 *   connect or I/O error, timeout        -> the next server; all failed:
 *					     VG_ETEMP "clamd: ..."
 *   anything else                        -> VG_ETEMP "clamd: unexpected
 *					     reply ..."
 * A server that closes the connection while the message is being sent
 * (clamd does at StreamMaxLength) is still read: its reply is the answer.
 * Each message starts at the next server of the list (round robin), so
 * the servers share the load.
 *
 * Health.  A server that fails is skipped for CLAMD_BACKOFF_MS (1 s)
 * after each failure and logs one warning per outage.  Once its back-off
 * is over, the first message that would use it sends it PING first (one
 * message at a time: the others keep skipping it); "PONG" brings it back
 * (one log line) and its VERSION is asked again, anything else starts a
 * new back-off.  So a dead server costs one failed connect a second, not
 * one a message, and never a message's scan.  Every server skipped or
 * failed: VG_ETEMP at once (the MTA retries).
 *
 * Version.  Each server's VERSION reply ("ClamAV 1.4.6/27480/Mon Dec 7
 * 08:00:00 2026") is kept per server without its date, "ClamAV
 * 1.4.6/27480", the form the in-process backend gives X-Virus-Scanned
 * ("ClamAV 1.4.6/0" from a clamd with no daily database, which answers
 * "ClamAV 1.4.6");
 * out->engine of an answer names the server that gave it.  It is asked
 * at create, when a server comes back, and again after an answer once it
 * is CLAMD_VERSION_REFRESH_MS (60 s) old (one VERSION round trip per
 * server a minute, by one message at a time), so a clamd that reloaded
 * newer signatures is named right within a minute.  version() (vigil-milter
 * -V, the engine's text) is the first answer at create, "clamd
 * (unreached)" when none answered.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/compiler.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/sanitize.h"
#include "base/stats.h"
#include "base/str.h"
#include "core/result.h"
#include "message/msg.h"
#include "stages/virus_backend.h"

#define CLAMD_SERVERS_MAX 16
#define CLAMD_ADDR_MAX    256
#define CLAMD_CHUNK_MAX   (64u * 1024u)
#define CLAMD_REPLY_MAX   1024
#define CLAMD_VERSION_MAX 128
#define CLAMD_WHY_MAX     160

struct clamd_server {
	bool is_unix;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char host[CLAMD_ADDR_MAX];
	char port[8];
	char text[CLAMD_ADDR_MAX]; /* as written, for messages */
	/*
	 * Health: a server that failed is skipped until down_until (the
	 * process's monotonic clock, ms), CLAMD_BACKOFF_MS after each
	 * failure; down says a warning was logged, so an outage is one line
	 * and its end one more.
	 */
	_Atomic uint64_t down_until;
	atomic_bool down;
	/* VERSION reply without its date, "" until one came (under
	 * clamd_state.lock); asked last at version_at (ms, 0: never). */
	char version[CLAMD_VERSION_MAX];
	_Atomic uint64_t version_at;
};

#define CLAMD_BACKOFF_MS         1000
#define CLAMD_VERSION_REFRESH_MS 60000

struct clamd_state {
	struct clamd_server srv[CLAMD_SERVERS_MAX];
	size_t n;
	unsigned timeout_ms;
	atomic_uint next;                /* where the next scan starts */
	pthread_mutex_t lock;            /* the servers' version[] */
	char version[CLAMD_VERSION_MAX]; /* the engine's: set at create */
};

/* One message's INSTREAM connection (see Streaming at the top). */
struct clamd_stream {
	int fd;        /* -1: none, or closed */
	size_t srv;    /* the server, index into clamd_state.srv */
	bool off;      /* given up: collect() sends the stored copy */
	bool broken;   /* a send failed: the server stopped reading */
	bool ended;    /* the end marker went out */
	uint64_t sent; /* message bytes sent */
};

/* clamd_parse_one - one clamd_servers entry into s; false if malformed */
static bool
clamd_parse_one(struct clamd_server *s, const char *w, size_t len)
{
	const char *colon, *host, *port;
	size_t hlen, plen;
	char *end;
	unsigned long pn;

	memset(s, 0, sizeof(*s));
	if (len >= sizeof(s->text))
		return false;
	memcpy(s->text, w, len);
	s->text[len] = '\0';
	if (len > 5 && strncmp(w, "unix:", 5) == 0) {
		w += 5;
		len -= 5;
	}
	if (w[0] == '/') {
		if (len >= sizeof(s->path))
			return false;
		s->is_unix = true;
		memcpy(s->path, w, len);
		s->path[len] = '\0';
		return true;
	}
	if (w[0] == '[') {
		const char *rb = memchr(w, ']', len);

		if (rb == NULL || rb + 1 >= w + len || rb[1] != ':')
			return false;
		host = w + 1;
		hlen = (size_t)(rb - host);
		port = rb + 2;
	} else {
		colon = memchr(w, ':', len);
		if (colon == NULL ||
		    memchr(colon + 1, ':', len - (size_t)(colon + 1 - w)) !=
		        NULL)
			return false;
		host = w;
		hlen = (size_t)(colon - w);
		port = colon + 1;
	}
	plen = len - (size_t)(port - w);
	if (hlen == 0 || hlen >= sizeof(s->host) || plen == 0 ||
	    plen >= sizeof(s->port))
		return false;
	memcpy(s->host, host, hlen);
	s->host[hlen] = '\0';
	memcpy(s->port, port, plen);
	s->port[plen] = '\0';
	errno = 0;
	pn = strtoul(s->port, &end, 10);
	if (errno != 0 || *end != '\0' || s->port[0] < '0' ||
	    s->port[0] > '9' || pn == 0 || pn > 65535)
		return false;
	return true;
}

/* clamd_parse - clamd_servers into cs->srv; VG_ECONFIG with err set */
static int
clamd_parse(struct clamd_state *cs, const char *list, struct vg_err *err)
{
	const char *p = list != NULL ? list : "";

	cs->n = 0;
	while (*p != '\0') {
		size_t len;

		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		len = strcspn(p, ", \t");
		if (cs->n == CLAMD_SERVERS_MAX) {
			vg_err_add(err, NULL, 0,
			    "clamd_servers: more than %d servers",
			    CLAMD_SERVERS_MAX);
			return VG_ECONFIG;
		}
		if (!clamd_parse_one(&cs->srv[cs->n], p, len)) {
			vg_err_add(err, NULL, 0,
			    "clamd_servers: '%.*s' is not unix:/path, /path, "
			    "host:port or [v6]:port",
			    (int)(len > 200 ? 200 : len), p);
			return VG_ECONFIG;
		}
		cs->n++;
		p += len;
	}
	if (cs->n == 0) {
		vg_err_add(
		    err, NULL, 0, "virus_backend = clamd needs clamd_servers");
		return VG_ECONFIG;
	}
	return 0;
}

/* clamd_wait - poll fd for events up to ms; 0, or VG_ETEMP/VG_EIO */
static int
clamd_wait(int fd, short events, unsigned ms, char *why)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	uint64_t deadline = vg_clock_ms() + ms;

	for (;;) {
		uint64_t now = vg_clock_ms();
		int n;

		if (now >= deadline) {
			(void)vg_str_fmt(why, CLAMD_WHY_MAX,
			    "no answer within clamd_timeout");
			return VG_ETEMP;
		}
		n = poll(&pfd, 1, (int)(deadline - now));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR) {
			(void)vg_str_fmt(
			    why, CLAMD_WHY_MAX, "poll: %s", strerror(errno));
			return VG_EIO;
		}
	}
}

/* clamd_connect_addr - a non-blocking connect within ms; fd or -1 */
static int
clamd_connect_addr(const struct sockaddr *sa, socklen_t salen, int family,
    unsigned ms, char *why)
{
	int fd, soerr = 0;
	socklen_t len = sizeof(soerr);

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		(void)vg_str_fmt(
		    why, CLAMD_WHY_MAX, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, sa, salen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EAGAIN) {
		(void)vg_str_fmt(
		    why, CLAMD_WHY_MAX, "connect: %s", strerror(errno));
		(void)close(fd);
		return -1;
	}
	if (clamd_wait(fd, POLLOUT, ms, why) != 0) {
		(void)close(fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 ||
	    soerr != 0) {
		(void)vg_str_fmt(why, CLAMD_WHY_MAX, "connect: %s",
		    strerror(soerr != 0 ? soerr : errno));
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* clamd_connect - a connection to s; fd, or -1 with why set */
static int
clamd_connect(const struct clamd_server *s, unsigned ms, char *why)
{
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, gai;

	if (s->is_unix) {
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, s->path, strlen(s->path) + 1);
		return clamd_connect_addr((const struct sockaddr *)&sun,
		    (socklen_t)sizeof(sun), AF_UNIX, ms, why);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((gai = getaddrinfo(s->host, s->port, &hints, &res)) != 0) {
		(void)vg_str_fmt(why, CLAMD_WHY_MAX, "%s", gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		fd = clamd_connect_addr(
		    ai->ai_addr, ai->ai_addrlen, ai->ai_family, ms, why);
	freeaddrinfo(res);
	return fd;
}

/* clamd_send - all of buf within ms per write; 0 or VG_EIO/VG_ETEMP */
static int
clamd_send(int fd, const void *buf, size_t len, unsigned ms, char *why)
{
	const unsigned char *p = buf;
	int rc;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((rc = clamd_wait(fd, POLLOUT, ms, why)) != 0)
				return rc;
			continue;
		}
		(void)vg_str_fmt(why, CLAMD_WHY_MAX, "send: %s",
		    n < 0 ? strerror(errno) : "nothing sent");
		return VG_EIO;
	}
	return 0;
}

/*
 * clamd_reply - the reply up to its NUL (or the end of the stream) into
 * buf (CLAMD_REPLY_MAX), without a trailing newline.  0, or VG_EIO /
 * VG_ETEMP / VG_ELIMIT with why set.
 */
static int
clamd_reply(int fd, char *buf, unsigned ms, char *why)
{
	size_t len = 0;
	int rc;

	for (;;) {
		ssize_t n;
		char *nul;

		if (len == CLAMD_REPLY_MAX) {
			(void)vg_str_fmt(why, CLAMD_WHY_MAX,
			    "reply longer than %d bytes", CLAMD_REPLY_MAX);
			return VG_ELIMIT;
		}
		n = recv(fd, buf + len, CLAMD_REPLY_MAX - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((rc = clamd_wait(fd, POLLIN, ms, why)) != 0)
				return rc;
			continue;
		}
		if (n < 0) {
			(void)vg_str_fmt(
			    why, CLAMD_WHY_MAX, "recv: %s", strerror(errno));
			return VG_EIO;
		}
		if (n == 0) {
			if (len == 0) {
				(void)vg_str_fmt(why, CLAMD_WHY_MAX,
				    "connection closed without a reply");
				return VG_EIO;
			}
			break;
		}
		nul = memchr(buf + len, '\0', (size_t)n);
		len += (size_t)n;
		if (nul != NULL) {
			len = (size_t)(nul - buf);
			break;
		}
	}
	if (len == CLAMD_REPLY_MAX) {
		(void)vg_str_fmt(why, CLAMD_WHY_MAX,
		    "reply longer than %d bytes", CLAMD_REPLY_MAX - 1);
		return VG_ELIMIT;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	return 0;
}

/* clamd_send_chunks - raw as INSTREAM chunks of at most 64 KiB */
static int
clamd_send_chunks(
    int fd, const unsigned char *raw, size_t len, unsigned ms, char *why)
{
	unsigned char hdr[4];
	int rc;

	while (len > 0) {
		size_t chunk = len < CLAMD_CHUNK_MAX ? len : CLAMD_CHUNK_MAX;
		uint32_t be = htonl((uint32_t)chunk);

		memcpy(hdr, &be, sizeof(hdr));
		if ((rc = clamd_send(fd, hdr, sizeof(hdr), ms, why)) != 0 ||
		    (rc = clamd_send(fd, raw, chunk, ms, why)) != 0)
			return rc;
		raw += chunk;
		len -= chunk;
	}
	return 0;
}

static const char clamd_cmd_instream[] = "zINSTREAM"; /* with its NUL */
static const unsigned char clamd_end[4] = {0, 0, 0, 0};

/* clamd_instream - send the len bytes of raw as INSTREAM on fd */
static int
clamd_instream(
    int fd, const unsigned char *raw, size_t len, unsigned ms, char *why)
{
	int rc;

	if ((rc = clamd_send(fd, clamd_cmd_instream, sizeof(clamd_cmd_instream),
	         ms, why)) != 0 ||
	    (rc = clamd_send_chunks(fd, raw, len, ms, why)) != 0)
		return rc;
	return clamd_send(fd, clamd_end, sizeof(clamd_end), ms, why);
}

/* ends_with - s ends with suffix */
static bool
ends_with(const char *s, size_t len, const char *suffix)
{
	size_t sl = strlen(suffix);

	return len >= sl && memcmp(s + len - sl, suffix, sl) == 0;
}

/* clamd_answer - an INSTREAM reply into out; 0 or VG_ETEMP */
static int
clamd_answer(
    const char *reply, const struct clamd_server *s, struct vg_virus_scan *out)
{
	static const char pre[] = "stream: ";
	size_t len = strlen(reply);

	if (strcmp(reply, "stream: OK") == 0) {
		out->kind = VG_VB_CLEAN;
		return 0;
	}
	if (ends_with(reply, len, " FOUND") &&
	    strncmp(reply, pre, sizeof(pre) - 1) == 0 &&
	    len > sizeof(pre) - 1 + 6) {
		size_t nlen = len - (sizeof(pre) - 1) - 6;

		if (nlen >= sizeof(out->name))
			nlen = sizeof(out->name) - 1;
		memcpy(out->name, reply + sizeof(pre) - 1, nlen);
		out->name[nlen] = '\0';
		out->kind = VG_VB_INFECTED;
		return 0;
	}
	if (ends_with(reply, len, "ERROR")) {
		out->kind = VG_VB_INCOMPLETE;
		vg_sanitize_str(
		    out->reason, sizeof(out->reason), reply, VG_SANITIZE_ASCII);
		return 0;
	}
	vg_sanitize_str(out->name, sizeof(out->name), reply, VG_SANITIZE_ASCII);
	(void)vg_str_fmt(out->reason, sizeof(out->reason),
	    "clamd: unexpected reply from %s: '%s'", s->text, out->name);
	out->name[0] = '\0';
	return VG_ETEMP;
}

/* clamd_free - free the state; NULL is a no-op */
static void
clamd_free(void *state)
{
	struct clamd_state *cs = state;

	if (cs == NULL)
		return;
	pthread_mutex_destroy(&cs->lock);
	vg_free(cs);
}

/*
 * clamd_command - one short command (cmd with its NUL) to s on a
 * connection of its own, its reply into reply (CLAMD_REPLY_MAX + 1);
 * 0, or a VG_E* code with why set
 */
static int
clamd_command(const struct clamd_server *s, const char *cmd, size_t cmdlen,
    unsigned ms, char *reply, char *why)
{
	int fd = clamd_connect(s, ms, why);
	int rc;

	if (fd < 0)
		return VG_ETEMP;
	rc = clamd_send(fd, cmd, cmdlen, ms, why);
	if (rc == 0)
		rc = clamd_reply(fd, reply, ms, why);
	(void)close(fd);
	return rc;
}

/*
 * clamd_cut_version - a VERSION reply into dst (CLAMD_VERSION_MAX),
 * sanitised, without the date after the second '/', and with "/0" when
 * clamd has no daily database to name ("ClamAV 1.4.6"), as the
 * in-process backend says
 */
static void
clamd_cut_version(char *dst, const char *reply)
{
	char *slash;
	size_t len;

	vg_sanitize_str(dst, CLAMD_VERSION_MAX - 2, reply, VG_SANITIZE_ASCII);
	if ((slash = strchr(dst, '/')) == NULL) {
		len = strlen(dst);
		memcpy(dst + len, "/0", 3);
		return;
	}
	if ((slash = strchr(slash + 1, '/')) != NULL)
		*slash = '\0';
}

/* clamd_ask_version - s's VERSION into its version[]; true if it answered */
static bool
clamd_ask_version(struct clamd_state *cs, struct clamd_server *s, char *why)
{
	static const char cmd[] = "zVERSION";
	char reply[CLAMD_REPLY_MAX + 1], v[CLAMD_VERSION_MAX];

	atomic_store(&s->version_at, vg_clock_ms());
	if (clamd_command(s, cmd, sizeof(cmd), cs->timeout_ms, reply, why) !=
	        0 ||
	    reply[0] == '\0')
		return false;
	clamd_cut_version(v, reply);
	pthread_mutex_lock(&cs->lock);
	memcpy(s->version, v, sizeof(v));
	pthread_mutex_unlock(&cs->lock);
	return true;
}

/*
 * clamd_refresh_version - ask s's VERSION again when it is older than
 * CLAMD_VERSION_REFRESH_MS or missing; one thread at a time per server
 * (the others keep the text they have)
 */
static void
clamd_refresh_version(struct clamd_state *cs, struct clamd_server *s)
{
	char why[CLAMD_WHY_MAX] = "";
	uint64_t at = atomic_load(&s->version_at), now = vg_clock_ms();
	bool have;

	pthread_mutex_lock(&cs->lock);
	have = s->version[0] != '\0';
	pthread_mutex_unlock(&cs->lock);
	if (have && now - at < CLAMD_VERSION_REFRESH_MS)
		return;
	if (!atomic_compare_exchange_strong(&s->version_at, &at, now))
		return; /* another thread asks it now */
	if (!clamd_ask_version(cs, s, why))
		vg_info("clamd: %s did not answer VERSION (%s); "
		        "X-Virus-Scanned keeps its last version",
		    s->text, why);
}

/* clamd_engine - s's version into out->engine */
static void
clamd_engine(
    struct clamd_state *cs, struct clamd_server *s, struct vg_virus_scan *out)
{
	pthread_mutex_lock(&cs->lock);
	(void)vg_str_fmt(out->engine, sizeof(out->engine), "%s", s->version);
	pthread_mutex_unlock(&cs->lock);
}

/* clamd_failed - s failed: back off, one warning per outage */
static void
clamd_failed(struct clamd_server *s, const char *why)
{
	atomic_store(&s->down_until, vg_clock_ms() + CLAMD_BACKOFF_MS);
	vg_stats_clamd(s->text, false);
	if (!atomic_exchange(&s->down, true))
		vg_warn("clamd: %s: %s; not tried again for %d ms at a "
		        "time until it answers",
		    s->text, why, CLAMD_BACKOFF_MS);
}

/* clamd_answered - s answered: the end of an outage is one log line */
static void
clamd_answered(struct clamd_server *s)
{
	vg_stats_clamd(s->text, true);
	if (atomic_exchange(&s->down, false))
		vg_info("clamd: %s answers again", s->text);
}

/*
 * clamd_usable - may s be tried now?  Not during its back-off (0).  After
 * an outage's back-off, this thread (one at a time) sends it PING first:
 * PONG ends the outage and its version is asked again (1); anything else
 * is a new back-off (-1, why set).  The other threads skip it (0) while
 * the PING runs.
 */
static int
clamd_usable(struct clamd_state *cs, struct clamd_server *s, char *why)
{
	static const char cmd[] = "zPING";
	char reply[CLAMD_REPLY_MAX + 1] = "";
	uint64_t now = vg_clock_ms();
	uint64_t until = atomic_load(&s->down_until);

	if (until > now)
		return 0;
	if (!atomic_load(&s->down))
		return 1;
	/* Claim the probe: the others see a back-off until it ends. */
	if (!atomic_compare_exchange_strong(
	        &s->down_until, &until, now + CLAMD_BACKOFF_MS))
		return 0;
	why[0] = '\0';
	if (clamd_command(s, cmd, sizeof(cmd), cs->timeout_ms, reply, why) !=
	        0 ||
	    strcmp(reply, "PONG") != 0) {
		if (why[0] == '\0') {
			char r[64];

			vg_sanitize_str(r, sizeof(r), reply, VG_SANITIZE_ASCII);
			(void)vg_str_fmt(
			    why, CLAMD_WHY_MAX, "PING answered '%s'", r);
		}
		clamd_failed(s, why);
		return -1;
	}
	atomic_store(&s->down_until, 0);
	clamd_answered(s);
	atomic_store(&s->version_at, 0); /* ask it again: it may be new */
	clamd_refresh_version(cs, s);
	return 1;
}

/* clamd_ms - clamd_timeout, cut to what is left before deadline_ms */
static unsigned
clamd_ms(const struct clamd_state *cs, uint64_t deadline_ms)
{
	uint64_t now = vg_clock_ms();

	if (deadline_ms <= now)
		return 1;
	return deadline_ms - now < cs->timeout_ms
	    ? (unsigned)(deadline_ms - now)
	    : cs->timeout_ms;
}

/* clamd_ask_versions - every server's VERSION at create; see the top */
static void
clamd_ask_versions(struct clamd_state *cs)
{
	char why[CLAMD_WHY_MAX] = "", last[CLAMD_WHY_MAX] = "";

	for (size_t i = 0; i < cs->n; i++) {
		struct clamd_server *s = &cs->srv[i];

		if (!clamd_ask_version(cs, s, why)) {
			(void)vg_str_fmt(last, sizeof(last), "%s", why);
			/* Not used before it answers PING. */
			atomic_store(&s->down_until, vg_clock_ms());
			atomic_store(&s->down, true);
			continue;
		}
		if (cs->version[0] == '\0')
			memcpy(cs->version, s->version, sizeof(cs->version));
	}
	if (cs->version[0] != '\0')
		return;
	vg_warn("clamd: no server of clamd_servers answered VERSION (%s); "
	        "scans will try them again",
	    last[0] != '\0' ? last : "empty reply");
	(void)vg_str_fmt(cs->version, sizeof(cs->version), "clamd (unreached)");
}

/* clamd_create - parse clamd_servers, ask for the versions; see the top */
static int
clamd_create(void **state_out, const struct vg_conf *conf, struct vg_err *err)
{
	struct clamd_state *cs;
	int rc;

	*state_out = NULL;
	if ((cs = vg_calloc(1, sizeof(*cs))) == NULL)
		return VG_ENOMEM;
	if ((rc = clamd_parse(cs, conf->clamd_servers, err)) != 0) {
		vg_free(cs);
		return rc;
	}
	if (pthread_mutex_init(&cs->lock, NULL) != 0) {
		vg_free(cs);
		return VG_ENOMEM;
	}
	cs->timeout_ms = conf->clamd_timeout_ms > 0x7fffffffu
	    ? 0x7fffffffu
	    : (unsigned)conf->clamd_timeout_ms;
	atomic_init(&cs->next, 0);
	clamd_ask_versions(cs);
	*state_out = cs;
	return 0;
}

/*
 * clamd_scan_copy - the message's stored copy through the servers, from
 * the next of the rotation, until one answers or deadline_ms passes
 */
static int
clamd_scan_copy(struct clamd_state *cs, const struct vg_msg *msg,
    uint64_t deadline_ms, struct vg_virus_scan *out)
{
	char reply[CLAMD_REPLY_MAX + 1], why[CLAMD_WHY_MAX] = "";
	const unsigned char *raw;
	size_t len, start, tried = 0;
	const char *last = "";

	raw = vg_msg_raw(msg, &len);
	start = atomic_fetch_add(&cs->next, 1u) % cs->n;
	for (size_t k = 0; k < cs->n; k++) {
		struct clamd_server *s = &cs->srv[(start + k) % cs->n];
		int fd, rc = 0, rrc = VG_ETEMP, u;
		unsigned ms;

		if (vg_clock_ms() >= deadline_ms) {
			(void)vg_str_fmt(
			    why, sizeof(why), "the scan's deadline passed");
			break;
		}
		/* Failed a moment ago: not tried again before its back-off;
		 * after it, PING first. */
		u = clamd_usable(cs, s, why);
		if (u != 0) {
			tried++;
			last = s->text;
		}
		if (u <= 0)
			continue;
		ms = clamd_ms(cs, deadline_ms);
		if ((fd = clamd_connect(s, ms, why)) >= 0) {
			rc = clamd_instream(fd, raw, len, ms, why);
			/* A server that stopped reading may still have said why. */
			rrc = rc == VG_ETEMP ? rc
			                     : clamd_reply(fd, reply, ms, why);
			(void)close(fd);
		}
		if (rrc == 0) {
			clamd_answered(s);
			if ((rc = clamd_answer(reply, s, out)) == 0) {
				clamd_refresh_version(cs, s);
				clamd_engine(cs, s, out);
			}
			return rc;
		}
		clamd_failed(s, why);
	}
	if (tried == 0 && why[0] == '\0')
		(void)vg_str_fmt(out->reason, sizeof(out->reason),
		    "clamd: every server failed within the last %d ms",
		    CLAMD_BACKOFF_MS);
	else
		(void)vg_str_fmt(out->reason, sizeof(out->reason),
		    "clamd: no server answered (%zu tried; %s: %s)", tried,
		    last, why);
	return VG_ETEMP;
}

/* clamd_scan - one finished message, sent whole; see the top */
static int
clamd_scan(void *state, const struct vg_msg *msg, struct vg_virus_scan *out)
{
	return clamd_scan_copy(state, msg, UINT64_MAX, out);
}

/* clamd_stream_free - close a message's stream (msg extension free) */
static void
clamd_stream_free(void *ptr)
{
	struct clamd_stream *st = ptr;

	if (st == NULL)
		return;
	if (st->fd >= 0)
		(void)close(st->fd);
	vg_free(st);
}

/*
 * clamd_stream_drop - give the stream up (collect() sends the stored
 * copy); when the server is to blame (failed), mark it failed
 */
static void
clamd_stream_drop(struct clamd_state *cs, struct clamd_stream *st, bool failed,
    const char *why)
{
	if (failed)
		clamd_failed(&cs->srv[st->srv], why);
	if (st->fd >= 0)
		(void)close(st->fd);
	st->fd = -1;
	st->off = true;
}

/*
 * clamd_stream_error - a send on the stream failed with rc: a server that
 * closed the connection (VG_EIO) may have replied why (StreamMaxLength),
 * so the reply is read at collect(); anything else gives the stream up
 */
static void
clamd_stream_error(
    struct clamd_state *cs, struct clamd_stream *st, int rc, const char *why)
{
	if (rc == VG_EIO)
		st->broken = true;
	else
		clamd_stream_drop(cs, st, true, why);
}

/*
 * clamd_stream_open - a new stream for msg on the next usable server:
 * the command and the header block.  On failure the stream is off.
 */
static void
clamd_stream_open(
    struct clamd_state *cs, struct clamd_stream *st, const struct vg_msg *msg)
{
	char why[CLAMD_WHY_MAX] = "";
	const unsigned char *head;
	size_t hlen, start;
	int rc;

	st->off = true;
	if ((head = vg_msg_head(msg, &hlen)) == NULL)
		return; /* in a spill file: the stored copy at collect() */
	start = atomic_fetch_add(&cs->next, 1u) % cs->n;
	for (size_t k = 0; k < cs->n; k++) {
		size_t i = (start + k) % cs->n;
		struct clamd_server *s = &cs->srv[i];

		if (clamd_usable(cs, s, why) <= 0)
			continue;
		if ((st->fd = clamd_connect(s, cs->timeout_ms, why)) < 0) {
			clamd_failed(s, why);
			continue;
		}
		st->srv = i;
		st->off = false;
		if ((rc = clamd_send(st->fd, clamd_cmd_instream,
		         sizeof(clamd_cmd_instream), cs->timeout_ms, why)) ==
		        0 &&
		    (rc = clamd_send_chunks(
		         st->fd, head, hlen, cs->timeout_ms, why)) == 0)
			st->sent = hlen;
		else
			clamd_stream_error(cs, st, rc, why);
		return;
	}
	/* No server now: collect() says so (or finds one back by then). */
}

/* clamd_body - one body chunk to the message's stream; see the top */
static void
clamd_body(
    void *state, struct vg_msg *msg, const unsigned char *chunk, size_t len)
{
	struct clamd_state *cs = state;
	struct clamd_stream *st = vg_msg_ext(msg, VG_MSG_SLOT_VIRUS);
	char why[CLAMD_WHY_MAX] = "";
	int rc;

	if (st == NULL) {
		if (vg_msg_oversized(msg))
			return; /* not scanned: too large */
		if ((st = vg_calloc(1, sizeof(*st))) == NULL)
			return; /* the stored copy at collect() */
		st->fd = -1;
		/* Hand-off: the message frees the stream. */
		vg_msg_set_ext(msg, VG_MSG_SLOT_VIRUS, st, clamd_stream_free);
		clamd_stream_open(cs, st, msg);
	}
	if (st->off || st->broken)
		return;
	if (vg_msg_oversized(msg)) {
		/* It will not be scanned: free the server now. */
		clamd_stream_drop(cs, st, false, "");
		return;
	}
	if ((rc = clamd_send_chunks(st->fd, chunk, len, cs->timeout_ms, why)) !=
	    0) {
		clamd_stream_error(cs, st, rc, why);
		return;
	}
	st->sent += len;
}

/*
 * clamd_end_stream - send the end marker if every byte of the finished
 * message went out on the stream; otherwise give the stream up
 */
static void
clamd_end_stream(
    struct clamd_state *cs, struct clamd_stream *st, const struct vg_msg *msg)
{
	char why[CLAMD_WHY_MAX] = "";
	size_t len;
	int rc;

	if (st->off || st->broken || st->ended)
		return;
	(void)vg_msg_raw(msg, &len);
	if (!vg_msg_finished(msg) || vg_msg_oversized(msg) || st->sent != len) {
		/* Some bytes did not go through the body hook: resend. */
		clamd_stream_drop(cs, st, false, "");
		return;
	}
	if ((rc = clamd_send(st->fd, clamd_end, sizeof(clamd_end),
	         cs->timeout_ms, why)) != 0) {
		clamd_stream_error(cs, st, rc, why);
		return;
	}
	st->ended = true;
}

/* clamd_eom - the end of the message: clamd scans it now */
static void
clamd_eom(void *state, struct vg_msg *msg)
{
	struct clamd_stream *st = vg_msg_ext(msg, VG_MSG_SLOT_VIRUS);

	if (st != NULL)
		clamd_end_stream(state, st, msg);
}

/*
 * clamd_collect - the stream's answer, or the stored copy on the next
 * servers when the stream broke or never started; see the top
 */
static int
clamd_collect(void *state, const struct vg_msg *msg, uint64_t deadline_ms,
    struct vg_virus_scan *out)
{
	struct clamd_state *cs = state;
	struct clamd_stream *st = vg_msg_ext(msg, VG_MSG_SLOT_VIRUS);
	char reply[CLAMD_REPLY_MAX + 1], why[CLAMD_WHY_MAX] = "";
	struct clamd_server *s;
	int rc;

	if (st == NULL || st->fd < 0)
		return clamd_scan_copy(cs, msg, deadline_ms, out);
	/* A front end that ran no eom hook: end the stream now. */
	clamd_end_stream(cs, st, msg);
	if (st->off)
		return clamd_scan_copy(cs, msg, deadline_ms, out);
	s = &cs->srv[st->srv];
	rc = clamd_reply(st->fd, reply, clamd_ms(cs, deadline_ms), why);
	(void)close(st->fd);
	st->fd = -1;
	st->off = true;
	if (rc == 0) {
		clamd_answered(s);
		if ((rc = clamd_answer(reply, s, out)) == 0) {
			clamd_refresh_version(cs, s);
			clamd_engine(cs, s, out);
		}
		return rc;
	}
	if (vg_clock_ms() >= deadline_ms) {
		/* The scan's deadline, not the server's fault. */
		(void)vg_str_fmt(out->reason, sizeof(out->reason),
		    "clamd: %s: no reply before the scan's deadline", s->text);
		return VG_ETEMP;
	}
	/* A server that died mid-stream: the stored copy to the others. */
	clamd_failed(s, why);
	return clamd_scan_copy(cs, msg, deadline_ms, out);
}

/* clamd_version_text - "ClamAV 1.4.6/27480" or "clamd (unreached)" */
static const char *
clamd_version_text(const void *state)
{
	const struct clamd_state *cs = state;

	return cs != NULL ? cs->version : NULL;
}

const struct vg_virus_backend_ops vg_virus_clamd_ops = {
    .name = "clamd",
    .create = clamd_create,
    .scan = clamd_scan,
    .version = clamd_version_text,
    .free = clamd_free,
    .body = clamd_body,
    .eom = clamd_eom,
    .collect = clamd_collect,
};
