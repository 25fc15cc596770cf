/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vg_dnstest - shared set-up for the tests that talk to the test DNS
 * server (tests/dns/start.sh on 127.0.0.1:VG_TEST_DNS_PORT, a ctest
 * fixture) and to a server that never answers.
 */
#ifndef VG_DNSTEST_H
#define VG_DNSTEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/conf.h"

#ifndef VG_TEST_DNS_PORT
#error "VG_TEST_DNS_PORT must be defined by the build"
#endif

/* vg_dnstest_conf - a config pointing at the test server */
static inline void
vg_dnstest_conf(struct vg_conf *conf, char *servers, size_t size)
{
	memset(conf, 0, sizeof(*conf));
	snprintf(servers, size, "127.0.0.1:%d", VG_TEST_DNS_PORT);
	conf->dns_servers = servers;
	conf->dns_timeout_ms = 2000;
	conf->dns_deadline_ms = 5000;
	conf->dns_cache_size = 100;
	conf->uribl_max_lookups = 20;
	conf->trusted_networks = NULL;
}

/*
 * vg_dnstest_silent - a UDP socket on 127.0.0.1 that is never read, so
 * queries sent to it time out; its port goes into servers.  Returns the
 * socket (close it at the end) or -1.
 */
static inline int
vg_dnstest_silent(char *servers, size_t size)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		close(fd);
		return -1;
	}
	snprintf(servers, size, "127.0.0.1:%u", ntohs(sa.sin_port));
	return fd;
}

#endif /* VG_DNSTEST_H */
