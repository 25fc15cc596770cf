-- SPDX-License-Identifier: GPL-2.0-only
-- An abort in mid-body frees the message and keeps the connection: a
-- second message on it is scanned normally.  An abort right after MAIL
-- FROM and one before MAIL FROM are harmless too.
dofile(srcdir .. "/common.lua")

local conn = vg_connect()
vg_envelope(conn, "ABORT1")
vg_headers(conn, { { "Subject", "to be aborted" } })
vg_ok("body", mt.bodystring(conn, "first half\r\n"))
vg_reply(conn, "body", SMFIR_CONTINUE)
vg_ok("abort", mt.abort(conn))

vg_message(conn, "AFTER1")
vg_want_clean(conn, "message after abort")

vg_envelope(conn, "ABORT2")
vg_ok("abort after MAIL", mt.abort(conn))
vg_message(conn, "AFTER2", nil, EICAR .. "\r\n")
vg_reply(conn, "EICAR after abort", SMFIR_REPLYCODE)
mt.disconnect(conn)
-- The aborted messages leave no summary line.
if vg_log_count("ABORT1:") ~= 0 then
	vg_fail("log lines for ABORT1", vg_log_count("ABORT1:"), 0)
end
vg_wait_log("AFTER2:", 1, 5)
