-- SPDX-License-Identifier: GPL-2.0-only
-- Run with memory_limit=4K and a tmp_dir, also clamav_tmp_dir, that run.sh
-- removes after start:
-- a message that outgrows memory cannot be spilled (VG_EIO) and ends in
-- on_error, read back from the test's vigil.conf: tempfail gives
-- 451 4.3.0 at once, accept lets the message through unscanned.  A small
-- message on the same connection needs no spill file, but ClamAV would
-- write its MIME parts into the missing clamav_tmp_dir and, failing, call the
-- message clean (a zipped EICAR passed so): it ends in on_error too,
-- never Clean.
dofile(srcdir .. "/common.lua")

local on_error = string.match(vg_readfile(conf), "\non_error = (%a+)\n")
    or "tempfail"
local conn = vg_connect()
vg_envelope(conn, "SPILL1")
vg_headers(conn, { { "Subject", "too big for memory" } })
vg_ok("body", mt.bodystring(conn, string.rep("y", 8000) .. "\r\n"))
if on_error == "accept" then
	vg_reply(conn, "spill failure, on_error accept", SMFIR_ACCEPT)
else
	vg_reply(conn, "spill failure, on_error tempfail", SMFIR_REPLYCODE)
end
vg_wait_log("SPILL1: ", 1, 5)
vg_wait_log("action=" .. on_error, 1, 5)

vg_message(conn, "SPILL2")
if on_error == "accept" then
	vg_reply(conn, "small message, tmp_dir gone, on_error accept eom",
	    SMFIR_CONTINUE)
	local status = vg_header(conn, "X-Virus-Status")
	if status == nil or string.find(status, "^Unscanned") == nil then
		vg_fail("small message, tmp_dir gone: X-Virus-Status", status,
		    "Unscanned (...)")
	end
else
	vg_reply(conn, "small message, tmp_dir gone, on_error tempfail",
	    SMFIR_REPLYCODE)
	vg_wait_log("not scanned: clamav_tmp_dir ", 1, 5)
end
mt.disconnect(conn)
