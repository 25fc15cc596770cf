/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * str - bounded string formatting.
 *
 * PURPOSE  snprintf() where cutting the text short is the intended
 *	    behaviour (reasons, log fields, header values with a cap): the
 *	    result is always NUL-terminated and the caller learns whether it
 *	    was cut, without the compiler's truncation warnings on every use.
 * THREADS  Reentrant.
 */
#ifndef VG_STR_H
#define VG_STR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/compiler.h"

/* vg_str_fmt - format into buf (size > 0); false if the text was cut */
bool vg_str_fmt(char *buf, size_t size, const char *fmt, ...) VG_PRINTF(3, 4);
/* vg_str_vfmt - vg_str_fmt() with a va_list */
bool vg_str_vfmt(char *buf, size_t size, const char *fmt, va_list ap)
    VG_PRINTF(3, 0);

#endif /* VG_STR_H */
