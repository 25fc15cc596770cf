/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_pipeline - a raw message through the whole engine as the daemon
 * runs it: the message model, MIME and text decoding, the shipped rules
 * (rules/vigil.rules, loaded once), the built-in checks (attachment policy,
 * allow and block lists; SPF and DNS blacklists see no outside client, so
 * nothing asks DNS), the verdict and its header edits.  Virus scanning is
 * off: libclamav has its own fuzzers, and this target is about what Vigil
 * does with a message.
 *
 * Input: a first byte below 0x10 is not part of the message; its bits pick
 *   bit 0  feed the message as the milter does (vg_msg_add_header() per
 *          header, end of headers, the body with CRLF line ends in chunks)
 *          instead of vg_msg_from_bytes() as `vigil scan` does;
 *   bit 1  small header limits (10 headers, 1 KiB each), so that forgeries
 *          past max_header_count and cut headers are reached;
 *   bit 2  small size limits (spill to tmp_dir past 4 KiB, oversized past
 *          16 KiB);
 *   bit 3  an outbound message (client 127.0.0.1, SASL login), which takes
 *          the outbound policy.
 *
 * Invariants: the scan succeeds (or runs out of memory) and no stage fails,
 * since malformed mail is data, not an error (STYLE.md 4.2: a stage that
 * fails on message bytes tempfails that message forever, or with on_error
 * = accept lets it through unscored); the verdict has a known action, a
 * reply that fits it, a finite score; every header edit's name is a field
 * name and its value one header line (no CR, no LF except the "\n\t"
 * fold, no other control byte, valid UTF-8, within
 * VG_VERDICT_HEADER_MAX); and no forged status header survives: applying
 * the edits to the headers that arrived (found here independently of
 * msg.c) leaves none with our names (message/statushdr.h) but Authentication-Results,
 * and adds exactly one X-Virus-Status when the message is passed on,
 * never "Clean" since nothing was scanned for viruses.  A message with
 * more of our headers than the index holds must be rejected.
 *
 * VIGIL_FUZZ_RULES names another rules file (default: the tree's
 * rules/vigil.rules); VIGIL_FUZZ_VERBOSE=1 prints each verdict and its
 * edits to stderr, to see what a seed reaches.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/action.h"
#include "base/alloc.h"
#include "base/conf.h"
#include "core/engine.h"
#include "base/err.h"
#include "message/hdr.h"
#include "message/msg.h"
#include "message/statushdr.h"
#include "core/scan.h"
#include "core/verdict.h"

#ifndef VG_SOURCE_DIR
#define VG_SOURCE_DIR "."
#endif

/* The milter hands the body over in chunks of at most this many bytes. */
#define FEED_CHUNK 997
/* Headers the oracle follows; more than any limit picked below allows. */
#define ORACLE_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct vg_engine *engine;
static bool verbose;

/*
 * LLVMFuzzerInitialize - one engine with the shipped rules, no ClamAV.  The
 * rules file is a wrapper that includes them and sets a subject_tag (the
 * shipped one is empty), so that tagged spam also takes the Subject edit.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *rules = getenv("VIGIL_FUZZ_RULES");
	char wrapper[] = "/tmp/vigil-fuzz-rules.XXXXXX";
	struct vg_conf *conf = NULL;
	struct vg_err err;
	char text[2048];
	FILE *fp;
	int fd, n;

	(void)argc;
	(void)argv;
	verbose = getenv("VIGIL_FUZZ_VERBOSE") != NULL;
	if (rules == NULL || *rules == '\0')
		rules = VG_SOURCE_DIR "/rules/vigil.rules";
	if ((fd = mkstemp(wrapper)) < 0 || (fp = fdopen(fd, "w")) == NULL ||
	    fprintf(fp, "include %s\nsubject_tag *****SPAM*****\n", rules) <
	        0 ||
	    fclose(fp) != 0) {
		perror(wrapper);
		abort();
	}
	/*
	 * No DNS: the SPF and DNSBL checks skip a message with no client or
	 * a trusted one, uribl lookups are off, and should anything ask
	 * anyway it asks the discard port with the shortest time-outs.
	 */
	n = snprintf(text, sizeof(text),
	    "sa_update_dir =\nsocket = unix:/nonexistent/vigil-fuzz.sock\n"
	    "virus_scan = no\n"
	    "rules = %s\n"
	    "tmp_dir = /tmp\n"
	    "authserv_id = mx.example.org\n"
	    "uribl_max_lookups = 0\n"
	    "dns_servers = 127.0.0.1:9\n"
	    "dns_timeout = 100ms\n"
	    "dns_deadline = 100ms\n"
	    "max_message_size = 64K\n",
	    wrapper);
	vg_err_init(&err);
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    vg_engine_global_init(&err) != 0 ||
	    vg_conf_parse(&conf, text, (size_t)n, "fuzz.conf", &err) != 0 ||
	    vg_engine_new(&engine, conf, &err) != 0) {
		fprintf(stderr, "fuzz_pipeline: %s\n", vg_err_text(&err));
		unlink(wrapper);
		abort();
	}
	unlink(wrapper); /* the rules are compiled into the engine */
	return 0;
}

/* The headers that arrived, as the MTA would see them. */
struct oracle {
	struct {
		char name[128]; /* longer names are not ours; cut, kept */
		size_t nlen;    /* full length */
	} h[ORACLE_MAX];
	size_t n;
	size_t hdr_end; /* where the header lines end */
	size_t body;    /* offset of the body (past the empty line) */
};

static struct oracle oracle;

/* is_ftext - a field-name byte (RFC 5322) */
static int
is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/*
 * oracle_parse - the header block of p (len bytes): header lines ("name:"
 * or "name :") with their continuations, up to the empty line or the first
 * line that is neither, as Postfix and msg.c both read it.  Fills o->h
 * with names, o->hdr_end and o->body; 0, or -1 past ORACLE_MAX headers.
 */
static int
oracle_parse(struct oracle *o, const uint8_t *p, size_t len)
{
	size_t pos = 0;

	o->n = 0;
	while (pos < len) {
		const uint8_t *lf = memchr(p + pos, '\n', len - pos);
		size_t end = lf != NULL ? (size_t)(lf - p) + 1 : len;
		size_t i = pos, nlen;

		if (lf != NULL &&
		    (end - pos == 1 || (end - pos == 2 && p[pos] == '\r'))) {
			o->hdr_end = pos;
			o->body = end;
			return 0;
		}
		while (i < end && is_ftext(p[i]))
			i++;
		nlen = i - pos;
		while (i < end && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (nlen == 0 || i >= end || p[i] != ':')
			break;
		if (o->n == ORACLE_MAX)
			return -1;
		o->h[o->n].nlen = nlen;
		if (nlen >= sizeof(o->h[0].name))
			nlen = sizeof(o->h[0].name) - 1;
		memcpy(o->h[o->n].name, p + pos, nlen);
		o->h[o->n].name[nlen] = '\0';
		o->n++;
		/* Continuation lines start with white space. */
		while (end < len && (p[end] == ' ' || p[end] == '\t')) {
			lf = memchr(p + end, '\n', len - end);
			end = lf != NULL ? (size_t)(lf - p) + 1 : len;
		}
		pos = end;
	}
	o->hdr_end = o->body = pos;
	return 0;
}

/* oracle_ours - header i has one of our names (not A-R, see below) */
static int
oracle_ours(const struct oracle *o, size_t i)
{
	/*
	 * Authentication-Results is ours only with our authserv-id, which
	 * is the verdict's judgement to make; the oracle leaves it alone.
	 */
	if (strcasecmp(o->h[i].name, "Authentication-Results") == 0)
		return 0;
	if (o->h[i].nlen >= sizeof(o->h[0].name))
		return strncasecmp(o->h[i].name, "X-Spam-", 7) == 0;
	return vg_statushdr_is(o->h[i].name);
}

/*
 * feed_milter - the message as the milter builds it: one
 * vg_msg_add_header() per header (the name; the value after the colon with
 * its leading space and LF-folded continuations, cut at a NUL as a C
 * string is), the end of headers, then the body with CRLF line ends in
 * chunks.  *out owned by the caller.
 */
static int
feed_milter(struct vg_msg **out, const struct vg_msg_limits *lim,
    const uint8_t *p, size_t len, const struct oracle *o)
{
	size_t hdr_end = o->hdr_end, body = o->body;
	struct vg_msg *msg = NULL;
	char *name = NULL, *value = NULL, *crlf = NULL;
	size_t pos = 0, n = 0;
	int rc;

	*out = NULL;
	if ((rc = vg_msg_new(&msg, lim)) != 0)
		return rc;
	if ((name = vg_malloc(hdr_end + 1)) == NULL ||
	    (value = vg_malloc(hdr_end + 1)) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	while (pos < hdr_end) {
		size_t i = pos, nlen, v = 0;

		while (i < hdr_end && is_ftext(p[i]))
			i++;
		nlen = i - pos;
		memcpy(name, p + pos, nlen);
		name[nlen] = '\0';
		while (i < hdr_end && p[i] != ':')
			i++;
		i++; /* the colon */
		/* The value up to the next line that is not a continuation. */
		for (; i < hdr_end; i++) {
			if (p[i] == '\r' && i + 1 < hdr_end && p[i + 1] == '\n')
				continue;
			if (p[i] == '\n' &&
			    (i + 1 >= hdr_end ||
			        (p[i + 1] != ' ' && p[i + 1] != '\t')))
				break;
			value[v++] = (char)p[i];
		}
		value[v] = '\0';
		if ((rc = vg_msg_add_header(msg, name, value)) != 0)
			goto out;
		pos = i + 1;
	}
	if ((rc = vg_msg_end_headers(msg)) != 0)
		goto out;
	/* The MTA hands the body over with CRLF line ends. */
	if (!vg_size_mul(&n, len - body, 2) ||
	    (crlf = vg_malloc(n + 1)) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	n = 0;
	for (size_t i = body; i < len; i++) {
		if (p[i] == '\n' && (i == body || p[i - 1] != '\r'))
			crlf[n++] = '\r';
		crlf[n++] = (char)p[i];
	}
	for (size_t i = 0; i < n; i += FEED_CHUNK) {
		size_t c = n - i < FEED_CHUNK ? n - i : FEED_CHUNK;

		if ((rc = vg_msg_add_body(msg, crlf + i, c)) != 0)
			goto out;
	}
	if ((rc = vg_msg_finish(msg)) != 0)
		goto out;
	*out = msg;
	msg = NULL; /* handed to the caller */
out:
	vg_free(crlf);
	vg_free(value);
	vg_free(name);
	vg_msg_free(msg);
	return rc;
}

/*
 * check_line - s is one header line's value: no CR, an LF only as the
 * "\n\t" fold with text after it, no other control byte, valid UTF-8
 */
static void
check_line(const char *s)
{
	size_t len = strlen(s);

	if (len > VG_VERDICT_HEADER_MAX || !vg_hdr_utf8_valid(s, len))
		abort();
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n') {
			/* A fold, and not one that leaves an empty line. */
			if (s[i + 1] != '\t' || s[i + 2] == '\0' ||
			    s[i + 2] == '\n' || s[i + 2] == ' ' ||
			    s[i + 2] == '\t')
				abort();
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			abort();
	}
}

/* check_reply - an SMTP reply part: printable ASCII only */
static void
check_reply(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			abort();
}

/* print_verdict - what a seed reached, for VIGIL_FUZZ_VERBOSE */
static void
print_verdict(const struct vg_verdict *v, const struct vg_msg *msg)
{
	fprintf(stderr, "%s score=%.1f flags=%#x headers=%zu reply=%s %s %s\n",
	    vg_action_name(v->action), v->score, vg_msg_flags(msg),
	    vg_msg_header_count(msg), v->code, v->xcode, v->text);
	for (size_t i = 0; i < v->nedits; i++)
		fprintf(stderr, "  %s %s[%zu]: %s\n",
		    v->edits[i].kind == VG_EDIT_DELETE    ? "delete"
		        : v->edits[i].kind == VG_EDIT_ADD ? "add"
		                                          : "change",
		    v->edits[i].name, v->edits[i].index,
		    v->edits[i].value != NULL ? v->edits[i].value : "");
}

/* check_verdict - the invariants in the block comment at the top */
static void
check_verdict(const struct vg_verdict *v, const struct vg_msg *msg)
{
	/* What remains of each arrived header after the edits. */
	static unsigned char gone[ORACLE_MAX];
	size_t adds_status = 0;
	bool passed = false;

	switch (v->action) {
	case VG_ACTION_ACCEPT:
	case VG_ACTION_TAG:
	case VG_ACTION_QUARANTINE:
		passed = true;
		break;
	case VG_ACTION_REJECT:
		if (v->code[0] != '5' || v->xcode[0] != '5')
			abort();
		break;
	case VG_ACTION_TEMPFAIL:
		if (v->code[0] != '4' || v->xcode[0] != '4')
			abort();
		break;
	case VG_ACTION_DISCARD:
		break;
	}
	if (!passed && v->action != VG_ACTION_REJECT &&
	    v->action != VG_ACTION_TEMPFAIL && v->action != VG_ACTION_DISCARD)
		abort(); /* not an action at all */
	if (v->error)
		abort(); /* a stage failed: v->reason says which and why */
	check_reply(v->code);
	check_reply(v->xcode);
	check_reply(v->text);
	if (!isfinite(v->score) || !isfinite(v->required) ||
	    !isfinite(v->reject) || v->spam != (v->score >= v->required))
		abort();
	for (size_t i = 0; i < v->nsymbols; i++)
		if (v->symbols[i].name == NULL ||
		    v->symbols[i].name[0] == '\0' ||
		    !isfinite(v->symbols[i].score))
			abort();
	if ((vg_msg_flags(msg) & VG_MSG_F_OUR_HEADERS_OVERFLOW) &&
	    v->action != VG_ACTION_REJECT)
		abort();

	memset(gone, 0, oracle.n);
	for (size_t i = 0; i < v->nedits; i++) {
		const struct vg_header_edit *e = &v->edits[i];
		size_t k, seen = 0;

		if (e->name == NULL || e->name[0] == '\0')
			abort();
		for (const char *c = e->name; *c != '\0'; c++)
			if (!is_ftext((unsigned char)*c))
				abort();
		switch (e->kind) {
		case VG_EDIT_DELETE:
			/*
			 * Apply it as an MTA that renumbers after each
			 * deletion does: the index-th header of that name
			 * among those still there.
			 */
			if (e->index == 0 || e->value != NULL)
				abort();
			for (k = 0; k < oracle.n; k++) {
				if (gone[k] ||
				    strcasecmp(oracle.h[k].name, e->name) != 0)
					continue;
				if (++seen == e->index)
					break;
			}
			if (k == oracle.n)
				abort(); /* deletes a header that is not there */
			gone[k] = 1;
			break;
		case VG_EDIT_CHANGE:
		case VG_EDIT_ADD:
			if (e->value == NULL ||
			    (e->kind == VG_EDIT_CHANGE && e->index == 0))
				abort();
			check_line(e->value);
			if (e->kind == VG_EDIT_ADD &&
			    strcasecmp(e->name, "X-Virus-Status") == 0) {
				adds_status++;
				if (strncmp(e->value, "Clean", 5) == 0)
					abort(); /* nothing was scanned */
			}
			break;
		}
	}
	if (vg_msg_flags(msg) & VG_MSG_F_OUR_HEADERS_OVERFLOW)
		return; /* rejected, checked above */
	for (size_t k = 0; k < oracle.n; k++)
		if (!gone[k] && oracle_ours(&oracle, k))
			abort(); /* a forged status header survives */
	if (adds_status != (passed ? 1 : 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_msg_limits lim = {
	    .max_size = 64 * 1024,
	    .memory_limit = 64 * 1024,
	    .max_headers = 100,
	    .max_header_size = 8192,
	    .max_rcpts = 10,
	    .tmp_dir = "/tmp",
	};
	struct vg_msg *msg = NULL;
	struct vg_verdict *v = NULL;
	unsigned sel = 0;
	size_t skip = 0;
	int rc;

	if (size > 0 && data[0] < 0x10) {
		sel = data[0];
		data++;
		size--;
	}
	if (sel & 2u) {
		lim.max_headers = 10;
		lim.max_header_size = 1024;
	}
	if (sel & 4u) {
		lim.memory_limit = 4096;
		lim.max_size = 16 * 1024;
	}
	/* Both paths skip a leading mbox From line (the MTA has none). */
	if (size >= 5 && memcmp(data, "From ", 5) == 0) {
		const uint8_t *lf = memchr(data, '\n', size);

		skip = lf != NULL ? (size_t)(lf - data) + 1 : size;
	}
	if (oracle_parse(&oracle, data + skip, size - skip) != 0)
		return 0; /* more headers than the oracle follows */
	if (sel & 1u)
		rc = feed_milter(&msg, &lim, data + skip, size - skip, &oracle);
	else
		rc = vg_msg_from_bytes(&msg, &lim, data, size);
	if (rc != 0)
		return 0; /* out of memory, or no spill file: not a bug */
	rc = vg_msg_set_from(msg, "<sender@example.com>");
	if (rc == 0)
		rc = vg_msg_add_rcpt(msg, "<user@example.org>");
	if (rc == 0 && (sel & 8u)) {
		rc = vg_msg_set_client(msg, "127.0.0.1", "localhost");
		if (rc == 0)
			rc = vg_msg_set_auth(msg, "alice");
	}
	if (rc == 0)
		rc = vg_scan_run(&v, engine, msg);
	if (rc == 0 && verbose)
		print_verdict(v, msg);
	if (rc == 0)
		check_verdict(v, msg);
	else if (rc != VG_ENOMEM)
		abort();
	vg_verdict_free(v);
	vg_msg_free(msg);
	return 0;
}
