/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check_bayes - the learning classifier as a check of the score stage
 * (check_ops.h, learn/bayes.h).
 *
 * PURPOSE  start (on the pool) tokenizes the text the score stage decoded
 *	    once for the rules; collect (off the pool: Redis is a round
 *	    trip) reads the tokens' counts and adds one band symbol,
 *	    BAYES_00 .. BAYES_99 as SpamAssassin names them, plus BAYES_999
 *	    above 0.999, each scored by the rules file (defaults below), so
 *	    the score grows with the classifier's confidence; the meta
 *	    rules, which run after the checks, can combine them.  The
 *	    probability goes in the symbol's detail and the result's
 *	    report (vigil scan --json).  verdict (after the milter applied
 *	    the verdict) is autolearn: see vg_autolearn_class() (core/autolearn.h).
 *	    Being a check of the score stage, not a stage of its own, is
 *	    deliberate: the text is decoded once for rules and classifier
 *	    alike, and the metas see the classifier's symbols.
 * OFF      bayes = no, or a database that cannot be opened (one log line
 *	    at start-up and each reload): no symbol.  Fewer than
 *	    bayes_min_spam / bayes_min_ham learned: no symbol (the report
 *	    says SILENT).  The database failing or not answering for one
 *	    message (Redis down or slow): BAYES_TEMPERROR, score 0, and a
 *	    log line; the message goes on on the other checks' verdict.
 * OWNS     The state owns its database handle and autolearn's queue
 *	    (learnq.h: the learning happens on the queue's thread, after
 *	    the reply); a message's tokens are start()'s scratch, freed by
 *	    work_free() (the queue learns from a copy).
 * THREADS  As check_ops.h; the database is shared (bayes.h THREADS).
 */
#include <string.h>

#include "base/alloc.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/str.h"
#include "learn/bayes.h"
#include "learn/learnq.h"
#include "message/msg.h"
#include "message/text.h"
#include "rules/rules.h"
#include "core/autolearn.h"
#include "core/verdict.h"
#include "stages/check_ops.h"

/* The bands, from the top; a message gets the first whose floor it meets. */
static const struct band {
	double floor;
	const char *name;
	double def; /* score when the rules file gives none */
} bands[] = {
    {0.99, "BAYES_99", 4.0},
    {0.95, "BAYES_95", 3.0},
    {0.80, "BAYES_80", 2.0},
    {0.60, "BAYES_60", 1.0},
    {0.40, "BAYES_50", 0.0},
    {0.20, "BAYES_40", -0.1},
    {0.05, "BAYES_20", -0.5},
    {0.01, "BAYES_05", -1.0},
    {-1.0, "BAYES_00", -5.0},
};
#define BAYES_999_FLOOR 0.999
#define BAYES_999_DEF   1.0

struct check_bayes {
	struct vg_bayes *db; /* NULL: off */
	bool autolearn;
	struct vg_learnq *learnq; /* autolearn's queue (with autolearn on) */
};

/* check_bayes_free - close the database */
static void
check_bayes_free(void *state)
{
	struct check_bayes *st = state;

	if (st == NULL)
		return;
	vg_learnq_free(st->learnq); /* learns what is queued first */
	vg_bayes_close(st->db);
	vg_free(st);
}

/* check_bayes_create - open the database conf names; off if it cannot */
static int
check_bayes_create(
    void **state_out, const struct vg_stage_env *env, struct vg_err *err)
{
	const struct vg_conf *conf = env->conf;
	struct check_bayes *st;
	struct vg_bayes_stats bs;
	struct vg_err why;
	int rc;

	(void)err;
	*state_out = NULL;
	if ((st = vg_calloc(1, sizeof(*st))) == NULL)
		return VG_ENOMEM;
	*state_out = st;
	if (conf == NULL || !conf->bayes)
		return 0;
	st->autolearn = conf->bayes_autolearn && !env->read_only;
	vg_err_init(&why);
	rc = vg_bayes_open(&st->db, conf, env->read_only, &why);
	if (rc == VG_ENOMEM)
		return rc;
	if (rc != 0) {
		char line[512];
		size_t n;

		(void)vg_str_fmt(line, sizeof(line), "%s", vg_err_text(&why));
		n = strlen(line);
		while (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		vg_warn("classifier off: %s", line);
		return 0;
	}
	if (st->autolearn &&
	    (rc = vg_learnq_new(&st->learnq, st->db, VG_LEARNQ_DEF_MAX)) != 0)
		return rc;
	if ((rc = vg_bayes_stats(st->db, &bs)) != 0)
		vg_warn("classifier: %s %s: cannot read its counts: %s",
		    conf->bayes_store,
		    strcmp(conf->bayes_store, "redis") == 0 ? conf->redis
		                                            : conf->bayes_path,
		    vg_strerror(rc));
	else
		vg_info("classifier: %s %s: %llu spam and %llu ham learned%s",
		    conf->bayes_store,
		    strcmp(conf->bayes_store, "redis") == 0 ? conf->redis
		                                            : conf->bayes_path,
		    (unsigned long long)bs.nspam, (unsigned long long)bs.nham,
		    bs.nspam < conf->bayes_min_spam ||
		            bs.nham < conf->bayes_min_ham
		        ? " (silent until bayes_min_spam and bayes_min_ham)"
		        : "");
	return 0;
}

/* check_bayes_start - on the pool: the message's tokens */
static int
check_bayes_start(void *state, const struct vg_msg *msg,
    const struct vg_text *text, void **work_out)
{
	struct check_bayes *st = state;
	struct vg_tokens *t = NULL;
	int rc;

	(void)msg;
	*work_out = NULL;
	if (st->db == NULL || text == NULL)
		return 0;
	if ((rc = vg_bayes_tokenize_text(st->db, text, &t)) != 0)
		return rc;
	*work_out = t;
	return 0;
}

/* check_bayes_collect - read the counts, add the band symbol */
static int
check_bayes_collect(void *state, const struct vg_msg *msg, void *work,
    uint64_t deadline_ms, const struct vg_rules *rules, struct vg_result *res)
{
	struct check_bayes *st = state;
	struct vg_bayes_score sc;
	char detail[64];
	size_t i;
	int rc;

	(void)deadline_ms; /* the store's own timeout bounds the wait */
	if (st->db == NULL || work == NULL)
		return 0;
	rc = vg_bayes_classify(st->db, work, &sc);
	if (rc == VG_ENOMEM)
		return rc;
	if (rc != 0) {
		const char *qid = vg_msg_queue_id(msg);

		vg_warn("%s: classifier skipped: its database failed: %s",
		    *qid != '\0' ? qid : "NOQUEUE", vg_strerror(rc));
		res->bayes.state = VG_BAYES_FAILED;
		return vg_result_add(res, "BAYES_TEMPERROR",
		    vg_rules_score(rules, "BAYES_TEMPERROR", 0.0),
		    vg_strerror(rc));
	}
	res->bayes.nspam = sc.nspam;
	res->bayes.nham = sc.nham;
	if (!sc.ready) {
		res->bayes.state = VG_BAYES_SILENT;
		return 0;
	}
	res->bayes.state = VG_BAYES_SCORED;
	res->bayes.prob = sc.prob;
	for (i = 0; sc.prob < bands[i].floor; i++)
		;
	(void)vg_str_fmt(detail, sizeof(detail), "p=%.6f tokens=%zu/%zu",
	    sc.prob, sc.used, sc.ntokens);
	rc = vg_result_add(res, bands[i].name,
	    vg_rules_score(rules, bands[i].name, bands[i].def), detail);
	if (rc == 0 && sc.prob >= BAYES_999_FLOOR)
		rc = vg_result_add(res, "BAYES_999",
		    vg_rules_score(rules, "BAYES_999", BAYES_999_DEF), detail);
	return rc;
}

/*
 * check_bayes_verdict - autolearn, after the milter applied the verdict:
 * queued (learnq.h), so the message's reply does not wait for the
 * database's write; the queue logs the outcome
 */
static void
check_bayes_verdict(void *state, const struct vg_msg *msg, void *work,
    const struct vg_rules *rules, const struct vg_verdict *v)
{
	struct check_bayes *st = state;
	const char *qid = vg_msg_queue_id(msg);
	uint8_t digest[16];
	double score;
	int cls, rc;

	if (st->db == NULL || st->learnq == NULL || work == NULL)
		return;
	if ((cls = vg_autolearn_class(rules, v, &score)) == 0)
		return;
	vg_bayes_digest(digest, msg);
	rc = vg_learnq_push(
	    st->learnq, work, digest, (enum vg_bayes_class)cls, qid, score);
	if (rc == VG_ENOMEM || rc == VG_EINTERNAL)
		vg_warn("%s: autolearn=%s skipped: %s",
		    *qid != '\0' ? qid : "NOQUEUE",
		    cls == VG_BAYES_SPAM ? "spam" : "ham", vg_strerror(rc));
}

/* check_bayes_work_free - a message's tokens */
static void
check_bayes_work_free(void *work)
{
	vg_tokens_free(work);
}

const struct vg_check_ops vg_check_bayes_ops = {
    .name = "bayes",
    .create = check_bayes_create,
    .start = check_bayes_start,
    .collect = check_bayes_collect,
    .verdict = check_bayes_verdict,
    .work_free = check_bayes_work_free,
    .free = check_bayes_free,
};
