/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virus_clamd - the "clamd" virus backend (virus_backend.h): the raw
 * message sent to one of a list of clamd servers with INSTREAM.
 *
 * PURPOSE  A site scans on clamd servers instead of loading ClamAV in
 *	    every milter (virus_backend = clamd, clamd_servers, vigil.conf(5)).
 * OWNS     The parsed server list and the version text (struct
 *	    clamd_state), freed by free(); one connection per scan, closed
 *	    before scan() returns.
 * LIMITS   clamd_servers: at most CLAMD_SERVERS_MAX entries, each shorter
 *	    than CLAMD_ADDR_MAX.  clamd_timeout bounds the connect and each
 *	    read or write, the wait for the reply too (clamd's scan time:
 *	    a server slower than that counts as failed).  Chunks of at
 *	    most 64 KiB.  A reply longer than CLAMD_REPLY_MAX is an error.
 *	    A host name is resolved by getaddrinfo(), whose time the timeout
 *	    does not bound (use addresses or unix sockets).
 *	    scan() waits on the network in a pool worker: the NETWORK WAITS
 *	    split (scan_start/collect, as the DNS checks do) is left for
 *	    later.  The message is sent once it is complete, not streamed
 *	    to clamd as it arrives: also left for later.
 * ERRORS   create(): VG_ECONFIG (a bad clamd_servers entry) or VG_ENOMEM
 *	    with a sentence in err; no server answering VERSION is not an
 *	    error (one log line, version "clamd (unreached)").
 *	    scan(): VG_ETEMP with "clamd: ..." in out->reason when no server
 *	    could be reached or none answered (the stage applies on_error),
 *	    or an answer it does not understand.
 * THREADS  scan() runs concurrently on one read-only state; the rotating
 *	    start index is atomic.
 *
 * Protocol (clamd(8)): "zINSTREAM\0", then the message in chunks, each
 * prefixed by its length as 4 bytes in network order, then a 4-byte 0;
 * the reply ends with a NUL.  Answers of scan():
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
 * Each scan starts at the next server of the list (round robin), so the
 * servers share the load.  A server that fails is skipped for
 * CLAMD_BACKOFF_MS (1 s) after each failure, so a dead one costs one
 * failed connect a second, not one a message, and logs one warning per
 * outage and one line when it answers again; every server skipped or
 * failed: VG_ETEMP at once (the MTA retries).
 *
 * Version text: clamd's VERSION reply, e.g. "ClamAV 1.0.7/27480/Mon Dec
 * 7 08:00:00 2026", asked once at create from the first server that
 * answers.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
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
};

#define CLAMD_BACKOFF_MS 1000

struct clamd_state {
	struct clamd_server srv[CLAMD_SERVERS_MAX];
	size_t n;
	unsigned timeout_ms;
	atomic_uint next; /* where the next scan starts */
	char version[CLAMD_VERSION_MAX];
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

/* clamd_instream - send msg's len bytes as INSTREAM on fd; see the top */
static int
clamd_instream(
    int fd, const unsigned char *raw, size_t len, unsigned ms, char *why)
{
	static const char cmd[] = "zINSTREAM"; /* with its NUL */
	unsigned char hdr[4];
	int rc;

	if ((rc = clamd_send(fd, cmd, sizeof(cmd), ms, why)) != 0)
		return rc;
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
	memset(hdr, 0, sizeof(hdr));
	return clamd_send(fd, hdr, sizeof(hdr), ms, why);
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
	vg_free(state);
}

/* clamd_ask_version - the first server's VERSION reply into cs->version */
static void
clamd_ask_version(struct clamd_state *cs)
{
	static const char cmd[] = "zVERSION";
	char reply[CLAMD_REPLY_MAX + 1], why[CLAMD_WHY_MAX] = "";

	for (size_t i = 0; i < cs->n; i++) {
		int fd = clamd_connect(&cs->srv[i], cs->timeout_ms, why);
		int rc;

		if (fd < 0)
			continue;
		rc = clamd_send(fd, cmd, sizeof(cmd), cs->timeout_ms, why);
		if (rc == 0)
			rc = clamd_reply(fd, reply, cs->timeout_ms, why);
		(void)close(fd);
		if (rc == 0 && reply[0] != '\0') {
			vg_sanitize_str(cs->version, sizeof(cs->version), reply,
			    VG_SANITIZE_ASCII);
			return;
		}
	}
	vg_warn("clamd: no server of clamd_servers answered VERSION (%s); "
	        "scans will try them again",
	    why[0] != '\0' ? why : "empty reply");
	(void)vg_str_fmt(cs->version, sizeof(cs->version), "clamd (unreached)");
}

/* clamd_create - parse clamd_servers, ask for the version; see the top */
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
	cs->timeout_ms = conf->clamd_timeout_ms > 0x7fffffffu
	    ? 0x7fffffffu
	    : (unsigned)conf->clamd_timeout_ms;
	atomic_init(&cs->next, 0);
	clamd_ask_version(cs);
	*state_out = cs;
	return 0;
}

/* clamd_scan - one finished message through one server; see the top */
static int
clamd_scan(void *state, const struct vg_msg *msg, struct vg_virus_scan *out)
{
	struct clamd_state *cs = state;
	char reply[CLAMD_REPLY_MAX + 1], why[CLAMD_WHY_MAX] = "";
	const unsigned char *raw;
	size_t len, start;
	const char *last = "";

	size_t tried = 0;
	uint64_t now = vg_clock_ms();

	raw = vg_msg_raw(msg, &len);
	start = atomic_fetch_add(&cs->next, 1u) % cs->n;
	for (size_t k = 0; k < cs->n; k++) {
		struct clamd_server *s = &cs->srv[(start + k) % cs->n];
		int fd, rc = 0, rrc = VG_ETEMP;

		/* Failed a moment ago: not tried again before its back-off. */
		if (atomic_load(&s->down_until) > now)
			continue;
		tried++;
		last = s->text;
		if ((fd = clamd_connect(s, cs->timeout_ms, why)) >= 0) {
			rc = clamd_instream(fd, raw, len, cs->timeout_ms, why);
			/* A server that stopped reading may still have said why. */
			rrc = rc == VG_ETEMP
			    ? rc
			    : clamd_reply(fd, reply, cs->timeout_ms, why);
			(void)close(fd);
		}
		if (rrc == 0) {
			vg_stats_clamd(s->text, true);
			if (atomic_exchange(&s->down, false))
				vg_info("clamd: %s answers again", s->text);
			return clamd_answer(reply, s, out);
		}
		atomic_store(&s->down_until, vg_clock_ms() + CLAMD_BACKOFF_MS);
		vg_stats_clamd(s->text, false);
		if (!atomic_exchange(&s->down, true))
			vg_warn("clamd: %s: %s; not tried again for %d ms at a "
			        "time until it answers",
			    s->text, why, CLAMD_BACKOFF_MS);
	}
	if (tried == 0)
		(void)vg_str_fmt(out->reason, sizeof(out->reason),
		    "clamd: every server failed within the last %d ms",
		    CLAMD_BACKOFF_MS);
	else
		(void)vg_str_fmt(out->reason, sizeof(out->reason),
		    "clamd: no server answered (%zu tried; %s: %s)", tried,
		    last, why);
	return VG_ETEMP;
}

/* clamd_version_text - "ClamAV 1.0.7/27480/..." or "clamd (unreached)" */
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
};
