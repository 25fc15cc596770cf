/* SPDX-License-Identifier: GPL-2.0-only */
/* test_conf - vigil.conf: defaults, every error path, bounds, docs */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vg_check.h"
#include "vg_guard.h"
#include "base/alloc.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/num.h"

#define DATA_DIR VG_SOURCE_DIR "/tests/unit/data/conf"
#define BASE     "socket = unix:/run/vigil/vigil.sock\nclamav_database = /db\n"

/* parse - vg_conf_parse() on a guarded copy of len bytes of text */
static int
parse(struct vg_conf **out, const char *text, size_t len, struct vg_err *err)
{
	struct vg_guarded g;
	int rc;

	vg_guard(&g, text, len);
	vg_err_init(err);
	rc = vg_conf_parse(out, g.p, len, "t.conf", err);
	vg_unguard(&g);
	return rc;
}

/* parse_str - parse() on a C string */
static int
parse_str(struct vg_conf **out, const char *text, struct vg_err *err)
{
	return parse(out, text, strlen(text), err);
}

/* find - a key's table row by name */
static const struct vg_conf_key *
find(const char *name)
{
	size_t n;
	const struct vg_conf_key *keys = vg_conf_keys(&n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	ck_abort_msg("no key %s", name);
	return NULL;
}

/* slurp - a whole file from the source tree, NUL-terminated */
static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long len;

	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	ck_assert(len >= 0);
	rewind(fp);
	buf = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, fp), (size_t)len);
	buf[len] = '\0';
	fclose(fp);
	return buf;
}

START_TEST(test_conf_defaults)
{
	struct vg_err err;
	struct vg_conf *conf = NULL;
	const struct vg_conf_key *keys;
	char host[256];
	size_t n;

	ck_assert_int_eq(parse_str(&conf, BASE, &err), 0);
	ck_assert_ptr_nonnull(conf);
	ck_assert_str_eq(vg_err_text(&err), "");
	ck_assert_str_eq(conf->path, "t.conf");
	ck_assert_str_eq(conf->socket, "unix:/run/vigil/vigil.sock");
	ck_assert_str_eq(conf->clamav_database, "/db");

	/* Every field holds what its table default says. */
	keys = vg_conf_keys(&n);
	for (size_t i = 0; i < n; i++) {
		const struct vg_conf_key *k = &keys[i];
		const char *f = (const char *)conf + k->offset;
		uint64_t want = 0, got = 0;
		bool b;

		if (k->def == NULL)
			continue;
		switch (k->type) {
		case VG_CONF_STRING:
			ck_assert_msg(strcmp(*(char *const *)(const void *)f,
			                  k->def) == 0,
			    "%s: got '%s', want '%s'", k->name,
			    *(char *const *)(const void *)f, k->def);
			continue;
		case VG_CONF_UINT:
			ck_assert_int_eq(
			    vg_num_uint(&want, k->def, 0, UINT64_MAX, NULL), 0);
			got = *(const unsigned *)(const void *)f;
			break;
		case VG_CONF_SIZE:
			ck_assert_int_eq(
			    vg_num_size(&want, k->def, 0, UINT64_MAX, NULL), 0);
			got = *(const uint64_t *)(const void *)f;
			break;
		case VG_CONF_DURATION:
			ck_assert_int_eq(vg_num_duration_ms(&want, k->def, 0,
			                     UINT64_MAX, NULL),
			    0);
			got = *(const uint64_t *)(const void *)f;
			break;
		case VG_CONF_BOOL:
			ck_assert_int_eq(vg_num_bool(&b, k->def, NULL), 0);
			want = b;
			got = *(const bool *)(const void *)f;
			break;
		case VG_CONF_ACTION: {
			enum vg_action a;

			ck_assert_int_eq(vg_action_parse(&a, k->def), 0);
			want = (uint64_t)a;
			a = *(const enum vg_action *)(const void *)f;
			ck_assert_msg(a == (enum vg_action)want,
			    "%s: got %d, want %d", k->name, (int)a, (int)want);
			continue;
		}
		}
		ck_assert_msg(got == want, "%s: got %" PRIu64 ", want %" PRIu64,
		    k->name, got, want);
	}

	/* And the table says what the design asks for. */
	ck_assert_str_eq(conf->user, "");
	ck_assert_uint_eq(conf->scan_workers, 0);
	ck_assert_uint_eq(conf->max_queued_scans, 64);
	ck_assert_uint_eq(conf->max_message_size, 25 * 1024 * 1024);
	ck_assert_int_eq(conf->oversize_action, VG_ACTION_ACCEPT);
	ck_assert_uint_eq(conf->memory_limit, 1024 * 1024);
	ck_assert_str_eq(conf->tmp_dir, "/var/tmp");
	ck_assert_uint_eq(conf->max_header_count, 1000);
	ck_assert_uint_eq(conf->max_header_size, 64 * 1024);
	ck_assert_uint_eq(conf->max_recipients, 1000);
	ck_assert(conf->virus_scan);
	ck_assert_int_eq(conf->virus_action, VG_ACTION_REJECT);
	ck_assert_int_eq(conf->on_error, VG_ACTION_TEMPFAIL);
	ck_assert_uint_eq(conf->scan_timeout_ms, 60000);
	ck_assert_str_eq(conf->rules, "/etc/vigil/vigil.rules");
	ck_assert_uint_eq(conf->clamav_max_filesize, 0);
	ck_assert_uint_eq(conf->clamav_max_scansize, 0);
	ck_assert_uint_eq(conf->clamav_max_recursion, 0);
	ck_assert_uint_eq(conf->clamav_max_files, 0);
	ck_assert_uint_eq(conf->clamav_max_scantime_ms, 0);
	ck_assert(!conf->reload_in_place);
	ck_assert_uint_eq(conf->signature_check_interval_ms, 60000);
	ck_assert_str_eq(conf->dns_servers, "");
	ck_assert_uint_eq(conf->dns_timeout_ms, 2000);
	ck_assert_uint_eq(conf->dns_deadline_ms, 10000);
	ck_assert_uint_eq(conf->dns_cache_size, 10000);
	ck_assert(!conf->spf_reject_fail);
	ck_assert(!conf->spf_check_helo);
	ck_assert_str_eq(conf->trusted_networks, "127.0.0.0/8, ::1/128");
	ck_assert_uint_eq(conf->uribl_max_lookups, 20);
	ck_assert(!conf->dnsbl_check_received);

	/* authserv_id has no table default: it is the host name. */
	ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	ck_assert_str_eq(conf->authserv_id, host);
	vg_conf_free(conf);
}
END_TEST

/* prefilter_cache may be emptied: no cache (vigil.conf(5)). */
START_TEST(test_conf_prefilter_cache_empty)
{
	struct vg_err err;
	struct vg_conf *conf = NULL;

	ck_assert_int_eq(parse_str(&conf, BASE "prefilter_cache =\n", &err), 0);
	ck_assert_str_eq(vg_err_text(&err), "");
	ck_assert_str_eq(conf->prefilter_cache, "");
	vg_conf_free(conf);
	ck_assert_int_eq(parse_str(&conf, BASE, &err), 0);
	ck_assert_str_eq(conf->prefilter_cache, "/var/cache/vigil/prefilter");
	vg_conf_free(conf);
}
END_TEST

START_TEST(test_conf_table)
{
	size_t n;
	const struct vg_conf_key *keys = vg_conf_keys(&n);

	ck_assert_uint_ge(n, 34);
	for (size_t i = 0; i < n; i++) {
		const struct vg_conf_key *k = &keys[i];
		bool daemon = strcmp(k->name, "socket") == 0 ||
		    strcmp(k->name, "user") == 0 ||
		    strcmp(k->name, "scan_workers") == 0 ||
		    strcmp(k->name, "max_queued_scans") == 0 ||
		    strcmp(k->name, "metrics_listen") == 0 ||
		    /* Keys read as root, at start only (dkim_keys.h). */
		    strncmp(k->name, "dkim_sign_", 10) == 0;

		ck_assert_msg(k->doc != NULL && k->doc[0] != '\0',
		    "%s: no doc line", k->name);
		ck_assert_msg(k->min <= k->max, "%s: min > max", k->name);
		ck_assert_msg(!k->required || k->def == NULL,
		    "%s: required with a default", k->name);
		ck_assert_msg(k->reloadable == !daemon,
		    "%s: got reloadable %d, want %d", k->name, k->reloadable,
		    !daemon);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(keys[j].name, k->name) != 0,
			    "%s: listed twice", k->name);
	}
	ck_assert(find("socket")->required);
	ck_assert(find("clamav_database")->required);
	ck_assert_ptr_null(find("authserv_id")->def);
}
END_TEST

#define CASE(text, want)                                                       \
	{                                                                      \
		text, sizeof(text) - 1, want                                   \
	}

/* One bad input each, with the exact text of every error it gives. */
static const struct {
	const char *text;
	size_t len;
	const char *want;
} errors[] = {
    CASE(BASE "foo = 1\n", "t.conf:3: unknown key 'foo'\n"),
    CASE(BASE "Socket = unix:/x\n", "t.conf:3: unknown key 'Socket'\n"),
    CASE(BASE "socket = unix:/other\n",
        "t.conf:3: duplicate key socket (first set on line 1)\n"),
    CASE(BASE "max_recipients 5\n",
        "t.conf:3: missing '=' (want key = value)\n"),
    CASE(BASE "  = 5\n", "t.conf:3: missing key before '='\n"),
    CASE(BASE "rules =\n", "t.conf:3: rules: empty value\n"),
    CASE(BASE "metrics_listen = localhost:9899\n",
        "t.conf:3: metrics_listen: bad address 'localhost:9899' (not an IPv4 "
        "address (host names are not resolved; IPv6 goes in brackets))\n"),
    CASE(BASE "metrics_listen = 127.0.0.1:0\n",
        "t.conf:3: metrics_listen: bad address '127.0.0.1:0' (the port must "
        "be a number from 1 to 65535)\n"),
    CASE(BASE "metrics_listen = 9899\n",
        "t.conf:3: metrics_listen: bad address '9899' (use IPv4:PORT or "
        "[IPv6]:PORT, e.g. 127.0.0.1:9899)\n"),
    CASE(BASE "tmp_dir =    # nothing\n", "t.conf:3: tmp_dir: empty value\n"),
    CASE(BASE "max_recipients =\n", "t.conf:3: max_recipients: empty value\n"),
    CASE(BASE "authserv_id = \n", "t.conf:3: authserv_id: empty value\n"),
    CASE(BASE "max_recipients = lots\n",
        "t.conf:3: max_recipients: bad number 'lots': not a number\n"),
    CASE(BASE "max_recipients = -1\n",
        "t.conf:3: max_recipients: bad number '-1': not a number\n"),
    CASE(BASE "max_recipients = 99999999999999999999999\n",
        "t.conf:3: max_recipients: bad number '99999999999999999999999': "
        "number too large\n"),
    CASE(BASE "max_message_size = 10T\n",
        "t.conf:3: max_message_size: bad size '10T': unknown unit\n"),
    CASE(BASE "scan_timeout = 10 s\n",
        "t.conf:3: scan_timeout: bad duration '10 s': unknown unit\n"),
    CASE(BASE "max_recipients = 0\n",
        "t.conf:3: max_recipients: 0 is out of range (1..100000)\n"),
    CASE(BASE "max_message_size = 3G\n",
        "t.conf:3: max_message_size: 3G is out of range (1K..2G)\n"),
    CASE(BASE "scan_timeout = 2h\n",
        "t.conf:3: scan_timeout: 2h is out of range (100ms..1h)\n"),
    CASE(BASE "signature_check_interval = 25h\n",
        "t.conf:3: signature_check_interval: 25h is out of range (0..1d)\n"),
    CASE(BASE "virus_scan = maybe\n",
        "t.conf:3: virus_scan: bad boolean 'maybe' (use yes or no)\n"),
    CASE(BASE "virus_action = tempfail\n",
        "t.conf:3: virus_action: bad action 'tempfail' (allowed: accept, "
        "tag, reject, quarantine, discard)\n"),
    CASE(BASE "on_error = reject\n",
        "t.conf:3: on_error: bad action 'reject' (allowed: accept, "
        "tempfail)\n"),
    CASE(BASE "oversize_action = bounce\n",
        "t.conf:3: oversize_action: bad action 'bounce' (allowed: accept, "
        "reject, tempfail)\n"),
    CASE("socket = tcp:25\nclamav_database = /db\n",
        "t.conf:1: socket: bad socket 'tcp:25' (use unix:/path, local:/path, "
        "inet:PORT@ADDR or inet6:PORT@ADDR)\n"),
    CASE("socket = /run/vigil.sock\nclamav_database = /db\n",
        "t.conf:1: socket: bad socket '/run/vigil.sock' (use unix:/path, "
        "local:/path, inet:PORT@ADDR or inet6:PORT@ADDR)\n"),
    CASE("socket = unix:run/vigil.sock\nclamav_database = /db\n",
        "t.conf:1: socket: bad socket 'unix:run/vigil.sock' (the path must "
        "be absolute)\n"),
    CASE("socket = local:/"
         "0123456789012345678901234567890123456789"
         "0123456789012345678901234567890123456789"
         "0123456789012345678901234567\nclamav_database = /db\n",
        "t.conf:1: socket: bad socket 'local:/"
        "0123456789012345678901234567890123456789"
        "012345678901234567890123456789012' (the path is too long "
        "for a unix socket)\n"),
    CASE("socket = inet:11332\nclamav_database = /db\n",
        "t.conf:1: socket: bad socket 'inet:11332' (missing @ADDR after the "
        "port)\n"),
    CASE("socket = inet:0@127.0.0.1\nclamav_database = /db\n",
        "t.conf:1: socket: bad socket 'inet:0@127.0.0.1' (the port must be "
        "a number from 1 to 65535)\n"),
    CASE("socket = inet:65536@127.0.0.1\nclamav_database = /db\n",
        "t.conf:1: socket: bad socket 'inet:65536@127.0.0.1' (the port must "
        "be a number from 1 to 65535)\n"),
    CASE("socket = inet:@127.0.0.1\nclamav_database = /db\n",
        "t.conf:1: socket: bad socket 'inet:@127.0.0.1' (the port must be a "
        "number from 1 to 65535)\n"),
    CASE("socket = inet:25@::1\nclamav_database = /db\n",
        "t.conf:1: socket: bad socket 'inet:25@::1' (ADDR must be an IPv4 "
        "address or a host name)\n"),
    CASE("socket = inet6:25@\nclamav_database = /db\n",
        "t.conf:1: socket: bad socket 'inet6:25@' (ADDR must be an IPv6 "
        "address or a host name)\n"),
    CASE(BASE "tmp_dir = tmp\n",
        "t.conf:3: tmp_dir: 'tmp' is not an absolute path\n"),
    CASE(BASE "prefilter_cache = cache/hs\n",
        "t.conf:3: prefilter_cache: 'cache/hs' is neither empty nor an "
        "absolute path\n"),
    CASE(BASE "authserv_id = mx example\n",
        "t.conf:3: authserv_id: 'mx example' has a blank, a control "
        "character or one of ()<>@,;:\\\"/[]?=\n"),
    CASE(BASE "trusted_networks = 10.0.0.0/8, bogus\n",
        "t.conf:3: trusted_networks: 'bogus' is not an IPv4 or IPv6 address "
        "or network (ADDR/PREFIX)\n"),
    CASE(BASE "trusted_networks = 10.0.0.0/33\n",
        "t.conf:3: trusted_networks: '10.0.0.0/33' is not an IPv4 or IPv6 "
        "address or network (ADDR/PREFIX)\n"),
    CASE(BASE "trusted_networks = ::1/129\n",
        "t.conf:3: trusted_networks: '::1/129' is not an IPv4 or IPv6 "
        "address or network (ADDR/PREFIX)\n"),
    CASE(BASE "trusted_networks = 10.0.0.0/\n",
        "t.conf:3: trusted_networks: '10.0.0.0/' is not an IPv4 or IPv6 "
        "address or network (ADDR/PREFIX)\n"),
    CASE(BASE "dns_servers = 127.0.0.1:0\n",
        "t.conf:3: dns_servers: '127.0.0.1:0' is not ADDR, IPv4:PORT or "
        "[IPv6]:PORT (separate servers with commas)\n"),
    CASE(BASE "dns_servers = ns1.example.com\n",
        "t.conf:3: dns_servers: 'ns1.example.com' is not ADDR, IPv4:PORT or "
        "[IPv6]:PORT (separate servers with commas)\n"),
    CASE(BASE "dns_servers = [::1]\n",
        "t.conf:3: dns_servers: '[::1]' is not ADDR, IPv4:PORT or "
        "[IPv6]:PORT (separate servers with commas)\n"),
    CASE(BASE "dns_servers = 127.0.0.1 ::1\n",
        "t.conf:3: dns_servers: '127.0.0.1 ::1' is not ADDR, IPv4:PORT or "
        "[IPv6]:PORT (separate servers with commas)\n"),
    CASE(BASE "dns_servers = 127.0.0.1,,::1\n",
        "t.conf:3: dns_servers: '' is not ADDR, IPv4:PORT or [IPv6]:PORT "
        "(separate servers with commas)\n"),
    CASE(BASE "rules = /etc/a\001b\n",
        "t.conf:3: control character 0x01 in line\n"),
    CASE(BASE "rules = /etc/a\0b\n",
        "t.conf:3: control character 0x00 in line\n"),
    CASE(BASE "rules = /etc/a\rb\n",
        "t.conf:3: control character 0x0d in line\n"),
    CASE("",
        "t.conf: missing required key socket\n"
        "t.conf: missing required key clamav_database\n"),
    CASE("clamav_database = /db\n", "t.conf: missing required key socket\n"),
    CASE(
        "socket = unix:/s\n", "t.conf: missing required key clamav_database\n"),
    CASE("socket = unix:/s\nvirus_scan = yes\n",
        "t.conf: missing required key clamav_database\n"),
    CASE(BASE "virus_backend = clamdscan\n",
        "t.conf:3: virus_backend: 'clamdscan' is not clamav or clamd\n"),
    CASE(BASE "virus_backend = clamd\n",
        "t.conf:3: virus_backend = clamd needs clamd_servers\n"),
    CASE(BASE "bayes_store = sqlite\n",
        "t.conf:3: bayes_store: 'sqlite' is not lmdb or redis\n"),
    CASE(BASE "bayes_store = redis\n",
        "t.conf:3: bayes_store = redis needs redis\n"),
    CASE(BASE "ratelimit_store = disk\n",
        "t.conf:3: ratelimit_store: 'disk' is not memory or redis\n"),
    CASE(BASE "ratelimit_store = redis\n",
        "t.conf:3: ratelimit_store = redis needs redis\n"),
    CASE(BASE "redis = relative.sock\n",
        "t.conf:3: redis: 'relative.sock': not host:port, [ipv6]:port, "
        "/path or unix:/path\n"),
    CASE(BASE "redis = 127.0.0.1:0\n",
        "t.conf:3: redis: '127.0.0.1:0': port not 1-65535\n"),
    CASE(BASE "redis = unix:redis.sock\n",
        "t.conf:3: redis: 'unix:redis.sock': not host:port, [ipv6]:port, "
        "/path or unix:/path\n"),
    CASE("socket = unix:/s\nvirus_backend = clamav\n",
        "t.conf: missing required key clamav_database\n"),
    CASE(BASE "clamd_timeout = 50ms\n",
        "t.conf:3: clamd_timeout: 50ms is out of range (100ms..1h)\n"),
    /* A bad socket still counts as set: no second "missing" error. */
    CASE(
        "socket =\nclamav_database = /db\n", "t.conf:1: socket: empty value\n"),
};

START_TEST(test_conf_errors)
{
	struct vg_err err;
	struct vg_conf *conf = (struct vg_conf *)&err;
	int rc;

	rc = parse(&conf, errors[_i].text, errors[_i].len, &err);
	ck_assert_msg(rc == VG_ECONFIG, "case %d: got rc %d, want %d", _i, rc,
	    VG_ECONFIG);
	ck_assert_ptr_null(conf);
	ck_assert_msg(strcmp(vg_err_text(&err), errors[_i].want) == 0,
	    "case %d: got \"%s\", want \"%s\"", _i, vg_err_text(&err),
	    errors[_i].want);
}
END_TEST

START_TEST(test_conf_error_null_err)
{
	struct vg_conf *conf = NULL;

	/* A NULL collector drops the text but not the verdict. */
	ck_assert_int_eq(
	    vg_conf_parse(&conf, "foo = 1\n", 8, "t.conf", NULL), VG_ECONFIG);
	ck_assert_ptr_null(conf);
}
END_TEST

START_TEST(test_conf_multiple_errors)
{
	static const char text[] = "# every error is reported\n"
	                           "foo = 1\n"
	                           "max_recipients = 0\n"
	                           "virus_action = bounce\n"
	                           "max_recipients = 2\n"
	                           "nonsense\n";
	struct vg_err err;
	struct vg_conf *conf = NULL;

	ck_assert_int_eq(parse_str(&conf, text, &err), VG_ECONFIG);
	ck_assert_ptr_null(conf);
	ck_assert_uint_eq(err.count, 7);
	ck_assert_str_eq(vg_err_text(&err),
	    "t.conf:2: unknown key 'foo'\n"
	    "t.conf:3: max_recipients: 0 is out of range (1..100000)\n"
	    "t.conf:4: virus_action: bad action 'bounce' (allowed: accept, "
	    "tag, reject, quarantine, discard)\n"
	    "t.conf:5: duplicate key max_recipients (first set on line 3)\n"
	    "t.conf:6: missing '=' (want key = value)\n"
	    "t.conf: missing required key socket\n"
	    "t.conf: missing required key clamav_database\n");
}
END_TEST

START_TEST(test_conf_line_too_long)
{
	struct vg_err err;
	struct vg_conf *conf = NULL;
	size_t vlen = VG_CONF_LINE_MAX - strlen("rules = ");
	char *text = malloc(sizeof(BASE) + VG_CONF_LINE_MAX + 64);
	char head[128];
	size_t len;

	ck_assert_ptr_nonnull(text);

	/* Exactly VG_CONF_LINE_MAX bytes (before the CR LF) is accepted. */
	len = (size_t)snprintf(head, sizeof(head), "%srules = /", BASE);
	memcpy(text, head, len);
	memset(text + len, 'x', vlen - 1);
	len += vlen - 1;
	memcpy(text + len, "\r\n", 2);
	ck_assert_int_eq(parse(&conf, text, len + 2, &err), 0);
	ck_assert_uint_eq(strlen(conf->rules), vlen);
	vg_conf_free(conf);

	/* One more byte is not, and parsing goes on after it. */
	text[len] = 'x';
	memcpy(text + len + 1, "\nfoo = 1", 8);
	ck_assert_int_eq(parse(&conf, text, len + 9, &err), VG_ECONFIG);
	ck_assert_str_eq(vg_err_text(&err),
	    "t.conf:3: line too long (more than 4096 bytes)\n"
	    "t.conf:4: unknown key 'foo'\n");
	free(text);
}
END_TEST

START_TEST(test_conf_file_too_big)
{
	struct vg_err err;
	struct vg_conf *conf = NULL;
	size_t len = VG_CONF_FILE_MAX;
	char *text = malloc(len + 1);
	char path[] = "/tmp/test_conf.XXXXXX";
	int fd;

	ck_assert_ptr_nonnull(text);
	/* A file of comments exactly at the limit is fine. */
	memcpy(text, BASE, sizeof(BASE) - 1);
	for (size_t i = sizeof(BASE) - 1; i < len; i += 64) {
		size_t n = len - i < 64 ? len - i : 64;

		memset(text + i, '#', n);
		text[i + n - 1] = '\n';
	}
	ck_assert_int_eq(parse(&conf, text, len, &err), 0);
	vg_conf_free(conf);

	text[len] = '\n';
	ck_assert_int_eq(parse(&conf, text, len + 1, &err), VG_ECONFIG);
	ck_assert_ptr_null(conf);
	ck_assert_str_eq(vg_err_text(&err),
	    "t.conf: file too big (more than 1048576 bytes)\n");

	/* The same through vg_conf_load(), which must stop reading. */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert(write(fd, text, len + 1) == (ssize_t)(len + 1));
	close(fd);
	vg_err_init(&err);
	ck_assert_int_eq(vg_conf_load(&conf, path, &err), VG_ECONFIG);
	unlink(path);
	ck_assert_ptr_null(conf);
	ck_assert(strstr(vg_err_text(&err),
	              ": file too big (more than "
	              "1048576 bytes)\n") != NULL);
	ck_assert(strncmp(vg_err_text(&err), path, strlen(path)) == 0);
	free(text);
}
END_TEST

START_TEST(test_conf_load)
{
	struct vg_err err;
	struct vg_conf *conf = NULL;
	const char *path = DATA_DIR "/good.conf";

	vg_err_init(&err);
	ck_assert_int_eq(vg_conf_load(&conf, path, &err), 0);
	ck_assert_str_eq(vg_err_text(&err), "");
	ck_assert_str_eq(conf->path, path);
	ck_assert_str_eq(conf->socket, "inet:11332@127.0.0.1");
	ck_assert_uint_eq(conf->max_message_size, 10 * 1024 * 1024);
	ck_assert_int_eq(conf->virus_action, VG_ACTION_QUARANTINE);
	ck_assert_uint_eq(conf->scan_timeout_ms, 90000);
	ck_assert_str_eq(
	    conf->trusted_networks, "192.0.2.0/24, 2001:db8::/32 10.1.2.3");
	ck_assert_str_eq(
	    conf->dns_servers, "127.0.0.1:5353, [::1]:53, 192.0.2.53");
	vg_conf_free(conf);
}
END_TEST

/*
 * A tool's config (vigil scan): no file at all gives every default, and
 * neither socket nor clamav_database is required, which the daemon's
 * load still requires.
 */
START_TEST(test_conf_load_tool)
{
	char path[] = "/tmp/vigil-test-conf-XXXXXX";
	struct vg_conf *conf = NULL;
	struct vg_err err;
	int fd;

	vg_err_init(&err);
	ck_assert_int_eq(vg_conf_load_tool(&conf, NULL, &err), 0);
	ck_assert_ptr_nonnull(conf);
	ck_assert_ptr_null(conf->socket);
	ck_assert_ptr_null(conf->clamav_database);
	ck_assert(conf->virus_scan);
	ck_assert_str_eq(conf->rules, "/etc/vigil/vigil.rules");
	vg_conf_free(conf);

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "max_message_size = 1M\n", 22), 22);
	close(fd);
	ck_assert_int_eq(vg_conf_load_tool(&conf, path, &err), 0);
	ck_assert_uint_eq(conf->max_message_size, 1024 * 1024);
	vg_conf_free(conf);
	ck_assert_int_eq(vg_conf_load(&conf, path, &err), VG_ECONFIG);
	ck_assert_ptr_nonnull(strstr(vg_err_text(&err), "socket"));
	unlink(path);
}
END_TEST

/* vg_conf_line: later checks (the DKIM keys) can still say file:line */
START_TEST(test_conf_line)
{
	struct vg_err err;
	struct vg_conf *conf = NULL;

	ck_assert_int_eq(
	    parse_str(
	        &conf, BASE "# a comment\n\ndkim_sign_domain = a.test\n", &err),
	    0);
	ck_assert_uint_eq(vg_conf_line(conf, "socket"), 1);
	ck_assert_uint_eq(vg_conf_line(conf, "dkim_sign_domain"), 5);
	ck_assert_uint_eq(vg_conf_line(conf, "dkim_sign_key"), 0);
	ck_assert_uint_eq(vg_conf_line(conf, "no_such_key"), 0);
	ck_assert_str_eq(conf->dkim_sign_key, "/etc/vigil/dkim/%d.pem");
	ck_assert_str_eq(conf->dkim_sign_selector, "vigil");
	vg_conf_free(conf);
}
END_TEST

START_TEST(test_conf_load_missing)
{
	struct vg_err err;
	struct vg_conf *conf = (struct vg_conf *)&err;

	vg_err_init(&err);
	ck_assert_int_eq(
	    vg_conf_load(&conf, DATA_DIR "/no-such.conf", &err), VG_ECONFIG);
	ck_assert_ptr_null(conf);
	ck_assert_str_eq(vg_err_text(&err),
	    DATA_DIR "/no-such.conf: cannot open: No such file or directory\n");

	vg_err_init(&err);
	ck_assert_int_eq(vg_conf_load(&conf, DATA_DIR, &err), VG_ECONFIG);
	ck_assert_ptr_null(conf);
	ck_assert_str_eq(
	    vg_err_text(&err), DATA_DIR ": cannot read: Is a directory\n");
}
END_TEST

START_TEST(test_conf_syntax)
{
	static const char text[] =
	    "# whole-line comment\n"
	    "   # indented comment\n"
	    "\n"
	    "\t \n"
	    "socket=unix:/s   \n"
	    "\tclamav_database\t=\t/var/lib/clamav # trailing comment\r\n"
	    "rules = /etc/vigil/a#b.rules\n"
	    "user =\n"
	    "dns_servers = # none: the system resolver\n"
	    "trusted_networks =\n"
	    "virus_action = TAG\n"
	    "virus_scan = off\n"
	    "max_header_size = 2m\n"
	    "authserv_id = mx.example.org";
	struct vg_err err;
	struct vg_conf *conf = NULL;

	ck_assert_int_eq(parse(&conf, text, sizeof(text) - 1, &err), 0);
	ck_assert_str_eq(conf->socket, "unix:/s");
	ck_assert_str_eq(conf->clamav_database, "/var/lib/clamav");
	ck_assert_str_eq(conf->rules, "/etc/vigil/a#b.rules");
	ck_assert_str_eq(conf->user, "");
	ck_assert_str_eq(conf->dns_servers, "");
	ck_assert_str_eq(conf->trusted_networks, "");
	ck_assert_int_eq(conf->virus_action, VG_ACTION_TAG);
	ck_assert(!conf->virus_scan);
	ck_assert_uint_eq(conf->max_header_size, 2 * 1024 * 1024);
	ck_assert_str_eq(conf->authserv_id, "mx.example.org");
	vg_conf_free(conf);
}
END_TEST

START_TEST(test_conf_no_virus_scan)
{
	struct vg_err err;
	struct vg_conf *conf = NULL;

	/* A leading UTF-8 byte-order mark is skipped. */
	ck_assert_int_eq(
	    parse_str(
	        &conf, "\xef\xbb\xbfsocket = unix:/s\nvirus_scan = no\n", &err),
	    0);
	ck_assert(!conf->virus_scan);
	ck_assert_ptr_null(conf->clamav_database);
	vg_conf_free(conf);

	/* virus_backend = clamd needs clamd_servers, not clamav_database. */
	ck_assert_msg(parse_str(&conf,
	                  "socket = unix:/s\nvirus_backend = clamd\n"
	                  "clamd_servers = /run/a.ctl, 10.0.0.1:3310\n",
	                  &err) == 0,
	    "clamd: got \"%s\", want no error", vg_err_text(&err));
	ck_assert_str_eq(conf->virus_backend, "clamd");
	ck_assert_ptr_null(conf->clamav_database);
	ck_assert_uint_eq(conf->clamd_timeout_ms, 30000);
	vg_conf_free(conf);
}
END_TEST

START_TEST(test_conf_sockets)
{
	static const char *const good[] = {"unix:/run/vigil/vigil.sock",
	    "local:/var/spool/postfix/vigil/sock", "inet:11332@127.0.0.1",
	    "inet:1@localhost", "inet:65535@mx-1.example.org", "inet6:25@::1",
	    "inet6:11332@2001:db8::1"};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct vg_err err;
		struct vg_conf *conf = NULL;
		char text[256];

		snprintf(text, sizeof(text), "socket = %s\nvirus_scan = no\n",
		    good[i]);
		ck_assert_msg(parse_str(&conf, text, &err) == 0,
		    "%s: got \"%s\", want no error", good[i],
		    vg_err_text(&err));
		ck_assert_str_eq(conf->socket, good[i]);
		vg_conf_free(conf);
	}
}
END_TEST

/* set_number - parse BASE plus "name = <v in the key's own units>" */
static int
set_number(struct vg_conf **out, const struct vg_conf_key *k, uint64_t v,
    struct vg_err *err)
{
	char text[256];

	/* A bare duration is in seconds, so write durations in ms. */
	snprintf(text, sizeof(text), "%s%s = %" PRIu64 "%s\n", BASE, k->name, v,
	    k->type == VG_CONF_DURATION ? "ms" : "");
	return parse_str(out, text, err);
}

/* stored - a numeric key's value in conf */
static uint64_t
stored(const struct vg_conf *conf, const struct vg_conf_key *k)
{
	const void *f = (const char *)conf + k->offset;

	if (k->type == VG_CONF_UINT)
		return *(const unsigned *)f;
	return *(const uint64_t *)f;
}

START_TEST(test_conf_bounds)
{
	size_t n;
	const struct vg_conf_key *k = &vg_conf_keys(&n)[_i];
	struct vg_err err;
	struct vg_conf *conf = NULL;

	switch (k->type) {
	case VG_CONF_UINT:
	case VG_CONF_SIZE:
	case VG_CONF_DURATION:
		break;
	case VG_CONF_STRING:
	case VG_CONF_BOOL:
	case VG_CONF_ACTION:
		return;
	}
	/* min and max are accepted and stored as they are. */
	ck_assert_msg(set_number(&conf, k, k->min, &err) == 0,
	    "%s = min: got \"%s\", want no error", k->name, vg_err_text(&err));
	ck_assert_uint_eq(stored(conf, k), k->min);
	vg_conf_free(conf);
	ck_assert_msg(set_number(&conf, k, k->max, &err) == 0,
	    "%s = max: got \"%s\", want no error", k->name, vg_err_text(&err));
	ck_assert_uint_eq(stored(conf, k), k->max);
	vg_conf_free(conf);

	/* One past either end is refused, saying the range. */
	if (k->min > 0) {
		ck_assert_int_eq(
		    set_number(&conf, k, k->min - 1, &err), VG_ECONFIG);
		ck_assert_msg(
		    strstr(vg_err_text(&err), "is out of range (") != NULL,
		    "%s = min-1: got \"%s\"", k->name, vg_err_text(&err));
	}
	ck_assert_int_eq(set_number(&conf, k, k->max + 1, &err), VG_ECONFIG);
	ck_assert_ptr_null(conf);
	ck_assert_msg(strncmp(vg_err_text(&err), "t.conf:3: ", 10) == 0 &&
	        strstr(vg_err_text(&err), "is out of range (") != NULL,
	    "%s = max+1: got \"%s\"", k->name, vg_err_text(&err));
}
END_TEST

START_TEST(test_conf_actions)
{
	size_t n;
	const struct vg_conf_key *k = &vg_conf_keys(&n)[_i];

	if (k->type != VG_CONF_ACTION)
		return;
	/* Each action is accepted exactly when the key's mask allows it. */
	for (unsigned a = VG_ACTION_ACCEPT; a <= VG_ACTION_DISCARD; a++) {
		struct vg_err err;
		struct vg_conf *conf = NULL;
		char text[256];
		int rc;
		bool allowed = (k->actions & (1u << a)) != 0;

		snprintf(text, sizeof(text), "%s%s = %s\n", BASE, k->name,
		    vg_action_name((enum vg_action)a));
		rc = parse_str(&conf, text, &err);
		ck_assert_msg(rc == (allowed ? 0 : VG_ECONFIG),
		    "%s = %s: got rc %d, want %d", k->name,
		    vg_action_name((enum vg_action)a), rc,
		    allowed ? 0 : VG_ECONFIG);
		if (allowed)
			ck_assert_int_eq(
			    *(const enum vg_action *)(const void
			            *)((const char *)conf + k->offset),
			    (int)a);
		vg_conf_free(conf);
	}
}
END_TEST

START_TEST(test_conf_alloc_fail)
{
#define ALLOC_GOOD                                                             \
	BASE "user = vigil\ntmp_dir = /tmp\nmax_recipients = 5\n"              \
	     "virus_action = tag\n"
	static const char good[] = ALLOC_GOOD;
	static const char bad[] =
	    ALLOC_GOOD "foo = bar\nmax_header_count = 9\n";
	struct vg_err err;
	struct vg_conf *conf = NULL;
	unsigned long n;
	int rc = -1;

	/* Each allocation in turn fails: VG_ENOMEM or success, never worse. */
	for (n = 1; n < 1000; n++) {
		vg_alloc_fail_at(n);
		rc = parse(&conf, good, sizeof(good) - 1, &err);
		vg_alloc_fail_at(0);
		if (rc == 0)
			break;
		ck_assert_msg(rc == VG_ENOMEM,
		    "fail at %lu: got rc %d, want %d", n, rc, VG_ENOMEM);
		ck_assert_ptr_null(conf);
		ck_assert(strstr(vg_err_text(&err), "out of memory") != NULL);
	}
	ck_assert_msg(rc == 0, "never succeeded");
	ck_assert_uint_gt(n, 5);
	vg_conf_free(conf);

	/* A config with errors fails the same way, or with VG_ECONFIG. */
	for (n = 1; n < 1000; n++) {
		vg_alloc_fail_at(n);
		rc = parse(&conf, bad, sizeof(bad) - 1, &err);
		vg_alloc_fail_at(0);
		ck_assert_ptr_null(conf);
		if (rc == VG_ECONFIG)
			break;
		ck_assert_msg(rc == VG_ENOMEM,
		    "fail at %lu: got rc %d, want %d", n, rc, VG_ENOMEM);
	}
	ck_assert_int_eq(rc, VG_ECONFIG);

	/* And through vg_conf_load(), which allocates its read buffer. */
	for (n = 1; n < 1000; n++) {
		vg_err_init(&err);
		vg_alloc_fail_at(n);
		rc = vg_conf_load(&conf, DATA_DIR "/good.conf", &err);
		vg_alloc_fail_at(0);
		if (rc == 0)
			break;
		ck_assert_msg(
		    rc == VG_ENOMEM, "load, fail at %lu: got rc %d", n, rc);
		ck_assert_ptr_null(conf);
	}
	ck_assert_int_eq(rc, 0);
	vg_conf_free(conf);
}
END_TEST

START_TEST(test_conf_unreloadable)
{
	static const struct {
		const char *extra;
		const char *want;
	} cases[] = {
	    {"", NULL},
	    {"max_recipients = 5\nvirus_action = tag\nrules = /x\n", NULL},
	    {"user = nobody\n", "user"},
	    {"scan_workers = 3\n", "scan_workers"},
	    {"max_queued_scans = 7\n", "max_queued_scans"},
	};
	struct vg_err err;
	struct vg_conf *old = NULL, *new_conf = NULL;
	char text[256];
	const char *got;

	ck_assert_int_eq(parse_str(&old, BASE, &err), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", BASE, cases[i].extra);
		ck_assert_int_eq(parse_str(&new_conf, text, &err), 0);
		got = vg_conf_unreloadable_change(old, new_conf);
		ck_assert_msg(got == cases[i].want ||
		        (got != NULL && cases[i].want != NULL &&
		            strcmp(got, cases[i].want) == 0),
		    "\"%s\": got %s, want %s", cases[i].extra,
		    got ? got : "NULL", cases[i].want ? cases[i].want : "NULL");
		vg_conf_free(new_conf);
	}
	ck_assert_int_eq(
	    parse_str(&new_conf,
	        "socket = inet:1@127.0.0.1\nclamav_database = /db\n", &err),
	    0);
	ck_assert_str_eq(vg_conf_unreloadable_change(old, new_conf), "socket");
	vg_conf_free(new_conf);
	vg_conf_free(old);
	vg_conf_free(NULL);
}
END_TEST

START_TEST(test_conf_docs)
{
	char *man = slurp(VG_SOURCE_DIR "/packaging/vigil.conf.5");
	char *example = slurp(VG_SOURCE_DIR "/packaging/vigil.conf");
	size_t n;
	const struct vg_conf_key *keys = vg_conf_keys(&n);
	struct vg_err err;
	struct vg_conf *conf = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct vg_conf_key *k = &keys[i];
		char want[128];
		const char *entry, *next;

		/* The man page has an entry that states the default. */
		snprintf(want, sizeof(want), "\n.B %s\n", k->name);
		entry = strstr(man, want);
		ck_assert_msg(
		    entry != NULL, "vigil.conf.5: no entry \".B %s\"", k->name);
		entry += strlen(want);
		next = strstr(entry, "\n.TP");
		if (next == NULL)
			next = entry + strlen(entry);
		if (k->def != NULL && k->def[0] != '\0') {
			const char *d = strstr(entry, k->def);

			ck_assert_msg(d != NULL && d < next,
			    "vigil.conf.5: %s: default %s not in its entry",
			    k->name, k->def);
		}

		/* The example lists it with the table's default. */
		if (k->def != NULL)
			snprintf(want, sizeof(want), "\n#%s = %s\n", k->name,
			    k->def);
		else
			snprintf(want, sizeof(want),
			    "\n%s%s = ", k->required ? "" : "#", k->name);
		if (k->def != NULL && k->def[0] == '\0')
			snprintf(want, sizeof(want), "\n#%s =\n", k->name);
		ck_assert_msg(strstr(example, want) != NULL,
		    "vigil.conf: no line \"%s\"", want + 1);
	}

	/* And the example as shipped is a valid config. */
	vg_err_init(&err);
	ck_assert_msg(vg_conf_load(&conf, VG_SOURCE_DIR "/packaging/vigil.conf",
	                  &err) == 0,
	    "packaging/vigil.conf: got \"%s\", want no error",
	    vg_err_text(&err));
	vg_conf_free(conf);
	free(man);
	free(example);
}
END_TEST

START_TEST(test_conf_example_uncommented)
{
	char *example = slurp(VG_SOURCE_DIR "/packaging/vigil.conf");
	struct vg_err err;
	struct vg_conf *conf = NULL;
	char *p;

	/* Uncommenting every "#key = value" line still gives a valid config. */
	for (p = example; (p = strstr(p, "\n#")) != NULL; p++) {
		const char *q = p + 2;

		while ((*q >= 'a' && *q <= 'z') || *q == '_')
			q++;
		if (q > p + 2 && (strncmp(q, " =", 2) == 0))
			p[1] = ' ';
	}
	ck_assert_msg(parse_str(&conf, example, &err) == 0,
	    "got \"%s\", want no error", vg_err_text(&err));
	vg_conf_free(conf);
	free(example);
}
END_TEST

/* conf_suite - every test of the module, one TCase per behaviour */
static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc;
	size_t n;

	vg_conf_keys(&n);
	tc = tcase_create("defaults");
	tcase_add_test(tc, test_conf_defaults);
	tcase_add_test(tc, test_conf_prefilter_cache_empty);
	tcase_add_test(tc, test_conf_table);
	tcase_add_test(tc, test_conf_no_virus_scan);
	suite_add_tcase(s, tc);

	tc = tcase_create("syntax");
	tcase_add_test(tc, test_conf_syntax);
	tcase_add_test(tc, test_conf_sockets);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(
	    tc, test_conf_errors, 0, (int)(sizeof(errors) / sizeof(errors[0])));
	tcase_add_test(tc, test_conf_error_null_err);
	tcase_add_test(tc, test_conf_multiple_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_conf_line_too_long);
	tcase_add_test(tc, test_conf_file_too_big);
	tcase_add_loop_test(tc, test_conf_bounds, 0, (int)n);
	tcase_add_loop_test(tc, test_conf_actions, 0, (int)n);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_test(tc, test_conf_load);
	tcase_add_test(tc, test_conf_load_missing);
	tcase_add_test(tc, test_conf_line);
	tcase_add_test(tc, test_conf_load_tool);
	suite_add_tcase(s, tc);

	tc = tcase_create("alloc");
	tcase_add_test(tc, test_conf_alloc_fail);
	suite_add_tcase(s, tc);

	tc = tcase_create("reload");
	tcase_add_test(tc, test_conf_unreloadable);
	suite_add_tcase(s, tc);

	tc = tcase_create("docs");
	tcase_add_test(tc, test_conf_docs);
	tcase_add_test(tc, test_conf_example_uncommented);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(conf_suite)
