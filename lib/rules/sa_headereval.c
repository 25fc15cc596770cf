/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_headereval - SpamAssassin's HeaderEval functions in C (the
 * specification is Mail::SpamAssassin::Plugin::HeaderEval).
 *
 * PURPOSE  Header facts spam tools get wrong: a missing To, repeated
 *	    headers, raw 8-bit bytes in headers, unexpanded templates,
 *	    ratware Message-Ids, all-caps subjects.  Each reads the
 *	    decoded (or raw) header values of struct vg_text.
 * DIFFERS  Vigil has no ok_locales setting: it is SpamAssassin's default
 *	    "all", under which the faraway-charset tests never hit.
 * LIMITS   Header values are as struct vg_text holds them.
 * THREADS  Reentrant: reads the message only.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "message/hdr.h"
#include "message/msg.h"
#include "message/text.h"
#include "rules/rules_evalfn.h"

/* vg_blank - whether s is empty or only white space */
static bool
vg_blank(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/*
 * check_for_missing_to_header: no To header, nor Apparently-To.  A header
 * that is there but blank ("To: ") counts as there: SpamAssassin's
 * $pms->get('To') gives its value with a newline ("\n"), not ''.
 */
static int
vg_sa_missing_to(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)a;
	return vg_sactx_header_count(c, "To") == 0 &&
	    vg_sactx_header_count(c, "Apparently-To") == 0;
}

/* check_header_count_range(HDR, MIN, MAX): distinct values of HDR */
static int
vg_sa_header_count_range(struct vg_sactx *c, const struct vg_evalargs *a)
{
	size_t i, k, n = 0;
	const char *v, *w;

	for (i = 0; (v = vg_sactx_header(c, a->str[0], true, i)) != NULL; i++) {
		bool dup = false;

		for (k = 0; k < i && !dup; k++)
			if ((w = vg_sactx_header(c, a->str[0], true, k)) !=
			        NULL &&
			    strcmp(v, w) == 0)
				dup = true;
		if (!dup)
			n++;
	}
	return (double)n >= a->num[1] && (double)n <= a->num[2];
}

static int
vg_sa_prep_range(struct vg_evalargs *a, char *why, size_t whylen)
{
	if (isnan(a->num[1]) || isnan(a->num[2])) {
		snprintf(why, whylen, "eval: MIN and MAX must be numbers");
		return VG_ECONFIG;
	}
	return 0;
}

/* vg_sa_illegal - check_illegal_chars over one raw string */
static int
vg_sa_illegal_str(
    const char *s, size_t len, bool subject, double ratio, double count)
{
	size_t i, illegal = 0, exempt = 0, high = 0;
	bool ctl = false;

	if (vg_blank(s))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char b = (unsigned char)s[i];

		if (b >= 0x80)
			high++;
		if (b <= 0x08 || b == 0x0b || b == 0x0c ||
		    (b >= 0x0e && b <= 0x1f))
			ctl = true;
	}
	/* Valid UTF-8 without controls is legal (SMTPUTF8). */
	if (high > 0 && !ctl && vg_hdr_utf8_valid(s, len))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char b = (unsigned char)s[i];

		if (b <= 0x08 || b == 0x0b || b == 0x0c ||
		    (b >= 0x0e && b <= 0x1f) || b >= 0x7f)
			illegal++;
		if (b == 0xa2 || b == 0xa3 || b == 0xae)
			exempt++;
	}
	if (illegal > 0 && subject && exempt == 1)
		illegal--;
	return (double)illegal / (double)len >= ratio &&
	    (double)illegal >= count;
}

/* check_illegal_chars(HDR, RATIO, COUNT): raw bytes no header may hold */
static int
vg_sa_illegal_chars(struct vg_sactx *c, const struct vg_evalargs *a)
{
	struct vg_buf b;
	const char *v;
	size_t i;
	int hit;

	vg_buf_init(&b, 1024 * 1024);
	if (strcasecmp(a->str[0], "ALL") == 0) {
		for (i = 0; c->text != NULL && i < c->text->nheaders; i++) {
			const struct vg_text_header *h = &c->text->headers[i];

			if (vg_buf_printf(&b, "%s: %s\n", h->name,
			        h->raw != NULL ? h->raw : "") != 0)
				break;
		}
	} else {
		for (i = 0;
		     (v = vg_sactx_header(c, a->str[0], true, i)) != NULL; i++)
			if (vg_buf_printf(&b, "%s%s", i > 0 ? "\n" : "", v) !=
			    0)
				break;
	}
	hit = b.len > 0 &&
	    vg_sa_illegal_str(vg_buf_cstr(&b), b.len,
	        strcasecmp(a->str[0], "Subject") == 0, a->num[1], a->num[2]);
	vg_buf_fini(&b);
	return hit;
}

static int
vg_sa_prep_illegal(struct vg_evalargs *a, char *why, size_t whylen)
{
	size_t n = strlen(a->str[0]);

	/* "Subject:raw" is "Subject": the raw value is read anyway. */
	if (n > 4 && strcasecmp(a->str[0] + n - 4, ":raw") == 0)
		a->str[0][n - 4] = '\0';
	return vg_sa_prep_range(a, why, whylen);
}

/* Always 0 in SpamAssassin, or under ok_locales all (see DIFFERS). */
static int
vg_sa_never(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)c;
	(void)a;
	return 0;
}

/* vg_sa_template_exempt - headers check_unresolved_template ignores */
static bool
vg_sa_template_exempt(const char *name)
{
	static const char *const names[] = {"X-VMS-To", "X-UIDL", "X-Face",
	    "To", "Cc", "From", "Subject", "References", "In-Reply-To"};
	static const char *const pre[] = {"X-", "Resent-", "X-Original-", ""};
	size_t i;

	for (i = 0; i < VG_NELEM(names); i++)
		if (strcasecmp(name, names[i]) == 0)
			return true;
	for (i = 0; i < VG_NELEM(pre); i++) {
		size_t n = strlen(pre[i]);

		if (strncasecmp(name, pre[i], n) == 0 &&
		    strcasecmp(name + n, "Message-Id") == 0)
			return true;
	}
	return false;
}

/* check_unresolved_template: "%[A-Z][A-Z_-]" left in a header */
static int
vg_sa_unresolved_template(struct vg_sactx *c, const struct vg_evalargs *a)
{
	size_t i;

	(void)a;
	for (i = 0; c->text != NULL && i < c->text->nheaders; i++) {
		const struct vg_text_header *h = &c->text->headers[i];
		const char *p = h->value != NULL ? h->value : "";

		if (vg_sa_template_exempt(h->name))
			continue;
		/* %X in the name counts too: SpamAssassin reads "Name: v". */
		for (; (p = strchr(p, '%')) != NULL; p++)
			if (isupper((unsigned char)p[1]) &&
			    (isupper((unsigned char)p[2]) || p[2] == '_' ||
			        p[2] == '-'))
				return 1;
	}
	return 0;
}

/* vg_sa_msgid - the first Message-Id (SpamAssassin's MESSAGEID), or "" */
static const char *
vg_sa_msgid(const struct vg_sactx *c)
{
	static const char *const names[] = {
	    "Message-Id", "Resent-Message-Id", "X-Message-Id"};
	const char *v;
	size_t i;

	for (i = 0; i < VG_NELEM(names); i++)
		if ((v = vg_sactx_header(c, names[i], false, 0)) != NULL)
			return v;
	return "";
}

/* check_ratware_name_id: <28 capitals.X> and From "..." <X> */
static int
vg_sa_ratware_name_id(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const char *mid = vg_sa_msgid(c), *from, *p, *q, *s;
	char want[512];
	size_t n, run;

	(void)a;
	if ((from = vg_sactx_header(c, "From", false, 0)) == NULL)
		return 0;
	for (p = mid; (p = strchr(p, '<')) != NULL; p++) {
		for (run = 0; isupper((unsigned char)p[1 + run]); run++)
			;
		if (run < 28 || p[1 + run] != '.')
			continue;
		/* The regex takes exactly 28: the 28 before the dot. */
		q = p + 1 + run + 1;
		n = strcspn(q, ">");
		if (n == 0 || q[n] != '>' || n + 3 > sizeof(want))
			continue;
		snprintf(want, sizeof(want), "<%.*s>", (int)n, q);
		/* From: "name" <X> */
		for (s = from; (s = strchr(s, '"')) != NULL;) {
			const char *e = strchr(s + 1, '"');

			if (e == NULL || e == s + 1)
				break;
			e++;
			while (isspace((unsigned char)*e))
				e++;
			if (strncasecmp(e, want, strlen(want)) == 0)
				return 1;
			s = e;
		}
	}
	return 0;
}

/* check_messageid_not_usable: lists and relays that eat Message-Ids */
static int
vg_sa_messageid_not_usable(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const char *v, *rcvd;
	size_t n;

	(void)a;
	v = vg_sactx_header(c, "List-Unsubscribe", false, 0);
	if (v != NULL && (n = strlen(v)) > 0 && v[n - 1] == '>') {
		const char *m = strstr(v, "<mailto:");

		if (m != NULL && strchr(m, '@') != NULL &&
		    (strncasecmp(m + 8, "leave-", 6) == 0 ||
		        strstr(m, "-unsubscribe@") != NULL))
			return 1;
	}
	if ((rcvd = vg_sactx_header(c, "Received", false, 0)) == NULL)
		return 1; /* no Received: gated through a remover */
	if (strstr(rcvd, "from groups.msn.com (") != NULL)
		return 1;
	if (strstr(rcvd, "/CWT/DCE)") != NULL ||
	    strstr(rcvd, "iPlanet Messaging Server") != NULL)
		return 1;
	return 0;
}

/* subject_is_all_caps: a subject of several words, all capitals */
static int
vg_sa_subject_all_caps(struct vg_sactx *c, const struct vg_evalargs *a)
{
	static const char *const pfx[] = {
	    "Re", "Fwd", "Fw", "Aw", "Antwort", "WG", "SV", "VB", "VS", "VL"};
	static const char *const fp[] = {"koi", "jp", "jis", "euc", "gb",
	    "big5", "isoir", "cp1251", "windows-1251", "georgianps", "pt154",
	    "tis"};
	const char *s = vg_sactx_header(c, "Subject", false, 0), *raw, *e;
	size_t i, letters = 0;
	bool again = true, lower = false, space = false;

	(void)a;
	/* SpamAssassin joins repeated Subjects with a line end; that
	 * subject has a blank, so only its letters decide below. */
	if (s == NULL)
		return 0;
	for (i = 1; vg_sactx_header(c, "Subject", false, i) != NULL; i++)
		for (const char *p = vg_sactx_header(c, "Subject", false, i);
		     *p != '\0'; p++)
			if (islower((unsigned char)*p))
				return 0;
	while (isspace((unsigned char)*s))
		s++;
	while (again) {
		again = false;
		for (i = 0; i < VG_NELEM(pfx); i++) {
			size_t n = strlen(pfx[i]);

			if (strncasecmp(s, pfx[i], n) == 0 && s[n] == ':') {
				s += n + 1;
				while (isspace((unsigned char)*s))
					s++;
				again = true;
			}
		}
	}
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (e - s < 10)
		return 0;
	for (const char *p = s; p < e; p++) {
		if (isspace((unsigned char)*p))
			space = true;
		if (isupper((unsigned char)*p))
			letters++;
		else if (islower((unsigned char)*p))
			lower = true, letters++;
	}
	if (!space || letters == 0 || lower)
		return 0;
	raw = vg_sactx_header(c, "Subject", true, 0);
	for (const char *p = raw; p != NULL && (p = strstr(p, "=?")) != NULL;
	     p += 2) {
		size_t n = strcspn(p + 2, "?");

		for (i = 0; i < VG_NELEM(fp); i++) {
			/* [-_a-z0-9]*(?:koi|...)...: a listed name inside */
			char cs[64];

			if (n >= sizeof(cs))
				continue;
			memcpy(cs, p + 2, n);
			cs[n] = '\0';
			for (size_t k = 0; k < n; k++)
				cs[k] = (char)tolower((unsigned char)cs[k]);
			if (strstr(cs, fp[i]) != NULL)
				return 0;
		}
	}
	return 1;
}

/* vg_first_addr - the first address of header name, lower case, or "" */
static void
vg_first_addr(
    const struct vg_sactx *c, const char *name, char *out, size_t size)
{
	struct vg_buf b;
	const char *v;

	out[0] = '\0';
	if (strcmp(name, "EnvelopeFrom") == 0) {
		v = c->msg != NULL ? vg_msg_from(c->msg) : "";
		snprintf(out, size, "%s", v);
	} else if ((v = vg_sactx_header(c, name, false, 0)) != NULL) {
		vg_buf_init(&b, size);
		if (vg_hdr_addr(&b, v, strlen(v), 0, NULL) == 0)
			snprintf(out, size, "%s", vg_buf_cstr(&b));
		vg_buf_fini(&b);
	}
	for (char *p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
}

/* check_for_matching_env_and_hdr_from: envelope sender is the From */
static int
vg_sa_env_hdr_from(struct vg_sactx *c, const struct vg_evalargs *a)
{
	char env[512], from[512];

	(void)a;
	vg_first_addr(c, "EnvelopeFrom", env, sizeof(env));
	vg_first_addr(c, "From", from, sizeof(from));
	return strcmp(env, from) == 0;
}

/* vg_last2 - the domain of addr cut to its last two labels, or NULL */
static const char *
vg_last2(const char *addr)
{
	const char *d = strrchr(addr, '@'), *p;
	int dots = 0;

	if (d == NULL || d[1] == '\0')
		return NULL;
	d++;
	/* s/^.+\.([^.]+\.[^.]+)$/$1/ */
	for (p = d + strlen(d); p > d; p--)
		if (p[-1] == '.' && ++dots == 2)
			return p - 1 > d ? p : d;
	return d;
}

/* check_equal_from_domains: From and envelope in different domains */
static int
vg_sa_equal_from_domains(struct vg_sactx *c, const struct vg_evalargs *a)
{
	char env[512], from[512];
	const char *fd, *ed;

	(void)a;
	vg_first_addr(c, "From", from, sizeof(from));
	vg_first_addr(c, "EnvelopeFrom", env, sizeof(env));
	if ((fd = vg_last2(from)) == NULL || (ed = vg_last2(env)) == NULL)
		return 0;
	return strcasecmp(fd, ed) != 0;
}

/* gated_through_received_hdr_remover: ezmlm, MSN groups, no Received */
static int
vg_sa_gated(struct vg_sactx *c, const struct vg_evalargs *a)
{
	const char *ml = vg_sactx_header(c, "Mailing-List", false, 0);
	const char *rcvd = vg_sactx_header(c, "Received", false, 0);

	(void)a;
	if (ml != NULL && strncmp(ml, "contact ", 8) == 0 &&
	    strstr(ml, "; run by ezmlm") != NULL) {
		const char *dl = vg_sactx_header(c, "Delivered-To", false, 0);

		if (dl != NULL && strncmp(dl, "mailing list ", 13) == 0 &&
		    rcvd != NULL && strstr(rcvd, "qmail ") != NULL &&
		    (strstr(rcvd, " invoked from network); ") != NULL ||
		        strstr(rcvd, " invoked by ") != NULL))
			return 1;
	}
	if (rcvd == NULL)
		return 1;
	return strstr(rcvd, "from groups.msn.com (") != NULL;
}

/* The To/Cc/Bcc addresses, as _check_recipients collects them. */
struct vg_rcpts {
	char a[256][128];
	size_t n;
};

/* vg_rcpts - To and Cc, then Bcc, consecutive repeats dropped */
static void
vg_rcpts_get(const struct vg_sactx *c, struct vg_rcpts *r)
{
	static const char *const names[] = {"To", "Cc", "Bcc"};
	char prev[128] = "";
	struct vg_buf b;
	size_t i, k, m, inputs = 0;
	const char *v;

	r->n = 0;
	vg_buf_init(&b, 128);
	for (i = 0; i < 3; i++) {
		if (i == 2 && inputs >= 5)
			break; /* ToCc gave TOCC_SIMILAR_COUNT */
		for (k = 0;
		     (v = vg_sactx_header(c, names[i], false, k)) != NULL; k++)
			for (m = 0; r->n < 256; m++) {
				bool found = false;

				vg_buf_reset(&b);
				if (vg_hdr_addr(&b, v, strlen(v), m, &found) !=
				        0 ||
				    !found)
					break;
				inputs++;
				if (b.len == 0 ||
				    strcasecmp(vg_buf_cstr(&b), prev) == 0)
					continue;
				snprintf(
				    prev, sizeof(prev), "%s", vg_buf_cstr(&b));
				snprintf(
				    r->a[r->n++], sizeof(r->a[0]), "%s", prev);
			}
	}
	vg_buf_fini(&b);
}

/* sorted_recipients: seven or more recipients, in sorted order */
static int
vg_sa_sorted_rcpts(struct vg_sactx *c, const struct vg_evalargs *a)
{
	struct vg_rcpts *r = vg_calloc(1, sizeof(*r));
	size_t i;
	int hit;

	(void)a;
	if (r == NULL)
		return 0;
	vg_rcpts_get(c, r);
	hit = r->n >= 7;
	for (i = 1; hit && i < r->n; i++)
		if (strcmp(r->a[i - 1], r->a[i]) > 0)
			hit = 0;
	vg_free(r);
	return hit;
}

/* similar_recipients(MIN, MAX): share of look-alike recipient pairs */
static int
vg_sa_similar_rcpts(struct vg_sactx *c, const struct vg_evalargs *a)
{
	struct vg_rcpts *r = vg_calloc(1, sizeof(*r));
	double sim = 0, hits = 0, comb = 0;
	size_t i, j;

	if (r == NULL)
		return 0;
	vg_rcpts_get(c, r);
	if (r->n >= 5) {
		for (i = 0; i < r->n; i++)
			for (j = i + 1; j < r->n; j++) {
				const char *hi = strchr(r->a[i], '@');
				const char *hj = strchr(r->a[j], '@');

				if (strncmp(r->a[i], r->a[j], 2) == 0)
					hits++;
				hi = hi != NULL ? hi + 1 : "";
				hj = hj != NULL ? hj + 1 : "";
				if (strncmp(hi, hj, 2) == 0 &&
				    strcmp(hi, hj) != 0)
					hits++;
				comb++;
			}
		sim = hits / comb;
	}
	vg_free(r);
	return (isnan(a->num[0]) || sim >= a->num[0]) &&
	    (isnan(a->num[1]) || sim < a->num[1]);
}

static int
vg_sa_prep_undef2(struct vg_evalargs *a, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; i < 2; i++)
		if (isnan(a->num[i]) && strcmp(a->str[i], "undef") != 0) {
			snprintf(why, whylen, "eval: '%s' is not a number",
			    a->str[i]);
			return VG_ECONFIG;
		}
	return 0;
}

/* vg_end - s is at its end (Perl's $: the end or a final line end) */
static bool
vg_end(const char *s)
{
	return *s == '\0' || (s[0] == '\n' && s[1] == '\0');
}

/* vg_eat - s starts with w (case-insensitive unless cs): what follows */
static const char *
vg_eat(const char *s, const char *w, bool cs)
{
	size_t n = strlen(w);

	if ((cs ? strncmp(s, w, n) : strncasecmp(s, w, n)) != 0)
		return NULL;
	return s + n;
}

/* check_for_to_in_subject('user'|'address'): the To is in the Subject */
static int
vg_sa_to_in_subject(struct vg_sactx *c, const struct vg_evalargs *a)
{
	char to[512];
	const char *subj = vg_sactx_header(c, "Subject", false, 0), *p, *q;
	char *at;

	vg_first_addr(c, "To", to, sizeof(to));
	if (to[0] == '\0' || subj == NULL)
		return 0;
	if (a->sel == 1) {
		/* \bADDRESS\b, any case */
		size_t n = strlen(to);

		for (p = subj; *p != '\0'; p++)
			if (strncasecmp(p, to, n) == 0 &&
			    (p == subj ||
			        !(isalnum((unsigned char)p[-1]) ||
			            p[-1] == '_') ||
			        !(isalnum((unsigned char)to[0]) ||
			            to[0] == '_')) &&
			    (!(isalnum((unsigned char)p[n]) || p[n] == '_') ||
			        !(isalnum((unsigned char)to[n - 1]) ||
			            to[n - 1] == '_')))
				return 1;
		return 0;
	}
	if ((at = strchr(to, '@')) != NULL)
		*at = '\0';
	/* ^(?:re|fw):\s*(?:\w+\s+)?USER$ */
	if ((p = vg_eat(subj, "re:", false)) != NULL ||
	    (p = vg_eat(subj, "fw:", false)) != NULL) {
		while (isspace((unsigned char)*p))
			p++;
		if ((q = vg_eat(p, to, false)) != NULL && vg_end(q))
			return 1;
		for (q = p; isalnum((unsigned char)*q) || *q == '_'; q++)
			;
		if (q > p && isspace((unsigned char)*q)) {
			while (isspace((unsigned char)*q))
				q++;
			if ((q = vg_eat(q, to, false)) != NULL && vg_end(q))
				return 1;
		}
	}
	/* ^USER\s*[,:;!?-](?:$|\s), USER in its own case */
	if ((p = vg_eat(subj, to, true)) != NULL) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '\0' && strchr(",:;!?-", *p) != NULL &&
		    (vg_end(p + 1) || isspace((unsigned char)p[1])))
			return 1;
	}
	/* ^USER$ */
	if ((p = vg_eat(subj, to, false)) != NULL && vg_end(p))
		return 1;
	/* ^,\s*USER[,:;!?-]$ */
	if (subj[0] == ',') {
		for (p = subj + 1; isspace((unsigned char)*p); p++)
			;
		if ((p = vg_eat(p, to, false)) != NULL && *p != '\0' &&
		    strchr(",:;!?-", *p) != NULL && vg_end(p + 1))
			return 1;
	}
	return 0;
}

static int
vg_sa_prep_to_in_subject(struct vg_evalargs *a, char *why, size_t whylen)
{
	if (strcmp(a->str[0], "user") == 0)
		a->sel = 0;
	else if (strcmp(a->str[0], "address") == 0)
		a->sel = 1;
	else {
		snprintf(why, whylen, "eval: want 'user' or 'address'");
		return VG_ECONFIG;
	}
	return 0;
}

const struct vg_evalfn vg_sa_headereval[] = {
    {.name = "check_for_to_in_subject",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .min_args = 1,
        .max_args = 1,
        .prepare = vg_sa_prep_to_in_subject,
        .run = vg_sa_to_in_subject},
    {.name = "check_for_matching_env_and_hdr_from",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_env_hdr_from},
    {.name = "check_equal_from_domains",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_equal_from_domains},
    {.name = "gated_through_received_hdr_remover",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_gated},
    {.name = "sorted_recipients",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_sorted_rcpts},
    {.name = "similar_recipients",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .min_args = 2,
        .max_args = 2,
        .prepare = vg_sa_prep_undef2,
        .run = vg_sa_similar_rcpts},
    {.name = "check_for_missing_to_header",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_missing_to},
    {.name = "check_header_count_range",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .min_args = 3,
        .max_args = 3,
        .prepare = vg_sa_prep_range,
        .run = vg_sa_header_count_range},
    {.name = "check_illegal_chars",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .min_args = 3,
        .max_args = 3,
        .prepare = vg_sa_prep_illegal,
        .run = vg_sa_illegal_chars},
    {.name = "check_for_unique_subject_id",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_never},
    {.name = "check_for_faraway_charset_in_headers",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_never},
    {.name = "check_unresolved_template",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_unresolved_template},
    {.name = "check_ratware_name_id",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_ratware_name_id},
    {.name = "check_messageid_not_usable",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_messageid_not_usable},
    {.name = "subject_is_all_caps",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_subject_all_caps},
    {.name = NULL},
};
