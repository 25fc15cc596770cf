/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_rules_saeval - SpamAssassin's eval: tests run natively
 * (rules_evalfn.c, sa_*.c): real messages through vg_msg and vg_text,
 * each eval rule checked against what SpamAssassin 4.0.1 itself reported
 * for the same message (spamassassin -L -t --cf='use_bayes 0' -D rules,
 * Debian's package, run by hand: the hits are written below).  Also the
 * plugin blocks and the per-plugin counts of `vigil rules check`.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "base/err.h"
#include "message/msg.h"
#include "message/text.h"
#include "rules/rules.h"
#include "rules/symset.h"

/* The eval rules of Debian's rule files, as they are written there. */
static const char sa_rules[] =
    "vigil_compat spamassassin\n"
    "ifplugin Mail::SpamAssassin::Plugin::HeaderEval\n"
    "header MISSING_HEADERS eval:check_for_missing_to_header()\n"
    "header UNRESOLVED_TEMPLATE eval:check_unresolved_template()\n"
    "header SUBJ_ALL_CAPS eval:subject_is_all_caps()\n"
    "header __SUBJ_ILLEGAL_CHARS "
    "eval:check_illegal_chars('Subject','0.00','2')\n"
    "header FROM_ILLEGAL_CHARS eval:check_illegal_chars('From','0.20','2')\n"
    "header __HEAD_ILLEGAL_CHARS eval:check_illegal_chars('ALL','0.010','2')\n"
    "header HEADER_COUNT_SUBJECT "
    "eval:check_header_count_range('Subject','2','999')\n"
    "endif\n"
    "ifplugin Mail::SpamAssassin::Plugin::MIMEEval\n"
    "body MIME_HTML_ONLY eval:check_for_mime_html_only()\n"
    "body __MIME_HTML eval:check_for_mime_html()\n"
    "body __MIME_ATTACHMENT eval:check_for_mime('mime_attachment')\n"
    "body __UPPERCASE_50_75 eval:check_for_uppercase('50', '75')\n"
    "body __UPPERCASE_75_100 eval:check_for_uppercase('75', '100')\n"
    "endif\n"
    "ifplugin Mail::SpamAssassin::Plugin::HTMLEval\n"
    "body __TAG_EXISTS_CENTER eval:html_tag_exists('center')\n"
    "body __TAG_EXISTS_STYLE eval:html_tag_exists('style')\n"
    "body __TAG_EXISTS_SCRIPT eval:html_tag_exists('script')\n"
    "body __TAG_EXISTS_META eval:html_tag_exists('meta')\n"
    "endif\n"
    "if can(Mail::SpamAssassin::Plugin::BodyEval::has_check_body_length)\n"
    "body __KAM_BODY_LENGTH_LT_128 eval:check_body_length('128')\n"
    "body __KAM_BODY_LENGTH_LT_512 eval:check_body_length('512')\n"
    "body __KAM_BODY_LENGTH_LT_1024 eval:check_body_length('1024')\n"
    "endif\n"
    "meta HTML_HEADLESS __MIME_HTML && MISSING_HEADERS\n";

/* One message and the rules SpamAssassin said hit it (the rest missed). */
static const struct {
	const char *file;
	const char *hits;
} cases[] = {
    /* No To, a template, HTML only; two Subjects (HEADER_COUNT_SUBJECT
     * scores 0 in Debian's files, so SpamAssassin does not run it: the
     * count is this test's). */
    {"spam1.eml",
        " MISSING_HEADERS UNRESOLVED_TEMPLATE MIME_HTML_ONLY __MIME_HTML "
        "__TAG_EXISTS_CENTER __TAG_EXISTS_STYLE __KAM_BODY_LENGTH_LT_128 "
        "__KAM_BODY_LENGTH_LT_512 __KAM_BODY_LENGTH_LT_1024 "
        "HEADER_COUNT_SUBJECT HTML_HEADLESS "},
    /* A plain ham with a PDF attachment and a long body. */
    {"ham1.eml", " __MIME_ATTACHMENT "},
    /* 8-bit bytes in the Subject, a body in capitals. */
    {"caps.eml",
        " __SUBJ_ILLEGAL_CHARS __HEAD_ILLEGAL_CHARS __UPPERCASE_75_100 "
        "__KAM_BODY_LENGTH_LT_1024 "},
    /* "To: " with no address, HTML only: the To header is there, so
     * neither MISSING_HEADERS nor HTML_HEADLESS (spam_2.00354 and
     * spam_2.00863 of the corpus; Vigil took a blank To for none). */
    {"blankto.eml",
        " MIME_HTML_ONLY __MIME_HTML __KAM_BODY_LENGTH_LT_128 "
        "__KAM_BODY_LENGTH_LT_512 __KAM_BODY_LENGTH_LT_1024 "},
};

/* load - the rules above; fails the test on error */
static struct vg_rules *
load(const char *src)
{
	struct vg_rules *r = NULL;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_msg(
	    vg_rules_parse(&r, src, strlen(src), "t.rules", &err) == 0,
	    "rules: %s", vg_err_text(&err));
	return r;
}

START_TEST(test_rules_saeval_messages)
{
	struct vg_rules *r = load(sa_rules);
	struct vg_msg_limits ml;
	struct vg_text_limits tl;
	struct vg_msg *m = NULL;
	struct vg_text *t = NULL;
	struct vg_rules_hits *hits = NULL;
	struct vg_symset res;
	char path[1024], want[128];
	size_t i;

	memset(&ml, 0, sizeof(ml));
	ml.max_size = 64 << 20;
	ml.memory_limit = 64 << 20;
	ml.max_headers = 1000;
	ml.max_header_size = 1 << 20;
	ml.max_rcpts = 100;
	ml.tmp_dir = "/tmp";
	snprintf(path, sizeof(path), "%s/tests/unit/data/saeval/%s",
	    VG_SOURCE_DIR, cases[_i].file);
	ck_assert_int_eq(vg_msg_from_file(&m, &ml, path), 0);
	vg_text_limits_default(&tl);
	ck_assert_int_eq(vg_text_build(&t, m, &tl), 0);
	vg_symset_init(&res);
	ck_assert_int_eq(vg_rules_hits_new(&hits, r), 0);
	ck_assert_int_eq(vg_rules_eval(r, m, t, hits, &res), 0);
	ck_assert_int_eq(vg_rules_eval_meta(r, hits, &res), 0);
	for (i = 0; i < vg_rules_count(r); i++) {
		bool hit = vg_rules_hit(hits, i);

		snprintf(want, sizeof(want), " %s ", vg_rules_name(r, i));
		ck_assert_msg(hit == (strstr(cases[_i].hits, want) != NULL),
		    "%s: %s %s, SpamAssassin says %s", cases[_i].file,
		    vg_rules_name(r, i), hit ? "hit" : "missed",
		    hit ? "miss" : "hit");
	}
	vg_symset_fini(&res);
	vg_rules_hits_free(hits);
	vg_text_free(t);
	vg_msg_free(m);
	vg_rules_free(r);
}
END_TEST

/* The envelope sender run_file() gives the next message, or NULL. */
static const char *envfrom;

/* run_file - hits of rules src over one message of data/saeval */
static struct vg_rules_hits *
run_file(struct vg_rules *r, const char *file)
{
	struct vg_msg_limits ml;
	struct vg_text_limits tl;
	struct vg_msg *m = NULL;
	struct vg_text *t = NULL;
	struct vg_rules_hits *hits = NULL;
	struct vg_symset res;
	char path[1024];

	memset(&ml, 0, sizeof(ml));
	ml.max_size = 64 << 20;
	ml.memory_limit = 64 << 20;
	ml.max_headers = 1000;
	ml.max_header_size = 1 << 20;
	ml.max_rcpts = 100;
	ml.tmp_dir = "/tmp";
	snprintf(path, sizeof(path), "%s/tests/unit/data/saeval/%s",
	    VG_SOURCE_DIR, file);
	ck_assert_int_eq(vg_msg_from_file(&m, &ml, path), 0);
	if (envfrom != NULL)
		ck_assert_int_eq(vg_msg_set_from(m, envfrom), 0);
	vg_text_limits_default(&tl);
	ck_assert_int_eq(vg_text_build(&t, m, &tl), 0);
	vg_symset_init(&res);
	ck_assert_int_eq(vg_rules_hits_new(&hits, r), 0);
	ck_assert_int_eq(vg_rules_eval(r, m, t, hits, &res), 0);
	ck_assert_int_eq(vg_rules_eval_meta(r, hits, &res), 0);
	vg_symset_fini(&res);
	vg_text_free(t);
	vg_msg_free(m);
	return hits;
}

/* run_bytes - hits of r over a message given as bytes */
static struct vg_rules_hits *
run_bytes(struct vg_rules *r, const char *raw, size_t len)
{
	struct vg_msg_limits ml;
	struct vg_text_limits tl;
	struct vg_msg *m = NULL;
	struct vg_text *t = NULL;
	struct vg_rules_hits *hits = NULL;
	struct vg_symset res;

	memset(&ml, 0, sizeof(ml));
	ml.max_size = 64 << 20;
	ml.memory_limit = 64 << 20;
	ml.max_headers = 1000;
	ml.max_header_size = 1 << 20;
	ml.max_rcpts = 100;
	ml.tmp_dir = "/tmp";
	ck_assert_int_eq(vg_msg_from_bytes(&m, &ml, raw, len), 0);
	vg_text_limits_default(&tl);
	ck_assert_int_eq(vg_text_build(&t, m, &tl), 0);
	vg_symset_init(&res);
	ck_assert_int_eq(vg_rules_hits_new(&hits, r), 0);
	ck_assert_int_eq(vg_rules_eval(r, m, t, hits, &res), 0);
	vg_symset_fini(&res);
	vg_text_free(t);
	vg_msg_free(m);
	return hits;
}

/* hit - whether the rule called name hit */
static bool
hit(const struct vg_rules *r, const struct vg_rules_hits *h, const char *name)
{
	size_t i;

	for (i = 0; i < vg_rules_count(r); i++)
		if (strcmp(vg_rules_name(r, i), name) == 0)
			return vg_rules_hit(h, i);
	ck_abort_msg("no rule %s", name);
	return false;
}

/*
 * ReplaceTags: Debian's 25_replace.cf over a message with obfuscated
 * words; SpamAssassin 4.0.1 hits FUZZY_VPILL, FUZZY_CPILL and
 * __SUBJECT_FUZZY_VPILL (so SUBJECT_FUZZY_VPILL, which excludes
 * FUZZY_VPILL, misses), and FUZZY_AFFORDABLE and FUZZY_BILLION when
 * given a score (--cf='score FUZZY_AFFORDABLE 1': Debian scores them 0,
 * and SpamAssassin runs no rule scored 0); FUZZY_MILLION misses.
 */
START_TEST(test_rules_saeval_replace_debian)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "include /usr/share/spamassassin/25_replace.cf\n";
	struct vg_rules *r = load(src);
	struct vg_rules_hits *h = run_file(r, "fuzzy.eml");

	ck_assert(hit(r, h, "FUZZY_VPILL"));
	ck_assert(hit(r, h, "FUZZY_CPILL"));
	ck_assert(hit(r, h, "__SUBJECT_FUZZY_VPILL"));
	ck_assert(!hit(r, h, "SUBJECT_FUZZY_VPILL"));
	ck_assert(hit(r, h, "FUZZY_AFFORDABLE"));
	ck_assert(hit(r, h, "FUZZY_BILLION"));
	ck_assert(!hit(r, h, "FUZZY_MILLION"));
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/* ReplaceTags: pre, inter and post; tags inside tags; unknown tags kept. */
START_TEST(test_rules_saeval_replace_syntax)
{
	static const char src[] = "vigil_compat spamassassin\n"
	                          "body A /<pre P><inter I><post Q><V><I>/\n"
	                          "body B /<V2>x/\n"
	                          "body C /<NONE>/\n"
	                          "body D /<V><I>/\n"
	                          "replace_tag V [vV]\n"
	                          "replace_tag I [iI1]\n"
	                          "replace_tag V2 <V><I>\n"
	                          "replace_pre P (?:\\s)\n"
	                          "replace_inter I -\n"
	                          "replace_post Q +\n"
	                          "replace_rules A B C\n";
	struct vg_rules *r = load(src);
	struct vg_rules_hits *h = run_file(r, "replace.eml");

	/* body: "buy v- 11 and vix now <NONE>" */
	ck_assert(hit(r, h, "A"));  /* (?:\s)[vV]+-(?:\s)[iI1]+ */
	ck_assert(hit(r, h, "B"));  /* [vV][iI1]x */
	ck_assert(hit(r, h, "C"));  /* <NONE> kept as written */
	ck_assert(!hit(r, h, "D")); /* not listed: "<V><I>" literally */
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/*
 * ReplaceTags limits: 1000 tags of a kind (the 1001st is an error), and
 * a rewritten definition of at most VG_RULES_LINE_MAX bytes (longer: the
 * rule keeps its regex as written, as SpamAssassin keeps a rule whose
 * replacement does not compile).
 */
START_TEST(test_rules_saeval_replace_limits)
{
	static char src[1 << 20];
	struct vg_rules *r = NULL;
	struct vg_rules_hits *h;
	struct vg_err err;
	size_t n = 0, i;

	n += (size_t)snprintf(
	    src + n, sizeof(src) - n, "vigil_compat spamassassin\n");
	for (i = 0; i < 1001; i++)
		n += (size_t)snprintf(
		    src + n, sizeof(src) - n, "replace_tag T%zu x\n", i);
	vg_err_init(&err);
	ck_assert_int_ne(vg_rules_parse(&r, src, n, "t.rules", &err), 0);
	ck_assert_ptr_nonnull(
	    strstr(vg_err_text(&err), "too many (limit 1000)"));

	/* 20000 bytes, four times over: past 32768, so not replaced. */
	n = (size_t)snprintf(
	    src, sizeof(src), "vigil_compat spamassassin\nreplace_tag BIG ");
	for (i = 0; i < 20000; i++)
		src[n++] = 'a';
	n += (size_t)snprintf(src + n, sizeof(src) - n,
	    "\nbody A /<BIG><BIG><BIG><BIG>|<NONE>/\nreplace_rules A\n");
	r = load(src);
	h = run_file(r, "replace.eml");
	ck_assert(hit(r, h, "A")); /* still matches "<NONE>" as written */
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/*
 * check_for_shifted_date, with Debian's DATE_IN_* rules; the hits are
 * SpamAssassin 4.0.1's on the same messages (no other DATE_IN_* rule hit).
 */
static const struct {
	const char *file, *hit; /* NULL: none */
} date_cases[] = {
    {"date1.eml", "DATE_IN_PAST_24_48"},    /* 30 h before Received */
    {"date2.eml", "DATE_IN_FUTURE_24_48"},  /* EST zone name, 29 h ahead */
    {"date3.eml", "DATE_IN_FUTURE_Q_PLUS"}, /* "7 Jun 31": 2031 */
    {"date4.eml", "DATE_IN_PAST_06_12"},    /* asctime: its time is dropped */
    {"date5.eml", NULL},                    /* a minute off */
};

START_TEST(test_rules_saeval_dates)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "header DATE_IN_PAST_03_06 eval:check_for_shifted_date('-6', "
	    "'-3')\n"
	    "header DATE_IN_PAST_06_12 eval:check_for_shifted_date('-12', "
	    "'-6')\n"
	    "header DATE_IN_PAST_12_24 eval:check_for_shifted_date('-24', "
	    "'-12')\n"
	    "header DATE_IN_PAST_24_48 eval:check_for_shifted_date('-48', "
	    "'-24')\n"
	    "header DATE_IN_PAST_96_XX eval:check_for_shifted_date('undef', "
	    "'-96')\n"
	    "header DATE_IN_FUTURE_03_06 eval:check_for_shifted_date('3', "
	    "'6')\n"
	    "header DATE_IN_FUTURE_06_12 eval:check_for_shifted_date('6', "
	    "'12')\n"
	    "header DATE_IN_FUTURE_12_24 eval:check_for_shifted_date('12', "
	    "'24')\n"
	    "header DATE_IN_FUTURE_24_48 eval:check_for_shifted_date('24', "
	    "'48')\n"
	    "header DATE_IN_FUTURE_48_96 eval:check_for_shifted_date('48', "
	    "'96')\n"
	    "header DATE_IN_FUTURE_Q_PLUS "
	    "eval:check_for_shifted_date('2920', 'undef')\n"
	    "header T_DATE_IN_FUTURE_96_Q "
	    "eval:check_for_shifted_date('96', '2920')\n";
	struct vg_rules *r = load(src);
	struct vg_rules_hits *h = run_file(r, date_cases[_i].file);
	size_t i;

	for (i = 0; i < vg_rules_count(r); i++) {
		const char *n = vg_rules_name(r, i);
		bool want = date_cases[_i].hit != NULL &&
		    strcmp(n, date_cases[_i].hit) == 0;

		ck_assert_msg(vg_rules_hit(h, i) == want, "%s: %s %s",
		    date_cases[_i].file, n, want ? "missed" : "hit");
	}
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/*
 * FreeMail with Debian's domain list and rules; the hits are SpamAssassin
 * 4.0.1's on the same messages.
 */
static const struct {
	const char *file, *hits;
} fm_cases[] = {
    /* freemail From, another freemail Reply-To ending in a digit */
    {"fm1.eml",
        " FREEMAIL_FROM __smf_freemail_hdr_replyto __freemail_hdr_replyto "
        "__freemail_reply FREEMAIL_REPLYTO_END_DIGIT __freemail_replyto "},
    /* a company From, a freemail Reply-To */
    {"fm2.eml", " __freemail_hdr_replyto __smf_freemail_hdr_replyto "},
    /* freemail From, another freemail address in the body */
    {"fm3.eml", " FREEMAIL_FROM __freemail_reply "},
    /* info@ is on FreeMail's welcomelist; the Reply-To is not */
    {"fm4.eml", " __freemail_hdr_replyto __smf_freemail_hdr_replyto "},
    /* freemail From, another freemail only in an <a href="mailto:"> */
    {"fm5.eml", " FREEMAIL_FROM __freemail_reply "},
    /* From and Reply-To the same freemail, another in a mailto: link
     * (the corpus's spam.00222) */
    {"fm6.eml",
        " FREEMAIL_FROM __smf_freemail_hdr_replyto __freemail_hdr_replyto "
        "__freemail_reply FREEMAIL_REPLYTO_END_DIGIT __freemail_replyto "},
    /* the mailto: link is the From, and shown in the text */
    {"fm7.eml", " FREEMAIL_FROM "},
};

START_TEST(test_rules_saeval_freemail)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "include /usr/share/spamassassin/20_freemail_domains.cf\n"
	    "header __freemail_replyto eval:check_freemail_replyto('replyto')\n"
	    "header __freemail_reply eval:check_freemail_replyto('reply')\n"
	    "header FREEMAIL_FROM eval:check_freemail_from()\n"
	    "header FREEMAIL_ENVFROM_END_DIGIT "
	    "eval:check_freemail_header('EnvelopeFrom', '\\d@')\n"
	    "header FREEMAIL_REPLYTO_END_DIGIT "
	    "eval:check_freemail_header('Reply-To', '\\d@')\n"
	    "header __freemail_hdr_replyto "
	    "eval:check_freemail_header('Reply-To')\n"
	    "header __smf_freemail_hdr_replyto "
	    "eval:check_freemail_header('Reply-To:addr')\n";
	struct vg_rules *r = load(src);
	struct vg_rules_hits *h = run_file(r, fm_cases[_i].file);
	char want[128];
	size_t i;

	for (i = 0; i < vg_rules_count(r); i++) {
		const char *n = vg_rules_name(r, i);

		snprintf(want, sizeof(want), " %s ", n);
		ck_assert_msg(vg_rules_hit(h, i) ==
		        (strstr(fm_cases[_i].hits, want) != NULL),
		    "%s: %s %s", fm_cases[_i].file, n,
		    vg_rules_hit(h, i) ? "hit" : "missed");
	}
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/* freemail_domains: 100000 domains (more is an error); bad names too. */
START_TEST(test_rules_saeval_freemail_limits)
{
	static char src[2 << 20];
	struct vg_rules *r = NULL;
	struct vg_err err;
	size_t n = 0, i;

	n += (size_t)snprintf(src + n, sizeof(src) - n,
	    "vigil_compat spamassassin\nfreemail_domains bad_name.example\n");
	for (i = 0; i < 100001; i++)
		n += (size_t)snprintf(src + n, sizeof(src) - n,
		    "%sd%zu.example%s",
		    i % 1000 == 0 ? "freemail_domains " : "", i,
		    i % 1000 == 999 ? "\n" : " ");
	src[n++] = '\n';
	vg_err_init(&err);
	ck_assert_int_ne(vg_rules_parse(&r, src, n, "t.rules", &err), 0);
	ck_assert_ptr_nonnull(strstr(vg_err_text(&err),
	    "freemail_domains: invalid domain 'bad_name.example'"));
	ck_assert_ptr_nonnull(strstr(
	    vg_err_text(&err), "freemail_domains: too many (limit 100000)"));
}
END_TEST

/*
 * MIMEEval's walk of the raw MIME structure, Debian's rules; the hits are
 * SpamAssassin 4.0.1's (run with a score of 1 for each of these rules, as
 * it runs no rule scored 0).
 */
static const struct {
	const char *file, *hits;
} mime_cases[] = {
    /* alternative: QP text with a long line, base64 HTML in a bad ISO
     * charset, a GIF, an epilogue */
    {"mime1.eml",
        " MIME_BAD_ISO_CHARSET MIME_QP_LONG_LINE MULTIPART_ALT_NON_TEXT "
        "T_TVD_MIME_EPI __MIME_BASE64 __MIME_HTML __MIME_QP __MIME_QPC "},
    /* mixed: a part without headers, 8-bit text and &#x entities in
     * us-ascii text, base64 text */
    {"mime2.eml",
        " MIME_BASE64_TEXT MISSING_MIME_HB_SEP PP_MIME_FAKE_ASCII_TEXT "
        "PP_TOO_MUCH_UNICODE02 PP_TOO_MUCH_UNICODE05 T_TVD_MIME_NO_HEADERS "
        "__MIME_BASE64 "},
    /* ham1: a PDF attachment */
    {"ham1.eml", " __MIME_ATTACHMENT __MIME_BASE64 "},
    /* base64 in lines of 78 characters; no Content-Type charset */
    {"b64long.eml", " BASE64_LENGTH_78_79 BASE64_LENGTH_79_INF __MIME_BASE64 "},
};

START_TEST(test_rules_saeval_mime)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "rawbody __MIME_BASE64 eval:check_for_mime('mime_base64_count')\n"
	    "rawbody __MIME_QP eval:check_for_mime('mime_qp_count')\n"
	    "rawbody __MIME_QPC eval:check_for_mime('mime_qp_count')\n"
	    "rawbody MIME_BASE64_TEXT "
	    "eval:check_for_mime('mime_base64_encoded_text')\n"
	    "rawbody MIME_QP_LONG_LINE "
	    "eval:check_for_mime('mime_qp_long_line')\n"
	    "body MIME_BAD_ISO_CHARSET "
	    "eval:check_for_mime('mime_bad_iso_charset')\n"
	    "body MIMEPART_LIMIT_EXCEEDED "
	    "eval:check_for_mime('mimepart_limit_exceeded')\n"
	    "body __MIME_ATTACHMENT eval:check_for_mime('mime_attachment')\n"
	    "body MISSING_MIME_HB_SEP "
	    "eval:check_msg_parse_flags('missing_mime_head_body_separator')\n"
	    "body T_TVD_MIME_EPI "
	    "eval:check_msg_parse_flags('mime_epilogue_exists')\n"
	    "body T_TVD_MIME_NO_HEADERS "
	    "eval:check_msg_parse_flags('missing_mime_headers')\n"
	    "body MIME_HTML_MOSTLY "
	    "eval:check_mime_multipart_ratio('0.00','0.01')\n"
	    "body MULTIPART_ALT_NON_TEXT eval:check_ma_non_text()\n"
	    "body PP_MIME_FAKE_ASCII_TEXT eval:check_for_ascii_text_illegal()\n"
	    "body PP_TOO_MUCH_UNICODE02 "
	    "eval:check_abundant_unicode_ratio(0.02)\n"
	    "body PP_TOO_MUCH_UNICODE05 "
	    "eval:check_abundant_unicode_ratio(0.05)\n"
	    "body __MIME_HTML eval:check_for_mime_html()\n"
	    "body MIME_HTML_ONLY eval:check_for_mime_html_only()\n"
	    "body BASE64_LENGTH_78_79 eval:check_base64_length('78','79')\n"
	    "body BASE64_LENGTH_79_INF eval:check_base64_length('79')\n";
	struct vg_rules *r = load(src);
	struct vg_rules_hits *h = run_file(r, mime_cases[_i].file);
	char want[128];
	size_t i;

	for (i = 0; i < vg_rules_count(r); i++) {
		const char *n = vg_rules_name(r, i);

		snprintf(want, sizeof(want), " %s ", n);
		ck_assert_msg(vg_rules_hit(h, i) ==
		        (strstr(mime_cases[_i].hits, want) != NULL),
		    "%s: %s %s", mime_cases[_i].file, n,
		    vg_rules_hit(h, i) ? "hit" : "missed");
	}
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/*
 * The MIME walk's limits: 1000 parts sets mimepart_limit_exceeded (as
 * SpamAssassin's parser, which stops there); parts nested deeper than 20
 * are not read (a long QP line at depth 22 is not seen, at depth 2 it is).
 */
START_TEST(test_rules_saeval_mime_limits)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "body LIMIT eval:check_for_mime('mimepart_limit_exceeded')\n"
	    "rawbody LONG eval:check_for_mime('mime_qp_long_line')\n";
	static char raw[1 << 20];
	struct vg_rules *r = load(src);
	struct vg_rules_hits *h;
	size_t n, i, k;
	const size_t counts[] = {999, 1000};
	const size_t depths[] = {2, 22};

	for (k = 0; k < 2; k++) {
		n = (size_t)snprintf(raw, sizeof(raw),
		    "From: a@example.com\nSubject: parts\nMIME-Version: 1.0\n"
		    "Content-Type: multipart/mixed; boundary=B\n\n");
		for (i = 0; i < counts[k]; i++)
			n += (size_t)snprintf(raw + n, sizeof(raw) - n,
			    "--B\nContent-Type: text/plain\n\npart %zu\n", i);
		n += (size_t)snprintf(raw + n, sizeof(raw) - n, "--B--\n");
		h = run_bytes(r, raw, n);
		ck_assert_msg(
		    hit(r, h, "LIMIT") == (k == 1), "%zu parts", counts[k]);
		vg_rules_hits_free(h);
	}
	for (k = 0; k < 2; k++) {
		n = (size_t)snprintf(raw, sizeof(raw),
		    "From: a@example.com\nSubject: deep\nMIME-Version: 1.0\n"
		    "Content-Type: multipart/mixed; boundary=B0\n\n");
		for (i = 1; i < depths[k]; i++)
			n += (size_t)snprintf(raw + n, sizeof(raw) - n,
			    "--B%zu\nContent-Type: multipart/mixed; "
			    "boundary=B%zu\n\n",
			    i - 1, i);
		n += (size_t)snprintf(raw + n, sizeof(raw) - n,
		    "--B%zu\nContent-Type: text/plain\n"
		    "Content-Transfer-Encoding: quoted-printable\n\n"
		    "%0100d\n",
		    depths[k] - 1, 0);
		h = run_bytes(r, raw, n);
		ck_assert_msg(
		    hit(r, h, "LONG") == (k == 0), "depth %zu", depths[k]);
		vg_rules_hits_free(h);
	}
	vg_rules_free(r);
}
END_TEST

/*
 * Recipients and envelope checks of HeaderEval; the hits are SpamAssassin
 * 4.0.1's (scores of 1 given to the rules Debian scores 0).  SpamAssassin
 * -t takes the envelope sender from Return-Path; Vigil from MAIL FROM,
 * which the test sets to the same address.
 */
static const struct {
	const char *file, *env, *hits;
} rcpt_cases[] = {
    {"rcpt1.eml", "x@bounce.other.example",
        " SORTED_RECIPS SUSPICIOUS_RECIPS HEADER_FROM_DIFFERENT_DOMAINS "},
    {"rcpt2.eml", "a@example.com",
        " __ENV_AND_HDR_FROM_MATCH __GATED_THROUGH_RCVD_REMOVER "},
};

START_TEST(test_rules_saeval_recipients)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "header SORTED_RECIPS eval:sorted_recipients()\n"
	    "header SUSPICIOUS_RECIPS eval:similar_recipients('0.65','undef')\n"
	    "header __ENV_AND_HDR_FROM_MATCH "
	    "eval:check_for_matching_env_and_hdr_from()\n"
	    "header __GATED_THROUGH_RCVD_REMOVER "
	    "eval:gated_through_received_hdr_remover()\n"
	    "header HEADER_FROM_DIFFERENT_DOMAINS "
	    "eval:check_equal_from_domains()\n";
	struct vg_rules *r = load(src);
	struct vg_rules_hits *h;
	char want[128];
	size_t i;

	envfrom = rcpt_cases[_i].env;
	h = run_file(r, rcpt_cases[_i].file);
	envfrom = NULL;
	for (i = 0; i < vg_rules_count(r); i++) {
		const char *n = vg_rules_name(r, i);

		snprintf(want, sizeof(want), " %s ", n);
		ck_assert_msg(vg_rules_hit(h, i) ==
		        (strstr(rcpt_cases[_i].hits, want) != NULL),
		    "%s: %s %s", rcpt_cases[_i].file, n,
		    vg_rules_hit(h, i) ? "hit" : "missed");
	}
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/*
 * SpamAssassin gives an unscored rule 1 (nice: -1), but a T_ rule, on
 * probation, 0.01 (Conf::Parser); in compat mode only.
 */
START_TEST(test_rules_saeval_t_score)
{
	struct vg_rules *r = load("vigil_compat spamassassin\n"
	                          "body T_PROBE /x/\nbody PLAIN /x/\n"
	                          "body T_NICE /x/\ntflags T_NICE nice\n"
	                          "vigil_compat none\nbody T_OWN /x/\n");

	ck_assert_double_eq_tol(vg_rules_score(r, "T_PROBE", 9), 0.01, 1e-9);
	ck_assert_double_eq_tol(vg_rules_score(r, "PLAIN", 9), 1.0, 1e-9);
	ck_assert_double_eq_tol(vg_rules_score(r, "T_NICE", 9), -0.01, 1e-9);
	ck_assert_double_eq_tol(vg_rules_score(r, "T_OWN", 9), 1.0, 1e-9);
	vg_rules_free(r);
}
END_TEST

/*
 * BodyEval's line statistics, Debian's rules; the hits are SpamAssassin
 * 4.0.1's (BLANK_LINES_80_90 given a score of 1).
 */
static const struct {
	const char *file, *hits;
} lines_cases[] = {
    {"blank.eml", " BLANK_LINES_80_90 "}, /* 17 blank lines of 20 */
    {"vert.eml", " __TVD_SPACE_RATIO "},  /* lines without spaces */
    {"ham1.eml", " "},
    {"spam1.eml", " "},
};

START_TEST(test_rules_saeval_lines)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "body BLANK_LINES_80_90 "
	    "eval:check_blank_line_ratio('80','90','4')\n"
	    "body __TVD_SPACE_RATIO eval:tvd_vertical_words('0','10')\n";
	struct vg_rules *r = load(src);
	struct vg_rules_hits *h = run_file(r, lines_cases[_i].file);
	char want[128];
	size_t i;

	for (i = 0; i < vg_rules_count(r); i++) {
		const char *n = vg_rules_name(r, i);

		snprintf(want, sizeof(want), " %s ", n);
		ck_assert_msg(vg_rules_hit(h, i) ==
		        (strstr(lines_cases[_i].hits, want) != NULL),
		    "%s: %s %s", lines_cases[_i].file, n,
		    vg_rules_hit(h, i) ? "hit" : "missed");
	}
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/*
 * ImageInfo: counts, areas read from PNG, JPEG and GIF headers, text per
 * pixel; Debian's rules, the hits are SpamAssassin 4.0.1's.
 */
static const struct {
	const char *file, *hits;
} img_cases[] = {
    /* one 500x400 PNG, the word "look" */
    {"img1.eml",
        " __DC_IMG_HTML_RATIO __DC_IMG_TEXT_RATIO __IMG_LE_300K "
        "__PNG_AREA_180K __PNG_ATTACH_1 "},
    /* two JPEGs (300x200, 30x20), a 100x50 GIF, 640 bytes of text */
    {"img2.eml",
        " __DC_IMG_HTML_RATIO __GIF_ATTACH_1 __IMG_LE_300K __JPEG_ATTACH_2P "},
    /* a 1x1 GIF */
    {"mime1.eml", " __GIF_ATTACH_1 "},
};

START_TEST(test_rules_saeval_images)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "rawbody __DC_IMG_HTML_RATIO "
	    "eval:image_to_text_ratio('all', '0.000', '0.015')\n"
	    "body __DC_IMG_TEXT_RATIO "
	    "eval:image_to_text_ratio('all', '0.000', '0.008')\n"
	    "body __GIF_ATTACH_1 eval:image_count('gif','1','1')\n"
	    "body __GIF_ATTACH_2P eval:image_count('gif','2')\n"
	    "body __PNG_ATTACH_1 eval:image_count('png','1','1')\n"
	    "body __PNG_ATTACH_2P eval:image_count('png','2')\n"
	    "body __JPEG_ATTACH_1 eval:image_count('jpeg',1,1)\n"
	    "body __JPEG_ATTACH_2P eval:image_count('jpeg',2)\n"
	    "body __GIF_AREA_180K "
	    "eval:pixel_coverage('gif','180000','475000')\n"
	    "body __PNG_AREA_180K "
	    "eval:pixel_coverage('png','180000','475000')\n"
	    "body __IMG_LE_300K eval:pixel_coverage('all',62500,300000)\n";
	struct vg_rules *r = load(src);
	struct vg_rules_hits *h = run_file(r, img_cases[_i].file);
	char want[128];
	size_t i;

	for (i = 0; i < vg_rules_count(r); i++) {
		const char *n = vg_rules_name(r, i);

		snprintf(want, sizeof(want), " %s ", n);
		ck_assert_msg(vg_rules_hit(h, i) ==
		        (strstr(img_cases[_i].hits, want) != NULL),
		    "%s: %s %s", img_cases[_i].file, n,
		    vg_rules_hit(h, i) ? "hit" : "missed");
	}
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/*
 * check_for_to_in_subject('user'), Debian's LOCALPART_IN_SUBJECT; the hits
 * are SpamAssassin 4.0.1's.
 */
static const struct {
	const char *file;
	bool hit;
} tosubj_cases[] = {
    {"tosubj1.eml", true},  /* "john, your invoice is ready" */
    {"tosubj2.eml", true},  /* "Re: urgent john" */
    {"tosubj3.eml", false}, /* "John: meeting": that form keeps case */
    {"tosubj4.eml", false}, /* "johnny, hello" */
};

START_TEST(test_rules_saeval_to_in_subject)
{
	struct vg_rules *r = load("vigil_compat spamassassin\n"
	                          "header LOCALPART_IN_SUBJECT "
	                          "eval:check_for_to_in_subject('user')\n");
	struct vg_rules_hits *h = run_file(r, tosubj_cases[_i].file);

	ck_assert_msg(hit(r, h, "LOCALPART_IN_SUBJECT") == tosubj_cases[_i].hit,
	    "%s", tosubj_cases[_i].file);
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/* Blocks of implemented plugins load; others are skipped and counted. */
START_TEST(test_rules_saeval_plugins)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "ifplugin Mail::SpamAssassin::Plugin::HeaderEval\n"
	    "header A eval:check_for_missing_to_header()\n"
	    "header B eval:check_for_forged_juno_received_headers()\n"
	    "body C /c/\n"
	    "endif\n"
	    "ifplugin Mail::SpamAssassin::Plugin::Foo\n"
	    "body D /d/\n"
	    "header E eval:foo()\n"
	    "endif\n"
	    "if plugin(Mail::SpamAssassin::Plugin::MIMEEval)\n"
	    "body F eval:check_for_mime_html()\n"
	    "endif\n"
	    "if !plugin(Mail::SpamAssassin::Plugin::MIMEEval)\n"
	    "body G /g/\n"
	    "endif\n"
	    "if can(Mail::SpamAssassin::Conf::feature_bug6558_free)\n"
	    "body H /h/\n"
	    "endif\n"
	    "if can(Mail::SpamAssassin::Conf::feature_nonesuch)\n"
	    "body I /i/\n"
	    "endif\n"
	    "body J eval:check_for_mime('mime_nonesuch')\n"
	    "body K eval:nonesuch()\n"
	    "body L eval:check_for_mime_html() trailing\n"
	    "meta M A && B\n";
	struct vg_rules *r = load(src);
	const struct vg_rules_plugin_stat *ps;
	struct vg_rules_stats st;
	size_t n, i, seen = 0;

	vg_rules_stats(r, &st);
	/* A C F H load; B E J K L eval skipped, D G I in blocks, M meta. */
	ck_assert_uint_eq(st.rules[VG_RULE_HEADER], 1);
	ck_assert_uint_eq(st.rules[VG_RULE_BODY], 3);
	ck_assert_uint_eq(st.skipped[VG_SKIP_EVAL], 4);
	ck_assert_uint_eq(st.skipped[VG_SKIP_IFPLUGIN], 4);
	ck_assert_uint_eq(st.skipped[VG_SKIP_META], 1);
	ps = vg_rules_plugin_stats(r, &n);
	for (i = 0; i < n; i++) {
		if (strcmp(ps[i].name, "HeaderEval") == 0) {
			ck_assert(ps[i].implemented);
			ck_assert_uint_eq(ps[i].loaded, 2);
			ck_assert_uint_eq(ps[i].skipped, 1);
			seen++;
		} else if (strcmp(ps[i].name, "Foo") == 0) {
			ck_assert(!ps[i].implemented);
			ck_assert_uint_eq(ps[i].loaded, 0);
			ck_assert_uint_eq(ps[i].skipped, 2);
			seen++;
		} else if (strcmp(ps[i].name, "MIMEEval") == 0) {
			ck_assert(ps[i].implemented);
			ck_assert_uint_eq(ps[i].loaded, 1);
			ck_assert_uint_eq(ps[i].skipped, 2); /* J, L */
			seen++;
		} else if (strcmp(ps[i].name, "(none)") == 0) {
			ck_assert_uint_eq(ps[i].skipped, 1); /* K */
			seen++;
		}
	}
	ck_assert_uint_eq(seen, 4);
	vg_rules_free(r);
}
END_TEST

/* Outside compat mode an eval: test is an error, as before. */
START_TEST(test_rules_saeval_strict)
{
	static const char src[] =
	    "header A eval:check_for_missing_to_header()\n";
	struct vg_rules *r = NULL;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_int_ne(
	    vg_rules_parse(&r, src, strlen(src), "t.rules", &err), 0);
	ck_assert_ptr_null(r);
}
END_TEST

/* Arguments: more than VG_EVALFN_MAX_ARGS (4), or one too long, skip. */
START_TEST(test_rules_saeval_arg_limits)
{
	char src[2048];
	struct vg_rules *r;
	struct vg_rules_stats st;

	snprintf(src, sizeof(src),
	    "vigil_compat spamassassin\n"
	    "header A eval:check_header_count_range('a','1','2','3','4')\n"
	    "header B eval:check_header_count_range('%0300d','1','2')\n"
	    "header C eval:check_header_count_range('%0200d','1','2')\n",
	    0, 0);
	r = load(src);
	vg_rules_stats(r, &st);
	ck_assert_uint_eq(st.skipped[VG_SKIP_EVAL], 2);
	ck_assert_uint_eq(st.rules[VG_RULE_HEADER], 1);
	vg_rules_free(r);
}
END_TEST

/*
 * HTMLEval: every HTMLEval rule of Debian's rule files (as written there;
 * HTML_IFRAME_SRC scored so that SpamAssassin runs it), over
 * messages whose hits SpamAssassin 4.0.1 reported (sa-run.pl, with the
 * rules of score 0 given a score so that it runs them).
 */
static const char html_rules[] =
    "vigil_compat spamassassin\n"
    "body HTML_BADTAG_40_50 eval:html_range('bad_tag_ratio','0.40','0.50')\n"
    "body HTML_BADTAG_50_60 eval:html_range('bad_tag_ratio','0.50','0.60')\n"
    "body HTML_BADTAG_60_70 eval:html_range('bad_tag_ratio','0.60','0.70')\n"
    "body HTML_BADTAG_90_100 eval:html_range('bad_tag_ratio','0.90','1.00')\n"
    "body HTML_COMMENT_SAVED_URL eval:html_text_match('comment', '<!-- saved "
    "from url=\\(\\d{4}\\)')\n"
    "body HTML_COMMENT_SHORT eval:html_text_match('comment', "
    "'<!(?!-).{0,6}>')\n"
    "body HTML_EMBEDS eval:html_test('embeds')\n"
    "body HTML_EXTRA_CLOSE eval:html_range('closed_extra_ratio', '0.09', "
    "'inf')\n"
    "body HTML_FONT_FACE_BAD eval:html_test('font_face_bad')\n"
    "body HTML_FONT_SIZE_HUGE eval:html_range('max_size', '6', 'inf')\n"
    "body HTML_FONT_SIZE_LARGE eval:html_range('max_size', '5', '6')\n"
    "body HTML_FORMACTION_MAILTO eval:html_test('form_action_mailto')\n"
    "body HTML_IMAGE_ONLY_04 eval:html_image_only('0000','0400')\n"
    "body HTML_IMAGE_ONLY_08 eval:html_image_only('0400','0800')\n"
    "body HTML_IMAGE_ONLY_12 eval:html_image_only('0800','1200')\n"
    "body HTML_IMAGE_ONLY_16 eval:html_image_only('1200','1600')\n"
    "body HTML_IMAGE_ONLY_20 eval:html_image_only('1600','2000')\n"
    "body HTML_IMAGE_ONLY_24 eval:html_image_only('2000','2400')\n"
    "body HTML_IMAGE_ONLY_28 eval:html_image_only('2400','2800')\n"
    "body HTML_IMAGE_ONLY_32 eval:html_image_only('2800','3200')\n"
    "body HTML_IMAGE_RATIO_02 eval:html_image_ratio('0.000','0.002')\n"
    "body HTML_IMAGE_RATIO_04 eval:html_image_ratio('0.002','0.004')\n"
    "body HTML_IMAGE_RATIO_06 eval:html_image_ratio('0.004','0.006')\n"
    "body HTML_IMAGE_RATIO_08 eval:html_image_ratio('0.006','0.008')\n"
    "body HTML_MESSAGE eval:html_test('html')\n"
    "body HTML_NONELEMENT_30_40 "
    "eval:html_range('non_element_ratio','0.30','0.40')\n"
    "body HTML_NONELEMENT_40_50 "
    "eval:html_range('non_element_ratio','0.40','0.50')\n"
    "body HTML_NONELEMENT_60_70 "
    "eval:html_range('non_element_ratio','0.60','0.70')\n"
    "body HTML_NONELEMENT_80_90 "
    "eval:html_range('non_element_ratio','0.80','0.90')\n"
    "body HTML_OBFUSCATE_05_10 "
    "eval:html_range('obfuscation_ratio','.05','.1')\n"
    "body HTML_OBFUSCATE_10_20 eval:html_range('obfuscation_ratio','.1','.2')\n"
    "body HTML_OBFUSCATE_20_30 eval:html_range('obfuscation_ratio','.2','.3')\n"
    "body HTML_OBFUSCATE_30_40 eval:html_range('obfuscation_ratio','.3','.4')\n"
    "body HTML_OBFUSCATE_50_60 eval:html_range('obfuscation_ratio','.5','.6')\n"
    "body HTML_OBFUSCATE_70_80 eval:html_range('obfuscation_ratio','.7','.8')\n"
    "body HTML_OBFUSCATE_90_100 "
    "eval:html_range('obfuscation_ratio','.9','1.0')\n"
    "body HTML_TAG_BALANCE_BODY eval:html_tag_balance('body', '!= 0')\n"
    "body HTML_TAG_BALANCE_HEAD eval:html_tag_balance('head', '!= 0')\n"
    "body HTML_TAG_EXIST_BGSOUND eval:html_tag_exists('bgsound')\n"
    "body __COMMENT_EXISTS eval:html_text_match('comment', '<!.*?>')\n"
    "body __HTML_CHARSET_FARAWAY eval:html_charset_faraway()\n"
    "body __HTML_LENGTH_0000_1024 eval:html_range('length', '0', '1024')\n"
    "body __HTML_LENGTH_1024_1536 eval:html_range('length', '1024', '1536')\n"
    "body __HTML_LENGTH_1536_2048 eval:html_range('length', '1536', '2048')\n"
    "body __HTML_LENGTH_384 eval:html_eval('length', '< 384')\n"
    "body __HTML_LENGTH_512 eval:html_eval('length', '< 512')\n"
    "body __HTML_LINK_IMAGE eval:html_text_match('anchor', '<img>')\n"
    "body __HTML_TAG_BALANCE_CENTER eval:html_tag_balance('center', '!= 0')\n"
    "body __HTML_TITLE_120 eval:html_text_match('title', '.{120}')\n"
    "body __HTML_TITLE_SUBJ_DIFF eval:html_title_subject_ratio('3.5')\n"
    "body __TAG_EXISTS_BODY eval:html_tag_exists('body')\n"
    "body __TAG_EXISTS_CENTER eval:html_tag_exists('center')\n"
    "body __TAG_EXISTS_HEAD eval:html_tag_exists('head')\n"
    "body __TAG_EXISTS_HTML eval:html_tag_exists('html')\n"
    "body __TAG_EXISTS_META eval:html_tag_exists('meta')\n"
    "body __TAG_EXISTS_SCRIPT eval:html_tag_exists('script')\n"
    "body __TAG_EXISTS_STYLE eval:html_tag_exists('style')\n"
    "body HTML_FONT_LOW_CONTRAST eval:html_test('font_low_contrast')\n"
    "body __KAM_HTML_FONT_INVALID eval:html_test('font_invalid_color')\n"
    "body HTML_IFRAME_SRC eval:check_iframe_src()\n";

static const struct {
	const char *file;
	const char *hits;
} html_cases[] = {
    /* A long title, comments, <center> opened and closed once too often,
     * a bad font face of size +4, an image in a link, a mailto form, an
     * embed. */
    {"html1.eml",
        " HTML_COMMENT_SAVED_URL HTML_COMMENT_SHORT HTML_EMBEDS "
        "HTML_FONT_FACE_BAD HTML_FONT_SIZE_HUGE HTML_FORMACTION_MAILTO "
        "HTML_IMAGE_ONLY_08 HTML_IMAGE_RATIO_02 HTML_MESSAGE "
        "__COMMENT_EXISTS __HTML_LENGTH_0000_1024 __HTML_LINK_IMAGE "
        "__HTML_TITLE_120 __HTML_TITLE_SUBJ_DIFF __TAG_EXISTS_BODY "
        "__TAG_EXISTS_CENTER __TAG_EXISTS_HEAD __TAG_EXISTS_HTML "},
    /* Words split by tags (V<b>i</b>a<i>g</i>ra), unknown and Office
     * tags, a plain alternative. */
    {"html2.eml",
        " HTML_IMAGE_ONLY_08 HTML_MESSAGE HTML_OBFUSCATE_20_30 "
        "__HTML_LENGTH_0000_1024 __HTML_LENGTH_512 __TAG_EXISTS_BODY "
        "__TAG_EXISTS_HEAD __TAG_EXISTS_HTML "},
    /* One large image in a link and almost no text. */
    {"html3.eml",
        " HTML_IMAGE_ONLY_04 HTML_IMAGE_RATIO_02 HTML_MESSAGE "
        "__HTML_LENGTH_0000_1024 __HTML_LENGTH_384 __HTML_LENGTH_512 "
        "__HTML_LINK_IMAGE __TAG_EXISTS_BODY __TAG_EXISTS_HTML "},
    /* head and body never closed, stray end tags, nine unknown tags,
     * <bgsound>, font size 6, script with a tag inside, style left open. */
    {"html4.eml",
        " HTML_BADTAG_40_50 HTML_EXTRA_CLOSE HTML_FONT_SIZE_LARGE "
        "HTML_MESSAGE HTML_TAG_BALANCE_BODY HTML_TAG_BALANCE_HEAD "
        "HTML_TAG_EXIST_BGSOUND __HTML_LENGTH_0000_1024 __HTML_LENGTH_384 "
        "__HTML_LENGTH_512 __TAG_EXISTS_BODY __TAG_EXISTS_HEAD "
        "__TAG_EXISTS_HTML __TAG_EXISTS_SCRIPT __TAG_EXISTS_STYLE "},
    /* Markup in a text/plain part is no HTML. */
    {"html5.eml", " "},
    /* Almost white text on an rgb() background, !important. */
    {"html6.eml",
        " HTML_FONT_LOW_CONTRAST HTML_MESSAGE __HTML_LENGTH_0000_1024 "
        "__HTML_LENGTH_384 __HTML_LENGTH_512 __TAG_EXISTS_BODY "
        "__TAG_EXISTS_HTML "},
    /* A colour name HTML.pm does not know; green on a green background
     * given as the last layer of "background:". */
    {"html7.eml",
        " HTML_FONT_LOW_CONTRAST HTML_MESSAGE __HTML_LENGTH_0000_1024 "
        "__HTML_LENGTH_384 __HTML_LENGTH_512 __KAM_HTML_FONT_INVALID "
        "__TAG_EXISTS_BODY __TAG_EXISTS_HTML "},
    /* An iframe with a src (blanks around it), one with a blank src. */
    {"html8.eml",
        " HTML_IFRAME_SRC HTML_MESSAGE __HTML_LENGTH_0000_1024 "
        "__HTML_LENGTH_384 __HTML_LENGTH_512 __TAG_EXISTS_BODY "
        "__TAG_EXISTS_HTML "},
    /* Only iframes without a src. */
    {"html9.eml",
        " HTML_MESSAGE __HTML_LENGTH_0000_1024 __HTML_LENGTH_384 "
        "__HTML_LENGTH_512 __TAG_EXISTS_BODY __TAG_EXISTS_HTML "},
};

START_TEST(test_rules_saeval_html)
{
	struct vg_rules *r = load(html_rules);
	struct vg_rules_hits *h = run_file(r, html_cases[_i].file);
	struct vg_rules_stats st;
	char want[128];
	size_t i;

	/* Every rule above loads. */
	vg_rules_stats(r, &st);
	ck_assert_uint_eq(st.skipped[VG_SKIP_EVAL], 0);
	for (i = 0; i < vg_rules_count(r); i++) {
		const char *n = vg_rules_name(r, i);

		snprintf(want, sizeof(want), " %s ", n);
		ck_assert_msg(vg_rules_hit(h, i) ==
		        (strstr(html_cases[_i].hits, want) != NULL),
		    "%s: %s %s, SpamAssassin says %s", html_cases[_i].file, n,
		    vg_rules_hit(h, i) ? "hit" : "missed",
		    vg_rules_hit(h, i) ? "miss" : "hit");
	}
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/* html_test keys and values Vigil does not collect are skipped. */
START_TEST(test_rules_saeval_html_refused)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "body A eval:html_test('no_such_key')\n"
	    "body B eval:html_range('no_such_value', '0', '1')\n"
	    "body C eval:html_text_match('script', 'x')\n"
	    "body D eval:html_eval('length', 'system(1)')\n"
	    "body E eval:html_tag_balance('b r', '> 0')\n"
	    "body F eval:html_text_match('title', '(')\n"
	    "body G eval:html_test('embeds')\n";
	struct vg_rules *r = load(src);
	struct vg_rules_stats st;

	vg_rules_stats(r, &st);
	ck_assert_uint_eq(st.skipped[VG_SKIP_EVAL], 6);
	ck_assert_uint_eq(st.rules[VG_RULE_BODY], 1);
	vg_rules_free(r);
}
END_TEST

/*
 * The limits of the HTML facts (html_sa.h): tag names past
 * VG_HTML_SA_MAX_TAGS are not counted in "inside" (so html_tag_exists
 * misses them) but still count in the totals; comments past
 * VG_HTML_SA_MAX_STRINGS are not kept, and each is cut at
 * VG_HTML_SA_STRING_MAX bytes.
 */
START_TEST(test_rules_saeval_html_limits)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "body T127 eval:html_tag_exists('t127')\n"
	    "body T128 eval:html_tag_exists('t128')\n"
	    "body BAD eval:html_range('bad_tag_ratio', '0.9', '1.0')\n"
	    "body C64 eval:html_text_match('comment', 'c62x')\n"
	    "body C65 eval:html_text_match('comment', 'c63x')\n"
	    "body LONG eval:html_text_match('comment', 'y{1019}')\n"
	    "body CUT eval:html_text_match('comment', 'y{1020}')\n";
	static char raw[1 << 16];
	struct vg_rules *r = load(src);
	struct vg_rules_hits *h;
	size_t n, i;
	const char *want = " T127 BAD C64 LONG ";
	char w[64];

	n = (size_t)snprintf(raw, sizeof(raw),
	    "From: a@example.com\nSubject: tags\nMIME-Version: 1.0\n"
	    "Content-Type: text/html\n\n");
	/* t0 .. t129: 130 names; html_sa keeps the first 128 (t0..t127). */
	for (i = 0; i < 130; i++)
		n += (size_t)snprintf(raw + n, sizeof(raw) - n, "<t%zu>x", i);
	/* One element (past the name limit): bad_tag_ratio is 130/131;
	 * with no element at all SpamAssassin leaves it undefined. */
	n += (size_t)snprintf(raw + n, sizeof(raw) - n, "<b>");
	/* One long comment, kept as its first 1024 bytes ("<!-- " and
	 * 1019 y), then 66 short ones of which 63 are kept. */
	n += (size_t)snprintf(raw + n, sizeof(raw) - n, "<!-- ");
	for (i = 0; i < 2000; i++)
		raw[n++] = 'y';
	n += (size_t)snprintf(raw + n, sizeof(raw) - n, " -->\n");
	for (i = 0; i < 66; i++)
		n += (size_t)snprintf(
		    raw + n, sizeof(raw) - n, "<!-- c%zux -->", i);
	h = run_bytes(r, raw, n);
	for (i = 0; i < vg_rules_count(r); i++) {
		snprintf(w, sizeof(w), " %s ", vg_rules_name(r, i));
		ck_assert_msg(vg_rules_hit(h, i) == (strstr(want, w) != NULL),
		    "%s %s", vg_rules_name(r, i),
		    vg_rules_hit(h, i) ? "hit" : "missed");
	}
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/*
 * tflags multiple and maxhits: each match is a hit, capped by maxhits;
 * a meta reads the count; a scored rule adds its score per hit.  The
 * rules and the message were run through SpamAssassin 4.0.1 (sa-run.pl
 * with these rules as local.cf): it hit every rule below but M_NONE, and
 * gave M_BAR 5 x 1.5.
 */
START_TEST(test_rules_saeval_multiple)
{
	static const char src[] = "body __M_FOO /foo/\n"
	                          "tflags __M_FOO multiple maxhits=3\n"
	                          "body __M_FOO_ALL /foo/\n"
	                          "tflags __M_FOO_ALL multiple\n"
	                          "body __M_FOO_ONE /foo/\n"
	                          "meta M_FOO_GT2 __M_FOO > 2\n"
	                          "meta M_FOO_ALL5 __M_FOO_ALL == 5\n"
	                          "meta M_FOO_ONE __M_FOO_ONE == 1\n"
	                          "meta M_NONE __M_FOO > 3\n"
	                          "body M_BAR /\\bbar\\b/\n"
	                          "tflags M_BAR multiple maxhits=5\n"
	                          "score M_BAR 1.5\n"
	                          "header __M_HDR X-Tag =~ /aa/\n"
	                          "tflags __M_HDR multiple\n"
	                          "meta M_HDR4 __M_HDR == 4\n"
	                          "uri __M_URI /example/\n"
	                          "tflags __M_URI multiple\n"
	                          "meta M_URI3 __M_URI == 3\n"
	                          "rawbody __M_RAW /<a /\n"
	                          "tflags __M_RAW multiple maxhits=2\n"
	                          "meta M_RAW2 __M_RAW == 2\n"
	                          "full __M_FULL /foo/\n"
	                          "tflags __M_FULL multiple\n"
	                          "meta M_FULL5 __M_FULL == 5\n"
	                          "priority M_FULL5 -100\n"
	                          "priority __M_FULL 500\n";
	struct vg_rules *r = load(src);
	struct vg_msg_limits ml;
	struct vg_text_limits tl;
	struct vg_msg *m = NULL;
	struct vg_text *t = NULL;
	struct vg_rules_hits *hits = NULL;
	struct vg_symset res;
	char path[1024];
	size_t i;
	bool bar = false;

	memset(&ml, 0, sizeof(ml));
	ml.max_size = 64 << 20;
	ml.memory_limit = 64 << 20;
	ml.max_headers = 1000;
	ml.max_header_size = 1 << 20;
	ml.max_rcpts = 100;
	ml.tmp_dir = "/tmp";
	snprintf(path, sizeof(path), "%s/tests/unit/data/saeval/multi.eml",
	    VG_SOURCE_DIR);
	ck_assert_int_eq(vg_msg_from_file(&m, &ml, path), 0);
	vg_text_limits_default(&tl);
	ck_assert_int_eq(vg_text_build(&t, m, &tl), 0);
	vg_symset_init(&res);
	ck_assert_int_eq(vg_rules_hits_new(&hits, r), 0);
	ck_assert_int_eq(vg_rules_eval(r, m, t, hits, &res), 0);
	ck_assert_int_eq(vg_rules_eval_meta(r, hits, &res), 0);
	for (i = 0; i < vg_rules_count(r); i++) {
		const char *n = vg_rules_name(r, i);

		ck_assert_msg(
		    vg_rules_hit(hits, i) == (strcmp(n, "M_NONE") != 0),
		    "%s %s", n, vg_rules_hit(hits, i) ? "hit" : "missed");
		if (strcmp(n, "__M_FOO") == 0)
			ck_assert_uint_eq(vg_rules_hit_count(hits, i), 3);
		if (strcmp(n, "__M_FOO_ONE") == 0)
			ck_assert_uint_eq(vg_rules_hit_count(hits, i), 1);
		if (strcmp(n, "M_BAR") == 0)
			ck_assert_uint_eq(vg_rules_hit_count(hits, i), 5);
	}
	for (i = 0; i < res.n; i++)
		if (strcmp(res.sym[i].name, "M_BAR") == 0) {
			ck_assert_double_eq_tol(res.sym[i].score, 7.5, 1e-9);
			bar = true;
		}
	ck_assert(bar);
	vg_symset_fini(&res);
	vg_rules_hits_free(hits);
	vg_text_free(t);
	vg_msg_free(m);
	vg_rules_free(r);
}
END_TEST

/* maxhits takes 1 to VG_RULES_MAXHITS_MAX; priority a whole number. */
START_TEST(test_rules_saeval_tflags_syntax)
{
	static const char *const bad[] = {
	    "body A /a/\ntflags A multiple maxhits=0\n",
	    "body A /a/\ntflags A multiple maxhits=65536\n",
	    "body A /a/\ntflags A multiple maxhits=x\n",
	    "body A /a/\npriority A high\n",
	    "body A /a/\npriority A\n",
	};
	static const char good[] = "body A /a/\n"
	                           "tflags A multiple maxhits=65535\n"
	                           "priority A -1000\n";
	struct vg_rules *r = NULL;
	struct vg_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vg_err_init(&err);
		ck_assert_msg(vg_rules_parse(&r, bad[i], strlen(bad[i]),
		                  "t.rules", &err) != 0,
		    "accepted: %s", bad[i]);
		ck_assert_ptr_null(r);
	}
	r = load(good);
	vg_rules_free(r);
}
END_TEST

/*
 * MIMEHeader: Debian's mimeheader rules, as written there, over messages
 * whose hits SpamAssassin 4.0.1 reported (sa-run.pl, every rule scored so
 * that it runs): each part's headers, folded raw values, a decoded
 * RFC 2047 file name, the message's own headers as the first part.
 */
static const char mh_rules[] =
    "vigil_compat spamassassin\n"
    "ifplugin Mail::SpamAssassin::Plugin::MIMEHeader\n"
    "mimeheader CTYPE_8SPACE_GIF Content-Type:raw =~ /^image\\/gif;\\n "
    "{8}name=\\\".+?\\\"$/s\n"
    "mimeheader HK_CTE_RAW		Content-Transfer-Encoding =~ /^raw$/\n"
    "mimeheader OBFU_TEXT_ATTACH    Content-Type =~ "
    "m,\\bapplication/octet-stream\\b.+\\.txt\\b,i\n"
    "mimeheader TVD_FW_GRAPHIC_NAME_LONG     Content-Type =~ "
    "/\\bname=\"[a-z]{8,}\\.gif/\n"
    "mimeheader TVD_FW_GRAPHIC_NAME_MID      Content-Type =~ "
    "/\\bname=\"[a-z]{6,7}\\.gif/\n"
    "mimeheader T_CDISP_SZ_MANY      Content-Disposition =~ "
    "/\\bsize\\s?=\\s?\\d.*\\bsize\\s?=\\s?\\d/\n"
    "mimeheader T_DOS_ZIP_HARDCORE        Content-Type =~ "
    "/^application\\/zip;\\sname=\"hardcore\\.zip\"$/\n"
    "mimeheader T_OBFU_DOC_ATTACH     Content-Type =~ "
    "m,\\bapplication/octet-stream\\b.+\\.(?:doc|rtf)\\b,i\n"
    "mimeheader T_OBFU_GIF_ATTACH     Content-Type =~ "
    "m,\\bapplication/octet-stream\\b.+\\.gif\\b,i\n"
    "mimeheader T_OBFU_HTML_ATTACH    Content-Type =~ "
    "m,\\bapplication/octet-stream\\b.+\\.[a-z]?html?\\b,i\n"
    "mimeheader T_OBFU_JPG_ATTACH     Content-Type =~ "
    "m,\\bapplication/octet-stream\\b.+\\.jpe?g\\b,i\n"
    "mimeheader T_OBFU_PDF_ATTACH     Content-Type =~ "
    "m,\\bapplication/octet-stream\\b.+\\.pdf\\b,i\n"
    "mimeheader T_TVD_FW_GRAPHIC_ID2   Content-Id =~ "
    "/<(?:[0-9A-F]{8}\\.){3}[0-9A-F]{8}/\n"
    "mimeheader __ANY_IMAGE_ATTACH Content-Type =~ /\\bimage\\//i\n"
    "mimeheader __ANY_TEXT_ATTACH Content-Type =~ /text\\/\\w+/i\n"
    "mimeheader __ANY_TEXT_ATTACH_DOC     Content-Type =~ /text\\/\\w+/i\n"
    "mimeheader __ATTACH_NAME_NO_EXT Content-Type =~ "
    "m,\\bname\\s?=\\s?\"(?!=\\?)[^.\"]+\",i\n"
    "mimeheader __CTE_BAS64         Content-Transfer-Encoding =~ "
    "/\\bbas64\\b/i\n"
    "mimeheader __CTYPE_NULL        Content-Type =~ /^\\s*;/\n"
    "mimeheader __CTYPE_ONETAB_GIF Content-Type:raw =~ "
    "/^image\\/gif;\\n\\tname=\\\".+?\\\"$/s\n"
    "mimeheader __CT_UTF7		Content-Type =~ "
    "/\\bcharset=.?utf-7\\b/i\n"
    "mimeheader __DOC_ATTACH_FN1   Content-Type =~ "
    "/=\"[^\"]+\\.(?:docx?|rtf)\"/i\n"
    "mimeheader __DOC_ATTACH_FN2   Content-Disposition =~ "
    "/=\"[^\"]+\\.(?:docx?|rtf)\"/i\n"
    "mimeheader __DOC_ATTACH_MT    Content-Type =~ "
    "m,\\bapplication/"
    "(?:msword|rtf|vnd\\.ms-word|vnd\\.openxmlformats-officedocument\\."
    "wordprocessingml\\.document)\\b,i\n"
    "mimeheader __EXE_ATTACH        Content-Type =~ /\\.exe\\b/i\n"
    "mimeheader __GIF_ATTACH Content-Type =~ /^image\\/gif\\b/i\n"
    "mimeheader __HK_SPAMMY_CDFN	Content-Disposition =~ "
    "/name=.*?(?:lot(?:eri[ej]|t(?:ery|o))|award|prize|winn(?:er|ing)|"
    "microsoft|congrat|urgent)/mi\n"
    "mimeheader __HK_SPAMMY_CTFN	Content-Type =~ "
    "/name=.*?(?:lot(?:eri[ej]|t(?:ery|o))|award|prize|winn(?:er|ing)|"
    "microsoft|congrat|urgent)/mi\n"
    "mimeheader __HTML_ATTACH_01    Content-Type =~ "
    "m,\\btext/html\\b.+\\.[a-z]?html?\\b,i\n"
    "mimeheader __HTML_ATTACH_02    Content-Disposition =~ "
    "m,\\bfilename=\"?[^\"]+\\.[a-z]?html?\\b,i\n"
    "mimeheader __ISO_ATTACH        Content-Disposition =~ "
    "m,\\bfilename=\"?[^\"]+\\.iso[\";$],i\n"
    "mimeheader __ISO_ATTACH_MT     Content-Type =~ "
    "m,\\bapplication/x-iso9660-image\\b,i\n"
    "mimeheader __JPEG_ATTACH           Content-Type =~ /image\\/jpe?g/i\n"
    "mimeheader __KAM_BLOCK_UTF7_2     	Content-Type =~ "
    "/charset=(?:unicode-\\d+-\\d+-)?utf-7/i\n"
    "mimeheader __LOTTO_ATTACH_1   Content-Type =~ /lott(?:o|ery)/i\n"
    "mimeheader __LOTTO_ATTACH_2   Content-Disposition =~ /lott(?:o|ery)/i\n"
    "mimeheader __MALW_ATTACH_01_01 Content-Disposition =~ "
    "/\\bfilename(?:=\"?[^\"]+|\\*(?:\\d+\\*)?=(?:UTF-8'')?\\S+)\\."
    "SettingContent-ms\\b/i\n"
    "mimeheader __MALW_ATTACH_01_02 Content-Type =~ "
    "/\\bname=\"?[^\"]+\\.SettingContent-ms\\b/i\n"
    "mimeheader __MALW_ATTACH_02_01 Content-Disposition =~ "
    "/\\bfilename(?:=\"?[^\"]*|\\*(?:\\d+\\*)?=(?:UTF-8'')?\\S*)(?:invoice|"
    "statement|payment(?: "
    "advice)?|(?:[.,_]|%C2%B7|[\\xc2][\\xb7])(?:pdf|img|png|gif|jpe?g))\\.(?:"
    "ace|zip|rar|r17|[7g]?z|iso)[\";$]/i\n"
    "mimeheader __MALW_ATTACH_02_02 Content-Type =~ "
    "/\\bname=\"?[^\"]*(?:invoice|statement|payment(?: "
    "advice)?|(?:[.,_]|[\\xc2][\\xb7])(?:pdf|img|png|gif|jpe?g))\\.(?:ace|zip|"
    "rar|r17|[7g]?z|iso)[\";$]/i\n"
    "mimeheader __MSO_THEME_MT      Content-Type =~ "
    "m,\\bapplication/vnd.ms-officetheme\\b,i\n"
    "mimeheader __PART_CID_STOCK_LESS    Content-ID =~ "
    "/^<00[a-f0-9]{10}\\$[a-f0-9]{8}\\$[a-f0-9]{8}\\@[A-Za-z]+>$/\n"
    "mimeheader __PART_STOCK_CD_F Content-Disposition =~ /filename/\n"
    "mimeheader __PART_STOCK_CID Content-ID =~ "
    "/^<[a-f0-9]{12}\\$[a-f0-9]{8}\\$[a-f0-9]{8}\\@[^\\s\\.]+>$/\n"
    "mimeheader __PART_STOCK_CL Content-Location =~ /./\n"
    "mimeheader __PDF_ATTACH_FN1   Content-Type =~ /=\"[^\"]+\\.pdf\"/i\n"
    "mimeheader __PDF_ATTACH_FN2   Content-Disposition =~ "
    "/=\"[^\"]+\\.pdf\"/i\n"
    "mimeheader __PDF_ATTACH_MT    Content-Type =~ m,\\bapplication/pdf\\b,i\n"
    "mimeheader __PHISH_ATTACH_01_01  Content-Disposition =~ "
    "/\\bfilename(?:=\"?[^\"]*|\\*(?:\\d+\\*)?=(?:UTF-8'')?\\S*)(?:\\.|%C2%B7|["
    "\\xc2][\\xb7]|_)(?:pdf|docx?)\\.html?[\";$]/i\n"
    "mimeheader __PHISH_ATTACH_01_02  Content-Type =~ "
    "/\\bname=\"?[^\"]*(?:\\.|[\\xc2][\\xb7]|_)(?:pdf|docx?)\\.html?[\";$]/i\n"
    "mimeheader __SCC_BOGUS_CTE_1	Content-Transfer-Encoding =~ /^Hexa/i\n"
    "mimeheader __SCC_CTMPP     Content-Type =~ /multipart\\/parallel/	\n"
    "mimeheader __TEXT_XML_MT       Content-Type =~ m,\\btext/xml\\b,i\n"
    "mimeheader __TVD_FW_GRAPHIC_ID1 Content-Id =~ "
    "/<[0-9a-f]{12}(?:\\$[0-9a-f]{8}){2}\\@/\n"
    "mimeheader __TVD_MIME_ATT_AOPDF Content-Type =~ "
    "/^application\\/octet-stream.*\\.pdf/i\n"
    "mimeheader __TVD_MIME_ATT_AP    Content-Type =~ /^application\\/pdf/i\n"
    "mimeheader __TVD_MIME_ATT_TP    Content-Type =~ /^text\\/plain/i\n"
    "mimeheader __TVD_OUTLOOK_IMG    Content-Id =~ "
    "/<image\\d+\\.(?:gif|jpe?g|png)\\@/\n"
    "mimeheader __X_MSO_MT          Content-Type =~ "
    "m,\\bapplication/x-mso\\b,i\n"
    "mimeheader __ZIP_ATTACH_MT     Content-Type =~ "
    "m,\\bapplication/(?:zip|x-(?:zip-)?compress(?:ed)?)\\b,i\n"
    "mimeheader __ZIP_ATTACH_NOFN   Content-Type =~ "
    "m,\\bapplication/(?:zip|x-(?:zip-)?compress(?:ed)?)[;\\s]*$,i\n"
    "endif\n";

static const struct {
	const char *file;
	const char *hits;
} mh_cases[] = {
    {"mh1.eml",
        " OBFU_TEXT_ATTACH __ANY_IMAGE_ATTACH __ANY_TEXT_ATTACH "
        "__ANY_TEXT_ATTACH_DOC __CTE_BAS64 __CTYPE_ONETAB_GIF __CT_UTF7 "
        "__GIF_ATTACH __HK_SPAMMY_CDFN __ISO_ATTACH __LOTTO_ATTACH_2 "
        "__MALW_ATTACH_02_02 __PART_STOCK_CD_F __TVD_MIME_ATT_TP "
        "__ZIP_ATTACH_MT "},
    {"mh2.eml", " __ANY_TEXT_ATTACH __ANY_TEXT_ATTACH_DOC __TVD_MIME_ATT_TP "},
};

START_TEST(test_rules_saeval_mimeheader)
{
	struct vg_rules *r = load(mh_rules);
	struct vg_rules_hits *h = run_file(r, mh_cases[_i].file);
	struct vg_rules_stats st;
	char want[128];
	size_t i;

	vg_rules_stats(r, &st);
	ck_assert_uint_eq(st.skipped[VG_SKIP_EVAL], 0);
	ck_assert_uint_eq(st.skipped[VG_SKIP_IFPLUGIN], 0);
	for (i = 0; i < vg_rules_count(r); i++) {
		const char *n = vg_rules_name(r, i);

		snprintf(want, sizeof(want), " %s ", n);
		ck_assert_msg(vg_rules_hit(h, i) ==
		        (strstr(mh_cases[_i].hits, want) != NULL),
		    "%s: %s %s, SpamAssassin says %s", mh_cases[_i].file, n,
		    vg_rules_hit(h, i) ? "hit" : "missed",
		    vg_rules_hit(h, i) ? "miss" : "hit");
	}
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/*
 * mimeheader: what is refused (skipped, counted under MIMEHeader), tflags
 * multiple over parts, the header limit (VG_SAMIME_HDR_PARTS parts read).
 */
/*
 * Eval tests' regexes (here mimeheader's) run under the rules' match
 * limit, with the thread's match data, as every other rule's: a match the
 * limit cuts off is no hit.  Before, they ran without it.
 */
START_TEST(test_rules_saeval_match_limit)
{
	static const char raw[] = "From: a@example.com\nSubject: s\n"
	                          "MIME-Version: 1.0\n"
	                          "Content-Type: text/plain\n\nbody\n";
	static const char rule[] =
	    "mimeheader M Content-Type =~ /^(?:t|e|x)+(?:\\/|-)+plain/\n";
	char src[512];
	struct vg_rules *r;
	struct vg_rules_hits *h;

	for (int limited = 0; limited < 2; limited++) {
		snprintf(src, sizeof(src), "vigil_compat spamassassin\n%s%s",
		    limited ? "vigil_match_limit 1\n" : "", rule);
		r = load(src);
		h = run_bytes(r, raw, sizeof(raw) - 1);
		ck_assert_msg(vg_rules_hit(h, 0) == !limited, "limit %s: %s",
		    limited ? "1" : "default",
		    vg_rules_hit(h, 0) ? "hit" : "missed");
		vg_rules_hits_free(h);
		vg_rules_free(r);
	}
}
END_TEST

START_TEST(test_rules_saeval_mimeheader_limits)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "mimeheader A ALL =~ /x/\n"
	    "mimeheader B Content-Type:foo =~ /x/\n"
	    "mimeheader C Content-Type ~ /x/\n"
	    "mimeheader D Content-Type =~ /x/ trailing\n"
	    "mimeheader __TEXT Content-Type =~ /text\\/plain/\n"
	    "tflags __TEXT multiple maxhits=300\n"
	    "mimeheader P255 Content-Type =~ /name=p254\\b/\n"
	    "mimeheader P256 Content-Type =~ /name=p255\\b/\n";
	static char raw[1 << 16];
	struct vg_rules *r = load(src);
	struct vg_rules_stats st;
	struct vg_rules_hits *h;
	size_t n, i;
	const char *want = " __TEXT P255 ";
	char w[64];

	vg_rules_stats(r, &st);
	ck_assert_uint_eq(st.skipped[VG_SKIP_EVAL], 4);
	n = (size_t)snprintf(raw, sizeof(raw),
	    "From: a@example.com\nSubject: parts\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=B\n\n");
	/* The message is part 1, so parts p0..p254 are read, p255 not. */
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(raw + n, sizeof(raw) - n,
		    "--B\nContent-Type: text/plain; name=p%zu\n\nx\n", i);
	n += (size_t)snprintf(raw + n, sizeof(raw) - n, "--B--\n");
	h = run_bytes(r, raw, n);
	for (i = 0; i < vg_rules_count(r); i++) {
		snprintf(w, sizeof(w), " %s ", vg_rules_name(r, i));
		ck_assert_msg(vg_rules_hit(h, i) == (strstr(want, w) != NULL),
		    "%s %s", vg_rules_name(r, i),
		    vg_rules_hit(h, i) ? "hit" : "missed");
		/* One hit per part read: p0 .. p254. */
		if (strcmp(vg_rules_name(r, i), "__TEXT") == 0)
			ck_assert_uint_eq(vg_rules_hit_count(h, i), 255);
	}
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/*
 * check_outlook_message_id: an Outlook Express Message-Id whose time token
 * agrees with the Date (oe1), with neither Date nor Received (oe2), with
 * upper-case hex (oe3: not that format), with the Received time only
 * (oe4).  SpamAssassin 4.0.1 hit oe2 only.
 */
START_TEST(test_rules_saeval_outlook_msgid)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "header MSGID_OUTLOOK_INVALID eval:check_outlook_message_id()\n";
	static const char *const files[] = {
	    "oe1.eml", "oe2.eml", "oe3.eml", "oe4.eml"};
	struct vg_rules *r = load(src);
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct vg_rules_hits *h = run_file(r, files[i]);

		ck_assert_msg(vg_rules_hit(h, 0) == (i == 1), "%s: %s",
		    files[i], vg_rules_hit(h, 0) ? "hit" : "missed");
		vg_rules_hits_free(h);
	}
	vg_rules_free(r);
}
END_TEST

/*
 * HeaderEval's forged-webmail tests (sa_forgedrcvd.c).  Each message was
 * run through SpamAssassin 4.0.1 (spamassassin -L -t, with
 * "meta DBG_FH __FORGED_HOTMAIL_RCVD" scored to show the sub-rule):
 * a yahoo.com From relayed by a host that is not Yahoo's hits
 * FORGED_YAHOO_RCVD, one from Yahoo's web mail ("by web...mail.yahoo.com
 * via HTTP") does not; a relay HELO'ing as hotmail.com hits
 * __FORGED_HOTMAIL_RCVD; a hotmail.com From with no hotmail Received
 * hits FORGED_HOTMAIL_RCVD2; Hotmail's own format with an
 * X-Originating-IP hits neither.
 */
START_TEST(test_rules_saeval_forged_rcvd)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "header FY eval:check_for_forged_yahoo_received_headers()\n"
	    "header FH eval:check_for_forged_hotmail_received_headers()\n"
	    "header FH2 eval:check_for_no_hotmail_received_headers()\n"
	    "header FG eval:check_for_forged_gmail_received_headers()\n";
#define HDRS                                                                   \
	"To: bob@example.org\nSubject: hello there\n"                          \
	"Date: Mon, 2 Dec 2002 10:00:00 +0000\n"                               \
	"Message-Id: <abc123@mx.example.net>\n\nHi there, this is a test.\n"
#define RCVD_OTHER(helo)                                                       \
	"Received: from " helo " (mx.example.net [203.0.113.9])\n"             \
	"  by mail.example.org with SMTP; 2 Dec 2002 10:00:00 -0000\n"
	static const struct {
		const char *msg;
		bool fy, fh, fh2, fg;
	} fcases[] = {
	    {RCVD_OTHER("mx.example.net") "From: <jane_doe@yahoo.com>\n" HDRS,
	        true, false, false, false},
	    {"Received: from [203.0.113.9] by web12345.mail.yahoo.com via "
	     "HTTP;\n  Mon, 2 Dec 2002 10:00:00 PST\n"
	     "From: <jane_doe@yahoo.com>\n" HDRS,
	        false, false, false, false},
	    {RCVD_OTHER("hotmail.com") "From: <jane_doe@example.net>\n" HDRS,
	        false, true, false, false},
	    {RCVD_OTHER("mx.example.net") "From: <jane_doe@hotmail.com>\n" HDRS,
	        false, false, true, false},
	    {"Received: from hotmail.com (f135.law8.hotmail.com "
	     "[216.33.241.135])\n  by mail.example.org with SMTP; 2 Dec 2002 "
	     "10:00:00 -0000\nX-Originating-IP: [203.0.113.9]\n"
	     "From: <jane_doe@hotmail.com>\n" HDRS,
	        false, false, false, false},
	    {RCVD_OTHER("mx.example.net") "From: <jane_doe@gmail.com>\n" HDRS,
	        false, false, false, true},
	    /* no Received at all: gated_through_received_hdr_remover */
	    {"From: <jane_doe@yahoo.com>\n" HDRS, false, false, false, false},
	};
#undef HDRS
#undef RCVD_OTHER
	struct vg_rules *r = load(src);

	for (size_t i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++) {
		struct vg_rules_hits *h =
		    run_bytes(r, fcases[i].msg, strlen(fcases[i].msg));

		ck_assert_msg(hit(r, h, "FY") == fcases[i].fy, "case %zu", i);
		ck_assert_msg(hit(r, h, "FH") == fcases[i].fh, "case %zu", i);
		ck_assert_msg(hit(r, h, "FH2") == fcases[i].fh2, "case %zu", i);
		ck_assert_msg(hit(r, h, "FG") == fcases[i].fg, "case %zu", i);
		vg_rules_hits_free(h);
	}
	vg_rules_free(r);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("rules_saeval");
	TCase *tc = tcase_create("core");

	if (vg_text_global_init() != 0)
		abort();

	tcase_add_loop_test(tc, test_rules_saeval_messages, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_rules_saeval_plugins);
	tcase_add_loop_test(tc, test_rules_saeval_to_in_subject, 0,
	    (int)(sizeof(tosubj_cases) / sizeof(tosubj_cases[0])));
	tcase_add_loop_test(tc, test_rules_saeval_images, 0,
	    (int)(sizeof(img_cases) / sizeof(img_cases[0])));
	tcase_add_loop_test(tc, test_rules_saeval_lines, 0,
	    (int)(sizeof(lines_cases) / sizeof(lines_cases[0])));
	tcase_add_test(tc, test_rules_saeval_t_score);
	tcase_add_loop_test(tc, test_rules_saeval_recipients, 0,
	    (int)(sizeof(rcpt_cases) / sizeof(rcpt_cases[0])));
	tcase_add_test(tc, test_rules_saeval_mime_limits);
	tcase_add_loop_test(tc, test_rules_saeval_mime, 0,
	    (int)(sizeof(mime_cases) / sizeof(mime_cases[0])));
	tcase_add_test(tc, test_rules_saeval_freemail_limits);
	tcase_add_loop_test(tc, test_rules_saeval_freemail, 0,
	    (int)(sizeof(fm_cases) / sizeof(fm_cases[0])));
	tcase_add_loop_test(tc, test_rules_saeval_dates, 0,
	    (int)(sizeof(date_cases) / sizeof(date_cases[0])));
	tcase_add_test(tc, test_rules_saeval_replace_debian);
	tcase_add_test(tc, test_rules_saeval_replace_syntax);
	tcase_add_test(tc, test_rules_saeval_replace_limits);
	tcase_add_test(tc, test_rules_saeval_strict);
	tcase_add_test(tc, test_rules_saeval_arg_limits);
	tcase_add_loop_test(tc, test_rules_saeval_html, 0,
	    (int)(sizeof(html_cases) / sizeof(html_cases[0])));
	tcase_add_test(tc, test_rules_saeval_html_refused);
	tcase_add_test(tc, test_rules_saeval_html_limits);
	tcase_add_test(tc, test_rules_saeval_multiple);
	tcase_add_test(tc, test_rules_saeval_tflags_syntax);
	tcase_add_loop_test(tc, test_rules_saeval_mimeheader, 0,
	    (int)(sizeof(mh_cases) / sizeof(mh_cases[0])));
	tcase_add_test(tc, test_rules_saeval_mimeheader_limits);
	tcase_add_test(tc, test_rules_saeval_match_limit);
	tcase_add_test(tc, test_rules_saeval_outlook_msgid);
	tcase_add_test(tc, test_rules_saeval_forged_rcvd);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(suite)
