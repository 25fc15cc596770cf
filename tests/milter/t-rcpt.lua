-- SPDX-License-Identifier: GPL-2.0-only
-- 500 recipients (max_recipients is 1000 by default) are all counted and
-- the message is scanned normally.
dofile(srcdir .. "/common.lua")

local rcpts = {}
for i = 1, 500 do
	rcpts[i] = string.format("<user%d@example.org>", i)
end
local conn = vg_connect()
vg_envelope(conn, "RCPT500", rcpts)
vg_headers(conn, { { "Subject", "many recipients" } })
vg_ok("body", mt.bodystring(conn, "Hello all.\r\n"))
vg_ok("eom", mt.eom(conn))
vg_want_clean(conn, "500 recipients")
mt.disconnect(conn)
vg_wait_log("RCPT500: client=client.example[192.0.2.1] " ..
    "from=<sender@example.com> nrcpt=500 ", 1, 5)
