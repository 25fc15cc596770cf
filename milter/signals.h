/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * signals - SIGHUP, SIGTERM and SIGINT, taken by one thread of ours.
 *
 * PURPOSE  The daemon's signals are handled synchronously by one thread
 *	    (main()), as the libmilter documentation advises: every thread
 *	    blocks them, and that one thread takes them with
 *	    sigtimedwait().  No signal handler runs, so nothing has to be
 *	    async-signal-safe.  libmilter's own signal thread, which would
 *	    take them too and stop the milter on any of them, is parked for
 *	    good by a link-time wrapper of sigwait() (signals.c explains it).
 * OWNS     Nothing.
 * LIMITS   vgm_signals_wait() returns after at most timeout_ms, so the
 *	    caller can notice that libmilter stopped on its own.
 * ERRORS   vgm_signals_block() returns -1 with errno when the mask cannot
 *	    be set (only for a bad argument: a broken contract).
 * THREADS  vgm_signals_block() runs in main() before any thread exists,
 *	    so that every thread inherits the mask; vgm_signals_wait() runs
 *	    in that same thread only.  Nothing in vigil-milter may call
 *	    sigwait(): the wrapper would park the caller.
 * BUGS     The wrapper needs libmilter linked statically
 *	    (libmilter.a); milter/CMakeLists.txt refuses to link otherwise.
 */
#ifndef VGM_SIGNALS_H
#define VGM_SIGNALS_H

/* vgm_signals_block - block the three signals in the calling thread */
int vgm_signals_block(void);

/*
 * vgm_signals_wait - the next of the three signals, or 0 when timeout_ms
 * passed without one (or the process was stopped and continued).
 */
int vgm_signals_wait(unsigned timeout_ms);

#endif /* VGM_SIGNALS_H */
