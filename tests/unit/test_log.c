/* SPDX-License-Identifier: GPL-2.0-only */
/* test_log - the library's log lines: the sink, the level, the line cap */
#include <check.h>
#include <string.h>

#include "vg_check.h"
#include "base/log.h"

static char got[2 * VG_LOG_LINE_MAX];
static unsigned lines;

/* capture - a sink that keeps the last line */
static void
capture(enum vg_log_level level, const char *line, void *ctx)
{
	(void)level;
	(void)ctx;
	lines++;
	memcpy(got, line, strlen(line) + 1);
}

/* A line longer than VG_LOG_LINE_MAX - 1 bytes is cut there, not lost. */
START_TEST(test_log_line_cut)
{
	static char text[2 * VG_LOG_LINE_MAX];

	memset(text, 'x', sizeof(text) - 1);
	vg_log_set_sink(capture, NULL, VG_LOG_DEBUG);
	vg_info("start %s", text);
	vg_log_set_sink(NULL, NULL, VG_LOG_DEBUG);
	ck_assert_uint_eq(lines, 1);
	ck_assert_uint_eq(strlen(got), VG_LOG_LINE_MAX - 1);
	ck_assert(strncmp(got, "start xxx", 9) == 0);
}
END_TEST

/* Below the sink's level nothing is delivered; without a sink, neither. */
START_TEST(test_log_level)
{
	lines = 0;
	vg_log_set_sink(capture, NULL, VG_LOG_WARNING);
	vg_info("dropped");
	vg_warn("kept");
	vg_log_set_sink(NULL, NULL, VG_LOG_DEBUG);
	vg_warn("no sink");
	ck_assert_uint_eq(lines, 1);
	ck_assert_str_eq(got, "kept");
}
END_TEST

/*
 * A capture keeps this thread's first warning or error and counts the
 * rest; info passes to the sink; after the end, lines reach the sink.
 */
START_TEST(test_log_capture)
{
	struct vg_log_capture cap;

	lines = 0;
	vg_log_set_sink(capture, NULL, VG_LOG_DEBUG);
	vg_log_capture_begin(&cap);
	vg_error("first %d", 1);
	vg_warn("second");
	vg_info("passes");
	vg_log_capture_end();
	vg_warn("after");
	vg_log_set_sink(NULL, NULL, VG_LOG_DEBUG);
	ck_assert_str_eq(cap.line, "first 1");
	ck_assert_uint_eq(cap.count, 2);
	ck_assert_uint_eq(lines, 2);
	ck_assert_str_eq(got, "after");
}
END_TEST

/* log_suite - one TCase per behaviour */
static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc;

	tc = tcase_create("limits");
	tcase_add_test(tc, test_log_line_cut);
	suite_add_tcase(s, tc);
	tc = tcase_create("sink");
	tcase_add_test(tc, test_log_level);
	tcase_add_test(tc, test_log_capture);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(log_suite)
