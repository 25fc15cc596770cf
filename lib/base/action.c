/* SPDX-License-Identifier: GPL-2.0-only */
/* action - decision names and their merge order */
#include <strings.h>

#include "base/action.h"
#include "base/err.h"

/* vg_action_name - the name users write and read */
const char *
vg_action_name(enum vg_action action)
{
	switch (action) {
	case VG_ACTION_ACCEPT:
		return "accept";
	case VG_ACTION_TAG:
		return "tag";
	case VG_ACTION_REJECT:
		return "reject";
	case VG_ACTION_TEMPFAIL:
		return "tempfail";
	case VG_ACTION_QUARANTINE:
		return "quarantine";
	case VG_ACTION_DISCARD:
		return "discard";
	}
	return "unknown";
}

/* vg_action_parse - name (any case) to action */
int
vg_action_parse(enum vg_action *out, const char *name)
{
	static const enum vg_action all[] = {VG_ACTION_ACCEPT, VG_ACTION_TAG,
	    VG_ACTION_REJECT, VG_ACTION_TEMPFAIL, VG_ACTION_QUARANTINE,
	    VG_ACTION_DISCARD};

	for (size_t i = 0; i < VG_NELEM(all); i++) {
		if (strcasecmp(name, vg_action_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	}
	return VG_EINVAL;
}

/* vg_action_strictness - larger is stricter */
int
vg_action_strictness(enum vg_action action)
{
	/*
	 * A rejection tells the real sender during the session; a tempfail
	 * keeps the message safe at the MTA; quarantine keeps it too but
	 * accepts it; discard loses it on purpose, which is only ever an
	 * explicit admin choice, so it ranks below quarantine.
	 */
	switch (action) {
	case VG_ACTION_ACCEPT:
		return 0;
	case VG_ACTION_TAG:
		return 1;
	case VG_ACTION_DISCARD:
		return 2;
	case VG_ACTION_QUARANTINE:
		return 3;
	case VG_ACTION_TEMPFAIL:
		return 4;
	case VG_ACTION_REJECT:
		return 5;
	}
	return 5;
}
