/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store_redis - the Redis store backend ("redis"), through hiredis.
 *
 * PURPOSE  State shared by many MTAs (the classifier's token counts, rate
 *	    limits) kept in one Redis.  Every store operation is one round
 *	    trip: incr is INCRBY, or MULTI INCRBY PEXPIRE EXEC when it sets
 *	    a TTL; set is SET [PX]; get GET; expire PEXPIRE, or PERSIST plus
 *	    EXISTS pipelined; del DEL; get_many one MGET; incr_many a
 *	    pipeline of INCRBY (+ PEXPIRE) written at once and read after;
 *	    window_add one Lua script (EVALSHA; EVAL when the server has
 *	    forgotten it: NOSCRIPT) doing what store_mem.c does under its
 *	    lock, atomically, in exact 64-bit arithmetic.
 *
 *	    Key layout: a store key is the Redis key, byte for byte (the
 *	    callers' prefixes, such as "rl/NAME/...", name the table); the
 *	    value is the counter in Redis's integer form (what INCRBY
 *	    writes), so redis-cli shows it and Redis stores small ones as
 *	    shared or embedded integers.  A TTL is Redis's own (PEXPIRE), on
 *	    the server's clock: the clock the store was opened with is not
 *	    used for expiry (vg_store_now() still reads it).  A key that
 *	    holds something else (a string that is not an integer, a list)
 *	    reads as VG_EINVAL.
 *
 *	    Connections: opts->location is "host:port", "[v6addr]:port" or
 *	    an absolute unix socket path, bare or as "unix:/path".  A pool of at most REDIS_POOL_MAX
 *	    connections, opened lazily, lets that many threads talk at
 *	    once; a thread finding them all lent waits for one at most
 *	    timeout_ms.  Each connection sends AUTH when a password is set
 *	    and SELECT when db > 0, and the first also loads the script.
 *	    An idle connection the server closed (a restart) is noticed
 *	    before use (it polls readable) and replaced, so a restart costs
 *	    no call.  A connection that fails (an I/O error, a timeout, a
 *	    server that refuses service: NOAUTH, LOADING, READONLY, OOM...)
 *	    is freed and trips the circuit breaker below.
 * CIRCUIT BREAKER
 *	    Closed (the server answers): every call goes to the server.
 *	    Open (down): the first failure marks the server down, with one
 *	    log line, and for REDIS_BACKOFF_MS every call fails at once with
 *	    VG_ETEMP (counted in stats.fast_fails) instead of waiting on a
 *	    dead or hung server.  Half-open: after the back-off ONE call,
 *	    the probe, goes to the server while every other call still
 *	    fails at once; the probe failing opens the breaker for another
 *	    REDIS_BACKOFF_MS (no new log line), any call succeeding closes
 *	    it, with one log line.  So an outage of any length is two log
 *	    lines, and a hung server costs at most one caller timeout_ms
 *	    per REDIS_BACKOFF_MS (the calls already in flight when it
 *	    stopped answering excepted).  Unlike the DNS breaker (dns.h,
 *	    three time-outs in a row), one failure is enough: a DNS
 *	    time-out can be a remote name server's fault, a Redis failure
 *	    is always this one server's (or the path to it), and each costs
 *	    a caller up to timeout_ms.  stats.down, stats.outages and
 *	    stats.fast_fails show it.  vg_store_new() succeeds with the
 *	    server down (one log line), so the milter starts and the checks
 *	    come back with the server.
 * OWNS     The backend owns its connections and copies of the options'
 *	    strings; nothing returned points into it.
 * LIMITS   timeout_ms (0: 500) bounds the wait for a free connection,
 *	    connecting, and each read or write on the socket
 *	    (SO_RCVTIMEO/SO_SNDTIMEO): a server that stops answering costs
 *	    the calls then in flight timeout_ms (twice that for one that
 *	    also waited for a connection), then the back-off answers at
 *	    once.  The server's memory is bounded by its own maxmemory
 *	    (with a volatile-* policy the keys with TTLs go first), not
 *	    here: stats.max_keys is 0.
 *	    XXX: a server that trickles a reply byte by byte could make one
 *	    call last longer; hiredis has no whole-call deadline.  A host
 *	    name is resolved by getaddrinfo, whose time the timeout does
 *	    not bound: give an address.  TTLs longer than REDIS_TTL_MAX_MS
 *	    (about 100 years) are cut to it.
 * ERRORS   VG_ETEMP: the server cannot be reached or serve now (down,
 *	    slow, refusing, or in back-off); the caller skips its check.
 *	    VG_ELIMIT: INCRBY would pass INT64_MAX or INT64_MIN (Redis
 *	    refuses; a TTL given with it is still set, as the MULTI or the
 *	    pipeline runs on, where the memory store changes nothing).  VG_EINVAL: a key holds no counter; a
 *	    bad location at open.  VG_ENOMEM.  stats() says keys = DBSIZE
 *	    (all keys of the database, the callers' and anyone else's),
 *	    max_keys 0, and the server's expired_keys and evicted_keys
 *	    (server-wide, INFO stats); all 0 when the server cannot say.
 * THREADS  Every operation may run from any thread; the pool's mutex is
 *	    held only to take or return a connection, never across a
 *	    blocking call.  SIGPIPE is blocked in the calling thread during
 *	    its exchange with the server (then restored), so a
 *	    server that went away does not kill a process that did not
 *	    ignore it.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/endpoint.h"
#include "base/err.h"
#include "base/log.h"
#include "base/stats.h"
#include "base/num.h"
#include "store/store.h"

#define REDIS_POOL_MAX           8    /* connections per store */
#define REDIS_BACKOFF_MS         1000 /* fail fast after a failure */
#define REDIS_DEFAULT_TIMEOUT_MS 500
#define REDIS_TTL_MAX_MS         ((uint64_t)100 * 366 * 86400 * 1000)
#define REDIS_WHY_MAX            160

/*
 * The sliding-window check and add (store.h, store_mem.c's mem_window_add),
 * atomic because Redis runs a script alone.  Lua 5.1's numbers are
 * doubles, exact only below 2^53, so the counters (up to 2^63 - 1) and the
 * fraction (up to 2^64 - 1) are done as little-endian arrays of 24-bit
 * limbs: the product prev * num has at most 128 bits, and ceil(x / den)
 * is long division bit by bit.  When prev * num and den are below 2^52
 * (every real rate limit) the doubles are exact and used directly.
 * KEYS: cur, prev, guard.  ARGV: has_prev, has_guard, num, den, delta,
 * cap, ttl_ms, all decimal.  Reply: {added, guarded, count before the add
 * as a decimal string}; a key holding no counter: the error VGINVAL.
 */
static const char redis_window_lua[] =
    "local B = 16777216\n"
    "local function trim(a)\n"
    "  while #a > 1 and a[#a] == 0 do a[#a] = nil end\n"
    "  return a\n"
    "end\n"
    "local function big(s)\n"
    "  if type(s) ~= 'string' or #s == 0 or #s > 20 or\n"
    "      not string.find(s, '^%-?%d+$') then return nil end\n"
    "  if string.sub(s, 1, 1) == '-' then return {0} end\n"
    "  local a = {0}\n"
    "  for i = 1, #s do\n"
    "    local carry = string.byte(s, i) - 48\n"
    "    for j = 1, #a do\n"
    "      local v = a[j] * 10 + carry\n"
    "      carry = math.floor(v / B)\n"
    "      a[j] = v - carry * B\n"
    "    end\n"
    "    if carry > 0 then a[#a + 1] = carry end\n"
    "  end\n"
    "  return trim(a)\n"
    "end\n"
    "local function cmp(a, b)\n"
    "  a = trim(a); b = trim(b)\n"
    "  if #a ~= #b then if #a < #b then return -1 end return 1 end\n"
    "  for i = #a, 1, -1 do\n"
    "    if a[i] ~= b[i] then if a[i] < b[i] then return -1 end\n"
    "      return 1 end\n"
    "  end\n"
    "  return 0\n"
    "end\n"
    "local function add(a, b)\n"
    "  local r, carry = {}, 0\n"
    "  for i = 1, math.max(#a, #b) do\n"
    "    local v = (a[i] or 0) + (b[i] or 0) + carry\n"
    "    if v >= B then r[i] = v - B; carry = 1 else r[i] = v; carry = 0 end\n"
    "  end\n"
    "  if carry > 0 then r[#r + 1] = carry end\n"
    "  return r\n"
    "end\n"
    "local function sub(a, b)\n"
    "  local r, borrow = {}, 0\n"
    "  for i = 1, #a do\n"
    "    local v = a[i] - (b[i] or 0) - borrow\n"
    "    if v < 0 then r[i] = v + B; borrow = 1 else r[i] = v; borrow = 0 end\n"
    "  end\n"
    "  return trim(r)\n"
    "end\n"
    "local function mul(a, b)\n"
    "  local r = {}\n"
    "  for i = 1, #a + #b do r[i] = 0 end\n"
    "  for i = 1, #a do\n"
    "    local carry = 0\n"
    "    for j = 1, #b do\n"
    "      local v = r[i + j - 1] + a[i] * b[j] + carry\n"
    "      carry = math.floor(v / B)\n"
    "      r[i + j - 1] = v - carry * B\n"
    "    end\n"
    "    r[i + #b] = r[i + #b] + carry\n"
    "  end\n"
    "  return trim(r)\n"
    "end\n"
    "local function small(a)\n"
    "  a = trim(a)\n"
    "  if #a > 2 then return nil end\n"
    "  return a[1] + (a[2] or 0) * B\n"
    "end\n"
    "local function fromsmall(x)\n"
    "  local a = {}\n"
    "  for i = 1, 3 do local h = math.floor(x / B); a[i] = x - h * B; x = h "
    "end\n"
    "  return trim(a)\n"
    "end\n"
    "local function mulceil(p, n, d)\n"
    "  local ps, ns, ds = small(p), small(n), small(d)\n"
    "  if ps and ns and ds and ps * ns < 4503599627370496 then\n"
    "    local x = ps * ns\n"
    "    local q = math.floor(x / ds)\n"
    "    if q * ds > x then q = q - 1 end\n"
    "    if x - q * ds > 0 then q = q + 1 end\n"
    "    return fromsmall(q)\n"
    "  end\n"
    "  local x = mul(p, n)\n"
    "  local q, r = {}, {0}\n"
    "  for i = 1, #x do q[i] = 0 end\n"
    "  for i = #x, 1, -1 do\n"
    "    for bit = 23, 0, -1 do\n"
    "      r = add(r, r)\n"
    "      if math.floor(x[i] / 2 ^ bit) % 2 == 1 then r = add(r, {1}) end\n"
    "      if cmp(r, d) >= 0 then r = sub(r, d); q[i] = q[i] + 2 ^ bit end\n"
    "    end\n"
    "  end\n"
    "  q = trim(q)\n"
    "  if cmp(r, {0}) > 0 then q = add(q, {1}) end\n"
    "  return q\n"
    "end\n"
    "local function todec(a)\n"
    "  local t = {}\n"
    "  for i = 1, #a do t[i] = a[i] end\n"
    "  t = trim(t)\n"
    "  local parts = {}\n"
    "  while #t > 1 or t[1] > 0 do\n"
    "    local rem = 0\n"
    "    for i = #t, 1, -1 do\n"
    "      local v = rem * B + t[i]\n"
    "      local q = math.floor(v / 1000000)\n"
    "      rem = v - q * 1000000\n"
    "      t[i] = q\n"
    "    end\n"
    "    t = trim(t)\n"
    "    table.insert(parts, 1, string.format('%06d', rem))\n"
    "  end\n"
    "  local s = string.gsub(table.concat(parts), '^0+', '')\n"
    "  if s == '' then return '0' end\n"
    "  return s\n"
    "end\n"
    "local MAX = big('9223372036854775807')\n"
    "local function val(k)\n"
    "  local v = redis.pcall('GET', k)\n"
    "  if v == false then return {0} end\n"
    "  if type(v) ~= 'string' then return nil end\n"
    "  local a = big(v)\n"
    "  if a == nil or cmp(a, MAX) > 0 then return nil end\n"
    "  return a\n"
    "end\n"
    "local c = val(KEYS[1])\n"
    "if c == nil then return redis.error_reply('VGINVAL cur') end\n"
    "local p = {0}\n"
    "if ARGV[1] == '1' then\n"
    "  p = val(KEYS[2])\n"
    "  if p == nil then return redis.error_reply('VGINVAL prev') end\n"
    "end\n"
    "local n, d, delta = big(ARGV[3]), big(ARGV[4]), big(ARGV[5])\n"
    "local count = c\n"
    "if cmp(p, {0}) > 0 and cmp(n, {0}) > 0 then\n"
    "  count = add(c, mulceil(p, n, d))\n"
    "end\n"
    "if cmp(count, MAX) > 0 then count = MAX end\n"
    "local cs = todec(count)\n"
    "if ARGV[2] == '1' and redis.call('EXISTS', KEYS[3]) == 1 then\n"
    "  return {0, 1, cs}\n"
    "end\n"
    "if string.sub(ARGV[6], 1, 1) == '-' or\n"
    "    cmp(add(count, delta), big(ARGV[6])) > 0 then\n"
    "  return {0, 0, cs}\n"
    "end\n"
    "local r = redis.pcall('INCRBY', KEYS[1], ARGV[5])\n"
    "if type(r) == 'table' then return r end\n"
    "if ARGV[7] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[7]) end\n"
    "return {1, 0, cs}\n";

struct redis_store {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a connection came back, or a slot freed */
	redisContext *idle[REDIS_POOL_MAX];
	size_t nidle;
	size_t nconns;       /* open or being opened: idle or lent */
	uint64_t retry_at;   /* vg_clock_ms(): no call before (back-off) */
	bool down;           /* breaker open (the state last logged) */
	bool probing;        /* half-open: the one probe call is out */
	uint64_t outages;    /* times the breaker opened */
	uint64_t fast_fails; /* calls failed at once while open */
	bool have_sha;       /* sha holds the script's SHA1 */
	char sha[41];
	char *location; /* for log lines */
	char *host;     /* TCP, or NULL */
	int port;
	char *path; /* unix socket, or NULL */
	char *password;
	unsigned db;
	unsigned timeout_ms;
	atomic_bool said_einval; /* a VG_EINVAL reply was logged */
};

/* One command's arguments, binary-safe. */
struct redis_cmd {
	const char *argv[16];
	size_t len[16];
	int argc;
	char num[4][24]; /* numbers formatted for argv */
};

/* cmd_start - a command named name */
static void
cmd_start(struct redis_cmd *cmd, const char *name)
{
	cmd->argc = 0;
	cmd->argv[cmd->argc] = name;
	cmd->len[cmd->argc++] = strlen(name);
}

/* cmd_key - append a key (an empty one has NULL data: "" instead) */
static void
cmd_key(struct redis_cmd *cmd, struct vg_store_key key)
{
	cmd->argv[cmd->argc] = key.len > 0 ? key.data : "";
	cmd->len[cmd->argc++] = key.len;
}

/* cmd_str - append a C string */
static void
cmd_str(struct redis_cmd *cmd, const char *s)
{
	cmd->argv[cmd->argc] = s;
	cmd->len[cmd->argc++] = strlen(s);
}

/* cmd_int - append a signed number, formatted into slot */
static void
cmd_int(struct redis_cmd *cmd, int slot, int64_t v)
{
	(void)snprintf(
	    cmd->num[slot], sizeof(cmd->num[slot]), "%lld", (long long)v);
	cmd_str(cmd, cmd->num[slot]);
}

/* cmd_uint - append an unsigned number, formatted into slot */
static void
cmd_uint(struct redis_cmd *cmd, int slot, uint64_t v)
{
	(void)snprintf(cmd->num[slot], sizeof(cmd->num[slot]), "%llu",
	    (unsigned long long)v);
	cmd_str(cmd, cmd->num[slot]);
}

/* redis_ttl - a TTL Redis accepts (PEXPIRE refuses ones past its clock) */
static uint64_t
redis_ttl(uint64_t ttl_ms)
{
	return ttl_ms > REDIS_TTL_MAX_MS ? REDIS_TTL_MAX_MS : ttl_ms;
}

/*
 * redis_parse_int - a Redis integer as INCRBY writes it: '-'? digits, no
 * leading zero, within int64; false for anything else.
 */
static bool
redis_parse_int(int64_t *out, const char *s, size_t len)
{
	uint64_t v = 0, max = INT64_MAX;
	bool neg = false;
	size_t i = 0;

	*out = 0;
	if (len > 0 && s[0] == '-') {
		neg = true;
		max = (uint64_t)INT64_MAX + 1;
		i = 1;
	}
	if (i == len || len - i > 20 || (s[i] == '0' && len - i > 1))
		return false;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (max - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (neg && v == 0)
		return false; /* "-0" is not what Redis writes */
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* redis_reply_is - reply is an error starting with prefix */
static bool
redis_reply_is(const redisReply *reply, const char *prefix)
{
	size_t n = strlen(prefix);

	return reply->type == REDIS_REPLY_ERROR && reply->len >= n &&
	    memcmp(reply->str, prefix, n) == 0;
}

/*
 * redis_data_error - the VG_E* for an error reply that concerns the data
 * (an overflow, a key holding no counter), or 0 for one that says the
 * server cannot serve us (NOAUTH, LOADING, OOM...), which fails the
 * connection.
 */
static int
redis_data_error(const redisReply *reply)
{
	if (redis_reply_is(reply, "ERR increment or decrement would overflow"))
		return VG_ELIMIT;
	if (redis_reply_is(reply, "WRONGTYPE") ||
	    redis_reply_is(reply, "VGINVAL") ||
	    redis_reply_is(reply, "ERR value is not an integer"))
		return VG_EINVAL;
	return 0;
}

/* redis_why - a connection's error text, or a default */
static void
redis_why(char *why, size_t size, const redisContext *c, const char *dflt)
{
	const char *s =
	    c != NULL && c->err != 0 && c->errstr[0] != '\0' ? c->errstr : dflt;

	/* SO_RCVTIMEO's EAGAIN reads "Resource temporarily unavailable". */
	if (c != NULL && c->err == REDIS_ERR_IO &&
	    strstr(s, "temporarily unavailable") != NULL)
		s = "no answer within the timeout";
	(void)snprintf(why, size, "%s", s);
}

/*
 * redis_mark_down - the server failed: back off, log once per outage.
 * Mutex held.
 */
static void
redis_mark_down(struct redis_store *r, const char *why)
{
	r->retry_at = vg_clock_ms() + REDIS_BACKOFF_MS;
	r->probing = false;
	vg_stats_redis(false);
	if (r->down)
		return;
	r->down = true;
	r->outages++;
	vg_warn("store redis %s: %s; marked down: store calls fail at once "
	        "(VG_ETEMP), one probe every %u ms, until it answers again",
	    r->location, why, (unsigned)REDIS_BACKOFF_MS);
}

/* redis_mark_up - a call succeeded: log the end of an outage.  Mutex held */
static void
redis_mark_up(struct redis_store *r)
{
	r->probing = false;
	vg_stats_redis(true);
	if (!r->down)
		return;
	r->down = false;
	vg_info(
	    "store redis %s: the server answers again; marked up", r->location);
}

/* redis_alive - an idle connection has nothing to read unless closed */
static bool
redis_alive(redisContext *c)
{
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};

	return c->err == 0 && poll(&pfd, 1, 0) == 0;
}

/*
 * The SIGPIPE guard: a write to a socket the server closed raises SIGPIPE,
 * which kills a process that does not ignore it (the milter does; a
 * command-line tool may not).  It is blocked in this thread while hiredis
 * writes, and one that became pending is consumed.
 */
struct redis_sigpipe {
	sigset_t old;
	bool ok;
};

/* redis_sigpipe_block - block SIGPIPE in this thread */
static void
redis_sigpipe_block(struct redis_sigpipe *g)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	g->ok = pthread_sigmask(SIG_BLOCK, &set, &g->old) == 0;
}

/* redis_sigpipe_restore - consume a SIGPIPE we raised, restore the mask */
static void
redis_sigpipe_restore(struct redis_sigpipe *g)
{
	struct timespec zero = {0, 0};
	sigset_t set, pending;

	if (!g->ok)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	/* One that was blocked before may be the caller's: leave it. */
	if (!sigismember(&g->old, SIGPIPE) && sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE) == 1)
		(void)sigtimedwait(&set, NULL, &zero);
	(void)pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/*
 * redis_exchange - write every appended command, read n replies into
 * replies[] (one round trip).  All n are read even after an error reply
 * so that the connection stays in step; on an I/O error the connection
 * is dead (c->err) and the replies are freed.  0 or VG_ETEMP/VG_ENOMEM.
 */
static int
redis_exchange(redisContext *c, redisReply **replies, size_t n)
{
	struct redis_sigpipe g;
	void *reply;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++)
		replies[i] = NULL;
	redis_sigpipe_block(&g);
	for (i = 0; i < n; i++) {
		reply = NULL;
		if (redisGetReply(c, &reply) != REDIS_OK || reply == NULL) {
			rc = c->err == REDIS_ERR_OOM ? VG_ENOMEM : VG_ETEMP;
			break;
		}
		replies[i] = reply;
	}
	redis_sigpipe_restore(&g);
	if (rc != 0) {
		for (i = 0; i < n; i++) {
			if (replies[i] != NULL)
				freeReplyObject(replies[i]);
			replies[i] = NULL;
		}
		/* A short read leaves replies unread: never reuse it. */
		if (c->err == 0)
			c->err = REDIS_ERR_OTHER;
	}
	return rc;
}

/* redis_free_replies - free n replies (NULL ones skipped) */
static void
redis_free_replies(redisReply **replies, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (replies[i] != NULL)
			freeReplyObject(replies[i]);
}

/* redis_append - append one command; VG_ENOMEM when hiredis cannot */
static int
redis_append(redisContext *c, struct redis_cmd *cmd)
{
	if (redisAppendCommandArgv(c, cmd->argc, cmd->argv, cmd->len) !=
	    REDIS_OK) {
		if (c->err == 0)
			c->err = REDIS_ERR_OOM;
		return VG_ENOMEM;
	}
	return 0;
}

/*
 * redis_connect - a new connection, authenticated, on the database, the
 * script loaded if the store has not its SHA1 yet.  On failure, why says
 * what went wrong and *out is NULL.  Called without the mutex.
 */
static int
redis_connect(struct redis_store *r, redisContext **out, char *why)
{
	struct timeval tv = {(time_t)(r->timeout_ms / 1000),
	    (suseconds_t)(r->timeout_ms % 1000) * 1000};
	redisReply *replies[3];
	struct redis_cmd cmd;
	redisContext *c;
	size_t n = 0, i;
	bool need_sha;
	int rc = 0;

	*out = NULL;
	if (r->path != NULL)
		c = redisConnectUnixWithTimeout(r->path, tv);
	else
		c = redisConnectWithTimeout(r->host, r->port, tv);
	if (c == NULL) {
		(void)snprintf(why, REDIS_WHY_MAX, "out of memory");
		return VG_ENOMEM;
	}
	if (c->err != 0 || redisSetTimeout(c, tv) != REDIS_OK) {
		redis_why(why, REDIS_WHY_MAX, c, "cannot set a timeout");
		redisFree(c);
		return VG_ETEMP;
	}
	/* TCP keepalive finds a peer that vanished (a unix socket has none). */
	if (r->path == NULL && redisEnableKeepAlive(c) != REDIS_OK) {
		redis_why(why, REDIS_WHY_MAX, c, "cannot set keepalive");
		redisFree(c);
		return VG_ETEMP;
	}
	pthread_mutex_lock(&r->mu);
	need_sha = !r->have_sha;
	pthread_mutex_unlock(&r->mu);
	if (r->password != NULL) {
		cmd_start(&cmd, "AUTH");
		cmd_str(&cmd, r->password);
		rc = redis_append(c, &cmd);
		n++;
	}
	if (rc == 0 && r->db > 0) {
		cmd_start(&cmd, "SELECT");
		cmd_uint(&cmd, 0, r->db);
		rc = redis_append(c, &cmd);
		n++;
	}
	if (rc == 0 && need_sha) {
		cmd_start(&cmd, "SCRIPT");
		cmd_str(&cmd, "LOAD");
		cmd_str(&cmd, redis_window_lua);
		rc = redis_append(c, &cmd);
		n++;
	}
	if (rc == 0 && n > 0 && (rc = redis_exchange(c, replies, n)) == 0) {
		for (i = 0; i < n && rc == 0; i++) {
			if (replies[i]->type == REDIS_REPLY_ERROR) {
				/* A wrong password, a bad db number. */
				(void)snprintf(why, REDIS_WHY_MAX,
				    "%s refused: %.100s",
				    i == 0 && r->password != NULL ? "AUTH"
				                                  : "setup",
				    replies[i]->str);
				rc = VG_ETEMP;
			}
		}
		if (rc == 0 && need_sha) {
			redisReply *sha = replies[n - 1];

			if (sha->type != REDIS_REPLY_STRING || sha->len != 40) {
				(void)snprintf(why, REDIS_WHY_MAX,
				    "SCRIPT LOAD gave no SHA1");
				rc = VG_ETEMP;
			} else {
				pthread_mutex_lock(&r->mu);
				memcpy(r->sha, sha->str, 40);
				r->sha[40] = '\0';
				r->have_sha = true;
				pthread_mutex_unlock(&r->mu);
			}
		}
		redis_free_replies(replies, n);
	} else if (rc != 0) {
		redis_why(why, REDIS_WHY_MAX, c, "out of memory");
	}
	if (rc != 0) {
		redisFree(c);
		return rc;
	}
	*out = c;
	return 0;
}

/*
 * redis_acquire - a connection of the pool for this thread: an idle one,
 * or a new one while fewer than REDIS_POOL_MAX are open, else wait for
 * one up to timeout_ms.  VG_ETEMP at once while the breaker is open and
 * while another call is the half-open probe, and when a connection
 * cannot be made (which opens it).
 */
static int
redis_acquire(struct redis_store *r, redisContext **out)
{
	uint64_t now = vg_clock_ms(), deadline = now + r->timeout_ms;
	char why[REDIS_WHY_MAX];
	struct timespec ts;
	redisContext *c;
	bool probe = false;
	int rc;

	*out = NULL;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		now = vg_clock_ms();
		if (!probe && (now < r->retry_at || (r->down && r->probing))) {
			r->fast_fails++;
			pthread_mutex_unlock(&r->mu);
			return VG_ETEMP;
		}
		if (r->down && !probe) /* half-open: this call is the probe */
			probe = r->probing = true;
		while (r->nidle > 0) {
			c = r->idle[--r->nidle];
			if (redis_alive(c)) {
				pthread_mutex_unlock(&r->mu);
				*out = c;
				return 0;
			}
			/* The server closed it (a restart, a client timeout). */
			redisFree(c);
			r->nconns--;
		}
		if (r->nconns < REDIS_POOL_MAX)
			break;
		if (now >= deadline) {
			if (probe) /* no connection came back: probe later */
				r->probing = false;
			pthread_mutex_unlock(&r->mu);
			return VG_ETEMP;
		}
		ts = vg_clock_deadline(deadline - now);
		(void)pthread_cond_timedwait(&r->cv, &r->mu, &ts);
	}
	r->nconns++;
	pthread_mutex_unlock(&r->mu);
	/* Connect without the mutex: the others keep using the pool. */
	rc = redis_connect(r, &c, why);
	pthread_mutex_lock(&r->mu);
	if (rc != 0) {
		r->nconns--;
		if (rc == VG_ETEMP)
			redis_mark_down(r, why);
		/* Waiters see the back-off now, not at their deadline. */
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	*out = c;
	return rc;
}

/*
 * redis_release - give c back after a call: to the pool when it is sound
 * (then the server is up), else freed, starting a back-off when the
 * connection failed (why says how).
 */
static void
redis_release(struct redis_store *r, redisContext *c, const char *why)
{
	char buf[REDIS_WHY_MAX];

	pthread_mutex_lock(&r->mu);
	if (c->err == 0 && why == NULL) {
		r->idle[r->nidle++] = c;
		redis_mark_up(r);
	} else {
		if (why == NULL) {
			redis_why(buf, sizeof(buf), c, "connection failed");
			why = buf;
		}
		if (c->err != REDIS_ERR_OOM)
			redis_mark_down(r, why);
		else
			r->probing = false; /* not the server's fault */
		redisFree(c);
		r->nconns--;
	}
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/*
 * redis_check - rc for the error reply reply (0 when it is none).  A data
 * error is returned (and logged the first time); any other means the
 * server will not serve us: VG_ETEMP, *why set, the connection failed.
 */
static int
redis_check(struct redis_store *r, const redisReply *reply, char *why)
{
	int rc;

	if (reply->type != REDIS_REPLY_ERROR)
		return 0;
	if ((rc = redis_data_error(reply)) != 0) {
		if (rc == VG_EINVAL && !atomic_exchange(&r->said_einval, true))
			vg_warn("store redis %s: a key holds no counter: "
			        "%.100s (calls on such keys fail with "
			        "VG_EINVAL; logged once)",
			    r->location, reply->str);
		return rc;
	}
	(void)snprintf(why, REDIS_WHY_MAX, "server error: %.100s", reply->str);
	return VG_ETEMP;
}

/* redis_int_reply - an integer reply's value; false for another type */
static bool
redis_int_reply(int64_t *out, const redisReply *reply)
{
	*out = 0;
	if (reply->type != REDIS_REPLY_INTEGER)
		return false;
	*out = (int64_t)reply->integer;
	return true;
}

/*
 * redis_value - a GET or MGET element: nil is missing (0), a string must
 * be an integer.  0 or VG_EINVAL (logged once).
 */
static int
redis_value(struct redis_store *r, int64_t *value_out, bool *found_out,
    const redisReply *reply)
{
	*value_out = 0;
	*found_out = false;
	if (reply->type == REDIS_REPLY_NIL)
		return 0;
	if (reply->type == REDIS_REPLY_STRING &&
	    redis_parse_int(value_out, reply->str, reply->len)) {
		*found_out = true;
		return 0;
	}
	if (!atomic_exchange(&r->said_einval, true))
		vg_warn("store redis %s: a key holds no counter (calls on "
		        "such keys fail with VG_EINVAL; logged once)",
		    r->location);
	return VG_EINVAL;
}

/*
 * redis_refused - an error reply among n (or inside an EXEC's array) that
 * says the server will not serve us (NOAUTH, LOADING, READONLY, OOM...),
 * as opposed to one about the data or NOSCRIPT; its text in why.
 */
static bool
redis_refused(redisReply **replies, size_t n, char *why)
{
	const redisReply *e;

	for (size_t i = 0; i < n; i++) {
		e = replies[i];
		if (e->type == REDIS_REPLY_ARRAY) {
			if (redis_refused(e->element, e->elements, why))
				return true;
			continue;
		}
		if (e->type != REDIS_REPLY_ERROR || redis_data_error(e) != 0 ||
		    redis_reply_is(e, "NOSCRIPT"))
			continue;
		(void)snprintf(
		    why, REDIS_WHY_MAX, "server error: %.100s", e->str);
		return true;
	}
	return false;
}

/*
 * redis_finish - after an exchange that gave rc: give c back, or drop it
 * and back off when it failed or the server refused service.
 */
static void
redis_finish(struct redis_store *r, redisContext *c, int rc,
    redisReply **replies, size_t n)
{
	char why[REDIS_WHY_MAX];

	if (rc == 0 && redis_refused(replies, n, why))
		redis_release(r, c, why);
	else
		redis_release(r, c, NULL);
}

/*
 * redis_call - the one round trip of an operation: take a connection,
 * append ncmds commands, read nreplies replies, give the connection back
 * (or drop it).  The caller frees the replies with redis_free_replies().
 */
static int
redis_call(struct redis_store *r, redisReply **replies, size_t nreplies,
    struct redis_cmd *cmds, size_t ncmds)
{
	redisContext *c;
	int rc;

	if ((rc = redis_acquire(r, &c)) != 0)
		return rc;
	for (size_t i = 0; i < ncmds && rc == 0; i++)
		rc = redis_append(c, &cmds[i]);
	if (rc == 0)
		rc = redis_exchange(c, replies, nreplies);
	redis_finish(r, c, rc, replies, nreplies);
	return rc;
}

/* redis_fail - the server refused service (rc VG_ETEMP): back off */
static void
redis_fail(struct redis_store *r, const char *why)
{
	pthread_mutex_lock(&r->mu);
	redis_mark_down(r, why);
	pthread_mutex_unlock(&r->mu);
}

/*
 * redis_checked - redis_check() on each of n replies: the first error's
 * rc; a server refusal starts a back-off.  The ok types are the caller's
 * to check.
 */
static int
redis_checked(struct redis_store *r, redisReply **replies, size_t n)
{
	char why[REDIS_WHY_MAX];
	int rc = 0, e;

	for (size_t i = 0; i < n; i++) {
		if ((e = redis_check(r, replies[i], why)) == VG_ETEMP) {
			redis_fail(r, why);
			return VG_ETEMP;
		}
		if (rc == 0)
			rc = e;
	}
	return rc;
}

/* redis_unexpected - a reply of the wrong type: a protocol surprise */
static int
redis_unexpected(struct redis_store *r, const char *cmd)
{
	char why[REDIS_WHY_MAX];

	(void)snprintf(why, sizeof(why), "unexpected reply to %s", cmd);
	redis_fail(r, why);
	return VG_ETEMP;
}

/* redis_location - parse opts->location into host/port or path */
static int
redis_location(struct redis_store *r, const char *loc)
{
	struct vg_endpoint ep;
	const char *why;

	if (vg_endpoint_parse(&ep, loc, &why) != 0)
		return VG_EINVAL;
	if (ep.path != NULL)
		return (r->path = vg_strdup(ep.path)) == NULL ? VG_ENOMEM : 0;
	r->port = ep.port;
	return (r->host = vg_strndup(ep.host, ep.hlen)) == NULL ? VG_ENOMEM : 0;
}

/* redis_free - the backend and whatever it holds */
static void
redis_free(struct redis_store *r)
{
	for (size_t i = 0; i < r->nidle; i++)
		redisFree(r->idle[i]);
	vg_free(r->location);
	vg_free(r->host);
	vg_free(r->path);
	vg_free(r->password);
	vg_free(r);
}

/*
 * redis_open - parse the options and try one connection; a server that
 * is down now is logged, not an error.
 */
static int
redis_open(void **be_out, const struct vg_store_opts *opts)
{
	struct redis_store *r;
	pthread_condattr_t ca;
	redisContext *c;
	int rc;

	*be_out = NULL;
	if ((r = vg_calloc(1, sizeof(*r))) == NULL)
		return VG_ENOMEM;
	r->db = opts->db;
	r->timeout_ms =
	    opts->timeout_ms != 0 ? opts->timeout_ms : REDIS_DEFAULT_TIMEOUT_MS;
	atomic_init(&r->said_einval, false);
	if ((rc = redis_location(r, opts->location)) != 0)
		goto fail;
	rc = VG_ENOMEM;
	if ((r->location = vg_strdup(opts->location)) == NULL)
		goto fail;
	if (opts->password != NULL &&
	    (r->password = vg_strdup(opts->password)) == NULL)
		goto fail;
	if (pthread_mutex_init(&r->mu, NULL) != 0)
		goto fail;
	if (pthread_condattr_init(&ca) != 0) {
		pthread_mutex_destroy(&r->mu);
		goto fail;
	}
	/* vg_clock_deadline() gives CLOCK_MONOTONIC times. */
	(void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&r->cv, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		pthread_mutex_destroy(&r->mu);
		goto fail;
	}
	pthread_condattr_destroy(&ca);
	/* The first connection, to say early when the server is not there. */
	if ((rc = redis_acquire(r, &c)) == 0)
		redis_release(r, c, NULL);
	else if (rc == VG_ENOMEM)
		goto fail_sync;
	*be_out = r;
	return 0;
fail_sync:
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
fail:
	redis_free(r);
	return rc;
}

/* redis_close - every connection, the backend */
static void
redis_close(void *be)
{
	struct redis_store *r = be;

	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	redis_free(r);
}

/* redis_incr - INCRBY, in a MULTI with PEXPIRE when it sets a TTL */
static int
redis_incr(void *be, int64_t *value_out, struct vg_store_key key, int64_t delta,
    uint64_t ttl_ms)
{
	struct redis_store *r = be;
	struct redis_cmd cmds[4];
	redisReply *rep[4], *incr;
	size_t n = 1;
	int rc;

	*value_out = 0;
	if (ttl_ms == 0) {
		cmd_start(&cmds[0], "INCRBY");
		cmd_key(&cmds[0], key);
		cmd_int(&cmds[0], 0, delta);
	} else {
		/* MULTI: no other client sees the key without its TTL. */
		cmd_start(&cmds[0], "MULTI");
		cmd_start(&cmds[1], "INCRBY");
		cmd_key(&cmds[1], key);
		cmd_int(&cmds[1], 0, delta);
		cmd_start(&cmds[2], "PEXPIRE");
		cmd_key(&cmds[2], key);
		cmd_uint(&cmds[2], 0, redis_ttl(ttl_ms));
		cmd_start(&cmds[3], "EXEC");
		n = 4;
	}
	if ((rc = redis_call(r, rep, n, cmds, n)) != 0)
		return rc;
	incr = rep[0];
	if (n == 4) {
		incr = NULL;
		if (rep[3]->type == REDIS_REPLY_ARRAY && rep[3]->elements == 2)
			incr = rep[3]->element[0];
		else if ((rc = redis_checked(r, rep, 4)) == 0)
			rc = redis_unexpected(r, "EXEC");
	}
	if (rc == 0 && (rc = redis_checked(r, &incr, 1)) == 0 &&
	    !redis_int_reply(value_out, incr))
		rc = redis_unexpected(r, "INCRBY");
	redis_free_replies(rep, n);
	return rc;
}

/* redis_set - SET, with PX when it has a TTL (without: none) */
static int
redis_set(void *be, struct vg_store_key key, int64_t value, uint64_t ttl_ms)
{
	struct redis_store *r = be;
	struct redis_cmd cmd;
	redisReply *rep;
	int rc;

	cmd_start(&cmd, "SET");
	cmd_key(&cmd, key);
	cmd_int(&cmd, 0, value);
	if (ttl_ms > 0) {
		cmd_str(&cmd, "PX");
		cmd_uint(&cmd, 1, redis_ttl(ttl_ms));
	}
	if ((rc = redis_call(r, &rep, 1, &cmd, 1)) != 0)
		return rc;
	if ((rc = redis_checked(r, &rep, 1)) == 0 &&
	    rep->type != REDIS_REPLY_STATUS)
		rc = redis_unexpected(r, "SET");
	freeReplyObject(rep);
	return rc;
}

/* redis_get - GET */
static int
redis_get(
    void *be, int64_t *value_out, bool *found_out, struct vg_store_key key)
{
	struct redis_store *r = be;
	struct redis_cmd cmd;
	redisReply *rep;
	int rc;

	*value_out = 0;
	*found_out = false;
	cmd_start(&cmd, "GET");
	cmd_key(&cmd, key);
	if ((rc = redis_call(r, &rep, 1, &cmd, 1)) != 0)
		return rc;
	if ((rc = redis_checked(r, &rep, 1)) == 0)
		rc = redis_value(r, value_out, found_out, rep);
	freeReplyObject(rep);
	return rc;
}

/*
 * redis_expire - PEXPIRE; clearing is PERSIST, whose reply does not say
 * whether the key exists (0 also for a key with no TTL), so EXISTS rides
 * in the same round trip.
 */
static int
redis_expire(
    void *be, bool *found_out, struct vg_store_key key, uint64_t ttl_ms)
{
	struct redis_store *r = be;
	struct redis_cmd cmds[2];
	redisReply *rep[2], *last;
	size_t n = 1;
	int64_t v;
	int rc;

	*found_out = false;
	if (ttl_ms > 0) {
		cmd_start(&cmds[0], "PEXPIRE");
		cmd_key(&cmds[0], key);
		cmd_uint(&cmds[0], 0, redis_ttl(ttl_ms));
	} else {
		cmd_start(&cmds[0], "PERSIST");
		cmd_key(&cmds[0], key);
		cmd_start(&cmds[1], "EXISTS");
		cmd_key(&cmds[1], key);
		n = 2;
	}
	if ((rc = redis_call(r, rep, n, cmds, n)) != 0)
		return rc;
	last = rep[n - 1];
	if ((rc = redis_checked(r, rep, n)) == 0) {
		if (redis_int_reply(&v, last))
			*found_out = v == 1;
		else
			rc = redis_unexpected(r, "PEXPIRE");
	}
	redis_free_replies(rep, n);
	return rc;
}

/* redis_del - DEL */
static int
redis_del(void *be, bool *found_out, struct vg_store_key key)
{
	struct redis_store *r = be;
	struct redis_cmd cmd;
	redisReply *rep;
	int64_t v;
	int rc;

	*found_out = false;
	cmd_start(&cmd, "DEL");
	cmd_key(&cmd, key);
	if ((rc = redis_call(r, &rep, 1, &cmd, 1)) != 0)
		return rc;
	if ((rc = redis_checked(r, &rep, 1)) == 0) {
		if (redis_int_reply(&v, rep))
			*found_out = v > 0;
		else
			rc = redis_unexpected(r, "DEL");
	}
	freeReplyObject(rep);
	return rc;
}

/*
 * redis_get_many - MGETs of at most VG_STORE_BATCH_MAX keys each, written
 * together and their replies read after: one round trip for any n
 */
static int
redis_get_many(void *be, int64_t *values_out, bool *found_out,
    const struct vg_store_key *keys, size_t n)
{
	struct redis_store *r = be;
	size_t nmget = (n + VG_STORE_BATCH_MAX - 1) / VG_STORE_BATCH_MAX;
	const char **argv = NULL;
	size_t *lens = NULL;
	redisReply **rep = NULL;
	redisContext *c;
	int rc = VG_ENOMEM;

	/* n <= VG_STORE_GET_MAX: no overflow in n + nmget. */
	if ((argv = vg_calloc(n + nmget, sizeof(*argv))) == NULL ||
	    (lens = vg_calloc(n + nmget, sizeof(*lens))) == NULL ||
	    (rep = vg_calloc(nmget, sizeof(*rep))) == NULL)
		goto out;
	if ((rc = redis_acquire(r, &c)) != 0)
		goto out;
	for (size_t m = 0, off = 0; m < nmget; m++, off += VG_STORE_BATCH_MAX) {
		size_t k =
		    n - off < VG_STORE_BATCH_MAX ? n - off : VG_STORE_BATCH_MAX;
		const char **av = argv + off + m;
		size_t *al = lens + off + m;

		av[0] = "MGET";
		al[0] = 4;
		for (size_t i = 0; i < k; i++) {
			av[i + 1] =
			    keys[off + i].len > 0 ? keys[off + i].data : "";
			al[i + 1] = keys[off + i].len;
		}
		if (redisAppendCommandArgv(c, (int)(k + 1), av, al) !=
		    REDIS_OK) {
			if (c->err == 0)
				c->err = REDIS_ERR_OOM;
			rc = VG_ENOMEM;
			break;
		}
	}
	if (rc == 0)
		rc = redis_exchange(c, rep, nmget);
	redis_finish(r, c, rc, rep, nmget);
	if (rc != 0)
		goto out;
	if ((rc = redis_checked(r, rep, nmget)) != 0)
		goto out;
	for (size_t m = 0, off = 0; m < nmget && rc == 0;
	     m++, off += VG_STORE_BATCH_MAX) {
		size_t k =
		    n - off < VG_STORE_BATCH_MAX ? n - off : VG_STORE_BATCH_MAX;

		if (rep[m]->type != REDIS_REPLY_ARRAY ||
		    rep[m]->elements != k) {
			rc = redis_unexpected(r, "MGET");
			break;
		}
		for (size_t i = 0; i < k && rc == 0; i++)
			rc = redis_value(r, &values_out[off + i],
			    &found_out[off + i], rep[m]->element[i]);
	}
out:
	if (rep != NULL)
		redis_free_replies(rep, nmget);
	vg_free(rep);
	vg_free(argv);
	vg_free(lens);
	return rc;
}

/*
 * redis_incr_many - a pipeline of INCRBY (+ PEXPIRE) written at once, the
 * replies read after: one round trip.  The first error in key order is
 * returned; the other keys were added (store.h allows it).
 */
static int
redis_incr_many(void *be, int64_t *values_out, const struct vg_store_key *keys,
    const int64_t *deltas, size_t n, uint64_t ttl_ms)
{
	struct redis_store *r = be;
	size_t per = ttl_ms > 0 ? 2 : 1, nrep = n * per;
	redisReply **rep;
	struct redis_cmd cmd;
	redisContext *c;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		values_out[i] = 0;
	if ((rep = vg_calloc(nrep, sizeof(*rep))) == NULL)
		return VG_ENOMEM;
	if ((rc = redis_acquire(r, &c)) != 0)
		goto out;
	for (size_t i = 0; i < n && rc == 0; i++) {
		cmd_start(&cmd, "INCRBY");
		cmd_key(&cmd, keys[i]);
		cmd_int(&cmd, 0, deltas[i]);
		rc = redis_append(c, &cmd);
		if (rc == 0 && per == 2) {
			cmd_start(&cmd, "PEXPIRE");
			cmd_key(&cmd, keys[i]);
			cmd_uint(&cmd, 0, redis_ttl(ttl_ms));
			rc = redis_append(c, &cmd);
		}
	}
	if (rc == 0)
		rc = redis_exchange(c, rep, nrep);
	redis_finish(r, c, rc, rep, nrep);
	if (rc != 0)
		goto out;
	if ((rc = redis_checked(r, rep, nrep)) == VG_ETEMP)
		goto out;
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if ((rc = redis_checked(r, &rep[i * per], 1)) != 0)
			break;
		if (!redis_int_reply(&values_out[i], rep[i * per]))
			rc = redis_unexpected(r, "INCRBY");
	}
out:
	redis_free_replies(rep, nrep);
	vg_free(rep);
	return rc;
}

/* redis_window_cmd - the EVALSHA (or EVAL) of the window script */
static void
redis_window_cmd(
    struct redis_cmd *cmd, const struct vg_store_window *w, const char *sha)
{
	cmd_start(cmd, sha != NULL ? "EVALSHA" : "EVAL");
	cmd_str(cmd, sha != NULL ? sha : redis_window_lua);
	cmd_str(cmd, "3");
	cmd_key(cmd, w->cur);
	cmd_key(cmd, w->prev);
	cmd_key(cmd, w->guard);
	cmd_str(cmd, w->prev.len > 0 ? "1" : "0");
	cmd_str(cmd, w->guard.len > 0 ? "1" : "0");
	cmd_uint(cmd, 0, w->prev_num);
	cmd_uint(cmd, 1, w->prev_den);
	cmd_int(cmd, 2, w->delta);
	cmd_int(cmd, 3, w->cap);
}

/*
 * redis_window_add - the window script, by SHA1; EVAL (which caches it
 * again) when the server answers NOSCRIPT (a restart, SCRIPT FLUSH).
 */
static int
redis_window_add(
    void *be, struct vg_store_window_res *out, const struct vg_store_window *w)
{
	struct redis_store *r = be;
	char sha[41], ttl[24];
	struct redis_cmd cmd;
	redisReply *rep = NULL;
	int64_t count;
	bool have;
	int rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&r->mu);
	have = r->have_sha;
	memcpy(sha, r->sha, sizeof(sha));
	pthread_mutex_unlock(&r->mu);
	(void)snprintf(
	    ttl, sizeof(ttl), "%llu", (unsigned long long)redis_ttl(w->ttl_ms));
	for (int pass = 0; pass < 2; pass++) {
		redis_window_cmd(&cmd, w, have && pass == 0 ? sha : NULL);
		cmd_str(&cmd, ttl);
		if ((rc = redis_call(r, &rep, 1, &cmd, 1)) != 0)
			return rc;
		if (!redis_reply_is(rep, "NOSCRIPT"))
			break;
		freeReplyObject(rep);
		rep = NULL;
	}
	if ((rc = redis_checked(r, &rep, 1)) != 0)
		goto out;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3 ||
	    rep->element[0]->type != REDIS_REPLY_INTEGER ||
	    rep->element[1]->type != REDIS_REPLY_INTEGER ||
	    rep->element[2]->type != REDIS_REPLY_STRING ||
	    !redis_parse_int(
	        &count, rep->element[2]->str, rep->element[2]->len)) {
		rc = redis_unexpected(r, "the window script");
		goto out;
	}
	out->added = rep->element[0]->integer == 1;
	out->guarded = rep->element[1]->integer == 1;
	/* The script checked count + delta <= cap: no overflow. */
	out->count = out->added ? count + w->delta : count;
out:
	freeReplyObject(rep);
	return rc;
}

/* redis_info_field - the number after "name:" in an INFO text, or 0 */
static uint64_t
redis_info_field(const redisReply *info, const char *name)
{
	size_t n = strlen(name);
	const char *p, *end;
	uint64_t v = 0;

	if (info->type != REDIS_REPLY_STRING)
		return 0;
	end = info->str + info->len;
	for (p = info->str; p < end; p++) {
		if ((p == info->str || p[-1] == '\n') &&
		    (size_t)(end - p) > n + 1 && memcmp(p, name, n) == 0 &&
		    p[n] == ':') {
			for (p += n + 1; p < end && *p >= '0' && *p <= '9'; p++)
				if (v < UINT64_MAX / 10)
					v = v * 10 + (uint64_t)(*p - '0');
			return v;
		}
	}
	return 0;
}

/* redis_stats - DBSIZE and INFO stats in one round trip; 0s on failure */
static void
redis_stats(void *be, struct vg_store_stats *out)
{
	struct redis_store *r = be;
	struct redis_cmd cmds[2];
	redisReply *rep[2];
	int64_t v;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&r->mu);
	out->down = r->down;
	out->outages = r->outages;
	out->fast_fails = r->fast_fails;
	pthread_mutex_unlock(&r->mu);
	cmd_start(&cmds[0], "DBSIZE");
	cmd_start(&cmds[1], "INFO");
	cmd_str(&cmds[1], "stats");
	if (redis_call(r, rep, 2, cmds, 2) != 0)
		return;
	if (redis_checked(r, rep, 2) == 0 && redis_int_reply(&v, rep[0])) {
		out->keys = v > 0 ? (size_t)v : 0;
		out->expired = redis_info_field(rep[1], "expired_keys");
		out->evictions = redis_info_field(rep[1], "evicted_keys");
	}
	redis_free_replies(rep, 2);
}

const struct vg_store_ops vg_store_redis_ops = {
    .name = "redis",
    .shared = true,
    .open = redis_open,
    .close = redis_close,
    .incr = redis_incr,
    .set = redis_set,
    .get = redis_get,
    .expire = redis_expire,
    .del = redis_del,
    .get_many = redis_get_many,
    .incr_many = redis_incr_many,
    .window_add = redis_window_add,
    .stats = redis_stats,
};
