/* SPDX-License-Identifier: GPL-2.0-only */
/* num - number and yes/no keyword parsers with ranges (strtonum-style) */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/compiler.h"
#include "base/err.h"
#include "base/num.h"

/* digits - parse a run of decimal digits; *end points past them */
static int
digits(uint64_t *out, const char *s, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	while (*p >= '0' && *p <= '9') {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			return VG_ELIMIT;
		p++;
	}
	if (p == s)
		return VG_EINVAL;
	*end = p;
	*out = v;
	return 0;
}

struct unit {
	const char *suffix;
	uint64_t mult;
};

/* scaled - digits times a suffix multiplier, range-checked */
static int
scaled(uint64_t *out, const char *s, const struct unit *units, size_t nunits,
    uint64_t min, uint64_t max, const char **why)
{
	const char *end;
	uint64_t v, mult = 0;
	int rc;

	if ((rc = digits(&v, s, &end)) != 0) {
		if (why != NULL)
			*why = rc == VG_ELIMIT ? "number too large"
			                       : "not a number";
		return VG_EINVAL;
	}
	for (size_t i = 0; i < nunits; i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			mult = units[i].mult;
			break;
		}
	}
	if (mult == 0) {
		if (why != NULL)
			*why = "unknown unit";
		return VG_EINVAL;
	}
	if (__builtin_mul_overflow(v, mult, &v)) {
		if (why != NULL)
			*why = "number too large";
		return VG_EINVAL;
	}
	if (v < min || v > max) {
		if (why != NULL)
			*why = "out of range";
		return VG_EINVAL;
	}
	*out = v;
	return 0;
}

#define UNIT(s, m)                                                             \
	{                                                                      \
		s, m                                                           \
	}

/* vg_num_uint - decimal integer in [min, max] */
int
vg_num_uint(
    uint64_t *out, const char *s, uint64_t min, uint64_t max, const char **why)
{
	static const struct unit units[] = {UNIT("", 1)};

	return scaled(out, s, units, VG_NELEM(units), min, max, why);
}

/* vg_num_size - byte count with an optional k, m or g suffix */
int
vg_num_size(
    uint64_t *out, const char *s, uint64_t min, uint64_t max, const char **why)
{
	static const struct unit units[] = {UNIT("", 1), UNIT("k", 1024),
	    UNIT("K", 1024), UNIT("m", 1024 * 1024), UNIT("M", 1024 * 1024),
	    UNIT("g", 1024ull * 1024 * 1024), UNIT("G", 1024ull * 1024 * 1024)};

	return scaled(out, s, units, VG_NELEM(units), min, max, why);
}

/* vg_num_duration_ms - "500ms", "30", "30s", "5m", "1h", "1d" */
int
vg_num_duration_ms(uint64_t *out, const char *s, uint64_t min_ms,
    uint64_t max_ms, const char **why)
{
	static const struct unit units[] = {UNIT("", 1000), UNIT("ms", 1),
	    UNIT("s", 1000), UNIT("m", 60000), UNIT("h", 3600000),
	    UNIT("d", 86400000)};

	return scaled(out, s, units, VG_NELEM(units), min_ms, max_ms, why);
}

/* vg_num_bool - yes/no and friends */
int
vg_num_bool(bool *out, const char *s, const char **why)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	if (why != NULL)
		*why = "not yes or no";
	return VG_EINVAL;
}

/* vg_num_double - finite decimal number in [min, max] */
int
vg_num_double(
    double *out, const char *s, double min, double max, const char **why)
{
	char *end;
	double v;
	const char *p = s;

	/* Plain decimal only: no hex floats, inf, nan or exponents. */
	if (*p == '-' || *p == '+')
		p++;
	if (*p == '\0')
		goto bad;
	for (; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			goto bad;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || end == s || !isfinite(v))
		goto bad;
	if (v < min || v > max) {
		if (why != NULL)
			*why = "out of range";
		return VG_EINVAL;
	}
	*out = v;
	return 0;
bad:
	if (why != NULL)
		*why = "not a number";
	return VG_EINVAL;
}
