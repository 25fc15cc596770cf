/* SPDX-License-Identifier: GPL-2.0-only */
/* cidr - IPv4 and IPv6 addresses and networks, parsed once */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/cidr.h"
#include "base/err.h"
#include "base/num.h"

/* cidr_unmap - turn an IPv4-mapped IPv6 address into the IPv4 one */
static void
cidr_unmap(struct vg_ip *ip)
{
	static const unsigned char prefix[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (ip->family == 6 && memcmp(ip->addr, prefix, 12) == 0) {
		memmove(ip->addr, ip->addr + 12, 4);
		memset(ip->addr + 4, 0, 12);
		ip->family = 4;
	}
}

/* cidr_parse_addr - address text of len bytes, any of the FORMS */
static int
cidr_parse_addr(struct vg_ip *out, const char *s, size_t len)
{
	char buf[VG_IP_TEXT_MAX];

	if (len >= 5 && strncasecmp(s, "IPv6:", 5) == 0) {
		s += 5;
		len -= 5;
	} else if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(buf))
		return VG_EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = 6;
		return 0;
	}
	return VG_EINVAL;
}

/* vg_ip_parse - one address in any of the FORMS */
int
vg_ip_parse(struct vg_ip *out, const char *s)
{
	int rc;

	if (s == NULL)
		return VG_EINVAL;
	if ((rc = cidr_parse_addr(out, s, strlen(s))) != 0)
		return rc;
	cidr_unmap(out);
	return 0;
}

/* vg_cidr_parse - ADDR or ADDR/PREFIX, host bits cleared */
int
vg_cidr_parse(struct vg_cidr *out, const char *s, size_t len, const char **why)
{
	const char *slash = memchr(s, '/', len);
	size_t alen = slash != NULL ? (size_t)(slash - s) : len;
	char pbuf[8];
	uint64_t bits;
	unsigned max, i;

	memset(out, 0, sizeof(*out));
	if (cidr_parse_addr(&out->net, s, alen) != 0) {
		if (why != NULL)
			*why = "not an IPv4 or IPv6 address";
		return VG_EINVAL;
	}
	max = out->net.family == 4 ? 32 : 128;
	bits = max;
	if (slash != NULL) {
		size_t plen = len - alen - 1;

		if (plen == 0 || plen >= sizeof(pbuf)) {
			if (why != NULL)
				*why = "bad prefix length";
			return VG_EINVAL;
		}
		memcpy(pbuf, slash + 1, plen);
		pbuf[plen] = '\0';
		if (vg_num_uint(&bits, pbuf, 0, max, NULL) != 0) {
			if (why != NULL)
				*why = out->net.family == 4
				    ? "prefix length must be 0 to 32"
				    : "prefix length must be 0 to 128";
			return VG_EINVAL;
		}
	}
	/* ::ffff:192.0.2.0/120 is 192.0.2.0/24. */
	if (out->net.family == 6) {
		struct vg_ip probe = out->net;

		cidr_unmap(&probe);
		if (probe.family == 4 && bits >= 96) {
			out->net = probe;
			bits -= 96;
		}
	}
	out->bits = (unsigned)bits;
	for (i = 0; i < 16; i++) {
		unsigned lo = i * 8;

		if (lo >= out->bits)
			out->net.addr[i] = 0;
		else if (out->bits - lo < 8)
			out->net.addr[i] &=
			    (unsigned char)(0xffu << (8 - (out->bits - lo)));
	}
	return 0;
}

/* vg_cidr_match - compare whole bytes, then the bits of the last one */
bool
vg_cidr_match(const struct vg_cidr *net, const struct vg_ip *ip)
{
	unsigned full = net->bits / 8, rest = net->bits % 8;

	if (net->net.family != ip->family)
		return false;
	if (memcmp(net->net.addr, ip->addr, full) != 0)
		return false;
	if (rest != 0) {
		unsigned char m = (unsigned char)(0xffu << (8 - rest));

		if ((ip->addr[full] & m) != net->net.addr[full])
			return false;
	}
	return true;
}

/* vg_cidr_list_match - is the address text ip in the text list */
bool
vg_cidr_list_match(const char *ip, const char *list)
{
	struct vg_ip addr;
	const char *p;

	if (ip == NULL || list == NULL || vg_ip_parse(&addr, ip) != 0)
		return false;
	for (p = list; *p != '\0';) {
		struct vg_cidr net;
		const char *why;
		size_t n;

		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n > 0 && vg_cidr_parse(&net, p, n, &why) == 0 &&
		    vg_cidr_match(&net, &addr))
			return true;
		p += n;
	}
	return false;
}
