-- SPDX-License-Identifier: GPL-2.0-only
-- The EICAR test string in a body is rejected with 550 5.7.1 naming the
-- signature; the connection stays usable for a clean message.
dofile(srcdir .. "/common.lua")

local conn = vg_connect()
vg_message(conn, "EICAR1", nil, EICAR .. "\r\n")
vg_reply(conn, "EICAR eom", SMFIR_REPLYCODE)
local text = "Message rejected: virus " .. EICAR_NAME .. " detected"
if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", text) then
	vg_fail("EICAR reply", "another reply", "550 5.7.1 " .. text)
end
if mt.eom_check(conn, MT_HDRINSERT) then
	vg_fail("headers added to a rejected message", true, false)
end
vg_message(conn, "CLEAN3")
vg_want_clean(conn, "clean after EICAR")
mt.disconnect(conn)
vg_wait_log("EICAR1: client=client.example[192.0.2.1]", 1, 5)
vg_wait_log("virus=" .. EICAR_NAME, 1, 5)
