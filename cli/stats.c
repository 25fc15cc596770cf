/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stats - `vigil stats [-c FILE] [--raw]`: the running daemon's metrics.
 *
 * PURPOSE  Reads metrics_listen from the daemon's configuration, fetches
 *	    GET /metrics from it (plain HTTP/1.0 on a socket: one request,
 *	    read to the end) and prints it: with --raw the Prometheus text
 *	    as served; without, only the figures (no # HELP and # TYPE
 *	    lines, no histogram buckets: their _sum and _count stay).
 * LIMITS   The whole reply is at most VG_METRICS_TEXT_MAX bytes plus
 *	    STATS_HEAD_MAX for the head; connecting and each read wait at
 *	    most STATS_TIMEOUT_MS.
 * ERRORS   Exit 1 on a usage or configuration error (metrics_listen not
 *	    set included), 2 when the daemon cannot be reached or does not
 *	    answer 200.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/metrics.h"
#include "cli.h"

#define STATS_HEAD_MAX   (64u * 1024)
#define STATS_TIMEOUT_MS 5000

/* stats_wait - poll fd for events up to STATS_TIMEOUT_MS; 0 or -1 */
static int
stats_wait(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};
	int n;

	do
		n = poll(&p, 1, STATS_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	return n > 0 ? 0 : -1;
}

/* stats_connect - a connected socket to sa, or -1 with errno set */
static int
stats_connect(const struct sockaddr_storage *sa, socklen_t salen)
{
	int fd, err = 0;
	socklen_t len = sizeof(err);

	fd = socket(sa->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0)
		goto fail;
	if (connect(fd, (const struct sockaddr *)sa, salen) == 0)
		return fd;
	if (errno != EINPROGRESS || stats_wait(fd, POLLOUT) != 0)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		goto fail;
	if (err == 0)
		return fd;
	errno = err;
fail:
	err = errno;
	(void)close(fd);
	errno = err;
	return -1;
}

/* stats_fetch - GET /metrics from addr into out (head included); 0 or -1 */
static int
stats_fetch(const char *addr, struct vg_buf *out)
{
	struct sockaddr_storage sa;
	socklen_t salen;
	const char *why;
	char req[256], chunk[16384];
	size_t off = 0, len;
	ssize_t n;
	int fd;

	if (!vg_metrics_parse_listen(addr, &sa, &salen, &why)) {
		fprintf(
		    stderr, "vigil stats: metrics_listen %s: %s\n", addr, why);
		return -1;
	}
	if ((fd = stats_connect(&sa, salen)) < 0) {
		fprintf(stderr,
		    "vigil stats: cannot connect to %s: %s (is vigil-milter "
		    "running with this metrics_listen?)\n",
		    addr, strerror(errno));
		return -1;
	}
	len = (size_t)snprintf(req, sizeof(req),
	    "GET /metrics HTTP/1.0\r\nHost: %s\r\nUser-Agent: vigil-stats\r\n"
	    "Connection: close\r\n\r\n",
	    addr);
	while (off < len) {
		n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN && stats_wait(fd, POLLOUT) == 0)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	for (;;) {
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && stats_wait(fd, POLLIN) == 0)
			continue;
		if (n < 0)
			goto fail;
		if (vg_buf_append(out, chunk, (size_t)n) != 0) {
			errno = EFBIG;
			goto fail;
		}
	}
	(void)close(fd);
	return 0;
fail:
	fprintf(stderr, "vigil stats: %s: %s\n", addr, strerror(errno));
	(void)close(fd);
	return -1;
}

/* stats_print - the body, whole (raw) or its figures only */
static void
stats_print(const char *body, bool raw)
{
	const char *p = body, *nl;

	if (raw) {
		fputs(body, stdout);
		return;
	}
	for (; *p != '\0'; p = *nl == '\n' ? nl + 1 : nl) {
		const char *sp;

		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		if (*p == '#' || nl == p)
			continue;
		sp = memchr(p, '{', (size_t)(nl - p));
		if (sp == NULL)
			sp = memchr(p, ' ', (size_t)(nl - p));
		/* Buckets: _sum and _count say enough on a terminal. */
		if (sp != NULL && sp - p > 7 &&
		    memcmp(sp - 7, "_bucket", 7) == 0)
			continue;
		fwrite(p, 1, (size_t)(nl - p), stdout);
		fputc('\n', stdout);
	}
}

/* vg_cli_stats - `vigil stats` */
int
vg_cli_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"raw", no_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = VG_CONF_DEFAULT_PATH, *body;
	struct vg_conf *conf = NULL;
	struct vg_buf reply;
	struct vg_err err;
	bool raw = false;
	int opt, status = 2;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'r':
			raw = true;
			break;
		default:
			fprintf(
			    stderr, "usage: vigil stats [-c FILE] [--raw]\n");
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: vigil stats [-c FILE] [--raw]\n");
		return 1;
	}
	vg_err_init(&err);
	if (vg_conf_load(&conf, config, &err) != 0) {
		fputs(vg_err_text(&err), stderr);
		return 1;
	}
	if (conf->metrics_listen == NULL || conf->metrics_listen[0] == '\0') {
		fprintf(stderr,
		    "vigil stats: %s: metrics_listen is not set, so "
		    "vigil-milter serves no metrics (vigil.conf(5))\n",
		    config);
		vg_conf_free(conf);
		return 1;
	}
	vg_buf_init(&reply, VG_METRICS_TEXT_MAX + STATS_HEAD_MAX);
	if (stats_fetch(conf->metrics_listen, &reply) != 0)
		goto out;
	body = strstr(vg_buf_cstr(&reply), "\r\n\r\n");
	if (strncmp(vg_buf_cstr(&reply), "HTTP/1.", 7) != 0 ||
	    strncmp(vg_buf_cstr(&reply) + 8, " 200 ", 5) != 0 || body == NULL) {
		fprintf(stderr, "vigil stats: %s: unexpected reply: %.60s\n",
		    conf->metrics_listen, vg_buf_cstr(&reply));
		goto out;
	}
	stats_print(body + 4, raw);
	status = fflush(stdout) == 0 && !ferror(stdout) ? 0 : 2;
out:
	vg_buf_fini(&reply);
	vg_conf_free(conf);
	return status;
}
