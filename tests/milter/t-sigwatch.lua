-- SPDX-License-Identifier: GPL-2.0-only
-- Run with signature_check_interval=1s: a new database file in
-- clamav_database (as freshclam writes one) triggers a reload without a
-- signal, and the new signature is used.
dofile(srcdir .. "/common.lua")

local marker = "VIGIL-SIGWATCH-TEST-" .. "SIGNATURE-9876543210"
local conn = vg_connect()
vg_message(conn, "WATCH1", nil, "x " .. marker .. " y\r\n")
vg_want_clean(conn, "before the new database")

mt.sleep(1.1) -- a new mtime second, see sigwatch.h LIMITS
vg_write(tmp .. "/db/watch.ndb",
    "Vigil.Test.Watch:0:*:" .. vg_hex(marker) .. "\n")
vg_wait_log("reload: done (signature database changed)", 1, 30)
vg_message(conn, "WATCH2", nil, "x " .. marker .. " y\r\n")
vg_reply(conn, "eom with the new signature", SMFIR_REPLYCODE)
local text = "Message rejected: virus Vigil.Test.Watch.UNOFFICIAL detected"
if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", text) then
	vg_fail("reply after the watch reload", "another reply",
	    "550 5.7.1 " .. text)
end
mt.disconnect(conn)
