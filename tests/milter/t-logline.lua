-- SPDX-License-Identifier: GPL-2.0-only
-- The per-message log line: logfmt, every field once, priority by
-- outcome.  A ham (info), an EICAR (warning), a tagged spam (info), a
-- refused spam for three recipients from a hostile sender (quotes,
-- blanks, '=', a line break: notice) and an outbound spam, a probable
-- compromise (warning, direction=outbound, no second client=) go through
-- the milter; logfmt.py parses each line with a strict logfmt parser and
-- checks the fields, their values and the priority.  Run a second time
-- with JOURNAL_STREAM set (milter_logline_journal): each line then starts
-- with its syslog priority, <6>, <5> or <4>.
dofile(srcdir .. "/common.lua")

-- msg - one message from sender to rcpts with body; returns nothing
local function msg(conn, qid, sender, rcpts, body)
	mt.macro(conn, SMFIC_MAIL, "i", qid)
	vg_ok("mailfrom", mt.mailfrom(conn, sender))
	vg_reply(conn, "mailfrom", SMFIR_CONTINUE)
	for _, r in ipairs(rcpts) do
		vg_ok("rcptto", mt.rcptto(conn, r))
		vg_reply(conn, "rcptto " .. r, SMFIR_CONTINUE)
	end
	vg_headers(conn, { { "From", "x@example.com" },
	    { "Subject", "log " .. qid } })
	vg_ok("body", mt.bodystring(conn, body))
	vg_reply(conn, "body", SMFIR_CONTINUE)
	vg_ok("eom", mt.eom(conn))
end

local conn = vg_connect()
msg(conn, "LOG1", "<sender@example.com>", { "<rcpt@example.org>" },
    "Hello.\r\n")
vg_want_clean(conn, "ham")
msg(conn, "LOG2", "<sender@example.com>", { "<rcpt@example.org>" },
    EICAR .. "\r\n")
vg_reply(conn, "EICAR eom", SMFIR_REPLYCODE)
msg(conn, "LOG3", "<sender@example.com>", { "<rcpt@example.org>" },
    "cheap pills today\r\n")
vg_reply(conn, "spam eom", SMFIR_CONTINUE)
msg(conn, "LOG4", '<"a \\"b\\" c=d\nX-Evil: 1"@example.com>',
    { "<one@example.org>", "<two@example.org>", "<three@example.net>" },
    "refuse this message\r\n")
vg_reply(conn, "refused spam eom", SMFIR_REPLYCODE)
mt.disconnect(conn)

conn = vg_connect("127.0.0.1")
msg(conn, "LOG5", "<user@example.com>", { "<far@example.net>" },
    "cheap pills today\r\n")
mt.disconnect(conn)

for _, qid in ipairs({ "LOG1", "LOG2", "LOG3", "LOG4", "LOG5" }) do
	vg_wait_log(qid .. ": client=", 1, 20)
end
local cmd = "/usr/bin/python3 " .. srcdir .. "/logfmt.py " .. tmp ..
    "/milter.log"
if os.getenv("JOURNAL_STREAM") ~= nil then
	cmd = cmd .. " --journal"
end
-- Lua 5.1 returns the status, 0 when it went well; later ones true.
local r = os.execute(cmd)
if r ~= true and r ~= 0 then
	vg_fail("logfmt.py " .. tmp .. "/milter.log", "failed", "ok")
end
