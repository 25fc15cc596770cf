/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * arc - validate a message's ARC chain (see arc.h).
 *
 * The ARC fields are found in the header index the DKIM code builds;
 * each ARC-Seal and ARC-Message-Signature is parsed by the DKIM parser
 * with ARC's tag rules, which also gives its instance, so the structure
 * checks of RFC 8617 5.2 need no crypto and run first: a chain that is
 * broken there costs no hashing and no DNS.  Then every AMS is prepared
 * as a DKIM signature (body hash shared through one cache, its h=
 * fields bottom up, itself with b= emptied) and every AS over the fields
 * 5.1.1 lists: for i = 1..k the ARC-Authentication-Results, the
 * ARC-Message-Signature and the ARC-Seal of set i, except that set k's
 * own seal comes last with b= emptied and without its CRLF.  Key slot 2j
 * is the AMS of instance j+1, slot 2j+1 its AS.
 */
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/str.h"
#include "net/arc.h"
#include "net/dkim_int.h"
#include "net/dmarc.h"

#define NONE_FIELD SIZE_MAX

/* One ARC set, index instance - 1. */
struct arc_set {
	size_t aar, ams, as; /* field indexes, NONE_FIELD when missing */
	enum vg_dkim_cv cv;  /* the seal's cv= */
	char d[VG_DKIM_NAME_MAX + 1]; /* the seal's d=: the sealer */
	struct vg_dkim_entry e_ams, e_as;
};

struct vg_arc_msg {
	bool decided; /* the structure decided: result below is final */
	enum vg_arc_result result;
	char reason[VG_ARC_REASON_MAX];
	unsigned n; /* sets */
	struct arc_set *set;
	char *aar; /* the newest set's ARC-Authentication-Results value */
	size_t aarlen;
};

/* vg_arc_result_name - the RFC 8601 word */
const char *
vg_arc_result_name(enum vg_arc_result r)
{
	switch (r) {
	case VG_ARC_NONE:
		return "none";
	case VG_ARC_PASS:
		return "pass";
	case VG_ARC_FAIL:
		return "fail";
	case VG_ARC_TEMPERROR:
		return "temperror";
	}
	return "fail";
}

/* decide - the chain's result without crypto, with a reason */
static void VG_PRINTF(3, 4)
    decide(struct vg_arc_msg *m, enum vg_arc_result r, const char *fmt, ...)
{
	va_list ap;

	m->decided = true;
	m->result = r;
	va_start(ap, fmt);
	(void)vg_str_vfmt(m->reason, sizeof(m->reason), fmt, ap);
	va_end(ap);
}

/* field_value - the value of field f: after its colon */
static const char *
field_value(
    const unsigned char *raw, const struct vg_dkim_field *f, size_t *len_out)
{
	const char *v = (const char *)raw + f->off;
	size_t vstart = f->nlen;

	while (vstart < f->len && v[vstart] != ':')
		vstart++;
	if (vstart < f->len)
		vstart++;
	*len_out = f->len - vstart;
	return v + vstart;
}

/* is_fws - FWS as it appears in a raw field */
static inline bool
is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * aar_instance - the instance of an ARC-Authentication-Results value
 * ("i=N;" first, RFC 8617 4.1.1), 0 when it has none
 */
static unsigned
aar_instance(const char *v, size_t len)
{
	size_t p = 0;
	unsigned n = 0, digits = 0;

	while (p < len && is_fws(v[p]))
		p++;
	if (p >= len || (v[p] != 'i' && v[p] != 'I'))
		return 0;
	p++;
	while (p < len && is_fws(v[p]))
		p++;
	if (p >= len || v[p] != '=')
		return 0;
	p++;
	while (p < len && is_fws(v[p]))
		p++;
	while (p < len && v[p] >= '0' && v[p] <= '9' && digits < 3) {
		n = n * 10 + (unsigned)(v[p++] - '0');
		digits++;
	}
	while (p < len && is_fws(v[p]))
		p++;
	if (digits == 0 || digits > 2 || p >= len || v[p] != ';' || n < 1 ||
	    n > VG_DKIM_ARC_MAX_INSTANCE)
		return 0;
	return n;
}

/*
 * place - record field j as kind (0 AAR, 1 AMS, 2 AS) of its instance;
 * false (m decided) when the instance already has one
 */
static bool
place(struct vg_arc_msg *m, unsigned inst, int kind, size_t j)
{
	static const char *const names[] = {
	    "ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal"};
	struct arc_set *s = &m->set[inst - 1];
	size_t *slot = kind == 0 ? &s->aar : kind == 1 ? &s->ams : &s->as;

	if (*slot != NONE_FIELD) {
		decide(m, VG_ARC_FAIL, "two %s fields for i=%u", names[kind],
		    inst);
		return false;
	}
	*slot = j;
	if (inst > m->n)
		m->n = inst;
	return true;
}

/*
 * structure - find and parse the ARC fields, and check the chain's
 * structure (RFC 8617 5.2 steps 1-3); leaves m decided unless the chain
 * must be verified.  VG_ENOMEM.
 */
static int
structure(struct vg_arc_msg *m, const unsigned char *raw,
    const struct vg_dkim_field *f, size_t nf, const struct vg_arc_limits *lim)
{
	static const struct {
		const char *name;
		size_t len;
	} kinds[] = {{"ARC-Authentication-Results", 26},
	    {"ARC-Message-Signature", 21}, {"ARC-Seal", 8}};
	size_t count = 0, max_sets = lim->max_sets;
	char why[VG_DKIM_REASON_MAX];

	if (max_sets > VG_DKIM_ARC_MAX_INSTANCE)
		max_sets = VG_DKIM_ARC_MAX_INSTANCE;
	for (size_t j = 0; j < nf; j++)
		for (int k = 0; k < 3; k++)
			if (vg_dkim_field_is(
			        raw, &f[j], kinds[k].name, kinds[k].len))
				count++;
	if (count == 0) {
		decide(m, VG_ARC_NONE, "%s", "");
		return 0;
	}
	if (count > 3 * max_sets) {
		decide(m, VG_ARC_FAIL, "more than arc_max_sets (%zu) sets",
		    max_sets);
		return 0;
	}
	if ((m->set = vg_calloc(max_sets, sizeof(*m->set))) == NULL)
		return VG_ENOMEM;
	for (size_t i = 0; i < max_sets; i++)
		m->set[i].aar = m->set[i].ams = m->set[i].as = NONE_FIELD;
	for (size_t j = 0; j < nf; j++) {
		struct vg_dkim_sig *sig = NULL;
		const char *v;
		size_t vlen;
		unsigned inst;
		int k;

		for (k = 0; k < 3; k++)
			if (vg_dkim_field_is(
			        raw, &f[j], kinds[k].name, kinds[k].len))
				break;
		if (k == 3)
			continue;
		v = field_value(raw, &f[j], &vlen);
		if (vlen > VG_DKIM_SIG_MAX) {
			decide(m, VG_ARC_FAIL, "%s longer than %u bytes",
			    kinds[k].name, VG_DKIM_SIG_MAX);
			return 0;
		}
		if (k == 0) {
			if ((inst = aar_instance(v, vlen)) == 0) {
				decide(m, VG_ARC_FAIL,
				    "ARC-Authentication-Results without a "
				    "valid i=");
				return 0;
			}
		} else {
			/*
			 * Parsed here for its instance; parsed again by
			 * vg_dkim_entry_prepare() for the verification.
			 */
			if ((sig = vg_malloc(sizeof(*sig))) == NULL)
				return VG_ENOMEM;
			if (vg_dkim_sig_parse_kind(sig,
			        k == 1 ? VG_DKIM_KIND_AMS : VG_DKIM_KIND_AS, v,
			        vlen, why, sizeof(why)) != 0) {
				vg_free(sig);
				decide(m, VG_ARC_FAIL, "malformed %s: %s",
				    kinds[k].name, why);
				return 0;
			}
			inst = sig->instance;
		}
		if (inst > max_sets) {
			vg_free(sig);
			decide(m, VG_ARC_FAIL,
			    "more than arc_max_sets (%zu) sets", max_sets);
			return 0;
		}
		if (!place(m, inst, k, j)) {
			vg_free(sig);
			return 0;
		}
		if (k == 2) {
			m->set[inst - 1].cv = sig->cv;
			memcpy(m->set[inst - 1].d, sig->d, sizeof(sig->d));
		}
		vg_free(sig);
	}
	for (unsigned i = 0; i < m->n; i++) {
		const struct arc_set *s = &m->set[i];

		if (s->aar == NONE_FIELD || s->ams == NONE_FIELD ||
		    s->as == NONE_FIELD) {
			decide(m, VG_ARC_FAIL, "set i=%u is incomplete", i + 1);
			return 0;
		}
	}
	return 0;
}

/*
 * check_cv - RFC 8617 5.2 steps 2 and 3c on the parsed seals: the
 * newest is not cv=fail, i=1 is cv=none, the others cv=pass
 */
static void
check_cv(struct vg_arc_msg *m)
{
	for (unsigned i = m->n; i-- > 0;) {
		enum vg_dkim_cv cv = m->set[i].cv;

		if (cv == VG_DKIM_CV_FAIL) {
			decide(m, VG_ARC_FAIL, "i=%u has cv=fail", i + 1);
			return;
		}
		if ((i == 0) != (cv == VG_DKIM_CV_NONE)) {
			decide(m, VG_ARC_FAIL, "i=%u has cv=%s", i + 1,
			    cv == VG_DKIM_CV_NONE ? "none" : "pass");
			return;
		}
	}
}

/* copy_aar - keep the newest set's ARC-Authentication-Results value */
static int
copy_aar(struct vg_arc_msg *m, const unsigned char *raw,
    const struct vg_dkim_field *f)
{
	size_t len;
	const char *v = field_value(raw, &f[m->set[m->n - 1].aar], &len);

	if ((m->aar = vg_malloc(len + 1)) == NULL)
		return VG_ENOMEM;
	memcpy(m->aar, v, len);
	m->aar[len] = '\0';
	m->aarlen = len;
	return 0;
}

/* vg_arc_prepare - check the structure, hash the signatures */
int
vg_arc_prepare(struct vg_arc_msg **out, const unsigned char *raw, size_t len,
    size_t body_off, const struct vg_arc_limits *lim, uint64_t now)
{
	struct vg_dkim_limits dl = {.max_signatures = 0,
	    .max_body_size = lim->max_body_size,
	    .max_fields = lim->max_fields};
	struct vg_dkim_body_hash cache[2] = {{0}};
	struct vg_arc_msg *m;
	struct vg_dkim_field *f = NULL;
	size_t *pick = NULL, nf = 0;
	bool over = false;
	int rc;

	*out = NULL;
	if (body_off > len)
		body_off = len;
	if ((m = vg_calloc(1, sizeof(*m))) == NULL)
		return VG_ENOMEM;
	rc = vg_dkim_index_fields(
	    &f, &nf, &over, raw, body_off, lim->max_fields);
	if (rc != 0 || (rc = structure(m, raw, f, nf, lim)) != 0)
		goto out;
	/*
	 * Past max_fields, sets may be among the fields not seen: the
	 * chain fails, as DKIM's signatures do.
	 */
	if (over && !(m->decided && m->result == VG_ARC_NONE))
		decide(m, VG_ARC_FAIL, "more than %zu header fields",
		    lim->max_fields);
	if (m->decided)
		goto done;
	check_cv(m);
	if (m->decided)
		goto done;
	if ((rc = copy_aar(m, raw, f)) != 0)
		goto out;
	if ((pick = vg_calloc(3 * (size_t)m->n, sizeof(*pick))) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < m->n; i++) {
		struct arc_set *s = &m->set[i];

		rc = vg_dkim_entry_prepare(&s->e_ams, VG_DKIM_KIND_AMS, raw, f,
		    nf, s->ams, NULL, 0, false, cache, raw + body_off,
		    len - body_off, &dl, now);
		if (rc != 0)
			goto out;
		/* 5.1.1: sets 1..i-1 whole, then set i's AAR and AMS. */
		pick[3 * i] = s->aar;
		pick[3 * i + 1] = s->ams;
		rc = vg_dkim_entry_prepare(&s->e_as, VG_DKIM_KIND_AS, raw, f,
		    nf, s->as, pick, 3 * (size_t)i + 2, false, cache, NULL, 0,
		    &dl, now);
		if (rc != 0)
			goto out;
		pick[3 * i + 2] = s->as;
	}
done:
	*out = m;
	m = NULL;
out:
	vg_free(pick);
	vg_free(f);
	vg_arc_msg_free(m);
	return rc;
}

/* vg_arc_msg_free - free */
void
vg_arc_msg_free(struct vg_arc_msg *m)
{
	if (m == NULL)
		return;
	vg_free(m->set);
	vg_free(m->aar);
	vg_free(m);
}

/* vg_arc_nkeys - key slots */
size_t
vg_arc_nkeys(const struct vg_arc_msg *m)
{
	return m->decided ? 0 : 2 * (size_t)m->n;
}

/* slot - key slot k's entry, or NULL */
static struct vg_dkim_entry *
slot(const struct vg_arc_msg *m, size_t k)
{
	if (k >= vg_arc_nkeys(m))
		return NULL;
	return k % 2 == 0 ? &m->set[k / 2].e_ams : &m->set[k / 2].e_as;
}

/* vg_arc_key_name - the key's DNS name, or NULL */
const char *
vg_arc_key_name(const struct vg_arc_msg *m, size_t k)
{
	const struct vg_dkim_entry *e = slot(m, k);

	return e != NULL && e->pending ? e->keyname : NULL;
}

/* vg_arc_key - finish slot k with its key record */
int
vg_arc_key(struct vg_arc_msg *m, size_t k, const char *txt, size_t len)
{
	struct vg_dkim_entry *e = slot(m, k);

	return e != NULL ? vg_dkim_entry_key(e, txt, len) : 0;
}

/* vg_arc_key_missing - finish slot k without a key */
void
vg_arc_key_missing(
    struct vg_arc_msg *m, size_t k, bool temporary, const char *why)
{
	struct vg_dkim_entry *e = slot(m, k);

	if (e != NULL)
		vg_dkim_entry_missing(e, temporary, why);
}

/*
 * judge - what one required signature says: 0 pass, 1 temperror (or
 * still pending: the caller gave up on its key), 2 fail
 */
static int
judge(const struct vg_dkim_entry *e)
{
	if (e->pending)
		return 1;
	switch (e->out.result) {
	case VG_DKIM_PASS:
		return 0;
	case VG_DKIM_TEMPERROR:
		return 1;
	case VG_DKIM_FAIL:
	case VG_DKIM_POLICY:
	case VG_DKIM_PERMERROR:
		return 2;
	}
	return 2;
}

/* vg_arc_outcome - the chain's result (RFC 8617 5.2 steps 4-7) */
void
vg_arc_outcome(struct vg_arc_outcome *out, const struct vg_arc_msg *m)
{
	const struct vg_dkim_entry *temp = NULL;
	unsigned n = m->n;
	int j;

	memset(out, 0, sizeof(*out));
	out->sets = m->result == VG_ARC_NONE && m->decided ? 0 : n;
	if (m->decided) {
		out->result = m->result;
		(void)vg_str_fmt(
		    out->reason, sizeof(out->reason), "%s", m->reason);
		return;
	}
	/* Step 4: the newest AMS. */
	j = judge(&m->set[n - 1].e_ams);
	if (j == 2) {
		out->result = VG_ARC_FAIL;
		(void)vg_str_fmt(out->reason, sizeof(out->reason),
		    "ARC-Message-Signature i=%u: %s", n,
		    m->set[n - 1].e_ams.out.reason);
		return;
	}
	if (j == 1)
		temp = &m->set[n - 1].e_ams;
	/* Step 6: every seal, newest first. */
	for (unsigned i = n; i-- > 0;) {
		const struct vg_dkim_entry *e = &m->set[i].e_as;

		j = judge(e);
		if (j == 2) {
			out->result = VG_ARC_FAIL;
			(void)vg_str_fmt(out->reason, sizeof(out->reason),
			    "ARC-Seal i=%u: %s", i + 1, e->out.reason);
			return;
		}
		if (j == 1 && temp == NULL)
			temp = e;
	}
	if (temp != NULL) {
		out->result = VG_ARC_TEMPERROR;
		(void)vg_str_fmt(out->reason, sizeof(out->reason), "%s",
		    temp->pending ? "key lookup not finished"
		                  : temp->out.reason);
		return;
	}
	/* Step 5: oldest-pass, walking down while the AMS verify. */
	out->result = VG_ARC_PASS;
	out->oldest_pass = n;
	while (out->oldest_pass > 1 &&
	    judge(&m->set[out->oldest_pass - 2].e_ams) == 0)
		out->oldest_pass--;
	if (out->oldest_pass == 1)
		out->oldest_pass = 0;
}

/* vg_arc_sealer - the d= of instance i's seal */
const char *
vg_arc_sealer(const struct vg_arc_msg *m, unsigned i)
{
	if (m->set == NULL || i < 1 || i > m->n)
		return "";
	return m->set[i - 1].d;
}

/* is_token - a byte of a method, result, property or bare value */
static inline bool
is_token(char c)
{
	return c > ' ' && c < 0x7f && c != ';' && c != '(' && c != ')' &&
	    c != '=' && c != '"';
}

/*
 * uncomment - aar[0..len) into out (size bytes) with comments removed,
 * quoted strings kept; false when it does not fit
 */
static bool
uncomment(char *out, size_t size, const char *aar, size_t len)
{
	size_t n = 0, depth = 0;
	bool quoted = false;

	for (size_t i = 0; i < len; i++) {
		char c = aar[i];

		if (quoted) {
			if (c == '\\' && i + 1 < len) {
				if (n + 2 >= size)
					return false;
				out[n++] = c;
				c = aar[++i];
			} else if (c == '"') {
				quoted = false;
			}
		} else if (depth > 0) {
			if (c == '\\' && i + 1 < len)
				i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			continue;
		} else if (c == '(') {
			depth++;
			c = ' ';
		} else if (c == '"') {
			quoted = true;
		}
		if (n + 1 >= size)
			return false;
		out[n++] = is_fws(c) ? ' ' : c;
	}
	out[n] = '\0';
	return true;
}

/*
 * next_pair - the next "key = value" of a resinfo at *p (value a token
 * or a quoted string, quotes kept); false at the end or on junk
 */
static bool
next_pair(const char **p, const char **key, size_t *klen, const char **val,
    size_t *vlen)
{
	const char *s = *p;

	while (*s == ' ')
		s++;
	*key = s;
	while (is_token(*s))
		s++;
	*klen = (size_t)(s - *key);
	while (*s == ' ')
		s++;
	if (*klen == 0 || *s != '=')
		return false;
	s++;
	while (*s == ' ')
		s++;
	*val = s;
	if (*s == '"') {
		for (s++; *s != '\0' && *s != '"'; s++)
			if (*s == '\\' && s[1] != '\0')
				s++;
		if (*s == '"')
			s++;
	} else {
		while (is_token(*s))
			s++;
	}
	*vlen = (size_t)(s - *val);
	*p = s;
	return *vlen > 0;
}

/* word_is - s[0..n) is word, without case */
static bool
word_is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(s, word, n) == 0;
}

/*
 * aligned_value - the domain in v[0..n) (after its last '@', quotes
 * removed) is aligned with from (relaxed)
 */
static bool
aligned_value(const char *v, size_t n, const char *from)
{
	char dom[VG_DKIM_NAME_MAX + 1];
	const char *at;

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	for (at = v + n; at > v && at[-1] != '@'; at--)
		;
	n -= (size_t)(at - v);
	if (n == 0 || n >= sizeof(dom))
		return false;
	memcpy(dom, at, n);
	dom[n] = '\0';
	return vg_dmarc_aligned(dom, from, false);
}

/*
 * resinfo_vouches - one resinfo ("method=result prop=value ...") is a
 * dkim, spf or dmarc pass for a domain aligned with from
 */
static const char *
resinfo_vouches(const char *s, const char *from)
{
	const char *key, *val, *method = NULL;
	size_t klen, vlen;

	if (!next_pair(&s, &key, &klen, &val, &vlen) ||
	    !word_is(val, vlen, "pass"))
		return NULL;
	/* A method may carry a version ("dkim/1"). */
	for (size_t i = 0; i < klen; i++)
		if (key[i] == '/')
			klen = i;
	if (word_is(key, klen, "dkim"))
		method = "dkim";
	else if (word_is(key, klen, "spf"))
		method = "spf";
	else if (word_is(key, klen, "dmarc"))
		method = "dmarc";
	else
		return NULL;
	while (next_pair(&s, &key, &klen, &val, &vlen)) {
		bool prop = false;

		if (method[1] == 'k')
			prop = word_is(key, klen, "header.d") ||
			    word_is(key, klen, "header.i");
		else if (method[1] == 'p')
			prop = word_is(key, klen, "smtp.mailfrom");
		else
			prop = word_is(key, klen, "header.from");
		if (prop && aligned_value(val, vlen, from))
			return method;
	}
	return NULL;
}

/* vg_arc_aar_vouches - one AAR reports an aligned pass */
const char *
vg_arc_aar_vouches(const char *aar, size_t len, const char *from_domain)
{
	char *text, *p;
	const char *found = NULL;
	size_t field = 0;

	if (from_domain == NULL || from_domain[0] == '\0' ||
	    len > VG_DKIM_SIG_MAX || (text = vg_malloc(len + 1)) == NULL)
		return NULL;
	if (!uncomment(text, len + 1, aar, len))
		goto out;
	/* "i=N; authserv-id [version]; resinfo; resinfo ..." */
	p = text;
	while (*p != '\0' && found == NULL) {
		char *end = p;
		bool quoted = false;

		for (; *end != '\0' && (quoted || *end != ';'); end++) {
			if (*end == '\\' && quoted && end[1] != '\0')
				end++;
			else if (*end == '"')
				quoted = !quoted;
		}
		if (field >= 2) {
			char save = *end;

			*end = '\0';
			found = resinfo_vouches(p, from_domain);
			*end = save;
		}
		field++;
		p = *end == ';' ? end + 1 : end;
	}
out:
	vg_free(text);
	return found;
}

/* vg_arc_vouches - the newest AAR reports an aligned pass */
const char *
vg_arc_vouches(const struct vg_arc_msg *m, const char *from_domain)
{
	if (m->aar == NULL)
		return NULL;
	return vg_arc_aar_vouches(m->aar, m->aarlen, from_domain);
}
