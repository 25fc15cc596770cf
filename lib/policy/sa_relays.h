/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_relays - the local.cf settings of SpamAssassin's relay analysis
 * (trusted_networks, internal_networks, msa_networks,
 * originating_ip_headers) as a rules-file module, and RelayEval's eval
 * functions over them (sa_relayeval.c).
 */
#ifndef VG_SA_RELAYS_H
#define VG_SA_RELAYS_H

struct vg_rules;
struct vg_sa_trust;

/* The rules-file module (policy/rules_modules.c). */
extern const struct vg_rules_module vg_sa_relays_rules_module;

/* vg_sa_relays_trust() is declared in rules/sa_received.h. */

struct vg_sactx;
struct vg_sa_relays;
/*
 * vg_sa_relays_of - the relays of c's message under r's settings, parsed
 * once per message (c's cache); NULL when out of memory
 */
const struct vg_sa_relays *vg_sa_relays_of(struct vg_sactx *c);

#endif /* VG_SA_RELAYS_H */
