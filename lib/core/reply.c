/* SPDX-License-Identifier: GPL-2.0-only */
/* reply - the table of every SMTP reply Vigil sends */
#include <string.h>

#include "base/compiler.h"
#include "base/log.h"
#include "core/reply.h"

/*
 * One row per reply.  A 4xx code goes with a 4.x.x enhanced code and a
 * 5xx with 5.x.x (test_reply checks it, and the "%s" count).  The texts
 * are what senders read and what the tests and admins' log watches
 * match: change one only on purpose.
 */
static const struct vg_reply replies[VG_REPLY_NREPLIES] = {
    [VG_REPLY_ON_ERROR] = {"451", "4.3.0",
        "Temporary failure scanning message, try again later", 0},
    [VG_REPLY_SPAM] = {"550", "5.7.1", "Message rejected as spam (score %s)",
        1},
    [VG_REPLY_SPAM_HELD] = {"451", "4.7.1",
        "Message held as probable spam, try again later", 0},
    [VG_REPLY_VIRUS] = {"550", "5.7.1", "Message rejected: virus %s detected",
        1},
    [VG_REPLY_VIRUS_HELD] = {"451", "4.7.1",
        "Message held: virus detected, try later", 0},
    [VG_REPLY_UNSCANNED] = {"550", "5.7.1",
        "Message rejected: could not be scanned for viruses (%s)", 1},
    [VG_REPLY_TOO_BIG] = {"552", "5.3.4",
        "Message too big for content scanning", 0},
    [VG_REPLY_TOO_BIG_HELD] = {"451", "4.3.4",
        "Message too big for content scanning, try later", 0},
    [VG_REPLY_FORGED_OVERFLOW] = {"550", "5.7.1",
        "Message rejected: too many X-Spam or X-Virus headers", 0},
    [VG_REPLY_ATTACHMENT] = {"550", "5.7.1",
        "Message rejected: attachment type not allowed: %s", 1},
    [VG_REPLY_BLOCK_CLIENT] = {"550", "5.7.1",
        "Message rejected: client address blocked by policy", 0},
    [VG_REPLY_BLOCK_FROM] = {"550", "5.7.1",
        "Message rejected: sender address blocked by policy", 0},
    [VG_REPLY_BLOCK_RCPT] = {"550", "5.7.1",
        "Message rejected: recipient blocked by policy", 0},
    [VG_REPLY_SPF_FAIL] = {"550", "5.7.23", "SPF check failed for %s: %s", 2},
    [VG_REPLY_SPF_FAIL_BARE] = {"550", "5.7.23",
        "SPF check failed for %s: client not permitted", 1},
    [VG_REPLY_DMARC_FAIL] = {"550", "5.7.1",
        "Message rejected: it fails the DMARC policy of %s", 1},
    [VG_REPLY_RATE_CONNECTIONS] = {"451", "4.7.1",
        "Too many connections from your address, try again later", 0},
    [VG_REPLY_RATE_MESSAGES_LOGIN] = {"451", "4.7.1",
        "Too many messages from your account, try again later", 0},
    [VG_REPLY_RATE_MESSAGES_CLIENT] = {"451", "4.7.1",
        "Too many messages from your address, try again later", 0},
    [VG_REPLY_RATE_RECIPIENTS_LOGIN] = {"451", "4.7.1",
        "Too many recipients from your account, try again later", 0},
    [VG_REPLY_RATE_RECIPIENTS_CLIENT] = {"451", "4.7.1",
        "Too many recipients from your address, try again later", 0},
    [VG_REPLY_HARVEST] = {"451", "4.7.1",
        "Too many unknown recipients from your address, try again later", 0},
    [VG_REPLY_RELOADING] = {"451", "4.3.2", "virus scanner reloading", 0},
    [VG_REPLY_SHUTTING_DOWN] = {"451", "4.3.2",
        "service shutting down, try again later", 0},
    [VG_REPLY_BUSY] = {"451", "4.3.2", "server busy, try again later", 0},
    [VG_REPLY_REJECTED] = {"550", "5.7.1", "message rejected", 0},
    [VG_REPLY_UNKNOWN_ACTION] = {"451", "4.3.5", "unknown filter action", 0},
};

/* vg_reply - the entry for id */
const struct vg_reply *
vg_reply(enum vg_reply_id id)
{
	if ((size_t)id >= VG_NELEM(replies) || replies[id].text == NULL)
		vg_panic("vg_reply: no reply %d", (int)id);
	return &replies[id];
}

/* vg_reply_text - id's text, its "%s" places filled in order */
size_t
vg_reply_text(char *buf, size_t size, enum vg_reply_id id, const char *arg1,
    const char *arg2)
{
	const char *args[2] = {arg1, arg2};
	const char *p = vg_reply(id)->text;
	size_t len = 0, used = 0;

	while (*p != '\0' && len + 1 < size) {
		const char *a;
		size_t n;

		if (p[0] != '%' || p[1] != 's') {
			buf[len++] = *p++;
			continue;
		}
		p += 2;
		a = used < VG_NELEM(args) && args[used] != NULL ? args[used]
		                                                : "";
		used++;
		n = strlen(a);
		if (n > size - 1 - len)
			n = size - 1 - len;
		memcpy(buf + len, a, n);
		len += n;
	}
	buf[len] = '\0';
	return len;
}
