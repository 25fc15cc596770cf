/* SPDX-License-Identifier: GPL-2.0-only */
/* test_cidr - IPv4 and IPv6 networks: parsing, masking, matching */
#include <check.h>
#include <string.h>

#include "vg_check.h"
#include "base/cidr.h"
#include "base/err.h"

static const struct {
	const char *net, *ip;
	bool want;
} match_cases[] = {
    {"192.0.2.0/24", "192.0.2.1", true},
    {"192.0.2.0/24", "192.0.2.255", true},
    {"192.0.2.0/24", "192.0.3.0", false},
    {"192.0.2.7/24", "192.0.2.200", true}, /* host bits cleared */
    {"10.0.0.0/8", "10.255.255.255", true},
    {"10.0.0.0/8", "11.0.0.0", false},
    {"0.0.0.0/0", "203.0.113.9", true},
    {"0.0.0.0/0", "2001:db8::1", false}, /* families never mix */
    {"198.51.100.7", "198.51.100.7", true},
    {"198.51.100.7", "198.51.100.8", false},
    {"198.51.100.6/31", "198.51.100.7", true},
    {"198.51.100.6/31", "198.51.100.8", false},
    {"172.16.0.0/12", "172.31.255.255", true},
    {"172.16.0.0/12", "172.32.0.0", false},
    {"2001:db8::/32", "2001:db8:ffff::1", true},
    {"2001:db8::/32", "2001:db9::1", false},
    {"2001:db8::/33", "2001:db8:7fff::1", true},
    {"2001:db8::/33", "2001:db8:8000::1", false},
    {"::1", "::1", true},
    {"::1/128", "::2", false},
    {"::/0", "fe80::1", true},
    {"::/0", "192.0.2.1", false},
    {"[2001:db8::]/48", "IPv6:2001:db8:0:1::5", true},
    {"IPv6:2001:db8::1", "[2001:db8::1]", true},
    /* IPv4-mapped addresses are the IPv4 address they carry. */
    {"192.0.2.0/24", "::ffff:192.0.2.9", true},
    {"::ffff:192.0.2.0/120", "192.0.2.9", true},
    {"::ffff:192.0.2.0/120", "192.0.3.9", false},
    {"127.0.0.0/8", "::ffff:127.0.0.1", true},
};

START_TEST(test_cidr_match)
{
	struct vg_cidr net;
	struct vg_ip ip;
	const char *why = NULL;
	const char *n = match_cases[_i].net, *a = match_cases[_i].ip;
	bool got;

	ck_assert_msg(vg_cidr_parse(&net, n, strlen(n), &why) == 0,
	    "%s: got error %s, want a network", n, why);
	ck_assert_msg(vg_ip_parse(&ip, a) == 0, "%s: not an address", a);
	got = vg_cidr_match(&net, &ip);
	ck_assert_msg(got == match_cases[_i].want, "%s in %s: got %d, want %d",
	    a, n, got, match_cases[_i].want);
}
END_TEST

static const struct {
	const char *in;
	const char *why;
} bad_cases[] = {
    {"", "not an IPv4 or IPv6 address"},
    {"/24", "not an IPv4 or IPv6 address"},
    {"192.0.2", "not an IPv4 or IPv6 address"},
    {"192.0.2.256", "not an IPv4 or IPv6 address"},
    {"example.com", "not an IPv4 or IPv6 address"},
    {"192.0.2.0/", "bad prefix length"},
    {"192.0.2.0/33", "prefix length must be 0 to 32"},
    {"192.0.2.0/-1", "prefix length must be 0 to 32"},
    {"192.0.2.0/8x", "prefix length must be 0 to 32"},
    {"2001:db8::/129", "prefix length must be 0 to 128"},
    {"2001:db8::/123456789", "bad prefix length"},
    {"2001:db8:::1", "not an IPv4 or IPv6 address"},
    {"[2001:db8::1", "not an IPv4 or IPv6 address"},
    {"192.0.2.1 ", "not an IPv4 or IPv6 address"},
    /* VG_IP_TEXT_MAX: 64 bytes are longer than any address text. */
    {"0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000",
        "not an IPv4 or IPv6 address"},
};

START_TEST(test_cidr_bad)
{
	struct vg_cidr net;
	const char *why = NULL, *in = bad_cases[_i].in;
	int rc = vg_cidr_parse(&net, in, strlen(in), &why);

	ck_assert_msg(rc == VG_EINVAL, "'%s': got %d, want VG_EINVAL", in, rc);
	ck_assert_msg(why != NULL && strcmp(why, bad_cases[_i].why) == 0,
	    "'%s': got reason '%s', want '%s'", in, why, bad_cases[_i].why);
}
END_TEST

START_TEST(test_cidr_len_bounded)
{
	struct vg_cidr net;
	struct vg_ip ip;
	const char *list = "10.1.0.0/16,10.2.0.0/16";

	/* Only len bytes are read: the first entry of a list. */
	ck_assert_int_eq(vg_cidr_parse(&net, list, 11, NULL), 0);
	ck_assert_int_eq(net.bits, 16);
	ck_assert_int_eq(vg_ip_parse(&ip, "10.2.0.1"), 0);
	ck_assert_msg(!vg_cidr_match(&net, &ip), "got match, want none");
}
END_TEST

START_TEST(test_cidr_ip_forms)
{
	struct vg_ip ip;

	ck_assert_int_eq(vg_ip_parse(&ip, "192.0.2.1"), 0);
	ck_assert_int_eq(ip.family, 4);
	ck_assert_int_eq(vg_ip_parse(&ip, "::ffff:192.0.2.1"), 0);
	ck_assert_int_eq(ip.family, 4);
	ck_assert_int_eq(ip.addr[3], 1);
	ck_assert_int_eq(vg_ip_parse(&ip, "IPv6:::1"), 0);
	ck_assert_int_eq(ip.family, 6);
	ck_assert_int_eq(vg_ip_parse(&ip, "[::1]"), 0);
	ck_assert_int_eq(ip.addr[15], 1);
	ck_assert_int_eq(vg_ip_parse(&ip, NULL), VG_EINVAL);
	ck_assert_int_eq(vg_ip_parse(&ip, ""), VG_EINVAL);
	ck_assert_int_eq(vg_ip_parse(&ip, "[]"), VG_EINVAL);
	ck_assert_int_eq(vg_ip_parse(&ip, "unknown"), VG_EINVAL);
	ck_assert_int_eq(vg_ip_parse(&ip, "192.0.2.1/32"), VG_EINVAL);
}
END_TEST

/* cidr_suite - one TCase per behaviour */
static const struct {
	const char *ip, *list;
	bool want;
} cidrs[] = {
    {"127.0.0.1", "127.0.0.0/8", true},
    {"127.0.0.1", "10.0.0.0/8, 127.0.0.1", true},
    {"128.0.0.1", "127.0.0.0/8", false},
    {"192.168.1.77", "192.168.1.64/26", true},
    {"192.168.1.128", "192.168.1.64/26", false},
    {"::1", "::1/128", true},
    {"2001:db8::5", "2001:db8::/32", true},
    {"2001:db9::5", "2001:db8::/32", false},
    {"::ffff:10.1.2.3", "10.0.0.0/8", true},
    {"10.1.2.3", "0.0.0.0/0", true},
    {"10.1.2.3", "garbage, 10.0.0.0/99", false},
    {"", "127.0.0.0/8", false},
    {"127.0.0.1", "", false},
};

/* Lists as text (trusted_networks): bad entries never match. */
START_TEST(test_cidr_list_match)
{
	ck_assert_msg(
	    vg_cidr_list_match(cidrs[_i].ip, cidrs[_i].list) == cidrs[_i].want,
	    "%s in \"%s\": got %d, want %d", cidrs[_i].ip, cidrs[_i].list,
	    !cidrs[_i].want, cidrs[_i].want);
}
END_TEST

static Suite *
cidr_suite(void)
{
	Suite *s = suite_create("cidr");
	TCase *tc;

	tc = tcase_create("match");
	tcase_add_loop_test(tc, test_cidr_match, 0,
	    (int)(sizeof(match_cases) / sizeof(match_cases[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("list");
	tcase_add_loop_test(tc, test_cidr_list_match, 0,
	    (int)(sizeof(cidrs) / sizeof(cidrs[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("bad");
	tcase_add_loop_test(tc, test_cidr_bad, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_cidr_len_bounded);
	suite_add_tcase(s, tc);
	tc = tcase_create("forms");
	tcase_add_test(tc, test_cidr_ip_forms);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(cidr_suite)
