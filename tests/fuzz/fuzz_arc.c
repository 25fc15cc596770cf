/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_arc - hostile ARC chains through vg_arc_prepare() (the structure
 * checks, the ARC tag rules of the DKIM parser, the seal's field order,
 * hashing), vg_arc_key() and vg_arc_outcome(), and hostile
 * ARC-Authentication-Results through vg_arc_vouches().  No network.
 *
 * Input: the first line is a key record (given to every key slot, except
 * that an odd first byte makes every other slot a DNS failure); the rest
 * is a message.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/arc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vg_arc_limits lim = {
	    .max_sets = 10, .max_body_size = 1u << 20, .max_fields = 100};
	const uint8_t *nl = memchr(data, '\n', size), *msg;
	size_t klen = nl != NULL ? (size_t)(nl - data) : size;
	size_t mlen = nl != NULL ? size - klen - 1 : 0, body = 0;
	struct vg_arc_msg *m = NULL;
	struct vg_arc_outcome o;
	bool odd = size > 0 && (data[0] & 1) != 0;

	msg = nl != NULL ? nl + 1 : data + size;
	/* The body starts after the first empty line. */
	for (size_t i = 0; i + 1 < mlen; i++)
		if (msg[i] == '\n' &&
		    (msg[i + 1] == '\n' ||
		        (msg[i + 1] == '\r' && i + 2 < mlen &&
		            msg[i + 2] == '\n'))) {
			body = i + (msg[i + 1] == '\n' ? 2 : 3);
			break;
		}
	if (vg_arc_prepare(
	        &m, msg, mlen, body == 0 ? mlen : body, &lim, 1700000000u) != 0)
		return 0;
	for (size_t k = 0; k < vg_arc_nkeys(m); k++) {
		if (vg_arc_key_name(m, k) == NULL)
			continue;
		if (odd && k % 2 == 1)
			vg_arc_key_missing(m, k, true, "timeout");
		else
			(void)vg_arc_key(m, k, (const char *)data, klen);
	}
	vg_arc_outcome(&o, m);
	for (unsigned i = 0; i <= o.sets + 1; i++)
		(void)vg_arc_sealer(m, i);
	(void)vg_arc_vouches(m, "dkim.test");
	(void)vg_arc_aar_vouches((const char *)msg, mlen, "dkim.test");
	vg_arc_msg_free(m);
	return 0;
}
