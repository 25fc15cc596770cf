/* SPDX-License-Identifier: GPL-2.0-only */
/* versions - what the engine is built from (versions.h) */
#include <stdio.h>
#include <unistd.h>

#include <clamav.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <spf2/spf_lib_version.h>
#include <openssl/crypto.h>

#include "base/compiler.h"
#include "base/str.h"
#include "core/versions.h"

/* vg_versions_signatures - daily, else main: its header's version */
unsigned
vg_versions_signatures(const char *dir)
{
	static const char *const names[] = {
	    "daily.cld", "daily.cvd", "main.cld", "main.cvd"};
	char path[4096];
	unsigned version = 0;

	for (size_t i = 0; dir != NULL && i < VG_NELEM(names) && version == 0;
	     i++) {
		struct cl_cvd *cvd;

		if (!vg_str_fmt(path, sizeof(path), "%s/%s", dir, names[i]) ||
		    access(path, R_OK) != 0)
			continue;
		if ((cvd = cl_cvdhead(path)) != NULL) {
			version = cvd->version;
			cl_cvdfree(cvd);
		}
	}
	return version;
}

/* vg_versions_text - ClamAV, PCRE2, libspf2, OpenSSL, a line each */
void
vg_versions_text(
    char *buf, size_t size, const char *clamav_db, const char *where)
{
	char pcre[64] = "unknown", clam[512];
	unsigned sigver = vg_versions_signatures(clamav_db);

	if (pcre2_config(PCRE2_CONFIG_VERSION, pcre) < 0)
		(void)vg_str_fmt(pcre, sizeof(pcre), "unknown");
	if (sigver != 0)
		(void)vg_str_fmt(clam, sizeof(clam), "ClamAV %s, signatures %u",
		    cl_retver(), sigver);
	else
		(void)vg_str_fmt(clam, sizeof(clam),
		    "ClamAV %s, signatures unknown (no daily or main "
		    "database found via %s)",
		    cl_retver(), where);
	(void)vg_str_fmt(buf, size, "%s\nPCRE2 %s\nlibspf2 %d.%d.%d\n%s\n",
	    clam, pcre, SPF_LIB_VERSION_MAJOR, SPF_LIB_VERSION_MINOR,
	    SPF_LIB_VERSION_PATCH, OpenSSL_version(OPENSSL_VERSION));
}
