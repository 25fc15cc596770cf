/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_endpoint - vg_endpoint_parse() on any string: it never reads past
 * the string, and what it accepts is well-formed (a path of at most
 * VG_ENDPOINT_PATH_MAX bytes starting with "/", or a host without "/" of
 * hlen bytes inside the input and a port in 1-65535)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/endpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_endpoint ep;
	const char *why;
	char *s;

	if (size > 4096 || (s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (vg_endpoint_parse(&ep, s, &why) == 0) {
		if (ep.path != NULL) {
			if (ep.path[0] != '/' ||
			    strlen(ep.path) > VG_ENDPOINT_PATH_MAX)
				abort();
		} else if (ep.host == NULL || ep.hlen == 0 || ep.host < s ||
		    ep.host + ep.hlen > s + strlen(s) ||
		    memchr(ep.host, '/', ep.hlen) != NULL || ep.port < 1 ||
		    ep.port > 65535) {
			abort();
		}
	} else if (why == NULL) {
		abort();
	}
	free(s);
	return 0;
}
