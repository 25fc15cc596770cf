/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_conf - no vigil.conf text crashes the parser or escapes its bounds */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_bounds - every numeric key of an accepted config is in its range */
static void
check_bounds(const struct vg_conf *conf)
{
	size_t n;
	const struct vg_conf_key *keys = vg_conf_keys(&n);

	for (size_t i = 0; i < n; i++) {
		const void *f = (const char *)conf + keys[i].offset;
		uint64_t v = 0;

		switch (keys[i].type) {
		case VG_CONF_UINT:
			v = *(const unsigned *)f;
			break;
		case VG_CONF_SIZE:
		case VG_CONF_DURATION:
			v = *(const uint64_t *)f;
			break;
		case VG_CONF_STRING:
		case VG_CONF_BOOL:
		case VG_CONF_ACTION:
			continue;
		}
		if (v < keys[i].min || v > keys[i].max)
			abort();
	}
}

/* LLVMFuzzerTestOneInput - parse the bytes as a whole config file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_err err;
	struct vg_conf *conf = NULL;
	int rc;

	vg_err_init(&err);
	rc = vg_conf_parse(&conf, (const char *)data, size, "fuzz.conf", &err);
	if (rc == 0) {
		if (conf == NULL || conf->socket == NULL ||
		    conf->authserv_id == NULL || err.count != 0)
			abort();
		check_bounds(conf);
	} else {
		/* A refused file always says why, prefixed with its name. */
		if (rc != VG_ECONFIG || conf != NULL || err.count == 0 ||
		    strncmp(vg_err_text(&err), "fuzz.conf", 9) != 0)
			abort();
	}
	vg_conf_free(conf);
	return 0;
}
