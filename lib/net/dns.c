/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dns.c - one c-ares channel, a TTL cache and a flight table (see dns.h).
 *
 * Design.  c-ares 1.18 (Debian 12) has no event thread of its own and a
 * channel is not thread-safe, so one mutex (dns->lock) guards the channel,
 * the cache and the flight table, and every c-ares call is made with it
 * held.  The event loop (dns_step) builds a poll set from ares_getsock()
 * plus a self-pipe, drops the lock while it sleeps in poll(), then takes it
 * again and lets c-ares read.  c-ares calls dns_on_reply() from inside
 * ares_process_fd() with the lock held; it parses the reply into an
 * immutable answer, puts it in the cache, marks the query done and
 * broadcasts dns->cond.  Submitting a query writes one byte to the pipe so
 * that a loop asleep in poll() picks up the new socket.
 *
 * Either the resolver thread runs dns_step() forever, or the waiters take
 * turns: the first waiter to find nobody driving sets dns->driving and runs
 * single steps until its query is done or its deadline passes; the others
 * sleep on the condition variable and take over if it leaves.
 *
 * Lifetimes.  A query has a reference for every handle and one for c-ares
 * while it is in flight.  An answer is reference-counted too (the cache
 * and each query that got it), all under the lock.
 *
 * Dead servers.  With tries = 1, c-ares ends a query ARES_ETIMEOUT only
 * after every configured server has had dns_timeout_ms, so
 * VG_DNS_DOWN_AFTER such endings in a row, with no reply in between, mean
 * that no server answers.  Waiting for each query then costs a pool worker
 * the whole dns_deadline_ms per message (measured: 1500 -> 69 msg/s), so
 * the resolver is marked down (dns_health()) and vg_dns_submit() answers
 * VG_DNS_TIMEOUT at once (dns_submit_down()), probing now and then.  The
 * state lives under the lock with everything else.  XXX a quiet milter
 * whose last three senders all have dead name servers behind a live
 * recursive resolver can trip it too; the next probe (at most
 * VG_DNS_PROBE_MS later) brings it back, and meanwhile the checks only
 * record *_TEMPERROR, which never rejects.
 */
#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/conf.h"
#include "net/dns.h"
#include "base/log.h"
#include "base/num.h"
#include "base/stats.h"

struct dns_answer {
	struct vg_dns_answer pub;
	unsigned refs;
	struct vg_dns_rr *rr;
	unsigned char *blob; /* all record data, NUL-separated */
};

struct dns_cache_entry {
	char *key; /* "<type>/<lower-case name>" */
	struct dns_answer *ans;
	uint64_t expires_ms;
	struct dns_cache_entry *hnext;       /* hash chain */
	struct dns_cache_entry *prev, *next; /* LRU list, most recent first */
};

struct vg_dns_query {
	struct vg_dns *dns;
	char *key;
	unsigned refs; /* handles + 1 while c-ares holds it */
	bool done;
	struct dns_answer *ans;
	enum vg_dns_type type;
	struct vg_dns_query *fnext; /* flight table */
};

struct vg_dns {
	atomic_uint refs;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	ares_channel channel;
	int wake[2];
	bool thread_started, stop, driving;
	pthread_t thread;

	struct vg_dns_query *flight; /* queries in flight */

	struct dns_cache_entry **buckets;
	size_t nbuckets, nentries, max_entries;
	struct dns_cache_entry *lru_head, *lru_tail;

	struct vg_dns_stats stats;

	/* Circuit breaker (see Dead servers above). */
	unsigned timeouts_in_row;
	bool down;
	uint64_t next_probe_ms; /* while down: when to send the next probe */
};

static pthread_once_t dns_ares_once = PTHREAD_ONCE_INIT;
static int dns_ares_init_status;

/* dns_ares_init - ares_library_init(), once per process */
static void
dns_ares_init(void)
{
	dns_ares_init_status = ares_library_init(ARES_LIB_INIT_ALL);
}

/* vg_dns_status_name - text for an answer status */
const char *
vg_dns_status_name(enum vg_dns_status status)
{
	switch (status) {
	case VG_DNS_OK:
		return "ok";
	case VG_DNS_NODATA:
		return "nodata";
	case VG_DNS_NXDOMAIN:
		return "nxdomain";
	case VG_DNS_TEMPFAIL:
		return "tempfail";
	case VG_DNS_TIMEOUT:
		return "timeout";
	}
	return "unknown";
}

/* vg_dns_name_valid - may this name be sent (see dns.h) */
bool
vg_dns_name_valid(const char *name)
{
	size_t len, label = 0;
	const unsigned char *p;

	if (name == NULL)
		return false;
	len = strlen(name);
	if (len == 0 || len > VG_DNS_NAME_MAX)
		return false;
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		/*
		 * Any octet may appear in a label, and SPF macros can put a
		 * space there; control bytes and c-ares' escape character
		 * cannot.
		 */
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			return false;
		if (*p == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (++label > 63)
			return false;
	}
	return label > 0;
}

/* dns_key - "<type>/<lower-case name>" for the cache and flight table */
static char *
dns_key(const char *name, enum vg_dns_type type)
{
	size_t len = strlen(name), i, off;
	char *key;
	char num[8];
	unsigned t = (unsigned)type;

	/* Up to five digits, written backwards, then '/'. */
	off = 0;
	do {
		num[off++] = (char)('0' + t % 10);
		t /= 10;
	} while (t != 0 && off < 5);
	key = vg_malloc(off + 1 + len + 1);
	if (key == NULL)
		return NULL;
	for (i = 0; i < off; i++)
		key[i] = num[off - 1 - i];
	key[off] = '/';
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		key[off + 1 + i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	key[off + 1 + len] = '\0';
	return key;
}

/* dns_hash - FNV-1a of a key */
static size_t
dns_hash(const char *key)
{
	uint64_t h = 14695981039346656037ull;

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 1099511628211ull;
	}
	return (size_t)h;
}

/* dns_answer_unref - drop a reference to an answer; lock held */
static void
dns_answer_unref(struct dns_answer *ans)
{
	if (ans == NULL || --ans->refs > 0)
		return;
	vg_free(ans->rr);
	vg_free(ans->blob);
	vg_free(ans);
}

/* dns_answer_status - an answer with no records; NULL on ENOMEM */
static struct dns_answer *
dns_answer_status(
    enum vg_dns_status status, enum vg_dns_type type, uint32_t ttl)
{
	struct dns_answer *ans = vg_calloc(1, sizeof(*ans));

	if (ans == NULL)
		return NULL;
	ans->refs = 1;
	ans->pub.status = status;
	ans->pub.type = type;
	ans->pub.ttl = ttl;
	return ans;
}

/* dns_get16 - big-endian 16 bits */
static unsigned
dns_get16(const unsigned char *p)
{
	return ((unsigned)p[0] << 8) | p[1];
}

/* dns_get32 - big-endian 32 bits */
static uint32_t
dns_get32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

/*
 * dns_skip_name - step over an encoded name at *pos; false if it runs off
 * the packet.  ares_expand_name() validates compression pointers, so use
 * it and throw the text away.
 */
static bool
dns_skip_name(
    const unsigned char *abuf, size_t alen, size_t *pos, char **text_out)
{
	char *s = NULL;
	long enclen = 0;

	if (*pos >= alen ||
	    ares_expand_name(abuf + *pos, abuf, (int)alen, &s, &enclen) !=
	        ARES_SUCCESS)
		return false;
	if (enclen <= 0 || (size_t)enclen > alen - *pos) {
		ares_free_string(s);
		return false;
	}
	*pos += (size_t)enclen;
	if (text_out != NULL)
		*text_out = s;
	else
		ares_free_string(s);
	return true;
}

/*
 * dns_parse - turn a reply packet into an answer for type.  Records of the
 * type asked for are taken from the answer section (a CNAME chain in front
 * of them is skipped); the TTL is their smallest, and for a negative answer
 * the SOA minimum from the authority section.  A malformed packet gives
 * VG_DNS_TEMPFAIL.  NULL only on ENOMEM.
 */
static struct dns_answer *
dns_parse(const unsigned char *abuf, size_t alen, enum vg_dns_type type)
{
	struct dns_answer *ans = NULL;
	size_t pos, i, qd, an, ns, blob_len = 0, n = 0, total;
	unsigned rcode;
	uint32_t ttl = VG_DNS_MAX_TTL, neg_ttl = VG_DNS_NEG_TTL;
	bool saw_soa = false;

	if (alen < NS_HFIXEDSZ)
		return dns_answer_status(VG_DNS_TEMPFAIL, type, 0);
	rcode = abuf[3] & 0x0fu;
	qd = dns_get16(abuf + 4);
	an = dns_get16(abuf + 6);
	ns = dns_get16(abuf + 8);
	if (rcode != ns_r_noerror && rcode != ns_r_nxdomain)
		return dns_answer_status(VG_DNS_TEMPFAIL, type, 0);

	/* Pass 1: validate, count records and bytes, find the TTLs. */
	pos = NS_HFIXEDSZ;
	for (i = 0; i < qd; i++) {
		if (!dns_skip_name(abuf, alen, &pos, NULL) || alen - pos < 4)
			goto bad;
		pos += 4;
	}
	total = an + ns;
	for (i = 0; i < total; i++) {
		unsigned rtype, rdlen;
		uint32_t rttl;

		if (!dns_skip_name(abuf, alen, &pos, NULL) || alen - pos < 10)
			goto bad;
		rtype = dns_get16(abuf + pos);
		rttl = dns_get32(abuf + pos + 4);
		rdlen = dns_get16(abuf + pos + 8);
		pos += 10;
		if (alen - pos < rdlen)
			goto bad;
		if (i < an && rtype == (unsigned)type) {
			size_t need = 0;

			if (type == VG_DNS_A && rdlen != 4)
				goto bad;
			if (type == VG_DNS_AAAA && rdlen != 16)
				goto bad;
			if (type == VG_DNS_MX && rdlen < 3)
				goto bad;
			if (type == VG_DNS_A || type == VG_DNS_AAAA)
				need = rdlen;
			else if (type == VG_DNS_TXT || type == VG_DNS_SPF)
				need = rdlen + 1;
			else
				need = NS_MAXDNAME + 1;
			blob_len += need;
			n++;
			if (rttl < ttl)
				ttl = rttl;
		} else if (i >= an && rtype == ns_t_soa && rdlen >= 22) {
			uint32_t min = dns_get32(abuf + pos + rdlen - 4);

			neg_ttl = rttl < min ? rttl : min;
			saw_soa = true;
		}
		pos += rdlen;
	}
	if (n == 0) {
		uint32_t t = saw_soa ? neg_ttl : VG_DNS_NEG_TTL;

		if (t > VG_DNS_MAX_TTL)
			t = VG_DNS_MAX_TTL;
		return dns_answer_status(
		    rcode == ns_r_nxdomain ? VG_DNS_NXDOMAIN : VG_DNS_NODATA,
		    type, t);
	}

	/* Pass 2: copy the records of our type. */
	ans = dns_answer_status(
	    VG_DNS_OK, type, ttl > VG_DNS_MAX_TTL ? VG_DNS_MAX_TTL : ttl);
	if (ans == NULL)
		return NULL;
	ans->rr = vg_calloc(n, sizeof(*ans->rr));
	ans->blob = vg_malloc(blob_len);
	if (ans->rr == NULL || ans->blob == NULL)
		goto nomem;
	pos = NS_HFIXEDSZ;
	for (i = 0; i < qd; i++) {
		(void)dns_skip_name(abuf, alen, &pos, NULL);
		pos += 4;
	}
	{
		size_t off = 0, k = 0;

		for (i = 0; i < an; i++) {
			unsigned rtype, rdlen;
			const unsigned char *rd;
			struct vg_dns_rr *rr;

			(void)dns_skip_name(abuf, alen, &pos, NULL);
			rtype = dns_get16(abuf + pos);
			rdlen = dns_get16(abuf + pos + 8);
			pos += 10;
			rd = abuf + pos;
			if (rtype != (unsigned)type) {
				pos += rdlen;
				continue;
			}
			rr = &ans->rr[k++];
			rr->data = ans->blob + off;
			if (type == VG_DNS_A || type == VG_DNS_AAAA) {
				memcpy(ans->blob + off, rd, rdlen);
				rr->len = rdlen;
				off += rdlen;
			} else if (type == VG_DNS_TXT || type == VG_DNS_SPF) {
				size_t j = 0, w = 0;

				/* Strings are concatenated (RFC 7208 3.3). */
				while (j < rdlen) {
					size_t sl = rd[j++];

					if (sl > rdlen - j)
						sl = rdlen - j;
					memcpy(ans->blob + off + w, rd + j, sl);
					w += sl;
					j += sl;
				}
				ans->blob[off + w] = '\0';
				rr->len = w;
				off += w + 1;
			} else {
				size_t npos = pos, nl;
				char *text = NULL;

				if (type == VG_DNS_MX) {
					rr->pref = dns_get16(rd);
					npos += 2;
				}
				if (!dns_skip_name(abuf, alen, &npos, &text)) {
					ans->refs = 1;
					dns_answer_unref(ans);
					goto bad;
				}
				nl = strlen(text);
				if (nl > NS_MAXDNAME)
					nl = NS_MAXDNAME;
				memcpy(ans->blob + off, text, nl);
				ans->blob[off + nl] = '\0';
				ares_free_string(text);
				rr->len = nl;
				off += nl + 1;
			}
			pos += rdlen;
		}
		ans->pub.n = k;
	}
	ans->pub.rr = ans->rr;
	return ans;
nomem:
	dns_answer_unref(ans);
	return NULL;
bad:
	return dns_answer_status(VG_DNS_TEMPFAIL, type, 0);
}

/* vg_dns_parse_reply - dns_parse() for the fuzzer and tests */
int
vg_dns_parse_reply(const unsigned char *pkt, size_t len, enum vg_dns_type type,
    enum vg_dns_status *status_out, size_t *n_out)
{
	struct dns_answer *a = dns_parse(pkt, len, type);
	volatile unsigned char sink = 0;
	size_t i, j;

	if (a == NULL)
		return VG_ENOMEM;
	*status_out = a->pub.status;
	*n_out = a->pub.n;
	/* Read every record byte, so the sanitizers see a bad length. */
	for (i = 0; i < a->pub.n; i++)
		for (j = 0; j < a->pub.rr[i].len; j++)
			sink ^= a->pub.rr[i].data[j];
	(void)sink;
	dns_answer_unref(a);
	return VG_OK;
}

/* dns_lru_unlink - take an entry off the LRU list; lock held */
static void
dns_lru_unlink(struct vg_dns *dns, struct dns_cache_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		dns->lru_head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		dns->lru_tail = e->prev;
	e->prev = e->next = NULL;
}

/* dns_lru_front - put an entry at the front of the LRU list; lock held */
static void
dns_lru_front(struct vg_dns *dns, struct dns_cache_entry *e)
{
	e->prev = NULL;
	e->next = dns->lru_head;
	if (dns->lru_head != NULL)
		dns->lru_head->prev = e;
	dns->lru_head = e;
	if (dns->lru_tail == NULL)
		dns->lru_tail = e;
}

/* dns_cache_remove - unlink and free one entry; lock held */
static void
dns_cache_remove(struct vg_dns *dns, struct dns_cache_entry *e)
{
	struct dns_cache_entry **pp;

	pp = &dns->buckets[dns_hash(e->key) & (dns->nbuckets - 1)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	dns_lru_unlink(dns, e);
	dns_answer_unref(e->ans);
	vg_free(e->key);
	vg_free(e);
	dns->nentries--;
}

/* dns_cache_get - a live cached answer for key (a new reference) or NULL */
static struct dns_answer *
dns_cache_get(struct vg_dns *dns, const char *key)
{
	struct dns_cache_entry *e;

	if (dns->nbuckets == 0)
		return NULL;
	e = dns->buckets[dns_hash(key) & (dns->nbuckets - 1)];
	for (; e != NULL; e = e->hnext) {
		if (strcmp(e->key, key) != 0)
			continue;
		if (vg_clock_ms() >= e->expires_ms) {
			dns_cache_remove(dns, e);
			return NULL;
		}
		dns_lru_unlink(dns, e);
		dns_lru_front(dns, e);
		e->ans->refs++;
		return e->ans;
	}
	return NULL;
}

/*
 * dns_cache_put - remember ans under key for its TTL, evicting the least
 * recently used entry when full.  Failures just mean no caching.
 */
static void
dns_cache_put(struct vg_dns *dns, const char *key, struct dns_answer *ans)
{
	struct dns_cache_entry *e, *old;
	size_t b;

	if (dns->max_entries == 0 || ans->pub.ttl == 0 ||
	    ans->pub.status == VG_DNS_TEMPFAIL ||
	    ans->pub.status == VG_DNS_TIMEOUT)
		return;
	b = dns_hash(key) & (dns->nbuckets - 1);
	for (old = dns->buckets[b]; old != NULL; old = old->hnext)
		if (strcmp(old->key, key) == 0) {
			dns_cache_remove(dns, old);
			break;
		}
	if (dns->nentries >= dns->max_entries)
		dns_cache_remove(dns, dns->lru_tail);
	e = vg_calloc(1, sizeof(*e));
	if (e == NULL)
		return;
	e->key = vg_strdup(key);
	if (e->key == NULL) {
		vg_free(e);
		return;
	}
	ans->refs++;
	e->ans = ans;
	e->expires_ms = vg_clock_ms() + (uint64_t)ans->pub.ttl * 1000u;
	e->hnext = dns->buckets[b];
	dns->buckets[b] = e;
	dns_lru_front(dns, e);
	dns->nentries++;
}

/* dns_query_unref - drop a query reference; lock held */
static void
dns_query_unref(struct vg_dns_query *q)
{
	if (--q->refs > 0)
		return;
	dns_answer_unref(q->ans);
	vg_free(q->key);
	vg_free(q);
}

/* dns_finish - give q its answer, cache it, wake the waiters; lock held */
static void
dns_finish(struct vg_dns *dns, struct vg_dns_query *q, struct dns_answer *a)
{
	struct vg_dns_query **pp;

	for (pp = &dns->flight; *pp != NULL; pp = &(*pp)->fnext)
		if (*pp == q) {
			*pp = q->fnext;
			break;
		}
	q->fnext = NULL;
	q->ans = a;
	q->done = true;
	if (a != NULL) {
		dns_cache_put(dns, q->key, a);
		if (a->pub.status == VG_DNS_TIMEOUT)
			dns->stats.timeouts++;
	}
	pthread_cond_broadcast(&dns->cond);
}

/*
 * dns_health - feed one query's end into the circuit breaker: a reply from
 * a server (any rcode) brings the resolver up, a time-out counts towards
 * down, anything else (refused, cancelled, destroyed) leaves it; lock held
 */
static void
dns_health(struct vg_dns *dns, int status, bool got_reply)
{
	switch (status) {
	case ARES_SUCCESS:
	case ARES_ENODATA:
	case ARES_ENOTFOUND:
	case ARES_ESERVFAIL:
	case ARES_EREFUSED:
	case ARES_EFORMERR:
	case ARES_ENOTIMP:
	case ARES_EBADRESP:
		got_reply = true;
		break;
	default:
		break;
	}
	if (got_reply) {
		dns->timeouts_in_row = 0;
		if (dns->down) {
			dns->down = false;
			dns->stats.down = false;
			vg_stats_set(VG_STAT_DNS_UP, 1);
			vg_info("dns: a DNS server answers again; lookups are "
			        "sent again");
		}
		return;
	}
	if (status != ARES_ETIMEOUT)
		return;
	if (dns->timeouts_in_row < UINT_MAX)
		dns->timeouts_in_row++;
	if (dns->down || dns->timeouts_in_row < VG_DNS_DOWN_AFTER)
		return;
	dns->down = true;
	dns->stats.down = true;
	dns->stats.downs++;
	vg_stats_set(VG_STAT_DNS_UP, 0);
	vg_stats_inc(VG_STAT_DNS_DOWN);
	dns->next_probe_ms = vg_clock_ms() + VG_DNS_PROBE_MS;
	vg_warn("dns: no DNS server answered the last %u queries; lookups "
	        "now fail at once as temporary errors, with one probe every "
	        "%u s, until a server answers",
	    dns->timeouts_in_row, VG_DNS_PROBE_MS / 1000u);
}

/* dns_on_reply - c-ares callback; runs with the lock held */
static void
dns_on_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct vg_dns_query *q = arg;
	struct vg_dns *dns = q->dns;
	struct dns_answer *a;

	(void)timeouts;
	dns_health(dns, status, abuf != NULL && alen > 0);
	if (abuf != NULL && alen > 0 &&
	    (status == ARES_SUCCESS || status == ARES_ENODATA ||
	        status == ARES_ENOTFOUND))
		a = dns_parse(abuf, (size_t)alen, q->type);
	else if (status == ARES_ETIMEOUT)
		a = dns_answer_status(VG_DNS_TIMEOUT, q->type, 0);
	else
		a = dns_answer_status(VG_DNS_TEMPFAIL, q->type, 0);
	if (a == NULL)
		vg_warn("dns: out of memory for the answer to %s", q->key);
	dns_finish(dns, q, a);
	dns_query_unref(q);
}

/* dns_wake - make a loop asleep in poll() look at the channel again */
static void
dns_wake(struct vg_dns *dns)
{
	char c = 0;

	/* A full pipe already means "wake up"; nothing else can go wrong. */
	if (write(dns->wake[1], &c, 1) < 0 && errno != EAGAIN)
		vg_debug("dns: wake pipe: %s", strerror(errno));
}

/*
 * dns_step - one turn of the event loop, waiting at most max_ms; called and
 * returns with the lock held, drops it while in poll().
 */
static void
dns_step(struct vg_dns *dns, uint64_t max_ms)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct pollfd pfd[ARES_GETSOCK_MAXNUM + 1];
	struct timeval maxtv, tvbuf, *tv;
	unsigned bits;
	int i, n = 0, rc;
	uint64_t wait_ms;

	/*
	 * c-ares' ARES_GETSOCK_WRITABLE() shifts a signed 1 into the sign
	 * bit for the last socket (undefined behaviour), so test the bits
	 * as unsigned here.
	 */
	bits = (unsigned)ares_getsock(dns->channel, socks, ARES_GETSOCK_MAXNUM);
	for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		short ev = 0;

		if ((bits & (1u << i)) != 0)
			ev |= POLLIN;
		if ((bits & (1u << (i + ARES_GETSOCK_MAXNUM))) != 0)
			ev |= POLLOUT;
		if (ev == 0)
			continue;
		pfd[n].fd = socks[i];
		pfd[n].events = ev;
		pfd[n].revents = 0;
		n++;
	}
	pfd[n].fd = dns->wake[0];
	pfd[n].events = POLLIN;
	pfd[n].revents = 0;
	maxtv.tv_sec = (time_t)(max_ms / 1000);
	maxtv.tv_usec = (suseconds_t)(max_ms % 1000) * 1000;
	tv = ares_timeout(dns->channel, &maxtv, &tvbuf);
	wait_ms = (uint64_t)tv->tv_sec * 1000u + (uint64_t)tv->tv_usec / 1000u;
	if (wait_ms == 0 && tv->tv_usec > 0)
		wait_ms = 1;

	pthread_mutex_unlock(&dns->lock);
	rc = poll(pfd, (nfds_t)n + 1, (int)wait_ms);
	pthread_mutex_lock(&dns->lock);

	if (rc > 0 && (pfd[n].revents & POLLIN) != 0) {
		char drain[64];

		while (read(dns->wake[0], drain, sizeof(drain)) > 0)
			continue;
	}
	if (rc <= 0) {
		/* Time-outs and retransmissions. */
		ares_process_fd(dns->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
		return;
	}
	for (i = 0; i < n; i++) {
		ares_socket_t r = ARES_SOCKET_BAD, w = ARES_SOCKET_BAD;

		if ((pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0)
			r = pfd[i].fd;
		if ((pfd[i].revents & POLLOUT) != 0)
			w = pfd[i].fd;
		if (r != ARES_SOCKET_BAD || w != ARES_SOCKET_BAD)
			ares_process_fd(dns->channel, r, w);
	}
	/* Let c-ares notice queries whose time is up even while busy. */
	ares_process_fd(dns->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

/* dns_thread - the resolver thread: run the loop until told to stop */
static void *
dns_thread(void *arg)
{
	struct vg_dns *dns = arg;

	pthread_mutex_lock(&dns->lock);
	while (!dns->stop)
		dns_step(dns, 1000);
	pthread_mutex_unlock(&dns->lock);
	return NULL;
}

/*
 * dns_servers_csv - "127.0.0.1:53, [::1]:53" to the comma list c-ares
 * takes, without spaces; NULL on ENOMEM.
 */
static char *
dns_servers_csv(const char *list)
{
	char *out = vg_malloc(strlen(list) + 1);
	size_t w = 0;

	if (out == NULL)
		return NULL;
	for (; *list != '\0'; list++)
		if (*list != ' ' && *list != '\t')
			out[w++] = *list;
	out[w] = '\0';
	return out;
}

/* vg_dns_new - build a resolver from conf */
int
vg_dns_new(struct vg_dns **out, const struct vg_conf *conf, struct vg_err *err)
{
	struct vg_dns *dns = NULL;
	struct ares_options opts;
	pthread_condattr_t ca;
	char *csv = NULL;
	int rc = VG_OK, arc, fl;
	bool lock_ok = false, cond_ok = false, chan_ok = false;
	size_t nb;

	*out = NULL;
	pthread_once(&dns_ares_once, dns_ares_init);
	if (dns_ares_init_status != ARES_SUCCESS) {
		vg_err_add(err, NULL, 0, "c-ares: %s",
		    ares_strerror(dns_ares_init_status));
		return VG_EINTERNAL;
	}
	dns = vg_calloc(1, sizeof(*dns));
	if (dns == NULL)
		return VG_ENOMEM;
	dns->wake[0] = dns->wake[1] = -1;
	atomic_init(&dns->refs, 1);
	if (pthread_mutex_init(&dns->lock, NULL) != 0) {
		rc = VG_EINTERNAL;
		goto out;
	}
	lock_ok = true;
	if (pthread_condattr_init(&ca) != 0) {
		rc = VG_EINTERNAL;
		goto out;
	}
	(void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	cond_ok = pthread_cond_init(&dns->cond, &ca) == 0;
	pthread_condattr_destroy(&ca);
	if (!cond_ok) {
		rc = VG_EINTERNAL;
		goto out;
	}
	if (pipe(dns->wake) != 0) {
		dns->wake[0] = dns->wake[1] = -1;
		vg_err_add(err, NULL, 0, "dns: pipe: %s", strerror(errno));
		rc = VG_EINTERNAL;
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		fl = fcntl(dns->wake[i], F_GETFL);
		if (fl < 0 ||
		    fcntl(dns->wake[i], F_SETFL, fl | O_NONBLOCK) < 0 ||
		    fcntl(dns->wake[i], F_SETFD, FD_CLOEXEC) < 0) {
			rc = VG_EINTERNAL;
			goto out;
		}
	}

	memset(&opts, 0, sizeof(opts));
	opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_EDNS;
	opts.timeout =
	    conf->dns_timeout_ms > 0 ? (int)conf->dns_timeout_ms : 1000;
	opts.tries = 1;
	opts.ednspsz = 1232;
	arc = ares_init_options(&dns->channel, &opts,
	    ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	        ARES_OPT_EDNSPSZ);
	if (arc != ARES_SUCCESS) {
		vg_err_add(err, NULL, 0, "dns: c-ares: %s", ares_strerror(arc));
		rc = arc == ARES_ENOMEM ? VG_ENOMEM : VG_EINTERNAL;
		goto out;
	}
	chan_ok = true;
	if (conf->dns_servers != NULL && conf->dns_servers[0] != '\0') {
		csv = dns_servers_csv(conf->dns_servers);
		if (csv == NULL) {
			rc = VG_ENOMEM;
			goto out;
		}
		arc = ares_set_servers_ports_csv(dns->channel, csv);
		if (arc != ARES_SUCCESS) {
			vg_err_add(err, NULL, 0,
			    "dns_servers: cannot use \"%s\": %s",
			    conf->dns_servers, ares_strerror(arc));
			rc = VG_ECONFIG;
			goto out;
		}
	}

	dns->max_entries = conf->dns_cache_size;
	if (dns->max_entries > 0) {
		for (nb = 16; nb < dns->max_entries && nb < (1u << 20);
		     nb <<= 1)
			continue;
		dns->buckets = vg_calloc(nb, sizeof(*dns->buckets));
		if (dns->buckets == NULL) {
			rc = VG_ENOMEM;
			goto out;
		}
		dns->nbuckets = nb;
	}
	/* A new resolver (a reload) starts with its breaker closed. */
	vg_stats_set(VG_STAT_DNS_UP, 1);
	*out = dns;
	dns = NULL;
out:
	vg_free(csv);
	if (dns != NULL) {
		if (chan_ok)
			ares_destroy(dns->channel);
		if (dns->wake[0] >= 0)
			close(dns->wake[0]);
		if (dns->wake[1] >= 0)
			close(dns->wake[1]);
		if (cond_ok)
			pthread_cond_destroy(&dns->cond);
		if (lock_ok)
			pthread_mutex_destroy(&dns->lock);
		vg_free(dns);
	}
	return rc;
}

/* vg_dns_start_thread - start the event-loop thread once */
int
vg_dns_start_thread(struct vg_dns *dns)
{
	int rc = VG_OK;

	pthread_mutex_lock(&dns->lock);
	if (!dns->thread_started) {
		if (pthread_create(&dns->thread, NULL, dns_thread, dns) != 0)
			rc = VG_EINTERNAL;
		else
			dns->thread_started = true;
	}
	pthread_mutex_unlock(&dns->lock);
	return rc;
}

/* vg_dns_ref - take a reference */
struct vg_dns *
vg_dns_ref(struct vg_dns *dns)
{
	atomic_fetch_add(&dns->refs, 1);
	return dns;
}

/* vg_dns_unref - drop a reference; the last stops the thread and frees */
void
vg_dns_unref(struct vg_dns *dns)
{
	if (dns == NULL || atomic_fetch_sub(&dns->refs, 1) != 1)
		return;
	pthread_mutex_lock(&dns->lock);
	dns->stop = true;
	pthread_mutex_unlock(&dns->lock);
	if (dns->thread_started) {
		dns_wake(dns);
		pthread_join(dns->thread, NULL);
	}
	/* Calls dns_on_reply() with ARES_EDESTRUCTION for what is left. */
	pthread_mutex_lock(&dns->lock);
	ares_destroy(dns->channel);
	while (dns->lru_head != NULL)
		dns_cache_remove(dns, dns->lru_head);
	pthread_mutex_unlock(&dns->lock);
	vg_free(dns->buckets);
	close(dns->wake[0]);
	close(dns->wake[1]);
	pthread_cond_destroy(&dns->cond);
	pthread_mutex_destroy(&dns->lock);
	vg_free(dns);
}

/* dns_send - put q in the flight table and hand it to c-ares; lock held */
static void
dns_send(struct vg_dns *dns, struct vg_dns_query *q, const char *name)
{
	q->fnext = dns->flight;
	dns->flight = q;
	dns->stats.sent++;
	ares_query(dns->channel, name, ns_c_in, (int)q->type, dns_on_reply, q);
	if (dns->thread_started)
		dns_wake(dns);
}

/*
 * dns_submit_down - the resolver is down and the cache has no answer: q
 * (with one reference, not yet sent) gets VG_DNS_TIMEOUT at once, except
 * when a probe is due.  With the resolver thread the probe is a query of
 * its own that nobody waits for (its answer still lands in the cache);
 * without it nobody would drive a query nobody waits for, so q itself is
 * sent and its caller waits.  0 or VG_ENOMEM; lock held.
 */
static int
dns_submit_down(struct vg_dns *dns, struct vg_dns_query *q, const char *name)
{
	struct vg_dns_query *probe = NULL;
	uint64_t now = vg_clock_ms();
	bool probe_due = now >= dns->next_probe_ms;

	if (probe_due && !dns->thread_started) {
		dns->next_probe_ms = now + VG_DNS_PROBE_MS;
		dns->stats.probes++;
		q->refs = 2;
		dns_send(dns, q, name);
		return VG_OK;
	}
	q->ans = dns_answer_status(VG_DNS_TIMEOUT, q->type, 0);
	if (q->ans == NULL)
		return VG_ENOMEM;
	q->refs = 1;
	q->done = true;
	dns->stats.fast_fails++;
	if (!probe_due)
		return VG_OK;
	/* A probe that cannot be allocated is simply tried next time. */
	probe = vg_calloc(1, sizeof(*probe));
	if (probe != NULL)
		probe->key = vg_strdup(q->key);
	if (probe == NULL || probe->key == NULL) {
		vg_free(probe);
		return VG_OK;
	}
	dns->next_probe_ms = now + VG_DNS_PROBE_MS;
	dns->stats.probes++;
	probe->dns = dns;
	probe->type = q->type;
	probe->refs = 1; /* c-ares' only: nobody holds a handle */
	dns_send(dns, probe, name);
	return VG_OK;
}

/* vg_dns_submit - start, join or answer from the cache (see dns.h) */
int
vg_dns_submit(struct vg_dns *dns, struct vg_dns_query **out, const char *name,
    enum vg_dns_type type)
{
	struct vg_dns_query *q = NULL, *f;
	struct dns_answer *a;
	char *key;
	int rc = VG_OK;

	*out = NULL;
	if (!vg_dns_name_valid(name))
		return VG_EINVAL;
	key = dns_key(name, type);
	if (key == NULL)
		return VG_ENOMEM;

	pthread_mutex_lock(&dns->lock);
	/*
	 * XXX a list: fine for the hundreds of queries in flight a busy
	 * milter has (each lives at most dns_timeout_ms); hash it like the
	 * cache if profiles ever show it.  While down, joining a query in
	 * flight would mean waiting for its time-out: skip it.
	 */
	for (f = dns->down ? NULL : dns->flight; f != NULL; f = f->fnext)
		if (strcmp(f->key, key) == 0) {
			f->refs++;
			dns->stats.joined++;
			*out = f;
			goto out;
		}
	q = vg_calloc(1, sizeof(*q));
	if (q == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	q->dns = dns;
	q->type = type;
	q->key = key;
	key = NULL;
	a = dns_cache_get(dns, q->key);
	if (a != NULL) {
		q->refs = 1;
		q->ans = a;
		q->done = true;
		dns->stats.cache_hits++;
		*out = q;
		goto out;
	}
	if (dns->down) {
		rc = dns_submit_down(dns, q, name);
		if (rc != VG_OK) {
			vg_free(q->key);
			vg_free(q);
			goto out;
		}
		*out = q;
		goto out;
	}
	/* One reference for the caller, one for c-ares until the reply. */
	q->refs = 2;
	*out = q;
	dns_send(dns, q, name);
out:
	pthread_mutex_unlock(&dns->lock);
	vg_free(key);
	/* Each handle keeps the resolver alive (see vg_dns_query_free()). */
	if (*out != NULL)
		(void)vg_dns_ref(dns);
	return rc;
}

/* vg_dns_wait - wait for q until deadline_ms (see dns.h) */
int
vg_dns_wait(struct vg_dns *dns, struct vg_dns_query *q, uint64_t deadline_ms)
{
	int rc = VG_OK;

	pthread_mutex_lock(&dns->lock);
	while (!q->done) {
		uint64_t now = vg_clock_ms();

		if (now >= deadline_ms) {
			rc = VG_ETIMEOUT;
			break;
		}
		if (dns->thread_started || dns->driving) {
			struct timespec ts =
			    vg_clock_deadline(deadline_ms - now);

			(void)pthread_cond_timedwait(
			    &dns->cond, &dns->lock, &ts);
			continue;
		}
		/* Nobody runs the loop: this thread does, one step at once. */
		dns->driving = true;
		dns_step(dns, deadline_ms - now);
		dns->driving = false;
		pthread_cond_broadcast(&dns->cond);
	}
	pthread_mutex_unlock(&dns->lock);
	return rc;
}

/* vg_dns_query_answer - the answer of a finished query */
const struct vg_dns_answer *
vg_dns_query_answer(const struct vg_dns_query *q)
{
	struct vg_dns *dns = q->dns;
	const struct vg_dns_answer *a = NULL;

	/* done and ans never change once set, but read them under the lock. */
	pthread_mutex_lock(&dns->lock);
	if (q->done && q->ans != NULL)
		a = &q->ans->pub;
	pthread_mutex_unlock(&dns->lock);
	return a;
}

/* vg_dns_query_free - release a handle */
void
vg_dns_query_free(struct vg_dns_query *q)
{
	struct vg_dns *dns;

	if (q == NULL)
		return;
	dns = q->dns;
	pthread_mutex_lock(&dns->lock);
	dns_query_unref(q);
	pthread_mutex_unlock(&dns->lock);
	vg_dns_unref(dns);
}

/* vg_dns_prefetch - start a query for the cache and forget it */
void
vg_dns_prefetch(struct vg_dns *dns, const char *name, enum vg_dns_type type)
{
	struct vg_dns_query *q;
	int rc = vg_dns_submit(dns, &q, name, type);

	if (rc != VG_OK) {
		vg_debug("dns: no prefetch of %s: %s", name, vg_strerror(rc));
		return;
	}
	vg_dns_query_free(q);
}

/* vg_dns_stats - copy the counters */
void
vg_dns_stats(struct vg_dns *dns, struct vg_dns_stats *out)
{
	pthread_mutex_lock(&dns->lock);
	*out = dns->stats;
	pthread_mutex_unlock(&dns->lock);
}
