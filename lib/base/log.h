/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * log - the library's only way to say something.
 *
 * PURPOSE  libvigil never prints, exits or opens syslog.  It formats a line
 *	    and hands it to the sink that the front end installed (syslog in
 *	    vigil-milter, stderr in vigil and with -f).  Without a sink, lines
 *	    are dropped.
 * OWNS     The line passed to a sink is borrowed for the duration of the
 *	    call only.
 * LIMITS   A line is cut at VG_LOG_LINE_MAX bytes.
 * THREADS  vg_log() may be called from any thread; the sink must be
 *	    thread-safe.  vg_log_set_sink() must be called before threads
 *	    start.
 */
#ifndef VG_LOG_H
#define VG_LOG_H

#include "base/compiler.h"

enum vg_log_level {
	VG_LOG_DEBUG,
	VG_LOG_INFO,
	VG_LOG_NOTICE, /* normal but significant: rejected spam */
	VG_LOG_WARNING,
	VG_LOG_ERROR,
	VG_LOG_FATAL,
	VG_LOG_PANIC,
};

#define VG_LOG_LINE_MAX 2048

typedef void (*vg_log_fn)(enum vg_log_level level, const char *line, void *ctx);

/*
 * Capture: between vg_log_capture_begin() and vg_log_capture_end(), this
 * thread's warnings and errors are not logged; the first is kept in the
 * capture and the rest counted, so a caller that fails because of them
 * can say it all in one line of its own (the classifier's "database
 * cannot be opened").  Other threads log as usual; info and debug lines
 * pass.  Captures do not nest.
 */
struct vg_log_capture {
	char line[512]; /* the first warning or error, or "" */
	unsigned count; /* warnings and errors captured */
};

void vg_log_capture_begin(struct vg_log_capture *cap);
void vg_log_capture_end(void);

/* vg_log_set_sink - install the sink (NULL drops lines); not thread-safe */
void vg_log_set_sink(vg_log_fn fn, void *ctx, enum vg_log_level min_level);

/* vg_log - format one line and hand it to the sink */
void vg_log(enum vg_log_level level, const char *fmt, ...) VG_PRINTF(2, 3);

#define vg_debug(...) vg_log(VG_LOG_DEBUG, __VA_ARGS__)
#define vg_info(...)  vg_log(VG_LOG_INFO, __VA_ARGS__)
#define vg_warn(...)  vg_log(VG_LOG_WARNING, __VA_ARGS__)
#define vg_error(...) vg_log(VG_LOG_ERROR, __VA_ARGS__)

/* vg_log_level_name - "info", "warning", ... */
const char *vg_log_level_name(enum vg_log_level level);

/*
 * vg_panic - a broken internal contract: log at panic level and abort().
 * Never reachable from message bytes (the fuzzers check that).
 */
void vg_panic(const char *fmt, ...) VG_PRINTF(1, 2) VG_NORETURN;

#endif /* VG_LOG_H */
