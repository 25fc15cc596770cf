/* SPDX-License-Identifier: GPL-2.0-only */
/* uri - find, normalise and dedupe URIs */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/err.h"
#include "message/uri.h"

/* Room for a normalised URI: the input cap plus what normalising adds. */
#define NORM_MAX (VG_URI_MAX_LEN + 64)

/* A fixed output area that silently stops at its end. */
struct out {
	char *p;
	size_t len, cap;
};

/* put - append n bytes, cutting at the end of the area */
static void
put(struct out *o, const char *s, size_t n)
{
	if (n > o->cap - o->len)
		n = o->cap - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* putc1 - append one byte */
static void
putc1(struct out *o, char c)
{
	if (o->len < o->cap)
		o->p[o->len++] = c;
}

/* lower - ASCII lower case */
static inline unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* is_alpha - ASCII letter */
static inline bool
is_alpha(unsigned char c)
{
	c = lower(c);
	return c >= 'a' && c <= 'z';
}

/* is_digit - ASCII digit */
static inline bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* is_alnum - ASCII letter or digit */
static inline bool
is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

/* hexval - value of a hex digit or -1 */
static inline int
hexval(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* ieq - n bytes of a equal the lower-case literal b, without case */
static bool
ieq(const char *a, size_t n, const char *b)
{
	size_t i;

	if (strlen(b) != n)
		return false;
	for (i = 0; i < n; i++) {
		if (lower((unsigned char)a[i]) != (unsigned char)b[i])
			return false;
	}
	return true;
}

/* Obfuscated or misspelt schemes and what they mean. */
static const struct {
	const char *in, *out;
} scheme_map[] = {
    {"http", "http"},
    {"https", "https"},
    {"ftp", "ftp"},
    {"ftps", "ftps"},
    {"hxxp", "http"},
    {"hxxps", "https"},
    {"hxtp", "http"},
    {"hxtps", "https"},
    {"htxp", "http"},
    {"htxps", "https"},
    {"ttp", "http"},
    {"ttps", "https"},
    {"h**p", "http"},
    {"h**ps", "https"},
    {"fxp", "ftp"},
};

/* web_scheme - the real scheme for a known web scheme spelling, or NULL */
static const char *
web_scheme(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < VG_NELEM(scheme_map); i++) {
		if (ieq(s, n, scheme_map[i].in))
			return scheme_map[i].out;
	}
	return NULL;
}

/* vg_uri_parse_ipv4 - parse a host in any inet_aton() spelling */
bool
vg_uri_parse_ipv4(unsigned long *out, const char *host, size_t len)
{
	uint64_t part[4];
	size_t np = 0, i = 0;

	if (len == 0 || !is_digit((unsigned char)host[0]))
		return false;
	while (i < len) {
		uint64_t v = 0;
		unsigned base = 10;
		size_t digits = 0;

		if (np == 4)
			return false;
		if (host[i] == '0' && i + 1 < len &&
		    lower((unsigned char)host[i + 1]) == 'x') {
			base = 16;
			i += 2;
		} else if (host[i] == '0' && i + 1 < len &&
		    host[i + 1] != '.') {
			base = 8;
			i++;
		}
		for (; i < len && host[i] != '.'; i++) {
			int d = hexval((unsigned char)host[i]);

			if (d < 0 || (unsigned)d >= base)
				return false;
			v = v * base + (unsigned)d;
			if (v > 0xffffffffu || ++digits > 40)
				return false;
		}
		if (digits == 0 && base == 10)
			return false;
		part[np++] = v;
		if (i < len) {
			i++; /* the dot */
			if (i == len)
				return false;
		}
	}
	for (i = 0; i + 1 < np; i++) {
		if (part[i] > 255)
			return false;
	}
	switch (np) {
	case 1:
		*out = (unsigned long)part[0];
		return true;
	case 2:
		if (part[1] > 0xffffff)
			return false;
		*out = (unsigned long)(part[0] << 24 | part[1]);
		return true;
	case 3:
		if (part[2] > 0xffff)
			return false;
		*out = (unsigned long)(part[0] << 24 | part[1] << 16 | part[2]);
		return true;
	default:
		if (part[3] > 255)
			return false;
		*out = (unsigned long)(part[0] << 24 | part[1] << 16 |
		    part[2] << 8 | part[3]);
		return true;
	}
}

/* put_host - append a %xx-decoded, lower-cased, numeric-normalised host */
static bool
put_host(struct out *o, const char *h, size_t n)
{
	char tmp[512];
	size_t k = 0, i;
	unsigned long ip;

	for (i = 0; i < n && k < sizeof(tmp); i++) {
		int hi, lo;

		/* %xx is decoded unless it hides a blank or control byte. */
		if (h[i] == '%' && i + 2 < n &&
		    (hi = hexval((unsigned char)h[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)h[i + 2])) >= 0 &&
		    (hi << 4 | lo) > ' ' && (hi << 4 | lo) != 0x7f) {
			tmp[k++] = (char)lower((unsigned char)(hi << 4 | lo));
			i += 2;
		} else {
			tmp[k++] = (char)lower((unsigned char)h[i]);
		}
	}
	while (k > 0 && tmp[k - 1] == '.')
		k--;
	if (k == 0)
		return false;
	if (vg_uri_parse_ipv4(&ip, tmp, k)) {
		char quad[16];
		int m = snprintf(quad, sizeof(quad), "%lu.%lu.%lu.%lu",
		    ip >> 24 & 255, ip >> 16 & 255, ip >> 8 & 255, ip & 255);

		put(o, quad, (size_t)m);
		return true;
	}
	put(o, tmp, k);
	return true;
}

/*
 * norm_web - append scheme://[userinfo@]host[:port]rest, where r (n bytes)
 * is what follows the slashes; false if there is no host.
 */
static bool
norm_web(struct out *o, const char *scheme, const char *r, size_t n)
{
	size_t ae, at, hs, he, i;

	for (ae = 0; ae < n; ae++) {
		if (r[ae] == '/' || r[ae] == '?' || r[ae] == '#' ||
		    r[ae] == '\\')
			break;
	}
	at = SIZE_MAX;
	for (i = 0; i < ae; i++) {
		if (r[i] == '@')
			at = i;
	}
	hs = at == SIZE_MAX ? 0 : at + 1;
	he = ae;
	if (hs < ae && r[hs] == '[') {
		for (i = hs; i < ae && r[i] != ']'; i++)
			continue;
		he = i < ae ? i + 1 : ae;
	} else {
		for (i = ae; i > hs; i--) {
			if (r[i - 1] == ':') {
				he = i - 1;
				break;
			}
			if (!is_digit((unsigned char)r[i - 1]))
				break;
		}
	}
	put(o, scheme, strlen(scheme));
	put(o, "://", 3);
	if (at != SIZE_MAX) {
		put(o, r, at);
		putc1(o, '@');
	}
	if (!put_host(o, r + hs, he - hs))
		return false;
	put(o, r + he, ae - he); /* ":port" */
	if (ae == n || r[ae] != '/')
		putc1(o, '/');
	put(o, r + ae, n - ae);
	return true;
}

/* norm_mailto - append mailto:local@domain with the domain lower-cased */
static bool
norm_mailto(struct out *o, const char *r, size_t n)
{
	size_t at = SIZE_MAX, end, i;

	for (end = 0; end < n && r[end] != '?'; end++) {
		if (r[end] == '@')
			at = end;
	}
	if (at == SIZE_MAX || at == 0 || at + 1 >= end)
		return false;
	put(o, "mailto:", 7);
	put(o, r, at + 1);
	for (i = at + 1; i < n; i++)
		putc1(o, i < end ? (char)lower((unsigned char)r[i]) : r[i]);
	return true;
}

/* norm - normalise one link into o; false if it is not one we keep */
static bool
norm(struct out *o, const char *in, size_t len)
{
	char c[VG_URI_MAX_LEN];
	size_t n = 0, s = 0, e = len, i, j, k, slashes;
	const char *scheme;

	/* Blanks at the ends and wrapping <...> or quotes go. */
	while (s < e && (unsigned char)in[s] <= ' ')
		s++;
	while (e > s && (unsigned char)in[e - 1] <= ' ')
		e--;
	if (e - s >= 2 &&
	    ((in[s] == '<' && in[e - 1] == '>') ||
	        (in[s] == '"' && in[e - 1] == '"') ||
	        (in[s] == '\'' && in[e - 1] == '\''))) {
		s++;
		e--;
	}
	for (i = s; i < e && n < sizeof(c); i++) {
		if (in[i] == '\t' || in[i] == '\r' || in[i] == '\n')
			continue;
		/* Another control byte (a NUL) ends the link, as for a C string. */
		if ((unsigned char)in[i] < ' ')
			break;
		c[n++] = in[i];
	}
	/* The scheme, allowing "http : //" and "http:\\". */
	for (i = 0; i < n &&
	     (is_alnum((unsigned char)c[i]) || c[i] == '+' || c[i] == '-' ||
	         c[i] == '.' || c[i] == '*');
	     i++)
		continue;
	for (j = i; j < n && j - i < 3 && c[j] == ' '; j++)
		continue;
	if (i > 0 && j < n && c[j] == ':' && is_alpha((unsigned char)c[0])) {
		if (ieq(c, i, "mailto"))
			return norm_mailto(o, c + j + 1, n - j - 1);
		for (k = j + 1; k < n && k - j < 4 && c[k] == ' '; k++)
			continue;
		for (slashes = 0; k < n && (c[k] == '/' || c[k] == '\\'); k++)
			slashes++;
		if ((scheme = web_scheme(c, i)) != NULL)
			return norm_web(o, scheme, c + k, n - k);
		if (slashes < 2 || i > 32)
			return false;
		/* Another scheme with an authority: keep it lower-cased. */
		{
			char sch[33];

			for (j = 0; j < i; j++)
				sch[j] = (char)lower((unsigned char)c[j]);
			sch[i] = '\0';
			return norm_web(o, sch, c + k, n - k);
		}
	}
	if (n > 4 && ieq(c, 4, "www."))
		return norm_web(o, "http", c, n);
	if (n > 4 && ieq(c, 4, "ftp."))
		return norm_web(o, "ftp", c, n);
	if (n > 2 && c[0] == '/' && c[1] == '/')
		return norm_web(o, "http", c + 2, n - 2);
	return false;
}

/* vg_uri_normalize - append the normal form of one link */
int
vg_uri_normalize(struct vg_buf *out, const char *uri, size_t len)
{
	char tmp[NORM_MAX];
	struct out o = {tmp, 0, sizeof(tmp)};

	if (!norm(&o, uri, len))
		return VG_EINVAL;
	return vg_buf_append(out, tmp, o.len);
}

/* vg_uri_host - the host of a normalised URI */
bool
vg_uri_host(const char **host_out, size_t *len_out, const char *uri, size_t len)
{
	size_t i, s, e, at;

	if (len > 7 && ieq(uri, 7, "mailto:")) {
		for (e = 7; e < len && uri[e] != '?'; e++)
			continue;
		for (i = e; i > 7 && uri[i - 1] != '@'; i--)
			continue;
		if (i == 7 || i == e)
			return false;
		*host_out = uri + i;
		*len_out = e - i;
		return true;
	}
	for (i = 0; i + 2 < len; i++) {
		if (uri[i] == ':' && uri[i + 1] == '/' && uri[i + 2] == '/')
			break;
	}
	if (i + 2 >= len)
		return false;
	s = i + 3;
	for (e = s; e < len && uri[e] != '/' && uri[e] != '?' && uri[e] != '#';
	     e++)
		continue;
	at = SIZE_MAX;
	for (i = s; i < e; i++) {
		if (uri[i] == '@')
			at = i;
	}
	if (at != SIZE_MAX)
		s = at + 1;
	if (s < e && uri[s] == '[') {
		for (i = s; i < e && uri[i] != ']'; i++)
			continue;
		e = i < e ? i + 1 : e;
	} else {
		for (i = s; i < e && uri[i] != ':'; i++)
			continue;
		e = i;
	}
	if (e == s)
		return false;
	*host_out = uri + s;
	*len_out = e - s;
	return true;
}

/* vg_uri_same_site - one host equal to, or a subdomain of, the other */
bool
vg_uri_same_site(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *l, *s;
	size_t ll, sl, i;

	while (alen > 0 && a[alen - 1] == '.')
		alen--;
	while (blen > 0 && b[blen - 1] == '.')
		blen--;
	if (alen >= blen) {
		l = a, ll = alen, s = b, sl = blen;
	} else {
		l = b, ll = blen, s = a, sl = alen;
	}
	if (sl == 0)
		return false;
	for (i = 0; i < sl; i++) {
		if (lower((unsigned char)l[ll - sl + i]) !=
		    lower((unsigned char)s[i]))
			return false;
	}
	return ll == sl || l[ll - sl - 1] == '.';
}

/* hash - FNV-1a */
static size_t
hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return (size_t)h;
}

/* vg_uri_list_init - empty list keeping at most max URIs */
void
vg_uri_list_init(struct vg_uri_list *list, size_t max)
{
	memset(list, 0, sizeof(*list));
	list->max = max;
}

/* vg_uri_list_fini - free the list and its strings */
void
vg_uri_list_fini(struct vg_uri_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		vg_free(list->v[i]);
	vg_free(list->v);
	vg_free(list->tab);
	vg_uri_list_init(list, list->max);
}

/* vg_uri_list_take - hand the strings to the caller */
void
vg_uri_list_take(struct vg_uri_list *list, char ***v_out, size_t *n_out)
{
	*v_out = list->v;
	*n_out = list->n;
	list->v = NULL;
	list->n = 0;
	vg_uri_list_fini(list);
}

/* rehash - grow the set to size slots (a power of two) */
static int
rehash(struct vg_uri_list *list, size_t size)
{
	size_t *tab, i, h;

	if ((tab = vg_calloc(size, sizeof(*tab))) == NULL)
		return VG_ENOMEM;
	for (i = 0; i < list->n; i++) {
		h = hash(list->v[i], strlen(list->v[i])) & (size - 1);
		while (tab[h] != 0)
			h = (h + 1) & (size - 1);
		tab[h] = i + 1;
	}
	vg_free(list->tab);
	list->tab = tab;
	list->tabsize = size;
	return 0;
}

/* add_norm - add an already normalised URI unless present */
static int
add_norm(struct vg_uri_list *list, const char *u, size_t n)
{
	size_t h, slot;
	char *copy;
	int rc;

	if (list->tabsize == 0 || (list->n + 1) * 2 > list->tabsize) {
		if ((rc = rehash(list,
		         list->tabsize == 0 ? 16 : list->tabsize * 2)) != 0)
			return rc;
	}
	h = hash(u, n) & (list->tabsize - 1);
	while ((slot = list->tab[h]) != 0) {
		const char *have = list->v[slot - 1];

		if (strncmp(have, u, n) == 0 && have[n] == '\0')
			return 0;
		h = (h + 1) & (list->tabsize - 1);
	}
	if (list->n >= list->max) {
		list->full = true;
		return VG_ELIMIT;
	}
	if (list->n == list->cap) {
		size_t cap = list->cap == 0 ? 8 : list->cap * 2;
		char **v = vg_reallocarray(list->v, cap, sizeof(*v));

		if (v == NULL)
			return VG_ENOMEM;
		list->v = v;
		list->cap = cap;
	}
	if ((copy = vg_strndup(u, n)) == NULL)
		return VG_ENOMEM;
	list->v[list->n++] = copy;
	list->tab[h] = list->n;
	return 0;
}

/* vg_uri_add - normalise one link and add it unless present */
int
vg_uri_add(struct vg_uri_list *list, const char *uri, size_t len)
{
	char tmp[NORM_MAX];
	struct out o = {tmp, 0, sizeof(tmp)};

	if (!norm(&o, uri, len))
		return 0;
	return add_norm(list, tmp, o.len);
}

/* uri_end - end of a link's text starting at i: blanks, quotes, <> */
static size_t
uri_end(const char *t, size_t i, size_t len)
{
	size_t e, k, open = 0, close = 0;

	for (e = i; e < len; e++) {
		unsigned char c = (unsigned char)t[e];

		if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' ||
		    c == '`')
			break;
	}
	for (k = i; k < e; k++) {
		open += t[k] == '(';
		close += t[k] == ')';
	}
	/* Sentence punctuation after a link is not part of it. */
	while (e > i) {
		char c = t[e - 1];

		if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' ||
		    c == '?' || c == '\'' || c == ']' || c == '}' || c == '*') {
			e--;
		} else if (c == ')' && close > open) {
			close--;
			e--;
		} else {
			break;
		}
	}
	return e;
}

/* add_parts - normalise scheme "://" rest and add it */
static int
add_parts(struct vg_uri_list *list, const char *scheme, const char *r, size_t n)
{
	char tmp[NORM_MAX];
	struct out o = {tmp, 0, sizeof(tmp)};

	if (n > VG_URI_MAX_LEN)
		n = VG_URI_MAX_LEN;
	if (!norm_web(&o, scheme, r, n))
		return 0;
	return add_norm(list, tmp, o.len);
}

/* is_local - a byte of an address's local part */
static inline bool
is_local(unsigned char c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
	    c == '-';
}

/* is_domain - a byte of a domain name */
static inline bool
is_domain(unsigned char c)
{
	return is_alnum(c) || c == '.' || c == '-';
}

/*
 * try_scheme - a link whose scheme ends at the ':' at t[i]; returns the
 * index to continue scanning from (i + 1 when there is none).
 */
static size_t
try_scheme(
    struct vg_uri_list *list, const char *t, size_t i, size_t len, int *rc)
{
	size_t j = i, k, m, slashes, e;
	const char *scheme;

	/* Up to two blanks before the colon: "http : //". */
	while (j > 0 && i - j < 2 && t[j - 1] == ' ')
		j--;
	for (k = j; k > 0 && j - k < 8 &&
	     (is_alpha((unsigned char)t[k - 1]) || t[k - 1] == '*');
	     k--)
		continue;
	if (k == j || (k > 0 && is_alnum((unsigned char)t[k - 1])))
		return i + 1;
	if (ieq(t + k, j - k, "mailto") && j == i) {
		e = uri_end(t, i + 1, len);
		if (e > i + 1) {
			char tmp[NORM_MAX];
			struct out o = {tmp, 0, sizeof(tmp)};

			if (norm_mailto(&o, t + i + 1,
			        e - i - 1 > VG_URI_MAX_LEN ? VG_URI_MAX_LEN
			                                   : e - i - 1))
				*rc = add_norm(list, tmp, o.len);
		}
		return e > i + 1 ? e : i + 1;
	}
	if ((scheme = web_scheme(t + k, j - k)) == NULL)
		return i + 1;
	for (m = i + 1; m < len && m - i <= 2 && t[m] == ' '; m++)
		continue;
	for (slashes = 0; m < len && (t[m] == '/' || t[m] == '\\'); m++)
		slashes++;
	if (slashes < 2)
		return i + 1;
	e = uri_end(t, m, len);
	if (e == m)
		return i + 1;
	*rc = add_parts(list, scheme, t + m, e - m);
	return e;
}

/* try_host - "www." or "ftp." at t[i] at a word start */
static size_t
try_host(struct vg_uri_list *list, const char *t, size_t i, size_t len,
    const char *scheme, int *rc)
{
	size_t e;

	if (i > 0) {
		unsigned char p = (unsigned char)t[i - 1];

		if (is_alnum(p) || p == '.' || p == '-' || p == '_' ||
		    p == '/' || p == '@' || p == ':' || p == '%')
			return i + 1;
	}
	e = uri_end(t, i, len);
	/* "www." alone, or "www.." is not a host. */
	if (e < i + 6 || !is_alnum((unsigned char)t[i + 4]))
		return i + 1;
	*rc = add_parts(list, scheme, t + i, e - i);
	return e;
}

/* try_email - a bare address around the '@' at t[i] */
static size_t
try_email(
    struct vg_uri_list *list, const char *t, size_t i, size_t len, int *rc)
{
	char tmp[NORM_MAX];
	struct out o = {tmp, 0, sizeof(tmp)};
	size_t s = i, e = i + 1, dot = 0, tld;

	while (s > 0 && i - s < 64 && is_local((unsigned char)t[s - 1]))
		s--;
	while (e < len && e - i < 256 && is_domain((unsigned char)t[e])) {
		if (t[e] == '.')
			dot = e;
		e++;
	}
	while (e > i + 1 && (t[e - 1] == '.' || t[e - 1] == '-'))
		e--;
	if (s == i || dot == 0 || dot >= e)
		return i + 1;
	/* A top-level domain is two or more letters. */
	for (tld = dot + 1; tld < e && is_alpha((unsigned char)t[tld]); tld++)
		continue;
	if (tld != e || e - dot < 3)
		return i + 1;
	put(&o, "mailto:", 7);
	put(&o, t + s, i - s + 1);
	for (; i + 1 < e; i++)
		putc1(&o, (char)lower((unsigned char)t[i + 1]));
	*rc = add_norm(list, tmp, o.len);
	return e;
}

/*
 * Top-level domains that make a bare "name.tld" in text a link.  Only
 * common ones, and none that is also a usual file extension (.pl, .py,
 * .sh, .md, .rs, .so), so "script.pl" and "README.md" stay text.
 */
static const char *const bare_tlds[] = {
    "com",
    "net",
    "org",
    "info",
    "biz",
    "us",
    "uk",
    "ru",
    "cn",
    "de",
    "jp",
    "kr",
    "tw",
    "hk",
    "fr",
    "nl",
    "br",
    "ca",
    "au",
    "eu",
    "cc",
    "tv",
    "ws",
    "name",
    "mobi",
    "asia",
    "xyz",
    "top",
    "online",
    "site",
    "club",
    "co",
    "io",
    "me",
    "in",
};

/* is_host_byte - a byte of a host name in text */
static inline bool
is_host_byte(unsigned char c)
{
	return is_alnum(c) || c == '-' || c == '.';
}

/*
 * try_bare - a bare host "name.tld" whose last dot is t[i]: the label
 * after it must be a listed top-level domain and the name must start a
 * word.  Returns the index to continue from.
 */
static size_t
try_bare(struct vg_uri_list *list, const char *t, size_t i, size_t len, int *rc)
{
	size_t s, e, k;

	if (i == 0 || !is_alnum((unsigned char)t[i - 1]))
		return i + 1;
	for (e = i + 1; e < len && e - i <= 7 && is_alpha((unsigned char)t[e]);
	     e++)
		continue;
	if (e == i + 1)
		return i + 1;
	/* A longer name goes on; a dot that ends a sentence does not. */
	if (e < len &&
	    (is_alnum((unsigned char)t[e]) || t[e] == '-' || t[e] == '@' ||
	        t[e] == '_' ||
	        (t[e] == '.' && e + 1 < len &&
	            is_alnum((unsigned char)t[e + 1]))))
		return i + 1;
	for (k = 0; k < VG_NELEM(bare_tlds); k++) {
		if (ieq(t + i + 1, e - i - 1, bare_tlds[k]))
			break;
	}
	if (k == VG_NELEM(bare_tlds))
		return i + 1;
	for (s = i;
	     s > 0 && i - s < 253 && is_host_byte((unsigned char)t[s - 1]); s--)
		continue;
	if (s > 0) {
		unsigned char p = (unsigned char)t[s - 1];

		/* Part of an address, a path or a longer word: not a host. */
		if (p == '@' || p == '/' || p == ':' || p == '_' || p == '%' ||
		    p == '\\' || p == '=' || p == '&' || p >= 0x80 ||
		    i - s >= 253)
			return i + 1;
	}
	if (t[s] == '.' || t[s] == '-')
		return i + 1;
	/* A path after the host belongs to the link. */
	if (e < len && t[e] == '/')
		e = uri_end(t, e, len);
	*rc = add_parts(list, "http", t + s, e - s);
	return e;
}

/* vg_uri_extract - add every link found in decoded text */
int
vg_uri_extract(struct vg_uri_list *list, const char *text, size_t len)
{
	size_t i = 0;
	int rc = 0;

	while (i < len && (rc == 0)) {
		unsigned char c = (unsigned char)text[i];

		switch (c) {
		case ':':
			i = try_scheme(list, text, i, len, &rc);
			break;
		case '@':
			i = try_email(list, text, i, len, &rc);
			break;
		case 'w':
		case 'W':
			if (i + 4 <= len && ieq(text + i, 4, "www."))
				i = try_host(list, text, i, len, "http", &rc);
			else
				i++;
			break;
		case '.':
			i = try_bare(list, text, i, len, &rc);
			break;
		case 'f':
		case 'F':
			if (i + 4 <= len && ieq(text + i, 4, "ftp."))
				i = try_host(list, text, i, len, "ftp", &rc);
			else
				i++;
			break;
		default:
			i++;
			break;
		}
	}
	return rc;
}
