/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_modules - the rules-file modules: each layer above rules/ with
 * directives of its own, one line each (rules.h, struct vg_rules_module).
 * The rules parser walks this table for every line it does not know, so
 * it includes nothing above its own layer.
 */
#include "base/compiler.h"
#include "policy/policy.h"
#include "policy/sa_relays.h"
#include "policy/sa_wlbl.h"
#include "rules/rules.h"

const struct vg_rules_module *const vg_rules_modules[] = {
    &vg_policy_rules_module,    /* policy_parse.c: lists, attachment policy */
    &vg_sa_wlbl_rules_module,   /* sa_wlbl.c: SpamAssassin's welcomelists */
    &vg_sa_relays_rules_module, /* sa_relayeval.c: trusted_networks */
};

const size_t vg_rules_nmodules = VG_NELEM(vg_rules_modules);
