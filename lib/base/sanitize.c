/* SPDX-License-Identifier: GPL-2.0-only */
/* sanitize - the only path from message bytes to a header or a log line */
#include <string.h>

#include "base/sanitize.h"

/*
 * utf8_len - length of the valid UTF-8 sequence at p (at most avail bytes),
 * or 0 when the bytes there are not valid UTF-8.  Overlong forms,
 * surrogates and code points past U+10FFFF are invalid (RFC 3629).
 */
static size_t
utf8_len(const unsigned char *p, size_t avail)
{
	size_t n;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1fu;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0fu;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07u;
	} else {
		return 0;
	}
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* vg_sanitize - copy src into dst with no CR, LF, controls or bad UTF-8 */
size_t
vg_sanitize(
    char *dst, size_t dstsize, const void *src, size_t len, unsigned flags)
{
	const unsigned char *s = src;
	size_t out = 0, i = 0;

	if (dstsize == 0)
		return 0;
	while (i < len) {
		unsigned char c = s[i];
		size_t n = utf8_len(s + i, len - i);
		const char *rep = NULL;

		if (c == '\n' && (flags & VG_SANITIZE_KEEP_FOLD) &&
		    i + 1 < len && s[i + 1] == '\t') {
			if (out + 2 >= dstsize)
				break;
			dst[out++] = '\n';
			dst[out++] = '\t';
			i += 2;
			continue;
		}
		if (c == '\r' || c == '\n' || c == '\t') {
			rep = " ";
			n = 1;
		} else if (n == 0) {
			rep = "?";
			n = 1;
		} else if (n == 1 && (c < 0x20 || c == 0x7f)) {
			rep = "?";
		} else if (n > 1 && (flags & VG_SANITIZE_ASCII)) {
			rep = "?";
		}
		if (rep != NULL) {
			if (out + 1 >= dstsize)
				break;
			dst[out++] = rep[0];
		} else {
			/* Whole characters only: never cut a sequence. */
			if (out + n >= dstsize)
				break;
			memcpy(dst + out, s + i, n);
			out += n;
		}
		i += n;
	}
	dst[out] = '\0';
	return out;
}

/* vg_sanitize_str - vg_sanitize() of a C string */
size_t
vg_sanitize_str(char *dst, size_t dstsize, const char *src, unsigned flags)
{
	if (src == NULL)
		src = "";
	return vg_sanitize(dst, dstsize, src, strlen(src), flags);
}
