/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * spf_suite - run the RFC 7208 conformance suite through net/spf.c.
 *
 * spf_suite [--dns PORT] [--scenario K] SUITE.lines KNOWN
 *
 * Reads the suite converted by yaml2lines.py and a list of known failures
 * ("test-name  reason" lines, '#' comments; "dns:test-name" lines apply to
 * --dns runs only), builds each scenario's zone with vg_spf_zone_add(),
 * evaluates every test case with vg_spf_check_zone() and prints "passed"
 * or "failed" per test case and per scenario.  With --dns the lookups go
 * through net/dns.c to the DNS server on 127.0.0.1:PORT instead (run_dns.py
 * starts dnsmasq with the scenario's zone); --scenario K runs only
 * scenario K (from 0).  Exits 1 when a test fails that is not listed as
 * known, or when the input cannot be read; a known failure that now passes
 * is reported so the list can shrink.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/conf.h"
#include "net/dns.h"
#include "base/num.h"
#include "net/spf.h"

#define LINE_MAX_LEN 8192
#define FIELDS_MAX   8

struct known {
	char **names;
	size_t n;
};

/* suite_hex - value of one hex digit */
static int
suite_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 0;
}

/* suite_decode - undo yaml2lines.py's field encoding in place */
static size_t
suite_decode(char *s)
{
	char *r = s + 1, *w = s;

	if (s[0] != '=')
		return 0;
	while (*r != '\0') {
		if (r[0] == '\\' && r[1] == 'x' && r[2] != '\0' &&
		    r[3] != '\0') {
			*w++ = (char)(suite_hex(r[2]) << 4 | suite_hex(r[3]));
			r += 4;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* suite_split - split a line at spaces and decode each field */
static size_t
suite_split(char *line, char **f, size_t *len, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max && *p != '\0') {
		char *sp = strchr(p, ' ');

		if (sp != NULL)
			*sp = '\0';
		f[n] = p;
		len[n] = suite_decode(p);
		n++;
		if (sp == NULL)
			break;
		p = sp + 1;
	}
	return n;
}

/* suite_load_known - read the known-failures file */
static int
suite_load_known(struct known *k, const char *path, bool dns)
{
	char line[1024];
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *name = line, *e;

		if (strncmp(line, "dns:", 4) == 0) {
			if (!dns)
				continue;
			name += 4;
		}
		e = name + strcspn(name, " \t\r\n");
		if (name[0] == '#' || e == name)
			continue;
		*e = '\0';
		k->names = realloc(k->names, (k->n + 1) * sizeof(*k->names));
		if (k->names == NULL)
			abort();
		k->names[k->n++] = strdup(name);
	}
	fclose(fp);
	return 0;
}

/* suite_is_known - is the test listed */
static bool
suite_is_known(const struct known *k, const char *name)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (strcmp(k->names[i], name) == 0)
			return true;
	return false;
}

/* suite_result_ok - is got among the comma-separated results in want */
static bool
suite_result_ok(const char *want, enum vg_spf_result got)
{
	char buf[64];
	const char *p = want;

	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		enum vg_spf_result r;

		if (n < sizeof(buf)) {
			memcpy(buf, p, n);
			buf[n] = '\0';
			if (vg_spf_result_parse(&r, buf) == 0 && r == got)
				return true;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

int
main(int argc, char **argv)
{
	char line[LINE_MAX_LEN], scenario[512] = "";
	struct vg_spf_zone *zone = NULL;
	struct known known = {NULL, 0};
	unsigned pass = 0, fail = 0, kfail = 0, unexpected = 0, fixed = 0;
	unsigned spass = 0, sfail = 0;
	uint64_t port = 0, only = UINT64_MAX;
	long scen = -1;
	bool skip = false;
	struct vg_dns *dns = NULL;
	FILE *fp;

	while (argc > 3 && argv[1][0] == '-') {
		uint64_t *dst = strcmp(argv[1], "--dns") == 0 ? &port
		    : strcmp(argv[1], "--scenario") == 0      ? &only
		                                              : NULL;

		if (dst == NULL ||
		    vg_num_uint(dst, argv[2], 0, 65535, NULL) != 0)
			break;
		argc -= 2;
		argv += 2;
	}
	if (argc != 3) {
		fprintf(stderr,
		    "usage: spf_suite [--dns PORT] [--scenario K] "
		    "SUITE.lines KNOWN\n");
		return 2;
	}
	if (port != 0) {
		struct vg_conf conf;
		char servers[32];

		memset(&conf, 0, sizeof(conf));
		snprintf(
		    servers, sizeof(servers), "127.0.0.1:%u", (unsigned)port);
		conf.dns_servers = servers;
		conf.dns_timeout_ms = 1000;
		conf.dns_cache_size = 1000;
		if (vg_dns_new(&dns, &conf, NULL) != 0) {
			fprintf(stderr, "spf_suite: cannot set up DNS\n");
			return 2;
		}
	}
	if (suite_load_known(&known, argv[2], port != 0) != 0)
		return 2;
	fp = fopen(argv[1], "r");
	if (fp == NULL) {
		perror(argv[1]);
		return 2;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *f[FIELDS_MAX];
		size_t len[FIELDS_MAX], n;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0' || line[1] != ' ')
			continue;
		n = suite_split(line + 2, f, len, FIELDS_MAX);
		if (line[0] == 'S' && n == 1) {
			scen++;
			if (scenario[0] != '\0' && !skip)
				printf(
				    "scenario \"%s\": %u passed, %u failed\n",
				    scenario, spass, sfail);
			snprintf(scenario, sizeof(scenario), "%s", f[0]);
			skip = only != UINT64_MAX && (uint64_t)scen != only;
			spass = sfail = 0;
			vg_spf_zone_free(zone);
			if (vg_spf_zone_new(&zone) != 0)
				abort();
		} else if (line[0] == 'Z' && n == 3) {
			if (vg_spf_zone_add(zone, f[0], f[1], f[2], len[2]) !=
			    0)
				printf("  note: zone record %s %s not loaded\n",
				    f[0], f[1]);
		} else if (line[0] == 'T' && n == 6 && !skip) {
			struct vg_spf_outcome o;
			bool ok, is_known = suite_is_known(&known, f[0]);
			int rc;

			if (dns != NULL)
				rc = vg_spf_check(&o, dns, vg_clock_ms() + 5000,
				    f[1], f[2], f[3], false);
			else
				rc = vg_spf_check_zone(
				    &o, zone, f[1], f[2], f[3], false);
			if (rc != 0) {
				printf("  %s: error from net/spf.c\n", f[0]);
				return 1;
			}
			ok = suite_result_ok(f[4], o.result);
			/* "DEFAULT" means whatever the library's default is. */
			if (ok && len[5] > 0 && o.result == VG_SPF_FAIL &&
			    strcmp(f[5], "DEFAULT") != 0 &&
			    strcmp(o.explanation, f[5]) != 0)
				ok = false;
			if (ok) {
				pass++;
				spass++;
				printf("  %s: passed%s\n", f[0],
				    is_known ? " (listed as known failure)"
				             : "");
				fixed += is_known;
				continue;
			}
			fail++;
			sfail++;
			if (is_known)
				kfail++;
			else
				unexpected++;
			printf("  %s: failed: got %s (\"%s\", %s), want "
			       "%s%s%s%s\n",
			    f[0], vg_spf_result_name(o.result), o.explanation,
			    o.reason, f[4], len[5] ? " exp=\"" : "",
			    len[5] ? f[5] : "", is_known ? " [known]" : "");
		}
	}
	fclose(fp);
	vg_dns_unref(dns);
	if (scenario[0] != '\0' && !skip)
		printf("scenario \"%s\": %u passed, %u failed\n", scenario,
		    spass, sfail);
	vg_spf_zone_free(zone);
	printf("total%s: %u passed, %u failed (%u known, %u unexpected); "
	       "%u known failures now pass\n",
	    port != 0 ? " (dns)" : "", pass, fail, kfail, unexpected, fixed);
	for (size_t i = 0; i < known.n; i++)
		free(known.names[i]);
	free(known.names);
	return unexpected == 0 ? 0 : 1;
}
