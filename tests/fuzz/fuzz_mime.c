/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_mime - vg_text_build() on any message: no crash, no read past the
 * end, and the views' invariants hold (NUL-terminated at their lengths,
 * valid UTF-8, within the limits), and decoding never fails but for lack
 * of memory.  A first byte below 0x10 is not part of the message: its
 * bits pick small limits so that the depth, part, decoded-size and URI
 * limits are all reached.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "message/hdr.h"
#include "message/msg.h"
#include "message/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* LLVMFuzzerInitialize - GMime and libxml2 once per process */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (vg_text_global_init() != 0)
		abort();
	return 0;
}

/* check_str - a view is NUL-terminated at its length and valid UTF-8 */
static void
check_str(const char *s, size_t len)
{
	if (s == NULL || strlen(s) != len || !vg_hdr_utf8_valid(s, len))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_msg_limits ml = {
	    .max_size = 4 * 1024 * 1024,
	    .memory_limit = 4 * 1024 * 1024,
	    .max_headers = 100,
	    .max_header_size = 8192,
	    .max_rcpts = 1,
	    .tmp_dir = NULL,
	};
	struct vg_text_limits lim;
	struct vg_msg *msg;
	struct vg_text *t;
	unsigned sel = 0;
	size_t i, total = 0;
	int rc;

	vg_text_limits_default(&lim);
	if (size > 0 && data[0] < 0x10) {
		sel = data[0];
		data++;
		size--;
	}
	if (sel & 1u)
		lim.max_mime_depth = 1;
	if (sel & 2u)
		lim.max_mime_parts = 2;
	if (sel & 4u)
		lim.max_decoded_bytes = 64;
	if (sel & 8u)
		lim.max_uris = 1;
	if (vg_msg_from_bytes(&msg, &ml, data, size) != 0)
		return 0;
	if ((rc = vg_text_build(&t, msg, &lim)) != 0) {
		/*
		 * Out of memory is not a bug; any other failure is: text.h
		 * records what it cannot decode and carries on.
		 */
		if (rc != VG_ENOMEM)
			abort();
		vg_msg_free(msg);
		return 0;
	}
	check_str(t->body, t->body_len);
	check_str(t->rawbody, t->rawbody_len);
	if (t->body_len > lim.max_decoded_bytes ||
	    t->rawbody_len > lim.max_decoded_bytes || t->nuris > lim.max_uris ||
	    t->nparts > lim.max_mime_parts)
		abort();
	for (i = 0; i < t->nuris; i++) {
		if (t->uris[i] == NULL || t->uris[i][0] == '\0')
			abort();
	}
	for (i = 0; i < t->nheaders; i++) {
		check_str(t->headers[i].value, strlen(t->headers[i].value));
		if (t->headers[i].raw == NULL || t->headers[i].name == NULL)
			abort();
	}
	for (i = 0; i < t->nparts; i++) {
		if (t->parts[i].content_type == NULL ||
		    t->parts[i].depth > lim.max_mime_depth ||
		    (t->parts[i].len > 0 && t->parts[i].data == NULL))
			abort();
		total += t->parts[i].len;
	}
	if (total > lim.max_decoded_bytes)
		abort();
	vg_text_free(t);
	vg_msg_free(msg);
	return 0;
}
