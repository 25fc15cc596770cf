/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_sawatch - sa-update's directory: the rule set loaded before the
 * rules file (rules_sadir.c) and the watcher that notices a new one
 * (core/sawatch.c), on real files in a temporary directory.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vg_check.h"
#include "base/err.h"
#include "core/sawatch.h"
#include "rules/rules.h"

static char dir[64];

/* put - write text to dir/name */
static void
put(const char *name, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	ck_assert_msg(fp != NULL, "%s", path);
	ck_assert(fputs(text, fp) >= 0);
	ck_assert_int_eq(fclose(fp), 0);
}

/* sh - run a shell command in dir */
static void
sh(const char *cmd)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "cd '%s' && %s", dir, cmd);
	ck_assert_int_eq(system(buf), 0);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vg-sawatch.XXXXXX");
	ck_assert(mkdtemp(dir) != NULL);
	sh("mkdir sa sa/chan_example_org");
	put("sa/chan_example_org.cf",
	    "include chan_example_org/10_a.cf\n"
	    "include chan_example_org/50_scores.cf\n");
	put("sa/chan_example_org/10_a.cf",
	    "header SA_V1 Subject =~ /hello/\n"
	    "ifplugin Mail::SpamAssassin::Plugin::Nothing\n"
	    "header SA_SKIPPED eval:nothing()\nendif\n");
	put("sa/chan_example_org/50_scores.cf",
	    "score SA_V1 2.0 2.0 2.0 2.0\n");
	put("sa/chan_example_org/local.pre", "loadplugin X\n");
	put("vigil.rules", "score SA_V1 3.5\nheader OWN Subject =~ /x/\n");
}

static void
teardown(void)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(buf), 0);
}

/* load - the rules file after dir/sa; NULL and err on failure */
static struct vg_rules *
load(struct vg_err *err)
{
	char rules[128], sa[128];
	struct vg_rules *r = NULL;

	snprintf(rules, sizeof(rules), "%s/vigil.rules", dir);
	snprintf(sa, sizeof(sa), "%s/sa", dir);
	vg_err_init(err);
	if (vg_rules_load_sa(&r, rules, sa, err) != 0)
		return NULL;
	return r;
}

START_TEST(test_sawatch_load)
{
	struct vg_err err;
	struct vg_rules *r = load(&err);
	struct vg_rules_stats st;

	ck_assert_msg(r != NULL, "%s", vg_err_text(&err));
	/* SpamAssassin's rule, the site's score over SpamAssassin's. */
	ck_assert(vg_rules_defines(r, "SA_V1"));
	ck_assert(vg_rules_defines(r, "OWN"));
	ck_assert(!vg_rules_defines(r, "SA_SKIPPED"));
	ck_assert(vg_rules_score(r, "SA_V1", 0) == 3.5);
	vg_rules_stats(r, &st);
	ck_assert_uint_ge(st.skipped[VG_SKIP_IFPLUGIN], 1);
	vg_rules_free(r);
}
END_TEST

/* A broken rule set is refused with its file:line. */
START_TEST(test_sawatch_load_broken)
{
	struct vg_err err;
	struct vg_rules *r;

	put("sa/chan_example_org/10_a.cf", "ifplugin Foo\nheader A X =~ /y/\n");
	r = load(&err);
	ck_assert(r == NULL);
	ck_assert_msg(
	    strstr(vg_err_text(&err), "chan_example_org/10_a.cf:") != NULL,
	    "%s", vg_err_text(&err));
}
END_TEST

/* No rule set yet: SpamAssassin's packaged rules, when installed. */
START_TEST(test_sawatch_load_fallback)
{
	struct vg_err err;
	struct vg_rules *r;

	sh("rm -rf sa && mkdir sa");
	r = load(&err);
	if (access("/usr/share/spamassassin/50_scores.cf", R_OK) != 0) {
		ck_assert(r == NULL);
		ck_assert(strstr(vg_err_text(&err), "no .cf file") != NULL);
		return;
	}
	ck_assert_msg(r != NULL, "%s", vg_err_text(&err));
	ck_assert(!vg_rules_defines(r, "SA_V1"));
	ck_assert(vg_rules_defines(r, "OWN"));
	ck_assert(vg_rules_defines(r, "SUBJECT_DIET")); /* a packaged rule */
	vg_rules_free(r);
}
END_TEST

START_TEST(test_sawatch_changes)
{
	struct vg_sawatch *w = NULL;
	char sa[128];

	snprintf(sa, sizeof(sa), "%s/sa", dir);
	ck_assert_int_eq(vg_sawatch_new(&w, sa), 0);
	ck_assert_str_eq(vg_sawatch_dir(w), sa);
	ck_assert(!vg_sawatch_changed(w));
	/* Files that are no rules do not count. */
	put("sa/notes.txt", "x\n");
	ck_assert(!vg_sawatch_changed(w));
	/* A new rule file: reported once it stopped changing, once. */
	put("sa/chan_example_org/20_b.cf", "header SA_V2 Subject =~ /b/\n");
	ck_assert(!vg_sawatch_changed(w));
	ck_assert(vg_sawatch_changed(w));
	ck_assert(!vg_sawatch_changed(w));
	/* A change that goes on at every look is not reported until it
	 * stops. */
	put("sa/chan_example_org/20_b.cf", "header SA_V2 Subject =~ /bb/\n");
	ck_assert(!vg_sawatch_changed(w));
	put("sa/chan_example_org/20_b.cf", "header SA_V2 Subject =~ /bbb/\n");
	ck_assert(!vg_sawatch_changed(w));
	ck_assert(vg_sawatch_changed(w));
	/* The channel folder replaced, as sa-update does (new inodes). */
	sh("cp -r sa/chan_example_org sa/new && rm -rf sa/chan_example_org "
	   "&& mv sa/new sa/chan_example_org");
	ck_assert(!vg_sawatch_changed(w));
	ck_assert(vg_sawatch_changed(w));
	/* The directory gone, then back. */
	sh("mv sa sa.old");
	ck_assert(!vg_sawatch_changed(w));
	ck_assert(vg_sawatch_changed(w));
	sh("mv sa.old sa");
	ck_assert(!vg_sawatch_changed(w));
	ck_assert(vg_sawatch_changed(w));
	vg_sawatch_free(w);
	vg_sawatch_free(NULL);
}
END_TEST

/* A change and its undoing between two looks: nothing to reload. */
START_TEST(test_sawatch_undone)
{
	struct vg_sawatch *w = NULL;
	char sa[128];

	snprintf(sa, sizeof(sa), "%s/sa", dir);
	ck_assert_int_eq(vg_sawatch_new(&w, sa), 0);
	sh("mv sa/chan_example_org.cf sa/x && mv sa/x sa/chan_example_org.cf");
	ck_assert(!vg_sawatch_changed(w));
	ck_assert(!vg_sawatch_changed(w));
	vg_sawatch_free(w);
}
END_TEST

static Suite *
sawatch_suite(void)
{
	Suite *s = suite_create("sawatch");
	TCase *tc = tcase_create("core");

	/*
	 * These tests load rules to check what loads, not to score many
	 * messages: no Hyperscan compile (seconds of CPU for SpamAssassin's
	 * set).  unit_rules_prefilter tests the prefilter.
	 */
	vg_rules_prefilter_auto(false);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sawatch_load);
	tcase_add_test(tc, test_sawatch_load_broken);
	tcase_add_test(tc, test_sawatch_load_fallback);
	tcase_add_test(tc, test_sawatch_changes);
	tcase_add_test(tc, test_sawatch_undone);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(sawatch_suite)
