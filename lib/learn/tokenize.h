/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tokenize - the features a learning classifier counts, from one message.
 *
 * PURPOSE  Turns a decoded message (struct vg_text, as the score stage
 *	    builds it) into a set of unique 64-bit token hashes, the sources
 *	    bench/learn-study.py found closest to SpamAssassin's Bayes
 *	    (chi-allh-osb).  Each token is the text "<source>:<value>",
 *	    hashed, so "s:free" (Subject) and "b:free" (body) differ:
 *	      b:WORD       words of the body view (text.h: the Subject as
 *			   first line, then the rendered text parts, as
 *			   SpamAssassin's Bayes reads it), lower-cased
 *	      B:Word       the same word as written, when it is not all
 *			   lower case (ASCII), as SpamAssassin's Bayes and
 *			   bogofilter keep case: "FREE" is not "free"
 *	      p:word!      a body word right before "!", lower-cased, with
 *			   the "!" run (three at most), as SpamAssassin's
 *			   Bayes keeps "!" in its tokens
 *	      b:long:N     a word longer than VG_TOKEN_MAX_LEN, N its length
 *			   class (VG_TOKEN_MAX_LEN, 2x, 4x ... bytes)
 *	      o:W1 D W2    OSB pairs: each body word with each of the next
 *			   VG_TOKEN_OSB_WINDOW words, D the distance (1..4)
 *	      s:WORD       Subject words
 *	      fn:WORD      From display-name words; fd:DOMAIN From domain
 *	      rt:DOMAIN    Reply-To domain, and rt:same or rt:differs
 *	      ct:TYPE      top-level Content-Type ("text/plain" if none)
 *	      xm:VALUE     X-Mailer (else User-Agent), lower case, digit
 *			   runs as "9", 60 bytes
 *	      mid:SHAPE    Message-Id local part, letters "a", digits "9";
 *			   mid@DOMAIN its domain
 *	      h:NAME:WORD  words of every header's raw value (the above
 *			   included, RFC 2047 words undecoded, as the study
 *			   read them), name lower-cased, except the
 *			   excluded ones below and those SpamAssassin's
 *			   Bayes does not learn (its IGNORED_HDRS: Date,
 *			   Subject, Sender, Delivered-To, Envelope-To,
 *			   List-* and other mailing-list headers, Resent-*,
 *			   Original-*; tokenize.c has the list), and of the
 *			   Received fields only the last two (the earliest
 *			   hops), as SpamAssassin keeps them
 *	      uh:HOST      URI hosts; ud:DOMAIN their last two labels
 *	      mt:TYPE      each leaf MIME part's type; att:EXT attachment
 *			   file extensions ("none" without one)
 *	      mime:SHAPE   the MIME structure: top type, then each leaf's
 *			   depth and first four type bytes, six parts at most
 *	      ht:FLAG      what the HTML renderer found (text.h,
 *			   VG_TEXT_HTML_*): only (no plain text), hidden,
 *			   tiny, lowcontrast, mismatch, script, form, iframe
 *	    A word is a letter or digit, then letters, digits, "_", "$",
 *	    "'" or "-" (the study's [^\W_][\w$'-]+); every byte of a
 *	    UTF-8 sequence counts as a letter, and only ASCII is
 *	    lower-cased.  A header word is [A-Za-z0-9][A-Za-z0-9._$-]+.
 * VALUES   A token's 64-bit value is the FNV-1a hash of its text, except
 *	    that the body tokens of one word (b:WORD, B:Word, p:word! and
 *	    the OSB pairs o:WORD D W2 that start with it) share their high
 *	    32 bits, those of the hash of "b:WORD" (the word's "anchor"),
 *	    over the low 32 bits of their own hash.  The store keeps values
 *	    in order (bayes.h), so a word's tokens lie side by side there:
 *	    a message's look-ups then cost about one page of the database a
 *	    word, not one a token (bench/README, "The classifier's cost").
 *	    Two tokens of one word collide when their low 32 bits do: with
 *	    k tokens under one anchor, each collides with probability about
 *	    k / 2^32 (1 in 66,000 for a word with 65,000 learned pairs).
 *	    vg_token_value() gives the value of a token's text.
 * EXCLUDED Headers that carry another filter's verdict or a mail client's
 *	    mailbox state give no token (some are the label itself in a
 *	    training corpus): Vigil's own (statushdr.h) and, case ignored,
 *	    X-Spam*, X-Virus*, X-Razor*, X-Pyzor*, X-DCC*, X-Antispam*,
 *	    X-Junk*, X-Mozilla-Status*, X-*MailScanner*, X-Bogosity,
 *	    X-Scanned-By, X-Scanner, X-Filtered-By, X-RBL-Warning,
 *	    X-Perlmx-Spam, SPAM, X-Keywords, X-Status, Status, X-Flags,
 *	    X-UID, X-UIDL, X-IMAPbase.  Keep this list in step with the one
 *	    bench/learn-accuracy.sh strips (and bench/learn-study.py's).
 * OWNS     vg_tokenize() returns a struct vg_tokens the caller frees with
 *	    vg_tokens_free(); the text is only read.
 * LIMITS   max_text_bytes (struct vg_token_limits; the vigil.conf key
 *	    bayes_max_text_bytes when the classifier stage lands): bytes of
 *	    the body view read (the rest is
 *	    not tokenized, VG_TOKENS_F_TEXT_LIMIT); there is no limit per
 *	    part, since the body view joins the parts (text.h bounds it
 *	    with mime_max_decoded_size).  max_tokens
 *	    (bayes_max_tokens): unique tokens kept; the next new one stops tokenizing
 *	    (VG_TOKENS_F_TOKEN_LIMIT).  Header, URI and MIME tokens come
 *	    before the body's, so a long body cannot push them out.
 *	    VG_TOKEN_MAX_LEN bytes a word; VG_TOKEN_HDR_BYTES bytes of each
 *	    header value; a token's text is cut at VG_TOKEN_TEXT_MAX bytes.
 *	    Reaching a limit is counted in the flags, never an error.
 * ERRORS   VG_ENOMEM.
 * THREADS  Reentrant; a finished struct vg_tokens is read-only.
 */
#ifndef VG_TOKENIZE_H
#define VG_TOKENIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_text;

#define VG_TOKEN_MAX_LEN    24   /* bytes of a word; longer: b:long:N */
#define VG_TOKEN_OSB_WINDOW 4    /* words after each word paired with it */
#define VG_TOKEN_HDR_BYTES  2000 /* bytes of one header value read */
#define VG_TOKEN_TEXT_MAX   200  /* bytes of a token's text hashed */

/*
 * The defaults.  They become vigil.conf keys (bayes_max_text_bytes,
 * bayes_max_tokens) with the classifier stage that uses them: a key that
 * changed nothing in the daemon would only mislead.
 */
#define VG_TOKEN_DEF_MAX_TEXT_BYTES (256 * 1024)
#define VG_TOKEN_DEF_MAX_TOKENS     20000

#define VG_TOKENS_F_TEXT_LIMIT  0x01u /* body text past max_text_bytes */
#define VG_TOKENS_F_TOKEN_LIMIT 0x02u /* tokens past max_tokens */
#define VG_TOKENS_F_UNORDERED   0x04u /* v is in no order (vg_tokenize_set) */

struct vg_token_limits {
	size_t max_text_bytes; /* body text tokenized */
	size_t max_tokens;     /* unique tokens kept */
};

struct vg_tokens {
	/* unique values (VALUES), ascending unless VG_TOKENS_F_UNORDERED */
	uint64_t *v;
	size_t n;
	unsigned flags; /* VG_TOKENS_F_* */
};

/* Called with each token's text as it is made (duplicates included). */
typedef void (*vg_token_trace_fn)(void *arg, const char *tok, size_t len);

/* vg_token_limits_default - the VG_TOKEN_DEF_* values */
void vg_token_limits_default(struct vg_token_limits *out);

/*
 * vg_token_hash - the hash of one token's text: FNV-1a, 64 bits.  Not
 * keyed: a sender who wants two tokens to collide can find such a pair,
 * and gains one token's weight.
 */
uint64_t vg_token_hash(const char *tok, size_t len);

/* vg_token_value - the value a set holds for the token text tok (VALUES) */
uint64_t vg_token_value(const char *tok, size_t len);

/* vg_tokenize - the tokens of text (*out, the caller's); VG_ENOMEM */
int vg_tokenize(struct vg_tokens **out, const struct vg_text *text,
    const struct vg_token_limits *lim);
/*
 * vg_tokenize_trace - vg_tokenize(), also handing each token's text to
 * trace (tests and debugging)
 */
int vg_tokenize_trace(struct vg_tokens **out, const struct vg_text *text,
    const struct vg_token_limits *lim, vg_token_trace_fn trace, void *arg);
/*
 * vg_tokenize_set - vg_tokenize()'s tokens in no order (flag
 * VG_TOKENS_F_UNORDERED): made unique with a hash table instead of
 * sorted, which was a fifth of a classification from the snapshot
 * (bench/README, "The classifier's cost").  For the classifier, whose
 * look-ups in a snapshot need no order and whose combining orders its
 * few kept tokens itself (chi2.h); vg_tokens_ordered() gives the sorted
 * values to what needs them (the store's reads and writes).
 */
int vg_tokenize_set(struct vg_tokens **out, const struct vg_text *text,
    const struct vg_token_limits *lim);
/*
 * vg_tokens_ordered - toks's values ascending: toks->v itself when it is
 * ordered (*owned NULL), else a sorted copy in *owned, the caller's to
 * vg_free(); NULL when memory ran out (never for an empty set).
 */
const uint64_t *vg_tokens_ordered(
    const struct vg_tokens *toks, uint64_t **owned);
/* vg_tokens_has - the set holds value h (a binary search when ordered) */
bool vg_tokens_has(const struct vg_tokens *toks, uint64_t h);
/* vg_tokens_free - NULL is a no-op */
void vg_tokens_free(struct vg_tokens *toks);

#endif /* VG_TOKENIZE_H */
