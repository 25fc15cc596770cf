/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stages - the operations of each stage Vigil has, for the stage table
 * (stages.c) and for tests that drive one stage alone.
 */
#ifndef VG_STAGES_H
#define VG_STAGES_H

#include "core/stage.h"

extern const struct vg_stage_ops vg_stage_abuse_ops; /* stage_abuse.c */
extern const struct vg_stage_ops vg_stage_virus_ops; /* stage_virus.c */
extern const struct vg_stage_ops vg_stage_score_ops; /* stage_score.c */

#endif /* VG_STAGES_H */
