/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mtclient - a minimal MTA side of the milter protocol, for what
 * miltertest cannot send.
 *
 * PURPOSE  miltertest copies a header into a fixed 1 KB stack buffer, so a
 *	    test of large headers needs its own client.  This one speaks
 *	    milter protocol version 6 over a unix socket and sends one
 *	    message whose X-Big header value is N bytes long:
 *	        mtclient SOCKET_PATH N
 *	    or the message in FILE (its header lines as headers, the rest
 *	    as the body, in chunks of at most 65535 bytes):
 *	        mtclient SOCKET_PATH -m FILE
 *	    With -u K after SOCKET_PATH, K recipients the MTA rejected
 *	    (unknown users: {rcpt_mailer} = error) come before the real one,
 *	    as Postfix reports them to a milter (the harvest defence).
 *	    It prints one line per reply to end of message ("insheader
 *	    X-Virus-Status: Clean", "eom c") and exits 0 when the message
 *	    completed, 2 when the filter closed the connection (printing
 *	    "closed in STEP"), 1 on a usage or socket error.
 *	    With MTCLIENT_BODY_DELAY_MS=D in the environment, -m waits D ms
 *	    (at most 10000) between body chunks, so a test can act while a
 *	    message is on its way (t-clamd kills a clamd mid-stream).
 * LIMITS   N and FILE are at most 64 MB.  Replies larger than 1 MB are an error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define VGT_MAX_VALUE (64u * 1024 * 1024)
#define VGT_MAX_REPLY (1024u * 1024)

/* vgt_write_all - write len bytes or fail */
static int
vgt_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* vgt_read_all - read len bytes; -1 on error or end of file */
static int
vgt_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* vgt_send - one packet: length, command, data */
static int
vgt_send(int fd, char cmd, const void *data, size_t len)
{
	uint32_t n = htonl((uint32_t)(len + 1));

	if (vgt_write_all(fd, &n, sizeof(n)) != 0 ||
	    vgt_write_all(fd, &cmd, 1) != 0)
		return -1;
	return len > 0 ? vgt_write_all(fd, data, len) : 0;
}

/* vgt_recv - one packet into a new buffer (*data_out, caller frees) */
static int
vgt_recv(int fd, char *cmd_out, char **data_out, size_t *len_out)
{
	uint32_t n;
	char *data;

	*data_out = NULL;
	if (vgt_read_all(fd, &n, sizeof(n)) != 0)
		return -1;
	n = ntohl(n);
	if (n == 0 || n > VGT_MAX_REPLY)
		return -1;
	if (vgt_read_all(fd, cmd_out, 1) != 0)
		return -1;
	data = calloc(1, n + 1);
	if (data == NULL)
		return -1;
	if (n > 1 && vgt_read_all(fd, data, n - 1) != 0) {
		free(data);
		return -1;
	}
	*data_out = data;
	*len_out = n - 1;
	return 0;
}

/* vgt_step - send a command and read one reply; 'c' expected */
static int
vgt_step(int fd, const char *step, char cmd, const void *data, size_t len)
{
	char rcmd;
	char *rdata;
	size_t rlen;

	if (vgt_send(fd, cmd, data, len) != 0 ||
	    vgt_recv(fd, &rcmd, &rdata, &rlen) != 0) {
		(void)printf("closed in %s\n", step);
		return 2;
	}
	free(rdata);
	if (rcmd != 'c') {
		(void)printf("%s %c\n", step, rcmd);
		return 3;
	}
	return 0;
}

/* vgt_eom - end of message: print every modification and the reply */
static int
vgt_eom(int fd)
{
	char rcmd;
	char *d;
	size_t len;

	if (vgt_send(fd, 'E', NULL, 0) != 0) {
		(void)printf("closed in eom\n");
		return 2;
	}
	for (;;) {
		if (vgt_recv(fd, &rcmd, &d, &len) != 0) {
			(void)printf("closed in eom\n");
			return 2;
		}
		if (rcmd == 'h')
			(void)printf("addheader %s:%s\n", d, d + strlen(d) + 1);
		else if ((rcmd == 'i' || rcmd == 'm') && len > 4)
			(void)printf("%s %s:%s\n",
			    rcmd == 'i' ? "insheader" : "chgheader", d + 4,
			    d + 4 + strlen(d + 4) + 1);
		else if (rcmd == 'y')
			(void)printf("reply %s\n", d);
		else if (rcmd != 'p')
			(void)printf("eom %c\n", rcmd);
		free(d);
		if (strchr("acdrty", rcmd) != NULL)
			return 0;
	}
}

/* vgt_connect - a unix socket connection to path, or -1 */
static int
vgt_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* vgt_negotiate - protocol 6, all actions, header leading space */
static int
vgt_negotiate(int fd)
{
	uint32_t opt[3];
	char rcmd;
	char *d;
	size_t len;

	opt[0] = htonl(6);
	opt[1] = htonl(0x1ff);
	opt[2] = htonl(0x001fffff & ~0x3ffu); /* no SMFIP_NO* steps */
	if (vgt_send(fd, 'O', opt, sizeof(opt)) != 0 ||
	    vgt_recv(fd, &rcmd, &d, &len) != 0 || rcmd != 'O') {
		(void)printf("negotiation failed\n");
		return -1;
	}
	free(d);
	return 0;
}

/*
 * vgt_send_file - the message in path: each header (with its folded
 * lines) as one header packet, end of headers, then the body in chunks
 */
static int
vgt_send_file(int fd, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL, *p, *end, *hdr = NULL;
	size_t len, hcap = 0;
	const char *d = getenv("MTCLIENT_BODY_DELAY_MS");
	unsigned long delay_ms = d != NULL ? strtoul(d, NULL, 10) : 0;
	int rc = 1;

	if (delay_ms > 10000)
		delay_ms = 10000;
	if (f == NULL) {
		(void)fprintf(
		    stderr, "mtclient: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if ((buf = malloc(VGT_MAX_VALUE)) == NULL)
		goto out;
	len = fread(buf, 1, VGT_MAX_VALUE, f);
	if (ferror(f) || !feof(f)) {
		(void)fprintf(
		    stderr, "mtclient: %s: unreadable or too large\n", path);
		goto out;
	}
	p = buf;
	end = buf + len;
	while (p < end && *p != '\n' && *p != '\r') {
		char *colon, *line_end = p;
		size_t n;

		/* One header: up to a newline not followed by a fold. */
		for (;;) {
			line_end =
			    memchr(line_end, '\n', (size_t)(end - line_end));
			if (line_end == NULL)
				line_end = end;
			if (line_end + 1 >= end ||
			    (line_end[1] != ' ' && line_end[1] != '\t'))
				break;
			line_end++;
		}
		colon = memchr(p, ':', (size_t)(line_end - p));
		if (colon == NULL) {
			(void)fprintf(stderr,
			    "mtclient: %s: no colon in a header\n", path);
			goto out;
		}
		n = (size_t)(line_end - p) + 2;
		if (n > hcap) {
			free(hdr);
			if ((hdr = malloc(n)) == NULL)
				goto out;
			hcap = n;
		}
		memcpy(hdr, p, (size_t)(colon - p));
		hdr[colon - p] = '\0';
		memcpy(hdr + (colon - p) + 1, colon + 1,
		    (size_t)(line_end - colon - 1));
		n = (size_t)(line_end - p) + 1;
		if (n >= 2 && hdr[n - 2] == '\r')
			n--; /* a CR before the newline is not the value's */
		hdr[n - 1] = '\0';
		if ((rc = vgt_step(fd, "header", 'L', hdr, n)) != 0)
			goto out;
		p = line_end < end ? line_end + 1 : end;
	}
	/* The blank line that ends the headers. */
	if (p < end && *p == '\r')
		p++;
	if (p < end && *p == '\n')
		p++;
	if ((rc = vgt_step(fd, "eoh", 'N', NULL, 0)) != 0)
		goto out;
	while (p < end) {
		size_t chunk =
		    (size_t)(end - p) > 65535 ? 65535 : (size_t)(end - p);

		if ((rc = vgt_step(fd, "body", 'B', p, chunk)) != 0)
			goto out;
		p += chunk;
		if (delay_ms > 0 && p < end) {
			struct timespec ts = {(time_t)(delay_ms / 1000),
			    (long)(delay_ms % 1000) * 1000000L};

			(void)nanosleep(&ts, NULL);
		}
	}
	rc = 0;
out:
	free(hdr);
	free(buf);
	(void)fclose(f);
	return rc;
}

/*
 * vgt_unknown - one recipient the MTA rejected (unknown user), as Postfix
 * hands it to a milter that asked for them (SMFIP_RCPT_REJ): the
 * {rcpt_mailer} macro "error", then the RCPT
 */
static int
vgt_unknown(int fd, unsigned long k)
{
	static const char macro[] = "R{rcpt_mailer}\0error";
	char rcpt[64];
	int n = snprintf(rcpt, sizeof(rcpt), "<unknown%lu@example.org>", k);

	if (vgt_send(fd, 'D', macro, sizeof(macro)) != 0) {
		(void)printf("closed in macro\n");
		return 2;
	}
	return vgt_step(fd, "rcpt", 'R', rcpt, (size_t)n + 1);
}

/* Unknown recipients sent before the real one (-u K). */
static unsigned long vgt_nunknown;

/* vgt_envelope - connect, HELO, MAIL FROM and one RCPT TO */
static int
vgt_envelope(int fd)
{
	static const char conn[] = "client.example\0"
	                           "4\0\0"
	                           "192.0.2.1";
	int rc;

	if ((rc = vgt_step(fd, "connect", 'C', conn, sizeof(conn))) != 0 ||
	    (rc = vgt_step(fd, "helo", 'H', "client.example",
	         sizeof("client.example"))) != 0 ||
	    (rc = vgt_step(fd, "mail", 'M', "<a@example.com>",
	         sizeof("<a@example.com>"))) != 0)
		return rc;
	for (unsigned long k = 0; k < vgt_nunknown; k++)
		if ((rc = vgt_unknown(fd, k)) != 0)
			return rc;
	if (vgt_nunknown > 0) {
		/* Macros stay until replaced: the real one is delivered. */
		static const char macro[] = "R{rcpt_mailer}\0local";

		if (vgt_send(fd, 'D', macro, sizeof(macro)) != 0) {
			(void)printf("closed in macro\n");
			return 2;
		}
	}
	return vgt_step(
	    fd, "rcpt", 'R', "<b@example.org>", sizeof("<b@example.org>"));
}

/* vgt_send_big - one header X-Big of n bytes and a short body */
static int
vgt_send_big(int fd, unsigned long n)
{
	static const char eicar_free_body[] = "Hello.\r\n";
	char *hdr;
	size_t hlen;
	int rc;

	/* "X-Big\0 aaa...\0": the value keeps its leading space. */
	hlen = sizeof("X-Big") + 1 + n + 1;
	if ((hdr = malloc(hlen)) == NULL)
		return 1;
	memcpy(hdr, "X-Big", sizeof("X-Big"));
	hdr[sizeof("X-Big")] = ' ';
	memset(hdr + sizeof("X-Big") + 1, 'a', n);
	hdr[hlen - 1] = '\0';
	if ((rc = vgt_step(fd, "header", 'L', hdr, hlen)) == 0 &&
	    (rc = vgt_step(fd, "eoh", 'N', NULL, 0)) == 0)
		rc = vgt_step(fd, "body", 'B', eicar_free_body,
		    sizeof(eicar_free_body) - 1);
	free(hdr);
	return rc;
}

/* main - one message; see the module comment */
int
main(int argc, char **argv)
{
	char *end;
	unsigned long n = 0;
	int fd, rc = 1;

	if (argc >= 5 && strcmp(argv[2], "-u") == 0) {
		vgt_nunknown = strtoul(argv[3], &end, 10);
		if (*end != '\0' || vgt_nunknown > 1000) {
			(void)fprintf(stderr, "mtclient: bad -u %s\n", argv[3]);
			return 1;
		}
		argv[3] = argv[1];
		argv += 2;
		argc -= 2;
	}
	if (argc != 3 && !(argc == 4 && strcmp(argv[2], "-m") == 0)) {
		(void)fprintf(stderr,
		    "usage: mtclient SOCKET_PATH [-u K] N | SOCKET_PATH [-u K] "
		    "-m FILE\n");
		return 1;
	}
	/* A filter that closes on us must give an error, not kill us. */
	(void)signal(SIGPIPE, SIG_IGN);
	if (argc == 3) {
		errno = 0;
		n = strtoul(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || n > VGT_MAX_VALUE) {
			(void)fprintf(
			    stderr, "mtclient: bad size %s\n", argv[2]);
			return 1;
		}
	}
	fd = vgt_connect(argv[1]);
	if (fd < 0) {
		(void)fprintf(stderr, "mtclient: connect %s: %s\n", argv[1],
		    strerror(errno));
		return 1;
	}
	if (vgt_negotiate(fd) != 0)
		goto out;
	if ((rc = vgt_envelope(fd)) != 0)
		goto out;
	rc = argc == 4 ? vgt_send_file(fd, argv[3]) : vgt_send_big(fd, n);
	if (rc != 0)
		goto out;
	rc = vgt_eom(fd);
	if (rc == 0)
		(void)vgt_send(fd, 'Q', NULL, 0);
out:
	(void)close(fd);
	return rc;
}
