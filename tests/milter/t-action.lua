-- SPDX-License-Identifier: GPL-2.0-only
-- What an infected message gets for each virus_action (run once per
-- action; the action is read back from the test's vigil.conf):
-- quarantine -> accepted into the hold queue (smfi_quarantine) with
-- X-Virus-Status: Infected (...); discard -> SMFIS_DISCARD; tag and
-- accept -> accepted with X-Virus-Status: Infected (...).  Clean mail
-- is unaffected.
dofile(srcdir .. "/common.lua")

local action = string.match(vg_readfile(conf),
    "\nvirus_action = (%a+)\n")
local conn = vg_connect()
vg_message(conn, "ACT1", nil, EICAR .. "\r\n")
local infected = "Infected (" .. EICAR_NAME .. ")"
if action == "discard" then
	vg_reply(conn, "EICAR with discard", SMFIR_DISCARD)
else
	vg_reply(conn, "EICAR with " .. tostring(action), SMFIR_CONTINUE)
	local status = vg_header(conn, "X-Virus-Status")
	if status ~= infected then
		vg_fail(action .. " X-Virus-Status", status, infected)
	end
end
local q = mt.eom_check(conn, MT_QUARANTINE)
if q ~= (action == "quarantine") then
	vg_fail(tostring(action) .. " quarantine requested", q,
	    action == "quarantine")
end
vg_message(conn, "ACT2")
vg_want_clean(conn, "clean message with virus_action " .. tostring(action))
mt.disconnect(conn)
vg_wait_log("ACT1: ", 1, 5)
vg_wait_log("action=" .. action, 1, 5)
