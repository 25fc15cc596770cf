/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_rules_prefilter - the Hyperscan prefilter changes no result: rule
 * flags, refused patterns, and the corpus through the default and
 * SpamAssassin's rules with the prefilter on and off
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "vg_check.h"
#include "base/err.h"
#include "message/msg.h"
#include "message/text.h"
#include "rules/rules.h"
#include "rules/rules_pfcache.h"
#include "rules/symset.h"

#define CORPUS VG_SOURCE_DIR "/../shared/corpus/spamassassin/"
/*
 * Every SAMPLE_STEP-th corpus file (sorted by name) is compared: 504 files
 * in the plain build, which proves the two paths equal; a sanitizer build
 * (ASan + UBSan, about 20 times slower here: 10 minutes for 756) checks the
 * same code for memory errors on 1 in 5 of those.
 */
#if defined(__SANITIZE_ADDRESS__)
#define VG_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VG_SANITIZED 1
#endif
#endif
#ifdef VG_SANITIZED
#define SAMPLE_STEP 64
#define SAMPLE_MIN  60
#else
#define SAMPLE_STEP 12
#define SAMPLE_MIN  450
#endif

static struct vg_text_header headers[] = {
    {"From", "Bob Smith <bob@example.com>", "Bob Smith <bob@example.com>"},
    {"To", "alice@example.org", "alice@example.org"},
    {"Subject", "FREE MONEY for you", "FREE MONEY for you"},
    {"X-Mailer", "Mass Mailer 3.1", "Mass Mailer 3.1"},
};

static const char *uris[] = {"http://192.0.2.1/x", "https://example.com/"};

#define BODY                                                                   \
	"FREE MONEY for you\nDear friend,\nwire the MILLION "                  \
	"dollars\nnow\nend"
#define RAWBODY "<p>Dear <font size=7>friend</font></p>\nline two"

static struct vg_text text = {
    .headers = headers,
    .nheaders = sizeof(headers) / sizeof(headers[0]),
    .body = BODY,
    .body_len = sizeof(BODY) - 1,
    .rawbody = RAWBODY,
    .rawbody_len = sizeof(RAWBODY) - 1,
    .uris = uris,
    .nuris = 2,
};

/* load - rules from "vigil_prefilter MODE" then src; fails on error */
static struct vg_rules *
load(const char *mode, const char *src)
{
	struct vg_rules *r = NULL;
	struct vg_err err;
	char buf[8192];

	snprintf(buf, sizeof(buf), "vigil_prefilter %s\n%s", mode, src);
	vg_err_init(&err);
	ck_assert_msg(
	    vg_rules_parse(&r, buf, strlen(buf), "t.rules", &err) == 0,
	    "rules: %s", vg_err_text(&err));
	return r;
}

/* eval - every rule of r over (msg, t) into hits and res */
static void
eval(struct vg_rules *r, const struct vg_msg *msg, const struct vg_text *t,
    struct vg_rules_hits **hits, struct vg_symset *res)
{
	vg_symset_init(res);
	ck_assert_int_eq(vg_rules_hits_new(hits, r), 0);
	ck_assert_int_eq(vg_rules_eval(r, msg, t, *hits, res), 0);
	ck_assert_int_eq(vg_rules_eval_meta(r, *hits, res), 0);
}

/*
 * same_hits - whether on and off (the same rules, prefilter on and off)
 * give the same hit for every rule over (msg, t); the first difference
 * is named in why.  *nhit counts the hits.
 */
static bool
same_hits(struct vg_rules *on, struct vg_rules *off, const struct vg_msg *msg,
    const struct vg_text *t, char *why, size_t whylen, size_t *nhit)
{
	struct vg_rules_hits *h1 = NULL, *h2 = NULL;
	struct vg_symset s1, s2;
	bool same = true;
	size_t i;

	eval(on, msg, t, &h1, &s1);
	eval(off, msg, t, &h2, &s2);
	ck_assert_uint_eq(vg_rules_count(on), vg_rules_count(off));
	for (i = 0; i < vg_rules_count(on); i++) {
		bool a = vg_rules_hit(h1, i), b = vg_rules_hit(h2, i);

		*nhit += a ? 1 : 0;
		if (a != b && same) {
			snprintf(why, whylen, "%s: prefilter on %d, off %d",
			    vg_rules_name(on, i), a, b);
			same = false;
		}
	}
	vg_rules_hits_free(h1);
	vg_rules_hits_free(h2);
	vg_symset_fini(&s1);
	vg_symset_fini(&s2);
	return same;
}

/* One rule: whether it hits text, and where the prefilter puts it. */
static const struct {
	const char *src;
	int want;
	enum vg_rules_pf_state state;
} rules[] = {
    /* Flags: caseless, multiline, dotall, extended. */
    {"body R /million dollars/i\n", 1, VG_PF_GATED},
    {"body R /million dollars/\n", 0, VG_PF_GATED},
    /* A body pattern with a $ anchor matches per line (rules_regex.c). */
    {"body R /^dear friend,$/i\n", 1, VG_PF_ALWAYS},
    {"full R /MONEY.\\nbody/s\n", 1, VG_PF_GATED},
    {"full R /MONEY.\\nbody/\n", 0, VG_PF_GATED},
    /* rawbody matches in SpamAssassin's 2-4 KiB chunks (rules_eval.c):
     * with /s, . crosses a line within one. */
    {"rawbody R /friend<\\/font>.*two/s\n", 1, VG_PF_GATED},
    {"body R /m i l l i o n \\s dollars/xi\n", 1, VG_PF_GATED},
    {"header R ALL =~ /^Subject: FREE/m\n", 1, VG_PF_GATED},
    {"header R ALL =~ /^Subject: FREE/\n", 0, VG_PF_GATED},
    {"header R X-Mailer =~ /mass mailer/i\n", 1, VG_PF_GATED},
    {"header R From:addr =~ /^bob\\@example\\.com$/\n", 1, VG_PF_GATED},
    /* Negation: no candidate means no match means a hit. */
    {"header R Subject !~ /nothere/\n", 1, VG_PF_GATED},
    {"header R Subject !~ /MONEY/\n", 0, VG_PF_GATED},
    /* An absent header: "" or its if-unset value (never gated). */
    {"header R X-Missing =~ /^$/\n", 1, VG_PF_GATED},
    {"header R X-Missing =~ /yes/ [if-unset: yes]\n", 1, VG_PF_ALWAYS},
    {"header R X-Missing =~ /yes/\n", 0, VG_PF_GATED},
    {"uri R /^https:\\/\\/example\\.com\\//\n", 1, VG_PF_GATED},
    {"uri R /^http:\\/\\/example/\n", 0, VG_PF_GATED},
    {"full R /^Subject: FREE MONEY$/m\n", 1, VG_PF_GATED},
    {"full R /^Subject: FREE MONEY$/\n", 0, VG_PF_GATED},
    /* Large counted repeats are widened for Hyperscan, not for PCRE2. */
    {"body R /wire.{0,500}dollars/i\n", 1, VG_PF_GATED},
    {"body R /wire.{0,500}pounds/i\n", 0, VG_PF_GATED},
    {"body R /(?:\\w+ ){0,2000}MILLION/\n", 1, VG_PF_GATED},
    {"body R /e{20,30}/\n", 0, VG_PF_GATED},
    /* So is every counted repeat of a group (Hyperscan compiles bounded
     * repeats of alternations slowly): "mi(l)+ion" is a candidate in
     * "million", PCRE2's mi(l){1}ion does not match it. */
    {"body R /(?:wire |the ){2}million/i\n", 1, VG_PF_GATED},
    {"body R /mi(?:l){1}ion/i\n", 0, VG_PF_GATED},
    {"body R /mi(?:l|x){1,1}ion/i\n", 0, VG_PF_GATED},
    /* A backreference: approximated by the prefilter, PCRE2 decides. */
    {"body R /(l)\\1ion/i\n", 1, VG_PF_GATED},
    {"body R /(m)\\1illion/i\n", 0, VG_PF_GATED},
    /* Atomic groups: approximated too. */
    {"body R /(?>mill)ion/i\n", 1, VG_PF_GATED},
    /* Refused by Hyperscan (a pattern that matches the empty string, \R):
     * PCRE2 always runs them, and they still hit. */
    {"body R /x*/\n", 1, VG_PF_ALWAYS},
    /* A body line ends in its "\\n", as SpamAssassin's does. */
    {"body R /dollars\\R/\n", 1, VG_PF_ALWAYS},
    {"header R Subject =~ /MONEY\\R?/\n", 1, VG_PF_ALWAYS},
    /* Per-line patterns (lookbehind, \A) are not gated. */
    {"body R /(?<!the )MILLION/\n", 0, VG_PF_ALWAYS},
    {"body R /\\Anow$/\n", 1, VG_PF_ALWAYS},
    /* A meta over gated rules. */
    {"body __A /million/i\nbody __B /nowhere/\nmeta R __A && !__B\n", 1,
        VG_PF_NONE},
};

/* Each rule, prefilter on and off: the same hit, the expected one. */
START_TEST(test_rules_prefilter_flags)
{
	struct vg_rules *on = load("on", rules[_i].src);
	struct vg_rules *off = load("off", rules[_i].src);
	struct vg_rules_hits *hits = NULL;
	struct vg_symset res;
	char why[256] = "";
	size_t nhit = 0, i, found = 0;
	struct vg_msg *msg = NULL;
	struct vg_msg_limits lim;
	static const char raw[] = "Subject: FREE MONEY\n\nbody\n";

	memset(&lim, 0, sizeof(lim));
	lim.max_size = 1 << 20;
	lim.memory_limit = 1 << 20;
	lim.max_headers = 100;
	lim.max_header_size = 1 << 16;
	lim.max_rcpts = 10;
	lim.tmp_dir = "/tmp";
	ck_assert_int_eq(
	    vg_msg_from_bytes(&msg, &lim, raw, sizeof(raw) - 1), 0);
	ck_assert_msg(same_hits(on, off, msg, &text, why, sizeof(why), &nhit),
	    "%s: %s", rules[_i].src, why);
	eval(on, msg, &text, &hits, &res);
	ck_assert_msg(vg_symset_has(&res, "R") == (rules[_i].want == 1),
	    "%s: got %d, want %d", rules[_i].src, !rules[_i].want,
	    rules[_i].want);
	for (i = 0; i < vg_rules_count(on); i++)
		if (strcmp(vg_rules_name(on, i), "R") == 0) {
			found++;
			ck_assert_msg(
			    vg_rules_prefilter_state(on, i) == rules[_i].state,
			    "%s: state got %d, want %d", rules[_i].src,
			    (int)vg_rules_prefilter_state(on, i),
			    (int)rules[_i].state);
			ck_assert_int_eq(
			    vg_rules_prefilter_state(off, i), VG_PF_NONE);
		}
	ck_assert_uint_eq(found, 1);
	vg_rules_hits_free(hits);
	vg_symset_fini(&res);
	vg_msg_free(msg);
	vg_rules_free(on);
	vg_rules_free(off);
}
END_TEST

/* auto builds a database only for a text with many patterns; a bad mode */
START_TEST(test_rules_prefilter_modes)
{
	char src[8192];
	size_t o = 0, k;
	struct vg_rules *r, *bad = NULL;
	struct vg_rules_stats st;
	struct vg_err err;
	static const char badtext[] = "vigil_prefilter maybe\n";

	for (k = 0; k < 60; k++)
		o += (size_t)snprintf(
		    src + o, sizeof(src) - o, "body B%zu /word%zux/\n", k, k);
	r = load("auto", src);
	vg_rules_stats(r, &st);
	ck_assert(st.prefilter);
	ck_assert_uint_eq(st.prefilter_rules, 60);
	ck_assert_uint_gt(st.prefilter_dbs, 0);
	vg_rules_free(r);
	r = load("auto", "body A /a/\nbody B /b/\n");
	vg_rules_stats(r, &st);
	ck_assert_uint_eq(st.prefilter_rules, 0);
	ck_assert_uint_eq(st.prefilter_dbs, 0);
	vg_rules_free(r);
	r = load("off", src);
	vg_rules_stats(r, &st);
	ck_assert(!st.prefilter);
	ck_assert_uint_eq(st.prefilter_rules, 0);
	vg_rules_free(r);
	/* A short-lived process (vigil scan of a few files): auto does not
	 * build, on still does; from then on, for every load. */
	vg_rules_prefilter_auto(false);
	r = load("auto", src);
	vg_rules_stats(r, &st);
	ck_assert(!st.prefilter);
	ck_assert_uint_eq(st.prefilter_dbs, 0);
	vg_rules_free(r);
	r = load("on", src);
	vg_rules_stats(r, &st);
	ck_assert(st.prefilter);
	ck_assert_uint_eq(st.prefilter_rules, 60);
	vg_rules_free(r);
	vg_rules_prefilter_auto(true);
	r = load("auto", src);
	vg_rules_stats(r, &st);
	ck_assert(st.prefilter);
	vg_rules_free(r);
	vg_err_init(&err);
	ck_assert_int_eq(
	    vg_rules_parse(&bad, badtext, sizeof(badtext) - 1, "t.rules", &err),
	    VG_ECONFIG);
	ck_assert_ptr_nonnull(strstr(vg_err_text(&err), "t.rules:1:"));
	ck_assert_ptr_null(bad);
}
END_TEST

struct thread_arg {
	struct vg_rules *r;
	int hits;
};

/* run_many - evaluate the shared rules many times on this thread */
static void *
run_many(void *p)
{
	struct thread_arg *a = p;

	for (int k = 0; k < 200; k++) {
		struct vg_symset res;

		vg_symset_init(&res);
		if (vg_rules_eval(a->r, NULL, &text, NULL, &res) == 0 &&
		    vg_symset_has(&res, "B7") && !vg_symset_has(&res, "B8"))
			a->hits++;
		vg_symset_fini(&res);
	}
	return NULL;
}

/* Threads share the databases, each with its own Hyperscan scratch. */
START_TEST(test_rules_prefilter_threads)
{
	char src[8192];
	size_t o = 0, k;
	pthread_t th[4];
	struct thread_arg a[4];

	for (k = 0; k < 60; k++)
		o += (size_t)snprintf(src + o, sizeof(src) - o,
		    "body B%zu /%s%zu/i\n", k, k == 7 ? "million|" : "word", k);
	/* Two threads on one set, two on others: scratch fits them all. */
	for (k = 0; k < 4; k++) {
		a[k].r = k == 1 ? a[0].r : load("on", src);
		a[k].hits = 0;
	}
	for (k = 0; k < 4; k++)
		ck_assert_int_eq(
		    pthread_create(&th[k], NULL, run_many, &a[k]), 0);
	for (k = 0; k < 4; k++)
		ck_assert_int_eq(pthread_join(th[k], NULL), 0);
	for (k = 0; k < 4; k++)
		ck_assert_int_eq(a[k].hits, 200);
	vg_rules_free(a[0].r);
	vg_rules_free(a[2].r);
	vg_rules_free(a[3].r);
}
END_TEST

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * compare_corpus - every SAMPLE_STEP-th corpus message through the rules
 * file path, prefilter on and off: the same hits for every rule
 */
static void
compare_corpus(const char *path)
{
	static const char *const dirs[] = {"ham", "spam"};
	struct vg_rules *on, *off;
	struct vg_rules_stats st;
	struct vg_text_limits tl;
	struct vg_msg_limits lim;
	char inc[1024], why[512] = "";
	size_t nmsg = 0, nhit = 0, d;

	snprintf(inc, sizeof(inc), "include %s\n", path);
	on = load("on", inc);
	off = load("off", inc);
	vg_rules_stats(on, &st);
	ck_assert(st.prefilter);
	ck_assert_uint_gt(st.prefilter_rules, 50);
	vg_text_limits_default(&tl);
	memset(&lim, 0, sizeof(lim));
	lim.max_size = 64 << 20;
	lim.memory_limit = 64 << 20;
	lim.max_headers = 1000;
	lim.max_header_size = 1 << 20;
	lim.max_rcpts = 100;
	lim.tmp_dir = "/tmp";
	for (d = 0; d < 2; d++) {
		char dir[1024], file[2048];
		char **names = NULL;
		size_t n = 0, cap = 0, i;
		struct dirent *de;
		DIR *dp;

		snprintf(dir, sizeof(dir), "%s%s", CORPUS, dirs[d]);
		ck_assert_msg(
		    (dp = opendir(dir)) != NULL, "cannot open %s", dir);
		while ((de = readdir(dp)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				names = realloc(names, cap * sizeof(*names));
				ck_assert_ptr_nonnull(names);
			}
			names[n++] = strdup(de->d_name);
		}
		closedir(dp);
		qsort(names, n, sizeof(*names), name_cmp);
		for (i = 0; i < n; i += SAMPLE_STEP) {
			struct vg_msg *msg = NULL;
			struct vg_text *t = NULL;

			snprintf(file, sizeof(file), "%s/%s", dir, names[i]);
			ck_assert_msg(vg_msg_from_file(&msg, &lim, file) == 0,
			    "cannot read %s", file);
			ck_assert_int_eq(
			    vg_msg_set_from(msg, "a@example.com"), 0);
			ck_assert_int_eq(vg_text_build(&t, msg, &tl), 0);
			ck_assert_msg(
			    same_hits(on, off, msg, t, why, sizeof(why), &nhit),
			    "%s: %s", file, why);
			vg_text_free(t);
			vg_msg_free(msg);
			nmsg++;
		}
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	printf("%s: %zu messages, %zu rule hits, the same with the "
	       "prefilter on (%zu rules gated, %zu always run) and off\n",
	    path, nmsg, nhit, st.prefilter_rules, st.prefilter_always);
	ck_assert_uint_gt(nmsg, SAMPLE_MIN);
	ck_assert_uint_gt(nhit, nmsg);
	vg_rules_free(on);
	vg_rules_free(off);
}

/* count_files - regular files in dir whose name ends in suffix */
static size_t
count_files(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0, sl = strlen(suffix);

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] != '.' && l >= sl &&
		    strcmp(de->d_name + l - sl, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* first_db - the path of some database file in dir into out */
static void
first_db(const char *dir, char *out, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	ck_assert_ptr_nonnull(d);
	out[0] = '\0';
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".hsdb") != NULL &&
		    strlen(de->d_name) == 69) {
			snprintf(out, size, "%s/%s", dir, de->d_name);
			break;
		}
	closedir(d);
	ck_assert_msg(out[0] != '\0', "no database in %s", dir);
}

/* cached - load src ("vigil_prefilter auto"); its dbs and cached dbs */
static void
cached(const char *src, size_t *dbs, size_t *from_cache)
{
	struct vg_rules *r = load("auto", src);
	struct vg_rules_stats st;

	vg_rules_stats(r, &st);
	*dbs = st.prefilter_dbs;
	*from_cache = st.prefilter_cached;
	vg_rules_free(r);
}

/* touch_at - make path (empty if new) last modified days ago */
static void
touch_at(const char *path, int days)
{
	struct timeval tv[2];
	int fd = open(path, O_WRONLY | O_CREAT, 0640);

	ck_assert_int_ge(fd, 0);
	close(fd);
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= (time_t)days * 86400;
	tv[1] = tv[0];
	ck_assert_int_eq(utimes(path, tv), 0);
}

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/*
 * The prefilter cache: compiled once, then read; a changed pattern, a
 * damaged or oversized file is compiled again; a short run only reads;
 * old files are pruned; a directory others may write, or none, is not
 * used.
 */
START_TEST(test_rules_prefilter_cache)
{
	static const char two[] =
	    "body A /alpha/\nheader B Subject =~ /beta/\n";
	static const char other[] =
	    "body A /alpha2/\nheader B Subject =~ /beta/\n";
	char base[] = "/tmp/vg-pfc.XXXXXX", dir[256], db[512], path[600];
	size_t dbs, hit, files;
	struct stat st;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(base));
	/* Missing parents are made. */
	snprintf(dir, sizeof(dir), "%s/a/b", base);
	ck_assert_int_eq(vg_rules_prefilter_cache(dir), 0);
	/* Without a cache auto leaves two patterns to PCRE2; with one it
	 * compiles them once. */
	cached(two, &dbs, &hit);
	ck_assert_uint_eq(dbs, 2);
	ck_assert_uint_eq(hit, 0);
	ck_assert_uint_eq(count_files(dir, ".hsdb"), 2);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0750);
	cached(two, &dbs, &hit);
	ck_assert_uint_eq(dbs, 2);
	ck_assert_uint_eq(hit, 2);
	/* A changed body pattern: its database is new, Subject's is not. */
	cached(other, &dbs, &hit);
	ck_assert_uint_eq(hit, 1);
	ck_assert_uint_eq(count_files(dir, ".hsdb"), 3);

	/* A damaged file does not check out: compiled and written again. */
	first_db(dir, db, sizeof(db));
	fd = open(db, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "\xff\xfe\xfd\xfc", 4, 100), 4);
	close(fd);
	cached(other, &dbs, &hit);
	cached(two, &dbs, &hit);
	ck_assert_uint_eq(dbs, 2);
	cached(other, &dbs, &hit);
	ck_assert_uint_eq(hit, 2);
	cached(two, &dbs, &hit);
	ck_assert_uint_eq(hit, 2);
	/* Truncated to nothing, and past VG_PFC_FILE_MAX (sparse): misses. */
	first_db(dir, db, sizeof(db));
	ck_assert_int_eq(truncate(db, 0), 0);
	cached(two, &dbs, &hit);
	cached(other, &dbs, &hit);
	ck_assert_uint_eq(hit, 2); /* rewritten by whichever missed */
	first_db(dir, db, sizeof(db));
	ck_assert_int_eq(truncate(db, (off_t)VG_PFC_FILE_MAX + 1), 0);
	cached(two, &dbs, &hit);
	cached(other, &dbs, &hit);
	ck_assert_uint_eq(hit, 2);
	ck_assert_int_eq(stat(db, &st), 0);
	ck_assert_int_lt(st.st_size, 1024 * 1024);

	/* A short run compiles nothing and reads what is there. */
	vg_rules_prefilter_auto(false);
	cached(two, &dbs, &hit);
	ck_assert_uint_eq(dbs, 2);
	ck_assert_uint_eq(hit, 2);
	cached("body A /gamma/\n", &dbs, &hit);
	ck_assert_uint_eq(dbs, 0);
	vg_rules_prefilter_auto(true);

	/* Pruning: an old database and an old temporary file go; a fresh
	 * one and a name that is not ours stay. */
	snprintf(path, sizeof(path), "%s/%s.hsdb", dir, HEX64);
	touch_at(path, VG_PFC_MAX_AGE_DAYS + 1);
	snprintf(path, sizeof(path), "%s/%s.hsdb.AbCdEf", dir, HEX64);
	touch_at(path, 2);
	snprintf(path, sizeof(path), "%s/keep.hsdb", dir);
	touch_at(path, 400);
	files = count_files(dir, ".hsdb");
	cached(two, &dbs, &hit);
	ck_assert_uint_eq(count_files(dir, ".hsdb"), files - 1);
	ck_assert_uint_eq(count_files(dir, ".AbCdEf"), 0);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(unlink(path), 0);

	/* A directory others may write is not used. */
	ck_assert_int_eq(chmod(dir, 0777), 0);
	files = count_files(dir, ".hsdb");
	cached("body A /delta/\nheader B Subject =~ /beta/\n", &dbs, &hit);
	ck_assert_uint_eq(hit, 0);
	ck_assert_uint_eq(dbs, 0);
	ck_assert_uint_eq(count_files(dir, ".hsdb"), files);
	ck_assert_int_eq(chmod(dir, 0750), 0);

	/* Root writes files and directories for the directory's owner. */
	if (geteuid() == 0) {
		snprintf(path, sizeof(path), "%s/own", base);
		ck_assert_int_eq(mkdir(path, 0750), 0);
		ck_assert_int_eq(chown(path, 65534, 65534), 0);
		snprintf(dir, sizeof(dir), "%s/own/sub", base);
		ck_assert_int_eq(vg_rules_prefilter_cache(dir), 0);
		cached(two, &dbs, &hit);
		ck_assert_uint_eq(dbs, 2);
		ck_assert_int_eq(stat(dir, &st), 0);
		ck_assert_uint_eq(st.st_uid, 65534);
		first_db(dir, db, sizeof(db));
		ck_assert_int_eq(stat(db, &st), 0);
		ck_assert_uint_eq(st.st_uid, 65534);
	}

	/* No usable directory (a file in the way): the load still works,
	 * as without a cache. */
	snprintf(path, sizeof(path), "%s/file", base);
	touch_at(path, 0);
	snprintf(dir, sizeof(dir), "%s/file/sub", base);
	ck_assert_int_eq(vg_rules_prefilter_cache(dir), 0);
	cached(two, &dbs, &hit);
	ck_assert_uint_eq(dbs, 0);
	ck_assert_int_eq(vg_rules_prefilter_cache(NULL), 0);
	snprintf(path, sizeof(path), "rm -rf '%s'", base);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

/* pf_stats - load src with "vigil_prefilter MODE"; its prefilter stats */
static void
pf_stats(const char *mode, const char *src, struct vg_rules_stats *st)
{
	struct vg_rules *r = load(mode, src);

	vg_rules_stats(r, st);
	vg_rules_free(r);
}

/*
 * A deferred load (the daemon's, vg_rules_prefilter_defer) compiles
 * nothing: it takes what the cache has, counts what it lacks, and gives
 * the results of PCRE2 alone; the load after it compiles and fills the
 * cache; then a deferred load lacks nothing.  Without a cache it counts
 * what auto or on would compile.  A stopping process compiles nothing.
 */
START_TEST(test_rules_prefilter_defer)
{
	char base[] = "/tmp/vg-pfd.XXXXXX", src[8192], cmd[300], why[256];
	struct vg_rules *r, *off;
	struct vg_rules_stats st;
	size_t o = 0, k, nhit = 0;

	/* 60 body rules (one database) and one Subject rule (another). */
	for (k = 0; k < 60; k++)
		o += (size_t)snprintf(src + o, sizeof(src) - o,
		    "body B%zu /%s%zu/i\n", k, k == 7 ? "million|" : "word", k);
	snprintf(src + o, sizeof(src) - o, "header S Subject =~ /money/i\n");
	ck_assert_ptr_nonnull(mkdtemp(base));
	ck_assert_int_eq(vg_rules_prefilter_cache(base), 0);

	vg_rules_prefilter_defer(true);
	r = load("on", src);
	vg_rules_stats(r, &st);
	ck_assert_uint_eq(st.prefilter_pending, 2);
	ck_assert_uint_eq(st.prefilter_dbs, 0);
	ck_assert_uint_eq(st.prefilter_rules, 0);
	ck_assert_uint_eq(count_files(base, ".hsdb"), 0);
	/* PCRE2 alone: what the prefilter off gives, B7 and S hit. */
	off = load("off", src);
	ck_assert_msg(
	    same_hits(r, off, NULL, &text, why, sizeof(why), &nhit), "%s", why);
	ck_assert_uint_eq(nhit, 2);
	vg_rules_free(r);
	/* auto defers the same way. */
	pf_stats("auto", src, &st);
	ck_assert_uint_eq(st.prefilter_pending, 2);
	ck_assert_uint_eq(st.prefilter_dbs, 0);

	/* The load that compiles: both databases, written to the cache. */
	vg_rules_prefilter_defer(false);
	r = load("on", src);
	vg_rules_stats(r, &st);
	ck_assert_uint_eq(st.prefilter_pending, 0);
	ck_assert_uint_eq(st.prefilter_dbs, 2);
	ck_assert_uint_eq(st.prefilter_cached, 0);
	ck_assert_uint_eq(st.prefilter_rules, 61);
	ck_assert_uint_eq(count_files(base, ".hsdb"), 2);
	nhit = 0;
	ck_assert_msg(
	    same_hits(r, off, NULL, &text, why, sizeof(why), &nhit), "%s", why);
	ck_assert_uint_eq(nhit, 2);
	vg_rules_free(r);

	/* Deferred again: everything from the cache, nothing lacking. */
	vg_rules_prefilter_defer(true);
	pf_stats("on", src, &st);
	ck_assert_uint_eq(st.prefilter_pending, 0);
	ck_assert_uint_eq(st.prefilter_dbs, 2);
	ck_assert_uint_eq(st.prefilter_cached, 2);
	/* One pattern changed: its database lacks, the other is cached. */
	memcpy(strstr(src, "money"), "monez", 5);
	pf_stats("on", src, &st);
	ck_assert_uint_eq(st.prefilter_pending, 1);
	ck_assert_uint_eq(st.prefilter_dbs, 1);
	ck_assert_uint_eq(st.prefilter_cached, 1);

	/* No cache: auto would compile the body's 60 only, on both. */
	ck_assert_int_eq(vg_rules_prefilter_cache(NULL), 0);
	pf_stats("auto", src, &st);
	ck_assert_uint_eq(st.prefilter_pending, 1);
	ck_assert_uint_eq(st.prefilter_dbs, 0);
	pf_stats("on", src, &st);
	ck_assert_uint_eq(st.prefilter_pending, 2);
	pf_stats("off", src, &st);
	ck_assert_uint_eq(st.prefilter_pending, 0);
	ck_assert(!st.prefilter);
	vg_rules_prefilter_defer(false);
	pf_stats("on", src, &st);
	ck_assert_uint_eq(st.prefilter_pending, 0);
	ck_assert_uint_eq(st.prefilter_dbs, 2);

	/* Stopping (this test runs in a child of its own): nothing more is
	 * compiled, whatever defer says; what lacks is counted. */
	vg_rules_prefilter_stop();
	pf_stats("on", src, &st);
	ck_assert_uint_eq(st.prefilter_pending, 2);
	ck_assert_uint_eq(st.prefilter_dbs, 0);
	vg_rules_free(off);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_rules_prefilter_corpus_default)
{
	compare_corpus(VG_SOURCE_DIR "/rules/vigil.rules");
}
END_TEST

START_TEST(test_rules_prefilter_corpus_spamassassin)
{
	/* packaging/deps.sh installs it: a missing set is a failure. */
	ck_assert_msg(access("/usr/share/spamassassin/72_active.cf", R_OK) == 0,
	    "Debian's spamassassin package is not installed (deps.sh)");
#ifdef VG_SANITIZED
	/*
	 * Hyperscan compiles SpamAssassin's 2,000 patterns through ASan's
	 * allocator in about 4 minutes on this machine (8 s without): the
	 * sanitizer build checks the prefilter's memory use on the default
	 * rules' corpus test and the rules/modes/threads cases; the plain
	 * build compares SpamAssassin's set on 504 messages.
	 */
	printf("sanitizer build: SpamAssassin's set not compiled here\n");
	return;
#endif
	compare_corpus(VG_SOURCE_DIR "/rules/spamassassin.rules");
}
END_TEST

static Suite *
rules_prefilter_suite(void)
{
	Suite *s = suite_create("rules_prefilter");
	TCase *tc;

	if (vg_text_global_init() != 0)
		abort();
	tc = tcase_create("rules");
	tcase_add_loop_test(tc, test_rules_prefilter_flags, 0,
	    (int)(sizeof(rules) / sizeof(rules[0])));
	tcase_add_test(tc, test_rules_prefilter_modes);
	tcase_add_test(tc, test_rules_prefilter_threads);
	tcase_add_test(tc, test_rules_prefilter_cache);
	/* Last in its case: it stops the prefilter for the process, should
	 * the tests share one (CK_FORK=no). */
	tcase_add_test(tc, test_rules_prefilter_defer);
	suite_add_tcase(s, tc);
	tc = tcase_create("corpus");
	/* Compiling SpamAssassin's set takes seconds on a busy machine. */
	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, test_rules_prefilter_corpus_default);
	tcase_add_test(tc, test_rules_prefilter_corpus_spamassassin);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(rules_prefilter_suite)
