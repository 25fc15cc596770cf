/* SPDX-License-Identifier: GPL-2.0-only */
/* dkim_keys - the signing keys, one per domain (see dkim_keys.h) */
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/conf.h"
#include "base/str.h"
#include "net/dkim_keys.h"
#include "net/dkim_sign.h"

struct vg_dkim_keys {
	atomic_uint refs;
	size_t n;
	struct vg_dkim_signer **s;
};

/* name_char - a letter, digit, '-', '_' or '.' (a DNS label's bytes) */
static bool
name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* name_ok - n bytes of name chars, no empty label */
static bool
name_ok(const char *p, size_t n)
{
	if (n == 0 || n > VG_DKIM_NAME_MAX || p[0] == '.' || p[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char((unsigned char)p[i]) ||
		    (p[i] == '.' && i + 1 < n && p[i + 1] == '.'))
			return false;
	return true;
}

/*
 * expand - the key path for domain d and selector s into out: %d, %s,
 * %%; false (why set) for any other %
 */
static bool
expand(struct vg_buf *out, const char *pat, const char *d, const char *s,
    const char **why)
{
	int rc = 0;

	for (const char *p = pat; *p != '\0' && rc == 0; p++) {
		if (*p != '%') {
			rc = vg_buf_append(out, p, 1);
			continue;
		}
		switch (p[1]) {
		case 'd':
			rc = vg_buf_append_str(out, d);
			break;
		case 's':
			rc = vg_buf_append_str(out, s);
			break;
		case '%':
			rc = vg_buf_append(out, "%", 1);
			break;
		default:
			*why = "'%' must be followed by d, s or %";
			return false;
		}
		p++;
	}
	if (rc != 0) {
		*why = "path too long";
		return false;
	}
	return true;
}

/*
 * listed_before - whether the list names domain d (any case) in an entry
 * before the one at end, whose key may not have loaded
 */
static bool
listed_before(const char *list, const char *end, const char *d)
{
	size_t dl = strlen(d);

	for (const char *p = list; p < end;) {
		size_t n;

		p += strspn(p, " \t,");
		if (p >= end)
			break;
		n = strcspn(p, " \t,:");
		if (n == dl && strncasecmp(p, d, n) == 0)
			return true;
		p += strcspn(p, " \t,");
	}
	return false;
}

/* add_one - parse one list entry and load its key; VG_ENOMEM only */
static int
add_one(struct vg_dkim_keys *k, const struct vg_conf *conf, const char *e,
    size_t n, struct vg_err *err, bool *bad)
{
	unsigned dl = vg_conf_line(conf, "dkim_sign_domain");
	unsigned kl = vg_conf_line(conf, "dkim_sign_key");
	const char *colon = memchr(e, ':', n);
	char d[VG_DKIM_NAME_MAX + 1], s[VG_DKIM_NAME_MAX + 1];
	char why[256];
	const char *ewhy = NULL;
	struct vg_buf path;
	size_t dn = colon != NULL ? (size_t)(colon - e) : n;
	int rc;

	if (!name_ok(e, dn) ||
	    (colon != NULL && !name_ok(colon + 1, n - dn - 1))) {
		vg_err_add(err, conf->path, dl,
		    "dkim_sign_domain: '%.*s' is not DOMAIN or DOMAIN:SELECTOR",
		    (int)(n > 300 ? 300 : n), e);
		*bad = true;
		return 0;
	}
	for (size_t i = 0; i < dn; i++) {
		unsigned char c = (unsigned char)e[i];

		d[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	d[dn] = '\0';
	if (colon != NULL)
		(void)vg_str_fmt(
		    s, sizeof(s), "%.*s", (int)(n - dn - 1), colon + 1);
	else if (!vg_str_fmt(s, sizeof(s), "%s", conf->dkim_sign_selector) ||
	    !name_ok(s, strlen(s))) {
		vg_err_add(err, conf->path,
		    vg_conf_line(conf, "dkim_sign_selector"),
		    "dkim_sign_selector: '%.80s' is not a selector",
		    conf->dkim_sign_selector);
		*bad = true;
		return 0;
	}
	if (listed_before(conf->dkim_sign_domain, e, d)) {
		vg_err_add(err, conf->path, dl,
		    "dkim_sign_domain: %s is listed twice", d);
		*bad = true;
		return 0;
	}
	vg_buf_init(&path, 4096);
	if (!expand(&path, conf->dkim_sign_key, d, s, &ewhy)) {
		vg_err_add(err, conf->path, kl, "dkim_sign_key: %s", ewhy);
		*bad = true;
		vg_buf_fini(&path);
		return 0;
	}
	rc = vg_dkim_signer_load(
	    &k->s[k->n], d, s, vg_buf_cstr(&path), why, sizeof(why));
	vg_buf_fini(&path);
	if (rc == VG_ENOMEM)
		return rc;
	if (rc != 0) {
		/* The key's line, or the domain's when the path is default. */
		vg_err_add(err, conf->path, kl != 0 ? kl : dl,
		    "dkim_sign_key for %s: %s", d, why);
		*bad = true;
		return 0;
	}
	k->n++;
	return 0;
}

/* vg_dkim_keys_load - read every key the configuration names */
int
vg_dkim_keys_load(
    struct vg_dkim_keys **out, const struct vg_conf *conf, struct vg_err *err)
{
	const char *list = conf->dkim_sign_domain, *p;
	struct vg_dkim_keys *k;
	size_t nent = 0;
	bool bad = false;
	int rc = 0;

	*out = NULL;
	if (list == NULL || list[strspn(list, " \t,")] == '\0')
		return 0;
	if ((k = vg_calloc(1, sizeof(*k))) == NULL)
		return VG_ENOMEM;
	atomic_init(&k->refs, 1);
	/* Count first: past the limit, no key is read at all. */
	for (p = list; *p != '\0';) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		nent++;
		p += strcspn(p, " \t,");
	}
	if (nent > VG_DKIM_KEYS_MAX) {
		vg_err_add(err, conf->path,
		    vg_conf_line(conf, "dkim_sign_domain"),
		    "dkim_sign_domain: %zu domains, more than %u", nent,
		    VG_DKIM_KEYS_MAX);
		rc = VG_ECONFIG;
		goto out;
	}
	if ((k->s = vg_calloc(nent, sizeof(*k->s))) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	for (p = list; *p != '\0';) {
		size_t n;

		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		n = strcspn(p, " \t,");
		if ((rc = add_one(k, conf, p, n, err, &bad)) != 0)
			goto out;
		p += n;
	}
	if (bad) {
		rc = VG_ECONFIG;
		goto out;
	}
	*out = k;
	k = NULL;
out:
	vg_dkim_keys_unref(k);
	return rc;
}

/* vg_dkim_keys_ref - one more reference */
struct vg_dkim_keys *
vg_dkim_keys_ref(struct vg_dkim_keys *k)
{
	if (k != NULL)
		atomic_fetch_add_explicit(&k->refs, 1, memory_order_relaxed);
	return k;
}

/* vg_dkim_keys_unref - drop a reference; the last frees every key */
void
vg_dkim_keys_unref(struct vg_dkim_keys *k)
{
	if (k == NULL ||
	    atomic_fetch_sub_explicit(&k->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (size_t i = 0; i < k->n; i++)
		vg_dkim_signer_free(k->s[i]);
	vg_free(k->s);
	vg_free(k);
}

/* vg_dkim_keys_count - domains in the set */
size_t
vg_dkim_keys_count(const struct vg_dkim_keys *k)
{
	return k != NULL ? k->n : 0;
}

/* vg_dkim_keys_find - the key of from or of its nearest listed parent */
const struct vg_dkim_signer *
vg_dkim_keys_find(const struct vg_dkim_keys *k, const char *from)
{
	const struct vg_dkim_signer *best = NULL;
	size_t fl, bestlen = 0;

	if (k == NULL || from == NULL)
		return NULL;
	fl = strlen(from);
	for (size_t i = 0; i < k->n; i++) {
		const char *d = vg_dkim_signer_domain(k->s[i]);
		size_t dl = strlen(d);

		if (dl > fl || dl <= bestlen ||
		    strcasecmp(from + fl - dl, d) != 0)
			continue;
		if (dl < fl && from[fl - dl - 1] != '.')
			continue;
		best = k->s[i];
		bestlen = dl;
	}
	return best;
}
