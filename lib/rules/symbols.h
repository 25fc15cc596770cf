/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * symbols - the names of the symbols built-in checks produce.
 *
 * PURPOSE  The rules file scores built-in checks (SPF_FAIL, ...) and meta
 *	    rules combine them with rules, so the rules parser must know
 *	    which names exist without a rule defining them: a meta naming an
 *	    unknown name is an error, a meta naming SPF_FAIL is not.  Each
 *	    check adds its names to the table in symbols.c (one line each),
 *	    with a one-line description that `vigil scan` and vigil.rules(5)
 *	    show.  A dnsbl/uribl directive in the rules file declares a name
 *	    the same way at load time (rules_directives.c).
 * OWNS     The table is static and read-only.
 * THREADS  Pure functions.
 */
#ifndef VG_SYMBOLS_H
#define VG_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>

struct vg_symbol_info {
	const char *name;     /* e.g. "SPF_FAIL" */
	const char *check;    /* the check that adds it, e.g. "spf" */
	const char *describe; /* one line */
};

/* vg_symbols_find - the entry for name (exact case), or NULL */
const struct vg_symbol_info *vg_symbols_find(const char *name);

/* vg_symbols_known - true if a built-in check may add name */
bool vg_symbols_known(const char *name);

/*
 * vg_symbols_listed - name is listed in tests= (X-Spam-Status, the log
 * line) even when scored 0, which hides other symbols: it says how the
 * message was checked (RATELIMIT_UNAVAILABLE: against this process's
 * memory only), not what it is.
 */
bool vg_symbols_listed(const char *name);

/* vg_symbols_all - the whole table; *n_out is set to its length */
const struct vg_symbol_info *vg_symbols_all(size_t *n_out);

#endif /* VG_SYMBOLS_H */
