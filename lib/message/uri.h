/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uri - find URIs in text and attributes, normalise them, and dedupe.
 *
 * PURPOSE  The "uri" rules and the URI blacklists match every link a
 *	    message carries, in one spelling per link.  This module finds
 *	    links in decoded text (http://, https://, ftp://, mailto:,
 *	    bare e-mail addresses as mailto:, "www." and "ftp." hosts
 *	    without a scheme, and bare "name.tld" hosts as http:// for a
 *	    short list of common top-level domains that are not also file
 *	    extensions) and normalises both those and HTML href/src/action
 *	    values.
 * NORMAL   Tabs, CR and LF inside a link are removed (browsers do too).
 *	    The scheme is lower-cased and de-obfuscated: hxxp, hxxps, ttp,
 *	    "http : //" and "http:\\" read as http://.  A link without a
 *	    scheme that starts "www." gets http://, "ftp." gets ftp://.  In
 *	    the authority, userinfo is kept; the host is %xx-decoded,
 *	    lower-cased and loses a trailing dot; a numeric host in any
 *	    inet_aton() spelling (3232235777, 0xc0a80101, 0300.0250.1.1,
 *	    192.168.257) becomes a dotted quad.  An empty path becomes "/".
 *	    The rest (path, query, fragment) is kept as written.  mailto:
 *	    keeps its address with the domain lower-cased.  Other schemes
 *	    are kept only when they have an authority ("scheme://"); cid:,
 *	    data:, javascript: and relative links are dropped.
 * OWNS     A struct vg_uri_list owns its strings; vg_uri_list_fini()
 *	    frees them, vg_uri_list_take() hands them over.
 * LIMITS   A list keeps at most max URIs (text limit max_uris); a further
 *	    new URI sets list->full and returns VG_ELIMIT.  A single URI is
 *	    cut at VG_URI_MAX_LEN bytes (and marked as cut by nothing: the
 *	    host, which rules look at most, comes first).  Input is read
 *	    only within the given length.
 * ERRORS   VG_ENOMEM; VG_ELIMIT (list full); VG_EINVAL from
 *	    vg_uri_normalize() when the text is not a link it keeps.
 * THREADS  Reentrant; a list belongs to one thread at a time.
 */
#ifndef VG_URI_H
#define VG_URI_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

#define VG_URI_MAX_LEN 4096

struct vg_uri_list {
	char **v; /* normalised URIs in order of first appearance */
	size_t n;
	size_t cap;
	size_t max;     /* most URIs kept */
	bool full;      /* a URI was dropped because max was reached */
	size_t *tab;    /* open-addressing set of index + 1 */
	size_t tabsize; /* power of two, or 0 */
};

/* vg_uri_list_init - empty list keeping at most max URIs */
void vg_uri_list_init(struct vg_uri_list *list, size_t max);
/* vg_uri_list_fini - free the list and its strings */
void vg_uri_list_fini(struct vg_uri_list *list);
/*
 * vg_uri_list_take - hand the array of strings (*v_out, each and the array
 * freed with vg_free()) to the caller and leave the list empty.
 */
void vg_uri_list_take(struct vg_uri_list *list, char ***v_out, size_t *n_out);

/*
 * vg_uri_add - normalise one link (an href value) and add it unless it is
 * already there.  Text that is not a kept link is ignored (returns 0).
 */
int vg_uri_add(struct vg_uri_list *list, const char *uri, size_t len);

/* vg_uri_extract - add every link found in len bytes of decoded text */
int vg_uri_extract(struct vg_uri_list *list, const char *text, size_t len);

/*
 * vg_uri_normalize - append the normal form of one link to out; VG_EINVAL
 * (nothing appended) when it is not a link this module keeps.
 */
int vg_uri_normalize(struct vg_buf *out, const char *uri, size_t len);

/*
 * vg_uri_host - the host of a normalised URI as a borrowed range
 * (*host_out, *len_out) inside uri; false when it has none.  For mailto:
 * the domain of the address.
 */
bool vg_uri_host(
    const char **host_out, size_t *len_out, const char *uri, size_t len);

/*
 * vg_uri_same_site - whether two host names belong to one site: equal, or
 * one a subdomain of the other ("www.example.com" and "example.com").
 * Compared without case.
 */
bool vg_uri_same_site(const char *a, size_t alen, const char *b, size_t blen);

/*
 * vg_uri_parse_ipv4 - parse a host in any inet_aton() spelling into a
 * host-order address; false if it is not one.
 */
bool vg_uri_parse_ipv4(unsigned long *out, const char *host, size_t len);

#endif /* VG_URI_H */
