/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_spf - hostile SPF records through libspf2's parser and evaluator,
 * answered by net/spf.c's zone backend (no network).
 *
 * Input: up to three lines.  Line 1 is the TXT record of fuzz.example
 * (the sender's domain), line 2 the TXT record of other.example (for
 * include:, redirect= and exp=), line 3 the sender's local-part (macro
 * input for %{l}).  Each input is evaluated for an IPv4 and an IPv6
 * client, so both address paths of the macro expander run.  The zone also
 * holds A, AAAA, MX and PTR records for the names records tend to use.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "net/spf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* next_line - split [*p, end) at the next newline */
static const char *
next_line(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *nl;

	if (s >= end) {
		*len = 0;
		return "";
	}
	nl = memchr(s, '\n', (size_t)(end - s));
	*len = nl != NULL ? (size_t)(nl - s) : (size_t)(end - s);
	*p = nl != NULL ? nl + 1 : end;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *l1, *l2, *l3;
	size_t n1, n2, n3;
	struct vg_spf_zone *z = NULL;
	struct vg_spf_outcome o;
	char from[600];

	l1 = next_line(&p, end, &n1);
	l2 = next_line(&p, end, &n2);
	l3 = next_line(&p, end, &n3);
	if (vg_spf_zone_new(&z) != 0)
		return 0;
	(void)vg_spf_zone_add(z, "fuzz.example", "TXT", l1, n1);
	(void)vg_spf_zone_add(z, "other.example", "TXT", l2, n2);
	(void)vg_spf_zone_add(z, "fuzz.example", "A", "192.0.2.1", 9);
	(void)vg_spf_zone_add(z, "fuzz.example", "AAAA", "2001:db8::1", 11);
	(void)vg_spf_zone_add(
	    z, "fuzz.example", "MX", "10 mx.fuzz.example", 18);
	(void)vg_spf_zone_add(z, "mx.fuzz.example", "A", "192.0.2.2", 9);
	(void)vg_spf_zone_add(
	    z, "1.2.0.192.in-addr.arpa", "PTR", "fuzz.example", 12);
	(void)vg_spf_zone_add(z, "other.example", "A", "192.0.2.3", 9);
	(void)vg_spf_zone_add(z, "slow.example", "TIMEOUT", "", 0);
	if (n3 > 300)
		n3 = 300;
	memcpy(from, l3, n3);
	snprintf(from + n3, sizeof(from) - n3, "@fuzz.example");
	/* A NUL in the local-part just ends it early; that is fine. */
	(void)vg_spf_check_zone(
	    &o, z, "192.0.2.1", "helo.example", from, false);
	(void)vg_spf_check_zone(
	    &o, z, "2001:db8::1", "helo.example", from, false);
	vg_spf_zone_free(z);
	return 0;
}
