-- SPDX-License-Identifier: GPL-2.0-only
-- Run with ratelimit_external_connections=3, ratelimit_external_messages=2
-- and harvest_threshold=2: the abuse hooks refuse the fourth connection
-- and the third message of an outside client, and a client that tried
-- two unknown recipients (refused by the MTA, seen via SMFIP_RCPT_REJ)
-- is refused further recipients; each refusal is 451 4.7.1 with a log
-- line.  Each part uses its own client address.
dofile(srcdir .. "/common.lua")

-- Connections per minute.
for i = 1, 3 do
	local c = vg_connect("198.51.100.10")
	mt.disconnect(c)
end
local conn = mt.connect(socket, 50, 0.1)
vg_ok("conninfo", mt.conninfo(conn, "client.example", "198.51.100.10"))
vg_reply(conn, "fourth connection", SMFIR_REPLYCODE)
mt.disconnect(conn)
vg_wait_log("CONNECT: ", 1, 5)

-- Messages per minute.
conn = vg_connect("198.51.100.20")
vg_message(conn, "RATE1")
vg_want_clean(conn, "first message")
vg_message(conn, "RATE2")
vg_want_clean(conn, "second message")
mt.macro(conn, SMFIC_MAIL, "i", "RATE3")
vg_ok("mailfrom", mt.mailfrom(conn, "<sender@example.com>"))
vg_reply(conn, "third MAIL FROM", SMFIR_REPLYCODE)
mt.disconnect(conn)
vg_wait_log("MAIL FROM: ", 1, 5)

-- Directory harvest: unknown recipients the MTA refused.
conn = vg_connect("198.51.100.30")
vg_envelope(conn, "HARVEST1", {})
for i = 1, 2 do
	mt.macro(conn, SMFIC_RCPT, "{rcpt_mailer}", "error")
	vg_ok("rcptto unknown", mt.rcptto(conn,
	    string.format("<guess%d@example.org>", i)))
	vg_reply(conn, "unknown recipient " .. i, SMFIR_CONTINUE)
end
mt.macro(conn, SMFIC_RCPT, "{rcpt_mailer}", "local")
vg_ok("rcptto", mt.rcptto(conn, "<real@example.org>"))
vg_reply(conn, "recipient after a harvest", SMFIR_REPLYCODE)
mt.disconnect(conn)
vg_wait_log("harvest: client=198.51.100.30", 2, 5)
