/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_rules_sapdf - SpamAssassin's PDFInfo plugin run natively
 * (sa_pdfinfo.c): messages with PDF attachments through vg_msg and
 * vg_text, every pdf_* function against what SpamAssassin 4.0.1 itself
 * reported for the same message (tests/accuracy/sa-run.pl with Debian's
 * .pre files plus "loadplugin Mail::SpamAssassin::Plugin::PDFInfo", which
 * Debian leaves commented out, and the rules below as local.cf, run by
 * hand: the hits are written below).  The messages are made by
 * data/saeval/mkpdf.py: pdf1.eml (a
 * PDF with two images, Ghostscript producer, hex and escaped strings),
 * pdf2.eml (an encrypted PDF named scan.PDF as octet-stream, no text),
 * pdf3.eml (a PDF inside notes.txt, which does not count, and an
 * application/pdf part that is no PDF, which counts).  Also the parser
 * on its own (vg_sapdf_scan) and its limits.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/err.h"
#include "message/msg.h"
#include "message/text.h"
#include "rules/rules.h"
#include "rules/sa_pdfinfo.h"
#include "rules/symset.h"

/* Debian's 20_pdfinfo.cf rules (GMD_*), and one of each function. */
static const char pdf_rules[] =
    "vigil_compat spamassassin\n"
    "ifplugin Mail::SpamAssassin::Plugin::PDFInfo\n"
    "body PDF_HORIZ eval:pdf_image_size_range(100, 450, 240, 800)\n"
    "body PDF_SQUARE eval:pdf_image_size_range(180, 180, 360, 360)\n"
    "body PDF_VERT eval:pdf_image_size_range(450, 100, 800, 240)\n"
    "body PDF_TOTAL eval:pdf_image_size_range(300, 700)\n"
    "body PDF_GPL eval:pdf_match_details('producer',"
    "'/^(?:gnu|gpl) ghostscript/i')\n"
    "body PDF_POWERPDF eval:pdf_match_details('producer','/^PowerPdf "
    "0\\./')\n"
    "body PDF_EASYPDF eval:pdf_match_details('producer','/^BCL "
    "easyPDF/')\n"
    "body PDF_AUTHOR eval:pdf_match_details('author','/^AB$/')\n"
    "body PDF_TITLE eval:pdf_match_details('title',"
    "'/^Invoice \\(copy\\)$/')\n"
    "body PDF_CREATED eval:pdf_match_details('created',"
    "'/^20201231120000$/')\n"
    "body PDF_MODIFIED eval:pdf_match_details('modified','/^2021/')\n"
    "body PDF_CREATOR eval:pdf_match_details('creator','/^Writer$/')\n"
    "body PDF_ENCRYPTED eval:pdf_is_encrypted()\n"
    "body PDF_EMPTY_BODY eval:pdf_is_empty_body()\n"
    "body PDF_EMPTY_BODY40 eval:pdf_is_empty_body(40)\n"
    "body PDF_EMPTY_BODY32 eval:pdf_is_empty_body(32)\n"
    "body PDF_EMPTY_BODY33 eval:pdf_is_empty_body(33)\n"
    "body PDF_RATIO40 "
    "eval:pdf_image_to_text_ratio(0.0002925926, 0.0002999999)\n"
    "body PDF_RATIO41 "
    "eval:pdf_image_to_text_ratio(0.0003000000, 0.0003074074)\n"
    "body PDF_NO_TXT eval:pdf_image_to_text_ratio(0.000, 0.005)\n"
    "body PDF_COUNT1 eval:pdf_count(1,1)\n"
    "body PDF_COUNT2 eval:pdf_count(2)\n"
    "body PDF_IMG2 eval:pdf_image_count(2,2)\n"
    "body PDF_IMG1 eval:pdf_image_count(1)\n"
    "body PDF_PIXELS eval:pdf_pixel_coverage(100000,200000)\n"
    "body PDF_NAMED eval:pdf_named('invoice.pdf')\n"
    "body PDF_NAME_RE eval:pdf_name_regex('/\\.pdf$/i')\n"
    "body PDF_EXACT eval:pdf_image_size_exact(200,300)\n"
    "body PDF_EXACT_SUM eval:pdf_image_size_exact(350,800)\n"
    "body PDF_MD5 eval:pdf_match_md5('bd1bbd1bd4111ef04c23b4ec4f10da8d')\n"
    "body PDF_FUZZY1 "
    "eval:pdf_match_fuzzy_md5('165DEBB9D91022FF14994D36ABA831C0')\n"
    "body PDF_FUZZY2 "
    "eval:pdf_match_fuzzy_md5('611D29C748A7931C825A247FCF3F290E')\n"
    "endif\n";

/* SpamAssassin 4.0.1's hits (sa-run.pl, see above). */
static const struct {
	const char *file, *hits;
} pdf_cases[] = {
    {"pdf1.eml",
        " PDF_AUTHOR PDF_COUNT1 PDF_CREATED PDF_EMPTY_BODY40 "
        "PDF_EMPTY_BODY33 PDF_RATIO41 PDF_EXACT "
        "PDF_EXACT_SUM PDF_FUZZY1 PDF_GPL PDF_HORIZ PDF_IMG1 PDF_IMG2 "
        "PDF_MD5 PDF_MODIFIED PDF_NAMED PDF_NAME_RE PDF_NO_TXT PDF_PIXELS "
        "PDF_SQUARE PDF_TITLE PDF_TOTAL "},
    {"pdf2.eml",
        " PDF_COUNT1 PDF_CREATOR PDF_EMPTY_BODY PDF_EMPTY_BODY40 "
        "PDF_EMPTY_BODY32 PDF_EMPTY_BODY33 "
        "PDF_ENCRYPTED PDF_FUZZY2 PDF_NAME_RE PDF_POWERPDF "},
    {"pdf3.eml",
        " PDF_COUNT1 PDF_EMPTY_BODY40 PDF_EMPTY_BODY32 "
        "PDF_EMPTY_BODY33 "},
    /* no PDF: nothing */
    {"img1.eml", " "},
};

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

/* run_msg - hits of r over a message, from a file of data/saeval or bytes */
static struct vg_rules_hits *
run_msg(struct vg_rules *r, const char *file, const char *raw, size_t len)
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
	if (file != NULL) {
		snprintf(path, sizeof(path), "%s/tests/unit/data/saeval/%s",
		    VG_SOURCE_DIR, file);
		ck_assert_int_eq(vg_msg_from_file(&m, &ml, path), 0);
	} else {
		ck_assert_int_eq(vg_msg_from_bytes(&m, &ml, raw, len), 0);
	}
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

START_TEST(test_rules_sapdf_messages)
{
	struct vg_rules *r = load(pdf_rules);
	struct vg_rules_hits *h = run_msg(r, pdf_cases[_i].file, NULL, 0);
	char want[128];
	size_t i;

	ck_assert_uint_eq(vg_rules_count(r), 32);
	for (i = 0; i < vg_rules_count(r); i++) {
		const char *n = vg_rules_name(r, i);

		snprintf(want, sizeof(want), " %s ", n);
		ck_assert_msg(vg_rules_hit(h, i) ==
		        (strstr(pdf_cases[_i].hits, want) != NULL),
		    "%s: %s %s, SpamAssassin says %s", pdf_cases[_i].file, n,
		    vg_rules_hit(h, i) ? "hit" : "missed",
		    vg_rules_hit(h, i) ? "miss" : "hit");
	}
	vg_rules_hits_free(h);
	vg_rules_free(r);
}
END_TEST

/* Arguments checked at load: bad ones are skipped and counted. */
START_TEST(test_rules_sapdf_args)
{
	static const char src[] =
	    "vigil_compat spamassassin\n"
	    "body A eval:pdf_count('x')\n"
	    "body B eval:pdf_match_details('colour','/x/')\n"
	    "body C eval:pdf_match_details('title','/(/')\n"
	    "body D eval:pdf_name_regex('nodelim')\n"
	    "body E eval:pdf_is_encrypted(1)\n"
	    "header F eval:pdf_count(1)\n"
	    "body G eval:pdf_count(1)\n";
	struct vg_rules *r = load(src);
	const struct vg_rules_plugin_stat *ps;
	size_t n, i;
	bool seen = false;

	ck_assert_uint_eq(vg_rules_count(r), 1);
	ps = vg_rules_plugin_stats(r, &n);
	for (i = 0; i < n; i++)
		if (strcmp(ps[i].name, "PDFInfo") == 0) {
			ck_assert(ps[i].implemented);
			ck_assert_uint_eq(ps[i].loaded, 1);
			ck_assert_uint_eq(ps[i].skipped, 6);
			seen = true;
		}
	ck_assert(seen);
	vg_rules_free(r);
}
END_TEST

/* The parser alone: strings, sizes and Perl's truth of "0" and "00". */
START_TEST(test_rules_sapdf_scan)
{
	static const char pdf[] =
	    "junk before\n%PDF-1.7\n"
	    "/Title (a\\\\101b\\051\\(c\\))\n"
	    "<</Author <fffe41004200> /Producer(x)/Producer(y)>>\n"
	    "/Creator <4 1 4x2 43>\n"
	    "/Image\n"
	    "0 0 0 5 0 0 cm\n"
	    "00 0 0 7 0 0 cm\n"
	    "/Encrypt 5 0 R\n";
	struct vg_sapdf *f = vg_calloc(1, sizeof(*f));

	ck_assert_ptr_nonnull(f);
	vg_sapdf_scan(f, (const unsigned char *)pdf, sizeof(pdf) - 1, "a.pdf");
	ck_assert_uint_eq(f->count, 1);
	ck_assert_uint_eq(f->nnames, 1);
	ck_assert(f->encrypted);
	/* \\101 is a backslash and "101"; \051 is ")"; \( and \) unescaped */
	ck_assert_uint_eq(f->ndetails[VG_SAPDF_TITLE], 1);
	ck_assert_str_eq(f->details[VG_SAPDF_TITLE][0].s, "a\\101b)(c)");
	/* UTF-16LE with a byte order mark: NULs removed */
	ck_assert_str_eq(f->details[VG_SAPDF_AUTHOR][0].s, "AB");
	/* the first /Producer of the line */
	ck_assert_str_eq(f->details[VG_SAPDF_PRODUCER][0].s, "x");
	/* hex digits in adjacent pairs only: "4 1 4x2 43" is "C" */
	ck_assert_str_eq(f->details[VG_SAPDF_CREATOR][0].s, "C");
	/* "0" wide is no image; "00" is one (of no area) */
	ck_assert_uint_eq(f->images, 1);
	ck_assert_uint_eq(f->ndims, 1); /* no sum: no width */
	ck_assert_str_eq(f->dims[0].key, "7x00");
	ck_assert(f->area == 0);
	ck_assert_uint_eq(f->nmd5, 1);
	vg_free(f);
}
END_TEST

/* No "%PDF-" in the first 1024 bytes: counted, nothing read. */
START_TEST(test_rules_sapdf_magic)
{
	static char buf[2048];
	struct vg_sapdf *f = vg_calloc(1, sizeof(*f));

	ck_assert_ptr_nonnull(f);
	memset(buf, ' ', sizeof(buf));
	memcpy(buf + 1024, "%PDF-1.4\n/Encrypt\n", 18);
	vg_sapdf_scan(f, (unsigned char *)buf, sizeof(buf), "x.pdf");
	ck_assert(f->encrypted);
	memset(f, 0, sizeof(*f));
	memcpy(buf + 1024, " ", 1);
	memcpy(buf + 1025, "%PDF-1.4\n/Encrypt\n", 18);
	vg_sapdf_scan(f, (unsigned char *)buf, sizeof(buf), "x.pdf");
	ck_assert_uint_eq(f->count, 1);
	ck_assert(!f->encrypted);
	ck_assert_uint_eq(f->nnames, 0);
	ck_assert_uint_eq(f->nmd5, 0);
	vg_free(f);
}
END_TEST

/* Every limit of sa_pdfinfo.h. */
START_TEST(test_rules_sapdf_limits)
{
	struct vg_sapdf *f = vg_calloc(1, sizeof(*f));
	char name[32], *big, *line;
	size_t i, n;

	ck_assert_ptr_nonnull(f);
	/* parts: the first VG_SAPDF_PARTS read, all counted */
	for (i = 0; i < VG_SAPDF_PARTS + 3; i++) {
		snprintf(name, sizeof(name), "n%zu.pdf", i);
		vg_sapdf_scan(
		    f, (const unsigned char *)"%PDF-1.1\n/Encrypt\n", 18, name);
	}
	ck_assert_uint_eq(f->count, VG_SAPDF_PARTS + 3);
	ck_assert_uint_eq(f->nmd5, VG_SAPDF_PARTS);
	ck_assert_uint_eq(f->nnames, VG_SAPDF_PARTS);
	ck_assert(f->limit);
	/* names and image sizes kept: VG_SAPDF_NAMES, VG_SAPDF_DIMS */
	memset(f, 0, sizeof(*f));
	n = 64 * (VG_SAPDF_DIMS + 10) + 16;
	big = vg_malloc(n);
	ck_assert_ptr_nonnull(big);
	snprintf(big, n, "%%PDF-1.1\n");
	for (i = 0; i < VG_SAPDF_DIMS + 5; i++) {
		line = big + strlen(big);
		snprintf(line, 64, "/Image /Width %zu/Height 1\n", i + 1);
	}
	vg_sapdf_scan(f, (unsigned char *)big, strlen(big), "a.pdf");
	ck_assert_uint_eq(f->images, VG_SAPDF_DIMS + 5);
	ck_assert_uint_eq(f->ndims, VG_SAPDF_DIMS);
	ck_assert(f->limit);
	vg_free(big);
	/* bytes: past VG_SAPDF_BYTES nothing is read */
	memset(f, 0, sizeof(*f));
	n = VG_SAPDF_BYTES + 64;
	big = vg_malloc(n);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	memcpy(big, "%PDF-1.1\n", 9);
	big[VG_SAPDF_BYTES - 20] = '\n';
	memcpy(big + VG_SAPDF_BYTES - 2, "\n/Encrypt\n", 10);
	vg_sapdf_scan(f, (unsigned char *)big, n, "a.pdf");
	ck_assert(!f->encrypted);
	ck_assert(f->limit);
	/* a string is cut at VG_SAPDF_STR bytes; a size at VG_SAPDF_DIGITS */
	memset(f, 0, sizeof(*f));
	memcpy(big, "%PDF-1.1\n/Title (", 17);
	memset(big + 17, 'a', 1000);
	snprintf(big + 17 + 1000, n - 17 - 1000, "%s",
	    ")\n/Image\n1234567890123456789012345 0 0 1 0 0 cm\n");
	vg_sapdf_scan(f, (unsigned char *)big, strlen(big), NULL);
	ck_assert_uint_eq(f->details[VG_SAPDF_TITLE][0].len, VG_SAPDF_STR);
	ck_assert_uint_eq(strlen(f->dims[0].key), 2 + VG_SAPDF_DIGITS);
	vg_free(big);
	vg_free(f);
}
END_TEST

/* Many PDF parts in one message: all counted, VG_SAPDF_PARTS read. */
START_TEST(test_rules_sapdf_many_parts)
{
	static const char src[] = "vigil_compat spamassassin\n"
	                          "body C20 eval:pdf_count(20,20)\n"
	                          "body N9 eval:pdf_named('p9.pdf')\n"
	                          "body N1 eval:pdf_named('p1.pdf')\n";
	struct vg_rules *r = load(src);
	struct vg_rules_hits *h;
	char *msg = vg_malloc(64 * 1024);
	size_t i;

	ck_assert_ptr_nonnull(msg);
	snprintf(msg, 64 * 1024, "%s",
	    "From: a@example.org\nSubject: x\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=B\n\n");
	for (i = 0; i < 20; i++)
		snprintf(msg + strlen(msg), 256,
		    "--B\nContent-Type: application/pdf; name=p%zu.pdf\n\n"
		    "%%PDF-1.4\nx\n",
		    i);
	snprintf(msg + strlen(msg), 64, "--B--\n");
	h = run_msg(r, NULL, msg, strlen(msg));
	ck_assert(hit(r, h, "C20"));
	ck_assert(hit(r, h, "N1"));
	ck_assert(!hit(r, h, "N9")); /* past VG_SAPDF_PARTS */
	vg_rules_hits_free(h);
	vg_rules_free(r);
	vg_free(msg);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("rules_sapdf");
	TCase *tc = tcase_create("core");

	if (vg_text_global_init() != 0)
		abort();
	tcase_add_loop_test(tc, test_rules_sapdf_messages, 0,
	    (int)(sizeof(pdf_cases) / sizeof(pdf_cases[0])));
	tcase_add_test(tc, test_rules_sapdf_args);
	tcase_add_test(tc, test_rules_sapdf_scan);
	tcase_add_test(tc, test_rules_sapdf_magic);
	tcase_add_test(tc, test_rules_sapdf_limits);
	tcase_add_test(tc, test_rules_sapdf_many_parts);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(suite)
