/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * alloc - the library's allocator, with a failure hook for tests.
 *
 * PURPOSE  Every allocation in lib/ goes through these wrappers so that the
 *	    unit tests can fail the N-th allocation (curl's torture tests) and
 *	    prove that each path returns VG_ENOMEM cleanly instead of
 *	    crashing or leaking.  Memory they return is released with
 *	    vg_free() (which is free()).
 * THREADS  The wrappers are thread-safe.  The failure hook is a process
 *	    global meant for single-threaded tests.
 */
#ifndef VG_ALLOC_H
#define VG_ALLOC_H

#include <stddef.h>

/* vg_malloc - malloc(); NULL on failure (or when the test hook says so) */
void *vg_malloc(size_t size);
/* vg_calloc - zeroed array; NULL on overflow of n * size or on failure */
void *vg_calloc(size_t n, size_t size);
/* vg_realloc - realloc(); on failure the old block is untouched */
void *vg_realloc(void *ptr, size_t size);
/* vg_reallocarray - realloc() of n * size with an overflow check */
void *vg_reallocarray(void *ptr, size_t n, size_t size);
/* vg_strdup - copy of a C string, caller frees */
char *vg_strdup(const char *s);
/* vg_strndup - copy of at most n bytes plus NUL, caller frees */
char *vg_strndup(const char *s, size_t n);
/* vg_free - free(); NULL is a no-op */
void vg_free(void *ptr);

/*
 * vg_alloc_fail_at - test hook: the n-th allocation from now fails (1 is the
 * next one); 0 switches failures off.  vg_alloc_count() says how many
 * allocations were made since the last call to vg_alloc_fail_at().
 */
void vg_alloc_fail_at(unsigned long n);
unsigned long vg_alloc_count(void);

#endif /* VG_ALLOC_H */
