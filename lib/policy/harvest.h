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
 *	    The counts and holds are a rate-limit table (ratelimit.h) in a
 *	    store (store/store.h) named after the cooling-off period, so a
 *	    tracker built with another threshold, window or cooling-off
 *	    period (a reload that changed them) starts afresh, holds
 *	    included, and one built the same takes over the counts.
 * OWNS     vg_harvest_new() returns a tracker the caller frees with
 *	    vg_harvest_free(); it holds a reference to the store.
 * LIMITS   harvest_threshold (0 = off), harvest_window, harvest_cooloff;
 *	    client addresses tracked: the store's bound (ratelimit_max_keys
 *	    for the memory store), least recently seen first out.
 * ERRORS   VG_ENOMEM, VG_ETEMP (the unknown recipient is then not
 *	    counted).
 * THREADS  Every call is thread-safe.
 */
#ifndef VG_HARVEST_H
#define VG_HARVEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_store;
struct vg_harvest;

/*
 * vg_harvest_new - a tracker over store; threshold 0 gives one that never
 * holds anyone.  VG_EINVAL for a zero window or cool-off; VG_ENOMEM.
 */
int vg_harvest_new(struct vg_harvest **out, struct vg_store *store,
    unsigned threshold, uint64_t window_ms, uint64_t cooloff_ms);
/* vg_harvest_free - NULL is a no-op */
void vg_harvest_free(struct vg_harvest *h);

/*
 * vg_harvest_unknown - one recipient the MTA rejected for client.  With
 * *held_out true, this one reached the threshold and started the client's
 * cooling-off period (log it); during the period unknown recipients are
 * neither counted nor extend it.  *count_out (may be NULL) is the
 * client's unknown recipients in the window.  0, VG_ENOMEM or VG_ETEMP.
 */
int vg_harvest_unknown(struct vg_harvest *h, bool *held_out,
    uint64_t *count_out, const char *client);

/*
 * vg_harvest_check_held - *left_out: milliseconds client is still cooling
 * off, 0 if not; 0, or VG_ETEMP / VG_EINVAL when the store could not say
 * (*left_out 0).
 */
int vg_harvest_check_held(
    struct vg_harvest *h, uint64_t *left_out, const char *client);
/* vg_harvest_held - milliseconds client is still cooling off, 0 if not */
uint64_t vg_harvest_held(struct vg_harvest *h, const char *client);

#endif /* VG_HARVEST_H */
