/* SPDX-License-Identifier: GPL-2.0-only */
/* signals - the daemon's signals, taken by main() alone */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "base/compiler.h"

#include "signals.h"

/*
 * Why libmilter's signal thread is parked.
 *
 * smfi_main() starts a thread (libmilter signal.c, mi_signal_thread)
 * that blocks SIGHUP, SIGTERM and SIGINT and loops on sigwait() for
 * them; on SIGHUP or SIGTERM it calls mi_stop_milters(MILTER_STOP), on
 * SIGINT mi_stop_milters(MILTER_ABRT), and returns.  libmilter has no
 * call to keep that thread from starting or to change its set.  So a
 * thread of ours waiting for the same signals competes with it: a signal
 * sent to the process goes to whichever thread dequeues it first.  A
 * SIGHUP (our reload) that libmilter takes stops the daemon; a SIGTERM
 * that it takes stops libmilter before the messages in flight have
 * drained.  Keeping main() unblocked with a handler, as this daemon did
 * before, only narrows the race: Linux prefers the thread-group leader
 * for a process-directed signal, but not while the leader already has a
 * signal pending and is off the CPU, nor when the signal was pending
 * while the process was stopped and every thread wakes at SIGCONT; then
 * libmilter's sigwait() may win (tests/milter/t-signals.sh).
 *
 * The fix is at link time.  vigil-milter links libmilter statically
 * (Debian's libmilter-dev ships libmilter.a next to the .so) with
 * -Wl,--wrap=sigwait: ld then resolves every undefined reference to
 * sigwait in the objects of this link to __wrap_sigwait() below, and
 * __real_sigwait to the C library's.  In libmilter.a the one reference
 * is signal.o's (check with nm -A libmilter.a | grep sigwait).  The
 * wrapper never returns: the thread waits on a condition variable that
 * nobody signals, so it takes no signal and never touches libmilter's
 * state again; it ends with the process, as it did before when no signal
 * reached it.  What the thread would have done on SIGTERM is
 * mi_stop_milters(MILTER_STOP), and smfi_stop() is exactly that call:
 * main.c calls it when we stop.  With every thread blocking the three
 * signals and only main() in sigtimedwait() for them, the kernel has one
 * taker for each, and every SIGHUP is a reload.
 *
 * Rejected: the shared libmilter.so with the same flag (--wrap only
 * rewrites references inside this link; the .so's call binds to libc at
 * run time); defining sigwait() in the executable so that it preempts
 * libc's for libmilter.so (it would take over every library's sigwait()
 * in the process, and the real one would need dlsym(RTLD_NEXT)); and
 * restarting smfi_main() after libmilter stops (the listening socket is
 * closed and the sessions in flight are gone by then).
 */

/* The prototype -Wmissing-prototypes asks for; only ld calls it. */
int __wrap_sigwait(const sigset_t *set, int *sig) VG_NORETURN;

/* __wrap_sigwait - libmilter's signal thread parks here for good */
int
__wrap_sigwait(const sigset_t *set, int *sig)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

	(void)set;
	(void)sig;
	(void)pthread_mutex_lock(&lock);
	for (;;)
		(void)pthread_cond_wait(&never, &lock);
}

/* vgm_signals_set - SIGHUP, SIGTERM and SIGINT */
static void
vgm_signals_set(sigset_t *set)
{
	(void)sigemptyset(set);
	(void)sigaddset(set, SIGHUP);
	(void)sigaddset(set, SIGTERM);
	(void)sigaddset(set, SIGINT);
}

/* vgm_signals_block - block the three; threads created later inherit it */
int
vgm_signals_block(void)
{
	sigset_t set;
	int rc;

	vgm_signals_set(&set);
	rc = pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return 0;
}

/*
 * vgm_signals_wait - sigtimedwait() for the three.  EINTR comes after
 * SIGSTOP and SIGCONT (signal(7)); it is a time-out to the caller, which
 * asks again.
 */
int
vgm_signals_wait(unsigned timeout_ms)
{
	struct timespec ts;
	sigset_t set;
	int sig;

	vgm_signals_set(&set);
	ts.tv_sec = (time_t)(timeout_ms / 1000);
	ts.tv_nsec = (long)(timeout_ms % 1000) * 1000 * 1000;
	sig = sigtimedwait(&set, NULL, &ts);
	return sig > 0 ? sig : 0;
}
