/* SPDX-License-Identifier: GPL-2.0-only */
/* test_stage_score - the score stage over real corpus messages */
#include <check.h>
#include <string.h>

#include "err.h"
#include "msg.h"
#include "result.h"
#include "rules.h"
#include "stage.h"
#include "text.h"

#define CORPUS VG_SOURCE_DIR "/../shared/corpus/spamassassin/"
#define SPAM1  CORPUS "spam/spam.00001.7848dde101aa985090474a91ec93fcf0"
#define HAM1   CORPUS "ham/easy_ham.00001.7c53336b37003a9286aba55d2945844c"
#define RULES  VG_SOURCE_DIR "/tests/unit/data/rules/stage.rules"

/* scan_file - run the score stage with rules_path over path */
static int
scan_file(struct vg_result *res, const char *rules_path, const char *path,
    const struct vg_msg_limits *lim)
{
	struct vg_rules *rules = NULL;
	struct vg_msg *msg = NULL;
	struct vg_err err;
	void *state = NULL;
	int rc;

	vg_err_init(&err);
	ck_assert_msg(vg_rules_load(&rules, rules_path, &err) == 0, "%s",
	    vg_err_text(&err));
	ck_assert_int_eq(vg_msg_from_file(&msg, lim, path), 0);
	ck_assert_int_eq(
	    vg_stage_score_ops.create(&state, NULL, rules, &err), 0);
	vg_result_init(res, "score");
	rc = vg_stage_score_ops.scan(state, msg, res);
	vg_stage_score_ops.free(state);
	vg_msg_free(msg);
	vg_rules_free(rules);
	return rc;
}

/* total - sum of the symbol scores */
static double
total(const struct vg_result *res)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < res->nsymbols; i++)
		sum += res->symbols[i].score;
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
	ck_assert_uint_eq(res.nsymbols, 1);
	ck_assert_str_eq(res.symbols[0].name, "THREADED");
	ck_assert(res.symbols[0].score == -1.0);
	vg_result_fini(&res);
}
END_TEST

/* The default rules: the corpus's first spam is spam, its first ham not. */
START_TEST(test_stage_score_default_rules)
{
	struct vg_result res;

	ck_assert_int_eq(
	    scan_file(&res, VG_SOURCE_DIR "/rules/vigil.rules", SPAM1, NULL),
	    0);
	ck_assert_msg(total(&res) >= VG_DEF_REQUIRED_SCORE,
	    "spam: got %.2f, want >= 5", total(&res));
	vg_result_fini(&res);
	ck_assert_int_eq(
	    scan_file(&res, VG_SOURCE_DIR "/rules/vigil.rules", HAM1, NULL), 0);
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
	ck_assert_uint_eq(res.nsymbols, 0);
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
	ck_assert_int_eq(
	    vg_stage_score_ops.create(&state, NULL, NULL, &err), 0);
	vg_result_init(&res, "score");
	ck_assert_int_eq(vg_stage_score_ops.scan(state, msg, &res), 0);
	ck_assert_uint_eq(res.nsymbols, 0);
	vg_result_fini(&res);
	vg_stage_score_ops.free(state);
	vg_stage_score_ops.free(NULL);
	vg_msg_free(msg);
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
	suite_add_tcase(s, tc);
	return s;
}

/* main - GMime wants its global setup before any message is decoded */
int
main(void)
{
	SRunner *sr;
	int failed;

	if (vg_text_global_init() != 0)
		return 1;
	sr = srunner_create(stage_score_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
