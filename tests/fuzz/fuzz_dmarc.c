/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_dmarc - hostile DMARC records through the record parser, and
 * hostile names through the organisational-domain lookup (libpsl) and
 * alignment.  Input: the first line is a record, the second a domain.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t rlen = nl != NULL ? (size_t)(nl - data) : size, dlen;
	struct vg_dmarc_record rec;
	struct vg_dmarc_verdict v;
	struct vg_dmarc_input in = {.spf_pass = true};
	char why[128], dom[300], org[300];

	if (vg_dmarc_record_parse(
	        &rec, (const char *)data, rlen, why, sizeof(why)) != 0)
		memset(&rec, 0, sizeof(rec));
	dlen = nl != NULL ? size - rlen - 1 : 0;
	if (dlen >= sizeof(dom))
		dlen = sizeof(dom) - 1;
	if (nl != NULL)
		memcpy(dom, nl + 1, dlen);
	dom[dlen] = '\0';
	(void)vg_dmarc_org_domain(org, sizeof(org), dom);
	in.from_domain = dom;
	in.spf_domain = "mail.example.com";
	vg_dmarc_evaluate(&v, &rec, dlen % 2 == 0, &in, (unsigned)(size % 100));
	return 0;
}
