/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_msg - vg_msg_from_bytes() on any input: no crash, no read past the
 * end, and the model's invariants hold (raw bytes are the input after an
 * mbox From line, the body offset lies inside them, the index respects
 * its limits).  A first byte below 0x10 is not part of the message: its
 * bits pick small limits so that spilling, the size cap and the header
 * limits are all reached.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "message/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_msg_limits lim = {
	    .max_size = 1024 * 1024,
	    .memory_limit = 64 * 1024,
	    .max_headers = 50,
	    .max_header_size = 998,
	    .max_rcpts = 1,
	    .tmp_dir = NULL,
	};
	const unsigned char *raw;
	struct vg_msg *msg;
	size_t len, skip = 0;
	unsigned sel = 0;

	if (size > 0 && data[0] < 0x10) {
		sel = data[0];
		data++;
		size--;
	}
	if (sel & 1u)
		lim.memory_limit = 64;
	if (sel & 2u)
		lim.max_size = 256;
	if (sel & 4u)
		lim.max_headers = 3;
	if (sel & 8u)
		lim.max_header_size = 16;
	if (vg_msg_from_bytes(&msg, &lim, data, size) != 0)
		return 0; /* out of memory or no spill file: not a bug */

	if (size >= 5 && memcmp(data, "From ", 5) == 0) {
		const uint8_t *lf = memchr(data, '\n', size);

		skip = lf != NULL ? (size_t)(lf - data) + 1 : size;
	}
	raw = vg_msg_raw(msg, &len);
	if (vg_msg_size(msg) != size - skip)
		abort();
	if (vg_msg_oversized(msg) != (size - skip > lim.max_size))
		abort();
	if (len > lim.max_size || len > size - skip)
		abort();
	if (len > 0 && memcmp(raw, data + skip, len) != 0)
		abort();
	if (vg_msg_body_offset(msg) > len)
		abort();
	if (vg_msg_header_count(msg) > lim.max_headers)
		abort();
	for (size_t i = 0; i < vg_msg_header_count(msg); i++) {
		const struct vg_header *h = vg_msg_header(msg, i);

		if (h->name[0] == '\0' ||
		    strlen(h->name) + 1 + h->value_len > lim.max_header_size)
			abort();
		if (vg_msg_header_find(msg, h->name, 0) == NULL)
			abort();
	}
	vg_msg_free(msg);
	return 0;
}
