/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * buf - a growable byte buffer whose hard maximum is set at creation.
 *
 * PURPOSE  The only growable buffer in lib/.  Growth stops at the maximum
 *	    given to vg_buf_init() with VG_ELIMIT, so no input can make a
 *	    buffer grow without bound (curl dynbuf, OpenSMTPD bufmax).
 * OWNS     The buffer owns data; vg_buf_fini() frees it.  data is always
 *	    NUL-terminated (the NUL is not counted in len) so text can be
 *	    used as a C string.  Appending may move data: pointers into it
 *	    are invalidated by every vg_buf_append*() call.
 * LIMITS   len never exceeds max.  A failed append leaves the buffer as it
 *	    was.
 * ERRORS   VG_ELIMIT when an append would pass max, VG_ENOMEM.
 * THREADS  One buffer belongs to one thread at a time.
 */
#ifndef VG_BUF_H
#define VG_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "base/compiler.h"

struct vg_buf {
	char *data; /* NULL until the first append */
	size_t len;
	size_t cap; /* allocated bytes, including the NUL */
	size_t max; /* hard limit on len */
};

/* vg_buf_init - empty buffer that may hold at most max bytes */
void vg_buf_init(struct vg_buf *buf, size_t max);
/* vg_buf_fini - free the data; the buffer may be initialised again */
void vg_buf_fini(struct vg_buf *buf);
/* vg_buf_reset - forget the contents, keep the allocation */
void vg_buf_reset(struct vg_buf *buf);
/* vg_buf_append - append len bytes; VG_ELIMIT or VG_ENOMEM, unchanged */
int vg_buf_append(struct vg_buf *buf, const void *data, size_t len);
/* vg_buf_append_str - append a C string */
int vg_buf_append_str(struct vg_buf *buf, const char *s);
/* vg_buf_printf - append formatted text; all or nothing */
int vg_buf_printf(struct vg_buf *buf, const char *fmt, ...) VG_PRINTF(2, 3);
/* vg_buf_vprintf - vg_buf_printf with a va_list */
int vg_buf_vprintf(struct vg_buf *buf, const char *fmt, va_list ap)
    VG_PRINTF(2, 0);
/* vg_buf_cstr - the contents as a C string, "" when empty; borrowed */
const char *vg_buf_cstr(const struct vg_buf *buf);
/*
 * vg_buf_steal - hand the data to the caller (who frees it with vg_free())
 * and leave the buffer empty; returns an allocated "" when empty, NULL on
 * allocation failure.
 */
char *vg_buf_steal(struct vg_buf *buf);

#endif /* VG_BUF_H */
