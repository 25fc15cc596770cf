/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * err - result codes and collected "file:line: reason" diagnostics.
 *
 * PURPOSE  Every library call that can fail returns int: 0 (VG_OK) or one
 *	    of the negative VG_E* codes below.  Soft and hard failures are
 *	    kept apart as in Postfix dict.h: VG_ELIMIT is an input that hit a
 *	    configured limit (never confused with VG_ENOMEM), VG_ETEMP a
 *	    condition worth retrying (the MTA gets a 4xx), VG_ECONFIG a bad
 *	    configuration whose text is in a struct vg_err.
 * OWNS     struct vg_err is a fixed-size value owned by the caller; nothing
 *	    here allocates.
 * LIMITS   A struct vg_err keeps VG_ERR_TEXT_MAX bytes of text; further
 *	    errors are counted (count) but their text is dropped, and the
 *	    text ends with the line "(further errors not shown)".  One
 *	    reason is cut at 1023 bytes.
 * THREADS  vg_strerror() is reentrant; a struct vg_err belongs to one
 *	    thread at a time.
 */
#ifndef VG_ERR_H
#define VG_ERR_H

#include <stddef.h>

#include "base/compiler.h"

enum vg_errcode {
	VG_OK = 0,
	VG_ENOMEM = -1,    /* allocation failed */
	VG_ELIMIT = -2,    /* input reached a configured limit */
	VG_ETEMP = -3,     /* temporary failure: retry later */
	VG_ECONFIG = -4,   /* configuration error, text in struct vg_err */
	VG_EINTERNAL = -5, /* a bug or a library misbehaving */
	VG_EIO = -6,       /* read, write or open failed (errno kept) */
	VG_ETIMEOUT = -7,  /* a deadline passed */
	VG_EINVAL = -8,    /* caller passed an invalid argument */
};

/* vg_strerror - static text for a VG_E* code; never NULL */
const char *vg_strerror(int code);

#define VG_ERR_TEXT_MAX 8192

struct vg_err {
	unsigned count;             /* errors recorded, including dropped */
	size_t len;                 /* bytes used in text */
	char text[VG_ERR_TEXT_MAX]; /* "file:line: reason\n" lines */
};

/* vg_err_init - empty the error collector */
void vg_err_init(struct vg_err *err);

/*
 * vg_err_add - record one error as "file:line: reason".  A NULL file gives
 * just "reason"; line 0 gives "file: reason".  The reason is sanitised, so
 * callers may quote input in it.  err may be NULL (the error is dropped).
 */
void vg_err_add(struct vg_err *err, const char *file, unsigned line,
    const char *fmt, ...) VG_PRINTF(4, 5);

/* vg_err_text - all recorded lines, "" if none; borrowed from err */
const char *vg_err_text(const struct vg_err *err);

#endif /* VG_ERR_H */
