/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_snapshot - the classifier snapshot's checks (learn/snapshot.h) on
 * any bytes: vg_snap_check() says why it refuses, and a file it accepts
 * is mapped by vg_snap_open() and looked up (tokens from its own slots
 * and others) without reading outside it or looping.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "learn/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz_snapshot.XXXXXX";
	struct vg_snap *s = NULL;
	const char *why = NULL;
	uint64_t tok[64];
	int64_t v[64];
	bool found[64];
	int fd;

	if (size > (1 << 20))
		return 0;
	if (!vg_snap_check(data, size, &why)) {
		if (why == NULL)
			abort();
		return 0;
	}
	/* Accepted: the same bytes as a file, mapped and read. */
	if ((fd = mkstemp(path)) < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (vg_snap_open(&s, path, NULL) != 0)
		abort(); /* the same checks passed on the same bytes */
	for (size_t i = 0; i < 64; i++) {
		tok[i] = i * 0x9e3779b97f4a7c15ULL;
		if (128 + 16 * i + 8 <= size)
			memcpy(&tok[i], data + 128 + 16 * i, 8);
	}
	vg_snap_get_many(s, tok, 64, (uint64_t)size, v, found);
	for (size_t i = 0; i < 64; i++)
		if (!found[i] && v[i] != 0)
			abort();
	vg_snap_unref(s);
	unlink(path);
	return 0;
}
