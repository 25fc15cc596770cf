/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * statushdr - the status headers Vigil writes (X-Spam-*, X-Virus-*,
 * Authentication-Results), which arrive only as forgeries.
 *
 * PURPOSE  One list, read by the verdict (to delete forged copies before
 *	    adding ours) and by the message model (to keep such headers in
 *	    its index even past max_header_count, so that piling up ordinary
 *	    headers cannot push a forgery out of sight).
 * THREADS  Pure function.
 */
#ifndef VG_STATUSHDR_H
#define VG_STATUSHDR_H

#include <stdbool.h>
#include <stddef.h>

/*
 * vg_statushdr_is - every X-Spam-* (SpamAssassin's family, which filters
 * read), X-Virus-Scanned, X-Virus-Status and Authentication-Results; case
 * does not matter.  (An Authentication-Results is a forgery only when it
 * carries our authserv-id; the verdict checks that.)
 */
bool vg_statushdr_is(const char *name);
/*
 * vg_statushdr_is_n - vg_statushdr_is() of the len bytes at name, which
 * need not be NUL-terminated; any length (an X-Spam-* name may be long).
 */
bool vg_statushdr_is_n(const char *name, size_t len);

#endif /* VG_STATUSHDR_H */
