/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_received - SpamAssassin's Received-header parse and trust path (see
 * sa_received.h).  The formats are SpamAssassin 4's list
 * (Message/Metadata/Received.pm, parse_received_line), tried in its
 * order: each is a PCRE2 pattern of the table below and the fields its
 * groups give.
 *
 * DIFFERS  qmail-scanner's envelope-sender hand-over to the next header
 *	    is not kept; the "originating" flag of a submission (the
 *	    caller's assertion) is never set.  A header past
 *	    VG_SA_RCVD_LINE_MAX bytes is parsed cut there.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/cidr.h"
#include "base/compiler.h"
#include "message/msg.h"
#include "rules/rules_int.h"
#include "rules/sa_received.h"

/* SpamAssassin's IP_ADDRESS (Constants.pm): IPv4, IPv4 in IPv6, IPv6. */
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
/* SpamAssassin's LOCALHOST. */
#define Z "0{1,4}"
#define LOCALHOST                                                              \
	"(?i:localhost(?:\\.localdomain)?|\\b(?<!:)127\\.0\\.0\\.1\\b|"        \
	"(?:IPv6:|(?<![a-f0-9:]))(?:(?:(?:" Z ":){5}ffff:|::(?:" Z             \
	":){0,4}ffff:|(?:" Z ":){1,4}:ffff:|" Z "::(?:" Z ":){1,3}ffff:|(?:" Z \
	":){2}:0{1,2}:ffff:|(?:" Z ":){3}:0:ffff:|(?:" Z                       \
	":){4}:ffff:)127\\.0\\.0\\.1|(?:" Z ":){7}0{0,3}1|:(?::" Z             \
	"){0,6}:0{0,3}1|" Z ":(?::" Z "){0,5}:0{0,3}1|(?:" Z ":){2}(?::" Z     \
	"){0,4}:0{0,3}1|(?:" Z ":){3}(?::" Z "){0,3}:0{0,3}1|(?:" Z            \
	":){4}(?::" Z "){0,2}:0{0,3}1|(?:" Z ":){5}(?::" Z                     \
	"){0,1}:0{0,3}1|(?:" Z ":){6}:0{0,3}1)(?![a-f0-9:]))"
#define HELOCH "[-A-Za-z0-9\\.\\^+_&:=?!@%*\\$\\\\\\/]"

/* The patterns, in SpamAssassin's order. */
enum rx {
	R_WITH_LOCAL_FOR,
	R_FROM_BY_SEMI,
	R_DATE,
	R_ID,
	R_HELO_EQ,
	R_HELO_CMD,
	R_BY,
	R_AUTH_WITH,
	R_AUTH_GMAIL1,
	R_AUTH_GMAIL2,
	R_AUTH_COLON,
	R_AUTH_SENDMAIL,
	R_AUTH_GMX,
	R_AUTH_CP,
	R_AUTH_POSTFIX,
	R_AUTH_CGP,
	R_AUTH_DAV,
	R_AUTH_VIA,
	R_ENVFROM,
	R_SQUIRREL,
	R_AOL,
	R_SMTPSVC1,
	R_SMTPSVC2,
	R_MSSMTP_G,
	R_MSSMTP,
	R_XMAIL,
	R_XMAIL_ID,
	R_XMAIL_FROM,
	R_ECEL1,
	R_ECEL2,
	R_EXIM_LOCAL,
	R_EXIM1,
	R_EXIM2,
	R_EXIM3,
	R_EXIM4,
	R_EXIM5,
	R_EXIM6,
	R_EXIM7,
	R_SUB_HELO,
	R_SUB_IDENT,
	R_PF1,
	R_PF2,
	R_SCALIX,
	R_LOTUS,
	R_HTTP_G,
	R_HTTP,
	R_QMAIL_G,
	R_G1,
	R_G2,
	R_G3,
	R_G4,
	R_G5,
	R_G6,
	R_G7,
	R_G7IP,
	R_G8,
	R_G9,
	R_G10,
	R_G11,
	R_G12,
	R_G12A,
	R_G12B,
	R_G12C,
	R_G12D,
	R_G13,
	R_G14,
	R_G15,
	R_G16,
	R_G17,
	R_G18,
	R_G19,
	R_G20,
	R_G21,
	R_G22,
	R_G23,
	R_POP,
	R_G24,
	R_G25,
	R_G26,
	R_G27,
	R_G28,
	R_G29,
	R_G30,
	R_G31,
	R_G32,
	R_G33,
	R_G34,
	R_G35,
	R_G36,
	R_G37,
	R_G38,
	R_G39,
	R_G40,
	R_G41,
	R_G42,
	R_G43,
	R_G44,
	R_G45,
	R_G46,
	R_G47,
	R_G48,
	R_G49,
	R_G50,
	R_G51,
	R_G52,
	R_G53,
	R_G54,
	R_LOCAL_FIRST, /* the local hand-overs: not relays */
	R_L1 = R_LOCAL_FIRST,
	R_L2,
	R_L3,
	R_L4,
	R_L5,
	R_L6,
	R_L7,
	R_L8,
	R_L9,
	R_L10,
	R_L11,
	R_L12,
	R_L13,
	R_L14,
	R_L15,
	R_L16,
	R_L17,
	R_L18,
	R_L19,
	R_L20,
	R_L21,
	R_L22,
	R_L23,
	R_L24,
	R_L25,
	R_L26,
	R_L27,
	R_LOCAL_END,
	R_HELO_LAST = R_LOCAL_END,
	R_UC_FROM,
	R_PF_NAVGW,
	R_PF_LOCALHOST,
	R_PF_JQUEUE,
	R_BRACKET_IP,
	R_ANY_IP,
	R_MAX,
};

static const struct {
	const char *re;
	bool caseless;
} rx_src[R_MAX] = {
    [R_WITH_LOCAL_FOR] = {"\\bwith local for\\b", false},
    [R_FROM_BY_SEMI] = {"^from (\\S+) by [^\\s;]+ ?;", true},
    [R_DATE] = {"[\\s;]+(?:(?:Mon|T(?:ue|hu)|Wed|Fri|S(?:at|un)), )?\\d+ "
                "(?:J(?:an|u[nl])|Feb|Ma[ry]|A(?:pr|ug)|Sep|Oct|Nov|Dec) "
                "\\d+ \\d+:\\d+(?::\\d+)? \\S+$",
        false},
    [R_ID] = {" id <?([^\\s<>;]{3,})", false},
    [R_HELO_EQ] = {"\\bhelo=(" HELOCH "+)(?:[^-A-Za-z0-9\\.\\^+_&:=?!@%*"
                   "\\$\\\\\\/]|$)",
        false},
    [R_HELO_CMD] = {"\\b(?:HELO|EHLO) (" HELOCH
                    "+)(?:[^-A-Za-z0-9\\.\\^+_&:=?!@%*\\$\\\\\\/]|$)",
        false},
    [R_BY] = {" by (\\S+)(?:[^-A-Za-z0-9\\;\\.]|$)", false},
    [R_AUTH_WITH] = {" with ((?:ES|L|UTF8S|UTF8L)MTPS?A|ASMTP|HTTP[SU]?)"
                     "(?: |;|$)",
        true},
    [R_AUTH_GMAIL1] = {" by mx\\.google\\.com with ESMTPS id "
                       "[a-z0-9]{1,4}sm[0-9]{2,9}[a-z]{3}\\.[0-9]{1,3}\\."
                       "[0-9]{4}\\.(?:[0-6][0-9]\\.){4}[0-6][0-9]",
        false},
    [R_AUTH_GMAIL2] = {"\\(version=([^ ]+) cipher=([^\\)]+)\\)", false},
    [R_AUTH_COLON] = {"^from .*?(?:\\]\\)|\\)\\]) \\(AUTH: "
                      "(LOGIN|PLAIN|DIGEST-MD5|CRAM-MD5) \\S+(?:, .*?)?\\) "
                      "by ",
        false},
    [R_AUTH_SENDMAIL] = {"^from .*?(?:\\](?: \\([^)]*\\))?\\)|\\)\\]) "
                         ".*?\\(.*?authenticated.*?\\).*? by",
        false},
    [R_AUTH_GMX] = {"from \\S* \\((?:HELO|EHLO) (\\S*)\\) \\[(" IP
                    ")\\] by (mail\\.gmx\\.(?:net|com)) \\([^\\)]+\\) "
                    "with ((?:ESMTP|SMTP))",
        false},
    [R_AUTH_CP] = {"\\) by .+ \\(\\d{1,2}\\.\\d\\.\\d{3}(?:\\.\\d{1,3})?\\) "
                   "\\(authenticated as .+\\) id ",
        false},
    [R_AUTH_POSTFIX] = {"\\) \\(Authenticated sender: \\S+\\) by \\S+ "
                        "\\(([^\\)]+)\\) with ",
        false},
    [R_AUTH_CGP] = {"CommuniGate Pro (HTTP|SMTP|XIMSS|IMAP)", false},
    [R_AUTH_DAV] = {" with Microsoft Exchange Server HTTP-DAV\\b", false},
    [R_AUTH_VIA] = {" \\(via (HTTP.?)\\)(?: |;|$)", true},
    [R_ENVFROM] = {"(?:return-path:? |envelope-(?:sender|from)[ =])(\\S+)\\b",
        true},
    [R_SQUIRREL] = {"(" IP ")\\b(?![.-]).{10,80}by (\\S+) with HTTP", false},
    [R_AOL] = {"(" IP ") by (\\S+) \\(" IP "\\) with HTTP \\(WebMailUI\\)",
        false},
    [R_SMTPSVC1] = {"^(\\S*) \\(\\[(" IP
                    ")\\][^\\)]{0,40}\\) by (\\S+) with Microsoft SMTPSVC",
        false},
    [R_SMTPSVC2] = {"^mail pickup service by (\\S+) with Microsoft SMTPSVC$",
        false},
    [R_MSSMTP_G] = {" with (?:Microsoft SMTP Server|mapi id) "
                    "(?:\\([^\\)]+\\) )?\\d+\\.\\d+\\.\\d+\\.\\d+(?:$| )",
        false},
    [R_MSSMTP] = {"^(\\S+) \\(\\[?(" IP
                  ")(?:%[A-Z0-9._~-]*)?\\]?\\) by (\\S+) ",
        false},
    [R_XMAIL] = {"^(\\S+) \\((\\[?" IP
                 "\\]?)(?::\\d+)\\) by (\\S+)(?: \\(\\S+\\))? with \\[XMail",
        false},
    [R_XMAIL_ID] = {" id <(\\S+)>", false},
    [R_XMAIL_FROM] = {" from <(\\S+)>", false},
    [R_ECEL1] = {"^\\(\\[(" IP ")"
                 ":\\d+\\] helo=(\\S+)\\) by (\\S+) ",
        false},
    [R_ECEL2] = {"^\\S+ \\(\\[(" IP ")"
                 ":\\d+\\]\\) by (\\S+) ",
        false},
    [R_EXIM_LOCAL] = {"\\bwith local(?:-\\S+)? ", false},
    [R_EXIM1] = {"^\\[(" IP ")\\] \\((.*?)\\) by (\\S+) ", false},
    [R_EXIM2] = {"^(\\S+) \\(\\[(" IP ")\\](.*?)\\) by (\\S+) ", false},
    [R_EXIM3] = {"^(\\S+) \\[(" IP ")\\](:\\d+)? by (\\S+) ", false},
    [R_EXIM4] = {"^(\\S+) ", false},
    [R_EXIM5] = {" \\((\\S+)\\) ", false},
    [R_EXIM6] = {" \\[(" IP ")(?:\\.\\d+)?\\] ", false},
    [R_EXIM7] = {"by (\\S+) ", false},
    [R_SUB_HELO] = {"helo=(\\S+)", false},
    [R_SUB_IDENT] = {"ident=(\\S*)", false},
    [R_PF1] = {"^(\\S+) \\((\\S+) \\[(" IP ")\\]\\) by (\\S+) ", false},
    [R_PF2] = {"^(\\S+) \\((\\S+)\\[(" IP ")\\]\\) by (\\S+) ", false},
    [R_SCALIX] = {"^(\\S+) \\( ?(" IP ")\\) by (\\S+)", false},
    [R_LOTUS] = {"^(\\S+) \\(\\[(" IP ")\\]\\) by (\\S+) \\(Lotus", false},
    [R_HTTP_G] = {"\\bwith HTTP\\b", false},
    [R_HTTP] = {"^(" IP ") \\(\\[" IP "\\]\\) by (\\S+)", false},
    [R_QMAIL_G] = {" by \\S+ \\(qmail-\\S+\\) with ", false},
    [R_G1] = {"^(\\S+) \\((\\S+) \\[(" IP ")\\].*\\) by (\\S+) \\(", false},
    [R_G2] = {"^(\\S+) \\((\\S+) \\[(" IP ")\\]\\) by (\\S+) with \\S+ \\(",
        false},
    [R_G3] = {"^(\\S+) \\(\\[(" IP ")\\] helo=(\\S+)\\) by (\\S+) with ",
        false},
    [R_G4] = {"^(\\S+) \\(<unknown\\S*>\\[(" IP ")\\]\\) by (\\S+) ", false},
    [R_G5] = {"^(\\S+) \\((\\S+\\.\\S+)\\[(" IP ")\\]\\) by (\\S+) ", false},
    [R_G6] = {"^(\\S+) \\((\\S*)\\@\\[(" IP ")\\].*\\) by (\\S+) \\(", false},
    [R_G7] = {"by (\\S+\\.hotmail\\.msn\\.com) ", false},
    [R_G7IP] = {"^(" IP ") ", false},
    [R_G8] = {"^(\\S+) \\((?:HELO|EHLO) (\\S*)\\) \\((" IP
              ")\\) by (\\S+) \\(qpsmtpd\\/\\S+\\) with (?:ESMTP|SMTP)",
        false},
    [R_G9] = {"^(\\S+) \\(LHLO (\\S*)\\) \\((" IP ")\\) by (\\S+) with LMTP",
        false},
    [R_G10] = {"^(\\S+) \\((?:HELO|EHLO) (\\S*)\\) \\[(" IP
               ")\\] by (\\S+) \\([^\\)]+\\) with (?:ESMTP|SMTP)",
        false},
    [R_G11] = {"^(\\S+) \\(\\[(" IP
               ")\\]\\) by (\\S+) via smtpd \\(for \\S+\\) with SMTP\\(",
        false},
    [R_G12] = {"^\\S+( \\((?:HELO|EHLO) \\S*\\))? \\((\\S+\\@)?\\[?" IP
               "\\]?\\)( \\(envelope-sender <\\S+>\\))? by \\S+( \\(.+\\))* "
               "with (.* )?(SMTP|QMQP)(?! id )",
        false},
    [R_G12A] = {"^(\\S+) \\((?:HELO|EHLO) ([^ \\(\\)]*)\\) \\((\\S*)\\@\\[?(" IP
                ")\\]?\\)( \\(envelope-sender <\\S+>\\))? by (\\S+)",
        false},
    [R_G12B] = {"^(\\S+) \\((?:HELO|EHLO) ([^ \\(\\)]*)\\) \\(\\[?(" IP
                ")\\]?\\)( \\(envelope-sender <\\S+>\\))? by (\\S+)",
        false},
    [R_G12C] = {"^(\\S+) \\((\\S*)\\@\\[?(" IP
                ")\\]?\\)( \\(envelope-sender <\\S+>\\))? by (\\S+)",
        false},
    [R_G12D] = {"^(\\S+) \\(\\[?(" IP
                ")\\]?\\)( \\(envelope-sender <\\S+>\\))? by (\\S+)",
        false},
    [R_G13] = {"^\\[(" IP ")\\] by (\\S+) via HTTP$", false},
    [R_G14] = {"^(\\S+) \\( \\[(" IP ")\\]\\).*? by (\\S+) ", false},
    [R_G15] = {"^\\((\\S+) \\[(" IP ")\\]\\) by (\\S+) ", false},
    [R_G16] = {"^\\[(" IP ")\\] by (\\S+) ", false},
    [R_G17] = {"^\\(\\[?(" IP ")\\]?\\) by (\\S+) ", false},
    [R_G18] = {"^(\\S+) \\[(" IP ")\\] by (\\S+) \\[" IP "\\] with ", false},
    [R_G19] = {"^(\\S+) \\[\\((" IP ")\\)\\] by (\\S+) \\(" IP "\\) ", false},
    [R_G20] = {"^(\\S+) \\(\\[(" IP ")\\]\\) by (\\S+) \\(", false},
    [R_G21] = {"^(\\S+) \\((\\S+) \\[(" IP ")\\]\\).*? by (\\S+)\\b", false},
    [R_G22] = {"^(\\S+) \\(\\[(" IP ")(?:[.:]\\d+)?\\]\\).*? by (\\S+) ",
        false},
    [R_G23] = {"^(\\S+) \\((\\S+) \\[(" IP
               ")\\]\\)(?: \\(authenticated bits=\\d+\\))? by (\\S+) \\(",
        false},
    [R_POP] = {"with (?:POP3|IMAP)", false},
    [R_G24] = {"^(\\S+) \\((?:HELO|EHLO) ([^\\)]*)\\) \\((\\S*@)?\\[?(" IP
               ")\\]?\\).* by (\\S+) ",
        false},
    [R_G25] = {"^(\\S+) \\((\\S*@)?\\[?(" IP ")\\]?\\).* by (\\S+) ", false},
    [R_G26] = {"^\\[(" IP ")\\] by (\\S+) with http for ", false},
    [R_G27] = {"^(\\S+)\\((" IP ")\\) by (\\S+) via smap ", false},
    [R_G28] = {"^(\\S+)\\((" IP
               "), (?:HELO|EHLO) (\\S*)\\) by (\\S+) via smap ",
        false},
    [R_G29] = {"^\\[(" IP ")\\] by (\\S+) \\(Post", false},
    [R_G30] = {"^\\[(" IP ")\\] by (\\S+) \\(ArGoSoft", false},
    [R_G31] = {"^(" IP ") by (\\S+) \\((?:SMTPL|InterScan)\\b", false},
    [R_G32] = {"^\\S+ by \\S+ with BSMTP", false},
    [R_G33] = {"^(\\S+) \\((\\S+) \\[(" IP ")\\]\\) by (\\S+) with ", false},
    [R_G34] = {"^(\\S+) \\((?:HELO|EHLO) (\\S*)\\) \\((?:(\\S+)\\@)?(" IP
               ").*?\\) by (\\S+) with ",
        false},
    [R_G35] = {"^\\[(" IP
               ")\\] \\((?:account \\S+ )?(?:HELO|EHLO) (\\S*)\\) by "
               "(\\S+) \\(",
        false},
    [R_G36] = {"^(\\S+) \\(\\[(" IP ")\\] verified\\) by (\\S+) \\(", false},
    [R_G37] = {"^\\(\\[(" IP ")\\]\\) by (\\S+) with ", false},
    [R_G38] = {"^([^\\d]\\S+) \\((" IP ")\\) by (\\S+) ", false},
    [R_G39] = {"^\\S+ \\(\\S+\\) by \\S+ \\(Content Technologies ", false},
    [R_G40] = {"^(\\S+) \\(\\[(" IP ")\\] \\[(\\S+)\\]\\) by (\\S+) with ",
        false},
    [R_G41] = {"^(" IP ") by (\\S+) with ", false},
    [R_G42] = {"^(\\S+) \\((\\S+)\\[(" IP ")\\]\\) by (\\S+) ", false},
    [R_G43] = {"^\\[(" IP ")\\]\\S+ \\((?:HELO|EHLO) (\\S*)\\) by (\\S+) ",
        false},
    [R_G44] = {"^(" IP ") \\((?:HELO|EHLO) (\\S*)\\) by (\\S+) ", false},
    [R_G45] = {"^(\\S+) \\[(" IP ")\\] by (\\S+) ", false},
    [R_G46] = {"^(\\S+)\\((" IP ")\\) by (\\S+) ", false},
    [R_G47] = {"^\\[(" IP ")\\] by (\\S+) \\(MailGate ", false},
    [R_G48] = {"^(\\S+) \\(unverified \\[(" IP ")\\]\\) by (\\S+) ", false},
    [R_G49] = {"^(" IP ") \\([A-Za-z][^\\)]+\\) by (\\S+) with ", false},
    [R_G50] = {"^\\[(" IP ")\\] \\(([^\\)]+)\\) by (\\S+) ", false},
    [R_G51] = {"^(\\S+) \\((?:\\S+\\@)?(" IP ")\\) by (\\S+) with ", false},
    [R_G52] = {"^(\\S+)\\((" IP
               ")\\)(?:, claiming to be \"(\\S+)\")? via \\S+ by (\\S+),",
        false},
    [R_G53] = {"^(\\S+) \\((\\S+)@(" IP
               ") with login\\) by (\\S+\\.yahoo\\.com) with SMTP",
        false},
    [R_G54] = {"^X-Originating-IP: (" IP ")$", false},
    [R_L1] = {"^\\S+ \\([^\\s\\@]+\\@" LOCALHOST "\\) by \\S+ \\(", false},
    [R_L2] = {"^\\S+ \\S+ by \\S+ with local-e?smtp ", false},
    [R_L3] = {"^127\\.0\\.0\\.1 \\(AVG SMTP \\S+ \\[\\S+\\]\\)", false},
    [R_L4] = {"^\\S+\\@\\S+ by \\S+ by uid \\S+ ", false},
    [R_L5] = {"^\\S+\\@\\S+ by \\S+ ", false},
    [R_L6] = {"^Unknown\\/Local \\(", false},
    [R_L7] = {"^" LOCALHOST " \\((?:\\S+\\@)?" LOCALHOST "[\\)\\[]", false},
    [R_L8] = {"^\\S+ \\((?:\\S+\\@)?" LOCALHOST "\\) ", false},
    [R_L9] = {"^\\S+ \\(\\S+\\@\\S+ \\[" LOCALHOST "\\]\\) ", false},
    [R_L10] = {"^\\(AUTH: \\S+\\) by \\S+ with ", false},
    [R_L11] = {"^localhost \\(localhost \\[\\[UNIX: localhost\\]\\]\\) by ",
        false},
    [R_L12] = {"^\\S+\\.amazon\\.com by \\S+\\.amazon\\.com with ESMTP "
               "\\(peer crosscheck: ",
        false},
    [R_L13] = {"^[^\\.]+ by \\S+ with Novell_GroupWise", false},
    [R_L14] = {"^no\\.name\\.available by \\S+ via smtpd \\(for ", false},
    [R_L15] = {"^\\S+ by \\S+ \\(.{0,100}\\) with qmail-scanner", false},
    [R_L16] = {"^\\S+ by \\S+ with local", false},
    [R_L17] = {"^\\S+ \\(\\[unix socket\\]\\) by \\S+ "
               "\\(Cyrus v[0-9]*?\\.[0-9]*?\\.[0-9]*?\\) with LMTPA",
        false},
    [R_L18] = {"^\\S+ by \\S+ (?:with|via|for|\\()", false},
    [R_L19] = {"^\\S+ (?:(?:with|via|for) \\S+|\\(unverified\\)) by\\b", false},
    [R_L20] = {"^\\S+ \\(unknown\\) by \\S+ \\(SG\\) with \\b", false},
    [R_L21] = {"^\\S+ \\(\\S+ \\[local\\]\\) by \\S+ \\(OpenSMTPD\\) with \\b",
        false},
    [R_L22] = {"\\(LSMTP for", false},
    [R_L23] = {"^\\(\\[" LOCALHOST "\\]\\) with MailEnable ", false},
    [R_L24] = {"^facebook\\.com \\([^\\)]+\\) by facebook\\.com with Thrift "
               "id \\S+$",
        false},
    [R_L25] = {"^\\S+ named \\S+ by gmailapi\\.google\\.com with HTTPREST$",
        false},
    [R_L26] = {"^\\S+ id \\S+$", false},
    [R_L27] = {"^\\[<.*? \\(Jetsend", false},
    [R_HELO_LAST] = {"^(\\S+)[^-A-Za-z0-9\\.]", false},
    [R_UC_FROM] = {"^(\\S+) \\((\\S+) \\[(" IP
                   ")\\]\\) BY (\\S+) (?:\\([^\\)]+\\) WITH SMTP )?ID "
                   "<?(\\S+?)>?(?: FOR <[^>]+>)?$",
        false},
    [R_PF_NAVGW] = {"^(\\S*) \\[(" IP ")\\]\\) by (\\S+) \\(NAVGW .*?\\) "
                    "with ",
        false},
    [R_PF_LOCALHOST] = {"^\\S+\\@localhost\\) by \\S+ ", false},
    [R_PF_JQUEUE] = {"^[^\\s\\@]+\\@[^)]+\\) by \\S+\\(jqueuemail\\) id "
                     "[^\\s;]+",
        false},
    [R_BRACKET_IP] = {"\\[(" IP ")\\]", false},
    [R_ANY_IP] = {"(" IP ")", false},
};

static pcre2_code *rx_code[R_MAX];
static bool rx_ok;
static pthread_once_t rx_once = PTHREAD_ONCE_INIT;
/* The threads' parse states (rp_open), the key made with the patterns. */
static pthread_key_t rp_key;
static int rp_key_rc = -1;
static void rp_free(void *arg);

/* rx_init - compile every pattern once; rx_ok false if one fails */
static void
rx_init(void)
{
	for (size_t i = 0; i < R_MAX; i++) {
		int err;
		PCRE2_SIZE off;

		rx_code[i] = pcre2_compile((PCRE2_SPTR)rx_src[i].re,
		    PCRE2_ZERO_TERMINATED,
		    rx_src[i].caseless ? PCRE2_CASELESS : 0, &err, &off, NULL);
		if (rx_code[i] == NULL) {
			rx_ok = false;
			return;
		}
		(void)pcre2_jit_compile(rx_code[i], PCRE2_JIT_COMPLETE);
	}
	rx_ok = true;
	rp_key_rc = pthread_key_create(&rp_key, rp_free);
}

/* One parse: the line, where the rest starts, the last match. */
struct rp {
	char line[VG_SA_RCVD_LINE_MAX + 2];
	const char *s; /* the part of line the patterns see */
	size_t len;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	int rc; /* of the last match */
	bool dns;
	char sub[VG_SA_RCVD_FIELD_MAX];
};

/* rx - whether pattern id matches p's text */
static bool
rx(struct rp *p, enum rx id)
{
	p->rc = pcre2_match(
	    rx_code[id], (PCRE2_SPTR)p->s, p->len, 0, 0, p->md, p->mc);
	return p->rc > 0;
}

/* grp - group g of the last match into dst (empty when unset) */
static void
grp(const struct rp *p, int g, char *dst, size_t size)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
	size_t n;

	dst[0] = '\0';
	if (g >= p->rc || ov[2 * g] == PCRE2_UNSET)
		return;
	n = ov[2 * g + 1] - ov[2 * g];
	if (n >= size)
		n = size - 1;
	memcpy(dst, p->s + ov[2 * g], n);
	dst[n] = '\0';
}

/*
 * try - pattern id, and on a match its groups into r's fields: spec has a
 * letter per group, h helo, r rdns, i ip, b by, d ident, e envfrom,
 * I id, s p->sub, '-' none
 */
static bool
try(struct rp *p, struct vg_sa_relay *r, enum rx id, const char *spec)
{
	if (!rx(p, id))
		return false;
	for (int g = 1; spec[g - 1] != '\0'; g++) {
		char *dst;

		switch (spec[g - 1]) {
		case 'h':
			dst = r->helo;
			break;
		case 'r':
			dst = r->rdns;
			break;
		case 'i':
			dst = r->ip;
			break;
		case 'b':
			dst = r->by;
			break;
		case 'd':
			dst = r->ident;
			break;
		case 'I':
			dst = r->id;
			break;
		case 's':
			dst = p->sub;
			break;
		default:
			continue;
		}
		grp(p, g, dst, VG_SA_RCVD_FIELD_MAX);
	}
	return true;
}

/* squeeze - s/\s+/ /g, trim, strip trailing ";" (the Perl's first lines) */
static void
squeeze(struct rp *p, const char *v, size_t len)
{
	size_t n = 0;
	bool blank = false;

	for (size_t i = 0; i < len && n < VG_SA_RCVD_LINE_MAX; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		    c == '\f' || c == '\v') {
			blank = true;
			continue;
		}
		if (blank && n > 0 && n + 1 < VG_SA_RCVD_LINE_MAX)
			p->line[n++] = ' ';
		blank = false;
		p->line[n++] = (char)c;
	}
	/* 1 while s/\s?;$// */
	while (n > 0 && p->line[n - 1] == ';') {
		n--;
		if (n > 0 && p->line[n - 1] == ' ')
			n--;
	}
	p->line[n] = '\0';
	p->s = p->line;
	p->len = n;
}

/* cut - drop the text from offset off on */
static void
cut(struct rp *p, size_t off)
{
	p->line[(size_t)(p->s - p->line) + off] = '\0';
	p->len = off;
}

/* start_at - the patterns see the text from offset off on */
static void
start_at(struct rp *p, size_t off)
{
	p->s += off;
	p->len -= off;
}

/* strip_chars - SpamAssassin's s/[\s\000#\[\]()<>|]/!/g */
static void
strip_chars(char *s)
{
	for (; *s != '\0'; s++)
		if (strchr(" \t\r\n\f\v#[]()<>|", *s) != NULL)
			*s = '!';
}

/* sub_fields - Exim's "(helo=X ident=Y)" in p->sub */
static void
sub_fields(struct rp *p, struct vg_sa_relay *r)
{
	const char *save = p->s;
	size_t savelen = p->len;

	p->s = p->sub;
	p->len = strlen(p->sub);
	if (rx(p, R_SUB_HELO))
		grp(p, 1, r->helo, sizeof(r->helo));
	if (rx(p, R_SUB_IDENT))
		grp(p, 1, r->ident, sizeof(r->ident));
	p->s = save;
	p->len = savelen;
}

/* vg_sa_ip_private - see sa_received.h */
bool
vg_sa_ip_private(const char *ip)
{
	struct vg_ip a;
	const unsigned char *b;

	if (ip == NULL || vg_ip_parse(&a, ip) != 0)
		return false;
	b = a.addr;
	if (a.family == 6) {
		static const unsigned char mapped[12] = {
		    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		static const unsigned char one[16] = {
		    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

		if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
			return true;
		if (memcmp(b, one, 16) == 0)
			return true;
		if (memcmp(b, mapped, 12) != 0)
			return false;
		b += 12;
	}
	return b[0] == 10 || b[0] == 127 || (b[0] == 169 && b[1] == 254) ||
	    (b[0] == 172 && b[1] >= 16 && b[1] <= 31) ||
	    (b[0] == 192 && b[1] == 168) ||
	    (b[0] == 100 && b[1] >= 64 && b[1] <= 127);
}

/* finish - SpamAssassin's "enough:": clean the fields up */
static void
finish(struct rp *p, struct vg_sa_relay *r)
{
	size_t n;
	char *ip = r->ip;

	n = strlen(r->rdns);
	while (n > 0 && r->rdns[n - 1] == '.')
		r->rdns[--n] = '\0';
	if (strcasecmp(r->rdns, "unknown") == 0 || r->rdns[0] == '[')
		r->rdns[0] = '\0';
	if (strncasecmp(ip, "ipv6:", 5) == 0)
		memmove(ip, ip + 5, strlen(ip + 5) + 1);
	if (ip[0] == '[')
		memmove(ip, ip + 1, strlen(ip + 1) + 1);
	n = strlen(ip);
	if (n > 0 && ip[n - 1] == ']')
		ip[--n] = '\0';
	{
		char *pct = strrchr(ip, '%');

		if (pct != NULL &&
		    strspn(pct + 1,
		        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		        "0123456789._~-") == strlen(pct + 1))
			*pct = '\0';
	}
	/* ::ffff:1.2.3.4 (any zeros before) to 1.2.3.4 */
	{
		size_t z = strspn(ip, "0:");
		const char *f =
		    strncasecmp(ip + z, "ffff:", 5) == 0 ? ip + z : NULL;

		if (f != NULL && f - ip >= 2 &&
		    strspn(f + 5, "0123456789.") == strlen(f + 5) &&
		    strchr(f + 5, '.') != NULL)
			memmove(ip, f + 5, strlen(f + 5) + 1);
	}
	n = strlen(r->by);
	if (n > 0 && r->by[n - 1] == ';')
		r->by[n - 1] = '\0';
	strip_chars(ip);
	strip_chars(r->rdns);
	strip_chars(r->helo);
	strip_chars(r->by);
	strip_chars(r->ident);
	if (r->have_envfrom) {
		char *e = r->envfrom;

		while (*e == ' ' || *e == '\t' || *e == '<')
			e++;
		memmove(r->envfrom, e, strlen(e) + 1);
		n = strlen(r->envfrom);
		while (n > 0 &&
		    (r->envfrom[n - 1] == '>' || r->envfrom[n - 1] == ' ' ||
		        r->envfrom[n - 1] == '\t'))
			r->envfrom[--n] = '\0';
		strip_chars(r->envfrom);
	}
	if (r->rdns[0] == '\0') {
		if (p->dns)
			r->no_reverse_dns = true;
		else
			r->rdns_not_in_headers = true;
	}
	r->ip_private = vg_sa_ip_private(ip);
}

/* auth - the authentication SpamAssassin reads off the whole line */
static void
auth(struct rp *p, struct vg_sa_relay *r)
{
	char a[VG_SA_RCVD_FIELD_MAX], b[VG_SA_RCVD_FIELD_MAX];
	bool by = strstr(p->s, " by ") != NULL;

	if (by && rx(p, R_AUTH_WITH)) {
		grp(p, 1, r->auth, sizeof(r->auth));
	} else if (rx(p, R_AUTH_GMAIL1) && rx(p, R_AUTH_GMAIL2)) {
		grp(p, 1, a, sizeof(a));
		grp(p, 2, b, sizeof(b));
		snprintf(r->auth, sizeof(r->auth),
		    "GMail - transport=%.100s cipher=%.100s", a, b);
	} else if (rx(p, R_AUTH_COLON)) {
		grp(p, 1, r->auth, sizeof(r->auth));
	} else if (strstr(p->s, "authenticated") != NULL &&
	    rx(p, R_AUTH_SENDMAIL)) {
		snprintf(r->auth, sizeof(r->auth), "Sendmail");
	} else if (rx(p, R_AUTH_GMX)) {
		grp(p, 4, a, sizeof(a));
		grp(p, 3, b, sizeof(b));
		snprintf(
		    r->auth, sizeof(r->auth), "GMX (%.100s / %.100s)", a, b);
	} else if (strstr(p->s, " (authenticated as ") != NULL &&
	    rx(p, R_AUTH_CP)) {
		snprintf(r->auth, sizeof(r->auth), "CriticalPath");
	} else if (rx(p, R_AUTH_POSTFIX)) {
		grp(p, 1, a, sizeof(a));
		if (strcmp(a, "Postfix") == 0)
			snprintf(r->auth, sizeof(r->auth), "Postfix");
		else
			snprintf(
			    r->auth, sizeof(r->auth), "Postfix (%.200s)", a);
	} else if (rx(p, R_AUTH_CGP) && strstr(p->s, " (account ") != NULL) {
		snprintf(r->auth, sizeof(r->auth), "Communigate");
	} else if (rx(p, R_AUTH_DAV)) {
		snprintf(r->auth, sizeof(r->auth), "HTTP-DAV");
	} else if (by && rx(p, R_AUTH_VIA)) {
		grp(p, 1, r->auth, sizeof(r->auth));
	}
}

/* ident_at - SpamAssassin's "$ident =~ s/\@$//" */
static void
ident_at(struct vg_sa_relay *r)
{
	size_t n = strlen(r->ident);

	if (n > 0 && r->ident[n - 1] == '@')
		r->ident[n - 1] = '\0';
}

/*
 * parse_from - the text after "from ": the formats, in SpamAssassin's
 * order.  1 enough (a relay), 0 not a relay, -1 fall through.
 */
static int
parse_from(struct rp *p, struct vg_sa_relay *r)
{
	if (rx(p, R_ENVFROM)) {
		grp(p, 1, r->envfrom, sizeof(r->envfrom));
		r->have_envfrom = true;
	}
	if ((strstr(p->s, " (SquirrelMail authenticated user ") != NULL ||
	        strstr(p->s, " (NaSMail authenticated user ") != NULL) &&
	    try(p, r, R_SQUIRREL, "ib"))
		return 1;
	if (strstr(p->s, "aol.com") != NULL &&
	    strstr(p->s, "with HTTP (WebMailUI)") != NULL &&
	    try(p, r, R_AOL, "ib"))
		return 1;
	if (strstr(p->s, " SMTPSVC") != NULL) {
		if (try(p, r, R_SMTPSVC1, "hib"))
			return 1;
		if (rx(p, R_SMTPSVC2))
			return 0;
	} else if (rx(p, R_MSSMTP_G)) {
		if (try(p, r, R_MSSMTP, "hib")) {
			r->id[0] = '\0';
			return 1;
		}
	} else if (strstr(p->s, "[XMail ") != NULL) {
		if (try(p, r, R_XMAIL, "hib")) {
			if (rx(p, R_XMAIL_ID))
				grp(p, 1, r->id, sizeof(r->id));
			if (rx(p, R_XMAIL_FROM)) {
				grp(p, 1, r->envfrom, sizeof(r->envfrom));
				r->have_envfrom = true;
			}
			return 1;
		}
	} else if (strstr(p->s, "(ecelerity") != NULL) {
		if (try(p, r, R_ECEL1, "ihb") || try(p, r, R_ECEL2, "ib"))
			return 1;
	} else if (strstr(p->s, "Exim") != NULL) {
		if (rx(p, R_EXIM_LOCAL))
			return 0;
		if (try(p, r, R_EXIM1, "isb")) {
			sub_fields(p, r);
			return 1;
		}
		if (try(p, r, R_EXIM2, "risb")) {
			snprintf(r->helo, sizeof(r->helo), "%s", r->rdns);
			sub_fields(p, r);
			return 1;
		}
		if (try(p, r, R_EXIM3, "ri-b")) {
			snprintf(r->helo, sizeof(r->helo), "%s", r->rdns);
			return 1;
		}
		(void)try(p, r, R_EXIM4, "r");
		(void)try(p, r, R_EXIM5, "h");
		(void)try(p, r, R_EXIM6, "i");
		if (try(p, r, R_EXIM7, "b") && r->ip[0] != '\0')
			return 1;
	} else if (strstr(p->s, " (Postfix) with") != NULL) {
		if (try(p, r, R_PF1, "hrib") || try(p, r, R_PF2, "hrib")) {
			p->dns = true;
			if (strcmp(r->rdns, "unknown") == 0)
				r->rdns[0] = '\0';
			return 1;
		}
	} else if (strstr(p->s, "(Scalix SMTP Relay") != NULL) {
		if (try(p, r, R_SCALIX, "hib"))
			return 1;
	} else if (strstr(p->s, " (Lotus Domino ") != NULL) {
		if (try(p, r, R_LOTUS, "hib")) {
			p->dns = false;
			return 1;
		}
	}
	if (rx(p, R_HTTP_G) && try(p, r, R_HTTP, "ib"))
		return 1;
	if (!rx(p, R_QMAIL_G) && try(p, r, R_G1, "hrib")) {
		p->dns = true;
		if (strncmp(r->rdns, "IDENT:", 6) == 0 &&
		    strchr(r->rdns, '@') != NULL) {
			char *at = strchr(r->rdns, '@');

			snprintf(r->ident, sizeof(r->ident), "%.*s",
			    (int)(at - r->rdns - 6), r->rdns + 6);
			memmove(r->rdns, at + 1, strlen(at + 1) + 1);
		}
		if (strchr(r->rdns, '@') != NULL) {
			char *at = strchr(r->rdns, '@');

			snprintf(r->ident, sizeof(r->ident), "%.*s",
			    (int)(at - r->rdns), r->rdns);
			memmove(r->rdns, at + 1, strlen(at + 1) + 1);
		}
		return 1;
	}
	if (try(p, r, R_G2, "hrib")) {
		p->dns = true;
		return 1;
	}
	if (try(p, r, R_G3, "rihb") || try(p, r, R_G4, "hib"))
		return 1;
	if (try(p, r, R_G5, "hrib") || try(p, r, R_G6, "hdib")) {
		p->dns = true;
		return 1;
	}
	if (try(p, r, R_G7, "b")) {
		(void)try(p, r, R_G7IP, "i");
		return 1;
	}
	if (try(p, r, R_G8, "rhib") || try(p, r, R_G9, "rhib") ||
	    try(p, r, R_G10, "rhib") || try(p, r, R_G11, "hib"))
		return 1;
	if (rx(p, R_G12)) {
		if (try(p, r, R_G12A, "rhdi-b")) {
		} else if (try(p, r, R_G12B, "rhi-b")) {
		} else if (try(p, r, R_G12C, "rdi-b")) {
			snprintf(r->helo, sizeof(r->helo), "%s", r->rdns);
		} else if (try(p, r, R_G12D, "ri-b")) {
			snprintf(r->helo, sizeof(r->helo), "%s", r->rdns);
		}
		if (strcmp(r->rdns, "unknown") != 0)
			p->dns = true;
		else
			r->rdns[0] = '\0';
		return 1;
	}
	if (strstr(p->s, " via HTTP") != NULL && try(p, r, R_G13, "ib"))
		return 1;
	if (try(p, r, R_G14, "-ib") || try(p, r, R_G15, "hib") ||
	    try(p, r, R_G16, "ib") || try(p, r, R_G17, "ib"))
		return 1;
	if (try(p, r, R_G18, "hib")) {
		p->dns = true;
		return 1;
	}
	if (try(p, r, R_G19, "hib"))
		return 1;
	if (try(p, r, R_G20, "hib")) {
		p->dns = true;
		return 1;
	}
	if (rx(p, R_G21)) {
		char two[VG_SA_RCVD_FIELD_MAX];

		grp(p, 2, two, sizeof(two));
		if (strcmp(two, "softdnserr") == 0) {
			p->dns = false;
		} else {
			p->dns = true;
			snprintf(r->rdns, sizeof(r->rdns), "%s", two);
		}
		grp(p, 1, r->helo, sizeof(r->helo));
		grp(p, 3, r->ip, sizeof(r->ip));
		grp(p, 4, r->by, sizeof(r->by));
		return 1;
	}
	if (try(p, r, R_G22, "hib") || try(p, r, R_G23, "hrib")) {
		p->dns = true;
		return 1;
	}
	if (rx(p, R_POP))
		return 2;
	if (try(p, r, R_G24, "rhdib")) {
		p->dns = true;
		ident_at(r);
		return 1;
	}
	if (try(p, r, R_G25, "rdib")) {
		p->dns = true;
		snprintf(r->helo, sizeof(r->helo), "%s", r->rdns);
		ident_at(r);
		return 1;
	}
	if (strstr(p->s, " with http for ") != NULL && try(p, r, R_G26, "ib"))
		return 1;
	if (strstr(p->s, " via smap ") != NULL && try(p, r, R_G27, "rib")) {
		p->dns = true;
		return 1;
	}
	if (try(p, r, R_G28, "rihb")) {
		p->dns = true;
		return 1;
	}
	if ((strstr(p->s, " (Post") != NULL && try(p, r, R_G29, "ib")) ||
	    (strstr(p->s, " (ArGoSoft") != NULL && try(p, r, R_G30, "ib")) ||
	    try(p, r, R_G31, "ib"))
		return 1;
	if (strstr(p->s, " with BSMTP") != NULL && rx(p, R_G32))
		return 0;
	if (try(p, r, R_G33, "hrib")) {
		p->dns = true;
		return 1;
	}
	if (try(p, r, R_G34, "rhdib")) {
		p->dns = true;
		return 1;
	}
	if (try(p, r, R_G35, "ihb"))
		return 1;
	if (strstr(p->s, " (CommuniGate Pro") != NULL &&
	    try(p, r, R_G36, "rib")) {
		p->dns = true;
		snprintf(r->helo, sizeof(r->helo), "%s", r->rdns);
		return 1;
	}
	if (try(p, r, R_G37, "ib") || try(p, r, R_G38, "hib"))
		return 1;
	if (rx(p, R_G39))
		return 0;
	if (try(p, r, R_G40, "hi-b") || try(p, r, R_G41, "ib"))
		return 1;
	if (try(p, r, R_G42, "hrib")) {
		p->dns = true;
		return 1;
	}
	if (try(p, r, R_G43, "ihb") || try(p, r, R_G44, "ihb") ||
	    try(p, r, R_G45, "hib") || try(p, r, R_G46, "rib") ||
	    try(p, r, R_G47, "ib") || try(p, r, R_G48, "hib") ||
	    try(p, r, R_G49, "ib"))
		return 1;
	if (try(p, r, R_G50, "isb")) {
		sub_fields(p, r);
		return 1;
	}
	if (try(p, r, R_G51, "rib"))
		return 1;
	if (try(p, r, R_G52, "rihb")) {
		if (strcmp(r->rdns, "UNKNOWN") != 0)
			p->dns = true;
		return 1;
	}
	if (try(p, r, R_G53, "h-ib"))
		return 1;
	if (try(p, r, R_G54, "i")) {
		r->by[0] = '\0';
		return 1;
	}
	for (int k = R_LOCAL_FIRST; k < R_LOCAL_END; k++)
		if (rx(p, (enum rx)k))
			return 0;
	if (r->helo[0] == '\0')
		(void)try(p, r, R_HELO_LAST, "h");
	return -1;
}

/*
 * Each thread keeps one parse state (match data of 16 pairs and a match
 * context with the parse's own limits), made at its first parse and freed
 * when it exits, as rules_eval.c keeps its matching scratch: no message
 * allocates regex match data.  A parse runs to its end before the next
 * starts on the same thread.
 */
static atomic_size_t rp_nlive;

/* vg_sa_received_live - parse states alive in the process (for tests) */
size_t
vg_sa_received_live(void)
{
	return atomic_load(&rp_nlive);
}

/* rp_free - free p (NULL is fine; also the thread key's destructor) */
static void
rp_free(void *arg)
{
	struct rp *p = arg;

	if (p == NULL)
		return;
	pcre2_match_data_free(p->md);
	pcre2_match_context_free(p->mc);
	vg_free(p);
	atomic_fetch_sub(&rp_nlive, 1);
}

/* rp_new - a parse state with its match data; NULL out of memory */
static struct rp *
rp_new(void)
{
	struct rp *p;

	if ((p = vg_malloc(sizeof(*p))) == NULL)
		return NULL;
	atomic_fetch_add(&rp_nlive, 1);
	p->md = pcre2_match_data_create(16, NULL);
	p->mc = pcre2_match_context_create(NULL);
	if (p->md == NULL || p->mc == NULL) {
		rp_free(p);
		return NULL;
	}
	pcre2_set_match_limit(p->mc, 200000);
	pcre2_set_depth_limit(p->mc, 2000);
	return p;
}

/*
 * rp_open - the thread's parse state, made at its first call; NULL out
 * of memory.  *owned says the caller frees it (rp_close): only when the
 * thread key could not be had, then each parse has its own.
 */
static struct rp *
rp_open(bool *owned)
{
	struct rp *p;

	*owned = false;
	pthread_once(&rx_once, rx_init);
	if (!rx_ok)
		return NULL;
	if (rp_key_rc == 0 && (p = pthread_getspecific(rp_key)) != NULL)
		return p;
	if ((p = rp_new()) == NULL)
		return NULL;
	if (rp_key_rc != 0 || pthread_setspecific(rp_key, p) != 0)
		*owned = true;
	return p;
}

/* rp_close - give p back: freed only when owned */
static void
rp_close(struct rp *p, bool owned)
{
	if (owned)
		rp_free(p);
}

/* line_parse - one header's value into r with p (vg_sa_received_line) */
static enum vg_sa_rcvd_kind
line_parse(struct rp *p, const char *v, size_t len, struct vg_sa_relay *r)
{
	enum vg_sa_rcvd_kind kind = VG_SA_RCVD_UNPARSEABLE;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	p->rc = 0;
	p->dns = false;
	p->sub[0] = '\0';
	squeeze(p, v, len);
	if (!(strncasecmp(p->s, "from ", 5) == 0 ||
	        strncasecmp(p->s, "(from ", 6) == 0) ||
	    rx(p, R_WITH_LOCAL_FOR)) {
		kind = VG_SA_RCVD_IGNORED;
		goto out;
	}
	if (rx(p, R_FROM_BY_SEMI)) {
		char one[VG_SA_RCVD_FIELD_MAX];
		size_t n;

		grp(p, 1, one, sizeof(one));
		n = strlen(one);
		if (!(n > 2 && one[0] == '[' && one[n - 1] == ']' &&
		        strspn(one + 1, "0123456789.") == n - 2)) {
			kind = VG_SA_RCVD_IGNORED;
			goto out;
		}
	}
	if (rx(p, R_DATE))
		cut(p, pcre2_get_ovector_pointer(p->md)[0]);
	{
		char *q = strstr(p->line, ")by ");

		if (q != NULL && p->len + 1 < sizeof(p->line)) {
			memmove(q + 2, q + 1, strlen(q + 1) + 1);
			q[1] = ' ';
			p->len++;
		}
	}
	(void)try(p, r, R_ID, "I");
	if (!try(p, r, R_HELO_EQ, "h"))
		(void)try(p, r, R_HELO_CMD, "h");
	(void)try(p, r, R_BY, "b");
	auth(p, r);
	if (strncmp(p->s, "from ", 5) == 0) {
		start_at(p, 5);
		rc = parse_from(p, r);
	} else if (strncmp(p->s, "FROM ", 5) == 0) {
		start_at(p, 5);
		if (try(p, r, R_UC_FROM, "hribI")) {
			p->dns = true;
			if (strcmp(r->rdns, "unverified") == 0)
				r->rdns[0] = '\0';
			rc = 1;
		}
	} else if (strncmp(p->s, "(from ", 6) == 0) {
		start_at(p, 6);
		if (try(p, r, R_PF_NAVGW, "hib"))
			rc = 1;
		else if (rx(p, R_PF_LOCALHOST) || rx(p, R_PF_JQUEUE))
			rc = 0;
	}
	if (rc == 0 || rc == 2) {
		kind = rc == 0 ? VG_SA_RCVD_IGNORED : VG_SA_RCVD_POP_FETCH;
		goto out;
	}
	if (rc < 0) {
		if (r->ip[0] == '\0')
			(void)try(p, r, R_BRACKET_IP, "i");
		if (r->ip[0] == '\0' || r->by[0] == '\0')
			goto out; /* unparseable */
	}
	finish(p, r);
	kind = VG_SA_RCVD_RELAY;
out:
	if (kind != VG_SA_RCVD_RELAY)
		memset(r, 0, sizeof(*r));
	return kind;
}

/* vg_sa_received_line - see sa_received.h */
enum vg_sa_rcvd_kind
vg_sa_received_line(const char *v, size_t len, struct vg_sa_relay *r)
{
	bool owned;
	struct rp *p = rp_open(&owned);
	enum vg_sa_rcvd_kind kind;

	if (p == NULL) {
		memset(r, 0, sizeof(*r));
		return VG_SA_RCVD_UNPARSEABLE;
	}
	kind = line_parse(p, v, len, r);
	rp_close(p, owned);
	return kind;
}

/* SpamAssassin's originating_ip_headers (10_default_prefs.cf). */
static const char *const sa_orig_default[] = {"X-Yahoo-Post-IP",
    "X-Originating-IP", "X-Apparently-From", "X-SenderIP", "X-AOL-IP",
    "X-MS-Exchange-CrossTenant-OriginalAttributedTenantConnectingIp"};

/* in_list - whether ip is in the networks of list (127/8, ::1 always) */
static bool
in_list(const char *list, const char *ip)
{
	if (vg_cidr_list_match(ip, "127.0.0.0/8 ::1/128"))
		return true;
	return list != NULL && vg_cidr_list_match(ip, list);
}

/* first_ip - the first IP address in v (the originating headers) */
static bool
first_ip(struct rp *p, const char *v, size_t len, char *out, size_t size)
{
	p->rc = 0;
	squeeze(p, v, len);
	if (!rx(p, R_ANY_IP))
		return false;
	grp(p, 1, out, size);
	return true;
}

/* relays_cap - how many relays msg can give (headers read), at least 1 */
static size_t
relays_cap(const struct vg_msg *msg, const char *const *orig, size_t norig)
{
	size_t n = 0;

	while (n < VG_SA_RCVD_MAX &&
	    vg_msg_header_find(msg, "Received", n) != NULL)
		n++;
	for (size_t o = 0; o < norig && n < VG_SA_RCVD_MAX; o++)
		if (vg_msg_header_find(msg, orig[o], 0) != NULL)
			n++;
	return n > 0 ? n : 1;
}

/* vg_sa_relays_new - see sa_received.h */
struct vg_sa_relays *
vg_sa_relays_new(const struct vg_msg *msg, const struct vg_sa_trust *t)
{
	const char *trusted = t != NULL ? t->trusted : NULL;
	const char *internal = t != NULL ? t->internal : NULL;
	const char *msa = t != NULL ? t->msa : NULL;
	const char *const *orig = sa_orig_default;
	size_t norig = VG_NELEM(sa_orig_default), nhdr = 0;
	bool user_trust = trusted != NULL, user_internal = internal != NULL;
	bool in_trusted = true, in_internal = true, found_msa = false;
	bool allow_fetch = true, owned;
	const struct vg_header *h;
	struct vg_sa_relays *out;
	struct rp *p;
	size_t cap;

	if (t != NULL && t->orig_hdrs != NULL) {
		orig = t->orig_hdrs;
		norig = t->norig_hdrs;
	}
	/* Sized to the message: most have a few Received headers. */
	cap = relays_cap(msg, orig, norig);
	out = vg_calloc(1, sizeof(*out) + cap * sizeof(out->relay[0]));
	if (out == NULL)
		return NULL;
	if ((p = rp_open(&owned)) == NULL) {
		vg_free(out);
		return NULL;
	}
	if (user_trust && !user_internal)
		internal = trusted;
	else if (!user_trust && user_internal)
		trusted = internal;
	/* The Received headers, then one line per originating header. */
	for (size_t k = 0, o = 0; nhdr < VG_SA_RCVD_MAX && out->n < cap;
	     nhdr++) {
		struct vg_sa_relay *r = &out->relay[out->n];
		enum vg_sa_rcvd_kind kind;

		if ((h = vg_msg_header_find(msg, "Received", k)) != NULL) {
			k++;
			kind = line_parse(p, h->value, h->value_len, r);
		} else {
			char ip[VG_SA_RCVD_FIELD_MAX], line[300];
			const struct vg_header *oh = NULL;

			while (o < norig &&
			    (oh = vg_msg_header_find(msg, orig[o], 0)) == NULL)
				o++;
			if (o >= norig)
				break;
			o++;
			if (!first_ip(
			        p, oh->value, oh->value_len, ip, sizeof(ip)))
				continue;
			snprintf(line, sizeof(line),
			    "from X-Originating-IP: %s", ip);
			kind = line_parse(p, line, strlen(line), r);
		}
		if (kind == VG_SA_RCVD_UNPARSEABLE)
			out->nunparseable++;
		if (kind == VG_SA_RCVD_POP_FETCH && allow_fetch) {
			/* found_pop_fetcher_sig: the hops so far were the
			 * fetcher's own */
			out->ntrusted = 0;
			out->ninternal = 0;
			out->nexternal = 0;
		}
		if (kind != VG_SA_RCVD_RELAY)
			continue;
		if (in_trusted && !found_msa) {
			if (!user_trust && !user_internal) {
				if (!r->ip_private && r->auth[0] == '\0') {
					in_trusted = false;
					in_internal = false;
				}
			} else if (r->auth[0] == '\0' &&
			    !in_list(trusted, r->ip)) {
				in_trusted = false;
				in_internal = false;
			} else {
				if (in_internal && r->auth[0] == '\0' &&
				    !in_list(internal, r->ip))
					in_internal = false;
				if (msa != NULL &&
				    vg_cidr_list_match(r->ip, msa)) {
					found_msa = true;
					r->msa = true;
				}
			}
		}
		r->internal = in_internal;
		r->trusted = in_trusted;
		if (in_trusted) {
			out->trusted[out->ntrusted++] = out->n;
			allow_fetch = true;
		} else {
			out->untrusted[out->nuntrusted++] = out->n;
			allow_fetch = false;
		}
		if (in_internal)
			out->internal[out->ninternal++] = out->n;
		else
			out->external[out->nexternal++] = out->n;
		out->n++;
	}
	rp_close(p, owned);
	return out;
}

/* vg_sa_relays_get - see sa_received.h */
const struct vg_sa_relays *
vg_sa_relays_get(struct vg_sa_relays **slot, const struct vg_rules *r,
    const struct vg_msg *msg)
{
	struct vg_sa_trust t;

	if (*slot != NULL || msg == NULL)
		return *slot;
	vg_sa_relays_trust(r, &t);
	*slot = vg_sa_relays_new(msg, &t);
	return *slot;
}

/* vg_sa_relay_string - see sa_received.h */
bool
vg_sa_relay_string(const struct vg_sa_relay *r, char *out, size_t size)
{
	int n = snprintf(out, size,
	    "[ ip=%s rdns=%s helo=%s by=%s ident=%s envfrom=%s intl=%d id=%s "
	    "auth=%s msa=%d ]",
	    r->ip, r->rdns, r->helo, r->by, r->ident,
	    r->have_envfrom ? r->envfrom : "", r->internal ? 1 : 0, r->id,
	    r->auth, r->msa ? 1 : 0);

	return n >= 0 && (size_t)n < size;
}

/* vg_sa_relays_header - see sa_received.h */
bool
vg_sa_relays_header(
    const struct vg_sa_relays *rl, int kind, char *out, size_t size)
{
	const size_t *idx[4] = {
	    rl->trusted, rl->untrusted, rl->internal, rl->external};
	const size_t cnt[4] = {
	    rl->ntrusted, rl->nuntrusted, rl->ninternal, rl->nexternal};
	size_t used = 0;

	if (size == 0 || kind < 0 || kind > 3)
		return false;
	out[0] = '\0';
	for (size_t i = 0; i < cnt[kind]; i++) {
		char one[VG_SA_RCVD_FIELD_MAX * 9];
		size_t n;

		if (!vg_sa_relay_string(
		        &rl->relay[idx[kind][i]], one, sizeof(one)))
			return false;
		n = strlen(one);
		if (used + n + 2 > size)
			return false;
		if (used > 0)
			out[used++] = ' ';
		memcpy(out + used, one, n + 1);
		used += n;
	}
	return true;
}
