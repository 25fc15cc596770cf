/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * direction - is a message inbound or outbound, and what that changes.
 *
 * PURPOSE  The converged threat comes from inside as well: a hijacked
 *	    desktop on the site's own network or a stolen SASL password.
 *	    Mail from a client in trusted_networks, or from a session that
 *	    authenticated, is outbound; everything else is inbound.
 *	    Outbound mail is still scanned and scored, but its spam and its
 *	    viruses get their own actions (outbound_spam_action,
 *	    outbound_virus_action), and its spam is logged as a probable
 *	    compromise naming the login or the internal address.  The rate
 *	    limits also key on direction (per login or internal address
 *	    per hour, per outside address per minute).
 * THREADS  Pure functions of their arguments.
 */
#ifndef VG_DIRECTION_H
#define VG_DIRECTION_H

#include <stdbool.h>
#include <stddef.h>

#include "base/action.h"

struct vg_conf;
struct vg_msg;

enum vg_direction {
	VG_DIRECTION_INBOUND,
	VG_DIRECTION_OUTBOUND,
};

/* Why a message is outbound: which source to name in a log line. */
enum vg_direction_why {
	VG_DIRECTION_WHY_NONE,    /* inbound */
	VG_DIRECTION_WHY_AUTH,    /* SASL login (it wins over the address) */
	VG_DIRECTION_WHY_TRUSTED, /* client address in trusted_networks */
};

/*
 * vg_direction_of - the direction of a session with this client address
 * (IPv4 or IPv6 text, "" if unknown) and SASL login ("" or NULL: none);
 * why_out (may be NULL) says which made it outbound.
 */
enum vg_direction vg_direction_of(const struct vg_conf *conf,
    const char *client_addr, const char *auth, enum vg_direction_why *why_out);

/* vg_direction_msg - vg_direction_of() the message's client and login */
enum vg_direction vg_direction_msg(const struct vg_conf *conf,
    const struct vg_msg *msg, enum vg_direction_why *why_out);

/* vg_direction_name - "inbound" or "outbound" */
const char *vg_direction_name(enum vg_direction dir);

/*
 * vg_direction_source - the text naming where outbound mail came from,
 * written to buf (size > 0, sanitised): "sasl_username=alice" or
 * "client=192.0.2.7"; for inbound mail "client=ADDR".  Returns buf.
 */
const char *vg_direction_source(char *buf, size_t size,
    const struct vg_msg *msg, enum vg_direction_why why);

/*
 * vg_direction_virus_action - the action for a virus: virus_action
 * inbound, outbound_virus_action outbound.
 */
enum vg_action vg_direction_virus_action(
    const struct vg_conf *conf, enum vg_direction dir);

/*
 * vg_direction_spam_action - the action for spam whose inbound action
 * would be inbound_action (tag at required_score, reject at
 * reject_score): inbound it is returned unchanged; outbound any action
 * but accept becomes outbound_spam_action, so that by default all
 * outbound spam, however high it scores, is held for the administrator
 * rather than bounced back to a compromised sender.
 */
enum vg_action vg_direction_spam_action(const struct vg_conf *conf,
    enum vg_direction dir, enum vg_action inbound_action);

#endif /* VG_DIRECTION_H */
