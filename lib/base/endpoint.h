/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * endpoint - where a server listens, as vigil.conf writes it: "host:port",
 * "[ipv6]:port", "/path" or "unix:/path".
 *
 * PURPOSE  One syntax for the servers Vigil connects to, checked the same
 *	    way when vigil.conf is read (file:line) and when a connection is
 *	    made (store_redis.c).  Syntax only: nothing is resolved.
 * LIMITS   A socket path is shorter than sun_path (108 bytes with its NUL);
 *	    a port is 1-65535; the host is not empty and holds no "/" (a
 *	    bare IPv6 address needs its brackets).
 * OWNS     Nothing: the result points into the string parsed.
 * THREADS  Reentrant.
 */
#ifndef VG_ENDPOINT_H
#define VG_ENDPOINT_H

#include <stddef.h>

#define VG_ENDPOINT_PATH_MAX 107 /* bytes of a socket path (sun_path) */

struct vg_endpoint {
	const char *path; /* a unix socket (NUL-terminated), or NULL */
	const char *host; /* else the host: hlen bytes, not terminated */
	size_t hlen;
	int port;
};

/*
 * vg_endpoint_parse - s into *out; 0, or -1 with *why a static reason
 * ("not host:port, [ipv6]:port, /path or unix:/path" or sharper)
 */
int vg_endpoint_parse(struct vg_endpoint *out, const char *s, const char **why);

#endif /* VG_ENDPOINT_H */
