-- SPDX-License-Identifier: GPL-2.0-only
-- SIGTERM stops the daemon in order: a message in flight finishes and is
-- scanned, then the daemon logs "stopped" and exits 0 (run.sh checks the
-- exit status).
dofile(srcdir .. "/common.lua")

local conn = vg_connect()
vg_envelope(conn, "STOP1")
vg_headers(conn, { { "Subject", "in flight at SIGTERM" } })
vg_ok("body", mt.bodystring(conn, "first part\r\n"))
vg_reply(conn, "body", SMFIR_CONTINUE)
vg_signal("TERM")
vg_wait_log("SIGTERM: stopping", 1, 5)
vg_ok("body", mt.bodystring(conn, "second part\r\n"))
vg_reply(conn, "body after SIGTERM", SMFIR_CONTINUE)
vg_ok("eom", mt.eom(conn))
vg_want_clean(conn, "message in flight at SIGTERM")
mt.disconnect(conn)
vg_wait_log("stopped", 1, 10)
if vg_log_count("STOP1: client=") ~= 1 then
	vg_fail("summary lines for STOP1", vg_log_count("STOP1: client="), 1)
end
