/* SPDX-License-Identifier: GPL-2.0-only */
/* test_uri - URI extraction, normalisation, dedupe and limits */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vg_check.h"
#include "vg_guard.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "message/uri.h"

static const struct {
	const char *in, *want; /* want NULL: not a link we keep */
} norm_cases[] = {
    {"http://Example.COM/Path?Q", "http://example.com/Path?Q"},
    {"HTTP://example.com", "http://example.com/"},
    {"http://example.com?q=1", "http://example.com/?q=1"},
    {"hxxp://evil.example/x", "http://evil.example/x"},
    {"hXXps://evil.example", "https://evil.example/"},
    {"ttp://evil.example/", "http://evil.example/"},
    {"http : //evil.example/", "http://evil.example/"},
    {"http:\\\\evil.example\\x", "http://evil.example/\\x"},
    {"http:/evil.example/", "http://evil.example/"},
    {"http://3232235777/", "http://192.168.1.1/"},
    {"http://0xc0a80101/", "http://192.168.1.1/"},
    {"http://0300.0250.01.01/", "http://192.168.1.1/"},
    {"http://192.168.257/", "http://192.168.1.1/"},
    {"http://0xc0.0xa8.1.1/", "http://192.168.1.1/"},
    {"http://192.11010305/", "http://192.168.1.1/"},
    {"http://999.1.1.1/", "http://999.1.1.1/"},
    {"http://1.2.3.4.5/", "http://1.2.3.4.5/"},
    {"http://08.1.1.1/", "http://08.1.1.1/"},
    {"http://user:pw@Host.Example:8080/p",
        "http://user:pw@host.example:8080/p"},
    {"http://www.paypal.com@evil.example/",
        "http://www.paypal.com@evil.example/"},
    {"http://%65%56il.example/", "http://evil.example/"},
    /* A %xx hiding a control byte stays encoded (found by fuzz_uri). */
    {"http://a%00b.example/", "http://a%00b.example/"},
    {"http://a%20b.example/", "http://a%20b.example/"},
    {"http://Example.com./", "http://example.com/"},
    {"https://[2001:DB8::1]:443/", "https://[2001:db8::1]:443/"},
    {"www.Example.com/x", "http://www.example.com/x"},
    {"ftp.example.com", "ftp://ftp.example.com/"},
    {"//cdn.example/x.js", "http://cdn.example/x.js"},
    {"news://News.Example/group", "news://news.example/group"},
    {"mailto:Foo@Example.COM?subject=Hi", "mailto:Foo@example.com?subject=Hi"},
    {"  <http://x.example>  ", "http://x.example/"},
    {"\"http://x.example/q\"", "http://x.example/q"},
    {"http://x.example/a\r\n\tb", "http://x.example/ab"},
    {"javascript:alert(1)", NULL},
    {"cid:part1@example", NULL},
    {"data:text/html;base64,AAAA", NULL},
    {"#top", NULL},
    {"/relative/path", NULL},
    {"http://", NULL},
    {"mailto:nobody", NULL},
    {"", NULL},
};

/* Each normalisation case, read from against a guard page. */
START_TEST(test_uri_normalize_table)
{
	struct vg_guarded g;
	struct vg_buf b;
	const char *in = norm_cases[_i].in;
	int rc;

	vg_guard(&g, in, strlen(in));
	vg_buf_init(&b, 8192);
	rc = vg_uri_normalize(&b, g.p, strlen(in));
	if (norm_cases[_i].want == NULL) {
		ck_assert_msg(rc == VG_EINVAL,
		    "case %d: got %d \"%s\", want "
		    "VG_EINVAL",
		    _i, rc, vg_buf_cstr(&b));
		ck_assert_uint_eq(b.len, 0);
	} else {
		ck_assert_msg(rc == 0, "case %d: got %d, want 0", _i, rc);
		ck_assert_msg(strcmp(vg_buf_cstr(&b), norm_cases[_i].want) == 0,
		    "case %d: got \"%s\", want \"%s\"", _i, vg_buf_cstr(&b),
		    norm_cases[_i].want);
	}
	vg_buf_fini(&b);
	vg_unguard(&g);
}
END_TEST

/* list_has - whether the list holds s */
static bool
list_has(const struct vg_uri_list *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (strcmp(l->v[i], s) == 0)
			return true;
	}
	return false;
}

/* Links in plain text, obfuscated ones included, in order, deduped. */
START_TEST(test_uri_extract_text)
{
	static const char text[] =
	    "Visit http://A.example/x, or www.b.example. Mail me: "
	    "joe@C.Example! hxxp://d.example/ and http : //e.example/p and "
	    "(http://f.example/q) ftp.g.example and https://A.example/x "
	    "again http://a.example/x, mailto:Sales@H.Example. Not links: "
	    "awww.x y.www.z 10:30 a@b nothing:// www. end.";
	static const char *const want[] = {
	    "http://a.example/x",
	    "http://www.b.example/",
	    "mailto:joe@c.example",
	    "http://d.example/",
	    "http://e.example/p",
	    "http://f.example/q",
	    "ftp://ftp.g.example/",
	    "https://a.example/x",
	    "mailto:Sales@h.example",
	};
	struct vg_uri_list l;
	struct vg_guarded g;
	size_t i;

	vg_guard(&g, text, sizeof(text) - 1);
	vg_uri_list_init(&l, 100);
	ck_assert_int_eq(vg_uri_extract(&l, g.p, sizeof(text) - 1), 0);
	for (i = 0; i < l.n && i < VG_NELEM(want); i++)
		ck_assert_msg(strcmp(l.v[i], want[i]) == 0,
		    "uri %zu: got \"%s\", want \"%s\"", i, l.v[i], want[i]);
	ck_assert_msg(l.n == VG_NELEM(want), "got %zu uris, want %zu", l.n,
	    VG_NELEM(want));
	ck_assert(!l.full);
	vg_uri_list_fini(&l);
	vg_unguard(&g);
}
END_TEST

/* Bare host names with a common top-level domain; file names are not. */
START_TEST(test_uri_extract_bare_hosts)
{
	static const char text[] =
	    "Buy at CheapMeds.com/order now! Visit end.com. Or x.com.au, "
	    "sub.Example.co.uk; not file.txt script.pl README.md e.g. U.S.A. "
	    "3.14 foo_bar.com -x.com a@b.example.com x.commerce";
	static const char *const want[] = {
	    "http://cheapmeds.com/order",
	    "http://end.com/",
	    "http://x.com.au/",
	    "http://sub.example.co.uk/",
	    "mailto:a@b.example.com",
	};
	struct vg_uri_list l;
	struct vg_guarded g;
	size_t i;

	vg_guard(&g, text, sizeof(text) - 1);
	vg_uri_list_init(&l, 100);
	ck_assert_int_eq(vg_uri_extract(&l, g.p, sizeof(text) - 1), 0);
	for (i = 0; i < l.n && i < VG_NELEM(want); i++)
		ck_assert_msg(strcmp(l.v[i], want[i]) == 0,
		    "uri %zu: got \"%s\", want \"%s\"", i, l.v[i], want[i]);
	ck_assert_msg(l.n == VG_NELEM(want), "got %zu uris, want %zu", l.n,
	    VG_NELEM(want));
	vg_uri_list_fini(&l);
	vg_unguard(&g);
}
END_TEST

static const char *const edge_texts[] = {
    "http://x.example",
    "www.x.example",
    "a@b.example",
    "http:",
    "www.",
    "x@",
    "@",
    ":",
    "h",
    "http : /",
    "mailto:",
    "ftp.",
    "0x",
};

/* Text ending in the middle of a candidate never reads past its end. */
START_TEST(test_uri_extract_edges)
{
	struct vg_uri_list l;
	struct vg_guarded g;
	const char *t = edge_texts[_i];

	vg_guard(&g, t, strlen(t));
	vg_uri_list_init(&l, 10);
	ck_assert_int_eq(vg_uri_extract(&l, g.p, strlen(t)), 0);
	ck_assert_uint_le(l.n, 1);
	vg_uri_list_fini(&l);
	vg_unguard(&g);
}
END_TEST

START_TEST(test_uri_dedupe)
{
	struct vg_uri_list l;
	int i;

	vg_uri_list_init(&l, 100);
	ck_assert_int_eq(vg_uri_add(&l, "http://x.example/", 17), 0);
	ck_assert_int_eq(vg_uri_add(&l, "HTTP://X.EXAMPLE", 16), 0);
	ck_assert_int_eq(vg_uri_add(&l, "hxxp://x.example/", 17), 0);
	ck_assert_uint_eq(l.n, 1);
	/* Growing the set keeps every entry findable. */
	for (i = 0; i < 60; i++) {
		char u[64];

		snprintf(u, sizeof(u), "http://h%d.example/", i);
		ck_assert_int_eq(vg_uri_add(&l, u, strlen(u)), 0);
		ck_assert_int_eq(vg_uri_add(&l, u, strlen(u)), 0);
	}
	ck_assert_uint_eq(l.n, 61);
	ck_assert(list_has(&l, "http://h59.example/"));
	vg_uri_list_fini(&l);
}
END_TEST

/* The URI limit: new URIs beyond max are dropped and flagged. */
START_TEST(test_uri_limit)
{
	static const char text[] = "http://a.example/ http://b.example/ "
	                           "http://a.example/ http://c.example/ "
	                           "http://d.example/";
	struct vg_uri_list l;
	char **v;
	size_t n;

	vg_uri_list_init(&l, 2);
	ck_assert_int_eq(vg_uri_extract(&l, text, sizeof(text) - 1), VG_ELIMIT);
	ck_assert_uint_eq(l.n, 2);
	ck_assert(l.full);
	/* A URI already present is not a new one. */
	ck_assert_int_eq(vg_uri_add(&l, "http://a.example/", 17), 0);
	vg_uri_list_take(&l, &v, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[1], "http://b.example/");
	vg_free(v[0]);
	vg_free(v[1]);
	vg_free(v);
	vg_uri_list_fini(&l);
}
END_TEST

/* One very long link is cut at VG_URI_MAX_LEN, host first. */
START_TEST(test_uri_long_link_cut)
{
	struct vg_uri_list l;
	size_t len = 3 * VG_URI_MAX_LEN;
	char *t = malloc(len);

	ck_assert_ptr_nonnull(t);
	memset(t, 'a', len);
	memcpy(t, "see http://Long.example/", 24);
	vg_uri_list_init(&l, 10);
	ck_assert_int_eq(vg_uri_extract(&l, t, len), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_uint_le(strlen(l.v[0]), VG_URI_MAX_LEN + 64);
	ck_assert(strncmp(l.v[0], "http://long.example/aaa", 23) == 0);
	vg_uri_list_fini(&l);
	free(t);
}
END_TEST

/* A NUL (or other control byte) ends a link: found by fuzz_uri. */
START_TEST(test_uri_nul_ends_link)
{
	static const char in[] = "mailto:Foo@Example.b\0\0\0M?subject=Hi";
	struct vg_uri_list l;
	struct vg_buf b;

	vg_buf_init(&b, 100);
	ck_assert_int_eq(vg_uri_normalize(&b, in, sizeof(in) - 1), 0);
	ck_assert_uint_eq(b.len, strlen("mailto:Foo@example.b"));
	ck_assert_str_eq(vg_buf_cstr(&b), "mailto:Foo@example.b");
	vg_buf_fini(&b);
	vg_uri_list_init(&l, 10);
	ck_assert_int_eq(vg_uri_add(&l, in, sizeof(in) - 1), 0);
	ck_assert_int_eq(vg_uri_add(&l, "http://x.example/\001y", 19), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.v[1], "http://x.example/");
	vg_uri_list_fini(&l);
}
END_TEST

static const struct {
	const char *uri, *host;
} host_cases[] = {
    {"http://a.example/x", "a.example"},
    {"http://u:p@b.example:81/", "b.example"},
    {"https://[::1]:443/", "[::1]"},
    {"mailto:x@c.example?subject=a@b", "c.example"},
    {"mailto:nobody", NULL},
    {"no-scheme", NULL},
};

START_TEST(test_uri_host_table)
{
	const char *u = host_cases[_i].uri, *h;
	size_t n;
	bool ok = vg_uri_host(&h, &n, u, strlen(u));

	ck_assert_msg(ok == (host_cases[_i].host != NULL), "case %d", _i);
	if (ok)
		ck_assert_msg(n == strlen(host_cases[_i].host) &&
		        strncmp(h, host_cases[_i].host, n) == 0,
		    "case %d: got \"%.*s\", want \"%s\"", _i, (int)n, h,
		    host_cases[_i].host);
}
END_TEST

START_TEST(test_uri_same_site)
{
	ck_assert(vg_uri_same_site("www.Example.com", 15, "example.com", 11));
	ck_assert(vg_uri_same_site("example.com.", 12, "EXAMPLE.COM", 11));
	ck_assert(!vg_uri_same_site("badexample.com", 14, "example.com", 11));
	ck_assert(!vg_uri_same_site("paypal.com", 10, "evil.example", 12));
	ck_assert(!vg_uri_same_site("", 0, "example.com", 11));
}
END_TEST

START_TEST(test_uri_parse_ipv4)
{
	unsigned long ip;

	ck_assert(vg_uri_parse_ipv4(&ip, "3232235777", 10));
	ck_assert_uint_eq(ip, 0xc0a80101);
	ck_assert(vg_uri_parse_ipv4(&ip, "0x7f.1", 6));
	ck_assert_uint_eq(ip, 0x7f000001);
	ck_assert(!vg_uri_parse_ipv4(&ip, "4294967296", 10));
	ck_assert(!vg_uri_parse_ipv4(&ip, "1.2.3.", 6));
	ck_assert(!vg_uri_parse_ipv4(&ip, "1..3", 4));
	ck_assert(!vg_uri_parse_ipv4(&ip, "example.com", 11));
	ck_assert(!vg_uri_parse_ipv4(&ip, "1.2.3.256", 9));
	ck_assert(!vg_uri_parse_ipv4(&ip, "", 0));
}
END_TEST

/* Every allocation failure gives VG_ENOMEM and leaks nothing (ASan). */
START_TEST(test_uri_alloc_failure)
{
	static const char text[] =
	    "http://a.example/ www.b.example c@d.example "
	    "http://e.example/ http://f.example/ "
	    "http://g.example/ http://h.example/ "
	    "http://i.example/ http://j.example/ "
	    "http://k.example/ http://l.example/";
	struct vg_uri_list l;
	unsigned long n;
	int rc;

	for (n = 1;; n++) {
		vg_uri_list_init(&l, 100);
		vg_alloc_fail_at(n);
		rc = vg_uri_extract(&l, text, sizeof(text) - 1);
		vg_alloc_fail_at(0);
		vg_uri_list_fini(&l);
		if (rc == 0)
			break;
		ck_assert_msg(rc == VG_ENOMEM, "fail at %lu: got %d, want %d",
		    n, rc, VG_ENOMEM);
		ck_assert_uint_lt(n, 200);
	}
	ck_assert_uint_gt(n, 11);
}
END_TEST

/* uri_suite - the suite */
static Suite *
uri_suite(void)
{
	Suite *s = suite_create("uri");
	TCase *tc;

	tc = tcase_create("normalize");
	tcase_add_loop_test(
	    tc, test_uri_normalize_table, 0, (int)VG_NELEM(norm_cases));
	tcase_add_loop_test(
	    tc, test_uri_host_table, 0, (int)VG_NELEM(host_cases));
	tcase_add_test(tc, test_uri_same_site);
	tcase_add_test(tc, test_uri_parse_ipv4);
	tcase_add_test(tc, test_uri_nul_ends_link);
	suite_add_tcase(s, tc);
	tc = tcase_create("extract");
	tcase_add_test(tc, test_uri_extract_text);
	tcase_add_test(tc, test_uri_extract_bare_hosts);
	tcase_add_loop_test(
	    tc, test_uri_extract_edges, 0, (int)VG_NELEM(edge_texts));
	tcase_add_test(tc, test_uri_dedupe);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_uri_limit);
	tcase_add_test(tc, test_uri_long_link_cut);
	tcase_add_test(tc, test_uri_alloc_failure);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(uri_suite)
