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

-- With SMFIP_RCPT_REJ the MTA also shows recipients it refused, marked by
-- {rcpt_mailer} = error: they are counted apart, not as recipients.
conn = vg_connect()
vg_envelope(conn, "RCPTREJ", {})
mt.macro(conn, SMFIC_RCPT, "{rcpt_mailer}", "error")
vg_ok("rcptto refused", mt.rcptto(conn, "<nobody@example.org>"))
vg_reply(conn, "rcptto refused", SMFIR_CONTINUE)
mt.macro(conn, SMFIC_RCPT, "{rcpt_mailer}", "local")
vg_ok("rcptto", mt.rcptto(conn, "<somebody@example.org>"))
vg_reply(conn, "rcptto", SMFIR_CONTINUE)
vg_headers(conn, { { "Subject", "one refused recipient" } })
vg_ok("body", mt.bodystring(conn, "Hello.\r\n"))
vg_ok("eom", mt.eom(conn))
vg_want_clean(conn, "one refused recipient")
mt.disconnect(conn)
vg_wait_log("RCPTREJ: client=client.example[192.0.2.1] " ..
    "from=<sender@example.com> nrcpt=1 rejected_rcpt=1 ", 1, 5)
