/* SPDX-License-Identifier: GPL-2.0-only */
/* statushdr - the status headers Vigil writes */
#include <strings.h>

#include "base/compiler.h"
#include "message/statushdr.h"

/* vg_statushdr_is - a name Vigil writes (see statushdr.h) */
bool
vg_statushdr_is(const char *name)
{
	static const char *const exact[] = {
	    "X-Virus-Scanned", "X-Virus-Status", "Authentication-Results"};
	static const char prefix[] = "X-Spam-";

	for (size_t i = 0; i < VG_NELEM(exact); i++)
		if (strcasecmp(name, exact[i]) == 0)
			return true;
	return strncasecmp(name, prefix, sizeof(prefix) - 1) == 0;
}
