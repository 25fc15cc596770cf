/* SPDX-License-Identifier: GPL-2.0-only */
/* test_html - HTML rendering, hidden text, link mismatches, folding */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "vg_guard.h"
#include "vg_check.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "message/html.h"
#include "message/mime.h"
#include "message/uri.h"

/* One rendering: text, links and counts. */
struct out {
	struct vg_buf text;
	struct vg_uri_list uris;
	struct vg_text_html st;
	int rc;
};

/* render - render html (read from against a guard page) into o */
static void
render(struct out *o, const char *html, size_t max)
{
	struct vg_html_fold f;
	struct vg_guarded g;
	size_t len = strlen(html);

	memset(o, 0, sizeof(*o));
	vg_buf_init(&o->text, max);
	vg_uri_list_init(&o->uris, 100);
	vg_html_fold_init(&f, &o->text);
	vg_guard(&g, html, len);
	o->rc = vg_html_render(&f, &o->uris, &o->st, g.p, len);
	vg_unguard(&g);
}

/* done - free a rendering */
static void
done(struct out *o)
{
	vg_buf_fini(&o->text);
	vg_uri_list_fini(&o->uris);
}

/* has_uri - whether the rendering found link u */
static bool
has_uri(const struct out *o, const char *u)
{
	size_t i;

	for (i = 0; i < o->uris.n; i++) {
		if (strcmp(o->uris.v[i], u) == 0)
			return true;
	}
	return false;
}

#define CHECK_TEXT(o, want)                                                    \
	ck_assert_msg(strcmp(vg_buf_cstr(&(o)->text), (want)) == 0,            \
	    "got \"%s\", want \"%s\"", vg_buf_cstr(&(o)->text), (want))

START_TEST(test_html_drops_style_script_head)
{
	struct out o;

	render(&o,
	    "<html><head><title>Title</title><style>p {color:red}</style>"
	    "</head><body><p>Hello&nbsp;&amp;&lt;world&gt;</p>"
	    "<script>var x = 1;</script><div>Second   \n para</div>"
	    "caf&eacute; &#8364; &#x263A;<!-- a comment --></body></html>",
	    4096);
	ck_assert_int_eq(o.rc, 0);
	CHECK_TEXT(&o,
	    "Hello &<world>\nSecond para\ncaf\xc3\xa9 \xe2\x82\xac "
	    "\xe2\x98\xba\n");
	ck_assert_uint_eq(o.st.scripts, 1);
	ck_assert_uint_eq(o.st.parts, 1);
	done(&o);
}
END_TEST

/* Words split by comments, zero-width characters and inline tags join. */
START_TEST(test_html_obfuscated_words_join)
{
	struct out o;

	render(&o,
	    "<p>Vi<!-- x -->agra C&#8203;i&shy;al<b>is</b> "
	    "Le&#xFEFF;vi<span>tra</span></p><table><tr><td>a</td><td>b</td>"
	    "</tr><tr><td>c</td></tr></table>line<br>joined<br><br>new<br>\n"
	    "<br>para",
	    4096);
	ck_assert_int_eq(o.rc, 0);
	CHECK_TEXT(
	    &o, "Viagra Cialis Levitra\na b\nc\nline joined\nnew\npara\n");
	done(&o);
}
END_TEST

START_TEST(test_html_hidden_text)
{
	struct out o;

	render(&o,
	    "<p>Visible</p><div style=\"display:none\">secret words</div>"
	    "<span style=\"Visibility : Hidden\">more</span><p hidden>x</p>"
	    "<div style=\"opacity:0\">op</div>",
	    4096);
	ck_assert_int_eq(o.rc, 0);
	CHECK_TEXT(&o, "Visible\n");
	ck_assert_uint_eq(o.st.hidden_chars, 18);
	ck_assert_uint_eq(o.st.visible_chars, 7);
	done(&o);
}
END_TEST

START_TEST(test_html_tiny_and_low_contrast)
{
	struct out o;

	render(&o,
	    "<body bgcolor=\"#FFFFFF\"><span "
	    "style=\"font-size:1px\">tiny</span>"
	    "<font style=\"font-size: 0.1em\">t2</font>"
	    "<font color=\"#fffffe\">pale</font> shown "
	    "<div style=\"background-color:black;color:#010101\">dark</div>"
	    "<span style=\"font-size:12px;color:white\">white</span>"
	    "<span style=\"font-size:12px\">normal</span></body>",
	    4096);
	ck_assert_int_eq(o.rc, 0);
	CHECK_TEXT(&o, "shown\nnormal\n");
	ck_assert_uint_eq(o.st.tiny_chars, 6);
	ck_assert_uint_eq(o.st.low_contrast_chars, 13);
	done(&o);
}
END_TEST

/* Classes a <style> sheet hides or shrinks hide their elements' text. */
START_TEST(test_html_hidden_class)
{
	struct out o;

	render(&o,
	    "<html><head><style>.h{display:none} p.t, .x{font-size:1px} "
	    "@media screen { .m { visibility:hidden } } .v{color:red} "
	    "a:hover{display:none}</style></head><body><p>shown</p>"
	    "<div class=\"a h\">secret</div><p class=t>tiny</p>"
	    "<span class=m>media</span><span class=\"v hh\">red</span>"
	    "</body></html>",
	    4096);
	ck_assert_int_eq(o.rc, 0);
	CHECK_TEXT(&o, "shown\nred\n");
	ck_assert_uint_eq(o.st.hidden_chars, 11);
	ck_assert_uint_eq(o.st.tiny_chars, 4);
	done(&o);
}
END_TEST

/* Past the style sheet limits, classes are not recognised (documented). */
START_TEST(test_html_style_limits)
{
	struct vg_buf in;
	struct out o;
	int i;

	vg_buf_init(&in, 1 << 20);
	ck_assert_int_eq(
	    vg_buf_append_str(&in, "<style>.early{display:none}"), 0);
	for (i = 0; i < VG_HTML_MAX_CLASSES; i++)
		ck_assert_int_eq(
		    vg_buf_printf(&in, ".c%d{display:none}", i), 0);
	while (in.len < VG_HTML_STYLE_MAX)
		ck_assert_int_eq(vg_buf_append_str(&in, ".pad{color:red} "), 0);
	ck_assert_int_eq(vg_buf_append_str(&in,
	                     ".late{display:none}</style>"
	                     "<p class=early>a</p><p class=c0>b</p>"
	                     "<p class=c63>c</p><p class=late>d</p>"),
	    0);
	render(&o, vg_buf_cstr(&in), 4096);
	ck_assert_int_eq(o.rc, 0);
	/* early and c0..c62 fit in the class table; c63 and late do not. */
	CHECK_TEXT(&o, "c\nd\n");
	ck_assert_uint_eq(o.st.hidden_chars, 2);
	done(&o);
	vg_buf_fini(&in);
}
END_TEST

/*
 * A hiding class is recognised by a name of at most
 * VG_HTML_CLASS_NAME_MAX bytes; a longer one is not, so its text is
 * visible (rendered and counted as ordinary text).
 */
START_TEST(test_html_class_name_limit)
{
	char ok[VG_HTML_CLASS_NAME_MAX + 1], longer[VG_HTML_CLASS_NAME_MAX + 2];
	char in[1024];
	struct out o;

	memset(ok, 'k', sizeof(ok) - 1);
	ok[sizeof(ok) - 1] = '\0';
	memset(longer, 'l', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	snprintf(in, sizeof(in),
	    "<style>.%s{display:none} .%s{display:none}</style>"
	    "<p class=%s>hid</p><p class=%s>seen</p>",
	    ok, longer, ok, longer);
	render(&o, in, 4096);
	ck_assert_int_eq(o.rc, 0);
	CHECK_TEXT(&o, "seen\n");
	ck_assert_uint_eq(o.st.hidden_chars, 3);
	done(&o);
}
END_TEST

/* Text over a background image is not low contrast: its colour is unknown. */
START_TEST(test_html_background_image)
{
	struct out o;

	render(&o,
	    "<body bgcolor=\"#ffffff\" background=\"http://i.example/d.gif\">"
	    "<font color=\"#ffffff\">on image</font>"
	    "<div style=\"background: #fff url(x.gif)\"><font color=white>"
	    "css image</font></div></body>",
	    4096);
	ck_assert_int_eq(o.rc, 0);
	CHECK_TEXT(&o, "on image\ncss image\n");
	ck_assert_uint_eq(o.st.low_contrast_chars, 0);
	ck_assert(has_uri(&o, "http://i.example/d.gif"));
	done(&o);
}
END_TEST

/* Anchor text that names another site than the href is counted. */
START_TEST(test_html_link_mismatch)
{
	struct out o;

	render(&o,
	    "<a href=\"http://evil.example/login\">http://www.paypal.com/</a>"
	    "<a href=\"http://www.paypal.com/x\">www.paypal.com</a>"
	    "<a href=\"http://paypal.com\">click here</a>"
	    "<a href=\"http://3232235777/\">PayPal.com</a>"
	    "<a href=\"http://login.paypal.com/\">paypal.com</a>"
	    "<a name=\"anchor\">no href</a>",
	    4096);
	ck_assert_int_eq(o.rc, 0);
	ck_assert_uint_eq(o.st.links, 5);
	ck_assert_uint_eq(o.st.link_mismatch, 2);
	ck_assert(has_uri(&o, "http://192.168.1.1/"));
	done(&o);
}
END_TEST

/* An anchor with no text before any output (found by fuzz_html/UBSan). */
START_TEST(test_html_empty_anchor)
{
	struct out o;

	render(&o, "<a href=\"http://x.example/\">  </a>", 4096);
	ck_assert_int_eq(o.rc, 0);
	CHECK_TEXT(&o, "");
	ck_assert_uint_eq(o.st.links, 1);
	ck_assert_uint_eq(o.st.link_mismatch, 0);
	done(&o);
}
END_TEST

/* Links come from href, src, action and background attributes. */
START_TEST(test_html_attribute_links)
{
	struct out o;

	render(&o,
	    "<img src=\"http://IMG.example/a.gif\"><form "
	    "action=\"hxxp://form.example/post\"><table><tr><td "
	    "background=\"http://bg.example/x.jpg\">x</td></tr></table></form>"
	    "<a href=\"mailto:Someone@Example.COM\">mail</a>"
	    "<a href=\"javascript:void(0)\">js</a><a href=\"#top\">top</a>"
	    "<iframe src=\"http://frame.example/\"></iframe>",
	    4096);
	ck_assert_int_eq(o.rc, 0);
	ck_assert(has_uri(&o, "http://img.example/a.gif"));
	ck_assert(has_uri(&o, "http://form.example/post"));
	ck_assert(has_uri(&o, "http://bg.example/x.jpg"));
	ck_assert(has_uri(&o, "mailto:Someone@example.com"));
	ck_assert(has_uri(&o, "http://frame.example/"));
	ck_assert_uint_eq(o.uris.n, 5);
	ck_assert_uint_eq(o.st.images, 1);
	ck_assert_uint_eq(o.st.forms, 1);
	ck_assert_uint_eq(o.st.iframes, 1);
	done(&o);
}
END_TEST

/* The part is UTF-8 already: a meta charset must not re-decode it. */
START_TEST(test_html_meta_charset_ignored)
{
	struct out o;

	render(&o,
	    "<html><head><meta http-equiv=\"Content-Type\" "
	    "content=\"text/html; charset=iso-8859-1\"></head>"
	    "<body>caf\xc3\xa9</body></html>",
	    4096);
	CHECK_TEXT(&o, "caf\xc3\xa9\n");
	done(&o);
}
END_TEST

START_TEST(test_html_broken_markup)
{
	struct out o;

	render(&o,
	    "<p>unclosed <b>bold <i>italic</p> text</div></span><<>>&bogus; "
	    "&#0; &#xffffffff; <a href=\"http://x.example/\"><a href=>"
	    "</a",
	    4096);
	ck_assert_int_eq(o.rc, 0);
	ck_assert_ptr_nonnull(
	    strstr(vg_buf_cstr(&o.text), "unclosed bold italic"));
	ck_assert_ptr_nonnull(strstr(vg_buf_cstr(&o.text), "text"));
	done(&o);
}
END_TEST

/* Nesting deeper than the frame stack keeps the ancestor's visibility. */
START_TEST(test_html_deep_nesting)
{
	struct vg_buf in;
	struct out o;
	int i;

	vg_buf_init(&in, 1 << 20);
	ck_assert_int_eq(vg_buf_append_str(&in,
	                     "<p>top</p>"
	                     "<div style=\"display:none\">"),
	    0);
	for (i = 0; i < 3 * VG_HTML_MAX_DEPTH; i++)
		ck_assert_int_eq(vg_buf_append_str(&in, "<span>"), 0);
	ck_assert_int_eq(vg_buf_append_str(&in, "deep"), 0);
	for (i = 0; i < 3 * VG_HTML_MAX_DEPTH; i++)
		ck_assert_int_eq(vg_buf_append_str(&in, "</span>"), 0);
	ck_assert_int_eq(vg_buf_append_str(&in, "</div><p>after</p>"), 0);
	render(&o, vg_buf_cstr(&in), 4096);
	ck_assert_int_eq(o.rc, 0);
	CHECK_TEXT(&o, "top\nafter\n");
	ck_assert_uint_eq(o.st.hidden_chars, 4);
	done(&o);
	vg_buf_fini(&in);
}
END_TEST

/* The text limit stops rendering with VG_ELIMIT and keeps what fit. */
START_TEST(test_html_text_limit)
{
	struct out o;

	render(&o, "<p>0123456789 abcdefghij</p><p>more</p>", 12);
	ck_assert_int_eq(o.rc, VG_ELIMIT);
	ck_assert_uint_le(o.text.len, 12);
	ck_assert(strncmp(vg_buf_cstr(&o.text), "0123456789", 10) == 0);
	done(&o);
}
END_TEST

/*
 * text/plain folding: lines join, a blank line ends a paragraph, and a
 * paragraph keeps one blank at its start and end where the text had
 * blanks there, as SpamAssassin 4.0.1's body lines do for this text:
 * " a b\n", " c d \n", "e fg\n" (its get_rendered_body_text_array; it
 * keeps the zero-width space, Vigil drops it).
 */
START_TEST(test_html_fold_plain)
{
	struct vg_buf b;
	struct vg_html_fold f;
	const char *t = "  a\nb\n\n c \t d\r\n \r\ne\xc2\xa0"
	                "f\xe2\x80\x8bg\n\n\n";

	vg_buf_init(&b, 100);
	vg_html_fold_init(&f, &b);
	ck_assert_uint_eq(vg_html_fold_text(&f, t, strlen(t), true), 7);
	vg_html_fold_para(&f);
	ck_assert_str_eq(vg_buf_cstr(&b), " a b\n c d \ne fg\n");
	vg_buf_fini(&b);
}
END_TEST

/*
 * The end of a text/plain part: one blank kept when blanks stood before
 * its first line end ("Answer! \n" is SpamAssassin's line "Answer! "),
 * none when the line ended at once.
 */
START_TEST(test_html_fold_end_lines)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"Answer! \n", "Answer! \n"},
	    {"Answer!\n", "Answer!\n"},
	    {"Answer!  ", "Answer! \n"},
	    {"Answer!\n  \n", "Answer!\n"},
	    {"Answer! \n\nNext\n", "Answer! \nNext\n"},
	    {"", ""},
	};
	struct vg_buf b;
	struct vg_html_fold f;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vg_buf_init(&b, 100);
		vg_html_fold_init(&f, &b);
		vg_html_fold_text(&f, cases[i].in, strlen(cases[i].in), true);
		vg_html_fold_end_lines(&f);
		ck_assert_msg(strcmp(vg_buf_cstr(&b), cases[i].want) == 0,
		    "case %zu: got \"%s\"", i, vg_buf_cstr(&b));
		vg_buf_fini(&b);
	}
}
END_TEST

/* Every allocation failure gives VG_ENOMEM and leaks nothing (ASan). */
START_TEST(test_html_alloc_failure)
{
	const char *html = "<p>text <a href=\"http://a.example/\">www.b.example"
	                   "</a> <img src=\"http://c.example/i.gif\"></p>";
	struct vg_buf b;
	struct vg_html_fold f;
	struct vg_uri_list l;
	struct vg_text_html st;
	unsigned long n;
	int rc;

	for (n = 1;; n++) {
		memset(&st, 0, sizeof(st));
		vg_buf_init(&b, 4096);
		vg_uri_list_init(&l, 10);
		vg_html_fold_init(&f, &b);
		vg_alloc_fail_at(n);
		rc = vg_html_render(&f, &l, &st, html, strlen(html));
		vg_alloc_fail_at(0);
		vg_buf_fini(&b);
		vg_uri_list_fini(&l);
		if (rc == 0)
			break;
		ck_assert_msg(rc == VG_ENOMEM, "fail at %lu: got %d, want %d",
		    n, rc, VG_ENOMEM);
		ck_assert_uint_lt(n, 100);
	}
	ck_assert_uint_gt(n, 3);
}
END_TEST

/* html_suite - the suite */
/*
 * A paragraph's leading blank, as SpamAssassin 4.0.1's HTML.pm keeps it
 * (checked with get_decoded_stripped_body_text_array): a text chunk's
 * blanks fold to one and a leading one goes only right after a
 * whitespace tag (p, br, div, td, ...).  So "<body>\nHello" gives
 * " Hello", and text after "</p>\n<font>\n</font>\n" (a blank chunk
 * between) starts with a blank (the corpus' spam_2.00813: its tracking
 * id after </html> is " xgcq...", so TRACKER_ID's /^[a-z0-9]{6,24}.../
 * misses), while "</p>\nabc" gives "abc".
 */
START_TEST(test_html_sa_leading_blank)
{
	struct out o;

	render(&o, "<html>\n<body>\nHello world\n<p>para two</p></body></html>",
	    4096);
	ck_assert_int_eq(o.rc, 0);
	CHECK_TEXT(&o, " Hello world\npara two\n");
	done(&o);
	render(&o, "<p>x</p>\n<font>\n</font>\n xgcq\n", 4096);
	ck_assert_int_eq(o.rc, 0);
	CHECK_TEXT(&o, "x\n xgcq\n");
	done(&o);
	render(&o, "<p>x</p>\nabc", 4096);
	ck_assert_int_eq(o.rc, 0);
	CHECK_TEXT(&o, "x\nabc\n");
	done(&o);
	/* libxml2 gives "&nbsp; abc" in two calls: one chunk for SA */
	render(&o, "<p>x</p>&nbsp; abc", 4096);
	ck_assert_int_eq(o.rc, 0);
	CHECK_TEXT(&o, "x\nabc\n");
	done(&o);
}
END_TEST

static Suite *
html_suite(void)
{
	Suite *s = suite_create("html");
	TCase *tc;

	xmlInitParser();
	if (vg_mime_global_init() != 0)
		abort();
	tc = tcase_create("render");
	tcase_add_test(tc, test_html_drops_style_script_head);
	tcase_add_test(tc, test_html_obfuscated_words_join);
	tcase_add_test(tc, test_html_meta_charset_ignored);
	tcase_add_test(tc, test_html_broken_markup);
	tcase_add_test(tc, test_html_fold_plain);
	tcase_add_test(tc, test_html_fold_end_lines);
	suite_add_tcase(s, tc);
	tc = tcase_create("signals");
	tcase_add_test(tc, test_html_hidden_text);
	tcase_add_test(tc, test_html_tiny_and_low_contrast);
	tcase_add_test(tc, test_html_background_image);
	tcase_add_test(tc, test_html_hidden_class);
	tcase_add_test(tc, test_html_link_mismatch);
	tcase_add_test(tc, test_html_empty_anchor);
	tcase_add_test(tc, test_html_attribute_links);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_html_deep_nesting);
	tcase_add_test(tc, test_html_text_limit);
	tcase_add_test(tc, test_html_style_limits);
	tcase_add_test(tc, test_html_class_name_limit);
	tcase_add_test(tc, test_html_alloc_failure);
	tcase_add_test(tc, test_html_sa_leading_blank);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(html_suite)
