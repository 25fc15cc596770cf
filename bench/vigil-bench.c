/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigil-bench - a load generator that speaks the milter protocol.
 *
 * PURPOSE  Measure a mail filter the way an MTA drives it: the client side of
 *	    the Sendmail 8 milter protocol (version 6, as Postfix's milter8.c
 *	    speaks it), one connection per message by default, N connections
 *	    in parallel, real messages read from a folder. It reports
 *	    throughput, end-to-end latency percentiles, the outcome of every
 *	    message and, given the filter's pids, its CPU time and peak RSS.
 *	    It is a standalone client: it links neither libvigil nor
 *	    libmilter, so it measures any milter (clamav-milter, vigil-milter)
 *	    with the same yardstick.
 * OWNS     Every message is read into memory before the clock starts and
 *	    freed after the report.
 * LIMITS   A reply larger than VB_MAX_REPLY bytes, or a milter silent for
 *	    -T seconds (default 60, Postfix's milter_command_timeout is 30),
 *	    counts as an error and the connection is dropped. A body goes out
 *	    in chunks of at most 65535 bytes (MILTER_CHUNK_SIZE); a header
 *	    longer than one command can carry is cut to fit.
 * ERRORS   Connection, I/O, time-out and protocol errors are counted per
 *	    message ("errors") and the next message uses a new connection;
 *	    they never stop the run. Bad options and unreadable input exit 2.
 * THREADS  One thread per connection; the only shared state is an atomic
 *	    message counter. Statistics are merged after the threads join.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Protocol constants, as in libmilter's mfdef.h (kept here: no libmilter). */
#define VB_PROT_VERSION 6
#define VB_CHUNK_SIZE   65535u
#define VB_MAX_DATA     65535u
#define VB_CURR_ACTS    0x000001FFu
#define VB_CURR_PROT    0x001FFFFFu

#define VB_P_NOCONNECT   0x00000001u
#define VB_P_NOHELO      0x00000002u
#define VB_P_NOMAIL      0x00000004u
#define VB_P_NORCPT      0x00000008u
#define VB_P_NOBODY      0x00000010u
#define VB_P_NOHDRS      0x00000020u
#define VB_P_NOEOH       0x00000040u
#define VB_P_NR_HDR      0x00000080u
#define VB_P_NODATA      0x00000200u
#define VB_P_NR_CONN     0x00001000u
#define VB_P_NR_HELO     0x00002000u
#define VB_P_NR_MAIL     0x00004000u
#define VB_P_NR_RCPT     0x00008000u
#define VB_P_NR_DATA     0x00010000u
#define VB_P_NR_EOH      0x00040000u
#define VB_P_NR_BODY     0x00080000u
#define VB_P_HDR_LEADSPC 0x00100000u

/* Largest reply accepted; replace-body chunks are at most 64 KiB. */
#define VB_MAX_REPLY (1024u * 1024u)
/* Output is gathered and flushed when a reply is due or at this size. */
#define VB_OBUF_SIZE (256u * 1024u)
#define VB_MAX_PIDS  16
#define VB_MAX_CONC  4096

/* How one message ended. */
enum vb_outcome {
	VB_OUT_ACCEPT,
	VB_OUT_REJECT,
	VB_OUT_TEMPFAIL,
	VB_OUT_DISCARD,
	VB_OUT_OTHER,
	VB_OUT_ERROR,
	VB_OUT_COUNT
};

static const char *const vb_outcome_names[VB_OUT_COUNT] = {
    "accept", "reject", "tempfail", "discard", "other", "errors"};

/* What one step's reply means to the sender of the message. */
enum vb_step {
	VB_STEP_CONTINUE, /* go on with the next command */
	VB_STEP_SKIP,     /* body: send no more chunks */
	VB_STEP_FINAL,    /* the message has its outcome */
	VB_STEP_ERROR     /* connection unusable */
};

/* One header: offsets into the message's header buffer. */
struct vb_hdr {
	size_t name;
	size_t name_len;
	size_t value; /* raw value after the colon, leading space kept */
	size_t value_len;
};

/* One message, parsed as an MTA would hand it to a milter. */
struct vb_msg {
	const char *path;
	char *hbuf;
	size_t hbuf_len;
	size_t hbuf_cap;
	struct vb_hdr *hdrs;
	size_t nhdrs;
	size_t hdrs_cap;
	char *body; /* CRLF line ends */
	size_t body_len;
	char *from; /* "<addr>" */
};

/* Options. */
struct vb_opts {
	const char *socket;
	unsigned long conc;
	unsigned long nmsgs;   /* 0: none given */
	unsigned long seconds; /* 0: none given */
	unsigned long timeout;
	pid_t pids[VB_MAX_PIDS];
	size_t npids;
	bool reuse;
	bool quickack; /* ACK every reply at once (TCP only) */
	const char *from;
	const char *rcpt;
	const char *client_ip;
	const char *client_name;
	const char *helo;
};

/* State shared by all threads; read-only but for the counter. */
struct vb_run {
	const struct vb_opts *opts;
	struct vb_msg *msgs;
	size_t nmsgs;
	unsigned long limit;  /* messages to send, ULONG_MAX if timed only */
	uint64_t deadline_ns; /* 0: none */
	atomic_ulong next;
	int family;
	struct sockaddr_storage addr;
	socklen_t addr_len;
};

/* One connection and the statistics of the thread that owns it. */
struct vb_worker {
	struct vb_run *run;
	pthread_t thread;
	int fd;
	uint32_t prot;   /* protocol flags the milter returned */
	bool in_session; /* CONNECT and HELO sent on this connection */
	unsigned char *obuf;
	size_t olen;
	unsigned char *rbuf;
	size_t rstart;
	size_t rend;
	size_t rcap;
	unsigned char *reply; /* last reply's data */
	size_t reply_len;
	unsigned long counts[VB_OUT_COUNT];
	unsigned long quarantined;
	uint64_t *lat_ns;
	size_t nlat;
	size_t lat_cap;
};

/* vb_now_ns - monotonic clock in nanoseconds */
static uint64_t
vb_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* vb_die - print a message and exit 2 */
static _Noreturn void
vb_die(const char *what, const char *detail)
{
	fprintf(stderr, "vigil-bench: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	exit(2);
}

/* vb_xrealloc - realloc or die; the bench has no use for a partial run */
static void *
vb_xrealloc(void *p, size_t n)
{
	void *q;

	q = realloc(p, n ? n : 1);
	if (q == NULL)
		vb_die("out of memory", NULL);
	return q;
}

/* vb_grow - make room for want more elements of size sz in *p */
static void
vb_grow(void **p, size_t *cap, size_t len, size_t want, size_t sz)
{
	size_t need, ncap, bytes;

	if (__builtin_add_overflow(len, want, &need))
		vb_die("size overflow", NULL);
	if (need <= *cap)
		return;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		if (__builtin_mul_overflow(ncap, 2, &ncap))
			vb_die("size overflow", NULL);
	if (__builtin_mul_overflow(ncap, sz, &bytes))
		vb_die("size overflow", NULL);
	*p = vb_xrealloc(*p, bytes);
	*cap = ncap;
}

/* vb_parse_ulong - parse a decimal in [min, max] or die naming the option */
static unsigned long
vb_parse_ulong(
    const char *s, unsigned long min, unsigned long max, const char *opt)
{
	unsigned long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		vb_die("bad number for option", opt);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		vb_die("number out of range for option", opt);
	return v;
}

/* vb_hbuf_add - append bytes to a message's header buffer */
static void
vb_hbuf_add(struct vb_msg *m, const char *p, size_t n)
{
	void *b = m->hbuf;

	vb_grow(&b, &m->hbuf_cap, m->hbuf_len, n, 1);
	m->hbuf = b;
	memcpy(m->hbuf + m->hbuf_len, p, n);
	m->hbuf_len += n;
}

/* vb_is_ftext - true for a byte allowed in a header field name */
static bool
vb_is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/* vb_angle - copy the first <...> of s (or all of it) into a new "<addr>" */
static char *
vb_angle(const char *s, size_t n)
{
	const char *lt, *gt;
	char *out;
	size_t len;

	lt = memchr(s, '<', n);
	if (lt != NULL) {
		gt = memchr(lt, '>', n - (size_t)(lt - s));
		if (gt == NULL)
			return NULL;
		s = lt + 1;
		n = (size_t)(gt - s);
	}
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	len = 0;
	while (len < n && s[len] != ' ' && s[len] != '\t' && s[len] != '\r')
		len++;
	if (len > 512)
		return NULL;
	out = vb_xrealloc(NULL, len + 3);
	out[0] = '<';
	memcpy(out + 1, s, len);
	out[len + 1] = '>';
	out[len + 2] = '\0';
	return out;
}

/*
 * vb_msg_parse - split raw bytes into envelope sender, headers and body.
 *
 * Does what an MTA does before the milter sees a message: drops an mbox
 * "From " line, unfolds headers (a line starting with white space continues
 * the previous header), ends the header block at the empty line or at the
 * first line that is not a header (Postfix treats that as body), and turns
 * bare LF into CRLF in the body.
 */
static void
vb_msg_parse(struct vb_msg *m, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl, *line_end, *colon;
	const char *from_line = NULL;
	size_t from_len = 0, i, n, extra;
	struct vb_hdr *h;
	void *v;

	if (len >= 5 && memcmp(p, "From ", 5) == 0) {
		nl = memchr(p, '\n', len);
		from_line = p + 5;
		from_len =
		    nl ? (size_t)(nl - from_line) : (size_t)(end - p - 5);
		p = nl ? nl + 1 : end;
	}
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		line_end = nl ? nl : end;
		n = (size_t)(line_end - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0) {
			p = nl ? nl + 1 : end;
			break;
		}
		if ((p[0] == ' ' || p[0] == '\t') && m->nhdrs > 0) {
			/*
			 * Unfold: the last header's value ends the buffer, so
			 * drop its NUL, append this line, and close it again.
			 */
			m->hbuf_len--;
			vb_hbuf_add(m, p, n);
			vb_hbuf_add(m, "", 1);
			m->hdrs[m->nhdrs - 1].value_len += n;
			p = nl ? nl + 1 : end;
			continue;
		}
		colon = memchr(p, ':', n);
		for (i = 0; colon != NULL && p + i < colon; i++)
			if (!vb_is_ftext((unsigned char)p[i]))
				break;
		if (colon == NULL || colon == p || p + i != colon)
			break; /* not a header: the body starts here */
		v = m->hdrs;
		vb_grow(&v, &m->hdrs_cap, m->nhdrs, 1, sizeof(*m->hdrs));
		m->hdrs = v;
		h = &m->hdrs[m->nhdrs++];
		h->name = m->hbuf_len;
		h->name_len = (size_t)(colon - p);
		vb_hbuf_add(m, p, h->name_len);
		vb_hbuf_add(m, "", 1);
		h->value = m->hbuf_len;
		h->value_len = n - h->name_len - 1;
		vb_hbuf_add(m, colon + 1, h->value_len);
		vb_hbuf_add(m, "", 1);
		p = nl ? nl + 1 : end;
	}

	/* Body: count bare LFs, then copy with CR inserted before each. */
	extra = 0;
	for (nl = p; nl < end; nl++)
		if (*nl == '\n' && (nl == p || nl[-1] != '\r'))
			extra++;
	m->body_len = (size_t)(end - p) + extra;
	m->body = vb_xrealloc(NULL, m->body_len);
	for (i = 0, nl = p; nl < end; nl++) {
		if (*nl == '\n' && (nl == p || nl[-1] != '\r'))
			m->body[i++] = '\r';
		m->body[i++] = *nl;
	}

	/* Envelope sender: Return-Path, else the mbox line, else a default. */
	for (i = 0; i < m->nhdrs && m->from == NULL; i++) {
		h = &m->hdrs[i];
		if (h->name_len == 11 &&
		    strncasecmp(m->hbuf + h->name, "Return-Path", 11) == 0)
			m->from = vb_angle(m->hbuf + h->value, h->value_len);
	}
	if (m->from == NULL && from_line != NULL)
		m->from = vb_angle(from_line, from_len);
	if (m->from == NULL)
		m->from = vb_angle("bench@example.org", 17);
}

/* vb_msg_load - read one file and parse it; false if it is not readable */
static bool
vb_msg_load(struct vb_msg *m, const char *path)
{
	struct stat st;
	char *data;
	size_t got = 0;
	ssize_t r;
	int fd;

	memset(m, 0, sizeof(*m));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		return false;
	}
	data = vb_xrealloc(NULL, (size_t)st.st_size);
	while (got < (size_t)st.st_size) {
		r = read(fd, data + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	(void)close(fd);
	m->path = path;
	vb_msg_parse(m, data, got);
	free(data);
	return true;
}

/* vb_strcmp_p - qsort comparator for an array of strings */
static int
vb_strcmp_p(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

/* vb_path_join - new string dir "/" name */
static char *
vb_path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *s = vb_xrealloc(NULL, a + b + 2);

	memcpy(s, dir, a);
	s[a] = '/';
	memcpy(s + a + 1, name, b + 1);
	return s;
}

/* vb_collect - add the files of a folder (sorted, no dot files) or a file */
static void
vb_collect(char ***paths, size_t *n, size_t *cap, const char *arg)
{
	struct stat st;
	struct dirent *de;
	size_t first = *n;
	DIR *d;
	void *v;

	if (stat(arg, &st) != 0)
		vb_die("cannot stat", arg);
	if (!S_ISDIR(st.st_mode)) {
		v = *paths;
		vb_grow(&v, cap, *n, 1, sizeof(char *));
		*paths = v;
		(*paths)[(*n)++] = strdup(arg);
		return;
	}
	d = opendir(arg);
	if (d == NULL)
		vb_die("cannot open folder", arg);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		v = *paths;
		vb_grow(&v, cap, *n, 1, sizeof(char *));
		*paths = v;
		(*paths)[(*n)++] = vb_path_join(arg, de->d_name);
	}
	(void)closedir(d);
	qsort(*paths + first, *n - first, sizeof(char *), vb_strcmp_p);
}

/* vb_parse_socket - resolve unix:/path, local:/path or inet:port@host */
static void
vb_parse_socket(struct vb_run *run, const char *spec)
{
	struct sockaddr_un *sun;
	struct addrinfo hints, *res = NULL;
	const char *at;
	char port[16];
	size_t n;

	memset(&run->addr, 0, sizeof(run->addr));
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		spec = strchr(spec, ':') + 1;
		sun = (struct sockaddr_un *)&run->addr;
		n = strlen(spec);
		if (n == 0 || n >= sizeof(sun->sun_path))
			vb_die("unix socket path empty or too long", spec);
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, spec, n + 1);
		run->family = AF_UNIX;
		run->addr_len = (socklen_t)sizeof(*sun);
		return;
	}
	if (strncmp(spec, "inet:", 5) != 0 && strncmp(spec, "inet6:", 6) != 0)
		vb_die("socket must be unix:/path or inet:port@host", spec);
	spec = strchr(spec, ':') + 1;
	at = strchr(spec, '@');
	n = at ? (size_t)(at - spec) : strlen(spec);
	if (n == 0 || n >= sizeof(port))
		vb_die("bad port in socket", spec);
	memcpy(port, spec, n);
	port[n] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(at ? at + 1 : "127.0.0.1", port, &hints, &res) != 0 ||
	    res == NULL)
		vb_die("cannot resolve socket", spec);
	memcpy(&run->addr, res->ai_addr, res->ai_addrlen);
	run->addr_len = res->ai_addrlen;
	run->family = res->ai_family;
	freeaddrinfo(res);
}

/* vb_put32 - store a 32-bit value in network byte order */
static void
vb_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* vb_get32 - load a 32-bit value in network byte order */
static uint32_t
vb_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* vb_close - drop the worker's connection */
static void
vb_close(struct vb_worker *w)
{
	if (w->fd >= 0)
		(void)close(w->fd);
	w->fd = -1;
	w->olen = 0;
	w->rstart = w->rend = 0;
	w->in_session = false;
}

/* vb_flush - write all gathered commands; false on error */
static bool
vb_flush(struct vb_worker *w)
{
	size_t off = 0;
	ssize_t r;

	while (off < w->olen) {
		r = send(w->fd, w->obuf + off, w->olen - off, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		off += (size_t)r;
	}
	w->olen = 0;
	return true;
}

/* One piece of a command's data. */
struct vb_piece {
	const void *p;
	size_t n;
};

/*
 * vb_cmdv - queue one command whose data is the concatenation of pieces.
 *
 * If the data would exceed VB_MAX_DATA bytes, piece number clip is cut to
 * fit (only an enormous header value can get there; it loses its tail but
 * keeps the NUL that follows it in the next piece).
 */
static bool
vb_cmdv(
    struct vb_worker *w, char cmd, struct vb_piece *pc, size_t npc, size_t clip)
{
	unsigned char *p;
	size_t total = 0, i;

	for (i = 0; i < npc; i++)
		total += pc[i].n;
	if (total > VB_MAX_DATA && clip < npc) {
		if (total - pc[clip].n > VB_MAX_DATA)
			return false;
		pc[clip].n -= total - VB_MAX_DATA;
		total = VB_MAX_DATA;
	}
	if (total > VB_MAX_DATA)
		return false;
	if (w->olen + 5 + total > VB_OBUF_SIZE && !vb_flush(w))
		return false;
	p = w->obuf + w->olen;
	vb_put32(p, (uint32_t)(total + 1));
	p[4] = (unsigned char)cmd;
	p += 5;
	for (i = 0; i < npc; i++) {
		if (pc[i].n)
			memcpy(p, pc[i].p, pc[i].n);
		p += pc[i].n;
	}
	w->olen += 5 + total;
	return true;
}

/* vb_cmd - queue one command with data in one piece (p may be NULL if n 0) */
static bool
vb_cmd(struct vb_worker *w, char cmd, const void *p, size_t n)
{
	struct vb_piece pc = {p, n};

	return vb_cmdv(w, cmd, &pc, 1, 1);
}

/* vb_macro - queue a macro definition for command cmd */
static bool
vb_macro(struct vb_worker *w, char cmd, const void *defs, size_t n)
{
	struct vb_piece pc[2] = {{&cmd, 1}, {defs, n}};

	return vb_cmdv(w, 'D', pc, 2, 2);
}

/*
 * vb_addr_macro - queue the macros of one command: the pre bytes (ready
 * "name\0value\0" pairs, may be empty) then {name} = addr without its
 * angle brackets, as Postfix sends {mail_addr} and {rcpt_addr}. One D
 * command per step: libmilter replaces a step's macros on each one.
 */
static bool
vb_addr_macro(struct vb_worker *w, char cmd, const char *pre, size_t prelen,
    const char *name, const char *addr)
{
	size_t n = strlen(addr);
	struct vb_piece pc[5] = {{&cmd, 1}, {pre, prelen},
	    {name, strlen(name) + 1}, {addr, n}, {"", 1}};

	if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>') {
		pc[3].p = addr + 1;
		pc[3].n = n - 2;
	}
	return vb_cmdv(w, 'D', pc, 5, 3);
}

/* vb_fill - read at least need bytes into the read buffer; false on error */
static bool
vb_fill(struct vb_worker *w, size_t need)
{
	ssize_t r;
	void *v;

	if (w->rstart > 0 && w->rstart == w->rend)
		w->rstart = w->rend = 0;
	while (w->rend - w->rstart < need) {
		if (need > w->rcap) {
			v = w->rbuf;
			vb_grow(&v, &w->rcap, 0, need, 1);
			w->rbuf = v;
		}
		if (w->rstart + need > w->rcap) {
			memmove(
			    w->rbuf, w->rbuf + w->rstart, w->rend - w->rstart);
			w->rend -= w->rstart;
			w->rstart = 0;
		}
#ifdef TCP_QUICKACK
		/* Linux clears quick-ACK mode by itself: set it per read. */
		if (w->run->opts->quickack && w->run->family != AF_UNIX) {
			int one = 1;

			(void)setsockopt(w->fd, IPPROTO_TCP, TCP_QUICKACK, &one,
			    sizeof(one));
		}
#endif
		r = recv(w->fd, w->rbuf + w->rend, w->rcap - w->rend, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		w->rend += (size_t)r;
	}
	return true;
}

/* vb_read_reply - read one reply; returns its command byte or -1 */
static int
vb_read_reply(struct vb_worker *w)
{
	uint32_t len;
	int cmd;

	if (!vb_flush(w) || !vb_fill(w, 4))
		return -1;
	len = vb_get32(w->rbuf + w->rstart);
	if (len == 0 || len > VB_MAX_REPLY)
		return -1;
	if (!vb_fill(w, 4 + (size_t)len))
		return -1;
	cmd = w->rbuf[w->rstart + 4];
	w->reply = w->rbuf + w->rstart + 5;
	w->reply_len = len - 1;
	w->rstart += 4 + (size_t)len;
	return cmd;
}

/*
 * vb_step - send nothing, read the reply to the command just queued.
 *
 * Progress replies are waited through. At end of message ('eob') the
 * modification requests are read until the final reply, and 'continue'
 * means accept, as it does to an MTA. Before that, a modification request
 * is a protocol error.
 */
static enum vb_step
vb_step(struct vb_worker *w, bool eob, bool body, enum vb_outcome *out)
{
	int r;

	for (;;) {
		r = vb_read_reply(w);
		switch (r) {
		case 'p':
			continue;
		case 'c':
			if (!eob)
				return VB_STEP_CONTINUE;
			*out = VB_OUT_ACCEPT;
			return VB_STEP_FINAL;
		case 's':
			if (body)
				return VB_STEP_SKIP;
			break;
		case 'a':
			*out = VB_OUT_ACCEPT;
			return VB_STEP_FINAL;
		case 'r':
			*out = VB_OUT_REJECT;
			return VB_STEP_FINAL;
		case 't':
			*out = VB_OUT_TEMPFAIL;
			return VB_STEP_FINAL;
		case 'd':
			*out = VB_OUT_DISCARD;
			return VB_STEP_FINAL;
		case 'y':
			if (w->reply_len > 0 && w->reply[0] == '5')
				*out = VB_OUT_REJECT;
			else if (w->reply_len > 0 && w->reply[0] == '4')
				*out = VB_OUT_TEMPFAIL;
			else
				*out = VB_OUT_OTHER;
			return VB_STEP_FINAL;
		case 'f':
		case '4':
			*out = VB_OUT_OTHER;
			return VB_STEP_FINAL;
		case 'q':
			if (!eob)
				break;
			w->quarantined++;
			continue;
		case '+':
		case '-':
		case '2':
		case 'b':
		case 'e':
		case 'h':
		case 'i':
		case 'm':
			if (eob)
				continue;
			break;
		default:
			break;
		}
		*out = VB_OUT_ERROR;
		return VB_STEP_ERROR;
	}
}

/* vb_open - connect and negotiate; false on error */
static bool
vb_open(struct vb_worker *w)
{
	const struct vb_opts *o = w->run->opts;
	unsigned char neg[12];
	struct timeval tv;
	int one = 1, fd;

	fd = socket(w->run->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	w->fd = fd;
	tv.tv_sec = (time_t)o->timeout;
	tv.tv_usec = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (w->run->family != AF_UNIX)
		(void)setsockopt(
		    fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&w->run->addr,
	        w->run->addr_len) != 0)
		goto fail;
	vb_put32(neg, VB_PROT_VERSION);
	vb_put32(neg + 4, VB_CURR_ACTS);
	vb_put32(neg + 8, VB_CURR_PROT);
	if (!vb_cmd(w, 'O', neg, sizeof(neg)))
		goto fail;
	if (vb_read_reply(w) != 'O' || w->reply_len < 12)
		goto fail;
	if (vb_get32(w->reply) < 2)
		goto fail;
	w->prot = vb_get32(w->reply + 8);
	return true;
fail:
	vb_close(w);
	return false;
}

/* vb_quit - say goodbye, wait for the milter to close, drop the socket */
static void
vb_quit(struct vb_worker *w)
{
	if (w->fd < 0)
		return;
	/*
	 * Waiting for the milter's end of file keeps the TIME_WAIT state on
	 * its side, so long TCP runs do not exhaust our ephemeral ports.
	 */
	if (vb_cmd(w, 'Q', NULL, 0) && vb_flush(w))
		(void)vb_fill(w, (size_t)(w->rend - w->rstart) + 1);
	vb_close(w);
}

/* vb_expect - queue a command and, unless flag nr is set, read its reply */
static enum vb_step
vb_expect(struct vb_worker *w, uint32_t nr, bool body, enum vb_outcome *out)
{
	if (w->prot & nr)
		return VB_STEP_CONTINUE;
	return vb_step(w, false, body, out);
}

/* vb_session - send CONNECT and HELO; VB_STEP_CONTINUE if both passed */
static enum vb_step
vb_session(struct vb_worker *w, enum vb_outcome *out)
{
	const struct vb_opts *o = w->run->opts;
	static const char mac[] =
	    "j\0bench.example\0{daemon_name}\0vigil-bench";
	unsigned char port[2] = {0x9c, 0x40}; /* 40000 */
	char fam = '4';
	enum vb_step s;

	if (!(w->prot & VB_P_NOCONNECT)) {
		struct vb_piece pc[4] = {
		    {o->client_name, strlen(o->client_name) + 1}, {&fam, 1},
		    {port, 2}, {o->client_ip, strlen(o->client_ip) + 1}};

		if (strchr(o->client_ip, ':') != NULL)
			fam = '6';
		if (!vb_macro(w, 'C', mac, sizeof(mac)) ||
		    !vb_cmdv(w, 'C', pc, 4, 4))
			return VB_STEP_ERROR;
		s = vb_expect(w, VB_P_NR_CONN, false, out);
		if (s != VB_STEP_CONTINUE)
			return s;
	}
	if (!(w->prot & VB_P_NOHELO)) {
		if (!vb_cmd(w, 'H', o->helo, strlen(o->helo) + 1))
			return VB_STEP_ERROR;
		s = vb_expect(w, VB_P_NR_HELO, false, out);
		if (s != VB_STEP_CONTINUE)
			return s;
	}
	w->in_session = true;
	return VB_STEP_CONTINUE;
}

/* vb_transaction - MAIL through end of body for one message */
static enum vb_step
vb_transaction(struct vb_worker *w, const struct vb_msg *m, unsigned long id,
    enum vb_outcome *out)
{
	const struct vb_opts *o = w->run->opts;
	const struct vb_hdr *h;
	const char *v;
	char qid[40];
	size_t i, vlen, off, n;
	struct vb_piece pc[3];
	enum vb_step s;
	int qlen;

	qlen = snprintf(qid, sizeof(qid), "i%cBENCH%lu", '\0', id);
	if (qlen < 0 || (size_t)qlen >= sizeof(qid))
		return VB_STEP_ERROR;
	v = o->from ? o->from : m->from;
	if (!vb_addr_macro(w, 'M', qid, (size_t)qlen + 1, "{mail_addr}", v))
		return VB_STEP_ERROR;
	if (!(w->prot & VB_P_NOMAIL)) {
		if (!vb_cmd(w, 'M', v, strlen(v) + 1))
			return VB_STEP_ERROR;
		if ((s = vb_expect(w, VB_P_NR_MAIL, false, out)) !=
		    VB_STEP_CONTINUE)
			return s;
	}
	if (!(w->prot & VB_P_NORCPT)) {
		if (!vb_addr_macro(w, 'R', NULL, 0, "{rcpt_addr}", o->rcpt) ||
		    !vb_cmd(w, 'R', o->rcpt, strlen(o->rcpt) + 1))
			return VB_STEP_ERROR;
		if ((s = vb_expect(w, VB_P_NR_RCPT, false, out)) !=
		    VB_STEP_CONTINUE)
			return s;
	}
	if (!(w->prot & VB_P_NODATA)) {
		if (!vb_cmd(w, 'T', NULL, 0))
			return VB_STEP_ERROR;
		if ((s = vb_expect(w, VB_P_NR_DATA, false, out)) !=
		    VB_STEP_CONTINUE)
			return s;
	}
	for (i = 0; !(w->prot & VB_P_NOHDRS) && i < m->nhdrs; i++) {
		h = &m->hdrs[i];
		v = m->hbuf + h->value;
		vlen = h->value_len;
		/* Without HDR_LEADSPC the MTA drops the space after ':'. */
		if (!(w->prot & VB_P_HDR_LEADSPC))
			while (vlen > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vlen--;
			}
		pc[0].p = m->hbuf + h->name;
		pc[0].n = h->name_len + 1;
		pc[1].p = v;
		pc[1].n = vlen;
		pc[2].p = "";
		pc[2].n = 1;
		if (!vb_cmdv(w, 'L', pc, 3, 1))
			return VB_STEP_ERROR;
		if ((s = vb_expect(w, VB_P_NR_HDR, false, out)) !=
		    VB_STEP_CONTINUE)
			return s;
	}
	if (!(w->prot & VB_P_NOEOH)) {
		if (!vb_cmd(w, 'N', NULL, 0))
			return VB_STEP_ERROR;
		if ((s = vb_expect(w, VB_P_NR_EOH, false, out)) !=
		    VB_STEP_CONTINUE)
			return s;
	}
	for (off = 0; !(w->prot & VB_P_NOBODY) && off < m->body_len; off += n) {
		n = m->body_len - off;
		if (n > VB_CHUNK_SIZE)
			n = VB_CHUNK_SIZE;
		if (!vb_cmd(w, 'B', m->body + off, n))
			return VB_STEP_ERROR;
		s = vb_expect(w, VB_P_NR_BODY, true, out);
		if (s == VB_STEP_SKIP)
			break;
		if (s != VB_STEP_CONTINUE)
			return s;
	}
	if (!vb_macro(w, 'E', qid, (size_t)qlen + 1) ||
	    !vb_cmd(w, 'E', NULL, 0))
		return VB_STEP_ERROR;
	return vb_step(w, true, false, out);
}

/* vb_record - count an outcome and keep its latency */
static void
vb_record(struct vb_worker *w, enum vb_outcome out, uint64_t ns)
{
	void *v;

	w->counts[out]++;
	if (out == VB_OUT_ERROR)
		return;
	v = w->lat_ns;
	vb_grow(&v, &w->lat_cap, w->nlat, 1, sizeof(uint64_t));
	w->lat_ns = v;
	w->lat_ns[w->nlat++] = ns;
}

/*
 * vb_worker_main - send messages until the count or the time is used up.
 *
 * Without --reuse every message gets a connection of its own, as Postfix
 * opens one per SMTP session: connect, OPTNEG, CONNECT, HELO, the message,
 * QUIT. The latency runs from connect(2) to the final reply. With --reuse
 * the connection and its CONNECT/HELO are kept and messages are separated
 * by ABORT; the latency then runs from MAIL to the final reply. Any error
 * or a verdict given before end of message drops the connection.
 */
static void *
vb_worker_main(void *arg)
{
	struct vb_worker *w = arg;
	struct vb_run *run = w->run;
	enum vb_outcome out;
	enum vb_step s;
	unsigned long id;
	uint64_t t0;
	bool eob;

	for (;;) {
		if (run->deadline_ns && vb_now_ns() >= run->deadline_ns)
			break;
		id = atomic_fetch_add(&run->next, 1);
		if (id >= run->limit)
			break;
		out = VB_OUT_ERROR;
		eob = false;
		t0 = vb_now_ns();
		if (w->fd >= 0 && w->in_session) {
			if (!vb_cmd(w, 'A', NULL, 0))
				vb_close(w);
		}
		if (w->fd < 0 && !vb_open(w)) {
			vb_record(w, VB_OUT_ERROR, 0);
			continue;
		}
		s = VB_STEP_CONTINUE;
		if (!w->in_session)
			s = vb_session(w, &out);
		if (s == VB_STEP_CONTINUE) {
			s = vb_transaction(
			    w, &run->msgs[id % run->nmsgs], id, &out);
			eob = s == VB_STEP_FINAL;
		}
		if (s == VB_STEP_CONTINUE || s == VB_STEP_SKIP)
			out = VB_OUT_ERROR;
		vb_record(w, out, vb_now_ns() - t0);
		if (out == VB_OUT_ERROR)
			vb_close(w);
		else if (!run->opts->reuse || !eob)
			vb_quit(w);
	}
	vb_quit(w);
	return NULL;
}

/* vb_proc_cpu - utime+stime of a process in seconds; -1 if unreadable */
static double
vb_proc_cpu(pid_t pid)
{
	char path[64], buf[2048], *p;
	unsigned long long ut, st;
	long tck = sysconf(_SC_CLK_TCK);
	size_t n;
	FILE *f;
	int i;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1.0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces: fields count from its ')'. */
	p = strrchr(buf, ')');
	if (p == NULL || tck <= 0)
		return -1.0;
	/* After ")" come state (field 3) ... utime is field 14. */
	for (i = 0; i < 12 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %llu %llu", &ut, &st) != 2)
		return -1.0;
	return (double)(ut + st) / (double)tck;
}

/* vb_proc_kb - a "Key:  N kB" line of /proc/PID/status; -1 if none */
static long
vb_proc_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long kb = -1;
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			if (sscanf(line + klen + 1, "%ld", &kb) != 1)
				kb = -1;
			break;
		}
	}
	(void)fclose(f);
	return kb;
}

/* vb_self_cpu - CPU seconds (user + system) used by this process so far */
static double
vb_self_cpu(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0.0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* vb_cmp_u64 - qsort comparator for uint64_t */
static int
vb_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* vb_pct - the p-th percentile (nearest rank) of sorted values, in ms */
static double
vb_pct(const uint64_t *v, size_t n, double p)
{
	size_t rank;

	if (n == 0)
		return 0.0;
	rank = (size_t)(p * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (double)v[rank - 1] / 1e6;
}

/* vb_usage - print the synopsis and exit 2 */
static _Noreturn void
vb_usage(void)
{
	fputs(
	    "usage: vigil-bench -s unix:/path|inet:port@host -c CONCURRENCY\n"
	    "           [-n MESSAGES | -t SECONDS] [-p PID]... [--reuse]\n"
	    "           [--quickack] [-T TIMEOUT] [--from ADDR] [--rcpt ADDR]\n"
	    "           [--client-ip IP] [--client-name NAME] [--helo NAME]\n"
	    "           DIR_OR_FILE...\n",
	    stderr);
	exit(2);
}

/* main - parse options, load the messages, run the workers, report */
int
main(int argc, char **argv)
{
	static const struct option lopts[] = {{"reuse", no_argument, NULL, 'r'},
	    {"quickack", no_argument, NULL, 'Q'},
	    {"from", required_argument, NULL, 'F'},
	    {"rcpt", required_argument, NULL, 'R'},
	    {"client-ip", required_argument, NULL, 'I'},
	    {"client-name", required_argument, NULL, 'N'},
	    {"helo", required_argument, NULL, 'H'},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct vb_opts o;
	struct vb_run run;
	struct vb_worker *ws;
	char **paths = NULL;
	size_t npaths = 0, pcap = 0, i, j, nlat = 0, nloaded;
	unsigned long counts[VB_OUT_COUNT] = {0}, quarantined = 0, done;
	double cpu0[VB_MAX_PIDS], cpu1, cpu_sum = 0.0, secs, self0, self1;
	long hwm, hwm_sum = 0;
	uint64_t t0, t1, *lat;
	int c, err;

	memset(&o, 0, sizeof(o));
	o.conc = 1;
	o.timeout = 60;
	o.rcpt = "<bench@localhost>";
	o.client_ip = "192.0.2.10";
	o.client_name = "client.example.net";
	o.helo = "client.example.net";
	while (
	    (c = getopt_long(argc, argv, "s:c:n:t:p:T:h", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.socket = optarg;
			break;
		case 'c':
			o.conc = vb_parse_ulong(optarg, 1, VB_MAX_CONC, "-c");
			break;
		case 'n':
			o.nmsgs = vb_parse_ulong(optarg, 1, 1000000000, "-n");
			break;
		case 't':
			o.seconds = vb_parse_ulong(optarg, 1, 86400, "-t");
			break;
		case 'T':
			o.timeout = vb_parse_ulong(optarg, 1, 3600, "-T");
			break;
		case 'p':
			if (o.npids == VB_MAX_PIDS)
				vb_die("too many -p", NULL);
			o.pids[o.npids++] =
			    (pid_t)vb_parse_ulong(optarg, 1, 4194304, "-p");
			break;
		case 'r':
			o.reuse = true;
			break;
		case 'Q':
			o.quickack = true;
			break;
		case 'F':
			o.from = optarg;
			break;
		case 'R':
			o.rcpt = optarg;
			break;
		case 'I':
			o.client_ip = optarg;
			break;
		case 'N':
			o.client_name = optarg;
			break;
		case 'H':
			o.helo = optarg;
			break;
		default:
			vb_usage();
		}
	}
	if (o.socket == NULL || optind >= argc)
		vb_usage();

	memset(&run, 0, sizeof(run));
	run.opts = &o;
	vb_parse_socket(&run, o.socket);
	for (c = optind; c < argc; c++)
		vb_collect(&paths, &npaths, &pcap, argv[c]);
	run.msgs = vb_xrealloc(NULL, (npaths ? npaths : 1) * sizeof(*run.msgs));
	for (i = 0, nloaded = 0; i < npaths; i++)
		if (vb_msg_load(&run.msgs[nloaded], paths[i]))
			nloaded++;
	if (nloaded == 0)
		vb_die("no readable messages", NULL);
	run.nmsgs = nloaded;
	run.limit =
	    o.nmsgs ? o.nmsgs : (o.seconds ? (unsigned long)-1 : nloaded);
	atomic_init(&run.next, 0);

	ws = vb_xrealloc(NULL, o.conc * sizeof(*ws));
	memset(ws, 0, o.conc * sizeof(*ws));
	for (j = 0; j < o.npids; j++) {
		cpu0[j] = vb_proc_cpu(o.pids[j]);
		if (cpu0[j] < 0.0)
			vb_die("cannot read /proc/PID/stat for -p", NULL);
	}
	self0 = vb_self_cpu();
	t0 = vb_now_ns();
	if (o.seconds)
		run.deadline_ns = t0 + (uint64_t)o.seconds * 1000000000u;
	for (i = 0; i < o.conc; i++) {
		ws[i].run = &run;
		ws[i].fd = -1;
		ws[i].obuf = vb_xrealloc(NULL, VB_OBUF_SIZE);
		ws[i].rcap = 64 * 1024;
		ws[i].rbuf = vb_xrealloc(NULL, ws[i].rcap);
		err =
		    pthread_create(&ws[i].thread, NULL, vb_worker_main, &ws[i]);
		if (err != 0)
			vb_die("pthread_create", strerror(err));
	}
	for (i = 0; i < o.conc; i++) {
		(void)pthread_join(ws[i].thread, NULL);
		for (j = 0; j < VB_OUT_COUNT; j++)
			counts[j] += ws[i].counts[j];
		quarantined += ws[i].quarantined;
		nlat += ws[i].nlat;
	}
	t1 = vb_now_ns();

	lat = vb_xrealloc(NULL, (nlat ? nlat : 1) * sizeof(*lat));
	for (i = 0, nlat = 0; i < o.conc; i++) {
		if (ws[i].nlat)
			memcpy(lat + nlat, ws[i].lat_ns,
			    ws[i].nlat * sizeof(*lat));
		nlat += ws[i].nlat;
	}
	qsort(lat, nlat, sizeof(*lat), vb_cmp_u64);
	for (j = 0, done = 0; j < VB_OUT_COUNT; j++)
		done += counts[j];
	secs = (double)(t1 - t0) / 1e9;

	printf("socket        %s%s\n", o.socket, o.reuse ? " (reuse)" : "");
	printf("concurrency   %lu\n", o.conc);
	printf("corpus        %zu messages loaded\n", nloaded);
	printf("messages      %lu\n", done);
	printf("seconds       %.3f\n", secs);
	printf("msgs_per_s    %.1f\n", secs > 0.0 ? (double)done / secs : 0.0);
	printf("latency_ms    p50=%.2f p95=%.2f p99=%.2f max=%.2f\n",
	    vb_pct(lat, nlat, 0.50), vb_pct(lat, nlat, 0.95),
	    vb_pct(lat, nlat, 0.99), vb_pct(lat, nlat, 1.0));
	printf("outcomes     ");
	for (j = 0; j < VB_OUT_COUNT; j++)
		printf(" %s=%lu", vb_outcome_names[j], counts[j]);
	printf(" (quarantined=%lu)\n", quarantined);
	for (j = 0; j < o.npids; j++) {
		cpu1 = vb_proc_cpu(o.pids[j]);
		hwm = vb_proc_kb(o.pids[j], "VmHWM");
		if (cpu1 >= 0.0)
			cpu_sum += cpu1 - cpu0[j];
		if (hwm > 0)
			hwm_sum += hwm;
		printf("pid %-9ld cpu_s=%.2f peak_rss_kb=%ld\n",
		    (long)o.pids[j], cpu1 >= 0.0 ? cpu1 - cpu0[j] : -1.0, hwm);
	}
	if (o.npids) {
		printf("milter_cpu_s  %.2f (sum over -p)\n", cpu_sum);
		printf("cpu_ms_per_msg %.3f\n",
		    done ? cpu_sum * 1e3 / (double)done : 0.0);
		printf("peak_rss_kb   %ld (sum of VmHWM over -p)\n", hwm_sum);
	}
	self1 = vb_self_cpu();
	printf(
	    "bench_cpu_s   %.2f (this client during the run)\n", self1 - self0);
	printf("RESULT conc=%lu reuse=%d msgs=%lu secs=%.3f rate=%.1f "
	       "p50=%.2f p95=%.2f p99=%.2f max=%.2f accept=%lu reject=%lu "
	       "tempfail=%lu discard=%lu other=%lu errors=%lu cpu_s=%.2f "
	       "cpu_ms_per_msg=%.3f peak_rss_kb=%ld bench_cpu_s=%.2f\n",
	    o.conc, o.reuse ? 1 : 0, done, secs,
	    secs > 0.0 ? (double)done / secs : 0.0, vb_pct(lat, nlat, 0.50),
	    vb_pct(lat, nlat, 0.95), vb_pct(lat, nlat, 0.99),
	    vb_pct(lat, nlat, 1.0), counts[VB_OUT_ACCEPT],
	    counts[VB_OUT_REJECT], counts[VB_OUT_TEMPFAIL],
	    counts[VB_OUT_DISCARD], counts[VB_OUT_OTHER], counts[VB_OUT_ERROR],
	    cpu_sum, done ? cpu_sum * 1e3 / (double)done : 0.0, hwm_sum,
	    self1 - self0);
	for (i = 0; i < o.conc; i++) {
		free(ws[i].obuf);
		free(ws[i].rbuf);
		free(ws[i].lat_ns);
	}
	for (i = 0; i < nloaded; i++) {
		free(run.msgs[i].hbuf);
		free(run.msgs[i].hdrs);
		free(run.msgs[i].body);
		free(run.msgs[i].from);
	}
	for (i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	free(run.msgs);
	free(ws);
	free(lat);
	return counts[VB_OUT_ERROR] == done ? 1 : 0;
}
