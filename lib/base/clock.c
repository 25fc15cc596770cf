/* SPDX-License-Identifier: GPL-2.0-only */
/* clock - monotonic time for deadlines and stage timings */
#include "base/clock.h"

/* vg_clock_us - CLOCK_MONOTONIC in microseconds */
uint64_t
vg_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* vg_clock_ms - CLOCK_MONOTONIC in milliseconds */
uint64_t
vg_clock_ms(void)
{
	return vg_clock_us() / 1000u;
}

/* vg_clock_wall_ms - CLOCK_REALTIME in milliseconds */
uint64_t
vg_clock_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* vg_clock_deadline - absolute CLOCK_MONOTONIC time ms from now */
struct timespec
vg_clock_deadline(uint64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000u);
	ts.tv_nsec += (long)(ms % 1000u) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}
