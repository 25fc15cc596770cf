-- SPDX-License-Identifier: GPL-2.0-only
-- common.lua - helpers for the vigil-milter miltertest scripts.
--
-- run.sh defines the globals socket, pid, tmp (the test's temporary
-- directory, holding vigil.conf, milter.log and the signature database
-- db/) and srcdir.  Failures read "what: got X, want Y".

-- The EICAR test string, in two halves so this file is not itself a hit.
EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR' ..
    '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
EICAR_NAME = "Eicar-Test-Signature.UNOFFICIAL"

-- vg_fail - stop the test with a "got X, want Y" message
function vg_fail(what, got, want)
	error(string.format("%s: got %s, want %s", what, tostring(got),
	    tostring(want)), 2)
end

-- vg_ok - a miltertest call returns nil on success, else an error string
function vg_ok(what, ret)
	if ret ~= nil then
		vg_fail(what, ret, "nil")
	end
end

-- vg_reply - the last reply on conn must be want (an SMFIR_* value)
function vg_reply(conn, what, want)
	local got = mt.getreply(conn)
	if got ~= want then
		vg_fail(what .. " reply", string.char(got),
		    string.char(want))
	end
end

-- vg_connect - connect (retrying while the milter starts) and CONNECT
function vg_connect(ip)
	local conn = mt.connect(socket, 50, 0.1)
	if conn == nil then
		error("mt.connect(" .. socket .. ") failed")
	end
	if not mt.test_option(conn, SMFIP_NOCONNECT) then
		vg_ok("conninfo", mt.conninfo(conn, "client.example",
		    ip or "192.0.2.1"))
		vg_reply(conn, "conninfo", SMFIR_CONTINUE)
	end
	if not mt.test_option(conn, SMFIP_NOHELO) then
		vg_ok("helo", mt.helo(conn, "client.example"))
		vg_reply(conn, "helo", SMFIR_CONTINUE)
	end
	return conn
end

-- vg_envelope - MAIL FROM (with queue id qid) and the recipients
function vg_envelope(conn, qid, rcpts)
	mt.macro(conn, SMFIC_MAIL, "i", qid)
	vg_ok("mailfrom", mt.mailfrom(conn, "<sender@example.com>"))
	vg_reply(conn, "mailfrom", SMFIR_CONTINUE)
	for _, r in ipairs(rcpts or { "<rcpt@example.org>" }) do
		vg_ok("rcptto", mt.rcptto(conn, r))
		vg_reply(conn, "rcptto " .. r, SMFIR_CONTINUE)
	end
end

-- vg_headers - send {name, value} pairs and end of headers
function vg_headers(conn, headers)
	for _, h in ipairs(headers) do
		vg_ok("header " .. h[1], mt.header(conn, h[1], h[2]))
		vg_reply(conn, "header " .. h[1], SMFIR_CONTINUE)
	end
	vg_ok("eoh", mt.eoh(conn))
	vg_reply(conn, "eoh", SMFIR_CONTINUE)
end

-- vg_message - a whole message up to and including end of message
function vg_message(conn, qid, headers, body)
	vg_envelope(conn, qid)
	vg_headers(conn, headers or {
		{ "From", "Sender <sender@example.com>" },
		{ "To", "rcpt@example.org" },
		{ "Subject", "test " .. qid },
	})
	vg_ok("body", mt.bodystring(conn, body or "Hello.\r\n"))
	vg_reply(conn, "body", SMFIR_CONTINUE)
	vg_ok("eom", mt.eom(conn))
end

-- vg_header - the value of the n-th (0-based) header the filter added,
-- without the leading space SMFIP_HDR_LEADSPC makes filters supply
function vg_header(conn, name, n)
	local v = mt.getheader(conn, name, n or 0)
	if v == nil then
		return nil
	end
	return (string.gsub(v, "^ ", ""))
end

-- vg_want_clean - end of message accepted with our Clean headers
function vg_want_clean(conn, what)
	vg_reply(conn, what .. " eom", SMFIR_CONTINUE)
	local status = vg_header(conn, "X-Virus-Status")
	if status ~= "Clean" then
		vg_fail(what .. " X-Virus-Status", status, "Clean")
	end
	local scanned = vg_header(conn, "X-Virus-Scanned")
	if scanned == nil or string.find(scanned, "^Vigil ") == nil then
		vg_fail(what .. " X-Virus-Scanned", scanned, "Vigil ...")
	end
end

-- vg_readfile - the whole content of a file, "" when it does not exist
function vg_readfile(path)
	local f = io.open(path, "r")
	if f == nil then
		return ""
	end
	local s = f:read("*a")
	f:close()
	return s
end

-- vg_log_count - how many times a plain string occurs in milter.log (or
-- in the file path)
function vg_log_count(s, path)
	local log = vg_readfile(path or (tmp .. "/milter.log"))
	local n, pos = 0, 1
	while true do
		local i = string.find(log, s, pos, true)
		if i == nil then
			return n
		end
		n, pos = n + 1, i + 1
	end
end

-- vg_wait_log - wait up to secs seconds for milter.log (or the file
-- path) to hold s n times
function vg_wait_log(s, n, secs, path)
	for _ = 1, secs * 10 do
		if vg_log_count(s, path) >= n then
			return
		end
		mt.sleep(0.1)
	end
	vg_fail("log line \"" .. s .. "\" count", vg_log_count(s, path), n)
end

-- vg_signal - send a signal to the milter
function vg_signal(sig)
	if not os.execute("kill -" .. sig .. " " .. pid) then
		error("kill -" .. sig .. " " .. pid .. " failed")
	end
end

-- vg_append - append a line to a file (vigil.conf, a database file)
function vg_append(path, line)
	local f = assert(io.open(path, "a"))
	f:write(line .. "\n")
	f:close()
end

-- vg_hex - a string as lower-case hex, for a ClamAV .ndb body signature
function vg_hex(s)
	return (string.gsub(s, ".", function(c)
		return string.format("%02x", string.byte(c))
	end))
end

-- vg_write - replace a file's content
function vg_write(path, content)
	local f = assert(io.open(path, "w"))
	f:write(content)
	f:close()
end
