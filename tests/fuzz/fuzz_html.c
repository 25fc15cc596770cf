/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_html - HTML rendering on any bytes (made valid UTF-8 first, as the
 * text layer does): no crash, rendered text valid UTF-8 and within its
 * limit, URI list within its maximum.  A first byte below 0x10 picks small
 * limits.  Also SpamAssassin's HTML facts of the same bytes (html_sa.c):
 * no crash, counts and kept strings within their limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "base/buf.h"
#include "base/err.h"
#include "message/hdr.h"
#include "message/html.h"
#include "message/html_sa.h"
#include "message/mime.h"
#include "message/uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* LLVMFuzzerInitialize - libxml2 and GMime once per process */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xmlInitParser();
	if (vg_mime_global_init() != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_buf in, out;
	struct vg_html_fold f;
	struct vg_uri_list l;
	struct vg_text_html st;
	size_t max = 1 << 20, umax = 1000;
	int rc;

	if (size > 0 && data[0] < 0x10) {
		if (data[0] & 1u)
			max = 32;
		if (data[0] & 2u)
			umax = 1;
		data++;
		size--;
	}
	vg_buf_init(&in, 4 * size + 16);
	if (vg_hdr_to_utf8(&in, NULL, data, size) != 0) {
		vg_buf_fini(&in);
		return 0;
	}
	memset(&st, 0, sizeof(st));
	vg_buf_init(&out, max);
	vg_uri_list_init(&l, umax);
	vg_html_fold_init(&f, &out);
	rc = vg_html_render(&f, &l, &st, vg_buf_cstr(&in), in.len);
	if (rc != 0 && rc != VG_ELIMIT && rc != VG_ENOMEM)
		abort();
	if (out.len > max || l.n > umax ||
	    !vg_hdr_utf8_valid(out.data, out.len) ||
	    (rc != VG_ENOMEM && st.parts != 1))
		abort();
	vg_uri_list_fini(&l);
	vg_buf_fini(&out);
	{
		struct vg_html_sa *h = NULL;
		size_t k, i;

		rc = vg_html_sa_parse(&h, vg_buf_cstr(&in), in.len);
		if (rc != 0 && rc != VG_ENOMEM)
			abort();
		if (h != NULL) {
			if (h->non_space_len > h->length ||
			    h->ntags > VG_HTML_SA_MAX_TAGS ||
			    h->elements > h->tags || h->closed_extra > h->tags)
				abort();
			for (k = 0; k < VG_HTML_SA_NLISTS; k++) {
				if (h->list[k].n > VG_HTML_SA_MAX_STRINGS)
					abort();
				/* Kept strings may hold NUL bytes: by length. */
				for (i = 0; i < h->list[k].n; i++)
					if (h->list[k].len[i] >
					    VG_HTML_SA_STRING_MAX)
						abort();
			}
			vg_html_sa_free(h);
		}
	}
	vg_buf_fini(&in);
	return 0;
}
