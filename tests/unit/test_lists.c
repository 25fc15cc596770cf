/* SPDX-License-Identifier: GPL-2.0-only */
/* test_lists - allow/block lists, policy directives, the lists check */
#include <check.h>
#include <string.h>

#include "vg_check.h"
#include "base/alloc.h"
#include "stages/check_ops.h"
#include "base/err.h"
#include "policy/lists.h"
#include "message/msg.h"
#include "policy/policy.h"
#include "core/result.h"

/* add - one entry, failing the test on error */
static void
add(struct vg_lists *l, bool block, enum vg_list_kind kind, const char *e)
{
	const char *why = NULL;

	ck_assert_msg(vg_lists_add(l, block, kind, e, strlen(e), &why) == 0,
	    "'%s': got error %s, want none", e, why);
}

static const struct {
	const char *entry, *value;
	bool want;
} addr_cases[] = {
    {"user@example.com", "user@example.com", true},
    {"user@example.com", "<User@EXAMPLE.com>", true},
    {"user@example.com", "user@example.com.", true},
    {"user@example.com", "other@example.com", false},
    {"user@example.com", "user@example.org", false},
    {"user@example.com", "user", false},
    {"@example.com", "anyone@Example.COM", true},
    {"@example.com", "anyone@mx.example.com", false},
    {"@example.com", "anyone@badexample.com", false},
    {"@.example.com", "anyone@mx.example.com", true},
    {"@.example.com", "anyone@a.b.EXAMPLE.com", true},
    {"@.example.com", "anyone@example.com", false},
    {"@.example.com", "anyone@badexample.com", false},
    {"postmaster@", "Postmaster@example.org", true},
    {"postmaster@", "postmaster", true},
    {"postmaster@", "<postmaster>", true},
    {"postmaster@*", "postmaster@example.net", true},
    {"postmaster@", "postmasterx@example.net", false},
    {"abuse@", "abuse@example.net", true},
    {"<>", "<>", true},
    {"<>", "", true},
    {"<>", "a@example.com", false},
    {"@example.com", "<>", false},
    {"postmaster@", "<>", false},
    /* The domain is the part after the last '@'. */
    {"@example.com", "\"a@b\"@example.com", true},
};

START_TEST(test_lists_address)
{
	struct vg_lists *l = NULL;
	bool got;

	ck_assert_int_eq(vg_lists_new(&l), 0);
	add(l, true, VG_LIST_FROM, addr_cases[_i].entry);
	got = vg_lists_match(l, true, VG_LIST_FROM, addr_cases[_i].value);
	ck_assert_msg(got == addr_cases[_i].want,
	    "%s against %s: got %d, want %d", addr_cases[_i].value,
	    addr_cases[_i].entry, got, addr_cases[_i].want);
	/* Only the list it was added to holds it. */
	ck_assert(
	    !vg_lists_match(l, false, VG_LIST_FROM, addr_cases[_i].value));
	ck_assert(!vg_lists_match(l, true, VG_LIST_RCPT, addr_cases[_i].value));
	vg_lists_free(l);
}
END_TEST

START_TEST(test_lists_client)
{
	struct vg_lists *l = NULL;

	ck_assert_int_eq(vg_lists_new(&l), 0);
	add(l, true, VG_LIST_CLIENT, "192.0.2.0/24");
	add(l, true, VG_LIST_CLIENT, "2001:db8::/32");
	add(l, false, VG_LIST_CLIENT, "192.0.2.10");
	ck_assert(vg_lists_match(l, true, VG_LIST_CLIENT, "192.0.2.99"));
	ck_assert(vg_lists_match(l, true, VG_LIST_CLIENT, "::ffff:192.0.2.99"));
	ck_assert(vg_lists_match(l, true, VG_LIST_CLIENT, "2001:db8:5::1"));
	ck_assert(!vg_lists_match(l, true, VG_LIST_CLIENT, "198.51.100.1"));
	ck_assert(!vg_lists_match(l, true, VG_LIST_CLIENT, "unknown"));
	ck_assert(!vg_lists_match(l, true, VG_LIST_CLIENT, NULL));
	ck_assert_int_eq(vg_lists_check(l, "192.0.2.10", NULL, NULL),
	    VG_LISTS_ALLOW_CLIENT | VG_LISTS_BLOCK_CLIENT);
	ck_assert_int_eq(vg_lists_count(l, true, VG_LIST_CLIENT), 2);
	vg_lists_free(l);
}
END_TEST

static const struct {
	enum vg_list_kind kind;
	const char *entry, *why;
} bad_cases[] = {
    {VG_LIST_CLIENT, "192.0.2.0/33", "prefix length must be 0 to 32"},
    {VG_LIST_CLIENT, "example.com", "not an IPv4 or IPv6 address"},
    {VG_LIST_FROM, "example.com",
        "want user@domain, @domain, @.domain, user@ or <>"},
    {VG_LIST_FROM, "a@b@c", "want user@domain, @domain, @.domain, user@ or <>"},
    {VG_LIST_FROM, "@", "a domain is missing after '@'"},
    {VG_LIST_FROM, "@.", "a domain is missing after '@'"},
    {VG_LIST_RCPT, "a b@c", "blank, comma or control byte in an address"},
    {VG_LIST_RCPT, "", "empty or too long an address"},
};

START_TEST(test_lists_bad)
{
	struct vg_lists *l = NULL;
	const char *why = NULL, *e = bad_cases[_i].entry;

	ck_assert_int_eq(vg_lists_new(&l), 0);
	ck_assert_int_eq(
	    vg_lists_add(l, false, bad_cases[_i].kind, e, strlen(e), &why),
	    VG_EINVAL);
	ck_assert_msg(why != NULL && strcmp(why, bad_cases[_i].why) == 0,
	    "'%s': got '%s', want '%s'", e, why, bad_cases[_i].why);
	ck_assert_int_eq(vg_lists_count(l, false, bad_cases[_i].kind), 0);
	vg_lists_free(l);
}
END_TEST

START_TEST(test_lists_long_entry)
{
	struct vg_lists *l = NULL;
	char e[VG_LISTS_ENTRY_MAX + 10], v[2 * VG_LISTS_ENTRY_MAX];
	const char *why;

	ck_assert_int_eq(vg_lists_new(&l), 0);
	memset(e, 'a', sizeof(e));
	e[0] = '@';
	ck_assert_int_eq(vg_lists_add(l, true, VG_LIST_FROM, e,
	                     VG_LISTS_ENTRY_MAX + 1, &why),
	    VG_EINVAL);
	ck_assert_int_eq(
	    vg_lists_add(l, true, VG_LIST_FROM, e, VG_LISTS_ENTRY_MAX, &why),
	    0);
	/* A value too long to compare matches nothing. */
	memset(v, 'a', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	v[5] = '@';
	ck_assert(!vg_lists_match(l, true, VG_LIST_FROM, v));
	vg_lists_free(l);
}
END_TEST

START_TEST(test_lists_refuse)
{
	struct vg_lists *l = NULL;
	unsigned bits;

	ck_assert_int_eq(vg_lists_new(&l), 0);
	add(l, true, VG_LIST_FROM, "@spam.example");
	add(l, false, VG_LIST_RCPT, "postmaster@");
	add(l, false, VG_LIST_RCPT, "abuse@");
	/* A blocked sender to an ordinary recipient is refused... */
	bits = vg_lists_check(
	    l, "203.0.113.5", "x@spam.example", "bob@example.org");
	ck_assert_int_eq(bits, VG_LISTS_BLOCK_FROM);
	ck_assert(vg_lists_refuse(l, bits));
	/* ...but reaches postmaster (RFC 2142). */
	bits = vg_lists_check(
	    l, "203.0.113.5", "x@spam.example", "postmaster@example.org");
	ck_assert_int_eq(bits, VG_LISTS_BLOCK_FROM | VG_LISTS_ALLOW_RCPT);
	ck_assert(!vg_lists_refuse(l, bits));
	ck_assert(!vg_lists_refuse(l, 0));
	/* block_action score: symbols only. */
	vg_lists_set_block_reject(l, false);
	ck_assert(!vg_lists_refuse(l, VG_LISTS_BLOCK_FROM));
	ck_assert_int_eq(vg_lists_check(NULL, "192.0.2.1", "a@b", "c@d"), 0);
	ck_assert(!vg_lists_refuse(NULL, VG_LISTS_BLOCK_FROM));
	vg_lists_free(l);
	vg_lists_free(NULL);
}
END_TEST

/* directive - one policy line split as the rules parser splits it */
static int
directive(struct vg_policy *p, const char *line, struct vg_err *err)
{
	char dir[64];
	size_t n = strcspn(line, " \t");

	ck_assert(n < sizeof(dir));
	memcpy(dir, line, n);
	dir[n] = '\0';
	return vg_policy_directive(p, dir, line + n, "t.rules", 7, err);
}

START_TEST(test_lists_directives)
{
	struct vg_policy *p = NULL;
	const struct vg_lists *l;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_int_eq(vg_policy_new(&p), 0);
	ck_assert_int_eq(
	    directive(p, "allow_client 192.0.2.0/24, 2001:db8::/32", &err), 1);
	ck_assert_int_eq(directive(p, "block_client 198.51.100.0/24", &err), 1);
	ck_assert_int_eq(
	    directive(
	        p, "allow_from  boss@example.com\t@partner.example", &err),
	    1);
	ck_assert_int_eq(
	    directive(p, "block_from @spam.example @.spam.example", &err), 1);
	ck_assert_int_eq(
	    directive(p, "allow_rcpt postmaster@ abuse@*", &err), 1);
	ck_assert_int_eq(
	    directive(p, "block_rcpt former@example.org", &err), 1);
	ck_assert_int_eq(directive(p, "block_action score", &err), 1);
	/* Not ours: 0, and nothing recorded. */
	ck_assert_int_eq(directive(p, "header FOO Subject =~ /x/", &err), 0);
	ck_assert_int_eq(directive(p, "score FOO 1", &err), 0);
	ck_assert_msg(
	    err.count == 0, "got \"%s\", want no error", vg_err_text(&err));
	l = vg_policy_lists(p);
	ck_assert_int_eq(vg_lists_count(l, false, VG_LIST_CLIENT), 2);
	ck_assert_int_eq(vg_lists_count(l, true, VG_LIST_FROM), 2);
	ck_assert_int_eq(vg_lists_count(l, false, VG_LIST_RCPT), 2);
	ck_assert(vg_lists_match(l, false, VG_LIST_FROM, "Boss@Example.com"));
	ck_assert(vg_lists_match(l, true, VG_LIST_FROM, "a@mx.spam.example"));
	ck_assert(!vg_lists_block_reject(l));
	vg_policy_free(p);
	vg_policy_free(NULL);
}
END_TEST

static const struct {
	const char *line, *want;
} dir_errors[] = {
    {"allow_client", "t.rules:7: allow_client: no entries\n"},
    {"block_client 192.0.2.1 bad 10.0.0.0/99",
        "t.rules:7: block_client: 'bad': not an IPv4 or IPv6 address\n"
        "t.rules:7: block_client: '10.0.0.0/99': prefix length must be 0 "
        "to 32\n"},
    {"block_from spam.example",
        "t.rules:7: block_from: 'spam.example': want user@domain, @domain, "
        "@.domain, user@ or <>\n"},
    {"block_action bounce", "t.rules:7: block_action: want reject or score\n"},
    {"block_action", "t.rules:7: block_action: want reject or score\n"},
    {"attach_ban_ext", "t.rules:7: attach_ban_ext: no entries\n"},
    {"attach_ban_ext e/x",
        "t.rules:7: attach_ban_ext: 'e/x': an extension "
        "holds letters, digits, _ - ~ $\n"},
    {"attach_ban_type application",
        "t.rules:7: attach_ban_type: 'application': want type/subtype or "
        "type/*\n"},
    {"attach_ban_type */*",
        "t.rules:7: attach_ban_type: '*/*': want type/subtype or type/*\n"},
    {"attach_action",
        "t.rules:7: attach_action: want [SYMBOL] "
        "reject|quarantine|score\n"},
    {"attach_action bounce",
        "t.rules:7: attach_action: 'bounce': want reject, quarantine or "
        "score\n"},
    {"attach_action ATTACH_NOPE reject",
        "t.rules:7: attach_action: 'ATTACH_NOPE' is not an ATTACH_* "
        "symbol\n"},
    {"attach_action ATTACH_BANNED_EXT reject now",
        "t.rules:7: attach_action: want [SYMBOL] reject|quarantine|score\n"},
};

START_TEST(test_lists_directive_errors)
{
	struct vg_policy *p = NULL;
	struct vg_err err;
	int rc;

	vg_err_init(&err);
	ck_assert_int_eq(vg_policy_new(&p), 0);
	rc = directive(p, dir_errors[_i].line, &err);
	ck_assert_msg(rc == VG_ECONFIG, "%s: got %d, want VG_ECONFIG",
	    dir_errors[_i].line, rc);
	ck_assert_msg(strcmp(vg_err_text(&err), dir_errors[_i].want) == 0,
	    "%s: got \"%s\", want \"%s\"", dir_errors[_i].line,
	    vg_err_text(&err), dir_errors[_i].want);
	vg_policy_free(p);
}
END_TEST

START_TEST(test_lists_enomem)
{
	struct vg_policy *p = NULL;
	struct vg_err err;
	unsigned long n;
	int rc;

	for (n = 1; n < 400; n++) {
		vg_err_init(&err);
		vg_alloc_fail_at(n);
		rc = vg_policy_new(&p);
		if (rc == 0)
			rc = directive(p,
			    "block_from @a.example @b.example "
			    "@c.example @d.example @e.example "
			    "@f.example @g.example @h.example "
			    "@i.example",
			    &err);
		if (rc == 1)
			rc = directive(p, "attach_ban_ext foo bar", &err);
		vg_alloc_fail_at(0);
		ck_assert_msg(rc == 1 || rc == VG_ENOMEM,
		    "allocation %lu: got %d", n, rc);
		vg_policy_free(p);
		p = NULL;
		if (rc == 1)
			break;
	}
	ck_assert_msg(n < 400, "never succeeded");
}
END_TEST

/* lists_msg - a finished message from client, sender and recipients */
static struct vg_msg *
lists_msg(const char *client, const char *from, const char *r1, const char *r2)
{
	struct vg_msg_limits lim = {
	    1 << 20, 1 << 20, 100, 1 << 16, 100, "/tmp"};
	struct vg_msg *msg = NULL;

	ck_assert_int_eq(vg_msg_new(&msg, &lim), 0);
	ck_assert_int_eq(vg_msg_set_client(msg, client, NULL), 0);
	ck_assert_int_eq(vg_msg_set_from(msg, from), 0);
	ck_assert_int_eq(vg_msg_add_rcpt(msg, r1), 0);
	if (r2 != NULL)
		ck_assert_int_eq(vg_msg_add_rcpt(msg, r2), 0);
	ck_assert_int_eq(vg_msg_add_header(msg, "Subject", " hi"), 0);
	ck_assert_int_eq(vg_msg_end_headers(msg), 0);
	ck_assert_int_eq(vg_msg_finish(msg), 0);
	return msg;
}

START_TEST(test_lists_check_defaults)
{
	struct vg_msg *msg =
	    lists_msg("198.51.100.1", "a@example.com", "b@example.org", NULL);
	struct vg_result res;

	/* Without a policy in the rules: no lists, nothing happens. */
	vg_result_init(&res, "score");
	ck_assert_int_eq(
	    vg_check_lists_ops.run(NULL, msg, NULL, NULL, &res), 0);
	ck_assert_int_eq(res.syms.n, 0);
	ck_assert(!res.forced.set);
	vg_result_fini(&res);
	vg_msg_free(msg);
}
END_TEST

START_TEST(test_lists_strictest)
{
	struct vg_lists *l = NULL;
	unsigned b1, b2;

	/*
	 * The check's rule for a whole message, computed by hand here:
	 * mail to postmaster and to bob from a blocked sender is refused
	 * as a whole (the strictest decision applies); the milter refuses
	 * bob alone at RCPT TO, so that postmaster still gets the message.
	 */
	ck_assert_int_eq(vg_lists_new(&l), 0);
	add(l, true, VG_LIST_FROM, "@spam.example");
	add(l, false, VG_LIST_RCPT, "postmaster@");
	b1 =
	    vg_lists_check(l, NULL, "x@spam.example", "postmaster@example.org");
	b2 = vg_lists_check(l, NULL, "x@spam.example", "bob@example.org");
	ck_assert(!vg_lists_refuse(l, b1));
	ck_assert(vg_lists_refuse(l, b2));
	ck_assert(vg_lists_refuse(l, (b1 | b2) & ~VG_LISTS_ALLOW_RCPT));
	vg_lists_free(l);
}
END_TEST

START_TEST(test_lists_check_message)
{
	struct vg_lists *l = NULL;
	struct vg_result res;
	struct vg_msg *msg;

	ck_assert_int_eq(vg_lists_new(&l), 0);
	add(l, true, VG_LIST_FROM, "@spam.example");
	add(l, true, VG_LIST_CLIENT, "203.0.113.0/24");
	add(l, false, VG_LIST_RCPT, "postmaster@");

	/* Blocked sender, one allowed and one ordinary recipient: refused. */
	msg = lists_msg("198.51.100.1", "<x@spam.example>",
	    "postmaster@example.org", "bob@example.org");
	vg_result_init(&res, "score");
	ck_assert_int_eq(vg_check_lists_msg(l, msg, NULL, &res), 0);
	ck_assert(vg_result_has(&res, "BLOCK_FROM"));
	ck_assert(vg_result_has(&res, "ALLOW_RCPT"));
	ck_assert_int_eq(res.syms.n, 2);
	ck_assert(res.forced.set);
	ck_assert_int_eq(res.forced.action, VG_ACTION_REJECT);
	ck_assert_str_eq(res.forced.code, "550");
	ck_assert_str_eq(res.forced.xcode, "5.7.1");
	ck_assert_str_eq(res.forced.text,
	    "Message rejected: sender address blocked by policy");
	vg_result_fini(&res);
	vg_msg_free(msg);

	/* Only postmaster left (the milter refused bob): it passes. */
	msg = lists_msg(
	    "198.51.100.1", "x@spam.example", "postmaster@example.org", NULL);
	vg_result_init(&res, "score");
	ck_assert_int_eq(vg_check_lists_msg(l, msg, NULL, &res), 0);
	ck_assert(vg_result_has(&res, "BLOCK_FROM"));
	ck_assert(!res.forced.set);
	vg_result_fini(&res);
	vg_msg_free(msg);

	/* A blocked client is named in the reply. */
	msg =
	    lists_msg("203.0.113.9", "a@example.net", "bob@example.org", NULL);
	vg_result_init(&res, "score");
	ck_assert_int_eq(vg_check_lists_msg(l, msg, NULL, &res), 0);
	ck_assert_str_eq(res.forced.text,
	    "Message rejected: client address blocked by policy");
	vg_result_fini(&res);

	/* block_action score: the symbol only. */
	vg_lists_set_block_reject(l, false);
	vg_result_init(&res, "score");
	ck_assert_int_eq(vg_check_lists_msg(l, msg, NULL, &res), 0);
	ck_assert(vg_result_has(&res, "BLOCK_CLIENT"));
	ck_assert(!res.forced.set);
	vg_result_fini(&res);
	vg_msg_free(msg);
	vg_lists_free(l);
}
END_TEST

/* lists_suite - one TCase per behaviour */
static Suite *
lists_suite(void)
{
	Suite *s = suite_create("lists");
	TCase *tc;

	tc = tcase_create("match");
	tcase_add_loop_test(tc, test_lists_address, 0,
	    (int)(sizeof(addr_cases) / sizeof(addr_cases[0])));
	tcase_add_test(tc, test_lists_client);
	suite_add_tcase(s, tc);
	tc = tcase_create("bad");
	tcase_add_loop_test(tc, test_lists_bad, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_lists_long_entry);
	suite_add_tcase(s, tc);
	tc = tcase_create("refuse");
	tcase_add_test(tc, test_lists_refuse);
	tcase_add_test(tc, test_lists_strictest);
	suite_add_tcase(s, tc);
	tc = tcase_create("directives");
	tcase_add_test(tc, test_lists_directives);
	tcase_add_loop_test(tc, test_lists_directive_errors, 0,
	    (int)(sizeof(dir_errors) / sizeof(dir_errors[0])));
	tcase_add_test(tc, test_lists_enomem);
	suite_add_tcase(s, tc);
	tc = tcase_create("check");
	tcase_add_test(tc, test_lists_check_defaults);
	tcase_add_test(tc, test_lists_check_message);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(lists_suite)
