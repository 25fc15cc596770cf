/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dnsbl_answers - the ANSWERS syntax of `dnsbl` and `uribl` lines.
 *
 * PURPOSE  One parser for the answers a DNS blacklist hit must match,
 *	    used by the rules parser to refuse a bad line with file:line and
 *	    by the DNSBL check (net/dnsbl.c) to match an answer.  ANSWERS is a
 *	    comma-separated list of items: an address (127.0.0.2), a range
 *	    (127.0.0.2-127.0.0.11), a network (127.0.0.0/24) or a bitmask
 *	    (&0x04 or &4: hits when the answer ANDed with the mask is not
 *	    zero).  Without ANSWERS, any address in 127.0.0.0/8 hits except
 *	    127.255.255.0/24 (Spamhaus's answer to refused queries).  It is
 *	    pure syntax, no DNS, so it sits in rules/, below net/.
 * THREADS  Pure functions.
 */
#ifndef VG_DNSBL_ANSWERS_H
#define VG_DNSBL_ANSWERS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * vg_dnsbl_answers_check - is spec a valid ANSWERS string; 0 or VG_EINVAL
 * with a static reason in *why (for the rules parser).
 */
int vg_dnsbl_answers_check(const char *spec, const char **why);
/*
 * vg_dnsbl_answer_match - does the answer addr (host order) hit spec (NULL
 * = the default described above)
 */
bool vg_dnsbl_answer_match(const char *spec, uint32_t addr);

#endif /* VG_DNSBL_ANSWERS_H */
