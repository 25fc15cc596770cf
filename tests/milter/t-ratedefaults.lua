-- SPDX-License-Identifier: GPL-2.0-only
-- Run with the default rate limits.  A busy outside client (one address,
-- 200 connections with one message each, well within a minute, as the
-- outbound server of a large provider sends) is never tempfailed; a SASL
-- login, our own user, is still held at ratelimit_auth_messages (500 an
-- hour): its 501st MAIL FROM gets 451 4.7.1 and a log line.
dofile(srcdir .. "/common.lua")

for i = 1, 200 do
	local conn = vg_connect("198.51.100.50")
	vg_message(conn, "BUSY" .. i)
	vg_want_clean(conn, "outside message " .. i)
	mt.disconnect(conn)
end
if vg_log_count("rate limit:") ~= 0 then
	vg_fail("rate limit lines after 200 outside messages",
	    vg_log_count("rate limit:"), 0)
end

-- The login is counted at MAIL FROM; the messages need not be sent.
local conn = vg_connect("198.51.100.51")
for i = 1, 500 do
	mt.macro(conn, SMFIC_MAIL, "i", "AUTH" .. i, "{auth_authen}", "erin")
	vg_ok("mailfrom", mt.mailfrom(conn, "<erin@example.com>"))
	vg_reply(conn, "login MAIL FROM " .. i, SMFIR_CONTINUE)
	vg_ok("abort", mt.abort(conn))
end
mt.macro(conn, SMFIC_MAIL, "i", "AUTH501", "{auth_authen}", "erin")
vg_ok("mailfrom", mt.mailfrom(conn, "<erin@example.com>"))
vg_reply(conn, "login MAIL FROM 501", SMFIR_REPLYCODE)
mt.disconnect(conn)
vg_wait_log("rate limit: sasl_username=erin: 500 messages in the last " ..
    "hour (limit 500); tempfailed", 1, 5)
