/* SPDX-License-Identifier: GPL-2.0-only */
/* test_tokenize - the learning classifier's tokens of crafted and real mail */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "base/compiler.h"
#include "base/err.h"
#include "learn/tokenize.h"
#include "message/msg.h"
#include "message/text.h"

#define CORPUS VG_SOURCE_DIR "/../shared/corpus/spamassassin/"

/* The token texts one tokenize call made, for messages on failure. */
struct trace {
	char **v;
	size_t n;
};

static const char SIMPLE[] =
    "From: \"Cheap Pills\" <deals@Shop.Example.COM>\r\n"
    "Reply-To: orders@other.example.net\r\n"
    "To: you@example.org\r\n"
    "Subject: FREE offer today\r\n"
    "Message-Id: <AB12cd.345@mail.example.com>\r\n"
    "X-Mailer: MailMaster 4.25\r\n"
    "X-Spam-Status: Yes, score=20 leakword1\r\n"
    "X-Keywords: leakword2\r\n"
    "X-Status: leakword3\r\n"
    "X-Virus-Scanned: leakword4\r\n"
    "X-Foo-MailScanner-Info: leakword5\r\n"
    "X-Mozilla-Status2: leakword6\r\n"
    "Status: leakword7\r\n"
    "X-Spam-Flag: leakword8\r\n"
    "X-Vigil-Thing: keepword\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "Buy cheap Viagra now at http://user@WWW.Pills.Example.biz:8080/x\r\n"
    "a b Supercalifragilisticexpialidocious-and-more-yes\r\n";

/* trace_add - keep one token's text */
static void
trace_add(void *arg, const char *tok, size_t len)
{
	struct trace *tr = arg;
	char **v = realloc(tr->v, (tr->n + 1) * sizeof(*v));

	ck_assert_ptr_nonnull(v);
	tr->v = v;
	ck_assert_ptr_nonnull(tr->v[tr->n] = strndup(tok, len));
	tr->n++;
}

/* trace_free - forget the texts */
static void
trace_free(struct trace *tr)
{
	size_t i;

	for (i = 0; i < tr->n; i++)
		free(tr->v[i]);
	free(tr->v);
	tr->v = NULL;
	tr->n = 0;
}

/* msg_of - a finished message from literal bytes */
static struct vg_msg *
msg_of(const char *s, size_t len)
{
	struct vg_msg_limits lim = {
	    .max_size = 64 << 20,
	    .memory_limit = 64 << 20,
	    .max_headers = 1000,
	    .max_header_size = 1 << 20,
	    .max_rcpts = 100,
	    .tmp_dir = "/tmp",
	};
	struct vg_msg *m;

	ck_assert_int_eq(vg_msg_from_bytes(&m, &lim, s, len), 0);
	return m;
}

/* tokens_of - the tokens of s with limits lim (NULL: defaults) */
static struct vg_tokens *
tokens_of(const char *s, const struct vg_token_limits *lim, struct trace *tr)
{
	struct vg_msg *m = msg_of(s, strlen(s));
	struct vg_text *t;
	struct vg_tokens *toks;
	size_t i;

	ck_assert_int_eq(vg_text_build(&t, m, NULL), 0);
	ck_assert_int_eq(
	    vg_tokenize_trace(&toks, t, lim, tr != NULL ? trace_add : NULL, tr),
	    0);
	ck_assert_ptr_nonnull(toks);
	for (i = 1; i < toks->n; i++)
		ck_assert_msg(toks->v[i - 1] < toks->v[i], "not sorted/unique");
	vg_text_free(t);
	vg_msg_free(m);
	return toks;
}

/* has - the set holds the token text s */
static bool
has(const struct vg_tokens *toks, const char *s)
{
	return vg_tokens_has(toks, vg_token_value(s, strlen(s)));
}

/* traced - the trace made the text s */
static bool
traced(const struct trace *tr, const char *s)
{
	size_t i;

	for (i = 0; i < tr->n; i++) {
		if (strcmp(tr->v[i], s) == 0)
			return true;
	}
	return false;
}

/* dump - the traced texts, for a failure message */
static void
dump(const struct trace *tr)
{
	size_t i;

	for (i = 0; i < tr->n; i++)
		fprintf(stderr, "  [%s]\n", tr->v[i]);
}

START_TEST(test_tokenize_sources)
{
	static const char *const want[] = {"s:free", "s:offer", "s:today",
	    "fn:cheap", "fn:pills", "fd:shop.example.com",
	    "rt:other.example.net", "rt:differs", "ct:text/plain",
	    "xm:mailmaster 9.9", "mid:a9a.9", "mid@mail.example.com",
	    "h:to:you", "h:to:example.org", "B:FREE", "B:Buy", "B:Viagra",
	    "h:x-vigil-thing:keepword", "h:content-type:charset", "b:buy",
	    "b:cheap", "b:viagra", "b:free", "b:http",
	    "uh:www.pills.example.biz", "ud:example.biz", "mt:text/plain",
	    "mime:text/0text", "b:long:24", "o:buy 1 cheap", "o:buy 2 viagra",
	    "o:buy 4 at", "o:cheap 4 http", "o:now 1 at"};
	struct trace tr = {0};
	struct vg_tokens *toks = tokens_of(SIMPLE, NULL, &tr);
	size_t i;

	for (i = 0; i < VG_NELEM(want); i++) {
		if (!has(toks, want[i]) || !traced(&tr, want[i]))
			dump(&tr);
		ck_assert_msg(has(toks, want[i]), "no token %s", want[i]);
	}
	/* Words of one letter, and pairs beyond the window, are not tokens. */
	ck_assert(!traced(&tr, "b:a"));
	ck_assert(!traced(&tr, "o:buy 5 http"));
	ck_assert(!has(toks, "free"));
	/* Lower-case words have no second, as-written token. */
	ck_assert(!traced(&tr, "B:cheap") && !traced(&tr, "B:offer"));
	/* Subject words come from s: and the body view, not h:. */
	ck_assert(!traced(&tr, "h:subject:free"));
	ck_assert_uint_eq(toks->flags, 0);
	vg_tokens_free(toks);
	trace_free(&tr);
}
END_TEST

/*
 * A word's body tokens share the high half of their value (tokenize.h,
 * VALUES), so they lie side by side in the store; every traced text's
 * vg_token_value() is in the set, and the set holds nothing else.
 */
START_TEST(test_tokenize_anchored)
{
	struct trace tr = {0};
	struct vg_tokens *toks = tokens_of(SIMPLE, NULL, &tr);
	uint64_t buy = vg_token_value("b:buy", 5);
	static const char *const of_buy[] = {
	    "B:Buy", "o:buy 1 cheap", "o:buy 2 viagra", "o:buy 4 at"};
	size_t i, distinct = 0;

	ck_assert_uint_eq(buy, vg_token_hash("b:buy", 5));
	for (i = 0; i < VG_NELEM(of_buy); i++) {
		uint64_t v = vg_token_value(of_buy[i], strlen(of_buy[i]));

		ck_assert_msg(
		    v >> 32 == buy >> 32, "%s not under b:buy", of_buy[i]);
		ck_assert_uint_eq(v & 0xffffffffu,
		    vg_token_hash(of_buy[i], strlen(of_buy[i])) & 0xffffffffu);
	}
	/* A pair hangs under its first word, not its second. */
	ck_assert_uint_eq(vg_token_value("o:now 1 at", 10) >> 32,
	    vg_token_hash("b:now", 5) >> 32);
	/* Other sources keep their own hash. */
	ck_assert_uint_eq(
	    vg_token_value("s:free", 6), vg_token_hash("s:free", 6));
	for (i = 0; i < tr.n; i++) {
		size_t j;

		ck_assert_msg(
		    has(toks, tr.v[i]), "traced %s not in the set", tr.v[i]);
		for (j = 0; j < i; j++) {
			if (strcmp(tr.v[j], tr.v[i]) == 0)
				break;
		}
		distinct += j == i;
	}
	ck_assert_uint_eq(toks->n, distinct);
	vg_tokens_free(toks);
	trace_free(&tr);
}
END_TEST

/* The HTML renderer's tricks become ht: tokens; plain text has none. */
START_TEST(test_tokenize_html)
{
	static const char html[] =
	    "From: a@example.com\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/html\r\n\r\n"
	    "<html><body><p>Great offer</p>"
	    "<div style=\"display:none\">hidden words here</div>"
	    "<form action=\"http://x.example/\"><input></form>"
	    "</body></html>\r\n";
	struct vg_tokens *toks = tokens_of(html, NULL, NULL);

	ck_assert(has(toks, "ht:only"));
	ck_assert(has(toks, "ht:hidden"));
	ck_assert(has(toks, "ht:form"));
	ck_assert(!has(toks, "ht:tiny") && !has(toks, "ht:script"));
	vg_tokens_free(toks);
	toks = tokens_of(SIMPLE, NULL, NULL);
	ck_assert(!has(toks, "ht:only") && !has(toks, "ht:hidden"));
	vg_tokens_free(toks);
}
END_TEST

START_TEST(test_tokenize_excluded)
{
	struct trace tr = {0};
	struct vg_tokens *toks = tokens_of(SIMPLE, NULL, &tr);
	size_t i;

	/* No token of any verdict or mailbox-state header. */
	for (i = 0; i < tr.n; i++) {
		ck_assert_msg(strstr(tr.v[i], "leakword") == NULL &&
		        strstr(tr.v[i], "x-spam") == NULL &&
		        strstr(tr.v[i], "status") == NULL,
		    "token of an excluded header: %s", tr.v[i]);
	}
	vg_tokens_free(toks);
	trace_free(&tr);
}
END_TEST

START_TEST(test_tokenize_sa_headers)
{
	/* Only the last two Received (the earliest hops) give words; Date,
	 * list and delivery headers none (SpamAssassin's IGNORED_HDRS). */
	struct trace tr = {0};
	struct vg_tokens *toks =
	    tokens_of("Received: from relaythree by mxfour\r\n"
	              "Received: from relaytwo by relaythree\r\n"
	              "Received: from relayone by relaytwo\r\n"
	              "Received: from origin by relayone\r\n"
	              "Date: Mon, 7 Dec 2026 05:00:00 +0000\r\n"
	              "List-Id: <listword.example.org>\r\n"
	              "Delivered-To: deliveredword@example.org\r\n"
	              "X-Loop: loopword\r\n"
	              "X-Other: otherword\r\n"
	              "From: a@x.example\r\n\r\nhello there\r\n",
	        NULL, &tr);

	ck_assert(has(toks, "h:received:origin"));
	ck_assert(has(toks, "h:received:relayone"));
	ck_assert(has(toks, "h:received:relaytwo"));
	ck_assert(!has(toks, "h:received:relaythree"));
	ck_assert(!has(toks, "h:received:mxfour"));
	ck_assert(has(toks, "h:x-other:otherword"));
	for (size_t i = 0; i < tr.n; i++) {
		ck_assert_msg(strncmp(tr.v[i], "h:date:", 7) != 0 &&
		        strstr(tr.v[i], "listword") == NULL &&
		        strstr(tr.v[i], "deliveredword") == NULL &&
		        strstr(tr.v[i], "loopword") == NULL,
		    "token of a header not learned: %s", tr.v[i]);
	}
	vg_tokens_free(toks);
	trace_free(&tr);
}
END_TEST

START_TEST(test_tokenize_bang)
{
	/* A word before "!" counts with it too, a run as at most three. */
	struct vg_tokens *toks = tokens_of(
	    "From: a@x.example\r\n\r\nAct NOW!!!!! hello!, there !\r\n", NULL,
	    NULL);

	ck_assert(has(toks, "p:now!!!"));
	ck_assert(!has(toks, "p:now!!!!"));
	ck_assert(has(toks, "p:hello!"));
	ck_assert(!has(toks, "p:act!") && !has(toks, "p:there!"));
	ck_assert(has(toks, "b:now") && has(toks, "B:NOW"));
	vg_tokens_free(toks);
}
END_TEST

START_TEST(test_tokenize_reply_same)
{
	struct vg_tokens *toks =
	    tokens_of("From: a@x.example\r\n"
	              "Reply-To: b@X.Example\r\n"
	              "Content-Type: multipart/mixed; "
	              "boundary=zz\r\n\r\n"
	              "--zz\r\nContent-Type: text/plain\r\n"
	              "\r\nhello there\r\n"
	              "--zz\r\nContent-Type: "
	              "application/pdf\r\n"
	              "Content-Disposition: attachment; "
	              "filename=\"Invoice.PDF\"\r\n\r\n"
	              "JVBERi0=\r\n"
	              "--zz\r\nContent-Type: "
	              "application/octet-stream; "
	              "name=noext\r\n"
	              "Content-Disposition: attachment; "
	              "filename=noext\r\n\r\nAA==\r\n"
	              "--zz--\r\n",
	        NULL, NULL);

	ck_assert(has(toks, "rt:same"));
	ck_assert(!has(toks, "rt:differs"));
	ck_assert(has(toks, "ct:multipart/mixed"));
	ck_assert(has(toks, "mt:text/plain"));
	ck_assert(has(toks, "mt:application/pdf"));
	ck_assert(has(toks, "att:pdf"));
	ck_assert(has(toks, "att:none"));
	ck_assert(has(toks, "mime:mixed/1text/1appl/1appl"));
	ck_assert(has(toks, "b:hello"));
	ck_assert(has(toks, "o:hello 1 there"));
	vg_tokens_free(toks);
}
END_TEST

START_TEST(test_tokenize_dedup)
{
	struct trace tr = {0};
	struct vg_tokens *a = tokens_of(
	    "Subject: x\r\n\r\nspam spam spam spam spam spam\r\n", NULL, &tr);
	size_t i, n = 0;

	/* "b:spam" is made six times and kept once. */
	for (i = 0; i < tr.n; i++)
		n += strcmp(tr.v[i], "b:spam") == 0;
	ck_assert_uint_eq(n, 6);
	ck_assert(has(a, "b:spam"));
	ck_assert(has(a, "o:spam 4 spam"));
	ck_assert_uint_lt(a->n, tr.n);
	vg_tokens_free(a);
	trace_free(&tr);
}
END_TEST

START_TEST(test_tokenize_token_limit)
{
	struct vg_token_limits lim;
	struct vg_tokens *toks;

	vg_token_limits_default(&lim);
	lim.max_tokens = 5;
	toks = tokens_of(SIMPLE, &lim, NULL);
	ck_assert_uint_eq(toks->n, 5);
	ck_assert_uint_eq(toks->flags, VG_TOKENS_F_TOKEN_LIMIT);
	/* Headers come first: the Subject's words are kept. */
	ck_assert(has(toks, "s:free"));
	ck_assert(!has(toks, "b:viagra"));
	vg_tokens_free(toks);
}
END_TEST

/* trace_none - a trace that keeps nothing */
static void
trace_none(void *arg, const char *tok, size_t len)
{
	(void)arg;
	(void)tok;
	(void)len;
}

/* cmp_u64 - for qsort */
static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The tokenizer logs the values it makes and sorts them at the end while
 * fewer than max_tokens were made, and past that replays the log into a
 * hash set (tokenize.c, struct tset).  Either way the set kept is the
 * first max_tokens distinct tokens in the order made, with the limit's
 * flag set when another was made after them: checked on a corpus message
 * (about 1,300 tokens made, 1,100 distinct) for limits on both sides of
 * the switch, traced (each token's text hashed) and untraced.
 */
START_TEST(test_tokenize_limit_order)
{
	struct vg_msg_limits ml = {
	    .max_size = 64 << 20,
	    .memory_limit = 64 << 20,
	    .max_headers = 1000,
	    .max_header_size = 1 << 20,
	    .max_rcpts = 100,
	    .tmp_dir = "/tmp",
	};
	struct trace tr = {0};
	struct vg_token_limits lim;
	struct vg_tokens *all, *a, *b;
	struct vg_text *t;
	struct vg_msg *m;
	uint64_t *want;
	size_t made, distinct, k, i, j, n;

	ck_assert_int_eq(
	    vg_msg_from_file(&m, &ml,
	        CORPUS "ham/"
	               "easy_ham.00001.7c53336b37003a9286aba55d2945844c"),
	    0);
	ck_assert_int_eq(vg_text_build(&t, m, NULL), 0);
	ck_assert_int_eq(vg_tokenize_trace(&all, t, NULL, trace_add, &tr), 0);
	made = tr.n;
	distinct = all->n;
	ck_assert_uint_gt(made, distinct);
	ck_assert_uint_gt(distinct, 500);
	ck_assert_ptr_nonnull(want = calloc(made, sizeof(*want)));
	const size_t limits[] = {1, 2, 100, distinct / 2, distinct - 1,
	    distinct, distinct + 1, made - 1, made, made + 1, made + 1000};
	for (i = 0; i < VG_NELEM(limits); i++) {
		k = limits[i];
		/* The first k distinct values in the order made. */
		for (n = 0, j = 0; j < made && n < k; j++) {
			uint64_t v = vg_token_value(tr.v[j], strlen(tr.v[j]));
			size_t x;

			for (x = 0; x < n && want[x] != v; x++)
				;
			if (x == n)
				want[n++] = v;
		}
		qsort(want, n, sizeof(*want), cmp_u64);
		vg_token_limits_default(&lim);
		lim.max_tokens = k;
		ck_assert_int_eq(vg_tokenize(&a, t, &lim), 0);
		ck_assert_int_eq(
		    vg_tokenize_trace(&b, t, &lim, trace_none, NULL), 0);
		ck_assert_msg(
		    a->n == n && memcmp(a->v, want, n * sizeof(*want)) == 0,
		    "limit %zu: %zu tokens, want %zu", k, a->n, n);
		ck_assert(
		    b->n == n && memcmp(b->v, want, n * sizeof(*want)) == 0);
		ck_assert_uint_eq(
		    a->flags, k < distinct ? VG_TOKENS_F_TOKEN_LIMIT : 0);
		ck_assert_uint_eq(b->flags, a->flags);
		vg_tokens_free(a);
		vg_tokens_free(b);
	}
	free(want);
	vg_tokens_free(all);
	trace_free(&tr);
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

START_TEST(test_tokenize_text_limit)
{
	struct vg_token_limits lim;
	struct vg_tokens *toks;
	char *msg;
	size_t i, len;
	const char head[] = "Subject: s\r\n\r\nfirstword ";

	/*
	 * 90 KB of body: the first 4 KB are read.  (Under text.h's
	 * body_scan_size, 100K a part, so the text view holds all of it.)
	 */
	len = sizeof(head) - 1 + 90 * 1024 + 32;
	ck_assert_ptr_nonnull(msg = malloc(len + 1));
	memcpy(msg, head, sizeof(head) - 1);
	for (i = sizeof(head) - 1; i < len - 20; i++)
		msg[i] = (i % 7 == 0) ? ' ' : (char)('a' + (i / 7) % 26);
	memcpy(msg + len - 20, " lastwordhere\r\n\0\0\0\0\0", 20);
	msg[len] = '\0';
	vg_token_limits_default(&lim);
	lim.max_text_bytes = 4096;
	toks = tokens_of(msg, &lim, NULL);
	ck_assert_uint_eq(toks->flags, VG_TOKENS_F_TEXT_LIMIT);
	ck_assert(has(toks, "b:firstword"));
	ck_assert(!has(toks, "b:lastwordhere"));
	vg_tokens_free(toks);
	vg_token_limits_default(&lim);
	toks = tokens_of(msg, &lim, NULL);
	ck_assert_uint_eq(toks->flags, 0);
	ck_assert(has(toks, "b:lastwordhere"));
	vg_tokens_free(toks);
	free(msg);
}
END_TEST

START_TEST(test_tokenize_word_len)
{
	struct trace tr = {0};
	struct vg_tokens *toks = tokens_of(
	    "Subject: x\r\n\r\n"
	    "abcdefghijklmnopqrstuvwx abcdefghijklmnopqrstuvwxy "
	    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
	    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\r\n",
	    NULL, &tr);

	/* 24 bytes is a word, 25 a long word of class 24, 104 of 96. */
	ck_assert(has(toks, "b:abcdefghijklmnopqrstuvwx"));
	ck_assert(has(toks, "b:long:24"));
	ck_assert(has(toks, "b:long:96"));
	ck_assert(!traced(&tr, "b:abcdefghijklmnopqrstuvwxy"));
	vg_tokens_free(toks);
	trace_free(&tr);
}
END_TEST

START_TEST(test_tokenize_corpus)
{
	static const char *const names[] = {
	    "spam/spam.00001.7848dde101aa985090474a91ec93fcf0",
	    "ham/easy_ham.00001.7c53336b37003a9286aba55d2945844c"};
	struct vg_msg_limits ml = {
	    .max_size = 64 << 20,
	    .memory_limit = 64 << 20,
	    .max_headers = 1000,
	    .max_header_size = 1 << 20,
	    .max_rcpts = 100,
	    .tmp_dir = "/tmp",
	};
	struct vg_tokens *toks;
	struct vg_text *t;
	struct vg_msg *m;
	char path[1024];
	size_t i;

	for (i = 0; i < VG_NELEM(names); i++) {
		snprintf(path, sizeof(path), "%s%s", CORPUS, names[i]);
		ck_assert_int_eq(vg_msg_from_file(&m, &ml, path), 0);
		ck_assert_int_eq(vg_text_build(&t, m, NULL), 0);
		ck_assert_int_eq(vg_tokenize(&toks, t, NULL), 0);
		/* A few hundred tokens: words, pairs, headers. */
		ck_assert_msg(toks->n > 100 && toks->n < 20000,
		    "%s: %zu tokens", names[i], toks->n);
		ck_assert_uint_eq(toks->flags, 0);
		vg_tokens_free(toks);
		vg_text_free(t);
		vg_msg_free(m);
	}
}
END_TEST

/*
 * The untraced path hashes word pairs from a state kept per word
 * (tokenize.c osb_pairs); the traced one hashes each token's text.  Both
 * give the same values, on the first 300 ham and spam of the corpus; so
 * does vg_tokenize_set(), in another order (and with a token limit).
 */
START_TEST(test_tokenize_fast_same)
{
	static const char *const dirs[] = {"ham", "spam"};
	struct vg_msg_limits ml = {
	    .max_size = 64 << 20,
	    .memory_limit = 64 << 20,
	    .max_headers = 1000,
	    .max_header_size = 1 << 20,
	    .max_rcpts = 100,
	    .tmp_dir = "/tmp",
	};
	size_t total = 0;

	for (size_t d = 0; d < VG_NELEM(dirs); d++) {
		char path[1024];
		struct dirent *de;
		DIR *dh;
		size_t seen = 0;

		snprintf(path, sizeof(path), "%s%s", CORPUS, dirs[d]);
		ck_assert_ptr_nonnull(dh = opendir(path));
		while ((de = readdir(dh)) != NULL && seen < 300) {
			struct vg_tokens *a, *b;
			struct vg_text *t;
			struct vg_msg *m;
			char full[2048];

			if (de->d_name[0] == '.')
				continue;
			snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
			ck_assert_int_eq(vg_msg_from_file(&m, &ml, full), 0);
			ck_assert_int_eq(vg_text_build(&t, m, NULL), 0);
			ck_assert_int_eq(vg_tokenize(&a, t, NULL), 0);
			ck_assert_int_eq(
			    vg_tokenize_trace(&b, t, NULL, trace_none, NULL),
			    0);
			ck_assert_msg(a->n == b->n &&
			        memcmp(a->v, b->v, a->n * sizeof(*a->v)) == 0,
			    "%s: %zu vs %zu tokens", full, a->n, b->n);
			total += a->n;
			vg_tokens_free(b);
			/* The classifier's unordered set: the same values. */
			for (int lim_case = 0; lim_case < 2; lim_case++) {
				struct vg_token_limits lim;
				struct vg_tokens *c, *o;
				uint64_t *owned;
				const uint64_t *ord;

				vg_token_limits_default(&lim);
				if (lim_case == 1)
					lim.max_tokens = 300; /* the hash set */
				ck_assert_int_eq(vg_tokenize(&o, t, &lim), 0);
				ck_assert_int_eq(
				    vg_tokenize_set(&c, t, &lim), 0);
				ck_assert(c->flags & VG_TOKENS_F_UNORDERED);
				ck_assert_uint_eq(
				    c->flags & ~VG_TOKENS_F_UNORDERED,
				    o->flags);
				ord = vg_tokens_ordered(c, &owned);
				ck_assert_msg(c->n == o->n &&
				        (c->n == 0 ||
				            (ord != NULL &&
				                memcmp(ord, o->v,
				                    o->n * sizeof(*o->v)) ==
				                    0)),
				    "%s: unordered set: %zu vs %zu tokens",
				    full, c->n, o->n);
				for (size_t i = 0; i < o->n && i < 20; i++)
					ck_assert(vg_tokens_has(c, o->v[i]));
				vg_free(owned);
				ck_assert(
				    vg_tokens_ordered(o, &owned) == o->v &&
				    owned == NULL);
				vg_tokens_free(c);
				vg_tokens_free(o);
			}
			vg_tokens_free(a);
			vg_text_free(t);
			vg_msg_free(m);
			seen++;
		}
		closedir(dh);
	}
	ck_assert_uint_gt(total, 100000);
}
END_TEST

START_TEST(test_tokenize_enomem)
{
	struct vg_msg *m = msg_of(SIMPLE, strlen(SIMPLE));
	struct vg_tokens *toks = NULL;
	struct vg_text *t;
	unsigned long n;
	bool ok = false;
	int rc;

	ck_assert_int_eq(vg_text_build(&t, m, NULL), 0);
	/* Every allocation failure is VG_ENOMEM and leaks nothing. */
	for (n = 1; n < 30 && !ok; n++) {
		vg_alloc_fail_at(n);
		rc = vg_tokenize(&toks, t, NULL);
		vg_alloc_fail_at(0);
		if (rc != 0) {
			ck_assert_int_eq(rc, VG_ENOMEM);
			ck_assert_ptr_null(toks);
			continue;
		}
		ok = true;
		vg_tokens_free(toks);
	}
	ck_assert(ok);
	vg_text_free(t);
	vg_msg_free(m);
}
END_TEST

/* tokenize_suite - the tests above */
static Suite *
tokenize_suite(void)
{
	Suite *s = suite_create("tokenize");
	TCase *tc = tcase_create("core");

	if (vg_text_global_init() != 0)
		abort();
	tcase_add_test(tc, test_tokenize_sources);
	tcase_add_test(tc, test_tokenize_anchored);
	tcase_add_test(tc, test_tokenize_html);
	tcase_add_test(tc, test_tokenize_excluded);
	tcase_add_test(tc, test_tokenize_sa_headers);
	tcase_add_test(tc, test_tokenize_bang);
	tcase_add_test(tc, test_tokenize_reply_same);
	tcase_add_test(tc, test_tokenize_dedup);
	tcase_add_test(tc, test_tokenize_token_limit);
	tcase_add_test(tc, test_tokenize_limit_order);
	tcase_add_test(tc, test_tokenize_text_limit);
	tcase_add_test(tc, test_tokenize_word_len);
	tcase_add_test(tc, test_tokenize_corpus);
	tcase_add_test(tc, test_tokenize_enomem);
	tcase_add_test(tc, test_tokenize_fast_same);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(tokenize_suite)
