/* SPDX-License-Identifier: GPL-2.0-only */
/* test_rules_parse - every directive, every error path, SpamAssassin mode */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "message/attach.h"
#include "base/err.h"
#include "policy/lists.h"
#include "policy/policy.h"
#include "rules/rules.h"

#define DATA VG_SOURCE_DIR "/tests/unit/data/rules/"

/* parse - vg_rules_parse() of a C string named "t.rules" */
static int
parse(struct vg_rules **out, const char *text, struct vg_err *err)
{
	vg_err_init(err);
	return vg_rules_parse(out, text, strlen(text), "t.rules", err);
}

/* Each input must fail with exactly this first error line. */
static const struct {
	const char *in;
	const char *want;
} errors[] = {
    {"frobnicate X\n", "t.rules:1: unknown directive 'frobnicate'"},
    {"\nbody A /x\n", "t.rules:2: body A: regex has no closing '/'"},
    {"body A /x(/\n",
        "t.rules:1: body A: bad regex at offset 2: missing closing "
        "parenthesis"},
    {"body A /x/q\n", "t.rules:1: body A: unknown regex flag 'q'"},
    {"body A x\n", "t.rules:1: body A: expected /regex/"},
    {"body A /x/ trailing\n",
        "t.rules:1: body A: unexpected text after the regex"},
    {"body A\n", "t.rules:1: body A: missing definition"},
    {"body A-B /x/\n", "t.rules:1: body: bad rule name 'A-B'"},
    {"body A /x/\nbody A /y/\n",
        "t.rules:2: body A: duplicate rule name (first defined at "
        "t.rules:1)"},
    {"body A eval:check_foo()\n",
        "t.rules:1: body A: eval: tests are SpamAssassin's (use "
        "vigil_compat spamassassin to run them)"},
    {"header A Subject /x/\n",
        "t.rules:1: header A: expected =~ or !~ after the header name"},
    {"header A Subject:foo =~ /x/\n",
        "t.rules:1: header A: unknown header modifier ':foo'"},
    {"header A Subject =~ /x/ junk\n",
        "t.rules:1: header A: unexpected text after the regex"},
    {"header A X-Spam-DKIM =~ /x/\n",
        "t.rules:1: header A: pseudo-header X-Spam-DKIM is "
        "SpamAssassin's own"},
    {"header A X-Spam-Relays-Elsewhere =~ /x/\n",
        "t.rules:1: header A: pseudo-header X-Spam-Relays-Elsewhere is "
        "SpamAssassin's own"},
    {"header A exists:\n",
        "t.rules:1: header A: exists: needs one "
        "header name"},
    {"meta A (B\n", "t.rules:1: meta A: missing ')' in meta expression"},
    {"meta A B)\n", "t.rules:1: meta A: unbalanced ')' in meta expression"},
    {"meta A B &&\n", "t.rules:1: meta A: meta expression ends early"},
    {"meta A B C\n",
        "t.rules:1: meta A: operator expected in meta "
        "expression"},
    {"meta A B $ C\n",
        "t.rules:1: meta A: operator expected in meta "
        "expression"},
    {"meta A && B\n",
        "t.rules:1: meta A: operand expected in meta "
        "expression"},
    {"meta A NOPE\n", "t.rules:1: meta A: unknown rule 'NOPE'"},
    {"meta A B\nmeta B A\n", "t.rules:1: meta A: depends on itself"},
    {"score A\n", "t.rules:1: score A: takes 1 or 4 numbers, got 0"},
    {"score A 1 2\n", "t.rules:1: score A: takes 1 or 4 numbers, got 2"},
    {"score A 1 2 3 4 5\n", "t.rules:1: score A: more than 4 numbers"},
    {"score A x\n", "t.rules:1: score A: bad number 'x': not a number"},
    {"score 1-2 1\n", "t.rules:1: score: bad rule name '1-2'"},
    {"describe\n", "t.rules:1: describe: bad rule name ''"},
    {"tflags -x nice\n", "t.rules:1: tflags: bad rule name '-x'"},
    {"required_score five\n",
        "t.rules:1: required_score: bad number 'five': not a number"},
    {"reject_score\n",
        "t.rules:1: reject_score: bad number '': not a "
        "number"},
    {"include\n", "t.rules:1: include: missing file name"},
    {"include nonexistent.rules\n",
        "t.rules:1: include nonexistent.rules: No such file or directory"},
    {"rewrite_header From [SPAM]\n",
        "t.rules:1: rewrite_header: only Subject can be rewritten, not "
        "'From'"},
    {"dnsbl 1.2 zen.example\n", "t.rules:1: dnsbl: bad name '1.2'"},
    {"dnsbl ZEN zen..example\n",
        "t.rules:1: dnsbl ZEN: bad zone 'zen..example'"},
    {"uribl URIBL uribl.example 127.0.0.256\n",
        "t.rules:1: uribl URIBL: bad answers '127.0.0.256': bad address in "
        "ANSWERS"},
    {"dnsbl ZEN zen.example 127.0.0.2 x\n",
        "t.rules:1: dnsbl ZEN: unexpected text 'x'"},
    {"body ZEN /x/\ndnsbl ZEN zen.example\n",
        "t.rules:2: dnsbl ZEN: name already defined"},
    {"dnsbl ZEN zen.example\nbody ZEN /x/\n",
        "t.rules:2: body ZEN: name already declared by dnsbl/uribl"},
    {"vigil_compat perl\n",
        "t.rules:1: vigil_compat: unknown mode 'perl' (spamassassin or "
        "none)"},
    {"vigil_match_limit 0\n",
        "t.rules:1: vigil_match_limit: bad number '0': out of range"},
    {"vigil_depth_limit lots\n",
        "t.rules:1: vigil_depth_limit: bad number 'lots': not a number"},
    {"ifplugin Mail::SpamAssassin::Plugin::Foo\n",
        "t.rules:1: ifplugin: SpamAssassin plugin blocks need vigil_compat "
        "spamassassin (Vigil's own rules have \"if spamassassin\" and \"if "
        "!spamassassin\")"},
    /* Vigil's own rules have one condition. */
    {"if (version >= 3)\n",
        "t.rules:1: if: SpamAssassin plugin blocks need vigil_compat "
        "spamassassin (Vigil's own rules have \"if spamassassin\" and \"if "
        "!spamassassin\")"},
    {"if spamassassin\n", "t.rules:2: end of file inside an if block"},
    {"vigil_compat spamassassin\nendif\n", "t.rules:2: endif without if"},
    {"vigil_compat spamassassin\nelse\n", "t.rules:2: else without if"},
    {"vigil_compat spamassassin\nif (version >= 3)\n",
        "t.rules:3: end of file inside an if block"},
    {"body A /a\0b/\n", "t.rules:1: NUL byte in line"},
    /* The policy directives (policy_parse.c) through this parser. */
    {"allow_client 10.0.0.0/33\n",
        "t.rules:1: allow_client: '10.0.0.0/33': prefix length must be "
        "0 to 32"},
    {"block_client example.com\n",
        "t.rules:1: block_client: 'example.com': not an IPv4 or IPv6 "
        "address"},
    {"body A /a/\nblock_from nobody\n",
        "t.rules:2: block_from: 'nobody': want user@domain, @domain, "
        "@.domain, user@ or <>"},
    {"allow_rcpt\n", "t.rules:1: allow_rcpt: no entries"},
    {"block_action maybe\n", "t.rules:1: block_action: want reject or score"},
    {"attach_ban_ext e/x\n",
        "t.rules:1: attach_ban_ext: 'e/x': an extension holds letters, "
        "digits, _ - ~ $"},
    {"attach_allow_type text\n",
        "t.rules:1: attach_allow_type: 'text': want type/subtype or "
        "type/*"},
    {"attach_action ATTACH_NOPE reject\n",
        "t.rules:1: attach_action: 'ATTACH_NOPE' is not an ATTACH_* "
        "symbol"},
    {"attach_action explode\n",
        "t.rules:1: attach_action: 'explode': want reject, quarantine or "
        "score"},
    {"attach_action\n",
        "t.rules:1: attach_action: want [SYMBOL] reject|quarantine|score"},
    /* Compat mode skips unknown directives, never policy ones. */
    {"vigil_compat spamassassin\nblock_action maybe\n",
        "t.rules:2: block_action: want reject or score"},
};

/* first_line - the first line of an error text, copied into buf */
static const char *
first_line(const char *text, char *buf, size_t len)
{
	size_t n = strcspn(text, "\n");

	if (n >= len)
		n = len - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
	return buf;
}

START_TEST(test_rules_parse_errors)
{
	struct vg_rules *r = (struct vg_rules *)1;
	struct vg_err err;
	char got[512];
	size_t len = strlen(errors[_i].in);
	int rc;

	/* The NUL case: the length runs past the NUL to the newline. */
	if (strstr(errors[_i].want, "NUL") != NULL)
		len = 12;
	vg_err_init(&err);
	rc = vg_rules_parse(&r, errors[_i].in, len, "t.rules", &err);
	ck_assert_msg(rc == VG_ECONFIG, "%s: got rc %d, want VG_ECONFIG",
	    errors[_i].in, rc);
	ck_assert_msg(r == NULL, "got rules, want NULL on error");
	first_line(vg_err_text(&err), got, sizeof(got));
	ck_assert_msg(strcmp(got, errors[_i].want) == 0,
	    "input %s: got \"%s\", want \"%s\"", errors[_i].in, got,
	    errors[_i].want);
}
END_TEST

START_TEST(test_rules_parse_reports_every_error)
{
	struct vg_rules *r;
	struct vg_err err;
	const char *text = "bogus 1\nbody A /(/\nscore B x\nmeta C NOPE\n";

	ck_assert_int_eq(parse(&r, text, &err), VG_ECONFIG);
	ck_assert_msg(err.count == 4, "got %u errors, want 4: %s", err.count,
	    vg_err_text(&err));
	ck_assert_ptr_nonnull(strstr(vg_err_text(&err), "t.rules:4: meta C"));
}
END_TEST

/* Policy errors count with the others: one load reports all of them. */
START_TEST(test_rules_parse_policy_every_error)
{
	struct vg_rules *r = (struct vg_rules *)1;
	struct vg_err err;
	const char *text = "block_from bad\nbogus 1\nattach_action nope\n"
	                   "allow_client 10.0.0.1 300.1.1.1 ::1/200\n";

	ck_assert_int_eq(parse(&r, text, &err), VG_ECONFIG);
	ck_assert_ptr_null(r);
	ck_assert_msg(err.count == 5, "got %u errors, want 5: %s", err.count,
	    vg_err_text(&err));
	ck_assert_ptr_nonnull(strstr(vg_err_text(&err),
	    "t.rules:4: allow_client: '300.1.1.1': not an IPv4 or IPv6 "
	    "address"));
	ck_assert_ptr_nonnull(strstr(vg_err_text(&err),
	    "t.rules:4: allow_client: '::1/200': prefix length must be 0 "
	    "to 128"));
}
END_TEST

START_TEST(test_rules_parse_line_too_long)
{
	struct vg_rules *r;
	struct vg_err err;
	size_t n = VG_RULES_LINE_MAX + 20;
	char *text = malloc(n + 1);

	ck_assert_ptr_nonnull(text);
	memcpy(text, "body A /", 8);
	memset(text + 8, 'a', n - 8);
	text[n - 2] = '/';
	text[n - 1] = '\n';
	text[n] = '\0';
	ck_assert_int_eq(parse(&r, text, &err), VG_ECONFIG);
	ck_assert_str_eq(vg_err_text(&err),
	    "t.rules:1: line too long (limit 32768 bytes)\n");
	free(text);
}
END_TEST

START_TEST(test_rules_parse_meta_limits)
{
	struct vg_rules *r = NULL;
	struct vg_err err;
	char *text;
	size_t i, n;

	/* 64 nested parentheses are fine, 65 are not. */
	text = malloc(4096);
	ck_assert_ptr_nonnull(text);
	for (n = 64; n <= 65; n++) {
		size_t len = 0;

		len += (size_t)snprintf(text, 4096, "body A /a/\nmeta M ");
		for (i = 0; i < n; i++)
			text[len++] = '(';
		text[len++] = 'A';
		for (i = 0; i < n; i++)
			text[len++] = ')';
		text[len++] = '\n';
		text[len] = '\0';
		if (n == 64) {
			ck_assert_int_eq(parse(&r, text, &err), 0);
			vg_rules_free(r);
		} else {
			ck_assert_int_eq(parse(&r, text, &err), VG_ECONFIG);
			ck_assert_str_eq(vg_err_text(&err),
			    "t.rules:2: meta M: meta expression nested too "
			    "deep\n");
		}
	}
	free(text);
	/* 1024 tokens are the most an expression may hold. */
	text = malloc(16384);
	ck_assert_ptr_nonnull(text);
	for (n = 510; n <= 511; n++) {
		size_t len =
		    (size_t)snprintf(text, 16384, "body A /a/\nmeta M A");

		/* "A" then n - 1 times "+A", then "> 0 == 1": 2n + 3 tokens. */
		for (i = 1; i < n; i++)
			len += (size_t)snprintf(text + len, 16384 - len, "+A");
		len += (size_t)snprintf(text + len, 16384 - len, " > 0 == 1\n");
		if (n == 510) {
			ck_assert_msg(parse(&r, text, &err) == 0, "%s",
			    vg_err_text(&err));
			vg_rules_free(r);
		} else {
			ck_assert_int_eq(parse(&r, text, &err), VG_ECONFIG);
			ck_assert_str_eq(vg_err_text(&err),
			    "t.rules:2: meta M: meta expression too long\n");
		}
	}
	free(text);
}
END_TEST

START_TEST(test_rules_parse_compat_off)
{
	struct vg_rules *r = NULL;
	struct vg_err err;

	/* vigil_compat none: strict again for the rest of the file. */
	ck_assert_int_eq(parse(&r,
	                     "vigil_compat spamassassin\nlang de x\n"
	                     "vigil_compat none\nlang de y\n",
	                     &err),
	    VG_ECONFIG);
	ck_assert_str_eq(
	    vg_err_text(&err), "t.rules:4: unknown directive 'lang'\n");
	/* required_hits is SpamAssassin's name for required_score. */
	ck_assert_int_eq(parse(&r, "required_hits 7\n", &err), 0);
	ck_assert(vg_rules_required_score(r) == 7.0);
	vg_rules_free(r);
}
END_TEST

START_TEST(test_rules_parse_directives)
{
	static const char text[] =
	    "# a comment\n"
	    "header   SUBJ_CAPS  Subject =~ /^[^a-z]{10,}$/\n"
	    "header   NO_DATE    Date !~ /./ [if-unset: ]\n"
	    "header   FROM_ADDR  From:addr =~ /\\@example\\.com$/i\n"
	    "header   FROM_NAME  From:name =~ /bob/i\n"
	    "header   SUBJ_RAW   Subject:raw =~ /=\\?/\n"
	    "header   ANY_HDR    ALL =~ /^X-Mailer: /m\n"
	    "header   TOCC       ToCc =~ /,.*,/\n"
	    "header   HAS_XM     exists:X-Mailer\n"
	    "header   ENVF       EnvelopeFrom =~ /\\@/\n"
	    "header   MSGID      MESSAGEID =~ /^<.+\\@.+>$/\n"
	    "body     MILLION    /\\bmillion (?:us )?dollars\\b/i  # why\n"
	    "rawbody  FONT_BIG   /<font[^>]+size=[\"']?[67]/i\n"
	    "uri      NUM_IP     m{^https?://\\d+\\.\\d+\\.\\d+\\.\\d+}\n"
	    "full     FULL_X     /^X-Foo: \\#1/m\n"
	    "body     __SUB      /sub/sx\n"
	    "meta     COMBO      (SUBJ_CAPS && MILLION) || __SUB + 1 > 2\n"
	    "meta     WITH_SPF   SPF_FAIL && !ZEN\n"
	    "score    SUBJ_CAPS  1.5\n"
	    "score    MILLION    2.0 2.1 2.2 2.3\n"
	    "score    FONT_BIG   (0.5)\n"
	    "score    UNDEFINED  3\n"
	    "score    SPF_FAIL   3.0\n"
	    "score    ZEN        2.5\n"
	    "tflags   NUM_IP     nice net\n"
	    "describe SUBJ_CAPS  Subject is all capitals\n"
	    "required_score 6.5\n"
	    "reject_score   20\n"
	    "rewrite_header Subject [SPAM]\n"
	    "dnsbl    ZEN        zen.example 127.0.0.2,127.0.0.10/31\n"
	    "uribl    DBL        dbl.example\n"
	    "vigil_match_limit 5000\n"
	    "vigil_depth_limit 100\n";
	struct vg_rules *r = NULL;
	struct vg_rules_stats st;
	const struct vg_rules_dnsbl *d;
	struct vg_err err;

	ck_assert_msg(parse(&r, text, &err) == 0, "got %s", vg_err_text(&err));
	vg_rules_stats(r, &st);
	ck_assert_uint_eq(st.rules[VG_RULE_HEADER], 10);
	ck_assert_uint_eq(st.rules[VG_RULE_BODY], 2);
	ck_assert_uint_eq(st.rules[VG_RULE_RAWBODY], 1);
	ck_assert_uint_eq(st.rules[VG_RULE_URI], 1);
	ck_assert_uint_eq(st.rules[VG_RULE_FULL], 1);
	ck_assert_uint_eq(st.rules[VG_RULE_META], 2);
	ck_assert_uint_eq(st.subrules, 1);
	ck_assert_uint_eq(st.unknown_scores, 1);
	ck_assert_uint_eq(st.dnsbl, 1);
	ck_assert_uint_eq(st.uribl, 1);
	ck_assert_uint_eq(st.files, 1);
	ck_assert(vg_rules_score(r, "SUBJ_CAPS", 0) == 1.5);
	ck_assert(vg_rules_score(r, "MILLION", 0) == 2.0);
	ck_assert(vg_rules_score(r, "FONT_BIG", 0) == 0.5);
	ck_assert(vg_rules_score(r, "NO_DATE", 0) == 1.0);  /* default */
	ck_assert(vg_rules_score(r, "NUM_IP", 0) == -1.0);  /* nice */
	ck_assert(vg_rules_score(r, "__SUB", 7) == 0);      /* sub-rule */
	ck_assert(vg_rules_score(r, "SPF_FAIL", 0) == 3.0); /* built-in */
	ck_assert(vg_rules_score(r, "SPF_PASS", -9) == -9); /* unscored */
	ck_assert(vg_rules_score(r, "NOT_THERE", 4) == 4);
	ck_assert_str_eq(
	    vg_rules_describe(r, "SUBJ_CAPS"), "Subject is all capitals");
	ck_assert_ptr_null(vg_rules_describe(r, "MILLION"));
	/* Built-in symbols fall back to the symbol table's text. */
	ck_assert_str_eq(vg_rules_describe(r, "SPF_FAIL"),
	    "SPF: sender's domain forbids the client");
	ck_assert_ptr_null(vg_rules_describe(NULL, "NOT_A_SYMBOL"));
	ck_assert(vg_rules_required_score(r) == 6.5);
	ck_assert(vg_rules_reject_score(r) == 20);
	ck_assert_str_eq(vg_rules_subject_tag(r), "[SPAM] ");
	ck_assert_uint_eq(vg_rules_dnsbl_count(r), 2);
	d = vg_rules_dnsbl(r, 0);
	ck_assert_int_eq(d->kind, VG_DNSBL_CLIENT);
	ck_assert_str_eq(d->name, "ZEN");
	ck_assert_str_eq(d->zone, "zen.example");
	ck_assert_str_eq(d->answers, "127.0.0.2,127.0.0.10/31");
	ck_assert_str_eq(d->file, "t.rules");
	ck_assert_uint_eq(d->line, 30);
	d = vg_rules_dnsbl(r, 1);
	ck_assert_int_eq(d->kind, VG_DNSBL_URI);
	ck_assert_ptr_null(d->answers);
	ck_assert_ptr_null(vg_rules_dnsbl(r, 2));
	vg_rules_free(r);
}
END_TEST

START_TEST(test_rules_parse_defaults)
{
	struct vg_rules *r = NULL;
	struct vg_err err;

	ck_assert_int_eq(parse(&r, "", &err), 0);
	ck_assert(vg_rules_required_score(r) == VG_DEF_REQUIRED_SCORE);
	ck_assert(vg_rules_reject_score(r) == VG_DEF_REJECT_SCORE);
	ck_assert_str_eq(vg_rules_subject_tag(r), "");
	ck_assert_uint_eq(vg_rules_count(r), 0);
	vg_rules_free(r);
	/* NULL rules give the defaults too. */
	ck_assert(vg_rules_required_score(NULL) == 5.0);
	ck_assert(vg_rules_reject_score(NULL) == 15.0);
	ck_assert_str_eq(vg_rules_subject_tag(NULL), "");
	vg_rules_free(NULL);
}
END_TEST

START_TEST(test_rules_parse_subject_tag_off)
{
	struct vg_rules *r = NULL;
	struct vg_err err;

	ck_assert_int_eq(
	    parse(&r, "subject_tag ***SPAM***\nsubject_tag\n", &err), 0);
	ck_assert_str_eq(vg_rules_subject_tag(r), "");
	vg_rules_free(r);
	ck_assert_int_eq(parse(&r, "subject_tag [SPAM]\n", &err), 0);
	ck_assert_str_eq(vg_rules_subject_tag(r), "[SPAM] ");
	vg_rules_free(r);
}
END_TEST

START_TEST(test_rules_parse_include)
{
	struct vg_rules *r = NULL;
	struct vg_rules_stats st;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_msg(vg_rules_load(&r, DATA "top.rules", &err) == 0, "got %s",
	    vg_err_text(&err));
	vg_rules_stats(r, &st);
	ck_assert_uint_eq(st.files, 2);
	ck_assert_uint_eq(st.rules[VG_RULE_BODY], 2);
	ck_assert_uint_eq(st.rules[VG_RULE_META], 1);
	/* The included file's score wins: it comes later. */
	ck_assert(vg_rules_score(r, "INC_BODY", 0) == 2.5);
	vg_rules_free(r);
}
END_TEST

START_TEST(test_rules_parse_include_too_deep)
{
	struct vg_rules *r = NULL;
	struct vg_err err;
	char want[512];

	vg_err_init(&err);
	ck_assert_int_eq(
	    vg_rules_load(&r, DATA "loop.rules", &err), VG_ECONFIG);
	snprintf(want, sizeof(want),
	    "%sloop.rules:2: include loop.rules: nested too deep "
	    "(limit 16)\n",
	    DATA);
	ck_assert_str_eq(vg_err_text(&err), want);
}
END_TEST

START_TEST(test_rules_parse_load_missing)
{
	struct vg_rules *r = (struct vg_rules *)1;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_int_eq(vg_rules_load(&r, DATA "absent.rules", &err), VG_EIO);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(vg_err_text(&err),
	    DATA "absent.rules: No such file or directory\n");
}
END_TEST

START_TEST(test_rules_parse_compat)
{
	struct vg_rules *r = NULL;
	struct vg_rules_stats st;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_msg(vg_rules_load(&r, DATA "compat.cf", &err) == 0, "got %s",
	    vg_err_text(&err));
	vg_rules_stats(r, &st);
	ck_assert_uint_eq(st.skipped[VG_SKIP_EVAL], 2);
	ck_assert_uint_eq(st.skipped[VG_SKIP_IFPLUGIN], 3);
	ck_assert_uint_eq(st.skipped[VG_SKIP_DIRECTIVE], 4);
	ck_assert_uint_eq(st.skipped[VG_SKIP_REGEX], 1);
	ck_assert_uint_eq(st.skipped[VG_SKIP_META], 2);
	ck_assert_uint_eq(st.skipped[VG_SKIP_PSEUDO], 1);
	ck_assert_uint_eq(st.rules[VG_RULE_BODY], 3);
	ck_assert_uint_eq(st.rules[VG_RULE_HEADER], 1);
	ck_assert_uint_eq(st.rules[VG_RULE_META], 1);
	/* A score for a skipped rule is not an unknown score. */
	ck_assert_uint_eq(st.unknown_scores, 0);
	/* Redefinition replaces under SpamAssassin rules. */
	ck_assert(vg_rules_score(r, "REDEF", 0) == 1.0);
	vg_rules_free(r);
}
END_TEST

/*
 * Debian's SpamAssassin rule set (package spamassassin, installed by the
 * test dependencies) loads in compat mode through rules/spamassassin.rules.
 */
START_TEST(test_rules_parse_spamassassin_set)
{
	struct vg_rules *r = NULL;
	struct vg_rules_stats st;
	struct vg_err err;
	size_t loaded = 0, k;

	/* packaging/deps.sh installs it: a missing set is a failure. */
	ck_assert_msg(access("/usr/share/spamassassin/72_active.cf", R_OK) == 0,
	    "Debian's spamassassin package is not installed (deps.sh)");
	vg_err_init(&err);
	ck_assert_msg(vg_rules_load(&r,
	                  VG_SOURCE_DIR "/rules/spamassassin.rules", &err) == 0,
	    "got %s", vg_err_text(&err));
	vg_rules_stats(r, &st);
	for (k = 0; k < VG_RULE_KIND_MAX; k++)
		loaded += st.rules[k];
	ck_assert_msg(loaded > 1000, "got %zu rules, want > 1000", loaded);
	ck_assert_uint_gt(st.skipped[VG_SKIP_IFPLUGIN], 0);
	ck_assert_uint_gt(st.skipped[VG_SKIP_DIRECTIVE], 0);
	ck_assert_uint_gt(st.files, 50);
	vg_rules_free(r);
}
END_TEST

/* ANSWERS takes what the DNSBL check matches: ranges and bitmasks too. */
START_TEST(test_rules_parse_dnsbl_answers)
{
	static const char text[] = "dnsbl A a.example 127.0.0.2-127.0.0.11\n"
	                           "dnsbl B b.example &0x04\n"
	                           "uribl C c.example 127.0.0.2,127.0.1.0/24\n";
	struct vg_rules *r = NULL;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_msg(
	    vg_rules_parse(&r, text, strlen(text), "t.rules", &err) == 0,
	    "got %s", vg_err_text(&err));
	ck_assert_uint_eq(vg_rules_dnsbl_count(r), 3);
	ck_assert_str_eq(vg_rules_dnsbl(r, 0)->answers, "127.0.0.2-127.0.0.11");
	ck_assert_str_eq(vg_rules_dnsbl(r, 1)->answers, "&0x04");
	vg_rules_free(r);
}
END_TEST

START_TEST(test_rules_parse_names)
{
	struct vg_rules *r = NULL;
	struct vg_err err;
	size_t i;
	bool seen_meta = false;

	ck_assert_int_eq(parse(&r, "body A /a/\nmeta M A\n", &err), 0);
	ck_assert_uint_eq(vg_rules_count(r), 2);
	for (i = 0; i < vg_rules_count(r); i++)
		if (vg_rules_kind(r, i) == VG_RULE_META) {
			ck_assert_str_eq(vg_rules_name(r, i), "M");
			seen_meta = true;
		}
	ck_assert(seen_meta);
	ck_assert_str_eq(vg_rule_kind_name(VG_RULE_RAWBODY), "rawbody");
	ck_assert_str_eq(vg_rules_skip_name(VG_SKIP_IFPLUGIN), "ifplugin");
	vg_rules_free(r);
}
END_TEST

/* Every policy directive, read through the rules parser. */
START_TEST(test_rules_parse_policy)
{
	static const char text[] =
	    "allow_rcpt postmaster@ abuse@\n"
	    "allow_client 192.0.2.0/24, 2001:db8::/32\n"
	    "block_client 198.51.100.7\n"
	    "allow_from boss@example.com\nblock_from @spam.example\n"
	    "block_rcpt @.closed.example\nblock_action score\n"
	    "attach_ban_ext .docm XLSM\nattach_allow_ext iso\n"
	    "attach_ban_type text/x-sh\n"
	    "attach_allow_type application/x-msdownload\n"
	    "attach_action score\n"
	    "attach_action ATTACH_DOUBLE_EXT quarantine\n"
	    "score ATTACH_DOUBLE_EXT 4\nscore BLOCK_FROM 10\n"
	    "meta M ATTACH_RTLO || ALLOW_RCPT\n";
	const struct vg_policy *pol;
	const struct vg_lists *l;
	const struct vg_attach_policy *ap;
	struct vg_rules_stats st;
	struct vg_rules *r = NULL;
	struct vg_err err;

	ck_assert_msg(parse(&r, text, &err) == 0, "got %s", vg_err_text(&err));
	ck_assert_ptr_nonnull(pol = vg_rules_policy(r));
	ck_assert_ptr_eq(vg_policy_of(r), pol);
	l = vg_policy_lists(pol);
	ck_assert_uint_eq(vg_lists_count(l, false, VG_LIST_RCPT), 2);
	ck_assert_uint_eq(vg_lists_count(l, false, VG_LIST_CLIENT), 2);
	ck_assert(vg_lists_match(l, false, VG_LIST_RCPT, "Postmaster@x.org"));
	ck_assert(vg_lists_match(l, false, VG_LIST_CLIENT, "2001:db8::25"));
	ck_assert(vg_lists_match(l, true, VG_LIST_CLIENT, "198.51.100.7"));
	ck_assert(vg_lists_match(l, false, VG_LIST_FROM, "boss@example.com"));
	ck_assert(vg_lists_match(l, true, VG_LIST_FROM, "x@spam.example"));
	ck_assert(vg_lists_match(l, true, VG_LIST_RCPT, "a@b.closed.example"));
	ck_assert(!vg_lists_match(l, true, VG_LIST_RCPT, "a@closed.example"));
	ck_assert(!vg_lists_block_reject(l));
	ap = vg_policy_attach(pol);
	ck_assert(vg_attach_ext_banned(ap, "docm"));
	ck_assert(vg_attach_ext_banned(ap, "xlsm"));
	ck_assert(vg_attach_ext_banned(ap, "exe")); /* built in, kept */
	ck_assert(!vg_attach_ext_banned(ap, "iso"));
	ck_assert(vg_attach_type_banned(ap, "text/x-sh"));
	ck_assert(!vg_attach_type_banned(ap, "application/x-msdownload"));
	ck_assert_int_eq(ap->act[VG_ATTACH_BANNED_EXT], VG_ATTACH_ACT_SCORE);
	ck_assert_int_eq(
	    ap->act[VG_ATTACH_DOUBLE_EXT], VG_ATTACH_ACT_QUARANTINE);
	/* The checks' symbols are known names: scored, and usable in metas. */
	vg_rules_stats(r, &st);
	ck_assert_uint_eq(st.unknown_scores, 0);
	ck_assert(vg_rules_score(r, "BLOCK_FROM", 0) == 10.0);
	ck_assert_str_eq(vg_rules_describe(r, "ATTACH_DOUBLE_EXT"),
	    "Attachment hides a banned extension (invoice.pdf.exe)");
	vg_rules_free(r);
}
END_TEST

/* Without policy lines a rules file has the built-in policy. */
START_TEST(test_rules_parse_policy_default)
{
	const struct vg_policy *pol;
	struct vg_rules *r = NULL;
	struct vg_err err;

	ck_assert_int_eq(parse(&r, "body A /a/\n", &err), 0);
	ck_assert_ptr_nonnull(pol = vg_rules_policy(r));
	ck_assert_uint_eq(
	    vg_lists_count(vg_policy_lists(pol), true, VG_LIST_FROM), 0);
	ck_assert(vg_lists_block_reject(vg_policy_lists(pol)));
	ck_assert(vg_attach_ext_banned(vg_policy_attach(pol), "exe"));
	ck_assert_int_eq(vg_policy_attach(pol)->act[VG_ATTACH_BANNED_EXT],
	    VG_ATTACH_ACT_REJECT);
	ck_assert_int_eq(
	    vg_policy_attach(pol)->act[VG_ATTACH_ENCRYPTED_ARCHIVE],
	    VG_ATTACH_ACT_SCORE);
	vg_rules_free(r);
	/* No rules at all: the process-wide built-in policy. */
	ck_assert_ptr_null(vg_rules_policy(NULL));
	ck_assert_ptr_nonnull(vg_policy_of(NULL));
	ck_assert_ptr_eq(vg_policy_of(NULL), vg_policy_default());
}
END_TEST

/* The shipped rules file: its policy lines load and say what it says. */
START_TEST(test_rules_parse_policy_shipped)
{
	const struct vg_attach_policy *ap;
	const struct vg_lists *l;
	struct vg_rules *r = NULL;
	struct vg_rules_stats st;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_msg(
	    vg_rules_load(&r, VG_SOURCE_DIR "/rules/vigil.rules", &err) == 0,
	    "got %s", vg_err_text(&err));
	l = vg_policy_lists(vg_rules_policy(r));
	ck_assert(vg_lists_match(l, false, VG_LIST_RCPT, "postmaster@a.org"));
	ck_assert(vg_lists_match(l, false, VG_LIST_RCPT, "abuse"));
	ap = vg_policy_attach(vg_rules_policy(r));
	ck_assert(vg_attach_ext_banned(ap, "EXE"));
	ck_assert(vg_attach_ext_banned(ap, "psm1"));
	ck_assert(vg_attach_ext_banned(ap, "vhdx"));
	ck_assert(!vg_attach_ext_banned(ap, "url"));
	ck_assert(!vg_attach_ext_banned(ap, "zip"));
	ck_assert_int_eq(ap->act[VG_ATTACH_DOUBLE_EXT], VG_ATTACH_ACT_REJECT);
	ck_assert_int_eq(
	    ap->act[VG_ATTACH_ENCRYPTED_ARCHIVE], VG_ATTACH_ACT_SCORE);
	vg_rules_stats(r, &st);
	ck_assert_uint_eq(st.unknown_scores, 0);
	vg_rules_free(r);
}
END_TEST

/* Fail each allocation in turn: every path returns VG_ENOMEM cleanly. */
START_TEST(test_rules_parse_alloc_failures)
{
	static const char text[] =
	    "header A Subject =~ /x/i [if-unset: y]\nheader B From:addr =~ "
	    "/z/\nbody C /c/\nrawbody D /d/\nuri E /e/\nfull F /f/\n"
	    "meta G (A && C) || SPF_FAIL\nscore A 2\ndescribe A a\n"
	    "dnsbl ZEN zen.example 127.0.0.2\nsubject_tag [S]\n"
	    "allow_rcpt postmaster@\nblock_client 192.0.2.0/24\n"
	    "attach_ban_ext docm\nattach_ban_type text/x-sh\n";
	unsigned long n;
	bool ok = false;

	for (n = 1; n < 2000 && !ok; n++) {
		struct vg_rules *r = NULL;
		struct vg_err err;
		int rc;

		vg_err_init(&err);
		vg_alloc_fail_at(n);
		rc = vg_rules_parse(&r, text, strlen(text), "t", &err);
		vg_alloc_fail_at(0);
		ck_assert_msg(rc == 0 || rc == VG_ENOMEM,
		    "allocation %lu: got %d, want 0 or VG_ENOMEM", n, rc);
		if (rc == 0)
			ok = true;
		else
			ck_assert_ptr_null(r);
		vg_rules_free(r);
	}
	ck_assert(ok);
}
END_TEST

/*
 * The fixed limits of the rules language (vigil.rules(5), LIMITS): each
 * is an error with file:line, so a daemon keeps its old rules on reload.
 */

/* A file over VG_RULES_FILE_MAX is refused before it is read. */
START_TEST(test_rules_parse_file_too_large)
{
	char dir[] = "/tmp/test_rules_parse.XXXXXX";
	char big[64], top[64], want[256];
	struct vg_rules *r = NULL;
	struct vg_err err;
	FILE *fp;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(big, sizeof(big), "%s/big.rules", dir);
	snprintf(top, sizeof(top), "%s/top.rules", dir);
	/* Sparse: the size is all that is looked at. */
	fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)VG_RULES_FILE_MAX + 1), 0);
	ck_assert_int_eq(close(fd), 0);
	vg_err_init(&err);
	ck_assert_int_eq(vg_rules_load(&r, big, &err), VG_ECONFIG);
	ck_assert_ptr_null(r);
	snprintf(want, sizeof(want), "%s: file too large\n", big);
	ck_assert_str_eq(vg_err_text(&err), want);
	/* The same through include; at exactly the limit it is read. */
	fp = fopen(top, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "body A /a/\ninclude big.rules\n");
	ck_assert_int_eq(fclose(fp), 0);
	vg_err_init(&err);
	ck_assert_int_eq(vg_rules_load(&r, top, &err), VG_ECONFIG);
	snprintf(
	    want, sizeof(want), "%s:2: include %s: file too large\n", top, big);
	ck_assert_str_eq(vg_err_text(&err), want);
	ck_assert_int_eq(truncate(big, (off_t)VG_RULES_FILE_MAX), 0);
	vg_err_init(&err);
	/* 64 MiB of NUL bytes: read, then refused for what it holds. */
	ck_assert_int_ne(vg_rules_load(&r, big, &err), 0);
	ck_assert_ptr_null(strstr(vg_err_text(&err), "file too large"));
	ck_assert_int_eq(unlink(big), 0);
	ck_assert_int_eq(unlink(top), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* has_rule - whether r defines a rule called name */
static bool
has_rule(const struct vg_rules *r, const char *name)
{
	for (size_t i = 0; i < vg_rules_count(r); i++)
		if (strcmp(vg_rules_name(r, i), name) == 0)
			return true;
	return false;
}

/*
 * "if spamassassin" in Vigil's own rules: true once SpamAssassin's rules
 * (vigil_compat spamassassin) were loaded, so the own rules can score
 * differently on top of them than alone (rules/vigil.rules does).
 */
START_TEST(test_rules_parse_if_spamassassin)
{
	static const char own[] = "body OWN /million/\n"
	                          "score OWN 0.5\n"
	                          "if !spamassassin\n"
	                          "score OWN 2.5\n"
	                          "endif\n"
	                          "if spamassassin\n"
	                          "body __OWN_SA /dollars/\n"
	                          "else\n"
	                          "body __OWN_ALONE /dollars/\n"
	                          "endif\n"
	                          "if ! spamassassin\n"
	                          "endif\n";
	static const char sa[] = "vigil_compat spamassassin\n"
	                         "body SA_RULE /money/\n"
	                         "score SA_RULE 1.0\n"
	                         "vigil_compat none\n";
	char both[sizeof(own) + sizeof(sa)];
	struct vg_rules *r = NULL;
	struct vg_err err;

	/* Alone: the !spamassassin scores and branch. */
	ck_assert_msg(parse(&r, own, &err) == 0, "got %s", vg_err_text(&err));
	ck_assert(vg_rules_score(r, "OWN", 0) == 2.5);
	ck_assert(has_rule(r, "__OWN_ALONE"));
	ck_assert(!has_rule(r, "__OWN_SA"));
	vg_rules_free(r);
	/* After SpamAssassin's rules: the score above the block stays. */
	memcpy(both, sa, sizeof(sa) - 1);
	memcpy(both + sizeof(sa) - 1, own, sizeof(own));
	ck_assert_msg(parse(&r, both, &err) == 0, "got %s", vg_err_text(&err));
	ck_assert(vg_rules_score(r, "OWN", 0) == 0.5);
	ck_assert(vg_rules_score(r, "SA_RULE", 0) == 1.0);
	ck_assert(has_rule(r, "__OWN_SA"));
	ck_assert(!has_rule(r, "__OWN_ALONE"));
	vg_rules_free(r);
}
END_TEST

/* if/ifplugin blocks nest at most VG_RULES_IF_DEPTH deep. */
START_TEST(test_rules_parse_if_too_deep)
{
	char text[4096];
	struct vg_rules *r = NULL;
	struct vg_err err;
	size_t len, n, i;

	for (n = VG_RULES_IF_DEPTH; n <= VG_RULES_IF_DEPTH + 1; n++) {
		len = (size_t)snprintf(
		    text, sizeof(text), "vigil_compat spamassassin\n");
		for (i = 0; i < n; i++)
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			    "ifplugin Mail::SpamAssassin::Plugin::X%zu\n", i);
		for (i = 0; i < n; i++)
			len += (size_t)snprintf(
			    text + len, sizeof(text) - len, "endif\n");
		if (n == VG_RULES_IF_DEPTH) {
			ck_assert_msg(parse(&r, text, &err) == 0, "%s",
			    vg_err_text(&err));
			vg_rules_free(r);
			r = NULL;
			continue;
		}
		ck_assert_int_eq(parse(&r, text, &err), VG_ECONFIG);
		ck_assert_ptr_nonnull(strstr(vg_err_text(&err),
		    "t.rules:34: ifplugin: nested too deep (limit 32)\n"));
	}
}
END_TEST

/* A rules set holds at most VG_RULES_MAX_RULES rules. */
START_TEST(test_rules_parse_too_many_rules)
{
	const size_t line = 48;
	size_t n = VG_RULES_MAX_RULES + 1, len = 0, i;
	char *text = malloc(n * line + 1);
	struct vg_rules *r = NULL;
	struct vg_err err;
	char want[128];

	ck_assert_ptr_nonnull(text);
	/* exists: rules compile no regex, so this stays quick. */
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(
		    text + len, line, "header R%zu exists:Subject\n", i);
	ck_assert_int_eq(parse(&r, text, &err), VG_ECONFIG);
	ck_assert_ptr_null(r);
	snprintf(want, sizeof(want), "t.rules:%zu: too many rules (limit %u)\n",
	    n, (unsigned)VG_RULES_MAX_RULES);
	ck_assert_str_eq(vg_err_text(&err), want);
	free(text);
}
END_TEST

/*
 * Metas that depend on metas are ordered by a walk at most
 * VG_RULES_META_CHAIN deep: a longer chain met from its top (each meta
 * depending on one defined after it) is an error.
 */
START_TEST(test_rules_parse_meta_chain_too_deep)
{
	size_t len, i, n;
	char *text = malloc(32 * (VG_RULES_META_CHAIN + 8));
	struct vg_rules *r = NULL;
	struct vg_err err;
	char want[128];

	ck_assert_ptr_nonnull(text);
	for (n = VG_RULES_META_CHAIN + 1; n <= VG_RULES_META_CHAIN + 2; n++) {
		len = (size_t)snprintf(text, 32, "body A /a/\n");
		for (i = 0; i + 1 < n; i++)
			len += (size_t)snprintf(
			    text + len, 32, "meta M%zu M%zu\n", i, i + 1);
		len += (size_t)snprintf(text + len, 32, "meta M%zu A\n", i);
		if (n == VG_RULES_META_CHAIN + 1) {
			ck_assert_msg(parse(&r, text, &err) == 0, "%s",
			    vg_err_text(&err));
			vg_rules_free(r);
			r = NULL;
			continue;
		}
		ck_assert_int_eq(parse(&r, text, &err), VG_ECONFIG);
		snprintf(want, sizeof(want),
		    "t.rules:%zu: meta M%zu: metas chained too deep\n", n + 1,
		    n - 1);
		ck_assert_str_eq(vg_err_text(&err), want);
	}
	free(text);
}
END_TEST

/* A name in a meta expression is at most VG_RULES_META_NAME_MAX bytes. */
START_TEST(test_rules_parse_meta_name_too_long)
{
	char name[300], text[700];
	struct vg_rules *r = NULL;
	struct vg_err err;

	memset(name, 'N', 255);
	name[255] = '\0';
	snprintf(text, sizeof(text), "body %s /a/\nmeta M %s\n", name, name);
	ck_assert_msg(parse(&r, text, &err) == 0, "%s", vg_err_text(&err));
	vg_rules_free(r);
	r = NULL;
	memset(name, 'N', 256);
	name[256] = '\0';
	snprintf(text, sizeof(text), "body %s /a/\nmeta M %s\n", name, name);
	ck_assert_int_eq(parse(&r, text, &err), VG_ECONFIG);
	ck_assert_str_eq(vg_err_text(&err),
	    "t.rules:2: meta M: bad token in meta expression\n");
}
END_TEST

static Suite *
rules_parse_suite(void)
{
	Suite *s = suite_create("rules_parse");
	TCase *tc;

	/*
	 * These tests load rules to check what loads, not to score many
	 * messages: no Hyperscan compile (seconds of CPU for SpamAssassin's
	 * set).  unit_rules_prefilter tests the prefilter.
	 */
	vg_rules_prefilter_auto(false);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_rules_parse_errors, 0,
	    (int)(sizeof(errors) / sizeof(errors[0])));
	tcase_add_test(tc, test_rules_parse_reports_every_error);
	tcase_add_test(tc, test_rules_parse_policy_every_error);
	tcase_add_test(tc, test_rules_parse_line_too_long);
	tcase_add_test(tc, test_rules_parse_meta_limits);
	tcase_add_test(tc, test_rules_parse_compat_off);
	tcase_add_test(tc, test_rules_parse_if_spamassassin);
	suite_add_tcase(s, tc);
	tc = tcase_create("directives");
	tcase_add_test(tc, test_rules_parse_directives);
	tcase_add_test(tc, test_rules_parse_defaults);
	tcase_add_test(tc, test_rules_parse_subject_tag_off);
	tcase_add_test(tc, test_rules_parse_names);
	tcase_add_test(tc, test_rules_parse_dnsbl_answers);
	suite_add_tcase(s, tc);
	tc = tcase_create("policy");
	tcase_add_test(tc, test_rules_parse_policy);
	tcase_add_test(tc, test_rules_parse_policy_default);
	tcase_add_test(tc, test_rules_parse_policy_shipped);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_test(tc, test_rules_parse_include);
	tcase_add_test(tc, test_rules_parse_include_too_deep);
	tcase_add_test(tc, test_rules_parse_load_missing);
	tcase_add_test(tc, test_rules_parse_compat);
	tcase_add_test(tc, test_rules_parse_spamassassin_set);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_rules_parse_file_too_large);
	tcase_add_test(tc, test_rules_parse_if_too_deep);
	tcase_add_test(tc, test_rules_parse_too_many_rules);
	tcase_add_test(tc, test_rules_parse_meta_chain_too_deep);
	tcase_add_test(tc, test_rules_parse_meta_name_too_long);
	suite_add_tcase(s, tc);
	tc = tcase_create("alloc");
	tcase_add_test(tc, test_rules_parse_alloc_failures);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(rules_parse_suite)
