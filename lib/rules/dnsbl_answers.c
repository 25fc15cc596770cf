/* SPDX-License-Identifier: GPL-2.0-only */
/* dnsbl_answers - the ANSWERS syntax of dnsbl and uribl (dnsbl_answers.h) */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "base/num.h"
#include "rules/dnsbl_answers.h"

/* dnsbl_trim - copy [s, e) without surrounding blanks into buf */
static bool
dnsbl_trim(char *buf, size_t size, const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if ((size_t)(e - s) >= size)
		return false;
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	return true;
}

/* dnsbl_ip4 - dotted quad to host order; false if it is not one */
static bool
dnsbl_ip4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

/* dnsbl_mask - "&0x04", "&4" or "&0.0.0.4" to a mask */
static bool
dnsbl_mask(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (dnsbl_ip4(s, out))
		return *out != 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		const char *p = s + 2;

		if (*p == '\0' || strlen(p) > 8)
			return false;
		for (; *p != '\0'; p++) {
			unsigned d;

			if (*p >= '0' && *p <= '9')
				d = (unsigned)(*p - '0');
			else if (*p >= 'a' && *p <= 'f')
				d = (unsigned)(*p - 'a' + 10);
			else if (*p >= 'A' && *p <= 'F')
				d = (unsigned)(*p - 'A' + 10);
			else
				return false;
			v = v << 4 | d;
		}
	} else if (vg_num_uint(&v, s, 1, UINT32_MAX, NULL) != 0)
		return false;
	*out = (uint32_t)v;
	return v != 0;
}

/* dnsbl_cidr - "a.b.c.d/n" to a network and mask; false if malformed */
static bool
dnsbl_cidr(const char *item, const char *slash, uint32_t *net, uint32_t *mask)
{
	char host[32];
	uint64_t bits;

	if (!dnsbl_trim(host, sizeof(host), item, slash) ||
	    !dnsbl_ip4(host, net) ||
	    vg_num_uint(&bits, slash + 1, 0, 32, NULL) != 0)
		return false;
	*mask = bits == 0 ? 0 : ~(uint32_t)0 << (32 - bits);
	*net &= *mask;
	return true;
}

/*
 * dnsbl_item - evaluate one ANSWERS item against addr; false with *why set
 * when the item is malformed.
 */
static bool
dnsbl_item(const char *item, uint32_t addr, bool *hit, const char **why)
{
	char lo[32], hi[32];
	const char *dash, *slash;
	uint32_t a, b;

	*hit = false;
	if (item[0] == '&') {
		if (!dnsbl_mask(item + 1, &a)) {
			*why = "bad bitmask (want &0x04, &4 or &0.0.0.4)";
			return false;
		}
		*hit = (addr & a) != 0;
		return true;
	}
	slash = strchr(item, '/');
	if (slash != NULL) {
		if (!dnsbl_cidr(item, slash, &a, &b)) {
			*why = "bad network in ANSWERS (want 127.0.0.0/24)";
			return false;
		}
		*hit = (addr & b) == a;
		return true;
	}
	dash = strchr(item, '-');
	if (dash == NULL) {
		if (!dnsbl_ip4(item, &a)) {
			*why = "bad address in ANSWERS";
			return false;
		}
		*hit = addr == a;
		return true;
	}
	if (!dnsbl_trim(lo, sizeof(lo), item, dash) || !dnsbl_ip4(lo, &a) ||
	    !dnsbl_trim(hi, sizeof(hi), dash + 1, dash + strlen(dash)) ||
	    !dnsbl_ip4(hi, &b) || a > b) {
		*why = "bad range in ANSWERS (want 127.0.0.2-127.0.0.11)";
		return false;
	}
	*hit = addr >= a && addr <= b;
	return true;
}

/* dnsbl_answers - walk spec; false on a malformed item */
static bool
dnsbl_answers(const char *spec, uint32_t addr, bool *hit, const char **why)
{
	const char *p = spec;
	char item[64];

	*hit = false;
	if (*p == '\0') {
		*why = "empty ANSWERS";
		return false;
	}
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		bool h;

		if (!dnsbl_trim(item, sizeof(item), p, p + n) ||
		    item[0] == '\0') {
			*why = "empty or over-long item in ANSWERS";
			return false;
		}
		if (!dnsbl_item(item, addr, &h, why))
			return false;
		*hit = *hit || h;
		p += n;
		if (*p == ',')
			p++;
	}
	return true;
}

/* vg_dnsbl_answers_check - validate an ANSWERS string */
int
vg_dnsbl_answers_check(const char *spec, const char **why)
{
	const char *w = NULL;
	bool hit;

	if (spec == NULL)
		return VG_OK;
	if (!dnsbl_answers(spec, 0, &hit, &w)) {
		if (why != NULL)
			*why = w;
		return VG_EINVAL;
	}
	return VG_OK;
}

/* vg_dnsbl_answer_match - does addr hit spec */
bool
vg_dnsbl_answer_match(const char *spec, uint32_t addr)
{
	const char *why;
	bool hit;

	if (spec == NULL)
		return (addr >> 24) == 127 && (addr >> 8) != 0x7fffffu;
	return dnsbl_answers(spec, addr, &hit, &why) && hit;
}
