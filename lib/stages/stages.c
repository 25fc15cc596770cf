/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stages - the stage table: every stage an engine runs, in order.
 *
 * The order is the order of the hooks in each SMTP phase and of the
 * results in the verdict and the log line: the session-time limits first
 * (a client over its rate is refused before anything is looked up for
 * it), then the virus scan, then the spam score.  A new stage is one file
 * defining its vg_stage_<name>_ops and one line here.
 */
#include "base/compiler.h"
#include "stages/stages.h"

const struct vg_stage_ops *const vg_stages[] = {
    &vg_stage_abuse_ops, /* stage_abuse.c: rate limits, harvest defence */
    &vg_stage_virus_ops, /* stage_virus.c: the virus backend (libclamav) */
    &vg_stage_score_ops, /* stage_score.c: rules, SPF, DNSBL, policy */
};

const size_t vg_nstages = VG_NELEM(vg_stages);
