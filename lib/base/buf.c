/* SPDX-License-Identifier: GPL-2.0-only */
/* buf - a growable byte buffer with a hard maximum */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"

/* vg_buf_init - empty buffer that may hold at most max bytes */
void
vg_buf_init(struct vg_buf *buf, size_t max)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf->max = max;
}

/* vg_buf_fini - free the data */
void
vg_buf_fini(struct vg_buf *buf)
{
	vg_free(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

/* vg_buf_reset - forget the contents, keep the allocation */
void
vg_buf_reset(struct vg_buf *buf)
{
	buf->len = 0;
	if (buf->data != NULL)
		buf->data[0] = '\0';
}

/* reserve - make room for extra more bytes plus the NUL */
static int
reserve(struct vg_buf *buf, size_t extra)
{
	size_t need, cap;
	char *p;

	if (!vg_size_add(&need, buf->len, extra) || need > buf->max)
		return VG_ELIMIT;
	if (need < buf->cap)
		return 0;
	/* Double, but never past max (+1 for the NUL). */
	cap = buf->cap < 64 ? 64 : buf->cap;
	while (cap <= need) {
		if (!vg_size_mul(&cap, cap, 2)) {
			cap = need + 1;
			break;
		}
	}
	if (cap > buf->max + 1)
		cap = buf->max + 1;
	if ((p = vg_realloc(buf->data, cap)) == NULL)
		return VG_ENOMEM;
	buf->data = p;
	buf->cap = cap;
	return 0;
}

/* vg_buf_append - append len bytes, all or nothing */
int
vg_buf_append(struct vg_buf *buf, const void *data, size_t len)
{
	int rc;

	if ((rc = reserve(buf, len)) != 0)
		return rc;
	if (len > 0)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return 0;
}

/* vg_buf_append_str - append a C string */
int
vg_buf_append_str(struct vg_buf *buf, const char *s)
{
	return vg_buf_append(buf, s, strlen(s));
}

/* vg_buf_vprintf - append formatted text, all or nothing */
int
vg_buf_vprintf(struct vg_buf *buf, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return VG_EINVAL;
	if ((rc = reserve(buf, (size_t)n)) != 0)
		return rc;
	vsnprintf(buf->data + buf->len, buf->cap - buf->len, fmt, ap);
	buf->len += (size_t)n;
	return 0;
}

/* vg_buf_printf - append formatted text, all or nothing */
int
vg_buf_printf(struct vg_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vg_buf_vprintf(buf, fmt, ap);
	va_end(ap);
	return rc;
}

/* vg_buf_cstr - the contents as a C string */
const char *
vg_buf_cstr(const struct vg_buf *buf)
{
	return buf->data != NULL ? buf->data : "";
}

/* vg_buf_steal - hand the data to the caller */
char *
vg_buf_steal(struct vg_buf *buf)
{
	char *p = buf->data;

	if (p == NULL)
		return vg_strdup("");
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	return p;
}
