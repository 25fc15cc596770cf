/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_spamhdr - X-Spam-* headers byte for byte as SpamAssassin 4.0.1
 * writes them, the template tags, the header directives and their limits.
 *
 * The reference is data/sa401-headers.txt: the X-Spam-* headers that
 * Debian 12's spamassassin 4.0.1 (`spamassassin -L -t`) wrote for corpus
 * messages.  Each block is parsed back into a verdict (tests, score,
 * autolearn) and rendered with SpamAssassin's templates; the result must
 * equal what SpamAssassin wrote, folds included.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"
#include "rules/rules.h"
#include "core/spamhdr.h"
#include "core/verdict.h"

#define SA_DATA VG_SOURCE_DIR "/tests/unit/data/sa401-headers.txt"

static struct vg_rules *
rules_of(const char *text)
{
	struct vg_rules *r = NULL;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_msg(
	    vg_rules_parse(&r, text, strlen(text), "t.rules", &err) == 0,
	    "rules: %s", vg_err_text(&err));
	return r;
}

/* A verdict of the names in list ("A,B,C"), each scored 1. */
static void
verdict_of(struct vg_verdict *v, struct vg_symbol *syms, size_t max, char *list,
    double score, bool spam)
{
	memset(v, 0, sizeof(*v));
	v->symbols = syms;
	for (char *p = list; *p != '\0' && v->nsymbols < max;) {
		char *comma = strchr(p, ',');

		syms[v->nsymbols].name = p;
		syms[v->nsymbols].score = 1.0;
		v->nsymbols++;
		if (comma == NULL)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	v->score = score;
	v->required = 5.0;
	v->spam = spam;
}

/* render - "X-Spam-NAME: value\n" of name's template in r for ctx */
static void
render(struct vg_buf *out, const struct vg_rules *r, bool spam,
    const char *name, const struct vg_spamhdr_ctx *ctx)
{
	const struct vg_rules_hdr *h;
	size_t n;
	struct vg_buf value;

	vg_buf_init(&value, 8192);
	h = vg_rules_headers(r, spam, &n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(h[i].name, name) != 0)
			continue;
		ck_assert_int_eq(
		    vg_spamhdr_render(&value, h[i].name, h[i].tmpl, ctx), 0);
		ck_assert_int_eq(vg_buf_printf(out, "X-Spam-%s: %s\n", name,
		                     vg_buf_cstr(&value)),
		    0);
	}
	vg_buf_fini(&value);
}

/* Every block of the reference, rendered again, byte for byte. */
START_TEST(test_spamhdr_sa_reference)
{
	/* SpamAssassin's own Checker-Version, so the whole block compares. */
	struct vg_rules *r = rules_of("add_header all Checker-Version "
	                              "SpamAssassin _VERSION_ (_SUBVERSION_) "
	                              "on _HOSTNAME_\n");
	FILE *fp = fopen(SA_DATA, "r");
	char line[1024], block[8192] = "";
	size_t blocks = 0;
	bool more = true;

	ck_assert_ptr_nonnull(fp);
	while (more) {
		more = fgets(line, sizeof(line), fp) != NULL;
		if (more && line[0] == '#')
			continue;
		if (more && line[0] != '\n') {
			size_t bl = strlen(block), ll = strlen(line);

			ck_assert_uint_lt(bl + ll, sizeof(block));
			memcpy(block + bl, line, ll + 1);
			continue;
		}
		if (block[0] == '\0')
			continue;
		{
			char unfolded[8192], list[4096], al[64];
			struct vg_symbol syms[128];
			struct vg_verdict v;
			struct vg_buf got;
			const char *st = strstr(block, "X-Spam-Status: ");
			char yn[8];
			double score, reqd;
			size_t k = 0;
			struct vg_spamhdr_ctx ctx = {.rules = r,
			    .version = "4.0.1",
			    .subversion = "2024-03-25",
			    .hostname = "vm",
			    .autolearn = al};

			ck_assert_ptr_nonnull(st);
			/* Unfold: after a comma nothing was cut, else a blank. */
			for (const char *p = st + 15;
			     *p != '\0' && k + 1 < sizeof(unfolded); p++) {
				if (p[0] == '\n' && p[1] == '\t') {
					if (k > 0 && unfolded[k - 1] != ',')
						unfolded[k++] = ' ';
					p++;
					continue;
				}
				if (p[0] == '\n')
					break;
				unfolded[k++] = *p;
			}
			unfolded[k] = '\0';
			ck_assert_int_eq(sscanf(unfolded,
			                     "%7[^,], score=%lf required=%lf "
			                     "tests=%4095s",
			                     yn, &score, &reqd, list),
			    4);
			(void)vg_str_fmt(al, sizeof(al), "%s",
			    strstr(unfolded, "autolearn=") + 10);
			*strstr(al, " version=") = '\0';
			verdict_of(
			    &v, syms, 128, list, score, strcmp(yn, "Yes") == 0);
			if (strcmp(list, "none") == 0)
				v.nsymbols = 0;
			/* SpamAssassin rounds 8.96 to 9.0 but gives it 8
			 * stars: the stars tell the score's whole part. */
			{
				const char *lv =
				    strstr(block, "X-Spam-Level: ");
				long stars = (long)strspn(lv + 14, "*");

				if (stars < (long)score)
					v.score = score - 0.04;
			}
			ctx.v = &v;
			vg_buf_init(&got, 16384);
			render(&got, r, v.spam, "Checker-Version", &ctx);
			render(&got, r, v.spam, "Flag", &ctx);
			render(&got, r, v.spam, "Level", &ctx);
			render(&got, r, v.spam, "Status", &ctx);
			ck_assert_msg(strcmp(vg_buf_cstr(&got), block) == 0,
			    "got\n%swant\n%s", vg_buf_cstr(&got), block);
			vg_buf_fini(&got);
			blocks++;
		}
		block[0] = '\0';
	}
	fclose(fp);
	ck_assert_uint_ge(blocks, 10);
	vg_rules_free(r);
}
END_TEST

/* Templates and what they render to. */
static const struct {
	const char *tmpl;
	double score;
	bool spam;
	const char *want;
} tag_cases[] = {
    {"_YESNO_ _YESNOCAPS_", 6.0, true, "Yes YES"},
    {"_YESNO_ _YESNOCAPS_", 1.0, false, "No NO"},
    {"_YESNO(spam,ham)_ _YESNOCAPS(spam,ham)_", 1.0, false, "ham HAM"},
    {"_YESNO(spam,ham)_", 7.0, true, "spam"},
    {"_SCORE_ _HITS_ _REQD_", 7.25, true, "7.2 7.2 5.0"},
    /* Conf.pm: pad + 3 - length(score) characters of the pad. */
    {"_SCORE(00)_", 7.25, true, "007.2"},
    {"_SCORE(0)_", 17.25, true, "17.2"},
    {"_SCORE(  )_", -1.0, false, " -1.0"},
    /* A ham whose rounded score reaches the threshold: one tenth under. */
    {"_SCORE_", 4.96, false, "4.9"},
    {"_STARS_|_STARS(+)_|", 3.9, false, "***|+++|"},
    {"_STARS_", -3.0, false, ""},
    {"_STARS(*)_", 200.0, true,
        "**************************************************"},
    {"_TESTS_", 6.0, true, "AAA,B_RULE,ZED"},
    {"_TESTS( )_", 6.0, true, "AAA B_RULE ZED"},
    {"_TESTSSCORES(,)_", 6.0, true, "AAA=0.5,B_RULE=2.5,ZED=3"},
    {"_SUBTESTS_ _BAYES_", 6.0, true, "none 0.5"},
    {"_VERSION_ on _HOSTNAME_ _AUTOLEARN_", 6.0, true,
        "9.9 on mx.example.org no autolearn_force=no"},
    {"_REMOTEHOSTADDR_ _REMOTEHOSTNAME_", 1.0, false, "192.0.2.1 localhost"},
    /* Unknown tags and lone underscores stay as written (SA bug 4793). */
    {"_NOSUCHTAG_ a_b _ __ _lower_", 1.0, false,
        "_NOSUCHTAG_ a_b _ __ _lower_"},
    {"x_YESNO__REQD_y", 1.0, false, "xNo5.0y"},
    {"_TESTS_AUTOLEARN_", 6.0, true, "_TESTS_AUTOLEARN_"},
};

START_TEST(test_spamhdr_tags)
{
	static char zed[] = "ZED", b_rule[] = "B_RULE", aaa[] = "AAA";
	struct vg_symbol syms[3] = {
	    {.name = zed, .score = 3.0},
	    {.name = b_rule, .score = 2.5},
	    {.name = aaa, .score = 0.5},
	};
	struct vg_verdict v = {.symbols = syms, .nsymbols = 3};
	struct vg_spamhdr_ctx ctx = {.v = &v,
	    .version = "9.9",
	    .subversion = "",
	    .hostname = "mx.example.org",
	    .autolearn = "no autolearn_force=no",
	    .client_addr = "192.0.2.1",
	    .client_name = ""};
	struct vg_buf out;

	v.score = tag_cases[_i].score;
	v.required = 5.0;
	v.spam = tag_cases[_i].spam;
	vg_buf_init(&out, 8192);
	ck_assert_int_eq(
	    vg_spamhdr_render(&out, "T", tag_cases[_i].tmpl, &ctx), 0);
	ck_assert_msg(strcmp(vg_buf_cstr(&out), tag_cases[_i].want) == 0,
	    "%s: got \"%s\", want \"%s\"", tag_cases[_i].tmpl,
	    vg_buf_cstr(&out), tag_cases[_i].want);
	vg_buf_fini(&out);
}
END_TEST

/* list - "Name=Tmpl;..." of one list of r */
static void
list(char *buf, size_t size, const struct vg_rules *r, bool spam)
{
	const struct vg_rules_hdr *h;
	size_t n, len = 0;

	buf[0] = '\0';
	h = vg_rules_headers(r, spam, &n);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(
		    buf + len, size - len, "%s=%s;", h[i].name, h[i].tmpl);
}

/* add_header, remove_header, clear_headers, report_safe as Conf.pm. */
START_TEST(test_spamhdr_directives)
{
	struct vg_rules *r;
	char got[4096];

	r = rules_of("");
	list(got, sizeof(got), r, true);
	ck_assert_str_eq(got,
	    "Checker-Version=Vigil _VERSION_ on _HOSTNAME_;Flag=_YESNOCAPS_;"
	    "Level=_STARS(*)_;Status=_YESNO_, score=_SCORE_ required=_REQD_ "
	    "tests=_TESTS_ autolearn=_AUTOLEARN_ version=_VERSION_;");
	list(got, sizeof(got), r, false);
	ck_assert_str_eq(got,
	    "Checker-Version=Vigil _VERSION_ on _HOSTNAME_;"
	    "Level=_STARS(*)_;Status=_YESNO_, score=_SCORE_ required=_REQD_ "
	    "tests=_TESTS_ autolearn=_AUTOLEARN_ version=_VERSION_;");
	vg_rules_free(r);

	r = rules_of("clear_headers\n"
	             "add_header all Status \"_YESNO_, score=_SCORE_ "
	             "required=_REQD_ tests=_TESTSSCORES(,)_\"\n"
	             "add_header spam Flag YES\\tx\\\\y\\qz\n"
	             "remove_header all Checker-Version\n"
	             "remove_header ham Flag\n"
	             "report_safe 0\n");
	list(got, sizeof(got), r, true);
	ck_assert_str_eq(got,
	    "Checker-Version=Vigil _VERSION_ on _HOSTNAME_;"
	    "Status=_YESNO_, score=_SCORE_ required=_REQD_ "
	    "tests=_TESTSSCORES(,)_;Flag=YES\tx\\yz;Report=_REPORT_;");
	list(got, sizeof(got), r, false);
	ck_assert_str_eq(got,
	    "Checker-Version=Vigil _VERSION_ on _HOSTNAME_;"
	    "Status=_YESNO_, score=_SCORE_ required=_REQD_ "
	    "tests=_TESTSSCORES(,)_;");
	vg_rules_free(r);

	/* add_header of an existing name moves it last. */
	r = rules_of("add_header all Level _STARS(+)_\n");
	list(got, sizeof(got), r, false);
	ck_assert_msg(strstr(got, "Status=") < strstr(got, "Level=_STARS(+)_"),
	    "got %s", got);
	vg_rules_free(r);
}
END_TEST

/* Each limit of the directives is an error at file:line. */
static const char *const bad_lines[] = {
    "add_header sometimes Foo bar\n", "add_header all Bad:Name bar\n",
    "add_header all Foo\n",
    "add_header all "
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA x\n",
    "add_header all Foo a\x01b\n", "remove_header all\n", "clear_headers now\n",
    "report_safe 3\n", NULL, /* a template too long, built below */
    NULL,                    /* too many headers, built below */
};

START_TEST(test_spamhdr_directive_limits)
{
	static char text[8192];
	struct vg_rules *r = NULL;
	struct vg_err err;

	if (_i == 8) {
		size_t n =
		    (size_t)snprintf(text, sizeof(text), "add_header all Foo ");
		memset(text + n, 'x', VG_RULES_HDR_TEMPLATE_MAX + 1);
		memcpy(text + n + VG_RULES_HDR_TEMPLATE_MAX + 1, "\n", 2);
	} else if (_i == 9) {
		size_t n = 0;

		for (int i = 0; i < VG_RULES_HDR_MAX; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
			    "add_header all H%d x\n", i);
	} else {
		(void)snprintf(text, sizeof(text), "%s", bad_lines[_i]);
	}
	vg_err_init(&err);
	ck_assert_int_eq(
	    vg_rules_parse(&r, text, strlen(text), "t.rules", &err),
	    VG_ECONFIG);
	ck_assert_msg(strstr(vg_err_text(&err), "t.rules:") != NULL, "got %s",
	    vg_err_text(&err));
	ck_assert_ptr_null(r);
	/* One under the template limit loads. */
	if (_i == 8) {
		text[strlen(text) - 2] = '\n';
		text[strlen(text) - 1] = '\0';
		ck_assert_ptr_nonnull(r = rules_of(text));
		vg_rules_free(r);
	}
}
END_TEST

/*
 * A long list folds within 79 columns (tab = 8) and is cut with ",..."
 * within VG_SPAMHDR_VALUE_MAX; message-derived text is sanitised.
 */
START_TEST(test_spamhdr_fold_cut_sanitise)
{
	static struct vg_symbol syms[300];
	static char names[300][32];
	struct vg_verdict v = {
	    .symbols = syms, .score = 9, .required = 5, .spam = true};
	struct vg_spamhdr_ctx ctx = {.v = &v,
	    .version = "1",
	    .subversion = "",
	    .hostname = "evil\r\nX-Injected: yes",
	    .autolearn = "no",
	    .client_name = "a\nb"};
	struct vg_buf out;
	const char *line, *s;

	for (int i = 0; i < 300; i++) {
		snprintf(names[i], sizeof(names[i]), "RULE_NUMBER_%03d", i);
		syms[i].name = names[i];
		syms[i].score = 0.5;
	}
	v.nsymbols = 300;
	vg_buf_init(&out, 8192);
	ck_assert_int_eq(vg_spamhdr_render(&out, "Status",
	                     "_YESNO_, tests=_TESTS_ on _HOSTNAME_ "
	                     "_REMOTEHOSTNAME_",
	                     &ctx),
	    0);
	s = vg_buf_cstr(&out);
	ck_assert_ptr_nonnull(strstr(s, ",..."));
	ck_assert_ptr_nonnull(strstr(s, "X-Injected"));
	ck_assert_ptr_null(strchr(s, '\r'));
	line = s;
	for (const char *p = s;; p++) {
		if (*p == '\n' || *p == '\0') {
			size_t w = (size_t)(p - line) +
			    (line == s ? strlen("X-Spam-Status: ") : 7);

			ck_assert_msg(w <= 79, "line of %zu columns", w);
			if (*p == '\0')
				break;
			ck_assert_int_eq(p[1], '\t');
			line = p + 1;
		}
	}
	/* The value before folding stays within its limit. */
	ck_assert_uint_lt(strlen(s), VG_SPAMHDR_VALUE_MAX + 300 / 4 * 2);
	vg_buf_fini(&out);
}
END_TEST

/* _REPORT_: SpamAssassin's "* score NAME description" lines, folded. */
START_TEST(test_spamhdr_report)
{
	struct vg_rules *r =
	    rules_of("describe SUBJ_CAPS Subject is all capitals\n");
	static char caps[] = "SUBJ_CAPS", big[] = "BIG";
	struct vg_symbol syms[2] = {
	    {.name = caps, .score = 1.5},
	    {.name = big, .score = 12.0},
	};
	struct vg_verdict v = {.symbols = syms,
	    .nsymbols = 2,
	    .score = 13.5,
	    .required = 5,
	    .spam = true};
	struct vg_spamhdr_ctx ctx = {.v = &v,
	    .rules = r,
	    .version = "1",
	    .subversion = "",
	    .hostname = "h",
	    .autolearn = "no"};
	struct vg_buf out;

	vg_buf_init(&out, 8192);
	ck_assert_int_eq(
	    vg_spamhdr_render(&out, "Report", "_REPORT_", &ctx), 0);
	ck_assert_str_eq(vg_buf_cstr(&out),
	    "\n\t*  1.5 SUBJ_CAPS Subject is all capitals\n\t*   12 BIG ");
	vg_buf_fini(&out);
	vg_rules_free(r);
}
END_TEST

static Suite *
spamhdr_suite(void)
{
	Suite *s = suite_create("spamhdr");
	TCase *tc;

	tc = tcase_create("sa_reference");
	tcase_add_test(tc, test_spamhdr_sa_reference);
	suite_add_tcase(s, tc);
	tc = tcase_create("tags");
	tcase_add_loop_test(tc, test_spamhdr_tags, 0, VG_NELEM(tag_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("directives");
	tcase_add_test(tc, test_spamhdr_directives);
	tcase_add_loop_test(
	    tc, test_spamhdr_directive_limits, 0, VG_NELEM(bad_lines));
	suite_add_tcase(s, tc);
	tc = tcase_create("fold_cut_sanitise");
	tcase_add_test(tc, test_spamhdr_fold_cut_sanitise);
	tcase_add_test(tc, test_spamhdr_report);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(spamhdr_suite)
