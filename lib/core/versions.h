/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * versions - the versions of the engine's parts, for `vigil-milter -V`
 * and `vigil version`, which must say the same.
 *
 * PURPOSE  ClamAV and its signature version, PCRE2, libspf2 and OpenSSL
 *	    (DKIM's cryptography), as linked into this process.  libmilter
 *	    is not here: lib/ knows nothing of it, vigil-milter adds it.
 * LIMITS   The text is cut at the caller's size.
 * THREADS  Reads files; no shared state.
 */
#ifndef VG_VERSIONS_H
#define VG_VERSIONS_H

#include <stddef.h>

/*
 * vg_versions_signatures - the version of the daily (else main) database
 * in dir (.cld or .cvd), or 0 when there is none
 */
unsigned vg_versions_signatures(const char *dir);

/*
 * vg_versions_text - one line per part, each ending in a newline, into
 * buf; clamav_db is the signature directory (NULL: unknown), where says
 * how it was found, for the line that says none was.
 */
void vg_versions_text(
    char *buf, size_t size, const char *clamav_db, const char *where);

#endif /* VG_VERSIONS_H */
