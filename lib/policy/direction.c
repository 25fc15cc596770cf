/* SPDX-License-Identifier: GPL-2.0-only */
/* direction - inbound or outbound, and the actions that depend on it */
#include <string.h>

#include "base/cidr.h"
#include "base/conf.h"
#include "policy/direction.h"
#include "net/dns.h"
#include "message/msg.h"
#include "base/sanitize.h"
#include "base/str.h"

/*
 * vg_direction_of - a login makes a session outbound whatever its address
 * (a roaming user); otherwise trusted_networks decides, with the same
 * matcher SPF and the DNS blacklists use to skip those clients.
 */
enum vg_direction
vg_direction_of(const struct vg_conf *conf, const char *client_addr,
    const char *auth, enum vg_direction_why *why_out)
{
	enum vg_direction_why why = VG_DIRECTION_WHY_NONE;

	if (auth != NULL && auth[0] != '\0')
		why = VG_DIRECTION_WHY_AUTH;
	else if (conf != NULL && client_addr != NULL &&
	    client_addr[0] != '\0' && conf->trusted_networks != NULL &&
	    vg_cidr_list_match(client_addr, conf->trusted_networks))
		why = VG_DIRECTION_WHY_TRUSTED;
	if (why_out != NULL)
		*why_out = why;
	return why == VG_DIRECTION_WHY_NONE ? VG_DIRECTION_INBOUND
	                                    : VG_DIRECTION_OUTBOUND;
}

/* vg_direction_msg - the direction of the message's session */
enum vg_direction
vg_direction_msg(const struct vg_conf *conf, const struct vg_msg *msg,
    enum vg_direction_why *why_out)
{
	return vg_direction_of(
	    conf, vg_msg_client_addr(msg), vg_msg_auth(msg), why_out);
}

/* vg_direction_name - the word used in logs */
const char *
vg_direction_name(enum vg_direction dir)
{
	switch (dir) {
	case VG_DIRECTION_INBOUND:
		return "inbound";
	case VG_DIRECTION_OUTBOUND:
		return "outbound";
	}
	return "inbound";
}

/* vg_direction_source - "sasl_username=..." or "client=...", sanitised */
const char *
vg_direction_source(
    char *buf, size_t size, const struct vg_msg *msg, enum vg_direction_why why)
{
	char val[256];

	if (why == VG_DIRECTION_WHY_AUTH) {
		vg_sanitize_str(
		    val, sizeof(val), vg_msg_auth(msg), VG_SANITIZE_ASCII);
		(void)vg_str_fmt(buf, size, "sasl_username=%s", val);
	} else {
		vg_sanitize_str(val, sizeof(val), vg_msg_client_addr(msg),
		    VG_SANITIZE_ASCII);
		(void)vg_str_fmt(buf, size, "client=%s", val);
	}
	return buf;
}

/* vg_direction_virus_action - virus_action or outbound_virus_action */
enum vg_action
vg_direction_virus_action(const struct vg_conf *conf, enum vg_direction dir)
{
	return dir == VG_DIRECTION_OUTBOUND ? conf->outbound_virus_action
	                                    : conf->virus_action;
}

/* vg_direction_spam_action - see direction.h for the rule */
enum vg_action
vg_direction_spam_action(const struct vg_conf *conf, enum vg_direction dir,
    enum vg_action inbound_action)
{
	if (dir == VG_DIRECTION_INBOUND || inbound_action == VG_ACTION_ACCEPT)
		return inbound_action;
	return conf->outbound_spam_action;
}
