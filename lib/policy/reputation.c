/* SPDX-License-Identifier: GPL-2.0-only */
/* reputation - ham and spam counts per network, sender domain and login */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/err.h"
#include "base/str.h"
#include "policy/reputation.h"
#include "store/store.h"

#define REP_DOMAIN_MAX 253 /* bytes of a domain name (RFC 1035) */
/* Keys of one lookup: per kind, spam and ham of this and the last window. */
#define REP_KEYS (VG_REP_KINDS * 4)
/* "rep/" WINDOW "/" N "/" K "/" C "/" SUBJECT: 4 + 20 + 1 + 20 + 6 + 2 */
#define REP_KEY_MAX (64 + VG_REP_SUBJECT_MAX)

struct vg_reputation {
	struct vg_store *store;
	struct vg_store *local; /* the fallback when store is shared */
	struct vg_rep_params p;
};

/* A key's bytes. */
struct rep_key {
	char buf[REP_KEY_MAX];
	size_t len;
};

static const char *const kind_names[VG_REP_KINDS] = {
    [VG_REP_IP] = "ip",
    [VG_REP_DOMAIN] = "dom",
    [VG_REP_AUTH] = "auth",
};

/* vg_rep_kind_name - the key's K for a kind */
const char *
vg_rep_kind_name(enum vg_rep_kind k)
{
	return (size_t)k < VG_REP_KINDS ? kind_names[k] : "?";
}

/* vg_reputation_free - the state and its store references */
void
vg_reputation_free(struct vg_reputation *rep)
{
	if (rep == NULL)
		return;
	vg_store_unref(rep->store);
	vg_store_unref(rep->local);
	vg_free(rep);
}

/* vg_reputation_new - check p, take a reference to store */
int
vg_reputation_new(struct vg_reputation **out, struct vg_store *store,
    const struct vg_rep_params *p)
{
	struct vg_reputation *rep;
	int rc;

	*out = NULL;
	if (p->window_ms == 0 || p->min_count == 0 || p->ratio < 51 ||
	    p->ratio > 100 || p->local_keys == 0)
		return VG_EINVAL;
	if ((rep = vg_calloc(1, sizeof(*rep))) == NULL)
		return VG_ENOMEM;
	rep->p = *p;
	rep->store = vg_store_ref(store);
	if (strcmp(vg_store_name(store), "memory") != 0) {
		struct vg_store_opts o = {.max_keys = p->local_keys};

		if ((rc = vg_store_new(&rep->local, "memory", &o)) != 0) {
			vg_reputation_free(rep);
			return rc;
		}
	}
	*out = rep;
	return 0;
}

/* vg_rep_subject_ip - "a.b.c.0/24" or the /64 of an IPv6 address */
bool
vg_rep_subject_ip(char *out, const char *addr)
{
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];
	static const unsigned char mapped[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	out[0] = '\0';
	if (addr == NULL)
		return false;
	if (inet_pton(AF_INET, addr, a) == 1)
		return vg_str_fmt(
		    out, VG_REP_SUBJECT_MAX, "%u.%u.%u.0/24", a[0], a[1], a[2]);
	if (inet_pton(AF_INET6, addr, a) != 1)
		return false;
	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		return vg_str_fmt(out, VG_REP_SUBJECT_MAX, "%u.%u.%u.0/24",
		    a[12], a[13], a[14]);
	memset(a + 8, 0, 8);
	if (inet_ntop(AF_INET6, a, text, sizeof(text)) == NULL)
		return false;
	return vg_str_fmt(out, VG_REP_SUBJECT_MAX, "%s/64", text);
}

/* rep_subject_byte - a byte a subject may hold: no control, space, '/' */
static bool
rep_subject_byte(unsigned char c)
{
	return c > 0x20 && c != 0x7f && c != '/';
}

/* vg_rep_subject_domain - the sender's domain, lower-cased */
bool
vg_rep_subject_domain(char *out, const char *from)
{
	const char *at, *end;
	size_t n;

	out[0] = '\0';
	if (from == NULL || (at = strrchr(from, '@')) == NULL)
		return false;
	at++;
	end = at + strlen(at);
	if (end > at && end[-1] == '>') /* "<user@example.org>" */
		end--;
	n = (size_t)(end - at);
	if (n == 0 || n > REP_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)at[i];

		if (!rep_subject_byte(c) || c == '>') {
			out[0] = '\0';
			return false;
		}
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[n] = '\0';
	return true;
}

/* vg_rep_subject_auth - the login as it is */
bool
vg_rep_subject_auth(char *out, const char *login)
{
	size_t n;

	out[0] = '\0';
	if (login == NULL || (n = strlen(login)) == 0 ||
	    n >= VG_REP_SUBJECT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!rep_subject_byte((unsigned char)login[i]))
			return false;
	memcpy(out, login, n + 1);
	return true;
}

/* rep_key - "rep/WINDOW/N/K/C/SUBJECT" into k; false if it does not fit */
static bool
rep_key(struct rep_key *k, const struct vg_reputation *rep, uint64_t n,
    enum vg_rep_kind kind, enum vg_rep_class c, const char *subject)
{
	int len = snprintf(k->buf, sizeof(k->buf),
	    "rep/%" PRIu64 "/%" PRIu64 "/%s/%c/%s", rep->p.window_ms / 1000, n,
	    kind_names[kind], c == VG_REP_SPAM ? 's' : 'h', subject);

	if (len < 0 || (size_t)len >= sizeof(k->buf) ||
	    (size_t)len > VG_STORE_KEY_MAX)
		return false;
	k->len = (size_t)len;
	return true;
}

/* rep_says - what spam and ham counted say under the params */
static enum vg_rep_says
rep_says(const struct vg_reputation *rep, uint64_t spam, uint64_t ham)
{
	unsigned __int128 total = (unsigned __int128)spam + ham;

	if (total < rep->p.min_count)
		return VG_REP_SILENT;
	if ((unsigned __int128)spam * 100 >= total * rep->p.ratio)
		return VG_REP_SAYS_SPAM;
	if ((unsigned __int128)ham * 100 >= total * rep->p.ratio)
		return VG_REP_SAYS_HAM;
	return VG_REP_SILENT;
}

/* rep_lookup_in - the lookup against one store */
static int
rep_lookup_in(struct vg_reputation *rep, struct vg_store *store,
    struct vg_rep_answer *out, const struct vg_rep_subjects *s)
{
	struct rep_key kb[REP_KEYS];
	struct vg_store_key keys[REP_KEYS];
	int64_t v[REP_KEYS];
	bool found[REP_KEYS];
	size_t slot[VG_REP_KINDS], n = 0;
	uint64_t now = vg_store_now(store), w = rep->p.window_ms;
	uint64_t cur = now / w, left = w - now % w;
	int rc;

	for (size_t k = 0; k < VG_REP_KINDS; k++) {
		slot[k] = SIZE_MAX;
		if (s->s[k][0] == '\0')
			continue;
		/* spam cur, spam prev, ham cur, ham prev */
		if (!rep_key(&kb[n], rep, cur, k, VG_REP_SPAM, s->s[k]) ||
		    !rep_key(
		        &kb[n + 1], rep, cur - 1, k, VG_REP_SPAM, s->s[k]) ||
		    !rep_key(&kb[n + 2], rep, cur, k, VG_REP_HAM, s->s[k]) ||
		    !rep_key(&kb[n + 3], rep, cur - 1, k, VG_REP_HAM, s->s[k]))
			continue;
		slot[k] = n;
		for (size_t i = n; i < n + 4; i++) {
			keys[i].data = kb[i].buf;
			keys[i].len = kb[i].len;
		}
		n += 4;
	}
	if (n == 0)
		return 0;
	if ((rc = vg_store_get_many(store, v, found, keys, n)) != 0)
		return rc;
	for (size_t k = 0; k < VG_REP_KINDS; k++) {
		size_t i = slot[k];

		if (i == SIZE_MAX)
			continue;
		out->k[k].spam =
		    (uint64_t)vg_store_window_count(v[i], v[i + 1], left, w);
		out->k[k].ham = (uint64_t)vg_store_window_count(
		    v[i + 2], v[i + 3], left, w);
		out->k[k].says = rep_says(rep, out->k[k].spam, out->k[k].ham);
	}
	return 0;
}

/* vg_reputation_lookup - the shared store, else the local one */
int
vg_reputation_lookup(struct vg_reputation *rep, struct vg_rep_answer *out,
    const struct vg_rep_subjects *s)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rep_lookup_in(rep, rep->store, out, s);
	if (rc == VG_ETEMP && rep->local != NULL) {
		memset(out, 0, sizeof(*out));
		out->fallback = true;
		rc = rep_lookup_in(rep, rep->local, out, s);
	}
	return rc;
}

/* rep_record_in - the record against one store */
static int
rep_record_in(struct vg_reputation *rep, struct vg_store *store,
    const struct vg_rep_subjects *s, enum vg_rep_class c)
{
	struct rep_key kb[VG_REP_KINDS];
	struct vg_store_key keys[VG_REP_KINDS];
	int64_t deltas[VG_REP_KINDS];
	uint64_t cur = vg_store_now(store) / rep->p.window_ms;
	size_t n = 0;

	for (size_t k = 0; k < VG_REP_KINDS; k++) {
		if (s->s[k][0] == '\0' ||
		    !rep_key(&kb[n], rep, cur, k, c, s->s[k]))
			continue;
		keys[n].data = kb[n].buf;
		keys[n].len = kb[n].len;
		deltas[n] = 1;
		n++;
	}
	if (n == 0)
		return 0;
	/* Each counter lives this window and the next, which reads it. */
	return vg_store_incr_many(
	    store, NULL, keys, deltas, n, 2 * rep->p.window_ms);
}

/* vg_reputation_record - one message of class c for s's subjects */
int
vg_reputation_record(struct vg_reputation *rep, bool *fallback_out,
    const struct vg_rep_subjects *s, enum vg_rep_class c)
{
	int rc;

	if (fallback_out != NULL)
		*fallback_out = false;
	rc = rep_record_in(rep, rep->store, s, c);
	if (rc == VG_ETEMP && rep->local != NULL) {
		if (fallback_out != NULL)
			*fallback_out = true;
		rc = rep_record_in(rep, rep->local, s, c);
	}
	return rc;
}
