/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * compiler - attribute macros and checked size arithmetic.
 *
 * PURPOSE  One place for the compiler attributes the code uses, and for the
 *	    overflow-checked size helpers that every allocation size goes
 *	    through (STYLE.md 5.6).
 * THREADS  Pure functions.
 */
#ifndef VG_COMPILER_H
#define VG_COMPILER_H

#include <stdbool.h>
#include <stddef.h>

#define VG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define VG_NORETURN          __attribute__((noreturn))
#define VG_UNUSED            __attribute__((unused))
#define VG_NELEM(a)          (sizeof(a) / sizeof((a)[0]))

/* vg_size_add - *out = a + b; false on overflow */
static inline bool
vg_size_add(size_t *out, size_t a, size_t b)
{
	return !__builtin_add_overflow(a, b, out);
}

/* vg_size_mul - *out = a * b; false on overflow */
static inline bool
vg_size_mul(size_t *out, size_t a, size_t b)
{
	return !__builtin_mul_overflow(a, b, out);
}

#endif /* VG_COMPILER_H */
