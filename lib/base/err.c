/* SPDX-License-Identifier: GPL-2.0-only */
/* err - result codes and collected "file:line: reason" diagnostics */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/sanitize.h"

/* vg_strerror - static text for a VG_E* code */
const char *
vg_strerror(int code)
{
	switch ((enum vg_errcode)code) {
	case VG_OK:
		return "success";
	case VG_ENOMEM:
		return "out of memory";
	case VG_ELIMIT:
		return "limit reached";
	case VG_ETEMP:
		return "temporary failure";
	case VG_ECONFIG:
		return "configuration error";
	case VG_EINTERNAL:
		return "internal error";
	case VG_EIO:
		return "input/output error";
	case VG_ETIMEOUT:
		return "timed out";
	case VG_EINVAL:
		return "invalid argument";
	}
	return "unknown error";
}

/* vg_err_init - empty the collector */
void
vg_err_init(struct vg_err *err)
{
	err->count = 0;
	err->len = 0;
	err->text[0] = '\0';
}

/* vg_err_add - record one "file:line: reason" line */
void
vg_err_add(
    struct vg_err *err, const char *file, unsigned line, const char *fmt, ...)
{
	char reason[1024], clean[1024], entry[1536];
	va_list ap;
	int n;

	if (err == NULL)
		return;
	err->count++;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	/* Reasons may quote input; keep each error on one line. */
	vg_sanitize_str(clean, sizeof(clean), reason, 0);
	if (file == NULL)
		n = snprintf(entry, sizeof(entry), "%s\n", clean);
	else if (line == 0)
		n = snprintf(entry, sizeof(entry), "%s: %s\n", file, clean);
	else
		n = snprintf(
		    entry, sizeof(entry), "%s:%u: %s\n", file, line, clean);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(entry))
		n = (int)sizeof(entry) - 1;
	/* Keep room for the "more errors" note. */
	if (err->len + (size_t)n + 64 >= sizeof(err->text)) {
		static const char more[] = "(further errors not shown)\n";

		if (strstr(err->text, more) == NULL &&
		    err->len + sizeof(more) < sizeof(err->text)) {
			memcpy(err->text + err->len, more, sizeof(more));
			err->len += sizeof(more) - 1;
		}
		return;
	}
	memcpy(err->text + err->len, entry, (size_t)n + 1);
	err->len += (size_t)n;
}

/* vg_err_text - all recorded lines */
const char *
vg_err_text(const struct vg_err *err)
{
	return err->text;
}
