/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_dns - hostile DNS replies through net/dns.c's reply parser.
 *
 * Input: one byte choosing the record type asked for (A, AAAA, TXT, MX,
 * PTR), then the reply packet.  A DNS server, or anyone who can spoof one,
 * controls every byte of a reply; the parser must bound every name,
 * pointer and length by the packet.
 */
#include <stddef.h>
#include <stdint.h>

#include "net/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum vg_dns_type types[] = {
	    VG_DNS_A, VG_DNS_AAAA, VG_DNS_TXT, VG_DNS_MX, VG_DNS_PTR};
	enum vg_dns_status st;
	size_t n;

	if (size < 1)
		return 0;
	(void)vg_dns_parse_reply(data + 1, size - 1,
	    types[data[0] % (sizeof(types) / sizeof(types[0]))], &st, &n);
	return 0;
}
