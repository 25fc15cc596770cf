/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_dkim - hostile DKIM-Signature values and key records through the
 * tag-list parsers, and hostile messages through vg_dkim_prepare() (the
 * header index, canonicalisation, b= removal and hashing) and
 * vg_dkim_key() (key loading and verification).  No network.
 *
 * Input: the first line is a key record; the rest is a message, whose
 * first header value is also parsed as a DKIM-Signature on its own.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/dkim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vg_dkim_sig sig;
	static struct vg_dkim_key key;
	const struct vg_dkim_limits lim = {
	    .max_signatures = 5, .max_body_size = 1u << 20, .max_fields = 100};
	const uint8_t *nl = memchr(data, '\n', size), *msg, *colon, *eol;
	size_t klen = nl != NULL ? (size_t)(nl - data) : size;
	size_t mlen = nl != NULL ? size - klen - 1 : 0, body = 0;
	struct vg_dkim_msg *m = NULL;
	char why[VG_DKIM_REASON_MAX];

	msg = nl != NULL ? nl + 1 : data + size;
	(void)vg_dkim_key_parse(
	    &key, (const char *)data, klen, why, sizeof(why));
	if ((colon = memchr(msg, ':', mlen)) != NULL) {
		size_t rest = mlen - (size_t)(colon + 1 - msg);

		eol = memchr(colon + 1, '\n', rest);
		(void)vg_dkim_sig_parse(&sig, (const char *)colon + 1,
		    eol != NULL ? (size_t)(eol - colon - 1) : rest, why,
		    sizeof(why));
	}
	/* The body starts after the first empty line. */
	for (size_t i = 0; i + 1 < mlen; i++)
		if (msg[i] == '\n' &&
		    (msg[i + 1] == '\n' ||
		        (msg[i + 1] == '\r' && i + 2 < mlen &&
		            msg[i + 2] == '\n'))) {
			body = i + (msg[i + 1] == '\n' ? 2 : 3);
			break;
		}
	if (vg_dkim_prepare(
	        &m, msg, mlen, body == 0 ? mlen : body, &lim, 1700000000u) != 0)
		return 0;
	for (size_t i = 0; i < vg_dkim_count(m); i++)
		(void)vg_dkim_key(m, i, (const char *)data, klen);
	vg_dkim_msg_free(m);
	return 0;
}
