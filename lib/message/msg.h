/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * msg - one message: its envelope and its raw bytes.
 *
 * PURPOSE  The message model every stage reads.  A front end fills it in
 *	    order (envelope, headers, end of headers, body chunks, finish);
 *	    after vg_msg_finish() it is read-only and may be read by several
 *	    stages at once.  The raw message is the header block, an empty
 *	    line and the body, exactly as the MTA handed them over; it is
 *	    kept in memory up to memory_limit bytes and then moves to an
 *	    unlinked temporary file in tmp_dir, so a large message is never
 *	    held twice (the memory copy is freed once the file has it).
 *	    vg_msg_raw() maps the spill file, so readers always see one
 *	    contiguous byte range.
 * OWNS     vg_msg_new() returns a message the caller frees with
 *	    vg_msg_free(); every string, header and extension attached to it
 *	    is freed with it.  Pointers returned by accessors are borrowed
 *	    and live as long as the message.
 * LIMITS   max_size: bytes beyond it are counted but not kept; the message
 *	    is flagged oversized (vg_msg_oversized()) and stages must not
 *	    scan it.  max_headers: further headers are kept in the raw bytes
 *	    but not indexed (VG_MSG_F_TOO_MANY_HEADERS), except headers with
 *	    the names Vigil writes (statushdr.h), indexed up to max_headers more
 *	    so forgeries are always found; past that
 *	    VG_MSG_F_OUR_HEADERS_OVERFLOW.  max_header_size: a
 *	    longer header is kept raw and indexed with its value cut to fit
 *	    (VG_MSG_F_HEADER_TOO_LONG), so forged headers of any length are
 *	    still found and deleted.  max_rcpts: further recipients are
 *	    counted, not stored.
 * ERRORS   Adding data returns VG_ENOMEM or VG_EIO (spill file: the errno
 *	    is kept, vg_msg_io_errno(), and every later append fails too,
 *	    since the file may hold part of the data); a limit is
 *	    a flag, never an error, because malformed or huge mail is data.
 * THREADS  Filling is single-threaded; a finished message may be read
 *	    concurrently.
 */
#ifndef VG_MSG_H
#define VG_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_conf;
struct vg_msg;

struct vg_msg_limits {
	uint64_t max_size;
	size_t memory_limit;
	size_t max_headers;
	size_t max_header_size;
	size_t max_rcpts;
	const char *tmp_dir; /* copied */
};

/* Flags for what was odd about a message. */
#define VG_MSG_F_OVERSIZED        0x01u
#define VG_MSG_F_TOO_MANY_HEADERS 0x02u
#define VG_MSG_F_HEADER_TOO_LONG  0x04u
#define VG_MSG_F_TOO_MANY_RCPTS   0x08u
#define VG_MSG_F_NO_HEADER_END    0x10u /* file input without a blank line */
/* More headers with our names than max_headers * 2: a hostile message. */
#define VG_MSG_F_OUR_HEADERS_OVERFLOW 0x20u

struct vg_header {
	const char *name;  /* as received */
	const char *value; /* as received, after "name:", folding kept */
	size_t value_len;
};

/* vg_msg_limits_from_conf - the limits a config sets */
void vg_msg_limits_from_conf(
    struct vg_msg_limits *out, const struct vg_conf *conf);

/* vg_msg_new - empty message; *out owned by the caller */
int vg_msg_new(struct vg_msg **out, const struct vg_msg_limits *limits);
/* vg_msg_free - free a message and all attached to it; NULL is a no-op */
void vg_msg_free(struct vg_msg *msg);

/* Envelope setters copy their argument; NULL clears.  VG_ENOMEM. */
int vg_msg_set_queue_id(struct vg_msg *msg, const char *qid);
int vg_msg_set_client(struct vg_msg *msg, const char *addr, const char *name);
int vg_msg_set_helo(struct vg_msg *msg, const char *helo);
int vg_msg_set_from(struct vg_msg *msg, const char *from);
int vg_msg_set_auth(struct vg_msg *msg, const char *authen);
int vg_msg_add_rcpt(struct vg_msg *msg, const char *rcpt);

/*
 * vg_msg_add_header - append "name:value" plus CRLF to the raw message and
 * index it.  value is as received (with SMFIP_HDR_LEADSPC it keeps its
 * leading space); a bare LF inside a folded value is written as CRLF.
 */
int vg_msg_add_header(struct vg_msg *msg, const char *name, const char *value);
/* vg_msg_end_headers - append the empty line that ends the headers */
int vg_msg_end_headers(struct vg_msg *msg);
/* vg_msg_add_body - append body bytes (CRLF line ends, as milters get) */
int vg_msg_add_body(struct vg_msg *msg, const void *data, size_t len);
/* vg_msg_finish - no more data; map the spill file; message is read-only */
int vg_msg_finish(struct vg_msg *msg);

/*
 * vg_msg_from_bytes - a finished message from a whole raw message (a file
 * for `vigil scan`).  A leading mbox "From " line is skipped; LF or CRLF
 * line ends are accepted and kept as they are.
 */
int vg_msg_from_bytes(struct vg_msg **out, const struct vg_msg_limits *lim,
    const void *data, size_t len);
/* vg_msg_from_file - vg_msg_from_bytes() of a file's contents; VG_EIO */
int vg_msg_from_file(
    struct vg_msg **out, const struct vg_msg_limits *lim, const char *path);

/*
 * vg_msg_copy_envelope - give dst (a message read from a file) src's
 * envelope: queue id, client, HELO, sender, login and recipients, added
 * to those dst has, and its notes.  VG_ENOMEM.
 */
int vg_msg_copy_envelope(struct vg_msg *dst, const struct vg_msg *src);
/*
 * Notes: symbols the SMTP-time hooks leave for the verdict (a check that
 * ran on a per-process fallback: RATELIMIT_UNAVAILABLE, ...).  name is a
 * static string; a note already there is not added twice; past
 * VG_MSG_NOTES_MAX notes a new one is dropped (VG_ELIMIT).  The verdict
 * adds each note as a symbol, scored by the rules file (0 when it gives
 * none).
 */
#define VG_MSG_NOTES_MAX 8
int vg_msg_add_note(struct vg_msg *msg, const char *name);
size_t vg_msg_note_count(const struct vg_msg *msg);
const char *vg_msg_note(const struct vg_msg *msg, size_t i);

/* vg_msg_finished - vg_msg_finish() has run */
bool vg_msg_finished(const struct vg_msg *msg);

/* Accessors; strings are "" when unset, never NULL. */
const char *vg_msg_queue_id(const struct vg_msg *msg);
const char *vg_msg_client_addr(const struct vg_msg *msg);
const char *vg_msg_client_name(const struct vg_msg *msg);
const char *vg_msg_helo(const struct vg_msg *msg);
const char *vg_msg_from(const struct vg_msg *msg);
const char *vg_msg_auth(const struct vg_msg *msg);
size_t vg_msg_rcpt_count(const struct vg_msg *msg); /* all, stored or not */
size_t vg_msg_rcpt_stored(const struct vg_msg *msg);
const char *vg_msg_rcpt(const struct vg_msg *msg, size_t i);

size_t vg_msg_header_count(const struct vg_msg *msg);
const struct vg_header *vg_msg_header(const struct vg_msg *msg, size_t i);
/*
 * vg_msg_header_find - the nth (0-based) header named name, compared
 * without case; NULL if there is none.
 */
const struct vg_header *vg_msg_header_find(
    const struct vg_msg *msg, const char *name, size_t nth);

/*
 * vg_msg_from_domain - the domain of the message's one From: address into
 * out (size bytes), or "" when there is no From:, several, one with
 * several addresses, or no '@' (DKIM alignment, DMARC, ARC, signing)
 */
void vg_msg_from_domain(char *out, size_t size, const struct vg_msg *msg);

/* vg_msg_size - bytes received, including any not kept */
uint64_t vg_msg_size(const struct vg_msg *msg);
/* vg_msg_flags - VG_MSG_F_* bits */
unsigned vg_msg_flags(const struct vg_msg *msg);
/* vg_msg_oversized - more than max_size bytes arrived */
bool vg_msg_oversized(const struct vg_msg *msg);
/* vg_msg_spilled - the raw bytes live in a temporary file */
bool vg_msg_spilled(const struct vg_msg *msg);
/*
 * vg_msg_io_errno - after VG_EIO from an append or vg_msg_finish(): the
 * errno of the spill operation that failed (mkstemp, write, mmap in
 * vg_msg_tmp_dir(), ENOSPC for a full tmp_dir), so the caller can say
 * why; 0 when no spill operation failed
 */
int vg_msg_io_errno(const struct vg_msg *msg);
/* vg_msg_tmp_dir - the directory spill files go to (borrowed) */
const char *vg_msg_tmp_dir(const struct vg_msg *msg);

/*
 * vg_msg_raw - the raw message after vg_msg_finish(): *len_out bytes from
 * the returned pointer (borrowed; NULL with *len_out 0 when empty).
 */
const unsigned char *vg_msg_raw(const struct vg_msg *msg, size_t *len_out);
/*
 * vg_msg_body_offset - offset of the body in the raw message (just past
 * the empty line), or the raw length when there is no body.
 */
size_t vg_msg_body_offset(const struct vg_msg *msg);
/*
 * vg_msg_head - the header block with its empty line (the raw bytes up to
 * the body offset) once vg_msg_end_headers() has run, before or after
 * vg_msg_finish(), so a scanner can be sent the message while its body
 * arrives (virus_clamd.c).  Borrowed until the next append.  NULL with
 * *len_out 0 before the end of the headers, or while the bytes are in a
 * spill file that is not mapped yet (headers over memory_limit).
 */
const unsigned char *vg_msg_head(const struct vg_msg *msg, size_t *len_out);

/*
 * Extensions: per-message state that a stage or check hangs off the
 * message (the parsed MIME tree), freed with the message.  A shared
 * service (the resolver) never hangs here: the message is read-only
 * to the scans, and a stage keeps such things in its own state.  One slot per user; setting a slot frees its old value.
 */
enum vg_msg_slot {
	VG_MSG_SLOT_MIME,
	VG_MSG_SLOT_POLICY,
	VG_MSG_SLOT_VIRUS, /* the clamd backend's stream (virus_clamd.c) */
	VG_MSG_SLOT_MAX,
};
typedef void (*vg_msg_ext_free_fn)(void *ptr);
void vg_msg_set_ext(struct vg_msg *msg, enum vg_msg_slot slot, void *ptr,
    vg_msg_ext_free_fn free_fn);
void *vg_msg_ext(const struct vg_msg *msg, enum vg_msg_slot slot);

#endif /* VG_MSG_H */
