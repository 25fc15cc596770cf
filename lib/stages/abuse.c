/* SPDX-License-Identifier: GPL-2.0-only */
/* abuse - the session-time limits: rate limits and the harvest defence */
#include <inttypes.h>
#include <string.h>

#include "stages/abuse.h"
#include "base/alloc.h"
#include "base/conf.h"
#include "policy/direction.h"
#include "base/err.h"
#include "policy/harvest.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "core/reply.h"
#include "store/store.h"

#define ABUSE_MINUTE (UINT64_C(60) * 1000)
#define ABUSE_HOUR   (UINT64_C(60) * ABUSE_MINUTE)

enum abuse_table {
	T_EXT_CONN, /* outside client: connections per minute */
	T_EXT_MSG,  /* outside client: messages per minute */
	T_AUTH_MSG, /* SASL login: messages per hour */
	T_AUTH_RCPT,
	T_INT_MSG, /* internal client: messages per hour */
	T_INT_RCPT,
	T_MAX,
};

/*
 * When the store is shared (Redis), a second set of tables over a memory
 * store of this process: an event the shared store cannot take (VG_ETEMP:
 * Redis down or slow) is counted here instead, so the limits still hold,
 * per process, while Redis is away.
 */
struct vg_abuse {
	struct vg_ratelimit *t[T_MAX];
	struct vg_harvest *harvest;
	struct vg_store *local; /* NULL when the store is this process's */
	struct vg_ratelimit *fb[T_MAX];
	struct vg_harvest *fb_harvest;
};

/* vg_abuse_free - every table */
void
vg_abuse_free(struct vg_abuse *ab)
{
	if (ab == NULL)
		return;
	for (int i = 0; i < T_MAX; i++) {
		vg_ratelimit_free(ab->t[i]);
		vg_ratelimit_free(ab->fb[i]);
	}
	vg_harvest_free(ab->harvest);
	vg_harvest_free(ab->fb_harvest);
	vg_store_unref(ab->local);
	vg_free(ab);
}

/* vg_abuse_new - one table per limit, the harvest tracker */
int
vg_abuse_new(
    struct vg_abuse **out, const struct vg_conf *conf, struct vg_store *store)
{
	/* The names are the tables' key prefixes in the store. */
	const struct {
		const char *name;
		unsigned limit;
		uint64_t window;
	} def[T_MAX] = {
	    [T_EXT_CONN] = {"ext_conn", conf->ratelimit_external_connections,
	        ABUSE_MINUTE},
	    [T_EXT_MSG] = {"ext_msg", conf->ratelimit_external_messages,
	        ABUSE_MINUTE},
	    [T_AUTH_MSG] = {"auth_msg", conf->ratelimit_auth_messages,
	        ABUSE_HOUR},
	    [T_AUTH_RCPT] = {"auth_rcpt", conf->ratelimit_auth_recipients,
	        ABUSE_HOUR},
	    [T_INT_MSG] = {"int_msg", conf->ratelimit_internal_messages,
	        ABUSE_HOUR},
	    [T_INT_RCPT] = {"int_rcpt", conf->ratelimit_internal_recipients,
	        ABUSE_HOUR},
	};
	struct vg_abuse *ab;
	int rc = 0;

	*out = NULL;
	if ((ab = vg_calloc(1, sizeof(*ab))) == NULL)
		return VG_ENOMEM;
	for (int i = 0; rc == 0 && i < T_MAX; i++)
		rc = vg_ratelimit_new(
		    &ab->t[i], store, def[i].name, def[i].limit, def[i].window);
	if (rc == 0)
		rc =
		    vg_harvest_new(&ab->harvest, store, conf->harvest_threshold,
		        conf->harvest_window_ms, conf->harvest_cooloff_ms);
	if (rc == 0 && strcmp(vg_store_name(store), "memory") != 0) {
		struct vg_store_opts o = {.max_keys = conf->ratelimit_max_keys};

		rc = vg_store_new(&ab->local, "memory", &o);
		for (int i = 0; rc == 0 && i < T_MAX; i++)
			rc = vg_ratelimit_new(&ab->fb[i], ab->local,
			    def[i].name, def[i].limit, def[i].window);
		if (rc == 0)
			rc = vg_harvest_new(&ab->fb_harvest, ab->local,
			    conf->harvest_threshold, conf->harvest_window_ms,
			    conf->harvest_cooloff_ms);
	}
	if (rc != 0) {
		vg_abuse_free(ab);
		return rc;
	}
	*out = ab;
	return 0;
}

/* abuse_clear - a reply that lets the step go on */
static void
abuse_clear(struct vg_abuse_reply *out)
{
	memset(out, 0, sizeof(*out));
}

/* abuse_refuse - the table's reply id (a 451 4.7.1), and the symbol */
static void
abuse_refuse(
    struct vg_abuse_reply *out, const char *symbol, enum vg_reply_id id)
{
	const struct vg_reply *r = vg_reply(id);

	out->refuse = true;
	(void)vg_str_fmt(out->code, sizeof(out->code), "%s", r->code);
	(void)vg_str_fmt(out->xcode, sizeof(out->xcode), "%s", r->xcode);
	(void)vg_reply_text(out->text, sizeof(out->text), id, NULL, NULL);
	out->symbol = symbol;
}

/* abuse_held - refuse a client that is cooling off after a harvest */
static bool
abuse_held(struct vg_abuse *ab, struct vg_abuse_reply *out, const char *client,
    const char *what)
{
	char addr[64];
	uint64_t left = 0, fb_left = 0;

	if (client == NULL || client[0] == '\0')
		return false;
	/* An error other than VG_ETEMP reads as "not held", as before. */
	if (vg_harvest_check_held(ab->harvest, &left, client) == VG_ETEMP &&
	    ab->fb_harvest != NULL)
		out->unavailable[0] = "HARVEST_UNAVAILABLE";
	if (left == 0 && ab->fb_harvest != NULL &&
	    vg_harvest_check_held(ab->fb_harvest, &fb_left, client) == 0)
		left = fb_left;
	if (left == 0)
		return false;
	vg_sanitize_str(addr, sizeof(addr), client, VG_SANITIZE_ASCII);
	abuse_refuse(out, "HARVEST", VG_REPLY_HARVEST);
	(void)vg_str_fmt(out->log, sizeof(out->log),
	    "harvest: client=%s %s tempfailed, cooling off for %" PRIu64
	    " more seconds",
	    addr, what, (left + 999) / 1000);
	return true;
}

/*
 * abuse_count - count n events for key in table t; over the limit,
 * refuse with symbol and reply and log "source ... count (limit)".
 */
static int
abuse_count(struct vg_abuse *ab, struct vg_abuse_reply *out, enum abuse_table t,
    const char *key, const char *source_kind, const char *what, const char *per,
    const char *symbol, enum vg_reply_id reply)
{
	char k[VG_RATELIMIT_KEY_MAX];
	uint64_t count = 0;
	bool over = false;
	int rc;

	if (key == NULL || key[0] == '\0')
		return 0;
	rc = vg_ratelimit_hit(ab->t[t], &over, &count, key, 1);
	/*
	 * A shared store (Redis) that does not answer never holds mail up:
	 * the event is counted in this process's own tables (the store logs
	 * the outage once).
	 */
	if (rc == VG_ETEMP && ab->fb[t] != NULL) {
		out->unavailable[1] = "RATELIMIT_UNAVAILABLE";
		rc = vg_ratelimit_hit(ab->fb[t], &over, &count, key, 1);
	}
	if (rc == VG_ETEMP)
		return 0;
	if (rc != 0 || !over)
		return rc;
	vg_sanitize_str(k, sizeof(k), key, VG_SANITIZE_ASCII);
	abuse_refuse(out, symbol, reply);
	(void)vg_str_fmt(out->log, sizeof(out->log),
	    "rate limit: %s=%s: %" PRIu64 " %s in the last %s (limit %" PRIu64
	    "); tempfailed",
	    source_kind, k, count, what, per, vg_ratelimit_limit(ab->t[t]));
	return 0;
}

/* vg_abuse_connect - outside clients: connections per minute */
int
vg_abuse_connect(struct vg_abuse *ab, struct vg_abuse_reply *out,
    const struct vg_conf *conf, const char *client)
{
	abuse_clear(out);
	if (abuse_held(ab, out, client, "connection"))
		return 0;
	if (vg_direction_of(conf, client, NULL, NULL) == VG_DIRECTION_OUTBOUND)
		return 0;
	return abuse_count(ab, out, T_EXT_CONN, client, "client", "connections",
	    "minute", "RATELIMIT_CONNECTIONS", VG_REPLY_RATE_CONNECTIONS);
}

/* vg_abuse_mail - messages per login, internal or outside client */
int
vg_abuse_mail(struct vg_abuse *ab, struct vg_abuse_reply *out,
    const struct vg_conf *conf, const char *client, const char *auth)
{
	enum vg_direction_why why;

	abuse_clear(out);
	if (abuse_held(ab, out, client, "message"))
		return 0;
	(void)vg_direction_of(conf, client, auth, &why);
	switch (why) {
	case VG_DIRECTION_WHY_AUTH:
		return abuse_count(ab, out, T_AUTH_MSG, auth, "sasl_username",
		    "messages", "hour", "RATELIMIT_MESSAGES",
		    VG_REPLY_RATE_MESSAGES_LOGIN);
	case VG_DIRECTION_WHY_TRUSTED:
		return abuse_count(ab, out, T_INT_MSG, client, "client",
		    "messages", "hour", "RATELIMIT_MESSAGES",
		    VG_REPLY_RATE_MESSAGES_CLIENT);
	case VG_DIRECTION_WHY_NONE:
		return abuse_count(ab, out, T_EXT_MSG, client, "client",
		    "messages", "minute", "RATELIMIT_MESSAGES",
		    VG_REPLY_RATE_MESSAGES_CLIENT);
	}
	return 0;
}

/* vg_abuse_rcpt - recipients per login or internal client */
int
vg_abuse_rcpt(struct vg_abuse *ab, struct vg_abuse_reply *out,
    const struct vg_conf *conf, const char *client, const char *auth)
{
	enum vg_direction_why why;

	abuse_clear(out);
	if (abuse_held(ab, out, client, "recipient"))
		return 0;
	(void)vg_direction_of(conf, client, auth, &why);
	switch (why) {
	case VG_DIRECTION_WHY_AUTH:
		return abuse_count(ab, out, T_AUTH_RCPT, auth, "sasl_username",
		    "recipients", "hour", "RATELIMIT_RECIPIENTS",
		    VG_REPLY_RATE_RECIPIENTS_LOGIN);
	case VG_DIRECTION_WHY_TRUSTED:
		return abuse_count(ab, out, T_INT_RCPT, client, "client",
		    "recipients", "hour", "RATELIMIT_RECIPIENTS",
		    VG_REPLY_RATE_RECIPIENTS_CLIENT);
	case VG_DIRECTION_WHY_NONE:
		return 0;
	}
	return 0;
}

/* vg_abuse_rcpt_rejected - one unknown recipient for the harvest count */
int
vg_abuse_rcpt_rejected(struct vg_abuse *ab, struct vg_abuse_reply *out,
    const struct vg_conf *conf, const char *client)
{
	char addr[64];
	uint64_t count = 0;
	bool held = false;
	int rc;

	abuse_clear(out);
	if (client == NULL || client[0] == '\0')
		return 0;
	rc = vg_harvest_unknown(ab->harvest, &held, &count, client);
	if (rc == VG_ETEMP && ab->fb_harvest != NULL) { /* as in abuse_count */
		out->unavailable[0] = "HARVEST_UNAVAILABLE";
		rc = vg_harvest_unknown(ab->fb_harvest, &held, &count, client);
	}
	if (rc == VG_ETEMP)
		return 0;
	if (rc != 0 || !held)
		return rc;
	vg_sanitize_str(addr, sizeof(addr), client, VG_SANITIZE_ASCII);
	out->symbol = "HARVEST";
	(void)vg_str_fmt(out->log, sizeof(out->log),
	    "harvest: client=%s: %" PRIu64
	    " unknown recipients; tempfailing it for %" PRIu64 " seconds",
	    addr, count, (conf->harvest_cooloff_ms + 999) / 1000);
	return 0;
}
