/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_session - the session runs every stage's hooks, phase by phase.
 *
 * A test-only stage ("probe", defined here in one struct vg_stage_ops and
 * registered in a one-line stage table handed to vg_engine_build()) uses
 * every hook: it records each call, refuses what the test asks it to, and
 * its scan adds a symbol the verdict must show; a second probe ("tail")
 * after the score stage has a rcpt hook that shows what got past the
 * others, and splits its end of message as a stage that waits on the
 * network does (scan_start, collect, work_free).  With it the tests check
 * that the session calls the hooks in SMTP order with what each phase
 * carries, that a refusal stops the phase for the stages after it and
 * keeps a refused recipient out of the message, that a hook's error
 * reaches the caller, that the abort hook runs for a message given up,
 * and that a new engine's stage is handed the old engine's state (with
 * the real abuse stage: rate-limit counters survive a new engine with the
 * same limits and start afresh when a limit changed).  The
 * real score stage runs beside the probe, so the lists hook (block_rcpt
 * at RCPT TO) is exercised through the session as both front ends use it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/clock.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/str.h"
#include "message/msg.h"
#include "core/engine.h"
#include "core/session.h"
#include "core/verdict.h"
#include "stages/stages.h"
#include "store/store.h"

/* What the probe saw, and what it is told to do. */
struct probe {
	char calls[1024]; /* "connect(192.0.2.7) helo(mx) ..." */
	const void *prev; /* env->prev at create() */
	int fail_mail;    /* returned by the mail hook */
	size_t body_bytes;
};

/* The one probe the engines of a test share (create() hands it out). */
static struct probe probe;

/* note - append one call to the probe's record */
static void
note(struct probe *p, const char *what, const char *arg)
{
	size_t len = strlen(p->calls);

	(void)vg_str_fmt(p->calls + len, sizeof(p->calls) - len, "%s%s(%s)",
	    len > 0 ? " " : "", what, arg != NULL ? arg : "");
}

static int
probe_create(
    void **state_out, const struct vg_stage_env *env, struct vg_err *err)
{
	(void)err;
	ck_assert_ptr_nonnull(env->conf);
	ck_assert_ptr_nonnull(env->rules);
	probe.prev = env->prev;
	*state_out = &probe;
	return 0;
}

static void
probe_free(void *state)
{
	(void)state;
}

static int
probe_connect(void *state, const struct vg_sess *s, struct vg_hook_reply *r)
{
	note(state, "connect", vg_sess_addr(s));
	if (strcmp(vg_sess_addr(s), "192.0.2.99") == 0)
		r->notes[1] = "PROBE_CONN_NOTE";
	return 0;
}

static int
probe_helo(void *state, const struct vg_sess *s, struct vg_hook_reply *r)
{
	(void)r;
	note(state, "helo", vg_sess_helo_name(s));
	return 0;
}

/* probe_mail - refuse deny@, fail when told to */
static int
probe_mail(void *state, const struct vg_sess *s, struct vg_hook_reply *r)
{
	struct probe *p = state;
	const char *from = vg_msg_from(vg_sess_msg(s));

	note(p, "mail", from);
	if (p->fail_mail != 0)
		return p->fail_mail;
	if (strncmp(from, "note@", 5) == 0) {
		r->notes[0] = "PROBE_MAIL_NOTE";
		r->notes[1] = "PROBE_CONN_NOTE"; /* once in the verdict */
	}
	if (strncmp(from, "deny@", 5) == 0) {
		vg_hook_refuse(r, VG_REPLY_BLOCK_FROM, NULL, "PROBE");
		(void)vg_str_fmt(
		    r->log, sizeof(r->log), "probe refused %s", from);
	}
	return 0;
}

/* probe_rcpt - refuse probe-refuse@ */
static int
probe_rcpt(void *state, const struct vg_sess *s, const struct vg_rcpt *rcpt,
    struct vg_hook_reply *r)
{
	(void)s;
	note(state, rcpt->refused ? "rcpt-refused" : "rcpt", rcpt->addr);
	if (strncmp(rcpt->addr, "probe-refuse@", 13) == 0)
		vg_hook_refuse(r, VG_REPLY_BLOCK_RCPT, NULL, "PROBE");
	return 0;
}

static int
probe_eoh(void *state, const struct vg_sess *s, struct vg_hook_reply *r)
{
	char n[32];

	(void)r;
	(void)vg_str_fmt(
	    n, sizeof(n), "%zu", vg_msg_header_count(vg_sess_msg(s)));
	note(state, "eoh", n);
	return 0;
}

static int
probe_body(void *state, const struct vg_sess *s, const unsigned char *chunk,
    size_t len, struct vg_hook_reply *r)
{
	struct probe *p = state;
	char n[32];

	(void)s;
	(void)r;
	(void)chunk;
	p->body_bytes += len;
	(void)vg_str_fmt(n, sizeof(n), "%zu", len);
	note(p, "body", n);
	return 0;
}

static int
probe_eom(void *state, const struct vg_sess *s, struct vg_hook_reply *r)
{
	char n[32];

	(void)r;
	(void)vg_str_fmt(
	    n, sizeof(n), "%zu", vg_msg_rcpt_stored(vg_sess_msg(s)));
	note(state, "eom", n);
	return 0;
}

/* probe_scan - one symbol; the scan reads only (runs on the pool) */
static int
probe_scan(void *state, const struct vg_msg *msg, struct vg_result *res)
{
	(void)state;
	(void)msg;
	return vg_result_add(res, "PROBE_SEEN", 0.5, NULL);
}

static void
probe_abort(void *state, const struct vg_sess *s)
{
	note(state, "abort", vg_sess_qid(s));
}

static const struct vg_stage_ops probe_ops = {
    .name = "probe",
    .kind = VG_STAGE_OTHER,
    .create = probe_create,
    .free = probe_free,
    .connect = probe_connect,
    .helo = probe_helo,
    .mail = probe_mail,
    .rcpt = probe_rcpt,
    .eoh = probe_eoh,
    .body = probe_body,
    .eom = probe_eom,
    .scan = probe_scan,
    .abort = probe_abort,
};

/* A second probe, after the score stage: what got past both. */
static struct probe tail;

static int
tail_create(
    void **state_out, const struct vg_stage_env *env, struct vg_err *err)
{
	(void)env;
	(void)err;
	*state_out = &tail;
	return 0;
}

/*
 * The tail's end of message is split as a stage that waits on the network
 * splits it (stage.h, NETWORK WAITS): scan_start() leaves scratch, collect()
 * gets it with a deadline still ahead, work_free() frees it.
 */
static int
tail_scan_start(void *state, const struct vg_msg *msg, struct vg_result *res,
    void **work_out)
{
	(void)msg;
	note(state, "scan_start", NULL);
	if ((*work_out = vg_strdup("tail work")) == NULL)
		return VG_ENOMEM;
	return vg_result_add(res, "TAIL_STARTED", 0.25, NULL);
}

static int
tail_collect(void *state, const struct vg_msg *msg, void *work,
    uint64_t deadline_ms, struct vg_result *res)
{
	(void)msg;
	note(state, "collect", work);
	ck_assert_uint_gt(deadline_ms, vg_clock_ms());
	return vg_result_add(res, "TAIL_COLLECTED", 0.25, NULL);
}

static void
tail_work_free(void *state, void *work)
{
	note(state, "work_free", work);
	vg_free(work);
}

static const struct vg_stage_ops tail_ops = {
    .name = "tail",
    .create = tail_create,
    .rcpt = probe_rcpt,
    .scan_start = tail_scan_start,
    .collect = tail_collect,
    .work_free = tail_work_free,
};

/*
 * The stage table of these tests: one line per stage, as in
 * stages/stages.c: the probe, the real score stage, the tail probe.
 */
static const struct vg_stage_ops *const test_stages[] = {
    &probe_ops,
    &vg_stage_score_ops,
    &tail_ops,
};

static char rules_path[] = "/tmp/vg_test_session.XXXXXX";

/* engine_new - an engine with the test table; prev may be NULL */
static struct vg_engine *
engine_new(const struct vg_engine *prev)
{
	struct vg_engine_opts opts = {.prev = prev,
	    .stages = test_stages,
	    .nstages = VG_NELEM(test_stages)};
	struct vg_engine *engine = NULL;
	struct vg_conf *conf = NULL;
	struct vg_err err;
	char text[512];

	(void)vg_str_fmt(text, sizeof(text),
	    "sa_update_dir =\nsocket = unix:/tmp/x.sock\nvirus_scan = "
	    "no\ntmp_dir = /tmp\n"
	    "rules = %s\ndns_servers = 127.0.0.1:1\n",
	    rules_path);
	vg_err_init(&err);
	ck_assert_int_eq(vg_engine_global_init(&err), 0);
	ck_assert_msg(vg_conf_parse(&conf, text, strlen(text), "t", &err) == 0,
	    "%s", vg_err_text(&err));
	ck_assert_msg(vg_engine_build(&engine, conf, &opts, &err) == 0, "%s",
	    vg_err_text(&err));
	return engine;
}

static void
setup(void)
{
	static const char rules[] = "block_rcpt bad@example.org\n"
	                            "allow_rcpt postmaster@\n"
	                            "score PROBE_MAIL_NOTE 1.5\n";
	FILE *fp;
	int fd;

	memset(&probe, 0, sizeof(probe));
	memset(&tail, 0, sizeof(tail));
	(void)vg_str_fmt(
	    rules_path, sizeof(rules_path), "/tmp/vg_test_session.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(rules_path), -1);
	ck_assert_ptr_nonnull(fp = fdopen(fd, "w"));
	ck_assert_int_eq(fputs(rules, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
}

static void
teardown(void)
{
	(void)unlink(rules_path);
}

/* has_symbol - true if the verdict lists name */
static int
has_symbol(const struct vg_verdict *v, const char *name)
{
	for (size_t i = 0; i < v->nsymbols; i++)
		if (strcmp(v->symbols[i].name, name) == 0)
			return 1;
	return 0;
}

START_TEST(test_session_every_hook_in_order)
{
	static const char body[] = "Hello.\r\n";
	struct vg_engine *engine = engine_new(NULL);
	struct vg_verdict *v = NULL;
	struct vg_hook_reply r;
	struct vg_sess *s = NULL;

	ck_assert_int_eq(vg_sess_new(&s), 0);
	ck_assert_int_eq(
	    vg_sess_connect(s, engine, "192.0.2.7", "c.example", &r), 0);
	ck_assert(!r.refuse);
	ck_assert_int_eq(vg_sess_helo(s, engine, "mx.example", &r), 0);
	ck_assert_int_eq(
	    vg_sess_mail(s, engine, "a@example.net", NULL, "Q1", &r), 0);
	ck_assert(!r.refuse);
	ck_assert_ptr_eq(vg_sess_engine(s), engine);
	ck_assert_str_eq(vg_sess_qid(s), "Q1");

	/* Accepted, refused by the probe, by the lists, and by the MTA. */
	ck_assert_int_eq(vg_sess_rcpt(s, "u@example.org", false, &r), 0);
	ck_assert(!r.refuse);
	ck_assert_int_eq(
	    vg_sess_rcpt(s, "probe-refuse@example.org", false, &r), 0);
	ck_assert(r.refuse);
	ck_assert_str_eq(r.code, "550");
	ck_assert_str_eq(r.xcode, "5.7.1");
	ck_assert_str_eq(r.symbol, "PROBE");
	ck_assert_int_eq(vg_sess_rcpt(s, "bad@example.org", false, &r), 0);
	ck_assert(r.refuse);
	ck_assert_str_eq(r.symbol, "BLOCK_RCPT");
	ck_assert_str_eq(r.log,
	    "RCPT TO <bad@example.org> refused: "
	    "recipient blocked by policy");
	ck_assert_int_eq(vg_sess_rcpt(s, "gone@example.org", true, &r), 0);
	ck_assert(!r.refuse);
	ck_assert_uint_eq(vg_sess_rejected_rcpts(s), 3);
	/* Only the recipient nobody refused is in the message. */
	ck_assert_uint_eq(vg_msg_rcpt_stored(vg_sess_msg(s)), 1);
	ck_assert_str_eq(vg_msg_rcpt(vg_sess_msg(s), 0), "u@example.org");

	ck_assert_int_eq(vg_sess_header(s, "Subject", " hi"), 0);
	ck_assert_int_eq(vg_sess_header(s, "From", " a@example.net"), 0);
	ck_assert_int_eq(vg_sess_eoh(s, &r), 0);
	ck_assert_int_eq(
	    vg_sess_body(s, (const unsigned char *)body, strlen(body), &r), 0);
	ck_assert_int_eq(
	    vg_sess_body(s, (const unsigned char *)body, strlen(body), &r), 0);
	ck_assert_int_eq(vg_sess_eom(s, &r), 0);
	ck_assert(!r.refuse);
	ck_assert_int_eq(vg_sess_scan_run(s, &v), 0);
	ck_assert(has_symbol(v, "PROBE_SEEN"));
	ck_assert(has_symbol(v, "TAIL_STARTED"));
	ck_assert(has_symbol(v, "TAIL_COLLECTED"));
	ck_assert_int_eq(v->action, VG_ACTION_ACCEPT);
	vg_verdict_free(v);
	vg_sess_end(s);
	ck_assert_ptr_null(vg_sess_engine(s));

	/* The probe ran first in each phase; the score stage's rcpt hook
	 * saw bad@ only because the probe let it through. */
	ck_assert_str_eq(probe.calls,
	    "connect(192.0.2.7) helo(mx.example) mail(a@example.net) "
	    "rcpt(u@example.org) rcpt(probe-refuse@example.org) "
	    "rcpt(bad@example.org) rcpt-refused(gone@example.org) eoh(2) "
	    "body(8) body(8) eom(1)");
	ck_assert_uint_eq(probe.body_bytes, 16);
	/* A refusal stops the phase: the tail saw only what got through. */
	ck_assert_str_eq(tail.calls,
	    "rcpt(u@example.org) rcpt-refused(gone@example.org) scan_start() "
	    "collect(tail work) work_free(tail work)");

	/* A second message on the same connection, given up: abort. */
	probe.calls[0] = '\0';
	ck_assert_int_eq(
	    vg_sess_mail(s, engine, "b@example.net", NULL, "Q2", &r), 0);
	vg_sess_abort(s);
	ck_assert_str_eq(probe.calls, "mail(b@example.net) abort(Q2)");
	ck_assert_ptr_null(vg_sess_msg(s));
	vg_sess_free(s);
	vg_engine_unref(engine);
}
END_TEST

/* symbol_score - the score the verdict gives name, or -99 */
static double
symbol_score(const struct vg_verdict *v, const char *name)
{
	for (size_t i = 0; i < v->nsymbols; i++)
		if (strcmp(v->symbols[i].name, name) == 0)
			return v->symbols[i].score;
	return -99;
}

/* scan_one - one message of the session from, scanned; the verdict */
static struct vg_verdict *
scan_one(struct vg_sess *s, struct vg_engine *engine, const char *from)
{
	struct vg_verdict *v = NULL;
	struct vg_hook_reply r;

	ck_assert_int_eq(vg_sess_mail(s, engine, from, NULL, "Q", &r), 0);
	ck_assert_int_eq(vg_sess_rcpt(s, "u@example.org", false, &r), 0);
	ck_assert_int_eq(vg_sess_header(s, "Subject", " hi"), 0);
	ck_assert_int_eq(vg_sess_eoh(s, &r), 0);
	ck_assert_int_eq(vg_sess_eom(s, &r), 0);
	ck_assert_int_eq(vg_sess_scan_run(s, &v), 0);
	vg_sess_end(s);
	return v;
}

/*
 * A hook's notes become symbols of the verdict: a CONNECT note on every
 * message of the connection (and not the next connection's), a MAIL FROM
 * note on its message, each once, scored by the rules file or 0.
 */
START_TEST(test_session_notes)
{
	struct vg_engine *engine = engine_new(NULL);
	struct vg_verdict *v;
	struct vg_hook_reply r;
	struct vg_sess *s = NULL;

	ck_assert_int_eq(vg_sess_new(&s), 0);
	ck_assert_int_eq(vg_sess_connect(s, engine, "192.0.2.99", "", &r), 0);
	v = scan_one(s, engine, "note@example.net");
	ck_assert(symbol_score(v, "PROBE_CONN_NOTE") == 0.0);
	ck_assert(symbol_score(v, "PROBE_MAIL_NOTE") == 1.5);
	ck_assert(v->score >= 1.5);
	{
		size_t n = 0;

		for (size_t i = 0; i < v->nsymbols; i++)
			n += strcmp(v->symbols[i].name, "PROBE_CONN_NOTE") == 0;
		ck_assert_uint_eq(n, 1);
	}
	vg_verdict_free(v);
	v = scan_one(s, engine, "a@example.net");
	ck_assert(has_symbol(v, "PROBE_CONN_NOTE"));
	ck_assert(!has_symbol(v, "PROBE_MAIL_NOTE"));
	vg_verdict_free(v);
	ck_assert_int_eq(vg_sess_connect(s, engine, "192.0.2.7", "", &r), 0);
	v = scan_one(s, engine, "a@example.net");
	ck_assert(!has_symbol(v, "PROBE_CONN_NOTE"));
	vg_verdict_free(v);
	vg_sess_free(s);
	vg_engine_unref(engine);
}
END_TEST

/* The message keeps each note once and at most VG_MSG_NOTES_MAX. */
START_TEST(test_session_notes_bounded)
{
	static const char *const names[] = {
	    "N0", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"};
	struct vg_msg *msg = NULL;

	ck_assert_int_eq(vg_msg_new(&msg, NULL), 0);
	for (size_t i = 0; i < VG_MSG_NOTES_MAX; i++) {
		ck_assert_int_eq(vg_msg_add_note(msg, names[i]), 0);
		ck_assert_int_eq(vg_msg_add_note(msg, names[i]), 0);
	}
	ck_assert_int_eq(
	    vg_msg_add_note(msg, names[VG_MSG_NOTES_MAX]), VG_ELIMIT);
	ck_assert_uint_eq(vg_msg_note_count(msg), VG_MSG_NOTES_MAX);
	ck_assert_str_eq(vg_msg_note(msg, 0), "N0");
	ck_assert_ptr_null(vg_msg_note(msg, VG_MSG_NOTES_MAX));
	vg_msg_free(msg);
}
END_TEST

START_TEST(test_session_refusal_stops_the_phase)
{
	struct vg_engine *engine = engine_new(NULL);
	struct vg_hook_reply r;
	struct vg_sess *s = NULL;

	ck_assert_int_eq(vg_sess_new(&s), 0);
	ck_assert_int_eq(vg_sess_connect(s, engine, "192.0.2.7", NULL, &r), 0);
	ck_assert_int_eq(
	    vg_sess_mail(s, engine, "deny@example.net", NULL, "Q3", &r), 0);
	ck_assert(r.refuse);
	ck_assert_str_eq(r.code, "550");
	ck_assert_str_eq(r.log, "probe refused deny@example.net");
	vg_sess_end(s);
	/* No message: a recipient now is out of order. */
	ck_assert_int_eq(
	    vg_sess_rcpt(s, "u@example.org", false, &r), VG_EINVAL);

	/* A hook that fails: the error reaches the caller, no reply. */
	probe.fail_mail = VG_ENOMEM;
	ck_assert_int_eq(
	    vg_sess_mail(s, engine, "a@example.net", NULL, "Q4", &r),
	    VG_ENOMEM);
	ck_assert(!r.refuse);
	ck_assert_int_eq(vg_sess_on_error(s), VG_ACTION_TEMPFAIL);
	vg_sess_abort(s);
	vg_sess_free(s);
	vg_engine_unref(engine);
}
END_TEST

START_TEST(test_session_data_file_runs_eoh_and_body)
{
	static const char raw[] = "Subject: from a file\r\nFrom: a@b\r\n\r\n"
	                          "line one\r\nline two\r\n";
	char path[] = "/tmp/vg_test_session_msg.XXXXXX";
	struct vg_engine *engine = engine_new(NULL);
	struct vg_verdict *v = NULL;
	struct vg_hook_reply r;
	struct vg_sess *s = NULL;
	FILE *fp;
	int fd;

	ck_assert_int_ne(fd = mkstemp(path), -1);
	ck_assert_ptr_nonnull(fp = fdopen(fd, "w"));
	ck_assert_int_eq(fputs(raw, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(vg_sess_new(&s), 0);
	ck_assert_int_eq(vg_sess_connect(s, engine, "192.0.2.9", NULL, &r), 0);
	ck_assert_int_eq(
	    vg_sess_mail(s, engine, "a@example.net", NULL, NULL, &r), 0);
	ck_assert_int_eq(vg_sess_rcpt(s, "u@example.org", false, &r), 0);
	ck_assert_int_eq(vg_sess_data_file(s, path, &r), 0);
	ck_assert_int_eq(vg_sess_eom(s, &r), 0);
	/* The envelope survived the file; the body came as one chunk. */
	ck_assert_str_eq(vg_msg_from(vg_sess_msg(s)), "a@example.net");
	ck_assert_str_eq(vg_msg_client_addr(vg_sess_msg(s)), "192.0.2.9");
	ck_assert_uint_eq(vg_msg_rcpt_stored(vg_sess_msg(s)), 1);
	ck_assert_uint_eq(probe.body_bytes, strlen("line one\r\nline two\r\n"));
	ck_assert_int_eq(vg_sess_scan_run(s, &v), 0);
	ck_assert(has_symbol(v, "PROBE_SEEN"));
	vg_verdict_free(v);
	ck_assert_int_eq(vg_sess_data_file(s, "/nonexistent/msg", &r), VG_EIO);
	vg_sess_free(s);
	vg_engine_unref(engine);
	(void)unlink(path);
}
END_TEST

START_TEST(test_session_prev_state_carried)
{
	struct vg_engine *one = engine_new(NULL), *two;

	ck_assert_ptr_null(probe.prev);
	two = engine_new(one);
	/* The new engine's probe was handed the old engine's state. */
	ck_assert_ptr_eq(probe.prev, &probe);
	vg_engine_unref(one);
	vg_engine_unref(two);
}
END_TEST

/*
 * store_engine - the stage table's engine with one connection limit and
 * a memory store of max_keys keys, built with opts
 */
static struct vg_engine *
store_engine(
    const struct vg_engine_opts *opts, unsigned per_minute, unsigned max_keys)
{
	struct vg_engine *engine = NULL;
	struct vg_conf *conf = NULL;
	struct vg_err err;
	char text[512];

	(void)vg_str_fmt(text, sizeof(text),
	    "sa_update_dir =\nsocket = unix:/tmp/x.sock\nvirus_scan = "
	    "no\ntmp_dir = /tmp\n"
	    "dns_servers = 127.0.0.1:1\nrules = %s\n"
	    "ratelimit_external_connections = %u\n"
	    "ratelimit_max_keys = %u\n",
	    rules_path, per_minute, max_keys);
	vg_err_init(&err);
	ck_assert_int_eq(vg_engine_global_init(&err), 0);
	ck_assert_msg(vg_conf_parse(&conf, text, strlen(text), "t", &err) == 0,
	    "%s", vg_err_text(&err));
	ck_assert_msg(vg_engine_build(&engine, conf, opts, &err) == 0, "%s",
	    vg_err_text(&err));
	return engine;
}

/* limits_engine - the stage table's engine with one connection limit */
static struct vg_engine *
limits_engine(const struct vg_engine *prev, unsigned per_minute)
{
	struct vg_engine_opts opts = {.prev = prev};

	return store_engine(&opts, per_minute, 1000);
}

/* connect_refused - one connection from 203.0.113.5: refused? */
static bool
connect_refused(struct vg_engine *engine)
{
	struct vg_hook_reply r;
	struct vg_sess *s = NULL;

	ck_assert_int_eq(vg_sess_new(&s), 0);
	ck_assert_int_eq(
	    vg_sess_connect(s, engine, "203.0.113.5", NULL, &r), 0);
	vg_sess_free(s);
	if (r.refuse) {
		ck_assert_str_eq(r.code, "451");
		ck_assert_str_eq(r.symbol, "RATELIMIT_CONNECTIONS");
	}
	return r.refuse;
}

START_TEST(test_session_limits_survive_a_new_engine)
{
	struct vg_engine *one = limits_engine(NULL, 2), *two, *three;

	/* The real abuse stage: two connections a minute, the third waits. */
	ck_assert(!connect_refused(one));
	ck_assert(!connect_refused(one));
	ck_assert(connect_refused(one));
	/* A reload with the same limits keeps counting. */
	two = limits_engine(one, 2);
	vg_engine_unref(one);
	ck_assert(connect_refused(two));
	/* A changed limit starts the counters afresh. */
	three = limits_engine(two, 3);
	vg_engine_unref(two);
	ck_assert(!connect_refused(three));
	vg_engine_unref(three);
}
END_TEST

START_TEST(test_session_store_carried)
{
	struct vg_engine_opts opts = {.prev = NULL};
	struct vg_engine *one = store_engine(&opts, 2, 1000), *two, *three;
	struct vg_store *store;

	ck_assert_ptr_nonnull(vg_engine_store(one));
	ck_assert(!connect_refused(one));
	ck_assert(!connect_refused(one));
	/* An in-place reload: the old engine is gone, its store handed on. */
	store = vg_store_ref(vg_engine_store(one));
	vg_engine_unref(one);
	opts.store = store;
	two = store_engine(&opts, 2, 1000);
	vg_store_unref(store);
	ck_assert_ptr_eq(vg_engine_store(two), store);
	ck_assert_msg(connect_refused(two),
	    "in-place reload: got a fresh count, want the old one");
	/* Another store setting: a fresh store, the counters start afresh. */
	opts.prev = two;
	opts.store = NULL;
	three = store_engine(&opts, 2, 2000);
	ck_assert_ptr_ne(vg_engine_store(three), vg_engine_store(two));
	vg_engine_unref(two);
	ck_assert(!connect_refused(three));
	vg_engine_unref(three);
}
END_TEST

static Suite *
session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_session_every_hook_in_order);
	tcase_add_test(tc, test_session_notes);
	tcase_add_test(tc, test_session_notes_bounded);
	tcase_add_test(tc, test_session_refusal_stops_the_phase);
	tcase_add_test(tc, test_session_data_file_runs_eoh_and_body);
	tcase_add_test(tc, test_session_prev_state_carried);
	tcase_add_test(tc, test_session_limits_survive_a_new_engine);
	tcase_add_test(tc, test_session_store_carried);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(session_suite)
