/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_misceval - eval functions of SpamAssassin plugins whose answer is
 * fixed by what Vigil configures: VBounce (the specification is
 * Mail::SpamAssassin::Plugin::VBounce).
 *
 * PURPOSE  VBounce's rules recognise bounces to forged senders; its eval
 *	    functions only ask whether whitelist_bounce_relays (or
 *	    welcomelist_bounce_relays) names a relay.  Vigil has no such
 *	    directive, so no relay is named and they never hit, exactly as
 *	    in a SpamAssassin that configures none; the rest of the
 *	    plugin's rules are plain header and body regexes.
 * THREADS  Reentrant.
 */
#include <stddef.h>

#include "rules/rules_evalfn.h"

static int
vg_sa_no_relays(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)c;
	(void)a;
	return 0;
}

const struct vg_evalfn vg_sa_misceval[] = {
    {.name = "have_any_bounce_relays",
        .plugin = "VBounce",
        .kinds = VG_K_ANY,
        .run = vg_sa_no_relays},
    {.name = "check_whitelist_bounce_relays",
        .plugin = "VBounce",
        .kinds = VG_K_ANY,
        .run = vg_sa_no_relays},
    {.name = "check_welcomelist_bounce_relays",
        .plugin = "VBounce",
        .kinds = VG_K_ANY,
        .run = vg_sa_no_relays},
    {.name = NULL},
};
