/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hdr - header values: unfolding, RFC 2047 decoding, charsets, addresses.
 *
 * PURPOSE  Turns one header value as received (folded, possibly carrying
 *	    RFC 2047 encoded words in any charset, possibly raw 8-bit) into
 *	    the UTF-8 text that header rules match, and pulls the address
 *	    parts out of address headers for Header:addr and Header:name.
 *	    It also owns the one charset converter of the text layer
 *	    (vg_hdr_to_utf8), which the MIME walker uses for part bodies.
 * RULES    Unfolding removes every CR and LF and trims white space at
 *	    both ends.  An encoded word is "=?charset[*lang]?B|Q?text?=";
 *	    white space between two encoded words is dropped, and adjacent
 *	    words in one charset are joined before conversion, so a
 *	    character split across two words survives.  A word that does
 *	    not parse is kept as it is, byte for byte.  Text outside encoded
 *	    words is UTF-8 if it is valid UTF-8 and windows-1252 otherwise.
 *	    Charsets: the declared name, then its alias (GMime's table and
 *	    the WHATWG superset choices: ks_c_5601-1987 and euc-kr read as
 *	    CP949, gb2312 as GB18030, iso-8859-1 as windows-1252, ...), then
 *	    windows-1252 when iconv knows neither; bytes that are invalid in
 *	    the charset become U+FFFD.  Conversion never fails on input.
 * OWNS     Results are appended to a struct vg_buf the caller owns.
 * LIMITS   Output stops at the buffer's maximum: the functions append
 *	    what fits (cut on a UTF-8 character boundary) and return
 *	    VG_ELIMIT.  Input is read only within the given length; no
 *	    function needs a NUL terminator.  A charset label of 64 bytes
 *	    or more (hdr.c CS_NAME_MAX) is an unknown charset: UTF-8 when
 *	    valid, else windows-1252.
 * ERRORS   VG_ENOMEM, VG_ELIMIT (buffer full; what fits was appended).
 *	    Malformed input is never an error.
 * THREADS  All functions are reentrant.  iconv descriptors come from
 *	    GMime's locked cache (g_mime_iconv_open), so g_mime_init() (via
 *	    vg_text_global_init()) must have run before a non-UTF-8,
 *	    non-Latin charset is converted.
 */
#ifndef VG_HDR_H
#define VG_HDR_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

/* vg_hdr_unfold - append value with CR/LF removed and both ends trimmed */
int vg_hdr_unfold(struct vg_buf *out, const char *value, size_t len);

/*
 * vg_hdr_decode - append the unfolded, RFC 2047-decoded UTF-8 text of a
 * header value (see RULES).
 */
int vg_hdr_decode(struct vg_buf *out, const char *value, size_t len);

/*
 * vg_hdr_decode_cs - vg_hdr_decode(), but raw 8-bit text that is not valid
 * UTF-8 is read in fallback (the message's declared charset) before
 * windows-1252.  NULL or "" is no fallback.
 */
int vg_hdr_decode_cs(
    struct vg_buf *out, const char *value, size_t len, const char *fallback);

/*
 * vg_hdr_param - copy into dst (dstsize bytes, cut, NUL-terminated) the
 * value of parameter name (lower case) of a structured header value such
 * as a Content-Type; false when it has none.
 */
bool vg_hdr_param(
    char *dst, size_t dstsize, const char *value, size_t len, const char *name);

/*
 * vg_hdr_to_utf8 - append len bytes in charset converted to UTF-8.
 * charset NULL, "", "default", "unknown-8bit", "x-unknown" or an
 * "us-ascii" text with 8-bit bytes: UTF-8 when valid, else windows-1252.
 */
int vg_hdr_to_utf8(
    struct vg_buf *out, const char *charset, const void *in, size_t len);

/* vg_hdr_utf8_valid - whether len bytes are entirely valid UTF-8 */
bool vg_hdr_utf8_valid(const void *in, size_t len);

/*
 * vg_hdr_append_cut - append as much of len bytes as fits in out, cut on
 * a UTF-8 character boundary; VG_ELIMIT when something was left out.
 */
int vg_hdr_append_cut(struct vg_buf *out, const void *in, size_t len);

/*
 * vg_hdr_addr - append the addr-spec ("user@example.com") of the nth
 * (0-based) mailbox of an address-list value (From, To, Cc, Reply-To...),
 * as SpamAssassin's Header:addr sees it: angle brackets, comments, quotes
 * and group names removed.  Appends nothing when there is no nth mailbox;
 * *found (may be NULL) says whether there was one.
 */
int vg_hdr_addr(
    struct vg_buf *out, const char *value, size_t len, size_t nth, bool *found);

/*
 * vg_hdr_name - append the display name of the nth mailbox ("Foo Bar" in
 * both `"Foo Bar" <a@b>` and `a@b (Foo Bar)`), quotes removed; nothing
 * when it has none.  *found as for vg_hdr_addr().
 */
int vg_hdr_name(
    struct vg_buf *out, const char *value, size_t len, size_t nth, bool *found);

/* vg_hdr_addr_count - number of mailboxes in an address-list value */
size_t vg_hdr_addr_count(const char *value, size_t len);

#endif /* VG_HDR_H */
