/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_hdr - header decoding, charset conversion and address parts on any
 * bytes: no crash, no read past the end (the input is an exact-size copy),
 * output always valid UTF-8 and within the buffer's limit.  A first byte
 * below 0x10 picks a small output limit and the mailbox index.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "message/hdr.h"
#include "message/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* LLVMFuzzerInitialize - GMime's charset tables once per process */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (vg_mime_global_init() != 0)
		abort();
	return 0;
}

/* check - an output buffer within its limit, decoded text valid UTF-8 */
static void
check(const struct vg_buf *b, int rc, bool utf8)
{
	if (rc != 0 && rc != VG_ELIMIT && rc != VG_ENOMEM)
		abort();
	if (b->len > b->max || (utf8 && !vg_hdr_utf8_valid(b->data, b->len)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const charsets[] = {NULL, "utf-8", "iso-2022-jp",
	    "ks_c_5601-1987", "big5", "koi8-r", "utf-16", "x-bogus"};
	const char *v = (const char *)data;
	struct vg_buf b;
	size_t max = 1 << 16, nth = 0;
	char param[64];
	unsigned sel = 0;
	bool found;

	if (size > 0 && data[0] < 0x10) {
		sel = data[0];
		v++;
		size--;
	}
	if (sel & 1u)
		max = 7;
	nth = sel >> 1 & 3u;
	vg_buf_init(&b, max);
	check(&b, vg_hdr_decode(&b, v, size), true);
	vg_buf_reset(&b);
	check(&b,
	    vg_hdr_decode_cs(&b, v, size, charsets[size % VG_NELEM(charsets)]),
	    true);
	vg_buf_reset(&b);
	check(&b,
	    vg_hdr_to_utf8(&b, charsets[sel % VG_NELEM(charsets)], v, size),
	    true);
	vg_buf_reset(&b);
	check(&b, vg_hdr_unfold(&b, v, size), false);
	vg_buf_reset(&b);
	check(&b, vg_hdr_addr(&b, v, size, nth, &found), false);
	vg_buf_reset(&b);
	check(&b, vg_hdr_name(&b, v, size, nth, &found), false);
	(void)vg_hdr_addr_count(v, size);
	(void)vg_hdr_param(param, sizeof(param), v, size, "charset");
	vg_buf_fini(&b);
	return 0;
}
