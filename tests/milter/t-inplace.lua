-- SPDX-License-Identifier: GPL-2.0-only
-- Run with reload_in_place=yes: the old engine is dropped before the new
-- one is built.  A good reload serves mail again.  A configuration error
-- is found before anything is dropped, so the old engine stays.  A build
-- that fails (a broken signature database; tried twice) leaves no engine,
-- and MAIL FROM gets 451 4.3.2 until a reload succeeds.
dofile(srcdir .. "/common.lua")

local conf_text = vg_readfile(conf)

local conn = vg_connect()
vg_signal("HUP")
vg_wait_log("reload: done (SIGHUP)", 1, 30)
vg_message(conn, "INPLACE1")
vg_want_clean(conn, "after an in-place reload")

vg_write(conf, conf_text .. "no_such_key = 1\n")
vg_signal("HUP")
vg_wait_log("keeping the old engine", 1, 30)
vg_message(conn, "INPLACE2")
vg_want_clean(conn, "after a configuration error")
vg_write(conf, conf_text)

vg_write(tmp .. "/db/broken.ndb", "this is not a signature\n")
vg_signal("HUP")
vg_wait_log("no engine; all mail is tempfailed", 1, 30)
mt.macro(conn, SMFIC_MAIL, "i", "INPLACE2B")
vg_ok("mailfrom", mt.mailfrom(conn, "<sender@example.com>"))
vg_reply(conn, "MAIL FROM without an engine", SMFIR_REPLYCODE)
vg_ok("abort", mt.abort(conn))

os.remove(tmp .. "/db/broken.ndb")
vg_signal("HUP")
vg_wait_log("reload: done (SIGHUP)", 2, 30)
vg_message(conn, "INPLACE3")
vg_want_clean(conn, "after the engine is back")
mt.disconnect(conn)
