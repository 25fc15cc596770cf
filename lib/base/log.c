/* SPDX-License-Identifier: GPL-2.0-only */
/* log - hand formatted lines to the front end's sink */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"

static vg_log_fn sink;
/* This thread's capture buffer (vg_log_capture), or NULL. */
static _Thread_local struct vg_log_capture *capture;
static void *sink_ctx;
static enum vg_log_level sink_min = VG_LOG_INFO;

/* vg_log_set_sink - install the sink; call before threads start */
void
vg_log_set_sink(vg_log_fn fn, void *ctx, enum vg_log_level min_level)
{
	sink = fn;
	sink_ctx = ctx;
	sink_min = min_level;
}

/* vg_log_level_name - the severity as a word */
const char *
vg_log_level_name(enum vg_log_level level)
{
	switch (level) {
	case VG_LOG_DEBUG:
		return "debug";
	case VG_LOG_INFO:
		return "info";
	case VG_LOG_NOTICE:
		return "notice";
	case VG_LOG_WARNING:
		return "warning";
	case VG_LOG_ERROR:
		return "error";
	case VG_LOG_FATAL:
		return "fatal";
	case VG_LOG_PANIC:
		return "panic";
	}
	return "unknown";
}

/* vlog - format and deliver one line */
static void vlog(enum vg_log_level level, const char *fmt, va_list ap)
    VG_PRINTF(2, 0);

static void
vlog(enum vg_log_level level, const char *fmt, va_list ap)
{
	char line[VG_LOG_LINE_MAX];

	if (capture != NULL && level >= VG_LOG_WARNING &&
	    level < VG_LOG_PANIC) {
		/* The first warning or error is kept; the rest counted. */
		if (capture->count++ == 0)
			vsnprintf(
			    capture->line, sizeof(capture->line), fmt, ap);
		return;
	}
	if (sink == NULL || level < sink_min)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	sink(level, line, sink_ctx);
}

/* vg_log_capture_begin - this thread's warnings and errors go to cap */
void
vg_log_capture_begin(struct vg_log_capture *cap)
{
	cap->line[0] = '\0';
	cap->count = 0;
	capture = cap;
}

/* vg_log_capture_end - this thread logs to the sink again */
void
vg_log_capture_end(void)
{
	capture = NULL;
}

/* vg_log - format one line and hand it to the sink */
void
vg_log(enum vg_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

/* vg_panic - a broken internal contract: log and abort */
void
vg_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (sink != NULL) {
		vlog(VG_LOG_PANIC, fmt, ap);
	} else {
		/* No sink: the last words must still be seen somewhere. */
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
	abort();
}
