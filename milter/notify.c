/* SPDX-License-Identifier: GPL-2.0-only */
/* notify - sd_notify() to systemd when built with libsystemd (notify.h) */
#include "notify.h"

#ifdef VIGIL_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>

void
vgm_notify(const char *state)
{
	/* 0: keep $NOTIFY_SOCKET, so a reload can still notify. */
	(void)sd_notify(0, state);
}
#else
void
vgm_notify(const char *state)
{
	(void)state;
}
#endif
