-- SPDX-License-Identifier: GPL-2.0-only
-- SIGHUP rebuilds the engine off the mail path: a message in flight
-- finishes on the engine it began with, a new signature is picked up, a
-- broken configuration keeps the old engine (every error logged), and a
-- burst of SIGHUPs neither stops the daemon nor breaks it.
dofile(srcdir .. "/common.lua")

local conf_text = vg_readfile(conf)
local marker = "VIGIL-RELOAD-TEST-" .. "SIGNATURE-0123456789"

local conn = vg_connect()
vg_message(conn, "RELOAD1")
vg_want_clean(conn, "before any reload")

-- In flight across a reload, with a new signature arriving meanwhile.
vg_envelope(conn, "RELOAD2")
vg_write(tmp .. "/db/reload.ndb",
    "Vigil.Test.Reload:0:*:" .. vg_hex(marker) .. "\n")
vg_signal("HUP")
vg_wait_log("reload: done (SIGHUP)", 1, 30)
vg_headers(conn, { { "Subject", "in flight across a reload" } })
vg_ok("body", mt.bodystring(conn, "Hello.\r\n"))
vg_ok("eom", mt.eom(conn))
vg_want_clean(conn, "message in flight across a reload")

-- The new engine knows the new signature.
vg_message(conn, "RELOAD3", nil, "x " .. marker .. " y\r\n")
vg_reply(conn, "new signature eom", SMFIR_REPLYCODE)
local text = "Message rejected: virus Vigil.Test.Reload.UNOFFICIAL detected"
if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", text) then
	vg_fail("reply after reload", "another reply", "550 5.7.1 " .. text)
end

-- A broken configuration: the old engine stays, the error is logged.
vg_write(conf, conf_text .. "no_such_key = 1\nmax_message_size = huge\n")
vg_signal("HUP")
vg_wait_log("keeping the old engine", 1, 30)
vg_wait_log("no_such_key", 1, 5)
vg_wait_log("max_message_size", 1, 5)
vg_message(conn, "RELOAD4", nil, "x " .. marker .. " y\r\n")
vg_reply(conn, "old engine after a failed reload", SMFIR_REPLYCODE)
vg_message(conn, "RELOAD5")
vg_want_clean(conn, "clean after a failed reload")

-- A burst of SIGHUPs: they coalesce; the daemon keeps serving.
vg_write(conf, conf_text)
local before = vg_log_count("reload: done (SIGHUP)")
for _ = 1, 50 do
	vg_signal("HUP")
end
vg_wait_log("reload: done (SIGHUP)", before + 1, 30)
mt.sleep(0.5)
vg_message(conn, "RELOAD6")
vg_want_clean(conn, "after a burst of SIGHUPs")
mt.disconnect(conn)
