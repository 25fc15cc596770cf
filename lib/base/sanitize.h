/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sanitize - the only path from message bytes to a header or a log line.
 *
 * PURPOSE  Anything that came from the network (envelope, header values,
 *	    virus names derived from file names, rule hit details) goes
 *	    through here before it is written into a header we add or into a
 *	    log line, so that no CR or LF can start a new header or a new log
 *	    record and no control byte reaches a terminal (Postfix
 *	    printable(), clamav-milter makesanehdr()).
 * RULES    CR, LF and TAB become one space each; other C0 controls, DEL and
 *	    bytes that are not part of valid UTF-8 become '?'.  Valid UTF-8
 *	    is kept unless VG_SANITIZE_ASCII is given, in which case every
 *	    non-ASCII character becomes one '?'.  Output is cut on a
 *	    character boundary and always NUL-terminated.
 * THREADS  Pure functions.
 */
#ifndef VG_SANITIZE_H
#define VG_SANITIZE_H

#include <stddef.h>

#define VG_SANITIZE_ASCII 0x1u /* replace every non-ASCII character */
/*
 * VG_SANITIZE_KEEP_FOLD: an LF followed by a TAB is kept as the fold of a
 * header line (libmilter turns it into CRLF TAB).  A folded line cannot
 * start a new header, so this stays safe; every other CR and LF still
 * becomes a space.
 */
#define VG_SANITIZE_KEEP_FOLD 0x2u

/*
 * vg_sanitize - copy len bytes of src into dst (dstsize bytes, > 0) under
 * the rules above.  Returns the length written, excluding the NUL.
 */
size_t vg_sanitize(
    char *dst, size_t dstsize, const void *src, size_t len, unsigned flags);

/* vg_sanitize_str - vg_sanitize() of a C string; NULL reads as "" */
size_t vg_sanitize_str(
    char *dst, size_t dstsize, const char *src, unsigned flags);

#endif /* VG_SANITIZE_H */
