/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * num - the only number (and yes/no keyword) parsers in lib/.
 *
 * PURPOSE  Numbers from configuration and rules files are parsed here and
 *	    nowhere else (strtonum-style: a range, a whole-string match, no
 *	    silent wrap), so atoi() and friends never appear.
 * ERRORS   Each returns 0, or VG_EINVAL with *out untouched and a static
 *	    reason in *why (when why is not NULL).
 * THREADS  Pure functions.
 */
#ifndef VG_NUM_H
#define VG_NUM_H

#include <stdbool.h>
#include <stdint.h>

/* vg_num_uint - decimal integer in [min, max] */
int vg_num_uint(
    uint64_t *out, const char *s, uint64_t min, uint64_t max, const char **why);

/* vg_num_size - byte count with optional suffix k/K, m/M, g/G (x1024) */
int vg_num_size(
    uint64_t *out, const char *s, uint64_t min, uint64_t max, const char **why);

/* vg_num_duration_ms - "500ms", "30", "30s", "5m", "1h"; bare = seconds */
int vg_num_duration_ms(uint64_t *out, const char *s, uint64_t min_ms,
    uint64_t max_ms, const char **why);

/* vg_num_bool - yes/no, true/false, on/off, 1/0 (any case) */
int vg_num_bool(bool *out, const char *s, const char **why);

/* vg_num_double - finite decimal number in [min, max], e.g. "-1.5" */
int vg_num_double(
    double *out, const char *s, double min, double max, const char **why);

#endif /* VG_NUM_H */
