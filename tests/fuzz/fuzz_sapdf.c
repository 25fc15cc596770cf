/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_sapdf - SpamAssassin's PDF line scan (rules/sa_pdfinfo.c) on any
 * bytes: no crash, and every count and kept string within its limit.  A
 * first byte below 0x10 scans the rest VG_SAPDF_PARTS + 1 times into the
 * same facts, so the per-message limits are reached.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "rules/sa_pdfinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* vg_fuzz_str_ok - a kept string: within its limit, NUL-terminated */
static int
vg_fuzz_str_ok(const struct vg_sapdf_str *s)
{
	return s->len <= VG_SAPDF_STR && s->s[s->len] == '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_sapdf *f = vg_calloc(1, sizeof(*f));
	size_t i, k, times = 1;

	if (f == NULL)
		return 0;
	if (size > 0 && data[0] < 0x10) {
		times = VG_SAPDF_PARTS + 1;
		data++;
		size--;
	}
	for (i = 0; i < times; i++)
		vg_sapdf_scan(f, data, size, i % 2 ? "a.pdf" : NULL);
	if (f->count != times || f->nnames > VG_SAPDF_NAMES ||
	    f->ndims > VG_SAPDF_DIMS || f->nmd5 > VG_SAPDF_PARTS ||
	    f->nfuzzy > 2 * VG_SAPDF_PARTS || f->area < 0 ||
	    (times > VG_SAPDF_PARTS && !f->limit))
		abort();
	for (i = 0; i < f->nnames; i++)
		if (!vg_fuzz_str_ok(&f->names[i]))
			abort();
	for (i = 0; i < f->ndims; i++)
		if (memchr(f->dims[i].key, '\0', sizeof(f->dims[i].key)) ==
		    NULL)
			abort();
	for (k = 0; k < VG_SAPDF_NDETAILS; k++) {
		if (f->ndetails[k] > VG_SAPDF_DETAILS)
			abort();
		for (i = 0; i < f->ndetails[k]; i++)
			if (!vg_fuzz_str_ok(&f->details[k][i]))
				abort();
	}
	for (i = 0; i < f->nmd5; i++)
		if (strlen(f->md5[i]) != 32)
			abort();
	vg_free(f);
	return 0;
}
