/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_attach - no attachment name or content (archives included) makes
 * the attachment checks crash, leak or report an unknown symbol.
 *
 * Input: one byte of flags, then a file name up to the first NUL, then
 * the attachment's bytes.  Bit 0 of the flags selects small archive
 * limits so that the limit paths are reached too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message/attach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* report - every symbol must be a known one with a NUL-terminated name */
static int
report(void *ctx, enum vg_attach_sym sym, const char *name)
{
	(void)ctx;
	if (sym >= VG_ATTACH_SYM_MAX || strlen(name) > 2 * VG_ATTACH_NAME_MAX)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vg_attach_policy pol;
	static int ready;
	struct vg_attach_limits lim;
	const uint8_t *nul;
	char *name;
	size_t nlen;

	if (!ready) {
		if (vg_attach_policy_init(&pol) != 0)
			abort();
		ready = 1;
	}
	if (size == 0)
		return 0;
	vg_attach_limits_default(&lim);
	if (data[0] & 1u) {
		lim.archive_depth = 2;
		lim.archive_members = 4;
		lim.member_bytes = 8192;
		lim.archive_bytes = 16384;
	}
	data++;
	size--;
	nul = memchr(data, 0, size);
	nlen = nul != NULL ? (size_t)(nul - data) : size;
	if ((name = malloc(nlen + 1)) == NULL)
		return 0;
	memcpy(name, data, nlen);
	name[nlen] = '\0';
	if (nul != NULL) {
		data += nlen + 1;
		size -= nlen + 1;
	} else {
		size = 0;
	}
	(void)vg_attach_scan(&pol, &lim, name, "application/octet-stream",
	    size > 0 ? data : NULL, size, report, NULL);
	free(name);
	return 0;
}
