/* SPDX-License-Identifier: GPL-2.0-only */
/* alloc - the library's allocator, with a failure hook for tests */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/compiler.h"

/*
 * The hook is two relaxed atomics: fail_at == 0 means "never fail".  It is
 * meant for single-threaded tests; with threads, which allocation fails is
 * unspecified but the program stays correct.
 */
static atomic_ulong fail_at;
static atomic_ulong count;

/* should_fail - count one allocation and say whether the hook fails it */
static int
should_fail(void)
{
	unsigned long n =
	    atomic_fetch_add_explicit(&count, 1, memory_order_relaxed) + 1;
	unsigned long at = atomic_load_explicit(&fail_at, memory_order_relaxed);

	return at != 0 && n >= at;
}

/* vg_alloc_fail_at - make the n-th allocation from now (and later) fail */
void
vg_alloc_fail_at(unsigned long n)
{
	atomic_store(&count, 0);
	atomic_store(&fail_at, n);
}

/* vg_alloc_count - allocations since the last vg_alloc_fail_at() */
unsigned long
vg_alloc_count(void)
{
	return atomic_load(&count);
}

/* vg_malloc - malloc() through the hook */
void *
vg_malloc(size_t size)
{
	if (should_fail())
		return NULL;
	return malloc(size == 0 ? 1 : size);
}

/* vg_calloc - zeroed array with an overflow check */
void *
vg_calloc(size_t n, size_t size)
{
	size_t total;

	if (!vg_size_mul(&total, n, size) || should_fail())
		return NULL;
	return calloc(1, total == 0 ? 1 : total);
}

/* vg_realloc - realloc(); the old block survives a failure */
void *
vg_realloc(void *ptr, size_t size)
{
	if (should_fail())
		return NULL;
	return realloc(ptr, size == 0 ? 1 : size);
}

/* vg_reallocarray - realloc() of n * size with an overflow check */
void *
vg_reallocarray(void *ptr, size_t n, size_t size)
{
	size_t total;

	if (!vg_size_mul(&total, n, size))
		return NULL;
	return vg_realloc(ptr, total);
}

/* vg_strdup - copy of a C string */
char *
vg_strdup(const char *s)
{
	return vg_strndup(s, strlen(s));
}

/* vg_strndup - copy of at most n bytes of s, NUL-terminated */
char *
vg_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n), total;
	char *p;

	if (!vg_size_add(&total, len, 1) || (p = vg_malloc(total)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* vg_free - free(); NULL is a no-op */
void
vg_free(void *ptr)
{
	free(ptr);
}
