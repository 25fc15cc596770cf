/* SPDX-License-Identifier: GPL-2.0-only */
/* test_stage_score - the score stage over real corpus messages */
#include <check.h>
#include <string.h>

#include <stdio.h>
#include <stdlib.h>

#include "base/action.h"
#include "base/clock.h"
#include "base/conf.h"
#include "base/err.h"
#include "message/msg.h"
#include "core/result.h"
#include "rules/rules.h"
#include "core/stage.h"
#include "stages/stages.h"
#include "message/text.h"
#include "vg_check.h"

#define CORPUS        VG_SOURCE_DIR "/../shared/corpus/spamassassin/"
#define SPAM1         CORPUS "spam/spam.00001.7848dde101aa985090474a91ec93fcf0"
#define HAM1          CORPUS "ham/easy_ham.00001.7c53336b37003a9286aba55d2945844c"
#define RULES         VG_SOURCE_DIR "/tests/unit/data/rules/stage.rules"
#define DEFAULT_RULES VG_SOURCE_DIR "/rules/vigil.rules"
/* A base64 attachment named invoice.pdf.exe (harmless text inside). */
#define DANGEROUS                                                              \
	VG_SOURCE_DIR "/../shared/corpus/malware/dangerous-extension.eml"
#define ATTACH_REPLY                                                           \
	"Message rejected: attachment type not allowed: invoice.pdf.exe"

/* score_create - the stage's create() with conf and rules, no resolver */
static int
score_create(void **state, const struct vg_conf *conf,
    const struct vg_rules *rules, struct vg_err *err)
{
	struct vg_stage_env env = {conf, rules, NULL, NULL, NULL, false, NULL};

	return vg_stage_score_ops.create(state, &env, err);
}

/*
 * score_scan - the stage's end of message as the scan runs it: scan_start
 * (the pool's part), collect (the waiter's), then the scratch is freed
 */
static int
score_scan(void *state, const struct vg_msg *msg, struct vg_result *res)
{
	void *work = NULL;
	int rc;

	rc = vg_stage_score_ops.scan_start(state, msg, res, &work);
	if (rc == 0)
		rc = vg_stage_score_ops.collect(
		    state, msg, work, vg_clock_ms() + 60000, res);
	if (work != NULL)
		vg_stage_score_ops.work_free(state, work);
	return rc;
}

/*
 * scan_file_sa - run the score stage with rules_path, under the
 * SpamAssassin rules sa_update_dir = sa names ("" none), over path
 */
static int
scan_file_sa(struct vg_result *res, const char *rules_path, const char *sa,
    const char *path, const struct vg_msg_limits *lim)
{
	struct vg_rules *rules = NULL;
	struct vg_msg *msg = NULL;
	struct vg_err err;
	void *state = NULL;
	int rc;

	vg_err_init(&err);
	ck_assert_msg(vg_rules_load_sa(&rules, rules_path, sa, &err) == 0, "%s",
	    vg_err_text(&err));
	ck_assert_int_eq(vg_msg_from_file(&msg, lim, path), 0);
	ck_assert_int_eq(score_create(&state, NULL, rules, &err), 0);
	vg_result_init(res, "score");
	rc = score_scan(state, msg, res);
	vg_stage_score_ops.free(state);
	vg_msg_free(msg);
	vg_rules_free(rules);
	return rc;
}

/* scan_file - run the score stage with rules_path alone over path */
static int
scan_file(struct vg_result *res, const char *rules_path, const char *path,
    const struct vg_msg_limits *lim)
{
	return scan_file_sa(res, rules_path, "", path, lim);
}

/* total - sum of the symbol scores */
static double
total(const struct vg_result *res)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < res->syms.n; i++)
		sum += res->syms.sym[i].score;
	return sum;
}

START_TEST(test_stage_score_spam_symbols)
{
	struct vg_result res;

	ck_assert_int_eq(scan_file(&res, RULES, SPAM1, NULL), 0);
	ck_assert_str_eq(vg_stage_score_ops.name, "score");
	ck_assert(vg_result_has(&res, "SUBJ_INSURANCE"));
	ck_assert(vg_result_has(&res, "PAY_META")); /* meta over a sub-rule */
	ck_assert(vg_result_has(&res, "HTML_FONT"));
	ck_assert(vg_result_has(&res, "URI_E365"));
	ck_assert(!vg_result_has(&res, "__PAY"));
	ck_assert(!vg_result_has(&res, "ZERO_RULE")); /* score 0 */
	ck_assert(!vg_result_has(&res, "THREADED"));
	ck_assert(!vg_result_has(&res, "FULL_NEVER"));
	ck_assert_msg(
	    total(&res) == 5.0, "got score %.2f, want 5.00", total(&res));
	vg_result_fini(&res);
}
END_TEST

START_TEST(test_stage_score_ham_symbols)
{
	struct vg_result res;

	ck_assert_int_eq(scan_file(&res, RULES, HAM1, NULL), 0);
	ck_assert_uint_eq(res.syms.n, 1);
	ck_assert_str_eq(res.syms.sym[0].name, "THREADED");
	ck_assert(res.syms.sym[0].score == -1.0);
	vg_result_fini(&res);
}
END_TEST

/*
 * The default (sa_update_dir = auto: SpamAssassin's rules where installed,
 * packaging/deps.sh installs them, and the default rules on top): the
 * corpus's first spam is spam, its first ham not.  Without SpamAssassin's
 * rules Vigil's own, scored to run next to them, miss this spam (3.2).
 */
START_TEST(test_stage_score_default_rules)
{
	struct vg_result res;
	char sa[4096];

	/* Loading, not the Hyperscan compile, is what this test is about. */
	vg_rules_prefilter_auto(false);
	ck_assert_int_eq(vg_rules_sa_resolve(sa, sizeof(sa), "auto",
	                     VG_RULES_SA_VAR_ROOT, VG_RULES_SA_SHARE_DIR),
	    0);
	ck_assert_int_eq(scan_file_sa(&res, VG_SOURCE_DIR "/rules/vigil.rules",
	                     "auto", SPAM1, NULL),
	    0);
	if (sa[0] != '\0')
		ck_assert_msg(total(&res) >= VG_DEF_REQUIRED_SCORE,
		    "spam: got %.2f, want >= 5", total(&res));
	else
		ck_assert(total(&res) > 0);
	vg_result_fini(&res);
	ck_assert_int_eq(scan_file_sa(&res, VG_SOURCE_DIR "/rules/vigil.rules",
	                     "auto", HAM1, NULL),
	    0);
	ck_assert_msg(total(&res) < VG_DEF_REQUIRED_SCORE,
	    "ham: got %.2f, want < 5", total(&res));
	vg_result_fini(&res);
}
END_TEST

START_TEST(test_stage_score_oversized)
{
	struct vg_msg_limits lim = {
	    .max_size = 1000,
	    .memory_limit = 1 << 20,
	    .max_headers = 1000,
	    .max_header_size = 1 << 16,
	    .max_rcpts = 10,
	    .tmp_dir = NULL,
	};
	struct vg_result res;

	/* An oversized message is not scored: no symbols, no failure. */
	ck_assert_int_eq(scan_file(&res, RULES, SPAM1, &lim), 0);
	ck_assert_uint_eq(res.syms.n, 0);
	ck_assert_int_eq(res.status, 0);
	vg_result_fini(&res);
}
END_TEST

START_TEST(test_stage_score_no_rules)
{
	struct vg_msg *msg = NULL;
	struct vg_result res;
	struct vg_err err;
	void *state = NULL;

	/* An engine without a rules file still runs the stage. */
	vg_err_init(&err);
	ck_assert_int_eq(vg_msg_from_file(&msg, NULL, SPAM1), 0);
	ck_assert_int_eq(score_create(&state, NULL, NULL, &err), 0);
	vg_result_init(&res, "score");
	ck_assert_int_eq(score_scan(state, msg, &res), 0);
	ck_assert_uint_eq(res.syms.n, 0);
	vg_result_fini(&res);
	vg_stage_score_ops.free(state);
	vg_stage_score_ops.free(NULL);
	vg_msg_free(msg);
}
END_TEST

/*
 * The milter hands a message over with CRLF line ends; `vigil scan` reads
 * a file with LF.  The default rules must score both alike.  Found by
 * running fuzz_pipeline's two feeds over the corpus: HTML_BASE64 and
 * TEXT_BASE64 read "[^\n]+\n" as a non-empty line, and "\r\n" is one, so
 * with CRLF they ran across the blank line that ends a part's headers and
 * joined a Content-Type in one part to a Content-Transfer-Encoding in
 * another (this ham went from 4.2 to 5.0, tagged as spam).
 */
static const char *const crlf_cases[] = {
    CORPUS "ham/easy_ham.00067.23813c5ac6ce66fd892ee5501fd5dbd2",
    CORPUS "spam/spam.00022.8203cdf03888f656dc0381701148f73d",
    CORPUS "spam/spam.00219.eaf6c0ff67706c784f67f5c1225028a1",
};

/* symbols_of - "A,B,C": the names in res, in order, into buf */
static void
symbols_of(char *buf, size_t size, const struct vg_result *res)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < res->syms.n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i > 0 ? "," : "", res->syms.sym[i].name);
}

START_TEST(test_stage_score_crlf_same)
{
	struct vg_rules *rules = NULL;
	struct vg_msg *lf = NULL, *crlf = NULL;
	struct vg_result res_lf, res_crlf;
	char want[4096], got[4096];
	struct vg_err err;
	void *state = NULL;
	const unsigned char *raw;
	unsigned char *conv;
	size_t len, n = 0;

	vg_err_init(&err);
	ck_assert_msg(vg_rules_load(&rules, DEFAULT_RULES, &err) == 0, "%s",
	    vg_err_text(&err));
	ck_assert_int_eq(vg_msg_from_file(&lf, NULL, crlf_cases[_i]), 0);
	raw = vg_msg_raw(lf, &len);
	ck_assert_ptr_nonnull(conv = malloc(2 * len));
	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r'))
			conv[n++] = '\r';
		conv[n++] = raw[i];
	}
	ck_assert_int_eq(vg_msg_from_bytes(&crlf, NULL, conv, n), 0);
	ck_assert_int_eq(score_create(&state, NULL, rules, &err), 0);
	vg_result_init(&res_lf, "score");
	vg_result_init(&res_crlf, "score");
	ck_assert_int_eq(score_scan(state, lf, &res_lf), 0);
	ck_assert_int_eq(score_scan(state, crlf, &res_crlf), 0);
	symbols_of(want, sizeof(want), &res_lf);
	symbols_of(got, sizeof(got), &res_crlf);
	ck_assert_msg(
	    strcmp(got, want) == 0, "CRLF: got %s, want %s (LF)", got, want);
	vg_result_fini(&res_lf);
	vg_result_fini(&res_crlf);
	vg_stage_score_ops.free(state);
	free(conv);
	vg_msg_free(crlf);
	vg_msg_free(lf);
	vg_rules_free(rules);
}
END_TEST

/* scan_rules_text - the score stage with rules from text over msg */
static void
scan_rules_text(struct vg_result *res, const char *text, struct vg_msg *msg)
{
	struct vg_rules *rules = NULL;
	struct vg_err err;
	void *state = NULL;

	vg_err_init(&err);
	ck_assert_msg(
	    vg_rules_parse(&rules, text, strlen(text), "t", &err) == 0, "%s",
	    vg_err_text(&err));
	ck_assert_int_eq(score_create(&state, NULL, rules, &err), 0);
	vg_result_init(res, "score");
	ck_assert_int_eq(score_scan(state, msg, res), 0);
	vg_stage_score_ops.free(state);
	vg_rules_free(rules);
}

/* score_of - the score a symbol got in res, or -999 when absent */
static double
score_of(const struct vg_result *res, const char *name)
{
	for (size_t i = 0; i < res->syms.n; i++)
		if (strcmp(res->syms.sym[i].name, name) == 0)
			return res->syms.sym[i].score;
	return -999;
}

/*
 * invoice.pdf.exe through the default rules: the attachment check runs in
 * the stage, adds its symbols with the rules file's scores and forces the
 * refusal the sender reads.
 */
START_TEST(test_stage_score_attach_reject)
{
	struct vg_result res;

	ck_assert_int_eq(scan_file(&res, DEFAULT_RULES, DANGEROUS, NULL), 0);
	ck_assert_int_eq(res.status, 0);
	ck_assert_msg(score_of(&res, "ATTACH_DOUBLE_EXT") == 4.0,
	    "ATTACH_DOUBLE_EXT: got %.2f, want 4.00",
	    score_of(&res, "ATTACH_DOUBLE_EXT"));
	ck_assert_msg(score_of(&res, "ATTACH_BANNED_EXT") == 4.0,
	    "ATTACH_BANNED_EXT: got %.2f, want 4.00",
	    score_of(&res, "ATTACH_BANNED_EXT"));
	/* The bytes are text: no content findings. */
	ck_assert(!vg_result_has(&res, "ATTACH_EXEC_CONTENT"));
	ck_assert(res.forced.set);
	ck_assert_int_eq(res.forced.action, VG_ACTION_REJECT);
	ck_assert_str_eq(res.forced.code, "550");
	ck_assert_str_eq(res.forced.xcode, "5.7.1");
	ck_assert_msg(strcmp(res.forced.text, ATTACH_REPLY) == 0,
	    "got \"%s\", want \"%s\"", res.forced.text, ATTACH_REPLY);
	ck_assert_str_eq(res.forced.symbol, "ATTACH_BANNED_EXT");
	/* Under reject_score: the reply names the attachment, not spam. */
	ck_assert_msg(total(&res) < VG_DEF_REJECT_SCORE,
	    "got score %.2f, want < 15", total(&res));
	vg_result_fini(&res);
}
END_TEST

/* No rules file: the built-in policy still refuses it, scoring 0. */
START_TEST(test_stage_score_attach_builtin)
{
	struct vg_msg *msg = NULL;
	struct vg_result res;
	struct vg_err err;
	void *state = NULL;

	vg_err_init(&err);
	ck_assert_int_eq(vg_msg_from_file(&msg, NULL, DANGEROUS), 0);
	ck_assert_int_eq(score_create(&state, NULL, NULL, &err), 0);
	vg_result_init(&res, "score");
	ck_assert_int_eq(score_scan(state, msg, &res), 0);
	ck_assert(score_of(&res, "ATTACH_DOUBLE_EXT") == 0.0);
	ck_assert(res.forced.set);
	ck_assert_str_eq(res.forced.text, ATTACH_REPLY);
	vg_result_fini(&res);
	vg_stage_score_ops.free(state);
	vg_msg_free(msg);
}
END_TEST

/* The rules file's attach_action: score only, or quarantine. */
START_TEST(test_stage_score_attach_action)
{
	struct vg_msg *msg = NULL;
	struct vg_result res;

	ck_assert_int_eq(vg_msg_from_file(&msg, NULL, DANGEROUS), 0);
	scan_rules_text(
	    &res, "attach_action score\nscore ATTACH_DOUBLE_EXT 6\n", msg);
	ck_assert(score_of(&res, "ATTACH_DOUBLE_EXT") == 6.0);
	ck_assert(score_of(&res, "ATTACH_BANNED_EXT") == 0.0);
	ck_assert(!res.forced.set);
	vg_result_fini(&res);
	scan_rules_text(&res,
	    "attach_action score\n"
	    "attach_action ATTACH_DOUBLE_EXT quarantine\n",
	    msg);
	ck_assert(res.forced.set);
	ck_assert_int_eq(res.forced.action, VG_ACTION_QUARANTINE);
	ck_assert_str_eq(res.forced.symbol, "ATTACH_DOUBLE_EXT");
	vg_result_fini(&res);
	/* Unbanned: nothing at all. */
	scan_rules_text(&res, "attach_allow_ext exe\n", msg);
	ck_assert(!vg_result_has(&res, "ATTACH_BANNED_EXT"));
	ck_assert(!vg_result_has(&res, "ATTACH_DOUBLE_EXT"));
	ck_assert(!res.forced.set);
	vg_result_fini(&res);
	vg_msg_free(msg);
}
END_TEST

/*
 * The lists through the stage and the default rules: a blocked sender is
 * refused, unless every recipient is postmaster@ or abuse@ (RFC 2142).
 */
START_TEST(test_stage_score_lists)
{
	static const char text[] = "include " DEFAULT_RULES "\n"
	                           "block_from @example.net\n"
	                           "allow_client 192.0.2.0/24\n";
	struct vg_msg *msg = NULL;
	struct vg_result res;

	ck_assert_int_eq(vg_msg_from_file(&msg, NULL, HAM1), 0);
	ck_assert_int_eq(vg_msg_set_client(msg, "198.51.100.9", NULL), 0);
	ck_assert_int_eq(vg_msg_set_from(msg, "spammer@example.net"), 0);
	ck_assert_int_eq(vg_msg_add_rcpt(msg, "user@example.org"), 0);
	scan_rules_text(&res, text, msg);
	ck_assert(score_of(&res, "BLOCK_FROM") == 0.0);
	ck_assert(res.forced.set);
	ck_assert_int_eq(res.forced.action, VG_ACTION_REJECT);
	ck_assert_str_eq(res.forced.code, "550");
	ck_assert_str_eq(res.forced.text,
	    "Message rejected: sender address blocked by policy");
	vg_result_fini(&res);
	vg_msg_free(msg);

	ck_assert_int_eq(vg_msg_from_file(&msg, NULL, HAM1), 0);
	ck_assert_int_eq(vg_msg_set_from(msg, "spammer@example.net"), 0);
	ck_assert_int_eq(vg_msg_add_rcpt(msg, "<Postmaster@example.org>"), 0);
	ck_assert_int_eq(vg_msg_add_rcpt(msg, "abuse"), 0);
	scan_rules_text(&res, text, msg);
	ck_assert(vg_result_has(&res, "BLOCK_FROM"));
	ck_assert(score_of(&res, "ALLOW_RCPT") == 0.0);
	ck_assert_msg(
	    !res.forced.set, "got forced \"%s\", want none", res.forced.text);
	vg_result_fini(&res);
	vg_msg_free(msg);

	/* An allowed client passes a blocked sender, and scores -20. */
	ck_assert_int_eq(vg_msg_from_file(&msg, NULL, HAM1), 0);
	ck_assert_int_eq(vg_msg_set_client(msg, "192.0.2.25", NULL), 0);
	ck_assert_int_eq(vg_msg_set_from(msg, "spammer@example.net"), 0);
	ck_assert_int_eq(vg_msg_add_rcpt(msg, "user@example.org"), 0);
	scan_rules_text(&res, text, msg);
	ck_assert(score_of(&res, "ALLOW_CLIENT") == -20.0);
	ck_assert(!res.forced.set);
	vg_result_fini(&res);
	vg_msg_free(msg);
}
END_TEST

/*
 * The vigil.conf MIME limits reach the text the rules see: with
 * max_uris = 1 a uri rule on the second link of a message cannot hit.
 */
START_TEST(test_stage_score_conf_limits)
{
	static const char rules_text[] = "uri URI_SECOND /second\\.example/\n"
	                                 "score URI_SECOND 1.0\n";
	static const char raw[] = "Subject: links\r\n\r\n"
	                          "see http://first.example/ and "
	                          "http://second.example/ today\r\n";
	static const char *const confs[] = {"", "max_uris = 1\n"};
	char conf_text[512];
	struct vg_conf *conf = NULL;
	struct vg_rules *rules = NULL;
	struct vg_msg *msg = NULL;
	struct vg_result res;
	struct vg_err err;
	void *state = NULL;

	vg_err_init(&err);
	snprintf(conf_text, sizeof(conf_text),
	    "socket = unix:/tmp/x.sock\nvirus_scan = no\n"
	    "trusted_networks = 0.0.0.0/0, ::/0\n%s",
	    confs[_i]);
	ck_assert_msg(
	    vg_conf_parse(&conf, conf_text, strlen(conf_text), "t", &err) == 0,
	    "%s", vg_err_text(&err));
	ck_assert_int_eq(vg_rules_parse(&rules, rules_text, strlen(rules_text),
	                     "t.rules", &err),
	    0);
	ck_assert_int_eq(vg_msg_from_bytes(&msg, NULL, raw, strlen(raw)), 0);
	ck_assert_msg(score_create(&state, conf, rules, &err) == 0, "%s",
	    vg_err_text(&err));
	vg_result_init(&res, "score");
	ck_assert_int_eq(score_scan(state, msg, &res), 0);
	ck_assert_msg(vg_result_has(&res, "URI_SECOND") == (_i == 0),
	    "case %d: URI_SECOND %s", _i,
	    vg_result_has(&res, "URI_SECOND") ? "hit" : "missed");
	vg_result_fini(&res);
	vg_stage_score_ops.free(state);
	vg_msg_free(msg);
	vg_rules_free(rules);
	vg_conf_free(conf);
}
END_TEST

static Suite *
stage_score_suite(void)
{
	Suite *s = suite_create("stage_score");
	TCase *tc = tcase_create("corpus");

	tcase_add_test(tc, test_stage_score_spam_symbols);
	tcase_add_test(tc, test_stage_score_ham_symbols);
	tcase_add_test(tc, test_stage_score_default_rules);
	tcase_add_test(tc, test_stage_score_oversized);
	tcase_add_test(tc, test_stage_score_no_rules);
	tcase_add_loop_test(tc, test_stage_score_conf_limits, 0, 2);
	tcase_add_loop_test(
	    tc, test_stage_score_crlf_same, 0, (int)VG_NELEM(crlf_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("policy");
	tcase_add_test(tc, test_stage_score_attach_reject);
	tcase_add_test(tc, test_stage_score_attach_builtin);
	tcase_add_test(tc, test_stage_score_attach_action);
	tcase_add_test(tc, test_stage_score_lists);
	suite_add_tcase(s, tc);
	return s;
}

/* main - GMime wants its global setup before any message is decoded */
int
main(void)
{
	SRunner *sr;
	int failed;

	vg_check_prereqs();
	if (vg_text_global_init() != 0)
		return 1;
	sr = srunner_create(stage_score_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
