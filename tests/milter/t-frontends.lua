-- SPDX-License-Identifier: GPL-2.0-only
-- Run with frontends.rules: a table of envelopes and messages goes through
-- the running vigil-milter and through `vigil scan --json` with the same
-- vigil.conf, and both front ends must agree, envelope by envelope, on
-- which recipients are refused at RCPT TO, on the decision at end of
-- message (or that nothing is left to deliver), on the reply of a
-- refusal, and on the X-Spam-Status and X-Virus-Status headers of a
-- message let through.  The case the two used to disagree on: with
-- allow_rcpt postmaster@ and block_rcpt bad@example.org, a message to
-- both; the milter refuses bad@ at RCPT TO and delivers to postmaster@,
-- and vigil scan must say the same (it used to reject the whole message).
dofile(srcdir .. "/common.lua")

local corpus = srcdir .. "/../../../shared/corpus"
local HAM = corpus ..
    "/spamassassin/ham/easy_ham.00001.7c53336b37003a9286aba55d2945844c"
local SPAM = corpus ..
    "/spamassassin/spam/spam.00001.7848dde101aa985090474a91ec93fcf0"

-- read_message - a message file as {headers = {{name, value}}, body}:
-- header lines unfolded into values that keep their folds as CRLF, the
-- body with CRLF line ends, as an MTA hands them to a milter
local function read_message(path)
	local text = vg_readfile(path)
	if text == "" then
		error("cannot read " .. path)
	end
	text = string.gsub(text, "\r\n", "\n")
	local head, body = string.match(text, "^(.-)\n\n(.*)$")
	if head == nil then
		head, body = text, ""
	end
	local headers = {}
	for line in string.gmatch(head .. "\n", "(.-)\n") do
		if string.find(line, "^[ \t]") and #headers > 0 then
			local h = headers[#headers]
			h[2] = h[2] .. "\r\n" .. line
		elseif not string.find(line, "^From ") then
			local name, value = string.match(line, "^([^:]+):%s?(.*)$")
			if name ~= nil then
				table.insert(headers, { name, value })
			end
		end
	end
	return { headers = headers, body = string.gsub(body, "\n", "\r\n") }
end

-- synthetic - a small message with body
local function synthetic(subject, body)
	return {
		headers = {
			{ "From", "Sender <sender@example.com>" },
			{ "To", "rcpt@example.org" },
			{ "Subject", subject },
			{ "Date", "Mon, 02 Nov 2026 10:00:00 +0000" },
			{ "Message-ID", "<" .. subject .. "@example.com>" },
		},
		body = body,
	}
end

-- write_message - the message as a file for vigil scan
local function write_message(path, m)
	local parts = {}
	for _, h in ipairs(m.headers) do
		table.insert(parts, h[1] .. ": " .. h[2] .. "\r\n")
	end
	table.insert(parts, "\r\n")
	table.insert(parts, m.body)
	vg_write(path, table.concat(parts))
end

-- shell_quote - s as one sh word
local function shell_quote(s)
	return "'" .. string.gsub(s, "'", "'\\''") .. "'"
end

-- json_unescape - the JSON string escapes vigil scan writes
local function json_unescape(s)
	return (string.gsub(s, "\\(.)", "%1"))
end

-- unfold - a header value with each fold and run of blanks as one space
-- (--json shows a folded value's CRLF and tab as spaces)
local function unfold(v)
	if v == nil then
		return nil
	end
	return (string.gsub(v, "[\r\n\t ]+", " "))
end

-- run_cli - vigil scan --json of case c: decision, reply, refused set,
-- headers
local function run_cli(c, file)
	local cmd = { build .. "/cli/vigil", "scan", "-c", conf, "--json",
		"--client-ip", c.ip, "--helo", "client.example", "--from",
		c.from }
	for _, r in ipairs(c.rcpts) do
		table.insert(cmd, "--rcpt")
		table.insert(cmd, r)
	end
	table.insert(cmd, file)
	for i, w in ipairs(cmd) do
		cmd[i] = shell_quote(w)
	end
	local p = io.popen(table.concat(cmd, " ") .. " 2>/dev/null")
	local out = p:read("*a")
	p:close()
	local res = { refused = {}, headers = {} }
	res.decision = string.match(out, '"decision": "(%a+)"')
	if res.decision == nil then
		error(c.name .. ": vigil scan printed no decision: " .. out)
	end
	local reply = string.match(out, '"reply": "(.-[^\\])"')
	res.reply = reply and json_unescape(reply) or nil
	for r in string.gmatch(out, '{"rcpt": "(.-)", "reply"') do
		res.refused[json_unescape(r)] = true
	end
	-- A value may be empty (X-Spam-Level of a message under 1 point):
	-- each entry ends at the "} before the next entry or the list's end.
	for n, v in string.gmatch(out,
	    '{"name": "(X%-[%a%-]+)", "value": "(.-)"}[,%]]') do
		res.headers[n] = json_unescape(v)
	end
	res.raw = out
	return res
end

-- refused_text - the refused set as sorted text, for messages
local function refused_text(set)
	local t = {}
	for r in pairs(set) do
		table.insert(t, r)
	end
	table.sort(t)
	return "{" .. table.concat(t, ",") .. "}"
end

local cases = {
	{ name = "plain", rcpts = { "user@example.org" } },
	{ name = "allowed and blocked recipient",
	  rcpts = { "postmaster@example.org", "bad@example.org" } },
	{ name = "blocked sender, one allowed recipient",
	  from = "spammer@blocked.example",
	  rcpts = { "user@example.org", "postmaster@example.org" } },
	{ name = "blocked client, no allowed recipient",
	  ip = "198.51.100.66", rcpts = { "user@example.org" } },
	{ name = "blocked recipient only", rcpts = { "bad@example.org" } },
	{ name = "virus", rcpts = { "user@example.org" },
	  msg = synthetic("eicar", EICAR .. "\r\n") },
	{ name = "ham from the corpus", rcpts = { "user@example.org" },
	  file = HAM },
	{ name = "spam from the corpus", rcpts = { "user@example.org" },
	  file = SPAM },
	{ name = "spam to blocked and allowed",
	  rcpts = { "bad@example.org", "abuse@example.org" }, file = SPAM },
}

for i, c in ipairs(cases) do
	c.ip = c.ip or "192.0.2.1"
	c.from = c.from or "sender@example.com"
	local m = c.msg
	if c.file ~= nil then
		m = read_message(c.file)
	elseif m == nil then
		m = synthetic("case" .. i, "Hello.\r\n")
	end
	local file = tmp .. "/case" .. i .. ".eml"
	write_message(file, m)
	local cli = run_cli(c, file)

	-- The milter, through the same phases.
	local conn = vg_connect(c.ip)
	mt.macro(conn, SMFIC_MAIL, "i", "FE" .. i)
	vg_ok("mailfrom", mt.mailfrom(conn, "<" .. c.from .. ">"))
	vg_reply(conn, c.name .. " mailfrom", SMFIR_CONTINUE)
	local refused, accepted = {}, 0
	for _, r in ipairs(c.rcpts) do
		vg_ok("rcptto", mt.rcptto(conn, "<" .. r .. ">"))
		local got = mt.getreply(conn)
		if got == SMFIR_REPLYCODE then
			refused[r] = true
		elseif got == SMFIR_CONTINUE then
			accepted = accepted + 1
		else
			vg_fail(c.name .. " rcpt " .. r, string.char(got),
			    "c or y")
		end
	end
	if refused_text(refused) ~= refused_text(cli.refused) then
		vg_fail(c.name .. ": refused at RCPT TO, milter vs vigil scan",
		    refused_text(refused), refused_text(cli.refused))
	end
	if accepted == 0 then
		-- Nothing left: the MTA refuses DATA; vigil scan says so.
		if cli.decision ~= "reject" or cli.reply == nil or
		    not string.find(cli.raw, '"phase": "RCPT TO"', 1, true) then
			vg_fail(c.name .. ": vigil scan with every recipient " ..
			    "refused", cli.raw, "reject at RCPT TO")
		end
	else
		for _, h in ipairs(m.headers) do
			vg_ok("header", mt.header(conn, h[1], h[2]))
		end
		vg_ok("eoh", mt.eoh(conn))
		vg_ok("body", mt.bodystring(conn, m.body))
		vg_ok("eom", mt.eom(conn))
		local got = mt.getreply(conn)
		if cli.decision == "reject" or cli.decision == "tempfail" then
			local code, xcode, text =
			    string.match(cli.reply or "", "^(%d+) ([%d.]+) (.*)$")
			if got ~= SMFIR_REPLYCODE or not mt.eom_check(conn,
			    MT_SMTPREPLY, code, xcode, text) then
				vg_fail(c.name .. ": milter end of message",
				    string.char(got), cli.reply)
			end
		elseif cli.decision == "accept" or cli.decision == "tag" then
			if got ~= SMFIR_CONTINUE then
				vg_fail(c.name .. ": milter end of message",
				    string.char(got), "c (" .. cli.decision ..
				    ")")
			end
			for _, n in ipairs({ "X-Spam-Status", "X-Virus-Status",
			    "X-Spam-Flag" }) do
				local mv = unfold(vg_header(conn, n))
				if mv ~= unfold(cli.headers[n]) then
					vg_fail(c.name .. ": " .. n ..
					    ", milter vs vigil scan",
					    tostring(mv),
					    tostring(cli.headers[n]))
				end
			end
		else
			vg_fail(c.name .. ": vigil scan decision", cli.decision,
			    "accept, tag, reject or tempfail")
		end
	end
	mt.disconnect(conn)
end
