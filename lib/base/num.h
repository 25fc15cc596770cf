/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * parse - the only number and keyword parsers in lib/.
 *
 * PURPOSE  Numbers from configuration and rules files are parsed here and
 *	    nowhere else (strtonum-style: a range, a whole-string match, no
 *	    silent wrap), so atoi() and friends never appear.
 * ERRORS   Each returns 0, or VG_EINVAL with *out untouched and a static
 *	    reason in *why (when why is not NULL).
 * THREADS  Pure functions.
 */
#ifndef VG_PARSE_H
#define VG_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* vg_parse_uint - decimal integer in [min, max] */
int vg_parse_uint(
    uint64_t *out, const char *s, uint64_t min, uint64_t max, const char **why);

/* vg_parse_size - byte count with optional suffix k/K, m/M, g/G (x1024) */
int vg_parse_size(
    uint64_t *out, const char *s, uint64_t min, uint64_t max, const char **why);

/* vg_parse_duration_ms - "500ms", "30", "30s", "5m", "1h"; bare = seconds */
int vg_parse_duration_ms(uint64_t *out, const char *s, uint64_t min_ms,
    uint64_t max_ms, const char **why);

/* vg_parse_bool - yes/no, true/false, on/off, 1/0 (any case) */
int vg_parse_bool(bool *out, const char *s, const char **why);

/* vg_parse_double - finite decimal number in [min, max], e.g. "-1.5" */
int vg_parse_double(
    double *out, const char *s, double min, double max, const char **why);

#endif /* VG_PARSE_H */
