/* SPDX-License-Identifier: GPL-2.0-only */
/* lists - allow and block lists for clients, senders and recipients */
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/cidr.h"
#include "base/err.h"
#include "policy/lists.h"

/* What part of an address an entry compares. */
enum lists_form {
	FORM_ADDRESS,   /* user@example.com */
	FORM_DOMAIN,    /* @example.com */
	FORM_SUBDOMAIN, /* @.example.com: stored as ".example.com" */
	FORM_LOCAL,     /* user@ or user@* */
	FORM_NULL,      /* <> */
};

struct lists_addr {
	enum lists_form form;
	char *text; /* lower case; see enum lists_form */
};

struct lists_one {
	struct vg_cidr *nets;     /* VG_LIST_CLIENT */
	struct lists_addr *addrs; /* the other kinds */
	size_t n, cap;
};

struct vg_lists {
	struct lists_one list[2][VG_LIST_KIND_MAX]; /* [block][kind] */
	bool block_reject;
};

/* vg_lists_new - empty lists; blocks are decisions by default */
int
vg_lists_new(struct vg_lists **out)
{
	*out = vg_calloc(1, sizeof(**out));
	if (*out == NULL)
		return VG_ENOMEM;
	(*out)->block_reject = true;
	return 0;
}

/* vg_lists_free - every entry of every list */
void
vg_lists_free(struct vg_lists *l)
{
	if (l == NULL)
		return;
	for (int b = 0; b < 2; b++) {
		for (int k = 0; k < VG_LIST_KIND_MAX; k++) {
			struct lists_one *one = &l->list[b][k];

			for (size_t i = 0; one->addrs != NULL && i < one->n;
			     i++)
				vg_free(one->addrs[i].text);
			vg_free(one->addrs);
			vg_free(one->nets);
		}
	}
	vg_free(l);
}

/* lists_lower - ASCII lower case of one byte */
static char
lists_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* lists_dup_lower - lower-case copy of len bytes; NULL on VG_ENOMEM */
static char *
lists_dup_lower(const char *s, size_t len)
{
	char *d = vg_strndup(s, len);

	for (size_t i = 0; d != NULL && i < len; i++)
		d[i] = lists_lower(d[i]);
	return d;
}

/* lists_grow - room for one more entry in one */
static int
lists_grow(struct lists_one *one, bool nets)
{
	size_t cap;
	void *p;

	if (one->n < one->cap)
		return 0;
	cap = one->cap == 0 ? 8 : one->cap * 2;
	if (nets)
		p = vg_reallocarray(one->nets, cap, sizeof(*one->nets));
	else
		p = vg_reallocarray(one->addrs, cap, sizeof(*one->addrs));
	if (p == NULL)
		return VG_ENOMEM;
	if (nets)
		one->nets = p;
	else
		one->addrs = p;
	one->cap = cap;
	return 0;
}

/* lists_parse_addr - the form of an address entry, and its text */
static int
lists_parse_addr(
    struct lists_addr *out, const char *e, size_t len, const char **why)
{
	const char *at;
	size_t i;

	if (len == 0 || len > VG_LISTS_ENTRY_MAX) {
		*why = "empty or too long an address";
		return VG_EINVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)e[i];

		if (c <= ' ' || c == 0x7f || c == ',') {
			*why = "blank, comma or control byte in an address";
			return VG_EINVAL;
		}
	}
	if (len == 2 && e[0] == '<' && e[1] == '>') {
		out->form = FORM_NULL;
		out->text = NULL;
		return 0;
	}
	at = memchr(e, '@', len);
	if (at == NULL || memchr(at + 1, '@', len - (size_t)(at - e) - 1)) {
		*why = "want user@domain, @domain, @.domain, user@ or <>";
		return VG_EINVAL;
	}
	if (at == e) {
		if (len == 1 || (len == 2 && e[1] == '.')) {
			*why = "a domain is missing after '@'";
			return VG_EINVAL;
		}
		out->form = e[1] == '.' ? FORM_SUBDOMAIN : FORM_DOMAIN;
		out->text = lists_dup_lower(e + 1, len - 1);
	} else if (at == e + len - 1 || (at == e + len - 2 && at[1] == '*')) {
		out->form = FORM_LOCAL;
		out->text = lists_dup_lower(e, (size_t)(at - e));
	} else {
		out->form = FORM_ADDRESS;
		out->text = lists_dup_lower(e, len);
	}
	return out->text == NULL ? VG_ENOMEM : 0;
}

/* vg_lists_add - one entry into one list */
int
vg_lists_add(struct vg_lists *l, bool block, enum vg_list_kind kind,
    const char *entry, size_t len, const char **why)
{
	struct lists_one *one = &l->list[block ? 1 : 0][kind];
	const char *dummy;
	int rc;

	if (why == NULL)
		why = &dummy;
	if (kind == VG_LIST_CLIENT) {
		struct vg_cidr net;

		if ((rc = vg_cidr_parse(&net, entry, len, why)) != 0)
			return rc;
		if ((rc = lists_grow(one, true)) != 0)
			return rc;
		one->nets[one->n++] = net;
		return 0;
	}
	{
		struct lists_addr a;

		if ((rc = lists_parse_addr(&a, entry, len, why)) != 0)
			return rc;
		if ((rc = lists_grow(one, false)) != 0) {
			vg_free(a.text);
			return rc;
		}
		one->addrs[one->n++] = a;
	}
	return 0;
}

/* vg_lists_set_block_reject - block_action reject or score */
void
vg_lists_set_block_reject(struct vg_lists *l, bool reject)
{
	l->block_reject = reject;
}

/* vg_lists_block_reject - whether a block is a decision */
bool
vg_lists_block_reject(const struct vg_lists *l)
{
	return l != NULL && l->block_reject;
}

/* vg_lists_count - entries in one list */
size_t
vg_lists_count(const struct vg_lists *l, bool block, enum vg_list_kind kind)
{
	return l->list[block ? 1 : 0][kind].n;
}

/*
 * lists_split - the local part and domain of an envelope address, lower
 * case, without angle brackets or a trailing dot on the domain.  Returns
 * false when the address is too long to compare (it then matches
 * nothing).
 */
static bool
lists_split(const char *addr, char *local, char *domain, size_t size)
{
	size_t len = strlen(addr), ll, dl;
	const char *at;

	if (len >= 2 && addr[0] == '<' && addr[len - 1] == '>') {
		addr++;
		len -= 2;
	}
	at = NULL;
	for (size_t i = len; i > 0; i--) {
		if (addr[i - 1] == '@') {
			at = addr + i - 1;
			break;
		}
	}
	ll = at != NULL ? (size_t)(at - addr) : len;
	dl = at != NULL ? len - ll - 1 : 0;
	if (dl > 0 && at[dl] == '.')
		dl--;
	if (ll >= size || dl >= size)
		return false;
	for (size_t i = 0; i < ll; i++)
		local[i] = lists_lower(addr[i]);
	local[ll] = '\0';
	for (size_t i = 0; i < dl; i++)
		domain[i] = lists_lower(at[1 + i]);
	domain[dl] = '\0';
	return true;
}

/* lists_addr_match - one entry against a split address */
static bool
lists_addr_match(const struct lists_addr *a, const char *local,
    const char *domain, bool null_sender)
{
	size_t dl, tl;

	switch (a->form) {
	case FORM_NULL:
		return null_sender;
	case FORM_LOCAL:
		return !null_sender && strcmp(a->text, local) == 0;
	case FORM_DOMAIN:
		return strcmp(a->text, domain) == 0;
	case FORM_SUBDOMAIN:
		/* ".example.com" matches "mx.example.com", not "example.com" */
		dl = strlen(domain);
		tl = strlen(a->text);
		return dl > tl && strcmp(domain + dl - tl, a->text) == 0;
	case FORM_ADDRESS: {
		size_t ll = strlen(local);

		return domain[0] != '\0' && strncmp(a->text, local, ll) == 0 &&
		    a->text[ll] == '@' && strcmp(a->text + ll + 1, domain) == 0;
	}
	}
	return false;
}

/* vg_lists_match - does value match any entry of one list */
bool
vg_lists_match(const struct vg_lists *l, bool block, enum vg_list_kind kind,
    const char *value)
{
	const struct lists_one *one;
	char local[VG_LISTS_ENTRY_MAX + 1], domain[VG_LISTS_ENTRY_MAX + 1];
	bool null_sender;

	if (l == NULL || value == NULL)
		return false;
	one = &l->list[block ? 1 : 0][kind];
	if (one->n == 0)
		return false;
	if (kind == VG_LIST_CLIENT) {
		struct vg_ip ip;

		if (vg_ip_parse(&ip, value) != 0)
			return false;
		for (size_t i = 0; i < one->n; i++)
			if (vg_cidr_match(&one->nets[i], &ip))
				return true;
		return false;
	}
	if (!lists_split(value, local, domain, sizeof(local)))
		return false;
	null_sender = local[0] == '\0' && domain[0] == '\0';
	for (size_t i = 0; i < one->n; i++)
		if (lists_addr_match(
		        &one->addrs[i], local, domain, null_sender))
			return true;
	return false;
}

/* vg_lists_check - which lists match this client, sender and recipient */
unsigned
vg_lists_check(const struct vg_lists *l, const char *client, const char *from,
    const char *rcpt)
{
	unsigned bits = 0;

	if (l == NULL)
		return 0;
	if (vg_lists_match(l, false, VG_LIST_CLIENT, client))
		bits |= VG_LISTS_ALLOW_CLIENT;
	if (vg_lists_match(l, true, VG_LIST_CLIENT, client))
		bits |= VG_LISTS_BLOCK_CLIENT;
	if (vg_lists_match(l, false, VG_LIST_FROM, from))
		bits |= VG_LISTS_ALLOW_FROM;
	if (vg_lists_match(l, true, VG_LIST_FROM, from))
		bits |= VG_LISTS_BLOCK_FROM;
	if (vg_lists_match(l, false, VG_LIST_RCPT, rcpt))
		bits |= VG_LISTS_ALLOW_RCPT;
	if (vg_lists_match(l, true, VG_LIST_RCPT, rcpt))
		bits |= VG_LISTS_BLOCK_RCPT;
	return bits;
}

/* vg_lists_refuse - a block matched, no allow did, blocks are decisions */
bool
vg_lists_refuse(const struct vg_lists *l, unsigned bits)
{
	return vg_lists_block_reject(l) && (bits & VG_LISTS_BLOCK_ANY) != 0 &&
	    (bits & VG_LISTS_ALLOW_ANY) == 0;
}
