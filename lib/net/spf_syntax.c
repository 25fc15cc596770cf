/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * spf_syntax.c - a strict RFC 7208 record syntax check (see spf.h).
 *
 * libspf2 accepts much that RFC 7208 section 12's grammar makes a
 * permerror (bad domain-specs, invalid macro letters, duplicate
 * modifiers, CIDR suffixes where none may be, non-ASCII bytes), and its
 * parser has had memory-safety bugs.  So every SPF record goes through
 * this checker before libspf2 sees it; a record that fails is never
 * handed over and the evaluation ends in permerror, as the RFC wants.
 * The checker is a single pass over a bounded string with no allocation.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "base/err.h"
#include "net/spf.h"

/* syn_alpha - ASCII letter */
static bool
syn_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* syn_digit - ASCII digit */
static bool
syn_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * syn_macro_expand - one macro-expand at p (which points at '%'); returns
 * its length, or 0 if malformed.  exp allows the letters c, r and t.
 */
static size_t
syn_macro_expand(const char *p, size_t len, bool exp)
{
	static const char letters[] = "sloidphvSLOIDPHV";
	static const char exp_letters[] = "crtCRT";
	static const char delims[] = ".-+,/_=";
	size_t i = 2;

	if (len < 2)
		return 0;
	if (p[1] == '%' || p[1] == '_' || p[1] == '-')
		return 2;
	if (p[1] != '{' || len < 4)
		return 0;
	if (p[2] == '\0' ||
	    (strchr(letters, p[2]) == NULL &&
	        (!exp || strchr(exp_letters, p[2]) == NULL)))
		return 0;
	i = 3;
	while (i < len && syn_digit((unsigned char)p[i]))
		i++;
	if (i < len && (p[i] == 'r' || p[i] == 'R'))
		i++;
	while (i < len && p[i] != '\0' && strchr(delims, p[i]) != NULL)
		i++;
	if (i >= len || p[i] != '}')
		return 0;
	return i + 1;
}

/*
 * syn_macro_string - is [p, p + len) a macro-string (exp: the text of an
 * explain-string's domain-spec may use c, r, t); *ends_macro says whether
 * it ends with a macro-expand.
 */
static bool
syn_macro_string(const char *p, size_t len, bool exp, bool *ends_macro)
{
	size_t i = 0, n;

	*ends_macro = false;
	while (i < len) {
		unsigned char c = (unsigned char)p[i];

		if (c == '%') {
			n = syn_macro_expand(p + i, len - i, exp);
			if (n == 0)
				return false;
			/* "%%", "%_" and "%-" are literals as far as the end goes. */
			*ends_macro = n > 2;
			i += n;
			continue;
		}
		if (c < 0x21 || c > 0x7e)
			return false;
		*ends_macro = false;
		i++;
	}
	return true;
}

/* syn_toplabel - alphanumerics and '-', not all digits, no '-' at ends */
static bool
syn_toplabel(const char *p, size_t len)
{
	bool alpha = false;
	size_t i;

	if (len == 0 || p[0] == '-' || p[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (syn_alpha(c))
			alpha = true;
		else if (!syn_digit(c) && c != '-')
			return false;
	}
	/* All digits is not a toplabel; a '-' inside makes it one. */
	return alpha || memchr(p, '-', len) != NULL;
}

/*
 * syn_domain_spec - macro-string domain-end, where domain-end is "."
 * toplabel [ "." ] or a macro-expand.
 */
static bool
syn_domain_spec(const char *p, size_t len, bool exp)
{
	bool ends_macro;
	const char *dot;
	size_t end = len;

	if (len == 0 || !syn_macro_string(p, len, exp, &ends_macro))
		return false;
	if (ends_macro)
		return true;
	if (p[end - 1] == '.')
		end--;
	if (end == 0)
		return false;
	for (dot = p + end; dot > p && dot[-1] != '.'; dot--)
		continue;
	if (dot == p)
		return false; /* no "." before the toplabel */
	return syn_toplabel(dot, (size_t)(p + end - dot));
}

/* syn_number - decimal without leading zeros in [0, max]; 0 if bad */
static bool
syn_number(const char *p, size_t len, unsigned max)
{
	unsigned v = 0;
	size_t i;

	if (len == 0 || len > 3 || (len > 1 && p[0] == '0'))
		return false;
	for (i = 0; i < len; i++) {
		if (!syn_digit((unsigned char)p[i]))
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	return v <= max;
}

/* syn_ip4 - dotted quad of qnums (no leading zeros) */
static bool
syn_ip4(const char *p, size_t len)
{
	size_t i, start = 0, parts = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && p[i] != '.')
			continue;
		if (!syn_number(p + start, i - start, 255))
			return false;
		parts++;
		start = i + 1;
	}
	return parts == 4;
}

/* syn_ip6 - an IPv6 address literal */
static bool
syn_ip6(const char *p, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned char a[16];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, a) == 1;
}

/*
 * syn_dual_cidr - [ "/" ip4-cidr ] [ "//" ip6-cidr ] at p (which starts
 * with '/'), len bytes, nothing after.
 */
static bool
syn_dual_cidr(const char *p, size_t len)
{
	const char *dd = NULL;
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (p[i] == '/' && p[i + 1] == '/') {
			dd = p + i;
			break;
		}
	if (dd != p) {
		size_t n = dd != NULL ? (size_t)(dd - p) : len;

		if (n < 2 || p[0] != '/' || !syn_number(p + 1, n - 1, 32))
			return false;
	}
	if (dd != NULL && !syn_number(dd + 2, len - (size_t)(dd - p) - 2, 128))
		return false;
	return true;
}

/*
 * syn_cidr_start - where a trailing "/N", "//N" or "/N//N" (N digits)
 * starts in [p, p + len), or len when there is none.
 */
static size_t
syn_cidr_start(const char *p, size_t len)
{
	size_t end = len, i;
	int round;

	for (round = 0; round < 2; round++) {
		i = end;
		while (i > 0 && syn_digit((unsigned char)p[i - 1]))
			i--;
		if (i == end || i == 0 || p[i - 1] != '/')
			break;
		i--;
		if (i > 0 && p[i - 1] == '/' && round == 0)
			i--; /* "//N": the IPv6 length */
		end = i;
		if (end + 1 < len && p[end + 1] != '/')
			break; /* "/N" was the IPv4 length: nothing before */
	}
	return end;
}

/* syn_mechanism - one directive after its qualifier */
static bool
syn_mechanism(const char *t, size_t len, const char **why)
{
	size_t n = 0;
	const char *arg;
	size_t alen;

	while (n < len && t[n] != ':' && t[n] != '/')
		n++;
	arg = t + n;
	alen = len - n;
	if (n == 3 && strncasecmp(t, "all", 3) == 0) {
		if (alen == 0)
			return true;
	} else if (n == 7 && strncasecmp(t, "include", 7) == 0) {
		if (alen > 1 && arg[0] == ':' &&
		    syn_domain_spec(arg + 1, alen - 1, false))
			return true;
	} else if ((n == 1 && (t[0] == 'a' || t[0] == 'A')) ||
	    (n == 2 && strncasecmp(t, "mx", 2) == 0)) {
		/*
		 * The dual-cidr-length is a suffix of digits after '/' or
		 * "//"; a '/' further left belongs to the domain-spec
		 * ("a:foo:bar/baz.example.com" is a valid domain-spec).
		 */
		size_t d = syn_cidr_start(arg, alen);

		if (d > 0 &&
		    (arg[0] != ':' || !syn_domain_spec(arg + 1, d - 1, false)))
			goto bad;
		if (d == alen || syn_dual_cidr(arg + d, alen - d))
			return true;
	} else if (n == 3 && strncasecmp(t, "ptr", 3) == 0) {
		if (alen == 0 ||
		    (arg[0] == ':' &&
		        syn_domain_spec(arg + 1, alen - 1, false)))
			return true;
	} else if (n == 6 && strncasecmp(t, "exists", 6) == 0) {
		/* A '/' belongs to the domain-spec here, and fails it. */
		if (alen > 1 && arg[0] == ':' &&
		    syn_domain_spec(arg + 1, alen - 1, false))
			return true;
	} else if (n == 3 && strncasecmp(t, "ip4", 3) == 0) {
		const char *slash;
		size_t a;

		if (alen < 2 || arg[0] != ':')
			goto bad;
		slash = memchr(arg, '/', alen);
		a = slash != NULL ? (size_t)(slash - arg) : alen;
		if (syn_ip4(arg + 1, a - 1) &&
		    (a == alen || syn_number(arg + a + 1, alen - a - 1, 32)))
			return true;
	} else if (n == 3 && strncasecmp(t, "ip6", 3) == 0) {
		/* Colons are part of the address: only the first ':' splits. */
		const char *slash;
		size_t a;

		if (len < 5 || t[3] != ':')
			goto bad;
		arg = t + 3;
		alen = len - 3;
		slash = memchr(arg, '/', alen);
		a = slash != NULL ? (size_t)(slash - arg) : alen;
		if (syn_ip6(arg + 1, a - 1) &&
		    (a == alen || syn_number(arg + a + 1, alen - a - 1, 128)))
			return true;
	} else {
		*why = "unknown mechanism";
		return false;
	}
bad:
	*why = "malformed mechanism";
	return false;
}

/* vg_spf_record_check - strict RFC 7208 syntax of one SPF record */
int
vg_spf_record_check(const char *rec, size_t len, const char **why)
{
	const char *w = "not an SPF record";
	size_t i = 6;
	int nredirect = 0, nexp = 0;

	if (len < 6 || strncasecmp(rec, "v=spf1", 6) != 0 ||
	    (len > 6 && rec[6] != ' '))
		goto bad;
	if (len > VG_SPF_RECORD_MAX) {
		w = "record too long";
		goto bad;
	}
	while (i < len) {
		size_t start, tl, n;
		const char *t;

		while (i < len && rec[i] == ' ')
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && rec[i] != ' ')
			i++;
		t = rec + start;
		tl = i - start;
		/* A modifier is a name then '='; a directive never has '='
		 * before a ':' or '/'. */
		for (n = 0; n < tl && t[n] != '=' && t[n] != ':' && t[n] != '/';
		     n++)
			continue;
		if (n < tl && t[n] == '=') {
			bool ends;
			size_t k;

			if (n == 0 || !syn_alpha((unsigned char)t[0])) {
				w = "bad modifier name";
				goto bad;
			}
			for (k = 1; k < n; k++) {
				unsigned char c = (unsigned char)t[k];

				if (!syn_alpha(c) && !syn_digit(c) &&
				    c != '-' && c != '_' && c != '.') {
					w = "bad modifier name";
					goto bad;
				}
			}
			if (n == 8 && strncasecmp(t, "redirect", 8) == 0) {
				if (++nredirect > 1 ||
				    !syn_domain_spec(t + 9, tl - 9, false)) {
					w = "bad or repeated redirect=";
					goto bad;
				}
			} else if (n == 3 && strncasecmp(t, "exp", 3) == 0) {
				if (++nexp > 1 ||
				    !syn_domain_spec(t + 4, tl - 4, false)) {
					w = "bad or repeated exp=";
					goto bad;
				}
			} else if (!syn_macro_string(
			               t + n + 1, tl - n - 1, false, &ends)) {
				w = "bad modifier value";
				goto bad;
			}
			continue;
		}
		if (t[0] == '+' || t[0] == '-' || t[0] == '?' || t[0] == '~') {
			t++;
			tl--;
		}
		if (tl == 0 || !syn_mechanism(t, tl, &w))
			goto bad;
	}
	return 0;
bad:
	if (why != NULL)
		*why = w;
	return VG_EINVAL;
}
