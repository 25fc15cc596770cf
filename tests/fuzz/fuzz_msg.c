/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_msg - vg_msg_from_bytes() on any input: no crash, no read past the
 * end, and the model's invariants hold (raw bytes are the input after an
 * mbox From line, the body offset lies inside them, the index respects
 * its limits).  A first byte below 0x10 is not part of the message: its
 * bits pick small limits so that spilling, the size cap and the header
 * limits are all reached.
 *
 * The header index promises (msg.h LIMITS): the first max_headers headers
 * of any name, then only headers with our names (message/statushdr.h) up to
 * 2 * max_headers in all, so that a forged X-Virus-Status behind a pile
 * of ordinary headers is still found and deleted.  Past that the message
 * is flagged VG_MSG_F_OUR_HEADERS_OVERFLOW, which the verdict rejects.
 * So the index may hold more than max_headers entries, and when it does,
 * every entry past max_headers is one of ours.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "message/msg.h"
#include "message/statushdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_index - the header index keeps the promises of msg.h LIMITS */
static void
check_index(const struct vg_msg *msg, const struct vg_msg_limits *lim)
{
	size_t n = vg_msg_header_count(msg);
	unsigned flags = vg_msg_flags(msg);

	if (n > 2 * lim->max_headers)
		abort();
	/* More than max_headers indexed: the extra ones are ours, flagged. */
	if (n > lim->max_headers && !(flags & VG_MSG_F_TOO_MANY_HEADERS))
		abort();
	/* Overflow is flagged only once the index is full. */
	if ((flags & VG_MSG_F_OUR_HEADERS_OVERFLOW) &&
	    (n != 2 * lim->max_headers || !(flags & VG_MSG_F_TOO_MANY_HEADERS)))
		abort();
	for (size_t i = 0; i < n; i++) {
		const struct vg_header *h = vg_msg_header(msg, i);

		if (h->name[0] == '\0' || h->value == NULL ||
		    strlen(h->name) + 1 + h->value_len > lim->max_header_size)
			abort();
		if (i >= lim->max_headers && !vg_statushdr_is(h->name))
			abort();
		if (vg_msg_header_find(msg, h->name, 0) == NULL)
			abort();
	}
}

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
	check_index(msg, &lim);
	vg_msg_free(msg);
	return 0;
}
