/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_sanitize - no input makes the sanitizer emit a control byte */
#include <stdint.h>
#include <stdlib.h>

#include "base/sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[512];
	unsigned flags = size > 0 ? data[0] & 1u : 0;

	vg_sanitize(out, sizeof(out), data, size, flags);
	for (const char *p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
	return 0;
}
