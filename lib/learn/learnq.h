/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * learnq - autolearn off the mail path: a bounded queue of messages to
 * learn and the one thread that learns them.
 *
 * PURPOSE  Learning one message is a write to the classifier's database:
 *	    with LMDB three commits, each synced to disk (about 18 ms a
 *	    message here, bench/README), with Redis a round trip.  Done in
 *	    the milter's end-of-message callback it would hold back that
 *	    message's SMTP reply; queued here it does not.  vg_learnq_push()
 *	    only copies the tokens and returns; a thread of the queue's own
 *	    learns each job in order and logs "QID: autolearn=spam (rules
 *	    score N)" (or its failure) as the callback used to.
 * THREAD   Started by the first push, not by vg_learnq_new(): vigil-milter
 *	    builds its engine before it forks to detach, and a thread does
 *	    not survive a fork.
 * LIMITS   At most max_jobs messages wait (VG_LEARNQ_DEF_MAX); a push to a
 *	    full queue is refused (VG_ELIMIT): that message is not learned,
 *	    and one warning line says so for each run of refusals.  Nothing
 *	    else waits on the queue: mail never does.
 * OWNS     vg_learnq_new() returns a queue vg_learnq_free() frees; the
 *	    database stays the caller's and must outlive the queue.  A push
 *	    copies what it is given.
 * STOP     vg_learnq_free() lets the thread learn what is queued (at most
 *	    max_jobs messages), then joins it.
 * ERRORS   VG_ENOMEM, VG_ELIMIT (full), VG_EINTERNAL (no thread).
 * THREADS  Push from any number of threads.
 */
#ifndef VG_LEARNQ_H
#define VG_LEARNQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "learn/bayes.h"

#define VG_LEARNQ_DEF_MAX 64 /* messages waiting to be learned */

struct vg_learnq;

/* Counts, for tests and the log. */
struct vg_learnq_stats {
	uint64_t pushed;  /* accepted */
	uint64_t learned; /* learned (or found already learned) */
	uint64_t failed;  /* the database refused */
	uint64_t dropped; /* refused: the queue was full */
};

/* vg_learnq_new - a queue over db (the caller's) of at most max_jobs */
int vg_learnq_new(struct vg_learnq **out, struct vg_bayes *db, size_t max_jobs);

/*
 * vg_learnq_push - queue the message (tokens t, digest d, learned as cls;
 * qid and score for the log line); copies all of it
 */
int vg_learnq_push(struct vg_learnq *q, const struct vg_tokens *t,
    const uint8_t d[16], enum vg_bayes_class cls, const char *qid,
    double score);

/*
 * vg_learnq_wait_idle - block until nothing is queued or being learned,
 * or timeout_ms passed; true when idle (tests, and before a reload)
 */
bool vg_learnq_wait_idle(struct vg_learnq *q, uint64_t timeout_ms);

/*
 * vg_learnq_hold - stop (true) or resume (false) taking jobs off the
 * queue; pushes go on queueing (tests: a full queue on purpose)
 */
void vg_learnq_hold(struct vg_learnq *q, bool hold);

/* vg_learnq_stats - the counts so far */
void vg_learnq_stats(struct vg_learnq *q, struct vg_learnq_stats *out);

/* vg_learnq_free - learn what is queued, stop the thread; NULL: no-op */
void vg_learnq_free(struct vg_learnq *q);

#endif /* VG_LEARNQ_H */
