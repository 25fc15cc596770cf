-- SPDX-License-Identifier: GPL-2.0-only
-- Run with lists.rules: recipients of a blocked sender or client are
-- refused one by one at RCPT TO (550 5.7.1), except the allowed
-- postmaster@ and abuse@, and the message to those is delivered; other
-- senders are not affected.
dofile(srcdir .. "/common.lua")

local function try(conn, rcpt, want, what)
	vg_ok("rcptto " .. rcpt, mt.rcptto(conn, rcpt))
	vg_reply(conn, what, want)
end

-- A blocked sender domain.
local conn = vg_connect()
mt.macro(conn, SMFIC_MAIL, "i", "LISTS1")
vg_ok("mailfrom", mt.mailfrom(conn, "<spammer@blocked.example>"))
vg_reply(conn, "mailfrom", SMFIR_CONTINUE)
try(conn, "<user@example.org>", SMFIR_REPLYCODE, "blocked sender, user")
try(conn, "<postmaster@example.org>", SMFIR_CONTINUE,
    "blocked sender, postmaster")
vg_headers(conn, { { "Subject", "to postmaster" } })
vg_ok("body", mt.bodystring(conn, "Hello.\r\n"))
vg_ok("eom", mt.eom(conn))
vg_want_clean(conn, "blocked sender to postmaster only")
mt.disconnect(conn)
vg_wait_log("LISTS1: RCPT TO <user@example.org> refused: sender address", 1,
    5)

-- A blocked client.
conn = vg_connect("198.51.100.66")
mt.macro(conn, SMFIC_MAIL, "i", "LISTS2")
vg_ok("mailfrom", mt.mailfrom(conn, "<someone@example.com>"))
try(conn, "<user@example.org>", SMFIR_REPLYCODE, "blocked client, user")
try(conn, "<abuse@example.org>", SMFIR_CONTINUE, "blocked client, abuse")
mt.disconnect(conn)
vg_wait_log("LISTS2: RCPT TO <user@example.org> refused: client address", 1,
    5)

-- Anyone else.
conn = vg_connect()
vg_message(conn, "LISTS3")
vg_want_clean(conn, "a sender on no list")
mt.disconnect(conn)
