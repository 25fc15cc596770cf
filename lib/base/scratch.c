/* SPDX-License-Identifier: GPL-2.0-only */
/* scratch - per-thread reusable buffers (scratch.h) */
#include <pthread.h>
#include <stdbool.h>

#include "base/alloc.h"
#include "base/scratch.h"

struct slots {
	void *p[VG_SCRATCH_NSLOTS];
	size_t cap[VG_SCRATCH_NSLOTS];
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static bool scratch_ok;

/* scratch_free - a thread's buffers, at its exit */
static void
scratch_free(void *arg)
{
	struct slots *s = arg;

	for (size_t i = 0; i < VG_SCRATCH_NSLOTS; i++)
		vg_free(s->p[i]);
	vg_free(s);
}

/* scratch_init - the key, once */
static void
scratch_init(void)
{
	scratch_ok = pthread_key_create(&scratch_key, scratch_free) == 0;
}

/* mine - this thread's slots, made at first use; NULL: none to be had */
static struct slots *
mine(void)
{
	struct slots *s;

	if (pthread_once(&scratch_once, scratch_init) != 0 || !scratch_ok)
		return NULL;
	if ((s = pthread_getspecific(scratch_key)) != NULL)
		return s;
	if ((s = vg_calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (pthread_setspecific(scratch_key, s) != 0) {
		vg_free(s);
		return NULL;
	}
	return s;
}

/* vg_scratch_get - the slot's buffer when large enough, else a new one */
void *
vg_scratch_get(enum vg_scratch_slot slot, size_t size, size_t *cap_out)
{
	struct slots *s = mine();
	void *p;

	if (size == 0)
		size = 1;
	if (s != NULL && s->p[slot] != NULL && s->cap[slot] >= size) {
		p = s->p[slot];
		*cap_out = s->cap[slot];
		s->p[slot] = NULL; /* lent */
		s->cap[slot] = 0;
		return p;
	}
	*cap_out = size;
	return vg_malloc(size);
}

/* vg_scratch_put - keep the larger buffer, free the other */
void
vg_scratch_put(enum vg_scratch_slot slot, void *p, size_t cap)
{
	struct slots *s;

	if (p == NULL)
		return;
	if (cap > VG_SCRATCH_KEEP_MAX || (s = mine()) == NULL) {
		vg_free(p);
		return;
	}
	if (s->p[slot] != NULL && s->cap[slot] >= cap) {
		vg_free(p);
		return;
	}
	vg_free(s->p[slot]);
	s->p[slot] = p;
	s->cap[slot] = cap;
}
