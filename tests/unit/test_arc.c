/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_arc - ARC chain validation (RFC 8617) without the network, on a
 * two-set chain sealed by dkimpy (Debian python3-dkim, an implementation
 * independent of Vigil's): list.test sealed a list message whose Subject
 * and footer it had changed, then fwd.test sealed it again unchanged.
 * The chain passes (and its newest set alone is a one-set chain that
 * passes); each structure rule of RFC 8617 5.2 (incomplete, duplicate
 * and missing sets, cv=, malformed tags), a changed body, a changed seal,
 * arc_max_sets, the field size and count limits, and key failures
 * (temperror, never pass; permerror: fail) each give their result; the
 * ARC-Authentication-Results reading for the trusted-sealer override.
 * Keys are handed over as TXT text (the DNS path is cli_scan_arc's).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_check.h"
#include "vg_dkimtest.h"
#include "base/alloc.h"
#include "net/arc.h"
#include "net/dkim.h"

/* The sealing time, so x= checks would have a "now". */
#define SEAL_NOW 1796630400u

static const struct vg_arc_limits deflim = {
    .max_sets = 10, .max_body_size = 25u << 20, .max_fields = 1000};

/* Sealed by tests/tools/arc-seal.py's dkimpy call, t= fixed. */
static const char chain2[] =
    "ARC-Seal: i=2; cv=pass; a=rsa-sha256; d=fwd.test; s=arc; t=1796630400;\r\n"
    " b=aU5Fnm/"
    "YnNSI63Ii99vD3ZQCyyTdNwag2UmA8+jwvQ53ZSjP37bLrrXr4jgtu06BbWmHR\r\n"
    " ijnUBjPPCr14GgFk/"
    "RRdTjQTgwJ7NOxNhGNZaOsaVyLtxRD9uXuiQY8S0qGxY9CZCVyL2ve\r\n"
    " 6N6BL7d3s+wjF6pkUYfrOKL2WvAr4ONXWpBEfYMKEs1DFc/"
    "DqbWEvqnwljmIlW3gnc3WE7J\r\n"
    " 1o+q1KKBxug5QKpFVX9SzgHdAD6an6HG/"
    "hTswyjo3qU8QH3db5coMnO+viFk4vU304vWX4f\r\n"
    " tZbrhacsNZxl3ealPWiWEIgEnX9cUWCZtb7gKZ+jbXBncXXRN7lnDJPmiPkg==\r\n"
    "ARC-Message-Signature: i=2; a=rsa-sha256; c=relaxed/relaxed; "
    "d=fwd.test;\r\n"
    " s=arc; t=1796630400; h=from : to : subject : date : message-id;\r\n"
    " bh=pUoysydu/lwBzMxTgn3Bmrwn2LkEbGqdcTqdZ+ZSQtQ=;\r\n"
    " b=JGKx8cA6KytRd0EdrTHF4mKKGlhFw0/IMoObEGSyVpCtyolWXQHweVow6uhZMm/"
    "9CyEeL\r\n"
    " l9/"
    "fjB0VzrNNTm0hKBcLDcE5vR2NOGUejpDBqQNftJGkc33BiFQR+1Uak3U5iboUE04wFIU\r\n"
    " Jq1F2A21G4/zegMfFj/"
    "iCYYznuSTNEyQ76ENBGF0BIaYIKkZ+XU11lz6bHbAZ72AV+8wQZh\r\n"
    " smjGx+guqI/ezCExQkASpY6ZW0zmtmca1IP1V3gXHTyGkUO+1avT7P2dfqwiN/"
    "ibZpZ6D35\r\n"
    " GT5S2Nc6+itN9WttaVYZwrYDvSHB6gpDpPu7SIck2FPiNZxgdKv/OQ/TTW/A==\r\n"
    "ARC-Authentication-Results: i=2; fwd.test; arc=pass;\r\n"
    "  dkim=fail header.d=dkim.test\r\n"
    "ARC-Seal: i=1; cv=none; a=rsa-sha256; d=list.test; s=arc; "
    "t=1796630400;\r\n"
    " b=Ze3w2PI6qkiGXhehdAQ4pUERmj9HBQbIDmQbGhy0wwZGpTylna41P+"
    "lqvS281oegUdOPH\r\n"
    " RAyyoRu5ADM6A3xRl5KOVckRl7XorLNj5WcOMGzt31Pz8s2NVHmPjZ17KHiTdF2hQLYo40M\r"
    "\n"
    " izf4feQsO4uz45vUY/W8KjSr8I86WOE1b0HZpcUDjVS/"
    "wKj+hrjnI2AZhJJ6RT8V96+mOts\r\n"
    " 10c6dtsCu3RJs0BAbzCqzlBkiEz30V5oHD5ciT+"
    "lvcFZyw50okJ98yphD96JPUcQT745hoQ\r\n"
    " 20eDCMMBtzT2cnu9ux9T0wAlaDMCxegd6UwL+B76UD5E1Ebo8JXLfScySmhw==\r\n"
    "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; "
    "d=list.test;\r\n"
    " s=arc; t=1796630400; h=from : to : subject : date : message-id;\r\n"
    " bh=pUoysydu/lwBzMxTgn3Bmrwn2LkEbGqdcTqdZ+ZSQtQ=;\r\n"
    " b=mjqlzOL5ETlZb/"
    "HzhhfBaqehgWiew5RxvQ6YNrTcK2csBMpnGwOMZrXy3Cl6c85iw59EX\r\n"
    " fnwsK1HDBLvDuu+KotXEGVzVgylnxNv5765OZv1DKwhWp+leVO/"
    "dQF+KpCdotEB+5DfXL4d\r\n"
    " 99f7TGFlwSGt2z6rhfIm1KQivvVbkfJnbE1JTJFtG0uL2B8n9TNVV1zae9Sh1CU0kPif9TW\r"
    "\n"
    " aGFoKL447Srm10a7V1HnI/3YthORLTs+lXX7OObj2TEoqGapylti+RVaFxn0/"
    "yuEftUylLP\r\n"
    " TiIsQqlsAp72bIsQyLZryz9srW+hN27WF555GwcTl6+6XY3fVHRBDyXRaPeg==\r\n"
    "ARC-Authentication-Results: i=1; list.test; dkim=pass header.d=dkim.test "
    "header.s=rsa;\r\n"
    "  spf=pass smtp.mailfrom=alice@dkim.test\r\n"
    "From: Alice <alice@dkim.test>\r\n"
    "To: list@list.test\r\n"
    "Subject: [lunch] Lunch on Friday\r\n"
    "Date: Mon, 7 Dec 2026 08:00:00 +0000\r\n"
    "Message-ID: <lunch.1@dkim.test>\r\n"
    "\r\n"
    "Hi all,\r\n"
    "\r\n"
    "lunch at noon on Friday?\r\n"
    "\r\n"
    "Alice\r\n"
    "-- \r\n"
    "lunch mailing list\r\n";

/* arc._domainkey.list.test and .fwd.test (tests/dns/zones.conf). */
static const char key_arc[] =
    "v=DKIM1; k=rsa; "
    "p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAoRD/gyeRUBln1PeAmHEk"
    "fZ4ST8HPcVVWGA+sT46Xxn1l4I4eKKC7jM2qZNsvpAJ6DveNXULJFwg59A86NW3HRj"
    "nccF5gVpcqqaifpaJT541PuNCgi6Yjh5vVQrUqVl9OuPbx3F+vHAPxPaypvHaJhcKD"
    "WVzY0rSd+ClGf2TKsp9DZS1AQGcNSycZPXy63CkeYy0jo+ynMoKycnO2aE2c1dM8c/"
    "7uIqvMzb/WMpyQSX+GgeyZE5J6cJUoQ5jLZ3wBsdYilbzyg4GGLbMWHWNkh2LRRD/J"
    "UPPJDXJ2+4DKlFbIud1+YCt9+fAmUhHXHH0Xg8nVKtQZeNLtwmR1Yuk6lQIDAQAB";

/* body_off - where the body starts (after the first empty line) */
static size_t
body_off(const char *m)
{
	const char *p = strstr(m, "\r\n\r\n");

	if (p != NULL)
		return (size_t)(p - m) + 4;
	p = strstr(m, "\n\n");
	return p != NULL ? (size_t)(p - m) + 2 : strlen(m);
}

/* prepare - vg_arc_prepare() of a C string */
static struct vg_arc_msg *
prepare(const char *m, const struct vg_arc_limits *lim)
{
	struct vg_arc_msg *am = NULL;
	int rc = vg_arc_prepare(&am, (const unsigned char *)m, strlen(m),
	    body_off(m), lim != NULL ? lim : &deflim, SEAL_NOW);

	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(am);
	return am;
}

/* keys_all - hand key_arc to every slot that needs a key */
static void
keys_all(struct vg_arc_msg *am)
{
	for (size_t k = 0; k < vg_arc_nkeys(am); k++)
		if (vg_arc_key_name(am, k) != NULL)
			ck_assert_int_eq(
			    vg_arc_key(am, k, key_arc, strlen(key_arc)), 0);
}

/* verify - the outcome of m with every key given */
static void
verify(struct vg_arc_outcome *o, const char *m, const struct vg_arc_limits *lim)
{
	struct vg_arc_msg *am = prepare(m, lim);

	keys_all(am);
	vg_arc_outcome(o, am);
	vg_arc_msg_free(am);
}

START_TEST(test_arc_chain_passes)
{
	struct vg_arc_msg *am = prepare(chain2, NULL);
	struct vg_arc_outcome o;

	/* Two sets, two keys each, all at arc._domainkey. */
	ck_assert_uint_eq(vg_arc_nkeys(am), 4);
	ck_assert_str_eq(vg_arc_key_name(am, 0), "arc._domainkey.list.test");
	ck_assert_str_eq(vg_arc_key_name(am, 3), "arc._domainkey.fwd.test");
	ck_assert_str_eq(vg_arc_sealer(am, 1), "list.test");
	ck_assert_str_eq(vg_arc_sealer(am, 2), "fwd.test");
	ck_assert_str_eq(vg_arc_sealer(am, 3), "");
	keys_all(am);
	vg_arc_outcome(&o, am);
	ck_assert_msg(o.result == VG_ARC_PASS, "got %s (%s), want pass",
	    vg_arc_result_name(o.result), o.reason);
	ck_assert_uint_eq(o.sets, 2);
	ck_assert_uint_eq(o.oldest_pass, 0);
	ck_assert_str_eq(o.reason, "");
	vg_arc_msg_free(am);
}
END_TEST

/* The newest set's ARC fields removed: the list's own one-set chain. */
START_TEST(test_arc_one_set_passes)
{
	struct vg_arc_outcome o;

	verify(&o, strstr(chain2, "ARC-Seal: i=1"), NULL);
	ck_assert_msg(o.result == VG_ARC_PASS, "got %s (%s), want pass",
	    vg_arc_result_name(o.result), o.reason);
	ck_assert_uint_eq(o.sets, 1);
	ck_assert_uint_eq(o.oldest_pass, 0);
}
END_TEST

/* LF line ends (a file on disk) verify as CRLF. */
START_TEST(test_arc_lf_line_ends)
{
	struct vg_arc_outcome o;
	char *lf = strdup(chain2);
	size_t n = 0;

	ck_assert_ptr_nonnull(lf);
	for (size_t i = 0; lf[i] != '\0'; i++)
		if (lf[i] != '\r')
			lf[n++] = lf[i];
	lf[n] = '\0';
	verify(&o, lf, NULL);
	ck_assert_int_eq(o.result, VG_ARC_PASS);
	free(lf);
}
END_TEST

/* One change to the chain: {from, to, result, reason}. */
static const struct {
	const char *from, *to;
	enum vg_arc_result want;
	const char *reason;
} edits[] = {
    /* One byte of the body: the newest AMS fails. */
    {"lunch at noon", "lunch at nooN", VG_ARC_FAIL,
        "ARC-Message-Signature i=2: body hash mismatch"},
    /* One byte of a signed header: likewise. */
    {"Subject: [lunch]", "Subject: [Lunch]", VG_ARC_FAIL,
        "ARC-Message-Signature i=2: signature does not verify"},
    /* One byte of an AAR: the seals over it fail, newest first. */
    {"header.s=rsa;", "header.s=rsA;", VG_ARC_FAIL,
        "ARC-Seal i=2: signature does not verify"},
    /* A header the AMS does not sign: still passes. */
    {"From: Alice", "X-Mailing-List: lunch\r\nFrom: Alice", VG_ARC_PASS, ""},
    /* cv= (5.2 steps 2 and 3). */
    {"i=2; cv=pass", "i=2; cv=fail", VG_ARC_FAIL, "i=2 has cv=fail"},
    {"i=1; cv=none", "i=1; cv=pass", VG_ARC_FAIL, "i=1 has cv=pass"},
    {"i=2; cv=pass", "i=2; cv=none", VG_ARC_FAIL, "i=2 has cv=none"},
    /* Structure: a set without its AAR, two AARs for one instance, a
     * gap (instance 3 without 2). */
    {"ARC-Authentication-Results: i=1", "X-Authentication-Results: i=1",
        VG_ARC_FAIL, "set i=1 is incomplete"},
    {"ARC-Authentication-Results: i=2", "ARC-Authentication-Results: i=1",
        VG_ARC_FAIL, "two ARC-Authentication-Results fields for i=1"},
    {"ARC-Authentication-Results: i=2", "ARC-Authentication-Results: i=3",
        VG_ARC_FAIL, "set i=2 is incomplete"},
    {"ARC-Seal: i=2", "ARC-Seal: i=1", VG_ARC_FAIL,
        "two ARC-Seal fields for i=1"},
    /* Malformed tags. */
    {"ARC-Authentication-Results: i=2", "ARC-Authentication-Results: x=2",
        VG_ARC_FAIL, "ARC-Authentication-Results without a valid i="},
    {"ARC-Authentication-Results: i=2", "ARC-Authentication-Results: i=0",
        VG_ARC_FAIL, "ARC-Authentication-Results without a valid i="},
    {"ARC-Message-Signature: i=2", "ARC-Message-Signature: i=51", VG_ARC_FAIL,
        "malformed ARC-Message-Signature: i= is not an instance from 1 "
        "to 50"},
    {"ARC-Message-Signature: i=2", "ARC-Message-Signature: i=0", VG_ARC_FAIL,
        "malformed ARC-Message-Signature: i= is not an instance from 1 "
        "to 50"},
    {"i=2; cv=pass;", "i=2; cv=pass; h=from;", VG_ARC_FAIL,
        "malformed ARC-Seal: h= is not allowed in an ARC-Seal"},
    {"i=2; cv=pass;", "i=2;", VG_ARC_FAIL,
        "malformed ARC-Seal: a required tag (i, cv, a, b, d, s) is "
        "missing"},
    {"i=2; cv=pass;", "i=2; cv=maybe;", VG_ARC_FAIL,
        "malformed ARC-Seal: cv= is not none, pass or fail"},
    {"i=2; cv=pass;", "i=2; cv=pass; cv=pass;", VG_ARC_FAIL,
        "malformed ARC-Seal: tag cv given twice"},
    {"ARC-Seal: i=2; cv=pass; a=rsa-sha256;",
        "ARC-Seal: i=2; cv=pass; a=rsa-sha1;", VG_ARC_FAIL,
        "malformed ARC-Seal: rsa-sha1 is not accepted (RFC 8301)"},
};

START_TEST(test_arc_edits)
{
	struct vg_arc_outcome o;
	char *m = replace(chain2, edits[_i].from, edits[_i].to);

	verify(&o, m, NULL);
	ck_assert_msg(o.result == edits[_i].want &&
	        strcmp(o.reason, edits[_i].reason) == 0,
	    "%s -> %s: got %s (%s), want %s (%s)", edits[_i].from, edits[_i].to,
	    vg_arc_result_name(o.result), o.reason,
	    vg_arc_result_name(edits[_i].want), edits[_i].reason);
	free(m);
}
END_TEST

/* An AMS that signs ARC-Seal is malformed (RFC 8617 4.1.2). */
START_TEST(test_arc_ams_signs_seal)
{
	struct vg_arc_outcome o;
	/* The newest AMS's h= starts "h=from : to"; make it sign a seal. */
	const char *ams = strstr(chain2, "ARC-Message-Signature: i=2");
	char *m;

	ck_assert_ptr_nonnull(ams);
	m = replace(chain2, "h=from : to", "h=arc-seal : from : to");
	verify(&o, m, NULL);
	ck_assert_int_eq(o.result, VG_ARC_FAIL);
	ck_assert_str_eq(o.reason,
	    "malformed ARC-Message-Signature: an ARC-Message-Signature may "
	    "not sign ARC-Seal");
	free(m);
}
END_TEST

/* A structure failure costs no key: nothing to look up. */
START_TEST(test_arc_decided_needs_no_keys)
{
	char *m = replace(chain2, "i=2; cv=pass", "i=2; cv=fail");
	struct vg_arc_msg *am = prepare(m, NULL);

	ck_assert_uint_eq(vg_arc_nkeys(am), 0);
	ck_assert_ptr_null(vg_arc_key_name(am, 0));
	ck_assert_int_eq(vg_arc_key(am, 0, key_arc, strlen(key_arc)), 0);
	ck_assert_str_eq(vg_arc_sealer(am, 2), "fwd.test");
	vg_arc_msg_free(am);
	free(m);
}
END_TEST

/* No ARC fields: none, no keys, no reason. */
START_TEST(test_arc_none)
{
	struct vg_arc_outcome o;
	struct vg_arc_msg *am =
	    prepare("From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n", NULL);

	ck_assert_uint_eq(vg_arc_nkeys(am), 0);
	vg_arc_outcome(&o, am);
	ck_assert_int_eq(o.result, VG_ARC_NONE);
	ck_assert_uint_eq(o.sets, 0);
	ck_assert_ptr_null(vg_arc_vouches(am, "b.example"));
	vg_arc_msg_free(am);
	ck_assert_str_eq(vg_arc_result_name(VG_ARC_NONE), "none");
	ck_assert_str_eq(vg_arc_result_name(VG_ARC_TEMPERROR), "temperror");
}
END_TEST

/* arc_max_sets: more sets than allowed fail before any crypto. */
START_TEST(test_arc_max_sets)
{
	struct vg_arc_limits lim = deflim;
	struct vg_arc_outcome o;
	struct vg_arc_msg *am;
	char *m;

	lim.max_sets = 1;
	am = prepare(chain2, &lim);
	ck_assert_uint_eq(vg_arc_nkeys(am), 0);
	vg_arc_outcome(&o, am);
	ck_assert_int_eq(o.result, VG_ARC_FAIL);
	ck_assert_str_eq(o.reason, "more than arc_max_sets (1) sets");
	vg_arc_msg_free(am);
	/* Three fields, but one names instance 2. */
	m = replace(strstr(chain2, "ARC-Seal: i=1"),
	    "ARC-Authentication-Results: i=1",
	    "ARC-Authentication-Results: i=2");
	verify(&o, m, &lim);
	ck_assert_int_eq(o.result, VG_ARC_FAIL);
	ck_assert_str_eq(o.reason, "more than arc_max_sets (1) sets");
	free(m);
	/* Exactly at the limit: passes. */
	lim.max_sets = 2;
	verify(&o, chain2, &lim);
	ck_assert_int_eq(o.result, VG_ARC_PASS);
}
END_TEST

/* A field over VG_DKIM_SIG_MAX bytes fails the chain. */
START_TEST(test_arc_field_size)
{
	struct vg_arc_outcome o;
	size_t pad = VG_DKIM_SIG_MAX + 10;
	char *big = malloc(pad + 64), *m;

	ck_assert_ptr_nonnull(big);
	memcpy(big, "ARC-Authentication-Results: i=2; x; ",
	    sizeof("ARC-Authentication-Results: i=2; x; "));
	memset(big + strlen(big), 'a', pad);
	big[strlen("ARC-Authentication-Results: i=2; x; ") + pad] = '\0';
	m = replace(chain2, "ARC-Authentication-Results: i=2;", big);
	verify(&o, m, NULL);
	ck_assert_int_eq(o.result, VG_ARC_FAIL);
	ck_assert_str_eq(
	    o.reason, "ARC-Authentication-Results longer than 8192 bytes");
	free(m);
	free(big);
}
END_TEST

/* max_header_count: a chain in a header with more fields fails. */
START_TEST(test_arc_max_fields)
{
	struct vg_arc_limits lim = deflim;
	struct vg_arc_outcome o;

	lim.max_fields = 8;
	verify(&o, chain2, &lim);
	ck_assert_int_eq(o.result, VG_ARC_FAIL);
	ck_assert_str_eq(o.reason, "more than 8 header fields");
	/* Without ARC fields it stays none. */
	lim.max_fields = 1;
	verify(&o, "A: 1\r\nB: 2\r\n\r\nx\r\n", &lim);
	ck_assert_int_eq(o.result, VG_ARC_NONE);
}
END_TEST

/* Keys: a DNS failure is temperror; a missing key is fail. */
START_TEST(test_arc_keys)
{
	struct vg_arc_outcome o;
	struct vg_arc_msg *am;

	/* The seal of set 1 cannot be fetched now: temperror. */
	am = prepare(chain2, NULL);
	vg_arc_key_missing(am, 1, true, "timeout");
	keys_all(am);
	vg_arc_outcome(&o, am);
	ck_assert_int_eq(o.result, VG_ARC_TEMPERROR);
	ck_assert_str_eq(o.reason, "key lookup failed: timeout");
	vg_arc_msg_free(am);
	/* ... but a seal that fails for good wins over a temperror. */
	am = prepare(chain2, NULL);
	vg_arc_key_missing(am, 1, true, "timeout");
	vg_arc_key_missing(am, 3, false, "nxdomain");
	keys_all(am);
	vg_arc_outcome(&o, am);
	ck_assert_int_eq(o.result, VG_ARC_FAIL);
	ck_assert_str_eq(o.reason, "ARC-Seal i=2: key not found: nxdomain");
	vg_arc_msg_free(am);
	/* The newest AMS's key is missing: fail. */
	am = prepare(chain2, NULL);
	vg_arc_key_missing(am, 2, false, "nxdomain");
	keys_all(am);
	vg_arc_outcome(&o, am);
	ck_assert_int_eq(o.result, VG_ARC_FAIL);
	ck_assert_str_eq(
	    o.reason, "ARC-Message-Signature i=2: key not found: nxdomain");
	vg_arc_msg_free(am);
	/* An older AMS that does not verify only moves oldest-pass. */
	am = prepare(chain2, NULL);
	vg_arc_key_missing(am, 0, false, "nxdomain");
	keys_all(am);
	vg_arc_outcome(&o, am);
	ck_assert_int_eq(o.result, VG_ARC_PASS);
	ck_assert_uint_eq(o.oldest_pass, 2);
	vg_arc_msg_free(am);
	/* A key left unanswered is never a pass. */
	am = prepare(chain2, NULL);
	vg_arc_outcome(&o, am);
	ck_assert_int_eq(o.result, VG_ARC_TEMPERROR);
	vg_arc_msg_free(am);
	/* A weak key is policy for DKIM: the chain fails. */
	am = prepare(chain2, NULL);
	for (size_t k = 0; k < 4; k++)
		ck_assert_int_eq(
		    vg_arc_key(am, k, key_rsa, strlen(key_rsa)), 0);
	vg_arc_outcome(&o, am);
	ck_assert_int_eq(o.result, VG_ARC_FAIL);
	vg_arc_msg_free(am);
}
END_TEST

/*
 * Every allocation failure in prepare and in the keys gives VG_ENOMEM,
 * leaves no message behind and leaks nothing (ASan); then it passes.
 * (OpenSSL's own allocations do not go through the hook.)
 */
START_TEST(test_arc_alloc_failure)
{
	unsigned long n;
	int rc;

	for (n = 1;; n++) {
		struct vg_arc_msg *am = NULL;
		struct vg_arc_outcome o;

		vg_alloc_fail_at(n);
		rc = vg_arc_prepare(&am, (const unsigned char *)chain2,
		    strlen(chain2), body_off(chain2), &deflim, SEAL_NOW);
		for (size_t k = 0; rc == 0 && k < vg_arc_nkeys(am); k++)
			rc = vg_arc_key(am, k, key_arc, strlen(key_arc));
		vg_alloc_fail_at(0);
		if (rc == 0) {
			vg_arc_outcome(&o, am);
			ck_assert_int_eq(o.result, VG_ARC_PASS);
			vg_arc_msg_free(am);
			break;
		}
		ck_assert_msg(rc == VG_ENOMEM, "fail at %lu: got %d, want %d",
		    n, rc, VG_ENOMEM);
		vg_arc_msg_free(am);
		ck_assert_uint_lt(n, 200);
	}
	ck_assert_uint_gt(n, 1);
}
END_TEST

/* The newest AAR, for the trusted-sealer override. */
START_TEST(test_arc_vouches_chain)
{
	struct vg_arc_msg *am = prepare(chain2, NULL);

	/* fwd.test's AAR says arc=pass, dkim=fail: it vouches for nobody. */
	ck_assert_ptr_null(vg_arc_vouches(am, "dkim.test"));
	vg_arc_msg_free(am);
	am = prepare(strstr(chain2, "ARC-Seal: i=1"), NULL);
	ck_assert_str_eq(vg_arc_vouches(am, "dkim.test"), "dkim");
	ck_assert_str_eq(vg_arc_vouches(am, "sub.dkim.test"), "dkim");
	ck_assert_ptr_null(vg_arc_vouches(am, "other.example"));
	ck_assert_ptr_null(vg_arc_vouches(am, ""));
	vg_arc_msg_free(am);
}
END_TEST

/* One AAR value and a From: domain: {aar, from, method or NULL}. */
static const struct {
	const char *aar, *from, *want;
} aars[] = {
    {"i=1; mx.example; dkim=pass header.d=a.example", "a.example", "dkim"},
    {"i=1; mx.example; dkim=pass header.i=@mail.a.example", "a.example",
        "dkim"},
    {"i=1; mx.example; dkim=pass header.d=a.example", "b.a.example", "dkim"},
    {"i=1; mx.example; dkim=fail header.d=a.example", "a.example", NULL},
    {"i=1; mx.example; dkim=pass header.d=b.example", "a.example", NULL},
    {"i=1; mx.example; spf=pass smtp.mailfrom=x@a.example", "a.example", "spf"},
    {"i=1; mx.example; spf=pass smtp.mailfrom=a.example", "a.example", "spf"},
    {"i=1; mx.example; spf=softfail smtp.mailfrom=x@a.example", "a.example",
        NULL},
    {"i=1; mx.example; dmarc=pass header.from=a.example", "a.example", "dmarc"},
    /* Comments, quoting, versions, folding, case. */
    {"i=1; mx.example (v1); dkim/1 = pass (good) header.d = \"a.example\"",
        "a.example", "dkim"},
    {"i=1; mx.example; DKIM=Pass\r\n\tHeader.D=A.Example", "a.example", "dkim"},
    {"i=1; mx.example; dkim=pass (header.d=a.example) header.d=b.example",
        "a.example", NULL},
    /* The authserv-id is not a result. */
    {"i=1; dkim=pass header.d=a.example", "a.example", NULL},
    {"i=1; mx.example; none", "a.example", NULL},
    {"i=1; mx.example; arc=pass; spf=fail smtp.mailfrom=a.example; "
     "dkim=pass header.d=a.example",
        "a.example", "dkim"},
    /* Junk: never a vouch, never a crash. */
    {"i=1; mx.example; dkim=pass header.d=", "a.example", NULL},
    {"i=1; mx.example; =pass header.d=a.example", "a.example", NULL},
    {"i=1; mx.example; dkim=pass (unclosed header.d=a.example", "a.example",
        NULL},
    {"i=1; mx.example; dkim=pass header.d=\"a.example", "a.example", NULL},
    {"", "a.example", NULL},
};

START_TEST(test_arc_aar_vouches)
{
	const char *got = vg_arc_aar_vouches(
	    aars[_i].aar, strlen(aars[_i].aar), aars[_i].from);

	if (aars[_i].want == NULL)
		ck_assert_msg(
		    got == NULL, "%s: got %s, want NULL", aars[_i].aar, got);
	else
		ck_assert_msg(got != NULL && strcmp(got, aars[_i].want) == 0,
		    "%s: got %s, want %s", aars[_i].aar,
		    got != NULL ? got : "NULL", aars[_i].want);
}
END_TEST

static Suite *
arc_suite(void)
{
	Suite *s = suite_create("arc");
	TCase *tc = tcase_create("chain");

	tcase_add_test(tc, test_arc_chain_passes);
	tcase_add_test(tc, test_arc_one_set_passes);
	tcase_add_test(tc, test_arc_lf_line_ends);
	tcase_add_loop_test(tc, test_arc_edits, 0, (int)VG_NELEM(edits));
	tcase_add_test(tc, test_arc_ams_signs_seal);
	tcase_add_test(tc, test_arc_decided_needs_no_keys);
	tcase_add_test(tc, test_arc_none);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_arc_max_sets);
	tcase_add_test(tc, test_arc_field_size);
	tcase_add_test(tc, test_arc_max_fields);
	suite_add_tcase(s, tc);
	tc = tcase_create("keys");
	tcase_add_test(tc, test_arc_keys);
	tcase_add_test(tc, test_arc_alloc_failure);
	suite_add_tcase(s, tc);
	tc = tcase_create("aar");
	tcase_add_test(tc, test_arc_vouches_chain);
	tcase_add_loop_test(tc, test_arc_aar_vouches, 0, (int)VG_NELEM(aars));
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(arc_suite)
