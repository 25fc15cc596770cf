/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_forgedrcvd - HeaderEval's forged-webmail tests in C: a From of a
 * webmail domain (hotmail.com, yahoo.com, gmail.com, eudoramail.com)
 * whose Received headers do not look like that service's (the
 * specification is Mail::SpamAssassin::Plugin::HeaderEval 4.0.1:
 * check_for_forged_hotmail_received_headers,
 * check_for_no_hotmail_received_headers,
 * check_for_forged_yahoo_received_headers,
 * check_for_forged_gmail_received_headers,
 * check_for_forged_eudoramail_received_headers).
 *
 * PURPOSE  Each function reads "Received" as SpamAssassin's
 *	    $pms->get('Received') gives it (every Received header, top
 *	    first, decoded), its white space squeezed to single blanks as
 *	    the Perl does before matching, and matches SpamAssassin's own
 *	    regexes (PCRE2, compiled once).  The yahoo test reads the
 *	    parsed relays (sa_received.c) for the trusted / first untrusted
 *	    relay's rDNS.
 * DIFFERS  From:addr is the first address of From (SpamAssassin's is
 *	    every address, one a line; its "$" then looks at the last).
 *	    The gmail test matches the squeezed Received too (the Perl
 *	    does not squeeze it; its pattern has single blanks).
 * LIMITS   The Received text is VG_FORGED_RCVD_MAX bytes; more is cut.
 * THREADS  Reentrant; the patterns are made once (pthread_once) and
 *	    shared read-only.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "message/hdr.h"
#include "message/msg.h"
#include "rules/rules_evalfn.h"
#include "rules/sa_received.h"

#define VG_FORGED_RCVD_MAX 65536

/* SpamAssassin's IP_ADDRESS (Constants.pm), as sa_received.c has it. */
#define O  "(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)"
#define V4 O "\\." O "\\." O "\\." O
#define H  "[a-f0-9]{1,4}"
#define IP                                                                     \
	"(?i:\\b(?<!:)" V4 "\\b|(?:IPv6:|(?<![a-f0-9:]))(?:(?:(?:" H           \
	":){6}|::(?:" H ":){0,5}|(?:" H ":){1,5}:|" H "::(?:" H                \
	":){1,4}|(?:" H ":){2}:(?:" H ":){1,3}|(?:" H ":){3}:(?:" H            \
	":){1,2}|(?:" H ":){4}:" H ":)" V4 "|(?:" H ":){7}" H "|:(?::" H       \
	"){1,7}|(?:" H ":){1,7}:|" H ":(?::" H "){1,6}|(?:" H ":){2}(?::" H    \
	"){1,5}|(?:" H ":){3}(?::" H "){1,4}|(?:" H ":){4}(?::" H              \
	"){1,3}|(?:" H ":){5}(?::" H "){1,2}|(?:" H ":){6}:" H                 \
	"|::)(?![a-f0-9:]))"

enum {
	F_IP,
	F_HM_PICKUP,
	F_HM_1,
	F_HM_2,
	F_HM_3,
	F_HM_4,
	F_HM_5,
	F_HM_6,
	F_HM_HELO,
	F_ORIGINATOR,
	F_MSN_TO,
	F_MSN_RCVD,
	F_YH_1,
	F_YH_2,
	F_YH_3,
	F_YH_4,
	F_YH_BULK,
	F_YH_STORY,
	F_GM_X1,
	F_GM_X2,
	F_GM_RCVD,
	F_EU_RCVD,
	F_GATED_MSN,
	F_MAX
};

/* The Perl's patterns, in its order; all case-sensitive as written. */
static const char *const f_src[F_MAX] = {
    [F_IP] = IP,
    [F_HM_PICKUP] = "from mail pickup service by hotmail\\.com with "
                    "Microsoft SMTPSVC;",
    [F_HM_1] = "from (?:\\S*\\.)?hotmail.com \\(\\S+\\.hotmail(?:\\.msn)?"
               "\\.com[ \\)]",
    [F_HM_2] = "from \\S*\\.outbound\\.protection\\.outlook\\.com "
               "\\(\\S+\\.outbound\\.protection\\.outlook\\.com[ \\)]",
    [F_HM_3] =
        "from \\S*\\.(?:eur|nam)prd\\d+\\.prod\\.outlook\\.com \\(" IP "\\)",
    [F_HM_4] = "from \\S*\\.hotmail.com \\(\\[" IP "\\][ \\):]",
    [F_HM_5] = "from \\S+ by \\S+\\.hotmail(?:\\.msn)?\\.com with HTTP\\;",
    [F_HM_6] = "from \\[66\\.218.\\S+\\] by \\S+\\.yahoo\\.com",
    [F_HM_HELO] = "(?:from |HELO |helo=)\\S*hotmail\\.com\\b",
    [F_ORIGINATOR] = "hotmail\\.com|msonline\\-outlook",
    [F_MSN_TO] = "(?i)<(\\S+)\\@groups\\.msn\\.com>",
    [F_MSN_RCVD] = "from mail pickup service by ((?:p\\d\\d\\.)groups\\.msn"
                   "\\.com)\\b",
    [F_YH_1] = "by web\\S+\\.mail\\S*\\.yahoo\\.com via HTTP",
    [F_YH_2] = "by sonic\\S+\\.consmr\\.mail\\S*\\.yahoo\\.com with HTTP",
    [F_YH_3] = "by smtp\\S+\\.yahoo\\.com with SMTP",
    [F_YH_4] = "from \\[" IP "\\] by \\S+\\.(?:groups|scd|dcn)\\.yahoo\\.com "
               "with NNFMP",
    [F_YH_BULK] = "\\bmailer\\d+\\.bulk\\.scd\\.yahoo\\.com\\b",
    [F_YH_STORY] = "by \\w+\\.\\w+\\.yahoo\\.com \\(\\d+\\.\\d+\\.\\d+/"
                   "\\d+\\.\\d+\\.\\d+\\)(?: with ESMTP)? id \\w+",
    [F_GM_X1] = "by 10\\.\\S+ with SMTP id \\S+",
    [F_GM_X2] = "by 2002\\:a\\d\\d\\:\\w+\\:\\S+ with SMTP id \\S+",
    [F_GM_RCVD] = "by smtp\\.googlemail\\.com with ESMTPSA id \\S+",
    [F_EU_RCVD] = "by \\S*whowhere.com\\;",
    [F_GATED_MSN] = "from groups\\.msn\\.com \\(\\S+\\.msn\\.com ",
};

static pcre2_code *f_code[F_MAX];
static bool f_ok;
static pthread_once_t f_once = PTHREAD_ONCE_INIT;

/* f_init - compile every pattern once; f_ok false if one fails */
static void
f_init(void)
{
	for (size_t i = 0; i < F_MAX; i++) {
		int err;
		PCRE2_SIZE off;

		f_code[i] = pcre2_compile((PCRE2_SPTR)f_src[i],
		    PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
		if (f_code[i] == NULL)
			return;
		(void)pcre2_jit_compile(f_code[i], PCRE2_JIT_COMPLETE);
	}
	f_ok = true;
}

/* f_match - whether pattern i matches s */
static bool
f_match(const struct vg_sactx *c, int i, const char *s)
{
	return s != NULL && vg_sactx_match(c, f_code[i], s, strlen(s), 0) >= 0;
}

/*
 * f_get - header name's values, top first, joined by a blank, white space
 * squeezed to single blanks (with squeeze), into out; false when the
 * message has no such header (SpamAssassin's undef)
 */
static bool
f_get(const struct vg_sactx *c, const char *name, bool squeeze, char *out,
    size_t size)
{
	const char *v;
	size_t i, n = 0;
	bool blank = false;

	out[0] = '\0';
	for (i = 0; (v = vg_sactx_header(c, name, false, i)) != NULL; i++) {
		const char *p = v;

		if (i > 0 && n + 1 < size) {
			out[n++] = squeeze ? ' ' : '\n';
			blank = squeeze;
		}
		for (; *p != '\0' && n + 1 < size; p++) {
			if (squeeze && isspace((unsigned char)*p)) {
				if (!blank)
					out[n++] = ' ';
				blank = true;
				continue;
			}
			out[n++] = *p;
			blank = false;
		}
	}
	out[n] = '\0';
	return i > 0;
}

/* f_from - From:addr, or "" */
static void
f_from(const struct vg_sactx *c, char *out, size_t size)
{
	struct vg_buf b;
	const char *v = vg_sactx_header(c, "From", false, 0);

	out[0] = '\0';
	if (v == NULL)
		return;
	vg_buf_init(&b, size);
	if (vg_hdr_addr(&b, v, strlen(v), 0, NULL) == 0)
		snprintf(out, size, "%s", vg_buf_cstr(&b));
	vg_buf_fini(&b);
}

/* f_ends - /\bDOMAIN$/i over addr */
static bool
f_ends(const char *addr, const char *domain)
{
	size_t n = strlen(addr), d = strlen(domain);

	if (n < d || strcasecmp(addr + n - d, domain) != 0)
		return false;
	if (n == d)
		return true;
	return !(
	    isalnum((unsigned char)addr[n - d - 1]) || addr[n - d - 1] == '_');
}

/* gated_through_received_hdr_remover, over the squeezed Received rcvd */
static bool
f_gated(const struct vg_sactx *c, bool have_rcvd, const char *rcvd)
{
	const char *ml = vg_sactx_header(c, "Mailing-List", false, 0);

	if (ml != NULL && strncmp(ml, "contact ", 8) == 0 &&
	    strstr(ml, "; run by ezmlm") != NULL) {
		const char *dl = vg_sactx_header(c, "Delivered-To", false, 0);

		if (dl != NULL && strncmp(dl, "mailing list ", 13) == 0 &&
		    strstr(rcvd, "qmail ") != NULL &&
		    (strstr(rcvd, " invoked from network); ") != NULL ||
		        strstr(rcvd, " invoked by ") != NULL))
			return true;
	}
	if (!have_rcvd)
		return true;
	return f_match(c, F_GATED_MSN, rcvd);
}

/* check_for_msn_groups_headers */
static bool
f_msn_groups(const struct vg_sactx *c, const char *rcvd)
{
	char list[256], server[256], want[600], env[512];
	const char *to = vg_sactx_header(c, "To", false, 0);
	const char *mid = vg_sactx_header(c, "Message-Id", false, 0);
	const PCRE2_SIZE *ov;
	size_t n;

	if (to == NULL ||
	    vg_sactx_match(c, f_code[F_MSN_TO], to, strlen(to), 0) < 0)
		return false;
	ov = vg_sactx_ovector(c);
	n = ov[3] - ov[2];
	if (n >= sizeof(list))
		return false;
	memcpy(list, to + ov[2], n);
	list[n] = '\0';
	if (vg_sactx_match(c, f_code[F_MSN_RCVD], rcvd, strlen(rcvd), 0) < 0)
		return false;
	ov = vg_sactx_ovector(c);
	n = ov[3] - ov[2];
	if (n >= sizeof(server))
		return false;
	memcpy(server, rcvd + ov[2], n);
	server[n] = '\0';
	if (mid == NULL)
		mid = "";
	if (strcmp(list, "notifications") == 0) {
		const char *at = strchr(mid, '@');

		/* ^<\S+\@$server> */
		if (mid[0] != '<' || at == NULL || at == mid + 1)
			return false;
		for (const char *p = mid + 1; p < at; p++)
			if (isspace((unsigned char)*p))
				return false;
		return strncmp(at + 1, server, strlen(server)) == 0 &&
		    at[1 + strlen(server)] == '>';
	}
	/* ^<$listname-\S+\@groups\.msn\.com> */
	snprintf(want, sizeof(want), "<%s-", list);
	if (strncmp(mid, want, strlen(want)) != 0 ||
	    strstr(mid, "@groups.msn.com>") == NULL)
		return false;
	snprintf(want, sizeof(want), "%s-bounce@groups.msn.com", list);
	snprintf(
	    env, sizeof(env), "%s", c->msg != NULL ? vg_msg_from(c->msg) : "");
	return strstr(env, want) != NULL;
}

/*
 * _check_for_forged_hotmail_received_headers: 1 when a relay HELO'd as
 * hotmail.com (FORGED), 2 when From is @hotmail.com with no hotmail
 * Received (NO_HOTMAIL), else 0
 */
static int
f_hotmail(const struct vg_sactx *c)
{
	static _Thread_local char rcvd[VG_FORGED_RCVD_MAX];
	char from[512];
	const char *ip, *orig;
	bool have, has_ip, has_orig;

	have = f_get(c, "Received", true, rcvd, sizeof(rcvd));
	if (f_match(c, F_HM_PICKUP, rcvd))
		return 0;
	if (f_msn_groups(c, rcvd))
		return 0;
	ip = vg_sactx_header(c, "X-Originating-Ip", false, 0);
	orig = vg_sactx_header(c, "X-OriginatorOrg", false, 0);
	has_ip = f_match(c, F_IP, ip);
	has_orig = f_match(c, F_ORIGINATOR, orig);
	if (f_gated(c, have, rcvd))
		return 0;
	if ((has_ip &&
	        (f_match(c, F_HM_1, rcvd) || f_match(c, F_HM_4, rcvd) ||
	            f_match(c, F_HM_5, rcvd) || f_match(c, F_HM_6, rcvd))) ||
	    (has_orig &&
	        (f_match(c, F_HM_2, rcvd) || f_match(c, F_HM_3, rcvd))))
		return 0;
	if (f_match(c, F_HM_HELO, rcvd))
		return 1;
	f_from(c, from, sizeof(from));
	return f_ends(from, "hotmail.com") ? 2 : 0;
}

static int
vg_sa_forged_hotmail(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)a;
	pthread_once(&f_once, f_init);
	return f_ok && f_hotmail(c) == 1;
}

static int
vg_sa_no_hotmail(struct vg_sactx *c, const struct vg_evalargs *a)
{
	(void)a;
	pthread_once(&f_once, f_init);
	return f_ok && f_hotmail(c) == 2;
}

/* f_rdns_yahoo - a relay's rdns matches \S+\.yahoo\.com followed by " " */
static bool
f_rdns_yahoo(const struct vg_sa_relay *r)
{
	size_t n = strlen(r->rdns);

	return n > 10 && strcmp(r->rdns + n - 10, ".yahoo.com") == 0;
}

/* check_for_forged_yahoo_received_headers */
static int
vg_sa_forged_yahoo(struct vg_sactx *c, const struct vg_evalargs *a)
{
	static _Thread_local char rcvd[VG_FORGED_RCVD_MAX];
	char from[512];
	const struct vg_sa_relays *rl;
	const char *rf, *rt;
	bool have;

	(void)a;
	pthread_once(&f_once, f_init);
	if (!f_ok)
		return 0;
	f_from(c, from, sizeof(from));
	if (!f_ends(from, "yahoo.com"))
		return 0;
	have = f_get(c, "Received", true, rcvd, sizeof(rcvd));
	/* gated_through_received_hdr_remover reads Received itself */
	if (f_gated(c, have, rcvd))
		return 0;
	rf = vg_sactx_header(c, "Resent-From", false, 0);
	rt = vg_sactx_header(c, "Resent-To", false, 0);
	if (rf != NULL && rt != NULL && *rf != '\0' && *rt != '\0' &&
	    vg_sactx_header(c, "X-Received", false, 0) != NULL)
		(void)f_get(c, "X-Received", true, rcvd, sizeof(rcvd));
	/* bug 3740/4528: a trusted relay, or the first untrusted one,
	 * whose rDNS is Yahoo's */
	rl = c->relays != NULL ? vg_sa_relays_get(c->relays, c->r, c->msg)
	                       : NULL;
	if (rl != NULL) {
		for (size_t i = 0; i < rl->ntrusted; i++)
			if (f_rdns_yahoo(&rl->relay[rl->trusted[i]]))
				return 0;
		if (rl->nuntrusted > 0 &&
		    f_rdns_yahoo(&rl->relay[rl->untrusted[0]]))
			return 0;
	}
	if (f_match(c, F_YH_1, rcvd) || f_match(c, F_YH_2, rcvd) ||
	    f_match(c, F_YH_3, rcvd) || f_match(c, F_YH_4, rcvd))
		return 0;
	if (f_match(c, F_YH_BULK, rcvd) && f_ends(from, "@reply.yahoo.com"))
		return 0;
	if (f_match(c, F_YH_STORY, rcvd))
		return 0;
	return 1;
}

/* check_for_forged_gmail_received_headers */
static int
vg_sa_forged_gmail(struct vg_sactx *c, const struct vg_evalargs *a)
{
	static _Thread_local char rcvd[VG_FORGED_RCVD_MAX];
	char from[512];
	const char *xgms, *xss;

	(void)a;
	pthread_once(&f_once, f_init);
	if (!f_ok)
		return 0;
	f_from(c, from, sizeof(from));
	if (!f_ends(from, "gmail.com"))
		return 0;
	(void)f_get(c, "X-Received", true, rcvd, sizeof(rcvd));
	if (f_match(c, F_GM_X1, rcvd) || f_match(c, F_GM_X2, rcvd))
		return 0;
	(void)f_get(c, "Received", true, rcvd, sizeof(rcvd));
	if (f_match(c, F_GM_RCVD, rcvd))
		return 0;
	xgms = vg_sactx_header(c, "X-Gm-Message-State", false, 0);
	xss = vg_sactx_header(c, "X-Google-Smtp-Source", false, 0);
	if (xgms != NULL && xss != NULL && strlen(xgms) >= 60 &&
	    strlen(xss) >= 60)
		return 0;
	return 1;
}

/* check_for_forged_eudoramail_received_headers */
static int
vg_sa_forged_eudoramail(struct vg_sactx *c, const struct vg_evalargs *a)
{
	static _Thread_local char rcvd[VG_FORGED_RCVD_MAX];
	char from[512];
	bool have;

	(void)a;
	pthread_once(&f_once, f_init);
	if (!f_ok)
		return 0;
	f_from(c, from, sizeof(from));
	if (!f_ends(from, "eudoramail.com"))
		return 0;
	have = f_get(c, "Received", true, rcvd, sizeof(rcvd));
	if (f_gated(c, have, rcvd))
		return 0;
	if (f_match(c, F_EU_RCVD, rcvd) &&
	    f_match(c, F_IP, vg_sactx_header(c, "X-Sender-Ip", false, 0)))
		return 0;
	return 1;
}

const struct vg_evalfn vg_sa_forgedrcvd[] = {
    {.name = "check_for_forged_hotmail_received_headers",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_forged_hotmail},
    {.name = "check_for_no_hotmail_received_headers",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_no_hotmail},
    {.name = "check_for_forged_yahoo_received_headers",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_forged_yahoo},
    {.name = "check_for_forged_gmail_received_headers",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_forged_gmail},
    {.name = "check_for_forged_eudoramail_received_headers",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_forged_eudoramail},
    {.name = NULL},
};
