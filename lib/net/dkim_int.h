/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dkim_int - what the DKIM files share with each other and with ARC
 * (arc.c, RFC 8617, whose ARC-Message-Signature and ARC-Seal are DKIM
 * signatures with other tags): the tag-list scanner (RFC 6376 3.2), the
 * canonicalisation sink, the header-field index and one signature's
 * verification in its two steps (hash, then key).
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

/* What a signature header is: the tag rules its parser applies. */
enum vg_dkim_kind {
	VG_DKIM_KIND_DKIM, /* DKIM-Signature (RFC 6376 3.5) */
	VG_DKIM_KIND_AMS,  /* ARC-Message-Signature (RFC 8617 4.1.2) */
	VG_DKIM_KIND_AS,   /* ARC-Seal (RFC 8617 4.1.3) */
};

/*
 * vg_dkim_sig_parse_kind - vg_dkim_sig_parse() for a header of kind.  An
 * AMS has no v= and an i= that is its instance (sig.instance); an AS has
 * i=, cv= (sig.cv), no h= and no bh=, and is always relaxed.
 */
int vg_dkim_sig_parse_kind(struct vg_dkim_sig *out, enum vg_dkim_kind kind,
    const char *value, size_t len, char *why, size_t why_size);

/* One header field in the raw block: [off, off+len) without line end. */
struct vg_dkim_field {
	size_t off, len;
	size_t nlen; /* the name, without trailing WSP */
};

/*
 * vg_dkim_index_fields - the header fields of raw[0..hlen) (hlen: where
 * the empty line or the end is) into *out (the caller frees it with
 * vg_free), at most max; *over when there were more.  VG_ENOMEM.
 */
int vg_dkim_index_fields(struct vg_dkim_field **out, size_t *n_out, bool *over,
    const unsigned char *raw, size_t hlen, size_t max);
/* vg_dkim_field_is - field f of raw is named n[0..len), without case */
bool vg_dkim_field_is(const unsigned char *raw, const struct vg_dkim_field *f,
    const char *n, size_t len);

/* One signature being verified. */
struct vg_dkim_entry {
	struct vg_dkim_sig sig;
	bool pending; /* waiting for its key */
	char keyname[VG_DKIM_NAME_MAX + 1];
	unsigned char hdigest[32];
	struct vg_dkim_outcome out;
};

/* One body hash, shared by the signatures without l= of one canon. */
struct vg_dkim_body_hash {
	bool done;
	int rc;       /* VG_E* from hashing */
	bool too_big; /* passed max_body_size */
	uint64_t total;
	unsigned char digest[32];
};

/*
 * vg_dkim_entry_prepare - parse the signature of kind in field self of
 * the indexed header f[0..nf) of raw, check its body hash against
 * body[0..blen) (cache: one hash per canonicalisation, zeroed by the
 * caller, shared by every signature of the message) and hash its header
 * fields: those of h=, or, when pick is not NULL (an ARC-Seal), the
 * npick fields it names in that order.  over: the header had more
 * fields than lim->max_fields (permerror).  Leaves e pending for its
 * key, or final.  VG_ENOMEM, VG_EINTERNAL.
 */
int vg_dkim_entry_prepare(struct vg_dkim_entry *e, enum vg_dkim_kind kind,
    const unsigned char *raw, const struct vg_dkim_field *f, size_t nf,
    size_t self, const size_t *pick, size_t npick, bool over,
    struct vg_dkim_body_hash cache[2], const unsigned char *body, size_t blen,
    const struct vg_dkim_limits *lim, uint64_t now);
/* vg_dkim_entry_key - finish a pending e with its key record */
int vg_dkim_entry_key(struct vg_dkim_entry *e, const char *txt, size_t len);
/* vg_dkim_entry_missing - finish a pending e without a key */
void vg_dkim_entry_missing(
    struct vg_dkim_entry *e, bool temporary, const char *why);

#endif /* VG_DKIM_INT_H */
