/* SPDX-License-Identifier: GPL-2.0-only */
/* test_direction - trusted networks and SASL make mail outbound */
#include <check.h>
#include <string.h>

#include "vg_check.h"
#include "base/conf.h"
#include "policy/direction.h"
#include "base/err.h"
#include "message/msg.h"

#define BASE                                                                   \
	"socket = unix:/run/vigil/vigil.sock\nvirus_scan = no\n"               \
	"trusted_networks = 192.0.2.0/24, 2001:db8:1::/48\n"

/* load - a config from text, failing the test on error */
static struct vg_conf *
load(const char *text)
{
	struct vg_conf *conf = NULL;
	struct vg_err err;

	vg_err_init(&err);
	ck_assert_msg(
	    vg_conf_parse(&conf, text, strlen(text), "t.conf", &err) == 0,
	    "got \"%s\", want no error", vg_err_text(&err));
	return conf;
}

static const struct {
	const char *addr, *auth;
	enum vg_direction want;
	enum vg_direction_why why;
} cases[] = {
    {"192.0.2.7", "", VG_DIRECTION_OUTBOUND, VG_DIRECTION_WHY_TRUSTED},
    {"::ffff:192.0.2.7", NULL, VG_DIRECTION_OUTBOUND, VG_DIRECTION_WHY_TRUSTED},
    {"2001:db8:1:2::9", "", VG_DIRECTION_OUTBOUND, VG_DIRECTION_WHY_TRUSTED},
    {"198.51.100.7", "", VG_DIRECTION_INBOUND, VG_DIRECTION_WHY_NONE},
    {"2001:db8:2::9", NULL, VG_DIRECTION_INBOUND, VG_DIRECTION_WHY_NONE},
    {"198.51.100.7", "alice", VG_DIRECTION_OUTBOUND, VG_DIRECTION_WHY_AUTH},
    {"192.0.2.7", "alice", VG_DIRECTION_OUTBOUND, VG_DIRECTION_WHY_AUTH},
    {"", "", VG_DIRECTION_INBOUND, VG_DIRECTION_WHY_NONE},
    {"not an address", "", VG_DIRECTION_INBOUND, VG_DIRECTION_WHY_NONE},
};

START_TEST(test_direction_of)
{
	struct vg_conf *conf = load(BASE);
	enum vg_direction_why why = (enum vg_direction_why)99;
	enum vg_direction got =
	    vg_direction_of(conf, cases[_i].addr, cases[_i].auth, &why);

	ck_assert_msg(got == cases[_i].want, "%s/%s: got %s, want %s",
	    cases[_i].addr, cases[_i].auth ? cases[_i].auth : "(null)",
	    vg_direction_name(got), vg_direction_name(cases[_i].want));
	ck_assert_int_eq(why, cases[_i].why);
	vg_conf_free(conf);
}
END_TEST

START_TEST(test_direction_msg)
{
	struct vg_conf *conf = load(BASE);
	struct vg_msg_limits lim;
	struct vg_msg *msg = NULL;
	enum vg_direction_why why;
	char buf[64];

	vg_msg_limits_from_conf(&lim, conf);
	ck_assert_int_eq(vg_msg_new(&msg, &lim), 0);
	ck_assert_int_eq(vg_msg_set_client(msg, "192.0.2.50", "pc50"), 0);
	ck_assert_int_eq(
	    vg_direction_msg(conf, msg, &why), VG_DIRECTION_OUTBOUND);
	ck_assert_str_eq(vg_direction_source(buf, sizeof(buf), msg, why),
	    "client=192.0.2.50");
	ck_assert_int_eq(vg_msg_set_auth(msg, "bob\r\nX-Evil: 1"), 0);
	ck_assert_int_eq(
	    vg_direction_msg(conf, msg, &why), VG_DIRECTION_OUTBOUND);
	ck_assert_int_eq(why, VG_DIRECTION_WHY_AUTH);
	/* The login is sanitised before it can reach a log line. */
	ck_assert_str_eq(vg_direction_source(buf, sizeof(buf), msg, why),
	    "sasl_username=bob  X-Evil: 1");
	vg_msg_free(msg);
	vg_conf_free(conf);
}
END_TEST

START_TEST(test_direction_empty_trusted)
{
	struct vg_conf *conf = load("socket = unix:/run/vigil/vigil.sock\n"
	                            "virus_scan = no\ntrusted_networks =\n");

	ck_assert_int_eq(
	    vg_direction_of(conf, "127.0.0.1", "", NULL), VG_DIRECTION_INBOUND);
	ck_assert_int_eq(vg_direction_of(conf, "127.0.0.1", "u", NULL),
	    VG_DIRECTION_OUTBOUND);
	vg_conf_free(conf);
}
END_TEST

START_TEST(test_direction_actions)
{
	struct vg_conf *conf = load(BASE);
	struct vg_conf *c2 = load(BASE "outbound_spam_action = reject\n"
	                               "outbound_virus_action = quarantine\n");

	/* Defaults: outbound spam is held, outbound viruses rejected. */
	ck_assert_int_eq(conf->outbound_spam_action, VG_ACTION_QUARANTINE);
	ck_assert_int_eq(vg_direction_spam_action(
	                     conf, VG_DIRECTION_OUTBOUND, VG_ACTION_TAG),
	    VG_ACTION_QUARANTINE);
	ck_assert_int_eq(vg_direction_spam_action(
	                     conf, VG_DIRECTION_OUTBOUND, VG_ACTION_REJECT),
	    VG_ACTION_QUARANTINE);
	ck_assert_int_eq(vg_direction_spam_action(
	                     conf, VG_DIRECTION_OUTBOUND, VG_ACTION_ACCEPT),
	    VG_ACTION_ACCEPT);
	ck_assert_int_eq(
	    vg_direction_spam_action(conf, VG_DIRECTION_INBOUND, VG_ACTION_TAG),
	    VG_ACTION_TAG);
	ck_assert_int_eq(vg_direction_virus_action(conf, VG_DIRECTION_OUTBOUND),
	    VG_ACTION_REJECT);
	ck_assert_int_eq(
	    vg_direction_spam_action(c2, VG_DIRECTION_OUTBOUND, VG_ACTION_TAG),
	    VG_ACTION_REJECT);
	ck_assert_int_eq(vg_direction_virus_action(c2, VG_DIRECTION_OUTBOUND),
	    VG_ACTION_QUARANTINE);
	ck_assert_int_eq(vg_direction_virus_action(c2, VG_DIRECTION_INBOUND),
	    VG_ACTION_REJECT);
	ck_assert_str_eq(vg_direction_name(VG_DIRECTION_INBOUND), "inbound");
	vg_conf_free(c2);
	vg_conf_free(conf);
}
END_TEST

/* direction_suite - one TCase per behaviour */
static Suite *
direction_suite(void)
{
	Suite *s = suite_create("direction");
	TCase *tc;

	tc = tcase_create("of");
	tcase_add_loop_test(
	    tc, test_direction_of, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_direction_msg);
	tcase_add_test(tc, test_direction_empty_trusted);
	suite_add_tcase(s, tc);
	tc = tcase_create("actions");
	tcase_add_test(tc, test_direction_actions);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(direction_suite)
