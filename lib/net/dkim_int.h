/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dkim_int - what the DKIM files share and nobody else needs: the
 * tag-list scanner (RFC 6376 3.2) and the canonicalisation sink.
 */
#ifndef VG_DKIM_INT_H
#define VG_DKIM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/dkim.h"

/* One tag of a tag-list: name and value trimmed of FWS, in the input. */
struct vg_dkim_tag {
	const char *name;
	size_t nlen;
	const char *val;
	size_t vlen;
	size_t vstart, vend; /* offsets of everything between '=' and ';' */
};

/*
 * vg_dkim_tag_next - the tag at *pos in s[0..len), advancing *pos: 1 for
 * a tag, 0 at the end, -1 on a syntax error
 */
int vg_dkim_tag_next(
    const char *s, size_t len, size_t *pos, struct vg_dkim_tag *t);

/*
 * Where canonical bytes go.  write() gets at most limit bytes in all (no
 * limit when has_limit is false); total counts every byte produced.
 * Production stops (done set) once total passes stop_after.
 */
struct vg_dkim_sink {
	int (*write)(void *ctx, const void *p, size_t n);
	void *ctx;
	bool has_limit;
	uint64_t limit;
	uint64_t stop_after;
	uint64_t total;
	bool done;
};

/* vg_dkim_sink_body - canonicalise body into s; VG_E* from write */
int vg_dkim_sink_body(struct vg_dkim_sink *s, const unsigned char *body,
    size_t len, enum vg_dkim_canon c);
/* vg_dkim_sink_header - canonicalise one field into s, ending in CRLF */
int vg_dkim_sink_header(struct vg_dkim_sink *s, const unsigned char *field,
    size_t len, enum vg_dkim_canon c);

#endif /* VG_DKIM_INT_H */
