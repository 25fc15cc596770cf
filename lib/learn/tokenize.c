/* SPDX-License-Identifier: GPL-2.0-only */
/* tokenize - the features a learning classifier counts, from one message */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/scratch.h"
#include "base/compiler.h"
#include "base/err.h"
#include "learn/tokenize.h"
#include "message/statushdr.h"
#include "message/text.h"

/*
 * The set being built.  First a log: each value appended as made,
 * duplicates and all, while fewer than max_tokens were made (so the
 * limit cannot have been reached: unique <= made); sorted and made
 * unique at the end, which costs less than a hash set's probes and a
 * sort of the set (bench/README, "The classifier's cost").  The next
 * value after max_tokens of them replays the log, in order, into the
 * hash set (open addressing over the values, 0 meaning an empty slot;
 * a token valued 0 is stored as 1), which stays at most half full and
 * never holds more than max_tokens: the limit then stops at the same
 * token as if the set had been used from the first one.
 */
struct tset {
	uint64_t *log; /* the values made, in order (log mode) */
	size_t nlog;
	size_t logcap; /* entries */
	bool hashed;   /* the log was replayed into tab: set mode */
	uint64_t *tab;
	size_t size; /* power of two, or 0 */
	size_t n;
	size_t max;
	unsigned flags;
	bool full; /* the token limit was reached: add nothing more */
	vg_token_trace_fn trace;
	void *arg;
};

/* One token's text, cut at VG_TOKEN_TEXT_MAX bytes. */
struct tok {
	char s[VG_TOKEN_TEXT_MAX];
	size_t len;
};

/* A body word kept for the OSB pairs. */
struct word {
	char s[VG_TOKEN_MAX_LEN + 1];
	size_t len;
	uint64_t anchor; /* vg_token_hash() of "b:" + s */
	uint64_t opre;   /* FNV-1a state after "o:" + s + " " */
};

/* Verdict and mailbox-state headers: bench/learn-accuracy.sh's list. */
static const char *const excl_prefix[] = {"X-Spam", "X-Virus", "X-Razor",
    "X-Pyzor", "X-DCC", "X-Antispam", "X-Junk", "X-Mozilla-Status"};
static const char *const excl_exact[] = {"X-Bogosity", "X-Scanned-By",
    "X-Scanner", "X-Filtered-By", "X-RBL-Warning", "X-Perlmx-Spam", "SPAM",
    "X-Keywords", "X-Status", "Status", "X-Flags", "X-UID", "X-UIDL",
    "X-IMAPbase"};

/*
 * Headers whose words SpamAssassin's Bayes does not learn (Bayes.pm,
 * IGNORED_HDRS, its non-verdict part): delivery noise, Date ("invalid
 * cues if your spam corpus is older/newer than ham"), mailing-list
 * headers ("a spamfiltering mailing list will become a nonspam sign"),
 * resent/original copies, and Subject (its words are the body view's
 * first line, and s: tokens).  Case ignored.  With the last-two-Received
 * rule in header_tokens(), measured by bench/learn-eval (spam recall at
 * 0.1 % ham false positives): 71.3 -> 73.6 % on issue 9's split, 68.3 ->
 * 72.3 % on the swapped split (bench/README).
 */
static const char *const sa_ignored[] = {"Sender", "X-Sender", "Delivered-To",
    "Delivery-Date", "Envelope-To", "X-Envelope-To", "X-MIME-Autoconverted",
    "X-Converted-To-Plain-Text", "Subject", "Date", "X-List", "Mailing-List",
    "X-Mailing-List", "List-Archive", "List-Help", "List-Id", "List-Owner",
    "List-Post", "List-Subscribe", "List-Unsubscribe", "List-Host",
    "List-Manager", "List-Admin", "List-Comment", "List-Name", "List-Url",
    "X-List-Archive", "X-List-Help", "X-List-Id", "X-List-Owner", "X-List-Post",
    "X-List-Subscribe", "X-List-Unsubscribe", "X-List-Host", "X-List-Manager",
    "X-List-Admin", "X-List-Comment", "X-List-Name", "X-List-Url", "X-Unsub",
    "X-Unsubscribe", "X-Mailman-Version", "X-BeenThere", "X-Loop",
    "Mail-Followup-To", "X-eGroups-Return", "X-eGroups-From",
    "X-MDMailing-List", "X-XEmacs-List", "X-Sympa-To", "Resent-From",
    "Resent-To", "Resent-Date", "X-Resent-From", "X-Resent-To", "X-Resent-Date",
    "Original-From", "Original-To", "Original-Date", "X-Original-From",
    "X-Original-To", "X-Original-Date", "X-MDaemon-Deliver-To",
    "X-Mass-Check-Id", "X-SMTPD", "Spam-Apparently-To", "X-Spam-Apparently-To"};

/* vg_token_limits_default - the VG_TOKEN_DEF_* values */
void
vg_token_limits_default(struct vg_token_limits *out)
{
	out->max_text_bytes = VG_TOKEN_DEF_MAX_TEXT_BYTES;
	out->max_tokens = VG_TOKEN_DEF_MAX_TOKENS;
}

/* vg_token_hash - FNV-1a, 64 bits */
uint64_t
vg_token_hash(const char *tok, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)tok[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * anchored - a token's value: the anchor's high 32 bits over the token's
 * own low 32 bits (tokenize.h, VALUES); anchor 0: the hash itself
 */
static inline uint64_t
anchored(uint64_t h, uint64_t anchor)
{
	if (anchor != 0)
		h = (anchor & 0xffffffff00000000ULL) | (h & 0xffffffffULL);
	return h == 0 ? 1 : h;
}

/* vg_token_value - the value the set holds for a token's text */
uint64_t
vg_token_value(const char *tok, size_t len)
{
	char a[2 + VG_TOKEN_MAX_LEN];
	size_t n = 0, i;

	if (len > 2 && tok[1] == ':' &&
	    (tok[0] == 'o' || tok[0] == 'B' || tok[0] == 'p')) {
		a[n++] = 'b';
		a[n++] = ':';
		for (i = 2; i < len && n < sizeof(a); i++) {
			unsigned char c = (unsigned char)tok[i];

			if ((tok[0] == 'o' && c == ' ') ||
			    (tok[0] == 'p' && c == '!'))
				break;
			a[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		return anchored(vg_token_hash(tok, len), vg_token_hash(a, n));
	}
	return anchored(vg_token_hash(tok, len), 0);
}

/* mix - spread a hash's bits for the table index (splitmix64's finish) */
static inline uint64_t
mix(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* tset_slot - the slot holding h, or the empty one where it belongs */
static size_t
tset_slot(const uint64_t *tab, size_t size, uint64_t h)
{
	size_t i = (size_t)mix(h) & (size - 1);

	while (tab[i] != 0 && tab[i] != h)
		i = (i + 1) & (size - 1);
	return i;
}

/*
 * tset_grow - double the table, or make the first one, large enough for
 * the log it takes over (set mode only: a message of more than
 * max_tokens tokens made)
 */
static int
tset_grow(struct tset *ts)
{
	size_t size = ts->size == 0 ? 256 : ts->size * 2, i;
	uint64_t *tab;

	while (ts->size == 0 && size < 2 * ts->nlog)
		size *= 2;
	if ((tab = vg_calloc(size, sizeof(*tab))) == NULL)
		return VG_ENOMEM;
	for (i = 0; i < ts->size; i++) {
		if (ts->tab[i] != 0)
			tab[tset_slot(tab, size, ts->tab[i])] = ts->tab[i];
	}
	vg_free(ts->tab);
	ts->tab = tab;
	ts->size = size;
	return 0;
}

/* fnv_more - FNV-1a over n more bytes from state h */
static inline uint64_t
fnv_more(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int tset_add_h(struct tset *ts, uint64_t h);

/*
 * tset_add_at - add one token's text under an anchor (0: none); full
 * sets the limit flag
 */
static int
tset_add_at(struct tset *ts, const char *s, size_t len, uint64_t anchor)
{
	if (ts->full)
		return 0;
	if (ts->trace != NULL)
		ts->trace(ts->arg, s, len);
	return tset_add_h(ts, anchored(vg_token_hash(s, len), anchor));
}

/*
 * log_grow - room for more log entries: this thread's scratch buffer
 * first, then twice the size, at most max entries
 */
static int
log_grow(struct tset *ts)
{
	size_t want = ts->logcap == 0 ? 4096 : ts->logcap * 2, cap;
	uint64_t *p;

	if (want > ts->max)
		want = ts->max;
	if (ts->logcap == 0) {
		if ((p = vg_scratch_get(
		         VG_SCRATCH_TOKSET, want * sizeof(*p), &cap)) == NULL)
			return VG_ENOMEM;
		ts->log = p;
		ts->logcap = cap / sizeof(*p);
		return 0;
	}
	if ((p = vg_reallocarray(NULL, want, sizeof(*p))) == NULL)
		return VG_ENOMEM;
	memcpy(p, ts->log, ts->nlog * sizeof(*p));
	vg_scratch_put(VG_SCRATCH_TOKSET, ts->log, ts->logcap * sizeof(*p));
	ts->log = p;
	ts->logcap = want;
	return 0;
}

static int tset_add_set(struct tset *ts, uint64_t h);

/*
 * log_to_set - replay the log into the hash set, in the order made (the
 * set then holds what it would had it been used from the start)
 */
static int
log_to_set(struct tset *ts)
{
	int rc;

	ts->hashed = true;
	for (size_t i = 0; i < ts->nlog; i++) {
		if ((rc = tset_add_set(ts, ts->log[i])) != 0)
			return rc;
	}
	return 0;
}

/* tset_add_h - add a token's value (anchored already) */
static int
tset_add_h(struct tset *ts, uint64_t h)
{
	int rc;

	if (ts->full)
		return 0;
	if (!ts->hashed) {
		if (ts->nlog < ts->max) {
			if (ts->nlog == ts->logcap && (rc = log_grow(ts)) != 0)
				return rc;
			ts->log[ts->nlog++] = h;
			return 0;
		}
		if ((rc = log_to_set(ts)) != 0)
			return rc;
	}
	return tset_add_set(ts, h);
}

/* tset_add_set - add a value to the hash set (set mode) */
static int
tset_add_set(struct tset *ts, uint64_t h)
{
	size_t i;
	int rc;

	if (ts->full)
		return 0;
	if (ts->size != 0) {
		i = tset_slot(ts->tab, ts->size, h);
		if (ts->tab[i] == h)
			return 0;
	}
	if (ts->n >= ts->max) {
		ts->full = true;
		ts->flags |= VG_TOKENS_F_TOKEN_LIMIT;
		return 0;
	}
	if ((ts->n + 1) * 2 > ts->size && (rc = tset_grow(ts)) != 0)
		return rc;
	ts->tab[tset_slot(ts->tab, ts->size, h)] = h;
	ts->n++;
	return 0;
}

/* tset_add - add one token's text, anchored to nothing */
static int
tset_add(struct tset *ts, const char *s, size_t len)
{
	return tset_add_at(ts, s, len, 0);
}

/* tok_start - begin a token with its source prefix */
static void
tok_start(struct tok *t, const char *prefix)
{
	t->len = 0;
	while (*prefix != '\0' && t->len < sizeof(t->s))
		t->s[t->len++] = *prefix++;
}

/* tok_put - append n bytes, cutting at the end */
static void
tok_put(struct tok *t, const char *s, size_t n)
{
	if (n > sizeof(t->s) - t->len)
		n = sizeof(t->s) - t->len;
	memcpy(t->s + t->len, s, n);
	t->len += n;
}

/* tok_lower - append n bytes, ASCII lower-cased */
static void
tok_lower(struct tok *t, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && t->len < sizeof(t->s); i++) {
		unsigned char c = (unsigned char)s[i];

		t->s[t->len++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
}

/* add2 - add the token prefix + value (n bytes), lower-cased */
static int
add2(struct tset *ts, const char *prefix, const char *v, size_t n)
{
	struct tok t;

	tok_start(&t, prefix);
	tok_lower(&t, v, n);
	return tset_add(ts, t.s, t.len);
}

/* is_alnum - ASCII letter or digit */
static inline bool
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/* word_first - a body word starts here: letter, digit, any UTF-8 byte */
static inline bool
word_first(unsigned char c)
{
	return is_alnum(c) || c >= 0x80;
}

/* word_rest - a body word goes on */
static inline bool
word_rest(unsigned char c)
{
	return word_first(c) || c == '_' || c == '$' || c == '\'' || c == '-';
}

/* hword_rest - a header word goes on */
static inline bool
hword_rest(unsigned char c)
{
	return is_alnum(c) || c == '.' || c == '-' || c == '_' || c == '$';
}

/* What a byte can be in a word (char_class), one bit each. */
enum {
	C_BODY_FIRST = 1, /* word_first(), not a UTF-8 continuation byte */
	C_BODY_REST = 2,  /* word_rest() */
	C_HDR_FIRST = 4,  /* is_alnum() */
	C_HDR_REST = 8,   /* hword_rest() */
};

/* The classes of each byte, from the functions above: one load a byte. */
static unsigned char char_class[256];
static pthread_once_t char_class_once = PTHREAD_ONCE_INIT;

/* char_class_init - fill char_class, once */
static void
char_class_init(void)
{
	for (unsigned c = 0; c < 256; c++) {
		unsigned char u = (unsigned char)c;

		char_class[c] =
		    (unsigned char)((word_first(u) && (u & 0xc0) != 0x80
		                            ? C_BODY_FIRST
		                            : 0) |
		        (word_rest(u) ? C_BODY_REST : 0) |
		        (is_alnum(u) ? C_HDR_FIRST : 0) |
		        (hword_rest(u) ? C_HDR_REST : 0));
	}
}

/*
 * next_word - the next word of s[*pos..len) (*start, returned length; 0
 * at the end); hdr picks the header word's characters.  A continuation
 * byte cannot start a word, so a word never begins mid-character.
 */
static size_t
next_word(const char *s, size_t len, size_t *pos, size_t *start, bool hdr)
{
	const unsigned char first = hdr ? C_HDR_FIRST : C_BODY_FIRST;
	const unsigned char rest = hdr ? C_HDR_REST : C_BODY_REST;
	const unsigned char *u = (const unsigned char *)s;
	size_t i = *pos, b;

	for (;;) {
		while (i < len && (char_class[u[i]] & first) == 0)
			i++;
		if (i >= len) {
			*pos = len;
			return 0;
		}
		b = i++;
		while (i < len && (char_class[u[i]] & rest) != 0)
			i++;
		*pos = i;
		if (i - b >= 2) {
			*start = b;
			return i - b;
		}
	}
}

/* add_words - prefix + each word (2 bytes or more) of n bytes of s */
static int
add_words(
    struct tset *ts, const char *prefix, const char *s, size_t n, bool hdr)
{
	size_t pos = 0, b, wl;
	int rc;

	while ((wl = next_word(s, n, &pos, &b, hdr)) != 0) {
		if (wl > VG_TOKEN_MAX_LEN)
			wl = VG_TOKEN_MAX_LEN;
		if ((rc = add2(ts, prefix, s + b, wl)) != 0)
			return rc;
	}
	return 0;
}

/* domain_of - the domain after the first "@" of s ([A-Za-z0-9.-]) */
static size_t
domain_of(const char *s, const char **d_out)
{
	const char *at = strchr(s, '@');
	size_t n = 0;

	*d_out = "";
	if (at == NULL)
		return 0;
	at++;
	while (is_alnum((unsigned char)at[n]) || at[n] == '.' || at[n] == '-')
		n++;
	while (n > 0 && at[n - 1] == '.')
		n--;
	*d_out = at;
	return n;
}

/*
 * same_first - could a and b be equal, case ignored: their first bytes
 * agree but for ASCII case (bit 0x20).  A cheap test before strcasecmp
 * (a message's few dozen headers against a hundred names): strcasecmp
 * equal implies it, so it never rules out an equal pair.
 */
static inline bool
same_first(const char *a, const char *b)
{
	return ((unsigned char)a[0] | 0x20) == ((unsigned char)b[0] | 0x20);
}

/* excluded - a verdict or mailbox-state header (tokenize.h, EXCLUDED) */
static bool
excluded(const char *name)
{
	size_t i, n = strlen(name);

	if (vg_statushdr_is(name))
		return true;
	for (i = 0; i < VG_NELEM(excl_prefix); i++) {
		if (same_first(name, excl_prefix[i]) &&
		    strncasecmp(name, excl_prefix[i], strlen(excl_prefix[i])) ==
		        0)
			return true;
	}
	for (i = 0; i < VG_NELEM(excl_exact); i++) {
		if (same_first(name, excl_exact[i]) &&
		    strcasecmp(name, excl_exact[i]) == 0)
			return true;
	}
	/* X-*MailScanner*: any header of that family, whoever runs it. */
	if (n >= 2 && strncasecmp(name, "X-", 2) == 0) {
		for (i = 2; i + 11 <= n; i++) {
			if (strncasecmp(name + i, "MailScanner", 11) == 0)
				return true;
		}
	}
	return false;
}

/* not_learned - a header SpamAssassin's Bayes skips (sa_ignored) */
static bool
not_learned(const char *name)
{
	size_t i;

	for (i = 0; i < VG_NELEM(sa_ignored); i++) {
		if (same_first(name, sa_ignored[i]) &&
		    strcasecmp(name, sa_ignored[i]) == 0)
			return true;
	}
	return false;
}

/* find_hdr - the first header named name, or NULL */
static const char *
find_hdr(const struct vg_text *text, const char *name)
{
	size_t i;

	for (i = 0; i < text->nheaders; i++) {
		if (same_first(text->headers[i].name, name) &&
		    strcasecmp(text->headers[i].name, name) == 0)
			return text->headers[i].value;
	}
	return NULL;
}

/* hdr_len - bytes of a header value read */
static size_t
hdr_len(const char *v)
{
	return strnlen(v, VG_TOKEN_HDR_BYTES);
}

/* from_tokens - fn: display-name words, fd: domain; its domain out */
static int
from_tokens(
    struct tset *ts, const char *from, const char **fd_out, size_t *fdl_out)
{
	const char *lt = strchr(from, '<');
	int rc;

	*fdl_out = domain_of(from, fd_out);
	if (lt != NULL &&
	    (rc = add_words(ts, "fn:", from, (size_t)(lt - from), false)) != 0)
		return rc;
	return add2(ts, "fd:", *fd_out, *fdl_out);
}

/* shape_tok - prefix + s with letter runs as "a", digit runs as "9" */
static int
shape_tok(struct tset *ts, const char *prefix, const char *s, size_t n,
    size_t max, bool letters)
{
	struct tok t;
	size_t i, start;
	char last = 0;

	tok_start(&t, prefix);
	start = t.len;
	for (i = 0; i < n && t.len - start < max; i++) {
		unsigned char c = (unsigned char)s[i];
		char o;

		if (c >= '0' && c <= '9')
			o = '9';
		else if (letters &&
		    ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			o = 'a';
		else {
			o = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			tok_put(&t, &o, 1);
			last = 0;
			continue;
		}
		if (o != last)
			tok_put(&t, &o, 1);
		last = o;
	}
	return tset_add(ts, t.s, t.len);
}

/* header_tokens - the named-header tokens and h:NAME:WORD */
static int
header_tokens(struct tset *ts, const struct vg_text *text)
{
	const char *v, *fd = "", *rd, *at;
	size_t fdl = 0, rdl, i, n, nrcvd = 0, rcvd = 0;
	struct tok pre;
	int rc;

	if ((v = find_hdr(text, "Subject")) != NULL &&
	    (rc = add_words(ts, "s:", v, hdr_len(v), false)) != 0)
		return rc;
	if ((v = find_hdr(text, "From")) != NULL &&
	    (rc = from_tokens(ts, v, &fd, &fdl)) != 0)
		return rc;
	if ((v = find_hdr(text, "Reply-To")) != NULL) {
		rdl = domain_of(v, &rd);
		if ((rc = add2(ts, "rt:", rd, rdl)) != 0)
			return rc;
		v = rdl == fdl && strncasecmp(rd, fd, rdl) == 0 ? "rt:same"
		                                                : "rt:differs";
		if ((rc = tset_add(ts, v, strlen(v))) != 0)
			return rc;
	}
	v = find_hdr(text, "Content-Type");
	if (v == NULL || v[strspn(v, " \t")] == '\0' ||
	    v[strspn(v, " \t")] == ';')
		v = "text/plain";
	v += strspn(v, " \t");
	n = strcspn(v, "; \t");
	if ((rc = add2(ts, "ct:", v, n > 60 ? 60 : n)) != 0)
		return rc;
	if ((v = find_hdr(text, "X-Mailer")) != NULL ||
	    (v = find_hdr(text, "User-Agent")) != NULL) {
		if ((rc = shape_tok(ts, "xm:", v, hdr_len(v), 60, false)) != 0)
			return rc;
	}
	if ((v = find_hdr(text, "Message-Id")) != NULL) {
		v += strspn(v, " \t<");
		at = strchr(v, '@');
		n = at != NULL ? (size_t)(at - v) : strlen(v);
		if ((rc = shape_tok(ts, "mid:", v, n, 40, true)) != 0)
			return rc;
		n = domain_of(v, &rd);
		if ((rc = add2(ts, "mid@", rd, n)) != 0)
			return rc;
	}
	for (i = 0; i < text->nheaders; i++) {
		if (strcasecmp(text->headers[i].name, "Received") == 0)
			nrcvd++;
	}
	for (i = 0; i < text->nheaders; i++) {
		const struct vg_text_header *h = &text->headers[i];

		if (excluded(h->name) || not_learned(h->name))
			continue;
		/*
		 * Of the Received fields only the last two, the earliest
		 * hops, as SpamAssassin's Bayes ("usually a good source of
		 * spamware tokens and HELO names"): the later ones name the
		 * site's own relays, the same for all its mail.
		 */
		if (strcasecmp(h->name, "Received") == 0 && rcvd++ + 2 < nrcvd)
			continue;
		tok_start(&pre, "h:");
		tok_lower(&pre, h->name, strnlen(h->name, 64));
		tok_put(&pre, ":", 1);
		/* 2 + 64 + 1 bytes at most: room for the NUL add2 needs */
		pre.s[pre.len] = '\0';
		if ((rc = add_words(
		         ts, pre.s, h->raw, hdr_len(h->raw), true)) != 0)
			return rc;
	}
	return 0;
}

/* uri_tokens - uh:HOST and ud:DOMAIN of every link with an authority */
static int
uri_tokens(struct tset *ts, const struct vg_text *text)
{
	size_t i, n, j, dots;
	const char *u, *s, *at;
	int rc;

	for (i = 0; i < text->nuris; i++) {
		u = text->uris[i];
		if ((s = strstr(u, "://")) == NULL)
			continue;
		s += 3;
		n = strcspn(s, "/?#");
		/* userinfo@host: the host follows the last "@" */
		for (at = s + n; at > s && at[-1] != '@'; at--)
			;
		n -= (size_t)(at - s);
		s = at;
		/* Drop the port; an IPv6 literal keeps its brackets. */
		if (n > 0 && s[0] == '[') {
			if ((at = memchr(s, ']', n)) != NULL)
				n = (size_t)(at - s) + 1;
		} else if ((at = memchr(s, ':', n)) != NULL)
			n = (size_t)(at - s);
		while (n > 0 && s[n - 1] == '.')
			n--;
		if (n == 0)
			continue;
		if ((rc = add2(ts, "uh:", s, n)) != 0)
			return rc;
		for (j = n, dots = 0; j > 0; j--) {
			if (s[j - 1] == '.' && ++dots == 2)
				break;
		}
		if ((rc = add2(ts, "ud:", s + j, n - j)) != 0)
			return rc;
	}
	return 0;
}

/*
 * html_tokens - ht:FLAG for each trick the HTML renderer counted (hidden,
 * tiny or low-contrast text, a link naming another site, script, form,
 * iframe, HTML with no plain text): how the markup is written, which the
 * rendered words do not show.  learn-eval, recall at 0.1 % ham false
 * positives: 77.53 -> 77.64 % (split), 71.31 -> 71.41 % (swapped), AUC
 * and recall at 0.5 % up on both; with ht:links:N and ht:images:N (log2
 * classes of the counts) as well, 77.22 / 71.62 %: not kept.
 */
static int
html_tokens(struct tset *ts, const struct vg_text *text)
{
	static const struct {
		unsigned flag;
		const char *tok;
	} flags[] = {{VG_TEXT_HTML_ONLY, "ht:only"},
	    {VG_TEXT_HTML_HIDDEN, "ht:hidden"}, {VG_TEXT_HTML_TINY, "ht:tiny"},
	    {VG_TEXT_HTML_LOW_CONTRAST, "ht:lowcontrast"},
	    {VG_TEXT_HTML_LINK_MISMATCH, "ht:mismatch"},
	    {VG_TEXT_HTML_SCRIPT, "ht:script"}, {VG_TEXT_HTML_FORM, "ht:form"},
	    {VG_TEXT_HTML_IFRAME, "ht:iframe"}};
	size_t i;
	int rc;

	if ((text->html_flags & VG_TEXT_HTML_PRESENT) == 0)
		return 0;
	for (i = 0; i < VG_NELEM(flags); i++) {
		if ((text->html_flags & flags[i].flag) != 0 &&
		    (rc = tset_add(ts, flags[i].tok, strlen(flags[i].tok))) !=
		        0)
			return rc;
	}
	return 0;
}

/* mime_tokens - mt:, att: and the mime: structure */
static int
mime_tokens(struct tset *ts, const struct vg_text *text)
{
	const struct vg_text_part *p;
	struct tok shape;
	const char *v, *dot, *slash;
	char d;
	size_t i, n;
	int rc;

	tok_start(&shape, "mime:");
	v = find_hdr(text, "Content-Type");
	v = v == NULL ? "text/plain" : v + strspn(v, " \t");
	n = strcspn(v, "; \t");
	if (n > 0 && strncasecmp(v, "multipart/", 10) == 0) {
		slash = v + 10;
		n -= 10;
		tok_lower(&shape, slash, n > 8 ? 8 : n);
	} else
		tok_lower(&shape, v, n > 4 ? 4 : n);
	for (i = 0; i < text->nparts; i++) {
		p = &text->parts[i];
		if ((rc = add2(ts, "mt:", p->content_type,
		         strnlen(p->content_type, 60))) != 0)
			return rc;
		if (i < 6) {
			d = (char)('0' + (p->depth > 9 ? 9 : p->depth));
			tok_put(&shape, "/", 1);
			tok_put(&shape, &d, 1);
			tok_lower(&shape, p->content_type,
			    strnlen(p->content_type, 4));
		}
		if (p->filename == NULL)
			continue;
		dot = strrchr(p->filename, '.');
		if (dot == NULL || dot[1] == '\0')
			rc = tset_add(ts, "att:none", 8);
		else
			rc = add2(ts, "att:", dot + 1, strnlen(dot + 1, 10));
		if (rc != 0)
			return rc;
	}
	return tset_add(ts, shape.s, shape.len);
}

/*
 * osb_pairs_text - o:W1 D W2 for w and each of the words before it, from
 * each token's text (the traced path: the reference the untraced one,
 * word_fast(), must match; unit_tokenize checks it on the corpus)
 */
static int
osb_pairs_text(struct tset *ts, const struct word *ring, size_t nwords,
    const struct word *w)
{
	struct tok t;
	size_t d;
	char dc;
	int rc;

	for (d = 1; d <= VG_TOKEN_OSB_WINDOW && d <= nwords; d++) {
		const struct word *prev =
		    &ring[(nwords - d) % VG_TOKEN_OSB_WINDOW];

		tok_start(&t, "o:");
		tok_put(&t, prev->s, prev->len);
		dc = (char)('0' + d);
		tok_put(&t, " ", 1);
		tok_put(&t, &dc, 1);
		tok_put(&t, " ", 1);
		tok_put(&t, w->s, w->len);
		if ((rc = tset_add_at(ts, t.s, t.len, prev->anchor)) != 0)
			return rc;
	}
	return 0;
}

/*
 * word_text - the traced path's b:WORD, its OSB pairs and B:Word, each
 * hashed from its text; fills w (lower-cased from raw, wl bytes)
 */
static int
word_text(struct tset *ts, const struct word *ring, size_t nwords,
    struct word *w, const char *raw, size_t wl)
{
	struct tok t;
	int rc;

	w->len = 0;
	for (size_t i = 0; i < wl; i++) {
		unsigned char c = (unsigned char)raw[i];

		w->s[w->len++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	w->s[w->len] = '\0';
	tok_start(&t, "b:");
	tok_put(&t, w->s, w->len);
	w->anchor = vg_token_hash(t.s, t.len);
	w->opre =
	    fnv_more(fnv_more(vg_token_hash("o:", 2), w->s, w->len), " ", 1);
	if ((rc = tset_add_at(ts, t.s, t.len, w->anchor)) != 0 ||
	    (rc = osb_pairs_text(ts, ring, nwords, w)) != 0)
		return rc;
	if (memcmp(w->s, raw, wl) != 0) {
		tok_start(&t, "B:");
		tok_put(&t, raw, wl);
		if ((rc = tset_add_at(ts, t.s, t.len, w->anchor)) != 0)
			return rc;
	}
	return 0;
}

#define FNV_PRIME 0x100000001b3ULL
/* FNV-1a states after "b:", "o:" and "B:" */
#define FNV_B_COLON  0x08a60e07b54d912dULL
#define FNV_O_COLON  0x08b00c07b555e24cULL
#define FNV_UB_COLON 0x09130e07b5aa630dULL

/*
 * word_fast - word_text()'s tokens, the same values in the same order,
 * with every hash of the word made in one pass over its bytes: b:WORD
 * (the anchor), the state after "o:WORD " (for the next words' pairs),
 * B:Word, and the pairs "o:W1 D WORD" continued from each earlier word's
 * state.  FNV-1a is a chain of multiplies, each waiting for the last;
 * seven independent chains keep the multiplier busy where one chain
 * after another waited on each (bench/README, "The classifier's cost").
 */
static int
word_fast(struct tset *ts, const struct word *ring, size_t nwords,
    struct word *w, const char *raw, size_t wl)
{
	uint64_t a = FNV_B_COLON, o = FNV_O_COLON, u = FNV_UB_COLON;
	uint64_t p[VG_TOKEN_OSB_WINDOW] = {0};
	const struct word *prev[VG_TOKEN_OSB_WINDOW] = {0};
	size_t np = nwords < VG_TOKEN_OSB_WINDOW ? nwords : VG_TOKEN_OSB_WINDOW;
	unsigned diff = 0;
	int rc;

	for (size_t d = 0; d < np; d++) {
		prev[d] = &ring[(nwords - d - 1) % VG_TOKEN_OSB_WINDOW];
		p[d] = ((prev[d]->opre ^ (uint64_t)('1' + d)) * FNV_PRIME ^
		           (uint64_t)' ') *
		    FNV_PRIME;
	}
	for (size_t i = 0; i < wl; i++) {
		unsigned char c = (unsigned char)raw[i];
		unsigned char l =
		    (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);

		w->s[i] = (char)l;
		diff |= c ^ l;
		a = (a ^ l) * FNV_PRIME;
		o = (o ^ l) * FNV_PRIME;
		u = (u ^ c) * FNV_PRIME;
		p[0] = (p[0] ^ l) * FNV_PRIME;
		p[1] = (p[1] ^ l) * FNV_PRIME;
		p[2] = (p[2] ^ l) * FNV_PRIME;
		p[3] = (p[3] ^ l) * FNV_PRIME;
	}
	w->len = wl;
	w->s[wl] = '\0';
	w->anchor = a;
	w->opre = (o ^ (uint64_t)' ') * FNV_PRIME;
	if ((rc = tset_add_h(ts, anchored(a, a))) != 0)
		return rc;
	for (size_t d = 0; d < np; d++) {
		if ((rc = tset_add_h(ts, anchored(p[d], prev[d]->anchor))) != 0)
			return rc;
	}
	if (diff != 0 && (rc = tset_add_h(ts, anchored(u, a))) != 0)
		return rc;
	return 0;
}

/* body_tokens - b: words, long-word classes and OSB pairs of the body */
static int
body_tokens(struct tset *ts, const struct vg_text *text, size_t max_bytes)
{
	struct word ring[VG_TOKEN_OSB_WINDOW], w;
	size_t len = text->body_len, pos = 0, b, wl, cls, nwords = 0, e;
	struct tok t;
	char num[24];
	int rc, k;

	if (len > max_bytes) {
		len = max_bytes;
		ts->flags |= VG_TOKENS_F_TEXT_LIMIT;
	}
	while (!ts->full &&
	    (wl = next_word(text->body, len, &pos, &b, false)) != 0) {
		if (wl > VG_TOKEN_MAX_LEN) {
			/* One token per length class: 24+, 48+, 96+ ... */
			for (cls = VG_TOKEN_MAX_LEN; cls * 2 <= wl; cls *= 2)
				;
			k = 0;
			do
				num[k++] = (char)('0' + cls % 10);
			while ((cls /= 10) != 0 && k < (int)sizeof(num));
			tok_start(&t, "b:long:");
			while (k > 0)
				tok_put(&t, &num[--k], 1);
			if ((rc = tset_add(ts, t.s, t.len)) != 0)
				return rc;
			continue;
		}
		/*
		 * b:WORD, its OSB pairs, and the word as written ("FREE",
		 * "Free") when it is not in lower case, as SpamAssassin's
		 * Bayes keeps the case of body tokens and bogofilter is
		 * case-sensitive: shouting is how spam is written.
		 * learn-eval, recall at 0.1 % ham false positives: 73.6 ->
		 * 77.1 % (split), 72.3 -> 70.6 % (swapped), AUC and recall
		 * at 0.5 % up on both (bench/README).
		 */
		rc = ts->trace != NULL
		    ? word_text(ts, ring, nwords, &w, text->body + b, wl)
		    : word_fast(ts, ring, nwords, &w, text->body + b, wl);
		if (rc != 0)
			return rc;
		/*
		 * A word right before "!" also counts with it ("free!"), as
		 * SpamAssassin's Bayes keeps "!" in its tokens; a run counts
		 * as at most three.  learn-eval: 77.1 -> 77.5 % (split), 70.6
		 * -> 71.3 % (swapped) at 0.1 % ham false positives.
		 */
		for (e = b + wl;
		     e < len && e < b + wl + 3 && text->body[e] == '!'; e++)
			;
		if (e > b + wl) {
			tok_start(&t, "p:");
			tok_put(&t, w.s, w.len);
			tok_put(&t, text->body + b + wl, e - b - wl);
			if ((rc = tset_add_at(ts, t.s, t.len, w.anchor)) != 0)
				return rc;
		}
		ring[nwords % VG_TOKEN_OSB_WINDOW] = w;
		nwords++;
	}
	return 0;
}

/* insertion_sort - v[0..n) ascending (n small) */
static void
insertion_sort(uint64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

#define SORT_SMALL 12 /* this many values or fewer: insertion sort */

/*
 * msd_split - one step of an MSD radix sort of a[0..n) (b[0..n)
 * scratch): by the digit of at most `bits` bits that starts at the
 * highest bit in which the values differ, so bits they all share cost
 * nothing.  On return a holds the values by digit, digit d in
 * [pos[d], pos[d + 1]); returns the number of digits, 0 when all the
 * values are equal.  pos has room for 2^bits + 1 entries.
 */
static size_t
msd_split(uint64_t *a, uint64_t *b, size_t n, unsigned bits, uint32_t *pos)
{
	uint64_t diff = 0, mask;
	unsigned top, shift;
	size_t i, d, nd, c, sum;

	for (i = 1; i < n; i++)
		diff |= a[i] ^ a[0];
	if (diff == 0)
		return 0;
	top = 63 - (unsigned)__builtin_clzll(diff);
	shift = top + 1 >= bits ? top + 1 - bits : 0;
	nd = (size_t)1 << (top + 1 - shift);
	mask = nd - 1;
	memset(pos, 0, (nd + 1) * sizeof(*pos));
	for (i = 0; i < n; i++)
		pos[((a[i] >> shift) & mask) + 1]++;
	for (sum = 0, d = 0; d <= nd; d++) {
		c = pos[d];
		pos[d] = (uint32_t)sum;
		sum += c;
	}
	/* pos[d + 1] is where digit d begins: after the scatter, its end */
	for (i = 0; i < n; i++)
		b[pos[((a[i] >> shift) & mask) + 1]++] = a[i];
	memcpy(a, b, n * sizeof(*a));
	return nd;
}

/*
 * msd_sort - a[0..n) ascending, b[0..n) scratch: digits from the highest
 * differing bit down, of about log2(n) + 1 bits (at most 8), so a bucket
 * of a few dozen values costs a few dozen counters, not 256; buckets of
 * SORT_SMALL or fewer by insertion.  Each level fixes at least 4 more
 * bits: depth at most 16.
 */
static void
msd_sort(uint64_t *a, uint64_t *b, size_t n)
{
	uint32_t pos[257];
	size_t nd, d;
	unsigned bits;

	if (n <= SORT_SMALL) {
		insertion_sort(a, n);
		return;
	}
	bits = 65 - (unsigned)__builtin_clzll((unsigned long long)n);
	if (bits > 8)
		bits = 8;
	nd = msd_split(a, b, n, bits, pos);
	for (d = 0; d < nd; d++) {
		if (pos[d + 1] - pos[d] > 1)
			msd_sort(a + pos[d], b + pos[d], pos[d + 1] - pos[d]);
	}
}

/*
 * sort_u64 - v[0..n) ascending in place, tmp n more (scratch).  The
 * first digit is 12 bits (a few values a bucket for
 * a message's thousands of random values), then msd_sort(): a bucket of
 * one common word's tokens (sharing their high 32 bits, tokenize.h
 * VALUES) goes straight to the low bits.  (glibc's qsort through a
 * comparison function was 6 % of a classification, an LSD radix sort of
 * all 8 bytes 10 %.)  n < 2^32.
 */
static void
sort_u64(uint64_t *v, uint64_t *tmp, size_t n)
{
	uint32_t pos[(1u << 12) + 1];
	size_t nd, d;

	if (n <= SORT_SMALL) {
		insertion_sort(v, n);
		return;
	}
	nd = msd_split(v, tmp, n, 12, pos);
	for (d = 0; d < nd; d++) {
		if (pos[d + 1] - pos[d] > 1)
			msd_sort(v + pos[d], tmp + pos[d], pos[d + 1] - pos[d]);
	}
}

/* unique - v[0..n) sorted, its duplicates dropped into out; the count */
static size_t
unique(uint64_t *out, const uint64_t *v, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (k == 0 || out[k - 1] != v[i])
			out[k++] = v[i];
	}
	return k;
}

/*
 * dedupe - v[0..n)'s distinct values into out, in the order of their
 * first place, through tab (size slots, a power of two above n, contents
 * undefined on entry): what unique() leaves of the sorted values, in
 * another order.  A slot holds 0 when empty, so the value 0 is noted
 * apart.  The count.
 */
static size_t
dedupe(uint64_t *out, const uint64_t *v, size_t n, uint64_t *tab, size_t size)
{
	unsigned shift =
	    64 - (unsigned)__builtin_ctzll((unsigned long long)size);
	size_t k = 0, mask = size - 1;
	bool zero = false;

	memset(tab, 0, size * sizeof(*tab));
	for (size_t i = 0; i < n; i++) {
		uint64_t x = v[i];
		size_t j = (size_t)((x * 0x9e3779b97f4a7c15ULL) >> shift);

		if (x == 0) {
			if (!zero)
				out[k++] = 0;
			zero = true;
			continue;
		}
		while (tab[j] != 0 && tab[j] != x)
			j = (j + 1) & mask;
		if (tab[j] == 0) {
			tab[j] = x;
			out[k++] = x;
		}
	}
	return k;
}

/* The dedupe table: at most a quarter full (short probes). */
#define DEDUPE_LOAD 4

/* tokenize - the tokens of text, sorted or not */
static int
tokenize(struct vg_tokens **out, const struct vg_text *text,
    const struct vg_token_limits *lim, vg_token_trace_fn trace, void *arg,
    bool sorted)
{
	struct vg_token_limits def;
	struct tset ts = {0};
	struct vg_tokens *toks = NULL;
	size_t i, n = 0;
	int rc;

	*out = NULL;
	if (pthread_once(&char_class_once, char_class_init) != 0)
		return VG_ENOMEM;
	if (lim == NULL) {
		vg_token_limits_default(&def);
		lim = &def;
	}
	ts.max = lim->max_tokens;
	ts.trace = trace;
	ts.arg = arg;
	if ((rc = header_tokens(&ts, text)) != 0 ||
	    (rc = uri_tokens(&ts, text)) != 0 ||
	    (rc = mime_tokens(&ts, text)) != 0 ||
	    (rc = html_tokens(&ts, text)) != 0 ||
	    (rc = body_tokens(&ts, text, lim->max_text_bytes)) != 0)
		goto out;
	rc = VG_ENOMEM;
	if ((toks = vg_calloc(1, sizeof(*toks))) == NULL)
		goto out;
	if (!ts.hashed) {
		/* The log, sorted with the output array as the sort's
		 * scratch, then made unique into it. */
		if (ts.nlog > 0 &&
		    (toks->v = vg_reallocarray(
		         NULL, ts.nlog, sizeof(*toks->v))) == NULL)
			goto out;
		if (sorted) {
			sort_u64(ts.log, toks->v, ts.nlog);
			n = unique(toks->v, ts.log, ts.nlog);
		} else if (ts.nlog > 0) {
			size_t size = 16, cap;
			uint64_t *tab;

			while (size < DEDUPE_LOAD * ts.nlog)
				size *= 2;
			if ((tab = vg_scratch_get(VG_SCRATCH_DEDUP,
			         size * sizeof(*tab), &cap)) == NULL)
				goto out;
			n = dedupe(toks->v, ts.log, ts.nlog, tab, size);
			vg_scratch_put(VG_SCRATCH_DEDUP, tab, cap);
		}
	} else {
		if (ts.n > 0 &&
		    (toks->v = vg_reallocarray(NULL, ts.n, sizeof(*toks->v))) ==
		        NULL)
			goto out;
		for (i = 0; i < ts.size; i++) {
			if (ts.tab[i] != 0)
				toks->v[n++] = ts.tab[i];
		}
		/* The table (at least twice n) is free now: the scratch. */
		if (sorted)
			sort_u64(toks->v, ts.tab, n);
	}
	toks->n = n;
	toks->flags = ts.flags | (sorted ? 0 : VG_TOKENS_F_UNORDERED);
	*out = toks;
	toks = NULL;
	rc = 0;
out:
	vg_tokens_free(toks);
	vg_scratch_put(VG_SCRATCH_TOKSET, ts.log, ts.logcap * sizeof(*ts.log));
	vg_free(ts.tab);
	return rc;
}

/* vg_tokenize_trace - the tokens of text, each also handed to trace */
int
vg_tokenize_trace(struct vg_tokens **out, const struct vg_text *text,
    const struct vg_token_limits *lim, vg_token_trace_fn trace, void *arg)
{
	return tokenize(out, text, lim, trace, arg, true);
}

/* vg_tokenize - the tokens of text */
int
vg_tokenize(struct vg_tokens **out, const struct vg_text *text,
    const struct vg_token_limits *lim)
{
	return tokenize(out, text, lim, NULL, NULL, true);
}

/* vg_tokenize_set - the tokens of text, in no order */
int
vg_tokenize_set(struct vg_tokens **out, const struct vg_text *text,
    const struct vg_token_limits *lim)
{
	return tokenize(out, text, lim, NULL, NULL, false);
}

/* vg_tokens_ordered - the values ascending, sorting a copy if need be */
const uint64_t *
vg_tokens_ordered(const struct vg_tokens *toks, uint64_t **owned)
{
	uint64_t *c;

	*owned = NULL;
	if ((toks->flags & VG_TOKENS_F_UNORDERED) == 0 || toks->n == 0)
		return toks->v;
	if ((c = vg_reallocarray(NULL, 2 * toks->n, sizeof(*c))) == NULL)
		return NULL;
	memcpy(c, toks->v, toks->n * sizeof(*c));
	sort_u64(c, c + toks->n, toks->n);
	*owned = c;
	return c;
}

/* vg_tokens_has - binary search for h (a scan when unordered) */
bool
vg_tokens_has(const struct vg_tokens *toks, uint64_t h)
{
	size_t lo = 0, hi = toks->n, mid;

	if (h == 0)
		h = 1;
	if (toks->flags & VG_TOKENS_F_UNORDERED) {
		for (size_t i = 0; i < toks->n; i++) {
			if (toks->v[i] == h)
				return true;
		}
		return false;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (toks->v[mid] == h)
			return true;
		if (toks->v[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* vg_tokens_free - free the set */
void
vg_tokens_free(struct vg_tokens *toks)
{
	if (toks == NULL)
		return;
	vg_free(toks->v);
	vg_free(toks);
}
