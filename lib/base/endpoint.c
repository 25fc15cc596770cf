/* SPDX-License-Identifier: GPL-2.0-only */
/* endpoint - "host:port", "[ipv6]:port", "/path", "unix:/path" (endpoint.h) */
#include <stdint.h>
#include <string.h>

#include "base/endpoint.h"
#include "base/num.h"

#define FORMS "not host:port, [ipv6]:port, /path or unix:/path"

/* vg_endpoint_parse - s into *out; 0, or -1 with *why */
int
vg_endpoint_parse(struct vg_endpoint *out, const char *s, const char **why)
{
	const char *colon, *host, *pwhy;
	uint64_t port;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	*why = FORMS;
	if (s == NULL || s[0] == '\0')
		return -1;
	/* unix:/path, as Postfix and clamd_servers write a socket. */
	if (strncmp(s, "unix:", 5) == 0) {
		s += 5;
		if (s[0] != '/')
			return -1;
	}
	if (s[0] == '/') {
		if (strlen(s) > VG_ENDPOINT_PATH_MAX) {
			*why = "socket path longer than 107 bytes";
			return -1;
		}
		out->path = s;
		return 0;
	}
	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return -1;
		host = s + 1;
		hlen = (size_t)(colon - host);
		colon++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		host = s;
		hlen = (size_t)(colon - host);
		/* A bare IPv6 address needs its brackets. */
		if (memchr(host, ':', hlen) != NULL)
			return -1;
	}
	if (hlen == 0 || memchr(host, '/', hlen) != NULL)
		return -1;
	if (vg_num_uint(&port, colon + 1, 1, 65535, &pwhy) != 0) {
		*why = "port not 1-65535";
		return -1;
	}
	out->host = host;
	out->hlen = hlen;
	out->port = (int)port;
	return 0;
}
