/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_uri - URI extraction and normalisation on any text: no crash, no
 * read past the end, every kept URI non-empty, unique, within
 * VG_URI_MAX_LEN (plus what normalising adds) and its host findable; the
 * list never passes its maximum.  A first byte below 0x10 picks a small
 * list maximum.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "message/uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data;
	struct vg_uri_list l;
	struct vg_buf b;
	size_t max = 1000, i, j;
	int rc;

	if (size > 0 && data[0] < 0x10) {
		max = data[0];
		t++;
		size--;
	}
	vg_uri_list_init(&l, max);
	rc = vg_uri_extract(&l, t, size);
	if (rc != 0 && rc != VG_ELIMIT && rc != VG_ENOMEM)
		abort();
	rc = vg_uri_add(&l, t, size);
	if (rc != 0 && rc != VG_ELIMIT && rc != VG_ENOMEM)
		abort();
	if (l.n > max)
		abort();
	for (i = 0; i < l.n; i++) {
		size_t n = strlen(l.v[i]);
		const char *host;
		size_t hlen;

		if (n == 0 || n > VG_URI_MAX_LEN + 64)
			abort();
		(void)vg_uri_host(&host, &hlen, l.v[i], n);
		for (j = 0; j < i && l.n < 64; j++) {
			if (strcmp(l.v[i], l.v[j]) == 0)
				abort();
		}
	}
	vg_uri_list_fini(&l);
	vg_buf_init(&b, 2 * VG_URI_MAX_LEN);
	rc = vg_uri_normalize(&b, t, size);
	if (rc != 0 && rc != VG_EINVAL && rc != VG_ENOMEM)
		abort();
	vg_buf_fini(&b);
	return 0;
}
