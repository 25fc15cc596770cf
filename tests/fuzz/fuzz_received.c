/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_received - SpamAssassin's Received-header parse (rules/
 * sa_received.c) on any bytes: one header alone, then the bytes as a
 * whole message through the trust path.  No crash, no read past the end
 * (the input is an exact-size copy), every field a C string within its
 * size, counts within the header limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "message/msg.h"
#include "rules/sa_received.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fields_ok - each field ends within its array */
static void
fields_ok(const struct vg_sa_relay *r)
{
	const char *f[] = {r->ip, r->rdns, r->helo, r->by, r->ident, r->envfrom,
	    r->id, r->auth};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (memchr(f[i], '\0', VG_SA_RCVD_FIELD_MAX) == NULL)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_sa_relay r;
	struct vg_msg_limits ml;
	struct vg_msg *m = NULL;
	struct vg_sa_relays *rl;
	struct vg_sa_trust t = {.trusted = NULL};
	char s[VG_SA_RCVD_FIELD_MAX * 10];

	if (vg_sa_received_line((const char *)data, size, &r) ==
	    VG_SA_RCVD_RELAY) {
		fields_ok(&r);
		(void)vg_sa_relay_string(&r, s, sizeof(s));
	}
	memset(&ml, 0, sizeof(ml));
	ml.max_size = 1 << 20;
	ml.memory_limit = 1 << 20;
	ml.max_headers = 1000;
	ml.max_header_size = 1 << 16;
	ml.max_rcpts = 10;
	ml.tmp_dir = "/tmp";
	if (vg_msg_from_bytes(&m, &ml, (const char *)data, size) != 0)
		return 0;
	if (size > 0 && data[0] & 1)
		t.trusted = "10.0.0.0/8 192.0.2.0/24";
	if ((rl = vg_sa_relays_new(m, &t)) != NULL) {
		if (rl->n > VG_SA_RCVD_MAX || rl->ntrusted > rl->n ||
		    rl->nuntrusted > rl->n)
			abort();
		for (size_t i = 0; i < rl->n; i++)
			fields_ok(&rl->relay[i]);
		for (int k = 0; k < 4; k++)
			(void)vg_sa_relays_header(rl, k, s, sizeof(s));
		vg_free(rl);
	}
	vg_msg_free(m);
	return 0;
}
