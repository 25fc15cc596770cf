-- SPDX-License-Identifier: GPL-2.0-only
-- A clean message is accepted with X-Virus-Status: Clean and
-- X-Virus-Scanned; an IPv6 client works the same.
dofile(srcdir .. "/common.lua")

local conn = vg_connect()
vg_message(conn, "CLEAN1")
vg_want_clean(conn, "clean message")
if not mt.eom_check(conn, MT_HDRINSERT, "X-Virus-Status") then
	vg_fail("X-Virus-Status inserted", false, true)
end
if mt.eom_check(conn, MT_SMTPREPLY, "550") then
	vg_fail("reply set", true, false)
end
mt.disconnect(conn)

conn = vg_connect("2001:db8::25")
vg_message(conn, "CLEAN2")
vg_want_clean(conn, "IPv6 client")
mt.disconnect(conn)
vg_wait_log("CLEAN2: client=client.example[2001:db8::25] " ..
    "from=<sender@example.com> nrcpt=1", 1, 5)
