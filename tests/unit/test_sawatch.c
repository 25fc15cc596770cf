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

/* resolve - vg_rules_sa_resolve() of setting with dir/var and dir/share */
static const char *
resolve(const char *setting, char *out, size_t size)
{
	char var[128], share[128];

	snprintf(var, sizeof(var), "%s/var", dir);
	snprintf(share, sizeof(share), "%s/share", dir);
	ck_assert_int_eq(
	    vg_rules_sa_resolve(out, size, setting, var, share), 0);
	return out;
}

/*
 * sa_update_dir = auto: sa-update's newest version directory holding a
 * *.cf, else the packaged rules, else none; a path is itself, "" is off.
 */
START_TEST(test_sawatch_resolve)
{
	char out[256], want[256];

	/* Nothing installed: neither root exists, then both empty. */
	ck_assert_str_eq(resolve("auto", out, sizeof(out)), "");
	sh("mkdir var share var/4.000001 share/sub");
	put("share/sub/x.cf", "\n"); /* not at the top: not a rule set */
	put("share/README", "\n");
	ck_assert_str_eq(resolve("auto", out, sizeof(out)), "");
	/* Debian's packaged rules. */
	put("share/10_default_prefs.cf", "\n");
	snprintf(want, sizeof(want), "%s/share", dir);
	ck_assert_str_eq(resolve("auto", out, sizeof(out)), want);
	/* sa-update ran: its version directory wins once it holds a .cf
	 * (an empty one, or one with only a channel folder, does not). */
	sh("mkdir var/4.000001/updates_spamassassin_org");
	ck_assert_str_eq(resolve("auto", out, sizeof(out)), want);
	put("var/4.000001/updates_spamassassin_org.cf", "\n");
	snprintf(want, sizeof(want), "%s/var/4.000001", dir);
	ck_assert_str_eq(resolve("auto", out, sizeof(out)), want);
	/* The newest version, by number, not by name order or age. */
	sh("mkdir var/3.004006 var/4.000002 var/10.000000 var/junk "
	   "var/4.1.x");
	put("var/3.004006/a.cf", "\n");
	put("var/junk/a.cf", "\n");
	put("var/4.1.x/a.cf", "\n");
	ck_assert_str_eq(resolve("auto", out, sizeof(out)), want);
	put("var/4.000002/a.cf", "\n");
	snprintf(want, sizeof(want), "%s/var/4.000002", dir);
	ck_assert_str_eq(resolve("auto", out, sizeof(out)), want);
	put("var/10.000000/a.cf", "\n");
	snprintf(want, sizeof(want), "%s/var/10.000000", dir);
	ck_assert_str_eq(resolve("auto", out, sizeof(out)), want);
	/* Only sa-update's directories left, no packaged rules. */
	sh("rm -rf share");
	ck_assert_str_eq(resolve("auto", out, sizeof(out)), want);
	/* A path is itself (whether it exists or not); "" is off. */
	ck_assert_str_eq(resolve("/x/y", out, sizeof(out)), "/x/y");
	ck_assert_str_eq(resolve("", out, sizeof(out)), "");
	ck_assert_str_eq(resolve(NULL, out, sizeof(out)), "");
	/* The limit: a name that does not fit. */
	ck_assert_int_eq(
	    vg_rules_sa_resolve(out, 4, "/x/y", "/v", "/s"), VG_ELIMIT);
	ck_assert_int_eq(
	    vg_rules_sa_resolve(out, 0, "", "/v", "/s"), VG_ELIMIT);
}
END_TEST

/*
 * The watcher follows "auto": sa-update's first version directory, then a
 * newer one, and the packaged rules going away are each a change.
 */
START_TEST(test_sawatch_auto)
{
	struct vg_sawatch *w = NULL;
	char var[128], share[128], want[256];

	snprintf(var, sizeof(var), "%s/var", dir);
	snprintf(share, sizeof(share), "%s/share", dir);
	sh("mkdir var share");
	put("share/50_scores.cf", "\n");
	ck_assert_int_eq(vg_sawatch_new_roots(&w, "auto", var, share), 0);
	ck_assert_str_eq(vg_sawatch_dir(w), share);
	ck_assert(!vg_sawatch_changed(w));
	/* sa-update's first run: the directory, then its files. */
	sh("mkdir var/4.000001");
	ck_assert(!vg_sawatch_changed(w));
	put("var/4.000001/updates_spamassassin_org.cf", "\n");
	ck_assert(!vg_sawatch_changed(w));
	ck_assert(vg_sawatch_changed(w));
	snprintf(want, sizeof(want), "%s/4.000001", var);
	ck_assert_str_eq(vg_sawatch_dir(w), want);
	ck_assert(!vg_sawatch_changed(w));
	/* A file of the set changed. */
	put("var/4.000001/updates_spamassassin_org.cf", "# new\n");
	ck_assert(!vg_sawatch_changed(w));
	ck_assert(vg_sawatch_changed(w));
	/* A newer SpamAssassin's directory. */
	sh("mkdir var/4.000002");
	put("var/4.000002/updates_spamassassin_org.cf", "\n");
	ck_assert(!vg_sawatch_changed(w));
	ck_assert(vg_sawatch_changed(w));
	/* Everything gone: none, a change too. */
	sh("rm -rf var share");
	ck_assert(!vg_sawatch_changed(w));
	ck_assert(vg_sawatch_changed(w));
	ck_assert_str_eq(vg_sawatch_dir(w), "");
	ck_assert(!vg_sawatch_changed(w));
	vg_sawatch_free(w);
}
END_TEST

/* Off, or auto with nothing installed: the rules file alone. */
START_TEST(test_sawatch_load_off)
{
	struct vg_err err;
	struct vg_rules *r = NULL;
	char rules[128];

	snprintf(rules, sizeof(rules), "%s/vigil.rules", dir);
	vg_err_init(&err);
	ck_assert_msg(vg_rules_load_sa(&r, rules, "", &err) == 0, "%s",
	    vg_err_text(&err));
	ck_assert(vg_rules_defines(r, "OWN"));
	ck_assert(!vg_rules_defines(r, "SA_V1"));
	ck_assert(!vg_rules_defines(r, "SUBJECT_DIET"));
	vg_rules_free(r);
}
END_TEST

/*
 * auto on this machine: Debian's packaged rules (packaging/deps.sh
 * installs spamassassin), or sa-update's if it ran, with the rules file
 * after them; the Checker-Version header stays Vigil's.
 */
START_TEST(test_sawatch_load_auto)
{
	struct vg_err err;
	struct vg_rules *r = NULL;
	char rules[128], resolved[4096];
	const struct vg_rules_hdr *h;
	size_t n;
	bool found = false;

	ck_assert_int_eq(vg_rules_sa_resolve(resolved, sizeof(resolved), "auto",
	                     VG_RULES_SA_VAR_ROOT, VG_RULES_SA_SHARE_DIR),
	    0);
	snprintf(rules, sizeof(rules), "%s/vigil.rules", dir);
	vg_err_init(&err);
	ck_assert_msg(vg_rules_load_sa(&r, rules, "auto", &err) == 0, "%s",
	    vg_err_text(&err));
	ck_assert(vg_rules_defines(r, "OWN"));
	if (resolved[0] == '\0') {
		ck_assert(!vg_rules_defines(r, "SUBJECT_DIET"));
		vg_rules_free(r);
		return;
	}
	ck_assert(vg_rules_defines(r, "SUBJECT_DIET")); /* SpamAssassin's */
	h = vg_rules_headers(r, true, &n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(h[i].name, "Checker-Version") != 0)
			continue;
		found = true;
		ck_assert_msg(
		    strncmp(h[i].tmpl, "Vigil ", 6) == 0, "%s", h[i].tmpl);
	}
	ck_assert(found);
	vg_rules_free(r);
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
	tcase_add_test(tc, test_sawatch_resolve);
	tcase_add_test(tc, test_sawatch_auto);
	tcase_add_test(tc, test_sawatch_load_off);
	tcase_add_test(tc, test_sawatch_load_auto);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(sawatch_suite)
