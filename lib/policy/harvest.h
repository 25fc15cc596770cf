/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * harvest - the directory-harvest defence: unknown recipients per client.
 *
 * PURPOSE  A spammer harvesting addresses sends RCPT TO for long lists of
 *	    guessed names and keeps the ones the server accepts.  The MTA
 *	    rejects the unknown ones itself; the milter learns of each
 *	    (SMFIP_RCPT_REJ, {rcpt_mailer} = "error") and reports it here.
 *	    When one client address has had threshold unknown recipients
 *	    within window, it is held for the cooling-off period: the milter
 *	    then tempfails its further recipients and messages with
 *	    451 4.7.1, so the harvest learns nothing more, and a genuine
 *	    sender that mistyped addresses only waits.
 * OWNS     vg_harvest_new() returns a tracker the caller frees with
 *	    vg_harvest_free().
 * LIMITS   harvest_threshold (0 = off), harvest_window, harvest_cooloff;
 *	    client addresses tracked: ratelimit_max_keys, least recently
 *	    seen first out (see ratelimit.h).
 * ERRORS   VG_ENOMEM (the unknown recipient is then not counted).
 * THREADS  Every call is thread-safe.
 */
#ifndef VG_HARVEST_H
#define VG_HARVEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/ratelimit.h"

struct vg_harvest;

/*
 * vg_harvest_new - a tracker; threshold 0 gives one that never holds
 * anyone.  VG_EINVAL for a zero window, cool-off or max_keys; VG_ENOMEM.
 */
int vg_harvest_new(struct vg_harvest **out, unsigned threshold,
    uint64_t window_ms, uint64_t cooloff_ms, size_t max_keys,
    vg_ratelimit_clock_fn clock, void *clock_ctx);
/* vg_harvest_free - NULL is a no-op */
void vg_harvest_free(struct vg_harvest *h);

/*
 * vg_harvest_unknown - one recipient the MTA rejected for client.  With
 * *held_out true, this one reached the threshold and started the client's
 * cooling-off period (log it); during the period unknown recipients are
 * neither counted nor extend it.  *count_out (may be NULL) is the
 * client's unknown recipients in the window.  0 or VG_ENOMEM.
 */
int vg_harvest_unknown(struct vg_harvest *h, bool *held_out,
    uint64_t *count_out, const char *client);

/* vg_harvest_held - milliseconds client is still cooling off, 0 if not */
uint64_t vg_harvest_held(struct vg_harvest *h, const char *client);

#endif /* VG_HARVEST_H */
