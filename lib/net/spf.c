/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * spf.c - libspf2 behind Vigil's DNS layer (see spf.h).
 *
 * libspf2 asks its DNS layer synchronously, one lookup at a time, through
 * SPF_dns_server_t.lookup.  Each evaluation gets its own SPF_dns_server_t
 * on the stack whose hook points at a struct spf_ctx: the resolver and the
 * deadline (or a zone), and the counters that enforce the limits libspf2
 * lacks.  The lookup submits to net/dns.c and waits up to the deadline, so
 * a dead server costs at most the deadline and the result is temperror.
 * Limits that libspf2 cannot be told about are recorded in the context and
 * applied to the result after libspf2 returns: libspf2 has no way for a
 * DNS layer to say "permerror", so the layer answers "no such name" to end
 * the evaluation quickly, and the flag overrides whatever libspf2 made of
 * it.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "base/alloc.h"
#include "net/dns.h"
#include "base/err.h"
#include "base/log.h"
#include "base/sanitize.h"
#include "net/spf.h"

struct spf_zone_rr {
	char *name;          /* lower case, no trailing dot */
	int type;            /* ns_t_*, or 0 for TIMEOUT */
	unsigned char *data; /* A/AAAA raw, else text + NUL */
	size_t len;
	unsigned pref;
};

struct vg_spf_zone {
	struct spf_zone_rr *rr;
	size_t n, cap;
};

/* exp= targets remembered per evaluation; more are stripped. */
#define SPF_EXP_DOMS 4

struct spf_ctx {
	struct vg_dns *dns;
	uint64_t deadline_ms;
	const struct vg_spf_zone *zone;
	unsigned queries, voids;
	bool over_queries, over_voids, bad_record, timed_out, temp;
	const char *bad_why; /* why a record was refused, static */
	/* Literal exp= domains of the records handed over (see spf_exp). */
	char exp_dom[SPF_EXP_DOMS][VG_DNS_NAME_MAX + 1];
	unsigned nexp;
};

static pthread_once_t spf_once = PTHREAD_ONCE_INIT;

/* spf_log_error - libspf2's error handler: a broken libspf2 contract */
static void VG_NORETURN
spf_log_error(const char *file, int line, const char *msg)
{
	vg_panic("libspf2: %s:%d: %s", file != NULL ? file : "?", line,
	    msg != NULL ? msg : "");
}

/* spf_log_warning - libspf2 warnings go to our log, never to stdout */
static void
spf_log_warning(const char *file, int line, const char *msg)
{
	char clean[256];

	(void)file;
	(void)line;
	vg_sanitize_str(clean, sizeof(clean), msg, 0);
	vg_debug("libspf2: %s", clean);
}

/* spf_log_drop - libspf2 info and debug lines are dropped */
static void
spf_log_drop(const char *file, int line, const char *msg)
{
	(void)file;
	(void)line;
	(void)msg;
}

/* spf_init - install libspf2's log handlers, once per process */
static void
spf_init(void)
{
	SPF_error_handler = spf_log_error;
	SPF_warning_handler = spf_log_warning;
	SPF_info_handler = spf_log_drop;
	SPF_debug_handler = spf_log_drop;
}

/* vg_spf_result_name - RFC 8601 spelling of a result */
const char *
vg_spf_result_name(enum vg_spf_result result)
{
	switch (result) {
	case VG_SPF_NONE:
		return "none";
	case VG_SPF_NEUTRAL:
		return "neutral";
	case VG_SPF_PASS:
		return "pass";
	case VG_SPF_FAIL:
		return "fail";
	case VG_SPF_SOFTFAIL:
		return "softfail";
	case VG_SPF_TEMPERROR:
		return "temperror";
	case VG_SPF_PERMERROR:
		return "permerror";
	}
	return "none";
}

/* vg_spf_result_symbol - the symbol a result adds */
const char *
vg_spf_result_symbol(enum vg_spf_result result, bool helo)
{
	switch (result) {
	case VG_SPF_NONE:
		return helo ? "SPF_HELO_NONE" : "SPF_NONE";
	case VG_SPF_NEUTRAL:
		return helo ? "SPF_HELO_NEUTRAL" : "SPF_NEUTRAL";
	case VG_SPF_PASS:
		return helo ? "SPF_HELO_PASS" : "SPF_PASS";
	case VG_SPF_FAIL:
		return helo ? "SPF_HELO_FAIL" : "SPF_FAIL";
	case VG_SPF_SOFTFAIL:
		return helo ? "SPF_HELO_SOFTFAIL" : "SPF_SOFTFAIL";
	case VG_SPF_TEMPERROR:
		return helo ? "SPF_HELO_TEMPERROR" : "SPF_TEMPERROR";
	case VG_SPF_PERMERROR:
		return helo ? "SPF_HELO_PERMERROR" : "SPF_PERMERROR";
	}
	return "SPF_NONE";
}

/* vg_spf_result_parse - result from its name, any case */
int
vg_spf_result_parse(enum vg_spf_result *out, const char *name)
{
	static const enum vg_spf_result all[] = {VG_SPF_NONE, VG_SPF_NEUTRAL,
	    VG_SPF_PASS, VG_SPF_FAIL, VG_SPF_SOFTFAIL, VG_SPF_TEMPERROR,
	    VG_SPF_PERMERROR};
	size_t i;

	for (i = 0; i < VG_NELEM(all); i++)
		if (strcasecmp(name, vg_spf_result_name(all[i])) == 0) {
			*out = all[i];
			return VG_OK;
		}
	return VG_EINVAL;
}

/* spf_is_spf_record - does TXT text start with "v=spf1" and a space/end */
static bool
spf_is_spf_record(const unsigned char *p, size_t len)
{
	return len >= 6 && strncasecmp((const char *)p, "v=spf1", 6) == 0 &&
	    (len == 6 || p[6] == ' ');
}

/*
 * spf_exp_fits - could libspf2 compile this text as an explanation within
 * VG_SPF_EXP_BUDGET bytes?  An upper bound: escapes can grow a literal by
 * half, and each '%' may start a new element with a 16-byte overhead.
 */
static bool
spf_exp_fits(const unsigned char *p, size_t len)
{
	size_t i, pct = 0;

	if (len > VG_SPF_EXP_BUDGET)
		return false;
	for (i = 0; i < len; i++)
		if (p[i] == '%')
			pct++;
	return len + len / 2 + 16 * (pct + 1) <= VG_SPF_EXP_BUDGET;
}

static bool spf_rr_add(
    SPF_dns_rr_t *rr, const void *data, size_t len, bool text);

/*
 * spf_exp_fits_record - spf_exp_fits() for an SPF record that libspf2
 * may also take as an explanation: every blank may come out as an
 * element of its own, so blanks count as '%' do.
 */
static bool
spf_exp_fits_record(const unsigned char *p, size_t len)
{
	size_t i, pct = 0;

	if (len > VG_SPF_EXP_BUDGET)
		return false;
	for (i = 0; i < len; i++)
		if (p[i] == '%' || p[i] == ' ')
			pct++;
	return len + len / 2 + 16 * (pct + 1) <= VG_SPF_EXP_BUDGET;
}

/* spf_exp_target - is name the exp= domain of a record handed over */
static bool
spf_exp_target(const struct spf_ctx *ctx, const char *name)
{
	size_t n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		n--;
	for (unsigned i = 0; i < ctx->nexp; i++)
		if (strlen(ctx->exp_dom[i]) == n &&
		    strncasecmp(ctx->exp_dom[i], name, n) == 0)
			return true;
	return false;
}

/*
 * spf_exp - the explanation guard for SPF records.  libspf2 compiles the
 * first TXT record of an exp= domain as an explanation, whatever it says,
 * so an SPF record there is one too, and spf_add_exp()'s check never saw
 * it: a long "v=spf1 ..." record full of macros at the exp= domain
 * smashed libspf2's stack (found by tests/fuzz/fuzz_spf.c, seed
 * crash-exp-is-spf-record).  So the literal exp= domain of every record
 * handed over is remembered, and an SPF record answered for one of them
 * must fit the explanation budget or is left out (the default
 * explanation is used).  An exp= whose domain has macros cannot be
 * known in advance, nor can a fifth one: that modifier is cut out of the
 * record (a copy in *buf; *out and *out_len), so libspf2 uses the default
 * explanation.  false on ENOMEM.
 */
static bool
spf_exp(struct spf_ctx *ctx, const unsigned char *data, size_t len,
    unsigned char **buf, const unsigned char **out, size_t *out_len)
{
	size_t i = 0;

	*out = data;
	*out_len = len;
	while (i < len) {
		size_t start, end;

		while (i < len && data[i] == ' ')
			i++;
		start = i;
		while (i < len && data[i] != ' ')
			i++;
		end = i;
		if (end - start < 4 ||
		    strncasecmp((const char *)data + start, "exp=", 4) != 0)
			continue;
		if (end - start - 4 <= VG_DNS_NAME_MAX &&
		    memchr(data + start + 4, '%', end - start - 4) == NULL &&
		    ctx->nexp < SPF_EXP_DOMS) {
			size_t n = end - start - 4;

			if (n > 0 && data[start + 4 + n - 1] == '.')
				n--;
			memcpy(ctx->exp_dom[ctx->nexp], data + start + 4, n);
			ctx->exp_dom[ctx->nexp++][n] = '\0';
			continue;
		}
		/* Cut " exp=..." out: the copy keeps everything else. */
		if (start > 0)
			start--; /* the blank before it */
		if ((*buf = vg_malloc(len)) == NULL)
			return false;
		memcpy(*buf, data, start);
		memcpy(*buf + start, data + end, len - end);
		*out = *buf;
		*out_len = len - (end - start);
		return true;
	}
	return true;
}

/*
 * spf_add_exp - add a TXT record that is not an SPF record, i.e. a
 * possible explanation.  libspf2 1.2.10 parses an explanation as a
 * macro-string without the spaces that RFC 7208 6.2 allows in it: a space
 * comes out as '%' and stops macro expansion.  Written as the macro "%_"
 * (a space), the text expands as the RFC wants.  Then the budget check
 * above.  false on ENOMEM.
 */
static bool
spf_add_exp(SPF_dns_rr_t *rr, const unsigned char *data, size_t len)
{
	unsigned char *exp;
	size_t i, w = 0;
	bool ok = true;

	if (len > VG_SPF_EXP_BUDGET)
		return true;
	exp = vg_malloc(2 * len + 1);
	if (exp == NULL)
		return false;
	for (i = 0; i < len; i++) {
		if (data[i] == ' ') {
			exp[w++] = '%';
			exp[w++] = '_';
		} else
			exp[w++] = data[i];
	}
	if (spf_exp_fits(exp, w))
		ok = spf_rr_add(rr, exp, w, true);
	vg_free(exp);
	return ok;
}

/* spf_rr_add - append one record to an SPF_dns_rr_t; false on ENOMEM */
static bool
spf_rr_add(SPF_dns_rr_t *rr, const void *data, size_t len, bool text)
{
	int i = rr->num_rr;

	if (SPF_dns_rr_buf_realloc(rr, i, len + (text ? 1 : 0)) !=
	    SPF_E_SUCCESS)
		return false;
	memcpy(rr->rr[i], data, len);
	if (text)
		((char *)rr->rr[i])[len] = '\0';
	rr->num_rr = i + 1;
	return true;
}

/*
 * spf_add_record - copy a record of one type into rr, dropping text that
 * could hurt libspf2 (see spf.h GUARDS).
 */
static bool
spf_add_record(struct spf_ctx *ctx, SPF_dns_rr_t *rr, const char *name,
    ns_type type, const unsigned char *data, size_t len)
{
	unsigned char *buf = NULL;
	const unsigned char *rec;
	size_t rlen;
	bool ok;

	switch (type) {
	case ns_t_a:
		return len != sizeof(struct in_addr) ||
		    spf_rr_add(rr, data, len, false);
	case ns_t_aaaa:
		return len != sizeof(struct in6_addr) ||
		    spf_rr_add(rr, data, len, false);
	case ns_t_txt:
	case ns_t_spf:
		/*
		 * libspf2 1.2.10 compiles an explanation (exp=) into a stack
		 * buffer of 4 + 511 bytes without checking its size as it
		 * goes, so a long explanation with macros or escapes
		 * overflows it (found by tests/fuzz/fuzz_spf.c).  Any TXT
		 * that is not an SPF record may become an explanation, so one
		 * whose compiled form could come near that size is not handed
		 * over; the default explanation is used instead.
		 */
		if (!spf_is_spf_record(data, len))
			return spf_add_exp(rr, data, len);
		if (len > VG_SPF_RECORD_MAX) {
			ctx->bad_record = true;
			ctx->bad_why = "record too long";
			return true;
		}
		/*
		 * A NUL inside would silently cut the record in libspf2's C
		 * strings: an SPF record with one is broken (permerror).
		 */
		if (memchr(data, '\0', len) != NULL) {
			ctx->bad_record = true;
			ctx->bad_why = "NUL byte in record";
			return true;
		}
		/* Strict RFC 7208 grammar before libspf2's lenient parser. */
		if (vg_spf_record_check(
		        (const char *)data, len, &ctx->bad_why) != VG_OK) {
			ctx->bad_record = true;
			return true;
		}
		/* At an exp= domain it is an explanation too (spf_exp). */
		if (spf_exp_target(ctx, name) &&
		    !spf_exp_fits_record(data, len))
			return true;
		if (!spf_exp(ctx, data, len, &buf, &rec, &rlen))
			return false;
		ok = spf_rr_add(rr, rec, rlen, true);
		vg_free(buf);
		return ok;
	default:
		/* Host names from MX and PTR: only names we would send. */
		if (len > VG_DNS_NAME_MAX)
			return true;
		return spf_rr_add(rr, data, len, true);
	}
}

/* spf_copy - copy a C string, cut to fit */
static void
spf_copy(char *dst, size_t size, const char *src)
{
	size_t len = strnlen(src, size - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* spf_zone_lookup - the zone's answer for name and type into rr */
static SPF_dns_rr_t *
spf_zone_lookup(
    SPF_dns_server_t *srv, struct spf_ctx *ctx, const char *name, ns_type type)
{
	const struct vg_spf_zone *z = ctx->zone;
	char cur[VG_DNS_NAME_MAX + 2];
	SPF_dns_rr_t *rr;
	bool exists = false, timeout = false;
	size_t i;
	int hops;

	spf_copy(cur, sizeof(cur), name);
	/* Follow CNAMEs, a few hops at most. */
	for (hops = 0; hops < 8; hops++) {
		bool moved = false;

		for (i = 0; i < z->n; i++) {
			if (strcasecmp(z->rr[i].name, cur) != 0)
				continue;
			if (z->rr[i].type == ns_t_cname && type != ns_t_cname) {
				spf_copy(cur, sizeof(cur),
				    (const char *)z->rr[i].data);
				moved = true;
				break;
			}
		}
		if (!moved)
			break;
	}
	rr = SPF_dns_rr_new_init(srv, name, type, 0, NETDB_SUCCESS);
	if (rr == NULL)
		return NULL;
	for (i = 0; i < z->n; i++) {
		const struct spf_zone_rr *r = &z->rr[i];

		if (strcasecmp(r->name, cur) != 0)
			continue;
		exists = true;
		if (r->type == 0)
			timeout = true;
		if (r->type != (int)type)
			continue;
		if (!spf_add_record(ctx, rr, name, type, r->data, r->len)) {
			SPF_dns_rr_free(rr);
			return NULL;
		}
	}
	/*
	 * TIMEOUT, as the conformance suite means it: a query for a type the
	 * name has no records of times out.
	 */
	if (rr->num_rr == 0 && timeout) {
		ctx->timed_out = true;
		rr->herrno = TRY_AGAIN;
	} else if (rr->num_rr == 0)
		rr->herrno = exists ? NO_DATA : HOST_NOT_FOUND;
	return rr;
}

/* spf_net_lookup - lookup through net/dns.c, bounded by the deadline */
static SPF_dns_rr_t *
spf_net_lookup(
    SPF_dns_server_t *srv, struct spf_ctx *ctx, const char *name, ns_type type)
{
	struct vg_dns_query *q = NULL;
	const struct vg_dns_answer *a;
	SPF_dns_rr_t *rr = NULL;
	int herrno = TRY_AGAIN, rc;
	size_t i;

	rc = vg_dns_submit(ctx->dns, &q, name, (enum vg_dns_type)type);
	if (rc == VG_EINVAL)
		return SPF_dns_rr_new_init(srv, name, type, 0, HOST_NOT_FOUND);
	if (rc != VG_OK) {
		ctx->temp = true;
		return SPF_dns_rr_new_init(srv, name, type, 0, TRY_AGAIN);
	}
	if (vg_dns_wait(ctx->dns, q, ctx->deadline_ms) != VG_OK) {
		ctx->timed_out = true;
		goto out;
	}
	a = vg_dns_query_answer(q);
	if (a == NULL)
		goto out;
	switch (a->status) {
	case VG_DNS_OK:
		herrno = NETDB_SUCCESS;
		break;
	case VG_DNS_NODATA:
		herrno = NO_DATA;
		break;
	case VG_DNS_NXDOMAIN:
		herrno = HOST_NOT_FOUND;
		break;
	case VG_DNS_TIMEOUT:
		ctx->timed_out = true;
		herrno = TRY_AGAIN;
		break;
	case VG_DNS_TEMPFAIL:
		ctx->temp = true;
		herrno = TRY_AGAIN;
		break;
	}
	rr = SPF_dns_rr_new_init(srv, name, type, (int)a->ttl, herrno);
	if (rr == NULL || herrno != NETDB_SUCCESS)
		goto out;
	for (i = 0; i < a->n; i++)
		if (!spf_add_record(
		        ctx, rr, name, type, a->rr[i].data, a->rr[i].len)) {
			SPF_dns_rr_free(rr);
			rr = NULL;
			goto out;
		}
	if (rr->num_rr == 0)
		rr->herrno = NO_DATA;
out:
	vg_dns_query_free(q);
	if (rr == NULL)
		rr = SPF_dns_rr_new_init(srv, name, type, 0, herrno);
	return rr;
}

/*
 * spf_lookup - libspf2's SPF_dns_lookup_t: count, check the name, and ask
 * the zone or the resolver.  Returning NULL makes libspf2 treat the lookup
 * as failed.
 */
static SPF_dns_rr_t *
spf_lookup(
    SPF_dns_server_t *srv, const char *domain, ns_type type, int should_cache)
{
	struct spf_ctx *ctx = srv->hook;
	char name[VG_DNS_NAME_MAX + 2];
	size_t len;
	SPF_dns_rr_t *rr;

	(void)should_cache;
	len = domain != NULL ? strlen(domain) : 0;
	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (++ctx->queries > VG_SPF_MAX_QUERIES) {
		ctx->over_queries = true;
		return SPF_dns_rr_new_init(
		    srv, domain, type, 0, HOST_NOT_FOUND);
	}
	if (len == 0 || len > VG_DNS_NAME_MAX) {
		rr = SPF_dns_rr_new_init(srv, domain, type, 0, HOST_NOT_FOUND);
		goto voidcheck;
	}
	memcpy(name, domain, len);
	name[len] = '\0';
	if (!vg_dns_name_valid(name)) {
		rr = SPF_dns_rr_new_init(srv, domain, type, 0, HOST_NOT_FOUND);
		goto voidcheck;
	}
	if (ctx->zone != NULL)
		rr = spf_zone_lookup(srv, ctx, name, type);
	else
		rr = spf_net_lookup(srv, ctx, name, type);
voidcheck:
	/* Void lookups are those of a, mx, ptr and exists (RFC 7208 4.6.4). */
	if (rr != NULL && type != ns_t_txt && type != ns_t_spf &&
	    (rr->herrno == HOST_NOT_FOUND || rr->herrno == NO_DATA) &&
	    ++ctx->voids > VG_SPF_MAX_VOID)
		ctx->over_voids = true;
	return rr;
}

/* spf_map - libspf2's result to ours */
static enum vg_spf_result
spf_map(SPF_result_t r)
{
	switch (r) {
	case SPF_RESULT_PASS:
		return VG_SPF_PASS;
	case SPF_RESULT_FAIL:
		return VG_SPF_FAIL;
	case SPF_RESULT_SOFTFAIL:
		return VG_SPF_SOFTFAIL;
	case SPF_RESULT_NEUTRAL:
		return VG_SPF_NEUTRAL;
	case SPF_RESULT_NONE:
		return VG_SPF_NONE;
	case SPF_RESULT_TEMPERROR:
		return VG_SPF_TEMPERROR;
	case SPF_RESULT_PERMERROR:
	case SPF_RESULT_INVALID:
		return VG_SPF_PERMERROR;
	}
	return VG_SPF_PERMERROR;
}

/* spf_has_ctl - any control byte or DEL in s */
static bool
spf_has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return true;
	return false;
}

/*
 * spf_domain_chars - letters, digits, '-', '_', '.' and non-ASCII (UTF-8)
 * only: a domain literal ("[192.0.2.1]") or other punctuation makes the
 * identity malformed, and RFC 7208 4.3 says none.
 */
static bool
spf_domain_chars(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (!(c >= 0x80 || (c >= 'a' && c <= 'z') ||
		        (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		        c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

/*
 * spf_identity - pick and bound the identity: fills out->domain and
 * out->helo_identity and writes "local@domain" into id.  false (with
 * out->result none and a reason) when it cannot be checked.
 */
static bool
spf_identity(struct vg_spf_outcome *out, char *id, size_t idsize,
    const char *helo, const char *mail_from, bool use_helo)
{
	char from[VG_SPF_LOCAL_MAX + VG_SPF_DOMAIN_MAX + 8];
	const char *at, *dom, *local = "postmaster";
	size_t flen, llen, dlen;

	if (mail_from == NULL)
		mail_from = "";
	flen = strlen(mail_from);
	/* Tolerate <addr> as the milter's {mail_addr} sometimes has it. */
	if (flen >= 2 && mail_from[0] == '<' && mail_from[flen - 1] == '>') {
		mail_from++;
		flen -= 2;
	}
	if (flen == 0 || use_helo) {
		out->helo_identity = true;
		dom = helo != NULL ? helo : "";
		dlen = strlen(dom);
		llen = strlen(local);
	} else {
		if (flen >= sizeof(from)) {
			snprintf(out->reason, sizeof(out->reason),
			    "sender address too long");
			return false;
		}
		memcpy(from, mail_from, flen);
		from[flen] = '\0';
		at = strrchr(from, '@');
		if (at != NULL) {
			from[at - from] = '\0';
			if (from[0] != '\0')
				local = from;
			dom = at + 1;
		} else
			dom = from;
		dlen = strlen(dom);
		llen = strlen(local);
	}
	if (dlen > 0 && dom[dlen - 1] == '.')
		dlen--;
	if (dlen > VG_SPF_DOMAIN_MAX) {
		snprintf(out->reason, sizeof(out->reason),
		    "domain longer than %d bytes", VG_SPF_DOMAIN_MAX);
		return false;
	}
	memcpy(out->domain, dom, dlen);
	out->domain[dlen] = '\0';
	if (!vg_dns_name_valid(out->domain) ||
	    strchr(out->domain, '.') == NULL ||
	    !spf_domain_chars(out->domain)) {
		snprintf(out->reason, sizeof(out->reason),
		    "%s is not a domain name",
		    out->helo_identity ? "HELO" : "sender domain");
		return false;
	}
	if (llen > VG_SPF_LOCAL_MAX || spf_has_ctl(local)) {
		snprintf(out->reason, sizeof(out->reason),
		    "local-part longer than %d bytes or with control bytes",
		    VG_SPF_LOCAL_MAX);
		return false;
	}
	snprintf(id, idsize, "%s@%s", local, out->domain);
	return true;
}

/* spf_set_ip - the client address into the request; false if unusable */
static bool
spf_set_ip(SPF_request_t *req, const char *ip)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (ip == NULL)
		return false;
	if (inet_pton(AF_INET, ip, &a4) == 1)
		return SPF_request_set_ipv4(req, a4) == SPF_E_SUCCESS;
	if (inet_pton(AF_INET6, ip, &a6) != 1)
		return false;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(&a4, &a6.s6_addr[12], 4);
		return SPF_request_set_ipv4(req, a4) == SPF_E_SUCCESS;
	}
	return SPF_request_set_ipv6(req, a6) == SPF_E_SUCCESS;
}

/* spf_eval - the evaluation both backends share */
static int
spf_eval(struct vg_spf_outcome *out, struct spf_ctx *ctx, const char *client_ip,
    const char *helo, const char *mail_from, bool use_helo)
{
	SPF_dns_server_t layer;
	SPF_server_t *srv = NULL;
	SPF_request_t *req = NULL;
	SPF_response_t *resp = NULL;
	char id[VG_SPF_LOCAL_MAX + VG_SPF_DOMAIN_MAX + 2];
	const char *s;
	int rc = VG_OK;

	pthread_once(&spf_once, spf_init);
	memset(out, 0, sizeof(*out));
	out->result = VG_SPF_NONE;
	if (!spf_identity(out, id, sizeof(id), helo, mail_from, use_helo))
		return VG_OK;

	memset(&layer, 0, sizeof(layer));
	layer.lookup = spf_lookup;
	layer.name = "vigil";
	layer.hook = ctx;
	/* destroy == NULL: libspf2 must not free our stack object. */
	srv = SPF_server_new_dns(&layer, 0);
	if (srv == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	/* We sanitise the explanation ourselves, keeping its spaces. */
	(void)SPF_server_set_sanitize(srv, 0);
	/*
	 * libspf2's default explanation points at openspf.org, which is
	 * gone; say what happened instead.  Failure keeps libspf2's.
	 */
	{
		SPF_response_t *eresp = NULL;

		(void)SPF_server_set_explanation(
		    srv, VG_SPF_DEFAULT_EXP, &eresp);
		if (eresp != NULL)
			SPF_response_free(eresp);
	}
	req = SPF_request_new(srv);
	if (req == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	if (!spf_set_ip(req, client_ip)) {
		snprintf(out->reason, sizeof(out->reason),
		    "no usable client address");
		goto out;
	}
	/*
	 * The HELO name is only macro input (%{h}); what it expands to is
	 * checked again before any query.  Bound it all the same.
	 */
	if (helo != NULL && helo[0] != '\0' &&
	    strlen(helo) <= VG_SPF_DOMAIN_MAX && !spf_has_ctl(helo))
		(void)SPF_request_set_helo_dom(req, helo);
	if (SPF_request_set_env_from(req, id) != 0) {
		snprintf(out->reason, sizeof(out->reason),
		    "libspf2 refused the identity");
		goto out;
	}
	(void)SPF_request_query_mailfrom(req, &resp);
	if (resp == NULL) {
		rc = VG_EINTERNAL;
		goto out;
	}
	out->result = spf_map(SPF_response_result(resp));
	if (SPF_response_errcode(resp) != SPF_E_SUCCESS)
		snprintf(out->reason, sizeof(out->reason), "%s",
		    SPF_strerror(SPF_response_errcode(resp)));
	/*
	 * libspf2 turns a failed lookup of the SPF record itself into
	 * permerror (SPF_E_DNS_ERROR); RFC 7208 4.4 says temperror.  A
	 * failed exp= lookup leaves the result alone (RFC 7208 6.2).
	 */
	if ((ctx->timed_out || ctx->temp) &&
	    (out->result == VG_SPF_TEMPERROR ||
	        out->result == VG_SPF_PERMERROR)) {
		out->result = VG_SPF_TEMPERROR;
		snprintf(out->reason, sizeof(out->reason), "%s",
		    ctx->timed_out ? "DNS lookup timed out"
		                   : "DNS lookup failed");
	}
	if (ctx->over_queries || ctx->over_voids || ctx->bad_record) {
		out->result = VG_SPF_PERMERROR;
		if (ctx->bad_record)
			snprintf(out->reason, sizeof(out->reason),
			    "SPF record refused: %s",
			    ctx->bad_why != NULL ? ctx->bad_why : "malformed");
		else
			snprintf(out->reason, sizeof(out->reason), "%s",
			    ctx->over_voids ? "too many void DNS lookups"
			                    : "too many DNS lookups");
	}
	if (out->result == VG_SPF_FAIL) {
		s = SPF_response_get_explanation(resp);
		if (s != NULL)
			vg_sanitize_str(out->explanation,
			    sizeof(out->explanation), s, VG_SANITIZE_ASCII);
	}
out:
	/* libspf2's destructors do not accept NULL. */
	if (resp != NULL)
		SPF_response_free(resp);
	if (req != NULL)
		SPF_request_free(req);
	if (srv != NULL)
		SPF_server_free(srv);
	return rc;
}

/* vg_spf_check - evaluate through the resolver */
int
vg_spf_check(struct vg_spf_outcome *out, struct vg_dns *dns,
    uint64_t deadline_ms, const char *client_ip, const char *helo,
    const char *mail_from, bool use_helo)
{
	struct spf_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.dns = dns;
	ctx.deadline_ms = deadline_ms;
	return spf_eval(out, &ctx, client_ip, helo, mail_from, use_helo);
}

/* vg_spf_check_zone - evaluate from a zone */
int
vg_spf_check_zone(struct vg_spf_outcome *out, const struct vg_spf_zone *zone,
    const char *client_ip, const char *helo, const char *mail_from,
    bool use_helo)
{
	struct spf_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.zone = zone;
	return spf_eval(out, &ctx, client_ip, helo, mail_from, use_helo);
}

/* vg_spf_prefetch - start the first TXT lookup early */
void
vg_spf_prefetch(
    struct vg_dns *dns, const char *helo, const char *mail_from, bool use_helo)
{
	struct vg_spf_outcome o;
	char id[VG_SPF_LOCAL_MAX + VG_SPF_DOMAIN_MAX + 2];

	memset(&o, 0, sizeof(o));
	if (spf_identity(&o, id, sizeof(id), helo, mail_from, use_helo))
		vg_dns_prefetch(dns, o.domain, VG_DNS_TXT);
}

/* vg_spf_zone_new - empty zone */
int
vg_spf_zone_new(struct vg_spf_zone **out)
{
	*out = vg_calloc(1, sizeof(**out));
	return *out != NULL ? VG_OK : VG_ENOMEM;
}

/* vg_spf_zone_free - free a zone */
void
vg_spf_zone_free(struct vg_spf_zone *zone)
{
	size_t i;

	if (zone == NULL)
		return;
	for (i = 0; i < zone->n; i++) {
		vg_free(zone->rr[i].name);
		vg_free(zone->rr[i].data);
	}
	vg_free(zone->rr);
	vg_free(zone);
}

/* vg_spf_zone_add - add one record (see spf.h) */
int
vg_spf_zone_add(struct vg_spf_zone *zone, const char *name, const char *type,
    const void *data, size_t len)
{
	struct spf_zone_rr r;
	unsigned char addr[16];
	char text[64];
	int t;

	memset(&r, 0, sizeof(r));
	if (strcasecmp(type, "A") == 0)
		t = ns_t_a;
	else if (strcasecmp(type, "AAAA") == 0)
		t = ns_t_aaaa;
	else if (strcasecmp(type, "TXT") == 0)
		t = ns_t_txt;
	else if (strcasecmp(type, "SPF") == 0)
		t = ns_t_spf;
	else if (strcasecmp(type, "MX") == 0)
		t = ns_t_mx;
	else if (strcasecmp(type, "PTR") == 0)
		t = ns_t_ptr;
	else if (strcasecmp(type, "CNAME") == 0)
		t = ns_t_cname;
	else if (strcasecmp(type, "TIMEOUT") == 0)
		t = 0;
	else
		return VG_EINVAL;
	r.type = t;
	if (t == ns_t_a || t == ns_t_aaaa) {
		if (len >= sizeof(text))
			return VG_EINVAL;
		memcpy(text, data, len);
		text[len] = '\0';
		if (inet_pton(t == ns_t_a ? AF_INET : AF_INET6, text, addr) !=
		    1)
			return VG_EINVAL;
		data = addr;
		len = t == ns_t_a ? 4 : 16;
	} else if (t == ns_t_mx) {
		const char *p = data, *sp = memchr(p, ' ', len);
		unsigned pref = 0;
		size_t k;

		if (sp == NULL)
			return VG_EINVAL;
		for (k = 0; p + k < sp && k < 5; k++) {
			if (p[k] < '0' || p[k] > '9')
				return VG_EINVAL;
			pref = pref * 10 + (unsigned)(p[k] - '0');
		}
		r.pref = pref;
		len -= (size_t)(sp + 1 - p);
		data = sp + 1;
	}
	if (zone->n == zone->cap) {
		size_t ncap = zone->cap ? zone->cap * 2 : 16;
		struct spf_zone_rr *nrr =
		    vg_reallocarray(zone->rr, ncap, sizeof(*nrr));

		if (nrr == NULL)
			return VG_ENOMEM;
		zone->rr = nrr;
		zone->cap = ncap;
	}
	r.name = vg_strdup(name);
	r.data = vg_malloc(len + 1);
	if (r.name == NULL || r.data == NULL) {
		vg_free(r.name);
		vg_free(r.data);
		return VG_ENOMEM;
	}
	{
		size_t nl = strlen(r.name);

		if (nl > 0 && r.name[nl - 1] == '.')
			r.name[nl - 1] = '\0';
	}
	if (len > 0)
		memcpy(r.data, data, len);
	r.data[len] = '\0';
	r.len = len;
	zone->rr[zone->n++] = r;
	return VG_OK;
}
