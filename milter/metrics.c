/* SPDX-License-Identifier: GPL-2.0-only */
/* metrics - the registry, GET /metrics over libmicrohttpd, milter figures */
/* strptime() for clamd's version text. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <clamav.h>
#include <microhttpd.h>

#include "base/alloc.h"
#include "base/compiler.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/pool.h"
#include "base/stats.h"
#include "base/str.h"
#include "core/engine.h"
#include "core/verdict.h"

#include "metrics.h"
#include "session.h"

#define VGM_NAME "vigil-milter"

/* One listener per process: main() opens it, vgm_serve() runs it. */
static struct {
	int fd; /* the listening socket until MHD takes it, else -1 */
	struct MHD_Daemon *daemon;
	struct vg_pool *pool;
	char listen[128]; /* as configured, for messages */
	/* The signatures of the current engine (reload thread writes). */
	_Atomic int64_t sig_time; /* Unix seconds, 0 = unknown */
} vgm_metrics_state = {.fd = -1};

#define MS vgm_metrics_state

/* vgm_metrics_open - listen and install the registry */
int
vgm_metrics_open(const char *addr)
{
	struct sockaddr_storage sa;
	struct vg_metrics *m = NULL;
	const struct vg_metric_def *defs;
	socklen_t salen = 0;
	const char *why;
	size_t n;
	int fd = -1, one = 1, rc;

	if (addr == NULL || addr[0] == '\0')
		return 0;
	(void)vg_str_fmt(MS.listen, sizeof(MS.listen), "%s", addr);
	/* vg_conf_load() checked it; this only gets the address again. */
	if (!vg_metrics_parse_listen(addr, &sa, &salen, &why)) {
		(void)fprintf(
		    stderr, VGM_NAME ": metrics_listen %s: %s\n", addr, why);
		return -1;
	}
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* A restart must not wait for old connections in TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
		goto fail;
	if (sa.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, salen) != 0 ||
	    listen(fd, VGM_METRICS_CONNECTIONS) != 0)
		goto fail;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
		goto fail;
	defs = vg_stats_defs(&n);
	if ((rc = vg_metrics_new(&m, defs, n)) != 0) {
		(void)fprintf(
		    stderr, VGM_NAME ": metrics: %s\n", vg_strerror(rc));
		(void)close(fd);
		return -1;
	}
	(void)vg_metrics_install(m);
	vg_stats_set(VG_STAT_START_TIME, (int64_t)time(NULL));
	/* Up until the resolver says otherwise (net/dns.c). */
	vg_stats_set(VG_STAT_DNS_UP, 1);
	MS.fd = fd;
	return 0;
fail:
	(void)fprintf(stderr,
	    VGM_NAME ": metrics_listen %s: cannot listen: %s%s\n", addr,
	    strerror(errno),
	    errno == EADDRINUSE
	        ? " (another vigil-milter, or another program, has the port; "
	          "choose another metrics_listen)"
	        : "");
	if (fd >= 0)
		(void)close(fd);
	return -1;
}

/* vgm_metrics_refresh - the figures read at each scrape */
static void
vgm_metrics_refresh(void)
{
	int64_t t = atomic_load(&MS.sig_time);

	if (MS.pool != NULL)
		vg_stats_set(
		    VG_STAT_QUEUE_DEPTH, (int64_t)vg_pool_queued(MS.pool));
	vg_stats_set(VG_STAT_IN_FLIGHT, (int64_t)vgm_session_in_flight());
	if (t > 0)
		vg_stats_set(VG_STAT_SIG_AGE, (int64_t)time(NULL) - t);
}

/* vgm_metrics_reply - queue a response of len bytes of text */
static enum MHD_Result
vgm_metrics_reply(struct MHD_Connection *conn, unsigned status,
    const char *text, size_t len, const char *type)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	/* libmicrohttpd keeps its own copy: text stays ours. */
	resp = MHD_create_response_from_buffer(
	    len, (void *)(uintptr_t)text, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	if (MHD_add_response_header(resp, "Content-Type", type) != MHD_YES ||
	    (status == MHD_HTTP_METHOD_NOT_ALLOWED &&
	        MHD_add_response_header(resp, "Allow", "GET, HEAD") !=
	            MHD_YES)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* vgm_metrics_request - libmicrohttpd's handler: GET /metrics only */
static enum MHD_Result
vgm_metrics_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	static const char plain[] = "text/plain; charset=utf-8";
	char *text = NULL;
	size_t len = 0;
	enum MHD_Result ret;
	int rc;

	(void)cls;
	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		/* A body sent with it is not read: the answer is the same. */
		*upload_data_size = 0;
		return vgm_metrics_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "only GET /metrics\n", 18, plain);
	}
	if (strcmp(url, "/metrics") != 0)
		return vgm_metrics_reply(
		    conn, MHD_HTTP_NOT_FOUND, "only GET /metrics\n", 18, plain);
	vgm_metrics_refresh();
	rc = vg_metrics_render(vg_metrics_installed(), &text, &len);
	if (rc != 0) {
		vg_error("metrics: cannot render: %s", vg_strerror(rc));
		return vgm_metrics_reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "cannot render the metrics\n", 26, plain);
	}
	ret = vgm_metrics_reply(conn, MHD_HTTP_OK, text, len,
	    "text/plain; version=0.0.4; charset=utf-8");
	vg_free(text);
	return ret;
}

/* vgm_metrics_mhd_log - libmicrohttpd's error messages, to our log */
static void VG_PRINTF(2, 0)
    vgm_metrics_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t len;

	(void)cls;
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	while (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	vg_warn("metrics: %s", line);
}

/* vgm_metrics_start - serve the socket opened by vgm_metrics_open() */
int
vgm_metrics_start(struct vg_pool *pool, uint64_t queue_limit)
{
	if (MS.fd < 0)
		return 0;
	MS.pool = pool;
	vg_stats_set(VG_STAT_QUEUE_LIMIT, (int64_t)queue_limit);
	MS.daemon = MHD_start_daemon(
	    MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    vgm_metrics_request, NULL,
	    /* First, or libmicrohttpd logs to stderr until it is set. */
	    MHD_OPTION_EXTERNAL_LOGGER, vgm_metrics_mhd_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, MS.fd, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)VGM_METRICS_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)VGM_METRICS_TIMEOUT_S, MHD_OPTION_END);
	if (MS.daemon == NULL) {
		vg_log(VG_LOG_FATAL, "metrics: cannot serve %s", MS.listen);
		(void)close(MS.fd);
		MS.fd = -1;
		return -1;
	}
	/* Hand-off: the daemon closes the socket when stopped. */
	MS.fd = -1;
	vg_info("metrics: serving GET /metrics on %s", MS.listen);
	return 0;
}

/* vgm_metrics_stop - stop the listener */
void
vgm_metrics_stop(void)
{
	if (MS.daemon != NULL) {
		MHD_stop_daemon(MS.daemon);
		MS.daemon = NULL;
	}
	if (MS.fd >= 0) {
		(void)close(MS.fd);
		MS.fd = -1;
	}
	MS.pool = NULL;
}

/* vgm_metrics_message - count one message from its verdict */
void
vgm_metrics_message(
    const struct vg_verdict *verdict, enum vg_action action, uint64_t total_us)
{
	enum vg_stats_dir dir = VG_STATS_UNKNOWN;
	const struct vg_bayes_report *b;

	if (vg_metrics_installed() == NULL)
		return;
	if (verdict != NULL)
		dir = verdict->outbound ? VG_STATS_OUTBOUND : VG_STATS_INBOUND;
	vg_stats_inc_at(VG_STAT_MESSAGES, vg_stats_message_series(dir, action));
	vg_stats_observe(VG_STAT_MESSAGE_SECONDS, total_us);
	if (verdict == NULL)
		return;
	if (verdict->virus[0] != '\0')
		vg_stats_inc_label(VG_STAT_VIRUSES, verdict->virus);
	for (size_t i = 0; i < verdict->nsymbols; i++)
		vg_stats_inc_label(VG_STAT_RULE_HITS, verdict->symbols[i].name);
	/* The classifier's state, as the last message found it. */
	b = &verdict->bayes;
	switch (b->state) {
	case VG_BAYES_NOT_RUN:
		break;
	case VG_BAYES_SILENT:
	case VG_BAYES_SCORED:
		vg_stats_set(VG_STAT_BAYES_ACTIVE, b->state == VG_BAYES_SCORED);
		vg_stats_set_at(
		    VG_STAT_BAYES_LEARNED, VG_STATS_SPAM, (int64_t)b->nspam);
		vg_stats_set_at(
		    VG_STAT_BAYES_LEARNED, VG_STATS_HAM, (int64_t)b->nham);
		break;
	case VG_BAYES_FAILED:
		vg_stats_inc(VG_STAT_BAYES_TEMPERRORS);
		break;
	}
}

/*
 * vgm_metrics_cvd - version and build time of the newest daily (else
 * main) database in dir; false when there is none
 */
static bool
vgm_metrics_cvd(const char *dir, int64_t *version, int64_t *when)
{
	static const char *const names[] = {
	    "daily.cld", "daily.cvd", "main.cld", "main.cvd"};
	char path[4096];
	struct cl_cvd *cvd;

	for (size_t i = 0; i < VG_NELEM(names); i++) {
		(void)vg_str_fmt(path, sizeof(path), "%s/%s", dir, names[i]);
		if (access(path, R_OK) != 0 || (cvd = cl_cvdhead(path)) == NULL)
			continue;
		*version = cvd->version;
		*when = cvd->stime;
		cl_cvdfree(cvd);
		return true;
	}
	return false;
}

/*
 * vgm_metrics_clamd_version - from clamd's "ClamAV 1.0.7/27480/Mon Dec  7
 * 08:00:00 2026": the version and the build time; false when absent
 */
static bool
vgm_metrics_clamd_version(const char *text, int64_t *version, int64_t *when)
{
	const char *p = strchr(text, '/');
	struct tm tm;
	char *end;
	long long v;

	if (p == NULL)
		return false;
	errno = 0;
	v = strtoll(p + 1, &end, 10);
	if (errno != 0 || end == p + 1 || v < 0)
		return false;
	*version = v;
	*when = 0;
	memset(&tm, 0, sizeof(tm));
	/* clamd writes the time as ctime() does, in its local time. */
	if (*end == '/' && strptime(end + 1, "%a %b %d %H:%M:%S %Y", &tm)) {
		tm.tm_isdst = -1;
		*when = (int64_t)mktime(&tm);
	}
	return true;
}

/* vgm_metrics_engine - the signatures of a new current engine */
void
vgm_metrics_engine(const struct vg_engine *engine)
{
	const struct vg_conf *c;
	int64_t version = 0, when = 0;

	if (vg_metrics_installed() == NULL || engine == NULL)
		return;
	c = vg_engine_conf(engine);
	if (!c->virus_scan)
		return;
	if (c->virus_backend != NULL && strcmp(c->virus_backend, "clamd") == 0)
		(void)vgm_metrics_clamd_version(
		    vg_engine_virus_version(engine), &version, &when);
	else if (c->clamav_database != NULL)
		(void)vgm_metrics_cvd(c->clamav_database, &version, &when);
	/* A test database without daily or main has version 0, no time. */
	vg_stats_set(VG_STAT_SIG_VERSION, version);
	atomic_store(&MS.sig_time, when);
	if (when > 0)
		vg_stats_set(VG_STAT_SIG_TIME, when);
}
