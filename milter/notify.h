/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * notify - tell systemd (Type=notify) how the daemon is: READY=1 once the
 * milter socket accepts connections and the threads run, RELOADING=1 and
 * READY=1 around a reload, STOPPING=1 on SIGTERM.
 *
 * PURPOSE  Postfix starts after vigil-milter (Before=postfix.service);
 *	    with Type=simple it could connect before the socket exists and
 *	    tempfail the first mail.  sd_notify() from libsystemd writes to
 *	    $NOTIFY_SOCKET; without it (not under systemd) nothing happens.
 * OWNS     Nothing.
 * LIMITS   One datagram per call; no retry (systemd never blocks us).
 * ERRORS   Ignored: a lost notification must not stop a mail filter
 *	    (systemd's start time-out reports it).
 * THREADS  Any thread (sd_notify opens its own socket per call).
 *	    Built without libsystemd (-DVIGIL_SYSTEMD=OFF) it does nothing.
 */
#ifndef VGM_NOTIFY_H
#define VGM_NOTIFY_H

/* vgm_notify - send state ("READY=1", ...) to $NOTIFY_SOCKET, if set */
void vgm_notify(const char *state);

#endif
