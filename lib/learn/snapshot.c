/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * snapshot - the classifier's token counts as a mapped hash table
 * (snapshot.h): building one from the store, checking and reading one.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "learn/snapshot.h"
#include "store/store.h"

#define SNAP_MAGIC    "vgbsnap"
#define SNAP_MIN_SLOT 16
#define SNAP_PREFETCH 12 /* look-ups prefetched ahead */

/* The header, 128 bytes. */
struct snap_hdr {
	char magic[8];
	uint32_t version;
	uint32_t hdr_len;
	int64_t gen, created, nspam, nham;
	uint64_t nslots, nentries;
	uint64_t built_ms;
	uint64_t has_zero; /* the token 0 is in the store: */
	int64_t zero_value;
	uint64_t zero_expires;
	uint64_t data_sum;    /* snap_sum of the slots and the expiries */
	uint64_t min_expires; /* the earliest nonzero expiry; 0: none */
	uint64_t pad;
	uint64_t hdr_sum; /* snap_sum of the bytes above */
};

/* 16 bytes: four a cache line, none straddling two. */
struct snap_slot {
	uint64_t tok; /* 0: empty */
	int64_t value;
};

struct vg_snap {
	atomic_uint refs;
	void *map;
	size_t len;
	const struct snap_hdr *h;
	const struct snap_slot *slots;
	const uint64_t *expires; /* slot i's expiry: expires[i], 0 none */
	uint64_t mask;
};

_Static_assert(sizeof(struct snap_hdr) == 128, "snapshot header size");
_Static_assert(sizeof(struct snap_slot) == 16, "snapshot slot size");
/* A slot and its expiry: the bytes of the table per slot. */
#define SNAP_SLOT_BYTES (sizeof(struct snap_slot) + sizeof(uint64_t))

/* snap_sum - a 64-bit checksum of n words (not cryptographic) */
static uint64_t
snap_sum(const void *p, size_t nwords)
{
	const unsigned char *b = p;
	uint64_t h = 0x736e617073686f74ULL, w;

	for (size_t i = 0; i < nwords; i++) {
		memcpy(&w, b + 8 * i, 8);
		h ^= w;
		h = (h << 27 | h >> 37) * 0x9e3779b97f4a7c15ULL;
	}
	return h ^ (h >> 31);
}

/* snap_slot_of - where the probe for tok starts (splitmix64's finaliser) */
static inline uint64_t
snap_slot_of(uint64_t tok, uint64_t mask)
{
	tok ^= tok >> 30;
	tok *= 0xbf58476d1ce4e5b9ULL;
	tok ^= tok >> 27;
	tok *= 0x94d049bb133111ebULL;
	tok ^= tok >> 31;
	return tok & mask;
}

/* One token as the scan found it. */
struct build_ent {
	uint64_t tok;
	int64_t value;
	uint64_t expires;
};

struct build {
	struct build_ent *ent;
	size_t n, cap, max;
	struct vg_snap_id id;
	bool has_zero;
	struct build_ent zero;
	const atomic_bool *stop;
};

/* build_key - one scanned key: a token's counts, or a counter we note */
static int
build_key(
    void *arg, const void *key, size_t len, int64_t value, uint64_t expires_ms)
{
	struct build *b = arg;
	const unsigned char *k = key;
	struct build_ent e = {0, value, expires_ms};

	if (len == 3 && memcmp(k, "Bns", 3) == 0)
		b->id.nspam = value;
	else if (len == 3 && memcmp(k, "Bnh", 3) == 0)
		b->id.nham = value;
	else if (len == 2 && memcmp(k, "Bg", 2) == 0)
		b->id.gen = value;
	else if (len == 2 && memcmp(k, "Bc", 2) == 0)
		b->id.created = value;
	if (len != 10 || k[0] != 'B' || k[1] != 't')
		return 0;
	for (int i = 0; i < 8; i++)
		e.tok = e.tok << 8 | k[2 + i];
	if (e.tok == 0) {
		b->has_zero = true;
		b->zero = e;
		return 0;
	}
	if ((b->n & 0xffff) == 0 && b->stop != NULL && atomic_load(b->stop))
		return VG_ETEMP;
	if (b->n >= b->max)
		return VG_ELIMIT;
	if (b->n == b->cap) {
		size_t cap = b->cap == 0 ? 65536 : b->cap * 2;
		struct build_ent *p = vg_reallocarray(b->ent, cap, sizeof(*p));

		if (p == NULL)
			return VG_ENOMEM;
		b->ent = p;
		b->cap = cap;
	}
	b->ent[b->n++] = e;
	return 0;
}

/* write_all - len bytes to fd; 0 or errno */
static int
write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Builds begun in this process: two at once write to two files. */
static atomic_uint snap_builds;

/* vg_snap_build - scan the store, fill a table, write it, rename it */
int
vg_snap_build(struct vg_store *store, const char *path, size_t max_entries,
    const atomic_bool *stop, struct vg_snap_id *id_out)
{
	struct build b = {.max = max_entries, .stop = stop};
	struct snap_hdr h;
	struct snap_slot *slots = NULL;
	uint64_t *expires = NULL;
	uint64_t nslots = SNAP_MIN_SLOT, mask, min_exp = 0, sum;
	char tmp[4096];
	int rc, fd = -1, err;

	if (id_out != NULL)
		memset(id_out, 0, sizeof(*id_out));
	if (b.max == 0 || b.max > VG_SNAP_MAX_ENTRIES)
		b.max = VG_SNAP_MAX_ENTRIES;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.%u", path,
	        (long)getpid(),
	        atomic_fetch_add(&snap_builds, 1)) >= sizeof(tmp))
		return VG_ELIMIT;
	rc = vg_store_scan(store, vg_store_key_str("B"), build_key, &b);
	if (rc != 0)
		goto out;
	/* At most 3/4 full: a probe always meets an empty slot. */
	while (nslots / 4 * 3 < b.n)
		nslots *= 2;
	mask = nslots - 1;
	rc = VG_ENOMEM;
	/* The slots, then their expiries: one block, as in the file. */
	if ((slots = vg_calloc(nslots, SNAP_SLOT_BYTES)) == NULL)
		goto out;
	expires = (uint64_t *)(slots + nslots);
	for (size_t i = 0; i < b.n; i++) {
		uint64_t j = snap_slot_of(b.ent[i].tok, mask);
		uint64_t e = b.ent[i].expires;

		while (slots[j].tok != 0 && slots[j].tok != b.ent[i].tok)
			j = (j + 1) & mask;
		slots[j] = (struct snap_slot){b.ent[i].tok, b.ent[i].value};
		expires[j] = e;
		if (e != 0 && (min_exp == 0 || e < min_exp))
			min_exp = e;
	}
	if (b.has_zero && b.zero.expires != 0 &&
	    (min_exp == 0 || b.zero.expires < min_exp))
		min_exp = b.zero.expires;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, SNAP_MAGIC, sizeof(h.magic));
	h.version = VG_SNAP_VERSION;
	h.hdr_len = sizeof(h);
	h.gen = b.id.gen;
	h.created = b.id.created;
	h.nspam = b.id.nspam;
	h.nham = b.id.nham;
	h.nslots = nslots;
	h.nentries = b.n;
	h.built_ms = vg_clock_wall_ms();
	h.has_zero = b.has_zero;
	h.zero_value = b.zero.value;
	h.zero_expires = b.zero.expires;
	sum = nslots * SNAP_SLOT_BYTES / 8;
	h.data_sum = snap_sum(slots, sum);
	h.min_expires = min_exp;
	h.hdr_sum = snap_sum(&h, offsetof(struct snap_hdr, hdr_sum) / 8);
	rc = VG_EIO;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) <
	    0) {
		vg_error("classifier snapshot %s: %s", tmp, strerror(errno));
		goto out;
	}
	if ((err = write_all(fd, &h, sizeof(h))) != 0 ||
	    (err = write_all(fd, slots, nslots * SNAP_SLOT_BYTES)) != 0 ||
	    (close(fd) != 0 && (err = errno) != 0)) {
		fd = -1;
		vg_error("classifier snapshot %s: %s", tmp, strerror(err));
		(void)unlink(tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		vg_error("classifier snapshot %s: %s", path, strerror(errno));
		(void)unlink(tmp);
		goto out;
	}
	if (id_out != NULL)
		*id_out = b.id;
	rc = 0;
out:
	if (fd >= 0) {
		(void)close(fd);
		(void)unlink(tmp);
	}
	vg_free(slots);
	vg_free(b.ent);
	return rc;
}

/* vg_snap_check - the checks vg_snap_open makes, on a buffer */
bool
vg_snap_check(const void *buf, size_t len, const char **why)
{
	const char *dummy;
	struct snap_hdr h;
	const unsigned char *p = buf;
	uint64_t used = 0, tok, exp, min_exp = 0;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (len < sizeof(h)) {
		*why = "shorter than its header";
		return false;
	}
	memcpy(&h, p, sizeof(h));
	if (memcmp(h.magic, SNAP_MAGIC, sizeof(h.magic)) != 0) {
		*why = "not a snapshot (bad magic)";
		return false;
	}
	if (h.version < VG_SNAP_VERSION) {
		*why = "an older format than this build's "
		       "(version " VG_SNAP_VERSION_STR
		       "): the database is read until "
		       "it is rebuilt";
		return false;
	}
	if (h.version != VG_SNAP_VERSION || h.hdr_len != sizeof(h)) {
		*why = "a newer format than this build's "
		       "(version " VG_SNAP_VERSION_STR ")";
		return false;
	}
	if (snap_sum(&h, offsetof(struct snap_hdr, hdr_sum) / 8) != h.hdr_sum) {
		*why = "header checksum mismatch";
		return false;
	}
	if (h.nslots < SNAP_MIN_SLOT || (h.nslots & (h.nslots - 1)) != 0 ||
	    h.nslots > 2 * (uint64_t)VG_SNAP_MAX_ENTRIES ||
	    h.nentries > h.nslots / 4 * 3) {
		*why = "bad table size";
		return false;
	}
	if ((uint64_t)len - sizeof(h) != h.nslots * SNAP_SLOT_BYTES) {
		*why = "size does not match its table (truncated?)";
		return false;
	}
	if (snap_sum(p + sizeof(h), h.nslots * SNAP_SLOT_BYTES / 8) !=
	    h.data_sum) {
		*why = "table checksum mismatch";
		return false;
	}
	for (uint64_t i = 0; i < h.nslots; i++) {
		memcpy(&tok, p + sizeof(h) + i * sizeof(struct snap_slot), 8);
		used += tok != 0;
		memcpy(&exp,
		    p + sizeof(h) + h.nslots * sizeof(struct snap_slot) + i * 8,
		    8);
		if (exp != 0 && (min_exp == 0 || exp < min_exp))
			min_exp = exp;
	}
	if (used != h.nentries) {
		*why = "entry count mismatch";
		return false;
	}
	/* The look-ups skip the expiries before it: it must be right. */
	if (h.has_zero && h.zero_expires != 0 &&
	    (min_exp == 0 || h.zero_expires < min_exp))
		min_exp = h.zero_expires;
	if (min_exp != h.min_expires) {
		*why = "earliest expiry mismatch";
		return false;
	}
	return true;
}

/* vg_snap_open - map path and check it */
int
vg_snap_open(struct vg_snap **out, const char *path, bool *missing)
{
	struct vg_snap *s;
	struct stat sb;
	const char *why;
	void *map;
	int fd;

	*out = NULL;
	if (missing != NULL)
		*missing = false;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT && missing != NULL)
			*missing = true;
		else
			vg_warn("classifier snapshot %s: not used: %s", path,
			    strerror(errno));
		return VG_EIO;
	}
	if (fstat(fd, &sb) != 0 ||
	    sb.st_size < (off_t)sizeof(struct snap_hdr)) {
		vg_warn("classifier snapshot %s: not used: %s", path,
		    "shorter than its header");
		(void)close(fd);
		return VG_EIO;
	}
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	(void)close(fd);
	if (map == MAP_FAILED) {
		vg_warn("classifier snapshot %s: not used: mmap: %s", path,
		    strerror(errno));
		return VG_EIO;
	}
	if (!vg_snap_check(map, (size_t)sb.st_size, &why)) {
		vg_warn("classifier snapshot %s: not used: %s", path, why);
		(void)munmap(map, (size_t)sb.st_size);
		return VG_EIO;
	}
	if ((s = vg_calloc(1, sizeof(*s))) == NULL) {
		(void)munmap(map, (size_t)sb.st_size);
		return VG_ENOMEM;
	}
	atomic_init(&s->refs, 1);
	s->map = map;
	s->len = (size_t)sb.st_size;
	s->h = map;
	/* Page-aligned map, 128-byte header: the slots are aligned. */
	s->slots = (const void *)((const unsigned char *)map +
	    sizeof(struct snap_hdr));
	s->expires = (const uint64_t *)(s->slots + s->h->nslots);
	s->mask = s->h->nslots - 1;
	*out = s;
	return 0;
}

/* vg_snap_ref - one more reference */
struct vg_snap *
vg_snap_ref(struct vg_snap *s)
{
	atomic_fetch_add(&s->refs, 1);
	return s;
}

/* vg_snap_unref - drop one; the last unmaps */
void
vg_snap_unref(struct vg_snap *s)
{
	if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	(void)munmap(s->map, s->len);
	vg_free(s);
}

/* vg_snap_id - the state s copies */
void
vg_snap_id(const struct vg_snap *s, struct vg_snap_id *out)
{
	out->gen = s->h->gen;
	out->created = s->h->created;
	out->nspam = s->h->nspam;
	out->nham = s->h->nham;
}

/* vg_snap_entries - tokens in s */
size_t
vg_snap_entries(const struct vg_snap *s)
{
	return (size_t)s->h->nentries + (s->h->has_zero ? 1 : 0);
}

/*
 * vg_snap_get_many - look tok[0..n) up, prefetching ahead.  The expiries
 * are read only once now has reached the earliest of them: before, none
 * has passed (the same answers, without their cache misses).
 */
void
vg_snap_get_many(const struct vg_snap *s, const uint64_t *tok, size_t n,
    uint64_t now, int64_t *values, bool *found)
{
	const struct snap_slot *slots = s->slots;
	const uint64_t *expires = s->expires;
	uint64_t mask = s->mask;
	bool check = s->h->min_expires != 0 && now >= s->h->min_expires;

	for (size_t i = 0; i < n && i < SNAP_PREFETCH; i++)
		__builtin_prefetch(&slots[snap_slot_of(tok[i], mask)]);
	for (size_t i = 0; i < n; i++) {
		uint64_t t = tok[i], j, exp = 0;
		int64_t v = 0;
		bool hit = false;

		if (i + SNAP_PREFETCH < n)
			__builtin_prefetch(
			    &slots[snap_slot_of(tok[i + SNAP_PREFETCH], mask)]);
		if (t == 0) {
			hit = s->h->has_zero != 0;
			v = s->h->zero_value;
			exp = s->h->zero_expires;
		} else {
			j = snap_slot_of(t, mask);
			/* At most nslots probes; the table has empty slots. */
			for (uint64_t k = 0; k <= mask; k++) {
				if (slots[j].tok == t) {
					hit = true;
					v = slots[j].value;
					exp = check ? expires[j] : 0;
					break;
				}
				if (slots[j].tok == 0)
					break;
				j = (j + 1) & mask;
			}
		}
		found[i] = hit && !(check && exp != 0 && exp <= now);
		values[i] = found[i] ? v : 0;
	}
}
