/* SPDX-License-Identifier: GPL-2.0-only */
/* statushdr - the status headers Vigil writes */
#include <string.h>
#include <strings.h>

#include "base/compiler.h"
#include "message/statushdr.h"

/* vg_statushdr_is_n - a name of len bytes that Vigil writes */
bool
vg_statushdr_is_n(const char *name, size_t len)
{
	static const char *const exact[] = {
	    "X-Virus-Scanned", "X-Virus-Status", "Authentication-Results"};
	static const char prefix[] = "X-Spam-";

	for (size_t i = 0; i < VG_NELEM(exact); i++)
		if (len == strlen(exact[i]) &&
		    strncasecmp(name, exact[i], len) == 0)
			return true;
	return len >= sizeof(prefix) - 1 &&
	    strncasecmp(name, prefix, sizeof(prefix) - 1) == 0;
}

/* vg_statushdr_is - a name Vigil writes (see statushdr.h) */
bool
vg_statushdr_is(const char *name)
{
	return vg_statushdr_is_n(name, strlen(name));
}
