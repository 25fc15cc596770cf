/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_verdict - every action and error outcome of the policy, and the
 * header edits it produces.  The engine is real (virus scanning off, so no
 * signature database is needed); stage results are built by hand so each
 * outcome can be reached exactly.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/conf.h"
#include "core/engine.h"
#include "base/err.h"
#include "message/msg.h"
#include "core/result.h"
#include "core/verdict.h"

static struct vg_engine *
engine_with(const char *extra)
{
	char text[1024];
	struct vg_conf *conf;
	struct vg_engine *engine;
	struct vg_err err;

	vg_err_init(&err);
	snprintf(text, sizeof(text),
	    "socket = unix:/tmp/x.sock\nvirus_scan = no\n"
	    "authserv_id = mx.example.org\n%s",
	    extra);
	ck_assert_msg(
	    vg_conf_parse(&conf, text, strlen(text), "t.conf", &err) == 0,
	    "conf: %s", vg_err_text(&err));
	/* Test rules: the default thresholds without a rules file. */
	vg_free(conf->rules);
	conf->rules = NULL;
	ck_assert_msg(vg_engine_new(&engine, conf, &err) == 0, "engine: %s",
	    vg_err_text(&err));
	return engine;
}

static struct vg_msg *
msg_of(const char *raw)
{
	struct vg_msg_limits lim = {.max_size = 1 << 20,
	    .memory_limit = 1 << 20,
	    .max_headers = 100,
	    .max_header_size = 4096,
	    .max_rcpts = 10,
	    .tmp_dir = "/tmp"};
	struct vg_msg *msg;

	ck_assert_int_eq(vg_msg_from_bytes(&msg, &lim, raw, strlen(raw)), 0);
	return msg;
}

/* find_edit - the nth edit of kind for name, or NULL */
static const struct vg_header_edit *
find_edit(const struct vg_verdict *v, enum vg_edit_kind kind, const char *name,
    size_t nth)
{
	for (size_t i = 0; i < v->nedits; i++)
		if (v->edits[i].kind == kind &&
		    strcmp(v->edits[i].name, name) == 0 && nth-- == 0)
			return &v->edits[i];
	return NULL;
}

/*
 * fx - one verdict test: a real engine, a message, a clean virus result
 * and an empty score result that the test fills, and the last verdict.
 */
struct fx {
	struct vg_engine *engine;
	struct vg_msg *msg;
	struct vg_result res[2];
	struct vg_verdict *v;
};

static void
fx_init_msg(struct fx *f, const char *conf, struct vg_msg *msg)
{
	f->engine = engine_with(conf);
	f->msg = msg;
	f->v = NULL;
	vg_result_init(&f->res[0], "virus");
	f->res[0].kind = VG_STAGE_VIRUS;
	f->res[0].outcome = VG_VIRUS_CLEAN;
	vg_result_init(&f->res[1], "score");
	f->res[1].kind = VG_STAGE_SCORE;
}

static void
fx_init(struct fx *f, const char *conf, const char *raw)
{
	fx_init_msg(f, conf, msg_of(raw));
}

/* fx_decide - a new verdict from the results as they are now */
static struct vg_verdict *
fx_decide(struct fx *f)
{
	vg_verdict_free(f->v);
	ck_assert_int_eq(
	    vg_verdict_decide(&f->v, f->engine, f->msg, f->res, 2), 0);
	return f->v;
}

static void
fx_fini(struct fx *f)
{
	vg_verdict_free(f->v);
	vg_result_fini(&f->res[0]);
	vg_result_fini(&f->res[1]);
	vg_msg_free(f->msg);
	vg_engine_unref(f->engine);
}

static const char clean_msg[] =
    "From: a@example.com\r\nSubject: hello\r\n\r\nbody\r\n";

struct outcome {
	const char *conf;  /* extra config lines */
	const char *virus; /* virus stage found this, or NULL */
	int virus_status;  /* virus stage status */
	double score;      /* score stage total */
	int score_status;  /* score stage status */
	enum vg_action want;
	const char *want_code; /* "" = no reply */
	const char *want_text; /* substring of the reply text */
};

static const struct outcome outcomes[] = {
    {"", NULL, 0, 0.0, 0, VG_ACTION_ACCEPT, "", ""},
    {"", NULL, 0, 4.9, 0, VG_ACTION_ACCEPT, "", ""},
    {"", NULL, 0, 5.0, 0, VG_ACTION_TAG, "", ""},
    {"", NULL, 0, 15.0, 0, VG_ACTION_REJECT, "550",
        "Message rejected as spam (score 15.0)"},
    {"", "Eicar-Test-Signature", 0, 0.0, 0, VG_ACTION_REJECT, "550",
        "Message rejected: virus Eicar-Test-Signature detected"},
    /* A virus wins over any score. */
    {"", "Eicar-Test-Signature", 0, 20.0, 0, VG_ACTION_REJECT, "550",
        "virus Eicar-Test-Signature"},
    {"virus_action = tag\n", "X", 0, 0.0, 0, VG_ACTION_TAG, "", ""},
    {"virus_action = accept\n", "X", 0, 0.0, 0, VG_ACTION_ACCEPT, "", ""},
    {"virus_action = quarantine\n", "X", 0, 0.0, 0, VG_ACTION_QUARANTINE, "",
        ""},
    {"virus_action = discard\n", "X", 0, 0.0, 0, VG_ACTION_DISCARD, "", ""},
    /* A failed stage: on_error, unless a definite rejection stands. */
    {"", NULL, -3, 0.0, 0, VG_ACTION_TEMPFAIL, "451", "Temporary failure"},
    {"", NULL, 0, 0.0, -3, VG_ACTION_TEMPFAIL, "451", "Temporary failure"},
    {"on_error = accept\n", NULL, -3, 0.0, 0, VG_ACTION_ACCEPT, "", ""},
    {"on_error = accept\n", NULL, -3, 6.0, 0, VG_ACTION_TAG, "", ""},
    {"", NULL, -3, 16.0, 0, VG_ACTION_REJECT, "550", "spam"},
};

START_TEST(test_verdict_outcomes)
{
	const struct outcome *o = &outcomes[_i];
	struct fx f;
	struct vg_verdict *v;

	fx_init(&f, o->conf, clean_msg);
	f.res[0].outcome = o->virus != NULL ? VG_VIRUS_INFECTED
	    : o->virus_status == 0          ? VG_VIRUS_CLEAN
	                                    : VG_VIRUS_NOT_RUN;
	if (o->virus != NULL)
		snprintf(
		    f.res[0].virus, sizeof(f.res[0].virus), "%s", o->virus);
	if (o->virus_status != 0)
		vg_result_fail(&f.res[0], o->virus_status, "clamav broke");
	if (o->score != 0.0)
		ck_assert_int_eq(
		    vg_result_add(&f.res[1], "RULE", o->score, NULL), 0);
	if (o->score_status != 0)
		vg_result_fail(&f.res[1], o->score_status, "rules broke");
	v = fx_decide(&f);
	ck_assert_msg(v->action == o->want, "case %d: got %s, want %s", _i,
	    vg_action_name(v->action), vg_action_name(o->want));
	ck_assert_msg(strcmp(v->code, o->want_code) == 0,
	    "case %d: got code \"%s\", want \"%s\"", _i, v->code, o->want_code);
	ck_assert_msg(strstr(v->text, o->want_text) != NULL,
	    "case %d: got text \"%s\", want \"%s\" in it", _i, v->text,
	    o->want_text);
	ck_assert(v->error == (o->virus_status != 0 || o->score_status != 0));
	fx_fini(&f);
}
END_TEST

/* "Vigil VERSION on mx.example.org" */
static const char *
spam_checker(void)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "Vigil %s on mx.example.org", vg_version());
	return buf;
}

/* Our headers, in order, with SpamAssassin's formats. */
START_TEST(test_verdict_headers_tagged)
{
	struct fx f;
	struct vg_verdict *v;
	const struct vg_header_edit *e;

	fx_init(&f, "", clean_msg);
	vg_result_add(&f.res[1], "SUBJ_ALL_CAPS", 1.5, NULL);
	vg_result_add(&f.res[1], "BODY_MILLION", 4.0, NULL);
	vg_result_add(&f.res[1], "SPF_PASS", -0.5, NULL);
	v = fx_decide(&f);
	ck_assert_int_eq(v->action, VG_ACTION_TAG);
	ck_assert(v->score > 4.99 && v->score < 5.01);
	ck_assert_ptr_nonnull(e = find_edit(v, VG_EDIT_ADD, "X-Spam-Flag", 0));
	ck_assert_str_eq(e->value, "YES");
	/* SpamAssassin's layout: no X-Spam-Score. */
	ck_assert_ptr_null(find_edit(v, VG_EDIT_ADD, "X-Spam-Score", 0));
	ck_assert_ptr_nonnull(e = find_edit(v, VG_EDIT_ADD, "X-Spam-Level", 0));
	ck_assert_str_eq(e->value, "*****");
	ck_assert_ptr_nonnull(
	    e = find_edit(v, VG_EDIT_ADD, "X-Spam-Checker-Version", 0));
	ck_assert_str_eq(e->value, spam_checker());
	ck_assert_ptr_nonnull(
	    e = find_edit(v, VG_EDIT_ADD, "X-Spam-Status", 0));
	/* Tests sorted by name, as SpamAssassin sorts them; no scores. */
	{
		char want[256];

		snprintf(want, sizeof(want),
		    "Yes, score=5.0 required=5.0 tests=BODY_MILLION,SPF_PASS,"
		    "\n\tSUBJ_ALL_CAPS autolearn=unavailable version=%s",
		    vg_version());
		ck_assert_str_eq(e->value, want);
	}
	ck_assert_ptr_nonnull(
	    e = find_edit(v, VG_EDIT_ADD, "X-Virus-Status", 0));
	ck_assert_str_eq(e->value, "Clean");
	ck_assert_ptr_nonnull(
	    e = find_edit(v, VG_EDIT_ADD, "X-Virus-Scanned", 0));
	ck_assert_msg(
	    strncmp(e->value, "Vigil ", 6) == 0, "got \"%s\"", e->value);
	fx_fini(&f);
}
END_TEST

/*
 * Forged headers are deleted by per-name index, highest first; an
 * Authentication-Results from another authserv-id stays.
 */
START_TEST(test_verdict_deletes_forgeries)
{
	static const char raw[] =
	    "X-Virus-Status: Clean\r\n"
	    "Authentication-Results: mx.example.org; spf=pass\r\n"
	    "X-Spam-Flag: NO\r\n"
	    "Authentication-Results: other.example; spf=fail\r\n"
	    "x-virus-status: Clean\r\n"
	    "X-Spam-Level: *****\r\n"
	    "Authentication-Results:  MX.EXAMPLE.ORG ; dkim=pass\r\n"
	    "Subject: hi\r\n\r\nbody\r\n";
	struct fx f;
	struct vg_verdict *v;
	size_t deletes = 0, last_xvs = 99;

	fx_init(&f, "", raw);
	v = fx_decide(&f);
	for (size_t i = 0; i < v->nedits; i++) {
		const struct vg_header_edit *e = &v->edits[i];

		if (e->kind != VG_EDIT_DELETE)
			continue;
		deletes++;
		if (strcasecmp(e->name, "X-Virus-Status") == 0) {
			/* Index 2 before index 1. */
			ck_assert_uint_lt(e->index, last_xvs);
			last_xvs = e->index;
		}
		if (strcasecmp(e->name, "Authentication-Results") == 0)
			ck_assert_msg(e->index == 1 || e->index == 3,
			    "deleted A-R %zu, want 1 and 3", e->index);
	}
	ck_assert_uint_eq(deletes, 6);
	ck_assert_uint_eq(last_xvs, 1);
	fx_fini(&f);
}
END_TEST

/*
 * RFC 8601 2.2: the authserv-id may be quoted, followed by a version and
 * surrounded by comments; every such spelling of ours is a forgery
 * (section 5), and only ours is.
 */
static const struct {
	const char *value;
	bool forged;
} ar_forms[] = {
    {" mx.example.org; spf=pass", true},
    {" mx.example.org 1; spf=pass smtp.mailfrom=paypal.com", true},
    {" mx.example.org (our mta); dkim=pass header.d=paypal.com", true},
    {" (hi) mx.example.org; dmarc=pass", true},
    {" (a (nested) comment) mx.example.org; dmarc=pass", true},
    {" \"mx.example.org\"; dmarc=pass", true},
    {" \"mx.example.org\" 1; dmarc=pass", true},
    {" mx.example.org\r\n\t1; spf=pass", true},
    {" MX.Example.ORG; none", true},
    {" mx.example.org", true},
    {" mx.example.org.evil; spf=pass", false},
    {" xmx.example.org; spf=pass", false},
    {" \"mx.example.org.evil\"; spf=pass", false},
    {" (mx.example.org) other.example; spf=pass", false},
    {" other.example; spf=fail", false},
};

START_TEST(test_verdict_ar_forms)
{
	char raw[512];
	struct fx f;
	struct vg_verdict *v;
	bool deleted;

	snprintf(raw, sizeof(raw),
	    "Authentication-Results:%s\r\nSubject: hi\r\n\r\nbody\r\n",
	    ar_forms[_i].value);
	fx_init(&f, "", raw);
	v = fx_decide(&f);
	deleted =
	    find_edit(v, VG_EDIT_DELETE, "Authentication-Results", 0) != NULL;
	ck_assert_msg(deleted == ar_forms[_i].forged,
	    "\"%s\": got deleted=%d, want %d", ar_forms[_i].value, deleted,
	    ar_forms[_i].forged);
	fx_fini(&f);
}
END_TEST

/* A forged header longer than max_header_size is deleted all the same. */
START_TEST(test_verdict_deletes_long_forgery)
{
	static const char head[] = "Subject: hi\r\nX-Virus-Status: Clean";
	static const char tail[] = "\r\n\r\nbody\r\n";
	size_t pad = 70 * 1024;
	char *raw = malloc(sizeof(head) + pad + sizeof(tail));
	struct fx f;
	struct vg_verdict *v;
	bool deleted = false;

	ck_assert_ptr_nonnull(raw);
	memcpy(raw, head, sizeof(head) - 1);
	memset(raw + sizeof(head) - 1, 'x', pad);
	memcpy(raw + sizeof(head) - 1 + pad, tail, sizeof(tail));
	fx_init(&f, "", raw);
	free(raw);
	ck_assert(vg_msg_flags(f.msg) & VG_MSG_F_HEADER_TOO_LONG);
	v = fx_decide(&f);
	for (size_t i = 0; i < v->nedits; i++)
		if (v->edits[i].kind == VG_EDIT_DELETE &&
		    strcmp(v->edits[i].name, "X-Virus-Status") == 0)
			deleted = v->edits[i].index == 1;
	ck_assert_msg(
	    deleted, "the 70 KB forged X-Virus-Status is not deleted");
	fx_fini(&f);
}
END_TEST

/*
 * Ordinary headers piled up past max_header_count do not hide a forgery;
 * more forgeries than can be indexed get the message refused.
 */
START_TEST(test_verdict_forgery_after_many_headers)
{
	struct vg_msg_limits lim = {.max_size = 1 << 20,
	    .memory_limit = 1 << 20,
	    .max_headers = 10,
	    .max_header_size = 4096,
	    .max_rcpts = 10,
	    .tmp_dir = "/tmp"};
	char raw[4096];
	size_t len = 0;
	struct vg_msg *msg;
	struct fx f;
	struct vg_verdict *v;
	size_t deletes = 0;
	/*
	 * Case 0: 15 plain headers then one forgery; case 1: 25 forgeries;
	 * case 2: 15 plain headers then one X-Spam-* forgery whose name is
	 * longer than 64 bytes (every X-Spam-* is ours, whatever its length).
	 */
	int plain = _i != 1 ? 15 : 0, forged = _i == 1 ? 25 : 1;
	const char *forgery = _i == 2
	    ? "X-Spam-"
	      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	      "AAAAAAAA: YES\r\n"
	    : "X-Virus-Status: Clean\r\n";

	for (int i = 0; i < plain; i++)
		len += (size_t)snprintf(
		    raw + len, sizeof(raw) - len, "X-Filler-%d: x\r\n", i);
	for (int i = 0; i < forged; i++)
		len += (size_t)snprintf(
		    raw + len, sizeof(raw) - len, "%s", forgery);
	len += (size_t)snprintf(raw + len, sizeof(raw) - len, "\r\nbody\r\n");
	ck_assert_int_eq(vg_msg_from_bytes(&msg, &lim, raw, len), 0);
	fx_init_msg(&f, "", msg);
	v = fx_decide(&f);
	for (size_t i = 0; i < v->nedits; i++)
		if (v->edits[i].kind == VG_EDIT_DELETE)
			deletes++;
	if (_i != 1) {
		ck_assert_int_eq(v->action, VG_ACTION_ACCEPT);
		ck_assert_msg(
		    deletes == 1, "deletes: got %zu, want 1", deletes);
	} else {
		ck_assert_int_eq(v->action, VG_ACTION_REJECT);
		ck_assert_str_eq(v->code, "550");
		ck_assert_ptr_nonnull(strstr(v->text, "too many"));
	}
	fx_fini(&f);
}
END_TEST

/* A rule name with CR/LF cannot inject a header line. */
START_TEST(test_verdict_header_values_sanitised)
{
	struct fx f;
	struct vg_verdict *v;
	const struct vg_header_edit *e;

	fx_init(&f, "", clean_msg);
	snprintf(f.res[0].virus, sizeof(f.res[0].virus), "Evil\r\nX-Hdr: 1");
	vg_result_add(&f.res[1], "BAD\r\nX-Injected: yes", 1.0, NULL);
	v = fx_decide(&f);
	/* A virus is rejected: no headers, and the reply text is one line. */
	ck_assert_int_eq(v->action, VG_ACTION_REJECT);
	ck_assert_ptr_null(strpbrk(v->text, "\r\n"));

	f.res[0].virus[0] = '\0';
	v = fx_decide(&f);
	ck_assert_ptr_nonnull(
	    e = find_edit(v, VG_EDIT_ADD, "X-Spam-Status", 0));
	ck_assert_ptr_null(strchr(e->value, '\r'));
	/* The only LF allowed is our own fold, followed by a tab. */
	for (const char *p = strchr(e->value, '\n'); p != NULL;
	     p = strchr(p + 1, '\n'))
		ck_assert_int_eq(p[1], '\t');
	fx_fini(&f);
}
END_TEST

/* A long tests= list folds under 80 columns and is cut with ",...". */
START_TEST(test_verdict_tests_fold_and_cut)
{
	struct fx f;
	struct vg_verdict *v;
	const struct vg_header_edit *e;
	char name[64], small[40];
	const char *line;

	fx_init(&f, "", clean_msg);
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "RULE_NUMBER_%03d", i);
		vg_result_add(&f.res[1], name, 0.01, NULL);
	}
	v = fx_decide(&f);
	ck_assert_ptr_nonnull(
	    e = find_edit(v, VG_EDIT_ADD, "X-Spam-Status", 0));
	ck_assert_uint_lt(strlen(e->value), VG_VERDICT_HEADER_MAX);
	ck_assert_ptr_nonnull(strstr(e->value, ",..."));
	line = e->value;
	for (const char *p = e->value;; p++) {
		if (*p == '\n' || *p == '\0') {
			size_t width =
			    (size_t)(p - line) + (line == e->value ? 15 : 8);

			ck_assert_msg(
			    width <= 80, "line of %zu columns", width);
			if (*p == '\0')
				break;
			line = p + 1;
		}
	}
	ck_assert_uint_lt(
	    vg_verdict_tests(v, small, sizeof(small)), sizeof(small));
	ck_assert_ptr_nonnull(strstr(small, ",..."));
	fx_fini(&f);
}
END_TEST

/* Oversized messages get oversize_action and "Unscanned (too large)". */
START_TEST(test_verdict_oversized)
{
	static const char *const confs[] = {
	    "", "oversize_action = reject\n", "oversize_action = tempfail\n"};
	static const enum vg_action want[] = {
	    VG_ACTION_ACCEPT, VG_ACTION_REJECT, VG_ACTION_TEMPFAIL};
	struct vg_msg_limits lim = {.max_size = 16,
	    .memory_limit = 1 << 20,
	    .max_headers = 100,
	    .max_header_size = 4096,
	    .max_rcpts = 10,
	    .tmp_dir = "/tmp"};
	struct vg_msg *msg;
	struct fx f;
	struct vg_verdict *v;
	const struct vg_header_edit *e;

	ck_assert_int_eq(
	    vg_msg_from_bytes(&msg, &lim, clean_msg, strlen(clean_msg)), 0);
	ck_assert(vg_msg_oversized(msg));
	fx_init_msg(&f, confs[_i], msg);
	f.res[0].outcome = VG_VIRUS_TOO_LARGE;
	snprintf(f.res[0].unscanned, sizeof(f.res[0].unscanned), "too large");
	v = fx_decide(&f);
	ck_assert_int_eq(v->action, want[_i]);
	ck_assert_str_eq(v->virus_status, "Unscanned (too large)");
	if (want[_i] == VG_ACTION_ACCEPT) {
		ck_assert_ptr_nonnull(
		    e = find_edit(v, VG_EDIT_ADD, "X-Virus-Status", 0));
		ck_assert_str_eq(e->value, "Unscanned (too large)");
		/* Not scored, so no spam verdict is claimed. */
		ck_assert_ptr_null(
		    find_edit(v, VG_EDIT_ADD, "X-Spam-Status", 0));
	} else {
		ck_assert_str_eq(
		    v->code, want[_i] == VG_ACTION_REJECT ? "552" : "451");
	}
	fx_fini(&f);
}
END_TEST

/* A check's forced decision applies when it is the strictest. */
START_TEST(test_verdict_forced)
{
	struct fx f;
	struct vg_verdict *v;

	fx_init(&f, "", clean_msg);
	vg_result_force(&f.res[1], VG_ACTION_REJECT, "550", "5.7.23",
	    "SPF_FAIL", "SPF check failed for %s", "example.com");
	v = fx_decide(&f);
	ck_assert_int_eq(v->action, VG_ACTION_REJECT);
	ck_assert_str_eq(v->xcode, "5.7.23");
	ck_assert_str_eq(v->text, "SPF check failed for example.com");
	/* At equal strictness the check's reply beats the score's. */
	vg_result_add(&f.res[1], "HIGH", 20.0, NULL);
	v = fx_decide(&f);
	ck_assert_int_eq(v->action, VG_ACTION_REJECT);
	ck_assert_str_eq(v->text, "SPF check failed for example.com");
	fx_fini(&f);
}
END_TEST

/* SPF results become Received-SPF and one Authentication-Results. */
START_TEST(test_verdict_spf_headers)
{
	struct fx f;
	struct vg_verdict *v;
	const struct vg_header_edit *e;
	char tests[256];

	fx_init(&f, "", clean_msg);
	ck_assert_int_eq(vg_msg_set_client(f.msg, "192.0.2.1", "mx.x"), 0);
	ck_assert_int_eq(vg_msg_set_from(f.msg, "bob\"\r\n@example.com"), 0);
	ck_assert_int_eq(vg_msg_set_helo(f.msg, "mail.example.com"), 0);
	vg_result_add(
	    &f.res[1], "SPF_FAIL", 3.0, "spf=fail smtp.mailfrom=example.com");
	vg_result_add(&f.res[1], "SPF_HELO_NONE", 0.0,
	    "spf=none smtp.helo=mail.example.com");
	/* The headers come from the typed results, not from the details. */
	v = fx_decide(&f);
	ck_assert_ptr_null(
	    find_edit(v, VG_EDIT_ADD, "Authentication-Results", 0));
	ck_assert_int_eq(
	    vg_result_add_auth(&f.res[1], VG_AUTH_SPF, "SPF_HELO_NONE", "none",
	        "helo", "mail.example.com"),
	    0);
	ck_assert_int_eq(vg_result_add_auth(&f.res[1], VG_AUTH_SPF, "SPF_FAIL",
	                     "fail", "mailfrom", "example.com"),
	    0);
	v = fx_decide(&f);
	ck_assert_ptr_nonnull(
	    e = find_edit(v, VG_EDIT_ADD, "Authentication-Results", 0));
	ck_assert_str_eq(e->value,
	    "mx.example.org; spf=fail smtp.mailfrom=example.com; spf=none "
	    "smtp.helo=mail.example.com");
	ck_assert_ptr_nonnull(e = find_edit(v, VG_EDIT_ADD, "Received-SPF", 0));
	ck_assert_msg(strncmp(e->value,
	                  "fail (mx.example.org: domain "
	                  "example.com does not designate "
	                  "192.0.2.1 as permitted sender) "
	                  "client-ip=192.0.2.1; ",
	                  107) == 0,
	    "got \"%s\"", e->value);
	/* The sender's quote and CR/LF cannot break out of the value. */
	ck_assert_msg(strstr(e->value, "envelope-from=\"bob???@") != NULL,
	    "got \"%s\"", e->value);
	ck_assert_ptr_nonnull(strstr(e->value, "identity=mailfrom"));
	ck_assert_ptr_nonnull(e = find_edit(v, VG_EDIT_ADD, "Received-SPF", 1));
	ck_assert_ptr_nonnull(strstr(e->value, "identity=helo"));
	/* The 0-scored symbol is carried, not listed in tests=. */
	vg_verdict_tests(v, tests, sizeof(tests));
	ck_assert_str_eq(tests, "SPF_FAIL=3.0");
	fx_fini(&f);
}
END_TEST

/*
 * Outbound (trusted network or SASL login) spam is held, as a probable
 * compromise naming the source; an outbound virus is rejected.
 */
static const struct {
	const char *client, *auth;
	double score;
	const char *virus;
	enum vg_action want;
	const char *source;
} outbound[] = {
    {"192.0.2.7", "", 6.0, NULL, VG_ACTION_QUARANTINE, "client=192.0.2.7"},
    {"192.0.2.7", "", 20.0, NULL, VG_ACTION_QUARANTINE, "client=192.0.2.7"},
    {"203.0.113.9", "alice", 6.0, NULL, VG_ACTION_QUARANTINE,
        "sasl_username=alice"},
    {"192.0.2.7", "", 0.0, "Eicar", VG_ACTION_REJECT, "client=192.0.2.7"},
    {"192.0.2.7", "", 1.0, NULL, VG_ACTION_ACCEPT, "client=192.0.2.7"},
    /* Inbound spam is tagged as usual. */
    {"203.0.113.9", "", 6.0, NULL, VG_ACTION_TAG, "client=203.0.113.9"},
};

START_TEST(test_verdict_outbound)
{
	struct fx f;
	struct vg_verdict *v;

	fx_init(&f, "trusted_networks = 192.0.2.0/24\n", clean_msg);
	ck_assert_int_eq(vg_msg_set_client(f.msg, outbound[_i].client, ""), 0);
	ck_assert_int_eq(vg_msg_set_auth(f.msg, outbound[_i].auth), 0);
	if (outbound[_i].virus != NULL)
		snprintf(f.res[0].virus, sizeof(f.res[0].virus), "%s",
		    outbound[_i].virus);
	vg_result_add(&f.res[1], "RULE", outbound[_i].score, NULL);
	v = fx_decide(&f);
	ck_assert_msg(v->action == outbound[_i].want,
	    "case %d: got %s, want %s", _i, vg_action_name(v->action),
	    vg_action_name(outbound[_i].want));
	ck_assert_str_eq(v->source, outbound[_i].source);
	if (v->action == VG_ACTION_QUARANTINE) {
		ck_assert(v->outbound);
		ck_assert_msg(
		    strstr(v->reason, "probable compromise") != NULL &&
		        strstr(v->reason, outbound[_i].source) != NULL,
		    "got reason \"%s\"", v->reason);
		/* Held mail still gets our headers. */
		ck_assert_ptr_nonnull(
		    find_edit(v, VG_EDIT_ADD, "X-Spam-Flag", 0));
	}
	fx_fini(&f);
}
END_TEST

/*
 * A virus scan that stopped short (virus_clamav.c, "Incomplete scans"):
 * unscanned_action decides, the message is never called Clean, and the
 * VIRUS_UNSCANNED symbol carries the reason (scored only for tag).
 */
static const struct unscanned_case {
	const char *conf;
	double score; /* score stage total */
	enum vg_action want;
	const char *want_code;
	double want_score; /* the verdict's total */
} unscanned_cases[] = {
    {"", 0.0, VG_ACTION_REJECT, "550", 0.0},
    {"unscanned_action = reject\n", 16.0, VG_ACTION_REJECT, "550", 16.0},
    {"unscanned_action = quarantine\n", 0.0, VG_ACTION_QUARANTINE, "", 0.0},
    /* A spam rejection is stricter than the hold queue. */
    {"unscanned_action = quarantine\n", 16.0, VG_ACTION_REJECT, "550", 16.0},
    {"unscanned_action = tag\n", 0.0, VG_ACTION_ACCEPT, "",
        VG_VERDICT_UNSCANNED_SCORE},
    {"unscanned_action = tag\n", 2.5, VG_ACTION_TAG, "",
        2.5 + VG_VERDICT_UNSCANNED_SCORE},
    {"unscanned_action = accept\n", 0.0, VG_ACTION_ACCEPT, "", 0.0},
};

START_TEST(test_verdict_unscanned)
{
	const struct unscanned_case *c = &unscanned_cases[_i];
	const struct vg_header_edit *e;
	struct vg_verdict *v;
	bool found = false;
	struct fx f;

	fx_init(&f, c->conf, clean_msg);
	f.res[0].outcome = VG_VIRUS_INCOMPLETE;
	snprintf(
	    f.res[0].unscanned, sizeof(f.res[0].unscanned), "encrypted Zip");
	if (c->score != 0.0)
		ck_assert_int_eq(
		    vg_result_add(&f.res[1], "RULE", c->score, NULL), 0);
	v = fx_decide(&f);
	ck_assert_msg(v->action == c->want, "case %d: got %s, want %s", _i,
	    vg_action_name(v->action), vg_action_name(c->want));
	ck_assert_str_eq(v->code, c->want_code);
	ck_assert_str_eq(v->virus_status, "Unscanned (encrypted Zip)");
	ck_assert_msg(v->score > c->want_score - 0.001 &&
	        v->score < c->want_score + 0.001,
	    "case %d: score %.2f, want %.2f", _i, v->score, c->want_score);
	if (c->want == VG_ACTION_REJECT && c->score < 15.0)
		ck_assert_str_eq(v->text,
		    "Message rejected: could not be "
		    "scanned for viruses (encrypted Zip)");
	for (size_t i = 0; i < v->nsymbols; i++)
		if (strcmp(v->symbols[i].name, "VIRUS_UNSCANNED") == 0) {
			found = true;
			ck_assert_str_eq(v->symbols[i].detail, "encrypted Zip");
		}
	ck_assert_msg(found, "case %d: no VIRUS_UNSCANNED symbol", _i);
	e = find_edit(v, VG_EDIT_ADD, "X-Virus-Status", 0);
	if (c->want == VG_ACTION_REJECT) {
		ck_assert_ptr_null(e);
	} else {
		ck_assert_ptr_nonnull(e);
		ck_assert_str_eq(e->value, "Unscanned (encrypted Zip)");
	}
	fx_fini(&f);
}
END_TEST

/* Only a scan that ran to the end is Clean. */
START_TEST(test_verdict_clean_only_when_complete)
{
	static const enum vg_virus_outcome outs[] = {VG_VIRUS_NOT_RUN,
	    VG_VIRUS_DISABLED, VG_VIRUS_INCOMPLETE, VG_VIRUS_CLEAN};
	struct fx f;

	for (size_t i = 0; i < VG_NELEM(outs); i++) {
		struct vg_verdict *v;

		fx_init(&f, "unscanned_action = accept\n", clean_msg);
		f.res[0].outcome = outs[i];
		v = fx_decide(&f);
		if (outs[i] == VG_VIRUS_CLEAN)
			ck_assert_str_eq(v->virus_status, "Clean");
		else
			ck_assert_msg(
			    strncmp(v->virus_status, "Unscanned (", 11) == 0,
			    "outcome %s: got \"%s\"",
			    vg_result_outcome_name(outs[i]), v->virus_status);
		fx_fini(&f);
	}
}
END_TEST

/*
 * Another stage found content ClamAV cannot have scanned (a zstd
 * attachment): the virus scan counts as incomplete even though ClamAV
 * said clean; a virus ClamAV did find still wins.
 */
START_TEST(test_verdict_unscannable)
{
	static const char why[] = "compressed in a format ClamAV cannot open";
	struct vg_verdict *v;
	struct fx f;

	fx_init(&f, "", clean_msg);
	snprintf(f.res[1].unscannable, sizeof(f.res[1].unscannable), "%s", why);
	v = fx_decide(&f);
	ck_assert_int_eq(v->action, VG_ACTION_REJECT);
	ck_assert_int_eq(v->virus_outcome, VG_VIRUS_INCOMPLETE);
	ck_assert_str_eq(v->virus_status,
	    "Unscanned (compressed in a format ClamAV cannot "
	    "open)");
	fx_fini(&f);

	fx_init(&f, "", clean_msg);
	snprintf(f.res[1].unscannable, sizeof(f.res[1].unscannable), "%s", why);
	f.res[0].outcome = VG_VIRUS_INFECTED;
	snprintf(f.res[0].virus, sizeof(f.res[0].virus), "Eicar");
	v = fx_decide(&f);
	ck_assert_str_eq(v->virus_status, "Infected (Eicar)");
	ck_assert_str_eq(v->text, "Message rejected: virus Eicar detected");
	fx_fini(&f);
}
END_TEST

/*
 * A check's own refusal names the attachment: at equal strictness its
 * reply wins over the incomplete scan's (e2e_policy's PE named notes.txt
 * is also a broken executable to ClamAV).
 */
START_TEST(test_verdict_unscanned_check_reply)
{
	struct vg_verdict *v;
	struct fx f;

	fx_init(&f, "", clean_msg);
	f.res[0].outcome = VG_VIRUS_INCOMPLETE;
	snprintf(f.res[0].unscanned, sizeof(f.res[0].unscanned),
	    "broken Executable");
	vg_result_force(&f.res[1], VG_ACTION_REJECT, "550", "5.7.1",
	    "ATTACH_TYPE_MISMATCH",
	    "Message rejected: attachment type not allowed: %s", "notes.txt");
	v = fx_decide(&f);
	ck_assert_int_eq(v->action, VG_ACTION_REJECT);
	ck_assert_str_eq(v->text,
	    "Message rejected: attachment type not allowed: notes.txt");
	ck_assert_str_eq(v->virus_status, "Unscanned (broken Executable)");
	fx_fini(&f);
}
END_TEST

static Suite *
verdict_suite(void)
{
	Suite *s = suite_create("verdict");
	TCase *tc = tcase_create("policy");
	TCase *th = tcase_create("headers");

	tcase_add_loop_test(tc, test_verdict_outcomes, 0,
	    (int)(sizeof(outcomes) / sizeof(outcomes[0])));
	tcase_add_loop_test(tc, test_verdict_oversized, 0, 3);
	tcase_add_test(tc, test_verdict_forced);
	tcase_add_loop_test(
	    tc, test_verdict_unscanned, 0, (int)VG_NELEM(unscanned_cases));
	tcase_add_test(tc, test_verdict_clean_only_when_complete);
	tcase_add_test(tc, test_verdict_unscannable);
	tcase_add_test(tc, test_verdict_unscanned_check_reply);
	tcase_add_loop_test(tc, test_verdict_outbound, 0,
	    (int)(sizeof(outbound) / sizeof(outbound[0])));
	tcase_add_test(th, test_verdict_spf_headers);
	tcase_add_test(th, test_verdict_headers_tagged);
	tcase_add_test(th, test_verdict_deletes_forgeries);
	tcase_add_test(th, test_verdict_deletes_long_forgery);
	tcase_add_loop_test(th, test_verdict_forgery_after_many_headers, 0, 3);
	tcase_add_loop_test(
	    th, test_verdict_ar_forms, 0, (int)VG_NELEM(ar_forms));
	tcase_add_test(th, test_verdict_header_values_sanitised);
	tcase_add_test(th, test_verdict_tests_fold_and_cut);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, th);
	return s;
}

VG_CHECK_MAIN(verdict_suite)
