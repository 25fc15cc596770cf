/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * msg - one message: its envelope and its raw bytes (see msg.h).
 *
 * Storage.  The raw bytes go to a memory block that grows up to
 * memory_limit.  The first append that would pass memory_limit creates a
 * temporary file in tmp_dir (mkstemp() and unlink() at once, so nothing
 * is left behind if we crash), writes the memory block to it, frees the
 * block and from then on writes straight to the file.  vg_msg_finish()
 * maps the file read-only, so vg_msg_raw() is one contiguous range in
 * both cases and the message never exists twice in our memory.  A
 * memory_limit of 0 sends every byte to the file.
 *
 * Size.  Every byte offered is counted in size; only the first max_size
 * bytes are stored.  The first byte past max_size sets
 * VG_MSG_F_OVERSIZED; the stored prefix stays readable but stages must
 * not scan it.
 *
 * Defaults.  vg_msg_new() and vg_msg_from_bytes() accept NULL limits and
 * then use VG_MSG_DEF_* below, the same values as vigil.conf's defaults.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/compiler.h"
#include "base/conf.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "message/hdr.h"
#include "message/msg.h"
#include "message/statushdr.h"

#define VG_MSG_DEF_MAX_SIZE        (25u * 1024 * 1024)
#define VG_MSG_DEF_MEMORY_LIMIT    (1024u * 1024)
#define VG_MSG_DEF_MAX_HEADERS     1000u
#define VG_MSG_DEF_MAX_HEADER_SIZE (64u * 1024)
#define VG_MSG_DEF_MAX_RCPTS       1000u
#define VG_MSG_DEF_TMP_DIR         "/tmp"

/* Spill files are named after this template inside tmp_dir. */
#define VG_MSG_SPILL_NAME "/vigil-msg.XXXXXX"

/* Read size for vg_msg_from_file() on pipes and other unmappable input. */
#define VG_MSG_READ_CHUNK (64u * 1024)

struct vg_msg_ext {
	void *ptr;
	vg_msg_ext_free_fn free_fn;
};

struct vg_msg {
	struct vg_msg_limits lim; /* tmp_dir points at tmp_dir below */
	char *tmp_dir;

	/* Envelope. */
	char *queue_id;
	char *client_addr;
	char *client_name;
	char *helo;
	char *from;
	char *auth;
	char **rcpts; /* rcpt_stored of them, at most max_rcpts */
	size_t rcpt_stored, rcpt_cap, rcpt_count;

	/* Header index. */
	struct vg_header *headers;
	size_t nheaders, headers_cap;

	/* Raw bytes: mem while small, then fd; map after finish. */
	unsigned char *mem;
	size_t mem_cap;
	int fd;             /* spill file, -1 when in memory */
	unsigned char *map; /* mmap of the spill file after finish */
	size_t stored;      /* bytes kept (memory or file) */
	uint64_t size;      /* bytes offered, kept or not */
	size_t body_offset;
	bool have_body_offset;
	bool finished;
	int io_error; /* sticky VG_EIO after a failed spill write */
	int io_errno; /* errno of the last failed spill operation, or 0 */
	unsigned flags;

	struct vg_msg_ext ext[VG_MSG_SLOT_MAX];
	const char *notes[VG_MSG_NOTES_MAX]; /* static strings */
	size_t nnotes;
};

/* vg_msg_limits_from_conf - the limits a config sets */
void
vg_msg_limits_from_conf(struct vg_msg_limits *out, const struct vg_conf *conf)
{
	out->max_size = conf->max_message_size;
	/* memory_limit is a uint64_t in the config; clamp to the address space. */
	out->memory_limit = conf->memory_limit > SIZE_MAX
	    ? SIZE_MAX
	    : (size_t)conf->memory_limit;
	out->max_headers = conf->max_header_count;
	out->max_header_size = conf->max_header_size > SIZE_MAX
	    ? SIZE_MAX
	    : (size_t)conf->max_header_size;
	out->max_rcpts = conf->max_recipients;
	out->tmp_dir = conf->tmp_dir;
}

/* msg_default_limits - the limits used when a caller passes NULL */
static void
msg_default_limits(struct vg_msg_limits *out)
{
	out->max_size = VG_MSG_DEF_MAX_SIZE;
	out->memory_limit = VG_MSG_DEF_MEMORY_LIMIT;
	out->max_headers = VG_MSG_DEF_MAX_HEADERS;
	out->max_header_size = VG_MSG_DEF_MAX_HEADER_SIZE;
	out->max_rcpts = VG_MSG_DEF_MAX_RCPTS;
	out->tmp_dir = NULL;
}

/* vg_msg_new - empty message; *out owned by the caller */
int
vg_msg_new(struct vg_msg **out, const struct vg_msg_limits *limits)
{
	struct vg_msg *msg;
	const char *tmp;

	*out = NULL;
	if ((msg = vg_calloc(1, sizeof(*msg))) == NULL)
		return VG_ENOMEM;
	msg->fd = -1;
	if (limits != NULL)
		msg->lim = *limits;
	else
		msg_default_limits(&msg->lim);
	tmp = msg->lim.tmp_dir;
	if (tmp == NULL || *tmp == '\0')
		tmp = VG_MSG_DEF_TMP_DIR;
	if ((msg->tmp_dir = vg_strdup(tmp)) == NULL) {
		vg_free(msg);
		return VG_ENOMEM;
	}
	msg->lim.tmp_dir = msg->tmp_dir;
	*out = msg;
	return 0;
}

/* vg_msg_free - free a message and all attached to it; NULL is a no-op */
void
vg_msg_free(struct vg_msg *msg)
{
	if (msg == NULL)
		return;
	for (size_t i = 0; i < VG_MSG_SLOT_MAX; i++)
		if (msg->ext[i].ptr != NULL && msg->ext[i].free_fn != NULL)
			msg->ext[i].free_fn(msg->ext[i].ptr);
	for (size_t i = 0; i < msg->nheaders; i++)
		vg_free((void *)(uintptr_t)msg->headers[i].name);
	vg_free(msg->headers);
	for (size_t i = 0; i < msg->rcpt_stored; i++)
		vg_free(msg->rcpts[i]);
	vg_free(msg->rcpts);
	if (msg->map != NULL)
		munmap(msg->map, msg->stored);
	if (msg->fd >= 0)
		close(msg->fd);
	vg_free(msg->mem);
	vg_free(msg->queue_id);
	vg_free(msg->client_addr);
	vg_free(msg->client_name);
	vg_free(msg->helo);
	vg_free(msg->from);
	vg_free(msg->auth);
	vg_free(msg->tmp_dir);
	vg_free(msg);
}

/* msg_set_str - replace *slot with a copy of s (NULL clears) */
static int
msg_set_str(char **slot, const char *s)
{
	char *copy = NULL;

	if (s != NULL && (copy = vg_strdup(s)) == NULL)
		return VG_ENOMEM;
	vg_free(*slot);
	*slot = copy;
	return 0;
}

/* vg_msg_set_queue_id - remember the MTA's queue id */
int
vg_msg_set_queue_id(struct vg_msg *msg, const char *qid)
{
	return msg_set_str(&msg->queue_id, qid);
}

/* vg_msg_set_client - remember the client address and its name */
int
vg_msg_set_client(struct vg_msg *msg, const char *addr, const char *name)
{
	char *a = NULL, *n = NULL;

	/* Both or neither, so a failure leaves the old pair in place. */
	if (addr != NULL && (a = vg_strdup(addr)) == NULL)
		return VG_ENOMEM;
	if (name != NULL && (n = vg_strdup(name)) == NULL) {
		vg_free(a);
		return VG_ENOMEM;
	}
	vg_free(msg->client_addr);
	vg_free(msg->client_name);
	msg->client_addr = a;
	msg->client_name = n;
	return 0;
}

/* vg_msg_set_helo - remember the HELO/EHLO name */
int
vg_msg_set_helo(struct vg_msg *msg, const char *helo)
{
	return msg_set_str(&msg->helo, helo);
}

/* vg_msg_set_from - remember the envelope sender */
int
vg_msg_set_from(struct vg_msg *msg, const char *from)
{
	return msg_set_str(&msg->from, from);
}

/* vg_msg_set_auth - remember the SASL login name */
int
vg_msg_set_auth(struct vg_msg *msg, const char *authen)
{
	return msg_set_str(&msg->auth, authen);
}

/* vg_msg_add_rcpt - count a recipient and store it while under max_rcpts */
int
vg_msg_add_rcpt(struct vg_msg *msg, const char *rcpt)
{
	char *copy;

	if (msg->rcpt_stored >= msg->lim.max_rcpts) {
		msg->rcpt_count++;
		msg->flags |= VG_MSG_F_TOO_MANY_RCPTS;
		return 0;
	}
	if (msg->rcpt_stored == msg->rcpt_cap) {
		size_t cap = msg->rcpt_cap == 0 ? 8 : msg->rcpt_cap * 2;
		char **n;

		if (cap > msg->lim.max_rcpts)
			cap = msg->lim.max_rcpts;
		if ((n = vg_reallocarray(msg->rcpts, cap, sizeof(*n))) == NULL)
			return VG_ENOMEM;
		msg->rcpts = n;
		msg->rcpt_cap = cap;
	}
	if ((copy = vg_strdup(rcpt != NULL ? rcpt : "")) == NULL)
		return VG_ENOMEM;
	msg->rcpts[msg->rcpt_stored++] = copy;
	msg->rcpt_count++;
	return 0;
}

/*
 * msg_write_all - write len bytes to fd, retrying short writes; VG_EIO,
 * with write(2)'s errno in *errno_out
 */
static int
msg_write_all(int fd, const unsigned char *p, size_t len, int *errno_out)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			*errno_out = errno;
			return VG_EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * msg_spill - move the raw bytes from memory to a new unlinked temporary
 * file in tmp_dir.  On failure nothing changes (the memory copy stays).
 */
static int
msg_spill(struct vg_msg *msg)
{
	char *path = NULL;
	size_t dlen = strlen(msg->tmp_dir), plen;
	int fd = -1, rc;

	if (!vg_size_add(&plen, dlen, sizeof(VG_MSG_SPILL_NAME)))
		return VG_ENOMEM;
	if ((path = vg_malloc(plen)) == NULL)
		return VG_ENOMEM;
	memcpy(path, msg->tmp_dir, dlen);
	memcpy(path + dlen, VG_MSG_SPILL_NAME, sizeof(VG_MSG_SPILL_NAME));
	if ((fd = mkstemp(path)) < 0) {
		msg->io_errno = errno;
		rc = VG_EIO;
		goto out;
	}
	/* Unlink at once: the file lives only as long as the descriptor. */
	(void)unlink(path);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
		msg->io_errno = errno;
		rc = VG_EIO;
		goto out;
	}
	if ((rc = msg_write_all(fd, msg->mem, msg->stored, &msg->io_errno)) !=
	    0)
		goto out;
	msg->fd = fd;
	fd = -1; /* handed to msg */
	vg_free(msg->mem);
	msg->mem = NULL;
	msg->mem_cap = 0;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	vg_free(path);
	return rc;
}

/*
 * msg_store - count len bytes and keep those under max_size, in memory or
 * in the spill file.  Invalidates the pointer returned by vg_msg_raw().
 */
static int
msg_store(struct vg_msg *msg, const void *data, size_t len)
{
	size_t keep, need;
	int rc;

	if (msg->finished)
		return VG_EINVAL;
	if (msg->io_error != 0)
		return msg->io_error;
	if (len == 0)
		return 0;

	/* Count everything; keep only what fits under max_size. */
	keep = len;
	if (msg->size >= msg->lim.max_size)
		keep = 0;
	else if (msg->lim.max_size - msg->size < len)
		keep = (size_t)(msg->lim.max_size - msg->size);
	msg->size += len;
	if (keep < len)
		msg->flags |= VG_MSG_F_OVERSIZED;
	if (keep == 0)
		return 0;
	if (!vg_size_add(&need, msg->stored, keep))
		return VG_ENOMEM;

	if (msg->fd < 0 && need > msg->lim.memory_limit) {
		if ((rc = msg_spill(msg)) != 0) {
			msg->size -= len;
			return rc;
		}
	}
	if (msg->fd >= 0) {
		if ((rc = msg_write_all(msg->fd, data, keep, &msg->io_errno)) !=
		    0) {
			/* The file may hold part of it now: fail for good. */
			msg->io_error = rc;
			return rc;
		}
		msg->stored = need;
		return 0;
	}
	if (need > msg->mem_cap) {
		size_t cap = msg->mem_cap < 4096 ? 4096 : msg->mem_cap;
		unsigned char *n;

		while (cap < need && cap <= SIZE_MAX / 2)
			cap *= 2;
		if (cap < need)
			cap = need;
		/* Never allocate more than memory_limit (need fits in it). */
		if (cap > msg->lim.memory_limit)
			cap = msg->lim.memory_limit;
		if ((n = vg_realloc(msg->mem, cap)) == NULL) {
			msg->size -= len;
			return VG_ENOMEM;
		}
		msg->mem = n;
		msg->mem_cap = cap;
	}
	memcpy(msg->mem + msg->stored, data, keep);
	msg->stored = need;
	return 0;
}

/* ascii_lower - ASCII lower case of one byte, locale-independent */
static unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* ascii_caseeq - whether two C strings are equal without ASCII case */
static bool
ascii_caseeq(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; *x != '\0' && *y != '\0'; x++, y++)
		if (ascii_lower(*x) != ascii_lower(*y))
			return false;
	return *x == *y;
}

/*
 * msg_name_is_ours - name (nlen bytes, not terminated) is one Vigil writes.
 * Any length: the verdict deletes every X-Spam-* however long its name, so
 * the index must keep them all past max_headers too.
 */
static bool
msg_name_is_ours(const char *name, size_t nlen)
{
	return vg_statushdr_is_n(name, nlen);
}

/*
 * msg_index_header - add name (nlen bytes) and value (vlen bytes) to the
 * header index, or set a flag when a limit says no.  Both are copied into
 * one block: name, NUL, value, NUL.
 *
 * A header longer than max_header_size is still indexed, with its value
 * cut to fit, and flagged.  Leaving it out would hide it from the
 * forged-header deletion (a 70 KB "X-Virus-Status: Clean" would reach the
 * mailbox next to ours) and from the header rules (a 75 KB To would read
 * as no To at all).  Only a name that alone passes the limit is skipped:
 * none of ours is that long.
 */
static int
msg_index_header(struct vg_msg *msg, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
	size_t line, total, hard_max;
	char *block;

	/* The header's size is its line without the final line end. */
	if (!vg_size_add(&line, nlen, 1) || line > msg->lim.max_header_size) {
		msg->flags |= VG_MSG_F_HEADER_TOO_LONG;
		return 0;
	}
	if (vlen > msg->lim.max_header_size - line) {
		msg->flags |= VG_MSG_F_HEADER_TOO_LONG;
		vlen = msg->lim.max_header_size - line;
	}
	line += vlen;
	/*
	 * Past max_headers only headers with our names are indexed, up to as
	 * many again: ordinary headers piled up in front must not hide a
	 * forged X-Virus-Status from the deletion.  Beyond that the message
	 * is flagged, and the verdict refuses it.
	 */
	if (!vg_size_mul(&hard_max, msg->lim.max_headers, 2))
		hard_max = msg->lim.max_headers;
	if (msg->nheaders >= msg->lim.max_headers) {
		msg->flags |= VG_MSG_F_TOO_MANY_HEADERS;
		if (!msg_name_is_ours(name, nlen))
			return 0;
		if (msg->nheaders >= hard_max) {
			msg->flags |= VG_MSG_F_OUR_HEADERS_OVERFLOW;
			return 0;
		}
	}
	if (msg->nheaders == msg->headers_cap) {
		size_t cap = msg->headers_cap == 0 ? 16 : msg->headers_cap * 2;
		struct vg_header *n;

		if (cap > hard_max)
			cap = hard_max;
		if ((n = vg_reallocarray(msg->headers, cap, sizeof(*n))) ==
		    NULL)
			return VG_ENOMEM;
		msg->headers = n;
		msg->headers_cap = cap;
	}
	if (!vg_size_add(&total, line, 1) || (block = vg_malloc(total)) == NULL)
		return VG_ENOMEM;
	memcpy(block, name, nlen);
	block[nlen] = '\0';
	if (vlen > 0)
		memcpy(block + nlen + 1, value, vlen);
	block[nlen + 1 + vlen] = '\0';
	msg->headers[msg->nheaders].name = block;
	msg->headers[msg->nheaders].value = block + nlen + 1;
	msg->headers[msg->nheaders].value_len = vlen;
	msg->nheaders++;
	return 0;
}

/* vg_msg_add_header - append "name:value" plus CRLF and index it */
int
vg_msg_add_header(struct vg_msg *msg, const char *name, const char *value)
{
	size_t nlen, vlen, start;
	int rc;

	if (msg->finished)
		return VG_EINVAL;
	if (value == NULL)
		value = "";
	nlen = strlen(name);
	vlen = strlen(value);
	if ((rc = msg_index_header(msg, name, nlen, value, vlen)) != 0)
		return rc;
	if ((rc = msg_store(msg, name, nlen)) != 0 ||
	    (rc = msg_store(msg, ":", 1)) != 0)
		return rc;
	/* Write runs of the value, turning each bare LF into CRLF. */
	start = 0;
	for (size_t i = 0; i < vlen; i++) {
		if (value[i] != '\n' || (i > 0 && value[i - 1] == '\r'))
			continue;
		if ((rc = msg_store(msg, value + start, i - start)) != 0 ||
		    (rc = msg_store(msg, "\r\n", 2)) != 0)
			return rc;
		start = i + 1;
	}
	if ((rc = msg_store(msg, value + start, vlen - start)) != 0)
		return rc;
	return msg_store(msg, "\r\n", 2);
}

/* vg_msg_end_headers - append the empty line that ends the headers */
int
vg_msg_end_headers(struct vg_msg *msg)
{
	int rc;

	if (msg->have_body_offset)
		return 0;
	if ((rc = msg_store(msg, "\r\n", 2)) != 0)
		return rc;
	msg->body_offset = msg->stored;
	msg->have_body_offset = true;
	return 0;
}

/* vg_msg_add_body - append body bytes */
int
vg_msg_add_body(struct vg_msg *msg, const void *data, size_t len)
{
	return msg_store(msg, data, len);
}

/* vg_msg_finish - no more data; map the spill file; message is read-only */
int
vg_msg_finish(struct vg_msg *msg)
{
	void *p;

	if (msg->finished)
		return 0;
	if (msg->io_error != 0)
		return msg->io_error;
	if (!msg->have_body_offset || msg->body_offset > msg->stored) {
		msg->body_offset = msg->stored;
		msg->have_body_offset = true;
	}
	if (msg->fd >= 0 && msg->stored > 0) {
		p = mmap(NULL, msg->stored, PROT_READ, MAP_PRIVATE, msg->fd, 0);
		if (p == MAP_FAILED) {
			msg->io_errno = errno;
			return VG_EIO;
		}
		msg->map = p;
	}
	/* The mapping keeps the file alive; the descriptor is not needed. */
	if (msg->fd >= 0) {
		close(msg->fd);
		msg->fd = -1;
	}
	msg->finished = true;
	return 0;
}

/* is_wsp - space or tab */
static bool
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* is_ftext - a byte allowed in a header field name (RFC 5322 ftext) */
static bool
is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/*
 * line_end - offset just past the line that starts at pos (past its LF,
 * or len when the last line has none); *content_out is where its content
 * ends (before CR LF or LF).
 */
static size_t
line_end(const unsigned char *p, size_t len, size_t pos, size_t *content_out)
{
	const unsigned char *lf = memchr(p + pos, '\n', len - pos);
	size_t end, content;

	if (lf == NULL) {
		*content_out = len;
		return len;
	}
	end = (size_t)(lf - p) + 1;
	content = end - 1;
	if (content > pos && p[content - 1] == '\r')
		content--;
	*content_out = content;
	return end;
}

/*
 * header_name_len - length of the field name if the line at pos..content
 * is a header line ("name:" or the obsolete "name :"), else 0; *colon_out
 * is the offset of the colon.
 */
static size_t
header_name_len(
    const unsigned char *p, size_t pos, size_t content, size_t *colon_out)
{
	size_t i = pos, nlen;

	while (i < content && is_ftext(p[i]))
		i++;
	nlen = i - pos;
	if (nlen == 0)
		return 0;
	while (i < content && is_wsp(p[i]))
		i++;
	if (i >= content || p[i] != ':')
		return 0;
	*colon_out = i;
	return nlen;
}

/*
 * msg_index_bytes - index the header block of a raw message (p, len) and
 * set the body offset.  The header block ends at the first empty line; a
 * line that is neither a header nor a continuation also ends it (the body
 * starts there, as in Postfix), flagged VG_MSG_F_NO_HEADER_END.
 */
static int
msg_index_bytes(struct vg_msg *msg, const unsigned char *p, size_t len)
{
	size_t pos = 0;
	int rc;

	while (pos < len) {
		size_t content, end, colon, nlen, vstart;

		end = line_end(p, len, pos, &content);
		if (content == pos && end > pos && p[end - 1] == '\n') {
			/* The empty line: the body follows it. */
			msg->body_offset = end;
			msg->have_body_offset = true;
			return 0;
		}
		if ((nlen = header_name_len(p, pos, content, &colon)) == 0)
			break;
		/* Take in continuation lines, keeping their line ends. */
		vstart = colon + 1;
		while (end < len && is_wsp(p[end]))
			end = line_end(p, len, end, &content);
		if ((rc = msg_index_header(msg, (const char *)p + pos, nlen,
		         (const char *)p + vstart, content - vstart)) != 0)
			return rc;
		pos = end;
	}
	msg->flags |= VG_MSG_F_NO_HEADER_END;
	msg->body_offset = pos;
	msg->have_body_offset = true;
	return 0;
}

/* skip_from_line - length of a leading mbox "From " line, or 0 */
static size_t
skip_from_line(const unsigned char *p, size_t len)
{
	const unsigned char *lf;

	if (len < 5 || memcmp(p, "From ", 5) != 0)
		return 0;
	if ((lf = memchr(p, '\n', len)) == NULL)
		return len;
	return (size_t)(lf - p) + 1;
}

/* vg_msg_from_bytes - a finished message from a whole raw message */
int
vg_msg_from_bytes(struct vg_msg **out, const struct vg_msg_limits *lim,
    const void *data, size_t len)
{
	const unsigned char *p = data;
	struct vg_msg *msg = NULL;
	size_t skip;
	int rc;

	*out = NULL;
	if (p == NULL)
		len = 0;
	if ((rc = vg_msg_new(&msg, lim)) != 0)
		return rc;
	skip = len > 0 ? skip_from_line(p, len) : 0;
	if (len > 0) {
		p += skip;
		len -= skip;
	}
	if ((rc = msg_index_bytes(msg, p, len)) != 0)
		goto out;
	if ((rc = msg_store(msg, p, len)) != 0)
		goto out;
	if ((rc = vg_msg_finish(msg)) != 0)
		goto out;
	*out = msg;
	msg = NULL; /* handed to the caller */
out:
	vg_msg_free(msg);
	return rc;
}

/*
 * msg_read_stream - vg_msg_from_bytes() of what a non-mappable descriptor
 * yields.  Bytes past max_size (plus room for an mbox From line) are
 * counted, not kept, so a pipe cannot make us hold more than a file would.
 */
static int
msg_read_stream(struct vg_msg **out, const struct vg_msg_limits *lim, int fd)
{
	struct vg_msg_limits def;
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, keep_max;
	uint64_t total = 0;
	int rc;

	if (lim == NULL) {
		msg_default_limits(&def);
		lim = &def;
	}
	/* An mbox From line is at most a few hundred bytes; allow 4 KiB. */
	keep_max = lim->max_size > SIZE_MAX - 4096
	    ? SIZE_MAX
	    : (size_t)lim->max_size + 4096;
	for (;;) {
		ssize_t n;

		if (cap - len < VG_MSG_READ_CHUNK && cap < keep_max) {
			size_t ncap = cap == 0 ? VG_MSG_READ_CHUNK : cap * 2;
			unsigned char *nb;

			if (ncap > keep_max)
				ncap = keep_max;
			if ((nb = vg_realloc(buf, ncap)) == NULL) {
				rc = VG_ENOMEM;
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		if (len < cap) {
			n = read(fd, buf + len, cap - len);
		} else {
			unsigned char sink[4096];

			n = read(fd, sink, sizeof(sink));
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = VG_EIO;
			goto out;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (len < cap)
			len += (size_t)n;
	}
	if ((rc = vg_msg_from_bytes(out, lim, buf, len)) != 0)
		goto out;
	if (total > len) {
		(*out)->size += total - len;
		(*out)->flags |= VG_MSG_F_OVERSIZED;
	}
out:
	vg_free(buf);
	return rc;
}

/* vg_msg_from_file - vg_msg_from_bytes() of a file's contents; VG_EIO */
int
vg_msg_from_file(
    struct vg_msg **out, const struct vg_msg_limits *lim, const char *path)
{
	struct stat st;
	void *p;
	int fd, rc;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return VG_EIO;
	if (fstat(fd, &st) != 0) {
		rc = VG_EIO;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		rc = msg_read_stream(out, lim, fd);
		goto out;
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		rc = VG_ENOMEM;
		goto out;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		rc = VG_EIO;
		goto out;
	}
	rc = vg_msg_from_bytes(out, lim, p, (size_t)st.st_size);
	munmap(p, (size_t)st.st_size);
out:
	close(fd);
	return rc;
}

/* vg_msg_copy_envelope - src's envelope onto dst (see msg.h) */
int
vg_msg_copy_envelope(struct vg_msg *dst, const struct vg_msg *src)
{
	int rc;

	if ((rc = msg_set_str(&dst->queue_id, src->queue_id)) != 0 ||
	    (rc = msg_set_str(&dst->client_addr, src->client_addr)) != 0 ||
	    (rc = msg_set_str(&dst->client_name, src->client_name)) != 0 ||
	    (rc = msg_set_str(&dst->helo, src->helo)) != 0 ||
	    (rc = msg_set_str(&dst->from, src->from)) != 0 ||
	    (rc = msg_set_str(&dst->auth, src->auth)) != 0)
		return rc;
	for (size_t i = 0; i < src->rcpt_stored; i++)
		if ((rc = vg_msg_add_rcpt(dst, src->rcpts[i])) != 0)
			return rc;
	/* Recipients past max_rcpts were counted, not kept. */
	if (src->rcpt_count > dst->rcpt_count)
		dst->rcpt_count = src->rcpt_count;
	dst->flags |= src->flags & VG_MSG_F_TOO_MANY_RCPTS;
	for (size_t i = 0; i < src->nnotes; i++)
		(void)vg_msg_add_note(dst, src->notes[i]);
	return 0;
}

/* vg_msg_add_note - one more note (a static symbol name), once */
int
vg_msg_add_note(struct vg_msg *msg, const char *name)
{
	for (size_t i = 0; i < msg->nnotes; i++)
		if (strcmp(msg->notes[i], name) == 0)
			return 0;
	if (msg->nnotes == VG_MSG_NOTES_MAX)
		return VG_ELIMIT;
	msg->notes[msg->nnotes++] = name;
	return 0;
}

/* vg_msg_note_count - notes added */
size_t
vg_msg_note_count(const struct vg_msg *msg)
{
	return msg->nnotes;
}

/* vg_msg_note - the i-th note (i < vg_msg_note_count()) */
const char *
vg_msg_note(const struct vg_msg *msg, size_t i)
{
	return i < msg->nnotes ? msg->notes[i] : NULL;
}

/* str_or_empty - s, or "" for NULL */
static const char *
str_or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/* vg_msg_queue_id - the queue id, "" when unset */
const char *
vg_msg_queue_id(const struct vg_msg *msg)
{
	return str_or_empty(msg->queue_id);
}

/* vg_msg_client_addr - the client address, "" when unset */
const char *
vg_msg_client_addr(const struct vg_msg *msg)
{
	return str_or_empty(msg->client_addr);
}

/* vg_msg_client_name - the client's host name, "" when unset */
const char *
vg_msg_client_name(const struct vg_msg *msg)
{
	return str_or_empty(msg->client_name);
}

/* vg_msg_helo - the HELO name, "" when unset */
const char *
vg_msg_helo(const struct vg_msg *msg)
{
	return str_or_empty(msg->helo);
}

/* vg_msg_from - the envelope sender, "" when unset */
const char *
vg_msg_from(const struct vg_msg *msg)
{
	return str_or_empty(msg->from);
}

/* vg_msg_auth - the SASL login, "" when unset */
const char *
vg_msg_auth(const struct vg_msg *msg)
{
	return str_or_empty(msg->auth);
}

/* vg_msg_rcpt_count - recipients seen, stored or not */
size_t
vg_msg_rcpt_count(const struct vg_msg *msg)
{
	return msg->rcpt_count;
}

/* vg_msg_rcpt_stored - recipients stored (at most max_rcpts) */
size_t
vg_msg_rcpt_stored(const struct vg_msg *msg)
{
	return msg->rcpt_stored;
}

/* vg_msg_rcpt - the i-th stored recipient, NULL past the end */
const char *
vg_msg_rcpt(const struct vg_msg *msg, size_t i)
{
	return i < msg->rcpt_stored ? msg->rcpts[i] : NULL;
}

/* vg_msg_header_count - headers in the index */
size_t
vg_msg_header_count(const struct vg_msg *msg)
{
	return msg->nheaders;
}

/* vg_msg_header - the i-th indexed header, NULL past the end */
const struct vg_header *
vg_msg_header(const struct vg_msg *msg, size_t i)
{
	return i < msg->nheaders ? &msg->headers[i] : NULL;
}

/* vg_msg_header_find - the nth header named name, without case */
const struct vg_header *
vg_msg_header_find(const struct vg_msg *msg, const char *name, size_t nth)
{
	for (size_t i = 0; i < msg->nheaders; i++) {
		if (!ascii_caseeq(msg->headers[i].name, name))
			continue;
		if (nth-- == 0)
			return &msg->headers[i];
	}
	return NULL;
}

/* vg_msg_size - bytes received, including any not kept */
uint64_t
vg_msg_size(const struct vg_msg *msg)
{
	return msg->size;
}

/* vg_msg_flags - VG_MSG_F_* bits */
unsigned
vg_msg_flags(const struct vg_msg *msg)
{
	return msg->flags;
}

/* vg_msg_oversized - more than max_size bytes arrived */
bool
vg_msg_oversized(const struct vg_msg *msg)
{
	return (msg->flags & VG_MSG_F_OVERSIZED) != 0;
}

/* vg_msg_finished - vg_msg_finish() has run */
bool
vg_msg_finished(const struct vg_msg *msg)
{
	return msg->finished;
}

/* vg_msg_spilled - the raw bytes live in a temporary file */
bool
vg_msg_spilled(const struct vg_msg *msg)
{
	return msg->fd >= 0 || msg->map != NULL;
}

/* vg_msg_io_errno - errno of the spill operation that failed, or 0 */
int
vg_msg_io_errno(const struct vg_msg *msg)
{
	return msg->io_errno;
}

/* vg_msg_tmp_dir - the directory spill files go to */
const char *
vg_msg_tmp_dir(const struct vg_msg *msg)
{
	return msg->tmp_dir;
}

/* vg_msg_raw - the raw message after vg_msg_finish() */
const unsigned char *
vg_msg_raw(const struct vg_msg *msg, size_t *len_out)
{
	const unsigned char *p = msg->map != NULL ? msg->map : msg->mem;

	if (!msg->finished || p == NULL || msg->stored == 0) {
		*len_out = 0;
		return NULL;
	}
	*len_out = msg->stored;
	return p;
}

/* vg_msg_body_offset - offset of the body in the raw message */
size_t
vg_msg_body_offset(const struct vg_msg *msg)
{
	if (!msg->have_body_offset || msg->body_offset > msg->stored)
		return msg->stored;
	return msg->body_offset;
}

/* vg_msg_head - the header block so far; see msg.h */
const unsigned char *
vg_msg_head(const struct vg_msg *msg, size_t *len_out)
{
	const unsigned char *p = msg->map != NULL ? msg->map : msg->mem;

	*len_out = 0;
	if (!msg->have_body_offset || msg->body_offset > msg->stored ||
	    p == NULL || (msg->fd >= 0 && msg->map == NULL))
		return NULL;
	*len_out = msg->body_offset;
	return p;
}

/* vg_msg_set_ext - hang ptr off the message; frees the slot's old value */
void
vg_msg_set_ext(struct vg_msg *msg, enum vg_msg_slot slot, void *ptr,
    vg_msg_ext_free_fn free_fn)
{
	struct vg_msg_ext *e;

	if ((size_t)slot >= VG_MSG_SLOT_MAX)
		vg_panic("vg_msg_set_ext: bad slot %d", (int)slot);
	e = &msg->ext[slot];
	if (e->ptr != NULL && e->ptr != ptr && e->free_fn != NULL)
		e->free_fn(e->ptr);
	e->ptr = ptr;
	e->free_fn = free_fn;
}

/* vg_msg_ext - the value in a slot, or NULL */
void *
vg_msg_ext(const struct vg_msg *msg, enum vg_msg_slot slot)
{
	if ((size_t)slot >= VG_MSG_SLOT_MAX)
		return NULL;
	return msg->ext[slot].ptr;
}

/* vg_msg_from_domain - see msg.h */
void
vg_msg_from_domain(char *out, size_t size, const struct vg_msg *msg)
{
	const struct vg_header *h = vg_msg_header_find(msg, "From", 0);
	const char *at;
	struct vg_buf addr;
	bool found = false;

	out[0] = '\0';
	if (h == NULL || vg_msg_header_find(msg, "From", 1) != NULL ||
	    vg_hdr_addr_count(h->value, h->value_len) != 1)
		return;
	vg_buf_init(&addr, 1024);
	if (vg_hdr_addr(&addr, h->value, h->value_len, 0, &found) == 0 &&
	    found && (at = strrchr(vg_buf_cstr(&addr), '@')) != NULL)
		(void)vg_str_fmt(out, size, "%s", at + 1);
	vg_buf_fini(&addr);
}
