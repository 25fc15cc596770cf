/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scratch - per-thread buffers reused from one message to the next.
 *
 * PURPOSE  The classifier's per-message arrays (the tokenizer's log of values,
 *	    the counts of a message's tokens) are 50 to 300 KB: allocated
 *	    and freed per message, glibc hands them back to the kernel and
 *	    takes them again (brk/munmap, a TLB flush each: 10-17 % of a
 *	    classification, bench/README "The classifier's cost").  A
 *	    thread keeps one buffer per slot instead.
 * OWNS     vg_scratch_get() lends a buffer of at least size bytes (its
 *	    contents undefined): the slot's own, or a new one when that is
 *	    too small.  vg_scratch_put() gives it back: the slot keeps the
 *	    larger of the two (up to VG_SCRATCH_KEEP_MAX; larger ones are
 *	    freed).  Each slot lends one buffer at a time per thread.  A
 *	    thread's buffers are freed when it exits.
 * LIMITS   VG_SCRATCH_KEEP_MAX bytes kept per slot and thread.
 * ERRORS   vg_scratch_get(): NULL when memory ran out.
 * THREADS  Per thread; no locks.
 */
#ifndef VG_SCRATCH_H
#define VG_SCRATCH_H

#include <stddef.h>

#define VG_SCRATCH_KEEP_MAX ((size_t)4 << 20)

enum vg_scratch_slot {
	VG_SCRATCH_TOKSET, /* learn/tokenize.c: the log of token values */
	VG_SCRATCH_COUNTS, /* learn/bayes.c: counts and f(w) of a message */
	VG_SCRATCH_DEDUP, /* learn/tokenize.c: the hash table of unique values */
	VG_SCRATCH_NSLOTS
};

/* vg_scratch_get - a buffer of at least size bytes; *cap_out its size */
void *vg_scratch_get(enum vg_scratch_slot slot, size_t size, size_t *cap_out);
/* vg_scratch_put - give back p (cap bytes), from vg_scratch_get or not */
void vg_scratch_put(enum vg_scratch_slot slot, void *p, size_t cap);

#endif /* VG_SCRATCH_H */
