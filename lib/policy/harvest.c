/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * harvest - the directory-harvest defence on top of one rate-limit table.
 *
 * The table's limit is the threshold: a client's unknown recipients are
 * counted until one would reach it, and that one puts the client on hold
 * for the cooling-off period.  Unknown recipients during the hold are
 * refused by the table, so they neither count nor stretch the hold: a
 * client that keeps probing is let back in when its time is up and
 * caught again at the next threshold.  The table's name carries the
 * cooling-off period (its key names already carry the threshold and the
 * window), so changing any of the three starts afresh.
 */
#include <inttypes.h>

#include "base/alloc.h"
#include "base/err.h"
#include "base/str.h"
#include "policy/harvest.h"
#include "policy/ratelimit.h"

struct vg_harvest {
	struct vg_ratelimit *rl;
	unsigned threshold;
	uint64_t cooloff;
};

/* vg_harvest_new - a tracker over one rate-limit table */
int
vg_harvest_new(struct vg_harvest **out, struct vg_store *store,
    unsigned threshold, uint64_t window_ms, uint64_t cooloff_ms)
{
	char name[VG_RATELIMIT_NAME_MAX + 1];
	struct vg_harvest *h;
	int rc;

	*out = NULL;
	if (cooloff_ms == 0)
		return VG_EINVAL;
	if ((h = vg_calloc(1, sizeof(*h))) == NULL)
		return VG_ENOMEM;
	h->threshold = threshold;
	h->cooloff = cooloff_ms;
	(void)vg_str_fmt(name, sizeof(name), "harvest-%" PRIu64, cooloff_ms);
	rc = vg_ratelimit_new(&h->rl, store, name, threshold, window_ms);
	if (rc != 0) {
		vg_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

/* vg_harvest_free - the table and the tracker */
void
vg_harvest_free(struct vg_harvest *h)
{
	if (h == NULL)
		return;
	vg_ratelimit_free(h->rl);
	vg_free(h);
}

/* vg_harvest_unknown - count one; at the threshold, start the hold */
int
vg_harvest_unknown(struct vg_harvest *h, bool *held_out, uint64_t *count_out,
    const char *client)
{
	uint64_t count = 0;
	bool over = false;
	int rc;

	*held_out = false;
	if (count_out != NULL)
		*count_out = 0;
	if (h->threshold == 0)
		return 0;
	if (vg_ratelimit_held(h->rl, client) > 0) {
		if (count_out != NULL)
			*count_out = vg_ratelimit_count(h->rl, client);
		return 0;
	}
	rc = vg_ratelimit_hit(h->rl, &over, &count, client, 1);
	if (rc != 0)
		return rc;
	if (over || count >= h->threshold) {
		rc = vg_ratelimit_hold(
		    h->rl, client, vg_ratelimit_now(h->rl) + h->cooloff);
		if (rc != 0)
			return rc;
		*held_out = true;
	}
	if (count_out != NULL)
		*count_out = count;
	return 0;
}

/* vg_harvest_check_held - the client's remaining cooling-off time, or rc */
int
vg_harvest_check_held(
    struct vg_harvest *h, uint64_t *left_out, const char *client)
{
	*left_out = 0;
	if (h->threshold == 0)
		return 0;
	return vg_ratelimit_check_held(h->rl, left_out, client);
}

/* vg_harvest_held - the client's remaining cooling-off time */
uint64_t
vg_harvest_held(struct vg_harvest *h, const char *client)
{
	if (h->threshold == 0)
		return 0;
	return vg_ratelimit_held(h->rl, client);
}
