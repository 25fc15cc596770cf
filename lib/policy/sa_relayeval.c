/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_relayeval - SpamAssassin's RelayEval eval functions, and the
 * local.cf settings its relay analysis reads: trusted_networks,
 * internal_networks, msa_networks (and their clear_ forms),
 * originating_ip_headers and clear_originating_ip_headers.
 *
 * PURPOSE  check_all_trusted, check_no_relays, check_relays_unparseable,
 *	    check_for_sender_no_reverse, check_for_no_rdns_dotcom_helo,
 *	    check_for_forged_received_trail, check_for_forged_received_ip_helo,
 *	    helo_ip_mismatch, check_for_numeric_helo, check_for_illegal_ip
 *	    (retired in SpamAssassin: never hits), over the relays
 *	    rules/sa_received.c makes of the message (once per message, in
 *	    struct vg_sactx's cache).  Mail::SpamAssassin::Plugin::RelayEval
 *	    is the specification.
 * SEMANTICS Networks as SpamAssassin takes them: an address, ADDR/BITS,
 *	    or a classful prefix ("192.168." or "10.1/16"); 127.0.0.0/8
 *	    and ::1 are always trusted and internal.  With only one of
 *	    trusted_networks and internal_networks given, the other is the
 *	    same; with neither, SpamAssassin's guess (sa_received.h).
 * DIFFERS  An excluded network ("!10.0.1.5") is refused with an error:
 *	    Vigil's network lists have no exclusions.
 * LIMITS   VG_SA_RELAY_NETS_MAX bytes of networks per setting; more, an
 *	    error.  VG_SA_RELAY_ORIG_MAX originating_ip_headers.
 * THREADS  Settings are read-only after load; the relays are the
 *	    message's.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/cidr.h"
#include "base/compiler.h"
#include "base/err.h"
#include "policy/sa_relays.h"
#include "rules/rules.h"
#include "rules/rules_evalfn.h"
#include "rules/sa_received.h"

#define VG_SA_RELAY_NETS_MAX 65536
#define VG_SA_RELAY_ORIG_MAX 32

enum {
	N_TRUSTED,
	N_INTERNAL,
	N_MSA,
	N_MAX
};

struct sa_relay_conf {
	char *nets[N_MAX]; /* vg_cidr_list_match() text, NULL: not set */
	size_t len[N_MAX];
	char *orig[VG_SA_RELAY_ORIG_MAX];
	size_t norig;
	bool orig_set; /* originating_ip_headers given (or cleared) */
};

/* sa_conf_create - no settings */
static int
sa_conf_create(void **state_out)
{
	*state_out = vg_calloc(1, sizeof(struct sa_relay_conf));
	return *state_out == NULL ? VG_ENOMEM : 0;
}

/* sa_conf_free - the settings */
static void
sa_conf_free(void *state)
{
	struct sa_relay_conf *c = state;

	if (c == NULL)
		return;
	for (size_t i = 0; i < N_MAX; i++)
		vg_free(c->nets[i]);
	for (size_t i = 0; i < c->norig; i++)
		vg_free(c->orig[i]);
	vg_free(c);
}

/*
 * sa_net - one SpamAssassin network word into CIDR text out: classful
 * "10.1." and "10.1/16" padded to four octets.  false when it is no
 * network Vigil can hold (why set).
 */
static bool
sa_net(const char *w, size_t n, char *out, size_t size, const char **why)
{
	char buf[VG_IP_TEXT_MAX + 8];
	struct vg_cidr net;
	size_t dots = 0, i;
	const char *slash;

	*why = "not an address or network";
	if (n == 0 || n >= VG_IP_TEXT_MAX)
		return false;
	if (w[0] == '!') {
		*why = "excluded networks (!) are not supported";
		return false;
	}
	memcpy(buf, w, n);
	buf[n] = '\0';
	slash = strchr(buf, '/');
	if (strchr(buf, ':') == NULL &&
	    strspn(buf, "0123456789./") == n) { /* IPv4, maybe classful */
		size_t alen = slash != NULL ? (size_t)(slash - buf) : n;
		char addr[32], bits[8] = "";

		for (i = 0; i < alen; i++)
			dots += buf[i] == '.';
		if (alen == 0 || alen >= 16)
			return false;
		memcpy(addr, buf, alen);
		addr[alen] = '\0';
		if (addr[alen - 1] == '.') { /* "192.168." */
			addr[--alen] = '\0';
			if (slash == NULL)
				snprintf(bits, sizeof(bits), "%zu", dots * 8);
		} else if (slash == NULL && dots < 3) {
			snprintf(bits, sizeof(bits), "%zu", (dots + 1) * 8);
		}
		if (slash != NULL)
			snprintf(bits, sizeof(bits), "%.4s", slash + 1);
		for (dots = 0, i = 0; addr[i] != '\0'; i++)
			dots += addr[i] == '.';
		alen = strlen(addr);
		while (dots++ < 3 && alen + 2 < sizeof(addr)) {
			memcpy(addr + alen, ".0", 3);
			alen += 2;
		}
		snprintf(
		    buf, sizeof(buf), "%s%s%s", addr, bits[0] ? "/" : "", bits);
	}
	if (vg_cidr_parse(&net, buf, strlen(buf), why) != 0)
		return false;
	snprintf(out, size, "%s", buf);
	return true;
}

/* sa_nets_add - the networks of one line to setting k */
static int
sa_nets_add(struct sa_relay_conf *c, int k, const char *rest, const char *file,
    unsigned line, const char *dir, struct vg_err *err)
{
	const char *s = rest != NULL ? rest : "";
	bool any = false;

	for (;;) {
		char one[VG_IP_TEXT_MAX + 16];
		const char *w, *why;
		size_t n;
		char *grown;

		while (*s == ' ' || *s == '\t')
			s++;
		w = s;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r' &&
		    *s != '\n')
			s++;
		if ((n = (size_t)(s - w)) == 0)
			break;
		if (!sa_net(w, n, one, sizeof(one), &why)) {
			vg_err_add(err, file, line, "%s: %.*s: %s", dir, (int)n,
			    w, why);
			return VG_ECONFIG;
		}
		n = strlen(one);
		if (c->len[k] + n + 2 > VG_SA_RELAY_NETS_MAX) {
			vg_err_add(err, file, line, "%s: more than %u bytes",
			    dir, (unsigned)VG_SA_RELAY_NETS_MAX);
			return VG_ECONFIG;
		}
		grown = vg_realloc(c->nets[k], c->len[k] + n + 2);
		if (grown == NULL)
			return VG_ENOMEM;
		c->nets[k] = grown;
		if (c->len[k] > 0)
			c->nets[k][c->len[k]++] = ' ';
		memcpy(c->nets[k] + c->len[k], one, n + 1);
		c->len[k] += n;
		any = true;
	}
	if (!any) {
		vg_err_add(err, file, line, "%s: needs a network", dir);
		return VG_ECONFIG;
	}
	return 1;
}

/* sa_orig_add - originating_ip_headers NAME ... */
static int
sa_orig_add(struct sa_relay_conf *c, const char *rest, const char *file,
    unsigned line, struct vg_err *err)
{
	const char *s = rest != NULL ? rest : "";

	if (!c->orig_set) { /* the first one replaces the default list */
		c->orig_set = true;
	}
	for (;;) {
		const char *w;
		size_t n;
		bool dup = false;

		while (*s == ' ' || *s == '\t')
			s++;
		w = s;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r' &&
		    *s != '\n')
			s++;
		if ((n = (size_t)(s - w)) == 0)
			return 1;
		for (size_t i = 0; i < c->norig; i++)
			dup = dup ||
			    (strlen(c->orig[i]) == n &&
			        strncasecmp(c->orig[i], w, n) == 0);
		if (dup)
			continue;
		if (c->norig == VG_SA_RELAY_ORIG_MAX) {
			vg_err_add(err, file, line,
			    "originating_ip_headers: more than %u headers",
			    (unsigned)VG_SA_RELAY_ORIG_MAX);
			return VG_ECONFIG;
		}
		if ((c->orig[c->norig] = vg_strndup(w, n)) == NULL)
			return VG_ENOMEM;
		c->norig++;
	}
}

/* sa_conf_directive - the settings above; 0 for any other line */
static int
sa_conf_directive(void *state, const char *dir, const char *rest,
    const char *file, unsigned line, struct vg_err *err)
{
	static const char *const names[N_MAX] = {
	    "trusted_networks", "internal_networks", "msa_networks"};
	struct sa_relay_conf *c = state;

	for (int k = 0; k < N_MAX; k++) {
		if (strcmp(dir, names[k]) == 0)
			return sa_nets_add(c, k, rest, file, line, dir, err);
		if (strncmp(dir, "clear_", 6) == 0 &&
		    strcmp(dir + 6, names[k]) == 0) {
			vg_free(c->nets[k]);
			c->nets[k] = NULL;
			c->len[k] = 0;
			return 1;
		}
	}
	if (strcmp(dir, "originating_ip_headers") == 0)
		return sa_orig_add(c, rest, file, line, err);
	if (strcmp(dir, "clear_originating_ip_headers") == 0) {
		for (size_t i = 0; i < c->norig; i++)
			vg_free(c->orig[i]);
		c->norig = 0;
		c->orig_set = true;
		return 1;
	}
	return 0;
}

const struct vg_rules_module vg_sa_relays_rules_module = {
    .name = "sa_relays",
    .create = sa_conf_create,
    .free = sa_conf_free,
    .directive = sa_conf_directive,
};

/* vg_sa_relays_trust - see sa_relays.h */
void
vg_sa_relays_trust(const struct vg_rules *r, struct vg_sa_trust *t)
{
	const struct sa_relay_conf *c =
	    vg_rules_module_state(r, &vg_sa_relays_rules_module);

	memset(t, 0, sizeof(*t));
	if (c == NULL)
		return;
	t->trusted = c->nets[N_TRUSTED];
	t->internal = c->nets[N_INTERNAL];
	t->msa = c->nets[N_MSA];
	if (c->orig_set) {
		t->orig_hdrs = (const char *const *)c->orig;
		t->norig_hdrs = c->norig;
	}
}

/* vg_sa_relays_of - c's relays, parsed on first use; NULL out of memory */
const struct vg_sa_relays *
vg_sa_relays_of(struct vg_sactx *c)
{
	return c->relays != NULL ? vg_sa_relays_get(c->relays, c->r, c->msg)
	                         : NULL;
}

/* UNTRUSTED - the i-th untrusted relay (0 the newest) */
#define UNTRUSTED(rl, i) (&(rl)->relay[(rl)->untrusted[i]])

/* check_all_trusted() */
static int
sa_all_trusted(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sa_relays *rl = vg_sa_relays_of(c);

	(void)a;
	return rl != NULL && rl->ntrusted > 0 && rl->nuntrusted == 0 &&
	    rl->nunparseable == 0;
}

/* check_no_relays() */
static int
sa_no_relays(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sa_relays *rl = vg_sa_relays_of(c);

	(void)a;
	return rl != NULL && rl->ntrusted == 0 && rl->nuntrusted == 0 &&
	    rl->nunparseable == 0;
}

/* check_relays_unparseable() */
static int
sa_unparseable(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sa_relays *rl = vg_sa_relays_of(c);

	(void)a;
	return rl != NULL && rl->nunparseable > 0;
}

/* check_for_sender_no_reverse(): as SpamAssassin 4 has it */
static int
sa_sender_no_reverse(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sa_relays *rl = vg_sa_relays_of(c);
	const struct vg_sa_relay *r;

	(void)a;
	if (rl == NULL || rl->nuntrusted == 0)
		return 0;
	r = UNTRUSTED(rl, rl->nuntrusted - 1);
	return strchr(r->rdns, '.') != NULL && !r->ip_private;
}

/* dotcom - SpamAssassin's list of big-ISP HELO domains */
static bool
dotcom(const char *helo)
{
	static const char *const doms[] = {"lycos.com", "lycos.co.uk",
	    "hotmail.com", "localhost.com", "excite.com", "caramail.com",
	    "cs.com", "aol.com", "msn.com", "yahoo.com", "drizzle.com"};
	size_t n = strlen(helo);

	for (size_t i = 0; i < VG_NELEM(doms); i++) {
		size_t d = strlen(doms[i]);

		if (n >= d && strcasecmp(helo + n - d, doms[i]) == 0 &&
		    (n == d || helo[n - d - 1] == '.'))
			return true;
	}
	return false;
}

/* check_for_no_rdns_dotcom_helo() */
static int
sa_no_rdns_dotcom_helo(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sa_relays *rl = vg_sa_relays_of(c);
	int hit = 0;

	(void)a;
	for (size_t i = 0; rl != NULL && i < rl->nuntrusted; i++) {
		const struct vg_sa_relay *r = UNTRUSTED(rl, i);

		if (r->ip_private)
			continue;
		/* SpamAssassin resets the flag at each relay with a HELO
		 * (always defined in its hash): the last one decides. */
		hit = dotcom(r->helo) && r->no_reverse_dns ? 1 : 0;
	}
	return hit;
}

/* host_domain - RelayEval's hostname_to_domain() of h into out */
static void
host_domain(const char *h, char *out, size_t size)
{
	const char *lab[VG_SA_RCVD_FIELD_MAX];
	size_t len[VG_SA_RCVD_FIELD_MAX], np = 0, i, last;
	bool alpha = false;
	char low[VG_SA_RCVD_FIELD_MAX];

	for (i = 0; h[i] != '\0' && i + 1 < sizeof(low); i++)
		low[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] + 32 : h[i]);
	low[i] = '\0';
	h = low;
	for (i = 0; h[i] != '\0'; i++)
		alpha = alpha || (h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= 'A' && h[i] <= 'Z');
	if (!alpha) { /* an IP address */
		snprintf(out, size, "%s", h);
		return;
	}
	/* split(/\./): trailing empty labels dropped */
	for (const char *p = h; np < VG_NELEM(lab);) {
		size_t n = strcspn(p, ".");

		lab[np] = p;
		len[np++] = n;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	while (np > 0 && len[np - 1] == 0)
		np--;
	if (np > 1) {
		last = np - 1;
		if (len[last] >= 3 ||
		    (len[last] == 2 &&
		        (strncmp(lab[last], "ie", 2) == 0 ||
		            strncmp(lab[last], "fr", 2) == 0 ||
		            strncmp(lab[last], "de", 2) == 0))) {
			snprintf(out, size, "%.*s.%.*s", (int)len[last - 1],
			    lab[last - 1], (int)len[last], lab[last]);
			return;
		}
	}
	if (np > 2) {
		snprintf(out, size, "%.*s.%.*s.%.*s", (int)len[np - 3],
		    lab[np - 3], (int)len[np - 2], lab[np - 2],
		    (int)len[np - 1], lab[np - 1]);
		return;
	}
	snprintf(out, size, "%s", h);
}

/* wordch - Perl's \w in ASCII */
static bool
wordch(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '_';
}

/*
 * hostlike - /^\w+(?:[\w.-]+\.)+\w+$/: after the last dot one or more \w;
 * before it at least two characters of [\w.-], the first a \w
 */
static bool
hostlike(const char *s)
{
	const char *dot = strrchr(s, '.');
	size_t pre;

	if (dot == NULL || dot[1] == '\0')
		return false;
	for (const char *p = dot + 1; *p != '\0'; p++)
		if (!wordch(*p))
			return false;
	pre = (size_t)(dot - s);
	if (pre < 2 || !wordch(s[0]))
		return false;
	for (size_t k = 1; k < pre; k++)
		if (!wordch(s[k]) && s[k] != '.' && s[k] != '-')
			return false;
	return true;
}

/* v4 - whether s is a dotted quad of digits (\d+\.\d+\.\d+\.\d+) */
static bool
v4(const char *s)
{
	int parts = 0;

	while (*s != '\0') {
		size_t d = strspn(s, "0123456789");

		if (d == 0)
			return false;
		s += d;
		parts++;
		if (*s == '.' && parts < 4)
			s++;
		else
			break;
	}
	return parts == 4 && *s == '\0';
}

/* classb - the "a.b" of a dotted quad into out */
static void
classb(const char *ip, char *out, size_t size)
{
	const char *d = strchr(ip, '.');

	d = d != NULL ? strchr(d + 1, '.') : NULL;
	snprintf(out, size, "%.*s", d != NULL ? (int)(d - ip) : 0, ip);
}

/* forged - RelayEval's _check_for_forged_received: the two counts */
static void
forged(const struct vg_sa_relays *rl, int *mismatch_from, int *mismatch_ip)
{
	char from[VG_SA_RCVD_MAX][VG_SA_RCVD_FIELD_MAX];
	bool from_def[VG_SA_RCVD_MAX];

	*mismatch_from = *mismatch_ip = 0;
	if (rl == NULL)
		return;
	for (size_t i = 0; i < rl->nuntrusted; i++) {
		host_domain(UNTRUSTED(rl, i)->rdns, from[i], sizeof(from[i]));
		from_def[i] = true;
	}
	for (size_t i = 0; i < rl->nuntrusted; i++) {
		const struct vg_sa_relay *r = UNTRUSTED(rl, i);
		char by[VG_SA_RCVD_FIELD_MAX], hlo[VG_SA_RCVD_FIELD_MAX];

		host_domain(r->by, by, sizeof(by));
		host_domain(r->helo, hlo, sizeof(hlo));
		if (!hostlike(by))
			continue;
		if ((strcmp(from[i], "localhost") == 0 ||
		        strcmp(from[i], "localhost.localdomain") == 0) &&
		    strcmp(r->ip, "127.0.0.1") == 0)
			from_def[i] = false;
		if (v4(hlo) && v4(r->ip) && strcmp(r->ip, hlo) != 0) {
			char hb[64], fb[64];

			classb(hlo, hb, sizeof(hb));
			classb(r->ip, fb, sizeof(fb));
			if (hb[0] && fb[0] && strcmp(hb, fb) != 0 &&
			    !vg_sa_ip_private(hlo))
				(*mismatch_ip)++;
		}
		if (i > 0 && from_def[i - 1] && hostlike(from[i - 1]) &&
		    strcmp(by, from[i - 1]) != 0 &&
		    !(strcmp(by, "msn.com") == 0 &&
		        strcmp(from[i - 1], "hotmail.com") == 0))
			(*mismatch_from)++;
	}
}

/* check_for_forged_received_trail() */
static int
sa_forged_trail(struct vg_sactx *c, const struct vg_evalargs *a)
{
	int from, ip;

	(void)a;
	forged(vg_sa_relays_of(c), &from, &ip);
	return from > 1;
}

/* check_for_forged_received_ip_helo() */
static int
sa_forged_ip_helo(struct vg_sactx *c, const struct vg_evalargs *a)
{
	int from, ip;

	(void)a;
	forged(vg_sa_relays_of(c), &from, &ip);
	return ip > 0;
}

/* is_v4 - SpamAssassin's IS_IPV4_ADDRESS: octets 0-255, no leading 0 */
static bool
is_v4(const char *s)
{
	struct vg_ip ip;

	return v4(s) && vg_ip_parse(&ip, s) == 0 && ip.family == 4;
}

/* helo_ip_mismatch() */
static int
sa_helo_ip_mismatch(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sa_relays *rl = vg_sa_relays_of(c);

	(void)a;
	for (size_t i = 0; rl != NULL && i < rl->nuntrusted; i++) {
		const struct vg_sa_relay *r = UNTRUSTED(rl, i);
		const char *d;
		size_t n;

		if (!is_v4(r->helo) || vg_sa_ip_private(r->helo))
			continue;
		if (!is_v4(r->ip) || vg_sa_ip_private(r->ip) ||
		    strcmp(r->helo, r->ip) == 0)
			continue;
		/* the first three octets of the HELO, with the dot */
		d = strrchr(r->helo, '.');
		n = (size_t)(d - r->helo) + 1;
		if (strncmp(r->ip, r->helo, n) != 0)
			return 1;
	}
	return 0;
}

/* check_for_numeric_helo(): an untrusted HELO of a public IPv4 address */
static int
sa_numeric_helo(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const struct vg_sa_relays *rl = vg_sa_relays_of(c);

	(void)a;
	for (size_t i = 0; rl != NULL && i < rl->nuntrusted; i++) {
		const struct vg_sa_relay *r = UNTRUSTED(rl, i);
		char ip[VG_SA_RCVD_FIELD_MAX];
		size_t n = strcspn(r->helo, ",;");

		snprintf(ip, sizeof(ip), "%.*s", (int)n, r->helo);
		if (is_v4(ip) && !vg_sa_ip_private(ip))
			return 1;
	}
	return 0;
}

/* check_for_illegal_ip(): retired in SpamAssassin, never hits */
static int
sa_never(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)c;
	(void)a;
	return 0;
}

#define SA_RELAY_ROW(fname, fn)                                                \
	{                                                                      \
		.name = fname, .plugin = "RelayEval", .kinds = VG_K_ANY,       \
		.run = fn                                                      \
	}

const struct vg_evalfn vg_sa_relayeval[] = {
    SA_RELAY_ROW("check_all_trusted", sa_all_trusted),
    SA_RELAY_ROW("check_no_relays", sa_no_relays),
    SA_RELAY_ROW("check_relays_unparseable", sa_unparseable),
    SA_RELAY_ROW("check_for_sender_no_reverse", sa_sender_no_reverse),
    SA_RELAY_ROW("check_for_no_rdns_dotcom_helo", sa_no_rdns_dotcom_helo),
    SA_RELAY_ROW("check_for_forged_received_trail", sa_forged_trail),
    SA_RELAY_ROW("check_for_forged_received_ip_helo", sa_forged_ip_helo),
    SA_RELAY_ROW("helo_ip_mismatch", sa_helo_ip_mismatch),
    SA_RELAY_ROW("check_for_numeric_helo", sa_numeric_helo),
    SA_RELAY_ROW("check_for_illegal_ip", sa_never),
    {.name = NULL},
};
