-- SPDX-License-Identifier: GPL-2.0-only
-- Run against the test DNS server (tests/dns) with dns.rules: the client's
-- blacklist lookups start at CONNECT and the SPF lookup at MAIL FROM,
-- before the message arrives (seen in the server's query log), and the
-- message's checks use the daemon's resolver: a listed client scores
-- TEST_BL and SPF passes (SPF_PASS) for a domain that allows it.
dofile(srcdir .. "/common.lua")

if dnslog == nil or dnslog == "" then
	error("VG_DNS_LOG is not set")
end

-- An address and a domain no other test asks about.
local conn = vg_connect("198.51.100.77")
vg_wait_log("query[A] 77.100.51.198.bl.test", 1, 5, dnslog)
mt.macro(conn, SMFIC_MAIL, "i", "DNS1")
vg_ok("mailfrom", mt.mailfrom(conn, "<a@milter-prefetch.spf.test>"))
vg_reply(conn, "mailfrom", SMFIR_CONTINUE)
vg_wait_log("query[TXT] milter-prefetch.spf.test", 1, 5, dnslog)
vg_ok("abort", mt.abort(conn))
mt.disconnect(conn)

-- 192.0.2.1 is listed in bl.test and allowed by pass.spf.test.
conn = vg_connect("192.0.2.1")
mt.macro(conn, SMFIC_MAIL, "i", "DNS2")
vg_ok("mailfrom", mt.mailfrom(conn, "<sender@pass.spf.test>"))
vg_ok("rcptto", mt.rcptto(conn, "<rcpt@example.org>"))
vg_headers(conn, { { "From", "sender@pass.spf.test" },
    { "Subject", "dns" } })
vg_ok("body", mt.bodystring(conn, "Hello.\r\n"))
vg_ok("eom", mt.eom(conn))
vg_want_clean(conn, "listed client")
local status = vg_header(conn, "X-Spam-Status") or ""
-- SpamAssassin's layout lists the names, not the scores.
for _, want in ipairs({ "SPF_PASS", "TEST_BL" }) do
	if string.find(status, want, 1, true) == nil then
		vg_fail("X-Spam-Status", status, "... " .. want .. " ...")
	end
end
mt.disconnect(conn)
