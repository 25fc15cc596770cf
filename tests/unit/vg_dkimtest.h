/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vg_dkimtest - the DKIM test vector the unit tests share: RFC 8463
 * Appendix A's message, signed twice (Ed25519, selector brisbane; RSA-1024,
 * selector test) by football.example.com, and its two key records, which
 * tests/dns/zones.conf also serves; and replace(), which makes the
 * one-byte changes the tests check fail.
 */
#ifndef VG_DKIMTEST_H
#define VG_DKIMTEST_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* replace - a copy of m (the caller frees) with the first from as to */
static inline char *
replace(const char *m, const char *from, const char *to)
{
	const char *p = strstr(m, from);
	size_t n = strlen(m) - strlen(from) + strlen(to) + 1;
	char *out = malloc(n);

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(out);
	memcpy(out, m, (size_t)(p - m));
	memcpy(out + (p - m), to, strlen(to));
	memcpy(out + (p - m) + strlen(to), p + strlen(from),
	    strlen(p + strlen(from)) + 1);
	return out;
}

/* RFC 8463 Appendix A.3, as published (CRLF line ends). */
static const char rfc8463_msg[] __attribute__((unused)) =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
    " date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
    " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
    " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n"
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";

/* RFC 8463 Appendix A.2: the two key records. */
static const char key_ed[] __attribute__((unused)) =
    "v=DKIM1; k=ed25519; "
    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
static const char key_rsa[] __attribute__((unused)) =
    "v=DKIM1; k=rsa; "
    "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
    "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
    "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
    "Ip3G+2kryOTIKT+l/K4w3QIDAQAB";

#endif /* VG_DKIMTEST_H */
