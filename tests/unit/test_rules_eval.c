/* SPDX-License-Identifier: GPL-2.0-only */
/* test_rules_eval - rules over hand-built message views; metas; limits */
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/err.h"
#include "base/log.h"
#include "message/msg.h"
#include "rules/symset.h"
#include "rules/rules.h"
#include "message/text.h"

static struct vg_text_header headers[] = {
    {"From", "Bob Smith <bob@example.com>", "Bob Smith <bob@example.com>"},
    {"To", "alice@example.org", "alice@example.org"},
    {"Cc", "carol@example.net", "carol@example.net"},
    {"Subject", "Caf\xc3\xa9 FREE MONEY", "=?UTF-8?Q?Caf=C3=A9?= FREE MONEY"},
    {"Received", "from a", "from a"},
    {"Received", "from b", "from b"},
    {"Message-Id", "<1@example.com>", "<1@example.com>"},
    /* A quoted display name holding an address-like text. */
    {"Reply-To", "\"Boss <ceo@corp.example>\" <ann@example.net>",
        "\"Boss <ceo@corp.example>\" <ann@example.net>"},
};

static const char *uris[] = {"http://192.0.2.1/x", "https://example.com/"};

#define BODY                                                                   \
	"Caf\xc3\xa9 FREE MONEY\nDear friend,\nwire the million "              \
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

/* load - rules from a C string; fails the test on error */
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

/* run - eval + meta of src over text (and msg); res initialised here */
static void
run(struct vg_symset *res, const char *src, const struct vg_msg *msg,
    const struct vg_text *t)
{
	struct vg_rules *r = load(src);
	struct vg_rules_hits *hits = NULL;

	vg_symset_init(res);
	ck_assert_int_eq(vg_rules_hits_new(&hits, r), 0);
	ck_assert_int_eq(vg_rules_eval(r, msg, t, hits, res), 0);
	ck_assert_int_eq(vg_rules_eval_meta(r, hits, res), 0);
	vg_rules_hits_free(hits);
	vg_rules_free(r);
}

/* One rule and whether it must hit the shared message views. */
static const struct {
	const char *rule;
	int want;
} single[] = {
    {"header T Subject =~ /FREE MONEY$/", 1},
    {"header T Subject =~ /^Caf\xc3\xa9 /", 1},
    {"header T Subject =~ /free money/", 0},
    {"header T Subject =~ /free money/i", 1},
    {"header T Subject !~ /free money/", 1}, {"header T Subject !~ /MONEY/", 0},
    {"header T Subject:raw =~ /=\\?UTF-8\\?Q\\?/", 1},
    {"header T Subject =~ /=\\?UTF-8/", 0},
    {"header T From:addr =~ /^bob\\@example\\.com$/", 1},
    {"header T From:name =~ /^Bob Smith$/", 1},
    {"header T To:addr =~ /^alice\\@example\\.org$/", 1},
    {"header T Subject:name:raw =~ /./", 0},
    {"header T From:addr:raw =~ /^bob\\@example\\.com$/", 1},
    {"header T From:raw:name =~ /^Bob Smith$/", 1},
    {"header T Reply-To:addr =~ /^ann\\@example\\.net$/", 1},
    {"header T Reply-To:name =~ /^Boss <ceo\\@corp\\.example>$/", 1},
    {"header T To:name =~ /./", 0}, {"header T ToCc =~ /alice.*\\n.*carol/", 1},
    {"header T ALL =~ /^Message-Id: <1\\@/m", 1},
    {"header T MESSAGEID =~ /^<1\\@example\\.com>$/", 1},
    {"header T Received =~ /^from a\\nfrom b$/", 1},
    {"header T Date =~ /./", 0}, {"header T Date !~ /./", 1},
    {"header T Date =~ /^none$/ [if-unset: none]", 1},
    {"header T exists:Message-Id", 1}, {"header T exists:Date", 0},
    /* SpamAssassin's names with a meaning of their own, and the
     * trailing colon it drops. */
    {"header T exists:ToCc", 1}, {"header T exists:MESSAGEID", 1},
    {"header T exists:EnvelopeFrom", 0}, {"header T exists:Message-Id:", 1},
    {"header T EnvelopeFrom =~ /./", 0}, {"body T /million dollars/", 1},
    {"body T /^Dear friend,$/", 1}, {"body T /^wire/", 1},
    {"body T /\\Awire/", 1}, {"body T /(?<=the )million/", 1},
    {"body T /friend,\\swire/", 0},      /* crosses a paragraph */
    {"body T /friend,\\s*wire|now/", 1}, /* falls back per paragraph */
    /* A body line keeps its "\n", as SpamAssassin's lines do: \s
     * before $ is the line end (SpamAssassin's __FILL_THIS_FORM_FRAUD_
     * PHISH1 ends so), and \s matches it before the next paragraph. */
    {"body T /dollars\\s$/", 1}, {"body T /dollars\\s{2}$/", 0},
    {"body T /^end\\s$/", 0},          /* the last line has no "\n" */
    {"body T /^Caf\xc3\xa9 FREE/", 1}, /* the Subject is line one */
    {"body T /<font/", 0}, {"rawbody T /<font size=7>/", 1},
    {"rawbody T /^line two$/", 1},
    /* rawbody matches in SpamAssassin's 2-4 KiB chunks: across lines. */
    {"rawbody T /friend<\\/font><\\/p>\\nline two/", 1},
    {"rawbody T /<p>[^>]+>[^<]+<\\/font><\\/p>\\s+line/", 1},
    {"uri T /^https?:\\/\\/\\d+\\.\\d+\\.\\d+\\.\\d+/", 1},
    {"uri T /example\\.net/", 0},
    {"body T /\\bnow\\b/\nscore T 0", 0}, /* score 0: never listed */
    {"body __T /million/\nmeta T __T", 1},
    {"body __T /million/", 0}, /* sub-rules are never listed */
};

START_TEST(test_rules_eval_single)
{
	struct vg_symset res;

	run(&res, single[_i].rule, NULL, &text);
	ck_assert_msg(vg_symset_has(&res, "T") == (single[_i].want != 0),
	    "%s: got %s, want %s", single[_i].rule,
	    vg_symset_has(&res, "T") ? "hit" : "no hit",
	    single[_i].want ? "hit" : "no hit");
	vg_symset_fini(&res);
}
END_TEST

/* Meta expressions over A=hit, B=hit, C=miss, SPF_FAIL in the set. */
static const struct {
	const char *expr;
	int want;
} metas[] = {
    {"A", 1},
    {"C", 0},
    {"!C", 1},
    {"A && B", 1},
    {"A && C", 0},
    {"A || C", 1},
    {"C || C", 0},
    {"!A || B", 1},
    {"!(A || C)", 0},
    {"C && A || B", 1}, /* && binds tighter than || */
    {"C && (A || B)", 0},
    {"A + B + C > 1", 1},
    {"A + B + C > 2", 0},
    {"A + B + C >= 2", 1},
    {"A + B + C == 2", 1},
    {"A + B - C < 2", 0},
    {"A + B - C <= 2", 1},
    {"A - B", 0},
    {"-A + 2 == 1", 1},
    {"2 * A + B == 3", 1},
    {"(A + B) * 2 > 3 && !C", 1},
    {"A + B > 1 + 1", 0}, /* + binds tighter than > */
    {"SPF_FAIL && A", 1},
    {"SPF_PASS || C", 0},
    {"ZEN", 0},
    {"A != B", 0},
    {"A / 0", 0},
};

START_TEST(test_rules_eval_meta)
{
	char src[512];
	struct vg_symset res;
	struct vg_rules *r;
	struct vg_rules_hits *hits = NULL;

	snprintf(src, sizeof(src),
	    "body A /million/\nbody B /dollars/\nbody C /absent/\n"
	    "dnsbl ZEN zen.example\nmeta M %s\n",
	    metas[_i].expr);
	r = load(src);
	vg_symset_init(&res);
	ck_assert_int_eq(vg_rules_hits_new(&hits, r), 0);
	ck_assert_int_eq(vg_rules_eval(r, NULL, &text, hits, &res), 0);
	/* A check ran after the rules and added its symbol. */
	ck_assert_int_eq(vg_symset_add(&res, "SPF_FAIL", 3.0, NULL), 0);
	ck_assert_int_eq(vg_rules_eval_meta(r, hits, &res), 0);
	ck_assert_msg(vg_symset_has(&res, "M") == (metas[_i].want != 0),
	    "meta %s: got %s, want %s", metas[_i].expr,
	    vg_symset_has(&res, "M") ? "hit" : "no hit",
	    metas[_i].want ? "hit" : "no hit");
	vg_rules_hits_free(hits);
	vg_symset_fini(&res);
	vg_rules_free(r);
}
END_TEST

START_TEST(test_rules_eval_meta_chain)
{
	struct vg_symset res;

	/* Defined before its dependencies: order comes from resolution. */
	run(&res,
	    "meta TOP MID && __S\nmeta MID __S || X\nbody __S /million/\n"
	    "body X /absent/\nscore TOP 2.5\n",
	    NULL, &text);
	ck_assert(vg_symset_has(&res, "TOP"));
	ck_assert(vg_symset_has(&res, "MID"));
	ck_assert(!vg_symset_has(&res, "__S"));
	vg_symset_fini(&res);
}
END_TEST

START_TEST(test_rules_eval_scores)
{
	struct vg_symset res;
	size_t i;
	double sum = 0;

	run(&res,
	    "body A /million/\nscore A 2.5\nbody N /friend/\ntflags N nice\n"
	    "body D /dollars/\n",
	    NULL, &text);
	ck_assert_uint_eq(res.n, 3);
	for (i = 0; i < res.n; i++)
		sum += res.sym[i].score;
	/* 2.5 + nice default -1 + default 1 */
	ck_assert_msg(sum == 2.5, "got sum %f, want 2.5", sum);
	vg_symset_fini(&res);
}
END_TEST

/* SpamAssassin: an unscored T_ rule (under test) scores 0.01 in its files. */
START_TEST(test_rules_eval_test_rule_score)
{
	struct vg_symset res;

	run(&res,
	    "vigil_compat spamassassin\nbody T_A /million/\n"
	    "body T_N /friend/\ntflags T_N nice\nbody T_S /dollars/\n"
	    "score T_S 2\nvigil_compat none\nbody T_V /wire/\n",
	    NULL, &text);
	ck_assert_uint_eq(res.n, 4);
	for (size_t i = 0; i < res.n; i++) {
		const char *n = res.sym[i].name;
		double want = strcmp(n, "T_A") == 0 ? 0.01
		    : strcmp(n, "T_N") == 0         ? -0.01
		    : strcmp(n, "T_S") == 0         ? 2
		                                    : 1; /* T_V: strict mode */

		ck_assert_msg(res.sym[i].score == want, "%s: %f, want %f", n,
		    res.sym[i].score, want);
	}
	vg_symset_fini(&res);
}
END_TEST

/* LIMITS: a rawbody match never spans two of SpamAssassin's chunks. */
START_TEST(test_rules_eval_rawbody_chunks)
{
	static char raw[6 + 2100 + 1 + 2100 + 4 + 1];
	struct vg_text t = text;
	struct vg_symset res;
	size_t n = 0;

	memcpy(raw, "start\n", 6);
	n = 6;
	memset(raw + n, 'x', 2100);
	n += 2100;
	raw[n++] = '\n';
	memset(raw + n, 'y', 2100);
	n += 2100;
	memcpy(raw + n, "\nend", 5);
	n += 4;
	t.rawbody = raw;
	t.rawbody_len = n;
	/* Chunk one ends at the first newline past 2048 bytes. */
	run(&res, "rawbody T /start\\nx+\\n\\z/", NULL, &t);
	ck_assert(vg_symset_has(&res, "T"));
	vg_symset_fini(&res);
	run(&res, "rawbody T /x\\ny/", NULL, &t);
	ck_assert(!vg_symset_has(&res, "T"));
	vg_symset_fini(&res);
	run(&res, "rawbody T /\\Ay+\\nend/", NULL, &t);
	ck_assert(vg_symset_has(&res, "T"));
	vg_symset_fini(&res);
}
END_TEST

START_TEST(test_rules_eval_full)
{
	static const char raw[] = "From: a@example.com\nSubject: hi\n"
	                          "X-Foo: bar\n\nbody text\n";
	struct vg_msg_limits lim = {
	    .max_size = 1 << 20,
	    .memory_limit = 1 << 20,
	    .max_headers = 100,
	    .max_header_size = 1000,
	    .max_rcpts = 10,
	    .tmp_dir = "/tmp",
	};
	struct vg_msg *msg = NULL;
	struct vg_symset res;

	ck_assert_int_eq(
	    vg_msg_from_bytes(&msg, &lim, raw, sizeof(raw) - 1), 0);
	ck_assert_int_eq(vg_msg_set_from(msg, "bounce@example.com"), 0);
	run(&res,
	    "full F /^X-Foo: bar\\n\\nbody/m\nfull G /absent/\n"
	    "header E EnvelopeFrom =~ /^bounce\\@/\n",
	    msg, &text);
	ck_assert(vg_symset_has(&res, "F"));
	ck_assert(!vg_symset_has(&res, "G"));
	ck_assert(vg_symset_has(&res, "E"));
	vg_symset_fini(&res);
	vg_msg_free(msg);
}
END_TEST

START_TEST(test_rules_eval_no_text)
{
	struct vg_symset res;

	/* Without decoded views only full and envelope rules can run. */
	run(&res, "body A /million/\nheader B Subject =~ /./\nuri U /./\n",
	    NULL, NULL);
	ck_assert_uint_eq(res.n, 0);
	vg_symset_fini(&res);
}
END_TEST

static unsigned warnings;
static char last_warning[512];

/* count_warnings - log sink counting warning lines about the limit */
static void
count_warnings(enum vg_log_level level, const char *line, void *ctx)
{
	(void)ctx;
	if (level == VG_LOG_WARNING && strstr(line, "regex limit") != NULL) {
		warnings++;
		snprintf(last_warning, sizeof(last_warning), "%s", line);
	}
}

START_TEST(test_rules_eval_match_limit)
{
	/* Catastrophic backtracking: (a+)+$ against a's ending in b. */
	char body[200];
	struct vg_text t;
	struct vg_rules *r;
	struct vg_symset res;
	struct vg_rules_stats st;
	int pass;

	memset(body, 'a', 60);
	memcpy(body + 60, "b\nsecond line", 14);
	memset(&t, 0, sizeof(t));
	t.body = body;
	t.body_len = strlen(body);
	/* PCRE2 alone: the prefilter would see SLOW cannot match. */
	r = load("body SLOW /(a+)+$/\nbody FAST /second/\n"
	         "vigil_match_limit 10000\nvigil_prefilter off\n");
	vg_log_set_sink(count_warnings, NULL, VG_LOG_DEBUG);
	for (pass = 0; pass < 2; pass++) {
		vg_symset_init(&res);
		ck_assert_int_eq(vg_rules_eval(r, NULL, &t, NULL, &res), 0);
		/* The runaway rule counts as not matched; the rest runs. */
		ck_assert(!vg_symset_has(&res, "SLOW"));
		ck_assert(vg_symset_has(&res, "FAST"));
		vg_symset_fini(&res);
	}
	vg_log_set_sink(NULL, NULL, VG_LOG_DEBUG);
	ck_assert_msg(
	    warnings == 1, "got %u warnings, want 1 (once per rule)", warnings);
	vg_rules_stats(r, &st);
	ck_assert_uint_eq(st.limit_rules, 1);
	vg_rules_free(r);
}
END_TEST

/*
 * The JIT stack (VG_RULES_JIT_STACK_MAX, 1 MiB) is a limit like the
 * match limit: ^(a|b)*$ over 100000 a's needs more, so the rule counts as
 * not matched, once logged, and the other rules still run.  (Without JIT
 * the interpreter stops at the depth limit instead: the same outcome.)
 */
START_TEST(test_rules_eval_jit_stack_limit)
{
	size_t n = 100000;
	char *body = malloc(n + 16);
	struct vg_text t;
	struct vg_rules *r;
	struct vg_symset res;
	struct vg_rules_stats st;

	ck_assert_ptr_nonnull(body);
	memset(body, 'a', n);
	body[n] = '\0';
	memset(&t, 0, sizeof(t));
	t.body = body;
	t.body_len = n;
	r = load("body DEEP /^(a|b)*$/\nbody SHALLOW /^(a|b){1,20}/\n");
	warnings = 0;
	vg_log_set_sink(count_warnings, NULL, VG_LOG_DEBUG);
	vg_symset_init(&res);
	ck_assert_int_eq(vg_rules_eval(r, NULL, &t, NULL, &res), 0);
	ck_assert(!vg_symset_has(&res, "DEEP"));
	ck_assert(vg_symset_has(&res, "SHALLOW"));
	vg_symset_fini(&res);
	vg_log_set_sink(NULL, NULL, VG_LOG_DEBUG);
	ck_assert_msg(warnings == 1, "got %u warnings, want 1", warnings);
	ck_assert_msg(strstr(last_warning, "DEEP") != NULL &&
	        (strstr(last_warning, "JIT stack limit") != NULL ||
	            strstr(last_warning, "depth limit") != NULL),
	    "got \"%s\", want DEEP stopped at the JIT stack limit",
	    last_warning);
	vg_rules_stats(r, &st);
	ck_assert_uint_eq(st.limit_rules, 1);
	vg_rules_free(r);
	free(body);
}
END_TEST

START_TEST(test_rules_eval_header_cut)
{
	/* A header lookup is cut at 1 MiB: the rules see the first MiB. */
	size_t n = 2u * 1024 * 1024;
	char *big = malloc(n + 1);
	struct vg_text_header h = {"X-Big", NULL, NULL};
	struct vg_text t;
	struct vg_symset res;

	ck_assert_ptr_nonnull(big);
	memset(big, 'a', n);
	memcpy(big, "START", 5);
	memcpy(big + n - 3, "END", 3);
	big[n] = '\0';
	h.value = h.raw = big;
	memset(&t, 0, sizeof(t));
	t.headers = &h;
	t.nheaders = 1;
	run(&res, "header S X-Big =~ /^START/\nheader E X-Big =~ /END$/\n",
	    NULL, &t);
	ck_assert(vg_symset_has(&res, "S"));
	ck_assert(!vg_symset_has(&res, "E"));
	vg_symset_fini(&res);
	free(big);
}
END_TEST

/* One thread's share of the concurrency test. */
struct eval_thread {
	const struct vg_rules *r;
	int failures;
	size_t live; /* scratches alive after the first call */
};

/* eval_thread_main - evaluate the shared rules over and over */
static void *
eval_thread_main(void *arg)
{
	struct eval_thread *et = arg;
	int i;

	for (i = 0; i < 200; i++) {
		struct vg_rules_hits *hits = NULL;
		struct vg_symset res;

		vg_symset_init(&res);
		if (vg_rules_hits_new(&hits, et->r) != 0 ||
		    vg_rules_eval(et->r, NULL, &text, hits, &res) != 0 ||
		    vg_rules_eval_meta(et->r, hits, &res) != 0 ||
		    !vg_symset_has(&res, "M") || !vg_symset_has(&res, "H") ||
		    vg_symset_has(&res, "N"))
			et->failures++;
		vg_rules_hits_free(hits);
		vg_symset_fini(&res);
	}
	return NULL;
}

/* One struct vg_rules is shared by every scanning thread. */
START_TEST(test_rules_eval_threads)
{
	struct vg_rules *r =
	    load("body __B /million/\nheader H Subject =~ /MONEY/\n"
	         "uri U /^http/\nbody N /absent/\nmeta M __B && H && U\n");
	struct eval_thread et[4];
	pthread_t tid[4];
	size_t i;

	for (i = 0; i < 4; i++) {
		et[i].r = r;
		et[i].failures = 0;
		ck_assert_int_eq(
		    pthread_create(&tid[i], NULL, eval_thread_main, &et[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(tid[i], NULL), 0);
		ck_assert_msg(et[i].failures == 0,
		    "thread %zu: got %d wrong results, want 0", i,
		    et[i].failures);
	}
	vg_rules_free(r);
}
END_TEST

/* scratch_thread_main - 200 evaluations; the scratches alive after each */
static void *
scratch_thread_main(void *arg)
{
	struct eval_thread *et = arg;
	size_t first = 0;
	int i;

	for (i = 0; i < 200; i++) {
		struct vg_symset res;

		vg_symset_init(&res);
		if (vg_rules_eval(et->r, NULL, &text, NULL, &res) != 0 ||
		    !vg_symset_has(&res, "H"))
			et->failures++;
		vg_symset_fini(&res);
		/* One scratch made by the first call, none after it. */
		if (i == 0)
			first = vg_rules_scratch_live();
		else if (vg_rules_scratch_live() != first)
			et->failures++;
	}
	et->live = first;
	return NULL;
}

/*
 * Issue 13: no allocation of match data, match context or JIT stack per
 * message.  A thread makes its scratch at its first evaluation, keeps it
 * for the next 199, and frees it when it exits.
 */
START_TEST(test_rules_eval_scratch_per_thread)
{
	struct vg_rules *r = load("header H Subject =~ /MONEY/\n"
	                          "body B /million/\n");
	struct eval_thread et = {.r = r};
	size_t before = vg_rules_scratch_live();
	pthread_t tid;

	ck_assert_int_eq(
	    pthread_create(&tid, NULL, scratch_thread_main, &et), 0);
	ck_assert_int_eq(pthread_join(tid, NULL), 0);
	ck_assert_msg(et.failures == 0,
	    "got %d evaluations wrong or making a scratch, want 0",
	    et.failures);
	ck_assert_uint_eq(et.live, before + 1);
	ck_assert_uint_eq(vg_rules_scratch_live(), before);
	vg_rules_free(r);
}
END_TEST

/* Every allocation of an evaluation may fail: VG_ENOMEM, never a crash. */
START_TEST(test_rules_eval_alloc_failures)
{
	struct vg_rules *r = load("header A Subject =~ /MONEY/\n"
	                          "header B ALL =~ /From/\nbody C /million/\n"
	                          "meta D A && C\n");
	unsigned long n;
	bool ok = false;

	for (n = 1; n < 200 && !ok; n++) {
		struct vg_rules_hits *hits = NULL;
		struct vg_symset res;
		int rc;

		vg_symset_init(&res);
		vg_alloc_fail_at(n);
		rc = vg_rules_hits_new(&hits, r);
		if (rc == 0)
			rc = vg_rules_eval(r, NULL, &text, hits, &res);
		if (rc == 0)
			rc = vg_rules_eval_meta(r, hits, &res);
		vg_alloc_fail_at(0);
		ck_assert_msg(rc == 0 || rc == VG_ENOMEM,
		    "allocation %lu: got %d, want 0 or VG_ENOMEM", n, rc);
		if (rc == 0) {
			ok = true;
			ck_assert(vg_symset_has(&res, "D"));
		}
		vg_rules_hits_free(hits);
		vg_symset_fini(&res);
	}
	ck_assert(ok);
	vg_rules_free(r);
}
END_TEST

/*
 * The default rules' obfuscation rules catch hidden words, not plain ones.
 * Since bench/rule-fit.py they are sub-rules (they do not score next to
 * SpamAssassin's rules): their hits are read from the hit state.
 */
static const struct {
	const char *body;
	const char *rule;
	int want;
} obfuscated[] = {
    {"buy V1AGRA today", "VG_OBFU_DRUGS", 1},
    {"buy v-i-a-g-r-a today", "VG_OBFU_DRUGS", 1},
    {"buy c!al!s today", "VG_OBFU_DRUGS", 1},
    {"buy viagra today", "VG_OBFU_DRUGS", 0},
    {"get fr33 m0ney", "VG_OBFU_MONEY_WORDS", 1},
    {"get free money", "VG_OBFU_MONEY_WORDS", 0},
    {"F R E E O F F E R", "VG_OBFU_SPACED", 1},
    {"a b c", "VG_OBFU_SPACED", 0},
};

START_TEST(test_rules_eval_default_obfuscation)
{
	struct vg_rules *r = NULL;
	struct vg_rules_hits *hits = NULL;
	int hit = -1;
	struct vg_err err;
	struct vg_text t;
	struct vg_symset res;

	vg_err_init(&err);
	ck_assert_msg(
	    vg_rules_load(&r, VG_SOURCE_DIR "/rules/vigil.rules", &err) == 0,
	    "%s", vg_err_text(&err));
	memset(&t, 0, sizeof(t));
	t.body = obfuscated[_i].body;
	t.body_len = strlen(t.body);
	vg_symset_init(&res);
	ck_assert_int_eq(vg_rules_hits_new(&hits, r), 0);
	ck_assert_int_eq(vg_rules_eval(r, NULL, &t, hits, &res), 0);
	for (size_t i = 0; i < vg_rules_count(r); i++)
		if (strcmp(vg_rules_name(r, i), obfuscated[_i].rule) == 0)
			hit = vg_rules_hit(hits, i) ? 1 : 0;
	ck_assert_msg(hit == obfuscated[_i].want,
	    "%s over \"%s\": got %s, want %s", obfuscated[_i].rule,
	    obfuscated[_i].body,
	    hit == 1       ? "hit"
	        : hit == 0 ? "no hit"
	                   : "no such rule",
	    obfuscated[_i].want ? "hit" : "no hit");
	vg_rules_hits_free(hits);
	vg_symset_fini(&res);
	vg_rules_free(r);
}
END_TEST

START_TEST(test_rules_eval_null_rules)
{
	struct vg_symset res;

	vg_symset_init(&res);
	ck_assert_int_eq(vg_rules_eval(NULL, NULL, &text, NULL, &res), 0);
	ck_assert_int_eq(vg_rules_eval_meta(NULL, NULL, &res), 0);
	ck_assert_uint_eq(res.n, 0);
	vg_symset_fini(&res);
}
END_TEST

static Suite *
rules_eval_suite(void)
{
	Suite *s = suite_create("rules_eval");
	TCase *tc;

	tc = tcase_create("rules");
	tcase_add_loop_test(tc, test_rules_eval_single, 0,
	    (int)(sizeof(single) / sizeof(single[0])));
	tcase_add_test(tc, test_rules_eval_scores);
	tcase_add_test(tc, test_rules_eval_test_rule_score);
	tcase_add_test(tc, test_rules_eval_rawbody_chunks);
	tcase_add_test(tc, test_rules_eval_full);
	tcase_add_test(tc, test_rules_eval_no_text);
	tcase_add_test(tc, test_rules_eval_null_rules);
	tcase_add_loop_test(tc, test_rules_eval_default_obfuscation, 0,
	    (int)(sizeof(obfuscated) / sizeof(obfuscated[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("meta");
	tcase_add_loop_test(tc, test_rules_eval_meta, 0,
	    (int)(sizeof(metas) / sizeof(metas[0])));
	tcase_add_test(tc, test_rules_eval_meta_chain);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_rules_eval_match_limit);
	tcase_add_test(tc, test_rules_eval_jit_stack_limit);
	tcase_add_test(tc, test_rules_eval_header_cut);
	tcase_add_test(tc, test_rules_eval_threads);
	tcase_add_test(tc, test_rules_eval_scratch_per_thread);
	tcase_add_test(tc, test_rules_eval_alloc_failures);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(rules_eval_suite)
