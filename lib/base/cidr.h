/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cidr - IPv4 and IPv6 addresses and networks, parsed once.
 *
 * PURPOSE  The allow and block lists of the rules file hold client
 *	    networks; they are parsed and checked when the rules file is
 *	    loaded (a bad entry is a "file:line: reason" error, not an entry
 *	    that silently never matches) and then matched against every
 *	    client without parsing text again.  An IPv4-mapped IPv6 address
 *	    (::ffff:192.0.2.1) is the IPv4 address it carries, both as an
 *	    address and as a network, so a v4 list covers clients that reach
 *	    a dual-stack socket.  vg_cidr_list_match() reads a list given
 *	    as text (trusted_networks, which vigil.conf already validates).
 * FORMS    Addresses: "192.0.2.1", "2001:db8::1", "[2001:db8::1]" and
 *	    "IPv6:2001:db8::1" (the forms an MTA writes in macros and
 *	    Received headers).  Networks: an address, or ADDR/PREFIX with
 *	    PREFIX 0-32 (IPv4) or 0-128 (IPv6).  Host bits set below the
 *	    prefix are cleared (192.0.2.7/24 is 192.0.2.0/24).
 * ERRORS   VG_EINVAL with a static reason in *why.
 * THREADS  Pure functions.
 */
#ifndef VG_CIDR_H
#define VG_CIDR_H

#include <stdbool.h>
#include <stddef.h>

#define VG_IP_TEXT_MAX 64 /* longest text accepted for one network */

struct vg_ip {
	unsigned char family;   /* 4 or 6 */
	unsigned char addr[16]; /* 4 or 16 bytes used, network order */
};

struct vg_cidr {
	struct vg_ip net; /* host bits cleared */
	unsigned bits;    /* prefix length */
};

/* vg_ip_parse - one address in any of the FORMS; 0 or VG_EINVAL */
int vg_ip_parse(struct vg_ip *out, const char *s);

/*
 * vg_cidr_parse - the network in the first len bytes of s; 0 or
 * VG_EINVAL with a static reason in *why (why may be NULL).
 */
int vg_cidr_parse(
    struct vg_cidr *out, const char *s, size_t len, const char **why);

/* vg_cidr_match - true if ip lies inside net (families must agree) */
bool vg_cidr_match(const struct vg_cidr *net, const struct vg_ip *ip);

/*
 * vg_cidr_list_match - true if the address text ip is in one of the
 * networks of list ("127.0.0.0/8, ::1/128 10.0.0.1": commas or blanks
 * between; an entry that does not parse never matches).
 */
bool vg_cidr_list_match(const char *ip, const char *list);

#endif /* VG_CIDR_H */
