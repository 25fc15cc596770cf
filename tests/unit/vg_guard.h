/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vg_guard - parser inputs placed against a PROT_NONE guard page.
 *
 * PURPOSE  A parser test copies its input so that the last byte sits just
 *	    before an inaccessible page (picohttpparser's test.c): a read one
 *	    byte past the length it was given faults and fails the test,
 *	    even without ASan.
 * OWNS     vg_guard() maps pages the caller releases with vg_unguard().
 */
#ifndef VG_TEST_GUARD_H
#define VG_TEST_GUARD_H

#include <check.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct vg_guarded {
	void *map;
	size_t maplen;
	const char *p; /* the copy: len bytes ending at the guard page */
};

/* vg_guard - copy len bytes of s to end right before a guard page */
static inline void
vg_guard(struct vg_guarded *g, const void *s, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t data = (len + page - 1) / page * page;
	char *p;

	if (data == 0)
		data = page;
	g->maplen = data + page;
	g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(g->map, MAP_FAILED);
	ck_assert_int_eq(mprotect((char *)g->map + data, page, PROT_NONE), 0);
	p = (char *)g->map + data - len;
	if (len > 0)
		memcpy(p, s, len);
	g->p = p;
}

/* vg_unguard - release a guarded copy */
static inline void
vg_unguard(struct vg_guarded *g)
{
	munmap(g->map, g->maplen);
}

#endif /* VG_TEST_GUARD_H */
