-- SPDX-License-Identifier: GPL-2.0-only
-- Connections that close before CONNECT, before any message, in the
-- middle of the headers and in the middle of the body are all freed
-- without harm; the milter keeps serving.
dofile(srcdir .. "/common.lua")

-- Before CONNECT: negotiate only, then go.
local conn = mt.connect(socket, 50, 0.1)
if conn == nil then error("mt.connect failed") end
mt.disconnect(conn)

-- Abruptly, before anything at all.
conn = mt.connect(socket, 50, 0.1)
mt.disconnect(conn, false)

-- After CONNECT and HELO, before any message.
conn = vg_connect()
mt.disconnect(conn)

-- In the headers, politely and abruptly.
conn = vg_connect()
vg_envelope(conn, "CLOSE1")
vg_ok("header", mt.header(conn, "Subject", "half"))
mt.disconnect(conn)
conn = vg_connect()
vg_envelope(conn, "CLOSE2")
vg_ok("header", mt.header(conn, "Subject", "half"))
mt.disconnect(conn, false)

-- In the body.
conn = vg_connect()
vg_envelope(conn, "CLOSE3")
vg_headers(conn, { { "Subject", "body" } })
vg_ok("body", mt.bodystring(conn, "part\r\n"))
mt.disconnect(conn, false)

conn = vg_connect()
vg_message(conn, "CLOSE4")
vg_want_clean(conn, "message after the closes")
mt.disconnect(conn)
