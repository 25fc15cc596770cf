-- SPDX-License-Identifier: GPL-2.0-only
-- Viruses hidden past ClamAV's limits (tests/tools/make-evasion.py: EICAR
-- behind 100 MiB of zipped padding, EICAR 20 zips deep, EICAR in an
-- encrypted zip) through the daemon, once per unscanned_action (read
-- back from the test's vigil.conf; none means the default, reject):
-- reject -> 550 5.7.1 saying why; quarantine -> accepted into the hold
-- queue; tag and accept -> accepted; in every case X-Virus-Status says
-- Unscanned (<reason>), never Clean, and so does the log line.  A clean
-- message on the same connection is still Clean.
dofile(srcdir .. "/common.lua")

local action = string.match(vg_readfile(conf),
    "\nunscanned_action = (%a+)\n") or "reject"
local ev = tmp .. "/ev"
if not os.execute("/usr/bin/python3 " .. srcdir ..
    "/../tools/make-evasion.py " .. ev) then
	error("make-evasion.py failed")
end

-- send_file - the message in path, headers then body in 64 KB pieces
local function send_file(conn, qid, path)
	local raw = vg_readfile(path)
	local sep = string.find(raw, "\r\n\r\n", 1, true)
	local head, body = string.sub(raw, 1, sep + 1), string.sub(raw, sep + 4)
	local headers = {}
	for line in string.gmatch(head, "(.-)\r\n") do
		local name, value = string.match(line, "^([^:]+):%s*(.*)$")
		table.insert(headers, { name, value })
	end
	vg_envelope(conn, qid)
	vg_headers(conn, headers)
	for i = 1, #body, 65536 do
		vg_ok("body", mt.bodystring(conn, string.sub(body, i, i + 65535)))
		vg_reply(conn, "body", SMFIR_CONTINUE)
	end
	vg_ok("eom", mt.eom(conn))
end

local cases = {
	{ "padded.eml", "exceeds clamav_max_filesize" },
	{ "nested20.eml", "exceeds clamav_max_recursion" },
	{ "encrypted.eml", "encrypted Zip" },
}
-- ClamAV unpacks 100 MiB of the padded member (about 1 s of CPU): on a
-- loaded machine that is longer than miltertest's 10 s read time-out.
mt.set_timeout(300)
local conn = vg_connect()
for i, c in ipairs(cases) do
	local qid = "UNSC" .. i
	local status = "Unscanned (" .. c[2] .. ")"
	send_file(conn, qid, ev .. "/" .. c[1])
	if action == "reject" then
		vg_reply(conn, c[1] .. " eom", SMFIR_REPLYCODE)
		local text = "Message rejected: could not be scanned for " ..
		    "viruses (" .. c[2] .. ")"
		if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", text) then
			vg_fail(c[1] .. " reply", "another reply",
			    "550 5.7.1 " .. text)
		end
	else
		vg_reply(conn, c[1] .. " eom", SMFIR_CONTINUE)
		local got = vg_header(conn, "X-Virus-Status")
		if got ~= status then
			vg_fail(c[1] .. " X-Virus-Status", got, status)
		end
		local q = mt.eom_check(conn, MT_QUARANTINE)
		if q ~= (action == "quarantine") then
			vg_fail(c[1] .. " quarantine requested", q,
			    action == "quarantine")
		end
	end
	vg_wait_log(qid .. ": client=", 1, 60)
	vg_wait_log("virus=unscanned virus_status=\"" .. status .. "\"", 1, 60)
end
vg_message(conn, "UNSCOK")
vg_want_clean(conn, "clean message after unscanned ones")
mt.disconnect(conn)
if vg_log_count("Clean") ~= 0 then
	vg_fail("\"Clean\" in the log", vg_log_count("Clean"), 0)
end
