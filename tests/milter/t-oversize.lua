-- SPDX-License-Identifier: GPL-2.0-only
-- Run with max_message_size=1K: a larger message is not scanned; the
-- milter asks the MTA to skip the rest of the body (SMFIS_SKIP) and the
-- message gets X-Virus-Status: Unscanned (too large) (oversize_action
-- accept, the default).  A small message on the same connection is
-- scanned.  Even EICAR past the limit is not seen: that is the documented
-- cost of the limit.
dofile(srcdir .. "/common.lua")

local conn = vg_connect()
vg_envelope(conn, "BIG1")
vg_headers(conn, { { "Subject", "big" } })
local line = string.rep("x", 98) .. "\r\n"
vg_ok("body", mt.bodystring(conn, string.rep(line, 5)))
vg_reply(conn, "body below the limit", SMFIR_CONTINUE)
vg_ok("body", mt.bodystring(conn, string.rep(line, 10)))
vg_reply(conn, "body past the limit", SMFIR_SKIP)
vg_ok("eom", mt.eom(conn))
vg_reply(conn, "oversized eom", SMFIR_CONTINUE)
local status = vg_header(conn, "X-Virus-Status")
if status ~= "Unscanned (too large)" then
	vg_fail("oversized X-Virus-Status", status, "Unscanned (too large)")
end

vg_message(conn, "SMALL1")
vg_want_clean(conn, "small message after a big one")
mt.disconnect(conn)
vg_wait_log("BIG1: ", 1, 5)
