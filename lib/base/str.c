/* SPDX-License-Identifier: GPL-2.0-only */
/* str - bounded string formatting */
#include <stdio.h>

#include "base/str.h"

/* vg_str_vfmt - format into buf; false if the text was cut */
bool
vg_str_vfmt(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n;

	if (size == 0)
		return false;
	n = vsnprintf(buf, size, fmt, ap);
	if (n < 0) {
		buf[0] = '\0';
		return false;
	}
	return (size_t)n < size;
}

/* vg_str_fmt - format into buf; false if the text was cut */
bool
vg_str_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	bool fit;

	va_start(ap, fmt);
	fit = vg_str_vfmt(buf, size, fmt, ap);
	va_end(ap);
	return fit;
}
