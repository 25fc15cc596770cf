-- SPDX-License-Identifier: GPL-2.0-only
-- Headers of our names that arrive in the message are forgeries: they are
-- deleted and ours are added.
dofile(srcdir .. "/common.lua")

local conn = vg_connect()
vg_message(conn, "FORGED1", {
	{ "From", "sender@example.com" },
	{ "X-Virus-Status", "Clean" },
	{ "Subject", "forged" },
	{ "X-Virus-Status", "Clean" },
	{ "X-Virus-Scanned", "by a forger" },
	{ "X-Spam-Flag", "NO" },
}, EICAR .. "\r\n")
-- Infected: rejected, forged Clean status or not.
vg_reply(conn, "forged Clean on EICAR", SMFIR_REPLYCODE)

vg_message(conn, "FORGED2", {
	{ "From", "sender@example.com" },
	{ "X-Virus-Status", "Infected (made up)" },
	{ "X-Virus-Status", "Clean" },
	{ "X-Spam-Flag", "YES" },
	{ "Subject", "forged" },
})
vg_want_clean(conn, "forged headers")
for _, h in ipairs({ "X-Virus-Status", "X-Spam-Flag" }) do
	if not mt.eom_check(conn, MT_HDRDELETE, h) then
		vg_fail(h .. " deleted", false, true)
	end
end
-- Only our one X-Virus-Status was added.
if mt.getheader(conn, "X-Virus-Status", 1) ~= nil then
	vg_fail("second added X-Virus-Status", "present", "nil")
end
mt.disconnect(conn)
