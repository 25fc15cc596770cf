/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * clock - monotonic time for deadlines and stage timings; wall time for
 *	    what is shared with other processes.
 * THREADS  Reentrant.
 */
#ifndef VG_CLOCK_H
#define VG_CLOCK_H

#include <stdint.h>
#include <time.h>

/* vg_clock_ms - CLOCK_MONOTONIC in milliseconds */
uint64_t vg_clock_ms(void);
/* vg_clock_us - CLOCK_MONOTONIC in microseconds */
uint64_t vg_clock_us(void);
/*
 * vg_clock_wall_ms - CLOCK_REALTIME in milliseconds since the epoch: for
 * times shared between processes and hosts (a database's TTLs).
 */
uint64_t vg_clock_wall_ms(void);
/* vg_clock_deadline - CLOCK_MONOTONIC timespec ms from now (for cond waits) */
struct timespec vg_clock_deadline(uint64_t ms);

#endif /* VG_CLOCK_H */
